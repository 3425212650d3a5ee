//! Feasibility restoration (W&B 2006 §3.3), re-entering the same IPM on the problem
//! ```text
//! min  ρ Σ (pᵢ + nᵢ) + ζ/2 ‖D_R (x − x_R)‖²   s.t.  c_L ≤ c(x) − p + n ≤ c_U,  x_L ≤ x ≤ x_U,  p, n ≥ 0
//! ```
//! with ρ = 1000, ζ = √μ and D_R = diag(min(1, 1/|x_R|)). It returns when the original filter
//! accepts a point with sufficiently reduced infeasibility; if it converges instead, the problem
//! is locally infeasible.

use ipax_core::{EvalError, LinearOperator, Problem, Triplets, operator::scale_output, vec_ops};

use crate::driver::{Fired, Ipm, Outcome};
use crate::init::push_one;
use crate::iterate::{Point, evaluate};
use crate::observer::Checkpoint;
use crate::nlp::Nlp;
use crate::options::{FixedVariableTreatment, Options, ScalingMethod};
use crate::result::SolveStatus;

const RHO: f64 = 1000.0;

pub(crate) enum RestorationOutcome {
    Success(Vec<f64>, Vec<f64>),
    Infeasible,
    Failed(SolveStatus),
}

/// The restoration NLP over `(x, p, n)`, in the outer problem's scaled space.
struct RestorationProblem<'a, 'p> {
    nlp: &'a Nlp<'p>,
    n: usize,
    m: usize,
    x_ref: Vec<f64>,
    dr2: Vec<f64>,
    zeta: f64,
    p0: Vec<f64>,
    n0: Vec<f64>,
    exact_hessian: bool,
}

impl Problem for RestorationProblem<'_, '_> {
    fn num_variables(&self) -> usize {
        self.n + 2 * self.m
    }
    fn num_constraints(&self) -> usize {
        self.m
    }
    fn variable_bounds(&self, lower: &mut [f64], upper: &mut [f64]) {
        lower[..self.n].copy_from_slice(&self.nlp.x_l);
        upper[..self.n].copy_from_slice(&self.nlp.x_u);
        lower[self.n..].iter_mut().for_each(|v| *v = 0.0);
        upper[self.n..].iter_mut().for_each(|v| *v = f64::INFINITY);
    }
    fn constraint_bounds(&self, lower: &mut [f64], upper: &mut [f64]) {
        lower.copy_from_slice(&self.nlp.c_l);
        upper.copy_from_slice(&self.nlp.c_u);
    }
    fn initial_point(&self, x0: &mut [f64]) {
        x0[..self.n].copy_from_slice(&self.x_ref);
        x0[self.n..self.n + self.m].copy_from_slice(&self.p0);
        x0[self.n + self.m..].copy_from_slice(&self.n0);
    }
    fn objective(&self, v: &[f64]) -> Result<f64, EvalError> {
        let (x, pn) = v.split_at(self.n);
        let prox: f64 = (0..self.n).map(|j| self.dr2[j] * (x[j] - self.x_ref[j]).powi(2)).sum();
        Ok(RHO * pn.iter().sum::<f64>() + 0.5 * self.zeta * prox)
    }
    fn gradient(&self, v: &[f64], g: &mut [f64]) -> Result<(), EvalError> {
        for j in 0..self.n {
            g[j] = self.zeta * self.dr2[j] * (v[j] - self.x_ref[j]);
        }
        g[self.n..].iter_mut().for_each(|gi| *gi = RHO);
        Ok(())
    }
    fn constraints(&self, v: &[f64], c: &mut [f64]) -> Result<(), EvalError> {
        let (x, pn) = v.split_at(self.n);
        self.nlp.constraints(x, c)?;
        for i in 0..self.m {
            c[i] += -pn[i] + pn[self.m + i];
        }
        Ok(())
    }
    fn jacobian(&self, v: &[f64]) -> Result<Box<dyn LinearOperator + '_>, EvalError> {
        let j = self.nlp.jacobian(&v[..self.n])?;
        Ok(Box::new(RestoJacobian { j, n: self.n, m: self.m }))
    }
    fn has_hessian(&self) -> bool {
        self.exact_hessian
    }
    fn hessian(&self, v: &[f64], obj_factor: f64, lambda: &[f64]) -> Result<Option<Box<dyn LinearOperator + '_>>, EvalError> {
        if !self.exact_hessian {
            return Ok(None);
        }
        // The original objective does not enter restoration: its Hessian weight is 0.
        let h = self.nlp.hessian(&v[..self.n], 0.0, lambda)?;
        let Some(h) = h else { return Ok(None) };
        let diag: Vec<f64> = self.dr2.iter().map(|d| obj_factor * self.zeta * d).collect();
        Ok(Some(Box::new(RestoHessian { h, diag, n: self.n, m: self.m })))
    }
    fn name(&self) -> String {
        "restoration".into()
    }
}

