//! Concrete linear-solver choice for the IPM's KKT routes.

use ipax_core::{LinearOperator, LinearSolver, Problem};
use ipax_ipm::options::{
    HessianApproximationKind, KktRouteChoice, KrylovPreconditionerChoice, LinearSolverChoice, Options, SparseOrderingChoice,
};
use ipax_ipm::{KktRoute, LinearSolverFactory, SolverRequest};
use ipax_linalg::{Cg, DenseCholesky, DenseLdlt, FillOrdering, KrylovParams, Minres, Preconditioner, RefineParams, SparseLdl};

/// Largest KKT dimension factored densely by `linear_solver = auto`.
const DENSE_MAX_DIM: usize = 300;
/// Relative size below which an LDLᵀ pivot of a KKT matrix counts as zero: only (near-)exact zeros,
/// since KKT entries legitimately span 20 orders of magnitude (Σ near active bounds, δ_c).
const KKT_ZERO_PIVOT_RTOL: f64 = 1e-24;
/// Largest n for which the condensed route factors N densely (Cholesky) under `linear_solver = auto`.
const CONDENSED_DENSE_MAX_N: usize = 500;

/// Sparse LDLᵀ for the augmented KKT system: the fast static-order kernel, switching for good to
/// the pivoted one (threshold Bunch–Kaufman, delayed pivots) at its first zero pivot, so that a
/// constraint row ordered before its neighbours costs a pivoted factor, not a δ_c perturbation
/// of every later step (AC power flow: 3000 iterations without, see bench/README.md). Its own refinement (against the regularized matrix
/// it factored) is switched off: the IPM refines against the unregularized reduced system anyway,
/// so the inner loop (and even its residual check) only repeated triangular solves and products.
fn kkt_sparse_ldl(ordering: SparseOrderingChoice) -> SparseLdl {
    let ordering = match ordering {
        SparseOrderingChoice::Auto => FillOrdering::Auto,
        SparseOrderingChoice::Amd => FillOrdering::Amd,
        SparseOrderingChoice::NestedDissection => FillOrdering::NestedDissection,
    };
    SparseLdl::new()
        .with_zero_pivot_rtol(KKT_ZERO_PIVOT_RTOL)
        .with_refinement(RefineParams::off())
        .with_ordering(ordering)
        .with_pivoting_fallback(true)
}

/// Creates solvers according to `linear_solver` (and the route/size when `auto`).
pub struct DefaultSolverFactory {
    pub choice: LinearSolverChoice,
    pub krylov_rtol: f64,
    pub krylov_max_iter: Option<usize>,
    pub preconditioner: KrylovPreconditionerChoice,
    pub ordering: SparseOrderingChoice,
}

impl DefaultSolverFactory {
    /// A factory configured from the options.
    pub fn from_options(o: &Options) -> Self {
        DefaultSolverFactory {
            choice: o.linear_solver,
            krylov_rtol: o.krylov_rtol,
            krylov_max_iter: (o.krylov_max_iter > 0).then_some(o.krylov_max_iter),
            preconditioner: o.krylov_preconditioner,
            ordering: o.sparse_ldl_ordering,
        }
    }
    fn krylov(&self) -> KrylovParams {
        KrylovParams { rtol: self.krylov_rtol, max_iter: self.krylov_max_iter, ..KrylovParams::default() }
    }
    /// The preconditioner asked for, with `auto` resolved to `auto_choice`.
    fn preconditioner(&self, auto_choice: Preconditioner) -> Preconditioner {
        match self.preconditioner {
            KrylovPreconditionerChoice::Auto => auto_choice,
            KrylovPreconditionerChoice::IncompleteCholesky => Preconditioner::IncompleteCholesky,
            KrylovPreconditionerChoice::Amg => Preconditioner::Amg,
            KrylovPreconditionerChoice::Jacobi => Preconditioner::Jacobi,
            KrylovPreconditionerChoice::None => Preconditioner::None,
        }
    }
    /// CG on the (SPD) condensed matrix: incomplete Cholesky unless asked otherwise (AMG, Jacobi, none).
    fn cg(&self) -> Box<dyn LinearSolver + Send> {
        Box::new(Cg::new(self.krylov(), self.preconditioner(Preconditioner::IncompleteCholesky)))
    }
    /// MINRES (symmetric indefinite or SPD): IC(0) only when asked for explicitly.
    fn minres(&self) -> Box<dyn LinearSolver + Send> {
        let pc = self.preconditioner(Preconditioner::Jacobi);
        Box::new(Minres::new(self.krylov(), pc))
    }
}

