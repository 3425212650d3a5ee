//! Deterministic helpers shared by the unit tests: a xorshift generator and dense reference
//! arithmetic (column-major), so every operator can be compared with its explicit matrix.

use ipax_core::{LinearOperator, LinearOperatorExt};

/// Marsaglia's xorshift64* generator: tiny, deterministic, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [-1, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
    /// Uniform integer in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn vec(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.uniform()).collect()
    }
}

/// Shapes that include the empty cases `0×n`, `n×0` and `0×0`.
pub fn shapes() -> Vec<(usize, usize)> {
    vec![(0, 0), (0, 3), (4, 0), (1, 1), (3, 3), (5, 2), (2, 6), (7, 7)]
}

/// `y = α A x + β y` for a column-major `m × n` dense `a`.
pub fn dense_gemv(m: usize, n: usize, a: &[f64], alpha: f64, x: &[f64], beta: f64, y: &[f64]) -> Vec<f64> {
    (0..m)
        .map(|i| {
            let ax: f64 = (0..n).map(|j| a[i + j * m] * x[j]).sum();
            alpha * ax + if beta == 0.0 { 0.0 } else { beta * y[i] }
        })
        .collect()
}

/// Column-major transpose of an `m × n` matrix.
pub fn dense_transpose(m: usize, n: usize, a: &[f64]) -> Vec<f64> {
    let mut t = vec![0.0; m * n];
    for j in 0..n {
        for i in 0..m {
            t[j + i * n] = a[i + j * m];
        }
    }
    t
}

/// Column-major product of `m × k` and `k × n`.
pub fn dense_matmul(m: usize, k: usize, n: usize, a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut c = vec![0.0; m * n];
    for j in 0..n {
        for l in 0..k {
            for i in 0..m {
                c[i + j * m] += a[i + l * m] * b[l + j * k];
            }
        }
    }
    c
}

pub fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: length");
    let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= tol * scale, "{what}: entry {k}: {x} vs {y}");
    }
}

/// Checks `op` against the column-major dense matrix `a`: `apply` and `apply_transpose` with
/// several (α, β) pairs (including β = 0 over NaN garbage), `to_dense`, `triplets` and `diagonal`
/// when provided.
pub fn check_against_dense(op: &dyn LinearOperator, a: &[f64], rng: &mut Rng) {
    let (m, n) = op.shape();
    assert_eq!(a.len(), m * n);
    assert_close(&op.to_dense(), a, 1e-12, "to_dense");
    let at = dense_transpose(m, n, a);
    for &(alpha, beta) in &[(1.0, 0.0), (-0.5, 1.0), (2.0, -3.0), (0.0, 0.5)] {
        let x = rng.vec(n);
        let y0 = rng.vec(m);
        let mut y = if beta == 0.0 { vec![f64::NAN; m] } else { y0.clone() };
        op.apply(alpha, &x, beta, &mut y);
        assert_close(&y, &dense_gemv(m, n, a, alpha, &x, beta, &y0), 1e-12, "apply");
        let xt = rng.vec(m);
        let z0 = rng.vec(n);
        let mut z = if beta == 0.0 { vec![f64::NAN; n] } else { z0.clone() };
        op.apply_transpose(alpha, &xt, beta, &mut z);
        assert_close(&z, &dense_gemv(n, m, &at, alpha, &xt, beta, &z0), 1e-12, "apply_transpose");
    }
    if let Some(t) = op.triplets() {
        assert_eq!((t.nrows, t.ncols), (m, n));
        let mut d = vec![0.0; m * n];
        for k in 0..t.len() {
            d[t.rows[k] + t.cols[k] * m] += t.vals[k];
        }
        assert_close(&d, a, 1e-12, "triplets");
    }
    if let Some(diag) = op.diagonal() {
        let want: Vec<f64> = (0..m.min(n)).map(|i| a[i + i * m]).collect();
        assert_close(&diag, &want, 1e-12, "diagonal");
    }
    if op.is_symmetric() {
        assert_eq!(m, n);
        assert_close(a, &at, 1e-12, "symmetric");
        if let Some(lt) = op.lower_triplets() {
            let mut d = vec![0.0; m * n];
            for k in 0..lt.len() {
                assert!(lt.rows[k] >= lt.cols[k]);
                d[lt.rows[k] + lt.cols[k] * m] += lt.vals[k];
            }
            for j in 0..n {
                for i in j..m {
                    assert!((d[i + j * m] - a[i + j * m]).abs() <= 1e-12 * (1.0 + a[i + j * m].abs()));
                }
            }
        }
    }
    if let Some(c) = op.csc() {
        let mut d = vec![0.0; m * n];
        for j in 0..c.ncols {
            for p in c.col_ptr[j]..c.col_ptr[j + 1] {
                d[c.row_idx[p] + j * m] += c.values[p];
                if c.storage == ipax_core::CscStorage::SymmetricLower && c.row_idx[p] != j {
                    d[j + c.row_idx[p] * m] += c.values[p];
                }
            }
        }
        assert_close(&d, a, 1e-12, "csc");
    }
    if let Some(lr) = op.low_rank() {
        assert_eq!(lr.n, m);
        let mut d = dense_matmul(lr.n, lr.k, lr.k, &lr.w, &lr.m);
        d = dense_matmul(lr.n, lr.k, lr.n, &d, &dense_transpose(lr.n, lr.k, &lr.w));
        for i in 0..lr.n {
            d[i + i * lr.n] += lr.shift;
        }
        assert_close(&d, a, 1e-10, "low_rank");
    }
}
