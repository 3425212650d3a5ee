//! `ipax._ipax.regression_problem(name)`: the regression set of `ipax-testing` (small problems with
//! published optima) as Python objects, so that side-by-side scripts can hand the *same* problem to
//! ipax and to Ipopt (cyipopt).
//!
//! The object follows cyipopt's problem protocol: `objective(x)`, `gradient(x)`, `constraints(x)`,
//! `jacobian(x)` with `jacobianstructure()`, and `hessian(x, lagrange, obj_factor)` (the lower
//! triangle of `σ∇²f + Σ λᵢ∇²cᵢ`) with `hessianstructure()`; values come in structure order.
//! Bounds, the starting point and the oracle data (`f_star`, `source`, `expected`) are attributes.
//! Bad input (wrong lengths, failed evaluations) raises `ValueError`, never a panic.

use ipax::testing::{Expected, TestProblem, regression};
use ipax_core::{LinearOperator, Problem, Triplets};
use numpy::PyArray1;
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use pyo3::wrap_pyfunction;

/// One regression problem with its fixed Jacobian and Hessian structures.
#[pyclass(name = "RegressionProblem", frozen)]
struct RegressionProblem {
    p: TestProblem,
    jac_structure: (Vec<usize>, Vec<usize>),
    hess_structure: (Vec<usize>, Vec<usize>),
}

fn eval_err(what: &str, e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("{what}: {e}"))
}

/// Triplets of an assembled operator, or an error for an operator without entries.
fn entries(op: &dyn LinearOperator, lower: bool, what: &str) -> PyResult<Triplets> {
    let t = if lower { op.lower_triplets() } else { op.triplets() };
    t.ok_or_else(|| PyValueError::new_err(format!("{what} is not assembled")))
}

impl RegressionProblem {
    fn check(&self, what: &str, v: &[f64], len: usize) -> PyResult<()> {
        if v.len() == len {
            Ok(())
        } else {
            Err(PyValueError::new_err(format!("{what} has length {}, expected {len}", v.len())))
        }
    }
    fn jac_triplets(&self, x: &[f64]) -> PyResult<Triplets> {
        self.check("x", x, self.p.num_variables())?;
        let j = self.p.jacobian(x).map_err(|e| eval_err("jacobian", e))?;
        entries(j.as_ref(), false, "jacobian")
    }
    fn hess_triplets(&self, x: &[f64], lagrange: &[f64], obj_factor: f64) -> PyResult<Triplets> {
        self.check("x", x, self.p.num_variables())?;
        self.check("lagrange", lagrange, self.p.num_constraints())?;
        let h = self.p.hessian(x, obj_factor, lagrange).map_err(|e| eval_err("hessian", e))?;
        let h = h.ok_or_else(|| PyValueError::new_err("hessian is not available"))?;
        entries(h.as_ref(), true, "hessian")
    }
    /// Values in the order of `structure`; the patterns are fixed, so a mismatch is a bug worth
    /// an error rather than silently misplaced values.
    fn values(t: Triplets, structure: &(Vec<usize>, Vec<usize>), what: &str) -> PyResult<Vec<f64>> {
        if t.rows != structure.0 || t.cols != structure.1 {
            return Err(PyValueError::new_err(format!("{what}: sparsity pattern changed between evaluations")));
        }
        Ok(t.vals)
    }
}

