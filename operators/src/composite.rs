//! Composite operators built from other operators, applied gemv-style without assembling:
//! [`SumOperator`] (`Σ Aᵢ`), [`ScaledOperator`] (`c A`), [`ProductOperator`] (`A B`) and
//! [`TransposeOperator`] (`Aᵀ`).
//!
//! Parts are held as [`BoxedOperator<'a>`](crate::BoxedOperator): pass an owned operator to move
//! it in, or a reference (`&op` implements `LinearOperator`) to borrow it. Capabilities propagate
//! where they follow from the parts: triplets (concatenated, scaled, swapped), diagonals, symmetry
//! (a sum of symmetric operators, a multiple of a symmetric operator) and low-rank structure.

use ipax_core::{LinearOperator, LowRankParts, Triplets, operator::scale_output};

use crate::BoxedOperator;
use crate::error::{OperatorError, check_dim};

/// `A₁ + A₂ + … + A_p`, every part the same shape.
///
/// Application accumulates each part into `y` with `β = 1` after the first, so no temporary is
/// needed.
pub struct SumOperator<'a> {
    shape: (usize, usize),
    parts: Vec<BoxedOperator<'a>>,
}

impl<'a> SumOperator<'a> {
    /// The sum of `parts`, all of shape `shape` (an empty list is the zero operator of that shape).
    pub fn new(shape: (usize, usize), parts: Vec<BoxedOperator<'a>>) -> Result<Self, OperatorError> {
        for p in &parts {
            let (m, n) = p.shape();
            check_dim("sum term rows", shape.0, m)?;
            check_dim("sum term columns", shape.1, n)?;
        }
        Ok(SumOperator { shape, parts })
    }

    /// The sum of two operators of equal shape.
    pub fn pair(a: impl LinearOperator + 'a, b: impl LinearOperator + 'a) -> Result<Self, OperatorError> {
        Self::new(a.shape(), vec![Box::new(a), Box::new(b)])
    }

    /// Add one more term (same shape).
    pub fn push(&mut self, term: impl LinearOperator + 'a) -> Result<(), OperatorError> {
        check_dim("sum term rows", self.shape.0, term.shape().0)?;
        check_dim("sum term columns", self.shape.1, term.shape().1)?;
        self.parts.push(Box::new(term));
        Ok(())
    }

    /// The terms.
    pub fn parts(&self) -> &[BoxedOperator<'a>] {
        &self.parts
    }
}

impl LinearOperator for SumOperator<'_> {
    fn shape(&self) -> (usize, usize) {
        self.shape
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        assert_eq!(x.len(), self.shape.1, "SumOperator: x has the wrong length");
        assert_eq!(y.len(), self.shape.0, "SumOperator: y has the wrong length");
        if self.parts.is_empty() {
            return scale_output(beta, y);
        }
        let mut b = beta;
        for p in &self.parts {
            p.apply(alpha, x, b, y);
            b = 1.0;
        }
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        assert_eq!(x.len(), self.shape.0, "SumOperator: x has the wrong length");
        assert_eq!(y.len(), self.shape.1, "SumOperator: y has the wrong length");
        if self.parts.is_empty() {
            return scale_output(beta, y);
        }
        let mut b = beta;
        for p in &self.parts {
            p.apply_transpose(alpha, x, b, y);
            b = 1.0;
        }
    }
    fn is_symmetric(&self) -> bool {
        self.shape.0 == self.shape.1 && self.parts.iter().all(|p| p.is_symmetric())
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        let mut d = vec![0.0; self.shape.0.min(self.shape.1)];
        for p in &self.parts {
            d.iter_mut().zip(p.diagonal()?).for_each(|(a, b)| *a += b);
        }
        Some(d)
    }
    /// Concatenation of the parts' triplets (duplicates mean "sum", as the protocol says).
    fn triplets(&self) -> Option<Triplets> {
        let mut t = Triplets::new(self.shape.0, self.shape.1);
        for p in &self.parts {
            t.extend_shifted(&p.triplets()?, 0, 0, 1.0);
        }
        Some(t)
    }
    /// For a sum of symmetric parts, the concatenation of their lower triangles (which keeps
    /// symmetric storage symmetric); otherwise the filtered full triplets.
    fn lower_triplets(&self) -> Option<Triplets> {
        if !self.is_symmetric() {
            let mut t = self.triplets()?;
            t.retain(|r, c| r >= c);
            return Some(t);
        }
        let mut t = Triplets::new(self.shape.0, self.shape.1);
        for p in &self.parts {
            t.extend_shifted(&p.lower_triplets()?, 0, 0, 1.0);
        }
        Some(t)
    }
    /// Sums of `shiftᵢ·I + Wᵢ Mᵢ Wᵢᵀ` stack their factors: `W = [W₁ … W_p]`, `M = blkdiag(Mᵢ)`.
    fn low_rank(&self) -> Option<LowRankParts> {
        if self.shape.0 != self.shape.1 {
            return None;
        }
        let n = self.shape.0;
        let parts: Vec<LowRankParts> = self.parts.iter().map(|p| p.low_rank()).collect::<Option<_>>()?;
        let k: usize = parts.iter().map(|p| p.k).sum();
        let mut w = Vec::with_capacity(n * k);
        let mut m = vec![0.0; k * k];
        let mut shift = 0.0;
        let mut off = 0;
        for p in &parts {
            shift += p.shift;
            w.extend_from_slice(&p.w);
            for j in 0..p.k {
                for i in 0..p.k {
                    m[(off + i) + (off + j) * k] = p.m[i + j * p.k];
                }
            }
            off += p.k;
        }
        Some(LowRankParts { n, k, shift, w, m })
    }
}

