//! [`FunctionProblem`]: an NLP stated with closures; missing derivatives are worked out here.
//!
//! | given                                   | gradient / Jacobian used                         |
//! |-----------------------------------------|--------------------------------------------------|
//! | `gradient(..)`                          | the user's                                       |
//! | `objective_generic(..)` (an [`ObjectiveFn`]) | complex step (exact to machine precision)   |
//! | `objective(..)` (a plain closure)       | central finite differences (≈ 1e-7 relative)     |
//! | `jacobian_triplets` / `jacobian_dense` / `jacobian_matrix_free` | the user's               |
//! | `constraints_generic(..)`               | complex step on a sparse pattern                 |
//! | `constraints(..)`                       | finite differences on a sparse pattern           |
//!
//! The sparse pattern for estimated Jacobians is given with `jacobian_structure(..)` or, by
//! default, **probed** at build time (see [`crate::derivatives`]: it is the union of the nonzeros
//! at `x0` and a few random points in the box). Columns are then grouped (Curtis–Powell–Reid) so
//! each Jacobian costs one evaluation per group, not per variable.
//!
//! Without a Hessian, [`Problem::has_hessian`] is `false` and the IPM uses L-BFGS.
//!
//! Closures that fill an output slice may either write into it (returning `()` or
//! `Result<(), EvalError>`) or return a `Vec<f64>` (or `Result<Vec<f64>, EvalError>`) whose length
//! is checked ([`EvalError::WrongLength`]). Objective closures return `f64` or
//! `Result<f64, EvalError>`. Non-finite results become [`EvalError::NonFinite`], which the IPM
//! treats like Ipopt does a failed evaluation (it shortens the step).

use core::sync::atomic::{AtomicUsize, Ordering};

use ipax_core::{CscMatrix, CscStorage, EvalError, LinearOperator, Problem, ProblemScaling, Triplets};
use num_complex::Complex64;

use crate::derivatives::{
    self, SparsityPattern, complex_step_gradient, complex_step_jacobian, finite_difference_gradient,
    finite_difference_jacobian,
};
use crate::error::ProblemError;
use crate::ops::{DenseRowMajor, HvpFn, JvpFn, MatrixFreeHessian, MatrixFreeJacobian, PatternMatrix};
use crate::scalar::Scalar;
use crate::validate;

/// An objective written once for every [`Scalar`], so it can be differentiated by complex step.
///
/// Closures cannot be generic, hence a trait on a user type:
/// ```
/// use ipax_problem::{ObjectiveFn, Scalar};
/// struct Rosenbrock;
/// impl ObjectiveFn for Rosenbrock {
///     fn eval<T: Scalar>(&self, x: &[T]) -> T {
///         (T::one() - x[0]).powi(2) + (x[1] - x[0] * x[0]).powi(2) * 100.0
///     }
/// }
/// assert_eq!(Rosenbrock.eval(&[1.0, 1.0]), 0.0);
/// ```
pub trait ObjectiveFn {
    /// `f(x)`.
    fn eval<T: Scalar>(&self, x: &[T]) -> T;
}

/// Constraints written once for every [`Scalar`] (see [`ObjectiveFn`]). `c` has length `m` and is
/// zeroed before each call.
pub trait ConstraintsFn {
    /// `c ← c(x)`.
    fn eval<T: Scalar>(&self, x: &[T], c: &mut [T]);
}

/// What an objective closure may return: `f64` or `Result<f64, EvalError>`.
pub trait ScalarOutput {
    /// The value, or the closure's error.
    fn into_value(self) -> Result<f64, EvalError>;
}

impl ScalarOutput for f64 {
    fn into_value(self) -> Result<f64, EvalError> {
        Ok(self)
    }
}

impl ScalarOutput for Result<f64, EvalError> {
    fn into_value(self) -> Result<f64, EvalError> {
        self
    }
}

/// What a slice-filling closure may return: `()` / `Result<(), EvalError>` (it wrote into the
/// slice) or `Vec<f64>` / `Result<Vec<f64>, EvalError>` (copied in after a length check).
pub trait VectorOutput {
    /// Finish the evaluation into `out`; `what` names the callback in errors.
    fn finish(self, what: &'static str, out: &mut [f64]) -> Result<(), EvalError>;
}

impl VectorOutput for () {
    fn finish(self, _: &'static str, _: &mut [f64]) -> Result<(), EvalError> {
        Ok(())
    }
}

impl VectorOutput for Result<(), EvalError> {
    fn finish(self, _: &'static str, _: &mut [f64]) -> Result<(), EvalError> {
        self
    }
}

impl VectorOutput for Vec<f64> {
    fn finish(self, what: &'static str, out: &mut [f64]) -> Result<(), EvalError> {
        if self.len() != out.len() {
            return Err(EvalError::WrongLength { what, expected: out.len(), got: self.len() });
        }
        out.copy_from_slice(&self);
        Ok(())
    }
}

impl VectorOutput for Result<Vec<f64>, EvalError> {
    fn finish(self, what: &'static str, out: &mut [f64]) -> Result<(), EvalError> {
        self?.finish(what, out)
    }
}

/// How many times the IPM asked for each quantity (calls of the [`Problem`] methods; the extra
/// function evaluations spent inside complex-step or finite-difference derivatives are not
/// counted as `f` or `c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EvalCounts {
    /// Objective evaluations.
    pub f: usize,
    /// Gradient evaluations.
    pub grad: usize,
    /// Constraint evaluations.
    pub c: usize,
    /// Jacobian evaluations.
    pub jac: usize,
    /// Hessian evaluations.
    pub hess: usize,
}

/// How the gradient is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GradientSource {
    /// The user's gradient closure.
    User,
    /// Complex step on a generic objective.
    ComplexStep,
    /// Finite differences on a plain objective.
    FiniteDifference,
}

/// How the constraint Jacobian is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JacobianSource {
    /// There are no constraints (`m = 0`).
    NoConstraints,
    /// Complex step on a sparse pattern.
    ComplexStep,
    /// Finite differences on a sparse pattern.
    FiniteDifference,
    /// User triplet structure and values.
    Triplets,
    /// User dense row-major closure.
    Dense,
    /// User `J·v` / `Jᵀ·w` closures; no entries.
    MatrixFree,
}

type ObjFn = Box<dyn Fn(&[f64]) -> Result<f64, EvalError> + Send + Sync>;
type VecFn = Box<dyn Fn(&[f64], &mut [f64]) -> Result<(), EvalError> + Send + Sync>;
type HessValsFn = Box<dyn Fn(&[f64], f64, &[f64], &mut [f64]) -> Result<(), EvalError> + Send + Sync>;

/// Object-safe face of an [`ObjectiveFn`]: its two instances.
trait DynObjective: Send + Sync {
    fn real(&self, x: &[f64]) -> f64;
    fn complex(&self, x: &[Complex64]) -> Complex64;
}

impl<O: ObjectiveFn + Send + Sync> DynObjective for O {
    fn real(&self, x: &[f64]) -> f64 {
        self.eval(x)
    }
    fn complex(&self, x: &[Complex64]) -> Complex64 {
        self.eval(x)
    }
}

/// Object-safe face of a [`ConstraintsFn`].
trait DynConstraints: Send + Sync {
    fn real(&self, x: &[f64], c: &mut [f64]);
    fn complex(&self, x: &[Complex64], c: &mut [Complex64]);
}

impl<C: ConstraintsFn + Send + Sync> DynConstraints for C {
    fn real(&self, x: &[f64], c: &mut [f64]) {
        self.eval(x, c)
    }
    fn complex(&self, x: &[Complex64], c: &mut [Complex64]) {
        self.eval(x, c)
    }
}

