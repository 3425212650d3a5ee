//! The inertia-free curvature test (`neg_curv_test_tol`, Chiang & Zavala 2016): a factorization
//! with too many negative eigenvalues keeps its step when the step's own curvature is positive,
//! only with the exact Hessian, on the augmented route and once μ ≤ `neg_curv_test_mu_max`.
//! HS027 (Hock & Schittkowski 1981, f* = 0.04) meets such an iteration near its solution.

use ipax::options::HessianApproximationKind;
use ipax::{Checkpoint, IterationView, Observer, ObserverAction, Options, SolveStatus};

/// An iteration whose step the curvature test kept: its number, the inertia and μ.
type KeptStep = (usize, Option<(usize, usize, usize)>, f64);

/// Collects the iterations whose step was kept by the curvature test.
#[derive(Default)]
struct Kept(Vec<KeptStep>);

impl Observer for Kept {
    fn notify(&mut self, v: &mut IterationView<'_>) -> ObserverAction {
        if v.checkpoint() == Checkpoint::AfterStep {
            let k = v.step().kkt;
            if k.curvature_test {
                self.0.push((v.iteration(), k.inertia, v.mu()));
            }
        }
        ObserverAction::Continue
    }
}

fn solve(o: Options) -> (ipax::SolveResult, Kept) {
    let p = ipax_testing::get("hs027", None).unwrap();
    let mut kept = Kept::default();
    let r = ipax::Solver::new(Options { print_level: 0, ..o }).with_observer(&mut kept).solve(p.as_ref());
    (r, kept)
}

#[test]
fn by_default_a_wrong_inertia_step_with_positive_curvature_is_kept() {
    let (r, kept) = solve(Options::default());
    assert_eq!(r.status, SolveStatus::Optimal);
    assert!((r.objective - 0.04).abs() < 1e-7, "{}", r.objective);
    assert!(!kept.0.is_empty(), "HS027 has an iteration with the wrong inertia and positive step curvature");
    let (n, m) = (3, 1);
    for (it, inertia, mu) in &kept.0 {
        let (_, neg, _) = inertia.expect("the LDLᵀ reports an inertia");
        assert!(neg > m, "iteration {it}: kept steps are those with too many negative eigenvalues ({neg} > {m}, n = {n})");
        assert!(*mu <= Options::default().neg_curv_test_mu_max, "iteration {it}: only once μ is small (μ = {mu})");
    }
}

#[test]
fn the_inertia_test_alone_when_switched_off_or_not_yet_small_mu() {
    for o in [Options { neg_curv_test_tol: 0.0, ..Default::default() }, Options { neg_curv_test_mu_max: 1e-300, ..Default::default() }] {
        let (r, kept) = solve(o);
        assert_eq!(r.status, SolveStatus::Optimal);
        assert!((r.objective - 0.04).abs() < 1e-7);
        assert!(kept.0.is_empty(), "{:?}", kept.0);
    }
}

#[test]
fn a_quasi_newton_hessian_never_uses_the_curvature_test() {
    let (r, kept) = solve(Options { hessian_approximation: HessianApproximationKind::LimitedMemory, ..Default::default() });
    assert_eq!(r.status, SolveStatus::Optimal);
    assert!(kept.0.is_empty(), "{:?}", kept.0);
}
