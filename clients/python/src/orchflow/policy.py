"""``SecurityPolicy``: a typed mirror of the server's policy schema (@orchflow/security ``SecurityPolicySchema``).

Where it goes: the orchflow protocol does **not** accept a policy from a client (neither
``initialize`` nor ``terminal.spawn`` has such a field — a client that could choose its own policy
could loosen it). A policy is set by whoever starts the server: ``Orchestrator.sidecar(policy=...)``
starts the sidecar with ``--policy FILE``, and :class:`TokenEntry` writes a ``--tokens`` file whose
entries carry a per-token policy. What a client *can* pass per call — a command's ``timeout``,
``idle_timeout``, ``max_output_bytes`` — are arguments of ``execute``.

The plan's names are accepted as aliases: ``max_execution_time`` (seconds) →
``resource_limits.execution_timeout_ms``, ``max_memory_mb`` → ``resource_limits.max_memory_mb``,
``network_access`` → ``network_policy`` (and ``capabilities.can_network``). Everything is checked
locally when the object is built; a bad field raises :class:`~orchflow.errors.InvalidParams`
(a ``ValueError``) naming it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Union

from .errors import InvalidParams

NetworkPolicy = Literal["allow", "deny"]
IsolationLevel = Literal["none", "process", "sandbox", "container"]
PresetName = Literal["trusted", "standard", "locked", "aiSafe"]
PRESETS: tuple[str, ...] = ("trusted", "standard", "locked", "aiSafe")

_SHELL_OPERATORS = re.compile(r"[;&|<>`$()]")
_OPTION = re.compile(r"^--?[A-Za-z0-9][A-Za-z0-9_.-]*$")
_VARIABLE = re.compile(r"^[A-Za-z_*][A-Za-z0-9_*]*$")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _fail(path: str, message: str) -> InvalidParams:
    return InvalidParams(f"Invalid security policy — {path}: {message}", data={"path": path}, local=True)


def _rule(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 1024:
        raise _fail(path, "a command rule must name a program (1-1024 characters)")
    if _SHELL_OPERATORS.search(value):
        raise _fail(path, "a command rule is a program and argument words, without shell operators or expansions")
    return value.strip()


def _pos_int(value: object, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _fail(path, f"must be a positive integer, got {value!r}")
    return value


@dataclass(frozen=True, kw_only=True)
class AllowRule:
    """An allowlist entry with options it refuses, or that must match exactly."""

    command: str
    denied_options: Sequence[str] = ()
    exact: bool = False

    def _to_json(self, path: str) -> dict[str, Any]:
        for i, option in enumerate(self.denied_options):
            if not isinstance(option, str) or not _OPTION.match(option):
                raise _fail(f"{path}.deniedOptions[{i}]", "an option such as -o, --output or -exec")
        return {"command": _rule(self.command, f"{path}.command"), "deniedOptions": list(self.denied_options), "exact": self.exact}


@dataclass(frozen=True, kw_only=True)
class ResourceLimits:
    """Per-terminal resource limits (unset: unlimited)."""

    max_cpu_seconds: int | None = None
    max_memory_mb: int | None = None
    execution_timeout_ms: int | None = None
    max_file_size_mb: int | None = None
    max_open_files: int | None = None
    max_tmpfs_mb: int | None = None
    max_processes: int | None = None

    def _to_json(self, path: str) -> dict[str, int]:
        names = {
            "max_cpu_seconds": "maxCpuSeconds",
            "max_memory_mb": "maxMemoryMb",
            "execution_timeout_ms": "executionTimeoutMs",
            "max_file_size_mb": "maxFileSizeMb",
            "max_open_files": "maxOpenFiles",
            "max_tmpfs_mb": "maxTmpfsMb",
            "max_processes": "maxProcesses",
        }
        out: dict[str, int] = {}
        for attr, wire in names.items():
            value = getattr(self, attr)
            if value is not None:
                out[wire] = _pos_int(value, f"{path}.{wire}")
        return out


@dataclass(frozen=True, kw_only=True)
class Capabilities:
    """What a terminal's commands may do; ``False`` removes the capability."""

    can_read_files: bool = True
    can_write_files: bool = True
    can_network: bool = True
    can_spawn_subprocesses: bool = True
    #: Raw keystrokes (``terminal.write``); unset: allowed only under a policy as open as ``trusted``.
    can_write_raw_input: bool | None = None

    def _to_json(self) -> dict[str, bool]:
        out = {
            "canReadFiles": self.can_read_files,
            "canWriteFiles": self.can_write_files,
            "canNetwork": self.can_network,
            "canSpawnSubprocesses": self.can_spawn_subprocesses,
        }
        if self.can_write_raw_input is not None:
            out["canWriteRawInput"] = self.can_write_raw_input
        return out


