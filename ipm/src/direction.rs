//! The search direction (W&B 2006 §2.2 and §3.1): the reduced primal-dual system
//! ```text
//! [ W + Σ_x + δ_w I        Jᵀ      ] [dx]     [ r_x            ]
//! [ J              −(D̂ + δ_c I)    ] [dy] = − [ r_c + D̂ r_s    ]
//! ```
//! with `D̂ = (Σ_s + δ_w)⁻¹` on inequality rows, solved on the injected KKT route with inertia
//! correction ([`crate::inertia`]); then `ds` and the bound-multiplier steps.

use std::time::Instant;

use ipax_core::{EvalError, LinSolveError, LinearOperator};

use crate::driver::{Ipm, NewtonFactorMark};
use crate::held::HeldKktInfo;
use crate::inertia::{Attempt, InertiaError};
use crate::iterate::{Bounds, Iterate};
use crate::kkt::{FactorStatus, HessianTerm, KktBlocks, KktRoute, KktSolver, SolveStats, SolverRequest};
use crate::observer::KktInfo;
use crate::options::{HessianApproximationKind, KrylovPreconditionerChoice, MuOracle, Options};
use crate::result::SolveStatus;

/// A search direction over w = (x, s), y and the bound multipliers.
#[derive(Clone)]
pub(crate) struct Direction {
    pub dw: Vec<f64>,
    pub dy: Vec<f64>,
    pub dzl: Vec<f64>,
    pub dzu: Vec<f64>,
    /// δ_w of the accepted factorization (for SOC right-hand sides).
    pub delta_w: f64,
    /// r_s and Σ_s terms to rebuild right-hand sides for second-order corrections.
    pub rhs_x: Vec<f64>,
    pub r_s: Vec<f64>,
    pub sigma: Vec<f64>,
    /// With Mehrotra's corrector: how to recompute the uncorrected direction for the same μ,
    /// taken when the line search rejects the corrected one (the corrector aims at a point off
    /// the central path, and far from a solution the step it bends can fail the filter). Only
    /// then is it solved for ([`Ipm::plain_twin`]): one back-solve less per corrected step.
    pub plain: Option<PlainTwin>,
}

/// The uncorrected twin of a corrected direction: its μ and the factorization it needs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PlainTwin {
    pub mu: f64,
    /// [`KktSolver::factor_count`] when the corrected direction was solved.
    pub factor_count: u64,
}

