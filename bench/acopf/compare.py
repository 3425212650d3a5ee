#!/usr/bin/env python3
"""Side-by-side on the AC-OPF .nl files of ``make_models.py``: ipax, Ipopt and POUNCE.

For every case and solver, one child process:

* **ipax**: ``target/release/ipax MODEL.nl tol=… max_iter=… max_wall_time=… --json -o SOL``;
  status, iterations and ipax's own solve time from the JSON line, x from the .sol file.
* **Ipopt** 3.14.19 (MUMPS) through CasADi 3.8.2: ``NlpBuilder.import_nl`` on a copy of the .nl without
  Pyomo's ``#`` comments (CasADi's reader rejects them), exact Hessian by CasADi's AD, the same
  tol/max_iter/max_wall_time; the "solve" time is the nlpsol call (Ipopt plus CasADi's function
  evaluations), the expression graph and nlpsol construction excluded.
* **POUNCE** (``pounce-solver``'s CLI reads .nl): ``pounce MODEL.nl SOL key=value
  --json-output REPORT``.

Every child is a whole process with a hard kill at ``1.2·wall + 60`` s; "process s" is its wall
time (reading the model, building, solving, writing). All get OMP/BLAS threads pinned to 1.

One evaluator for all: the Pyomo model of ``acopf_model.py`` is rebuilt from the case data, each
solver's x is loaded by the .col names, and the *unscaled* violation of every constraint and
every variable bound is computed (max over the model and per constraint family); the objective
is re-evaluated there too. Logs (print_level 5) go to ``MODELS/logs/<OUT name>/``.

Results accumulate in ``OUT.json`` (one record per case and solver; a rerun replaces the
record) and the table is rewritten to ``OUT.md``. Run the big cases one at a time.

Usage:
    cargo build --release --bin ipax
    /work/venv/bin/python bench/acopf/compare.py --cases case9,case30,case118 [--models /work/opf]
        [--solvers ipax,ipopt,pounce] [--wall 600] [--tol 1e-8] [--max-iter 3000]
        [--out bench/results/acopf] [--ipax target/release/ipax] [--ipax-option key=value ...]
    /work/venv/bin/python bench/acopf/compare.py --merge other_run.json [--out bench/results/acopf]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

SOLVERS = ("ipax", "ipopt", "pounce")


def read_sol(path: Path) -> tuple[list[float], int | None, str]:
    """x, solve_result_num and message of an AMPL .sol file (ASL's text format)."""
    lines = path.read_text().split("\n")
    k = 0
    msg = []
    while lines[k].strip() != "Options":
        if lines[k].strip():
            msg.append(lines[k].strip())
        k += 1
    nopts = int(lines[k + 1])
    k += 2
    vbtol = nopts > 4  # ASL writes two extra option slots and a vbtol line in that case
    if vbtol:
        nopts -= 2
    z = [int(lines[k + i]) for i in range(nopts + 4)]
    k += nopts + 4 + (1 if vbtol else 0)
    m, n = z[nopts + 1], z[nopts + 3]
    k += m
    x = [float(v) for v in lines[k:k + n]]
    k += n
    code = None
    if k < len(lines) and lines[k].startswith("objno"):
        code = int(lines[k].split()[2])
    return x, code, "; ".join(msg)


def load_average() -> float:
    return os.getloadavg()[0]


def run_child(cmd: list[str], log: Path, limit: float, env=None) -> tuple[float, int | None, str]:
    """Run ``cmd`` with stdout+stderr to ``log``; (wall seconds, return code or None if killed, tail)."""
    t0 = time.perf_counter()
    with open(log, "w") as f:
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)
        try:
            rc = p.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            rc = None
    wall = time.perf_counter() - t0
    tail = log.read_text(errors="replace")[-2000:]
    return wall, rc, tail


def last_iteration(log: Path) -> int | None:
    """The last iteration number printed in a solver log (for runs killed before reporting)."""
    last = None
    for line in log.read_text(errors="replace").splitlines():
        m = re.match(r"\s*(\d+)r?\s+[-+]?\d", line)
        if m:
            last = int(m.group(1))
    return last


