//! The augmented route: assemble the reduced KKT matrix (pattern fixed after the first call),
//! factor it with inertia, and the Sherman–Morrison–Woodbury correction for a low-rank
//! quasi-Newton Hessian.

use super::*;

/// Cached assembly of the augmented matrix (pattern fixed after the first call).
pub(super) struct Assembly {
    pub(super) matrix: CscMatrix,
    pub(super) map: Vec<usize>,
    pub(super) n_hess: usize,
    pub(super) n_jac: usize,
    pub(super) vals: Vec<f64>,
}

/// Sherman–Morrison–Woodbury data for `K = K0 + U M Uᵀ`, `U = [W; 0]`:
/// `K⁻¹ = K0⁻¹ − Z (I + M UᵀZ)⁻¹ M Uᵀ K0⁻¹` with `Z = K0⁻¹U`.
pub(super) struct Smw {
    pub(super) k: usize,
    pub(super) z: Vec<f64>,
    pub(super) lu: Vec<f64>,
    pub(super) piv: Vec<usize>,
    pub(super) parts: LowRankParts,
}

impl KktSolver {

    pub(super) fn factor_augmented(&mut self, blocks: &KktBlocks<'_>, n: usize, m: usize) -> Result<FactorStatus, LinSolveError> {
        let shift = match &blocks.hess {
            HessianTerm::LowRank(_, p) => p.shift,
            _ => 0.0,
        };
        if matches!(blocks.hess, HessianTerm::Exact(_)) && self.hess_t.is_none() {
            return Err(LinSolveError::Unsupported("augmented route needs an assembled Hessian".into()));
        }
        let Some(jt) = &self.jac_t else {
            return Err(LinSolveError::Unsupported("augmented route needs an assembled Jacobian".into()));
        };
        // Small quasi-Newton problems: assemble W M Wᵀ explicitly (n(n+1)/2 entries) instead of the
        // Sherman–Morrison–Woodbury correction, whose accuracy degrades when B's eigenvalues
        // spread over many orders of magnitude (badly scaled problems near the solution).
        let dense_low_rank = match &blocks.hess {
            HessianTerm::LowRank(_, p) if n <= DENSE_LOW_RANK_MAX_N => Some(low_rank_lower_triplets(p, n)),
            _ => None,
        };
        let hess_src = dense_low_rank.as_ref().or(self.hess_t.as_ref());
        let n_hess = hess_src.map_or(0, |t| t.len());
        let n_jac = jt.len();
        let rebuild = self.assembly.as_ref().is_none_or(|a| a.n_hess != n_hess || a.n_jac != n_jac);
        let mut vals = Vec::with_capacity(n_hess + n + n_jac + m);
        if let Some(h) = hess_src {
            vals.extend_from_slice(&h.vals);
        }
        vals.extend(self.diag_x.iter().map(|d| d + shift));
        vals.extend_from_slice(&jt.vals);
        vals.extend(self.d.iter().map(|d| -d));
        if rebuild {
            let mut t = Triplets::new(n + m, n + m);
            if let Some(h) = hess_src {
                t.extend_shifted(h, 0, 0, 1.0);
            }
            for i in 0..n {
                t.push(i, i, 0.0);
            }
            t.extend_shifted(jt, n, 0, 1.0);
            for i in 0..m {
                t.push(n + i, n + i, 0.0);
            }
            t.vals.copy_from_slice(&vals);
            let (matrix, map) = CscMatrix::from_triplets_with_map(&t, CscStorage::SymmetricLower);
            self.solver.analyze(&matrix)?;
            self.assembly = Some(Assembly { matrix, map, n_hess, n_jac, vals: Vec::new() });
        }
        let asm = self.assembly.as_mut().expect("assembled above");
        asm.vals = vals;
        asm.matrix.refill(&asm.map, &asm.vals);
        if !vec_ops::all_finite(&asm.matrix.values) {
            return Err(LinSolveError::NonFinite("KKT matrix"));
        }
        // No dynamic pivot regularization: it would replace wrong-signed pivots and hide an
        // indefinite Hessian from the inertia test. A zero pivot is reported as singular and the
        // inertia correction sets δ_c > 0, after which the matrix is quasi-definite whenever the
        // (1,1) block is positive definite (Vanderbei 1995), so unpivoted LDLᵀ is safe.
        let info = match self.solver.factor(&asm.matrix, &Regularization::none()) {
            Ok(info) => info,
            Err(LinSolveError::Singular { .. }) => return Ok(FactorStatus::Singular),
            Err(e) => return Err(e),
        };
        self.last_inertia = info.inertia;
        // A pivot replaced by dynamic regularization had the wrong sign or was (near) zero: the
        // factor is of a different matrix, and its inertia says nothing about the real one
        // (an indefinite Hessian would pass unnoticed). Treat it as a failed inertia test:
        // "singular" when constraints exist (δ_c first), wrong inertia otherwise.
        if info.regularized_pivots > 0 {
            return Ok(if m > 0 { FactorStatus::Singular } else { FactorStatus::WrongInertia });
        }
        let status = match info.inertia {
            Some(i) if i.is(n, m) => FactorStatus::Ok,
            Some(i) if i.zero > 0 || i.negative < m => FactorStatus::Singular,
            Some(_) => FactorStatus::WrongInertia,
            None => FactorStatus::Ok,
        };
        if status == FactorStatus::Ok
            && dense_low_rank.is_none()
            && let HessianTerm::LowRank(_, parts) = &blocks.hess
        {
            self.smw = Some(self.build_smw(parts.clone(), n, m)?);
        }
        Ok(status)
    }

