#!/usr/bin/env python3
"""CasADi SX evaluation cost of the same .nl models, per kind (f, ∇f, c, J, ∇²L), next to ipax's
criterion bench ``bench/benches/nl_eval.rs`` (issue 20, item 2).

The model is read with ``NlpBuilder().import_nl`` (as the side-by-side harness gives it to Ipopt)
and the five functions are built the way ``nlpsol`` builds them for Ipopt: ``f``, ``gradient(f)``,
``g``, ``jacobian(g)`` (sparse) and the lower triangle of ``hessian(σf + λᵀg)``. Each is timed over
repeated calls at the point and multipliers of the Rust bench (x0 + 0.1·sin(0.37 j) clipped to the
bounds; λᵢ = 1/(1 + i mod 7)); inputs are CasADi DMs converted once, so the times are CasADi's
evaluation plus its per-call output allocation, without numpy conversions. Reported: median of
``--repeat`` timings of ``--calls`` calls each.

Usage:
    /work/venv/bin/python bench/nl_side_by_side/casadi_eval.py [--models /tmp/ipax_nl_side_by_side]
        [--families vanderpol,elliptic_control] [--size 100000] [--repeat 7] [--calls 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import casadi as ca  # noqa: E402
import numpy as np  # noqa: E402


def timed(fn, args, repeat: int, calls: int) -> float:
    fn.call(args)  # warm-up (allocations, first-call setup)
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn.call(args)
        samples.append((time.perf_counter() - t0) / calls)
    return statistics.median(samples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, default=Path("/tmp/ipax_nl_side_by_side"))
    ap.add_argument("--families", default="vanderpol,elliptic_control")
    ap.add_argument("--size", default="100000")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--calls", type=int, default=5)
    args = ap.parse_args()
    print("| model | kind | CasADi SX time per call |")
    print("|---|---|---:|")
    for fam in args.families.split(","):
        nl = args.models / f"{fam}_{args.size}.nl"
        t0 = time.perf_counter()
        b = ca.NlpBuilder()
        b.import_nl(str(nl))
        t_import = time.perf_counter() - t0
        t0 = time.perf_counter()
        # The imported graph is MX; expanding it gives the SX graph nlpsol uses with expand=True.
        xm = ca.vertcat(*b.x)
        fg = ca.Function("fg", [xm], [b.f, ca.vertcat(*b.g)]).expand()
        n = xm.numel()
        x = ca.SX.sym("x", n)
        f, g = fg(x)
        m = g.numel()
        sigma = ca.SX.sym("sigma")
        lam = ca.SX.sym("lam", m)
        funcs = {
            "f": ca.Function("f", [x], [f]),
            "grad": ca.Function("grad_f", [x], [ca.gradient(f, x)]),
            "c": ca.Function("c", [x], [g]),
            "jac": ca.Function("jac_g", [x], [ca.jacobian(g, x)]),
            "hess": ca.Function("hess_l", [x, sigma, lam], [ca.tril(ca.hessian(sigma * f + ca.dot(lam, g), x)[0])]),
        }
        t_build = time.perf_counter() - t0
        x0 = np.asarray(b.x_init, dtype=float)
        lo, hi = np.asarray(b.x_lb, dtype=float), np.asarray(b.x_ub, dtype=float)
        xp = np.clip(x0 + 0.1 * np.sin(np.arange(n) * 0.37), lo, hi)
        lp = 1.0 / (1.0 + (np.arange(m) % 7))
        X, S, L = ca.DM(xp), ca.DM(1.0), ca.DM(lp)
        print(f"| {fam} (n={n}, m={m}) | import_nl | {t_import * 1e3:.1f} ms |")
        print(f"| {fam} | expand to SX, build functions | {t_build * 1e3:.1f} ms |")
        for kind, fn in funcs.items():
            a = [X, S, L] if kind == "hess" else [X]
            t = timed(fn, a, args.repeat, args.calls)
            print(f"| {fam} | {kind} | {t * 1e3:.3f} ms |", flush=True)


if __name__ == "__main__":
    main()
