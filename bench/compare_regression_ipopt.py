#!/usr/bin/env python3
"""ipax against Ipopt on the regression set of ``ipax-testing`` (issue 16 item 6), side by side.

Every problem of ``ipax_testing::regression`` (the registry's fixed-size problems plus the
regression modules: Hock–Schittkowski, Moré–Garbow–Hillstrom, equation systems with m ≥ n,
degenerate/MPCC-like and bound-constrained problems) is exposed by ``ipax._ipax.regression_problem``
with cyipopt's callback protocol (exact gradient, Jacobian and Hessian, fixed sparsity). The *same*
object is handed to

* Ipopt 3.14 through ``cyipopt`` (the ``cyipopt-wheels`` build), and
* ipax through its cyipopt drop-in ``ipax.Problem``: once with its default options and once with
  ``kkt_route=augmented`` (the route issue 16 item 2 proposes as the small-problem default),

all from the problem's standard starting point with ``tol = 1e-8`` and ``max_iter = 3000``.

A run *solves* a problem when it reports success (Ipopt status 0/1, ipax Optimal/Acceptable), the
returned ``x`` violates the original bounds and constraints by at most 1e-6 relative (each
violation divided by ``max(1, |bound|)``, computed here from the callbacks), and the objective
matches the published ``f*`` to the oracle's accuracy (1e-6 relative to ``max(1, |f*|)`` unless
documented otherwise) or a documented other local minimum. Problems expected infeasible/unbounded
are solved when the status says so.

Iterations: Ipopt's last ``iter_count`` seen by the intermediate callback; ipax's ``iterations``.

Usage (from the repository root, with ``ipax`` importable, e.g. a wheel built by
``maturin build --profile dev`` in ``py/`` and installed in a virtualenv that has cyipopt)::

    python bench/compare_regression_ipopt.py [--out bench/results/regression_ipopt.md] [NAME ...]
"""

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

import cyipopt
import ipax
from ipax import _ipax

REPO = Path(__file__).resolve().parents[1]
TOL = 1e-8
MAX_ITER = 3000
VIOL_TOL = 1e-6

IPOPT_SUCCESS = {0: "Optimal", 1: "Acceptable"}
IPOPT_STATUS = {
    0: "Optimal", 1: "Acceptable", 2: "Infeasible", 3: "SearchDirectionTooSmall", 4: "Diverging",
    5: "UserStop", 6: "FeasiblePointFound", -1: "MaxIterations", -2: "RestorationFailed",
    -3: "ErrorInStepComputation", -4: "MaxCpuTime", -10: "NotEnoughDegreesOfFreedom",
    -11: "InvalidProblem", -12: "InvalidOption", -13: "InvalidNumber", -100: "Unrecoverable",
    -199: "InternalError",
}
IPAX_STATUS = {
    0: "Optimal", 1: "Acceptable", 2: "Infeasible", 3: "SearchDirectionTooSmall", 4: "Diverging",
    5: "UserStop", -1: "MaxIterations", -2: "RestorationFailed", -3: "LinearSolverFailure",
    -4: "MaxWallTime", -11: "InvalidProblem", -13: "EvaluationError",
}


class Callbacks:
    """cyipopt's problem protocol over a ``RegressionProblem``, recording the iteration count.

    A failed evaluation (``ValueError``: e.g. an overflow to a non-finite value) is re-raised as the
    solver's *recoverable* evaluation error (``cyipopt.CyIpoptEvaluationError`` or
    ``ipax.EvaluationError``), so both solvers back off in the line search as Ipopt does for
    invalid numbers, instead of aborting.
    """

    def __init__(self, rp, eval_error):
        self.rp = rp
        self.eval_error = eval_error
        self.iters = 0

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except ValueError as e:
            raise self.eval_error(str(e)) from e

    def objective(self, x):
        return self._call(self.rp.objective, list(x))

    def gradient(self, x):
        return self._call(self.rp.gradient, list(x))

    def constraints(self, x):
        return self._call(self.rp.constraints, list(x))

    def jacobianstructure(self):
        r, c = self.rp.jacobianstructure()
        return np.asarray(r, dtype=int), np.asarray(c, dtype=int)

    def jacobian(self, x):
        return self._call(self.rp.jacobian, list(x))

    def hessianstructure(self):
        r, c = self.rp.hessianstructure()
        return np.asarray(r, dtype=int), np.asarray(c, dtype=int)

    def hessian(self, x, lagrange, obj_factor):
        return self._call(self.rp.hessian, list(x), list(lagrange), float(obj_factor))

    def intermediate(self, *args):
        # cyipopt passes (alg_mod, iter_count, ...); ipax.Problem passes (stats, iterate).
        if len(args) > 2 and isinstance(args[1], (int, np.integer)):
            self.iters = int(args[1])
        return True


