"""Many distinct local minima of one problem: :func:`find_minima`.

An interior-point method returns *one* local solution, and which one depends on the start. This
module drives :func:`ipax.minimize` in a loop and collects the distinct local minima it reaches.
Six strategies decide where the next local solve starts (or what it minimizes):

==============  ===============================================================================
``multistart``  independent solves from scrambled Sobol points of the bounding box
``mlsl``        multi-level single linkage: sample, and solve only from points with no better
                sample point within a critical distance (Rinnooy Kan & Timmer 1987)
``deflation``   minimize the deflated objective ``(f − c)·Π(1 + ‖x − rᵢ‖⁻ᵖ/σ)`` so the known
                minima rᵢ repel the solve (Farrell, Birkisson & Funke 2015)
``tunneling``   minimize the tunneling function ``(f − f*)/Π‖x − rᵢ‖^{2λ}`` to leave the basin of
                f* for a point of equal or lower objective (Levy & Montalvo 1985)
``flooding``    fill found basins with Gaussian bumps until the solve spills out of them
                (Grubmüller 1995; filled functions, Ge 1990)
``basinhopping`` random perturbation + local solve + Metropolis acceptance (Wales & Doye 1997)
==============  ===============================================================================

Every local solve is an ipax interior-point solve of the user's problem (bounds and constraints
honoured; the GIL is released while Rust runs, so ``workers > 1`` solves starts in threads). The
strategies that modify the objective (deflation, tunneling, flooding) solve the modified problem
loosely and then *polish*: they re-solve the original problem from where the modified solve
ended, so every reported point is a solution of the user's problem.

Each polished point is *certified* (:func:`_certify`): the KKT conditions hold to ``kkt_tol`` and
the Hessian of the Lagrangian restricted to the null space of the active constraints (equalities,
inequalities at a bound, variables at a bound) has no eigenvalue below ``−psd_tol``. Points that
pass the KKT test but not the curvature test are saddles; solves that did not converge or fail the
KKT test are failures. Both are reported apart from the minima. Minima closer than
``distinct_tol`` (scaled distance) with objectives within ``distinct_tol`` (relative) are one.
"""

from __future__ import annotations

import difflib
import math
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import numpy as np

from ._minimize import _blocks, _fd_jacobian, _parse_bounds, minimize
from ._problem import option_names

__all__ = ["find_minima", "MinimaResult", "LocalPoint", "MinimaCallbackError", "METHODS"]

#: The strategies :func:`find_minima` knows, in the order the documentation presents them.
METHODS = ("multistart", "mlsl", "deflation", "tunneling", "flooding", "basinhopping")

# Options every method reads (the rest of ``options`` goes to each local ipax solve).
_COMMON_OPTIONS = {
    "kkt_tol": None,  # None → 100·tol
    "psd_tol": 1e-5,  # smallest reduced-Hessian eigenvalue allowed, relative to max(1, ‖Z'HZ‖)
    "spread": 1.0,  # half-width of the sampling box for unbounded variables, × max(1, |x0ᵢ|)
    "explore_tol": 1e-4,  # tolerance of the solves of a *modified* objective (before polishing)
    "explore_maxiter": 200,
    "patience": None,  # rounds without a new minimum before a sequential method stops
}
_METHOD_OPTIONS: Dict[str, Dict[str, Any]] = {
    "multistart": {},
    "mlsl": {"batch": None, "reduce": 0.5, "sigma": 4.0},
    "deflation": {"power": 2.0, "shift": 10.0},
    "tunneling": {"pole_strength": 1.0, "radius": 0.1},
    "flooding": {"height": None, "width": 0.15, "growth": 4.0, "max_raises": 8},
    "basinhopping": {"stepsize": 0.5, "temperature": 1.0, "target_accept": 0.5, "interval": 10},
}
# scipy spellings minimize() translates itself.
_SCIPY_SOLVER_OPTIONS = ("disp", "maxiter")


class MinimaCallbackError(RuntimeError):
    """The ``callback`` given to :func:`find_minima` raised (the original is ``__cause__``)."""


@dataclass(frozen=True, eq=False)  # eq=False: fields are numpy arrays
class LocalPoint:
    """One local solution found by :func:`find_minima`.

    ``kind`` is ``"minimum"`` (KKT to ``kkt_tol`` and reduced Hessian PSD), ``"saddle"`` (KKT holds
    but the reduced Hessian has an eigenvalue below ``−psd_tol``) or ``"failed"`` (the solve did
    not converge or its point fails the KKT test; ``message`` says which).
    """

    x: np.ndarray
    fun: float
    kind: str
    #: scaled KKT error max(stationarity/s_d, primal infeasibility, complementarity/s_d), Ipopt's measure
    kkt: float
    #: smallest eigenvalue of Zᵀ∇²L Z (Z: null space of the active constraints); +inf when Z is empty
    min_eig: float
    nit: int
    nfev: int
    njev: int
    #: the point the local solve started from (for polished points: the start of the exploring solve)
    start: np.ndarray
    message: str = ""
    #: number of local solves that ended at this point (duplicates merged into it)
    hits: int = 1
    constr: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mult_g: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mult_x_L: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mult_x_U: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: number of active constraints (rows of the active Jacobian, bounds included)
    n_active: int = 0

    def __repr__(self) -> str:
        return f"LocalPoint(kind={self.kind!r}, fun={self.fun:.10g}, x={np.array2string(self.x, precision=6)}, kkt={self.kkt:.1e}, min_eig={self.min_eig:.3g})"


class MinimaResult(Sequence):
    """Result of :func:`find_minima`: a sequence of the certified minima sorted by objective.

    ``len(res)``, ``res[0]`` (the best) and iteration give :class:`LocalPoint` objects. Attributes
    follow ``scipy.optimize.OptimizeResult`` where they apply: ``x``/``fun`` (the best minimum;
    ``None`` when none was found), ``success`` (at least one certified minimum), ``status``,
    ``message``, ``nit``/``nfev``/``njev`` (summed over the local solves), plus ``n_solves`` (ipax
    solves whose results were used, exploring solves included), ``minima``, ``saddles``,
    ``failures``, ``method`` and ``time`` (wall seconds).

    ``status``: 0 found ``n_minima`` minima; 1 ``max_solves`` reached; 2 the method's own stopping
    rule ended the search (see its docstring); 3 stopped by the callback; 4 no certified minimum.
    """

    def __init__(self, minima, saddles, failures, status, message, n_solves, nit, nfev, njev, method, elapsed):
        self.minima: List[LocalPoint] = sorted(minima, key=lambda p: p.fun)
        self.saddles: List[LocalPoint] = sorted(saddles, key=lambda p: p.fun)
        self.failures: List[LocalPoint] = list(failures)
        self.success = bool(self.minima)
        self.status = status if self.minima else 4
        self.message = message if self.minima else f"no certified minimum ({message})"
        self.n_solves = n_solves
        self.nit = nit
        self.nfev = nfev
        self.njev = njev
        self.method = method
        self.time = elapsed
        self.x = self.minima[0].x if self.minima else None
        self.fun = self.minima[0].fun if self.minima else None

    def __getitem__(self, i):
        return self.minima[i]

    def __len__(self) -> int:
        return len(self.minima)

    def keys(self):
        """The attribute names, as ``OptimizeResult.keys()`` lists them."""
        return ["x", "fun", "success", "status", "message", "n_solves", "nit", "nfev", "njev", "minima", "saddles", "failures", "method", "time"]

    def __repr__(self) -> str:
        lines = [
            f"MinimaResult(method={self.method!r}, success={self.success}, status={self.status}, message={self.message!r},",
            f"  n_solves={self.n_solves}, minima={len(self.minima)}, saddles={len(self.saddles)}, failures={len(self.failures)}, fun={self.fun})",
        ]
        lines += [f"  [{i}] {p!r}" for i, p in enumerate(self.minima)]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Problem wrapper: the user's callbacks, the box, the local solve and the certification.


