//! The KKT system at a solution, for parametric sensitivities `dx*/dp` (as in sIPOPT).
//!
//! At a solution of `min f(x; p)` the bound multipliers are eliminated with
//! `Σ_x = z_L/(x − x_L) + z_U/(x_U − x)` and inequality rows get `D_i = 1/Σ_s,i` with
//! `Σ_s,i = |y_i| / gap_i` (active rows behave as equalities, inactive rows decouple), giving
//! ```text
//! K = [ ∇²L + Σ_x    Jᵀ ]      K [dx; dy] = −[∂(∇ₓL)/∂p; ∂c/∂p] · dp
//!     [ J           −D  ]
//! ```
//! [`KktFactor::solve`] solves `K v = rhs` with one factorization (sparse or dense LDLᵀ); the
//! factor is checked to have the inertia `(n, m, 0)` of a strict local minimizer.
//!
//! Two sources of the factor:
//!
//! - [`KktFactor::held`] (`factor_reuse`): the IPM's own factor of its final iteration's KKT
//!   matrix, handed back with the result when the solve ran with `hold_kkt_factor = yes`
//!   ([`ipax_ipm::HeldKkt`]). No new factorization; the matrix is the one of the iterate one step
//!   before the solution, with its barrier terms and perturbations, which is what sIPOPT
//!   back-solves (the difference to `K` above is `O(‖last step‖ + μ + δ)`, see
//!   [`ipax_ipm::held`]).
//! - [`KktFactor::at_solution`]: `K` above assembled at the returned solution and factored again.
//!
//! - [`KktFactor::held_refined`] (`factor_reuse` in `ipax.jax` and the sIPOPT CLI): the held
//!   factor used as the preconditioner of an iterative refinement against `K` above, assembled at
//!   the solution (one Hessian and Jacobian evaluation, no factorization). It gives the answer of
//!   [`KktFactor::at_solution`] to a stated tolerance at the cost of a few back-solves and
//!   products with `K` per right-hand side; see "Refining the held factor" below.
//!
//! [`KktFactor::reuse_or_at_solution`] takes the held factor when there is one and falls back
//! to the fresh one; [`KktFactor::refined_or_at_solution`] does the same with the refined held
//! factor. Either way the factor is `Send`: it can be solved from any thread.
//!
//! # Refining the held factor
//!
//! Let `K*` be the matrix above at the solution and `F` the held one (in the same user space,
//! [`ipax_ipm::held`]). `K* − F` is small in the sense that matters: it is the change of `∇²L`
//! and `J` over the last step (`O(‖x_k − x_{k−1}‖)`), the change of the barrier terms `Σ_x`, `D`
//! between the last two iterates (`O(μ)` on inactive bounds and inequality rows, where `Σ ~
//! μ/gap²`), and the perturbations `δ_w`, `δ_c` (zero at a regular minimizer once the inertia is
//! right). Iterative refinement with `F` as the preconditioner,
//! ```text
//! v₀ = F⁻¹ b,    v ← v + F⁻¹ (b − K* v),
//! ```
//! has the error propagation `e ← F⁻¹(F − K*) e = (I − F⁻¹K*) e`, so it converges linearly, with
//! rate `ρ ≈ ‖F⁻¹(K* − F)‖`, whenever that is below 1, and its fixed point is `K*⁻¹ b` exactly
//! (the residual is always taken against `K*`; `F` only steers the corrections).
//!
//! One part of `K* − F` is not small: on *active* bounds (and inactive inequality rows) both
//! matrices have a huge diagonal (`Σ = z/gap → ∞`, `D = gap/|y| → ∞`), but of different size,
//! since the gap shrinks by orders of magnitude in the last step. Along such a direction `e_i`,
//! `F⁻¹K* e_i ≈ (K*_ii/F_ii) e_i`, an eigenvalue of the error propagation near `1 − K*_ii/F_ii`,
//! which can be −100. Those rows are diagonally dominant in `K*` (`|K*_ii| ≥ θ Σ_{j≠i} |K*_ij|`,
//! θ = 1e3), so each step ends with one Jacobi sweep on them, `v_i ← v_i + (b − K* v)_i / K*_ii`:
//! it sets those components to their `K*` value given the others (an error of at most `1/θ` of
//! the rest), and what the next `F⁻¹` step then sees on those rows is `O(‖e‖)` divided by the
//! huge `F_ii`. The remaining iteration contracts with the rate of the small part of `K* − F`.
//!
//! The stopping rule is on the preconditioned relative residual, i.e. the relative size of the
//! last correction, `‖u‖∞ ≤ tol ‖v‖∞` with `u = M⁻¹(b − K* v)` (`M⁻¹` = the `F⁻¹` step plus the
//! Jacobi sweep): with rate `ρ`, the error left is at most `ρ/(1 − ρ)·‖u‖∞`. A correction that
//! does not shrink by [`RefineOptions::stall_rate`], a non-finite one, or
//! [`RefineOptions::max_steps`] without convergence count as a stall.
//!
//! A stall means `M⁻¹K*` has eigenvalues far from 1 (`ρ ≥ 1/2`): typically a few nearly
//! degenerate bounds (`x − x_L` and `z_L` both small), whose `Σ` is of the size of the Hessian
//! and changes by a factor between the last iterate and the solution. Those are a few outlying
//! eigenvalues, which a Krylov method removes one per iteration, so the column continues with
//! left-preconditioned restarted GMRES on `M⁻¹K* v = M⁻¹b` from the current `v` (same `M⁻¹`,
//! same stopping rule in the 2-norm, [`RefineOptions::gmres_max_iterations`] back-solves at most;
//! later right-hand sides of the same factor then start with GMRES).
//! If that fails too, `K*` (already assembled) is factored once, exactly as
//! [`KktFactor::at_solution`] does, and that factor answers this and every later solve
//! ([`KktSource::HeldStalledAtSolution`], so the report says so). Fixed variables are parameters of the held system (its solution is 0 there); the
//! refinement works in the same reduced space: their rows of the residual are dropped and their
//! components stay 0 (`K*` gives them `O(1/Σ)` with `Σ ~ z/1e-14`).

