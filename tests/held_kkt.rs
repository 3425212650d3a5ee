//! The IPM's held KKT factor (`hold_kkt_factor`, issue 19): back-solves with it agree with the
//! KKT matrix factored again at the solution, parametric steps from it match finite differences
//! of re-solves, it maps the user's scaling and fixed variables, it is `Send`, and holding it
//! changes nothing about the solve.

use ipax::{KktFactor, Options, SensitivityError, SolveResult, SolveStatus};
use ipax_core::{Problem, ProblemScaling};
use ipax_problem::FunctionProblem;

/// Variables (x0, x1, x2, x3) with x3 fixed at 0.5 by its bounds and x2 ≥ 0 active:
/// ```text
/// min (x0 − 2)² + (x1 − 1)² + x0 x1 + (x2 + 5)² + 0.1 x1⁴ + x3 x0
/// s.t. c0 = x0 + x1 + x2 = p,   c1 = x0 x1 ≤ 1.2 (active),   −10 ≤ c2 = x0 − x1 ≤ 10 (inactive)
/// ```
/// `rows` multiplies c0 (a badly scaled row triggers gradient-based scaling).
fn problem(p: f64, rows: f64, scaling: Option<ProblemScaling>) -> FunctionProblem {
    let mut b = FunctionProblem::builder()
        .objective(|x: &[f64]| (x[0] - 2.0).powi(2) + (x[1] - 1.0).powi(2) + x[0] * x[1] + (x[2] + 5.0).powi(2) + 0.1 * x[1].powi(4) + x[3] * x[0])
        .gradient(|x: &[f64], g: &mut [f64]| {
            g[0] = 2.0 * (x[0] - 2.0) + x[1] + x[3];
            g[1] = 2.0 * (x[1] - 1.0) + x[0] + 0.4 * x[1].powi(3);
            g[2] = 2.0 * (x[2] + 5.0);
            g[3] = x[0];
        })
        .constraints(move |x: &[f64], c: &mut [f64]| {
            c[0] = rows * (x[0] + x[1] + x[2]);
            c[1] = x[0] * x[1];
            c[2] = x[0] - x[1];
        })
        .jacobian_triplets(vec![0, 0, 0, 1, 1, 2, 2], vec![0, 1, 2, 0, 1, 0, 1], move |x: &[f64], v: &mut [f64]| {
            v.copy_from_slice(&[rows, rows, rows, x[1], x[0], 1.0, -1.0]);
        })
        .hessian_triplets(vec![0, 1, 1, 2, 3], vec![0, 0, 1, 2, 0], |x: &[f64], s: f64, l: &[f64], v: &mut [f64]| {
            v.copy_from_slice(&[2.0 * s, s + l[1], s * (2.0 + 1.2 * x[1] * x[1]), 2.0 * s, s]);
        })
        .initial_point(vec![1.0, 1.0, 1.0, 0.5])
        .variable_bounds(vec![-1e20, -1e20, 0.0, 0.5], vec![1e20, 1e20, 1e20, 0.5])
        .constraint_bounds(vec![rows * p, -1e20, -10.0], vec![rows * p, 1.2, 10.0]);
    if let Some(s) = scaling {
        b = b.scaling(s);
    }
    b.build().unwrap()
}

fn options(hold: bool) -> Options {
    let mut o = Options { print_level: 0, ..Default::default() };
    o.set("tol", "1e-10").unwrap();
    o.set("hold_kkt_factor", if hold { "yes" } else { "no" }).unwrap();
    o
}

fn solve(problem: &dyn Problem, o: &Options) -> SolveResult {
    let r = ipax::solve(problem, o);
    assert_eq!(r.status, SolveStatus::Optimal, "{}", r.message);
    r
}

/// Deterministic right-hand sides (k columns of length n + m, one after another).
fn rhs(dim: usize, k: usize) -> Vec<f64> {
    (0..dim * k).map(|i| ((i * 7919 + 13) % 101) as f64 / 50.0 - 1.0).collect()
}

fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    a.iter().zip(b).fold(0.0f64, |m, (x, y)| m.max((x - y).abs())) / scale
}

