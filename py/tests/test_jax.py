"""ipax.jax: differentiable solves checked against closed forms and finite differences of re-solves.

Skipped when JAX is not installed (it is the optional extra ``ipax[jax]``).
"""

import pickle
import subprocess
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

import ipax.jax as ij  # noqa: E402

OPTS = {"tol": 1e-10}

# ---------------------------------------------------------------------------------------------
# Problem 1: an equality-constrained QP.  p = (t0, t1, t2, b):
#   min ½ (x − t)ᵀ Q (x − t)  s.t.  aᵀx = b,   Q = diag(1, 2, 3), a = (1, 1, 1)
#   x* = t − Q⁻¹a (aᵀt − b)/s,  s = aᵀQ⁻¹a;  dx*/dt = I − Q⁻¹a aᵀ/s,  dx*/db = Q⁻¹a/s.
Q = np.array([1.0, 2.0, 3.0])
A = np.ones(3)
S = float(A @ (A / Q))


def qp_f(x, p):
    return 0.5 * jnp.sum(Q * (x - p[:3]) ** 2)


def qp_c(x, p):
    return jnp.stack([jnp.sum(x) - p[3]])


def qp_x(p):
    p = np.asarray(p)
    return p[:3] - (A / Q) * (A @ p[:3] - p[3]) / S


def qp_jac():
    J = np.zeros((3, 4))
    J[:, :3] = np.eye(3) - np.outer(A / Q, A) / S
    J[:, 3] = (A / Q) / S
    return J


QP = dict(n=3, m=1, p_example=np.zeros(4), lb=-10.0, ub=10.0, cl=[0.0], cu=[0.0], options=OPTS)

# ---------------------------------------------------------------------------------------------
# Problem 2: an active bound, an active inequality and an inactive one.  p ∈ R³:
#   min ½‖x − p‖²  s.t.  x0 + x1 <= 1,  x0 + x1 + x2 <= 10,  x >= 0
# At p = (0.9, 0.6, −0.3): x* = (0.65, 0.35, 0) — x2 at its bound, row 0 active, row 1 slack;
#   dx*/dp = [[½, −½, 0], [−½, ½, 0], [0, 0, 0]].
def box_f(x, p):
    return 0.5 * jnp.sum((x - p) ** 2)


def box_c(x, p):
    return jnp.stack([x[0] + x[1], x[0] + x[1] + x[2]])


P_BOX = np.array([0.9, 0.6, -0.3])
X_BOX = np.array([0.65, 0.35, 0.0])
J_BOX = np.array([[0.5, -0.5, 0.0], [-0.5, 0.5, 0.0], [0.0, 0.0, 0.0]])
BOX = dict(n=3, m=2, p_example=np.zeros(3), lb=0.0, ub=1e20, cl=[-1e20, -1e20], cu=[1.0, 10.0], options=OPTS)

W = np.array([1.0, -2.0, 0.5])  # loss = w · x*


@pytest.fixture(scope="module")
def qp():
    return ij.JaxProblem(qp_f, qp_c, **QP)


@pytest.fixture(scope="module")
def qp_dense():
    return ij.JaxProblem(qp_f, qp_c, factor_reuse=False, **QP)


@pytest.fixture(scope="module")
def box():
    return ij.JaxProblem(box_f, box_c, **BOX)


@pytest.fixture(scope="module")
def box_dense():
    return ij.JaxProblem(box_f, box_c, factor_reuse=False, **BOX)


def fd_grad(loss, p, h=1e-5):
    p = np.asarray(p, dtype=float)
    g = np.zeros_like(p)
    for i in range(p.size):
        e = np.zeros_like(p)
        e[i] = h
        g[i] = (float(loss(p + e)) - float(loss(p - e))) / (2 * h)
    return g


# ------------------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("which", ["qp", "qp_dense"])
def test_grad_through_solve_matches_closed_form_and_fd_on_equality_qp(which, request):
    jp = request.getfixturevalue(which)
    p = np.array([0.3, 0.5, -0.2, 1.5])
    x0 = jnp.zeros(3)
    np.testing.assert_allclose(jp.solve(p, x0), qp_x(p), atol=1e-8)
    loss = lambda q: jnp.dot(W, jp.solve(q, x0))  # noqa: E731
    g = np.asarray(jax.grad(loss)(jnp.asarray(p)))
    np.testing.assert_allclose(g, qp_jac().T @ W, atol=1e-6)
    np.testing.assert_allclose(g, fd_grad(loss, p), atol=1e-5)


