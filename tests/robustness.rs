//! What Ipopt users expect at the edges: evaluation errors back off the step, bad data is a clear
//! status (never a panic), empty/fixed/free variables, warm starts, observers, options.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ipax::{Checkpoint, EvalError, LinearOperator, ObserverAction, Options, Problem, SolveStatus, WarmStart};
use ipax_core::{CscMatrix, CscStorage, Triplets};
use ipax_problem::FunctionProblem;

fn quiet() -> Options {
    Options { print_level: 0, ..Default::default() }
}

/// `min (x − 2)²` whose objective is NaN for x > 2.5, started where the first L-BFGS step (B₀ = I)
/// lands at x = 4: the line search must back off instead of failing.
#[test]
fn nan_from_the_objective_makes_the_line_search_back_off() {
    let nan_calls = Arc::new(AtomicUsize::new(0));
    let counter = nan_calls.clone();
    let p = FunctionProblem::builder()
        .objective(move |x: &[f64]| {
            if x[0] > 2.5 {
                counter.fetch_add(1, Ordering::Relaxed);
                f64::NAN
            } else {
                (x[0] - 2.0).powi(2)
            }
        })
        .gradient(|x: &[f64], g: &mut [f64]| g[0] = 2.0 * (x[0] - 2.0))
        .initial_point(vec![0.0])
        .build()
        .unwrap();
    let r = ipax::solve(&p, &quiet());
    assert_eq!(r.status, SolveStatus::Optimal);
    assert!((r.x[0] - 2.0).abs() < 1e-7);
    assert!(nan_calls.load(Ordering::Relaxed) > 0, "the NaN region was never probed: test is vacuous");
}

#[test]
fn a_failing_callback_makes_the_line_search_back_off() {
    let p = FunctionProblem::builder()
        .objective(|x: &[f64]| -> Result<f64, EvalError> {
            if x[0] > 2.5 { Err(EvalError::failed("objective", "outside the model's domain")) } else { Ok((x[0] - 2.0).powi(2)) }
        })
        .gradient(|x: &[f64], g: &mut [f64]| g[0] = 2.0 * (x[0] - 2.0))
        .initial_point(vec![0.0])
        .build()
        .unwrap();
    let r = ipax::solve(&p, &quiet());
    assert_eq!(r.status, SolveStatus::Optimal);
    assert!((r.objective).abs() < 1e-12);
}

#[test]
fn evaluation_error_at_the_start_is_reported_not_panicked() {
    let p = FunctionProblem::builder()
        .objective(|_x: &[f64]| f64::NAN)
        .gradient(|_x: &[f64], g: &mut [f64]| g[0] = 1.0)
        .initial_point(vec![0.0])
        .build()
        .unwrap();
    let r = ipax::solve(&p, &quiet());
    assert_eq!(r.status, SolveStatus::EvaluationError);
    assert!(!r.status.is_success());
}

/// A hand-written problem with configurable defects (bypassing the builder's validation).
struct Raw {
    n: usize,
    m: usize,
    lower: Vec<f64>,
    upper: Vec<f64>,
    jac_shape: (usize, usize),
}

impl Problem for Raw {
    fn num_variables(&self) -> usize {
        self.n
    }
    fn num_constraints(&self) -> usize {
        self.m
    }
    fn variable_bounds(&self, l: &mut [f64], u: &mut [f64]) {
        l.copy_from_slice(&self.lower);
        u.copy_from_slice(&self.upper);
    }
    fn constraint_bounds(&self, l: &mut [f64], u: &mut [f64]) {
        l.iter_mut().for_each(|v| *v = 0.0);
        u.iter_mut().for_each(|v| *v = 0.0);
    }
    fn initial_point(&self, x0: &mut [f64]) {
        x0.iter_mut().for_each(|v| *v = 0.5);
    }
    fn objective(&self, x: &[f64]) -> Result<f64, EvalError> {
        Ok(x.iter().map(|v| (v - 1.0).powi(2)).sum())
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) -> Result<(), EvalError> {
        for i in 0..x.len() {
            g[i] = 2.0 * (x[i] - 1.0);
        }
        Ok(())
    }
    fn constraints(&self, x: &[f64], c: &mut [f64]) -> Result<(), EvalError> {
        if self.m > 0 {
            c[0] = x.iter().sum::<f64>() - 1.0;
        }
        Ok(())
    }
    fn jacobian(&self, _x: &[f64]) -> Result<Box<dyn LinearOperator + '_>, EvalError> {
        let (r, c) = self.jac_shape;
        let mut t = Triplets::new(r, c);
        for j in 0..c {
            if r > 0 {
                t.push(0, j, 1.0);
            }
        }
        Ok(Box::new(CscMatrix::from_triplets(&t, CscStorage::General)))
    }
}

