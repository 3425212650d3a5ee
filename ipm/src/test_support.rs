//! Test doubles for the unit tests of the IPM: a dense LDLᵀ linear solver (no pivoting — valid
//! for the quasi-definite and positive definite systems the tests build, and it reports zero
//! pivots as singular) and Hock–Schittkowski problem 71 with its exact Hessian.

use ipax_core::{
    Capabilities, CscMatrix, CscStorage, EvalError, FactorInfo, HessianApproximation, Inertia, LinSolveError, LinearOperator, LinearSolver, Problem,
    Regularization, SolveInfo, Triplets,
};

use crate::driver::LinearAlgebra;
use crate::kkt::{KktRoute, LinearSolverFactory, SolverRequest};

/// Dense LDLᵀ of the operator (densified by products with unit vectors).
pub(crate) struct DenseLdl {
    /// Reject indefinite matrices as a Cholesky solver would (the condensed route's contract).
    pub definite: bool,
    n: usize,
    l: Vec<f64>,
    d: Vec<f64>,
}

impl DenseLdl {
    pub(crate) fn new(definite: bool) -> Self {
        DenseLdl { definite, n: 0, l: vec![], d: vec![] }
    }
}

/// The dense matrix of `op`, row-major.
pub(crate) fn densify(op: &dyn LinearOperator) -> Vec<f64> {
    let n = op.shape().0;
    let mut a = vec![0.0; n * n];
    let mut e = vec![0.0; n];
    let mut col = vec![0.0; n];
    for j in 0..n {
        e[j] = 1.0;
        op.apply(1.0, &e, 0.0, &mut col);
        e[j] = 0.0;
        for i in 0..n {
            a[i * n + j] = col[i];
        }
    }
    a
}

impl LinearSolver for DenseLdl {
    fn name(&self) -> &'static str {
        "dense-test"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities { provides_inertia: !self.definite, needs_assembled_matrix: false, is_direct: true, requires_positive_definite: self.definite }
    }
    fn analyze(&mut self, _op: &dyn LinearOperator) -> Result<(), LinSolveError> {
        Ok(())
    }
    fn factor(&mut self, op: &dyn LinearOperator, _reg: &Regularization) -> Result<FactorInfo, LinSolveError> {
        let a = densify(op);
        let n = op.shape().0;
        let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1.0);
        let (mut l, mut d) = (vec![0.0; n * n], vec![0.0; n]);
        let mut inertia = Inertia::default();
        for j in 0..n {
            let mut dj = a[j * n + j];
            for k in 0..j {
                dj -= l[j * n + k] * l[j * n + k] * d[k];
            }
            if dj.abs() <= 1e-13 * scale {
                return Err(LinSolveError::Singular { pivot: j });
            }
            if self.definite && dj <= 0.0 {
                return Err(LinSolveError::NotPositiveDefinite { pivot: j, value: dj });
            }
            d[j] = dj;
            if dj > 0.0 { inertia.positive += 1 } else { inertia.negative += 1 }
            l[j * n + j] = 1.0;
            for i in j + 1..n {
                let mut v = a[i * n + j];
                for k in 0..j {
                    v -= l[i * n + k] * l[j * n + k] * d[k];
                }
                l[i * n + j] = v / dj;
            }
        }
        (self.n, self.l, self.d) = (n, l, d);
        Ok(FactorInfo { inertia: (!self.definite).then_some(inertia), regularized_pivots: 0 })
    }
    fn solve_in_place(&mut self, _op: &dyn LinearOperator, rhs: &mut [f64]) -> Result<SolveInfo, LinSolveError> {
        let n = self.n;
        for i in 0..n {
            for k in 0..i {
                rhs[i] -= self.l[i * n + k] * rhs[k];
            }
        }
        for i in 0..n {
            rhs[i] /= self.d[i];
        }
        for i in (0..n).rev() {
            for k in i + 1..n {
                rhs[i] -= self.l[k * n + i] * rhs[k];
            }
        }
        Ok(SolveInfo { iterations: 0, residual: None })
    }
}

/// Creates [`DenseLdl`] solvers: indefinite LDLᵀ on the augmented route, Cholesky-like on the
/// condensed one.
pub(crate) struct DenseFactory;

