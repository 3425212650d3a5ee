//! The parent side: run each case in a child process (with a timeout), repeat it, and summarize.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::BenchError;
use crate::cases::{Case, Source};
use crate::measure::Measurement;

/// How the cases are run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Solves per case; the reported time is the median.
    pub repeat: usize,
    /// Wall-clock limit per child process (build + solve).
    pub timeout: Duration,
    /// Extra ipax options (`key`, `value`) passed to every solve.
    pub extra_options: Vec<(String, String)>,
    /// The condensed-dense route is skipped above this many variables (its n×n matrix needs
    /// 8n² bytes: 800 MB at n = 1e4, 80 GB at n = 1e5).
    pub dense_max_n: usize,
}

/// How a case ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every repeat produced a measurement (the solver status may still be a failure).
    Measured(Vec<Measurement>),
    /// Not run (e.g. the dense route on a large problem), with the reason.
    Skipped(String),
    /// The child crashed, timed out or printed nothing usable; the reason is reported in the row.
    Crashed(String),
}

/// One row of the results table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The case.
    pub case: Case,
    /// What happened.
    pub outcome: Outcome,
}

/// The median of `values` (mean of the two middle ones for an even count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let k = v.len() / 2;
    Some(if v.len() % 2 == 1 { v[k] } else { 0.5 * (v[k - 1] + v[k]) })
}

impl Row {
    /// The measurements, if the case ran.
    pub fn measurements(&self) -> &[Measurement] {
        match &self.outcome {
            Outcome::Measured(v) => v,
            _ => &[],
        }
    }
    /// The first measurement (n, m, status and iterations are the same for every repeat).
    pub fn first(&self) -> Option<&Measurement> {
        self.measurements().first()
    }
    /// Median total solver time over the repeats.
    pub fn median_time(&self) -> Option<f64> {
        median(&self.measurements().iter().map(|m| m.time_total).collect::<Vec<_>>())
    }
    /// Median share of the solver time spent in linear algebra.
    pub fn la_share(&self) -> Option<f64> {
        median(&self.measurements().iter().filter(|m| m.time_total > 0.0).map(|m| m.time_linear_algebra / m.time_total).collect::<Vec<_>>())
    }
    /// Largest peak RSS over the repeats, in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        self.measurements().iter().filter_map(|m| m.peak_rss_kib).max()
    }
    /// Whether the case ran and the solver reported success in every repeat.
    pub fn success(&self) -> bool {
        !self.measurements().is_empty() && self.measurements().iter().all(|m| m.success)
    }
    /// The status column: the solver status (every distinct status, in order of first
    /// appearance, when repeats disagree, e.g. one solve finishing just under the time limit and
    /// the next just over), or why there is none.
    pub fn status(&self) -> String {
        match &self.outcome {
            Outcome::Measured(v) if v.is_empty() => "no runs".into(),
            Outcome::Measured(v) => {
                let mut distinct: Vec<&str> = Vec::new();
                for m in v {
                    if !distinct.contains(&m.status.as_str()) {
                        distinct.push(&m.status);
                    }
                }
                distinct.join(" / ")
            }
            Outcome::Skipped(why) => format!("skipped: {why}"),
            Outcome::Crashed(why) => format!("failed: {why}"),
        }
    }
}

/// The command-line arguments of the hidden `--single` mode that runs `case` in a child.
pub fn single_args(case: &Case, extra: &[(String, String)]) -> Vec<String> {
    let mut a = vec!["--single".to_string()];
    match &case.source {
        Source::Registry { name, size } => {
            a.extend(["--problems".into(), name.clone()]);
            if let Some(s) = size {
                a.extend(["--size-param".into(), s.to_string()]);
            }
        }
        Source::Nl(p) => a.extend(["--nl".into(), p.display().to_string()]),
    }
    a.extend(["--routes".into(), case.route.name().into(), "--hessian".into(), case.hessian.name().into()]);
    for (k, v) in extra {
        a.extend(["--option".into(), format!("{k}={v}")]);
    }
    a
}

