#!/usr/bin/env bash
# One-step setup on a fresh Debian machine with Node 20: pnpm, the system packages the tests
# use (real shells and tmux), and the workspace's dependencies (node-pty comes prebuilt on glibc Linux).
# Usage: scripts/setup.sh [--frozen]   (--frozen: install exactly the lockfile, as CI does)
set -euo pipefail
cd "$(dirname "$0")/.."

# Shells and tools the test suite drives for real (python3: programs that attack the shell integration).
# gcc, libc6-dev: @orchflow/terminal compiles its native launcher, which every terminal is started
# through, when it is installed (perl, Essential on Debian, runs the launcher where it was not).
# chromium: the web monitor's end-to-end tests drive it through playwright-core (which cannot
# download its own browsers here).
# asciinema: recordings must play in it unchanged; prometheus: its promtool checks /metrics.
# nats-server: the cluster tests start their own (JetStream in a temp dir).
# neovim: the neovim example's plugin is tested in a real `nvim --headless`.
# python3-*, mypy: the Python client (clients/python) is tested, type-checked and built with Debian's
# Python (/usr/bin/python3), since PyPI is not reachable from CI.
# strace: the spawner's tests make close_range fail (as on kernels before 5.9) with its fault injection.
SYSTEM_PACKAGES=(gcc libc6-dev tmux zsh procps bubblewrap curl netcat-openbsd python3 chromium asciinema prometheus nats-server
  neovim python3-pytest python3-pytest-asyncio python3-websockets mypy python3-build python3-hatchling python3-venv
  strace)

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "setup: installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: please install these packages with your package manager: ${missing[*]}" >&2
  fi
fi

if ! command -v pnpm >/dev/null 2>&1; then
  echo "setup: installing pnpm 10"
  npm install -g pnpm@10 >/dev/null
fi

if [ "${1:-}" = "--frozen" ]; then
  pnpm install --frozen-lockfile
else
  pnpm install
fi
