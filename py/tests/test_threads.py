"""Solves in several threads (the GIL is released between callbacks) give the serial results."""

import threading

import numpy as np
import pytest

import ipax
from conftest import HS071, HS071_BOUNDS, HS071_FOPT, HS071_X0


def solve_one(results, k):
    nlp = ipax.Problem(n=4, m=2, problem_obj=HS071(), **HS071_BOUNDS)
    nlp.add_option("print_level", 0)
    nlp.add_option("tol", 1e-7)
    results[k] = nlp.solve(HS071_X0)


def test_concurrent_solves_match():
    results = [None] * 4
    threads = [threading.Thread(target=solve_one, args=(results, k)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for x, info in results:
        assert info["status"] == 0
        assert info["obj_val"] == pytest.approx(HS071_FOPT, abs=1e-6)
        np.testing.assert_array_equal(x, results[0][0])
