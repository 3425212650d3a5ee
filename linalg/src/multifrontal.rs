//! Multifrontal symmetric-indefinite LDLᵀ with threshold Bunch–Kaufman pivoting and delayed pivots.
//!
//! Static-order LDLᵀ fails on saddle-point (KKT) matrices whose zero-diagonal constraint rows are
//! eliminated before their neighbours: the pivot is exactly zero, or tiny and followed by huge
//! growth, so both the inertia and the solution are wrong. This kernel keeps the fill-reducing
//! order and the supernodes of the symbolic analysis, but decides pivots numerically inside each
//! front (Duff & Reid 1983, *The multifrontal solution of indefinite sparse symmetric linear
//! equations*, ACM TOMS 9; the threshold 1×1/2×2 test of MA27/MA57):
//!
//! - a 1×1 pivot `a_jj` is accepted when `|a_jj| ≥ u·γ_j`, `γ_j = max_{i≠j} |a_ij|` over the
//!   whole front column;
//! - otherwise a 2×2 pivot `(j, r)`, `r = argmax_{i fully summed} |a_rj|`, is accepted when
//!   `|a_rr|γ_j + |a_rj|γ_r ≤ |det|/u` and `|a_rj|γ_j + |a_jj|γ_r ≤ |det|/u` (entries of L are
//!   then bounded by `1/u`);
//! - columns with no acceptable pivot are *delayed*: passed to the parent front with their
//!   contribution, where more candidates are fully summed. A root front pivots whatever is left.
//!
//! The matrix is equilibrated first (symmetric Ruiz scaling, Ruiz 2001), which changes neither the
//! inertia (a congruence) nor the solution once unscaled, and makes the threshold test meaningful
//! on KKT matrices whose entries span many orders of magnitude.
//!
//! Fronts are dense, full symmetric, column-major. Pivots update only the fully-summed panel;
//! the contribution block gets one matrix product `C −= L₂ D L₂ᵀ` at the end (faer's GEMM).

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

/// MA57's default pivot threshold: entries of L bounded by 100.
pub(crate) const DEFAULT_PIVOT_THRESHOLD: f64 = 0.01;
/// Symmetric Ruiz equilibration sweeps (each halves the distance of row norms to 1 in log scale).
const RUIZ_SWEEPS: usize = 8;
const NONE: usize = usize::MAX;

/// Supernodal assembly tree of an (already permuted) pattern.
#[derive(Debug, Clone)]
pub(crate) struct MfSymbolic {
    n: usize,
    /// Supernode `s` owns columns `begin[s]..begin[s + 1]`.
    begin: Vec<usize>,
    /// Row indices below each supernode's diagonal block: `rows[row_ptr[s]..row_ptr[s + 1]]`.
    row_ptr: Vec<usize>,
    rows: Vec<usize>,
    /// Children of each supernode: `child[child_ptr[s]..child_ptr[s + 1]]`.
    child_ptr: Vec<usize>,
    child: Vec<usize>,
    parent: Vec<usize>,
}

impl MfSymbolic {
    /// From supernode boundaries and row patterns (faer's supernodal symbolic Cholesky).
    /// Parents have larger column indices than their children, so supernode order is topological.
    pub(crate) fn new(n: usize, begin: Vec<usize>, row_ptr: Vec<usize>, rows: Vec<usize>) -> Self {
        let ns = begin.len() - 1;
        let mut col_owner = vec![0usize; n];
        for s in 0..ns {
            for c in begin[s]..begin[s + 1] {
                col_owner[c] = s;
            }
        }
        let parent: Vec<usize> = (0..ns)
            .map(|s| rows[row_ptr[s]..row_ptr[s + 1]].iter().min().map_or(NONE, |&r| col_owner[r]))
            .collect();
        let mut child_ptr = vec![0usize; ns + 1];
        for &p in &parent {
            if p != NONE {
                child_ptr[p + 1] += 1;
            }
        }
        for s in 0..ns {
            child_ptr[s + 1] += child_ptr[s];
        }
        let mut fill = child_ptr.clone();
        let mut child = vec![0usize; child_ptr[ns]];
        for (s, &p) in parent.iter().enumerate() {
            if p != NONE {
                child[fill[p]] = s;
                fill[p] += 1;
            }
        }
        MfSymbolic { n, begin, row_ptr, rows, child_ptr, child, parent }
    }

    /// Check the assembly-tree invariants: rows below each front, and every child's rows inside
    /// its parent's index list (what extend-add relies on).
    #[cfg(test)]
    pub(crate) fn check(&self) -> Result<(), String> {
        let ns = self.n_supernodes();
        for s in 0..ns {
            let (b, e) = (self.begin[s], self.begin[s + 1]);
            let r = &self.rows[self.row_ptr[s]..self.row_ptr[s + 1]];
            if r.iter().any(|&i| i < e) { return Err(format!("s {s} [{b},{e}) has row < end: {r:?}")); }
            let p = self.parent[s];
            if p != NONE {
                let (pb, pe) = (self.begin[p], self.begin[p + 1]);
                let pr = &self.rows[self.row_ptr[p]..self.row_ptr[p + 1]];
                for &i in r {
                    if !((pb..pe).contains(&i) || pr.contains(&i)) { return Err(format!("s {s} row {i} not in parent {p}")); }
                }
            }
        }
        Ok(())
    }