@pytest.mark.parametrize("which", ["box", "box_dense"])
def test_grad_through_solve_respects_the_active_set(which, request):
    jp = request.getfixturevalue(which)
    x0 = jnp.full(3, 0.2)
    np.testing.assert_allclose(jp.solve(P_BOX, x0), X_BOX, atol=1e-7)
    loss = lambda q: jnp.dot(W, jp.solve(q, x0))  # noqa: E731
    g = np.asarray(jax.grad(loss)(jnp.asarray(P_BOX)))
    np.testing.assert_allclose(g, J_BOX.T @ W, atol=1e-6)
    np.testing.assert_allclose(g, fd_grad(loss, P_BOX), atol=1e-5)
    # the full Jacobian: the bound row and the slack inequality contribute nothing
    J = np.asarray(jax.jacrev(lambda q: jp.solve(q, x0))(jnp.asarray(P_BOX)))
    np.testing.assert_allclose(J, J_BOX, atol=1e-6)


@pytest.mark.parametrize("which", ["qp", "qp_dense"])
def test_grad_through_batched_solve_matches_closed_form_and_fd(which, request):
    jp = request.getfixturevalue(which)
    P = np.array([[0.3, 0.5, -0.2, 1.5], [1.0, -1.0, 0.0, 0.2], [0.0, 0.0, 2.0, -1.0]])
    x0 = jnp.zeros(3)
    X = jp.batched_solve(P, x0)
    np.testing.assert_allclose(X, np.stack([qp_x(p) for p in P]), atol=1e-8)
    wb = np.arange(9.0).reshape(3, 3) - 4.0
    loss = lambda Pq: jnp.sum(wb * jp.batched_solve(Pq, x0))  # noqa: E731
    G = np.asarray(jax.grad(loss)(jnp.asarray(P)))
    np.testing.assert_allclose(G, np.stack([qp_jac().T @ w for w in wb]), atol=1e-6)
    fd = fd_grad(lambda flat: loss(flat.reshape(P.shape)), P.ravel()).reshape(P.shape)
    np.testing.assert_allclose(G, fd, atol=1e-5)


def test_grad_through_batched_solve_with_active_bounds(box, box_dense):
    P = np.stack([P_BOX, np.array([0.2, 0.1, 0.4]), np.array([-1.0, 2.0, 0.5])])
    # closed forms: row 1 nothing active (identity); row 2: x0 at bound, x1 = 1 (row 0 active), x2 free
    J2 = np.diag([0.0, 0.0, 1.0])
    Js = [J_BOX, np.eye(3), J2]
    x0 = jnp.full(3, 0.2)
    for jp in (box, box_dense):
        G = np.asarray(jax.grad(lambda Pq: jnp.sum(W * jp.batched_solve(Pq, x0)))(jnp.asarray(P)))
        np.testing.assert_allclose(G, np.stack([J.T @ W for J in Js]), atol=1e-6)


def test_factor_reuse_and_dense_backward_agree(box, box_dense, qp, qp_dense):
    rng = np.random.default_rng(1)
    for a, b, p, x0 in ((box, box_dense, P_BOX, jnp.full(3, 0.2)), (qp, qp_dense, rng.standard_normal(4), jnp.zeros(3))):
        for pp in (p, p + 0.05 * rng.standard_normal(p.size)):
            ga = jax.jacrev(lambda q: a.solve(q, x0))(jnp.asarray(pp))
            gb = jax.jacrev(lambda q: b.solve(q, x0))(jnp.asarray(pp))
            np.testing.assert_allclose(ga, gb, atol=1e-8)
        # the reuse side back-solved the held factor refined at the solution, never anything else
        assert a.kkt_sources.get("held+refined", 0) > 0 and set(a.kkt_sources) <= {"held+refined", "dense"}, a.kkt_sources
        assert b.kkt_sources == {}, b.kkt_sources