use std::sync::{Arc, Mutex};

use ipax_core::{CscMatrix, CscStorage, EvalError, LinSolveError, LinearOperator, LinearSolver, Problem, Regularization, Triplets, vec_ops};
use ipax_ipm::{HeldKkt, HeldKktError, HeldKktInfo, SolveResult};
use ipax_linalg::{DenseLdlt, SparseLdl};
use thiserror::Error;

/// Why the KKT system at a solution could not be formed or solved.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SensitivityError {
    #[error("the KKT system needs the exact Hessian of the Lagrangian (the problem has none)")]
    NoHessian,
    #[error("the KKT system needs an assembled Jacobian and Hessian (matrix-free operators given)")]
    NotAssembled,
    #[error("evaluation failed at the solution: {0}")]
    Evaluation(#[from] EvalError),
    #[error("linear solver: {0}")]
    LinearSolver(#[from] LinSolveError),
    #[error("KKT matrix has inertia ({positive}, {negative}, {zero}), expected ({n}, {m}, 0): not a strict local minimizer satisfying LICQ")]
    WrongInertia { positive: usize, negative: usize, zero: usize, n: usize, m: usize },
    #[error("right-hand side has length {got}, expected n + m = {expected}")]
    RhsLength { expected: usize, got: usize },
    #[error("the solve holds no KKT factor (run it with hold_kkt_factor = yes; none is kept on the condensed route, with a quasi-Newton Hessian or an iterative solver)")]
    NoHeldFactor,
    #[error("held KKT factor: {0}")]
    Held(#[from] HeldKktError),
    #[error("the held KKT factor was poisoned by a panic in another back-solve")]
    Poisoned,
}

/// A factored KKT matrix at a solution: assembled and factored there ([`at_solution`]), the
/// IPM's held factor of its final iteration ([`held`]), or that factor refined against the matrix
/// at the solution ([`held_refined`]).
///
/// `Send` (so it can move to and be solved from any thread) but not `Sync`: solves take `&mut`.
///
/// [`at_solution`]: KktFactor::at_solution
/// [`held`]: KktFactor::held
/// [`held_refined`]: KktFactor::held_refined
pub struct KktFactor {
    n: usize,
    m: usize,
    source: Source,
}

enum Source {
    Fresh { matrix: CscMatrix, solver: Backend },
    /// Shared with the `SolveResult` it came from (and its clones).
    Held(Arc<Mutex<HeldKkt>>),
    Refined(Box<Refined>),
}

/// Which matrix a [`KktFactor`] solves with (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KktSource {
    /// `K*` assembled and factored at the solution.
    AtSolution,
    /// The IPM's held factor of its final iteration, back-solved as it is.
    Held,
    /// The held factor refined against `K*` (no factorization).
    HeldRefined,
    /// The refinement stalled on some right-hand side: `K*` was factored at the solution, and
    /// answers from then on.
    HeldStalledAtSolution,
}

impl KktSource {
    /// `"fresh"`, `"held"`, `"held+refined"` or `"held (refinement stalled) → at_solution"`.
    pub fn as_str(self) -> &'static str {
        match self {
            KktSource::AtSolution => "fresh",
            KktSource::Held => "held",
            KktSource::HeldRefined => "held+refined",
            KktSource::HeldStalledAtSolution => "held (refinement stalled) → at_solution",
        }
    }
}