    fn n_supernodes(&self) -> usize {
        self.begin.len() - 1
    }
}

/// What one front eliminated: `elim` (pivot order) and the rows below them, `below`.
#[derive(Debug, Clone, Default)]
struct FrontFactor {
    elim: Vec<usize>,
    below: Vec<usize>,
    /// k×k unit lower triangle (column-major; entries inside 2×2 pivots are zero).
    l11: Vec<f64>,
    /// |below|×k (column-major).
    l21: Vec<f64>,
    /// Block-diagonal D: `diag[t]`, and `off[t] = D_{t+1,t}` (nonzero only for a 2×2 block at t).
    diag: Vec<f64>,
    off: Vec<f64>,
}

/// Numeric failures of the multifrontal factorization.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MfError {
    /// An entry of the matrix lies outside the analyzed pattern (analysis and values disagree).
    PatternMismatch { row: usize, col: usize },
}

/// The factor `P S A S Pᵀ = L D Lᵀ` (S the scaling, P the dynamic pivot order), with its inertia.
#[derive(Debug, Clone, Default)]
pub(crate) struct MfFactor {
    fronts: Vec<FrontFactor>,
    scale: Vec<f64>,
    /// Pivots in elimination order: (1×1 or 2×2 block values) for inertia and zero detection.
    pub(crate) positive: usize,
    pub(crate) negative: usize,
    pub(crate) zero: usize,
    /// Permuted index of the first (numerically) zero pivot.
    pub(crate) first_zero: Option<usize>,
    /// Columns delayed at least once (a measure of how much pivoting was needed).
    pub(crate) delayed: usize,
    /// 2×2 pivots taken.
    pub(crate) two_by_two: usize,
    /// Buffers of the factorization, kept for the next one of the same pattern.
    work: MfWork,
}

/// Work storage of [`factorize_into`] that outlives one factorization: a refactorization of the
/// same tree reuses it (and the fronts' own vectors) instead of allocating per front. On an
/// AC-OPF solve (case2383wp, 46 iterations) the allocator was ≈ 11 % of the whole process, nearly
/// all of it called from here (2.55 → 2.25 CPU s with the reuse).
#[derive(Debug, Clone, Default)]
struct MfWork {
    /// Contribution blocks waiting for their parent: (indices, dense full matrix).
    pending: Vec<Option<(Vec<usize>, Vec<f64>)>>,
    /// Delayed columns each child hands up (they lead its contribution index list).
    delayed_of: Vec<usize>,
    /// Front position of each global index (`NONE` outside the current front).
    pos: Vec<usize>,
    /// The dense front, the W = L₂D block, the child-to-parent position map, the front's index
    /// list and pivot_panel's two column copies.
    front: Vec<f64>,
    w: Vec<f64>,
    loc: Vec<usize>,
    idx: Vec<usize>,
    w0: Vec<f64>,
    w1: Vec<f64>,
    /// Ruiz's row maxima.
    ruiz_r: Vec<f64>,
    /// Consumed contribution blocks, for the next front that needs one.
    free_idx: Vec<Vec<usize>>,
    free_val: Vec<Vec<f64>>,
}

/// Symmetric Ruiz equilibration of a lower CSC matrix: `s` with `max_j |s_i a_ij s_j| ≈ 1`.
/// Written into `s`, with `r` as scratch (both resized to `n`).
fn ruiz_scaling(n: usize, col_ptr: &[usize], row_idx: &[usize], values: &[f64], s: &mut Vec<f64>, r: &mut Vec<f64>) {
    s.clear();
    s.resize(n, 1.0);
    r.clear();
    r.resize(n, 0.0);
    for _ in 0..RUIZ_SWEEPS {
        r.iter_mut().for_each(|v| *v = 0.0);
        for j in 0..n {
            for p in col_ptr[j]..col_ptr[j + 1] {
                let i = row_idx[p];
                let v = (s[i] * values[p] * s[j]).abs();
                r[i] = r[i].max(v);
                r[j] = r[j].max(v);
            }
        }
        let mut done = true;
        for i in 0..n {
            if r[i] > 0.0 && r[i].is_finite() {
                s[i] /= r[i].sqrt();
                done &= (r[i] - 1.0).abs() < 1e-3;
            }
        }
        if done {
            break;
        }
    }
}

/// Dense full-symmetric front, column-major.
struct Front {
    f: usize,
    a: Vec<f64>,
}

