//! Smoothed-aggregation algebraic multigrid (SA-AMG) as a CG preconditioner.
//!
//! The hierarchy follows Vaněk, Mandel & Brezina, "Algebraic multigrid by smoothed aggregation
//! for second and fourth order elliptic problems", Computing 56 (1996) 179–196:
//!
//! 1. *strength of connection* (§3, eq. (3.1)): `j` is a strong neighbour of `i` when
//!    `|a_ij| ≥ θ·sqrt(|a_ii a_jj|)`, `θ` = [`STRENGTH_THETA`];
//! 2. *greedy aggregation* (§3, the three-pass algorithm): disjoint aggregates made of a root
//!    and its strong neighbourhood, left-over nodes joined to a neighbouring aggregate, the rest
//!    grouped among themselves;
//! 3. a *piecewise-constant tentative prolongator* `T` (one column per aggregate) smoothed by one
//!    damped-Jacobi step, `P = (I − ω D⁻¹ A) T` with `ω = 4/(3ρ(D⁻¹A))` (§4, eq. (4.2));
//! 4. the *Galerkin coarse operator* `A_c = Pᵀ A P`, recursively until the coarse order is at
//!    most [`COARSE_DIRECT_MAX`], where a dense Cholesky factor (faer) solves exactly.
//!
//! `M⁻¹` is one V-cycle from a zero initial guess with a forward Gauss–Seidel sweep before and a
//! backward sweep after the coarse correction. The backward sweep is the adjoint of the forward
//! one and the coarse operator is Galerkin, so `M⁻¹` is symmetric; it is positive definite when
//! `A` is (Gauss–Seidel converges in the `A`-norm for SPD `A`), as CG requires.
//!
//! Smoothed aggregation assumes a (locally) constant near-null space. Condensed matrices dominated
//! by `Jᵀ D̂⁻¹ J` of equality constraints (dynamics of optimal control) violate that, while IC(0)
//! is nearly exact on them; the setup compares the two on an algebraically smooth test vector
//! and, when IC(0) wins, adds a damped IC(0) correction to the finest-level smoother
//! ([`AmgPreconditioner::uses_fine_ic`]).
//!
//! Interior-point specifics: near active bounds the barrier diagonal `Σ` makes some rows of the
//! condensed matrix dominate their neighbours by many orders of magnitude. Such rows have no strong
//! connection (their `a_ii` is huge), and when they are also diagonally dominant they are left out
//! of the aggregation (a zero row of `T`): the smoother alone reduces their error, by a factor
//! `Σ_j |a_ij| / a_ii` per sweep, and they do not distort the aggregates of the grid around them.
//!
//! The IPM refactors a matrix of the same pattern every iteration. [`AmgPreconditioner::update`]
//! keeps the aggregates (hence the patterns of `P` and of every `A_c`) and recomputes only the
//! values — the Jacobi-smoothed `P` with the new diagonal, `Pᵀ A P` into the kept patterns, the
//! IC(0) smoother and the coarse factor — unless the strength of connection of the new values
//! says the aggregates are stale ([`UPDATE_MAX_STALE`]); [`Cg`](crate::Cg) adds a periodic and an
//! iteration-count safeguard.

use crate::incomplete_cholesky::IncompleteCholesky;
use faer::linalg::solvers::{Llt, Solve};
use faer::{ColMut, Mat, Side};
use ipax_core::{CscRef, CscStorage, LinSolveError};

/// Symmetric Gauss–Seidel sweeps on `A e = 0` that turn the setup's test vector into an
/// algebraically smooth error (the components the coarse grid must handle).
const TEST_SMOOTHING_SWEEPS: usize = 2;

/// Strength-of-connection threshold θ (Vaněk et al. use 0.08 for 2-D problems).
pub const STRENGTH_THETA: f64 = 0.08;
/// Coarsest order solved by a dense Cholesky factorization.
pub const COARSE_DIRECT_MAX: usize = 500;
/// Cap on the number of levels (a guard: each level shrinks the order ~4–9×).
const MAX_LEVELS: usize = 25;
/// Coarsening is abandoned when a level keeps more than this fraction of its unknowns.
const MIN_COARSENING: f64 = 0.9;
/// Gauss–Seidel sweeps (each direction) on a coarsest level too large for a dense factor.
const COARSE_SWEEPS: usize = 4;
/// Power iterations estimating ρ(D⁻¹A) for the prolongator damping.
const POWER_ITERATIONS: usize = 10;
/// Power iterations of the same estimate in [`AmgPreconditioner::update`], started from the
/// previous estimate's last iterate. At n = 1e6 (obstacle) the ten iterations of a setup take
/// 0.15 s of the 0.41 s of an update; the estimate only sets the damping `ω` of the prolongator
/// smoothing, and any `ω` keeps the V-cycle symmetric positive definite.
const UPDATE_POWER_ITERATIONS: usize = 3;
/// [`AmgPreconditioner::update`] sets the hierarchy up anew when, on some level, the strong
/// connections that appeared or disappeared under the new values exceed this fraction of the
/// setup's strong connections (or this fraction of the rows were left out of the aggregation and
/// lost their diagonal dominance).
///
/// Measured on the obstacle problem (n = 1e5, condensed IPM matrices, 14 iterations): after the
/// first two barrier-parameter drops the fraction is 0.53 on the finest level, then 5.1 on the
/// third level, and updates without this test needed 44 and 28 CG iterations against 12 with
/// fresh setups; in the later iterations it stays at or below 0.34 on every level and the
/// updated hierarchies need the same counts as fresh setups (6–14).
pub const UPDATE_MAX_STALE: f64 = 0.5;

/// A symmetric matrix as diagonal plus off-diagonal rows (both triangles, CSR).
#[derive(Debug, Clone)]
struct SymCsr {
    n: usize,
    diag: Vec<f64>,
    ptr: Vec<usize>,
    /// Column indices in 32 bits: the V-cycle streams `idx` and `val` in every sweep and
    /// product, so at n ≥ 1e6 (beyond the caches) 12 bytes per entry instead of 16 is time.
    idx: Vec<u32>,
    val: Vec<f64>,
}

impl SymCsr {
    /// Build from the strictly lower entries `(i, j, v)`, `i > j`, mirrored to both triangles.
    fn from_lower(n: usize, diag: Vec<f64>, lower: &[(usize, usize, f64)]) -> Self {
        let mut count = vec![0usize; n + 1];
        for &(i, j, _) in lower {
            count[i + 1] += 1;
            count[j + 1] += 1;
        }
        for k in 0..n {
            count[k + 1] += count[k];
        }
        let ptr = count.clone();
        let mut next = count;
        let mut idx = vec![0; ptr[n]];
        let mut val = vec![0.0; ptr[n]];
        for &(i, j, v) in lower {
            idx[next[i]] = j as u32;
            val[next[i]] = v;
            next[i] += 1;
            idx[next[j]] = i as u32;
            val[next[j]] = v;
            next[j] += 1;
        }
        SymCsr { n, diag, ptr, idx, val }
    }

    /// `A + shift·I` from a symmetric-lower CSC matrix (entries above the diagonal ignored).
    ///
    /// Explicit zeros are kept: the pattern depends on `a`'s pattern only, so that
    /// [`refill_csc_lower`](Self::refill_csc_lower) can put new values of the same pattern in place.
    fn from_csc_lower(a: CscRef<'_>, shift: f64) -> Self {
        let n = a.ncols;
        let mut diag = vec![shift; n];
        let mut lower = Vec::with_capacity(a.row_idx.len());
        for j in 0..n {
            for p in a.col_ptr[j]..a.col_ptr[j + 1] {
                let i = a.row_idx[p];
                if i == j {
                    diag[j] += a.values[p];
                } else if i > j {
                    lower.push((i, j, a.values[p]));
                }
            }
        }
        SymCsr::from_lower(n, diag, &lower)
    }