def test_dense_backward_is_differentiable_twice(qp_dense):
    # loss = Σ x*³; x* is affine in p (x* = J p), so ∇² loss = Jᵀ diag(6 x*) J.
    p = np.array([0.3, 0.5, -0.2, 1.5])
    x0 = jnp.zeros(3)
    loss = lambda q: jnp.sum(qp_dense.solve(q, x0) ** 3)  # noqa: E731
    H = np.asarray(jax.jacrev(jax.grad(loss))(jnp.asarray(p)))
    J = qp_jac()
    np.testing.assert_allclose(H, J.T @ np.diag(6 * qp_x(p)) @ J, atol=1e-6)


def test_grad_under_jit(qp):
    p = jnp.array([0.3, 0.5, -0.2, 1.5])
    g = jax.jit(jax.grad(lambda q: jnp.dot(W, qp.solve(q, jnp.zeros(3)))))(p)
    np.testing.assert_allclose(g, qp_jac().T @ W, atol=1e-6)


def test_batched_solve_with_jacobian_and_anchor_products(box, box_dense):
    P = np.stack([P_BOX, np.array([0.2, 0.1, 0.4])])
    x0 = jnp.full(3, 0.2)
    for jp in (box, box_dense):
        X, (lam, zl, zu), J = jp.batched_solve_with_jacobian(P, x0)
        assert J.shape == (2, 3, 3) and lam.shape == (2, 2) and zl.shape == zu.shape == (2, 3)
        np.testing.assert_allclose(J[0], J_BOX, atol=1e-6)
        np.testing.assert_allclose(J[1], np.eye(3), atol=1e-6)
        _, _, Jc = jp.batched_solve_with_jacobian(P, x0, wrt_cols=slice(0, 2))
        np.testing.assert_allclose(Jc, np.asarray(J)[:, :, :2], atol=1e-9)
        with jp.anchor(P, x0, wrt_cols=[0, 2]) as st:
            dp = np.array([[1.0, 2.0], [0.5, -1.0]])
            dx = np.asarray(jp.batched_jvp_from_state(st, dp))
            np.testing.assert_allclose(dx, np.einsum("bij,bj->bi", np.asarray(J)[:, :, [0, 2]], dp), atol=1e-6)
            xb = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
            pb = np.asarray(jp.batched_vjp_from_state(st, xb))
            np.testing.assert_allclose(pb, np.einsum("bij,bi->bj", np.asarray(J)[:, :, [0, 2]], xb), atol=1e-6)
            st.reanchor(P[::-1], x0)
            dx2 = np.asarray(jp.batched_jvp_from_state(st, dp))
            np.testing.assert_allclose(dx2, np.einsum("bij,bj->bi", np.asarray(J)[::-1][:, :, [0, 2]], dp), atol=1e-6)
        with pytest.raises(RuntimeError):
            jp.batched_jvp_from_state(st, dp)


# ------------------------------------------------------------------------------------- batches
def test_vmap_surfaces_equal_a_loop_of_solves(box):
    rng = np.random.default_rng(0)
    P = rng.uniform(-0.5, 1.0, (6, 3))
    x0 = jnp.full(3, 0.2)
    before = box.kkt_sources
    loop = np.stack([np.asarray(box.solve(p, x0)) for p in P])
    np.testing.assert_allclose(box.vmap_solve(P, x0), loop, atol=1e-8)
    np.testing.assert_allclose(box.vmap_solve_parallel(P, x0, workers=2), loop, atol=1e-8)
    np.testing.assert_allclose(box.batched_solve(P, x0), loop, atol=1e-7)
    # and their gradients equal the loop's
    g_loop = np.stack([np.asarray(jax.grad(lambda q: jnp.dot(W, box.solve(q, x0)))(jnp.asarray(p))) for p in P])
    for surface in (box.vmap_solve, box.vmap_solve_parallel, box.batched_solve):
        G = jax.grad(lambda Pq: jnp.sum(surface(Pq, x0) @ W))(jnp.asarray(P))
        np.testing.assert_allclose(G, g_loop, atol=1e-6)
    # factor_reuse=True: the backward passes back-solved the IPM's held factor, refined against the
    # KKT matrix at the solution; no factorization at the solution, no stalled refinement.
    after = box.kkt_sources
    used = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    assert used.get("held+refined", 0) >= 2 * len(P), used
    assert not any(v for k, v in used.items() if k not in ("held+refined", "dense")), used