/// Held and fresh factors solve the same systems to `tol` (per column, relative to its max).
fn assert_agree(p: &dyn Problem, r: &SolveResult, tol: f64) {
    let mut held = KktFactor::held(r).expect("a held factor");
    let mut fresh = KktFactor::at_solution(p, r).unwrap();
    assert!(held.is_held() && !fresh.is_held());
    let (n, m) = fresh.dims();
    assert_eq!(held.dims(), (n, m));
    let k = 5;
    let mut a = rhs(n + m, k);
    let mut b = a.clone();
    held.solve_many_in_place(&mut a).unwrap();
    fresh.solve_many_in_place(&mut b).unwrap();
    for j in 0..k {
        let (ca, cb) = (&a[j * (n + m)..(j + 1) * (n + m)], &b[j * (n + m)..(j + 1) * (n + m)]);
        let d = max_rel_diff(ca, cb);
        assert!(d < tol, "column {j}: held {ca:?} vs fresh {cb:?} (rel diff {d:.2e})");
    }
    // k right-hand sides at once = one at a time.
    let one = held.solve(&rhs(n + m, k)[(n + m)..2 * (n + m)]).unwrap();
    assert!(max_rel_diff(&one, &a[(n + m)..2 * (n + m)]) < 1e-14);
}

#[test]
fn the_problem_has_the_activity_the_tests_rely_on() {
    let p = problem(3.0, 1.0, None);
    let r = solve(&p, &options(true));
    assert!(r.x[2].abs() < 1e-7 && r.lower_bound_multipliers[2] > 1e-2, "x2 ≥ 0 active: {:?} {:?}", r.x, r.lower_bound_multipliers);
    assert!((r.constraints[1] - 1.2).abs() < 1e-8 && r.constraint_multipliers[1].abs() > 1e-2, "c1 active: {:?} {:?}", r.constraints, r.constraint_multipliers);
    assert!(r.constraints[2].abs() < 9.0, "c2 inactive");
    assert_eq!(r.x[3], 0.5);
}

#[test]
fn held_factor_agrees_with_the_factor_at_the_solution() {
    let p = problem(3.0, 1.0, None);
    let r = solve(&p, &options(true));
    let info = KktFactor::held(&r).unwrap().held_info().unwrap();
    assert_eq!(info.iteration + 1, r.iterations);
    assert_agree(&p, &r, 1e-6);
}

#[test]
fn held_factor_maps_scaling_and_fixed_variables() {
    // Gradient-based scaling (row 0 has gradient 1e3) and an objective scaling factor.
    let p = problem(3.0, 1e3, None);
    let mut o = options(true);
    o.set("obj_scaling_factor", "7").unwrap();
    let r = solve(&p, &o);
    assert_agree(&p, &r, 1e-6);
    // User scaling of variables, objective and rows.
    let s = ProblemScaling { objective: 3.0, variables: Some(vec![2.0, 0.5, 3.0, 1.0]), constraints: Some(vec![0.1, 4.0, 1.0]) };
    let p = problem(3.0, 1.0, Some(s));
    let mut o = options(true);
    o.set("nlp_scaling_method", "user-scaling").unwrap();
    let r = solve(&p, &o);
    assert_agree(&p, &r, 1e-6);
    // The fixed variable x3 does not move, whatever its right-hand side.
    let mut k = KktFactor::held(&r).unwrap();
    let v = k.solve(&[0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]).unwrap();
    assert_eq!(v[3], 0.0);
}

#[test]
fn equality_constrained_qp_held_factor_is_exact() {
    // min ½‖x − q‖² s.t. x0 + x1 + x2 = 1: no bounds, no inequalities, so the held matrix is the
    // exact KKT matrix (the Hessian and Jacobian are constant): agreement to rounding.
    let q = [0.3, 0.9, -0.2];
    let p = FunctionProblem::builder()
        .objective(move |x: &[f64]| 0.5 * (0..3).map(|i| (x[i] - q[i]).powi(2)).sum::<f64>())
        .gradient(move |x: &[f64], g: &mut [f64]| (0..3).for_each(|i| g[i] = x[i] - q[i]))
        .constraints(|x: &[f64], c: &mut [f64]| c[0] = x[0] + x[1] + x[2])
        .jacobian_triplets(vec![0, 0, 0], vec![0, 1, 2], |_x: &[f64], v: &mut [f64]| v.fill(1.0))
        .hessian_triplets(vec![0, 1, 2], vec![0, 1, 2], |_x: &[f64], s: f64, _l: &[f64], v: &mut [f64]| v.fill(s))
        .initial_point(vec![0.0; 3])
        .constraint_bounds(vec![1.0], vec![1.0])
        .build()
        .unwrap();
    let r = solve(&p, &options(true));
    assert_agree(&p, &r, 1e-12);
    // dx/db for the row's right-hand side: (1, 1, 1)/3.
    let v = KktFactor::held(&r).unwrap().solve(&[0.0, 0.0, 0.0, 1.0]).unwrap();
    for i in 0..3 {
        assert!((v[i] - 1.0 / 3.0).abs() < 1e-12, "{v:?}");
    }
}

