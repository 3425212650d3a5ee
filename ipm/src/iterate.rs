//! The primal-dual iterate (W&B 2006 §2): the point `w = (x, s)` with its function values, the
//! constraint multipliers `y` and the bound multipliers `z_L`, `z_U` over `w`, and the bounds they
//! belong to.
//!
//! Storage is one vector per kind over all rows, so the KKT assembly and the line search read
//! them without gathers: `y` holds `y_c` at equality rows and `y_d` at inequality rows; `z_l`
//! holds the user's `z_l` in its first `n` entries and the slack multipliers `v_l` at `n + i` for
//! inequality rows `i` (likewise `z_u`/`v_u`). The debugger's named blocks ([`crate::Block`]) are
//! views on these (see `steer`).

use ipax_core::EvalError;

use crate::filter::Filter;
use crate::nlp::Nlp;
use crate::summation::CompensatedSum;

/// Ipopt's damping factor κ_d for one-sided bounds.
pub(crate) const KAPPA_D: f64 = 1e-5;

/// A primal point `w = (x, s)` and the function values there.
#[derive(Clone)]
pub(crate) struct Point {
    pub x: Vec<f64>,
    /// Slacks, one per row; only inequality rows' entries are used.
    pub s: Vec<f64>,
    pub f: f64,
    /// ∇f (filled once derivatives are evaluated).
    pub grad: Vec<f64>,
    pub c: Vec<f64>,
}

impl Point {
    pub(crate) fn empty() -> Self {
        Point { x: vec![], s: vec![], f: 0.0, grad: vec![], c: vec![] }
    }
}

/// The primal-dual iterate.
#[derive(Clone)]
pub(crate) struct Iterate {
    pub pt: Point,
    pub y: Vec<f64>,
    /// Lower-bound multipliers over `w = (x, s)`: `z_l` then `v_l` (0 where there is no bound).
    pub zl: Vec<f64>,
    /// Upper-bound multipliers over `w`.
    pub zu: Vec<f64>,
}

/// Which side of a bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Lower,
    Upper,
}

/// The bounds on `w = (x, s)`: variable bounds, then the inequality rows' `[d_L, d_U]` (infinite
/// for equality rows, whose slack entries are unused).
pub(crate) struct Bounds {
    pub n: usize,
    pub m: usize,
    pub lo: Vec<f64>,
    pub up: Vec<f64>,
    pub has_lo: Vec<bool>,
    pub has_up: Vec<bool>,
    pub is_ineq: Vec<bool>,
    /// Right-hand side `b` of each equality row (its `c_L`).
    pub rhs: Vec<f64>,
}

impl Bounds {
    pub(crate) fn new(nlp: &Nlp<'_>) -> Self {
        let (n, m) = (nlp.n, nlp.m);
        let mut lo = nlp.x_l.clone();
        let mut up = nlp.x_u.clone();
        let is_ineq: Vec<bool> = (0..m).map(|i| nlp.c_l[i] != nlp.c_u[i]).collect();
        for i in 0..m {
            if is_ineq[i] {
                lo.push(nlp.c_l[i]);
                up.push(nlp.c_u[i]);
            } else {
                lo.push(f64::NEG_INFINITY);
                up.push(f64::INFINITY);
            }
        }
        let has_lo = lo.iter().map(|v| v.is_finite()).collect();
        let has_up = up.iter().map(|v| v.is_finite()).collect();
        Bounds { n, m, lo, up, has_lo, has_up, is_ineq, rhs: nlp.c_l.clone() }
    }

    /// Component `j` of `w = (x, s)`.
    #[inline]
    pub(crate) fn w(&self, pt: &Point, j: usize) -> f64 {
        if j < self.n { pt.x[j] } else { pt.s[j - self.n] }
    }

    /// Visit every finite bound of `w` at `pt`, lower before upper for each component, with the
    /// distance to it (`w − lo` or `up − w`). Every barrier, complementarity and step-length
    /// formula of the method is a sum or a minimum over these pairs.
    #[inline]
    pub(crate) fn for_each_bound(&self, pt: &Point, mut f: impl FnMut(usize, Side, f64)) {
        for j in 0..self.n + self.m {
            let w = self.w(pt, j);
            if self.has_lo[j] {
                f(j, Side::Lower, w - self.lo[j]);
            }
            if self.has_up[j] {
                f(j, Side::Upper, self.up[j] - w);
            }
        }
    }

