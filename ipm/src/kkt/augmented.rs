//! The augmented route: assemble the reduced KKT matrix (pattern fixed after the first call),
//! factor it with inertia, and the Sherman–Morrison–Woodbury correction for a low-rank
//! quasi-Newton Hessian.

use super::*;

/// Cached assembly of the augmented matrix: the pattern and the scatter maps are built once
/// (from triplets, at the first factorization or when the blocks' pattern changes); later
/// factorizations scatter the blocks' values straight into `matrix.values` through the maps,
/// with no triplets and no allocation.
pub(super) struct Assembly {
    pub(super) matrix: CscMatrix,
    /// `matrix.values` position of each lower Hessian entry (the order of `lower_triplets`).
    pub(super) hess_pos: Vec<usize>,
    /// Position of the diagonal entry `(i, i)`, `i < n`.
    pub(super) diag_pos: Vec<usize>,
    /// Position of each Jacobian entry (the order of `triplets`), shifted to rows `n..`.
    pub(super) jac_pos: Vec<usize>,
    /// Position of the constraint-block diagonal entry `(n + i, n + i)`.
    pub(super) d_pos: Vec<usize>,
    /// Whether the Hessian block came from a dense quasi-Newton `W M Wᵀ` (a different pattern
    /// from the exact Hessian's even when the entry counts agree).
    pub(super) dense_low_rank: bool,
    /// The Hessian's part of each diagonal entry `(i, i)`, `i < n`: the inertia correction's
    /// refactorizations (new δ_w, δ_c) rewrite only the diagonals from it and do not re-read
    /// the blocks.
    pub(super) hess_diag: Vec<f64>,
    /// `matrix.values` holds the blocks of the current Newton system (cleared by `prepare`).
    pub(super) base_valid: bool,
}

impl Assembly {
    /// An empty assembly (the condensed route's "analyzed" marker).
    pub(super) fn empty() -> Self {
        Assembly {
            matrix: CscMatrix::from_triplets(&Triplets::new(0, 0), CscStorage::General),
            hess_pos: Vec::new(),
            diag_pos: Vec::new(),
            jac_pos: Vec::new(),
            d_pos: Vec::new(),
            dense_low_rank: false,
            hess_diag: Vec::new(),
            base_valid: false,
        }
    }
}

