//! Observers: everything that watches or steers a solve (the iteration log, user callbacks, the
//! debugger).
//!
//! The driver fires named [`Checkpoint`]s. With no observer installed the cost is one branch.
//! With one, the observer gets an [`IterationView`]: a handle on the solver's state that computes
//! nothing until asked (the iteration log reads a few scalars at `after_step` and nothing at the
//! other checkpoints) and that can steer the solve — set μ, replace a block of the primal-dual
//! iterate or one entry of it, take and restore [`Snapshot`]s.

use std::cell::OnceCell;

use ipax_core::{FactorExport, Triplets};

use crate::result::SolveStatus;

/// Where in the algorithm the solve is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Checkpoint {
    /// Start of an iteration, after the convergence test.
    IterStart,
    /// The barrier parameter μ has been updated.
    AfterMu,
    /// The search direction has been computed (the `d`-blocks are the new direction).
    AfterSearchDir,
    /// A step was accepted (also fired once for iteration 0, before the first step).
    AfterStep,
    /// A line-search trial point was rejected.
    StepRejected,
    /// The feasibility restoration phase is about to start.
    PreRestorationEntry,
    /// The restoration phase returned a point to the outer iteration.
    PostRestorationExit,
    /// The solve has ended (fired exactly once; actions are ignored).
    Terminated,
}

impl Checkpoint {
    /// Every checkpoint, in the order an iteration meets them.
    pub const ALL: [Checkpoint; 8] = [
        Checkpoint::IterStart,
        Checkpoint::AfterMu,
        Checkpoint::AfterSearchDir,
        Checkpoint::AfterStep,
        Checkpoint::StepRejected,
        Checkpoint::PreRestorationEntry,
        Checkpoint::PostRestorationExit,
        Checkpoint::Terminated,
    ];

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

    /// The checkpoint called `name` (its snake_case name).
    pub fn from_name(name: &str) -> Option<Checkpoint> {
        Checkpoint::ALL.into_iter().find(|c| c.name() == name)
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
    /// The factorization had too many negative eigenvalues and the step was kept because its
    /// own curvature passed the inertia-free test (`neg_curv_test_tol`).
    pub curvature_test: bool,
    /// Factorizations of this iteration rejected as singular (answered by δ_c once, then δ_w).
    pub singular_trials: usize,
    /// Factorizations of this iteration rejected for the wrong inertia or a failed solve
    /// (answered by a larger δ_w).
    pub wrong_inertia_trials: usize,
}

/// What the last step did (the columns of the iteration table).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StepInfo {
    pub alpha_primal: f64,
    pub alpha_dual: f64,
    /// ‖α d_x‖∞ of the last accepted step.
    pub step_norm: f64,
    /// δ_w of the last search direction.
    pub regularization: f64,
    pub line_search_trials: usize,
    pub kkt: KktInfo,
    /// One-letter annotation (Ipopt's `f`/`h`/`r`/`w`…).
    pub tag: &'static str,
}

/// A named block of the primal-dual iterate or of the last search direction, in the solver's
/// space: scaled, fixed variables removed, rows split into equalities `c(x) = b` (multipliers
/// `y_c`) and inequalities `d(x) − s = 0`, `d_L ≤ s ≤ d_U` (slacks `s`, multipliers `y_d`,
/// slack-bound multipliers `v_l`, `v_u`). `z_l`, `z_u` have one entry per solver variable (0 where
/// the variable has no such bound); `v_l`, `v_u` one per inequality row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Block {
    X,
    S,
    YC,
    YD,
    ZL,
    ZU,
    VL,
    VU,
    DX,
    DS,
    DYC,
    DYD,
    DZL,
    DZU,
    DVL,
    DVU,
}

impl Block {
    /// Every block: the iterate's, then the direction's.
    pub const ALL: [Block; 16] = [
        Block::X,
        Block::S,
        Block::YC,
        Block::YD,
        Block::ZL,
        Block::ZU,
        Block::VL,
        Block::VU,
        Block::DX,
        Block::DS,
        Block::DYC,
        Block::DYD,
        Block::DZL,
        Block::DZU,
        Block::DVL,
        Block::DVU,
    ];

