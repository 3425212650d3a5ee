//! The KKT routes against dense linear algebra.

use super::*;
use crate::test_support::{DenseLdl, densify, lower_csc};

/// A deterministic pseudo-random sequence in (−1, 1).
fn values(seed: u64, k: usize) -> Vec<f64> {
    let mut s = seed;
    (0..k)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

fn dense_jacobian(m: usize, n: usize, vals: &[f64]) -> CscMatrix {
    let mut t = Triplets::new(m, n);
    for i in 0..m {
        for j in 0..n {
            t.push(i, j, vals[i * n + j]);
        }
    }
    CscMatrix::from_triplets(&t, CscStorage::General)
}

/// `shift·I + W M Wᵀ` applied from its factors.
struct LowRankOp(LowRankParts);

impl LinearOperator for LowRankOp {
    fn shape(&self) -> (usize, usize) {
        (self.0.n, self.0.n)
    }
    fn apply(&self, alpha: f64, v: &[f64], beta: f64, out: &mut [f64]) {
        let p = &self.0;
        let wtv: Vec<f64> = (0..p.k).map(|l| (0..p.n).map(|i| p.w[i + l * p.n] * v[i]).sum()).collect();
        let mwtv: Vec<f64> = (0..p.k).map(|a| (0..p.k).map(|l| p.m[a + l * p.k] * wtv[l]).sum()).collect();
        for i in 0..p.n {
            let wm: f64 = (0..p.k).map(|a| p.w[i + a * p.n] * mwtv[a]).sum();
            out[i] = beta * out[i] + alpha * (p.shift * v[i] + wm);
        }
    }
    fn apply_transpose(&self, alpha: f64, v: &[f64], beta: f64, out: &mut [f64]) {
        self.apply(alpha, v, beta, out)
    }
    fn is_symmetric(&self) -> bool {
        true
    }
}

fn solve_with(route: KktRoute, blocks: &KktBlocks<'_>, rhs: &[f64], delta_c: f64) -> (FactorStatus, Vec<f64>) {
    let mut k = KktSolver::new(route, Box::new(DenseLdl::new(route == KktRoute::Condensed)));
    k.prepare(blocks);
    let st = k.factor(blocks, 0.0, delta_c).unwrap();
    let mut x = rhs.to_vec();
    if st == FactorStatus::Ok {
        k.solve(blocks, &mut x).unwrap();
    }
    (st, x)
}

fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
    let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    a.iter().zip(b).fold(0.0f64, |m, (x, y)| m.max((x - y).abs())) / scale
}

#[test]
fn the_smw_low_rank_correction_matches_a_dense_solve() {
    // n above DENSE_LOW_RANK_MAX_N, so the augmented route uses Sherman–Morrison–Woodbury.
    let (n, m, k) = (augmented::DENSE_LOW_RANK_MAX_N + 10, 3, 2);
    let w = values(1, n * k);
    let parts = LowRankParts { n, k, shift: 2.0, w, m: vec![1.5, 0.25, 0.25, 0.8] };
    let op = LowRankOp(parts.clone());
    let dense = lower_csc(n, &densify(&op));
    let jac = dense_jacobian(m, n, &values(2, m * n));
    let sigma_x: Vec<f64> = values(3, n).iter().map(|v| 1.0 + v.abs()).collect();
    let sigma_s = vec![0.0, 3.0, 0.0];
    let is_ineq = vec![false, true, false];
    let rhs = values(4, n + m);
    let low = KktBlocks { hess: HessianTerm::LowRank(&op, parts), sigma_x: &sigma_x, sigma_s: &sigma_s, is_ineq: &is_ineq, jac: &jac };
    let exact = KktBlocks { hess: HessianTerm::Exact(&dense), sigma_x: &sigma_x, sigma_s: &sigma_s, is_ineq: &is_ineq, jac: &jac };
    let (st_low, x_low) = solve_with(KktRoute::Augmented, &low, &rhs, 0.0);
    let (st_exact, x_exact) = solve_with(KktRoute::Augmented, &exact, &rhs, 0.0);
    assert_eq!((st_low, st_exact), (FactorStatus::Ok, FactorStatus::Ok));
    assert!(max_rel_diff(&x_low, &x_exact) < 1e-9, "{}", max_rel_diff(&x_low, &x_exact));
}

