//! The primal-dual interior-point iteration (Wächter & Biegler 2006, Algorithm A).

use std::time::{Duration, Instant};

use ipax_core::{EvalError, HessianApproximation, LinSolveError, LinearOperator, Problem, vec_ops};

use crate::filter::Filter;
use crate::kkt::{FactorStatus, HessianTerm, KktBlocks, KktRoute, KktSolver, LinearSolverFactory, SolverRequest};
use crate::nlp::Nlp;
use crate::observer::{Checkpoint, IterationView, KktInfo, Observer, ObserverAction};
use crate::options::{HessianApproximationKind, KrylovPreconditionerChoice, LineSearchKind, MuStrategy, Options};
use crate::restoration::{self, RestorationOutcome};
use crate::result::{FinalErrors, SolveResult, SolveStatus, Timings};
use crate::summation::CompensatedSum;

/// Creates a quasi-Newton Hessian approximation of dimension `n` with `memory` pairs.
pub type QuasiNewtonFactory<'a> = &'a dyn Fn(usize, usize) -> Box<dyn HessianApproximation>;

/// The injected linear algebra: route, solver factory and quasi-Newton factory.
pub struct LinearAlgebra<'a> {
    pub route: KktRoute,
    pub factory: &'a dyn LinearSolverFactory,
    pub quasi_newton: QuasiNewtonFactory<'a>,
}

/// A warm start: primal point and multipliers (in the user's full variable space).
#[derive(Debug, Clone, Default)]
pub struct WarmStart {
    pub x: Option<Vec<f64>>,
    pub y: Option<Vec<f64>>,
    pub z_l: Option<Vec<f64>>,
    pub z_u: Option<Vec<f64>>,
}

/// Solve `problem`.
pub fn solve(
    problem: &dyn Problem,
    opts: &Options,
    la: &LinearAlgebra<'_>,
    observer: Option<&mut dyn Observer>,
    warm: Option<&WarmStart>,
) -> SolveResult {
    let start = Instant::now();
    let mut nlp = match Nlp::new(problem, opts) {
        Ok(nlp) => nlp,
        Err(e) => return invalid_result(problem, e.to_string()),
    };
    let mut x0 = nlp.initial_point();
    if let Some(wx) = warm.and_then(|w| w.x.as_ref()) {
        if wx.len() == nlp.n_full {
            x0 = nlp.restrict(wx);
        } else {
            return invalid_result(problem, format!("warm-start x has length {}, expected {}", wx.len(), nlp.n_full));
        }
    }
    let ipm = Ipm::new(&nlp, opts, la, false);
    let push = if opts.warm_start_init_point { (opts.warm_start_bound_push, opts.warm_start_bound_frac) } else { (opts.bound_push, opts.bound_frac) };
    let x_user = x0;
    let x0 = ipm.push_into_bounds(&x_user, push);
    // Gradient-based scaling is determined at the user's starting point, before the bound push,
    // as Ipopt does (its scaling evaluates at the TNLP's x0; the push comes later, in the iterate
    // initializer): on hs097 the pushed point scales the problem into another local minimum
    // (f = 4.07 instead of 3.136; Ipopt given those factors ends there too). Where the model
    // cannot be evaluated at the user's point (outside a log's domain, say), the pushed one is used.
    if nlp.compute_scaling(&x_user, opts).is_err()
        && let Err(e) = nlp.compute_scaling(&x0, opts)
    {
        return ipm_eval_failure(&nlp, opts, e, start);
    }
    let mut ipm = Ipm::new(&nlp, opts, la, false);
    ipm.observer = observer.map(|o| o as &mut dyn Observer);
    let outcome = ipm.run(x0, warm, None);
    ipm.finish(outcome, start)
}

fn invalid_result(problem: &dyn Problem, message: String) -> SolveResult {
    SolveResult {
        status: SolveStatus::InvalidProblem,
        x: vec![f64::NAN; problem.num_variables()],
        objective: f64::NAN,
        constraints: vec![f64::NAN; problem.num_constraints()],
        constraint_multipliers: vec![0.0; problem.num_constraints()],
        lower_bound_multipliers: vec![0.0; problem.num_variables()],
        upper_bound_multipliers: vec![0.0; problem.num_variables()],
        iterations: 0,
        evaluations: Default::default(),
        timings: Default::default(),
        errors: Default::default(),
        message,
    }
}

fn ipm_eval_failure(nlp: &Nlp<'_>, _opts: &Options, e: EvalError, start: Instant) -> SolveResult {
    let mut r = invalid_result(nlp.problem(), format!("evaluation failed at the starting point: {e}"));
    r.status = SolveStatus::EvaluationError;
    r.x = nlp.full_x(&nlp.initial_point());
    r.evaluations = nlp.counts();
    r.timings.total = start.elapsed();
    r
}

/// Internal outcome of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Status(SolveStatus),
    /// The restoration exit test was met.
    ExitRequested,
}

/// Point-dependent quantities.
#[derive(Clone)]
pub(crate) struct Point {
    pub x: Vec<f64>,
    pub s: Vec<f64>,
    pub f: f64,
    pub grad: Vec<f64>,
    pub c: Vec<f64>,
}

pub(crate) type ExitTest<'e> = &'e mut dyn FnMut(&[f64], &[f64]) -> bool;

pub(crate) struct Ipm<'a, 'p> {
    pub nlp: &'a Nlp<'p>,
    pub opts: &'a Options,
    la: &'a LinearAlgebra<'a>,
    pub observer: Option<&'a mut dyn Observer>,
    in_resto: bool,
    n: usize,
    m: usize,
    lo: Vec<f64>,
    up: Vec<f64>,
    has_lo: Vec<bool>,
    has_up: Vec<bool>,
    is_ineq: Vec<bool>,
    // iterate
    pub pt: Point,
    pub y: Vec<f64>,
    pub zl: Vec<f64>,
    pub zu: Vec<f64>,
    jac: Option<Box<dyn LinearOperator + 'p>>,
    pub mu: f64,
    tau: f64,
    filter: Filter,
    theta_max: f64,
    theta_min: f64,
    kkt: Option<KktSolver>,
    delta_w_last: f64,
    /// Ipopt's Jacobian-degeneracy state: `None` while undetermined, `Some(true)` once
    /// `DEGEN_ITERS_MAX` consecutive iterations needed δ_c > 0 (then every factorization starts
    /// with δ_c > 0), `Some(false)` after the first nonsingular δ_c = 0 system.
    jac_degenerate: Option<bool>,
    degen_iters: usize,
    /// The quasi-Newton memory was just reset after a failed line search (reset again only after
    /// an accepted step).
    qn_reset_pending: bool,
    /// Scaled objective at the previous iteration's start (for `acceptable_obj_change_tol`).
    last_f: Option<f64>,
    /// `start_with_resto` has been acted on.
    started_in_resto: bool,
    qn: Option<Box<dyn HessianApproximation>>,
    pub iter: usize,
    la_time: Duration,
    acceptable_count: usize,
    adaptive_free: bool,
    adaptive_refs: Vec<f64>,
    tiny_steps: usize,
    rho: f64,
    last: IterStats,
    /// Consecutive iterations whose line search shortened the step (for the watchdog).
    shortened: usize,
    watchdog: Option<Watchdog>,
    /// Restoration phases entered because no search direction could be computed (capped).
    step_fallbacks: usize,
}

/// Saved state of a watchdog (W&B 2006 §3.2): the iterate and direction to return to if the
/// unchecked full steps do not lead to an acceptable point.
struct Watchdog {
    pt: Point,
    y: Vec<f64>,
    zl: Vec<f64>,
    zu: Vec<f64>,
    dir: Direction,
    theta: f64,
    phi: f64,
    gd: f64,
    alpha: f64,
    trials: usize,
}

#[derive(Default, Clone, Copy)]
struct IterStats {
    alpha_pr: f64,
    alpha_du: f64,
    step_norm: f64,
    reg: f64,
    ls: usize,
    kkt: KktInfo,
    tag: &'static str,
}

/// Errors in scaled quantities at the current iterate.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Errors {
    pub dual: f64,
    /// Size of the terms whose sum is the dual residual: `max(1, ‖∇f‖∞, ‖Jᵀy‖∞, ‖z‖∞)`.
    pub dual_terms: f64,
    pub primal: f64,
    pub compl: f64,
    pub overall: f64,
    pub overall_mu: f64,
    /// Ipopt's dual and complementarity scaling factors `s_d`, `s_c` (W&B 2006, eq. 5).
    pub s_d: f64,
    pub s_c: f64,
}

const KAPPA_D: f64 = 1e-5;
/// Consecutive iterations with a singular δ_c = 0 system before the Jacobian is treated as
/// degenerate (Ipopt's `degen_iters_max`).
const DEGEN_ITERS_MAX: usize = 3;
const GAMMA_THETA: f64 = 1e-5;
const GAMMA_PHI: f64 = 1e-8;
const S_THETA: f64 = 1.1;
const S_PHI: f64 = 2.3;
const DELTA_SWITCH: f64 = 1.0;
const GAMMA_ALPHA: f64 = 0.05;

impl<'a, 'p> Ipm<'a, 'p> {
    pub(crate) fn new(nlp: &'a Nlp<'p>, opts: &'a Options, la: &'a LinearAlgebra<'a>, in_resto: bool) -> Self {
        let (n, m) = (nlp.n, nlp.m);
        let mut lo = nlp.x_l.clone();
        let mut up = nlp.x_u.clone();
        let is_ineq: Vec<bool> = (0..m).map(|i| nlp.c_l[i] != nlp.c_u[i]).collect();
        for i in 0..m {
            if is_ineq[i] {
                lo.push(nlp.c_l[i]);
                up.push(nlp.c_u[i]);
            } else {
                lo.push(f64::NEG_INFINITY);
                up.push(f64::INFINITY);
            }
        }
        let has_lo: Vec<bool> = lo.iter().map(|v| v.is_finite()).collect();
        let has_up: Vec<bool> = up.iter().map(|v| v.is_finite()).collect();
        Ipm {
            nlp,
            opts,
            la,
            observer: None,
            in_resto,
            n,
            m,
            lo,
            up,
            has_lo,
            has_up,
            is_ineq,
            pt: Point { x: vec![], s: vec![], f: 0.0, grad: vec![], c: vec![] },
            y: vec![0.0; m],
            zl: vec![0.0; n + m],
            zu: vec![0.0; n + m],
            jac: None,
            mu: opts.mu_init,
            tau: (1.0 - opts.mu_init).max(opts.tau_min),
            filter: Filter::default(),
            theta_max: 0.0,
            theta_min: 0.0,
            kkt: None,
            delta_w_last: 0.0,
            jac_degenerate: None,
            degen_iters: 0,
            qn_reset_pending: false,
            last_f: None,
            started_in_resto: false,
            qn: None,
            iter: 0,
            la_time: Duration::ZERO,
            acceptable_count: 0,
            adaptive_free: opts.mu_strategy == MuStrategy::Adaptive,
            adaptive_refs: Vec::new(),
            tiny_steps: 0,
            rho: 0.0,
            last: IterStats::default(),
            shortened: 0,
            watchdog: None,
            step_fallbacks: 0,
        }
    }

