//! The [`Problem`] trait: the only view of an NLP the interior-point method has.
//!
//! ```text
//! minimize f(x)  subject to  c_L <= c(x) <= c_U,   x_L <= x <= x_U
//! ```
//! Rows with `c_L = c_U` are equalities. Infinite bounds are `±f64::INFINITY`.

use crate::error::EvalError;
use crate::operator::LinearOperator;

/// User-provided scaling factors (Ipopt's `nlp_scaling_method = user-scaling`): the IPM solves
/// with `obj·f`, `x_scaling ∘ x` and `constraint ∘ c`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemScaling {
    pub objective: f64,
    pub variables: Option<Vec<f64>>,
    pub constraints: Option<Vec<f64>>,
}

/// A nonlinear program. Evaluations return `Result`, so a callback can fail recoverably (the line
/// search then backs off the step).
pub trait Problem {
    /// Number of variables `n`.
    fn num_variables(&self) -> usize;
    /// Number of general constraints `m`.
    fn num_constraints(&self) -> usize;
    /// Fill `lower`/`upper` (length `n`) with the variable bounds.
    fn variable_bounds(&self, lower: &mut [f64], upper: &mut [f64]);
    /// Fill `lower`/`upper` (length `m`) with the constraint bounds.
    fn constraint_bounds(&self, lower: &mut [f64], upper: &mut [f64]);
    /// Fill `x0` (length `n`) with the starting point.
    fn initial_point(&self, x0: &mut [f64]);

    /// `f(x)`.
    fn objective(&self, x: &[f64]) -> Result<f64, EvalError>;
    /// `∇f(x)` into `grad`.
    fn gradient(&self, x: &[f64], grad: &mut [f64]) -> Result<(), EvalError>;
    /// `c(x)` into `c`.
    fn constraints(&self, x: &[f64], c: &mut [f64]) -> Result<(), EvalError>;
    /// The Jacobian `∂c/∂x` at `x`, an `m × n` operator (assembled or matrix-free).
    fn jacobian(&self, x: &[f64]) -> Result<Box<dyn LinearOperator + '_>, EvalError>;

    /// Whether [`hessian`](Self::hessian) provides the exact Hessian of the Lagrangian.
    fn has_hessian(&self) -> bool {
        false
    }
    /// `σ ∇²f(x) + Σ λᵢ ∇²cᵢ(x)` as a symmetric `n × n` operator, or `None` (→ L-BFGS).
    fn hessian(
        &self,
        _x: &[f64],
        _obj_factor: f64,
        _lambda: &[f64],
    ) -> Result<Option<Box<dyn LinearOperator + '_>>, EvalError> {
        Ok(None)
    }

    /// Optional user scaling.
    fn scaling(&self) -> Option<ProblemScaling> {
        None
    }
    /// Optional variable names.
    fn variable_names(&self) -> Option<Vec<String>> {
        None
    }
    /// Optional constraint names.
    fn constraint_names(&self) -> Option<Vec<String>> {
        None
    }
    /// Constraint row `i` written as algebra with its bounds (`x + y == 3`), where the problem
    /// knows its expressions (`.nl` models do); for diagnostics and the debugger's
    /// `print equation`.
    fn constraint_algebra(&self, _i: usize) -> Option<String> {
        None
    }
    /// A name for logs.
    fn name(&self) -> String {
        "problem".to_string()
    }
}

impl<P: Problem + ?Sized> Problem for &P {
    fn num_variables(&self) -> usize { (**self).num_variables() }
    fn num_constraints(&self) -> usize { (**self).num_constraints() }
    fn variable_bounds(&self, l: &mut [f64], u: &mut [f64]) { (**self).variable_bounds(l, u) }
    fn constraint_bounds(&self, l: &mut [f64], u: &mut [f64]) { (**self).constraint_bounds(l, u) }
    fn initial_point(&self, x0: &mut [f64]) { (**self).initial_point(x0) }
    fn objective(&self, x: &[f64]) -> Result<f64, EvalError> { (**self).objective(x) }
    fn gradient(&self, x: &[f64], g: &mut [f64]) -> Result<(), EvalError> { (**self).gradient(x, g) }
    fn constraints(&self, x: &[f64], c: &mut [f64]) -> Result<(), EvalError> { (**self).constraints(x, c) }
    fn jacobian(&self, x: &[f64]) -> Result<Box<dyn LinearOperator + '_>, EvalError> { (**self).jacobian(x) }
    fn has_hessian(&self) -> bool { (**self).has_hessian() }
    fn hessian(&self, x: &[f64], s: f64, l: &[f64]) -> Result<Option<Box<dyn LinearOperator + '_>>, EvalError> {
        (**self).hessian(x, s, l)
    }
    fn scaling(&self) -> Option<ProblemScaling> { (**self).scaling() }
    fn variable_names(&self) -> Option<Vec<String>> { (**self).variable_names() }
    fn constraint_names(&self) -> Option<Vec<String>> { (**self).constraint_names() }
    fn constraint_algebra(&self, i: usize) -> Option<String> { (**self).constraint_algebra(i) }
    fn name(&self) -> String { (**self).name() }
}
