//! # ipax-problem
//!
//! Ways to state a nonlinear program for ipax. The interior-point method only sees
//! [`ipax_core::Problem`]; this crate builds one from what a user has at hand and works out the
//! rest:
//!
//! - [`FunctionProblem`] — closures. Missing derivatives are resolved at build time: **complex
//!   step** for functions written generically over [`Scalar`] (exact to machine precision), central
//!   **finite differences** for plain closures, a **probed sparse pattern** with grouped columns
//!   for estimated Jacobians, explicit triplet / dense / **matrix-free** Jacobians, triplet or
//!   Hessian-vector-product Hessians, and no Hessian at all (→ L-BFGS in the IPM).
//! - [`LinearProblem`] and [`QuadraticProblem`] — LPs and QPs with exact derivatives.
//!
//! Inputs are validated once, in `build()`, with typed [`ProblemError`]s that name the offending
//! index; evaluation failures (NaN/Inf, wrong output length, a closure's own error) surface as
//! [`ipax_core::EvalError`] so the IPM can back off the step instead of panicking.
//!
//! ## Example: HS071 with complex-step derivatives
//!
//! ```text
//! min  x₁x₄(x₁ + x₂ + x₃) + x₃
//! s.t. x₁x₂x₃x₄ ≥ 25,  x₁² + x₂² + x₃² + x₄² = 40,  1 ≤ x ≤ 5
//! ```
//! ```
//! use ipax_core::{LinearOperatorExt, Problem};
//! use ipax_problem::{ConstraintsFn, FunctionProblem, GradientSource, ObjectiveFn, Scalar};
//!
//! struct Objective;
//! impl ObjectiveFn for Objective {
//!     fn eval<T: Scalar>(&self, x: &[T]) -> T {
//!         x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2]
//!     }
//! }
//!
//! struct Constraints;
//! impl ConstraintsFn for Constraints {
//!     fn eval<T: Scalar>(&self, x: &[T], c: &mut [T]) {
//!         c[0] = x[0] * x[1] * x[2] * x[3];
//!         c[1] = x.iter().map(|&xi| xi * xi).sum();
//!     }
//! }
//!
//! let hs071 = FunctionProblem::builder()
//!     .name("hs071")
//!     .objective_generic(Objective)
//!     .constraints_generic(Constraints)
//!     .initial_point(vec![1.0, 5.0, 5.0, 1.0])
//!     .variable_bounds(vec![1.0; 4], vec![5.0; 4])
//!     .constraint_bounds(vec![25.0, 40.0], vec![f64::INFINITY, 40.0])
//!     .build()?;
//!
//! // The gradient comes from the complex step: exact, not an approximation.
//! assert_eq!(hs071.gradient_source(), GradientSource::ComplexStep);
//! let x = [1.0, 5.0, 5.0, 1.0];
//! let mut g = [0.0; 4];
//! hs071.gradient(&x, &mut g)?;
//! let exact = [x[3] * (2.0 * x[0] + x[1] + x[2]), x[0] * x[3], x[0] * x[3] + 1.0, x[0] * (x[0] + x[1] + x[2])];
//! for i in 0..4 {
//!     assert!((g[i] - exact[i]).abs() <= 1e-14 * exact[i].abs());
//! }
//!
//! // The Jacobian is an assembled sparse operator (pattern probed once at build time).
//! let jac = hs071.jacobian(&x)?;
//! assert_eq!(jac.shape(), (2, 4));
//! assert!(jac.csc().is_some());
//! let col = jac.matvec(&[1.0, 0.0, 0.0, 0.0]); // ∂c/∂x₁ = (x₂x₃x₄, 2x₁) = (25, 2)
//! assert!((col[0] - 25.0).abs() <= 1e-14 * 25.0 && col[1] == 2.0);
//!
//! // No Hessian given: the IPM will use L-BFGS.
//! assert!(!hs071.has_hessian());
//! assert_eq!(hs071.eval_counts().grad, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod derivatives;
pub mod diagnostics;
pub mod error;
pub mod function_problem;
pub mod linear;
pub mod nl;
pub mod ops;
pub mod presolve;
pub mod quadratic;
pub mod scalar;
mod validate;

pub use derivatives::SparsityPattern;
pub use error::ProblemError;
pub use function_problem::{
    ConstraintsFn, EvalCounts, FunctionProblem, FunctionProblemBuilder, GradientSource, JacobianSource, ObjectiveFn,
    ScalarOutput, VectorOutput,
};
pub use linear::{LinearProblem, LinearProblemBuilder};
pub use quadratic::{QuadraticProblem, QuadraticProblemBuilder};
pub use scalar::Scalar;
