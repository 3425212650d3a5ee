"""``import cyipopt`` resolved to ipax, for running cyipopt's own test suite against ipax.

Put ``py/tests/cyipopt_shim`` first on ``sys.path`` (``PYTHONPATH``); see README.md here. Every
name cyipopt's tests use is ipax's own object: the shim adds no behaviour of its own.
"""

from ipax import (  # noqa: F401  (re-exported)
    INF,
    CyIpoptEvaluationError,
    IpoptProblemWrapper,
    Problem,
    minimize_ipopt,
    problem,
)
from ipax import __version__  # noqa: F401

#: The Ipopt release whose C API semantics ipax's cyipopt layer follows (GetCurrentIterate and
#: GetCurrentViolations from 3.14.0, structure checks of 3.14.13); cyipopt's tests gate on it.
IPOPT_VERSION = (3, 14, 19)
