//! The problem as the algorithm sees it: fixed variables removed, bounds relaxed, objective and
//! constraints scaled, every evaluation counted, timed and checked for NaN/Inf.

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ipax_core::{CscRef, EvalError, LinearOperator, Problem, Triplets, vec_ops};

use crate::options::{FixedVariableTreatment, Options, ScalingMethod};
use crate::result::EvalCounts;

/// Invalid problem data, found before the first iteration.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ProblemDataError {
    #[error("variable {index}: lower bound {lower} > upper bound {upper}")]
    VariableBounds { index: usize, lower: f64, upper: f64 },
    #[error("constraint {index}: lower bound {lower} > upper bound {upper}")]
    ConstraintBounds { index: usize, lower: f64, upper: f64 },
    #[error("{what} contains NaN at index {index}")]
    NaN { what: &'static str, index: usize },
    #[error("Jacobian has shape {got:?}, expected {expected:?}")]
    JacobianShape { expected: (usize, usize), got: (usize, usize) },
    #[error("Hessian has shape {got:?}, expected {expected:?}")]
    HessianShape { expected: (usize, usize), got: (usize, usize) },
}

/// Wraps a user [`Problem`] for the algorithm.
pub struct Nlp<'p> {
    problem: &'p dyn Problem,
    /// Number of variables in the user's problem.
    pub n_full: usize,
    /// Free (non-fixed) variable indices; the algorithm works on these.
    pub free: Vec<usize>,
    /// Full x template holding the values of fixed variables.
    x_template: Vec<f64>,
    pub n: usize,
    pub m: usize,
    /// Relaxed bounds of the free variables.
    pub x_l: Vec<f64>,
    pub x_u: Vec<f64>,
    /// Original (unrelaxed) bounds of the free variables.
    pub x_l_orig: Vec<f64>,
    pub x_u_orig: Vec<f64>,
    /// Scaled constraint bounds.
    pub c_l: Vec<f64>,
    pub c_u: Vec<f64>,
    /// Original (unrelaxed, unscaled) constraint bounds, for reporting feasibility honestly.
    pub c_l_orig: Vec<f64>,
    pub c_u_orig: Vec<f64>,
    /// Objective scale factor.
    pub obj_scale: f64,
    /// Constraint scale factors.
    pub con_scale: Vec<f64>,
    /// Variable scale factors `d` of the free variables (user scaling): the algorithm works with
    /// `x̃ = d ∘ x`.
    pub var_scale: Vec<f64>,
    counts: Cell<EvalCounts>,
    eval_time: Cell<Duration>,
    scratch_full: std::cell::RefCell<Vec<f64>>,
    /// `free` and its inverse, shared by every reduced Jacobian and Hessian (`None` when no
    /// variable is fixed), so an evaluation copies neither.
    free_map: Option<Arc<FreeMap>>,
}

/// The problem's bounds and starting point as given, with infinite bounds normalized.
struct RawData {
    xl: Vec<f64>,
    xu: Vec<f64>,
    cl: Vec<f64>,
    cu: Vec<f64>,
    x0: Vec<f64>,
}

/// Read bounds and x₀, map bounds beyond `nlp_{lower,upper}_bound_inf` to ∓∞, and reject NaN and
/// crossed bounds (lb > ub) with the index.
fn read_and_validate(problem: &dyn Problem, opts: &Options) -> Result<RawData, ProblemDataError> {
    let n_full = problem.num_variables();
    let m = problem.num_constraints();
    let (mut xl, mut xu) = (vec![0.0; n_full], vec![0.0; n_full]);
    problem.variable_bounds(&mut xl, &mut xu);
    let (mut cl, mut cu) = (vec![0.0; m], vec![0.0; m]);
    problem.constraint_bounds(&mut cl, &mut cu);
    let mut x0 = vec![0.0; n_full];
    problem.initial_point(&mut x0);
    let to_inf = |v: &mut [f64]| {
        for b in v.iter_mut() {
            if *b <= opts.nlp_lower_bound_inf {
                *b = f64::NEG_INFINITY;
            } else if *b >= opts.nlp_upper_bound_inf {
                *b = f64::INFINITY;
            }
        }
    };
    to_inf(&mut xl);
    to_inf(&mut xu);
    to_inf(&mut cl);
    to_inf(&mut cu);
    for (what, v) in [("variable lower bounds", &xl), ("variable upper bounds", &xu), ("constraint lower bounds", &cl), ("constraint upper bounds", &cu), ("initial point", &x0)] {
        if let Some(index) = v.iter().position(|b| b.is_nan()) {
            return Err(ProblemDataError::NaN { what, index });
        }
    }
    for i in 0..n_full {
        if xl[i] > xu[i] {
            return Err(ProblemDataError::VariableBounds { index: i, lower: xl[i], upper: xu[i] });
        }
    }
    for i in 0..m {
        if cl[i] > cu[i] {
            return Err(ProblemDataError::ConstraintBounds { index: i, lower: cl[i], upper: cu[i] });
        }
    }
    Ok(RawData { xl, xu, cl, cu, x0 })
}

