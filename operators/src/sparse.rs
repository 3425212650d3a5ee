//! Sparse operators on sprs compressed-sparse-column storage: [`SparseOperator`] (general) and
//! [`SymmetricSparseOperator`] (lower triangle only, Ipopt's Hessian convention).
//!
//! Storage is always an owned CSC `sprs::CsMat<f64>` with sorted, duplicate-free rows and a
//! zero-based `indptr`, so [`csc`](LinearOperator::csc) can lend its raw slices to direct solvers
//! without copying. CSR inputs are converted once at construction.

use ipax_core::{CscRef, CscStorage, LinearOperator, Triplets};
use sprs::{CsMat, TriMat};

use crate::error::{OperatorError, check_dim};

/// Validate triplets: equal lengths and coordinates inside the shape.
fn validate_triplets(t: &Triplets) -> Result<(), OperatorError> {
    check_dim("triplet column indices length", t.rows.len(), t.cols.len())?;
    check_dim("triplet values length", t.rows.len(), t.vals.len())?;
    if let Some((index, row, col)) = t.out_of_range() {
        return Err(OperatorError::IndexOutOfRange { index, row, col, nrows: t.nrows, ncols: t.ncols });
    }
    Ok(())
}

/// Validated triplets → CSC, summing duplicates (sprs `TriMat::to_csc` does the summation).
fn csc_from_triplets(t: &Triplets) -> CsMat<f64> {
    let tri = TriMat::from_triplets((t.nrows, t.ncols), t.rows.clone(), t.cols.clone(), t.vals.clone());
    normalize(tri.to_csc())
}

/// Bring any sprs matrix to owned CSC with a zero-based `indptr` (sprs already guarantees sorted,
/// strictly increasing indices within each outer slice, i.e. no duplicates).
fn normalize(m: CsMat<f64>) -> CsMat<f64> {
    let m = if m.is_csc() { m } else { m.to_csc() };
    if m.indptr().as_slice().is_some() {
        return m;
    }
    // A non-zero-based indptr (possible for matrices assembled from sliced storage): rebase it.
    let indptr = m.indptr().to_proper().into_owned();
    let start = m.indptr().raw_storage()[0];
    let end = *m.indptr().raw_storage().last().unwrap_or(&start);
    let (rows, cols) = (m.rows(), m.cols());
    let indices = m.indices()[..end - start].to_vec();
    let data = m.data()[..end - start].to_vec();
    // Infallible: the structure was valid before rebasing.
    CsMat::new_csc((rows, cols), indptr, indices, data)
}

/// Borrow a normalized CSC matrix as a core view.
fn view(m: &CsMat<f64>, storage: CscStorage) -> CscRef<'_> {
    CscRef {
        nrows: m.rows(),
        ncols: m.cols(),
        col_ptr: m.indptr().into_raw_storage(),
        row_idx: m.indices(),
        values: m.data(),
        storage,
    }
}

/// Stored entries as triplets, column by column (the pattern is the CSC structure).
fn stored_triplets(m: &CsMat<f64>) -> Triplets {
    let mut t = Triplets::new(m.rows(), m.cols());
    let c = view(m, CscStorage::General);
    for j in 0..c.ncols {
        for p in c.col_ptr[j]..c.col_ptr[j + 1] {
            t.push(c.row_idx[p], j, c.values[p]);
        }
    }
    t
}

fn check_lengths(c: &CscRef<'_>, x_len: usize, y_len: usize, transpose: bool) {
    let (xn, yn) = if transpose { (c.nrows, c.ncols) } else { (c.ncols, c.nrows) };
    assert_eq!(x_len, xn, "sparse operator: x has the wrong length");
    assert_eq!(y_len, yn, "sparse operator: y has the wrong length");
}

/// A general sparse `m × n` matrix in CSC storage.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseOperator {
    mat: CsMat<f64>,
}

impl SparseOperator {
    /// Build from triplets; duplicates are summed, out-of-range coordinates are an error.
    pub fn from_triplets(t: &Triplets) -> Result<Self, OperatorError> {
        validate_triplets(t)?;
        Ok(SparseOperator { mat: csc_from_triplets(t) })
    }

    /// Build from a sprs matrix in either CSC or CSR storage (CSR is converted once).
    pub fn from_sprs(mat: CsMat<f64>) -> Self {
        SparseOperator { mat: normalize(mat) }
    }

    /// Build from raw CSC arrays, validated by sprs (sorted, in range, consistent lengths).
    pub fn from_csc_parts(
        nrows: usize,
        ncols: usize,
        col_ptr: Vec<usize>,
        row_idx: Vec<usize>,
        values: Vec<f64>,
    ) -> Result<Self, OperatorError> {
        check_dim("CSC col_ptr length", ncols.saturating_add(1), col_ptr.len())?;
        check_dim("CSC values length", row_idx.len(), values.len())?;
        match CsMat::try_new_csc((nrows, ncols), col_ptr, row_idx, values) {
            Ok(m) => Ok(SparseOperator { mat: normalize(m) }),
            // Name the entry when the problem is a row index out of range (the most useful
            // message); any other defect is reported with sprs's own description.
            Err((ptr, idx, vals, e)) => {
                let mut t = Triplets::new(nrows, ncols);
                for j in 0..ncols {
                    let (a, b) = (ptr[j].min(idx.len()), ptr[j + 1].min(idx.len()));
                    for p in a..b.max(a) {
                        t.push(idx[p], j, vals[p]);
                    }
                }
                validate_triplets(&t)?;
                Err(OperatorError::InvalidStructure(e.to_string()))
            }
        }
    }

