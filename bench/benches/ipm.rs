//! Full interior-point solves.
//!
//! - `hs/<name>`: a few Hock–Schittkowski problems with the default (automatic) route;
//! - `route/<route>`: the extended Rosenbrock function at n = 1e4 through each KKT route:
//!   augmented (sparse LDLᵀ), condensed + CG on the matrix-free form and, at n = 1e3 only,
//!   condensed + dense Cholesky (its n×n factorization at n = 1e4 would take tens of seconds per
//!   iteration, which is the point of the other two routes). Extended Rosenbrock is used because
//!   it is the family on which the Jacobi-preconditioned CG route converges quickly; on the PDE
//!   families one CG solve at n = 1e4 already takes a minute or more (see `bench/README.md`).
//!
//! Small sample sizes keep the file quick; `ipax-bench` is the tool for careful scaling runs.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn options(pairs: &[(&str, &str)]) -> ipax::Options {
    let mut o = ipax::Options { print_level: 0, ..ipax::Options::default() };
    for (k, v) in pairs {
        o.set(k, v).expect("valid benchmark option");
    }
    o
}

fn solve_once(problem: &dyn ipax::Problem, o: &ipax::Options) {
    let r = ipax::solve(problem, o);
    assert!(r.status.is_success(), "benchmark solve failed: {:?}", r.status);
    black_box(r.objective);
}

fn hs(c: &mut Criterion) {
    let mut g = c.benchmark_group("hs");
    g.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1));
    let o = options(&[]);
    for name in ["hs006", "hs014", "hs071", "hs100", "hs106", "hs116"] {
        let p = ipax::testing::get(name, None).expect("registry problem");
        g.bench_function(name, |b| b.iter(|| solve_once(p.as_ref(), &o)));
    }
    g.finish();
}

fn routes(c: &mut Criterion) {
    let mut g = c.benchmark_group("route");
    g.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    let p = ipax::testing::get("ext_rosenbrock", Some(10_000)).expect("family");
    let aug = options(&[("kkt_route", "augmented"), ("linear_solver", "sparse-ldl")]);
    g.bench_function("augmented-sparse-ldl/ext_rosenbrock-n1e4", |b| b.iter(|| solve_once(p.as_ref(), &aug)));
    let pm = ipax::testing::get_matrix_free("ext_rosenbrock", Some(10_000)).expect("family");
    let cg = options(&[("kkt_route", "condensed"), ("linear_solver", "cg")]);
    g.bench_function("condensed-cg-matrix-free/ext_rosenbrock-n1e4", |b| b.iter(|| solve_once(pm.as_ref(), &cg)));
    let small = ipax::testing::get("ext_rosenbrock", Some(1000)).expect("family");
    let dense = options(&[("kkt_route", "condensed"), ("linear_solver", "dense")]);
    g.bench_function("condensed-dense/ext_rosenbrock-n1e3", |b| b.iter(|| solve_once(small.as_ref(), &dense)));
    g.finish();
}

criterion_group!(benches, hs, routes);
criterion_main!(benches);