/// The stopping rule of the refinement of the held factor against `K*` (module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RefineOptions {
    /// Stop once the last correction is at most `tol · ‖v‖∞` (the preconditioned relative
    /// residual). The default 1e-12 leaves an error of at most `ρ/(1 − ρ)·1e-12 ≤ 1e-12` (ρ ≤
    /// `stall_rate` = 0.5), below the 1e-10 the tests ask of held+refined vs at_solution.
    pub tol: f64,
    /// Refinement steps (back-solves after the first) per right-hand side before it counts as a
    /// stall.
    pub max_steps: usize,
    /// A correction larger than `stall_rate` times the previous one is a stall.
    pub stall_rate: f64,
    /// GMRES iterations (each one back-solve with the held factor) allowed per right-hand side
    /// after the refinement stalled, before `K*` is factored; 0 skips GMRES.
    pub gmres_max_iterations: usize,
    /// GMRES restart length (Krylov vectors of length n + m kept).
    pub gmres_restart: usize,
}

impl Default for RefineOptions {
    fn default() -> Self {
        RefineOptions { tol: 1e-12, max_steps: 30, stall_rate: 0.5, gmres_max_iterations: 60, gmres_restart: 30 }
    }
}

/// What the refinement of a [`KktFactor::held_refined`] did so far (all its solves).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RefineStats {
    /// Right-hand sides refined (not counting those solved by the fallback factor).
    pub columns: usize,
    /// Refinement steps over all of them (each: one back-solve with the held factor and two
    /// products with `K*`).
    pub steps: usize,
    /// The most steps one right-hand side needed.
    pub max_steps: usize,
    /// The largest final relative correction `‖u‖∞/‖v‖∞` of a converged right-hand side.
    pub worst_correction: f64,
    /// The largest observed contraction rate `‖u_k‖/‖u_{k−1}‖`.
    pub worst_rate: f64,
    /// Right-hand sides on which the refinement stalled and GMRES converged.
    pub gmres_columns: usize,
    /// GMRES iterations over all of them.
    pub gmres_iterations: usize,
    /// Whether the refinement stalled (and `K*` was factored at the solution).
    pub stalled: bool,
}

/// The held factor, `K*` at the solution, and the refinement's state.
struct Refined {
    held: Arc<Mutex<HeldKkt>>,
    /// `K*` (user space, lower triangle), as [`KktFactor::at_solution`] assembles it.
    matrix: CscMatrix,
    /// Rows of fixed variables (dropped from the residual; their solution is 0).
    fixed: Vec<usize>,
    /// Diagonally dominant rows of `K*` and their diagonal (the Jacobi sweep).
    dominant: Vec<(usize, f64)>,
    options: RefineOptions,
    stats: RefineStats,
    /// `K*` factored after a stall.
    fallback: Option<Backend>,
}

/// Diagonal dominance factor θ of the rows that get the Jacobi sweep.
const DOMINANCE: f64 = 1e3;

/// Concrete solvers (not `Box<dyn>`) so a factor can move between threads (Python releases the
/// GIL around the solve that produces it).
enum Backend {
    Dense(Box<DenseLdlt>),
    Sparse(Box<SparseLdl>),
}

impl Backend {
    fn get(&mut self) -> &mut dyn LinearSolver {
        match self {
            Backend::Dense(s) => s.as_mut(),
            Backend::Sparse(s) => s.as_mut(),
        }
    }
}

/// Factor `K*` (sparse or dense LDLᵀ) and check the inertia `(n, m, 0)`.
fn factor(matrix: &CscMatrix, n: usize, m: usize) -> Result<Backend, SensitivityError> {
    let mut solver = if n + m <= 300 {
        Backend::Dense(Box::new(DenseLdlt::new().with_zero_pivot_rtol(1e-24)))
    } else {
        Backend::Sparse(Box::new(SparseLdl::new().with_pivoting_fallback(true)))
    };
    // Active bounds put Σ ~ z/gap (up to ~1e14) on the diagonal: a static pivot order can meet
    // a numerically zero pivot on a nonsingular matrix, so retry once with threshold pivoting
    // (as the IPM's own sparse LDLᵀ does).
    let info = match solver.get().factor(matrix, &Regularization::none()) {
        Err(LinSolveError::Singular { .. }) if solver.get().increase_quality() => solver.get().factor(matrix, &Regularization::none())?,
        r => r?,
    };
    if let Some(i) = info.inertia
        && !i.is(n, m)
    {
        return Err(SensitivityError::WrongInertia { positive: i.positive, negative: i.negative, zero: i.zero, n, m });
    }
    Ok(solver)
}

