//! Automatic solver selection from a few facts about the linear system.
//!
//! The rule (first match wins):
//! 1. **Not assembled** (matrix-free operator): Krylov — [`Cg`] when positive definiteness is
//!    guaranteed, else [`Minres`]. If inertia is required this is an error: no matrix-free method
//!    provides it (the caller should switch to the condensed route).
//! 2. **Dense** when `n ≤ 400`, or the density `nnz / n²` exceeds 10% and `n ≤ 5000` (a dense
//!    factorization of a fairly full matrix beats sparse bookkeeping; above 5000 the `n²` memory
//!    rules dense out): [`DenseCholesky`] when PD is guaranteed and inertia is not needed, else
//!    [`DenseLdlt`].
//! 3. Otherwise **sparse**: [`SparseLdl`] (it also serves SPD systems, and reports inertia).

use crate::{Cg, DenseCholesky, DenseLdlt, KrylovParams, Minres, Preconditioner, SparseLdl};
use ipax_core::{LinSolveError, LinearSolver};

/// Largest order for which a dense factorization is always chosen.
pub const DENSE_ALWAYS_MAX_N: usize = 400;
/// Density above which a dense factorization is chosen (for `n ≤` [`DENSE_MAX_N`]).
pub const DENSE_DENSITY: f64 = 0.10;
/// Largest order for which a dense factorization is ever chosen automatically.
pub const DENSE_MAX_N: usize = 5000;

/// The solvers [`select_solver`] can return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SolverKind {
    /// [`DenseCholesky`].
    DenseCholesky,
    /// [`DenseLdlt`].
    DenseLdlt,
    /// [`SparseLdl`].
    SparseLdl,
    /// [`Cg`] with Jacobi preconditioning.
    Cg,
    /// [`Minres`] with Jacobi preconditioning.
    Minres,
}

impl SolverKind {
    /// A fresh solver of this kind with default parameters.
    pub fn build(self) -> Box<dyn LinearSolver> {
        match self {
            SolverKind::DenseCholesky => Box::new(DenseCholesky::new()),
            SolverKind::DenseLdlt => Box::new(DenseLdlt::new()),
            SolverKind::SparseLdl => Box::new(SparseLdl::new()),
            SolverKind::Cg => Box::new(Cg::new(KrylovParams::default(), Preconditioner::Jacobi)),
            SolverKind::Minres => Box::new(Minres::new(KrylovParams::default(), Preconditioner::Jacobi)),
        }
    }
}

/// What [`select_solver`] needs to know about the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SolverChoice {
    /// Order of the (square) matrix.
    pub n: usize,
    /// Estimated number of stored entries of the *full* matrix (both triangles).
    pub nnz: usize,
    /// Whether the operator can provide its entries (`csc()` / `triplets()`).
    pub assembled: bool,
    /// Whether the matrix is known to be positive definite (e.g. the condensed route with L-BFGS).
    pub positive_definite: bool,
    /// Whether the caller needs the inertia (the augmented route's inertia correction).
    pub needs_inertia: bool,
}

/// The solver kind the documented rule picks (see the module docs).
pub fn select_kind(choice: &SolverChoice) -> Result<SolverKind, LinSolveError> {
    let c = choice;
    if !c.assembled {
        if c.needs_inertia {
            return Err(LinSolveError::Unsupported(
                "inertia requested for a matrix-free operator: no Krylov method provides it; \
                 use the condensed KKT route or supply an assembled matrix"
                    .into(),
            ));
        }
        return Ok(if c.positive_definite { SolverKind::Cg } else { SolverKind::Minres });
    }
    let density = if c.n == 0 { 1.0 } else { c.nnz as f64 / (c.n as f64 * c.n as f64) };
    let dense = c.n <= DENSE_ALWAYS_MAX_N || (density > DENSE_DENSITY && c.n <= DENSE_MAX_N);
    Ok(match (dense, c.positive_definite && !c.needs_inertia) {
        (true, true) => SolverKind::DenseCholesky,
        (true, false) => SolverKind::DenseLdlt,
        (false, _) => SolverKind::SparseLdl,
    })
}

