//! Auxiliary-equality presolve: solve small self-contained equality blocks before the IPM.
//!
//! Process and energy models are full of definitions (`T_out = T_in + ΔT`, small square mass
//! balances). This pass finds them structurally, solves them, pins their variables and drops
//! their rows; after the solve, [`AuxiliaryPresolve::postsolve`] recovers the dropped rows'
//! multipliers so the caller gets a full-space KKT point. It follows POUNCE's description of its
//! auxiliary-equality preprocessing (a port of ripopt PR #32):
//!
//! 1. the bipartite graph of **equality rows** (`c_L = c_U`) × **variables** that are not fixed
//!    by their bounds, from the Jacobian pattern at the start point;
//! 2. a maximum matching (Hopcroft–Karp) and the Dulmage–Mendelsohn partition; only the
//!    **square** part is a candidate (the under-determined part has degrees of freedom, the
//!    over-determined part more equations than unknowns);
//! 3. connected components of the square part, and in each the **block triangular form**
//!    (Tarjan SCC), so blocks can be solved in order, each needing only earlier blocks;
//! 4. each block is **classified** by what its variables touch: an inequality row
//!    ([`BlockClass::InequalityCoupled`]), the objective gradient
//!    ([`BlockClass::ObjectiveCoupled`]), both, or neither ([`BlockClass::PureEquality`]);
//!    the [`CouplingPolicy`] decides which classes are eliminated — inequality-coupled blocks
//!    never are, since pinning their variables could cut off the inequality's feasible side;
//! 5. accepted blocks are solved by a dense **Newton** iteration on
//!    `c_B(x_B; x_fixed) = c_L,B` (the first step with the Jacobian fetched at the start point:
//!    a linear block is solved by that one step and confirmed by its residual; nonlinear blocks
//!    re-evaluate `c` and `J` through the problem's callbacks), then a value outside a variable
//!    bound rejects the block;
//! 6. a **full-space residual check** re-evaluates `c` at the final point; if a dropped row fails
//!    it, every elimination is undone (the pass becomes a no-op).
//!
//! **Postsolve.** The reduced problem keeps every variable (fixed ones get `x_l = x_u = value`)
//! and the kept rows. At its solution, stationarity `∇f + Jᵀy − z_L + z_U = 0` (Ipopt's sign
//! convention) holds for the free variables. For the fixed variables of block `B` (rows `R_B`,
//! columns `V_B`, `J_{R_B,V_B}` square and nonsingular) the bound multipliers are zero — the
//! values are interior to the original bounds or the variables would have been pinned by the
//! user — so `J_{R_B,V_B}ᵀ y_B = −(∇f_{V_B} + Σ_{i∉R_B} J_{i,V_B} y_i)`. `Jᵀ` is block *upper*
//! triangular in BTF order (a block's columns appear only in its own and later blocks' rows), so
//! the blocks are solved last to first, each by a dense LU.

#![allow(clippy::needless_range_loop)] // parallel index arrays (rows, bounds, flags)

mod dense;
mod diagnostics;
pub mod duplicates;
pub mod fbbt;
mod reduced;

use std::time::Instant;

use ipax_core::{EvalError, Problem};
use ipax_structure::{Pattern, block_triangular_form, connected_components, dulmage_mendelsohn, maximum_matching};
use thiserror::Error;

pub use diagnostics::{AuxiliaryDiagnostics, ClassCounts, RejectionCounts, StageTimes};
pub use reduced::ReducedProblem;

use dense::DenseLu;

/// Which coupling classes are eliminated (`presolve_auxiliary_coupling`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CouplingPolicy {
    /// Analyse and report, eliminate nothing.
    None,
    /// Only [`BlockClass::PureEquality`] blocks (the default).
    #[default]
    Safe,
    /// Pure-equality and [`BlockClass::ObjectiveCoupled`] blocks.
    Aggressive,
}

impl CouplingPolicy {
    /// Whether a block of `class` may be eliminated.
    pub fn allows(self, class: BlockClass) -> bool {
        match self {
            CouplingPolicy::None => false,
            CouplingPolicy::Safe => class == BlockClass::PureEquality,
            CouplingPolicy::Aggressive => matches!(class, BlockClass::PureEquality | BlockClass::ObjectiveCoupled),
        }
    }
}

/// How a candidate block is coupled to the rest of the problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockClass {
    /// Its variables appear only in equality rows.
    PureEquality,
    /// A variable has a nonzero objective gradient.
    ObjectiveCoupled,
    /// A variable appears in an inequality row.
    InequalityCoupled,
    /// Both.
    ObjectiveAndInequalityCoupled,
}

