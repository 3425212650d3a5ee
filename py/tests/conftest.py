"""Shared test problems: cyipopt's HS071 example class, verbatim apart from the import."""

import numpy as np
import pytest


class HS071:
    """cyipopt's documented example (Hock–Schittkowski problem 71)."""

    def __init__(self):
        self.iterations = []

    def objective(self, x):
        return x[0] * x[3] * np.sum(x[0:3]) + x[2]

    def gradient(self, x):
        return np.array(
            [
                x[0] * x[3] + x[3] * np.sum(x[0:3]),
                x[0] * x[3],
                x[0] * x[3] + 1.0,
                x[0] * np.sum(x[0:3]),
            ]
        )

    def constraints(self, x):
        return np.array((np.prod(x), np.dot(x, x)))

    def jacobian(self, x):
        return np.concatenate((np.prod(x) / x, 2 * x))

    def jacobianstructure(self):
        return np.nonzero(np.ones((2, 4)))

    def hessianstructure(self):
        return np.nonzero(np.tril(np.ones((4, 4))))

    def hessian(self, x, lagrange, obj_factor):
        H = obj_factor * np.array(
            (
                (2 * x[3], 0, 0, 0),
                (x[3], 0, 0, 0),
                (x[3], 0, 0, 0),
                (2 * x[0] + x[1] + x[2], x[0], x[0], 0),
            )
        )
        H += lagrange[0] * np.array(
            (
                (0, 0, 0, 0),
                (x[2] * x[3], 0, 0, 0),
                (x[1] * x[3], x[0] * x[3], 0, 0),
                (x[1] * x[2], x[0] * x[2], x[0] * x[1], 0),
            )
        )
        H += lagrange[1] * 2 * np.eye(4)
        row, col = self.hessianstructure()
        return H[row, col]

    def intermediate(self, alg_mod, iter_count, obj_value, inf_pr, inf_du, mu, d_norm,
                     regularization_size, alpha_du, alpha_pr, ls_trials):
        self.iterations.append((iter_count, obj_value))


HS071_BOUNDS = dict(lb=[1.0, 1.0, 1.0, 1.0], ub=[5.0, 5.0, 5.0, 5.0], cl=[25.0, 40.0], cu=[2.0e19, 40.0])
HS071_X0 = [1.0, 5.0, 5.0, 1.0]
HS071_XOPT = np.array([1.0, 4.74299963, 3.82114998, 1.37940829])
HS071_FOPT = 17.0140173


@pytest.fixture
def hs071():
    return HS071()