impl Front {
    #[inline]
    fn at(&self, i: usize, j: usize) -> f64 {
        self.a[i + j * self.f]
    }
    #[inline]
    fn at_mut(&mut self, i: usize, j: usize) -> &mut f64 {
        &mut self.a[i + j * self.f]
    }
    /// max_{i ≥ from, i ≠ j} |a_ij| over column j (valid for panel columns j < p).
    fn col_max(&self, j: usize, from: usize) -> f64 {
        let col = &self.a[j * self.f..(j + 1) * self.f];
        let mut m = 0.0f64;
        for (i, v) in col.iter().enumerate().skip(from) {
            if i != j {
                m = m.max(v.abs());
            }
        }
        m
    }
    /// Symmetric swap of positions `x < y` (both in the panel `< p`): whole columns, and rows
    /// within the panel columns (rows of contribution columns are never read before the final
    /// update).
    fn swap(&mut self, x: usize, y: usize, p: usize) {
        if x == y {
            return;
        }
        let f = self.f;
        for i in 0..f {
            self.a.swap(i + x * f, i + y * f);
        }
        for j in 0..p {
            self.a.swap(x + j * f, y + j * f);
        }
    }
}

/// Factor the permuted, lower-CSC matrix `A` (rows ≥ column in each column) on `sym`'s tree.
///
/// `u` is the pivot threshold (0 < u ≤ 0.5); `zero_tol` the magnitude, in the equilibrated matrix
/// (entries ≤ 1), below which a pivot counts as zero.
#[cfg(test)]
pub(crate) fn factorize(
    sym: &MfSymbolic,
    col_ptr: &[usize],
    row_idx: &[usize],
    values: &[f64],
    u: f64,
    zero_tol: f64,
) -> Result<MfFactor, MfError> {
    let mut out = MfFactor::default();
    factorize_into(sym, col_ptr, row_idx, values, u, zero_tol, &mut out)?;
    Ok(out)
}

/// [`factorize`] into `out`, reusing its storage (fronts and work buffers) from an earlier
/// factorization; `out`'s previous contents are overwritten. On error `out` holds no valid factor.
pub(crate) fn factorize_into(
    sym: &MfSymbolic,
    col_ptr: &[usize],
    row_idx: &[usize],
    values: &[f64],
    u: f64,
    zero_tol: f64,
    out: &mut MfFactor,
) -> Result<(), MfError> {
    let n = sym.n;
    let ns = sym.n_supernodes();
    let mut wk = std::mem::take(&mut out.work);
    let res = factorize_with(sym, col_ptr, row_idx, values, u, zero_tol, out, &mut wk, n, ns);
    out.work = wk;
    res
}