#[pymethods]
impl RegressionProblem {
    /// Registry name.
    #[getter]
    fn name(&self) -> String {
        self.p.oracle().name.clone()
    }
    /// Number of variables.
    #[getter]
    fn n(&self) -> usize {
        self.p.num_variables()
    }
    /// Number of constraints.
    #[getter]
    fn m(&self) -> usize {
        self.p.num_constraints()
    }
    /// Starting point.
    #[getter]
    fn x0<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.p.spec().x0)
    }
    /// Variable lower bounds (`-inf` where absent).
    #[getter]
    fn lb<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.p.spec().x_lower)
    }
    /// Variable upper bounds.
    #[getter]
    fn ub<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.p.spec().x_upper)
    }
    /// Constraint lower bounds.
    #[getter]
    fn cl<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.p.spec().c_lower)
    }
    /// Constraint upper bounds.
    #[getter]
    fn cu<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.p.spec().c_upper)
    }
    /// Published optimal value (None when unknown).
    #[getter]
    fn f_star(&self) -> Option<f64> {
        self.p.oracle().f_star
    }
    /// Relative objective accuracy the oracle documents (1e-6 unless a cusp limits it).
    #[getter]
    fn f_rel_tol(&self) -> f64 {
        self.p.oracle().f_rel_tol
    }
    /// Documented other local minima (values a correct local solver may end at).
    #[getter]
    fn other_local_minima(&self) -> Vec<f64> {
        let name = &self.p.oracle().name;
        regression::OTHER_LOCAL_MINIMA.iter().filter(|(n, _)| n == name).map(|&(_, f)| f).collect()
    }
    /// Citation.
    #[getter]
    fn source(&self) -> &'static str {
        self.p.oracle().source
    }
    /// Expected outcome: "optimal", "infeasible" or "unbounded".
    #[getter]
    fn expected(&self) -> &'static str {
        match self.p.oracle().expected {
            Expected::Optimal => "optimal",
            Expected::Infeasible => "infeasible",
            Expected::Unbounded => "unbounded",
        }
    }
    /// `f(x)`.
    fn objective(&self, x: Vec<f64>) -> PyResult<f64> {
        self.check("x", &x, self.p.num_variables())?;
        self.p.objective(&x).map_err(|e| eval_err("objective", e))
    }
    /// `∇f(x)`.
    fn gradient<'py>(&self, py: Python<'py>, x: Vec<f64>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        self.check("x", &x, self.p.num_variables())?;
        let mut g = vec![0.0; x.len()];
        self.p.gradient(&x, &mut g).map_err(|e| eval_err("gradient", e))?;
        Ok(PyArray1::from_vec(py, g))
    }
    /// `c(x)`.
    fn constraints<'py>(&self, py: Python<'py>, x: Vec<f64>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        self.check("x", &x, self.p.num_variables())?;
        let mut c = vec![0.0; self.p.num_constraints()];
        self.p.constraints(&x, &mut c).map_err(|e| eval_err("constraints", e))?;
        Ok(PyArray1::from_vec(py, c))
    }
    /// `(rows, cols)` of the Jacobian entries.
    fn jacobianstructure<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let (r, c) = &self.jac_structure;
        PyTuple::new(py, [r.clone(), c.clone()])
    }
    /// Jacobian values in `jacobianstructure()` order.
    fn jacobian<'py>(&self, py: Python<'py>, x: Vec<f64>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let t = self.jac_triplets(&x)?;
        Ok(PyArray1::from_vec(py, Self::values(t, &self.jac_structure, "jacobian")?))
    }
    /// `(rows, cols)` of the lower-triangle Hessian entries.
    fn hessianstructure<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let (r, c) = &self.hess_structure;
        PyTuple::new(py, [r.clone(), c.clone()])
    }
    /// Lower-triangle values of `obj_factor·∇²f + Σ lagrangeᵢ ∇²cᵢ` in `hessianstructure()` order.
    fn hessian<'py>(
        &self,
        py: Python<'py>,
        x: Vec<f64>,
        lagrange: Vec<f64>,
        obj_factor: f64,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let t = self.hess_triplets(&x, &lagrange, obj_factor)?;
        Ok(PyArray1::from_vec(py, Self::values(t, &self.hess_structure, "hessian")?))
    }
    fn __repr__(&self) -> String {
        format!("RegressionProblem({:?}, n={}, m={})", self.p.oracle().name, self.n(), self.m())
    }
}

/// The regression problem called `name` (see `regression_names()`).
#[pyfunction]
fn regression_problem(name: &str) -> PyResult<RegressionProblem> {
    let p = regression::get(name)
        .map_err(|_| PyKeyError::new_err(format!("unknown regression problem {name:?} (see regression_names())")))?;
    // Structures from the starting point moved into the bounds (where solvers evaluate first);
    // the patterns of the test problems do not depend on the point.
    let s = p.spec();
    let x: Vec<f64> = s.x0.iter().zip(&s.x_lower).zip(&s.x_upper).map(|((&v, &l), &u)| v.clamp(l, u)).collect();
    let lam = vec![1.0; p.num_constraints()];
    let mut rp = RegressionProblem { p, jac_structure: (vec![], vec![]), hess_structure: (vec![], vec![]) };
    let j = rp.jac_triplets(&x)?;
    let h = rp.hess_triplets(&x, &lam, 1.0)?;
    rp.jac_structure = (j.rows, j.cols);
    rp.hess_structure = (h.rows, h.cols);
    Ok(rp)
}

/// Names of the whole regression set.
#[pyfunction]
fn regression_names() -> Vec<&'static str> {
    regression::names()
}

/// Register `regression_problem`, `regression_names` and the `RegressionProblem` class.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(regression_problem, m)?)?;
    m.add_function(wrap_pyfunction!(regression_names, m)?)?;
    m.add_class::<RegressionProblem>()?;
    Ok(())
}
