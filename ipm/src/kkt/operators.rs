//! The reduced KKT system and the condensed matrix as operators (for refinement and Krylov
//! methods), a Hutchinson estimate of a matrix-free Hessian's mean diagonal, and a probed
//! `diag(Jᵀ D̂⁻¹ J)` for a matrix-free Jacobian.

use super::*;

/// The reduced system as an operator (for refinement and Krylov methods).
pub(super) struct ReducedKktOp<'a, 'b> {
    pub(super) blocks: &'b KktBlocks<'a>,
    pub(super) diag_x: &'b [f64],
    pub(super) d: &'b [f64],
    /// The `(x, y)` halves of a product, kept by the caller across refinement steps so a
    /// residual allocates nothing.
    pub(super) scratch: &'b RefCell<(Vec<f64>, Vec<f64>)>,
}

impl LinearOperator for ReducedKktOp<'_, '_> {
    fn shape(&self) -> (usize, usize) {
        let s = self.diag_x.len() + self.d.len();
        (s, s)
    }
    fn apply(&self, alpha: f64, v: &[f64], beta: f64, out: &mut [f64]) {
        let n = self.diag_x.len();
        let (vx, vy) = v.split_at(n);
        let mut guard = self.scratch.borrow_mut();
        let (tx, ty) = &mut *guard;
        tx.clear();
        tx.resize(n, 0.0);
        self.blocks.hess.apply_add(vx, tx);
        for i in 0..n {
            tx[i] += self.diag_x[i] * vx[i];
        }
        self.blocks.jac.apply_transpose(1.0, vy, 1.0, tx);
        ty.clear();
        ty.resize(self.d.len(), 0.0);
        self.blocks.jac.apply(1.0, vx, 0.0, ty);
        for i in 0..self.d.len() {
            ty[i] -= self.d[i] * vy[i];
        }
        scale_output(beta, out);
        vec_ops::axpy(alpha, tx, &mut out[..n]);
        vec_ops::axpy(alpha, ty, &mut out[n..]);
    }
    fn apply_transpose(&self, alpha: f64, v: &[f64], beta: f64, out: &mut [f64]) {
        self.apply(alpha, v, beta, out)
    }
    fn is_symmetric(&self) -> bool {
        true
    }
}

/// `N = W + diag + Jᵀ D̂⁻¹ J` applied matrix-free.
pub(super) struct CondensedOp<'a, 'b> {
    pub(super) blocks: &'b KktBlocks<'a>,
    pub(super) diag_x: &'b [f64],
    pub(super) dinv: &'b [f64],
    pub(super) jt_dinv_j_diag: &'b Option<Vec<f64>>,
    pub(super) hess_diag_est: &'b Option<Vec<f64>>,
    /// Lower triangle of `N` when assembled (for incomplete-Cholesky preconditioning).
    pub(super) assembled: Option<&'b CscMatrix>,
    pub(super) scratch: RefCell<Vec<f64>>,
}

impl LinearOperator for CondensedOp<'_, '_> {
    fn csc(&self) -> Option<CscRef<'_>> {
        self.assembled.map(|a| a.as_ref())
    }
    fn shape(&self) -> (usize, usize) {
        (self.diag_x.len(), self.diag_x.len())
    }
    fn apply(&self, alpha: f64, v: &[f64], beta: f64, out: &mut [f64]) {
        // gemv-style accumulation into `out`: no n-sized temporary per Krylov iteration.
        match &self.blocks.hess {
            HessianTerm::Zero => scale_output(beta, out),
            HessianTerm::Exact(op) | HessianTerm::LowRank(op, _) => op.apply(alpha, v, beta, out),
        }
        for i in 0..out.len() {
            out[i] += alpha * self.diag_x[i] * v[i];
        }
        let mut jv = self.scratch.borrow_mut();
        if !jv.is_empty() {
            self.blocks.jac.apply(1.0, v, 0.0, &mut jv);
            for i in 0..jv.len() {
                jv[i] *= self.dinv[i];
            }
            self.blocks.jac.apply_transpose(alpha, &jv, 1.0, out);
        }
    }
    fn apply_transpose(&self, alpha: f64, v: &[f64], beta: f64, out: &mut [f64]) {
        self.apply(alpha, v, beta, out)
    }
    fn is_symmetric(&self) -> bool {
        true
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        let n = self.diag_x.len();
        // Without the Hessian's diagonal (matrix-free H·v) a Jacobi preconditioner built from Σ
        // alone would be harmful; use the probed estimate, or report no diagonal at all.
        let mut d = match self.blocks.hess.diagonal(n) {
            Some(d) => d,
            None => self.hess_diag_est.clone()?,
        };
        for i in 0..n {
            d[i] += self.diag_x[i];
        }
        if let Some(j) = self.jt_dinv_j_diag {
            vec_ops::axpy(1.0, j, &mut d);
        }
        Some(d)
    }
}

