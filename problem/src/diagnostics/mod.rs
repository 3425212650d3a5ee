//! Named diagnostics of a solve: a ranked list of `{severity, code, message}` findings that name
//! the culprit equations and variables (by their `.row`/`.col` names when the model has them),
//! and the numerical rank of the equality Jacobian.
//!
//! The finding codes are POUNCE's `diagnose` codes: `primal_infeasible`, `dual_infeasible`,
//! `inertia_wrong`, `heavy_regularization`, `dual_regularization`, `structural_singularity`,
//! `rank_deficient_jacobian`, `large_multipliers`, `bounds_pinned`, `tiny_step`,
//! `heavy_line_search`, `in_restoration`, `mu_stalled`, and `healthy` when nothing fires.
//!
//! Two checks find dependent equations, deliberately layered:
//! - **structural** ([`structural_singularity`]): the Dulmage–Mendelsohn over-determined part of
//!   the equality rows' sparsity pattern — more equations than the variables they jointly touch,
//!   so at least one is redundant or inconsistent (LICQ fails) whatever the values;
//! - **numerical** ([`rank_report`]): the SVD `J_c = U Σ Vᵀ` of the equality Jacobian at the
//!   point. The numerical rank counts `σ_k > τ` with LAPACK/NumPy's threshold
//!   `τ = σ_max·max(m, n)·ε`; row `i`'s participation in the left null space is
//!   `w_i = Σ_{k: σ_k ≤ τ} u_ik² = 1 − Σ_{k: σ_k > τ} u_ik²` (the second form also covers the
//!   `m > n` directions a thin SVD leaves out). A redundancy shared by two rows splits ≈ ½/½;
//!   this catches dependencies in the values that a full pattern hides (row₂ = row₀ + row₁).

use std::fmt;

use ipax_core::{EvalError, Problem};
use ipax_structure::{Pattern, dulmage_mendelsohn, maximum_matching};
use thiserror::Error;

/// How bad a finding is. Findings sort error → warning → info.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The point is not a solution.
    Error,
    /// Something the solver struggled with, or a modelling defect.
    Warning,
    /// Worth knowing.
    Info,
}

impl Severity {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One diagnostic finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// Stable machine-readable code (e.g. `rank_deficient_jacobian`).
    pub code: &'static str,
    /// Human-readable message naming the culprits.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{:>7}] {}: {}", self.severity.name(), self.code, self.message)
    }
}

/// What an iteration looked like (collected by an observer during the solve).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct IterateSample {
    /// Iteration number.
    pub iteration: usize,
    /// Inside feasibility restoration.
    pub in_restoration: bool,
    /// Barrier parameter μ.
    pub mu: f64,
    /// Accepted primal step size α_pr.
    pub alpha_primal: f64,
    /// Backtracking trials of the line search.
    pub line_search_trials: usize,
    /// Hessian perturbation δ_w of the accepted factorization.
    pub delta_w: f64,
    /// Constraint regularization δ_c.
    pub delta_c: f64,
    /// KKT inertia (positive, negative, zero) when the linear solver reports it.
    pub inertia: Option<(usize, usize, usize)>,
    /// Factorizations needed (more than one: the first inertia was wrong).
    pub factorizations: usize,
}

/// A diagnostic failure.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum DiagnoseError {
    /// A callback failed at the point.
    #[error("diagnostics: {0}")]
    Eval(#[from] EvalError),
    /// The Jacobian exposes no entries (matrix-free).
    #[error("diagnostics: the Jacobian exposes no entries")]
    NoJacobianEntries,
    /// A vector has the wrong length.
    #[error("diagnostics: {what} has length {got}, expected {expected}")]
    Length {
        /// Which vector.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Given length.
        got: usize,
    },
    /// The SVD did not converge.
    #[error("diagnostics: the SVD of J_c did not converge")]
    Svd,
}

/// Row and column labels: `.row`/`.col` names when the problem has them, else `c[i]`/`x[j]`.
#[derive(Debug, Clone)]
pub struct Labels {
    rows: Option<Vec<String>>,
    cols: Option<Vec<String>>,
}