impl<'p> Nlp<'p> {
    /// Read dimensions and bounds, validate them, remove fixed variables and relax bounds.
    pub fn new(problem: &'p dyn Problem, opts: &Options) -> Result<Self, ProblemDataError> {
        let n_full = problem.num_variables();
        let m = problem.num_constraints();
        let RawData { xl, xu, mut cl, mut cu, x0 } = read_and_validate(problem, opts)?;
        let mut x_template = x0.clone();
        let free: Vec<usize> = match opts.fixed_variable_treatment {
            FixedVariableTreatment::MakeParameter => (0..n_full).filter(|&i| xl[i] != xu[i]).collect(),
            FixedVariableTreatment::RelaxBounds => (0..n_full).collect(),
        };
        for i in 0..n_full {
            if xl[i] == xu[i] {
                x_template[i] = xl[i];
            }
        }
        let n = free.len();
        // User variable scaling is known up front (it changes the bounds the algorithm sees).
        let mut var_scale = vec![1.0; n];
        if opts.nlp_scaling_method == ScalingMethod::UserScaling
            && let Some(v) = problem.scaling().and_then(|s| s.variables).filter(|v| v.len() == n_full)
        {
            for (k, &i) in free.iter().enumerate() {
                if v[i].is_finite() && v[i] != 0.0 {
                    var_scale[k] = v[i].abs();
                }
            }
        }
        let x_l_orig: Vec<f64> = free.iter().zip(&var_scale).map(|(&i, d)| xl[i] * d).collect();
        let x_u_orig: Vec<f64> = free.iter().zip(&var_scale).map(|(&i, d)| xu[i] * d).collect();
        // Ipopt relaxes bounds by a tiny relative amount so that degenerate problems keep a
        // nonempty interior (bound_relax_factor; Wächter & Biegler 2006, §3.5): each bound b moves
        // outwards by min(bound_relax_factor·max(1, |b|), constr_viol_tol), the cap Ipopt 3.14
        // applies (documentation of `bound_relax_factor`). Without the cap a bound of size 1e6 was
        // relaxed by 1e-2, and projecting the final x back onto it (`honor_original_bounds`)
        // moved x far enough to break the constraints by as much.
        let relax = |b: f64, sign: f64| {
            if b.is_finite() { b + sign * (opts.bound_relax_factor * b.abs().max(1.0)).min(opts.constr_viol_tol) } else { b }
        };
        let x_l: Vec<f64> = x_l_orig.iter().map(|&b| relax(b, -1.0)).collect();
        let x_u: Vec<f64> = x_u_orig.iter().map(|&b| relax(b, 1.0)).collect();
        // Inequality constraint bounds are relaxed too (100× less than variable bounds, which are
        // projected back at the end while constraints cannot be); equalities stay exact.
        let (c_l_orig, c_u_orig) = (cl.clone(), cu.clone());
        // Capped at 1e-9 absolute, so the reported violation of the original bounds stays below
        // 1e-9 even for bounds of size 1e6 (a relative relaxation would allow 1e-4 there); this is
        // never more than Ipopt's min(bound_relax_factor·max(1, |b|), constr_viol_tol).
        let relax = |b: f64, sign: f64| {
            if b.is_finite() {
                b + sign * (1e-2 * opts.bound_relax_factor * b.abs().max(1.0)).min(1e-9).min(opts.constr_viol_tol)
            } else {
                b
            }
        };
        for i in 0..m {
            if cl[i] != cu[i] {
                cl[i] = relax(cl[i], -1.0);
                cu[i] = relax(cu[i], 1.0);
            }
        }
        // Fixed variables keep their values in the scratch vector every evaluation starts from.
        let scratch_full = std::cell::RefCell::new(x_template.clone());
        let free_map = (n < n_full).then(|| Arc::new(FreeMap::new(&free, n_full)));
        Ok(Nlp {
            problem,
            n_full,
            free,
            x_template,
            n,
            m,
            x_l,
            x_u,
            x_l_orig,
            x_u_orig,
            c_l: cl,
            c_u: cu,
            c_l_orig,
            c_u_orig,
            obj_scale: 1.0,
            con_scale: vec![1.0; m],
            var_scale,
            counts: Cell::new(EvalCounts::default()),
            eval_time: Cell::new(Duration::ZERO),
            scratch_full,
            free_map,
        })
    }

