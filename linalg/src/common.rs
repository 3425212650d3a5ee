//! Small helpers shared by the solvers: argument checks, dense assembly, pivot classification.

use faer::Mat;
use ipax_core::{Inertia, LinSolveError, LinearOperator, LinearOperatorExt, Triplets};

/// The order `n` of a square operator, or a typed error.
pub(crate) fn square_dim(op: &dyn LinearOperator) -> Result<usize, LinSolveError> {
    let (m, n) = op.shape();
    if m != n {
        return Err(LinSolveError::DimensionMismatch { what: "operator columns (square matrix required)", expected: m, got: n });
    }
    Ok(n)
}

/// `Ok` when `len == n`, else a `DimensionMismatch` naming `what`.
pub(crate) fn check_len(what: &'static str, n: usize, len: usize) -> Result<(), LinSolveError> {
    if n != len {
        return Err(LinSolveError::DimensionMismatch { what, expected: n, got: len });
    }
    Ok(())
}

/// `Ok` when every value is finite, else `NonFinite(what)`.
pub(crate) fn check_finite(what: &'static str, v: &[f64]) -> Result<(), LinSolveError> {
    if v.iter().all(|x| x.is_finite()) { Ok(()) } else { Err(LinSolveError::NonFinite(what)) }
}

/// Validate triplets against an `n × n` operator: right shape, coordinates in range, finite values.
pub(crate) fn check_triplets(t: &Triplets, n: usize) -> Result<(), LinSolveError> {
    check_len("triplet rows", n, t.nrows)?;
    check_len("triplet columns", n, t.ncols)?;
    if t.rows.len() != t.vals.len() || t.cols.len() != t.vals.len() {
        return Err(LinSolveError::DimensionMismatch { what: "triplet index arrays", expected: t.vals.len(), got: t.rows.len().min(t.cols.len()) });
    }
    if let Some((_, r, c)) = t.out_of_range() {
        return Err(LinSolveError::DimensionMismatch { what: "triplet coordinate (must be < n)", expected: n, got: r.max(c) });
    }
    check_finite("matrix", &t.vals)
}

/// Assemble `op + shift·I` as a dense matrix: from `triplets()` when the operator has them (exact
/// and `O(nnz)`), otherwise by applying it to the unit vectors (`n` applications).
pub(crate) fn assemble_dense(op: &dyn LinearOperator, shift: f64) -> Result<Mat<f64>, LinSolveError> {
    let n = square_dim(op)?;
    if !shift.is_finite() {
        return Err(LinSolveError::NonFinite("regularization shift"));
    }
    let mut a = Mat::<f64>::zeros(n, n);
    if let Some(t) = op.triplets() {
        check_triplets(&t, n)?;
        for k in 0..t.len() {
            a[(t.rows[k], t.cols[k])] += t.vals[k];
        }
    } else {
        let d = op.to_dense();
        check_finite("matrix", &d)?;
        for j in 0..n {
            for i in 0..n {
                a[(i, j)] = d[i + j * n];
            }
        }
    }
    for i in 0..n {
        a[(i, i)] += shift;
    }
    Ok(a)
}

/// Largest absolute entry of a dense matrix (0 for an empty one).
pub(crate) fn max_abs(a: &Mat<f64>) -> f64 {
    let mut m = 0.0f64;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            m = m.max(a[(i, j)].abs());
        }
    }
    m
}

/// Largest absolute entry of each row of a dense (symmetric) matrix.
pub(crate) fn row_max_abs(a: &Mat<f64>) -> Vec<f64> {
    let mut m = vec![0.0f64; a.nrows()];
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            m[i] = m[i].max(a[(i, j)].abs());
        }
    }
    m
}

/// Threshold below which a pivot counts as zero: `n · ε · max|A|`, the backward-error scale of a
/// stable symmetric factorization (Higham, *Accuracy and Stability of Numerical Algorithms*, §11.1).
pub(crate) fn zero_pivot_tol(n: usize, max_abs_entry: f64) -> f64 {
    (n.max(1) as f64) * f64::EPSILON * max_abs_entry
}

/// Inertia of a block-diagonal `B` (1×1 and symmetric 2×2 blocks) and the factor-order position of
/// the first (numerically) zero eigenvalue, if any.
///
/// `diag(k)` is `B_kk`; `subdiag(k)` is `B_{k+1,k}`, nonzero exactly when `(k, k+1)` is a 2×2
/// block. By Sylvester's law of inertia the result is the inertia of `A = P L B Lᵀ Pᵀ`.
pub(crate) fn block_inertia(
    n: usize,
    diag: impl Fn(usize) -> f64,
    subdiag: impl Fn(usize) -> f64,
    tol: impl Fn(usize) -> f64,
) -> (Inertia, Option<usize>) {
    let mut inertia = Inertia::default();
    let mut first_zero = None;
    let mut classify = |v: f64, k: usize, inertia: &mut Inertia| {
        if !v.is_finite() || v.abs() <= tol(k) {
            inertia.zero += 1;
            first_zero.get_or_insert(k);
        } else if v > 0.0 {
            inertia.positive += 1;
        } else {
            inertia.negative += 1;
        }
    };
    let mut k = 0;
    while k < n {
        let b = if k + 1 < n { subdiag(k) } else { 0.0 };
        if b != 0.0 {
            // Eigenvalues of [[a, b], [b, c]]: the larger one from the closed form, the smaller
            // one as det / λ_big to avoid cancellation.
            let (a, c) = (diag(k), diag(k + 1));
            let mean = 0.5 * (a + c);
            let rad = (0.5 * (a - c)).hypot(b);
            let big = if mean >= 0.0 { mean + rad } else { mean - rad };
            let small = if big != 0.0 { (a * c - b * b) / big } else { 0.0 };
            classify(big, k, &mut inertia);
            classify(small, k + 1, &mut inertia);
            k += 2;
        } else {
            classify(diag(k), k, &mut inertia);
            k += 1;
        }
    }
    (inertia, first_zero)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_inertia_counts_two_by_two_blocks() {
        // Blocks: [3], [[0, 2], [2, 0]] (eigenvalues ±2), [-1], [1e-20] (zero).
        let d = [3.0, 0.0, 0.0, -1.0, 1e-20];
        let s = [0.0, 2.0, 0.0, 0.0, 0.0];
        let (inertia, zero) = block_inertia(5, |k| d[k], |k| s[k], |_| 1e-14);
        assert_eq!(inertia, Inertia { positive: 2, negative: 2, zero: 1 });
        assert_eq!(zero, Some(4));
    }

    #[test]
    fn block_inertia_detects_singular_two_by_two_block() {
        // [[1, 1], [1, 1]] has eigenvalues 2 and 0.
        let (inertia, zero) = block_inertia(2, |_| 1.0, |k| if k == 0 { 1.0 } else { 0.0 }, |_| 1e-14);
        assert_eq!(inertia, Inertia { positive: 1, negative: 0, zero: 1 });
        assert_eq!(zero, Some(1));
    }
}
