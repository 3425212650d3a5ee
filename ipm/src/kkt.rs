//! The reduced primal-dual KKT system and its two solution routes.
//!
//! After eliminating the bound multipliers and the slack steps (for inequality row `i` with slack
//! weight `Σ_s,i`, `ds_i = (dy_i − r_s,i)/(Σ_s,i + δ_w)`), every Newton step solves
//! ```text
//! [ W + Σ_x + δ_w I    Jᵀ ] [dx]   [a]
//! [ J                 −D  ] [dy] = [b],   D_i = δ_c (equality rows),  1/(Σ_s,i + δ_w) + δ_c (inequality rows)
//! ```
//! whose inertia must be `(n, m, 0)` (eliminating `ds` removes exactly the slack block's positive
//! eigenvalues). The *augmented* route factors this matrix (sparse or dense LDLᵀ, inertia from the
//! factor). The *condensed* route eliminates `dy` with `D̂ = max(D, δ_cond) > 0`
//! (Friedlander & Orban 2012 primal–dual regularization) and solves
//! `N = W + Σ_x + δ_w I + Jᵀ D̂⁻¹ J` by Cholesky or CG, where positive definiteness of `N` is the
//! inertia test. Both routes refine against the unregularized reduced system.

use std::cell::RefCell;

use ipax_core::{
    CscMatrix, CscRef, CscStorage, Inertia, LinSolveError, LinearOperator, LinearSolver, LowRankParts,
    Regularization, Triplets, operator::scale_output, vec_ops,
};

use crate::dense_small;

/// Which KKT system is factored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KktRoute {
    /// Symmetric indefinite reduced system, direct LDLᵀ with inertia.
    Augmented,
    /// Positive definite condensed system (Cholesky or CG).
    Condensed,
}

/// What the linear-solver factory is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SolverRequest {
    pub route: KktRoute,
    /// Dimension of the matrix to be solved.
    pub dim: usize,
    /// Whether the operator can be assembled (triplets available).
    pub assembled: bool,
    /// Estimated stored nonzeros (lower triangle) when assembled.
    pub nnz: usize,
}

/// Creates linear solvers for the IPM (injected: the IPM never names a concrete solver).
pub trait LinearSolverFactory {
    /// A solver suited to the request.
    fn create(&self, request: &SolverRequest) -> Box<dyn LinearSolver>;
}

/// The Hessian block `W`.
pub enum HessianTerm<'a> {
    /// `W = 0` (least-squares multiplier estimate, linear problems).
    Zero,
    /// An exact (user) Hessian operator.
    Exact(&'a dyn LinearOperator),
    /// A quasi-Newton operator with its `shift·I + U M Uᵀ` structure.
    LowRank(&'a dyn LinearOperator, LowRankParts),
}

impl HessianTerm<'_> {
    fn apply_add(&self, x: &[f64], y: &mut [f64]) {
        match self {
            HessianTerm::Zero => {}
            HessianTerm::Exact(op) | HessianTerm::LowRank(op, _) => op.apply(1.0, x, 1.0, y),
        }
    }
    fn diagonal(&self, n: usize) -> Option<Vec<f64>> {
        match self {
            HessianTerm::Zero => Some(vec![0.0; n]),
            HessianTerm::Exact(op) => op.diagonal(),
            HessianTerm::LowRank(op, _) => op.diagonal(),
        }
    }
}

/// The blocks of one reduced KKT system.
pub struct KktBlocks<'a> {
    pub hess: HessianTerm<'a>,
    /// `Σ_x` (length n).
    pub sigma_x: &'a [f64],
    /// `Σ_s` per constraint row (only read for inequality rows).
    pub sigma_s: &'a [f64],
    /// Whether each row is an inequality (has a slack).
    pub is_ineq: &'a [bool],
    /// The m × n Jacobian.
    pub jac: &'a dyn LinearOperator,
}

