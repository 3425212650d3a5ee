//! Han–Powell ℓ₁ exact-penalty line search on the barrier problem (Han 1977; Powell 1978):
//! `P(w; ρ) = φ_μ(w) + ρ‖c(x) − b(s)‖₁`, Armijo on the one-sided directional derivative.

use ipax_core::vec_ops;

use crate::direction::Direction;
use crate::driver::{Fired, Ipm};
use crate::iterate::Point;
use crate::line_search::StepResult;
use crate::observer::Checkpoint;

impl Ipm<'_, '_> {
    pub(crate) fn l1_merit_line_search(&mut self, dir: &Direction) -> StepResult {
        if self.is_tiny(dir) {
            return StepResult::Tiny;
        }
        let (n, m) = (self.b.n, self.b.m);
        // ρ ≥ ‖y + dy‖∞ + margin: the penalty must dominate the multipliers.
        let ynew = (0..m).map(|i| (self.it.y[i] + dir.dy[i]).abs()).fold(0.0, f64::max);
        if self.ls.rho < ynew + self.opts.l1_penalty_margin {
            self.ls.rho = 2.0 * ynew + self.opts.l1_penalty_margin;
        }
        let jac = self.jac.as_deref().expect("evaluated");
        let mut r = vec![0.0; m];
        self.b.residual(&self.it.pt, &mut r);
        let mut jd = vec![0.0; m];
        if m > 0 {
            jac.apply(1.0, &dir.dw[..n], 0.0, &mut jd);
        }
        for i in 0..m {
            if self.b.is_ineq[i] {
                jd[i] -= dir.dw[n + i];
            }
        }
        // d/dα ‖r + α J d‖₁ at 0⁺.
        let dl1: f64 = (0..m).map(|i| if r[i] != 0.0 { r[i].signum() * jd[i] } else { jd[i].abs() }).sum();
        let gphi = self.b.grad_phi(&self.it.pt, self.mu);
        let mut dd = vec_ops::dot(&gphi, &dir.dw) + self.ls.rho * dl1;
        if dd >= 0.0 {
            // Not a descent direction for this ρ: raise ρ if the constraint term can fix it.
            if dl1 < 0.0 {
                self.ls.rho = (vec_ops::dot(&gphi, &dir.dw) / -dl1) * 2.0 + self.opts.l1_penalty_margin;
                dd = vec_ops::dot(&gphi, &dir.dw) + self.ls.rho * dl1;
            }
        }
        let merit = |ipm: &Self, p: &Point| ipm.b.phi(p, ipm.mu) + ipm.ls.rho * ipm.b.theta(p);
        let m0 = merit(self, &self.it.pt);
        let mut alpha = self.b.max_primal_step(&self.it.pt, &dir.dw, self.tau);
        let mut trials = 0;
        loop {
            trials += 1;
            match self.trial_point(dir, alpha) {
                Ok(trial) => {
                    let mt = merit(self, &trial);
                    let tol = 10.0 * f64::EPSILON * m0.abs().max(1.0);
                    if mt.is_finite() && (mt <= m0 + self.opts.l1_armijo * alpha * dd.min(0.0) + tol) {
                        self.last.ls = trials;
                        self.last.tag = "m";
                        return StepResult::Accepted(trial, alpha);
                    }
                }
                Err(e) if e.is_abort() => return StepResult::EvalFailure,
                Err(_) => {}
            }
            match self.fire(Checkpoint::StepRejected) {
                Fired::Stop => return StepResult::UserStop,
                Fired::Steered => return StepResult::Steered,
                Fired::Continue => {}
            }
            alpha *= 0.5;
            if alpha < 1e-12 || trials > 60 {
                self.last.ls = trials;
                return StepResult::NeedRestoration;
            }
        }
    }
}
