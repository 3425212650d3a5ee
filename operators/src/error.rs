//! Typed construction errors for operators.
//!
//! Operators validate their inputs once, when they are built; applying an operator to vectors of
//! the wrong length is a programming error inside the library (a panic from slice indexing or a
//! debug assertion), never a user-input path.

use thiserror::Error;

/// Why an operator could not be constructed.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum OperatorError {
    /// A length or dimension disagrees with what the shape requires.
    #[error("dimension mismatch: {what} (expected {expected}, got {got})")]
    DimensionMismatch {
        /// Which quantity disagrees.
        what: &'static str,
        /// The required value.
        expected: usize,
        /// The value that was given.
        got: usize,
    },
    /// A triplet coordinate lies outside the declared shape.
    #[error("entry {index} at ({row}, {col}) is outside a {nrows}×{ncols} matrix")]
    IndexOutOfRange {
        /// Position of the offending entry in the input.
        index: usize,
        /// Its row.
        row: usize,
        /// Its column.
        col: usize,
        /// Declared number of rows.
        nrows: usize,
        /// Declared number of columns.
        ncols: usize,
    },
    /// Symmetric lower-triangle storage was given an entry above the diagonal.
    #[error(
        "entry {index} at ({row}, {col}) is above the diagonal; symmetric storage takes the lower triangle (row >= col)"
    )]
    NotLowerTriangular {
        /// Position of the offending entry in the input.
        index: usize,
        /// Its row.
        row: usize,
        /// Its column.
        col: usize,
    },
    /// A matrix required to be square is not.
    #[error("{what} must be square, got {nrows}×{ncols}")]
    NotSquare {
        /// Which matrix.
        what: &'static str,
        /// Its rows.
        nrows: usize,
        /// Its columns.
        ncols: usize,
    },
    /// A matrix required to be symmetric is not (exact comparison).
    #[error("{what} must be symmetric (entries ({row}, {col}) and ({col}, {row}) differ)")]
    NotSymmetric {
        /// Which matrix.
        what: &'static str,
        /// Row of the first asymmetric pair found.
        row: usize,
        /// Column of the first asymmetric pair found.
        col: usize,
    },
    /// Compressed-storage arrays are inconsistent (e.g. a decreasing `col_ptr`, or row indices not
    /// strictly increasing within a column).
    #[error("invalid sparse structure: {0}")]
    InvalidStructure(String),
    /// A scalar parameter is outside its admissible range.
    #[error("invalid parameter {what} = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        what: &'static str,
        /// The value given.
        value: f64,
        /// What is required.
        reason: &'static str,
    },
}

/// Shorthand used by constructors: `Err(DimensionMismatch)` unless `got == expected`.
pub(crate) fn check_dim(what: &'static str, expected: usize, got: usize) -> Result<(), OperatorError> {
    if expected == got { Ok(()) } else { Err(OperatorError::DimensionMismatch { what, expected, got }) }
}

/// `rows * cols`, as a typed error instead of an overflow panic for absurd shapes.
pub(crate) fn checked_len(what: &'static str, rows: usize, cols: usize) -> Result<usize, OperatorError> {
    rows.checked_mul(cols).ok_or(OperatorError::DimensionMismatch { what, expected: usize::MAX, got: rows })
}
