//! Derivatives the user did not write: complex step, central finite differences, sparsity probing
//! and column grouping.
//!
//! - **Complex step** (Squire & Trapp 1998; Martins, Sturdza & Alonso 2003): for real-analytic
//!   functions written against [`Scalar`](crate::Scalar),
//!   `∂f/∂x_j = Im f(x + i h e_j) / h` with `h = 1e-20`, exact to machine precision because there
//!   is no subtraction.
//! - **Finite differences**: central `(f(x + h e_j) − f(x − h e_j)) / 2h` with
//!   `h = ε^{1/3} max(1, |x_j|)`, which balances the `O(h²)` truncation error against the
//!   `O(ε/h)` rounding error (Nocedal & Wright, *Numerical Optimization*, 2nd ed., §8.1, eq. 8.9).
//!   Near a bound the stencil turns one-sided (`h = ε^{1/2} max(1, |x_j|)`, eq. 8.6 there) so the
//!   function is never evaluated outside the box; only when the box is narrower than the step
//!   (or `x` lies outside it) does the central stencil cross a bound.
//! - **Column grouping** (Curtis, Powell & Reid 1974, "On the estimation of sparse Jacobian
//!   matrices"): columns that share no row can be perturbed together, so a banded Jacobian costs
//!   `O(bandwidth)` evaluations instead of `n`. The grouping is a greedy distance-2 colouring.
//! - **Sparsity probing**: the Jacobian is evaluated column by column at a few points; an entry
//!   belongs to the pattern if it is nonzero (or non-finite) at *any* of them, i.e. the pattern is
//!   the **union** over the probe points. An entry that happens to vanish at every probe point is
//!   missed; its value is then silently wrong later (it contaminates the other columns of its
//!   group), so give the structure explicitly when the function has such coincidences.

use ipax_core::EvalError;
use num_complex::Complex64;

/// The complex-step size. Any `h` far below `√ε · |x|` gives the exact derivative; `1e-20` is
/// the customary choice (Martins et al. 2003) and stays far above the underflow threshold.
pub const COMPLEX_STEP: f64 = 1e-20;

/// A sparsity pattern in compressed-sparse-column form (rows sorted within a column, no
/// duplicates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparsityPattern {
    /// Number of rows.
    pub nrows: usize,
    /// Number of columns.
    pub ncols: usize,
    /// Column pointers, length `ncols + 1`.
    pub col_ptr: Vec<usize>,
    /// Row indices, length `col_ptr[ncols]`.
    pub row_idx: Vec<usize>,
}

impl SparsityPattern {
    /// Pattern from coordinate lists (duplicates are merged).
    ///
    /// # Panics
    /// If the lists differ in length or a coordinate is out of range (callers validate first).
    pub fn from_entries(nrows: usize, ncols: usize, rows: &[usize], cols: &[usize]) -> Self {
        assert_eq!(rows.len(), cols.len(), "row and column lists differ in length");
        let mut per_col: Vec<Vec<usize>> = vec![Vec::new(); ncols];
        for (&r, &c) in rows.iter().zip(cols) {
            assert!(r < nrows && c < ncols, "pattern entry ({r}, {c}) out of range");
            per_col[c].push(r);
        }
        Self::from_columns(nrows, per_col)
    }

    /// Pattern from per-column row lists (sorted and deduplicated here).
    fn from_columns(nrows: usize, mut per_col: Vec<Vec<usize>>) -> Self {
        let ncols = per_col.len();
        let mut col_ptr = Vec::with_capacity(ncols + 1);
        col_ptr.push(0);
        let mut row_idx = Vec::new();
        for rows in per_col.iter_mut() {
            rows.sort_unstable();
            rows.dedup();
            row_idx.extend_from_slice(rows);
            col_ptr.push(row_idx.len());
        }
        SparsityPattern { nrows, ncols, col_ptr, row_idx }
    }

    /// The fully dense `nrows × ncols` pattern.
    pub fn dense(nrows: usize, ncols: usize) -> Self {
        Self::from_columns(nrows, vec![(0..nrows).collect(); ncols])
    }

