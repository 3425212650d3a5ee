//! The [`TestProblem`] machinery: one struct that implements [`ipax_core::Problem`] for every oracle
//! problem, from a [`Model`] (the evaluations) plus fixed sparsity patterns and [`Oracle`] metadata.
//!
//! Two ways to write a problem:
//! - [`Small`]: write `f` and `c` once over hyper-dual numbers ([`HD`]); gradient, Jacobian and the
//!   Hessian of the Lagrangian are exact and the patterns are dense (structural zeros included).
//!   Used for Hock–Schittkowski, Moré–Garbow–Hillstrom and the degenerate set (all `n ≤ 15`).
//! - a hand-written [`Model`] with sparse patterns, used by the scalable families so that building
//!   and evaluating cost `O(nnz)` (a million variables is fine).

use crate::ad::HD;
use ipax_core::{CscMatrix, CscRef, CscStorage, EvalError, LinearOperator, Problem, Triplets};
use std::fmt;

/// `+∞`, for readable bound lists.
pub const INF: f64 = f64::INFINITY;

/// What a correct solver should report on a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// A (local) optimum exists and the solver should find it from `x0`.
    Optimal,
    /// The feasible set is empty: the solver should detect (local) infeasibility.
    Infeasible,
    /// The objective is unbounded below on the feasible set.
    Unbounded,
}

/// Literature data for a problem: what the answer is and where it comes from.
///
/// Multiplier convention (Ipopt's, matching the Hessian `σ∇²f + Σ λᵢ∇²cᵢ`): the Lagrangian is
/// `f + λᵀc − z_Lᵀ(x − x_L) + z_Uᵀ(x − x_U)`, so `λᵢ ≤ 0` on an active lower bound `c_i ≥ c_Lᵢ`,
/// `λᵢ ≥ 0` on an active upper bound.
#[derive(Debug, Clone, PartialEq)]
pub struct Oracle {
    /// Registry name (lowercase, e.g. `"hs071"`).
    pub name: String,
    /// Optimal objective value, when known.
    pub f_star: Option<f64>,
    /// An optimal point, when known.
    pub x_star: Option<Vec<f64>>,
    /// Constraint multipliers `λ` at `x_star` (convention above), when published.
    pub multipliers: Option<Vec<f64>>,
    /// Expected solver outcome.
    pub expected: Expected,
    /// Whether the KKT conditions hold at `x_star` (false where constraint qualifications fail so
    /// badly that no multipliers exist, e.g. HS13).
    pub kkt_holds: bool,
    /// Whether `f_star` is only a local optimum (a solver may legitimately find a better one).
    pub local: bool,
    /// Relative accuracy to which a solver stopping at a feasibility of 1e-8 can reach `f_star`:
    /// 1e-6 normally; larger only where the geometry at `x_star` makes 1e-6 unattainable at that
    /// feasibility for every solver (see [`Oracle::objective_tolerance`]).
    pub f_rel_tol: f64,
    /// Citation of the data.
    pub source: &'static str,
    /// Classification tags: `"hs"`, `"mgh"`, `"unconstrained"`, `"bounds"`, `"equality"`,
    /// `"inequality"`, `"degenerate"`, `"scalable"`, ...
    pub tags: Vec<&'static str>,
    /// Free-form remarks (why a problem is hard, known pitfalls).
    pub notes: &'static str,
}

