//! Diagonal-structured operators: [`DiagonalOperator`], [`IdentityOperator`] (optionally scaled)
//! and [`ZeroOperator`].
//!
//! All three expose their entries as triplets and as a CSC view whose pattern depends only on the
//! dimension (every diagonal position is stored, even when its value is zero), so KKT assemblers
//! can cache a scatter map across iterations.

use ipax_core::{CscRef, CscStorage, LinearOperator, LowRankParts, Triplets, operator::scale_output};

/// `col_ptr = row_idx = 0..=n` style index arrays for a square diagonal pattern.
fn diagonal_pattern(n: usize) -> (Vec<usize>, Vec<usize>) {
    ((0..=n).collect(), (0..n).collect())
}

/// `D = diag(d)`, square `n × n`.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagonalOperator {
    d: Vec<f64>,
    col_ptr: Vec<usize>,
    row_idx: Vec<usize>,
}

impl DiagonalOperator {
    /// `diag(d)`.
    pub fn new(d: Vec<f64>) -> Self {
        let (col_ptr, row_idx) = diagonal_pattern(d.len());
        DiagonalOperator { d, col_ptr, row_idx }
    }
    /// The diagonal entries.
    pub fn values(&self) -> &[f64] {
        &self.d
    }
    /// Mutable access to the entries (the pattern cannot change: the length is fixed).
    pub fn values_mut(&mut self) -> &mut [f64] {
        &mut self.d
    }
}

impl LinearOperator for DiagonalOperator {
    fn shape(&self) -> (usize, usize) {
        (self.d.len(), self.d.len())
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        assert_eq!(x.len(), self.d.len(), "DiagonalOperator: x has the wrong length");
        assert_eq!(y.len(), self.d.len(), "DiagonalOperator: y has the wrong length");
        // β = 0 must overwrite (NaN in y must not propagate), hence the explicit branch.
        if beta == 0.0 {
            for ((yi, di), xi) in y.iter_mut().zip(&self.d).zip(x) {
                *yi = alpha * di * xi;
            }
        } else {
            for ((yi, di), xi) in y.iter_mut().zip(&self.d).zip(x) {
                *yi = alpha * di * xi + beta * *yi;
            }
        }
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        self.apply(alpha, x, beta, y)
    }
    fn is_symmetric(&self) -> bool {
        true
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        Some(self.d.clone())
    }
    fn triplets(&self) -> Option<Triplets> {
        let n = self.d.len();
        Some(Triplets {
            nrows: n,
            ncols: n,
            rows: self.row_idx.clone(),
            cols: self.row_idx.clone(),
            vals: self.d.clone(),
        })
    }
    fn lower_triplets(&self) -> Option<Triplets> {
        self.triplets()
    }
    fn csc(&self) -> Option<CscRef<'_>> {
        let n = self.d.len();
        Some(CscRef {
            nrows: n,
            ncols: n,
            col_ptr: &self.col_ptr,
            row_idx: &self.row_idx,
            values: &self.d,
            storage: CscStorage::General,
        })
    }
}

/// `s·I` of dimension `n` (`s = 1` for the plain identity).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdentityOperator {
    n: usize,
    scale: f64,
}

