//! Iterate initialization (W&B 2006 §3.6): the bound push of x and the slacks, bound multipliers
//! at `bound_mult_init_val`, least-squares constraint multipliers, or a warm start.

use std::time::Instant;

use ipax_core::{LinSolveError, vec_ops};

use crate::driver::{Ipm, Outcome, WarmStart};
use crate::iterate::evaluate;
use crate::kkt::{FactorStatus, HessianTerm, KktBlocks, KktRoute};
use crate::result::SolveStatus;

/// Per-row share of the floor of θ_max = theta_max_fact·max(θ(x₀), 1, this·m).
const THETA_MAX_FLOOR_PER_ROW: f64 = 1e-3;

/// The filter's bound θ_max = `fact`·max(θ(x₀), 1, 1e-3·m) (W&B 2006 §2.3 with Ipopt's floor 1,
/// raised for many rows). θ is a 1-norm summing all m rows, so the floor 1 of a feasible start
/// means an average violation of 1/m per row: at m = 1e7 every full step that violates each row
/// by 1e-3 is cut (the accepted step falls like 1/m) until restoration takes over. Up to 1000
/// rows this is Ipopt's θ_max exactly.
fn filter_theta_max(fact: f64, theta0: f64, m: usize) -> f64 {
    fact * theta0.max((THETA_MAX_FLOOR_PER_ROW * m as f64).max(1.0))
}

/// Ipopt's bound push for one component (W&B 2006, eq. 34–35).
pub(crate) fn push_one(v: &mut f64, lo: f64, up: f64, k1: f64, k2: f64) {
    let (hl, hu) = (lo.is_finite(), up.is_finite());
    if hl && hu {
        let pl = (k1 * lo.abs().max(1.0)).min(k2 * (up - lo));
        let pu = (k1 * up.abs().max(1.0)).min(k2 * (up - lo));
        *v = v.max(lo + pl).min(up - pu);
        if lo == up {
            *v = lo;
        }
    } else if hl {
        *v = v.max(lo + k1 * lo.abs().max(1.0));
    } else if hu {
        *v = v.min(up - k1 * up.abs().max(1.0));
    }
}

impl Ipm<'_, '_> {
    /// Keep `x` a safe distance inside its bounds.
    pub(crate) fn push_into_bounds(&self, x: &[f64], (k1, k2): (f64, f64)) -> Vec<f64> {
        let mut out = x.to_vec();
        for i in 0..x.len() {
            push_one(&mut out[i], self.b.lo[i], self.b.up[i], k1, k2);
        }
        out
    }

    /// The starting iterate: slacks `c(x₀)` pushed into their bounds, bound multipliers, and
    /// constraint multipliers by least squares (or from the warm start), then the filter's bounds.
    pub(crate) fn initialize(&mut self, x0: Vec<f64>, warm: Option<&WarmStart>) -> Result<(), Outcome> {
        let (n, m) = (self.b.n, self.b.m);
        let mut c0 = vec![0.0; m];
        if self.nlp.constraints(&x0, &mut c0).is_err() {
            return Err(Outcome::Status(SolveStatus::EvaluationError));
        }
        let mut s0 = vec![0.0; m];
        // A warm start keeps the slacks as close to c(x0) as x0 is kept to its bounds (Ipopt's
        // warm_start_slack_bound_push/frac replace slack_bound_push/frac, as solve_with does for x0).
        let o = self.opts;
        let (slack_push, slack_frac) =
            if o.warm_start_init_point { (o.warm_start_slack_bound_push, o.warm_start_slack_bound_frac) } else { (o.slack_bound_push, o.slack_bound_frac) };
        for i in 0..m {
            s0[i] = c0[i];
            if self.b.is_ineq[i] {
                push_one(&mut s0[i], self.b.lo[n + i], self.b.up[n + i], slack_push, slack_frac);
            }
        }
        self.it.pt = evaluate(self.nlp, x0, s0).map_err(|_| Outcome::Status(SolveStatus::EvaluationError))?;
        self.evaluate_derivatives().map_err(|_| Outcome::Status(SolveStatus::EvaluationError))?;
        for j in 0..n + m {
            self.it.zl[j] = if self.b.has_lo[j] { o.bound_mult_init_val } else { 0.0 };
            self.it.zu[j] = if self.b.has_up[j] { o.bound_mult_init_val } else { 0.0 };
        }
        match warm.filter(|_| o.warm_start_init_point) {
            Some(w) => self.warm_multipliers(w),
            // A failed estimate just leaves y = 0, as Ipopt does.
            None => {
                let _ = self.least_squares_multipliers();
            }
        }
        let theta0 = self.b.theta(&self.it.pt);
        self.ls.theta_max = filter_theta_max(o.theta_max_fact, theta0, m);
        self.ls.theta_min = o.theta_min_fact * theta0.max(1.0);
        self.ls.filter.clear();
        self.last.tag = "";
        Ok(())
    }

    /// Multipliers from a warm start (user space → scaled), bound multipliers pushed to at least
    /// `warm_start_mult_bound_push`, and μ from the warm point's average complementarity.
    fn warm_multipliers(&mut self, w: &WarmStart) {
        let (m, nlp) = (self.b.m, self.nlp);
        if let Some(y) = w.y.as_ref().filter(|y| y.len() == m) {
            for i in 0..m {
                self.it.y[i] = y[i] * nlp.obj_scale / nlp.con_scale[i];
            }
        }
        let push = self.opts.warm_start_mult_bound_push;
        for (src, dst, mask) in [(w.z_l.as_ref(), &mut self.it.zl, &self.b.has_lo), (w.z_u.as_ref(), &mut self.it.zu, &self.b.has_up)] {
            if let Some(z) = src.filter(|z| z.len() == nlp.n_full) {
                for (k, &i) in nlp.free.iter().enumerate() {
                    if mask[k] {
                        dst[k] = (z[i] * nlp.obj_scale / nlp.var_scale[k]).max(push);
                    }
                }
            }
        }
        let (sum, cnt) = self.b.complementarity_sum(&self.it);
        if cnt > 0 {
            // max/min, not clamp: mu_min > mu_init is a user setting, not a reason to panic.
            self.mu = (sum / cnt as f64).min(self.opts.mu_init).max(self.opts.mu_min);
        }
    }

