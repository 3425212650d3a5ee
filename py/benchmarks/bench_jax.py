"""Measurements behind py/docs/jax.md: which ipax.jax surface wins when.

Run: python py/benchmarks/bench_jax.py [--quick]   (needs jax; prints one result per line)

Every timing is the median of repeated calls after a warm-up call (JIT compilation excluded unless
the line says "first call").
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np

import jax
import jax.numpy as jnp

import ipax.jax as ij


def median_time(fn, repeat=5):
    fn()  # warm-up (compilation)
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        jax.block_until_ready(out)
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


# A nonlinear parametric family with bounds and inequalities (some active), n variables,
# p ∈ Rⁿ: min Σ(x − p)² + 0.1 Σx⁴  s.t.  x_{2j} + x_{2j+1}² <= 0.5,  x >= −2.
def fam_f(x, p):
    return jnp.sum((x - p) ** 2) + 0.1 * jnp.sum(x**4)


def fam_c(x, p):
    return x[0::2] + x[1::2] ** 2


def family(n, **kw):
    return ij.JaxProblem(fam_f, fam_c, n=n, p_example=np.zeros(n), lb=-2.0, ub=1e20,
                         cl=np.full(n // 2, -1e20), cu=np.full(n // 2, 0.5), options={"tol": 1e-9}, **kw)


def band_f(x, p):
    return jnp.sum((x - p) ** 2) + 0.1 * jnp.sum((x[1:] - x[:-1]) ** 4)


def band_c(x, p):
    return x[:-1] + 0.2 * x[1:] ** 2


# The same coupling written with convolutions: XLA cannot shrink the dense derivative then.
K3 = np.array([0.25, 0.5, 0.25])


def conv_f(x, p):
    return jnp.sum((x - p) ** 2) + jnp.sum(jnp.convolve(x, jnp.asarray(K3), mode="valid") ** 4)


def conv_c(x, p):
    return jnp.convolve(x, jnp.array([1.0, -1.0]), mode="valid") + 0.2 * x[1:] ** 2


def banded(n, sparse, conv=False):
    f, c = (conv_f, conv_c) if conv else (band_f, band_c)
    return ij.JaxProblem(f, c, n=n, p_example=np.linspace(-1, 1, n), lb=-5.0, ub=5.0,
                         cl=np.full(n - 1, -0.5), cu=np.full(n - 1, 0.5), options={"tol": 1e-8},
                         sparse=sparse, factor_reuse=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print(f"# cpu_count={os.cpu_count()} load={os.getloadavg()[0]:.1f} jax={jax.__version__}")

    # 1. build once vs one-shot, 20 sequential solves at different p
    n = 6
    P = rng.uniform(-1, 1, (20, n))
    x0 = jnp.zeros(n)
    kw = dict(f=fam_f, c=fam_c, x0=x0, lb=-2.0, ub=1e20, cl=np.full(n // 2, -1e20), cu=np.full(n // 2, 0.5),
              options={"tol": 1e-9})
    t = time.perf_counter()
    for p in P:
        jax.block_until_ready(ij.solve(p, **kw))
    oneshot = (time.perf_counter() - t) / len(P)
    jp = family(n)
    jp.solve(P[0], x0)
    t = time.perf_counter()
    for p in P:
        jax.block_until_ready(jp.solve(p, x0))
    reuse = (time.perf_counter() - t) / len(P)
    print(f"per-solve n={n}: one-shot solve() {oneshot*1e3:.1f} ms, JaxProblem.solve {reuse*1e3:.2f} ms "
          f"({oneshot/reuse:.0f}x)")

    # 2. warm start along a trajectory of 20 nearby parameters
    traj = [P[0] + 0.01 * k for k in range(20)]
    cold = sum(int(jp.solve_with_warm(p, x0)[1].iterations) for p in traj)
    x, w = jp.solve_with_warm(traj[0], x0)
    warm = int(w.iterations)
    for p in traj[1:]:
        x, w = jp.solve_with_warm(p, x, w)
        warm += int(w.iterations)
    print(f"trajectory of 20 (step 0.01): cold {cold} iterations, warm {warm} iterations")

    # 3. single solve + full Jacobian dx*/dp: factor reuse vs dense backward
    for n in ([8, 32] if args.quick else [8, 32, 96]):
        p = rng.uniform(-1, 1, n)
        x0 = jnp.zeros(n)
        res = {}
        for fr in (True, False):
            jp = family(n, factor_reuse=fr)
            fwd = median_time(lambda: jp.solve(p, x0))
            jac = median_time(lambda: jax.jacrev(lambda q: jp.solve(q, x0))(jnp.asarray(p)))
            res[fr] = (fwd, jac)
            jp.close()
        print(f"single n={n} m={n//2}: solve {res[True][0]*1e3:.1f} ms; jacrev(solve) incl. solve: "
              f"factor_reuse=True {res[True][1]*1e3:.1f} ms, False {res[False][1]*1e3:.1f} ms")

    # 4. batches: forward of each surface, and batched_solve + jacrev backward
    B = 16 if args.quick else 64
    for n in ([4, 16] if args.quick else [4, 16, 32]):
        P = rng.uniform(-1, 1, (B, n))
        x0 = jnp.zeros(n)
        jp = family(n, factor_reuse=True)
        jd = family(n, factor_reuse=False)
        t_vmap = median_time(lambda: jp.vmap_solve(P, x0), 3)
        t_par1 = median_time(lambda: jp.vmap_solve_parallel(P, x0, workers=1), 3)
        t_par2 = median_time(lambda: jp.vmap_solve_parallel(P, x0, workers=2), 3)
        t_stack = median_time(lambda: jp.batched_solve(P, x0), 3)
        print(f"batch B={B} n={n}: vmap_solve {t_vmap*1e3:.0f} ms, vmap_solve_parallel 1 worker "
              f"{t_par1*1e3:.0f} ms, 2 workers {t_par2*1e3:.0f} ms, batched_solve {t_stack*1e3:.0f} ms")
        loss = lambda j: (lambda Pq: jnp.sum(j.batched_solve(Pq, x0) ** 2))  # noqa: E731
        g_r = median_time(lambda: jax.grad(loss(jp))(jnp.asarray(P)), 3)
        g_d = median_time(lambda: jax.grad(loss(jd))(jnp.asarray(P)), 3)
        j_r = median_time(lambda: jax.jacrev(lambda Pq: jp.batched_solve(Pq, x0))(jnp.asarray(P)), 1)
        j_d = median_time(lambda: jax.jacrev(lambda Pq: jd.batched_solve(Pq, x0))(jnp.asarray(P)), 1)
        j_w = median_time(lambda: jp.batched_solve_with_jacobian(P, x0)[2], 3)
        print(f"batch B={B} n={n}: grad(batched_solve) reuse {g_r*1e3:.0f} ms / dense {g_d*1e3:.0f} ms; "
              f"jacrev(batched_solve) reuse {j_r*1e3:.0f} ms / dense {j_d*1e3:.0f} ms; "
              f"batched_solve_with_jacobian {j_w*1e3:.0f} ms")
        jp.close()
        jd.close()

    # 5. sparse=True vs dense derivatives on banded problems (slices, then convolutions)
    for conv in (False, True):
        for n in ([200, 800] if args.quick else [200, 800, 2000]):
            p = np.linspace(-1, 1, n)
            x = rng.standard_normal(n)
            lam = rng.standard_normal(n - 1)
            out = {}
            for sp in (False, True):
                t = time.perf_counter()
                jp = banded(n, sp, conv)
                build = time.perf_counter() - t
                k = jp._k
                pj = jnp.asarray(p)
                tj = median_time(lambda: k.jac_vals(x, pj))
                th = median_time(lambda: k.hess_vals(x, lam, 1.0, pj))
                ts = median_time(lambda: jp.solve(p, jnp.zeros(n)), 3)
                out[sp] = (build, tj, th, ts, jp.n_colors)
                jp.close()
            d, s_ = out[False], out[True]
            kind = "convolve" if conv else "slices"
            print(f"banded ({kind}) n={n} colors={s_[4]}: jacobian {d[1]*1e3:.2f} -> {s_[1]*1e3:.2f} ms "
                  f"({d[1]/s_[1]:.1f}x), hessian {d[2]*1e3:.2f} -> {s_[2]*1e3:.2f} ms ({d[2]/s_[2]:.1f}x), "
                  f"solve {d[3]*1e3:.0f} -> {s_[3]*1e3:.0f} ms ({d[3]/s_[3]:.1f}x), "
                  f"build+probe {d[0]:.1f} -> {s_[0]:.1f} s")

    # 6. threads: is the GIL released? 4 solves of a banded n=2000 problem, 1 vs 2 workers
    n = 800 if args.quick else 2000
    jp = banded(n, True, conv=True)
    P = np.stack([np.linspace(-1, 1, n) * (1 + 0.1 * k) for k in range(4)])
    # Alternate 1 and 2 workers so both see the same background load; report min and median.
    times = {1: [], 2: []}
    for w in (1, 2):
        jp.vmap_solve_parallel(P, jnp.zeros(n), workers=w)
    for _ in range(6):
        for w in (1, 2):
            t = time.perf_counter()
            jax.block_until_ready(jp.vmap_solve_parallel(P, jnp.zeros(n), workers=w))
            times[w].append(time.perf_counter() - t)
    (mn1, md1), (mn2, md2) = ((min(times[w]), statistics.median(times[w])) for w in (1, 2))
    print(f"threads banded (convolve, sparse) n={n}, 4 solves: 1 worker min {mn1*1e3:.0f} / median "
          f"{md1*1e3:.0f} ms, 2 workers min {mn2*1e3:.0f} / median {md2*1e3:.0f} ms")
    jp.close()
    print(f"# load={os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
