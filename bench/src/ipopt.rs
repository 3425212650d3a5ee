//! Ipopt's times for the plots, read from the JSON of the `.nl` side-by-side run
//! (`bench/nl_side_by_side/run.py`, committed as `bench/results/nl_side_by_side.json`).
//!
//! That file holds, under `"results"`, one entry per family and size:
//! `{"family": "obstacle", "size": …, "n": 99856, "m": …, "ipax": [rounds…], "ipopt": [rounds…]}`,
//! each Ipopt round `{"status": "Solve_Succeeded", "solve_s": …, …}`. `solve_s` is the wall time of
//! the Ipopt solve call alone (the `.nl` import is timed apart), the counterpart of the harness's
//! solver time. The runs are not the harness's: other days, other machine load.

use std::path::Path;

use serde_json::Value;

use crate::BenchError;
use crate::plot::{Series, Solver};
use crate::runner::median;

/// Legend label of the Ipopt series.
pub const LABEL: &str = "Ipopt (MUMPS) via CasADi, .nl";

/// Ipopt's return status of a successful solve (run.py's `SUCCESS` also lists ipax's `Optimal`).
const SUCCESS: &str = "Solve_Succeeded";

/// Ipopt's result at one size of one family.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    family: String,
    n: f64,
    /// Median solve time when every round succeeded, `None` when one failed.
    seconds: Option<f64>,
}

/// Ipopt's measurements, by family and size.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IpoptTimes {
    entries: Vec<Entry>,
}

