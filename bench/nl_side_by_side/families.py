"""The scalable families of ``testing/src/families/*.rs`` as Pyomo models, and one numpy evaluator.

Every builder returns a Pyomo ``ConcreteModel`` whose variable ``x[k]`` is variable ``k`` of the Rust
family (same formulation, starting point, bounds and constraint sides), so a point from any solver,
mapped back to this natural order, can be checked by :func:`evaluate` — plain numpy code written from
the Rust sources, independent of both solvers' parsers and of Pyomo.

Size mapping (as ``ipax-bench``'s ``cases::size_parameter`` and ``compare_ipopt.py``): the number of
variables ``n`` gives the family's size parameter.
"""

from __future__ import annotations

import math

import numpy as np
import pyomo.environ as pyo

INF = math.inf
FAMILIES = ("ext_rosenbrock", "elliptic_control", "vanderpol", "obstacle", "disk_chain")


def size_parameter(name: str, n: int) -> int:
    """The family's size parameter whose number of variables is closest to ``n``."""
    if name in ("ext_rosenbrock", "disk_chain"):
        p = n
    elif name == "obstacle":
        p = math.sqrt(n)
    elif name == "elliptic_control":
        p = math.sqrt(n / 2)
    elif name == "vanderpol":
        p = n / 3 - 1
    else:
        raise ValueError(f"no size mapping for {name}")
    return max(1, int(round(p)))


def _neighbours(ns: int, i: int, j: int):
    """Interior 5-point neighbours of node (i, j), in the order of ``families::for_each_neighbour``."""
    if i > 0:
        yield (i - 1) * ns + j
    if j > 0:
        yield i * ns + j - 1
    if j + 1 < ns:
        yield i * ns + j + 1
    if i + 1 < ns:
        yield (i + 1) * ns + j


def _grid(ns: int, fn) -> tuple[np.ndarray, float]:
    """``fn(s, t)`` at node k = i·ns + j with s = (i+1)h, t = (j+1)h."""
    h = 1.0 / (ns + 1)
    idx = np.arange(ns)
    s = (idx[:, None] + 1) * h
    t = (idx[None, :] + 1) * h
    return np.asarray(fn(s, t)).reshape(-1), h


def _laplace(v: np.ndarray, ns: int) -> np.ndarray:
    """4 v_k − Σ interior neighbours (homogeneous Dirichlet) on the ns × ns grid."""
    g = v.reshape(ns, ns)
    a = 4.0 * g
    a[1:, :] -= g[:-1, :]
    a[:-1, :] -= g[1:, :]
    a[:, 1:] -= g[:, :-1]
    a[:, :-1] -= g[:, 1:]
    return a.reshape(-1)


def _vars(m, nv: int, x0, lb, ub) -> None:
    lb = np.broadcast_to(np.asarray(lb, dtype=float), (nv,))
    ub = np.broadcast_to(np.asarray(ub, dtype=float), (nv,))
    x0 = np.broadcast_to(np.asarray(x0, dtype=float), (nv,))

    def bounds(_m, k):
        return (None if lb[k] == -INF else float(lb[k]), None if ub[k] == INF else float(ub[k]))

    m.x = pyo.Var(range(nv), bounds=bounds, initialize=lambda _m, k: float(x0[k]))


