//! # ipax-testing
//!
//! Oracle problems with literature optima, shared by ipax's tests, benches and CLI:
//! - [`hs`]: Hock–Schittkowski problems (HS1–HS15, HS21, HS71, HS100–HS118, …) with published optima;
//! - [`unconstrained`]: Moré–Garbow–Hillstrom least-squares problems;
//! - [`degenerate`]: rank-deficient, LICQ-failing, infeasible and unbounded problems with the
//!   outcome a correct solver should report;
//! - [`families`]: scalable problems (extended/chained Rosenbrock, semilinear elliptic control,
//!   Van der Pol optimal control, obstacle QP, disk-chain QCQP, Bratu) built in `O(nnz)`.
//!
//! Every problem is a [`TestProblem`] implementing [`ipax_core::Problem`] with an exact Hessian of
//! the Lagrangian and fixed sparsity patterns; [`MatrixFree`] hides the assembled entries so only
//! products remain. Look problems up with [`registry::get`]:
//!
//! ```
//! use ipax_core::Problem;
//! let p = ipax_testing::get_test_problem("hs071", None).unwrap();
//! let o = p.oracle();
//! let f = p.objective(o.x_star.as_ref().unwrap()).unwrap();
//! assert!((f - o.f_star.unwrap()).abs() < 1e-6 * o.f_star.unwrap());
//! ```

#![warn(missing_docs)]

pub mod ad;
pub mod degenerate;
pub mod families;
pub mod hs;
pub mod matrix_free;
pub mod problem_def;
pub mod registry;
pub mod regression;
pub mod unconstrained;

pub use matrix_free::MatrixFree;
pub use problem_def::{Expected, Model, Oracle, Pattern, Small, Spec, TestProblem};
pub use registry::{
    MAX_FAMILY_VARIABLES, ProblemInfo, RegistryError, entry, get, get_matrix_free, get_test_problem, list, oracle, registry,
};

#[cfg(test)]
mod tests;