    /// The user's starting point restricted to the free variables.
    pub fn initial_point(&self) -> Vec<f64> {
        self.free.iter().zip(&self.var_scale).map(|(&i, d)| self.x_template[i] * d).collect()
    }

    /// Expand free variables to the user's full vector.
    pub fn full_x(&self, x: &[f64]) -> Vec<f64> {
        let mut full = self.x_template.clone();
        for (k, &i) in self.free.iter().enumerate() {
            full[i] = x[k] / self.var_scale[k];
        }
        full
    }

    /// Restrict a full vector to the free variables.
    pub fn restrict(&self, full: &[f64]) -> Vec<f64> {
        self.free.iter().zip(&self.var_scale).map(|(&i, d)| full[i] * d).collect()
    }

    /// Whether any variable is scaled.
    fn has_var_scaling(&self) -> bool {
        self.var_scale.iter().any(|&d| d != 1.0)
    }

    /// `1/d` per free variable, for the operators' column scaling.
    fn col_scale(&self) -> Option<Vec<f64>> {
        self.has_var_scaling().then(|| self.var_scale.iter().map(|d| 1.0 / d).collect())
    }

    fn with_full<R>(&self, x: &[f64], f: impl FnOnce(&[f64]) -> R) -> R {
        let mut full = self.scratch_full.borrow_mut();
        for (k, &i) in self.free.iter().enumerate() {
            full[i] = x[k] / self.var_scale[k];
        }
        f(&full)
    }

    fn timed<R>(&self, f: impl FnOnce() -> R) -> R {
        let t = Instant::now();
        let r = f();
        self.eval_time.set(self.eval_time.get() + t.elapsed());
        r
    }

    fn count(&self, f: impl FnOnce(&mut EvalCounts)) {
        let mut c = self.counts.get();
        f(&mut c);
        self.counts.set(c);
    }