/// What happened to a candidate block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockOutcome {
    /// Solved, variables fixed, rows dropped.
    Eliminated,
    /// The coupling policy keeps its class.
    KeptByPolicy,
    /// Its rows need a variable that stays free.
    DependsOnKept,
    /// Newton failed or the block Jacobian was singular.
    NewtonFailed,
    /// The solution violates a variable bound.
    OutOfBounds,
    /// Larger than [`AuxiliaryOptions::max_block_dim`].
    TooLarge,
    /// Eliminated, then undone by [`AuxiliaryPresolve::roll_back`] (bound tightening found its
    /// values infeasible with the rest of the model).
    RolledBack,
}

/// One candidate block and its fate.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockReport {
    /// Its rows (`rows[k]` matched to `cols[k]`).
    pub rows: Vec<usize>,
    /// Its variables.
    pub cols: Vec<usize>,
    /// Coupling class.
    pub class: BlockClass,
    /// Outcome.
    pub outcome: BlockOutcome,
}

/// Settings of the pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AuxiliaryOptions {
    /// Coupling policy.
    pub policy: CouplingPolicy,
    /// A dropped row must satisfy `|c_i − c_L,i| ≤ tol·max(1, |c_L,i|)`.
    pub tol: f64,
    /// Newton iterations per block.
    pub max_newton_iter: usize,
    /// Largest block solved densely.
    pub max_block_dim: usize,
    /// Bounds at or beyond these are infinite (`nlp_lower_bound_inf` / `nlp_upper_bound_inf`).
    pub lower_bound_inf: f64,
    /// See `lower_bound_inf`.
    pub upper_bound_inf: f64,
}

impl Default for AuxiliaryOptions {
    fn default() -> Self {
        AuxiliaryOptions {
            policy: CouplingPolicy::Safe,
            tol: 1e-9,
            max_newton_iter: 30,
            max_block_dim: 400,
            lower_bound_inf: -1e19,
            upper_bound_inf: 1e19,
        }
    }
}

/// A presolve or postsolve failure.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum PresolveError {
    /// A callback failed where postsolve needed it.
    #[error("postsolve: {0}")]
    Eval(#[from] EvalError),
    /// A vector handed to postsolve has the wrong length.
    #[error("postsolve: {what} has length {got}, expected {expected}")]
    Length {
        /// Which vector.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Given length.
        got: usize,
    },
    /// The Jacobian has no entries to read (matrix-free), so multipliers cannot be recovered.
    #[error("postsolve: the Jacobian exposes no entries")]
    NoJacobianEntries,
    /// A block's Jacobian is singular at the returned point: its multipliers are not unique.
    #[error("postsolve: block with rows {rows:?} is singular at the solution")]
    SingularBlock {
        /// The block's rows.
        rows: Vec<usize>,
    },
}

/// The result of the pass: which rows are dropped, which variables fixed at which values, and
/// what is needed to map a reduced solution back.
#[derive(Debug, Clone)]
pub struct AuxiliaryPresolve {
    n: usize,
    m: usize,
    /// Rows the reduced problem keeps, ascending.
    kept_rows: Vec<usize>,
    /// Eliminated blocks in BTF (solve) order.
    blocks: Vec<(Vec<usize>, Vec<usize>)>,
    /// Value of each column fixed by the pass.
    fixed: Vec<Option<f64>>,
    x_l: Vec<f64>,
    x_u: Vec<f64>,
    x0: Vec<f64>,
    /// Every candidate block, in BTF order per component.
    pub reports: Vec<BlockReport>,
    /// Counts and timings.
    pub diagnostics: AuxiliaryDiagnostics,
}

/// A candidate block during the pass (`outcome` is `None` until decided).
struct Candidate {
    rows: Vec<usize>,
    cols: Vec<usize>,
    class: BlockClass,
    outcome: Option<BlockOutcome>,
}

/// Row-compressed Jacobian entries (`row → [(col, value)]`).
struct RowEntries {
    ptr: Vec<usize>,
    cols: Vec<usize>,
    vals: Vec<f64>,
}

