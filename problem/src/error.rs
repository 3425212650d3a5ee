//! Errors reported when a problem definition is built (validation happens once, in `build()`;
//! evaluation failures later are [`ipax_core::EvalError`]s).

use ipax_core::EvalError;
use thiserror::Error;

/// Why a problem definition was rejected.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ProblemError {
    /// No objective was given.
    #[error("no objective function: call `objective(..)` or `objective_generic(..)` on the builder")]
    MissingObjective,
    /// No starting point was given (it also fixes the number of variables).
    #[error("no initial point: call `initial_point(x0)` on the builder (its length sets n)")]
    MissingInitialPoint,
    /// Constraint bounds describe `m > 0` constraints but no constraint function was given.
    #[error("{m} constraint bounds were given but no constraint function: call `constraints(..)` or `constraints_generic(..)`")]
    MissingConstraints {
        /// Number of constraints implied by the constraint bounds.
        m: usize,
    },
    /// A Jacobian was given but no constraint function.
    #[error("a Jacobian was given but no constraint function: call `constraints(..)` or `constraints_generic(..)`")]
    JacobianWithoutConstraints,
    /// A constraint function was given without constraint bounds.
    #[error("a constraint function was given but no constraint bounds: call `constraint_bounds(cl, cu)` (their length sets m)")]
    MissingConstraintBounds,
    /// A vector has the wrong length.
    #[error("{what} has length {got}, expected {expected}")]
    DimensionMismatch {
        /// Which input.
        what: &'static str,
        /// Required length.
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// A lower bound exceeds its upper bound.
    #[error("{what} bounds at index {index} are inconsistent: lower {lower} > upper {upper}")]
    InconsistentBounds {
        /// `"variable"` or `"constraint"`.
        what: &'static str,
        /// Offending index.
        index: usize,
        /// Lower bound given.
        lower: f64,
        /// Upper bound given.
        upper: f64,
    },
    /// A NaN (or, for the starting point and for linear data, an infinity) where a number is required.
    #[error("{what} has a non-finite value {value} at index {index}")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// Offending index.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// A bound is +∞ as lower or −∞ as upper bound, which no point satisfies.
    #[error("{what} bound at index {index} is {value}, which no point can satisfy")]
    ImpossibleBound {
        /// Which bound vector.
        what: &'static str,
        /// Offending index.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// A sparse structure entry lies outside the matrix.
    #[error("{what} structure entry {entry} at ({row}, {col}) is outside the {nrows}×{ncols} matrix")]
    StructureOutOfRange {
        /// `"Jacobian"`, `"Hessian"`, `"A"` or `"Q"`.
        what: &'static str,
        /// Position of the entry in the user's arrays.
        entry: usize,
        /// Its row.
        row: usize,
        /// Its column.
        col: usize,
        /// Matrix rows.
        nrows: usize,
        /// Matrix columns.
        ncols: usize,
    },
    /// A symmetric matrix's structure has an entry above the diagonal. Only the lower triangle
    /// (`row >= col`) may be given: entries are not mirrored, because a user passing both halves
    /// would silently get doubled off-diagonal values.
    #[error("{what} structure entry {entry} at ({row}, {col}) is in the upper triangle; give only row >= col")]
    UpperTriangleEntry {
        /// `"Hessian"` or `"Q"`.
        what: &'static str,
        /// Position of the entry in the user's arrays.
        entry: usize,
        /// Its row.
        row: usize,
        /// Its column.
        col: usize,
    },
    /// A scaling factor is not a positive finite number.
    #[error("{what} scaling factor at index {index} is {value}; it must be positive and finite")]
    InvalidScaling {
        /// `"objective"`, `"variable"` or `"constraint"`.
        what: &'static str,
        /// Offending index (0 for the objective).
        index: usize,
        /// The value found.
        value: f64,
    },
    /// The constraint function could not be evaluated at any sparsity-probe point.
    #[error("Jacobian sparsity probing failed at every probe point (last error: {source}); give the structure with `jacobian_structure(..)` or a better initial point")]
    SparsityProbeFailed {
        /// The error at the last probe point.
        source: EvalError,
    },
}
