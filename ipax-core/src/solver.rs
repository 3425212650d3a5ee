//! The [`LinearSolver`] protocol and its result types.

use crate::error::LinSolveError;
use crate::operator::LinearOperator;

/// Numbers of positive, negative and zero eigenvalues of a symmetric matrix (Sylvester's law lets
/// an LDLᵀ factorization count them from `D`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Inertia {
    pub positive: usize,
    pub negative: usize,
    pub zero: usize,
}

impl Inertia {
    /// Whether this is exactly `(positive, negative, 0)`.
    pub fn is(&self, positive: usize, negative: usize) -> bool {
        self.positive == positive && self.negative == negative && self.zero == 0
    }
}

/// The factors a direct solver holds: `Pᵀ (A + shift·I) P = L D Lᵀ` with `L` unit lower
/// triangular and `D` block diagonal (1×1 and 2×2 blocks), for inspection (the debugger's
/// `print L`, `viz L`).
#[derive(Debug, Clone, PartialEq)]
pub struct FactorExport {
    /// `L` (strictly lower entries and the unit diagonal), `n × n`.
    pub l: crate::sparse::Triplets,
    /// Diagonal of `D`.
    pub d_diag: Vec<f64>,
    /// Subdiagonal of `D` (nonzero at the first index of each 2×2 block).
    pub d_subdiag: Vec<f64>,
    /// `perm[k]` is the row of `A` at position `k` of the factor.
    pub perm: Vec<usize>,
}

/// What a successful numeric factorization reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FactorInfo {
    /// Inertia, when the solver can compute it (direct symmetric-indefinite solvers).
    pub inertia: Option<Inertia>,
    /// Number of pivots the solver perturbed through dynamic regularization.
    pub regularized_pivots: usize,
}

/// What a solve reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SolveInfo {
    /// Krylov iterations, or refinement steps for a direct solver.
    pub iterations: usize,
    /// Final relative residual `‖b − A x‖ / ‖b‖`, when computed.
    pub residual: Option<f64>,
}

/// Dynamic (pivot-time) regularization for an LDLᵀ without pivoting: a pivot `d_i` whose sign
/// differs from `signs[i]` or whose magnitude is below `epsilon` is replaced by `signs[i]·delta`.
#[derive(Debug, Clone, PartialEq)]
pub struct DynamicRegularization {
    /// Expected sign (+1 / −1) of every pivot, in the original (unpermuted) ordering.
    pub signs: Vec<i8>,
    pub delta: f64,
    pub epsilon: f64,
}

/// Regularization requested at factorization time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Regularization {
    /// Factor `A + shift·I` instead of `A` (used by the condensed route's Cholesky probe).
    pub shift: f64,
    /// Optional dynamic pivot regularization (direct LDLᵀ only; others ignore it).
    pub dynamic: Option<DynamicRegularization>,
}

impl Regularization {
    /// No regularization.
    pub fn none() -> Self {
        Self::default()
    }
    /// A plain diagonal shift.
    pub fn shift(shift: f64) -> Self {
        Regularization { shift, dynamic: None }
    }
}

/// What a solver can do, so routes can pick one without knowing its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Reports [`Inertia`] from `factor`.
    pub provides_inertia: bool,
    /// Needs `triplets()`/`csc()` from the operator (cannot work matrix-free).
    pub needs_assembled_matrix: bool,
    /// A direct factorization (as opposed to an iterative method).
    pub is_direct: bool,
    /// Only accepts symmetric positive definite matrices.
    pub requires_positive_definite: bool,
}

/// A solver for `A x = b` with `A` given as a [`LinearOperator`].
///
/// The life cycle is `analyze` (symbolic, once per sparsity pattern), then `factor` (numeric, many
/// times), then any number of `solve_in_place` calls. The operator is passed again to `solve` so
/// iterative methods can apply it and direct methods can refine against it.
pub trait LinearSolver {
    /// Short name for logs.
    fn name(&self) -> &'static str;

    /// What this solver can do.
    fn capabilities(&self) -> Capabilities;

    /// Symbolic analysis (ordering, elimination tree). Cheap no-op for dense and Krylov solvers.
    fn analyze(&mut self, op: &dyn LinearOperator) -> Result<(), LinSolveError>;

    /// Numeric factorization of `op + reg.shift·I`. Calls `analyze` itself if needed.
    fn factor(&mut self, op: &dyn LinearOperator, reg: &Regularization) -> Result<FactorInfo, LinSolveError>;

    /// Numeric factorization of `op`, whose sparsity pattern the caller guarantees to be the
    /// one of the last `analyze` or `factor` call (only the values changed): the IPM refactors
    /// its cached KKT pattern this way, so a solver may skip comparing the pattern. The default
    /// is [`factor`](Self::factor), which checks.
    fn refactor(&mut self, op: &dyn LinearOperator, reg: &Regularization) -> Result<FactorInfo, LinSolveError> {
        self.factor(op, reg)
    }

    /// Overwrite `rhs` with the solution of `(op + shift·I) x = rhs` for the last factorization.
    fn solve_in_place(&mut self, op: &dyn LinearOperator, rhs: &mut [f64]) -> Result<SolveInfo, LinSolveError>;

    /// Set the relative residual an iterative method stops at (inexact-Newton forcing term).
    /// Direct solvers ignore it.
    fn set_relative_tolerance(&mut self, _rtol: f64) {}

    /// Switch to a more robust (and usually slower) factorization for every later `factor`, e.g.
    /// from a static pivot order to threshold pivoting; `true` when something changed. The IPM
    /// calls it when a factorization stays singular although the constraint block is already
    /// regularized, which is numerical breakdown of the pivot order rather than degeneracy
    /// (Ipopt's `SymLinearSolver::IncreaseQuality` plays this role).
    fn increase_quality(&mut self) -> bool {
        false
    }

    /// The factors of the last successful factorization, where the solver can give them.
    fn factors(&self) -> Option<FactorExport> {
        None
    }
}

impl<S: LinearSolver + ?Sized> LinearSolver for Box<S> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
    }
    fn analyze(&mut self, op: &dyn LinearOperator) -> Result<(), LinSolveError> {
        (**self).analyze(op)
    }
    fn factor(&mut self, op: &dyn LinearOperator, reg: &Regularization) -> Result<FactorInfo, LinSolveError> {
        (**self).factor(op, reg)
    }
    fn refactor(&mut self, op: &dyn LinearOperator, reg: &Regularization) -> Result<FactorInfo, LinSolveError> {
        (**self).refactor(op, reg)
    }
    fn solve_in_place(&mut self, op: &dyn LinearOperator, rhs: &mut [f64]) -> Result<SolveInfo, LinSolveError> {
        (**self).solve_in_place(op, rhs)
    }
    fn set_relative_tolerance(&mut self, rtol: f64) {
        (**self).set_relative_tolerance(rtol)
    }
    fn increase_quality(&mut self) -> bool {
        (**self).increase_quality()
    }
    fn factors(&self) -> Option<FactorExport> {
        (**self).factors()
    }
}
