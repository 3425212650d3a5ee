"""cyipopt-compatible Problem: the HS071 example, callback forms, errors, warm start, pickling."""

import pickle
import traceback

import numpy as np
import pytest

import ipax
import ipax as cyipopt
from conftest import HS071, HS071_BOUNDS, HS071_FOPT, HS071_X0, HS071_XOPT


def make_hs071(obj=None, **opts):
    nlp = cyipopt.Problem(n=4, m=2, problem_obj=obj or HS071(), **HS071_BOUNDS)
    nlp.add_option("print_level", 0)
    nlp.add_option("tol", 1e-7)
    for k, v in opts.items():
        nlp.add_option(k, v)
    return nlp


def test_hs071_cyipopt_example():
    obj = HS071()
    nlp = make_hs071(obj)
    x, info = nlp.solve(HS071_X0)
    assert info["status"] == 0
    assert set(["x", "g", "obj_val", "mult_g", "mult_x_L", "mult_x_U", "status", "status_msg"]) <= set(info)
    assert info["obj_val"] == pytest.approx(HS071_FOPT, abs=1e-6)
    np.testing.assert_allclose(x, HS071_XOPT, atol=1e-6)
    # Ipopt's multipliers for HS071 (same sign convention: ∇f + Jᵀλ − z_L + z_U = 0).
    np.testing.assert_allclose(info["mult_g"], [-0.55229366, 0.16146856], atol=1e-6)
    assert info["mult_x_L"][0] == pytest.approx(1.08787121, abs=1e-5)
    assert info["iterations"] <= 10
    # intermediate saw iteration 0 and every accepted iterate.
    assert [it for it, _ in obj.iterations] == list(range(info["iterations"] + 1))


class HS071Subclass(cyipopt.Problem):
    """The subclassing form: callbacks are methods of the Problem itself."""

    def __init__(self):
        self._impl = HS071()
        super().__init__(n=4, m=2, **HS071_BOUNDS)

    def objective(self, x):
        return self._impl.objective(x)

    def gradient(self, x):
        return self._impl.gradient(x)

    def constraints(self, x):
        return self._impl.constraints(x)

    def jacobian(self, x):
        return self._impl.jacobian(x)


def test_subclass_with_lbfgs():
    nlp = HS071Subclass()
    nlp.add_option("print_level", 0)
    x, info = nlp.solve(HS071_X0)
    assert info["status"] == 0
    assert info["obj_val"] == pytest.approx(HS071_FOPT, abs=1e-5)
    assert info["nhev"] == 0


class DenseHS071(HS071):
    """No structure callbacks: cyipopt's dense defaults (row-major Jacobian, full lower triangle)."""

    jacobianstructure = None
    hessianstructure = None

    def hessian(self, x, lagrange, obj_factor):
        # HS071's values are already the full lower triangle in row-major order (= np.tril_indices).
        saved = DenseHS071.hessianstructure
        try:
            DenseHS071.hessianstructure = lambda self: np.tril_indices(4)
            return HS071.hessian(self, x, lagrange, obj_factor)
        finally:
            DenseHS071.hessianstructure = saved


def test_dense_default_structures():
    nlp = make_hs071(DenseHS071())
    x, info = nlp.solve(HS071_X0)
    assert info["status"] == 0
    np.testing.assert_allclose(x, HS071_XOPT, atol=1e-6)


class MatrixFreeHS071:
    """Products only: jvp/vjp/hvp select the condensed Krylov route."""

    def __init__(self):
        self.base = HS071()
        self.products = 0

    def objective(self, x):
        return self.base.objective(x)

    def gradient(self, x):
        return self.base.gradient(x)

    def constraints(self, x):
        return self.base.constraints(x)

    def _jac(self, x):
        return self.base.jacobian(x).reshape(2, 4)

    def jvp(self, x, v):
        self.products += 1
        return self._jac(x) @ v

    def vjp(self, x, w):
        self.products += 1
        return self._jac(x).T @ w

    def hvp(self, x, lagrange, obj_factor, v):
        vals = self.base.hessian(x, lagrange, obj_factor)
        H = np.zeros((4, 4))
        H[np.tril_indices(4)] = vals
        H = H + np.tril(H, -1).T
        return H @ v