class _Stop(Exception):
    """Internal: the search is over (target reached, budget spent, callback asked to stop)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class _Solve:
    """The outcome of one ipax solve (before certification)."""

    x: np.ndarray
    fun: float
    success: bool
    message: str
    nit: int
    nfev: int
    njev: int
    start: np.ndarray
    constr: np.ndarray
    mult_g: np.ndarray
    mult_x_L: np.ndarray
    mult_x_U: np.ndarray


class _Problem:
    """The user's problem in one place: objective/gradient/Hessian, bounds, constraint blocks."""

    def __init__(self, fun, x0, args, jac, hess, hessp, bounds, constraints, tol, solver_options, spread):
        self.fun, self.args, self.jac, self.hess, self.hessp = fun, args, jac, hess, hessp
        self.x0 = x0
        self.n = x0.size
        self.lb, self.ub = bounds
        self.constraints = constraints
        self.blocks = _blocks(constraints, x0, args=args)
        self.m = sum(b.size for b in self.blocks)
        self.cl = np.concatenate([b.lb for b in self.blocks]) if self.m else np.zeros(0)
        self.cu = np.concatenate([b.ub for b in self.blocks]) if self.m else np.zeros(0)
        self.tol = tol
        self.solver_options = solver_options
        self.bound_pairs = list(zip(self.lb.tolist(), self.ub.tolist()))
        # The sampling box: the bounds where finite, x0 ± spread·max(1, |x0|) where not. Distances
        # between points are measured in units of the box width per coordinate, so that one
        # tolerance fits variables of different ranges.
        w = spread * np.maximum(1.0, np.abs(x0))
        fin_l, fin_u = np.isfinite(self.lb), np.isfinite(self.ub)
        c = np.clip(x0, self.lb, self.ub)
        self.lo = np.where(fin_l, self.lb, np.where(fin_u, np.minimum(c, self.ub) - 2 * w, c - w))
        self.hi = np.where(fin_u, self.ub, np.where(fin_l, np.maximum(c, self.lb) + 2 * w, c + w))
        self.width = w
        self.scale = np.maximum(self.hi - self.lo, np.finfo(float).tiny)
        self.fin_l, self.fin_u = fin_l, fin_u

    # --- user functions
    def f(self, x: np.ndarray) -> float:
        v = self.fun(x, *self.args)
        return float(v[0] if self.jac is True else v)

    def f_and_g(self, x: np.ndarray) -> Tuple[float, np.ndarray]:
        if self.jac is True:
            v, g = self.fun(x, *self.args)
            return float(v), np.asarray(g, dtype=float).ravel()
        fx = float(self.fun(x, *self.args))
        if callable(self.jac):
            return fx, np.asarray(self.jac(x, *self.args), dtype=float).ravel()
        return fx, _fd_jacobian(lambda z: np.array([self.f(z)]), x).ravel()

    def grad(self, x: np.ndarray) -> np.ndarray:
        return self.f_and_g(x)[1]

    def cons(self, x: np.ndarray) -> np.ndarray:
        return np.concatenate([np.atleast_1d(np.asarray(b.fun(x), dtype=float)) for b in self.blocks]) if self.m else np.zeros(0)

    def cons_jac(self, x: np.ndarray) -> np.ndarray:
        if not self.m:
            return np.zeros((0, self.n))
        return np.vstack([self._block_jac(b, x) for b in self.blocks])

    def _block_jac(self, b, x: np.ndarray) -> np.ndarray:
        """One constraint block's Jacobian at x as a dense (rows × n) array."""
        J = b.jac(x)
        J = J.toarray() if hasattr(J, "toarray") else np.asarray(J, dtype=float)
        return np.atleast_2d(J).reshape(b.size, self.n)

    def lagrangian_hessian(self, x: np.ndarray, lam: np.ndarray) -> np.ndarray:
        """∇²f + Σ λᵢ∇²cᵢ: the user's ``hess`` (and constraint ``hess``) when given, else central
        differences — of the gradient when one is given, of f itself (second differences with
        step ε^(1/4), Nocedal & Wright §8.1) when not."""
        n = self.n
        if callable(self.hess):
            H = self.hess(x, *self.args)
            H = H.toarray() if hasattr(H, "toarray") else np.asarray(H, dtype=float)
        elif self.jac is True or callable(self.jac):
            h = np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(x))
            H = np.empty((n, n))
            for i in range(n):
                xp, xm = x.copy(), x.copy()
                xp[i] += h[i]
                xm[i] -= h[i]
                H[:, i] = (self.grad(xp) - self.grad(xm)) / (2 * h[i])
        else:
            h = np.finfo(float).eps ** 0.25 * np.maximum(1.0, np.abs(x))
            f0 = self.f(x)
            H = np.empty((n, n))
            for i in range(n):
                for j in range(i, n):
                    def fv(si, sj):
                        z = x.copy()
                        z[i] += si * h[i]
                        z[j] += sj * h[j]
                        return self.f(z)

                    if i == j:
                        H[i, i] = (fv(1, 0) - 2 * f0 + fv(-1, 0)) / h[i] ** 2
                    else:
                        H[i, j] = H[j, i] = (fv(1, 1) - fv(1, -1) - fv(-1, 1) + fv(-1, -1)) / (4 * h[i] * h[j])
        H = 0.5 * (H + H.T)
        start = 0
        for b in self.blocks:
            lb_ = lam[start : start + b.size]
            start += b.size
            if b.linear or not np.any(lb_):
                continue
            if b.hess is not None:
                Hb = b.hess(x, lb_)
                H = H + (Hb.toarray() if hasattr(Hb, "toarray") else np.asarray(Hb, dtype=float))
            else:
                Hb = _fd_jacobian(lambda z, b=b, l=lb_: self._block_jac(b, z).T @ l, x)
                H = H + 0.5 * (Hb + Hb.T)
        return H

    # --- distances in box units
    def dist(self, a: np.ndarray, b: np.ndarray) -> float:
        return float(np.linalg.norm((a - b) / self.scale))

    def clip(self, x: np.ndarray) -> np.ndarray:
        return np.clip(x, self.lb, self.ub)

    # --- the local solve
    def solve(self, start: np.ndarray, objective=None) -> _Solve:
        """One ipax solve from ``start``: of the user's objective, or of ``objective`` (a function
        returning (value, gradient)) with the user's bounds and constraints — the exploring solve
        of deflation/tunneling/flooding, run to ``explore_tol`` with L-BFGS."""
        opts = dict(self.solver_options)
        try:
            if objective is None:
                # Without a gradient: central differences (minimize's default is scipy's and
                # cyipopt's forward '2-point'), accurate enough for the KKT certification.
                jac = "3-point" if self.jac is None else self.jac
                res = minimize(
                    self.fun, start, args=self.args, jac=jac, hess=self.hess, hessp=self.hessp,
                    bounds=self.bound_pairs, constraints=self.constraints, tol=self.tol, options=opts,
                )
            else:
                opts["maxiter"] = self.explore_maxiter
                res = minimize(
                    objective, start, jac=True, bounds=self.bound_pairs, constraints=self.constraints,
                    tol=self.explore_tol, options=opts,
                )
        except RuntimeError as exc:
            # A solver panic (reported as "internal error in ipax") ends this one solve, not the
            # search: it is recorded as a failure. Exceptions from the user's callbacks keep their
            # own type and propagate.
            if not str(exc).startswith("internal error in ipax"):
                raise
            z = np.zeros(0)
            return _Solve(x=np.asarray(start, dtype=float).copy(), fun=math.nan, success=False, message=str(exc), nit=0, nfev=0, njev=0,
                          start=np.asarray(start, dtype=float).copy(), constr=z, mult_g=z, mult_x_L=z, mult_x_U=z)
        return _Solve(
            x=np.asarray(res.x, dtype=float).copy(), fun=float(res.fun), success=bool(res.success),
            message=str(res.message), nit=int(res.nit), nfev=int(res.nfev), njev=int(res.njev),
            start=np.asarray(start, dtype=float).copy(), constr=np.asarray(res.constr, dtype=float).ravel(),
            mult_g=np.asarray(res.mult_g, dtype=float).ravel(), mult_x_L=np.asarray(res.mult_x_L, dtype=float).ravel(),
            mult_x_U=np.asarray(res.mult_x_U, dtype=float).ravel(),
        )


