"""`python -m build` makes a wheel and an sdist; the wheel installs into a fresh venv and works."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from conftest import PACKAGE, SIDECAR

SMOKE = """
import asyncio, sys
import orchflow
from orchflow import Orchestrator
assert orchflow.__file__.startswith(sys.prefix), orchflow.__file__

async def main():
    async with await Orchestrator.sidecar(sys.argv[1:]) as orch:
        async with orch.terminal_session("smoke") as terminal:
            result = await terminal.execute("echo installed-ok", timeout=20)
            print(result.stdout.strip(), result.exit_code)

asyncio.run(main())
"""


def test_wheel_and_sdist_install_and_run(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--skip-dependency-check", "--sdist", "--wheel", "--outdir", str(dist), str(PACKAGE)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    wheel = next(dist.glob("orchflow-*.whl"))
    sdist = next(dist.glob("orchflow-*.tar.gz"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "orchflow/py.typed" in names and "orchflow/sync.py" in names
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Provides-Extra: websocket" in metadata and "Requires-Python: >=3.10" in metadata
    assert any(n.endswith("src/orchflow/client.py") for n in tarfile.open(sdist).getnames())

    venv = tmp_path / "venv"
    # A fresh venv without pip (ensurepip is slow); the system pip installs the wheel into it.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index", "--no-deps", "--quiet", str(wheel)],
        check=True,
        timeout=120,
    )
    assert (venv / "lib").glob("python3*/site-packages/orchflow/py.typed")
    smoke = tmp_path / "smoke.py"
    smoke.write_text(SMOKE)
    run = subprocess.run([str(python), str(smoke), *SIDECAR], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "installed-ok 0"