/// `c · A`.
pub struct ScaledOperator<'a> {
    scale: f64,
    inner: BoxedOperator<'a>,
}

impl<'a> ScaledOperator<'a> {
    /// `scale · inner`.
    pub fn new(scale: f64, inner: impl LinearOperator + 'a) -> Self {
        ScaledOperator { scale, inner: Box::new(inner) }
    }
    /// The factor `c`.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

impl LinearOperator for ScaledOperator<'_> {
    fn shape(&self) -> (usize, usize) {
        self.inner.shape()
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        self.inner.apply(alpha * self.scale, x, beta, y)
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        self.inner.apply_transpose(alpha * self.scale, x, beta, y)
    }
    fn is_symmetric(&self) -> bool {
        self.inner.is_symmetric()
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        let mut d = self.inner.diagonal()?;
        d.iter_mut().for_each(|v| *v *= self.scale);
        Some(d)
    }
    fn triplets(&self) -> Option<Triplets> {
        scaled_triplets(self.inner.triplets()?, self.scale)
    }
    fn lower_triplets(&self) -> Option<Triplets> {
        scaled_triplets(self.inner.lower_triplets()?, self.scale)
    }
    fn low_rank(&self) -> Option<LowRankParts> {
        let mut lr = self.inner.low_rank()?;
        lr.shift *= self.scale;
        lr.m.iter_mut().for_each(|v| *v *= self.scale);
        Some(lr)
    }
}

fn scaled_triplets(mut t: Triplets, scale: f64) -> Option<Triplets> {
    t.vals.iter_mut().for_each(|v| *v *= scale);
    Some(t)
}

/// `A B` (`A: m × k`, `B: k × n`), applied as `A (B x)` with one length-`k` temporary.
pub struct ProductOperator<'a> {
    left: BoxedOperator<'a>,
    right: BoxedOperator<'a>,
}

impl<'a> ProductOperator<'a> {
    /// `left · right`; the inner dimensions must agree.
    pub fn new(left: impl LinearOperator + 'a, right: impl LinearOperator + 'a) -> Result<Self, OperatorError> {
        check_dim("product inner dimension (left columns vs right rows)", left.shape().1, right.shape().0)?;
        Ok(ProductOperator { left: Box::new(left), right: Box::new(right) })
    }
}

impl LinearOperator for ProductOperator<'_> {
    fn shape(&self) -> (usize, usize) {
        (self.left.shape().0, self.right.shape().1)
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        let mut t = vec![0.0; self.right.shape().0];
        self.right.apply(1.0, x, 0.0, &mut t);
        self.left.apply(alpha, &t, beta, y);
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        // (A B)ᵀ x = Bᵀ (Aᵀ x).
        let mut t = vec![0.0; self.left.shape().1];
        self.left.apply_transpose(1.0, x, 0.0, &mut t);
        self.right.apply_transpose(alpha, &t, beta, y);
    }
}

/// `Aᵀ`.
pub struct TransposeOperator<'a> {
    inner: BoxedOperator<'a>,
}

impl<'a> TransposeOperator<'a> {
    /// The transpose of `inner`.
    pub fn new(inner: impl LinearOperator + 'a) -> Self {
        TransposeOperator { inner: Box::new(inner) }
    }
}