#[test]
fn parametric_step_from_the_held_factor_matches_finite_differences() {
    // p enters the right-hand side of c0 = p: K [dx; dy] = [0; e_0] dp (sIPOPT, eq. 8).
    let (p0, h) = (3.0, 1e-5);
    let base = problem(p0, 1.0, None);
    let r = solve(&base, &options(true));
    let mut k = KktFactor::held(&r).unwrap();
    let (n, m) = k.dims();
    let mut e = vec![0.0; n + m];
    e[n] = 1.0;
    let d = k.solve(&e).unwrap();
    let rp = solve(&problem(p0 + h, 1.0, None), &options(false));
    let rm = solve(&problem(p0 - h, 1.0, None), &options(false));
    for (i, di) in d[..n].iter().enumerate() {
        let fd = (rp.x[i] - rm.x[i]) / (2.0 * h);
        assert!((di - fd).abs() < 1e-6, "dx{i}/dp: held {di} vs finite differences {fd}");
    }
    for i in 0..m {
        let fd = (rp.constraint_multipliers[i] - rm.constraint_multipliers[i]) / (2.0 * h);
        assert!((d[n + i] - fd).abs() < 1e-5, "dy{i}/dp: held {} vs finite differences {fd}", d[n + i]);
    }
}

#[test]
fn holding_the_factor_changes_nothing_about_the_solve() {
    let p = problem(3.0, 1.0, None);
    let a = solve(&p, &options(true));
    let b = solve(&p, &options(false));
    assert!(a.held_kkt.is_some() && b.held_kkt.is_none());
    assert_eq!(a.iterations, b.iterations);
    assert_eq!(a.x.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), b.x.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
    assert!(matches!(KktFactor::held(&b), Err(SensitivityError::NoHeldFactor)));
    // Without a held factor, reuse falls back to the factorization at the solution.
    assert!(!KktFactor::reuse_or_at_solution(&p, &b).unwrap().is_held());
    assert!(KktFactor::reuse_or_at_solution(&p, &a).unwrap().is_held());
}

#[test]
fn no_factor_is_held_on_the_condensed_route_or_with_lbfgs() {
    let p = problem(3.0, 1.0, None);
    let mut o = options(true);
    o.set("kkt_route", "condensed").unwrap();
    assert!(solve(&p, &o).held_kkt.is_none());
    let mut o = options(true);
    o.set("hessian_approximation", "limited-memory").unwrap();
    o.set("tol", "1e-8").unwrap();
    assert!(ipax::solve(&p, &o).held_kkt.is_none());
}

#[test]
fn held_factor_is_send_and_solves_on_another_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<KktFactor>();
    assert_send::<ipax::SolveResult>();
    let p = problem(3.0, 1.0, None);
    let r = solve(&p, &options(true));
    let mut here = KktFactor::held(&r).unwrap();
    let mut there = KktFactor::held(&r).unwrap();
    let b = rhs(7, 1);
    let local = here.solve(&b).unwrap();
    let b2 = b.clone();
    let remote = std::thread::spawn(move || there.solve(&b2).unwrap()).join().unwrap();
    assert_eq!(local, remote);
    // Several threads at once share the factor (back-solves are serialized by its mutex).
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let mut k = KktFactor::held(&r).unwrap();
            let b = b.clone();
            std::thread::spawn(move || k.solve(&b).unwrap())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), local);
    }
}

