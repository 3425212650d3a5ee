//! Storage-free sparse containers: triplets, an owned CSC matrix and a borrowed CSC view.
//!
//! These are the index/value slices the core speaks; storage crates (sprs, faer) convert to and
//! from them at the adapter boundary.

use crate::operator::scale_output;
use crate::pattern::CscPattern;

/// Coordinate-format entries of an `nrows × ncols` matrix. Duplicates mean "sum".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Triplets {
    pub nrows: usize,
    pub ncols: usize,
    pub rows: Vec<usize>,
    pub cols: Vec<usize>,
    pub vals: Vec<f64>,
}

impl Triplets {
    /// An empty `nrows × ncols` triplet set.
    pub fn new(nrows: usize, ncols: usize) -> Self {
        Triplets { nrows, ncols, ..Default::default() }
    }
    /// An empty set with room for `cap` entries (avoids regrowing large index arrays).
    pub fn with_capacity(nrows: usize, ncols: usize, cap: usize) -> Self {
        Triplets { nrows, ncols, rows: Vec::with_capacity(cap), cols: Vec::with_capacity(cap), vals: Vec::with_capacity(cap) }
    }
    /// Append one entry.
    #[inline]
    pub fn push(&mut self, r: usize, c: usize, v: f64) {
        self.rows.push(r);
        self.cols.push(c);
        self.vals.push(v);
    }
    /// Number of stored entries (counting duplicates).
    pub fn len(&self) -> usize {
        self.vals.len()
    }
    /// Whether no entry is stored.
    pub fn is_empty(&self) -> bool {
        self.vals.is_empty()
    }
    /// Keep the entries whose coordinates satisfy `keep(row, col)`.
    pub fn retain(&mut self, mut keep: impl FnMut(usize, usize) -> bool) {
        let mut w = 0;
        for k in 0..self.vals.len() {
            if keep(self.rows[k], self.cols[k]) {
                self.rows[w] = self.rows[k];
                self.cols[w] = self.cols[k];
                self.vals[w] = self.vals[k];
                w += 1;
            }
        }
        self.rows.truncate(w);
        self.cols.truncate(w);
        self.vals.truncate(w);
    }
    /// Append `other`, shifted by `(row_off, col_off)` and scaled by `scale`.
    pub fn extend_shifted(&mut self, other: &Triplets, row_off: usize, col_off: usize, scale: f64) {
        self.rows.extend(other.rows.iter().map(|r| r + row_off));
        self.cols.extend(other.cols.iter().map(|c| c + col_off));
        self.vals.extend(other.vals.iter().map(|v| v * scale));
    }
    /// Append the transpose of `other`, shifted by `(row_off, col_off)`.
    pub fn extend_transposed(&mut self, other: &Triplets, row_off: usize, col_off: usize, scale: f64) {
        self.rows.extend(other.cols.iter().map(|c| c + row_off));
        self.cols.extend(other.rows.iter().map(|r| r + col_off));
        self.vals.extend(other.vals.iter().map(|v| v * scale));
    }
    /// First coordinate out of range, if any: `(index, row, col)`.
    pub fn out_of_range(&self) -> Option<(usize, usize, usize)> {
        (0..self.len())
            .find(|&k| self.rows[k] >= self.nrows || self.cols[k] >= self.ncols)
            .map(|k| (k, self.rows[k], self.cols[k]))
    }
}

/// How a [`CscMatrix`]'s entries describe the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CscStorage {
    /// All entries are stored.
    General,
    /// Symmetric; only the lower triangle (`row >= col`) is stored.
    SymmetricLower,
}

/// A borrowed compressed-sparse-column view (`col_ptr.len() == ncols + 1`, rows sorted within a
/// column, no duplicates).
#[derive(Debug, Clone, Copy)]
pub struct CscRef<'a> {
    pub nrows: usize,
    pub ncols: usize,
    pub col_ptr: &'a [usize],
    pub row_idx: &'a [usize],
    pub values: &'a [f64],
    pub storage: CscStorage,
}

