#!/usr/bin/env python3
"""The honest side-by-side: ipax and Ipopt on identical Pyomo-written .nl files (issue 20, item 1).

1. **Models.** Each family of ``families.py`` (the formulations of ``testing/src/families/*.rs``) is
   built in Pyomo and written to ``MODELS/<family>_<n>.nl`` with Pyomo's own NL writer, without
   symbolic labels (so the file has no ``#`` comments and both solvers read the very same bytes).
   The writer reorders variables (nonlinear ones first); the order is taken from Pyomo's symbol map
   and kept in ``<family>_<n>.order.json`` (.nl index → natural index). Existing files are reused.
2. **Solves**, each in its own child process, OMP/BLAS threads pinned to 1, in alternating rounds
   (round r runs ipax first when r is even, Ipopt first when r is odd), ``tol`` the same for both:

   * **ipax**: ``target/release/ipax MODEL.nl tol=… print_level=0 --json -o SOL``, timed as the
     whole process (start, read and parse the file, set up AD, solve, write the .sol);
   * **Ipopt** 3.14 + MUMPS through CasADi: ``NlpBuilder().import_nl(MODEL.nl)`` and ``nlpsol``
     with ``expand=True`` (the imported graph is MX; expanded to SX, CasADi's evaluations are about
     5x cheaper: vanderpol at n = 1e4 solves in 0.17 s instead of 0.85 s), exact Hessian from
     CasADi's AD, timed as the solve call alone (Ipopt plus CasADi's evaluations; importing the file,
     expanding and building the derivative functions are excluded and reported as ``import s``).

   So the ratio ``ipax process / Ipopt solve`` charges ipax for everything an AMPL/Pyomo user pays
   and Ipopt only for its solve: it favours Ipopt.
3. **Checks.** Every returned x, mapped back to the natural order, goes through one evaluator
   (``Family.evaluate``: numpy code written from the Rust sources): objective and the largest
   violation of any bound or constraint side. The table shows both and the relative objective
   difference between the two solvers.

Results: ``OUT.json`` (every round's record) and ``OUT.md`` (medians, ratios, geometric means).

Usage:
    cargo build --release --bin ipax
    /work/venv/bin/python bench/nl_side_by_side/run.py --sizes 1e4,1e5 --rounds 3 \
        [--families ext_rosenbrock,elliptic_control,vanderpol,obstacle,disk_chain] \
        [--models /tmp/ipax_nl_side_by_side] [--out bench/results/nl_side_by_side] \
        [--ipax target/release/ipax] [--tol 1e-8] [--wall 600] [--ipax-option key=value ...]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

SUCCESS = {"Optimal", "Solve_Succeeded"}


def write_model(name: str, n: int, models: Path) -> tuple[Path, list[int]]:
    """Write (or reuse) the .nl of family ``name`` near ``n`` variables; returns path and order."""
    from families import Family, size_parameter

    fam = Family(name, size_parameter(name, n))
    nl = models / f"{name}_{n}.nl"
    order_file = nl.with_suffix(".order.json")
    if nl.exists() and order_file.exists():
        return nl, json.loads(order_file.read_text())
    models.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    m = fam.pyomo()
    _, smap_id = m.write(str(nl), format="nl", io_options={"symbolic_solver_labels": False})
    smap = m.solutions.symbol_map[smap_id]
    index = {id(m.x[k]): k for k in range(fam.nv)}
    order = [-1] * fam.nv
    for sym, obj in smap.bySymbol.items():
        if sym.startswith("v"):
            obj = obj() if callable(obj) and not hasattr(obj, "is_variable_type") else obj
            order[int(sym[1:])] = index[id(obj)]
    if -1 in order:
        raise RuntimeError(f"{nl}: Pyomo's symbol map misses variables")
    order_file.write_text(json.dumps(order))
    print(f"wrote {nl} ({nl.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    return nl, order


def read_sol_x(path: Path, nvars: int) -> list[float]:
    """x of an AMPL .sol file in .nl order (the last ``nvars`` lines before the ``objno`` line)."""
    lines = path.read_text().split("\n")
    k = next(i for i, ln in enumerate(lines) if ln.startswith("objno")) if any(
        ln.startswith("objno") for ln in lines) else len(lines)
    while k > 0 and not lines[k - 1].strip():
        k -= 1
    return [float(v) for v in lines[k - nvars:k]]


def run_ipax(nl: Path, nvars: int, work: Path, args) -> dict:
    sol = work / f"{nl.stem}.ipax.sol"
    sol.unlink(missing_ok=True)
    cmd = [str(args.ipax), str(nl), f"tol={args.tol}", f"max_wall_time={args.wall}", "print_level=0",
           *args.ipax_option, "--json", "-o", str(sol)]
    t0 = time.perf_counter()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=1.2 * args.wall + 60)
    except subprocess.TimeoutExpired:
        return {"status": "killed", "process_s": time.perf_counter() - t0}
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    js = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if not js or not sol.exists():
        return {"status": f"failed (rc {p.returncode})", "process_s": wall, "error": (p.stdout + p.stderr)[-400:]}
    d = json.loads(js[-1])
    return {"status": d["status"], "iterations": d["iterations"], "objective": d["objective"],
            "solve_s": d["time"], "process_s": wall, "process_cpu_s": cpu, "x": read_sol_x(sol, nvars)}


def run_ipopt(nl: Path, work: Path, args) -> dict:
    out = work / f"{nl.stem}.ipopt.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--ipopt-child", str(nl), str(out),
           "--tol", str(args.tol), "--wall", str(args.wall)] + (["--ipopt-mx"] if args.ipopt_mx else [])
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=1.2 * args.wall + 120)
    except subprocess.TimeoutExpired:
        return {"status": "killed", "process_s": time.perf_counter() - t0}
    wall = time.perf_counter() - t0
    if not out.exists():
        return {"status": f"failed (rc {p.returncode})", "process_s": wall, "error": (p.stdout + p.stderr)[-400:]}
    rec = json.loads(out.read_text())
    rec["process_s"] = wall
    return rec


def ipopt_child(nl: Path, out: Path, tol: float, wall: float, expand: bool) -> None:
    """In a child process: Ipopt (CasADi) on ``nl``; writes status, iterations, times and x."""
    import casadi as ca

    t0 = time.perf_counter()
    b = ca.NlpBuilder()
    b.import_nl(str(nl))
    nlp = {"x": ca.vertcat(*b.x), "f": b.f, "g": ca.vertcat(*b.g)}
    opts = {"ipopt.tol": tol, "ipopt.max_wall_time": wall, "ipopt.print_level": 0, "print_time": False,
            "ipopt.sb": "yes", "ipopt.linear_solver": "mumps", "expand": expand}
    s = ca.nlpsol("ipopt", "ipopt", nlp, opts)
    t1, c1 = time.perf_counter(), time.process_time()
    r = s(x0=b.x_init, lbx=b.x_lb, ubx=b.x_ub, lbg=b.g_lb, ubg=b.g_ub)
    t2, c2 = time.perf_counter(), time.process_time()
    st = s.stats()
    json.dump({"status": st["return_status"], "iterations": st["iter_count"], "objective": float(r["f"]),
               "solve_s": t2 - t1, "solve_cpu_s": c2 - c1, "import_s": t1 - t0, "x": [float(v) for v in r["x"].full().ravel()]},
              open(out, "w"))


def median(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def summarize(results: dict) -> dict:
    """Per (family, n): medians over rounds, statuses, iterations, checks and the ratio."""
    rows = {}
    for key, entry in results.items():
        row = {"family": entry["family"], "size": entry["size"], "n": entry["n"], "m": entry["m"]}
        for s in ("ipax", "ipopt"):
            recs = entry.get(s, [])
            statuses = sorted({r["status"] for r in recs})
            row[s] = {
                "runs": len(recs),
                "status": "/".join(statuses) if statuses else "-",
                "ok": bool(recs) and all(r["status"] in SUCCESS for r in recs),
                "iterations": "/".join(str(i) for i in sorted({r.get("iterations") for r in recs if r.get("iterations") is not None})) or "-",
                "solve_s": median([r.get("solve_s") for r in recs]),
                "process_s": median([r.get("process_s") for r in recs]),
                "process_cpu_s": median([r.get("process_cpu_s") for r in recs]),
                "solve_cpu_s": median([r.get("solve_cpu_s") for r in recs]),
                "import_s": median([r.get("import_s") for r in recs]),
                "objective": median([r.get("objective_eval") for r in recs]),
                "violation": max((r["violation"] for r in recs if "violation" in r), default=None),
            }
        a, b = row["ipax"], row["ipopt"]
        row["ratio"] = (a["process_s"] / b["solve_s"]) if a["ok"] and b["ok"] and b["solve_s"] else None
        row["cpu_ratio"] = (a["process_cpu_s"] / b["solve_cpu_s"]) if a["ok"] and b["ok"] and a["process_cpu_s"] and b["solve_cpu_s"] else None
        fa, fb = a["objective"], b["objective"]
        row["rel_diff"] = abs(fa - fb) / max(1.0, abs(fb)) if fa is not None and fb is not None else None
        rows[key] = row
    return rows


def fmt(v, spec=".3f"):
    return "-" if v is None else format(v, spec)


def write_table(results: dict, out: Path, meta: dict) -> str:
    rows = summarize(results)
    order = sorted(rows.values(), key=lambda r: (r["size"], r["family"]))
    lines = [
        "# ipax and Ipopt on identical Pyomo-written .nl files",
        "",
        "Generated by `bench/nl_side_by_side/run.py` (command and conditions in `bench/README.md`). "
        f"tol = {meta['tol']}. `ipax s`: the whole `ipax model.nl` process (parse, AD setup, solve, write "
        "the .sol), median over rounds; `(solve)`: ipax's own solve time; `Ipopt s`: the CasADi nlpsol call "
        "alone (Ipopt 3.14 + MUMPS and CasADi's SX evaluations, `expand=True`), import of the .nl excluded; `ratio` = "
        "ipax s / Ipopt s; `CPU ratio`: the same with CPU seconds (user + system; ipax's whole process, "
        "Ipopt's solve call), less sensitive to a busy machine than wall time since both run on one thread. "
        "`viol.`: the largest bound or constraint violation of the returned x over all "
        "rounds, and `rel. Δf` the relative objective difference, both from one numpy evaluator.",
        "",
        "| family | n | m | ipax status | ipax it | ipax s | (solve) | ipax CPU s | Ipopt status | Ipopt it | Ipopt s "
        "| Ipopt CPU s | (import) | ratio | CPU ratio | ipax viol. | Ipopt viol. | rel. Δf | runs |",
        "|---|---:|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in order:
        a, b = r["ipax"], r["ipopt"]
        sa = a["status"] if a["ok"] else f"**{a['status']}**"
        sb = b["status"] if b["ok"] else f"**{b['status']}**"
        lines.append(
            f"| {r['family']} | {r['n']} | {r['m']} | {sa} | {a['iterations']} | {fmt(a['process_s'])} | "
            f"{fmt(a['solve_s'])} | {fmt(a['process_cpu_s'])} | {sb} | {b['iterations']} | {fmt(b['solve_s'])} | "
            f"{fmt(b['solve_cpu_s'])} | {fmt(b['import_s'], '.2f')} | "
            f"{fmt(r['ratio'], '.2f')} | {fmt(r['cpu_ratio'], '.2f')} | {fmt(a['violation'], '.1e')} | {fmt(b['violation'], '.1e')} | "
            f"{fmt(r['rel_diff'], '.1e')} | {a['runs']}+{b['runs']} |")
    lines.append("")
    for n in sorted({r["size"] for r in order}):
        parts = []
        for key, what in (("ratio", "wall"), ("cpu_ratio", "CPU")):
            ratios = [r[key] for r in order if r["size"] == n]
            good = [q for q in ratios if q is not None]
            gm = math.exp(sum(math.log(q) for q in good) / len(good)) if good else None
            missing = len(ratios) - len(good)
            parts.append(f"{what} {fmt(gm, '.3f')} over {len(good)} families"
                         + (f" ({missing} without a ratio)" if missing else ""))
        lines.append(f"- n ≈ {n:.0e}: geometric mean of the ratios: " + "; ".join(parts))
    text = "\n".join(lines) + "\n"
    out.with_suffix(".md").write_text(text)
    return text


def main() -> int:
    from families import FAMILIES, Family, size_parameter

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ipopt-child", nargs=2, metavar=("NL", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--sizes", default="1e4,1e5")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--models", type=Path, default=Path("/tmp/ipax_nl_side_by_side"))
    ap.add_argument("--out", type=Path, default=REPO / "bench/results/nl_side_by_side")
    ap.add_argument("--ipax", type=Path, default=REPO / "target/release/ipax")
    ap.add_argument("--ipax-option", action="append", default=[], help="extra key=value for ipax")
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--wall", type=float, default=600.0, help="max_wall_time for both solvers (s)")
    ap.add_argument("--ipopt-mx", action="store_true",
                    help="give Ipopt CasADi's MX graph as imported (no expand to SX; slower evaluations)")
    ap.add_argument("--write-only", action="store_true", help="only write the .nl files")
    args = ap.parse_args()
    if args.ipopt_child:
        ipopt_child(Path(args.ipopt_child[0]), Path(args.ipopt_child[1]), args.tol, args.wall, not args.ipopt_mx)
        return 0
    fams = args.families.split(",")
    for f in fams:
        if f not in FAMILIES:
            ap.error(f"unknown family {f} (one of {', '.join(FAMILIES)})")
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    cases = []
    for n in sizes:
        for f in fams:
            nl, order = write_model(f, n, args.models)
            cases.append((f, n, nl, order, Family(f, size_parameter(f, n))))
    if args.write_only:
        return 0
    if not args.ipax.exists():
        ap.error(f"no ipax binary at {args.ipax}: cargo build --release --bin ipax")
    results = {}
    work = args.models / "work"
    work.mkdir(parents=True, exist_ok=True)
    runners = {"ipax": lambda nl, fam: run_ipax(nl, fam.nv, work, args), "ipopt": lambda nl, fam: run_ipopt(nl, work, args)}
    for rnd in range(args.rounds):
        solvers = ("ipax", "ipopt") if rnd % 2 == 0 else ("ipopt", "ipax")
        for f, n, nl, order, fam in cases:
            entry = results.setdefault(f"{f}_{n}", {"family": f, "size": n, "n": fam.nv, "m": int(fam.cl.size)})
            for s in solvers:
                load = os.getloadavg()[0]
                rec = runners[s](nl, fam)
                rec["load"] = load
                x_nl = rec.pop("x", None)
                if x_nl is not None:
                    import numpy as np

                    x = np.empty(fam.nv)
                    x[np.asarray(order)] = np.asarray(x_nl)
                    ev = fam.evaluate(x)
                    rec["objective_eval"], rec["violation"] = ev["objective"], ev["violation"]
                entry.setdefault(s, []).append(rec)
                t = rec.get("process_s") if s == "ipax" else rec.get("solve_s")
                print(f"round {rnd} {f} n={fam.nv} {s}: {rec['status']} it={rec.get('iterations')} "
                      f"time={fmt(t)} f={rec.get('objective_eval')} viol={rec.get('violation')} load={load:.1f}",
                      file=sys.stderr, flush=True)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.with_suffix(".json").write_text(json.dumps(
                {"meta": {"tol": args.tol, "rounds": args.rounds, "ipax": str(args.ipax), "options": args.ipax_option,
                          "ipopt_expand": not args.ipopt_mx},
                 "results": results}, indent=1) + "\n")
            write_table(results, args.out, {"tol": args.tol})
    print(write_table(results, args.out, {"tol": args.tol}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
