"""Small matrix-free problems: Hessian and Jacobian assembled from few (block) products instead of
n Python products per factorization (issue 17 item 5; ipax._assemble)."""

import collections

import numpy as np
import pytest

import ipax
from ipax._assemble import BlockProduct, SparseFromProducts, greedy_column_coloring


class ChainMF:
    """min Σ (x − 1)⁴ + Σ (x_{i+1} − x_i)²  s.t.  xᵀx = n/2: tridiagonal Hessian, one dense
    constraint row, products only. ``block``: hvp/vjp accept an (n, k) block."""

    def __init__(self, n, block):
        self.n = n
        self.block = block
        self.calls = collections.Counter()

    def objective(self, x):
        return float(np.sum((x - 1) ** 4) + np.sum(np.diff(x) ** 2))

    def gradient(self, x):
        g = 4 * (x - 1) ** 3
        d = np.diff(x)
        g[1:] += 2 * d
        g[:-1] -= 2 * d
        return g

    def constraints(self, x):
        return np.array([x @ x])

    def jvp(self, x, v):
        self.calls["jvp"] += 1
        return np.atleast_1d(2 * x @ v)

    def vjp(self, x, w):
        self.calls["vjp"] += 1
        w = np.asarray(w)
        if w.ndim == 2 and self.block:
            return 2 * np.outer(x, w[0])
        return 2 * x * w[0]  # a vector-only callback: a block raises here

    def hvp(self, x, lam, sigma, v):
        self.calls["hvp"] += 1
        d = sigma * 12 * (x - 1) ** 2 + (2 * lam[0] if lam.size else 0.0)
        out = (d[:, None] if self.block and v.ndim == 2 else d) * v
        dv = np.diff(v, axis=0)
        out[1:] += 2 * sigma * dv
        out[:-1] -= 2 * sigma * dv
        return out


class ChainMFStructured(ChainMF):
    def hessianstructure(self):
        i = np.arange(self.n)
        return np.concatenate([i, i[1:]]), np.concatenate([i, i[:-1]])

    def jacobianstructure(self):
        return np.zeros(self.n, dtype=int), np.arange(self.n)


def solve(obj, assembly=None):
    n = obj.n
    p = ipax.Problem(n, 1, obj, cl=[n / 2], cu=[n / 2])
    p.add_option("print_level", 0)
    p.add_option("tol", 1e-10)
    if assembly is not None:
        p.add_option("product_assembly", assembly)
    return p.solve(np.full(n, 0.5))


@pytest.mark.parametrize("n", [20, 120])
def test_assembled_products_give_the_matrix_free_solution_with_far_fewer_calls(n):
    ref_obj = ChainMF(n, block=True)
    x_ref, ref = solve(ref_obj, "no")
    assert ref["status"] == 0 and "product_assembly" not in ref
    # before: every factorization of the condensed matrix costs n products of each kind
    assert ref_obj.calls["hvp"] >= n * ref["iterations"]
    assert ref_obj.calls["jvp"] >= n * ref["iterations"]

    obj = ChainMF(n, block=True)
    x, info = solve(obj)
    assert info["status"] == 0
    np.testing.assert_allclose(x, x_ref, atol=1e-7)
    assert info["obj_val"] == pytest.approx(ref["obj_val"], rel=1e-9)
    # Evaluations: the solver's count plus one it makes to choose the KKT route (src/factory.rs).
    evals = info["nhev"] + 1
    # one block call per Hessian evaluation (+ 3 for the block check), no jvp at all (m = 1 < n:
    # the Jacobian comes from one vjp with the 1 x 1 identity block)
    assert obj.calls["hvp"] <= evals + 3
    assert obj.calls["jvp"] == 0 and obj.calls["vjp"] <= info["njev"] + 1 + 3
    pa = info["product_assembly"]
    assert pa["hessian"]["batched"] and pa["hessian"]["colors"] == n
    assert pa["jacobian"]["products"] == "vjp" and pa["jacobian"]["colors"] == 1