class Family:
    """Data of one family instance: numbers of variables/constraints, bounds and constraint sides."""

    def __init__(self, name: str, size: int):
        self.name = name
        self.size = size
        getattr(self, f"_setup_{name}")()

    # ---- data (natural order, as the Rust families) ---------------------------------------
    def _setup_ext_rosenbrock(self):
        self.nv = (max(self.size, 2) + 1) // 2 * 2
        self.x0 = np.where(np.arange(self.nv) % 2 == 0, -1.2, 1.0)
        self.lb, self.ub = np.full(self.nv, -INF), np.full(self.nv, INF)
        self.cl = self.cu = np.zeros(0)

    def _setup_disk_chain(self):
        self.nv = (max(self.size, 2) + 1) // 2 * 2
        self.x0 = np.zeros(self.nv)
        self.lb, self.ub = np.full(self.nv, -INF), np.full(self.nv, INF)
        self.cl, self.cu = np.full(self.nv - 1, -INF), np.ones(self.nv - 1)

    def _setup_obstacle(self):
        ns = self.ns = max(self.size, 1)
        self.psi, self.h = _grid(ns, lambda s, t: 0.2 - 2.0 * ((s - 0.5) ** 2 + (t - 0.5) ** 2))
        self.nv = ns * ns
        self.x0 = np.maximum(self.psi, 0.0) + 0.1
        self.lb, self.ub = self.psi.copy(), np.full(self.nv, INF)
        self.cl = self.cu = np.zeros(0)

    def _setup_elliptic_control(self):
        ns = self.ns = max(self.size, 1)
        nn = ns * ns
        self.yd, self.h = _grid(ns, lambda s, t: np.sin(2 * np.pi * s) * np.sin(2 * np.pi * t))
        self.nv = 2 * nn
        self.x0 = np.zeros(self.nv)
        self.lb = np.concatenate([np.full(nn, -INF), np.full(nn, -50.0)])
        self.ub = np.concatenate([np.full(nn, INF), np.full(nn, 50.0)])
        self.cl = self.cu = np.zeros(nn)

    def _setup_vanderpol(self):
        nint = self.nint = max(self.size, 1)
        self.nv = 3 * (nint + 1)
        self.h = 5.0 / nint
        self.x0 = np.where(np.arange(self.nv) % 3 == 1, 1.0, 0.0)
        self.lb, self.ub = np.full(self.nv, -INF), np.full(self.nv, INF)
        self.lb[2::3], self.ub[2::3] = -0.3, 1.0
        self.cl = np.zeros(2 * nint + 2)
        self.cl[-1] = 1.0
        self.cu = self.cl.copy()

    # ---- Pyomo model ----------------------------------------------------------------------
    def pyomo(self) -> pyo.ConcreteModel:
        m = pyo.ConcreteModel(name=self.name)
        _vars(m, self.nv, self.x0, self.lb, self.ub)
        getattr(self, f"_pyomo_{self.name}")(m, m.x)
        return m

    def _pyomo_ext_rosenbrock(self, m, x):
        m.f = pyo.Objective(expr=sum(100 * (x[2 * i + 1] - x[2 * i] ** 2) ** 2 + (1 - x[2 * i]) ** 2
                                     for i in range(self.nv // 2)))

    def _pyomo_disk_chain(self, m, x):
        m.f = pyo.Objective(expr=sum((x[i] - 1) ** 2 for i in range(self.nv)))
        m.c = pyo.Constraint(range(self.nv - 1), rule=lambda _m, i: x[i] ** 2 + x[i + 1] ** 2 <= 1)

    def _pyomo_obstacle(self, m, x):
        ns, h2 = self.ns, self.h * self.h
        load = -10.0

        def ax(k, i, j):
            return 4 * x[k] - sum(x[q] for q in _neighbours(ns, i, j))

        m.f = pyo.Objective(expr=sum(0.5 * x[i * ns + j] * ax(i * ns + j, i, j) - h2 * load * x[i * ns + j]
                                     for i in range(ns) for j in range(ns)))

    def _pyomo_elliptic_control(self, m, x):
        ns, h2, nn = self.ns, self.h * self.h, self.ns * self.ns
        m.f = pyo.Objective(expr=0.5 * h2 * (sum((x[k] - float(self.yd[k])) ** 2 for k in range(nn))
                                             + 0.01 * sum(x[nn + k] ** 2 for k in range(nn))))

        def state(_m, k):
            i, j = divmod(k, ns)
            return 4 * x[k] - sum(x[q] for q in _neighbours(ns, i, j)) + h2 * (x[k] ** 3 - x[nn + k]) == 0

        m.c = pyo.Constraint(range(nn), rule=state)

    def _pyomo_vanderpol(self, m, x):
        nint, h = self.nint, self.h
        hh = 0.5 * h

        def w(k):
            return 0.5 * h if k in (0, nint) else h

        def f2(k):
            x1, x2, u = x[3 * k], x[3 * k + 1], x[3 * k + 2]
            return (1 - x1 ** 2) * x2 - x1 + u

        m.f = pyo.Objective(expr=sum(w(k) * (x[3 * k] ** 2 + x[3 * k + 1] ** 2 + x[3 * k + 2] ** 2)
                                     for k in range(nint + 1)))

        def defect(_m, r):
            k, second = divmod(r, 2)
            p, q = 3 * k, 3 * (k + 1)
            if second == 0:
                return x[q] - x[p] - hh * (x[p + 1] + x[q + 1]) == 0
            return x[q + 1] - x[p + 1] - hh * (f2(k) + f2(k + 1)) == 0

        m.defect = pyo.Constraint(range(2 * nint), rule=defect)
        m.init1 = pyo.Constraint(expr=x[0] == 0)
        m.init2 = pyo.Constraint(expr=x[1] == 1)

    # ---- the one evaluator ----------------------------------------------------------------
    def objective(self, x: np.ndarray) -> float:
        n = self.name
        if n == "ext_rosenbrock":
            a, b = x[0::2], x[1::2]
            return float(np.sum(100 * (b - a * a) ** 2 + (1 - a) ** 2))
        if n == "disk_chain":
            return float(np.sum((x - 1) ** 2))
        if n == "obstacle":
            return float(0.5 * x @ _laplace(x, self.ns) + self.h ** 2 * 10.0 * np.sum(x))
        if n == "elliptic_control":
            nn = self.ns * self.ns
            y, u = x[:nn], x[nn:]
            return float(0.5 * self.h ** 2 * (np.sum((y - self.yd) ** 2) + 0.01 * np.sum(u * u)))
        if n == "vanderpol":
            w = np.full(self.nint + 1, self.h)
            w[0] = w[-1] = 0.5 * self.h
            return float(w @ (x[0::3] ** 2 + x[1::3] ** 2 + x[2::3] ** 2))
        raise ValueError(n)

    def constraints(self, x: np.ndarray) -> np.ndarray:
        n = self.name
        if n == "disk_chain":
            return x[:-1] ** 2 + x[1:] ** 2
        if n == "elliptic_control":
            nn = self.ns * self.ns
            y, u = x[:nn], x[nn:]
            return _laplace(y, self.ns) + self.h ** 2 * (y ** 3 - u)
        if n == "vanderpol":
            x1, x2, u = x[0::3], x[1::3], x[2::3]
            hh = 0.5 * self.h
            f2 = (1 - x1 ** 2) * x2 - x1 + u
            d1 = x1[1:] - x1[:-1] - hh * (x2[:-1] + x2[1:])
            d2 = x2[1:] - x2[:-1] - hh * (f2[:-1] + f2[1:])
            c = np.empty(2 * self.nint + 2)
            c[0:-2:2], c[1:-2:2] = d1, d2
            c[-2], c[-1] = x[0], x[1]
            return c
        return np.zeros(0)

    def evaluate(self, x: np.ndarray) -> dict:
        """Objective and the largest violation of any constraint side or variable bound at ``x``."""
        c = self.constraints(x)
        viol = [np.max(self.lb - x, initial=0.0), np.max(x - self.ub, initial=0.0)]
        if c.size:
            viol += [np.max(self.cl - c, initial=0.0), np.max(c - self.cu, initial=0.0)]
        return {"objective": self.objective(x), "violation": float(max(viol))}