def test_functional_surfaces_equal_jaxproblem(qp):
    p = jnp.array([0.3, 0.5, -0.2, 1.5])
    kw = dict(f=qp_f, c=qp_c, x0=jnp.zeros(3), lb=-10.0, ub=10.0, cl=[0.0], cu=[0.0], options=OPTS)
    np.testing.assert_allclose(ij.solve(p, **kw), qp_x(p), atol=1e-8)
    g = jax.grad(lambda q: jnp.dot(W, ij.solve(q, **kw)))(p)
    np.testing.assert_allclose(g, qp_jac().T @ W, atol=1e-6)
    P = jnp.stack([p, p + 0.1])
    expected = np.stack([qp_x(q) for q in np.asarray(P)])
    np.testing.assert_allclose(ij.vmap_solve(P, **kw), expected, atol=1e-8)
    np.testing.assert_allclose(ij.vmap_solve_parallel(P, workers=2, **kw), expected, atol=1e-8)
    x, warm = ij.solve_with_warm(p, **kw)
    x2, _ = ij.solve_with_warm(p + 0.01, warm_start=warm, **{**kw, "x0": x})
    np.testing.assert_allclose(x2, qp_x(p + 0.01), atol=1e-8)


def test_warm_started_trajectory_takes_fewer_iterations(box):
    x0 = jnp.full(3, 0.2)
    traj = [P_BOX + 0.01 * k * np.array([1.0, -0.5, 0.3]) for k in range(20)]
    cold = sum(int(box.solve_with_warm(p, x0)[1].iterations) for p in traj)
    x, warm = box.solve_with_warm(traj[0], x0)
    total = int(warm.iterations)
    for p in traj[1:]:
        x, warm = box.solve_with_warm(p, x, warm)
        total += int(warm.iterations)
        np.testing.assert_allclose(x, box.solve(p, x0), atol=1e-7)
    assert total < cold, (total, cold)


# ------------------------------------------------------------------------------------- sparse AD
def band_f(x, p):
    return jnp.sum((x - p) ** 2) + 0.1 * jnp.sum((x[1:] - x[:-1]) ** 4) + 0.05 * jnp.sum(x[1:] * x[:-1])


def band_c(x, p):
    return x[:-1] + 0.2 * x[1:] ** 2 + 0.1 * jnp.sin(x[:-1])


N_BAND = 30
BAND = dict(n=N_BAND, p_example=np.linspace(-1, 1, N_BAND), lb=-5.0, ub=5.0, cl=np.full(N_BAND - 1, -0.5),
            cu=np.full(N_BAND - 1, 0.5), options=OPTS)


@pytest.fixture(scope="module")
def band_sparse():
    return ij.JaxProblem(band_f, band_c, sparse=True, factor_reuse=False, **BAND)


