"""The protocol version this client speaks and the compatibility rule (same major version)."""

from __future__ import annotations

import re

#: The wire protocol version (``PROTOCOL_VERSION`` of @orchflow/protocol).
PROTOCOL_VERSION = "1.0.0"
#: This package's version.
__version__ = "0.1.0"

_VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$")


def protocol_mismatch(remote: str, local: str = PROTOCOL_VERSION) -> str | None:
    """Why ``remote`` cannot talk to ``local`` (major versions differ, or not a version), else ``None``."""
    match = _VERSION.match(remote) if isinstance(remote, str) else None
    if match is None:
        return f"Peer sent protocol version {remote!r}, which is not MAJOR.MINOR.PATCH; send a version such as {local!r}"
    local_match = _VERSION.match(local)
    assert local_match is not None
    if match.group(1) != local_match.group(1):
        return (
            f"Peer speaks protocol {remote} but this side speaks {local}; major versions must match "
            f"({match.group(1)} ≠ {local_match.group(1)}). Use orchflow client and server releases built "
            f"for protocol {local_match.group(1)}.x"
        )
    return None