enum Objective {
    Generic(Box<dyn DynObjective>),
    Plain(ObjFn),
}

enum Constraints {
    Generic(Box<dyn DynConstraints>),
    Plain(VecFn),
}

impl Constraints {
    /// Real evaluation into `c` (zeroed first).
    fn eval(&self, x: &[f64], c: &mut [f64]) -> Result<(), EvalError> {
        c.iter_mut().for_each(|v| *v = 0.0);
        match self {
            Constraints::Generic(g) => {
                g.real(x, c);
                Ok(())
            }
            Constraints::Plain(f) => f(x, c),
        }
    }
}

enum JacobianSpec {
    Auto,
    Structure { rows: Vec<usize>, cols: Vec<usize> },
    Triplets { rows: Vec<usize>, cols: Vec<usize>, vals: VecFn },
    Dense(VecFn),
    MatrixFree { jvp: Box<JvpFn>, vjp: Box<JvpFn> },
}

enum HessianSpec {
    None,
    Triplets { rows: Vec<usize>, cols: Vec<usize>, vals: HessValsFn },
    Product(Box<HvpFn>),
}

/// A fixed sparse structure from user triplets: the CSC pattern (values unused) and the scatter
/// map from user entry `k` to CSC position (duplicates share a position and are summed).
struct TripletPattern {
    csc: CscMatrix,
    map: Vec<usize>,
}

impl TripletPattern {
    fn new(nrows: usize, ncols: usize, rows: &[usize], cols: &[usize], storage: CscStorage) -> Self {
        let mut t = Triplets::new(nrows, ncols);
        for (&r, &c) in rows.iter().zip(cols) {
            t.push(r, c, 0.0);
        }
        let (csc, map) = CscMatrix::from_triplets_with_map(&t, storage);
        TripletPattern { csc, map }
    }

    /// Sum user values into CSC order.
    fn scatter(&self, user_vals: &[f64]) -> Vec<f64> {
        let mut v = vec![0.0; self.csc.nnz()];
        for (&p, &x) in self.map.iter().zip(user_vals) {
            v[p] += x;
        }
        v
    }

    fn matrix(&self, values: Vec<f64>) -> PatternMatrix<'_> {
        let c = &self.csc;
        PatternMatrix::new(c.nrows, c.ncols, &c.col_ptr, &c.row_idx, values, c.storage)
    }
}

enum Jacobian {
    None,
    Estimated { pattern: SparsityPattern, groups: Vec<Vec<usize>> },
    Triplets { pattern: TripletPattern, vals: VecFn },
    Dense(VecFn),
    MatrixFree { jvp: Box<JvpFn>, vjp: Box<JvpFn> },
}

enum Hessian {
    None,
    Triplets { pattern: TripletPattern, vals: HessValsFn },
    Product(Box<HvpFn>),
}

/// Evaluation counters (atomics so the problem stays `Sync`).
#[derive(Default)]
struct Counters {
    f: AtomicUsize,
    grad: AtomicUsize,
    c: AtomicUsize,
    jac: AtomicUsize,
    hess: AtomicUsize,
}

fn bump(c: &AtomicUsize) {
    c.fetch_add(1, Ordering::Relaxed);
}

fn all_finite(what: &'static str, v: &[f64]) -> Result<(), EvalError> {
    if v.iter().all(|x| x.is_finite()) { Ok(()) } else { Err(EvalError::NonFinite { what }) }
}

/// An NLP defined by closures, with derivatives resolved at build time. Build it with
/// [`FunctionProblem::builder`]; see the [module docs](self) for what is derived how.
///
/// `Send + Sync` (all closures must be), so it can cross threads and sit behind `Arc`.
pub struct FunctionProblem {
    n: usize,
    m: usize,
    x0: Vec<f64>,
    lb: Vec<f64>,
    ub: Vec<f64>,
    cl: Vec<f64>,
    cu: Vec<f64>,
    objective: Objective,
    gradient: Option<VecFn>,
    constraints: Option<Constraints>,
    jacobian: Jacobian,
    hessian: Hessian,
    variable_names: Option<Vec<String>>,
    constraint_names: Option<Vec<String>>,
    scaling: Option<ProblemScaling>,
    name: String,
    counters: Counters,
}

impl core::fmt::Debug for FunctionProblem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FunctionProblem")
            .field("name", &self.name)
            .field("n", &self.n)
            .field("m", &self.m)
            .field("gradient", &self.gradient_source())
            .field("jacobian", &self.jacobian_source())
            .field("has_hessian", &self.has_hessian())
            .finish_non_exhaustive()
    }
}

impl FunctionProblem {
    /// Start a definition.
    pub fn builder() -> FunctionProblemBuilder {
        FunctionProblemBuilder::default()
    }

    /// Evaluation counts so far.
    pub fn eval_counts(&self) -> EvalCounts {
        let c = &self.counters;
        EvalCounts {
            f: c.f.load(Ordering::Relaxed),
            grad: c.grad.load(Ordering::Relaxed),
            c: c.c.load(Ordering::Relaxed),
            jac: c.jac.load(Ordering::Relaxed),
            hess: c.hess.load(Ordering::Relaxed),
        }
    }

    /// Reset the evaluation counts to zero (e.g. between solves).
    pub fn reset_eval_counts(&self) {
        let c = &self.counters;
        for a in [&c.f, &c.grad, &c.c, &c.jac, &c.hess] {
            a.store(0, Ordering::Relaxed);
        }
    }

    /// How the gradient is computed.
    pub fn gradient_source(&self) -> GradientSource {
        match (&self.gradient, &self.objective) {
            (Some(_), _) => GradientSource::User,
            (None, Objective::Generic(_)) => GradientSource::ComplexStep,
            (None, Objective::Plain(_)) => GradientSource::FiniteDifference,
        }
    }

    /// How the Jacobian is computed.
    pub fn jacobian_source(&self) -> JacobianSource {
        match &self.jacobian {
            Jacobian::None => JacobianSource::NoConstraints,
            Jacobian::Estimated { .. } => match self.constraints {
                Some(Constraints::Generic(_)) => JacobianSource::ComplexStep,
                _ => JacobianSource::FiniteDifference,
            },
            Jacobian::Triplets { .. } => JacobianSource::Triplets,
            Jacobian::Dense(_) => JacobianSource::Dense,
            Jacobian::MatrixFree { .. } => JacobianSource::MatrixFree,
        }
    }

    /// The sparsity pattern of an estimated (complex-step / finite-difference) Jacobian: probed
    /// at build time or given with `jacobian_structure`. `None` for the other sources.
    pub fn estimated_jacobian_pattern(&self) -> Option<&SparsityPattern> {
        match &self.jacobian {
            Jacobian::Estimated { pattern, .. } => Some(pattern),
            _ => None,
        }
    }

    /// Number of constraint evaluations one estimated Jacobian costs (the number of column
    /// groups; doubled for finite differences). `None` for the other sources.
    pub fn estimated_jacobian_groups(&self) -> Option<usize> {
        match &self.jacobian {
            Jacobian::Estimated { groups, .. } => Some(groups.len()),
            _ => None,
        }
    }

    /// The objective without counting or checks.
    fn raw_objective(&self, x: &[f64]) -> Result<f64, EvalError> {
        match &self.objective {
            Objective::Generic(g) => Ok(g.real(x)),
            Objective::Plain(f) => f(x),
        }
    }
}

impl Problem for FunctionProblem {
    fn num_variables(&self) -> usize {
        self.n
    }
    fn num_constraints(&self) -> usize {
        self.m
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
        bump(&self.counters.f);
        let v = self.raw_objective(x)?;
        if v.is_finite() { Ok(v) } else { Err(EvalError::NonFinite { what: "objective" }) }
    }