/// `[J  −I  I]`.
struct RestoJacobian<'p> {
    j: Box<dyn LinearOperator + 'p>,
    n: usize,
    m: usize,
}

impl LinearOperator for RestoJacobian<'_> {
    fn shape(&self) -> (usize, usize) {
        (self.m, self.n + 2 * self.m)
    }
    fn apply(&self, alpha: f64, v: &[f64], beta: f64, y: &mut [f64]) {
        self.j.apply(alpha, &v[..self.n], beta, y);
        for i in 0..self.m {
            y[i] += alpha * (-v[self.n + i] + v[self.n + self.m + i]);
        }
    }
    fn apply_transpose(&self, alpha: f64, w: &[f64], beta: f64, y: &mut [f64]) {
        self.j.apply_transpose(alpha, w, beta, &mut y[..self.n]);
        let (p, n) = y[self.n..].split_at_mut(self.m);
        scale_output(beta, p);
        scale_output(beta, n);
        vec_ops::axpy(-alpha, w, p);
        vec_ops::axpy(alpha, w, n);
    }
    fn triplets(&self) -> Option<Triplets> {
        let t = self.j.triplets()?;
        let mut out = Triplets::new(self.m, self.n + 2 * self.m);
        out.extend_shifted(&t, 0, 0, 1.0);
        for i in 0..self.m {
            out.push(i, self.n + i, -1.0);
            out.push(i, self.n + self.m + i, 1.0);
        }
        Some(out)
    }
}

/// `blockdiag(W_c + ζ D_R², 0, 0)`.
struct RestoHessian<'p> {
    h: Box<dyn LinearOperator + 'p>,
    diag: Vec<f64>,
    n: usize,
    m: usize,
}

impl LinearOperator for RestoHessian<'_> {
    fn shape(&self) -> (usize, usize) {
        (self.n + 2 * self.m, self.n + 2 * self.m)
    }
    fn apply(&self, alpha: f64, v: &[f64], beta: f64, y: &mut [f64]) {
        self.h.apply(alpha, &v[..self.n], beta, &mut y[..self.n]);
        for j in 0..self.n {
            y[j] += alpha * self.diag[j] * v[j];
        }
        scale_output(beta, &mut y[self.n..]);
    }
    fn apply_transpose(&self, alpha: f64, v: &[f64], beta: f64, y: &mut [f64]) {
        self.apply(alpha, v, beta, y)
    }
    fn is_symmetric(&self) -> bool {
        true
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        let mut d = self.h.diagonal()?;
        vec_ops::axpy(1.0, &self.diag, &mut d);
        d.resize(self.n + 2 * self.m, 0.0);
        Some(d)
    }
    fn triplets(&self) -> Option<Triplets> {
        let t = self.h.triplets()?;
        Some(self.extend(t))
    }
    fn lower_triplets(&self) -> Option<Triplets> {
        let t = self.h.lower_triplets()?;
        Some(self.extend(t))
    }
}

impl RestoHessian<'_> {
    fn extend(&self, t: Triplets) -> Triplets {
        let dim = self.n + 2 * self.m;
        let mut out = Triplets::new(dim, dim);
        out.extend_shifted(&t, 0, 0, 1.0);
        for j in 0..self.n {
            out.push(j, j, self.diag[j]);
        }
        out
    }
}