#[test]
fn lower_bound_above_upper_bound_is_invalid_problem() {
    let p = Raw { n: 2, m: 0, lower: vec![0.0, 3.0], upper: vec![1.0, 2.0], jac_shape: (0, 2) };
    let r = ipax::solve(&p, &quiet());
    assert_eq!(r.status, SolveStatus::InvalidProblem);
    assert!(r.message.contains("variable 1") && r.message.contains("lower bound 3"), "{}", r.message);
}

#[test]
fn wrong_jacobian_shape_is_an_evaluation_error_not_a_panic() {
    let p = Raw { n: 2, m: 1, lower: vec![-1e20; 2], upper: vec![1e20; 2], jac_shape: (1, 3) };
    let r = ipax::solve(&p, &quiet());
    assert_eq!(r.status, SolveStatus::EvaluationError);
}

#[test]
fn empty_problems_solve() {
    let p = Raw { n: 0, m: 0, lower: vec![], upper: vec![], jac_shape: (0, 0) };
    let r = ipax::solve(&p, &quiet());
    assert_eq!(r.status, SolveStatus::Optimal);
    assert_eq!(r.objective, 0.0);
    let p = Raw { n: 3, m: 0, lower: vec![-1e20; 3], upper: vec![1e20; 3], jac_shape: (0, 3) };
    let r = ipax::solve(&p, &quiet());
    assert_eq!(r.status, SolveStatus::Optimal);
    assert!(r.x.iter().all(|v| (v - 1.0).abs() < 1e-8));
}

/// min Σ(xᵢ − 1)² s.t. Σxᵢ = 1 with x₀ fixed at 0.25 (x_L = x_U): the fixed variable stays put and
/// gets the multiplier that balances its stationarity row.
#[test]
fn fixed_variables_are_parameters_with_multipliers() {
    let p = Raw { n: 3, m: 1, lower: vec![0.25, -1e20, -1e20], upper: vec![0.25, 1e20, 1e20], jac_shape: (1, 3) };
    let r = ipax::solve(&p, &quiet());
    assert_eq!(r.status, SolveStatus::Optimal);
    assert_eq!(r.x[0], 0.25);
    // x₁ = x₂ = 0.375 minimises the rest; y = −2(x₁ − 1) = 1.25.
    assert!((r.x[1] - 0.375).abs() < 1e-8 && (r.x[2] - 0.375).abs() < 1e-8, "{:?}", r.x);
    let y = r.constraint_multipliers[0];
    assert!((y - 1.25).abs() < 1e-7, "y = {y}");
    // Stationarity of the fixed variable: 2(0.25 − 1) + y − z_L + z_U = 0 → z_U = 0.25.
    assert!((r.upper_bound_multipliers[0] - 0.25).abs() < 1e-7 && r.lower_bound_multipliers[0] == 0.0);
}

#[test]
fn warm_start_from_the_solution_takes_fewer_iterations() {
    let p = ipax_testing::get("hs071", None).unwrap();
    let cold = ipax::solve(p.as_ref(), &quiet());
    let mut o = quiet();
    o.set("warm_start_init_point", "yes").unwrap();
    o.set("mu_init", "1e-6").unwrap();
    let mut solver = ipax::Solver::new(o).with_warm_start(WarmStart {
        x: Some(cold.x.iter().map(|v| v * 1.001).collect()),
        y: Some(cold.constraint_multipliers.clone()),
        z_l: Some(cold.lower_bound_multipliers.clone()),
        z_u: Some(cold.upper_bound_multipliers.clone()),
    });
    let warm = solver.solve(p.as_ref());
    assert_eq!(warm.status, SolveStatus::Optimal);
    assert!((warm.objective - cold.objective).abs() < 1e-7);
    assert!(warm.iterations < cold.iterations, "warm {} vs cold {}", warm.iterations, cold.iterations);
}

