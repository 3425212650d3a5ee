//! # ipax-operators
//!
//! Concrete [`LinearOperator`](ipax_core::LinearOperator)s for ipax: dense (faer), sparse (sprs,
//! general and symmetric-lower), diagonal / identity / zero, low-rank `U C Vᵀ`, the compact
//! L-BFGS Hessian approximation, matrix-free operators from closures, and composites (sum,
//! scaled, product, transpose, block) that apply gemv-style without assembling anything.
//!
//! Every operator validates its inputs when built and returns an [`OperatorError`] on bad
//! dimensions or out-of-range entries; application itself never allocates more than one
//! temporary (products, matrix-free closures).
//!
//! ```
//! use ipax_core::{LinearOperator, LinearOperatorExt};
//! use ipax_operators::{DenseOperator, DiagonalOperator, OperatorAlgebra};
//!
//! let a = DenseOperator::from_row_major(2, 3, &[1.0, 2.0, 0.0, 0.0, 1.0, 3.0]).unwrap();
//! let d = DiagonalOperator::new(vec![1.0, 2.0, 3.0]);
//! // N = D + 2·AᵀA, applied without forming AᵀA.
//! let ata = (&a).t().times(&a).unwrap();
//! let n = (&d).plus(ata.scaled(2.0)).unwrap();
//! assert_eq!(n.shape(), (3, 3));
//! assert_eq!(n.matvec(&[1.0, 0.0, 0.0]), vec![3.0, 4.0, 0.0]);
//! ```

#![warn(missing_docs)]

pub mod algebra;
pub mod block;
pub mod composite;
pub mod dense;
pub mod diagonal;
pub mod error;
pub mod lbfgs;
pub mod low_rank;
pub mod matrix_free;
pub mod sparse;

#[cfg(test)]
mod test_util;

pub use algebra::OperatorAlgebra;
pub use block::BlockOperator;
pub use composite::{ProductOperator, ScaledOperator, SumOperator, TransposeOperator};
pub use dense::DenseOperator;
pub use diagonal::{DiagonalOperator, IdentityOperator, ZeroOperator};
pub use error::OperatorError;
pub use lbfgs::{Lbfgs, LbfgsOptions, SigmaStrategy};
pub use low_rank::LowRankOperator;
pub use matrix_free::MatrixFreeOperator;
pub use sparse::{SparseOperator, SymmetricSparseOperator};

/// A boxed operator borrowed for `'a`: the currency of the composites.
pub type BoxedOperator<'a> = Box<dyn ipax_core::LinearOperator + 'a>;