impl<'p> Ipm<'_, 'p> {
    /// The exact Hessian of the Lagrangian at the iterate, when the options use it.
    pub(crate) fn hessian_term_owned(&mut self) -> Result<Option<Box<dyn LinearOperator + 'p>>, EvalError> {
        match self.opts.hessian_approximation {
            HessianApproximationKind::Exact if self.nlp.has_hessian() => self.nlp.hessian(&self.it.pt.x, 1.0, &self.it.y),
            _ => Ok(None),
        }
    }

    /// Create the KKT solver on first use (the route and solver come from the injected factory).
    pub(crate) fn ensure_kkt(&mut self) {
        if self.kkt.is_some() {
            return;
        }
        let (n, m) = (self.b.n, self.b.m);
        let jac = self.jac.as_deref().expect("evaluated");
        let assembled = jac.triplets().is_some();
        let dim = match self.la.route {
            KktRoute::Augmented => n + m,
            KktRoute::Condensed => n,
        };
        let nnz = jac.triplets().map_or(0, |t| t.len()) + n + m;
        let solver = self.la.factory.create(&SolverRequest { route: self.la.route, dim, assembled, nnz });
        let iterative = !solver.capabilities().is_direct;
        let mut k = KktSolver::new(self.la.route, solver);
        // The condensed matrix is only assembled for an incomplete-Cholesky or AMG preconditioner.
        k.assemble_condensed = self.la.route == KktRoute::Condensed
            && iterative
            && matches!(self.opts.krylov_preconditioner, KrylovPreconditionerChoice::Auto | KrylovPreconditionerChoice::IncompleteCholesky | KrylovPreconditionerChoice::Amg);
        k.set_condensed_delta(self.opts.condensed_regularization);
        k.max_refinement_steps = self.opts.max_refinement_steps;
        k.min_refinement_steps = self.opts.min_refinement_steps.min(self.opts.max_refinement_steps);
        k.residual_ratio_max = self.opts.residual_ratio_max;
        self.kkt = Some(k);
    }

    /// Compute the Newton direction at the iterate for the current μ (or, with a probing μ
    /// oracle pending, first the affine-scaling direction that chooses μ, then the direction
    /// for it from the same factorization).
    pub(crate) fn search_direction(&mut self, hess: Option<&dyn LinearOperator>) -> Result<Direction, SolveStatus> {
        let (n, m) = (self.b.n, self.b.m);
        // Mehrotra's probe sets μ from an affine-scaling solve; the final-phase corrector reuses
        // that solve for the second-order term only and keeps the monotone μ.
        let corrector_only = self.final_phase_corrector();
        let probing = std::mem::take(&mut self.probe_pending) || corrector_only;
        // The corrector keeps μ; only Mehrotra's probe needs the floor.
        let mu_final = if probing && !corrector_only { self.mu_final() } else { 0.0 };
        let sigma = self.b.sigma(&self.it);
        let gphi = self.b.grad_phi(&self.it.pt, if probing { 0.0 } else { self.mu });
        let jac = self.jac.as_deref().expect("evaluated");
        let (rhs_x, r_s) = newton_rhs(n, m, &self.b.is_ineq, &self.it.y, jac, &gphi);
        self.ensure_kkt();
        let mut r_c = vec![0.0; m];
        self.b.residual(&self.it.pt, &mut r_c);
        // Optional inexact Newton for Krylov solvers (`krylov_max_forcing` > 0): solve only as
        // accurately as the optimality error warrants, η = min(max_forcing, 0.01·E_μ). Off by
        // default: on the obstacle family loose solves near active bounds cost more IPM
        // iterations than they save in CG iterations.
        let eta = if self.opts.krylov_max_forcing > 0.0 {
            (0.01 * self.errors(self.mu).overall_mu).clamp(self.opts.krylov_rtol, self.opts.krylov_max_forcing.max(self.opts.krylov_rtol))
        } else {
            self.opts.krylov_rtol
        };
        let jac = self.jac.as_deref().expect("evaluated");
        let hterm = hessian_term(hess, self.qn.as_deref());
        let sigma_s: Vec<f64> = sigma[n..].to_vec();
        let is_ineq = &self.b.is_ineq;
        let blocks = KktBlocks { hess: hterm, sigma_x: &sigma[..n], sigma_s: &sigma_s, is_ineq, jac };
        let t = Instant::now();
        let kkt = self.kkt.as_mut().expect("created");
        kkt.set_inexact_tolerance(eta);
        kkt.relax_condensed_delta();
        kkt.prepare(&blocks);
        // The inertia-free curvature test (see `sufficient_curvature`): only with the exact
        // Hessian (a quasi-Newton B is positive definite, so wrong inertia there is numerical
        // trouble the step's curvature cannot judge) and once μ is small, so that negative
        // curvature still steers the early iterations away from saddle points.
        let neg_curv_tol = if hess.is_some() && self.mu <= self.opts.neg_curv_test_mu_max { self.opts.neg_curv_test_tol } else { 0.0 };
        let neg_curv_reg = self.opts.neg_curv_test_reg;
        let corrected = self.ic.correct(self.opts, self.mu, m, |delta_w, delta_c| {
            let (status, factored) = match kkt.factor(&blocks, delta_w, delta_c) {
                Ok(s) => (s, true),
                Err(LinSolveError::NonFinite(_)) => return Attempt::NonFinite,
                Err(_) => (FactorStatus::WrongInertia, false),
            };
            // With the inertia-free test on, too many negative eigenvalues are not a verdict yet:
            // the direction decides (below). Only a completed LDLᵀ that reported an inertia is a
            // factorization of the indefinite matrix (a Cholesky stops at a negative pivot).
            let curvature_test = factored && status == FactorStatus::WrongInertia && neg_curv_tol > 0.0 && kkt.route == KktRoute::Augmented;
            if status != FactorStatus::Ok && !curvature_test {
                return Attempt::Factor(status);
            }
            let mut rhs = reduced_rhs(n, is_ineq, &rhs_x, &r_s, &r_c, &sigma_s, delta_w);
            match kkt.solve(&blocks, &mut rhs) {
                Ok(_) if curvature_test && !sufficient_curvature(&blocks, &rhs, &r_s, delta_w, neg_curv_tol, neg_curv_reg) => {
                    Attempt::Factor(FactorStatus::WrongInertia)
                }
                Ok(st) => Attempt::Solved((rhs, st, curvature_test)),
                // A Krylov solve that stalls on N = W + Σ + JᵀD̂⁻¹J is ill-conditioned by
                // 1/δ_cond, not indefinite: enlarge the primal-dual regularization (the
                // refinement against the unregularized system restores accuracy); it decays
                // again once the solves stop stalling (`relax_condensed_delta`).
                Err(LinSolveError::NoConvergence { .. } | LinSolveError::AccuracyLimit { .. })
                    if kkt.route == KktRoute::Condensed && kkt.raise_condensed_delta() =>
                {
                    Attempt::Retry
                }
                // Negative curvature found by a Krylov method, no convergence, a non-finite
                // solution: the matrix needs a larger δ_w.
                Err(_) => Attempt::SolveFailed,
            }
        });
        let inertia = kkt.last_inertia.map(|i| (i.positive, i.negative, i.zero));
        let ((sol, mut stats, curvature_test), c) = corrected.map_err(|e| {
            self.la_time += t.elapsed();
            match e {
                InertiaError::NonFinite => SolveStatus::EvaluationError,
                InertiaError::TooManyFactorizations | InertiaError::PerturbationTooLarge => SolveStatus::LinearSolverFailure,
            }
        })?;
        let delta_w = c.delta_w;
        let (mut dw, mut dy) = split_solution(n, m, is_ineq, sol, &r_s, &sigma_s, delta_w);
        let mut step_rhs = (rhs_x, r_s);
        let mut corr = None;
        let mut mu = self.mu;
        if probing {
            let ctx = ProbeContext { b: &self.b, it: &self.it, opts: self.opts, jac, r_c: &r_c, sigma_s: &sigma_s, delta_w, mu_now: self.mu, mu_final, corrector_only };
            match mehrotra_probe(&ctx, kkt, &blocks, &dw) {
                Some(p) => {
                    (mu, dw, dy, step_rhs, corr, stats) = (p.mu, p.dw, p.dy, p.rhs, p.corr, p.stats);
                }
                None => {
                    self.la_time += t.elapsed();
                    return Err(SolveStatus::LinearSolverFailure);
                }
            }
        }
        self.la_time += t.elapsed();
        if mu != self.mu {
            self.mu = mu;
            self.mu_changed();
        }
        let (dzl, dzu) = match &corr {
            Some((cl, cu)) => self.b.bound_mult_steps_corrected(&self.it, &dw, self.mu, (cl, cu)),
            None => self.b.bound_mult_steps(&self.it, &dw, self.mu),
        };
        self.last.kkt = KktInfo { delta_w, delta_c: c.delta_c, inertia, factorizations: c.factorizations, residual: stats.residual, krylov_iterations: stats.iterations, curvature_test, singular_trials: c.singular, wrong_inertia_trials: c.wrong_inertia };
        // Remember which factorization this direction came from, for `hold_kkt_factor`
        // (only a Newton matrix with the exact Hessian on the augmented route can be held).
        self.newton_factor = match (&self.kkt, hess) {
            (Some(k), Some(_)) if k.route == KktRoute::Augmented => Some(NewtonFactorMark {
                iteration: self.iter,
                factor_count: k.factor_count(),
                info: HeldKktInfo {
                    iteration: self.iter,
                    mu: self.mu,
                    delta_w,
                    delta_c: c.delta_c,
                    inertia: inertia.map(|(positive, negative, zero)| ipax_core::Inertia { positive, negative, zero }),
                },
            }),
            _ => None,
        };
        self.last.reg = delta_w;
        let (rhs_x, r_s) = step_rhs;
        let plain = corr.as_ref().zip(self.kkt.as_ref()).map(|(_, k)| PlainTwin { mu: self.mu, factor_count: k.factor_count() });
        Ok(Direction { dw, dy, dzl, dzu, delta_w, rhs_x, r_s, sigma, plain })
    }

    /// The uncorrected direction of `dir` (a corrected one) for the same μ, solved with the
    /// factorization `dir` came from. `None` when that factorization is gone (the watchdog went
    /// back to an earlier iterate, or a later matrix was factored) or a solve fails.
    pub(crate) fn plain_twin(&mut self, dir: &Direction, twin: PlainTwin) -> Option<Direction> {
        let (n, m) = (self.b.n, self.b.m);
        if self.kkt.as_ref().is_none_or(|k| k.factor_count() != twin.factor_count) {
            return None;
        }
        // The direction's Hessian (a second-order correction may have taken it: evaluate again).
        let fresh = if self.newton_hess.as_ref().is_some_and(|h| h.is_at(&self.it)) { None } else { Some(self.hessian_term_owned().ok()?) };
        let hess: Option<&dyn LinearOperator> = match &fresh {
            Some(f) => f.as_deref(),
            None => self.newton_hess.as_ref().map(|h| h.op.as_ref()),
        };
        let jac = self.jac.as_deref()?;
        let gphi = self.b.grad_phi(&self.it.pt, twin.mu);
        let (rhs_x, r_s) = newton_rhs(n, m, &self.b.is_ineq, &self.it.y, jac, &gphi);
        let mut r_c = vec![0.0; m];
        self.b.residual(&self.it.pt, &mut r_c);
        let sigma_s: Vec<f64> = dir.sigma[n..].to_vec();
        let hterm = hessian_term(hess, self.qn.as_deref());
        let blocks = KktBlocks { hess: hterm, sigma_x: &dir.sigma[..n], sigma_s: &sigma_s, is_ineq: &self.b.is_ineq, jac };
        let mut v = reduced_rhs(n, &self.b.is_ineq, &rhs_x, &r_s, &r_c, &sigma_s, dir.delta_w);
        let t = Instant::now();
        let solved = self.kkt.as_mut()?.solve(&blocks, &mut v);
        self.la_time += t.elapsed();
        solved.ok()?;
        let (dw, dy) = split_solution(n, m, &self.b.is_ineq, v, &r_s, &sigma_s, dir.delta_w);
        let (dzl, dzu) = self.b.bound_mult_steps(&self.it, &dw, twin.mu);
        Some(Direction { dw, dy, dzl, dzu, delta_w: dir.delta_w, rhs_x, r_s, sigma: dir.sigma.clone(), plain: None })
    }
}

