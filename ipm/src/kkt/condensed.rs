//! The condensed route: `N = W + Σ_x + δ_w I + Jᵀ D̂⁻¹ J` with the primal–dual regularization
//! δ_cond, its optional assembly for incomplete-Cholesky/AMG preconditioners, and the pattern of
//! `JᵀJ` from pairs of Jacobian entries per row.

use super::*;
use super::operators::{JT_DINV_J_PROBES, probe_jt_dinv_j_diagonal};

/// Cached assembly of the condensed matrix `N = W + diag + Jᵀ D̂⁻¹ J` (lower triangle), used only
/// to build a preconditioner: the pattern of `Jᵀ D̂⁻¹ J` comes from pairs of Jacobian entries in
/// the same row, fixed after the first call.
pub(super) struct CondensedAssembly {
    pub(super) matrix: CscMatrix,
    pub(super) map: Vec<usize>,
    pub(super) n_hess: usize,
    pub(super) n_jac: usize,
    /// `(a, b)` Jacobian triplet indices in one row with `col(a) ≥ col(b)`: entry `J_a J_b / D̂_row`.
    pub(super) pairs: Vec<(usize, usize)>,
}

/// Largest number of `Jᵀ D̂⁻¹ J` products assembled for a preconditioner, relative to the
/// Jacobian's and the Hessian's size: dense rows make the product quadratically large, and then
/// Jacobi is the better trade.
pub(super) const CONDENSED_FILL_FACTOR: usize = 30;

/// The dimensionless regularization `δ·w/j²` of the condensed route with a direct solver (see
/// `KktSolver::condensed_floor`).
pub(super) const CONDENSED_RELATIVE_REG: f64 = 1e-8;
/// Largest `δ_cond` a Krylov stall raises it to (see `KktSolver::raise_condensed_delta`).
pub const MAX_KRYLOV_CONDENSED_DELTA: f64 = 1e-2;

/// Smallest `δ_cond` ever used (keeps `D̂⁻¹` finite).
pub(super) const MIN_CONDENSED_DELTA: f64 = 1e-20;

/// Relative residual up to which a Krylov solve of the condensed system that missed its own
/// tolerance still serves as an approximate inverse inside iterative refinement.
pub(super) const INNER_KRYLOV_ACCEPT: f64 = 1e-6;

/// Same, for a Krylov solve that stopped at its attainable accuracy (rounding floor).
pub(super) const INNER_KRYLOV_ACCEPT_AT_FLOOR: f64 = 1e-2;

impl KktSolver {

    pub(super) fn factor_condensed(&mut self, blocks: &KktBlocks<'_>, n: usize, m: usize) -> Result<FactorStatus, LinSolveError> {
        let floor = self.condensed_floor(blocks, n);
        self.d_hat.clear();
        self.d_hat.extend(self.d.iter().map(|&d| 1.0 / d.max(floor)));
        // Jacobi information for the preconditioner: diag(Jᵀ D̂⁻¹ J) from assembled entries, or
        // probed with a few Jᵀ products when the Jacobian is matrix-free (a Krylov solver's
        // Jacobi preconditioner would otherwise miss the term that dominates N on equality rows,
        // 1/δ_cond times the squared column norms). Direct solvers never read it.
        self.jt_dinv_j_diag = match &self.jac_t {
            Some(t) => {
                let mut dd = vec![0.0; n];
                for k in 0..t.len() {
                    dd[t.cols[k]] += t.vals[k] * t.vals[k] * self.d_hat[t.rows[k]];
                }
                Some(dd)
            }
            None if m > 0 && !self.solver.capabilities().is_direct => {
                Some(probe_jt_dinv_j_diagonal(blocks.jac, &self.d_hat, n, JT_DINV_J_PROBES))
            }
            None => None,
        };
        self.condensed_asm_valid = self.assemble_condensed && self.assemble_condensed_matrix(blocks, n);
        let op = CondensedOp {
            blocks,
            diag_x: &self.diag_x,
            dinv: &self.d_hat,
            jt_dinv_j_diag: &self.jt_dinv_j_diag,
            hess_diag_est: &self.hess_diag_est,
            assembled: self.condensed_asm.as_ref().filter(|_| self.condensed_asm_valid).map(|a| &a.matrix),
            scratch: RefCell::new(vec![0.0; m]),
        };
        if self.assembly.is_none() {
            self.solver.analyze(&op)?;
            // Marker so analyze runs once; the condensed route has no assembled pattern.
            self.assembly = Some(Assembly::empty());
        }
        match self.solver.factor(&op, &Regularization::none()) {
            Ok(_) => Ok(FactorStatus::Ok),
            Err(LinSolveError::NotPositiveDefinite { .. }) => Ok(FactorStatus::WrongInertia),
            Err(LinSolveError::Singular { .. }) => Ok(FactorStatus::WrongInertia),
            Err(e) => Err(e),
        }
    }

