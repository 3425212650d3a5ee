//! Matrix-free Krylov solvers: preconditioned conjugate gradients (SPD) and MINRES (symmetric
//! indefinite).
//!
//! Both only apply the operator (and the preconditioner): `factor` records the shift and builds
//! the preconditioner, `solve_in_place` iterates from `x₀ = 0`. Neither ever asks for triplets,
//! so a non-finite matrix is only seen through its products: it is reported as
//! `NonFinite("operator application")` when a NaN/Inf reaches the recurrences.

use std::sync::Arc;

use crate::common::{check_finite, check_len, check_triplets, square_dim};
use crate::amg::{AmgPreconditioner, AmgRefresh};
use crate::incomplete_cholesky::IncompleteCholesky;
use ipax_core::{
    Capabilities, CscMatrix, CscStorage, FactorInfo, LinSolveError, LinearOperator, LinearSolver, Regularization, SolveInfo,
    vec_ops,
};

/// Stopping rule shared by the Krylov solvers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KrylovParams {
    /// Stop when `‖b − A x‖ ≤ max(rtol·‖b‖, atol)`.
    pub rtol: f64,
    /// Absolute residual floor (see `rtol`).
    pub atol: f64,
    /// Iteration cap; `None` means [`default_cap`](KrylovParams::default_cap) `(n)`.
    pub max_iter: Option<usize>,
}

impl Default for KrylovParams {
    fn default() -> Self {
        KrylovParams { rtol: 1e-10, atol: 0.0, max_iter: None }
    }
}

/// Iterations per `√n` of the default cap (see [`KrylovParams::default_cap`]).
pub const KRYLOV_CAP_PER_SQRT_N: usize = 100;

impl KrylovParams {
    fn cap(&self, n: usize) -> usize {
        self.max_iter.unwrap_or_else(|| Self::default_cap(n))
    }

    /// The default iteration cap for dimension `n`: `max(50, min(10·n, 100·⌈√n⌉))`.
    ///
    /// CG needs about `½√κ·ln(2/rtol)` iterations, and `κ ~ n` for a second-order elliptic
    /// operator in 2-D with a diagonal preconditioner (the hardest case the condensed route
    /// meets with Jacobi): about `12√n` at `rtol = 1e-10`. A cap of `100√n` leaves room for that
    /// while bounding one solve at `O(√n)` products, i.e. `O(√n·nnz)` work; the former `10·n`
    /// let one stalled solve cost `O(n·nnz)` (10⁸ products at n = 1e7). A solve that reaches the
    /// cap ends with `NoConvergence` and its true relative residual, never as a success.
    pub fn default_cap(n: usize) -> usize {
        let sqrt_n = (n as f64).sqrt().ceil() as usize;
        (10 * n).min(KRYLOV_CAP_PER_SQRT_N * sqrt_n).max(50)
    }
}

/// Which preconditioner a Krylov solver applies.
#[derive(Default)]
pub enum Preconditioner {
    /// None (`M = I`).
    None,
    /// Jacobi: `M⁻¹ = diag(A + shift·I)⁻¹` from `op.diagonal()`. CG falls back to no
    /// preconditioner when the diagonal is unavailable or has a non-positive entry; MINRES uses
    /// `|diag|` (it needs an SPD preconditioner) and falls back when an entry is zero.
    #[default]
    Jacobi,
    /// A user operator that applies `M⁻¹` (must be symmetric positive definite). `Send`, so a
    /// Krylov solver can move between threads with it (the IPM's solvers are `Send`).
    User(Box<dyn LinearOperator + Send>),
    /// Incomplete Cholesky IC(0) of `A + shift·I` ([`IncompleteCholesky`]), built from the
    /// operator's assembled lower triangle (`csc()` or `lower_triplets()`). Falls back to Jacobi
    /// when the operator exposes no entries or is not positive definite on its diagonal.
    IncompleteCholesky,
    /// Smoothed-aggregation algebraic multigrid V-cycle of `A + shift·I`
    /// ([`AmgPreconditioner`]), built like [`IncompleteCholesky`](Self::IncompleteCholesky) from
    /// the operator's assembled lower triangle, with the same fallbacks to Jacobi. Its iteration
    /// count grows little with the grid size on elliptic (grid-Laplacian-like) matrices, where
    /// IC(0) needs O(√n) iterations.
    Amg,
}

impl std::fmt::Debug for Preconditioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Preconditioner::None => f.write_str("None"),
            Preconditioner::Jacobi => f.write_str("Jacobi"),
            Preconditioner::User(op) => write!(f, "User({:?})", op.shape()),
            Preconditioner::IncompleteCholesky => f.write_str("IncompleteCholesky"),
            Preconditioner::Amg => f.write_str("Amg"),
        }
    }
}

/// The preconditioner as built by `factor`.
#[derive(Debug, Clone, Default)]
enum Active {
    #[default]
    Identity,
    /// Inverse diagonal.
    Diagonal(Vec<f64>),
    User,
    /// IC(0) factor (shared: `begin` clones the active preconditioner per solve).
    Ic(Arc<IncompleteCholesky>),
    /// AMG hierarchy (shared like `Ic`).
    Amg(Arc<AmgPreconditioner>),
}

/// Jacobi `M⁻¹ = diag(A + shift·I)⁻¹` (`|·|` for MINRES), or the identity when the diagonal is
/// unavailable or unusable.
fn jacobi(op: &dyn LinearOperator, n: usize, shift: f64, abs_diag: bool) -> Active {
    match op.diagonal() {
        Some(d) if d.len() == n => {
            let d: Vec<f64> = d.iter().map(|v| v + shift).map(|v| if abs_diag { v.abs() } else { v }).collect();
            if d.iter().all(|v| v.is_finite() && *v > 0.0) { Active::Diagonal(d.iter().map(|v| 1.0 / v).collect()) } else { Active::Identity }
        }
        _ => Active::Identity,
    }
}

