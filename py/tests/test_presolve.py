"""Presolve from Python: add_option("presolve", "yes") on an ipax.Problem eliminates an auxiliary
chain, returns full-space multipliers, and reports the presolve diagnostics in info["presolve"]."""

import numpy as np
import pytest

import ipax


class Chain:
    """a = 1 and b - 2a = 1 (a definition chain outside the objective: safe presolve solves and
    removes it), x + y = 3 with objective (x - 1)^2 + (y - 3)^2: optimum x = 0.5, y = 2.5, and the
    full-space multipliers (Ipopt's sign) are y = [0, 0, 1]."""

    def objective(self, x):
        return (x[2] - 1.0) ** 2 + (x[3] - 3.0) ** 2

    def gradient(self, x):
        return np.array([0.0, 0.0, 2.0 * (x[2] - 1.0), 2.0 * (x[3] - 3.0)])

    def constraints(self, x):
        return np.array([x[0], x[1] - 2.0 * x[0], x[2] + x[3]])

    def jacobianstructure(self):
        return np.array([0, 1, 1, 2, 2]), np.array([0, 0, 1, 2, 3])

    def jacobian(self, x):
        return np.array([1.0, -2.0, 1.0, 1.0, 1.0])

    def hessianstructure(self):
        return np.array([2, 3]), np.array([2, 3])

    def hessian(self, x, lagrange, obj_factor):
        return obj_factor * np.array([2.0, 2.0])


def solve(**opts):
    nlp = ipax.Problem(n=4, m=3, problem_obj=Chain(), lb=[-1e20] * 4, ub=[1e20] * 4, cl=[1.0, 1.0, 3.0], cu=[1.0, 1.0, 3.0])
    nlp.add_option("print_level", 0)
    for k, v in opts.items():
        nlp.add_option(k, v)
    return nlp.solve(np.zeros(4))


def test_presolve_eliminates_the_chain_and_reports_in_info():
    x_off, off = solve()
    assert "presolve" not in off
    x, info = solve(presolve="yes", presolve_auxiliary="yes")
    assert info["status"] == 0
    np.testing.assert_allclose(x, [1.0, 3.0, 0.5, 2.5], atol=1e-8)
    assert info["obj_val"] == pytest.approx(off["obj_val"], abs=1e-10)
    assert info["iterations"] <= off["iterations"]
    # All three multipliers come back (two rows were dropped), and they balance stationarity.
    np.testing.assert_allclose(info["mult_g"], [0.0, 0.0, 1.0], atol=1e-8)
    assert len(info["g"]) == 3
    p = info["presolve"]
    assert (p["eliminated_blocks"], p["candidate_blocks"], p["fixed_variables"], p["dropped_rows"]) == (2, 2, 2, 2)
    assert p["accepted"] == {"pure": 2, "objective": 0, "inequality": 0, "both": 0}
    assert p["summary"].startswith("auxiliary-preprocessing: 2 of 2 candidate block(s) eliminated, fixing 2 variable(s) and dropping 2 row(s)")
    assert not p["rolled_back"] and p["skipped"] is None
    stages = {"incidence", "matching", "dm", "components", "btf", "block_solve", "residual_check", "total"}
    assert set(p["timings"]) == stages
    assert all(t >= 0.0 for t in p["timings"].values())
    assert p["timings"]["total"] == pytest.approx(sum(v for k, v in p["timings"].items() if k != "total"), rel=1e-9, abs=1e-12)


def test_presolve_no_is_accepted_and_reports_nothing():
    _, info = solve(presolve="no", presolve_auxiliary="yes")
    assert info["status"] == 0 and "presolve" not in info


def test_nothing_eliminable_reports_zero_of_n():
    # With the policy "none" the analysis runs and eliminates nothing: 0 of 2.
    _, info = solve(presolve="yes", presolve_auxiliary="yes", presolve_auxiliary_coupling="none")
    p = info["presolve"]
    assert (p["eliminated_blocks"], p["candidate_blocks"], p["dropped_rows"]) == (0, 2, 0)
    assert p["summary"].startswith("auxiliary-preprocessing: 0 of 2")
