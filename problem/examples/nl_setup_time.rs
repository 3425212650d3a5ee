//! Set-up time of `.nl` models: `NlProblem::from_file` on each file given, repeated, with the
//! median CPU time per file (the calling thread's, from `/proc/thread-self/schedstat`; some
//! kernels update it only at scheduler ticks, so the median wall time is shown beside it).
//!
//! ```text
//! cargo run --release -p ipax-problem --example nl_setup_time -- [-r RUNS] MODEL.nl...
//! ```

use ipax_problem::nl::NlProblem;
use std::time::Instant;

/// CPU time of the calling thread in seconds, or `None` off Linux.
fn thread_cpu() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 * 1e-9)
}

/// CPU seconds (wall seconds off Linux) and wall seconds of one `from_file`.
fn time_once(path: &str) -> (f64, f64) {
    let (c0, w0) = (thread_cpu(), Instant::now());
    let p = NlProblem::from_file(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let wall = w0.elapsed().as_secs_f64();
    let cpu = match (c0, thread_cpu()) {
        (Some(a), Some(b)) => b - a,
        _ => wall,
    };
    drop(p);
    (cpu, wall)
}

/// The median of `t` in milliseconds.
fn median_ms(mut t: Vec<f64>) -> f64 {
    t.sort_by(f64::total_cmp);
    1e3 * t[t.len() / 2]
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut runs = 7;
    if let Some(i) = args.iter().position(|a| a == "-r") {
        runs = args.get(i + 1).and_then(|r| r.parse().ok()).expect("-r RUNS");
        args.drain(i..i + 2);
    }
    for path in &args {
        let (cpu, wall): (Vec<f64>, Vec<f64>) = (0..runs).map(|_| time_once(path)).unzip();
        let name = std::path::Path::new(path).file_stem().map_or(path.clone(), |s| s.to_string_lossy().into_owned());
        println!("{name:28} median CPU {:6.1} ms  wall {:6.1} ms  ({runs} runs)", median_ms(cpu), median_ms(wall));
    }
}