/// A constant stand-in for `diag(H)` when only `H·v` is available: the mean diagonal
/// `tr(H)/n`, estimated from `k` Rademacher probes (Hutchinson 1990: `E[vᵀHv] = tr H`).
///
/// Per-entry probe estimates are too noisy to precondition with (they break the clustered
/// spectra CG exploits); the mean is accurate, and `mean + Σ` still captures the barrier terms
/// that make the condensed system badly scaled.
pub(super) fn estimate_diagonal(op: &dyn LinearOperator, k: usize) -> Vec<f64> {
    let n = op.shape().0;
    let mut v = vec![0.0; n];
    let mut hv = vec![0.0; n];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut trace = 0.0;
    for _ in 0..k {
        for vi in v.iter_mut() {
            // xorshift64*: a deterministic sign per entry.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            *vi = if state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 63 == 0 { 1.0 } else { -1.0 };
        }
        op.apply(1.0, &v, 0.0, &mut hv);
        trace += vec_ops::dot(&v, &hv);
    }
    let mean = (trace / (k * n.max(1)) as f64).max(0.0);
    vec![mean; n]
}

/// Number of row colours of [`probe_jt_dinv_j_diagonal`]: one `Jᵀ·u` product each. Prime, so that
/// the row offsets of a grid stencil (multiples of a power-of-two grid width) rarely alias.
pub(super) const JT_DINV_J_PROBES: usize = 11;

/// `diag(Jᵀ D̂⁻¹ J)_j = Σ_r J_rj² D̂⁻¹_r` from `colors` products with `Jᵀ` (a matrix-free Jacobian):
/// row `r` gets colour `r mod colors` and a random sign `s_r`; for each colour `c`,
/// `w = Jᵀ(s ⊙ √D̂⁻¹ ⊙ 1_c)` and `Σ_c w_j²` is the estimate.
///
/// Unbiased (the cross terms `s_r s_q` of two rows of one colour average to zero) and never
/// negative; **exact** when the rows touching a column have distinct colours, i.e. when no two
/// rows `r ≠ q` with `J_rj J_qj ≠ 0` satisfy `r ≡ q (mod colors)`: banded Jacobians of bandwidth
/// below `colors` (chains, collocation) and 5-point stencils whose grid width is not a multiple of
/// `colors`.
pub(super) fn probe_jt_dinv_j_diagonal(jac: &dyn LinearOperator, dinv: &[f64], n: usize, colors: usize) -> Vec<f64> {
    let m = dinv.len();
    let colors = colors.clamp(1, m.max(1));
    let mut diag = vec![0.0; n];
    let mut u = vec![0.0; m];
    let mut w = vec![0.0; n];
    let mut state: u64 = 0xD1B5_4A32_D192_ED03;
    let signs: Vec<f64> = (0..m)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            if state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 63 == 0 { 1.0 } else { -1.0 }
        })
        .collect();
    for c in 0..colors {
        u.fill(0.0);
        for r in (c..m).step_by(colors) {
            u[r] = signs[r] * dinv[r].max(0.0).sqrt();
        }
        jac.apply_transpose(1.0, &u, 0.0, &mut w);
        for j in 0..n {
            diag[j] += w[j] * w[j];
        }
    }
    diag
}