impl KktFactor {
    /// Form and factor the KKT matrix of `problem` at `result` (from a successful solve).
    pub fn at_solution(problem: &dyn Problem, result: &SolveResult) -> Result<Self, SensitivityError> {
        let matrix = Self::assemble_at_solution(problem, result)?;
        let (n, m) = (problem.num_variables(), problem.num_constraints());
        let solver = factor(&matrix, n, m)?;
        Ok(KktFactor { n, m, source: Source::Fresh { matrix, solver } })
    }

    /// `K*`: the KKT matrix of `problem` at `result` (module docs), lower triangle, user space.
    fn assemble_at_solution(problem: &dyn Problem, result: &SolveResult) -> Result<CscMatrix, SensitivityError> {
        let n = problem.num_variables();
        let m = problem.num_constraints();
        if !problem.has_hessian() {
            return Err(SensitivityError::NoHessian);
        }
        let x = &result.x;
        let y = &result.constraint_multipliers;
        let hess = problem.hessian(x, 1.0, y)?.ok_or(SensitivityError::NoHessian)?;
        let h = hess.lower_triplets().ok_or(SensitivityError::NotAssembled)?;
        let jac = problem.jacobian(x)?;
        let j = if m > 0 { jac.triplets().ok_or(SensitivityError::NotAssembled)? } else { Triplets::new(0, n) };
        let (mut xl, mut xu) = (vec![0.0; n], vec![0.0; n]);
        problem.variable_bounds(&mut xl, &mut xu);
        let (mut cl, mut cu) = (vec![0.0; m], vec![0.0; m]);
        problem.constraint_bounds(&mut cl, &mut cu);
        let gap = |d: f64, b: f64| d.max(1e-14 * b.abs().max(1.0));
        let mut t = Triplets::new(n + m, n + m);
        t.extend_shifted(&h, 0, 0, 1.0);
        for i in 0..n {
            let mut s = 0.0;
            if xl[i] > -ipax_core::BOUND_INF {
                s += result.lower_bound_multipliers[i] / gap(x[i] - xl[i], xl[i]);
            }
            if xu[i] < ipax_core::BOUND_INF {
                s += result.upper_bound_multipliers[i] / gap(xu[i] - x[i], xu[i]);
            }
            t.push(i, i, s);
        }
        t.extend_shifted(&j, n, 0, 1.0);
        for i in 0..m {
            let d = if cl[i] == cu[i] {
                0.0
            } else {
                let c = result.constraints[i];
                let g = if y[i] >= 0.0 { gap(cu[i] - c, cu[i]) } else { gap(c - cl[i], cl[i]) };
                // Σ_s = |y|/gap; D = 1/Σ_s, capped so inactive rows decouple without overflow.
                (g / y[i].abs().max(1e-300)).min(1e20)
            };
            t.push(n + i, n + i, -d);
        }
        Ok(CscMatrix::from_triplets(&t, CscStorage::SymmetricLower))
    }

    /// The IPM's factor of its final iteration's KKT matrix, held by `result` (a solve with
    /// `hold_kkt_factor = yes`): no factorization. `NoHeldFactor` when the result holds none.
    pub fn held(result: &SolveResult) -> Result<Self, SensitivityError> {
        let held = result.held_kkt.clone().ok_or(SensitivityError::NoHeldFactor)?;
        let (n, m) = held.lock().map_err(|_| SensitivityError::Poisoned)?.dims();
        Ok(KktFactor { n, m, source: Source::Held(held) })
    }

    /// [`held`](Self::held) when `result` holds a factor, else [`at_solution`](Self::at_solution)
    /// (sIPOPT's and POUNCE's `factor_reuse=True`, with the fresh factorization as the fallback).
    pub fn reuse_or_at_solution(problem: &dyn Problem, result: &SolveResult) -> Result<Self, SensitivityError> {
        match Self::held(result) {
            Ok(k) => Ok(k),
            Err(SensitivityError::NoHeldFactor) => Self::at_solution(problem, result),
            Err(e) => Err(e),
        }
    }

    /// The held factor refined against `K*` assembled at `result` (module docs: one Hessian and
    /// Jacobian evaluation, no factorization), with the default [`RefineOptions`].
    /// `NoHeldFactor` when the result holds none.
    pub fn held_refined(problem: &dyn Problem, result: &SolveResult) -> Result<Self, SensitivityError> {
        Self::held_refined_with(problem, result, RefineOptions::default())
    }