def test_matrix_free_products():
    obj = MatrixFreeHS071()
    nlp = make_hs071(obj)
    x, info = nlp.solve(HS071_X0)
    assert info["status"] == 0
    np.testing.assert_allclose(x, HS071_XOPT, atol=1e-5)
    assert obj.products > 0


def test_intermediate_false_stops():
    class Stopper(HS071):
        def intermediate(self, alg_mod, iter_count, *rest):
            return iter_count < 2

    x, info = make_hs071(Stopper()).solve(HS071_X0)
    assert info["status"] == 5
    assert info["iterations"] == 2


def test_current_iterate_inside_intermediate():
    seen = []

    class Inspect(HS071):
        def intermediate(self, *args):
            it = nlp.get_current_iterate()
            viol = nlp.get_current_violations()
            seen.append((it["x"], viol["g_violation"], viol["grad_lag_x"]))

    nlp = make_hs071(Inspect())
    x, info = nlp.solve(HS071_X0)
    with pytest.raises(RuntimeError, match="during a call to solve"):
        nlp.get_current_iterate()
    with pytest.raises(RuntimeError, match="during a call to solve"):
        nlp.get_current_violations()
    np.testing.assert_allclose(seen[-1][0], x)
    assert np.max(seen[-1][1]) < 1e-6
    assert np.max(np.abs(seen[-1][2])) < 1e-5


def test_exception_in_callback_is_reraised_with_traceback():
    class Broken(HS071):
        calls = 0

        def constraints(self, x):
            Broken.calls += 1
            if Broken.calls > 3:
                raise KeyError("boom in constraints")
            return super().constraints(x)

    with pytest.raises(KeyError, match="boom in constraints") as excinfo:
        make_hs071(Broken()).solve(HS071_X0)
    frames = [f.name for f in traceback.extract_tb(excinfo.value.__traceback__)]
    assert "constraints" in frames


def test_evaluation_error_backs_off():
    failures = []

    class Domain:
        """f = (x-2)² defined only for x <= 2.2: L-BFGS's first trial step overshoots."""

        def objective(self, x):
            if x[0] > 2.2:
                failures.append(x[0])
                raise cyipopt.CyIpoptEvaluationError("outside the domain")
            return (x[0] - 2.0) ** 2

        def gradient(self, x):
            return np.array([2.0 * (x[0] - 2.0)])

    nlp = cyipopt.Problem(n=1, m=0, problem_obj=Domain())
    nlp.add_option("print_level", 0)
    x, info = nlp.solve([0.0])
    assert info["status"] == 0
    assert x[0] == pytest.approx(2.0, abs=1e-6)
    assert failures, "the test problem should have triggered at least one back-off"
    assert ipax.EvaluationError is cyipopt.CyIpoptEvaluationError


@pytest.mark.parametrize(
    "kwargs, exc",
    [
        (dict(n=4.0, m=2), TypeError),
        (dict(n=0, m=0), ValueError),
        (dict(n=4, m=-1), ValueError),
        (dict(n=4, m=2, lb=[1.0, 1.0]), ValueError),
        (dict(n=4, m=2, lb=[6.0] * 4, ub=[5.0] * 4), ValueError),
        (dict(n=4, m=2), ValueError),  # cl/cu missing with m > 0
    ],
)
def test_bad_constructor_arguments(kwargs, exc):
    base = dict(problem_obj=HS071())
    if "lb" in kwargs:
        base.update(cl=HS071_BOUNDS["cl"], cu=HS071_BOUNDS["cu"])
    with pytest.raises(exc):
        cyipopt.Problem(**base, **kwargs)


