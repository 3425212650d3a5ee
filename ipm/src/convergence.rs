//! Optimality errors and the convergence check (W&B 2006 §2.1, eq. 5; Ipopt's
//! `OptimalityErrorConvergenceCheck`), with the unscaled tolerances and the gap test.

use std::time::Instant;

use ipax_core::{LinearOperator, vec_ops};

use crate::driver::Ipm;
use crate::iterate::Side;
use crate::result::SolveStatus;

/// Errors in scaled quantities at the current iterate.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Errors {
    pub dual: f64,
    /// Size of the terms whose sum is the dual residual: `max(1, ‖∇f‖∞, ‖Jᵀy‖∞, ‖z‖∞)`.
    pub dual_terms: f64,
    pub primal: f64,
    pub compl: f64,
    pub overall: f64,
    pub overall_mu: f64,
    /// Ipopt's dual and complementarity scaling factors `s_d`, `s_c` (W&B 2006, eq. 5).
    pub s_d: f64,
    pub s_c: f64,
}

/// The convergence check's memory across iterations.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConvergenceState {
    /// Consecutive iterations at an acceptable point.
    pub acceptable_count: usize,
    /// Scaled objective at the previous iteration's start (for `acceptable_obj_change_tol`).
    pub last_f: Option<f64>,
}

impl Ipm<'_, '_> {
    /// ∇ₓL = ∇f + Jᵀy (without bound multipliers).
    pub(crate) fn grad_lagrangian_x(&self, grad: &[f64], jac: &dyn LinearOperator, y: &[f64]) -> Vec<f64> {
        let mut g = grad.to_vec();
        if self.b.m > 0 {
            jac.apply_transpose(1.0, y, 1.0, &mut g);
        }
        g
    }

    /// The scaled optimality errors at the iterate, complementarity measured against `mu`.
    pub(crate) fn errors(&self, mu: f64) -> Errors {
        let (n, m, it) = (self.b.n, self.b.m, &self.it);
        let jac = self.jac.as_deref().expect("derivatives evaluated");
        // ∇ₓL = ∇f + Jᵀy in a buffer kept across calls (as `grad_lagrangian_x`, without the
        // allocation); the slack rows' ∇L (−y on inequalities, 0 on equalities) is formed on the fly.
        let mut gl = self.errors_scratch.borrow_mut();
        gl.clear();
        gl.extend_from_slice(&it.pt.grad);
        if m > 0 {
            jac.apply_transpose(1.0, &it.y, 1.0, &mut gl);
        }
        // One accumulator per term: maxima are exact and NaN-ignoring in any order, so separate
        // chains give the same numbers as one `max(max(max(…)))` chain per entry, without its
        // serial dependency.
        let mut dual: f64 = 0.0;
        let (mut t_grad, mut t_jty, mut t_zl, mut t_zu): (f64, f64, f64, f64) = (1.0, 1.0, 1.0, 1.0);
        for j in 0..n {
            let (g, grad_j) = (gl[j], it.pt.grad[j]);
            dual = dual.max((g - it.zl[j] + it.zu[j]).abs());
            t_grad = t_grad.max(grad_j.abs());
            t_jty = t_jty.max((g - grad_j).abs());
            t_zl = t_zl.max(it.zl[j]);
            t_zu = t_zu.max(it.zu[j]);
        }
        drop(gl);
        for i in 0..m {
            let j = n + i;
            let g = if self.b.is_ineq[i] { -it.y[i] } else { 0.0 };
            dual = dual.max((g - it.zl[j] + it.zu[j]).abs());
            t_jty = t_jty.max(g.abs());
            t_zl = t_zl.max(it.zl[j]);
            t_zu = t_zu.max(it.zu[j]);
        }
        let dual_terms = t_grad.max(t_jty).max(t_zl).max(t_zu);
        let mut compl: f64 = 0.0;
        let mut compl_mu: f64 = 0.0;
        self.b.for_each_bound(&it.pt, |j, side, slack| {
            let c = slack * if side == Side::Lower { it.zl[j] } else { it.zu[j] };
            compl = compl.max(c.abs());
            compl_mu = compl_mu.max((c - mu).abs());
        });
        // ‖c(x) − b‖∞ (`Bounds::residual` and `norm_inf`, without the vector).
        let mut primal: f64 = 0.0;
        for i in 0..m {
            let r = it.pt.c[i] - if self.b.is_ineq[i] { it.pt.s[i] } else { self.b.rhs[i] };
            primal = primal.max(r.abs());
        }
        // Ipopt's scaled error (W&B 2006, eq. 5) with s_max = 100.
        let s_max = 100.0;
        let nz = (n + m) as f64;
        let zsum = vec_ops::norm1(&it.zl) + vec_ops::norm1(&it.zu);
        let s_d = if m + n > 0 { ((vec_ops::norm1(&it.y) + zsum) / (m as f64 + nz)).max(s_max) / s_max } else { 1.0 };
        let s_c = if n + m > 0 { (zsum / nz).max(s_max) / s_max } else { 1.0 };
        Errors {
            dual,
            dual_terms,
            primal,
            compl,
            overall: (dual / s_d).max(primal).max(compl / s_c),
            overall_mu: (dual / s_d).max(primal).max(compl_mu / s_c),
            s_d,
            s_c,
        }
    }

