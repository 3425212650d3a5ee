//! # ipax-bench
//!
//! The benchmark harness behind the `ipax-bench` binary: it runs problems (the testing registry's
//! scalable families and Hock–Schittkowski set, or AMPL `.nl` files) across sizes, KKT routes and
//! Hessian sources, one child process per solve, and reports status, iterations, median time,
//! time per iteration, the share of time in linear algebra and the peak memory as markdown, JSON
//! and log-log SVG plots of time against size per family, next to Ipopt's times where the `.nl`
//! side-by-side run measured them.
//!
//! - [`cases`]: what to run (routes, Hessians, the size mapping per family);
//! - [`measure`]: one measured solve (the `--single` child);
//! - [`runner`]: children with timeouts, repeats, medians;
//! - [`report`]: markdown and JSON;
//! - [`ipopt`]: Ipopt's times from the `.nl` side-by-side JSON, as plot series;
//! - [`plot`]: SVG plots.

#![warn(missing_docs)]

pub mod cases;
pub mod ipopt;
pub mod measure;
pub mod plot;
pub mod report;
pub mod runner;

/// Errors of the harness.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A command-line value could not be parsed.
    #[error("{0}")]
    Parse(String),
    /// No registry problem has this name.
    #[error("unknown problem '{0}' (see `ipax --list-problems`)")]
    UnknownProblem(String),
    /// The registry refused to build the problem (unknown name, size too large).
    #[error("{0}")]
    Registry(String),
    /// An ipax option was rejected.
    #[error("invalid option {0}")]
    Option(String),
    /// An `.nl` model could not be read.
    #[error("cannot read model {0}")]
    Model(String),
    /// The child process could not be started.
    #[error("cannot start child process: {0}")]
    Spawn(String),
    /// The child process ran past the time limit and was killed.
    #[error("timed out after {0:.0} s")]
    Timeout(f64),
    /// The child process crashed or printed no usable result.
    #[error("{0}")]
    ChildOutput(String),
    /// The Ipopt results file (`bench/nl_side_by_side/run.py`'s JSON) is not in the expected form.
    #[error("malformed Ipopt results {path}: {reason}")]
    IpoptJson {
        /// The file.
        path: String,
        /// What is wrong, and where in the file.
        reason: String,
    },
    /// Drawing a plot failed.
    #[error("cannot draw plot: {0}")]
    Plot(String),
    /// Writing results failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}