    /// The floor `δ_cond` on `D` for the condensed route with a direct (Cholesky) solver.
    ///
    /// The refinement against the unregularized system contracts by about `r = δ·w/j²` per step
    /// (`w` the typical size of `diag(W + Σ)`, `j²` that of `diag(JᵀJ)`), and the condensed
    /// matrix has `κ(N) ~ 1/r`. A fixed `δ` fails when the Jacobian becomes tiny near a solution
    /// where constraint gradients vanish (LICQ fails, e.g. `x₁² = 0`): `r` grows towards 1 and
    /// refinement stalls with inaccurate steps. Capping `δ` at `CONDENSED_RELATIVE_REG·j²/w`
    /// keeps `r` small; a dense Cholesky factorization handles the resulting `κ(N) ~ 1e8`.
    /// Krylov solvers keep the absolute `condensed_delta` (their conditioning is handled by the
    /// preconditioner and the stall logic).
    pub(super) fn condensed_floor(&self, blocks: &KktBlocks<'_>, n: usize) -> f64 {
        let Some((j2, hess_diag)) = &self.condensed_scales else { return self.condensed_delta };
        let shift = match &blocks.hess {
            HessianTerm::LowRank(_, p) => p.shift,
            _ => 0.0,
        };
        let w = (0..n).map(|i| hess_diag.as_ref().map_or(0.0, |d| d[i].abs()) + self.diag_x[i].abs() + shift).sum::<f64>() / n as f64;
        if !(w > 0.0) || !w.is_finite() {
            return self.condensed_delta;
        }
        self.condensed_delta.min((CONDENSED_RELATIVE_REG * j2 / w).max(MIN_CONDENSED_DELTA))
    }

    /// Per-iteration inputs of [`condensed_floor`](Self::condensed_floor), fixed across the
    /// inertia-correction trials: the mean squared column norm of the nonzero Jacobian columns and
    /// `diag W` (when known). `None` when the floor is absolute (Krylov solver, no assembled
    /// Jacobian).
    pub(super) fn condensed_scales(&self, blocks: &KktBlocks<'_>) -> Option<(f64, Option<Vec<f64>>)> {
        let n = blocks.n();
        if self.route != KktRoute::Condensed || !self.solver.capabilities().is_direct || n == 0 {
            return None;
        }
        let jt = self.jac_t.as_ref()?;
        let mut col_sq = vec![0.0; n];
        for k in 0..jt.len() {
            col_sq[jt.cols[k]] += jt.vals[k] * jt.vals[k];
        }
        let (sum, count) = col_sq.iter().filter(|v| **v > 0.0).fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
        let j2 = sum / count.max(1) as f64;
        (count > 0 && j2.is_finite()).then(|| (j2, blocks.hess.diagonal(n)))
    }

