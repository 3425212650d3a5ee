"""Python product calls and wall time of small matrix-free solves, with and without assembly from
block products (``product_assembly``; ipax._assemble, issue 17 item 5).

Run: python py/benchmarks/bench_product_assembly.py [--repeat R]

Problems: the chain of tests/test_product_assembly.py (``min Σ (x−1)⁴ + Σ (x_{i+1}−x_i)²`` s.t.
``xᵀx = n/2``, products ``hvp``/``jvp``/``vjp`` only) and ``minimize`` of a bounded chained
Rosenbrock with ``hessp``. Modes: ``no`` (before: the condensed route builds its dense matrix from
n products per factorization), ``vector`` (assembly with a callback that only takes vectors: one
call per column per evaluation), ``block`` (the callback takes an (n, k) block: one call per
evaluation), ``structure`` (a tridiagonal ``hessianstructure``: 3 coloured columns).
"""

from __future__ import annotations

import argparse
import collections
import time

import numpy as np

import ipax


class Chain:
    def __init__(self, n, block, structure):
        self.n, self.block, self.structure = n, block, structure
        self.calls = collections.Counter()
        if structure:
            i = np.arange(n)
            self.hessianstructure = lambda: (np.concatenate([i, i[1:]]), np.concatenate([i, i[:-1]]))
            self.jacobianstructure = lambda: (np.zeros(n, dtype=int), i)

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
        return 2 * np.outer(x, w[0]) if (w.ndim == 2 and self.block) else 2 * x * w[0]

    def hvp(self, x, lam, sigma, v):
        self.calls["hvp"] += 1
        d = sigma * 12 * (x - 1) ** 2 + 2 * lam[0]
        out = (d[:, None] if self.block and v.ndim == 2 else d) * v
        dv = np.diff(v, axis=0)
        out[1:] += 2 * sigma * dv
        out[:-1] -= 2 * sigma * dv
        return out


def chain(n, mode):
    obj = Chain(n, block=mode == "block", structure=mode == "structure")
    p = ipax.Problem(n, 1, obj, cl=[n / 2], cu=[n / 2])
    p.add_option("print_level", 0)
    p.add_option("product_assembly", "no" if mode == "no" else "auto")
    t0 = time.perf_counter()
    _, info = p.solve(np.full(n, 0.5))
    return time.perf_counter() - t0, sum(obj.calls.values()), info["iterations"], info["status"], info["obj_val"]


def rosenbrock(n, mode):
    calls = [0]

    def hdiag(x):
        d = np.zeros_like(x)
        d[:-1] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
        d[1:] += 200
        return d, -400 * x[:-1]

    def hessp(x, p):
        calls[0] += 1
        d, o = hdiag(x)
        if mode == "block" and np.ndim(p) == 2:
            d, o = d[:, None], o[:, None]
        out = d * p
        out[:-1] += o * p[1:]
        out[1:] += o * p[:-1]
        return out

    f = lambda x: float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))  # noqa: E731

    def g(x):
        r = x[1:] - x[:-1] ** 2
        out = np.zeros_like(x)
        out[1:] += 200 * r
        out[:-1] += -400 * r * x[:-1] - 2 * (1 - x[:-1])
        return out

    opts = {"disp": 0, "product_assembly": "no" if mode == "no" else "auto"}
    t0 = time.perf_counter()
    r = ipax.minimize(f, np.full(n, -0.5), jac=g, hessp=hessp, bounds=[(-2, 2)] * n, options=opts)
    return time.perf_counter() - t0, calls[0], r.nit, r.status, r.fun


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    cases = [("chain", n, m, chain) for n in (100, 400) for m in ("no", "vector", "block", "structure")]
    cases += [("minimize hessp rosenbrock", 200, m, rosenbrock) for m in ("no", "vector", "block")]
    print("| problem | n | mode | Python product calls | iterations | wall time (best of %d) |" % a.repeat)
    print("|---|---|---|---|---|---|")
    for name, n, mode, fn in cases:
        runs = [fn(n, mode) for _ in range(a.repeat)]
        t = min(r[0] for r in runs)
        _, calls, it, status, fval = runs[0]
        assert status == 0, (name, n, mode, status)
        print(f"| {name} | {n} | {mode} | {calls} | {it} | {t:.3f} s |")


if __name__ == "__main__":
    main()
