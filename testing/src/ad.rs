//! Hyper-dual numbers: exact first and second derivatives of small test functions.
//!
//! A hyper-dual number `a + b ε₁ + c ε₂ + d ε₁ε₂` with `ε₁² = ε₂² = 0` (but `ε₁ε₂ ≠ 0`) carries, for
//! a seed `x + e_i ε₁ + e_j ε₂`, the value `f(x)`, `∂f/∂x_i`, `∂f/∂x_j` and `∂²f/∂x_i∂x_j` in its four
//! parts, free of truncation error (Fike & Alonso, "The development of hyper-dual numbers for exact
//! second-derivative calculations", AIAA 2011-886). Every small oracle problem is written once over
//! [`HD`]; its gradient, Jacobian and Hessian of the Lagrangian then follow exactly, which keeps 60+
//! problem definitions short and removes hand-derived Hessians as a source of error.
//!
//! For a scalar function `g`, `g(a + bε₁ + cε₂ + dε₁ε₂) = g(a) + g'(a) b ε₁ + g'(a) c ε₂ +
//! (g'(a) d + g''(a) b c) ε₁ε₂` (the second-order Taylor expansion, exact because higher powers vanish).

use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// A hyper-dual number `a + b ε₁ + c ε₂ + d ε₁ε₂`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct HD {
    /// Real part (the function value).
    pub a: f64,
    /// ε₁ part (first directional derivative along the ε₁ seed).
    pub b: f64,
    /// ε₂ part (first directional derivative along the ε₂ seed).
    pub c: f64,
    /// ε₁ε₂ part (the mixed second derivative).
    pub d: f64,
}

impl HD {
    /// A constant (all derivative parts zero).
    #[inline]
    pub const fn cst(a: f64) -> HD {
        HD { a, b: 0.0, c: 0.0, d: 0.0 }
    }

    /// Apply a scalar function given its value, first and second derivative at `self.a`.
    #[inline]
    fn chain(self, g: f64, g1: f64, g2: f64) -> HD {
        HD { a: g, b: g1 * self.b, c: g1 * self.c, d: g1 * self.d + g2 * self.b * self.c }
    }

    /// `self²`.
    #[inline]
    pub fn sq(self) -> HD {
        self * self
    }
    /// Integer power (by repeated multiplication, so it is exact at `a = 0` too).
    pub fn powi(self, k: i32) -> HD {
        if k < 0 {
            return HD::cst(1.0) / self.powi(-k);
        }
        let mut r = HD::cst(1.0);
        for _ in 0..k {
            r *= self;
        }
        r
    }
    /// Real power `self^p` (requires `a > 0` unless `p` is a non-negative integer; use [`powi`](Self::powi) then).
    pub fn powf(self, p: f64) -> HD {
        let a = self.a;
        self.chain(a.powf(p), p * a.powf(p - 1.0), p * (p - 1.0) * a.powf(p - 2.0))
    }
    /// Square root.
    pub fn sqrt(self) -> HD {
        let s = self.a.sqrt();
        self.chain(s, 0.5 / s, -0.25 / (s * self.a))
    }
    /// Exponential.
    pub fn exp(self) -> HD {
        let e = self.a.exp();
        self.chain(e, e, e)
    }
    /// Natural logarithm.
    pub fn ln(self) -> HD {
        let a = self.a;
        self.chain(a.ln(), 1.0 / a, -1.0 / (a * a))
    }
    /// Sine.
    pub fn sin(self) -> HD {
        let (s, c) = self.a.sin_cos();
        self.chain(s, c, -s)
    }
    /// Cosine.
    pub fn cos(self) -> HD {
        let (s, c) = self.a.sin_cos();
        self.chain(c, -s, -c)
    }
    /// Arc tangent.
    pub fn atan(self) -> HD {
        let a = self.a;
        let q = 1.0 / (1.0 + a * a);
        self.chain(a.atan(), q, -2.0 * a * q * q)
    }
}

impl From<f64> for HD {
    fn from(a: f64) -> HD {
        HD::cst(a)
    }
}

