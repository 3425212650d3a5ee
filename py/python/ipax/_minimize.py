"""scipy-style :func:`minimize` (also exported under cyipopt's names :func:`minimize_ipopt` and
:class:`IpoptProblemWrapper`).

Derivatives keep the user's sparsity: a scipy.sparse Jacobian or Hessian is passed to the solver
as its pattern at ``x0`` plus values (memory ``O(nnz)``); ``hessp`` and ``LinearOperator``
Hessians go to the matrix-free route one product at a time. Only a derivative the user returns
dense is handled densely.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ._problem import Problem

__all__ = ["minimize", "minimize_ipopt", "OptimizeResult", "IpoptProblemWrapper"]

try:  # scipy is optional: its result type, sparse matrices and constraint classes when present.
    from scipy.optimize import OptimizeResult  # type: ignore
    from scipy.optimize import Bounds as _Bounds  # type: ignore
    from scipy.optimize import LinearConstraint as _LinearConstraint  # type: ignore
    from scipy.optimize import NonlinearConstraint as _NonlinearConstraint  # type: ignore
    from scipy.optimize import HessianUpdateStrategy as _HessianUpdateStrategy  # type: ignore
    from scipy.sparse.linalg import LinearOperator as _LinearOperator  # type: ignore
    import scipy.sparse as _sparse  # type: ignore
except ImportError:  # pragma: no cover - exercised only without scipy
    _Bounds = _LinearConstraint = _NonlinearConstraint = _sparse = None
    _HessianUpdateStrategy = _LinearOperator = None

    class OptimizeResult(dict):  # type: ignore[no-redef]
        """A dict with attribute access, like ``scipy.optimize.OptimizeResult``."""

        def __getattr__(self, name: str) -> Any:
            try:
                return self[name]
            except KeyError:
                raise AttributeError(name) from None

        __setattr__ = dict.__setitem__  # type: ignore[assignment]
        __delattr__ = dict.__delitem__  # type: ignore[assignment]

#: Forward-difference step of ``jac=None`` (cyipopt's ``eps`` default; ``options={'eps': h}``).
_DEFAULT_EPS = 1e-8
#: Complex-step size: the derivative is Im f(x + ih e_i) / h with no subtractive cancellation, so
#: h can be tiny (Squire & Trapp, SIAM Review 40, 1998).
_CS_STEP = 1e-20
_FD_SCHEMES = ("2-point", "3-point", "cs")


def _is_sparse(a: Any) -> bool:
    return _sparse is not None and _sparse.issparse(a)


def _is_operator(a: Any) -> bool:
    return _LinearOperator is not None and isinstance(a, _LinearOperator)


def _scalar(v: Any) -> float:
    """A float from a callback result that may be a size-1 array (``fun(x) = x**2`` with n = 1)."""
    a = np.asarray(v, dtype=float)
    if a.size != 1:
        raise ValueError(f"the objective must return a scalar, got an array of shape {a.shape}")
    return float(a.reshape(()))


class _Gradient:
    """Finite-difference gradients of a scalar function ``f``.

    * ``2-point``: forward differences, step ``eps`` (absolute; cyipopt's ``eps``, default 1e-8),
      error ``O(eps·|f''|) + O(ε_mach |f| / eps)``;
    * ``3-point``: central differences, step ``eps`` or ``ε_mach^(1/3)·max(1, |xᵢ|)``, which
      balances truncation ``O(h²)`` against rounding ``O(ε/h)`` (Nocedal & Wright, §8.1);
    * ``cs``: complex step (``f`` must accept complex ``x``), exact to rounding.
    """

    def __init__(self, f: Callable[[np.ndarray], Any], scheme: str, eps: Optional[float]):
        self.f = f
        self.scheme = scheme
        self.eps = eps

    def __call__(self, x: np.ndarray, f0: Optional[float] = None) -> np.ndarray:
        n = x.size
        g = np.empty(n)
        if self.scheme == "cs":
            xc = x.astype(complex)
            for i in range(n):
                xc[i] += 1j * _CS_STEP
                g[i] = np.imag(np.asarray(self.f(xc)).reshape(())) / _CS_STEP
                xc[i] = x[i]
            return g
        if self.scheme == "3-point":
            h = np.full(n, self.eps) if self.eps is not None else np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(x))
            for i in range(n):
                xp = x.copy()
                xm = x.copy()
                xp[i] += h[i]
                xm[i] -= h[i]
                g[i] = (_scalar(self.f(xp)) - _scalar(self.f(xm))) / (xp[i] - xm[i])
            return g
        eps = _DEFAULT_EPS if self.eps is None else self.eps
        base = _scalar(self.f(x)) if f0 is None else f0
        for i in range(n):
            xp = x.copy()
            xp[i] += eps
            g[i] = (_scalar(self.f(xp)) - base) / eps
        return g


def _fd_jacobian(fun: Callable[[np.ndarray], np.ndarray], x: np.ndarray, eps: Optional[float] = None) -> np.ndarray:
    """Finite-difference Jacobian (rows = outputs): forward differences with the absolute step
    ``eps`` (as the objective's ``2-point``), or central differences with step
    ``ε_mach^(1/3)·max(1, |xᵢ|)`` when ``eps`` is ``None`` (Nocedal & Wright, §8.1)."""
    cols = []
    if eps is None:
        h = np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(x))
        for i in range(x.size):
            xp = x.copy()
            xm = x.copy()
            xp[i] += h[i]
            xm[i] -= h[i]
            cols.append((np.atleast_1d(fun(xp)) - np.atleast_1d(fun(xm))) / (2.0 * h[i]))
        return np.column_stack(cols) if cols else np.zeros((0, 0))
    f0 = np.atleast_1d(np.asarray(fun(x), dtype=float))
    for i in range(x.size):
        xp = x.copy()
        xp[i] += eps
        cols.append((np.atleast_1d(np.asarray(fun(xp), dtype=float)) - f0) / eps)
    return np.column_stack(cols)


class _Memo:
    """``fun(x) -> (value, derivative)`` (``jac=True``) evaluated once per point."""

    def __init__(self, fun: Callable[..., Any]):
        self.fun = fun
        self.key: Optional[bytes] = None
        self.value: Any = None

    def _get(self, x: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        key = np.asarray(x).tobytes()
        if key != self.key:
            self.value = self.fun(x, *args, **kwargs)
            self.key = key
        return self.value

    def value_of(self, x: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        return self._get(x, *args, **kwargs)[0]

    def derivative_of(self, x: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        return self._get(x, *args, **kwargs)[1]


def _coords(M: Any, nrows: int, ncols: int, what: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, cols, values)`` of a dense or scipy-sparse matrix (explicit zeros kept)."""
    if _is_sparse(M):
        coo = M.tocoo()
        if coo.shape != (nrows, ncols):
            raise ValueError(f"{what} has shape {coo.shape}, expected {(nrows, ncols)}")
        return (np.asarray(coo.row, dtype=np.int64), np.asarray(coo.col, dtype=np.int64),
                np.asarray(coo.data, dtype=float))
    a = np.asarray(M, dtype=float)
    if a.size != nrows * ncols:
        raise ValueError(f"{what} has {a.size} entries, expected {nrows} x {ncols}")
    r, c = np.indices((nrows, ncols))
    return r.ravel().astype(np.int64), c.ravel().astype(np.int64), a.reshape(-1)


class _Pattern:
    """A fixed sparsity pattern (sorted unique ``row·ncols + col`` keys) and the map from any
    later set of triplets into its value order, summing duplicates: ``O(nnz log nnz)``."""

    def __init__(self, rows: np.ndarray, cols: np.ndarray, ncols: int, what: str):
        self.ncols = ncols
        self.what = what
        self.keys = np.unique(rows.astype(np.int64) * ncols + cols.astype(np.int64))

    @property
    def rows(self) -> np.ndarray:
        return self.keys // self.ncols

    @property
    def cols(self) -> np.ndarray:
        return self.keys % self.ncols

    def values(self, rows: np.ndarray, cols: np.ndarray, data: np.ndarray) -> np.ndarray:
        keys = rows.astype(np.int64) * self.ncols + cols.astype(np.int64)
        pos = np.searchsorted(self.keys, keys)
        pos_c = np.minimum(pos, self.keys.size - 1) if self.keys.size else pos
        inside = (pos < self.keys.size) & (self.keys[pos_c] == keys) if self.keys.size else np.zeros(keys.size, bool)
        if not inside.all() and np.any(data[~inside] != 0.0):
            raise ValueError(f"the sparsity pattern of the {self.what} gained entries after x0")
        return np.bincount(pos[inside], weights=data[inside], minlength=self.keys.size)


class _Block:
    """One block of constraint rows: ``lb <= fun(x) <= ub``, Jacobian ``jac(x)`` (dense array,
    scipy.sparse matrix) and optional Hessian ``hess(x, v) = Σ vᵢ ∇²funᵢ(x)`` (matrix or
    LinearOperator); ``linear`` blocks have a zero Hessian."""

    def __init__(self, fun: Callable[..., Any], jac: Callable[..., Any], lb: np.ndarray, ub: np.ndarray,
                 hess: Optional[Callable[..., Any]] = None, linear: bool = False):
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


def _blocks(constraints: Any, x0: np.ndarray, args: tuple = (), eps: Optional[float] = None) -> List[_Block]:
    """Constraint blocks (``args`` is unused: each dict carries its own); finite-difference
    Jacobians use :func:`_fd_jacobian` with ``eps``."""
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
            jac = con.jac if callable(con.jac) else (lambda x, f=fun: _fd_jacobian(f, x, eps))
            hess = con.hess if callable(con.hess) else None
            blocks.append(_Block(fun, jac, _vec(con.lb, rows, "lb"), _vec(con.ub, rows, "ub"), hess=hess))
        elif isinstance(con, dict):
            blocks.append(_dict_block(k, con, x0, eps))
        else:
            raise TypeError(
                f"constraint {k}: expected a dict, LinearConstraint or NonlinearConstraint, got {type(con).__name__}"
            )
    return blocks


def _dict_block(k: int, con: Dict[str, Any], x0: np.ndarray, eps: Optional[float]) -> _Block:
    """An old-style constraint ``{'type': 'eq'|'ineq', 'fun', 'jac', 'hess', 'args', 'kwargs'}``
    (``fun >= 0`` for 'ineq'); ``jac=True``: ``fun`` returns ``(value, jacobian)``;
    ``hess(x, v, *args, **kwargs)`` is ``Σ vᵢ ∇²funᵢ(x)``."""
    kind = con.get("type")
    if kind not in ("eq", "ineq"):
        raise ValueError(f"constraint {k}: 'type' must be 'eq' or 'ineq', got {kind!r}")
    if not callable(con.get("fun")):
        raise ValueError(f"constraint {k}: 'fun' must be callable")
    cargs = tuple(con.get("args", ()))
    ckw = dict(con.get("kwargs", {}))
    cjac = con.get("jac")
    if cjac is True:
        memo = _Memo(con["fun"])
        fun = lambda x, m=memo: np.atleast_1d(np.asarray(m.value_of(x, *cargs, **ckw), dtype=float))
        jac = lambda x, m=memo: m.derivative_of(x, *cargs, **ckw)
    else:
        fun = lambda x, f=con["fun"]: np.atleast_1d(np.asarray(f(x, *cargs, **ckw), dtype=float))
        if callable(cjac):
            jac = lambda x, j=cjac: j(x, *cargs, **ckw)
        elif cjac in (None, False):
            jac = lambda x, f=fun: _fd_jacobian(f, x, eps)
        else:
            raise ValueError(f"constraint {k}: 'jac' must be callable or boolean")
    hess = None
    if callable(con.get("hess")):
        hess = lambda x, v, h=con["hess"]: h(x, v, *cargs, **ckw)
    rows = fun(x0).size
    ub = np.zeros(rows) if kind == "eq" else np.full(rows, np.inf)
    return _Block(fun, jac, np.zeros(rows), ub, hess=hess)


class IpoptProblemWrapper:
    """The callbacks object :func:`minimize` hands to :class:`Problem` (cyipopt's class name and
    leading arguments: ``fun, args, kwargs, jac, hess, hessp, constraints, eps``).

    * ``jac``: callable, ``True`` (``fun`` returns ``(f, g)``), ``None``/``False``/``'2-point'``
      (forward differences, step ``eps``), ``'3-point'`` (central) or ``'cs'`` (complex step);
    * ``hess(x)``: dense array, scipy.sparse matrix or LinearOperator; ``hessp(x, p)``: products;
    * ``constraints``: ``LinearConstraint``, ``NonlinearConstraint`` or dicts;
    * ``x0``: the point where the sparsity patterns are read (required for constraints and a
      Hessian structure; :func:`minimize` passes it).

    The method ``hessian`` exists only when the Lagrangian Hessian is available as a matrix, and
    ``hvp`` only on the matrix-free route, so :class:`Problem` picks the route from them.
    """

    def __init__(
        self,
        fun: Callable[..., Any],
        args: Any = (),
        kwargs: Optional[Dict[str, Any]] = None,
        jac: Any = None,
        hess: Any = None,
        hessp: Optional[Callable[..., Any]] = None,
        constraints: Any = (),
        eps: Optional[float] = None,
        *,
        x0: Optional[Any] = None,
        callback: Optional[Callable[[np.ndarray], Any]] = None,
    ) -> None:
        if not callable(fun):
            raise ValueError("`fun` must be callable.")
        args = tuple(args) if isinstance(args, tuple) else (args,)
        kwargs = {} if kwargs is None else kwargs
        if not isinstance(kwargs, dict):
            raise ValueError("`kwargs` must be a dictionary.")
        if not (jac is None or isinstance(jac, bool) or callable(jac) or jac in _FD_SCHEMES):
            raise ValueError("`jac` must be callable or boolean (or one of '2-point', '3-point', 'cs').")
        if hess is not None and not callable(hess) and hess not in _FD_SCHEMES and not (
            _HessianUpdateStrategy is not None and isinstance(hess, _HessianUpdateStrategy)
        ):
            raise ValueError("`hess` must be callable.")
        if hessp is not None and not callable(hessp):
            raise ValueError("`hessp` must be callable.")
        self.callback = callback
        self.nfev = 0
        self.njev = 0
        self.nit = 0
        self._nlp: Optional[Problem] = None

        f_user = lambda x: fun(x, *args, **kwargs)
        if jac is True:
            memo = _Memo(fun)
            self._f = lambda x: _scalar(memo.value_of(x, *args, **kwargs))
            self._g = lambda x: np.asarray(memo.derivative_of(x, *args, **kwargs), dtype=float).reshape(-1)
        else:
            self._f = lambda x: _scalar(f_user(x))
            if callable(jac):
                self._g = lambda x: np.asarray(jac(x, *args, **kwargs), dtype=float).reshape(-1)
            else:
                scheme = "2-point" if jac in (None, False) else jac
                fd = _Gradient(f_user, scheme, eps)
                if scheme == "cs" and x0 is not None:
                    probe = np.asarray(f_user(np.asarray(x0, dtype=float).reshape(-1) + 0j))
                    if not np.iscomplexobj(probe):
                        raise ValueError(
                            "jac='cs' (complex step) needs fun to accept a complex x and return a "
                            "complex value; fun returned a real value. Use jac='3-point' instead."
                        )
                last: List[Any] = [None, None]

                def fd_gradient(x: np.ndarray) -> np.ndarray:
                    # Forward differences reuse f(x) when the solver just evaluated it there.
                    f0 = last[1] if scheme == "2-point" and last[0] == x.tobytes() else None
                    return fd(x, f0)

                def value(x: np.ndarray) -> float:
                    v = _scalar(f_user(x))
                    last[0], last[1] = x.tobytes(), v
                    return v

                self._f = value
                self._g = fd_gradient
        self._hess_fun = (lambda x: hess(x, *args, **kwargs)) if callable(hess) else None
        self._hessp_fun = (lambda x, p: hessp(x, p, *args, **kwargs)) if callable(hessp) else None

        self.n = 0 if x0 is None else int(np.asarray(x0).size)
        x0a = None if x0 is None else np.asarray(x0, dtype=float).reshape(-1)
        has_constraints = constraints is not None and not (isinstance(constraints, (list, tuple)) and not constraints)
        if has_constraints and x0a is None:
            raise ValueError("constraints need x0 (to read their sizes and sparsity patterns)")
        self.blocks = _blocks(constraints, x0a, eps=_DEFAULT_EPS if eps is None else eps) if x0a is not None else []
        self.m = sum(b.size for b in self.blocks)
        if self.m:
            self._setup_jacobian(x0a)
        self._setup_hessian(x0a)

    # ------------------------------------------------------------------ setup
    def _setup_jacobian(self, x0: np.ndarray) -> None:
        rows, cols = [], []
        self._jac_dense: List[bool] = []
        offset = 0
        for b in self.blocks:
            J = b.jac(x0)
            r, c, _ = _coords(J, b.size, self.n, "a constraint Jacobian")
            self._jac_dense.append(not _is_sparse(J))
            rows.append(r + offset)
            cols.append(c)
            offset += b.size
        self._jac = _Pattern(np.concatenate(rows), np.concatenate(cols), self.n, "constraint Jacobian")

    def _setup_hessian(self, x0: Optional[np.ndarray]) -> None:
        """Pick the Hessian route: a sparse pattern when every term is a matrix at ``x0`` (the
        union of their lower triangles), products when some term is ``hessp`` or a
        LinearOperator, L-BFGS when a term is missing."""
        self._hess_mode = "none"
        cons_ok = all(b.linear or b.hess is not None for b in self.blocks)
        if not cons_ok or (self._hess_fun is None and self._hessp_fun is None):
            return
        if self._hess_fun is not None and x0 is not None:
            terms = [self._hess_fun(x0)]
            terms += [b.hess(x0, np.ones(b.size)) for b in self.blocks if not b.linear]  # type: ignore[misc]
            if not any(_is_operator(t) for t in terms):
                rows, cols = [], []
                for t in terms:
                    r, c, _ = _coords(t, self.n, self.n, "a Hessian")
                    low = r >= c
                    rows.append(r[low])
                    cols.append(c[low])
                self._hess = _Pattern(np.concatenate(rows), np.concatenate(cols), self.n, "Lagrangian Hessian")
                self._hess_mode = "sparse"
                self.hessian = self._hessian_values
                return
        elif self._hess_fun is not None:
            # No x0 (a bare wrapper): the dense lower triangle of each x.
            self._hess_mode = "dense"
            self.hessian = self._hessian_values
            return
        self._hess_mode = "products"
        self.hvp = self._hessian_product

    @property
    def _hessian_is_sparse(self) -> bool:
        """cyipopt's attribute: the Hessian goes to the solver as a sparse pattern."""
        return self._hess_mode == "sparse"

    # ------------------------------------------------------------------ callbacks
    def objective(self, x: np.ndarray) -> float:
        self.nfev += 1
        return self._f(x)

    def gradient(self, x: np.ndarray) -> np.ndarray:
        self.njev += 1
        return self._g(x)

    def constraints(self, x: np.ndarray) -> np.ndarray:
        return np.concatenate([np.atleast_1d(b.fun(x)) for b in self.blocks])

    def jacobianstructure(self) -> Tuple[np.ndarray, np.ndarray]:
        return self._jac.rows, self._jac.cols

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        rows, cols, vals = [], [], []
        offset = 0
        for b in self.blocks:
            r, c, v = _coords(b.jac(x), b.size, self.n, "a constraint Jacobian")
            rows.append(r + offset)
            cols.append(c)
            vals.append(v)
            offset += b.size
        return self._jac.values(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals))

    def _terms(self, x: np.ndarray, lagrange: np.ndarray, obj_factor: float) -> List[Tuple[float, Any]]:
        """``[(weight, matrix)]`` whose weighted sum is the Lagrangian Hessian."""
        terms: List[Tuple[float, Any]] = [(obj_factor, self._hess_fun(x))]  # type: ignore[misc]
        start = 0
        for b in self.blocks:
            if not b.linear:
                terms.append((1.0, b.hess(x, lagrange[start : start + b.size])))  # type: ignore[misc]
            start += b.size
        return terms

    def hessianstructure(self) -> Tuple[np.ndarray, np.ndarray]:
        if self._hess_mode == "sparse":
            return self._hess.rows, self._hess.cols
        return np.tril_indices(self.n)

    def _hessian_values(self, x: np.ndarray, lagrange: Any, obj_factor: float) -> np.ndarray:
        """Values of the lower triangle of ``σ∇²f + Σ λᵢ∇²gᵢ`` (the ``hessian`` callback)."""
        lagrange = np.asarray(lagrange, dtype=float)
        n = x.size
        if self._hess_mode == "sparse":
            rows, cols, vals = [], [], []
            for w, t in self._terms(x, lagrange, obj_factor):
                r, c, v = _coords(t, n, n, "a Hessian")
                low = r >= c
                rows.append(r[low])
                cols.append(c[low])
                vals.append(w * v[low])
            return self._hess.values(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals))
        H = np.zeros((n, n))
        for w, t in self._terms(x, lagrange, obj_factor):
            H += w * (t.toarray() if _is_sparse(t) else np.asarray(t, dtype=float).reshape(n, n))
        return H[np.tril_indices(n)]

    def _hessian_product(self, x: np.ndarray, lagrange: np.ndarray, obj_factor: float, v: np.ndarray) -> np.ndarray:
        """``(σ∇²f + Σ λᵢ∇²gᵢ) v`` from ``hessp`` or the terms' own products (the ``hvp`` callback).

        ``v`` may be a block ``(n, k)``: matrices and LinearOperators multiply it at once
        (``matmat``), and ``hessp`` gets the block as is; :class:`Problem` checks once per solve
        whether the result is right (``ipax._assemble``) and otherwise goes column by column."""
        v = np.asarray(v, dtype=float)
        shape = v.shape

        def times(h: Any) -> np.ndarray:
            if _is_operator(h):
                return np.asarray(h.matmat(v) if v.ndim == 2 else h.matvec(v), dtype=float).reshape(shape)
            return np.asarray(h @ v, dtype=float).reshape(shape)

        if self._hessp_fun is not None:
            out = obj_factor * np.asarray(self._hessp_fun(x, v), dtype=float).reshape(shape)
        else:
            out = obj_factor * times(self._hess_fun(x))  # type: ignore[misc]
        start = 0
        for b in self.blocks:
            if not b.linear:
                out = out + times(b.hess(x, lagrange[start : start + b.size]))  # type: ignore[misc]
            start += b.size
        return out

    def intermediate(self, alg_mod: int, iter_count: int, *rest: Any) -> bool:
        self.nit = iter_count
        if self.callback is None or self._nlp is None:
            return True
        x = self._nlp.get_current_iterate()["x"]
        try:
            self.callback(x)
        except StopIteration:
            return False
        return True