    /// Evaluation counts so far.
    pub fn counts(&self) -> EvalCounts {
        self.counts.get()
    }
    /// Time spent in user callbacks so far.
    pub fn eval_time(&self) -> Duration {
        self.eval_time.get()
    }
    /// Whether the user problem has an exact Hessian.
    pub fn has_hessian(&self) -> bool {
        self.problem.has_hessian()
    }
    /// The wrapped problem.
    pub fn problem(&self) -> &'p dyn Problem {
        self.problem
    }

    /// Unscaled objective.
    pub fn objective_unscaled(&self, x: &[f64]) -> Result<f64, EvalError> {
        self.count(|c| c.objective += 1);
        let f = self.timed(|| self.with_full(x, |xf| self.problem.objective(xf)))?;
        if !f.is_finite() {
            return Err(EvalError::NonFinite { what: "objective" });
        }
        Ok(f)
    }

    /// Violation of the user's *original* (unrelaxed, unscaled) bounds and constraints at the
    /// free-variable point `x` (algorithm space), recomputed from the user's callbacks:
    ///
    /// `max( maxᵢ max(x_Lᵢ − xᵢ, xᵢ − x_Uᵢ, 0),  maxⱼ max(c_Lⱼ − cⱼ(x), cⱼ(x) − c_Uⱼ, 0) )`
    ///
    /// in the user's units (absolute, as Ipopt's unscaled `constr_viol_tol` test). This is the
    /// number a final Optimal/Acceptable status is judged by; it also returns `c(x)`.
    pub fn original_violation(&self, x: &[f64]) -> Result<(f64, Vec<f64>), EvalError> {
        let mut v: f64 = 0.0;
        for k in 0..self.n {
            let d = self.var_scale[k];
            v = v.max((self.x_l_orig[k] - x[k]) / d).max((x[k] - self.x_u_orig[k]) / d);
        }
        let mut c = vec![0.0; self.m];
        self.constraints_unscaled(x, &mut c)?;
        for j in 0..self.m {
            v = v.max(self.c_l_orig[j] - c[j]).max(c[j] - self.c_u_orig[j]);
        }
        // NaN-safe: a NaN comparison above leaves v unchanged, but constraints_unscaled already
        // rejected non-finite values.
        Ok((v.max(0.0), c))
    }

    /// Scaled objective.
    pub fn objective(&self, x: &[f64]) -> Result<f64, EvalError> {
        Ok(self.obj_scale * self.objective_unscaled(x)?)
    }

    /// Scaled gradient (free variables).
    pub fn gradient(&self, x: &[f64], g: &mut [f64]) -> Result<(), EvalError> {
        self.count(|c| c.gradient += 1);
        let mut full = vec![0.0; self.n_full];
        self.timed(|| self.with_full(x, |xf| self.problem.gradient(xf, &mut full)))?;
        for (k, &i) in self.free.iter().enumerate() {
            g[k] = self.obj_scale * full[i] / self.var_scale[k];
        }
        if !vec_ops::all_finite(g) {
            return Err(EvalError::NonFinite { what: "gradient" });
        }
        Ok(())
    }

    /// Unscaled gradient of the full problem (for multipliers of fixed variables).
    pub fn gradient_full_unscaled(&self, x_full: &[f64]) -> Result<Vec<f64>, EvalError> {
        let mut full = vec![0.0; self.n_full];
        self.problem.gradient(x_full, &mut full)?;
        Ok(full)
    }

    /// Unscaled constraints.
    pub fn constraints_unscaled(&self, x: &[f64], c: &mut [f64]) -> Result<(), EvalError> {
        self.count(|cnt| cnt.constraints += 1);
        if self.m == 0 {
            return Ok(());
        }
        self.timed(|| self.with_full(x, |xf| self.problem.constraints(xf, c)))?;
        if !vec_ops::all_finite(c) {
            return Err(EvalError::NonFinite { what: "constraints" });
        }
        Ok(())
    }

    /// Scaled constraints.
    pub fn constraints(&self, x: &[f64], c: &mut [f64]) -> Result<(), EvalError> {
        self.constraints_unscaled(x, c)?;
        for (ci, s) in c.iter_mut().zip(&self.con_scale) {
            *ci *= s;
        }
        Ok(())
    }

    /// The Jacobian of the scaled constraints w.r.t. the free variables.
    pub fn jacobian(&self, x: &[f64]) -> Result<Box<dyn LinearOperator + 'p>, EvalError> {
        self.count(|c| c.jacobian += 1);
        let inner = self.timed(|| self.with_full(x, |xf| self.problem.jacobian(xf)))?;
        if inner.shape() != (self.m, self.n_full) {
            return Err(EvalError::WrongLength { what: "jacobian rows×cols", expected: self.m * self.n_full, got: inner.shape().0 * inner.shape().1 });
        }
        Ok(Box::new(Reduced::new(inner, self.con_scale.clone(), self.free_map.clone(), self.col_scale(), self.n_full, false)))
    }

    /// The Hessian of the scaled Lagrangian `σ f̃ + λᵀ c̃` w.r.t. the free variables.
    pub fn hessian(&self, x: &[f64], obj_factor: f64, lambda: &[f64]) -> Result<Option<Box<dyn LinearOperator + 'p>>, EvalError> {
        if !self.problem.has_hessian() {
            return Ok(None);
        }
        self.count(|c| c.hessian += 1);
        let lam: Vec<f64> = lambda.iter().zip(&self.con_scale).map(|(l, s)| l * s).collect();
        let inner = self.timed(|| self.with_full(x, |xf| self.problem.hessian(xf, obj_factor * self.obj_scale, &lam)))?;
        let Some(inner) = inner else { return Ok(None) };
        if inner.shape() != (self.n_full, self.n_full) {
            return Err(EvalError::WrongLength { what: "hessian rows×cols", expected: self.n_full * self.n_full, got: inner.shape().0 * inner.shape().1 });
        }
        Ok(Some(Box::new(Reduced::new(inner, Vec::new(), self.free_map.clone(), self.col_scale(), self.n_full, true))))
    }

    /// Gradient-based scaling (Ipopt's `nlp_scaling_method = gradient-based`): scale f and each
    /// cᵢ so that its gradient at x0 has max-norm at most `nlp_scaling_max_gradient`.
    pub fn compute_scaling(&mut self, x0: &[f64], opts: &Options) -> Result<(), EvalError> {
        self.obj_scale = opts.obj_scaling_factor;
        self.con_scale = vec![1.0; self.m];
        match opts.nlp_scaling_method {
            ScalingMethod::None => {}
            ScalingMethod::UserScaling => {
                if let Some(s) = self.problem.scaling() {
                    self.obj_scale *= s.objective;
                    if let Some(cs) = s.constraints.filter(|cs| cs.len() == self.m) {
                        self.con_scale = cs;
                    }
                }
            }
            ScalingMethod::GradientBased => {
                let gmax = opts.nlp_scaling_max_gradient;
                let mut g = vec![0.0; self.n];
                let saved = self.obj_scale;
                self.obj_scale = 1.0;
                let r = self.gradient(x0, &mut g);
                self.obj_scale = saved;
                r?;
                let gn = vec_ops::norm_inf(&g);
                if gn > gmax {
                    self.obj_scale *= (gmax / gn).max(opts.nlp_scaling_min_value);
                }
                if self.m > 0 {
                    let jac = self.jacobian(x0)?;
                    // Row max-norms need entries; matrix-free Jacobians keep unit scaling.
                    if let Some(t) = jac.triplets() {
                        let mut rowmax = vec![0.0f64; self.m];
                        for k in 0..t.len() {
                            rowmax[t.rows[k]] = rowmax[t.rows[k]].max(t.vals[k].abs());
                        }
                        for i in 0..self.m {
                            if rowmax[i] > gmax {
                                self.con_scale[i] = (gmax / rowmax[i]).max(opts.nlp_scaling_min_value);
                            }
                        }
                    }
                }
            }
        }
        // Constraint bounds live in scaled space.
        for i in 0..self.m {
            self.c_l[i] *= self.con_scale[i];
            self.c_u[i] *= self.con_scale[i];
        }
        Ok(())
    }
}