impl Labels {
    /// The problem's names.
    pub fn of(problem: &dyn Problem) -> Labels {
        let m = problem.num_constraints();
        let n = problem.num_variables();
        Labels {
            rows: problem.constraint_names().filter(|v| v.len() == m),
            cols: problem.variable_names().filter(|v| v.len() == n),
        }
    }
    /// Name of row `i` (`c[i]` without names).
    pub fn row(&self, i: usize) -> String {
        self.rows.as_ref().and_then(|r| r.get(i)).cloned().unwrap_or_else(|| format!("c[{i}]"))
    }
    /// Name of column `j` (`x[j]` without names).
    pub fn col(&self, j: usize) -> String {
        self.cols.as_ref().and_then(|c| c.get(j)).cloned().unwrap_or_else(|| format!("x[{j}]"))
    }
}

/// Numerical rank of the equality Jacobian (the `print rank` payload).
#[derive(Debug, Clone, PartialEq)]
pub struct RankReport {
    /// Equality rows (original indices).
    pub rows: Vec<usize>,
    /// Columns (variables not fixed by their bounds).
    pub n_cols: usize,
    /// Numerical rank.
    pub rank: usize,
    /// `rows.len() − rank`.
    pub deficiency: usize,
    /// Largest singular value.
    pub sigma_max: f64,
    /// Smallest of the `min(m, n)` singular values (0 when `m > n`).
    pub sigma_min: f64,
    /// τ = σ_max·max(m, n)·ε.
    pub tol: f64,
    /// Singular values, descending.
    pub singular_values: Vec<f64>,
    /// Rows in the near-null space: (original row, participation weight), heaviest first.
    pub culprits: Vec<(usize, f64)>,
    /// Row names (parallel to `culprits`).
    pub culprit_names: Vec<String>,
    /// Each culprit row's algebra (parallel to `culprits`) when the caller can render it (an
    /// `.nl` model: `NlProblem::render_row`); empty otherwise. Printed beneath the names.
    pub culprit_equations: Vec<String>,
}

/// Dense rows are formed for the SVD; beyond this many entries the rank check is skipped.
pub const RANK_DENSE_LIMIT: usize = 4_000_000;

/// Participation weights below this are not listed as culprits.
const PARTICIPATION_MIN: f64 = 1e-3;

fn equality_rows(problem: &dyn Problem) -> Vec<usize> {
    let m = problem.num_constraints();
    let (mut l, mut u) = (vec![0.0; m], vec![0.0; m]);
    problem.constraint_bounds(&mut l, &mut u);
    (0..m).filter(|&i| l[i] == u[i] && l[i].is_finite()).collect()
}

fn free_columns(problem: &dyn Problem) -> Vec<bool> {
    let n = problem.num_variables();
    let (mut l, mut u) = (vec![0.0; n], vec![0.0; n]);
    problem.variable_bounds(&mut l, &mut u);
    (0..n).map(|j| l[j] != u[j]).collect()
}

