"""`JaxProblem`: build once, solve many; differentiable by the implicit function theorem.

At a converged solution ``(x*, λ*, z*)`` of ``min f(x, p) s.t. cl <= c(x, p) <= cu, lb <= x <= ub``
the first-order conditions ``F(x, λ, p) = [∇ₓL(x, λ, p) − z; c_A(x, p) − b_A] = 0`` (``L = f + λᵀc``,
``A`` the active constraints, active bounds held fixed) define ``x*(p)``. Differentiating,

    [ H    J_Aᵀ  E_Bᵀ ] [dx ]     [ ∂ₚ∇ₓL ]
    [ J_A   0     0   ] [dλ ] = − [ ∂ₚc_A ] dp            (H = ∇²ₓₓL, E_B = rows of active bounds)
    [ E_B   0     0   ] [dz ]     [   0   ]

and for a cotangent ``x̄`` (reverse mode) the symmetric matrix ``K`` gives ``K u = [x̄; λ̄_A; 0]``,
``p̄ = −uᵀ ∂ₚ[∇ₓL; c]`` (one back-solve per cotangent). Inactive rows are replaced by identity rows
(``dλᵢ = 0``) so every shape is static under ``jit``; the implicit-function formula is in
Fiacco (1976) and, for the IPM's own factor, in Pirnay, López-Negrete & Biegler (2012, sIPOPT).

``factor_reuse=True`` solves with ipax's ``KktFactor`` instead (bound multipliers eliminated as
``Σ = z/(x − x_b)``, inequality rows with ``−gap/|λ|``: active rows act as equalities, inactive ones
decouple, exact up to O(μ)); ``False`` assembles and solves ``K`` densely in JAX, which stays
differentiable to any order in reverse mode. The ``KktFactor`` is the IPM's own factor of its final
iteration, refined against that ``Σ``-form matrix assembled at the solution (``"held+refined"``,
``ipax::KktFactor::held_refined``: no factorization after the solve; the held matrix is one step
and O(μ) away, so each back-solve is a few refinement steps preconditioned by it); where the IPM
holds no factor, or the refinement stalls, it is that matrix factored at the solution
(``"fresh"``, ``"held (refinement stalled) → at_solution"``; :attr:`JaxProblem.kkt_sources`
counts which). The O(μ) gap between the ``Σ``-form and the exact active-set ``K`` is then removed
by a Neumann series in Python (``_refinement_diag``).
"""

from __future__ import annotations

import collections
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, NamedTuple, Optional, Tuple

import jax
import jax.numpy as jnp
import numpy as np

from .._problem import _WARM_START_DEFAULTS, Problem
from ._compile import _INF, Compiled, Spec, make_problem

__all__ = ["JaxProblem", "WarmStart", "AnchorState", "SolveError"]


class SolveError(RuntimeError):
    """The interior-point solve did not converge (``status`` is Ipopt's code, ``message`` ipax's).

    Under ``jax.jit`` the solve runs in a host callback and JAX re-raises this as its own
    ``JaxRuntimeError`` (also a ``RuntimeError``) carrying this message.
    """

    def __init__(self, status: int, message: str, index: Optional[int] = None) -> None:
        where = "" if index is None else f" (batch element {index})"
        super().__init__(f"ipax solve failed{where}: status {status}: {message}")
        self.status = status
        self.index = index


class WarmStart(NamedTuple):
    """The primal-dual hand-off of :meth:`JaxProblem.solve_with_warm` (a pytree of arrays).

    ``lam`` are the constraint multipliers, ``z_l``/``z_u`` the bound multipliers of the solution;
    ``iterations`` is the iteration count of the solve that produced it (ignored on input).
    """

    lam: Any
    z_l: Any
    z_u: Any
    iterations: Any


# Outputs of one host solve, in order: x, λ, z_L, z_U, active bounds, active rows, stats.
# stats = [iterations, status, factor key] as float64 so every output has a float cotangent.
_N_OUT = 7


#: Live problems, closed before the interpreter stops their pin threads (a factor can only be
#: dropped on the thread that made it: ipax's KktFactor handle is thread-bound).
_LIVE: "weakref.WeakSet[JaxProblem]" = weakref.WeakSet()


def _close_all() -> None:
    for jp in list(_LIVE):
        try:
            jp.close()
        except Exception:
            pass


# threading's exit hooks run before concurrent.futures joins its workers (atexit would be too late).
_register = getattr(threading, "_register_atexit", None)
if _register is not None:
    _register(_close_all)
else:  # pragma: no cover - Python without the hook: factors may be reported leaked at exit
    import atexit

    atexit.register(_close_all)


#: Refinement steps of a factor back-solve towards the exact active-set system (each gains a factor
#: ‖K⁻¹E‖ = O(μ/λ²), so two reach round-off unless a constraint is nearly degenerate).
_REFINEMENT_STEPS = 2