/// Where the Hessian block's values come from for one factorization.
enum HessSource<'h> {
    /// No Hessian entries (W = 0 without a known pattern, or a large quasi-Newton matrix whose
    /// low-rank part is handled by Sherman–Morrison–Woodbury).
    None,
    /// W = 0 on the known Hessian pattern of this many entries (zero values).
    ZeroPattern(usize),
    /// The exact Hessian operator.
    Operator(&'h dyn LinearOperator),
    /// A small quasi-Newton `W M Wᵀ`, assembled densely.
    Dense(Triplets),
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
        // Small quasi-Newton problems: assemble W M Wᵀ explicitly (n(n+1)/2 entries) instead of the
        // Sherman–Morrison–Woodbury correction, whose accuracy degrades when B's eigenvalues
        // spread over many orders of magnitude (badly scaled problems near the solution).
        let hess = match &blocks.hess {
            HessianTerm::LowRank(_, p) if n <= DENSE_LOW_RANK_MAX_N => HessSource::Dense(low_rank_lower_triplets(p, n)),
            HessianTerm::LowRank(..) => HessSource::None,
            HessianTerm::Exact(op) => HessSource::Operator(*op),
            // W = 0 (least-squares multipliers): keep the Hessian's pattern with zero values so
            // the sparse factorization's symbolic analysis is reused instead of redone for the
            // W-free pattern and again for the next Newton system.
            HessianTerm::Zero => self.hess_pattern.as_ref().map_or(HessSource::None, |t| HessSource::ZeroPattern(t.len())),
        };
        let dense_low_rank = matches!(hess, HessSource::Dense(_));
        let reuse = match self.assembly.as_mut() {
            Some(asm) if asm.dense_low_rank == dense_low_rank => asm.base_valid || Self::refill_base(asm, &hess, blocks.jac),
            _ => false,
        };
        let rebuilt = !reuse;
        if rebuilt {
            self.rebuild_assembly(&hess, blocks.jac, n, m)?;
        }
        let asm = self.assembly.as_mut().expect("assembled above");
        asm.base_valid = true;
        // The δ-dependent diagonals on top of the blocks' values, summed in the order the
        // triplets were when the pattern was built (Hessian, Σ_x + δ_w, Jacobian, −D): bit for
        // bit the values a fresh assembly would give. No Jacobian entry shares these slots.
        let vals = &mut asm.matrix.values;
        for ((&p, &h), &d) in asm.diag_pos.iter().zip(&asm.hess_diag).zip(&self.diag_x) {
            vals[p] = h + (d + shift);
        }
        for (&p, &d) in asm.d_pos.iter().zip(&self.d) {
            vals[p] = 0.0 + -d;
        }
        if !vec_ops::all_finite(&asm.matrix.values) {
            return Err(LinSolveError::NonFinite("KKT matrix"));
        }
        // No dynamic pivot regularization: it would replace wrong-signed pivots and hide an
        // indefinite Hessian from the inertia test. A zero pivot is reported as singular and the
        // inertia correction sets δ_c > 0, after which the matrix is quasi-definite whenever the
        // (1,1) block is positive definite (Vanderbei 1995), so unpivoted LDLᵀ is safe.
        // The pattern is the analyzed one unless it was just rebuilt: say so, so the solver
        // skips its own pattern comparison.
        let factored = if rebuilt {
            self.solver.factor(&asm.matrix, &Regularization::none())
        } else {
            self.solver.refactor(&asm.matrix, &Regularization::none())
        };
        let info = match factored {
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
            && !dense_low_rank
            && let HessianTerm::LowRank(_, parts) = &blocks.hess
        {
            self.smw = Some(self.build_smw(parts.clone(), n, m)?);
        }
        Ok(status)
    }

    /// Scatter the Hessian's and the Jacobian's values into `asm.matrix` through the cached maps
    /// and record the Hessian's diagonal part. `false` when a block's entry count no longer fits
    /// its map (the pattern changed).
    fn refill_base(asm: &mut Assembly, hess: &HessSource<'_>, jac: &dyn LinearOperator) -> bool {
        // Zeros first, then every entry added to its slot: the order `CscMatrix::refill` sums in.
        let vals = &mut asm.matrix.values;
        vals.iter_mut().for_each(|v| *v = 0.0);
        let hess_fits = match hess {
            HessSource::None => asm.hess_pos.is_empty(),
            // Zero values add nothing to zeros (the Hessian's slots hold no other block).
            HessSource::ZeroPattern(len) => *len == asm.hess_pos.len(),
            HessSource::Operator(op) => op.scatter_values(true, &asm.hess_pos, vals),
            HessSource::Dense(t) => {
                let fits = t.len() == asm.hess_pos.len();
                if fits {
                    asm.hess_pos.iter().zip(&t.vals).for_each(|(&p, &v)| vals[p] += v);
                }
                fits
            }
        };
        if !hess_fits {
            return false;
        }
        asm.hess_diag.clear();
        asm.hess_diag.extend(asm.diag_pos.iter().map(|&p| vals[p]));
        jac.scatter_values(false, &asm.jac_pos, vals)
    }

    /// Build the augmented pattern from the blocks' triplets, its scatter maps and `base`, and
    /// run the solver's symbolic analysis on it.
    fn rebuild_assembly(&mut self, hess: &HessSource<'_>, jac: &dyn LinearOperator, n: usize, m: usize) -> Result<(), LinSolveError> {
        let hess_t = match hess {
            HessSource::None => None,
            HessSource::ZeroPattern(_) => self.hess_pattern.as_ref().map(|t| {
                let mut z = t.clone();
                z.vals.iter_mut().for_each(|v| *v = 0.0);
                z
            }),
            HessSource::Operator(op) => {
                let t = op.lower_triplets().ok_or_else(|| LinSolveError::Unsupported("augmented route needs an assembled Hessian".into()))?;
                if self.hess_pattern.as_ref().is_none_or(|p| p.len() != t.len()) {
                    self.hess_pattern = Some(t.clone());
                }
                Some(t)
            }
            HessSource::Dense(t) => Some(t.clone()),
        };
        let jt = jac.triplets().ok_or_else(|| LinSolveError::Unsupported("augmented route needs an assembled Jacobian".into()))?;
        let n_hess = hess_t.as_ref().map_or(0, |t| t.len());
        let n_jac = jt.len();
        let mut t = Triplets::with_capacity(n + m, n + m, n_hess + n + n_jac + m);
        if let Some(h) = &hess_t {
            t.extend_shifted(h, 0, 0, 1.0);
        }
        for i in 0..n {
            t.push(i, i, 0.0);
        }
        t.extend_shifted(&jt, n, 0, 1.0);
        for i in 0..m {
            t.push(n + i, n + i, 0.0);
        }
        let (matrix, map) = CscMatrix::from_triplets_with_map(&t, CscStorage::SymmetricLower);
        self.solver.analyze(&matrix)?;
        let (hess_pos, rest) = map.split_at(n_hess);
        let (diag_pos, rest) = rest.split_at(n);
        let (jac_pos, d_pos) = rest.split_at(n_jac);
        let mut asm = Assembly {
            hess_pos: hess_pos.to_vec(),
            diag_pos: diag_pos.to_vec(),
            jac_pos: jac_pos.to_vec(),
            d_pos: d_pos.to_vec(),
            dense_low_rank: matches!(hess, HessSource::Dense(_)),
            hess_diag: Vec::with_capacity(n),
            base_valid: true,
            matrix,
        };
        // The values from the triplets just taken, through the new maps (the same sums as
        // `refill_base`).
        let vals = &mut asm.matrix.values;
        vals.iter_mut().for_each(|v| *v = 0.0);
        if let Some(h) = &hess_t {
            asm.hess_pos.iter().zip(&h.vals).for_each(|(&p, &v)| vals[p] += v);
        }
        asm.hess_diag.extend(asm.diag_pos.iter().map(|&p| vals[p]));
        asm.jac_pos.iter().zip(&jt.vals).for_each(|(&p, &v)| vals[p] += v);
        self.assembly = Some(asm);
        Ok(())
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