    /// Ipopt's initial-point projection (W&B 2006 §3.6): keep `x` a safe distance inside its bounds.
    pub(crate) fn push_into_bounds(&self, x: &[f64], (k1, k2): (f64, f64)) -> Vec<f64> {
        let mut out = x.to_vec();
        for i in 0..x.len() {
            push_one(&mut out[i], self.lo[i], self.up[i], k1, k2);
        }
        out
    }

    fn w_val(&self, pt: &Point, j: usize) -> f64 {
        if j < self.n { pt.x[j] } else { pt.s[j - self.n] }
    }

    /// `r_c = c(x) − b`, with `b` the slack (inequalities) or the right-hand side (equalities).
    fn residual(&self, pt: &Point, r: &mut [f64]) {
        for i in 0..self.m {
            r[i] = pt.c[i] - if self.is_ineq[i] { pt.s[i] } else { self.nlp.c_l[i] };
        }
    }

    fn theta(&self, pt: &Point) -> f64 {
        (0..self.m).map(|i| (pt.c[i] - if self.is_ineq[i] { pt.s[i] } else { self.nlp.c_l[i] }).abs()).sum()
    }

    /// Barrier objective φ_μ with Ipopt's κ_d damping for one-sided bounds.
    fn phi(&self, pt: &Point, mu: f64) -> f64 {
        // Compensated: the line search compares φ at points whose difference can be far below
        // the rounding error of a plain sum of n barrier terms (see `summation`).
        let mut v = CompensatedSum::new(pt.f);
        for j in 0..self.n + self.m {
            let w = self.w_val(pt, j);
            if self.has_lo[j] {
                v.add(-mu * (w - self.lo[j]).ln());
                if !self.has_up[j] {
                    v.add(KAPPA_D * mu * (w - self.lo[j]));
                }
            }
            if self.has_up[j] {
                v.add(-mu * (self.up[j] - w).ln());
                if !self.has_lo[j] {
                    v.add(KAPPA_D * mu * (self.up[j] - w));
                }
            }
        }
        v.value()
    }

    /// ∇φ_μ over w = (x, s).
    fn grad_phi(&self, pt: &Point, mu: f64) -> Vec<f64> {
        let mut g = pt.grad.clone();
        g.resize(self.n + self.m, 0.0);
        for j in 0..self.n + self.m {
            let w = self.w_val(pt, j);
            if self.has_lo[j] {
                g[j] -= mu / (w - self.lo[j]);
                if !self.has_up[j] {
                    g[j] += KAPPA_D * mu;
                }
            }
            if self.has_up[j] {
                g[j] += mu / (self.up[j] - w);
                if !self.has_lo[j] {
                    g[j] -= KAPPA_D * mu;
                }
            }
        }
        g
    }

    fn evaluate(&self, x: Vec<f64>, s: Vec<f64>) -> Result<Point, EvalError> {
        let f = self.nlp.objective(&x)?;
        let mut c = vec![0.0; self.m];
        self.nlp.constraints(&x, &mut c)?;
        Ok(Point { x, s, f, grad: Vec::new(), c })
    }

    fn evaluate_derivatives(&mut self) -> Result<(), EvalError> {
        let mut g = vec![0.0; self.n];
        self.nlp.gradient(&self.pt.x, &mut g)?;
        self.pt.grad = g;
        self.jac = Some(self.nlp.jacobian(&self.pt.x)?);
        Ok(())
    }

    /// ∇ₓL = ∇f + Jᵀy (without bound multipliers).
    fn grad_lagrangian_x(&self, grad: &[f64], jac: &dyn LinearOperator, y: &[f64]) -> Vec<f64> {
        let mut g = grad.to_vec();
        if self.m > 0 {
            jac.apply_transpose(1.0, y, 1.0, &mut g);
        }
        g
    }

    pub(crate) fn errors(&self, mu: f64) -> Errors {
        let jac = self.jac.as_deref().expect("derivatives evaluated");
        let mut gl = self.grad_lagrangian_x(&self.pt.grad, jac, &self.y);
        gl.resize(self.n + self.m, 0.0);
        for i in 0..self.m {
            if self.is_ineq[i] {
                gl[self.n + i] = -self.y[i];
            }
        }
        let mut dual: f64 = 0.0;
        let mut dual_terms: f64 = 1.0;
        let mut compl: f64 = 0.0;
        let mut compl_mu: f64 = 0.0;
        for j in 0..self.n + self.m {
            let g = gl[j] - self.zl[j] + self.zu[j];
            dual = dual.max(g.abs());
            let grad_j = if j < self.n { self.pt.grad[j] } else { 0.0 };
            dual_terms = dual_terms.max(grad_j.abs()).max((gl[j] - grad_j).abs()).max(self.zl[j]).max(self.zu[j]);
            let w = self.w_val(&self.pt, j);
            if self.has_lo[j] {
                let c = (w - self.lo[j]) * self.zl[j];
                compl = compl.max(c.abs());
                compl_mu = compl_mu.max((c - mu).abs());
            }
            if self.has_up[j] {
                let c = (self.up[j] - w) * self.zu[j];
                compl = compl.max(c.abs());
                compl_mu = compl_mu.max((c - mu).abs());
            }
        }
        let mut r = vec![0.0; self.m];
        self.residual(&self.pt, &mut r);
        let primal = vec_ops::norm_inf(&r);
        // Ipopt's scaled error (W&B 2006, eq. 5) with s_max = 100.
        let s_max = 100.0;
        let nz = (self.n + self.m) as f64;
        let zsum = vec_ops::norm1(&self.zl) + vec_ops::norm1(&self.zu);
        let s_d = if self.m + self.n > 0 { ((vec_ops::norm1(&self.y) + zsum) / (self.m as f64 + nz)).max(s_max) / s_max } else { 1.0 };
        let s_c = if self.n + self.m > 0 { (zsum / nz).max(s_max) / s_max } else { 1.0 };
        Errors {
            dual,
            dual_terms,
            primal,
            compl,
            overall: (dual / s_d).max(primal).max(compl / s_c),
            overall_mu: (dual / s_d).max(primal).max(compl_mu / s_c),
            s_d,
            s_c,
        }
    }

    /// `E_μ` at the iterate `base` was computed at, for another barrier parameter: only the
    /// complementarity term depends on μ, so the residuals (a Jacobian product and a constraint
    /// pass) are not recomputed. The monotone μ update may test several μ per iteration.
    fn overall_for_mu(&self, base: &Errors, mu: f64) -> f64 {
        let mut compl_mu: f64 = 0.0;
        for j in 0..self.n + self.m {
            let w = self.w_val(&self.pt, j);
            if self.has_lo[j] {
                compl_mu = compl_mu.max(((w - self.lo[j]) * self.zl[j] - mu).abs());
            }
            if self.has_up[j] {
                compl_mu = compl_mu.max(((self.up[j] - w) * self.zu[j] - mu).abs());
            }
        }
        (base.dual / base.s_d).max(base.primal).max(compl_mu / base.s_c)
    }

    /// Unscaled max-norm constraint violation (Ipopt's `inf_pr` uses the scaled residual; we
    /// report the unscaled one for the acceptance tolerances).
    /// Unscaled max violation of the bounds the algorithm works with (relaxed by at most 1e-9),
    /// as Ipopt's termination test measures it.
    fn unscaled_violation(&self) -> f64 {
        let mut v: f64 = 0.0;
        for i in 0..self.m {
            let ci = self.pt.c[i];
            v = v.max((self.nlp.c_l[i] - ci).max(ci - self.nlp.c_u[i]).max(0.0) / self.nlp.con_scale[i]);
        }
        v
    }

    fn sigma(&self, pt: &Point) -> Vec<f64> {
        (0..self.n + self.m)
            .map(|j| {
                let w = self.w_val(pt, j);
                let mut s = 0.0;
                if self.has_lo[j] {
                    s += self.zl[j] / (w - self.lo[j]);
                }
                if self.has_up[j] {
                    s += self.zu[j] / (self.up[j] - w);
                }
                s
            })
            .collect()
    }

    fn fire(&mut self, cp: Checkpoint) -> bool {
        if self.observer.is_none() {
            return false;
        }
        let nlp = self.nlp;
        let x_full = nlp.full_x(&self.pt.x);
        let y: Vec<f64> = self.y.iter().zip(&nlp.con_scale).map(|(y, s)| y * s / nlp.obj_scale).collect();
        let zl = nlp_bound_mults(nlp, &self.zl[..self.n]);
        let zu = nlp_bound_mults(nlp, &self.zu[..self.n]);
        let err = if self.jac.is_some() { self.errors(self.mu) } else { Errors::default() };
        let view = IterationView {
            checkpoint: cp,
            iteration: self.iter,
            in_restoration: self.in_resto,
            x: &x_full,
            y: &y,
            z_l: &zl,
            z_u: &zu,
            objective: self.pt.f / nlp.obj_scale,
            constraint_violation: err.primal,
            dual_infeasibility: err.dual,
            complementarity: err.compl,
            mu: self.mu,
            step_norm: self.last.step_norm,
            regularization: self.last.reg,
            alpha_primal: self.last.alpha_pr,
            alpha_dual: self.last.alpha_du,
            line_search_trials: self.last.ls,
            kkt: self.last.kkt,
            tag: self.last.tag,
        };
        let obs = self.observer.as_deref_mut().expect("checked above");
        obs.notify(&view) == ObserverAction::Stop
    }

