"""Pickling of Problem / Solver / JaxProblem, and ipax.distributed.map_solve on threads, executors,
a Dask LocalCluster with 2 worker processes, and Ray (when installed)."""

import concurrent.futures
import importlib
import multiprocessing
import os
import pickle

import numpy as np
import pytest

import ipax
from ipax.distributed import ItemResult, map_solve
from test_sensitivity import SensNLP, solver_at

# py/ci.sh installs dask[distributed] and cloudpickle and sets this, so the Dask test runs in CI
# instead of skipping; locally without them the tests that need them skip.
REQUIRE_DISTRIBUTED = os.environ.get("IPAX_REQUIRE_DISTRIBUTED") == "1"


def need(module):
    """Import ``module`` (cloudpickle or distributed): skip when missing, fail when CI requires it."""
    if REQUIRE_DISTRIBUTED:
        return importlib.import_module(module)
    return pytest.importorskip(module)


def closure_problem(a, b, n=5):
    """min Σ (x − a)² + Σ x⁴  s.t.  Σ x = b,  x ≥ 0, built from closures (plain pickle cannot
    send it; cloudpickle can). Exact Hessian, so a Solver holds a KKT factor."""
    a = np.asarray(a, dtype=float)
    obj = type("Obj", (), {})()
    obj.objective = lambda x: float(np.sum((x - a) ** 2) + np.sum(x**4))
    obj.gradient = lambda x: 2 * (x - a) + 4 * x**3
    obj.constraints = lambda x: np.array([np.sum(x)])
    obj.jacobianstructure = lambda: (np.zeros(n, dtype=int), np.arange(n))
    obj.jacobian = lambda x: np.ones(n)
    obj.hessianstructure = lambda: (np.arange(n), np.arange(n))
    obj.hessian = lambda x, lam, s: s * (2.0 + 12.0 * x**2)
    nlp = ipax.Problem(n, 1, obj, lb=np.zeros(n), cl=[b], cu=[b])
    nlp.add_option("print_level", 0)
    nlp.add_option("tol", 1e-10)
    return nlp


def items(k=8, n=5):
    rng = np.random.default_rng(7)
    return [(closure_problem(rng.normal(size=n), 1.0 + 0.5 * i, n), np.full(n, 0.5)) for i in range(k)]


def serial(its):
    return [p.solve(x0) for p, x0 in its]


def assert_same(results, reference):
    assert [r.index for r in results] == list(range(len(reference)))
    for r, (x, info) in zip(results, reference):
        assert r.ok and r.success, r.error
        np.testing.assert_allclose(r.x, x, rtol=0, atol=1e-12)
        assert r.value[1]["iterations"] == info["iterations"]


# --------------------------------------------------------------------------------- pickling


def test_problem_with_closures_round_trips_through_cloudpickle():
    cloudpickle = need("cloudpickle")
    nlp = closure_problem([0.3, -0.2, 1.0, 0.5, 0.0], 2.0)
    with pytest.raises(Exception):
        pickle.dumps(nlp)  # lambdas: plain pickle refuses, which is why cloudpickle is used
    clone = cloudpickle.loads(cloudpickle.dumps(nlp))
    x, info = nlp.solve(np.full(5, 0.5))
    x2, info2 = clone.solve(np.full(5, 0.5))
    assert info2["success"]
    np.testing.assert_array_equal(x2, x)


def test_solver_pickles_without_its_factor_and_rebuilds_it_lazily():
    s, x, info = solver_at(1.0)
    step, lam = s.parametric_step([1], [1.05])
    clone = pickle.loads(pickle.dumps(s))  # the held factor is native memory: not pickled
    assert clone._kkt is None and clone._kkt_dropped
    np.testing.assert_array_equal(clone.last["x"], x)
    step2, lam2 = clone.parametric_step([1], [1.05])  # rebuilt here, by a warm re-solve
    assert clone._kkt is not None and not clone._kkt_dropped
    np.testing.assert_allclose(clone.last["x"], x, atol=1e-8)
    np.testing.assert_allclose(step2, step, atol=1e-7)
    np.testing.assert_allclose(lam2, lam, atol=1e-7)
    # a pickle of the restored-but-unused session still knows it had a factor
    again = pickle.loads(pickle.dumps(pickle.loads(pickle.dumps(s))))
    assert again._kkt_dropped
    # and a session that never factored pickles as such: kkt_solve keeps its error
    fresh = pickle.loads(pickle.dumps(ipax.Solver(ipax.Problem(4, 2, SensNLP(), cl=[0, 1], cu=[0, 1]))))
    with pytest.raises(RuntimeError):
        fresh.kkt_solve(np.zeros(6))


