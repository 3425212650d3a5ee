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
//! [`KktFactor::reuse_or_at_solution`] takes the held factor when there is one and falls back
//! to the fresh one. Either way the factor is `Send`: it can be solved from any thread.

use std::sync::{Arc, Mutex};

use ipax_core::{CscMatrix, CscStorage, EvalError, LinSolveError, LinearSolver, Problem, Regularization, Triplets};
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

/// A factored KKT matrix at a solution: assembled and factored there ([`at_solution`]), or the
/// IPM's held factor of its final iteration ([`held`]).
///
/// `Send` (so it can move to and be solved from any thread) but not `Sync`: solves take `&mut`.
///
/// [`at_solution`]: KktFactor::at_solution
/// [`held`]: KktFactor::held
pub struct KktFactor {
    n: usize,
    m: usize,
    source: Source,
}

enum Source {
    Fresh { matrix: CscMatrix, solver: Backend },
    /// Shared with the `SolveResult` it came from (and its clones).
    Held(Arc<Mutex<HeldKkt>>),
}

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

impl KktFactor {
    /// Form and factor the KKT matrix of `problem` at `result` (from a successful solve).
    pub fn at_solution(problem: &dyn Problem, result: &SolveResult) -> Result<Self, SensitivityError> {
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
        let matrix = CscMatrix::from_triplets(&t, CscStorage::SymmetricLower);
        let mut solver = if n + m <= 300 {
            Backend::Dense(Box::new(DenseLdlt::new().with_zero_pivot_rtol(1e-24)))
        } else {
            Backend::Sparse(Box::new(SparseLdl::new().with_pivoting_fallback(true)))
        };
        // Active bounds put Σ ~ z/gap (up to ~1e14) on the diagonal: a static pivot order can meet
        // a numerically zero pivot on a nonsingular matrix, so retry once with threshold pivoting
        // (as the IPM's own sparse LDLᵀ does).
        let info = match solver.get().factor(&matrix, &Regularization::none()) {
            Err(LinSolveError::Singular { .. }) if solver.get().increase_quality() => solver.get().factor(&matrix, &Regularization::none())?,
            r => r?,
        };
        if let Some(i) = info.inertia
            && !i.is(n, m)
        {
            return Err(SensitivityError::WrongInertia { positive: i.positive, negative: i.negative, zero: i.zero, n, m });
        }
        Ok(KktFactor { n, m, source: Source::Fresh { matrix, solver } })
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

    /// Whether this is the IPM's held factor (rather than a factorization at the solution).
    pub fn is_held(&self) -> bool {
        matches!(self.source, Source::Held(_))
    }

    /// Where the held factor came from; `None` for a factorization at the solution.
    pub fn held_info(&self) -> Option<HeldKktInfo> {
        match &self.source {
            Source::Held(h) => h.lock().ok().map(|h| h.info()),
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
        }
        Ok(())
    }

    /// `(n, m)`.
    pub fn dims(&self) -> (usize, usize) {
        (self.n, self.m)
    }
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
