//! `ipax._ipax`: the thin Rust half of the Python package `ipax`.
//!
//! Everything user-facing (cyipopt's `Problem` class, scipy's `minimize`, argument normalisation)
//! lives in Python (`py/python/ipax`). This module only adapts one Python *callbacks object* to the
//! [`ipax_core::Problem`] trait and runs [`ipax::Solver`]:
//!
//! * the callbacks object has methods `objective(x)`, `gradient(x)`, `constraints(x)`,
//!   `jacobian(x)`, `hessian(x, lagrange, obj_factor)`, `jvp(x, v)`, `vjp(x, v)`,
//!   `hvp(x, lagrange, obj_factor, v)` and `intermediate(stats, iterate)`; the Python side makes
//!   them return contiguous 1-D `float64` arrays, Rust still checks every length;
//! * the solve runs with the GIL released ([`Python::detach`]); each callback re-attaches, so
//!   solves in several Python threads overlap everywhere except inside Python callbacks;
//! * an exception of the class passed as `eval_error` makes the callback fail *recoverably*
//!   ([`EvalError::Failed`]: the line search backs off, as Ipopt does); any other exception is kept,
//!   the solve is aborted ([`EvalError::Abort`]) and the original exception (with its traceback) is
//!   raised from `solve`;
//! * no Rust panic crosses into Python: the solve runs under [`std::panic::catch_unwind`] and a
//!   panic becomes a `RuntimeError`.

mod testing;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, MutexGuard};

use ipax::{Checkpoint, IterationView, Observer, ObserverAction, Options, SolveResult, WarmStart};
use ipax_core::{CscMatrix, CscStorage, EvalError, LinearOperator, Problem, ProblemScaling, Triplets};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3::{intern, wrap_pyfunction};

/// A fixed sparsity pattern (cyipopt's `jacobianstructure` / `hessianstructure`) and the scatter
/// map from the user's value order into CSC storage, so each evaluation only refills values.
struct Pattern {
    template: CscMatrix,
    map: Vec<usize>,
}

impl Pattern {
    /// Validate `(rows, cols)` against an `nrows × ncols` matrix and build the CSC template.
    ///
    /// For symmetric-lower storage an upper-triangle coordinate `(i, j)` with `i < j` is mirrored to
    /// `(j, i)`: it names the same entry of a symmetric matrix, and Ipopt users do pass either half.
    fn new(
        what: &str,
        nrows: usize,
        ncols: usize,
        rows: &[i64],
        cols: &[i64],
        storage: CscStorage,
    ) -> PyResult<Self> {
        if rows.len() != cols.len() {
            return Err(PyValueError::new_err(format!(
                "{what}: row and column index arrays differ in length ({} vs {})",
                rows.len(),
                cols.len()
            )));
        }
        let mut t = Triplets::new(nrows, ncols);
        for (k, (&r, &c)) in rows.iter().zip(cols).enumerate() {
            let in_range = r >= 0 && c >= 0 && (r as u64) < nrows as u64 && (c as u64) < ncols as u64;
            if !in_range {
                return Err(PyValueError::new_err(format!(
                    "{what}: entry {k} at ({r}, {c}) is outside the {nrows} x {ncols} matrix"
                )));
            }
            let (mut r, mut c) = (r as usize, c as usize);
            if storage == CscStorage::SymmetricLower && r < c {
                std::mem::swap(&mut r, &mut c);
            }
            t.push(r, c, 0.0);
        }
        let (template, map) = CscMatrix::from_triplets_with_map(&t, storage);
        Ok(Pattern { template, map })
    }

    /// Number of values a callback must return.
    fn nnz(&self) -> usize {
        self.map.len()
    }

    /// The matrix with these values (in the user's structure order).
    fn fill(&self, values: &[f64]) -> CscMatrix {
        let mut a = self.template.clone();
        a.refill(&self.map, values);
        a
    }
}

/// How a derivative is provided.
enum Derivative {
    /// Values for a fixed pattern.
    Sparse(Pattern),
    /// Products only (`jvp`/`vjp`, or `hvp`): selects the condensed Krylov route.
    MatrixFree,
    /// Not provided (Hessian only: L-BFGS).
    Absent,
}

