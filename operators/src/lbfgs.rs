//! [`Lbfgs`]: the compact limited-memory BFGS Hessian approximation with Powell damping.
//!
//! Byrd, Nocedal & Schnabel (1994), "Representations of quasi-Newton matrices and their use in
//! limited memory methods", Math. Programming 63, eq. (2.17): with the `k` most recent pairs
//! `S = [s₀ … s_{k−1}]`, `Y = [y₀ … y_{k−1}]` (oldest first),
//!
//! ```text
//! B = σI − [σS  Y] K⁻¹ [σSᵀ; Yᵀ],     K = [ σSᵀS   L  ]
//!                                          [  Lᵀ   −D  ]
//! ```
//! where `D = diag(sᵢᵀyᵢ)` and `L` is the strictly lower part of `SᵀY` (`L_ij = sᵢᵀy_j`, `i > j`).
//! This equals `k` classic BFGS updates of `B₀ = σI`. We store it as Ipopt's
//! `LimMemQuasiNewtonUpdater` does, `B = σI + VVᵀ − UUᵀ` with `V = YD^{-1/2}` and
//! `U = (σS + YD⁻¹Lᵀ)J⁻ᵀ`, where `JJᵀ = σSᵀS + LD⁻¹Lᵀ` is a Cholesky factorization (the Schur
//! complement of `−D` in `K`), and expose it as `B = σI + W M Wᵀ` with `W = [V U]` and
//! `M = diag(I, −I)` ([`low_rank`](LinearOperator::low_rank)), so KKT routes can apply
//! Sherman–Morrison–Woodbury. Only a positive definite `k × k` matrix is factored; inverting the
//! indefinite `K` directly loses accuracy when steps and curvatures span many orders of magnitude
//! (badly scaled problems), which made the KKT solves, and then the line search, fail.
//!
//! Each update costs `O(nk²)` (one product `B s` for damping, the new row of `SᵀS` / `SᵀY`, and
//! rebuilding `U`) plus an `O(k³)` Cholesky factorization; applying `B` costs `O(nk)`.
//!
//! **Damping** (Nocedal & Wright, *Numerical Optimization*, 2nd ed., Procedure 18.2): if
//! `sᵀy < 0.2 sᵀBs`, `y` is replaced by `θy + (1−θ)Bs` with `θ = 0.8 sᵀBs / (sᵀBs − sᵀy)`, which
//! gives `sᵀy = 0.2 sᵀBs > 0`; every stored pair has positive curvature, so `B` stays positive
//! definite (for any `σ > 0`), which the condensed KKT route relies on.

use std::collections::VecDeque;

use faer::Mat;
use ipax_core::{HessianApproximation, LinearOperator, LowRankParts, UpdateOutcome, vec_ops};

use crate::error::OperatorError;

/// How the scaling `σ` of `B₀ = σI` is chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SigmaStrategy {
    /// `σ = yᵀy / sᵀy` of the newest stored pair (Nocedal & Wright eq. 7.20, the usual
    /// Shanno–Phua scaling), clamped to `[sigma_min, sigma_max]`; `initial` is used while no pair
    /// is stored.
    Scaled {
        /// `σ` before the first pair.
        initial: f64,
    },
    /// A fixed `σ`.
    Fixed(f64),
}

/// Options for [`Lbfgs`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LbfgsOptions {
    /// Maximal number of stored pairs (Ipopt's `limited_memory_max_history`; default 6).
    pub memory: usize,
    /// Choice of `σ` (default: scaled, initial 1).
    pub sigma: SigmaStrategy,
    /// Lower clamp for the scaled `σ` (default `1e-8`).
    pub sigma_min: f64,
    /// Upper clamp for the scaled `σ` (default `1e8`).
    pub sigma_max: f64,
    /// Apply Powell damping (default true). Without it, pairs with `sᵀy ≤ 0` are skipped instead.
    pub damping: bool,
    /// Pairs with `‖s‖₂` or `‖y‖₂` at or below this are skipped: they carry no curvature
    /// information above rounding noise (default `1e-14`).
    pub min_norm: f64,
}