    /// Least-squares multipliers (W&B 2006 §3.6): solve `[I Aᵀ; A 0][w; y] = [−(∇f − z_L + z_U); 0]`.
    pub(crate) fn least_squares_multipliers(&mut self) -> Result<(), LinSolveError> {
        self.least_squares_multipliers_capped(Some(self.opts.constr_mult_init_max))
    }

    /// Least-squares multipliers; with `cap`, a result larger than it is discarded (y = 0).
    pub(crate) fn least_squares_multipliers_capped(&mut self, cap: Option<f64>) -> Result<(), LinSolveError> {
        let (n, m) = (self.b.n, self.b.m);
        if m == 0 {
            return Ok(());
        }
        self.ensure_kkt();
        // Give the augmented route the Hessian's pattern before the first Newton system, so the
        // symbolic analysis done here is the one every later factorization reuses.
        if self.la.route == KktRoute::Augmented
            && self.kkt.as_ref().is_some_and(|k| !k.has_hessian_pattern())
            && let Ok(Some(h)) = self.hessian_term_owned()
        {
            self.kkt.as_mut().expect("created").seed_hessian_pattern(h.as_ref());
        }
        let zeros_x = vec![0.0; n];
        let zeros_s = vec![0.0; m];
        let jac = self.jac.as_deref().expect("evaluated");
        let blocks = KktBlocks { hess: HessianTerm::Zero, sigma_x: &zeros_x, sigma_s: &zeros_s, is_ineq: &self.b.is_ineq, jac };
        let kkt = self.kkt.as_mut().expect("created");
        let t = Instant::now();
        kkt.prepare(&blocks);
        let mut st = kkt.factor(&blocks, 1.0, 0.0)?;
        if st != FactorStatus::Ok {
            st = kkt.factor(&blocks, 1.0, 1e-8)?;
        }
        if st != FactorStatus::Ok {
            self.la_time += t.elapsed();
            return Ok(());
        }
        let mut rhs = vec![0.0; n + m];
        let it = &self.it;
        for j in 0..n {
            rhs[j] = -(it.pt.grad[j] - it.zl[j] + it.zu[j]);
        }
        for i in 0..m {
            if self.b.is_ineq[i] {
                // r_s = −z_L,s + z_U,s ; b_i = −r_s/(0 + 1)
                rhs[n + i] = -(-it.zl[n + i] + it.zu[n + i]);
            }
        }
        let r = kkt.solve(&blocks, &mut rhs);
        self.la_time += t.elapsed();
        r?;
        let y = &rhs[n..];
        if vec_ops::all_finite(y) && cap.is_none_or(|c| vec_ops::norm_inf(y) <= c) {
            self.it.y.copy_from_slice(y);
        } else {
            self.it.y.iter_mut().for_each(|v| *v = 0.0);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{filter_theta_max, push_one};

    #[test]
    fn theta_max_is_ipopts_up_to_a_thousand_rows_and_grows_with_the_rows_beyond() {
        // An infeasible start decides as in Ipopt: fact·θ(x₀).
        assert_eq!(filter_theta_max(1e4, 250.0, 10), 2.5e6);
        assert_eq!(filter_theta_max(1e4, 250.0, 100_000), 2.5e6);
        // Feasible (or nearly) starts: the floor is 1 up to 1000 rows, 1e-3 per row beyond.
        assert_eq!(filter_theta_max(1e4, 0.0, 2), 1e4);
        assert_eq!(filter_theta_max(1e4, 0.0, 1000), 1e4);
        assert_eq!(filter_theta_max(1e4, 0.5, 4000), 4e4);
        assert_eq!(filter_theta_max(1e4, 0.0, 10_000_000), 1e8);
    }

    fn pushed(v: f64, lo: f64, up: f64) -> f64 {
        let mut x = v;
        push_one(&mut x, lo, up, 1e-2, 1e-2);
        x
    }

    /// W&B 2006 eqs. 34–35 with κ₁ = κ₂ = 1e-2, values computed by hand.
    #[test]
    fn the_initial_point_is_pushed_into_the_bounds_as_ipopt_does() {
        // Two-sided [0, 10]: p_L = min(κ₁·max(1, 0), κ₂·10) = 0.01, p_U = min(κ₁·10, κ₂·10) = 0.1.
        assert_eq!(pushed(-5.0, 0.0, 10.0), 0.01);
        assert_eq!(pushed(20.0, 0.0, 10.0), 9.9);
        assert_eq!(pushed(5.0, 0.0, 10.0), 5.0);
        // A narrow interval is limited by κ₂ times its width: p = min(0.01, 1e-5) = 1e-5.
        assert_eq!(pushed(0.0, 0.0, 1e-3), 1e-5);
        // One-sided bounds move by κ₁·max(1, |b|).
        assert_eq!(pushed(-100.0, -100.0, f64::INFINITY), -99.0);
        assert_eq!(pushed(1.0, f64::NEG_INFINITY, 0.5), 0.49);
        // Fixed variables stay on their value; free ones are untouched.
        assert_eq!(pushed(7.0, 3.0, 3.0), 3.0);
        assert_eq!(pushed(-1e30, f64::NEG_INFINITY, f64::INFINITY), -1e30);
    }
}
