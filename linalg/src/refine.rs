//! Iterative refinement: `x ← x + A⁻¹(b − A x)` with an approximate inverse (a factorization).
//!
//! A backward-stable factorization of a perturbed matrix (dynamic regularization, tiny pivots)
//! leaves a residual far above machine precision; a few refinement steps against the *true*
//! operator recover it (Wilkinson; Higham, *Accuracy and Stability*, ch. 12). Refinement stops on
//! convergence, after `max_steps`, or as soon as a step fails to halve the residual (stagnation);
//! a step that increases the residual is rolled back, so refinement never makes `x` worse.

use crate::common::{check_len, square_dim};
use ipax_core::{LinSolveError, LinearOperator, LinearSolver, SolveInfo, vec_ops};

/// Stopping rule for iterative refinement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RefineParams {
    /// Maximum number of correction steps (0 disables refinement; the residual is still reported).
    pub max_steps: usize,
    /// Stop once `‖b − A x‖ / ‖b‖ ≤ tol`.
    pub tol: f64,
}

impl Default for RefineParams {
    fn default() -> Self {
        RefineParams { max_steps: 5, tol: 1e-14 }
    }
}

impl RefineParams {
    /// No refinement and no residual check (`max_steps = 0`, `tol = ∞`): for callers that refine
    /// against a different operator themselves (the IPM refines against the unregularized KKT
    /// system), where the solver's own residual would be one wasted product per solve. The
    /// reported residual is then `None`.
    pub fn off() -> Self {
        RefineParams { max_steps: 0, tol: f64::INFINITY }
    }
}

/// `r ← b − (A + shift·I) x`; returns `‖r‖`.
fn residual(op: &dyn LinearOperator, shift: f64, b: &[f64], x: &[f64], r: &mut [f64]) -> f64 {
    r.copy_from_slice(b);
    op.apply(-1.0, x, 1.0, r);
    if shift != 0.0 {
        vec_ops::axpy(-shift, x, r);
    }
    vec_ops::norm2(r)
}

/// Refine `x` for `(op + shift·I) x = rhs`, computing corrections with `correct`, which overwrites
/// its argument `r` with an approximation of `(op + shift·I)⁻¹ r`.
///
/// Returns the number of correction steps taken and the final relative residual
/// `‖rhs − (op + shift·I) x‖ / ‖rhs‖` (absolute when `rhs = 0`).
pub fn refine_with(
    op: &dyn LinearOperator,
    shift: f64,
    rhs: &[f64],
    x: &mut [f64],
    params: RefineParams,
    correct: &mut dyn FnMut(&mut [f64]) -> Result<(), LinSolveError>,
) -> Result<SolveInfo, LinSolveError> {
    let n = square_dim(op)?;
    check_len("right-hand side", n, rhs.len())?;
    check_len("solution", n, x.len())?;
    if params.max_steps == 0 && params.tol == f64::INFINITY {
        return Ok(SolveInfo { iterations: 0, residual: None });
    }
    let bnorm = vec_ops::norm2(rhs);
    let scale = if bnorm > 0.0 { bnorm } else { 1.0 };
    let mut r = vec![0.0; n];
    let mut rel = residual(op, shift, rhs, x, &mut r) / scale;
    let mut x_new = vec![0.0; n];
    let mut r_new = vec![0.0; n];
    let mut steps = 0;
    while steps < params.max_steps && rel > params.tol && rel.is_finite() {
        let mut d = r.clone();
        correct(&mut d)?;
        steps += 1;
        for i in 0..n {
            x_new[i] = x[i] + d[i];
        }
        let rel_new = residual(op, shift, rhs, &x_new, &mut r_new) / scale;
        if !(rel_new < rel) {
            // No progress (or NaN): keep the previous, better iterate.
            break;
        }
        x.copy_from_slice(&x_new);
        std::mem::swap(&mut r, &mut r_new);
        let stagnating = rel_new > 0.5 * rel;
        rel = rel_new;
        if stagnating {
            break;
        }
    }
    Ok(SolveInfo { iterations: steps, residual: Some(rel) })
}