def test_missing_callbacks_raise_type_error():
    class NoGradient:
        def objective(self, x):
            return 0.0

    with pytest.raises(TypeError, match="gradient"):
        cyipopt.Problem(n=1, m=0, problem_obj=NoGradient())


def test_bad_options_and_points():
    nlp = make_hs071()
    with pytest.raises(ValueError, match="mu_strategy"):
        nlp.add_option("mu_stategy", "adaptive")
    with pytest.raises(ValueError):
        nlp.add_option("tol", -1.0)
    with pytest.raises(TypeError):
        nlp.add_option("tol", [1e-8])
    with pytest.raises(ValueError, match="x0"):
        nlp.solve([1.0, 2.0])
    with pytest.raises(ValueError, match="lagrange"):
        nlp.solve(HS071_X0, lagrange=[1.0])

    class BadStructure(HS071):
        def jacobianstructure(self):
            return np.array([0, 5]), np.array([0, 1])

        def jacobian(self, x):
            return np.ones(2)

    # As Ipopt: an invalid Jacobian structure ends the solve before any iteration with
    # Unrecoverable_Exception (-100), the reason in the message and a warning.
    with pytest.warns(RuntimeWarning, match="outside"):
        _, info = make_hs071(BadStructure()).solve(HS071_X0)
    assert info["status"] == -100 and "outside" in info["message"]

    class WrongLength(HS071):
        def gradient(self, x):
            return np.ones(3)

    with pytest.raises(ValueError, match="gradient returned 3 values"):
        make_hs071(WrongLength()).solve(HS071_X0)


def test_ignored_ipopt_options_warn():
    nlp = make_hs071()
    with pytest.warns(UserWarning):
        nlp.add_option("sb", "yes")
    with pytest.warns(UserWarning):
        nlp.add_option("linear_solver", "ma57")
    nlp.add_option(b"mu_strategy", b"adaptive")
    x, info = nlp.solve(HS071_X0)
    assert info["status"] == 0