impl Default for LbfgsOptions {
    fn default() -> Self {
        LbfgsOptions {
            memory: 6,
            sigma: SigmaStrategy::Scaled { initial: 1.0 },
            sigma_min: 1e-8,
            sigma_max: 1e8,
            damping: true,
            min_norm: 1e-14,
        }
    }
}

/// One stored pair with its inner products against the older stored pairs: `sts[j] = sᵀs_j` and
/// `sty[j] = sᵀy_j` for every pair `j` up to and including itself (oldest first). Keeping these
/// rows makes an update `O(nk)` instead of recomputing `SᵀS` and `SᵀY` in `O(nk²)`.
#[derive(Debug, Clone)]
struct Pair {
    s: Vec<f64>,
    y: Vec<f64>,
    sts: Vec<f64>,
    sty: Vec<f64>,
}

/// Limited-memory BFGS approximation `B ≈ ∇²L` in compact form. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Lbfgs {
    n: usize,
    opts: LbfgsOptions,
    pairs: VecDeque<Pair>,
    sigma: f64,
    /// `V = YD^{-1/2}`, `n × k` column-major (see [`Lbfgs::factors`]).
    v: Vec<f64>,
    /// `U = (σS + YD⁻¹Lᵀ)J⁻ᵀ`, `n × k` column-major, so that `B = σI + VVᵀ − UUᵀ`.
    u: Vec<f64>,
}

impl Lbfgs {
    /// An approximation of dimension `n` with default options.
    pub fn new(n: usize) -> Self {
        Self::with_options(n, LbfgsOptions::default()).expect("default options are valid")
    }

    /// An approximation of dimension `n`; options are validated.
    pub fn with_options(n: usize, opts: LbfgsOptions) -> Result<Self, OperatorError> {
        let bad = |what, value: f64, reason| Err(OperatorError::InvalidParameter { what, value, reason });
        if opts.memory == 0 {
            return bad("memory", 0.0, "at least one pair must be stored");
        }
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !positive(opts.sigma_min) || !positive(opts.sigma_max) || opts.sigma_min > opts.sigma_max {
            return bad("sigma_min", opts.sigma_min, "need 0 < sigma_min <= sigma_max < inf");
        }
        let initial = match opts.sigma {
            SigmaStrategy::Scaled { initial } => initial,
            SigmaStrategy::Fixed(s) => s,
        };
        if !positive(initial) {
            return bad("sigma", initial, "must be positive and finite");
        }
        if opts.min_norm.is_nan() || opts.min_norm < 0.0 {
            return bad("min_norm", opts.min_norm, "must be non-negative");
        }
        Ok(Lbfgs { n, opts, pairs: VecDeque::with_capacity(opts.memory), sigma: initial, v: Vec::new(), u: Vec::new() })
    }

    /// The options in use.
    pub fn options(&self) -> &LbfgsOptions {
        &self.opts
    }

    /// The current `σ` of `B₀ = σI`.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// The stored pairs `(s, y)`, oldest first; `y` is the damped one where damping applied.
    pub fn pairs(&self) -> impl Iterator<Item = (&[f64], &[f64])> {
        self.pairs.iter().map(|p| (p.s.as_slice(), p.y.as_slice()))
    }