/// The Hessian term of the KKT matrix: the exact Hessian, else the quasi-Newton approximation
/// (as low-rank factors where it has them), else none.
fn hessian_term<'h>(hess: Option<&'h dyn LinearOperator>, qn: Option<&'h dyn ipax_core::HessianApproximation>) -> HessianTerm<'h> {
    match (hess, qn) {
        (Some(h), _) => HessianTerm::Exact(h),
        (None, Some(q)) => match q.low_rank() {
            Some(parts) => HessianTerm::LowRank(q as &dyn LinearOperator, parts),
            // An L-BFGS operator without low-rank parts cannot be assembled: use its products.
            None => HessianTerm::Exact(q as &dyn LinearOperator),
        },
        (None, None) => HessianTerm::Zero,
    }
}

/// What the probe needs from the iterate and the factored system.
struct ProbeContext<'c> {
    b: &'c Bounds,
    it: &'c Iterate,
    opts: &'c Options,
    jac: &'c dyn LinearOperator,
    r_c: &'c [f64],
    sigma_s: &'c [f64],
    delta_w: f64,
    mu_now: f64,
    mu_final: f64,
    /// Keep `mu_now` and add the corrector (the monotone final phase), instead of probing μ.
    corrector_only: bool,
}

/// The probe's outcome: μ, the direction for it, and (with the corrector) the correction terms.
struct Probed {
    mu: f64,
    dw: Vec<f64>,
    dy: Vec<f64>,
    rhs: (Vec<f64>, Vec<f64>),
    corr: Option<(Vec<f64>, Vec<f64>)>,
    stats: SolveStats,
}