impl Oracle {
    fn base(name: &str, expected: Expected) -> Oracle {
        Oracle {
            name: name.to_string(),
            f_star: None,
            x_star: None,
            multipliers: None,
            expected,
            kkt_holds: true,
            local: false,
            f_rel_tol: 1e-6,
            source: "",
            tags: Vec::new(),
            notes: "",
        }
    }
    /// A problem with a known optimal value.
    pub fn optimal(name: &str, f_star: f64) -> Oracle {
        Oracle { f_star: Some(f_star), ..Oracle::base(name, Expected::Optimal) }
    }
    /// A problem expected to solve to optimality whose optimal value is not documented.
    pub fn optimal_unknown(name: &str) -> Oracle {
        Oracle::base(name, Expected::Optimal)
    }
    /// An infeasible problem.
    pub fn infeasible(name: &str) -> Oracle {
        Oracle::base(name, Expected::Infeasible)
    }
    /// A problem unbounded below.
    pub fn unbounded(name: &str) -> Oracle {
        Oracle::base(name, Expected::Unbounded)
    }
    /// Set the optimal point.
    pub fn x(mut self, x: &[f64]) -> Oracle {
        self.x_star = Some(x.to_vec());
        self
    }
    /// Set the constraint multipliers.
    pub fn multipliers(mut self, l: &[f64]) -> Oracle {
        self.multipliers = Some(l.to_vec());
        self
    }
    /// Set the citation.
    pub fn source(mut self, s: &'static str) -> Oracle {
        self.source = s;
        self
    }
    /// Add tags.
    pub fn tags(mut self, t: &[&'static str]) -> Oracle {
        self.tags.extend_from_slice(t);
        self
    }
    /// Add remarks.
    pub fn notes(mut self, n: &'static str) -> Oracle {
        self.notes = n;
        self
    }
    /// Mark that no KKT multipliers exist at `x_star`.
    pub fn no_kkt(mut self) -> Oracle {
        self.kkt_holds = false;
        self
    }
    /// The relative objective accuracy that feasibility to 1e-8 permits, for problems whose
    /// optimum sits where the objective changes much faster than the constraint violation (a cusp:
    /// a violation ε moves the optimum by ε^(1/3)). Document the derivation at the call site.
    pub fn objective_tolerance(mut self, rel: f64) -> Oracle {
        self.f_rel_tol = rel;
        self
    }
    /// Mark `f_star` as a local optimum only.
    pub fn local(mut self) -> Oracle {
        self.local = true;
        self
    }
    /// Whether `tag` is among the tags.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.contains(&tag)
    }
}

/// A problem definition that cannot be built (inconsistent lengths or patterns). Only reachable from
/// a faulty definition, never from evaluation input.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DefinitionError {
    /// A vector has the wrong length.
    Length {
        /// Which vector.
        what: &'static str,
        /// Required length.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// A pattern entry is out of range or (for the Hessian) above the diagonal.
    Pattern {
        /// Which pattern (`"jacobian"` or `"hessian"`).
        what: &'static str,
        /// Position of the offending entry in the pattern.
        index: usize,
    },
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DefinitionError::Length { what, expected, got } => {
                write!(f, "{what} has length {got}, expected {expected}")
            }
            DefinitionError::Pattern { what, index } => {
                write!(f, "{what} pattern entry {index} is out of range or not in the lower triangle")
            }
        }
    }
}

impl std::error::Error for DefinitionError {}

/// Dimensions, bounds and starting point of a problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// Variable lower bounds (length `n`; `-INF` when absent).
    pub x_lower: Vec<f64>,
    /// Variable upper bounds.
    pub x_upper: Vec<f64>,
    /// Constraint lower bounds (length `m`).
    pub c_lower: Vec<f64>,
    /// Constraint upper bounds.
    pub c_upper: Vec<f64>,
    /// Starting point.
    pub x0: Vec<f64>,
}

impl Spec {
    /// An unconstrained, unbounded spec with starting point `x0`.
    pub fn free(x0: Vec<f64>) -> Spec {
        let n = x0.len();
        Spec { x_lower: vec![-INF; n], x_upper: vec![INF; n], c_lower: vec![], c_upper: vec![], x0 }
    }
    /// Number of variables.
    pub fn n(&self) -> usize {
        self.x0.len()
    }
    /// Number of constraints.
    pub fn m(&self) -> usize {
        self.c_lower.len()
    }
}

