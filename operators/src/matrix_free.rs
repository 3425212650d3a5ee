//! [`MatrixFreeOperator`]: an operator known only through closures for `A v` and `Aᵀ v`.
//!
//! The closures write their product into an output slice (overwriting it). The gemv-style
//! `y ← α A x + β y` then needs the product separately from `y` when `(α, β) ≠ (1, 0)`; we
//! allocate that temporary per call, which keeps the operator free of interior mutability, so
//! it is `Send + Sync` exactly when its closures are.

use ipax_core::LinearOperator;

use crate::error::OperatorError;

/// `A: R^ncols → R^nrows` given by `forward(v, out)` (`out = A v`) and `adjoint(v, out)`
/// (`out = Aᵀ v`). A symmetric operator needs only `forward`.
pub struct MatrixFreeOperator<F, G = F> {
    nrows: usize,
    ncols: usize,
    forward: F,
    adjoint: Option<G>,
    diagonal: Option<Vec<f64>>,
}

impl<F, G> std::fmt::Debug for MatrixFreeOperator<F, G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatrixFreeOperator")
            .field("nrows", &self.nrows)
            .field("ncols", &self.ncols)
            .field("symmetric", &self.adjoint.is_none())
            .finish_non_exhaustive()
    }
}

impl<F, G> MatrixFreeOperator<F, G>
where
    F: Fn(&[f64], &mut [f64]),
    G: Fn(&[f64], &mut [f64]),
{
    /// A general `nrows × ncols` operator from `A v` and `Aᵀ v` closures.
    pub fn new(nrows: usize, ncols: usize, forward: F, adjoint: G) -> Self {
        MatrixFreeOperator { nrows, ncols, forward, adjoint: Some(adjoint), diagonal: None }
    }
}

impl<F> MatrixFreeOperator<F, F>
where
    F: Fn(&[f64], &mut [f64]),
{
    /// A symmetric `n × n` operator (`A = Aᵀ` is the caller's promise): `forward` serves both
    /// products and [`is_symmetric`](LinearOperator::is_symmetric) is true.
    pub fn symmetric(n: usize, forward: F) -> Self {
        MatrixFreeOperator { nrows: n, ncols: n, forward, adjoint: None, diagonal: None }
    }
}

impl<F, G> MatrixFreeOperator<F, G> {
    /// Attach a known diagonal (e.g. for Jacobi preconditioning); its length must be
    /// `min(nrows, ncols)`.
    pub fn with_diagonal(mut self, diagonal: Vec<f64>) -> Result<Self, OperatorError> {
        crate::error::check_dim("matrix-free diagonal length", self.nrows.min(self.ncols), diagonal.len())?;
        self.diagonal = Some(diagonal);
        Ok(self)
    }
}

/// `y ← α (product) + β y`, calling `product` directly into `y` when `(α, β) = (1, 0)`.
fn gemv_via(product: &dyn Fn(&[f64], &mut [f64]), alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
    if alpha == 1.0 && beta == 0.0 {
        // Zero first so a closure that only accumulates into `out` still gives the right answer.
        y.iter_mut().for_each(|v| *v = 0.0);
        product(x, y);
        return;
    }
    let mut t = vec![0.0; y.len()];
    product(x, &mut t);
    if beta == 0.0 {
        y.iter_mut().zip(&t).for_each(|(yi, ti)| *yi = alpha * ti);
    } else {
        y.iter_mut().zip(&t).for_each(|(yi, ti)| *yi = alpha * ti + beta * *yi);
    }
}

impl<F, G> LinearOperator for MatrixFreeOperator<F, G>
where
    F: Fn(&[f64], &mut [f64]),
    G: Fn(&[f64], &mut [f64]),
{
    fn shape(&self) -> (usize, usize) {
        (self.nrows, self.ncols)
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        assert_eq!(x.len(), self.ncols, "MatrixFreeOperator: x has the wrong length");
        assert_eq!(y.len(), self.nrows, "MatrixFreeOperator: y has the wrong length");
        gemv_via(&self.forward, alpha, x, beta, y)
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        assert_eq!(x.len(), self.nrows, "MatrixFreeOperator: x has the wrong length");
        assert_eq!(y.len(), self.ncols, "MatrixFreeOperator: y has the wrong length");
        match &self.adjoint {
            Some(g) => gemv_via(g, alpha, x, beta, y),
            None => gemv_via(&self.forward, alpha, x, beta, y),
        }
    }
    fn is_symmetric(&self) -> bool {
        self.adjoint.is_none()
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        self.diagonal.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;

    #[test]
    fn general_matches_dense() {
        let mut rng = Rng::new(31);
        for (m, n) in shapes() {
            let a = rng.vec(m * n);
            let at = dense_transpose(m, n, &a);
            let (a2, at2) = (a.clone(), at.clone());
            let op = MatrixFreeOperator::new(
                m,
                n,
                move |x: &[f64], out: &mut [f64]| out.copy_from_slice(&dense_gemv(m, n, &a2, 1.0, x, 0.0, &[])),
                move |x: &[f64], out: &mut [f64]| out.copy_from_slice(&dense_gemv(n, m, &at2, 1.0, x, 0.0, &[])),
            );
            assert!(op.triplets().is_none() && !op.is_symmetric());
            check_against_dense(&op, &a, &mut rng);
        }
    }

    #[test]
    fn symmetric_uses_one_closure_and_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>(_: &T) {}
        let a = [2.0, 1.0, 1.0, 3.0];
        let op = MatrixFreeOperator::symmetric(2, move |x: &[f64], out: &mut [f64]| {
            out[0] = a[0] * x[0] + a[2] * x[1];
            out[1] = a[1] * x[0] + a[3] * x[1];
        })
        .with_diagonal(vec![2.0, 3.0])
        .unwrap();
        assert_send_sync(&op);
        assert!(op.is_symmetric());
        let mut rng = Rng::new(32);
        check_against_dense(&op, &a, &mut rng);
    }

    #[test]
    fn wrong_diagonal_length_is_typed_error() {
        let op = MatrixFreeOperator::symmetric(3, |x: &[f64], out: &mut [f64]| out.copy_from_slice(x));
        assert!(matches!(
            op.with_diagonal(vec![1.0]),
            Err(OperatorError::DimensionMismatch { expected: 3, got: 1, .. })
        ));
    }
}