    /// Overwrite the values with those of `a + shift·I`, where `a` has the pattern this matrix
    /// was built from by [`from_csc_lower`](Self::from_csc_lower) (the caller checks it). The
    /// entries are visited in the same order as there, so each lands where `from_lower` put it.
    fn refill_csc_lower(&mut self, a: CscRef<'_>, shift: f64) {
        let n = self.n;
        self.diag.fill(shift);
        let mut next = self.ptr[..n].to_vec();
        for j in 0..n {
            for p in a.col_ptr[j]..a.col_ptr[j + 1] {
                let (i, v) = (a.row_idx[p], a.values[p]);
                if i == j {
                    self.diag[j] += v;
                } else if i > j {
                    self.val[next[i]] = v;
                    next[i] += 1;
                    self.val[next[j]] = v;
                    next[j] += 1;
                }
            }
        }
    }

    /// Overwrite the values with a diagonal and strictly lower entries produced by `fill` — it
    /// writes the diagonal into the slice it gets and hands each lower entry `(i, j, v)` to the
    /// callback — in exactly the order of the [`from_lower`](Self::from_lower) call that built
    /// this matrix. Returns `false` (values then unspecified) when the entries do not match the
    /// stored pattern.
    fn refill_lower(&mut self, fill: impl FnOnce(&mut [f64], &mut dyn FnMut(usize, usize, f64))) -> bool {
        let n = self.n;
        let SymCsr { diag, ptr, idx, val, .. } = self;
        diag.fill(0.0);
        let mut next = ptr[..n].to_vec();
        let (mut ok, mut count) = (true, 0usize);
        let mut put = |i: usize, j: usize, v: f64| {
            count += 1;
            if !ok || i >= n || j >= n || next[i] >= ptr[i + 1] || next[j] >= ptr[j + 1] || idx[next[i]] as usize != j || idx[next[j]] as usize != i {
                ok = false;
                return;
            }
            val[next[i]] = v;
            next[i] += 1;
            val[next[j]] = v;
            next[j] += 1;
        };
        fill(diag, &mut put);
        ok && 2 * count == idx.len()
    }

    /// Whether the entry at position `p` of row `i` is a strong connection (Vaněk et al. 1996,
    /// eq. (3.1)): `|a_ij| ≥ θ·sqrt(|a_ii a_jj|)`, `j ≠ i`.
    fn is_strong(&self, i: usize, p: usize) -> bool {
        let j = self.idx[p] as usize;
        j != i && self.val[p].abs() >= STRENGTH_THETA * (self.diag[i] * self.diag[j]).abs().sqrt()
    }

    /// [`is_strong`](Self::is_strong) for every stored off-diagonal entry.
    fn strong_flags(&self) -> Vec<bool> {
        let mut flags = vec![false; self.idx.len()];
        for i in 0..self.n {
            for p in self.ptr[i]..self.ptr[i + 1] {
                flags[p] = self.is_strong(i, p);
            }
        }
        flags
    }

    /// First row whose diagonal is not positive (the matrix is then not SPD).
    fn first_nonpositive_diagonal(&self) -> Option<(usize, f64)> {
        self.diag.iter().enumerate().find(|(_, d)| !(**d > 0.0)).map(|(j, &d)| (j, d))
    }

    /// Whether row `i` is diagonally dominant, `a_ii ≥ Σ_j |a_ij|` (the condition under which
    /// [`aggregate`] may leave a row without strong connections out of the coarse space).
    fn diagonally_dominant(&self, i: usize) -> bool {
        let off: f64 = (self.ptr[i]..self.ptr[i + 1]).map(|p| self.val[p].abs()).sum();
        self.diag[i] >= off
    }

    /// `y ← A x`.
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        for i in 0..self.n {
            let mut s = self.diag[i] * x[i];
            for p in self.ptr[i]..self.ptr[i + 1] {
                s += self.val[p] * x[self.idx[p] as usize];
            }
            y[i] = s;
        }
    }

    /// A forward Gauss–Seidel sweep on `A x = b` from `x = 0`, which also leaves the residual
    /// `r = b − A x` of its result, in one pass over `A` instead of a sweep and a product.
    ///
    /// From a zero start row `i` sees only its lower neighbours, `a_ii x_i = b_i − Σ_{j<i} a_ij x_j`,
    /// so the residual is what the later rows add, `r_i = −Σ_{j>i} a_ij x_j`: each row, once its
    /// `x_i` is known, subtracts `a_ji x_i` from `r_j` of its lower neighbours (the stored matrix is
    /// exactly symmetric). The V-cycle streams the finest matrix, the largest array it reads,
    /// twice per level instead of three times.
    fn gauss_seidel_from_zero(&self, b: &[f64], x: &mut [f64], r: &mut [f64]) {
        r.fill(0.0);
        for i in 0..self.n {
            let row = self.ptr[i]..self.ptr[i + 1];
            let mut s = b[i];
            for p in row.clone() {
                let j = self.idx[p] as usize;
                if j < i {
                    s -= self.val[p] * x[j];
                }
            }
            let xi = s / self.diag[i];
            x[i] = xi;
            for p in row {
                let j = self.idx[p] as usize;
                if j < i {
                    r[j] -= self.val[p] * xi;
                }
            }
        }
    }

    /// One Gauss–Seidel sweep on `A x = b`, forward or backward.
    fn gauss_seidel(&self, b: &[f64], x: &mut [f64], forward: bool) {
        let mut sweep = |i: usize| {
            let mut s = b[i];
            for p in self.ptr[i]..self.ptr[i + 1] {
                s -= self.val[p] * x[self.idx[p] as usize];
            }
            x[i] = s / self.diag[i];
        };
        if forward {
            (0..self.n).for_each(&mut sweep);
        } else {
            (0..self.n).rev().for_each(&mut sweep);
        }
    }

    /// Estimate of ρ(D⁻¹A): `iterations` power iterations on the similar symmetric
    /// `D^{-1/2} A D^{-1/2}` from `v` (overwritten by the last iterate, a start for the next
    /// estimate on a matrix with the same pattern), padded by 10% (power iteration approaches ρ
    /// from below) and capped by Gershgorin's bound.
    fn jacobi_spectral_radius(&self, v: &mut Vec<f64>, iterations: usize) -> f64 {
        let n = self.n;
        let gershgorin = (0..n).map(|i| 1.0 + (self.ptr[i]..self.ptr[i + 1]).map(|p| self.val[p].abs()).sum::<f64>() / self.diag[i]).fold(0.0, f64::max);
        let isd: Vec<f64> = self.diag.iter().map(|d| 1.0 / d.sqrt()).collect();
        // A start without direction (never estimated, or a previous estimate that broke down).
        if v.len() != n || !v.iter().all(|x| x.is_finite()) || v.iter().all(|&x| x == 0.0) {
            *v = power_start(n);
        }
        let mut w = vec![0.0; n];
        let mut rho = 0.0;
        for _ in 0..iterations {
            let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
            if !(norm > 0.0) {
                break;
            }
            for (vi, si) in v.iter_mut().zip(&isd) {
                *vi *= si / norm;
            }
            self.apply(v, &mut w);
            for (wi, si) in w.iter_mut().zip(&isd) {
                *wi *= si;
            }
            // v was scaled by D^{-1/2}: undo it for the Rayleigh quotient of the scaled matrix.
            rho = v.iter().zip(&w).zip(&isd).map(|((a, b), s)| a / s * b).sum::<f64>();
            std::mem::swap(v, &mut w);
        }
        if rho > 0.0 { (1.1 * rho).min(gershgorin) } else { gershgorin }
    }
}

