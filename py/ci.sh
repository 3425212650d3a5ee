#!/usr/bin/env bash
# Build the Python package `ipax` and run its pytest suite.
#
# Usage: py/ci.sh [VENV_DIR]   (default: $TMPDIR/ipax-ci-venv)
#
# Creates (or reuses) a virtual environment, installs the build/test tools, installs ./py with pip
# (maturin backend, dev profile = the same cargo profile as `cargo test`, so faer is not rebuilt),
# and runs pytest. Exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${1:-${TMPDIR:-/tmp}/ipax-ci-venv}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "maturin>=1.16,<2" numpy pytest scipy pyomo
# --no-build-isolation: reuse the maturin just installed instead of fetching it again.
"$venv/bin/python" -m pip install --quiet --no-build-isolation --force-reinstall --no-deps "$here"
cd "$here"
"$venv/bin/python" -m pytest tests -q -p no:cacheprovider
