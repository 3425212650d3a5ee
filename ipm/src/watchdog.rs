//! The watchdog technique (W&B 2006 §3.2; Chamberlain et al. 1982): after a run of shortened
//! steps, take full steps unchecked for a few iterations; keep them if one becomes acceptable
//! with respect to the saved point, otherwise return to it and backtrack along its direction.
//! This escapes the step shortening that curved constraints cause (the Maratos effect) when the
//! second-order correction does not.

use ipax_core::vec_ops;

use crate::direction::Direction;
use crate::driver::Ipm;
use crate::iterate::Iterate;
use crate::line_search::{Reference, StepResult};
use crate::result::SolveStatus;

/// Saved state of a watchdog: the iterate and direction to return to if the unchecked full steps
/// do not lead to an acceptable point, with the values the acceptance test compares against.
pub(crate) struct Watchdog {
    it: Iterate,
    dir: Direction,
    theta: f64,
    phi: f64,
    gd: f64,
    alpha: f64,
    trials: usize,
}

impl Ipm<'_, '_> {
    /// The filter line search wrapped in the watchdog.
    pub(crate) fn filter_step_with_watchdog(&mut self, dir: &mut Direction) -> Result<StepResult, SolveStatus> {
        let o = self.opts;
        if self.ls.watchdog.is_none()
            && o.watchdog_shortened_iter_trigger > 0
            && o.watchdog_trial_iter_max > 0
            && self.ls.shortened >= o.watchdog_shortened_iter_trigger
            && !self.is_tiny(dir)
        {
            let pt = &self.it.pt;
            let gphi = self.b.grad_phi(pt, self.mu);
            self.ls.watchdog = Some(Watchdog {
                it: self.it.clone(),
                dir: dir.clone(),
                theta: self.b.theta(pt),
                phi: self.b.phi(pt, self.mu),
                gd: vec_ops::dot(&gphi, &dir.dw),
                alpha: self.b.max_primal_step(pt, &dir.dw, self.tau),
                trials: 0,
            });
            self.ls.shortened = 0;
        }
        if let Some(mut wd) = self.ls.watchdog.take() {
            let a = self.b.max_primal_step(&self.it.pt, &dir.dw, self.tau);
            if let Ok(trial) = self.trial_point(dir, a) {
                let (th, ph) = (self.b.theta(&trial), self.b.phi(&trial, self.mu));
                let ok = th.is_finite() && ph.is_finite();
                if ok && wd.trials > 0 && self.ls.acceptable(o, Reference { theta: wd.theta, phi: wd.phi, gd: wd.gd, alpha: wd.alpha }, th, ph).is_some() {
                    self.last.ls = 1;
                    self.last.tag = "W";
                    return Ok(StepResult::Accepted(trial, a));
                }
                if ok && wd.trials < o.watchdog_trial_iter_max {
                    wd.trials += 1;
                    self.ls.watchdog = Some(wd);
                    self.last.ls = 1;
                    self.last.tag = "w";
                    return Ok(StepResult::Accepted(trial, a));
                }
            }
            // The watchdog failed: back to the saved point, backtrack along its direction.
            self.it = wd.it;
            *dir = wd.dir;
            self.evaluate_derivatives().map_err(|_| SolveStatus::EvaluationError)?;
            self.ls.shortened = 0;
            return Ok(self.filter_line_search(dir));
        }
        let alpha_max = self.b.max_primal_step(&self.it.pt, &dir.dw, self.tau);
        let step = self.filter_line_search(dir);
        match &step {
            StepResult::Accepted(_, a) if *a < alpha_max * (1.0 - 1e-12) => self.ls.shortened += 1,
            _ => self.ls.shortened = 0,
        }
        Ok(step)
    }
}