/// Run `build` on the operator's assembled lower triangle (`csc()` in symmetric-lower storage,
/// else `lower_triplets()`); `None` when the operator exposes no entries.
fn lower_csc<T>(
    op: &dyn LinearOperator,
    n: usize,
    build: impl FnOnce(ipax_core::CscRef<'_>) -> Result<T, LinSolveError>,
) -> Option<Result<T, LinSolveError>> {
    match op.csc() {
        Some(a) if a.storage == CscStorage::SymmetricLower => Some(build(a)),
        _ => op.lower_triplets().map(|t| {
            check_triplets(&t, n)?;
            build(CscMatrix::from_triplets(&t, CscStorage::SymmetricLower).as_ref())
        }),
    }
}

/// An AMG hierarchy is set up from scratch after this many numeric updates in a row.
///
/// A backstop: the aggregates come from the strength of connection at the last full setup and
/// interior-point barrier terms drift by orders of magnitude, but `update` itself rebuilds when
/// the aggregation no longer fits ([`crate::amg::UPDATE_MAX_STALE`]) and `factor` rebuilds when
/// the iteration count grew. On the obstacle problem (n = 1e5, 14 IPM iterations) 11 updates
/// in a row kept the CG counts of fresh setups (6–14), while a full setup costs about twice an
/// update (at n = 1e6 1.2–1.3 s against 0.3–0.4 s); so the period is long.
pub const AMG_REBUILD_EVERY: usize = 10;
/// A numeric AMG update is followed by a full setup when the largest iteration count of the
/// solves since that update exceeds `AMG_ITERATION_GROWTH ×` the largest count after the last
/// full setup, plus [`AMG_ITERATION_SLACK`].
pub const AMG_ITERATION_GROWTH: f64 = 1.5;
/// Absolute slack of the growth test (small counts fluctuate by a few iterations).
pub const AMG_ITERATION_SLACK: usize = 3;

/// Reuse bookkeeping of the AMG preconditioner across `factor` calls.
#[derive(Debug, Default, Clone, Copy)]
struct AmgReuse {
    /// Full setups and numeric updates so far.
    full: usize,
    numeric: usize,
    /// Numeric updates since the last full setup.
    updates_since_full: usize,
    /// Whether the current hierarchy comes from a full setup.
    current_is_full: bool,
    /// Largest iteration count of the solves with the last fully set-up hierarchy.
    baseline: Option<usize>,
    /// Largest iteration count of the solves since the last `factor`.
    since_factor: Option<usize>,
}

impl AmgReuse {
    fn record_setup(&mut self, refresh: AmgRefresh) {
        match refresh {
            AmgRefresh::Rebuilt => {
                self.full += 1;
                self.updates_since_full = 0;
                self.current_is_full = true;
                self.baseline = None;
            }
            AmgRefresh::Numeric => {
                self.numeric += 1;
                self.updates_since_full += 1;
                self.current_is_full = false;
            }
        }
        self.since_factor = None;
    }

    /// Record the iteration count of a solve (failed solves included: their count is the
    /// evidence that the preconditioner degraded).
    fn record_solve(&mut self, iterations: usize) {
        self.since_factor = Some(self.since_factor.map_or(iterations, |k| k.max(iterations)));
        if self.current_is_full {
            self.baseline = Some(self.baseline.map_or(iterations, |k| k.max(iterations)));
        }
    }

    /// Whether the next `factor` should set the hierarchy up from scratch: periodically, and
    /// when the iteration count grew since the last full setup (stale aggregates).
    fn wants_rebuild(&self) -> bool {
        if self.updates_since_full >= AMG_REBUILD_EVERY {
            return true;
        }
        match (self.baseline, self.since_factor) {
            (Some(base), Some(now)) => now as f64 > AMG_ITERATION_GROWTH * base as f64 + AMG_ITERATION_SLACK as f64,
            _ => false,
        }
    }
}

/// The iteration count a solve result reports, if any.
fn solve_iterations(r: &Result<SolveInfo, LinSolveError>) -> Option<usize> {
    match r {
        Ok(info) => Some(info.iterations),
        Err(
            LinSolveError::NoConvergence { iterations, .. }
            | LinSolveError::AccuracyLimit { iterations, .. }
            | LinSolveError::NegativeCurvature { iterations, .. },
        ) => Some(*iterations),
        Err(_) => None,
    }
}

/// Shared state: parameters, shift, built preconditioner.
#[derive(Debug, Default)]
struct KrylovState {
    params: KrylovParams,
    precond: Preconditioner,
    active: Option<Active>,
    shift: f64,
    n: usize,
    amg: AmgReuse,
}

impl KrylovState {
    /// Record the shift and build the preconditioner (`abs_diag`: MINRES uses |diag|).
    fn factor(&mut self, op: &dyn LinearOperator, reg: &Regularization, abs_diag: bool) -> Result<FactorInfo, LinSolveError> {
        // An AMG hierarchy is kept for an update; any other preconditioner is dropped now, before
        // a new one takes its memory.
        let mut previous = match self.active.take() {
            Some(Active::Amg(amg)) => Some(amg),
            _ => None,
        };
        let n = square_dim(op)?;
        if !reg.shift.is_finite() {
            return Err(LinSolveError::NonFinite("regularization shift"));
        }
        let active = match &self.precond {
            Preconditioner::None => Active::Identity,
            Preconditioner::User(m) => {
                let (r, c) = m.shape();
                check_len("preconditioner rows", n, r)?;
                check_len("preconditioner columns", n, c)?;
                Active::User
            }
            Preconditioner::Jacobi => jacobi(op, n, reg.shift, abs_diag),
            Preconditioner::IncompleteCholesky => {
                match lower_csc(op, n, |a| IncompleteCholesky::factor(a, reg.shift)) {
                    Some(Ok(ic)) => Active::Ic(Arc::new(ic)),
                    // A non-positive diagonal entry (the operator is not SPD: CG will find the
                    // negative curvature) or no entries at all: use Jacobi's fallbacks.
                    Some(Err(LinSolveError::NotPositiveDefinite { .. })) | None => jacobi(op, n, reg.shift, abs_diag),
                    Some(Err(e)) => return Err(e),
                }
            }
            Preconditioner::Amg => {
                // The previous hierarchy, when it can be refreshed rather than rebuilt (otherwise
                // it is dropped here, before the new setup allocates).
                let wants_rebuild = self.amg.wants_rebuild();
                let reuse = previous.take().filter(|_| !wants_rebuild).and_then(|prev| Arc::try_unwrap(prev).ok());
                let r = lower_csc(op, n, |a| match reuse {
                    Some(prev) => prev.update(a, reg.shift),
                    None => AmgPreconditioner::new(a, reg.shift).map(|m| (m, AmgRefresh::Rebuilt)),
                });
                match r {
                    Some(Ok((amg, refresh))) => {
                        self.amg.record_setup(refresh);
                        Active::Amg(Arc::new(amg))
                    }
                    // As for IC(0): not SPD (a non-positive diagonal or coarse pivot) or no
                    // entries fall back to Jacobi.
                    Some(Err(LinSolveError::NotPositiveDefinite { .. })) | None => jacobi(op, n, reg.shift, abs_diag),
                    Some(Err(e)) => return Err(e),
                }
            }
        };
        self.active = Some(active);
        self.shift = reg.shift;
        self.n = n;
        Ok(FactorInfo::default())
    }

    /// Record a solve's iteration count for the AMG reuse policy.
    fn record_solve(&mut self, r: &Result<SolveInfo, LinSolveError>) {
        if let (Some(Active::Amg(_)), Some(k)) = (&self.active, solve_iterations(r)) {
            self.amg.record_solve(k);
        }
    }

    /// Whether `factor` built an incomplete Cholesky factor (rather than falling back).
    fn is_incomplete_cholesky(&self) -> bool {
        matches!(self.active, Some(Active::Ic(_)))
    }

    /// `z ← M⁻¹ r`.
    fn precondition(&self, active: &Active, r: &[f64], z: &mut [f64]) {
        match (active, &self.precond) {
            (Active::Diagonal(d), _) => {
                for i in 0..r.len() {
                    z[i] = d[i] * r[i];
                }
            }
            (Active::User, Preconditioner::User(m)) => m.apply(1.0, r, 0.0, z),
            (Active::Ic(ic), _) => {
                z.copy_from_slice(r);
                ic.solve_in_place(z);
            }
            (Active::Amg(amg), _) => {
                z.copy_from_slice(r);
                amg.solve_in_place(z);
            }
            _ => z.copy_from_slice(r),
        }
    }

    /// `y ← (A + shift·I) x`.
    fn apply(&self, op: &dyn LinearOperator, x: &[f64], y: &mut [f64]) {
        op.apply(1.0, x, 0.0, y);
        if self.shift != 0.0 {
            vec_ops::axpy(self.shift, x, y);
        }
    }

    /// Checks common to both solvers; returns the active preconditioner and `‖b‖`.
    fn begin(&self, op: &dyn LinearOperator, rhs: &[f64]) -> Result<(Active, f64), LinSolveError> {
        let active = self.active.clone().ok_or(LinSolveError::NotFactored)?;
        check_len("operator dimension (differs from the factored one)", self.n, square_dim(op)?)?;
        check_len("right-hand side", self.n, rhs.len())?;
        check_finite("right-hand side", rhs)?;
        Ok((active, vec_ops::norm2(rhs)))
    }

    /// True relative residual `‖b − A x‖/‖b‖`.
    fn true_residual(&self, op: &dyn LinearOperator, b: &[f64], x: &[f64], bnorm: f64) -> f64 {
        let mut r = vec![0.0; b.len()];
        self.apply(op, x, &mut r);
        for i in 0..b.len() {
            r[i] = b[i] - r[i];
        }
        vec_ops::norm2(&r) / bnorm
    }
}

/// Preconditioned conjugate gradients (Hestenes–Stiefel 1952; Saad, *Iterative Methods*, Alg. 9.1)
/// for symmetric positive definite `A + shift·I`.
///
/// A direction with `pᵀAp ≤ 0` proves the operator is not positive definite: the solve stops with
/// [`LinSolveError::NegativeCurvature`], whose `curvature` is the Rayleigh quotient `pᵀAp / pᵀp`
/// (i.e. `pᵀAp` for the normalized direction), so a caller can raise its shift past `−curvature`.
#[derive(Debug, Default)]
pub struct Cg {
    state: KrylovState,
}

impl Cg {
    /// CG with the given stopping rule and preconditioner.
    pub fn new(params: KrylovParams, precond: Preconditioner) -> Self {
        Cg { state: KrylovState { params, precond, ..Default::default() } }
    }
    /// Whether `factor` built a Jacobi (or user) preconditioner rather than falling back to none.
    pub fn is_preconditioned(&self) -> bool {
        matches!(self.state.active, Some(Active::Diagonal(_) | Active::User | Active::Ic(_) | Active::Amg(_)))
    }
    /// Whether `factor` built an incomplete Cholesky factor (requested and the operator exposed
    /// its entries).
    pub fn uses_incomplete_cholesky(&self) -> bool {
        self.state.is_incomplete_cholesky()
    }
    /// Whether `factor` built an AMG hierarchy (requested and the operator exposed its entries).
    pub fn uses_amg(&self) -> bool {
        matches!(self.state.active, Some(Active::Amg(_)))
    }
    /// AMG setups so far as `(full, numeric)`: full setups ([`AmgPreconditioner::new`], or an
    /// update that fell back to one) and numeric updates of the previous hierarchy
    /// ([`AmgPreconditioner::update`]).
    ///
    /// With [`Preconditioner::Amg`], `factor` updates the previous hierarchy when the operator's
    /// assembled pattern is unchanged, and sets it up from scratch after
    /// [`AMG_REBUILD_EVERY`] updates in a row or when the iteration count since the last
    /// update grew past [`AMG_ITERATION_GROWTH`]`×` (+ [`AMG_ITERATION_SLACK`]) that after the
    /// last full setup.
    pub fn amg_setups(&self) -> (usize, usize) {
        (self.state.amg.full, self.state.amg.numeric)
    }
}

impl LinearSolver for Cg {
    fn set_relative_tolerance(&mut self, rtol: f64) {
        self.state.params.rtol = rtol;
    }
    fn name(&self) -> &'static str {
        "cg"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities { provides_inertia: false, needs_assembled_matrix: false, is_direct: false, requires_positive_definite: true }
    }
    fn analyze(&mut self, op: &dyn LinearOperator) -> Result<(), LinSolveError> {
        square_dim(op).map(|_| ())
    }
    fn factor(&mut self, op: &dyn LinearOperator, reg: &Regularization) -> Result<FactorInfo, LinSolveError> {
        self.state.factor(op, reg, false)
    }

    fn solve_in_place(&mut self, op: &dyn LinearOperator, rhs: &mut [f64]) -> Result<SolveInfo, LinSolveError> {
        let r = self.iterate(op, rhs);
        self.state.record_solve(&r);
        r
    }
}

