//! Tiny dense kernels for k×k systems (k = twice the L-BFGS memory): LU with partial pivoting.

/// In-place LU factorization with partial pivoting of a column-major `k × k` matrix.
/// Returns the pivot permutation, or `None` if a pivot is (numerically) zero.
pub fn lu_factor(a: &mut [f64], k: usize) -> Option<Vec<usize>> {
    let mut piv: Vec<usize> = (0..k).collect();
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(f64::MIN_POSITIVE);
    for j in 0..k {
        let p = (j..k).max_by(|&r, &s| a[r + j * k].abs().total_cmp(&a[s + j * k].abs()))?;
        if a[p + j * k].abs() <= 1e-14 * scale {
            return None;
        }
        if p != j {
            piv.swap(p, j);
            for c in 0..k {
                a.swap(p + c * k, j + c * k);
            }
        }
        let d = a[j + j * k];
        for r in j + 1..k {
            a[r + j * k] /= d;
        }
        for c in j + 1..k {
            let f = a[j + c * k];
            if f != 0.0 {
                for r in j + 1..k {
                    a[r + c * k] -= a[r + j * k] * f;
                }
            }
        }
    }
    Some(piv)
}

/// Solve with a factorization from [`lu_factor`], overwriting `b`.
pub fn lu_solve(lu: &[f64], piv: &[usize], k: usize, b: &mut [f64]) {
    let mut x: Vec<f64> = piv.iter().map(|&p| b[p]).collect();
    for j in 0..k {
        for r in j + 1..k {
            x[r] -= lu[r + j * k] * x[j];
        }
    }
    for j in (0..k).rev() {
        x[j] /= lu[j + j * k];
        for r in 0..j {
            x[r] -= lu[r + j * k] * x[j];
        }
    }
    b.copy_from_slice(&x);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_pivoting_system() {
        // [[0, 2], [3, 1]] x = [4, 5]  → x = [1, 2]
        let mut a = vec![0.0, 3.0, 2.0, 1.0];
        let piv = lu_factor(&mut a, 2).unwrap();
        let mut b = vec![4.0, 5.0];
        lu_solve(&a, &piv, 2, &mut b);
        assert!((b[0] - 1.0).abs() < 1e-14 && (b[1] - 2.0).abs() < 1e-14);
        let mut s = vec![1.0, 2.0, 2.0, 4.0];
        assert!(lu_factor(&mut s, 2).is_none());
    }
}
