//! Taking an accepted step (W&B 2006 §2.2, eqs. 14–16): the primal point, y with the primal step
//! length, the bound multipliers with their own fraction to the boundary and the κ_Σ safeguard;
//! then the derivatives at the new point and the quasi-Newton update.

use ipax_core::{LinearOperator, vec_ops};

use crate::direction::Direction;
use crate::driver::Ipm;
use crate::iterate::{Point, Side};
use crate::result::SolveStatus;

/// The κ_Σ safeguard of W&B 2006 (eq. 16): `z ← max(min(z, κ_Σ μ / s), μ / (κ_Σ s))` for a bound
/// multiplier `z` and its slack `s`. With a huge objective (f = 1e30·x²) or a slack rounded to
/// zero or below, the interval ends can be NaN/∞ or crossed (`min > max`), where `f64::clamp`
/// panics; then the interval is meaningless and the multiplier keeps its new value if that is
/// positive and finite, else its previous one (positive, as every multiplier the IPM holds).
pub(crate) fn kappa_sigma_safeguard(z: f64, z_old: f64, mu: f64, k_sigma: f64, s: f64) -> f64 {
    let z = if z.is_finite() && z > 0.0 { z } else { z_old };
    let (lo, hi) = (mu / (k_sigma * s), k_sigma * mu / s);
    if lo.is_finite() && hi.is_finite() && lo > 0.0 && lo <= hi { z.min(hi).max(lo) } else { z }
}

/// The dual step length: the largest α_z ≤ 1 keeping every bound multiplier a fraction τ
/// positive (W&B 2006, eq. 15).
pub(crate) fn max_dual_step(has_lo: &[bool], has_up: &[bool], zl: &[f64], zu: &[f64], dzl: &[f64], dzu: &[f64], tau: f64) -> f64 {
    let mut alpha_z: f64 = 1.0;
    for j in 0..zl.len() {
        if has_lo[j] && dzl[j] < 0.0 {
            alpha_z = alpha_z.min(-tau * zl[j] / dzl[j]);
        }
        if has_up[j] && dzu[j] < 0.0 {
            alpha_z = alpha_z.min(-tau * zu[j] / dzu[j]);
        }
    }
    alpha_z
}

impl Ipm<'_, '_> {
    /// Move to `trial` (the point at step α along `dir`).
    pub(crate) fn accept_step(&mut self, trial: Point, dir: &Direction, alpha: f64) -> Result<(), SolveStatus> {
        let alpha_z = max_dual_step(&self.b.has_lo, &self.b.has_up, &self.it.zl, &self.it.zu, &dir.dzl, &dir.dzu, self.tau);
        let old_x = self.it.pt.x.clone();
        let old_grad = self.it.pt.grad.clone();
        let old_jac = self.jac.take();
        self.it.pt = trial;
        for i in 0..self.b.m {
            self.it.y[i] += alpha * dir.dy[i];
        }
        let (k_sigma, mu) = (self.opts.kappa_sigma, self.mu);
        let it = &mut self.it;
        let (zl, zu) = (&mut it.zl, &mut it.zu);
        self.b.for_each_bound(&it.pt, |j, side, slack| match side {
            Side::Lower => zl[j] = kappa_sigma_safeguard(zl[j] + alpha_z * dir.dzl[j], zl[j], mu, k_sigma, slack),
            Side::Upper => zu[j] = kappa_sigma_safeguard(zu[j] + alpha_z * dir.dzu[j], zu[j], mu, k_sigma, slack),
        });
        match self.evaluate_derivatives() {
            Ok(()) => {}
            Err(e) if e.is_abort() => return Err(SolveStatus::UserStop),
            Err(_) => return Err(SolveStatus::EvaluationError),
        }
        self.update_quasi_newton(&old_x, &old_grad, old_jac.as_deref());
        self.last.alpha_pr = alpha;
        self.last.alpha_du = alpha_z;
        self.last.step_norm = alpha * vec_ops::norm_inf(&dir.dw[..self.b.n]);
        Ok(())
    }

    /// The secant pair `(s, y) = (Δx, Δ∇ₓL)` with the new y on both sides (Ipopt's choice).
    fn update_quasi_newton(&mut self, old_x: &[f64], old_grad: &[f64], old_jac: Option<&dyn LinearOperator>) {
        if self.qn.is_none() {
            return;
        }
        let s: Vec<f64> = (0..self.b.n).map(|j| self.it.pt.x[j] - old_x[j]).collect();
        let jac = self.jac.as_deref().expect("evaluated");
        let g_new = self.grad_lagrangian_x(&self.it.pt.grad, jac, &self.it.y);
        let g_old = match old_jac {
            Some(j) => self.grad_lagrangian_x(old_grad, j, &self.it.y),
            None => old_grad.to_vec(),
        };
        let yv: Vec<f64> = g_new.iter().zip(&g_old).map(|(a, b)| a - b).collect();
        if let Some(q) = self.qn.as_mut() {
            q.update(&s, &yv);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kappa_sigma_safeguard_never_panics_and_stays_positive() {
        let (mu, k) = (1e-9, 1e10);
        // The normal case is the W&B 2006 eq. 16 projection.
        assert_eq!(kappa_sigma_safeguard(1e3, 1.0, mu, k, 1.0), k * mu);
        assert_eq!(kappa_sigma_safeguard(1e-30, 1.0, mu, k, 1.0), mu / k);
        assert_eq!(kappa_sigma_safeguard(0.5, 1.0, mu, k, 1e-9), 0.5);
        // Where `f64::clamp` panicked: crossed interval (slack rounded below zero), NaN slack or
        // multiplier, zero or infinite slack (interval ends ∞ or 0).
        for s in [-1e-300, -1.0, f64::NAN, 0.0, -0.0, f64::INFINITY, f64::MIN_POSITIVE / 4.0] {
            for z in [2.0, f64::NAN, f64::INFINITY, -1.0, 0.0] {
                let v = kappa_sigma_safeguard(z, 3.0, mu, k, s);
                assert!(v.is_finite() && v > 0.0, "s = {s}, z = {z}: {v}");
            }
        }
    }

    #[test]
    fn the_dual_step_keeps_multipliers_a_fraction_tau_positive() {
        let (has, zl, zu) = ([true, true, false], [1.0, 2.0, 0.0], [0.0; 3]);
        // z = 1 moving by −4 reaches 0 at α = 0.25; τ = 0.99 stops at 0.2475.
        let a = max_dual_step(&has, &[false; 3], &zl, &zu, &[-4.0, 1.0, -100.0], &[0.0; 3], 0.99);
        assert!((a - 0.2475).abs() < 1e-15);
        // Increasing multipliers and absent bounds never limit it.
        assert_eq!(max_dual_step(&has, &[false; 3], &zl, &zu, &[1.0, 1.0, -5.0], &[-9.0; 3], 0.99), 1.0);
    }
}