    /// The name users type: `x`, `s`, `y_c`, `y_d`, `z_l`, `z_u`, `v_l`, `v_u`, and `d` + that.
    pub fn name(self) -> &'static str {
        match self {
            Block::X => "x",
            Block::S => "s",
            Block::YC => "y_c",
            Block::YD => "y_d",
            Block::ZL => "z_l",
            Block::ZU => "z_u",
            Block::VL => "v_l",
            Block::VU => "v_u",
            Block::DX => "dx",
            Block::DS => "ds",
            Block::DYC => "dy_c",
            Block::DYD => "dy_d",
            Block::DZL => "dz_l",
            Block::DZU => "dz_u",
            Block::DVL => "dv_l",
            Block::DVU => "dv_u",
        }
    }

    /// The block called `name`.
    pub fn from_name(name: &str) -> Option<Block> {
        Block::ALL.into_iter().find(|b| b.name() == name)
    }

    /// Whether this is a block of the search direction (read-only).
    pub fn is_step(self) -> bool {
        matches!(self, Block::DX | Block::DS | Block::DYC | Block::DYD | Block::DZL | Block::DZU | Block::DVL | Block::DVU)
    }

    /// The iterate block a direction block moves (`dx` → `x`); itself for iterate blocks.
    pub fn base(self) -> Block {
        match self {
            Block::DX => Block::X,
            Block::DS => Block::S,
            Block::DYC => Block::YC,
            Block::DYD => Block::YD,
            Block::DZL => Block::ZL,
            Block::DZU => Block::ZU,
            Block::DVL => Block::VL,
            Block::DVU => Block::VU,
            b => b,
        }
    }
}

/// Why a request to steer the solve was refused. The solve state is unchanged when one is returned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SteerError {
    #[error("{block} has {expected} entries, got {got}")]
    WrongLength { block: &'static str, expected: usize, got: usize },
    #[error("index {index} is out of range for {block} (length {len})")]
    IndexOutOfRange { block: &'static str, index: usize, len: usize },
    #[error("{block}[{index}] = {value} is not a finite number")]
    NotFinite { block: &'static str, index: usize, value: f64 },
    #[error("{block}[{index}] = {value} is not strictly inside its bounds [{lower}, {upper}]")]
    OutsideBounds { block: &'static str, index: usize, value: f64, lower: f64, upper: f64 },
    #[error("{block}[{index}] = {value}: a bound multiplier must be > 0 where the bound exists and 0 where it does not")]
    BadMultiplier { block: &'static str, index: usize, value: f64 },
    #[error("{block} is a block of the search direction and cannot be set")]
    ReadOnly { block: &'static str },
    #[error("no search direction has been computed yet")]
    NoDirection,
    #[error("mu must be a positive finite number, got {0}")]
    InvalidMu(f64),
    #[error("the snapshot was taken {taken}, the solve is {now}")]
    SnapshotMismatch { taken: &'static str, now: &'static str },
    #[error("the problem cannot be evaluated at the new point: {0}")]
    Evaluation(String),
    #[error("steering is not possible at the `terminated` checkpoint")]
    Terminated,
}

/// A saved primal-dual state: the iterate's blocks, μ and τ, the iteration counter and the
/// strategies' memory (filter, μ-update references), so that restoring it rewinds the solve.
#[derive(Clone)]
pub struct Snapshot {
    pub(crate) iteration: usize,
    pub(crate) mu: f64,
    pub(crate) in_restoration: bool,
    pub(crate) dims: (usize, usize),
    pub(crate) state: crate::iterate::SavedState,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot").field("iteration", &self.iteration).field("mu", &self.mu).field("in_restoration", &self.in_restoration).finish()
    }
}

impl Snapshot {
    /// The iteration it was taken at.
    pub fn iteration(&self) -> usize {
        self.iteration
    }
    /// μ when it was taken.
    pub fn mu(&self) -> f64 {
        self.mu
    }
    /// Whether it was taken inside the restoration phase.
    pub fn in_restoration(&self) -> bool {
        self.in_restoration
    }
}

/// Errors at the current iterate, as the iteration table reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ViewErrors {
    /// Unscaled objective f(x).
    pub objective: f64,
    /// ‖c(x) − b‖∞ in the scaled problem (Ipopt's `inf_pr`).
    pub constraint_violation: f64,
    /// ‖∇L‖∞ in the scaled problem (Ipopt's `inf_du`).
    pub dual_infeasibility: f64,
    /// Complementarity max |w·z − μ| (scaled).
    pub complementarity: f64,
    /// Ipopt's scaled overall error E_μ.
    pub overall: f64,
}

/// Where the solver's rows and columns come from: maps from the solver's split space back to the
/// user's indices (for labelling blocks with .col/.row names).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layout {
    /// The user's variable index of each solver variable (fixed variables are removed).
    pub variables: Vec<usize>,
    /// The user's row index of each equality row (`y_c`).
    pub equality_rows: Vec<usize>,
    /// The user's row index of each inequality row (`s`, `y_d`, `v_l`, `v_u`).
    pub inequality_rows: Vec<usize>,
    /// Number of user variables and rows.
    pub user_dims: (usize, usize),
}

/// The solver state behind an [`IterationView`] (implemented by the IPM driver).
pub(crate) trait ViewCore {
    fn iteration(&self) -> usize;
    fn in_restoration(&self) -> bool;
    fn mu(&self) -> f64;
    fn tau(&self) -> f64;
    fn status(&self) -> Option<SolveStatus>;
    fn step(&self) -> StepInfo;
    fn errors(&self) -> ViewErrors;
    /// x, y, z_l, z_u in the user's space (unscaled, full dimensions).
    fn user_x(&self) -> Vec<f64>;
    fn user_y(&self) -> Vec<f64>;
    fn user_z(&self, upper: bool) -> Vec<f64>;
    fn block(&self, b: Block) -> Result<Vec<f64>, SteerError>;
    fn set_block(&mut self, b: Block, values: &[f64]) -> Result<(), SteerError>;
    fn set_mu(&mut self, mu: f64) -> Result<(), SteerError>;
    fn snapshot(&self) -> Snapshot;
    fn restore(&mut self, s: &Snapshot) -> Result<(), SteerError>;
    fn kkt_matrix(&self) -> Option<Triplets>;
    fn jacobian(&self) -> Option<Triplets>;
    fn kkt_factors(&self) -> Option<FactorExport>;
    fn layout(&self) -> Layout;
}

/// The solver state at a checkpoint. Every accessor computes on demand (the error norms once per
/// view); nothing is copied for an observer that does not ask. The `set_*`/`restore` methods
/// change the solve: the driver re-evaluates what depends on the changed blocks and, where the
/// change invalidates work already done in this iteration (a direction computed for the old
/// point), redoes it.
pub struct IterationView<'v> {
    checkpoint: Checkpoint,
    core: &'v mut (dyn ViewCore + 'v),
    errors: OnceCell<ViewErrors>,
    steered: bool,
}