    /// Number of structural nonzeros.
    pub fn nnz(&self) -> usize {
        self.row_idx.len()
    }

    /// Row indices of column `j`.
    pub fn column(&self, j: usize) -> &[usize] {
        &self.row_idx[self.col_ptr[j]..self.col_ptr[j + 1]]
    }

    /// Whether `(i, j)` is in the pattern.
    pub fn contains(&self, i: usize, j: usize) -> bool {
        j < self.ncols && self.column(j).binary_search(&i).is_ok()
    }
}

/// Partition the columns into groups of structurally orthogonal columns (no two columns of a
/// group have a nonzero in the same row), greedily in natural order (Curtis–Powell–Reid).
///
/// Every column appears in exactly one group (empty columns land in the first one), so the result
/// is a partition of `0..ncols`.
pub fn color_columns(pattern: &SparsityPattern) -> Vec<Vec<usize>> {
    let (m, n) = (pattern.nrows, pattern.ncols);
    // Row-wise adjacency: which columns touch row i.
    let mut row_cols: Vec<Vec<usize>> = vec![Vec::new(); m];
    for j in 0..n {
        for &i in pattern.column(j) {
            row_cols[i].push(j);
        }
    }
    let mut color = vec![usize::MAX; n];
    // `forbidden[c] == j` marks colour c as taken by a neighbour of column j (no clearing needed).
    let mut forbidden: Vec<usize> = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for j in 0..n {
        for &i in pattern.column(j) {
            for &k in &row_cols[i] {
                let c = color[k];
                if c != usize::MAX {
                    forbidden[c] = j;
                }
            }
        }
        let c = (0..groups.len()).find(|&c| forbidden[c] != j).unwrap_or(groups.len());
        if c == groups.len() {
            groups.push(Vec::new());
            forbidden.push(usize::MAX);
        }
        color[j] = c;
        groups[c].push(j);
    }
    groups
}

/// The finite-difference displacements `(a, b)`, `a > b`, for coordinate value `x` in `[lb, ub]`:
/// the derivative is `(f(x + a) − f(x + b)) / (a − b)`.
///
/// Central (`a = −b = ε^{1/3} max(1,|x|)`) when both points stay in the box, otherwise forward
/// or backward with `ε^{1/2} max(1,|x|)` on the side with more room; central regardless when the
/// box is too narrow for either. Steps are rounded so that `x + a` and `x + b` are exactly
/// representable offsets from `x` (Nocedal & Wright §8.1: this removes one rounding error).
pub fn fd_offsets(x: f64, lb: f64, ub: f64) -> (f64, f64) {
    let scale = x.abs().max(1.0);
    let hc = f64::EPSILON.cbrt() * scale;
    let hf = f64::EPSILON.sqrt() * scale;
    let exact = |h: f64| (x + h) - x;
    let (room_up, room_down) = (ub - x, x - lb);
    if room_up >= hc && room_down >= hc {
        (exact(hc), exact(-hc))
    } else if room_up >= room_down && room_up >= hf {
        (exact(hf), 0.0)
    } else if room_down >= hf {
        (0.0, exact(-hf))
    } else {
        (exact(hc), exact(-hc))
    }
}

/// `∇f(x)` by complex step: `n` evaluations of `f` at complex points.
pub fn complex_step_gradient(f: impl Fn(&[Complex64]) -> Complex64, x: &[f64], grad: &mut [f64]) {
    let mut xc: Vec<Complex64> = x.iter().map(|&v| Complex64::new(v, 0.0)).collect();
    for j in 0..x.len() {
        xc[j].im = COMPLEX_STEP;
        grad[j] = f(&xc).im / COMPLEX_STEP;
        xc[j].im = 0.0;
    }
}

