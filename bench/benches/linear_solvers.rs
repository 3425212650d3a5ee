//! Every `ipax_linalg` solver's factor + solve on KKT matrices of the scalable test families.
//!
//! For each family (`obstacle`, `disk_chain`, `vanderpol`, `elliptic_control`, `bratu`,
//! `ext_rosenbrock` of `ipax-testing`) at `n ≈ 1e3, 1e4, 1e5` variables, the matrices are built
//! from the problem's own derivatives, the way an interior-point iteration sees them:
//!
//! - the point is the problem's `x0` plus a deterministic perturbation in `[−0.1, 0.1]`, projected
//!   strictly inside its bounds (1% of the box width, or `0.01·max(1, |bound|)` for one-sided
//!   bounds), and every constraint multiplier is `y = 1`. The perturbation keeps the matrices
//!   generic: at the bare `x0` disk_chain's `J = 2x` vanishes (`x0 = 0`) and the extended
//!   Rosenbrock Hessian has `n/2` identical 2×2 blocks, so both would be trivial for a Krylov method;
//! - `W = ∇²ₓₓL(x, y)` (objective factor 1) and `J = ∂c/∂x` come from the problem's operators
//!   (`lower_triplets()` / `triplets()`);
//! - `Σ` is the primal-dual barrier diagonal with unit bound multipliers, `Σᵢ = 1/(xᵢ − x_Lᵢ) +
//!   1/(x_Uᵢ − xᵢ)` over the finite bounds (0 for a free variable; Wächter & Biegler 2006, eq. 13);
//! - the **augmented** (indefinite) matrix, symmetric lower CSC,
//!   `K = [[W + Σ + δ_w I, Jᵀ], [J, −δ_c I]]`, `δ_c = 1e-8`;
//! - the **condensed** (SPD) matrix `N = W + Σ + δ_N I + Jᵀ D⁻¹ J` with `D = 1e-2 I` (the size of
//!   an inequality slack's `Σ_s⁻¹`), assembled explicitly as a lower CSC for the direct solvers
//!   and as a matrix-free operator (`W`, `Σ`, `J` products) for CG.
//!
//! `δ_w` is chosen like Ipopt's inertia correction (Wächter & Biegler 2006, §3.1, Algorithm IC):
//! 0 if `SparseLdl` reports inertia `(n, m, 0)` for `K`, else `1e-4` multiplied by 10 until it
//! does. `δ_N` is chosen the same way for inertia `(n, 0, 0)` of `N` (which has no `−δ_c` block, so
//! it may need more: e.g. Bratu's `W = −κh² e^u I` is negative definite and only `J` keeps `K`
//! nonsingular). Both shifts are printed to stderr; they are part of the matrix, not a solver option.
//!
//! Timed (criterion median, flat sampling, 10 samples, so the file runs in a few minutes):
//! - `SparseLdl` factor (symbolic analysis reused) and solve (with its iterative refinement) on `K`,
//!   every size;
//! - `DenseLdlt` on `K` and `DenseCholesky` on `N`, factor and solve, `n ≈ 1e3` only;
//! - `Cg` (Jacobi) on the matrix-free `N` and `Minres` (Jacobi on `|diag K|`) on `K`, solve only
//!   (their `factor` merely builds the preconditioner), `n ≈ 1e3` and `1e4`, relative tolerance
//!   `1e-8`, at most 2000 iterations. The iteration count and whether the tolerance was reached
//!   are part of the benchmark id (`…/it=123,converged` or `…/it=2000,NOT_CONVERGED(res=…)`) and
//!   are printed to stderr; a failed solve is timed as what it is, never as a success;
//! - `Cg` with the IC(0) preconditioner on the assembled `N`: `factor` (building the incomplete
//!   factor) and solve, same sizes and stopping rule.
//!
//! Every direct solve's relative residual `‖A x − b‖/‖b‖` is checked once before timing (asserted
//! below 1e-8) so the bench measures correct solves.
//!
//! `IPAX_BENCH_MAX_N` (default 100000) caps the target sizes, e.g. `IPAX_BENCH_MAX_N=10000`;
//! `IPAX_BENCH_SIZES=100000` picks target sizes; `IPAX_BENCH_FAMILIES=obstacle,bratu` restricts
//! the families. `IPAX_BENCH_WRITE_MTX=DIR` also writes every `K` to `DIR/<family>_<n>.mtx`
//! (Matrix Market, coordinate real symmetric, lower triangle) and the right-hand side to
//! `DIR/<family>_<n>.rhs`, for the MUMPS comparison of `bench/kkt_mumps/mumps_compare.py`.

