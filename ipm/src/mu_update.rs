//! Barrier-parameter strategies: the monotone Fiacco–McCormick update (W&B 2006 §2.1, eq. 7) and
//! the adaptive LOQO-oracle update with a monotone safeguard (Nocedal, Wächter & Waltz 2009).

use crate::driver::{Errors, Ipm};
use crate::options::{HessianApproximationKind, MuFinalCorrector, MuOracle, MuStrategy, Options};

/// Memory of the adaptive strategy: whether it is in free (oracle) mode and the reference errors
/// progress is measured against.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MuUpdate {
    /// Free mode: μ from the LOQO oracle. Off: monotone decrease until the safeguarded barrier
    /// problem is solved.
    pub free: bool,
    /// The last (up to) four accepted reference errors.
    pub refs: Vec<f64>,
    /// A final-phase corrected step needed a backtracking line search: the affine-scaling step
    /// overshoots (degenerate pairs, where both slack and multiplier go to zero and Δs·Δz is as
    /// large as s·z), so the corrector stays off for the rest of the solve.
    pub corrector_off: bool,
}

/// Reference errors kept by the adaptive globalization (Ipopt's `adaptive_mu_kkterror_red_iters`).
const REFS_KEPT: usize = 4;

impl MuUpdate {
    pub(crate) fn new(opts: &Options) -> Self {
        MuUpdate { free: opts.mu_strategy == MuStrategy::Adaptive, refs: Vec::new(), corrector_off: false }
    }

    /// Whether `err` is sufficient progress against a reference (`err ≤ 0.9999·ref` for one of
    /// them, or no reference yet); when it is, `err` becomes a reference.
    pub(crate) fn accept_progress(&mut self, err: f64) -> bool {
        let progress = self.refs.is_empty() || self.refs.iter().any(|&r| err <= 0.9999 * r);
        if progress {
            self.refs.push(err);
            if self.refs.len() > REFS_KEPT {
                self.refs.remove(0);
            }
        }
        progress
    }
}

/// The LOQO centrality oracle: `σ = 0.1·min(0.05·(1 − ξ)/ξ, 2)³` with `ξ = min_i(w_i z_i)/avg`
/// (Vanderbei & Shanno 1999), and μ = σ·avg.
pub(crate) fn loqo_mu(avg: f64, min_c: f64) -> f64 {
    let xi = (min_c / avg).clamp(0.0, 1.0);
    let sigma = 0.1 * (0.05 * (1.0 - xi) / xi.max(1e-300)).min(2.0).powi(3);
    sigma * avg
}

/// Mehrotra's probing rule (1992; Ipopt's `probing` oracle): `σ = min((μ_aff/μ_avg)³, σ_max)`,
/// μ = σ·μ_avg, from the average complementarity `μ_aff` after the affine-scaling step.
pub(crate) fn probing_mu(mu_aff: f64, avg: f64, sigma_max: f64) -> f64 {
    ((mu_aff / avg).powi(3)).min(sigma_max) * avg
}

/// One monotone decrease (W&B 2006, eq. 7): `max(μ_final, min(κ_μ μ, μ^θ_μ))`.
pub(crate) fn monotone_next(mu: f64, opts: &Options, mu_final: f64) -> f64 {
    mu_final.max((opts.mu_linear_decrease_factor * mu).min(mu.powf(opts.mu_superlinear_decrease_power)))
}