impl Add for HD {
    type Output = HD;
    #[inline]
    fn add(self, o: HD) -> HD {
        HD { a: self.a + o.a, b: self.b + o.b, c: self.c + o.c, d: self.d + o.d }
    }
}
impl Sub for HD {
    type Output = HD;
    #[inline]
    fn sub(self, o: HD) -> HD {
        HD { a: self.a - o.a, b: self.b - o.b, c: self.c - o.c, d: self.d - o.d }
    }
}
impl Mul for HD {
    type Output = HD;
    #[inline]
    fn mul(self, o: HD) -> HD {
        HD {
            a: self.a * o.a,
            b: self.a * o.b + self.b * o.a,
            c: self.a * o.c + self.c * o.a,
            d: self.a * o.d + self.b * o.c + self.c * o.b + self.d * o.a,
        }
    }
}
impl Div for HD {
    type Output = HD;
    #[inline]
    #[allow(clippy::suspicious_arithmetic_impl)] // division is multiplication by the reciprocal
    fn div(self, o: HD) -> HD {
        let a = o.a;
        self * o.chain(1.0 / a, -1.0 / (a * a), 2.0 / (a * a * a))
    }
}
impl Neg for HD {
    type Output = HD;
    #[inline]
    fn neg(self) -> HD {
        HD { a: -self.a, b: -self.b, c: -self.c, d: -self.d }
    }
}

/// Mixed arithmetic with `f64` on either side, so formulas read like the papers.
macro_rules! mixed {
    ($tr:ident, $m:ident) => {
        impl $tr<f64> for HD {
            type Output = HD;
            #[inline]
            fn $m(self, o: f64) -> HD {
                $tr::$m(self, HD::cst(o))
            }
        }
        impl $tr<HD> for f64 {
            type Output = HD;
            #[inline]
            fn $m(self, o: HD) -> HD {
                $tr::$m(HD::cst(self), o)
            }
        }
    };
}
mixed!(Add, add);
mixed!(Sub, sub);
mixed!(Mul, mul);
mixed!(Div, div);

impl AddAssign for HD {
    fn add_assign(&mut self, o: HD) {
        *self = *self + o;
    }
}
impl SubAssign for HD {
    fn sub_assign(&mut self, o: HD) {
        *self = *self - o;
    }
}
impl MulAssign for HD {
    fn mul_assign(&mut self, o: HD) {
        *self = *self * o;
    }
}
impl AddAssign<f64> for HD {
    fn add_assign(&mut self, o: f64) {
        self.a += o;
    }
}

impl std::iter::Sum for HD {
    fn sum<I: Iterator<Item = HD>>(it: I) -> HD {
        it.fold(HD::cst(0.0), |s, v| s + v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seed `x` along ε₁ and ε₂ (both directions `1`), so `d` holds `g''(x)`.
    fn seed(x: f64) -> HD {
        HD { a: x, b: 1.0, c: 1.0, d: 0.0 }
    }

    #[test]
    fn elementary_functions_have_exact_first_and_second_derivatives() {
        let x: f64 = 0.7;
        type Case = (fn(HD) -> HD, f64, f64, f64);
        let cases: [Case; 8] = [
            (|v| v.exp(), x.exp(), x.exp(), x.exp()),
            (|v| v.ln(), x.ln(), 1.0 / x, -1.0 / (x * x)),
            (|v| v.sin(), x.sin(), x.cos(), -x.sin()),
            (|v| v.cos(), x.cos(), -x.sin(), -x.cos()),
            (|v| v.sqrt(), x.sqrt(), 0.5 / x.sqrt(), -0.25 * x.powf(-1.5)),
            (|v| v.powf(2.5), x.powf(2.5), 2.5 * x.powf(1.5), 3.75 * x.powf(0.5)),
            (|v| v.atan(), x.atan(), 1.0 / (1.0 + x * x), -2.0 * x / (1.0 + x * x).powi(2)),
            (|v| 1.0 / v.powi(3), x.powi(-3), -3.0 * x.powi(-4), 12.0 * x.powi(-5)),
        ];
        for (k, (g, v, d1, d2)) in cases.iter().enumerate() {
            let r = g(seed(x));
            assert!((r.a - v).abs() < 1e-14, "case {k} value");
            assert!((r.b - d1).abs() < 1e-13, "case {k} first derivative");
            assert!((r.c - d1).abs() < 1e-13, "case {k} first derivative (ε₂)");
            assert!((r.d - d2).abs() < 1e-12, "case {k} second derivative {} vs {d2}", r.d);
        }
    }

    #[test]
    fn mixed_partial_of_a_product() {
        // f(x, y) = x² y / (1 + y): ∂²f/∂x∂y = 2x / (1 + y)².
        let (x, y) = (1.3, 0.4);
        let xs = HD { a: x, b: 1.0, c: 0.0, d: 0.0 };
        let ys = HD { a: y, b: 0.0, c: 1.0, d: 0.0 };
        let f = xs * xs * ys / (1.0 + ys);
        assert!((f.d - 2.0 * x / (1.0 + y).powi(2)).abs() < 1e-14);
        assert!((f.b - 2.0 * x * y / (1.0 + y)).abs() < 1e-14);
    }
}