use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use ipax_core::{
    CscMatrix, CscStorage, LinSolveError, LinearOperator, LinearSolver, Problem, Regularization, SolveInfo, Triplets,
};
use ipax_linalg::{Cg, DenseCholesky, DenseLdlt, FillOrdering, KrylovParams, Minres, Preconditioner, SparseLdl};
use std::cell::RefCell;
use std::hint::black_box;
use std::time::Duration;

/// Constraint regularization of the augmented matrix's (2,2) block.
const DELTA_C: f64 = 1e-8;
/// The diagonal `D` of the condensed matrix `N = W + Σ + Jᵀ D⁻¹ J`.
const D_CONDENSED: f64 = 1e-2;
/// Krylov relative tolerance.
const KRYLOV_RTOL: f64 = 1e-8;
/// Krylov iteration cap.
const KRYLOV_MAX_ITER: usize = 2000;
/// Largest `n` the dense solvers are run at.
const DENSE_MAX_N: usize = 2_000;
/// Largest `n` the Krylov solvers are run at.
const KRYLOV_MAX_N: usize = 20_000;

/// Maps a target number of variables to the family's size parameter.
type SizeFor = fn(usize) -> usize;

/// The families benchmarked, with the family's size parameter giving about `target` variables.
const FAMILIES: &[(&str, SizeFor)] = &[
    ("obstacle", |t| isqrt(t)),                          // n = N²
    ("disk_chain", |t| t),                               // n = size, m = n − 1
    ("vanderpol", |t| (t / 3).saturating_sub(1).max(2)), // n = 3(N + 1)
    ("elliptic_control", |t| isqrt(t / 2)),              // n = 2N², m = N²
    ("bratu", |t| isqrt(t)),                             // n = m = N²
    ("ext_rosenbrock", |t| t),                           // n = size, m = 0
];

/// `round(√t)`, at least 2 (grid points per side).
fn isqrt(t: usize) -> usize {
    ((t as f64).sqrt().round() as usize).max(2)
}

/// The matrices of one family instance.
struct Kkt {
    n: usize,
    m: usize,
    /// Augmented matrix, symmetric lower CSC of order `n + m`.
    k: CscMatrix,
    /// Condensed matrix, symmetric lower CSC of order `n`.
    n_mat: CscMatrix,
    /// The same condensed matrix as products only.
    n_op: CondensedOperator,
    delta_w: f64,
    delta_n: f64,
}

/// `N = W + diag(d) + D⁻¹ JᵀJ` applied from its factors, never assembled (the matrix-free
/// condensed route's operator).
struct CondensedOperator {
    /// `W`, symmetric lower CSC.
    w: CscMatrix,
    /// `Σ + δ_N` (per variable).
    d: Vec<f64>,
    /// `J`, general CSC, `m × n`.
    j: CscMatrix,
    /// `D⁻¹` (a scalar here).
    dinv: f64,
    /// `diag(N)`, precomputed for the Jacobi preconditioner.
    diag: Vec<f64>,
    /// `J x` scratch, so `apply` does not allocate inside the timed Krylov loop.
    scratch: RefCell<Vec<f64>>,
}

impl CondensedOperator {
    fn new(w: CscMatrix, d: Vec<f64>, j: CscMatrix, dinv: f64) -> Self {
        let mut diag = w.as_ref().diagonal();
        for (g, di) in diag.iter_mut().zip(&d) {
            *g += di;
        }
        // (JᵀJ)_ii = Σ_r J_ri²: the column sums of squares of J.
        for (c, g) in diag.iter_mut().enumerate().take(j.ncols) {
            *g += dinv * j.values[j.col_ptr[c]..j.col_ptr[c + 1]].iter().map(|v| v * v).sum::<f64>();
        }
        let m = j.nrows;
        CondensedOperator { w, d, j, dinv, diag, scratch: RefCell::new(vec![0.0; m]) }
    }
}

