//! The adaptive strategy's μ oracles (issue 20, item 4): Mehrotra probing and probing + corrector
//! reach the same optima as the monotone default; on the convex PDE families the corrector needs
//! fewer iterations (numbers in bench/README.md, from `cargo run --release --example mu_strategies`).

use ipax::{Options, SolveStatus};

fn with(pairs: &[(&str, &str)]) -> Options {
    let mut o = Options { print_level: 0, ..Default::default() };
    for (k, v) in pairs {
        o.set(k, v).unwrap();
    }
    o
}

#[test]
fn every_oracle_reaches_the_monotone_optimum() {
    for (name, size) in [("hs071", None), ("hs106", None), ("obstacle", Some(12)), ("elliptic_control", Some(8)), ("vanderpol", Some(60))] {
        let p = ipax::testing::get(name, size).unwrap();
        let base = ipax::solve(p.as_ref(), &with(&[]));
        assert_eq!(base.status, SolveStatus::Optimal, "{name}");
        for oracle in ["loqo", "probing", "mehrotra"] {
            let r = ipax::solve(p.as_ref(), &with(&[("mu_strategy", "adaptive"), ("mu_oracle", oracle)]));
            assert_eq!(r.status, SolveStatus::Optimal, "{name} with {oracle}");
            assert!((r.objective - base.objective).abs() <= 1e-6 * base.objective.abs().max(1.0), "{name} with {oracle}: {} vs {}", r.objective, base.objective);
        }
    }
}

#[test]
fn the_corrector_saves_iterations_on_convex_families() {
    for (name, size) in [("obstacle", Some(24)), ("elliptic_control", Some(16))] {
        let p = ipax::testing::get(name, size).unwrap();
        let monotone = ipax::solve(p.as_ref(), &with(&[]));
        let mehrotra = ipax::solve(p.as_ref(), &with(&[("mu_strategy", "adaptive"), ("mu_oracle", "mehrotra")]));
        assert_eq!(mehrotra.status, SolveStatus::Optimal);
        assert!(mehrotra.iterations < monotone.iterations, "{name}: {} vs {}", mehrotra.iterations, monotone.iterations);
    }
}

#[test]
fn unknown_oracles_are_refused_with_the_choices() {
    let mut o = Options::default();
    let e = o.set("mu_oracle", "quality").unwrap_err().to_string();
    assert!(e.contains("mehrotra") || e.contains("probing"), "{e}");
}
