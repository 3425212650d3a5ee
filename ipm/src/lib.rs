//! # ipax-ipm
//!
//! The primal-dual interior-point method of ipax (Wächter & Biegler, Math. Prog. 106, 2006):
//! filter line search with second-order corrections (or a Han–Powell ℓ₁ merit), monotone and
//! adaptive barrier updates, inertia correction, feasibility restoration re-entering the same
//! iteration, and two KKT routes (augmented/indefinite and condensed/positive definite).
//!
//! The driver ([`driver`]) composes one module per strategy around one iterate of named blocks;
//! observers read and steer the solve at named checkpoints ([`observer`]).
//!
//! Pure: depends only on `ipax-core`. Linear solvers and quasi-Newton approximations are
//! injected through [`LinearAlgebra`]; the facade crate `ipax` wires in concrete ones.

// `!(x > 0.0)` is used on purpose: unlike `x <= 0.0` it is also true for NaN.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
// The algorithm's loops index several per-variable arrays at once, as the formulas do.
#![allow(clippy::needless_range_loop)]

mod convergence;
mod dense_small;
mod direction;
pub mod driver;
pub mod filter;
mod finish;
pub mod held;
mod inertia;
mod init;
mod iterate;
pub mod kkt;
mod l1_merit;
mod line_search;
mod mu_update;
pub mod nlp;
pub mod observer;
pub mod options;
mod restoration;
pub mod result;
mod step;
mod steer;
mod summation;
#[cfg(test)]
mod test_support;
mod watchdog;

pub use held::{HeldKkt, HeldKktError, HeldKktInfo};
pub use driver::{LinearAlgebra, QuasiNewtonFactory, WarmStart, solve};
pub use kkt::{KktRoute, LinearSolverFactory, SolverRequest};
pub use nlp::ProblemDataError;
pub use observer::{Block, Checkpoint, IterationLog, IterationView, KktInfo, Layout, Observer, ObserverAction, Snapshot, SteerError, StepInfo, ViewErrors};
pub use options::{OptionError, Options};
pub use result::{EvalCounts, FinalErrors, SolveResult, SolveStatus, Timings};
