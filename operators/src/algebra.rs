//! [`OperatorAlgebra`]: method-call syntax for building composites, plus `*` by a scalar on the
//! composite types.
//!
//! Combinators that can fail on shapes (`plus`, `times`) return `Result`; `+` and `*` between
//! operators are deliberately not overloaded, because an operator overload could only report a
//! shape mismatch by panicking, and shapes often come from user input.

use ipax_core::LinearOperator;

use crate::block::BlockOperator;
use crate::composite::{ProductOperator, ScaledOperator, SumOperator, TransposeOperator};
use crate::error::OperatorError;

/// Conveniences for every sized operator (blanket-implemented). Each method consumes `self`;
/// call it on a reference (`(&a).t()`) to borrow instead.
pub trait OperatorAlgebra: LinearOperator + Sized {
    /// `Aᵀ`.
    fn t<'a>(self) -> TransposeOperator<'a>
    where
        Self: 'a,
    {
        TransposeOperator::new(self)
    }
    /// `c · A`.
    fn scaled<'a>(self, c: f64) -> ScaledOperator<'a>
    where
        Self: 'a,
    {
        ScaledOperator::new(c, self)
    }
    /// `A + B` (shapes must match).
    fn plus<'a>(self, other: impl LinearOperator + 'a) -> Result<SumOperator<'a>, OperatorError>
    where
        Self: 'a,
    {
        SumOperator::pair(self, other)
    }
    /// `A B` (inner dimensions must match).
    fn times<'a>(self, other: impl LinearOperator + 'a) -> Result<ProductOperator<'a>, OperatorError>
    where
        Self: 'a,
    {
        ProductOperator::new(self, other)
    }
}

impl<T: LinearOperator> OperatorAlgebra for T {}

macro_rules! scalar_mul {
    ($($ty:ident),*) => {$(
        impl<'a> std::ops::Mul<$ty<'a>> for f64 {
            type Output = ScaledOperator<'a>;
            /// `c * A` is [`ScaledOperator`].
            fn mul(self, rhs: $ty<'a>) -> ScaledOperator<'a> {
                ScaledOperator::new(self, rhs)
            }
        }
        impl<'a> std::ops::Mul<f64> for $ty<'a> {
            type Output = ScaledOperator<'a>;
            /// `A * c` is [`ScaledOperator`].
            fn mul(self, rhs: f64) -> ScaledOperator<'a> {
                ScaledOperator::new(rhs, self)
            }
        }
    )*};
}
scalar_mul!(SumOperator, ScaledOperator, ProductOperator, TransposeOperator, BlockOperator);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use crate::{DenseOperator, DiagonalOperator};
    use ipax_core::LinearOperatorExt;

    #[test]
    fn normal_equations_composite_matches_dense() {
        let mut rng = Rng::new(61);
        for (m, n) in shapes() {
            let da = rng.vec(m * n);
            let a = DenseOperator::from_col_major(m, n, &da).unwrap();
            let d = DiagonalOperator::new(rng.vec(n));
            // N = D + 2 AᵀA − (AᵀA)ᵀ = D + AᵀA.
            let ata = (&a).t().times(&a).unwrap();
            let n_op = (&d).plus(ata.scaled(2.0)).unwrap();
            let n_op = n_op.plus(-1.0 * (&a).t().times(&a).unwrap().t()).unwrap();
            let mut want = dense_matmul(n, m, n, &dense_transpose(m, n, &da), &da);
            for i in 0..n {
                want[i + i * n] += d.values()[i];
            }
            check_against_dense(&n_op, &want, &mut rng);
            let doubled = n_op * 2.0;
            let w2: Vec<f64> = want.iter().map(|v| 2.0 * v).collect();
            assert_close(&doubled.to_dense(), &w2, 1e-12, "scalar mul");
        }
    }

    #[test]
    fn shape_errors_surface_as_results() {
        let a = DenseOperator::from_col_major(2, 3, &[0.0; 6]).unwrap();
        assert!((&a).plus(&a).is_ok());
        assert!((&a).plus((&a).t()).is_err());
        assert!((&a).times(&a).is_err());
        assert!((&a).times((&a).t()).is_ok());
    }
}
