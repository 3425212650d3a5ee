//! sIPOPT's AMPL interface for `.nl` models (Pirnay, López-Negrete & Biegler 2012): a model that
//! declares the suffixes
//!
//! - `sens_state_1` (integer, on variables): parameter number `k = 1..K` of each parameter,
//! - `sens_state_value_1` (real, on variables): the perturbed value of each parameter,
//! - `sens_init_constr` (integer, on constraints): the row `x_p = p₀` that pins parameter `k`,
//!
//! gets, after the nominal solve, the first-order estimate of the perturbed solution from one
//! solve with the KKT matrix at the solution (see [`crate::KktFactor`]): perturbing the
//! pinning rows' right-hand sides by `Δp = p_new − p₀` gives
//! `K [dx; dy] = [0; Δb]`, `x(p_new) ≈ x* + dx`, `y(p_new) ≈ y* + dy`. As sIPOPT's `ipopt_sens`,
//! the estimate is written into the `.sol` file as the real suffix `sens_sol_state_1` on the
//! variables (and the multiplier estimate on the constraints, AMPL's sign convention).
//!
//! Like sIPOPT, which back-solves the factor of its final IPM iteration, the default
//! ([`SensFactor::HeldRefined`]) uses the IPM's held factor (the CLI turns `hold_kkt_factor` on
//! for such models), refined against the KKT matrix assembled at the solution
//! ([`crate::KktFactor::held_refined`]: no new factorization, and the answer of the factorization
//! at the solution to ~1e-12 rather than sIPOPT's O(last step + μ)). Without a held factor
//! (presolve changed the problem, condensed route, no exact Hessian) or after a stalled
//! refinement it is the factorization at the solution; [`SensitivityStep::source`] says which.
//! `ipax --sens-fresh` ([`SensFactor::AtSolution`]) always factors at the solution.

use ipax_ipm::SolveResult;
use ipax_problem::nl::{NlProblem, SolSuffix, SolSuffixTarget, Suffix, SuffixTarget};
use thiserror::Error;

use crate::sensitivity::{KktFactor, KktSource, SensitivityError};

/// Why the sensitivity step could not be computed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SipoptError {
    #[error("parameter {k} has a value in sens_state_1 but no pinning row in sens_init_constr")]
    MissingInitConstraint { k: i64 },
    #[error("parameter {k} has no perturbed value in sens_state_value_1")]
    MissingValue { k: i64 },
    #[error("the nominal solve did not succeed ({0}); no sensitivity step")]
    NotSolved(String),
    #[error(transparent)]
    Kkt(#[from] SensitivityError),
}

fn suffix<'a>(problem: &'a NlProblem, name: &str, target: SuffixTarget) -> Option<&'a Suffix> {
    problem.suffixes().iter().find(|s| s.name == name && s.target == target)
}

/// Whether the model asks for a sensitivity step (it declares the three sIPOPT suffixes).
pub fn requested(problem: &NlProblem) -> bool {
    suffix(problem, "sens_state_1", SuffixTarget::Variable).is_some()
        && suffix(problem, "sens_state_value_1", SuffixTarget::Variable).is_some()
        && suffix(problem, "sens_init_constr", SuffixTarget::Constraint).is_some()
}

/// Which KKT factor the step solves with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SensFactor {
    /// The IPM's held factor refined against the KKT matrix at the solution, or that matrix
    /// factored when the result holds no factor ([`KktFactor::refined_or_at_solution`]).
    #[default]
    HeldRefined,
    /// The KKT matrix at the solution, factored ([`KktFactor::at_solution`]).
    AtSolution,
}

/// The first-order estimate of the perturbed solution.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityStep {
    /// `x* + dx`.
    pub x: Vec<f64>,
    /// `y* + dy` (the IPM's sign convention, as `SolveResult::constraint_multipliers`).
    pub y: Vec<f64>,
    /// The factor the step was solved with.
    pub source: KktSource,
}

/// Compute the step with the default [`SensFactor`]; `Ok(None)` when the model declares no
/// sIPOPT suffixes.
pub fn sensitivity_step(problem: &NlProblem, result: &SolveResult) -> Result<Option<SensitivityStep>, SipoptError> {
    sensitivity_step_with(problem, result, SensFactor::default())
}

/// Compute the step with the given factor; `Ok(None)` when the model declares no sIPOPT suffixes.
pub fn sensitivity_step_with(problem: &NlProblem, result: &SolveResult, factor: SensFactor) -> Result<Option<SensitivityStep>, SipoptError> {
    if !requested(problem) {
        return Ok(None);
    }
    if !result.status.is_success() {
        return Err(SipoptError::NotSolved(format!("{:?}", result.status)));
    }
    let state = suffix(problem, "sens_state_1", SuffixTarget::Variable).expect("requested");
    let value = suffix(problem, "sens_state_value_1", SuffixTarget::Variable).expect("requested");
    let init = suffix(problem, "sens_init_constr", SuffixTarget::Constraint).expect("requested");
    let n = result.x.len();
    let m = result.constraint_multipliers.len();
    let mut rhs = vec![0.0; n + m];
    for &(var, k) in state.values.iter().filter(|(_, k)| *k != 0.0) {
        let k_int = k as i64;
        let row = init.values.iter().find(|(_, kk)| *kk == k).map(|&(r, _)| r).ok_or(SipoptError::MissingInitConstraint { k: k_int })?;
        let p_new = value.values.iter().find(|(v, _)| *v == var).map(|&(_, p)| p).ok_or(SipoptError::MissingValue { k: k_int })?;
        // The pinning row reads x_p = p₀: moving its right-hand side by Δp = p_new − x*_p.
        rhs[n + row] = p_new - result.x[var];
    }
    let mut kkt = match factor {
        SensFactor::HeldRefined => KktFactor::refined_or_at_solution(problem, result)?,
        SensFactor::AtSolution => KktFactor::at_solution(problem, result)?,
    };
    let v = kkt.solve(&rhs)?;
    let x = result.x.iter().zip(&v[..n]).map(|(a, d)| a + d).collect();
    let y = result.constraint_multipliers.iter().zip(&v[n..]).map(|(a, d)| a + d).collect();
    Ok(Some(SensitivityStep { x, y, source: kkt.source() }))
}

/// The `.sol` suffix sections sIPOPT writes for a step: `sens_sol_state_1` on the variables and on
/// the constraints (AMPL's dual sign convention).
pub fn sol_suffixes(problem: &NlProblem, step: &SensitivityStep) -> Vec<SolSuffix> {
    let duals = problem.ampl_duals(&step.y);
    vec![
        SolSuffix { name: "sens_sol_state_1".into(), target: SolSuffixTarget::Variables, real: true, values: step.x.iter().copied().enumerate().collect() },
        SolSuffix { name: "sens_sol_state_1".into(), target: SolSuffixTarget::Constraints, real: true, values: duals.into_iter().enumerate().collect() },
    ]
}