    fn hessian_term_owned(&mut self) -> Result<Option<Box<dyn LinearOperator + 'p>>, EvalError> {
        match self.opts.hessian_approximation {
            HessianApproximationKind::Exact if self.nlp.has_hessian() => self.nlp.hessian(&self.pt.x, 1.0, &self.y),
            _ => Ok(None),
        }
    }

    fn ensure_kkt(&mut self) {
        if self.kkt.is_some() {
            return;
        }
        let jac = self.jac.as_deref().expect("evaluated");
        let assembled = jac.triplets().is_some();
        let dim = match self.la.route {
            KktRoute::Augmented => self.n + self.m,
            KktRoute::Condensed => self.n,
        };
        let nnz = jac.triplets().map_or(0, |t| t.len()) + self.n + self.m;
        let solver = self.la.factory.create(&SolverRequest { route: self.la.route, dim, assembled, nnz });
        let iterative = !solver.capabilities().is_direct;
        let mut k = KktSolver::new(self.la.route, solver);
        // The condensed matrix is only assembled for an incomplete-Cholesky or AMG preconditioner.
        k.assemble_condensed = self.la.route == KktRoute::Condensed
            && iterative
            && matches!(self.opts.krylov_preconditioner, KrylovPreconditionerChoice::Auto | KrylovPreconditionerChoice::IncompleteCholesky | KrylovPreconditionerChoice::Amg);
        k.condensed_delta = self.opts.condensed_regularization;
        k.max_refinement_steps = self.opts.max_refinement_steps;
        k.min_refinement_steps = self.opts.min_refinement_steps.min(self.opts.max_refinement_steps);
        k.residual_ratio_max = self.opts.residual_ratio_max;
        self.kkt = Some(k);
    }

    /// Least-squares multipliers (W&B 2006 §3.6): solve `[I Aᵀ; A 0][w; y] = [−(∇f − z_L + z_U); 0]`.
    fn least_squares_multipliers(&mut self) -> Result<(), LinSolveError> {
        self.least_squares_multipliers_capped(Some(self.opts.constr_mult_init_max))
    }

    /// Least-squares multipliers; with `cap`, a result larger than it is discarded (y = 0).
    fn least_squares_multipliers_capped(&mut self, cap: Option<f64>) -> Result<(), LinSolveError> {
        if self.m == 0 {
            return Ok(());
        }
        self.ensure_kkt();
        // Give the augmented route the Hessian's pattern before the first Newton system, so the
        // symbolic analysis done here is the one every later factorization reuses.
        if self.la.route == KktRoute::Augmented
            && self.kkt.as_ref().is_some_and(|k| !k.has_hessian_pattern())
            && let Ok(Some(h)) = self.hessian_term_owned()
        {
            self.kkt.as_mut().expect("created").seed_hessian_pattern(h.as_ref());
        }
        let nm = self.n + self.m;
        let zeros_x = vec![0.0; self.n];
        let zeros_s = vec![0.0; self.m];
        let jac = self.jac.as_deref().expect("evaluated");
        let blocks = KktBlocks { hess: HessianTerm::Zero, sigma_x: &zeros_x, sigma_s: &zeros_s, is_ineq: &self.is_ineq, jac };
        let kkt = self.kkt.as_mut().expect("created");
        let t = Instant::now();
        kkt.prepare(&blocks);
        let mut delta_c = 0.0;
        let mut st = kkt.factor(&blocks, 1.0, delta_c)?;
        if st != FactorStatus::Ok {
            delta_c = 1e-8;
            st = kkt.factor(&blocks, 1.0, delta_c)?;
        }
        if st != FactorStatus::Ok {
            self.la_time += t.elapsed();
            return Ok(());
        }
        let mut rhs = vec![0.0; nm];
        for j in 0..self.n {
            rhs[j] = -(self.pt.grad[j] - self.zl[j] + self.zu[j]);
        }
        for i in 0..self.m {
            if self.is_ineq[i] {
                // r_s = −z_L,s + z_U,s ; b_i = −r_s/(0 + 1)
                rhs[self.n + i] = -(-self.zl[self.n + i] + self.zu[self.n + i]);
            }
        }
        let r = kkt.solve(&blocks, &mut rhs);
        self.la_time += t.elapsed();
        r?;
        let y = &rhs[self.n..];
        if vec_ops::all_finite(y) && cap.is_none_or(|c| vec_ops::norm_inf(y) <= c) {
            self.y.copy_from_slice(y);
        } else {
            self.y.iter_mut().for_each(|v| *v = 0.0);
        }
        Ok(())
    }

    /// The main loop. `exit` is the restoration phase's early-exit test.
    pub(crate) fn run(&mut self, x0: Vec<f64>, warm: Option<&WarmStart>, mut exit: Option<ExitTest<'_>>) -> Outcome {
        let start = Instant::now();
        let (n, m) = (self.n, self.m);
        // --- initialization -------------------------------------------------------------
        let mut c0 = vec![0.0; m];
        if self.nlp.constraints(&x0, &mut c0).is_err() {
            return Outcome::Status(SolveStatus::EvaluationError);
        }
        let mut s0 = vec![0.0; m];
        // A warm start keeps the slacks as close to c(x0) as x0 is kept to its bounds (Ipopt's
        // warm_start_slack_bound_push/frac replace slack_bound_push/frac, as solve_with does for x0).
        let (slack_push, slack_frac) = if self.opts.warm_start_init_point {
            (self.opts.warm_start_slack_bound_push, self.opts.warm_start_slack_bound_frac)
        } else {
            (self.opts.slack_bound_push, self.opts.slack_bound_frac)
        };
        for i in 0..m {
            s0[i] = c0[i];
            if self.is_ineq[i] {
                push_one(&mut s0[i], self.lo[n + i], self.up[n + i], slack_push, slack_frac);
            }
        }
        self.pt = match self.evaluate(x0, s0) {
            Ok(p) => p,
            Err(_) => return Outcome::Status(SolveStatus::EvaluationError),
        };
        if self.evaluate_derivatives().is_err() {
            return Outcome::Status(SolveStatus::EvaluationError);
        }
        let warm_mults = self.opts.warm_start_init_point && warm.is_some();
        for j in 0..n + m {
            self.zl[j] = if self.has_lo[j] { self.opts.bound_mult_init_val } else { 0.0 };
            self.zu[j] = if self.has_up[j] { self.opts.bound_mult_init_val } else { 0.0 };
        }
        if warm_mults {
            let w = warm.expect("checked");
            if let Some(y) = w.y.as_ref().filter(|y| y.len() == m) {
                for i in 0..m {
                    self.y[i] = y[i] * self.nlp.obj_scale / self.nlp.con_scale[i];
                }
            }
            let push = self.opts.warm_start_mult_bound_push;
            for (src, dst, mask) in [(w.z_l.as_ref(), &mut self.zl, &self.has_lo), (w.z_u.as_ref(), &mut self.zu, &self.has_up)] {
                if let Some(z) = src.filter(|z| z.len() == self.nlp.n_full) {
                    for (k, &i) in self.nlp.free.iter().enumerate() {
                        if mask[k] {
                            dst[k] = (z[i] * self.nlp.obj_scale / self.nlp.var_scale[k]).max(push);
                        }
                    }
                }
            }
            if self.in_resto {
                // restoration passes μ via mu_init
            }
            // Start μ at the average complementarity of the warm point.
            let (sum, cnt) = self.complementarity_sum();
            if cnt > 0 {
                // max/min, not clamp: mu_min > mu_init is a user setting, not a reason to panic.
                self.mu = (sum / cnt as f64).min(self.opts.mu_init).max(self.opts.mu_min);
            }
        } else if let Err(e) = self.least_squares_multipliers() {
            let _ = e; // a failed estimate just leaves y = 0, as Ipopt does
        }
        let theta0 = self.theta(&self.pt);
        self.theta_max = self.opts.theta_max_fact * theta0.max(1.0);
        self.theta_min = self.opts.theta_min_fact * theta0.max(1.0);
        if self.opts.line_search == LineSearchKind::Filter {
            self.filter.clear();
        }
        self.last.tag = "";

        // --- iterations -----------------------------------------------------------------
        loop {
            let err = self.errors(0.0);
            if self.iter == 0 && self.fire(Checkpoint::AfterStep) {
                return Outcome::Status(SolveStatus::UserStop);
            }
            if let Some(status) = self.check_termination(&err, start) {
                return Outcome::Status(status);
            }
            self.last_f = Some(self.pt.f);
            if let Some(test) = exit.as_deref_mut()
                && self.iter > 0
                && test(&self.pt.x, &self.pt.s)
            {
                return Outcome::ExitRequested;
            }
            if self.fire(Checkpoint::IterStart) {
                return Outcome::Status(SolveStatus::UserStop);
            }
            self.update_mu(&err);
            if self.fire(Checkpoint::AfterMu) {
                return Outcome::Status(SolveStatus::UserStop);
            }
            // Ipopt's `start_with_resto`: the first iteration is a restoration phase. As Ipopt
            // documents, a feasible starting point makes that a failure: there is nothing to
            // restore, and the user asked for restoration, not for a normal solve.
            if self.opts.start_with_resto && !self.started_in_resto && !self.in_resto {
                self.started_in_resto = true;
                if self.unscaled_violation() <= self.opts.constr_viol_tol {
                    return Outcome::Status(SolveStatus::RestorationFailed);
                }
                match self.restoration_phase() {
                    Ok(()) => continue,
                    Err(outcome) => return outcome,
                }
            }
            // --- search direction ---
            let hess = match self.hessian_term_owned() {
                Ok(h) => h,
                Err(e) if e.is_abort() => return Outcome::Status(SolveStatus::UserStop),
                Err(_) => return Outcome::Status(SolveStatus::EvaluationError),
            };
            if hess.is_none() && self.qn.is_none() {
                let mut qn = (self.la.quasi_newton)(n, self.opts.limited_memory_max_history);
                // Until the first secant pair exists, B₀ = σ₀I with σ₀ = max(1, ‖∇f(x₀)‖∞/10)
                // bounds the first quasi-Newton step (‖d‖∞ ≲ 10), as L-BFGS codes limit their first
                // step (Nocedal & Wright 2006, §7.2; L-BFGS-B starts with step 1/‖∇f‖). With
                // Ipopt's σ₀ = 1 a steep start throws the iterate far away (Jennrich–Sampson lands
                // on a flat region at −∞). Over the oracle set's L-BFGS runs the bound /10 took 3%
                // fewer iterations than σ₀ = 1; /1 and /100 took more.
                qn.set_initial_scaling((vec_ops::norm_inf(&self.pt.grad) / 10.0).max(1.0));
                self.qn = Some(qn);
            }
            let dir = match self.search_direction(hess.as_deref()) {
                Ok(d) => d,
                // Ipopt's fallback: when no usable step can be computed (the inertia correction
                // gave up), try the restoration phase before giving up.
                Err(SolveStatus::LinearSolverFailure) if !self.in_resto && self.m > 0 && self.step_fallbacks < 3 => {
                    self.step_fallbacks += 1;
                    match self.restoration_phase() {
                        Ok(()) => continue,
                        Err(outcome) => return outcome,
                    }
                }
                Err(status) => return Outcome::Status(status),
            };
            if self.fire(Checkpoint::AfterSearchDir) {
                return Outcome::Status(SolveStatus::UserStop);
            }
            // --- step ---
            let mut dir = dir;
            let step = match self.opts.line_search {
                LineSearchKind::Filter => match self.filter_step_with_watchdog(&mut dir) {
                    Ok(step) => step,
                    Err(status) => return Outcome::Status(status),
                },
                LineSearchKind::L1Merit => self.l1_merit_line_search(&dir),
            };
            let (trial, alpha, tiny) = match step {
                StepResult::Accepted(p, a) => (p, a, false),
                StepResult::Tiny => {
                    // Accept the full (tiny) step; if it keeps happening, μ must go down or we stop.
                    self.tiny_steps += 1;
                    let p = match self.trial_point(&dir, 1.0) {
                        Ok(p) => p,
                        Err(_) => return Outcome::Status(SolveStatus::EvaluationError),
                    };
                    self.last.tag = "T";
                    (p, 1.0, true)
                }
                // With a quasi-Newton Hessian a failed line search usually means a poor B, not
                // an infeasible problem: forget the pairs and recompute the direction from
                // B₀ = σ₀I before falling back to restoration (once per stored history; Ipopt's
                // limited-memory updater likewise restarts from scratch when its updates fail).
                StepResult::NeedRestoration if self.qn.as_ref().is_some_and(|q| q.num_pairs() > 0) && !self.qn_reset_pending => {
                    if let Some(q) = self.qn.as_mut() {
                        q.reset();
                    }
                    self.qn_reset_pending = true;
                    continue;
                }
                StepResult::NeedRestoration => match self.restoration_phase() {
                    Ok(()) => continue,
                    Err(outcome) => return outcome,
                },
                StepResult::EvalFailure => return Outcome::Status(SolveStatus::EvaluationError),
            };
            if let Err(st) = self.accept_step(trial, &dir, alpha) {
                return Outcome::Status(st);
            }
            self.qn_reset_pending = false;
            // A tiny step at a (nearly) feasible point leaves only the multipliers to improve.
            // Where the constraint gradients are linearly dependent (more equalities than degrees
            // of freedom, consistent), Newton's dy can carry an unbounded null-space component
            // whose rounding swamps ∇f + Jᵀy; re-estimate y by least squares there, as Ipopt's
            // `recalc_y` does below `recalc_y_feas_tol` (1e-6).
            if tiny && self.m > 0 && self.unscaled_violation() <= 1e-6 {
                let before = self.errors(self.mu).dual;
                let y_old = self.y.clone();
                if self.least_squares_multipliers_capped(None).is_err() || !(self.errors(self.mu).dual < before) {
                    self.y = y_old;
                }
            }
            self.iter += 1;
            if self.fire(Checkpoint::AfterStep) {
                return Outcome::Status(SolveStatus::UserStop);
            }
        }
    }

    /// Run the feasibility restoration phase and continue from its point. `Err` ends the solve.
    fn restoration_phase(&mut self) -> Result<(), Outcome> {
        if self.in_resto {
            return Err(Outcome::Status(SolveStatus::RestorationFailed));
        }
        if self.fire(Checkpoint::PreRestorationEntry) {
            return Err(Outcome::Status(SolveStatus::UserStop));
        }
        match restoration::run(self) {
            RestorationOutcome::Success(x, s) => {
                self.accept_restoration_point(x, s).map_err(Outcome::Status)?;
                self.iter += 1;
                self.last.tag = "r";
                if self.fire(Checkpoint::PostRestorationExit) || self.fire(Checkpoint::AfterStep) {
                    return Err(Outcome::Status(SolveStatus::UserStop));
                }
                Ok(())
            }
            RestorationOutcome::Infeasible => Err(Outcome::Status(SolveStatus::Infeasible)),
            RestorationOutcome::Failed(st) => Err(Outcome::Status(st)),
        }
    }

    fn complementarity_sum(&self) -> (f64, usize) {
        let mut sum = 0.0;
        let mut cnt = 0;
        for j in 0..self.n + self.m {
            let w = self.w_val(&self.pt, j);
            if self.has_lo[j] {
                sum += (w - self.lo[j]) * self.zl[j];
                cnt += 1;
            }
            if self.has_up[j] {
                sum += (self.up[j] - w) * self.zu[j];
                cnt += 1;
            }
        }
        (sum, cnt)
    }

    fn check_termination(&mut self, err: &Errors, start: Instant) -> Option<SolveStatus> {
        let o = self.opts;
        let viol = self.unscaled_violation();
        let dual_unscaled = err.dual / self.nlp.obj_scale;
        // Ipopt tests `compl_inf_tol` on the unscaled complementarity: slack·multiplier pairs
        // scale with the objective factor only (constraint and variable scalings cancel). The
        // scaled value let f = 1e30·x² + y² (objective scale ~1e-29) stop "Optimal" with an
        // unscaled complementarity of 0.6 at a non-stationary y.
        let compl_unscaled = err.compl / self.nlp.obj_scale;
        // Beyond Ipopt: the scaled test divides the dual residual by s_d ∝ ‖y‖ + ‖z‖, so diverging
        // multipliers of vanishing constraint gradients (LICQ failing, Jᵀy bounded while y → ∞) can
        // make an O(1) residual look converged. Optimal also requires the residual to be small
        // relative to the terms it sums (√tol·max(1, ‖∇f‖, ‖Jᵀy‖, ‖z‖)); otherwise the solve goes
        // on and can at most end Acceptable.
        let dual_relative_ok = err.dual <= o.tol.sqrt() * err.dual_terms;
        if err.overall <= o.tol
            && dual_relative_ok
            && self.gap_ok()
            && dual_unscaled <= o.dual_inf_tol
            && viol <= o.constr_viol_tol
            && compl_unscaled <= o.compl_inf_tol
        {
            return Some(SolveStatus::Optimal);
        }
        // Ipopt's `acceptable_obj_change_tol`: the objective's relative change since the previous
        // iteration must be this small too (the default 1e20 switches the test off).
        let obj_change_ok = o.acceptable_obj_change_tol >= 1e20
            || self.last_f.is_some_and(|p| (self.pt.f - p).abs() <= o.acceptable_obj_change_tol * self.pt.f.abs().max(1.0));
        if err.overall <= o.acceptable_tol
            && obj_change_ok
            && err.dual <= o.acceptable_tol.sqrt() * err.dual_terms
            && dual_unscaled <= o.acceptable_dual_inf_tol
            && viol <= o.acceptable_constr_viol_tol
            && compl_unscaled <= o.acceptable_compl_inf_tol
        {
            self.acceptable_count += 1;
            if o.acceptable_iter > 0 && self.acceptable_count >= o.acceptable_iter {
                return Some(SolveStatus::Acceptable);
            }
        } else {
            self.acceptable_count = 0;
        }
        if vec_ops::norm_inf(&self.pt.x) > o.diverging_iterates_tol {
            return Some(if viol <= o.constr_viol_tol.max(1e-6) { SolveStatus::Unbounded } else { SolveStatus::DivergingIterates });
        }
        // Feasible, objective beyond −1e15 and iterates beyond 1e10: the objective is unbounded
        // below (the iterates would otherwise crawl towards diverging_iterates_tol in round-off).
        if self.pt.f / self.nlp.obj_scale < -1e15 && vec_ops::norm_inf(&self.pt.x) > 1e10 && viol <= o.constr_viol_tol {
            return Some(SolveStatus::Unbounded);
        }
        if self.iter >= if self.in_resto { o.max_resto_iter.min(o.max_iter) } else { o.max_iter } {
            return Some(SolveStatus::MaxIterations);
        }
        if start.elapsed().as_secs_f64() > o.max_wall_time {
            return Some(SolveStatus::MaxWallTime);
        }
        if self.tiny_steps >= 2 && self.mu <= o.mu_min * 1.0001 {
            return Some(if err.overall <= o.acceptable_tol { SolveStatus::Acceptable } else { SolveStatus::SearchDirectionTooSmall });
        }
        None
    }

    /// Total complementarity relative to the objective, both unscaled:
    /// `(Σᵢ zᵢ sᵢ) / max(1, |f|)` over every bound and slack pair. Objective and variable scalings
    /// cancel in each product except the objective factor σ_f, hence the division by it.
    fn gap_ratio(&self) -> f64 {
        let os = self.nlp.obj_scale;
        let (sum, _) = self.complementarity_sum();
        (sum / os) / (self.pt.f / os).abs().max(1.0)
    }

    /// The gap-aware termination test (`complementarity_gap_tol`, beyond Ipopt). Waived in the
    /// restoration phase (it solves its own feasibility problem) and once μ is at `mu_min`, where
    /// no further decrease can shrink the gap: Ipopt's criteria then decide alone.
    fn gap_ok(&self) -> bool {
        let g = self.opts.complementarity_gap_tol;
        g <= 0.0 || self.in_resto || self.mu <= self.opts.mu_min * 1.0001 || self.gap_ratio() <= g
    }

    /// The smallest μ the update may reach: Ipopt's `max(mu_min, tol/10)`, lowered (not below
    /// `mu_min`) when the gap test needs it. At a centred point every pair has zᵢsᵢ ≈ μ, so the
    /// gap is ≈ N·μ for N pairs; μ ≤ complementarity_gap_tol·σ_f·max(1, |f|)/N makes it small
    /// enough. Without this, μ would stop at tol/10 and the gap test could never pass at large N.
    fn mu_final(&self) -> f64 {
        let o = self.opts;
        // Monotone: W&B 2006 eq. 7, μ ≥ tol/10. Adaptive: Ipopt's adaptive update is bounded by
        // `mu_min` only (its logs reach lg(μ) = -11): on solutions without strict complementarity
        // the distance to x* scales like √μ, so the tol/10 floor stopped 5× farther away.
        let floor = if o.mu_strategy == MuStrategy::Adaptive { o.mu_min } else { (o.tol / 10.0).max(o.mu_min) };
        let ipopt = floor.min(o.mu_init);
        let g = o.complementarity_gap_tol;
        if g <= 0.0 || self.in_resto {
            return ipopt;
        }
        let (_, cnt) = self.complementarity_sum();
        let os = self.nlp.obj_scale;
        let f_abs = (self.pt.f / os).abs().max(1.0);
        // Half the budget, for pairs off the central path.
        let mu_gap = 0.5 * g * os * f_abs / (cnt.max(1) as f64);
        ipopt.min(mu_gap.max(o.mu_min))
    }

    /// Barrier parameter update (W&B 2006 §2.1 for monotone; Nocedal–Wächter–Waltz 2009 LOQO
    /// oracle with a monotone safeguard for adaptive).
    /// `err`: the errors at the current iterate (with μ = 0).
    fn update_mu(&mut self, err: &Errors) {
        let o = self.opts;
        let mu_final = self.mu_final();
        let old = self.mu;
        if self.adaptive_free {
            let err0 = err.overall;
            // Sufficient progress w.r.t. the last few accepted reference errors?
            let progress = self.adaptive_refs.is_empty() || self.adaptive_refs.iter().any(|&r| err0 <= 0.9999 * r);
            if progress {
                self.adaptive_refs.push(err0);
                if self.adaptive_refs.len() > 4 {
                    self.adaptive_refs.remove(0);
                }
                let (sum, cnt) = self.complementarity_sum();
                if cnt > 0 {
                    let avg = sum / cnt as f64;
                    let min_c = self.min_complementarity();
                    let xi = (min_c / avg).clamp(0.0, 1.0);
                    let sigma = 0.1 * (0.05 * (1.0 - xi) / xi.max(1e-300)).min(2.0).powi(3);
                    // The LOQO value may exceed the current μ when complementarity is uneven; an
                    // increase throws away progress towards centrality, so μ never grows here.
                    self.mu = (sigma * avg).min(old).min(o.mu_max).max(mu_final);
                } else {
                    self.mu = mu_final;
                }
            } else {
                // Switch to monotone mode from the current average complementarity.
                self.adaptive_free = false;
                let (sum, cnt) = self.complementarity_sum();
                self.mu = if cnt > 0 { (0.8 * sum / cnt as f64).min(o.mu_max).max(mu_final) } else { mu_final };
            }
        } else {
            // Monotone: decrease while the barrier subproblem is solved (possibly several times).
            let force = self.tiny_steps > 0;
            loop {
                let e_mu = self.overall_for_mu(err, self.mu);
                // The shortcut must agree with the full evaluation (checked in debug builds, i.e.
                // on every test solve).
                debug_assert!({
                    let full = self.errors(self.mu).overall_mu;
                    (e_mu - full).abs() <= 1e-12 * full.abs().max(1e-300) || e_mu == full
                });
                if self.mu <= mu_final || !(e_mu <= o.barrier_tol_factor * self.mu || force && self.mu == old) {
                    break;
                }
                self.mu = mu_final.max((o.mu_linear_decrease_factor * self.mu).min(self.mu.powf(o.mu_superlinear_decrease_power)));
                if o.mu_strategy == MuStrategy::Adaptive {
                    // Back to free mode once the safeguarded subproblem is solved.
                    self.adaptive_free = true;
                    self.adaptive_refs.clear();
                    break;
                }
            }
        }
        if self.mu != old {
            self.tau = (1.0 - self.mu).max(o.tau_min);
            self.filter.clear();
            self.tiny_steps = 0;
            // The watchdog's reference values belong to the old barrier problem.
            self.watchdog = None;
            self.shortened = 0;
        }
    }

    fn min_complementarity(&self) -> f64 {
        let mut mn = f64::INFINITY;
        for j in 0..self.n + self.m {
            let w = self.w_val(&self.pt, j);
            if self.has_lo[j] {
                mn = mn.min((w - self.lo[j]) * self.zl[j]);
            }
            if self.has_up[j] {
                mn = mn.min((self.up[j] - w) * self.zu[j]);
            }
        }
        mn
    }
}