#[test]
fn held_factor_rejects_bad_right_hand_sides() {
    let p = problem(3.0, 1.0, None);
    let r = solve(&p, &options(true));
    let mut k = KktFactor::held(&r).unwrap();
    assert!(matches!(k.solve(&[1.0; 3]), Err(SensitivityError::RhsLength { .. })));
    assert!(matches!(k.solve_many_in_place(&mut [1.0; 10]), Err(SensitivityError::RhsLength { .. })));
    assert!(matches!(k.solve(&[f64::NAN; 7]), Err(SensitivityError::Held(_))));
}


/// Per-column max relative difference of two k-column blocks.
fn worst_column_diff(a: &[f64], b: &[f64], dim: usize) -> f64 {
    a.chunks(dim).zip(b.chunks(dim)).map(|(x, y)| max_rel_diff(x, y)).fold(0.0, f64::max)
}

/// The refined held factor and the one at the solution on `k` right-hand sides: (refined vs
/// fresh, raw held vs fresh) worst relative differences, and the refinement's statistics.
fn refined_vs_fresh(p: &dyn Problem, r: &SolveResult) -> (f64, f64, ipax::RefineStats) {
    let mut refined = KktFactor::held_refined(p, r).expect("a held factor");
    assert_eq!(refined.source(), ipax::KktSource::HeldRefined);
    assert!(refined.is_held());
    let mut fresh = KktFactor::at_solution(p, r).unwrap();
    let mut raw = KktFactor::held(r).unwrap();
    let (n, m) = fresh.dims();
    let k = 6;
    let (mut a, mut b, mut c) = (rhs(n + m, k), rhs(n + m, k), rhs(n + m, k));
    refined.solve_many_in_place(&mut a).unwrap();
    fresh.solve_many_in_place(&mut b).unwrap();
    raw.solve_many_in_place(&mut c).unwrap();
    // Still the held factor: nothing stalled.
    assert_eq!(refined.source(), ipax::KktSource::HeldRefined, "{:?}", refined.refine_stats());
    let stats = refined.refine_stats().unwrap();
    assert_eq!(stats.columns, k);
    (worst_column_diff(&a, &b, n + m), worst_column_diff(&c, &b, n + m), stats)
}

#[test]
fn refined_held_factor_equals_the_factor_at_the_solution() {
    // Active bound x2 ≥ 0, active c1, inactive two-sided c2, fixed x3; unscaled, gradient-based
    // scaling with an objective factor, and user scaling of variables, objective and rows.
    let mut cases: Vec<(&str, FunctionProblem, Options)> = vec![("unscaled", problem(3.0, 1.0, None), options(true))];
    let mut o = options(true);
    o.set("obj_scaling_factor", "7").unwrap();
    cases.push(("gradient-based", problem(3.0, 1e3, None), o));
    let s = ProblemScaling { objective: 3.0, variables: Some(vec![2.0, 0.5, 3.0, 1.0]), constraints: Some(vec![0.1, 4.0, 1.0]) };
    let mut o = options(true);
    o.set("nlp_scaling_method", "user-scaling").unwrap();
    cases.push(("user", problem(3.0, 1.0, Some(s)), o));
    // A looser IPM tolerance: the held matrix is further from K*, so refinement has work to do.
    let mut o = options(true);
    o.set("tol", "1e-6").unwrap();
    cases.push(("tol=1e-6", problem(3.0, 1.0, None), o));
    for (name, p, o) in &cases {
        let r = solve(p, o);
        let (refined, raw, stats) = refined_vs_fresh(p, &r);
        assert!(refined < 1e-10, "{name}: refined held vs at_solution {refined:.2e} ({stats:?})");
        // The held matrix differs from K*: the raw back-solve is off, and it took refinement steps.
        assert!(raw > 1e-10, "{name}: the raw held solve already agrees ({raw:.2e}): the test shows nothing");
        assert!(stats.steps > 0 && stats.max_steps >= 1 && !stats.stalled, "{name}: {stats:?}");
        assert!(stats.worst_correction <= 1e-12, "{name}: {stats:?}");
        eprintln!("{name}: raw held {raw:.1e}, refined {refined:.1e}, {stats:?}");
    }
}

