//! The [`LinearOperator`] protocol: everything the IPM knows about a matrix.

use crate::sparse::{CscRef, Triplets};

/// A linear map `A: R^ncols → R^nrows`, applied gemv-style.
///
/// Object safe, so `&dyn LinearOperator` works everywhere. Only [`shape`](Self::shape),
/// [`apply`](Self::apply) and [`apply_transpose`](Self::apply_transpose) are required; the other
/// methods are optional capabilities (cheap diagonal, assembled entries, low-rank structure) that
/// solvers and KKT routes use when present.
pub trait LinearOperator {
    /// `(nrows, ncols)`.
    fn shape(&self) -> (usize, usize);

    /// `y ← α A x + β y`. With `β = 0`, `y` is overwritten (NaN in `y` does not propagate).
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]);

    /// `y ← α Aᵀ x + β y`.
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]);

    /// Whether `A = Aᵀ` by construction.
    fn is_symmetric(&self) -> bool {
        false
    }

    /// The diagonal `(A_ii)` for `i < min(nrows, ncols)`, when it is cheap to obtain.
    fn diagonal(&self) -> Option<Vec<f64>> {
        None
    }

    /// All stored entries as (row, col, value) triplets of the *full* matrix (duplicates are summed).
    /// `None` for matrix-free operators. The pattern (order and coordinates) must depend only on the
    /// operator's structure, not its values, so KKT assemblers can cache a scatter map.
    fn triplets(&self) -> Option<Triplets> {
        None
    }

    /// Entries of the lower triangle (`row >= col`) of a symmetric operator, as triplets.
    /// The default filters [`triplets`](Self::triplets); symmetric storage overrides it.
    fn lower_triplets(&self) -> Option<Triplets> {
        let mut t = self.triplets()?;
        t.retain(|r, c| r >= c);
        Some(t)
    }

    /// A borrowed compressed-sparse-column view, when the operator stores one.
    fn csc(&self) -> Option<CscRef<'_>> {
        None
    }

    /// Add the values of [`lower_triplets`](Self::lower_triplets) (`lower`) or of
    /// [`triplets`](Self::triplets), entry `k` of that list into `out[pos[k]]`, without building
    /// the list. `false` when the operator has no entries or their number differs from
    /// `pos.len()` (the pattern changed; `out` may then be partly updated and must be rebuilt).
    ///
    /// A KKT assembler takes the triplets once to build its pattern and the scatter map `pos`,
    /// then refills its values through this every iteration: with storage that overrides it
    /// (CSC matrices), that is one pass over the values with no allocation. The default builds
    /// the triplets, so it is correct for every operator that has them.
    fn scatter_values(&self, lower: bool, pos: &[usize], out: &mut [f64]) -> bool {
        let t = if lower { self.lower_triplets() } else { self.triplets() };
        match t {
            Some(t) if t.len() == pos.len() => {
                for (&p, &v) in pos.iter().zip(&t.vals) {
                    out[p] += v;
                }
                true
            }
            _ => false,
        }
    }

    /// `A = shift·I + W M Wᵀ` structure (L-BFGS and friends), for Sherman–Morrison–Woodbury.
    fn low_rank(&self) -> Option<LowRankParts> {
        None
    }
}

/// The factors of `A = shift·I + W M Wᵀ`, with `W` an `n × k` column-major block and `M` a
/// symmetric `k × k` column-major matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct LowRankParts {
    /// Dimension `n`.
    pub n: usize,
    /// Rank `k` (number of columns of `W`).
    pub k: usize,
    /// Multiple of the identity.
    pub shift: f64,
    /// `W`, column-major, `n * k` values.
    pub w: Vec<f64>,
    /// `M`, column-major, `k * k` values.
    pub m: Vec<f64>,
}

/// Conveniences for every operator (blanket-implemented; not object-safe on purpose).
pub trait LinearOperatorExt: LinearOperator {
    /// Number of rows.
    fn nrows(&self) -> usize {
        self.shape().0
    }
    /// Number of columns.
    fn ncols(&self) -> usize {
        self.shape().1
    }
    /// `A x` into a fresh vector.
    fn matvec(&self, x: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; self.shape().0];
        self.apply(1.0, x, 0.0, &mut y);
        y
    }
    /// `Aᵀ x` into a fresh vector.
    fn rmatvec(&self, x: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; self.shape().1];
        self.apply_transpose(1.0, x, 0.0, &mut y);
        y
    }
    /// The dense matrix, column-major, by applying the operator to unit vectors (for tests and
    /// small dense solvers; `O(n)` applications).
    fn to_dense(&self) -> Vec<f64> {
        let (m, n) = self.shape();
        let mut out = vec![0.0; m * n];
        let mut e = vec![0.0; n];
        for j in 0..n {
            e[j] = 1.0;
            self.apply(1.0, &e, 0.0, &mut out[j * m..(j + 1) * m]);
            e[j] = 0.0;
        }
        out
    }
}

impl<T: LinearOperator + ?Sized> LinearOperatorExt for T {}

impl<T: LinearOperator + ?Sized> LinearOperator for &T {
    fn shape(&self) -> (usize, usize) {
        (**self).shape()
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        (**self).apply(alpha, x, beta, y)
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        (**self).apply_transpose(alpha, x, beta, y)
    }
    fn is_symmetric(&self) -> bool {
        (**self).is_symmetric()
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        (**self).diagonal()
    }
    fn triplets(&self) -> Option<Triplets> {
        (**self).triplets()
    }
    fn lower_triplets(&self) -> Option<Triplets> {
        (**self).lower_triplets()
    }
    fn csc(&self) -> Option<CscRef<'_>> {
        (**self).csc()
    }
    fn scatter_values(&self, lower: bool, pos: &[usize], out: &mut [f64]) -> bool {
        (**self).scatter_values(lower, pos, out)
    }
    fn low_rank(&self) -> Option<LowRankParts> {
        (**self).low_rank()
    }
}

impl<T: LinearOperator + ?Sized> LinearOperator for Box<T> {
    fn shape(&self) -> (usize, usize) {
        (**self).shape()
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        (**self).apply(alpha, x, beta, y)
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        (**self).apply_transpose(alpha, x, beta, y)
    }
    fn is_symmetric(&self) -> bool {
        (**self).is_symmetric()
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        (**self).diagonal()
    }
    fn triplets(&self) -> Option<Triplets> {
        (**self).triplets()
    }
    fn lower_triplets(&self) -> Option<Triplets> {
        (**self).lower_triplets()
    }
    fn csc(&self) -> Option<CscRef<'_>> {
        (**self).csc()
    }
    fn scatter_values(&self, lower: bool, pos: &[usize], out: &mut [f64]) -> bool {
        (**self).scatter_values(lower, pos, out)
    }
    fn low_rank(&self) -> Option<LowRankParts> {
        (**self).low_rank()
    }
}

/// `y ← β y` with the BLAS convention that `β = 0` overwrites (so NaN garbage in `y` is cleared).
#[inline]
pub fn scale_output(beta: f64, y: &mut [f64]) {
    if beta == 0.0 {
        y.iter_mut().for_each(|v| *v = 0.0);
    } else if beta != 1.0 {
        y.iter_mut().for_each(|v| *v *= beta);
    }
}
