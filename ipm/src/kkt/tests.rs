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

/// Hides a matrix's entries: only products (a user's operator-only Jacobian).
struct ProductsOnly<'a>(&'a CscMatrix);

impl LinearOperator for ProductsOnly<'_> {
    fn shape(&self) -> (usize, usize) {
        self.0.shape()
    }
    fn apply(&self, alpha: f64, v: &[f64], beta: f64, out: &mut [f64]) {
        self.0.apply(alpha, v, beta, out)
    }
    fn apply_transpose(&self, alpha: f64, v: &[f64], beta: f64, out: &mut [f64]) {
        self.0.apply_transpose(alpha, v, beta, out)
    }
}

/// The Jacobian of a chain of `n − 1` rows `c_r(x_r, x_{r+1})` (disk_chain-like): diagonal
/// entries in 0.1..10, the coupling to `x_{r+1}` of size up to `coupling`, both signs.
fn chain_jacobian(n: usize, seed: u64, coupling: f64) -> CscMatrix {
    let v = values(seed, 2 * n);
    let mut t = Triplets::new(n - 1, n);
    for r in 0..n - 1 {
        t.push(r, r, 0.1 + 10.0 * v[2 * r].abs());
        t.push(r, r + 1, coupling * v[2 * r + 1]);
    }
    CscMatrix::from_triplets(&t, CscStorage::General)
}

/// A 5-point-stencil-like Jacobian on a `k × k` grid (rows coupled to columns `j`, `j ± 1`,
/// `j ± k`): column supports span `2k` rows, far more than the probe's colours.
fn stencil_jacobian(k: usize, seed: u64) -> CscMatrix {
    let n = k * k;
    let v = values(seed, 5 * n);
    let mut t = Triplets::new(n, n);
    for r in 0..n {
        let (i, j) = (r / k, r % k);
        t.push(r, r, 4.0 + v[5 * r].abs());
        if j > 0 {
            t.push(r, r - 1, -1.0 + 0.5 * v[5 * r + 1]);
        }
        if j + 1 < k {
            t.push(r, r + 1, -1.0 + 0.5 * v[5 * r + 2]);
        }
        if i > 0 {
            t.push(r, r - k, -1.0 + 0.5 * v[5 * r + 3]);
        }
        if i + 1 < k {
            t.push(r, r + k, -1.0 + 0.5 * v[5 * r + 4]);
        }
    }
    CscMatrix::from_triplets(&t, CscStorage::General)
}

fn exact_jt_dinv_j_diagonal(jac: &CscMatrix, dinv: &[f64]) -> Vec<f64> {
    let t = jac.triplets().unwrap();
    let mut d = vec![0.0; jac.ncols];
    for k in 0..t.len() {
        d[t.cols[k]] += t.vals[k] * t.vals[k] * dinv[t.rows[k]];
    }
    d
}

#[test]
fn the_probed_jt_dinv_j_diagonal_is_exact_on_banded_and_stencil_jacobians() {
    // Banded: the two rows touching a column have different colours.
    let n = 200;
    let jac = chain_jacobian(n, 11, 10.0);
    let dinv: Vec<f64> = values(12, n - 1).iter().map(|v| 10f64.powf(9.0 * v.abs())).collect();
    let probed = operators::probe_jt_dinv_j_diagonal(&ProductsOnly(&jac), &dinv, n, operators::JT_DINV_J_PROBES);
    assert!(max_rel_diff(&probed, &exact_jt_dinv_j_diagonal(&jac, &dinv)) < 1e-13);
    // A grid of width 20: row offsets ±1, ±20 (and their differences 2, 19, 21, 40) are not
    // multiples of 11, so every column's rows still have distinct colours.
    let jac = stencil_jacobian(20, 13);
    let dinv: Vec<f64> = values(14, 400).iter().map(|v| 1.0 + v.abs()).collect();
    let probed = operators::probe_jt_dinv_j_diagonal(&ProductsOnly(&jac), &dinv, 400, operators::JT_DINV_J_PROBES);
    assert!(max_rel_diff(&probed, &exact_jt_dinv_j_diagonal(&jac, &dinv)) < 1e-13);
    // With too few colours the rows alias: no longer exact, but still an estimate of the right
    // size (unbiased cross terms) and never negative.
    let coarse = operators::probe_jt_dinv_j_diagonal(&ProductsOnly(&jac), &dinv, 400, 2);
    let exact = exact_jt_dinv_j_diagonal(&jac, &dinv);
    assert!(max_rel_diff(&coarse, &exact) > 1e-3);
    assert!(coarse.iter().all(|v| *v >= 0.0));
    let (sc, se): (f64, f64) = (coarse.iter().sum(), exact.iter().sum());
    assert!((sc / se - 1.0).abs() < 0.2, "{sc} vs {se}");
}