/// Mehrotra's probe (1992) from the affine-scaling direction `dw_aff` (computed with μ = 0),
/// then the direction for the μ it gives, from the same factorization (one more back-solve; with
/// the corrector its uncorrected twin is solved for only if the line search needs it,
/// [`Ipm::plain_twin`]). `None` when a back-solve fails.
fn mehrotra_probe(c: &ProbeContext<'_>, kkt: &mut KktSolver, blocks: &KktBlocks<'_>, dw_aff: &[f64]) -> Option<Probed> {
    let (b, it, o) = (c.b, c.it, c.opts);
    let (n, m, is_ineq) = (b.n, b.m, &b.is_ineq[..]);
    let (dzl_a, dzu_a) = b.bound_mult_steps(it, dw_aff, 0.0);
    let (mu_aff, cl, cu) = b.affine_probe(it, dw_aff, &dzl_a, &dzu_a);
    let (sum, cnt) = b.complementarity_sum(it);
    let avg = sum / cnt.max(1) as f64;
    let mu = if c.corrector_only {
        c.mu_now
    } else {
        crate::mu_update::probing_mu(mu_aff, avg, o.sigma_max).min(c.mu_now).min(o.mu_max).max(c.mu_final)
    };
    let solve = |kkt: &mut KktSolver, rhs: &(Vec<f64>, Vec<f64>)| {
        let mut v = reduced_rhs(n, is_ineq, &rhs.0, &rhs.1, c.r_c, c.sigma_s, c.delta_w);
        let st = kkt.solve(blocks, &mut v).ok()?;
        let (dw, dy) = split_solution(n, m, is_ineq, v, &rhs.1, c.sigma_s, c.delta_w);
        Some((dw, dy, st))
    };
    let mut corr = None;
    if o.mu_oracle == MuOracle::Mehrotra || c.corrector_only {
        corr = Some((cl, cu));
    }
    let gphi = match &corr {
        Some((cl, cu)) => b.grad_phi_corrected(&it.pt, mu, (cl, cu)),
        None => b.grad_phi(&it.pt, mu),
    };
    let rhs = newton_rhs(n, m, is_ineq, &it.y, c.jac, &gphi);
    let (dw, dy, stats) = solve(kkt, &rhs)?;
    Some(Probed { mu, dw, dy, rhs, corr, stats })
}

