//! The regression set (`ipax_testing::regression`: ≥ 150 small problems with published optima) on
//! every KKT route with the exact Hessian and with L-BFGS, at `tol = 1e-8`, `max_iter = 3000`.
//!
//! Asserted for every cell:
//! (a) an Optimal/Acceptable result violates the original bounds and constraints, evaluated from
//!     the problem's own callbacks at the returned `x`, by at most 1e-6 relative (each violation
//!     divided by `max(1, |bound|)`);
//! (b) an optimal problem reaches its published `f*` to 1e-6 relative (or a documented other
//!     local minimum; see `regression::objective_matches`); infeasible/unbounded problems report so;
//! (c) the cells that fail today are listed in [`KNOWN`] with the reason, and a listed cell that
//!     passes fails the test, so the list only shrinks.
//!
//! `cargo test --release --test regression_set -- --nocapture` prints the status/iteration table.

use ipax::Problem;
use ipax::{Options, SolveResult, SolveStatus};
use ipax_testing::regression::{self, objective_matches, relative_violation};
use ipax_testing::{Expected, TestProblem};
use std::sync::Mutex;

/// `(kkt_route, hessian_approximation, column label)`.
const CONFIGS: [(&str, &str, &str); 4] = [
    ("augmented", "exact", "aug-exact"),
    ("augmented", "limited-memory", "aug-lbfgs"),
    ("condensed", "exact", "cond-exact"),
    ("condensed", "limited-memory", "cond-lbfgs"),
];

/// Reason given to successes that violate the original constraints (fixed by the honest-status
/// work of issue 16 item 1; the lead removes these entries after merging it).
const OPTIMAL_INFEASIBLE: &str = "Optimal while infeasible (issue 16 item 1)";

/// Cells that fail today: `(problem, column label or "*", reason)`.
const KNOWN: &[(&str, &str, &str)] = &[
    // Worse stationary points reported as Optimal.
    (
        "hs057",
        "aug-exact",
        "Optimal at f = 0.0306476 on the asymptote x₂ → ∞ (x₂ ≈ 1.9e5: every exponential term vanishes, ∇f → 0), as Ipopt 3.14 with the exact Hessian; the L-BFGS routes reach f* = 0.0284597",
    ),
    (
        "hs057",
        "cond-exact",
        "Optimal at f = 0.0306476 on the asymptote x₂ → ∞ (x₂ ≈ 1.9e5: every exponential term vanishes, ∇f → 0), as Ipopt 3.14 with the exact Hessian; the L-BFGS routes reach f* = 0.0284597",
    ),
    (
        "hs097",
        "aug-lbfgs",
        "Optimal at the local minimum f = 4.0712420 instead of f* = 3.1358091 with L-BFGS (the exact-Hessian routes reach f* since the scaling is computed at the user's x0, as Ipopt's)",
    ),
    (
        "hs097",
        "cond-lbfgs",
        "Optimal at the local minimum f = 4.0712420 instead of f* = 3.1358091 with L-BFGS (the exact-Hessian routes reach f* since the scaling is computed at the user's x0, as Ipopt's)",
    ),
    (
        "hs098",
        "aug-lbfgs",
        "Optimal at the local minimum f = 4.0712420 instead of f* = 3.1358091 (exact Hessian routes reach f*; as hs097)",
    ),
    (
        "hs098",
        "cond-lbfgs",
        "Optimal at the local minimum f = 4.0712420 instead of f* = 3.1358091 (exact Hessian routes reach f*; as hs097)",
    ),
    (
        "broyden_banded",
        "aug-lbfgs",
        "L-BFGS stops Optimal at a nonzero-residual stationary point f = 3.0573, as Ipopt 3.14 with limited-memory (exact Hessian routes reach 0)",
    ),
    (
        "broyden_banded",
        "cond-lbfgs",
        "L-BFGS stops Optimal at a nonzero-residual stationary point f = 3.0573, as Ipopt 3.14 with limited-memory (exact Hessian routes reach 0)",
    ),
    // Failures near or at the solution.
    (
        "hs093",
        "cond-lbfgs",
        "RestorationFailed after 77 iterations at f = f* (feasible to 6e-11): condensed L-BFGS cannot reach tol (augmented L-BFGS and Ipopt limited-memory solve it)",
    ),
    (
        "meyer",
        "cond-lbfgs",
        "SearchDirectionTooSmall at f = 87.9458555 (= f* to 1e-9): the badly scaled problem stalls short of tol on condensed L-BFGS",
    ),
    (
        "watson9",
        "cond-lbfgs",
        "MaxIterations (3000) at f = 1.577e-6 vs f* = 1.39976e-6: ill-conditioned (κ ~ 1e10), too slow for condensed L-BFGS",
    ),
    (
        "bard1",
        "cond-lbfgs",
        "RestorationFailed at f = 42.49 (feasible): same iterates as aug-lbfgs up to iteration 12, then δ_w ~ 1e4-1e5 on almost every condensed factorization shrinks the steps to ~1e-4 until the line search fails; aug-lbfgs needs no regularization and reaches 17 (Ipopt limited-memory: 23 iterations)",
    ),
    (
        "single_point",
        "cond-exact",
        "RestorationFailed at |x₁| ~ 6e-6 (feasible to 3e-11): no interior; inequalities are relaxed by 1e-10 (Ipopt: 1e-8, so its strip is 100x wider) and restoration is entered at an already feasible point (Ipopt solves it in 38 iterations, aug-exact here too)",
    ),
    // Equation systems: local infeasibility (a stationary point of ‖F‖ that is not a root).
    (
        "wood_eq",
        "*",
        "Infeasible: converges to a stationary point of the violation (‖F‖₁ = 2), not the root at ones; m = 6 > n = 4",
    ),
    (
        "brown_badly_scaled_eq",
        "*",
        "Infeasible at violation 1e6: the root (1e6, 2e-6) spans 12 orders of magnitude; m = 3 > n = 2",
    ),
    (
        "freudenstein_roth_eq",
        "*",
        "Infeasible/RestorationFailed at violation 7.1: from the standard start Newton heads to the least-squares local minimizer, not a root (as documented for the MGH problem)",
    ),
    (
        "biggs_eq",
        "aug-exact",
        "RestorationFailed at violation 0.66: m = 13 > n = 6, no root is found from the standard start",
    ),
    ("biggs_eq", "cond-exact", "EvaluationError: iterates overflow exp (violation 1e157) on an m = 13 > n = 6 system"),
    ("biggs_eq", "cond-lbfgs", "EvaluationError: iterates overflow exp (violation 1e233) on an m = 13 > n = 6 system"),
];

