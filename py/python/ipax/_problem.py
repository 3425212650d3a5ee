"""cyipopt-compatible :class:`Problem` on top of the Rust solver (``ipax._ipax.solve``)."""

from __future__ import annotations

import numbers
import threading
import warnings
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import _ipax

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


def _as_f64(value: Any) -> np.ndarray:
    """A contiguous 1-D float64 view/copy of a callback result (what the Rust side reads)."""
    return np.ascontiguousarray(value, dtype=np.float64).reshape(-1)


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

    __slots__ = ("_f", "_g", "_c", "_j", "_h", "_jvp", "_vjp", "_hvp", "_inter", "_owner")

    def __init__(self, owner: "Problem", obj: Any, intermediate: Optional[Callable[..., Any]]):
        self._owner = owner
        self._f = getattr(obj, "objective")
        self._g = getattr(obj, "gradient")
        self._c = getattr(obj, "constraints", None)
        self._j = getattr(obj, "jacobian", None)
        self._h = getattr(obj, "hessian", None)
        self._jvp = getattr(obj, "jvp", None)
        self._vjp = getattr(obj, "vjp", None)
        self._hvp = getattr(obj, "hvp", None)
        self._inter = intermediate

    def objective(self, x: np.ndarray) -> float:
        return float(self._f(x))

    def gradient(self, x: np.ndarray) -> np.ndarray:
        return _as_f64(self._g(x))

    def constraints(self, x: np.ndarray) -> np.ndarray:
        return _as_f64(self._c(x))

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        return _as_f64(self._j(x))

    def hessian(self, x: np.ndarray, lagrange: np.ndarray, obj_factor: float) -> np.ndarray:
        return _as_f64(self._h(x, lagrange, obj_factor))

    def jvp(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        return _as_f64(self._jvp(x, v))

    def vjp(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        return _as_f64(self._vjp(x, v))

    def hvp(self, x: np.ndarray, lagrange: np.ndarray, obj_factor: float, v: np.ndarray) -> np.ndarray:
        return _as_f64(self._hvp(x, lagrange, obj_factor, v))

    def intermediate(self, stats: tuple, iterate: tuple) -> bool:
        self._owner._current = (stats, iterate)
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
      ``hvp(x, lagrange, obj_factor, v)`` instead of ``hessian`` (selects the Krylov route)
    * ``intermediate(alg_mod, iter_count, obj_value, inf_pr, inf_du, mu, d_norm,
      regularization_size, alpha_du, alpha_pr, ls_trials)``; returning ``False`` stops the solve.

    Bounds at or beyond ±1e19 are infinite; ``None`` means unbounded.
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
    def get_current_iterate(self, scaled: bool = False) -> Optional[Dict[str, np.ndarray]]:
        """The current iterate, valid only inside ``intermediate`` (Ipopt 3.14's GetCurrentIterate).

        Returns ``None`` outside ``intermediate``. ``scaled`` is accepted for compatibility;
        ipax reports unscaled values.
        """
        if self._current is None:
            return None
        _, (x, y, zl, zu) = self._current
        g = _as_f64(self._obj.constraints(x)) if self.m > 0 else np.zeros(0)
        return {"x": x.copy(), "mult_x_L": zl.copy(), "mult_x_U": zu.copy(), "g": g, "mult_g": y.copy()}

    def get_current_violations(self, scaled: bool = False) -> Optional[Dict[str, np.ndarray]]:
        """Violations of the optimality conditions at the current iterate, valid only inside
        ``intermediate`` (Ipopt 3.14's GetCurrentViolations). Returns ``None`` outside it."""
        if self._current is None:
            return None
        _, (x, y, zl, zu) = self._current
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
        return {
            "x_L_violation": np.where(lb_fin, np.maximum(self.lb - x, 0.0), 0.0),
            "x_U_violation": np.where(ub_fin, np.maximum(x - self.ub, 0.0), 0.0),
            "compl_x_L": np.where(lb_fin, zl * (x - self.lb), 0.0),
            "compl_x_U": np.where(ub_fin, zu * (self.ub - x), 0.0),
            "grad_lag_x": grad_lag,
            "g_violation": g_viol,
            "compl_g": compl_g,
        }

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
        obj = self._obj
        limited_memory = options.get("hessian_approximation") == "limited-memory"
        jac_matrix_free = self.m > 0 and not callable(getattr(obj, "jacobian", None))
        jac_rows = jac_cols = None
        if self.m > 0 and not jac_matrix_free:
            jac_rows, jac_cols = self._jacobian_structure()
        hess_rows = hess_cols = None
        if limited_memory:
            hess_mode = "none"
        elif callable(getattr(obj, "hessian", None)):
            hess_mode = "sparse"
            hess_rows, hess_cols = self._hessian_structure()
        elif callable(getattr(obj, "hvp", None)):
            hess_mode = "matrix-free"
        else:
            hess_mode = "none"

        intermediate = getattr(obj, "intermediate", None)
        if not callable(intermediate):
            intermediate = None
        callbacks = _Callbacks(self, obj, intermediate)
        obj_scaling = x_scaling = g_scaling = None
        if self._scaling is not None:
            obj_scaling, x_scaling, g_scaling = self._scaling
        info = _ipax.solve(
            callbacks,
            EvaluationError,
            self.n,
            self.m,
            self.lb,
            self.ub,
            self.cl,
            self.cu,
            np.ascontiguousarray(x0),
            list(options.items()),
            jac_rows=jac_rows,
            jac_cols=jac_cols,
            jac_matrix_free=jac_matrix_free,
            hess_mode=hess_mode,
            hess_rows=hess_rows,
            hess_cols=hess_cols,
            intermediate=intermediate is not None,
            lagrange=lam,
            zl=z_l,
            zu=z_u,
            obj_scaling=obj_scaling,
            x_scaling=x_scaling,
            g_scaling=g_scaling,
            keep_kkt=_keep_kkt,
        )
        info["status_msg"] = info["status_msg"].encode()  # cyipopt returns bytes
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
    """

    def __init__(self, problem: Problem) -> None:
        if not isinstance(problem, Problem):
            raise TypeError(f"Solver needs an ipax.Problem, got {type(problem).__name__}")
        self.problem = problem
        #: ``info`` of the last solve (``None`` before the first).
        self.last: Optional[Dict[str, Any]] = None
        self._kkt: Any = None
        self._kkt_error: Optional[str] = None
        self._kkt_thread: Optional[int] = None

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
                _extra_options=_WARM_START_DEFAULTS, _keep_kkt=True,
            )
        else:
            x, info = self.problem.solve(x0, _keep_kkt=True)
        self._kkt = info.pop("_kkt", None)
        self._kkt_error = info.pop("_kkt_error", None)
        self._kkt_thread = threading.get_ident()
        self.last = info
        return x, info

    def kkt_solve(self, rhs: Any) -> np.ndarray:
        """Solve ``K v = rhs`` with the KKT matrix at the last solution (factored once).

        ``K = [[∇²L + Σ_x, Jᵀ], [J, −D]]`` (bound multipliers eliminated; active inequalities act as
        equalities). For a parameter ``p`` entering the problem, the sensitivities are
        ``[dx/dp; dλ/dp] = kkt_solve(−[∂(∇ₓL)/∂p; ∂g/∂p])``. ``rhs`` has length ``n + m`` or shape
        ``(n + m, k)``. Needs the exact Hessian (a ``hessian`` callback) and a successful solve.

        The factor is bound to the thread that ran the solve: call this (and the sensitivity
        methods) from that thread; another thread gets a ``RuntimeError``. ``ipax.jax.JaxProblem``
        pins its solves and back-solves to one worker thread for this reason.
        """
        if self.last is None:
            raise RuntimeError("kkt_solve needs a previous successful solve")
        if self._kkt is None:
            raise RuntimeError(f"no KKT factor at the last solution: {self._kkt_error or 'the solve did not succeed'}")
        if threading.get_ident() != self._kkt_thread:
            raise RuntimeError("the KKT factor is bound to the thread that ran the solve; call kkt_solve from that thread")
        return self._kkt.solve(np.ascontiguousarray(rhs, dtype=float))

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

    def reset(self) -> None:
        """Forget the previous solution (the next solve is cold)."""
        self.last = None
        self._kkt = None
        self._kkt_error = None