    fn gradient(&self, x: &[f64], grad: &mut [f64]) -> Result<(), EvalError> {
        bump(&self.counters.grad);
        grad.iter_mut().for_each(|v| *v = 0.0);
        match (&self.gradient, &self.objective) {
            (Some(g), _) => g(x, grad)?,
            (None, Objective::Generic(o)) => complex_step_gradient(|z| o.complex(z), x, grad),
            (None, Objective::Plain(_)) => {
                finite_difference_gradient(|y| self.raw_objective(y), x, &self.lb, &self.ub, grad)?
            }
        }
        all_finite("gradient", grad)
    }

    fn constraints(&self, x: &[f64], c: &mut [f64]) -> Result<(), EvalError> {
        bump(&self.counters.c);
        match &self.constraints {
            Some(cons) if self.m > 0 => {
                cons.eval(x, c)?;
                all_finite("constraints", c)
            }
            _ => Ok(()),
        }
    }

    fn jacobian(&self, x: &[f64]) -> Result<Box<dyn LinearOperator + '_>, EvalError> {
        bump(&self.counters.jac);
        let (m, n) = (self.m, self.n);
        match &self.jacobian {
            Jacobian::None => {
                // m = 0: an empty 0 × n matrix (col_ptr all zeros).
                Ok(Box::new(CscMatrix::from_triplets(&Triplets::new(0, n), CscStorage::General)))
            }
            Jacobian::Estimated { pattern, groups } => {
                let mut values = vec![0.0; pattern.nnz()];
                match &self.constraints {
                    Some(Constraints::Generic(g)) => {
                        complex_step_jacobian(
                            |z, out| {
                                out.iter_mut().for_each(|v| *v = Complex64::new(0.0, 0.0));
                                g.complex(z, out)
                            },
                            x,
                            pattern,
                            groups,
                            &mut values,
                        );
                    }
                    Some(cons) => finite_difference_jacobian(
                        |y, out| cons.eval(y, out),
                        x,
                        &self.lb,
                        &self.ub,
                        pattern,
                        groups,
                        &mut values,
                    )?,
                    // Unreachable by construction (build() requires constraints for m > 0); an
                    // honest error rather than a panic.
                    None => return Err(EvalError::failed("jacobian", "no constraint function")),
                }
                all_finite("jacobian", &values)?;
                Ok(Box::new(PatternMatrix::new(
                    m,
                    n,
                    &pattern.col_ptr,
                    &pattern.row_idx,
                    values,
                    CscStorage::General,
                )))
            }
            Jacobian::Triplets { pattern, vals } => {
                let mut user = vec![0.0; pattern.map.len()];
                vals(x, &mut user)?;
                all_finite("jacobian", &user)?;
                Ok(Box::new(pattern.matrix(pattern.scatter(&user))))
            }
            Jacobian::Dense(f) => {
                let mut data = vec![0.0; m * n];
                f(x, &mut data)?;
                all_finite("jacobian", &data)?;
                Ok(Box::new(DenseRowMajor::new(m, n, data)))
            }
            Jacobian::MatrixFree { jvp, vjp } => Ok(Box::new(MatrixFreeJacobian::new(m, x, &**jvp, &**vjp))),
        }
    }

    fn has_hessian(&self) -> bool {
        !matches!(self.hessian, Hessian::None)
    }

    fn hessian(
        &self,
        x: &[f64],
        obj_factor: f64,
        lambda: &[f64],
    ) -> Result<Option<Box<dyn LinearOperator + '_>>, EvalError> {
        match &self.hessian {
            Hessian::None => Ok(None),
            Hessian::Triplets { pattern, vals } => {
                bump(&self.counters.hess);
                let mut user = vec![0.0; pattern.map.len()];
                vals(x, obj_factor, lambda, &mut user)?;
                all_finite("hessian", &user)?;
                Ok(Some(Box::new(pattern.matrix(pattern.scatter(&user)))))
            }
            Hessian::Product(hvp) => {
                bump(&self.counters.hess);
                Ok(Some(Box::new(MatrixFreeHessian::new(x, obj_factor, lambda, &**hvp))))
            }
        }
    }

    fn scaling(&self) -> Option<ProblemScaling> {
        self.scaling.clone()
    }
    fn variable_names(&self) -> Option<Vec<String>> {
        self.variable_names.clone()
    }
    fn constraint_names(&self) -> Option<Vec<String>> {
        self.constraint_names.clone()
    }
    fn name(&self) -> String {
        self.name.clone()
    }
}

/// Builder for [`FunctionProblem`]. Every setter replaces what an earlier call of the same
/// group set (e.g. `objective` after `objective_generic` wins; the Jacobian setters replace each
/// other). Nothing is checked before [`build`](Self::build).
pub struct FunctionProblemBuilder {
    objective: Option<Objective>,
    gradient: Option<VecFn>,
    constraints: Option<Constraints>,
    jacobian: JacobianSpec,
    hessian: HessianSpec,
    x0: Option<Vec<f64>>,
    var_bounds: Option<(Vec<f64>, Vec<f64>)>,
    con_bounds: Option<(Vec<f64>, Vec<f64>)>,
    variable_names: Option<Vec<String>>,
    constraint_names: Option<Vec<String>>,
    scaling: Option<ProblemScaling>,
    name: String,
    probes: usize,
    seed: u64,
}

impl Default for FunctionProblemBuilder {
    fn default() -> Self {
        FunctionProblemBuilder {
            objective: None,
            gradient: None,
            constraints: None,
            jacobian: JacobianSpec::Auto,
            hessian: HessianSpec::None,
            x0: None,
            var_bounds: None,
            con_bounds: None,
            variable_names: None,
            constraint_names: None,
            scaling: None,
            name: "function-problem".to_string(),
            probes: 2,
            seed: 0x5EED_1234_ABCD_0001,
        }
    }
}