@dataclass(frozen=True, kw_only=True)
class PolicySecret:
    """A literal secret redacted as ``[REDACTED:<name>]``."""

    name: str
    value: str


@dataclass(frozen=True, kw_only=True)
class RedactionPattern:
    """An extra redaction pattern (the server checks the regex subset it accepts)."""

    name: str
    regex: str


@dataclass(frozen=True, kw_only=True)
class SecurityPolicy:
    """A security policy: which commands may run, where, with what limits and isolation.

    Unset fields (``None``) take the server's defaults. ``to_json()`` is exactly what
    ``withSecurityPolicy`` / ``--policy FILE`` / a tokens file's ``policy`` accept.
    """

    max_terminals_per_agent: int | None = None
    #: When set, every simple command must match one entry (fail closed).
    allowed_commands: Sequence[Union[str, AllowRule]] | None = None
    denied_commands: Sequence[str] = ()
    #: Absolute paths, or ``~`` / ``~/…``.
    forbidden_paths: Sequence[str] = ()
    #: ``None``: the server's list (``LD_*``, ``PATH``, ``BASH_ENV``, …).
    dangerous_variables: Sequence[str] | None = None
    protect_shell_integration: bool | None = None
    resource_limits: ResourceLimits | None = None
    network_policy: NetworkPolicy | None = None
    isolation_level: IsolationLevel | None = None
    capabilities: Capabilities | None = None
    recording: Literal["all", "none"] | None = None
    secrets: Sequence[PolicySecret] = ()
    redaction_patterns: Sequence[RedactionPattern] = ()
    redaction_builtins: bool | None = None
    trace_command_line: bool | None = None
    # The plan's names (aliases of the fields above).
    #: Alias: seconds → ``resource_limits.execution_timeout_ms``.
    max_execution_time: float | None = None
    #: Alias of ``resource_limits.max_memory_mb``.
    max_memory_mb: int | None = None
    #: Alias: ``False`` → ``network_policy='deny'`` and ``capabilities.can_network=False``.
    network_access: bool | None = None
    _resolved: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_resolved", self._build())

    def to_json(self) -> dict[str, Any]:
        """The policy in the server's JSON shape (camelCase; unset fields omitted)."""
        copy: dict[str, Any] = json.loads(json.dumps(self._resolved))  # a copy the caller may change
        return copy

    def dumps(self) -> str:
        """``to_json()`` as a JSON string, for ``--policy FILE``."""
        return json.dumps(self._resolved, indent=2)

    def with_changes(self, **changes: Any) -> SecurityPolicy:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def _build(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.max_terminals_per_agent is not None:
            out["maxTerminalsPerAgent"] = _pos_int(self.max_terminals_per_agent, "maxTerminalsPerAgent")
        if self.allowed_commands is not None:
            if isinstance(self.allowed_commands, str):
                raise _fail("allowedCommands", "must be a list of rules, not one string")
            out["allowedCommands"] = [
                entry._to_json(f"allowedCommands[{i}]") if isinstance(entry, AllowRule) else _rule(entry, f"allowedCommands[{i}]")
                for i, entry in enumerate(self.allowed_commands)
            ]
        if isinstance(self.denied_commands, str):
            raise _fail("deniedCommands", "must be a list of rules, not one string")
        if self.denied_commands:
            out["deniedCommands"] = [_rule(rule, f"deniedCommands[{i}]") for i, rule in enumerate(self.denied_commands)]
        if self.forbidden_paths:
            for i, path in enumerate(self.forbidden_paths):
                if not isinstance(path, str) or not (path.startswith("/") or path == "~" or path.startswith("~/")):
                    raise _fail(f"forbiddenPaths[{i}]", "a forbidden path must be absolute or start with ~/")
            out["forbiddenPaths"] = list(self.forbidden_paths)
        if self.dangerous_variables is not None:
            for i, name in enumerate(self.dangerous_variables):
                if not isinstance(name, str) or not _VARIABLE.match(name):
                    raise _fail(f"dangerousVariables[{i}]", "a variable name, optionally with * globs")
            out["dangerousVariables"] = list(self.dangerous_variables)
        if self.protect_shell_integration is not None:
            out["protectShellIntegration"] = bool(self.protect_shell_integration)
        limits = self.resource_limits._to_json("resourceLimits") if self.resource_limits is not None else {}
        if self.max_execution_time is not None:
            seconds = self.max_execution_time
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or math.isnan(seconds) or seconds <= 0:
                raise _fail("max_execution_time", f"must be a positive number of seconds, got {seconds!r}")
            self._alias(limits, "executionTimeoutMs", max(1, round(seconds * 1000)), "max_execution_time")
        if self.max_memory_mb is not None:
            self._alias(limits, "maxMemoryMb", _pos_int(self.max_memory_mb, "max_memory_mb"), "max_memory_mb")
        if limits:
            out["resourceLimits"] = limits
        network = self.network_policy
        if network is not None and network not in ("allow", "deny"):
            raise _fail("networkPolicy", f"must be 'allow' or 'deny', got {network!r}")
        capabilities = self.capabilities._to_json() if self.capabilities is not None else None
        if self.network_access is not None:
            wanted: NetworkPolicy = "allow" if self.network_access else "deny"
            if network is not None and network != wanted:
                raise _fail("network_access", f"conflicts with network_policy={network!r}")
            network = wanted
            if not self.network_access:
                capabilities = {**(capabilities or Capabilities()._to_json()), "canNetwork": False}
        if network is not None:
            out["networkPolicy"] = network
        if self.isolation_level is not None:
            if self.isolation_level not in ("none", "process", "sandbox", "container"):
                raise _fail("isolationLevel", f"must be none, process, sandbox or container, got {self.isolation_level!r}")
            out["isolationLevel"] = self.isolation_level
        if capabilities is not None:
            out["capabilities"] = capabilities
        if self.recording is not None:
            if self.recording not in ("all", "none"):
                raise _fail("recording", f"must be 'all' or 'none', got {self.recording!r}")
            out["recording"] = self.recording
        if self.secrets:
            secrets = []
            for i, secret in enumerate(self.secrets):
                if not _SECRET_NAME.match(secret.name):
                    raise _fail(f"secrets[{i}].name", "1-64 letters, digits, _ . or -")
                if not 4 <= len(secret.value) <= 4096:
                    raise _fail(f"secrets[{i}].value", "must have 4-4096 characters")
                secrets.append({"name": secret.name, "value": secret.value})
            out["secrets"] = secrets
        if self.redaction_patterns or self.redaction_builtins is not None:
            patterns = []
            for i, pattern in enumerate(self.redaction_patterns):
                if not _SECRET_NAME.match(pattern.name):
                    raise _fail(f"redaction.patterns[{i}].name", "1-64 letters, digits, _ . or -")
                if not 1 <= len(pattern.regex) <= 1000:
                    raise _fail(f"redaction.patterns[{i}].regex", "must have 1-1000 characters")
                patterns.append({"name": pattern.name, "regex": pattern.regex})
            out["redaction"] = {"patterns": patterns, "builtins": self.redaction_builtins is not False}
        if self.trace_command_line is not None:
            out["tracing"] = {"commandLine": self.trace_command_line}
        return out

    @staticmethod
    def _alias(limits: dict[str, Any], key: str, value: int, alias: str) -> None:
        if key in limits and limits[key] != value:
            raise _fail(alias, f"conflicts with resource_limits ({key}={limits[key]})")
        limits[key] = value


PolicyLike = Union[SecurityPolicy, PresetName, str]


def policy_json(policy: PolicyLike) -> str | dict[str, Any]:
    """A preset name as is, or a policy's JSON; anything else is :class:`InvalidParams`."""
    if isinstance(policy, SecurityPolicy):
        return policy.to_json()
    if isinstance(policy, str) and policy in PRESETS:
        return policy
    raise InvalidParams(f"policy must be a SecurityPolicy or one of {', '.join(PRESETS)}, got {policy!r}", local=True)


@dataclass(frozen=True, kw_only=True)
class TokenEntry:
    """One entry of a ``orchflow serve --tokens FILE`` file (the server's ``TokenAuthenticator`` format)."""

    token: str
    #: ``"admin"``, ``"viewer"`` or ``"agent"``.
    kind: Literal["admin", "agent", "viewer"] = "admin"
    name: str | None = None
    #: For agents: the agent ids this token may act as …
    agent_ids: Sequence[str] | None = None
    #: … or any id with this prefix.
    agent_id_prefix: str | None = None
    #: A per-token policy, checked on top of the server's ``--policy``.
    policy: PolicyLike | None = None

    def to_json(self) -> dict[str, Any]:
        """The entry's JSON."""
        if len(self.token) < 16:
            raise InvalidParams("a token must have at least 16 characters", local=True)
        principal: dict[str, Any] = {"kind": self.kind}
        if self.name is not None:
            principal["name"] = self.name
        if self.agent_ids is not None:
            principal["agentIds"] = list(self.agent_ids)
        if self.agent_id_prefix is not None:
            principal["agentIdPrefix"] = self.agent_id_prefix
        entry: dict[str, Any] = {"token": self.token, "principal": principal}
        if self.policy is not None:
            entry["policy"] = policy_json(self.policy)
        return entry


def tokens_file_json(entries: Sequence[TokenEntry] | Mapping[str, Any]) -> str:
    """The text of a tokens file for ``orchflow serve --tokens FILE``."""
    if isinstance(entries, Mapping):
        return json.dumps(entries, indent=2)
    return json.dumps({"tokens": [entry.to_json() for entry in entries]}, indent=2)