def _parse_bounds(bounds: Any, x0: Any) -> Tuple[np.ndarray, np.ndarray]:
    """cyipopt's bounds: ``None``, ``scipy.optimize.Bounds`` or ``(low, high)`` pairs, one per
    variable or one for all (broadcast); ``None`` entries are infinite. ``x0``: the start point
    or the number of variables."""
    if isinstance(x0, (int, np.integer)):
        x0 = np.zeros(int(x0))
    if bounds is None:
        return np.full(x0.size, -np.inf), np.full(x0.size, np.inf)
    if _Bounds is not None and isinstance(bounds, _Bounds):
        lb, ub = bounds.lb, bounds.ub
    else:
        arr = np.atleast_2d(np.asarray(bounds, dtype=object))
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ValueError("`bounds` must specify both lower and upper limits for each decision variable.")
        lb, ub = arr[:, 0], arr[:, 1]
    try:
        lb, ub, _ = np.broadcast_arrays(np.asarray(lb, dtype=object), np.asarray(ub, dtype=object), x0)
    except ValueError:
        raise ValueError(
            "The number of lower bounds, upper bounds, and decision variables must be equal or broadcastable."
        ) from None
    try:
        lo = np.array([np.nan if v is None else v for v in lb.ravel()], dtype=float)
        hi = np.array([np.nan if v is None else v for v in ub.ravel()], dtype=float)
    except (TypeError, ValueError):
        raise ValueError("The bounds must be numeric.") from None
    lo[np.isnan(lo)] = -np.inf
    hi[np.isnan(hi)] = np.inf
    return lo, hi