impl KktBlocks<'_> {
    fn n(&self) -> usize {
        self.sigma_x.len()
    }
    fn m(&self) -> usize {
        self.is_ineq.len()
    }
    /// `D_i` of the reduced system.
    fn d(&self, delta_w: f64, delta_c: f64, out: &mut [f64]) {
        for i in 0..self.m() {
            out[i] = if self.is_ineq[i] { 1.0 / (self.sigma_s[i] + delta_w).max(1e-20) + delta_c } else { delta_c };
        }
    }
}

/// Outcome of one factorization attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorStatus {
    /// Inertia as wanted (or not checkable and the solver succeeded).
    Ok,
    /// Too many negative eigenvalues: increase δ_w.
    WrongInertia,
    /// Zero eigenvalues: set δ_c (and possibly δ_w).
    Singular,
}

/// The reduced system as an operator (for refinement and Krylov methods).
struct ReducedKktOp<'a, 'b> {
    blocks: &'b KktBlocks<'a>,
    diag_x: &'b [f64],
    d: &'b [f64],
}

impl LinearOperator for ReducedKktOp<'_, '_> {
    fn shape(&self) -> (usize, usize) {
        let s = self.diag_x.len() + self.d.len();
        (s, s)
    }
    fn apply(&self, alpha: f64, v: &[f64], beta: f64, out: &mut [f64]) {
        let n = self.diag_x.len();
        let (vx, vy) = v.split_at(n);
        let mut tx = vec![0.0; n];
        self.blocks.hess.apply_add(vx, &mut tx);
        for i in 0..n {
            tx[i] += self.diag_x[i] * vx[i];
        }
        self.blocks.jac.apply_transpose(1.0, vy, 1.0, &mut tx);
        let mut ty = vec![0.0; self.d.len()];
        self.blocks.jac.apply(1.0, vx, 0.0, &mut ty);
        for i in 0..self.d.len() {
            ty[i] -= self.d[i] * vy[i];
        }
        scale_output(beta, out);
        vec_ops::axpy(alpha, &tx, &mut out[..n]);
        vec_ops::axpy(alpha, &ty, &mut out[n..]);
    }
    fn apply_transpose(&self, alpha: f64, v: &[f64], beta: f64, out: &mut [f64]) {
        self.apply(alpha, v, beta, out)
    }
    fn is_symmetric(&self) -> bool {
        true
    }
}

/// `N = W + diag + Jᵀ D̂⁻¹ J` applied matrix-free.
struct CondensedOp<'a, 'b> {
    blocks: &'b KktBlocks<'a>,
    diag_x: &'b [f64],
    dinv: &'b [f64],
    jt_dinv_j_diag: &'b Option<Vec<f64>>,
    hess_diag_est: &'b Option<Vec<f64>>,
    /// Lower triangle of `N` when assembled (for incomplete-Cholesky preconditioning).
    assembled: Option<&'b CscMatrix>,
    scratch: RefCell<Vec<f64>>,
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

/// Cached assembly of the augmented matrix (pattern fixed after the first call).
struct Assembly {
    matrix: CscMatrix,
    map: Vec<usize>,
    n_hess: usize,
    n_jac: usize,
    vals: Vec<f64>,
}

/// Cached assembly of the condensed matrix `N = W + diag + Jᵀ D̂⁻¹ J` (lower triangle), used only
/// to build a preconditioner: the pattern of `Jᵀ D̂⁻¹ J` comes from pairs of Jacobian entries in
/// the same row, fixed after the first call.
struct CondensedAssembly {
    matrix: CscMatrix,
    map: Vec<usize>,
    n_hess: usize,
    n_jac: usize,
    /// `(a, b)` Jacobian triplet indices in one row with `col(a) ≥ col(b)`: entry `J_a J_b / D̂_row`.
    pairs: Vec<(usize, usize)>,
    vals: Vec<f64>,
}

/// Largest number of `Jᵀ D̂⁻¹ J` products assembled for a preconditioner, relative to the
/// Jacobian's and the Hessian's size: dense rows make the product quadratically large, and then
/// Jacobi is the better trade.
const CONDENSED_FILL_FACTOR: usize = 30;

/// The dimensionless regularization `δ·w/j²` of the condensed route with a direct solver (see
/// `KktSolver::condensed_floor`).
const CONDENSED_RELATIVE_REG: f64 = 1e-8;
/// Smallest `δ_cond` ever used (keeps `D̂⁻¹` finite).
const MIN_CONDENSED_DELTA: f64 = 1e-20;

/// Relative residual up to which a Krylov solve of the condensed system that missed its own
/// tolerance still serves as an approximate inverse inside iterative refinement.
const INNER_KRYLOV_ACCEPT: f64 = 1e-6;

/// Same, for a Krylov solve that stopped at its attainable accuracy (rounding floor).
const INNER_KRYLOV_ACCEPT_AT_FLOOR: f64 = 1e-2;

/// Statistics of one KKT solve.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SolveStats {
    pub residual: f64,
    pub iterations: usize,
}