def _excess(v, lo, hi):
    below = np.where(np.isfinite(lo), (lo - v) / np.maximum(1.0, np.abs(lo)), 0.0)
    above = np.where(np.isfinite(hi), (v - hi) / np.maximum(1.0, np.abs(hi)), 0.0)
    return below, above


def violation(rp, x):
    """Largest violation of the original bounds and constraints, each over max(1, |bound|)."""
    x = np.asarray(x, dtype=float)
    if x.shape != (rp.n,) or not np.all(np.isfinite(x)):
        return math.inf
    try:
        c = np.asarray(rp.constraints(list(x)), dtype=float) if rp.m else np.zeros(0)
    except ValueError:
        return math.inf
    worst = 0.0
    for v, lo, hi in [(x, rp.lb, rp.ub), (c, rp.cl, rp.cu)]:
        lo, hi = np.asarray(lo), np.asarray(hi)
        with np.errstate(invalid="ignore"):  # inf bounds: both np.where branches are evaluated
            below, above = _excess(v, lo, hi)
        if v.size:
            worst = max(worst, float(np.max(below)), float(np.max(above)))
    return max(worst, 0.0)


def objective_matches(rp, f):
    if rp.f_star is None:
        return True
    targets = [rp.f_star] + list(rp.other_local_minima)
    return any(abs(f - g) <= rp.f_rel_tol * max(1.0, abs(g)) for g in targets)


def judge(rp, success, status, f, viol):
    if rp.expected == "infeasible":
        return status == "Infeasible"
    if rp.expected == "unbounded":
        return status in ("Diverging", "Unbounded")
    return success and viol <= VIOL_TOL and objective_matches(rp, f)


def run_ipopt(rp):
    cb = Callbacks(rp, cyipopt.CyIpoptEvaluationError)
    nlp = cyipopt.Problem(n=rp.n, m=rp.m, problem_obj=cb, lb=rp.lb, ub=rp.ub,
                          cl=rp.cl if rp.m else [], cu=rp.cu if rp.m else [])
    for k, v in (("tol", TOL), ("max_iter", MAX_ITER), ("print_level", 0), ("sb", "yes")):
        nlp.add_option(k, v)
    t = time.perf_counter()
    x, info = nlp.solve(np.asarray(rp.x0, dtype=float))
    dt = time.perf_counter() - t
    code = int(info["status"])
    status = IPOPT_STATUS.get(code, str(code))
    return dict(status=status, success=code in IPOPT_SUCCESS, iters=cb.iters, f=float(info["obj_val"]),
                viol=violation(rp, x), time=dt)


def run_ipax(rp, options):
    cb = Callbacks(rp, ipax.EvaluationError)
    nlp = ipax.Problem(n=rp.n, m=rp.m, problem_obj=cb, lb=rp.lb, ub=rp.ub,
                       cl=rp.cl if rp.m else None, cu=rp.cu if rp.m else None)
    for k, v in (("tol", TOL), ("max_iter", MAX_ITER), ("print_level", 0)) + tuple(options.items()):
        nlp.add_option(k, v)
    t = time.perf_counter()
    x, info = nlp.solve(np.asarray(rp.x0, dtype=float))
    dt = time.perf_counter() - t
    code = int(info["status"])
    status = IPAX_STATUS.get(code, str(code))
    return dict(status=status, success=code in (0, 1), iters=int(info.get("iterations", -1)),
                f=float(info["obj_val"]), viol=violation(rp, x), time=dt)


