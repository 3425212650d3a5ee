//! `ipax::solve` and the configurable [`Solver`].

use std::io::Write;

use ipax_core::{HessianApproximation, Problem};
use ipax_ipm::options::AuxiliaryCoupling;
use ipax_ipm::{Checkpoint, IterationLog, IterationView, LinearAlgebra, Observer, ObserverAction, Options, SolveResult, WarmStart};
use ipax_ipm::{SolveStatus, Timings};
use ipax_problem::diagnostics::{DiagnoseError, DiagnoseInput, IterateSample, Labels, Report, diagnose};
use ipax_problem::nl::{FbbtOptions, NlProblem};
use ipax_operators::Lbfgs;
use ipax_problem::presolve::duplicates::DuplicateRows;
use ipax_problem::presolve::{AuxiliaryDiagnostics, AuxiliaryOptions, AuxiliaryPresolve, CouplingPolicy};

use crate::factory::{DefaultSolverFactory, choose_route};

/// Bound tightening on an `.nl` model before the IPM (`presolve=yes presolve_fbbt=yes`): FBBT over
/// the expression DAG of every row, linear and nonlinear ([`NlProblem::bound_tightening`]), in
/// outward-rounded interval arithmetic. When it proves the model infeasible, the returned result
/// says so (`Infeasible`, 0 iterations, the start point) with the rows named; `None` means "go on
/// and solve". The tightened bounds are only used for this proof, never handed to the IPM, so no
/// bound multiplier can appear on a variable the user left free.
pub fn nl_bound_tightening(problem: &NlProblem, options: &Options) -> Option<SolveResult> {
    if !(options.presolve && options.presolve_fbbt) {
        return None;
    }
    let start = std::time::Instant::now();
    let opts = FbbtOptions { bound_inf: options.nlp_upper_bound_inf.min(-options.nlp_lower_bound_inf), ..FbbtOptions::default() };
    let fbbt = match problem.bound_tightening(&opts) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("ipax: bound tightening skipped ({e})");
            return None;
        }
    };
    let labels = Labels::of(problem);
    if options.presolve_auxiliary_diagnostics || options.print_level >= 3 {
        eprintln!(
            "bound-tightening: {} bound(s) tightened over {} row(s) ({} nonlinear) in {} round(s), {:.3} ms{}",
            fbbt.tightened,
            fbbt.rows,
            fbbt.nonlinear_rows,
            fbbt.rounds,
            start.elapsed().as_secs_f64() * 1e3,
            if fbbt.infeasible() { "; infeasible" } else { "" }
        );
    }
    if !fbbt.infeasible() {
        return None;
    }
    let mut why: Vec<String> = fbbt
        .infeasible_rows
        .iter()
        .map(|&(i, lo, hi)| format!("row {} has activity in [{lo:.6e}, {hi:.6e}] on the tightened bounds", labels.row(i)))
        .collect();
    why.extend(fbbt.infeasible_variables.iter().map(|&(j, i)| format!("row {} leaves no value for {}", labels.row(i), labels.col(j))));
    let message = format!("bound tightening proved the model infeasible before the IPM: {}", why.join("; "));
    Some(infeasible_before_ipm(problem, options, message, start))
}

/// `Infeasible` at the start point with 0 iterations and zero multipliers: a presolve proof.
fn infeasible_before_ipm(problem: &dyn Problem, options: &Options, message: String, start: std::time::Instant) -> SolveResult {
    if options.print_level >= 1 {
        eprintln!("ipax: {message}");
    }
    let (n, m) = (problem.num_variables(), problem.num_constraints());
    let mut x = vec![0.0; n];
    problem.initial_point(&mut x);
    let mut c = vec![0.0; m];
    let _ = problem.constraints(&x, &mut c);
    let objective = problem.objective(&x).unwrap_or(f64::NAN);
    SolveResult {
        status: SolveStatus::Infeasible,
        x,
        objective,
        constraints: c,
        constraint_multipliers: vec![0.0; m],
        lower_bound_multipliers: vec![0.0; n],
        upper_bound_multipliers: vec![0.0; n],
        iterations: 0,
        evaluations: Default::default(),
        timings: Timings { total: start.elapsed(), ..Default::default() },
        errors: Default::default(),
        message,
        held_kkt: None,
    }
}

