"""Sensitivities from the KKT factor at the solution, checked against finite differences of
re-solves."""

import numpy as np
import pytest

import ipax


class Parametric:
    """min (x0 - p)^2 + (x1 - 2p)^2 + 0.5 x0 x1  s.t.  x0 + x1^2 >= 3 (active), x0 <= 10."""

    def __init__(self, p):
        self.p = p

    def objective(self, x):
        return (x[0] - self.p) ** 2 + (x[1] - 2 * self.p) ** 2 + 0.5 * x[0] * x[1]

    def gradient(self, x):
        return np.array([2 * (x[0] - self.p) + 0.5 * x[1], 2 * (x[1] - 2 * self.p) + 0.5 * x[0]])

    def constraints(self, x):
        return np.array([x[0] + x[1] ** 2])

    def jacobianstructure(self):
        return np.array([0, 0]), np.array([0, 1])

    def jacobian(self, x):
        return np.array([1.0, 2 * x[1]])

    def hessianstructure(self):
        return np.array([0, 1, 1]), np.array([0, 0, 1])

    def hessian(self, x, lagrange, obj_factor):
        return np.array([2 * obj_factor, 0.5 * obj_factor, 2 * obj_factor + 2 * lagrange[0]])


def solve(p, solver=None):
    prob = ipax.Problem(n=2, m=1, problem_obj=Parametric(p), lb=[-10, -10], ub=[10, 10], cl=[3.0], cu=[1e20])
    prob.add_option("print_level", 0)
    prob.add_option("tol", 1e-10)
    s = solver or ipax.Solver(prob)
    x, info = s.solve([0.5, 0.5], warm_start=False)
    assert info["status"] == 0
    return s, x, info


def test_kkt_solve_gives_sensitivities_matching_finite_differences():
    p = 0.4
    s, x, info = solve(p)
    assert info["g"][0] == pytest.approx(3.0, abs=1e-8), "the constraint must be active for this test"
    # d/dp of [grad L; g] = [-2, -4; 0]
    v = s.kkt_solve(-np.array([-2.0, -4.0, 0.0]))
    h = 1e-5
    _, xp, _ = solve(p + h)
    _, xm, _ = solve(p - h)
    fd = (xp - xm) / (2 * h)
    np.testing.assert_allclose(v[:2], fd, rtol=1e-5, atol=1e-7)


def test_kkt_solve_accepts_several_right_hand_sides_and_checks_shapes():
    s, _, _ = solve(0.4)
    rhs = np.eye(3)
    out = s.kkt_solve(rhs)
    assert out.shape == (3, 3)
    np.testing.assert_allclose(out[:, 1], s.kkt_solve(rhs[:, 1]))
    with pytest.raises(ValueError):
        s.kkt_solve(np.ones(5))


def test_kkt_solve_before_a_solve_is_an_error():
    prob = ipax.Problem(n=2, m=1, problem_obj=Parametric(0.0), lb=[-10, -10], ub=[10, 10], cl=[3.0], cu=[1e20])
    with pytest.raises(RuntimeError):
        ipax.Solver(prob).kkt_solve(np.ones(3))
