//! The filter line search with second-order corrections (W&B 2006 §2.3–2.4, Algorithm A steps
//! ), its acceptance test, and the step it ends with.

use ipax_core::{EvalError, LinearOperator, vec_ops};

use crate::direction::Direction;
use crate::driver::{Fired, Ipm};
use crate::filter::Filter;
use crate::iterate::{Point, evaluate};
use crate::kkt::{HessianTerm, KktBlocks};
use crate::observer::Checkpoint;
use crate::options::Options;
use crate::watchdog::Watchdog;

pub(crate) const GAMMA_THETA: f64 = 1e-5;
pub(crate) const GAMMA_PHI: f64 = 1e-8;
const S_THETA: f64 = 1.1;
const S_PHI: f64 = 2.3;
const DELTA_SWITCH: f64 = 1.0;
const GAMMA_ALPHA: f64 = 0.05;

/// The point a trial is judged against: θ and φ there, ∇φᵀd along the direction, and the
/// trial's step length α.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reference {
    pub theta: f64,
    pub phi: f64,
    pub gd: f64,
    pub alpha: f64,
}

/// How a line search ended.
pub(crate) enum StepResult {
    Accepted(Point, f64),
    /// The direction is below `tiny_step_tol`: take it whole.
    Tiny,
    NeedRestoration,
    EvalFailure,
    /// An observer stopped the solve at `step_rejected`.
    UserStop,
    /// An observer changed the iterate at `step_rejected`: the direction is void.
    Steered,
}

/// The line search's memory: the filter and its bounds, the ℓ₁ penalty, the watchdog.
#[derive(Default)]
pub(crate) struct LineSearchState {
    pub filter: Filter,
    /// θ_max: trial points above it are rejected outright (W&B 2006 §2.3).
    pub theta_max: f64,
    /// θ_min: below it the switching condition may apply.
    pub theta_min: f64,
    /// The ℓ₁ merit function's penalty ρ.
    pub rho: f64,
    /// Consecutive iterations whose step was shortened (for the watchdog).
    pub shortened: usize,
    pub watchdog: Option<Watchdog>,
}

impl LineSearchState {
    /// Whether a trial (θ_t, φ_t) at step α along a direction with ∇φᵀd = `gd` from (θ, φ) is
    /// acceptable. `Some(true)`: by the switching condition with Armijo (an "f-type" step, the
    /// filter is not augmented); `Some(false)`: by sufficient decrease of θ or φ ("h-type").
    pub(crate) fn acceptable(&self, o: &Options, r: Reference, th_t: f64, ph_t: f64) -> Option<bool> {
        let Reference { theta, phi, gd, alpha } = r;
        if !th_t.is_finite() || !ph_t.is_finite() || th_t > self.theta_max {
            return None;
        }
        // Ipopt's `obj_max_inc`: a trial barrier objective more than 10^obj_max_inc (relative)
        // above the current one signals a bad direction (e.g. an inaccurate quasi-Newton solve),
        // not progress, even when θ decreases (IpFilterLSAcceptor::CheckAcceptabilityOfTrialPoint).
        if ph_t > phi && ((ph_t - phi) / phi.abs().max(1.0)).log10() > o.obj_max_inc {
            return None;
        }
        if !self.filter.acceptable(th_t, ph_t) {
            return None;
        }
        let switching = gd < 0.0 && theta <= self.theta_min && alpha * (-gd).powf(S_PHI) > DELTA_SWITCH * theta.powf(S_THETA);
        // Compare with a relative tolerance on φ so round-off at convergence does not reject steps.
        let tol = 10.0 * f64::EPSILON * phi.abs().max(1.0);
        if switching {
            return if ph_t <= phi + o.eta_phi * alpha * gd + tol { Some(true) } else { None };
        }
        // At a feasible point (θ = 0) no reduction of θ is possible: only φ can show progress.
        if (theta > 0.0 && th_t <= (1.0 - GAMMA_THETA) * theta) || ph_t <= phi - GAMMA_PHI * theta + tol {
            return Some(false);
        }
        None
    }