#[test]
fn refined_held_factor_is_exact_in_one_step_when_the_matrices_agree() {
    // Equality-constrained QP: the held matrix is K*, so the first correction is at rounding level.
    let p = FunctionProblem::builder()
        .objective(|x: &[f64]| 0.5 * (x[0] * x[0] + 2.0 * x[1] * x[1]))
        .gradient(|x: &[f64], g: &mut [f64]| {
            g[0] = x[0];
            g[1] = 2.0 * x[1];
        })
        .constraints(|x: &[f64], c: &mut [f64]| c[0] = x[0] + x[1])
        .jacobian_triplets(vec![0, 0], vec![0, 1], |_x: &[f64], v: &mut [f64]| v.fill(1.0))
        .hessian_triplets(vec![0, 1], vec![0, 1], |_x: &[f64], s: f64, _l: &[f64], v: &mut [f64]| {
            v[0] = s;
            v[1] = 2.0 * s;
        })
        .initial_point(vec![0.0; 2])
        .constraint_bounds(vec![1.0], vec![1.0])
        .build()
        .unwrap();
    let r = solve(&p, &options(true));
    let mut k = KktFactor::held_refined(&p, &r).unwrap();
    let mut v = rhs(3, 4);
    k.solve_many_in_place(&mut v).unwrap();
    let s = k.refine_stats().unwrap();
    assert_eq!((s.columns, s.steps, s.max_steps), (4, 4, 1), "{s:?}");
}

#[test]
fn a_stalled_refinement_falls_back_to_the_factor_at_the_solution_and_says_so() {
    let p = problem(3.0, 1.0, None);
    let r = solve(&p, &options(true));
    // No refinement steps and no GMRES allowed: every right-hand side "stalls".
    let o = ipax::RefineOptions { max_steps: 0, gmres_max_iterations: 0, ..Default::default() };
    let mut k = KktFactor::held_refined_with(&p, &r, o).unwrap();
    let mut fresh = KktFactor::at_solution(&p, &r).unwrap();
    let (mut a, mut b) = (rhs(7, 3), rhs(7, 3));
    k.solve_many_in_place(&mut a).unwrap();
    fresh.solve_many_in_place(&mut b).unwrap();
    assert_eq!(k.source(), ipax::KktSource::HeldStalledAtSolution);
    assert_eq!(k.source().as_str(), "held (refinement stalled) → at_solution");
    assert!(!k.is_held() && k.refine_stats().unwrap().stalled);
    assert!(worst_column_diff(&a, &b, 7) < 1e-14, "the fallback is the factor at the solution");
    // Without a held factor, refined_or_at_solution is the factorization at the solution.
    let plain = solve(&p, &options(false));
    assert_eq!(KktFactor::refined_or_at_solution(&p, &plain).unwrap().source(), ipax::KktSource::AtSolution);
    assert!(matches!(KktFactor::held_refined(&p, &plain), Err(SensitivityError::NoHeldFactor)));
}

#[test]
fn gmres_takes_over_when_the_refinement_stalls() {
    // No refinement steps allowed: each right-hand side goes to GMRES at once (held factor plus the
    // Jacobi sweep as preconditioner), which must reach the factor at the solution's answer.
    let p = problem(3.0, 1.0, None);
    let mut o = options(true);
    o.set("tol", "1e-6").unwrap();
    let r = solve(&p, &o);
    let ro = ipax::RefineOptions { max_steps: 0, ..Default::default() };
    let mut k = KktFactor::held_refined_with(&p, &r, ro).unwrap();
    let mut fresh = KktFactor::at_solution(&p, &r).unwrap();
    let (mut a, mut b) = (rhs(7, 4), rhs(7, 4));
    k.solve_many_in_place(&mut a).unwrap();
    fresh.solve_many_in_place(&mut b).unwrap();
    let s = k.refine_stats().unwrap();
    assert_eq!(k.source(), ipax::KktSource::HeldRefined, "{s:?}");
    assert_eq!(s.gmres_columns, 4, "{s:?}");
    assert!(s.gmres_iterations >= 4 && s.gmres_iterations <= 4 * 7, "{s:?}");
    let d = worst_column_diff(&a, &b, 7);
    assert!(d < 1e-10, "GMRES vs at_solution {d:.2e} ({s:?})");
}