/// Bound multipliers in the user's space: `z = d ∘ z̃ / σ_f` (variable and objective scaling).
fn nlp_bound_mults(nlp: &Nlp<'_>, z: &[f64]) -> Vec<f64> {
    let mut full = vec![0.0; nlp.n_full];
    for (k, &i) in nlp.free.iter().enumerate() {
        full[i] = z[k] * nlp.var_scale[k] / nlp.obj_scale;
    }
    full
}

/// The κ_Σ safeguard of W&B 2006 (eq. 16): `z ← max(min(z, κ_Σ μ / s), μ / (κ_Σ s))` for a bound
/// multiplier `z` and its slack `s`. With a huge objective (f = 1e30·x²) or a slack rounded to
/// zero or below, the interval ends can be NaN/∞ or crossed (`min > max`), where `f64::clamp`
/// panics; then the interval is meaningless and the multiplier keeps its new value if that is
/// positive and finite, else its previous one (positive, as every multiplier the IPM holds).
fn kappa_sigma_safeguard(z: f64, z_old: f64, mu: f64, k_sigma: f64, s: f64) -> f64 {
    let z = if z.is_finite() && z > 0.0 { z } else { z_old };
    let (lo, hi) = (mu / (k_sigma * s), k_sigma * mu / s);
    if lo.is_finite() && hi.is_finite() && lo > 0.0 && lo <= hi { z.min(hi).max(lo) } else { z }
}

