//! # ipax-linalg
//!
//! [`LinearSolver`](ipax_core::LinearSolver) implementations for the KKT routes of the
//! interior-point method:
//!
//! | solver | matrix | inertia | notes |
//! |---|---|---|---|
//! | [`DenseCholesky`] | SPD, assembled densely | – | the condensed route's convexity probe |
//! | [`DenseLdlt`] | symmetric indefinite, dense | yes | Bunch–Kaufman (faer `lblt`) |
//! | [`SparseLdl`] | symmetric indefinite, sparse | yes | faer sparse LDLᵀ, symbolic analysis reused |
//! | [`Cg`] | SPD, matrix-free | – | reports negative curvature; Jacobi, IC(0) or user preconditioner |
//! | [`Minres`] | symmetric indefinite, matrix-free | – | Paige–Saunders, SPD preconditioner |
//!
//! Direct solvers refine their solutions against the operator ([`refine()`]); [`select_solver`]
//! picks a solver from a few facts about the system ([`SolverChoice`]).
//!
//! ```
//! use ipax_core::{CscMatrix, CscStorage, LinearSolver, Regularization, Triplets};
//! use ipax_linalg::SparseLdl;
//!
//! // [[2, 1], [1, -1]]: one positive and one negative eigenvalue.
//! let mut t = Triplets::new(2, 2);
//! t.push(0, 0, 2.0);
//! t.push(1, 0, 1.0);
//! t.push(1, 1, -1.0);
//! let a = CscMatrix::from_triplets(&t, CscStorage::SymmetricLower);
//! let mut solver = SparseLdl::new();
//! let info = solver.factor(&a, &Regularization::none()).unwrap();
//! assert!(info.inertia.unwrap().is(1, 1));
//! let mut rhs = vec![3.0, 0.0]; // solution (1, 1)
//! solver.solve_in_place(&a, &mut rhs).unwrap();
//! assert!((rhs[0] - 1.0).abs() < 1e-12 && (rhs[1] - 1.0).abs() < 1e-12);
//! ```

#![warn(missing_docs)]
// `!(x > 0.0)` is used on purpose throughout: unlike `x <= 0.0` it is also true for NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
// Numerical kernels index several arrays with one loop variable, as the formulas they implement do.
#![allow(clippy::needless_range_loop)]

mod common;
pub mod amg;
pub mod dense;
pub mod incomplete_cholesky;
pub mod krylov;
mod multifrontal;
pub mod ordering;
pub mod refine;
pub mod select;
pub mod sparse_ldl;
#[cfg(test)]
mod test_util;

pub use amg::AmgPreconditioner;
pub use dense::{DenseCholesky, DenseLdlt};

pub use incomplete_cholesky::IncompleteCholesky;
pub use krylov::{Cg, KrylovParams, Minres, Preconditioner};
pub use refine::{RefineParams, refine, refine_with};
pub use select::{SolverChoice, SolverKind, select_kind, select_solver};
pub use sparse_ldl::{FillOrdering, SparseLdl, SparseLdlMethod, SymbolicKind};