impl LinearOperator for CondensedOperator {
    fn shape(&self) -> (usize, usize) {
        (self.d.len(), self.d.len())
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        self.w.apply(alpha, x, beta, y);
        for i in 0..y.len() {
            y[i] += alpha * self.d[i] * x[i];
        }
        if self.j.nrows > 0 {
            let mut t = self.scratch.borrow_mut();
            self.j.apply(1.0, x, 0.0, &mut t);
            self.j.apply_transpose(alpha * self.dinv, &t, 1.0, y);
        }
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        self.apply(alpha, x, beta, y)
    }
    fn is_symmetric(&self) -> bool {
        true
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        Some(self.diag.clone())
    }
}

/// `x0` plus a deterministic perturbation, projected strictly inside `[l, u]`, and the barrier
/// diagonal `Σ` with unit bound multipliers.
fn interior_point_and_sigma(p: &dyn Problem) -> (Vec<f64>, Vec<f64>) {
    let n = p.num_variables();
    let (mut l, mut u, mut x) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    p.variable_bounds(&mut l, &mut u);
    p.initial_point(&mut x);
    let mut sigma = vec![0.0; n];
    for i in 0..n {
        // Knuth's multiplicative hash of i, mapped to [−0.1, 0.1].
        x[i] += 0.1 * (2.0 * ((i as u64).wrapping_mul(2654435761) % 1000) as f64 / 999.0 - 1.0);
        let (lo, hi) = (l[i], u[i]);
        if lo.is_finite() && hi.is_finite() {
            let pad = 0.01 * (hi - lo);
            x[i] = x[i].clamp(lo + pad, hi - pad);
        } else if lo.is_finite() {
            x[i] = x[i].max(lo + 0.01 * lo.abs().max(1.0));
        } else if hi.is_finite() {
            x[i] = x[i].min(hi - 0.01 * hi.abs().max(1.0));
        }
        if lo.is_finite() {
            sigma[i] += 1.0 / (x[i] - lo);
        }
        if hi.is_finite() {
            sigma[i] += 1.0 / (hi - x[i]);
        }
    }
    (x, sigma)
}

/// Lower triplets of `Jᵀ J` (times `scale`) from `J`'s full triplets: one pass over the rows,
/// all entry pairs of each row (the families' Jacobian rows are short).
fn jtj_lower(j: &Triplets, scale: f64) -> Triplets {
    let mut rows: Vec<Vec<(usize, f64)>> = vec![Vec::new(); j.nrows];
    for k in 0..j.len() {
        rows[j.rows[k]].push((j.cols[k], j.vals[k]));
    }
    let mut t = Triplets::new(j.ncols, j.ncols);
    for row in &rows {
        for &(a, va) in row {
            for &(b, vb) in row {
                if a >= b {
                    t.push(a, b, scale * va * vb);
                }
            }
        }
    }
    t
}

/// Smallest `δ ∈ {0, 1e-4, 1e-3, …, 1e8}` for which `build(δ)` has inertia `(pos, neg, 0)`
/// according to `SparseLdl` (Ipopt-style inertia correction).
fn inertia_shift(what: &str, pos: usize, neg: usize, build: impl Fn(f64) -> CscMatrix) -> f64 {
    let mut delta = 0.0;
    loop {
        let a = build(delta);
        let mut s = SparseLdl::new();
        if let Ok(info) = s.factor(&a, &Regularization::none())
            && info.inertia.is_some_and(|i| i.is(pos, neg))
        {
            return delta;
        }
        delta = if delta == 0.0 { 1e-4 } else { delta * 10.0 };
        assert!(delta <= 1e8, "{what}: no shift up to 1e8 gives inertia ({pos}, {neg}, 0)");
    }
}

