//! A KKT matrix that δ_c cannot make nonsingular: a direction with zero curvature in the
//! null space of J. Inertia correction (W&B 2006, IC-2/IC-4; Ipopt's `PerturbForSingularity`)
//! tries δ_c = δ̄_c μ^κ_c once and then grows δ_w, keeping δ_c at that value. Growing δ_c
//! instead (an earlier ipax rule) never repairs such a matrix and relaxes the linearized
//! constraints by up to √μ: on MATPOWER's case8387pegase (free generators priced linearly) the
//! first step went ~170× beyond Ipopt's and multiplied the violation by ten.
//!
//! The problem: min x₀² s.t. x₀ + y₁ − y₂ = 1 with y free and unpriced. H v = 0 and J v = 0 for
//! v = (0, 1, 1), so the augmented matrix is singular for every δ_c while δ_w = 0. The
//! solution set is x₀ = 0, y₁ − y₂ = 1.

use ipax::options::{KktRouteChoice, LinearSolverChoice};
use ipax::{Checkpoint, IterationView, Observer, ObserverAction, Options, SolveStatus};
use ipax_problem::QuadraticProblem;

/// (iteration, δ_w, δ_c, trials rejected as singular) of every Newton step.
#[derive(Default)]
struct Perturbations(Vec<(usize, f64, f64, usize)>);

impl Observer for Perturbations {
    fn notify(&mut self, v: &mut IterationView<'_>) -> ObserverAction {
        if v.checkpoint() == Checkpoint::AfterStep {
            let k = v.step().kkt;
            // Iteration 0 reports the start, no Newton step.
            if k.factorizations > 0 {
                self.0.push((v.iteration(), k.delta_w, k.delta_c, k.singular_trials));
            }
        }
        ObserverAction::Continue
    }
}

fn problem() -> QuadraticProblem {
    QuadraticProblem::builder(vec![0.0, 0.0, 0.0])
        .q(vec![0], vec![0], vec![2.0])
        .constraints(vec![0, 0, 0], vec![0, 1, 2], vec![1.0, 1.0, -1.0], vec![1.0], vec![1.0])
        .initial_point(vec![3.0, 0.5, -0.5])
        .name("zero-curvature-null-space")
        .build()
        .unwrap()
}

#[test]
fn a_singular_hessian_null_space_gets_delta_w_and_delta_c_stays_at_its_base_value() {
    let o = Options { print_level: 0, kkt_route: KktRouteChoice::Augmented, linear_solver: LinearSolverChoice::SparseLdl, ..Default::default() };
    let (dc_value, dc_exponent) = (o.jacobian_regularization_value, o.jacobian_regularization_exponent);
    let p = problem();
    let mut seen = Perturbations::default();
    let r = ipax::Solver::new(o).with_observer(&mut seen).solve(&p);
    assert_eq!(r.status, SolveStatus::Optimal);
    assert!(r.x[0].abs() < 1e-7, "x0 = {}", r.x[0]);
    assert!((r.x[1] - r.x[2] - 1.0).abs() < 1e-8, "y1 - y2 = {}", r.x[1] - r.x[2]);
    assert!(!seen.0.is_empty());
    // Every step needed δ_w > 0 (the matrix is singular without it), and δ_c never went beyond
    // δ̄_c μ^κ_c at the largest μ of the solve (μ_0 = 0.1).
    let dc_max = dc_value * 0.1f64.powf(dc_exponent);
    // The first iteration's log says why δ_w was needed: δ_w = 0 trials were singular.
    assert!(seen.0[0].3 >= 1, "{:?}", seen.0[0]);
    for &(it, dw, dc, _) in &seen.0 {
        assert!(dw > 0.0, "iteration {it}: δ_w = {dw}");
        assert!(dc <= dc_max * (1.0 + 1e-12), "iteration {it}: δ_c = {dc:e} > {dc_max:e}");
    }
}
