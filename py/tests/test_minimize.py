"""scipy-style minimize: every constraint kind, derivative form and result field."""

import pickle

import numpy as np
import pytest

scipy = pytest.importorskip("scipy")
from scipy.optimize import Bounds, LinearConstraint, NonlinearConstraint, OptimizeResult, rosen, rosen_der, rosen_hess, rosen_hess_prod
import scipy.sparse as sp

import ipax


def test_rosenbrock_with_gradient_and_hessian():
    x0 = np.array([1.3, 0.7, 0.8, 1.9, 1.2])
    res = ipax.minimize(rosen, x0, jac=rosen_der, hess=rosen_hess)
    assert isinstance(res, OptimizeResult)
    assert res.success and res.status == 0
    np.testing.assert_allclose(res.x, np.ones(5), atol=1e-6)
    assert res.fun == pytest.approx(0.0, abs=1e-10)
    assert res.nit > 0 and res.nfev > 0
    assert res.info["nhev"] > 0


def test_hessp_matrix_free():
    x0 = np.array([1.3, 0.7, 0.8])
    res = ipax.minimize(rosen, x0, jac=rosen_der, hessp=rosen_hess_prod)
    assert res.success
    np.testing.assert_allclose(res.x, np.ones(3), atol=1e-5)


def test_jac_true_shares_one_call():
    calls = []

    def fun(x):
        calls.append(x.copy())
        return float(np.sum((x - 2.0) ** 2)), 2.0 * (x - 2.0)

    res = ipax.minimize(fun, [0.0, 0.0], jac=True)
    assert res.success
    np.testing.assert_allclose(res.x, [2.0, 2.0], atol=1e-6)
    assert len(calls) <= res.info["nfev"] + res.info["ngev"]


def test_finite_difference_gradient_and_args():
    def fun(x, a, b=0.0):
        return (x[0] - a) ** 2 + (x[1] - b) ** 4 + 0.5 * x[0] * x[1]

    res = ipax.minimize(fun, [0.0, 0.0], args=(1.0,), kwargs={"b": 0.5}, tol=1e-9)
    ref = scipy.optimize.minimize(fun, [0.0, 0.0], args=(1.0, 0.5), method="BFGS", tol=1e-10)
    assert res.success
    np.testing.assert_allclose(res.x, ref.x, atol=1e-4)


def test_bounds_as_pairs_and_scipy_bounds():
    fun = lambda x: float(np.sum((x - 3.0) ** 2))
    jac = lambda x: 2.0 * (x - 3.0)
    res = ipax.minimize(fun, [0.0, 0.0], jac=jac, bounds=[(None, 1.0), (-1.0, 2.0)])
    np.testing.assert_allclose(res.x, [1.0, 2.0], atol=1e-6)
    assert res.mult_x_U[0] == pytest.approx(4.0, abs=1e-5)
    res = ipax.minimize(fun, [0.0, 0.0], jac=jac, bounds=Bounds([-np.inf, -1.0], [1.0, 2.0]))
    np.testing.assert_allclose(res.x, [1.0, 2.0], atol=1e-6)


def test_linear_constraint_dense_and_sparse():
    fun = lambda x: float(x @ x)
    jac = lambda x: 2.0 * x
    for A in (np.array([[1.0, 1.0, 1.0]]), sp.csr_matrix([[1.0, 1.0, 1.0]])):
        con = LinearConstraint(A, 3.0, 3.0)
        res = ipax.minimize(fun, [0.0, 0.0, 0.0], jac=jac, constraints=con)
        assert res.success
        np.testing.assert_allclose(res.x, [1.0, 1.0, 1.0], atol=1e-6)
        np.testing.assert_allclose(res.constr, [3.0], atol=1e-8)


def test_nonlinear_constraint_with_hessian_and_sparse_jacobian():
    # min x0 + x1  s.t.  x0² + x1² <= 2  → (-1, -1)
    fun = lambda x: x[0] + x[1]
    jac = lambda x: np.ones(2)
    hess = lambda x: np.zeros((2, 2))
    con = NonlinearConstraint(
        lambda x: x[0] ** 2 + x[1] ** 2,
        -np.inf,
        2.0,
        jac=lambda x: sp.csr_matrix(2.0 * x.reshape(1, 2)),
        hess=lambda x, v: 2.0 * v[0] * np.eye(2),
    )
    res = ipax.minimize(fun, [0.5, -0.2], jac=jac, hess=hess, constraints=[con])
    assert res.success
    np.testing.assert_allclose(res.x, [-1.0, -1.0], atol=1e-6)
    assert res.info["nhev"] > 0
    # Without the constraint's Hessian ipax falls back to L-BFGS.
    con2 = NonlinearConstraint(lambda x: x[0] ** 2 + x[1] ** 2, -np.inf, 2.0)
    res2 = ipax.minimize(fun, [0.5, -0.2], jac=jac, hess=hess, constraints=[con2])
    assert res2.info["nhev"] == 0
    np.testing.assert_allclose(res2.x, [-1.0, -1.0], atol=1e-5)


