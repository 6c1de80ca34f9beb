"""Shared by the examples: how to reach an orchflow server from the command line."""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

# In this repository the examples use the freshly built CLI; elsewhere `orchflow` on PATH or npx.
_REPO_CLI = Path(__file__).resolve().parents[3] / "packages" / "server" / "dist" / "cli.mjs"


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="a running server: ws://HOST:PORT or unix:/path (default: start a stdio sidecar)")
    parser.add_argument("--token", default=os.environ.get("ORCHFLOW_TOKEN"), help="token for --url (or $ORCHFLOW_TOKEN)")
    parser.add_argument(
        "--sidecar",
        default=os.environ.get("ORCHFLOW_SIDECAR"),
        help="command that starts `orchflow serve --stdio` (or $ORCHFLOW_SIDECAR)",
    )


def sidecar_command(args: argparse.Namespace) -> list[str] | None:
    """The sidecar argv: --sidecar, else the repository's CLI when present, else None (PATH or npx)."""
    if args.sidecar:
        return shlex.split(args.sidecar)
    if _REPO_CLI.exists():
        return ["node", str(_REPO_CLI), "serve", "--stdio", "--log-level", "warn"]
    return None
