"""Wall time of two solves in two threads versus one solve (GIL released outside callbacks).

Run: python py/benchmarks/bench_threads.py [n]. The problem is a chain-constrained quadratic with
cheap vectorised callbacks, so most time is spent in Rust linear algebra; the ratio
``two threads / one solve`` is well under 2 when the GIL is released.
"""

import sys
import threading
import time

import numpy as np

import ipax


class Chain:
    """min Σ (x_i - 1)^4 + x_i^2  s.t.  x_i + x_{i+1} >= 1 (sparse Jacobian, diagonal Hessian)."""

    def __init__(self, n):
        self.n = n
        r = np.arange(n - 1)
        self.rows = np.concatenate([r, r])
        self.cols = np.concatenate([r, r + 1])

    def objective(self, x):
        return float(np.sum((x - 1.0) ** 4 + x * x))

    def gradient(self, x):
        return 4.0 * (x - 1.0) ** 3 + 2.0 * x

    def constraints(self, x):
        return x[:-1] + x[1:]

    def jacobianstructure(self):
        return self.rows, self.cols

    def jacobian(self, x):
        return np.ones(2 * (self.n - 1))

    def hessianstructure(self):
        i = np.arange(self.n)
        return i, i

    def hessian(self, x, lagrange, obj_factor):
        return obj_factor * (12.0 * (x - 1.0) ** 2 + 2.0)


def solve(n):
    nlp = ipax.Problem(n=n, m=n - 1, problem_obj=Chain(n), cl=np.ones(n - 1), cu=np.full(n - 1, 1e20))
    nlp.add_option("print_level", 0)
    return nlp.solve(np.zeros(n))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    solve(n)  # warm up
    t0 = time.perf_counter()
    solve(n)
    one = time.perf_counter() - t0
    threads = [threading.Thread(target=solve, args=(n,)) for _ in range(2)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    two = time.perf_counter() - t0
    print(f"n={n}: one solve {one:.3f}s, two solves in two threads {two:.3f}s, ratio {two / one:.2f} (serial = 2.00)")


if __name__ == "__main__":
    main()