/// Jacobi-preconditioned CG, as an iterative `LinearSolver` (no inertia, not direct).
struct JacobiCg {
    inv_diag: Vec<f64>,
    last_iterations: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl LinearSolver for JacobiCg {
    fn name(&self) -> &'static str {
        "test-jacobi-cg"
    }
    fn capabilities(&self) -> ipax_core::Capabilities {
        ipax_core::Capabilities { provides_inertia: false, needs_assembled_matrix: false, is_direct: false, requires_positive_definite: true }
    }
    fn analyze(&mut self, _op: &dyn LinearOperator) -> Result<(), LinSolveError> {
        Ok(())
    }
    fn factor(&mut self, op: &dyn LinearOperator, _reg: &Regularization) -> Result<ipax_core::FactorInfo, LinSolveError> {
        let d = op.diagonal().expect("the condensed operator has a diagonal here");
        self.inv_diag = d.iter().map(|v| 1.0 / v).collect();
        Ok(ipax_core::FactorInfo::default())
    }
    fn solve_in_place(&mut self, op: &dyn LinearOperator, rhs: &mut [f64]) -> Result<ipax_core::SolveInfo, LinSolveError> {
        let n = rhs.len();
        let b = rhs.to_vec();
        let bnorm = vec_ops::norm2(&b);
        let mut x = vec![0.0; n];
        let mut r = b.clone();
        let mut z: Vec<f64> = r.iter().zip(&self.inv_diag).map(|(a, d)| a * d).collect();
        let mut p = z.clone();
        let mut q = vec![0.0; n];
        let mut rz = vec_ops::dot(&r, &z);
        let mut it = 0;
        while vec_ops::norm2(&r) > 1e-12 * bnorm && it < 20 * n {
            op.apply(1.0, &p, 0.0, &mut q);
            let alpha = rz / vec_ops::dot(&p, &q);
            vec_ops::axpy(alpha, &p, &mut x);
            vec_ops::axpy(-alpha, &q, &mut r);
            z = r.iter().zip(&self.inv_diag).map(|(a, d)| a * d).collect();
            let rz_new = vec_ops::dot(&r, &z);
            for i in 0..n {
                p[i] = z[i] + rz_new / rz * p[i];
            }
            rz = rz_new;
            it += 1;
        }
        self.last_iterations.store(it, std::sync::atomic::Ordering::Relaxed);
        rhs.copy_from_slice(&x);
        Ok(ipax_core::SolveInfo { iterations: it, residual: None })
    }
}

/// CG iterations of the first condensed solve (before refinement) with `jac` as given.
fn condensed_cg_iterations(jac: &dyn LinearOperator, n: usize, rhs: &[f64]) -> (usize, Vec<f64>) {
    let m = n - 1;
    let w = lower_csc(n, &{
        let mut d = vec![0.0; n * n];
        for i in 0..n {
            d[i * n + i] = 1.0;
        }
        d
    });
    let sigma_x: Vec<f64> = values(21, n).iter().map(|v| 10f64.powf(*v)).collect();
    // Inequality rows near and far from activity: D̂⁻¹ = Σ_s spans six orders of magnitude.
    let sigma_s: Vec<f64> = values(22, m).iter().map(|v| 10f64.powf(3.0 + 3.0 * v)).collect();
    let is_ineq = vec![true; m];
    let blocks = KktBlocks { hess: HessianTerm::Exact(&w), sigma_x: &sigma_x, sigma_s: &sigma_s, is_ineq: &is_ineq, jac };
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut k = KktSolver::new(KktRoute::Condensed, Box::new(JacobiCg { inv_diag: Vec::new(), last_iterations: counter.clone() }));
    k.max_refinement_steps = 0;
    k.prepare(&blocks);
    assert_eq!(k.factor(&blocks, 0.0, 0.0).unwrap(), FactorStatus::Ok);
    let mut x = rhs.to_vec();
    k.solve(&blocks, &mut x).unwrap();
    (counter.load(std::sync::atomic::Ordering::Relaxed), k.jt_dinv_j_diag.clone().unwrap_or_default())
}

