"""scipy-style :func:`minimize` (also exported under cyipopt's name :func:`minimize_ipopt`)."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ._problem import Problem

__all__ = ["minimize", "minimize_ipopt", "OptimizeResult"]

try:  # scipy is optional: its result type, sparse matrices and constraint classes when present.
    from scipy.optimize import OptimizeResult  # type: ignore
    from scipy.optimize import Bounds as _Bounds  # type: ignore
    from scipy.optimize import LinearConstraint as _LinearConstraint  # type: ignore
    from scipy.optimize import NonlinearConstraint as _NonlinearConstraint  # type: ignore
    import scipy.sparse as _sparse  # type: ignore
except ImportError:  # pragma: no cover - exercised only without scipy
    _Bounds = _LinearConstraint = _NonlinearConstraint = _sparse = None

    class OptimizeResult(dict):  # type: ignore[no-redef]
        """A dict with attribute access, like ``scipy.optimize.OptimizeResult``."""

        def __getattr__(self, name: str) -> Any:
            try:
                return self[name]
            except KeyError:
                raise AttributeError(name) from None

        __setattr__ = dict.__setitem__  # type: ignore[assignment]
        __delattr__ = dict.__delitem__  # type: ignore[assignment]


def _fd_jacobian(fun: Callable[[np.ndarray], np.ndarray], x: np.ndarray, f0: Optional[np.ndarray] = None) -> np.ndarray:
    """Central-difference Jacobian (rows = outputs); step ε^(1/3)·max(1, |xᵢ|) balances truncation
    O(h²) against rounding O(ε/h) (Nocedal & Wright, *Numerical Optimization*, §8.1)."""
    h = np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(x))
    cols = []
    for i in range(x.size):
        xp = x.copy()
        xm = x.copy()
        xp[i] += h[i]
        xm[i] -= h[i]
        cols.append((np.atleast_1d(fun(xp)) - np.atleast_1d(fun(xm))) / (2.0 * h[i]))
    return np.column_stack(cols) if cols else np.zeros((0, 0))


def _is_sparse(a: Any) -> bool:
    return _sparse is not None and _sparse.issparse(a)


class _Block:
    """One block of constraint rows: ``lb <= fun(x) <= ub`` with Jacobian ``jac(x)`` and optional
    Hessian ``hess(x, v) = Σ vᵢ ∇²funᵢ(x)`` (``linear`` blocks have none)."""

    def __init__(self, fun, jac, lb, ub, hess=None, linear=False):
        self.fun = fun
        self.jac = jac
        self.lb = lb
        self.ub = ub
        self.hess = hess
        self.linear = linear
        self.size = lb.size


def _vec(v: Any, size: int, what: str) -> np.ndarray:
    a = np.broadcast_to(np.asarray(v, dtype=float), (size,)) if np.ndim(v) == 0 else np.asarray(v, dtype=float).ravel()
    if a.size != size:
        raise ValueError(f"{what} must have length {size}, got {a.size}")
    return np.array(a, dtype=float)


def _blocks(constraints: Any, x0: np.ndarray, args: tuple) -> List[_Block]:
    if constraints is None:
        return []
    if isinstance(constraints, dict) or (_LinearConstraint and isinstance(constraints, (_LinearConstraint, _NonlinearConstraint))):
        constraints = [constraints]
    blocks = []
    for k, con in enumerate(constraints):
        if _LinearConstraint is not None and isinstance(con, _LinearConstraint):
            A = con.A if _is_sparse(con.A) else np.atleast_2d(np.asarray(con.A, dtype=float))
            if A.shape[1] != x0.size:
                raise ValueError(f"constraint {k}: A has {A.shape[1]} columns, expected {x0.size}")
            rows = A.shape[0]
            blocks.append(
                _Block(lambda x, A=A: A @ x, lambda x, A=A: A, _vec(con.lb, rows, "lb"), _vec(con.ub, rows, "ub"), linear=True)
            )
        elif _NonlinearConstraint is not None and isinstance(con, _NonlinearConstraint):
            fun = lambda x, f=con.fun: np.atleast_1d(np.asarray(f(x), dtype=float))
            rows = fun(x0).size
            jac = con.jac if callable(con.jac) else (lambda x, f=fun: _fd_jacobian(f, x))
            hess = con.hess if callable(con.hess) else None
            blocks.append(_Block(fun, jac, _vec(con.lb, rows, "lb"), _vec(con.ub, rows, "ub"), hess=hess))
        elif isinstance(con, dict):
            kind = con.get("type")
            if kind not in ("eq", "ineq"):
                raise ValueError(f"constraint {k}: 'type' must be 'eq' or 'ineq', got {kind!r}")
            if not callable(con.get("fun")):
                raise ValueError(f"constraint {k}: 'fun' must be callable")
            cargs = tuple(con.get("args", ()))
            fun = lambda x, f=con["fun"], a=cargs: np.atleast_1d(np.asarray(f(x, *a), dtype=float))
            rows = fun(x0).size
            if callable(con.get("jac")):
                jac = lambda x, j=con["jac"], a=cargs: j(x, *a)
            else:
                jac = lambda x, f=fun: _fd_jacobian(f, x)
            hess = None
            if callable(con.get("hess")):
                hess = lambda x, v, h=con["hess"], a=cargs: h(x, v, *a)
            ub = np.zeros(rows) if kind == "eq" else np.full(rows, np.inf)
            blocks.append(_Block(fun, jac, np.zeros(rows), ub, hess=hess))
        else:
            raise TypeError(
                f"constraint {k}: expected a dict, LinearConstraint or NonlinearConstraint, got {type(con).__name__}"
            )
    return blocks


class _ScipyProblem:
    """Callbacks for :class:`Problem` built from scipy-style arguments."""

    def __init__(self, fun, x0, args, kwargs, jac, hess, hessp, blocks, callback):
        self.n = x0.size
        self.blocks = blocks
        self.m = sum(b.size for b in blocks)
        self.callback = callback
        self._last: Tuple[Optional[bytes], Any] = (None, None)
        f = lambda x: fun(x, *args, **kwargs)
        if jac is True:
            # fun returns (f, g): cache the pair so objective and gradient share one call.
            def both(x):
                key = x.tobytes()
                if self._last[0] != key:
                    self._last = (key, f(x))
                return self._last[1]

            self._f = lambda x: float(both(x)[0])
            self._g = lambda x: np.asarray(both(x)[1], dtype=float)
        else:
            self._f = lambda x: float(f(x))
            if callable(jac):
                self._g = lambda x: np.asarray(jac(x, *args, **kwargs), dtype=float)
            elif jac is None or jac in ("2-point", "3-point", "cs"):
                self._g = lambda x: _fd_jacobian(lambda z: np.array([self._f(z)]), x).ravel()
            else:
                raise ValueError(f"jac must be callable, True, None or a finite-difference scheme, got {jac!r}")
        self._hess = (lambda x: hess(x, *args, **kwargs)) if callable(hess) else None
        self._hessp = (lambda x, p: hessp(x, p, *args, **kwargs)) if callable(hessp) else None
        if hess is not None and not callable(hess) and hess not in ("2-point", "3-point", "cs"):
            # scipy's HessianUpdateStrategy objects: ipax uses its own L-BFGS instead.
            self._hess = None
        cons_hess_ok = all(b.linear or b.hess is not None for b in blocks)
        self.exact_hessian = self._hess is not None and cons_hess_ok
        self.hessian_products = not self.exact_hessian and self._hessp is not None and cons_hess_ok
        # Jacobian structure: the sparse pattern at x0 when any block is sparse, dense otherwise.
        if self.m:
            J0 = self._stack(x0)
            if _is_sparse(J0):
                coo = _sparse.coo_matrix(J0)
                coo.sum_duplicates()
                self._jrows, self._jcols = coo.row.astype(np.int64), coo.col.astype(np.int64)
            else:
                self._jrows = self._jcols = None

    # --- problem callbacks
    def objective(self, x):
        return self._f(x)

    def gradient(self, x):
        return self._g(x)

    def constraints(self, x):
        return np.concatenate([np.atleast_1d(b.fun(x)) for b in self.blocks])

    def _stack(self, x):
        parts = []
        for b in self.blocks:
            J = b.jac(x)
            J = J if _is_sparse(J) else np.atleast_2d(np.asarray(J, dtype=float)).reshape(b.size, self.n)
            parts.append(J)
        if any(_is_sparse(p) for p in parts):
            return _sparse.vstack([_sparse.csr_matrix(p) for p in parts], format="csr")
        return np.vstack(parts)

    def jacobianstructure(self):
        if self._jrows is None:
            rows, cols = np.indices((self.m, self.n))
            return rows.ravel(), cols.ravel()
        return self._jrows, self._jcols

    def jacobian(self, x):
        J = self._stack(x)
        if self._jrows is None:
            return (J.toarray() if _is_sparse(J) else J).ravel()
        J = _sparse.csr_matrix(J)
        vals = np.asarray(J[self._jrows, self._jcols]).ravel()
        if np.count_nonzero(J.data) > np.count_nonzero(vals):
            raise ValueError("the sparsity pattern of the constraint Jacobian changed after x0")
        return vals

    def _constraint_hessian(self, x, lagrange):
        H = np.zeros((self.n, self.n))
        start = 0
        for b in self.blocks:
            if not b.linear:
                Hb = b.hess(x, lagrange[start : start + b.size])
                H = H + (Hb.toarray() if _is_sparse(Hb) else np.asarray(Hb, dtype=float))
            start += b.size
        return H

    def hessianstructure(self):
        return np.tril_indices(self.n)

    def hessian(self, x, lagrange, obj_factor):
        H0 = self._hess(x)
        H = obj_factor * (H0.toarray() if _is_sparse(H0) else np.asarray(H0, dtype=float))
        if self.m:
            H = H + self._constraint_hessian(x, lagrange)
        return H[np.tril_indices(self.n)]

    def hvp(self, x, lagrange, obj_factor, v):
        out = obj_factor * np.asarray(self._hessp(x, v), dtype=float)
        if self.m and any(not b.linear for b in self.blocks):
            out = out + self._constraint_hessian(x, lagrange) @ v
        return out

    def intermediate(self, alg_mod, iter_count, obj_value, *rest):
        if self.callback is None:
            return True
        x = self._nlp.get_current_iterate()["x"]
        try:
            self.callback(x)
        except StopIteration:
            return False
        return True


def minimize(
    fun: Callable[..., Any],
    x0: Sequence[float],
    args: tuple = (),
    kwargs: Optional[Dict[str, Any]] = None,
    method: Optional[str] = None,
    jac: Any = None,
    hess: Any = None,
    hessp: Optional[Callable[..., Any]] = None,
    bounds: Any = None,
    constraints: Any = (),
    tol: Optional[float] = None,
    callback: Optional[Callable[[np.ndarray], Any]] = None,
    options: Optional[Dict[str, Any]] = None,
) -> "OptimizeResult":
    """Minimize ``fun(x, *args, **kwargs)`` with ipax, in ``scipy.optimize.minimize``'s terms.

    * ``jac``: callable gradient, ``True`` (``fun`` returns ``(f, g)``) or ``None``/a scipy
      finite-difference name (central differences);
    * ``hess`` (callable → exact Lagrangian Hessian when every constraint is linear or carries a
      Hessian) or ``hessp`` (Hessian-vector products, matrix-free route); otherwise L-BFGS;
    * ``bounds``: ``scipy.optimize.Bounds`` or a sequence of ``(low, high)`` pairs (``None`` = free);
    * ``constraints``: ``LinearConstraint``, ``NonlinearConstraint`` (dense or scipy.sparse
      Jacobians) or old-style dicts ``{'type': 'eq'|'ineq', 'fun', 'jac', 'args'}``;
    * ``options``: Ipopt option names, plus scipy's ``disp`` (→ ``print_level``) and ``maxiter``
      (→ ``max_iter``); ``tol`` sets ``tol``. ``callback(xk)`` runs after every iteration (raise
      ``StopIteration`` to stop). ``method`` is accepted for cyipopt compatibility and ignored.

    Returns an ``OptimizeResult`` with ``x``, ``fun``, ``success``, ``status`` (Ipopt's code),
    ``message``, ``nit``, ``nfev``, ``njev``, ``info`` (cyipopt's dict) and the multipliers.
    """
    if not callable(fun):
        raise TypeError("fun must be callable")
    x0 = np.atleast_1d(np.asarray(x0, dtype=float)).ravel()
    if x0.size == 0:
        raise ValueError("x0 must not be empty")
    if not np.all(np.isfinite(x0)):
        raise ValueError("x0 must be finite")
    n = x0.size
    kwargs = dict(kwargs or {})
    args = tuple(args) if isinstance(args, (tuple, list)) else (args,)
    lb, ub = _parse_bounds(bounds, n)
    blocks = _blocks(constraints, x0, args=args)
    cb = _ScipyProblem(fun, x0, args, kwargs, jac, hess, hessp, blocks, callback)
    if not cb.exact_hessian:
        cb.hessian = None  # type: ignore[assignment]  # → no exact Hessian: L-BFGS or hvp
    if not cb.hessian_products:
        cb.hvp = None  # type: ignore[assignment]
    if callback is None:
        cb.intermediate = None  # type: ignore[assignment]
    if cb.m:
        cl = np.concatenate([b.lb for b in blocks])
        cu = np.concatenate([b.ub for b in blocks])
    else:
        cl = cu = None
    nlp = Problem(n=n, m=cb.m, problem_obj=cb, lb=lb, ub=ub, cl=cl, cu=cu)
    cb._nlp = nlp
    opts = dict(options or {})
    disp = opts.pop("disp", 0)
    maxiter = opts.pop("maxiter", None)
    nlp.add_option("print_level", int(disp) if not isinstance(disp, bool) else (5 if disp else 0))
    if maxiter is not None:
        nlp.add_option("max_iter", int(maxiter))
    if tol is not None:
        nlp.add_option("tol", float(tol))
    for name, value in opts.items():
        nlp.add_option(name, value)
    x, info = nlp.solve(x0)
    return OptimizeResult(
        x=x,
        fun=info["obj_val"],
        success=bool(info["success"]),
        status=info["status"],
        message=info["status_msg"].decode(),
        nit=info["iterations"],
        nfev=info["nfev"],
        njev=info["ngev"],
        info=info,
        constr=info["g"],
        mult_g=info["mult_g"],
        mult_x_L=info["mult_x_L"],
        mult_x_U=info["mult_x_U"],
    )


def _parse_bounds(bounds: Any, n: int) -> Tuple[np.ndarray, np.ndarray]:
    if bounds is None:
        return np.full(n, -np.inf), np.full(n, np.inf)
    if _Bounds is not None and isinstance(bounds, _Bounds):
        return _vec(bounds.lb, n, "bounds.lb"), _vec(bounds.ub, n, "bounds.ub")
    pairs = list(bounds)
    if len(pairs) != n:
        raise ValueError(f"bounds must have {n} (low, high) pairs, got {len(pairs)}")
    lb = np.empty(n)
    ub = np.empty(n)
    for i, pair in enumerate(pairs):
        try:
            lo, hi = pair
        except (TypeError, ValueError):
            raise ValueError(f"bounds[{i}] must be a (low, high) pair") from None
        lb[i] = -np.inf if lo is None else float(lo)
        ub[i] = np.inf if hi is None else float(hi)
    return lb, ub


def minimize_ipopt(
    fun: Callable[..., Any],
    x0: Sequence[float],
    args: tuple = (),
    kwargs: Optional[Dict[str, Any]] = None,
    method: Optional[str] = None,
    jac: Any = None,
    hess: Any = None,
    hessp: Optional[Callable[..., Any]] = None,
    bounds: Any = None,
    constraints: Any = (),
    tol: Optional[float] = None,
    callback: Optional[Callable[[np.ndarray], Any]] = None,
    options: Optional[Dict[str, Any]] = None,
) -> "OptimizeResult":
    """cyipopt's name and signature for :func:`minimize`."""
    return minimize(fun, x0, args, kwargs, method, jac, hess, hessp, bounds, constraints, tol, callback, options)