/// Refine `x` for `op · x = rhs` using `solver` (already factored on `op` with zero shift) for the
/// corrections: each step calls `solver.solve_in_place(op, r)`.
///
/// Useful on top of any [`LinearSolver`], e.g. to refine on an unreduced KKT system; for a
/// factorization of `op + shift·I` use [`refine_with`] with that shift.
pub fn refine(
    op: &dyn LinearOperator,
    solver: &mut dyn LinearSolver,
    rhs: &[f64],
    x: &mut [f64],
    max_steps: usize,
    tol: f64,
) -> Result<SolveInfo, LinSolveError> {
    refine_with(op, 0.0, rhs, x, RefineParams { max_steps, tol }, &mut |r: &mut [f64]| {
        solver.solve_in_place(op, r).map(|_| ())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DenseLdlt;
    use crate::test_util::*;
    use ipax_core::{LinearOperatorExt, Regularization};

    #[test]
    fn refinement_off_skips_the_residual() {
        let a = kkt(8, 3, 1e-6, 5);
        let mut solver = DenseLdlt::new().with_refinement(RefineParams::off());
        solver.factor(&a, &Regularization::none()).unwrap();
        let b = a.matvec(&ones(11));
        let mut x = b.clone();
        let info = solver.solve_in_place(&a, &mut x).unwrap();
        assert_eq!((info.iterations, info.residual), (0, None));
        assert!(rel_residual(&a, 0.0, &x, &b) <= 1e-10);
    }

    #[test]
    fn refine_recovers_accuracy_from_a_perturbed_factorization() {
        let a = kkt(8, 3, 1e-6, 5);
        // Factor A + 1e-4·I without internal refinement, then refine against A itself.
        let mut solver = DenseLdlt::new().with_refinement(RefineParams { max_steps: 0, tol: 0.0 });
        solver.factor(&a, &Regularization::shift(1e-4)).unwrap();
        let b = a.matvec(&ones(11));
        let mut x = b.clone();
        solver.solve_in_place(&a, &mut x).unwrap();
        let before = rel_residual(&a, 0.0, &x, &b);
        assert!(before > 1e-8, "the perturbation should be visible: {before:e}");
        // `refine` computes the residual against `a` (shift 0) and corrects with the shifted factor.
        let info = refine(&a, &mut solver, &b, &mut x, 30, 1e-13).unwrap();
        let after = rel_residual(&a, 0.0, &x, &b);
        assert!(after <= 1e-12, "{after:e} after {info:?}");
        assert!(info.iterations > 0 && (info.residual.unwrap() - after).abs() <= 1e-14);
    }

    #[test]
    fn refine_never_makes_the_solution_worse() {
        let a = random_spd(6, 1);
        let b = a.matvec(&ones(6));
        let mut x = ones(6);
        x[0] += 1e-3;
        let before = rel_residual(&a, 0.0, &x, &b);
        // A "solver" that returns garbage corrections.
        let info = refine_with(&a, 0.0, &b, &mut x, RefineParams::default(), &mut |r: &mut [f64]| {
            r.iter_mut().for_each(|v| *v = 1e3);
            Ok(())
        })
        .unwrap();
        assert_eq!(info.iterations, 1);
        assert_eq!(info.residual.unwrap(), before);
        assert_eq!(rel_residual(&a, 0.0, &x, &b), before);
        // Errors from the correction are propagated, dimension errors are typed.
        let failing = refine_with(&a, 0.0, &b, &mut x, RefineParams::default(), &mut |_| Err(LinSolveError::NotFactored));
        assert_eq!(failing, Err(LinSolveError::NotFactored));
        let mut short = vec![0.0; 5];
        assert!(matches!(
            refine_with(&a, 0.0, &b, &mut short, RefineParams::default(), &mut |_| Ok(())),
            Err(LinSolveError::DimensionMismatch { .. })
        ));
    }
}