/// A Python callbacks object seen as an [`ipax_core::Problem`].
struct PyProblem {
    callbacks: Py<PyAny>,
    eval_error: Py<PyAny>,
    n: usize,
    m: usize,
    lb: Vec<f64>,
    ub: Vec<f64>,
    cl: Vec<f64>,
    cu: Vec<f64>,
    x0: Vec<f64>,
    jacobian: Derivative,
    hessian: Derivative,
    scaling: Option<ProblemScaling>,
    /// The first non-recoverable Python exception; once set, every callback aborts.
    pending: Mutex<Option<PyErr>>,
}

impl PyProblem {
    fn pending(&self) -> MutexGuard<'_, Option<PyErr>> {
        // A poisoned lock only means a panic elsewhere; the Option inside is still meaningful.
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keep `err` (the first one wins) to re-raise it after the solve.
    fn stash(&self, err: PyErr) {
        let mut slot = self.pending();
        if slot.is_none() {
            *slot = Some(err);
        }
    }

    fn abort_if_pending(&self) -> Result<(), EvalError> {
        if self.pending().is_some() { Err(EvalError::Abort("a Python callback raised".into())) } else { Ok(()) }
    }

    /// Map a Python exception to the IPM's error: the user's "cannot evaluate here" exception backs
    /// off the step, everything else aborts the solve and is re-raised later.
    fn convert(&self, py: Python<'_>, what: &'static str, err: PyErr) -> EvalError {
        if err.is_instance(py, self.eval_error.bind(py)) {
            EvalError::Failed { what, message: err.to_string() }
        } else {
            let msg = format!("{what} raised {err}");
            self.stash(err);
            EvalError::Abort(msg)
        }
    }

    /// Abort with a Python exception created here (wrong type or length of a callback result).
    fn fail(&self, err: PyErr) -> EvalError {
        let msg = err.to_string();
        self.stash(err);
        EvalError::Abort(msg)
    }

    /// Copy a callback's 1-D float64 result into `out`, checking type and length.
    fn read_into(&self, what: &'static str, value: &Bound<'_, PyAny>, out: &mut [f64]) -> Result<(), EvalError> {
        let arr = value.extract::<PyReadonlyArray1<'_, f64>>().map_err(|_| {
            self.fail(PyTypeError::new_err(format!("{what} must return a 1-D float64 array")))
        })?;
        let s = arr
            .as_slice()
            .map_err(|_| self.fail(PyTypeError::new_err(format!("{what} returned a non-contiguous array"))))?;
        if s.len() != out.len() {
            return Err(self.fail(PyValueError::new_err(format!(
                "{what} returned {} values, expected {}",
                s.len(),
                out.len()
            ))));
        }
        out.copy_from_slice(s);
        Ok(())
    }

    /// Call a method of the callbacks object with the GIL re-attached, and hand its result to `f`.
    fn call<T>(
        &self,
        what: &'static str,
        make: impl for<'py> FnOnce(Python<'py>, &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>>,
        f: impl for<'py> FnOnce(&Self, &Bound<'py, PyAny>) -> Result<T, EvalError>,
    ) -> Result<T, EvalError> {
        self.abort_if_pending()?;
        Python::attach(|py| {
            let cb = self.callbacks.bind(py);
            match make(py, cb) {
                Ok(v) => f(self, &v),
                Err(e) => Err(self.convert(py, what, e)),
            }
        })
    }
}

fn arr<'py>(py: Python<'py>, s: &[f64]) -> Bound<'py, PyArray1<f64>> {
    PyArray1::from_slice(py, s)
}

