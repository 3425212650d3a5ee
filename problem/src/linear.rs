//! [`LinearProblem`]: `min cᵀx + c₀  s.t.  c_L ≤ Ax ≤ c_U,  x_L ≤ x ≤ x_U` — a
//! [`QuadraticProblem`] with `Q = 0`, kept as its own type so the intent (and the absence of any
//! quadratic term) is explicit in user code.

use ipax_core::{CscMatrix, EvalError, LinearOperator, Problem};

use crate::error::ProblemError;
use crate::quadratic::{QuadraticProblem, QuadraticProblemBuilder};

/// A linear program with exact (constant) derivatives. The Hessian of the Lagrangian is the zero
/// matrix, reported as an (empty) exact Hessian so the IPM does not fall back to L-BFGS.
///
/// ```
/// use ipax_core::Problem;
/// use ipax_problem::LinearProblem;
/// // min −x0 − x1  s.t.  x0 + 2 x1 ≤ 4,  x ≥ 0
/// let lp = LinearProblem::builder(vec![-1.0, -1.0])
///     .constraints(vec![0, 0], vec![0, 1], vec![1.0, 2.0], vec![f64::NEG_INFINITY], vec![4.0])
///     .bounds(vec![0.0, 0.0], vec![f64::INFINITY; 2])
///     .build()
///     .unwrap();
/// assert_eq!(lp.objective(&[4.0, 0.0]).unwrap(), -4.0);
/// ```
#[derive(Debug, Clone)]
pub struct LinearProblem {
    inner: QuadraticProblem,
}

/// Builder for [`LinearProblem`].
#[derive(Debug, Clone)]
pub struct LinearProblemBuilder {
    inner: QuadraticProblemBuilder,
}

impl LinearProblem {
    /// Start with the cost vector `c`; its length sets `n`.
    pub fn builder(c: impl Into<Vec<f64>>) -> LinearProblemBuilder {
        LinearProblemBuilder { inner: QuadraticProblem::builder(c).name("linear-problem") }
    }

    /// The constraint matrix `A`.
    pub fn constraint_matrix(&self) -> &CscMatrix {
        self.inner.constraint_matrix()
    }

    /// The cost vector `c`.
    pub fn cost(&self) -> &[f64] {
        self.inner.linear_term()
    }
}

impl LinearProblemBuilder {
    /// Linear constraints `lower ≤ A x ≤ upper`, `A` as triplets (duplicates summed).
    pub fn constraints(
        self,
        rows: Vec<usize>,
        cols: Vec<usize>,
        vals: Vec<f64>,
        lower: impl Into<Vec<f64>>,
        upper: impl Into<Vec<f64>>,
    ) -> Self {
        LinearProblemBuilder { inner: self.inner.constraints(rows, cols, vals, lower, upper) }
    }

    /// Variable bounds (±∞ allowed; default: free).
    pub fn bounds(self, lower: impl Into<Vec<f64>>, upper: impl Into<Vec<f64>>) -> Self {
        LinearProblemBuilder { inner: self.inner.bounds(lower, upper) }
    }

    /// Starting point (default: the origin projected onto the bounds).
    pub fn initial_point(self, x0: impl Into<Vec<f64>>) -> Self {
        LinearProblemBuilder { inner: self.inner.initial_point(x0) }
    }

    /// Constant term `c₀`.
    pub fn offset(self, c0: f64) -> Self {
        LinearProblemBuilder { inner: self.inner.offset(c0) }
    }

    /// A name for logs.
    pub fn name(self, name: impl Into<String>) -> Self {
        LinearProblemBuilder { inner: self.inner.name(name) }
    }

    /// Validate and assemble.
    pub fn build(self) -> Result<LinearProblem, ProblemError> {
        Ok(LinearProblem { inner: self.inner.build()? })
    }
}