    pub(super) fn build_smw(&mut self, parts: LowRankParts, n: usize, m: usize) -> Result<Smw, LinSolveError> {
        let k = parts.k;
        let dim = n + m;
        let asm = self.assembly.as_ref().expect("factored");
        let mut z = vec![0.0; dim * k];
        for j in 0..k {
            let col = &mut z[j * dim..(j + 1) * dim];
            col[..n].copy_from_slice(&parts.w[j * n..(j + 1) * n]);
            self.solver.solve_in_place(&asm.matrix, col)?;
        }
        // C = I + M (Uᵀ Z)
        let mut utz = vec![0.0; k * k];
        for a in 0..k {
            for b in 0..k {
                utz[a + b * k] = vec_ops::dot(&parts.w[a * n..(a + 1) * n], &z[b * dim..b * dim + n]);
            }
        }
        let mut c = vec![0.0; k * k];
        for a in 0..k {
            for b in 0..k {
                let mut s = if a == b { 1.0 } else { 0.0 };
                for l in 0..k {
                    s += parts.m[a + l * k] * utz[l + b * k];
                }
                c[a + b * k] = s;
            }
        }
        let piv = dense_small::lu_factor(&mut c, k).ok_or(LinSolveError::Singular { pivot: 0 })?;
        Ok(Smw { k, z, lu: c, piv, parts })
    }
}

/// Largest `n` for which a quasi-Newton `W M Wᵀ` is assembled into the augmented matrix.
pub(super) const DENSE_LOW_RANK_MAX_N: usize = 200;

/// Lower triangle of `W M Wᵀ` (the low-rank part of `shift·I + W M Wᵀ`) as dense triplets.
pub(super) fn low_rank_lower_triplets(p: &LowRankParts, n: usize) -> Triplets {
    let k = p.k;
    // T = W M (n × k), then (T Wᵀ)_ij = Σ_l T_il W_jl.
    let mut t = vec![0.0; n * k];
    for l in 0..k {
        for a in 0..k {
            let m_al = p.m[a + l * k];
            if m_al != 0.0 {
                for i in 0..n {
                    t[i + l * n] += p.w[i + a * n] * m_al;
                }
            }
        }
    }
    let mut out = Triplets::with_capacity(n, n, n * (n + 1) / 2);
    for j in 0..n {
        for i in j..n {
            let v: f64 = (0..k).map(|l| t[i + l * n] * p.w[j + l * n]).sum();
            out.push(i, j, v);
        }
    }
    out
}
