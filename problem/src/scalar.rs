//! The [`Scalar`] trait: write a function once, evaluate it with `f64` or with complex numbers.
//!
//! The complex instance is what makes complex-step differentiation work: for a real-analytic `f`,
//! `f(x + i h e_j) = f(x) + i h ∂f/∂x_j + O(h²)`, so `Im f(x + i h e_j) / h` is the derivative with
//! no subtractive cancellation (Squire & Trapp 1998; Martins, Sturdza & Alonso, ACM TOMS 29(3),
//! 2003). With `h = 1e-20` the `O(h²)` term is far below `f64` resolution, so the derivative is
//! exact to machine precision.
//!
//! Rules for generic user code (`fn f<T: Scalar>(x: &[T]) -> T`):
//! - constants: `T::from_f64(2.0)` or the mixed operators `x * 2.0`, `x + 1.0` (`f64` on the right);
//! - branches compare real parts: `if x.re() > 0.0 { … }`;
//! - never take `.re()` of an intermediate result and continue computing with it: that drops the
//!   imaginary part and the derivative silently becomes zero.

use core::fmt::Debug;
use core::iter::Sum;
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use num_complex::Complex64;

/// A number type a user function can be written against: `f64` for values, `Complex64` for
/// complex-step derivatives.
///
/// All elementary functions follow `f64`'s naming. For `Complex64` they are the analytic
/// continuations (principal branches), which is what the complex step needs.
pub trait Scalar:
    Copy
    + Debug
    + Send
    + Sync
    + 'static
    + PartialEq
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Add<f64, Output = Self>
    + Sub<f64, Output = Self>
    + Mul<f64, Output = Self>
    + Div<f64, Output = Self>
    + Sum
{
    /// The real constant `v`.
    fn from_f64(v: f64) -> Self;
    /// The real part (the value itself for `f64`). Use it for comparisons and branches only.
    fn re(self) -> f64;
    /// `0`.
    fn zero() -> Self {
        Self::from_f64(0.0)
    }
    /// `1`.
    fn one() -> Self {
        Self::from_f64(1.0)
    }
    /// `eˣ`.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// Base-10 logarithm.
    fn log10(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Cube root (real cube root for `f64`, so negative arguments are allowed there).
    fn cbrt(self) -> Self;
    /// Sine.
    fn sin(self) -> Self;
    /// Cosine.
    fn cos(self) -> Self;
    /// Tangent.
    fn tan(self) -> Self;
    /// Arcsine.
    fn asin(self) -> Self;
    /// Arccosine.
    fn acos(self) -> Self;
    /// Arctangent.
    fn atan(self) -> Self;
    /// Hyperbolic sine.
    fn sinh(self) -> Self;
    /// Hyperbolic cosine.
    fn cosh(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Integer power.
    fn powi(self, n: i32) -> Self;
    /// Real power.
    fn powf(self, p: f64) -> Self;
    /// Power with a `Scalar` exponent, `selfᵉ = exp(e ln self)`.
    fn pow(self, e: Self) -> Self;
    /// `1 / self`.
    fn recip(self) -> Self;
    /// Absolute value. For `Complex64` this is `±z` by the sign of the real part, the analytic
    /// continuation of `|x|` away from `x = 0` that complex-step codes use (Martins et al. 2003,
    /// §3.2); the modulus would destroy the derivative.
    fn abs(self) -> Self;
}

impl Scalar for f64 {
    #[inline]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline]
    fn re(self) -> f64 {
        self
    }
    #[inline]
    fn exp(self) -> Self {
        f64::exp(self)
    }
    #[inline]
    fn ln(self) -> Self {
        f64::ln(self)
    }
    #[inline]
    fn log10(self) -> Self {
        f64::log10(self)
    }
    #[inline]
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    #[inline]
    fn cbrt(self) -> Self {
        f64::cbrt(self)
    }
    #[inline]
    fn sin(self) -> Self {
        f64::sin(self)
    }
    #[inline]
    fn cos(self) -> Self {
        f64::cos(self)
    }
    #[inline]
    fn tan(self) -> Self {
        f64::tan(self)
    }
    #[inline]
    fn asin(self) -> Self {
        f64::asin(self)
    }
    #[inline]
    fn acos(self) -> Self {
        f64::acos(self)
    }
    #[inline]
    fn atan(self) -> Self {
        f64::atan(self)
    }
    #[inline]
    fn sinh(self) -> Self {
        f64::sinh(self)
    }
    #[inline]
    fn cosh(self) -> Self {
        f64::cosh(self)
    }
    #[inline]
    fn tanh(self) -> Self {
        f64::tanh(self)
    }
    #[inline]
    fn powi(self, n: i32) -> Self {
        f64::powi(self, n)
    }
    #[inline]
    fn powf(self, p: f64) -> Self {
        f64::powf(self, p)
    }
    #[inline]
    fn pow(self, e: Self) -> Self {
        f64::powf(self, e)
    }
    #[inline]
    fn recip(self) -> Self {
        f64::recip(self)
    }
    #[inline]
    fn abs(self) -> Self {
        f64::abs(self)
    }
}

/// Whether `z = a + ib` is a complex-step argument: `|b| ≤ 1e-10 max(1, |a|)`, so the first-order
/// expansion `f(a + ib) = f(a) + i b f'(a)` is exact in `f64` (the next term is `O(b²)`, relative
/// size ≤ 1e-20).
///
/// The inverse trigonometric functions need it: num-complex evaluates e.g.
/// `asin z = −i ln(√(1 − z²) + i z)`, where the tiny imaginary part is added to `O(1)` quantities
/// and lost, so the complex step would return a wrong derivative.
#[inline]
fn is_complex_step(z: Complex64) -> bool {
    z.im.abs() <= 1e-10 * z.re.abs().max(1.0)
}

impl Scalar for Complex64 {
    #[inline]
    fn from_f64(v: f64) -> Self {
        Complex64::new(v, 0.0)
    }
    #[inline]
    fn re(self) -> f64 {
        self.re
    }
    #[inline]
    fn exp(self) -> Self {
        Complex64::exp(self)
    }
    #[inline]
    fn ln(self) -> Self {
        Complex64::ln(self)
    }
    #[inline]
    fn log10(self) -> Self {
        Complex64::log10(self)
    }
    #[inline]
    fn sqrt(self) -> Self {
        Complex64::sqrt(self)
    }
    #[inline]
    fn cbrt(self) -> Self {
        // The principal complex cube root of a negative real is not the real cube root; continue
        // the real branch instead so `cbrt(-8 + i h) = -2 + …` agrees with the f64 instance.
        if self.re < 0.0 { -Complex64::cbrt(-self) } else { Complex64::cbrt(self) }
    }
    #[inline]
    fn sin(self) -> Self {
        Complex64::sin(self)
    }
    #[inline]
    fn cos(self) -> Self {
        Complex64::cos(self)
    }
    #[inline]
    fn tan(self) -> Self {
        Complex64::tan(self)
    }
    #[inline]
    fn asin(self) -> Self {
        if is_complex_step(self) {
            Complex64::new(self.re.asin(), self.im / (1.0 - self.re * self.re).sqrt())
        } else {
            Complex64::asin(self)
        }
    }
    #[inline]
    fn acos(self) -> Self {
        if is_complex_step(self) {
            Complex64::new(self.re.acos(), -self.im / (1.0 - self.re * self.re).sqrt())
        } else {
            Complex64::acos(self)
        }
    }
    #[inline]
    fn atan(self) -> Self {
        if is_complex_step(self) {
            Complex64::new(self.re.atan(), self.im / (1.0 + self.re * self.re))
        } else {
            Complex64::atan(self)
        }
    }
    #[inline]
    fn sinh(self) -> Self {
        Complex64::sinh(self)
    }
    #[inline]
    fn cosh(self) -> Self {
        Complex64::cosh(self)
    }
    #[inline]
    fn tanh(self) -> Self {
        // tanh(a + ib) = (sinh 2a + i sin 2b) / (cosh 2a + cos 2b). For |a| large, sinh and cosh
        // overflow to ∞/∞ = NaN although tanh is perfectly finite; divide through by e^{2|a|}.
        let a = self.re;
        if a.abs() > 20.0 {
            let e = (-2.0 * a.abs()).exp();
            let (s, c) = (2.0 * self.im).sin_cos();
            let den = 1.0 + 2.0 * c * e + e * e;
            Complex64::new(a.signum() * (1.0 - e * e) / den, 2.0 * s * e / den)
        } else {
            Complex64::tanh(self)
        }
    }
    #[inline]
    fn powi(self, n: i32) -> Self {
        Complex64::powi(&self, n)
    }
    #[inline]
    fn powf(self, p: f64) -> Self {
        Complex64::powf(self, p)
    }
    #[inline]
    fn pow(self, e: Self) -> Self {
        Complex64::powc(self, e)
    }
    #[inline]
    fn recip(self) -> Self {
        Complex64::inv(&self)
    }
    #[inline]
    fn abs(self) -> Self {
        if self.re < 0.0 { -self } else { self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: f64 = 1e-20;

    /// Derivative of a scalar function at `x` by one complex step.
    fn cs<F: Fn(Complex64) -> Complex64>(f: F, x: f64) -> f64 {
        f(Complex64::new(x, H)).im / H
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-14 * b.abs().max(1.0)
    }

    #[test]
    fn complex_step_of_elementary_functions_matches_calculus() {
        let x = 0.7_f64;
        assert!(close(cs(|z| z.exp(), x), x.exp()));
        assert!(close(cs(Scalar::ln, x), 1.0 / x));
        assert!(close(cs(Scalar::log10, x), 1.0 / (x * std::f64::consts::LN_10)));
        assert!(close(cs(Scalar::sqrt, x), 0.5 / x.sqrt()));
        assert!(close(cs(Scalar::cbrt, -x), (1.0 / 3.0) * x.powf(-2.0 / 3.0)));
        assert!(close(cs(Scalar::sin, x), x.cos()));
        assert!(close(cs(Scalar::cos, x), -x.sin()));
        assert!(close(cs(Scalar::tan, x), 1.0 / (x.cos() * x.cos())));
        assert!(close(cs(Scalar::asin, x), 1.0 / (1.0 - x * x).sqrt()));
        assert!(close(cs(Scalar::acos, x), -1.0 / (1.0 - x * x).sqrt()));
        assert!(close(cs(Scalar::atan, x), 1.0 / (1.0 + x * x)));
        assert!(close(cs(Scalar::sinh, x), x.cosh()));
        assert!(close(cs(Scalar::cosh, x), x.sinh()));
        assert!(close(cs(Scalar::tanh, x), 1.0 - x.tanh().powi(2)));
        assert!(close(cs(|z| Scalar::powi(z, 5), x), 5.0 * x.powi(4)));
        assert!(close(cs(|z| Scalar::powf(z, 2.5), x), 2.5 * x.powf(1.5)));
        assert!(close(cs(|z| Scalar::pow(z, Complex64::from_f64(2.5)), x), 2.5 * x.powf(1.5)));
        assert!(close(cs(Scalar::recip, x), -1.0 / (x * x)));
        assert!(close(cs(Scalar::abs, -x), -1.0));
    }

    #[test]
    fn complex_tanh_is_finite_far_from_zero() {
        let v = Scalar::tanh(Complex64::new(400.0, H));
        assert_eq!(v.re, 1.0);
        assert!(v.im.is_finite() && v.im >= 0.0);
        let w = Scalar::tanh(Complex64::new(-25.0, H));
        assert!(close(w.re, (-25.0f64).tanh()));
        assert!(close(w.im / H, 1.0 - (-25.0f64).tanh().powi(2)));
    }

    #[test]
    fn real_and_complex_instances_agree_on_values() {
        fn g<T: Scalar>(x: T) -> T {
            (x * 2.0 + 1.0).exp() * x.sin() / (x.powi(2) + 1.0).sqrt() - T::one()
        }
        let x = 0.3;
        assert!(close(g(Complex64::new(x, H)).re, g(x)));
    }
}
