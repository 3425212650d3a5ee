//! The primal-dual interior-point iteration (Wächter & Biegler 2006, Algorithm A), composed from
//! one module per strategy around one [`Iterate`](crate::iterate::Iterate):
//!
//! | step of Algorithm A            | module                                   |
//! |--------------------------------|------------------------------------------|
//! | A-1 initialization             | [`init`](crate::init)                    |
//! | A-2 convergence check          | [`convergence`](crate::convergence)      |
//! | A-3 barrier update             | [`mu_update`](crate::mu_update)          |
//! | A-4 search direction           | [`direction`](crate::direction), [`inertia`](crate::inertia), [`kkt`](crate::kkt) |
//! | A-5–A-10 line search           | [`line_search`](crate::line_search), [`watchdog`](crate::watchdog), [`l1_merit`](crate::l1_merit) |
//! | A-8 accept the step            | [`step`](crate::step)                    |
//! | A-9 restoration                | [`restoration`](crate::restoration)      |
//!
//! Observers see and steer the solve at named checkpoints ([`steer`](crate::steer)).

use std::time::{Duration, Instant};

use ipax_core::{EvalError, HessianApproximation, LinearOperator, Problem, vec_ops};

pub(crate) use crate::convergence::Errors;
use crate::convergence::ConvergenceState;
use crate::direction::Direction;
use crate::finish::{invalid_result, ipm_eval_failure};
use crate::inertia::InertiaCorrection;
use crate::iterate::{Bounds, Iterate, Point};
use crate::held::{HeldKkt, HeldKktInfo};
use crate::kkt::{KktRoute, KktSolver, LinearSolverFactory};
use crate::line_search::{LineSearchState, StepResult};
use crate::mu_update::MuUpdate;
use crate::nlp::Nlp;
use crate::observer::{Checkpoint, KktInfo, Observer};
use crate::options::{LineSearchKind, Options};
use crate::result::{SolveResult, SolveStatus};

/// Creates a quasi-Newton Hessian approximation of dimension `n` with `memory` pairs.
pub type QuasiNewtonFactory<'a> = &'a dyn Fn(usize, usize) -> Box<dyn HessianApproximation>;

/// The injected linear algebra: route, solver factory and quasi-Newton factory.
pub struct LinearAlgebra<'a> {
    pub route: KktRoute,
    pub factory: &'a dyn LinearSolverFactory,
    pub quasi_newton: QuasiNewtonFactory<'a>,
}

/// A warm start: primal point and multipliers (in the user's full variable space).
#[derive(Debug, Clone, Default)]
pub struct WarmStart {
    pub x: Option<Vec<f64>>,
    pub y: Option<Vec<f64>>,
    pub z_l: Option<Vec<f64>>,
    pub z_u: Option<Vec<f64>>,
}

/// Solve `problem`.
pub fn solve(problem: &dyn Problem, opts: &Options, la: &LinearAlgebra<'_>, observer: Option<&mut dyn Observer>, warm: Option<&WarmStart>) -> SolveResult {
    let start = Instant::now();
    let mut nlp = match Nlp::new(problem, opts) {
        Ok(nlp) => nlp,
        Err(e) => return invalid_result(problem, e.to_string()),
    };
    let mut x0 = nlp.initial_point();
    if let Some(wx) = warm.and_then(|w| w.x.as_ref()) {
        if wx.len() == nlp.n_full {
            x0 = nlp.restrict(wx);
        } else {
            return invalid_result(problem, format!("warm-start x has length {}, expected {}", wx.len(), nlp.n_full));
        }
    }
    let push = if opts.warm_start_init_point { (opts.warm_start_bound_push, opts.warm_start_bound_frac) } else { (opts.bound_push, opts.bound_frac) };
    let x_user = x0;
    // An `Ipm` for its bounds only, dropped at the end of the statement: bound to a name it
    // lived (shadowed) to the end of the solve, its bound and multiplier vectors ≈ 85 bytes per
    // variable of the disk chain's peak memory.
    let x0 = Ipm::new(&nlp, opts, la, false).push_into_bounds(&x_user, push);
    // Gradient-based scaling is determined at the user's starting point, before the bound push,
    // as Ipopt does (its scaling evaluates at the TNLP's x0; the push comes later, in the iterate
    // initializer): on hs097 the pushed point scales the problem into another local minimum
    // (f = 4.07 instead of 3.136; Ipopt given those factors ends there too). Where the model
    // cannot be evaluated at the user's point (outside a log's domain, say), the pushed one is used.
    if nlp.compute_scaling(&x_user, opts).is_err()
        && let Err(e) = nlp.compute_scaling(&x0, opts)
    {
        return ipm_eval_failure(&nlp, opts, e, start);
    }
    let mut ipm = Ipm::new(&nlp, opts, la, false);
    ipm.observer = observer.map(|o| o as &mut dyn Observer);
    let outcome = ipm.run(x0, warm, None);
    let mut result = ipm.finish(outcome, start);
    if ipm.observer.is_some() {
        ipm.final_status = Some(result.status);
        ipm.fire(Checkpoint::Terminated);
    }
    // After `terminated`: an observer there may still read the KKT matrix or its factors.
    if opts.hold_kkt_factor {
        result.held_kkt = ipm.take_held_kkt().map(|h| std::sync::Arc::new(std::sync::Mutex::new(h)));
    }
    result
}