    /// `r_c = c(x) − b`, with `b` the slack (inequalities) or the right-hand side (equalities).
    pub(crate) fn residual(&self, pt: &Point, r: &mut [f64]) {
        for i in 0..self.m {
            r[i] = pt.c[i] - if self.is_ineq[i] { pt.s[i] } else { self.rhs[i] };
        }
    }

    /// θ(w) = ‖c(x) − b‖₁.
    pub(crate) fn theta(&self, pt: &Point) -> f64 {
        (0..self.m).map(|i| (pt.c[i] - if self.is_ineq[i] { pt.s[i] } else { self.rhs[i] }).abs()).sum()
    }

    /// `(Σ slack·z, number of pairs)` over every finite bound.
    pub(crate) fn complementarity_sum(&self, it: &Iterate) -> (f64, usize) {
        let mut sum = 0.0;
        let mut cnt = 0;
        self.for_each_bound(&it.pt, |j, side, slack| {
            sum += slack * if side == Side::Lower { it.zl[j] } else { it.zu[j] };
            cnt += 1;
        });
        (sum, cnt)
    }

    /// The objective error left by the complementarity, estimated pair by pair:
    /// `(Σᵢ wⱼ zᵢsᵢ, Σᵢ wⱼ)` over every finite bound, with the weight of component `j` of
    /// `w = (x, s)` `wⱼ = Σⱼⱼ / (Σⱼⱼ + hⱼ)` from the barrier diagonal `Σ` and a curvature `hⱼ ≥ 0`
    /// that competes with it (`curvature`, see [`Ipm::gap_estimate`](crate::driver::Ipm); `None`
    /// or `hⱼ = 0`: `wⱼ = 1`).
    ///
    /// Why: along the central path `df/dμ = zᵀw′(μ)`, and for a bound-constrained model
    /// `x′ = (W + Σ)⁻¹S⁻¹e`, so that `f(x(μ)) − f* ≈ μ·Σⱼ Σⱼⱼ[(W + Σ)⁻¹]ⱼⱼ` to first order, and
    /// `hⱼ = Wⱼⱼ` in the diagonal approximation. An active bound (`z` large, `s ≈ μ/z`,
    /// `Σⱼⱼ ≫ hⱼ`) counts one `μ`; an inactive one (`z ≈ μ/s`, `Σⱼⱼ ≪ hⱼ`) hardly moves the
    /// objective and counts almost nothing, where the plain sum `Σ zᵢsᵢ` counts `μ` for every
    /// pair. Without curvature information the weight is 1: the plain sum, an upper bound.
    pub(crate) fn weighted_complementarity_sum(&self, it: &Iterate, curvature: Option<&[f64]>) -> (f64, f64) {
        let sigma = |j: usize| {
            let mut s = 0.0;
            if self.has_lo[j] {
                s += it.zl[j] / (self.w(&it.pt, j) - self.lo[j]);
            }
            if self.has_up[j] {
                s += it.zu[j] / (self.up[j] - self.w(&it.pt, j));
            }
            s
        };
        let mut sum = 0.0;
        let mut count = 0.0;
        let mut weight_of = (usize::MAX, 1.0);
        self.for_each_bound(&it.pt, |j, side, slack| {
            if weight_of.0 != j {
                let h = curvature.map_or(0.0, |c| c[j]);
                let sg = sigma(j);
                weight_of = (j, if h > 0.0 && h.is_finite() && sg.is_finite() { sg / (sg + h) } else { 1.0 });
            }
            let w = weight_of.1;
            sum += w * slack * if side == Side::Lower { it.zl[j] } else { it.zu[j] };
            count += w;
        });
        (sum, count)
    }

    /// The smallest slack·z product.
    pub(crate) fn min_complementarity(&self, it: &Iterate) -> f64 {
        let mut mn = f64::INFINITY;
        self.for_each_bound(&it.pt, |j, side, slack| {
            mn = mn.min(slack * if side == Side::Lower { it.zl[j] } else { it.zu[j] });
        });
        mn
    }

    /// `Σ = Z_L S_L⁻¹ + Z_U S_U⁻¹`, the barrier Hessian's diagonal over `w`.
    pub(crate) fn sigma(&self, it: &Iterate) -> Vec<f64> {
        let mut s = vec![0.0; self.n + self.m];
        self.for_each_bound(&it.pt, |j, side, slack| {
            let z = if side == Side::Lower { it.zl[j] } else { it.zu[j] };
            s[j] += z / slack;
        });
        s
    }

