//! Vector operations over slices: what the IPM needs, nothing more.

/// `xᵀy`.
#[inline]
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    debug_assert_eq!(x.len(), y.len());
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// `y ← y + a x`.
#[inline]
pub fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    debug_assert_eq!(x.len(), y.len());
    y.iter_mut().zip(x).for_each(|(yi, xi)| *yi += a * xi);
}

/// `z ← x + a y`.
#[inline]
pub fn add_scaled(x: &[f64], a: f64, y: &[f64], z: &mut [f64]) {
    for i in 0..z.len() {
        z[i] = x[i] + a * y[i];
    }
}

/// `x ← a x`.
#[inline]
pub fn scale(a: f64, x: &mut [f64]) {
    x.iter_mut().for_each(|v| *v *= a);
}

/// Euclidean norm.
#[inline]
pub fn norm2(x: &[f64]) -> f64 {
    dot(x, x).sqrt()
}

/// Max-norm (0 for an empty vector).
#[inline]
pub fn norm_inf(x: &[f64]) -> f64 {
    x.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// ℓ₁ norm.
#[inline]
pub fn norm1(x: &[f64]) -> f64 {
    x.iter().map(|v| v.abs()).sum()
}

/// Whether every entry is finite.
#[inline]
pub fn all_finite(x: &[f64]) -> bool {
    x.iter().all(|v| v.is_finite())
}

/// Element-wise `z_i = min(x_i, y_i)`.
pub fn min_elementwise(x: &[f64], y: &[f64], z: &mut [f64]) {
    for i in 0..z.len() {
        z[i] = x[i].min(y[i]);
    }
}

/// Element-wise `z_i = max(x_i, y_i)`.
pub fn max_elementwise(x: &[f64], y: &[f64], z: &mut [f64]) {
    for i in 0..z.len() {
        z[i] = x[i].max(y[i]);
    }
}

/// Fraction-to-the-boundary rule (Wächter & Biegler 2006, eq. 15): the largest `α ∈ (0, 1]` with
/// `v + α dv ≥ (1 − τ) v` for a vector `v > 0`.
pub fn fraction_to_boundary(v: &[f64], dv: &[f64], tau: f64) -> f64 {
    let mut alpha: f64 = 1.0;
    for (vi, di) in v.iter().zip(dv) {
        if *di < 0.0 {
            alpha = alpha.min(-tau * vi / di);
        }
    }
    alpha
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_ops() {
        let x = [1.0, -2.0, 2.0];
        assert_eq!(dot(&x, &x), 9.0);
        assert_eq!(norm2(&x), 3.0);
        assert_eq!(norm_inf(&x), 2.0);
        assert_eq!(norm1(&x), 5.0);
        let mut y = [1.0, 1.0, 1.0];
        axpy(2.0, &x, &mut y);
        assert_eq!(y, [3.0, -3.0, 5.0]);
        assert_eq!(norm_inf(&[]), 0.0);
    }

    #[test]
    fn fraction_to_boundary_keeps_positivity() {
        let v = [1.0, 2.0];
        let dv = [-2.0, 1.0];
        let a = fraction_to_boundary(&v, &dv, 0.99);
        assert!((a - 0.495).abs() < 1e-15);
        assert!(v[0] + a * dv[0] >= 0.01 * v[0] - 1e-15);
        assert_eq!(fraction_to_boundary(&v, &[1.0, 1.0], 0.99), 1.0);
    }
}
