#!/usr/bin/env bash
# Build the Python package `ipax` and run its pytest suite and cyipopt's own test suite (through
# the shim in tests/cyipopt_shim).
#
# Usage: py/ci.sh [VENV_DIR]   (default: $TMPDIR/ipax-ci-venv)
#
# IPAX_PY_PROFILE=release (default) installs ./py exactly as `pip install ./py` does (optimized
# abi3 wheel); IPAX_PY_PROFILE=dev builds the cargo dev profile instead (faster to compile, slower
# to run) and tells the build test to expect it (IPAX_EXPECT_BUILD=dev).
# Exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${1:-${TMPDIR:-/tmp}/ipax-ci-venv}"
profile="${IPAX_PY_PROFILE:-release}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
py="$venv/bin/python"
"$py" -m pip install --quiet --upgrade pip
# jax (CPU wheels, ~40 s) so that tests/test_jax.py runs rather than skips.
"$py" -m pip install --quiet "maturin>=1.16,<2" numpy pytest scipy pyomo mypy jax
# ipax.distributed's engines, pinned (tests/test_distributed.py): Dask's LocalCluster and
# cloudpickle are required (IPAX_REQUIRE_DISTRIBUTED=1 turns their skips into failures); Ray's
# wheel (79 MB, ~10 s to install, its test ~9 s) is optional: without it that test skips.
"$py" -m pip install --quiet "dask[distributed]==2026.8.0" "cloudpickle==3.1.2" "plotly>=5,<7"
export IPAX_REQUIRE_DISTRIBUTED=1
"$py" -m pip install --quiet "ray==2.60.0" || echo "ray==2.60.0 did not install: the Ray test skips"
case "$profile" in
    release) unset MATURIN_PEP517_ARGS; export IPAX_EXPECT_BUILD=release ;;
    dev) export MATURIN_PEP517_ARGS="--profile dev"; export IPAX_EXPECT_BUILD=dev ;;
    *) echo "IPAX_PY_PROFILE must be release or dev, got '$profile'" >&2; exit 2 ;;
esac
# --no-build-isolation: reuse the maturin just installed instead of fetching it again.
start=$(date +%s)
"$py" -m pip install --quiet --no-build-isolation --force-reinstall --no-deps "$here"
echo "ipax ($profile) built and installed in $(( $(date +%s) - start )) s"
cd "$here"
"$py" -m pytest tests -q -p no:cacheprovider
# cyipopt 1.7.0's own tests with `import cyipopt` resolved to ipax (tests/cyipopt_shim/README.md).
"$here/tests/cyipopt_suite.sh" "$py"
# The stubs (_ipax.pyi, __init__.pyi) checked against real use.
"$py" -m mypy --strict tests/typing_usage.py
# ... and the extension's stub against the compiled module itself.
(cd "${TMPDIR:-/tmp}" && "$py" -m mypy.stubtest ipax._ipax)
