"""Solver.kkt_solve with the IPM's held factor (factor_reuse=True, the default) against the KKT
matrix factored again at the solution (factor_reuse=False), for one and many right-hand sides."""

import numpy as np
import pytest

import ipax

from test_sensitivity import SensNLP


class ActiveBound:
    """min (x0 − 2)² + (x1 − 1)² + x0 x1 + (x2 + 5)² + 0.1 x1⁴ + x3 x0
    s.t. x0 + x1 + x2 = p, x0 x1 ≤ 1.2 (active), −10 ≤ x0 − x1 ≤ 10 (inactive);
    x2 ≥ 0 (active), x3 = 0.5 fixed by its bounds."""

    def objective(self, x):
        return (x[0] - 2) ** 2 + (x[1] - 1) ** 2 + x[0] * x[1] + (x[2] + 5) ** 2 + 0.1 * x[1] ** 4 + x[3] * x[0]

    def gradient(self, x):
        return np.array([2 * (x[0] - 2) + x[1] + x[3], 2 * (x[1] - 1) + x[0] + 0.4 * x[1] ** 3, 2 * (x[2] + 5), x[0]])

    def constraints(self, x):
        return np.array([x[0] + x[1] + x[2], x[0] * x[1], x[0] - x[1]])

    def jacobianstructure(self):
        return np.array([0, 0, 0, 1, 1, 2, 2]), np.array([0, 1, 2, 0, 1, 0, 1])

    def jacobian(self, x):
        return np.array([1.0, 1.0, 1.0, x[1], x[0], 1.0, -1.0])

    def hessianstructure(self):
        return np.array([0, 1, 1, 2, 3]), np.array([0, 0, 1, 2, 0])

    def hessian(self, x, lagrange, obj_factor):
        s = obj_factor
        return np.array([2 * s, s + lagrange[1], s * (2 + 1.2 * x[1] ** 2), 2 * s, s])


def session(factor_reuse, p=3.0, refine=False, **options):
    prob = ipax.Problem(n=4, m=3, problem_obj=ActiveBound(), lb=[-1e20, -1e20, 0.0, 0.5], ub=[1e20, 1e20, 1e20, 0.5],
                        cl=[p, -1e20, -10.0], cu=[p, 1.2, 10.0])
    prob.add_option("print_level", 0)
    prob.add_option("tol", 1e-10)
    for k, v in options.items():
        prob.add_option(k, v)
    s = ipax.Solver(prob, factor_reuse=factor_reuse, refine=refine)
    x, info = s.solve([1.0, 1.0, 1.0, 0.5])
    assert info["status"] == 0
    return s, x, info


def rhs(k):
    return np.random.default_rng(7).uniform(-1, 1, size=(7, k))


def test_reuse_is_the_default_and_holds_the_ipm_factor():
    held, _, info = session(True)
    fresh, _, _ = session(False)
    assert ipax.Solver(held.problem).factor_reuse is True
    assert held.kkt_source == "held" and fresh.kkt_source == "fresh"
    hi = held._kkt.held_info()
    assert hi["iteration"] + 1 == info["iterations"] and hi["delta_w"] == 0.0
    assert fresh._kkt.held_info() is None


def test_reuse_equals_the_fresh_factorization_for_many_right_hand_sides():
    held, x, info = session(True)
    fresh, _, _ = session(False)
    assert abs(x[2]) < 1e-7 and info["mult_x_L"][2] > 1e-2, "the bound x2 >= 0 must be active"
    b = rhs(6)
    a, f = held.kkt_solve(b), fresh.kkt_solve(b)
    assert a.shape == f.shape == (7, 6)
    np.testing.assert_allclose(a, f, rtol=0, atol=1e-6 * np.abs(f).max())
    # k at once = one at a time, and shapes are checked
    for j in range(6):
        np.testing.assert_allclose(a[:, j], held.kkt_solve(b[:, j]), rtol=1e-14, atol=1e-14)
    with pytest.raises(ValueError):
        held.kkt_solve(np.ones(14))
    with pytest.raises(ValueError):
        held.kkt_solve(np.ones((6, 2)))
    assert held.kkt_solve(np.zeros((7, 0))).shape == (7, 0)


