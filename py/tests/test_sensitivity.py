"""sIPOPT-style sensitivities from the held KKT factor (Solver.parametric_step, Solver.reduced_hessian),
checked against finite differences of re-solves and of the reduced objective."""

import numpy as np
import pytest

import ipax


class SensNLP:
    """Variables (x0, x1, x2, t); the parameter t is fixed by the equality row c1 = t = p.

    min (x0 − 1)² + (x1 − 2)² + 2 x2² + x2⁴ + x0 x2 + exp(0.1 x1)
    s.t. c0 = x0 + x1 + x2 − t = 0,  c1 = t = p
    """

    def objective(self, x):
        return (x[0] - 1) ** 2 + (x[1] - 2) ** 2 + 2 * x[2] ** 2 + x[2] ** 4 + x[0] * x[2] + np.exp(0.1 * x[1])

    def gradient(self, x):
        return np.array([
            2 * (x[0] - 1) + x[2],
            2 * (x[1] - 2) + 0.1 * np.exp(0.1 * x[1]),
            4 * x[2] + 4 * x[2] ** 3 + x[0],
            0.0,
        ])

    def constraints(self, x):
        return np.array([x[0] + x[1] + x[2] - x[3], x[3]])

    def jacobianstructure(self):
        return np.array([0, 0, 0, 0, 1]), np.array([0, 1, 2, 3, 3])

    def jacobian(self, x):
        return np.array([1.0, 1.0, 1.0, -1.0, 1.0])

    def hessianstructure(self):
        return np.array([0, 1, 2, 2]), np.array([0, 1, 0, 2])

    def hessian(self, x, lagrange, obj_factor):
        return obj_factor * np.array([2.0, 2 + 0.01 * np.exp(0.1 * x[1]), 1.0, 4 + 12 * x[2] ** 2])


def solver_at(p):
    prob = ipax.Problem(n=4, m=2, problem_obj=SensNLP(), cl=[0.0, p], cu=[0.0, p])
    prob.add_option("print_level", 0)
    prob.add_option("tol", 1e-11)
    s = ipax.Solver(prob)
    x, info = s.solve([0.0, 0.0, 0.0, p])
    assert info["status"] == 0
    return s, x, info


def test_parametric_step_matches_finite_differences_of_re_solves():
    p, h = 1.0, 1e-5
    s, x, info = solver_at(p)
    xs, lam_s = s.parametric_step([1], [p + h])
    _, xp, ip = solver_at(p + h)
    _, xm, im = solver_at(p - h)
    np.testing.assert_allclose((xs - x) / h, (xp - xm) / (2 * h), atol=1e-6)
    np.testing.assert_allclose((lam_s - info["mult_g"]) / h, (ip["mult_g"] - im["mult_g"]) / (2 * h), atol=1e-6)
    # a finite move: the first-order step is O(Δp²) from the re-solve, the old solution O(Δp)
    d = 0.05
    xs, _ = s.parametric_step([1], [p + d])
    _, x1, _ = solver_at(p + d)
    assert xs[3] == pytest.approx(p + d, abs=1e-12)
    assert np.linalg.norm(xs - x1) < 0.05 * np.linalg.norm(x - x1)


def reduced_gradient(x01, t):
    """∇φ for φ(x0, x1) = f(x0, x1, t − x0 − x1, t) (x2 eliminated by c0)."""
    x = np.array([x01[0], x01[1], t - x01[0] - x01[1], t])
    g = SensNLP().gradient(x)
    return np.array([g[0] - g[2], g[1] - g[2]])


def test_reduced_hessian_matches_finite_differences_of_the_reduced_objective():
    s, x, _ = solver_at(1.0)
    h_red, w, v = s.reduced_hessian([0, 1])
    eps = 1e-6
    fd = np.column_stack([
        (reduced_gradient(x[:2] + eps * e, x[3]) - reduced_gradient(x[:2] - eps * e, x[3])) / (2 * eps)
        for e in np.eye(2)
    ])
    np.testing.assert_allclose(h_red, fd, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(v @ np.diag(w) @ v.T, h_red, atol=1e-10)
    assert np.all(w > 0)  # a strict local minimum


def test_sensitivity_methods_reject_bad_input():
    s, _, _ = solver_at(1.0)
    with pytest.raises(ValueError):
        s.parametric_step([0, 1], [1.0])  # lengths differ
    with pytest.raises(ValueError):
        s.parametric_step([2], [1.0])  # no such row
    with pytest.raises(ValueError):
        s.reduced_hessian([0, 1, 2])  # only 2 degrees of freedom
    with pytest.raises(ValueError):
        s.reduced_hessian([0, 0])
    prob = ipax.Problem(n=4, m=2, problem_obj=SensNLP(), cl=[0.0, -1.0], cu=[0.0, 1.0])
    prob.add_option("print_level", 0)
    ineq = ipax.Solver(prob)
    ineq.solve([0.0, 0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="equalities"):
        ineq.parametric_step([1], [0.5])
    with pytest.raises(RuntimeError):
        ipax.Solver(prob).reduced_hessian([0])


def test_kkt_solve_works_from_other_threads_and_agrees():
    import threading

    s, _, _ = solver_at(1.0)
    assert s.kkt_source == "held"
    here = s.kkt_solve(np.eye(6))
    results, errors = [], []

    def other():
        try:
            results.append(s.kkt_solve(np.eye(6)))
        except Exception as e:  # noqa: BLE001 - any failure is the test's failure
            errors.append(e)

    threads = [threading.Thread(target=other) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 4
    for r in results:
        np.testing.assert_array_equal(r, here)
    # the session can be dropped on another thread too
    holder = [s]
    t = threading.Thread(target=holder.clear)
    del s
    t.start()
    t.join()