    /// The smallest step before the line search gives up (W&B 2006, eq. 23).
    pub(crate) fn alpha_min(&self, theta: f64, gd: f64) -> f64 {
        GAMMA_ALPHA
            * if gd < 0.0 {
                let a = GAMMA_THETA.min(GAMMA_PHI * theta / -gd);
                if theta <= self.theta_min { a.min(DELTA_SWITCH * theta.powf(S_THETA) / (-gd).powf(S_PHI)) } else { a }
            } else {
                GAMMA_THETA
            }
    }

    /// Remember (θ, φ) (with the margins of W&B 2006, eq. 22) after an h-type step.
    pub(crate) fn augment(&mut self, theta: f64, phi: f64) {
        self.filter.add((1.0 - GAMMA_THETA) * theta, phi - GAMMA_PHI * theta);
    }
}

impl Ipm<'_, '_> {
    pub(crate) fn trial_point(&self, dir: &Direction, alpha: f64) -> Result<Point, EvalError> {
        self.trial_from(&self.it.pt, &dir.dw, alpha)
    }

    pub(crate) fn trial_from(&self, base: &Point, dw: &[f64], alpha: f64) -> Result<Point, EvalError> {
        let (x, s) = self.b.moved(base, dw, alpha);
        evaluate(self.nlp, x, s)
    }

    /// Whether the direction is below `tiny_step_tol` relative to the iterate (Ipopt's
    /// `tiny_step_tol` test, also on the multipliers).
    pub(crate) fn is_tiny(&self, dir: &Direction) -> bool {
        let (n, pt) = (self.b.n, &self.it.pt);
        let mut mx: f64 = 0.0;
        for j in 0..n {
            mx = mx.max(dir.dw[j].abs() / (1.0 + pt.x[j].abs()));
        }
        for i in 0..self.b.m {
            if self.b.is_ineq[i] {
                mx = mx.max(dir.dw[n + i].abs() / (1.0 + pt.s[i].abs()));
            }
        }
        mx < self.opts.tiny_step_tol && vec_ops::norm_inf(&dir.dy) < self.opts.tiny_step_tol * (1.0 + vec_ops::norm_inf(&self.it.y))
    }

    /// Filter line search with second-order corrections: backtrack from the largest step the
    /// fraction-to-the-boundary rule allows until the filter accepts, or α < α_min.
    pub(crate) fn filter_line_search(&mut self, dir: &Direction) -> StepResult {
        if self.is_tiny(dir) {
            return StepResult::Tiny;
        }
        let theta = self.b.theta(&self.it.pt);
        let phi = self.b.phi(&self.it.pt, self.mu);
        let gphi = self.b.grad_phi(&self.it.pt, self.mu);
        let gd = vec_ops::dot(&gphi, &dir.dw);
        let alpha_max = self.b.max_primal_step(&self.it.pt, &dir.dw, self.tau);
        let alpha_min = self.ls.alpha_min(theta, gd);
        let mut alpha = alpha_max;
        let mut trials = 0;
        let mut eval_failures = 0;
        loop {
            trials += 1;
            let trial = match self.trial_point(dir, alpha) {
                Ok(t) => Some(t),
                Err(e) if e.is_abort() => return StepResult::EvalFailure,
                Err(_) => {
                    eval_failures += 1;
                    None
                }
            };
            if let Some(trial) = trial {
                let th_t = self.b.theta(&trial);
                let ph_t = self.b.phi(&trial, self.mu);
                if let Some(ftype) = self.ls.acceptable(self.opts, Reference { theta, phi, gd, alpha }, th_t, ph_t) {
                    if !ftype {
                        self.ls.augment(theta, phi);
                    }
                    self.last.ls = trials;
                    self.last.tag = if ftype { "f" } else { "h" };
                    return StepResult::Accepted(trial, alpha);
                }
                // Second-order correction on the first trial (W&B 2006 §2.4).
                if trials == 1
                    && th_t >= theta
                    && self.b.m > 0
                    && self.opts.max_soc > 0
                    && let Some((p, a)) = self.second_order_correction(dir, alpha, theta, phi, gd, &trial)
                {
                    self.ls.augment(theta, phi);
                    self.last.ls = trials;
                    self.last.tag = "s";
                    return StepResult::Accepted(p, a);
                }
            }
            match self.fire(Checkpoint::StepRejected) {
                Fired::Stop => return StepResult::UserStop,
                Fired::Steered => return StepResult::Steered,
                Fired::Continue => {}
            }
            alpha *= 0.5;
            if alpha < alpha_min || trials > 60 {
                if eval_failures == trials && self.iter == 0 {
                    return StepResult::EvalFailure;
                }
                self.last.ls = trials;
                // At (almost) feasible points a failed line search is a search-direction problem,
                // not a feasibility one; Ipopt's restoration still handles it.
                return StepResult::NeedRestoration;
            }
        }
    }