    /// [`held_refined`](Self::held_refined) with a given stopping rule.
    pub fn held_refined_with(problem: &dyn Problem, result: &SolveResult, options: RefineOptions) -> Result<Self, SensitivityError> {
        let held = result.held_kkt.clone().ok_or(SensitivityError::NoHeldFactor)?;
        let (n, m) = (problem.num_variables(), problem.num_constraints());
        let free = {
            let h = held.lock().map_err(|_| SensitivityError::Poisoned)?;
            if h.dims() != (n, m) {
                return Err(SensitivityError::RhsLength { expected: n + m, got: h.dims().0 + h.dims().1 });
            }
            h.free_variables().to_vec()
        };
        let matrix = Self::assemble_at_solution(problem, result)?;
        let mut is_free = vec![false; n + m];
        free.iter().for_each(|&i| is_free[i] = true);
        is_free[n..].iter_mut().for_each(|f| *f = true);
        let fixed = (0..n).filter(|&i| !is_free[i]).collect();
        // Σ_{j≠i} |K*_ij| over free columns (both triangles), and the diagonal.
        let mut off = vec![0.0; n + m];
        let mut diag = vec![0.0; n + m];
        for j in 0..matrix.ncols {
            for p in matrix.col_ptr[j]..matrix.col_ptr[j + 1] {
                let (i, a) = (matrix.row_idx[p], matrix.values[p]);
                if i == j {
                    diag[i] += a;
                } else {
                    if is_free[j] {
                        off[i] += a.abs();
                    }
                    if is_free[i] {
                        off[j] += a.abs();
                    }
                }
            }
        }
        let dominant = (0..n + m).filter(|&i| is_free[i] && diag[i] != 0.0 && diag[i].abs() >= DOMINANCE * off[i]).map(|i| (i, diag[i])).collect();
        let refined = Refined { held, matrix, fixed, dominant, options, stats: RefineStats::default(), fallback: None };
        Ok(KktFactor { n, m, source: Source::Refined(Box::new(refined)) })
    }

    /// [`held_refined`](Self::held_refined) when `result` holds a factor, else
    /// [`at_solution`](Self::at_solution).
    pub fn refined_or_at_solution(problem: &dyn Problem, result: &SolveResult) -> Result<Self, SensitivityError> {
        match Self::held_refined(problem, result) {
            Err(SensitivityError::NoHeldFactor) => Self::at_solution(problem, result),
            r => r,
        }
    }

    /// Whether this solves with the IPM's held factor (as it is or refined; `false` once a
    /// refinement stalled and fell back to the factorization at the solution).
    pub fn is_held(&self) -> bool {
        matches!(self.source(), KktSource::Held | KktSource::HeldRefined)
    }

    /// Which matrix this solves with.
    pub fn source(&self) -> KktSource {
        match &self.source {
            Source::Fresh { .. } => KktSource::AtSolution,
            Source::Held(_) => KktSource::Held,
            Source::Refined(r) if r.fallback.is_some() => KktSource::HeldStalledAtSolution,
            Source::Refined(_) => KktSource::HeldRefined,
        }
    }

    /// What the refinement did (`None` unless this is a [`held_refined`](Self::held_refined)).
    pub fn refine_stats(&self) -> Option<RefineStats> {
        match &self.source {
            Source::Refined(r) => Some(r.stats),
            _ => None,
        }
    }

    /// Where the held factor came from; `None` for a factorization at the solution.
    pub fn held_info(&self) -> Option<HeldKktInfo> {
        match &self.source {
            Source::Held(h) => h.lock().ok().map(|h| h.info()),
            Source::Refined(r) => r.held.lock().ok().map(|h| h.info()),
            Source::Fresh { .. } => None,
        }
    }

    /// Solve `K v = rhs` (`rhs` has length n + m: the x block, then the constraint block).
    pub fn solve(&mut self, rhs: &[f64]) -> Result<Vec<f64>, SensitivityError> {
        if rhs.len() != self.n + self.m {
            return Err(SensitivityError::RhsLength { expected: self.n + self.m, got: rhs.len() });
        }
        let mut v = rhs.to_vec();
        self.solve_many_in_place(&mut v)?;
        Ok(v)
    }

    /// Solve `K v = r` for `k` right-hand sides stored one after another in `rhs` (length
    /// `k·(n + m)`), overwriting each with its solution: one factor, `k` back-solves.
    pub fn solve_many_in_place(&mut self, rhs: &mut [f64]) -> Result<(), SensitivityError> {
        let dim = self.n + self.m;
        if dim == 0 || !rhs.len().is_multiple_of(dim) {
            return Err(SensitivityError::RhsLength { expected: dim, got: rhs.len() });
        }
        match &mut self.source {
            Source::Fresh { matrix, solver } => {
                for col in rhs.chunks_mut(dim) {
                    solver.get().solve_in_place(matrix, col)?;
                }
            }
            Source::Held(h) => h.lock().map_err(|_| SensitivityError::Poisoned)?.solve_in_place(rhs)?,
            Source::Refined(r) => r.solve_many_in_place(self.n, self.m, rhs)?,
        }
        Ok(())
    }