    /// `E_μ` at the iterate `base` was computed at, for another barrier parameter: only the
    /// complementarity term depends on μ, so the residuals (a Jacobian product and a constraint
    /// pass) are not recomputed. The monotone μ update may test several μ per iteration.
    pub(crate) fn overall_for_mu(&self, base: &Errors, mu: f64) -> f64 {
        let it = &self.it;
        let mut compl_mu: f64 = 0.0;
        self.b.for_each_bound(&it.pt, |j, side, slack| {
            let z = if side == Side::Lower { it.zl[j] } else { it.zu[j] };
            compl_mu = compl_mu.max((slack * z - mu).abs());
        });
        (base.dual / base.s_d).max(base.primal).max(compl_mu / base.s_c)
    }

    /// Unscaled max violation of the bounds the algorithm works with (relaxed by at most 1e-9),
    /// as Ipopt's termination test measures it.
    pub(crate) fn unscaled_violation(&self) -> f64 {
        let mut v: f64 = 0.0;
        for i in 0..self.b.m {
            let ci = self.it.pt.c[i];
            v = v.max((self.nlp.c_l[i] - ci).max(ci - self.nlp.c_u[i]).max(0.0) / self.nlp.con_scale[i]);
        }
        v
    }

    /// The termination tests, in Ipopt's order: optimal, acceptable (for `acceptable_iter`
    /// iterations), diverging or unbounded, iteration and time limits, tiny steps at μ_min.
    pub(crate) fn check_termination(&mut self, err: &Errors, start: Instant) -> Option<SolveStatus> {
        let o = self.opts;
        let viol = self.unscaled_violation();
        let dual_unscaled = err.dual / self.nlp.obj_scale;
        // Ipopt tests `compl_inf_tol` on the unscaled complementarity: slack·multiplier pairs
        // scale with the objective factor only (constraint and variable scalings cancel). The
        // scaled value let f = 1e30·x² + y² (objective scale ~1e-29) stop "Optimal" with an
        // unscaled complementarity of 0.6 at a non-stationary y.
        let compl_unscaled = err.compl / self.nlp.obj_scale;
        // Beyond Ipopt: the scaled test divides the dual residual by s_d ∝ ‖y‖ + ‖z‖, so diverging
        // multipliers of vanishing constraint gradients (LICQ failing, Jᵀy bounded while y → ∞) can
        // make an O(1) residual look converged. Optimal also requires the residual to be small
        // relative to the terms it sums (√tol·max(1, ‖∇f‖, ‖Jᵀy‖, ‖z‖)); otherwise the solve goes
        // on and can at most end Acceptable.
        let dual_relative_ok = err.dual <= o.tol.sqrt() * err.dual_terms;
        if err.overall <= o.tol
            && dual_relative_ok
            && self.gap_ok()
            && dual_unscaled <= o.dual_inf_tol
            && viol <= o.constr_viol_tol
            && compl_unscaled <= o.compl_inf_tol
        {
            return Some(SolveStatus::Optimal);
        }
        // Ipopt's `acceptable_obj_change_tol`: the objective's relative change since the previous
        // iteration must be this small too (the default 1e20 switches the test off).
        let f = self.it.pt.f;
        let obj_change_ok = o.acceptable_obj_change_tol >= 1e20 || self.conv.last_f.is_some_and(|p| (f - p).abs() <= o.acceptable_obj_change_tol * f.abs().max(1.0));
        if err.overall <= o.acceptable_tol
            && obj_change_ok
            && err.dual <= o.acceptable_tol.sqrt() * err.dual_terms
            && dual_unscaled <= o.acceptable_dual_inf_tol
            && viol <= o.acceptable_constr_viol_tol
            && compl_unscaled <= o.acceptable_compl_inf_tol
        {
            self.conv.acceptable_count += 1;
            if o.acceptable_iter > 0 && self.conv.acceptable_count >= o.acceptable_iter {
                return Some(SolveStatus::Acceptable);
            }
        } else {
            self.conv.acceptable_count = 0;
        }
        let x_norm = vec_ops::norm_inf(&self.it.pt.x);
        if x_norm > o.diverging_iterates_tol {
            return Some(if viol <= o.constr_viol_tol.max(1e-6) { SolveStatus::Unbounded } else { SolveStatus::DivergingIterates });
        }
        // Feasible, objective beyond −1e15 and iterates beyond 1e10: the objective is unbounded
        // below (the iterates would otherwise crawl towards diverging_iterates_tol in round-off).
        if f / self.nlp.obj_scale < -1e15 && x_norm > 1e10 && viol <= o.constr_viol_tol {
            return Some(SolveStatus::Unbounded);
        }
        if self.iter >= if self.in_resto { o.max_resto_iter.min(o.max_iter) } else { o.max_iter } {
            return Some(SolveStatus::MaxIterations);
        }
        if start.elapsed().as_secs_f64() > o.max_wall_time {
            return Some(SolveStatus::MaxWallTime);
        }
        if self.tiny_steps >= 2 && self.mu <= o.mu_min * 1.0001 {
            return Some(if err.overall <= o.acceptable_tol { SolveStatus::Acceptable } else { SolveStatus::SearchDirectionTooSmall });
        }
        None
    }