impl Problem for PyProblem {
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
        self.call(
            "objective",
            |py, cb| cb.call_method1(intern!(py, "objective"), (arr(py, x),)),
            |s, v| {
                v.extract::<f64>()
                    .map_err(|_| s.fail(PyTypeError::new_err("objective must return a float")))
            },
        )
    }

    fn gradient(&self, x: &[f64], grad: &mut [f64]) -> Result<(), EvalError> {
        self.call(
            "gradient",
            |py, cb| cb.call_method1(intern!(py, "gradient"), (arr(py, x),)),
            |s, v| s.read_into("gradient", v, grad),
        )
    }

    fn constraints(&self, x: &[f64], c: &mut [f64]) -> Result<(), EvalError> {
        if self.m == 0 {
            return Ok(());
        }
        self.call(
            "constraints",
            |py, cb| cb.call_method1(intern!(py, "constraints"), (arr(py, x),)),
            |s, v| s.read_into("constraints", v, c),
        )
    }

    fn jacobian(&self, x: &[f64]) -> Result<Box<dyn LinearOperator + '_>, EvalError> {
        match &self.jacobian {
            _ if self.m == 0 => Ok(Box::new(CscMatrix::from_triplets(&Triplets::new(0, self.n), CscStorage::General))),
            Derivative::Sparse(p) => {
                let mut vals = vec![0.0; p.nnz()];
                self.call(
                    "jacobian",
                    |py, cb| cb.call_method1(intern!(py, "jacobian"), (arr(py, x),)),
                    |s, v| s.read_into("jacobian", v, &mut vals),
                )?;
                Ok(Box::new(p.fill(&vals)))
            }
            Derivative::MatrixFree | Derivative::Absent => {
                self.abort_if_pending()?;
                Ok(Box::new(PyProductOperator { problem: self, kind: ProductKind::Jacobian, x: x.to_vec() }))
            }
        }
    }

    fn has_hessian(&self) -> bool {
        !matches!(self.hessian, Derivative::Absent)
    }

    fn hessian(
        &self,
        x: &[f64],
        obj_factor: f64,
        lambda: &[f64],
    ) -> Result<Option<Box<dyn LinearOperator + '_>>, EvalError> {
        match &self.hessian {
            Derivative::Absent => Ok(None),
            Derivative::Sparse(p) => {
                let mut vals = vec![0.0; p.nnz()];
                self.call(
                    "hessian",
                    |py, cb| cb.call_method1(intern!(py, "hessian"), (arr(py, x), arr(py, lambda), obj_factor)),
                    |s, v| s.read_into("hessian", v, &mut vals),
                )?;
                Ok(Some(Box::new(p.fill(&vals))))
            }
            Derivative::MatrixFree => {
                self.abort_if_pending()?;
                Ok(Some(Box::new(PyProductOperator {
                    problem: self,
                    kind: ProductKind::Hessian { obj_factor, lambda: lambda.to_vec() },
                    x: x.to_vec(),
                })))
            }
        }
    }

    fn scaling(&self) -> Option<ProblemScaling> {
        self.scaling.clone()
    }

    fn name(&self) -> String {
        "python problem".to_string()
    }
}

/// Which product a [`PyProductOperator`] forwards to Python.
enum ProductKind {
    /// `J(x) v` via `jvp`, `J(x)ᵀ w` via `vjp`.
    Jacobian,
    /// `(σ∇²f + Σ λᵢ∇²cᵢ)(x) v` via `hvp`.
    Hessian { obj_factor: f64, lambda: Vec<f64> },
}

/// A matrix-free operator whose products are Python calls.
///
/// [`LinearOperator::apply`] cannot fail, so a Python exception here is stashed and the output is
/// filled with NaN; the next problem evaluation then aborts the solve and the exception is raised.
struct PyProductOperator<'a> {
    problem: &'a PyProblem,
    kind: ProductKind,
    x: Vec<f64>,
}

impl PyProductOperator<'_> {
    fn product(&self, transpose: bool, v: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        let p = self.problem;
        match &self.kind {
            ProductKind::Jacobian if !transpose => p.call(
                "jvp",
                |py, cb| cb.call_method1(intern!(py, "jvp"), (arr(py, &self.x), arr(py, v))),
                |s, r| s.read_into("jvp", r, out),
            ),
            ProductKind::Jacobian => p.call(
                "vjp",
                |py, cb| cb.call_method1(intern!(py, "vjp"), (arr(py, &self.x), arr(py, v))),
                |s, r| s.read_into("vjp", r, out),
            ),
            ProductKind::Hessian { obj_factor, lambda } => p.call(
                "hvp",
                |py, cb| {
                    cb.call_method1(intern!(py, "hvp"), (arr(py, &self.x), arr(py, lambda), *obj_factor, arr(py, v)))
                },
                |s, r| s.read_into("hvp", r, out),
            ),
        }
    }

    fn gemv(&self, transpose: bool, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        let mut tmp = vec![0.0; y.len()];
        if let Err(e) = self.product(transpose, x, &mut tmp) {
            // A recoverable evaluation error cannot be reported from here either: make it fatal.
            if !e.is_abort() {
                self.problem.stash(PyRuntimeError::new_err(format!("matrix-free product failed: {e}")));
            }
            y.iter_mut().for_each(|v| *v = f64::NAN);
            return;
        }
        for (yi, ti) in y.iter_mut().zip(&tmp) {
            *yi = if beta == 0.0 { alpha * ti } else { alpha * ti + beta * *yi };
        }
    }
}

