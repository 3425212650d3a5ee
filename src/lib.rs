//! # ipax
//!
//! A matrix-free interior-point solver for large-scale nonlinear programs
//!
//! ```text
//! minimize f(x)  subject to  c_L <= c(x) <= c_U,   x_L <= x <= x_U
//! ```
//!
//! This facade wires the pure algorithm (`ipax-ipm`) to concrete linear solvers (`ipax-linalg`)
//! and the L-BFGS operator (`ipax-operators`), picking the KKT route automatically.
//!
//! ```
//! let problem = ipax::testing::get("hs071", None).unwrap();
//! let mut options = ipax::Options::default();
//! options.print_level = 0;
//! let result = ipax::solve(problem.as_ref(), &options);
//! assert_eq!(result.status, ipax::SolveStatus::Optimal);
//! assert!((result.objective - 17.0140173).abs() < 1e-6);
//! ```

pub mod ampl;
pub mod process_memory;
pub mod debug;
mod factory;
pub mod sensitivity;
mod solver;

pub mod sipopt;

pub use factory::{DefaultSolverFactory, choose_route};
pub use sensitivity::{KktFactor, KktSource, RefineOptions, RefineStats, SensitivityError};
pub use solver::{Solver, nl_bound_tightening, nl_duplicate_rows, nl_solve_and_diagnose, solve, solve_and_diagnose, solve_nl};

pub use ipax_core as core;
pub use ipax_core::{EvalError, LinearOperator, LinearOperatorExt, LinearSolver, Problem};
pub use ipax_ipm::{
    Block, Checkpoint, EvalCounts, FinalErrors, IterationLog, IterationView, KktInfo, KktRoute, Layout, Observer,
    ObserverAction, OptionError, Options, Snapshot, SolveResult, SolveStatus, SteerError, StepInfo, Timings, ViewErrors,
    WarmStart, options,
};
pub use ipax_linalg as linalg;
pub use ipax_operators as operators;
pub use ipax_problem as problem;
pub use ipax_testing as testing;