/// The free variables of a problem with fixed ones: `free[k]` is the full index of free
/// variable `k`, `pos[i]` the free index of full variable `i` (`usize::MAX` when fixed).
pub(crate) struct FreeMap {
    free: Vec<usize>,
    pos: Vec<usize>,
}

impl FreeMap {
    fn new(free: &[usize], n_full: usize) -> Self {
        let mut pos = vec![usize::MAX; n_full];
        for (k, &i) in free.iter().enumerate() {
            pos[i] = k;
        }
        FreeMap { free: free.to_vec(), pos }
    }
}

/// A user operator seen through row scaling, a restriction to the free variables and a column
/// scaling (variable scaling `x̃ = d ∘ x` makes the columns `1/d`); Hessians get the restriction and
/// the scaling on both sides.
pub struct Reduced<'p> {
    inner: Box<dyn LinearOperator + 'p>,
    row_scale: Vec<f64>,
    /// The restriction to the free variables; `None` when no variable is fixed.
    free: Option<Arc<FreeMap>>,
    /// Per free variable `1/d`; `None` without variable scaling.
    col_scale: Option<Vec<f64>>,
    n_full: usize,
    symmetric_restrict: bool,
    scratch: std::cell::RefCell<(Vec<f64>, Vec<f64>)>,
}