def test_dict_constraints_match_scipy_slsqp():
    fun = lambda x: (x[0] - 1) ** 2 + (x[1] - 2.5) ** 2
    cons = (
        {"type": "ineq", "fun": lambda x: x[0] - 2 * x[1] + 2},
        {"type": "ineq", "fun": lambda x: -x[0] - 2 * x[1] + 6, "jac": lambda x: np.array([-1.0, -2.0])},
        {"type": "ineq", "fun": lambda x, c: -x[0] + 2 * x[1] + c, "args": (2.0,)},
        {"type": "eq", "fun": lambda x: x[0] - 1.4},
    )
    bnds = ((0, None), (0, None))
    res = ipax.minimize(fun, (2, 0), bounds=bnds, constraints=cons)
    ref = scipy.optimize.minimize(fun, (2, 0), method="SLSQP", bounds=bnds, constraints=cons)
    assert res.success
    np.testing.assert_allclose(res.x, ref.x, atol=1e-5)
    np.testing.assert_allclose(res.x, [1.4, 1.7], atol=1e-5)


def test_callback_and_stop_iteration():
    seen = []
    res = ipax.minimize(rosen, [1.3, 0.7], jac=rosen_der, callback=lambda xk: seen.append(xk.copy()))
    assert len(seen) == res.nit + 1
    np.testing.assert_allclose(seen[-1], res.x)

    def stop(xk):
        raise StopIteration

    res = ipax.minimize(rosen, [1.3, 0.7], jac=rosen_der, callback=stop)
    assert res.status == 5 and not res.success


def test_options_and_alias():
    res = ipax.minimize_ipopt(rosen, [1.3, 0.7], jac=rosen_der, options={"maxiter": 2, "disp": 0})
    assert res.status == -1
    with pytest.raises(ValueError, match="max_iter"):
        ipax.minimize(rosen, [1.3, 0.7], options={"max_itr": 3})


def test_bad_arguments():
    # cyipopt's rules: one (low, high) pair broadcasts to every variable; other counts are errors.
    with pytest.raises(ValueError, match="broadcastable"):
        ipax.minimize(rosen, [1.0, 2.0], bounds=[(0, 1)] * 3)
    res = ipax.minimize(lambda x: x @ x, [2.0, 3.0], bounds=[(1, 4)])
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-7)
    for jac in ("7-point", 3):
        with pytest.raises(ValueError, match="`jac` must be callable"):
            ipax.minimize(rosen, [1.0, 2.0], jac=jac)
    with pytest.raises(ValueError):
        ipax.minimize(rosen, [1.0, 2.0], constraints={"type": "leq", "fun": lambda x: x[0]})
    with pytest.raises(TypeError):
        ipax.minimize(rosen, [1.0, 2.0], constraints=[42])
    with pytest.raises(ValueError, match="`fun` must be callable"):
        ipax.minimize("rosen", [1.0, 2.0])
    with pytest.raises(ValueError):
        ipax.minimize(rosen, [np.nan, 1.0])


def test_exception_propagates_from_minimize():
    def fun(x):
        raise RuntimeError("user bug")

    with pytest.raises(RuntimeError, match="user bug"):
        ipax.minimize(fun, [1.0])


def test_result_pickles():
    res = ipax.minimize(rosen, [1.3, 0.7], jac=rosen_der)
    res2 = pickle.loads(pickle.dumps(res))
    np.testing.assert_array_equal(res2.x, res.x)


def test_complex_step_gradient_and_its_refusal():
    # jac='cs': exact gradient from Im f(x + ih e_i)/h; a fun that drops the imaginary part is
    # refused up front instead of silently returning a zero gradient.
    res = ipax.minimize(lambda x: np.sum((x - 3.0) ** 4) + x @ x, [0.0, 1.0], jac="cs")
    assert res.success
    g = 4 * (res.x - 3.0) ** 3 + 2 * res.x
    np.testing.assert_allclose(g, 0.0, atol=1e-6)
    with pytest.raises(ValueError, match="complex step"), pytest.warns(np.exceptions.ComplexWarning):
        ipax.minimize(lambda x: float(x @ x), [1.0, 2.0], jac="cs")


def test_forward_difference_step_is_eps():
    seen = []

    def f(x):
        seen.append(x.copy())
        return float(x @ x)

    ipax.minimize(f, [0.0], options={"eps": 1e-6, "maxiter": 1})
    assert seen[1][0] - seen[0][0] == pytest.approx(1e-6, rel=1e-9)