/// Duplicate linear rows of an `.nl` model (`presolve=yes presolve_fbbt=yes`; rows `nlc..m` are
/// the linear ones): `Ok(None)` when there are none (or the pass is off), `Err` with an
/// `Infeasible` result naming both rows when a pair's ranges do not intersect.
pub fn nl_duplicate_rows(problem: &NlProblem, options: &Options) -> Result<Option<DuplicateRows>, Box<SolveResult>> {
    if !(options.presolve && options.presolve_fbbt) {
        return Ok(None);
    }
    let start = std::time::Instant::now();
    let m = problem.num_constraints();
    let linear: Vec<usize> = (problem.header().nlc.min(m)..m).collect();
    let dup = match DuplicateRows::find(problem, &linear, 1e-6) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("ipax: duplicate-row detection skipped ({e})");
            return Ok(None);
        }
    };
    let labels = Labels::of(problem);
    if options.presolve_auxiliary_diagnostics || options.print_level >= 3 {
        eprintln!(
            "duplicate-rows: {} of {} linear row(s) dropped as scaled copies, {} inconsistent pair(s), {:.3} ms",
            dup.dropped.len(),
            linear.len(),
            dup.infeasible.len(),
            start.elapsed().as_secs_f64() * 1e3
        );
    }
    if !dup.infeasible.is_empty() {
        let why: Vec<String> = dup.infeasible.iter().map(|&(k, r)| format!("rows {} and {} are scaled copies with disjoint ranges", labels.row(k), labels.row(r))).collect();
        let message = format!("duplicate-row detection proved the model infeasible before the IPM: {}", why.join("; "));
        return Err(Box::new(infeasible_before_ipm(problem, options, message, start)));
    }
    Ok((!dup.is_noop()).then_some(dup))
}

/// Map a solve of the de-duplicated problem back to all rows: `c(x)` and `y` over all `m` rows
/// ([`DuplicateRows::postsolve_y`]).
fn duplicate_postsolve(problem: &dyn Problem, dup: &DuplicateRows, result: &mut SolveResult) {
    // A held KKT factor is of the de-duplicated rows: it cannot answer for the model's rows.
    result.held_kkt = None;
    result.constraint_multipliers = dup.postsolve_y(&result.constraint_multipliers);
    let mut c = vec![0.0; problem.num_constraints()];
    if problem.constraints(&result.x, &mut c).is_ok() {
        result.constraints = c;
    }
}

/// Solve an `.nl` model with the presolve steps that need its expression DAG (`presolve=yes
/// presolve_fbbt=yes`): bound tightening may prove it infeasible, duplicate linear rows are
/// merged; then [`Solver::solve`] (with the auxiliary-equality presolve when asked) and the
/// postsolve of each step, so `x`, `c(x)` and every multiplier are full-space.
pub fn solve_nl(problem: &NlProblem, options: &Options) -> SolveResult {
    if let Some(r) = nl_bound_tightening(problem, options) {
        return r;
    }
    match nl_duplicate_rows(problem, options) {
        Err(infeasible) => *infeasible,
        Ok(None) => {
            let check = nl_bound_check(problem, options, None);
            Solver::new(options.clone()).with_bound_check(&check).solve(problem)
        }
        Ok(Some(dup)) => {
            let check = nl_bound_check(problem, options, Some(dup.kept_rows()));
            let mut r = Solver::new(options.clone()).with_bound_check(&check).solve(&dup.reduced(problem));
            duplicate_postsolve(problem, &dup, &mut r);
            r
        }
    }
}