/// Build the solver [`select_kind`] picks.
pub fn select_solver(choice: &SolverChoice) -> Result<Box<dyn LinearSolver>, LinSolveError> {
    select_kind(choice).map(SolverKind::build)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use ipax_core::{LinearOperatorExt, Regularization};

    fn choice(n: usize, nnz: usize, assembled: bool, pd: bool, inertia: bool) -> SolverChoice {
        SolverChoice { n, nnz, assembled, positive_definite: pd, needs_inertia: inertia }
    }

    #[test]
    fn rule_table() {
        use SolverKind::*;
        let cases = [
            (choice(100, 500, true, true, false), DenseCholesky),
            (choice(100, 500, true, false, true), DenseLdlt),
            (choice(100, 500, true, true, true), DenseLdlt),
            (choice(2000, 2000 * 2000 / 5, true, true, false), DenseCholesky),
            (choice(2000, 10_000, true, true, false), SparseLdl),
            (choice(10_000, 10_000 * 10_000 / 2, true, false, true), SparseLdl),
            (choice(10, 30, false, true, false), Cg),
            (choice(10, 30, false, false, false), Minres),
        ];
        for (c, kind) in cases {
            assert_eq!(select_kind(&c).unwrap(), kind, "{c:?}");
        }
        assert!(matches!(select_kind(&choice(10, 30, false, false, true)), Err(LinSolveError::Unsupported(_))));
    }

    #[test]
    fn selected_solvers_work() {
        let k = kkt(6, 2, 1e-8, 3);
        let csc = k.to_csc_lower();
        for kind in [SolverKind::DenseLdlt, SolverKind::SparseLdl, SolverKind::Minres] {
            let mut s = kind.build();
            let info = s.factor(&csc, &Regularization::none()).unwrap();
            assert_eq!(info.inertia.is_some(), s.capabilities().provides_inertia);
            let b = csc.matvec(&ones(8));
            let mut x = b.clone();
            s.solve_in_place(&csc, &mut x).unwrap();
            assert!(rel_residual(&csc, 0.0, &x, &b) <= 1e-10, "{}", s.name());
        }
        let mut s = select_solver(&choice(6, 36, true, true, false)).unwrap();
        assert_eq!(s.name(), "dense-cholesky");
        let a = random_spd(6, 2);
        s.factor(&a, &Regularization::none()).unwrap();
        let mut x = vec![1.0; 6];
        s.solve_in_place(&a, &mut x).unwrap();
        assert!(rel_residual(&a, 0.0, &x, &ones(6)) <= 1e-12);
    }
}

#[cfg(test)]
mod edge_tests {
    use super::*;
    use crate::test_util::DenseOp;
    use ipax_core::{CscMatrix, CscStorage, Regularization, Triplets};

    /// Every solver accepts the empty system without panicking.
    #[test]
    fn empty_system() {
        let dense = DenseOp::new(0, 0, vec![]);
        let sparse = CscMatrix::from_triplets(&Triplets::new(0, 0), CscStorage::SymmetricLower);
        for kind in [SolverKind::DenseCholesky, SolverKind::DenseLdlt, SolverKind::SparseLdl, SolverKind::Cg, SolverKind::Minres] {
            let mut s = kind.build();
            let info = s.factor(&sparse, &Regularization::none()).unwrap();
            if let Some(inertia) = info.inertia {
                assert!(inertia.is(0, 0));
            }
            let mut x: Vec<f64> = vec![];
            s.solve_in_place(&sparse, &mut x).unwrap();
            if !s.capabilities().needs_assembled_matrix {
                s.factor(&dense, &Regularization::none()).unwrap();
                s.solve_in_place(&dense, &mut x).unwrap();
            }
        }
    }
}
