//! The problem the IPM sees after the auxiliary-equality pass.

use ipax_core::sparse::{CscMatrix, CscStorage};
use ipax_core::{EvalError, LinearOperator, Problem, ProblemScaling};

use super::AuxiliaryPresolve;

/// `problem` with the eliminated blocks' variables pinned (`x_l = x_u = value`) and their rows
/// removed. Rows are renumbered `0..kept_rows().len()`; variables keep their indices.
pub struct ReducedProblem<'a> {
    inner: &'a dyn Problem,
    plan: &'a AuxiliaryPresolve,
    /// Original row → reduced row (`usize::MAX` when dropped).
    new_row: Vec<usize>,
}

impl<'a> ReducedProblem<'a> {
    pub(crate) fn new(inner: &'a dyn Problem, plan: &'a AuxiliaryPresolve) -> Self {
        let mut new_row = vec![usize::MAX; plan.m];
        for (k, &i) in plan.kept_rows.iter().enumerate() {
            new_row[i] = k;
        }
        ReducedProblem { inner, plan, new_row }
    }

    fn expand_rows(&self, reduced: &[f64]) -> Vec<f64> {
        let mut full = vec![0.0; self.plan.m];
        for (&i, &v) in self.plan.kept_rows.iter().zip(reduced) {
            full[i] = v;
        }
        full
    }
}

impl Problem for ReducedProblem<'_> {
    fn num_variables(&self) -> usize {
        self.plan.n
    }
    fn num_constraints(&self) -> usize {
        self.plan.kept_rows.len()
    }
    fn variable_bounds(&self, lower: &mut [f64], upper: &mut [f64]) {
        lower.copy_from_slice(&self.plan.x_l);
        upper.copy_from_slice(&self.plan.x_u);
    }
    fn constraint_bounds(&self, lower: &mut [f64], upper: &mut [f64]) {
        let m = self.plan.m;
        let (mut l, mut u) = (vec![0.0; m], vec![0.0; m]);
        self.inner.constraint_bounds(&mut l, &mut u);
        for (k, &i) in self.plan.kept_rows.iter().enumerate() {
            lower[k] = l[i];
            upper[k] = u[i];
        }
    }
    fn initial_point(&self, x0: &mut [f64]) {
        x0.copy_from_slice(&self.plan.x0);
    }
    fn objective(&self, x: &[f64]) -> Result<f64, EvalError> {
        self.inner.objective(x)
    }
    fn gradient(&self, x: &[f64], grad: &mut [f64]) -> Result<(), EvalError> {
        self.inner.gradient(x, grad)
    }
    fn constraints(&self, x: &[f64], c: &mut [f64]) -> Result<(), EvalError> {
        let expected = self.plan.kept_rows.len();
        if c.len() != expected {
            return Err(EvalError::WrongLength { what: "constraints output", expected, got: c.len() });
        }
        let mut full = vec![0.0; self.plan.m];
        self.inner.constraints(x, &mut full)?;
        for (k, &i) in self.plan.kept_rows.iter().enumerate() {
            c[k] = full[i];
        }
        Ok(())
    }
    fn jacobian(&self, x: &[f64]) -> Result<Box<dyn LinearOperator + '_>, EvalError> {
        let jac = self.inner.jacobian(x)?;
        // The pass only runs on Jacobians that expose their entries.
        let mut t = jac.triplets().ok_or_else(|| EvalError::failed("Jacobian", "presolve needs Jacobian entries"))?;
        t.retain(|r, _| self.new_row[r] != usize::MAX);
        t.rows.iter_mut().for_each(|r| *r = self.new_row[*r]);
        t.nrows = self.plan.kept_rows.len();
        Ok(Box::new(CscMatrix::from_triplets(&t, CscStorage::General)))
    }
    fn has_hessian(&self) -> bool {
        self.inner.has_hessian()
    }
    fn hessian(&self, x: &[f64], obj_factor: f64, lambda: &[f64]) -> Result<Option<Box<dyn LinearOperator + '_>>, EvalError> {
        // Dropped rows carry no multiplier inside the reduced problem.
        self.inner.hessian(x, obj_factor, &self.expand_rows(lambda))
    }
    fn scaling(&self) -> Option<ProblemScaling> {
        self.inner.scaling().map(|mut s| {
            if let Some(c) = s.constraints.take() {
                s.constraints = (c.len() == self.plan.m).then(|| self.plan.kept_rows.iter().map(|&i| c[i]).collect());
            }
            s
        })
    }
    fn variable_names(&self) -> Option<Vec<String>> {
        self.inner.variable_names()
    }
    fn constraint_names(&self) -> Option<Vec<String>> {
        self.inner.constraint_names().map(|names| self.plan.kept_rows.iter().map(|&i| names.get(i).cloned().unwrap_or_else(|| format!("c[{i}]"))).collect())
    }
    fn constraint_algebra(&self, i: usize) -> Option<String> {
        self.inner.constraint_algebra(*self.plan.kept_rows.get(i)?)
    }
    fn name(&self) -> String {
        self.inner.name()
    }
}