    /// Build the factors `V`, `U` (each `n × k`, column-major) of `B = σI + VVᵀ − UUᵀ` for the
    /// given pairs and `σ`; `None` if `σSᵀS + LD⁻¹Lᵀ` is not numerically positive definite, in
    /// which case the update is skipped, as Ipopt does when its
    /// Cholesky factorization of that matrix fails.
    ///
    /// Derivation: eliminating the `−D` block of `K` (its Schur complement is
    /// `S_c = σSᵀS + LD⁻¹Lᵀ`) turns eq. (2.17) into
    /// `B = σI + YD⁻¹Yᵀ − G S_c⁻¹ Gᵀ` with `G = σS + YD⁻¹Lᵀ`; with `S_c = JJᵀ` this is
    /// `V = YD^{-1/2}` and `U = G J⁻ᵀ`. This is the representation of Ipopt's
    /// `LimMemQuasiNewtonUpdater`: unlike an explicit inverse of the indefinite `K`, whose entries
    /// scale like `1/σ` and `σ` at once, it only factors a positive definite `k × k` matrix and
    /// keeps `B` accurate on badly scaled problems (steps and curvatures spanning many orders of
    /// magnitude).
    fn factors(n: usize, pairs: &VecDeque<Pair>, sigma: f64) -> Option<(Vec<f64>, Vec<f64>)> {
        let k = pairs.len();
        let d: Vec<f64> = pairs.iter().enumerate().map(|(i, p)| p.sty[i]).collect();
        if d.iter().any(|&di| di.is_nan() || di <= 0.0) {
            return None;
        }
        // L_ij = s_iᵀy_j for i > j.
        let l = |i: usize, j: usize| if i > j { pairs[i].sty[j] } else { 0.0 };
        // S_c = σSᵀS + L D⁻¹ Lᵀ, symmetric positive semidefinite (definite for independent S).
        let mut sc = Mat::<f64>::zeros(k, k);
        for i in 0..k {
            for j in 0..=i {
                let mut v = sigma * pairs[i].sts[j];
                for (t, dt) in d.iter().enumerate().take(j) {
                    v += l(i, t) * l(j, t) / dt;
                }
                sc[(i, j)] = v;
                sc[(j, i)] = v;
            }
        }
        let chol = sc.llt(faer::Side::Lower).ok()?;
        let jl = chol.L();
        // Only the Cholesky success is tested, as in Ipopt: dependent steps are normal (with
        // more pairs than variables they must be), and `LD⁻¹Lᵀ` keeps `S_c` definite then; a
        // pivot-size test would reject the short final steps of a solve against the long early
        // ones and freeze `B` exactly when it needs to adapt.
        // V = Y D^{-1/2}.
        let mut v = vec![0.0; n * k];
        for (j, p) in pairs.iter().enumerate() {
            let f = 1.0 / d[j].sqrt();
            v[j * n..(j + 1) * n].iter_mut().zip(&p.y).for_each(|(vi, yi)| *vi = f * yi);
        }
        // G = σS + Y D⁻¹ Lᵀ: column j is σ s_j + Σ_{t<j} y_t L_jt / d_t.
        let mut g = vec![0.0; n * k];
        for j in 0..k {
            let col = &mut g[j * n..(j + 1) * n];
            col.iter_mut().zip(&pairs[j].s).for_each(|(gi, si)| *gi = sigma * si);
            for t in 0..j {
                vec_ops::axpy(l(j, t) / d[t], &pairs[t].y, col);
            }
        }
        // U = G J⁻ᵀ, i.e. U Jᵀ = G: column j of U is (g_j − Σ_{t<j} J_jt u_t) / J_jj.
        let mut u = g;
        for j in 0..k {
            for t in 0..j {
                let c = jl[(j, t)];
                let (head, tail) = u.split_at_mut(j * n);
                vec_ops::axpy(-c, &head[t * n..(t + 1) * n], &mut tail[..n]);
            }
            let f = 1.0 / jl[(j, j)];
            u[j * n..(j + 1) * n].iter_mut().for_each(|x| *x *= f);
        }
        if !vec_ops::all_finite(&v) || !vec_ops::all_finite(&u) {
            return None;
        }
        Some((v, u))
    }
}