impl LinearSolverFactory for DefaultSolverFactory {
    fn create(&self, r: &SolverRequest) -> Box<dyn LinearSolver + Send> {
        use LinearSolverChoice as C;
        match (r.route, self.choice) {
            (KktRoute::Augmented, C::Dense) => Box::new(DenseLdlt::new().with_zero_pivot_rtol(KKT_ZERO_PIVOT_RTOL)),
            (KktRoute::Augmented, C::Minres) | (KktRoute::Augmented, C::Cg) => self.minres(),
            (KktRoute::Augmented, C::SparseLdl) => Box::new(kkt_sparse_ldl(self.ordering)),
            (KktRoute::Augmented, C::Auto) => {
                if r.dim <= DENSE_MAX_DIM { Box::new(DenseLdlt::new().with_zero_pivot_rtol(KKT_ZERO_PIVOT_RTOL)) } else { Box::new(kkt_sparse_ldl(self.ordering)) }
            }
            (KktRoute::Condensed, C::Dense) => Box::new(DenseCholesky::new()),
            (KktRoute::Condensed, C::Minres) => self.minres(),
            (KktRoute::Condensed, C::Cg) | (KktRoute::Condensed, C::SparseLdl) => self.cg(),
            (KktRoute::Condensed, C::Auto) => {
                if r.dim <= CONDENSED_DENSE_MAX_N { Box::new(DenseCholesky::new()) } else { self.cg() }
            }
        }
    }
}

/// The KKT route for `kkt_route = auto`: augmented (dense LDLᵀ up to KKT dimension
/// `DENSE_MAX_DIM`, sparse LDLᵀ above, both with Ipopt's inertia correction) whenever the Jacobian
/// and Hessian can be assembled, whatever the size; condensed (Cholesky/CG) when either is
/// matrix-free or the user asked for CG, the cases where the condensed route is measured to win.
pub fn choose_route(problem: &dyn Problem, o: &Options) -> KktRoute {
    match o.kkt_route {
        KktRouteChoice::Augmented => return KktRoute::Augmented,
        KktRouteChoice::Condensed => return KktRoute::Condensed,
        KktRouteChoice::Auto => {}
    }
    if matches!(o.linear_solver, LinearSolverChoice::Cg) {
        return KktRoute::Condensed;
    }
    let n = problem.num_variables();
    let m = problem.num_constraints();
    let mut x0 = vec![0.0; n];
    problem.initial_point(&mut x0);
    // An operator with a CSC view is assembled; only one without asks for its triplets (which
    // copies every entry: 7 ms of a 1e5-variable .nl set-up).
    let assembled = |op: &dyn LinearOperator| op.csc().is_some() || op.triplets().is_some();
    let jac_assembled = m == 0 || problem.jacobian(&x0).map(|j| assembled(j.as_ref())).unwrap_or(true);
    let hess_assembled = o.hessian_approximation == HessianApproximationKind::LimitedMemory
        || !problem.has_hessian()
        || problem.hessian(&x0, 1.0, &vec![0.0; m]).map(|h| h.is_none_or(|h| assembled(h.as_ref()))).unwrap_or(true);
    // No small-problem exception (issue 16, item 2): the condensed system N = W + Σ + JᵀD̂⁻¹J
    // regularizes the equalities by a penalty ~1/δ, which costs accuracy and robustness (5 of 400
    // CUTEst problems ended RestorationFailed at iteration 0 on it and solve on the augmented
    // route), while the augmented route factors the exact KKT matrix and reads its inertia. On the
    // oracle set the two routes take the same iterations (exact Hessian 1266 vs 1257, L-BFGS 2260
    // vs 2285 over 95 problems).
    if jac_assembled && hess_assembled { KktRoute::Augmented } else { KktRoute::Condensed }
}
