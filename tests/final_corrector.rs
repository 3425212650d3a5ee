//! Issue 20, item 4: Mehrotra's second-order corrector in the monotone strategy's final phase
//! (`mu_final_corrector`, default `bounds`). Once μ is below `tol` the last μ decrease changes
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
fn the_default_scope_leaves_constrained_problems_on_ipopts_steps() {
    // With constraint rows the default (`bounds`) takes Ipopt's steps: `yes` must differ from
    // the default somewhere and `no` must not.
    let default = solve("elliptic_control", 24, &[]);
    let no = solve("elliptic_control", 24, &[("mu_final_corrector", "no")]);
    let yes = solve("elliptic_control", 24, &[("mu_final_corrector", "yes")]);
    assert!(default.status.is_success() && no.status.is_success() && yes.status.is_success());
    assert_eq!(default.iterations, no.iterations);
    assert_eq!(default.x, no.x, "bit-identical without the corrector");
    assert_ne!(yes.x, default.x, "`yes` applies the corrector to a constrained problem");
}
