//! The small operator types the problem definitions hand to the IPM: a CSC matrix whose pattern is
//! borrowed from the problem (only values are fresh per evaluation), a dense row-major matrix, and
//! matrix-free Jacobian / Hessian operators backed by user closures.

use core::cell::RefCell;

use ipax_core::operator::scale_output;
use ipax_core::{CscRef, CscStorage, LinearOperator, Triplets};

/// A CSC matrix with a fixed pattern borrowed from its owner and values owned by the operator.
///
/// Used for Jacobians and Hessians whose structure is known once (explicit triplets, probed or
/// user-given sparsity), so every evaluation reuses the index arrays instead of copying them, and
/// [`LinearOperator::csc`] gives direct solvers the same pattern every time.
#[derive(Debug, Clone)]
pub struct PatternMatrix<'a> {
    nrows: usize,
    ncols: usize,
    col_ptr: &'a [usize],
    row_idx: &'a [usize],
    values: Vec<f64>,
    storage: CscStorage,
}

impl<'a> PatternMatrix<'a> {
    /// Wrap a pattern and its values (`values.len() == row_idx.len()`).
    ///
    /// # Panics
    /// If the lengths disagree (a library bug: patterns are validated when the problem is built).
    pub fn new(
        nrows: usize,
        ncols: usize,
        col_ptr: &'a [usize],
        row_idx: &'a [usize],
        values: Vec<f64>,
        storage: CscStorage,
    ) -> Self {
        assert_eq!(col_ptr.len(), ncols + 1, "col_ptr length");
        assert_eq!(values.len(), row_idx.len(), "values length");
        PatternMatrix { nrows, ncols, col_ptr, row_idx, values, storage }
    }

    /// The values, in CSC order.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    fn view(&self) -> CscRef<'_> {
        CscRef {
            nrows: self.nrows,
            ncols: self.ncols,
            col_ptr: self.col_ptr,
            row_idx: self.row_idx,
            values: &self.values,
            storage: self.storage,
        }
    }
}

ipax_core::impl_csc_operator!(PatternMatrix<'_>, |m| m.view());

/// A dense `nrows × ncols` matrix stored row-major (`a[i * ncols + j]`), as a user's dense
/// Jacobian closure writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseRowMajor {
    nrows: usize,
    ncols: usize,
    data: Vec<f64>,
}

impl DenseRowMajor {
    /// Wrap row-major data.
    ///
    /// # Panics
    /// If `data.len() != nrows * ncols` (callers check user output first).
    pub fn new(nrows: usize, ncols: usize, data: Vec<f64>) -> Self {
        assert_eq!(data.len(), nrows * ncols, "dense data length");
        DenseRowMajor { nrows, ncols, data }
    }
}

impl LinearOperator for DenseRowMajor {
    fn shape(&self) -> (usize, usize) {
        (self.nrows, self.ncols)
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        scale_output(beta, y);
        for (i, yi) in y.iter_mut().enumerate() {
            let row = &self.data[i * self.ncols..(i + 1) * self.ncols];
            *yi += alpha * row.iter().zip(x).map(|(a, b)| a * b).sum::<f64>();
        }
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        scale_output(beta, y);
        for (i, &xi) in x.iter().enumerate() {
            let s = alpha * xi;
            let row = &self.data[i * self.ncols..(i + 1) * self.ncols];
            y.iter_mut().zip(row).for_each(|(yj, a)| *yj += a * s);
        }
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        Some((0..self.nrows.min(self.ncols)).map(|i| self.data[i * self.ncols + i]).collect())
    }
    fn triplets(&self) -> Option<Triplets> {
        // Every position, zeros included, so the pattern never depends on the values.
        let mut t = Triplets::new(self.nrows, self.ncols);
        for i in 0..self.nrows {
            for j in 0..self.ncols {
                t.push(i, j, self.data[i * self.ncols + j]);
            }
        }
        Some(t)
    }
}

/// `out ← J(x) v` (length m).
pub(crate) type JvpFn = dyn Fn(&[f64], &[f64], &mut [f64]) + Send + Sync;
/// `out ← σ ∇²f(x) v + Σ λᵢ ∇²cᵢ(x) v` (length n).
pub(crate) type HvpFn = dyn Fn(&[f64], f64, &[f64], &[f64], &mut [f64]) + Send + Sync;

/// A Jacobian known only through products `J v` and `Jᵀ w` from user closures, frozen at a point
/// `x`. It has no entries ([`LinearOperator::triplets`] is `None`), which steers the IPM to a
/// Krylov route.
///
/// The closures cannot report failure through `apply`; a non-finite product reaches the linear
/// solver, which reports it as a non-finite residual.
pub struct MatrixFreeJacobian<'a> {
    m: usize,
    n: usize,
    x: Vec<f64>,
    jvp: &'a JvpFn,
    vjp: &'a JvpFn,
    /// Product buffers, so `apply` allocates nothing.
    scratch_m: RefCell<Vec<f64>>,
    scratch_n: RefCell<Vec<f64>>,
}

