//! [`MatrixFree`]: the same problem, but its Jacobian and Hessian only offer products.
//!
//! Solvers must not be able to peek at entries: the operators returned here implement
//! `shape`/`apply`/`apply_transpose`/`is_symmetric` and nothing else (no triplets, no CSC view, no
//! diagonal), which forces the matrix-free KKT routes (condensed + Krylov) in the IPM.

use ipax_core::{EvalError, LinearOperator, Problem, ProblemScaling};

/// Wraps a problem so that its derivative operators are product-only.
#[derive(Debug, Clone)]
pub struct MatrixFree<P> {
    inner: P,
}

impl<P: Problem> MatrixFree<P> {
    /// Wrap `inner`.
    pub fn new(inner: P) -> Self {
        MatrixFree { inner }
    }
    /// The wrapped problem.
    pub fn inner(&self) -> &P {
        &self.inner
    }
    /// Unwrap.
    pub fn into_inner(self) -> P {
        self.inner
    }
}

/// A product-only view of another operator.
pub struct ApplyOnly<'a> {
    op: Box<dyn LinearOperator + 'a>,
}

impl<'a> ApplyOnly<'a> {
    /// Hide every capability of `op` except products.
    pub fn new(op: Box<dyn LinearOperator + 'a>) -> Self {
        ApplyOnly { op }
    }
}

impl LinearOperator for ApplyOnly<'_> {
    fn shape(&self) -> (usize, usize) {
        self.op.shape()
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        self.op.apply(alpha, x, beta, y)
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        self.op.apply_transpose(alpha, x, beta, y)
    }
    fn is_symmetric(&self) -> bool {
        self.op.is_symmetric()
    }
}

impl<P: Problem> Problem for MatrixFree<P> {
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
        Ok(Box::new(ApplyOnly::new(self.inner.jacobian(x)?)))
    }
    fn has_hessian(&self) -> bool {
        self.inner.has_hessian()
    }
    fn hessian(
        &self,
        x: &[f64],
        obj_factor: f64,
        lambda: &[f64],
    ) -> Result<Option<Box<dyn LinearOperator + '_>>, EvalError> {
        Ok(self
            .inner
            .hessian(x, obj_factor, lambda)?
            .map(|h| Box::new(ApplyOnly::new(h)) as Box<dyn LinearOperator + '_>))
    }
    fn scaling(&self) -> Option<ProblemScaling> {
        self.inner.scaling()
    }
    fn variable_names(&self) -> Option<Vec<String>> {
        self.inner.variable_names()
    }
    fn constraint_names(&self) -> Option<Vec<String>> {
        self.inner.constraint_names()
    }
    fn constraint_algebra(&self, i: usize) -> Option<String> {
        self.inner.constraint_algebra(i)
    }
    fn name(&self) -> String {
        format!("{} (matrix-free)", self.inner.name())
    }
}