def failed_record(rec: dict, rc: int | None, tail: str, log: Path) -> dict:
    rec["status"] = "killed" if rc is None else f"failed (rc {rc})"
    rec["error"] = tail[-400:]
    rec["iterations_logged"] = last_iteration(log)
    return rec


def solve_ipax(nl: Path, work: Path, logs: Path, args) -> dict:
    sol = work / f"{nl.stem}.ipax.sol"
    sol.unlink(missing_ok=True)
    cmd = [str(args.ipax), str(nl), f"tol={args.tol}", f"max_iter={args.max_iter}",
           f"max_wall_time={args.wall}", *args.ipax_option, "--json", "-o", str(sol)]
    log = logs / f"{nl.stem}.ipax.log"
    wall, rc, tail = run_child(cmd, log, 1.2 * args.wall + 60)
    rec = {"process_s": wall, "command": " ".join(cmd[1:])}
    js = [ln for ln in log.read_text(errors="replace").splitlines() if ln.startswith('{"model"')]
    if rc is None or not js or not sol.exists():
        return failed_record(rec, rc, tail, log)
    d = json.loads(js[-1])
    rec.update(status=d["status"], iterations=d["iterations"], objective=d["objective"], solve_s=d["time"])
    rec["x"], rec["solve_result_num"], _ = read_sol(sol)
    return rec


def solve_pounce(nl: Path, work: Path, logs: Path, args) -> dict:
    sol = work / f"{nl.stem}.pounce.sol"
    rep = work / f"{nl.stem}.pounce.json"
    sol.unlink(missing_ok=True)
    rep.unlink(missing_ok=True)
    exe = shutil.which("pounce") or str(Path(sys.executable).parent / "pounce")
    cmd = [exe, str(nl), str(sol), f"tol={args.tol}", f"max_iter={args.max_iter}",
           f"max_wall_time={args.wall}", "--json-output", str(rep)]
    log = logs / f"{nl.stem}.pounce.log"
    wall, rc, tail = run_child(cmd, log, 1.2 * args.wall + 60)
    rec = {"process_s": wall}
    if rc is None or not rep.exists() or not sol.exists():
        return failed_record(rec, rc, tail, log)
    d = json.loads(rep.read_text())
    st = d["statistics"]
    rec.update(status=d["solution"]["status"], iterations=st["iteration_count"],
               objective=d["solution"]["objective"], solve_s=st["total_wallclock_time_secs"])
    rec["x"], rec["solve_result_num"], _ = read_sol(sol)
    return rec


def solve_ipopt(nl: Path, work: Path, logs: Path, args) -> dict:
    out = work / f"{nl.stem}.ipopt.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--ipopt-child", str(nl), str(out),
           "--tol", str(args.tol), "--max-iter", str(args.max_iter), "--wall", str(args.wall)]
    log = logs / f"{nl.stem}.ipopt.log"
    wall, rc, tail = run_child(cmd, log, 1.2 * args.wall + 120)
    rec = {"process_s": wall}
    if rc is None or not out.exists():
        return failed_record(rec, rc, tail, log)
    rec.update(json.loads(out.read_text()))
    return rec


def ipopt_child(nl: Path, out: Path, tol: float, max_iter: int, wall: float) -> None:
    """In a child process: Ipopt (CasADi) on ``nl``; writes status, iterations, objective, x."""
    import casadi as ca

    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / nl.name
        # Pyomo's symbolic labels are '#' comments at line ends; CasADi's reader rejects them.
        with open(nl) as src, open(plain, "w") as dst:
            for line in src:
                dst.write(line.split("#", 1)[0].rstrip() + "\n")
        t0 = time.perf_counter()
        b = ca.NlpBuilder()
        b.import_nl(str(plain))
    nlp = {"x": ca.vertcat(*b.x), "f": b.f, "g": ca.vertcat(*b.g)}
    opts = {"ipopt.tol": tol, "ipopt.max_iter": max_iter, "ipopt.max_wall_time": wall,
            "ipopt.print_level": 5, "print_time": False, "ipopt.sb": "yes"}
    s = ca.nlpsol("ipopt", "ipopt", nlp, opts)
    t1 = time.perf_counter()
    r = s(x0=b.x_init, lbx=b.x_lb, ubx=b.x_ub, lbg=b.g_lb, ubg=b.g_ub)
    t2 = time.perf_counter()
    st = s.stats()
    json.dump({"status": st["return_status"], "iterations": st["iter_count"], "objective": float(r["f"]),
               "solve_s": t2 - t1, "build_s": t1 - t0, "x": [float(v) for v in r["x"].full().ravel()]},
              open(out, "w"))