impl<'p> Reduced<'p> {
    fn new(
        inner: Box<dyn LinearOperator + 'p>,
        row_scale: Vec<f64>,
        free: Option<Arc<FreeMap>>,
        col_scale: Option<Vec<f64>>,
        n_full: usize,
        symmetric_restrict: bool,
    ) -> Self {
        let (r, c) = inner.shape();
        Reduced {
            inner,
            row_scale,
            free,
            col_scale,
            n_full,
            symmetric_restrict,
            scratch: std::cell::RefCell::new((vec![0.0; c], vec![0.0; r])),
        }
    }
    fn n_free(&self) -> usize {
        self.free.as_ref().map_or(self.n_full, |f| f.free.len())
    }
    fn out_rows(&self) -> usize {
        if self.symmetric_restrict { self.n_free() } else { self.inner.shape().0 }
    }
    #[inline]
    fn idx(&self, k: usize) -> usize {
        self.free.as_ref().map_or(k, |f| f.free[k])
    }
    #[inline]
    fn cs(&self, k: usize) -> f64 {
        self.col_scale.as_ref().map_or(1.0, |c| c[k])
    }
    #[inline]
    fn rs(&self, i: usize) -> f64 {
        self.row_scale.get(i).copied().unwrap_or(1.0)
    }
}

impl LinearOperator for Reduced<'_> {
    fn shape(&self) -> (usize, usize) {
        (self.out_rows(), self.n_free())
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        let mut guard = self.scratch.borrow_mut();
        let (xf, yf) = &mut *guard;
        let xin: &[f64] = if self.free.is_none() && self.col_scale.is_none() {
            x
        } else {
            xf.iter_mut().for_each(|v| *v = 0.0);
            for k in 0..self.n_free() {
                xf[self.idx(k)] = x[k] * self.cs(k);
            }
            xf
        };
        self.inner.apply(1.0, xin, 0.0, yf);
        ipax_core::operator::scale_output(beta, y);
        if self.symmetric_restrict {
            for k in 0..y.len() {
                y[k] += alpha * self.cs(k) * yf[self.idx(k)];
            }
        } else {
            for i in 0..y.len() {
                y[i] += alpha * self.rs(i) * yf[i];
            }
        }
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        if self.symmetric_restrict {
            return self.apply(alpha, x, beta, y);
        }
        let mut guard = self.scratch.borrow_mut();
        let (xf, yf) = &mut *guard;
        for i in 0..x.len() {
            yf[i] = x[i] * self.rs(i);
        }
        self.inner.apply_transpose(1.0, yf, 0.0, xf);
        ipax_core::operator::scale_output(beta, y);
        for k in 0..y.len() {
            y[k] += alpha * self.cs(k) * xf[self.idx(k)];
        }
    }
    fn is_symmetric(&self) -> bool {
        self.symmetric_restrict
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        if !self.symmetric_restrict {
            return None;
        }
        let d = self.inner.diagonal()?;
        Some((0..self.n_free()).map(|k| d[self.idx(k)] * self.cs(k) * self.cs(k)).collect())
    }
    fn triplets(&self) -> Option<Triplets> {
        self.reduced_triplets(false)
    }
    fn lower_triplets(&self) -> Option<Triplets> {
        self.reduced_triplets(true)
    }
    fn scatter_values(&self, lower: bool, pos: &[usize], out: &mut [f64]) -> bool {
        let Some(c) = self.inner.csc() else {
            // Triplets only: the default (through `triplets`) keeps the same order.
            let t = if lower { self.lower_triplets() } else { self.triplets() };
            return match t {
                Some(t) if t.len() == pos.len() => {
                    pos.iter().zip(&t.vals).for_each(|(&p, &v)| out[p] += v);
                    true
                }
                _ => false,
            };
        };
        if self.free.is_none() && self.col_scale.is_none() && self.symmetric_restrict {
            // Nothing to restrict or scale (`1·1·v = v` exactly): the inner CSC's own scatter.
            return c.scatter_values(lower, pos, out);
        }
        let mut k = 0;
        let mut fits = true;
        self.for_each_mapped(c, lower, |_, _, v| {
            match pos.get(k) {
                Some(&p) => out[p] += v,
                None => fits = false,
            }
            k += 1;
        });
        fits && k == pos.len()
    }
}