def test_infinite_bounds_at_1e19():
    class Quad:
        def objective(self, x):
            return float(np.sum((x - 1.0) ** 2))

        def gradient(self, x):
            return 2.0 * (x - 1.0)

    nlp = cyipopt.Problem(n=2, m=0, problem_obj=Quad(), lb=[-1e19, -2e19], ub=[1e19, 1e20])
    nlp.add_option("print_level", 0)
    x, info = nlp.solve([0.0, 0.0])
    np.testing.assert_allclose(x, [1.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(info["mult_x_L"], 0.0, atol=1e-12)


def test_warm_start_needs_fewer_iterations():
    cold = make_hs071()
    x, info = cold.solve(HS071_X0)
    # A nearby problem: tighten the second constraint slightly.
    bounds = dict(HS071_BOUNDS, cl=[25.0, 40.2], cu=[2.0e19, 40.2])
    fresh = cyipopt.Problem(n=4, m=2, problem_obj=HS071(), **bounds)
    fresh.add_option("print_level", 0)
    fresh.add_option("tol", 1e-7)
    _, cold_info = fresh.solve(HS071_X0)
    warm = cyipopt.Problem(n=4, m=2, problem_obj=HS071(), **bounds)
    for k, v in [("print_level", 0), ("tol", 1e-7), ("warm_start_init_point", "yes"),
                 ("warm_start_bound_push", 1e-6), ("warm_start_mult_bound_push", 1e-6), ("mu_init", 1e-6)]:
        warm.add_option(k, v)
    _, warm_info = warm.solve(x, lagrange=info["mult_g"], zl=info["mult_x_L"], zu=info["mult_x_U"])
    assert cold_info["status"] == 0 and warm_info["status"] == 0
    assert warm_info["obj_val"] == pytest.approx(cold_info["obj_val"], rel=1e-7)
    assert warm_info["iterations"] < cold_info["iterations"]


def test_user_scaling():
    nlp = make_hs071()
    nlp.set_problem_scaling(obj_scaling=2.0, x_scaling=[1.0, 0.5, 0.5, 1.0], g_scaling=[0.1, 0.1])
    x, info = nlp.solve(HS071_X0)
    assert info["status"] == 0
    assert info["obj_val"] == pytest.approx(HS071_FOPT, abs=1e-5)
    with pytest.raises(ValueError):
        nlp.set_problem_scaling(obj_scaling=1.0, x_scaling=[1.0])


def test_pickling_problem_and_result():
    nlp = make_hs071()
    clone = pickle.loads(pickle.dumps(nlp))
    x, info = clone.solve(HS071_X0)
    assert info["obj_val"] == pytest.approx(HS071_FOPT, abs=1e-6)
    info2 = pickle.loads(pickle.dumps(info))
    np.testing.assert_array_equal(info2["x"], info["x"])


class ParamHS071(HS071):
    """HS071 with the sum-of-squares constraint level as a parameter read from the object."""

    def __init__(self):
        super().__init__()
        self.level = 40.0

    def constraints(self, x):
        return np.array((np.prod(x), np.dot(x, x) - self.level))


def test_solver_session_warm_starts():
    obj = ParamHS071()
    bounds = dict(HS071_BOUNDS, cl=[25.0, 0.0], cu=[2.0e19, 0.0])
    nlp = cyipopt.Problem(n=4, m=2, problem_obj=obj, **bounds)
    nlp.add_option("print_level", 0)
    nlp.add_option("tol", 1e-7)
    session = ipax.Solver(nlp)
    with pytest.raises(ValueError):
        session.solve()
    x, info = session.solve(HS071_X0)
    assert info["obj_val"] == pytest.approx(HS071_FOPT, abs=1e-6)
    obj.level = 40.2
    _, warm = session.solve()
    _, cold = nlp.solve(HS071_X0)
    assert warm["status"] == 0 and cold["status"] == 0
    assert warm["obj_val"] == pytest.approx(cold["obj_val"], rel=1e-7)
    assert warm["iterations"] < cold["iterations"]
    # The session's warm-start options do not leak into the problem's own options.
    assert "warm_start_init_point" not in nlp._options
    session.reset()
    with pytest.raises(ValueError):
        session.solve(warm_start=True)
    with pytest.raises(TypeError):
        ipax.Solver(object())


def test_exception_in_intermediate_is_reraised():
    class Loud(HS071):
        def intermediate(self, *args):
            raise ZeroDivisionError("from intermediate")

    with pytest.raises(ZeroDivisionError, match="from intermediate"):
        make_hs071(Loud()).solve(HS071_X0)


def test_pickling_subclass_problem():
    nlp = HS071Subclass()
    nlp.add_option("print_level", 0)
    clone = pickle.loads(pickle.dumps(nlp))
    assert isinstance(clone, HS071Subclass)
    x, info = clone.solve(HS071_X0)
    assert info["status"] == 0


def test_intermediate_gets_original_iterate_during_restoration():
    # start_with_resto: the first iterates are the restoration NLP's, over n + 2m variables; the
    # callback and get_current_iterate must still see the user's n variables and m multipliers.
    seen = []

    class Watch(HS071):
        def intermediate(self, alg_mod, iter_count, *rest):
            it = nlp.get_current_iterate()
            seen.append((alg_mod, it["x"].size, it["mult_x_L"].size, it["mult_x_U"].size, it["mult_g"].size))

    nlp = make_hs071(Watch())
    nlp.add_option("start_with_resto", "yes")
    _, info = nlp.solve(HS071_X0)
    assert info["status"] == 0
    assert any(alg_mod == 1 for alg_mod, *_ in seen), "no restoration iterate was reported"
    assert all(tuple(sizes) == (4, 4, 4, 2) for _, *sizes in seen)


def test_scaled_violations_are_the_solvers_scaled_measure():
    # ∇f is 1e4 × HS071's, so gradient-based scaling picks s_f = 100 / ‖∇f(x0)‖∞ < 1; the scaled
    # ‖∇L‖∞ from get_current_violations(scaled=True) must then be the inf_du the solver reports.
    rows = []

    class Big(HS071):
        def objective(self, x):
            return 1e4 * super().objective(x)

        def gradient(self, x):
            return 1e4 * super().gradient(x)

        def hessian(self, x, lagrange, obj_factor):
            return super().hessian(x, lagrange, 1e4 * obj_factor)

        def intermediate(self, alg_mod, iter_count, obj_value, inf_pr, inf_du, *rest):
            scaled = nlp.get_current_violations(scaled=True)["grad_lag_x"]
            plain = nlp.get_current_violations()["grad_lag_x"]
            it = nlp.get_current_iterate(scaled=True)
            rows.append((inf_du, np.max(np.abs(scaled)), np.max(np.abs(plain)), it["x"]))

    nlp = make_hs071(Big())
    x, info = nlp.solve(HS071_X0)
    assert info["status"] == 0
    for inf_du, scaled, plain, x_scaled in rows:
        if inf_du > 1e-10:
            assert scaled == pytest.approx(inf_du, rel=1e-3)
            assert plain > 100 * scaled
    np.testing.assert_allclose(rows[-1][3], x)  # gradient-based scaling leaves x unscaled


def test_invalid_structures_and_value_counts_as_ipopt():
    class Triu(HS071):
        def hessianstructure(self):
            return np.triu_indices(4)

    with pytest.warns(RuntimeWarning, match="upper triangle"):
        _, info = make_hs071(Triu()).solve(HS071_X0)
    assert info["status"] == -12

    class NegativeHess(HS071):
        def hessianstructure(self):
            r, c = np.tril_indices(4)
            return r, c - 1

    with pytest.warns(RuntimeWarning, match="outside"):
        _, info = make_hs071(NegativeHess()).solve(HS071_X0)
    assert info["status"] == -12

    class LongJacobian(HS071):
        def jacobian(self, x):
            return np.zeros(12)

    _, info = make_hs071(LongJacobian()).solve(HS071_X0)
    assert info["status"] == -13 and "jacobian returned 12 values" in info["message"]


def test_user_stop_message():
    class Stop(HS071):
        def intermediate(self, *args):
            return False

    _, info = make_hs071(Stop()).solve(HS071_X0)
    assert info["status"] == 5 and b"premature termination" in info["status_msg"]


def test_warm_start_slack_bound_push_moves_the_initial_slacks():
    # HS071's g1 >= 25 is active at the solution: a warm start whose slack is pushed 0.1 into its
    # bound needs more iterations than one pushed 1e-9 (Ipopt's warm_start_slack_bound_push/frac).
    x, info = make_hs071().solve(HS071_X0)
    iterations = {}
    for push in (0.1, 1e-9):
        nlp = make_hs071()
        for name, value in [
            ("warm_start_init_point", "yes"), ("warm_start_bound_push", 1e-9), ("warm_start_bound_frac", 1e-9),
            ("warm_start_mult_bound_push", 1e-9), ("mu_init", 1e-9),
            ("warm_start_slack_bound_push", push), ("warm_start_slack_bound_frac", push),
        ]:
            nlp.add_option(name, value)
        _, warm = nlp.solve(x, lagrange=info["mult_g"], zl=info["mult_x_L"], zu=info["mult_x_U"])
        assert warm["status"] == 0
        iterations[push] = warm["iterations"]
    assert iterations[1e-9] < iterations[0.1]
    with pytest.raises(ValueError):
        make_hs071().add_option("warm_start_slack_bound_frac", 0.9)