/// The [`BoundCheck`] of an `.nl` model (`presolve_fbbt=yes`): FBBT over the kept rows on the
/// reduced bounds; the variables of every row it proves infeasible come back as implicated.
/// `rows_of` maps the solved problem's rows to the model's (after duplicate removal).
fn nl_bound_check<'a>(problem: &'a NlProblem, options: &Options, rows_of: Option<&'a [usize]>) -> impl Fn(&[f64], &[f64], &[bool]) -> Vec<usize> + 'a {
    let enabled = options.presolve && options.presolve_fbbt;
    let opts = FbbtOptions { bound_inf: options.nlp_upper_bound_inf.min(-options.nlp_lower_bound_inf), ..FbbtOptions::default() };
    move |lower: &[f64], upper: &[f64], kept: &[bool]| {
        if !enabled {
            return Vec::new();
        }
        let m = problem.num_constraints();
        let mask: Vec<bool> = match rows_of {
            None => kept.to_vec(),
            Some(rows) => {
                let mut mask = vec![false; m];
                rows.iter().zip(kept).filter(|&(_, &k)| k).for_each(|(&i, _)| mask[i] = true);
                mask
            }
        };
        let Ok(r) = problem.tighten_box(lower, upper, Some(&mask), &opts) else { return Vec::new() };
        let mut cols: Vec<usize> = Vec::new();
        for &(i, ..) in &r.infeasible_rows {
            cols.extend_from_slice(problem.row_variables(i).unwrap_or(&[]));
        }
        for &(j, i) in &r.infeasible_variables {
            cols.push(j);
            cols.extend_from_slice(problem.row_variables(i).unwrap_or(&[]));
        }
        cols
    }
}

/// Solve `problem` and run the named diagnostics on the result (`ipax model.nl --diagnose`):
/// every iteration's step and KKT data is sampled by an observer, and
/// [`ipax_problem::diagnostics::diagnose`] ranks the findings at the final (full-space, i.e.
/// postsolved) point. The report comes back even when the solve failed.
pub fn solve_and_diagnose(problem: &dyn Problem, options: &Options) -> (SolveResult, Result<Report, DiagnoseError>) {
    diagnose_solve_of(problem, problem, options, None, |_| {})
}

/// Solve `solved` (the original problem or a presolved form of it), map the result to
/// `problem`'s full space with `post`, and diagnose it there.
fn diagnose_solve_of(
    problem: &dyn Problem,
    solved: &dyn Problem,
    options: &Options,
    check: Option<&BoundCheck<'_>>,
    post: impl FnOnce(&mut SolveResult),
) -> (SolveResult, Result<Report, DiagnoseError>) {
    let mut samples: Vec<IterateSample> = Vec::new();
    let mut sample = |v: &IterationView<'_>| {
        if v.checkpoint() == Checkpoint::AfterStep {
            samples.push(IterateSample {
                iteration: v.iteration(),
                in_restoration: v.in_restoration(),
                mu: v.mu(),
                alpha_primal: v.step().alpha_primal,
                line_search_trials: v.step().line_search_trials,
                delta_w: v.step().kkt.delta_w,
                delta_c: v.step().kkt.delta_c,
                inertia: v.step().kkt.inertia,
                factorizations: v.step().kkt.factorizations,
            });
        }
        ObserverAction::Continue
    };
    let mut solver = Solver::new(options.clone()).with_observer(&mut sample);
    if let Some(check) = check {
        solver = solver.with_bound_check(check);
    }
    let mut result = solver.solve(solved);
    let dropped = solver.presolve_diagnostics().map_or(0, |d| d.dropped_rows);
    drop(solver);
    post(&mut result);
    let input = DiagnoseInput {
        problem,
        x: &result.x,
        y: &result.constraint_multipliers,
        z_l: &result.lower_bound_multipliers,
        z_u: &result.upper_bound_multipliers,
        samples: &samples,
        expected_negative: solved.num_constraints() - dropped,
        converged: result.status.is_success(),
        tol: (100.0 * options.tol).max(1e-6),
    };
    let report = diagnose(&input);
    (result, report)
}

