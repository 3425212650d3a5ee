//! Test operators and matrix generators (test builds only).
#![allow(clippy::needless_range_loop)]

use faer::{Mat, Side};
use ipax_core::{CscMatrix, CscStorage, Inertia, LinearOperator, LinearOperatorExt, Triplets, vec_ops};

/// A dense column-major operator with no assembled-entries capability except `diagonal()`:
/// solvers must use `to_dense` or matrix-vector products.
#[derive(Debug, Clone)]
pub struct DenseOp {
    pub m: usize,
    pub n: usize,
    pub a: Vec<f64>,
}

impl DenseOp {
    pub fn new(m: usize, n: usize, a: Vec<f64>) -> Self {
        DenseOp { m, n, a }
    }
    pub fn from_rows(rows: &[&[f64]]) -> Self {
        let m = rows.len();
        let n = rows[0].len();
        let mut a = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                a[i + j * m] = rows[i][j];
            }
        }
        DenseOp { m, n, a }
    }
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.a[i + j * self.m]
    }
    /// Lower triangle as a symmetric CSC matrix (exact zeros dropped).
    pub fn to_csc_lower(&self) -> CscMatrix {
        let mut t = Triplets::new(self.n, self.n);
        for j in 0..self.n {
            for i in j..self.n {
                if self.get(i, j) != 0.0 || i == j {
                    t.push(i, j, self.get(i, j));
                }
            }
        }
        CscMatrix::from_triplets(&t, CscStorage::SymmetricLower)
    }
}

impl LinearOperator for DenseOp {
    fn shape(&self) -> (usize, usize) {
        (self.m, self.n)
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        ipax_core::operator::scale_output(beta, y);
        for j in 0..self.n {
            for i in 0..self.m {
                y[i] += alpha * self.a[i + j * self.m] * x[j];
            }
        }
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        ipax_core::operator::scale_output(beta, y);
        for j in 0..self.n {
            for i in 0..self.m {
                y[j] += alpha * self.a[i + j * self.m] * x[i];
            }
        }
    }
    fn is_symmetric(&self) -> bool {
        true
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        Some((0..self.m.min(self.n)).map(|i| self.get(i, i)).collect())
    }
}

/// Deterministic pseudo-random numbers in [-1, 1) (64-bit LCG, Knuth's MMIX constants).
pub struct Lcg(u64);
impl Lcg {
    pub fn new(seed: u64) -> Self {
        Lcg(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1))
    }
    pub fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

/// `B Bᵀ + n·I`-like SPD matrix.
pub fn random_spd(n: usize, seed: u64) -> DenseOp {
    let mut rng = Lcg::new(seed);
    let b: Vec<f64> = (0..n * n).map(|_| rng.next()).collect();
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let mut s = 0.0;
            for k in 0..n {
                s += b[i + k * n] * b[j + k * n];
            }
            a[i + j * n] = s + if i == j { 1.0 } else { 0.0 };
        }
    }
    DenseOp::new(n, n, a)
}

/// Hilbert matrix `1/(i+j+1)`; `n = 8` has condition number ≈ 1.5e10.
pub fn hilbert(n: usize) -> DenseOp {
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            a[i + j * n] = 1.0 / (i + j + 1) as f64;
        }
    }
    DenseOp::new(n, n, a)
}

/// `[[H, Jᵀ], [J, −δ I]]` with `H` SPD `n×n` and `J` a random (full rank w.p. 1) `m×n` block.
/// Inertia `(n, m, 0)`.
pub fn kkt(n: usize, m: usize, delta: f64, seed: u64) -> DenseOp {
    let h = random_spd(n, seed);
    let mut rng = Lcg::new(seed + 1000);
    let nt = n + m;
    let mut a = vec![0.0; nt * nt];
    for j in 0..n {
        for i in 0..n {
            a[i + j * nt] = h.get(i, j);
        }
    }
    for r in 0..m {
        for c in 0..n {
            let v = rng.next();
            a[(n + r) + c * nt] = v;
            a[c + (n + r) * nt] = v;
        }
        a[(n + r) + (n + r) * nt] = -delta;
    }
    DenseOp::new(nt, nt, a)
}

pub fn ones(n: usize) -> Vec<f64> {
    vec![1.0; n]
}

/// `‖b − (A + shift I) x‖ / ‖b‖`.
pub fn rel_residual(op: &dyn LinearOperator, shift: f64, x: &[f64], b: &[f64]) -> f64 {
    let mut r = b.to_vec();
    op.apply(-1.0, x, 1.0, &mut r);
    vec_ops::axpy(-shift, x, &mut r);
    vec_ops::norm2(&r) / vec_ops::norm2(b)
}

/// Inertia from faer's dense self-adjoint eigenvalues (reference for the factorizations).
pub fn eigen_inertia(op: &dyn LinearOperator) -> Inertia {
    let n = op.shape().0;
    let d = op.to_dense();
    let a = Mat::from_fn(n, n, |i, j| d[i + j * n]);
    let ev = a.self_adjoint_eigenvalues(Side::Lower).expect("eigenvalues converge");
    let tol = 1e-12 * ev.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut inertia = Inertia::default();
    for v in ev {
        if v > tol {
            inertia.positive += 1;
        } else if v < -tol {
            inertia.negative += 1;
        } else {
            inertia.zero += 1;
        }
    }
    inertia
}

/// Sparse KKT matrix (symmetric lower CSC): `H` = 5-point Laplacian on a `k × k` grid plus `σ I`,
/// `J` = one row `x_(r,c) − x_(r,c+1)` per disjoint horizontal pair (full row rank), `−δ I`.
/// Inertia `(k², m, 0)` with `m = k·⌊k/2⌋`.
pub fn grid_kkt(k: usize, sigma: f64, delta: f64) -> (CscMatrix, usize, usize) {
    let n = k * k;
    let id = |r: usize, c: usize| r * k + c;
    let mut t = Triplets::new(0, 0);
    for r in 0..k {
        for c in 0..k {
            let i = id(r, c);
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
            t.push(row, row, -delta);
            m += 1;
        }
    }
    t.nrows = n + m;
    t.ncols = n + m;
    (CscMatrix::from_triplets(&t, CscStorage::SymmetricLower), n, m)
}
