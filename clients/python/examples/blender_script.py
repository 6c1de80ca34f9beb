"""A Blender-style synchronous script: no event loop, plain calls (what an add-on operator does).

It renders "frames" by running one shell command per frame in a terminal session, reporting
progress as Blender's ``wm.progress_update`` would, then checks the outputs in one transaction.
Run it:  /usr/bin/python3 clients/python/examples/blender_script.py --frames 5
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # run from a checkout without installing

from _server import add_server_arguments, sidecar_command  # noqa: E402

from orchflow import SecurityPolicy  # noqa: E402
from orchflow.sync import Orchestrator  # noqa: E402


def progress_update(done: int, total: int) -> None:
    """Stands in for ``bpy.context.window_manager.progress_update``."""
    print(f"progress {done}/{total}", flush=True)


def render(orch: Orchestrator, frames: int, out_dir: str) -> None:
    with orch.terminal_session("blender-render", cwd=out_dir) as terminal:
        for frame in range(1, frames + 1):
            # Stand-in for `blender -b scene.blend -f N`: write the frame, report its size.
            result = terminal.execute(f"printf 'frame {frame}\\n' > frame_{frame:04d}.txt && wc -c < frame_{frame:04d}.txt", timeout=30)
            if not result.ok:
                raise RuntimeError(f"frame {frame} failed: {result.stdout}")
            progress_update(frame, frames)
        with orch.transaction() as tx:  # admitted together: if one is denied, none runs
            tx.add(terminal, "ls frame_*.txt | wc -l")
            tx.add(terminal, "cat frame_*.txt | head -n 2")
        assert tx.results is not None
        count = tx.results[0].result.stdout.strip() if tx.results[0].result else "?"
        print(f"rendered {count} frames into {out_dir}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_server_arguments(parser)
    parser.add_argument("--frames", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="orchflow-blender-") as out_dir:
        if args.url:
            orch = Orchestrator.connect(args.url, token=args.token)
        else:
            policy = SecurityPolicy(allowed_commands=["printf", "wc", "ls", "cat", "head"], max_execution_time=60)
            orch = Orchestrator.sidecar(sidecar_command(args), policy=policy)
        with orch:
            render(orch, args.frames, out_dir)
    print("done", flush=True)


if __name__ == "__main__":
    main()
