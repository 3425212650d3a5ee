"""Per-callback overhead of the Python bridge, measured on HS071 (cheap callbacks).

Run: python py/benchmarks/bench_callback_overhead.py. Reports microseconds per solve and per
callback evaluation (time of the whole solve divided by the number of Python callback calls), and,
when cyipopt is installed (``pip install cyipopt-wheels``), the same numbers for cyipopt and the
ratio ipax / cyipopt.
"""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from conftest import HS071, HS071_BOUNDS, HS071_X0  # noqa: E402


class Counting(HS071):
    """HS071 counting its callback calls (the count costs the same in both bindings)."""

    intermediate = None

    def __init__(self):
        super().__init__()
        self.calls = 0

    def objective(self, x):
        self.calls += 1
        return super().objective(x)

    def gradient(self, x):
        self.calls += 1
        return super().gradient(x)

    def constraints(self, x):
        self.calls += 1
        return super().constraints(x)

    def jacobian(self, x):
        self.calls += 1
        return super().jacobian(x)

    def hessian(self, x, lagrange, obj_factor):
        self.calls += 1
        return super().hessian(x, lagrange, obj_factor)


def run(module, repeats=200):
    best = float("inf")
    calls = 0
    for _ in range(repeats):
        obj = Counting()
        nlp = module.Problem(n=4, m=2, problem_obj=obj, **HS071_BOUNDS)
        nlp.add_option("print_level", 0)
        nlp.add_option("tol", 1e-7)
        t0 = time.perf_counter()
        nlp.solve(np.array(HS071_X0))
        best = min(best, time.perf_counter() - t0)
        calls = obj.calls
    return best, calls


def main():
    import ipax

    t, calls = run(ipax)
    print(f"ipax:    {t * 1e6:8.1f} us/solve, {calls} callback calls, {t / calls * 1e6:6.2f} us/call (upper bound)")
    try:
        import cyipopt
    except ImportError:
        print("cyipopt not installed (pip install cyipopt-wheels) - no comparison")
        return
    tc, callsc = run(cyipopt)
    print(f"cyipopt: {tc * 1e6:8.1f} us/solve, {callsc} callback calls, {tc / callsc * 1e6:6.2f} us/call (upper bound)")
    print(f"ratio ipax/cyipopt per call: {(t / calls) / (tc / callsc):.2f}")


if __name__ == "__main__":
    main()
