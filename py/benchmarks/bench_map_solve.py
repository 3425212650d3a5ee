"""ipax.distributed.map_solve: 1 vs 2 threads, a Dask LocalCluster and Ray, on two workloads.

Run: python py/benchmarks/bench_map_solve.py [--repeat R] [--no-dask] [--no-ray]

* ``rust-heavy``: 4 chain-constrained quartics with n = 20000 and vectorised NumPy callbacks
  (most of a solve is Rust linear algebra, with the GIL released);
* ``callback-heavy``: 16 problems (n = 400) whose callbacks are Python loops, so their time is
  mostly Python (each callback holds the GIL).

For each workload it prints the share of a serial solve's wall time spent inside Python callbacks
(measured by wrapping every callback with a timer), which bounds what threads can gain (Amdahl:
speed-up ≤ 1 / (share + (1 − share) / 2) on 2 cores), then wall times of map_solve with
max_workers = 1 and 2, and on 2-process Dask / 2-CPU Ray (start-up time reported apart).
Best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import ipax
from ipax.distributed import map_solve


class Chain:
    """min Σ (x_i − 1)^4 + x_i^2  s.t.  x_i + x_{i+1} ≥ 1 (sparse Jacobian, diagonal Hessian)."""

    def __init__(self, n: int, shift: float = 0.0):
        self.n = n
        self.shift = shift
        r = np.arange(n - 1)
        self.rows = np.concatenate([r, r])
        self.cols = np.concatenate([r, r + 1])

    def objective(self, x):
        return float(np.sum((x - 1.0 - self.shift) ** 4 + x * x))

    def gradient(self, x):
        return 4.0 * (x - 1.0 - self.shift) ** 3 + 2.0 * x

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
        return obj_factor * (12.0 * (x - 1.0 - self.shift) ** 2 + 2.0)


class Small:
    """min Σ_i (x_i − a_i)² + Σ_i (x_{i+1} − x_i²)² / 10 over a box, one linear equality; callbacks
    written as plain Python loops (as much user code is), so a solve is mostly Python time."""

    def __init__(self, n: int, seed: int):
        self.a = [float(v) for v in np.random.default_rng(seed).uniform(-1, 1, n)]
        self.n = n
        i = np.arange(n)
        self.rows = np.concatenate([i, i[1:]])
        self.cols = np.concatenate([i, i[:-1]])

    def objective(self, x):
        s = 0.0
        for i in range(self.n):
            s += (x[i] - self.a[i]) ** 2
        for i in range(self.n - 1):
            s += 0.1 * (x[i + 1] - x[i] ** 2) ** 2
        return s

    def gradient(self, x):
        g = [2.0 * (x[i] - self.a[i]) for i in range(self.n)]
        for i in range(self.n - 1):
            r = 0.2 * (x[i + 1] - x[i] ** 2)
            g[i + 1] += r
            g[i] -= 2.0 * x[i] * r
        return np.array(g)

    def constraints(self, x):
        return np.array([sum(x[i] for i in range(self.n))])

    def jacobian(self, x):
        return np.ones(self.n)

    def hessianstructure(self):
        return self.rows, self.cols

    def hessian(self, x, lagrange, obj_factor):
        d = [2.0] * self.n
        off = [0.0] * (self.n - 1)
        for i in range(self.n - 1):
            r = x[i + 1] - x[i] ** 2
            d[i + 1] += 0.2
            d[i] += 0.2 * (6.0 * x[i] ** 2 - 2.0 * x[i + 1])
            off[i] = -0.4 * x[i]
        return obj_factor * np.array(d + off)


def chain_items():
    out = []
    for k in range(4):
        n = 20000
        p = ipax.Problem(n, n - 1, Chain(n, 0.01 * k), cl=np.ones(n - 1), cu=np.full(n - 1, 1e20))
        p.add_option("print_level", 0)
        out.append((p, np.zeros(n)))
    return out


def small_items():
    out = []
    for k in range(16):
        n = 400
        p = ipax.Problem(n, 1, Small(n, k), lb=np.full(n, -2.0), ub=np.full(n, 2.0), cl=[1.0], cu=[1.0])
        p.add_option("print_level", 0)
        out.append((p, np.zeros(n)))
    return out


class Timed:
    """Wraps a callbacks object and adds up the wall time spent inside its methods."""

    def __init__(self, inner, clock):
        self._inner = inner
        self._clock = clock
        for name in ("objective", "gradient", "constraints", "jacobian", "hessian"):
            if hasattr(inner, name):
                setattr(self, name, self._wrap(getattr(inner, name)))
        for name in ("jacobianstructure", "hessianstructure"):
            if hasattr(inner, name):
                setattr(self, name, getattr(inner, name))

    def _wrap(self, f):
        def g(*a):
            t = time.perf_counter()
            try:
                return f(*a)
            finally:
                self._clock[0] += time.perf_counter() - t

        return g


def callback_share(items) -> float:
    clock = [0.0]
    t0 = time.perf_counter()
    for p, x0 in items:
        q = ipax.Problem(p.n, p.m, Timed(p.problem_obj, clock), p.lb, p.ub, p.cl, p.cu)
        q.add_option("print_level", 0)
        q.solve(x0)
    return clock[0] / (time.perf_counter() - t0)


def best(f, repeat):
    """Best wall time of ``repeat`` runs, and the process CPU time / wall time of that run (above
    1 only if two threads computed at the same moment, i.e. the GIL was not held throughout)."""
    runs = []
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        out = f()
        wall = time.perf_counter() - t0
        runs.append((wall, (time.process_time() - c0) / wall))
        assert all(r.ok and r.success for r in out), [r.error for r in out if not r.ok]
    return min(runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--no-ray", action="store_true")
    a = ap.parse_args()
    workloads = {"rust-heavy (4 x n=20000)": chain_items, "callback-heavy (16 x n=400, Python-loop callbacks)": small_items}
    engines = {}
    if not a.no_dask:
        from distributed import Client, LocalCluster

        t0 = time.perf_counter()
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        engines["dask, 2 processes"] = (client, time.perf_counter() - t0)
    if not a.no_ray:
        import ray

        t0 = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        engines["ray, num_cpus=2"] = ("ray", time.perf_counter() - t0)
    for name, (_, startup) in engines.items():
        print(f"{name}: start-up {startup:.2f} s")
    for wname, make in workloads.items():
        items = make()
        share = callback_share(items)
        amdahl = 1.0 / (share + (1.0 - share) / 2.0)
        map_solve(items, max_workers=1)  # warm-up (imports, allocator)
        load = os.getloadavg()[0]
        t1, c1 = best(lambda: map_solve(items, max_workers=1), a.repeat)
        t2, c2 = best(lambda: map_solve(items, max_workers=2), a.repeat)
        print(f"{wname} [load average {load:.1f}]: Python callbacks {100 * share:.0f}% of serial wall time "
              f"(Amdahl bound on 2 cores {amdahl:.2f}x); threads: 1 -> {t1:.3f} s (CPU/wall {c1:.2f}), "
              f"2 -> {t2:.3f} s (CPU/wall {c2:.2f}), speed-up {t1 / t2:.2f}x")
        half = (len(items) + 1) // 2
        for ename, (client, _) in engines.items():
            map_solve(items, client)  # ship the code once
            te, _ = best(lambda: map_solve(items, client), a.repeat)
            tb, _ = best(lambda: map_solve(items, client, batch_size=half), a.repeat)
            print(f"    {ename}: {te:.3f} s, speed-up over 1 thread {t1 / te:.2f}x; "
                  f"batch_size={half} (one task per worker): {tb:.3f} s, {t1 / tb:.2f}x")


if __name__ == "__main__":
    main()