def test_vector_only_callbacks_fall_back_to_one_call_per_column_per_evaluation():
    n = 60
    obj = ChainMF(n, block=False)
    x, info = solve(obj)
    ref_obj = ChainMF(n, block=False)
    x_ref, ref = solve(ref_obj, "no")
    np.testing.assert_allclose(x, x_ref, atol=1e-7)
    pa = info["product_assembly"]
    assert not pa["hessian"]["batched"] and not pa["jacobian"]["batched"]
    # n per Hessian evaluation (not per factorization, and no jvp/vjp per column of N)
    assert obj.calls["hvp"] <= n * (info["nhev"] + 1) + 3
    total = sum(obj.calls.values())
    assert total < 0.5 * sum(ref_obj.calls.values())


def test_structure_and_colouring_make_products_independent_of_n():
    for n in (50, 400):
        obj = ChainMFStructured(n, block=False)
        x, info = solve(obj)
        x_ref, _ = solve(ChainMF(n, block=False), "no")
        np.testing.assert_allclose(x, x_ref, atol=1e-7)
        assert info["product_assembly"]["hessian"]["colors"] == 3  # tridiagonal: 3 colours
        # 3 per evaluation (+1 evaluation for the route choice) + the block check (2 singles, 1 block)
        assert obj.calls["hvp"] <= 3 * (info["nhev"] + 1) + 3


def test_large_problems_stay_matrix_free_unless_asked():
    n = 800  # above DENSE_MAX_N: the condensed CG route needs few products per iteration
    obj = ChainMFStructured(n, block=False)
    _, info = solve(obj)
    assert "product_assembly" not in info and "Condensed" in info["message"]
    obj = ChainMFStructured(n, block=False)
    x, info = solve(obj, "yes")  # with a structure, assembly is available on request
    assert info["status"] == 0 and info["product_assembly"]["hessian"]["colors"] == 3
    assert "Augmented" in info["message"]
    with pytest.raises(ValueError):
        ipax.Problem(2, 0, ChainMF(2, True)).add_option("product_assembly", "maybe")


def test_assembly_enables_sensitivities_of_matrix_free_problems():
    # Solver.reduced_hessian needs assembled derivatives; the products now provide them.
    n = 8
    s = ipax.Solver(ipax.Problem(n, 1, ChainMF(n, block=True), cl=[n / 2], cu=[n / 2]))
    s.problem.add_option("print_level", 0)
    s.solve(np.full(n, 0.5))
    h, w, _ = s.reduced_hessian(list(range(n - 1)))
    assert np.all(w > 0)


def test_invalid_structure_with_products_is_refused_like_a_hessian_structure():
    class Bad(ChainMF):
        def hessianstructure(self):
            return np.array([0]), np.array([5])  # upper triangle

    with pytest.warns(RuntimeWarning, match="upper triangle"):
        _, info = solve(Bad(6, block=True))
    assert info["status"] == -12


