"""The installed extension is the optimized build unless the dev build was asked for explicitly."""

import os

import ipax
from ipax import _ipax


def test_installed_build_is_release_unless_dev_was_requested():
    # py/ci.sh sets IPAX_EXPECT_BUILD=dev only when it installs with IPAX_PY_PROFILE=dev; a plain
    # `pip install ./py` must give the release profile (pyproject.toml [tool.maturin] profile).
    expected = os.environ.get("IPAX_EXPECT_BUILD", "release")
    assert expected in ("release", "dev")
    assert ipax.__build__ == _ipax.__build__ == expected