impl FunctionProblemBuilder {
    /// A generic objective ([`ObjectiveFn`]): without a gradient closure, the gradient is computed
    /// by complex step.
    pub fn objective_generic<O: ObjectiveFn + Send + Sync + 'static>(mut self, f: O) -> Self {
        self.objective = Some(Objective::Generic(Box::new(f)));
        self
    }

    /// A plain objective closure returning `f64` or `Result<f64, EvalError>`: without a gradient
    /// closure, the gradient is computed by central finite differences.
    pub fn objective<F, R>(mut self, f: F) -> Self
    where
        F: Fn(&[f64]) -> R + Send + Sync + 'static,
        R: ScalarOutput,
    {
        self.objective = Some(Objective::Plain(Box::new(move |x| f(x).into_value())));
        self
    }

    /// The gradient `∇f(x)`, written into the slice (zeroed first) or returned as a `Vec`.
    pub fn gradient<F, R>(mut self, g: F) -> Self
    where
        F: Fn(&[f64], &mut [f64]) -> R + Send + Sync + 'static,
        R: VectorOutput,
    {
        self.gradient = Some(Box::new(move |x, out| g(x, out).finish("gradient", out)));
        self
    }

    /// Generic constraints ([`ConstraintsFn`]): without a Jacobian, it is computed by complex step.
    pub fn constraints_generic<C: ConstraintsFn + Send + Sync + 'static>(mut self, c: C) -> Self {
        self.constraints = Some(Constraints::Generic(Box::new(c)));
        self
    }

    /// Plain constraints `c(x)` (slice of length `m`, zeroed first, or a returned `Vec`): without a
    /// Jacobian, it is computed by finite differences.
    pub fn constraints<F, R>(mut self, c: F) -> Self
    where
        F: Fn(&[f64], &mut [f64]) -> R + Send + Sync + 'static,
        R: VectorOutput,
    {
        self.constraints = Some(Constraints::Plain(Box::new(move |x, out| c(x, out).finish("constraints", out))));
        self
    }

    /// The Jacobian's sparsity structure (coordinates, duplicates merged), with values estimated by
    /// complex step or finite differences on it. Skips probing; use it when probing could miss an
    /// entry or `n` is large.
    pub fn jacobian_structure(mut self, rows: Vec<usize>, cols: Vec<usize>) -> Self {
        self.jacobian = JacobianSpec::Structure { rows, cols };
        self
    }

    /// An explicit sparse Jacobian, Ipopt/cyipopt style: the structure `(rows[k], cols[k])` once,
    /// and a closure writing `vals[k]` (same order) at each point. Duplicate coordinates are
    /// **summed**, as in every triplet format.
    pub fn jacobian_triplets<F, R>(mut self, rows: Vec<usize>, cols: Vec<usize>, vals: F) -> Self
    where
        F: Fn(&[f64], &mut [f64]) -> R + Send + Sync + 'static,
        R: VectorOutput,
    {
        let vals: VecFn = Box::new(move |x, out| vals(x, out).finish("jacobian", out));
        self.jacobian = JacobianSpec::Triplets { rows, cols, vals };
        self
    }

    /// A dense Jacobian: the closure writes all `m·n` entries **row-major**
    /// (`out[i * n + j] = ∂cᵢ/∂xⱼ`, numpy's C order).
    pub fn jacobian_dense<F, R>(mut self, f: F) -> Self
    where
        F: Fn(&[f64], &mut [f64]) -> R + Send + Sync + 'static,
        R: VectorOutput,
    {
        self.jacobian = JacobianSpec::Dense(Box::new(move |x, out| f(x, out).finish("jacobian", out)));
        self
    }

    /// A matrix-free Jacobian: `jvp(x, v, out)` writes `J(x) v` (length m), `vjp(x, w, out)`
    /// writes `J(x)ᵀ w` (length n); outputs are zeroed first. The operator has no entries, so the
    /// IPM takes a Krylov route.
    pub fn jacobian_matrix_free<F, G>(mut self, jvp: F, vjp: G) -> Self
    where
        F: Fn(&[f64], &[f64], &mut [f64]) + Send + Sync + 'static,
        G: Fn(&[f64], &[f64], &mut [f64]) + Send + Sync + 'static,
    {
        self.jacobian = JacobianSpec::MatrixFree { jvp: Box::new(jvp), vjp: Box::new(vjp) };
        self
    }

    /// The Hessian of the Lagrangian `σ∇²f + Σ λᵢ∇²cᵢ` as lower-triangle triplets: the structure
    /// once (every entry must have `row >= col`; upper entries are rejected at build time rather
    /// than mirrored, so passing both halves cannot silently double values; duplicates are summed),
    /// and `vals(x, σ, λ, out)` per point.
    pub fn hessian_triplets<F, R>(mut self, rows: Vec<usize>, cols: Vec<usize>, vals: F) -> Self
    where
        F: Fn(&[f64], f64, &[f64], &mut [f64]) -> R + Send + Sync + 'static,
        R: VectorOutput,
    {
        let vals: HessValsFn = Box::new(move |x, s, l, out| vals(x, s, l, out).finish("hessian", out));
        self.hessian = HessianSpec::Triplets { rows, cols, vals };
        self
    }

    /// A matrix-free Hessian of the Lagrangian: `hvp(x, σ, λ, v, out)` writes
    /// `(σ∇²f(x) + Σ λᵢ∇²cᵢ(x)) v` into `out` (zeroed first).
    pub fn hessian_product<F>(mut self, hvp: F) -> Self
    where
        F: Fn(&[f64], f64, &[f64], &[f64], &mut [f64]) + Send + Sync + 'static,
    {
        self.hessian = HessianSpec::Product(Box::new(hvp));
        self
    }

    /// The starting point; its length sets `n`.
    pub fn initial_point(mut self, x0: impl Into<Vec<f64>>) -> Self {
        self.x0 = Some(x0.into());
        self
    }

    /// Variable bounds (±∞ allowed; default: all free).
    pub fn variable_bounds(mut self, lower: impl Into<Vec<f64>>, upper: impl Into<Vec<f64>>) -> Self {
        self.var_bounds = Some((lower.into(), upper.into()));
        self
    }

    /// Constraint bounds `c_L ≤ c(x) ≤ c_U` (equal entries make equalities); their length sets `m`.
    pub fn constraint_bounds(mut self, lower: impl Into<Vec<f64>>, upper: impl Into<Vec<f64>>) -> Self {
        self.con_bounds = Some((lower.into(), upper.into()));
        self
    }

    /// Variable names (length `n`).
    pub fn variable_names(mut self, names: Vec<String>) -> Self {
        self.variable_names = Some(names);
        self
    }

    /// Constraint names (length `m`).
    pub fn constraint_names(mut self, names: Vec<String>) -> Self {
        self.constraint_names = Some(names);
        self
    }

    /// User scaling (positive finite factors).
    pub fn scaling(mut self, scaling: ProblemScaling) -> Self {
        self.scaling = Some(scaling);
        self
    }

    /// A name for logs.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Random probe points used, besides `x0`, to detect the Jacobian's sparsity (default 2).
    /// Probing costs `n` constraint evaluations per point (complex ones for generic constraints,
    /// `2n` real ones otherwise), once, in [`build`](Self::build); give the structure with
    /// [`jacobian_structure`](Self::jacobian_structure) to skip it.
    pub fn sparsity_probes(mut self, extra_points: usize) -> Self {
        self.probes = extra_points;
        self
    }

    /// Seed for the probe points (probing is deterministic for a given seed).
    pub fn probe_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Validate everything and resolve the derivatives (probing the Jacobian's sparsity if needed).
    pub fn build(self) -> Result<FunctionProblem, ProblemError> {
        let objective = self.objective.ok_or(ProblemError::MissingObjective)?;
        let x0 = self.x0.ok_or(ProblemError::MissingInitialPoint)?;
        let n = x0.len();
        validate::finite("initial point", &x0)?;
        let (lb, ub) = self.var_bounds.unwrap_or_else(|| (vec![f64::NEG_INFINITY; n], vec![f64::INFINITY; n]));
        validate::len("variable lower bounds", n, lb.len())?;
        validate::len("variable upper bounds", n, ub.len())?;
        validate::bounds("variable", &lb, &ub)?;

        let bounds_given = self.con_bounds.is_some();
        let (cl, cu) = self.con_bounds.unwrap_or_default();
        let m = cl.len();
        validate::len("constraint upper bounds", m, cu.len())?;
        validate::bounds("constraint", &cl, &cu)?;
        let jacobian_given = !matches!(self.jacobian, JacobianSpec::Auto);
        if self.constraints.is_none() && m > 0 {
            return Err(ProblemError::MissingConstraints { m });
        }
        if self.constraints.is_none() && jacobian_given {
            return Err(ProblemError::JacobianWithoutConstraints);
        }
        if self.constraints.is_some() && !bounds_given {
            return Err(ProblemError::MissingConstraintBounds);
        }
        if let Some(names) = &self.variable_names {
            validate::len("variable names", n, names.len())?;
        }
        if let Some(names) = &self.constraint_names {
            validate::len("constraint names", m, names.len())?;
        }
        if let Some(s) = &self.scaling {
            validate::scaling(s, n, m)?;
        }

        // Structures are checked even when m = 0 (then any entry is out of range), so a mistake
        // never passes silently.
        if let JacobianSpec::Structure { rows, cols } | JacobianSpec::Triplets { rows, cols, .. } = &self.jacobian {
            validate::structure("Jacobian", rows, cols, m, n, false)?;
        }
        let jacobian = if m == 0 {
            Jacobian::None
        } else {
            match self.jacobian {
                JacobianSpec::Auto => {
                    let points = derivatives::probe_points(&x0, &lb, &ub, self.probes, self.seed);
                    let pattern = probe(self.constraints.as_ref(), m, n, &lb, &ub, &points)?;
                    let groups = derivatives::color_columns(&pattern);
                    Jacobian::Estimated { pattern, groups }
                }
                JacobianSpec::Structure { rows, cols } => {
                    let pattern = SparsityPattern::from_entries(m, n, &rows, &cols);
                    let groups = derivatives::color_columns(&pattern);
                    Jacobian::Estimated { pattern, groups }
                }
                JacobianSpec::Triplets { rows, cols, vals } => {
                    Jacobian::Triplets { pattern: TripletPattern::new(m, n, &rows, &cols, CscStorage::General), vals }
                }
                JacobianSpec::Dense(f) => Jacobian::Dense(f),
                JacobianSpec::MatrixFree { jvp, vjp } => Jacobian::MatrixFree { jvp, vjp },
            }
        };

        let hessian = match self.hessian {
            HessianSpec::None => Hessian::None,
            HessianSpec::Triplets { rows, cols, vals } => {
                validate::structure("Hessian", &rows, &cols, n, n, true)?;
                Hessian::Triplets { pattern: TripletPattern::new(n, n, &rows, &cols, CscStorage::SymmetricLower), vals }
            }
            HessianSpec::Product(hvp) => Hessian::Product(hvp),
        };

        Ok(FunctionProblem {
            n,
            m,
            x0,
            lb,
            ub,
            cl,
            cu,
            objective,
            gradient: self.gradient,
            constraints: self.constraints,
            jacobian,
            hessian,
            variable_names: self.variable_names,
            constraint_names: self.constraint_names,
            scaling: self.scaling,
            name: self.name,
            counters: Counters::default(),
        })
    }
}