/// A deterministic start for power iterations, with components in every direction.
fn power_start(n: usize) -> Vec<f64> {
    (0..n).map(|i| 1.0 + 0.5 * ((i * 7919 % 101) as f64 / 101.0)).collect()
}

/// A sparse `n × m` matrix by rows (the prolongator).
#[derive(Debug, Clone)]
struct Csr {
    ncols: usize,
    ptr: Vec<usize>,
    /// Column indices in 32 bits (see [`SymCsr`]'s).
    idx: Vec<u32>,
    val: Vec<f64>,
}

impl Csr {
    fn nrows(&self) -> usize {
        self.ptr.len() - 1
    }

    /// `y ← y + P x`.
    fn apply_add(&self, x: &[f64], y: &mut [f64]) {
        for i in 0..self.nrows() {
            let mut s = 0.0;
            for p in self.ptr[i]..self.ptr[i + 1] {
                s += self.val[p] * x[self.idx[p] as usize];
            }
            y[i] += s;
        }
    }

    /// `y ← Pᵀ x`.
    fn apply_transpose(&self, x: &[f64], y: &mut [f64]) {
        y.fill(0.0);
        for i in 0..self.nrows() {
            for p in self.ptr[i]..self.ptr[i + 1] {
                y[self.idx[p] as usize] += self.val[p] * x[i];
            }
        }
    }

    /// The transpose, by rows.
    fn transpose(&self) -> Csr {
        let n = self.nrows();
        let mut ptr = vec![0usize; self.ncols + 1];
        for &j in &self.idx {
            ptr[j as usize + 1] += 1;
        }
        for k in 0..self.ncols {
            ptr[k + 1] += ptr[k];
        }
        let mut next = ptr.clone();
        let mut idx = vec![0; self.idx.len()];
        let mut val = vec![0.0; self.idx.len()];
        for i in 0..n {
            for p in self.ptr[i]..self.ptr[i + 1] {
                let j = self.idx[p] as usize;
                idx[next[j]] = i as u32;
                val[next[j]] = self.val[p];
                next[j] += 1;
            }
        }
        Csr { ncols: n, ptr, idx, val }
    }
}

/// Row-wise sparse accumulator (Gustavson 1978) over `m` columns.
struct Accumulator {
    pos: Vec<usize>,
    cols: Vec<usize>,
    vals: Vec<f64>,
}

impl Accumulator {
    fn new(m: usize) -> Self {
        Accumulator { pos: vec![usize::MAX; m], cols: Vec::new(), vals: Vec::new() }
    }
    fn add(&mut self, j: usize, v: f64) {
        if self.pos[j] == usize::MAX {
            self.pos[j] = self.cols.len();
            self.cols.push(j);
            self.vals.push(v);
        } else {
            self.vals[self.pos[j]] += v;
        }
    }
    /// Hand the row over to `emit` and reset.
    fn drain(&mut self, mut emit: impl FnMut(usize, f64)) {
        for (k, &j) in self.cols.iter().enumerate() {
            emit(j, self.vals[k]);
            self.pos[j] = usize::MAX;
        }
        self.cols.clear();
        self.vals.clear();
    }
}

/// Greedy aggregation (Vaněk et al. 1996, §3). Returns the aggregate of each node (`None`: left
/// out, a strongly diagonally dominant node without strong connections) and the aggregate count.
fn aggregate(a: &SymCsr) -> (Vec<Option<usize>>, usize) {
    let n = a.n;
    // Strong neighbours, by rows.
    let mut sptr = Vec::with_capacity(n + 1);
    let mut sidx = Vec::with_capacity(a.idx.len());
    sptr.push(0);
    for i in 0..n {
        for p in a.ptr[i]..a.ptr[i + 1] {
            let j = a.idx[p] as usize;
            if a.is_strong(i, p) {
                sidx.push(j);
            }
        }
        sptr.push(sidx.len());
    }
    let strong = |i: usize| &sidx[sptr[i]..sptr[i + 1]];
    let mut agg: Vec<Option<usize>> = vec![None; n];
    let mut count = 0;
    // Nodes without strong connections: left out when diagonally dominant (the smoother handles
    // them), otherwise singletons so the coarse space still sees them.
    let mut isolated = vec![false; n];
    for i in 0..n {
        if strong(i).is_empty() {
            isolated[i] = true;
            if !a.diagonally_dominant(i) {
                agg[i] = Some(count);
                count += 1;
            }
        }
    }
    // Pass 1: a root whose whole strong neighbourhood is free forms an aggregate with it.
    for i in 0..n {
        if isolated[i] || agg[i].is_some() || strong(i).iter().any(|&j| agg[j].is_some()) {
            continue;
        }
        agg[i] = Some(count);
        for &j in strong(i) {
            agg[j] = Some(count);
        }
        count += 1;
    }
    // Pass 2: left-over nodes join the aggregate of their strongest aggregated neighbour (a
    // snapshot of pass 1, so aggregates do not creep along chains).
    let snapshot = agg.clone();
    for i in 0..n {
        if isolated[i] || agg[i].is_some() {
            continue;
        }
        let mut best: Option<(f64, usize)> = None;
        for p in a.ptr[i]..a.ptr[i + 1] {
            let j = a.idx[p] as usize;
            if let Some(g) = snapshot[j]
                && !isolated[j]
                && strong(i).contains(&j)
                && best.is_none_or(|(w, _)| a.val[p].abs() > w)
            {
                best = Some((a.val[p].abs(), g));
            }
        }
        if let Some((_, g)) = best {
            agg[i] = Some(g);
        }
    }
    // Pass 3: whatever remains forms aggregates with its still-free strong neighbours.
    for i in 0..n {
        if isolated[i] || agg[i].is_some() {
            continue;
        }
        agg[i] = Some(count);
        for &j in strong(i) {
            if agg[j].is_none() && !isolated[j] {
                agg[j] = Some(count);
            }
        }
        count += 1;
    }
    (agg, count)
}

/// Smoothed prolongator `P = (I − ω D⁻¹ A) T` (Vaněk et al. 1996, eq. (4.2)).
///
/// The pattern is structural (entries that cancel to zero are kept): it depends only on the
/// patterns of `A` and `T`, so [`refill_smoothed_prolongator`] can recompute the values in place.
fn smoothed_prolongator(a: &SymCsr, agg: &[Option<usize>], nc: usize, omega: f64) -> Csr {
    let mut acc = Accumulator::new(nc);
    let (mut ptr, mut idx, mut val) = (vec![0], Vec::new(), Vec::new());
    for i in 0..a.n {
        let scale = omega / a.diag[i];
        if let Some(g) = agg[i] {
            acc.add(g, 1.0 - scale * a.diag[i]);
        }
        for p in a.ptr[i]..a.ptr[i + 1] {
            if let Some(g) = agg[a.idx[p] as usize] {
                acc.add(g, -scale * a.val[p]);
            }
        }
        acc.drain(|j, v| {
            idx.push(j as u32);
            val.push(v);
        });
        ptr.push(idx.len());
    }
    Csr { ncols: nc, ptr, idx, val }
}