/// Largest relative violation of the original bounds and constraints at `x`, from the callbacks.
fn original_violation(p: &TestProblem, x: &[f64]) -> f64 {
    let s = p.spec();
    if x.len() != s.n() {
        return f64::INFINITY;
    }
    let mut c = vec![0.0; s.m()];
    if p.constraints(x, &mut c).is_err() {
        return f64::INFINITY;
    }
    relative_violation(x, &s.x_lower, &s.x_upper).max(relative_violation(&c, &s.c_lower, &s.c_upper))
}

/// First-order change of the objective the returned point's bound and constraint violations can
/// explain: `Σ_j |z_j|·(bound violation)_j + Σ_i |y_i|·(row violation)_i` (the Lagrangian's
/// sensitivity to the right-hand sides). Ipopt relaxes bounds by up to 1e-8·max(1,|b|) and
/// returns the relaxed problem's optimum; where the multipliers are large (hs095: ‖z‖ ~ 1e2) that
/// point lies measurably below the published f* — as Ipopt's own (bench/results/regression_ipopt.md).
fn relaxation_allowance(p: &TestProblem, r: &SolveResult) -> f64 {
    let s = p.spec();
    if r.x.len() != s.n() || r.constraints.len() != s.m() {
        return 0.0;
    }
    let over = |v: f64, lo: f64, hi: f64| (lo - v).max(v - hi).max(0.0);
    let bounds: f64 = (0..s.n())
        .map(|j| {
            let z = r.lower_bound_multipliers.get(j).map_or(0.0, |z| z.abs()) + r.upper_bound_multipliers.get(j).map_or(0.0, |z| z.abs());
            z * over(r.x[j], s.x_lower[j], s.x_upper[j])
        })
        .sum();
    let rows: f64 = (0..s.m())
        .map(|i| r.constraint_multipliers.get(i).map_or(0.0, |y| y.abs()) * over(r.constraints[i], s.c_lower[i], s.c_upper[i]))
        .sum();
    bounds + rows
}

struct Cell {
    name: &'static str,
    label: &'static str,
    status: SolveStatus,
    iterations: usize,
    objective: f64,
    violation: f64,
    /// Empty when the cell passes; otherwise what failed.
    failure: String,
}

fn judge(p: &TestProblem, r: &SolveResult) -> (f64, String) {
    let o = p.oracle();
    let v = original_violation(p, &r.x);
    let failure = if r.status.is_success() && v > 1e-6 {
        OPTIMAL_INFEASIBLE.to_string()
    } else {
        match o.expected {
            Expected::Optimal if !r.status.is_success() => format!("{:?}", r.status),
            Expected::Optimal
                if !objective_matches(o, r.objective)
                    && !o.f_star.is_some_and(|f| r.objective < f && f - r.objective <= 2.0 * relaxation_allowance(p, r) + 1e-6 * f.abs().max(1.0)) =>
            {
                format!("f = {:.10e}, f* = {:.10e}", r.objective, o.f_star.unwrap_or(f64::NAN))
            }
            Expected::Optimal => String::new(),
            Expected::Infeasible if r.status != SolveStatus::Infeasible => {
                format!("{:?}, expected Infeasible", r.status)
            }
            Expected::Unbounded if !matches!(r.status, SolveStatus::Unbounded | SolveStatus::DivergingIterates) => {
                format!("{:?}, expected Unbounded", r.status)
            }
            _ => String::new(),
        }
    };
    (v, failure)
}

