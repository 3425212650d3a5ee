//! [`LowRankOperator`]: `A = U C Vᵀ` applied in `O((m + n) k + k²)` without forming `A`.

use ipax_core::{LinearOperator, LowRankParts, operator::scale_output};

use crate::error::{OperatorError, check_dim, checked_len};

/// `A = U C Vᵀ` with `U: n × k`, `C: k × k`, `V: m × k` (all column-major), so `A` is `n × m`.
///
/// When `U` and `V` are the same matrix and `C` is symmetric (checked exactly), the operator is
/// symmetric and exposes [`low_rank`](LinearOperator::low_rank) as `0·I + U C Uᵀ`, ready for
/// Sherman–Morrison–Woodbury. No triplets are offered: the matrix is dense, and assembling it
/// would defeat the purpose of the factorized form.
#[derive(Debug, Clone, PartialEq)]
pub struct LowRankOperator {
    n: usize,
    m: usize,
    k: usize,
    u: Vec<f64>,
    c: Vec<f64>,
    v: Vec<f64>,
    symmetric: bool,
}

impl LowRankOperator {
    /// `U C Vᵀ` from column-major `u` (`n × k`), `c` (`k × k`), `v` (`m × k`).
    pub fn new(n: usize, m: usize, k: usize, u: Vec<f64>, c: Vec<f64>, v: Vec<f64>) -> Result<Self, OperatorError> {
        check_dim("low-rank U length (n·k)", checked_len("low-rank U", n, k)?, u.len())?;
        check_dim("low-rank C length (k·k)", checked_len("low-rank C", k, k)?, c.len())?;
        check_dim("low-rank V length (m·k)", checked_len("low-rank V", m, k)?, v.len())?;
        let symmetric = n == m && u == v && first_asymmetry(k, &c).is_none();
        Ok(LowRankOperator { n, m, k, u, c, v, symmetric })
    }

    /// The symmetric `U C Uᵀ` (`U: n × k`); `C` must be exactly symmetric.
    pub fn symmetric(n: usize, k: usize, u: Vec<f64>, c: Vec<f64>) -> Result<Self, OperatorError> {
        check_dim("low-rank C length (k·k)", checked_len("low-rank C", k, k)?, c.len())?;
        if let Some((row, col)) = first_asymmetry(k, &c) {
            return Err(OperatorError::NotSymmetric { what: "low-rank middle matrix C", row, col });
        }
        Self::new(n, n, k, u.clone(), c, u)
    }

    /// The rank bound `k`.
    pub fn rank(&self) -> usize {
        self.k
    }
}

/// First `(i, j)` with `C_ij != C_ji`, if any.
fn first_asymmetry(k: usize, c: &[f64]) -> Option<(usize, usize)> {
    (0..k).flat_map(|j| (j + 1..k).map(move |i| (i, j))).find(|&(i, j)| c[i + j * k] != c[j + i * k])
}

/// `t = Bᵀ x` for a column-major `rows × k` block `b`.
fn block_t_times(b: &[f64], rows: usize, k: usize, x: &[f64]) -> Vec<f64> {
    (0..k).map(|l| b[l * rows..(l + 1) * rows].iter().zip(x).map(|(bi, xi)| bi * xi).sum()).collect()
}

/// `y ← β y + α B t` for a column-major `rows × k` block `b`.
fn block_times_into(b: &[f64], rows: usize, alpha: f64, t: &[f64], beta: f64, y: &mut [f64]) {
    scale_output(beta, y);
    for (l, tl) in t.iter().enumerate() {
        let a = alpha * tl;
        y.iter_mut().zip(&b[l * rows..(l + 1) * rows]).for_each(|(yi, bi)| *yi += a * bi);
    }
}

/// `C t` (or `Cᵀ t`) for a column-major `k × k` matrix.
fn small_matvec(c: &[f64], k: usize, t: &[f64], transpose: bool) -> Vec<f64> {
    (0..k).map(|i| (0..k).map(|l| if transpose { c[l + i * k] } else { c[i + l * k] } * t[l]).sum()).collect()
}