impl RowEntries {
    fn from_problem(problem: &dyn Problem, x: &[f64]) -> Result<Option<RowEntries>, EvalError> {
        let m = problem.num_constraints();
        let jac = problem.jacobian(x)?;
        let Some(t) = jac.triplets() else { return Ok(None) };
        if t.out_of_range().is_some() || t.nrows != m || t.ncols != problem.num_variables() {
            return Ok(None);
        }
        let mut ptr = vec![0usize; m + 1];
        t.rows.iter().for_each(|&r| ptr[r + 1] += 1);
        for i in 0..m {
            ptr[i + 1] += ptr[i];
        }
        let mut fill = ptr.clone();
        let (mut cols, mut vals) = (vec![0; t.len()], vec![0.0; t.len()]);
        for k in 0..t.len() {
            let r = t.rows[k];
            cols[fill[r]] = t.cols[k];
            vals[fill[r]] = t.vals[k];
            fill[r] += 1;
        }
        Ok(Some(RowEntries { ptr, cols, vals }))
    }
    fn row(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        (self.ptr[i]..self.ptr[i + 1]).map(|k| (self.cols[k], self.vals[k]))
    }
}

/// Dense `|rows| × |cols|` submatrix (row-major); `col_local[j]` is `j`'s position in `cols`.
fn dense_block(j: &RowEntries, rows: &[usize], col_local: &[usize]) -> Vec<f64> {
    let k = rows.len();
    let mut a = vec![0.0; k * k];
    for (li, &i) in rows.iter().enumerate() {
        for (c, v) in j.row(i) {
            let lj = col_local[c];
            if lj != usize::MAX {
                a[li * k + lj] += v;
            }
        }
    }
    a
}

const NOT_LOCAL: usize = usize::MAX;

impl AuxiliaryPresolve {
    /// Run the pass on `problem` (see the module documentation). Never fails: when the pass
    /// cannot run (matrix-free Jacobian, an evaluation error at the start point, invalid bounds)
    /// the result is a no-op whose diagnostics say why.
    pub fn run(problem: &dyn Problem, opts: &AuxiliaryOptions) -> AuxiliaryPresolve {
        let (n, m) = (problem.num_variables(), problem.num_constraints());
        let (mut x_l, mut x_u) = (vec![0.0; n], vec![0.0; n]);
        problem.variable_bounds(&mut x_l, &mut x_u);
        let (mut c_l, mut c_u) = (vec![0.0; m], vec![0.0; m]);
        problem.constraint_bounds(&mut c_l, &mut c_u);
        let mut x0 = vec![0.0; n];
        problem.initial_point(&mut x0);
        let mut plan = AuxiliaryPresolve {
            n,
            m,
            kept_rows: (0..m).collect(),
            blocks: Vec::new(),
            fixed: vec![None; n],
            x_l: x_l.clone(),
            x_u: x_u.clone(),
            x0: x0.clone(),
            reports: Vec::new(),
            diagnostics: AuxiliaryDiagnostics::default(),
        };
        if let Err(why) = plan.analyse_and_solve(problem, opts, &c_l, &c_u) {
            plan.undo();
            plan.diagnostics.skipped = Some(why);
        }
        plan
    }

    fn undo(&mut self) {
        self.kept_rows = (0..self.m).collect();
        self.blocks.clear();
        self.fixed.iter_mut().for_each(|f| *f = None);
        self.diagnostics.eliminated_blocks = 0;
        self.diagnostics.fixed_variables = 0;
        self.diagnostics.dropped_rows = 0;
        self.diagnostics.accepted = ClassCounts::default();
        for r in &mut self.reports {
            if r.outcome == BlockOutcome::Eliminated {
                r.outcome = BlockOutcome::NewtonFailed;
            }
        }
    }