impl Cg {
    /// The CG iteration proper (see [`LinearSolver::solve_in_place`]).
    fn iterate(&self, op: &dyn LinearOperator, rhs: &mut [f64]) -> Result<SolveInfo, LinSolveError> {
        let s = &self.state;
        let (active, bnorm) = s.begin(op, rhs)?;
        let n = s.n;
        if bnorm == 0.0 {
            rhs.fill(0.0);
            return Ok(SolveInfo { iterations: 0, residual: Some(0.0) });
        }
        let target = (s.params.rtol * bnorm).max(s.params.atol);
        let b = rhs.to_vec();
        let mut x = vec![0.0; n];
        let mut r = b.clone();
        let mut z = vec![0.0; n];
        s.precondition(&active, &r, &mut z);
        let mut p = z.clone();
        let mut q = vec![0.0; n];
        let mut rz = vec_ops::dot(&r, &z);
        let max_iter = s.params.cap(n);
        let mut iterations = 0;
        let mut restarts = 0;
        while iterations < max_iter {
            if !(rz > 0.0) {
                rhs.copy_from_slice(&x);
                return Err(LinSolveError::Unsupported("preconditioner is not positive definite (rᵀM⁻¹r ≤ 0)".into()));
            }
            s.apply(op, &p, &mut q);
            let pq = vec_ops::dot(&p, &q);
            let pp = vec_ops::dot(&p, &p);
            if !(pq > 0.0) {
                rhs.copy_from_slice(&x);
                let curvature = if pp > 0.0 { pq / pp } else { pq };
                if !curvature.is_finite() {
                    return Err(LinSolveError::NonFinite("operator application"));
                }
                return Err(LinSolveError::NegativeCurvature { iterations, curvature });
            }
            let alpha = rz / pq;
            vec_ops::axpy(alpha, &p, &mut x);
            vec_ops::axpy(-alpha, &q, &mut r);
            iterations += 1;
            if vec_ops::norm2(&r) <= target {
                // The recurrence residual drifts from the true one in finite precision: confirm.
                let true_rel = s.true_residual(op, &b, &x, bnorm);
                if true_rel * bnorm <= target.max(bnorm * 1e2 * f64::EPSILON) {
                    rhs.copy_from_slice(&x);
                    return Ok(SolveInfo { iterations, residual: Some(true_rel) });
                }
                // Restart the recurrence from the true residual, a few times at most: past that
                // the attainable accuracy (≈ ε·κ(A)) has been reached.
                restarts += 1;
                if restarts > 3 {
                    rhs.copy_from_slice(&x);
                    return Err(LinSolveError::AccuracyLimit { iterations, residual: true_rel });
                }
                s.apply(op, &x, &mut q);
                for i in 0..n {
                    r[i] = b[i] - q[i];
                }
                s.precondition(&active, &r, &mut z);
                p.copy_from_slice(&z);
                rz = vec_ops::dot(&r, &z);
                continue;
            }
            s.precondition(&active, &r, &mut z);
            let rz_new = vec_ops::dot(&r, &z);
            let beta = rz_new / rz;
            rz = rz_new;
            for i in 0..n {
                p[i] = z[i] + beta * p[i];
            }
        }
        rhs.copy_from_slice(&x);
        Err(LinSolveError::NoConvergence { iterations, residual: s.true_residual(op, &b, &x, bnorm) })
    }
}