/// SVD rank of the equality Jacobian at `x` (see the module documentation). `Ok(None)` when the
/// problem has no equality rows or `J_c` is too large to form densely ([`RANK_DENSE_LIMIT`]).
pub fn rank_report(problem: &dyn Problem, x: &[f64]) -> Result<Option<RankReport>, DiagnoseError> {
    let n = problem.num_variables();
    if x.len() != n {
        return Err(DiagnoseError::Length { what: "x", expected: n, got: x.len() });
    }
    let rows = equality_rows(problem);
    let free = free_columns(problem);
    let cols: Vec<usize> = (0..n).filter(|&j| free[j]).collect();
    if rows.is_empty() || cols.is_empty() || rows.len().saturating_mul(cols.len()) > RANK_DENSE_LIMIT {
        return Ok(None);
    }
    let mut row_pos = vec![usize::MAX; problem.num_constraints()];
    rows.iter().enumerate().for_each(|(k, &i)| row_pos[i] = k);
    let mut col_pos = vec![usize::MAX; n];
    cols.iter().enumerate().for_each(|(k, &j)| col_pos[j] = k);
    let jac = problem.jacobian(x)?;
    let t = jac.triplets().ok_or(DiagnoseError::NoJacobianEntries)?;
    let (m_e, n_f) = (rows.len(), cols.len());
    let mut a = faer::Mat::<f64>::zeros(m_e, n_f);
    for k in 0..t.len() {
        let (r, c) = (row_pos[t.rows[k]], col_pos[t.cols[k]]);
        if r != usize::MAX && c != usize::MAX {
            a[(r, c)] += t.vals[k];
        }
    }
    let svd = a.thin_svd().map_err(|_| DiagnoseError::Svd)?;
    let s: Vec<f64> = (0..m_e.min(n_f)).map(|k| svd.S().column_vector()[k]).collect();
    let sigma_max = s.first().copied().unwrap_or(0.0);
    let tol = sigma_max * m_e.max(n_f) as f64 * f64::EPSILON;
    let rank = s.iter().filter(|&&v| v > tol).count();
    let sigma_min = if m_e > n_f { 0.0 } else { s.last().copied().unwrap_or(0.0) };
    let u = svd.U();
    let mut culprits: Vec<(usize, f64)> = (0..m_e)
        .map(|i| {
            let kept: f64 = (0..rank).map(|k| u[(i, k)] * u[(i, k)]).sum();
            (rows[i], (1.0 - kept).clamp(0.0, 1.0))
        })
        .filter(|&(_, w)| rank < m_e && w >= PARTICIPATION_MIN)
        .collect();
    culprits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let labels = Labels::of(problem);
    let culprit_names = culprits.iter().map(|&(i, _)| labels.row(i)).collect();
    Ok(Some(RankReport { n_cols: n_f, rank, deficiency: m_e - rank, sigma_max, sigma_min, tol, singular_values: s, culprits, culprit_names, culprit_equations: Vec::new(), rows }))
}

impl fmt::Display for RankReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "equality Jacobian J_c: {} row(s) × {} column(s)", self.rows.len(), self.n_cols)?;
        writeln!(f, "numerical rank = {} / {}  (deficiency {})", self.rank, self.rows.len(), self.deficiency)?;
        let cond = if self.sigma_min > 0.0 { format!("{:.3e}", self.sigma_max / self.sigma_min) } else { "inf (σ_min = 0)".into() };
        writeln!(f, "σ_max = {:.3e}   σ_min = {:.3e}   cond = {cond}   (rank tol τ = {:.2e})", self.sigma_max, self.sigma_min, self.tol)?;
        let sv: Vec<String> = self.singular_values.iter().take(12).map(|v| format!("{v:.3e}")).collect();
        let more = if self.singular_values.len() > 12 { ", …" } else { "" };
        writeln!(f, "singular values: [{}{more}]", sv.join(", "))?;
        if self.deficiency == 0 {
            write!(f, "J_c has full row rank at this point.")
        } else {
            write!(f, "rank-deficient: {} equation(s) lie in the near-null space (linearly dependent / redundant):", self.deficiency)?;
            for (k, (&(_, w), name)) in self.culprits.iter().zip(&self.culprit_names).enumerate() {
                write!(f, "\n  {name:<24} (participation {w:.2})")?;
                if let Some(eq) = self.culprit_equations.get(k) {
                    write!(f, "\n      {eq}")?;
                }
            }
            Ok(())
        }
    }
}

