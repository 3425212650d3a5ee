//! [`QuadraticProblem`]: `min ½xᵀQx + cᵀx + c₀  s.t.  c_L ≤ Ax ≤ c_U,  x_L ≤ x ≤ x_U`, with exact
//! derivatives (`∇f = Qx + c`, `J = A`, `∇²L = σQ`, the constraints being linear).

use ipax_core::{CscMatrix, CscStorage, EvalError, LinearOperator, Problem, Triplets};

use crate::error::ProblemError;
use crate::ops::PatternMatrix;
use crate::validate;

/// Sparse matrix data as coordinate lists (duplicates summed).
#[derive(Debug, Clone, Default, PartialEq)]
struct Coo {
    rows: Vec<usize>,
    cols: Vec<usize>,
    vals: Vec<f64>,
}

/// A convex or nonconvex quadratic program with linear constraints. Build it with
/// [`QuadraticProblem::builder`].
///
/// ```
/// use ipax_core::Problem;
/// use ipax_problem::QuadraticProblem;
/// // min x0² + x0 x1 + x1² − x0  s.t.  x0 + x1 = 1,  x ≥ 0
/// let qp = QuadraticProblem::builder(vec![-1.0, 0.0])
///     .q(vec![0, 1, 1], vec![0, 0, 1], vec![2.0, 1.0, 2.0]) // lower triangle of Q
///     .constraints(vec![0, 0], vec![0, 1], vec![1.0, 1.0], vec![1.0], vec![1.0])
///     .bounds(vec![0.0, 0.0], vec![f64::INFINITY; 2])
///     .build()
///     .unwrap();
/// assert_eq!(qp.objective(&[1.0, 0.0]).unwrap(), 0.0);
/// ```
#[derive(Debug, Clone)]
pub struct QuadraticProblem {
    c: Vec<f64>,
    offset: f64,
    /// Lower triangle of Q, symmetric storage.
    q: CscMatrix,
    a: CscMatrix,
    lb: Vec<f64>,
    ub: Vec<f64>,
    cl: Vec<f64>,
    cu: Vec<f64>,
    x0: Vec<f64>,
    name: String,
}

/// Builder for [`QuadraticProblem`] (and, without `q`, for [`crate::LinearProblem`]).
#[derive(Debug, Clone)]
pub struct QuadraticProblemBuilder {
    c: Vec<f64>,
    offset: f64,
    q: Coo,
    a: Coo,
    con_bounds: (Vec<f64>, Vec<f64>),
    var_bounds: Option<(Vec<f64>, Vec<f64>)>,
    x0: Option<Vec<f64>>,
    name: String,
}

impl QuadraticProblem {
    /// Start with the linear term `c`; its length sets `n`.
    pub fn builder(c: impl Into<Vec<f64>>) -> QuadraticProblemBuilder {
        QuadraticProblemBuilder {
            c: c.into(),
            offset: 0.0,
            q: Coo::default(),
            a: Coo::default(),
            con_bounds: (Vec::new(), Vec::new()),
            var_bounds: None,
            x0: None,
            name: "quadratic-problem".to_string(),
        }
    }

    /// `Q` (lower triangle, symmetric storage).
    pub fn q_matrix(&self) -> &CscMatrix {
        &self.q
    }

    /// The constraint matrix `A`.
    pub fn constraint_matrix(&self) -> &CscMatrix {
        &self.a
    }

    /// The linear term `c`.
    pub fn linear_term(&self) -> &[f64] {
        &self.c
    }
}

impl QuadraticProblemBuilder {
    /// The quadratic term: lower-triangle triplets of the symmetric `Q` (`row >= col`; upper
    /// entries are rejected, not mirrored; duplicates are summed). The objective is `½xᵀQx`, so a
    /// diagonal entry `2` contributes `x_i²`.
    pub fn q(mut self, rows: Vec<usize>, cols: Vec<usize>, vals: Vec<f64>) -> Self {
        self.q = Coo { rows, cols, vals };
        self
    }

    /// Linear constraints `lower ≤ A x ≤ upper`: `A` as triplets (duplicates summed), `m` set by the
    /// length of `lower`.
    pub fn constraints(
        mut self,
        rows: Vec<usize>,
        cols: Vec<usize>,
        vals: Vec<f64>,
        lower: impl Into<Vec<f64>>,
        upper: impl Into<Vec<f64>>,
    ) -> Self {
        self.a = Coo { rows, cols, vals };
        self.con_bounds = (lower.into(), upper.into());
        self
    }

    /// Variable bounds (±∞ allowed; default: free).
    pub fn bounds(mut self, lower: impl Into<Vec<f64>>, upper: impl Into<Vec<f64>>) -> Self {
        self.var_bounds = Some((lower.into(), upper.into()));
        self
    }

