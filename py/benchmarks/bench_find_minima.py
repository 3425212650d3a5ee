"""Measure ipax.find_minima: distinct minima found against local solves and time, per method.

Usage: python py/benchmarks/bench_find_minima.py [--quick] [--seeds 1 2 3] [--json out.json]

Problems (all with analytic gradient and Hessian):
* camel (2-D, 6 minima), himmelblau (2-D, 4 minima): target = all minima, budget 200 solves;
  reports the solves and time needed to certify all of them;
* rastrigin-n on [-0.5, 1.5]^n (2^n minima, global 0 at the origin), n = 2, 5, 10, 20, 50:
  target = all minima for n <= 5 (budget 600), a fixed budget of 100 solves for n >= 10
  (2^10 .. 2^50 minima: the count found in the budget is the measure);
* circle (constrained, 2-D): x^3 - 3xy^2 on x^2 + y^2 = 1, 3 minima;
* rastrigin-10 under sum(x) <= 3 (constrained, 10-D, LinearConstraint), budget 100.

A second table times multistart on rastrigin-50 with workers = 1 and 2 (the solver releases the
GIL). The numbers in py/docs/find_minima.md come from this script; times depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from scipy.optimize import LinearConstraint, NonlinearConstraint

import ipax

METHODS = ["multistart", "mlsl", "deflation", "tunneling", "flooding", "basinhopping"]


def camel(x):
    a, b = x
    return (4 - 2.1 * a**2 + a**4 / 3) * a**2 + a * b + (-4 + 4 * b**2) * b**2


def camel_grad(x):
    a, b = x
    return np.array([8 * a - 8.4 * a**3 + 2 * a**5 + b, a - 8 * b + 16 * b**3])


def camel_hess(x):
    a, b = x
    return np.array([[8 - 25.2 * a**2 + 10 * a**4, 1.0], [1.0, -8 + 48 * b**2]])


def himmelblau(x):
    a, b = x
    return (a**2 + b - 11) ** 2 + (a + b**2 - 7) ** 2


def himmelblau_grad(x):
    a, b = x
    return np.array([4 * a * (a**2 + b - 11) + 2 * (a + b**2 - 7), 2 * (a**2 + b - 11) + 4 * b * (a + b**2 - 7)])


def himmelblau_hess(x):
    a, b = x
    return np.array([[12 * a**2 + 4 * b - 42, 4 * (a + b)], [4 * (a + b), 4 * a + 12 * b**2 - 26]])


def rastrigin(x):
    return 10 * x.size + float(np.sum(x**2 - 10 * np.cos(2 * np.pi * x)))


def rastrigin_grad(x):
    return 2 * x + 20 * np.pi * np.sin(2 * np.pi * x)


def rastrigin_hess(x):
    return np.diag(2 + 40 * np.pi**2 * np.cos(2 * np.pi * x))


def tri(x):
    return x[0] ** 3 - 3 * x[0] * x[1] ** 2


def tri_grad(x):
    return np.array([3 * x[0] ** 2 - 3 * x[1] ** 2, -6 * x[0] * x[1]])


def tri_hess(x):
    return np.array([[6 * x[0], -6 * x[1]], [-6 * x[1], -6 * x[0]]])


def problems(quick: bool):
    circle = NonlinearConstraint(
        lambda x: x[0] ** 2 + x[1] ** 2, 1.0, 1.0, jac=lambda x: 2 * x[None, :], hess=lambda x, v: 2 * v[0] * np.eye(2)
    )
    out = [
        # name, n, fun, grad, hess, x0, bounds, constraints, expected (None = unknown/huge), fmin, budget
        ("camel", 2, camel, camel_grad, camel_hess, [0.5, 0.5], [(-3, 3), (-2, 2)], (), 6, -1.0316284534898774, 200),
        ("himmelblau", 2, himmelblau, himmelblau_grad, himmelblau_hess, [0.0, 0.0], [(-5, 5)] * 2, (), 4, 0.0, 200),
        ("circle (eq.)", 2, tri, tri_grad, tri_hess, [0.6, 0.5], [(-2, 2)] * 2, (circle,), 3, -1.0, 200),
    ]
    dims = [2, 5, 10] if quick else [2, 5, 10, 20, 50]
    for n in dims:
        expected = 2**n if n <= 5 else None
        # x0 = 0.6: the nearest minimum is (1, …, 1), f ≈ 0.995·n, so the global one must be found
        out.append((f"rastrigin-{n}", n, rastrigin, rastrigin_grad, rastrigin_hess, [0.6] * n, [(-0.5, 1.5)] * n, (), expected, 0.0, 600 if n <= 5 else 100))
    n = 10
    out.append(
        (f"rastrigin-{n}, sum(x)<=3", n, rastrigin, rastrigin_grad, rastrigin_hess, [0.6] * n, [(-0.5, 1.5)] * n,
         (LinearConstraint(np.ones((1, n)), -np.inf, 3.0),), None, 0.0, 100)
    )
    return out


def run_one(method, prob, seed, workers=1):
    name, n, fun, grad, hess, x0, bounds, cons, expected, fmin, budget = prob
    t = time.perf_counter()
    res = ipax.find_minima(
        fun, x0, method=method, jac=grad, hess=hess, bounds=bounds, constraints=cons, n_minima=expected,
        max_solves=budget, seed=seed, workers=workers,
    )
    dt = time.perf_counter() - t
    return {
        "problem": name, "n": n, "method": method, "seed": seed, "workers": workers, "expected": expected,
        "budget": budget, "found": len(res), "n_solves": res.n_solves, "time": dt, "best": res.fun,
        "global": bool(res.success and abs(res.fun - fmin) <= 1e-6), "status": res.status,
        "saddles": len(res.saddles), "failures": len(res.failures),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="dimensions up to 10 only")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--json", default=None, help="write every run to this file")
    ap.add_argument("--threads-only", action="store_true", help="only the workers = 1 / 2 timing")
    args = ap.parse_args()
    rows = []
    if not args.threads_only:
        rows += method_table(args)
    rows += threads_table()
    if args.json:
        with open(args.json, "w") as fh:
            fh.write("[\n" + ",\n".join(json.dumps(r) for r in rows) + "\n]\n")  # one run per line


def method_table(args):
    rows = []
    print("| problem | n | method | minima found (min–max) of | local solves | time [s] | best f | global found |")
    print("|---|---|---|---|---|---|---|---|")
    for prob in problems(args.quick):
        for method in METHODS:
            runs = [run_one(method, prob, s) for s in args.seeds]
            rows += runs
            found = np.median([r["found"] for r in runs])
            solves = np.median([r["n_solves"] for r in runs])
            tm = np.median([r["time"] for r in runs])
            glob = sum(r["global"] for r in runs)
            of = runs[0]["expected"] if runs[0]["expected"] is not None else f"budget {runs[0]['budget']}"
            lo_hi = f"{min(r['found'] for r in runs)}–{max(r['found'] for r in runs)}"
            best = np.median([r["best"] if r["best"] is not None else np.nan for r in runs])
            print(f"| {prob[0]} | {prob[1]} | {method} | {found:g} ({lo_hi}) of {of} | {solves:g} | {tm:.2f} | {best:.4g} | {glob}/{len(runs)} |", flush=True)
    return rows


def threads_table():
    """The same multistart run with 1 and 2 workers on rastrigin-50 (results identical; only the
    wall time differs). The Rust part of each solve runs with the GIL released, the Python
    callbacks (f, ∇f, ∇²f in numpy) hold it, so the gain is bounded by the Rust share."""
    rows = []
    print()
    print("| multistart | local solves | workers = 1 [s] | workers = 2 [s] | minima found (1 / 2) |")
    print("|---|---|---|---|---|")
    for n, budget in ((50, 100),):
        prob = (f"rastrigin-{n}", n, rastrigin, rastrigin_grad, rastrigin_hess, [0.6] * n, [(-0.5, 1.5)] * n, (), None, 0.0, budget)
        r1 = run_one("multistart", prob, 1, workers=1)
        r2 = run_one("multistart", prob, 1, workers=2)
        rows += [r1, r2]
        print(f"| rastrigin-{n} | {budget} | {r1['time']:.2f} | {r2['time']:.2f} | {r1['found']} / {r2['found']} |", flush=True)
    return rows


if __name__ == "__main__":
    main()