    /// Second-order correction (W&B 2006 §2.4): re-solve with the constraint residual of the
    /// rejected trial point, `c_soc ← α c_soc + c(x_trial)`, up to `max_soc` times.
    fn second_order_correction(&mut self, dir: &Direction, alpha0: f64, theta: f64, phi: f64, gd: f64, first: &Point) -> Option<(Point, f64)> {
        let (n, m) = (self.b.n, self.b.m);
        let mut r0 = vec![0.0; m];
        self.b.residual(&self.it.pt, &mut r0);
        let mut rt = vec![0.0; m];
        self.b.residual(first, &mut rt);
        let mut c_soc: Vec<f64> = (0..m).map(|i| alpha0 * r0[i] + rt[i]).collect();
        let mut theta_old = theta;
        // The direction's Hessian when it was evaluated at this iterate (the watchdog may
        // search from an earlier one); otherwise evaluate it.
        let kept = self.newton_hess.take().filter(|h| h.is_at(&self.it));
        let fresh = match kept {
            Some(_) => None,
            None => self.hessian_term_owned().ok()?,
        };
        let hess_owned: Option<&dyn LinearOperator> = kept.as_ref().map(|h| h.op.as_ref()).or(fresh.as_deref());
        let jac = self.jac.as_deref()?;
        for _ in 0..self.opts.max_soc {
            let mut rhs = vec![0.0; n + m];
            rhs[..n].copy_from_slice(&dir.rhs_x);
            for i in 0..m {
                let r = c_soc[i] + if self.b.is_ineq[i] { dir.r_s[i] / (dir.sigma[n + i] + dir.delta_w).max(1e-20) } else { 0.0 };
                rhs[n + i] = -r;
            }
            let lowrank = self.qn.as_ref().and_then(|q| q.low_rank());
            let qn_op: Option<&dyn LinearOperator> = self.qn.as_deref().map(|q| q as &dyn LinearOperator);
            let hterm = match (hess_owned, qn_op, lowrank) {
                (Some(h), _, _) => HessianTerm::Exact(h),
                (None, Some(q), Some(p)) => HessianTerm::LowRank(q, p),
                (None, Some(q), None) => HessianTerm::Exact(q),
                _ => HessianTerm::Zero,
            };
            let sigma_s = dir.sigma[n..].to_vec();
            let blocks = KktBlocks { hess: hterm, sigma_x: &dir.sigma[..n], sigma_s: &sigma_s, is_ineq: &self.b.is_ineq, jac };
            let t = std::time::Instant::now();
            let kkt = self.kkt.as_mut()?;
            let solved = kkt.solve(&blocks, &mut rhs);
            self.la_time += t.elapsed();
            solved.ok()?;
            let mut dw = rhs[..n].to_vec();
            dw.resize(n + m, 0.0);
            for i in 0..m {
                if self.b.is_ineq[i] {
                    dw[n + i] = (rhs[n + i] - dir.r_s[i]) / (dir.sigma[n + i] + dir.delta_w).max(1e-20);
                }
            }
            let a_soc = self.b.max_primal_step(&self.it.pt, &dw, self.tau);
            let trial = self.trial_from(&self.it.pt, &dw, a_soc).ok()?;
            let th_t = self.b.theta(&trial);
            let ph_t = self.b.phi(&trial, self.mu);
            if self.ls.acceptable(self.opts, Reference { theta, phi, gd, alpha: alpha0 }, th_t, ph_t).is_some() {
                return Some((trial, alpha0));
            }
            if th_t > self.opts.kappa_soc * theta_old {
                return None;
            }
            theta_old = th_t;
            self.b.residual(&trial, &mut rt);
            for i in 0..m {
                c_soc[i] = a_soc * c_soc[i] + rt[i];
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(theta_min: f64) -> LineSearchState {
        LineSearchState { theta_max: 1e4, theta_min, ..Default::default() }
    }

    #[test]
    fn sufficient_decrease_of_theta_or_phi_is_an_h_type_step() {
        let (o, ls) = (Options::default(), state(1e-4));
        // θ decreases by more than γ_θ θ.
        assert_eq!(ls.acceptable(&o, Reference { theta: 1.0, phi: 5.0, gd: -1.0, alpha: 1.0 }, 0.5, 6.0), Some(false));
        // φ decreases by more than γ_φ θ.
        assert_eq!(ls.acceptable(&o, Reference { theta: 1.0, phi: 5.0, gd: -1.0, alpha: 1.0 }, 1.0, 4.0), Some(false));
        // Neither: rejected.
        assert_eq!(ls.acceptable(&o, Reference { theta: 1.0, phi: 5.0, gd: -1.0, alpha: 1.0 }, 1.0, 5.0), None);
        // Above θ_max or not finite: rejected whatever φ does.
        assert_eq!(ls.acceptable(&o, Reference { theta: 1.0, phi: 5.0, gd: -1.0, alpha: 1.0 }, 2e4, -1e9), None);
        assert_eq!(ls.acceptable(&o, Reference { theta: 1.0, phi: 5.0, gd: -1.0, alpha: 1.0 }, f64::NAN, 0.0), None);
    }

    #[test]
    fn the_switching_condition_demands_armijo_and_gives_an_f_type_step() {
        let (o, ls) = (Options::default(), state(1e-4));
        // θ = 1e-6 ≤ θ_min, gd = −1: α(−gd)^s_φ = 1 > δ θ^s_θ, so the switching condition holds.
        let (theta, phi, gd) = (1e-6, 5.0, -1.0);
        // Armijo: φ_t ≤ φ + η_φ α gd.
        assert_eq!(ls.acceptable(&o, Reference { theta, phi, gd, alpha: 1.0 }, 1e-6, phi - 1e-3), Some(true));
        // A φ decrease too small for Armijo is rejected even though it passes the h-type test.
        assert_eq!(ls.acceptable(&o, Reference { theta, phi, gd, alpha: 1.0 }, 1e-9, phi - 1e-12), None);
        // With θ above θ_min the same trial is an h-type step (θ decreased enough).
        let ls2 = state(1e-8);
        assert_eq!(ls2.acceptable(&o, Reference { theta, phi, gd, alpha: 1.0 }, 1e-9, phi - 1e-12), Some(false));
    }

    #[test]
    fn the_filter_rejects_points_it_dominates_and_obj_max_inc_guards_phi() {
        let o = Options::default();
        let mut ls = state(1e-4);
        ls.augment(0.5, 1.0);
        assert_eq!(ls.acceptable(&o, Reference { theta: 1.0, phi: 5.0, gd: -1.0, alpha: 1.0 }, 0.6, 2.0), None, "dominated by the entry (0.5, 1)");
        assert_eq!(ls.acceptable(&o, Reference { theta: 1.0, phi: 5.0, gd: -1.0, alpha: 1.0 }, 0.4, 6.0), Some(false));
        // A φ increase by more than 10^obj_max_inc (relative) is rejected although θ improves.
        let mut ls = state(1e-4);
        ls.theta_max = 1e30;
        assert_eq!(ls.acceptable(&o, Reference { theta: 1.0, phi: 1.0, gd: -1.0, alpha: 1.0 }, 0.1, 1e6), None);
    }

    #[test]
    fn alpha_min_follows_eq_23() {
        let ls = state(1e-4);
        // Not a descent direction: γ_α γ_θ.
        assert_eq!(ls.alpha_min(1.0, 1.0), GAMMA_ALPHA * GAMMA_THETA);
        // Descent, θ large: γ_α min(γ_θ, γ_φ θ/−gd).
        assert_eq!(ls.alpha_min(1.0, -1e-2), GAMMA_ALPHA * GAMMA_THETA.min(GAMMA_PHI / 1e-2));
        // Descent, θ ≤ θ_min: also bounded by δ θ^s_θ / (−gd)^s_φ.
        let (th, gd) = (1e-6f64, -1.0f64);
        let want = GAMMA_ALPHA * GAMMA_THETA.min(GAMMA_PHI * th / -gd).min(DELTA_SWITCH * th.powf(S_THETA) / (-gd).powf(S_PHI));
        assert_eq!(ls.alpha_min(th, gd), want);
    }
}
