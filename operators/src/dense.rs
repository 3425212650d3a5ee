//! [`DenseOperator`]: a dense `faer::Mat<f64>` behind the [`LinearOperator`] protocol.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use ipax_core::{LinearOperator, Triplets, operator::scale_output};

use crate::error::{OperatorError, check_dim, checked_len};

/// A dense `m × n` matrix, applied with faer's matrix multiply.
///
/// Symmetry is detected exactly (bitwise-equal mirrored entries) at construction, so
/// [`is_symmetric`](LinearOperator::is_symmetric) is a proven property, never a guess.
#[derive(Debug, Clone)]
pub struct DenseOperator {
    mat: Mat<f64>,
    symmetric: bool,
}

impl DenseOperator {
    /// Wrap a faer matrix.
    pub fn new(mat: Mat<f64>) -> Self {
        let symmetric = is_exactly_symmetric(mat.as_ref());
        DenseOperator { mat, symmetric }
    }

    /// Build from `nrows * ncols` column-major values.
    pub fn from_col_major(nrows: usize, ncols: usize, data: &[f64]) -> Result<Self, OperatorError> {
        check_dim("dense column-major data length", checked_len("dense shape", nrows, ncols)?, data.len())?;
        Ok(Self::new(Mat::from_fn(nrows, ncols, |i, j| data[i + j * nrows])))
    }

    /// Build from `nrows * ncols` row-major values.
    pub fn from_row_major(nrows: usize, ncols: usize, data: &[f64]) -> Result<Self, OperatorError> {
        check_dim("dense row-major data length", checked_len("dense shape", nrows, ncols)?, data.len())?;
        Ok(Self::new(Mat::from_fn(nrows, ncols, |i, j| data[i * ncols + j])))
    }

    /// Build from an operator by applying it to unit vectors (`O(n)` applications); useful to
    /// densify a small composite before a dense factorization.
    pub fn from_operator(op: &dyn LinearOperator) -> Self {
        let (m, n) = op.shape();
        let mut mat = Mat::<f64>::zeros(m, n);
        let mut e = vec![0.0; n];
        let mut col = vec![0.0; m];
        for j in 0..n {
            e[j] = 1.0;
            op.apply(1.0, &e, 0.0, &mut col);
            e[j] = 0.0;
            for (i, v) in col.iter().enumerate() {
                mat[(i, j)] = *v;
            }
        }
        Self::new(mat)
    }

    /// The wrapped matrix.
    pub fn as_mat(&self) -> MatRef<'_, f64> {
        self.mat.as_ref()
    }

    /// Unwrap the matrix.
    pub fn into_mat(self) -> Mat<f64> {
        self.mat
    }
}

/// Exact symmetry test: square and `A_ij == A_ji` for all pairs.
fn is_exactly_symmetric(a: MatRef<'_, f64>) -> bool {
    a.nrows() == a.ncols() && (0..a.ncols()).all(|j| (j + 1..a.nrows()).all(|i| a[(i, j)] == a[(j, i)]))
}

/// `y ← α op(A) x + β y` through faer: `β = 0` uses `Accum::Replace` so garbage (even NaN) in `y`
/// is overwritten, as the protocol requires; other β pre-scale `y` and accumulate.
fn gemv(a: MatRef<'_, f64>, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
    let (m, n) = (a.nrows(), a.ncols());
    assert_eq!(x.len(), n, "DenseOperator: x has the wrong length");
    assert_eq!(y.len(), m, "DenseOperator: y has the wrong length");
    let accum = if beta == 0.0 {
        Accum::Replace
    } else {
        scale_output(beta, y);
        Accum::Add
    };
    let xm = MatRef::from_column_major_slice(x, n, 1);
    let ym = MatMut::from_column_major_slice_mut(y, m, 1);
    matmul(ym, accum, a, xm, alpha, Par::Seq);
}

impl LinearOperator for DenseOperator {
    fn shape(&self) -> (usize, usize) {
        (self.mat.nrows(), self.mat.ncols())
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        gemv(self.mat.as_ref(), alpha, x, beta, y)
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        gemv(self.mat.transpose(), alpha, x, beta, y)
    }
    fn is_symmetric(&self) -> bool {
        self.symmetric
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        Some((0..self.mat.nrows().min(self.mat.ncols())).map(|i| self.mat[(i, i)]).collect())
    }
    /// Every `(i, j)`, column by column: the pattern depends only on the shape.
    fn triplets(&self) -> Option<Triplets> {
        let (m, n) = self.shape();
        let mut t = Triplets::new(m, n);
        for j in 0..n {
            for i in 0..m {
                t.push(i, j, self.mat[(i, j)]);
            }
        }
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;

    #[test]
    fn matches_dense_reference_on_all_shapes() {
        let mut rng = Rng::new(1);
        for (m, n) in shapes() {
            let a = rng.vec(m * n);
            let op = DenseOperator::from_col_major(m, n, &a).unwrap();
            check_against_dense(&op, &a, &mut rng);
            let ar = dense_transpose(m, n, &a); // row-major of A == column-major of Aᵀ
            let op_r = DenseOperator::from_row_major(m, n, &ar).unwrap();
            assert_close(&op_r.to_dense_vec(), &a, 0.0, "row-major");
        }
    }

    #[test]
    fn symmetry_is_detected_exactly() {
        let s = DenseOperator::from_col_major(2, 2, &[1.0, 2.0, 2.0, 3.0]).unwrap();
        assert!(s.is_symmetric());
        let ns = DenseOperator::from_col_major(2, 2, &[1.0, 2.0, 2.5, 3.0]).unwrap();
        assert!(!ns.is_symmetric());
        let mut rng = Rng::new(5);
        check_against_dense(&s, &[1.0, 2.0, 2.0, 3.0], &mut rng);
    }

    #[test]
    fn bad_lengths_are_typed_errors() {
        assert_eq!(
            DenseOperator::from_col_major(2, 3, &[0.0; 5]).unwrap_err(),
            OperatorError::DimensionMismatch { what: "dense column-major data length", expected: 6, got: 5 }
        );
        assert!(matches!(
            DenseOperator::from_row_major(usize::MAX, 3, &[]),
            Err(OperatorError::DimensionMismatch { .. })
        ));
    }

    #[test]
    fn from_operator_round_trips() {
        let mut rng = Rng::new(2);
        let a = rng.vec(12);
        let op = DenseOperator::from_col_major(3, 4, &a).unwrap();
        let copy = DenseOperator::from_operator(&op);
        assert_close(&copy.to_dense_vec(), &a, 0.0, "copy");
    }

    impl DenseOperator {
        fn to_dense_vec(&self) -> Vec<f64> {
            ipax_core::LinearOperatorExt::to_dense(self)
        }
    }
}