impl std::fmt::Debug for IterationView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IterationView").field("checkpoint", &self.checkpoint).field("iteration", &self.iteration()).finish()
    }
}

impl<'v> IterationView<'v> {
    pub(crate) fn new(checkpoint: Checkpoint, core: &'v mut (dyn ViewCore + 'v)) -> Self {
        IterationView { checkpoint, core, errors: OnceCell::new(), steered: false }
    }
    pub(crate) fn steered(&self) -> bool {
        self.steered
    }

    /// Where the solve is.
    pub fn checkpoint(&self) -> Checkpoint {
        self.checkpoint
    }
    /// Iteration counter (restoration iterations included, as Ipopt counts them).
    pub fn iteration(&self) -> usize {
        self.core.iteration()
    }
    /// Whether this is inside the feasibility restoration phase (then the blocks are those of the
    /// restoration problem over (x, p, n); [`x`](Self::x) is still the user's x).
    pub fn in_restoration(&self) -> bool {
        self.core.in_restoration()
    }
    /// The barrier parameter μ.
    pub fn mu(&self) -> f64 {
        self.core.mu()
    }
    /// The fraction-to-the-boundary parameter τ.
    pub fn tau(&self) -> f64 {
        self.core.tau()
    }
    /// The final status, at the `terminated` checkpoint.
    pub fn status(&self) -> Option<SolveStatus> {
        self.core.status()
    }
    /// The last step's statistics.
    pub fn step(&self) -> StepInfo {
        self.core.step()
    }
    /// The error norms at the current iterate (computed once per view, when first asked).
    pub fn errors(&self) -> ViewErrors {
        *self.errors.get_or_init(|| self.core.errors())
    }
    /// Unscaled objective.
    pub fn objective(&self) -> f64 {
        self.errors().objective
    }
    /// Scaled constraint violation ‖c − b‖∞ (`inf_pr`).
    pub fn constraint_violation(&self) -> f64 {
        self.errors().constraint_violation
    }
    /// Scaled dual infeasibility (`inf_du`).
    pub fn dual_infeasibility(&self) -> f64 {
        self.errors().dual_infeasibility
    }
    /// Complementarity (scaled).
    pub fn complementarity(&self) -> f64 {
        self.errors().complementarity
    }
    /// x in the user's space (unscaled, every variable, fixed ones included).
    pub fn x(&self) -> Vec<f64> {
        self.core.user_x()
    }
    /// Constraint multipliers in the user's space (one per row, Ipopt's sign convention).
    pub fn y(&self) -> Vec<f64> {
        self.core.user_y()
    }
    /// Lower-bound multipliers in the user's space.
    pub fn z_l(&self) -> Vec<f64> {
        self.core.user_z(false)
    }
    /// Upper-bound multipliers in the user's space.
    pub fn z_u(&self) -> Vec<f64> {
        self.core.user_z(true)
    }
    /// A block of the iterate or of the last direction, in the solver's space (see [`Block`]).
    pub fn block(&self, block: Block) -> Result<Vec<f64>, SteerError> {
        self.core.block(block)
    }
    /// The assembled KKT matrix of the last factorization (lower triangle, solver space: the
    /// first rows are x, then one per constraint row), when the route assembles it.
    pub fn kkt_matrix(&self) -> Option<Triplets> {
        self.core.kkt_matrix()
    }
    /// The linear solver's `L` and `D` of the last factorization (`Pᵀ K P = L D Lᵀ`), when the
    /// solver can give them (the dense LDLᵀ does; sparse and iterative solvers do not).
    pub fn kkt_factors(&self) -> Option<FactorExport> {
        self.core.kkt_factors()
    }
    /// The scaled Jacobian at the current point (all rows, user row order), when assembled.
    pub fn jacobian(&self) -> Option<Triplets> {
        self.core.jacobian()
    }
    /// The Jacobian rows of the equalities (`J_c`), renumbered 0.. in `layout().equality_rows` order.
    pub fn jacobian_c(&self) -> Option<Triplets> {
        let l = self.layout();
        self.jacobian().map(|j| select_rows(&j, &l.equality_rows))
    }
    /// The Jacobian rows of the inequalities (`J_d`), renumbered in `layout().inequality_rows` order.
    pub fn jacobian_d(&self) -> Option<Triplets> {
        let l = self.layout();
        self.jacobian().map(|j| select_rows(&j, &l.inequality_rows))
    }
    /// Maps from the solver's space back to the user's indices.
    pub fn layout(&self) -> Layout {
        self.core.layout()
    }

    /// Set the barrier parameter (it holds until the μ strategy next updates it).
    pub fn set_mu(&mut self, mu: f64) -> Result<(), SteerError> {
        self.guard()?;
        self.core.set_mu(mu)?;
        self.touched();
        Ok(())
    }
    /// Replace a block of the iterate. Primal values must lie strictly inside their bounds and
    /// bound multipliers be positive (0 where there is no bound); the point is re-evaluated.
    pub fn set_block(&mut self, block: Block, values: &[f64]) -> Result<(), SteerError> {
        self.guard()?;
        self.core.set_block(block, values)?;
        self.touched();
        Ok(())
    }
    /// Replace one entry of a block.
    pub fn set_entry(&mut self, block: Block, index: usize, value: f64) -> Result<(), SteerError> {
        let mut v = self.core.block(block)?;
        let len = v.len();
        let slot = v.get_mut(index).ok_or(SteerError::IndexOutOfRange { block: block.name(), index, len })?;
        *slot = value;
        self.set_block(block, &v)
    }
    /// Save the primal-dual state.
    pub fn snapshot(&self) -> Snapshot {
        self.core.snapshot()
    }
    /// Rewind to a saved state (taken in the same phase of this solve).
    pub fn restore(&mut self, snapshot: &Snapshot) -> Result<(), SteerError> {
        self.guard()?;
        self.core.restore(snapshot)?;
        self.touched();
        Ok(())
    }

    fn guard(&self) -> Result<(), SteerError> {
        if self.checkpoint == Checkpoint::Terminated { Err(SteerError::Terminated) } else { Ok(()) }
    }
    fn touched(&mut self) {
        self.steered = true;
        self.errors = OnceCell::new();
    }
}