fn solve_cell(name: &'static str, (route, hess, label): (&str, &str, &'static str)) -> Cell {
    let p = regression::get(name).expect("regression problem");
    let mut opts = Options { print_level: 0, tol: 1e-8, max_iter: 3000, ..Default::default() };
    opts.set("kkt_route", route).expect("kkt_route");
    opts.set("hessian_approximation", hess).expect("hessian_approximation");
    let r = ipax::solve(&p, &opts);
    let (violation, failure) = judge(&p, &r);
    Cell { name, label, status: r.status, iterations: r.iterations, objective: r.objective, violation, failure }
}

fn known(name: &str, label: &str) -> Option<&'static str> {
    KNOWN.iter().find(|(n, l, _)| *n == name && (*l == "*" || *l == label)).map(|k| k.2)
}

#[test]
fn regression_set_on_every_route() {
    let names = regression::names();
    assert!(names.len() >= 150, "the regression set has only {} problems", names.len());
    // Every (problem, route) cell is independent: spread them over the available cores.
    let jobs: Vec<(usize, usize)> = (0..names.len()).flat_map(|i| (0..CONFIGS.len()).map(move |k| (i, k))).collect();
    let next = Mutex::new(0usize);
    let cells: Mutex<Vec<Option<Cell>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(4);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let j = {
                        let mut g = next.lock().unwrap();
                        let j = *g;
                        *g += 1;
                        j
                    };
                    let Some(&(i, k)) = jobs.get(j) else { break };
                    let cell = solve_cell(names[i], CONFIGS[k]);
                    cells.lock().unwrap()[j] = Some(cell);
                }
            });
        }
    });
    let cells: Vec<Cell> = cells.into_inner().unwrap().into_iter().map(|c| c.expect("every cell solved")).collect();

    let mut table = String::from("| problem | n | m |");
    for (_, _, label) in CONFIGS {
        table.push_str(&format!(" {label} |"));
    }
    table.push_str("\n|---|---|---|---|---|---|---|\n");
    let (mut failures, mut stale, mut infeasible_success) = (Vec::new(), Vec::new(), Vec::new());
    let mut passed = 0;
    for (i, name) in names.iter().enumerate() {
        let p = regression::get(name).unwrap();
        table.push_str(&format!("| {name} | {} | {} |", p.num_variables(), p.num_constraints()));
        for cell in &cells[i * CONFIGS.len()..(i + 1) * CONFIGS.len()] {
            let mark = match (cell.failure.is_empty(), known(cell.name, cell.label)) {
                (true, None) => {
                    passed += 1;
                    ""
                }
                (true, Some(why)) => {
                    stale.push(format!("{} [{}] passes now; drop it from KNOWN ({why})", cell.name, cell.label));
                    " (stale)"
                }
                (false, Some(_)) => " (known)",
                (false, None) => {
                    let line = format!(
                        "{} [{}]: {} — {:?} after {} iterations, f = {:.10e}, violation = {:.1e}",
                        cell.name,
                        cell.label,
                        cell.failure,
                        cell.status,
                        cell.iterations,
                        cell.objective,
                        cell.violation
                    );
                    if cell.failure == OPTIMAL_INFEASIBLE {
                        infeasible_success.push(line);
                    } else {
                        failures.push(line);
                    }
                    " ✗"
                }
            };
            table.push_str(&format!(" {:?} {}{mark} |", cell.status, cell.iterations));
        }
        table.push('\n');
    }
    println!("{table}");
    // Per-route totals (for choosing the default route, issue 16 item 2): cells passed, and the
    // iterations summed over the problems that pass on every route.
    let all_pass: Vec<usize> = (0..names.len())
        .filter(|&i| cells[i * CONFIGS.len()..(i + 1) * CONFIGS.len()].iter().all(|c| c.failure.is_empty()))
        .collect();
    for (k, (_, _, label)) in CONFIGS.iter().enumerate() {
        let pass = (0..names.len()).filter(|&i| cells[i * CONFIGS.len() + k].failure.is_empty()).count();
        let iters: usize = all_pass.iter().map(|&i| cells[i * CONFIGS.len() + k].iterations).sum();
        println!(
            "{label}: {pass}/{} problems pass; {iters} iterations over the {} passing on every route",
            names.len(),
            all_pass.len()
        );
    }
    println!("{passed} of {} cells pass; {} problems; KNOWN has {} entries", cells.len(), names.len(), KNOWN.len());
    for c in cells.iter().filter(|c| !c.failure.is_empty()) {
        println!(
            "FAIL {} [{}]: {} ({:?} {} it, f = {:.10e}, viol = {:.1e})",
            c.name, c.label, c.failure, c.status, c.iterations, c.objective, c.violation
        );
    }
    assert!(infeasible_success.is_empty(), "(a) success while infeasible:\n{}", infeasible_success.join("\n"));
    assert!(stale.is_empty(), "(c) {}", stale.join("\n"));
    assert!(failures.is_empty(), "(b) {} unexpected failures:\n{}", failures.len(), failures.join("\n"));
}
