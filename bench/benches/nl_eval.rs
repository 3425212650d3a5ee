//! Evaluation cost of Pyomo-written `.nl` models per kind: f, ∇f, c, J, ∇²L (issue 20, item 2),
//! plus reading the file (parse and AD setup).
//!
//! The models are the ones of the side-by-side harness, written by Pyomo's own NL writer:
//! ```text
//! /work/venv/bin/python bench/nl_side_by_side/run.py --sizes 1e5 --families vanderpol,elliptic_control --write-only
//! IPAX_NL_MODELS=/tmp/ipax_nl_side_by_side cargo bench -p ipax-bench --bench nl_eval
//! ```
//! (`IPAX_NL_MODELS` defaults to that directory, `IPAX_NL_SIZE` to 100000, `IPAX_NL_FAMILIES` to
//! `vanderpol,elliptic_control`.) Every kind is evaluated
//! at the file's starting point moved off it by a fixed smooth perturbation, with `σ = 1` and
//! `λᵢ = 1/(1 + i mod 7)` so that no constraint Hessian is skipped. The same numbers from CasADi's
//! SX functions are printed by `bench/nl_side_by_side/casadi_eval.py`.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ipax::problem::nl::NlProblem;
use ipax_core::Problem;

fn model_path(family: &str) -> PathBuf {
    let dir = std::env::var("IPAX_NL_MODELS").unwrap_or_else(|_| "/tmp/ipax_nl_side_by_side".to_string());
    let size = std::env::var("IPAX_NL_SIZE").unwrap_or_else(|_| "100000".to_string());
    PathBuf::from(dir).join(format!("{family}_{size}.nl"))
}

/// The evaluation point and multipliers described in the module docs.
fn point(p: &NlProblem) -> (Vec<f64>, Vec<f64>) {
    let mut x = vec![0.0; p.num_variables()];
    p.initial_point(&mut x);
    let (mut lo, mut hi) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    p.variable_bounds(&mut lo, &mut hi);
    for (j, v) in x.iter_mut().enumerate() {
        let moved = *v + 0.1 * ((j as f64) * 0.37).sin();
        *v = moved.clamp(lo[j], hi[j]);
    }
    let lam = (0..p.num_constraints()).map(|i| 1.0 / (1.0 + (i % 7) as f64)).collect();
    (x, lam)
}

fn bench_eval(c: &mut Criterion) {
    let families = std::env::var("IPAX_NL_FAMILIES").unwrap_or_else(|_| "vanderpol,elliptic_control".to_string());
    for family in families.split(',') {
        let path = model_path(family);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| {
            panic!("{}: {e}; write the models first (see the module docs of benches/nl_eval.rs)", path.display())
        });
        let mut group = c.benchmark_group(format!("nl_eval/{family}"));
        group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
        group.bench_function(BenchmarkId::new("read", bytes.len()), |b| {
            b.iter(|| NlProblem::from_bytes(&bytes).expect("valid model"))
        });
        let p = NlProblem::from_bytes(&bytes).expect("valid model");
        let (x, lam) = point(&p);
        let (n, m) = (p.num_variables(), p.num_constraints());
        group.bench_function("f", |b| b.iter(|| p.objective(&x).unwrap()));
        let mut g = vec![0.0; n];
        group.bench_function("grad", |b| b.iter(|| p.gradient(&x, &mut g).unwrap()));
        let mut cv = vec![0.0; m];
        group.bench_function("c", |b| b.iter(|| p.constraints(&x, &mut cv).unwrap()));
        group.bench_function("jac", |b| b.iter(|| p.jacobian(&x).unwrap().shape()));
        group.bench_function("hess", |b| b.iter(|| p.hessian(&x, 1.0, &lam).unwrap().map(|h| h.shape())));
        group.finish();
    }
}

criterion_group!(benches, bench_eval);
criterion_main!(benches);