/// A sparsity pattern: parallel row/column index lists. The model fills values in this order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pattern {
    /// Row indices.
    pub rows: Vec<usize>,
    /// Column indices.
    pub cols: Vec<usize>,
}

impl Pattern {
    /// An empty pattern with room for `cap` entries.
    pub fn with_capacity(cap: usize) -> Pattern {
        Pattern { rows: Vec::with_capacity(cap), cols: Vec::with_capacity(cap) }
    }
    /// Append an entry.
    #[inline]
    pub fn push(&mut self, r: usize, c: usize) {
        self.rows.push(r);
        self.cols.push(c);
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    /// Whether the pattern is empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// The evaluations of a problem. Jacobian and Hessian values are written in the order of the
/// patterns given to [`TestProblem::new`]; the patterns never change with `x`.
pub trait Model: Send + Sync {
    /// `f(x)`.
    fn objective(&self, x: &[f64]) -> f64;
    /// `∇f(x)` into `g`.
    fn gradient(&self, x: &[f64], g: &mut [f64]);
    /// `c(x)` into `c`.
    fn constraints(&self, x: &[f64], c: &mut [f64]);
    /// Jacobian values, in pattern order.
    fn jacobian_values(&self, x: &[f64], vals: &mut [f64]);
    /// Lower-triangle values of `σ∇²f + Σ λᵢ∇²cᵢ`, in pattern order.
    fn hessian_values(&self, x: &[f64], sigma: f64, lambda: &[f64], vals: &mut [f64]);
}

/// An oracle problem: implements [`Problem`] with an assembled CSC Jacobian and a symmetric-lower
/// CSC Hessian of the Lagrangian, both with a fixed pattern (structural zeros included).
pub struct TestProblem {
    spec: Spec,
    model: Box<dyn Model>,
    jac: CscMatrix,
    jac_map: Vec<usize>,
    hess: CscMatrix,
    hess_map: Vec<usize>,
    oracle: Oracle,
}

impl fmt::Debug for TestProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestProblem")
            .field("name", &self.oracle.name)
            .field("n", &self.spec.n())
            .field("m", &self.spec.m())
            .field("jac_nnz", &self.jac_map.len())
            .field("hess_nnz", &self.hess_map.len())
            .finish()
    }
}

fn check_len(what: &'static str, v: &[f64], expected: usize) -> Result<(), DefinitionError> {
    if v.len() == expected { Ok(()) } else { Err(DefinitionError::Length { what, expected, got: v.len() }) }
}

impl TestProblem {
    /// Assemble a problem. Patterns are converted to CSC once (with a scatter map), so each
    /// evaluation only refills values: `O(nnz)`.
    pub fn new(
        spec: Spec,
        model: Box<dyn Model>,
        jac_pattern: Pattern,
        hess_pattern: Pattern,
        oracle: Oracle,
    ) -> Result<TestProblem, DefinitionError> {
        let (n, m) = (spec.n(), spec.m());
        check_len("x_lower", &spec.x_lower, n)?;
        check_len("x_upper", &spec.x_upper, n)?;
        check_len("c_upper", &spec.c_upper, m)?;
        if let Some(x) = &oracle.x_star {
            check_len("x_star", x, n)?;
        }
        if let Some(l) = &oracle.multipliers {
            check_len("multipliers", l, m)?;
        }
        if let Some(k) = (0..jac_pattern.len()).find(|&k| jac_pattern.rows[k] >= m || jac_pattern.cols[k] >= n) {
            return Err(DefinitionError::Pattern { what: "jacobian", index: k });
        }
        if let Some(k) = (0..hess_pattern.len())
            .find(|&k| hess_pattern.rows[k] >= n || hess_pattern.cols[k] > hess_pattern.rows[k])
        {
            return Err(DefinitionError::Pattern { what: "hessian", index: k });
        }
        let to_triplets = |p: Pattern, nr: usize, nc: usize| {
            let len = p.len();
            Triplets { nrows: nr, ncols: nc, rows: p.rows, cols: p.cols, vals: vec![0.0; len] }
        };
        let (jac, jac_map) =
            CscMatrix::from_triplets_with_map(&to_triplets(jac_pattern, m, n), CscStorage::General);
        let (hess, hess_map) =
            CscMatrix::from_triplets_with_map(&to_triplets(hess_pattern, n, n), CscStorage::SymmetricLower);
        Ok(TestProblem { spec, model, jac, jac_map, hess, hess_map, oracle })
    }