/// The factorization behind the last Newton direction (see [`Ipm::take_held_kkt`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewtonFactorMark {
    /// The iteration that computed the direction.
    pub iteration: usize,
    /// [`KktSolver::factor_count`] right after it.
    pub factor_count: u64,
    pub info: HeldKktInfo,
}

/// Internal outcome of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Status(SolveStatus),
    /// The restoration exit test was met.
    ExitRequested,
}

/// What the observer did at a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fired {
    Continue,
    Stop,
    /// It changed the iterate or μ: work done for the old state is void.
    Steered,
}

pub(crate) type ExitTest<'e> = &'e mut dyn FnMut(&[f64], &[f64]) -> bool;

/// The last step's statistics, for the iteration log.
#[derive(Default, Clone, Copy)]
pub(crate) struct IterStats {
    pub alpha_pr: f64,
    pub alpha_du: f64,
    pub step_norm: f64,
    pub reg: f64,
    pub ls: usize,
    pub kkt: KktInfo,
    pub tag: &'static str,
}

/// The algorithm's state: the iterate, the strategies' memory, and what was injected.
pub(crate) struct Ipm<'a, 'p> {
    pub nlp: &'a Nlp<'p>,
    pub opts: &'a Options,
    pub la: &'a LinearAlgebra<'a>,
    pub observer: Option<&'a mut dyn Observer>,
    pub in_resto: bool,
    /// In restoration: the user's problem, to show the user's x in the user's dimensions.
    pub user_nlp: Option<&'a Nlp<'a>>,
    /// In restoration: the outer iteration count when it started.
    pub iter_offset: usize,
    pub b: Bounds,
    pub it: Iterate,
    pub jac: Option<Box<dyn LinearOperator + 'p>>,
    pub mu: f64,
    pub tau: f64,
    pub mu_update: MuUpdate,
    pub ls: LineSearchState,
    pub ic: InertiaCorrection,
    pub conv: ConvergenceState,
    pub kkt: Option<KktSolver>,
    pub qn: Option<Box<dyn HessianApproximation>>,
    /// The quasi-Newton memory was just reset after a failed line search (reset again only after
    /// an accepted step).
    qn_reset_pending: bool,
    /// `start_with_resto` has been acted on.
    started_in_resto: bool,
    pub iter: usize,
    pub la_time: Duration,
    pub tiny_steps: usize,
    pub last: IterStats,
    /// Restoration phases entered because no search direction could be computed (capped).
    step_fallbacks: usize,
    /// The last search direction (the debugger's `d`-blocks).
    pub dir: Option<Direction>,
    /// The final status, once known (for the `terminated` checkpoint).
    pub final_status: Option<SolveStatus>,
    /// The μ oracle waits for the search direction's affine-scaling probe.
    pub probe_pending: bool,
    /// Errors an observer's view computed at the last checkpoint (the iteration log asks for
    /// them at `after_step`).
    pub view_errors: std::cell::Cell<Option<Errors>>,
    /// Errors at the accepted iterate carried from `after_step` to the next iteration's
    /// convergence test (nothing changes in between), so a logged solve computes them once.
    carried_errors: Option<Errors>,
    /// The last Newton direction's factorization, when it is one that can be held (augmented
    /// route, exact Hessian); `None` otherwise.
    pub(crate) newton_factor: Option<NewtonFactorMark>,
    /// ∇ₓL of [`errors`](Self::errors), kept across iterations (no n-vector per call).
    pub(crate) errors_scratch: std::cell::RefCell<Vec<f64>>,
    /// The exact Hessian the last search direction was computed with, for the second-order
    /// correction of the same line search.
    pub(crate) newton_hess: Option<HessianAt<'p>>,
}