    /// The pass proper; `Err(reason)` means "do nothing".
    fn analyse_and_solve(&mut self, problem: &dyn Problem, opts: &AuxiliaryOptions, c_l: &[f64], c_u: &[f64]) -> Result<(), String> {
        let (n, m) = (self.n, self.m);
        let diag = &mut self.diagnostics;
        let t0 = Instant::now();
        let finite = |v: f64| v > opts.lower_bound_inf && v < opts.upper_bound_inf;
        for j in 0..n {
            if self.x_l[j].is_nan() || self.x_u[j].is_nan() || self.x_l[j] > self.x_u[j] || !self.x0[j].is_finite() {
                return Err(format!("invalid bounds or start of variable {j}"));
            }
        }
        let user_fixed: Vec<bool> = (0..n).map(|j| self.x_l[j] == self.x_u[j]).collect();
        // The start point, projected into the bounds (fixed variables at their value).
        let mut x: Vec<f64> = (0..n)
            .map(|j| if user_fixed[j] { self.x_l[j] } else { self.x0[j].max(self.x_l[j]).min(self.x_u[j]) })
            .collect();
        let is_eq: Vec<bool> = (0..m).map(|i| c_l[i] == c_u[i] && finite(c_l[i])).collect();
        diag.equality_rows = is_eq.iter().filter(|&&e| e).count();
        let jac0 = match RowEntries::from_problem(problem, &x) {
            Ok(Some(j)) => j,
            Ok(None) => return Err("the Jacobian exposes no entries (matrix-free)".into()),
            Err(e) => return Err(format!("Jacobian at the start point: {e}")),
        };
        // Objective coupling from the gradient at the start point and at a slightly moved point
        // (a structural nonzero can vanish at one point, e.g. (x − a)² at x = a).
        let mut g = vec![0.0; n];
        problem.gradient(&x, &mut g).map_err(|e| format!("gradient at the start point: {e}"))?;
        let mut in_objective: Vec<bool> = g.iter().map(|&v| v != 0.0).collect();
        let x_moved: Vec<f64> = (0..n).map(|j| x[j] + 1e-3 * (1.0 + x[j].abs()) * (1.0 + (j % 7) as f64 / 7.0)).collect();
        if problem.gradient(&x_moved, &mut g).is_ok() {
            in_objective.iter_mut().zip(&g).for_each(|(o, &v)| *o |= v != 0.0 && v.is_finite());
        }
        let mut in_inequality = vec![false; n];
        let (mut er, mut ec) = (Vec::new(), Vec::new());
        for i in 0..m {
            for (j, _) in jac0.row(i) {
                if !is_eq[i] {
                    in_inequality[j] = true;
                } else if !user_fixed[j] {
                    er.push(i);
                    ec.push(j);
                }
            }
        }
        let pattern = Pattern::from_coords(m, n, &er, &ec).map_err(|e| e.to_string())?;
        diag.stage_times.incidence = t0.elapsed();

        let t = Instant::now();
        let matching = maximum_matching(&pattern);
        diag.matching_size = matching.size;
        diag.stage_times.matching = t.elapsed();
        let t = Instant::now();
        let dm = dulmage_mendelsohn(&pattern, &matching);
        // Rows that are not equalities sit alone in the graph: unmatched, "over-determined"
        // singletons of no interest. Count only equality rows.
        let eq_count = |rows: &[usize]| rows.iter().filter(|&&i| is_eq[i]).count();
        diag.dm_sizes = [
            (eq_count(&dm.under.rows), dm.under.cols.len()),
            (dm.square.rows.len(), dm.square.cols.len()),
            (eq_count(&dm.over.rows), dm.over.cols.iter().filter(|&&j| !user_fixed[j]).count()),
        ];
        diag.stage_times.dm = t.elapsed();
        let t = Instant::now();
        let components = connected_components(&pattern, &dm.square.rows, &dm.square.cols);
        diag.components = components.len();
        diag.stage_times.components = t.elapsed();
        let t = Instant::now();
        let mut candidates = Vec::new();
        for comp in &components {
            candidates.extend(block_triangular_form(&pattern, &matching, &comp.rows).map_err(|e| e.to_string())?);
        }
        diag.stage_times.btf = t.elapsed();

        // Classify, then solve in BTF order.
        let t = Instant::now();
        let mut col_local = vec![NOT_LOCAL; n];
        let mut c = vec![0.0; m];
        let scaled_residual = |i: usize, ci: f64| (ci - c_l[i]).abs() / c_l[i].abs().max(1.0);
        let mut cands: Vec<Candidate> = Vec::with_capacity(candidates.len());
        for block in candidates {
            let k = block.rows.len();
            let obj = block.cols.iter().any(|&j| in_objective[j]);
            let ineq = block.cols.iter().any(|&j| in_inequality[j]);
            let class = match (obj, ineq) {
                (false, false) => BlockClass::PureEquality,
                (true, false) => BlockClass::ObjectiveCoupled,
                (false, true) => BlockClass::InequalityCoupled,
                (true, true) => BlockClass::ObjectiveAndInequalityCoupled,
            };
            diag.candidates.add(class);
            diag.candidate_blocks += 1;
            diag.max_block_dim = diag.max_block_dim.max(k);
            let early = if !opts.policy.allows(class) {
                Some(BlockOutcome::KeptByPolicy)
            } else if k > opts.max_block_dim {
                Some(BlockOutcome::TooLarge)
            } else {
                None
            };
            cands.push(Candidate { rows: block.rows, cols: block.cols, class, outcome: early });
        }
        // Sweeps: from the first undecided block on, one linearized forward substitution with the
        // start-point Jacobian (exact for linear blocks) and one evaluation of c confirm every
        // block it solved; the first block it did not solve (a nonlinear one) gets Newton through
        // the callbacks, and the next sweep starts after it. A model of linear definitions thus
        // costs two evaluations of c in all, not two per block.
        let mut pos = 0;
        while pos < cands.len() {
            diag.sweeps += 1;
            let base = x.clone();
            problem.constraints(&x, &mut c).map_err(|e| format!("constraints during presolve: {e}"))?;
            let mut delta = vec![0.0; n];
            for cand in &cands[pos..] {
                if cand.outcome.is_some() {
                    continue;
                }
                for (lj, &j) in cand.cols.iter().enumerate() {
                    col_local[j] = lj;
                }
                let mut r: Vec<f64> = cand
                    .rows
                    .iter()
                    .map(|&i| -(c[i] - c_l[i] + jac0.row(i).filter(|&(j, _)| col_local[j] == NOT_LOCAL).map(|(j, v)| v * delta[j]).sum::<f64>()))
                    .collect();
                if let Some(lu) = DenseLu::factor(dense_block(&jac0, &cand.rows, &col_local), cand.rows.len()) {
                    lu.solve(&mut r);
                    for (lj, &j) in cand.cols.iter().enumerate() {
                        delta[j] = r[lj];
                        x[j] = base[j] + r[lj];
                    }
                }
                for &j in &cand.cols {
                    col_local[j] = NOT_LOCAL;
                }
            }
            let evaluated = problem.constraints(&x, &mut c).is_ok();
            let mut next = cands.len();
            for b in pos..cands.len() {
                let cand = &cands[b];
                if cand.outcome.is_some() {
                    continue;
                }
                let depends = cand.rows.iter().any(|&i| {
                    jac0.row(i).any(|(j, _)| !cand.cols.contains(&j) && !user_fixed[j] && self.fixed[j].is_none())
                });
                let in_bounds = |x: &[f64]| cand.cols.iter().all(|&j| x[j] >= self.x_l[j] && x[j] <= self.x_u[j]);
                let outcome = if depends {
                    BlockOutcome::DependsOnKept
                } else if evaluated && cand.rows.iter().all(|&i| scaled_residual(i, c[i]) <= opts.tol) {
                    if in_bounds(&x) { BlockOutcome::Eliminated } else { BlockOutcome::OutOfBounds }
                } else {
                    // Newton from the sweep's estimate; afterwards x differs from what the sweep
                    // assumed, so the blocks after this one are swept again.
                    next = b + 1;
                    for (lj, &j) in cand.cols.iter().enumerate() {
                        col_local[j] = lj;
                    }
                    let o = solve_block(problem, opts, &jac0, &cand.rows, &cand.cols, &col_local, c_l, &mut x, &mut c, &mut diag.newton_iterations);
                    for &j in &cand.cols {
                        col_local[j] = NOT_LOCAL;
                    }
                    match o {
                        BlockOutcome::Eliminated if !in_bounds(&x) => BlockOutcome::OutOfBounds,
                        o => o,
                    }
                };
                if outcome == BlockOutcome::Eliminated {
                    for &j in &cand.cols {
                        self.fixed[j] = Some(x[j]);
                    }
                } else {
                    // Back to the start values: a rejected block's variables stay free, and
                    // no later accepted block touches them (it would depend on them).
                    for &j in &cand.cols {
                        x[j] = base[j];
                    }
                }
                cands[b].outcome = Some(outcome);
                if next == b + 1 {
                    break;
                }
            }
            // Undo the sweep's trial values of blocks it will revisit.
            for cand in &cands[next..] {
                if cand.outcome.is_none() {
                    for &j in &cand.cols {
                        x[j] = base[j];
                    }
                }
            }
            pos = next;
        }
        for cand in cands {
            let outcome = cand.outcome.expect("every candidate decided");
            match outcome {
                BlockOutcome::Eliminated => {
                    diag.accepted.add(cand.class);
                    diag.eliminated_blocks += 1;
                }
                BlockOutcome::KeptByPolicy => diag.rejected.policy += 1,
                BlockOutcome::DependsOnKept => diag.rejected.depends_on_kept += 1,
                BlockOutcome::NewtonFailed => diag.rejected.newton_failed += 1,
                BlockOutcome::OutOfBounds => diag.rejected.out_of_bounds += 1,
                BlockOutcome::TooLarge => diag.rejected.too_large += 1,
                BlockOutcome::RolledBack => {}
            }
            if outcome == BlockOutcome::Eliminated {
                self.blocks.push((cand.rows.clone(), cand.cols.clone()));
            }
            self.reports.push(BlockReport { rows: cand.rows, cols: cand.cols, class: cand.class, outcome });
        }
        diag.stage_times.block_solve = t.elapsed();

        // Full-space residual check at the final point.
        let t = Instant::now();
        let mut dropped = vec![false; m];
        for (rows, _) in &self.blocks {
            rows.iter().for_each(|&i| dropped[i] = true);
        }
        if !self.blocks.is_empty() {
            problem.constraints(&x, &mut c).map_err(|e| format!("constraints at the presolved point: {e}"))?;
            let worst = (0..m).filter(|&i| dropped[i]).map(|i| scaled_residual(i, c[i])).fold(0.0f64, |a, b| if b.is_nan() { f64::INFINITY } else { a.max(b) });
            diag.max_residual = worst;
            if worst > opts.tol {
                diag.stage_times.residual_check = t.elapsed();
                diag.rolled_back = true;
                return Err(format!("full-space residual {worst:.3e} above {:.1e}", opts.tol));
            }
        }
        diag.stage_times.residual_check = t.elapsed();
        self.kept_rows = (0..m).filter(|&i| !dropped[i]).collect();
        diag.dropped_rows = m - self.kept_rows.len();
        diag.fixed_variables = self.fixed.iter().filter(|f| f.is_some()).count();
        for j in 0..n {
            if let Some(v) = self.fixed[j] {
                self.x_l[j] = v;
                self.x_u[j] = v;
                self.x0[j] = v;
            }
        }
        Ok(())
    }