/// `r_x = −(∇φ_x + Jᵀy)` and `r_s = ∇φ_s − y` (inequality rows).
fn newton_rhs(n: usize, m: usize, is_ineq: &[bool], y: &[f64], jac: &dyn LinearOperator, gphi: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut rhs_x: Vec<f64> = gphi[..n].to_vec();
    if m > 0 {
        jac.apply_transpose(1.0, y, 1.0, &mut rhs_x);
    }
    rhs_x.iter_mut().for_each(|v| *v = -*v);
    let r_s: Vec<f64> = (0..m).map(|i| if is_ineq[i] { gphi[n + i] - y[i] } else { 0.0 }).collect();
    (rhs_x, r_s)
}

/// The reduced system's right-hand side `[r_x; −(r_c + D̂ r_s)]` for this δ_w.
fn reduced_rhs(n: usize, is_ineq: &[bool], rhs_x: &[f64], r_s: &[f64], r_c: &[f64], sigma_s: &[f64], delta_w: f64) -> Vec<f64> {
    let m = r_c.len();
    let mut rhs = vec![0.0; n + m];
    rhs[..n].copy_from_slice(rhs_x);
    for i in 0..m {
        let rt = r_c[i] + if is_ineq[i] { r_s[i] / (sigma_s[i] + delta_w).max(1e-20) } else { 0.0 };
        rhs[n + i] = -rt;
    }
    rhs
}