/// Build `K` and `N` for `family` at size parameter `size`.
fn build_kkt(family: &str, size: usize) -> Kkt {
    let p = ipax_testing::get(family, Some(size)).expect("registered family");
    let (n, m) = (p.num_variables(), p.num_constraints());
    let (x, sigma) = interior_point_and_sigma(&*p);
    let y = vec![1.0; m];
    let w_op = p.hessian(&x, 1.0, &y).expect("hessian").expect("families provide an exact Hessian");
    let w = w_op.lower_triplets().expect("assembled Hessian");
    let j = p.jacobian(&x).expect("jacobian").triplets().expect("assembled Jacobian");
    drop(w_op);

    // K(δ_w): W + Σ + δ_w I in the (1,1) block, J below it, −δ_c I in the (2,2) block.
    let build_k = |delta_w: f64| {
        let mut t = Triplets::new(n + m, n + m);
        t.extend_shifted(&w, 0, 0, 1.0);
        for (i, s) in sigma.iter().enumerate() {
            t.push(i, i, s + delta_w);
        }
        t.extend_shifted(&j, n, 0, 1.0);
        for r in 0..m {
            t.push(n + r, n + r, -DELTA_C);
        }
        CscMatrix::from_triplets(&t, CscStorage::SymmetricLower)
    };
    let jtj = jtj_lower(&j, 1.0 / D_CONDENSED);
    let build_n = |delta: f64| {
        let mut t = Triplets::new(n, n);
        t.extend_shifted(&w, 0, 0, 1.0);
        for (i, s) in sigma.iter().enumerate() {
            t.push(i, i, s + delta);
        }
        t.extend_shifted(&jtj, 0, 0, 1.0);
        CscMatrix::from_triplets(&t, CscStorage::SymmetricLower)
    };
    let delta_w = inertia_shift(family, n, m, build_k);
    let delta_n = inertia_shift(family, n, 0, build_n);
    let k = build_k(delta_w);
    let n_mat = build_n(delta_n);
    let w_csc = CscMatrix::from_triplets(&w, CscStorage::SymmetricLower);
    let j_csc = CscMatrix::from_triplets(&j, CscStorage::General);
    let d: Vec<f64> = sigma.iter().map(|s| s + delta_n).collect();
    let n_op = CondensedOperator::new(w_csc, d, j_csc, 1.0 / D_CONDENSED);
    Kkt { n, m, k, n_mat, n_op, delta_w, delta_n }
}

/// `‖A x − b‖ / ‖b‖`.
fn rel_residual(a: &dyn LinearOperator, x: &[f64], b: &[f64]) -> f64 {
    let mut r = b.to_vec();
    a.apply(1.0, x, -1.0, &mut r);
    let norm = |v: &[f64]| v.iter().map(|t| t * t).sum::<f64>().sqrt();
    norm(&r) / norm(b)
}

/// A deterministic right-hand side with entries in [1, 7].
fn rhs(len: usize) -> Vec<f64> {
    (0..len).map(|i| 1.0 + (i % 7) as f64).collect()
}

/// Factor `a` with `solver` once, solve once, and assert the answer's residual (direct solvers).
fn check_direct(name: &str, solver: &mut dyn LinearSolver, a: &dyn LinearOperator, b: &[f64]) {
    solver.factor(a, &Regularization::none()).unwrap_or_else(|e| panic!("{name}: factor failed: {e}"));
    let mut x = b.to_vec();
    solver.solve_in_place(a, &mut x).unwrap_or_else(|e| panic!("{name}: solve failed: {e}"));
    let res = rel_residual(a, &x, b);
    eprintln!("    {name}: relative residual {res:.1e}");
    assert!(res < 1e-8, "{name}: relative residual {res:.1e} too large");
}

/// The bench-id suffix (and stderr line) describing a Krylov solve's outcome.
fn krylov_outcome(name: &str, result: &Result<SolveInfo, LinSolveError>, a: &dyn LinearOperator, x: &[f64], b: &[f64]) -> String {
    let res = rel_residual(a, x, b);
    let tag = match result {
        Ok(info) if res <= 10.0 * KRYLOV_RTOL => format!("it={},converged", info.iterations),
        Ok(info) => format!("it={},NOT_CONVERGED(true_res={res:.0e})", info.iterations),
        Err(LinSolveError::NoConvergence { iterations, .. }) => format!("it={iterations},NOT_CONVERGED(res={res:.0e})"),
        Err(e) => format!("FAILED({e})"),
    };
    eprintln!("    {name}: {tag}, true relative residual {res:.1e}");
    tag
}

fn krylov_params() -> KrylovParams {
    KrylovParams { rtol: KRYLOV_RTOL, atol: 0.0, max_iter: Some(KRYLOV_MAX_ITER) }
}

/// Write a symmetric-lower CSC matrix as Matrix Market (coordinate real symmetric, 1-based, the
/// lower triangle as stored; values in shortest round-trip form).
fn write_mtx(path: &std::path::Path, a: &CscMatrix) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(f, "%%MatrixMarket matrix coordinate real symmetric")?;
    writeln!(f, "{} {} {}", a.nrows, a.ncols, a.nnz())?;
    for j in 0..a.ncols {
        for p in a.col_ptr[j]..a.col_ptr[j + 1] {
            writeln!(f, "{} {} {:?}", a.row_idx[p] + 1, j + 1, a.values[p])?;
        }
    }
    f.flush()
}