impl LinearOperator for Lbfgs {
    fn shape(&self) -> (usize, usize) {
        (self.n, self.n)
    }
    /// `y ← α(σx + V Vᵀx − U Uᵀx) + βy` in `O(nk)`.
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        assert_eq!(x.len(), self.n, "Lbfgs: x has the wrong length");
        assert_eq!(y.len(), self.n, "Lbfgs: y has the wrong length");
        let n = self.n;
        let a_sigma = alpha * self.sigma;
        if beta == 0.0 {
            y.iter_mut().zip(x).for_each(|(yi, xi)| *yi = a_sigma * xi);
        } else {
            y.iter_mut().zip(x).for_each(|(yi, xi)| *yi = a_sigma * xi + beta * *yi);
        }
        for j in 0..self.pairs.len() {
            let vj = &self.v[j * n..(j + 1) * n];
            let uj = &self.u[j * n..(j + 1) * n];
            vec_ops::axpy(alpha * vec_ops::dot(vj, x), vj, y);
            vec_ops::axpy(-alpha * vec_ops::dot(uj, x), uj, y);
        }
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        self.apply(alpha, x, beta, y)
    }
    fn is_symmetric(&self) -> bool {
        true
    }
    /// `B_ii = σ + Σ_j V_ij² − Σ_j U_ij²`, `O(nk)`.
    fn diagonal(&self) -> Option<Vec<f64>> {
        let n = self.n;
        let mut d = vec![self.sigma; n];
        for j in 0..self.pairs.len() {
            for (i, di) in d.iter_mut().enumerate() {
                *di += self.v[j * n + i].powi(2) - self.u[j * n + i].powi(2);
            }
        }
        Some(d)
    }
    /// `B = σI + W M Wᵀ` with `W = [V U]` and `M = diag(I, −I)`.
    fn low_rank(&self) -> Option<LowRankParts> {
        let k = self.pairs.len();
        let mut w = Vec::with_capacity(self.n * 2 * k);
        w.extend_from_slice(&self.v);
        w.extend_from_slice(&self.u);
        let mut m = vec![0.0; 4 * k * k];
        for i in 0..2 * k {
            m[i + i * 2 * k] = if i < k { 1.0 } else { -1.0 };
        }
        Some(LowRankParts { n: self.n, k: 2 * k, shift: self.sigma, w, m })
    }
}

impl HessianApproximation for Lbfgs {
    /// Store `(s, y)` after Powell damping (see the [module docs](self)). Skipped, leaving `B`
    /// unchanged: wrong lengths, non-finite entries, `‖s‖` or `‖y‖` at or below `min_norm`,
    /// non-positive curvature after damping (or without damping), or a numerically singular
    /// compact middle matrix.
    fn update(&mut self, s: &[f64], y: &[f64]) -> UpdateOutcome {
        if s.len() != self.n || y.len() != self.n || !vec_ops::all_finite(s) || !vec_ops::all_finite(y) {
            return UpdateOutcome::Skipped;
        }
        if vec_ops::norm2(s) <= self.opts.min_norm || vec_ops::norm2(y) <= self.opts.min_norm {
            return UpdateOutcome::Skipped;
        }
        let mut y = y.to_vec();
        let mut outcome = UpdateOutcome::Accepted;
        if self.opts.damping {
            let mut bs = vec![0.0; self.n];
            self.apply(1.0, s, 0.0, &mut bs);
            let sbs = vec_ops::dot(s, &bs);
            let sy = vec_ops::dot(s, &y);
            // Nocedal & Wright Procedure 18.2 (θ = 1 when sᵀy ≥ 0.2 sᵀBs).
            if sy < 0.2 * sbs {
                let theta = 0.8 * sbs / (sbs - sy);
                y.iter_mut().zip(&bs).for_each(|(yi, bi)| *yi = theta * *yi + (1.0 - theta) * bi);
                outcome = UpdateOutcome::Damped;
            }
        }
        let sy = vec_ops::dot(s, &y);
        let yy = vec_ops::dot(&y, &y);
        if sy <= 0.0 || !sy.is_finite() || !yy.is_finite() {
            return UpdateOutcome::Skipped;
        }

        // Candidate window: drop the oldest pair if full, then append the new one with its rows of
        // inner products against the pairs it will sit with.
        let mut pairs = self.pairs.clone();
        if pairs.len() == self.opts.memory {
            pairs.pop_front();
            for p in pairs.iter_mut() {
                p.sts.remove(0);
                p.sty.remove(0);
            }
        }
        let mut sts: Vec<f64> = pairs.iter().map(|p| vec_ops::dot(s, &p.s)).collect();
        let mut sty: Vec<f64> = pairs.iter().map(|p| vec_ops::dot(s, &p.y)).collect();
        sts.push(vec_ops::dot(s, s));
        sty.push(sy);
        pairs.push_back(Pair { s: s.to_vec(), y, sts, sty });

        let sigma = match self.opts.sigma {
            SigmaStrategy::Fixed(v) => v,
            SigmaStrategy::Scaled { .. } => (yy / sy).clamp(self.opts.sigma_min, self.opts.sigma_max),
        };
        match Self::factors(self.n, &pairs, sigma) {
            Some((v, u)) => {
                self.pairs = pairs;
                self.sigma = sigma;
                self.v = v;
                self.u = u;
                outcome
            }
            None => UpdateOutcome::Skipped,
        }
    }