#[allow(clippy::too_many_arguments)]
fn factorize_with(
    sym: &MfSymbolic,
    col_ptr: &[usize],
    row_idx: &[usize],
    values: &[f64],
    u: f64,
    zero_tol: f64,
    out: &mut MfFactor,
    wk: &mut MfWork,
    n: usize,
    ns: usize,
) -> Result<(), MfError> {
    ruiz_scaling(n, col_ptr, row_idx, values, &mut out.scale, &mut wk.ruiz_r);
    (out.positive, out.negative, out.zero, out.first_zero, out.delayed, out.two_by_two) = (0, 0, 0, None, 0, 0);
    // Fronts of an earlier factorization of this tree are refilled in place (one per supernode).
    out.fronts.truncate(ns);
    out.fronts.resize_with(ns, FrontFactor::default);
    // Blocks left pending by a factorization that failed midway go back to the pool.
    for (ci, cb) in wk.pending.drain(..).flatten() {
        wk.free_idx.push(ci);
        wk.free_val.push(cb);
    }
    wk.pending.resize_with(ns, || None);
    wk.delayed_of.clear();
    wk.delayed_of.resize(ns, 0);
    wk.pos.clear();
    wk.pos.resize(n, NONE);
    let MfWork { pending, delayed_of, pos, front: front_buf, w: w_buf, loc, idx, w0, w1, free_idx, free_val, .. } = wk;
    for s in 0..ns {
        let (b, e) = (sym.begin[s], sym.begin[s + 1]);
        let children = &sym.child[sym.child_ptr[s]..sym.child_ptr[s + 1]];
        // Index list: delayed columns of the children, own columns, then the rows below.
        idx.clear();
        for &c in children {
            if let Some((ci, _)) = &pending[c] {
                idx.extend_from_slice(&ci[..delayed_of[c]]);
            }
        }
        idx.extend(b..e);
        let p = idx.len();
        idx.extend_from_slice(&sym.rows[sym.row_ptr[s]..sym.row_ptr[s + 1]]);
        let f = idx.len();
        for (k, &g) in idx.iter().enumerate() {
            pos[g] = k;
        }
        front_buf.clear();
        front_buf.resize(f * f, 0.0);
        let mut fr = Front { f, a: std::mem::take(front_buf) };
        // Original entries of the own columns (scaled).
        for j in b..e {
            let lj = pos[j];
            for q in col_ptr[j]..col_ptr[j + 1] {
                let i = row_idx[q];
                let li = pos[i];
                if li == NONE {
                    for &g in idx.iter() {
                        pos[g] = NONE;
                    }
                    return Err(MfError::PatternMismatch { row: i, col: j });
                }
                let v = out.scale[i] * values[q] * out.scale[j];
                *fr.at_mut(li, lj) += v;
                if li != lj {
                    *fr.at_mut(lj, li) += v;
                }
            }
        }
        // Extend-add of the children's contribution blocks.
        for &c in children {
            let Some((ci, cb)) = pending[c].take() else { continue };
            let m = ci.len();
            loc.clear();
            loc.extend(ci.iter().map(|&g| pos[g]));
            if let Some(bad) = ci.iter().zip(loc.iter()).find(|(_, l)| **l == NONE) {
                let row = *bad.0;
                for &g in idx.iter() {
                    pos[g] = NONE;
                }
                return Err(MfError::PatternMismatch { row, col: b });
            }
            for (y, &ly) in loc.iter().enumerate() {
                let src = &cb[y * m..(y + 1) * m];
                let dst = &mut fr.a[ly * f..(ly + 1) * f];
                for (x, &lx) in loc.iter().enumerate() {
                    dst[lx] += src[x];
                }
            }
            free_idx.push(ci);
            free_val.push(cb);
        }
        let is_root = sym.parent[s] == NONE;
        let mut ff = std::mem::take(&mut out.fronts[s]);
        let k = pivot_panel(&mut fr, idx, p, u, zero_tol, is_root, &mut ff.diag, &mut ff.off, w0, w1);
        let (diag, off) = (&ff.diag, &ff.off);
        out.two_by_two += off.iter().filter(|v| **v != 0.0).count();
        // Schur complement of the rows below the panel: C −= L₂ D L₂ᵀ with L₂ = F[p.., 0..k].
        let r = f - p;
        if r > 0 && k > 0 {
            w_buf.clear();
            w_buf.resize(r * k, 0.0);
            let w = &mut *w_buf;
            let mut t = 0;
            while t < k {
                if off[t] != 0.0 {
                    let (d0, o, d1) = (diag[t], off[t], diag[t + 1]);
                    for i in 0..r {
                        let (l0, l1) = (fr.at(p + i, t), fr.at(p + i, t + 1));
                        w[i + t * r] = l0 * d0 + l1 * o;
                        w[i + (t + 1) * r] = l0 * o + l1 * d1;
                    }
                    t += 2;
                } else {
                    for i in 0..r {
                        w[i + t * r] = fr.at(p + i, t) * diag[t];
                    }
                    t += 1;
                }
            }
            // L₂ as an r×k view into the front (rows p.. of columns 0..k, column stride f), the
            // update into the r×r corner (columns p..): disjoint halves of the front's storage.
            let wm = MatRef::from_column_major_slice(&w[..], r, k);
            let (left, right) = fr.a.split_at_mut(p * f);
            let lm = MatRef::from_column_major_slice_with_stride(&left[p..], r, k, f);
            let cm = MatMut::from_column_major_slice_with_stride_mut(&mut right[p..], r, r, f);
            matmul(cm, Accum::Add, wm, lm.transpose(), -1.0, Par::Seq);
        }
        // Store the factor of the eliminated columns.
        ff.below.clear();
        ff.below.extend_from_slice(&idx[k..]);
        let nb = ff.below.len();
        let (l11, l21) = (&mut ff.l11, &mut ff.l21);
        l11.clear();
        l11.resize(k * k, 0.0);
        l21.clear();
        l21.resize(nb * k, 0.0);
        for t in 0..k {
            for i in t + 1..k {
                l11[i + t * k] = fr.at(i, t);
            }
            for i in 0..nb {
                l21[i + t * nb] = fr.at(k + i, t);
            }
        }
        classify_pivots(out, &idx[..k], &ff.diag, &ff.off, zero_tol);
        // Contribution block for the parent: delayed columns first, then the rows below.
        let m = f - k;
        if !is_root && m > 0 {
            let mut cb = free_val.pop().unwrap_or_default();
            cb.clear();
            if k == p {
                // No delayed columns: the contribution block is the updated corner, column by column.
                for y in 0..m {
                    let col = (k + y) * f;
                    cb.extend_from_slice(&fr.a[col + k..col + f]);
                }
            } else {
                cb.resize(m * m, 0.0);
                for y in 0..m {
                    for x in 0..m {
                        let (fx, fy) = (k + x, k + y);
                        // The panel (columns < p) is current in every row; rows < p of contribution
                        // columns are stale (read their transpose); the corner was updated above.
                        cb[x + y * m] = if fy < p { fr.at(fx, fy) } else if fx < p { fr.at(fy, fx) } else { fr.at(fx, fy) };
                    }
                }
            }
            delayed_of[s] = p - k;
            out.delayed += p - k;
            let mut ci = free_idx.pop().unwrap_or_default();
            ci.clear();
            ci.extend_from_slice(&ff.below);
            pending[s] = Some((ci, cb));
        } else if !is_root {
            pending[s] = Some((Vec::new(), Vec::new()));
        }
        for &g in idx.iter() {
            pos[g] = NONE;
        }
        ff.elim.clear();
        ff.elim.extend_from_slice(&idx[..k]);
        out.fronts[s] = ff;
        *front_buf = fr.a;
    }
    Ok(())
}

