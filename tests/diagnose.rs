//! Named diagnostics (`ipax model.nl --diagnose`): dependent equations named by their .row names,
//! structurally and numerically; a healthy model reports `healthy`; a failed solve reports why.

use std::path::PathBuf;
use std::process::Command;

use ipax::problem::diagnostics::{Report, Severity};
use ipax::problem::nl::NlProblem;
use ipax::problem::{ConstraintsFn, FunctionProblem, ObjectiveFn, Scalar};
use ipax::{Options, Problem};

fn model(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/presolve").join(format!("{name}.nl"))
}

fn diagnose(p: &dyn Problem, extra: &[(&str, &str)]) -> (ipax::SolveResult, Report) {
    let mut o = Options { print_level: 0, ..Options::default() };
    for (k, v) in extra {
        o.set(k, v).unwrap();
    }
    let (r, report) = ipax::solve_and_diagnose(p, &o);
    let report = report.unwrap();
    // Ranked: error → warning → info.
    assert!(report.findings.windows(2).all(|w| w[0].severity <= w[1].severity), "{report}");
    (r, report)
}

fn codes(r: &Report) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.code).collect()
}

#[test]
fn redundant_equality_pair_is_named() {
    let p = NlProblem::from_file(model("redundant_pair")).unwrap();
    let (_, report) = diagnose(&p, &[]);
    let rank = report.rank.as_ref().unwrap();
    assert_eq!((rank.rank, rank.deficiency), (2, 1), "{report}");
    let mut names = rank.culprit_names.clone();
    names.sort();
    assert_eq!(names, ["balance", "balance_copy"], "{report}");
    // balance_copy = 2·balance: the null vector is (2, −1)/√5, participations 0.8 and 0.2.
    assert!((rank.culprits[0].1 - 0.8).abs() < 1e-8 && (rank.culprits[1].1 - 0.2).abs() < 1e-8, "{:?}", rank.culprits);
    let f = report.findings.iter().find(|f| f.code == "rank_deficient_jacobian").expect("rank finding");
    assert!(f.message.contains("c[balance]") && f.message.contains("c[balance_copy]") && !f.message.contains("other"), "{}", f.message);
    // Same pattern on both rows but one more variable than rows: not a structural defect.
    assert!(!codes(&report).contains(&"structural_singularity"), "{report}");
}

#[test]
fn value_only_dependency_is_named() {
    let p = NlProblem::from_file(model("value_dependency")).unwrap();
    let (_, report) = diagnose(&p, &[]);
    assert!(!codes(&report).contains(&"structural_singularity"), "a full pattern is structurally fine: {report}");
    let rank = report.rank.as_ref().unwrap();
    assert_eq!((rank.rank, rank.deficiency), (2, 1));
    let mut names = rank.culprit_names.clone();
    names.sort();
    assert_eq!(names, ["row0", "row1", "row2"]);
    // Null vector (1, 1, −1)/√3.
    assert!(rank.culprits.iter().all(|&(_, w)| (w - 1.0 / 3.0).abs() < 1e-8), "{:?}", rank.culprits);
    let f = report.findings.iter().find(|f| f.code == "rank_deficient_jacobian").unwrap();
    for name in ["c[row0]", "c[row1]", "c[row2]"] {
        assert!(f.message.contains(name), "{}", f.message);
    }
}

#[test]
fn structurally_overdetermined_equations_are_named() {
    let p = NlProblem::from_file(model("structural_pair")).unwrap();
    let (_, report) = diagnose(&p, &[]);
    let f = report.findings.iter().find(|f| f.code == "structural_singularity").expect("structural finding");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("mass_balance, mass_balance_dup") && f.message.contains("(flow)"), "{}", f.message);
    assert!(!f.message.contains("split"), "{}", f.message);
    assert!(codes(&report).contains(&"rank_deficient_jacobian"));
}

#[test]
fn healthy_model_reports_healthy() {
    let p = NlProblem::from_file(model("chain50")).unwrap();
    let (r, report) = diagnose(&p, &[]);
    assert!(r.status.is_success());
    assert_eq!(codes(&report), ["healthy"], "{report}");
    assert_eq!(report.rank.as_ref().unwrap().deficiency, 0);
    // Under presolve the report is about the full-space point: all 51 rows, still healthy.
    let (_, report) = diagnose(&p, &[("presolve", "yes"), ("presolve_auxiliary", "yes"), ("presolve_auxiliary_coupling", "aggressive")]);
    assert_eq!(codes(&report), ["healthy"], "{report}");
    assert_eq!(report.rank.as_ref().unwrap().rows.len(), 51);
}

/// x0 + x1 = 1 and x0 + x1 = 2: inconsistent, the solve cannot succeed.
struct Obj;
impl ObjectiveFn for Obj {
    fn eval<T: Scalar>(&self, x: &[T]) -> T {
        x[0] * x[0] + x[1] * x[1]
    }
}
struct Cons;
impl ConstraintsFn for Cons {
    fn eval<T: Scalar>(&self, x: &[T], c: &mut [T]) {
        c[0] = x[0] + x[1];
        c[1] = x[0] + x[1];
    }
}

