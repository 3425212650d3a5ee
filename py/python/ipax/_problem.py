"""cyipopt-compatible :class:`Problem` on top of the Rust solver (``ipax._ipax.solve``)."""

from __future__ import annotations

import numbers
import warnings
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import _assemble, _ipax

__all__ = ["Problem", "Solver", "EvaluationError", "CyIpoptEvaluationError", "INF"]

#: Bounds at or beyond this magnitude are infinite (Ipopt's ``nlp_upper_bound_inf`` default).
INF = 1e19


class EvaluationError(ArithmeticError):
    """Raise inside a callback to say "the function cannot be evaluated at this point".

    The solver then backs off the step (cuts the line search), as Ipopt does when a callback
    returns ``false``, instead of stopping. Any *other* exception stops the solve and is re-raised
    from :meth:`Problem.solve` with its original traceback.
    """


#: cyipopt's name for :class:`EvaluationError` (same class, so either can be raised or caught).
CyIpoptEvaluationError = EvaluationError

# Ipopt options that only affect Ipopt's own output/linear solvers: accepted for drop-in
# compatibility, ignored with a warning (ipax has its own linear algebra and logging).
_IGNORED_OPTIONS = frozenset(
    {
        "sb",
        "print_user_options",
        "print_options_documentation",
        "print_timing_statistics",
        "print_frequency_iter",
        "print_info_string",
        "file_print_level",
        "output_file",
        "derivative_test",
        "derivative_test_print_all",
        "derivative_test_tol",
        "derivative_test_perturbation",
        "check_derivatives_for_naninf",
        "mumps_mem_percent",
        "mumps_pivtol",
        "ma57_automatic_scaling",
        "hsllib",
        "linear_system_scaling",
    }
)
# Ipopt's linear solver names: all map to ipax's automatic choice.
_IPOPT_LINEAR_SOLVERS = frozenset(
    {"mumps", "ma27", "ma57", "ma77", "ma86", "ma97", "pardiso", "pardisomkl", "spral", "wsmp", "custom"}
)


# Ipopt's return codes for a problem it refuses before iterating (IpReturnCodes_inc.h):
# an invalid Jacobian structure makes Ipopt's TNLP adapter throw (Unrecoverable_Exception), an
# invalid Hessian structure is reported as Invalid_Option (the cure is the option
# hessian_approximation=limited-memory, which never asks for the structure).
_UNRECOVERABLE_EXCEPTION = -100
_INVALID_OPTION = -12
_STATUS_MSG = {
    _UNRECOVERABLE_EXCEPTION: "Unrecoverable exception: invalid problem definition.",
    _INVALID_OPTION: "Invalid option encountered: invalid Hessian structure "
    "(or use hessian_approximation=limited-memory).",
}
#: Ipopt code of "the intermediate callback returned False" (User_Requested_Stop).
_USER_REQUESTED_STOP = 5


def _check_structure(
    rows: np.ndarray, cols: np.ndarray, nrows: int, ncols: int, what: str, lower: bool
) -> Optional[str]:
    """Why ``(rows, cols)`` is not a valid structure of an ``nrows × ncols`` matrix, or ``None``.

    ``lower``: a symmetric matrix given by its lower triangle (``row >= col``), as Ipopt requires
    for the Hessian; an upper-triangle entry is refused because a structure with both ``(i, j)``
    and ``(j, i)`` would otherwise count an off-diagonal entry twice.
    """
    if rows.size != cols.size:
        return f"{what}: row and column index arrays differ in length ({rows.size} vs {cols.size})"
    bad = (rows < 0) | (cols < 0) | (rows >= nrows) | (cols >= ncols)
    if bad.any():
        k = int(np.argmax(bad))
        return f"{what}: entry {k} at ({rows[k]}, {cols[k]}) is outside the {nrows} x {ncols} matrix"
    if lower and (rows < cols).any():
        k = int(np.argmax(rows < cols))
        return f"{what}: entry {k} at ({rows[k]}, {cols[k]}) is in the upper triangle; give the lower one"
    return None


def _native(a: Any, dtype: Any = np.float64) -> Any:
    """``a`` as a C-contiguous *and aligned* array of ``dtype`` (``None`` stays ``None``): the
    Rust side reads arrays as slices, which needs both. Arrays restored from a pickle by Dask or
    Ray can be unaligned views into a message buffer (contiguous, but ``flags.aligned`` false)."""
    return None if a is None else np.require(a, dtype=dtype, requirements=("C", "A"))


def _as_f64(value: Any) -> np.ndarray:
    """A contiguous, aligned 1-D float64 view/copy of a callback result (what the Rust side reads)."""
    return _native(np.asarray(value, dtype=np.float64).reshape(-1))


