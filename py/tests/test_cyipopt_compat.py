"""Same code against cyipopt and ipax (skipped when cyipopt-wheels is not installed), and
robustness against bad callback results."""

import numpy as np
import pytest

import ipax
from conftest import HS071, HS071_BOUNDS, HS071_X0


def run_hs071(module):
    nlp = module.Problem(n=4, m=2, problem_obj=HS071(), **HS071_BOUNDS)
    nlp.add_option("tol", 1e-7)
    nlp.add_option("print_level", 0)
    return nlp.solve(HS071_X0)


def test_same_answer_as_cyipopt():
    cyipopt = pytest.importorskip("cyipopt")
    x_ref, ref = run_hs071(cyipopt)
    x, info = run_hs071(ipax)
    assert set(ref) <= set(info)
    np.testing.assert_allclose(x, x_ref, atol=1e-6)
    np.testing.assert_allclose(info["mult_g"], ref["mult_g"], atol=1e-6)
    np.testing.assert_allclose(info["mult_x_L"], ref["mult_x_L"], atol=1e-6)
    assert info["status"] == ref["status"]
    assert type(info["status_msg"]) is type(ref["status_msg"])


class Const:
    def __init__(self, value, grad):
        self.value = value
        self.grad = grad

    def objective(self, x):
        return self.value

    def gradient(self, x):
        return self.grad


def solve_const(value, grad):
    nlp = ipax.Problem(2, 0, Const(value, grad))
    nlp.add_option("print_level", 0)
    return nlp.solve([1.0, 2.0])


def test_nan_objective_is_an_evaluation_error_status():
    _, info = solve_const(float("nan"), np.ones(2))
    assert info["status"] == -13


@pytest.mark.parametrize("value, grad", [("abc", np.ones(2)), (1.0, [[1.0, "x"]]), (1.0, np.ones(5))])
def test_bad_callback_results_raise(value, grad):
    with pytest.raises((ValueError, TypeError)):
        solve_const(value, grad)