/// The `structural_singularity` finding: the Dulmage–Mendelsohn over-determined part of the
/// equality rows × free variables pattern at `x`, or `None` when it is empty. Only the
/// over-determined side is reported: spare degrees of freedom (the under-determined side) are
/// the normal case of an optimization model.
pub fn structural_singularity(problem: &dyn Problem, x: &[f64]) -> Result<Option<Finding>, DiagnoseError> {
    let (n, m) = (problem.num_variables(), problem.num_constraints());
    let eq = equality_rows(problem);
    if eq.is_empty() {
        return Ok(None);
    }
    let mut is_eq = vec![false; m];
    eq.iter().for_each(|&i| is_eq[i] = true);
    let free = free_columns(problem);
    let jac = problem.jacobian(x)?;
    let t = jac.triplets().ok_or(DiagnoseError::NoJacobianEntries)?;
    let (mut r, mut c) = (Vec::new(), Vec::new());
    for k in 0..t.len() {
        if t.rows[k] < m && t.cols[k] < n && is_eq[t.rows[k]] && free[t.cols[k]] {
            r.push(t.rows[k]);
            c.push(t.cols[k]);
        }
    }
    let pattern = Pattern::from_coords(m, n, &r, &c).map_err(|_| DiagnoseError::NoJacobianEntries)?;
    let dm = dulmage_mendelsohn(&pattern, &maximum_matching(&pattern));
    let over_rows: Vec<usize> = dm.over.rows.iter().copied().filter(|&i| is_eq[i]).collect();
    if over_rows.is_empty() {
        return Ok(None);
    }
    let labels = Labels::of(problem);
    let names: Vec<String> = over_rows.iter().map(|&i| labels.row(i)).collect();
    let vars: Vec<String> = dm.over.cols.iter().map(|&j| labels.col(j)).collect();
    let vars_text = if vars.is_empty() { "no free variable".to_string() } else { vars.join(", ") };
    Ok(Some(Finding {
        severity: Severity::Warning,
        code: "structural_singularity",
        message: format!(
            "Constraint Jacobian is structurally singular (Dulmage–Mendelsohn): {} equation(s) over-determine the {} variable(s) they jointly touch ({vars_text}), so ≥{} of them must be redundant or mutually inconsistent (LICQ fails on this block). Candidate dependent equations: {}.",
            over_rows.len(),
            dm.over.cols.len(),
            over_rows.len() - dm.over.cols.len(),
            names.join(", ")
        ),
    }))
}

/// Everything [`diagnose`] looks at.
#[derive(Clone, Copy)]
pub struct DiagnoseInput<'a> {
    /// The problem (full space: with presolve, the original problem and the postsolved point).
    pub problem: &'a dyn Problem,
    /// Final point.
    pub x: &'a [f64],
    /// Constraint multipliers (Ipopt's convention `∇f + Jᵀy − z_L + z_U = 0`).
    pub y: &'a [f64],
    /// Lower-bound multipliers.
    pub z_l: &'a [f64],
    /// Upper-bound multipliers.
    pub z_u: &'a [f64],
    /// Per-iteration samples from the solve (may be empty).
    pub samples: &'a [IterateSample],
    /// Number of constraints the IPM saw (negative eigenvalues an augmented KKT matrix must
    /// have; fewer than `m` under presolve).
    pub expected_negative: usize,
    /// Whether the solve converged.
    pub converged: bool,
    /// Primal and dual infeasibility above this are reported.
    pub tol: f64,
}

/// The ranked report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Findings, error → warning → info; a single `healthy` finding when nothing fired.
    pub findings: Vec<Finding>,
    /// The numerical rank of `J_c`, when there are equality rows.
    pub rank: Option<RankReport>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "diagnose: {} finding(s)", self.findings.len())?;
        for finding in &self.findings {
            writeln!(f, "{finding}")?;
        }
        if let Some(rank) = &self.rank {
            writeln!(f, "{rank}")?;
        }
        Ok(())
    }
}

fn check_len(what: &'static str, expected: usize, got: usize) -> Result<(), DiagnoseError> {
    if expected == got { Ok(()) } else { Err(DiagnoseError::Length { what, expected, got }) }
}