/// An exact Hessian of the Lagrangian (objective factor 1) with the point `(x, y)` it was
/// evaluated at. The second-order correction solves with the Hessian of the iterate the
/// direction came from; evaluating it again there gave the same values at the cost of a
/// ∇²L evaluation per correction (four per Van der Pol 1e5 solve, ≈ 3 % of the process).
pub(crate) struct HessianAt<'p> {
    x: Vec<f64>,
    y: Vec<f64>,
    pub(crate) op: Box<dyn LinearOperator + 'p>,
}

impl<'p> HessianAt<'p> {
    /// Whether this Hessian was evaluated at the iterate `it` (bit for bit).
    pub(crate) fn is_at(&self, it: &Iterate) -> bool {
        self.x == it.pt.x && self.y == it.y
    }
}

impl<'a, 'p> Ipm<'a, 'p> {
    pub(crate) fn new(nlp: &'a Nlp<'p>, opts: &'a Options, la: &'a LinearAlgebra<'a>, in_resto: bool) -> Self {
        let (n, m) = (nlp.n, nlp.m);
        Ipm {
            nlp,
            opts,
            la,
            observer: None,
            in_resto,
            user_nlp: None,
            iter_offset: 0,
            b: Bounds::new(nlp),
            it: Iterate { pt: Point::empty(), y: vec![0.0; m], zl: vec![0.0; n + m], zu: vec![0.0; n + m] },
            jac: None,
            mu: opts.mu_init,
            tau: (1.0 - opts.mu_init).max(opts.tau_min),
            mu_update: MuUpdate::new(opts),
            ls: LineSearchState::default(),
            ic: InertiaCorrection::default(),
            conv: ConvergenceState::default(),
            kkt: None,
            qn: None,
            qn_reset_pending: false,
            started_in_resto: false,
            iter: 0,
            la_time: Duration::ZERO,
            tiny_steps: 0,
            last: IterStats::default(),
            step_fallbacks: 0,
            dir: None,
            final_status: None,
            probe_pending: false,
            view_errors: std::cell::Cell::new(None),
            carried_errors: None,
            newton_factor: None,
            errors_scratch: std::cell::RefCell::new(Vec::new()),
            newton_hess: None,
        }
    }

    /// ∇f and the Jacobian at the iterate (after a step, a restoration or a change from outside).
    pub(crate) fn evaluate_derivatives(&mut self) -> Result<(), EvalError> {
        let mut g = vec![0.0; self.b.n];
        self.nlp.gradient(&self.it.pt.x, &mut g)?;
        self.it.pt.grad = g;
        self.jac = Some(self.nlp.jacobian(&self.it.pt.x)?);
        Ok(())
    }