impl LinearOperator for LowRankOperator {
    fn shape(&self) -> (usize, usize) {
        (self.n, self.m)
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        assert_eq!(x.len(), self.m, "LowRankOperator: x has the wrong length");
        assert_eq!(y.len(), self.n, "LowRankOperator: y has the wrong length");
        let t = small_matvec(&self.c, self.k, &block_t_times(&self.v, self.m, self.k, x), false);
        block_times_into(&self.u, self.n, alpha, &t, beta, y);
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        assert_eq!(x.len(), self.n, "LowRankOperator: x has the wrong length");
        assert_eq!(y.len(), self.m, "LowRankOperator: y has the wrong length");
        // Aᵀ = V Cᵀ Uᵀ.
        let t = small_matvec(&self.c, self.k, &block_t_times(&self.u, self.n, self.k, x), true);
        block_times_into(&self.v, self.m, alpha, &t, beta, y);
    }
    fn is_symmetric(&self) -> bool {
        self.symmetric
    }
    /// `A_ii = Σ_{l,p} U_il C_lp V_ip`, `O(min(n, m) k²)`.
    fn diagonal(&self) -> Option<Vec<f64>> {
        let (n, m, k) = (self.n, self.m, self.k);
        Some(
            (0..n.min(m))
                .map(|i| {
                    let mut s = 0.0;
                    for p in 0..k {
                        let cv: f64 = (0..k).map(|l| self.u[i + l * n] * self.c[l + p * k]).sum();
                        s += cv * self.v[i + p * m];
                    }
                    s
                })
                .collect(),
        )
    }
    fn low_rank(&self) -> Option<LowRankParts> {
        self.symmetric.then(|| LowRankParts { n: self.n, k: self.k, shift: 0.0, w: self.u.clone(), m: self.c.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;

    #[test]
    fn general_matches_dense() {
        let mut rng = Rng::new(21);
        for (n, m) in shapes() {
            for k in [0, 1, 3] {
                let (u, c, v) = (rng.vec(n * k), rng.vec(k * k), rng.vec(m * k));
                let op = LowRankOperator::new(n, m, k, u.clone(), c.clone(), v.clone()).unwrap();
                let dense = dense_matmul(n, k, m, &dense_matmul(n, k, k, &u, &c), &dense_transpose(m, k, &v));
                check_against_dense(&op, &dense, &mut rng);
            }
        }
    }

    #[test]
    fn symmetric_exposes_low_rank() {
        let mut rng = Rng::new(22);
        let (n, k) = (6, 2);
        let u = rng.vec(n * k);
        let c = vec![2.0, -1.0, -1.0, 3.0];
        let op = LowRankOperator::symmetric(n, k, u.clone(), c.clone()).unwrap();
        assert!(op.is_symmetric());
        let lr = op.low_rank().unwrap();
        assert_eq!((lr.shift, lr.k), (0.0, 2));
        let dense = dense_matmul(n, k, n, &dense_matmul(n, k, k, &u, &c), &dense_transpose(n, k, &u));
        check_against_dense(&op, &dense, &mut rng);
        let general = LowRankOperator::new(n, n, k, u.clone(), vec![1.0, 2.0, 0.0, 1.0], u).unwrap();
        assert!(!general.is_symmetric() && general.low_rank().is_none());
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        assert!(matches!(
            LowRankOperator::new(3, 2, 1, vec![0.0; 3], vec![1.0], vec![0.0; 3]),
            Err(OperatorError::DimensionMismatch { expected: 2, got: 3, .. })
        ));
        assert_eq!(
            LowRankOperator::symmetric(2, 2, vec![0.0; 4], vec![1.0, 2.0, 3.0, 1.0]).unwrap_err(),
            OperatorError::NotSymmetric { what: "low-rank middle matrix C", row: 1, col: 0 }
        );
    }
}