def test_solver_with_closures_solves_after_cloudpickle():
    cloudpickle = need("cloudpickle")
    nlp = closure_problem([0.3, -0.2, 1.0, 0.5, 0.0], 2.0)
    s = ipax.Solver(nlp)
    x, _ = s.solve(np.full(5, 0.5))
    h, w, _ = s.reduced_hessian([0, 1, 2, 3])
    clone = cloudpickle.loads(cloudpickle.dumps(s))
    h2, w2, _ = clone.reduced_hessian([0, 1, 2, 3])
    np.testing.assert_allclose(h2, h, rtol=1e-6)
    x2, info2 = clone.solve()  # warm from the pickled solution
    assert info2["success"]
    np.testing.assert_allclose(x2, x, atol=1e-8)


def test_jaxproblem_built_from_closures_survives_cloudpickle():
    cloudpickle = need("cloudpickle")
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp
    import ipax.jax as ij

    scale = 2.0
    jp = ij.JaxProblem(lambda x, p: jnp.sum((x - p) ** 2) * scale, None, 3, 0, np.zeros(3))
    p = np.array([0.5, -1.0, 2.0])
    x = np.asarray(jp.solve(p, np.zeros(3)))
    clone = cloudpickle.loads(cloudpickle.dumps(jp))
    np.testing.assert_allclose(np.asarray(clone.solve(p, np.zeros(3))), x, atol=1e-10)
    g = jax.grad(lambda q: jnp.sum(clone.solve(q, jnp.zeros(3))))(jnp.asarray(p))
    np.testing.assert_allclose(g, np.ones(3), atol=1e-6)  # x*(p) = p
    jp.close()
    clone.close()


# --------------------------------------------------------------------------------- map_solve


def test_map_solve_threads_equal_serial_solves_in_order():
    its = items()
    reference = serial(items())
    for workers in (1, 2):
        assert_same(map_solve(its, max_workers=workers), reference)


def test_map_solve_reports_failures_per_item():
    class Boom:
        def objective(self, x):
            raise ZeroDivisionError("boom in objective")

        def gradient(self, x):
            return x

    bad = ipax.Problem(2, 0, Boom())
    its = items(3)
    mixed = [its[0], (bad, np.zeros(2)), (its[1][0], np.zeros(4)), object(), its[2]]
    out = map_solve(mixed, max_workers=2)
    assert [r.ok for r in out] == [True, False, False, False, True]
    assert "ZeroDivisionError: boom in objective" in out[1].error and "Traceback" in out[1].traceback
    assert out[2].error.startswith("ValueError: x0 must have length n = 5")
    assert out[3].error.startswith("TypeError: cannot solve an item of type object")
    assert not out[1].success and out[1].value is None and out[1].x is None
    # a solve that ends without success is ok (it ran) but not success
    capped = closure_problem(np.ones(5), 3.0)
    capped.add_option("max_iter", 1)
    (r,) = map_solve([(capped, np.full(5, 0.5))])
    assert r.ok and not r.success and r.value[1]["status"] == -1