impl Problem for LinearProblem {
    fn num_variables(&self) -> usize {
        self.inner.num_variables()
    }
    fn num_constraints(&self) -> usize {
        self.inner.num_constraints()
    }
    fn variable_bounds(&self, lower: &mut [f64], upper: &mut [f64]) {
        self.inner.variable_bounds(lower, upper)
    }
    fn constraint_bounds(&self, lower: &mut [f64], upper: &mut [f64]) {
        self.inner.constraint_bounds(lower, upper)
    }
    fn initial_point(&self, x0: &mut [f64]) {
        self.inner.initial_point(x0)
    }
    fn objective(&self, x: &[f64]) -> Result<f64, EvalError> {
        self.inner.objective(x)
    }
    fn gradient(&self, x: &[f64], grad: &mut [f64]) -> Result<(), EvalError> {
        self.inner.gradient(x, grad)
    }
    fn constraints(&self, x: &[f64], c: &mut [f64]) -> Result<(), EvalError> {
        self.inner.constraints(x, c)
    }
    fn jacobian(&self, x: &[f64]) -> Result<Box<dyn LinearOperator + '_>, EvalError> {
        self.inner.jacobian(x)
    }
    fn has_hessian(&self) -> bool {
        true
    }
    fn hessian(
        &self,
        x: &[f64],
        obj_factor: f64,
        lambda: &[f64],
    ) -> Result<Option<Box<dyn LinearOperator + '_>>, EvalError> {
        self.inner.hessian(x, obj_factor, lambda)
    }
    fn name(&self) -> String {
        self.inner.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipax_core::LinearOperatorExt;

    #[test]
    fn linear_problem_has_constant_exact_derivatives() {
        let lp = LinearProblem::builder(vec![2.0, -1.0, 0.0])
            .constraints(vec![0, 0, 1, 1], vec![0, 1, 1, 2], vec![1.0, 1.0, 3.0, -2.0], vec![0.0, 1.0], vec![0.0, 5.0])
            .bounds(vec![0.0; 3], vec![10.0; 3])
            .initial_point(vec![1.0, 2.0, 3.0])
            .offset(1.0)
            .build()
            .unwrap();
        let x = [1.0, 2.0, 3.0];
        assert_eq!(lp.objective(&x).unwrap(), 2.0 - 2.0 + 1.0);
        let mut g = [0.0; 3];
        lp.gradient(&x, &mut g).unwrap();
        assert_eq!(g, [2.0, -1.0, 0.0]);
        let mut c = [0.0; 2];
        lp.constraints(&x, &mut c).unwrap();
        assert_eq!(c, [3.0, 0.0]);
        assert_eq!(lp.jacobian(&x).unwrap().to_dense(), vec![1.0, 0.0, 1.0, 3.0, 0.0, -2.0]);
        assert!(lp.has_hessian());
        let h = lp.hessian(&x, 1.0, &[1.0, 1.0]).unwrap().unwrap();
        assert_eq!(h.shape(), (3, 3));
        assert!(h.to_dense().iter().all(|v| *v == 0.0));
        assert_eq!(lp.cost(), &[2.0, -1.0, 0.0]);
        assert_eq!(lp.constraint_matrix().nnz(), 4);
    }

    #[test]
    fn linear_problem_validation_names_the_offender() {
        let e = LinearProblem::builder(vec![1.0, 1.0])
            .constraints(vec![0], vec![3], vec![1.0], vec![0.0], vec![1.0])
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("entry 0 at (0, 3)"), "{e}");
        let e = LinearProblem::builder(vec![1.0])
            .constraints(vec![0], vec![0], vec![1.0], vec![2.0], vec![1.0])
            .build()
            .unwrap_err();
        assert_eq!(e, ProblemError::InconsistentBounds { what: "constraint", index: 0, lower: 2.0, upper: 1.0 });
        let e = LinearProblem::builder(vec![1.0]).bounds(vec![f64::NAN], vec![1.0]).build().unwrap_err();
        assert!(matches!(e, ProblemError::NonFinite { what: "variable lower bound", index: 0, .. }), "{e}");
    }
}