#[test]
fn matrix_free_jacobi_includes_the_probed_jt_dinv_j_diagonal() {
    // Inequality rows with Σ_s from 1 to 1e6 and a weakly coupled chain: Jᵀ D̂⁻¹ J dominates N,
    // is nearly diagonal, and its diagonal spreads over eight orders of magnitude. Jacobi with
    // that term leaves CG a well-conditioned system; without it (the matrix-free Jacobian before
    // the probe: diag(W) + Σ_x only) CG faces the whole spread: 71 against 6000 (the cap) here.
    let n = 300;
    let jac = chain_jacobian(n, 31, 0.05);
    let rhs = values(32, n + n - 1);
    let (it_assembled, diag_assembled) = condensed_cg_iterations(&jac, n, &rhs);
    let (it_free, diag_free) = condensed_cg_iterations(&ProductsOnly(&jac), n, &rhs);
    assert!(!diag_free.is_empty(), "the matrix-free route probes diag(Jᵀ D̂⁻¹ J)");
    assert!(max_rel_diff(&diag_free, &diag_assembled) < 1e-13);
    assert!(it_free <= it_assembled + 2, "matrix-free {it_free} vs assembled {it_assembled} CG iterations");
    assert!(it_free <= 100, "{it_free} CG iterations (assembled {it_assembled})");
}

#[test]
fn the_condensed_delta_rises_on_stalls_and_decays_back() {
    let mut k = KktSolver::new(KktRoute::Condensed, Box::new(DenseLdl::new(true)));
    k.set_condensed_delta(1e-9);
    // Iteration 1 stalls twice.
    k.relax_condensed_delta();
    assert!(k.raise_condensed_delta() && k.raise_condensed_delta());
    assert!((k.condensed_delta - 1e-7).abs() < 1e-22);
    // Iteration 2: the previous one raised, so δ_cond is kept.
    k.relax_condensed_delta();
    assert!((k.condensed_delta - 1e-7).abs() < 1e-22);
    // Iterations 3 and 4 start after clean systems: back down by 10 each, never below the base.
    k.relax_condensed_delta();
    assert!((k.condensed_delta - 1e-8).abs() < 1e-23);
    k.relax_condensed_delta();
    assert!((k.condensed_delta - 1e-9).abs() < 1e-24);
    k.relax_condensed_delta();
    assert_eq!(k.condensed_delta, 1e-9);
    // The raise stops at its cap and says so.
    while k.raise_condensed_delta() {}
    assert_eq!(k.condensed_delta, MAX_KRYLOV_CONDENSED_DELTA);
    assert!(!k.raise_condensed_delta());
    // The augmented route has no δ_cond to raise.
    let mut a = KktSolver::new(KktRoute::Augmented, Box::new(DenseLdl::new(false)));
    assert!(!a.raise_condensed_delta());
}

/// What [`PostSolve`] does to each solution, given the relative tolerance last set.
type AfterSolve = Box<dyn FnMut(&mut [f64], f64) + Send>;

/// `inner` with each solution handed to `after(solution, rtol)`, `rtol` the relative tolerance
/// last set: test solvers that are slightly off, or that meet their tolerance and no more.
struct PostSolve<S> {
    inner: S,
    rtol: f64,
    after: AfterSolve,
}