/// The values of [`smoothed_prolongator`]`(a, agg, _, omega)` written into the pattern of `p`,
/// which that function built from the same aggregates and a matrix of `a`'s pattern (so every
/// column a row touches is in the row's pattern). The Jacobi step uses the new diagonal, which is
/// what adapts `P` to barrier terms that changed since the setup.
fn refill_smoothed_prolongator(a: &SymCsr, agg: &[Option<usize>], p: &mut Csr, omega: f64) {
    // Position of each coarse column in the current row (entries of other rows are stale, never
    // read: every column written below is in the row's pattern).
    let mut pos = vec![0usize; p.ncols];
    for i in 0..a.n {
        let row = p.ptr[i]..p.ptr[i + 1];
        for k in row.clone() {
            pos[p.idx[k] as usize] = k;
        }
        p.val[row].fill(0.0);
        let scale = omega / a.diag[i];
        if let Some(g) = agg[i] {
            p.val[pos[g]] += 1.0 - scale * a.diag[i];
        }
        for q in a.ptr[i]..a.ptr[i + 1] {
            if let Some(g) = agg[a.idx[q] as usize] {
                p.val[pos[g]] -= scale * a.val[q];
            }
        }
    }
}

/// Galerkin product `Pᵀ A P`, symmetric by construction (only its lower triangle is computed and
/// then mirrored, so rounding cannot make the coarse operator — and hence `M⁻¹` — unsymmetric).
fn galerkin(a: &SymCsr, p: &Csr) -> SymCsr {
    let mut diag = vec![0.0; p.ncols];
    let mut lower = Vec::new();
    galerkin_lower(a, p, &mut diag, |r, c, v| lower.push((r, c, v)));
    SymCsr::from_lower(p.ncols, diag, &lower)
}

/// Diagonal (into `diag`, of length `P.ncols`) and strictly lower entries (handed to `emit` as
/// `(row, column, value)`) of `Pᵀ A P`, in an order (and with a pattern, entries that cancel to
/// zero included) fixed by the patterns of `A` and `P` alone: the input of
/// [`SymCsr::from_lower`] when building, of [`SymCsr::refill_lower`] when updating, which
/// writes each entry in place instead of collecting a list (at n = 1e6 the list's growth and
/// first touch were as costly as the product itself).
fn galerkin_lower(a: &SymCsr, p: &Csr, diag: &mut [f64], mut emit: impl FnMut(usize, usize, f64)) {
    let nc = p.ncols;
    // AP by rows; its pattern is about as large as A's.
    let mut acc = Accumulator::new(nc);
    let mut ap_ptr = Vec::with_capacity(a.n + 1);
    let mut ap_idx: Vec<u32> = Vec::with_capacity(a.n + a.idx.len());
    let mut ap_val = Vec::with_capacity(a.n + a.idx.len());
    ap_ptr.push(0);
    for i in 0..a.n {
        for q in p.ptr[i]..p.ptr[i + 1] {
            acc.add(p.idx[q] as usize, a.diag[i] * p.val[q]);
        }
        for k in a.ptr[i]..a.ptr[i + 1] {
            let j = a.idx[k] as usize;
            for q in p.ptr[j]..p.ptr[j + 1] {
                acc.add(p.idx[q] as usize, a.val[k] * p.val[q]);
            }
        }
        acc.drain(|j, v| {
            ap_idx.push(j as u32);
            ap_val.push(v);
        });
        ap_ptr.push(ap_idx.len());
    }
    // Pᵀ (AP), keeping the lower triangle.
    let pt = p.transpose();
    for r in 0..nc {
        for q in pt.ptr[r]..pt.ptr[r + 1] {
            let (i, w) = (pt.idx[q] as usize, pt.val[q]);
            for k in ap_ptr[i]..ap_ptr[i + 1] {
                if ap_idx[k] as usize <= r {
                    acc.add(ap_idx[k] as usize, w * ap_val[k]);
                }
            }
        }
        acc.drain(|c, v| {
            if c == r {
                diag[r] = v;
            } else {
                emit(r, c, v);
            }
        });
    }
}

/// One level of the hierarchy: its operator and the prolongator from the next coarser level.
#[derive(Debug, Clone)]
struct Level {
    a: SymCsr,
    p: Csr,
    /// The aggregate of each node of this level (`None`: left out), kept for
    /// [`AmgPreconditioner::update`].
    agg: Vec<Option<usize>>,
    /// Which entries of `a` were strong connections when `agg` was built: `update` compares
    /// them with the strength of connection of the new values.
    strong: Vec<bool>,
    /// Last iterate of the power iteration estimating ρ(D⁻¹A) (the start of the next estimate).
    power: Vec<f64>,
}

impl Level {
    /// How much of the aggregation of this level would be decided differently under the new
    /// values of `a`: the larger of the fraction of the setup's strong connections (eq. (3.1))
    /// that appeared or disappeared, and the fraction of rows left out of the aggregation that
    /// are no longer diagonally dominant.
    fn stale_fraction(&self) -> f64 {
        let a = &self.a;
        let (mut flipped, mut strong, mut lost) = (0usize, 0usize, 0usize);
        for i in 0..a.n {
            for p in a.ptr[i]..a.ptr[i + 1] {
                strong += usize::from(self.strong[p]);
                flipped += usize::from(a.is_strong(i, p) != self.strong[p]);
            }
            lost += usize::from(self.agg[i].is_none() && !a.diagonally_dominant(i));
        }
        let edges = flipped as f64 / strong.max(1) as f64;
        let rows = lost as f64 / a.n.max(1) as f64;
        edges.max(rows)
    }
}

/// How the coarsest level is solved.
#[derive(Debug)]
enum CoarseSolver {
    /// Dense Cholesky factor (order ≤ [`COARSE_DIRECT_MAX`]) of the operator kept beside it (the
    /// pattern [`AmgPreconditioner::update`] writes new Galerkin values into).
    Cholesky(SymCsr, Llt<f64>),
    /// Symmetric Gauss–Seidel sweeps, when coarsening stalled above the direct size (the rows
    /// left are then nearly all diagonally dominant, where Gauss–Seidel converges fast).
    Smooth(SymCsr),
}

/// Smoothed-aggregation AMG V-cycle `M⁻¹ ≈ (A + shift·I)⁻¹` (see the module documentation).
#[derive(Debug)]
pub struct AmgPreconditioner {
    levels: Vec<Level>,
    /// IC(0) smoother of the finest level with its damping ω (see [`FINE_IC_SMOOTHER`]).
    fine_ic: Option<(IncompleteCholesky, f64)>,
    coarse: CoarseSolver,
    n: usize,
    /// Column pointers and row indices of the fine matrix the hierarchy was built from: `update`
    /// reuses the structure only for this exact pattern.
    pattern_ptr: Vec<usize>,
    pattern_idx: Vec<usize>,
}

/// What [`AmgPreconditioner::update`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmgRefresh {
    /// Numeric update: aggregates and all patterns kept, values recomputed.
    Numeric,
    /// Full setup: the pattern differed, or the kept aggregation no longer fits the values (see
    /// [`UPDATE_MAX_STALE`]), or the hierarchy has a single level (nothing to reuse).
    Rebuilt,
}

