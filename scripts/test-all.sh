#!/usr/bin/env bash
# Run every test of ipax: Rust doctests, the Python package's pytest suite, then all Rust unit and
# integration tests with nextest (last, so its summary closes the output).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Rust doctests"
cargo test --workspace --exclude ipax-py --doc

if [ -f py/ci.sh ]; then
  echo "== Python package (pytest)"
  bash py/ci.sh "${IPAX_VENV:-$PWD/.venv}"
fi

echo "== Rust tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --exclude ipax-py
else
  cargo test --workspace --exclude ipax-py
fi
