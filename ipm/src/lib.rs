//! # ipax-ipm
//!
//! The primal-dual interior-point method of ipax (Wächter & Biegler, Math. Prog. 106, 2006):
//! filter line search with second-order corrections (or a Han–Powell ℓ₁ merit), monotone and
//! adaptive barrier updates, inertia correction, feasibility restoration re-entering the same
//! iteration, and two KKT routes (augmented/indefinite and condensed/positive definite).
//!
//! Pure: depends only on `ipax-core`. Linear solvers and quasi-Newton approximations are
//! injected through [`LinearAlgebra`]; the facade crate `ipax` wires in concrete ones.

// `!(x > 0.0)` is used on purpose: unlike `x <= 0.0` it is also true for NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
// The algorithm's loops index several per-variable arrays at once, as the formulas do.
#![allow(clippy::needless_range_loop)]

mod dense_small;
pub mod driver;
pub mod filter;
pub mod kkt;
pub mod nlp;
pub mod observer;
pub mod options;
mod restoration;
mod summation;
pub mod result;

pub use driver::{LinearAlgebra, QuasiNewtonFactory, WarmStart, solve};
pub use kkt::{KktRoute, LinearSolverFactory, SolverRequest};
pub use nlp::ProblemDataError;
pub use observer::{Checkpoint, IterationLog, IterationView, KktInfo, Observer, ObserverAction};
pub use options::{OptionError, Options};
pub use result::{EvalCounts, FinalErrors, SolveResult, SolveStatus, Timings};
