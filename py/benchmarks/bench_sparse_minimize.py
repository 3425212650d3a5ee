"""A 1e4-variable (or any n) chained Rosenbrock through ipax.minimize with a sparse tridiagonal
Hessian (``hess``) or its products (``hessp``), bounds [-2, 2].

Run: python py/benchmarks/bench_sparse_minimize.py [N] [hess|hessp]
Prints: status, iterations, wall time of the solve (s), peak-RSS growth during the solve (MB), and
ipax.__build__ (release or dev).
"""

import resource
import sys
import time

import numpy as np
import scipy.sparse as sp

import ipax


def f(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def g(x):
    r = np.zeros_like(x)
    d = x[1:] - x[:-1] ** 2
    r[:-1] += -400.0 * x[:-1] * d - 2.0 * (1.0 - x[:-1])
    r[1:] += 200.0 * d
    return r


def h(x):
    main = np.zeros_like(x)
    main[:-1] += 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    main[1:] += 200.0
    off = -400.0 * x[:-1]
    return sp.diags([off, main, off], [-1, 0, 1], format="csr")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    mode = sys.argv[2] if len(sys.argv) > 2 else "hess"
    x0 = np.full(n, 0.5)
    kw = {"hess": h} if mode == "hess" else {"hessp": lambda x, p: h(x) @ p}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    res = ipax.minimize(f, x0, jac=g, bounds=[(-2.0, 2.0)], **kw)
    wall = time.perf_counter() - t
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024.0
    print(f"n={n} {mode}: status {res.status}, {res.nit} iterations, {wall:.2f} s, peak +{peak:.0f} MB, build {ipax.__build__}")


if __name__ == "__main__":
    main()