/// Ipopt's bound push for one component (W&B 2006, eq. 34–35).
pub(crate) fn push_one(v: &mut f64, lo: f64, up: f64, k1: f64, k2: f64) {
    let (hl, hu) = (lo.is_finite(), up.is_finite());
    if hl && hu {
        let pl = (k1 * lo.abs().max(1.0)).min(k2 * (up - lo));
        let pu = (k1 * up.abs().max(1.0)).min(k2 * (up - lo));
        *v = v.max(lo + pl).min(up - pu);
        if lo == up {
            *v = lo;
        }
    } else if hl {
        *v = v.max(lo + k1 * lo.abs().max(1.0));
    } else if hu {
        *v = v.min(up - k1 * up.abs().max(1.0));
    }
}

/// A search direction over w = (x, s), y and the bound multipliers.
#[derive(Clone)]
pub(crate) struct Direction {
    pub dw: Vec<f64>,
    pub dy: Vec<f64>,
    pub dzl: Vec<f64>,
    pub dzu: Vec<f64>,
    /// δ_w of the accepted factorization (for SOC right-hand sides).
    pub delta_w: f64,
    /// r_s and Σ_s terms to rebuild right-hand sides for second-order corrections.
    pub rhs_x: Vec<f64>,
    pub r_s: Vec<f64>,
    pub sigma: Vec<f64>,
}

pub(crate) enum StepResult {
    Accepted(Point, f64),
    Tiny,
    NeedRestoration,
    EvalFailure,
}

impl<'a, 'p> Ipm<'a, 'p> {
    fn search_direction(&mut self, hess: Option<&dyn LinearOperator>) -> Result<Direction, SolveStatus> {
        let (n, m) = (self.n, self.m);
        let sigma = self.sigma(&self.pt);
        let gphi = self.grad_phi(&self.pt, self.mu);
        let jac = self.jac.as_deref().expect("evaluated");
        // r_x = ∇φ_x + Jᵀy ; r_s = ∇φ_s − y (inequality rows) ; r_c = c − b.
        let mut rhs_x: Vec<f64> = gphi[..n].to_vec();
        if m > 0 {
            jac.apply_transpose(1.0, &self.y, 1.0, &mut rhs_x);
        }
        rhs_x.iter_mut().for_each(|v| *v = -*v);
        let r_s: Vec<f64> = (0..m).map(|i| if self.is_ineq[i] { gphi[n + i] - self.y[i] } else { 0.0 }).collect();
        self.ensure_kkt();
        let jac = self.jac.as_deref().expect("evaluated");
        let mut r_c = vec![0.0; m];
        self.residual(&self.pt, &mut r_c);
        let lowrank = self.qn.as_ref().map(|q| q.low_rank());
        let qn_op: Option<&dyn LinearOperator> = self.qn.as_deref().map(|q| q as &dyn LinearOperator);
        let hterm = match (hess, qn_op) {
            (Some(h), _) => HessianTerm::Exact(h),
            (None, Some(q)) => match lowrank.flatten() {
                Some(parts) => HessianTerm::LowRank(q, parts),
                None => HessianTerm::Exact(q),
            },
            (None, None) => HessianTerm::Zero,
        };
        // An L-BFGS operator without low-rank parts cannot be assembled: treat it through apply.
        let sigma_s: Vec<f64> = sigma[n..].to_vec();
        let blocks = KktBlocks { hess: hterm, sigma_x: &sigma[..n], sigma_s: &sigma_s, is_ineq: &self.is_ineq, jac };
        let t = Instant::now();
        // Optional inexact Newton for Krylov solvers (`krylov_max_forcing` > 0): solve only as
        // accurately as the optimality error warrants, η = min(max_forcing, 0.01·E_μ). Off by
        // default: on the obstacle family loose solves near active bounds cost more IPM
        // iterations than they save in CG iterations.
        let eta = if self.opts.krylov_max_forcing > 0.0 {
            (0.01 * self.errors(self.mu).overall_mu).clamp(self.opts.krylov_rtol, self.opts.krylov_max_forcing.max(self.opts.krylov_rtol))
        } else {
            self.opts.krylov_rtol
        };
        let kkt = self.kkt.as_mut().expect("created");
        kkt.set_inexact_tolerance(eta);
        kkt.prepare(&blocks);
        // --- inertia correction (W&B 2006, Algorithm IC) ---
        let o = self.opts;
        let mut delta_w = 0.0;
        // A Jacobian found degenerate in earlier iterations gets δ_c > 0 from the first trial
        // (Ipopt's PDPerturbationHandler, `jac_degenerate_`), saving a factorization per iteration.
        let degenerate = self.jac_degenerate == Some(true) && m > 0;
        let mut delta_c = if degenerate { o.jacobian_regularization_value * self.mu.powf(o.jacobian_regularization_exponent) } else { 0.0 };
        let mut factorizations = 0;
        let mut tried_dc = degenerate;
        let mut first_status = None;
        let mut sol;
        let stats;
        loop {
            factorizations += 1;
            if factorizations > 60 {
                self.la_time += t.elapsed();
                return Err(SolveStatus::LinearSolverFailure);
            }
            let status = match kkt.factor(&blocks, delta_w, delta_c) {
                Ok(s) => s,
                Err(LinSolveError::NonFinite(_)) => {
                    self.la_time += t.elapsed();
                    return Err(SolveStatus::EvaluationError);
                }
                Err(_) => FactorStatus::WrongInertia,
            };
            first_status.get_or_insert(status);
            let need_increase;
            match status {
                FactorStatus::Ok => {
                    // Build the right-hand side for this δ_w and solve.
                    let mut rhs = vec![0.0; n + m];
                    rhs[..n].copy_from_slice(&rhs_x);
                    for i in 0..m {
                        let rt = r_c[i] + if self.is_ineq[i] { r_s[i] / (sigma_s[i] + delta_w).max(1e-20) } else { 0.0 };
                        rhs[n + i] = -rt;
                    }
                    match kkt.solve(&blocks, &mut rhs) {
                        Ok(st) => {
                            sol = rhs;
                            stats = st;
                            break;
                        }
                        Err(LinSolveError::NoConvergence { .. } | LinSolveError::AccuracyLimit { .. })
                            if kkt.route == KktRoute::Condensed && kkt.condensed_delta < 1e-2 =>
                        {
                            // A Krylov solve that stalls on N = W + Σ + JᵀD̂⁻¹J is ill-conditioned by
                            // 1/δ_cond, not indefinite: enlarge the primal-dual regularization (the
                            // refinement against the unregularized system restores accuracy) and
                            // keep it for later iterations.
                            kkt.condensed_delta = (kkt.condensed_delta * 10.0).min(1e-2);
                            continue;
                        }
                        Err(LinSolveError::NegativeCurvature { .. })
                        | Err(LinSolveError::NoConvergence { .. })
                        | Err(LinSolveError::AccuracyLimit { .. }) => need_increase = true,
                        Err(LinSolveError::NonFinite(_)) => need_increase = true,
                        Err(_) => need_increase = true,
                    }
                }
                FactorStatus::Singular if !tried_dc => {
                    tried_dc = true;
                    delta_c = o.jacobian_regularization_value * self.mu.powf(o.jacobian_regularization_exponent);
                    continue;
                }
                FactorStatus::Singular => {
                    // Still singular with δ_c > 0: the pivots are tiny relative to the matrix
                    // (huge multipliers, rank-deficient J). The defect is on the constraint side,
                    // so raise δ_c first; only once it is large does δ_w go up as well.
                    let cap = self.mu.sqrt().max(1e-4);
                    need_increase = delta_c >= cap;
                    delta_c = (delta_c * 100.0).min(cap);
                }
                FactorStatus::WrongInertia => need_increase = true,
            }
            if need_increase {
                if delta_w == 0.0 {
                    delta_w = if self.delta_w_last == 0.0 {
                        o.first_hessian_perturbation
                    } else {
                        o.min_hessian_perturbation.max(o.perturb_dec_fact * self.delta_w_last)
                    };
                } else {
                    delta_w *= if self.delta_w_last == 0.0 { o.perturb_inc_fact_first } else { o.perturb_inc_fact };
                }
                if delta_w > o.max_hessian_perturbation {
                    self.la_time += t.elapsed();
                    return Err(SolveStatus::LinearSolverFailure);
                }
            }
        }
        if delta_w > 0.0 {
            self.delta_w_last = delta_w;
        }
        if self.jac_degenerate.is_none() && m > 0 {
            match first_status {
                Some(FactorStatus::Singular) => {
                    self.degen_iters += 1;
                    if self.degen_iters >= DEGEN_ITERS_MAX {
                        self.jac_degenerate = Some(true);
                    }
                }
                Some(FactorStatus::Ok) => self.jac_degenerate = Some(false),
                _ => {}
            }
        }
        let inertia = kkt.last_inertia.map(|i| (i.positive, i.negative, i.zero));
        self.la_time += t.elapsed();
        let dx = sol[..n].to_vec();
        let dy = sol.split_off(n);
        let mut dw = dx;
        dw.resize(n + m, 0.0);
        for i in 0..m {
            if self.is_ineq[i] {
                dw[n + i] = (dy[i] - r_s[i]) / (sigma_s[i] + delta_w).max(1e-20);
            }
        }
        let (dzl, dzu) = self.bound_mult_steps(&self.pt, &dw);
        self.last.kkt = KktInfo { delta_w, delta_c, inertia, factorizations, residual: stats.residual, krylov_iterations: stats.iterations };
        self.last.reg = delta_w;
        Ok(Direction { dw, dy, dzl, dzu, delta_w, rhs_x, r_s, sigma })
    }

