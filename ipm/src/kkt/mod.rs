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

mod augmented;
mod condensed;
mod operators;

use augmented::{Assembly, Smw};
use condensed::{CondensedAssembly, INNER_KRYLOV_ACCEPT, INNER_KRYLOV_ACCEPT_AT_FLOOR};
pub use condensed::MAX_KRYLOV_CONDENSED_DELTA;
use operators::{CondensedOp, ReducedKktOp, estimate_diagonal};

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
///
/// Solvers are `Send` so that the last factorization can leave the solve with its result
/// ([`HeldKkt`](crate::HeldKkt), `hold_kkt_factor`) and be back-solved from another thread.
pub trait LinearSolverFactory {
    /// A solver suited to the request.
    fn create(&self, request: &SolverRequest) -> Box<dyn LinearSolver + Send>;
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
    pub(crate) fn apply_add(&self, x: &[f64], y: &mut [f64]) {
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

/// Statistics of one KKT solve.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SolveStats {
    pub residual: f64,
    pub iterations: usize,
}

/// Solves reduced KKT systems on one route with an injected linear solver.
pub struct KktSolver {
    pub route: KktRoute,
    solver: Box<dyn LinearSolver + Send>,
    /// Numeric factorizations so far (every [`factor`](Self::factor) call), so the driver can tell
    /// whether the factor it marked is still the one held.
    factorizations: u64,
    assembly: Option<Assembly>,
    hess_t: Option<Triplets>,
    jac_t: Option<Triplets>,
    jac_t_stale: bool,
    /// `0, 1, …, nnz(J) − 1`: the scatter positions that refresh `jac_t`'s values in place.
    jac_slots: Vec<usize>,
    // Values of the current factorization.
    diag_x: Vec<f64>,
    d: Vec<f64>,
    d_hat: Vec<f64>,
    jt_dinv_j_diag: Option<Vec<f64>>,
    smw: Option<Smw>,
    /// δ_cond used by the condensed route on equality rows.
    pub condensed_delta: f64,
    /// The `condensed_regularization` option: the value δ_cond returns to (see
    /// [`relax_condensed_delta`](Self::relax_condensed_delta)).
    condensed_delta_base: f64,
    /// Whether δ_cond was raised since the last [`relax_condensed_delta`](Self::relax_condensed_delta).
    condensed_delta_raised: bool,
    pub max_refinement_steps: usize,
    /// Refinement steps taken even when the first solution already meets `residual_ratio_max`
    /// (`min_refinement_steps`; 0 by default, where Ipopt takes 1: the residual test here is
    /// the stricter ‖r‖/‖b‖, so a step is taken whenever the first solve is not accurate).
    pub min_refinement_steps: usize,
    pub residual_ratio_max: f64,
    pub last_inertia: Option<Inertia>,
    base_residual_ratio: Option<f64>,
    /// The Krylov tolerance of the current Newton system (`set_inexact_tolerance`); `None`
    /// before the first one or with a direct solver.
    krylov_rtol: Option<f64>,
    hess_diag_est: Option<Vec<f64>>,
    /// The exact Hessian's lower pattern from the last Newton system (values irrelevant), kept
    /// by the augmented route for its least-squares systems.
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
    /// `(b, r)` of the refinement in [`solve`](Self::solve), reused across solves.
    refine_buffers: (Vec<f64>, Vec<f64>),
    /// Scratch of the reduced operator's products in the refinement.
    product_scratch: RefCell<(Vec<f64>, Vec<f64>)>,
}

impl KktSolver {
    /// A solver for `route` backed by `solver`.
    pub fn new(route: KktRoute, solver: Box<dyn LinearSolver + Send>) -> Self {
        KktSolver {
            route,
            solver,
            factorizations: 0,
            assembly: None,
            hess_t: None,
            jac_t: None,
            jac_t_stale: true,
            jac_slots: Vec::new(),
            diag_x: Vec::new(),
            d: Vec::new(),
            d_hat: Vec::new(),
            jt_dinv_j_diag: None,
            smw: None,
            condensed_delta: 1e-9,
            condensed_delta_base: 1e-9,
            condensed_delta_raised: false,
            max_refinement_steps: 10,
            min_refinement_steps: 0,
            residual_ratio_max: 1e-10,
            last_inertia: None,
            base_residual_ratio: None,
            krylov_rtol: None,
            hess_diag_est: None,
            hess_pattern: None,
            condensed_scales: None,
            assemble_condensed: false,
            condensed_asm: None,
            condensed_asm_valid: false,
            condensed_too_dense: false,
            refine_buffers: (Vec::new(), Vec::new()),
            product_scratch: RefCell::new((Vec::new(), Vec::new())),
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

    /// The linear solver's factors of the last factorization, where it can give them.
    pub fn factors(&self) -> Option<ipax_core::FactorExport> {
        self.solver.factors()
    }

    /// Numeric factorizations so far.
    pub fn factor_count(&self) -> u64 {
        self.factorizations
    }

    /// The augmented matrix of the last factorization and the linear solver holding its factor,
    /// consuming the KKT solver. `None` on the condensed route, before any factorization, with an
    /// iterative solver (no factor to hold) or with a Sherman–Morrison–Woodbury correction (the
    /// factor is of `K₀`, not of the matrix the steps solved).
    pub fn into_augmented_factor(self) -> Option<(Box<dyn LinearSolver + Send>, CscMatrix)> {
        if self.route != KktRoute::Augmented || self.smw.is_some() || !self.solver.capabilities().is_direct {
            return None;
        }
        let asm = self.assembly?;
        Some((self.solver, asm.matrix))
    }

    /// Whether the linear solver factors the matrix (a second solve with the same factor is
    /// cheap), as opposed to an iterative solver, for which every solve costs about the same.
    pub fn is_direct(&self) -> bool {
        self.solver.capabilities().is_direct
    }

    /// Whether the linear solver reports inertia.
    pub fn provides_inertia(&self) -> bool {
        self.solver.capabilities().provides_inertia
    }

    /// Fetch the (value-dependent) assembled entries once per iteration, before any `factor`.
    pub fn prepare(&mut self, blocks: &KktBlocks<'_>) {
        if self.route == KktRoute::Augmented {
            // The augmented route reads the blocks' values straight into its cached pattern at
            // the first factorization (triplets only when the pattern is built): nothing to fetch.
            self.hess_t = None;
            self.jac_t = None;
            if let Some(asm) = self.assembly.as_mut() {
                asm.base_valid = false;
            }
        } else {
            // Once the condensed matrix is assembled, the Hessian's values are scattered straight
            // into its pattern (`assemble_condensed_matrix`): triplets only to build it.
            let wants_hess = self.assemble_condensed && !self.condensed_too_dense && self.condensed_asm.is_none();
            // (No copy into `hess_pattern`: only the augmented route's least-squares systems read
            // it, and a solver's route never changes; on the obstacle at 1e6 the copy held 72 MB.)
            self.hess_t = match (wants_hess, &blocks.hess) {
                (true, HessianTerm::Exact(op)) => op.lower_triplets(),
                _ => None,
            };
            self.jac_t = refresh_triplets(self.jac_t.take(), blocks.jac, &mut self.jac_slots);
        }
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

    /// Set δ_cond and the base value it decays back to.
    pub fn set_condensed_delta(&mut self, delta: f64) {
        self.condensed_delta = delta;
        self.condensed_delta_base = delta;
        self.condensed_delta_raised = false;
    }

    /// After a Krylov solve of `N` stalled: enlarge δ_cond tenfold, up to
    /// [`MAX_KRYLOV_CONDENSED_DELTA`]; false (nothing changed) when it is already there.
    ///
    /// A stall on `N = W + Σ + Jᵀ D̂⁻¹ J` comes from its conditioning (`1/δ_cond` on equality
    /// rows), not from indefiniteness; the refinement against the unregularized system restores
    /// the accuracy a larger δ_cond costs.
    pub fn raise_condensed_delta(&mut self) -> bool {
        if self.route != KktRoute::Condensed || self.condensed_delta >= MAX_KRYLOV_CONDENSED_DELTA {
            return false;
        }
        self.condensed_delta = (self.condensed_delta * 10.0).min(MAX_KRYLOV_CONDENSED_DELTA);
        self.condensed_delta_raised = true;
        true
    }

    /// At the start of a Newton system: let a δ_cond raised by stalls come back down, by a
    /// factor 10 towards the `condensed_regularization` base, when the previous system needed no
    /// raise. A large δ_cond slows the refinement (it contracts by about `δ_cond·w/j²` per
    /// step), so it is only kept while the stalls persist; a system that stalls again at the
    /// lower value raises it back, and the next decrease waits one more clean system.
    pub fn relax_condensed_delta(&mut self) {
        if !self.condensed_delta_raised && self.condensed_delta > self.condensed_delta_base {
            self.condensed_delta = (self.condensed_delta / 10.0).max(self.condensed_delta_base);
        }
        self.condensed_delta_raised = false;
    }

    /// Inexact-Newton forcing term for iterative solvers: stop Krylov iterations (and refinement)
    /// at relative residual `rtol` (Dembo, Eisenstat & Steihaug 1982). Direct solvers ignore it.
    pub fn set_inexact_tolerance(&mut self, rtol: f64) {
        if self.solver.capabilities().is_direct {
            return;
        }
        let base = *self.base_residual_ratio.get_or_insert(self.residual_ratio_max);
        self.solver.set_relative_tolerance(rtol);
        self.krylov_rtol = Some(rtol);
        self.residual_ratio_max = base.max(rtol);
    }

    /// Numeric factorization with perturbations `δ_w`, `δ_c`, classified for inertia correction.
    pub fn factor(&mut self, blocks: &KktBlocks<'_>, delta_w: f64, delta_c: f64) -> Result<FactorStatus, LinSolveError> {
        let (n, m) = (blocks.n(), blocks.m());
        self.factorizations += 1;
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
                // their neighbours), so ask the solver for threshold pivoting before the
                // inertia correction answers with a larger δ_w.
                if status == FactorStatus::Singular && delta_c > 0.0 && m > 0 && self.solver.increase_quality() {
                    return self.factor_augmented(blocks, n, m);
                }
                Ok(status)
            }
            KktRoute::Condensed => self.factor_condensed(blocks, n, m),
        }
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
        // The right-hand side and residual buffers are kept across solves (several per
        // iteration): no allocation here.
        let (mut b, mut r) = std::mem::take(&mut self.refine_buffers);
        b.clear();
        b.extend_from_slice(rhs);
        r.clear();
        r.resize(b.len(), 0.0);
        let out = self.refine(blocks, rhs, &b, &mut r);
        self.refine_buffers = (b, r);
        out
    }

    /// The body of [`solve`](Self::solve): the first solution and its refinement, `b` the
    /// right-hand side and `r` the residual scratch.
    fn refine(&mut self, blocks: &KktBlocks<'_>, rhs: &mut [f64], b: &[f64], r: &mut [f64]) -> Result<SolveStats, LinSolveError> {
        let bnorm = vec_ops::norm_inf(b).max(1e-300);
        let mut iters = self.apply_inverse(blocks, rhs)?;
        let mut residual = f64::INFINITY;
        // The residual ratio. On the augmented route with an exact Hessian and a factorization,
        // Ipopt's ‖r‖/(min(‖x‖, 1e6‖b‖) + ‖b‖), a backward error: a first solve with
        // ‖r‖/‖b‖ ≈ 1e-7 but ‖x‖ ≫ ‖b‖ (Van der Pol, elliptic control at 1e5: 20 of 24 and 7 of 7
        // solves) is accurate to the data and needs no refinement solve. Otherwise ‖r‖/‖b‖: with Ipopt's ratio the
        // reduced system's solutions were too inexact for L-BFGS on badly scaled problems
        // (powell_badly_scaled hit max_iter, licq_fail ended Acceptable), Krylov solves report
        // this residual to the condensed route's acceptance test, and the condensed route's
        // regularized N is refined against the unregularized system (with Ipopt's ratio there
        // biggs_eq ran into the iteration limit and 11 cells of the regression set changed).
        let backward = self.route == KktRoute::Augmented && matches!(blocks.hess, HessianTerm::Exact(_)) && self.solver.capabilities().is_direct;
        for step in 0..=self.max_refinement_steps {
            r.copy_from_slice(b);
            ReducedKktOp { blocks, diag_x: &self.diag_x, d: &self.d, scratch: &self.product_scratch }.apply(-1.0, rhs, 1.0, r);
            let scale = if backward { vec_ops::norm_inf(rhs).min(1e6 * bnorm) + bnorm } else { bnorm };
            let new_res = vec_ops::norm_inf(r) / scale;
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
            // A Krylov correction needs only the accuracy that brings the residual below the
            // target, `‖r‖·η ≲ residual_ratio_max·‖b‖` (with a factor 10 of margin for the norms),
            // not the full tolerance: a first solve that missed 1e-10 by a factor 4 was corrected
            // to 1e-15 by a second solve of full length (obstacle AMG-CG: 3 of 22 solves, ≈ 15 % of
            // the CG iterations). The loop checks the corrected residual as before.
            let solved = match self.krylov_rtol {
                Some(rtol) => {
                    self.solver.set_relative_tolerance(rtol.max((0.1 * self.residual_ratio_max / new_res).min(0.5)));
                    let solved = self.apply_inverse(blocks, r);
                    self.solver.set_relative_tolerance(rtol);
                    solved
                }
                None => self.apply_inverse(blocks, r),
            };
            iters += solved?;
            vec_ops::axpy(1.0, r, rhs);
        }
        Ok(SolveStats { residual, iterations: iters })
    }
}

/// The entries of `op` as triplets, refreshing the values of `previous` in place when it is its
/// last list (same entry count, `op`'s [`scatter_values`](LinearOperator::scatter_values) order)
/// instead of building a new list: at n = 1e6 a fresh list per iteration is tens of MB allocated
/// and first-touched. `slots` keeps `0, 1, …, len − 1`.
fn refresh_triplets(previous: Option<Triplets>, op: &dyn LinearOperator, slots: &mut Vec<usize>) -> Option<Triplets> {
    if let Some(mut t) = previous {
        if slots.len() != t.len() {
            *slots = (0..t.len()).collect();
        }
        t.vals.fill(0.0);
        if op.scatter_values(false, slots, &mut t.vals) {
            return Some(t);
        }
    }
    op.triplets()
}

#[cfg(test)]
mod tests;