    /// The sprs matrix (CSC).
    pub fn as_sprs(&self) -> &CsMat<f64> {
        &self.mat
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.mat.nnz()
    }

    /// Mutable access to the stored values (the pattern stays fixed).
    pub fn values_mut(&mut self) -> &mut [f64] {
        self.mat.data_mut()
    }
}

impl LinearOperator for SparseOperator {
    fn shape(&self) -> (usize, usize) {
        (self.mat.rows(), self.mat.cols())
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        let c = view(&self.mat, CscStorage::General);
        check_lengths(&c, x.len(), y.len(), false);
        c.apply(alpha, x, beta, y)
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        let c = view(&self.mat, CscStorage::General);
        check_lengths(&c, x.len(), y.len(), true);
        c.apply_transpose(alpha, x, beta, y)
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        Some(view(&self.mat, CscStorage::General).diagonal())
    }
    fn triplets(&self) -> Option<Triplets> {
        Some(stored_triplets(&self.mat))
    }
    fn csc(&self) -> Option<CscRef<'_>> {
        Some(view(&self.mat, CscStorage::General))
    }
    fn scatter_values(&self, lower: bool, pos: &[usize], out: &mut [f64]) -> bool {
        // `stored_triplets` walks the CSC in column order, as the view does.
        view(&self.mat, CscStorage::General).scatter_values(lower, pos, out)
    }
}

/// A symmetric sparse `n × n` matrix storing only its lower triangle (`row >= col`), the way Ipopt
/// receives Hessians of the Lagrangian. Application uses both halves.
#[derive(Debug, Clone, PartialEq)]
pub struct SymmetricSparseOperator {
    lower: CsMat<f64>,
}

impl SymmetricSparseOperator {
    /// Build from lower-triangle triplets of a square matrix. Duplicates are summed; an entry
    /// above the diagonal is an error (it would be ambiguous whether its mirror is also given).
    pub fn from_lower_triplets(t: &Triplets) -> Result<Self, OperatorError> {
        if t.nrows != t.ncols {
            return Err(OperatorError::NotSquare { what: "symmetric sparse matrix", nrows: t.nrows, ncols: t.ncols });
        }
        validate_triplets(t)?;
        if let Some(index) = (0..t.len()).find(|&k| t.rows[k] < t.cols[k]) {
            return Err(OperatorError::NotLowerTriangular { index, row: t.rows[index], col: t.cols[index] });
        }
        Ok(SymmetricSparseOperator { lower: csc_from_triplets(t) })
    }

    /// Build from a sprs matrix holding the lower triangle (CSC or CSR).
    pub fn from_sprs_lower(mat: CsMat<f64>) -> Result<Self, OperatorError> {
        let t = stored_triplets(&normalize(mat));
        Self::from_lower_triplets(&t)
    }

    /// The stored lower triangle (CSC).
    pub fn as_sprs_lower(&self) -> &CsMat<f64> {
        &self.lower
    }

    /// Number of stored (lower-triangle) entries.
    pub fn nnz_lower(&self) -> usize {
        self.lower.nnz()
    }

    /// Mutable access to the stored values (the pattern stays fixed).
    pub fn values_mut(&mut self) -> &mut [f64] {
        self.lower.data_mut()
    }
}

