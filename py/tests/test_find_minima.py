"""ipax.find_minima on functions whose minima are known.

Every reported minimum is re-checked here with the test's own analytic derivatives (stationarity
of the Lagrangian with the returned multipliers, feasibility, and the Hessian of the Lagrangian on
the null space of the active constraints), independently of find_minima's own certification.
"""

import math

import numpy as np
import pytest

import ipax

scipy_optimize = pytest.importorskip("scipy.optimize")
LinearConstraint = scipy_optimize.LinearConstraint
NonlinearConstraint = scipy_optimize.NonlinearConstraint

METHODS = ["multistart", "mlsl", "deflation", "tunneling", "flooding", "basinhopping"]


# --- test problems -----------------------------------------------------------------------------


def camel(x):
    a, b = x
    return (4 - 2.1 * a**2 + a**4 / 3) * a**2 + a * b + (-4 + 4 * b**2) * b**2


def camel_grad(x):
    a, b = x
    return np.array([8 * a - 8.4 * a**3 + 2 * a**5 + b, a - 8 * b + 16 * b**3])


def camel_hess(x):
    a, b = x
    return np.array([[8 - 25.2 * a**2 + 10 * a**4, 1.0], [1.0, -8 + 48 * b**2]])


CAMEL_BOUNDS = [(-3, 3), (-2, 2)]
CAMEL_FMIN = -1.0316284534898774  # at ±(0.0898, −0.7126); six minima in all


def himmelblau(x):
    a, b = x
    return (a**2 + b - 11) ** 2 + (a + b**2 - 7) ** 2


def himmelblau_grad(x):
    a, b = x
    return np.array([4 * a * (a**2 + b - 11) + 2 * (a + b**2 - 7), 2 * (a**2 + b - 11) + 4 * b * (a + b**2 - 7)])


def himmelblau_hess(x):
    a, b = x
    return np.array([[12 * a**2 + 4 * b - 42, 4 * (a + b)], [4 * (a + b), 4 * a + 12 * b**2 - 26]])


def rastrigin(x):
    return 10 * x.size + float(np.sum(x**2 - 10 * np.cos(2 * np.pi * x)))


def rastrigin_grad(x):
    return 2 * x + 20 * np.pi * np.sin(2 * np.pi * x)


def rastrigin_hess(x):
    return np.diag(2 + 40 * np.pi**2 * np.cos(2 * np.pi * x))


# On [-0.5, 1.5]^n Rastrigin has one minimum near each point of {0, 1}^n (2^n), global 0 at 0;
# the gradient points outward on every face, so no minimum sits on the boundary.
def rastrigin_bounds(n):
    return [(-0.5, 1.5)] * n


# cos(3θ) on the unit circle: f = x³ − 3xy² under x² + y² = 1 has three minima (θ = π/3, π, 5π/3,
# f = −1) and three maxima (which are saddles of the constrained problem: negative curvature on
# the circle's tangent).
def tri(x):
    return x[0] ** 3 - 3 * x[0] * x[1] ** 2


def tri_grad(x):
    return np.array([3 * x[0] ** 2 - 3 * x[1] ** 2, -6 * x[0] * x[1]])


def tri_hess(x):
    return np.array([[6 * x[0], -6 * x[1]], [-6 * x[1], -6 * x[0]]])


CIRCLE = NonlinearConstraint(
    lambda x: x[0] ** 2 + x[1] ** 2, 1.0, 1.0, jac=lambda x: 2 * x[None, :], hess=lambda x, v: 2 * v[0] * np.eye(2)
)

# The camel under y >= 0 (a LinearConstraint): the three interior minima with y > 0 plus one
# minimum on the line y = 0, at the minimizer x ≈ 1.6606 of f(x, 0) = 4x² − 2.1x⁴ + x⁶/3 where
# ∂f/∂y = x > 0 (strongly active). The origin is a KKT point with a zero multiplier where f
# decreases along +y: a saddle, not a minimum.
HALF_PLANE = LinearConstraint(np.array([[0.0, 1.0]]), 0.0, np.inf)


def _line_min():
    # 8x − 8.4x³ + 2x⁵ = 0 → x² = (8.4 + √(8.4² − 64))/4
    return math.sqrt((8.4 + math.sqrt(8.4**2 - 64)) / 4)


