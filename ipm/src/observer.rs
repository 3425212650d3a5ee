//! Observers: everything that watches a solve (the iteration log, user callbacks, debuggers).
//!
//! The driver fires named [`Checkpoint`]s. With no observer installed the cost is one branch.

/// Where in the algorithm the solve is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Checkpoint {
    IterStart,
    AfterMu,
    AfterSearchDir,
    AfterStep,
    StepRejected,
    PreRestorationEntry,
    PostRestorationExit,
    Terminated,
}

impl Checkpoint {
    /// snake_case name, as used in logs and the debugger protocol.
    pub fn name(self) -> &'static str {
        match self {
            Checkpoint::IterStart => "iter_start",
            Checkpoint::AfterMu => "after_mu",
            Checkpoint::AfterSearchDir => "after_search_dir",
            Checkpoint::AfterStep => "after_step",
            Checkpoint::StepRejected => "step_rejected",
            Checkpoint::PreRestorationEntry => "pre_restoration_entry",
            Checkpoint::PostRestorationExit => "post_restoration_exit",
            Checkpoint::Terminated => "terminated",
        }
    }
}

/// KKT information at the current iteration.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct KktInfo {
    /// Hessian perturbation δ_w used for the accepted factorization.
    pub delta_w: f64,
    /// Constraint regularization δ_c.
    pub delta_c: f64,
    /// Inertia (positive, negative, zero) when the solver reports it.
    pub inertia: Option<(usize, usize, usize)>,
    /// Number of factorizations this iteration (inertia-correction trials).
    pub factorizations: usize,
    /// Relative residual of the KKT solve after refinement.
    pub residual: f64,
    /// Krylov iterations (0 for direct solvers).
    pub krylov_iterations: usize,
}

/// A read-only view of the solver state at a checkpoint (unscaled x and multipliers).
#[derive(Debug)]
pub struct IterationView<'a> {
    pub checkpoint: Checkpoint,
    pub iteration: usize,
    /// Whether this is inside the feasibility restoration phase.
    pub in_restoration: bool,
    pub x: &'a [f64],
    /// Constraint multipliers y.
    pub y: &'a [f64],
    pub z_l: &'a [f64],
    pub z_u: &'a [f64],
    /// Unscaled objective.
    pub objective: f64,
    /// Constraint violation θ (max-norm, unscaled).
    pub constraint_violation: f64,
    /// Dual infeasibility (max-norm, scaled).
    pub dual_infeasibility: f64,
    pub complementarity: f64,
    pub mu: f64,
    /// ‖d_x‖∞ of the last step.
    pub step_norm: f64,
    pub regularization: f64,
    pub alpha_primal: f64,
    pub alpha_dual: f64,
    pub line_search_trials: usize,
    pub kkt: KktInfo,
    /// One-letter annotations (Ipopt's `f`/`h`/`r`/`w`…).
    pub tag: &'a str,
}

/// What an observer wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObserverAction {
    Continue,
    /// Stop the solve; the result reports `UserStop`.
    Stop,
}

/// Watches a solve.
pub trait Observer {
    /// Called at every checkpoint. Return `Stop` to end the solve.
    fn notify(&mut self, view: &IterationView<'_>) -> ObserverAction;
}

impl<F: FnMut(&IterationView<'_>) -> ObserverAction> Observer for F {
    fn notify(&mut self, view: &IterationView<'_>) -> ObserverAction {
        self(view)
    }
}

/// Ipopt-style iteration table, printed at `after_step` (and iteration 0).
pub struct IterationLog<W: std::io::Write> {
    out: W,
    printed_header: usize,
    kkt_details: bool,
}

impl<W: std::io::Write> IterationLog<W> {
    /// A log writing to `out`.
    pub fn new(out: W) -> Self {
        IterationLog { out, printed_header: 0, kkt_details: false }
    }
    /// Also print each iteration's linear-algebra details (δ_c, factorizations, inertia, KKT
    /// residual after refinement, Krylov iterations): `print_level` ≥ 7.
    pub fn with_kkt_details(mut self, on: bool) -> Self {
        self.kkt_details = on;
        self
    }
}

impl<W: std::io::Write> Observer for IterationLog<W> {
    fn notify(&mut self, v: &IterationView<'_>) -> ObserverAction {
        if v.checkpoint != Checkpoint::AfterStep {
            return ObserverAction::Continue;
        }
        if self.printed_header.is_multiple_of(10) {
            let _ = writeln!(
                self.out,
                "iter    objective    inf_pr   inf_du lg(mu)  ||d||  lg(rg) alpha_du alpha_pr  ls"
            );
        }
        self.printed_header += 1;
        let lg = |v: f64| if v > 0.0 { format!("{:5.1}", v.log10()) } else { "    -".to_string() };
        let _ = writeln!(
            self.out,
            "{:4}{} {:14.7e} {:8.2e} {:8.2e} {} {:8.2e} {} {:8.2e} {:8.2e}{:<1} {:2}",
            v.iteration,
            if v.in_restoration { "r" } else { " " },
            v.objective,
            v.constraint_violation,
            v.dual_infeasibility,
            lg(v.mu),
            v.step_norm,
            if v.regularization > 0.0 { lg(v.regularization) } else { "   - ".to_string() },
            v.alpha_dual,
            v.alpha_primal,
            v.tag,
            v.line_search_trials
        );
        if self.kkt_details {
            let k = &v.kkt;
            let inertia = k.inertia.map_or("-".to_string(), |(p, n, z)| format!("({p},{n},{z})"));
            let _ = writeln!(
                self.out,
                "      kkt: delta_w {:.1e} delta_c {:.1e} factorizations {} inertia {} residual {:.1e} krylov {}",
                k.delta_w, k.delta_c, k.factorizations, inertia, k.residual, k.krylov_iterations
            );
        }
        ObserverAction::Continue
    }
}