impl Ipm<'_, '_> {
    /// The smallest μ the update may reach: Ipopt's `max(mu_min, tol/10)`, lowered (not below
    /// `mu_min`) when the gap test needs it. At a centred point every pair has zᵢsᵢ ≈ μ, so the
    /// estimated objective error is ≈ N·μ for an effective number N of active pairs (the weights
    /// of [`Self::gap_estimate`]); μ ≤ complementarity_gap_tol·σ_f·max(1, |f|)/N makes it small
    /// enough. Without this, μ would stop at tol/10 and the gap test could never pass at large N.
    pub(crate) fn mu_final(&self) -> f64 {
        let o = self.opts;
        // Monotone: W&B 2006 eq. 7, μ ≥ tol/10. Adaptive: Ipopt's adaptive update is bounded by
        // `mu_min` only (its logs reach lg(μ) = -11): on solutions without strict complementarity
        // the distance to x* scales like √μ, so the tol/10 floor stopped 5× farther away.
        let floor = if o.mu_strategy == MuStrategy::Adaptive { o.mu_min } else { (o.tol / 10.0).max(o.mu_min) };
        let ipopt = floor.min(o.mu_init);
        let g = o.complementarity_gap_tol;
        if g <= 0.0 || self.in_resto {
            return ipopt;
        }
        let (_, cnt) = self.gap_estimate();
        let os = self.nlp.obj_scale;
        let f_abs = (self.it.pt.f / os).abs().max(1.0);
        // Half the budget, for pairs off the central path.
        let mu_gap = 0.5 * g * os * f_abs / cnt.max(1.0);
        ipopt.min(mu_gap.max(o.mu_min))
    }

    /// Whether this iteration's direction gets Mehrotra's corrector with the monotone μ kept
    /// (`mu_final_corrector`): monotone mode, outside restoration, μ below `tol` (the final
    /// phase, where the last decrease of μ changes which bounds are active), within the option's
    /// scope, and not switched off by a corrected step the line search had to shorten
    /// ([`MuUpdate::corrector_off`]). The measured scope: with constraint rows and a quasi-Newton
    /// Hessian the corrected end game wanders (hs093 with L-BFGS ends in a failed restoration),
    /// and without the switch degenerate (MPCC-like) models such as ralph2 crawl to the iteration
    /// limit; with both, no problem of the oracle table or the regression set is lost. `auto`
    /// also needs a direct linear solver: the corrector's affine-scaling solve reuses the
    /// factorization, while with a Krylov solver it is a second full solve per iteration
    /// (obstacle at 1e5 on AMG-preconditioned CG: 18 → 14 iterations but 2.09 → 2.88 s).
    pub(crate) fn final_phase_corrector(&self) -> bool {
        let exact_hessian = self.opts.hessian_approximation == HessianApproximationKind::Exact;
        let direct = self.kkt.as_ref().is_some_and(|k| k.is_direct());
        let scope = match self.opts.mu_final_corrector {
            MuFinalCorrector::No => false,
            MuFinalCorrector::Auto => (self.b.m == 0 || exact_hessian) && direct,
            MuFinalCorrector::Bounds => self.b.m == 0,
            MuFinalCorrector::Yes => true,
        };
        scope && !self.mu_update.free && !self.mu_update.corrector_off && !self.in_resto && self.mu < self.opts.tol
    }