#[test]
fn observer_sees_every_checkpoint_and_can_stop() {
    let p = ipax_testing::get("hs071", None).unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut obs = |v: &ipax::IterationView<'_>| {
        seen.insert(v.checkpoint().name());
        if v.checkpoint() == Checkpoint::AfterStep && v.iteration() == 3 { ObserverAction::Stop } else { ObserverAction::Continue }
    };
    let r = ipax::Solver::new(quiet()).with_observer(&mut obs).solve(p.as_ref());
    assert_eq!(r.status, SolveStatus::UserStop);
    assert_eq!(r.iterations, 3);
    for name in ["iter_start", "after_mu", "after_search_dir", "after_step"] {
        assert!(seen.contains(name), "{name} not fired: {seen:?}");
    }
}

#[test]
fn restoration_checkpoints_fire_on_an_infeasible_problem() {
    let p = ipax_testing::get("infeasible_quadratic", None).unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut obs = |v: &ipax::IterationView<'_>| {
        seen.insert(v.checkpoint().name());
        ObserverAction::Continue
    };
    let r = ipax::Solver::new(quiet()).with_observer(&mut obs).solve(p.as_ref());
    assert_eq!(r.status, SolveStatus::Infeasible);
    assert!(seen.contains("pre_restoration_entry"), "{seen:?}");
}

#[test]
fn alternative_globalization_and_mu_strategy_solve_hs_problems() {
    for (key, value) in [("line_search", "l1-merit"), ("mu_strategy", "adaptive")] {
        for name in ["hs071", "hs035", "hs100", "hs106", "rosenbrock"] {
            let p = ipax_testing::get(name, None).unwrap();
            let o = ipax_testing::oracle(name, None).unwrap();
            let mut opts = quiet();
            opts.set(key, value).unwrap();
            let r = ipax::solve(p.as_ref(), &opts);
            assert!(r.status.is_success(), "{name} with {key}={value}: {:?}", r.status);
            let f = o.f_star.unwrap();
            assert!((r.objective - f).abs() <= 1e-6 * f.abs().max(1.0), "{name} with {key}={value}: f = {}", r.objective);
        }
    }
}

#[test]
fn max_iter_is_reported_honestly() {
    let p = ipax_testing::get("hs071", None).unwrap();
    let mut o = quiet();
    o.max_iter = 2;
    let r = ipax::solve(p.as_ref(), &o);
    assert_eq!(r.status, SolveStatus::MaxIterations);
    assert!(!r.status.is_success());
}

#[test]
fn matrix_free_problem_uses_the_condensed_krylov_route() {
    let p = ipax_testing::get_matrix_free("ext_rosenbrock", Some(2000)).unwrap();
    let r = ipax::solve(p.as_ref(), &quiet());
    assert_eq!(r.status, SolveStatus::Optimal);
    assert!(r.message.contains("Condensed") && r.message.contains("cg"), "{}", r.message);
    assert!(r.objective.abs() < 1e-10);
}

/// HS27 shortens its steps in consecutive early iterations: with the trigger lowered to 2
/// (`watchdog_shortened_iter_trigger`, Ipopt's name) the watchdog must fire (unchecked full steps,
/// tag `w`), and the solve must still end at the optimum.
#[test]
fn watchdog_fires_after_repeated_step_shortening() {
    let p = ipax_testing::get("hs027", None).unwrap();
    let mut tags = Vec::new();
    let mut obs = |v: &ipax::IterationView<'_>| {
        if v.checkpoint() == Checkpoint::AfterStep {
            tags.push(v.step().tag.to_string());
        }
        ObserverAction::Continue
    };
    let mut o = quiet();
    o.set("kkt_route", "condensed").unwrap();
    o.set("watchdog_shortened_iter_trigger", "2").unwrap();
    let r = ipax::Solver::new(o).with_observer(&mut obs).solve(p.as_ref());
    assert_eq!(r.status, SolveStatus::Optimal);
    assert!((r.objective - 0.04).abs() < 1e-8);
    assert!(tags.iter().any(|t| t == "w"), "watchdog never fired: {tags:?}");
}