/// [`solve_and_diagnose`] for an `.nl` model: the rank report's implicated rows carry their
/// algebra ([`NlProblem::render_row`]), printed beneath their names (`ipax model.nl --diagnose`).
///
/// The presolve steps of [`solve_nl`] run first; a proof of infeasibility comes back with a
/// report on the start point.
pub fn nl_solve_and_diagnose(problem: &NlProblem, options: &Options) -> (SolveResult, Result<Report, DiagnoseError>) {
    let (result, mut report) = match nl_bound_tightening(problem, options).map(|r| Err(Box::new(r))).unwrap_or_else(|| nl_duplicate_rows(problem, options)) {
        Err(infeasible) => {
            let infeasible = *infeasible;
            let input = DiagnoseInput {
                problem,
                x: &infeasible.x,
                y: &infeasible.constraint_multipliers,
                z_l: &infeasible.lower_bound_multipliers,
                z_u: &infeasible.upper_bound_multipliers,
                samples: &[],
                expected_negative: problem.num_constraints(),
                converged: false,
                tol: (100.0 * options.tol).max(1e-6),
            };
            let report = diagnose(&input);
            (infeasible, report)
        }
        Ok(None) => {
            let check = nl_bound_check(problem, options, None);
            diagnose_solve_of(problem, problem, options, Some(&check), |_| {})
        }
        Ok(Some(dup)) => {
            let check = nl_bound_check(problem, options, Some(dup.kept_rows()));
            diagnose_solve_of(problem, &dup.reduced(problem), options, Some(&check), |r| duplicate_postsolve(problem, &dup, r))
        }
    };
    if let Ok(Some(rank)) = report.as_mut().map(|r| r.rank.as_mut()) {
        rank.culprit_equations = rank.culprits.iter().map(|&(i, _)| problem.render_row(i).unwrap_or_default()).collect();
    }
    (result, report)
}

/// Solve `problem` with `options`, choosing the KKT route and linear solver automatically.
pub fn solve(problem: &dyn Problem, options: &Options) -> SolveResult {
    Solver::new(options.clone()).solve(problem)
}

/// A configured solve: options, an optional observer and an optional warm start.
pub struct Solver<'o> {
    pub options: Options,
    observer: Option<&'o mut dyn Observer>,
    warm: Option<WarmStart>,
    presolve_diagnostics: Option<AuxiliaryDiagnostics>,
    bound_check: Option<&'o BoundCheck<'o>>,
}

/// A bound-tightening check of the reduced problem: given the variable bounds (presolve-fixed
/// variables pinned) and which rows are kept, the variables implicated in a proof of
/// infeasibility (empty: nothing proven). See [`Solver::with_bound_check`].
pub type BoundCheck<'a> = dyn Fn(&[f64], &[f64], &[bool]) -> Vec<usize> + 'a;

/// Forwards checkpoints to the iteration log and the user observer.
struct Fanout<'a, 'o> {
    log: Option<IterationLog<std::io::Stdout>>,
    user: Option<&'a mut (dyn Observer + 'o)>,
}

impl Observer for Fanout<'_, '_> {
    fn notify(&mut self, view: &mut IterationView<'_>) -> ObserverAction {
        if let Some(log) = self.log.as_mut() {
            log.notify(view);
        }
        match self.user.as_deref_mut() {
            Some(u) => u.notify(view),
            None => ObserverAction::Continue,
        }
    }
}

impl<'o> Solver<'o> {
    /// A solver with these options.
    pub fn new(options: Options) -> Self {
        Solver { options, observer: None, warm: None, presolve_diagnostics: None, bound_check: None }
    }
    /// Attach an observer (called at every checkpoint).
    pub fn with_observer(mut self, observer: &'o mut dyn Observer) -> Self {
        self.observer = Some(observer);
        self
    }
    /// Start from a given point and multipliers (enable `warm_start_init_point` to use the multipliers).
    pub fn with_warm_start(mut self, warm: WarmStart) -> Self {
        self.warm = Some(warm);
        self
    }