impl LinearSolverFactory for DenseFactory {
    fn create(&self, request: &SolverRequest) -> Box<dyn LinearSolver + Send> {
        Box::new(DenseLdl::new(request.route == KktRoute::Condensed))
    }
}

fn no_quasi_newton(_: usize, _: usize) -> Box<dyn HessianApproximation> {
    panic!("the unit tests use exact Hessians")
}

/// The augmented route with the dense test solver.
pub(crate) fn dense_linear_algebra() -> LinearAlgebra<'static> {
    LinearAlgebra { route: KktRoute::Augmented, factory: &DenseFactory, quasi_newton: &no_quasi_newton }
}

/// A symmetric matrix from its full row-major values, stored as its lower triangle.
pub(crate) fn lower_csc(n: usize, a: &[f64]) -> CscMatrix {
    let mut t = Triplets::new(n, n);
    for i in 0..n {
        for j in 0..=i {
            t.push(i, j, a[i * n + j]);
        }
    }
    CscMatrix::from_triplets(&t, CscStorage::SymmetricLower)
}

/// Hock–Schittkowski 71: `min x₁x₄(x₁+x₂+x₃) + x₃` s.t. `x₁x₂x₃x₄ ≥ 25`, `Σxᵢ² = 40`,
/// `1 ≤ x ≤ 5`, from (1, 5, 5, 1); f* = 17.0140173.
pub(crate) struct Hs071;

impl Problem for Hs071 {
    fn num_variables(&self) -> usize {
        4
    }
    fn num_constraints(&self) -> usize {
        2
    }
    fn variable_bounds(&self, lower: &mut [f64], upper: &mut [f64]) {
        lower.fill(1.0);
        upper.fill(5.0);
    }
    fn constraint_bounds(&self, lower: &mut [f64], upper: &mut [f64]) {
        lower.copy_from_slice(&[25.0, 40.0]);
        upper.copy_from_slice(&[f64::INFINITY, 40.0]);
    }
    fn initial_point(&self, x0: &mut [f64]) {
        x0.copy_from_slice(&[1.0, 5.0, 5.0, 1.0]);
    }
    fn objective(&self, x: &[f64]) -> Result<f64, EvalError> {
        Ok(x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2])
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) -> Result<(), EvalError> {
        g[0] = x[3] * (2.0 * x[0] + x[1] + x[2]);
        g[1] = x[0] * x[3];
        g[2] = x[0] * x[3] + 1.0;
        g[3] = x[0] * (x[0] + x[1] + x[2]);
        Ok(())
    }
    fn constraints(&self, x: &[f64], c: &mut [f64]) -> Result<(), EvalError> {
        c[0] = x[0] * x[1] * x[2] * x[3];
        c[1] = x.iter().map(|v| v * v).sum();
        Ok(())
    }
    fn jacobian(&self, x: &[f64]) -> Result<Box<dyn LinearOperator + '_>, EvalError> {
        let mut t = Triplets::new(2, 4);
        for j in 0..4 {
            let prod: f64 = (0..4).filter(|&k| k != j).map(|k| x[k]).product();
            t.push(0, j, prod);
            t.push(1, j, 2.0 * x[j]);
        }
        Ok(Box::new(CscMatrix::from_triplets(&t, CscStorage::General)))
    }
    fn has_hessian(&self) -> bool {
        true
    }
    fn hessian(&self, x: &[f64], s: f64, l: &[f64]) -> Result<Option<Box<dyn LinearOperator + '_>>, EvalError> {
        let mut h = [0.0; 16];
        let mut set = |i: usize, j: usize, v: f64| {
            h[i * 4 + j] += v;
            if i != j {
                h[j * 4 + i] += v;
            }
        };
        set(0, 0, s * 2.0 * x[3]);
        set(1, 0, s * x[3]);
        set(2, 0, s * x[3]);
        set(3, 0, s * (2.0 * x[0] + x[1] + x[2]));
        set(3, 1, s * x[0]);
        set(3, 2, s * x[0]);
        for i in 0..4 {
            for j in 0..i {
                let prod: f64 = (0..4).filter(|&k| k != i && k != j).map(|k| x[k]).product();
                set(i, j, l[0] * prod);
            }
            set(i, i, 2.0 * l[1]);
        }
        Ok(Some(Box::new(lower_csc(4, &h))))
    }
}