/// Run the restoration phase from the outer IPM's current iterate.
pub(crate) fn run(outer: &mut Ipm<'_, '_>) -> RestorationOutcome {
    let nlp = outer.nlp;
    let (n, m) = (nlp.n, nlp.m);
    if m == 0 {
        // Nothing to restore: the line search failed on a bound-constrained problem.
        return RestorationOutcome::Failed(SolveStatus::SearchDirectionTooSmall);
    }
    let (theta_start, r) = outer.restoration_inputs();
    let mu = outer.mu.max(vec_ops::norm_inf(&r));
    let x_ref = outer.it.pt.x.clone();
    let dr2: Vec<f64> = x_ref.iter().map(|x| (1.0f64).min(1.0 / x.abs()).powi(2)).collect();
    // Closed-form p, n making the restoration start feasible and centred (W&B 2006, eq. 33).
    let mut p0 = vec![0.0; m];
    let mut n0 = vec![0.0; m];
    for i in 0..m {
        let a = (mu - RHO * r[i]) / (2.0 * RHO);
        n0[i] = a + (a * a + mu * r[i] / (2.0 * RHO)).sqrt();
        p0[i] = r[i] + n0[i];
        n0[i] = n0[i].max(1e-12);
        p0[i] = p0[i].max(1e-12);
    }
    let exact = outer.opts.hessian_approximation == crate::options::HessianApproximationKind::Exact && nlp.has_hessian();
    let rp = RestorationProblem { nlp, n, m, x_ref: x_ref.clone(), dr2, zeta: mu.sqrt(), p0, n0, exact_hessian: exact };
    let mut opts: Options = outer.opts.clone();
    opts.mu_init = mu;
    opts.nlp_scaling_method = ScalingMethod::None;
    opts.obj_scaling_factor = 1.0;
    opts.bound_relax_factor = 0.0;
    opts.honor_original_bounds = false;
    opts.fixed_variable_treatment = FixedVariableTreatment::RelaxBounds;
    opts.warm_start_init_point = false;
    opts.bound_push = 1e-12;
    opts.bound_frac = 1e-12;
    opts.max_iter = outer.opts.max_resto_iter.min(outer.opts.max_iter.saturating_sub(outer.iter)).max(1);
    let inner_nlp = match Nlp::new(&rp, &opts) {
        Ok(n) => n,
        Err(_) => return RestorationOutcome::Failed(SolveStatus::RestorationFailed),
    };
    let mut x0 = vec![0.0; n + 2 * m];
    rp.initial_point(&mut x0);
    let la = outer.la;
    let mut obs = outer.observer.take();
    let outer_ref: &Ipm<'_, '_> = &*outer;
    let mut exit = |v: &[f64], s: &[f64]| outer_ref.restoration_exit_ok(&v[..n], s, theta_start);
    let mut inner = Ipm::new(&inner_nlp, &opts, la, true);
    inner.observer = obs.as_deref_mut().map(|o| o as &mut dyn crate::observer::Observer);
    inner.user_nlp = Some(nlp);
    inner.iter_offset = outer_ref.iter;
    let outcome = inner.run(x0, None, Some(&mut exit));
    let inner_iters = inner.iter;
    let x_new = inner.it.pt.x[..n].to_vec();
    let s_new = inner.it.pt.s.clone();
    let inner_theta = vec_ops::norm1(&inner.it.pt.x[n..]);
    // A restoration run that stalls (tiny steps, failed line search) at a point that is already
    // stationary for the infeasibility measure has converged for our purposes.
    let inner_stationary = inner.errors(0.0).overall <= outer.opts.acceptable_tol.max(outer.opts.tol.sqrt());
    drop(inner);
    outer.observer = obs;
    outer.iter += inner_iters;
    let ok = outer.restoration_exit_ok(&x_new, &s_new, theta_start);
    match outcome {
        Outcome::ExitRequested => RestorationOutcome::Success(x_new, s_new),
        Outcome::Status(SolveStatus::Optimal | SolveStatus::Acceptable) => {
            if ok {
                RestorationOutcome::Success(x_new, s_new)
            } else if inner_theta > outer.opts.constr_viol_tol.min(1e-6).max(outer.opts.tol) {
                RestorationOutcome::Infeasible
            } else {
                RestorationOutcome::Failed(SolveStatus::RestorationFailed)
            }
        }
        Outcome::Status(SolveStatus::RestorationFailed | SolveStatus::SearchDirectionTooSmall | SolveStatus::LinearSolverFailure)
            if inner_stationary && !ok && inner_theta > outer.opts.constr_viol_tol.min(1e-6).max(outer.opts.tol) =>
        {
            RestorationOutcome::Infeasible
        }
        Outcome::Status(SolveStatus::UserStop) => RestorationOutcome::Failed(SolveStatus::UserStop),
        Outcome::Status(SolveStatus::MaxIterations) => RestorationOutcome::Failed(SolveStatus::MaxIterations),
        Outcome::Status(SolveStatus::MaxWallTime) => RestorationOutcome::Failed(SolveStatus::MaxWallTime),
        Outcome::Status(SolveStatus::EvaluationError) => RestorationOutcome::Failed(SolveStatus::EvaluationError),
        Outcome::Status(_) => RestorationOutcome::Failed(SolveStatus::RestorationFailed),
    }
}