/// Probe the Jacobian pattern of `constraints` (complex step for generic ones, finite differences
/// otherwise). A point where `c` is non-finite or fails counts as failed and is skipped.
fn probe(
    constraints: Option<&Constraints>,
    m: usize,
    n: usize,
    lb: &[f64],
    ub: &[f64],
    points: &[Vec<f64>],
) -> Result<SparsityPattern, ProblemError> {
    let result = match constraints {
        Some(Constraints::Generic(g)) => derivatives::probe_sparsity_complex_step(
            |z, out| {
                g.complex(z, out);
                if out.iter().all(|v| v.re.is_finite() && v.im.is_finite()) {
                    Ok(())
                } else {
                    Err(EvalError::NonFinite { what: "constraints" })
                }
            },
            m,
            n,
            points,
        ),
        Some(cons) => derivatives::probe_sparsity_finite_difference(
            |x, out| {
                cons.eval(x, out)?;
                all_finite("constraints", out)
            },
            m,
            lb,
            ub,
            points,
        ),
        None => return Err(ProblemError::MissingConstraints { m }),
    };
    result.map_err(|source| ProblemError::SparsityProbeFailed { source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipax_core::LinearOperatorExt;

    struct Hs071Obj;
    impl ObjectiveFn for Hs071Obj {
        fn eval<T: Scalar>(&self, x: &[T]) -> T {
            x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2]
        }
    }
    struct Hs071Cons;
    impl ConstraintsFn for Hs071Cons {
        fn eval<T: Scalar>(&self, x: &[T], c: &mut [T]) {
            c[0] = x[0] * x[1] * x[2] * x[3];
            c[1] = x[0] * x[0] + x[1] * x[1] + x[2] * x[2] + x[3] * x[3];
        }
    }
    fn hs071_grad(x: &[f64]) -> Vec<f64> {
        vec![x[3] * (2.0 * x[0] + x[1] + x[2]), x[0] * x[3], x[0] * x[3] + 1.0, x[0] * (x[0] + x[1] + x[2])]
    }
    /// Column-major dense 2 × 4 Jacobian.
    fn hs071_jac_dense(x: &[f64]) -> Vec<f64> {
        let r0 = [x[1] * x[2] * x[3], x[0] * x[2] * x[3], x[0] * x[1] * x[3], x[0] * x[1] * x[2]];
        let r1 = [2.0 * x[0], 2.0 * x[1], 2.0 * x[2], 2.0 * x[3]];
        (0..4).flat_map(|j| [r0[j], r1[j]]).collect()
    }
    fn hs071_builder() -> FunctionProblemBuilder {
        FunctionProblem::builder()
            .objective_generic(Hs071Obj)
            .constraints_generic(Hs071Cons)
            .initial_point(vec![1.0, 5.0, 5.0, 1.0])
            .variable_bounds(vec![1.0; 4], vec![5.0; 4])
            .constraint_bounds(vec![25.0, 40.0], vec![f64::INFINITY, 40.0])
    }
    fn max_rel(a: &[f64], b: &[f64]) -> f64 {
        assert_eq!(a.len(), b.len());
        a.iter().zip(b).map(|(x, y)| (x - y).abs() / y.abs().max(1.0)).fold(0.0, f64::max)
    }
    const X: [f64; 4] = [1.2, 4.7, 3.8, 1.4];

    #[test]
    fn generic_hs071_gets_exact_complex_step_derivatives() {
        let p = hs071_builder().build().unwrap();
        assert_eq!(p.gradient_source(), GradientSource::ComplexStep);
        assert_eq!(p.jacobian_source(), JacobianSource::ComplexStep);
        let mut g = vec![0.0; 4];
        p.gradient(&X, &mut g).unwrap();
        assert!(max_rel(&g, &hs071_grad(&X)) <= 1e-13);
        let j = p.jacobian(&X).unwrap();
        assert_eq!(j.shape(), (2, 4));
        assert!(j.csc().is_some(), "estimated Jacobians are assembled");
        assert!(max_rel(&j.to_dense(), &hs071_jac_dense(&X)) <= 1e-13);
        assert_eq!(p.estimated_jacobian_pattern().unwrap().nnz(), 8);
    }

    #[test]
    fn plain_closures_get_finite_difference_derivatives() {
        let p = FunctionProblem::builder()
            .objective(|x: &[f64]| Hs071Obj.eval(x))
            .constraints(|x: &[f64], c: &mut [f64]| Hs071Cons.eval(x, c))
            .initial_point(vec![1.0, 5.0, 5.0, 1.0])
            .variable_bounds(vec![1.0; 4], vec![5.0; 4])
            .constraint_bounds(vec![25.0, 40.0], vec![f64::INFINITY, 40.0])
            .build()
            .unwrap();
        assert_eq!(p.gradient_source(), GradientSource::FiniteDifference);
        assert_eq!(p.jacobian_source(), JacobianSource::FiniteDifference);
        let mut g = vec![0.0; 4];
        p.gradient(&X, &mut g).unwrap();
        assert!(max_rel(&g, &hs071_grad(&X)) <= 1e-7);
        let j = p.jacobian(&X).unwrap();
        assert!(max_rel(&j.to_dense(), &hs071_jac_dense(&X)) <= 1e-7);
        // At the bounds the stencil is one-sided and stays within [1, 5].
        let at_bound = [1.0, 5.0, 5.0, 1.0];
        p.gradient(&at_bound, &mut g).unwrap();
        assert!(max_rel(&g, &hs071_grad(&at_bound)) <= 1e-6);
    }

    #[test]
    fn user_gradient_is_used_when_given() {
        let p = hs071_builder()
            .gradient(|x: &[f64], _: &mut [f64]| hs071_grad(x))
            .build()
            .unwrap();
        assert_eq!(p.gradient_source(), GradientSource::User);
        let mut g = vec![0.0; 4];
        p.gradient(&X, &mut g).unwrap();
        assert_eq!(g, hs071_grad(&X));
    }

    /// c_i = x_{i-1}² + sin x_i + x_i x_{i+1}: tridiagonal.
    struct Banded;
    impl ConstraintsFn for Banded {
        fn eval<T: Scalar>(&self, x: &[T], c: &mut [T]) {
            let n = x.len();
            for i in 0..n {
                c[i] = x[i].sin();
                if i > 0 {
                    c[i] += x[i - 1] * x[i - 1];
                }
                if i + 1 < n {
                    c[i] += x[i] * x[i + 1];
                }
            }
        }
    }

    #[test]
    fn probed_pattern_of_a_banded_jacobian_is_exact() {
        let n = 12;
        let x0: Vec<f64> = (0..n).map(|i| 0.1 * i as f64).collect();
        let p = FunctionProblem::builder()
            .objective_generic(Hs071Obj) // any objective; only the constraints matter here
            .constraints_generic(Banded)
            .initial_point(x0.clone())
            .constraint_bounds(vec![0.0; n], vec![0.0; n])
            .build();
        // Hs071Obj reads x[0..4]; n = 12 is fine.
        let p = p.unwrap();
        let pat = p.estimated_jacobian_pattern().unwrap();
        assert_eq!(pat.nnz(), 3 * n - 2);
        for j in 0..n {
            let expect: Vec<usize> = (j.saturating_sub(1)..(j + 2).min(n)).collect();
            assert_eq!(pat.column(j), &expect[..], "column {j}");
        }
        assert_eq!(p.estimated_jacobian_groups(), Some(3));
        let x: Vec<f64> = (0..n).map(|i| 0.3 + 0.05 * i as f64).collect();
        let jd = p.jacobian(&x).unwrap().to_dense();
        for i in 0..n {
            for j in 0..n {
                let exact = if j + 1 == i {
                    2.0 * x[i - 1]
                } else if j == i {
                    x[i].cos() + if i + 1 < n { x[i + 1] } else { 0.0 }
                } else if j == i + 1 {
                    x[i]
                } else {
                    0.0
                };
                assert!((jd[j * n + i] - exact).abs() <= 1e-15, "({i}, {j})");
            }
        }
        // One complex evaluation per group: the constraint function count is not inflated.
        assert_eq!(p.eval_counts().jac, 1);
        assert_eq!(p.eval_counts().c, 0);
    }

    #[test]
    fn assembled_jacobian_pattern_is_identical_at_every_point() {
        // Direct solvers analyze the pattern once: it must not depend on x (even where a value
        // happens to be zero, e.g. ∂c₀/∂x₀ = x₁x₂x₃ at x₁ = 0).
        let p = hs071_builder().build().unwrap();
        let j1 = p.jacobian(&X).unwrap();
        let j2 = p.jacobian(&[1.0, 0.0, 2.0, 3.0]).unwrap();
        let (a, b) = (j1.csc().unwrap(), j2.csc().unwrap());
        assert_eq!((a.col_ptr, a.row_idx), (b.col_ptr, b.row_idx));
        assert_eq!(b.values[0], 0.0);
    }

    #[test]
    fn given_jacobian_structure_skips_probing() {
        let n = 5;
        let rows: Vec<usize> = (0..n).flat_map(|i| [i, i, i]).collect();
        let cols: Vec<usize> = (0..n).flat_map(|i| [i.saturating_sub(1), i, (i + 1).min(n - 1)]).collect();
        let p = FunctionProblem::builder()
            .objective(|x: &[f64]| x.iter().sum::<f64>())
            .constraints_generic(Banded)
            .jacobian_structure(rows, cols)
            .initial_point(vec![0.5; n])
            .constraint_bounds(vec![0.0; n], vec![0.0; n])
            .build()
            .unwrap();
        assert_eq!(p.estimated_jacobian_pattern().unwrap().nnz(), 3 * n - 2);
        assert_eq!(p.jacobian_source(), JacobianSource::ComplexStep);
    }

    #[test]
    fn triplet_jacobian_sums_duplicates() {
        let p = FunctionProblem::builder()
            .objective(|x: &[f64]| x[0] + x[1])
            .constraints(|x: &[f64], c: &mut [f64]| {
                c[0] = 3.0 * x[1];
                c[1] = 3.0 * x[0];
            })
            .jacobian_triplets(vec![0, 0, 1], vec![1, 1, 0], |_: &[f64], v: &mut [f64]| {
                v.copy_from_slice(&[1.0, 2.0, 3.0]);
            })
            .initial_point(vec![0.0, 0.0])
            .constraint_bounds(vec![0.0, 0.0], vec![1.0, 1.0])
            .build()
            .unwrap();
        assert_eq!(p.jacobian_source(), JacobianSource::Triplets);
        let j = p.jacobian(&[0.0, 0.0]).unwrap();
        // Column-major [[0, 3], [3, 0]].
        assert_eq!(j.to_dense(), vec![0.0, 3.0, 3.0, 0.0]);
        assert_eq!(j.csc().unwrap().values.len(), 2, "duplicates share one stored entry");
    }

    #[test]
    fn dense_jacobian_closure_is_row_major() {
        let p = hs071_builder()
            .jacobian_dense(|x: &[f64], out: &mut [f64]| {
                out[..4].copy_from_slice(&[x[1] * x[2] * x[3], x[0] * x[2] * x[3], x[0] * x[1] * x[3], x[0] * x[1] * x[2]]);
                for j in 0..4 {
                    out[4 + j] = 2.0 * x[j];
                }
            })
            .build()
            .unwrap();
        assert_eq!(p.jacobian_source(), JacobianSource::Dense);
        let j = p.jacobian(&X).unwrap();
        assert!(max_rel(&j.to_dense(), &hs071_jac_dense(&X)) <= 1e-15);
        assert_eq!(j.triplets().unwrap().len(), 8);
    }

    #[test]
    fn matrix_free_jacobian_applies_products_and_has_no_entries() {
        // c(x) = A x with A = [[1, 2, 0], [0, -1, 4]].
        let p = FunctionProblem::builder()
            .objective(|x: &[f64]| x[0] * x[0])
            .constraints(|x: &[f64], c: &mut [f64]| {
                c[0] = x[0] + 2.0 * x[1];
                c[1] = -x[1] + 4.0 * x[2];
            })
            .jacobian_matrix_free(
                |_x: &[f64], v: &[f64], out: &mut [f64]| {
                    out[0] = v[0] + 2.0 * v[1];
                    out[1] = -v[1] + 4.0 * v[2];
                },
                |_x: &[f64], w: &[f64], out: &mut [f64]| {
                    out[0] = w[0];
                    out[1] = 2.0 * w[0] - w[1];
                    out[2] = 4.0 * w[1];
                },
            )
            .initial_point(vec![0.0; 3])
            .constraint_bounds(vec![0.0; 2], vec![0.0; 2])
            .build()
            .unwrap();
        assert_eq!(p.jacobian_source(), JacobianSource::MatrixFree);
        let j = p.jacobian(&[0.0; 3]).unwrap();
        assert_eq!(j.shape(), (2, 3));
        assert!(j.triplets().is_none());
        assert!(j.csc().is_none());
        assert_eq!(j.matvec(&[1.0, 1.0, 1.0]), vec![3.0, 3.0]);
        assert_eq!(j.rmatvec(&[1.0, 2.0]), vec![1.0, 0.0, 8.0]);
        // gemv semantics: y ← 2 J v + 1 y.
        let mut y = vec![1.0, 1.0];
        j.apply(2.0, &[1.0, 0.0, 0.0], 1.0, &mut y);
        assert_eq!(y, vec![3.0, 1.0]);
    }

    /// Exact HS071 Lagrangian Hessian, column-major dense.
    fn hs071_hess_dense(x: &[f64], s: f64, l: &[f64]) -> Vec<f64> {
        let mut h = [[0.0; 4]; 4];
        let f = [
            [2.0 * x[3], x[3], x[3], 2.0 * x[0] + x[1] + x[2]],
            [x[3], 0.0, 0.0, x[0]],
            [x[3], 0.0, 0.0, x[0]],
            [2.0 * x[0] + x[1] + x[2], x[0], x[0], 0.0],
        ];
        for i in 0..4 {
            for j in 0..4 {
                // ∂²(x₁x₂x₃x₄)/∂xᵢ∂xⱼ: the product of the other two variables (0 on the diagonal).
                let c0: f64 =
                    if i == j { 0.0 } else { (0..4).filter(|&k| k != i && k != j).map(|k| x[k]).product() };
                h[i][j] = s * f[i][j] + l[0] * c0 + if i == j { 2.0 * l[1] } else { 0.0 };
            }
        }
        (0..4).flat_map(|j| (0..4).map(move |i| h[i][j])).collect()
    }

    #[test]
    fn hessian_triplets_and_products_give_the_lagrangian_hessian() {
        let (rows, cols): (Vec<usize>, Vec<usize>) = (0..4).flat_map(|i| (0..=i).map(move |j| (i, j))).unzip();
        let p = hs071_builder()
            .hessian_triplets(rows.clone(), cols.clone(), move |x: &[f64], s: f64, l: &[f64], out: &mut [f64]| {
                let d = hs071_hess_dense(x, s, l);
                for k in 0..out.len() {
                    out[k] = d[cols[k] * 4 + rows[k]];
                }
            })
            .build()
            .unwrap();
        assert!(p.has_hessian());
        let lam = [0.7, -1.3];
        let h = p.hessian(&X, 2.0, &lam).unwrap().unwrap();
        assert!(h.is_symmetric());
        assert!(max_rel(&h.to_dense(), &hs071_hess_dense(&X, 2.0, &lam)) <= 1e-15);
        assert_eq!(h.lower_triplets().unwrap().len(), 10);
        assert_eq!(p.eval_counts().hess, 1);

        let q = hs071_builder()
            .hessian_product(|x: &[f64], s: f64, l: &[f64], v: &[f64], out: &mut [f64]| {
                let d = hs071_hess_dense(x, s, l);
                for i in 0..4 {
                    out[i] = (0..4).map(|j| d[j * 4 + i] * v[j]).sum();
                }
            })
            .build()
            .unwrap();
        let h = q.hessian(&X, 2.0, &lam).unwrap().unwrap();
        assert!(h.is_symmetric() && h.triplets().is_none());
        assert!(max_rel(&h.to_dense(), &hs071_hess_dense(&X, 2.0, &lam)) <= 1e-15);

        let none = hs071_builder().build().unwrap();
        assert!(!none.has_hessian());
        assert!(none.hessian(&X, 1.0, &lam).unwrap().is_none());
    }

    #[test]
    fn failures_in_user_closures_become_eval_errors_and_are_counted() {
        let p = FunctionProblem::builder()
            .objective(|x: &[f64]| x[0].ln())
            .gradient(|x: &[f64], _: &mut [f64]| if x[0] > 10.0 { vec![1.0, 2.0] } else { vec![1.0 / x[0]] })
            .constraints(|x: &[f64], _: &mut [f64]| -> Result<Vec<f64>, EvalError> {
                if x[0] > 10.0 { Err(EvalError::failed("constraints", "domain")) } else { Ok(vec![x[0].sqrt() - 1.0]) }
            })
            .jacobian_triplets(vec![0], vec![0], |x: &[f64], v: &mut [f64]| v[0] = 0.5 / x[0].sqrt())
            .initial_point(vec![1.0])
            .constraint_bounds(vec![0.0], vec![0.0])
            .build()
            .unwrap();
        assert_eq!(p.objective(&[-1.0]), Err(EvalError::NonFinite { what: "objective" }));
        assert_eq!(p.objective(&[1.0]), Ok(0.0));
        let mut g = [0.0];
        assert_eq!(p.gradient(&[0.0], &mut g), Err(EvalError::NonFinite { what: "gradient" }));
        assert_eq!(
            p.gradient(&[20.0], &mut g),
            Err(EvalError::WrongLength { what: "gradient", expected: 1, got: 2 })
        );
        let mut c = [0.0];
        assert_eq!(p.constraints(&[-4.0], &mut c), Err(EvalError::NonFinite { what: "constraints" }));
        assert!(matches!(p.constraints(&[20.0], &mut c), Err(EvalError::Failed { .. })));
        p.constraints(&[4.0], &mut c).unwrap();
        assert_eq!(c, [1.0]);
        assert!(matches!(p.jacobian(&[-1.0]), Err(EvalError::NonFinite { what: "jacobian" })));
        assert_eq!(p.eval_counts(), EvalCounts { f: 2, grad: 2, c: 3, jac: 1, hess: 0 });
        p.reset_eval_counts();
        assert_eq!(p.eval_counts(), EvalCounts::default());
    }

    #[test]
    fn nan_in_an_estimated_jacobian_is_an_error_not_a_panic() {
        // exp overflows at x = 1000: the complex step then yields ∞ (no panic, a typed error).
        struct Exp;
        impl ConstraintsFn for Exp {
            fn eval<T: Scalar>(&self, x: &[T], c: &mut [T]) {
                c[0] = x[0].exp();
            }
        }
        let p = FunctionProblem::builder()
            .objective_generic(Hs071Obj)
            .constraints_generic(Exp)
            .initial_point(vec![1.0; 4])
            .constraint_bounds(vec![0.0], vec![0.0])
            .build()
            .unwrap();
        assert!(matches!(p.jacobian(&[1000.0, 1.0, 1.0, 1.0]), Err(EvalError::NonFinite { what: "jacobian" })));
        let mut c = [0.0];
        assert!(p.constraints(&[1000.0, 1.0, 1.0, 1.0], &mut c).is_err());
        let mut g = [0.0; 4];
        assert!(p.gradient(&[1.0, f64::NAN, 1.0, 1.0], &mut g).is_err());
    }

    #[test]
    fn unconstrained_problem_has_an_empty_jacobian() {
        let p = FunctionProblem::builder().objective_generic(Hs071Obj).initial_point(vec![1.0; 4]).build().unwrap();
        assert_eq!(p.num_constraints(), 0);
        assert_eq!(p.jacobian_source(), JacobianSource::NoConstraints);
        let j = p.jacobian(&X).unwrap();
        assert_eq!(j.shape(), (0, 4));
        assert_eq!(j.rmatvec(&[]), vec![0.0; 4]);
        let (mut l, mut u) = (vec![0.0; 4], vec![0.0; 4]);
        p.variable_bounds(&mut l, &mut u);
        assert!(l.iter().all(|v| *v == f64::NEG_INFINITY) && u.iter().all(|v| *v == f64::INFINITY));
    }

    #[test]
    fn problem_data_is_reported_back() {
        let p = hs071_builder()
            .name("hs071")
            .variable_names((1..=4).map(|i| format!("x{i}")).collect())
            .constraint_names(vec!["prod".into(), "sumsq".into()])
            .scaling(ProblemScaling { objective: 2.0, variables: None, constraints: Some(vec![1.0, 0.5]) })
            .build()
            .unwrap();
        assert_eq!(p.name(), "hs071");
        assert_eq!(p.variable_names().unwrap()[3], "x4");
        assert_eq!(p.constraint_names().unwrap()[1], "sumsq");
        assert_eq!(p.scaling().unwrap().objective, 2.0);
        let mut x0 = vec![0.0; 4];
        p.initial_point(&mut x0);
        assert_eq!(x0, vec![1.0, 5.0, 5.0, 1.0]);
        let (mut l, mut u) = (vec![0.0; 2], vec![0.0; 2]);
        p.constraint_bounds(&mut l, &mut u);
        assert_eq!((l, u), (vec![25.0, 40.0], vec![f64::INFINITY, 40.0]));
        fn send_sync<T: Send + Sync>(_: &T) {}
        send_sync(&p);
        assert!(format!("{p:?}").contains("hs071"));
    }

    /// Build, expect an error, check that its message mentions every `needle`.
    fn expect_err(b: FunctionProblemBuilder, needles: &[&str]) -> ProblemError {
        let e = b.build().unwrap_err();
        let msg = e.to_string();
        for n in needles {
            assert!(msg.contains(n), "message {msg:?} should mention {n:?}");
        }
        e
    }

    #[test]
    fn every_build_error_is_reported_with_its_location() {
        let e = expect_err(FunctionProblem::builder().initial_point(vec![1.0]), &["objective"]);
        assert_eq!(e, ProblemError::MissingObjective);
        let e = expect_err(FunctionProblem::builder().objective_generic(Hs071Obj), &["initial point"]);
        assert_eq!(e, ProblemError::MissingInitialPoint);
        let e = expect_err(
            FunctionProblem::builder().objective_generic(Hs071Obj).initial_point(vec![1.0; 4]).constraint_bounds(vec![0.0; 3], vec![1.0; 3]),
            &["3 constraint"],
        );
        assert_eq!(e, ProblemError::MissingConstraints { m: 3 });
        let e = expect_err(
            FunctionProblem::builder().objective_generic(Hs071Obj).initial_point(vec![1.0; 4]).jacobian_dense(|_: &[f64], _: &mut [f64]| ()),
            &["Jacobian", "constraint function"],
        );
        assert_eq!(e, ProblemError::JacobianWithoutConstraints);
        let e = expect_err(
            FunctionProblem::builder()
                .objective_generic(Hs071Obj)
                .constraints_generic(Hs071Cons)
                .constraint_bounds(vec![], vec![])
                .jacobian_structure(vec![0], vec![0])
                .initial_point(vec![1.0; 4]),
            &["entry 0", "0×4"],
        );
        assert!(matches!(e, ProblemError::StructureOutOfRange { nrows: 0, .. }));
        let e = expect_err(
            FunctionProblem::builder().objective_generic(Hs071Obj).constraints_generic(Hs071Cons).initial_point(vec![1.0; 4]),
            &["constraint bounds"],
        );
        assert_eq!(e, ProblemError::MissingConstraintBounds);
        let e = expect_err(hs071_builder().variable_bounds(vec![1.0; 3], vec![5.0; 4]), &["variable lower bounds", "3", "4"]);
        assert!(matches!(e, ProblemError::DimensionMismatch { expected: 4, got: 3, .. }));
        let e = expect_err(hs071_builder().constraint_bounds(vec![0.0; 2], vec![1.0; 1]), &["constraint upper bounds"]);
        assert!(matches!(e, ProblemError::DimensionMismatch { expected: 2, got: 1, .. }));
        let e = expect_err(
            hs071_builder().variable_bounds(vec![1.0, 1.0, 6.0, 1.0], vec![5.0; 4]),
            &["variable", "index 2", "6", "5"],
        );
        assert_eq!(e, ProblemError::InconsistentBounds { what: "variable", index: 2, lower: 6.0, upper: 5.0 });
        let e = expect_err(hs071_builder().constraint_bounds(vec![0.0, 2.0], vec![1.0, 1.0]), &["constraint", "index 1"]);
        assert!(matches!(e, ProblemError::InconsistentBounds { index: 1, .. }));
        let e = expect_err(hs071_builder().initial_point(vec![1.0, f64::NAN, 1.0, 1.0]), &["initial point", "index 1"]);
        assert!(matches!(e, ProblemError::NonFinite { index: 1, .. }));
        let e = expect_err(hs071_builder().initial_point(vec![1.0, 1.0, f64::INFINITY, 1.0]), &["index 2"]);
        assert!(matches!(e, ProblemError::NonFinite { index: 2, .. }));
        let e = expect_err(
            hs071_builder().variable_bounds(vec![1.0; 4], vec![5.0, 5.0, 5.0, f64::NAN]),
            &["variable upper bound", "index 3"],
        );
        assert!(matches!(e, ProblemError::NonFinite { index: 3, .. }));
        let e = expect_err(
            hs071_builder().constraint_bounds(vec![f64::INFINITY, 0.0], vec![f64::INFINITY, 1.0]),
            &["constraint lower bound", "index 0"],
        );
        assert!(matches!(e, ProblemError::ImpossibleBound { index: 0, .. }));
        let e = expect_err(
            hs071_builder().jacobian_triplets(vec![0, 2], vec![0, 1], |_: &[f64], _: &mut [f64]| ()),
            &["Jacobian", "entry 1", "(2, 1)", "2×4"],
        );
        assert!(matches!(e, ProblemError::StructureOutOfRange { entry: 1, row: 2, col: 1, .. }));
        let e = expect_err(hs071_builder().jacobian_structure(vec![0, 1, 1], vec![0, 4, 1]), &["Jacobian", "entry 1"]);
        assert!(matches!(e, ProblemError::StructureOutOfRange { entry: 1, .. }));
        let e = expect_err(hs071_builder().jacobian_structure(vec![0, 1], vec![0]), &["Jacobian structure column list"]);
        assert!(matches!(e, ProblemError::DimensionMismatch { expected: 2, got: 1, .. }));
        let hv = |_: &[f64], _: f64, _: &[f64], _: &mut [f64]| ();
        let e = expect_err(hs071_builder().hessian_triplets(vec![0, 5], vec![0, 0], hv), &["Hessian", "entry 1", "(5, 0)"]);
        assert!(matches!(e, ProblemError::StructureOutOfRange { what: "Hessian", entry: 1, .. }));
        let e = expect_err(hs071_builder().hessian_triplets(vec![0, 1, 1], vec![0, 0, 3], hv), &["entry 2", "(1, 3)", "upper"]);
        assert_eq!(e, ProblemError::UpperTriangleEntry { what: "Hessian", entry: 2, row: 1, col: 3 });
        let e = expect_err(
            hs071_builder().scaling(ProblemScaling { objective: 1.0, variables: Some(vec![1.0, 1.0, 0.0, 1.0]), constraints: None }),
            &["variable", "index 2"],
        );
        assert!(matches!(e, ProblemError::InvalidScaling { index: 2, .. }));
        let e = expect_err(
            hs071_builder().scaling(ProblemScaling { objective: f64::NAN, variables: None, constraints: None }),
            &["objective"],
        );
        assert!(matches!(e, ProblemError::InvalidScaling { what: "objective", .. }));
        let e = expect_err(hs071_builder().variable_names(vec!["a".into()]), &["variable names", "1", "4"]);
        assert!(matches!(e, ProblemError::DimensionMismatch { .. }));
        let e = expect_err(
            FunctionProblem::builder()
                .objective(|x: &[f64]| x[0])
                .constraints(|_: &[f64], c: &mut [f64]| c[0] = f64::NAN)
                .initial_point(vec![1.0])
                .constraint_bounds(vec![0.0], vec![0.0]),
            &["probing", "non-finite"],
        );
        assert!(matches!(e, ProblemError::SparsityProbeFailed { .. }));
    }
}
