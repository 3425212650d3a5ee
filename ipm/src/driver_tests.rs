//! The driver and its observer side on Hock–Schittkowski 71 with the dense test solver.

use super::*;
use crate::observer::{Block, IterationView, ObserverAction, SteerError, ViewCore};
use crate::options::ScalingMethod;
use crate::test_support::{Hs071, dense_linear_algebra};

fn opts() -> Options {
    Options { print_level: 0, nlp_scaling_method: ScalingMethod::None, ..Default::default() }
}

#[test]
fn the_ipm_solves_hs071_on_the_dense_test_solver() {
    let la = dense_linear_algebra();
    let r = solve(&Hs071, &opts(), &la, None, None);
    assert_eq!(r.status, SolveStatus::Optimal);
    assert!((r.objective - 17.0140173).abs() < 1e-6, "{}", r.objective);
    assert!(r.iterations <= 10, "Ipopt takes 8; {}", r.iterations);
}

#[test]
fn max_iter_zero_stops_before_the_first_step() {
    let la = dense_linear_algebra();
    let o = Options { max_iter: 0, ..opts() };
    let r = solve(&Hs071, &o, &la, None, None);
    assert_eq!((r.status, r.iterations), (SolveStatus::MaxIterations, 0));
}

/// An initialized IPM on HS071.
fn with_ipm(f: impl FnOnce(&mut Ipm<'_, '_>)) {
    let o = opts();
    let la = dense_linear_algebra();
    let nlp = Nlp::new(&Hs071, &o).unwrap();
    let mut ipm = Ipm::new(&nlp, &o, &la, false);
    let x0 = ipm.push_into_bounds(&nlp.initial_point(), (o.bound_push, o.bound_frac));
    ipm.initialize(x0, None).unwrap();
    f(&mut ipm);
}

#[test]
fn setting_x_re_evaluates_every_cached_value() {
    with_ipm(|ipm| {
        let x = [2.0, 2.0, 2.0, 2.0];
        ViewCore::set_block(ipm, Block::X, &x).unwrap();
        assert_eq!(ipm.it.pt.f, Hs071.objective(&x).unwrap());
        assert_eq!(ipm.it.pt.c, vec![16.0, 16.0]);
        let mut g = vec![0.0; 4];
        Hs071.gradient(&x, &mut g).unwrap();
        assert_eq!(ipm.it.pt.grad, g);
        let j = ipm.jac.as_ref().unwrap().triplets().unwrap();
        let row1: f64 = (0..j.len()).filter(|&k| j.rows[k] == 1).map(|k| j.vals[k]).sum();
        assert_eq!(row1, 16.0, "∂(Σx²)/∂x = 2x = 4 per entry");
        // The violation the termination test sees: |40 − 16| on the equality row.
        assert_eq!(ipm.unscaled_violation(), 24.0);
        assert!(ipm.errors(0.0).primal >= 24.0);
    });
}

#[test]
fn a_snapshot_round_trip_restores_the_iterate_bit_for_bit() {
    with_ipm(|ipm| {
        let before = (ipm.it.pt.x.clone(), ipm.it.pt.f, ipm.it.pt.c.clone(), ipm.it.pt.grad.clone(), ipm.it.y.clone(), ipm.it.zl.clone(), ipm.mu);
        let snap = ViewCore::snapshot(ipm);
        ViewCore::set_block(ipm, Block::X, &[3.0, 3.0, 3.0, 3.0]).unwrap();
        ViewCore::set_block(ipm, Block::YC, &[7.0]).unwrap();
        ViewCore::set_mu(ipm, 0.5).unwrap();
        assert_ne!(ipm.it.pt.f, before.1);
        ViewCore::restore(ipm, &snap).unwrap();
        let after = (ipm.it.pt.x.clone(), ipm.it.pt.f, ipm.it.pt.c.clone(), ipm.it.pt.grad.clone(), ipm.it.y.clone(), ipm.it.zl.clone(), ipm.mu);
        assert_eq!(after, before);
        assert_eq!(ipm.tau, (1.0 - before.6).max(ipm.opts.tau_min));
    });
}