/// Matrix-free problems with constraints on the condensed CG route: a stalled CG solve enlarges
/// the primal-dual regularization instead of the Hessian shift, and refinement keeps the steps exact.
#[test]
fn matrix_free_constrained_problems_solve_on_the_cg_route() {
    for (name, size) in [("elliptic_control", 22), ("disk_chain", 1000)] {
        let p = ipax_testing::get_matrix_free(name, Some(size)).unwrap();
        let reference = ipax::solve(ipax_testing::get(name, Some(size)).unwrap().as_ref(), &quiet());
        let r = ipax::solve(p.as_ref(), &quiet());
        assert_eq!(r.status, SolveStatus::Optimal, "{name}");
        assert!(r.message.contains("cg"), "{name}: {}", r.message);
        assert!(
            (r.objective - reference.objective).abs() <= 1e-6 * reference.objective.abs().max(1.0),
            "{name}: {} vs {}",
            r.objective,
            reference.objective
        );
    }
}

/// Assembled problems on the condensed CG route get an IC(0) preconditioner of the assembled
/// condensed matrix: on the banded families (a chain QCQP, an ODE-constrained control problem) it
/// is nearly exact, so each KKT solve takes a handful of CG iterations where Jacobi needs hundreds,
/// and the iterates match the augmented route's.
#[test]
fn incomplete_cholesky_preconditions_the_assembled_condensed_route() {
    for (name, size) in [("disk_chain", 600), ("vanderpol", 150)] {
        let reference = ipax::solve(ipax_testing::get(name, Some(size)).unwrap().as_ref(), &quiet());
        let run = |pc: &str| {
            let mut o = quiet();
            o.set("kkt_route", "condensed").unwrap();
            o.set("linear_solver", "cg").unwrap();
            o.set("krylov_preconditioner", pc).unwrap();
            let mut krylov = Vec::new();
            let mut obs = |v: &ipax::IterationView<'_>| {
                if v.checkpoint() == Checkpoint::AfterStep && !v.in_restoration() {
                    krylov.push(v.step().kkt.krylov_iterations);
                }
                ObserverAction::Continue
            };
            let r = ipax::Solver::new(o).with_observer(&mut obs).solve(ipax_testing::get(name, Some(size)).unwrap().as_ref());
            (r, krylov)
        };
        let (r, krylov) = run("auto");
        assert_eq!(r.status, SolveStatus::Optimal, "{name}");
        assert!(
            (r.objective - reference.objective).abs() <= 1e-6 * reference.objective.abs().max(1.0),
            "{name}: {} vs {}",
            r.objective,
            reference.objective
        );
        let worst = krylov.iter().copied().max().unwrap_or(0);
        assert!(worst <= 40, "{name}: {worst} CG iterations in one KKT solve ({krylov:?})");
        let (rj, kj) = run("jacobi");
        let total_ic: usize = krylov.iter().sum();
        let total_jacobi: usize = kj.iter().sum();
        assert!(
            rj.status != SolveStatus::Optimal || total_jacobi > 5 * total_ic,
            "{name}: Jacobi {total_jacobi} vs IC {total_ic} CG iterations"
        );
    }
}

/// `licq_fail` has no KKT point (the constraint gradient vanishes on the feasible set), so its
/// multiplier diverges. Ipopt's scaled dual error divides by s_d ∝ ‖y‖ and would accept an O(1)
/// dual residual; ipax must either reach f* or end without claiming success — on every route.
#[test]
fn diverging_multipliers_do_not_fake_optimality() {
    for route in ["augmented", "condensed"] {
        for hess in ["exact", "limited-memory"] {
            let p = ipax_testing::get("licq_fail", None).unwrap();
            let mut o = quiet();
            o.set("kkt_route", route).unwrap();
            o.set("hessian_approximation", hess).unwrap();
            o.max_iter = 300;
            let r = ipax::solve(p.as_ref(), &o);
            if r.status.is_success() {
                assert!(r.objective.abs() <= 1e-6, "[{route}, {hess}] {:?} at f = {}", r.status, r.objective);
            }
        }
    }
}

