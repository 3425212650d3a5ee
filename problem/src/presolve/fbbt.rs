//! Feasibility-based bound tightening (FBBT) over the **linear** rows of a model, in
//! outward-rounded interval arithmetic, and proofs of infeasibility that name the rows.
//!
//! For a linear row `L ≤ aᵀx + b ≤ U` on the box `l ≤ x ≤ u`, the activity lies in
//! `[Σ_j min(a_j l_j, a_j u_j) + b, Σ_j max(a_j l_j, a_j u_j) + b]`; when that interval misses
//! `[L, U]` no point of the box satisfies the row — the model is infeasible. Otherwise each
//! variable is bounded by what the row leaves for it:
//! `a_k x_k ∈ [L − (max − max_k), U − (min − min_k)]` with `min_k`, `max_k` its own contribution
//! (Belotti et al., "Feasibility-based bounds tightening via fixed points", 2010; Savelsbergh
//! 1994 for the activity form). Rows are swept until no bound moves by more than a relative
//! 1e-8 or `max_rounds` is reached.
//!
//! Every sum, product and quotient is rounded outward (`next_down` / `next_up` of the
//! round-to-nearest result, which encloses the exact value), so a tightened bound never cuts off
//! a feasible point and an infeasibility verdict is a proof up to the tolerance the caller adds
//! (a row must miss its bounds by more than `feas_tol·max(1, |bound|)`).
//!
//! Only linear rows are used: their coefficients are the Jacobian entries (constant), their
//! constant term is `c_i(0)` evaluated exactly when the problem can be evaluated at 0, or else
//! `c_i(x̄) − aᵀx̄` enclosed with a dot-product error bound. Which rows are linear must come from
//! the model (an `.nl` file lists its nonlinear rows first: rows `nlc..m` are linear).

use ipax_core::{EvalError, Problem};

/// Outcome of [`linear_fbbt`].
#[derive(Debug, Clone, PartialEq)]
pub struct FbbtResult {
    /// Tightened lower bounds (never above the original).
    pub lower: Vec<f64>,
    /// Tightened upper bounds.
    pub upper: Vec<f64>,
    /// Number of variable bounds that moved.
    pub tightened: usize,
    /// Sweeps over the rows.
    pub rounds: usize,
    /// Rows proven infeasible on the (tightened) box: `(row, activity lower, activity upper)`.
    pub infeasible_rows: Vec<(usize, f64, f64)>,
    /// Variables whose tightened bounds cross: `(variable, row that crossed them)`.
    pub infeasible_variables: Vec<(usize, usize)>,
    /// Rows propagated (rows with at least one finite bound).
    pub rows: usize,
    /// Of those, rows with a nonlinear part.
    pub nonlinear_rows: usize,
}

impl FbbtResult {
    /// Whether infeasibility was proven.
    pub fn infeasible(&self) -> bool {
        !self.infeasible_rows.is_empty() || !self.infeasible_variables.is_empty()
    }
}

// Sums with a zero operand are exact and stay so (no needless ulp of slack).
fn add_dn(a: f64, b: f64) -> f64 {
    let s = a + b;
    if a == 0.0 || b == 0.0 || !s.is_finite() { s } else { s.next_down() }
}
fn add_up(a: f64, b: f64) -> f64 {
    let s = a + b;
    if a == 0.0 || b == 0.0 || !s.is_finite() { s } else { s.next_up() }
}
fn mul_dn(a: f64, b: f64) -> f64 {
    let p = a * b;
    if p.is_finite() && p != 0.0 { p.next_down() } else { p }
}
fn mul_up(a: f64, b: f64) -> f64 {
    let p = a * b;
    if p.is_finite() && p != 0.0 { p.next_up() } else { p }
}

/// Interval product `a·[l, u]` for a scalar `a`, rounded outward; `0·∞` is 0 (a variable with a
/// zero coefficient contributes nothing).
fn scaled(a: f64, l: f64, u: f64) -> (f64, f64) {
    if a == 0.0 {
        return (0.0, 0.0);
    }
    if a > 0.0 { (mul_dn(a, l), mul_up(a, u)) } else { (mul_dn(a, u), mul_up(a, l)) }
}