    fn bound_mult_steps(&self, pt: &Point, dw: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let nm = self.n + self.m;
        let mut dzl = vec![0.0; nm];
        let mut dzu = vec![0.0; nm];
        for j in 0..nm {
            let w = self.w_val(pt, j);
            if self.has_lo[j] {
                let sl = w - self.lo[j];
                dzl[j] = self.mu / sl - self.zl[j] - self.zl[j] / sl * dw[j];
            }
            if self.has_up[j] {
                let su = self.up[j] - w;
                dzu[j] = self.mu / su - self.zu[j] + self.zu[j] / su * dw[j];
            }
        }
        (dzl, dzu)
    }

    /// Largest primal step keeping `w` strictly inside its bounds (fraction to the boundary).
    fn max_primal_step(&self, pt: &Point, dw: &[f64]) -> f64 {
        let mut a: f64 = 1.0;
        for j in 0..self.n + self.m {
            let w = self.w_val(pt, j);
            if self.has_lo[j] && dw[j] < 0.0 {
                a = a.min(-self.tau * (w - self.lo[j]) / dw[j]);
            }
            if self.has_up[j] && dw[j] > 0.0 {
                a = a.min(self.tau * (self.up[j] - w) / dw[j]);
            }
        }
        a
    }

    fn trial_point(&self, dir: &Direction, alpha: f64) -> Result<Point, EvalError> {
        let n = self.n;
        let x: Vec<f64> = (0..n).map(|j| self.pt.x[j] + alpha * dir.dw[j]).collect();
        let s: Vec<f64> = (0..self.m).map(|i| if self.is_ineq[i] { self.pt.s[i] + alpha * dir.dw[n + i] } else { self.pt.s[i] }).collect();
        self.evaluate(x, s)
    }

    fn trial_from(&self, base: &Point, dw: &[f64], alpha: f64) -> Result<Point, EvalError> {
        let n = self.n;
        let x: Vec<f64> = (0..n).map(|j| base.x[j] + alpha * dw[j]).collect();
        let s: Vec<f64> = (0..self.m).map(|i| if self.is_ineq[i] { base.s[i] + alpha * dw[n + i] } else { base.s[i] }).collect();
        self.evaluate(x, s)
    }

    fn is_tiny(&self, dir: &Direction) -> bool {
        let mut mx: f64 = 0.0;
        for j in 0..self.n {
            mx = mx.max(dir.dw[j].abs() / (1.0 + self.pt.x[j].abs()));
        }
        for i in 0..self.m {
            if self.is_ineq[i] {
                mx = mx.max(dir.dw[self.n + i].abs() / (1.0 + self.pt.s[i].abs()));
            }
        }
        mx < self.opts.tiny_step_tol && vec_ops::norm_inf(&dir.dy) < self.opts.tiny_step_tol * (1.0 + vec_ops::norm_inf(&self.y))
    }

    /// Filter line search with second-order corrections (W&B 2006, §2.3–2.4, Algorithm A steps A-5).
    fn filter_line_search(&mut self, dir: &Direction) -> StepResult {
        if self.is_tiny(dir) {
            return StepResult::Tiny;
        }
        let theta = self.theta(&self.pt);
        let phi = self.phi(&self.pt, self.mu);
        let gphi = self.grad_phi(&self.pt, self.mu);
        let gd = vec_ops::dot(&gphi, &dir.dw);
        let alpha_max = self.max_primal_step(&self.pt, &dir.dw);
        let alpha_min = GAMMA_ALPHA
            * if gd < 0.0 {
                let a = GAMMA_THETA.min(GAMMA_PHI * theta / -gd);
                if theta <= self.theta_min { a.min(DELTA_SWITCH * theta.powf(S_THETA) / (-gd).powf(S_PHI)) } else { a }
            } else {
                GAMMA_THETA
            };
        let mut alpha = alpha_max;
        let mut trials = 0;
        let mut eval_failures = 0;
        loop {
            trials += 1;
            let trial = match self.trial_point(dir, alpha) {
                Ok(t) => Some(t),
                Err(e) if e.is_abort() => return StepResult::EvalFailure,
                Err(_) => {
                    eval_failures += 1;
                    None
                }
            };
            if let Some(trial) = trial {
                let th_t = self.theta(&trial);
                let ph_t = self.phi(&trial, self.mu);
                if let Some(ftype) = self.acceptable(theta, phi, gd, alpha, th_t, ph_t) {
                    if !ftype {
                        self.filter.add((1.0 - GAMMA_THETA) * theta, phi - GAMMA_PHI * theta);
                    }
                    self.last.ls = trials;
                    self.last.tag = if ftype { "f" } else { "h" };
                    return StepResult::Accepted(trial, alpha);
                }
                // Second-order correction on the first trial (W&B 2006 §2.4).
                if trials == 1
                    && th_t >= theta
                    && self.m > 0
                    && self.opts.max_soc > 0
                    && let Some((p, a)) = self.second_order_correction(dir, alpha, theta, phi, gd, &trial)
                {
                    self.filter.add((1.0 - GAMMA_THETA) * theta, phi - GAMMA_PHI * theta);
                    self.last.ls = trials;
                    self.last.tag = "s";
                    return StepResult::Accepted(p, a);
                }
            }
            if self.fire(Checkpoint::StepRejected) {
                return StepResult::EvalFailure;
            }
            alpha *= 0.5;
            if alpha < alpha_min || trials > 60 {
                if eval_failures == trials && self.iter == 0 {
                    return StepResult::EvalFailure;
                }
                self.last.ls = trials;
                // At (almost) feasible points a failed line search is a search-direction problem,
                // not a feasibility one; Ipopt's restoration still handles it.
                return StepResult::NeedRestoration;
            }
        }
    }

    /// The filter line search with Ipopt's watchdog (W&B 2006 §3.2): after
    /// `watchdog_shortened_iter_trigger` consecutive shortened steps, take full steps unchecked for
    /// up to `watchdog_trial_iter_max` iterations; keep them if one becomes acceptable with respect to
    /// the saved point, otherwise return to the saved point and backtrack along its direction.
    /// This escapes the step-shortening that curved constraints cause (the Maratos effect) when the
    /// second-order correction does not.
    fn filter_step_with_watchdog(&mut self, dir: &mut Direction) -> Result<StepResult, SolveStatus> {
        let o = self.opts;
        if self.watchdog.is_none()
            && o.watchdog_shortened_iter_trigger > 0
            && o.watchdog_trial_iter_max > 0
            && self.shortened >= o.watchdog_shortened_iter_trigger
            && !self.is_tiny(dir)
        {
            let gphi = self.grad_phi(&self.pt, self.mu);
            self.watchdog = Some(Watchdog {
                pt: self.pt.clone(),
                y: self.y.clone(),
                zl: self.zl.clone(),
                zu: self.zu.clone(),
                dir: dir.clone(),
                theta: self.theta(&self.pt),
                phi: self.phi(&self.pt, self.mu),
                gd: vec_ops::dot(&gphi, &dir.dw),
                alpha: self.max_primal_step(&self.pt, &dir.dw),
                trials: 0,
            });
            self.shortened = 0;
        }
        if let Some(mut wd) = self.watchdog.take() {
            let a = self.max_primal_step(&self.pt, &dir.dw);
            if let Ok(trial) = self.trial_point(dir, a) {
                let (th, ph) = (self.theta(&trial), self.phi(&trial, self.mu));
                let ok = th.is_finite() && ph.is_finite();
                if ok && wd.trials > 0 && self.acceptable(wd.theta, wd.phi, wd.gd, wd.alpha, th, ph).is_some() {
                    self.last.ls = 1;
                    self.last.tag = "W";
                    return Ok(StepResult::Accepted(trial, a));
                }
                if ok && wd.trials < o.watchdog_trial_iter_max {
                    wd.trials += 1;
                    self.watchdog = Some(wd);
                    self.last.ls = 1;
                    self.last.tag = "w";
                    return Ok(StepResult::Accepted(trial, a));
                }
            }
            // The watchdog failed: back to the saved point, backtrack along its direction.
            self.pt = wd.pt;
            self.y = wd.y;
            self.zl = wd.zl;
            self.zu = wd.zu;
            *dir = wd.dir;
            self.evaluate_derivatives().map_err(|_| SolveStatus::EvaluationError)?;
            self.shortened = 0;
            return Ok(self.filter_line_search(dir));
        }
        let alpha_max = self.max_primal_step(&self.pt, &dir.dw);
        let step = self.filter_line_search(dir);
        match &step {
            StepResult::Accepted(_, a) if *a < alpha_max * (1.0 - 1e-12) => self.shortened += 1,
            _ => self.shortened = 0,
        }
        Ok(step)
    }

    /// Returns `Some(f_type)` when the trial is acceptable.
    fn acceptable(&self, theta: f64, phi: f64, gd: f64, alpha: f64, th_t: f64, ph_t: f64) -> Option<bool> {
        if !th_t.is_finite() || !ph_t.is_finite() || th_t > self.theta_max {
            return None;
        }
        // Ipopt's `obj_max_inc`: a trial barrier objective more than 10^obj_max_inc (relative)
        // above the current one signals a bad direction (e.g. an inaccurate quasi-Newton solve),
        // not progress, even when θ decreases (IpFilterLSAcceptor::CheckAcceptabilityOfTrialPoint).
        if ph_t > phi && ((ph_t - phi) / phi.abs().max(1.0)).log10() > self.opts.obj_max_inc {
            return None;
        }
        if !self.filter.acceptable(th_t, ph_t) {
            return None;
        }
        let switching = gd < 0.0 && theta <= self.theta_min && alpha * (-gd).powf(S_PHI) > DELTA_SWITCH * theta.powf(S_THETA);
        // Compare with a relative tolerance on φ so round-off at convergence does not reject steps.
        let tol = 10.0 * f64::EPSILON * phi.abs().max(1.0);
        if switching {
            return if ph_t <= phi + self.opts.eta_phi * alpha * gd + tol { Some(true) } else { None };
        }
        // At a feasible point (θ = 0) no reduction of θ is possible: only φ can show progress.
        if (theta > 0.0 && th_t <= (1.0 - GAMMA_THETA) * theta) || ph_t <= phi - GAMMA_PHI * theta + tol {
            return Some(false);
        }
        None
    }