fn select_rows(j: &Triplets, rows: &[usize]) -> Triplets {
    let mut pos = vec![usize::MAX; j.nrows];
    for (k, &r) in rows.iter().enumerate() {
        pos[r] = k;
    }
    let mut out = Triplets::new(rows.len(), j.ncols);
    for ((&r, &c), &v) in j.rows.iter().zip(&j.cols).zip(&j.vals) {
        if pos[r] != usize::MAX {
            out.push(pos[r], c, v);
        }
    }
    out
}

/// What an observer wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObserverAction {
    Continue,
    /// Stop the solve; the result reports `UserStop`.
    Stop,
}

/// Watches (and may steer) a solve.
pub trait Observer {
    /// Called at every checkpoint. Return `Stop` to end the solve.
    fn notify(&mut self, view: &mut IterationView<'_>) -> ObserverAction;
}

/// Read-only closures are observers.
impl<F: FnMut(&IterationView<'_>) -> ObserverAction> Observer for F {
    fn notify(&mut self, view: &mut IterationView<'_>) -> ObserverAction {
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
    /// Print the table line for `v` (whatever its checkpoint).
    pub fn write_line(&mut self, v: &IterationView<'_>) {
        if self.printed_header.is_multiple_of(10) {
            let _ = writeln!(self.out, "iter    objective    inf_pr   inf_du lg(mu)  ||d||  lg(rg) alpha_du alpha_pr  ls");
        }
        self.printed_header += 1;
        let lg = |v: f64| if v > 0.0 { format!("{:5.1}", v.log10()) } else { "    -".to_string() };
        let e = v.errors();
        let st = v.step();
        let _ = writeln!(
            self.out,
            "{:4}{} {:14.7e} {:8.2e} {:8.2e} {} {:8.2e} {} {:8.2e} {:8.2e}{:<1} {:2}",
            v.iteration(),
            if v.in_restoration() { "r" } else { " " },
            e.objective,
            e.constraint_violation,
            e.dual_infeasibility,
            lg(v.mu()),
            st.step_norm,
            if st.regularization > 0.0 { lg(st.regularization) } else { "   - ".to_string() },
            st.alpha_dual,
            st.alpha_primal,
            st.tag,
            st.line_search_trials
        );
        if self.kkt_details {
            let k = &st.kkt;
            let inertia = k.inertia.map_or("-".to_string(), |(p, n, z)| format!("({p},{n},{z})"));
            let _ = writeln!(
                self.out,
                "      kkt: delta_w {:.1e} delta_c {:.1e} factorizations {}{} inertia {}{} residual {:.1e} krylov {}",
                k.delta_w,
                k.delta_c,
                k.factorizations,
                rejected_trials(k),
                inertia,
                if k.curvature_test { " kept by the curvature test" } else { "" },
                k.residual,
                k.krylov_iterations
            );
        }
    }
}

/// " (2 singular, 3 wrong inertia)": why the rejected factorizations of an iteration were
/// rejected, empty when none was.
fn rejected_trials(k: &KktInfo) -> String {
    let mut parts = Vec::new();
    if k.singular_trials > 0 {
        parts.push(format!("{} singular", k.singular_trials));
    }
    if k.wrong_inertia_trials > 0 {
        parts.push(format!("{} wrong inertia", k.wrong_inertia_trials));
    }
    if parts.is_empty() { String::new() } else { format!(" ({})", parts.join(", ")) }
}

impl<W: std::io::Write> Observer for IterationLog<W> {
    fn notify(&mut self, v: &mut IterationView<'_>) -> ObserverAction {
        if v.checkpoint() == Checkpoint::AfterStep {
            self.write_line(v);
        }
        ObserverAction::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::{KktInfo, rejected_trials};

    #[test]
    fn the_kkt_line_says_why_factorizations_were_rejected() {
        assert_eq!(rejected_trials(&KktInfo::default()), "");
        let k = KktInfo { singular_trials: 2, ..Default::default() };
        assert_eq!(rejected_trials(&k), " (2 singular)");
        let k = KktInfo { singular_trials: 1, wrong_inertia_trials: 3, ..Default::default() };
        assert_eq!(rejected_trials(&k), " (1 singular, 3 wrong inertia)");
    }
}