def _certify(prob: _Problem, s: _Solve, kkt_tol: float, psd_tol: float, start: np.ndarray) -> LocalPoint:
    """Classify one solve: minimum, saddle or failure.

    KKT error (Ipopt's scaled measure, Wächter & Biegler 2006, eq. (5)): with the Lagrangian
    L = f + λᵀc − z_Lᵀ(x − x_L) + z_Uᵀ(x − x_U) and s_d = max(100, ‖(λ, z_L, z_U)‖₁/(m + 2n))/100,
    ``kkt = max(‖∇L‖∞/s_d, ‖infeasibility‖∞, ‖complementarity‖∞/s_d)``, recomputed here from the
    user's functions (not taken from the solver), so a wrongly converged solve cannot pass.

    Second order (Nocedal & Wright, Thm. 12.5/12.6): at a minimum, dᵀ∇²L d ≥ 0 for d in the null
    space of the strongly active constraint gradients. Active: equality rows; inequality rows and
    bounds within 1e-6 (relative) of a bound whose multiplier exceeds 1e-6·max(1, ‖∇f‖∞). Z =
    orthonormal null-space basis from the SVD of the active Jacobian; ``min_eig`` =
    λ_min(Zᵀ∇²L Z), +inf when the active set fixes every variable.
    """
    x, lam, zl, zu = s.x, s.mult_g, s.mult_x_L, s.mult_x_U
    n, m = prob.n, prob.m
    base = dict(x=x, fun=s.fun, nit=s.nit, nfev=s.nfev, njev=s.njev, start=start, constr=s.constr, mult_g=lam, mult_x_L=zl, mult_x_U=zu)
    if not (np.all(np.isfinite(x)) and math.isfinite(s.fun)):
        return LocalPoint(kind="failed", kkt=math.inf, min_eig=math.nan, message=f"non-finite point ({s.message})", **base)
    fx, g = prob.f_and_g(x)
    c = prob.cons(x)
    J = prob.cons_jac(x)
    stat = g + J.T @ lam - zl + zu
    sd = max(100.0, (np.abs(lam).sum() + np.abs(zl).sum() + np.abs(zu).sum()) / max(1, m + 2 * n)) / 100.0
    infeas = 0.0
    if m:
        infeas = max(float(np.max(np.maximum(prob.cl - c, 0.0))), float(np.max(np.maximum(c - prob.cu, 0.0))))
    infeas = max(infeas, float(np.max(np.maximum(prob.lb - x, 0.0))), float(np.max(np.maximum(x - prob.ub, 0.0))))
    comp = 0.0
    with np.errstate(invalid="ignore"):
        sl = np.where(prob.fin_l, x - prob.lb, 0.0)
        su = np.where(prob.fin_u, prob.ub - x, 0.0)
        comp = max(float(np.max(np.abs(zl * sl))), float(np.max(np.abs(zu * su))))
        if m:
            ineq = prob.cl < prob.cu
            # an inequality row's multiplier times its distance to the bound it presses against
            dl = np.where(np.isfinite(prob.cl), c - prob.cl, np.inf)
            du = np.where(np.isfinite(prob.cu), prob.cu - c, np.inf)
            dist = np.where(lam < 0, dl, du)  # λ < 0 presses on the lower bound (L = f + λᵀc)
            dist = np.where(np.isfinite(dist), dist, 0.0)
            comp = max(comp, float(np.max(np.abs(lam * dist) * ineq, initial=0.0)))
    kkt = max(float(np.max(np.abs(stat))) / sd, infeas, comp / sd)
    if not s.success:
        return LocalPoint(kind="failed", kkt=kkt, min_eig=math.nan, message=f"solve did not converge: {s.message}", **base)
    if kkt > kkt_tol:
        return LocalPoint(kind="failed", kkt=kkt, min_eig=math.nan, message=f"KKT error {kkt:.2e} > kkt_tol {kkt_tol:.1e} ({s.message})", **base)
    # Strongly active set: a bound or inequality counts only when x is at it *and* its multiplier is
    # clearly nonzero. A weakly active constraint (multiplier ≈ 0) leaves its direction in the
    # critical cone, so it must stay in the subspace tested; dropping it makes the test stricter,
    # never looser (e.g. the origin of f = 4x² + xy − 4y² + … under y ≥ 0 is a saddle: its
    # multiplier is 0 and f decreases along +y).
    thr = 1e-6 * max(1.0, float(np.max(np.abs(g))))
    rows = []
    act_l = 1e-6 * np.maximum(1.0, np.abs(np.where(prob.fin_l, prob.lb, 0.0)))
    act_u = 1e-6 * np.maximum(1.0, np.abs(np.where(prob.fin_u, prob.ub, 0.0)))
    eye = np.eye(n)
    for i in range(n):
        at_l = prob.fin_l[i] and x[i] - prob.lb[i] <= act_l[i] and zl[i] > thr
        at_u = prob.fin_u[i] and prob.ub[i] - x[i] <= act_u[i] and zu[i] > thr
        if at_l or at_u:
            rows.append(eye[i])
    for i in range(m):
        if prob.cl[i] == prob.cu[i]:
            rows.append(J[i])
            continue
        lo_act = np.isfinite(prob.cl[i]) and c[i] - prob.cl[i] <= 1e-6 * max(1.0, abs(prob.cl[i]))
        hi_act = np.isfinite(prob.cu[i]) and prob.cu[i] - c[i] <= 1e-6 * max(1.0, abs(prob.cu[i]))
        if (lo_act or hi_act) and abs(lam[i]) > thr:
            rows.append(J[i])
    H = prob.lagrangian_hessian(x, lam)
    if rows:
        A = np.vstack(rows)
        _, sv, Vt = np.linalg.svd(A)
        rank = int(np.sum(sv > 1e-10 * max(1.0, sv[0]))) if sv.size else 0
        Z = Vt[rank:].T
    else:
        Z = np.eye(n)
    if Z.shape[1] == 0:
        min_eig = math.inf
        ok = True
    else:
        R = Z.T @ H @ Z
        ev = np.linalg.eigvalsh(0.5 * (R + R.T))
        min_eig = float(ev[0])
        ok = min_eig >= -psd_tol * max(1.0, float(np.max(np.abs(ev))))
    kind = "minimum" if ok else "saddle"
    msg = s.message if ok else f"reduced Hessian has eigenvalue {min_eig:.3g} < 0"
    return LocalPoint(kind=kind, kkt=kkt, min_eig=min_eig, message=msg, n_active=len(rows), **base)