/// `(dw, dy)` from the reduced solution `[dx; dy]`: `ds = (dy − r_s)/(Σ_s + δ_w)` on inequality rows.
/// The inertia-free curvature test (Chiang & Zavala 2016; Ipopt's `neg_curv_test_tol`): a
/// direction from a matrix with the wrong inertia is still a descent direction for the barrier
/// problem when the primal step sees positive curvature,
/// `dxᵀ(W + Σ_x)dx + dsᵀΣ_s ds [+ δ_w(‖dx‖² + ‖ds‖²)] ≥ α_n (‖dx‖² + ‖ds‖²)`,
/// with `ds` recovered from the reduced solution `sol = [dx; dy]` as in [`split_solution`].
/// Negative curvature elsewhere in the matrix (directions the step does not take) then costs no
/// Hessian perturbation, which would otherwise slow the local convergence.
fn sufficient_curvature(blocks: &KktBlocks<'_>, sol: &[f64], r_s: &[f64], delta_w: f64, alpha: f64, with_reg: bool) -> bool {
    let (n, m) = (blocks.sigma_x.len(), blocks.is_ineq.len());
    let dx = &sol[..n];
    let mut wdx = vec![0.0; n];
    blocks.hess.apply_add(dx, &mut wdx);
    let mut curv = 0.0;
    let mut norm2 = 0.0;
    for j in 0..n {
        curv += dx[j] * (wdx[j] + blocks.sigma_x[j] * dx[j]);
        norm2 += dx[j] * dx[j];
    }
    for i in 0..m {
        if blocks.is_ineq[i] {
            let ds = (sol[n + i] - r_s[i]) / (blocks.sigma_s[i] + delta_w).max(1e-20);
            curv += blocks.sigma_s[i] * ds * ds;
            norm2 += ds * ds;
        }
    }
    if with_reg {
        curv += delta_w * norm2;
    }
    curv.is_finite() && curv >= alpha * norm2
}

fn split_solution(n: usize, m: usize, is_ineq: &[bool], mut sol: Vec<f64>, r_s: &[f64], sigma_s: &[f64], delta_w: f64) -> (Vec<f64>, Vec<f64>) {
    let dy = sol.split_off(n);
    let mut dw = sol;
    dw.resize(n + m, 0.0);
    for i in 0..m {
        if is_ineq[i] {
            dw[n + i] = (dy[i] - r_s[i]) / (sigma_s[i] + delta_w).max(1e-20);
        }
    }
    (dw, dy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipax_core::{CscMatrix, CscStorage, Triplets};

    /// W = diag(1, −1) (one direction of negative curvature), no constraints.
    fn indefinite_hessian() -> CscMatrix {
        let mut t = Triplets::new(2, 2);
        t.push(0, 0, 1.0);
        t.push(1, 1, -1.0);
        CscMatrix::from_triplets(&t, CscStorage::SymmetricLower)
    }

    #[test]
    fn the_curvature_test_measures_the_step_not_the_matrix() {
        let w = indefinite_hessian();
        let blocks = KktBlocks { hess: HessianTerm::Exact(&w), sigma_x: &[0.0, 0.0], sigma_s: &[], is_ineq: &[], jac: &w };
        // Along e₀ the curvature is +1: kept although the matrix has a negative eigenvalue.
        assert!(sufficient_curvature(&blocks, &[1.0, 0.0], &[], 0.0, 1e-12, true));
        // Along e₁ it is −1: rejected.
        assert!(!sufficient_curvature(&blocks, &[0.0, 1.0], &[], 0.0, 1e-12, true));
        // Mixed: 1·0.25 − 1·1 < 0, rejected; δ_w = 2 counted (neg_curv_test_reg) makes it +1.25.
        assert!(!sufficient_curvature(&blocks, &[0.5, 1.0], &[], 2.0, 1e-12, false));
        assert!(sufficient_curvature(&blocks, &[0.5, 1.0], &[], 2.0, 1e-12, true));
    }

    #[test]
    fn slack_steps_count_with_their_barrier_curvature() {
        // n = 1 with W = −1, one inequality row with Σ_s = 4: dx = 1 and ds = (dy − r_s)/Σ_s = 1
        // give −1 + 4 = 3 ≥ α·2 for α < 1.5.
        let mut t = Triplets::new(1, 1);
        t.push(0, 0, -1.0);
        let w = CscMatrix::from_triplets(&t, CscStorage::SymmetricLower);
        let blocks = KktBlocks { hess: HessianTerm::Exact(&w), sigma_x: &[0.0], sigma_s: &[4.0], is_ineq: &[true], jac: &w };
        assert!(sufficient_curvature(&blocks, &[1.0, 5.0], &[1.0], 0.0, 1.4, false));
        assert!(!sufficient_curvature(&blocks, &[1.0, 5.0], &[1.0], 0.0, 1.6, false));
        // A non-finite step never passes.
        assert!(!sufficient_curvature(&blocks, &[f64::NAN, 5.0], &[1.0], 0.0, 0.0, false));
    }
}