/// An owned CSC matrix (sorted rows, duplicates summed).
#[derive(Debug, Clone, PartialEq)]
pub struct CscMatrix {
    pub nrows: usize,
    pub ncols: usize,
    pub col_ptr: Vec<usize>,
    pub row_idx: Vec<usize>,
    pub values: Vec<f64>,
    pub storage: CscStorage,
}

impl CscMatrix {
    /// Build from triplets, summing duplicates. Returns the matrix and a scatter map: triplet `k`
    /// lands in `values[map[k]]`, so a later triplet set with the same pattern refills the values
    /// with [`refill`](Self::refill) without re-sorting.
    ///
    /// # Panics
    /// If a coordinate is out of range (callers validate user input first).
    pub fn from_triplets_with_map(t: &Triplets, storage: CscStorage) -> (CscMatrix, Vec<usize>) {
        let (mut m, map) = Self::pattern_with_map(t.nrows, t.ncols, t.len(), || t.rows.iter().copied().zip(t.cols.iter().copied()), storage);
        // Duplicates are summed in input order, starting from 0.0.
        for (&p, &v) in map.iter().zip(&t.vals) {
            m.values[p] += v;
        }
        (m, map)
    }

    /// The matrix (zero values) of the `nnz` coordinates `entries()` yields, and the slot of each
    /// yielded entry (duplicates share one): what [`from_triplets_with_map`](Self::from_triplets_with_map)
    /// gives for those coordinates, without a triplet list (see [`CscPattern::from_entries`]).
    ///
    /// # Panics
    /// If a coordinate is out of range or `entries()` yields other than `nnz` entries.
    pub fn pattern_with_map<I>(nrows: usize, ncols: usize, nnz: usize, entries: impl Fn() -> I, storage: CscStorage) -> (CscMatrix, Vec<usize>)
    where
        I: Iterator<Item = (usize, usize)>,
    {
        let CscPattern { col_ptr, row_idx, map } = CscPattern::from_entries(nrows, ncols, nnz, entries);
        let values = vec![0.0; row_idx.len()];
        (CscMatrix { nrows, ncols, col_ptr, row_idx, values, storage }, map)
    }

    /// Build from triplets, summing duplicates.
    pub fn from_triplets(t: &Triplets, storage: CscStorage) -> CscMatrix {
        Self::from_triplets_with_map(t, storage).0
    }

    /// Overwrite the values from triplet values `vals` through a scatter map from
    /// [`from_triplets_with_map`](Self::from_triplets_with_map).
    pub fn refill(&mut self, map: &[usize], vals: &[f64]) {
        debug_assert_eq!(map.len(), vals.len());
        self.values.iter_mut().for_each(|v| *v = 0.0);
        for (&p, &v) in map.iter().zip(vals) {
            self.values[p] += v;
        }
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// Borrowed view.
    pub fn as_ref(&self) -> CscRef<'_> {
        CscRef {
            nrows: self.nrows,
            ncols: self.ncols,
            col_ptr: &self.col_ptr,
            row_idx: &self.row_idx,
            values: &self.values,
            storage: self.storage,
        }
    }
}

