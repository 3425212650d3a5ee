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
//! - `hs-set/all`: every Hock–Schittkowski problem of the registry solved once, in sequence, with
//!   the default options (the number that ends `Optimal`/`Acceptable` is printed to stderr);
//! - `iteration/<route>/<problem>`: **one full IPM iteration** (search direction with inertia
//!   correction, line search, multiplier and μ updates): the wall time between the second and the
//!   third `iter_start` checkpoint of a solve, measured by an observer, so setup, initialization
//!   and the first iteration are excluded. Routes: augmented (sparse LDLᵀ), condensed CG with IC(0)
//!   on the assembled problem, condensed CG with Jacobi on the matrix-free form, condensed dense
//!   Cholesky (n ≈ 1e3 only).
//!
//! Small sample sizes keep the file quick; `ipax-bench` is the tool for careful scaling runs.

use criterion::{Criterion, criterion_group, criterion_main};
use ipax::{Checkpoint, IterationView, ObserverAction};
use std::hint::black_box;
use std::time::{Duration, Instant};

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

fn hs_set(c: &mut Criterion) {
    let names: Vec<&'static str> = ipax::testing::list().iter().map(|i| i.name).filter(|n| n.starts_with("hs")).collect();
    let problems: Vec<_> = names.iter().map(|n| ipax::testing::get(n, None).expect("registry problem")).collect();
    let o = options(&[]);
    let solved = problems.iter().filter(|p| ipax::solve(p.as_ref(), &o).status.is_success()).count();
    eprintln!("hs-set: {solved} of {} Hock–Schittkowski problems end Optimal/Acceptable", problems.len());
    let mut g = c.benchmark_group("hs-set");
    g.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    g.bench_function(format!("all-{}", problems.len()), |b| {
        b.iter(|| {
            for p in &problems {
                black_box(ipax::solve(p.as_ref(), &o).objective);
            }
        })
    });
    g.finish();
}

/// Wall time of one IPM iteration: between the 2nd and the 3rd `iter_start` of a solve.
fn one_iteration(problem: &dyn ipax::Problem, o: &ipax::Options) -> Duration {
    let mut starts: Vec<Instant> = Vec::with_capacity(3);
    let mut obs = |v: &IterationView<'_>| {
        if v.checkpoint() == Checkpoint::IterStart && !v.in_restoration() && starts.len() < 3 {
            starts.push(Instant::now());
        }
        ObserverAction::Continue
    };
    let mut o = o.clone();
    o.max_iter = 3;
    black_box(ipax::Solver::new(o).with_observer(&mut obs).solve(problem).objective);
    assert!(starts.len() == 3, "the solve ended before its third iteration");
    starts[2] - starts[1]
}

fn iterations(c: &mut Criterion) {
    let mut g = c.benchmark_group("iteration");
    g.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
    let aug = options(&[("kkt_route", "augmented"), ("linear_solver", "sparse-ldl")]);
    let ic = options(&[("kkt_route", "condensed"), ("linear_solver", "cg"), ("krylov_preconditioner", "incomplete-cholesky")]);
    let cg = options(&[("kkt_route", "condensed"), ("linear_solver", "cg")]);
    let dense = options(&[("kkt_route", "condensed"), ("linear_solver", "dense")]);
    let cases: [(&str, &str, usize, bool, &ipax::Options); 7] = [
        ("augmented-sparse-ldl", "obstacle", 100, false, &aug),
        ("condensed-cg-ic", "obstacle", 100, false, &ic),
        ("condensed-cg-matrix-free", "obstacle", 100, true, &cg),
        ("condensed-dense", "obstacle", 32, false, &dense),
        ("augmented-sparse-ldl", "vanderpol", 3333, false, &aug),
        ("condensed-cg-ic", "vanderpol", 3333, false, &ic),
        ("condensed-dense", "vanderpol", 333, false, &dense),
    ];
    for (route, name, size, matrix_free, o) in cases {
        let p = if matrix_free { ipax::testing::get_matrix_free(name, Some(size)) } else { ipax::testing::get(name, Some(size)) }
            .expect("family");
        let n = p.num_variables();
        g.bench_function(format!("{route}/{name}-n{n}"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| one_iteration(p.as_ref(), o)).sum())
        });
    }
    g.finish();
}

criterion_group!(benches, hs, hs_set, routes, iterations);
criterion_main!(benches);