    /// The literature data.
    pub fn oracle(&self) -> &Oracle {
        &self.oracle
    }
    /// Bounds and starting point.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }
    /// Number of Jacobian pattern entries (before duplicate summation).
    pub fn jacobian_pattern_len(&self) -> usize {
        self.jac_map.len()
    }
    /// Number of Hessian (lower triangle) pattern entries.
    pub fn hessian_pattern_len(&self) -> usize {
        self.hess_map.len()
    }

    fn check_x(&self, x: &[f64]) -> Result<(), EvalError> {
        if x.len() != self.spec.n() {
            return Err(EvalError::WrongLength { what: "x", expected: self.spec.n(), got: x.len() });
        }
        Ok(())
    }
}

fn finite(what: &'static str, v: &[f64]) -> Result<(), EvalError> {
    if v.iter().all(|a| a.is_finite()) { Ok(()) } else { Err(EvalError::NonFinite { what }) }
}

fn out_len(what: &'static str, v: &[f64], expected: usize) -> Result<(), EvalError> {
    if v.len() == expected { Ok(()) } else { Err(EvalError::WrongLength { what, expected, got: v.len() }) }
}

impl Problem for TestProblem {
    fn num_variables(&self) -> usize {
        self.spec.n()
    }
    fn num_constraints(&self) -> usize {
        self.spec.m()
    }
    #[track_caller]
    fn variable_bounds(&self, lower: &mut [f64], upper: &mut [f64]) {
        lower.copy_from_slice(&self.spec.x_lower);
        upper.copy_from_slice(&self.spec.x_upper);
    }
    #[track_caller]
    fn constraint_bounds(&self, lower: &mut [f64], upper: &mut [f64]) {
        lower.copy_from_slice(&self.spec.c_lower);
        upper.copy_from_slice(&self.spec.c_upper);
    }
    #[track_caller]
    fn initial_point(&self, x0: &mut [f64]) {
        x0.copy_from_slice(&self.spec.x0);
    }
    fn objective(&self, x: &[f64]) -> Result<f64, EvalError> {
        self.check_x(x)?;
        let f = self.model.objective(x);
        if f.is_finite() { Ok(f) } else { Err(EvalError::NonFinite { what: "objective" }) }
    }
    fn gradient(&self, x: &[f64], grad: &mut [f64]) -> Result<(), EvalError> {
        self.check_x(x)?;
        out_len("gradient", grad, self.spec.n())?;
        self.model.gradient(x, grad);
        finite("gradient", grad)
    }
    fn constraints(&self, x: &[f64], c: &mut [f64]) -> Result<(), EvalError> {
        self.check_x(x)?;
        out_len("constraints", c, self.spec.m())?;
        self.model.constraints(x, c);
        finite("constraints", c)
    }
    fn jacobian(&self, x: &[f64]) -> Result<Box<dyn LinearOperator + '_>, EvalError> {
        self.check_x(x)?;
        let mut vals = vec![0.0; self.jac_map.len()];
        self.model.jacobian_values(x, &mut vals);
        finite("jacobian", &vals)?;
        Ok(Box::new(Valued::new(&self.jac, &self.jac_map, vals)))
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
        self.check_x(x)?;
        out_len("lambda", lambda, self.spec.m())?;
        let mut vals = vec![0.0; self.hess_map.len()];
        self.model.hessian_values(x, obj_factor, lambda, &mut vals);
        finite("hessian", &vals)?;
        Ok(Some(Box::new(Valued::new(&self.hess, &self.hess_map, vals))))
    }
    fn name(&self) -> String {
        self.oracle.name.clone()
    }
}