PROBLEMS = {
    # name: (fun, grad, hess, x0, bounds, constraints, expected number of minima, global min)
    "camel": (camel, camel_grad, camel_hess, [0.5, 0.5], CAMEL_BOUNDS, (), 6, CAMEL_FMIN),
    "himmelblau": (himmelblau, himmelblau_grad, himmelblau_hess, [0.0, 0.0], [(-5, 5)] * 2, (), 4, 0.0),
    "rastrigin2": (rastrigin, rastrigin_grad, rastrigin_hess, [0.4, 0.6], rastrigin_bounds(2), (), 4, 0.0),
    "rastrigin3": (rastrigin, rastrigin_grad, rastrigin_hess, [0.4] * 3, rastrigin_bounds(3), (), 8, 0.0),
    "circle": (tri, tri_grad, tri_hess, [0.6, 0.5], [(-2, 2)] * 2, (CIRCLE,), 3, -1.0),
    "camel_half": (camel, camel_grad, camel_hess, [0.5, 0.5], CAMEL_BOUNDS, (HALF_PLANE,), 4, CAMEL_FMIN),
}

# Budgets (max_solves) each method needs on each problem — measured, with margin; a method that
# does not reach the expected count within its budget fails the test.
BUDGET = {
    "multistart": 40,
    "mlsl": 40,
    "deflation": 60,
    "tunneling": 150,
    "flooding": 150,
    "basinhopping": 100,
}


# --- independent checks ------------------------------------------------------------------------


def _constraint_parts(constraints, x):
    """Values, Jacobian rows, Hessians (given multipliers later) and bounds of the test's constraints."""
    vals, jacs, lo, hi, hess = [], [], [], [], []
    for c in constraints:
        if isinstance(c, LinearConstraint):
            A = np.atleast_2d(c.A)
            vals.append(A @ x)
            jacs.append(A)
            hess.append(lambda v, n=x.size: np.zeros((n, n)))
        else:
            vals.append(np.atleast_1d(c.fun(x)))
            jacs.append(np.atleast_2d(c.jac(x)))
            hess.append(lambda v, c=c: c.hess(x, v))
        lo.append(np.broadcast_to(c.lb, vals[-1].shape))
        hi.append(np.broadcast_to(c.ub, vals[-1].shape))
    if not vals:
        return np.zeros(0), np.zeros((0, x.size)), np.zeros(0), np.zeros(0), []
    return np.concatenate(vals), np.vstack(jacs), np.concatenate(lo), np.concatenate(hi), hess


def assert_certified(res, grad, hess, bounds, constraints, tol=1e-6):
    lb = np.array([b[0] for b in bounds], dtype=float)
    ub = np.array([b[1] for b in bounds], dtype=float)
    for p in res:
        assert p.kind == "minimum"
        x = p.x
        c, J, cl, cu, chess = _constraint_parts(constraints, x)
        assert np.all(x >= lb - tol) and np.all(x <= ub + tol)
        assert np.all(c >= cl - tol) and np.all(c <= cu + tol)
        # stationarity of L = f + λᵀc − z_Lᵀ(x − lb) + z_Uᵀ(x − ub) with the returned multipliers
        r = grad(x) + J.T @ p.mult_g - p.mult_x_L + p.mult_x_U
        assert np.max(np.abs(r)) <= tol * max(1.0, np.max(np.abs(grad(x)))), (p, r)
        assert np.all(p.mult_x_L >= -tol) and np.all(p.mult_x_U >= -tol)
        # curvature on the null space of the strongly active constraints
        H = hess(x) + sum((h(p.mult_g[i : i + 1]) for i, h in enumerate(chess)), np.zeros((x.size, x.size)))
        rows = [J[i] for i in range(c.size) if abs(p.mult_g[i]) > 1e-6]
        rows += [np.eye(x.size)[i] for i in range(x.size) if max(p.mult_x_L[i], p.mult_x_U[i]) > 1e-6]
        if rows:
            _, s, Vt = np.linalg.svd(np.vstack(rows))
            Z = Vt[int(np.sum(s > 1e-10)) :].T
        else:
            Z = np.eye(x.size)
        if Z.shape[1]:
            assert np.linalg.eigvalsh(Z.T @ H @ Z)[0] >= -1e-6, p
        assert p.kkt <= 1e-6
    # distinct
    for i in range(len(res)):
        for j in range(i):
            assert np.linalg.norm(res[i].x - res[j].x) > 1e-3
    # sorted by objective, best first
    assert [p.fun for p in res] == sorted(p.fun for p in res)
    assert res.fun == res[0].fun and np.array_equal(res.x, res[0].x)


