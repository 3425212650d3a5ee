//! The result of a solve: the final point with the status it honestly supports (issue 16), the
//! multipliers in the user's space, and the results of solves that never started.

use std::time::Instant;

use ipax_core::{EvalError, Problem};

use crate::driver::{Ipm, Outcome};
use crate::nlp::Nlp;
use crate::options::Options;
use crate::result::{FinalErrors, SolveResult, SolveStatus, Timings};

pub(crate) fn invalid_result(problem: &dyn Problem, message: String) -> SolveResult {
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
        held_kkt: None,
    }
}

pub(crate) fn ipm_eval_failure(nlp: &Nlp<'_>, _opts: &Options, e: EvalError, start: Instant) -> SolveResult {
    let mut r = invalid_result(nlp.problem(), format!("evaluation failed at the starting point: {e}"));
    r.status = SolveStatus::EvaluationError;
    r.x = nlp.full_x(&nlp.initial_point());
    r.evaluations = nlp.counts();
    r.timings.total = start.elapsed();
    r
}


/// Bound multipliers in the user's space: `z = d ∘ z̃ / σ_f` (variable and objective scaling).
pub(crate) fn nlp_bound_mults(nlp: &Nlp<'_>, z: &[f64]) -> Vec<f64> {
    let mut full = vec![0.0; nlp.n_full];
    for (k, &i) in nlp.free.iter().enumerate() {
        full[i] = z[k] * nlp.var_scale[k] / nlp.obj_scale;
    }
    full
}


impl Ipm<'_, '_> {
    /// Build the user-facing result.
    pub(crate) fn finish(&self, outcome: Outcome, start: Instant) -> SolveResult {
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
        let objective = nlp.objective_unscaled(&x_free).unwrap_or(self.it.pt.f / nlp.obj_scale);
        let y: Vec<f64> = self.it.y.iter().zip(&nlp.con_scale).map(|(y, s)| y * s / nlp.obj_scale).collect();
        let mut zl = nlp_bound_mults(nlp, &self.it.zl[..self.b.n]);
        let mut zu = nlp_bound_mults(nlp, &self.it.zu[..self.b.n]);
        // Multipliers of fixed variables: whatever balances ∇f + Jᵀy there.
        if nlp.free.len() < nlp.n_full
            && let Ok(g) = nlp.gradient_full_unscaled(&x)
        {
            let mut gl = g;
            if self.b.m > 0
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
            held_kkt: None,
        }
    }

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
        let unprojected = self.it.pt.x.clone();
        let mut projected = unprojected.clone();
        if o.honor_original_bounds {
            for j in 0..self.b.n {
                projected[j] = projected[j].max(nlp.x_l_orig[j]).min(nlp.x_u_orig[j]);
            }
        }
        // A failed evaluation counts as an infinite violation (that candidate cannot be certified).
        let judge = |x: &[f64]| nlp.original_violation(x).ok();
        let fallback_c = || self.it.pt.c.iter().zip(&nlp.con_scale).map(|(v, s)| v / s).collect::<Vec<f64>>();
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
}
