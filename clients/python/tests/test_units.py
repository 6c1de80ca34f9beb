"""Pure-Python parts: binary WebSocket frames, SecurityPolicy validation and JSON.

Content-Length framing is tested through the code the transports run (``StreamTransport.receive``
on a socketpair) in test_robustness.py.
"""

from __future__ import annotations

import json
import struct

import pytest

from orchflow import AllowRule, InvalidParams, ResourceLimits, SecurityPolicy, TokenEntry, tokens_file_json
from orchflow.transports.websocket import decode_binary_output
from orchflow.version import protocol_mismatch


def test_binary_output_frames_become_notifications() -> None:
    header = json.dumps({"jsonrpc": "2.0", "method": "terminal.output", "params": {"terminalId": "t1", "offset": 0, "nextOffset": 5}}).encode()
    frame = struct.pack(">I", len(header)) + header + "héllo".encode()
    assert decode_binary_output(frame)["params"] == {"terminalId": "t1", "offset": 0, "nextOffset": 5, "data": "héllo"}
    for bad in (b"\x00", struct.pack(">I", 99) + b"{}", struct.pack(">I", 2) + b"{}"):
        with pytest.raises(ValueError):
            decode_binary_output(bad)


def test_protocol_versions() -> None:
    assert protocol_mismatch("1.4.2") is None
    assert "major versions must match" in (protocol_mismatch("2.0.0") or "")
    assert "not MAJOR.MINOR.PATCH" in (protocol_mismatch("one") or "")


def test_policy_aliases_map_onto_the_server_schema() -> None:
    plan = SecurityPolicy(max_execution_time=30, allowed_commands=["git status", "npm run test:*"], max_memory_mb=512, network_access=False)
    assert plan.to_json() == {
        "allowedCommands": ["git status", "npm run test:*"],
        "resourceLimits": {"executionTimeoutMs": 30000, "maxMemoryMb": 512},
        "networkPolicy": "deny",
        "capabilities": {"canReadFiles": True, "canWriteFiles": True, "canNetwork": False, "canSpawnSubprocesses": True},
    }
    full = SecurityPolicy(
        allowed_commands=[AllowRule(command="git log", denied_options=["--output"])],
        denied_commands=["rm"],
        forbidden_paths=["~/.ssh", "/etc/shadow"],
        resource_limits=ResourceLimits(max_processes=64, execution_timeout_ms=5000),
        isolation_level="process",
        max_terminals_per_agent=4,
    )
    assert full.to_json()["allowedCommands"] == [{"command": "git log", "deniedOptions": ["--output"], "exact": False}]
    assert full.to_json()["resourceLimits"] == {"executionTimeoutMs": 5000, "maxProcesses": 64}
    assert SecurityPolicy().to_json() == {}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"allowed_commands": ["ls; rm -rf /"]}, "allowedCommands[0]"),
        ({"allowed_commands": "ls"}, "allowedCommands"),
        ({"denied_commands": ["$(evil)"]}, "deniedCommands[0]"),
        ({"max_memory_mb": 0}, "max_memory_mb"),
        ({"max_execution_time": -1}, "max_execution_time"),
        ({"forbidden_paths": ["relative/path"]}, "forbiddenPaths[0]"),
        ({"network_access": False, "network_policy": "allow"}, "network_access"),
        ({"isolation_level": "vm"}, "isolationLevel"),
        ({"max_execution_time": 10, "resource_limits": ResourceLimits(execution_timeout_ms=5)}, "max_execution_time"),
        ({"resource_limits": ResourceLimits(max_open_files=-3)}, "resourceLimits.maxOpenFiles"),
    ],
)
def test_bad_policies_fail_locally_naming_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidParams) as bad:
        SecurityPolicy(**kwargs)  # type: ignore[arg-type]
    assert isinstance(bad.value, ValueError) and bad.value.local
    assert f"{field}:" in bad.value.message


def test_tokens_file() -> None:
    text = tokens_file_json([TokenEntry(token="x" * 16, kind="agent", agent_ids=["a"], policy="aiSafe")])
    assert json.loads(text) == {"tokens": [{"token": "x" * 16, "principal": {"kind": "agent", "agentIds": ["a"]}, "policy": "aiSafe"}]}
    with pytest.raises(InvalidParams):
        TokenEntry(token="short").to_json()
    with pytest.raises(InvalidParams):
        TokenEntry(token="y" * 16, policy="lenient").to_json()


def test_sidecar_command_resolution(tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from orchflow import ChannelClosed
    from orchflow.transports.stdio import resolve_sidecar_command

    bin_dir = Path(str(tmp_path)) / "bin"
    bin_dir.mkdir()
    assert resolve_sidecar_command(["node", "cli.mjs", "serve", "--stdio"], ["--policy", "aiSafe"]) == [
        "node", "cli.mjs", "serve", "--stdio", "--policy", "aiSafe",
    ]
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(ChannelClosed, match="Cannot find orchflow"):
        resolve_sidecar_command(None)
    npx = bin_dir / "npx"
    npx.write_text("#!/bin/sh\n")
    npx.chmod(0o755)
    assert resolve_sidecar_command(None) == [str(npx), "--yes", "-p", "@orchflow/server", "orchflow", "serve", "--stdio"]
    orchflow_bin = bin_dir / "orchflow"
    orchflow_bin.write_text("#!/bin/sh\n")
    orchflow_bin.chmod(0o755)
    assert resolve_sidecar_command(None, ["--tokens", "t.json"]) == [str(orchflow_bin), "serve", "--stdio", "--tokens", "t.json"]
    with pytest.raises(ValueError):
        resolve_sidecar_command([])