def _option_value(name: str, value: Any) -> str:
    """Ipopt option values are strings, integers or floats; render them for the Rust parser."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"option {name!r}: use 'yes'/'no' instead of a bool")
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    raise TypeError(f"option {name!r}: value must be str, int or float, got {type(value).__name__}")


def _bounds(values: Any, size: int, default: float, what: str) -> np.ndarray:
    if values is None:
        return np.full(size, default, dtype=np.float64)
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    if arr.size != size:
        raise ValueError(f"{what} must have length {size}, got {arr.size}")
    if np.isnan(arr).any():
        raise ValueError(f"{what} contains NaN")
    return np.ascontiguousarray(arr)


def _structure(value: Any, what: str) -> Tuple[np.ndarray, np.ndarray]:
    """``(rows, cols)`` index arrays from a ``*structure()`` callback."""
    try:
        rows, cols = value
    except (TypeError, ValueError):
        raise ValueError(f"{what} must return a pair (rows, cols) of index arrays") from None
    rows = np.asarray(rows).reshape(-1)
    cols = np.asarray(cols).reshape(-1)
    for name, a in (("rows", rows), ("cols", cols)):
        if a.size and not np.issubdtype(a.dtype, np.integer):
            if not np.all(np.equal(np.mod(a, 1), 0)):
                raise ValueError(f"{what}: {name} must be integers")
    return np.ascontiguousarray(rows, dtype=np.int64), np.ascontiguousarray(cols, dtype=np.int64)


class _Callbacks:
    """The object the Rust solver calls: normalises results to float64 arrays.

    Kept separate from :class:`Problem` so that a Problem stays a plain picklable object.
    """

    __slots__ = (
        "_f", "_g", "_c", "_j", "_h", "_jvp", "_vjp", "_hvp", "_inter", "_owner", "_nnz_jac", "_nnz_hess",
        "first_gradient", "first_jacobian",
    )

    def __init__(
        self,
        owner: "Problem",
        obj: Any,
        intermediate: Optional[Callable[..., Any]],
        nnz_jac: int = -1,
        nnz_hess: int = -1,
        jacobian: Optional[Callable[..., Any]] = None,
        hessian: Optional[Callable[..., Any]] = None,
    ):
        self._owner = owner
        self._nnz_jac = nnz_jac
        self._nnz_hess = nnz_hess
        # The solver computes its gradient-based scaling from the first gradient and Jacobian
        # (at the pushed x0); kept so get_current_iterate(scaled=True) can apply the same factors.
        self.first_gradient: Optional[np.ndarray] = None
        self.first_jacobian: Optional[np.ndarray] = None
        self._f = getattr(obj, "objective")
        self._g = getattr(obj, "gradient")
        self._c = getattr(obj, "constraints", None)
        # ``jacobian``/``hessian`` given here are values assembled from the problem's products
        # (ipax._assemble); they replace the problem's own (absent) value callbacks.
        self._j = jacobian if jacobian is not None else getattr(obj, "jacobian", None)
        self._h = hessian if hessian is not None else getattr(obj, "hessian", None)
        self._jvp = getattr(obj, "jvp", None)
        self._vjp = getattr(obj, "vjp", None)
        self._hvp = getattr(obj, "hvp", None)
        self._inter = intermediate

    def objective(self, x: np.ndarray) -> float:
        return float(self._f(x))

    def gradient(self, x: np.ndarray) -> np.ndarray:
        g = _as_f64(self._g(x))
        if self.first_gradient is None:
            self.first_gradient = g
        return g

    def constraints(self, x: np.ndarray) -> np.ndarray:
        return _as_f64(self._c(x))

    @staticmethod
    def _check_count(values: np.ndarray, expected: int, what: str) -> np.ndarray:
        # cyipopt reports a value array of the wrong length as a failed evaluation, which Ipopt
        # turns into Invalid_Number_Detected (-13); EvaluationError takes the same route here.
        if expected >= 0 and values.size != expected:
            raise EvaluationError(f"{what} returned {values.size} values, its structure has {expected}")
        return values

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        j = self._check_count(_as_f64(self._j(x)), self._nnz_jac, "jacobian")
        if self.first_jacobian is None:
            self.first_jacobian = j
        return j

    def hessian(self, x: np.ndarray, lagrange: np.ndarray, obj_factor: float) -> np.ndarray:
        return self._check_count(_as_f64(self._h(x, lagrange, obj_factor)), self._nnz_hess, "hessian")

    def jvp(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        return _as_f64(self._jvp(x, v))

    def vjp(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        return _as_f64(self._vjp(x, v))

    def hvp(self, x: np.ndarray, lagrange: np.ndarray, obj_factor: float, v: np.ndarray) -> np.ndarray:
        return _as_f64(self._hvp(x, lagrange, obj_factor, v))

    def intermediate(self, stats: tuple, iterate: tuple) -> bool:
        self._owner._current = (stats, iterate, self)
        try:
            if self._inter is None:
                return True
            ret = self._inter(*stats)
            # cyipopt treats a missing return value as "continue".
            return True if ret is None else bool(ret)
        finally:
            self._owner._current = None


class Problem:
    """A nonlinear program in cyipopt's form::

        min f(x)  s.t.  cl <= g(x) <= cu,  lb <= x <= ub

    Callbacks come from ``problem_obj`` or, when it is ``None``, from a subclass of ``Problem``:

    * ``objective(x) -> float``, ``gradient(x) -> array(n)``
    * ``constraints(x) -> array(m)``, ``jacobian(x) -> values`` with optional
      ``jacobianstructure() -> (rows, cols)`` (dense row-major when absent)
    * ``hessian(x, lagrange, obj_factor) -> values`` of the lower triangle with optional
      ``hessianstructure()`` (dense lower triangle when absent); without ``hessian`` (and without
      ``hvp``) a limited-memory BFGS approximation is used
    * matrix-free: ``jvp(x, v) -> J(x) v`` and ``vjp(x, w) -> J(x)ᵀ w`` instead of ``jacobian``,
      ``hvp(x, lagrange, obj_factor, v)`` instead of ``hessian`` (selects the Krylov route).
      For ``n ≤ 500`` the products are assembled into matrices instead, with few calls
      (``ipax._assemble``): by CPR colouring when ``hessianstructure`` / ``jacobianstructure``
      are given (3 products for a tridiagonal Hessian), densely otherwise; a callback that
      accepts a 2-D block ``v`` of shape ``(n, k)`` and returns ``(n, k)`` is called once per
      evaluation. Option ``product_assembly``: ``auto`` (default), ``yes`` (also for larger
      ``n`` with a structure), ``no`` (always matrix-free). ``info["product_assembly"]`` reports
      the colours, whether blocks were used and the calls made.
    * ``intermediate(alg_mod, iter_count, obj_value, inf_pr, inf_du, mu, d_norm,
      regularization_size, alpha_du, alpha_pr, ls_trials)``; returning ``False`` stops the solve.

    Bounds at or beyond ±1e19 are infinite; ``None`` means unbounded.

    A Problem pickles (with cloudpickle when its callbacks are closures or lambdas), so it can be
    sent to process workers (:mod:`ipax.distributed`).
    """

    def __init__(
        self,
        n: int,
        m: int,
        problem_obj: Any = None,
        lb: Optional[Sequence[float]] = None,
        ub: Optional[Sequence[float]] = None,
        cl: Optional[Sequence[float]] = None,
        cu: Optional[Sequence[float]] = None,
    ) -> None:
        for name, v in (("n", n), ("m", m)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise TypeError(f"{name} must be an integer, got {type(v).__name__}")
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        if m < 0:
            raise ValueError(f"m must be non-negative, got {m}")
        self.n = int(n)
        self.m = int(m)
        if m > 0 and (cl is None or cu is None):
            raise ValueError("cl and cu must be given when m > 0")
        self.lb = _bounds(lb, self.n, -np.inf, "lb")
        self.ub = _bounds(ub, self.n, np.inf, "ub")
        self.cl = _bounds(cl, self.m, -np.inf, "cl")
        self.cu = _bounds(cu, self.m, np.inf, "cu")
        if np.any(self.lb > self.ub):
            i = int(np.argmax(self.lb > self.ub))
            raise ValueError(f"lb[{i}] = {self.lb[i]} exceeds ub[{i}] = {self.ub[i]}")
        if np.any(self.cl > self.cu):
            i = int(np.argmax(self.cl > self.cu))
            raise ValueError(f"cl[{i}] = {self.cl[i]} exceeds cu[{i}] = {self.cu[i]}")
        self.problem_obj = problem_obj
        self._options: Dict[str, str] = {}
        self._scaling: Optional[Tuple[float, Optional[np.ndarray], Optional[np.ndarray]]] = None
        self._current: Optional[tuple] = None
        self._jac_rows: Optional[np.ndarray] = None
        obj = self._obj
        for required in ("objective", "gradient") + (("constraints",) if self.m > 0 else ()):
            if not callable(getattr(obj, required, None)):
                raise TypeError(f"the problem must define a callable {required!r}")
        if self.m > 0 and not callable(getattr(obj, "jacobian", None)):
            if not (callable(getattr(obj, "jvp", None)) and callable(getattr(obj, "vjp", None))):
                raise TypeError("the problem must define 'jacobian' (or both 'jvp' and 'vjp')")

    # ------------------------------------------------------------------ helpers
    @property
    def _obj(self) -> Any:
        return self if self.problem_obj is None else self.problem_obj

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_current"] = None  # transient, only valid inside ``intermediate``
        return state

    def __enter__(self) -> "Problem":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """cyipopt compatibility: nothing to release (the solver holds no state between solves)."""

    # ------------------------------------------------------------------ options
    def add_option(self, keyword: Any, val: Any) -> None:
        """Set an Ipopt-style option (``ValueError`` with close matches for unknown names)."""
        if isinstance(keyword, bytes):
            keyword = keyword.decode()
        if not isinstance(keyword, str):
            raise TypeError(f"option name must be a str, got {type(keyword).__name__}")
        name = keyword.strip().lower()
        value = _option_value(name, val)
        if name in _IGNORED_OPTIONS:
            warnings.warn(f"ipax ignores the Ipopt option {name!r}", stacklevel=2)
            return
        if name == "product_assembly":
            # Python-side option (not the solver's): see Problem.solve.
            if value not in ("auto", "yes", "no"):
                raise ValueError(f"product_assembly must be 'auto', 'yes' or 'no', got {value!r}")
            self._options[name] = value
            return
        if name == "linear_solver" and value.lower() in _IPOPT_LINEAR_SOLVERS:
            warnings.warn(f"linear_solver {value!r} is not available; ipax chooses its own", stacklevel=2)
            value = "auto"
        _ipax.check_option(name, value)
        self._options[name] = value

    def set_problem_scaling(
        self,
        obj_scaling: float = 1.0,
        x_scaling: Optional[Sequence[float]] = None,
        g_scaling: Optional[Sequence[float]] = None,
    ) -> None:
        """User scaling (Ipopt's ``user-scaling``); sets ``nlp_scaling_method`` unless already set."""
        xs = None if x_scaling is None else _bounds(x_scaling, self.n, 1.0, "x_scaling")
        gs = None if g_scaling is None else _bounds(g_scaling, self.m, 1.0, "g_scaling")
        for what, a in (("x_scaling", xs), ("g_scaling", gs)):
            if a is not None and not np.all(np.isfinite(a) & (a != 0.0)):
                raise ValueError(f"{what} must be finite and nonzero")
        if not np.isfinite(obj_scaling) or obj_scaling == 0.0:
            raise ValueError("obj_scaling must be finite and nonzero")
        self._scaling = (float(obj_scaling), xs, gs)
        self._options.setdefault("nlp_scaling_method", "user-scaling")

    # ------------------------------------------------------------------ in-callback inspection
    def _current_or_raise(self, what: str) -> tuple:
        if self._current is None:
            raise RuntimeError(
                f"{what} can only be called during a call to solve, from the intermediate callback"
            )
        return self._current

    def _scaling_factors(self, callbacks: "_Callbacks") -> Tuple[float, np.ndarray, np.ndarray]:
        """``(s_f, d_x, d_c)``: the scaled NLP is ``s_f f(x̃/d_x)``, ``x̃ = d_x x``, ``g̃ = d_c g``.

        The same rules the solver applies at the start of the solve (Ipopt's
        ``nlp_scaling_method``; Wächter & Biegler 2006, §3.8): ``obj_scaling_factor`` times, for
        ``gradient-based``, ``max(min_value, max_gradient / ‖∇f(x0)‖∞)`` when
        ``‖∇f(x0)‖∞ > max_gradient`` and the same per constraint row of ``J(x0)``; for
        ``user-scaling``, the factors of :meth:`set_problem_scaling`.
        """
        opts = self._options
        s_f = float(opts.get("obj_scaling_factor", 1.0))
        d_x = np.ones(self.n)
        d_c = np.ones(self.m)
        method = opts.get("nlp_scaling_method", "gradient-based")
        if method == "user-scaling" and self._scaling is not None:
            obj_s, xs, gs = self._scaling
            s_f *= obj_s
            if xs is not None:
                d_x = np.abs(xs)
            if gs is not None:
                d_c = np.asarray(gs, dtype=float).copy()
        elif method == "gradient-based":
            gmax = float(opts.get("nlp_scaling_max_gradient", 100.0))
            vmin = float(opts.get("nlp_scaling_min_value", 1e-8))
            g0 = callbacks.first_gradient
            if g0 is not None and g0.size and np.max(np.abs(g0)) > gmax:
                s_f *= max(gmax / np.max(np.abs(g0)), vmin)
            j0 = callbacks.first_jacobian
            if j0 is not None and self.m and self._jac_rows is not None:
                rowmax = np.zeros(self.m)
                np.maximum.at(rowmax, self._jac_rows, np.abs(j0))
                big = rowmax > gmax
                d_c[big] = np.maximum(gmax / rowmax[big], vmin)
        return s_f, d_x, d_c

    def get_current_iterate(self, scaled: bool = False) -> Dict[str, np.ndarray]:
        """The current iterate, from inside ``intermediate`` (Ipopt 3.14's GetCurrentIterate).

        Keys ``x``, ``mult_x_L``, ``mult_x_U``, ``g``, ``mult_g``. ``scaled=True`` gives them in
        the solver's scaled NLP (``x̃ = d_x x``, ``g̃ = d_c g``, ``λ̃ = s_f λ / d_c``,
        ``z̃ = s_f z / d_x``). Always the original problem's variables, also during the
        feasibility restoration phase. ``RuntimeError`` outside ``intermediate``.
        """
        _, (x, y, zl, zu), callbacks = self._current_or_raise("get_current_iterate")
        g = _as_f64(self._obj.constraints(x)) if self.m > 0 else np.zeros(0)
        it = {"x": x.copy(), "mult_x_L": zl.copy(), "mult_x_U": zu.copy(), "g": g, "mult_g": y.copy()}
        if scaled:
            s_f, d_x, d_c = self._scaling_factors(callbacks)
            it = {
                "x": d_x * it["x"],
                "mult_x_L": s_f * it["mult_x_L"] / d_x,
                "mult_x_U": s_f * it["mult_x_U"] / d_x,
                "g": d_c * g,
                "mult_g": s_f * it["mult_g"] / d_c,
            }
        return it

    def get_current_violations(self, scaled: bool = False) -> Dict[str, np.ndarray]:
        """Violations of the optimality conditions at the current iterate, from inside
        ``intermediate`` (Ipopt 3.14's GetCurrentViolations): ``x_L_violation``,
        ``x_U_violation``, ``compl_x_L``, ``compl_x_U``, ``grad_lag_x`` (∇f + Jᵀλ − z_L + z_U),
        ``g_violation``, ``compl_g``. ``scaled=True``: in the solver's scaled NLP (bound
        violations × d_x, ``grad_lag_x`` × s_f / d_x, ``g_violation`` × d_c, complementarities
        × s_f). ``RuntimeError`` outside ``intermediate``.
        """
        _, (x, y, zl, zu), callbacks = self._current_or_raise("get_current_violations")
        obj = self._obj
        lb_fin = np.isfinite(self.lb) & (self.lb > -INF)
        ub_fin = np.isfinite(self.ub) & (self.ub < INF)
        grad_lag = _as_f64(obj.gradient(x)) - zl + zu
        if self.m > 0:
            g = _as_f64(obj.constraints(x))
            grad_lag = grad_lag + self._jacobian_transpose_product(x, y)
            cl_fin = np.isfinite(self.cl) & (self.cl > -INF)
            cu_fin = np.isfinite(self.cu) & (self.cu < INF)
            g_viol = np.where(cl_fin, np.maximum(self.cl - g, 0.0), 0.0) + np.where(
                cu_fin, np.maximum(g - self.cu, 0.0), 0.0
            )
            # y > 0 pushes against the upper bound, y < 0 against the lower one (L = f + yᵀg).
            compl_g = np.where(cu_fin, np.maximum(y, 0.0) * (self.cu - g), 0.0) + np.where(
                cl_fin, np.maximum(-y, 0.0) * (g - self.cl), 0.0
            )
        else:
            g_viol = np.zeros(0)
            compl_g = np.zeros(0)
        v = {
            "x_L_violation": np.where(lb_fin, np.maximum(self.lb - x, 0.0), 0.0),
            "x_U_violation": np.where(ub_fin, np.maximum(x - self.ub, 0.0), 0.0),
            "compl_x_L": np.where(lb_fin, zl * (x - self.lb), 0.0),
            "compl_x_U": np.where(ub_fin, zu * (self.ub - x), 0.0),
            "grad_lag_x": grad_lag,
            "g_violation": g_viol,
            "compl_g": compl_g,
        }
        if scaled:
            s_f, d_x, d_c = self._scaling_factors(callbacks)
            for key in ("x_L_violation", "x_U_violation"):
                v[key] = d_x * v[key]
            v["grad_lag_x"] = s_f * v["grad_lag_x"] / d_x
            v["g_violation"] = d_c * v["g_violation"]
            for key in ("compl_x_L", "compl_x_U", "compl_g"):
                v[key] = s_f * v[key]
        return v

    def _jacobian_transpose_product(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        obj = self._obj
        if callable(getattr(obj, "jacobian", None)):
            rows, cols = self._jacobian_structure()
            vals = _as_f64(obj.jacobian(x))
            out = np.zeros(self.n)
            np.add.at(out, cols, vals * y[rows])
            return out
        return _as_f64(obj.vjp(x, y))

    def _jacobian_structure(self) -> Tuple[np.ndarray, np.ndarray]:
        fn = getattr(self._obj, "jacobianstructure", None)
        if callable(fn):
            return _structure(fn(), "jacobianstructure")
        # cyipopt's default: the dense Jacobian, row-major.
        rows, cols = np.indices((self.m, self.n))
        return rows.ravel().astype(np.int64), cols.ravel().astype(np.int64)

    def _hessian_structure(self) -> Tuple[np.ndarray, np.ndarray]:
        fn = getattr(self._obj, "hessianstructure", None)
        if callable(fn):
            return _structure(fn(), "hessianstructure")
        # cyipopt's default: the dense lower triangle, row by row.
        rows, cols = np.tril_indices(self.n)
        return rows.astype(np.int64), cols.astype(np.int64)

    # ------------------------------------------------------------------ products -> matrices
    def _hessian_from_products(self, obj: Any) -> Any:
        """The Lagrangian Hessian assembled from ``hvp`` (module ``ipax._assemble``): with
        ``hessianstructure`` by CPR colouring (any ``n``), without one densely for
        ``n ≤ DENSE_MAX_N``; ``None`` to stay matrix-free, a string for an invalid structure."""
        n = self.n
        dense = False
        if callable(getattr(obj, "hessianstructure", None)):
            rows, cols = self._hessian_structure()
            why = _check_structure(rows, cols, n, n, "hessianstructure", lower=True)
            if why is not None:
                return why
            # A structure holding the whole lower triangle is dense: no colouring to do.
            dense = rows.size >= n * (n + 1) // 2 and np.unique(rows * n + cols).size == n * (n + 1) // 2
            if dense and n > _assemble.DENSE_MAX_N:
                return None
            if not dense and _assemble.coloring_cost(rows, cols, symmetric=True) > _assemble.COLORING_MAX_COST:
                return None
        elif n <= _assemble.DENSE_MAX_N:
            rows, cols = (a.astype(np.int64) for a in np.tril_indices(n))
            dense = True
        else:
            return None
        product = _assemble.BlockProduct(obj.hvp, n, n)
        return _assemble.SparseFromProducts(product, rows, cols, (n, n), symmetric=True, dense=dense)

    def _assembly_pays(self, hp: Any, x0: np.ndarray, jac_products: bool) -> bool:
        """Whether assembling the Hessian from products saves Python calls.

        The condensed route needs ``n`` Hessian products per factorization (about one per
        iteration), plus ``n`` of each Jacobian product when the Jacobian is product-only too.
        Assembly needs ``ncolors`` products per Hessian evaluation (one per iteration), or one call
        when ``hvp`` takes blocks. So it pays with blocks, with a colouring (``ncolors < n``), or
        when it also removes the Jacobian products; a vector-only ``hvp`` on a dense pattern with
        an assembled Jacobian would make the same ``n`` calls, and stays matrix-free. The block
        check runs here, at ``x0`` with ``λ = 0``, ``σ = 1``; a callback that fails there leaves
        the problem matrix-free (the solve then reports the failure as before)."""
        if jac_products or hp.ncolors < self.n:
            return True
        try:
            hp.product.check((x0.copy(), np.zeros(self.m), 1.0))
        except Exception:  # noqa: BLE001 - reported by the solve itself
            return False
        return bool(hp.product.batched)

    def _jacobian_from_products(self, obj: Any) -> Any:
        """The constraint Jacobian assembled from ``jvp`` (column seeds) or ``vjp`` (row seeds),
        whichever needs fewer products; rules as :meth:`_hessian_from_products`."""
        n, m = self.n, self.m
        dense = False
        if callable(getattr(obj, "jacobianstructure", None)):
            rows, cols = self._jacobian_structure()
            why = _check_structure(rows, cols, m, n, "jacobianstructure", lower=False)
            if why is not None:
                return why
            dense = np.unique(rows * n + cols).size == m * n
        else:
            rows, cols = self._jacobian_structure()  # dense, row-major
            dense = True
        # A dense J costs min(m, n) products (J I_n by columns or Jᵀ I_m by rows) and m·n memory.
        small = min(m, n) <= _assemble.DENSE_MAX_N and m * n <= 4 * _assemble.DENSE_MAX_N**2
        if dense:
            if not small:
                return None
            if m < n:
                return _assemble.SparseFromProducts(
                    _assemble.BlockProduct(obj.vjp, m, n), rows, cols, (m, n), transpose=True, dense=True)
            return _assemble.SparseFromProducts(_assemble.BlockProduct(obj.jvp, n, m), rows, cols, (m, n), dense=True)
        # Column seeds (products J v) colour the columns, whose cost is Σ_rows deg²; row seeds
        # (Jᵀ w) colour the rows, Σ_cols deg².
        limit = _assemble.COLORING_MAX_COST
        options = []
        if _assemble.coloring_cost(rows, cols, False) <= limit:
            options.append(_assemble.SparseFromProducts(_assemble.BlockProduct(obj.jvp, n, m), rows, cols, (m, n)))
        if _assemble.coloring_cost(cols, rows, False) <= limit:
            options.append(_assemble.SparseFromProducts(
                _assemble.BlockProduct(obj.vjp, m, n), rows, cols, (m, n), transpose=True))
        return min(options, key=lambda a: a.ncolors) if options else None

    # ------------------------------------------------------------------ solve
    def solve(
        self,
        x: Sequence[float],
        lagrange: Sequence[float] = (),
        zl: Sequence[float] = (),
        zu: Sequence[float] = (),
        *,
        _extra_options: Optional[Dict[str, str]] = None,
        _keep_kkt: bool = False,
        _kkt_reuse: bool = False,
        _kkt_refine: bool = False,
    ) -> Tuple[np.ndarray, Dict[str, Any]]:
        """Solve from ``x``; returns ``(x, info)`` with cyipopt's info keys (``x``, ``g``,
        ``obj_val``, ``mult_g``, ``mult_x_L``, ``mult_x_U``, ``status``, ``status_msg``) plus solve
        statistics (``iterations``, ``nfev``, ...).

        ``lagrange``, ``zl``, ``zu`` warm-start the multipliers when the option
        ``warm_start_init_point`` is ``yes``. An exception raised in a callback (other than
        :class:`EvaluationError`) stops the solve and propagates from here.
        """
        x0 = np.asarray(x, dtype=np.float64).reshape(-1)
        if x0.size != self.n:
            raise ValueError(f"x0 must have length n = {self.n}, got {x0.size}")
        if not np.all(np.isfinite(x0)):
            raise ValueError("x0 must be finite")

        def warm(v: Sequence[float], size: int, what: str) -> Optional[np.ndarray]:
            a = np.asarray(v, dtype=np.float64).reshape(-1)
            if a.size == 0:
                return None
            if a.size != size:
                raise ValueError(f"{what} must be empty or have length {size}, got {a.size}")
            return np.ascontiguousarray(a)

        lam = warm(lagrange, self.m, "lagrange")
        z_l = warm(zl, self.n, "zl")
        z_u = warm(zu, self.n, "zu")

        options = dict(self._options)
        for name, value in (_extra_options or {}).items():
            options.setdefault(name, value)
        # Ipopt 3.14's default (the Ipopt cyipopt links): report the iterate itself, not its
        # projection onto the original bounds. Projecting moves x by up to bound_relax_factor and
        # re-evaluates f and g there, so the reported point no longer satisfies the tolerances
        # the solver checked (HS071: f off by 1.2e-7, the equality constraint by 1.5e-8).
        options.setdefault("honor_original_bounds", "no")
        obj = self._obj
        limited_memory = options.get("hessian_approximation") == "limited-memory"
        jac_matrix_free = self.m > 0 and not callable(getattr(obj, "jacobian", None))
        jac_rows = jac_cols = None
        if self.m > 0 and not jac_matrix_free:
            jac_rows, jac_cols = self._jacobian_structure()
            why = _check_structure(jac_rows, jac_cols, self.m, self.n, "jacobianstructure", lower=False)
            if why is not None:
                return self._refused(x0, _UNRECOVERABLE_EXCEPTION, why)
        hess_rows = hess_cols = None
        if limited_memory:
            hess_mode = "none"
        elif callable(getattr(obj, "hessian", None)):
            hess_mode = "sparse"
            hess_rows, hess_cols = self._hessian_structure()
            why = _check_structure(hess_rows, hess_cols, self.n, self.n, "hessianstructure", lower=True)
            if why is not None:
                return self._refused(x0, _INVALID_OPTION, why)
        elif callable(getattr(obj, "hvp", None)):
            hess_mode = "matrix-free"
        else:
            hess_mode = "none"

        jac_values = hess_values = None
        assembly: Dict[str, Any] = {}
        assemble = options.pop("product_assembly", "auto")
        # auto: only where the solver would build a dense matrix from n products per
        # factorization anyway (condensed route, n ≤ DENSE_MAX_N); yes: also larger problems
        # that give a structure (then the augmented route replaces CG).
        if assemble == "yes" or (assemble == "auto" and self.n <= _assemble.DENSE_MAX_N):
            if hess_mode == "matrix-free":
                hp = self._hessian_from_products(obj)
                if isinstance(hp, str):
                    return self._refused(x0, _INVALID_OPTION, hp)
                if hp is not None and not self._assembly_pays(hp, x0, jac_matrix_free):
                    hp = None
                if hp is not None:
                    hess_mode, hess_rows, hess_cols = "sparse", hp.rows, hp.cols
                    hess_values = lambda x, lam, sigma, hp=hp: hp.values((x, lam, sigma))  # noqa: E731
                    assembly["hessian"] = hp
            if jac_matrix_free:
                jp = self._jacobian_from_products(obj)
                if isinstance(jp, str):
                    return self._refused(x0, _UNRECOVERABLE_EXCEPTION, jp)
                if jp is not None:
                    jac_matrix_free, jac_rows, jac_cols = False, jp.rows, jp.cols
                    jac_values = lambda x, jp=jp: jp.values((x,))  # noqa: E731
                    assembly["jacobian"] = jp

        intermediate = getattr(obj, "intermediate", None)
        if not callable(intermediate):
            intermediate = None
        callbacks = _Callbacks(
            self,
            obj,
            intermediate,
            nnz_jac=-1 if jac_rows is None else jac_rows.size,
            nnz_hess=-1 if hess_rows is None else hess_rows.size,
            jacobian=jac_values,
            hessian=hess_values,
        )
        self._jac_rows = jac_rows
        obj_scaling = x_scaling = g_scaling = None
        if self._scaling is not None:
            obj_scaling, x_scaling, g_scaling = self._scaling
        i64 = np.int64
        info = _ipax.solve(
            callbacks,
            EvaluationError,
            self.n,
            self.m,
            _native(self.lb),
            _native(self.ub),
            _native(self.cl),
            _native(self.cu),
            _native(x0),
            list(options.items()),
            jac_rows=_native(jac_rows, i64),
            jac_cols=_native(jac_cols, i64),
            jac_matrix_free=jac_matrix_free,
            hess_mode=hess_mode,
            hess_rows=_native(hess_rows, i64),
            hess_cols=_native(hess_cols, i64),
            intermediate=intermediate is not None,
            lagrange=_native(lam),
            zl=_native(z_l),
            zu=_native(z_u),
            obj_scaling=obj_scaling,
            x_scaling=_native(x_scaling),
            g_scaling=_native(g_scaling),
            keep_kkt=_keep_kkt,
            kkt_reuse=_kkt_reuse,
            kkt_refine=_kkt_refine,
        )
        if assembly:
            info["product_assembly"] = {
                k: {"products": a.product.fn.__name__ if hasattr(a.product.fn, "__name__") else "?",
                    "colors": a.ncolors, "batched": bool(a.product.batched), "calls": a.product.calls}
                for k, a in assembly.items()
            }
        if info["status"] == _USER_REQUESTED_STOP:
            # cyipopt's users test for this wording (its message for User_Requested_Stop).
            info["status_msg"] += " The intermediate callback returned False: premature termination."
        info["status_msg"] = info["status_msg"].encode()  # cyipopt returns bytes
        return info["x"], info

    def _refused(self, x0: np.ndarray, status: int, why: str) -> Tuple[np.ndarray, Dict[str, Any]]:
        """Ipopt's answer to a problem definition it cannot start on: no iteration, the status
        code, and the reason (``info["message"]`` and a ``RuntimeWarning``, where Ipopt prints it)."""
        warnings.warn(f"ipax: {why}", RuntimeWarning, stacklevel=3)
        nan = float("nan")
        info: Dict[str, Any] = {
            "x": x0.copy(),
            "g": np.full(self.m, nan),
            "obj_val": nan,
            "mult_g": np.zeros(self.m),
            "mult_x_L": np.zeros(self.n),
            "mult_x_U": np.zeros(self.n),
            "status": status,
            "status_msg": f"{_STATUS_MSG[status]} {why}".encode(),
            "success": False,
            "iterations": 0,
            "message": why,
            "nfev": 0,
            "ngev": 0,
            "ncev": 0,
            "njev": 0,
            "nhev": 0,
            "time": 0.0,
            "constraint_violation": nan,
            "dual_infeasibility": nan,
        }
        return info["x"], info


def option_names() -> List[str]:
    """All option names ipax understands (Ipopt's names)."""
    return list(_ipax.option_names())


#: Options a warm-started solve uses unless the problem sets them: start close to the previous
#: solution (small bound pushes) with a small barrier parameter, as Ipopt's documentation
#: recommends for warm starts.
_WARM_START_DEFAULTS = {
    "warm_start_init_point": "yes",
    "warm_start_bound_push": "1e-6",
    "warm_start_bound_frac": "1e-6",
    "warm_start_mult_bound_push": "1e-6",
    "mu_init": "1e-6",
}


class Solver:
    """A solve session over one :class:`Problem` that warm-starts each solve from the previous
    primal-dual solution ``(x, λ, z_L, z_U)``.

    Typical use: change data the problem object reads (a parameter, a bound), then call
    :meth:`solve` again; the second solve starts from the first one's solution.

    ``factor_reuse`` (default ``True``) chooses the KKT factor the sensitivity methods
    (:meth:`kkt_solve`, :meth:`parametric_step`, :meth:`reduced_hessian`) back-solve: the IPM's
    own factor of its final iteration, kept from the solve at no extra cost (sIPOPT's choice,
    POUNCE's ``factor_reuse=True``), or with ``False`` the KKT matrix assembled at the solution and
    factored once more. Where no factor can be kept (no exact Hessian on the augmented route, or
    presolve changed the problem) the fresh factorization is the fallback; :attr:`kkt_source`
    says which one is held. It applies from the next :meth:`solve`.

    ``refine=True`` (with ``factor_reuse``) refines every back-solve of the held factor against the
    KKT matrix assembled at the solution (one more Hessian and Jacobian evaluation after the solve,
    no factorization; a few back-solves and products per right-hand side): the answers then equal
    ``factor_reuse=False``'s to ~1e-12 instead of differing by the last step and O(μ).
    :attr:`kkt_source` is ``"held+refined"``, or ``"held (refinement stalled) → at_solution"``
    after a right-hand side on which the refinement stalled made it factor the matrix at the
    solution after all (``ipax::KktFactor::held_refined``).

    A Solver pickles with its problem and last solution; the held KKT factor (native memory) is
    dropped and rebuilt by the first :meth:`kkt_solve` after unpickling.
    """

    def __init__(self, problem: Problem, factor_reuse: bool = True, refine: bool = False) -> None:
        if not isinstance(problem, Problem):
            raise TypeError(f"Solver needs an ipax.Problem, got {type(problem).__name__}")
        self.problem = problem
        #: Back-solve the IPM's final factor (``True``) or factor at the solution (``False``).
        self.factor_reuse = bool(factor_reuse)
        #: Refine the held factor's back-solves against the KKT matrix at the solution.
        self.refine = bool(refine)
        #: ``info`` of the last solve (``None`` before the first).
        self.last: Optional[Dict[str, Any]] = None
        self._kkt: Any = None
        self._kkt_error: Optional[str] = None
        # True after unpickling a session that held a KKT factor: the factor (native memory) is
        # not pickled, and the first call that needs it rebuilds it.
        self._kkt_dropped = False

    def __getstate__(self) -> dict:
        """Pickle the problem and the last solution; the held KKT factor is runtime state (native
        memory) and is dropped, to be rebuilt lazily by :meth:`kkt_solve` on the receiving side."""
        state = self.__dict__.copy()
        state["_kkt_dropped"] = self._kkt is not None or self._kkt_dropped
        state["_kkt"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        state.setdefault("_kkt_dropped", False)
        state.setdefault("factor_reuse", True)
        state.setdefault("refine", False)
        state.pop("_kkt_thread", None)  # sessions pickled before the factor became thread-safe
        self.__dict__.update(state)

    @property
    def kkt_source(self) -> Optional[str]:
        """Which KKT factor :meth:`kkt_solve` uses: ``"held"`` (the IPM's factor of its final
        iteration), ``"held+refined"`` (refined against the matrix at the solution, ``refine``),
        ``"held (refinement stalled) → at_solution"``, ``"fresh"`` (factored at the solution), or
        ``None`` (none held)."""
        return None if self._kkt is None else str(self._kkt.source())

    def solve(self, x0: Optional[Sequence[float]] = None, warm_start: Optional[bool] = None) -> Tuple[np.ndarray, Dict[str, Any]]:
        """Solve; ``warm_start`` defaults to ``True`` once a previous solve exists.

        ``x0`` defaults to the previous solution; it is required for the first solve.
        """
        if warm_start is None:
            warm_start = self.last is not None
        if warm_start and self.last is None:
            raise ValueError("warm_start=True needs a previous solve")
        if x0 is None:
            if self.last is None:
                raise ValueError("x0 is required for the first solve")
            x0 = self.last["x"]
        if warm_start:
            last = self.last
            assert last is not None  # checked above
            x, info = self.problem.solve(
                x0, lagrange=last["mult_g"], zl=last["mult_x_L"], zu=last["mult_x_U"],
                _extra_options=_WARM_START_DEFAULTS, _keep_kkt=True, _kkt_reuse=self.factor_reuse,
                _kkt_refine=self.refine,
            )
        else:
            x, info = self.problem.solve(x0, _keep_kkt=True, _kkt_reuse=self.factor_reuse, _kkt_refine=self.refine)
        self._kkt = info.pop("_kkt", None)
        self._kkt_error = info.pop("_kkt_error", None)
        self.last = info
        return x, info

    def kkt_solve(self, rhs: Any) -> np.ndarray:
        """Solve ``K v = rhs`` with the KKT matrix of the last solution, without factoring again.

        ``K = [[∇²L + Σ_x, Jᵀ], [J, −D]]`` (bound multipliers eliminated by
        ``Σ_x = z_L/(x − x_L) + z_U/(x_U − x)``; inequality rows get ``D_i = gap_i/|λ_i|``, so active
        inequalities act as equalities and inactive ones decouple), in the user's variable and
        constraint order. For a parameter ``p`` entering the problem, the sensitivities are
        ``[dx/dp; dλ/dp] = kkt_solve(−[∂(∇ₓL)/∂p; ∂g/∂p])``. ``rhs`` has length ``n + m`` or shape
        ``(n + m, k)`` (k right-hand sides, one factor, k back-solves). Needs the exact Hessian (a
        ``hessian`` callback) and a successful solve.

        Which factor (``factor_reuse``, see the class docs; :attr:`kkt_source`):

        * ``"held"`` (``factor_reuse=True``, the default): the IPM's LDLᵀ factor of its final
          iteration's KKT matrix, i.e. at the iterate one step before the solution, with that
          iteration's barrier terms ``Σ`` and perturbations ``δ_w``, ``δ_c`` (as sIPOPT). It costs
          nothing at solve time; it differs from ``K`` at the solution by the last step and
          ``O(μ)``: 1e-8 to 1e-6 relative in the tests, but more (1e-2 in ``bench/README.md``)
          where a bound is nearly degenerate (``x − x_L`` and ``z_L`` both small, so ``Σ_x`` is
          of the size of the Hessian and depends on where it is taken).
        * ``"fresh"`` (``factor_reuse=False``, or the fallback where nothing is held: no exact
          Hessian on the augmented route, presolve): ``K`` assembled at the returned solution and
          factored once after the solve (one more Hessian, Jacobian and factorization).

        Any thread may call this (and the sensitivity methods): the factor is thread-safe, the
        back-solves release the GIL, and concurrent calls on one Solver are serialized.

        A session restored from a pickle holds no factor: the first call rebuilds it by one
        warm-started solve from the pickled ``(x, λ, z_L, z_U)`` (it converges in a few
        iterations to the same solution within ``tol``), and :attr:`last` becomes that solve's
        ``info``.
        """
        if self.last is None:
            raise RuntimeError("kkt_solve needs a previous successful solve")
        if self._kkt is None and self._kkt_dropped:
            self._rebuild_kkt()
        kkt = self._kkt
        if kkt is None:
            raise RuntimeError(f"no KKT factor at the last solution: {self._kkt_error or 'the solve did not succeed'}")
        return kkt.solve(_native(rhs))

    def parametric_step(self, constraints: Sequence[int], values: Sequence[float]) -> Tuple[np.ndarray, np.ndarray]:
        """sIPOPT's first-order update of the last solution when parameters change.

        Parameters are variables fixed by equality rows ``c_j(x) = p_j`` (``cl[j] = cu[j] = p_j``;
        sIPOPT's ``sens_init_constr``). Moving them to ``values`` (``sens_state_value_1``) shifts
        those rows' right-hand side by ``Δp``; with ``F = [∇ₓL; c(x) − b]`` and ``∂F/∂b = [0; −I]``
        the step is ``K [Δx; Δλ] = [0; Δb]`` (Pirnay, López-Negrete & Biegler 2012, eq. 8), one
        back-solve of the held factor. Returns ``(x + Δx, λ + Δλ)``, exact to O(‖Δp‖²).
        """
        if self.last is None:
            raise RuntimeError("parametric_step needs a previous successful solve")
        n, m = self.problem.n, self.problem.m
        rows = np.asarray(constraints).reshape(-1)
        if rows.size and not np.issubdtype(rows.dtype, np.integer):
            raise TypeError("constraints must be integer row indices")
        rows = rows.astype(np.int64)
        vals = np.asarray(values, dtype=np.float64).reshape(-1)
        if vals.size != rows.size:
            raise ValueError(f"{rows.size} parameter rows but {vals.size} values")
        if rows.size and (rows.min() < 0 or rows.max() >= m):
            raise ValueError(f"constraint rows must lie in [0, {m})")
        cl, cu = self.problem.cl[rows], self.problem.cu[rows]
        if np.any(cl != cu):
            raise ValueError("parameter rows must be equalities (cl == cu) fixing the parameters")
        rhs = np.zeros(n + m)
        np.add.at(rhs, n + rows, vals - cl)
        d = self.kkt_solve(rhs)
        return self.last["x"] + d[:n], self.last["mult_g"] + d[n:]

    def reduced_hessian(self, variables: Sequence[int]) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """sIPOPT's reduced Hessian of the Lagrangian in the space of the independent ``variables``.

        With ``Z`` a null-space basis of the active constraints that is the identity on
        ``variables`` (the others follow from the constraints), the inverse reduced Hessian is the
        ``variables`` block of ``K⁻¹``: ``[K⁻¹]_SS = (ZᵀWZ)⁻¹``; its columns come from back-solves
        with unit right-hand sides ``e_i`` (Pirnay et al. 2012, section 3.2). Returns
        ``(H_red, eigenvalues, eigenvectors)`` (ascending, ``numpy.linalg.eigh``). At a strict
        local minimum all eigenvalues are positive; choose ``len(variables) = n − (active
        constraints and bounds)`` independent variables, or ``H_red`` is singular (``ValueError``).
        """
        if self.last is None:
            raise RuntimeError("reduced_hessian needs a previous successful solve")
        n, m = self.problem.n, self.problem.m
        s = np.asarray(variables).reshape(-1)
        if s.size == 0 or not np.issubdtype(s.dtype, np.integer):
            raise ValueError("variables must be a non-empty sequence of integer indices")
        s = s.astype(np.int64)
        if s.min() < 0 or s.max() >= n or np.unique(s).size != s.size:
            raise ValueError(f"variables must be distinct indices in [0, {n})")
        e = np.zeros((n + m, s.size))
        e[s, np.arange(s.size)] = 1.0
        inv = self.kkt_solve(e)[s, :]
        inv = 0.5 * (inv + inv.T)
        try:
            h = np.linalg.inv(inv)
        except np.linalg.LinAlgError:
            raise ValueError("the inverse reduced Hessian is singular: the variables are not independent") from None
        if not np.all(np.isfinite(h)) or np.linalg.cond(inv) > 1e14:
            raise ValueError("the inverse reduced Hessian is singular: the variables are not independent")
        h = 0.5 * (h + h.T)
        w, v = np.linalg.eigh(h)
        return h, w, v

    def _rebuild_kkt(self) -> None:
        """Factor the KKT matrix again after unpickling (see :meth:`kkt_solve`)."""
        self._kkt_dropped = False
        if self.last is not None and self.last.get("success"):
            self.solve(warm_start=True)

    def reset(self) -> None:
        """Forget the previous solution (the next solve is cold)."""
        self.last = None
        self._kkt = None
        self._kkt_error = None
        self._kkt_dropped = False
