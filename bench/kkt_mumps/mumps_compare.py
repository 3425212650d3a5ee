#!/usr/bin/env python3
"""MUMPS factor + solve on the families' KKT matrices, for the ratio against ipax's sparse LDLᵀ
(issue 20, item 5).

The matrices are the augmented KKT matrices `K = [[W + Σ + δ_w I, Jᵀ], [J, −δ_c I]]` of
`bench/benches/linear_solvers.rs` (its module docs give the point, Σ and the shifts), written by

    IPAX_BENCH_WRITE_MTX=/tmp/kkt IPAX_BENCH_SIZES=1e5 \\
        IPAX_BENCH_FAMILIES=ext_rosenbrock,elliptic_control,vanderpol,obstacle,disk_chain \\
        cargo bench -p ipax-bench --bench linear_solvers

which also times ipax's `SparseLdl` factor and solve on the same matrices. This script factors
each `K` with MUMPS (python-mumps, which bundles a sequential MUMPS; it needs numpy < 2, so it runs
in its own venv) as a symmetric indefinite matrix (`symmetric=True`: MUMPS's LDLᵀ, SYM = 2),
pivot threshold 1e-6 as Ipopt's `mumps_pivtol`, ordering chosen by MUMPS (`auto`) unless
`--ordering` says otherwise. The analysis is done once and not timed in `factor`, as ipax reuses
its symbolic analysis; factor and solve are timed `--repeat` times (median, wall and CPU seconds)
and the solve's relative residual ‖Kx − b‖/‖b‖ is printed.

Usage:
    python3 -m venv /tmp/mumpsvenv && /tmp/mumpsvenv/bin/pip install --only-binary :all: "numpy<2" scipy python-mumps
    OMP_NUM_THREADS=1 /tmp/mumpsvenv/bin/python bench/kkt_mumps/mumps_compare.py --mtx-dir /tmp/kkt [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import mumps  # noqa: E402
import numpy as np  # noqa: E402
import scipy.io  # noqa: E402
import scipy.sparse as sp  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of `repeat` calls."""
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mtx-dir", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--ordering", default="auto")
    args = ap.parse_args()
    print("| matrix | order | nnz(tril K) | MUMPS analysis s | factor s (wall / CPU) | solve s (wall / CPU) | residual |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path in sorted(args.mtx_dir.glob("*.mtx")):
        full = sp.csr_matrix(scipy.io.mmread(str(path)))  # mmread expands the symmetric storage
        upper = sp.triu(full).tocoo()
        b = np.loadtxt(path.with_suffix(".rhs"))
        ctx = mumps.Context()
        ctx.set_matrix(upper, symmetric=True)
        t0 = time.perf_counter()
        ctx.analyze(ordering=args.ordering)
        t_an = time.perf_counter() - t0
        fw, fc = timed(lambda: ctx.factor(reuse_analysis=True, pivot_tol=1e-6), args.repeat)
        x = ctx.solve(b)
        sw, sc = timed(lambda: ctx.solve(b), args.repeat)
        res = np.linalg.norm(full @ x - b) / np.linalg.norm(b)
        print(f"| {path.stem} | {full.shape[0]} | {upper.nnz} | {t_an:.3f} | {fw * 1e3:.1f} ms / {fc * 1e3:.1f} ms | "
              f"{sw * 1e3:.2f} ms / {sc * 1e3:.2f} ms | {res:.1e} |", flush=True)


if __name__ == "__main__":
    main()