#[test]
fn slack_and_multiplier_blocks_are_checked_against_their_bounds() {
    with_ipm(|ipm| {
        // Row 0 is the inequality c ≥ 25: its slack must stay above 25, v_u must be 0 (no upper
        // bound), v_l positive.
        match ViewCore::set_block(ipm, Block::S, &[20.0]) {
            // The bound is relaxed by bound_relax_factor (1e-8 relative).
            Err(SteerError::OutsideBounds { lower, .. }) => assert!((lower - 25.0).abs() < 1e-6),
            other => panic!("{other:?}"),
        }
        assert!(matches!(ViewCore::set_block(ipm, Block::VU, &[1.0]), Err(SteerError::BadMultiplier { .. })));
        assert!(matches!(ViewCore::set_block(ipm, Block::VL, &[0.0]), Err(SteerError::BadMultiplier { .. })));
        ViewCore::set_block(ipm, Block::VL, &[0.25]).unwrap();
        assert_eq!(ipm.it.zl[4], 0.25, "v_l of row 0 lives after the 4 variables");
        ViewCore::set_block(ipm, Block::S, &[30.0]).unwrap();
        assert_eq!(ipm.it.pt.s[0], 30.0);
        assert!(matches!(ViewCore::block(ipm, Block::DX), Err(SteerError::NoDirection)));
    });
}

#[test]
fn in_restoration_the_view_shows_the_user_x_and_the_restoration_blocks() {
    let la = dense_linear_algebra();
    let mut o = opts();
    o.start_with_resto = true;
    let mut seen = None;
    let mut obs = |v: &IterationView<'_>| {
        if v.in_restoration() && seen.is_none() {
            seen = Some((v.x().len(), v.block(Block::X).unwrap().len(), v.layout().variables, v.iteration()));
        }
        ObserverAction::Continue
    };
    let r = solve(&Hs071, &o, &la, Some(&mut obs), None);
    assert_eq!(r.status, SolveStatus::Optimal);
    // The restoration problem is over (x, p, n): 4 + 2·2 variables; the user's x has 4.
    assert_eq!(seen, Some((4, 8, vec![0, 1, 2, 3], 0)));
}

#[test]
fn mu_updates_keep_mu_until_the_barrier_problem_is_solved_or_follow_the_oracle() {
    // Monotone: at the starting point the barrier problem is far from solved; μ stays.
    with_ipm(|ipm| {
        let err = ipm.errors(0.0);
        ipm.update_mu(&err);
        assert_eq!(ipm.mu, ipm.opts.mu_init);
    });
    // Adaptive (free mode): μ = min(μ, LOQO(σ·avg)), floored by μ_final.
    let o = Options { mu_strategy: crate::options::MuStrategy::Adaptive, ..opts() };
    let la = dense_linear_algebra();
    let nlp = Nlp::new(&Hs071, &o).unwrap();
    let mut ipm = Ipm::new(&nlp, &o, &la, false);
    let x0 = ipm.push_into_bounds(&nlp.initial_point(), (o.bound_push, o.bound_frac));
    ipm.initialize(x0, None).unwrap();
    // Small lower-bound multipliers make the average complementarity, and the oracle's μ, small.
    for b in [Block::ZL, Block::ZU] {
        ViewCore::set_block(&mut ipm, b, &[1e-3; 4]).unwrap();
    }
    ViewCore::set_block(&mut ipm, Block::VL, &[1e-3]).unwrap();
    ipm.ls.augment(1.0, 1.0);
    let (sum, cnt) = ipm.b.complementarity_sum(&ipm.it);
    let want = crate::mu_update::loqo_mu(sum / cnt as f64, ipm.b.min_complementarity(&ipm.it)).min(ipm.mu).max(ipm.mu_final());
    let err = ipm.errors(0.0);
    ipm.update_mu(&err);
    assert_eq!(ipm.mu, want);
    assert!(want < o.mu_init, "the oracle lowered μ: the test is not vacuous");
    assert_eq!(ipm.ls.filter.len(), 0, "a new barrier problem starts with an empty filter");
}

#[test]
fn theta_max_is_set_from_the_start_as_ipopt_sets_it() {
    with_ipm(|ipm| {
        // HS071 starts infeasible with two rows: θ_max = theta_max_fact·θ(x₀), as Ipopt.
        let theta0 = ipm.b.theta(&ipm.it.pt);
        assert!(theta0 > 1.0);
        assert_eq!(ipm.ls.theta_max, opts().theta_max_fact * theta0);
    });
}