impl<S: LinearSolver> LinearSolver for PostSolve<S> {
    fn name(&self) -> &'static str {
        "test-post-solve"
    }
    fn capabilities(&self) -> ipax_core::Capabilities {
        self.inner.capabilities()
    }
    fn analyze(&mut self, op: &dyn LinearOperator) -> Result<(), LinSolveError> {
        self.inner.analyze(op)
    }
    fn factor(&mut self, op: &dyn LinearOperator, reg: &Regularization) -> Result<ipax_core::FactorInfo, LinSolveError> {
        self.inner.factor(op, reg)
    }
    fn solve_in_place(&mut self, op: &dyn LinearOperator, rhs: &mut [f64]) -> Result<ipax_core::SolveInfo, LinSolveError> {
        let info = self.inner.solve_in_place(op, rhs)?;
        (self.after)(rhs, self.rtol);
        Ok(info)
    }
    fn set_relative_tolerance(&mut self, rtol: f64) {
        self.rtol = rtol;
    }
}

#[test]
fn augmented_exact_hessian_solves_are_refined_to_ipopts_backward_error() {
    // [Σ Jᵀ; J 0] with Σ = 1e-3·I: the solution is ~1e3 times the right-hand side, so the
    // solver's relative error 1e-9 leaves ‖r‖/‖b‖ = 1e-9 but ‖r‖/(‖x‖ + ‖b‖) ≈ 1e-12. With the
    // exact Hessian (here W = 0 given as an operator) that is accurate: one solve. Without a
    // Hessian operator the ratio stays ‖r‖/‖b‖ and one refinement solve follows.
    let n = 3;
    let jac = dense_jacobian(1, n, &[1.0, 1.0, 1.0]);
    let w = CscMatrix { nrows: n, ncols: n, col_ptr: vec![0; n + 1], row_idx: vec![], values: vec![], storage: CscStorage::SymmetricLower };
    let sigma_x = vec![1e-3; n];
    let rhs = [1.0, -0.5, 0.25, 0.0];
    for (hess, want_solves) in [(HessianTerm::Exact(&w), 1), (HessianTerm::Zero, 2)] {
        let exact = matches!(hess, HessianTerm::Exact(_));
        let blocks = KktBlocks { hess, sigma_x: &sigma_x, sigma_s: &[0.0], is_ineq: &[false], jac: &jac };
        // A direct solver whose solutions carry a relative error of 1e-9 (as an unpivoted LDLᵀ
        // of a badly conditioned KKT matrix does), counting its solves.
        let solves = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = solves.clone();
        let after = move |x: &mut [f64], _: f64| {
            count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            x.iter_mut().for_each(|v| *v *= 1.0 + 1e-9);
        };
        let solver = PostSolve { inner: DenseLdl::new(false), rtol: 0.0, after: Box::new(after) };
        let mut k = KktSolver::new(KktRoute::Augmented, Box::new(solver));
        k.prepare(&blocks);
        assert_eq!(k.factor(&blocks, 0.0, 0.0).unwrap(), FactorStatus::Ok);
        let mut x = rhs.to_vec();
        let stats = k.solve(&blocks, &mut x).unwrap();
        assert_eq!(solves.load(std::sync::atomic::Ordering::Relaxed), want_solves, "exact Hessian: {exact}");
        assert!(stats.residual <= 1e-10, "{}", stats.residual);
        assert!(x.iter().take(n).any(|v| v.abs() > 100.0), "‖x‖ ≫ ‖b‖: {x:?}");
    }
}

