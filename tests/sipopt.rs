//! sIPOPT's suffix interface on `.nl` models (issue 19): `ipax model.nl` on a model declaring
//! `sens_state_1`, `sens_state_value_1` and `sens_init_constr` writes the first-order estimate of
//! the perturbed solution into the `.sol` file as `sens_sol_state_1`.
//!
//! The model is sIPOPT's parametric example (written by Pyomo, tests/data/sipopt/parametric.nl):
//! `min x₁² + x₂² + x₃²` s.t. `6x₁ + 3x₂ + 2x₃ = p₁`, `p₂x₁ + x₂ − x₃ = 1`, `x ≥ 0`, with
//! `p₁ = 5 → 4.5`, `p₂ = 1`. With no bound active, the solution is affine in p₁:
//! `x = Aᵀ(AAᵀ)⁻¹b`, so the first-order estimate is exact.

use std::path::Path;
use std::process::Command;

use ipax::problem::nl::{SolSuffixTarget, read_sol};

/// `x = Aᵀ (A Aᵀ)⁻¹ b` for A = [[6, 3, 2], [1, 1, −1]].
fn closed_form(p1: f64) -> [f64; 3] {
    let a = [[6.0, 3.0, 2.0], [1.0, 1.0, -1.0]];
    let b = [p1, 1.0];
    let g = |i: usize, j: usize| (0..3).map(|k| a[i][k] * a[j][k]).sum::<f64>();
    let (g00, g01, g11) = (g(0, 0), g(0, 1), g(1, 1));
    let det = g00 * g11 - g01 * g01;
    let w = [(g11 * b[0] - g01 * b[1]) / det, (g00 * b[1] - g01 * b[0]) / det];
    [0, 1, 2].map(|k| a[0][k] * w[0] + a[1][k] * w[1])
}

fn run(dir: &Path) -> ipax::problem::nl::SolFile {
    run_with(dir, &[]).0
}

/// Run the CLI on the example with extra arguments: the .sol file and stdout.
fn run_with(dir: &Path, extra: &[&str]) -> (ipax::problem::nl::SolFile, String) {
    for ext in ["nl", "row", "col"] {
        std::fs::copy(format!("tests/data/sipopt/parametric.{ext}"), dir.join(format!("parametric.{ext}"))).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_ipax")).arg(dir.join("parametric.nl")).arg("print_level=0").args(extra).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sol = read_sol(&std::fs::read_to_string(dir.join("parametric.sol")).unwrap()).expect("a readable .sol");
    (sol, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn estimate(sol: &ipax::problem::nl::SolFile, target: SolSuffixTarget) -> Vec<f64> {
    sol.suffixes.iter().find(|s| s.name == "sens_sol_state_1" && s.target == target).expect("the suffix is written").values.iter().map(|v| v.1).collect()
}

#[test]
fn the_held_refined_step_equals_the_step_factored_at_the_solution() {
    let dir = std::env::temp_dir().join(format!("ipax-sipopt-fresh-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (held, out_held) = run_with(&dir, &[]);
    let (fresh, out_fresh) = run_with(&dir, &["--sens-fresh"]);
    // The default back-solves the IPM's held factor refined against the KKT matrix at the
    // solution; --sens-fresh factors that matrix.
    assert!(out_held.contains("(KKT factor: held+refined)"), "{out_held}");
    assert!(out_fresh.contains("(KKT factor: fresh)"), "{out_fresh}");
    for target in [SolSuffixTarget::Variables, SolSuffixTarget::Constraints] {
        let (a, b) = (estimate(&held, target), estimate(&fresh, target));
        let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() <= 1e-10 * scale, "{target:?}: held+refined {a:?} vs fresh {b:?}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_sol_file_carries_the_perturbed_solution() {
    let dir = std::env::temp_dir().join(format!("ipax-sipopt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sol = run(&dir);
    // Variable order in the .nl (Pyomo's): x1, p2, x2, x3, p1.
    let nominal = closed_form(5.0);
    for (k, &i) in [0usize, 2, 3].iter().enumerate() {
        assert!((sol.x[i] - nominal[k]).abs() < 1e-7, "nominal x{}: {} vs {}", k + 1, sol.x[i], nominal[k]);
    }
    let est = sol.suffixes.iter().find(|s| s.name == "sens_sol_state_1" && s.target == SolSuffixTarget::Variables).expect("the suffix is written");
    assert!(est.real);
    assert_eq!(est.values.len(), 5);
    let want = closed_form(4.5);
    for (k, &i) in [0usize, 2, 3].iter().enumerate() {
        assert!((est.values[i].1 - want[k]).abs() < 1e-6, "x{}(4.5): {} vs {}", k + 1, est.values[i].1, want[k]);
    }
    // The parameters themselves move to their new values; p₂ stays.
    assert!((est.values[4].1 - 4.5).abs() < 1e-9 && (est.values[1].1 - 1.0).abs() < 1e-9);
    // x₃ crosses its bound in the linear estimate (−0.0459), as in sIPOPT's own output for this
    // example: the estimate is first order and ignores bound activity.
    assert!(est.values[3].1 < 0.0);
    let duals = sol.suffixes.iter().find(|s| s.name == "sens_sol_state_1" && s.target == SolSuffixTarget::Constraints).expect("multiplier estimate");
    assert_eq!(duals.values.len(), 4);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn models_without_the_suffixes_get_a_plain_sol_file() {
    let dir = std::env::temp_dir().join(format!("ipax-sipopt-plain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = std::fs::read_dir("tests/data").unwrap().filter_map(|e| e.ok()).map(|e| e.path()).find(|p| p.extension().is_some_and(|x| x == "nl")).expect("a .nl model in tests/data");
    let nl = dir.join("m.nl");
    std::fs::copy(&src, &nl).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ipax")).arg(&nl).arg("print_level=0").output().unwrap();
    assert!(out.status.success());
    let sol = read_sol(&std::fs::read_to_string(dir.join("m.sol")).unwrap()).unwrap();
    assert!(sol.suffixes.is_empty());
    std::fs::remove_dir_all(&dir).ok();
}
