//! Observers that steer a solve (issue 12): snapshots and rewinds, μ and blocks set from outside,
//! `UserStop` at every checkpoint, `Terminated` once, and bad requests refused without harm.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use ipax::{Block, Checkpoint, IterationView, Observer, ObserverAction, Options, Snapshot, SolveStatus, SteerError};
use ipax_problem::FunctionProblem;

fn quiet() -> Options {
    Options { print_level: 0, ..Default::default() }
}

fn hs071() -> Box<dyn ipax::Problem> {
    ipax_testing::get("hs071", None).unwrap()
}

const HS071_F: f64 = 17.014017145;

/// An observer from a closure over the mutable view.
struct Steer<F: FnMut(&mut IterationView<'_>) -> ObserverAction>(F);

impl<F: FnMut(&mut IterationView<'_>) -> ObserverAction> Observer for Steer<F> {
    fn notify(&mut self, v: &mut IterationView<'_>) -> ObserverAction {
        (self.0)(v)
    }
}

#[test]
fn snapshot_at_3_run_to_6_restore_and_still_reach_the_optimum() {
    let mut snap: Option<Snapshot> = None;
    let mut restored = false;
    let mut after_steps = Vec::new();
    let mut obs = Steer(|v: &mut IterationView<'_>| {
        if v.checkpoint() != Checkpoint::AfterStep {
            return ObserverAction::Continue;
        }
        after_steps.push(v.iteration());
        if v.iteration() == 3 && snap.is_none() {
            snap = Some(v.snapshot());
        }
        if v.iteration() == 6 && !restored {
            let s = snap.as_ref().expect("taken at 3");
            let x3 = s.iteration();
            v.restore(s).expect("same phase, same dimensions");
            assert_eq!(v.iteration(), x3, "the iteration counter is rewound");
            restored = true;
        }
        ObserverAction::Continue
    });
    let r = ipax::Solver::new(quiet()).with_observer(&mut obs).solve(hs071().as_ref());
    assert!(restored);
    assert_eq!(r.status, SolveStatus::Optimal);
    assert!((r.objective - HS071_F).abs() < 1e-6, "{}", r.objective);
    // 0..=6, then the rewound run continues from 3: iteration 4 is seen twice.
    assert_eq!(&after_steps[..8], &[0, 1, 2, 3, 4, 5, 6, 4]);
    assert_eq!(after_steps.len(), r.iterations + 4, "0..=6, then 4..=final: three iterations replayed");
}

#[test]
fn mu_set_at_iteration_2_is_what_the_next_view_reports() {
    let mut seen_after = None;
    let mut set = false;
    let mut obs = Steer(|v: &mut IterationView<'_>| {
        match v.checkpoint() {
            Checkpoint::AfterMu if v.iteration() == 2 && !set => {
                v.set_mu(0.0123).unwrap();
                assert_eq!(v.mu(), 0.0123, "the view itself reports the new μ at once");
                set = true;
            }
            Checkpoint::AfterSearchDir if set && seen_after.is_none() => seen_after = Some(v.mu()),
            _ => {}
        }
        ObserverAction::Continue
    });
    let r = ipax::Solver::new(quiet()).with_observer(&mut obs).solve(hs071().as_ref());
    assert_eq!(seen_after, Some(0.0123));
    assert_eq!(r.status, SolveStatus::Optimal);
}

/// `min (x0 − 1)² + (x1 − 2)²` on a box, recording every x the objective is evaluated at.
fn recorded() -> (FunctionProblem, Arc<Mutex<Vec<Vec<f64>>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let p = FunctionProblem::builder()
        .objective(move |x: &[f64]| {
            log.lock().unwrap().push(x.to_vec());
            (x[0] - 1.0).powi(2) + (x[1] - 2.0).powi(2)
        })
        .gradient(|x: &[f64], g: &mut [f64]| {
            g[0] = 2.0 * (x[0] - 1.0);
            g[1] = 2.0 * (x[1] - 2.0);
        })
        .variable_bounds(vec![-10.0, -10.0], vec![10.0, 10.0])
        .initial_point(vec![5.0, -5.0])
        .build()
        .unwrap();
    (p, seen)
}