    /// Algorithm A. `exit` is the restoration phase's early-exit test.
    pub(crate) fn run(&mut self, x0: Vec<f64>, warm: Option<&WarmStart>, mut exit: Option<ExitTest<'_>>) -> Outcome {
        let start = Instant::now();
        if let Err(outcome) = self.initialize(x0, warm) {
            return outcome;
        }
        loop {
            // E(μ) differs from E(0) only in `overall_mu`, where the complementarity is measured
            // against μ; with μ = 0 it equals `overall` (bit for bit: |c − 0| = |c|).
            let err = match self.carried_errors.take() {
                Some(e) => Errors { overall_mu: e.overall, ..e },
                None => self.errors(0.0),
            };
            if self.iter == 0 {
                match self.fire(Checkpoint::AfterStep) {
                    Fired::Stop => return Outcome::Status(SolveStatus::UserStop),
                    Fired::Steered => continue,
                    Fired::Continue => {}
                }
            }
            if let Some(status) = self.check_termination(&err, start) {
                return Outcome::Status(status);
            }
            self.conv.last_f = Some(self.it.pt.f);
            if let Some(test) = exit.as_deref_mut()
                && self.iter > 0
                && test(&self.it.pt.x, &self.it.pt.s)
            {
                return Outcome::ExitRequested;
            }
            match self.fire(Checkpoint::IterStart) {
                Fired::Stop => return Outcome::Status(SolveStatus::UserStop),
                Fired::Steered => continue,
                Fired::Continue => {}
            }
            self.update_mu(&err);
            // A change at `after_mu` needs no redo: everything after it reads the iterate afresh.
            if self.fire(Checkpoint::AfterMu) == Fired::Stop {
                return Outcome::Status(SolveStatus::UserStop);
            }
            // Ipopt's `start_with_resto`: the first iteration is a restoration phase. As Ipopt
            // documents, a feasible starting point makes that a failure: there is nothing to
            // restore, and the user asked for restoration, not for a normal solve.
            if self.opts.start_with_resto && !self.started_in_resto && !self.in_resto {
                self.started_in_resto = true;
                if self.unscaled_violation() <= self.opts.constr_viol_tol {
                    return Outcome::Status(SolveStatus::RestorationFailed);
                }
                match self.restoration_phase() {
                    Ok(()) => continue,
                    Err(outcome) => return outcome,
                }
            }
            let mut dir = match self.direction_step() {
                Ok(Some(dir)) => dir,
                Ok(None) => continue,
                Err(outcome) => return outcome,
            };
            let (trial, alpha, tiny) = match self.line_search(&mut dir) {
                Ok(Some(step)) => step,
                Ok(None) => continue,
                Err(outcome) => return outcome,
            };
            // A corrected step (its uncorrected twin still pending) that the line search had to
            // shorten: the final-phase corrector is off from here on.
            if dir.plain.is_some() && !self.mu_update.free && self.last.ls > 1 {
                self.mu_update.corrector_off = true;
            }
            if let Err(st) = self.accept_step(trial, &dir, alpha) {
                return Outcome::Status(st);
            }
            self.qn_reset_pending = false;
            if tiny {
                self.recalc_y_after_tiny_step();
            }
            self.dir = Some(dir);
            self.iter += 1;
            match self.fire(Checkpoint::AfterStep) {
                Fired::Stop => return Outcome::Status(SolveStatus::UserStop),
                Fired::Continue => self.carried_errors = self.view_errors.take(),
                Fired::Steered => {}
            }
        }
    }

    /// the Hessian, the quasi-Newton memory on first use, and the search direction, shown at
    /// `after_search_dir`. `Ok(None)`: start the iteration over (after a restoration, or because
    /// an observer changed the iterate).
    fn direction_step(&mut self) -> Result<Option<Direction>, Outcome> {
        // The previous iteration's Hessian is freed before the new one is evaluated.
        self.newton_hess = None;
        let hess = match self.hessian_term_owned() {
            Ok(h) => h,
            Err(e) if e.is_abort() => return Err(Outcome::Status(SolveStatus::UserStop)),
            Err(_) => return Err(Outcome::Status(SolveStatus::EvaluationError)),
        };
        if hess.is_none() && self.qn.is_none() {
            let mut qn = (self.la.quasi_newton)(self.b.n, self.opts.limited_memory_max_history);
            // Until the first secant pair exists, B₀ = σ₀I with σ₀ = max(1, ‖∇f(x₀)‖∞/10)
            // bounds the first quasi-Newton step (‖d‖∞ ≲ 10), as L-BFGS codes limit their first
            // step (Nocedal & Wright 2006, §7.2; L-BFGS-B starts with step 1/‖∇f‖). With
            // Ipopt's σ₀ = 1 a steep start throws the iterate far away (Jennrich–Sampson lands
            // on a flat region at −∞). Over the oracle set's L-BFGS runs the bound /10 took 3%
            // fewer iterations than σ₀ = 1; /1 and /100 took more.
            qn.set_initial_scaling((vec_ops::norm_inf(&self.it.pt.grad) / 10.0).max(1.0));
            self.qn = Some(qn);
        }
        let dir = match self.search_direction(hess.as_deref()) {
            Ok(d) => d,
            // Ipopt's fallback: when no usable step can be computed (the inertia correction
            // gave up), try the restoration phase before giving up.
            Err(SolveStatus::LinearSolverFailure) if !self.in_resto && self.b.m > 0 && self.step_fallbacks < 3 => {
                self.step_fallbacks += 1;
                return self.restoration_phase().map(|()| None);
            }
            Err(status) => return Err(Outcome::Status(status)),
        };
        self.newton_hess = hess.map(|op| HessianAt { x: self.it.pt.x.clone(), y: self.it.y.clone(), op });
        self.dir = Some(dir);
        match self.fire(Checkpoint::AfterSearchDir) {
            Fired::Stop => Err(Outcome::Status(SolveStatus::UserStop)),
            Fired::Steered => Ok(None),
            Fired::Continue => Ok(self.dir.take()),
        }
    }

