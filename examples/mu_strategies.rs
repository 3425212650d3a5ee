//! Iterations of the barrier strategies side by side (issue 20, item 4): monotone (Ipopt's
//! default), adaptive with the LOQO rule, Mehrotra probing, and probing + corrector, on every
//! oracle problem (augmented and condensed routes, exact Hessians) and on the scalable families.
//!
//! `cargo run --release --example mu_strategies` prints, per strategy, the number of oracle cells
//! solved (status and f* as in tests/oracle_solves.rs, without its feasibility check), the total
//! iterations over the cells every strategy solves, and the families' iteration counts.

use ipax::testing::{Expected, get, list, oracle};
use ipax::{Options, SolveStatus};

const STRATEGIES: [(&str, &[(&str, &str)]); 4] = [
    ("monotone", &[]),
    ("adaptive-loqo", &[("mu_strategy", "adaptive")]),
    ("adaptive-probing", &[("mu_strategy", "adaptive"), ("mu_oracle", "probing")]),
    ("adaptive-mehrotra", &[("mu_strategy", "adaptive"), ("mu_oracle", "mehrotra")]),
];

fn options(route: &str, extra: &[(&str, &str)]) -> Options {
    let mut o = Options { print_level: 0, ..Default::default() };
    o.set("kkt_route", route).unwrap();
    for (k, v) in extra {
        o.set(k, v).unwrap();
    }
    o
}

fn main() {
    let mut solved = [0usize; 4];
    let mut iters_common = [0usize; 4];
    let mut lost: Vec<String> = Vec::new();
    for info in list() {
        let o = oracle(info.name, None).unwrap();
        for route in ["augmented", "condensed"] {
            let mut ok = [false; 4];
            let mut its = [0usize; 4];
            for (k, (_, extra)) in STRATEGIES.iter().enumerate() {
                let p = get(info.name, None).unwrap();
                let r = ipax::solve(p.as_ref(), &options(route, extra));
                ok[k] = match o.expected {
                    Expected::Optimal => r.status.is_success() && o.f_star.is_none_or(|f| (r.objective - f).abs() <= 1e-6 * f.abs().max(1.0) || (o.local && r.objective < f)),
                    Expected::Infeasible => r.status == SolveStatus::Infeasible,
                    Expected::Unbounded => matches!(r.status, SolveStatus::Unbounded | SolveStatus::DivergingIterates),
                };
                its[k] = r.iterations;
                solved[k] += ok[k] as usize;
            }
            if ok.iter().all(|&b| b) {
                for k in 0..4 {
                    iters_common[k] += its[k];
                }
            }
            for k in 1..4 {
                if ok[0] && !ok[k] {
                    lost.push(format!("{} [{route}] lost by {}", info.name, STRATEGIES[k].0));
                }
            }
        }
    }
    println!("strategy            solved  iterations on the cells all solve");
    for (k, (name, _)) in STRATEGIES.iter().enumerate() {
        println!("{name:<20}{:>6}  {:>8}", solved[k], iters_common[k]);
    }
    for l in &lost {
        println!("  {l}");
    }
    println!("\nfamily (size)                 {}", STRATEGIES.iter().map(|s| format!("{:>18}", s.0)).collect::<String>());
    for (name, size) in [("vanderpol", 1000), ("elliptic_control", 24), ("obstacle", 32), ("disk_chain", 1000), ("ext_rosenbrock", 1000), ("bratu", 24), ("chained_rosenbrock", 1000)] {
        let mut line = format!("{name:<20}({size:>6})  ");
        for (_, extra) in STRATEGIES {
            let p = get(name, Some(size)).unwrap();
            let r = ipax::solve(p.as_ref(), &options("augmented", extra));
            line.push_str(&format!("{:>18}", format!("{:?} {}", r.status, r.iterations)));
        }
        println!("{line}");
    }
}