/// Checks shared by [`AmgPreconditioner::new`] and [`AmgPreconditioner::update`].
fn check_input(a: CscRef<'_>, shift: f64) -> Result<(), LinSolveError> {
    let n = a.ncols;
    if a.nrows != n {
        return Err(LinSolveError::DimensionMismatch { what: "AMG: square matrix required", expected: n, got: a.nrows });
    }
    if a.storage != CscStorage::SymmetricLower {
        return Err(LinSolveError::Unsupported("AMG needs symmetric-lower storage".into()));
    }
    if u32::try_from(n).is_err() {
        return Err(LinSolveError::Unsupported(format!("AMG: order {n} exceeds its 32-bit column indices")));
    }
    if a.col_ptr.len() != n + 1 || a.col_ptr[n] > a.row_idx.len().min(a.values.len()) || a.row_idx.iter().any(|&i| i >= n) {
        return Err(LinSolveError::DimensionMismatch { what: "AMG: CSC arrays", expected: n + 1, got: a.col_ptr.len() });
    }
    if !a.values.iter().all(|v| v.is_finite()) || !shift.is_finite() {
        return Err(LinSolveError::NonFinite("matrix"));
    }
    Ok(())
}

impl AmgPreconditioner {
    /// Build the hierarchy of `A + shift·I` given by its lower triangle (symmetric-lower CSC;
    /// entries above the diagonal are ignored, duplicates summed).
    ///
    /// Errors: non-square or non-lower storage, non-finite values, a non-positive diagonal entry
    /// or a coarse operator that is not positive definite ([`LinSolveError::NotPositiveDefinite`]:
    /// `A + shift·I` is then not SPD).
    ///
    /// The finest level may also get an IC(0) smoother (see [`uses_fine_ic`](Self::uses_fine_ic)
    /// and the module documentation).
    pub fn new(a: CscRef<'_>, shift: f64) -> Result<Self, LinSolveError> {
        check_input(a, shift)?;
        let n = a.ncols;
        let a0 = a;
        let (pattern_ptr, pattern_idx) = (a.col_ptr[..=n].to_vec(), a.row_idx[..a.col_ptr[n]].to_vec());
        let mut a = SymCsr::from_csc_lower(a, shift);
        let mut levels = Vec::new();
        loop {
            if let Some((j, d)) = a.first_nonpositive_diagonal() {
                return Err(LinSolveError::NotPositiveDefinite { pivot: j, value: d });
            }
            if a.n <= COARSE_DIRECT_MAX {
                let llt = dense_cholesky(&a)?;
                let m = AmgPreconditioner { levels, fine_ic: None, coarse: CoarseSolver::Cholesky(a, llt), n, pattern_ptr, pattern_idx };
                return m.with_fine_ic(a0, shift);
            }
            let (agg, nc) = aggregate(&a);
            if nc == 0 || nc as f64 > MIN_COARSENING * a.n as f64 || levels.len() + 1 >= MAX_LEVELS {
                let m = AmgPreconditioner { levels, fine_ic: None, coarse: CoarseSolver::Smooth(a), n, pattern_ptr, pattern_idx };
                return m.with_fine_ic(a0, shift);
            }
            let mut power = power_start(a.n);
            let omega = 4.0 / (3.0 * a.jacobi_spectral_radius(&mut power, POWER_ITERATIONS));
            let p = smoothed_prolongator(&a, &agg, nc, omega);
            let coarse = galerkin(&a, &p);
            let strong = a.strong_flags();
            levels.push(Level { a, p, agg, strong, power });
            a = coarse;
        }
    }

    /// Refresh the hierarchy for new values `A + shift·I` of the same pattern (a new interior-point
    /// iterate: same `N = W + Σ + JᵀD⁻¹J` pattern, other values), consuming the old one.
    ///
    /// Keeps what depends on the pattern and on the strength of connection of the values seen at
    /// the setup: the aggregates of every level, hence the patterns of the prolongators and of
    /// the Galerkin operators, and the decision whether the finest smoother includes IC(0).
    /// Recomputes every value: the smoothed prolongators (their Jacobi step uses the new
    /// diagonal and a new damping estimate), the Galerkin products into the existing patterns,
    /// the IC(0) factor and its damping, and the coarse factorization. This skips the
    /// aggregation, the symbolic products and the IC(0)-versus-V-cycle test of [`new`](Self::new).
    ///
    /// Falls back to a full setup ([`AmgRefresh::Rebuilt`]) when the pattern differs from the
    /// setup's, when there is a single level, or when the kept aggregates no longer fit the
    /// values: on some level more than [`UPDATE_MAX_STALE`] of the setup's strong connections
    /// (eq. (3.1)) appeared or disappeared, or more than that fraction of its rows are rows
    /// the aggregation left out (diagonally dominant rows without strong connections, see the
    /// module documentation) that are no longer dominant — the smoother alone would no longer
    /// reduce their error. Smaller
    /// changes are tolerated: the V-cycle stays symmetric positive definite for any aggregation,
    /// only its quality suffers, and the caller watches that (e.g. [`Cg`](crate::Cg) rebuilds
    /// when its iteration counts grow).
    ///
    /// Errors are those of [`new`](Self::new); the old hierarchy is consumed either way.
    pub fn update(self, a: CscRef<'_>, shift: f64) -> Result<(Self, AmgRefresh), LinSolveError> {
        check_input(a, shift)?;
        let n = a.ncols;
        let same_pattern = n == self.n && a.col_ptr[..=n] == self.pattern_ptr[..] && a.row_idx[..a.col_ptr[n]] == self.pattern_idx[..];
        if !same_pattern || self.levels.is_empty() {
            // Free the old hierarchy before the new one is built.
            drop(self);
            return Ok((Self::new(a, shift)?, AmgRefresh::Rebuilt));
        }
        match self.refill(a, shift)? {
            Some(m) => Ok((m, AmgRefresh::Numeric)),
            None => Ok((Self::new(a, shift)?, AmgRefresh::Rebuilt)),
        }
    }

    /// The numeric part of [`update`](Self::update) (pattern already checked, at least two
    /// levels); `Ok(None)` when the kept aggregation does not fit the new values. Each level's
    /// staleness is judged on its new operator before its prolongator is recomputed, so a stale
    /// level stops the update early.
    fn refill(mut self, a0: CscRef<'_>, shift: f64) -> Result<Option<Self>, LinSolveError> {
        self.levels[0].a.refill_csc_lower(a0, shift);
        for l in 0..self.levels.len() {
            let (done, rest) = self.levels.split_at_mut(l + 1);
            let level = &mut done[l];
            if let Some((j, d)) = level.a.first_nonpositive_diagonal() {
                return Err(LinSolveError::NotPositiveDefinite { pivot: j, value: d });
            }
            if level.stale_fraction() > UPDATE_MAX_STALE {
                return Ok(None);
            }
            // The damping ω = 4/(3ρ(D⁻¹A)) is re-estimated for the new diagonal, by fewer power
            // iterations started from the previous estimate's last iterate.
            let omega = 4.0 / (3.0 * level.a.jacobi_spectral_radius(&mut level.power, UPDATE_POWER_ITERATIONS));
            refill_smoothed_prolongator(&level.a, &level.agg, &mut level.p, omega);
            let next = match rest.first_mut() {
                Some(next) => &mut next.a,
                None => match &mut self.coarse {
                    CoarseSolver::Cholesky(a, _) | CoarseSolver::Smooth(a) => a,
                },
            };
            if !next.refill_lower(|diag, emit| galerkin_lower(&level.a, &level.p, diag, emit)) {
                return Ok(None);
            }
        }
        match &mut self.coarse {
            CoarseSolver::Cholesky(a, llt) => {
                if let Some((j, d)) = a.first_nonpositive_diagonal() {
                    return Err(LinSolveError::NotPositiveDefinite { pivot: j, value: d });
                }
                *llt = dense_cholesky(a)?;
            }
            CoarseSolver::Smooth(a) => {
                if let Some((j, d)) = a.first_nonpositive_diagonal() {
                    return Err(LinSolveError::NotPositiveDefinite { pivot: j, value: d });
                }
            }
        }
        if self.fine_ic.is_some() {
            self.fine_ic = match IncompleteCholesky::factor(a0, shift) {
                Ok(ic) => {
                    let omega = ic_damping(&self.levels[0].a, &ic);
                    Some((ic, omega))
                }
                Err(LinSolveError::NotPositiveDefinite { .. }) => None,
                Err(e) => return Err(e),
            };
        }
        Ok(Some(self))
    }