def evaluate(case: str, models: Path, recs: dict) -> None:
    """Violations and objective of every record's x on the case's Pyomo model (in place)."""
    import pyomo.environ as pyo
    from acopf_model import build_model, read_case, violations

    m = build_model(read_case(case))
    names = (models / f"{case}.col").read_text().split()
    for rec in recs.values():
        x = rec.pop("x", None)
        if x is None:
            continue
        v = violations(m, names, x)
        rec["violation"] = v["overall"]["max"]
        rec["violation_at"] = v["overall"]["at"]
        rec["violation_by_family"] = {k: d["max"] for k, d in v.items() if k != "overall"}
        rec["objective_eval"] = pyo.value(m.cost)


SUCCESS = {"Optimal", "Solve_Succeeded", "SolveSucceeded"}


def fmt_time(s) -> str:
    if s is None:
        return "-"
    return f"{s:.2f}" if s < 100 else f"{s:.0f}"


def iters(r: dict) -> str:
    if "iterations" in r:
        return str(r["iterations"])
    if r.get("iterations_logged") is not None:
        return f"≥{r['iterations_logged']} (log)"
    return "-"


def write_table(results: dict, out: Path, meta: dict) -> None:
    order = sorted(results, key=lambda c: results[c].get("info", {}).get("buses", 0))
    lines = [
        "# AC optimal power flow: ipax, Ipopt and POUNCE on the same .nl files",
        "",
        f"Generated by `bench/acopf/compare.py` (see `bench/README.md`, AC-OPF section). "
        f"tol = {meta['tol']}, max_iter = {meta['max_iter']}, wall limit per solve as listed in the JSON. "
        "`solve s`: the solver's own time (ipax: `SolveResult::timings.total`; Ipopt: the CasADi nlpsol call; "
        "POUNCE: `total_wallclock_time_secs`); `process s`: the whole child process (ipax/POUNCE: read .nl, "
        "solve, write .sol; Ipopt: Python + CasADi import of the .nl + building the AD graph + solve). "
        "`viol.`: the unscaled max violation over every constraint and variable bound of the Pyomo model, "
        "evaluated at the returned x by one evaluator; `objective` is re-evaluated there. `load`: 1-minute "
        "load average when the solve started (2 cores, shared machine).",
        "",
        "| case | buses | n | m | solver | status | iter | objective | viol. | worst at | solve s | process s | load |",
        "|---|---:|---:|---:|---|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for case in order:
        info = results[case].get("info", {})
        for solver in SOLVERS:
            r = results[case].get(solver)
            if r is None:
                continue
            st = r.get("status", "-")
            st_md = st if st in SUCCESS else f"**{st}**"
            obj = r.get("objective_eval", r.get("objective"))
            viol = r.get("violation")
            lines.append(
                f"| {case} | {info.get('buses', '-')} | {info.get('n', '-')} | {info.get('m', '-')} | {solver} | {st_md} | "
                f"{iters(r)} | {'-' if obj is None else f'{obj:.8g}'} | "
                f"{'-' if viol is None else f'{viol:.1e}'} | {r.get('violation_at', '-')} | "
                f"{fmt_time(r.get('solve_s'))} | {fmt_time(r.get('process_s'))} | {r.get('load', 0):.1f} |"
            )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


def model_info(nl: Path) -> dict:
    with open(nl) as f:
        f.readline()
        h = f.readline().split()
    info = {"n": int(h[0]), "m": int(h[1])}
    col = nl.with_suffix(".col")
    if col.exists():
        info["buses"] = sum(1 for ln in col.read_text().split() if ln.startswith("vm["))
    return info


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ipopt-child", nargs=2, metavar=("NL", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--models", type=Path, default=Path("/work/opf"))
    ap.add_argument("--cases", required=False, help="comma-separated case names (files MODELS/NAME.nl)")
    ap.add_argument("--solvers", default=",".join(SOLVERS))
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--max-iter", type=int, default=3000)
    ap.add_argument("--wall", type=float, default=600.0, help="max_wall_time for every solver (s)")
    ap.add_argument("--out", type=Path, default=REPO / "bench/results/acopf")
    ap.add_argument("--ipax", type=Path, default=REPO / "target/release/ipax")
    ap.add_argument("--ipax-option", action="append", default=[], help="extra key=value for ipax")
    ap.add_argument("--merge", nargs="+", type=Path, metavar="JSON",
                    help="only merge these result files into OUT.json (later records replace earlier ones) and rewrite OUT.md")
    args = ap.parse_args()
    if args.merge:
        out_json = args.out.with_suffix(".json")
        results = json.loads(out_json.read_text()) if out_json.exists() else {}
        for f in args.merge:
            for case, entry in json.loads(f.read_text()).items():
                results.setdefault(case, {}).update(entry)
        for case, entry in results.items():
            for solver in SOLVERS:
                rec = entry.get(solver)
                log = args.models / "logs" / args.out.name / f"{case}.{solver}.log"
                if rec and "iterations" not in rec and rec.get("iterations_logged") is None and log.exists():
                    rec["iterations_logged"] = last_iteration(log)
        out_json.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
        write_table(results, args.out, {"tol": args.tol, "max_iter": args.max_iter})
        return 0
    if args.ipopt_child:
        ipopt_child(Path(args.ipopt_child[0]), Path(args.ipopt_child[1]), args.tol, args.max_iter, args.wall)
        return 0
    if not args.cases:
        ap.error("--cases is required")
    solvers = args.solvers.split(",")
    for s in solvers:
        if s not in SOLVERS:
            ap.error(f"unknown solver {s} (one of {', '.join(SOLVERS)})")
    out_json = args.out.with_suffix(".json")
    results = json.loads(out_json.read_text()) if out_json.exists() else {}
    # One log directory per result file: runs writing different OUT files (e.g. different ipax
    # binaries on the same models) must not overwrite each other's logs.
    logs = args.models / "logs" / args.out.name
    logs.mkdir(parents=True, exist_ok=True)
    runners = {"ipax": solve_ipax, "ipopt": solve_ipopt, "pounce": solve_pounce}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for case in args.cases.split(","):
            nl = args.models / f"{case}.nl"
            if not nl.exists():
                print(f"{case}: no {nl} (run make_models.py)", file=sys.stderr)
                return 2
            recs = {}
            for s in solvers:
                load = load_average()
                rec = runners[s](nl, work, logs, args)
                rec["load"] = load
                rec["wall_limit"] = args.wall
                recs[s] = rec
                print(f"{case} {s}: {rec.get('status')} it={rec.get('iterations')} obj={rec.get('objective')} "
                      f"solve={rec.get('solve_s')} process={rec['process_s']:.2f} load={load:.1f}", flush=True)
            evaluate(case, args.models, recs)
            for s, rec in recs.items():
                if "violation" in rec:
                    print(f"{case} {s}: violation {rec['violation']:.2e} at {rec['violation_at']}", flush=True)
            entry = results.setdefault(case, {})
            entry["info"] = model_info(nl)
            entry.update(recs)
            out_json.parent.mkdir(parents=True, exist_ok=True)
            out_json.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
            write_table(results, args.out, {"tol": args.tol, "max_iter": args.max_iter})
    return 0


if __name__ == "__main__":
    sys.exit(main())