impl IpoptTimes {
    /// Read `path`. A missing file gives no times (the plots then have no Ipopt series); an
    /// unreadable or malformed one is an [`BenchError::IpoptJson`] naming the file.
    pub fn load(path: &Path) -> Result<Self, BenchError> {
        let err = |reason: String| BenchError::IpoptJson { path: path.display().to_string(), reason };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(err(format!("cannot read: {e}"))),
        };
        let doc: Value = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
        Self::from_json(&doc).map_err(err)
    }

    /// The times in a parsed document; `Err` says what is malformed.
    ///
    /// Entries without an `"ipopt"` list (sizes where only ipax ran) are left out.
    pub fn from_json(doc: &Value) -> Result<Self, String> {
        let results = doc.get("results").and_then(Value::as_object).ok_or("no \"results\" object")?;
        let mut entries = Vec::new();
        for (key, entry) in results {
            let at = |what: &str| format!("results.{key}: {what}");
            let Some(rounds) = entry.get("ipopt") else { continue };
            let rounds = rounds.as_array().ok_or_else(|| at("\"ipopt\" is not a list"))?;
            let family = entry.get("family").and_then(Value::as_str).ok_or_else(|| at("no \"family\" string"))?;
            let n = entry.get("n").and_then(Value::as_f64).filter(|&n| n > 0.0).ok_or_else(|| at("no positive \"n\""))?;
            let mut times = Vec::new();
            let mut ok = !rounds.is_empty();
            for (i, r) in rounds.iter().enumerate() {
                let status = r.get("status").and_then(Value::as_str).ok_or_else(|| at(&format!("ipopt[{i}] has no \"status\" string")))?;
                if status != SUCCESS {
                    ok = false;
                    continue;
                }
                let t = r
                    .get("solve_s")
                    .and_then(Value::as_f64)
                    .filter(|t| t.is_finite() && *t > 0.0)
                    .ok_or_else(|| at(&format!("ipopt[{i}] succeeded without a positive \"solve_s\"")))?;
                times.push(t);
            }
            let seconds = if ok { median(&times) } else { None };
            entries.push(Entry { family: family.to_string(), n, seconds });
        }
        Ok(Self { entries })
    }

    /// Ipopt's series for `family`: median times of the sizes where every round succeeded, the
    /// other sizes as failures; `None` when the file has no Ipopt run of the family.
    pub fn series(&self, family: &str) -> Option<Series> {
        let mut points = Vec::new();
        let mut failed = Vec::new();
        for e in self.entries.iter().filter(|e| e.family == family) {
            match e.seconds {
                Some(t) => points.push((e.n, t)),
                None => failed.push(e.n),
            }
        }
        if points.is_empty() && failed.is_empty() {
            return None;
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        failed.sort_by(f64::total_cmp);
        Some(Series { label: LABEL.to_string(), solver: Solver::Ipopt, points, failed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round(status: &str, t: f64) -> Value {
        json!({ "status": status, "iterations": 20, "solve_s": t, "import_s": 1.0 })
    }

    fn doc() -> Value {
        json!({
            "meta": { "rounds": 3 },
            "results": {
                "obstacle_100000": { "family": "obstacle", "size": 100000, "n": 99856, "m": 0,
                    "ipax": [], "ipopt": [round("Solve_Succeeded", 9.0), round("Solve_Succeeded", 7.0), round("Solve_Succeeded", 18.0)] },
                "obstacle_10000": { "family": "obstacle", "size": 10000, "n": 10000, "m": 0,
                    "ipopt": [round("Solve_Succeeded", 0.5), round("Solve_Succeeded", 0.6), round("Solve_Succeeded", 0.3)] },
                "obstacle_1000000": { "family": "obstacle", "size": 1000000, "n": 1000000, "m": 0,
                    "ipopt": [{ "status": "killed", "process_s": 600.0 }] },
                "bratu_10000": { "family": "bratu", "size": 10000, "n": 10000, "m": 9604, "ipax": [] }
            }
        })
    }

    #[test]
    fn records_become_median_points_and_failures() {
        let times = IpoptTimes::from_json(&doc()).unwrap();
        let s = times.series("obstacle").unwrap();
        assert_eq!(s.label, LABEL);
        assert_eq!(s.solver, Solver::Ipopt);
        assert_eq!(s.points, vec![(10_000.0, 0.5), (99_856.0, 9.0)]);
        assert_eq!(s.failed, vec![1e6]);
    }

    #[test]
    fn a_family_without_ipopt_runs_has_no_series() {
        let times = IpoptTimes::from_json(&doc()).unwrap();
        assert_eq!(times.series("bratu"), None, "entry without an ipopt list");
        assert_eq!(times.series("vanderpol"), None, "family not in the file");
    }

    #[test]
    fn malformed_documents_are_errors() {
        assert!(IpoptTimes::from_json(&json!([1, 2])).unwrap_err().contains("results"));
        let bad_family = json!({ "results": { "x": { "n": 10, "ipopt": [] } } });
        assert!(IpoptTimes::from_json(&bad_family).unwrap_err().contains("results.x: no \"family\""));
        let no_time = json!({ "results": { "x": { "family": "f", "n": 10, "ipopt": [{ "status": "Solve_Succeeded" }] } } });
        assert!(IpoptTimes::from_json(&no_time).unwrap_err().contains("ipopt[0]"));
        let not_list = json!({ "results": { "x": { "family": "f", "n": 10, "ipopt": {} } } });
        assert!(IpoptTimes::from_json(&not_list).is_err());
    }

    #[test]
    fn load_missing_file_is_empty_and_malformed_file_names_the_path() {
        let dir = std::env::temp_dir().join(format!("ipax-bench-ipopt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = IpoptTimes::load(&dir.join("absent.json")).unwrap();
        assert_eq!(missing.series("obstacle"), None);
        let bad = dir.join("bad.json");
        std::fs::write(&bad, "{ not json").unwrap();
        let err = IpoptTimes::load(&bad).unwrap_err();
        assert!(matches!(&err, BenchError::IpoptJson { path, .. } if path.ends_with("bad.json")), "{err}");
        let good = dir.join("good.json");
        std::fs::write(&good, doc().to_string()).unwrap();
        assert_eq!(IpoptTimes::load(&good).unwrap().series("obstacle").unwrap().points.len(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_committed_side_by_side_file_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("results/nl_side_by_side.json");
        let times = IpoptTimes::load(&path).unwrap();
        let s = times.series("obstacle").expect("obstacle was run at 1e4 and 1e5");
        assert!(s.points.len() >= 2 && s.points.iter().all(|&(n, t)| n > 0.0 && t > 0.0));
    }
}