/// Run one child `exe args…`, killing it after `timeout`; returns the measurement it printed.
pub fn run_child(exe: &Path, args: &[String], timeout: Duration) -> Result<Measurement, BenchError> {
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| BenchError::Spawn(e.to_string()))?;
    // Drain both pipes on threads so a chatty child can never block on a full pipe.
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let status = wait_with_timeout(&mut child, timeout)?;
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    let Some(status) = status else {
        return Err(BenchError::Timeout(timeout.as_secs_f64()));
    };
    let line = stdout.lines().rev().find(|l| l.trim_start().starts_with('{'));
    match line {
        Some(l) => {
            let v: serde_json::Value = serde_json::from_str(l).map_err(|e| BenchError::ChildOutput(e.to_string()))?;
            if let Some(msg) = v.get("error").and_then(|e| e.as_str()) {
                return Err(BenchError::ChildOutput(msg.to_string()));
            }
            Measurement::from_json(&v)
        }
        None => {
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
            Err(BenchError::ChildOutput(format!("child exited with {status} and no result{}", if last.is_empty() { String::new() } else { format!(" ({last})") })))
        }
    }
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut p) = pipe {
            let mut buf = Vec::new();
            let _ = p.read_to_end(&mut buf);
            s = String::from_utf8_lossy(&buf).into_owned();
        }
        s
    })
}