/// `∇f(x)` by finite differences ([`fd_offsets`] per coordinate): `2n` evaluations.
pub fn finite_difference_gradient(
    mut f: impl FnMut(&[f64]) -> Result<f64, EvalError>,
    x: &[f64],
    lb: &[f64],
    ub: &[f64],
    grad: &mut [f64],
) -> Result<(), EvalError> {
    let mut xp = x.to_vec();
    for j in 0..x.len() {
        let (a, b) = fd_offsets(x[j], lb[j], ub[j]);
        xp[j] = x[j] + a;
        let fa = f(&xp)?;
        xp[j] = x[j] + b;
        let fb = f(&xp)?;
        xp[j] = x[j];
        grad[j] = (fa - fb) / (a - b);
    }
    Ok(())
}

/// Perturbation direction and per-column divisor for one group of columns.
trait GroupDifference {
    /// `out ← c(x + perturbation over group) − c(x + other perturbation)`, scaled so that
    /// `out[i] / divisor(j) = J_ij` for the unique `j` in the group touching row `i`.
    fn difference(&mut self, group: &[usize], out: &mut [f64]) -> Result<(), EvalError>;
    /// The divisor for column `j`.
    fn divisor(&self, j: usize) -> f64;
}

struct ComplexStepDiff<C: FnMut(&[Complex64], &mut [Complex64])> {
    c: C,
    xc: Vec<Complex64>,
    cc: Vec<Complex64>,
}

impl<C: FnMut(&[Complex64], &mut [Complex64])> ComplexStepDiff<C> {
    fn new(c: C, x: &[f64], m: usize) -> Self {
        ComplexStepDiff {
            c,
            xc: x.iter().map(|&v| Complex64::new(v, 0.0)).collect(),
            cc: vec![Complex64::new(0.0, 0.0); m],
        }
    }
}

impl<C: FnMut(&[Complex64], &mut [Complex64])> GroupDifference for ComplexStepDiff<C> {
    fn difference(&mut self, group: &[usize], out: &mut [f64]) -> Result<(), EvalError> {
        for &j in group {
            self.xc[j].im = COMPLEX_STEP;
        }
        self.cc.iter_mut().for_each(|v| *v = Complex64::new(0.0, 0.0));
        (self.c)(&self.xc, &mut self.cc);
        for &j in group {
            self.xc[j].im = 0.0;
        }
        for (o, v) in out.iter_mut().zip(&self.cc) {
            *o = v.im;
        }
        Ok(())
    }
    fn divisor(&self, _j: usize) -> f64 {
        COMPLEX_STEP
    }
}

struct FiniteDiff<'a, C: FnMut(&[f64], &mut [f64]) -> Result<(), EvalError>> {
    c: C,
    x: &'a [f64],
    offsets: Vec<(f64, f64)>,
    xp: Vec<f64>,
    ca: Vec<f64>,
    cb: Vec<f64>,
}

impl<'a, C: FnMut(&[f64], &mut [f64]) -> Result<(), EvalError>> FiniteDiff<'a, C> {
    fn new(c: C, x: &'a [f64], lb: &[f64], ub: &[f64], m: usize) -> Self {
        let offsets = (0..x.len()).map(|j| fd_offsets(x[j], lb[j], ub[j])).collect();
        FiniteDiff { c, x, offsets, xp: x.to_vec(), ca: vec![0.0; m], cb: vec![0.0; m] }
    }
}

impl<C: FnMut(&[f64], &mut [f64]) -> Result<(), EvalError>> GroupDifference for FiniteDiff<'_, C> {
    fn difference(&mut self, group: &[usize], out: &mut [f64]) -> Result<(), EvalError> {
        for &j in group {
            self.xp[j] = self.x[j] + self.offsets[j].0;
        }
        (self.c)(&self.xp, &mut self.ca)?;
        for &j in group {
            self.xp[j] = self.x[j] + self.offsets[j].1;
        }
        (self.c)(&self.xp, &mut self.cb)?;
        for &j in group {
            self.xp[j] = self.x[j];
        }
        for ((o, a), b) in out.iter_mut().zip(&self.ca).zip(&self.cb) {
            *o = a - b;
        }
        Ok(())
    }
    fn divisor(&self, j: usize) -> f64 {
        self.offsets[j].0 - self.offsets[j].1
    }
}