impl LinearOperator for PyProductOperator<'_> {
    fn shape(&self) -> (usize, usize) {
        match self.kind {
            ProductKind::Jacobian => (self.problem.m, self.problem.n),
            ProductKind::Hessian { .. } => (self.problem.n, self.problem.n),
        }
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        self.gemv(false, alpha, x, beta, y)
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        // The Hessian is symmetric: its transpose product is the product.
        let transpose = matches!(self.kind, ProductKind::Jacobian);
        self.gemv(transpose, alpha, x, beta, y)
    }
    fn is_symmetric(&self) -> bool {
        matches!(self.kind, ProductKind::Hessian { .. })
    }
}

/// Calls the Python `intermediate(stats, iterate)` once per accepted iterate (Ipopt's
/// `intermediate_callback` timing), stopping the solve when it returns a false value.
struct PyObserver<'a> {
    problem: &'a PyProblem,
}

impl Observer for PyObserver<'_> {
    fn notify(&mut self, v: &mut IterationView<'_>) -> ObserverAction {
        if v.checkpoint() != Checkpoint::AfterStep {
            return ObserverAction::Continue;
        }
        if self.problem.pending().is_some() {
            return ObserverAction::Stop;
        }
        Python::attach(|py| {
            let stats = (
                i32::from(v.in_restoration()),
                v.iteration(),
                v.objective(),
                v.constraint_violation(),
                v.dual_infeasibility(),
                v.mu(),
                v.step().step_norm,
                v.step().regularization,
                v.step().alpha_dual,
                v.step().alpha_primal,
                v.step().line_search_trials,
            );
            // During feasibility restoration the view is the restoration NLP over (x, p, n), of
            // n + 2m variables; the user's callback always gets the original x (its first n
            // entries) and the bound multipliers of x, as Ipopt's GetCurrentIterate does.
            let (n, m) = (self.problem.n, self.problem.m);
            let head = |s: &[f64], k: usize| -> Vec<f64> { s.iter().copied().take(k).collect() };
            let iterate = (
                arr(py, &head(&v.x(), n)),
                arr(py, &head(&v.y(), m)),
                arr(py, &head(&v.z_l(), n)),
                arr(py, &head(&v.z_u(), n)),
            );
            let cb = self.problem.callbacks.bind(py);
            match cb.call_method1(intern!(py, "intermediate"), (stats, iterate)).and_then(|r| r.is_truthy()) {
                Ok(true) => ObserverAction::Continue,
                Ok(false) => ObserverAction::Stop,
                Err(e) => {
                    self.problem.stash(e);
                    ObserverAction::Stop
                }
            }
        })
    }
}

fn vec_of(a: &PyReadonlyArray1<'_, f64>, what: &str, len: usize) -> PyResult<Vec<f64>> {
    let v = a.as_slice().map_err(|_| PyValueError::new_err(format!("{what} must be contiguous")))?.to_vec();
    if v.len() != len {
        return Err(PyValueError::new_err(format!("{what} has length {}, expected {len}", v.len())));
    }
    Ok(v)
}

fn opt_vec_of(a: Option<PyReadonlyArray1<'_, f64>>, what: &str, len: usize) -> PyResult<Option<Vec<f64>>> {
    a.map(|a| vec_of(&a, what, len)).transpose()
}

fn indices(a: &Option<PyReadonlyArray1<'_, i64>>, what: &str) -> PyResult<Option<Vec<i64>>> {
    a.as_ref()
        .map(|a| {
            a.as_slice()
                .map(|s| s.to_vec())
                .map_err(|_| PyValueError::new_err(format!("{what} must be contiguous")))
        })
        .transpose()
}

/// Options from `(name, value)` string pairs, with Ipopt's option names.
fn build_options(pairs: &[(String, String)]) -> PyResult<Options> {
    let mut o = Options::default();
    for (name, value) in pairs {
        o.set(name, value).map_err(|e| PyValueError::new_err(e.to_string()))?;
    }
    Ok(o)
}

/// Validate one Ipopt-style option (`ValueError` with close matches when unknown or invalid).
#[pyfunction]
fn check_option(name: &str, value: &str) -> PyResult<()> {
    Options::default().set(name, value).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The names of all options ipax understands.
#[pyfunction]
fn option_names() -> Vec<&'static str> {
    Options::table().iter().map(|s| s.name).collect()
}

