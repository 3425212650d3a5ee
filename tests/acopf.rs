//! AC optimal power flow regression: MATPOWER's case9, case30 and case118 in the polar AC-OPF
//! (voltage magnitudes and angles, generator P/Q, branch flows from the π-model with taps and
//! shifts, bus balances with shunts, |S|² thermal limits, angle-difference limits, polynomial
//! cost), written to .nl by `bench/acopf/make_models.py` (files in `tests/data/acopf/`).
//!
//! Each must solve Optimal with `tol = 1e-8`, reach the reference objective within 1e-6
//! relative, and return a point whose *unscaled* violation of every original constraint and
//! variable bound, evaluated here from the model (not taken from the solver's own report), is at
//! most 1e-6.
//!
//! Reference objectives: Ipopt 3.14.19 (MUMPS, as bundled with CasADi 3.8.2) on the same .nl
//! files, `tol = 1e-8`, run by `bench/acopf/compare.py` (records in `bench/results/acopf.json`).
//! They agree with MATPOWER's published `runopf` optima to the digits published: case9 5296.69,
//! case30 576.89 (the Alsac–Stott case of MATPOWER's `case30.m`), case118 129660.69.

use ipax::Problem;
use ipax::problem::nl::NlProblem;

fn model(name: &str) -> NlProblem {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/acopf").join(format!("{name}.nl"));
    NlProblem::from_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Largest violation of `lower ≤ value ≤ upper` over the entries, with its index.
fn worst(values: &[f64], lower: &[f64], upper: &[f64]) -> (f64, usize) {
    let mut out = (0.0, 0);
    for (i, ((&v, &l), &u)) in values.iter().zip(lower).zip(upper).enumerate() {
        let d = (l - v).max(v - u).max(0.0);
        // A NaN value counts as an infinite violation.
        let d = if v.is_nan() { f64::INFINITY } else { d };
        if d > out.0 {
            out = (d, i);
        }
    }
    out
}

fn check(name: &str, reference: f64) {
    let problem = model(name);
    let options = ipax::Options { tol: 1e-8, max_iter: 3000, print_level: 0, ..Default::default() };
    let result = ipax::solve(&problem, &options);
    assert_eq!(result.status, ipax::SolveStatus::Optimal, "{name}: {}", result.message);

    let x = &result.x;
    let objective = problem.objective(x).expect("objective at the returned point");
    let rel = (objective - reference).abs() / reference.abs();
    assert!(rel <= 1e-6, "{name}: objective {objective} vs reference {reference} (relative {rel:.1e})");

    let (n, m) = (problem.num_variables(), problem.num_constraints());
    let (mut xl, mut xu) = (vec![0.0; n], vec![0.0; n]);
    problem.variable_bounds(&mut xl, &mut xu);
    let (mut cl, mut cu) = (vec![0.0; m], vec![0.0; m]);
    problem.constraint_bounds(&mut cl, &mut cu);
    let mut c = vec![0.0; m];
    problem.constraints(x, &mut c).expect("constraints at the returned point");
    let (vc, ic) = worst(&c, &cl, &cu);
    let (vx, ix) = worst(x, &xl, &xu);
    let rows = problem.constraint_names().unwrap_or_default();
    let cols = problem.variable_names().unwrap_or_default();
    let row = rows.get(ic).map_or("?", String::as_str);
    let col = cols.get(ix).map_or("?", String::as_str);
    assert!(vc <= 1e-6, "{name}: constraint {row} violated by {vc:.2e} at the returned point");
    assert!(vx <= 1e-6, "{name}: bound of {col} violated by {vx:.2e} at the returned point");
}

#[test]
fn case9_solves_to_the_reference_optimum() {
    check("case9", 5296.686202314197);
}

#[test]
fn case30_solves_to_the_reference_optimum() {
    check("case30", 576.8923327616183);
}

#[test]
fn case118_solves_to_the_reference_optimum() {
    check("case118", 129660.69401057978);
}

#[test]
fn the_models_carry_their_names_and_match_their_size() {
    // The .row/.col files travel with the .nl: failures above name the violated row.
    let p = model("case118");
    assert_eq!((p.num_variables(), p.num_constraints()), (1087, 980));
    let rows = p.constraint_names().expect("case118.row read");
    assert!(rows.iter().any(|r| r == "ohm_p_fr[0]") && rows.iter().any(|r| r.starts_with("bal_q[")));
    let cols = p.variable_names().expect("case118.col read");
    assert!(cols.iter().any(|c| c == "vm[1]"));
}
