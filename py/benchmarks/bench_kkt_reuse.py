"""Solver.kkt_solve with the IPM's held factor (factor_reuse=True), that factor refined against the
KKT matrix at the solution (factor_reuse=True, refine=True: what ipax.jax's backward uses) and the
KKT matrix factored again at the solution (factor_reuse=False), on a Python-defined NLP of a few
thousand variables.

Run: python py/benchmarks/bench_kkt_reuse.py [L] (default L = 16: n = L³ = 4096 variables,
m = L² = 256 constraints; see ``Grid3D``: exact Hessian, sparse Jacobian, active and inactive
bounds).

Reports, as the median of `reps` runs: the solve time of a session with each setting (the fresh
path assembles and factors K at the solution inside the solve; the held path keeps the IPM's
last factor), the plain solve without any KKT factor, and kkt_solve for 1 and k right-hand sides
(each setting's back-solves), plus the largest relative difference of each answer to the fresh
one and, for the refined factor, the refinement steps per right-hand side.
"""

import os
import statistics
import sys
import time

import numpy as np

import ipax


class Grid3D:
    """x on an L×L×L grid (n = L³):

        min  Σ (x − a)² + ¼ Σ x⁴ + ½ Σ_edges (x_p − x_q)²
        s.t. Σ_k (x_ijk + 0.1 x_ijk²) = b_ij   (one row per (i, j) column, m = L²),   x ≥ 0

    The 7-point coupling makes the KKT factor fill in like a 3-D PDE's, so a factorization costs
    far more than a back-solve (the case reuse is for)."""

    def __init__(self, L: int) -> None:
        self.L = L
        self.n = L**3
        self.m = L * L
        rng = np.random.default_rng(0)
        self.a = rng.uniform(-3.0, 1.5, self.n)  # negative targets push x onto its bound 0
        idx = np.arange(self.n).reshape(L, L, L)
        edges = [(idx[1:, :, :], idx[:-1, :, :]), (idx[:, 1:, :], idx[:, :-1, :]), (idx[:, :, 1:], idx[:, :, :-1])]
        self.ep = np.concatenate([e[0].reshape(-1) for e in edges])  # ep > eq: lower triangle
        self.eq = np.concatenate([e[1].reshape(-1) for e in edges])
        self.deg = np.bincount(self.ep, minlength=self.n) + np.bincount(self.eq, minlength=self.n)
        self.col = idx.reshape(L * L, L)  # row r of the constraints sums column r
        self.b = np.full(self.m, 0.4 * L)
        self.jrows = np.repeat(np.arange(self.m), L)
        self.jcols = self.col.reshape(-1)
        d = np.arange(self.n)
        self.hrows = np.concatenate([d, self.ep])
        self.hcols = np.concatenate([d, self.eq])

    def objective(self, x):
        return float(np.sum((x - self.a) ** 2) + 0.25 * np.sum(x**4) + 0.5 * np.sum((x[self.ep] - x[self.eq]) ** 2))

    def gradient(self, x):
        g = 2 * (x - self.a) + x**3
        diff = x[self.ep] - x[self.eq]
        g += np.bincount(self.ep, weights=diff, minlength=self.n) - np.bincount(self.eq, weights=diff, minlength=self.n)
        return g

    def constraints(self, x):
        xc = x[self.col]
        return np.sum(xc + 0.1 * xc**2, axis=1) - self.b

    def jacobianstructure(self):
        return self.jrows, self.jcols

    def jacobian(self, x):
        return (1 + 0.2 * x[self.col]).reshape(-1)

    def hessianstructure(self):
        return self.hrows, self.hcols

    def hessian(self, x, lagrange, obj_factor):
        diag = obj_factor * (2 + 3 * x**2 + self.deg)
        diag[self.col.reshape(-1)] += 0.2 * np.repeat(lagrange, self.L)
        return np.concatenate([diag, -obj_factor * np.ones(self.ep.size)])


def problem(L: int) -> ipax.Problem:
    c = Grid3D(L)
    p = ipax.Problem(n=c.n, m=c.m, problem_obj=c, lb=np.zeros(c.n), ub=np.full(c.n, 1e20), cl=np.zeros(c.m), cu=np.zeros(c.m))
    p.add_option("print_level", 0)
    p.add_option("tol", 1e-9)
    return p


def median_time(fn, reps):
    ts = []
    out = None
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), out


def main() -> None:
    L = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    k = 50
    reps = 5
    prob = problem(L)
    n = prob.n
    x0 = np.full(n, 0.5)
    t_plain, (x, info) = median_time(lambda: prob.solve(x0), reps)
    assert info["status"] == 0, info["status_msg"]
    m = prob.m
    active = int(np.sum(x < 1e-7))
    print(f"# n={n} m={m} active bounds={active} iterations={info['iterations']} "
          f"cpu_count={os.cpu_count()} load={os.getloadavg()[0]:.1f}")
    print(f"plain solve (no KKT factor kept): {1e3 * t_plain:.1f} ms")
    rng = np.random.default_rng(1)
    b1 = rng.uniform(-1, 1, n + m)
    bk = rng.uniform(-1, 1, (n + m, k))
    answers = {}
    settings = (("held", True, False), ("held+refined", True, True), ("fresh", False, False))
    for name, reuse, refine in settings:
        s = ipax.Solver(prob, factor_reuse=reuse, refine=refine)

        def solve_session():
            s.reset()
            return s.solve(x0)

        t_solve, _ = median_time(solve_session, reps)
        t1, v1 = median_time(lambda: s.kkt_solve(b1), reps)
        tk, vk = median_time(lambda: s.kkt_solve(bk), reps)
        answers[name] = (v1, vk)
        st = s._kkt.refine_stats()
        steps = "" if st is None else (f", refinement {st['steps'] / max(st['columns'], 1):.1f} steps/rhs "
                                       f"(max {st['max_steps']}, rate {st['worst_rate']:.1e}; GMRES on {st['gmres_columns']} "
                                       f"rhs, {st['gmres_iterations'] / max(st['gmres_columns'], 1):.1f} it/rhs; "
                                       f"stalled {st['stalled']})")
        print(f"factor_reuse={reuse!s:5} refine={refine!s:5} ({s.kkt_source}): solve {1e3 * t_solve:.1f} ms "
              f"(+{1e3 * (t_solve - t_plain):.1f} ms over plain), kkt_solve 1 rhs {1e3 * t1:.2f} ms, "
              f"{k} rhs {1e3 * tk:.1f} ms{steps}")
    f1, fk = answers["fresh"]
    for name in ("held", "held+refined"):
        h1, hk = answers[name]
        rel = max(np.abs(h1 - f1).max() / np.abs(f1).max(), np.abs(hk - fk).max() / np.abs(fk).max())
        print(f"max relative difference {name} vs fresh: {rel:.1e}")


if __name__ == "__main__":
    main()