impl Ipm<'_, '_> {
    /// Run the feasibility restoration phase and continue from its point. `Err` ends the solve.
    pub(crate) fn restoration_phase(&mut self) -> Result<(), Outcome> {
        if self.in_resto {
            return Err(Outcome::Status(SolveStatus::RestorationFailed));
        }
        match self.fire(Checkpoint::PreRestorationEntry) {
            Fired::Stop => return Err(Outcome::Status(SolveStatus::UserStop)),
            // The observer changed the iterate: the next iteration starts from its point.
            Fired::Steered => return Ok(()),
            Fired::Continue => {}
        }
        match run(self) {
            RestorationOutcome::Success(x, s) => {
                self.accept_restoration_point(x, s).map_err(Outcome::Status)?;
                self.iter += 1;
                self.last.tag = "r";
                if self.fire(Checkpoint::PostRestorationExit) == Fired::Stop || self.fire(Checkpoint::AfterStep) == Fired::Stop {
                    return Err(Outcome::Status(SolveStatus::UserStop));
                }
                Ok(())
            }
            RestorationOutcome::Infeasible => Err(Outcome::Status(SolveStatus::Infeasible)),
            RestorationOutcome::Failed(st) => Err(Outcome::Status(st)),
        }
    }

    /// Continue from a point returned by the restoration phase: slacks as at the initial point,
    /// bound multipliers `min(μ/slack, 1e3)`, least-squares y, a fresh quasi-Newton memory.
    fn accept_restoration_point(&mut self, x: Vec<f64>, s_in: Vec<f64>) -> Result<(), SolveStatus> {
        let (n, m) = (self.b.n, self.b.m);
        let mut s = s_in;
        for i in 0..m {
            if self.b.is_ineq[i] {
                push_one(&mut s[i], self.b.lo[n + i], self.b.up[n + i], 1e-8, 1e-8);
            }
        }
        self.it.pt = evaluate(self.nlp, x, s).map_err(|_| SolveStatus::EvaluationError)?;
        let mut s = std::mem::take(&mut self.it.pt.s);
        self.restoration_slacks(&self.it.pt.c, &mut s);
        self.it.pt.s = s;
        self.evaluate_derivatives().map_err(|_| SolveStatus::EvaluationError)?;
        let mu = self.mu;
        let it = &mut self.it;
        let (zl, zu) = (&mut it.zl, &mut it.zu);
        self.b.for_each_bound(&it.pt, |j, side, slack| match side {
            crate::iterate::Side::Lower => zl[j] = (mu / slack).min(1e3),
            crate::iterate::Side::Upper => zu[j] = (mu / slack).min(1e3),
        });
        let _ = self.least_squares_multipliers();
        if let Some(q) = self.qn.as_mut() {
            q.reset();
        }
        Ok(())
    }

    /// Slacks the outer iterate takes on leaving restoration (the exit test judges the same ones):
    /// `c(x)` moved into the slack bounds by `slack_bound_push`/`slack_bound_frac`, as at the
    /// initial point. Pushing only 1e-8 off a bound made `θ` look restored while leaving slacks
    /// at the boundary, so every later step was cut to α ≈ 1e-4 by the fraction-to-the-boundary
    /// rule and restoration was re-entered (case6495rte).
    fn restoration_slacks(&self, c: &[f64], s: &mut [f64]) {
        let n = self.b.n;
        for i in 0..self.b.m {
            if self.b.is_ineq[i] {
                let mut v = c[i];
                push_one(&mut v, self.b.lo[n + i], self.b.up[n + i], self.opts.slack_bound_push, self.opts.slack_bound_frac);
                s[i] = v;
            }
        }
    }

    /// θ and the residual at the iterate, where restoration starts.
    fn restoration_inputs(&self) -> (f64, Vec<f64>) {
        let mut r = vec![0.0; self.b.m];
        self.b.residual(&self.it.pt, &mut r);
        (self.b.theta(&self.it.pt), r)
    }

    /// Whether the (x, s) pair is acceptable to the current filter with enough θ reduction.
    fn restoration_exit_ok(&self, x: &[f64], s: &[f64], theta_start: f64) -> bool {
        let mut s_proj = s.to_vec();
        let pt = match evaluate(self.nlp, x.to_vec(), s.to_vec()) {
            Ok(p) => p,
            Err(_) => return false,
        };
        self.restoration_slacks(&pt.c, &mut s_proj);
        let pt = Point { s: s_proj, ..pt };
        let th = self.b.theta(&pt);
        let ph = self.b.phi(&pt, self.mu);
        th <= self.opts.required_infeasibility_reduction * theta_start && th <= self.ls.theta_max && self.ls.filter.acceptable(th, ph)
            || th <= 1e-2 * self.opts.constr_viol_tol.min(self.opts.tol.sqrt()) && ph.is_finite()
    }
}