/// CPU seconds this thread has run (`CLOCK_THREAD_CPUTIME_ID`), so timings for the MUMPS
/// comparison do not depend on how busy the machine is.
fn thread_cpu_seconds() -> Option<f64> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then_some(ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9)
}

/// Median CPU seconds of `repeat` calls of `f` (see [`thread_cpu_seconds`]).
fn median_cpu<T>(repeat: usize, mut f: impl FnMut() -> T) -> Option<f64> {
    let mut t = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        let t0 = thread_cpu_seconds()?;
        black_box(f());
        t.push(thread_cpu_seconds()? - t0);
    }
    t.sort_by(f64::total_cmp);
    Some(t[repeat / 2])
}

fn bench_linear_solvers(c: &mut Criterion) {
    let max_n: usize = std::env::var("IPAX_BENCH_MAX_N").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let sizes: Vec<usize> = std::env::var("IPAX_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse::<f64>().ok()).map(|t| t as usize).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000]);
    let mtx_dir = std::env::var("IPAX_BENCH_WRITE_MTX").ok().map(std::path::PathBuf::from);
    let only: Option<Vec<String>> =
        std::env::var("IPAX_BENCH_FAMILIES").ok().map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    for &(family, size_for) in FAMILIES {
        if only.as_ref().is_some_and(|f| !f.iter().any(|x| x == family)) {
            continue;
        }
        for &target in &sizes {
            if target > max_n {
                continue;
            }
            let kkt = build_kkt(family, size_for(target));
            let (n, m) = (kkt.n, kkt.m);
            eprintln!(
                "{family}: n = {n}, m = {m}, nnz(tril K) = {}, nnz(tril N) = {}, δ_w = {:e}, δ_N = {:e}",
                kkt.k.nnz(),
                kkt.n_mat.nnz(),
                kkt.delta_w,
                kkt.delta_n
            );
            let bk = rhs(n + m);
            let bn = rhs(n);
            if let Some(dir) = &mtx_dir {
                std::fs::create_dir_all(dir).expect("IPAX_BENCH_WRITE_MTX directory");
                let stem = dir.join(format!("{family}_{n}"));
                write_mtx(&stem.with_extension("mtx"), &kkt.k).expect("write the .mtx file");
                let text: String = bk.iter().map(|v| format!("{v:?}\n")).collect();
                std::fs::write(stem.with_extension("rhs"), text).expect("write the right-hand side");
            }

            let mut group = c.benchmark_group(format!("linear_solvers/{family}/n={n},m={m}"));
            group.sampling_mode(SamplingMode::Flat);
            group.sample_size(10);
            group.warm_up_time(Duration::from_millis(300));
            group.measurement_time(Duration::from_secs(2));

            // Sparse LDLᵀ on K: the first factor runs the symbolic analysis, the timed ones reuse it.
            let mut ldl = SparseLdl::new();
            check_direct("sparse_ldl(K)", &mut ldl, &kkt.k, &bk);
            eprintln!("    sparse_ldl(K): nnz(L) = {}", ldl.factor_nnz().unwrap_or(0));
            if mtx_dir.is_some() {
                let fc = median_cpu(7, || ldl.factor(&kkt.k, &Regularization::none()).expect("factor"));
                let mut x = bk.clone();
                let sc = median_cpu(7, || {
                    x.copy_from_slice(&bk);
                    ldl.solve_in_place(&kkt.k, &mut x).expect("solve")
                });
                eprintln!("    sparse_ldl(K): CPU seconds (median of 7): factor {:.4}, solve {:.4}", fc.unwrap_or(f64::NAN), sc.unwrap_or(f64::NAN));
            }
            group.bench_function("sparse_ldl(K)/factor", |b| {
                b.iter(|| ldl.factor(black_box(&kkt.k), &Regularization::none()).expect("factor"))
            });
            group.bench_function("sparse_ldl(K)/solve", |b| {
                b.iter_batched_ref(|| bk.clone(), |x| ldl.solve_in_place(&kkt.k, x).expect("solve"), BatchSize::LargeInput)
            });
            assert_eq!(ldl.analysis_count(), 1, "the symbolic analysis must be reused");
            // The two fill-reducing orderings `auto` chooses between, forced.
            for (label, ordering) in [("amd", FillOrdering::Amd), ("nd", FillOrdering::NestedDissection)] {
                let mut s = SparseLdl::new().with_ordering(ordering);
                check_direct(&format!("sparse_ldl_{label}(K)"), &mut s, &kkt.k, &bk);
                eprintln!("    sparse_ldl_{label}(K): nnz(L) = {}", s.factor_nnz().unwrap_or(0));
                group.bench_function(format!("sparse_ldl_{label}(K)/factor"), |b| {
                    b.iter(|| s.factor(black_box(&kkt.k), &Regularization::none()).expect("factor"))
                });
            }

            if n <= DENSE_MAX_N {
                let mut ldlt = DenseLdlt::new();
                check_direct("dense_ldlt(K)", &mut ldlt, &kkt.k, &bk);
                group.bench_function("dense_ldlt(K)/factor", |b| {
                    b.iter(|| ldlt.factor(black_box(&kkt.k), &Regularization::none()).expect("factor"))
                });
                group.bench_function("dense_ldlt(K)/solve", |b| {
                    b.iter_batched_ref(|| bk.clone(), |x| ldlt.solve_in_place(&kkt.k, x).expect("solve"), BatchSize::LargeInput)
                });
                let mut chol = DenseCholesky::new();
                check_direct("dense_cholesky(N)", &mut chol, &kkt.n_mat, &bn);
                group.bench_function("dense_cholesky(N)/factor", |b| {
                    b.iter(|| chol.factor(black_box(&kkt.n_mat), &Regularization::none()).expect("factor"))
                });
                group.bench_function("dense_cholesky(N)/solve", |b| {
                    b.iter_batched_ref(|| bn.clone(), |x| chol.solve_in_place(&kkt.n_mat, x).expect("solve"), BatchSize::LargeInput)
                });
            }

            if n <= KRYLOV_MAX_N {
                // CG on the matrix-free condensed operator. `factor` only builds the Jacobi
                // preconditioner; one untimed solve fixes the reported iteration count.
                let mut cg = Cg::new(krylov_params(), Preconditioner::Jacobi);
                cg.factor(&kkt.n_op, &Regularization::none()).expect("cg preconditioner");
                assert!(cg.is_preconditioned(), "diag(N) is positive, Jacobi must be active");
                let mut x = bn.clone();
                let result = cg.solve_in_place(&kkt.n_op, &mut x);
                let tag = krylov_outcome("cg_jacobi(N)", &result, &kkt.n_op, &x, &bn);
                group.bench_function(format!("cg_jacobi(N)/solve/{tag}"), |b| {
                    b.iter_batched_ref(|| bn.clone(), |x| cg.solve_in_place(&kkt.n_op, x), BatchSize::LargeInput)
                });

                // CG with IC(0) of the assembled N: `factor` builds the incomplete factor (timed).
                let mut cg_ic = Cg::new(krylov_params(), Preconditioner::IncompleteCholesky);
                cg_ic.factor(&kkt.n_mat, &Regularization::none()).expect("IC(0) preconditioner");
                assert!(cg_ic.uses_incomplete_cholesky(), "N is assembled, IC(0) must be active");
                let mut x = bn.clone();
                let result = cg_ic.solve_in_place(&kkt.n_mat, &mut x);
                let tag = krylov_outcome("cg_ic0(N)", &result, &kkt.n_mat, &x, &bn);
                group.bench_function("cg_ic0(N)/factor", |b| {
                    b.iter(|| cg_ic.factor(black_box(&kkt.n_mat), &Regularization::none()).expect("IC(0)"))
                });
                group.bench_function(format!("cg_ic0(N)/solve/{tag}"), |b| {
                    b.iter_batched_ref(|| bn.clone(), |x| cg_ic.solve_in_place(&kkt.n_mat, x), BatchSize::LargeInput)
                });

                let mut minres = Minres::new(krylov_params(), Preconditioner::Jacobi);
                minres.factor(&kkt.k, &Regularization::none()).expect("minres preconditioner");
                let mut x = bk.clone();
                let result = minres.solve_in_place(&kkt.k, &mut x);
                let tag = krylov_outcome("minres_jacobi(K)", &result, &kkt.k, &x, &bk);
                group.bench_function(format!("minres_jacobi(K)/solve/{tag}"), |b| {
                    b.iter_batched_ref(|| bk.clone(), |x| minres.solve_in_place(&kkt.k, x), BatchSize::LargeInput)
                });
            }
            group.finish();
        }
    }
}

criterion_group!(benches, bench_linear_solvers);
criterion_main!(benches);