def cell(r):
    mark = "✓" if r["ok"] else "✗"
    return f"{mark} {r['status']} {r['iters']} | {r['f']:.10g} ({r['viol']:.0e})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "regression_ipopt.md"))
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    names = args.names or list(_ipax.regression_names())
    runs = {"ipopt": {}, "ipax": {}, "ipax_aug": {}}
    for name in names:
        rp = _ipax.regression_problem(name)
        for key, fn in (("ipopt", run_ipopt), ("ipax", lambda p: run_ipax(p, {})),
                        ("ipax_aug", lambda p: run_ipax(p, {"kkt_route": "augmented"}))):
            try:
                r = fn(rp)
            except Exception as e:  # a crash is a result too; record it
                r = dict(status=f"error: {type(e).__name__}", success=False, iters=-1, f=math.nan,
                         viol=math.inf, time=0.0)
            r["ok"] = judge(rp, r["success"], r["status"], r["f"], r["viol"])
            runs[key][name] = r
        print(f"{name:28s} ipopt {cell(runs['ipopt'][name]):40s} ipax {cell(runs['ipax'][name]):40s} "
              f"aug {cell(runs['ipax_aug'][name])}", file=sys.stderr)

    def solved(key):
        return {n for n in names if runs[key][n]["ok"]}

    s_ip, s_ax, s_aug = solved("ipopt"), solved("ipax"), solved("ipax_aug")
    lines = [
        "# Regression set: ipax against Ipopt",
        "",
        f"{len(names)} problems of `ipax_testing::regression` (the registry's fixed-size problems plus",
        "the regression modules), each solved from its standard starting point with `tol = 1e-8`,",
        "`max_iter = 3000`, exact derivatives, by Ipopt 3.14 (cyipopt-wheels) and by ipax through",
        "`ipax.Problem` (default options, and `kkt_route=augmented`). Generated by",
        "`bench/compare_regression_ipopt.py`; a cell is `✓/✗ status iterations | f (violation)`. ✓ = success status,",
        "original-constraint violation ≤ 1e-6 relative and f = f* (or a documented local minimum) to the",
        "oracle's accuracy; for problems expected infeasible/unbounded, that status.",
        "",
        f"- Ipopt solves **{len(s_ip)}**, ipax (default) **{len(s_ax)}**, ipax (augmented) **{len(s_aug)}**"
        f" of {len(names)}.",
        f"- Solved by Ipopt but not by ipax (default): {', '.join(sorted(s_ip - s_ax)) or 'none'}.",
        f"- Solved by Ipopt but not by ipax (augmented): {', '.join(sorted(s_ip - s_aug)) or 'none'}.",
        f"- Solved by ipax (default) but not by Ipopt: {', '.join(sorted(s_ax - s_ip)) or 'none'}.",
        f"- Successes while infeasible (> 1e-6): Ipopt "
        f"{sum(1 for n in names if runs['ipopt'][n]['success'] and runs['ipopt'][n]['viol'] > VIOL_TOL)}, ipax "
        f"{sum(1 for n in names if runs['ipax'][n]['success'] and runs['ipax'][n]['viol'] > VIOL_TOL)}, ipax (augmented) "
        f"{sum(1 for n in names if runs['ipax_aug'][n]['success'] and runs['ipax_aug'][n]['viol'] > VIOL_TOL)}.",
    ]
    both = sorted(s_ip & s_ax & s_aug)
    if both:
        it = {k: sum(runs[k][n]["iters"] for n in both) for k in runs}
        lines.append(f"- Iterations summed over the {len(both)} problems all three solve: Ipopt {it['ipopt']}, "
                     f"ipax {it['ipax']}, ipax (augmented) {it['ipax_aug']}.")
    lines += ["", "| problem | n | m | f* | Ipopt | f (viol) | ipax | f (viol) | ipax augmented | f (viol) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name in names:
        rp = _ipax.regression_problem(name)
        fs = "—" if rp.f_star is None else f"{rp.f_star:.8g}"
        lines.append(f"| {name} | {rp.n} | {rp.m} | {fs} | {cell(runs['ipopt'][name])} | "
                     f"{cell(runs['ipax'][name])} | {cell(runs['ipax_aug'][name])} |")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:16]))


if __name__ == "__main__":
    main()
