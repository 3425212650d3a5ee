#!/usr/bin/env python3
"""Side-by-side: ipax against Ipopt (3.14 + MUMPS, as bundled by CasADi) on the scalable families.

Each family is rebuilt in CasADi's symbolic (SX) API with exactly the formulation, starting point
and bounds of `testing/src/families/*.rs`; Ipopt gets its exact Hessian from CasADi's AD. Both
solvers run with tol = 1e-8 on one thread (MUMPS in CasADi is sequential; OMP/BLAS threads are
pinned to 1 below). Times are the solvers' own wall-clock totals: Ipopt's `t_wall_total` (which
includes CasADi's function evaluations but not building the expression graph) and ipax's
`SolveResult::timings.total` (which excludes building the problem).

Usage:
    python3 -m venv /tmp/cmpvenv && /tmp/cmpvenv/bin/pip install casadi numpy
    cargo build --release -p ipax
    /tmp/cmpvenv/bin/python bench/compare_ipopt.py --sizes 1e4,1e5 [--problems obstacle,...]
        [--ipax target/release/ipax] [--out bench/results/ipopt_comparison.md]
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import casadi as ca  # noqa: E402  (thread variables must be set first)
import numpy as np  # noqa: E402

INF = math.inf


# ---------------------------------------------------------------------------------------------
# Size mapping (same as ipax-bench's `cases::size_parameter`).
# ---------------------------------------------------------------------------------------------
def size_parameter(name, n):
    if name in ("ext_rosenbrock", "chained_rosenbrock", "disk_chain"):
        p = n
    elif name in ("obstacle", "bratu"):
        p = math.sqrt(n)
    elif name == "elliptic_control":
        p = math.sqrt(n / 2)
    elif name == "vanderpol":
        p = n / 3 - 1
    else:
        raise ValueError(f"no size mapping for {name}")
    return max(1, int(round(p)))


# ---------------------------------------------------------------------------------------------
# Grid helpers. Node (i, j) of the N×N interior grid has index k = i*N + j (row-major), as in
# testing/src/families/mod.rs. CasADi reshapes column-major, so reshape(x, N, N)[j, i] = x[i*N+j]:
# the matrix is the transposed grid, which is harmless for the 5-point Laplacian (symmetric in
# i and j) as long as every grid quantity uses the same reshape.
# ---------------------------------------------------------------------------------------------
def laplacian_sx(x, ns):
    """4 x_k − Σ interior neighbours (homogeneous Dirichlet), as an ns*ns SX column."""
    X = ca.reshape(x, ns, ns)
    zr = ca.SX.zeros(1, ns)
    zc = ca.SX.zeros(ns, 1)
    up = ca.vertcat(zr, X[:-1, :]) if ns > 1 else ca.SX.zeros(ns, ns)
    down = ca.vertcat(X[1:, :], zr) if ns > 1 else ca.SX.zeros(ns, ns)
    left = ca.horzcat(zc, X[:, :-1]) if ns > 1 else ca.SX.zeros(ns, ns)
    right = ca.horzcat(X[:, 1:], zc) if ns > 1 else ca.SX.zeros(ns, ns)
    return ca.reshape(4 * X - up - down - left - right, ns * ns, 1)


def grid_values(ns, fn):
    """fn(s, t) at node (i, j) -> k = i*ns + j, s = (i+1)h, t = (j+1)h."""
    h = 1.0 / (ns + 1)
    idx = np.arange(ns)
    s = (idx[:, None] + 1) * h
    t = (idx[None, :] + 1) * h
    return fn(s, t).reshape(-1), h


# ---------------------------------------------------------------------------------------------
# The families (see testing/src/families/*.rs for the sources of each formulation).
# Each returns dict(x, f, g, x0, lbx, ubx, lbg, ubg).
# ---------------------------------------------------------------------------------------------
def ext_rosenbrock(size):
    n = max(size, 2)
    n = (n + 1) // 2 * 2
    x = ca.SX.sym("x", n)
    a, b = x[0::2], x[1::2]
    f = ca.sum1(100 * (b - a**2) ** 2 + (1 - a) ** 2)
    x0 = np.where(np.arange(n) % 2 == 0, -1.2, 1.0)
    return dict(x=x, f=f, g=ca.SX.zeros(0, 1), x0=x0, lbx=-INF, ubx=INF, lbg=[], ubg=[])


def obstacle(size):
    ns = max(size, 1)
    psi, h = grid_values(ns, lambda s, t: 0.2 - 2.0 * ((s - 0.5) ** 2 + (t - 0.5) ** 2))
    x = ca.SX.sym("x", ns * ns)
    ax = laplacian_sx(x, ns)
    load = -10.0
    f = 0.5 * ca.dot(x, ax) - h * h * load * ca.sum1(x)
    x0 = np.maximum(psi, 0.0) + 0.1
    return dict(x=x, f=f, g=ca.SX.zeros(0, 1), x0=x0, lbx=psi, ubx=INF, lbg=[], ubg=[])


def disk_chain(size):
    n = (max(size, 2) + 1) // 2 * 2
    x = ca.SX.sym("x", n)
    f = ca.sumsqr(x - 1)
    g = x[:-1] ** 2 + x[1:] ** 2
    return dict(x=x, f=f, g=g, x0=np.zeros(n), lbx=-INF, ubx=INF, lbg=-INF, ubg=1.0)


def bratu(size):
    ns = max(size, 1)
    h = 1.0 / (ns + 1)
    kappa = 6.0
    x = ca.SX.sym("x", ns * ns)
    g = laplacian_sx(x, ns) - h * h * kappa * ca.exp(x)
    return dict(x=x, f=ca.SX(0), g=g, x0=np.zeros(ns * ns), lbx=-INF, ubx=INF, lbg=0.0, ubg=0.0)


def elliptic_control(size):
    ns = max(size, 1)
    nn = ns * ns
    yd, h = grid_values(ns, lambda s, t: np.sin(2 * np.pi * s) * np.sin(2 * np.pi * t))
    alpha, ub = 0.01, 50.0
    x = ca.SX.sym("x", 2 * nn)
    y, u = x[:nn], x[nn:]
    f = 0.5 * h * h * (ca.sumsqr(y - yd) + alpha * ca.sumsqr(u))
    g = laplacian_sx(y, ns) + h * h * (y**3 - u)
    lbx = np.concatenate([np.full(nn, -INF), np.full(nn, -ub)])
    ubx = np.concatenate([np.full(nn, INF), np.full(nn, ub)])
    return dict(x=x, f=f, g=g, x0=np.zeros(2 * nn), lbx=lbx, ubx=ubx, lbg=0.0, ubg=0.0)


def vanderpol(size):
    nint = max(size, 1)
    nv = 3 * (nint + 1)
    T, ulo, uhi = 5.0, -0.3, 1.0
    h = T / nint
    x = ca.SX.sym("x", nv)
    x1, x2, u = x[0::3], x[1::3], x[2::3]
    w = np.full(nint + 1, h)
    w[0] = w[-1] = 0.5 * h
    f = ca.dot(w, x1**2 + x2**2 + u**2)
    F2 = (1 - x1**2) * x2 - x1 + u
    hh = 0.5 * h
    d1 = x1[1:] - x1[:-1] - hh * (x2[:-1] + x2[1:])
    d2 = x2[1:] - x2[:-1] - hh * (F2[:-1] + F2[1:])
    # ipax orders the defects per interval (2k: first state, 2k+1: second), then x1(0), x2(0).
    defects = ca.reshape(ca.horzcat(d1, d2).T, 2 * nint, 1)
    g = ca.vertcat(defects, x[0], x[1])
    lbg = np.zeros(2 * nint + 2)
    lbg[-1] = 1.0
    lbx = np.full(nv, -INF)
    ubx = np.full(nv, INF)
    lbx[2::3], ubx[2::3] = ulo, uhi
    x0 = np.where(np.arange(nv) % 3 == 1, 1.0, 0.0)
    return dict(x=x, f=f, g=g, x0=x0, lbx=lbx, ubx=ubx, lbg=lbg, ubg=lbg.copy())


FAMILIES = {
    "ext_rosenbrock": ext_rosenbrock,
    "obstacle": obstacle,
    "disk_chain": disk_chain,
    "bratu": bratu,
    "elliptic_control": elliptic_control,
    "vanderpol": vanderpol,
}


def solve_ipopt(name, size, tol, timeout):
    m = FAMILIES[name](size)
    t0 = time.perf_counter()
    nlp = {"x": m["x"], "f": m["f"], "g": m["g"]}
    opts = {
        "ipopt.tol": tol,
        "ipopt.print_level": 0,
        "ipopt.linear_solver": "mumps",
        "ipopt.max_cpu_time": float(timeout),
        "print_time": False,
        "record_time": True,  # makes stats() carry t_wall_total
    }
    solver = ca.nlpsol("solver", "ipopt", nlp, opts)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    sol = solver(x0=m["x0"], lbx=m["lbx"], ubx=m["ubx"], lbg=m["lbg"], ubg=m["ubg"])
    wall = time.perf_counter() - t1
    st = solver.stats()
    return {
        "n": int(m["x"].numel()),
        "m": int(m["g"].numel()),
        "status": st.get("return_status", "?"),
        "success": bool(st.get("success", False)),
        "iterations": int(st.get("iter_count", -1)),
        "objective": float(sol["f"]),
        "time": float(st.get("t_wall_total", wall)),
        "build": build,
    }


def solve_ipax(exe, name, size, tol, timeout):
    cmd = [exe, "--problem", name, "--size", str(size), "--json", "print_level=0", f"tol={tol}", f"max_wall_time={timeout}"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout * 1.2 + 10)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "success": False, "iterations": -1, "objective": float("nan"), "time": float("nan")}
    line = next((l for l in reversed(p.stdout.splitlines()) if l.startswith("{")), None)
    if line is None:
        return {"status": f"crash ({p.returncode})", "success": False, "iterations": -1, "objective": float("nan"), "time": float("nan")}
    r = json.loads(line)
    return {
        "status": r["status"],
        "success": r["status"] in ("Optimal", "Acceptable"),
        "iterations": int(r["iterations"]),
        "objective": float(r["objective"]),
        "time": float(r["time"]),
    }


def fmt_t(t):
    return "-" if not math.isfinite(t) else (f"{t:.3f} s" if t >= 1 else f"{t * 1e3:.1f} ms")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problems", default="ext_rosenbrock,obstacle,disk_chain,bratu,elliptic_control,vanderpol")
    ap.add_argument("--sizes", default="1e4,1e5")
    ap.add_argument("--ipax", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "release", "ipax"))
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--out", default=None, help="also write the markdown table to this file")
    args = ap.parse_args()
    if not os.path.exists(args.ipax):
        sys.exit(f"ipax binary not found at {args.ipax}: run `cargo build --release -p ipax` first")

    rows = []
    for n in [int(float(s)) for s in args.sizes.split(",")]:
        for name in args.problems.split(","):
            size = size_parameter(name, n)
            print(f"{name} n≈{n} (size {size}): Ipopt …", file=sys.stderr, end="", flush=True)
            ip = solve_ipopt(name, size, args.tol, args.timeout)
            print(f" {ip['status']} {fmt_t(ip['time'])}; ipax …", file=sys.stderr, end="", flush=True)
            ix = solve_ipax(args.ipax, name, size, args.tol, args.timeout)
            print(f" {ix['status']} {fmt_t(ix['time'])}", file=sys.stderr, flush=True)
            rows.append((name, ip, ix))

    lines = [
        "| problem | n | m | Ipopt status | Ipopt it | Ipopt time | ipax status | ipax it | ipax time | ipax/Ipopt time | Ipopt objective | ipax objective | rel. diff |",
        "|---|---:|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, ip, ix in rows:
        ratio = ix["time"] / ip["time"] if ip["time"] > 0 and math.isfinite(ix["time"]) else float("nan")
        fi, fx = ip["objective"], ix["objective"]
        rel = abs(fi - fx) / max(1.0, abs(fi)) if math.isfinite(fi) and math.isfinite(fx) else float("nan")
        lines.append(
            f"| {name} | {ip['n']} | {ip['m']} | {ip['status']} | {ip['iterations']} | {fmt_t(ip['time'])} | "
            f"{ix['status']} | {ix['iterations']} | {fmt_t(ix['time'])} | "
            f"{'-' if not math.isfinite(ratio) else f'{ratio:.2f}'} | {fi:.10e} | {fx:.10e} | {rel:.1e} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(table + "\n")


if __name__ == "__main__":
    main()
