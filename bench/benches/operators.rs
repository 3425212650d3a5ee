//! `apply` (y ← αAx + βy) of each operator kind at growing sizes.
//!
//! - dense: `n × n` (n up to 2000: the matrix is 8n² bytes);
//! - sparse: the 5-point Laplacian on a k×k grid, general CSC and symmetric (lower) storage;
//! - L-BFGS: compact representation with 6 stored pairs (`B = σI − W M Wᵀ`, Byrd–Nocedal–Schnabel 1994);
//! - matrix-free: the same Laplacian as a closure (stencil, no storage);
//! - composite: `Aᵀ A + 2 I`-like sum/product of the sparse Laplacian, a diagonal and a scaled copy.
//!
//! Sample sizes are small so the whole file runs in a minute or two.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ipax_core::{HessianApproximation, LinearOperator, Triplets};
use ipax_operators::{
    DenseOperator, DiagonalOperator, Lbfgs, MatrixFreeOperator, ProductOperator, ScaledOperator, SparseOperator, SumOperator,
    SymmetricSparseOperator,
};
use std::hint::black_box;
use std::time::Duration;

/// 5-point Laplacian on a k×k grid: full triplets and lower-triangle triplets.
fn laplacian(k: usize) -> (Triplets, Triplets) {
    let n = k * k;
    let (mut full, mut lower) = (Triplets::new(n, n), Triplets::new(n, n));
    for r in 0..k {
        for c in 0..k {
            let i = r * k + c;
            full.push(i, i, 4.0);
            lower.push(i, i, 4.0);
            for (rr, cc) in [(r.wrapping_sub(1), c), (r + 1, c), (r, c.wrapping_sub(1)), (r, c + 1)] {
                if rr < k && cc < k {
                    let j = rr * k + cc;
                    full.push(i, j, -1.0);
                    if j < i {
                        lower.push(i, j, -1.0);
                    }
                }
            }
        }
    }
    (full, lower)
}

/// The Laplacian stencil product, matrix-free.
fn stencil(k: usize, x: &[f64], y: &mut [f64]) {
    for r in 0..k {
        for c in 0..k {
            let i = r * k + c;
            let mut v = 4.0 * x[i];
            if r > 0 {
                v -= x[i - k];
            }
            if r + 1 < k {
                v -= x[i + k];
            }
            if c > 0 {
                v -= x[i - 1];
            }
            if c + 1 < k {
                v -= x[i + 1];
            }
            y[i] = v;
        }
    }
}

fn vec_of(n: usize) -> Vec<f64> {
    (0..n).map(|i| ((i * 7919) % 101) as f64 / 101.0 - 0.5).collect()
}

fn bench_apply(c: &mut Criterion, group_name: &str, sizes: &[usize], make: &dyn Fn(usize) -> Box<dyn LinearOperator>) {
    let mut g = c.benchmark_group(group_name);
    g.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1));
    for &n in sizes {
        let op = make(n);
        let (rows, cols) = op.shape();
        let x = vec_of(cols);
        let mut y = vec![0.0; rows];
        g.bench_with_input(BenchmarkId::from_parameter(cols), &n, |b, _| b.iter(|| op.apply(1.0, black_box(&x), 0.0, &mut y)));
    }
    g.finish();
}

fn operators(c: &mut Criterion) {
    bench_apply(c, "apply/dense", &[100, 500, 2000], &|n| {
        let data = vec_of(n * n);
        Box::new(DenseOperator::from_col_major(n, n, &data).expect("shape matches"))
    });
    let grids = [32usize, 100, 316, 1000]; // n ≈ 1e3, 1e4, 1e5, 1e6
    bench_apply(c, "apply/sparse-csc", &grids, &|k| Box::new(SparseOperator::from_triplets(&laplacian(k).0).expect("valid")));
    bench_apply(c, "apply/sparse-symmetric", &grids, &|k| {
        Box::new(SymmetricSparseOperator::from_lower_triplets(&laplacian(k).1).expect("valid"))
    });
    bench_apply(c, "apply/matrix-free-stencil", &grids, &|k| {
        Box::new(MatrixFreeOperator::symmetric(k * k, move |x: &[f64], y: &mut [f64]| stencil(k, x, y)))
    });
    bench_apply(c, "apply/lbfgs-m6", &[1000, 10_000, 100_000, 1_000_000], &|n| {
        let mut l = Lbfgs::new(n);
        // Curvature pairs of a diagonal quadratic (yᵢ = dᵢ sᵢ with dᵢ > 0, so sᵀy > 0).
        for p in 0..6 {
            let s: Vec<f64> = (0..n).map(|i| (((i + p * 31) % 17) as f64 - 8.0) / 8.0).collect();
            let y: Vec<f64> = s.iter().enumerate().map(|(i, v)| v * (1.0 + (i % 5) as f64)).collect();
            l.update(&s, &y);
        }
        Box::new(l)
    });
    bench_apply(c, "apply/composite-sum-product", &grids, &|k| {
        let n = k * k;
        let a = SparseOperator::from_triplets(&laplacian(k).0).expect("valid");
        let a2 = SparseOperator::from_triplets(&laplacian(k).0).expect("valid");
        let d = DiagonalOperator::new(vec![2.0; n]);
        let prod = ProductOperator::new(a, a2).expect("shapes match");
        let mut sum = SumOperator::new((n, n), Vec::new()).expect("shape");
        sum.push(prod).expect("shape");
        sum.push(ScaledOperator::new(0.5, d)).expect("shape");
        Box::new(sum)
    });
}

criterion_group!(benches, operators);
criterion_main!(benches);