/// A problem seen through user scaling (`nlp_scaling_method = user-scaling`).
struct Scaled {
    inner: Box<dyn Problem>,
    scaling: ipax_core::ProblemScaling,
}

impl Problem for Scaled {
    fn num_variables(&self) -> usize {
        self.inner.num_variables()
    }
    fn num_constraints(&self) -> usize {
        self.inner.num_constraints()
    }
    fn variable_bounds(&self, l: &mut [f64], u: &mut [f64]) {
        self.inner.variable_bounds(l, u)
    }
    fn constraint_bounds(&self, l: &mut [f64], u: &mut [f64]) {
        self.inner.constraint_bounds(l, u)
    }
    fn initial_point(&self, x0: &mut [f64]) {
        self.inner.initial_point(x0)
    }
    fn objective(&self, x: &[f64]) -> Result<f64, EvalError> {
        self.inner.objective(x)
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) -> Result<(), EvalError> {
        self.inner.gradient(x, g)
    }
    fn constraints(&self, x: &[f64], c: &mut [f64]) -> Result<(), EvalError> {
        self.inner.constraints(x, c)
    }
    fn jacobian(&self, x: &[f64]) -> Result<Box<dyn LinearOperator + '_>, EvalError> {
        self.inner.jacobian(x)
    }
    fn has_hessian(&self) -> bool {
        self.inner.has_hessian()
    }
    fn hessian(&self, x: &[f64], s: f64, l: &[f64]) -> Result<Option<Box<dyn LinearOperator + '_>>, EvalError> {
        self.inner.hessian(x, s, l)
    }
    fn scaling(&self) -> Option<ipax_core::ProblemScaling> {
        Some(self.scaling.clone())
    }
}

/// User scaling of the objective, the variables and the constraints changes the algorithm's
/// coordinates, not the answer: x, f and all multipliers come back in the user's units.
#[test]
fn user_scaling_of_variables_and_constraints_returns_unscaled_results() {
    let plain = ipax::solve(ipax_testing::get("hs071", None).unwrap().as_ref(), &quiet());
    for route in ["augmented", "condensed"] {
        for hess in ["exact", "limited-memory"] {
            let p = Scaled {
                inner: ipax_testing::get("hs071", None).unwrap(),
                scaling: ipax_core::ProblemScaling {
                    objective: 0.5,
                    variables: Some(vec![10.0, 0.1, 1.0, 100.0]),
                    constraints: Some(vec![0.01, 3.0]),
                },
            };
            let mut o = quiet();
            o.set("nlp_scaling_method", "user-scaling").unwrap();
            o.set("kkt_route", route).unwrap();
            o.set("hessian_approximation", hess).unwrap();
            let r = ipax::solve(&p, &o);
            assert_eq!(r.status, SolveStatus::Optimal, "{route} {hess}");
            assert!((r.objective - plain.objective).abs() < 1e-7, "{route} {hess}: {}", r.objective);
            for (a, b) in r.x.iter().zip(&plain.x) {
                assert!((a - b).abs() < 1e-6, "{route} {hess}: {:?}", r.x);
            }
            for (a, b) in r.constraint_multipliers.iter().zip(&plain.constraint_multipliers) {
                assert!((a - b).abs() < 1e-5, "{route} {hess}: y {:?} vs {:?}", r.constraint_multipliers, plain.constraint_multipliers);
            }
            for (a, b) in r.lower_bound_multipliers.iter().zip(&plain.lower_bound_multipliers) {
                assert!((a - b).abs() < 1e-5, "{route} {hess}: z_L {:?} vs {:?}", r.lower_bound_multipliers, plain.lower_bound_multipliers);
            }
        }
    }
}

