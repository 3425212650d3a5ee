"""Type stubs for ipax (the public Python API)."""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

from . import distributed as distributed

__version__: str
#: Cargo profile of the installed extension: "release" or "dev".
__build__: str
INF: float

ArrayLike = npt.ArrayLike
Info = Dict[str, Any]

class EvaluationError(ArithmeticError):
    """Raise in a callback to make the solver back off the step instead of stopping."""

CyIpoptEvaluationError = EvaluationError

class Problem:
    """cyipopt-compatible nonlinear program ``min f(x) s.t. cl <= g(x) <= cu, lb <= x <= ub``."""

    n: int
    m: int
    lb: np.ndarray
    ub: np.ndarray
    cl: np.ndarray
    cu: np.ndarray
    problem_obj: Any
    def __init__(
        self,
        n: int,
        m: int,
        problem_obj: Any = ...,
        lb: Optional[ArrayLike] = ...,
        ub: Optional[ArrayLike] = ...,
        cl: Optional[ArrayLike] = ...,
        cu: Optional[ArrayLike] = ...,
    ) -> None: ...
    def add_option(self, keyword: str | bytes, val: str | bytes | int | float) -> None: ...
    def set_problem_scaling(
        self, obj_scaling: float = ..., x_scaling: Optional[ArrayLike] = ..., g_scaling: Optional[ArrayLike] = ...
    ) -> None: ...
    def solve(
        self, x: ArrayLike, lagrange: ArrayLike = ..., zl: ArrayLike = ..., zu: ArrayLike = ...
    ) -> Tuple[np.ndarray, Info]: ...
    def get_current_iterate(self, scaled: bool = ...) -> Dict[str, np.ndarray]:
        """Inside ``intermediate`` only (``RuntimeError`` elsewhere)."""
        ...
    def get_current_violations(self, scaled: bool = ...) -> Dict[str, np.ndarray]:
        """Inside ``intermediate`` only (``RuntimeError`` elsewhere)."""
        ...
    def close(self) -> None: ...
    def __enter__(self) -> Problem: ...
    def __exit__(self, *exc: Any) -> None: ...

problem = Problem

class Solver:
    """Solve session that warm-starts each solve from the previous primal-dual solution."""

    problem: Problem
    last: Optional[Info]
    factor_reuse: bool
    refine: bool
    def __init__(self, problem: Problem, factor_reuse: bool = ..., refine: bool = ...) -> None: ...
    def solve(self, x0: Optional[ArrayLike] = ..., warm_start: Optional[bool] = ...) -> Tuple[np.ndarray, Info]: ...
    @property
    def kkt_source(self) -> Optional[str]:
        """"held" (the IPM's final factor), "held+refined" (refined against the KKT matrix at the
        solution), "held (refinement stalled) → at_solution", "fresh" (factored at the solution)
        or None."""
        ...
    def kkt_solve(self, rhs: ArrayLike) -> np.ndarray:
        """Solve with the KKT factor of the last solution (length n + m, or shape (n + m, k)); any thread."""
        ...
    def parametric_step(self, constraints: Sequence[int], values: Sequence[float]) -> Tuple[np.ndarray, np.ndarray]:
        """sIPOPT's first-order (x, λ) after moving the parameters fixed by equality rows to values."""
        ...
    def reduced_hessian(self, variables: Sequence[int]) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(reduced Hessian, eigenvalues, eigenvectors) in the space of the independent variables."""
        ...
    def reset(self) -> None: ...

class OptimizeResult(Dict[str, Any]):
    x: np.ndarray
    fun: float
    success: bool
    status: int
    message: str
    nit: int
    nfev: int
    njev: int
    info: Info
    def __getattr__(self, name: str) -> Any: ...

def minimize(
    fun: Callable[..., Any],
    x0: ArrayLike,
    args: Any = ...,
    kwargs: Optional[Dict[str, Any]] = ...,
    method: Optional[str] = ...,
    jac: Any = ...,
    hess: Any = ...,
    hessp: Optional[Callable[..., Any]] = ...,
    bounds: Any = ...,
    constraints: Any = ...,
    tol: Optional[float] = ...,
    callback: Optional[Callable[[np.ndarray], Any]] = ...,
    options: Optional[Dict[str, Any]] = ...,
) -> OptimizeResult: ...

minimize_ipopt = minimize

class IpoptProblemWrapper:
    """The callbacks object :func:`minimize` builds (cyipopt's class of the same name)."""

    n: int
    m: int
    nfev: int
    njev: int
    nit: int
    def __init__(
        self,
        fun: Callable[..., Any],
        args: Any = ...,
        kwargs: Optional[Dict[str, Any]] = ...,
        jac: Any = ...,
        hess: Any = ...,
        hessp: Optional[Callable[..., Any]] = ...,
        constraints: Any = ...,
        eps: Optional[float] = ...,
        *,
        x0: Optional[ArrayLike] = ...,
        callback: Optional[Callable[[np.ndarray], Any]] = ...,
    ) -> None: ...
    def objective(self, x: np.ndarray) -> float: ...
    def gradient(self, x: np.ndarray) -> np.ndarray: ...
    def constraints(self, x: np.ndarray) -> np.ndarray: ...
    def jacobianstructure(self) -> Tuple[np.ndarray, np.ndarray]: ...
    def jacobian(self, x: np.ndarray) -> np.ndarray: ...
    def hessianstructure(self) -> Tuple[np.ndarray, np.ndarray]: ...

def option_names() -> List[str]: ...

class MinimaCallbackError(RuntimeError):
    """The ``callback`` given to :func:`find_minima` raised (the original is ``__cause__``)."""

class LocalPoint:
    """One local solution: ``kind`` is ``"minimum"``, ``"saddle"`` or ``"failed"``."""

    x: np.ndarray
    fun: float
    kind: str
    kkt: float
    min_eig: float
    nit: int
    nfev: int
    njev: int
    start: np.ndarray
    message: str
    hits: int
    constr: np.ndarray
    mult_g: np.ndarray
    mult_x_L: np.ndarray
    mult_x_U: np.ndarray
    n_active: int

class MinimaResult(Sequence[LocalPoint]):
    """Certified minima sorted by objective, with scipy-style summary attributes."""

    minima: List[LocalPoint]
    saddles: List[LocalPoint]
    failures: List[LocalPoint]
    x: Optional[np.ndarray]
    fun: Optional[float]
    success: bool
    status: int
    message: str
    n_solves: int
    nit: int
    nfev: int
    njev: int
    method: str
    time: float
    def __getitem__(self, i: Any) -> Any: ...
    def __len__(self) -> int: ...
    def keys(self) -> List[str]: ...

def find_minima(
    fun: Callable[..., Any],
    x0: ArrayLike,
    *,
    method: str = ...,
    args: tuple = ...,
    jac: Any = ...,
    hess: Any = ...,
    hessp: Optional[Callable[..., Any]] = ...,
    bounds: Any = ...,
    constraints: Any = ...,
    n_minima: Optional[int] = ...,
    max_solves: int = ...,
    seed: Any = ...,
    tol: float = ...,
    distinct_tol: float = ...,
    options: Optional[Dict[str, Any]] = ...,
    callback: Optional[Callable[[LocalPoint], Any]] = ...,
    workers: int = ...,
) -> MinimaResult: ...