def run(method, name, **kw):
    fun, grad, hess, x0, bounds, cons, expected, fmin = PROBLEMS[name]
    kw.setdefault("max_solves", BUDGET[method])
    kw.setdefault("n_minima", expected)
    kw.setdefault("seed", 1)
    res = ipax.find_minima(fun, x0, method=method, jac=grad, hess=hess, bounds=bounds, constraints=cons, **kw)
    return res, (grad, hess, bounds, cons, expected, fmin)


# --- each method on each problem ----------------------------------------------------------------


@pytest.mark.parametrize("name", list(PROBLEMS))
@pytest.mark.parametrize("method", METHODS)
def test_method_finds_all_minima(method, name):
    res, (grad, hess, bounds, cons, expected, fmin) = run(method, name)
    assert res.success
    assert len(res) == expected, res
    assert res.status == 0 and res.n_solves <= BUDGET[method]
    assert abs(res.fun - fmin) <= 1e-6
    assert_certified(res, grad, hess, bounds, cons)


# Rastrigin in 5 dimensions (32 minima on [-0.5, 1.5]^5): the sampling methods and basin hopping
# find all of them within a test-sized budget. The repulsion methods (deflation, tunneling,
# flooding) need hundreds of solves there or stall short of 32; the benchmark page measures them.
@pytest.mark.parametrize("method,budget", [("multistart", 150), ("mlsl", 80), ("basinhopping", 300)])
def test_rastrigin5(method, budget):
    n = 5
    res = ipax.find_minima(
        rastrigin, [0.4] * n, method=method, jac=rastrigin_grad, hess=rastrigin_hess, bounds=rastrigin_bounds(n),
        n_minima=2**n, max_solves=budget, seed=1,
    )
    assert len(res) == 2**n and res.status == 0 and abs(res.fun) <= 1e-6
    assert_certified(res, rastrigin_grad, rastrigin_hess, rastrigin_bounds(n), ())


def test_camel_half_plane_minima_values():
    res, _ = run("multistart", "camel_half")
    xs = sorted((round(p.x[0], 3), round(p.x[1], 3)) for p in res)
    a = _line_min()
    assert (round(a, 3), 0.0) in xs
    assert all(p.x[1] >= -1e-8 for p in res)


def test_circle_maxima_are_saddles():
    # Starting exactly at a maximum of cos 3θ on the circle (θ = 0): the KKT conditions hold there,
    # the reduced Hessian is negative, so it is reported as a saddle and not as a minimum.
    res = ipax.find_minima(tri, [1.0, 0.0], method="multistart", jac=tri_grad, hess=tri_hess, constraints=(CIRCLE,), max_solves=1)
    assert len(res) == 0 and not res.success and res.status == 4
    assert len(res.saddles) == 1 and res.saddles[0].min_eig < 0
    np.testing.assert_allclose(res.saddles[0].x, [1.0, 0.0], atol=1e-6)


def test_unconstrained_saddle_reported_apart():
    res = ipax.find_minima(lambda x: x[0] ** 2 - x[1] ** 2 + x[1] ** 4, [0.0, 0.0], max_solves=1)
    assert len(res) == 0 and len(res.saddles) == 1
    assert res.saddles[0].kind == "saddle" and res.saddles[0].min_eig == pytest.approx(-2.0, abs=1e-3)


def test_half_plane_origin_is_not_a_minimum():
    # The origin is a KKT point of the camel under y >= 0 with a zero multiplier; f decreases along
    # +y, so certification must not call it a minimum (weakly active constraints stay in the test).
    res = ipax.find_minima(camel, [0.0, 0.0], jac=camel_grad, hess=camel_hess, constraints=(HALF_PLANE,), max_solves=1)
    assert all(np.linalg.norm(p.x) > 1e-3 for p in res)


def test_failed_solves_reported_apart():
    res = ipax.find_minima(camel, [2.5, 1.5], jac=camel_grad, hess=camel_hess, bounds=CAMEL_BOUNDS, max_solves=3, seed=0, options={"max_iter": 1})
    assert len(res.failures) == 3 and len(res) == 0
    assert all(p.kind == "failed" and "converge" in p.message for p in res.failures)


def test_finite_difference_derivatives():
    res = ipax.find_minima(himmelblau, [0.0, 0.0], bounds=[(-5, 5)] * 2, n_minima=4, max_solves=40, seed=3)
    assert len(res) == 4 and abs(res.fun) <= 1e-6
    assert_certified(res, himmelblau_grad, himmelblau_hess, [(-5, 5)] * 2, ())


