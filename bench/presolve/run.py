"""Side-by-side of the auxiliary-equality presolve: ipax (off / safe / aggressive) and POUNCE
(off / safe), on the Pyomo models of tests/data/presolve/make_models.py at larger sizes.

    cargo build --release --bin ipax
    /work/venv/bin/python bench/presolve/run.py [--out bench/presolve/results.md]

Not part of CI. Each cell is iterations / wall seconds of the whole executable run (read .nl,
presolve, solve, write .sol), best of 3; the objective printed by ipax is checked to agree.
"""

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("make_models", os.path.join(ROOT, "tests/data/presolve/make_models.py"))
mm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mm)

IPAX = os.path.join(ROOT, "target/release/ipax")
POUNCE = shutil.which("pounce") or os.path.join(os.path.dirname(sys.executable), "pounce")


def chain(n):
    import pyomo.environ as pyo

    m = pyo.ConcreteModel()
    m.K = pyo.RangeSet(0, n)
    m.v = pyo.Var(m.K, initialize=0.0)
    m.u = pyo.Var(initialize=0.0)
    m.start = pyo.Constraint(expr=m.v[0] == 1.0)
    m.link = pyo.Constraint(pyo.RangeSet(1, n), rule=lambda m, k: m.v[k] == 0.5 * m.v[k - 1] + 1.0)
    m.obj = pyo.Objective(expr=(m.u - m.v[n]) ** 2 + 0.1 * m.u ** 2)
    return m


def run_ipax(nl, opts):
    best = None
    for _ in range(3):
        t = time.perf_counter()
        out = subprocess.run([IPAX, nl, "--json", "print_level=0", "-o", nl + ".sol"] + opts, capture_output=True, text=True, timeout=600)
        dt = time.perf_counter() - t
        rec = json.loads(out.stdout.strip().splitlines()[-1])
        best = (rec["iterations"], dt, rec["objective"], rec["status"]) if best is None or dt < best[1] else best
    return best


def run_pounce(nl, opts, timeout=120):
    best = None
    for _ in range(3):
        t = time.perf_counter()
        try:
            out = subprocess.run([POUNCE, nl] + opts, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return (-1, float("inf"), float("nan"), "timeout")
        dt = time.perf_counter() - t
        it = re.search(r"Number of Iterations\.+:\s*(\d+)", out.stdout + out.stderr)
        obj = re.search(r"Objective\.+:\s*(\S+)", out.stdout + out.stderr)
        rec = (int(it.group(1)) if it else -1, dt, float(obj.group(1)) if obj else float("nan"), "")
        best = rec if best is None or dt < best[1] else best
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ipax-presolve-bench-")
    models = [
        # Demand 1/nodes per node keeps the pressure drops within the compressor's range.
        ("gasnet 2047 nodes", lambda: mm.gasnet(2047, demand=1.0 / 2047)),
        ("gasnet 16383 nodes", lambda: mm.gasnet(16383, demand=1.0 / 16383)),
        ("chain 5000", lambda: chain(5000)),
        ("chain 50000", lambda: chain(50000)),
    ]
    on = ["presolve=yes", "presolve_auxiliary=yes"]
    rows = []
    for name, build in models:
        nl = os.path.join(tmp, name.replace(" ", "_") + ".nl")
        build().write(nl, io_options={"symbolic_solver_labels": True})
        cells = {
            "ipax off": run_ipax(nl, []),
            "ipax safe": run_ipax(nl, on),
            "ipax aggressive": run_ipax(nl, on + ["presolve_auxiliary_coupling=aggressive"]),
            "pounce off": run_pounce(nl, []),
            "pounce safe": run_pounce(nl, on),
        }
        objs = [c[2] for k, c in cells.items() if k.startswith("ipax")]
        assert all(c[3] == "Optimal" for k, c in cells.items() if k.startswith("ipax")), (name, cells)
        assert max(objs) - min(objs) <= 1e-6 * max(1.0, abs(objs[0])), (name, objs)
        rows.append((name, cells))
        print(name, {k: (v[0], round(v[1], 3)) for k, v in cells.items()}, flush=True)
    header = "| model | " + " | ".join(rows[0][1].keys()) + " |"
    lines = [header, "|" + "---|" * (len(rows[0][1]) + 1)]
    for name, cells in rows:
        lines.append(f"| {name} | " + " | ".join("timeout (120 s)" if st == "timeout" else f"{it} / {dt:.3f}s" for it, dt, _, st in cells.values()) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
