//! Solve every registry problem on every route and print a table (status, iterations).
//!
//! `cargo run --release --example route_table [filter]`

use ipax::{Options, SolveStatus};
use ipax_testing::{Expected, get, list, oracle};

fn main() {
    let filter = std::env::args().nth(1).unwrap_or_default();
    let configs: [(&str, &str, &str); 4] = [
        ("aug-exact", "augmented", "exact"),
        ("aug-lbfgs", "augmented", "limited-memory"),
        ("cond-exact", "condensed", "exact"),
        ("cond-lbfgs", "condensed", "limited-memory"),
    ];
    println!("| problem | n | m | expected | {} |", configs.map(|c| c.0).join(" | "));
    println!("|---|---|---|---|{}", "---|".repeat(configs.len()));
    let mut fails = 0;
    for info in list() {
        if !info.name.contains(&filter) {
            continue;
        }
        let oracle = oracle(info.name, None).unwrap();
        let mut cells = Vec::new();
        for (_, route, hess) in configs {
            let p = get(info.name, None).unwrap();
            let mut o = Options::default();
            o.print_level = 0;
            o.set("kkt_route", route).unwrap();
            o.set("hessian_approximation", hess).unwrap();
            if hess == "limited-memory" {
                o.max_iter = 1000;
            }
            let r = ipax::solve(p.as_ref(), &o);
            let ok = match oracle.expected {
                Expected::Optimal => {
                    r.status.is_success()
                        && r.errors.constraint_violation <= 1e-7
                        && oracle.f_star.is_none_or(|f| (r.objective - f).abs() <= 1e-6 * f.abs().max(1.0) || (oracle.local && r.objective < f))
                }
                Expected::Infeasible => r.status == SolveStatus::Infeasible,
                Expected::Unbounded => matches!(r.status, SolveStatus::Unbounded | SolveStatus::DivergingIterates),
            };
            if !ok {
                fails += 1;
            }
            cells.push(format!("{}{:?} {}", if ok { "" } else { "**FAIL** " }, r.status, r.iterations));
            if !ok && std::env::var("VERBOSE").is_ok() {
                eprintln!("{} {route} {hess}: {:?} f={} f*={:?} viol={:e}", info.name, r.status, r.objective, oracle.f_star, r.errors.constraint_violation);
            }
        }
        println!("| {} | {} | {} | {:?} | {} |", info.name, info.n, info.m, oracle.expected, cells.join(" | "));
    }
    eprintln!("failures: {fails}");
}