/// Run the interior-point method on a Python callbacks object (see the module docs).
///
/// Sparse derivatives are given by their structure (`jac_rows`/`jac_cols`,
/// `hess_rows`/`hess_cols`); `jac_matrix_free` / `hess_mode = "matrix-free"` switch to products;
/// `hess_mode = "none"` uses L-BFGS. Returns a dict with cyipopt's info keys and solve statistics.
#[pyfunction]
#[pyo3(signature = (
    callbacks, eval_error, n, m, lb, ub, cl, cu, x0, options,
    jac_rows=None, jac_cols=None, jac_matrix_free=false,
    hess_mode="none", hess_rows=None, hess_cols=None,
    intermediate=false, lagrange=None, zl=None, zu=None,
    obj_scaling=None, x_scaling=None, g_scaling=None, keep_kkt=false, kkt_reuse=false,
    kkt_refine=false,
))]
#[allow(clippy::too_many_arguments)]
fn solve<'py>(
    py: Python<'py>,
    callbacks: Py<PyAny>,
    eval_error: Py<PyAny>,
    n: usize,
    m: usize,
    lb: PyReadonlyArray1<'py, f64>,
    ub: PyReadonlyArray1<'py, f64>,
    cl: PyReadonlyArray1<'py, f64>,
    cu: PyReadonlyArray1<'py, f64>,
    x0: PyReadonlyArray1<'py, f64>,
    options: Vec<(String, String)>,
    jac_rows: Option<PyReadonlyArray1<'py, i64>>,
    jac_cols: Option<PyReadonlyArray1<'py, i64>>,
    jac_matrix_free: bool,
    hess_mode: &str,
    hess_rows: Option<PyReadonlyArray1<'py, i64>>,
    hess_cols: Option<PyReadonlyArray1<'py, i64>>,
    intermediate: bool,
    lagrange: Option<PyReadonlyArray1<'py, f64>>,
    zl: Option<PyReadonlyArray1<'py, f64>>,
    zu: Option<PyReadonlyArray1<'py, f64>>,
    obj_scaling: Option<f64>,
    x_scaling: Option<PyReadonlyArray1<'py, f64>>,
    g_scaling: Option<PyReadonlyArray1<'py, f64>>,
    keep_kkt: bool,
    kkt_reuse: bool,
    kkt_refine: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let mut options = build_options(&options)?;
    // factor_reuse: the IPM hands back its final factor; nothing is kept otherwise.
    if keep_kkt && kkt_reuse {
        options.hold_kkt_factor = true;
    }
    let jacobian = if jac_matrix_free {
        Derivative::MatrixFree
    } else {
        match (indices(&jac_rows, "jac_rows")?, indices(&jac_cols, "jac_cols")?) {
            (Some(r), Some(c)) => Derivative::Sparse(Pattern::new("jacobianstructure", m, n, &r, &c, CscStorage::General)?),
            _ if m == 0 => Derivative::Absent,
            _ => return Err(PyValueError::new_err("a Jacobian structure or jac_matrix_free=True is required")),
        }
    };
    let hessian = match hess_mode {
        "none" => Derivative::Absent,
        "matrix-free" => Derivative::MatrixFree,
        "sparse" => match (indices(&hess_rows, "hess_rows")?, indices(&hess_cols, "hess_cols")?) {
            (Some(r), Some(c)) => {
                Derivative::Sparse(Pattern::new("hessianstructure", n, n, &r, &c, CscStorage::SymmetricLower)?)
            }
            _ => return Err(PyValueError::new_err("hess_mode='sparse' needs hess_rows and hess_cols")),
        },
        other => {
            return Err(PyValueError::new_err(format!(
                "hess_mode must be 'none', 'sparse' or 'matrix-free', got {other:?}"
            )));
        }
    };
    let scaling = if obj_scaling.is_some() || x_scaling.is_some() || g_scaling.is_some() {
        Some(ProblemScaling {
            objective: obj_scaling.unwrap_or(1.0),
            variables: opt_vec_of(x_scaling, "x_scaling", n)?,
            constraints: opt_vec_of(g_scaling, "g_scaling", m)?,
        })
    } else {
        None
    };
    let warm = WarmStart {
        x: None,
        y: opt_vec_of(lagrange, "lagrange", m)?,
        z_l: opt_vec_of(zl, "zl", n)?,
        z_u: opt_vec_of(zu, "zu", n)?,
    };
    let problem = PyProblem {
        callbacks,
        eval_error,
        n,
        m,
        lb: vec_of(&lb, "lb", n)?,
        ub: vec_of(&ub, "ub", n)?,
        cl: vec_of(&cl, "cl", m)?,
        cu: vec_of(&cu, "cu", m)?,
        x0: vec_of(&x0, "x0", n)?,
        jacobian,
        hessian,
        scaling,
        pending: Mutex::new(None),
    };
    let has_warm = warm.y.is_some() || warm.z_l.is_some() || warm.z_u.is_some();

    // Release the GIL for the solve: callbacks re-attach on their own.
    type Kkt = Option<Result<ipax::KktFactor, String>>;
    type Presolve = Option<ipax::problem::presolve::AuxiliaryDiagnostics>;
    let outcome: Result<(SolveResult, Kkt, Presolve), String> = py.detach(|| {
        let mut observer = PyObserver { problem: &problem };
        let mut solver = ipax::Solver::new(options);
        if intermediate {
            solver = solver.with_observer(&mut observer);
        }
        if has_warm {
            solver = solver.with_warm_start(warm);
        }
        catch_unwind(AssertUnwindSafe(|| {
            let result = solver.solve(&problem);
            // The KKT factor for sensitivities (kkt_solve): with kkt_reuse the IPM's factor of its
            // final iteration (none is held on the condensed route, with L-BFGS, after presolve:
            // then the fresh factorization), with kkt_refine too refined against the KKT matrix
            // at the solution, else the KKT matrix at the solution factored once.
            let kkt = (keep_kkt && result.status.is_success()).then(|| {
                let k = if kkt_reuse && kkt_refine {
                    ipax::KktFactor::refined_or_at_solution(&problem, &result)
                } else if kkt_reuse {
                    ipax::KktFactor::reuse_or_at_solution(&problem, &result)
                } else {
                    ipax::KktFactor::at_solution(&problem, &result)
                };
                k.map_err(|e| e.to_string())
            });
            (result, kkt, solver.presolve_diagnostics().cloned())
        }))
        .map_err(|payload| {
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string())
        })
    });
    if let Some(err) = problem.pending().take() {
        return Err(err);
    }
    let (result, kkt, presolve) = outcome.map_err(|msg| PyRuntimeError::new_err(format!("internal error in ipax: {msg}")))?;

    let info = PyDict::new(py);
    info.set_item("x", arr(py, &result.x))?;
    info.set_item("g", arr(py, &result.constraints))?;
    info.set_item("obj_val", result.objective)?;
    info.set_item("mult_g", arr(py, &result.constraint_multipliers))?;
    info.set_item("mult_x_L", arr(py, &result.lower_bound_multipliers))?;
    info.set_item("mult_x_U", arr(py, &result.upper_bound_multipliers))?;
    info.set_item("status", result.status.ipopt_code())?;
    info.set_item("status_msg", result.status.message())?;
    info.set_item("success", result.status.is_success())?;
    info.set_item("iterations", result.iterations)?;
    info.set_item("message", &result.message)?;
    let e = result.evaluations;
    info.set_item("nfev", e.objective)?;
    info.set_item("ngev", e.gradient)?;
    info.set_item("ncev", e.constraints)?;
    info.set_item("njev", e.jacobian)?;
    info.set_item("nhev", e.hessian)?;
    info.set_item("time", result.timings.total.as_secs_f64())?;
    info.set_item("constraint_violation", result.errors.constraint_violation)?;
    info.set_item("dual_infeasibility", result.errors.dual_infeasibility)?;
    if let Some(d) = &presolve {
        info.set_item("presolve", presolve_info(py, d)?)?;
    }
    match kkt {
        Some(Ok(k)) => info.set_item("_kkt", Py::new(py, KktHandle { inner: Mutex::new(k) })?)?,
        Some(Err(msg)) => info.set_item("_kkt_error", msg)?,
        None => {}
    }
    Ok(info)
}

