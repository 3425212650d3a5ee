//! What the auxiliary-equality pass found and did.

use std::fmt;
use std::time::Duration;

use super::BlockClass;

/// Counts per coupling class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClassCounts {
    /// [`BlockClass::PureEquality`].
    pub pure: usize,
    /// [`BlockClass::ObjectiveCoupled`].
    pub objective: usize,
    /// [`BlockClass::InequalityCoupled`].
    pub inequality: usize,
    /// [`BlockClass::ObjectiveAndInequalityCoupled`].
    pub both: usize,
}

impl ClassCounts {
    pub(crate) fn add(&mut self, class: BlockClass) {
        match class {
            BlockClass::PureEquality => self.pure += 1,
            BlockClass::ObjectiveCoupled => self.objective += 1,
            BlockClass::InequalityCoupled => self.inequality += 1,
            BlockClass::ObjectiveAndInequalityCoupled => self.both += 1,
        }
    }
    pub(crate) fn remove(&mut self, class: BlockClass) {
        let c = match class {
            BlockClass::PureEquality => &mut self.pure,
            BlockClass::ObjectiveCoupled => &mut self.objective,
            BlockClass::InequalityCoupled => &mut self.inequality,
            BlockClass::ObjectiveAndInequalityCoupled => &mut self.both,
        };
        *c = c.saturating_sub(1);
    }
    /// Sum over the classes.
    pub fn total(&self) -> usize {
        self.pure + self.objective + self.inequality + self.both
    }
}

/// Wall time of each stage of the pass.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimes {
    /// Evaluations at the start point and the bipartite incidence graph of the equality rows.
    pub incidence: Duration,
    /// Hopcroft–Karp matching.
    pub matching: Duration,
    /// Dulmage–Mendelsohn partition.
    pub dm: Duration,
    /// Connected components of the square part.
    pub components: Duration,
    /// Tarjan block triangular form of each component.
    pub btf: Duration,
    /// Newton solves of the blocks.
    pub block_solve: Duration,
    /// The final full-space residual check.
    pub residual_check: Duration,
}

impl StageTimes {
    /// Sum of the stages.
    pub fn total(&self) -> Duration {
        self.incidence + self.matching + self.dm + self.components + self.btf + self.block_solve + self.residual_check
    }
}

/// Why candidate blocks were not eliminated (counts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RejectionCounts {
    /// The coupling policy keeps this class.
    pub policy: usize,
    /// Its rows need a variable that stays in the problem (an earlier kept block's, or an
    /// over-determined part's).
    pub depends_on_kept: usize,
    /// Newton did not converge, or the block Jacobian was numerically singular.
    pub newton_failed: usize,
    /// The solution lies outside a variable bound.
    pub out_of_bounds: usize,
    /// Larger than the dense-block limit.
    pub too_large: usize,
}

/// Diagnostics of one auxiliary-equality pass (POUNCE's `AuxiliaryPreprocessingDiagnostics`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuxiliaryDiagnostics {
    /// Equality rows considered.
    pub equality_rows: usize,
    /// Size of the structural matching of equality rows to variables.
    pub matching_size: usize,
    /// Rows/columns of the Dulmage–Mendelsohn parts: (under, square, over) as (rows, cols).
    pub dm_sizes: [(usize, usize); 3],
    /// Connected components of the square part.
    pub components: usize,
    /// Candidate blocks (BTF blocks of the square part).
    pub candidate_blocks: usize,
    /// Blocks eliminated.
    pub eliminated_blocks: usize,
    /// Variables fixed (`x_l = x_u = value`).
    pub fixed_variables: usize,
    /// Rows dropped.
    pub dropped_rows: usize,
    /// Largest dimension among the candidate blocks.
    pub max_block_dim: usize,
    /// Largest scaled residual `|c_i − c_L,i| / max(1, |c_L,i|)` over the dropped rows, from the
    /// full-space check.
    pub max_residual: f64,
    /// Candidates per coupling class.
    pub candidates: ClassCounts,
    /// Eliminated blocks per coupling class.
    pub accepted: ClassCounts,
    /// Why the other candidates stayed.
    pub rejected: RejectionCounts,
    /// Newton iterations of the blocks the linearized sweeps did not solve.
    pub newton_iterations: usize,
    /// Linearized forward-substitution sweeps (one, plus one after each block that needed Newton).
    pub sweeps: usize,
    /// Time per stage.
    pub stage_times: StageTimes,
    /// Why the pass did not run at all (matrix-free Jacobian, evaluation failure, …).
    pub skipped: Option<String>,
    /// The full-space residual check failed and every elimination was undone.
    pub rolled_back: bool,
    /// Eliminated blocks undone afterwards because bound tightening found their values
    /// infeasible with the kept rows ([`super::AuxiliaryPresolve::roll_back`]).
    pub rolled_back_blocks: usize,
}

impl AuxiliaryDiagnostics {
    /// The reference's one-line summary.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "auxiliary-preprocessing: {} of {} candidate block(s) eliminated, fixing {} variable(s) and dropping {} row(s) in {} ms",
            self.eliminated_blocks,
            self.candidate_blocks,
            self.fixed_variables,
            self.dropped_rows,
            self.stage_times.total().as_millis()
        );
        if let Some(why) = &self.skipped {
            s.push_str(&format!(" (skipped: {why})"));
        }
        if self.rolled_back {
            s.push_str(" (rolled back: full-space residual check failed)");
        }
        if self.rolled_back_blocks > 0 {
            s.push_str(&format!(" ({} block(s) rolled back: bound tightening found their values infeasible)", self.rolled_back_blocks));
        }
        s
    }
}

impl fmt::Display for AuxiliaryDiagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary())?;
        writeln!(f, "max block dim: {}, max residual: {:.3e}", self.max_block_dim, self.max_residual)?;
        let c = &self.candidates;
        write!(f, "coupling: pure={}, obj={}, ineq={}, both={}", c.pure, c.objective, c.inequality, c.both)
    }
}