/// Run every check on the final point and the iteration samples; see the module documentation.
pub fn diagnose(input: &DiagnoseInput<'_>) -> Result<Report, DiagnoseError> {
    let p = input.problem;
    let (n, m) = (p.num_variables(), p.num_constraints());
    check_len("x", n, input.x.len())?;
    check_len("y", m, input.y.len())?;
    check_len("z_L", n, input.z_l.len())?;
    check_len("z_U", n, input.z_u.len())?;
    let labels = Labels::of(p);
    let mut findings = Vec::new();
    let (x, tol) = (input.x, input.tol);

    // Primal infeasibility: constraint and bound violations.
    let (mut xl, mut xu) = (vec![0.0; n], vec![0.0; n]);
    p.variable_bounds(&mut xl, &mut xu);
    let (mut cl, mut cu) = (vec![0.0; m], vec![0.0; m]);
    p.constraint_bounds(&mut cl, &mut cu);
    let mut c = vec![0.0; m];
    p.constraints(x, &mut c)?;
    let viol = |v: f64, l: f64, u: f64| if v < l { v - l } else if v > u { v - u } else { 0.0 };
    let worst_row = (0..m).map(|i| (i, viol(c[i], cl[i], cu[i]))).max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
    let worst_bound = (0..n).map(|j| (j, viol(x[j], xl[j], xu[j]))).max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
    let row_v = worst_row.map_or(0.0, |r| r.1.abs());
    let bound_v = worst_bound.map_or(0.0, |b| b.1.abs());
    if row_v.max(bound_v) > tol {
        let (what, name) = if row_v >= bound_v {
            let (i, v) = worst_row.expect("row_v > 0");
            (format!("worst constraint residual is c[{}] = {v:+.3e}", labels.row(i)), labels.row(i))
        } else {
            let (j, v) = worst_bound.expect("bound_v > 0");
            (format!("worst bound violation is x[{}] by {v:+.3e}", labels.col(j)), labels.col(j))
        };
        findings.push(Finding {
            severity: if input.converged { Severity::Warning } else { Severity::Error },
            code: "primal_infeasible",
            message: format!(
                "Primal infeasibility {:.2e}; {what}. Inspect this equation's feasibility and scaling ({name}).",
                row_v.max(bound_v)
            ),
        });
    }

    // Dual infeasibility: ∇f + Jᵀy − z_L + z_U.
    let mut grad = vec![0.0; n];
    p.gradient(x, &mut grad)?;
    if m > 0 {
        p.jacobian(x)?.apply_transpose(1.0, input.y, 1.0, &mut grad);
    }
    let free = free_columns(p);
    let worst_dual = (0..n)
        .filter(|&j| free[j])
        .map(|j| (j, grad[j] - input.z_l[j] + input.z_u[j]))
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
    if let Some((j, v)) = worst_dual
        && v.abs() > tol * input.y.iter().chain(input.z_l).chain(input.z_u).fold(1.0f64, |a, b| a.max(b.abs())).min(100.0)
    {
        findings.push(Finding {
            severity: Severity::Warning,
            code: "dual_infeasible",
            message: format!("Dual infeasibility {:.2e}; largest stationarity residual is grad_x_L[{}] = {v:+.3e}.", v.abs(), labels.col(j)),
        });
    }

    // KKT and step findings from the last iteration that computed a search direction.
    if let Some(last) = input.samples.iter().rev().find(|s| s.factorizations > 0 || s.inertia.is_some()) {
        let wrong = match last.inertia {
            Some((_, neg, zero)) => zero > 0 || neg != input.expected_negative,
            None => false,
        } || last.factorizations > 1;
        if wrong {
            let detail = match last.inertia {
                Some((_, neg, zero)) => format!("n-={neg}, n0={zero} vs expected n-={}", input.expected_negative),
                None => "no inertia reported".into(),
            };
            findings.push(Finding {
                severity: Severity::Warning,
                code: "inertia_wrong",
                message: format!(
                    "KKT inertia was wrong at iteration {} ({detail}, {} factorization(s)): the system was indefinite or singular and the step had to be stabilized.",
                    last.iteration, last.factorizations
                ),
            });
        }
        if last.delta_w > 0.0 {
            findings.push(Finding {
                severity: Severity::Info,
                code: "heavy_regularization",
                message: format!("Primal regularization δ_w = {:.2e} at iteration {}: the Hessian of the Lagrangian is not positive definite on the null space of J.", last.delta_w, last.iteration),
            });
        }
        if last.delta_c > 0.0 {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "dual_regularization",
                message: format!("Dual regularization δ_c = {:.2e} at iteration {}: the equality Jacobian looks rank-deficient (linearly dependent or redundant equations).", last.delta_c, last.iteration),
            });
        }
    }
    if let Some(last) = input.samples.last() {
        if !input.converged && last.alpha_primal > 0.0 && last.alpha_primal < 1e-8 {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "tiny_step",
                message: format!("The accepted primal step collapsed to α_pr = {:.2e} at iteration {}.", last.alpha_primal, last.iteration),
            });
        }
        if last.line_search_trials >= 10 {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "heavy_line_search",
                message: format!("{} backtracking trials for the step of iteration {}.", last.line_search_trials, last.iteration),
            });
        }
        if last.in_restoration {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "in_restoration",
                message: format!("The solve ended inside feasibility restoration (iteration {}).", last.iteration),
            });
        }
        let tail: Vec<&IterateSample> = input.samples.iter().rev().take(3).collect();
        if !input.converged && tail.len() == 3 && tail.iter().all(|s| s.mu == tail[0].mu) {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "mu_stalled",
                message: format!("μ = {:.2e} unchanged over the last 3 iterations without convergence.", tail[0].mu),
            });
        }
    }

    // Structure and rank of the equality Jacobian.
    if let Some(f) = structural_singularity(p, x)? {
        findings.push(f);
    }
    let rank = rank_report(p, x)?;
    if let Some(r) = rank.as_ref().filter(|r| r.deficiency > 0) {
        let cond = if r.sigma_min > 0.0 { format!("{:.2e}", r.sigma_max / r.sigma_min) } else { "inf (σ_min = 0)".into() };
        findings.push(Finding {
            severity: Severity::Warning,
            code: "rank_deficient_jacobian",
            message: format!(
                "Equality Jacobian J_c is numerically rank-deficient at this point: rank {}/{} (deficiency {}), σ_min={:.2e}, cond={cond}. Linearly dependent or redundant equality constraints. Implicated equations: {}.",
                r.rank,
                r.rows.len(),
                r.deficiency,
                r.sigma_min,
                r.culprit_names.iter().map(|s| format!("c[{s}]")).collect::<Vec<_>>().join(", ")
            ),
        });
    }

    // Multipliers and active bounds.
    let big = input
        .y
        .iter()
        .enumerate()
        .map(|(i, &v)| (labels.row(i), v))
        .chain(input.z_l.iter().zip(input.z_u).enumerate().map(|(j, (&a, &b))| (format!("bound of {}", labels.col(j)), a.abs().max(b.abs()))))
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
    if let Some((name, v)) = big
        && v.abs() > 1e8
    {
        findings.push(Finding {
            severity: Severity::Warning,
            code: "large_multipliers",
            message: format!("Multiplier of {name} is {v:.3e} (> 1e8): a constraint qualification may fail, or the model is badly scaled."),
        });
    }
    let pinned: Vec<String> = (0..n)
        .filter(|&j| free[j] && ((x[j] - xl[j]).abs() < 1e-6 || (xu[j] - x[j]).abs() < 1e-6))
        .map(|j| labels.col(j))
        .collect();
    if !pinned.is_empty() {
        let shown: Vec<&str> = pinned.iter().take(8).map(String::as_str).collect();
        findings.push(Finding {
            severity: Severity::Info,
            code: "bounds_pinned",
            message: format!(
                "{} variable bound(s) are active (slack < 1e-6): {}{}.",
                pinned.len(),
                shown.join(", "),
                if pinned.len() > shown.len() { ", …" } else { "" }
            ),
        });
    }
    findings.sort_by_key(|f| f.severity);
    if findings.is_empty() {
        findings.push(Finding { severity: Severity::Info, code: "healthy", message: "No problem found at the final point.".into() });
    }
    Ok(Report { findings, rank })
}