    /// Barrier parameter update. `err`: the errors at the current iterate (with μ = 0).
    pub(crate) fn update_mu(&mut self, err: &Errors) {
        let o = self.opts;
        let old = self.mu;
        if self.mu_update.free {
            let mu_final = self.mu_final();
            if self.mu_update.accept_progress(err.overall) {
                let (sum, cnt) = self.b.complementarity_sum(&self.it);
                if cnt > 0 && self.opts.mu_oracle != MuOracle::Loqo {
                    // Mehrotra's probing needs the factorization of this iteration: the search
                    // direction sets μ from its affine-scaling probe.
                    self.probe_pending = true;
                } else if cnt > 0 {
                    let avg = sum / cnt as f64;
                    let min_c = self.b.min_complementarity(&self.it);
                    // The LOQO value may exceed the current μ when complementarity is uneven; an
                    // increase throws away progress towards centrality, so μ never grows here.
                    self.mu = loqo_mu(avg, min_c).min(old).min(o.mu_max).max(mu_final);
                } else {
                    self.mu = mu_final;
                }
            } else {
                // Switch to monotone mode from the current average complementarity.
                self.mu_update.free = false;
                let (sum, cnt) = self.b.complementarity_sum(&self.it);
                self.mu = if cnt > 0 { (0.8 * sum / cnt as f64).min(o.mu_max).max(mu_final) } else { mu_final };
            }
        } else {
            // Monotone: decrease while the barrier subproblem is solved (possibly several times).
            // The floor is computed only when a decrease is due: with the gap test it weighs
            // every bound pair against the Hessian diagonal (`gap_estimate`), O(n + nnz(J)).
            let force = self.tiny_steps > 0;
            let mut mu_final = None;
            loop {
                let e_mu = self.overall_for_mu(err, self.mu);
                // The shortcut must agree with the full evaluation (checked in debug builds, i.e.
                // on every test solve).
                debug_assert!({
                    let full = self.errors(self.mu).overall_mu;
                    (e_mu - full).abs() <= 1e-12 * full.abs().max(1e-300) || e_mu == full
                });
                if !(e_mu <= o.barrier_tol_factor * self.mu || force && self.mu == old) {
                    break;
                }
                let floor = *mu_final.get_or_insert_with(|| self.mu_final());
                if self.mu <= floor {
                    break;
                }
                self.mu = monotone_next(self.mu, o, floor);
                if o.mu_strategy == MuStrategy::Adaptive {
                    // Back to free mode once the safeguarded subproblem is solved.
                    self.mu_update.free = true;
                    self.mu_update.refs.clear();
                    break;
                }
            }
        }
        if self.mu != old {
            self.mu_changed();
        }
    }

    /// A new barrier problem: τ follows μ, and the line search's memory belongs to the old one.
    pub(crate) fn mu_changed(&mut self) {
        self.tau = (1.0 - self.mu).max(self.opts.tau_min);
        self.ls.filter.clear();
        self.tiny_steps = 0;
        // The watchdog's reference values belong to the old barrier problem.
        self.ls.watchdog = None;
        self.ls.shortened = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loqo_oracle_is_small_when_centred_and_capped_when_not() {
        // Perfectly centred (ξ = 1): σ = 0, μ = 0 (the floor μ_final then decides).
        assert_eq!(loqo_mu(1.0, 1.0), 0.0);
        // ξ = 0.5: σ = 0.1·(0.05)³.
        assert!((loqo_mu(2.0, 1.0) - 2.0 * 0.1 * 0.05f64.powi(3)).abs() < 1e-18);
        // Very uneven (ξ → 0): σ is capped at 0.1·2³ = 0.8.
        assert!((loqo_mu(1.0, 1e-30) - 0.8).abs() < 1e-15);
    }

    #[test]
    fn monotone_decrease_is_linear_then_superlinear_and_floored() {
        let o = Options::default(); // κ_μ = 0.2, θ_μ = 1.5
        assert!((monotone_next(0.1, &o, 1e-9) - 0.02).abs() < 1e-15, "linear: 0.2·0.1 < 0.1^1.5");
        assert!((monotone_next(1e-4, &o, 1e-9) - 1e-6).abs() < 1e-18, "superlinear: (1e-4)^1.5 = 1e-6");
        assert_eq!(monotone_next(1e-8, &o, 1e-9), 1e-9, "never below μ_final");
    }

    #[test]
    fn adaptive_progress_keeps_four_references() {
        let mut u = MuUpdate { free: true, refs: vec![], corrector_off: false };
        assert!(u.accept_progress(10.0), "the first error is always progress");
        assert!(!u.accept_progress(10.0), "no decrease is not progress");
        assert!(u.accept_progress(9.0));
        assert!(u.accept_progress(8.0));
        assert!(u.accept_progress(7.0));
        assert!(u.accept_progress(6.0));
        assert_eq!(u.refs, vec![9.0, 8.0, 7.0, 6.0]);
        // 8.5 improves on the reference 9 (the oldest kept), so it counts.
        assert!(u.accept_progress(8.5));
    }
}