def test_minimize_hessp_and_linear_operator_hessians_are_assembled_in_blocks():
    from scipy.sparse.linalg import LinearOperator

    n = 40
    calls = collections.Counter()
    f = lambda x: float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))

    def g(x):
        r = x[1:] - x[:-1] ** 2
        out = np.zeros_like(x)
        out[1:] += 200 * r
        out[:-1] += -400 * r * x[:-1] - 2 * (1 - x[:-1])
        return out

    def hess_dense(x):
        h = np.zeros((n, n))
        i = np.arange(n - 1)
        h[i, i] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
        h[i + 1, i + 1] += 200
        h[i, i + 1] = h[i + 1, i] = -400 * x[:-1]
        return h

    def hessp(x, p):  # works for a vector and for a block (matrix product)
        calls["hessp"] += 1
        return hess_dense(x) @ p

    def hess_op(x):
        calls["hess"] += 1
        h = hess_dense(x)
        return LinearOperator((n, n), matvec=lambda p: h @ np.ravel(p), matmat=lambda P: h @ P)

    x0 = np.full(n, -0.5)
    bounds = [(-2, 2)] * n
    ref = ipax.minimize(f, x0, jac=g, hessp=hessp, bounds=bounds, options={"product_assembly": "no"})
    before = calls["hessp"]
    calls.clear()
    res = ipax.minimize(f, x0, jac=g, hessp=hessp, bounds=bounds)
    assert res.success and ref.success
    np.testing.assert_allclose(res.x, ref.x, atol=1e-6)
    assert before >= n * ref.nit  # n products per factorization
    assert calls["hessp"] <= res.nit + 10  # one block per Hessian evaluation
    calls.clear()
    res = ipax.minimize(f, x0, jac=g, hess=hess_op, bounds=bounds)
    assert res.success
    np.testing.assert_allclose(res.x, ref.x, atol=1e-6)
    assert calls["hess"] <= res.nit + 10


def test_block_product_checks_blocks_and_falls_back():
    a = np.arange(12.0).reshape(4, 3)
    ok = BlockProduct(lambda v: a @ v, 3, 4)
    v = np.eye(3)
    np.testing.assert_array_equal(ok((), v), a)
    assert ok.batched and ok.calls == 4  # the check (2 singles + 1 block of k0 = 2 columns), then 1 block
    wrong = BlockProduct(lambda v: (a @ v).ravel()[: 4] if v.ndim == 2 else a @ v, 3, 4)  # wrong shape
    np.testing.assert_array_equal(wrong((), v), a)
    assert wrong.batched is False
    transposed = BlockProduct(lambda v: (a @ v).T.reshape(4, -1) if v.ndim == 2 else a @ v, 3, 4)
    np.testing.assert_array_equal(transposed((), v), a)  # values differ from singles: rejected
    assert transposed.batched is False


def test_coloring_recovers_a_random_sparse_symmetric_matrix():
    rng = np.random.default_rng(3)
    n = 30
    dense = np.zeros((n, n))
    for _ in range(40):
        i, j = rng.integers(0, n, 2)
        dense[i, j] = dense[j, i] = rng.normal()
    dense += np.diag(rng.normal(size=n))
    r, c = np.nonzero(np.tril(dense))
    bp = BlockProduct(lambda v: dense @ v, n, n)
    sp = SparseFromProducts(bp, r, c, (n, n), symmetric=True)
    np.testing.assert_allclose(sp.values(()), dense[r, c], atol=1e-14)
    assert sp.ncolors < n
    colors, k = greedy_column_coloring(np.concatenate([r, c]), np.concatenate([c, r]), n)
    full_r, full_c = np.nonzero(dense)
    for i in range(n):  # no two columns of one colour share a row
        cols = full_c[full_r == i]
        assert np.unique(colors[cols]).size == cols.size
    # a repeated coordinate gets its value once (the solver sums duplicates)
    sp2 = SparseFromProducts(bp, np.r_[r, r[:1]], np.r_[c, c[:1]], (n, n), symmetric=True)
    vals = sp2.values(())
    assert vals[-1] == 0.0 and vals[0] == dense[r[0], c[0]]


def test_vector_only_dense_hessian_without_jacobian_products_stays_matrix_free():
    # m = 0: the condensed route makes n products per factorization, assembly n per evaluation:
    # no saving, so a vector-only hvp stays matrix-free; a block hvp is assembled.
    for block, assembled in ((False, False), (True, True)):
        obj = ChainMF(30, block)
        p = ipax.Problem(30, 0, obj)
        p.add_option("print_level", 0)
        x, info = p.solve(np.full(30, 0.5))
        assert info["status"] == 0
        np.testing.assert_allclose(x, 1.0, atol=5e-3)  # a flat quartic minimum
        assert ("product_assembly" in info) is assembled