    /// After the auxiliary-equality presolve, run `check` on the reduced problem; the eliminations
    /// that fixed an implicated variable (and the later ones that depend on them) are undone
    /// ([`AuxiliaryPresolve::roll_back`]) until the check proves nothing. [`solve_nl`] passes
    /// FBBT over the model's expression DAG.
    pub fn with_bound_check(mut self, check: &'o BoundCheck<'o>) -> Self {
        self.bound_check = Some(check);
        self
    }

    /// Diagnostics of the auxiliary-equality presolve of the last [`solve`](Self::solve), when it ran
    /// (`presolve=yes presolve_auxiliary=yes`).
    pub fn presolve_diagnostics(&self) -> Option<&AuxiliaryDiagnostics> {
        self.presolve_diagnostics.as_ref()
    }

    /// Run the interior-point method, after the auxiliary-equality presolve when
    /// `presolve=yes presolve_auxiliary=yes`.
    ///
    /// With presolve, the IPM solves the reduced problem (eliminated blocks' variables pinned,
    /// their rows dropped) and the result is mapped back: `x` is full (it always was), `c(x)` and
    /// the multipliers `y` cover all `m` rows (dropped rows' `y` from stationarity), bound
    /// multipliers of the pinned variables are zero. When the pass eliminates nothing the
    /// original problem is solved as is, so results are bit-identical to `presolve=no`.
    pub fn solve(&mut self, problem: &dyn Problem) -> SolveResult {
        self.presolve_diagnostics = None;
        let o = &self.options;
        if !(o.presolve && o.presolve_auxiliary) {
            let warm = self.warm.clone();
            return self.solve_ipm(problem, warm.as_ref());
        }
        let aux = AuxiliaryOptions {
            policy: match o.presolve_auxiliary_coupling {
                AuxiliaryCoupling::None => CouplingPolicy::None,
                AuxiliaryCoupling::Safe => CouplingPolicy::Safe,
                AuxiliaryCoupling::Aggressive => CouplingPolicy::Aggressive,
            },
            lower_bound_inf: o.nlp_lower_bound_inf,
            upper_bound_inf: o.nlp_upper_bound_inf,
            ..AuxiliaryOptions::default()
        };
        let mut plan = AuxiliaryPresolve::run(problem, &aux);
        if let Some(check) = self.bound_check {
            let mut kept = vec![false; problem.num_constraints()];
            while !plan.is_noop() {
                kept.iter_mut().for_each(|k| *k = false);
                plan.kept_rows().iter().for_each(|&i| kept[i] = true);
                let (lower, upper) = plan.reduced_bounds();
                let cols = check(lower, upper, &kept);
                if cols.is_empty() || plan.roll_back(problem, &cols) == 0 {
                    break;
                }
            }
        }
        if o.presolve_auxiliary_diagnostics {
            eprintln!("{}", plan.diagnostics);
        }
        self.presolve_diagnostics = Some(plan.diagnostics.clone());
        if plan.is_noop() {
            let warm = self.warm.clone();
            return self.solve_ipm(problem, warm.as_ref());
        }
        let warm = self.warm.as_ref().map(|w| WarmStart {
            x: w.x.clone(),
            y: w.y.as_ref().map(|y| plan.restrict_rows(y)),
            z_l: w.z_l.clone(),
            z_u: w.z_u.clone(),
        });
        let reduced = plan.reduced(problem);
        let mut result = self.solve_ipm(&reduced, warm.as_ref());
        // A held KKT factor (hold_kkt_factor) is of the reduced problem, whose variables and rows
        // are not the user's: drop it (sensitivities then factor at the postsolved solution).
        result.held_kkt = None;
        let (mut zl, mut zu) = (result.lower_bound_multipliers.clone(), result.upper_bound_multipliers.clone());
        match plan.postsolve(problem, &result.x, &result.constraint_multipliers, &mut zl, &mut zu) {
            Ok(post) => {
                let (m, mut cl, mut cu) = (post.constraints.len(), Vec::new(), Vec::new());
                cl.resize(m, 0.0);
                cu.resize(m, 0.0);
                problem.constraint_bounds(&mut cl, &mut cu);
                // The dropped rows' violation joins the reported one (they were solved to the
                // presolve tolerance, so this rarely moves it).
                let dropped_violation = (0..m)
                    .filter(|i| plan.kept_rows().binary_search(i).is_err())
                    .map(|i| (cl[i] - post.constraints[i]).max(post.constraints[i] - cu[i]).max(0.0))
                    .fold(0.0f64, f64::max);
                result.errors.constraint_violation = result.errors.constraint_violation.max(dropped_violation);
                result.constraints = post.constraints;
                result.constraint_multipliers = post.y;
                result.lower_bound_multipliers = zl;
                result.upper_bound_multipliers = zu;
                result
            }
            Err(e) => {
                // Multipliers cannot be recovered at this point: rather than return partial
                // duals, solve the original problem.
                eprintln!("ipax: presolve postsolve failed ({e}); solving without presolve");
                let warm = self.warm.clone();
                self.solve_ipm(problem, warm.as_ref())
            }
        }
    }