impl LinearOperator for TransposeOperator<'_> {
    fn shape(&self) -> (usize, usize) {
        let (m, n) = self.inner.shape();
        (n, m)
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        self.inner.apply_transpose(alpha, x, beta, y)
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        self.inner.apply(alpha, x, beta, y)
    }
    fn is_symmetric(&self) -> bool {
        self.inner.is_symmetric()
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        self.inner.diagonal()
    }
    fn triplets(&self) -> Option<Triplets> {
        let t = self.inner.triplets()?;
        let mut out = Triplets::new(t.ncols, t.nrows);
        out.extend_transposed(&t, 0, 0, 1.0);
        Some(out)
    }
    fn lower_triplets(&self) -> Option<Triplets> {
        if self.inner.is_symmetric() {
            return self.inner.lower_triplets();
        }
        let mut t = self.triplets()?;
        t.retain(|r, c| r >= c);
        Some(t)
    }
    fn low_rank(&self) -> Option<LowRankParts> {
        // Only symmetric operators expose `shift·I + W M Wᵀ` with symmetric M; Aᵀ = A then.
        if self.inner.is_symmetric() { self.inner.low_rank() } else { None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use crate::{DenseOperator, DiagonalOperator, IdentityOperator, SparseOperator, SymmetricSparseOperator};

    fn dense(rng: &mut Rng, m: usize, n: usize) -> (DenseOperator, Vec<f64>) {
        let a = rng.vec(m * n);
        (DenseOperator::from_col_major(m, n, &a).unwrap(), a)
    }

    #[test]
    fn sum_matches_dense() {
        let mut rng = Rng::new(41);
        for (m, n) in shapes() {
            let (a, da) = dense(&mut rng, m, n);
            let (b, db) = dense(&mut rng, m, n);
            let (c, dc) = dense(&mut rng, m, n);
            let want: Vec<f64> = (0..m * n).map(|i| da[i] + db[i] + dc[i]).collect();
            let s = SumOperator::new((m, n), vec![Box::new(&a), Box::new(b), Box::new(c)]).unwrap();
            check_against_dense(&s, &want, &mut rng);
            let empty = SumOperator::new((m, n), vec![]).unwrap();
            check_against_dense(&empty, &vec![0.0; m * n], &mut rng);
        }
    }

    #[test]
    fn symmetric_sum_keeps_lower_storage_and_low_rank() {
        let mut rng = Rng::new(42);
        let mut t = Triplets::new(3, 3);
        t.push(0, 0, 1.0);
        t.push(2, 0, 2.0);
        t.push(2, 2, 4.0);
        let h = SymmetricSparseOperator::from_lower_triplets(&t).unwrap();
        let d = DiagonalOperator::new(vec![1.0, 2.0, 3.0]);
        let s = SumOperator::pair(&h, &d).unwrap();
        assert!(s.is_symmetric());
        assert_eq!(s.lower_triplets().unwrap().len(), 6);
        let want = [2.0, 0.0, 2.0, 0.0, 2.0, 0.0, 2.0, 0.0, 7.0];
        check_against_dense(&s, &want, &mut rng);
        // Low-rank composition: 2I + 0.5 I.
        let lr = SumOperator::pair(IdentityOperator::scaled(3, 2.0), IdentityOperator::scaled(3, 0.5)).unwrap();
        assert_eq!(lr.low_rank().unwrap().shift, 2.5);
    }

    #[test]
    fn sum_shape_mismatch_is_typed_error() {
        let a = DenseOperator::from_col_major(2, 3, &[0.0; 6]).unwrap();
        let b = DenseOperator::from_col_major(3, 2, &[0.0; 6]).unwrap();
        assert!(matches!(SumOperator::pair(&a, &b), Err(OperatorError::DimensionMismatch { .. })));
        let mut s = SumOperator::new((2, 3), vec![]).unwrap();
        assert!(s.push(&b).is_err());
        assert!(s.push(&a).is_ok());
    }

    #[test]
    fn scaled_and_transpose_match_dense() {
        let mut rng = Rng::new(43);
        for (m, n) in shapes() {
            let (a, da) = dense(&mut rng, m, n);
            let want: Vec<f64> = da.iter().map(|v| -1.5 * v).collect();
            check_against_dense(&ScaledOperator::new(-1.5, &a), &want, &mut rng);
            check_against_dense(&TransposeOperator::new(&a), &dense_transpose(m, n, &da), &mut rng);
        }
        // Sparse through transpose keeps triplets; symmetric storage keeps its lower part.
        let mut t = Triplets::new(2, 3);
        t.push(1, 2, 5.0);
        let sp = SparseOperator::from_triplets(&t).unwrap();
        let tt = TransposeOperator::new(&sp).triplets().unwrap();
        assert_eq!((tt.nrows, tt.ncols, tt.rows[0], tt.cols[0]), (3, 2, 2, 1));
    }

    #[test]
    fn product_matches_dense() {
        let mut rng = Rng::new(44);
        for (m, k) in shapes() {
            for n in [0, 1, 4] {
                let (a, da) = dense(&mut rng, m, k);
                let (b, db) = dense(&mut rng, k, n);
                let p = ProductOperator::new(&a, &b).unwrap();
                check_against_dense(&p, &dense_matmul(m, k, n, &da, &db), &mut rng);
            }
        }
        let a = DenseOperator::from_col_major(2, 3, &[0.0; 6]).unwrap();
        assert!(matches!(
            ProductOperator::new(&a, &a),
            Err(OperatorError::DimensionMismatch { expected: 3, got: 2, .. })
        ));
    }
}