# --------------------------------------------------------------------------------------------
# The search state shared by the methods: budget, archive, dedup, callback, thread pool.


class _Search:
    def __init__(self, prob, method, n_minima, max_solves, distinct_tol, kkt_tol, psd_tol, callback, workers, rng):
        self.prob = prob
        self.method = method
        self.n_minima = n_minima
        self.max_solves = max_solves
        self.distinct_tol = distinct_tol
        self.kkt_tol = kkt_tol
        self.psd_tol = psd_tol
        self.callback = callback
        self.workers = workers
        self.rng = rng
        self.minima: List[LocalPoint] = []
        self.saddles: List[LocalPoint] = []
        self.failures: List[LocalPoint] = []
        self.n_solves = 0
        self.nit = self.nfev = self.njev = 0
        self.pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None

    # --- budget
    def remaining(self) -> int:
        return self.max_solves - self.n_solves

    def _charge(self, s: _Solve):
        self.n_solves += 1
        self.nit += s.nit
        self.nfev += s.nfev
        self.njev += s.njev

    def run(self, jobs: List[Callable[[], Any]]) -> List[Any]:
        """Run independent jobs (each one or more ipax solves), in threads when workers > 1; the
        results come back in job order, so the outcome does not depend on thread timing."""
        if self.pool is None or len(jobs) <= 1:
            return [job() for job in jobs]
        return list(self.pool.map(lambda job: job(), jobs))

    def solve_many(self, starts: List[np.ndarray]) -> List[_Solve]:
        starts = starts[: max(0, self.remaining())]
        return self.run([lambda x=x: self.prob.solve(x) for x in starts])

    # --- archive
    def _same(self, a: LocalPoint, b: LocalPoint) -> bool:
        return self.prob.dist(a.x, b.x) <= self.distinct_tol and abs(a.fun - b.fun) <= self.distinct_tol * max(1.0, abs(a.fun), abs(b.fun))

    def find(self, x: np.ndarray) -> Optional[int]:
        """Index of the archived minimum at ``x`` (within distinct_tol), if any."""
        for i, p in enumerate(self.minima):
            if self.prob.dist(p.x, x) <= self.distinct_tol:
                return i
        return None

    def consider(self, s: _Solve, start: Optional[np.ndarray] = None, charged: bool = False) -> Tuple[str, Optional[int]]:
        """Certify one solve, merge it into the archive and check the stopping rules.

        Returns (kind, index) with kind in {"new", "duplicate", "saddle", "failed"} and the index
        of the minimum in ``self.minima`` for new/duplicate. Raises :class:`_Stop` when the search
        is over."""
        if not charged:
            self._charge(s)
        p = _certify(self.prob, s, self.kkt_tol, self.psd_tol, s.start if start is None else start)
        out: Tuple[str, Optional[int]]
        if p.kind == "minimum":
            for i, q in enumerate(self.minima):
                if self._same(p, q):
                    self.minima[i] = _replace(q, hits=q.hits + 1)
                    out = ("duplicate", i)
                    break
            else:
                self.minima.append(p)
                out = ("new", len(self.minima) - 1)
                self._notify(p)
        elif p.kind == "saddle":
            if not any(self._same(p, q) for q in self.saddles):
                self.saddles.append(p)
            out = ("saddle", None)
        else:
            self.failures.append(p)
            out = ("failed", None)
        if self.n_minima is not None and len(self.minima) >= self.n_minima:
            raise _Stop(0, f"found the requested {self.n_minima} minima")
        if self.n_solves >= self.max_solves:
            raise _Stop(1, f"max_solves = {self.max_solves} local solves done")
        return out

    def charge_explore(self, s: _Solve):
        """Count an exploring solve (of a modified objective) against the budget."""
        self._charge(s)

    def _notify(self, p: LocalPoint):
        if self.callback is None:
            return
        try:
            stop = self.callback(p)
        except StopIteration:
            stop = True
        except Exception as exc:  # the user's bug: say where it came from, keep the original
            raise MinimaCallbackError(f"find_minima: the callback raised {type(exc).__name__}: {exc}") from exc
        if stop is True:
            raise _Stop(3, "stopped by the callback")


def _replace(p: LocalPoint, **kw) -> LocalPoint:
    d = {f: getattr(p, f) for f in p.__dataclass_fields__}
    d.update(kw)
    return LocalPoint(**d)


# --------------------------------------------------------------------------------------------
# Sampling.