    /// Refill (building on first use) the lower triangle of `N = W + diag_x + Jᵀ D̂⁻¹ J`; false
    /// when the blocks do not expose their entries or `N` would be too dense.
    pub(super) fn assemble_condensed_matrix(&mut self, blocks: &KktBlocks<'_>, n: usize) -> bool {
        if self.condensed_too_dense {
            return false;
        }
        let (hess_op, shift) = match &blocks.hess {
            HessianTerm::Zero => (None, 0.0),
            // An L-BFGS `shift·I + U M Uᵀ`: precondition with its diagonal part.
            HessianTerm::LowRank(_, p) => (None, p.shift),
            HessianTerm::Exact(op) => (Some(*op), 0.0),
        };
        let m = blocks.m();
        let jt = match &self.jac_t {
            Some(t) => t,
            None if m == 0 => &Triplets::new(0, n),
            None => return false,
        };
        // The Hessian's values go straight from the operator into the kept pattern (in the order
        // of its triplets, so the sums are those of a refill from them); its triplets are fetched
        // only to build the pattern, or when the operator's entries no longer fit it.
        let scattered = match (&mut self.condensed_asm, hess_op) {
            (Some(asm), Some(op)) if asm.n_jac == jt.len() => {
                asm.matrix.values.fill(0.0);
                op.scatter_values(true, &asm.map[..asm.n_hess], &mut asm.matrix.values)
            }
            (Some(asm), None) if asm.n_jac == jt.len() && asm.n_hess == 0 => {
                asm.matrix.values.fill(0.0);
                true
            }
            _ => false,
        };
        if !scattered {
            // The triplets `prepare` fetched, or fetched now (the pattern no longer fits).
            let fetched = match (hess_op, &self.hess_t) {
                (Some(op), None) => match op.lower_triplets() {
                    Some(t) => Some(t),
                    None => return false,
                },
                _ => None,
            };
            let hess_t = hess_op.and(self.hess_t.as_ref().or(fetched.as_ref()));
            let n_hess = hess_t.map_or(0, |t| t.len());
            let rebuild = self.condensed_asm.as_ref().is_none_or(|a| a.n_hess != n_hess || a.n_jac != jt.len());
            if rebuild {
                // The old assembly goes before the new one is built (both would be live at the
                // solve's memory peak), keeping its pairs when the Jacobian's pattern is the same:
                // they depend on nothing else (the least-squares multipliers assemble N without
                // the Hessian, the first iteration with it).
                let kept_pairs = self.condensed_asm.take().filter(|a| a.n_jac == jt.len()).map(|a| a.pairs);
                let Some(pairs) = kept_pairs.or_else(|| row_pairs(jt, m, CONDENSED_FILL_FACTOR * (jt.len() + n_hess + n))) else {
                    self.condensed_too_dense = true;
                    return false;
                };
                // N's entries in triplet order — the Hessian's, the diagonal, then `Jᵀ D̂⁻¹ J`'s —
                // straight into the pattern, without a triplet list (at n = 1e7 on the disk chain
                // that list and its growth took 1.9 GB).
                let entries = || {
                    let hess = hess_t.into_iter().flat_map(|h| h.rows.iter().copied().zip(h.cols.iter().copied()));
                    let pair_entries = pairs.iter().map(|&(a, b)| (jt.cols[a], jt.cols[b]));
                    hess.chain((0..n).map(|i| (i, i))).chain(pair_entries)
                };
                let (matrix, map) = CscMatrix::pattern_with_map(n, n, n_hess + n + pairs.len(), entries, CscStorage::SymmetricLower);
                self.condensed_asm = Some(CondensedAssembly { matrix, map, n_hess, n_jac: jt.len(), pairs });
            }
            let asm = self.condensed_asm.as_mut().expect("built above");
            asm.matrix.values.fill(0.0);
            if let Some(h) = hess_t {
                asm.map[..n_hess].iter().zip(&h.vals).for_each(|(&p, &v)| asm.matrix.values[p] += v);
            }
            // From now on the values are scattered into the pattern (or fetched again if the
            // operator cannot scatter): the triplets need not live through the iteration.
            self.hess_t = None;
        }
        // The diagonal and `Jᵀ D̂⁻¹ J`, added after the Hessian in the pattern's triplet order.
        let asm = self.condensed_asm.as_mut().expect("assembled above");
        let (diag_pos, pair_pos) = asm.map[asm.n_hess..].split_at(n);
        let vals = &mut asm.matrix.values;
        diag_pos.iter().zip(&self.diag_x).for_each(|(&p, d)| vals[p] += d + shift);
        pair_pos.iter().zip(&asm.pairs).for_each(|(&p, &(a, b))| vals[p] += jt.vals[a] * jt.vals[b] * self.d_hat[jt.rows[a]]);
        vec_ops::all_finite(&asm.matrix.values)
    }
}

/// Pairs of Jacobian triplets `(a, b)` in the same row whose product lands in the lower triangle
/// of `JᵀJ` (`col(a) > col(b)`, or equal columns in both orders so duplicates are counted
/// exactly); `None` when there would be more than `cap`.
pub(super) fn row_pairs(jt: &Triplets, m: usize, cap: usize) -> Option<Vec<(usize, usize)>> {
    let mut start = vec![0usize; m + 1];
    for &r in &jt.rows {
        start[r + 1] += 1;
    }
    let mut total = 0usize;
    for r in 0..m {
        let c = start[r + 1];
        total = total.saturating_add(c * (c + 1) / 2);
        start[r + 1] += start[r];
    }
    if total > cap {
        return None;
    }
    let mut by_row = vec![0usize; jt.len()];
    let mut next = start.clone();
    for (k, &r) in jt.rows.iter().enumerate() {
        by_row[next[r]] = k;
        next[r] += 1;
    }
    let mut pairs = Vec::with_capacity(total);
    for r in 0..m {
        let row = &by_row[start[r]..start[r + 1]];
        for &a in row {
            for &b in row {
                if jt.cols[a] >= jt.cols[b] {
                    pairs.push((a, b));
                }
            }
        }
    }
    Some(pairs)
}