    /// `(n, m)`.
    pub fn dims(&self) -> (usize, usize) {
        (self.n, self.m)
    }
}

enum ColumnOutcome {
    Converged { steps: usize, correction: f64, rate: f64, gmres: Option<usize> },
    Stalled,
}

impl Refined {
    fn solve_many_in_place(&mut self, n: usize, m: usize, rhs: &mut [f64]) -> Result<(), SensitivityError> {
        let dim = n + m;
        let mut start = 0;
        if self.fallback.is_none() {
            let held = Arc::clone(&self.held);
            let mut held = held.lock().map_err(|_| SensitivityError::Poisoned)?;
            let mut work = Work { b: vec![0.0; dim], t: vec![0.0; dim], u: vec![0.0; dim], krylov: Vec::new() };
            while start < rhs.len() {
                let col = &mut rhs[start..start + dim];
                match self.refine_column(&mut held, col, &mut work)? {
                    ColumnOutcome::Converged { steps, correction, rate, gmres } => {
                        let st = &mut self.stats;
                        if let Some(it) = gmres {
                            st.gmres_columns += 1;
                            st.gmres_iterations += it;
                        }
                        st.columns += 1;
                        st.steps += steps;
                        st.max_steps = st.max_steps.max(steps);
                        st.worst_correction = st.worst_correction.max(correction);
                        st.worst_rate = st.worst_rate.max(rate);
                    }
                    ColumnOutcome::Stalled => {
                        col.copy_from_slice(&work.b);
                        self.stats.stalled = true;
                        self.fallback = Some(factor(&self.matrix, n, m)?);
                        break;
                    }
                }
                start += dim;
            }
        }
        if let Some(solver) = &mut self.fallback {
            for col in rhs[start..].chunks_mut(dim) {
                solver.get().solve_in_place(&self.matrix, col)?;
            }
        }
        Ok(())
    }

    /// `t = b − K* v`, with the rows of fixed variables dropped.
    fn residual(&self, b: &[f64], v: &[f64], t: &mut [f64]) {
        t.copy_from_slice(b);
        self.matrix.apply(-1.0, v, 1.0, t);
        self.fixed.iter().for_each(|&i| t[i] = 0.0);
    }

    /// One Jacobi sweep on the dominant rows of `K*`: `v_i += (b − K* v)_i / K*_ii`, also added
    /// to the correction `u`.
    fn jacobi(&self, b: &[f64], v: &mut [f64], t: &mut [f64], u: &mut [f64]) {
        if self.dominant.is_empty() {
            return;
        }
        self.residual(b, v, t);
        for &(i, d) in &self.dominant {
            let c = t[i] / d;
            v[i] += c;
            u[i] += c;
        }
    }

    /// Refine one right-hand side in place (module docs). On a stall `work.b` keeps it.
    fn refine_column(&mut self, held: &mut HeldKkt, col: &mut [f64], work: &mut Work) -> Result<ColumnOutcome, SensitivityError> {
        let Work { b, t, u, krylov } = work;
        b.copy_from_slice(col);
        self.fixed.iter().for_each(|&i| b[i] = 0.0);
        if b.iter().all(|&x| x == 0.0) {
            col.fill(0.0);
            return Ok(ColumnOutcome::Converged { steps: 0, correction: 0.0, rate: 0.0, gmres: None });
        }
        let v = col;
        let o = self.options;
        // Once a right-hand side needed GMRES, the next ones start with it, from 0 (same
        // matrices, so the refinement would stall again after wasting its steps).
        let richardson = if self.stats.gmres_columns > 0 { 0 } else { o.max_steps };
        if richardson == 0 && o.gmres_max_iterations > 0 {
            v.fill(0.0);
            return Ok(match self.gmres(held, b, v, t, u, krylov)? {
                Some((it, c)) => ColumnOutcome::Converged { steps: 0, correction: c, rate: 0.0, gmres: Some(it) },
                None => ColumnOutcome::Stalled,
            });
        }
        v.copy_from_slice(b);
        held.back_solve_in_place(v)?;
        u.fill(0.0);
        self.jacobi(b, v, t, u);
        let mut last = f64::INFINITY;
        let mut rate = 0.0f64;
        let mut done = 0;
        for step in 1..=richardson {
            done = step;
            self.residual(b, v, t);
            if !vec_ops::all_finite(t) {
                return Ok(ColumnOutcome::Stalled);
            }
            u.copy_from_slice(t);
            held.back_solve_in_place(u)?;
            vec_ops::axpy(1.0, u, v);
            self.jacobi(b, v, t, u);
            let vn = vec_ops::norm_inf(v);
            let c = if vn > 0.0 { vec_ops::norm_inf(u) / vn } else { vec_ops::norm_inf(u) };
            if !c.is_finite() || !vn.is_finite() {
                return Ok(ColumnOutcome::Stalled);
            }
            if step > 1 && last > 0.0 {
                rate = rate.max(c / last);
            }
            if c <= o.tol {
                return Ok(ColumnOutcome::Converged { steps: step, correction: c, rate, gmres: None });
            }
            if step > 1 && c > o.stall_rate * last {
                break;
            }
            last = c;
        }
        // Stalled: GMRES from here, with the same preconditioner, before factoring K*.
        match self.gmres(held, b, v, t, u, krylov)? {
            Some((it, c)) => Ok(ColumnOutcome::Converged { steps: done, correction: c, rate, gmres: Some(it) }),
            None => Ok(ColumnOutcome::Stalled),
        }
    }

