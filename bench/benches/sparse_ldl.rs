//! Sparse LDLᵀ (`ipax_linalg::SparseLdl`) on a KKT family of growing size.
//!
//! The matrix is the augmented system `[[H + Σ, Jᵀ], [J, −δ I]]` of a grid problem:
//! `H` is the 5-point Laplacian on a `k × k` grid, `Σ` a positive barrier-like diagonal, and `J`
//! has one row `x_(r,c) − x_(r,c+1)` per disjoint horizontal pair of grid cells (`m ≈ k²/2`), so the
//! total order is `N ≈ 1.5 k²`. With `δ = 1e-8` the matrix is quasi-definite and the unpivoted
//! LDLᵀ is stable; its inertia is `(k², m, 0)`.
//!
//! Measured separately: `analyze` (pattern extraction + AMD + symbolic factorization, on a fresh
//! solver), `factor` (numeric, symbolic analysis reused), `solve` (one right-hand side, with the
//! iterative refinement `SparseLdl` always does), and for the sizes up to 1e5 the whole
//! `analyze + factor + solve`.
//!
//! `IPAX_BENCH_MAX_N` (default 1000000) caps the target sizes, e.g. `IPAX_BENCH_MAX_N=100000`.

use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use ipax_core::{CscMatrix, CscStorage, LinearSolver, Regularization, Triplets};
use ipax_linalg::SparseLdl;
use std::hint::black_box;
use std::time::Duration;

/// The grid KKT matrix (symmetric, lower CSC) with `k × k` grid cells; returns it with `(n, m)`.
fn grid_kkt(k: usize) -> (CscMatrix, usize, usize) {
    let n = k * k;
    let id = |r: usize, c: usize| r * k + c;
    let mut t = Triplets::new(0, 0);
    for r in 0..k {
        for c in 0..k {
            let i = id(r, c);
            // Σ varies over the grid like barrier terms z/x do (deterministic, in [0.1, 10.1)).
            let sigma = 0.1 + 10.0 * (((i as u64).wrapping_mul(2654435761) % 1000) as f64 / 1000.0);
            t.push(i, i, 4.0 + sigma);
            if c + 1 < k {
                t.push(id(r, c + 1), i, -1.0);
            }
            if r + 1 < k {
                t.push(id(r + 1, c), i, -1.0);
            }
        }
    }
    let mut m = 0;
    for r in 0..k {
        for c in (0..k.saturating_sub(1)).step_by(2) {
            let row = n + m;
            t.push(row, id(r, c), 1.0);
            t.push(row, id(r, c + 1), -1.0);
            t.push(row, row, -1e-8);
            m += 1;
        }
    }
    t.nrows = n + m;
    t.ncols = n + m;
    (CscMatrix::from_triplets(&t, CscStorage::SymmetricLower), n, m)
}

/// Largest grid side `k` whose total order `N = k² + k·⌊k/2⌋` does not exceed `target`.
fn side_for(target: usize) -> usize {
    let order = |k: usize| k * k + k * (k / 2);
    let mut k = 2;
    while order(k + 1) <= target {
        k += 1;
    }
    k
}

fn bench_sparse_ldl(c: &mut Criterion) {
    let max_n: usize = std::env::var("IPAX_BENCH_MAX_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    for target in [1_000usize, 10_000, 100_000, 1_000_000] {
        if target > max_n {
            continue;
        }
        let k = side_for(target);
        let (a, n, m) = grid_kkt(k);
        let total = n + m;
        let rhs: Vec<f64> = (0..total).map(|i| 1.0 + (i % 7) as f64).collect();

        // One untimed run: check the answer and print what the factorization looks like.
        let mut solver = SparseLdl::new();
        let info = solver.factor(&a, &Regularization::none()).expect("factorization");
        assert!(info.inertia.expect("inertia").is(n, m), "wrong inertia at N = {total}");
        let mut x = rhs.clone();
        let sinfo = solver.solve_in_place(&a, &mut x).expect("solve");
        eprintln!(
            "N = {total} (grid {k}x{k}, n = {n}, m = {m}): nnz(A lower) = {}, nnz(L) = {}, supernodal = {:?}, \
             refinement steps = {}, relative residual = {:.1e}",
            a.nnz(),
            solver.factor_nnz().unwrap_or(0),
            solver.is_supernodal(),
            sinfo.iterations,
            sinfo.residual.unwrap_or(f64::NAN),
        );

        let mut group = c.benchmark_group(format!("sparse_ldl/N={total}"));
        if total >= 100_000 {
            // Flat sampling: every sample runs the same (small) number of iterations, so ten
            // samples of a multi-second factorization take ten runs, not the 55 of linear sampling.
            group.sampling_mode(SamplingMode::Flat);
            group.sample_size(10);
            group.warm_up_time(Duration::from_millis(500));
            group.measurement_time(Duration::from_secs(if total >= 1_000_000 { 20 } else { 10 }));
        } else {
            group.sample_size(20);
            group.measurement_time(Duration::from_secs(5));
        }

        group.bench_function(BenchmarkId::new("analyze", total), |b| {
            b.iter(|| {
                let mut s = SparseLdl::new();
                s.analyze(black_box(&a)).expect("analyze");
                s
            })
        });
        group.bench_function(BenchmarkId::new("factor", total), |b| {
            b.iter(|| solver.factor(black_box(&a), &Regularization::none()).expect("factor"))
        });
        group.bench_function(BenchmarkId::new("solve", total), |b| {
            b.iter_batched_ref(
                || rhs.clone(),
                |x| solver.solve_in_place(black_box(&a), x).expect("solve"),
                BatchSize::LargeInput,
            )
        });
        if total <= 100_000 {
            group.bench_function(BenchmarkId::new("analyze+factor+solve", total), |b| {
                b.iter_batched_ref(
                    || rhs.clone(),
                    |x| {
                        let mut s = SparseLdl::new();
                        s.factor(black_box(&a), &Regularization::none()).expect("factor");
                        s.solve_in_place(&a, x).expect("solve")
                    },
                    BatchSize::LargeInput,
                )
            });
        }
        group.finish();
        assert_eq!(solver.analysis_count(), 1, "the symbolic analysis must be reused");
    }
}

criterion_group!(benches, bench_sparse_ldl);
criterion_main!(benches);