/// Solves reduced KKT systems on one route with an injected linear solver.
pub struct KktSolver {
    pub route: KktRoute,
    solver: Box<dyn LinearSolver>,
    assembly: Option<Assembly>,
    hess_t: Option<Triplets>,
    jac_t: Option<Triplets>,
    jac_t_stale: bool,
    // Values of the current factorization.
    diag_x: Vec<f64>,
    d: Vec<f64>,
    d_hat: Vec<f64>,
    jt_dinv_j_diag: Option<Vec<f64>>,
    smw: Option<Smw>,
    /// δ_cond used by the condensed route on equality rows.
    pub condensed_delta: f64,
    pub max_refinement_steps: usize,
    /// Refinement steps taken even when the first solution already meets `residual_ratio_max`
    /// (`min_refinement_steps`; 0 by default, where Ipopt takes 1: the residual test here is
    /// the stricter ‖r‖/‖b‖, so a step is taken whenever the first solve is not accurate).
    pub min_refinement_steps: usize,
    pub residual_ratio_max: f64,
    pub last_inertia: Option<Inertia>,
    base_residual_ratio: Option<f64>,
    hess_diag_est: Option<Vec<f64>>,
    /// The exact Hessian's lower pattern from the last Newton system (values irrelevant).
    hess_pattern: Option<Triplets>,
    /// Cached per iteration by `prepare` (see [`condensed_scales`](Self::condensed_scales)).
    condensed_scales: Option<(f64, Option<Vec<f64>>)>,
    /// Assemble `N` on the condensed route (set when an incomplete-Cholesky preconditioner will
    /// use it).
    pub assemble_condensed: bool,
    condensed_asm: Option<CondensedAssembly>,
    condensed_asm_valid: bool,
    /// The problem's pattern makes `N` too dense to assemble: do not try again.
    condensed_too_dense: bool,
}

/// Sherman–Morrison–Woodbury data for `K = K0 + U M Uᵀ`, `U = [W; 0]`:
/// `K⁻¹ = K0⁻¹ − Z (I + M UᵀZ)⁻¹ M Uᵀ K0⁻¹` with `Z = K0⁻¹U`.
struct Smw {
    k: usize,
    z: Vec<f64>,
    lu: Vec<f64>,
    piv: Vec<usize>,
    parts: LowRankParts,
}

impl KktSolver {
    /// A solver for `route` backed by `solver`.
    pub fn new(route: KktRoute, solver: Box<dyn LinearSolver>) -> Self {
        KktSolver {
            route,
            solver,
            assembly: None,
            hess_t: None,
            jac_t: None,
            jac_t_stale: true,
            diag_x: Vec::new(),
            d: Vec::new(),
            d_hat: Vec::new(),
            jt_dinv_j_diag: None,
            smw: None,
            condensed_delta: 1e-9,
            max_refinement_steps: 10,
            min_refinement_steps: 0,
            residual_ratio_max: 1e-10,
            last_inertia: None,
            base_residual_ratio: None,
            hess_diag_est: None,
            hess_pattern: None,
            condensed_scales: None,
            assemble_condensed: false,
            condensed_asm: None,
            condensed_asm_valid: false,
            condensed_too_dense: false,
        }
    }

