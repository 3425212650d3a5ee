//! A small dense LU with partial pivoting, for the per-block Newton steps and the postsolve
//! stationarity solves (blocks are small: the presolve caps their dimension).

/// `A = P L U` of a row-major `k × k` matrix, factored in place.
#[derive(Debug, Clone)]
pub(crate) struct DenseLu {
    k: usize,
    lu: Vec<f64>,
    perm: Vec<usize>,
}

impl DenseLu {
    /// Factor `a` (row-major, `k × k`). `None` when a pivot is below `1e-13·max|a|` (numerically
    /// singular at this point: the block is not eliminated / its multipliers are not unique).
    pub(crate) fn factor(mut a: Vec<f64>, k: usize) -> Option<Self> {
        debug_assert_eq!(a.len(), k * k);
        let scale = a.iter().fold(0.0f64, |s, v| s.max(v.abs()));
        if k > 0 && !(scale > 0.0 && scale.is_finite()) {
            return None;
        }
        let mut perm: Vec<usize> = (0..k).collect();
        for col in 0..k {
            let (p, piv) = (col..k).map(|r| (r, a[r * k + col].abs())).fold((col, -1.0), |b, c| if c.1 > b.1 { c } else { b });
            if piv <= 1e-13 * scale {
                return None;
            }
            if p != col {
                for j in 0..k {
                    a.swap(p * k + j, col * k + j);
                }
                perm.swap(p, col);
            }
            let d = a[col * k + col];
            for r in col + 1..k {
                let f = a[r * k + col] / d;
                a[r * k + col] = f;
                if f != 0.0 {
                    for j in col + 1..k {
                        a[r * k + j] -= f * a[col * k + j];
                    }
                }
            }
        }
        Some(DenseLu { k, lu: a, perm })
    }

    /// Solve `A x = b` in place.
    pub(crate) fn solve(&self, b: &mut [f64]) {
        let k = self.k;
        let mut x: Vec<f64> = self.perm.iter().map(|&p| b[p]).collect();
        for i in 0..k {
            let s: f64 = (0..i).map(|j| self.lu[i * k + j] * x[j]).sum();
            x[i] -= s;
        }
        for i in (0..k).rev() {
            let s: f64 = (i + 1..k).map(|j| self.lu[i * k + j] * x[j]).sum();
            x[i] = (x[i] - s) / self.lu[i * k + i];
        }
        b.copy_from_slice(&x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_with_pivoting_and_flags_singular() {
        // The zero (0,0) entry needs a row swap.
        let a = vec![0.0, 2.0, 1.0, 1.0, 1.0, 0.0, 3.0, 0.0, 1.0];
        let lu = DenseLu::factor(a.clone(), 3).unwrap();
        let x_true = [1.0, -2.0, 0.5];
        let mut b: Vec<f64> = (0..3).map(|i| (0..3).map(|j| a[i * 3 + j] * x_true[j]).sum()).collect();
        lu.solve(&mut b);
        for i in 0..3 {
            assert!((b[i] - x_true[i]).abs() < 1e-14);
        }
        assert!(DenseLu::factor(vec![1.0, 2.0, 2.0, 4.0], 2).is_none());
        assert!(DenseLu::factor(vec![f64::NAN], 1).is_none());
    }
}
