//! One solve, measured: the work done inside the `--single` child process.
//!
//! Every case runs in a fresh child process so that its peak resident memory (`VmHWM`, the
//! high-water mark the kernel keeps per process) belongs to that case alone; the child prints one
//! [`Measurement`] as a JSON line and the parent parses it.

use std::time::Instant;

use serde_json::{Value, json};

use crate::BenchError;
use crate::cases::{Case, Source};

/// The outcome of one solve.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Number of variables.
    pub n: usize,
    /// Number of constraints.
    pub m: usize,
    /// Solver status (`Debug` name of `ipax::SolveStatus`).
    pub status: String,
    /// Whether the status counts as a success (optimal or acceptable).
    pub success: bool,
    /// IPM iterations.
    pub iterations: usize,
    /// Final objective.
    pub objective: f64,
    /// Final constraint violation.
    pub constraint_violation: f64,
    /// Total solver time in seconds (`SolveResult::timings.total`; excludes building the problem).
    pub time_total: f64,
    /// Seconds inside user callbacks.
    pub time_function_evaluations: f64,
    /// Seconds in KKT assembly, factorization and solves.
    pub time_linear_algebra: f64,
    /// Seconds spent building (or reading) the problem before the solve.
    pub time_setup: f64,
    /// Peak resident set size of the process in KiB (`VmHWM`), if readable.
    pub peak_rss_kib: Option<u64>,
    /// Krylov (CG/MINRES) iterations summed over the search directions (`KktInfo::
    /// krylov_iterations` at every `after_search_dir` checkpoint; 0 for direct solvers). `None`
    /// in results written before it was recorded.
    pub krylov_iterations: Option<usize>,
}

impl Measurement {
    /// JSON form (one object, the line the child prints).
    pub fn to_json(&self) -> Value {
        json!({
            "n": self.n,
            "m": self.m,
            "status": self.status,
            "success": self.success,
            "iterations": self.iterations,
            "objective": finite_or_null(self.objective),
            "constraint_violation": finite_or_null(self.constraint_violation),
            "time_total": self.time_total,
            "time_function_evaluations": self.time_function_evaluations,
            "time_linear_algebra": self.time_linear_algebra,
            "time_setup": self.time_setup,
            "peak_rss_kib": self.peak_rss_kib,
            "krylov_iterations": self.krylov_iterations,
        })
    }

    /// Parse the JSON a child printed.
    pub fn from_json(v: &Value) -> Result<Self, BenchError> {
        let bad = |field: &str| BenchError::ChildOutput(format!("missing or invalid field '{field}'"));
        let uint = |field: &str| v.get(field).and_then(Value::as_u64).map(|x| x as usize).ok_or_else(|| bad(field));
        let num = |field: &str| v.get(field).and_then(Value::as_f64).ok_or_else(|| bad(field));
        // NaN/∞ objectives are serialized as null (JSON has no such numbers).
        let num_or_nan = |field: &str| v.get(field).map_or(f64::NAN, |x| x.as_f64().unwrap_or(f64::NAN));
        Ok(Measurement {
            n: uint("n")?,
            m: uint("m")?,
            status: v.get("status").and_then(Value::as_str).ok_or_else(|| bad("status"))?.to_string(),
            success: v.get("success").and_then(Value::as_bool).ok_or_else(|| bad("success"))?,
            iterations: uint("iterations")?,
            objective: num_or_nan("objective"),
            constraint_violation: num_or_nan("constraint_violation"),
            time_total: num("time_total")?,
            time_function_evaluations: num("time_function_evaluations")?,
            time_linear_algebra: num("time_linear_algebra")?,
            time_setup: num("time_setup")?,
            peak_rss_kib: v.get("peak_rss_kib").and_then(Value::as_u64),
            krylov_iterations: v.get("krylov_iterations").and_then(Value::as_u64).map(|k| k as usize),
        })
    }
}

fn finite_or_null(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

/// The peak resident set size of this process in KiB, from the `VmHWM` line of
/// `/proc/self/status` (Linux); `None` where that file does not exist.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

/// The `VmHWM:   1234 kB` value of a `/proc/<pid>/status` text.
pub fn parse_vm_hwm(status: &str) -> Option<u64> {
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|rest| rest.split_whitespace().next()).and_then(|v| v.parse().ok())
}