impl LinearOperator for SymmetricSparseOperator {
    fn shape(&self) -> (usize, usize) {
        (self.lower.rows(), self.lower.cols())
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        let c = view(&self.lower, CscStorage::SymmetricLower);
        check_lengths(&c, x.len(), y.len(), false);
        c.apply(alpha, x, beta, y)
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        self.apply(alpha, x, beta, y)
    }
    fn is_symmetric(&self) -> bool {
        true
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        Some(view(&self.lower, CscStorage::SymmetricLower).diagonal())
    }
    fn triplets(&self) -> Option<Triplets> {
        Some(view(&self.lower, CscStorage::SymmetricLower).to_triplets())
    }
    fn lower_triplets(&self) -> Option<Triplets> {
        Some(stored_triplets(&self.lower))
    }
    fn csc(&self) -> Option<CscRef<'_>> {
        Some(view(&self.lower, CscStorage::SymmetricLower))
    }
    fn scatter_values(&self, lower: bool, pos: &[usize], out: &mut [f64]) -> bool {
        // Stored entries are all lower (checked at construction): the order of `stored_triplets`.
        view(&self.lower, CscStorage::SymmetricLower).scatter_values(lower, pos, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use ipax_core::LinearOperatorExt;

    fn random_triplets(rng: &mut Rng, m: usize, n: usize, nnz: usize, lower: bool) -> (Triplets, Vec<f64>) {
        let mut t = Triplets::new(m, n);
        let mut dense = vec![0.0; m * n];
        if m == 0 || n == 0 {
            return (t, dense);
        }
        for _ in 0..nnz {
            let (mut i, mut j) = (rng.below(m), rng.below(n));
            if lower && i < j {
                std::mem::swap(&mut i, &mut j);
            }
            let v = rng.uniform();
            t.push(i, j, v);
            dense[i + j * m] += v;
            if lower && i != j {
                dense[j + i * m] += v;
            }
        }
        (t, dense)
    }

    #[test]
    fn general_sparse_matches_dense_and_sums_duplicates() {
        let mut rng = Rng::new(11);
        for (m, n) in shapes() {
            // nnz > m*n for small shapes forces duplicates.
            let (t, dense) = random_triplets(&mut rng, m, n, 2 * m * n + 1, false);
            let op = SparseOperator::from_triplets(&t).unwrap();
            assert!(op.nnz() <= m * n);
            check_against_dense(&op, &dense, &mut rng);
            let c = op.csc().unwrap();
            for j in 0..n {
                let rows = &c.row_idx[c.col_ptr[j]..c.col_ptr[j + 1]];
                assert!(rows.windows(2).all(|w| w[0] < w[1]), "rows sorted, no duplicates");
            }
        }
    }

    #[test]
    fn from_sprs_accepts_csr_and_csc() {
        let mut rng = Rng::new(12);
        let (t, dense) = random_triplets(&mut rng, 5, 4, 9, false);
        let tri = TriMat::from_triplets((5, 4), t.rows.clone(), t.cols.clone(), t.vals.clone());
        let csr: CsMat<f64> = tri.to_csr();
        let csc: CsMat<f64> = tri.to_csc();
        check_against_dense(&SparseOperator::from_sprs(csr), &dense, &mut rng);
        check_against_dense(&SparseOperator::from_sprs(csc), &dense, &mut rng);
    }

    #[test]
    fn from_csc_parts_validates() {
        let ok = SparseOperator::from_csc_parts(2, 2, vec![0, 1, 2], vec![1, 0], vec![3.0, 4.0]).unwrap();
        assert_eq!(ok.to_dense(), vec![0.0, 3.0, 4.0, 0.0]);
        assert!(matches!(
            SparseOperator::from_csc_parts(2, 2, vec![0, 1], vec![1], vec![3.0]),
            Err(OperatorError::DimensionMismatch { .. })
        ));
        assert!(matches!(
            SparseOperator::from_csc_parts(2, 2, vec![0, 1, 2], vec![1, 5], vec![3.0, 4.0]),
            Err(OperatorError::IndexOutOfRange { index: 1, row: 5, col: 1, .. })
        ));
        assert!(matches!(
            SparseOperator::from_csc_parts(2, 1, vec![0, 2], vec![1, 0], vec![3.0, 4.0]),
            Err(OperatorError::InvalidStructure(_))
        ));
    }

    #[test]
    fn out_of_range_and_ragged_triplets_are_typed_errors() {
        let mut t = Triplets::new(2, 3);
        t.push(0, 0, 1.0);
        t.push(1, 3, 1.0);
        assert_eq!(
            SparseOperator::from_triplets(&t).unwrap_err(),
            OperatorError::IndexOutOfRange { index: 1, row: 1, col: 3, nrows: 2, ncols: 3 }
        );
        let mut ragged = Triplets::new(2, 2);
        ragged.rows.push(0);
        assert!(matches!(SparseOperator::from_triplets(&ragged), Err(OperatorError::DimensionMismatch { .. })));
    }

    #[test]
    fn symmetric_sparse_matches_dense() {
        let mut rng = Rng::new(13);
        for n in [0, 1, 3, 8] {
            let (t, dense) = random_triplets(&mut rng, n, n, 3 * n, true);
            let op = SymmetricSparseOperator::from_lower_triplets(&t).unwrap();
            assert!(op.is_symmetric());
            check_against_dense(&op, &dense, &mut rng);
            let lt = op.lower_triplets().unwrap();
            assert_eq!(lt.len(), op.nnz_lower());
            assert!((0..lt.len()).all(|k| lt.rows[k] >= lt.cols[k]));
        }
    }

    #[test]
    fn symmetric_sparse_rejects_upper_and_non_square() {
        let mut t = Triplets::new(3, 3);
        t.push(2, 0, 1.0);
        t.push(0, 1, 1.0);
        assert_eq!(
            SymmetricSparseOperator::from_lower_triplets(&t).unwrap_err(),
            OperatorError::NotLowerTriangular { index: 1, row: 0, col: 1 }
        );
        assert!(matches!(
            SymmetricSparseOperator::from_lower_triplets(&Triplets::new(2, 3)),
            Err(OperatorError::NotSquare { .. })
        ));
        let mut oob = Triplets::new(2, 2);
        oob.push(4, 0, 1.0);
        assert!(matches!(
            SymmetricSparseOperator::from_lower_triplets(&oob),
            Err(OperatorError::IndexOutOfRange { .. })
        ));
    }
}