    /// Largest α ≤ 1 keeping `w + α dw` a fraction τ inside its bounds (W&B 2006, eq. 15).
    pub(crate) fn max_primal_step(&self, pt: &Point, dw: &[f64], tau: f64) -> f64 {
        let mut a: f64 = 1.0;
        self.for_each_bound(pt, |j, side, slack| match side {
            Side::Lower if dw[j] < 0.0 => a = a.min(-tau * slack / dw[j]),
            Side::Upper if dw[j] > 0.0 => a = a.min(tau * slack / dw[j]),
            _ => {}
        });
        a
    }

    /// Bound-multiplier steps from the primal step (W&B 2006, eq. 11):
    /// `dz_L = μ/s_L − z_L − (z_L/s_L) dw`, `dz_U = μ/s_U − z_U + (z_U/s_U) dw`.
    pub(crate) fn bound_mult_steps(&self, it: &Iterate, dw: &[f64], mu: f64) -> (Vec<f64>, Vec<f64>) {
        let nm = self.n + self.m;
        let mut dzl = vec![0.0; nm];
        let mut dzu = vec![0.0; nm];
        self.for_each_bound(&it.pt, |j, side, slack| match side {
            Side::Lower => dzl[j] = mu / slack - it.zl[j] - it.zl[j] / slack * dw[j],
            Side::Upper => dzu[j] = mu / slack - it.zu[j] + it.zu[j] / slack * dw[j],
        });
        (dzl, dzu)
    }

    /// Barrier objective φ_μ(w) = f − μ Σ ln(slack) + κ_d μ Σ slack over one-sided bounds
    /// (Ipopt's damping of one-sided bounds, W&B 2006 §3.7).
    pub(crate) fn phi(&self, pt: &Point, mu: f64) -> f64 {
        // Compensated: the line search compares φ at points whose difference can be far below
        // the rounding error of a plain sum of n barrier terms (see `summation`).
        let mut v = CompensatedSum::new(pt.f);
        self.for_each_bound(pt, |j, side, slack| {
            v.add(-mu * slack.ln());
            let one_sided = if side == Side::Lower { !self.has_up[j] } else { !self.has_lo[j] };
            if one_sided {
                v.add(KAPPA_D * mu * slack);
            }
        });
        v.value()
    }

    /// ∇φ_μ over w = (x, s).
    pub(crate) fn grad_phi(&self, pt: &Point, mu: f64) -> Vec<f64> {
        let mut g = pt.grad.clone();
        g.resize(self.n + self.m, 0.0);
        self.for_each_bound(pt, |j, side, slack| match side {
            Side::Lower => {
                g[j] -= mu / slack;
                if !self.has_up[j] {
                    g[j] += KAPPA_D * mu;
                }
            }
            Side::Upper => {
                g[j] += mu / slack;
                if !self.has_lo[j] {
                    g[j] -= KAPPA_D * mu;
                }
            }
        });
        g
    }

    /// ∇φ with Mehrotra's corrected complementarity targets: bound `j` aims at `zᵢ·slackᵢ =
    /// μ − cᵢ` instead of μ (`corr` = (lower, upper) products `Δslack_aff·Δz_aff` over w).
    pub(crate) fn grad_phi_corrected(&self, pt: &Point, mu: f64, corr: (&[f64], &[f64])) -> Vec<f64> {
        let mut g = pt.grad.clone();
        g.resize(self.n + self.m, 0.0);
        self.for_each_bound(pt, |j, side, slack| match side {
            Side::Lower => {
                g[j] -= (mu - corr.0[j]) / slack;
                if !self.has_up[j] {
                    g[j] += KAPPA_D * mu;
                }
            }
            Side::Upper => {
                g[j] += (mu - corr.1[j]) / slack;
                if !self.has_lo[j] {
                    g[j] -= KAPPA_D * mu;
                }
            }
        });
        g
    }

    /// Bound-multiplier steps for per-bound targets `μ − corr` (see [`grad_phi_corrected`](Self::grad_phi_corrected)).
    pub(crate) fn bound_mult_steps_corrected(&self, it: &Iterate, dw: &[f64], mu: f64, corr: (&[f64], &[f64])) -> (Vec<f64>, Vec<f64>) {
        let nm = self.n + self.m;
        let mut dzl = vec![0.0; nm];
        let mut dzu = vec![0.0; nm];
        self.for_each_bound(&it.pt, |j, side, slack| match side {
            Side::Lower => dzl[j] = (mu - corr.0[j]) / slack - it.zl[j] - it.zl[j] / slack * dw[j],
            Side::Upper => dzu[j] = (mu - corr.1[j]) / slack - it.zu[j] + it.zu[j] / slack * dw[j],
        });
        (dzl, dzu)
    }