/// MINRES (Paige & Saunders 1975, "Solution of sparse indefinite systems of linear equations",
/// SIAM J. Numer. Anal. 12(4); preconditioned form as in Choi, Paige & Saunders 2011) for
/// symmetric, possibly indefinite `A + shift·I`. The preconditioner must be SPD.
///
/// Minimizes `‖b − A x‖` over the Krylov space (in the `M⁻¹`-norm when preconditioned), so it
/// never breaks down on indefinite matrices; it reports no inertia.
#[derive(Debug, Default)]
pub struct Minres {
    state: KrylovState,
}

impl Minres {
    /// MINRES with the given stopping rule and preconditioner.
    pub fn new(params: KrylovParams, precond: Preconditioner) -> Self {
        Minres { state: KrylovState { params, precond, ..Default::default() } }
    }
    /// Whether `factor` built a Jacobi (or user) preconditioner rather than falling back to none.
    pub fn is_preconditioned(&self) -> bool {
        matches!(self.state.active, Some(Active::Diagonal(_) | Active::User | Active::Ic(_) | Active::Amg(_)))
    }
    /// AMG setups so far as `(full, numeric)`, as for [`Cg::amg_setups`].
    pub fn amg_setups(&self) -> (usize, usize) {
        (self.state.amg.full, self.state.amg.numeric)
    }
}

impl LinearSolver for Minres {
    fn set_relative_tolerance(&mut self, rtol: f64) {
        self.state.params.rtol = rtol;
    }
    fn name(&self) -> &'static str {
        "minres"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities { provides_inertia: false, needs_assembled_matrix: false, is_direct: false, requires_positive_definite: false }
    }
    fn analyze(&mut self, op: &dyn LinearOperator) -> Result<(), LinSolveError> {
        square_dim(op).map(|_| ())
    }
    fn factor(&mut self, op: &dyn LinearOperator, reg: &Regularization) -> Result<FactorInfo, LinSolveError> {
        self.state.factor(op, reg, true)
    }

    fn solve_in_place(&mut self, op: &dyn LinearOperator, rhs: &mut [f64]) -> Result<SolveInfo, LinSolveError> {
        let r = self.iterate(op, rhs);
        self.state.record_solve(&r);
        r
    }
}

