//! Issue 20, item 4: Mehrotra's second-order corrector in the monotone strategy's final phase
//! (`mu_final_corrector`, default `auto`: with a direct linear solver, bound-constrained problems
//! and every problem solved with the exact Hessian). Once μ is below `tol` the last μ decrease changes
//! which bounds are active; the Newton step linearizes zᵢsᵢ = μ and misses the product
//! Δsᵢ·Δzᵢ, so it overshoots the boundary and the fraction-to-the-boundary rule cuts it. The
//! corrected step needs fewer iterations to the same point.

use ipax::{Options, SolveResult};
use ipax_testing::get;

fn solve(name: &str, size: usize, opts: &[(&str, &str)]) -> SolveResult {
    let p = get(name, Some(size)).expect("registry family");
    let mut o = Options { print_level: 0, ..Default::default() };
    for (k, v) in opts {
        o.set(k, v).unwrap();
    }
    ipax::solve(p.as_ref(), &o)
}

#[test]
fn the_final_phase_corrector_saves_iterations_on_a_bound_constrained_problem() {
    // obstacle, 50×50 grid: 2500 variables with bounds, no constraint rows.
    let with = solve("obstacle", 50, &[]);
    let without = solve("obstacle", 50, &[("mu_final_corrector", "no")]);
    let reference = solve("obstacle", 50, &[("mu_final_corrector", "no"), ("tol", "1e-12"), ("mu_min", "1e-15")]);
    for r in [&with, &without, &reference] {
        assert!(r.status.is_success(), "{:?}", r.status);
    }
    assert!(with.iterations < without.iterations, "{} vs {} iterations", with.iterations, without.iterations);
    // The same point: both objectives as close to the tol = 1e-12 solution (to the n·mu_min gap
    // that stopping at μ = mu_min = 1e-11 leaves over ~1000 active bounds).
    let err = |r: &SolveResult| (r.objective - reference.objective).abs() / reference.objective.abs();
    assert!(err(&with) <= 1e-7 && err(&without) <= 1e-7, "{:e} / {:e}", err(&with), err(&without));
}

#[test]
fn the_default_scope_corrects_exact_hessian_solves_and_leaves_quasi_newton_ones_alone() {
    // elliptic control (PDE equality rows, bounded controls): with the exact Hessian the default
    // (`auto`) is `yes`; with L-BFGS it takes Ipopt's steps, bit for bit.
    let solve_with = |extra: &[(&str, &str)], hess: &str| {
        let mut opts = vec![("hessian_approximation", hess)];
        opts.extend_from_slice(extra);
        solve("elliptic_control", 24, &opts)
    };
    let (default, no, yes) = (solve_with(&[], "exact"), solve_with(&[("mu_final_corrector", "no")], "exact"), solve_with(&[("mu_final_corrector", "yes")], "exact"));
    assert!(default.status.is_success() && no.status.is_success() && yes.status.is_success());
    assert_eq!(default.x, yes.x, "exact Hessian: the default corrects");
    assert_ne!(default.x, no.x, "the corrector changes the steps of a constrained problem");
    let (lbfgs, lbfgs_no) = (solve_with(&[], "limited-memory"), solve_with(&[("mu_final_corrector", "no")], "limited-memory"));
    assert!(lbfgs.status.is_success());
    assert_eq!(lbfgs.iterations, lbfgs_no.iterations);
    assert_eq!(lbfgs.x, lbfgs_no.x, "quasi-Newton: bit-identical to Ipopt's steps");
}

#[test]
fn a_corrected_step_the_line_search_shortens_switches_the_corrector_off() {
    // MacMPEC ralph2 (min x² + y² − 4xy, 0 ≤ x ⊥ y ≥ 0): every pair is degenerate at the origin,
    // both slack and multiplier go to zero, so the affine step predicts Δs·Δz ≈ s·z and the
    // corrected step overshoots. Kept on, the corrector cuts every later step to a few percent and
    // the solve crawls into the iteration limit; switched off at the first shortened corrected
    // step, it converges like Ipopt's steps do.
    let p = ipax_testing::regression::get("ralph2").expect("regression problem");
    let mut o = Options { print_level: 0, max_iter: 3000, ..Default::default() };
    o.set("mu_final_corrector", "yes").unwrap();
    let r = ipax::solve(&p, &o);
    assert!(r.status.is_success(), "{:?} after {} iterations", r.status, r.iterations);
    assert!(r.iterations < 100, "{} iterations", r.iterations);
    assert!(r.x.iter().all(|v| v.abs() < 1e-4), "{:?}", r.x);
}

#[test]
fn the_default_scope_leaves_krylov_solves_alone() {
    // obstacle on the condensed route with AMG-preconditioned CG: the corrector's affine solve is
    // a second full CG solve per iteration, not a back-solve with a kept factor, so `auto` takes
    // Ipopt's steps (bit for bit) while `yes` still corrects.
    let krylov = [("kkt_route", "condensed"), ("linear_solver", "cg"), ("krylov_preconditioner", "amg")];
    let with = |extra: &[(&str, &str)]| {
        let mut opts = krylov.to_vec();
        opts.extend_from_slice(extra);
        solve("obstacle", 40, &opts)
    };
    let (default, no, yes) = (with(&[]), with(&[("mu_final_corrector", "no")]), with(&[("mu_final_corrector", "yes")]));
    for r in [&default, &no, &yes] {
        assert!(r.status.is_success(), "{:?}", r.status);
    }
    assert_eq!((default.iterations, &default.x), (no.iterations, &no.x), "auto with a Krylov solver: no corrector");
    assert_ne!(default.x, yes.x, "`yes` still corrects on the Krylov route");
}