    /// The estimated objective error relative to the objective, both unscaled:
    /// `(Σᵢ wᵢ zᵢ sᵢ) / max(1, |f|)` with the curvature weights of
    /// [`Bounds::weighted_complementarity_sum`](crate::iterate::Bounds::weighted_complementarity_sum)
    /// (all 1 without an exact Hessian diagonal: the total complementarity). Objective and
    /// variable scalings cancel in each product except the objective factor σ_f, hence the
    /// division by it.
    fn gap_ratio(&self) -> f64 {
        let os = self.nlp.obj_scale;
        let (sum, _) = self.gap_estimate();
        (sum / os) / (self.it.pt.f / os).abs().max(1.0)
    }

    /// `(Σᵢ wᵢ zᵢ sᵢ, Σᵢ wᵢ)` at the iterate, the curvature weights of
    /// [`Bounds::weighted_complementarity_sum`](crate::iterate::Bounds::weighted_complementarity_sum)
    /// from the Hessian of the latest search direction (one iteration old, which is enough to
    /// tell active from inactive bounds): `hⱼ = max(Wⱼⱼ, 0)` for a variable, and for the slack
    /// of inequality row `i` the curvature the row sees through its variables in the same
    /// diagonal approximation, `hᵢ = 1 / Σⱼ J²ᵢⱼ / (max(Wⱼⱼ, 0) + Σⱼⱼ)` (0 when a variable of the
    /// row has no curvature at all: weight 1). Without an exact Hessian diagonal every weight is
    /// 1 (the total complementarity).
    pub(crate) fn gap_estimate(&self) -> (f64, f64) {
        let (n, m) = (self.b.n, self.b.m);
        let Some(diag) = self.newton_hess.as_ref().and_then(|h| h.op.diagonal()).filter(|d| d.len() >= n) else {
            return self.b.weighted_complementarity_sum(&self.it, None);
        };
        let mut h = vec![0.0; n + m];
        for j in 0..n {
            h[j] = diag[j].max(0.0);
        }
        if self.b.is_ineq.iter().any(|&q| q)
            && let Some(jac) = self.jac.as_deref()
        {
            let sigma = self.b.sigma(&self.it);
            // Σⱼ J²ᵢⱼ / (hⱼ + Σⱼⱼ) per row; an entry over a curvature-free variable makes it ∞.
            let mut inv = vec![0.0; m];
            let mut add = |i: usize, j: usize, v: f64| {
                if v != 0.0 {
                    let d = h[j] + sigma[j];
                    inv[i] += if d > 0.0 { v * v / d } else { f64::INFINITY };
                }
            };
            // The Jacobian's own CSC when it has one (no copy), else its triplets.
            if let Some(c) = jac.csc().filter(|c| c.storage == ipax_core::CscStorage::General) {
                for j in 0..c.ncols {
                    for k in c.col_ptr[j]..c.col_ptr[j + 1] {
                        add(c.row_idx[k], j, c.values[k]);
                    }
                }
            } else if let Some(t) = jac.triplets() {
                for k in 0..t.len() {
                    add(t.rows[k], t.cols[k], t.vals[k]);
                }
            }
            for i in 0..m {
                if self.b.is_ineq[i] && inv[i] > 0.0 {
                    h[n + i] = 1.0 / inv[i];
                }
            }
        }
        self.b.weighted_complementarity_sum(&self.it, Some(&h))
    }

    /// The gap-aware termination test (`complementarity_gap_tol`, beyond Ipopt). Waived in the
    /// restoration phase (it solves its own feasibility problem) and once μ is at `mu_min`, where
    /// no further decrease can shrink the gap: Ipopt's criteria then decide alone.
    fn gap_ok(&self) -> bool {
        let g = self.opts.complementarity_gap_tol;
        g <= 0.0 || self.in_resto || self.mu <= self.opts.mu_min * 1.0001 || self.gap_ratio() <= g
    }
}