impl Minres {
    /// The MINRES iteration proper (see [`LinearSolver::solve_in_place`]).
    fn iterate(&self, op: &dyn LinearOperator, rhs: &mut [f64]) -> Result<SolveInfo, LinSolveError> {
        let s = &self.state;
        let (active, bnorm) = s.begin(op, rhs)?;
        let n = s.n;
        if bnorm == 0.0 {
            rhs.fill(0.0);
            return Ok(SolveInfo { iterations: 0, residual: Some(0.0) });
        }
        let target_rel = (s.params.rtol).max(s.params.atol / bnorm);
        let b = rhs.to_vec();
        let max_iter = s.params.cap(n);
        let not_spd = || LinSolveError::Unsupported("MINRES preconditioner is not positive definite".into());

        // Lanczos vectors r1, r2 (unpreconditioned), y = M⁻¹ r2; β₁ = sqrt(bᵀ M⁻¹ b).
        let mut x = vec![0.0; n];
        let mut r1 = b.clone();
        let mut r2 = b.clone();
        let mut y = vec![0.0; n];
        s.precondition(&active, &b, &mut y);
        let beta1_sq = vec_ops::dot(&b, &y);
        if !(beta1_sq > 0.0) {
            return Err(not_spd());
        }
        let beta1 = beta1_sq.sqrt();
        let (mut oldb, mut beta) = (0.0, beta1);
        let (mut dbar, mut epsln, mut phibar) = (0.0, 0.0, beta1);
        let (mut cs, mut sn) = (-1.0f64, 0.0f64);
        let mut w = vec![0.0; n];
        let mut w1 = vec![0.0; n];
        let mut w2 = vec![0.0; n];
        let mut v = vec![0.0; n];
        // ‖T_k‖_F estimate of ‖A‖ (Paige–Saunders' Anorm) and the extreme |γ| for cond(A).
        let (mut tnorm2, mut gmax, mut gmin) = (0.0f64, 0.0f64, f64::MAX);
        // Iterations since the estimate φ̄ converged while the true residual did not.
        let mut gap_iterations = 0;
        let mut iterations = 0;
        while iterations < max_iter {
            iterations += 1;
            // Lanczos step: v = y/β, y = A v − (β/β_old) r1 − (α/β) r2.
            let inv_beta = 1.0 / beta;
            for i in 0..n {
                v[i] = inv_beta * y[i];
            }
            s.apply(op, &v, &mut y);
            if iterations >= 2 {
                vec_ops::axpy(-beta / oldb, &r1, &mut y);
            }
            let alfa = vec_ops::dot(&v, &y);
            vec_ops::axpy(-alfa / beta, &r2, &mut y);
            std::mem::swap(&mut r1, &mut r2);
            r2.copy_from_slice(&y);
            s.precondition(&active, &r2, &mut y);
            oldb = beta;
            let beta_sq = vec_ops::dot(&r2, &y);
            if beta_sq < 0.0 || !beta_sq.is_finite() {
                rhs.copy_from_slice(&x);
                return Err(if beta_sq.is_finite() { not_spd() } else { LinSolveError::NonFinite("operator application") });
            }
            beta = beta_sq.sqrt();
            tnorm2 += alfa * alfa + oldb * oldb + beta * beta;

            // Apply the previous Givens rotation, then compute and apply the new one (QR of the
            // tridiagonal Lanczos matrix).
            let oldeps = epsln;
            let delta = cs * dbar + sn * alfa;
            let gbar = sn * dbar - cs * alfa;
            epsln = sn * beta;
            dbar = -cs * beta;
            let gamma = gbar.hypot(beta).max(f64::EPSILON);
            cs = gbar / gamma;
            sn = beta / gamma;
            let phi = cs * phibar;
            phibar *= sn;

            // w_k = (v − ε w_{k−2} − δ w_{k−1}) / γ; x += φ w_k.
            std::mem::swap(&mut w1, &mut w2);
            std::mem::swap(&mut w2, &mut w);
            let inv_gamma = 1.0 / gamma;
            for i in 0..n {
                w[i] = (v[i] - oldeps * w1[i] - delta * w2[i]) * inv_gamma;
                x[i] += phi * w[i];
            }

            gmax = gmax.max(gamma);
            gmin = gmin.min(gamma);

            // φ̄ is the residual norm in the M⁻¹-norm; confirm with the true residual when small.
            // In finite precision the attainable residual is limited (≈ ε·κ(A) for MINRES,
            // Sleijpen, van der Vorst & Modersitzki 2000), so also stop when the Lanczos process is
            // exhausted (β ≈ 0) or when cond(A) ≥ 0.1/ε (Paige–Saunders' test 4): more iterations
            // cannot help.
            let anorm = tnorm2.sqrt();
            let converged_estimate = phibar / beta1 <= target_rel;
            let exhausted = beta <= f64::EPSILON * anorm;
            let ill_conditioned = gmax / gmin >= 0.1 / f64::EPSILON;
            if converged_estimate || exhausted || ill_conditioned {
                let true_rel = s.true_residual(op, &b, &x, bnorm);
                if true_rel <= target_rel.max(1e2 * f64::EPSILON) {
                    rhs.copy_from_slice(&x);
                    return Ok(SolveInfo { iterations, residual: Some(true_rel) });
                }
                // The estimate keeps shrinking past the attainable accuracy; a few more steps
                // sometimes close the gap, many never do.
                gap_iterations += usize::from(converged_estimate);
                if exhausted || ill_conditioned || gap_iterations > 10 {
                    break;
                }
            }
        }
        rhs.copy_from_slice(&x);
        Err(LinSolveError::NoConvergence { iterations, residual: s.true_residual(op, &b, &x, bnorm) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use ipax_core::{CscMatrix, CscRef, LinearOperatorExt, Triplets};

    /// Wraps an operator and hides everything but products (and optionally the diagonal), panicking
    /// if a solver asks for assembled entries.
    struct MatrixFree<'a> {
        inner: &'a dyn LinearOperator,
        with_diagonal: bool,
    }
    impl LinearOperator for MatrixFree<'_> {
        fn shape(&self) -> (usize, usize) {
            self.inner.shape()
        }
        fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
            self.inner.apply(alpha, x, beta, y)
        }
        fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
            self.inner.apply_transpose(alpha, x, beta, y)
        }
        fn diagonal(&self) -> Option<Vec<f64>> {
            if self.with_diagonal { self.inner.diagonal() } else { None }
        }
        fn triplets(&self) -> Option<Triplets> {
            panic!("Krylov solvers must stay matrix-free")
        }
        fn lower_triplets(&self) -> Option<Triplets> {
            panic!("Krylov solvers must stay matrix-free")
        }
        fn csc(&self) -> Option<CscRef<'_>> {
            panic!("Krylov solvers must stay matrix-free")
        }
    }

    fn solve(s: &mut dyn LinearSolver, a: &dyn LinearOperator, shift: f64) -> (f64, SolveInfo) {
        let n = a.shape().0;
        let b: Vec<f64> = (0..n).map(|i| 1.0 + (i % 5) as f64).collect();
        s.factor(a, &Regularization::shift(shift)).unwrap();
        let mut x = b.clone();
        let info = s.solve_in_place(a, &mut x).unwrap();
        (rel_residual(a, shift, &x, &b), info)
    }

    fn inverse_diagonal(a: &DenseOp) -> CscMatrix {
        let mut t = Triplets::new(a.n, a.n);
        for i in 0..a.n {
            t.push(i, i, 1.0 / a.get(i, i));
        }
        CscMatrix::from_triplets(&t, ipax_core::CscStorage::SymmetricLower)
    }

    /// IC(0) on an assembled 2-D Laplacian (plus a varying diagonal): same solution as Jacobi in
    /// far fewer iterations; on an operator without entries it falls back to Jacobi.
    #[test]
    fn cg_with_incomplete_cholesky() {
        let k = 30;
        let n = k * k;
        let mut t = Triplets::new(n, n);
        for r in 0..k {
            for c in 0..k {
                let i = r * k + c;
                t.push(i, i, 4.0 + 1e-3 * (i % 7) as f64);
                if c + 1 < k {
                    t.push(i + 1, i, -1.0);
                }
                if r + 1 < k {
                    t.push(i + k, i, -1.0);
                }
            }
        }
        let a = CscMatrix::from_triplets(&t, ipax_core::CscStorage::SymmetricLower);
        let mut jac = Cg::new(KrylovParams::default(), Preconditioner::Jacobi);
        let (res_j, info_j) = solve(&mut jac, &a, 0.0);
        let mut ic = Cg::new(KrylovParams::default(), Preconditioner::IncompleteCholesky);
        let (res_ic, info_ic) = solve(&mut ic, &a, 0.0);
        assert!(ic.uses_incomplete_cholesky() && !jac.uses_incomplete_cholesky());
        assert!(res_j <= 1e-10 && res_ic <= 1e-10, "{res_j:e} {res_ic:e}");
        assert!(2 * info_ic.iterations < info_j.iterations, "IC {} vs Jacobi {}", info_ic.iterations, info_j.iterations);
        // With a shift the factor is of A + shift·I.
        let (res_s, _) = solve(&mut ic, &a, 0.5);
        assert!(res_s <= 1e-10);
        // No entries: Jacobi from the diagonal.
        struct DiagOnly<'a>(&'a DenseOp);
        impl LinearOperator for DiagOnly<'_> {
            fn shape(&self) -> (usize, usize) {
                self.0.shape()
            }
            fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
                self.0.apply(alpha, x, beta, y)
            }
            fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
                self.0.apply_transpose(alpha, x, beta, y)
            }
            fn diagonal(&self) -> Option<Vec<f64>> {
                self.0.diagonal()
            }
        }
        let dense = random_spd(20, 5);
        let mf = DiagOnly(&dense);
        let mut cg = Cg::new(KrylovParams::default(), Preconditioner::IncompleteCholesky);
        let (res, _) = solve(&mut cg, &mf, 0.0);
        assert!(res <= 1e-10 && cg.is_preconditioned() && !cg.uses_incomplete_cholesky());
    }

    /// 5-point Laplacian on a k×k grid plus a diagonal varying over many orders of magnitude
    /// (a barrier term: large near "active" rows, tiny elsewhere), lower triangle.
    fn barrier_grid(k: usize) -> CscMatrix {
        let n = k * k;
        let mut t = Triplets::new(n, n);
        for r in 0..k {
            for c in 0..k {
                let i = r * k + c;
                // Σ from 1e-6 in the interior to 1e6 on a band of rows near one edge.
                let sigma = if r < k / 8 { 1e6 / (1.0 + (c % 4) as f64) } else { 1e-6 * (1.0 + (i % 7) as f64) };
                t.push(i, i, 4.0 + sigma);
                if c + 1 < k {
                    t.push(i + 1, i, -1.0);
                }
                if r + 1 < k {
                    t.push(i + k, i, -1.0);
                }
            }
        }
        CscMatrix::from_triplets(&t, ipax_core::CscStorage::SymmetricLower)
    }

    /// AMG on grid problems: converges to 1e-10 in far fewer iterations than IC(0), with an
    /// iteration count nearly independent of the grid size (IC(0) needs O(√n)).
    #[test]
    fn cg_with_amg_is_nearly_grid_independent() {
        let mut counts = Vec::new();
        for k in [32, 64, 128] {
            let a = barrier_grid(k);
            let mut amg = Cg::new(KrylovParams::default(), Preconditioner::Amg);
            let (res, info) = solve(&mut amg, &a, 0.0);
            assert!(amg.uses_amg() && amg.is_preconditioned());
            assert!(res <= 1e-10, "k = {k}: residual {res:e}");
            counts.push(info.iterations);
            if k == 64 {
                let mut ic = Cg::new(KrylovParams::default(), Preconditioner::IncompleteCholesky);
                let (res_ic, info_ic) = solve(&mut ic, &a, 0.0);
                assert!(res_ic <= 1e-10);
                assert!(info.iterations < 40 && 2 * info.iterations < info_ic.iterations, "AMG {} vs IC {}", info.iterations, info_ic.iterations);
            }
        }
        // Quadrupling n twice: IC(0) would roughly quadruple its count, AMG grows little.
        assert!(counts[2] <= counts[0] + counts[0] / 2 + 3, "AMG iterations {counts:?}");
        // A shift is included in the hierarchy.
        let a = barrier_grid(32);
        let mut amg = Cg::new(KrylovParams::default(), Preconditioner::Amg);
        let (res, _) = solve(&mut amg, &a, 0.5);
        assert!(res <= 1e-10);
        // Not positive definite on the diagonal: Jacobi's fallback (none), then CG reports the
        // negative curvature.
        let d = DenseOp::from_rows(&[&[-1.0, 0.0], &[0.0, 2.0]]);
        amg.factor(&d, &Regularization::none()).unwrap();
        assert!(!amg.uses_amg());
    }

    /// `a` with its diagonal entry `i` replaced by `diag(i, old)`.
    fn with_diagonal(a: &CscMatrix, mut diag: impl FnMut(usize, f64) -> f64) -> CscMatrix {
        let mut b = a.clone();
        for j in 0..b.ncols {
            for p in b.col_ptr[j]..b.col_ptr[j + 1] {
                if b.row_idx[p] == j {
                    b.values[p] = diag(j, b.values[p]);
                }
            }
        }
        b
    }

    /// Refactoring with new values on the same pattern updates the AMG hierarchy numerically;
    /// CG then converges in about as many iterations as with a fresh setup. A new pattern sets
    /// the hierarchy up again; NaN values are a typed error.
    #[test]
    fn cg_reuses_the_amg_setup_across_refactorizations() {
        let a = barrier_grid(64);
        let mut cg = Cg::new(KrylovParams::default(), Preconditioner::Amg);
        let (res, _) = solve(&mut cg, &a, 0.0);
        assert!(res <= 1e-10 && cg.amg_setups() == (1, 0));
        // Scaled and perturbed values: 1.7·S A S with a random diagonal S in [0.5, 1.5). A
        // symmetric diagonal scaling leaves the strength of connection (eq. (3.1) of Vaněk et
        // al.) unchanged, so a fresh setup picks the same aggregates and the update is kept.
        let mut rng = Lcg::new(11);
        let d: Vec<f64> = (0..a.ncols).map(|_| 1.0 + 0.5 * rng.next()).collect();
        let mut b = a.clone();
        for j in 0..b.ncols {
            for p in b.col_ptr[j]..b.col_ptr[j + 1] {
                b.values[p] *= 1.7 * d[b.row_idx[p]] * d[j];
            }
        }
        let (res, info) = solve(&mut cg, &b, 0.0);
        assert!(cg.uses_amg() && cg.amg_setups() == (1, 1), "{:?}", cg.amg_setups());
        let mut fresh = Cg::new(KrylovParams::default(), Preconditioner::Amg);
        let (res_fresh, info_fresh) = solve(&mut fresh, &b, 0.0);
        assert!(res <= 1e-10 && res_fresh <= 1e-10, "{res:e} {res_fresh:e}");
        assert!(
            info.iterations as f64 <= 1.5 * info_fresh.iterations as f64 + 2.0,
            "updated {} vs fresh {}",
            info.iterations,
            info_fresh.iterations
        );
        // A shift changes values only.
        let (res, _) = solve(&mut cg, &b, 0.25);
        assert!(res <= 1e-10 && cg.amg_setups() == (1, 2));
        // Another pattern: a full setup.
        let (res, _) = solve(&mut cg, &barrier_grid(48), 0.0);
        assert!(res <= 1e-10 && cg.amg_setups() == (2, 2), "{:?}", cg.amg_setups());
        // NaN values: a typed error, and the next factor starts afresh.
        let mut nan = b.clone();
        nan.values[10] = f64::NAN;
        solve(&mut cg, &barrier_grid(64), 0.0);
        assert!(matches!(cg.factor(&nan, &Regularization::none()), Err(LinSolveError::NonFinite(_))));
        assert!(!cg.uses_amg());
        let (res, _) = solve(&mut cg, &b, 0.0);
        assert!(res <= 1e-10 && cg.amg_setups().0 == 4);
        // MINRES shares the preconditioner and its reuse.
        let mut m = Minres::new(KrylovParams::default(), Preconditioner::Amg);
        let (r1, _) = solve(&mut m, &a, 0.0);
        let (r2, _) = solve(&mut m, &b, 0.0);
        assert!(r1 <= 1e-10 && r2 <= 1e-10 && m.amg_setups() == (1, 1));
    }

    /// The interior-point case: a random tenth of the diagonal grows by 1e6 per refactorization
    /// (Σ at bounds becoming active) while the rest shrinks; CG keeps converging (the policy
    /// rebuilds when the kept aggregates stop fitting), and the rebuilds are bounded by the
    /// periodic rule and the iteration-growth test.
    #[test]
    fn cg_with_amg_updates_survives_barrier_terms_changing_by_orders_of_magnitude() {
        let k = 64;
        let base = barrier_grid(k);
        let mut rng = Lcg::new(5);
        let active: Vec<bool> = (0..k * k).map(|_| rng.next() > 0.8).collect();
        let mut cg = Cg::new(KrylovParams::default(), Preconditioner::Amg);
        let mut fresh_iterations = Vec::new();
        let mut iterations = Vec::new();
        let rounds = 6;
        for round in 0..rounds {
            let scale = 1e6f64.powi(round as i32 / 2);
            let a = with_diagonal(&base, |i, d| if active[i] { d * scale } else { 4.0 + (d - 4.0) / scale });
            let (res, info) = solve(&mut cg, &a, 0.0);
            assert!(res <= 1e-10, "round {round}: residual {res:e}");
            iterations.push(info.iterations);
            let mut fresh = Cg::new(KrylovParams::default(), Preconditioner::Amg);
            let (res, info) = solve(&mut fresh, &a, 0.0);
            assert!(res <= 1e-10);
            fresh_iterations.push(info.iterations);
        }
        let (full, numeric) = cg.amg_setups();
        assert_eq!(full + numeric, rounds);
        assert!(numeric >= 1, "{:?}", cg.amg_setups());
        // A stale hierarchy may cost iterations until the growth test rebuilds it, never
        // a failure; on average the updates stay close to fresh setups.
        let (sum, sum_fresh): (usize, usize) = (iterations.iter().sum(), fresh_iterations.iter().sum());
        assert!(sum as f64 <= 1.5 * sum_fresh as f64 + 2.0 * rounds as f64, "{iterations:?} vs {fresh_iterations:?}");
    }

    #[test]
    fn cg_solves_spd_with_every_preconditioner() {
        let a = random_spd(40, 3);
        let op = MatrixFree { inner: &a, with_diagonal: true };
        let preconds: Vec<Preconditioner> =
            vec![Preconditioner::None, Preconditioner::Jacobi, Preconditioner::User(Box::new(inverse_diagonal(&a)))];
        for pc in preconds {
            let mut cg = Cg::new(KrylovParams::default(), pc);
            let (res, info) = solve(&mut cg, &op, 0.0);
            assert!(res <= 1e-10, "residual {res:e}");
            assert!(info.iterations > 0 && info.residual.unwrap() <= 1e-10);
        }
        let mut cg = Cg::default();
        cg.factor(&op, &Regularization::none()).unwrap();
        assert!(cg.is_preconditioned());
    }

    /// Ill-conditioned SPD systems: Hilbert(5) (κ ≈ 4.8e5) must reach 1e-10; on Hilbert(8)
    /// (κ ≈ 1.5e10) the attainable accuracy of a Krylov method is ≈ ε·κ, so the solver must either
    /// converge or stop early with an honest `NoConvergence` carrying the true residual.
    #[test]
    fn krylov_on_ill_conditioned_hilbert() {
        let params = KrylovParams { max_iter: Some(500), ..Default::default() };
        let solvers: [fn(KrylovParams) -> Box<dyn LinearSolver>; 2] =
            [|p| Box::new(Cg::new(p, Preconditioner::Jacobi)), |p| Box::new(Minres::new(p, Preconditioner::Jacobi))];
        for make in solvers {
            let mut s = make(params);
            let (res, _) = solve(&mut *s, &hilbert(5), 0.0);
            assert!(res <= 1e-10, "{}: residual {res:e}", s.name());
            let h = hilbert(8);
            s.factor(&h, &Regularization::none()).unwrap();
            let b = h.matvec(&ones(8));
            let mut x = b.clone();
            match s.solve_in_place(&h, &mut x) {
                Ok(info) => assert!(info.residual.unwrap() <= 1e-10 && rel_residual(&h, 0.0, &x, &b) <= 1e-10),
                Err(LinSolveError::NoConvergence { iterations, residual } | LinSolveError::AccuracyLimit { iterations, residual }) => {
                    assert!(iterations < 500, "{}: should stop at stagnation", s.name());
                    assert!(residual < 1e-5, "{}: residual {residual:e}", s.name());
                    assert!((rel_residual(&h, 0.0, &x, &b) - residual).abs() <= 1e-3 * residual);
                }
                Err(e) => panic!("{}: unexpected {e:?}", s.name()),
            }
        }
    }

    #[test]
    fn cg_reports_negative_curvature_on_indefinite_matrix() {
        let k = kkt(8, 3, 1e-8, 2);
        // The diagonal has −δ entries: Jacobi falls back to no preconditioning.
        let mut cg = Cg::default();
        cg.factor(&k, &Regularization::none()).unwrap();
        assert!(!cg.is_preconditioned());
        let mut x = vec![1.0; 11];
        match cg.solve_in_place(&k, &mut x) {
            Err(LinSolveError::NegativeCurvature { curvature, .. }) => {
                assert!(curvature <= 0.0);
                // The Rayleigh quotient cannot be below the smallest eigenvalue.
                let d = k.to_dense();
                let m = faer::Mat::from_fn(11, 11, |i, j| d[i + j * 11]);
                let lmin = m.self_adjoint_eigenvalues(faer::Side::Lower).unwrap()[0];
                assert!(curvature >= lmin - 1e-10);
            }
            other => panic!("expected negative curvature, got {other:?}"),
        }
        // Diagonal indefinite: the first direction already has pᵀAp < 0.
        let d = DenseOp::from_rows(&[&[-1.0, 0.0], &[0.0, 2.0]]);
        let mut x = vec![1.0, 0.0];
        cg.factor(&d, &Regularization::none()).unwrap();
        assert!(matches!(cg.solve_in_place(&d, &mut x), Err(LinSolveError::NegativeCurvature { iterations: 0, curvature }) if curvature == -1.0));
        // A shift makes it SPD.
        let (res, _) = solve(&mut cg, &d, 3.0);
        assert!(res <= 1e-12);
    }

    #[test]
    fn cg_reports_no_convergence_with_data() {
        let a = random_spd(30, 4);
        let mut cg = Cg::new(KrylovParams { max_iter: Some(2), ..Default::default() }, Preconditioner::None);
        cg.factor(&a, &Regularization::none()).unwrap();
        let mut x = vec![1.0; 30];
        match cg.solve_in_place(&a, &mut x) {
            Err(LinSolveError::NoConvergence { iterations, residual }) => {
                assert_eq!(iterations, 2);
                assert!(residual > 1e-10 && residual < 1.0);
            }
            other => panic!("expected NoConvergence, got {other:?}"),
        }
    }

    #[test]
    fn the_default_cap_grows_like_the_square_root_of_n() {
        assert_eq!(KrylovParams::default_cap(1), 50);
        assert_eq!(KrylovParams::default_cap(30), 300);
        assert_eq!(KrylovParams::default_cap(100), 1000);
        assert_eq!(KrylovParams::default_cap(10_000), 10_000);
        assert_eq!(KrylovParams::default_cap(1_000_000), 100_000);
        assert_eq!(KrylovParams::default_cap(10_000_000), 316_300);
    }

    /// CG on the 1-D Laplacian with `b = e₁`: the k-th iterate lives on the first k entries and
    /// its residual is `e_{k+1}/(k+1)`, so no solve can converge before n iterations. With the
    /// default cap (100·⌈√n⌉ = 10 100 < n here; it was 10·n) CG stops at the cap and says so,
    /// with its true residual.
    #[test]
    fn cg_stops_at_the_default_cap_with_an_honest_status() {
        let n = 10_201;
        let mut t = Triplets::new(n, n);
        for i in 0..n {
            t.push(i, i, 2.0);
            if i > 0 {
                t.push(i, i - 1, -1.0);
            }
        }
        let a = CscMatrix::from_triplets(&t, CscStorage::SymmetricLower);
        let mut cg = Cg::new(KrylovParams::default(), Preconditioner::None);
        cg.factor(&a, &Regularization::none()).unwrap();
        let mut x = vec![0.0; n];
        x[0] = 1.0;
        match cg.solve_in_place(&a, &mut x) {
            Err(LinSolveError::NoConvergence { iterations, residual }) => {
                assert_eq!(iterations, KrylovParams::default_cap(n));
                assert!(iterations < n);
                let expected = 1.0 / (iterations + 1) as f64;
                assert!((residual / expected - 1.0).abs() < 1e-3, "true residual {residual:e}, expected {expected:e}");
            }
            other => panic!("expected NoConvergence at the cap, got {other:?}"),
        }
    }

    #[test]
    fn minres_solves_indefinite_kkt() {
        let k = kkt(12, 5, 1e-8, 6);
        let op = MatrixFree { inner: &k, with_diagonal: true };
        for pc in [Preconditioner::None, Preconditioner::Jacobi] {
            let mut m = Minres::new(KrylovParams { max_iter: Some(2000), ..Default::default() }, pc);
            let (res, info) = solve(&mut m, &op, 0.0);
            assert!(res <= 1e-10, "residual {res:e} {info:?}");
        }
        // Jacobi on |diag| is active here (no zero diagonal entries).
        let mut m = Minres::default();
        m.factor(&op, &Regularization::none()).unwrap();
        assert!(m.is_preconditioned());
        // Matrix-free without a diagonal: falls back to no preconditioner.
        let bare = MatrixFree { inner: &k, with_diagonal: false };
        m.factor(&bare, &Regularization::none()).unwrap();
        assert!(!m.is_preconditioned());
    }

    #[test]
    fn minres_handles_spd_and_singular_systems() {
        let mut m = Minres::new(KrylovParams { max_iter: Some(2000), ..Default::default() }, Preconditioner::Jacobi);
        let (res, _) = solve(&mut m, &random_spd(30, 8), 0.0);
        assert!(res <= 1e-10, "residual {res:e}");
        // Singular but consistent: b in the range of A.
        let s = DenseOp::from_rows(&[&[1.0, 0.0, 0.0], &[0.0, -2.0, 0.0], &[0.0, 0.0, 0.0]]);
        m.factor(&s, &Regularization::none()).unwrap();
        let mut x = vec![1.0, 1.0, 0.0];
        m.solve_in_place(&s, &mut x).unwrap();
        assert!((x[0] - 1.0).abs() < 1e-12 && (x[1] + 0.5).abs() < 1e-12 && x[2] == 0.0);
        // Inconsistent: the least-squares residual stays, reported with data.
        let mut y = vec![1.0, 1.0, 1.0];
        match m.solve_in_place(&s, &mut y) {
            // MINRES is not a least-squares solver on singular inconsistent systems (MINRES-QLP
            // is); it must stop and report a residual no better than the least-squares one.
            Err(LinSolveError::NoConvergence { residual, iterations }) => {
                assert!(residual >= 1.0 / 3f64.sqrt() - 1e-12 && residual < 1.0, "{residual}");
                assert!(iterations <= 10);
            }
            other => panic!("expected NoConvergence, got {other:?}"),
        }
    }

    #[test]
    fn krylov_typed_errors() {
        let a = random_spd(4, 1);
        let solvers: Vec<Box<dyn LinearSolver>> = vec![Box::new(Cg::default()), Box::new(Minres::default())];
        for mut s in solvers {
            let mut x = vec![1.0; 4];
            assert_eq!(s.solve_in_place(&a, &mut x), Err(LinSolveError::NotFactored));
            let rect = DenseOp::new(2, 3, vec![0.0; 6]);
            assert!(matches!(s.factor(&rect, &Regularization::none()), Err(LinSolveError::DimensionMismatch { .. })));
            s.factor(&a, &Regularization::none()).unwrap();
            let mut short = vec![1.0; 3];
            assert!(matches!(s.solve_in_place(&a, &mut short), Err(LinSolveError::DimensionMismatch { .. })));
            let mut nan = vec![1.0, f64::NAN, 0.0, 0.0];
            assert_eq!(s.solve_in_place(&a, &mut nan), Err(LinSolveError::NonFinite("right-hand side")));
            let mut zero = vec![0.0; 4];
            assert_eq!(s.solve_in_place(&a, &mut zero).unwrap().iterations, 0);
            assert_eq!(zero, vec![0.0; 4]);
            assert_eq!(s.factor(&a, &Regularization::shift(f64::INFINITY)), Err(LinSolveError::NonFinite("regularization shift")));
        }
        // A matrix with a NaN entry shows up through its products.
        let mut nan_op = random_spd(4, 2);
        nan_op.a[5] = f64::NAN;
        let solvers: Vec<Box<dyn LinearSolver>> = vec![Box::new(Cg::default()), Box::new(Minres::default())];
        for mut s in solvers {
            s.factor(&nan_op, &Regularization::none()).unwrap();
            let mut x = vec![1.0; 4];
            assert_eq!(s.solve_in_place(&nan_op, &mut x), Err(LinSolveError::NonFinite("operator application")), "{}", s.name());
        }
        // A user preconditioner of the wrong size.
        let mut cg = Cg::new(KrylovParams::default(), Preconditioner::User(Box::new(random_spd(3, 1))));
        assert!(matches!(cg.factor(&a, &Regularization::none()), Err(LinSolveError::DimensionMismatch { .. })));
        // An indefinite user preconditioner is detected, not silently used.
        let neg = DenseOp::from_rows(&[&[-1.0, 0.0, 0.0, 0.0], &[0.0, -1.0, 0.0, 0.0], &[0.0, 0.0, -1.0, 0.0], &[0.0, 0.0, 0.0, -1.0]]);
        let mut m = Minres::new(KrylovParams::default(), Preconditioner::User(Box::new(neg)));
        m.factor(&a, &Regularization::none()).unwrap();
        let mut x = vec![1.0; 4];
        assert!(matches!(m.solve_in_place(&a, &mut x), Err(LinSolveError::Unsupported(_))));
        let _ = a.matvec(&x);
    }
}
