//! End-to-end: the `ipax-bench` binary runs cases in child processes, writes the table, JSON and
//! plots, keeps going past failures, and merges result files.

use std::path::PathBuf;
use std::process::Command;

fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_ipax-bench")
}

fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ipax-bench-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn run_writes_outputs_and_reports_failures_in_rows() {
    let out = out_dir("run");
    let o = Command::new(exe())
        .args(["--problems", "hs071,ext_rosenbrock", "--sizes", "20,40", "--routes", "augmented,condensed-cg"])
        .args(["--repeat", "2", "--nl", "/nonexistent/model.nl", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(out.join("results.md")).unwrap();
    // hs071: 2 routes; ext_rosenbrock: 2 sizes × 2 routes; the missing model: 2 routes.
    assert_eq!(md.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| problem")).count(), 8, "{md}");
    assert!(md.contains("| ext_rosenbrock | 40 | 0 | condensed-cg | exact | Optimal | 21 | 2 |"), "{md}");
    assert!(md.contains("**failed: cannot read model"), "{md}");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    assert!(cases[0]["runs"][0]["peak_rss_kib"].as_u64().unwrap() > 0, "child reports its VmHWM");
    let svg = std::fs::read_to_string(out.join("ext_rosenbrock.svg")).unwrap();
    for route in ["augmented", "condensed-cg"] {
        assert!(svg.contains(&format!("{route} / exact (slope ")), "{route}: legend with slope");
    }
    assert!(!svg.contains("Ipopt"), "no Ipopt results next to the crate: no Ipopt series");
    assert!(!out.join("hs071.svg").exists(), "fixed-size problems get no plot");

    // --plot-only redraws the plots with Ipopt's series from --ipopt-json; a malformed file is an
    // error naming it.
    let replot = out_dir("replot");
    let ipopt = out.join("ipopt.json");
    let rounds = |t: f64| serde_json::json!([{ "status": "Solve_Succeeded", "solve_s": t }]);
    let doc = serde_json::json!({ "results": {
        "a": { "family": "ext_rosenbrock", "n": 20, "ipopt": rounds(0.01) },
        "b": { "family": "ext_rosenbrock", "n": 40, "ipopt": rounds(0.04) } } });
    std::fs::write(&ipopt, doc.to_string()).unwrap();
    let plot_only = |ipopt: &std::path::Path| {
        Command::new(exe()).arg("--plot-only").arg(out.join("results.json")).arg("--ipopt-json").arg(ipopt).arg("--out").arg(&replot).output().unwrap()
    };
    let o = plot_only(&ipopt);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let svg = std::fs::read_to_string(replot.join("ext_rosenbrock.svg")).unwrap();
    assert!(svg.contains("Ipopt (MUMPS) via CasADi, .nl (slope 2.00)"));
    assert!(!replot.join("results.md").exists(), "--plot-only writes only plots");
    std::fs::write(&ipopt, "{\"results\": [").unwrap();
    let o = plot_only(&ipopt);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("malformed Ipopt results") && String::from_utf8_lossy(&o.stderr).contains("ipopt.json"));
    let _ = std::fs::remove_dir_all(&replot);

    // Merging the run with itself reproduces the same rows.
    let merged = out_dir("merge");
    let o = Command::new(exe()).arg("--merge").arg(out.join("results.json")).arg(out.join("results.json")).arg("--out").arg(&merged).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc2: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(merged.join("results.json")).unwrap()).unwrap();
    assert_eq!(doc2["cases"].as_array().unwrap().len(), 8);
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&merged);
}

#[test]
fn bad_arguments_fail_cleanly() {
    for args in [&["--problems", "no_such_problem"][..], &["--routes", "sideways"], &["--sizes", "zero"], &["--option", "novalue"]] {
        let o = Command::new(exe()).args(args).arg("--out").arg(out_dir("bad")).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&o.stderr).starts_with("error: "), "{args:?}");
    }
}

#[test]
fn single_mode_prints_one_json_line() {
    let o = Command::new(exe()).args(["--single", "--problems", "hs071", "--routes", "augmented", "--hessian", "lbfgs"]).output().unwrap();
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_str(String::from_utf8_lossy(&o.stdout).trim()).unwrap();
    assert_eq!(v["status"], "Optimal");
    assert_eq!(v["n"], 4);
    let o = Command::new(exe()).args(["--single", "--problems", "hs071", "--routes", "augmented", "--hessian", "exact", "--option", "tol=-1"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_str(String::from_utf8_lossy(&o.stdout).trim()).unwrap();
    assert!(v["error"].as_str().unwrap().contains("tol"));
}