/// New values on the problem's fixed CSC pattern, which is borrowed rather than cloned: at
/// n = 1e7 a clone of the obstacle Hessian's pattern was 320 MB of fresh memory per evaluation.
struct Valued<'a> {
    pattern: &'a CscMatrix,
    values: Vec<f64>,
}

impl<'a> Valued<'a> {
    /// The pattern's values from the model's entries `vals` (pattern order, duplicates summed as
    /// [`CscMatrix::refill`] does); no copy when `map` is the identity.
    fn new(pattern: &'a CscMatrix, map: &[usize], vals: Vec<f64>) -> Self {
        let identity = map.len() == pattern.values.len() && map.iter().enumerate().all(|(k, &p)| k == p);
        let values = if identity {
            vals
        } else {
            let mut v = vec![0.0; pattern.values.len()];
            map.iter().zip(&vals).for_each(|(&p, &x)| v[p] += x);
            v
        };
        Valued { pattern, values }
    }

    fn view(&self) -> CscRef<'_> {
        let p = self.pattern;
        CscRef { nrows: p.nrows, ncols: p.ncols, col_ptr: &p.col_ptr, row_idx: &p.row_idx, values: &self.values, storage: p.storage }
    }
}

ipax_core::impl_csc_operator!(Valued<'_>, |m| m.view());

/// A registry row for a fixed-size problem: name and constructor.
pub(crate) type NamedBuilder = (&'static str, fn() -> TestProblem);

/// Objective written over hyper-dual numbers.
pub type ObjFn = fn(&[HD]) -> HD;
/// Constraints written over hyper-dual numbers (`c` has length `m`).
pub type ConFn = fn(&[HD], &mut [HD]);

fn no_constraints(_: &[HD], _: &mut [HD]) {}

/// Builder for a small dense problem written once over [`HD`].
///
/// ```
/// use ipax_testing::problem_def::{Oracle, Small, INF};
/// use ipax_core::Problem;
/// // HS21 (Hock & Schittkowski 1981): min 0.01 x1² + x2² − 100, 10 x1 − x2 ≥ 10, box bounds.
/// let p = Small::new(&[-1.0, -1.0], |x| 0.01 * x[0].sq() + x[1].sq() - 100.0)
///     .bounds(&[2.0, -50.0], &[50.0, 50.0])
///     .constraints(&[10.0], &[INF], |x, c| c[0] = 10.0 * x[0] - x[1])
///     .build(Oracle::optimal("hs021", -99.96).x(&[2.0, 0.0]));
/// assert_eq!(p.objective(&[2.0, 0.0]).unwrap(), -99.96);
/// ```
#[derive(Debug, Clone)]
pub struct Small {
    spec: Spec,
    f: ObjFn,
    c: ConFn,
}

impl Small {
    /// An unconstrained problem `min f(x)` from `x0`.
    pub fn new(x0: &[f64], f: ObjFn) -> Small {
        Small { spec: Spec::free(x0.to_vec()), f, c: no_constraints }
    }
    /// Variable bounds (`±INF` where absent).
    pub fn bounds(mut self, lower: &[f64], upper: &[f64]) -> Small {
        self.spec.x_lower = lower.to_vec();
        self.spec.x_upper = upper.to_vec();
        self
    }
    /// Lower bounds only.
    pub fn lower(mut self, lower: &[f64]) -> Small {
        self.spec.x_lower = lower.to_vec();
        self
    }
    /// General constraints `lower ≤ c(x) ≤ upper` (`m = lower.len()`).
    pub fn constraints(mut self, lower: &[f64], upper: &[f64], c: ConFn) -> Small {
        self.spec.c_lower = lower.to_vec();
        self.spec.c_upper = upper.to_vec();
        self.c = c;
        self
    }
    /// Equality constraints `c(x) = 0` (`m` of them).
    pub fn equalities(self, m: usize, c: ConFn) -> Small {
        let z = vec![0.0; m];
        self.constraints(&z, &z, c)
    }

    /// Finish the definition.
    ///
    /// # Panics
    /// If the definition is inconsistent (wrong lengths): a bug in this crate's problem table,
    /// caught by its tests, never reachable from evaluation input.
    #[track_caller]
    pub fn build(self, oracle: Oracle) -> TestProblem {
        let (n, m) = (self.spec.n(), self.spec.m());
        // Dense patterns: Jacobian row-major, Hessian lower triangle column by column. Structural
        // zeros are kept so the pattern is the same at every point.
        let mut jp = Pattern::with_capacity(n * m);
        for i in 0..m {
            for j in 0..n {
                jp.push(i, j);
            }
        }
        let mut hp = Pattern::with_capacity(n * (n + 1) / 2);
        for j in 0..n {
            for i in j..n {
                hp.push(i, j);
            }
        }
        let model = SmallModel { n, m, f: self.f, c: self.c };
        match TestProblem::new(self.spec, Box::new(model), jp, hp, oracle) {
            Ok(p) => p,
            Err(e) => panic!("invalid small problem definition: {e}"),
        }
    }
}

/// [`Model`] of a [`Small`] problem: derivatives by hyper-dual seeding.
struct SmallModel {
    n: usize,
    m: usize,
    f: ObjFn,
    c: ConFn,
}

impl SmallModel {
    fn lift(x: &[f64]) -> Vec<HD> {
        x.iter().map(|&v| HD::cst(v)).collect()
    }
}

impl Model for SmallModel {
    fn objective(&self, x: &[f64]) -> f64 {
        (self.f)(&Self::lift(x)).a
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        let mut xs = Self::lift(x);
        for j in 0..self.n {
            xs[j].b = 1.0;
            g[j] = (self.f)(&xs).b;
            xs[j].b = 0.0;
        }
    }
    fn constraints(&self, x: &[f64], c: &mut [f64]) {
        let mut cs = vec![HD::cst(0.0); self.m];
        (self.c)(&Self::lift(x), &mut cs);
        for (ci, v) in c.iter_mut().zip(&cs) {
            *ci = v.a;
        }
    }
    fn jacobian_values(&self, x: &[f64], vals: &mut [f64]) {
        let mut xs = Self::lift(x);
        let mut cs = vec![HD::cst(0.0); self.m];
        for j in 0..self.n {
            xs[j].b = 1.0;
            cs.iter_mut().for_each(|v| *v = HD::cst(0.0));
            (self.c)(&xs, &mut cs);
            for i in 0..self.m {
                vals[i * self.n + j] = cs[i].b;
            }
            xs[j].b = 0.0;
        }
    }
    fn hessian_values(&self, x: &[f64], sigma: f64, lambda: &[f64], vals: &mut [f64]) {
        let mut xs = Self::lift(x);
        let mut cs = vec![HD::cst(0.0); self.m];
        let mut k = 0;
        for j in 0..self.n {
            for i in j..self.n {
                // Seeding x_i along ε₁ and x_j along ε₂ puts ∂²/∂x_i∂x_j in the ε₁ε₂ part.
                xs[i].b = 1.0;
                xs[j].c = 1.0;
                let mut v = if sigma != 0.0 { sigma * (self.f)(&xs).d } else { 0.0 };
                if self.m > 0 {
                    cs.iter_mut().for_each(|v| *v = HD::cst(0.0));
                    (self.c)(&xs, &mut cs);
                    v += lambda.iter().zip(&cs).map(|(l, ci)| l * ci.d).sum::<f64>();
                }
                vals[k] = v;
                k += 1;
                xs[i].b = 0.0;
                xs[j].c = 0.0;
            }
        }
    }
}
