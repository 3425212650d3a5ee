//! The gradient of a quadratic objective as one sparse product: `∇f(x) = ∇f(0) + H x`.
//!
//! When every nonlinear element of the objective is a polynomial of degree at most 2 (the shapes
//! [`Batch::fix_quadratic`](super::batch::Batch::fix_quadratic) recognizes), `f` is
//! `f(0) + gᵀx + ½ xᵀHx` with a constant Hessian `H` and `g = ∇f(0)`, so its gradient is affine.
//! One symmetric product with the lower triangle of `H` (about `2·nnz` multiply-adds) then replaces
//! a forward and a reverse sweep over every element plus the scatter of the element gradients: on
//! a 2-D grid objective (`obstacle`, 1e5 variables) several times less work per gradient.
//!
//! Rounding differs from the sweeps' (the terms are summed in another order), at the level of a
//! few ulps of the gradient's entries.

/// `∇f(0)` and the lower triangle of the constant objective Hessian, in compressed columns.
#[derive(Debug, Clone)]
pub(super) struct QuadraticGradient {
    g0: Vec<f64>,
    col_ptr: Vec<usize>,
    row_idx: Vec<u32>,
    values: Vec<f64>,
}

impl QuadraticGradient {
    /// From `g0 = ∇f(0)` (length n) and the lower-triangular Hessian `(col_ptr, row_idx, values)`
    /// of an n × n pattern; entries whose value is exactly zero are dropped (the Hessian is
    /// constant, so they stay zero). `None` when n does not fit the u32 row indices.
    pub fn new(g0: Vec<f64>, col_ptr: &[usize], row_idx: &[usize], values: &[f64]) -> Option<QuadraticGradient> {
        let n = g0.len();
        debug_assert_eq!(col_ptr.len(), n + 1);
        if u32::try_from(n).is_err() {
            return None;
        }
        let nnz = values.iter().filter(|&&v| v != 0.0).count();
        let mut q = QuadraticGradient { g0, col_ptr: Vec::with_capacity(n + 1), row_idx: Vec::with_capacity(nnz), values: Vec::with_capacity(nnz) };
        q.col_ptr.push(0);
        for j in 0..n {
            for k in col_ptr[j]..col_ptr[j + 1] {
                if values[k] != 0.0 {
                    debug_assert!(row_idx[k] >= j, "lower triangle");
                    q.row_idx.push(row_idx[k] as u32);
                    q.values.push(values[k]);
                }
            }
            q.col_ptr.push(q.row_idx.len());
        }
        Some(q)
    }

    /// `grad = ∇f(0) + H x` (H symmetric, its lower triangle stored).
    pub fn gradient(&self, x: &[f64], grad: &mut [f64]) {
        grad.copy_from_slice(&self.g0);
        for (j, &xj) in x.iter().enumerate() {
            let range = self.col_ptr[j]..self.col_ptr[j + 1];
            // Column j adds H_ij·x_j to row i; its mirror (row j of the upper triangle) adds
            // H_ij·x_i to row j, accumulated and added once.
            let mut upper = 0.0;
            for (&i, &h) in self.row_idx[range.clone()].iter().zip(&self.values[range]) {
                let i = i as usize;
                grad[i] += h * xj;
                if i != j {
                    upper += h * x[i];
                }
            }
            grad[j] += upper;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_product_with_the_lower_triangle() {
        // H = [[2, 1, 0], [1, 4, -3], [0, -3, 0]] (lower: (0,0)=2, (1,0)=1, (1,1)=4, (2,1)=-3,
        // an explicit zero at (2,2) dropped), g0 = [1, -1, 0.5].
        let col_ptr = [0, 2, 4, 5];
        let row_idx = [0, 1, 1, 2, 2];
        let values = [2.0, 1.0, 4.0, -3.0, 0.0];
        let q = QuadraticGradient::new(vec![1.0, -1.0, 0.5], &col_ptr, &row_idx, &values).expect("fits");
        assert_eq!(q.values.len(), 4, "the explicit zero is dropped");
        let x = [0.5, -2.0, 3.0];
        let mut g = [0.0; 3];
        q.gradient(&x, &mut g);
        let want = [1.0 + 2.0 * 0.5 + 1.0 * -2.0, -1.0 + 1.0 * 0.5 + 4.0 * -2.0 - 3.0 * 3.0, 0.5 - 3.0 * -2.0];
        assert_eq!(g, want);
    }
}
