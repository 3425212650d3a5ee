#!/usr/bin/env bash
# Run every test of ipax: Rust doctests, the Python package's pytest suite, then all Rust unit and
# integration tests with nextest (last, so its summary closes the output).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Rust doctests"
cargo test --workspace --exclude ipax-py --doc

# README's first command (`cargo run --release -- --problem hs071`), here with the dev profile:
# it must resolve to the solver binary and solve.
echo "== README solve"
readme_solve=$(cargo run -q -- --problem hs071 print_level=0)
echo "$readme_solve"
grep -q "status Optimal" <<<"$readme_solve"

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