def test_sparse_coloring_equals_dense_on_a_banded_problem(band_sparse):
    n = N_BAND
    dense = ij.JaxProblem(band_f, band_c, factor_reuse=False, **BAND)
    sparse = band_sparse
    assert sparse.n_colors is not None and sparse.n_colors[0] <= 2 and sparse.n_colors[1] <= 3
    for a, b in zip(dense.pattern, sparse.pattern):
        np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(3)
    x, lam, p = rng.standard_normal(n), rng.standard_normal(n - 1), jnp.asarray(rng.standard_normal(n))
    np.testing.assert_allclose(sparse._k.jac_vals(x, p), dense._k.jac_vals(x, p), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(sparse._k.hess_vals(x, lam, 0.7, p), dense._k.hess_vals(x, lam, 0.7, p),
                               rtol=1e-13, atol=1e-13)
    p0 = np.linspace(-1, 1, n)
    xd, xs = dense.solve(p0, jnp.zeros(n)), sparse.solve(p0, jnp.zeros(n))
    np.testing.assert_allclose(xs, xd, atol=1e-10)
    gd = jax.grad(lambda q: jnp.sum(dense.solve(q, jnp.zeros(n)) ** 2))(jnp.asarray(p0))
    gs = jax.grad(lambda q: jnp.sum(sparse.solve(q, jnp.zeros(n)) ** 2))(jnp.asarray(p0))
    np.testing.assert_allclose(gs, gd, atol=1e-8)


def test_greedy_coloring_is_structurally_orthogonal():
    rng = np.random.default_rng(5)
    mask = rng.random((40, 25)) < 0.1
    rows, cols = np.nonzero(mask)
    colors, k = ij.greedy_column_coloring(rows.astype(np.int64), cols.astype(np.int64), 25)
    assert k == colors.max() + 1
    for c in range(k):
        assert mask[:, colors == c].sum(axis=1).max() <= 1
    tri = np.abs(np.subtract.outer(np.arange(50), np.arange(50))) <= 1
    r, c = np.nonzero(tri)
    assert ij.greedy_column_coloring(r.astype(np.int64), c.astype(np.int64), 50)[1] == 3


# ------------------------------------------------------------------------------------- building
def test_from_jax_builds_a_problem_ipax_solves():
    def f(x):
        return x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2]

    def c(x):
        return jnp.stack([jnp.prod(x), jnp.dot(x, x)])

    # (sparse=True is checked against the dense path on the banded problem)
    prob = ij.from_jax(f, c, n=4, lb=[1.0] * 4, ub=[5.0] * 4, cl=[25.0, 40.0], cu=[2e19, 40.0],
                       options={"tol": 1e-8})
    x, info = prob.solve([1.0, 5.0, 5.0, 1.0])
    assert info["status"] == 0
    assert info["obj_val"] == pytest.approx(17.0140173, abs=1e-6)
    assert info["iterations"] < 30


def test_sparse_jaxproblem_pickles_with_its_coloring_and_g_alias_works(band_sparse):
    clone = pickle.loads(pickle.dumps(band_sparse))
    assert clone.n_colors == band_sparse.n_colors and clone.m == N_BAND - 1
    p = np.linspace(-1, 1, N_BAND)
    np.testing.assert_allclose(clone.solve(p, jnp.zeros(N_BAND)), band_sparse.solve(p, jnp.zeros(N_BAND)), atol=1e-12)
    clone.close()
    with pytest.raises(TypeError):
        ij.JaxProblem(band_f, band_c, g=band_c, **BAND)
    aliased = ij.from_jax(lambda x: jnp.sum(x**2), g=lambda x: jnp.stack([x[0] + x[1]]), n=2, cl=[1.0], cu=[1.0])
    x, info = aliased.solve([0.0, 0.0])
    np.testing.assert_allclose(x, [0.5, 0.5], atol=1e-7)


def test_jaxproblem_survives_pickle_and_solves(box):
    box.solve(P_BOX, jnp.full(3, 0.2))  # holds a factor, a pin thread and jit closures
    clone = pickle.loads(pickle.dumps(box))
    for a, b in zip(clone.pattern, box.pattern):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(clone.solve(P_BOX, jnp.full(3, 0.2)), X_BOX, atol=1e-7)
    g = jax.grad(lambda q: jnp.dot(W, clone.solve(q, jnp.full(3, 0.2))))(jnp.asarray(P_BOX))
    np.testing.assert_allclose(g, J_BOX.T @ W, atol=1e-6)
    clone.close()


def test_bad_input_raises_typed_errors(qp):
    with pytest.raises(ValueError):
        qp.solve(np.zeros(3), jnp.zeros(3))  # p has 4 entries
    with pytest.raises(ValueError):
        qp.solve(np.zeros(4), jnp.zeros(2))
    with pytest.raises(ValueError):
        ij.JaxProblem(qp_f, qp_c, n=3, m=2, p_example=np.zeros(4))  # c returns 1 value
    with pytest.raises(ValueError):
        ij.JaxProblem(qp_f, qp_c, n=3, p_example=np.zeros(4), options={"hessian_approximation": "limited-memory"})
    with pytest.raises(TypeError):
        ij.JaxProblem(qp_f, qp_c, g=qp_c, n=3, p_example=np.zeros(4))