    /// Name of the underlying linear solver.
    pub fn solver_name(&self) -> &'static str {
        self.solver.name()
    }

    /// The matrix of the last factorization, lower triangle: the augmented KKT matrix (with its
    /// δ_w, δ_c), or the condensed `N` where it was assembled. `None` on matrix-free routes.
    pub fn assembled_lower(&self) -> Option<Triplets> {
        match self.route {
            KktRoute::Augmented => self.assembly.as_ref().map(|a| a.matrix.as_ref().to_lower_triplets()),
            KktRoute::Condensed => self.condensed_asm.as_ref().filter(|_| self.condensed_asm_valid).map(|a| a.matrix.as_ref().to_lower_triplets()),
        }
    }

    /// Whether the linear solver reports inertia.
    pub fn provides_inertia(&self) -> bool {
        self.solver.capabilities().provides_inertia
    }

    /// Fetch the (value-dependent) assembled entries once per iteration, before any `factor`.
    pub fn prepare(&mut self, blocks: &KktBlocks<'_>) {
        let wants_hess = self.route == KktRoute::Augmented || (self.assemble_condensed && !self.condensed_too_dense);
        self.hess_t = match (wants_hess, &blocks.hess) {
            (true, HessianTerm::Exact(op)) => op.lower_triplets(),
            // W = 0 (least-squares multipliers) on the augmented route: keep the Hessian's
            // pattern with zero values so the sparse factorization's symbolic analysis is reused
            // instead of redone for the W-free pattern and again for the next Newton system.
            (true, HessianTerm::Zero) if self.route == KktRoute::Augmented => self.hess_pattern.as_ref().map(|t| {
                let mut z = t.clone();
                z.vals.iter_mut().for_each(|v| *v = 0.0);
                z
            }),
            _ => None,
        };
        if let (Some(t), HessianTerm::Exact(_)) = (&self.hess_t, &blocks.hess)
            && self.hess_pattern.as_ref().is_none_or(|p| p.len() != t.len())
        {
            self.hess_pattern = Some(t.clone());
        }
        self.jac_t = blocks.jac.triplets();
        self.jac_t_stale = false;
        self.condensed_scales = self.condensed_scales(blocks);
        self.hess_diag_est = None;
        if self.route == KktRoute::Condensed
            && !self.solver.capabilities().is_direct
            && let HessianTerm::Exact(op) = &blocks.hess
            && op.diagonal().is_none()
        {
            self.hess_diag_est = Some(estimate_diagonal(*op, 8));
        }
    }

    /// Whether the exact Hessian's pattern is known (see [`seed_hessian_pattern`](Self::seed_hessian_pattern)).
    pub fn has_hessian_pattern(&self) -> bool {
        self.hess_pattern.is_some()
    }

    /// Record the exact Hessian's lower pattern ahead of the first Newton system.
    pub fn seed_hessian_pattern(&mut self, hess: &dyn LinearOperator) {
        if let Some(t) = hess.lower_triplets() {
            self.hess_pattern = Some(t);
        }
    }

    /// Inexact-Newton forcing term for iterative solvers: stop Krylov iterations (and refinement)
    /// at relative residual `rtol` (Dembo, Eisenstat & Steihaug 1982). Direct solvers ignore it.
    pub fn set_inexact_tolerance(&mut self, rtol: f64) {
        if self.solver.capabilities().is_direct {
            return;
        }
        let base = *self.base_residual_ratio.get_or_insert(self.residual_ratio_max);
        self.solver.set_relative_tolerance(rtol);
        self.residual_ratio_max = base.max(rtol);
    }

    /// Numeric factorization with perturbations `δ_w`, `δ_c`, classified for inertia correction.
    pub fn factor(&mut self, blocks: &KktBlocks<'_>, delta_w: f64, delta_c: f64) -> Result<FactorStatus, LinSolveError> {
        let (n, m) = (blocks.n(), blocks.m());
        self.diag_x.clear();
        self.diag_x.extend(blocks.sigma_x.iter().map(|s| s + delta_w));
        self.d.resize(m, 0.0);
        blocks.d(delta_w, delta_c, &mut self.d);
        self.smw = None;
        match self.route {
            KktRoute::Augmented => {
                let status = self.factor_augmented(blocks, n, m)?;
                // Singular although the constraint block is already regularized: the pivot order
                // broke down numerically (a static order eliminating constraint rows before
                // their neighbours), so ask the solver for threshold pivoting instead of letting
                // δ_c grow until it distorts every step.
                if status == FactorStatus::Singular && delta_c > 0.0 && m > 0 && self.solver.increase_quality() {
                    return self.factor_augmented(blocks, n, m);
                }
                Ok(status)
            }
            KktRoute::Condensed => self.factor_condensed(blocks, n, m),
        }
    }

    fn factor_augmented(&mut self, blocks: &KktBlocks<'_>, n: usize, m: usize) -> Result<FactorStatus, LinSolveError> {
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

    fn build_smw(&mut self, parts: LowRankParts, n: usize, m: usize) -> Result<Smw, LinSolveError> {
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

    fn factor_condensed(&mut self, blocks: &KktBlocks<'_>, n: usize, m: usize) -> Result<FactorStatus, LinSolveError> {
        let floor = self.condensed_floor(blocks, n);
        self.d_hat.clear();
        self.d_hat.extend(self.d.iter().map(|&d| 1.0 / d.max(floor)));
        // Jacobi information for the preconditioner: diag(Jᵀ D̂⁻¹ J) from assembled entries.
        self.jt_dinv_j_diag = self.jac_t.as_ref().map(|t| {
            let mut dd = vec![0.0; n];
            for k in 0..t.len() {
                dd[t.cols[k]] += t.vals[k] * t.vals[k] * self.d_hat[t.rows[k]];
            }
            dd
        });
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
            self.assembly = Some(Assembly { matrix: CscMatrix::from_triplets(&Triplets::new(0, 0), CscStorage::General), map: vec![], n_hess: 0, n_jac: 0, vals: vec![] });
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
    fn condensed_floor(&self, blocks: &KktBlocks<'_>, n: usize) -> f64 {
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
    fn condensed_scales(&self, blocks: &KktBlocks<'_>) -> Option<(f64, Option<Vec<f64>>)> {
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
    fn assemble_condensed_matrix(&mut self, blocks: &KktBlocks<'_>, n: usize) -> bool {
        if self.condensed_too_dense {
            return false;
        }
        let (hess_t, shift) = match &blocks.hess {
            HessianTerm::Zero => (None, 0.0),
            // An L-BFGS `shift·I + U M Uᵀ`: precondition with its diagonal part.
            HessianTerm::LowRank(_, p) => (None, p.shift),
            HessianTerm::Exact(_) => match &self.hess_t {
                Some(t) => (Some(t), 0.0),
                None => return false,
            },
        };
        let m = blocks.m();
        let jt = match &self.jac_t {
            Some(t) => t,
            None if m == 0 => &Triplets::new(0, n),
            None => return false,
        };
        let n_hess = hess_t.map_or(0, |t| t.len());
        let rebuild = self.condensed_asm.as_ref().is_none_or(|a| a.n_hess != n_hess || a.n_jac != jt.len());
        if rebuild {
            let Some(pairs) = row_pairs(jt, m, CONDENSED_FILL_FACTOR * (jt.len() + n_hess + n)) else {
                self.condensed_too_dense = true;
                self.condensed_asm = None;
                return false;
            };
            let mut t = Triplets::new(n, n);
            if let Some(h) = hess_t {
                t.extend_shifted(h, 0, 0, 1.0);
            }
            for i in 0..n {
                t.push(i, i, 0.0);
            }
            for &(a, b) in &pairs {
                t.push(jt.cols[a], jt.cols[b], 0.0);
            }
            let (matrix, map) = CscMatrix::from_triplets_with_map(&t, CscStorage::SymmetricLower);
            self.condensed_asm = Some(CondensedAssembly { matrix, map, n_hess, n_jac: jt.len(), pairs, vals: Vec::new() });
        }
        let asm = self.condensed_asm.as_mut().expect("built above");
        let mut vals = std::mem::take(&mut asm.vals);
        vals.clear();
        if let Some(h) = hess_t {
            vals.extend_from_slice(&h.vals);
        }
        vals.extend(self.diag_x.iter().map(|d| d + shift));
        vals.extend(asm.pairs.iter().map(|&(a, b)| jt.vals[a] * jt.vals[b] * self.d_hat[jt.rows[a]]));
        asm.matrix.refill(&asm.map, &vals);
        asm.vals = vals;
        vec_ops::all_finite(&asm.matrix.values)
    }

    /// One application of the approximate inverse (factor + SMW / condensation).
    fn apply_inverse(&mut self, blocks: &KktBlocks<'_>, rhs: &mut [f64]) -> Result<usize, LinSolveError> {
        let (n, m) = (blocks.n(), blocks.m());
        match self.route {
            KktRoute::Augmented => {
                let asm = self.assembly.as_ref().ok_or(LinSolveError::NotFactored)?;
                let info = self.solver.solve_in_place(&asm.matrix, rhs)?;
                if let Some(s) = &self.smw {
                    let k = s.k;
                    let dim = n + m;
                    // t = M Uᵀ x0 ; solve C u = t ; x = x0 − Z u
                    let mut ut = vec![0.0; k];
                    for a in 0..k {
                        ut[a] = vec_ops::dot(&s.parts.w[a * n..(a + 1) * n], &rhs[..n]);
                    }
                    let mut t = vec![0.0; k];
                    for a in 0..k {
                        for l in 0..k {
                            t[a] += s.parts.m[a + l * k] * ut[l];
                        }
                    }
                    dense_small::lu_solve(&s.lu, &s.piv, k, &mut t);
                    for j in 0..k {
                        vec_ops::axpy(-t[j], &s.z[j * dim..(j + 1) * dim], rhs);
                    }
                }
                Ok(info.iterations)
            }
            KktRoute::Condensed => {
                // N dx = a + Jᵀ D̂⁻¹ b ; dy = D̂⁻¹ (J dx − b)
                let (a, b) = rhs.split_at_mut(n);
                let mut w: Vec<f64> = b.iter().zip(&self.d_hat).map(|(bi, di)| bi * di).collect();
                blocks.jac.apply_transpose(1.0, &w, 1.0, a);
                let op = CondensedOp {
                    blocks,
                    diag_x: &self.diag_x,
                    dinv: &self.d_hat,
                    jt_dinv_j_diag: &self.jt_dinv_j_diag,
                    hess_diag_est: &self.hess_diag_est,
                    assembled: None,
                    scratch: RefCell::new(vec![0.0; m]),
                };
                let iterations = match self.solver.solve_in_place(&op, a) {
                    Ok(info) => info.iterations,
                    // Equality rows make N ill-conditioned by 1/δ_cond, so CG's own residual
                    // test can miss its target by rounding alone (ε·κ(N)) while the solution
                    // is a good approximate inverse: accept it when the residual is moderate and
                    // let the refinement against the unregularized reduced system (which has
                    // no 1/δ_cond scaling) judge the accuracy.
                    Err(LinSolveError::NoConvergence { iterations, residual }) if residual <= INNER_KRYLOV_ACCEPT => iterations,
                    // CG stopped at its rounding floor: with a good preconditioner (IC(0) on a
                    // banded N) this happens after a few iterations with a solution that only
                    // looks inaccurate through N's 1/δ_cond scaling. Refinement decides.
                    Err(LinSolveError::AccuracyLimit { iterations, residual }) if residual <= INNER_KRYLOV_ACCEPT_AT_FLOOR => iterations,
                    Err(e) => return Err(e),
                };
                let info = ipax_core::SolveInfo { iterations, residual: None };
                blocks.jac.apply(1.0, a, 0.0, &mut w);
                for i in 0..m {
                    b[i] = (w[i] - b[i]) * self.d_hat[i];
                }
                Ok(info.iterations)
            }
        }
    }

    /// Solve the factored system for `rhs = [a; b]` (overwritten by `[dx; dy]`), refining against
    /// the unregularized reduced operator.
    pub fn solve(&mut self, blocks: &KktBlocks<'_>, rhs: &mut [f64]) -> Result<SolveStats, LinSolveError> {
        let b = rhs.to_vec();
        let bnorm = vec_ops::norm_inf(&b).max(1e-300);
        let mut iters = self.apply_inverse(blocks, rhs)?;
        let d = self.d.clone();
        let diag_x = self.diag_x.clone();
        let op = ReducedKktOp { blocks, diag_x: &diag_x, d: &d };
        let mut r = vec![0.0; b.len()];
        let mut residual = f64::INFINITY;
        for step in 0..=self.max_refinement_steps {
            r.copy_from_slice(&b);
            op.apply(-1.0, rhs, 1.0, &mut r);
            // ‖r‖/‖b‖, stricter than Ipopt's ‖r‖/(min(‖x‖, 1e6‖b‖) + ‖b‖): with Ipopt's ratio the
            // reduced system's solutions were too inexact for L-BFGS on badly scaled problems
            // (powell_badly_scaled hit max_iter), so refinement runs whenever ‖r‖/‖b‖ > 1e-10.
            let new_res = vec_ops::norm_inf(&r) / bnorm;
            if !new_res.is_finite() {
                return Err(LinSolveError::NonFinite("KKT solution"));
            }
            // Stop when accurate (after the minimum number of steps), or when refinement stopped
            // helping (keep the better iterate).
            let accurate = new_res <= self.residual_ratio_max && step >= self.min_refinement_steps;
            if accurate || step == self.max_refinement_steps || new_res > 0.9 * residual {
                residual = residual.min(new_res);
                break;
            }
            residual = new_res;
            iters += self.apply_inverse(blocks, &mut r)?;
            vec_ops::axpy(1.0, &r, rhs);
        }
        Ok(SolveStats { residual, iterations: iters })
    }
}

/// Largest `n` for which a quasi-Newton `W M Wᵀ` is assembled into the augmented matrix.
const DENSE_LOW_RANK_MAX_N: usize = 200;

/// Lower triangle of `W M Wᵀ` (the low-rank part of `shift·I + W M Wᵀ`) as dense triplets.
fn low_rank_lower_triplets(p: &LowRankParts, n: usize) -> Triplets {
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

/// Pairs of Jacobian triplets `(a, b)` in the same row whose product lands in the lower triangle
/// of `JᵀJ` (`col(a) > col(b)`, or equal columns in both orders so duplicates are counted
/// exactly); `None` when there would be more than `cap`.
fn row_pairs(jt: &Triplets, m: usize, cap: usize) -> Option<Vec<(usize, usize)>> {
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

/// A constant stand-in for `diag(H)` when only `H·v` is available: the mean diagonal
/// `tr(H)/n`, estimated from `k` Rademacher probes (Hutchinson 1990: `E[vᵀHv] = tr H`).
///
/// Per-entry probe estimates are too noisy to precondition with (they break the clustered
/// spectra CG exploits); the mean is accurate, and `mean + Σ` still captures the barrier terms
/// that make the condensed system badly scaled.
fn estimate_diagonal(op: &dyn LinearOperator, k: usize) -> Vec<f64> {
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
