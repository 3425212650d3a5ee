//! Issue 16, item 3: a model unbounded below ends `Unbounded` (Ipopt's diverging iterates, test
//! `max|xᵢ| > diverging_iterates_tol`), and the AMPL `.sol` file carries solve_result_num 300.

use std::process::Command;

use ipax::problem::nl::read_sol;

fn model() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/unbounded_qp.nl")
}

/// Copies the model into a fresh directory so the .sol is written there.
fn stub(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ipax-unbounded-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let nl = dir.join("unbounded_qp.nl");
    std::fs::copy(model(), &nl).unwrap();
    nl
}

fn solve_cli(tag: &str, opts: &[&str]) -> (String, ipax::problem::nl::SolFile) {
    let nl = stub(tag);
    let out = Command::new(env!("CARGO_BIN_EXE_ipax")).arg(&nl).args(opts).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    // As Ipopt's executable: exit 0 once the solve ran; the outcome travels in the .sol file.
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(nl.with_extension("sol")).expect("a .sol beside the model");
    std::fs::remove_dir_all(nl.parent().unwrap()).ok();
    (stdout, read_sol(&text).expect("a well-formed .sol"))
}

#[test]
fn unbounded_qp_through_the_cli_ends_unbounded_with_code_300() {
    for route in ["augmented", "condensed"] {
        let (stdout, sol) = solve_cli(route, &["print_level=0", &format!("kkt_route={route}")]);
        assert!(stdout.contains("status Unbounded"), "[{route}] {stdout}");
        assert_eq!(sol.solve_result_num, Some(300), "[{route}] {stdout}");
    }
}

#[test]
fn diverging_iterates_tol_sets_where_divergence_is_declared() {
    // A lower threshold stops earlier, at an iterate just beyond it.
    let (stdout, sol) = solve_cli("tol", &["print_level=0", "diverging_iterates_tol=1e6"]);
    assert!(stdout.contains("status Unbounded"), "{stdout}");
    assert_eq!(sol.solve_result_num, Some(300));
    let xmax = sol.x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(xmax > 1e6 && xmax < 1e20, "max|x| = {xmax:e}");
    // Through the library too, with the status and the iterate it stopped at.
    let p = ipax::problem::nl::NlProblem::from_file(model()).unwrap();
    let o = ipax::Options { print_level: 0, diverging_iterates_tol: 1e6, ..Default::default() };
    let r = ipax::solve(&p, &o);
    assert_eq!(r.status, ipax::SolveStatus::Unbounded);
    assert!(r.x.iter().any(|v| v.abs() > 1e6), "{:?}", r.x);
}
