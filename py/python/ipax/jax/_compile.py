"""From JAX functions to the callbacks ipax calls: sparsity probe, CPR coloring, jit'd derivatives.

A problem here is ``min f(x, p)  s.t.  cl <= c(x, p) <= cu,  lb <= x <= ub`` with a parameter ``p``
(an array of any fixed shape; ``from_jax`` uses an empty one). Everything shape-dependent is traced
once per :class:`Compiled`; the parameter is an argument of every jit'd function, so a new ``p`` never
recompiles.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

import jax
import jax.numpy as jnp
import numpy as np

from .._assemble import greedy_column_coloring
from .._problem import INF, Problem

__all__ = ["Spec", "Compiled", "from_jax", "greedy_column_coloring", "probe_pattern"]

#: Ipopt's default: a bound at or beyond this magnitude is infinite.
_INF = INF


def _vector(values: Any, size: int, default: float, what: str) -> np.ndarray:
    if values is None:
        return np.full(size, default, dtype=np.float64)
    a = np.asarray(values, dtype=np.float64).reshape(-1)
    if a.size == 1 and size != 1:
        a = np.full(size, float(a[0]))
    if a.size != size:
        raise ValueError(f"{what} must have length {size}, got {a.size}")
    if np.isnan(a).any():
        raise ValueError(f"{what} contains NaN")
    return a


class Spec:
    """Everything that defines a parametric problem and survives pickling (no jit'd closures).

    ``f(x, p) -> scalar``, ``c(x, p) -> (m,)`` (``None`` when ``m = 0``); bounds as float64 arrays
    with ±1e19 meaning infinite; ``options`` are Ipopt-style ``name -> value`` pairs.
    """

    def __init__(
        self,
        f: Callable[..., Any],
        c: Optional[Callable[..., Any]],
        n: int,
        m: Optional[int],
        p_example: Any,
        lb: Any = None,
        ub: Any = None,
        cl: Any = None,
        cu: Any = None,
        options: Optional[Dict[str, Any]] = None,
        sparse: bool = False,
        n_probes: Optional[int] = None,
        seed: int = 0,
    ) -> None:
        if not callable(f):
            raise TypeError("f must be a callable f(x, p) -> scalar")
        if c is not None and not callable(c):
            raise TypeError("c must be a callable c(x, p) -> array of shape (m,), or None")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        self.f = f
        self.c = c
        self.n = int(n)
        p = np.asarray(p_example, dtype=np.float64)
        self.p_shape: Tuple[int, ...] = tuple(p.shape)
        self.p_example = p
        if c is None:
            if m not in (None, 0):
                raise ValueError(f"m = {m} constraints declared but no constraint function c given")
            self.m = 0
        else:
            out = jax.eval_shape(lambda x, q: c(x, q), jnp.zeros(self.n), jnp.asarray(p))
            if len(out.shape) != 1:
                raise ValueError(f"c(x, p) must return a 1-D array, got shape {out.shape}")
            if m is not None and int(m) != out.shape[0]:
                raise ValueError(f"c(x, p) returns {out.shape[0]} values, but m = {m}")
            self.m = int(out.shape[0])
        fo = jax.eval_shape(lambda x, q: f(x, q), jnp.zeros(self.n), jnp.asarray(p))
        if int(np.prod(fo.shape)) != 1:
            raise ValueError(f"f(x, p) must return a scalar, got shape {fo.shape}")
        self.lb = _vector(lb, self.n, -_INF, "lb")
        self.ub = _vector(ub, self.n, _INF, "ub")
        self.cl = _vector(cl, self.m, -_INF, "cl")
        self.cu = _vector(cu, self.m, _INF, "cu")
        if np.any(self.lb > self.ub):
            raise ValueError("lb exceeds ub")
        if np.any(self.cl > self.cu):
            raise ValueError("cl exceeds cu")
        opts = {"print_level": 0}
        opts.update(options or {})
        if opts.get("hessian_approximation", "exact") != "exact":
            raise ValueError("ipax.jax always supplies the exact Hessian; drop hessian_approximation")
        self.options = opts
        self.sparse = bool(sparse)
        # A missed entry under coloring corrupts other entries' values, not just the structure:
        # probe more points then (the reference uses 3 against 1).
        self.n_probes = int(n_probes) if n_probes is not None else (3 if sparse else 1)
        if self.n_probes < 1:
            raise ValueError("n_probes must be at least 1")
        self.seed = int(seed)


# ---------------------------------------------------------------------------------------- patterns


def _probe_points(spec: Spec, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random x inside the bounds (where finite), random multipliers and a perturbed parameter.

    Random points make an accidental zero (a product that vanishes at x0 = 0, a parameter that is
    0 in ``p_example``) unlikely; the union over several probes makes it rarer still.
    """
    lo, hi = spec.lb, spec.ub
    fin_lo, fin_hi = lo > -_INF, hi < _INF
    u = rng.uniform(0.1, 0.9, spec.n)
    x = rng.standard_normal(spec.n)
    x = np.where(fin_lo & fin_hi, lo + u * (hi - lo), x)
    x = np.where(fin_lo & ~fin_hi, lo + 0.5 + np.abs(x), x)
    x = np.where(~fin_lo & fin_hi, hi - 0.5 - np.abs(x), x)
    lam = rng.standard_normal(spec.m) + 0.5
    p = spec.p_example * (1.0 + 0.1 * rng.standard_normal(spec.p_shape)) + 0.1 * rng.standard_normal(spec.p_shape)
    return x, lam, p


def probe_pattern(spec: Spec, dense_jac: Callable, dense_hess: Callable) -> Tuple[np.ndarray, ...]:
    """Union of the nonzeros of the dense Jacobian and Hessian of the Lagrangian at random points.

    Returns ``(jac_rows, jac_cols, hess_rows, hess_cols)``, the Jacobian row-major and the Hessian
    as its lower triangle (what ipax's callbacks report). NaN counts as a nonzero (conservative).
    """
    rng = np.random.default_rng(spec.seed)
    jmask = np.zeros((spec.m, spec.n), dtype=bool)
    hmask = np.zeros((spec.n, spec.n), dtype=bool)
    for _ in range(spec.n_probes):
        x, lam, p = _probe_points(spec, rng)
        if spec.m > 0:
            jmask |= np.asarray(dense_jac(x, p)) != 0
        hmask |= np.asarray(dense_hess(x, lam, 1.0, p)) != 0
    hmask = hmask | hmask.T
    jr, jc = np.nonzero(jmask)
    hr, hc = np.nonzero(np.tril(hmask))
    as64 = lambda a: np.ascontiguousarray(a, dtype=np.int64)  # noqa: E731
    return as64(jr), as64(jc), as64(hr), as64(hc)


# ---------------------------------------------------------------------------------------- compiled


class Compiled:
    """The jit'd functions and the sparsity pattern of one :class:`Spec` (built once, reused).

    ``pattern`` (jac rows/cols, hess rows/cols) and ``coloring`` are plain arrays and may be passed
    in (unpickling) to skip the probe.
    """

    def __init__(self, spec: Spec, pattern: Optional[Tuple[np.ndarray, ...]] = None,
                 coloring: Optional[Tuple[np.ndarray, int, np.ndarray, int]] = None) -> None:
        self.spec = spec
        n, m = spec.n, spec.m
        f_user, c_user = spec.f, spec.c

        def f(x: Any, p: Any) -> Any:
            return jnp.reshape(f_user(x, p), ())

        def c(x: Any, p: Any) -> Any:
            if c_user is None:
                return jnp.zeros(0, dtype=x.dtype)
            return jnp.reshape(c_user(x, p), (m,))

        def lagrangian(x: Any, lam: Any, sigma: Any, p: Any) -> Any:
            return sigma * f(x, p) + jnp.dot(lam, c(x, p))

        grad_l = jax.grad(lagrangian)
        self.f_raw, self.c_raw, self.lagrangian = f, c, lagrangian
        # ∇ₓL(x, λ, p) with σ = 1 and c(x, p): the residual whose p-derivative drives sensitivities.
        self.kkt_residual = lambda x, lam, p: jnp.concatenate([grad_l(x, lam, 1.0, p), c(x, p)])
        self.f = jax.jit(f)
        self.grad = jax.jit(jax.grad(f))
        self.c = jax.jit(c)
        # Forward mode when there are fewer columns than rows (n JVPs), reverse otherwise.
        jac_dense = jax.jacfwd(c) if n <= m else jax.jacrev(c)
        self.dense_jac = jax.jit(jac_dense)
        self.dense_hess = jax.jit(jax.hessian(lagrangian))
        if pattern is None:
            pattern = probe_pattern(spec, self.dense_jac, self.dense_hess)
        self.pattern = tuple(np.ascontiguousarray(a, dtype=np.int64) for a in pattern)
        jr, jc, hr, hc = self.pattern
        self.coloring = None
        if spec.sparse:
            if coloring is None:
                jcol, kj = greedy_column_coloring(jr, jc, n)
                full_r = np.concatenate([hr, hc])
                full_c = np.concatenate([hc, hr])
                hcol, kh = greedy_column_coloring(full_r, full_c, n)
                coloring = (jcol, kj, hcol, kh)
            self.coloring = coloring
            jcol, kj, hcol, kh = coloring
            seeds_j = jnp.asarray(np.eye(max(kj, 1))[:, jcol] if n else np.zeros((1, 0)))
            seeds_h = jnp.asarray(np.eye(max(kh, 1))[:, hcol] if n else np.zeros((1, 0)))
            jsel = (jnp.asarray(jcol[jc]), jnp.asarray(jr))
            hsel = (jnp.asarray(hcol[hc]), jnp.asarray(hr))

            def jac_vals(x: Any, p: Any) -> Any:
                comp = jax.vmap(lambda s: jax.jvp(lambda z: c(z, p), (x,), (s,))[1])(seeds_j)
                return comp[jsel]

            def hess_vals(x: Any, lam: Any, sigma: Any, p: Any) -> Any:
                g = lambda z: grad_l(z, lam, sigma, p)  # noqa: E731
                comp = jax.vmap(lambda s: jax.jvp(g, (x,), (s,))[1])(seeds_h)
                return comp[hsel]
        else:
            jsel_d = (jnp.asarray(jr), jnp.asarray(jc))
            hsel_d = (jnp.asarray(hr), jnp.asarray(hc))

            def jac_vals(x: Any, p: Any) -> Any:
                return jac_dense(x, p)[jsel_d]

            def hess_vals(x: Any, lam: Any, sigma: Any, p: Any) -> Any:
                return jax.hessian(lagrangian)(x, lam, sigma, p)[hsel_d]

        self.jac_vals_raw, self.hess_vals_raw = jac_vals, hess_vals
        self.jac_vals = jax.jit(jac_vals)
        self.hess_vals = jax.jit(hess_vals)

    @property
    def n_colors(self) -> Optional[Tuple[int, int]]:
        """``(Jacobian colours, Hessian colours)`` under ``sparse=True``, else ``None``."""
        return None if self.coloring is None else (int(self.coloring[1]), int(self.coloring[3]))


class Callbacks:
    """cyipopt-style callbacks for one parameter value ``p`` (set ``self.p`` to re-target)."""

    def __init__(self, k: Compiled, p: Any) -> None:
        self.k = k
        self.p = jnp.asarray(p, dtype=jnp.float64)

    def objective(self, x: np.ndarray) -> float:
        return float(self.k.f(x, self.p))

    def gradient(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.k.grad(x, self.p))

    def constraints(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.k.c(x, self.p))

    def jacobianstructure(self) -> Tuple[np.ndarray, np.ndarray]:
        return self.k.pattern[0], self.k.pattern[1]

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.k.jac_vals(x, self.p))

    def hessianstructure(self) -> Tuple[np.ndarray, np.ndarray]:
        return self.k.pattern[2], self.k.pattern[3]

    def hessian(self, x: np.ndarray, lagrange: np.ndarray, obj_factor: float) -> np.ndarray:
        return np.asarray(self.k.hess_vals(x, lagrange, obj_factor, self.p))


