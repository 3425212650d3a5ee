"""Stubs for the Rust extension module (internal; use the ipax package API)."""

from typing import Any, Dict, List, Optional, Tuple, final

import numpy as np

__all__ = [
    "solve",
    "KktFactor",
    "check_option",
    "option_names",
    "__version__",
    "__build__",
    "RegressionProblem",
    "regression_names",
    "regression_problem",
]

__version__: str
#: Cargo profile of this build: "release" (pip install) or "dev" (IPAX_PY_PROFILE=dev).
__build__: str

def check_option(name: str, value: str) -> None: ...
def option_names() -> List[str]: ...
def solve(
    callbacks: Any,
    eval_error: type,
    n: int,
    m: int,
    lb: np.ndarray,
    ub: np.ndarray,
    cl: np.ndarray,
    cu: np.ndarray,
    x0: np.ndarray,
    options: List[Tuple[str, str]],
    jac_rows: Optional[np.ndarray] = ...,
    jac_cols: Optional[np.ndarray] = ...,
    jac_matrix_free: bool = ...,
    hess_mode: str = ...,
    hess_rows: Optional[np.ndarray] = ...,
    hess_cols: Optional[np.ndarray] = ...,
    intermediate: bool = ...,
    lagrange: Optional[np.ndarray] = ...,
    zl: Optional[np.ndarray] = ...,
    zu: Optional[np.ndarray] = ...,
    obj_scaling: Optional[float] = ...,
    x_scaling: Optional[np.ndarray] = ...,
    g_scaling: Optional[np.ndarray] = ...,
    keep_kkt: bool = ...,
    kkt_reuse: bool = ...,
    kkt_refine: bool = ...,
) -> Dict[str, Any]: ...

@final
class KktFactor:
    """A factored KKT matrix at a solution (returned in ``info["_kkt"]`` by ``keep_kkt``): the IPM's
    held factor of its final iteration (``kkt_reuse``), with ``kkt_refine`` refined against the
    matrix at the solution, or the matrix at the solution factored once.
    Usable from any thread (back-solves are serialized and run without the GIL)."""

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """Solve ``K v = rhs`` for a vector of length n + m or an (n + m) x k array."""
        ...
    def dims(self) -> Tuple[int, int]:
        """``(n, m)``."""
        ...
    def source(self) -> str:
        """``"held"`` (the IPM's final factor), ``"held+refined"`` (refined against the matrix at
        the solution), ``"held (refinement stalled) → at_solution"`` or ``"fresh"`` (factored at
        the solution)."""
        ...
    def refine_stats(self) -> Optional[Dict[str, Any]]:
        """``columns``, ``steps``, ``max_steps``, ``worst_correction``, ``worst_rate``,
        ``gmres_columns``, ``gmres_iterations``, ``stalled`` of a refined held factor; ``None``
        otherwise."""
        ...
    def held_info(self) -> Optional[Dict[str, Any]]:
        """``iteration``, ``mu``, ``delta_w``, ``delta_c`` of a held factor; ``None`` if fresh."""
        ...

@final
class RegressionProblem:
    """A problem of ipax's regression set with cyipopt's callback protocol (for side-by-side runs)."""

    @property
    def name(self) -> str: ...
    @property
    def n(self) -> int: ...
    @property
    def m(self) -> int: ...
    @property
    def x0(self) -> np.ndarray: ...
    @property
    def lb(self) -> np.ndarray: ...
    @property
    def ub(self) -> np.ndarray: ...
    @property
    def cl(self) -> np.ndarray: ...
    @property
    def cu(self) -> np.ndarray: ...
    @property
    def f_star(self) -> Optional[float]: ...
    @property
    def f_rel_tol(self) -> float: ...
    @property
    def other_local_minima(self) -> List[float]: ...
    @property
    def source(self) -> str: ...
    @property
    def expected(self) -> str: ...
    def objective(self, x: Any) -> float: ...
    def gradient(self, x: Any) -> np.ndarray: ...
    def constraints(self, x: Any) -> np.ndarray: ...
    def jacobianstructure(self) -> Tuple[List[int], List[int]]: ...
    def jacobian(self, x: Any) -> np.ndarray: ...
    def hessianstructure(self) -> Tuple[List[int], List[int]]: ...
    def hessian(self, x: Any, lagrange: Any, obj_factor: float) -> np.ndarray: ...

def regression_names() -> List[str]:
    """Names of the regression-set problems."""
    ...

def regression_problem(name: str) -> RegressionProblem:
    """The regression problem called ``name`` (``KeyError`` if unknown)."""
    ...