    /// the line search on `dir`. `Ok(Some((trial, α, tiny)))` to take; `Ok(None)` to
    /// start the iteration over (after a quasi-Newton reset, a restoration phase, or a change from
    /// outside).
    fn line_search(&mut self, dir: &mut Direction) -> Result<Option<(Point, f64, bool)>, Outcome> {
        let mut step = match self.opts.line_search {
            LineSearchKind::Filter => self.filter_step_with_watchdog(dir).map_err(Outcome::Status)?,
            LineSearchKind::L1Merit => self.l1_merit_line_search(dir),
        };
        if matches!(step, StepResult::NeedRestoration)
            && let Some(twin) = dir.plain.take()
            && let Some(plain) = self.plain_twin(dir, twin)
        {
            *dir = plain;
            step = match self.opts.line_search {
                LineSearchKind::Filter => self.filter_step_with_watchdog(dir).map_err(Outcome::Status)?,
                LineSearchKind::L1Merit => self.l1_merit_line_search(dir),
            };
        }
        match step {
            StepResult::Accepted(p, a) => Ok(Some((p, a, false))),
            StepResult::Tiny => {
                // Accept the full (tiny) step; if it keeps happening, μ must go down or we stop.
                self.tiny_steps += 1;
                let p = self.trial_point(dir, 1.0).map_err(|_| Outcome::Status(SolveStatus::EvaluationError))?;
                self.last.tag = "T";
                Ok(Some((p, 1.0, true)))
            }
            // With a quasi-Newton Hessian a failed line search usually means a poor B, not an
            // infeasible problem: forget the pairs and recompute the direction from B₀ = σ₀I
            // before falling back to restoration (once per stored history; Ipopt's limited-memory
            // updater likewise restarts from scratch when its updates fail).
            StepResult::NeedRestoration if self.qn.as_ref().is_some_and(|q| q.num_pairs() > 0) && !self.qn_reset_pending => {
                if let Some(q) = self.qn.as_mut() {
                    q.reset();
                }
                self.qn_reset_pending = true;
                Ok(None)
            }
            StepResult::NeedRestoration => self.restoration_phase().map(|()| None),
            StepResult::EvalFailure => Err(Outcome::Status(SolveStatus::EvaluationError)),
            StepResult::UserStop => Err(Outcome::Status(SolveStatus::UserStop)),
            StepResult::Steered => Ok(None),
        }
    }

    /// The KKT solver's factor of the final iteration's Newton matrix with the map from the user's
    /// space into it ([`HeldKkt`]), consuming the KKT solver. `None` unless the last direction was
    /// a Newton direction on the augmented route with the exact Hessian, its step was the last
    /// one taken, and nothing was factored after it (a least-squares multiplier estimate
    /// refactors with `W = 0`).
    pub(crate) fn take_held_kkt(&mut self) -> Option<HeldKkt> {
        let mark = self.newton_factor?;
        if mark.iteration + 1 != self.iter || self.kkt.as_ref()?.factor_count() != mark.factor_count {
            return None;
        }
        let (solver, matrix) = self.kkt.take()?.into_augmented_factor()?;
        let nlp = self.nlp;
        if matrix.nrows != nlp.n + nlp.m {
            return None;
        }
        Some(HeldKkt::new(solver, matrix, nlp.n_full, nlp.free.clone(), nlp.var_scale.clone(), nlp.con_scale.clone(), nlp.obj_scale, mark.info))
    }

    /// A tiny step at a (nearly) feasible point leaves only the multipliers to improve. Where the
    /// constraint gradients are linearly dependent (more equalities than degrees of freedom,
    /// consistent), Newton's dy can carry an unbounded null-space component whose rounding swamps
    /// ∇f + Jᵀy; re-estimate y by least squares there, as Ipopt's `recalc_y` does below
    /// `recalc_y_feas_tol` (1e-6).
    fn recalc_y_after_tiny_step(&mut self) {
        if self.b.m > 0 && self.unscaled_violation() <= 1e-6 {
            let before = self.errors(self.mu).dual;
            let y_old = self.it.y.clone();
            if self.least_squares_multipliers_capped(None).is_err() || !(self.errors(self.mu).dual < before) {
                self.it.y = y_old;
            }
        }
    }
}

#[cfg(test)]
#[path = "driver_tests.rs"]
mod tests;
