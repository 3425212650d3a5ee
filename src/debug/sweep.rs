//! Multi-start and sweeps: start points from a file or sampled, and the summary that clusters the
//! minima.
//!
//! `multistart N [rel]`: start 0 is the current x; for the others each variable with a finite box
//! `[l, u]` is drawn uniformly inside it, any other is jittered `x ± rel·(|x| + 1)` (uniform), with
//! a fixed-seed generator (SplitMix64), so a run reproduces exactly. Successful objectives are
//! clustered at relative distance 1e-6 (`|a − b| ≤ 1e-6·max(1, |a|, |b|)`) to count distinct minima.

use serde_json::{Value, json};

use super::inspect::jnum;

/// SplitMix64 (Steele, Lea & Flood 2014): a small generator with a fixed seed.
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The seed of every multistart.
pub const SEED: u64 = 0x1_9A_0D_B6;

/// `n` starts (start 0 = `x`); returns the starts and how many variables were box-sampled.
pub fn sample_starts(x: &[f64], lower: &[f64], upper: &[f64], n: usize, rel: f64) -> (Vec<Vec<f64>>, usize) {
    let mut rng = SplitMix64::new(SEED);
    let boxed = (0..x.len()).filter(|&j| lower[j].is_finite() && upper[j].is_finite() && lower[j] < upper[j]).count();
    let mut starts = vec![x.to_vec()];
    for _ in 1..n {
        let s: Vec<f64> = (0..x.len())
            .map(|j| {
                let (l, u) = (lower[j], upper[j]);
                if l == u {
                    l
                } else if l.is_finite() && u.is_finite() {
                    l + (u - l) * rng.uniform()
                } else {
                    // Jitter around the current point, kept inside a one-sided bound.
                    let v = x[j] + rel * (x[j].abs() + 1.0) * (2.0 * rng.uniform() - 1.0);
                    v.clamp(l, u)
                }
            })
            .collect();
        starts.push(s);
    }
    (starts, boxed)
}

/// Parse a start-point file: one start per line, comma/whitespace separated, `#` and `//`
/// comments and blank lines skipped. Every start must have length `n`.
pub fn parse_starts(text: &str, n: usize) -> Result<Vec<Vec<f64>>, String> {
    let mut starts = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        let line = line.split("//").next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let vals: Result<Vec<f64>, _> = line.split(|c: char| c == ',' || c.is_whitespace()).filter(|t| !t.is_empty()).map(str::parse::<f64>).collect();
        let vals = vals.map_err(|e| format!("line {}: {e}", k + 1))?;
        if vals.len() != n {
            return Err(format!("line {}: {} values, but x has {n}", k + 1, vals.len()));
        }
        starts.push(vals);
    }
    if starts.is_empty() {
        return Err("no start points in the file".into());
    }
    Ok(starts)
}

/// Parse a plain numeric file (comma/whitespace/newline separated).
pub fn parse_numbers(text: &str) -> Result<Vec<f64>, String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.split(|c: char| c == ',' || c.is_whitespace()).filter(|t| !t.is_empty()).map(String::from).collect::<Vec<_>>())
        .map(|t| t.parse::<f64>().map_err(|_| format!("'{t}' is not a number")))
        .collect()
}

/// One solve of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepOutcome {
    pub status: String,
    pub success: bool,
    pub iters: usize,
    pub objective: f64,
    pub inf_pr: f64,
}

/// A sweep or multistart in progress.
#[derive(Debug, Clone)]
pub struct SweepState {
    pub starts: Vec<Vec<f64>>,
    /// Index of the solve running now.
    pub current: usize,
    pub outcomes: Vec<SweepOutcome>,
}

/// The number of distinct objective values among successful solves (relative 1e-6).
pub fn distinct_minima(outcomes: &[SweepOutcome]) -> usize {
    let mut f: Vec<f64> = outcomes.iter().filter(|o| o.success && o.objective.is_finite()).map(|o| o.objective).collect();
    f.sort_by(f64::total_cmp);
    let mut count = 0;
    let mut last: Option<f64> = None;
    for v in f {
        if last.is_none_or(|l| (v - l).abs() > 1e-6 * 1f64.max(v.abs()).max(l.abs())) {
            count += 1;
        }
        last = Some(v);
    }
    count
}