/// FBBT over `linear_rows` (see the module documentation). `feas_tol` is the relative margin by
/// which a row must miss its bounds to be declared infeasible.
pub fn linear_fbbt(problem: &dyn Problem, linear_rows: &[usize], feas_tol: f64, max_rounds: usize) -> Result<FbbtResult, EvalError> {
    let (n, m) = (problem.num_variables(), problem.num_constraints());
    let (mut lo, mut hi) = (vec![0.0; n], vec![0.0; n]);
    problem.variable_bounds(&mut lo, &mut hi);
    let (mut cl, mut cu) = (vec![0.0; m], vec![0.0; m]);
    problem.constraint_bounds(&mut cl, &mut cu);
    let mut x0 = vec![0.0; n];
    problem.initial_point(&mut x0);
    let xbar: Vec<f64> = (0..n).map(|j| if x0[j].is_finite() { x0[j].max(lo[j]).min(hi[j]) } else { 0.0f64.max(lo[j]).min(hi[j]) }).collect();
    let mut is_lin = vec![false; m];
    linear_rows.iter().filter(|&&i| i < m).for_each(|&i| is_lin[i] = true);
    // Coefficients of the linear rows.
    let jac = problem.jacobian(&xbar)?;
    let t = jac.triplets().ok_or_else(|| EvalError::failed("Jacobian", "bound tightening needs Jacobian entries"))?;
    let mut rows: Vec<Vec<(usize, f64)>> = vec![Vec::new(); m];
    for k in 0..t.len() {
        if t.rows[k] < m && t.cols[k] < n && is_lin[t.rows[k]] && t.vals[k] != 0.0 {
            rows[t.rows[k]].push((t.cols[k], t.vals[k]));
        }
    }
    // Constant terms b as intervals.
    let mut c = vec![0.0; m];
    let zero = vec![0.0; n];
    let mut b = vec![(0.0, 0.0); m];
    if problem.constraints(&zero, &mut c).is_ok() {
        for &i in linear_rows.iter().filter(|&&i| i < m) {
            b[i] = (c[i], c[i]);
        }
    } else {
        problem.constraints(&xbar, &mut c)?;
        for &i in linear_rows.iter().filter(|&&i| i < m) {
            // b = c(x̄) − aᵀx̄, with the error of both dot products bounded by γ_{k+1}·Σ|terms|
            // (Higham, Accuracy and Stability, §3.1).
            let dot: f64 = rows[i].iter().map(|&(j, a)| a * xbar[j]).sum();
            let mag: f64 = c[i].abs() + rows[i].iter().map(|&(j, a)| (a * xbar[j]).abs()).sum::<f64>();
            let err = 2.0 * (rows[i].len() as f64 + 2.0) * f64::EPSILON * mag;
            b[i] = ((c[i] - dot) - err, (c[i] - dot) + err);
        }
    }
    let mut result = FbbtResult { lower: Vec::new(), upper: Vec::new(), tightened: 0, rounds: 0, infeasible_rows: Vec::new(), infeasible_variables: Vec::new(), rows: linear_rows.len(), nonlinear_rows: 0 };
    let mut moved = vec![false; 2 * n];
    let margin = |v: f64| feas_tol * v.abs().max(1.0);
    for _ in 0..max_rounds {
        result.rounds += 1;
        let mut changed = false;
        for &i in linear_rows.iter().filter(|&&i| i < m) {
            // Activity bounds with counts of infinite contributions.
            let (mut amin, mut amax) = (b[i].0, b[i].1);
            let (mut inf_min, mut inf_max) = (0usize, 0usize);
            for &(j, a) in &rows[i] {
                let (l, u) = scaled(a, lo[j], hi[j]);
                if l == f64::NEG_INFINITY { inf_min += 1 } else { amin = add_dn(amin, l) }
                if u == f64::INFINITY { inf_max += 1 } else { amax = add_up(amax, u) }
            }
            let act_lo = if inf_min > 0 { f64::NEG_INFINITY } else { amin };
            let act_hi = if inf_max > 0 { f64::INFINITY } else { amax };
            if act_lo > cu[i] + margin(cu[i]) || act_hi < cl[i] - margin(cl[i]) {
                result.infeasible_rows.push((i, act_lo, act_hi));
                continue;
            }
            for &(k, a) in &rows[i] {
                let (l, u) = scaled(a, lo[k], hi[k]);
                // What the other terms can reach: the row's activity without k's contribution.
                let rest_max = if inf_max == 0 {
                    add_up(amax, -u)
                } else if inf_max == 1 && u == f64::INFINITY {
                    amax
                } else {
                    f64::INFINITY
                };
                let rest_min = if inf_min == 0 { add_dn(amin, -l) } else if inf_min == 1 && l == f64::NEG_INFINITY { amin } else { f64::NEG_INFINITY };
                // a·x_k ∈ [L − rest_max, U − rest_min].
                let (t_lo, t_hi) = (add_dn(cl[i], -rest_max), add_up(cu[i], -rest_min));
                let (new_lo, new_hi) = if a > 0.0 {
                    (div_dn(t_lo, a), div_up(t_hi, a))
                } else {
                    (div_dn(t_hi, a), div_up(t_lo, a))
                };
                // A move counts when it is more than a relative 1e-8 (any finite value beats an
                // infinite bound).
                let tol = |v: f64| if v.is_finite() { 1e-8 * v.abs().max(1.0) } else { 0.0 };
                if new_lo.is_finite() && new_lo > lo[k] + tol(lo[k]) {
                    lo[k] = new_lo;
                    moved[2 * k] = true;
                    changed = true;
                }
                if new_hi.is_finite() && new_hi < hi[k] - tol(hi[k]) {
                    hi[k] = new_hi;
                    moved[2 * k + 1] = true;
                    changed = true;
                }
                if lo[k] > hi[k] + margin(hi[k]) && !result.infeasible_variables.iter().any(|&(v, _)| v == k) {
                    result.infeasible_variables.push((k, i));
                }
            }
        }
        if !changed || result.infeasible() {
            break;
        }
    }
    result.tightened = moved.iter().filter(|&&m| m).count();
    result.lower = lo;
    result.upper = hi;
    Ok(result)
}

fn div_dn(a: f64, b: f64) -> f64 {
    let q = a / b;
    if q.is_finite() && q != 0.0 { q.next_down() } else if q == 0.0 { -f64::MIN_POSITIVE } else { q }
}
fn div_up(a: f64, b: f64) -> f64 {
    let q = a / b;
    if q.is_finite() && q != 0.0 { q.next_up() } else if q == 0.0 { f64::MIN_POSITIVE } else { q }
}