#[test]
fn a_replaced_x_is_what_the_next_evaluation_sees() {
    let (p, seen) = recorded();
    let mut o = quiet();
    o.nlp_scaling_method = ipax::options::ScalingMethod::None;
    let mut evals_before = None;
    let mut x_after = None;
    let mut obs = Steer(|v: &mut IterationView<'_>| {
        if v.checkpoint() == Checkpoint::IterStart && v.iteration() == 1 && evals_before.is_none() {
            evals_before = Some(seen.lock().unwrap().len());
            v.set_block(Block::X, &[-3.25, 7.5]).unwrap();
            x_after = Some(v.x());
        }
        ObserverAction::Continue
    });
    let r = ipax::Solver::new(o).with_observer(&mut obs).solve(&p);
    let k = evals_before.expect("iteration 1 reached");
    assert_eq!(seen.lock().unwrap()[k], vec![-3.25, 7.5], "the next objective evaluation is at the new x");
    assert_eq!(x_after, Some(vec![-3.25, 7.5]), "the view shows it in the user's space");
    assert_eq!(r.status, SolveStatus::Optimal);
    assert!((r.x[0] - 1.0).abs() < 1e-7 && (r.x[1] - 2.0).abs() < 1e-7);
}

/// A problem whose first trial step is rejected (NaN beyond x = 2.5) and that enters
/// restoration when started with `start_with_resto`: between them, every checkpoint fires.
fn run_stopping_at(cp: Checkpoint, problem: &dyn ipax::Problem, o: &Options) -> (SolveStatus, bool) {
    let mut fired = false;
    let mut obs = |v: &IterationView<'_>| {
        if v.checkpoint() == cp {
            fired = true;
            ObserverAction::Stop
        } else {
            ObserverAction::Continue
        }
    };
    let r = ipax::Solver::new(o.clone()).with_observer(&mut obs).solve(problem);
    (r.status, fired)
}

#[test]
fn stop_at_every_checkpoint_is_user_stop() {
    let nan_beyond = FunctionProblem::builder()
        .objective(|x: &[f64]| if x[0] > 2.5 { f64::NAN } else { (x[0] - 2.0).powi(2) })
        .gradient(|x: &[f64], g: &mut [f64]| g[0] = 2.0 * (x[0] - 2.0))
        .initial_point(vec![0.0])
        .build()
        .unwrap();
    let mut lbfgs = quiet();
    lbfgs.set("hessian_approximation", "limited-memory").unwrap();
    let mut resto = quiet();
    resto.set("start_with_resto", "yes").unwrap();
    let hs = hs071();
    for cp in Checkpoint::ALL {
        if cp == Checkpoint::Terminated {
            continue;
        }
        let (status, fired) = match cp {
            Checkpoint::StepRejected => run_stopping_at(cp, &nan_beyond, &lbfgs),
            Checkpoint::PreRestorationEntry | Checkpoint::PostRestorationExit => run_stopping_at(cp, hs.as_ref(), &resto),
            _ => run_stopping_at(cp, hs.as_ref(), &quiet()),
        };
        assert!(fired, "{} never fired: the test is vacuous", cp.name());
        assert_eq!(status, SolveStatus::UserStop, "stop at {}", cp.name());
    }
}

#[test]
fn terminated_fires_once_with_the_final_status_and_refuses_steering() {
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut final_status = None;
    let mut refused = None;
    let mut obs = Steer(|v: &mut IterationView<'_>| {
        *counts.entry(v.checkpoint().name()).or_default() += 1;
        if v.checkpoint() == Checkpoint::Terminated {
            final_status = v.status();
            refused = Some(v.set_mu(1.0));
        }
        ObserverAction::Continue
    });
    let r = ipax::Solver::new(quiet()).with_observer(&mut obs).solve(hs071().as_ref());
    assert_eq!(counts.get("terminated"), Some(&1));
    assert_eq!(final_status, Some(r.status));
    assert_eq!(refused, Some(Err(SteerError::Terminated)));
}