    /// Mehrotra's probe (1992) from an affine-scaling step (`dw`, `dz`) computed with μ = 0: the
    /// average complementarity after the largest feasible primal and dual steps, and the
    /// second-order products `Δslack·Δz` per bound (lower, upper) for the corrector.
    pub(crate) fn affine_probe(&self, it: &Iterate, dw: &[f64], dzl: &[f64], dzu: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
        let ap = self.max_primal_step(&it.pt, dw, 1.0);
        let ad = crate::step::max_dual_step(&self.has_lo, &self.has_up, &it.zl, &it.zu, dzl, dzu, 1.0);
        let nm = self.n + self.m;
        let (mut cl, mut cu) = (vec![0.0; nm], vec![0.0; nm]);
        let (mut sum, mut cnt) = (0.0, 0usize);
        self.for_each_bound(&it.pt, |j, side, slack| {
            let (ds, z, dz) = match side {
                Side::Lower => (dw[j], it.zl[j], dzl[j]),
                Side::Upper => (-dw[j], it.zu[j], dzu[j]),
            };
            sum += (slack + ap * ds) * (z + ad * dz);
            cnt += 1;
            match side {
                Side::Lower => cl[j] = ds * dz,
                Side::Upper => cu[j] = ds * dz,
            }
        });
        (if cnt > 0 { sum / cnt as f64 } else { 0.0 }, cl, cu)
    }

    /// `w + α dw` (equality rows' slack entries unchanged), not yet evaluated.
    pub(crate) fn moved(&self, base: &Point, dw: &[f64], alpha: f64) -> (Vec<f64>, Vec<f64>) {
        let n = self.n;
        let x: Vec<f64> = (0..n).map(|j| base.x[j] + alpha * dw[j]).collect();
        let s: Vec<f64> = (0..self.m).map(|i| if self.is_ineq[i] { base.s[i] + alpha * dw[n + i] } else { base.s[i] }).collect();
        (x, s)
    }
}

/// Evaluate f and c at `(x, s)` (derivatives later, only at accepted points).
pub(crate) fn evaluate(nlp: &Nlp<'_>, x: Vec<f64>, s: Vec<f64>) -> Result<Point, EvalError> {
    let f = nlp.objective(&x)?;
    let mut c = vec![0.0; nlp.m];
    nlp.constraints(&x, &mut c)?;
    Ok(Point { x, s, f, grad: Vec::new(), c })
}

/// Everything a [`crate::Snapshot`] restores: the iterate, μ, τ, the iteration counter and the
/// strategies' memory.
#[derive(Clone)]
pub(crate) struct SavedState {
    pub it: Iterate,
    pub mu: f64,
    pub tau: f64,
    pub iter: usize,
    pub filter: Filter,
    pub adaptive: crate::mu_update::MuUpdate,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> Bounds {
        // x0 ∈ [0, 2], x1 ≥ -1, x2 free; row 0 equality (= 3), row 1 inequality in [1, 5].
        let lo = vec![0.0, -1.0, f64::NEG_INFINITY, f64::NEG_INFINITY, 1.0];
        let up = vec![2.0, f64::INFINITY, f64::INFINITY, f64::INFINITY, 5.0];
        Bounds {
            n: 3,
            m: 2,
            has_lo: lo.iter().map(|v: &f64| v.is_finite()).collect(),
            has_up: up.iter().map(|v: &f64| v.is_finite()).collect(),
            lo,
            up,
            is_ineq: vec![false, true],
            rhs: vec![3.0, 1.0],
        }
    }

    fn iterate() -> Iterate {
        let pt = Point { x: vec![0.5, 1.0, 7.0], s: vec![0.0, 2.0], f: 0.0, grad: vec![], c: vec![2.5, 2.25] };
        Iterate { pt, y: vec![0.0; 2], zl: vec![2.0, 3.0, 0.0, 0.0, 0.5], zu: vec![4.0, 0.0, 0.0, 0.0, 0.25] }
    }