impl Reduced<'_> {
    /// The entries of the reduced operator, from the inner CSC when it has one (the same walk as
    /// [`scatter_values`](LinearOperator::scatter_values), so a scatter map built from these
    /// triplets fits it), else from the inner triplets.
    fn reduced_triplets(&self, lower: bool) -> Option<Triplets> {
        let (nr, nc) = self.shape();
        if let Some(c) = self.inner.csc() {
            let mut out = Triplets::with_capacity(nr, nc, c.col_ptr.get(c.ncols).copied().unwrap_or(0));
            self.for_each_mapped(c, lower, |r, col, v| out.push(r, col, v));
            return Some(out);
        }
        let t = if lower { self.inner.lower_triplets()? } else { self.inner.triplets()? };
        let mut out = Triplets::with_capacity(nr, nc, t.len());
        for k in 0..t.len() {
            if let Some((r, c, v)) = self.map_entry(t.rows[k], t.cols[k], t.vals[k]) {
                out.push(r, c, v);
            }
        }
        Some(out)
    }

    /// Visit the reduced entries of the inner CSC `c` (its `for_each_entry` order, fixed
    /// variables dropped, scaled).
    #[inline]
    fn for_each_mapped(&self, c: CscRef<'_>, lower: bool, mut f: impl FnMut(usize, usize, f64)) {
        c.for_each_entry(lower, |r, col, v| {
            if let Some((r, col, v)) = self.map_entry(r, col, v) {
                f(r, col, v);
            }
        });
    }

    /// One inner entry `(r, c, v)` in reduced coordinates with its scaling; `None` when it
    /// belongs to a fixed variable.
    #[inline]
    fn map_entry(&self, mut r: usize, mut c: usize, v: f64) -> Option<(usize, usize, f64)> {
        if let Some(f) = &self.free {
            c = f.pos[c];
            if c == usize::MAX {
                return None;
            }
            if self.symmetric_restrict {
                r = f.pos[r];
                if r == usize::MAX {
                    return None;
                }
            }
        }
        let s = if self.symmetric_restrict { self.cs(r) } else { self.rs(r) };
        Some((r, c, s * self.cs(c) * v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipax_core::{CscMatrix, CscStorage};

    /// A reduced operator's `scatter_values` adds exactly the values of its triplets, in their
    /// order, with fixed variables dropped and the scalings applied.
    #[test]
    fn reduced_scatter_values_match_the_reduced_triplets() {
        let mut t = Triplets::new(4, 4);
        for (r, c, v) in [(0, 0, 1.0), (1, 0, 2.0), (3, 1, 3.0), (2, 2, 4.0), (3, 3, 5.0), (3, 2, 6.0), (1, 1, 7.0)] {
            t.push(r, c, v);
        }
        let free = Some(Arc::new(FreeMap::new(&[0, 2, 3], 4)));
        let cols = Some(vec![0.5, 2.0, 4.0]);
        for storage in [CscStorage::SymmetricLower, CscStorage::General] {
            let sym = storage == CscStorage::SymmetricLower;
            let inner = Box::new(CscMatrix::from_triplets(&t, storage));
            let rows = if sym { Vec::new() } else { vec![3.0, 1.0, 0.25, 2.0] };
            let red = Reduced::new(inner, rows, free.clone(), cols.clone(), 4, sym);
            for lower in [false, true] {
                let list = if lower { red.lower_triplets() } else { red.triplets() }.unwrap();
                let pos: Vec<usize> = (0..list.len()).rev().collect();
                let mut out = vec![0.0; list.len()];
                assert!(red.scatter_values(lower, &pos, &mut out));
                out.reverse();
                assert_eq!(out, list.vals);
                assert!(!red.scatter_values(lower, &pos[1..], &mut out));
            }
        }
    }
}