    fn second_order_correction(&mut self, dir: &Direction, alpha0: f64, theta: f64, phi: f64, gd: f64, first: &Point) -> Option<(Point, f64)> {
        let (n, m) = (self.n, self.m);
        let mut r0 = vec![0.0; m];
        self.residual(&self.pt, &mut r0);
        let mut rt = vec![0.0; m];
        self.residual(first, &mut rt);
        // c_soc = α c(x_k) + c(x_trial)
        let mut c_soc: Vec<f64> = (0..m).map(|i| alpha0 * r0[i] + rt[i]).collect();
        let mut theta_old = theta;
        let hess_owned = self.hessian_term_owned().ok()?;
        let jac = self.jac.as_deref()?;
        for _ in 0..self.opts.max_soc {
            let mut rhs = vec![0.0; n + m];
            rhs[..n].copy_from_slice(&dir.rhs_x);
            for i in 0..m {
                let r = c_soc[i] + if self.is_ineq[i] { dir.r_s[i] / (dir.sigma[n + i] + dir.delta_w).max(1e-20) } else { 0.0 };
                rhs[n + i] = -r;
            }
            let lowrank = self.qn.as_ref().and_then(|q| q.low_rank());
            let qn_op: Option<&dyn LinearOperator> = self.qn.as_deref().map(|q| q as &dyn LinearOperator);
            let hterm = match (hess_owned.as_deref(), qn_op, lowrank) {
                (Some(h), _, _) => HessianTerm::Exact(h),
                (None, Some(q), Some(p)) => HessianTerm::LowRank(q, p),
                (None, Some(q), None) => HessianTerm::Exact(q),
                _ => HessianTerm::Zero,
            };
            let sigma_s = dir.sigma[n..].to_vec();
            let blocks = KktBlocks { hess: hterm, sigma_x: &dir.sigma[..n], sigma_s: &sigma_s, is_ineq: &self.is_ineq, jac };
            let t = Instant::now();
            let kkt = self.kkt.as_mut()?;
            let solved = kkt.solve(&blocks, &mut rhs);
            self.la_time += t.elapsed();
            solved.ok()?;
            let mut dw = rhs[..n].to_vec();
            dw.resize(n + m, 0.0);
            for i in 0..m {
                if self.is_ineq[i] {
                    dw[n + i] = (rhs[n + i] - dir.r_s[i]) / (dir.sigma[n + i] + dir.delta_w).max(1e-20);
                }
            }
            let a_soc = self.max_primal_step(&self.pt, &dw);
            let trial = self.trial_from(&self.pt, &dw, a_soc).ok()?;
            let th_t = self.theta(&trial);
            let ph_t = self.phi(&trial, self.mu);
            if self.acceptable(theta, phi, gd, alpha0, th_t, ph_t).is_some() {
                return Some((trial, alpha0));
            }
            if th_t > self.opts.kappa_soc * theta_old {
                return None;
            }
            theta_old = th_t;
            self.residual(&trial, &mut rt);
            for i in 0..m {
                c_soc[i] = a_soc * c_soc[i] + rt[i];
            }
        }
        None
    }

    /// Han–Powell ℓ₁ exact-penalty line search on the barrier problem:
    /// `P(w; ρ) = φ_μ(w) + ρ‖c(x) − b(s)‖₁`, Armijo on the true one-sided directional derivative.
    fn l1_merit_line_search(&mut self, dir: &Direction) -> StepResult {
        if self.is_tiny(dir) {
            return StepResult::Tiny;
        }
        let m = self.m;
        // ρ ≥ ‖y + dy‖∞ + margin (Han 1977; Powell 1978): the penalty must dominate the multipliers.
        let ynew = (0..m).map(|i| (self.y[i] + dir.dy[i]).abs()).fold(0.0, f64::max);
        if self.rho < ynew + self.opts.l1_penalty_margin {
            self.rho = 2.0 * ynew + self.opts.l1_penalty_margin;
        }
        let jac = self.jac.as_deref().expect("evaluated");
        let mut r = vec![0.0; m];
        self.residual(&self.pt, &mut r);
        let mut jd = vec![0.0; m];
        if m > 0 {
            jac.apply(1.0, &dir.dw[..self.n], 0.0, &mut jd);
        }
        for i in 0..m {
            if self.is_ineq[i] {
                jd[i] -= dir.dw[self.n + i];
            }
        }
        // d/dα ‖r + α J d‖₁ at 0⁺.
        let dl1: f64 = (0..m).map(|i| if r[i] != 0.0 { r[i].signum() * jd[i] } else { jd[i].abs() }).sum();
        let gphi = self.grad_phi(&self.pt, self.mu);
        let mut dd = vec_ops::dot(&gphi, &dir.dw) + self.rho * dl1;
        if dd >= 0.0 {
            // Not a descent direction for this ρ: raise ρ if the constraint term can fix it.
            if dl1 < 0.0 {
                self.rho = (vec_ops::dot(&gphi, &dir.dw) / -dl1) * 2.0 + self.opts.l1_penalty_margin;
                dd = vec_ops::dot(&gphi, &dir.dw) + self.rho * dl1;
            }
        }
        let merit = |ipm: &Self, p: &Point| ipm.phi(p, ipm.mu) + ipm.rho * ipm.theta(p);
        let m0 = merit(self, &self.pt);
        let mut alpha = self.max_primal_step(&self.pt, &dir.dw);
        let mut trials = 0;
        loop {
            trials += 1;
            match self.trial_point(dir, alpha) {
                Ok(trial) => {
                    let mt = merit(self, &trial);
                    let tol = 10.0 * f64::EPSILON * m0.abs().max(1.0);
                    if mt.is_finite() && (mt <= m0 + self.opts.l1_armijo * alpha * dd.min(0.0) + tol) {
                        self.last.ls = trials;
                        self.last.tag = "m";
                        return StepResult::Accepted(trial, alpha);
                    }
                }
                Err(e) if e.is_abort() => return StepResult::EvalFailure,
                Err(_) => {}
            }
            if self.fire(Checkpoint::StepRejected) {
                return StepResult::EvalFailure;
            }
            alpha *= 0.5;
            if alpha < 1e-12 || trials > 60 {
                self.last.ls = trials;
                return StepResult::NeedRestoration;
            }
        }
    }

    /// Take the step: primal point, y with the primal step, z with its own fraction to the boundary
    /// and the κ_Σ safeguard (W&B 2006, eq. 16).
    fn accept_step(&mut self, trial: Point, dir: &Direction, alpha: f64) -> Result<(), SolveStatus> {
        let nm = self.n + self.m;
        let mut alpha_z: f64 = 1.0;
        for j in 0..nm {
            if self.has_lo[j] && dir.dzl[j] < 0.0 {
                alpha_z = alpha_z.min(-self.tau * self.zl[j] / dir.dzl[j]);
            }
            if self.has_up[j] && dir.dzu[j] < 0.0 {
                alpha_z = alpha_z.min(-self.tau * self.zu[j] / dir.dzu[j]);
            }
        }
        let old_x = self.pt.x.clone();
        let old_grad = self.pt.grad.clone();
        let old_jac = self.jac.take();
        self.pt = trial;
        for i in 0..self.m {
            self.y[i] += alpha * dir.dy[i];
        }
        let k_sigma = self.opts.kappa_sigma;
        for j in 0..nm {
            let w = self.w_val(&self.pt, j);
            if self.has_lo[j] {
                let sl = w - self.lo[j];
                let z = self.zl[j] + alpha_z * dir.dzl[j];
                self.zl[j] = kappa_sigma_safeguard(z, self.zl[j], self.mu, k_sigma, sl);
            }
            if self.has_up[j] {
                let su = self.up[j] - w;
                let z = self.zu[j] + alpha_z * dir.dzu[j];
                self.zu[j] = kappa_sigma_safeguard(z, self.zu[j], self.mu, k_sigma, su);
            }
        }
        match self.evaluate_derivatives() {
            Ok(()) => {}
            Err(e) if e.is_abort() => return Err(SolveStatus::UserStop),
            Err(_) => return Err(SolveStatus::EvaluationError),
        }
        self.update_quasi_newton(&old_x, &old_grad, old_jac.as_deref());
        self.last.alpha_pr = alpha;
        self.last.alpha_du = alpha_z;
        self.last.step_norm = alpha * vec_ops::norm_inf(&dir.dw[..self.n]);
        Ok(())
    }

    fn update_quasi_newton(&mut self, old_x: &[f64], old_grad: &[f64], old_jac: Option<&dyn LinearOperator>) {
        if self.qn.is_none() {
            return;
        }
        let s: Vec<f64> = (0..self.n).map(|j| self.pt.x[j] - old_x[j]).collect();
        let jac = self.jac.as_deref().expect("evaluated");
        let g_new = self.grad_lagrangian_x(&self.pt.grad, jac, &self.y);
        let g_old = match old_jac {
            Some(j) => self.grad_lagrangian_x(old_grad, j, &self.y),
            None => old_grad.to_vec(),
        };
        let yv: Vec<f64> = g_new.iter().zip(&g_old).map(|(a, b)| a - b).collect();
        if let Some(q) = self.qn.as_mut() {
            q.update(&s, &yv);
        }
    }

    /// Continue from a point returned by the restoration phase.
    fn accept_restoration_point(&mut self, x: Vec<f64>, s_in: Vec<f64>) -> Result<(), SolveStatus> {
        let n = self.n;
        let mut s = s_in;
        for i in 0..self.m {
            if self.is_ineq[i] {
                push_one(&mut s[i], self.lo[n + i], self.up[n + i], 1e-8, 1e-8);
            }
        }
        self.pt = self.evaluate(x, s).map_err(|_| SolveStatus::EvaluationError)?;
        let mut s = std::mem::take(&mut self.pt.s);
        self.restoration_slacks(&self.pt.c, &mut s);
        self.pt.s = s;
        self.evaluate_derivatives().map_err(|_| SolveStatus::EvaluationError)?;
        for j in 0..n + self.m {
            let w = self.w_val(&self.pt, j);
            if self.has_lo[j] {
                self.zl[j] = (self.mu / (w - self.lo[j])).min(1e3);
            }
            if self.has_up[j] {
                self.zu[j] = (self.mu / (self.up[j] - w)).min(1e3);
            }
        }
        let _ = self.least_squares_multipliers();
        if let Some(q) = self.qn.as_mut() {
            q.reset();
        }
        let th = self.theta(&self.pt);
        let ph = self.phi(&self.pt, self.mu);
        let _ = (th, ph);
        Ok(())
    }