/// Build the case's problem and solve it once with `extra` options (`key=value`, applied after the
/// route's own options, so they can override them).
pub fn run_case(case: &Case, extra: &[(String, String)]) -> Result<Measurement, BenchError> {
    let mut options = ipax::Options { print_level: 0, ..ipax::Options::default() };
    let mut set = |k: &str, v: &str| options.set(k, v).map_err(|e| BenchError::Option(format!("{k}={v}: {e}")));
    set("tol", "1e-8")?;
    for (k, v) in case.route.options() {
        set(k, v)?;
    }
    set("hessian_approximation", case.hessian.option_value())?;
    for (k, v) in extra {
        set(k, v)?;
    }
    let setup = Instant::now();
    let problem: Box<dyn ipax::Problem> = match &case.source {
        Source::Registry { name, size } => {
            let p = if case.route.matrix_free() { ipax_testing::get_matrix_free(name, *size) } else { ipax_testing::get(name, *size) };
            p.map_err(|e| BenchError::Registry(e.to_string()))?
        }
        Source::Nl(path) => Box::new(
            ipax::problem::nl::NlProblem::from_file(path).map_err(|e| BenchError::Model(format!("{}: {e}", path.display())))?,
        ),
    };
    let time_setup = setup.elapsed().as_secs_f64();
    let mut krylov = 0usize;
    let mut count_krylov = |view: &ipax::IterationView<'_>| {
        if view.checkpoint() == ipax::Checkpoint::AfterSearchDir {
            krylov += view.step().kkt.krylov_iterations;
        }
        ipax::ObserverAction::Continue
    };
    let result = ipax::Solver::new(options).with_observer(&mut count_krylov).solve(problem.as_ref());
    Ok(Measurement {
        n: problem.num_variables(),
        m: problem.num_constraints(),
        status: format!("{:?}", result.status),
        success: result.status.is_success(),
        iterations: result.iterations,
        objective: result.objective,
        constraint_violation: result.errors.constraint_violation,
        time_total: result.timings.total.as_secs_f64(),
        time_function_evaluations: result.timings.function_evaluations.as_secs_f64(),
        time_linear_algebra: result.timings.linear_algebra.as_secs_f64(),
        time_setup,
        peak_rss_kib: peak_rss_kib(),
        krylov_iterations: Some(krylov),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::{Hessian, Route};

    #[test]
    fn vm_hwm_is_parsed_from_status_text() {
        let text = "Name:\tx\nVmPeak:\t  9999 kB\nVmHWM:\t   4321 kB\nVmRSS:\t 100 kB\n";
        assert_eq!(parse_vm_hwm(text), Some(4321));
        assert_eq!(parse_vm_hwm("Name: x\n"), None);
    }

    #[test]
    fn small_case_solves_and_round_trips_through_json() {
        let case = Case {
            source: Source::Registry { name: "hs071".into(), size: None },
            requested_n: None,
            route: Route::Augmented,
            hessian: Hessian::Exact,
        };
        let m = run_case(&case, &[]).unwrap();
        assert!(m.success, "{m:?}");
        assert_eq!((m.n, m.m), (4, 2));
        assert!((m.objective - 17.0140173).abs() < 1e-5);
        let back = Measurement::from_json(&m.to_json()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn matrix_free_cg_route_runs_on_a_family() {
        let case = Case {
            source: Source::Registry { name: "ext_rosenbrock".into(), size: Some(20) },
            requested_n: Some(20),
            route: Route::CondensedCg,
            hessian: Hessian::Exact,
        };
        let m = run_case(&case, &[]).unwrap();
        assert!(m.success, "{m:?}");
        assert!(m.objective.abs() < 1e-8);
    }

    #[test]
    fn bad_extra_option_is_a_typed_error() {
        let case = Case {
            source: Source::Registry { name: "hs071".into(), size: None },
            requested_n: None,
            route: Route::Augmented,
            hessian: Hessian::Exact,
        };
        let err = run_case(&case, &[("no_such_option".into(), "1".into())]).unwrap_err();
        assert!(matches!(err, BenchError::Option(_)));
    }

    #[test]
    fn missing_fields_are_rejected() {
        assert!(matches!(Measurement::from_json(&json!({"n": 1})), Err(BenchError::ChildOutput(_))));
    }
}