def _scipy_method(fun: Callable[..., Any], x0: np.ndarray, args: tuple, kwargs: Dict[str, Any], method: str,
                  jac: Any, hess: Any, hessp: Any, bounds: Tuple[np.ndarray, np.ndarray], constraints: Any,
                  tol: Optional[float], callback: Any, options: Optional[Dict[str, Any]]) -> Any:
    """``method=...``: scipy.optimize.minimize itself, with ``kwargs`` bound into every callback
    (scipy has no ``kwargs``)."""
    from scipy import optimize  # type: ignore

    def bind(f: Any, kw: Dict[str, Any]) -> Any:
        if callable(f) and kw:
            return lambda x, *a: f(x, *a, **kw)
        return f

    cons = constraints
    if isinstance(cons, dict):
        cons = [cons]
    if isinstance(cons, (list, tuple)):
        out = []
        for c in cons:
            if isinstance(c, dict):
                c = dict(c)
                ckw = c.pop("kwargs", {})
                for key in ("fun", "jac"):
                    if key in c:
                        c[key] = bind(c[key], ckw)
            out.append(c)
        cons = out
    return optimize.minimize(
        bind(fun, kwargs), x0, args, method, bind(jac, kwargs), bind(hess, kwargs), bind(hessp, kwargs),
        optimize.Bounds(*bounds), cons, tol, callback, options,
    )