/// `info["presolve"]`: the auxiliary-equality presolve's counts, per-stage timings (seconds) and
/// the one-line summary, when it ran (`presolve=yes presolve_auxiliary=yes`).
fn presolve_info<'py>(py: Python<'py>, d: &ipax::problem::presolve::AuxiliaryDiagnostics) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("summary", d.summary())?;
    out.set_item("equality_rows", d.equality_rows)?;
    out.set_item("candidate_blocks", d.candidate_blocks)?;
    out.set_item("eliminated_blocks", d.eliminated_blocks)?;
    out.set_item("fixed_variables", d.fixed_variables)?;
    out.set_item("dropped_rows", d.dropped_rows)?;
    out.set_item("max_block_dim", d.max_block_dim)?;
    out.set_item("max_residual", d.max_residual)?;
    out.set_item("newton_iterations", d.newton_iterations)?;
    out.set_item("rolled_back", d.rolled_back)?;
    out.set_item("skipped", d.skipped.clone())?;
    let classes = |c: &ipax::problem::presolve::ClassCounts| -> PyResult<Bound<'py, PyDict>> {
        let t = PyDict::new(py);
        t.set_item("pure", c.pure)?;
        t.set_item("objective", c.objective)?;
        t.set_item("inequality", c.inequality)?;
        t.set_item("both", c.both)?;
        Ok(t)
    };
    out.set_item("candidates", classes(&d.candidates)?)?;
    out.set_item("accepted", classes(&d.accepted)?)?;
    let st = &d.stage_times;
    let times = PyDict::new(py);
    for (name, t) in [
        ("incidence", st.incidence),
        ("matching", st.matching),
        ("dm", st.dm),
        ("components", st.components),
        ("btf", st.btf),
        ("block_solve", st.block_solve),
        ("residual_check", st.residual_check),
        ("total", st.total()),
    ] {
        times.set_item(name, t.as_secs_f64())?;
    }
    out.set_item("timings", times)?;
    Ok(out)
}