    /// Slacks the outer iterate takes on leaving restoration (the exit test judges the same ones):
    /// `c(x)` moved into the slack bounds by `slack_bound_push`/`slack_bound_frac`, as at the
    /// initial point. Pushing only 1e-8 off a bound made `θ` look restored while leaving slacks
    /// at the boundary, so every later step was cut to α ≈ 1e-4 by the fraction-to-the-boundary
    /// rule and restoration was re-entered (case6495rte).
    fn restoration_slacks(&self, c: &[f64], s: &mut [f64]) {
        for i in 0..self.m {
            if self.is_ineq[i] {
                let mut v = c[i];
                push_one(&mut v, self.lo[self.n + i], self.up[self.n + i], self.opts.slack_bound_push, self.opts.slack_bound_frac);
                s[i] = v;
            }
        }
    }

    /// Values the restoration phase needs.
    pub(crate) fn restoration_inputs(&self) -> (f64, Vec<f64>) {
        let mut r = vec![0.0; self.m];
        self.residual(&self.pt, &mut r);
        (self.theta(&self.pt), r)
    }

    /// Whether the (x, s) pair is acceptable to the current filter with enough θ reduction.
    pub(crate) fn restoration_exit_ok(&self, x: &[f64], s: &[f64], theta_start: f64) -> bool {
        let mut s_proj = s.to_vec();
        let pt = match self.evaluate(x.to_vec(), s.to_vec()) {
            Ok(p) => p,
            Err(_) => return false,
        };
        self.restoration_slacks(&pt.c, &mut s_proj);
        let pt = Point { s: s_proj, ..pt };
        let th = self.theta(&pt);
        let ph = self.phi(&pt, self.mu);
        th <= self.opts.required_infeasibility_reduction * theta_start && th <= self.theta_max && self.filter.acceptable(th, ph)
            || th <= 1e-2 * self.opts.constr_viol_tol.min(self.opts.tol.sqrt()) && ph.is_finite()
    }

    pub(crate) fn la(&self) -> &'a LinearAlgebra<'a> {
        self.la
    }

    /// Build the user-facing result.
    fn finish(self, outcome: Outcome, start: Instant) -> SolveResult {
        let status = match outcome {
            Outcome::Status(s) => s,
            Outcome::ExitRequested => SolveStatus::Optimal,
        };
        if self.jac.is_none() {
            let mut r = ipm_eval_failure(self.nlp, self.opts, EvalError::failed("start", "no evaluable point"), start);
            r.status = status;
            return r;
        }
        let nlp = self.nlp;
        let (status, x_free, viol, c, note) = self.honest_final_point(status);
        let x = nlp.full_x(&x_free);
        let objective = nlp.objective_unscaled(&x_free).unwrap_or(self.pt.f / nlp.obj_scale);
        let y: Vec<f64> = self.y.iter().zip(&nlp.con_scale).map(|(y, s)| y * s / nlp.obj_scale).collect();
        let mut zl = nlp_bound_mults(nlp, &self.zl[..self.n]);
        let mut zu = nlp_bound_mults(nlp, &self.zu[..self.n]);
        // Multipliers of fixed variables: whatever balances ∇f + Jᵀy there.
        if nlp.free.len() < nlp.n_full
            && let Ok(g) = nlp.gradient_full_unscaled(&x)
        {
            let mut gl = g;
            if self.m > 0
                && let Ok(j) = nlp.problem().jacobian(&x)
            {
                j.apply_transpose(1.0, &y, 1.0, &mut gl);
            }
            let mut is_free = vec![false; nlp.n_full];
            nlp.free.iter().for_each(|&i| is_free[i] = true);
            for i in 0..nlp.n_full {
                if !is_free[i] {
                    if gl[i] >= 0.0 { zl[i] = gl[i] } else { zu[i] = -gl[i] }
                }
            }
        }
        let err = self.errors(0.0);
        let total = start.elapsed();
        let mut route = self.kkt.as_ref().map(|k| format!("{:?} route, {} solver", k.route, k.solver_name())).unwrap_or_default();
        if let Some(note) = note {
            route = if route.is_empty() { note } else { format!("{route}; {note}") };
        }
        SolveResult {
            status,
            x,
            objective,
            constraints: c,
            constraint_multipliers: y,
            lower_bound_multipliers: zl,
            upper_bound_multipliers: zu,
            iterations: self.iter,
            evaluations: nlp.counts(),
            timings: Timings { total, function_evaluations: nlp.eval_time(), linear_algebra: self.la_time },
            errors: FinalErrors {
                dual_infeasibility: err.dual / nlp.obj_scale,
                constraint_violation: viol,
                complementarity: err.compl / nlp.obj_scale,
                overall: err.overall,
            },
            message: route,
        }
    }
}

impl Ipm<'_, '_> {
    /// The point to return and the status it honestly supports (issue 16, item 1).
    ///
    /// The candidate is the final iterate projected onto the original bounds when
    /// `honor_original_bounds` is set (Ipopt's default before 3.14), else the iterate itself. Its violation
    /// `v` of the *original* bounds and constraints is recomputed from the user's callbacks
    /// ([`Nlp::original_violation`]). As Ipopt, success is only reported within the unscaled
    /// tolerances: Optimal needs `v ≤ constr_viol_tol`, Acceptable `v ≤ acceptable_constr_viol_tol`.
    /// If the projection is what broke feasibility (the iterate sits up to the bound relaxation
    /// outside the original bounds, and moving it back can violate the constraints), the
    /// unprojected iterate is returned instead when it meets the tolerance, since its only defect
    /// is a bound violation no larger than the relaxation. Otherwise the status is lowered to what
    /// the point supports (Optimal → Acceptable, or `SearchDirectionTooSmall`, a failure, when not
    /// even the acceptable tolerance holds), with a note in the result message.
    ///
    /// Returns `(status, x_free, v, c(x) unscaled, note)`.
    fn honest_final_point(&self, status: SolveStatus) -> (SolveStatus, Vec<f64>, f64, Vec<f64>, Option<String>) {
        let nlp = self.nlp;
        let o = self.opts;
        let unprojected = self.pt.x.clone();
        let mut projected = unprojected.clone();
        if o.honor_original_bounds {
            for j in 0..self.n {
                projected[j] = projected[j].max(nlp.x_l_orig[j]).min(nlp.x_u_orig[j]);
            }
        }
        // A failed evaluation counts as an infinite violation (that candidate cannot be certified).
        let judge = |x: &[f64]| nlp.original_violation(x).ok();
        let fallback_c = || self.pt.c.iter().zip(&nlp.con_scale).map(|(v, s)| v / s).collect::<Vec<f64>>();
        let (v_proj, c_proj) = judge(&projected).unwrap_or_else(|| (f64::INFINITY, fallback_c()));
        let tol_for = |st: SolveStatus| match st {
            SolveStatus::Optimal => Some(o.constr_viol_tol),
            SolveStatus::Acceptable => Some(o.acceptable_constr_viol_tol),
            _ => None,
        };
        let Some(tol) = tol_for(status) else {
            return (status, projected, v_proj, c_proj, None);
        };
        if v_proj <= tol {
            return (status, projected, v_proj, c_proj, None);
        }
        let moved = projected != unprojected;
        let unproj = if moved { judge(&unprojected) } else { None };
        if let Some((v_un, c_un)) = unproj.clone().filter(|(v, _)| *v <= tol) {
            let note = format!("the projection onto the original bounds raised the violation to {v_proj:.2e}; returning the unprojected point (violation {v_un:.2e})");
            return (status, unprojected, v_un, c_un, Some(note));
        }
        // Neither candidate meets the tolerance of the status: report what the point supports.
        let (x, v, c) = match unproj {
            Some((v_un, c_un)) if v_un < v_proj => (unprojected, v_un, c_un),
            _ => (projected, v_proj, c_proj),
        };
        let lowered = if status == SolveStatus::Optimal && v <= o.acceptable_constr_viol_tol {
            SolveStatus::Acceptable
        } else {
            SolveStatus::SearchDirectionTooSmall
        };
        let note = format!("converged on the relaxed problem, but the original bounds/constraints are violated by {v:.2e} > {tol:.1e}: reported {lowered:?}, not {status:?}");
        (lowered, x, v, c, Some(note))
    }

    /// Current complementarity average, for restoration's starting μ.
    pub(crate) fn current_point(&self) -> (&[f64], &[f64]) {
        (&self.pt.x, &self.pt.s)
    }
}

#[cfg(test)]
mod safeguard_tests {
    use super::kappa_sigma_safeguard;

    #[test]
    fn the_kappa_sigma_safeguard_never_panics_and_stays_positive() {
        let (mu, k) = (1e-9, 1e10);
        // The normal case is the W&B 2006 eq. 16 projection.
        assert_eq!(kappa_sigma_safeguard(1e3, 1.0, mu, k, 1.0), k * mu);
        assert_eq!(kappa_sigma_safeguard(1e-30, 1.0, mu, k, 1.0), mu / k);
        assert_eq!(kappa_sigma_safeguard(0.5, 1.0, mu, k, 1e-9), 0.5);
        // Where `f64::clamp` panicked: crossed interval (slack rounded below zero), NaN slack or
        // multiplier, zero or infinite slack (interval ends ∞ or 0).
        for s in [-1e-300, -1.0, f64::NAN, 0.0, -0.0, f64::INFINITY, f64::MIN_POSITIVE / 4.0] {
            for z in [2.0, f64::NAN, f64::INFINITY, -1.0, 0.0] {
                let v = kappa_sigma_safeguard(z, 3.0, mu, k, s);
                assert!(v.is_finite() && v > 0.0, "s = {s}, z = {z}: {v}");
            }
        }
    }
}

#[cfg(test)]
mod bound_push_tests {
    use super::push_one;

    fn pushed(v: f64, lo: f64, up: f64) -> f64 {
        let mut x = v;
        push_one(&mut x, lo, up, 1e-2, 1e-2);
        x
    }

    /// W&B 2006 eqs. 34–35 with κ₁ = κ₂ = 1e-2, values computed by hand.
    #[test]
    fn the_initial_point_is_pushed_into_the_bounds_as_ipopt_does() {
        // Two-sided [0, 10]: p_L = min(κ₁·max(1, 0), κ₂·10) = 0.01, p_U = min(κ₁·10, κ₂·10) = 0.1.
        assert_eq!(pushed(-5.0, 0.0, 10.0), 0.01);
        assert_eq!(pushed(20.0, 0.0, 10.0), 9.9);
        assert_eq!(pushed(5.0, 0.0, 10.0), 5.0);
        // A narrow interval is limited by κ₂ times its width: p = min(0.01, 1e-5) = 1e-5.
        assert_eq!(pushed(0.0, 0.0, 1e-3), 1e-5);
        // One-sided bounds move by κ₁·max(1, |b|).
        assert_eq!(pushed(-100.0, -100.0, f64::INFINITY), -99.0);
        assert_eq!(pushed(1.0, f64::NEG_INFINITY, 0.5), 0.49);
        // Fixed variables stay on their value; free ones are untouched.
        assert_eq!(pushed(7.0, 3.0, 3.0), 3.0);
        assert_eq!(pushed(-1e30, f64::NEG_INFINITY, f64::INFINITY), -1e30);
    }
}