    #[test]
    fn bounds_are_visited_lower_first_with_their_slacks() {
        let (b, it) = (bounds(), iterate());
        let mut seen = Vec::new();
        b.for_each_bound(&it.pt, |j, side, slack| seen.push((j, side, slack)));
        assert_eq!(seen, vec![(0, Side::Lower, 0.5), (0, Side::Upper, 1.5), (1, Side::Lower, 2.0), (4, Side::Lower, 1.0), (4, Side::Upper, 3.0)]);
    }

    #[test]
    fn the_gap_estimate_counts_active_bounds_and_not_inactive_ones() {
        // x ≥ 0 twice at μ = 1e-6 on the central path: x₀ active (s = 1e-8, z = 100),
        // x₁ inactive (s = 1, z = 1e-6); both with curvature W_jj = 1.
        let lo = vec![0.0, 0.0];
        let up = vec![f64::INFINITY; 2];
        let b = Bounds { n: 2, m: 0, has_lo: vec![true; 2], has_up: vec![false; 2], lo, up, is_ineq: vec![], rhs: vec![] };
        let pt = Point { x: vec![1e-8, 1.0], s: vec![], f: 0.0, grad: vec![], c: vec![] };
        let it = Iterate { pt, y: vec![], zl: vec![100.0, 1e-6], zu: vec![0.0; 2] };
        // Without curvature: the plain sum, weight 1 per pair.
        let (sum, cnt) = b.weighted_complementarity_sum(&it, None);
        assert!((sum - 2e-6).abs() < 1e-18 && cnt == 2.0);
        // With it: Σ₀ = 1e10 ≫ 1 counts fully, Σ₁ = 1e-6 ≪ 1 hardly at all.
        let (sum, cnt) = b.weighted_complementarity_sum(&it, Some(&[1.0, 1.0]));
        let w0 = 1e10 / (1e10 + 1.0);
        let w1 = 1e-6 / (1e-6 + 1.0);
        assert!((cnt - (w0 + w1)).abs() < 1e-12, "{cnt}");
        assert!((sum - (w0 + w1) * 1e-6).abs() < 1e-18, "{sum}");
        // No (or negative, clipped by the caller to 0) curvature: weight 1 again.
        assert_eq!(b.weighted_complementarity_sum(&it, Some(&[0.0, 0.0])).1, 2.0);
    }

    #[test]
    fn residual_theta_and_complementarity_by_hand() {
        let (b, it) = (bounds(), iterate());
        let mut r = vec![0.0; 2];
        b.residual(&it.pt, &mut r);
        assert_eq!(r, vec![-0.5, 0.25]);
        assert_eq!(b.theta(&it.pt), 0.75);
        // 0.5·2 + 1.5·4 + 2·3 + 1·0.5 + 3·0.25 = 14.25 over 5 pairs; the smallest is 0.5.
        assert_eq!(b.complementarity_sum(&it), (14.25, 5));
        assert_eq!(b.min_complementarity(&it), 0.5);
        assert_eq!(b.sigma(&it), vec![2.0 / 0.5 + 4.0 / 1.5, 1.5, 0.0, 0.0, 0.5 + 0.25 / 3.0]);
    }

    #[test]
    fn fraction_to_the_boundary_and_multiplier_steps() {
        let (b, it) = (bounds(), iterate());
        // x0 moving down by 1 hits 0 at α = 0.5; τ = 0.99 keeps 1% of the slack.
        let dw = vec![-1.0, 0.0, 100.0, 0.0, 0.0];
        assert!((b.max_primal_step(&it.pt, &dw, 0.99) - 0.495).abs() < 1e-15);
        // The free x2 never limits the step; moving up inside [0, 2] by 3 limits at 1.5/3.
        let dw = vec![3.0, 0.0, -1e9, 0.0, 0.0];
        assert!((b.max_primal_step(&it.pt, &dw, 1.0) - 0.5).abs() < 1e-15);
        let (dzl, dzu) = b.bound_mult_steps(&it, &[1.0, 0.0, 0.0, 0.0, 0.0], 0.1);
        assert!((dzl[0] - (0.1 / 0.5 - 2.0 - 2.0 / 0.5)).abs() < 1e-15);
        assert!((dzu[0] - (0.1 / 1.5 - 4.0 + 4.0 / 1.5)).abs() < 1e-15);
        assert_eq!(dzl[2], 0.0, "no bound, no multiplier step");
    }
}