def minimize(
    fun: Callable[..., Any],
    x0: Any,
    args: Any = (),
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
    """Minimize ``fun(x, *args, **kwargs)`` with ipax, in ``scipy.optimize.minimize``'s terms
    (and cyipopt's ``minimize_ipopt``'s: the same argument checks and messages).

    * ``jac``: callable gradient, ``True`` (``fun`` returns ``(f, g)``), ``None``/``'2-point'``
      (forward differences with step ``options['eps']``, default 1e-8), ``'3-point'`` (central)
      or ``'cs'`` (complex step; ``fun`` must accept complex ``x``);
    * ``hess(x)`` (dense, scipy.sparse or LinearOperator; the exact Lagrangian Hessian when every
      nonlinear constraint carries ``hess`` too) or ``hessp(x, p)`` (matrix-free); else L-BFGS.
      Sparse Hessians and Jacobians keep their pattern at ``x0`` (memory linear in ``nnz``);
    * ``bounds``: ``scipy.optimize.Bounds`` or ``(low, high)`` pairs (one for all broadcasts);
    * ``constraints``: ``LinearConstraint``, ``NonlinearConstraint`` or dicts
      ``{'type': 'eq'|'ineq', 'fun', 'jac' (callable or True), 'hess', 'args', 'kwargs'}``;
    * ``options``: Ipopt option names plus scipy's ``disp`` (→ ``print_level``), ``maxiter``
      (→ ``max_iter``) and cyipopt's ``eps``; ``tol`` sets ``tol``. ``callback(xk)`` runs after
      every iteration (raise ``StopIteration`` to stop);
    * ``method``: ``None`` for ipax, or a scipy method name to run ``scipy.optimize.minimize``.

    Returns an ``OptimizeResult`` with ``x``, ``fun``, ``success``, ``status`` (Ipopt's code),
    ``message``, ``nit``, ``nfev``, ``njev``, ``info`` (cyipopt's dict) and the multipliers.
    """
    if not callable(fun):
        raise ValueError("`fun` must be callable.")
    x0a = np.atleast_1d(np.asarray(x0))
    if not np.issubdtype(x0a.dtype, np.number):
        raise ValueError("`x0` must be a numeric array.")
    x0a = x0a.astype(float).ravel()
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, dict):
        raise ValueError("`kwargs` must be a dictionary.")
    args = tuple(args) if isinstance(args, (tuple, list)) else (args,)
    lb, ub = _parse_bounds(bounds, x0a)
    if tol is not None:
        t = np.asarray(tol)[()]
        if np.ndim(t) != 0 or not np.issubdtype(np.asarray(t).dtype, np.number) or not t > 0:
            raise ValueError("`tol` must be a positive scalar.")
        tol = float(t)
    if options is not None and not isinstance(options, dict):
        raise ValueError("`options` must be a dictionary.")
    if method is not None:
        return _scipy_method(fun, x0a, args, kwargs, method, jac, hess, hessp, (lb, ub), constraints, tol,
                             callback, options)
    if callback is not None and not callable(callback):
        raise ValueError("`callback` must be callable.")
    if x0a.size == 0:
        raise ValueError("x0 must not be empty")
    if not np.all(np.isfinite(x0a)):
        raise ValueError("x0 must be finite")
    opts = dict(options or {})
    eps = opts.pop("eps", None)
    cb = IpoptProblemWrapper(fun, args, kwargs, jac, hess, hessp, constraints, eps, x0=x0a, callback=callback)
    if callback is None:
        cb.intermediate = None  # type: ignore[assignment]
    if cb.m:
        cl = np.concatenate([b.lb for b in cb.blocks])
        cu = np.concatenate([b.ub for b in cb.blocks])
    else:
        cl = cu = None
    nlp = Problem(n=x0a.size, m=cb.m, problem_obj=cb, lb=lb, ub=ub, cl=cl, cu=cu)
    cb._nlp = nlp
    disp = opts.pop("disp", 0)
    maxiter = opts.pop("maxiter", None)
    nlp.add_option("print_level", int(disp) if not isinstance(disp, bool) else (5 if disp else 0))
    if maxiter is not None:
        nlp.add_option("max_iter", int(maxiter))
    if tol is not None:
        nlp.add_option("tol", float(tol))
    for name, value in opts.items():
        nlp.add_option(name, value)
    x, info = nlp.solve(x0a)
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


def minimize_ipopt(
    fun: Callable[..., Any],
    x0: Any,
    args: Any = (),
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
    """cyipopt's name and signature for :func:`minimize`.

    As cyipopt's ``minimize_ipopt``, the barrier parameter follows the adaptive strategy unless
    ``options`` names ``mu_strategy`` or ``method`` hands the problem to scipy (cyipopt sets
    ``mu_strategy=adaptive`` by default there; plain :func:`minimize` keeps Ipopt's monotone
    default).
    """
    opts = dict(options or {})
    if method is None and not any(k in ("mu_strategy", b"mu_strategy") for k in opts):
        opts["mu_strategy"] = "adaptive"
    return minimize(fun, x0, args, kwargs, method, jac, hess, hessp, bounds, constraints, tol, callback, opts)