/// Count the inertia of the pivots (1×1 `diag[t]`, or 2×2 blocks where `off[t] ≠ 0`).
fn classify_pivots(out: &mut MfFactor, elim: &[usize], diag: &[f64], off: &[f64], zero_tol: f64) {
    let classify = |v: f64, g: usize, out: &mut MfFactor| {
        if !v.is_finite() || v.abs() <= zero_tol {
            out.zero += 1;
            out.first_zero.get_or_insert(g);
        } else if v > 0.0 {
            out.positive += 1;
        } else {
            out.negative += 1;
        }
    };
    let mut t = 0;
    while t < diag.len() {
        if off[t] != 0.0 {
            let (a, b, c) = (diag[t], off[t], diag[t + 1]);
            let mean = 0.5 * (a + c);
            let rad = (0.5 * (a - c)).hypot(b);
            let big = if mean >= 0.0 { mean + rad } else { mean - rad };
            let small = if big != 0.0 { (a * c - b * b) / big } else { 0.0 };
            classify(big, elim[t], out);
            classify(small, elim[t + 1], out);
            t += 2;
        } else {
            classify(diag[t], elim[t], out);
            t += 1;
        }
    }
}

/// Threshold Bunch–Kaufman on the fully-summed panel `0..p` of the front. Returns the number of
/// eliminated columns `k` (moved to `0..k`, `idx` permuted alike) and writes D into `diag` and
/// `off` (diagonal, 2×2 offdiagonal).
/// After it, columns `0..k` of the front hold L (below the unit diagonal); columns `k..p` (the
/// delayed ones) are updated in every row.
/// `diag`, `off`, `w0` and `w1` are caller-owned storage (overwritten), reused across fronts.
#[allow(clippy::too_many_arguments)]
fn pivot_panel(
    fr: &mut Front,
    idx: &mut [usize],
    p: usize,
    u: f64,
    zero_tol: f64,
    is_root: bool,
    diag: &mut Vec<f64>,
    off: &mut Vec<f64>,
    w0: &mut Vec<f64>,
    w1: &mut Vec<f64>,
) -> usize {
    let f = fr.f;
    diag.clear();
    off.clear();
    let mut k = 0;
    w0.clear();
    w0.resize(f, 0.0);
    w1.clear();
    w1.resize(f, 0.0);
    while k < p {
        let mut chosen: Option<(usize, Option<usize>)> = None;
        // At the root nothing can be delayed: when no pivot passes the threshold, relax it by
        // decades (the most stable pivot available is taken, never just the first nonzero one).
        let mut thr = u;
        while chosen.is_none() {
        for j in k..p {
            let ajj = fr.at(j, j);
            let gj = fr.col_max(j, k);
            if ajj.abs() > zero_tol && ajj.abs() >= thr * gj {
                chosen = Some((j, None));
                break;
            }
            // Best 2×2 partner among the fully-summed rows.
            let mut r = NONE;
            let mut arj = 0.0f64;
            for i in k..p {
                if i != j && fr.at(i, j).abs() > arj.abs() {
                    arj = fr.at(i, j);
                    r = i;
                }
            }
            if r == NONE {
                continue;
            }
            let arr = fr.at(r, r);
            let gr = fr.col_max(r, k);
            let det = ajj * arr - arj * arj;
            // A 2×2 block is singular only relative to its own entries (the front's entries shrink
            // with elimination; an absolute test would call [[0, 1e-9], [1e-9, 0]] singular).
            let ok = det.abs() > zero_tol * (ajj * arr).abs().max(arj * arj)
                && (arr.abs() * gj + arj.abs() * gr) * thr <= det.abs()
                && (arj.abs() * gj + ajj.abs() * gr) * thr <= det.abs();
            if ok {
                chosen = Some((j, Some(r)));
                break;
            }
        }
        if !is_root || thr < 1e-14 {
            break;
        }
        thr *= 0.1;
        }
        if chosen.is_none() && is_root {
            // Singular (to working precision): take the largest remaining diagonal as a zero
            // pivot so the factorization completes and the zero is counted.
            let j = (k..p).max_by(|&x, &y| fr.at(x, x).abs().total_cmp(&fr.at(y, y).abs())).unwrap_or(k);
            chosen = Some((j, None));
        }
        let Some((j, partner)) = chosen else { break };
        match partner {
            None => {
                fr.swap(k, j, p);
                idx.swap(k, j);
                let d = fr.at(k, k);
                let inv = if d != 0.0 { 1.0 / d } else { 0.0 };
                w0[k + 1..f].copy_from_slice(&fr.a[k * f + k + 1..(k + 1) * f]);
                // Update the remaining panel columns: a_ic −= w_i w_c / d.
                for c in k + 1..p {
                    let wc = w0[c] * inv;
                    if wc != 0.0 {
                        let col = &mut fr.a[c * f..(c + 1) * f];
                        for i in k + 1..f {
                            col[i] -= w0[i] * wc;
                        }
                    }
                }
                for i in k + 1..f {
                    fr.a[i + k * f] = w0[i] * inv;
                }
                diag.push(d);
                off.push(0.0);
                k += 1;
            }
            Some(r) => {
                // Bring j to k and r to k + 1 (r ≠ k after the first swap unless r was at k).
                let r = if r == k { j } else { r };
                fr.swap(k, j, p);
                idx.swap(k, j);
                fr.swap(k + 1, r, p);
                idx.swap(k + 1, r);
                let (a, b, c) = (fr.at(k, k), fr.at(k + 1, k), fr.at(k + 1, k + 1));
                let det = a * c - b * b;
                let (i00, i01, i11) = (c / det, -b / det, a / det);
                w0[k + 2..f].copy_from_slice(&fr.a[k * f + k + 2..(k + 1) * f]);
                w1[k + 2..f].copy_from_slice(&fr.a[(k + 1) * f + k + 2..(k + 2) * f]);
                for cc in k + 2..p {
                    // Row cc of W D⁻¹ (the multipliers of column cc), applied to all rows.
                    let (l0, l1) = (w0[cc] * i00 + w1[cc] * i01, w0[cc] * i01 + w1[cc] * i11);
                    if l0 != 0.0 || l1 != 0.0 {
                        let col = &mut fr.a[cc * f..(cc + 1) * f];
                        for i in k + 2..f {
                            col[i] -= w0[i] * l0 + w1[i] * l1;
                        }
                    }
                }
                for i in k + 2..f {
                    fr.a[i + k * f] = w0[i] * i00 + w1[i] * i01;
                    fr.a[i + (k + 1) * f] = w0[i] * i01 + w1[i] * i11;
                }
                fr.a[(k + 1) + k * f] = 0.0;
                diag.push(a);
                diag.push(c);
                off.push(b);
                off.push(0.0);
                k += 2;
            }
        }
    }
    k
}

