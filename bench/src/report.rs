//! Results as a markdown table and as JSON.

use serde_json::{Value, json};

use crate::BenchError;
use crate::cases::{Case, Source};
use crate::measure::Measurement;
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
///
/// `runs` is the number of solves the median time is taken over (a failed case is not repeated).
pub fn markdown(rows: &[Row]) -> String {
    let mut s = String::new();
    s.push_str("| problem | n | m | route | hessian | status | iterations | runs | total time (median) | time/iteration | linear algebra | peak RSS |\n");
    s.push_str("|---|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|\n");
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
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            c.source.label(),
            n,
            m,
            c.route,
            c.hessian,
            status,
            it,
            r.measurements().len(),
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
                "size_parameter": match &c.source { Source::Registry { size, .. } => json!(size), _ => Value::Null },
                "nl_path": match &c.source { Source::Nl(p) => json!(p.display().to_string()), _ => Value::Null },
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

/// Read the rows back from a document written by [`json`] (for `ipax-bench --merge`).
pub fn rows_from_json(doc: &Value) -> Result<Vec<Row>, BenchError> {
    let bad = |what: &str| BenchError::Parse(format!("results JSON: missing or invalid '{what}'"));
    let cases = doc.get("cases").and_then(Value::as_array).ok_or_else(|| bad("cases"))?;
    cases
        .iter()
        .map(|c| {
            let text = |k: &str| c.get(k).and_then(Value::as_str).ok_or_else(|| bad(k));
            let source = match c.get("nl_path").and_then(Value::as_str) {
                Some(p) => Source::Nl(p.into()),
                None => Source::Registry {
                    name: text("problem")?.to_string(),
                    size: c.get("size_parameter").and_then(Value::as_u64).map(|s| s as usize),
                },
            };
            let case = Case {
                source,
                requested_n: c.get("requested_n").and_then(Value::as_u64).map(|n| n as usize),
                route: text("route")?.parse()?,
                hessian: text("hessian")?.parse()?,
            };
            let reason = c.get("reason").and_then(Value::as_str).unwrap_or("").to_string();
            let outcome = match text("outcome")? {
                "measured" => Outcome::Measured(
                    c.get("runs").and_then(Value::as_array).ok_or_else(|| bad("runs"))?.iter().map(Measurement::from_json).collect::<Result<_, _>>()?,
                ),
                "skipped" => Outcome::Skipped(reason),
                "failed" => Outcome::Crashed(reason),
                _ => return Err(bad("outcome")),
            };
            Ok(Row { case, outcome })
        })
        .collect()
}

/// Merge row lists: a later row for the same case (model, requested size, route, Hessian)
/// replaces an earlier one in place, so re-runs override older results.
pub fn merge_rows(lists: Vec<Vec<Row>>) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    for row in lists.into_iter().flatten() {
        match out.iter_mut().find(|r| r.case == row.case) {
            Some(slot) => *slot = row,
            None => out.push(row),
        }
    }
    out
}

/// Order rows for reading: by problem (in order of first appearance), then route, Hessian and
/// size, so each family's scaling runs sit together.
pub fn sort_rows(rows: &mut [Row]) {
    let mut order: Vec<String> = Vec::new();
    for r in rows.iter() {
        let l = r.case.source.label();
        if !order.contains(&l) {
            order.push(l);
        }
    }
    let pos = |r: &Row| order.iter().position(|l| *l == r.case.source.label()).unwrap_or(usize::MAX);
    rows.sort_by_key(|r| (pos(r), r.case.route, r.case.hessian, r.case.requested_n));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::{Hessian, Route};

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
            krylov_iterations: None,
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
        let md = markdown(&[row(Outcome::Measured(vec![meas()])), row(Outcome::Crashed("timed out after 5 s".into()))]);
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[2].contains("| 1024 | 0 | augmented | exact | Optimal | 10 | 1 | 500.000 ms | 50.000 ms | 50% | 2.1 MB |"), "{}", lines[2]);
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

    #[test]
    fn rows_survive_a_json_round_trip_and_merge_overrides() {
        let rows = vec![row(Outcome::Measured(vec![meas()])), row(Outcome::Crashed("timed out".into()))];
        let back = rows_from_json(&json(&rows, Value::Null)).unwrap();
        assert_eq!(back, rows);
        let mut nl = row(Outcome::Skipped("n > 5".into()));
        nl.case.source = Source::Nl("models/a.nl".into());
        assert_eq!(rows_from_json(&json(std::slice::from_ref(&nl), Value::Null)).unwrap(), vec![nl.clone()]);
        // The crashed row is replaced by the later measured one for the same case.
        let merged = merge_rows(vec![vec![rows[1].clone(), nl.clone()], vec![rows[0].clone()]]);
        assert_eq!(merged, vec![rows[0].clone(), nl.clone()]);
        assert!(rows_from_json(&json!({"cases": [{"problem": "x"}]})).is_err());
        // Sorting groups by problem (first appearance), then route and size.
        let mut big = rows[0].clone();
        big.case.requested_n = Some(100_000);
        let mut cg = rows[0].clone();
        cg.case.route = Route::CondensedCg;
        let mut v = vec![cg.clone(), nl.clone(), big.clone(), rows[0].clone()];
        sort_rows(&mut v);
        assert_eq!(v, vec![rows[0].clone(), big, cg, nl]);
    }
}