/// Wait for `child`; `Ok(None)` if it had to be killed after `timeout`.
fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Result<Option<std::process::ExitStatus>, BenchError> {
    let start = Instant::now();
    loop {
        if let Some(st) = child.try_wait().map_err(|e| BenchError::Spawn(e.to_string()))? {
            return Ok(Some(st));
        }
        if start.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// A bar of cases done out of `total` on stderr, with the current case as its message.
///
/// indicatif draws nothing when stderr is not a terminal, so logs and CI output get only the
/// per-run lines that [`run_all`] prints through [`ProgressBar::suspend`].
fn progress_bar(total: usize) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{bar:30} {pos}/{len} cases  {elapsed}  {wide_msg}").unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// Run every case (each repeat in its own child of `exe`), with a progress bar and one line per
/// solve on stderr.
///
/// A case whose child crashes or times out is recorded as [`Outcome::Crashed`] and the run goes
/// on; further repeats of a failed case are not attempted (they would fail the same way).
pub fn run_all(exe: &Path, cases: &[Case], cfg: &RunConfig) -> Vec<Row> {
    let total = cases.len();
    let bar = progress_bar(total);
    let mut rows = Vec::with_capacity(total);
    for (i, case) in cases.iter().enumerate() {
        let label = format!(
            "[{}/{}] {} n≈{} {} {}",
            i + 1,
            total,
            case.source.label(),
            case.requested_n.map_or("-".into(), |n| n.to_string()),
            case.route,
            case.hessian
        );
        if case.route == crate::cases::Route::CondensedDense && case.requested_n.is_some_and(|n| n > cfg.dense_max_n) {
            bar.suspend(|| eprintln!("{label}: skipped (dense n×n above --dense-max-n {})", cfg.dense_max_n));
            rows.push(Row { case: case.clone(), outcome: Outcome::Skipped(format!("n > {}", cfg.dense_max_n)) });
            bar.inc(1);
            continue;
        }
        let args = single_args(case, &cfg.extra_options);
        let mut runs = Vec::new();
        let mut failure = None;
        let repeat = cfg.repeat.max(1);
        for r in 0..repeat {
            let run = format!("{label} run {}/{repeat}", r + 1);
            bar.set_message(run.clone());
            match run_child(exe, &args, cfg.timeout) {
                Ok(m) => {
                    bar.suspend(|| eprintln!("{run}: {} in {} ({} it)", m.status, crate::report::fmt_seconds(m.time_total), m.iterations));
                    let failed = !m.success;
                    runs.push(m);
                    if failed {
                        // A non-success status is deterministic; repeating it only costs time.
                        break;
                    }
                }
                Err(e) => {
                    bar.suspend(|| eprintln!("{run}: {e}"));
                    failure = Some(e.to_string());
                    break;
                }
            }
        }
        let outcome = match failure {
            Some(why) if runs.is_empty() => Outcome::Crashed(why),
            _ => Outcome::Measured(runs),
        };
        rows.push(Row { case: case.clone(), outcome });
        bar.inc(1);
    }
    bar.finish_and_clear();
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::{Hessian, Route};

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn single_args_describe_the_case() {
        let case = Case {
            source: Source::Registry { name: "obstacle".into(), size: Some(100) },
            requested_n: Some(10_000),
            route: Route::CondensedCg,
            hessian: Hessian::Lbfgs,
        };
        let a = single_args(&case, &[("max_iter".into(), "5".into())]);
        assert_eq!(
            a,
            ["--single", "--problems", "obstacle", "--size-param", "100", "--routes", "condensed-cg", "--hessian", "lbfgs", "--option", "max_iter=5"]
        );
    }

    #[test]
    fn crashing_and_silent_children_are_reported_not_fatal() {
        // `false` exits 1 without output, `sleep` outlives the timeout.
        let err = run_child(Path::new("false"), &[], Duration::from_secs(10)).unwrap_err();
        assert!(matches!(err, BenchError::ChildOutput(_)), "{err}");
        let err = run_child(Path::new("sleep"), &["5".into()], Duration::from_millis(100)).unwrap_err();
        assert!(matches!(err, BenchError::Timeout(_)), "{err}");
        let err = run_child(Path::new("/nonexistent/binary"), &[], Duration::from_secs(1)).unwrap_err();
        assert!(matches!(err, BenchError::Spawn(_)));
    }

    #[test]
    fn child_json_line_is_parsed() {
        let json = r#"{"n":2,"m":0,"status":"Optimal","success":true,"iterations":3,"objective":0.5,"constraint_violation":0,"time_total":0.1,"time_function_evaluations":0.01,"time_linear_algebra":0.05,"time_setup":0.0,"peak_rss_kib":1000}"#;
        let m = run_child(Path::new("echo"), &[json.to_string()], Duration::from_secs(10)).unwrap();
        assert_eq!((m.n, m.iterations, m.peak_rss_kib), (2, 3, Some(1000)));
        let err = run_child(Path::new("echo"), &[r#"{"error":"bad model"}"#.to_string()], Duration::from_secs(10)).unwrap_err();
        assert!(err.to_string().contains("bad model"));
    }

    #[test]
    fn row_summaries_use_median_and_max() {
        let m = |t: f64, rss: u64| Measurement {
            n: 10,
            m: 0,
            status: "Optimal".into(),
            success: true,
            iterations: 5,
            objective: 0.0,
            constraint_violation: 0.0,
            time_total: t,
            time_function_evaluations: 0.0,
            time_linear_algebra: t / 2.0,
            time_setup: 0.0,
            peak_rss_kib: Some(rss),
            krylov_iterations: None,
        };
        let case = Case { source: Source::Nl("a.nl".into()), requested_n: None, route: Route::Augmented, hessian: Hessian::Exact };
        let row = Row { case: case.clone(), outcome: Outcome::Measured(vec![m(3.0, 10), m(1.0, 30), m(2.0, 20)]) };
        assert_eq!(row.median_time(), Some(2.0));
        assert_eq!(row.la_share(), Some(0.5));
        assert_eq!(row.peak_rss_kib(), Some(30));
        assert!(row.success());
        let mut late = m(4.0, 10);
        late.success = false;
        late.status = "MaxWallTime".into();
        let mixed = Row { case: case.clone(), outcome: Outcome::Measured(vec![m(3.0, 10), late]) };
        assert!(!mixed.success());
        assert_eq!(mixed.status(), "Optimal / MaxWallTime");
        let crashed = Row { case, outcome: Outcome::Crashed("timeout".into()) };
        assert!(!crashed.success() && crashed.status().starts_with("failed"));
    }
}