/// Fill `values` (CSC order of `pattern`) group by group.
fn grouped_jacobian(
    d: &mut impl GroupDifference,
    pattern: &SparsityPattern,
    groups: &[Vec<usize>],
    values: &mut [f64],
) -> Result<(), EvalError> {
    let mut diff = vec![0.0; pattern.nrows];
    for group in groups {
        if group.iter().all(|&j| pattern.column(j).is_empty()) {
            continue;
        }
        d.difference(group, &mut diff)?;
        for &j in group {
            let den = d.divisor(j);
            for p in pattern.col_ptr[j]..pattern.col_ptr[j + 1] {
                values[p] = diff[pattern.row_idx[p]] / den;
            }
        }
    }
    Ok(())
}

/// Jacobian values (CSC order of `pattern`) by complex step, one complex evaluation of `c` per
/// group of [`color_columns`]. `c` writes `m = pattern.nrows` values.
pub fn complex_step_jacobian(
    c: impl FnMut(&[Complex64], &mut [Complex64]),
    x: &[f64],
    pattern: &SparsityPattern,
    groups: &[Vec<usize>],
    values: &mut [f64],
) {
    let mut d = ComplexStepDiff::new(c, x, pattern.nrows);
    // The complex-step difference never fails; the Result is only for the shared driver.
    let _ = grouped_jacobian(&mut d, pattern, groups, values);
}

/// Jacobian values (CSC order of `pattern`) by finite differences ([`fd_offsets`] per column),
/// two evaluations of `c` per group of [`color_columns`].
pub fn finite_difference_jacobian(
    c: impl FnMut(&[f64], &mut [f64]) -> Result<(), EvalError>,
    x: &[f64],
    lb: &[f64],
    ub: &[f64],
    pattern: &SparsityPattern,
    groups: &[Vec<usize>],
    values: &mut [f64],
) -> Result<(), EvalError> {
    let mut d = FiniteDiff::new(c, x, lb, ub, pattern.nrows);
    grouped_jacobian(&mut d, pattern, groups, values)
}

/// Union of the nonzero (or non-finite) entries of the Jacobian over `points`, one column at a
/// time: `column(x, j, col)` writes a multiple of column `j` at `x` (zero exactly where the column
/// is). Points where an evaluation fails are skipped; if every point fails, the last error is
/// returned.
fn probe_with(
    m: usize,
    n: usize,
    points: &[Vec<f64>],
    mut column: impl FnMut(&[f64], usize, &mut [f64]) -> Result<(), EvalError>,
) -> Result<SparsityPattern, EvalError> {
    let mut per_col: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut col = vec![0.0; m];
    let mut last_err = None;
    let mut any_ok = false;
    'points: for x in points {
        let mut found: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (j, rows) in found.iter_mut().enumerate() {
            if let Err(e) = column(x, j, &mut col) {
                last_err = Some(e);
                continue 'points;
            }
            // `!= 0.0` is also true for NaN: a non-finite entry is kept (conservatively).
            rows.extend((0..m).filter(|&i| col[i] != 0.0));
        }
        any_ok = true;
        for (acc, rows) in per_col.iter_mut().zip(found) {
            acc.extend(rows);
        }
    }
    match (any_ok, last_err) {
        (false, Some(e)) => Err(e),
        _ => Ok(SparsityPattern::from_columns(m, per_col)),
    }
}

/// Jacobian sparsity by complex-step probing at `points` (the union of nonzeros; see the module
/// docs for the caveat). Costs `n` complex evaluations per point. `c` is fallible so a caller can
/// turn a non-finite evaluation into an error for that point.
pub fn probe_sparsity_complex_step(
    mut c: impl FnMut(&[Complex64], &mut [Complex64]) -> Result<(), EvalError>,
    m: usize,
    n: usize,
    points: &[Vec<f64>],
) -> Result<SparsityPattern, EvalError> {
    let mut xc = vec![Complex64::new(0.0, 0.0); n];
    let mut cc = vec![Complex64::new(0.0, 0.0); m];
    probe_with(m, n, points, |x, j, col| {
        for (z, &v) in xc.iter_mut().zip(x) {
            *z = Complex64::new(v, 0.0);
        }
        xc[j].im = COMPLEX_STEP;
        cc.iter_mut().for_each(|v| *v = Complex64::new(0.0, 0.0));
        c(&xc, &mut cc)?;
        for (o, v) in col.iter_mut().zip(&cc) {
            *o = v.im;
        }
        Ok(())
    })
}