/// More equations than unknowns: consistent systems solve (Ipopt stops with "too few degrees of
/// freedom"), inconsistent ones are reported infeasible.
#[test]
fn overdetermined_systems_solve_when_consistent_and_are_infeasible_otherwise() {
    for (rhs, expected) in [(0.5, SolveStatus::Optimal), (2.0, SolveStatus::Infeasible)] {
        // x + y = 1, x − y = 0, x = rhs (consistent only for rhs = 0.5)
        let p = FunctionProblem::builder()
            .objective(|x: &[f64]| 0.0 * x[0])
            .gradient(|_x: &[f64], g: &mut [f64]| g.iter_mut().for_each(|v| *v = 0.0))
            .constraints(|x: &[f64], c: &mut [f64]| {
                c[0] = x[0] + x[1];
                c[1] = x[0] - x[1];
                c[2] = x[0];
            })
            .jacobian_triplets(vec![0, 0, 1, 1, 2], vec![0, 1, 0, 1, 0], |_x: &[f64], v: &mut [f64]| {
                v.copy_from_slice(&[1.0, 1.0, 1.0, -1.0, 1.0]);
            })
            .hessian_triplets(vec![], vec![], |_x: &[f64], _s: f64, _l: &[f64], _v: &mut [f64]| {})
            .initial_point(vec![0.0, 0.0])
            .constraint_bounds(vec![1.0, 0.0, rhs], vec![1.0, 0.0, rhs])
            .build()
            .unwrap();
        for route in ["augmented", "condensed"] {
            let mut o = quiet();
            o.set("kkt_route", route).unwrap();
            let r = ipax::solve(&p, &o);
            assert_eq!(r.status, expected, "rhs {rhs}, {route}");
            if expected == SolveStatus::Optimal {
                assert!((r.x[0] - 0.5).abs() < 1e-8 && (r.x[1] - 0.5).abs() < 1e-8, "{:?}", r.x);
            }
        }
    }
}

#[test]
fn every_sparse_ordering_solves_the_sparse_families_to_the_same_point() {
    // Sizes where the augmented KKT matrix is above the dense threshold, so SparseLdl runs.
    for (name, size) in [("obstacle", 20), ("elliptic_control", 12), ("vanderpol", 150), ("bratu", 20)] {
        let p = ipax::testing::get(name, Some(size)).unwrap();
        let mut objectives = Vec::new();
        for ordering in ["amd", "nested-dissection", "auto"] {
            let mut o = quiet();
            o.set("sparse_ldl_ordering", ordering).unwrap();
            o.set("kkt_route", "augmented").unwrap();
            let r = ipax::solve(p.as_ref(), &o);
            assert_eq!(r.status, SolveStatus::Optimal, "{name} with {ordering}");
            assert!(r.errors.constraint_violation <= 1e-8, "{name} with {ordering}");
            objectives.push(r.objective);
        }
        for f in &objectives[1..] {
            assert!((f - objectives[0]).abs() <= 1e-8 * objectives[0].abs().max(1.0), "{name}: {objectives:?}");
        }
    }
}

/// Counts the solves of every linear solver it creates (wrapping the default choice).
struct CountingFactory {
    inner: ipax::DefaultSolverFactory,
    solves: Arc<AtomicUsize>,
}

struct CountingSolver {
    inner: Box<dyn ipax::LinearSolver + Send>,
    solves: Arc<AtomicUsize>,
}

impl ipax::LinearSolver for CountingSolver {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn capabilities(&self) -> ipax_core::Capabilities {
        self.inner.capabilities()
    }
    fn analyze(&mut self, op: &dyn LinearOperator) -> Result<(), ipax_core::LinSolveError> {
        self.inner.analyze(op)
    }
    fn factor(&mut self, op: &dyn LinearOperator, reg: &ipax_core::Regularization) -> Result<ipax_core::FactorInfo, ipax_core::LinSolveError> {
        self.inner.factor(op, reg)
    }
    fn solve_in_place(&mut self, op: &dyn LinearOperator, rhs: &mut [f64]) -> Result<ipax_core::SolveInfo, ipax_core::LinSolveError> {
        self.solves.fetch_add(1, Ordering::Relaxed);
        self.inner.solve_in_place(op, rhs)
    }
}