    /// Decide whether the finest level also gets an IC(0) correction in its smoother.
    ///
    /// Smoothed aggregation assumes the near-null space of `A` is (locally) constant — true for
    /// Laplacian-like condensed matrices, false when `J^T D̂⁻¹ J` of equality constraints
    /// (dynamics, PDE constraints) dominates: there the near-null space is the null space of `J`
    /// and the plain V-cycle can need thousands of CG iterations, while IC(0) is (nearly) exact
    /// on banded problems. The test: smooth a deterministic pseudo-random vector `e` by a few
    /// Gauss–Seidel sweeps on `A e = 0`, then compare the `A`-norm error left by one V-cycle,
    /// `‖(I − M⁻¹A) e‖_A`, with that left by IC(0), `‖(I − M_IC⁻¹A) e‖_A`. When IC(0) wins, the
    /// finest-level smoother becomes Gauss–Seidel followed by a damped IC(0) correction (and
    /// its adjoint after the coarse correction). Each factor of the resulting error propagator
    /// is `A`-norm nonexpansive (for IC(0) through the damping below), so one cycle contracts
    /// the error at least as well as its best factor.
    fn with_fine_ic(mut self, a0: CscRef<'_>, shift: f64) -> Result<Self, LinSolveError> {
        if self.levels.is_empty() {
            return Ok(self);
        }
        let ic = match IncompleteCholesky::factor(a0, shift) {
            Ok(ic) => ic,
            // IC(0) shares AMG's positivity requirements; anything else is reported.
            Err(LinSolveError::NotPositiveDefinite { .. }) => return Ok(self),
            Err(e) => return Err(e),
        };
        let a = &self.levels[0].a;
        let n = a.n;
        let zero = vec![0.0; n];
        let mut e: Vec<f64> = (0..n).map(|i| ((i.wrapping_mul(2654435761) >> 7) % 2001) as f64 / 1000.0 - 1.0).collect();
        for _ in 0..TEST_SMOOTHING_SWEEPS {
            a.gauss_seidel(&zero, &mut e, true);
            a.gauss_seidel(&zero, &mut e, false);
        }
        let mut ae = vec![0.0; n];
        a.apply(&e, &mut ae);
        let a_norm2 = |v: &[f64], w: &mut Vec<f64>| {
            a.apply(v, w);
            v.iter().zip(w.iter()).map(|(x, y)| x * y).sum::<f64>()
        };
        let mut w = vec![0.0; n];
        // Error left by one V-cycle (without the IC correction: `fine_ic` is still `None`).
        let mut z = vec![0.0; n];
        self.cycle(0, &ae, &mut z);
        let left_amg: Vec<f64> = e.iter().zip(&z).map(|(x, y)| x - y).collect();
        let err_amg = a_norm2(&left_amg, &mut w);
        // Error left by IC(0).
        z.copy_from_slice(&ae);
        ic.solve_in_place(&mut z);
        let left_ic: Vec<f64> = e.iter().zip(&z).map(|(x, y)| x - y).collect();
        let err_ic = a_norm2(&left_ic, &mut w);
        if !(err_ic < err_amg) {
            return Ok(self);
        }
        let omega = ic_damping(a, &ic);
        self.fine_ic = Some((ic, omega));
        Ok(self)
    }

    /// Whether the finest-level smoother includes an IC(0) correction (see [`new`](Self::new)).
    pub fn uses_fine_ic(&self) -> bool {
        self.fine_ic.is_some()
    }

    /// Order of the preconditioned matrix.
    pub fn dim(&self) -> usize {
        self.n
    }

    /// Number of levels, the coarsest included.
    pub fn num_levels(&self) -> usize {
        self.levels.len() + 1
    }

    /// Operator complexity `Σ_l nnz(A_l) / nnz(A_0)` (memory and per-cycle work relative to one
    /// product with `A`; ≈ 1.3–1.6 for 2-D grids).
    pub fn operator_complexity(&self) -> f64 {
        let nnz = |a: &SymCsr| (a.n + a.idx.len()) as f64;
        let coarse = match &self.coarse {
            CoarseSolver::Cholesky(_, l) => (l.L().nrows() * l.L().nrows()) as f64,
            CoarseSolver::Smooth(a) => nnz(a),
        };
        let fine = self.levels.first().map(|l| nnz(&l.a)).unwrap_or(coarse);
        (self.levels.iter().map(|l| nnz(&l.a)).sum::<f64>() + coarse) / fine.max(1.0)
    }

    /// `x ← M⁻¹ x`: one symmetric V-cycle from a zero initial guess.
    pub fn solve_in_place(&self, x: &mut [f64]) {
        let b = x.to_vec();
        self.cycle(0, &b, x);
    }

    /// V-cycle on level `l` for `A_l x = b`, `x` overwritten (zero initial guess).
    fn cycle(&self, l: usize, b: &[f64], x: &mut [f64]) {
        let Some(level) = self.levels.get(l) else {
            match &self.coarse {
                CoarseSolver::Cholesky(_, llt) => {
                    x.copy_from_slice(b);
                    llt.solve_in_place(ColMut::from_slice_mut(x).as_mat_mut());
                }
                CoarseSolver::Smooth(a) => {
                    x.fill(0.0);
                    // Forward sweeps then as many backward ones: the adjoint pairs keep M⁻¹
                    // symmetric.
                    for _ in 0..COARSE_SWEEPS {
                        a.gauss_seidel(b, x, true);
                    }
                    for _ in 0..COARSE_SWEEPS {
                        a.gauss_seidel(b, x, false);
                    }
                }
            }
            return;
        };
        let a = &level.a;
        let ic = if l == 0 { self.fine_ic.as_ref() } else { None };
        let mut r = vec![0.0; a.n];
        a.gauss_seidel_from_zero(b, x, &mut r);
        if let Some((ic, omega)) = ic {
            ic.solve_in_place(&mut r);
            for (xi, ri) in x.iter_mut().zip(&r) {
                *xi += omega * ri;
            }
            a.apply(x, &mut r);
            for (ri, bi) in r.iter_mut().zip(b) {
                *ri = bi - *ri;
            }
        }
        let nc = level.p.ncols;
        let mut rc = vec![0.0; nc];
        level.p.apply_transpose(&r, &mut rc);
        let mut xc = vec![0.0; nc];
        self.cycle(l + 1, &rc, &mut xc);
        level.p.apply_add(&xc, x);
        if let Some((ic, omega)) = ic {
            a.apply(x, &mut r);
            for (ri, bi) in r.iter_mut().zip(b) {
                *ri = bi - *ri;
            }
            ic.solve_in_place(&mut r);
            for (xi, ri) in x.iter_mut().zip(&r) {
                *xi += omega * ri;
            }
        }
        a.gauss_seidel(b, x, false);
    }
}