/// A small convex system: W SPD, a full-rank Jacobian, one inequality row.
fn small_system() -> (CscMatrix, CscMatrix, Vec<f64>, Vec<f64>, Vec<bool>) {
    let n = 5;
    let b = values(7, n * n);
    // W = BᵀB + I.
    let mut wv = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            wv[i * n + j] = (0..n).map(|k| b[k * n + i] * b[k * n + j]).sum::<f64>() + if i == j { 1.0 } else { 0.0 };
        }
    }
    (lower_csc(n, &wv), dense_jacobian(2, n, &values(8, 2 * n)), vec![0.5; n], vec![0.0, 4.0], vec![false, true])
}

#[test]
fn the_condensed_and_augmented_routes_solve_the_same_system() {
    let (w, jac, sigma_x, sigma_s, is_ineq) = small_system();
    let blocks = KktBlocks { hess: HessianTerm::Exact(&w), sigma_x: &sigma_x, sigma_s: &sigma_s, is_ineq: &is_ineq, jac: &jac };
    let rhs = values(9, 7);
    let (st_a, x_a) = solve_with(KktRoute::Augmented, &blocks, &rhs, 0.0);
    let (st_c, x_c) = solve_with(KktRoute::Condensed, &blocks, &rhs, 0.0);
    assert_eq!((st_a, st_c), (FactorStatus::Ok, FactorStatus::Ok));
    // The condensed route regularizes D̂ ≥ δ_cond on the equality row and refines against the
    // unregularized system: both reach the same solution.
    assert!(max_rel_diff(&x_c, &x_a) < 1e-8, "{}", max_rel_diff(&x_c, &x_a));
    // And it is the solution: K x = rhs with K the reduced matrix.
    let d = [0.0, 1.0 / 4.0];
    let mut kx = vec![0.0; 7];
    w.apply(1.0, &x_a[..5], 0.0, &mut kx[..5]);
    for i in 0..5 {
        kx[i] += sigma_x[i] * x_a[i];
    }
    jac.apply_transpose(1.0, &x_a[5..], 1.0, &mut kx[..5]);
    jac.apply(1.0, &x_a[..5], 0.0, &mut kx[5..]);
    for i in 0..2 {
        kx[5 + i] -= d[i] * x_a[5 + i];
    }
    assert!(max_rel_diff(&kx, &rhs) < 1e-10);
}

#[test]
fn the_factorization_reports_wrong_inertia_and_singularity() {
    let (w, jac, sigma_x, sigma_s, is_ineq) = small_system();
    // W − 100 I is indefinite: too many negative eigenvalues.
    let n = 5;
    let mut wv = densify(&w);
    for i in 0..n {
        wv[i * n + i] -= 100.0;
    }
    let neg = lower_csc(n, &wv);
    let blocks = KktBlocks { hess: HessianTerm::Exact(&neg), sigma_x: &sigma_x, sigma_s: &sigma_s, is_ineq: &is_ineq, jac: &jac };
    assert_eq!(solve_with(KktRoute::Augmented, &blocks, &[0.0; 7], 0.0).0, FactorStatus::WrongInertia);
    assert_eq!(solve_with(KktRoute::Condensed, &blocks, &[0.0; 7], 0.0).0, FactorStatus::WrongInertia);
    // Two equal equality rows: singular without δ_c, fine with it.
    let row = values(8, n);
    let mut both = row.clone();
    both.extend_from_slice(&row);
    let dup = dense_jacobian(2, n, &both);
    let eq = vec![false, false];
    let zeros = vec![0.0; 2];
    let blocks = KktBlocks { hess: HessianTerm::Exact(&w), sigma_x: &sigma_x, sigma_s: &zeros, is_ineq: &eq, jac: &dup };
    assert_eq!(solve_with(KktRoute::Augmented, &blocks, &[0.0; 7], 0.0).0, FactorStatus::Singular);
    assert_eq!(solve_with(KktRoute::Augmented, &blocks, &[0.0; 7], 1e-8).0, FactorStatus::Ok);
}