impl MfFactor {
    /// Solve `A x = b` in place (`x` in the permuted order the factor was computed in).
    pub(crate) fn solve_in_place(&self, x: &mut [f64]) {
        for (v, s) in x.iter_mut().zip(&self.scale) {
            *v *= s;
        }
        let mut xe = Vec::new();
        // Forward: L y = b.
        for fr in &self.fronts {
            let k = fr.elim.len();
            let nb = fr.below.len();
            xe.clear();
            xe.extend(fr.elim.iter().map(|&g| x[g]));
            for t in 0..k {
                let v = xe[t];
                if v != 0.0 {
                    for i in t + 1..k {
                        xe[i] -= fr.l11[i + t * k] * v;
                    }
                    let col = &fr.l21[t * nb..(t + 1) * nb];
                    for (i, &g) in fr.below.iter().enumerate() {
                        x[g] -= col[i] * v;
                    }
                }
            }
            for (t, &g) in fr.elim.iter().enumerate() {
                x[g] = xe[t];
            }
        }
        // Block diagonal.
        for fr in &self.fronts {
            let mut t = 0;
            while t < fr.diag.len() {
                if fr.off[t] != 0.0 {
                    let (a, b, c) = (fr.diag[t], fr.off[t], fr.diag[t + 1]);
                    let det = a * c - b * b;
                    let (g0, g1) = (fr.elim[t], fr.elim[t + 1]);
                    let (r0, r1) = (x[g0], x[g1]);
                    x[g0] = (c * r0 - b * r1) / det;
                    x[g1] = (a * r1 - b * r0) / det;
                    t += 2;
                } else {
                    let g = fr.elim[t];
                    x[g] = if fr.diag[t] != 0.0 { x[g] / fr.diag[t] } else { 0.0 };
                    t += 1;
                }
            }
        }
        // Backward: Lᵀ x = y, fronts in reverse order.
        for fr in self.fronts.iter().rev() {
            let k = fr.elim.len();
            let nb = fr.below.len();
            xe.clear();
            xe.extend(fr.elim.iter().map(|&g| x[g]));
            for t in (0..k).rev() {
                let col = &fr.l21[t * nb..(t + 1) * nb];
                let mut acc = 0.0;
                for (i, &g) in fr.below.iter().enumerate() {
                    acc += col[i] * x[g];
                }
                for i in t + 1..k {
                    acc += fr.l11[i + t * k] * xe[i];
                }
                xe[t] -= acc;
            }
            for (t, &g) in fr.elim.iter().enumerate() {
                x[g] = xe[t];
            }
        }
        for (v, s) in x.iter_mut().zip(&self.scale) {
            *v *= s;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Dense reference: lower CSC of a symmetric matrix given densely.
    fn lower_csc(a: &[Vec<f64>]) -> (Vec<usize>, Vec<usize>, Vec<f64>) {
        let n = a.len();
        let (mut cp, mut ri, mut v) = (vec![0], vec![], vec![]);
        for j in 0..n {
            for i in j..n {
                if a[i][j] != 0.0 || i == j {
                    ri.push(i);
                    v.push(a[i][j]);
                }
            }
            cp.push(ri.len());
        }
        (cp, ri, v)
    }

    /// One supernode per column, tree from the first off-diagonal of the (dense-closure) pattern.
    pub(crate) fn simple_symbolic(n: usize, a: &[Vec<f64>]) -> MfSymbolic {
        // Symbolic factorization by elimination on the boolean pattern.
        let mut pat: Vec<Vec<bool>> = (0..n).map(|i| (0..n).map(|j| a[i][j] != 0.0 || i == j).collect()).collect();
        for k in 0..n {
            let below: Vec<usize> = (k + 1..n).filter(|&i| pat[i][k]).collect();
            for &i in &below {
                for &j in &below {
                    pat[i][j] = true;
                }
            }
        }
        let begin: Vec<usize> = (0..=n).collect();
        let mut row_ptr = vec![0];
        let mut rows = vec![];
        for k in 0..n {
            rows.extend((k + 1..n).filter(|&i| pat[i][k]));
            row_ptr.push(rows.len());
        }
        MfSymbolic::new(n, begin, row_ptr, rows)
    }

    #[test]
    fn saddle_point_with_zero_leading_pivot_solves_and_counts_inertia() {
        // [0 1; 1 0] embedded: the first pivot is exactly zero in natural order.
        let a = vec![
            vec![0.0, 2.0, 0.0, 0.0],
            vec![2.0, 1.0, 1.0, 0.0],
            vec![0.0, 1.0, 3.0, 1.0],
            vec![0.0, 0.0, 1.0, 0.0],
        ];
        let (cp, ri, v) = lower_csc(&a);
        let sym = simple_symbolic(4, &a);
        let fac = factorize(&sym, &cp, &ri, &v, DEFAULT_PIVOT_THRESHOLD, 1e-14).unwrap();
        assert_eq!(fac.zero, 0);
        // Eigenvalues of this matrix: two positive and two negative (checked by det signs).
        assert_eq!(fac.positive + fac.negative, 4);
        let xt = [1.0, -2.0, 0.5, 3.0];
        let mut b: Vec<f64> = (0..4).map(|i| (0..4).map(|j| a[i][j] * xt[j]).sum()).collect();
        fac.solve_in_place(&mut b);
        for i in 0..4 {
            assert!((b[i] - xt[i]).abs() < 1e-12, "{b:?}");
        }
    }
}
/// Dense matrices with zero diagonals on hand-built two- and four-front trees: delayed pivots and
/// 2×2 blocks must reproduce the solution.
#[cfg(test)]
mod tree_tests {
    use super::*;
    #[test]
    fn two_fronts_dense() {
        let mut st = 12345u64;
        let mut rnd = || { st = st.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); ((st >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0 };
        for trial in 0..30 {
            let n = 12;
            let mut a = vec![vec![0.0; n]; n];
            for i in 0..n { for j in 0..=i { let v = if (i + j + trial) % 3 == 0 { 0.0 } else { rnd() }; a[i][j] = v; a[j][i] = v; } }
            // zero diagonals on the first half to force delays / 2x2
            for i in 0..n/2 { if (i + trial) % 2 == 0 { a[i][i] = 0.0; } }
            let (cp, ri, v) = {
                let (mut cp, mut ri, mut v) = (vec![0], vec![], vec![]);
                for j in 0..n { for i in j..n { ri.push(i); v.push(a[i][j]); } cp.push(ri.len()); }
                (cp, ri, v)
            };
            for split in [1usize, 3, 6, 9] {
                let begin = vec![0, split, n];
                let row_ptr = vec![0, n - split, n - split];
                let rows: Vec<usize> = (split..n).collect();
                let sym = MfSymbolic::new(n, begin, row_ptr, rows);
                let fac = factorize(&sym, &cp, &ri, &v, 0.1, 0.0).unwrap();
                let xt: Vec<f64> = (0..n).map(|i| 1.0 + i as f64).collect();
                let b: Vec<f64> = (0..n).map(|i| (0..n).map(|j| a[i][j] * xt[j]).sum()).collect();
                let mut x = b.clone();
                fac.solve_in_place(&mut x);
                let err = x.iter().zip(&xt).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max);
                assert!(err < 1e-6, "trial {trial} split {split}: err {err:e} delayed {} 2x2 {}", fac.delayed, fac.two_by_two);
            }
        }
    }
}
#[cfg(test)]
mod sibling_tests {
    use super::*;
    #[test]
    fn siblings_and_chain() {
        let mut st = 999u64;
        let mut rnd = || { st = st.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); ((st >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0 };
        for trial in 0..200 {
            let n = 12;
            let mut a = vec![vec![0.0; n]; n];
            for i in 0..n { for j in 0..=i {
                let blocked = i / 3 == 1 && j / 3 == 0;
                let v = if blocked || (i * 7 + j * 3 + trial) % 4 == 0 { 0.0 } else { rnd() };
                a[i][j] = v; a[j][i] = v; } }
            for i in 0..n { if (i * 5 + trial) % 3 == 0 { a[i][i] = 0.0; } }
            let (mut cp, mut ri, mut v) = (vec![0], vec![], vec![]);
            for j in 0..n { for i in j..n { if a[i][j] != 0.0 || i == j { ri.push(i); v.push(a[i][j]); } } cp.push(ri.len()); }
            // s0: 0..3 rows 6..12; s1: 3..6 rows 6..12; s2: 6..9 rows 9..12; s3: 9..12.
            let begin = vec![0, 3, 6, 9, 12];
            let mut rows = vec![]; let mut row_ptr = vec![0];
            rows.extend(6..12); row_ptr.push(rows.len());
            rows.extend(6..12); row_ptr.push(rows.len());
            rows.extend(9..12); row_ptr.push(rows.len());
            row_ptr.push(rows.len());
            let sym = MfSymbolic::new(n, begin, row_ptr, rows);
            let fac = factorize(&sym, &cp, &ri, &v, 0.1, 0.0).unwrap();
            let xt: Vec<f64> = (0..n).map(|i| 1.0 + i as f64).collect();
            let b: Vec<f64> = (0..n).map(|i| (0..n).map(|j| a[i][j] * xt[j]).sum()).collect();
            let mut x = b.clone();
            fac.solve_in_place(&mut x);
            let err = x.iter().zip(&xt).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max);
            let amax = a.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
            let _ = amax;
            assert!(err < 1e-5, "trial {trial}: err {err:e} delayed {} 2x2 {}", fac.delayed, fac.two_by_two);
        }
    }

    /// Bitwise view of everything a factorization produces.
    fn fingerprint(f: &MfFactor) -> Vec<u64> {
        let mut out: Vec<u64> = vec![f.positive as u64, f.negative as u64, f.zero as u64, f.delayed as u64, f.two_by_two as u64];
        out.push(f.first_zero.map_or(u64::MAX, |z| z as u64));
        out.extend(f.scale.iter().map(|v| v.to_bits()));
        for fr in &f.fronts {
            out.push(u64::MAX - 1);
            out.extend(fr.elim.iter().chain(&fr.below).map(|&i| i as u64));
            out.extend(fr.l11.iter().chain(&fr.l21).chain(&fr.diag).chain(&fr.off).map(|v| v.to_bits()));
        }
        out
    }

    /// A factor refilled in place (the storage of earlier factorizations with other values,
    /// other delays and other 2×2 choices) is bitwise the fresh one.
    #[test]
    fn refactorization_into_reused_storage_is_bitwise_fresh() {
        let mut st = 4242u64;
        let mut rnd = || { st = st.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); ((st >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0 };
        let n = 12;
        let begin = vec![0, 3, 6, 9, 12];
        let mut rows = vec![]; let mut row_ptr = vec![0];
        rows.extend(6..12); row_ptr.push(rows.len());
        rows.extend(6..12); row_ptr.push(rows.len());
        rows.extend(9..12); row_ptr.push(rows.len());
        row_ptr.push(rows.len());
        let sym = MfSymbolic::new(n, begin, row_ptr, rows);
        // One fixed pattern (the tree's), values changing from one factorization to the next.
        let (mut cp, mut ri) = (vec![0], vec![]);
        for j in 0..n { for i in j..n { if !(i / 3 == 1 && j / 3 == 0) { ri.push(i); } } cp.push(ri.len()); }
        let mut reused = MfFactor::default();
        let (mut delays, mut twos) = (0, 0);
        for trial in 0..60 {
            let v: Vec<f64> = (0..n).flat_map(|j| ri[cp[j]..cp[j + 1]].iter().map(move |&i| (i, j))).map(|(i, j)| {
                if (i == j && (i * 5 + trial) % 3 == 0) || (i * 7 + j * 3 + trial) % 4 == 0 { 0.0 } else { rnd() * 10f64.powi((trial % 5) as i32 - 2) }
            }).collect();
            let fresh = factorize(&sym, &cp, &ri, &v, 0.1, 0.0).unwrap();
            factorize_into(&sym, &cp, &ri, &v, 0.1, 0.0, &mut reused).unwrap();
            assert_eq!(fingerprint(&reused), fingerprint(&fresh), "trial {trial}");
            let mut x: Vec<f64> = (0..n).map(|i| 1.0 + i as f64).collect();
            let mut y = x.clone();
            fresh.solve_in_place(&mut x);
            reused.solve_in_place(&mut y);
            assert_eq!(x.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), y.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
            delays += fresh.delayed;
            twos += fresh.two_by_two;
        }
        // The trials exercise what differs between factorizations of one pattern.
        assert!(delays > 0 && twos > 0, "delays {delays} 2x2 {twos}");
    }
}