impl<'a> CscRef<'a> {
    /// `y ← α A x + β y` (both halves for symmetric-lower storage).
    pub fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        scale_output(beta, y);
        if self.storage != CscStorage::SymmetricLower {
            for j in 0..self.ncols {
                let xj = alpha * x[j];
                for p in self.col_ptr[j]..self.col_ptr[j + 1] {
                    y[self.row_idx[p]] += self.values[p] * xj;
                }
            }
            return;
        }
        // Symmetric lower storage in one pass: column j scatters `a_ij x_j` into the rows below
        // it and gathers the mirrored `a_ij x_i` for row j. Row j receives scatters only from
        // columns k ≤ j (all rows of column k are ≥ k), so when column j adds its gather every
        // scatter into `y_j` is already in: the same additions in the same order as a scatter
        // pass followed by a gather pass, with the matrix streamed once.
        for j in 0..self.ncols {
            let xj = alpha * x[j];
            let mut acc = 0.0;
            for p in self.col_ptr[j]..self.col_ptr[j + 1] {
                let i = self.row_idx[p];
                let v = self.values[p];
                y[i] += v * xj;
                if i != j {
                    acc += v * x[i];
                }
            }
            y[j] += alpha * acc;
        }
    }

    /// `y ← α Aᵀ x + β y`.
    pub fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        if self.storage == CscStorage::SymmetricLower {
            return self.apply(alpha, x, beta, y);
        }
        scale_output(beta, y);
        for j in 0..self.ncols {
            let mut acc = 0.0;
            for p in self.col_ptr[j]..self.col_ptr[j + 1] {
                acc += self.values[p] * x[self.row_idx[p]];
            }
            y[j] += alpha * acc;
        }
    }

    /// Visit the entries of [`to_lower_triplets`](Self::to_lower_triplets) (`lower`) or of
    /// [`to_triplets`](Self::to_triplets) as `(row, col, value)`, in that order. Both lists are
    /// built from this, so a scatter map taken from one of them stays valid for
    /// [`scatter_values`](Self::scatter_values).
    #[inline]
    pub fn for_each_entry(&self, lower: bool, mut f: impl FnMut(usize, usize, f64)) {
        let mirror = !lower && self.storage == CscStorage::SymmetricLower;
        for j in 0..self.ncols {
            for p in self.col_ptr[j]..self.col_ptr[j + 1] {
                let i = self.row_idx[p];
                if lower && i < j {
                    continue;
                }
                f(i, j, self.values[p]);
                if mirror && i != j {
                    f(j, i, self.values[p]);
                }
            }
        }
    }

    /// Full-matrix triplets (both halves for symmetric-lower storage).
    pub fn to_triplets(&self) -> Triplets {
        let nnz = self.col_ptr.get(self.ncols).copied().unwrap_or(0);
        let cap = if self.storage == CscStorage::SymmetricLower { 2 * nnz } else { nnz };
        let mut t = Triplets::with_capacity(self.nrows, self.ncols, cap);
        self.for_each_entry(false, |i, j, v| t.push(i, j, v));
        t
    }

    /// Stored entries on or below the diagonal (`row >= col`), as triplets.
    pub fn to_lower_triplets(&self) -> Triplets {
        let mut t = Triplets::with_capacity(self.nrows, self.ncols, self.col_ptr.get(self.ncols).copied().unwrap_or(0));
        self.for_each_entry(true, |i, j, v| t.push(i, j, v));
        t
    }

    /// [`LinearOperator::scatter_values`] for this storage: entry `k` of
    /// [`to_lower_triplets`](Self::to_lower_triplets) (`lower`) or [`to_triplets`](Self::to_triplets)
    /// is added into `out[pos[k]]`, with no triplets built. `false` when the entry count is not
    /// `pos.len()`.
    pub fn scatter_values(&self, lower: bool, pos: &[usize], out: &mut [f64]) -> bool {
        let nnz = self.col_ptr.get(self.ncols).copied().unwrap_or(0);
        if !lower && self.storage == CscStorage::General {
            // The common case (a Jacobian): one zip over the stored values.
            if nnz != pos.len() {
                return false;
            }
            for (&p, &v) in pos.iter().zip(&self.values[..nnz]) {
                out[p] += v;
            }
            return true;
        }
        let mut k = 0;
        let mut fits = true;
        self.for_each_entry(lower, |_, _, v| {
            match pos.get(k) {
                Some(&p) => out[p] += v,
                None => fits = false,
            }
            k += 1;
        });
        fits && k == pos.len()
    }

    /// The diagonal entries.
    pub fn diagonal(&self) -> Vec<f64> {
        let mut d = vec![0.0; self.nrows.min(self.ncols)];
        for j in 0..d.len() {
            for p in self.col_ptr[j]..self.col_ptr[j + 1] {
                if self.row_idx[p] == j {
                    d[j] += self.values[p];
                }
            }
        }
        d
    }
}