    /// Undo the eliminations that fixed any of `cols` — e.g. the variables of rows that bound
    /// tightening on the reduced problem proved infeasible with the fixed values (a nonlinear
    /// block solved to the wrong root) — and every later eliminated block whose rows use a
    /// variable of an undone block (it was solved with those values; Jᵀ's block triangular
    /// structure lets one forward pass in solve order find them all). The undone blocks' rows
    /// come back and their variables get their original bounds and start values. Returns how
    /// many blocks were undone; they are reported as [`BlockOutcome::RolledBack`] and counted in
    /// `diagnostics.rolled_back_blocks`.
    pub fn roll_back(&mut self, problem: &dyn Problem, cols: &[usize]) -> usize {
        let n = self.n;
        let mut hit = vec![false; n];
        cols.iter().filter(|&&j| j < n).for_each(|&j| hit[j] = true);
        let entries = match RowEntries::from_problem(problem, &self.x0) {
            Ok(Some(e)) => Some(e),
            _ => None,
        };
        let mut freed = vec![false; n];
        let mut undone = vec![false; self.blocks.len()];
        for (b, (rows, bcols)) in self.blocks.iter().enumerate() {
            // Without the pattern every block counts as dependent: undo them all.
            let uses_freed = match &entries {
                Some(e) => rows.iter().any(|&i| e.row(i).any(|(j, _)| freed[j])),
                None => freed.iter().any(|&f| f),
            };
            if bcols.iter().any(|&j| hit[j]) || uses_freed {
                undone[b] = true;
                bcols.iter().for_each(|&j| freed[j] = true);
            }
        }
        let count = undone.iter().filter(|&&u| u).count();
        if count == 0 {
            return 0;
        }
        let (mut xl, mut xu, mut x0) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        problem.variable_bounds(&mut xl, &mut xu);
        problem.initial_point(&mut x0);
        for j in (0..n).filter(|&j| freed[j]) {
            self.fixed[j] = None;
            self.x_l[j] = xl[j];
            self.x_u[j] = xu[j];
            self.x0[j] = x0[j];
        }
        let mut k = 0;
        self.blocks.retain(|_| {
            k += 1;
            !undone[k - 1]
        });
        let mut dropped = vec![false; self.m];
        for (rows, _) in &self.blocks {
            rows.iter().for_each(|&i| dropped[i] = true);
        }
        self.kept_rows = (0..self.m).filter(|&i| !dropped[i]).collect();
        let d = &mut self.diagnostics;
        for r in &mut self.reports {
            if r.outcome == BlockOutcome::Eliminated && r.cols.iter().any(|&j| freed[j]) {
                r.outcome = BlockOutcome::RolledBack;
                d.accepted.remove(r.class);
            }
        }
        d.eliminated_blocks -= count;
        d.rolled_back_blocks += count;
        d.dropped_rows = self.m - self.kept_rows.len();
        d.fixed_variables = self.fixed.iter().filter(|f| f.is_some()).count();
        count
    }