def _sobol(prob: _Problem, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` scrambled Sobol points (Owen scrambling, scipy.stats.qmc) mapped to the variables:
    uniform in [lb, ub] for boxed variables; for unbounded ones the same low-discrepancy
    coordinate u is turned into a jitter around x0 — Gaussian x0 + w·Φ⁻¹(u) when both sides are
    free, exponential lb + 2w·(−log(1 − u)) (or its mirror) when one side is bounded."""
    from scipy.stats import norm, qmc

    n = prob.n
    sob = qmc.Sobol(d=n, scramble=True, seed=rng)
    u = sob.random_base2(max(0, math.ceil(math.log2(max(k, 1)))))[:k]
    u = np.clip(u, 1e-12, 1 - 1e-12)
    lb, ub, w, x0 = prob.lb, prob.ub, prob.width, np.clip(prob.x0, prob.lb, prob.ub)
    box = lb + u * (ub - lb)
    both_free = norm.ppf(u) * w + x0
    lower_only = lb + 2 * w * (-np.log1p(-u))
    upper_only = ub - 2 * w * (-np.log1p(-u))
    out = np.where(prob.fin_l & prob.fin_u, box, np.where(prob.fin_l, lower_only, np.where(prob.fin_u, upper_only, both_free)))
    return np.asarray(out, dtype=float)


def _perturb(prob: _Problem, x: np.ndarray, radius: float, rng: np.random.Generator) -> np.ndarray:
    """x moved by ``radius`` box units in a random direction, kept inside the bounds."""
    d = rng.standard_normal(prob.n)
    d /= max(np.linalg.norm(d), 1e-300)
    return prob.clip(x + radius * d * prob.scale)


# --------------------------------------------------------------------------------------------
# The methods. Each runs until it raises _Stop.


def _multistart(S: _Search, opts: Dict[str, Any]):
    """Multistart: x0, then scrambled Sobol points of the box (jittered around x0 for unbounded
    variables, see :func:`_sobol`), solved independently — ``workers`` at a time.

    The starts are the low-discrepancy sequence of I.M. Sobol, "On the distribution of points in
    a cube and the approximate evaluation of integrals", USSR Comput. Math. Math. Phys. 7(4)
    (1967) 86–112, with the scrambling of A.B. Owen, "Scrambling Sobol' and Niederreiter–Xing
    points", J. Complexity 14 (1998) 466–489 (scipy.stats.qmc.Sobol): they cover the box more
    evenly than uniform random points, so fewer starts fall into the same basin. Multistart as
    a global method: A.H.G. Rinnooy Kan & G.T. Timmer, "Stochastic global optimization methods
    part I: Clustering methods", Math. Programming 39 (1987) 27–56. Runs until ``n_minima`` or
    ``max_solves``."""
    prob = S.prob
    pts = np.vstack([prob.x0[None, :], _sobol(prob, S.max_solves, S.rng)])
    i = 0
    while True:
        batch = [pts[j] for j in range(i, min(i + max(S.workers, 1), len(pts)))]
        i += len(batch)
        for s in S.solve_many(batch):
            S.consider(s)
        if not batch:
            raise _Stop(1, f"max_solves = {S.max_solves} local solves done")


def _mlsl(S: _Search, opts: Dict[str, Any]):
    """Multi-level single linkage (A.H.G. Rinnooy Kan & G.T. Timmer, "Stochastic global optimization
    methods part II: Multi level methods", Math. Programming 39 (1987) 57–78).

    Iteration k adds N uniform sample points of the box (``batch``, default max(50, 10n)), keeps
    the γkN best (``reduce`` γ = 0.5), and starts a local solve from a kept point x only if no kept
    point y with f(y) < f(x) lies within the critical distance

        r_k = π^(−1/2) · (Γ(1 + n/2) · m(S) · σ · log(kN) / (kN))^(1/n)

    (box units, so m(S) = 1; ``sigma`` σ = 4 > 2 gives the paper's guarantee that the number of
    local searches stays finite), no solve has started from x before, and x is farther than r_k
    from every known minimum. Stopping rule (status 2): the Bayesian estimate of the number of
    minima, w(N − 1)/(N − w − 2) after N solves found w minima (Boender & Rinnooy Kan 1987), is
    below w + 0.5 (applied only when ``n_minima`` is None); or ``patience`` (30) sample
    iterations in a row without a start point.

    γ decides which minima MLSL can reach at all: a basin whose points all lie above the
    γ-quantile of f over the box is never sampled into the reduced set. Rinnooy Kan & Timmer
    analyse any γ ∈ (0, 1]; the default 0.5 favours finding *many* minima (the six-hump camel's
    two highest minima sit at the 27% quantile) over the fewest solves for the global one.
    """
    prob = S.prob
    n = prob.n
    N = int(opts["batch"] or max(50, 10 * n))
    gamma, sigma = float(opts["reduce"]), float(opts["sigma"])
    X = np.zeros((0, n))
    F = np.zeros(0)
    used = np.zeros(0, dtype=bool)
    k = 0
    idle = 0
    # x0 is the first local solve: a user's start is usually informed.
    S.consider(prob.solve(prob.x0.copy()))
    while True:
        k += 1
        U = S.rng.random((N, n))
        new = prob.lo + U * (prob.hi - prob.lo)
        fnew = np.array([prob.f(x) for x in new])
        X = np.vstack([X, new])
        F = np.concatenate([F, np.where(np.isfinite(fnew), fnew, np.inf)])
        used = np.concatenate([used, np.zeros(N, dtype=bool)])
        kN = X.shape[0]
        rk = (math.gamma(1 + n / 2) * sigma * math.log(kN) / kN) ** (1.0 / n) / math.sqrt(math.pi)
        keep = np.argsort(F, kind="stable")[: max(1, int(math.ceil(gamma * kN)))]
        Xs = (X[keep] - prob.lo) / prob.scale
        mins = np.array([(p.x - prob.lo) / prob.scale for p in S.minima]) if S.minima else np.zeros((0, n))
        # Vectorized linkage test over the reduced sample (pairwise distances, box units).
        cand = np.flatnonzero(~used[keep])
        starts = []
        if cand.size:
            D = np.sqrt(((Xs[cand, None, :] - Xs[None, :, :]) ** 2).sum(axis=2))
            Fk = F[keep]
            better_near = np.any((D <= rk) & (Fk[None, :] < Fk[cand, None]), axis=1)
            if mins.shape[0]:
                dm = np.sqrt(((Xs[cand, None, :] - mins[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
                near_min = dm <= rk
            else:
                near_min = np.zeros(cand.size, dtype=bool)
            starts = [int(keep[a]) for a in cand[~better_near & ~near_min]]
        used[starts] = True
        for j in range(0, len(starts), max(S.workers, 1)):
            chunk = starts[j : j + max(S.workers, 1)]
            for s in S.solve_many([X[i].copy() for i in chunk]):
                S.consider(s)
        idle = idle + 1 if not starts else 0
        w, Ns = len(S.minima), S.n_solves
        if S.n_minima is None and Ns > w + 2 and w * (Ns - 1) / (Ns - w - 2) < w + 0.5:
            raise _Stop(2, f"MLSL stopping rule: the Bayesian estimate of the number of minima is below {w} + 0.5")
        if idle >= (opts["patience"] or 30):
            raise _Stop(2, f"MLSL: {idle} sample iterations without a start point")


def _pole_product(x, roots, scale, power, shift):
    """P(x) = Π_i φᵢ and ∇P, dᵢ = ‖(x − rᵢ)/scale‖, with φᵢ = 1 + dᵢ⁻ᵖ/σ for σ = shift > 0 —
    Farrell et al.'s shifted operator dᵢ⁻ᵖ + σ divided by σ, which changes no minimizer but keeps
    P ≈ 1 far from the roots however many there are (Π(dᵢ⁻ᵖ + σ) would be σᵏ, 1e30 for σ = 10
    and 30 roots) — and φᵢ = dᵢ⁻ᵖ for σ = 0 (tunneling's pure poles).
    ∇P = P Σ ∇φᵢ/φᵢ, ∇φᵢ = −(p/σ') dᵢ^(−p−1) ∇dᵢ (σ' = σ or 1), ∇dᵢ = (x − rᵢ)/(scale² dᵢ)."""
    P = 1.0
    acc = np.zeros_like(x)
    div = shift if shift > 0 else 1.0
    base = 1.0 if shift > 0 else 0.0
    for r in roots:
        u = (x - r) / scale
        d = math.sqrt(float(u @ u) + 1e-24)  # the softening only guards d = 0 exactly
        phi = d ** (-power) / div + base
        dphi = -power * d ** (-power - 1.0) / div
        acc += (dphi / phi) * (u / (scale * d))
        P *= phi
    return P, P * acc


class _Found(Exception):
    """Raised from an exploring objective to end that solve at ``x`` (tunneling: a point with
    T(x) ≤ 0 was evaluated). Raising from the objective rather than using minimize's per-iteration
    callback also catches trial points, and works in the restoration phase."""

    def __init__(self, x: np.ndarray, fx: float):
        super().__init__("tunnel point found")
        self.x = x.copy()
        self.fx = fx


def _explore_round(S: _Search, starts: List[np.ndarray], make_objective) -> List[Tuple[str, Optional[int], np.ndarray]]:
    """Exploring solves (modified objective, loose tolerance) from ``starts`` in parallel, then
    polishing solves (the user's problem) from where they ended; results certified in order."""
    if S.remaining() < 2:  # an exploring solve without its polish would be wasted
        raise _Stop(1, f"max_solves = {S.max_solves} local solves done")
    starts = starts[: S.remaining() // 2]
    objective = make_objective()

    def job(x):
        try:
            e = S.prob.solve(x, objective=objective)
        except _Found as hit:
            z = np.zeros(0)
            e = _Solve(x=hit.x, fun=hit.fx, success=True, message="tunnel point found", nit=0, nfev=0, njev=0, start=x.copy(), constr=z, mult_g=z, mult_x_L=z, mult_x_U=z)
        # polish from where the exploring solve ended (from its start if it diverged to inf/nan)
        xe = e.x if np.all(np.isfinite(e.x)) else np.asarray(x, dtype=float)
        return e, S.prob.solve(xe.copy())

    out = []
    S.last_explore = []
    for x, (e, p) in zip(starts, S.run([lambda x=x: job(x) for x in starts])):
        S.last_explore.append(e.x.copy())
        S.charge_explore(e)
        kind, idx = S.consider(p, start=x)
        out.append((kind, idx, p.x))
    return out


def _deflation(S: _Search, opts: Dict[str, Any]):
    """Deflation (P.E. Farrell, Á. Birkisson & S.W. Funke, "Deflation techniques for finding
    distinct solutions of nonlinear partial differential equations", SIAM J. Sci. Comput. 37(4)
    (2015) A2026–A2045).

    Their shifted deflation operator Π_i (‖x − rᵢ‖⁻ᵖ + σ) (``power`` p = 2, ``shift`` σ = 10;
    distances in box units) multiplies a residual so that the known roots rᵢ are no longer roots,
    while far from them it is ≈ σᵏ, a constant that changes nothing. We use it divided by σᵏ,
    M(x) = Π_i (1 + ‖x − rᵢ‖⁻ᵖ/σ) (the same poles, and M ≈ 1 far away however many roots are
    known), and for a minimization we deflate the objective gap:

        f̃(x) = M(x) · (f(x) − c),   c = min_i f(rᵢ) − max(1, |min_i f(rᵢ)|),

    so f̃ → +∞ at every known minimum (f − c > 0 there), and far from them f̃ ≈ f − c has nearly f's
    minimizers (the polishing solve removes the difference). ∇f̃ = M∇f + (f − c)∇M. Each round
    re-solves from x0 with every found minimum deflated (the paper's loop); when that lands on a
    known minimum the next rounds start from scrambled Sobol points instead. Stops (status 2)
    after ``patience`` rounds (default 10) without a new minimum.

    Why σ = 10 and not the paper's σ = 1: distances here are in box units, so with σ = 1 a pole
    raises f̃ by a factor ≥ 2 over a whole box width and hides minima near a known one (the
    six-hump camel's second global minimum stayed hidden at σ = 1; σ = 10 confines the pole to
    ~0.3 box units and found all six in 11 solves).
    """
    prob = S.prob
    p, sigma = float(opts["power"]), float(opts["shift"])
    patience = int(opts["patience"] or 10)
    S.consider(prob.solve(prob.x0.copy()))
    sob = iter(_sobol(prob, 4096, S.rng))
    from_x0 = True
    idle = 0
    while True:
        roots = [q.x.copy() for q in S.minima]
        fr = min((q.fun for q in S.minima), default=prob.f(prob.x0))
        c = fr - max(1.0, abs(fr))

        def make():
            def obj(x, roots=roots, c=c):
                fx, g = prob.f_and_g(x)
                M, dM = _pole_product(x, roots, prob.scale, p, sigma)
                return M * (fx - c), M * g + (fx - c) * dM

            return obj

        starts = [prob.x0.copy()] if from_x0 else []
        while len(starts) < S.workers:
            starts.append(next(sob))
        starts = [_perturb(prob, x, 1e-3, S.rng) if S.find(x) is not None else x for x in starts]
        res = _explore_round(S, starts, make)
        found = any(k == "new" for k, _, _ in res)
        from_x0 = found
        idle = 0 if found else idle + 1
        if idle >= patience:
            raise _Stop(2, f"deflation: {idle} rounds without a new minimum")


def _tunneling(S: _Search, opts: Dict[str, Any]):
    """Tunneling (A.V. Levy & A. Montalvo, "The tunneling algorithm for the global minimization of
    functions", SIAM J. Sci. Stat. Comput. 6(1) (1985) 15–29).

    Alternates a minimization phase (an ipax solve of f) with a tunneling phase that minimizes

        T(x) = (f(x) − f*) / Π_i ‖x − rᵢ‖^(2λ)     (``pole_strength`` λ = 1, box units)

    from a point at distance ρ from the current minimum x* (f* = f(x*)), with poles at every
    known minimum rᵢ so the solve cannot fall back into them. The tunneling phase ends at the
    first evaluated point with T ≤ 0 farther than ρ/2 from every pole — a point of equal or
    lower objective in another basin — and the next minimization starts there. If the tunneling
    solve ends with T > 0 (no such point from that direction), the minimization still starts
    where it ended, a new basin possibly higher; the next tunnel from the same x* starts twice as
    far (ρ = ``radius``·2ᵏ after k failures, ``radius`` = 0.1, at most 1 box unit), and after
    ``patience`` (5) failures the search tunnels from the next minimum by objective, so minima
    above the global one are collected too. Stops (status 2) when every known minimum has had
    ``patience`` failed tunnels.
    """
    prob = S.prob
    lam = float(opts["pole_strength"])
    radius = float(opts["radius"])
    patience = int(opts["patience"] or 5)
    S.consider(prob.solve(prob.x0.copy()))
    # Tunneling needs a first minimum: if the solve from x0 gave none, try Sobol points.
    for x in _sobol(prob, S.max_solves, S.rng) if not S.minima else ():
        if S.minima:
            break
        S.consider(prob.solve(x))
    tries: Dict[int, int] = {}
    while True:
        order = sorted(range(len(S.minima)), key=lambda i: S.minima[i].fun)
        todo = [i for i in order if tries.get(i, 0) < patience]
        if not todo:
            raise _Stop(2, f"tunneling: {patience} tunnels from each of the {len(S.minima)} minima found nothing new")
        i0 = todo[0]
        xs = S.minima[i0].x.copy()
        fstar = S.minima[i0].fun
        roots = [q.x.copy() for q in S.minima]
        rho = min(1.0, radius * 2.0 ** tries.get(i0, 0))
        eta = 1e-8 * max(1.0, abs(fstar))

        def make(roots=roots, fstar=fstar, rho=rho):
            def obj(x):
                fx, g = prob.f_and_g(x)
                if fx <= fstar + eta and min(prob.dist(x, r) for r in roots) > rho / 2:
                    raise _Found(x, fx)
                P, dP = _pole_product(x, roots, prob.scale, 2 * lam, 0.0)
                return P * (fx - fstar), P * g + (fx - fstar) * dP

            return obj

        starts = [_perturb(prob, xs, rho, S.rng) for _ in range(max(S.workers, 1))]
        res = _explore_round(S, starts, make)
        if any(k == "new" for k, _, _ in res):
            tries[i0] = 0
        else:
            tries[i0] = tries.get(i0, 0) + len(res)


def _flooding(S: _Search, opts: Dict[str, Any]):
    """Flooding (H. Grubmüller, "Predicting slow structural transitions in macromolecular systems:
    conformational flooding", Phys. Rev. E 52 (1995) 2893; with the bump deposition of
    metadynamics, A. Laio & M. Parrinello, "Escaping free-energy minima", PNAS 99 (2002) 12562,
    and the filled-function idea of R. Ge, Math. Programming 46 (1990) 191–204).

    A walker minimizes the flooded objective

        f̃(x) = f(x) + Σ_j h_j exp(−‖x − b_j‖² / (2w²))     (``width`` w = 0.15 box units)

    and after each exploring solve a bump is deposited where it ended (the bottom of the flooded
    basin), so the basin fills up until the walker spills over into a neighbour; every endpoint
    is polished on the original problem. Each new minimum gets a bump of height h₀ (``height``,
    default 0.1·max(1, |f(r)|)); while rounds find nothing new the deposited height grows by
    ``growth`` (4×) per round, up to ``max_raises`` (8) times, then restarts from h₀. Stops
    (status 2) after ``patience`` rounds (default 30) without a new minimum.
    """
    prob = S.prob
    w = float(opts["width"])
    growth = float(opts["growth"])
    max_raises = int(opts["max_raises"])
    patience = int(opts["patience"] or 30)
    S.consider(prob.solve(prob.x0.copy()))
    if not S.minima:  # nothing certified from x0: flood around where that solve ended anyway
        walker = S.failures[-1].x.copy() if S.failures else S.saddles[-1].x.copy()
    else:
        walker = S.minima[0].x.copy()

    def h0(f):
        return float(opts["height"]) if opts["height"] is not None else 0.1 * max(1.0, abs(f))

    centers = [q.x.copy() for q in S.minima]
    heights = [h0(q.fun) for q in S.minima]
    base = heights[0] if heights else h0(prob.f(walker))
    raises = idle = 0
    while True:
        C, Hs = np.array(centers).reshape(-1, prob.n), np.array(heights)

        def make(C=C, Hs=Hs):
            def obj(x):
                fx, g = prob.f_and_g(x)
                if len(Hs):
                    U = (x - C) / prob.scale
                    e = Hs * np.exp(-np.sum(U * U, axis=1) / (2 * w * w))
                    fx = fx + float(e.sum())
                    g = g - (e[:, None] * U).sum(axis=0) / (prob.scale * w * w)
                return fx, g

            return obj

        starts = [_perturb(prob, walker, 0.5 * w, S.rng) for _ in range(max(S.workers, 1))]
        n_before = len(S.minima)
        res = _explore_round(S, starts, make)
        h = base * growth ** raises
        for (_, _, px), ex in zip(res, S.last_explore):
            centers.append(ex.copy())
            heights.append(h)
        for q in S.minima[n_before:]:
            centers.append(q.x.copy())
            heights.append(h0(q.fun))
        walker = S.last_explore[0].copy()
        if len(S.minima) > n_before:
            raises = idle = 0
            base = h0(S.minima[-1].fun)
        else:
            idle += 1
            raises = raises + 1 if raises < max_raises else 0
            if idle >= patience:
                raise _Stop(2, f"flooding: {idle} rounds without a new minimum")


def _basinhopping(S: _Search, opts: Dict[str, Any]):
    """Basin hopping (D.J. Wales & J.P.K. Doye, "Global optimization by basin-hopping and the lowest
    energy structures of Lennard-Jones clusters containing up to 110 atoms", J. Phys. Chem. A 101
    (1997) 5111–5116).

    A Markov chain over local minima: from the current minimum x, perturb every coordinate by
    U(−s, s)·(box width) (``stepsize`` s = 0.5), clip to the bounds, solve, and accept the new
    minimum with the Metropolis probability min(1, exp(−(f_new − f)/T)) (``temperature`` T = 1).
    Every ``interval`` (10) steps the step size is scaled by 0.9 or 1/0.9 toward the acceptance
    rate ``target_accept`` (0.5), as scipy.optimize.basinhopping does. With ``workers`` > 1,
    ``workers`` trial moves are drawn from the current minimum and solved at once, then
    Metropolis-tested in order. Runs until ``n_minima`` or ``max_solves``.
    """
    prob = S.prob
    step = float(opts["stepsize"])
    T = float(opts["temperature"])
    target = float(opts["target_accept"])
    interval = int(opts["interval"])
    kind, idx = S.consider(prob.solve(prob.x0.copy()))
    cur_x, cur_f = (S.minima[idx].x.copy(), S.minima[idx].fun) if idx is not None else (prob.x0.copy(), prob.f(prob.x0))
    steps = accepted = 0
    while True:
        trials = [prob.clip(cur_x + step * prob.scale * S.rng.uniform(-1.0, 1.0, prob.n)) for _ in range(max(S.workers, 1))]
        u = [S.rng.random() for _ in trials]
        for s, ui in zip(S.solve_many(trials), u):
            kind, idx = S.consider(s)
            steps += 1
            if idx is not None:
                fn = S.minima[idx].fun
                if fn <= cur_f or (T > 0 and ui < math.exp(-(fn - cur_f) / T)):
                    cur_x, cur_f = S.minima[idx].x.copy(), fn
                    accepted += 1
            if steps % interval == 0:
                step = step / 0.9 if accepted / steps > target else step * 0.9


_RUNNERS = {
    "multistart": _multistart,
    "mlsl": _mlsl,
    "deflation": _deflation,
    "tunneling": _tunneling,
    "flooding": _flooding,
    "basinhopping": _basinhopping,
}


# --------------------------------------------------------------------------------------------
# Entry point.


def _close(name: str, choices: Iterable[str]) -> str:
    m = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(repr(c) for c in m)}?" if m else ""


def _split_options(method: str, options: Optional[Dict[str, Any]]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(method options with defaults, ipax solver options); unknown names raise with suggestions."""
    mine = dict(_COMMON_OPTIONS)
    mine.update(_METHOD_OPTIONS[method])
    solver: Dict[str, Any] = {}
    known_solver = set(option_names()) | set(_SCIPY_SOLVER_OPTIONS)
    for key, value in (options or {}).items():
        if key in mine:
            mine[key] = value
        elif key in known_solver:
            solver[key] = value
        else:
            owner = [m for m, o in _METHOD_OPTIONS.items() if key in o]
            if owner:
                raise ValueError(f"option {key!r} belongs to method {owner[0]!r}, not {method!r}")
            raise ValueError(f"unknown option {key!r} for find_minima(method={method!r}){_close(key, list(mine) + sorted(known_solver))}")
    solver.setdefault("print_level", 0)
    return mine, solver


def find_minima(
    fun: Callable[..., Any],
    x0: Any,
    *,
    method: str = "multistart",
    args: tuple = (),
    jac: Any = None,
    hess: Any = None,
    hessp: Optional[Callable[..., Any]] = None,
    bounds: Any = None,
    constraints: Any = (),
    n_minima: Optional[int] = None,
    max_solves: int = 100,
    seed: Any = None,
    tol: float = 1e-8,
    distinct_tol: float = 1e-4,
    options: Optional[Dict[str, Any]] = None,
    callback: Optional[Callable[[LocalPoint], Any]] = None,
    workers: int = 1,
) -> MinimaResult:
    """Find many distinct local minima of ``fun`` subject to ``bounds`` and ``constraints``.

    The arguments ``fun, x0, args, jac, hess, hessp, bounds, constraints`` mean what they mean for
    :func:`ipax.minimize` (scipy's forms: ``Bounds`` or (low, high) pairs; ``LinearConstraint``,
    ``NonlinearConstraint`` or ``{'type', 'fun', 'jac'}`` dicts); every local solve is one.

    * ``method``: one of ``"multistart"``, ``"mlsl"``, ``"deflation"``, ``"tunneling"``,
      ``"flooding"``, ``"basinhopping"`` — see each ``_<method>`` function's docstring for the
      algorithm, its reference and its options, and the "Choosing a method" page for measurements;
    * ``n_minima``: stop when this many distinct minima are certified (``None``: run until
      ``max_solves`` or the method's own stopping rule);
    * ``max_solves``: budget of ipax solves (exploring solves of a modified objective included);
    * ``seed``: anything ``numpy.random.default_rng`` takes; a fixed seed reproduces the result
      exactly (for a given ``workers``; multistart and MLSL give the same result for any
      ``workers``);
    * ``tol``: tolerance of each local solve; ``distinct_tol``: two minima are the same when their
      distance in box units (each coordinate divided by its bound range, or by the sampling range
      for unbounded variables) and their relative objective difference are both below it;
    * ``options``: method options (below) and common ones — ``kkt_tol`` (certification, default
      100·tol), ``psd_tol`` (1e-5, relative), ``spread`` (1.0: sampling half-width for unbounded
      variables, × max(1, |x0ᵢ|)), ``explore_tol`` (1e-4), ``explore_maxiter`` (200), ``patience``;
      any other key is an ipax solver option (Ipopt's names; scipy's ``disp``, ``maxiter``);
    * ``callback(point)``: called with each new certified minimum (a :class:`LocalPoint`);
      returning ``True`` or raising ``StopIteration`` ends the search (status 3); any other
      exception is re-raised as :class:`MinimaCallbackError`;
    * ``workers``: solve that many starts at once in threads (the solver releases the GIL; the
      user's functions are then called from several threads and must be thread-safe).

    Returns a :class:`MinimaResult` (sequence of certified minima, best first).
    """
    t0 = time.perf_counter()
    try:  # the core package needs only numpy; find_minima samples with scipy.stats.qmc
        import scipy.stats  # noqa: F401
    except ImportError as exc:  # pragma: no cover - exercised only without scipy
        raise ImportError("ipax.find_minima needs scipy (pip install 'ipax[scipy]' or scipy)") from exc
    if not callable(fun):
        raise TypeError("fun must be callable")
    if not isinstance(method, str) or method.lower() not in METHODS:
        raise ValueError(f"unknown method {method!r}{_close(str(method).lower(), METHODS)} (choose from {', '.join(METHODS)})")
    method = method.lower()
    x0 = np.atleast_1d(np.asarray(x0, dtype=float))
    if x0.ndim != 1 or x0.size == 0:
        raise ValueError(f"x0 must be a non-empty 1-D array, got shape {x0.shape}")
    if not np.all(np.isfinite(x0)):
        raise ValueError("x0 must be finite")
    n = x0.size
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    if n_minima is not None and (not isinstance(n_minima, (int, np.integer)) or n_minima < 1):
        raise ValueError(f"n_minima must be a positive integer or None, got {n_minima!r}")
    if not isinstance(max_solves, (int, np.integer)) or max_solves < 1:
        raise ValueError(f"max_solves must be a positive integer, got {max_solves!r}")
    if not (tol > 0 and distinct_tol > 0):
        raise ValueError("tol and distinct_tol must be positive")
    if callback is not None and not callable(callback):
        raise TypeError("callback must be callable")
    if bounds is not None and not hasattr(bounds, "lb"):
        pairs = list(bounds)
        if len(pairs) != n:
            raise ValueError(f"x0 has {n} entries but bounds has {len(pairs)} (low, high) pairs")
        bounds = pairs
    lb, ub = _parse_bounds(bounds, n) if bounds is not None else (np.full(n, -np.inf), np.full(n, np.inf))
    lb = np.where(lb <= -1e19, -np.inf, lb)
    ub = np.where(ub >= 1e19, np.inf, ub)
    bad = np.flatnonzero(lb > ub)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"lower bound > upper bound for {bad.size} variable(s), first x[{i}]: {lb[i]} > {ub[i]}")
    mopts, sopts = _split_options(method, options)
    args = tuple(args) if isinstance(args, (tuple, list)) else (args,)
    # Check fun (and jac) at x0 now, so that a wrong-length x0 fails here with a clear message
    # rather than deep inside a solve.
    try:
        v = fun(x0, *args)
        fx = v[0] if jac is True else v
        fx = float(np.asarray(fx).reshape(()))
    except Exception as exc:
        raise ValueError(f"fun(x0) failed for x0 of length {n} ({type(exc).__name__}: {exc}); is x0 the right length?") from exc
    if callable(jac) or jac is True:
        try:
            gx = np.asarray(v[1] if jac is True else jac(x0, *args), dtype=float).ravel()
        except Exception as exc:
            raise ValueError(f"jac(x0) failed for x0 of length {n} ({type(exc).__name__}: {exc}); is x0 the right length?") from exc
        if gx.size != n:
            raise ValueError(f"x0 has {n} entries but the gradient at x0 has {gx.size}")
    kkt_tol = float(mopts["kkt_tol"] if mopts["kkt_tol"] is not None else 100.0 * tol)
    prob = _Problem(fun, x0, args, jac, hess, hessp, (lb, ub), constraints, tol, sopts, float(mopts["spread"]))
    prob.explore_tol = float(mopts["explore_tol"])
    prob.explore_maxiter = int(mopts["explore_maxiter"])
    rng = np.random.default_rng(seed)
    S = _Search(prob, method, n_minima, int(max_solves), float(distinct_tol), kkt_tol, float(mopts["psd_tol"]), callback, int(workers), rng)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # overflow in f far outside a basin is expected
            _RUNNERS[method](S, mopts)
        status, message = 2, "search ended"  # pragma: no cover - every runner ends by raising _Stop
    except _Stop as stop:
        status, message = stop.status, stop.message
    finally:
        if S.pool is not None:
            S.pool.shutdown(wait=True)
    return MinimaResult(S.minima, S.saddles, S.failures, status, message, S.n_solves, S.nit, S.nfev, S.njev, method, time.perf_counter() - t0)