    /// The interior-point method on `problem` as given.
    fn solve_ipm(&mut self, problem: &dyn Problem, warm: Option<&WarmStart>) -> SolveResult {
        let o = &self.options;
        let route = choose_route(problem, o);
        let factory = DefaultSolverFactory::from_options(o);
        let qn = |n: usize, memory: usize| -> Box<dyn HessianApproximation> {
            let opts = ipax_operators::LbfgsOptions { memory, ..Default::default() };
            Box::new(Lbfgs::with_options(n, opts).unwrap_or_else(|_| Lbfgs::new(n)))
        };
        let la = LinearAlgebra { route, factory: &factory, quasi_newton: &qn };
        if o.print_level >= 3 {
            println!(
                "ipax {}: {} variables, {} constraints, {:?} route",
                env!("CARGO_PKG_VERSION"),
                problem.num_variables(),
                problem.num_constraints(),
                route
            );
        }
        let log = (o.print_level >= 5).then(|| IterationLog::new(std::io::stdout()).with_kkt_details(o.print_level >= 7));
        let mut fan = Fanout { log, user: self.observer.as_deref_mut() };
        let observer: Option<&mut dyn Observer> =
            if fan.log.is_some() || fan.user.is_some() { Some(&mut fan) } else { None };
        let result = ipax_ipm::solve(problem, o, &la, observer, warm);
        if o.print_level >= 3 {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "\nNumber of Iterations....: {}", result.iterations);
            let _ = writeln!(out, "Objective...............: {:.10e}", result.objective);
            let _ = writeln!(out, "Dual infeasibility......: {:.10e}", result.errors.dual_infeasibility);
            let _ = writeln!(out, "Constraint violation....: {:.10e}", result.errors.constraint_violation);
            let _ = writeln!(out, "Complementarity.........: {:.10e}", result.errors.complementarity);
            let _ = writeln!(out, "Overall NLP error.......: {:.10e}", result.errors.overall);
            let e = result.evaluations;
            let _ = writeln!(
                out,
                "Evaluations: f {}, grad {}, c {}, jac {}, hess {}",
                e.objective, e.gradient, e.constraints, e.jacobian, e.hessian
            );
            let t = result.timings;
            let _ = writeln!(
                out,
                "Time: total {:.3}s, function evaluations {:.3}s, linear algebra {:.3}s ({})",
                t.total.as_secs_f64(),
                t.function_evaluations.as_secs_f64(),
                t.linear_algebra.as_secs_f64(),
                result.message
            );
            let _ = writeln!(out, "\nEXIT: {}", result.status.message());
        }
        result
    }
}
