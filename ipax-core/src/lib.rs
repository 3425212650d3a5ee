//! # ipax-core
//!
//! The vocabulary every other ipax crate speaks: the [`LinearOperator`] and [`LinearSolver`]
//! protocols, the [`Problem`] trait the interior-point method sees, a borrowed sparse view
//! ([`CscRef`]) and owned triplet/CSC containers, and the slice-level vector operations the IPM needs.
//!
//! This crate is *pure*: it depends on no storage crate (faer, sprs, ndarray). A purity test in the
//! workspace enforces that; concrete storage lives in `ipax-operators` and `ipax-linalg`.
//!
//! ```
//! use ipax_core::{LinearOperator, LinearOperatorExt, vec_ops};
//! # struct Twice(usize);
//! # impl LinearOperator for Twice {
//! #     fn shape(&self) -> (usize, usize) { (self.0, self.0) }
//! #     fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
//! #         for (yi, xi) in y.iter_mut().zip(x) { *yi = alpha * 2.0 * xi + beta * *yi; }
//! #     }
//! #     fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) { self.apply(alpha, x, beta, y) }
//! # }
//! let a = Twice(3);
//! let y = a.matvec(&[1.0, 2.0, 3.0]);
//! assert_eq!(vec_ops::dot(&y, &[1.0, 1.0, 1.0]), 12.0);
//! ```

// Vector and sparse kernels index several arrays with one loop variable, as the formulas do.
#![allow(clippy::needless_range_loop)]

pub mod error;
pub mod hessian_approx;
pub mod operator;
pub mod pattern;
pub mod problem;
pub mod solver;
pub mod sparse;
pub mod vec_ops;

pub use error::{EvalError, LinSolveError};
pub use hessian_approx::{HessianApproximation, UpdateOutcome};
pub use operator::{LinearOperator, LinearOperatorExt, LowRankParts};
pub use problem::{Problem, ProblemScaling};
pub use solver::{Capabilities, DynamicRegularization, FactorExport, FactorInfo, Inertia, LinearSolver, Regularization, SolveInfo};
pub use pattern::CscPattern;
pub use sparse::{CscMatrix, CscRef, CscStorage, Triplets};

/// Conventional "infinite" bound magnitude used by Ipopt-style interfaces (`nlp_upper_bound_inf`).
pub const BOUND_INF: f64 = 1e19;