    /// Drop all pairs; `σ` returns to its initial (or fixed) value.
    fn reset(&mut self) {
        self.pairs.clear();
        self.v.clear();
        self.u.clear();
        self.sigma = match self.opts.sigma {
            SigmaStrategy::Scaled { initial } => initial,
            SigmaStrategy::Fixed(v) => v,
        };
    }

    fn set_initial_scaling(&mut self, sigma: f64) {
        if let SigmaStrategy::Scaled { .. } = self.opts.sigma
            && sigma.is_finite()
            && sigma > 0.0
        {
            let initial = sigma.clamp(self.opts.sigma_min, self.opts.sigma_max);
            self.opts.sigma = SigmaStrategy::Scaled { initial };
            if self.pairs.is_empty() {
                self.sigma = initial;
            }
        }
    }

    fn num_pairs(&self) -> usize {
        self.pairs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use ipax_core::LinearOperatorExt;

    /// Classic dense BFGS recursion `B⁺ = B − Bssᵀ B/(sᵀBs) + yyᵀ/(sᵀy)` from `B₀ = σI`.
    fn dense_bfgs(n: usize, sigma: f64, pairs: &[(Vec<f64>, Vec<f64>)]) -> Vec<f64> {
        let mut b = vec![0.0; n * n];
        for i in 0..n {
            b[i + i * n] = sigma;
        }
        for (s, y) in pairs {
            let bs = dense_gemv(n, n, &b, 1.0, s, 0.0, &[]);
            let sbs: f64 = s.iter().zip(&bs).map(|(a, b)| a * b).sum();
            let sy: f64 = s.iter().zip(y).map(|(a, b)| a * b).sum();
            for j in 0..n {
                for i in 0..n {
                    b[i + j * n] += -bs[i] * bs[j] / sbs + y[i] * y[j] / sy;
                }
            }
        }
        b
    }

    fn stored(l: &Lbfgs) -> Vec<(Vec<f64>, Vec<f64>)> {
        l.pairs().map(|(s, y)| (s.to_vec(), y.to_vec())).collect()
    }

    /// Pairs from an SPD quadratic with Hessian `A = GᵀG + I`: `y = A s`.
    fn spd_pairs(rng: &mut Rng, n: usize, count: usize) -> Vec<(Vec<f64>, Vec<f64>)> {
        let g = rng.vec(n * n);
        let mut a = dense_matmul(n, n, n, &dense_transpose(n, n, &g), &g);
        for i in 0..n {
            a[i + i * n] += 1.0;
        }
        (0..count)
            .map(|_| {
                let s = rng.vec(n);
                let y = dense_gemv(n, n, &a, 1.0, &s, 0.0, &[]);
                (s, y)
            })
            .collect()
    }

    /// `set_initial_scaling` sets `B₀ = σ₀I` while no pair is stored (clamped to the σ range),
    /// survives `reset`, is overridden by the first pair's scaling, and is ignored for a fixed σ.
    #[test]
    fn initial_scaling_applies_until_the_first_pair() {
        let mut l = Lbfgs::new(3);
        l.set_initial_scaling(40.0);
        assert_eq!(l.sigma(), 40.0);
        assert_eq!(l.to_dense(), vec![40.0, 0.0, 0.0, 0.0, 40.0, 0.0, 0.0, 0.0, 40.0]);
        assert_eq!(l.update(&[1.0, 0.0, 0.0], &[50.0, 0.0, 0.0]), UpdateOutcome::Accepted);
        assert!((l.sigma() - 50.0).abs() < 1e-12, "yᵀy/sᵀy after the first pair");
        l.reset();
        assert_eq!(l.sigma(), 40.0);
        l.set_initial_scaling(1e12);
        assert_eq!(l.sigma(), l.options().sigma_max);
        let mut fixed = Lbfgs::with_options(2, LbfgsOptions { sigma: SigmaStrategy::Fixed(3.0), ..Default::default() }).unwrap();
        fixed.set_initial_scaling(40.0);
        assert_eq!(fixed.sigma(), 3.0);
    }

    #[test]
    fn compact_form_equals_dense_bfgs_recursion() {
        let mut rng = Rng::new(71);
        for (n, count) in [(1, 1), (5, 3), (8, 6), (12, 4)] {
            let mut l = Lbfgs::with_options(n, LbfgsOptions { memory: 10, ..Default::default() }).unwrap();
            for (s, y) in spd_pairs(&mut rng, n, count) {
                assert_ne!(l.update(&s, &y), UpdateOutcome::Skipped);
            }
            assert_eq!(l.num_pairs(), count);
            let want = dense_bfgs(n, l.sigma(), &stored(&l));
            assert_close(&l.to_dense(), &want, 1e-10, "compact vs recursion");
            check_against_dense(&l, &want, &mut rng); // apply α/β, diagonal, low_rank
        }
    }

    #[test]
    fn accepted_pairs_are_stored_unchanged_and_sigma_is_scaled() {
        let mut rng = Rng::new(72);
        let n = 6;
        let pairs = spd_pairs(&mut rng, n, 1);
        let mut l = Lbfgs::new(n);
        // B₀ = I and y = A s with A ⪰ I, so sᵀy ≥ sᵀs ≥ 0.2 sᵀB₀s: no damping.
        assert_eq!(l.update(&pairs[0].0, &pairs[0].1), UpdateOutcome::Accepted);
        let (s, y) = &pairs[0];
        assert_eq!(stored(&l)[0].1, *y);
        let sy: f64 = s.iter().zip(y).map(|(a, b)| a * b).sum();
        let yy: f64 = y.iter().map(|v| v * v).sum();
        assert!((l.sigma() - yy / sy).abs() <= 1e-14 * l.sigma());
    }

    #[test]
    fn secant_equation_holds_for_newest_pair() {
        let mut rng = Rng::new(73);
        let n = 7;
        let mut l = Lbfgs::new(n);
        for (s, y) in spd_pairs(&mut rng, n, 9) {
            l.update(&s, &y);
            let (sn, yn) = stored(&l).pop().unwrap();
            assert_close(&l.matvec(&sn), &yn, 1e-10, "B s = y");
        }
    }

    #[test]
    fn damping_keeps_b_positive_definite() {
        let mut rng = Rng::new(74);
        let n = 6;
        let mut l = Lbfgs::with_options(n, LbfgsOptions { memory: 8, ..Default::default() }).unwrap();
        let s0 = rng.vec(n);
        let y0: Vec<f64> = s0.iter().map(|v| 2.0 * v).collect();
        assert_eq!(l.update(&s0, &y0), UpdateOutcome::Accepted);
        // Negative curvature: sᵀy < 0 must be damped, not stored as is, nor skipped.
        let s1 = rng.vec(n);
        let y1: Vec<f64> = s1.iter().map(|v| -v).collect();
        let b_s1 = l.matvec(&s1);
        let s1bs1: f64 = s1.iter().zip(&b_s1).map(|(a, b)| a * b).sum();
        assert_eq!(l.update(&s1, &y1), UpdateOutcome::Damped);
        let (_, y1d) = stored(&l).pop().unwrap();
        let s1y1d: f64 = s1.iter().zip(&y1d).map(|(a, b)| a * b).sum();
        assert!((s1y1d - 0.2 * s1bs1).abs() <= 1e-12 * s1bs1, "damped curvature is 0.2 sᵀBs");
        // Many random (often indefinite) pairs.
        let mut damped = 0;
        for _ in 0..20 {
            let (s, y) = (rng.vec(n), rng.vec(n));
            if l.update(&s, &y) == UpdateOutcome::Damped {
                damped += 1;
            }
            for _ in 0..5 {
                let x = rng.vec(n);
                let xbx: f64 = x.iter().zip(l.matvec(&x)).map(|(a, b)| a * b).sum();
                assert!(xbx > 0.0, "xᵀBx = {xbx}");
            }
            let want = dense_bfgs(n, l.sigma(), &stored(&l));
            let dense = Mat::from_fn(n, n, |i, j| want[i + j * n]);
            assert!(dense.llt(faer::Side::Lower).is_ok(), "dense Cholesky of B succeeds");
        }
        assert!(damped > 0);
    }

    #[test]
    fn memory_bound_drops_oldest() {
        let mut rng = Rng::new(75);
        let (n, mem) = (5, 3);
        let mut l = Lbfgs::with_options(n, LbfgsOptions { memory: mem, ..Default::default() }).unwrap();
        let pairs = spd_pairs(&mut rng, n, mem + 3);
        for (s, y) in &pairs {
            l.update(s, y);
        }
        assert_eq!(l.num_pairs(), mem);
        let kept = stored(&l);
        assert_eq!(kept[0].0, pairs[3].0, "oldest pairs were dropped");
        let want = dense_bfgs(n, l.sigma(), &kept);
        check_against_dense(&l, &want, &mut rng);
        let lr = l.low_rank().unwrap();
        assert_eq!((lr.n, lr.k, lr.w.len(), lr.m.len()), (n, 2 * mem, n * 2 * mem, 4 * mem * mem));
    }

    #[test]
    fn fixed_sigma_and_reset() {
        let mut rng = Rng::new(76);
        let n = 4;
        let opts = LbfgsOptions { sigma: SigmaStrategy::Fixed(3.0), ..Default::default() };
        let mut l = Lbfgs::with_options(n, opts).unwrap();
        for (s, y) in spd_pairs(&mut rng, n, 3) {
            l.update(&s, &y);
        }
        assert_eq!(l.sigma(), 3.0);
        check_against_dense(&l, &dense_bfgs(n, 3.0, &stored(&l)), &mut rng);
        l.reset();
        assert_eq!(l.num_pairs(), 0);
        let mut eye3 = vec![0.0; n * n];
        (0..n).for_each(|i| eye3[i + i * n] = 3.0);
        check_against_dense(&l, &eye3, &mut rng);
    }

    #[test]
    fn bad_pairs_are_skipped_without_change() {
        let mut rng = Rng::new(77);
        let n = 4;
        let mut l = Lbfgs::new(n);
        let (s, y) = spd_pairs(&mut rng, n, 1).pop().unwrap();
        l.update(&s, &y);
        let before = l.to_dense();
        let mut nan = s.clone();
        nan[1] = f64::NAN;
        assert_eq!(l.update(&nan, &y), UpdateOutcome::Skipped);
        assert_eq!(l.update(&[0.0; 4], &y), UpdateOutcome::Skipped);
        assert_eq!(l.update(&s, &[0.0; 4]), UpdateOutcome::Skipped);
        assert_eq!(l.update(&s[..3], &y), UpdateOutcome::Skipped);
        // Without damping, negative curvature is skipped.
        let mut nd = Lbfgs::with_options(n, LbfgsOptions { damping: false, ..Default::default() }).unwrap();
        let neg: Vec<f64> = s.iter().map(|v| -v).collect();
        assert_eq!(nd.update(&s, &neg), UpdateOutcome::Skipped);
        assert_eq!(l.num_pairs(), 1);
        assert_eq!(l.to_dense(), before);
    }

    #[test]
    fn invalid_options_are_typed_errors() {
        let bad = |o| matches!(Lbfgs::with_options(3, o), Err(OperatorError::InvalidParameter { .. }));
        let d = LbfgsOptions::default();
        assert!(bad(LbfgsOptions { memory: 0, ..d }));
        assert!(bad(LbfgsOptions { sigma: SigmaStrategy::Fixed(0.0), ..d }));
        assert!(bad(LbfgsOptions { sigma: SigmaStrategy::Scaled { initial: f64::NAN }, ..d }));
        assert!(bad(LbfgsOptions { sigma_min: 2.0, sigma_max: 1.0, ..d }));
        assert!(bad(LbfgsOptions { min_norm: -1.0, ..d }));
    }

    #[test]
    fn low_rank_survives_composition() {
        use crate::{IdentityOperator, OperatorAlgebra};
        let mut rng = Rng::new(79);
        let n = 5;
        let mut l = Lbfgs::new(n);
        for (s, y) in spd_pairs(&mut rng, n, 3) {
            l.update(&s, &y);
        }
        let b = l.to_dense();
        // 2B + 0.5 I keeps the `shift·I + W M Wᵀ` form (checked entry by entry by the helper).
        let op = (&l).scaled(2.0).plus(IdentityOperator::scaled(n, 0.5)).unwrap();
        let mut want: Vec<f64> = b.iter().map(|v| 2.0 * v).collect();
        (0..n).for_each(|i| want[i + i * n] += 0.5);
        assert!(op.is_symmetric());
        assert_eq!(op.low_rank().unwrap().shift, 2.0 * l.sigma() + 0.5);
        check_against_dense(&op, &want, &mut rng);
    }

    #[test]
    fn badly_scaled_pairs_keep_b_accurate() {
        // Curvatures from 1e-6 to 1e8 and steps of very different lengths (as on Brown's badly
        // scaled problem): the secant equation and the dense recursion must still hold closely.
        let mut rng = Rng::new(80);
        let n = 4;
        let a = [1e-6, 1.0, 1e4, 1e8];
        let mut l = Lbfgs::new(n);
        for k in 0..6 {
            let s: Vec<f64> = rng.vec(n).iter().enumerate().map(|(i, v)| v * 10f64.powi(3 * ((i + k) % 3) as i32 - 3)).collect();
            let y: Vec<f64> = s.iter().zip(&a).map(|(si, ai)| si * ai).collect();
            l.update(&s, &y);
            let (sn, yn) = stored(&l).pop().unwrap();
            let bs = l.matvec(&sn);
            let err = bs.iter().zip(&yn).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max);
            assert!(err <= 1e-8 * vec_ops::norm_inf(&yn), "B s = y violated by {err}");
        }
        let want = dense_bfgs(n, l.sigma(), &stored(&l));
        let scale = want.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let got = l.to_dense();
        let err = got.iter().zip(&want).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max);
        assert!(err <= 1e-8 * scale, "compact vs recursion: {err} (scale {scale})");
    }

    #[test]
    fn empty_dimension_works() {
        let mut l = Lbfgs::new(0);
        assert_eq!(l.update(&[], &[]), UpdateOutcome::Skipped);
        let mut rng = Rng::new(78);
        check_against_dense(&l, &[], &mut rng);
    }
}