/// Damping `ω = min(1, 1.5/λ_max(M_IC⁻¹A))` of the finest-level IC(0) correction: it keeps the
/// correction `A`-norm convergent (`0 < ωλ < 2`), which the V-cycle needs to be positive
/// definite; `λ_max` by power iteration (`M_IC⁻¹A` has positive real eigenvalues), with margin
/// for its underestimate.
fn ic_damping(a: &SymCsr, ic: &IncompleteCholesky) -> f64 {
    let n = a.n;
    let mut v: Vec<f64> = (0..n).map(|i| 1.0 + 0.5 * ((i * 7919 % 101) as f64 / 101.0)).collect();
    let mut w = vec![0.0; n];
    let mut lam: f64 = 0.0;
    for _ in 0..POWER_ITERATIONS {
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if !(norm > 0.0) {
            break;
        }
        v.iter_mut().for_each(|x| *x /= norm);
        a.apply(&v, &mut w);
        ic.solve_in_place(&mut w);
        lam = w.iter().map(|x| x * x).sum::<f64>().sqrt();
        std::mem::swap(&mut v, &mut w);
    }
    if lam > 0.0 && lam.is_finite() { (1.5 / lam).min(1.0) } else { 1.0 }
}

/// Dense Cholesky of the coarsest operator.
fn dense_cholesky(a: &SymCsr) -> Result<Llt<f64>, LinSolveError> {
    let mut m = Mat::<f64>::zeros(a.n, a.n);
    for i in 0..a.n {
        m[(i, i)] = a.diag[i];
        for p in a.ptr[i]..a.ptr[i + 1] {
            m[(i, a.idx[p] as usize)] += a.val[p];
        }
    }
    m.llt(Side::Lower).map_err(|_| LinSolveError::NotPositiveDefinite { pivot: 0, value: f64::NAN })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipax_core::{CscMatrix, Triplets};

    /// 5-point Laplacian on a k×k grid plus a diagonal `extra(i)`, lower triangle.
    pub(crate) fn grid(k: usize, extra: impl Fn(usize) -> f64) -> CscMatrix {
        let n = k * k;
        let mut t = Triplets::new(n, n);
        for r in 0..k {
            for c in 0..k {
                let i = r * k + c;
                t.push(i, i, 4.0 + extra(i));
                if c + 1 < k {
                    t.push(i + 1, i, -1.0);
                }
                if r + 1 < k {
                    t.push(i + k, i, -1.0);
                }
            }
        }
        CscMatrix::from_triplets(&t, CscStorage::SymmetricLower)
    }

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    /// `M⁻¹` is symmetric and positive definite: `uᵀM⁻¹v = vᵀM⁻¹u`, `vᵀM⁻¹v > 0`.
    fn assert_spd(m: &AmgPreconditioner) {
        let n = m.dim();
        for seed in 0..3usize {
            let u: Vec<f64> = (0..n).map(|i| ((i * (seed + 3) * 2654435761) % 1000) as f64 / 500.0 - 1.0).collect();
            let v: Vec<f64> = (0..n).map(|i| ((i as f64) * (0.7 + seed as f64)).sin()).collect();
            let (mut mu, mut mv) = (u.clone(), v.clone());
            m.solve_in_place(&mut mu);
            m.solve_in_place(&mut mv);
            let (a1, a2) = (dot(&v, &mu), dot(&u, &mv));
            assert!((a1 - a2).abs() <= 1e-10 * a1.abs().max(a2.abs()).max(1e-300), "{a1} vs {a2}");
            assert!(dot(&u, &mu) > 0.0 && dot(&v, &mv) > 0.0);
        }
    }

    #[test]
    fn the_sweep_from_zero_leaves_its_true_residual() {
        // Against a forward sweep from x = 0 followed by r = b − A x, on a barrier-weighted grid.
        let a = SymCsr::from_csc_lower(grid(9, |i| (i % 7) as f64 * 10.0).as_ref(), 0.5);
        let b: Vec<f64> = (0..a.n).map(|i| ((i * 37) % 11) as f64 - 5.0).collect();
        let (mut x, mut r) = (vec![f64::NAN; a.n], vec![f64::NAN; a.n]);
        a.gauss_seidel_from_zero(&b, &mut x, &mut r);
        let mut x_ref = vec![0.0; a.n];
        a.gauss_seidel(&b, &mut x_ref, true);
        let mut ax = vec![0.0; a.n];
        a.apply(&x_ref, &mut ax);
        for i in 0..a.n {
            assert!((x[i] - x_ref[i]).abs() <= 1e-14 * x_ref[i].abs().max(1.0), "x[{i}]");
            assert!((r[i] - (b[i] - ax[i])).abs() <= 1e-12, "r[{i}]: {} vs {}", r[i], b[i] - ax[i]);
        }
        assert!(r.iter().any(|v| v.abs() > 1e-3), "a sweep leaves a residual");
    }

    #[test]
    fn builds_a_hierarchy_on_a_grid() {
        let a = grid(64, |i| 1e-3 * (i % 7) as f64);
        let m = AmgPreconditioner::new(a.as_ref(), 0.0).unwrap();
        assert!(m.num_levels() >= 2);
        assert!(m.operator_complexity() < 2.0, "complexity {}", m.operator_complexity());
        assert_spd(&m);
        // One V-cycle reduces the error of a smooth-plus-rough vector substantially.
        let n = 64 * 64;
        let x: Vec<f64> = (0..n).map(|i| ((i % 64) as f64 / 10.0).sin() + ((i * 13 % 7) as f64 - 3.0) * 0.1).collect();
        let mut y = vec![0.0; n];
        a.as_ref().apply(1.0, &x, 0.0, &mut y);
        m.solve_in_place(&mut y);
        let err: f64 = x.iter().zip(&y).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
        assert!(err < 0.5 * dot(&x, &x).sqrt(), "error ratio {}", err / dot(&x, &x).sqrt());
    }

    /// Rows with a huge diagonal (a barrier term at an active bound) are left out of the
    /// aggregation; the V-cycle stays symmetric positive definite.
    #[test]
    fn huge_diagonal_rows_are_left_out() {
        let k = 40;
        let a = grid(k, |i| if (i / k) < k / 3 { 1e8 * (1.0 + (i % 5) as f64) } else { 0.0 });
        let m = AmgPreconditioner::new(a.as_ref(), 0.0).unwrap();
        assert_spd(&m);
        // Aggregation of the fine level: exactly the huge rows are left out.
        let (agg, nc) = aggregate(&SymCsr::from_csc_lower(a.as_ref(), 0.0));
        assert!(nc > 0);
        for i in 0..k * k {
            assert_eq!(agg[i].is_none(), i / k < k / 3, "node {i}");
        }
    }

    /// A chain whose near-null space is not constant (a tridiagonal matrix with sign-flipped
    /// unknowns, `S T S`): plain smoothed aggregation is poor there, IC(0) is exact, and the setup
    /// test switches the finest smoother to include it; on a grid Laplacian it does not.
    #[test]
    fn chain_with_flipped_signs_gets_the_ic_smoother() {
        let n = 3000;
        let sign = |i: usize| {
            if (i * 2654435761) >> 5 & 1 == 0 { 1.0 } else { -1.0 }
        };
        let mut t = Triplets::new(n, n);
        for i in 0..n {
            t.push(i, i, 2.0 + 1e-6);
            if i + 1 < n {
                t.push(i + 1, i, -sign(i) * sign(i + 1));
            }
        }
        let a = CscMatrix::from_triplets(&t, CscStorage::SymmetricLower);
        let m = AmgPreconditioner::new(a.as_ref(), 0.0).unwrap();
        assert!(m.num_levels() >= 2 && m.uses_fine_ic());
        assert_spd(&m);
        let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.01).sin() * sign(i)).collect();
        let mut y = vec![0.0; n];
        a.as_ref().apply(1.0, &x, 0.0, &mut y);
        m.solve_in_place(&mut y);
        let err: f64 = x.iter().zip(&y).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
        assert!(err < 1e-6 * dot(&x, &x).sqrt(), "error {err:e}");
        let g = grid(64, |_| 0.0);
        assert!(!AmgPreconditioner::new(g.as_ref(), 0.0).unwrap().uses_fine_ic());
    }

    /// `M⁻¹x` for a fixed test vector.
    fn apply_to_test_vector(m: &AmgPreconditioner) -> Vec<f64> {
        let mut x: Vec<f64> = (0..m.dim()).map(|i| ((i * 37 % 101) as f64 / 50.0 - 1.0) + (i as f64 * 0.01).sin()).collect();
        m.solve_in_place(&mut x);
        x
    }

    /// An update with the setup's own values reproduces the setup exactly (the values land in
    /// the right places of the kept patterns); with other values of the same pattern it is a
    /// numeric update that matches a fresh setup which happens to choose the same aggregates.
    #[test]
    fn update_refills_the_kept_structure() {
        let k = 48;
        let a = grid(k, |i| 1e-3 * (i % 7) as f64);
        let fresh = AmgPreconditioner::new(a.as_ref(), 0.1).unwrap();
        assert!(fresh.num_levels() >= 2);
        let (same, how) = AmgPreconditioner::new(a.as_ref(), 0.1).unwrap().update(a.as_ref(), 0.1).unwrap();
        assert_eq!(how, AmgRefresh::Numeric);
        let (x, y) = (apply_to_test_vector(&fresh), apply_to_test_vector(&same));
        assert!(x.iter().zip(&y).all(|(u, v)| (u - v).abs() <= 1e-12 * (1.0 + u.abs())));
        // Scaling A by 3 (and the shift with it) keeps the strength of connection, hence the
        // aggregates: the update equals a fresh setup, whose V-cycle is M⁻¹/3.
        let mut b = a.clone();
        b.values.iter_mut().for_each(|v| *v *= 3.0);
        let (scaled, how) = fresh.update(b.as_ref(), 0.3).unwrap();
        assert_eq!(how, AmgRefresh::Numeric);
        let y = apply_to_test_vector(&scaled);
        assert!(x.iter().zip(&y).all(|(u, v)| (u - 3.0 * v).abs() <= 1e-10 * (1.0 + u.abs())));
        assert_spd(&scaled);
    }

    /// A different pattern, or a left-out row that lost its diagonal dominance, makes `update`
    /// set the hierarchy up from scratch; NaN values are a typed error.
    #[test]
    fn update_falls_back_or_fails_typed() {
        let k = 40;
        let a = grid(k, |_| 0.0);
        let m = AmgPreconditioner::new(a.as_ref(), 0.0).unwrap();
        // Another pattern (a larger grid, then the same order with an extra coupling).
        let (m, how) = m.update(grid(k + 1, |_| 0.0).as_ref(), 0.0).unwrap();
        assert_eq!((how, m.dim()), (AmgRefresh::Rebuilt, (k + 1) * (k + 1)));
        let mut t = Triplets::new(k * k, k * k);
        for j in 0..k * k {
            for p in a.col_ptr[j]..a.col_ptr[j + 1] {
                t.push(a.row_idx[p], j, a.values[p]);
            }
        }
        t.push(k * k - 1, 0, -0.5);
        let c = CscMatrix::from_triplets(&t, CscStorage::SymmetricLower);
        let m = AmgPreconditioner::new(a.as_ref(), 0.0).unwrap();
        let (m, how) = m.update(c.as_ref(), 0.0).unwrap();
        assert_eq!(how, AmgRefresh::Rebuilt);
        assert_spd(&m);
        // Huge barrier rows are left out at the setup. The update `D L D` (L the Laplacian,
        // d = 1 on those rows, 2 elsewhere) is SPD but makes the left-out rows next to the rest
        // non-dominant (4 < 1 + 1 + 1 + 2): a few such rows (k of k²) are tolerated, the
        // V-cycle stays SPD.
        let barrier = grid(k, |i| if i / k < k / 3 { 1e8 } else { 0.0 });
        let m = AmgPreconditioner::new(barrier.as_ref(), 0.0).unwrap();
        let d = |i: usize| if i / k < k / 3 { 1.0 } else { 2.0 };
        let mut scaled = barrier.clone();
        for j in 0..k * k {
            for p in scaled.col_ptr[j]..scaled.col_ptr[j + 1] {
                let i = scaled.row_idx[p];
                scaled.values[p] = a.values[p] * d(i) * d(j);
            }
        }
        let (m, how) = m.update(scaled.as_ref(), 0.0).unwrap();
        assert_eq!(how, AmgRefresh::Numeric);
        assert_spd(&m);
        // The reverse change (bounds becoming active on two thirds of the grid): their strong
        // connections all disappear, the aggregates are stale, and the update sets up anew.
        let m = AmgPreconditioner::new(a.as_ref(), 0.0).unwrap();
        let active = grid(k, |i| if i / k < 2 * k / 3 { 1e8 } else { 0.0 });
        let (m, how) = m.update(active.as_ref(), 0.0).unwrap();
        assert_eq!(how, AmgRefresh::Rebuilt);
        assert_spd(&m);
        // NaN values and a non-positive diagonal.
        let mut nan = a.clone();
        nan.values[3] = f64::NAN;
        assert!(matches!(m.update(nan.as_ref(), 0.0), Err(LinSolveError::NonFinite(_))));
        let m = AmgPreconditioner::new(a.as_ref(), 0.0).unwrap();
        assert!(matches!(m.update(a.as_ref(), -10.0), Err(LinSolveError::NotPositiveDefinite { .. })));
    }

    #[test]
    fn shift_and_small_systems() {
        // Below the direct size the preconditioner is an exact solve of A + shift·I.
        let a = grid(10, |_| 0.0);
        let m = AmgPreconditioner::new(a.as_ref(), 0.5).unwrap();
        assert_eq!(m.num_levels(), 1);
        let x: Vec<f64> = (0..100).map(|i| (i as f64 * 0.3).cos()).collect();
        let mut y = vec![0.0; 100];
        a.as_ref().apply(1.0, &x, 0.0, &mut y);
        for i in 0..100 {
            y[i] += 0.5 * x[i];
        }
        m.solve_in_place(&mut y);
        assert!(x.iter().zip(&y).all(|(a, b)| (a - b).abs() < 1e-12));
    }

    #[test]
    fn typed_errors() {
        let mut t = Triplets::new(2, 2);
        t.push(0, 0, 1.0);
        t.push(1, 1, -1.0);
        let a = CscMatrix::from_triplets(&t, CscStorage::SymmetricLower);
        assert!(matches!(AmgPreconditioner::new(a.as_ref(), 0.0), Err(LinSolveError::NotPositiveDefinite { pivot: 1, .. })));
        let g = CscMatrix::from_triplets(&t, CscStorage::General);
        assert!(matches!(AmgPreconditioner::new(g.as_ref(), 0.0), Err(LinSolveError::Unsupported(_))));
        assert!(matches!(AmgPreconditioner::new(a.as_ref(), f64::NAN), Err(LinSolveError::NonFinite(_))));
        // Indefinite with a positive diagonal: the coarse Cholesky reports it.
        let mut t = Triplets::new(2, 2);
        t.push(0, 0, 1.0);
        t.push(1, 0, 2.0);
        t.push(1, 1, 1.0);
        let b = CscMatrix::from_triplets(&t, CscStorage::SymmetricLower);
        assert!(matches!(AmgPreconditioner::new(b.as_ref(), 0.0), Err(LinSolveError::NotPositiveDefinite { .. })));
    }
}
