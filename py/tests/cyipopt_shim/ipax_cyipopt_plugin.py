"""pytest plugin for running cyipopt's test suite against ipax (loaded with ``-p``).

* Marks the tests listed in ``KNOWN`` as strict xfails: README.md here explains why ipax does not
  match cyipopt there. Strict: a listed test that starts passing fails the run, so the list
  cannot go stale.
* Fails the session unless at least ``MIN_PASSED`` tests passed: the count reached so far, a
  ratchet (issue 17 asks for 55).
"""

from typing import Any, Dict, List

import pytest

MIN_PASSED = 57

#: node id (relative to the suite's root) -> one-line reason; README.md has the full argument.
KNOWN: Dict[str, str] = {
    "test_scipy_optional.py::test_minimize_ipopt_input_validation":
        "ipax supports hessp and callback with its own method; cyipopt raises NotImplementedError",
    "test_scipy_optional.py::test_minimize_ipopt_nojac_constraints_if_scipy":
        "pins one point (rtol 1e-7) of a continuum of minimizers {x : rosen(x) = 1}",
}

_passed: List[str] = []


def pytest_collection_modifyitems(config: Any, items: List[Any]) -> None:
    for item in items:
        for node, reason in KNOWN.items():
            if item.nodeid.endswith(node):
                item.add_marker(pytest.mark.xfail(reason=reason, strict=True))


def pytest_runtest_logreport(report: Any) -> None:
    if report.when == "call" and report.passed and not hasattr(report, "wasxfail"):
        _passed.append(report.nodeid)


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    print(f"\ncyipopt suite on ipax: {len(_passed)} passed (required: {MIN_PASSED})")
    if len(_passed) < MIN_PASSED and session.exitstatus == 0:
        session.exitstatus = 1