#[test]
fn failed_solve_reports_primal_infeasibility_first() {
    let p = FunctionProblem::builder()
        .objective_generic(Obj)
        .constraints_generic(Cons)
        .initial_point(vec![0.0, 0.0])
        .constraint_bounds(vec![1.0, 2.0], vec![1.0, 2.0])
        .build()
        .unwrap();
    let (r, report) = diagnose(&p, &[("max_iter", "50")]);
    assert!(!r.status.is_success());
    let first = &report.findings[0];
    assert_eq!((first.severity, first.code), (Severity::Error, "primal_infeasible"), "{report}");
    assert!(first.message.contains("c[0]") || first.message.contains("c[1]"), "{}", first.message);
    assert!(codes(&report).contains(&"rank_deficient_jacobian"), "{report}");
}

#[test]
fn cli_diagnose_prints_the_ranked_report() {
    let dir = std::env::temp_dir().join(format!("ipax-diagnose-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ipax"))
        .arg(model("structural_pair"))
        .args(["--diagnose", "-o", dir.join("s.sol").to_str().unwrap(), "print_level=0"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    // The count depends on the KKT route (the augmented route also reports the singular KKT
    // system it had to regularize); the structural finding must be there on every route.
    assert!(text.contains("diagnose: ") && text.contains(" finding(s)"), "{text}");
    assert!(text.contains("[warning] structural_singularity:"), "{text}");
    assert!(text.contains("numerical rank = 2 / 3  (deficiency 1)"), "{text}");
    assert!(text.lines().any(|l| l.trim_start().starts_with("mass_balance_dup") && l.contains("participation 0.20")), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rows_render_as_algebra_with_tidy_signs_and_natural_bounds() {
    let p = NlProblem::from_file(model("render_rows")).unwrap();
    let row = |name: &str| p.render_row(p.find_row(name).unwrap()).unwrap();
    // See make_models.py::render_rows for the Pyomo source of each row.
    assert_eq!(row("ranged"), "2 <= x^2 + exp(y) <= 5");
    assert_eq!(row("mixed"), "x - 2*y + 3*z == 5");
    assert_eq!(row("lower"), "log(z) - x*y >= 0");
    assert_eq!(row("upper"), "-x/(y + 1) <= 4");
    assert_eq!(row("nested"), "(x + y)^0.5*z - sin(-z) <= 10");
    // By name or by original .nl row index, labelled as print equation labels it.
    let i = p.find_row("mixed").unwrap();
    assert_eq!(p.print_equation("mixed").unwrap(), "mixed:  x - 2*y + 3*z == 5");
    assert_eq!(p.print_equation(&i.to_string()), p.print_equation("mixed"));
    // Through the Problem trait (what the debugger's `print equation` reads).
    assert_eq!(ipax::Problem::constraint_algebra(&p, i).as_deref(), Some("x - 2*y + 3*z == 5"));
    assert_eq!(ipax::Problem::constraint_algebra(&p, 10_000), None);
    assert_eq!(p.print_equation("no_such_row"), None);
    assert_eq!(p.render_row(p.num_constraints()), None);
    // Zero-coefficient Jacobian placeholders are suppressed; negated terms lead with `-`.
    let g = NlProblem::from_file(model("gasnet")).unwrap();
    assert_eq!(g.print_equation("pipe[1]").unwrap(), "pipe[1]:  -2*f[1]^2 + pi[0] - pi[1] == 0");
    let r = NlProblem::from_file(model("redundant_pair")).unwrap();
    assert_eq!(r.print_equation("balance_copy").unwrap(), "balance_copy:  2*x[0] + 2*x[1] + 2*x[2] == 6");
}

#[test]
fn cli_diagnose_under_presolve_names_the_rows_and_prints_their_algebra() {
    // presolve_redundant: presolve drops start and link (rows 0, 1), so the reduced problem's
    // rows 0 and 1 are balance and balance_copy; the report must still use the original rows.
    let dir = std::env::temp_dir().join(format!("ipax-diagnose-presolve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ipax"))
        .arg(model("presolve_redundant"))
        .args(["--diagnose", "-o", dir.join("s.sol").to_str().unwrap(), "print_level=0"])
        .args(["presolve=yes", "presolve_auxiliary=yes", "presolve_auxiliary_diagnostics=yes"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2 of 2 candidate block(s) eliminated, fixing 2 variable(s) and dropping 2 row(s)"), "{err}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Implicated equations: c[balance], c[balance_copy]."), "{text}");
    assert!(text.contains("numerical rank = 3 / 4  (deficiency 1)"), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    let at = |name: &str| lines.iter().position(|l| l.trim_start().starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("{text}"));
    let b = at("balance");
    assert!(lines[b].contains("participation 0.80"), "{text}");
    assert_eq!(lines[b + 1], "      x[0] + x[1] + x[2] == 3");
    let c = at("balance_copy");
    assert!(lines[c].contains("participation 0.20"), "{text}");
    assert_eq!(lines[c + 1], "      2*x[0] + 2*x[1] + 2*x[2] == 6");
    assert!(!text.contains("start") && !text.contains("link"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
