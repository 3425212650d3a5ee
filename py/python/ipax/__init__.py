"""ipax: a matrix-free interior-point solver for nonlinear programs.

A drop-in for cyipopt (``import ipax as cyipopt``) and for ``scipy.optimize.minimize`` users:

* :class:`Problem` — cyipopt's class (callbacks ``objective``, ``gradient``, ``constraints``,
  ``jacobian``/``jacobianstructure``, ``hessian``/``hessianstructure``, ``intermediate``), plus
  matrix-free ``jvp``/``vjp``/``hvp``;
* :func:`minimize` / :func:`minimize_ipopt` — scipy's interface (bounds, ``LinearConstraint``,
  ``NonlinearConstraint``, constraint dicts, ``jac=True``, ``hess``/``hessp``);
* :func:`find_minima` — many distinct local minima (multistart, MLSL, deflation, tunneling,
  flooding, basin hopping), each certified by KKT and reduced-Hessian checks;
* :class:`Solver` — a session that warm-starts each solve from the previous ``(x, λ, z)``;
* :mod:`ipax.distributed` — :func:`~ipax.distributed.map_solve`: many solves on threads, a Dask
  cluster or Ray, results in order, failures per item;
* :class:`EvaluationError` (alias :class:`CyIpoptEvaluationError`) — raise it in a callback to make
  the solver back off the step instead of stopping.
"""

from ._ipax import __build__, __version__
from ._minima import LocalPoint, MinimaCallbackError, MinimaResult, find_minima
from ._minimize import IpoptProblemWrapper, OptimizeResult, minimize, minimize_ipopt
from ._problem import INF, CyIpoptEvaluationError, EvaluationError, Problem, Solver, option_names
from . import distributed

#: cyipopt's historical lower-case class name.
problem = Problem

__all__ = [
    "Problem",
    "problem",
    "Solver",
    "minimize",
    "minimize_ipopt",
    "IpoptProblemWrapper",
    "OptimizeResult",
    "find_minima",
    "MinimaResult",
    "LocalPoint",
    "MinimaCallbackError",
    "EvaluationError",
    "CyIpoptEvaluationError",
    "INF",
    "option_names",
    "distributed",
    "__version__",
    "__build__",
]