def make_problem(k: Compiled, p: Any, lb: Optional[np.ndarray] = None, ub: Optional[np.ndarray] = None,
                 cl: Optional[np.ndarray] = None, cu: Optional[np.ndarray] = None) -> Tuple[Problem, Callbacks]:
    """An :class:`ipax.Problem` over :class:`Callbacks` with the spec's bounds and options."""
    s = k.spec
    cb = Callbacks(k, p)
    bounds: Dict[str, Any] = dict(lb=s.lb if lb is None else lb, ub=s.ub if ub is None else ub,
                                  cl=s.cl if cl is None else cl, cu=s.cu if cu is None else cu)
    prob = Problem(n=s.n if lb is None else lb.size, m=s.m if cl is None else cl.size, problem_obj=cb, **bounds)
    for name, value in s.options.items():
        prob.add_option(name, value)
    return prob, cb


def from_jax(
    f: Callable[..., Any],
    c: Optional[Callable[..., Any]] = None,
    n: Optional[int] = None,
    m: Optional[int] = None,
    lb: Any = None,
    ub: Any = None,
    cl: Any = None,
    cu: Any = None,
    *,
    g: Optional[Callable[..., Any]] = None,
    x0: Any = None,
    options: Optional[Dict[str, Any]] = None,
    sparse: bool = False,
    n_probes: Optional[int] = None,
) -> Problem:
    """Build an :class:`ipax.Problem` from JAX functions ``f(x) -> scalar`` and ``c(x) -> (m,)``.

    The gradient ``∇f``, the Jacobian ``∂c/∂x`` and the Hessian of the Lagrangian
    ``∇²(σ f + λᵀc)`` are jit'd JAX derivatives. Their sparsity is probed from the dense
    derivatives at random points; ``sparse=True`` computes the values by CPR-coloured JVPs
    (Jacobian) and Hessian-vector products (one per colour, k ≪ n on banded structure) instead of
    the dense ``jacrev``/``hessian`` slice. ``g`` is an alias of ``c`` (the reference's name);
    ``n`` may be omitted when ``lb``, ``ub`` or ``x0`` gives it; ``m`` is read from ``c``.
    """
    if g is not None:
        if c is not None:
            raise TypeError("give the constraints as c or g, not both")
        c = g
    if n is None:
        for v in (x0, lb, ub):
            if v is not None and np.size(v) > 1:
                n = int(np.size(v))
                break
        else:
            raise ValueError("n is required when neither x0, lb nor ub gives the number of variables")
    fu, cu_ = f, c
    spec = Spec(
        lambda x, p: fu(x),
        None if cu_ is None else (lambda x, p: cu_(x)),
        n, m, np.zeros(0), lb, ub, cl, cu, options, sparse, n_probes,
    )
    with jax.ensure_compile_time_eval():
        k = Compiled(spec)
    prob, _ = make_problem(k, np.zeros(0))
    return prob