    /// `z = M⁻¹ r`: one back-solve with the held factor, then the Jacobi sweep on the dominant
    /// rows of `K*` (`z_i += (r − K* z)_i / K*_ii`); the preconditioner of the refinement.
    fn precondition(&self, held: &mut HeldKkt, r: &[f64], z: &mut [f64], t: &mut [f64]) -> Result<(), SensitivityError> {
        z.copy_from_slice(r);
        held.back_solve_in_place(z)?;
        if !self.dominant.is_empty() {
            t.copy_from_slice(r);
            self.matrix.apply(-1.0, z, 1.0, t);
            for &(i, d) in &self.dominant {
                z[i] += t[i] / d;
            }
        }
        Ok(())
    }

    /// Left-preconditioned restarted GMRES on `M⁻¹K* v = M⁻¹b` from `v` (module docs), to
    /// `‖M⁻¹(b − K* v)‖₂ ≤ tol ‖v‖₂`. `Some((iterations, final relative preconditioned
    /// residual))` when it converged within `gmres_max_iterations`, else `None` (`v` is then
    /// garbage; the caller factors `K*`).
    #[allow(clippy::too_many_arguments)]
    fn gmres(
        &self,
        held: &mut HeldKkt,
        b: &[f64],
        v: &mut [f64],
        t: &mut [f64],
        w: &mut [f64],
        basis: &mut Vec<Vec<f64>>,
    ) -> Result<Option<(usize, f64)>, SensitivityError> {
        let o = self.options;
        let k = o.gmres_restart.max(1);
        if o.gmres_max_iterations == 0 {
            return Ok(None);
        }
        let dim = v.len();
        while basis.len() < k + 1 {
            basis.push(vec![0.0; dim]);
        }
        let mut h = vec![0.0; (k + 1) * k]; // column-major (k+1) × k Hessenberg
        let (mut cs, mut sn, mut g) = (vec![0.0; k], vec![0.0; k], vec![0.0; k + 1]);
        let mut r = vec![0.0; dim];
        let mut iterations = 0;
        // ‖M⁻¹b‖ when starting from v = 0 (the first beta), the scale of the solution.
        let mut scale = 0.0f64;
        loop {
            // w = M⁻¹ (b − K* v)
            self.residual(b, v, &mut r);
            if !vec_ops::all_finite(&r) {
                return Ok(None);
            }
            self.precondition(held, &r, w, t)?;
            let beta = vec_ops::norm2(w);
            let vn = vec_ops::norm2(v);
            if !(beta.is_finite() && vn.is_finite()) {
                return Ok(None);
            }
            if scale == 0.0 {
                scale = beta;
            }
            let target = o.tol * vn.max(scale);
            if beta <= target {
                return Ok(Some((iterations, if vn > 0.0 { beta / vn } else { beta })));
            }
            if iterations >= o.gmres_max_iterations {
                return Ok(None);
            }
            basis[0].iter_mut().zip(w.iter()).for_each(|(q, x)| *q = x / beta);
            g.fill(0.0);
            g[0] = beta;
            let mut j_used = 0;
            for j in 0..k {
                // w = M⁻¹ K* q_j (fixed rows dropped; q_j is 0 there)
                r.fill(0.0);
                self.matrix.apply(1.0, &basis[j], 0.0, &mut r);
                self.fixed.iter().for_each(|&i| r[i] = 0.0);
                self.precondition(held, &r, w, t)?;
                // modified Gram–Schmidt
                for i in 0..=j {
                    let hij = vec_ops::dot(w, &basis[i]);
                    h[j * (k + 1) + i] = hij;
                    vec_ops::axpy(-hij, &basis[i], w);
                }
                let hn = vec_ops::norm2(w);
                h[j * (k + 1) + j + 1] = hn;
                if !hn.is_finite() {
                    return Ok(None);
                }
                if hn > 0.0 {
                    basis[j + 1].iter_mut().zip(w.iter()).for_each(|(q, x)| *q = x / hn);
                }
                // previous Givens rotations, then a new one zeroing h[j+1, j]
                for i in 0..j {
                    let (a, c) = (h[j * (k + 1) + i], h[j * (k + 1) + i + 1]);
                    h[j * (k + 1) + i] = cs[i] * a + sn[i] * c;
                    h[j * (k + 1) + i + 1] = -sn[i] * a + cs[i] * c;
                }
                let (a, c) = (h[j * (k + 1) + j], h[j * (k + 1) + j + 1]);
                let d = a.hypot(c);
                (cs[j], sn[j]) = if d == 0.0 { (1.0, 0.0) } else { (a / d, c / d) };
                h[j * (k + 1) + j] = d;
                h[j * (k + 1) + j + 1] = 0.0;
                g[j + 1] = -sn[j] * g[j];
                g[j] *= cs[j];
                iterations += 1;
                j_used = j + 1;
                if g[j + 1].abs() <= target || hn == 0.0 || iterations >= o.gmres_max_iterations {
                    break;
                }
            }
            // v += Q y with H y = g (upper triangular j_used × j_used)
            let mut y = g[..j_used].to_vec();
            for i in (0..j_used).rev() {
                let mut s = y[i];
                for l in i + 1..j_used {
                    s -= h[l * (k + 1) + i] * y[l];
                }
                let hii = h[i * (k + 1) + i];
                if hii == 0.0 {
                    return Ok(None);
                }
                y[i] = s / hii;
            }
            for (i, yi) in y.iter().enumerate() {
                vec_ops::axpy(*yi, &basis[i], v);
            }
            // Converged by GMRES's own residual estimate |g_j| (exact in exact arithmetic): done,
            // without one more back-solve to recompute it.
            let res = g[j_used].abs();
            if res <= target {
                let vn = vec_ops::norm2(v);
                if !vn.is_finite() {
                    return Ok(None);
                }
                return Ok(Some((iterations, if vn > 0.0 { res / vn } else { res })));
            }
        }
    }
}