/// The `sweep_result` payload.
pub fn result_json(index: usize, solves: usize, start: &[f64], o: &SweepOutcome) -> Value {
    json!({
        "index": index,
        "solves": solves,
        "status": o.status,
        "iters": o.iters,
        "objective": jnum(o.objective),
        "inf_pr": jnum(o.inf_pr),
        "seed": start.iter().map(|v| jnum(*v)).collect::<Vec<_>>(),
    })
}

/// The `sweep_summary` payload, with the table lines the REPL prints.
pub fn summary_json(outcomes: &[SweepOutcome]) -> Value {
    let succeeded = outcomes.iter().filter(|o| o.success).count();
    let distinct = distinct_minima(outcomes);
    let best = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| o.success && o.objective.is_finite())
        .min_by(|a, b| a.1.objective.total_cmp(&b.1.objective));
    let mut table = vec![
        String::new(),
        format!("── sweep complete ── {} solves, {succeeded} succeeded, {distinct} distinct minima", outcomes.len()),
        format!("     #  {:<22} {:>5} {:>15} {:>10}", "status", "iters", "objective", "inf_pr"),
    ];
    for (k, o) in outcomes.iter().enumerate() {
        table.push(format!("  {k:>4}  {:<22} {:>5} {:>15.6e} {:>10.2e}", o.status, o.iters, o.objective, o.inf_pr));
    }
    if let Some((k, o)) = best {
        table.push(format!("   best: solve #{k}  obj={:.8e}", o.objective));
    }
    json!({
        "solves": outcomes.len(),
        "succeeded": succeeded,
        "distinct_minima": distinct,
        "best_index": best.map(|b| b.0),
        "best_objective": best.map(|b| jnum(b.1.objective)),
        "results": outcomes.iter().map(|o| json!({"status": o.status, "iters": o.iters, "objective": jnum(o.objective), "inf_pr": jnum(o.inf_pr)})).collect::<Vec<_>>(),
        "table": table,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_are_reproducible_and_inside_boxes() {
        let x = [0.5, 3.0, 0.0];
        let (l, u) = ([0.0, f64::NEG_INFINITY, -1.0], [1.0, f64::INFINITY, f64::INFINITY]);
        let (a, boxed) = sample_starts(&x, &l, &u, 8, 0.1);
        let (b, _) = sample_starts(&x, &l, &u, 8, 0.1);
        assert_eq!(a, b, "fixed seed");
        assert_eq!(boxed, 1);
        assert_eq!(a[0], x.to_vec(), "start 0 is the current x");
        for s in &a[1..] {
            assert!((0.0..=1.0).contains(&s[0]));
            assert!((s[1] - 3.0).abs() <= 0.1 * 4.0);
            assert!(s[2] >= -1.0 && (s[2] - 0.0).abs() <= 0.1);
        }
        assert!(a[1] != a[2]);
    }

    #[test]
    fn files_and_clusters() {
        assert_eq!(parse_starts("# c\n1,2\n\n3 4 // x\n", 2).unwrap(), vec![vec![1.0, 2.0], vec![3.0, 4.0]]);
        assert!(parse_starts("1,2,3\n", 2).unwrap_err().contains("line 1"));
        assert!(parse_starts("# only\n", 2).is_err());
        assert_eq!(parse_numbers("1, 2\n3").unwrap(), vec![1.0, 2.0, 3.0]);
        assert!(parse_numbers("1, x").is_err());
        let o = |f: f64, ok: bool| SweepOutcome { status: "Optimal".into(), success: ok, iters: 3, objective: f, inf_pr: 0.0 };
        assert_eq!(distinct_minima(&[o(1.0, true), o(1.0 + 1e-9, true), o(2.0, true), o(0.0, false)]), 2);
        let s = summary_json(&[o(3.0, true), o(1.0, true)]);
        assert_eq!(s["best_index"], json!(1));
        assert_eq!(s["succeeded"], json!(2));
    }
}