def test_unbounded_variables_are_jittered():
    # No bounds at all: multistart jitters around x0 (spread 4 → Gaussian of width 4 per variable).
    res = ipax.find_minima(himmelblau, [0.0, 0.0], jac=himmelblau_grad, hess=himmelblau_hess, n_minima=4, max_solves=40, seed=0, options={"spread": 4.0})
    assert len(res) == 4
    inf = [(-np.inf, np.inf)] * 2
    assert_certified(res, himmelblau_grad, himmelblau_hess, inf, ())


# --- reproducibility and threads -----------------------------------------------------------------


def _signature(res):
    return [(p.fun, p.x.tobytes()) for p in res], res.n_solves, [p.x.tobytes() for p in res.failures]


@pytest.mark.parametrize("method", METHODS)
def test_fixed_seed_reproduces(method):
    a, _ = run(method, "camel", seed=7, n_minima=None, max_solves=12, options={"patience": 5})
    b, _ = run(method, "camel", seed=7, n_minima=None, max_solves=12, options={"patience": 5})
    assert _signature(a) == _signature(b)


@pytest.mark.parametrize("method", ["multistart", "mlsl"])
def test_workers_give_the_serial_result(method):
    a, _ = run(method, "rastrigin3", workers=1)
    b, _ = run(method, "rastrigin3", workers=2)
    assert _signature(a) == _signature(b)


@pytest.mark.parametrize("method", ["deflation", "tunneling", "flooding", "basinhopping"])
def test_workers_with_sequential_methods(method):
    res, (grad, hess, bounds, cons, expected, fmin) = run(method, "himmelblau", workers=2)
    assert len(res) == expected
    assert_certified(res, grad, hess, bounds, cons)


# --- stopping, callback, bad input -----------------------------------------------------------------


def test_callback_sees_each_new_minimum_and_can_stop():
    seen = []

    def cb(p):
        seen.append(p.fun)
        return len(seen) == 2

    res, _ = run("multistart", "camel", callback=cb)
    assert len(seen) == 2 and len(res) == 2 and res.status == 3 and res.success


def test_callback_stop_iteration():
    def cb(p):
        raise StopIteration

    res, _ = run("multistart", "camel", callback=cb)
    assert len(res) == 1 and res.status == 3


def test_callback_raising_is_reported():
    def cb(p):
        raise KeyError("boom")

    with pytest.raises(ipax.MinimaCallbackError, match="callback raised KeyError") as info:
        run("multistart", "camel", callback=cb)
    assert isinstance(info.value.__cause__, KeyError)


def test_max_solves_status():
    res, _ = run("multistart", "rastrigin3", n_minima=None, max_solves=5)
    assert res.status == 1 and res.n_solves == 5 and "max_solves" in res.message


def test_unknown_method_suggests():
    with pytest.raises(ValueError, match="did you mean 'multistart'"):
        ipax.find_minima(camel, [0.0, 0.0], method="multistrat")
    with pytest.raises(ValueError, match="did you mean 'basinhopping'"):
        ipax.find_minima(camel, [0.0, 0.0], method="basin_hopping")


def test_unknown_option_suggests():
    with pytest.raises(ValueError, match="did you mean 'power'"):
        ipax.find_minima(camel, [0.0, 0.0], method="deflation", options={"powr": 2})
    with pytest.raises(ValueError, match="belongs to method 'basinhopping'"):
        ipax.find_minima(camel, [0.0, 0.0], method="mlsl", options={"stepsize": 0.1})


def test_x0_wrong_length():
    with pytest.raises(ValueError, match="x0 has 3 entries but bounds has 2"):
        ipax.find_minima(camel, [0.0, 0.0, 0.0], bounds=CAMEL_BOUNDS)
    with pytest.raises(ValueError, match="fun\\(x0\\) failed for x0 of length 1"):
        ipax.find_minima(camel, [0.0])
    with pytest.raises(ValueError, match="gradient at x0 has 2"):
        ipax.find_minima(lambda x: float(x @ x), [0.0, 0.0, 0.0], jac=lambda x: 2 * x[:2])
    with pytest.raises(ValueError, match="jac\\(x0\\) failed for x0 of length 3"):
        ipax.find_minima(lambda x: float(x @ x), [0.0, 0.0, 0.0], jac=camel_grad)


def test_lower_bound_above_upper():
    with pytest.raises(ValueError, match=r"lower bound > upper bound .* x\[1\]: 2.0 > -2.0"):
        ipax.find_minima(camel, [0.0, 0.0], bounds=[(-3, 3), (2, -2)])


