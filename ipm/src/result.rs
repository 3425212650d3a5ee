//! How a solve ended, and everything it produced.

use std::time::Duration;

/// Final status, reported exactly as the solve ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SolveStatus {
    /// The scaled NLP error is below `tol` (and the absolute tolerances hold).
    Optimal,
    /// Stopped at an acceptable point (`acceptable_*` tolerances held for `acceptable_iter` iterations).
    Acceptable,
    /// The restoration phase converged to a point of nonzero constraint violation: locally infeasible.
    Infeasible,
    /// The objective decreased without bound (or iterates diverged with f → −∞).
    Unbounded,
    /// The iterates diverged (‖x‖ beyond `diverging_iterates_tol`) without an unbounded objective.
    DivergingIterates,
    /// `max_iter` reached.
    MaxIterations,
    /// `max_wall_time` reached.
    MaxWallTime,
    /// The step became too small to make progress (search direction tiny but not converged).
    SearchDirectionTooSmall,
    /// The restoration phase failed to find a less infeasible point.
    RestorationFailed,
    /// A user callback failed at the starting point (or could not be recovered from).
    EvaluationError,
    /// The linear solver failed irrecoverably.
    LinearSolverFailure,
    /// An observer or callback asked to stop.
    UserStop,
    /// Problem data invalid (dimensions, bounds).
    InvalidProblem,
}

impl SolveStatus {
    /// Whether the point returned is a (locally) optimal solution.
    pub fn is_success(self) -> bool {
        matches!(self, SolveStatus::Optimal | SolveStatus::Acceptable)
    }
    /// Ipopt's `ApplicationReturnStatus` code for this status (what cyipopt reports as `status`).
    pub fn ipopt_code(self) -> i32 {
        match self {
            SolveStatus::Optimal => 0,
            SolveStatus::Acceptable => 1,
            SolveStatus::Infeasible => 2,
            SolveStatus::SearchDirectionTooSmall => 3,
            SolveStatus::DivergingIterates | SolveStatus::Unbounded => 4,
            SolveStatus::UserStop => 5,
            SolveStatus::MaxIterations => -1,
            SolveStatus::RestorationFailed => -2,
            SolveStatus::EvaluationError => -13,
            SolveStatus::MaxWallTime => -4,
            SolveStatus::LinearSolverFailure => -3,
            SolveStatus::InvalidProblem => -11,
        }
    }
    /// Human-readable message in Ipopt's style.
    pub fn message(self) -> &'static str {
        match self {
            SolveStatus::Optimal => "Optimal Solution Found.",
            SolveStatus::Acceptable => "Solved To Acceptable Level.",
            SolveStatus::Infeasible => "Converged to a point of local infeasibility. Problem may be infeasible.",
            SolveStatus::Unbounded => "Problem appears to be unbounded (objective decreases without bound).",
            SolveStatus::DivergingIterates => "Iterates diverging; problem might be unbounded.",
            SolveStatus::MaxIterations => "Maximum Number of Iterations Exceeded.",
            SolveStatus::MaxWallTime => "Maximum wall time exceeded.",
            SolveStatus::SearchDirectionTooSmall => "Search Direction is becoming Too Small.",
            SolveStatus::RestorationFailed => "Restoration Failed!",
            SolveStatus::EvaluationError => "Invalid number in NLP function or derivative detected.",
            SolveStatus::LinearSolverFailure => "Error in step computation (linear solver failed).",
            SolveStatus::UserStop => "Stopping optimization at current point as requested by user.",
            SolveStatus::InvalidProblem => "Invalid problem definition.",
        }
    }
}

impl std::fmt::Display for SolveStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

/// Evaluation counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvalCounts {
    pub objective: usize,
    pub gradient: usize,
    pub constraints: usize,
    pub jacobian: usize,
    pub hessian: usize,
}

/// Where the time went.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    pub total: Duration,
    /// Inside user callbacks (f, ∇f, c, J, H).
    pub function_evaluations: Duration,
    /// Inside KKT assembly, factorizations and solves.
    pub linear_algebra: Duration,
}

/// Final unscaled errors at the returned point.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FinalErrors {
    /// ‖∇L‖∞.
    pub dual_infeasibility: f64,
    /// Max violation of the user's original (unrelaxed, unscaled) bounds and constraints at the
    /// returned `x`, recomputed from the callbacks; Optimal implies it is ≤ `constr_viol_tol`,
    /// Acceptable ≤ `acceptable_constr_viol_tol`.
    pub constraint_violation: f64,
    /// Complementarity (with μ = 0).
    pub complementarity: f64,
    /// Ipopt's scaled overall NLP error.
    pub overall: f64,
}

/// Everything a solve returns. Multiplier signs follow Ipopt: `∇f + Jᵀy − z_L + z_U = 0`,
/// `z_L, z_U ≥ 0`.
#[derive(Debug, Clone)]
pub struct SolveResult {
    pub status: SolveStatus,
    pub x: Vec<f64>,
    pub objective: f64,
    /// c(x).
    pub constraints: Vec<f64>,
    /// Constraint multipliers y.
    pub constraint_multipliers: Vec<f64>,
    pub lower_bound_multipliers: Vec<f64>,
    pub upper_bound_multipliers: Vec<f64>,
    pub iterations: usize,
    pub evaluations: EvalCounts,
    pub timings: Timings,
    pub errors: FinalErrors,
    /// Human-readable detail (e.g. which route and solver were used).
    pub message: String,
    /// The factor of the final iteration's augmented KKT matrix, for sensitivity back-solves
    /// without a new factorization ([`HeldKkt`](crate::HeldKkt) says which matrix it is and how
    /// it relates to the KKT matrix at the solution). `None` unless `hold_kkt_factor = yes`, and
    /// then `None` where no such factor exists (condensed route, quasi-Newton Hessian, iterative
    /// solver, no Newton step, a later factorization). Clones share it.
    pub held_kkt: Option<std::sync::Arc<std::sync::Mutex<crate::HeldKkt>>>,
}