#[test]
fn the_assembled_matrix_is_the_factored_one() {
    let (w, jac, sigma_x, sigma_s, is_ineq) = small_system();
    let blocks = KktBlocks { hess: HessianTerm::Exact(&w), sigma_x: &sigma_x, sigma_s: &sigma_s, is_ineq: &is_ineq, jac: &jac };
    let mut k = KktSolver::new(KktRoute::Augmented, Box::new(DenseLdl::new(false)));
    k.prepare(&blocks);
    assert_eq!(k.factor(&blocks, 0.25, 1e-6).unwrap(), FactorStatus::Ok);
    let t = k.assembled_lower().expect("augmented route");
    let mut a = [[0.0f64; 7]; 7];
    for ((&r, &c), &v) in t.rows.iter().zip(&t.cols).zip(&t.vals) {
        assert!(r >= c);
        a[r][c] += v;
    }
    let wv = densify(&w);
    let jv = densify_rect(&jac);
    for i in 0..5 {
        assert!((a[i][i] - (wv[i * 5 + i] + sigma_x[i] + 0.25)).abs() < 1e-14, "W + Σ + δ_w on the diagonal");
        for r in 0..2 {
            assert_eq!(a[5 + r][i], jv[r * 5 + i]);
        }
    }
    // −(δ_c) on the equality row, −(1/(Σ_s + δ_w) + δ_c) on the inequality row.
    assert!((a[5][5] + 1e-6).abs() < 1e-18);
    assert!((a[6][6] + (1.0 / 4.25 + 1e-6)).abs() < 1e-15);
}

fn densify_rect(j: &CscMatrix) -> Vec<f64> {
    let (m, n) = (j.nrows, j.ncols);
    let mut out = vec![0.0; m * n];
    let t = j.triplets().unwrap();
    for ((&r, &c), &v) in t.rows.iter().zip(&t.cols).zip(&t.vals) {
        out[r * n + c] += v;
    }
    out
}

/// The cached pattern refilled in place (new blocks after `prepare`, then a second δ of the
/// inertia correction) gives bit for bit the matrix a fresh assembly builds.
#[test]
fn the_refilled_matrix_equals_a_fresh_assembly() {
    let (w, jac, sigma_x, sigma_s, is_ineq) = small_system();
    let scale = |m: &CscMatrix, s: f64| CscMatrix { values: m.values.iter().map(|v| v * s).collect(), ..m.clone() };
    let fresh = |blocks: &KktBlocks<'_>, dw: f64, dc: f64| {
        let mut k = KktSolver::new(KktRoute::Augmented, Box::new(DenseLdl::new(false)));
        k.prepare(blocks);
        k.factor(blocks, dw, dc).unwrap();
        k.assembled_lower().unwrap()
    };
    let mut k = KktSolver::new(KktRoute::Augmented, Box::new(DenseLdl::new(false)));
    let first = KktBlocks { hess: HessianTerm::Exact(&w), sigma_x: &sigma_x, sigma_s: &sigma_s, is_ineq: &is_ineq, jac: &jac };
    k.prepare(&first);
    k.factor(&first, 0.0, 0.0).unwrap();
    let (w2, jac2) = (scale(&w, 0.3), scale(&jac, -1.7));
    let sigma_x2: Vec<f64> = sigma_x.iter().map(|s| s * 3.0).collect();
    let second = KktBlocks { hess: HessianTerm::Exact(&w2), sigma_x: &sigma_x2, sigma_s: &sigma_s, is_ineq: &is_ineq, jac: &jac2 };
    k.prepare(&second);
    k.factor(&second, 0.1, 0.0).unwrap();
    assert_eq!(k.assembled_lower().unwrap(), fresh(&second, 0.1, 0.0));
    k.factor(&second, 1.5, 1e-8).unwrap();
    assert_eq!(k.assembled_lower().unwrap(), fresh(&second, 1.5, 1e-8));
    // W = 0 on the known pattern (least-squares multipliers) keeps the pattern, zero values.
    let zero = KktBlocks { hess: HessianTerm::Zero, ..second };
    k.prepare(&zero);
    k.factor(&zero, 1.0, 0.0).unwrap();
    let t = k.assembled_lower().unwrap();
    assert_eq!(t.len(), fresh(&second, 1.0, 0.0).len());
    assert!((0..t.len()).all(|k| t.rows[k] >= 5 || t.rows[k] == t.cols[k] || t.vals[k] == 0.0), "W's off-diagonal slots hold zeros");
}
