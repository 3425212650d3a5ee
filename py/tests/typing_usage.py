"""Type-checked use of ipax's public API and of the extension's stubs (py/ci.sh runs
``mypy --strict`` on this file; pytest runs it too, so the calls are real)."""

from typing import Any, Dict, List, Tuple

import numpy as np

import ipax
from ipax import _ipax


class Quadratic:
    def objective(self, x: np.ndarray) -> float:
        return float(x @ x)

    def gradient(self, x: np.ndarray) -> np.ndarray:
        return 2.0 * x

    def constraints(self, x: np.ndarray) -> np.ndarray:
        return np.array([x.sum()])

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        return np.ones(x.size)

    def hessian(self, x: np.ndarray, lagrange: np.ndarray, obj_factor: float) -> np.ndarray:
        return np.full(x.size, 2.0 * obj_factor)

    def hessianstructure(self) -> Tuple[np.ndarray, np.ndarray]:
        idx = np.arange(2)
        return idx, idx


def test_typed_usage() -> None:
    build: str = ipax.__build__
    assert build in ("release", "dev") and _ipax.__build__ == build
    nlp = ipax.Problem(2, 1, Quadratic(), lb=[-5.0, -5.0], ub=[5.0, 5.0], cl=[1.0], cu=[1.0])
    nlp.add_option("print_level", 0)
    x, info = nlp.solve([3.0, 0.0])
    status: int = info["status"]
    assert status == 0 and np.allclose(x, [0.5, 0.5])
    session = ipax.Solver(nlp)
    session.solve([3.0, 0.0])
    dx: np.ndarray = session.kkt_solve(np.array([1.0, 0.0, 0.0]))
    assert dx.shape == (3,)
    opts: Dict[str, Any] = {"maxiter": 50}
    res = ipax.minimize(lambda z: z @ z, np.array([1.0, 2.0]), jac="cs", options=opts)
    assert res.success and np.allclose(res.x, 0.0, atol=1e-6)
    raw: Dict[str, Any] = _ipax.solve(
        Quadratic(), ipax.EvaluationError, 2, 0, np.full(2, -5.0), np.full(2, 5.0), np.zeros(0), np.zeros(0),
        np.array([3.0, 0.0]), [("print_level", "0")], hess_mode="sparse",
        hess_rows=np.arange(2, dtype=np.int64), hess_cols=np.arange(2, dtype=np.int64), keep_kkt=True,
    )
    kkt: _ipax.KktFactor = raw["_kkt"]
    assert kkt.dims() == (2, 0)
    assert kkt.solve(np.array([2.0, 2.0])).shape == (2,)
    wrapper = ipax.IpoptProblemWrapper(lambda z: float(z @ z), jac=None, x0=np.zeros(2))
    assert wrapper.objective(np.ones(2)) == 2.0
    results: List[ipax.distributed.ItemResult] = ipax.distributed.map_solve(
        [dict(fun=lambda z: float(z @ z), x0=np.ones(2), jac=lambda z: 2 * z)], max_workers=1
    )
    sol = results[0].x
    assert results[0].success and sol is not None and np.allclose(sol, 0.0, atol=1e-6)