/// A factored KKT matrix at a solution (see `ipax::KktFactor`): the IPM's held factor of its final
/// iteration (`source() == "held"`), that factor refined against the KKT matrix at the solution
/// (`"held+refined"`; `"held (refinement stalled) → at_solution"` once a stall made it factor the
/// matrix at the solution) or the matrix at the solution factored once (`"fresh"`).
///
/// Thread-safe: the factor is `Send` and sits behind a mutex, so any Python thread may call
/// `solve` (and drop the handle); concurrent calls are serialized on the mutex, which is taken
/// with the GIL released.
#[pyclass(name = "KktFactor")]
struct KktHandle {
    inner: Mutex<ipax::KktFactor>,
}

impl KktHandle {
    fn lock(&self) -> PyResult<MutexGuard<'_, ipax::KktFactor>> {
        self.inner.lock().map_err(|_| PyRuntimeError::new_err("the KKT factor is unusable: an earlier back-solve failed inside ipax"))
    }
}

#[pymethods]
impl KktHandle {
    /// Solve `K v = rhs` for a vector of length n + m (or each column of an (n + m) × k array).
    fn solve<'py>(&self, py: Python<'py>, rhs: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let (n, m) = self.lock()?.dims();
        let arr: numpy::PyReadonlyArrayDyn<'py, f64> = rhs
            .extract()
            .map_err(|_| PyTypeError::new_err("rhs must be a float array of length n + m or shape (n + m, k)"))?;
        let view = arr.as_array();
        // The right-hand sides are copied out first (column after column), so the back-solves run
        // without the GIL; the factor's mutex is taken there too.
        let (mut cols, shape): (Vec<f64>, Option<(usize, usize)>) = match view.ndim() {
            1 => {
                if view.len() != n + m {
                    return Err(PyValueError::new_err(format!("rhs has length {}, expected n + m = {}", view.len(), n + m)));
                }
                (view.iter().copied().collect(), None)
            }
            2 => {
                let (r, k) = (view.shape()[0], view.shape()[1]);
                if r != n + m {
                    return Err(PyValueError::new_err(format!("rhs has {r} rows, expected n + m = {}", n + m)));
                }
                ((0..k).flat_map(|j| (0..r).map(move |i| (i, j))).map(|(i, j)| view[[i, j]]).collect(), Some((r, k)))
            }
            d => return Err(PyValueError::new_err(format!("rhs must be 1-D or 2-D, got {d}-D"))),
        };
        let inner = &self.inner;
        let solved: Result<(), String> = py.detach(|| {
            catch_unwind(AssertUnwindSafe(|| match inner.lock() {
                Ok(mut k) => k.solve_many_in_place(&mut cols).map_err(|e| e.to_string()),
                Err(_) => Err("the KKT factor is unusable: an earlier back-solve failed inside ipax".to_string()),
            }))
            .unwrap_or_else(|_| Err("internal error in ipax during the KKT back-solve".to_string()))
        });
        solved.map_err(PyValueError::new_err)?;
        match shape {
            None => Ok(arr1(py, &cols).into_any()),
            Some((r, k)) => {
                let mut out = vec![0.0; r * k];
                for j in 0..k {
                    for i in 0..r {
                        out[i * k + j] = cols[j * r + i];
                    }
                }
                Ok(PyArray1::from_vec(py, out).reshape([r, k])?.into_any())
            }
        }
    }
    /// `(n, m)`.
    fn dims(&self) -> PyResult<(usize, usize)> {
        Ok(self.lock()?.dims())
    }
    /// `"held"`: the IPM's factor of its final iteration (no factorization at the solution);
    /// `"held+refined"`: that factor refined against the KKT matrix at the solution;
    /// `"held (refinement stalled) → at_solution"`: the refinement stalled and the matrix at the
    /// solution was factored; `"fresh"`: the KKT matrix at the solution, factored once.
    fn source(&self) -> PyResult<&'static str> {
        Ok(self.lock()?.source().as_str())
    }
    /// For a refined held factor: `{"columns", "steps", "max_steps", "worst_correction",
    /// "worst_rate", "gmres_columns", "gmres_iterations", "stalled"}` of its solves so far;
    /// `None` otherwise.
    fn refine_stats<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(s) = self.lock()?.refine_stats() else { return Ok(None) };
        let d = PyDict::new(py);
        d.set_item("columns", s.columns)?;
        d.set_item("steps", s.steps)?;
        d.set_item("max_steps", s.max_steps)?;
        d.set_item("worst_correction", s.worst_correction)?;
        d.set_item("worst_rate", s.worst_rate)?;
        d.set_item("gmres_columns", s.gmres_columns)?;
        d.set_item("gmres_iterations", s.gmres_iterations)?;
        d.set_item("stalled", s.stalled)?;
        Ok(Some(d))
    }
    /// For a held factor: `{"iteration", "mu", "delta_w", "delta_c"}` of the factorization; `None`
    /// for a fresh one.
    fn held_info<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(h) = self.lock()?.held_info() else { return Ok(None) };
        let d = PyDict::new(py);
        d.set_item("iteration", h.iteration)?;
        d.set_item("mu", h.mu)?;
        d.set_item("delta_w", h.delta_w)?;
        d.set_item("delta_c", h.delta_c)?;
        Ok(Some(d))
    }
}