def _refinement_diag(outs: Tuple[np.ndarray, ...], g: Any, lb: np.ndarray, ub: np.ndarray, cl: np.ndarray,
                     cu: np.ndarray) -> np.ndarray:
    """``E = K_factor − K_exact`` (diagonal, length n + m) at a solution, where ``K_factor`` is ipax's
    ``KktFactor`` (``Σ = z/gap`` on every bound, ``−gap/|λ|`` on every inequality row; see
    ``src/sensitivity.rs``) and ``K_exact`` drops inactive bounds and makes active rows equalities.
    Inactive rows and active bounds are left alone: the factor already decouples them to O(μ)."""
    x, lam, zl, zu, act_b, act_c = (np.asarray(a, dtype=np.float64).reshape(-1) for a in outs[:6])
    g = np.asarray(g, dtype=np.float64).reshape(-1)

    def gap(d: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.maximum(d, 1e-14 * np.maximum(np.abs(b), 1.0))

    with np.errstate(divide="ignore", invalid="ignore"):
        sig = np.where(lb > -_INF, zl / gap(x - lb, lb), 0.0) + np.where(ub < _INF, zu / gap(ub - x, ub), 0.0)
        ineq_gap = np.where(lam >= 0, gap(cu - g, cu), gap(g - cl, cl))
        d = np.where(cl == cu, 0.0, np.minimum(ineq_gap / np.maximum(np.abs(lam), 1e-300), 1e20))
    e_x = np.where(act_b > 0, 0.0, sig)
    e_c = np.where(act_c > 0, -d, 0.0)
    e = np.concatenate([e_x, e_c])
    return np.where(np.isfinite(e), e, 0.0)


class _Store:
    """The KKT factors of one pin thread: an LRU for backward passes and the anchored ones."""

    def __init__(self) -> None:
        self.lru: "collections.OrderedDict[int, Any]" = collections.OrderedDict()
        self.pinned: Dict[int, Any] = {}

    def clear(self) -> None:
        self.lru.clear()
        self.pinned.clear()


_PIN_LOCAL = threading.local()


def _pin_store() -> _Store:
    """This thread's factor store (only pin threads have one; it dies with its thread)."""
    store = getattr(_PIN_LOCAL, "store", None)
    if store is None:
        store = _PIN_LOCAL.store = _Store()
    return store


def _is_concrete(*args: Any) -> bool:
    return not any(isinstance(a, jax.core.Tracer) for a in jax.tree_util.tree_leaves(args))


def _active_sets(x: np.ndarray, lam: np.ndarray, zl: np.ndarray, zu: np.ndarray, g: np.ndarray,
                 lb: np.ndarray, ub: np.ndarray, cl: np.ndarray, cu: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Active bounds and constraint rows at a solution, as 0/1 float masks.

    A bound (row) is active when its multiplier exceeds its gap: strict complementarity makes
    ``z·gap ≈ μ`` with one factor O(1) and the other O(μ) at convergence. Fixed variables and
    equality rows are always active. ``λ ≥ 0`` pushes against ``cu``, ``λ ≤ 0`` against ``cl``
    (``L = f + λᵀc``).
    """
    fl, fu = lb > -_INF, ub < _INF
    act_b = (lb == ub) | (fl & (zl > x - lb)) | (fu & (zu > ub - x))
    eq = cl == cu
    act_c = eq | ((cu < _INF) & (lam > 0) & (lam > cu - g)) | ((cl > -_INF) & (lam < 0) & (-lam > g - cl))
    return act_b.astype(np.float64), act_c.astype(np.float64)


class JaxProblem:
    """Build once, solve many: ``min f(x, p) s.t. cl <= c(x, p) <= cu, lb <= x <= ub``.

    ``f(x, p) -> scalar`` and ``c(x, p) -> (m,)`` are JAX functions (``c=None`` when unconstrained;
    ``g`` is accepted as an alias). ``p_example`` fixes the parameter's shape only. The jit'd
    derivatives, the sparsity probe (``sparse=True``: CPR-coloured JVP/HVP) and the per-thread
    :class:`ipax.Problem` are built once and reused by every call.

    Every solve surface is a ``jax.custom_vjp`` differentiated by the implicit function theorem at
    the converged KKT point (see the module docs); ``factor_reuse`` picks the backward:
    ``True`` (default) back-solves ipax's KKT factor of the solution (held in an LRU of
    ``cache_capacity`` entries, all touches pinned to one worker thread because the factor may only
    be used on the thread that made it), ``False`` solves a dense JAX KKT system (differentiable
    again: ``jax.grad(jax.grad(...))`` works). ``on_failure="raise"`` raises :class:`SolveError`
    when a solve does not converge; ``"nan"`` returns NaN for that solution instead.
    """

    def __init__(
        self,
        f: Callable[..., Any],
        c: Optional[Callable[..., Any]] = None,
        n: Optional[int] = None,
        m: Optional[int] = None,
        p_example: Any = None,
        lb: Any = None,
        ub: Any = None,
        cl: Any = None,
        cu: Any = None,
        options: Optional[Dict[str, Any]] = None,
        *,
        g: Optional[Callable[..., Any]] = None,
        sparse: bool = False,
        n_probes: Optional[int] = None,
        factor_reuse: bool = True,
        on_failure: str = "raise",
        cache_capacity: int = 128,
        pinned_capacity: int = 16,
        seed: int = 0,
    ) -> None:
        if g is not None:
            if c is not None:
                raise TypeError("give the constraints as c or g, not both")
            c = g
        if p_example is None:
            raise ValueError("p_example (an array of the parameter's shape) is required")
        if n is None:
            for v in (lb, ub):
                if v is not None and np.size(v) > 1:
                    n = int(np.size(v))
                    break
            else:
                raise ValueError("n is required when neither lb nor ub gives the number of variables")
        if on_failure not in ("raise", "nan"):
            raise ValueError(f"on_failure must be 'raise' or 'nan', got {on_failure!r}")
        self._spec = Spec(f, c, n, m, p_example, lb, ub, cl, cu, options, sparse, n_probes, seed)
        self.factor_reuse = bool(factor_reuse)
        self.on_failure = on_failure
        self._cache_capacity = int(cache_capacity)
        self._pinned_capacity = int(pinned_capacity)
        self._init_runtime(None, None)

    # ----------------------------------------------------------------------------- runtime state
    def _init_runtime(self, pattern: Optional[Tuple[np.ndarray, ...]], coloring: Any) -> None:
        """Everything that is rebuilt after unpickling: jit'd closures, locks, threads, factors."""
        # Built eagerly even inside a jax.jit trace (the functional solve() under jit): the probe
        # must see values, and the constants kept here must not be tracers of that trace.
        with jax.ensure_compile_time_eval():
            self._k = Compiled(self._spec, pattern, coloring)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._next_key = 1
        self._sources: "collections.Counter[str]" = collections.Counter()
        self._pin: Optional[ThreadPoolExecutor] = None
        self._pin_thread: Optional[int] = None
        self._pool: Optional[ThreadPoolExecutor] = None
        self._pool_size = 0
        self._build_jax_functions()
        _LIVE.add(self)

    def __getstate__(self) -> dict:
        return {
            "spec": self._spec,
            "factor_reuse": self.factor_reuse,
            "on_failure": self.on_failure,
            "cache_capacity": self._cache_capacity,
            "pinned_capacity": self._pinned_capacity,
            # The probe's result survives, so the receiver skips it.
            "pattern": self._k.pattern,
            "coloring": self._k.coloring,
        }

    def __setstate__(self, state: dict) -> None:
        self._spec = state["spec"]
        self.factor_reuse = state["factor_reuse"]
        self.on_failure = state["on_failure"]
        self._cache_capacity = state["cache_capacity"]
        self._pinned_capacity = state["pinned_capacity"]
        self._init_runtime(state["pattern"], state["coloring"])

    @property
    def n(self) -> int:
        return self._spec.n

    @property
    def m(self) -> int:
        return self._spec.m

    @property
    def pattern(self) -> Tuple[np.ndarray, ...]:
        """``(jac_rows, jac_cols, hess_rows, hess_cols)`` found by the probe (Hessian: lower part)."""
        return self._k.pattern

    @property
    def n_colors(self) -> Optional[Tuple[int, int]]:
        """``(Jacobian colours, Hessian colours)`` with ``sparse=True``, else ``None``."""
        return self._k.n_colors

    @property
    def kkt_sources(self) -> Dict[str, int]:
        """How many backward back-solves (``factor_reuse=True``) used which KKT factor, by
        ``KktFactor.source()``: ``"held+refined"`` (the IPM's held factor refined against the KKT
        matrix at the solution), ``"held (refinement stalled) → at_solution"``, ``"fresh"`` (the
        IPM held none: factored at the solution); ``"dense"`` counts the dense fallback (factor
        evicted from the cache)."""
        with self._lock:
            return dict(self._sources)

    def _count_source(self, source: str) -> None:
        with self._lock:
            self._sources[source] += 1

    def close(self) -> None:
        """Release held factors and worker threads (the object stays usable; they are re-made)."""
        with self._lock:
            pin, pool = self._pin, self._pool
            self._pin = self._pool = None
            on_pin = threading.get_ident() == self._pin_thread
            self._pin_thread = None
        if pin is not None:
            # A factor may only be dropped on the thread that made it: clear there, and the
            # thread's exit frees the (then empty) store on that same thread.
            if on_pin:
                _pin_store().clear()
            else:
                pin.submit(lambda: _pin_store().clear())
            pin.shutdown(wait=not on_pin)
        if pool is not None:
            pool.shutdown(wait=True)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: executors are gone, nothing left to release
            pass

    def __enter__(self) -> "JaxProblem":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def clear_solver_cache(self) -> None:
        """Drop the KKT factors held for backward passes (pinned :class:`AnchorState` ones stay)."""
        if self._pin is not None:
            self._run_pinned(lambda: _pin_store().lru.clear())

    # ----------------------------------------------------------------------------- threads
    def _run_pinned(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn`` on the one thread that owns every KKT factor (created lazily).

        ipax's ``KktFactor`` handle may only be used, and dropped, on the thread that created it,
        so every solve that keeps one, every back-solve and every release happens here, and the
        handles live in that thread's own storage (:func:`_pin_store`), never in this object:
        freeing a ``JaxProblem`` on any thread then never drops a handle.
        """
        if not self.factor_reuse:
            return fn(*args)
        with self._lock:
            if self._pin is None:
                self._pin = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ipax-kkt")
                self._pin_thread = self._pin.submit(threading.get_ident).result()
            pin = self._pin
        if threading.get_ident() == self._pin_thread:
            return fn(*args)
        return pin.submit(fn, *args).result()

    def _thread_problem(self, batch: Optional[int] = None) -> Tuple[Problem, Any]:
        """This thread's cached Problem (single, or stacked for ``batch`` blocks; LRU of 4 sizes)."""
        loc = self._local
        if batch is None:
            if getattr(loc, "single", None) is None:
                loc.single = make_problem(self._k, self._spec.p_example)
            return loc.single
        stacked = getattr(loc, "stacked", None)
        if stacked is None:
            stacked = loc.stacked = collections.OrderedDict()
        if batch in stacked:
            stacked.move_to_end(batch)
            return stacked[batch]
        built = self._make_stacked_problem(batch)
        stacked[batch] = built
        while len(stacked) > 4:
            stacked.popitem(last=False)
        return built

    # ----------------------------------------------------------------------------- host solves
    def _register(self, kkt: Any, e: np.ndarray, pinned: bool = False) -> int:
        """Keep a factor (call on the pin thread); returns its key (> 0)."""
        store = _pin_store()
        with self._lock:
            key = self._next_key
            self._next_key += 1
        if pinned:
            self._check_pinned_capacity()
            store.pinned[key] = (kkt, e)
        else:
            store.lru[key] = (kkt, e)
            while len(store.lru) > self._cache_capacity:
                store.lru.popitem(last=False)
        return key

    def _keep_factor(self, info: Dict[str, Any], outs: Tuple[np.ndarray, ...], bounds: Tuple[np.ndarray, ...],
                     pinned: bool) -> None:
        """Move the solve's KKT factor from ``info`` into the store and its key into ``outs`` (on
        the pin thread). The handle must not escape in an exception's traceback either: frames
        reached from a traceback are freed on whichever thread handles the exception."""
        kkt = info.pop("_kkt", None)
        info.pop("_kkt_error", None)
        if kkt is None or not info["success"]:
            return
        try:
            outs[6][2] = self._register(kkt, _refinement_diag(outs, info["g"], *bounds), pinned)
        except BaseException:
            kkt = None
            raise

    def _check_pinned_capacity(self) -> None:
        held = len(_pin_store().pinned)
        if held >= self._pinned_capacity:
            raise RuntimeError(
                f"{held} anchored factors are held (pinned_capacity); close() AnchorState handles you no longer need"
            )

    def _release(self, key: int) -> None:
        """Drop factor ``key`` (from any thread; done on the pin thread)."""
        with self._lock:
            pin = self._pin
            on_pin = threading.get_ident() == self._pin_thread

        def drop() -> None:
            store = _pin_store()
            store.pinned.pop(key, None)
            store.lru.pop(key, None)

        if pin is None:
            return
        if on_pin:
            drop()
            return
        try:
            pin.submit(drop)
        except RuntimeError:  # executor shut down: its thread has dropped everything already
            pass

    def _solve_once(self, problem: Problem, cb: Any, p: np.ndarray, x0: Any, warm: Optional[Tuple],
                    keep: bool) -> Dict[str, Any]:
        cb.p = jnp.asarray(p, dtype=jnp.float64)
        # keep: the IPM holds its final factor and ipax refines it against the KKT matrix at the
        # solution (no factorization after the solve; see the module docs).
        if warm is not None:
            lam0, zl0, zu0 = warm
            _, info = problem.solve(x0, lagrange=lam0, zl=zl0, zu=zu0, _extra_options=_WARM_START_DEFAULTS,
                                    _keep_kkt=keep, _kkt_reuse=keep, _kkt_refine=keep)
        else:
            _, info = problem.solve(x0, _keep_kkt=keep, _kkt_reuse=keep, _kkt_refine=keep)
        return info

    def _outputs(self, info: Dict[str, Any], lb: np.ndarray, ub: np.ndarray, cl: np.ndarray,
                 cu: np.ndarray, key: int, index: Optional[int] = None) -> Tuple[np.ndarray, ...]:
        x, lam = np.asarray(info["x"], float), np.asarray(info["mult_g"], float)
        zl, zu = np.asarray(info["mult_x_L"], float), np.asarray(info["mult_x_U"], float)
        if not info["success"]:
            if self.on_failure == "raise":
                msg = info["status_msg"]
                raise SolveError(int(info["status"]), msg.decode() if isinstance(msg, bytes) else str(msg), index)
            x = np.full_like(x, np.nan)
            lam = np.full_like(lam, np.nan)
        act_b, act_c = _active_sets(x, lam, zl, zu, np.asarray(info["g"], float), lb, ub, cl, cu)
        stats = np.array([info["iterations"], info["status"], key], dtype=np.float64)
        return x, lam, zl, zu, act_b, act_c, stats

    def _host_single(self, p: np.ndarray, x0: np.ndarray, lam0: np.ndarray, zl0: np.ndarray,
                     zu0: np.ndarray, use_warm: np.ndarray, pinned: bool = False) -> Tuple[np.ndarray, ...]:
        s = self._spec
        warm = (lam0, zl0, zu0) if float(use_warm) > 0 else None
        keep = self.factor_reuse

        def work() -> Tuple[np.ndarray, ...]:
            problem, cb = self._thread_problem()
            info = self._solve_once(problem, cb, np.asarray(p), np.asarray(x0, float), warm, keep)
            outs = self._outputs(info, s.lb, s.ub, s.cl, s.cu, 0)
            self._keep_factor(info, outs, (s.lb, s.ub, s.cl, s.cu), pinned)
            return outs

        return self._run_pinned(work)

    def _host_parallel(self, P: np.ndarray, X0: np.ndarray, LAM0: np.ndarray, ZL0: np.ndarray,
                       ZU0: np.ndarray, use_warm: np.ndarray, workers: Optional[int] = None) -> Tuple[np.ndarray, ...]:
        """One independent solve per row in a thread pool (the GIL is released inside each solve;
        the per-thread Problem is built once per worker). Factors are not kept: the backward of
        this surface is the dense one."""
        s = self._spec
        B = P.shape[0]
        warm = float(use_warm) > 0

        def one(i: int) -> Tuple[np.ndarray, ...]:
            problem, cb = self._thread_problem()
            w = (LAM0[i], ZL0[i], ZU0[i]) if warm else None
            info = self._solve_once(problem, cb, P[i], np.asarray(X0[i], float), w, False)
            return self._outputs(info, s.lb, s.ub, s.cl, s.cu, 0, i)

        pool = self._get_pool(workers)
        outs = list(pool.map(one, range(B)))
        stacked = [np.stack([o[j] for o in outs]) for j in range(_N_OUT - 1)]
        # One stats row for the batch, as the stacked surface has: total iterations, the first
        # non-zero status, no factor.
        status = next((float(o[6][1]) for o in outs if o[6][1] != 0), 0.0)
        stats = np.array([sum(float(o[6][0]) for o in outs), status, 0.0])
        return tuple(stacked) + (stats,)

    def _get_pool(self, workers: Optional[int]) -> ThreadPoolExecutor:
        import os

        size = int(workers) if workers is not None else (os.cpu_count() or 1)
        if size < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        with self._lock:
            if self._pool is None or self._pool_size != size:
                if self._pool is not None:
                    self._pool.shutdown(wait=False)
                self._pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="ipax-solve")
                self._pool_size = size
            return self._pool

    # stacked block-diagonal problem ------------------------------------------------------------
    def _make_stacked_problem(self, B: int) -> Tuple[Problem, Any]:
        s, k = self._spec, self._k
        n, m = s.n, s.m
        jr, jc, hr, hc = k.pattern
        off = np.arange(B, dtype=np.int64)[:, None]
        pattern = (
            (jr[None, :] + off * m).ravel(), (jc[None, :] + off * n).ravel(),
            (hr[None, :] + off * n).ravel(), (hc[None, :] + off * n).ravel(),
        )
        cb = _StackedCallbacks(self._stacked_fns, pattern, B, n, m)
        bounds: Dict[str, Any] = dict(lb=np.tile(s.lb, B), ub=np.tile(s.ub, B), cl=np.tile(s.cl, B),
                                      cu=np.tile(s.cu, B))
        prob = Problem(n=B * n, m=B * m, problem_obj=cb, **bounds)
        for name, value in s.options.items():
            prob.add_option(name, value)
        return prob, cb

    def _host_stacked(self, P: np.ndarray, X0: np.ndarray, LAM0: np.ndarray, ZL0: np.ndarray,
                      ZU0: np.ndarray, use_warm: np.ndarray, pinned: bool = False) -> Tuple[np.ndarray, ...]:
        s = self._spec
        B, n, m = P.shape[0], s.n, s.m
        warm = (LAM0.reshape(-1), ZL0.reshape(-1), ZU0.reshape(-1)) if float(use_warm) > 0 else None
        keep = self.factor_reuse

        def work() -> Tuple[np.ndarray, ...]:
            if pinned and keep:
                self._check_pinned_capacity()  # before spending a solve
            problem, cb = self._thread_problem(B)
            info = self._solve_once(problem, cb, np.asarray(P), np.asarray(X0, float).reshape(-1), warm, keep)
            bounds = (np.tile(s.lb, B), np.tile(s.ub, B), np.tile(s.cl, B), np.tile(s.cu, B))
            outs = self._outputs(info, *bounds, 0)
            self._keep_factor(info, outs, bounds, pinned)
            x, lam, zl, zu, ab, ac, stats = outs
            return (x.reshape(B, n), lam.reshape(B, m), zl.reshape(B, n), zu.reshape(B, n),
                    ab.reshape(B, n), ac.reshape(B, m), stats)

        return self._run_pinned(work)

    def _host_kkt(self, key: Any, rhs: np.ndarray, fallback: Callable[[], np.ndarray]) -> np.ndarray:
        """``K⁻¹ rhs`` with the held factor ``key`` (on its thread); the dense solve when the factor
        was evicted or could not be formed (e.g. a wrong inertia reported by ipax)."""
        u = self._factor_solve(int(key), rhs) if int(key) > 0 and self.factor_reuse else None
        if u is None:
            self._count_source("dense")
            return np.asarray(fallback(), dtype=np.float64)
        return u

    def _factor_solve(self, key: int, rhs: np.ndarray) -> Optional[np.ndarray]:
        """``K⁻¹ rhs`` refined to the exact active-set system, or ``None`` if ``key`` is not held."""
        r = np.ascontiguousarray(rhs, dtype=np.float64)

        def refined() -> Optional[np.ndarray]:
            store = _pin_store()
            held = store.pinned.get(key)
            if held is None:
                held = store.lru.get(key)
                if held is None:
                    return None
                store.lru.move_to_end(key)
            kkt, e = held
            if r.ndim == 2:
                e = e[:, None]
            # K_f = K_e + E: the factor differs from the exact active-set system by the small
            # diagonal E (Σ of inactive bounds, D of active rows, both O(μ)); u ← u₀ + K_f⁻¹ E u
            # is the Neumann series of K_e⁻¹ = (I − K_f⁻¹E)⁻¹ K_f⁻¹ and removes the O(μ) error.
            u0 = np.asarray(kkt.solve(r))
            u = u0
            for _ in range(_REFINEMENT_STEPS):
                if not np.any(e):
                    break
                u = u0 + np.asarray(kkt.solve(np.ascontiguousarray(e * u)))
            self._count_source(str(kkt.source()))
            return u

        return self._run_pinned(refined)

    # ----------------------------------------------------------------------------- JAX side
    def _build_jax_functions(self) -> None:
        s, k = self._spec, self._k
        n, m = s.n, s.m
        f_raw, c_raw = k.f_raw, k.c_raw
        hess_l = jax.hessian(k.lagrangian)
        jac_c = jax.jacfwd(c_raw) if n <= m else jax.jacrev(c_raw)
        residual = k.kkt_residual

        def dense_kkt(x: Any, lam: Any, p: Any, act_b: Any, act_c: Any) -> Any:
            """The masked implicit-function matrix K (size 2n + m, symmetric)."""
            H = hess_l(x, lam, 1.0, p)
            J = jac_c(x, p) if m > 0 else jnp.zeros((0, n), dtype=x.dtype)
            Mb, Mc = jnp.diag(act_b), act_c
            top = jnp.concatenate([H, J.T * Mc[None, :], Mb], axis=1)
            mid = jnp.concatenate([Mc[:, None] * J, jnp.diag(1.0 - Mc), jnp.zeros((m, n))], axis=1)
            bot = jnp.concatenate([Mb, jnp.zeros((n, m)), jnp.diag(1.0 - act_b)], axis=1)
            return jnp.concatenate([top, mid, bot], axis=0)

        def dense_u(x: Any, lam: Any, p: Any, act_b: Any, act_c: Any, xbar: Any, lbar: Any) -> Tuple[Any, Any]:
            K = dense_kkt(x, lam, p, act_b, act_c)
            u = jnp.linalg.solve(K, jnp.concatenate([xbar, lbar * act_c, jnp.zeros(n)]))
            return u[:n], u[n : n + m]

        def pbar_from_u(x: Any, lam: Any, p: Any, ux: Any, ul: Any) -> Any:
            _, vjp = jax.vjp(lambda q: residual(x, lam, q), p)
            return -vjp(jnp.concatenate([ux, ul]))[0]

        def residual_p_jac(x: Any, lam: Any, p: Any) -> Any:
            """∂ₚ[∇ₓL; c] as an (n + m) × size(p) matrix."""
            G = jax.jacfwd(lambda q: residual(x, lam, q))(p)
            return G.reshape(n + m, -1)

        def dense_jacobian(x: Any, lam: Any, p: Any, act_b: Any, act_c: Any) -> Any:
            """dx*/dp (n × size(p)) from the dense masked system."""
            G = residual_p_jac(x, lam, p)
            rhs = -jnp.concatenate([G[:n], act_c[:, None] * G[n:], jnp.zeros((n, G.shape[1]))])
            return jnp.linalg.solve(dense_kkt(x, lam, p, act_b, act_c), rhs)[:n]

        self._dense_u = dense_u
        self._dense_u_jit = jax.jit(dense_u)
        self._dense_u_batch_jit = jax.jit(jax.vmap(dense_u))
        self._pbar_from_u = pbar_from_u
        self._residual_p_jac = jax.jit(jax.vmap(residual_p_jac))
        self._dense_jacobian = jax.jit(jax.vmap(dense_jacobian))
        self._residual_jvp = jax.jit(jax.vmap(
            lambda x, lam, p, dp: jax.jvp(lambda q: residual(x, lam, q), (p,), (dp,))[1]))
        self._residual_vjp = jax.jit(jax.vmap(pbar_from_u))

        # Stacked (block-diagonal) functions: B-generic, traced once per B by jit.
        def blocks(X: Any, B: int) -> Any:
            return X.reshape(B, n)

        def sf(X: Any, P: Any) -> Any:
            return jnp.sum(jax.vmap(f_raw)(blocks(X, P.shape[0]), P))

        def sc(X: Any, P: Any) -> Any:
            return jax.vmap(c_raw)(blocks(X, P.shape[0]), P).reshape(-1)

        def sj(X: Any, P: Any) -> Any:
            return jax.vmap(k.jac_vals_raw)(blocks(X, P.shape[0]), P).reshape(-1)

        def sh(X: Any, LAM: Any, sigma: Any, P: Any) -> Any:
            B = P.shape[0]
            hv = jax.vmap(k.hess_vals_raw, in_axes=(0, 0, None, 0))
            return hv(blocks(X, B), LAM.reshape(B, m), sigma, P).reshape(-1)

        self._stacked_fns = (jax.jit(sf), jax.jit(jax.grad(sf)), jax.jit(sc), jax.jit(sj), jax.jit(sh))

        # The differentiable cores.
        out_single = self._shapes(None)

        def single_primal(p: Any, x0: Any, lam0: Any, zl0: Any, zu0: Any, use_warm: Any) -> Tuple[Any, ...]:
            args = (p, x0, lam0, zl0, zu0, use_warm)
            if _is_concrete(*args):
                q, x, lam, zl, zu, flag = (np.asarray(a) for a in args)
                return tuple(jnp.asarray(o) for o in self._host_single(q, x, lam, zl, zu, flag))
            return tuple(jax.pure_callback(self._host_single, out_single, *args, vmap_method="sequential"))

        def batch_primal(host: Callable[..., Any]) -> Callable[..., Tuple[Any, ...]]:
            def primal(P: Any, X0: Any, LAM0: Any, ZL0: Any, ZU0: Any, use_warm: Any) -> Tuple[Any, ...]:
                args = (P, X0, LAM0, ZL0, ZU0, use_warm)
                if _is_concrete(*args):
                    return tuple(jnp.asarray(o) for o in host(*(np.asarray(a) for a in args)))
                shapes = self._shapes(P.shape[0])
                return tuple(jax.pure_callback(host, shapes, *args, vmap_method="sequential"))
            return primal

        def make(primal: Callable[..., Tuple[Any, ...]], backward: Callable[..., Any]) -> Callable[..., Any]:
            core = jax.custom_vjp(primal)

            def fwd(*args: Any) -> Tuple[Any, Any]:
                # Call the core itself, not the host: under an outer differentiation its outputs
                # then carry their own derivatives into the residuals (second order works).
                out = core(*args)
                return out, (args[0], out)

            def bwd(res: Any, ct: Any) -> Tuple[Any, ...]:
                p, out = res
                return (backward(p, out, ct[0], ct[1]), None, None, None, None, None)

            core.defvjp(fwd, bwd)
            return core

        def bwd_dense_single(p: Any, out: Any, xbar: Any, lbar: Any) -> Any:
            x, lam, _, _, ab, ac, _ = out
            ux, ul = dense_u(x, lam, p, ab, ac, xbar, lbar)
            return pbar_from_u(x, lam, p, ux, ul)

        def _per_block(out: Any) -> Tuple[Any, ...]:
            x, lam, zl, zu, ab, ac, stats = out
            B = x.shape[0]
            return (x, lam, zl, zu, ab, ac, jnp.broadcast_to(stats, (B,) + stats.shape[-1:]))

        def bwd_reuse_single(p: Any, out: Any, xbar: Any, lbar: Any) -> Any:
            x, lam, _, _, ab, ac, stats = out
            rhs = jnp.concatenate([xbar, lbar])

            def host(key: np.ndarray, rhs_: np.ndarray, x_: np.ndarray, lam_: np.ndarray, p_: np.ndarray,
                     ab_: np.ndarray, ac_: np.ndarray) -> np.ndarray:
                def fallback() -> np.ndarray:
                    ux, ul = self._dense_u_jit(x_, lam_, p_, ab_, ac_, rhs_[:n], rhs_[n:])
                    return np.concatenate([np.asarray(ux), np.asarray(ul)])
                return self._host_kkt(key, rhs_, fallback)

            u = jax.pure_callback(host, jax.ShapeDtypeStruct((n + m,), jnp.float64),
                                  stats[2], rhs, x, lam, p, ab, ac, vmap_method="sequential")
            return pbar_from_u(x, lam, p, u[:n], u[n:])

        def bwd_reuse_stacked(P: Any, out: Any, XBAR: Any, LBAR: Any) -> Any:
            X, LAM, _, _, AB, AC, stats = out
            B = X.shape[0]
            rhs = jnp.concatenate([XBAR.reshape(-1), LBAR.reshape(-1)])

            def host(key: np.ndarray, rhs_: np.ndarray, X_: np.ndarray, LAM_: np.ndarray, P_: np.ndarray,
                     AB_: np.ndarray, AC_: np.ndarray) -> np.ndarray:
                def fallback() -> np.ndarray:
                    ux, ul = self._dense_u_batch_jit(X_, LAM_, P_, AB_, AC_, rhs_[: B * n].reshape(B, n),
                                                     rhs_[B * n :].reshape(B, m))
                    return np.concatenate([np.asarray(ux).reshape(-1), np.asarray(ul).reshape(-1)])
                return self._host_kkt(key, rhs_, fallback)

            u = jax.pure_callback(host, jax.ShapeDtypeStruct((B * (n + m),), jnp.float64),
                                  stats[2], rhs, X, LAM, P, AB, AC, vmap_method="sequential")
            return jax.vmap(pbar_from_u)(X, LAM, P, u[: B * n].reshape(B, n), u[B * n :].reshape(B, m))

        # jit'd backward bodies: traced once per problem (and still differentiable: jit composes
        # with an outer jax.grad), instead of op-by-op dispatch on every backward pass.
        bwd_dense_single = jax.jit(bwd_dense_single)
        pbar_from_u = jax.jit(pbar_from_u)
        bwd_reuse_single = jax.jit(bwd_reuse_single)
        bwd_reuse_stacked = jax.jit(bwd_reuse_stacked)
        self._core_single = make(single_primal, bwd_reuse_single if self.factor_reuse else bwd_dense_single)
        # jit'd so a batch is traced once per shape, not on every call (the solves stay sequential
        # host callbacks, one per row).
        self._vmap_single = jax.jit(jax.vmap(self._core_single, in_axes=(0, 0, 0, 0, 0, None)))
        self._core_parallel_by_workers: Dict[Optional[int], Callable[..., Any]] = {}
        self._make_core = make
        self._batch_primal = batch_primal
        bwd_dense_batch = jax.jit(lambda P, out, XB, LB: jax.vmap(bwd_dense_single)(P, _per_block(out), XB, LB))
        self._bwd_dense_batch = bwd_dense_batch
        self._core_stacked = make(batch_primal(self._host_stacked),
                                  bwd_reuse_stacked if self.factor_reuse else self._bwd_dense_batch)

    def _shapes(self, B: Optional[int]) -> Tuple[jax.ShapeDtypeStruct, ...]:
        n, m = self.n, self.m
        lead: Tuple[int, ...] = () if B is None else (B,)
        f64 = jnp.float64
        return (jax.ShapeDtypeStruct(lead + (n,), f64), jax.ShapeDtypeStruct(lead + (m,), f64),
                jax.ShapeDtypeStruct(lead + (n,), f64), jax.ShapeDtypeStruct(lead + (n,), f64),
                jax.ShapeDtypeStruct(lead + (n,), f64), jax.ShapeDtypeStruct(lead + (m,), f64),
                jax.ShapeDtypeStruct((3,), f64))

    def _core_parallel(self, workers: Optional[int]) -> Callable[..., Any]:
        core = self._core_parallel_by_workers.get(workers)
        if core is None:
            def host(*a: Any) -> Tuple[np.ndarray, ...]:
                return self._host_parallel(a[0], a[1], a[2], a[3], a[4], a[5], workers=workers)

            core = self._make_core(self._batch_primal(host), self._bwd_dense_batch)
            self._core_parallel_by_workers[workers] = core
        return core

    # ----------------------------------------------------------------------------- argument checks
    def _p(self, p: Any, batched: bool) -> Any:
        p = jnp.asarray(p, dtype=jnp.float64)
        want = self._spec.p_shape
        got = p.shape[1:] if batched else p.shape
        if tuple(got) != want or (batched and p.ndim < 1):
            lead = "(B,) + " if batched else ""
            raise ValueError(f"p must have shape {lead}{want}, got {p.shape}")
        return p

    def _x0(self, x0: Any, B: Optional[int]) -> Any:
        n = self.n
        x0 = jnp.asarray(x0, dtype=jnp.float64)
        if B is None:
            if x0.shape != (n,):
                raise ValueError(f"x0 must have shape ({n},), got {x0.shape}")
            return x0
        if x0.shape == (n,):
            return jnp.broadcast_to(x0, (B, n))
        if x0.shape != (B, n):
            raise ValueError(f"x0 must have shape ({n},) or ({B}, {n}), got {x0.shape}")
        return x0

    def _warm(self, warm: Optional[WarmStart], B: Optional[int]) -> Tuple[Any, ...]:
        n, m = self.n, self.m
        lead: Tuple[int, ...] = () if B is None else (B,)
        if warm is None:
            return (jnp.zeros(lead + (m,)), jnp.zeros(lead + (n,)), jnp.zeros(lead + (n,)), jnp.zeros(()))
        lam, zl, zu = (jnp.asarray(a, dtype=jnp.float64) for a in warm[:3])
        for a, size, what in ((lam, m, "lam"), (zl, n, "z_l"), (zu, n, "z_u")):
            if a.shape != lead + (size,):
                raise ValueError(f"warm_start.{what} must have shape {lead + (size,)}, got {a.shape}")
        return (jax.lax.stop_gradient(lam), jax.lax.stop_gradient(zl), jax.lax.stop_gradient(zu), jnp.ones(()))

    # ----------------------------------------------------------------------------- public surfaces
    def solve(self, p: Any, x0: Any) -> Any:
        """``x*(p)`` from ``x0``; differentiable in ``p`` (``jax.grad``, ``jax.vjp``, ``jax.vmap``,
        ``jax.jit``)."""
        p = self._p(p, False)
        out = self._core_single(p, self._x0(x0, None), *self._warm(None, None))
        return out[0]

    def solve_with_warm(self, p: Any, x0: Any, warm_start: Optional[WarmStart] = None) -> Tuple[Any, WarmStart]:
        """``(x*(p), WarmStart)``: pass the returned state to the next call on a nearby ``p`` to start
        from its multipliers (with Ipopt's warm-start options: small bound pushes, ``mu_init=1e-6``).
        ``x*`` and ``warm.lam`` are differentiable in ``p``."""
        p = self._p(p, False)
        out = self._core_single(p, self._x0(x0, None), *self._warm(warm_start, None))
        return out[0], WarmStart(out[1], out[2], out[3], out[6][0])

    def vmap_solve(self, p_batch: Any, x0: Any) -> Any:
        """One solve per row of ``p_batch``, sequentially (``jax.vmap`` of :meth:`solve`)."""
        P = self._p(p_batch, True)
        X0 = self._x0(x0, P.shape[0])
        return self._vmap_single(P, X0, *self._warm(None, P.shape[0]))[0]

    def vmap_solve_parallel(self, p_batch: Any, x0: Any, workers: Optional[int] = None) -> Any:
        """One independent solve per row of ``p_batch`` in a pool of ``workers`` threads (default:
        the CPU count); the GIL is released inside each solve. The backward is the dense one
        (no factor is kept for this surface)."""
        P = self._p(p_batch, True)
        B = P.shape[0]
        out = self._core_parallel(workers)(P, self._x0(x0, B), *self._warm(None, B))
        return out[0]

    def batched_solve(self, p_batch: Any, x0: Any) -> Any:
        """One solve of the stacked problem ``min Σₖ f(xₖ, pₖ) s.t. c(xₖ, pₖ) ∈ [cl, cu]`` (block-
        diagonal Jacobian and Hessian; bounds tiled). Returns ``(B, n)``; differentiable."""
        P = self._p(p_batch, True)
        B = P.shape[0]
        return self._core_stacked(P, self._x0(x0, B), *self._warm(None, B))[0]

    def batched_solve_with_warm(self, p_batch: Any, x0: Any,
                                warm_start: Optional[WarmStart] = None) -> Tuple[Any, WarmStart]:
        """:meth:`batched_solve` with the multiplier hand-off of :meth:`solve_with_warm`."""
        P = self._p(p_batch, True)
        B = P.shape[0]
        out = self._core_stacked(P, self._x0(x0, B), *self._warm(warm_start, B))
        return out[0], WarmStart(out[1], out[2], out[3], out[6][0])

    def _stacked_solution(self, P: Any, x0: Any, pinned: bool) -> Tuple[np.ndarray, ...]:
        P = np.asarray(self._p(P, True))
        B = P.shape[0]
        X0 = np.asarray(self._x0(x0, B))
        lam0, zl0, zu0, flag = (np.asarray(a) for a in self._warm(None, B))
        return self._host_stacked(P, X0, lam0, zl0, zu0, flag, pinned=pinned)

    def _cols(self, wrt_cols: Any) -> np.ndarray:
        size = int(np.prod(self._spec.p_shape))
        if wrt_cols is None:
            return np.arange(size)
        if len(self._spec.p_shape) != 1:
            raise ValueError("wrt_cols needs a 1-D parameter")
        return np.arange(size)[wrt_cols].reshape(-1)

    def _jacobian_from(self, st: "AnchorState") -> np.ndarray:
        G = np.asarray(self._residual_p_jac(st.x, st.lam, st.p))[:, :, st.cols]  # (B, n+m, k)
        B, n, m = st.x.shape[0], self.n, self.m
        if st.key > 0 and self.factor_reuse:
            rhs = -np.concatenate([G[:, :n, :].reshape(B * n, -1), G[:, n:, :].reshape(B * m, -1)])
            sol = self._factor_solve(st.key, rhs)
            if sol is not None:
                return sol[: B * n].reshape(B, n, -1)
        J = np.asarray(self._dense_jacobian(st.x, st.lam, st.p, st.act_b, st.act_c))
        return J.reshape(B, n, -1)[:, :, st.cols]

    def batched_solve_with_jacobian(self, p_batch: Any, x0: Any, wrt_cols: Any = None,
                                    return_state: bool = False) -> Any:
        """``(x*, (λ, z_L, z_U), J)`` with ``J[k] = ∂x*ₖ/∂pₖ`` of shape ``(B, n, size(p))`` (or
        ``len(wrt_cols)`` columns, 1-D ``p`` only): one stacked solve, then one multi-right-hand-side
        back-solve ``K [dx; dλ] = −∂ₚ[∇ₓL; c]`` against the held factor (``factor_reuse=True``) or
        the dense per-block system. ``return_state=True`` also returns the :class:`AnchorState`."""
        state = self.anchor(p_batch, x0, wrt_cols=wrt_cols)
        try:
            J = self._jacobian_from(state)
            result = (jnp.asarray(state.x), (jnp.asarray(state.lam), jnp.asarray(state.z_l),
                                             jnp.asarray(state.z_u)), jnp.asarray(J))
        except BaseException:
            state.close()
            raise
        if return_state:
            return result + (state,)
        state.close()
        return result

    def anchor(self, p_batch: Any, x0: Any, wrt_cols: Any = None) -> "AnchorState":
        """Solve the stacked problem and pin its KKT factor for later sensitivity products
        (:meth:`batched_jvp_from_state`, :meth:`batched_vjp_from_state`). Use as a context manager
        or call ``close()``; at most ``pinned_capacity`` states are held at once."""
        return AnchorState(self, p_batch, x0, wrt_cols)

    def batched_jvp_from_state(self, state: "AnchorState", dp: Any) -> Any:
        """``J @ dp`` per block, ``(B, n)``: one back-solve of ``−∂ₚ[∇ₓL; c]·dp``. With ``wrt_cols``
        on the state, ``dp`` has one entry per selected column; else shape ``(B,) + p_shape``."""
        st = state._live()
        B, n = st.x.shape[0], self.n
        dp = np.asarray(dp, dtype=np.float64)
        full = np.zeros((B,) + self._spec.p_shape)
        if st.cols_given:
            if dp.shape != (B, st.cols.size):
                raise ValueError(f"dp must have shape ({B}, {st.cols.size}), got {dp.shape}")
            full[:, st.cols] = dp
        else:
            if dp.shape != full.shape:
                raise ValueError(f"dp must have shape {full.shape}, got {dp.shape}")
            full = dp
        r = -np.asarray(self._residual_jvp(st.x, st.lam, st.p, jnp.asarray(full)))  # (B, n+m)
        u = st.solve(r[:, :n], r[:, n:])
        return jnp.asarray(u[0])

    def batched_vjp_from_state(self, state: "AnchorState", x_bar: Any) -> Any:
        """``Jᵀ @ x_bar`` per block: one back-solve ``K u = [x̄; 0]``, then ``−uᵀ∂ₚ[∇ₓL; c]``.
        Shape ``(B, len(wrt_cols))`` with ``wrt_cols`` on the state, else ``(B,) + p_shape``."""
        st = state._live()
        B, n, m = st.x.shape[0], self.n, self.m
        xb = np.asarray(x_bar, dtype=np.float64)
        if xb.shape != (B, n):
            raise ValueError(f"x_bar must have shape ({B}, {n}), got {xb.shape}")
        ux, ul = st.solve(xb, np.zeros((B, m)))
        pbar = np.asarray(self._residual_vjp(st.x, st.lam, st.p, jnp.asarray(ux), jnp.asarray(ul)))
        if st.cols_given:
            return jnp.asarray(pbar.reshape(B, -1)[:, st.cols])
        return jnp.asarray(pbar)


class AnchorState:
    """A stacked solution with its KKT factor pinned (see :meth:`JaxProblem.anchor`).

    Attributes ``x``, ``lam``, ``z_l``, ``z_u`` (``(B, ·)`` arrays), ``p``; ``reanchor(p, x0)``
    replaces the solve in place, ``close()`` releases the factor (also done by garbage
    collection and by leaving a ``with`` block).
    """

    def __init__(self, jp: JaxProblem, p_batch: Any, x0: Any, wrt_cols: Any = None) -> None:
        self._jp = jp
        self.cols = jp._cols(wrt_cols)
        self.cols_given = wrt_cols is not None
        self.key = 0
        self._closed = True
        self._finalizer: Optional[weakref.finalize] = None
        self.reanchor(p_batch, x0)

    def reanchor(self, p_batch: Any, x0: Any) -> None:
        """Solve at new parameters and swap the pinned factor (the previous one is released)."""
        jp = self._jp
        P = np.asarray(jp._p(p_batch, True))
        outs = jp._stacked_solution(P, x0, pinned=True)
        self.close()
        self.x, self.lam, self.z_l, self.z_u, self.act_b, self.act_c, stats = outs
        self.p = P
        self.iterations = int(stats[0])
        self.key = int(stats[2])
        self._closed = False
        if self.key > 0:
            self._finalizer = weakref.finalize(self, jp._release, self.key)

    def _live(self) -> "AnchorState":
        if self._closed:
            raise RuntimeError("this AnchorState is closed")
        return self

    def solve(self, rx: np.ndarray, rl: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """``K⁻¹ [rx; rl]`` block by block (``rx``: ``(B, n)``, ``rl``: ``(B, m)``)."""
        jp = self._jp
        B, n, m = self.x.shape[0], jp.n, jp.m

        def fallback() -> np.ndarray:
            ux, ul = jp._dense_u_batch_jit(self.x, self.lam, self.p, self.act_b, self.act_c, rx, rl)
            return np.concatenate([np.asarray(ux).reshape(-1), np.asarray(ul).reshape(-1)])

        rhs = np.concatenate([np.asarray(rx).reshape(-1), np.asarray(rl).reshape(-1)])
        u = jp._host_kkt(np.float64(self.key), rhs, fallback)
        return u[: B * n].reshape(B, n), u[B * n :].reshape(B, m)

    def close(self) -> None:
        """Release the pinned factor (idempotent)."""
        if self._finalizer is not None:
            self._finalizer()
            self._finalizer = None
        self.key = 0
        self._closed = True

    def __enter__(self) -> "AnchorState":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _StackedCallbacks:
    """Callbacks of the block-diagonal stacked problem (parameters ``P`` of shape ``(B,) + p``)."""

    def __init__(self, fns: Tuple[Callable[..., Any], ...], pattern: Tuple[np.ndarray, ...], B: int, n: int,
                 m: int) -> None:
        self.fns, self.pat, self.B, self.n, self.m = fns, pattern, B, n, m
        self.p: Any = None

    def objective(self, x: np.ndarray) -> float:
        return float(self.fns[0](x, self.p))

    def gradient(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.fns[1](x, self.p))

    def constraints(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.fns[2](x, self.p))

    def jacobianstructure(self) -> Tuple[np.ndarray, np.ndarray]:
        return self.pat[0], self.pat[1]

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.fns[3](x, self.p))

    def hessianstructure(self) -> Tuple[np.ndarray, np.ndarray]:
        return self.pat[2], self.pat[3]

    def hessian(self, x: np.ndarray, lagrange: np.ndarray, obj_factor: float) -> np.ndarray:
        return np.asarray(self.fns[4](x, lagrange, obj_factor, self.p))