impl IdentityOperator {
    /// The `n × n` identity.
    pub fn new(n: usize) -> Self {
        IdentityOperator { n, scale: 1.0 }
    }
    /// `scale · I`.
    pub fn scaled(n: usize, scale: f64) -> Self {
        IdentityOperator { n, scale }
    }
    /// The multiple of the identity.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

impl LinearOperator for IdentityOperator {
    fn shape(&self) -> (usize, usize) {
        (self.n, self.n)
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        assert_eq!(x.len(), self.n, "IdentityOperator: x has the wrong length");
        assert_eq!(y.len(), self.n, "IdentityOperator: y has the wrong length");
        let a = alpha * self.scale;
        if beta == 0.0 {
            y.iter_mut().zip(x).for_each(|(yi, xi)| *yi = a * xi);
        } else {
            y.iter_mut().zip(x).for_each(|(yi, xi)| *yi = a * xi + beta * *yi);
        }
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        self.apply(alpha, x, beta, y)
    }
    fn is_symmetric(&self) -> bool {
        true
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        Some(vec![self.scale; self.n])
    }
    fn triplets(&self) -> Option<Triplets> {
        let idx: Vec<usize> = (0..self.n).collect();
        Some(Triplets { nrows: self.n, ncols: self.n, rows: idx.clone(), cols: idx, vals: vec![self.scale; self.n] })
    }
    fn lower_triplets(&self) -> Option<Triplets> {
        self.triplets()
    }
    /// `s·I` is the rank-0 case of `shift·I + W M Wᵀ`.
    fn low_rank(&self) -> Option<LowRankParts> {
        Some(LowRankParts { n: self.n, k: 0, shift: self.scale, w: Vec::new(), m: Vec::new() })
    }
}

/// The `m × n` zero map.
#[derive(Debug, Clone, PartialEq)]
pub struct ZeroOperator {
    nrows: usize,
    ncols: usize,
    col_ptr: Vec<usize>,
}

impl ZeroOperator {
    /// The zero `nrows × ncols` operator.
    pub fn new(nrows: usize, ncols: usize) -> Self {
        ZeroOperator { nrows, ncols, col_ptr: vec![0; ncols + 1] }
    }
}

impl LinearOperator for ZeroOperator {
    fn shape(&self) -> (usize, usize) {
        (self.nrows, self.ncols)
    }
    fn apply(&self, _alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        assert_eq!(x.len(), self.ncols, "ZeroOperator: x has the wrong length");
        assert_eq!(y.len(), self.nrows, "ZeroOperator: y has the wrong length");
        scale_output(beta, y);
    }
    fn apply_transpose(&self, _alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        assert_eq!(x.len(), self.nrows, "ZeroOperator: x has the wrong length");
        assert_eq!(y.len(), self.ncols, "ZeroOperator: y has the wrong length");
        scale_output(beta, y);
    }
    fn is_symmetric(&self) -> bool {
        self.nrows == self.ncols
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        Some(vec![0.0; self.nrows.min(self.ncols)])
    }
    fn triplets(&self) -> Option<Triplets> {
        Some(Triplets::new(self.nrows, self.ncols))
    }
    fn csc(&self) -> Option<CscRef<'_>> {
        Some(CscRef {
            nrows: self.nrows,
            ncols: self.ncols,
            col_ptr: &self.col_ptr,
            row_idx: &[],
            values: &[],
            storage: CscStorage::General,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;

    fn dense_diag(d: &[f64]) -> Vec<f64> {
        let n = d.len();
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            a[i + i * n] = d[i];
        }
        a
    }

    #[test]
    fn diagonal_matches_dense() {
        let mut rng = Rng::new(3);
        for n in [0, 1, 4, 9] {
            let d = rng.vec(n);
            check_against_dense(&DiagonalOperator::new(d.clone()), &dense_diag(&d), &mut rng);
        }
    }

    #[test]
    fn identity_matches_dense() {
        let mut rng = Rng::new(4);
        for n in [0, 1, 5] {
            check_against_dense(&IdentityOperator::new(n), &dense_diag(&vec![1.0; n]), &mut rng);
            check_against_dense(&IdentityOperator::scaled(n, -2.5), &dense_diag(&vec![-2.5; n]), &mut rng);
        }
    }

    #[test]
    fn zero_matches_dense() {
        let mut rng = Rng::new(5);
        for (m, n) in shapes() {
            let z = ZeroOperator::new(m, n);
            assert_eq!(z.is_symmetric(), m == n);
            check_against_dense(&z, &vec![0.0; m * n], &mut rng);
        }
    }

    #[test]
    fn diagonal_pattern_keeps_zero_values() {
        let d = DiagonalOperator::new(vec![0.0, 2.0, 0.0]);
        let t = d.triplets().unwrap();
        assert_eq!(t.rows, vec![0, 1, 2]);
        assert_eq!(d.csc().unwrap().col_ptr, &[0, 1, 2, 3]);
    }
}