/// Implement [`LinearOperator`] for a type that owns or borrows a CSC matrix, by forwarding every
/// method to the [`CscRef`] view the expression gives: `impl_csc_operator!(Type, |m| view(m))`.
/// One definition for every CSC-backed operator (the owned [`CscMatrix`], the `.nl` reader's
/// pooled matrices, the problem crate's pattern matrices), so that a new method of the trait is
/// forwarded once.
#[macro_export]
macro_rules! impl_csc_operator {
    ($ty:ty, |$m:ident| $view:expr) => {
        impl $crate::LinearOperator for $ty {
            fn shape(&self) -> (usize, usize) {
                let $m = self;
                let v: $crate::CscRef<'_> = $view;
                (v.nrows, v.ncols)
            }
            fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
                let $m = self;
                $view.apply(alpha, x, beta, y)
            }
            fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
                let $m = self;
                $view.apply_transpose(alpha, x, beta, y)
            }
            fn is_symmetric(&self) -> bool {
                let $m = self;
                $view.storage == $crate::CscStorage::SymmetricLower
            }
            fn diagonal(&self) -> Option<Vec<f64>> {
                let $m = self;
                Some($view.diagonal())
            }
            fn triplets(&self) -> Option<$crate::Triplets> {
                let $m = self;
                Some($view.to_triplets())
            }
            fn lower_triplets(&self) -> Option<$crate::Triplets> {
                let $m = self;
                Some($view.to_lower_triplets())
            }
            fn csc(&self) -> Option<$crate::CscRef<'_>> {
                let $m = self;
                Some($view)
            }
            fn scatter_values(&self, lower: bool, pos: &[usize], out: &mut [f64]) -> bool {
                let $m = self;
                $view.scatter_values(lower, pos, out)
            }
        }
    };
}

impl_csc_operator!(CscMatrix, |m| m.as_ref());

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LinearOperator, LinearOperatorExt};

    #[test]
    fn triplets_to_csc_sums_duplicates_and_refills() {
        let mut t = Triplets::new(3, 2);
        t.push(2, 1, 1.0);
        t.push(0, 0, 2.0);
        t.push(2, 1, 3.0);
        t.push(1, 0, -1.0);
        let (mut a, map) = CscMatrix::from_triplets_with_map(&t, CscStorage::General);
        assert_eq!(a.col_ptr, vec![0, 2, 3]);
        assert_eq!(a.row_idx, vec![0, 1, 2]);
        assert_eq!(a.values, vec![2.0, -1.0, 4.0]);
        a.refill(&map, &[1.0, 1.0, 1.0, 1.0]);
        assert_eq!(a.values, vec![1.0, 1.0, 2.0]);
        assert_eq!(a.matvec(&[1.0, 2.0]), vec![1.0, 1.0, 4.0]);
        assert_eq!(a.rmatvec(&[1.0, 1.0, 1.0]), vec![2.0, 2.0]);
    }

    #[test]
    fn scatter_values_follows_the_triplet_order() {
        let mut t = Triplets::new(3, 3);
        for (r, c, v) in [(0, 0, 1.0), (1, 0, 2.0), (2, 1, 3.0), (1, 1, 4.0), (2, 2, 5.0), (0, 2, 6.0)] {
            t.push(r, c, v);
        }
        for storage in [CscStorage::General, CscStorage::SymmetricLower] {
            let a = CscMatrix::from_triplets(&t, storage);
            for lower in [false, true] {
                let list = if lower { a.lower_triplets() } else { a.triplets() }.unwrap();
                // Entry k goes to slot 2k + 1: the slots show the order and the values.
                let pos: Vec<usize> = (0..list.len()).map(|k| 2 * k + 1).collect();
                let mut out = vec![0.0; 2 * list.len() + 1];
                assert!(a.scatter_values(lower, &pos, &mut out));
                assert_eq!(out.iter().skip(1).step_by(2).copied().collect::<Vec<_>>(), list.vals);
                assert!(!a.scatter_values(lower, &pos[1..], &mut out), "a wrong entry count is reported");
            }
        }
    }

    #[test]
    fn symmetric_lower_applies_both_halves() {
        let mut t = Triplets::new(2, 2);
        t.push(0, 0, 2.0);
        t.push(1, 0, 1.0);
        t.push(1, 1, 3.0);
        let a = CscMatrix::from_triplets(&t, CscStorage::SymmetricLower);
        assert_eq!(a.to_dense(), vec![2.0, 1.0, 1.0, 3.0]);
        assert_eq!(a.triplets().unwrap().len(), 4);
        assert_eq!(a.lower_triplets().unwrap().len(), 3);
    }
}
