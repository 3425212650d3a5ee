"""``ipax.jax``: ipax solves as differentiable JAX functions (optional extra ``ipax[jax]``).

Surfaces (the same semantics as POUNCE's JAX integration, under ipax's names):

* :func:`from_jax` — an :class:`ipax.Problem` from JAX ``f(x)`` and ``c(x)`` (jit'd gradient,
  Jacobian and Hessian of the Lagrangian; dense sparsity probe; ``sparse=True`` for CPR-coloured
  JVP/HVP);
* :func:`solve` — ``x*(p)`` as a ``jax.custom_vjp`` differentiated by the implicit function theorem
  on the converged KKT system, inactive inequality rows and bounds dropped;
* :func:`solve_with_warm` — the same, handing the multipliers ``(λ, z_L, z_U)`` to the next call;
* :func:`vmap_solve` / :func:`vmap_solve_parallel` — one solve per row of ``p``, sequentially or in
  a thread pool (the GIL is released during each solve);
* :class:`JaxProblem` — build once, solve many (all of the above plus ``batched_solve``,
  ``batched_solve_with_jacobian``, ``anchor``; ``factor_reuse`` picks the backward; picklable).

Importing this module enables JAX's 64-bit mode (``jax_enable_x64``): the solver works in float64
and sensitivities at 1e-6 need it. See ``py/docs/jax.md`` for when each surface wins.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

import jax

jax.config.update("jax_enable_x64", True)

from ._compile import from_jax, greedy_column_coloring  # noqa: E402
from ._core import AnchorState, JaxProblem, SolveError, WarmStart  # noqa: E402

__all__ = [
    "from_jax",
    "solve",
    "solve_with_warm",
    "vmap_solve",
    "vmap_solve_parallel",
    "JaxProblem",
    "WarmStart",
    "AnchorState",
    "SolveError",
    "greedy_column_coloring",
]


def _problem(p_example: Any, f: Callable[..., Any], c: Optional[Callable[..., Any]], g: Optional[Callable[..., Any]],
             n: Optional[int], m: Optional[int], x0: Any, lb: Any, ub: Any, cl: Any, cu: Any,
             options: Optional[Dict[str, Any]], sparse: bool, factor_reuse: bool, on_failure: str) -> JaxProblem:
    import numpy as np

    if isinstance(p_example, tuple):  # a batch's row shape
        p_example = np.zeros(p_example)
    else:
        try:  # a concrete value also seeds the sparsity probe; a tracer only gives its shape
            p_example = np.asarray(p_example, dtype=np.float64)
        except Exception:
            p_example = np.zeros(np.shape(p_example))
    if n is None and x0 is not None:
        n = int(np.shape(x0)[-1])
    return JaxProblem(f, c, n, m, p_example, lb, ub, cl, cu, options, g=g, sparse=sparse,
                      factor_reuse=factor_reuse, on_failure=on_failure)


def solve(p: Any, *, f: Callable[..., Any], c: Optional[Callable[..., Any]] = None,
          g: Optional[Callable[..., Any]] = None, x0: Any, n: Optional[int] = None, m: Optional[int] = None,
          lb: Any = None, ub: Any = None, cl: Any = None, cu: Any = None,
          options: Optional[Dict[str, Any]] = None, sparse: bool = False, factor_reuse: bool = False,
          on_failure: str = "raise") -> Any:
    """``x*(p)`` for ``min f(x, p) s.t. cl <= c(x, p) <= cu, lb <= x <= ub``, differentiable in ``p``.

    One-shot: builds a :class:`JaxProblem` per call (use one directly to solve many times). The
    backward is the dense implicit-function solve unless ``factor_reuse=True``.
    """
    jp = _problem(p, f, c, g, n, m, x0, lb, ub, cl, cu, options, sparse,
                  factor_reuse, on_failure)
    return jp.solve(p, x0)


def solve_with_warm(p: Any, *, f: Callable[..., Any], c: Optional[Callable[..., Any]] = None,
                    g: Optional[Callable[..., Any]] = None, x0: Any, warm_start: Optional[WarmStart] = None,
                    n: Optional[int] = None, m: Optional[int] = None, lb: Any = None, ub: Any = None,
                    cl: Any = None, cu: Any = None, options: Optional[Dict[str, Any]] = None,
                    sparse: bool = False, factor_reuse: bool = False,
                    on_failure: str = "raise") -> Tuple[Any, WarmStart]:
    """:func:`solve` returning ``(x*, WarmStart)``; pass ``warm_start=`` the previous state."""
    jp = _problem(p, f, c, g, n, m, x0, lb, ub, cl, cu, options, sparse, factor_reuse, on_failure)
    return jp.solve_with_warm(p, x0, warm_start)


def vmap_solve(p_batch: Any, *, f: Callable[..., Any], c: Optional[Callable[..., Any]] = None,
               g: Optional[Callable[..., Any]] = None, x0: Any, n: Optional[int] = None,
               m: Optional[int] = None, lb: Any = None, ub: Any = None, cl: Any = None, cu: Any = None,
               options: Optional[Dict[str, Any]] = None, sparse: bool = False, factor_reuse: bool = False,
               on_failure: str = "raise") -> Any:
    """One solve per row of ``p_batch``, sequentially; ``(B, n)``, differentiable."""
    jp = _problem(jax.numpy.shape(p_batch)[1:], f, c, g, n, m, x0, lb, ub, cl, cu, options, sparse,
                  factor_reuse, on_failure)
    return jp.vmap_solve(p_batch, x0)


def vmap_solve_parallel(p_batch: Any, *, f: Callable[..., Any], c: Optional[Callable[..., Any]] = None,
                        g: Optional[Callable[..., Any]] = None, x0: Any, workers: Optional[int] = None,
                        n: Optional[int] = None, m: Optional[int] = None, lb: Any = None, ub: Any = None,
                        cl: Any = None, cu: Any = None, options: Optional[Dict[str, Any]] = None,
                        sparse: bool = False, on_failure: str = "raise") -> Any:
    """One solve per row of ``p_batch`` in a pool of ``workers`` threads; ``(B, n)``, differentiable."""
    jp = _problem(jax.numpy.shape(p_batch)[1:], f, c, g, n, m, x0, lb, ub, cl, cu, options, sparse, False,
                  on_failure)
    try:
        return jp.vmap_solve_parallel(p_batch, x0, workers=workers)
    finally:
        jp.close()