impl ipax_ipm::LinearSolverFactory for CountingFactory {
    fn create(&self, request: &ipax_ipm::SolverRequest) -> Box<dyn ipax::LinearSolver + Send> {
        Box::new(CountingSolver { inner: self.inner.create(request), solves: self.solves.clone() })
    }
}

#[test]
fn min_refinement_steps_forces_refinement_solves() {
    let p = ipax::testing::get("hs071", None).unwrap();
    let mut counts = Vec::new();
    for min_steps in ["0", "2"] {
        let mut o = quiet();
        o.set("min_refinement_steps", min_steps).unwrap();
        let factory = CountingFactory { inner: ipax::DefaultSolverFactory::from_options(&o), solves: Arc::new(AtomicUsize::new(0)) };
        let qn = |n: usize, _m: usize| -> Box<dyn ipax_core::HessianApproximation> { Box::new(ipax::operators::Lbfgs::new(n)) };
        let la = ipax_ipm::driver::LinearAlgebra { route: ipax::choose_route(p.as_ref(), &o), factory: &factory, quasi_newton: &qn };
        let r = ipax_ipm::driver::solve(p.as_ref(), &o, &la, None, None);
        assert_eq!((r.status, r.iterations), (SolveStatus::Optimal, 8), "min_refinement_steps={min_steps}");
        counts.push(factory.solves.load(Ordering::Relaxed));
    }
    // Refinement steps are forced where the first solve was already accurate (and stop early
    // only when they no longer reduce the residual), so strictly more solves happen.
    assert!(counts[1] > counts[0], "solves with min 0 / 2: {counts:?}");
}

#[test]
fn start_with_resto_restores_first_and_fails_at_a_feasible_start() {
    // HS71 starts infeasible: restoration runs before any Newton step, then the solve goes on.
    let p = ipax_testing::get("hs071", None).unwrap();
    let mut first_resto_iter = None;
    let mut obs = |v: &ipax::IterationView<'_>| {
        if v.checkpoint() == Checkpoint::PreRestorationEntry && first_resto_iter.is_none() {
            first_resto_iter = Some(v.iteration());
        }
        ObserverAction::Continue
    };
    let mut o = quiet();
    o.set("start_with_resto", "yes").unwrap();
    let r = ipax::Solver::new(o.clone()).with_observer(&mut obs).solve(p.as_ref());
    assert_eq!(r.status, SolveStatus::Optimal);
    assert!((r.objective - 17.0140173).abs() < 1e-6);
    assert_eq!(first_resto_iter, Some(0));
    // HS35 starts feasible: nothing to restore, which Ipopt reports as a failure too.
    let feasible = ipax_testing::get("hs035", None).unwrap();
    assert_eq!(ipax::solve(feasible.as_ref(), &o).status, SolveStatus::RestorationFailed);
}

#[test]
fn acceptable_obj_change_tol_holds_back_the_acceptable_exit() {
    // A loose acceptable level reached after one iteration ends the solve "Acceptable" early...
    let p = ipax_testing::get("rosenbrock", None).unwrap();
    let mut o = quiet();
    o.set("tol", "1e-14").unwrap();
    o.set("acceptable_tol", "1e3").unwrap();
    o.set("acceptable_iter", "1").unwrap();
    let loose = ipax::solve(p.as_ref(), &o);
    assert_eq!(loose.status, SolveStatus::Acceptable);
    // ...unless the objective must also have stopped changing.
    o.set("acceptable_obj_change_tol", "1e-10").unwrap();
    let strict = ipax::solve(p.as_ref(), &o);
    assert!(strict.status.is_success(), "{:?}", strict.status);
    assert!(strict.iterations > loose.iterations + 5, "{} vs {}", strict.iterations, loose.iterations);
    assert!(strict.objective < 1e-10);
}