    /// Starting point (default: the origin projected onto the bounds).
    pub fn initial_point(mut self, x0: impl Into<Vec<f64>>) -> Self {
        self.x0 = Some(x0.into());
        self
    }

    /// Constant term `c₀` of the objective.
    pub fn offset(mut self, c0: f64) -> Self {
        self.offset = c0;
        self
    }

    /// A name for logs.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Validate and assemble.
    pub fn build(self) -> Result<QuadraticProblem, ProblemError> {
        let n = self.c.len();
        validate::finite("c", &self.c)?;
        if !self.offset.is_finite() {
            return Err(ProblemError::NonFinite { what: "objective offset", index: 0, value: self.offset });
        }
        let (lb, ub) = self.var_bounds.unwrap_or_else(|| (vec![f64::NEG_INFINITY; n], vec![f64::INFINITY; n]));
        validate::len("variable lower bounds", n, lb.len())?;
        validate::len("variable upper bounds", n, ub.len())?;
        validate::bounds("variable", &lb, &ub)?;
        let (cl, cu) = self.con_bounds;
        let m = cl.len();
        validate::len("constraint upper bounds", m, cu.len())?;
        validate::bounds("constraint", &cl, &cu)?;

        validate::structure("Q", &self.q.rows, &self.q.cols, n, n, true)?;
        validate::len("Q values", self.q.rows.len(), self.q.vals.len())?;
        validate::finite("Q values", &self.q.vals)?;
        validate::structure("A", &self.a.rows, &self.a.cols, m, n, false)?;
        validate::len("A values", self.a.rows.len(), self.a.vals.len())?;
        validate::finite("A values", &self.a.vals)?;

        let x0 = match self.x0 {
            Some(x0) => {
                validate::len("initial point", n, x0.len())?;
                validate::finite("initial point", &x0)?;
                x0
            }
            None => lb.iter().zip(&ub).map(|(&l, &u)| 0.0f64.max(l).min(u)).collect(),
        };
        let to_csc = |coo: &Coo, nrows: usize, storage| {
            let t = Triplets { nrows, ncols: n, rows: coo.rows.clone(), cols: coo.cols.clone(), vals: coo.vals.clone() };
            CscMatrix::from_triplets(&t, storage)
        };
        Ok(QuadraticProblem {
            q: to_csc(&self.q, n, CscStorage::SymmetricLower),
            a: to_csc(&self.a, m, CscStorage::General),
            c: self.c,
            offset: self.offset,
            lb,
            ub,
            cl,
            cu,
            x0,
            name: self.name,
        })
    }
}

fn check(what: &'static str, v: &[f64]) -> Result<(), EvalError> {
    if v.iter().all(|x| x.is_finite()) { Ok(()) } else { Err(EvalError::NonFinite { what }) }
}