struct Work {
    b: Vec<f64>,
    t: Vec<f64>,
    u: Vec<f64>,
    /// GMRES's Krylov basis (allocated on the first stall).
    krylov: Vec<Vec<f64>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `min ½‖x − p‖² s.t. x₀ + x₁ = 1`: x*(p) = p − ((p₀ + p₁ − 1)/2)(1, 1), so
    /// dx*/dp₀ = (1/2, −1/2). The parameter enters ∇ₓL = x − p + y·1 as −e₀.
    #[test]
    fn sensitivity_of_a_projection_matches_the_closed_form() {
        let p = [0.3, 0.9];
        let problem = ipax_problem::FunctionProblem::builder()
            .objective(move |x: &[f64]| 0.5 * ((x[0] - p[0]).powi(2) + (x[1] - p[1]).powi(2)))
            .gradient(move |x: &[f64], g: &mut [f64]| {
                g[0] = x[0] - p[0];
                g[1] = x[1] - p[1];
            })
            .constraints(|x: &[f64], c: &mut [f64]| c[0] = x[0] + x[1])
            .jacobian_triplets(vec![0, 0], vec![0, 1], |_x: &[f64], v: &mut [f64]| {
                v[0] = 1.0;
                v[1] = 1.0;
            })
            .hessian_triplets(vec![0, 1], vec![0, 1], |_x: &[f64], s: f64, _l: &[f64], v: &mut [f64]| {
                v[0] = s;
                v[1] = s;
            })
            .initial_point(vec![0.0, 0.0])
            .constraint_bounds(vec![1.0], vec![1.0])
            .build()
            .unwrap();
        let o = ipax_ipm::Options { print_level: 0, ..Default::default() };
        let r = crate::solve(&problem, &o);
        assert!(r.status.is_success());
        let mut k = KktFactor::at_solution(&problem, &r).unwrap();
        // K [dx; dy] = −∂/∂p₀ [∇ₓL; c] = −[−1, 0; 0] = [1, 0, 0]
        let v = k.solve(&[1.0, 0.0, 0.0]).unwrap();
        assert!((v[0] - 0.5).abs() < 1e-10 && (v[1] + 0.5).abs() < 1e-10, "{v:?}");
        assert!(matches!(k.solve(&[1.0]), Err(SensitivityError::RhsLength { .. })));
    }
}