/// `min 1e30·x² + y²` (or `1e30·(x − 1)²`) with `x + y ≥ 0.5` and bounds: the objective scaling
/// (~1e-29) and the huge curvature stress the κ_Σ safeguard of the bound multipliers, whose
/// interval `[μ/(κ_Σ s), κ_Σ μ/s]` was passed to `f64::clamp` (a panic when crossed or NaN).
/// Whatever the route and Hessian, the solve must return a status, never panic, and Optimal
/// must meet Ipopt's unscaled `dual_inf_tol` (the scaled test alone is blind at σ_f ~ 1e-29;
/// Acceptable only promises `acceptable_dual_inf_tol` = 1e10, as Ipopt).
#[test]
fn huge_objectives_never_panic_and_success_is_stationary() {
    type F = fn(&[f64]) -> f64;
    let cases: [(f64, f64, f64, F, F, F); 3] = [
        (-1.0, 2.0, 1.5, |x| 1e30 * x[0] * x[0] + x[1] * x[1], |x| 2e30 * x[0], |_| 2e30),
        (0.5, 2.0, 1.5, |x| 1e30 * x[0] * x[0] + x[1] * x[1], |x| 2e30 * x[0], |_| 2e30),
        (-1.0, f64::INFINITY, 1.5, |x| 1e30 * (x[0] - 1.0).powi(2) + x[1] * x[1], |x| 2e30 * (x[0] - 1.0), |_| 2e30),
    ];
    for (k, (lo, up, x0, f, dfx, hxx)) in cases.into_iter().enumerate() {
        let p = FunctionProblem::builder()
            .objective(move |x: &[f64]| f(x))
            .gradient(move |x: &[f64], g: &mut [f64]| {
                g[0] = dfx(x);
                g[1] = 2.0 * x[1];
            })
            .constraints(|x: &[f64], c: &mut [f64]| c[0] = x[0] + x[1])
            .jacobian_dense(|_x: &[f64], j: &mut [f64]| {
                j[0] = 1.0;
                j[1] = 1.0;
            })
            .hessian_triplets(vec![0, 1], vec![0, 1], move |x: &[f64], s: f64, _l: &[f64], out: &mut [f64]| {
                out[0] = s * hxx(x);
                out[1] = 2.0 * s;
            })
            .constraint_bounds(vec![0.5], vec![f64::INFINITY])
            .variable_bounds(vec![lo, lo], vec![up, up])
            .initial_point(vec![x0, x0])
            .build()
            .unwrap();
        for route in ["augmented", "condensed"] {
            for hess in ["exact", "limited-memory"] {
                let mut o = quiet();
                o.set("kkt_route", route).unwrap();
                o.set("hessian_approximation", hess).unwrap();
                o.max_iter = 300;
                let r = ipax::solve(&p, &o);
                if r.status == SolveStatus::Optimal {
                    // The y-part of the KKT conditions in the user's units: 2y + λ − z_L + z_U = 0
                    // (the x-part is dominated by 1e30 and says little).
                    let ky = 2.0 * r.x[1] + r.constraint_multipliers[0] - r.lower_bound_multipliers[1] + r.upper_bound_multipliers[1];
                    assert!(ky.abs() <= o.dual_inf_tol, "case {k} [{route}, {hess}]: {:?} at {:?}, y-stationarity {ky:e}", r.status, r.x);
                }
            }
        }
    }
}

/// A Hessian callback returning NaN/∞ away from the start must not panic: the step is backed off
/// or the solve ends with a status.
#[test]
fn nan_and_inf_in_derivatives_end_with_a_status_not_a_panic() {
    for bad in [f64::NAN, f64::INFINITY] {
        let p = FunctionProblem::builder()
            .objective(|x: &[f64]| (x[0] - 3.0).powi(2))
            .gradient(|x: &[f64], g: &mut [f64]| g[0] = 2.0 * (x[0] - 3.0))
            .hessian_triplets(vec![0], vec![0], move |x: &[f64], s: f64, _l: &[f64], out: &mut [f64]| {
                out[0] = if x[0] > 1.0 { bad } else { 2.0 * s };
            })
            .initial_point(vec![0.0])
            .build()
            .unwrap();
        let r = ipax::solve(&p, &quiet());
        assert!(!r.status.is_success() || (r.x[0] - 3.0).abs() < 1e-6, "{:?} at {:?}", r.status, r.x);
    }
}
