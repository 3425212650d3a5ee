"""Stubs for the Rust extension module (internal; use the ipax package API)."""

from typing import Any, Dict, List, Optional, Tuple, final

import numpy as np

__all__ = ["solve", "KktFactor", "check_option", "option_names", "__version__", "__build__"]

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
) -> Dict[str, Any]: ...

@final
class KktFactor:
    """The KKT matrix at a solution, factored once (returned in ``info["_kkt"]`` by ``keep_kkt``)."""

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """Solve ``K v = rhs`` for a vector of length n + m or an (n + m) x k array."""
        ...
    def dims(self) -> Tuple[int, int]:
        """``(n, m)``."""
        ...