fn arr1<'py>(py: Python<'py>, v: &[f64]) -> Bound<'py, PyArray1<f64>> {
    PyArray1::from_slice(py, v)
}

/// The extension module `ipax._ipax`.
#[pymodule]
fn _ipax(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(solve, m)?)?;
    m.add_class::<KktHandle>()?;
    m.add_function(wrap_pyfunction!(check_option, m)?)?;
    m.add_function(wrap_pyfunction!(option_names, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    testing::register(m)?;
    // The cargo profile this extension was compiled with ("release" or "dev", set by build.rs),
    // so an installed wheel can prove it is the optimized build.
    m.add("__build__", env!("IPAX_PY_BUILD"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipax_core::LinearOperatorExt;

    #[test]
    fn pattern_mirrors_upper_entries_and_sums_duplicates() {
        let p = Pattern::new("h", 2, 2, &[0, 0, 1, 1], &[0, 1, 1, 0], CscStorage::SymmetricLower).unwrap();
        assert_eq!(p.nnz(), 4);
        let h = p.fill(&[2.0, 0.5, 3.0, 0.5]);
        // (0,1) mirrored onto (1,0) and summed with it: [[2, 1], [1, 3]].
        assert_eq!(h.to_dense(), vec![2.0, 1.0, 1.0, 3.0]);
    }

    #[test]
    fn pattern_fills_general_matrix_in_user_order() {
        let p = Pattern::new("j", 2, 3, &[1, 0, 0], &[2, 0, 1], CscStorage::General).unwrap();
        let j = p.fill(&[5.0, 1.0, 2.0]);
        assert_eq!(j.matvec(&[1.0, 1.0, 1.0]), vec![3.0, 5.0]);
    }

    #[test]
    fn pattern_rejects_bad_indices_without_panicking() {
        assert!(Pattern::new("j", 2, 3, &[2], &[0], CscStorage::General).is_err());
        assert!(Pattern::new("j", 2, 3, &[0], &[-1], CscStorage::General).is_err());
        assert!(Pattern::new("j", 2, 3, &[0, 1], &[0], CscStorage::General).is_err());
    }
}