    /// Variable bounds of the reduced problem (the fixed variables pinned).
    pub fn reduced_bounds(&self) -> (&[f64], &[f64]) {
        (&self.x_l, &self.x_u)
    }

    /// Whether the pass changed nothing (then solve the original problem: bit-identical).
    pub fn is_noop(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Rows the reduced problem keeps (ascending, original indices).
    pub fn kept_rows(&self) -> &[usize] {
        &self.kept_rows
    }

    /// Eliminated blocks `(rows, cols)` in solve order.
    pub fn eliminated_blocks(&self) -> &[(Vec<usize>, Vec<usize>)] {
        &self.blocks
    }

    /// The value the pass fixed variable `j` at, if it did.
    pub fn fixed_value(&self, j: usize) -> Option<f64> {
        self.fixed.get(j).copied().flatten()
    }

    /// The reduced problem: same variables (fixed ones pinned by their bounds), kept rows only.
    pub fn reduced<'a>(&'a self, problem: &'a dyn Problem) -> ReducedProblem<'a> {
        ReducedProblem::new(problem, self)
    }

    /// Full-length constraint multipliers → the reduced problem's (kept rows), e.g. for a warm start.
    pub fn restrict_rows(&self, full: &[f64]) -> Vec<f64> {
        self.kept_rows.iter().map(|&i| full.get(i).copied().unwrap_or(0.0)).collect()
    }

    /// Map a reduced solution back: the full-space constraint values and multipliers `y`
    /// (dropped rows recovered from stationarity, see the module documentation), with the bound
    /// multipliers of the variables the pass fixed set to zero and those of user-fixed variables
    /// recomputed as whatever balances `∇f + Jᵀy` with the full `y` (as the IPM does for them).
    pub fn postsolve(
        &self,
        problem: &dyn Problem,
        x: &[f64],
        y_reduced: &[f64],
        z_l: &mut [f64],
        z_u: &mut [f64],
    ) -> Result<Postsolved, PresolveError> {
        let (n, m) = (self.n, self.m);
        let check = |what, expected, got: usize| if expected == got { Ok(()) } else { Err(PresolveError::Length { what, expected, got }) };
        check("x", n, x.len())?;
        check("y", self.kept_rows.len(), y_reduced.len())?;
        check("z_L", n, z_l.len())?;
        check("z_U", n, z_u.len())?;
        let mut constraints = vec![0.0; m];
        problem.constraints(x, &mut constraints)?;
        let mut y = vec![0.0; m];
        for (&i, &v) in self.kept_rows.iter().zip(y_reduced) {
            y[i] = v;
        }
        if self.blocks.is_empty() {
            return Ok(Postsolved { constraints, y });
        }
        let mut g = vec![0.0; n];
        problem.gradient(x, &mut g)?;
        let jac = problem.jacobian(x)?;
        let t = jac.triplets().ok_or(PresolveError::NoJacobianEntries)?;
        // Column-compressed entries: stationarity is a statement per column.
        let mut ptr = vec![0usize; n + 1];
        t.cols.iter().for_each(|&c| ptr[c + 1] += 1);
        for j in 0..n {
            ptr[j + 1] += ptr[j];
        }
        let mut fill = ptr.clone();
        let (mut rows, mut vals) = (vec![0; t.len()], vec![0.0; t.len()]);
        for k in 0..t.len() {
            let c = t.cols[k];
            rows[fill[c]] = t.rows[k];
            vals[fill[c]] = t.vals[k];
            fill[c] += 1;
        }
        let mut row_local = vec![NOT_LOCAL; m];
        for (brows, bcols) in self.blocks.iter().rev() {
            let k = brows.len();
            for (li, &i) in brows.iter().enumerate() {
                row_local[i] = li;
            }
            // Aᵀ with A = J[brows, bcols]: row lj of Aᵀ is column bcols[lj] restricted to brows.
            let mut at = vec![0.0; k * k];
            let mut rhs = vec![0.0; k];
            for (lj, &j) in bcols.iter().enumerate() {
                rhs[lj] = -g[j];
                for p in ptr[j]..ptr[j + 1] {
                    let i = rows[p];
                    match row_local[i] {
                        NOT_LOCAL => rhs[lj] -= vals[p] * y[i],
                        li => at[lj * k + li] += vals[p],
                    }
                }
                z_l[j] = 0.0;
                z_u[j] = 0.0;
            }
            let lu = DenseLu::factor(at, k).ok_or_else(|| PresolveError::SingularBlock { rows: brows.clone() })?;
            lu.solve(&mut rhs);
            for (&i, &v) in brows.iter().zip(&rhs) {
                y[i] = v;
                row_local[i] = NOT_LOCAL;
            }
        }
        // User-fixed variables: their bound multipliers balance the full Lagrangian gradient.
        for j in 0..n {
            if self.fixed[j].is_none() && self.x_l[j] == self.x_u[j] {
                    let mut gl = g[j];
                    for p in ptr[j]..ptr[j + 1] {
                        gl += vals[p] * y[rows[p]];
                    }
                    if gl >= 0.0 {
                        z_l[j] = gl;
                        z_u[j] = 0.0;
                    } else {
                        z_l[j] = 0.0;
                        z_u[j] = -gl;
                    }
            }
        }
        Ok(Postsolved { constraints, y })
    }
}

/// Full-space quantities recovered by [`AuxiliaryPresolve::postsolve`].
#[derive(Debug, Clone, PartialEq)]
pub struct Postsolved {
    /// `c(x)` over all `m` rows.
    pub constraints: Vec<f64>,
    /// Multipliers of all `m` rows (Ipopt's sign convention `∇f + Jᵀy − z_L + z_U = 0`).
    pub y: Vec<f64>,
}

/// Newton on one block: rows `rows`, unknowns `cols` (`col_local` maps them to 0..k), everything
/// else held at `x`. On success `x` holds the solution.
#[allow(clippy::too_many_arguments)]
fn solve_block(
    problem: &dyn Problem,
    opts: &AuxiliaryOptions,
    jac0: &RowEntries,
    rows: &[usize],
    cols: &[usize],
    col_local: &[usize],
    c_l: &[f64],
    x: &mut [f64],
    c: &mut [f64],
    iterations: &mut usize,
) -> BlockOutcome {
    let k = rows.len();
    let residual = |problem: &dyn Problem, x: &[f64], c: &mut [f64], r: &mut [f64]| -> Option<f64> {
        problem.constraints(x, c).ok()?;
        let mut worst = 0.0f64;
        for (li, &i) in rows.iter().enumerate() {
            r[li] = c[i] - c_l[i];
            let s = r[li].abs() / c_l[i].abs().max(1.0);
            if !s.is_finite() {
                return None;
            }
            worst = worst.max(s);
        }
        Some(worst)
    };
    let mut r = vec![0.0; k];
    let Some(mut err) = residual(problem, x, c, &mut r) else { return BlockOutcome::NewtonFailed };
    let mut fresh: Option<RowEntries> = None;
    for it in 0..opts.max_newton_iter {
        if err <= opts.tol {
            return BlockOutcome::Eliminated;
        }
        // First step: the Jacobian fetched at the start point (exact for a linear block);
        // afterwards: the callbacks at the current point.
        if it > 0 {
            match RowEntries::from_problem(problem, x) {
                Ok(Some(j)) => fresh = Some(j),
                _ => return BlockOutcome::NewtonFailed,
            }
        }
        let jac = fresh.as_ref().unwrap_or(jac0);
        let Some(lu) = DenseLu::factor(dense_block(jac, rows, col_local), k) else { return BlockOutcome::NewtonFailed };
        let mut d: Vec<f64> = r.iter().map(|v| -v).collect();
        lu.solve(&mut d);
        *iterations += 1;
        // Backtrack on the residual's ∞-norm (the block is small; this guards the nonlinear case).
        let base: Vec<f64> = cols.iter().map(|&j| x[j]).collect();
        let mut alpha = 1.0;
        let mut accepted = false;
        for _ in 0..12 {
            for (lj, &j) in cols.iter().enumerate() {
                x[j] = base[lj] + alpha * d[lj];
            }
            if let Some(e) = residual(problem, x, c, &mut r)
                && (e < (1.0 - 1e-4 * alpha) * err || e <= opts.tol)
            {
                err = e;
                accepted = true;
                break;
            }
            alpha *= 0.5;
        }
        if !accepted {
            if it > 0 {
                return BlockOutcome::NewtonFailed;
            }
            // The start-point Jacobian was no good here (a nonlinear block whose derivatives
            // moved with earlier blocks): go back and take true Newton steps.
            for (lj, &j) in cols.iter().enumerate() {
                x[j] = base[lj];
            }
            match residual(problem, x, c, &mut r) {
                Some(e) => err = e,
                None => return BlockOutcome::NewtonFailed,
            }
        }
    }
    if err <= opts.tol { BlockOutcome::Eliminated } else { BlockOutcome::NewtonFailed }
}