#[test]
fn krylov_refinement_solves_only_as_accurately_as_the_target_needs() {
    // A first solve at residual ratio 4e-10 misses residual_ratio_max = 1e-10 by a factor 4: the
    // correction solve runs at η = 0.1·1e-10/4e-10 = 0.025 (not at 1e-10: a full second solve),
    // and its result meets the target (ratio 4e-10·η/2 = 5e-12). The solver's tolerance is then
    // back at the Newton system's.
    let n = 5;
    let mut d = vec![0.0; n * n];
    for i in 0..n {
        d[i * n + i] = 4.0;
        if i + 1 < n {
            d[i * n + i + 1] = -1.0;
            d[(i + 1) * n + i] = -1.0;
        }
    }
    let w = lower_csc(n, &d);
    let jac = dense_jacobian(0, n, &[]);
    let sigma_x = vec![1.0; n];
    let blocks = KktBlocks { hess: HessianTerm::Exact(&w), sigma_x: &sigma_x, sigma_s: &[], is_ineq: &[], jac: &jac };
    // An iterative solver stand-in that meets its tolerance and no more: Jacobi CG to 1e-12,
    // then the solution scaled by 1 + e — e = 4e-10 on the first solve, half the current relative
    // tolerance on later ones, so the residual ratio is e — recording each solve's tolerance.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let after = move |x: &mut [f64], rtol: f64| {
        let mut seen = record.lock().unwrap();
        let e = if seen.is_empty() { 4e-10 } else { 0.5 * rtol };
        x.iter_mut().for_each(|v| *v *= 1.0 + e);
        seen.push(rtol);
    };
    let inner = JacobiCg { inv_diag: Vec::new(), last_iterations: Default::default() };
    let mut k = KktSolver::new(KktRoute::Condensed, Box::new(PostSolve { inner, rtol: 1e-10, after: Box::new(after) }));
    k.set_inexact_tolerance(1e-10);
    k.prepare(&blocks);
    assert_eq!(k.factor(&blocks, 0.0, 0.0).unwrap(), FactorStatus::Ok);
    let rhs = values(41, n);
    let mut x = rhs.clone();
    let stats = k.solve(&blocks, &mut x).unwrap();
    let tolerances = seen.lock().unwrap().clone();
    assert_eq!(tolerances.len(), 2, "one correction solve: {tolerances:?}");
    assert_eq!(tolerances[0], 1e-10);
    assert!((tolerances[1] - 0.025).abs() < 1e-6, "correction at η = {:e}", tolerances[1]);
    assert!(stats.residual <= 1e-10, "{:e}", stats.residual);
    // The next solve starts at the Newton system's tolerance again.
    seen.lock().unwrap().clear();
    let mut y = rhs.clone();
    k.solve(&blocks, &mut y).unwrap();
    assert_eq!(seen.lock().unwrap()[0], 1e-10);
}

#[test]
fn the_condensed_assembly_rebuilt_with_a_hessian_equals_a_fresh_one() {
    // The least-squares multipliers assemble N without the Hessian, the first iteration with it:
    // the rebuild keeps the Jacobian's row pairs and must give what a fresh assembly gives.
    let (w, jac, sigma_x, sigma_s, is_ineq) = small_system();
    let without = KktBlocks { hess: HessianTerm::Zero, sigma_x: &sigma_x, sigma_s: &sigma_s, is_ineq: &is_ineq, jac: &jac };
    let with = KktBlocks { hess: HessianTerm::Exact(&w), sigma_x: &sigma_x, sigma_s: &sigma_s, is_ineq: &is_ineq, jac: &jac };
    let assembling = || {
        let mut k = KktSolver::new(KktRoute::Condensed, Box::new(DenseLdl::new(true)));
        k.assemble_condensed = true;
        k
    };
    let mut reused = assembling();
    reused.prepare(&without);
    assert_eq!(reused.factor(&without, 0.0, 0.0).unwrap(), FactorStatus::Ok);
    assert_eq!(reused.condensed_asm.as_ref().expect("assembled").n_hess, 0);
    reused.prepare(&with);
    assert_eq!(reused.factor(&with, 0.0, 0.0).unwrap(), FactorStatus::Ok);
    let mut fresh = assembling();
    fresh.prepare(&with);
    assert_eq!(fresh.factor(&with, 0.0, 0.0).unwrap(), FactorStatus::Ok);
    let (a, b) = (reused.condensed_asm.as_ref().expect("rebuilt"), fresh.condensed_asm.as_ref().expect("assembled"));
    assert!(a.n_hess > 0 && a.n_hess == b.n_hess);
    assert_eq!((&a.pairs, &a.map, &a.matrix), (&b.pairs, &b.map, &b.matrix));
    // N = W + diag + Jᵀ D̂⁻¹ J itself: its lower triangle holds W's entries on top of JᵀJ's.
    assert!(reused.condensed_asm_valid && a.matrix.nnz() == 15);
}
