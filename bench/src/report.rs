//! Results as a markdown table and as JSON.

use serde_json::{Value, json};

use crate::runner::{Outcome, Row};

/// Seconds with three significant digits and a unit that keeps the number readable.
pub fn fmt_seconds(s: f64) -> String {
    if !s.is_finite() {
        "-".into()
    } else if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.3} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

/// KiB as MB (10⁶ bytes).
pub fn fmt_memory(kib: Option<u64>) -> String {
    kib.map_or_else(|| "-".into(), |k| format!("{:.1} MB", k as f64 * 1024.0 / 1e6))
}

/// The markdown table: one row per case.
pub fn markdown(rows: &[Row], repeat: usize) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "| problem | n | m | route | hessian | status | iterations | total time (median of {repeat}) | time/iteration | linear algebra | peak RSS |\n"
    ));
    s.push_str("|---|---:|---:|---|---|---|---:|---:|---:|---:|---:|\n");
    for r in rows {
        let c = &r.case;
        let (n, m, it) = match r.first() {
            Some(f) => (f.n.to_string(), f.m.to_string(), f.iterations.to_string()),
            None => (c.requested_n.map_or("-".into(), |n| format!("≈{n}")), "-".into(), "-".into()),
        };
        let t = r.median_time();
        let per_it = match (t, r.first()) {
            (Some(t), Some(f)) if f.iterations > 0 => fmt_seconds(t / f.iterations as f64),
            _ => "-".into(),
        };
        let status = if r.success() { r.status() } else { format!("**{}**", r.status()) };
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            c.source.label(),
            n,
            m,
            c.route,
            c.hessian,
            status,
            it,
            t.map_or("-".into(), fmt_seconds),
            per_it,
            r.la_share().map_or("-".into(), |x| format!("{:.0}%", 100.0 * x)),
            fmt_memory(r.peak_rss_kib()),
        ));
    }
    s
}

/// The JSON document: run metadata and one object per case with every repeat's measurement.
pub fn json(rows: &[Row], meta: Value) -> Value {
    let cases: Vec<Value> = rows
        .iter()
        .map(|r| {
            let c = &r.case;
            let (kind, reason) = match &r.outcome {
                Outcome::Measured(_) => ("measured", Value::Null),
                Outcome::Skipped(w) => ("skipped", json!(w)),
                Outcome::Crashed(w) => ("failed", json!(w)),
            };
            json!({
                "problem": c.source.label(),
                "family": c.source.family(),
                "requested_n": c.requested_n,
                "size_parameter": match &c.source { crate::cases::Source::Registry { size, .. } => json!(size), _ => Value::Null },
                "route": c.route.name(),
                "hessian": c.hessian.name(),
                "outcome": kind,
                "reason": reason,
                "status": r.status(),
                "success": r.success(),
                "median_time": r.median_time(),
                "linear_algebra_share": r.la_share(),
                "peak_rss_kib": r.peak_rss_kib(),
                "runs": r.measurements().iter().map(|m| m.to_json()).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "meta": meta, "cases": cases })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::{Case, Hessian, Route, Source};
    use crate::measure::Measurement;

    fn row(outcome: Outcome) -> Row {
        Row {
            case: Case {
                source: Source::Registry { name: "obstacle".into(), size: Some(32) },
                requested_n: Some(1000),
                route: Route::Augmented,
                hessian: Hessian::Exact,
            },
            outcome,
        }
    }

    fn meas() -> Measurement {
        Measurement {
            n: 1024,
            m: 0,
            status: "Optimal".into(),
            success: true,
            iterations: 10,
            objective: -1.0,
            constraint_violation: 0.0,
            time_total: 0.5,
            time_function_evaluations: 0.1,
            time_linear_algebra: 0.25,
            time_setup: 0.0,
            peak_rss_kib: Some(2048),
        }
    }

    #[test]
    fn units_are_chosen_by_magnitude() {
        assert_eq!(fmt_seconds(2.5), "2.500 s");
        assert_eq!(fmt_seconds(0.0125), "12.500 ms");
        assert_eq!(fmt_seconds(2e-6), "2.0 µs");
        assert_eq!(fmt_memory(Some(1000)), "1.0 MB");
        assert_eq!(fmt_memory(None), "-");
    }

    #[test]
    fn markdown_has_one_line_per_row_and_marks_failures() {
        let md = markdown(&[row(Outcome::Measured(vec![meas()])), row(Outcome::Crashed("timed out after 5 s".into()))], 1);
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[2].contains("| 1024 | 0 | augmented | exact | Optimal | 10 | 500.000 ms | 50.000 ms | 50% | 2.1 MB |"), "{}", lines[2]);
        assert!(lines[3].contains("**failed: timed out after 5 s**") && lines[3].contains("≈1000"), "{}", lines[3]);
    }

    #[test]
    fn json_keeps_every_run_and_the_failure_reason() {
        let v = json(&[row(Outcome::Measured(vec![meas(), meas()])), row(Outcome::Skipped("n > 5000".into()))], json!({"repeat": 2}));
        let cases = v["cases"].as_array().unwrap();
        assert_eq!(cases[0]["runs"].as_array().unwrap().len(), 2);
        assert_eq!(cases[0]["family"], "obstacle");
        assert_eq!(cases[1]["outcome"], "skipped");
        assert_eq!(cases[1]["reason"], "n > 5000");
        assert_eq!(v["meta"]["repeat"], 2);
    }
}