def test_map_solve_item_forms_and_custom_solve():
    p0, x0 = items(1)[0]
    s = ipax.Solver(closure_problem(np.ones(5), 2.0))
    out = map_solve([
        (p0, x0),
        (s, np.full(5, 0.5)),
        dict(fun=lambda x: float(np.sum((x - 1.5) ** 2)), x0=np.zeros(2), jac=lambda x: 2 * (x - 1.5)),
        lambda: 42,
    ])
    assert all(r.ok for r in out), [r.error for r in out]
    np.testing.assert_allclose(out[0].x, p0.solve(x0)[0], atol=1e-12)
    np.testing.assert_allclose(out[1].x, np.full(5, 0.4), atol=1e-8)  # Σx = 2, symmetric
    np.testing.assert_allclose(out[2].x, [1.5, 1.5], atol=1e-6)
    assert out[3].value == 42 and out[3].x is None
    # the session keeps the factor made on the worker thread and back-solves it here
    assert s.kkt_source == "held" and not s._kkt_dropped
    assert s.kkt_solve(np.eye(6)[:, 0]).shape == (6,)
    sq = map_solve([1.0, 2.0, "x"], solve=lambda v: v * v)
    assert [r.value for r in sq[:2]] == [1.0, 4.0] and not sq[2].ok
    with pytest.raises(TypeError):
        map_solve([1], client=object())
    with pytest.raises(ValueError):
        map_solve([1], max_workers=0)
    with pytest.raises(ValueError):
        map_solve([1], concurrent.futures.ThreadPoolExecutor(1), batch_size=0)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:  # an executor of threads: items as they are
        pooled = map_solve([1.0, 2.0, 3.0], pool, solve=lambda v: v + 1, batch_size=2)
    assert [r.value for r in pooled] == [2.0, 3.0, 4.0] and [r.index for r in pooled] == [0, 1, 2]
    with pytest.raises(TypeError):
        map_solve([1], solve=3)


def test_map_solve_on_a_process_pool_sends_closures():
    need("cloudpickle")
    its = items(4)
    reference = serial(items(4))
    # spawn, not fork: JAX (imported by other tests) runs threads, and forking them can deadlock.
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        out = map_solve(its, pool)
        batched = map_solve(its + [(its[0][0], np.zeros(1))], pool, batch_size=3)
    assert_same(out, reference)
    assert_same(batched[:4], reference)
    assert not batched[4].ok and "x0 must have length" in batched[4].error
    assert all(r.worker.startswith("pid:") for r in out)
    assert {r.worker for r in out} != {f"pid:{os.getpid()}"}


def test_map_solve_on_a_dask_local_cluster_with_two_processes_equals_serial():
    need("cloudpickle")
    distributed = need("distributed")
    its = items(8)
    reference = serial(items(8))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        out = map_solve(its, client)
        batched = map_solve(its, client, batch_size=3)  # 3 tasks of 3, 3 and 2 items
        # a failing item is a result, not an exception, and the others still come back
        broken = map_solve([its[0], (its[1][0], np.zeros(3)), its[2]], client)
        # items are opaque to Dask: a tuple led by a callable is data, not a task
        custom = map_solve([(len, [1, 2, 3]), (sum, [1, 2])], client, solve=lambda it: it[0](it[1]))
    assert_same(out, reference)
    assert_same(batched, reference)
    assert len({r.worker for r in out}) == 2, "both worker processes should have solved items"
    assert [r.ok for r in broken] == [True, False, True]
    assert "x0 must have length" in broken[1].error
    assert [r.value for r in custom] == [3, 3], [r.error for r in custom]


@pytest.mark.filterwarnings("ignore:os.fork")  # Ray starts its daemons by fork+exec
def test_map_solve_on_ray():
    ray = pytest.importorskip("ray")
    its = items(4)
    reference = serial(items(4))
    started = not ray.is_initialized()
    try:
        out = map_solve(its, "ray", max_workers=2, batch_size=2)
        broken = map_solve([(its[0][0], np.zeros(2))], ray)
    finally:
        if started:
            ray.shutdown()
    assert_same(out, reference)
    assert not broken[0].ok and "x0 must have length" in broken[0].error


def test_item_result_success_reads_the_value():
    assert ItemResult(0, True, (np.zeros(1), {"success": False})).success is False
    assert ItemResult(0, True, {"success": True}).success is True
    assert ItemResult(0, True, 3).success is True
    assert ItemResult(0, False).success is False