def test_failed_solve_raises_solve_error_or_returns_nan():
    def f(x, p):
        return jnp.sum((x - p) ** 2)

    def c(x, p):  # x0² + x1² = -1: infeasible
        return jnp.stack([x[0] ** 2 + x[1] ** 2])

    kw = dict(n=2, p_example=np.zeros(2), cl=[-1.0], cu=[-1.0], options={"max_iter": 30})
    with pytest.raises(ij.SolveError):
        ij.JaxProblem(f, c, **kw).solve(np.zeros(2), jnp.ones(2))
    x = ij.JaxProblem(f, c, on_failure="nan", **kw).solve(np.zeros(2), jnp.ones(2))
    assert np.isnan(np.asarray(x)).all()


def test_import_ipax_works_without_jax():
    code = "import sys; sys.modules['jax'] = None; import ipax; print(ipax.Problem.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "Problem"


def test_evicted_factor_falls_back_to_the_dense_backward():
    jp = ij.JaxProblem(box_f, box_c, **BOX)
    x0 = jnp.full(3, 0.2)
    _, vjp = jax.vjp(lambda q: jp.solve(q, x0), jnp.asarray(P_BOX))
    jp.clear_solver_cache()  # the factor this backward would use is gone
    np.testing.assert_allclose(vjp(jnp.asarray(W))[0], J_BOX.T @ W, atol=1e-6)
    jp.close()


def test_pinned_factors_are_capped_and_released_by_close():
    jp = ij.JaxProblem(box_f, box_c, pinned_capacity=1, **BOX)
    P = np.stack([P_BOX])
    x0 = jnp.full(3, 0.2)
    st = jp.anchor(P, x0)
    with pytest.raises(RuntimeError, match="pinned_capacity"):
        jp.anchor(P, x0)
    st.close()
    with jp.anchor(P, x0) as st2:  # the slot is free again
        np.testing.assert_allclose(st2.x[0], X_BOX, atol=1e-7)
    jp.close()


def test_bound_only_problem_without_constraints():
    # min ½‖x − p‖², x ∈ [0, 1]: x* = clip(p, 0, 1), dx*/dp = diag(0 < p < 1)
    def f(x, p):
        return 0.5 * jnp.sum((x - p) ** 2)

    p = jnp.array([-0.3, 0.4, 1.7])
    for reuse in (True, False):
        jp = ij.JaxProblem(f, n=3, p_example=np.zeros(3), lb=0.0, ub=1.0, options=OPTS, factor_reuse=reuse)
        assert jp.m == 0
        np.testing.assert_allclose(jp.solve(p, jnp.full(3, 0.5)), [0.0, 0.4, 1.0], atol=1e-7)
        J = jax.jacrev(lambda q: jp.solve(q, jnp.full(3, 0.5)))(p)
        np.testing.assert_allclose(J, np.diag([0.0, 1.0, 0.0]), atol=1e-7)
        jp.close()


def test_batch_surfaces_under_jit(box):
    P = np.stack([P_BOX, np.array([0.2, 0.1, 0.4])])
    x0 = jnp.full(3, 0.2)
    for surface in (box.vmap_solve, box.vmap_solve_parallel, box.batched_solve):
        X = jax.jit(lambda Pq: surface(Pq, x0))(jnp.asarray(P))
        np.testing.assert_allclose(X, np.stack([X_BOX, [0.2, 0.1, 0.4]]), atol=1e-7)
        G = jax.jit(jax.grad(lambda Pq: jnp.sum(surface(Pq, x0) @ W)))(jnp.asarray(P))
        np.testing.assert_allclose(G, np.stack([J_BOX.T @ W, W]), atol=1e-6)


def test_functional_solve_under_jit():
    # the one-shot surface builds its JaxProblem inside the trace: the probe must still run eagerly
    kw = dict(f=qp_f, c=qp_c, x0=jnp.zeros(3), lb=-10.0, ub=10.0, cl=[0.0], cu=[0.0], options=OPTS)
    p = jnp.array([0.3, 0.5, -0.2, 1.5])
    np.testing.assert_allclose(jax.jit(lambda q: ij.solve(q, **kw))(p), qp_x(p), atol=1e-8)
    g = jax.jit(jax.grad(lambda q: jnp.dot(W, ij.solve(q, factor_reuse=True, **kw))))(p)
    np.testing.assert_allclose(g, qp_jac().T @ W, atol=1e-6)
