//! Typed errors shared across the workspace.

use thiserror::Error;

/// Why a linear solver could not factor or solve.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum LinSolveError {
    /// A zero (or numerically zero) pivot was met at this index of the (permuted) matrix.
    #[error("matrix is singular (zero pivot at index {pivot})")]
    Singular { pivot: usize },
    /// A Cholesky factorization met a non-positive pivot; the matrix is not positive definite.
    #[error("matrix is not positive definite (pivot {pivot} = {value:e})")]
    NotPositiveDefinite { pivot: usize, value: f64 },
    /// A Krylov method stopped before reaching its tolerance.
    #[error("iterative solver did not converge: {iterations} iterations, relative residual {residual:e}")]
    NoConvergence { iterations: usize, residual: f64 },
    /// A Krylov method stalled at the accuracy floored by rounding (about `ε·κ(A)`): restarting
    /// from the true residual no longer reduces it. The returned iterate is the best one found.
    #[error("iterative solver reached its attainable accuracy: {iterations} iterations, relative residual {residual:e}")]
    AccuracyLimit { iterations: usize, residual: f64 },
    /// CG met a direction of non-positive curvature: the operator is not positive definite.
    #[error("negative curvature detected after {iterations} iterations (pᵀAp = {curvature:e})")]
    NegativeCurvature { iterations: usize, curvature: f64 },
    /// The operator lacks a capability this solver needs (e.g. an assembled matrix).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Dimensions disagree.
    #[error("dimension mismatch: {what} (expected {expected}, got {got})")]
    DimensionMismatch { what: &'static str, expected: usize, got: usize },
    /// `solve` was called before a successful `factor`.
    #[error("solve called before a successful factorization")]
    NotFactored,
    /// The sparsity pattern changed since `analyze`.
    #[error("sparsity pattern differs from the analyzed one")]
    PatternChanged,
    /// Non-finite values in the matrix or right-hand side.
    #[error("non-finite value in {0}")]
    NonFinite(&'static str),
}

/// A user callback could not be evaluated at the requested point.
///
/// The IPM treats this like Ipopt treats a failed evaluation: the line search backs off the step.
/// If it happens at the starting point the solve ends with status `EvaluationError`.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum EvalError {
    /// The callback returned NaN or ±Inf.
    #[error("{what} returned a non-finite value")]
    NonFinite { what: &'static str },
    /// The callback itself reported a failure.
    #[error("{what} failed: {message}")]
    Failed { what: &'static str, message: String },
    /// The callback returned an array of the wrong length.
    #[error("{what} returned {got} values, expected {expected}")]
    WrongLength { what: &'static str, expected: usize, got: usize },
    /// The solve was interrupted from inside a callback (e.g. Python KeyboardInterrupt / exception).
    #[error("evaluation aborted: {0}")]
    Abort(String),
}

impl EvalError {
    /// Convenience constructor for a failed callback.
    pub fn failed(what: &'static str, message: impl Into<String>) -> Self {
        EvalError::Failed { what, message: message.into() }
    }
    /// Whether the IPM should stop (true) rather than back off the step (false).
    pub fn is_abort(&self) -> bool {
        matches!(self, EvalError::Abort(_))
    }
}