def test_bad_arguments():
    with pytest.raises(ValueError, match="workers"):
        ipax.find_minima(camel, [0.0, 0.0], workers=0)
    with pytest.raises(ValueError, match="n_minima"):
        ipax.find_minima(camel, [0.0, 0.0], n_minima=0)
    with pytest.raises(TypeError, match="fun must be callable"):
        ipax.find_minima(None, [0.0, 0.0])


def test_result_is_a_sequence_with_scipy_fields():
    res, _ = run("multistart", "himmelblau")
    assert len(list(res)) == len(res) == 4
    assert {"x", "fun", "success", "status", "message", "nfev", "nit"} <= set(res.keys())
    assert res.nfev > 0 and res.nit > 0
    assert all(p.hits >= 1 and p.start.shape == (2,) for p in res)
    assert "MinimaResult" in repr(res)


def test_jac_true_and_bounds_object():
    def fg(x):
        return himmelblau(x), himmelblau_grad(x)

    bounds = scipy_optimize.Bounds([-5, -5], [5, 5])
    for method in ("multistart", "deflation"):
        res = ipax.find_minima(fg, [0.0, 0.0], method=method, jac=True, hess=himmelblau_hess, bounds=bounds, n_minima=4, max_solves=60, seed=0)
        assert len(res) == 4
        assert_certified(res, himmelblau_grad, himmelblau_hess, [(-5, 5)] * 2, ())


def test_exception_in_fun_propagates():
    calls = []

    def f(x):
        calls.append(1)
        if len(calls) > 30:
            raise ZeroDivisionError("user bug")
        return camel(x)

    with pytest.raises(ZeroDivisionError, match="user bug"):
        ipax.find_minima(f, [0.5, 0.5], jac=camel_grad, hess=camel_hess, bounds=CAMEL_BOUNDS, max_solves=20, seed=0)


def test_tunneling_without_a_first_minimum_from_x0():
    # x0 is a saddle of x² − y² + y⁴: the first solve gives no minimum, tunneling starts from Sobol points.
    f = lambda x: x[0] ** 2 - x[1] ** 2 + x[1] ** 4
    res = ipax.find_minima(f, [0.0, 0.0], method="tunneling", bounds=[(-2, 2)] * 2, n_minima=2, max_solves=40, seed=0)
    assert len(res) == 2 and len(res.saddles) == 1
    np.testing.assert_allclose(sorted(p.x[1] for p in res), [-1 / np.sqrt(2), 1 / np.sqrt(2)], atol=1e-5)


def test_constraint_without_hessians_uses_finite_differences():
    # Neither the objective nor the constraint gives a Hessian (nor a Jacobian): the solves use
    # L-BFGS and certification differentiates numerically; the test checks with exact derivatives.
    circle = NonlinearConstraint(lambda x: x[0] ** 2 + x[1] ** 2, 1.0, 1.0)
    res = ipax.find_minima(tri, [0.6, 0.5], bounds=[(-2, 2)] * 2, constraints=(circle,), n_minima=3, max_solves=40, seed=0)
    assert len(res) == 3 and abs(res.fun + 1) <= 1e-6
    assert_certified(res, tri_grad, tri_hess, [(-2, 2)] * 2, (CIRCLE,))


def test_workers_run_solves_in_threads():
    import threading

    seen = set()

    def f(x):
        seen.add(threading.get_ident())
        return camel(x)

    res = ipax.find_minima(f, [0.5, 0.5], jac=camel_grad, hess=camel_hess, bounds=CAMEL_BOUNDS, max_solves=8, seed=0, workers=2)
    assert res.n_solves == 8
    # the solves ran in the pool's threads (how many of the two got work is up to the scheduler;
    # the wall-time gain is measured in benchmarks/bench_find_minima.py, not asserted here)
    assert len(seen - {threading.get_ident()}) >= 1


def test_hessp_route():
    hessp = lambda x, p: himmelblau_hess(x) @ p
    res = ipax.find_minima(himmelblau, [0.0, 0.0], method="mlsl", jac=himmelblau_grad, hessp=hessp, bounds=[(-5, 5)] * 2, n_minima=4, max_solves=30, seed=0)
    assert len(res) == 4 and abs(res.fun) <= 1e-6
    assert_certified(res, himmelblau_grad, himmelblau_hess, [(-5, 5)] * 2, ())