/// Jacobian sparsity by finite-difference probing at `points` (the union of nonzeros). A row that
/// does not depend on `x_j` gives bitwise equal values at both stencil points, so the test for
/// "nonzero" is exact. Costs `2n` evaluations per point.
pub fn probe_sparsity_finite_difference(
    mut c: impl FnMut(&[f64], &mut [f64]) -> Result<(), EvalError>,
    m: usize,
    lb: &[f64],
    ub: &[f64],
    points: &[Vec<f64>],
) -> Result<SparsityPattern, EvalError> {
    let n = lb.len();
    let (mut xp, mut ca, mut cb) = (vec![0.0; n], vec![0.0; m], vec![0.0; m]);
    probe_with(m, n, points, |x, j, col| {
        let (a, b) = fd_offsets(x[j], lb[j], ub[j]);
        xp.copy_from_slice(x);
        xp[j] = x[j] + a;
        c(&xp, &mut ca)?;
        xp[j] = x[j] + b;
        c(&xp, &mut cb)?;
        for ((o, p), q) in col.iter_mut().zip(&ca).zip(&cb) {
            *o = p - q;
        }
        Ok(())
    })
}

/// A tiny deterministic generator (SplitMix64, Steele, Lea & Flood 2014) so probing is
/// reproducible without a `rand` dependency.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// Seeded generator.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// Probe points: `x0` projected into the box, then `extra` random perturbations of it that stay
/// in the box. Each coordinate moves by up to `0.5 max(1, |x0_j|)`; a move that would leave the box
/// is shortened to a random fraction of the distance to the bound, so probes on `log(x)`-type
/// functions with `x ≥ 0` remain evaluable.
pub fn probe_points(x0: &[f64], lb: &[f64], ub: &[f64], extra: usize, seed: u64) -> Vec<Vec<f64>> {
    let base: Vec<f64> = x0.iter().zip(lb.iter().zip(ub)).map(|(&x, (&l, &u))| x.max(l).min(u)).collect();
    let mut rng = SplitMix64::new(seed);
    let mut points = vec![base.clone()];
    for _ in 0..extra {
        let p = base
            .iter()
            .zip(lb.iter().zip(ub))
            .map(|(&x, (&l, &u))| {
                let r = 2.0 * rng.next_f64() - 1.0;
                let cand = x + 0.5 * r * x.abs().max(1.0);
                if cand > u {
                    x + (u - x) * 0.5 * rng.next_f64()
                } else if cand < l {
                    x - (x - l) * 0.5 * rng.next_f64()
                } else {
                    cand
                }
            })
            .collect();
        points.push(p);
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scalar;

    fn rosenbrock<T: Scalar>(x: &[T]) -> T {
        (0..x.len() - 1)
            .map(|i| (x[i + 1] - x[i] * x[i]).powi(2) * 100.0 + (T::one() - x[i]).powi(2))
            .sum()
    }

    fn rosenbrock_grad(x: &[f64]) -> Vec<f64> {
        let n = x.len();
        let mut g = vec![0.0; n];
        for i in 0..n - 1 {
            let t = x[i + 1] - x[i] * x[i];
            g[i] += -400.0 * t * x[i] - 2.0 * (1.0 - x[i]);
            g[i + 1] += 200.0 * t;
        }
        g
    }

    fn rel_err(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| (x - y).abs() / y.abs().max(1.0)).fold(0.0, f64::max)
    }

    fn hs071<T: Scalar>(x: &[T]) -> T {
        x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2]
    }
    fn hs071_grad(x: &[f64]) -> Vec<f64> {
        vec![
            x[3] * (2.0 * x[0] + x[1] + x[2]),
            x[0] * x[3],
            x[0] * x[3] + 1.0,
            x[0] * (x[0] + x[1] + x[2]),
        ]
    }
    fn transcendental<T: Scalar>(x: &[T]) -> T {
        x[0].exp() * x[1].sin() + (x[0] * x[1] + 2.0).ln() - x[2].sqrt() * x[1].cos() + x[2].tanh()
    }
    fn transcendental_grad(x: &[f64]) -> Vec<f64> {
        let l = x[0] * x[1] + 2.0;
        vec![
            x[0].exp() * x[1].sin() + x[1] / l,
            x[0].exp() * x[1].cos() + x[0] / l + x[2].sqrt() * x[1].sin(),
            -0.5 / x[2].sqrt() * x[1].cos() + 1.0 - x[2].tanh().powi(2),
        ]
    }

    fn check_gradients<F>(f: F, f64f: fn(&[f64]) -> f64, exact: fn(&[f64]) -> Vec<f64>, x: &[f64])
    where
        F: Fn(&[Complex64]) -> Complex64,
    {
        let n = x.len();
        let mut g = vec![0.0; n];
        complex_step_gradient(&f, x, &mut g);
        let e = exact(x);
        assert!(rel_err(&g, &e) <= 1e-13, "complex step {g:?} vs {e:?}");
        let inf = vec![f64::INFINITY; n];
        let ninf = vec![f64::NEG_INFINITY; n];
        finite_difference_gradient(|x| Ok(f64f(x)), x, &ninf, &inf, &mut g).unwrap();
        assert!(rel_err(&g, &e) <= 1e-7, "finite differences {g:?} vs {e:?}");
    }

    #[test]
    fn gradients_match_exact_ones() {
        check_gradients(rosenbrock::<Complex64>, rosenbrock::<f64>, rosenbrock_grad, &[-1.2, 1.0, 0.7, 2.5]);
        check_gradients(hs071::<Complex64>, hs071::<f64>, hs071_grad, &[1.0, 4.74, 3.82, 1.38]);
        check_gradients(transcendental::<Complex64>, transcendental::<f64>, transcendental_grad, &[0.3, 1.1, 2.0]);
    }

    #[test]
    fn fd_stencil_stays_in_the_box() {
        // Interior: central.
        let (a, b) = fd_offsets(0.5, 0.0, 1.0);
        assert!(a > 0.0 && b < 0.0 && (a + b).abs() < 1e-15);
        // At the lower bound: forward only.
        let (a, b) = fd_offsets(0.0, 0.0, 1.0);
        assert!(a > 0.0 && b == 0.0);
        // At the upper bound: backward only.
        let (a, b) = fd_offsets(1.0, 0.0, 1.0);
        assert!(a == 0.0 && b < 0.0);
        // log(x) at x = 1e-9 with x >= 0: a central step of ~6e-6 would evaluate log of a
        // negative number; the one-sided stencil stays defined.
        let mut g = [0.0];
        finite_difference_gradient(|x| Ok(x[0].ln()), &[1e-3], &[0.0], &[f64::INFINITY], &mut g).unwrap();
        assert!((g[0] - 1e3).abs() / 1e3 < 1e-4, "{}", g[0]);
    }

    /// Banded constraints: c_i = x_{i-1}² + sin(x_i) + x_{i+1} x_i (tridiagonal Jacobian).
    fn banded<T: Scalar>(x: &[T], c: &mut [T]) {
        let n = x.len();
        for i in 0..n {
            let mut v = x[i].sin();
            if i > 0 {
                v += x[i - 1] * x[i - 1];
            }
            if i + 1 < n {
                v += x[i + 1] * x[i];
            }
            c[i] = v;
        }
    }

    fn banded_exact(x: &[f64]) -> Vec<(usize, usize, f64)> {
        let n = x.len();
        let mut t = Vec::new();
        for i in 0..n {
            if i > 0 {
                t.push((i, i - 1, 2.0 * x[i - 1]));
            }
            t.push((i, i, x[i].cos() + if i + 1 < n { x[i + 1] } else { 0.0 }));
            if i + 1 < n {
                t.push((i, i + 1, x[i]));
            }
        }
        t
    }

    #[test]
    fn probed_pattern_and_grouped_jacobians_match_exact_banded_ones() {
        let n = 9;
        let x: Vec<f64> = (0..n).map(|i| 0.3 + 0.1 * i as f64).collect();
        let lb = vec![f64::NEG_INFINITY; n];
        let ub = vec![f64::INFINITY; n];
        let points = probe_points(&x, &lb, &ub, 2, 7);
        let exact = banded_exact(&x);
        let rows: Vec<usize> = exact.iter().map(|t| t.0).collect();
        let cols: Vec<usize> = exact.iter().map(|t| t.1).collect();
        let truth = SparsityPattern::from_entries(n, n, &rows, &cols);

        let p_cs = probe_sparsity_complex_step(
            |x, c| {
                banded(x, c);
                Ok(())
            },
            n,
            n,
            &points,
        )
        .unwrap();
        assert_eq!(p_cs, truth);
        let p_fd = probe_sparsity_finite_difference(
            |x, c| {
                banded(x, c);
                Ok(())
            },
            n,
            &lb,
            &ub,
            &points,
        )
        .unwrap();
        assert_eq!(p_fd, truth);

        // Tridiagonal → 3 groups instead of n evaluations.
        let groups = color_columns(&truth);
        assert_eq!(groups.len(), 3);
        let mut covered: Vec<usize> = groups.concat();
        covered.sort_unstable();
        assert_eq!(covered, (0..n).collect::<Vec<_>>());

        let mut v_cs = vec![0.0; truth.nnz()];
        complex_step_jacobian(banded::<Complex64>, &x, &truth, &groups, &mut v_cs);
        let mut v_fd = vec![0.0; truth.nnz()];
        finite_difference_jacobian(
            |x, c| {
                banded(x, c);
                Ok(())
            },
            &x,
            &lb,
            &ub,
            &truth,
            &groups,
            &mut v_fd,
        )
        .unwrap();
        for &(i, j, v) in &exact {
            let p = truth.col_ptr[j] + truth.column(j).binary_search(&i).unwrap();
            assert!((v_cs[p] - v).abs() <= 1e-15 * v.abs().max(1.0), "cs ({i},{j})");
            assert!((v_fd[p] - v).abs() <= 1e-8 * v.abs().max(1.0), "fd ({i},{j})");
        }
    }

    #[test]
    fn probing_reports_failure_only_when_every_point_fails() {
        let pts = vec![vec![1.0], vec![2.0]];
        let err = probe_sparsity_finite_difference(
            |_, _| Err(EvalError::failed("constraints", "boom")),
            1,
            &[f64::NEG_INFINITY],
            &[f64::INFINITY],
            &pts,
        )
        .unwrap_err();
        assert!(matches!(err, EvalError::Failed { .. }));
        // Failing only at the first point: the second one still yields the pattern.
        let p = probe_sparsity_finite_difference(
            |x, c| {
                if x[0] < 1.5 {
                    return Err(EvalError::NonFinite { what: "constraints" });
                }
                c[0] = x[0] * x[0];
                Ok(())
            },
            1,
            &[f64::NEG_INFINITY],
            &[f64::INFINITY],
            &pts,
        )
        .unwrap();
        assert_eq!(p.nnz(), 1);
    }

    #[test]
    fn probe_points_stay_in_the_box() {
        let x0 = [0.0, 5.0, -3.0, 10.0];
        let lb = [0.0, 1.0, f64::NEG_INFINITY, 9.0];
        let ub = [f64::INFINITY, 5.0, -2.9, 11.0];
        for p in probe_points(&x0, &lb, &ub, 5, 42) {
            for j in 0..4 {
                assert!(p[j] >= lb[j] && p[j] <= ub[j], "{p:?}");
            }
        }
    }
}