impl<'a> MatrixFreeJacobian<'a> {
    pub(crate) fn new(m: usize, x: &[f64], jvp: &'a JvpFn, vjp: &'a JvpFn) -> Self {
        let n = x.len();
        MatrixFreeJacobian {
            m,
            n,
            x: x.to_vec(),
            jvp,
            vjp,
            scratch_m: RefCell::new(vec![0.0; m]),
            scratch_n: RefCell::new(vec![0.0; n]),
        }
    }
}

/// `y ← α t + β y`.
fn combine(alpha: f64, t: &[f64], beta: f64, y: &mut [f64]) {
    scale_output(beta, y);
    y.iter_mut().zip(t).for_each(|(yi, ti)| *yi += alpha * ti);
}

impl LinearOperator for MatrixFreeJacobian<'_> {
    fn shape(&self) -> (usize, usize) {
        (self.m, self.n)
    }
    fn apply(&self, alpha: f64, v: &[f64], beta: f64, y: &mut [f64]) {
        let mut t = self.scratch_m.borrow_mut();
        t.iter_mut().for_each(|e| *e = 0.0);
        (self.jvp)(&self.x, v, &mut t);
        combine(alpha, &t, beta, y);
    }
    fn apply_transpose(&self, alpha: f64, w: &[f64], beta: f64, y: &mut [f64]) {
        let mut t = self.scratch_n.borrow_mut();
        t.iter_mut().for_each(|e| *e = 0.0);
        (self.vjp)(&self.x, w, &mut t);
        combine(alpha, &t, beta, y);
    }
}

/// The Hessian of the Lagrangian known only through products, frozen at `(x, σ, λ)`. Symmetric by
/// contract (the user's `hvp` must compute a symmetric product); no entries.
pub struct MatrixFreeHessian<'a> {
    x: Vec<f64>,
    obj_factor: f64,
    lambda: Vec<f64>,
    hvp: &'a HvpFn,
    scratch: RefCell<Vec<f64>>,
}

impl<'a> MatrixFreeHessian<'a> {
    pub(crate) fn new(x: &[f64], obj_factor: f64, lambda: &[f64], hvp: &'a HvpFn) -> Self {
        MatrixFreeHessian {
            x: x.to_vec(),
            obj_factor,
            lambda: lambda.to_vec(),
            hvp,
            scratch: RefCell::new(vec![0.0; x.len()]),
        }
    }
}

impl LinearOperator for MatrixFreeHessian<'_> {
    fn shape(&self) -> (usize, usize) {
        (self.x.len(), self.x.len())
    }
    fn apply(&self, alpha: f64, v: &[f64], beta: f64, y: &mut [f64]) {
        let mut t = self.scratch.borrow_mut();
        t.iter_mut().for_each(|e| *e = 0.0);
        (self.hvp)(&self.x, self.obj_factor, &self.lambda, v, &mut t);
        combine(alpha, &t, beta, y);
    }
    fn apply_transpose(&self, alpha: f64, v: &[f64], beta: f64, y: &mut [f64]) {
        self.apply(alpha, v, beta, y)
    }
    fn is_symmetric(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipax_core::LinearOperatorExt;

    #[test]
    fn dense_row_major_applies_both_ways() {
        // [[1, 2, 3], [4, 5, 6]]
        let a = DenseRowMajor::new(2, 3, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(a.matvec(&[1.0, 0.0, -1.0]), vec![-2.0, -2.0]);
        assert_eq!(a.rmatvec(&[1.0, 1.0]), vec![5.0, 7.0, 9.0]);
        let mut y = vec![1.0, 1.0];
        a.apply(2.0, &[1.0, 1.0, 1.0], 3.0, &mut y);
        assert_eq!(y, vec![15.0, 33.0]);
        assert_eq!(a.triplets().unwrap().len(), 6);
        assert_eq!(a.diagonal().unwrap(), vec![1.0, 5.0]);
    }

    #[test]
    fn pattern_matrix_symmetric_lower_is_full_symmetric() {
        // [[2, 1], [1, 3]] stored lower.
        let col_ptr = [0, 2, 3];
        let row_idx = [0, 1, 1];
        let h = PatternMatrix::new(2, 2, &col_ptr, &row_idx, vec![2.0, 1.0, 3.0], CscStorage::SymmetricLower);
        assert!(h.is_symmetric());
        assert_eq!(h.to_dense(), vec![2.0, 1.0, 1.0, 3.0]);
        assert_eq!(h.lower_triplets().unwrap().len(), 3);
        assert_eq!(h.triplets().unwrap().len(), 4);
        assert_eq!(h.csc().unwrap().values, &[2.0, 1.0, 3.0]);
    }
}