def test_reuse_equals_fresh_under_scaling():
    held, _, _ = session(True, obj_scaling_factor=7.0, nlp_scaling_method="gradient-based")
    fresh, _, _ = session(False, obj_scaling_factor=7.0)
    b = rhs(3)
    f = fresh.kkt_solve(b)
    np.testing.assert_allclose(held.kkt_solve(b), f, rtol=0, atol=1e-6 * np.abs(f).max())


def test_no_held_factor_falls_back_to_the_fresh_one():
    # The condensed route keeps no augmented factor: kkt_solve still works, factored at the solution.
    s, _, _ = session(True, kkt_route="condensed")
    fresh, _, _ = session(False)
    assert s.kkt_source == "fresh"
    np.testing.assert_allclose(s.kkt_solve(rhs(2)), fresh.kkt_solve(rhs(2)), rtol=1e-6, atol=1e-8)


def test_parametric_step_with_and_without_reuse_match_finite_differences():
    def at(p, reuse=True):
        prob = ipax.Problem(n=4, m=2, problem_obj=SensNLP(), cl=[0.0, p], cu=[0.0, p])
        prob.add_option("print_level", 0)
        prob.add_option("tol", 1e-11)
        s = ipax.Solver(prob, factor_reuse=reuse)
        x, info = s.solve([0.0, 0.0, 0.0, p])
        assert info["status"] == 0
        return s, x

    p, h = 1.0, 1e-5
    (sr, x), (sf, _) = at(p, True), at(p, False)
    assert sr.kkt_source == "held" and sf.kkt_source == "fresh"
    _, xp = at(p + h)
    _, xm = at(p - h)
    fd = (xp - xm) / (2 * h)
    for s in (sr, sf):
        xs, _ = s.parametric_step([1], [p + h])
        np.testing.assert_allclose((xs - x) / h, fd, atol=1e-6)


def test_factor_reuse_survives_pickling():
    import pickle

    s, _, _ = session(False)
    clone = pickle.loads(pickle.dumps(s))
    assert clone.factor_reuse is False and clone.kkt_source is None
    clone.kkt_solve(rhs(1))  # rebuilt by a warm-started solve, with the pickled choice
    assert clone.kkt_source == "fresh"


def test_refined_held_factor_equals_the_fresh_factorization():
    """refine=True: the held factor refined against the KKT matrix at the solution gives the fresh
    factorization's answers to 1e-10 (the raw held factor is a step and O(μ) away), with and
    without scaling; a looser IPM tolerance moves the held matrix further and needs more steps."""
    for opts in ({}, dict(obj_scaling_factor=7.0, nlp_scaling_method="gradient-based"), dict(tol=1e-6)):
        refined, _, _ = session(True, refine=True, **opts)
        raw, _, _ = session(True, **opts)
        fresh, _, _ = session(False, **opts)
        assert refined.kkt_source == "held+refined" and raw.kkt_source == "held"
        b = rhs(6)
        f = fresh.kkt_solve(b)
        a = refined.kkt_solve(b)
        scale = np.abs(f).max()
        np.testing.assert_allclose(a, f, rtol=0, atol=1e-10 * scale)
        assert np.abs(raw.kkt_solve(b) - f).max() > 1e-10 * scale, "the raw held factor already agrees: the test shows nothing"
        st = refined._kkt.refine_stats()
        assert st["columns"] == 6 and st["steps"] > 0 and not st["stalled"], st
        assert raw._kkt.refine_stats() is None
        # the held factor's provenance is still reported
        assert refined._kkt.held_info()["delta_w"] == 0.0


def test_refine_falls_back_and_survives_pickling():
    import pickle

    s, _, _ = session(True, refine=True, kkt_route="condensed")
    assert s.kkt_source == "fresh"  # nothing held on the condensed route
    s, _, _ = session(True, refine=True)
    clone = pickle.loads(pickle.dumps(s))
    assert clone.refine is True and clone.factor_reuse is True
    clone.kkt_solve(rhs(1))
    assert clone.kkt_source == "held+refined"