impl Problem for QuadraticProblem {
    fn num_variables(&self) -> usize {
        self.c.len()
    }
    fn num_constraints(&self) -> usize {
        self.cl.len()
    }
    fn variable_bounds(&self, lower: &mut [f64], upper: &mut [f64]) {
        lower.copy_from_slice(&self.lb);
        upper.copy_from_slice(&self.ub);
    }
    fn constraint_bounds(&self, lower: &mut [f64], upper: &mut [f64]) {
        lower.copy_from_slice(&self.cl);
        upper.copy_from_slice(&self.cu);
    }
    fn initial_point(&self, x0: &mut [f64]) {
        x0.copy_from_slice(&self.x0);
    }
    fn objective(&self, x: &[f64]) -> Result<f64, EvalError> {
        let mut qx = vec![0.0; x.len()];
        self.q.apply(1.0, x, 0.0, &mut qx);
        let v = x.iter().zip(qx.iter().zip(&self.c)).map(|(xi, (qi, ci))| xi * (0.5 * qi + ci)).sum::<f64>()
            + self.offset;
        if v.is_finite() { Ok(v) } else { Err(EvalError::NonFinite { what: "objective" }) }
    }
    fn gradient(&self, x: &[f64], grad: &mut [f64]) -> Result<(), EvalError> {
        grad.copy_from_slice(&self.c);
        self.q.apply(1.0, x, 1.0, grad);
        check("gradient", grad)
    }
    fn constraints(&self, x: &[f64], c: &mut [f64]) -> Result<(), EvalError> {
        self.a.apply(1.0, x, 0.0, c);
        check("constraints", c)
    }
    fn jacobian(&self, _x: &[f64]) -> Result<Box<dyn LinearOperator + '_>, EvalError> {
        Ok(Box::new(&self.a))
    }
    fn has_hessian(&self) -> bool {
        true
    }
    fn hessian(
        &self,
        _x: &[f64],
        obj_factor: f64,
        _lambda: &[f64],
    ) -> Result<Option<Box<dyn LinearOperator + '_>>, EvalError> {
        // Linear constraints have zero curvature: ∇²L = σQ.
        let values = self.q.values.iter().map(|v| obj_factor * v).collect();
        let q = &self.q;
        Ok(Some(Box::new(PatternMatrix::new(q.nrows, q.ncols, &q.col_ptr, &q.row_idx, values, q.storage))))
    }
    fn name(&self) -> String {
        self.name.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipax_core::LinearOperatorExt;

    /// Q = [[4, 1, 0], [1, 3, -1], [0, -1, 2]] given with a duplicate split of Q[1][1].
    fn qp() -> QuadraticProblem {
        QuadraticProblem::builder(vec![1.0, -2.0, 0.5])
            .q(vec![0, 1, 1, 1, 2, 2], vec![0, 0, 1, 1, 1, 2], vec![4.0, 1.0, 1.0, 2.0, -1.0, 2.0])
            .constraints(vec![0, 0, 1, 1], vec![0, 2, 1, 2], vec![1.0, 1.0, 2.0, -1.0], vec![1.0, f64::NEG_INFINITY], vec![1.0, 3.0])
            .bounds(vec![-1.0, 0.5, f64::NEG_INFINITY], vec![1.0, 2.0, f64::INFINITY])
            .offset(0.25)
            .build()
            .unwrap()
    }

    #[test]
    fn quadratic_problem_derivatives_are_exact() {
        let p = qp();
        let x = [0.3, -1.2, 2.0];
        let q = [[4.0, 1.0, 0.0], [1.0, 3.0, -1.0], [0.0, -1.0, 2.0]];
        let c = [1.0, -2.0, 0.5];
        let qx: Vec<f64> = (0..3).map(|i| (0..3).map(|j| q[i][j] * x[j]).sum()).collect();
        let f: f64 = (0..3).map(|i| 0.5 * x[i] * qx[i] + c[i] * x[i]).sum::<f64>() + 0.25;
        assert!((p.objective(&x).unwrap() - f).abs() < 1e-14);
        let mut g = [0.0; 3];
        p.gradient(&x, &mut g).unwrap();
        for i in 0..3 {
            assert!((g[i] - (qx[i] + c[i])).abs() < 1e-14);
        }
        let mut cv = [0.0; 2];
        p.constraints(&x, &mut cv).unwrap();
        assert_eq!(cv, [x[0] + x[2], 2.0 * x[1] - x[2]]);
        let j = p.jacobian(&x).unwrap();
        assert_eq!(j.to_dense(), vec![1.0, 0.0, 0.0, 2.0, 1.0, -1.0]);
        let h = p.hessian(&x, 2.0, &[5.0, 7.0]).unwrap().unwrap();
        assert!(h.is_symmetric());
        let hd = h.to_dense();
        for i in 0..3 {
            for jj in 0..3 {
                assert_eq!(hd[jj * 3 + i], 2.0 * q[i][jj]);
            }
        }
        assert!(p.has_hessian());
        let mut x0 = [9.0; 3];
        p.initial_point(&mut x0);
        assert_eq!(x0, [0.0, 0.5, 0.0], "origin projected onto the bounds");
    }

    #[test]
    fn quadratic_problem_validation_names_the_offender() {
        let base = || QuadraticProblem::builder(vec![0.0; 2]);
        let e = base().q(vec![0, 1], vec![0, 2], vec![1.0, 1.0]).build().unwrap_err();
        assert!(matches!(e, ProblemError::StructureOutOfRange { what: "Q", entry: 1, .. }), "{e}");
        let e = base().q(vec![0], vec![1], vec![1.0]).build().unwrap_err();
        assert!(e.to_string().contains("entry 0") && e.to_string().contains("upper"), "{e}");
        let e = base().q(vec![0, 1], vec![0, 1], vec![1.0]).build().unwrap_err();
        assert!(matches!(e, ProblemError::DimensionMismatch { what: "Q values", expected: 2, got: 1 }), "{e}");
        let e = base().constraints(vec![1], vec![0], vec![1.0], vec![0.0], vec![1.0]).build().unwrap_err();
        assert!(e.to_string().contains("A structure entry 0 at (1, 0)"), "{e}");
        let e = base().constraints(vec![0], vec![0], vec![f64::NAN], vec![0.0], vec![1.0]).build().unwrap_err();
        assert!(matches!(e, ProblemError::NonFinite { what: "A values", index: 0, .. }), "{e}");
        let e = QuadraticProblem::builder(vec![0.0, f64::INFINITY]).build().unwrap_err();
        assert!(e.to_string().contains("index 1"), "{e}");
        let e = base().bounds(vec![0.0, 3.0], vec![1.0, 2.0]).build().unwrap_err();
        assert!(e.to_string().contains("index 1"), "{e}");
        let e = base().initial_point(vec![0.0]).build().unwrap_err();
        assert!(matches!(e, ProblemError::DimensionMismatch { what: "initial point", .. }), "{e}");
    }
}