#[test]
fn blocks_have_the_solver_split_dimensions_and_bad_requests_change_nothing() {
    let mut checked = false;
    let mut obs = Steer(|v: &mut IterationView<'_>| {
        if v.checkpoint() != Checkpoint::AfterSearchDir || v.iteration() != 1 || checked {
            return ObserverAction::Continue;
        }
        checked = true;
        // HS071: 4 variables in [1, 5], row 0 an inequality (≥ 25), row 1 an equality (= 40).
        let len = |b| v.block(b).unwrap().len();
        assert_eq!([len(Block::X), len(Block::S), len(Block::YC), len(Block::YD), len(Block::ZL), len(Block::VL)], [4, 1, 1, 1, 4, 1]);
        assert_eq!([len(Block::DX), len(Block::DS), len(Block::DYC), len(Block::DYD), len(Block::DZU), len(Block::DVU)], [4, 1, 1, 1, 4, 1]);
        let layout = v.layout();
        assert_eq!((layout.equality_rows, layout.inequality_rows, layout.variables), (vec![1], vec![0], vec![0, 1, 2, 3]));
        let kkt = v.kkt_matrix().expect("the augmented route assembles its matrix");
        assert_eq!((kkt.nrows, kkt.ncols), (6, 6));
        assert!(kkt.rows.iter().zip(&kkt.cols).all(|(r, c)| r >= c), "lower triangle");
        let f = v.kkt_factors().expect("the dense LDLᵀ chosen for small problems exports L and D");
        assert_eq!((f.l.nrows, f.d_diag.len(), f.perm.len()), (6, 6, 6));
        let neg = f.d_diag.iter().filter(|d| **d < 0.0).count();
        assert!(neg <= 2, "inertia (4, 2): at most two negative 1×1 pivots");
        assert_eq!(v.jacobian_c().unwrap().nrows, 1);
        assert_eq!(v.jacobian_d().unwrap().len(), 4, "the product row is dense");
        let x = v.block(Block::X).unwrap();
        let mu = v.mu();
        // Refused, each with its reason, and nothing changes.
        assert!(matches!(v.set_block(Block::X, &[1.0, 2.0]), Err(SteerError::WrongLength { expected: 4, got: 2, .. })));
        assert!(matches!(v.set_entry(Block::X, 9, 1.0), Err(SteerError::IndexOutOfRange { index: 9, len: 4, .. })));
        assert!(matches!(v.set_entry(Block::X, 0, 7.0), Err(SteerError::OutsideBounds { index: 0, .. })));
        assert!(matches!(v.set_entry(Block::X, 1, f64::NAN), Err(SteerError::NotFinite { .. })));
        assert!(matches!(v.set_entry(Block::ZL, 0, -1.0), Err(SteerError::BadMultiplier { .. })));
        assert!(matches!(v.set_entry(Block::DX, 0, 1.0), Err(SteerError::ReadOnly { .. })));
        assert!(matches!(v.set_mu(-1.0), Err(SteerError::InvalidMu(_))));
        assert_eq!(v.block(Block::X).unwrap(), x);
        assert_eq!(v.mu(), mu);
        // Setting a multiplier entry is fine.
        v.set_entry(Block::YC, 0, 0.5).unwrap();
        assert_eq!(v.block(Block::YC).unwrap(), vec![0.5]);
        ObserverAction::Continue
    });
    let r = ipax::Solver::new(quiet()).with_observer(&mut obs).solve(hs071().as_ref());
    assert!(checked);
    assert_eq!(r.status, SolveStatus::Optimal);
    assert!((r.objective - HS071_F).abs() < 1e-6);
}

#[test]
fn an_observer_that_asks_nothing_changes_nothing() {
    let plain = ipax::solve(hs071().as_ref(), &quiet());
    let mut n = 0;
    let mut obs = |_: &IterationView<'_>| {
        n += 1;
        ObserverAction::Continue
    };
    let watched = ipax::Solver::new(quiet()).with_observer(&mut obs).solve(hs071().as_ref());
    assert!(n > 10);
    assert_eq!((watched.iterations, watched.objective.to_bits()), (plain.iterations, plain.objective.to_bits()));
    assert_eq!(watched.evaluations, plain.evaluations, "a silent observer triggers no evaluation");
}

#[test]
fn the_iteration_log_changes_nothing() {
    // The log reads the error norms at `after_step`; the next convergence test reuses them.
    for (name, size) in [("hs071", None), ("vanderpol", Some(30)), ("elliptic_control", Some(6)), ("hs106", None)] {
        let p = ipax_testing::get(name, size).unwrap();
        let plain = ipax::solve(p.as_ref(), &quiet());
        let mut log = ipax::IterationLog::new(Vec::<u8>::new());
        let logged = ipax::Solver::new(quiet()).with_observer(&mut log).solve(p.as_ref());
        assert_eq!(
            (logged.status, logged.iterations, logged.objective.to_bits(), logged.evaluations),
            (plain.status, plain.iterations, plain.objective.to_bits(), plain.evaluations),
            "{name}"
        );
    }
}
