//! Inertia correction (W&B 2006, Algorithm IC; Ipopt's `PDPerturbationHandler`): find the
//! smallest perturbations δ_w (Hessian) and δ_c (constraints) for which the KKT matrix has the
//! inertia (n, m, 0) of a descent step, then solve with it.

use crate::kkt::FactorStatus;
use crate::options::Options;

/// Consecutive iterations with a singular δ_c = 0 system before the Jacobian is treated as
/// degenerate (Ipopt's `degen_iters_max`).
pub(crate) const DEGEN_ITERS_MAX: usize = 3;
/// Factorizations per iteration before giving up.
const MAX_FACTORIZATIONS: usize = 60;

/// What one factorize-and-solve attempt with given (δ_w, δ_c) gave.
pub(crate) enum Attempt<T> {
    /// The inertia was right and the solve succeeded.
    Solved(T),
    /// The factorization's verdict when it was not `Ok`.
    Factor(FactorStatus),
    /// The inertia was right but the solve failed (negative curvature found by a Krylov method,
    /// no convergence): treat as wrong inertia.
    SolveFailed,
    /// Try the same perturbations again (the linear solver changed something, e.g. its own
    /// regularization).
    Retry,
    /// The matrix contained NaN or ∞.
    NonFinite,
}

/// Why no step could be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum InertiaError {
    #[error("more than {MAX_FACTORIZATIONS} factorizations in one iteration")]
    TooManyFactorizations,
    #[error("δ_w exceeded max_hessian_perturbation")]
    PerturbationTooLarge,
    #[error("the KKT matrix is not finite")]
    NonFinite,
}

/// The perturbations that worked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Corrected {
    pub delta_w: f64,
    pub delta_c: f64,
    pub factorizations: usize,
    /// Trials rejected as singular.
    pub singular: usize,
    /// Trials rejected for the wrong inertia (or a failed solve).
    pub wrong_inertia: usize,
}

/// The corrector's memory across iterations.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct InertiaCorrection {
    /// The last nonzero δ_w (the next correction starts from a fraction of it).
    pub delta_w_last: f64,
    /// `None` while undetermined, `Some(true)` once `DEGEN_ITERS_MAX` consecutive iterations
    /// needed δ_c > 0 (then every factorization starts with δ_c > 0), `Some(false)` after the
    /// first nonsingular δ_c = 0 system.
    pub jac_degenerate: Option<bool>,
    pub degen_iters: usize,
}

impl InertiaCorrection {
    /// Run the correction loop: call `attempt(δ_w, δ_c)` with growing perturbations until it
    /// solves. `m` is the number of constraints (δ_c only exists with constraints).
    pub(crate) fn correct<T>(&mut self, o: &Options, mu: f64, m: usize, mut attempt: impl FnMut(f64, f64) -> Attempt<T>) -> Result<(T, Corrected), InertiaError> {
        let jac_reg = || o.jacobian_regularization_value * mu.powf(o.jacobian_regularization_exponent);
        let mut delta_w = 0.0;
        // A Jacobian found degenerate in earlier iterations gets δ_c > 0 from the first trial,
        // saving a factorization per iteration.
        let degenerate = self.jac_degenerate == Some(true) && m > 0;
        let mut delta_c = if degenerate { jac_reg() } else { 0.0 };
        let mut factorizations = 0;
        let mut tried_dc = degenerate;
        let mut first_status = None;
        let (mut singular, mut wrong_inertia) = (0, 0);
        let solved = loop {
            factorizations += 1;
            if factorizations > MAX_FACTORIZATIONS {
                return Err(InertiaError::TooManyFactorizations);
            }
            let status = match attempt(delta_w, delta_c) {
                Attempt::Solved(t) => {
                    first_status.get_or_insert(FactorStatus::Ok);
                    break t;
                }
                Attempt::Retry => {
                    first_status.get_or_insert(FactorStatus::Ok);
                    continue;
                }
                Attempt::SolveFailed => {
                    first_status.get_or_insert(FactorStatus::Ok);
                    FactorStatus::WrongInertia
                }
                Attempt::NonFinite => return Err(InertiaError::NonFinite),
                Attempt::Factor(s) => {
                    first_status.get_or_insert(s);
                    s
                }
            };
            match status {
                FactorStatus::Singular => singular += 1,
                FactorStatus::WrongInertia | FactorStatus::Ok => wrong_inertia += 1,
            }
            let need_increase = match status {
                FactorStatus::Singular if !tried_dc => {
                    tried_dc = true;
                    delta_c = jac_reg();
                    false
                }
                // Still singular with δ_c > 0: the defect is not (only) in J's rank, e.g. a
                // direction with zero curvature in J's null space; δ_w grows (IC-4), δ_c stays.
                FactorStatus::Singular => true,
                FactorStatus::WrongInertia | FactorStatus::Ok => true,
            };
            if need_increase {
                delta_w = self.next_delta_w(o, delta_w);
                if delta_w > o.max_hessian_perturbation {
                    return Err(InertiaError::PerturbationTooLarge);
                }
            }
        };
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
        Ok((solved, Corrected { delta_w, delta_c, factorizations, singular, wrong_inertia }))
    }

    /// The next δ_w (W&B 2006, IC-3 to IC-5): the first trial starts at `first_hessian_perturbation`
    /// when no earlier iteration needed one, else at `max(min, dec_fact·δ_w_last)`; later trials
    /// grow by `perturb_inc_fact_first` (no history) or `perturb_inc_fact`.
    fn next_delta_w(&self, o: &Options, delta_w: f64) -> f64 {
        if delta_w == 0.0 {
            if self.delta_w_last == 0.0 { o.first_hessian_perturbation } else { o.min_hessian_perturbation.max(o.perturb_dec_fact * self.delta_w_last) }
        } else {
            delta_w * if self.delta_w_last == 0.0 { o.perturb_inc_fact_first } else { o.perturb_inc_fact }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake KKT system: wrong inertia while δ_w < `need_w`, singular while δ_c < `need_c`.
    fn fake(need_w: f64, need_c: f64, log: &mut Vec<(f64, f64)>) -> impl FnMut(f64, f64) -> Attempt<(f64, f64)> + '_ {
        move |dw, dc| {
            log.push((dw, dc));
            if dc < need_c {
                Attempt::Factor(FactorStatus::Singular)
            } else if dw < need_w {
                Attempt::Factor(FactorStatus::WrongInertia)
            } else {
                Attempt::Solved((dw, dc))
            }
        }
    }

    #[test]
    fn a_convex_system_needs_no_perturbation() {
        let (o, mut ic, mut log) = (Options::default(), InertiaCorrection::default(), vec![]);
        let (sol, c) = ic.correct(&o, 0.1, 2, fake(0.0, 0.0, &mut log)).unwrap();
        assert_eq!((sol, c.factorizations), ((0.0, 0.0), 1));
        assert_eq!(ic.jac_degenerate, Some(false), "a nonsingular δ_c = 0 system settles the question");
    }

    #[test]
    fn delta_w_starts_at_the_first_value_and_grows_by_the_first_factor() {
        let (o, mut ic, mut log) = (Options::default(), InertiaCorrection::default(), vec![]);
        // Needs δ_w ≥ 5e-3: 1e-4, then ×100 (perturb_inc_fact_first) = 1e-2.
        let (_, c) = ic.correct(&o, 0.1, 0, fake(5e-3, 0.0, &mut log)).unwrap();
        assert_eq!(log.iter().map(|p| p.0).collect::<Vec<_>>(), vec![0.0, 1e-4, 1e-4 * 100.0]);
        assert_eq!(c.delta_w, 1e-4 * 100.0);
        assert_eq!((c.singular, c.wrong_inertia), (0, 2));
        assert_eq!(ic.delta_w_last, 1e-4 * 100.0);
        // The next iteration starts from κ_w⁻·δ_w_last = δ_w_last/3 and grows by 8.
        log.clear();
        ic.correct(&o, 0.1, 0, fake(0.5, 0.0, &mut log)).unwrap();
        let ws: Vec<f64> = log.iter().map(|p| p.0).collect();
        let first = o.perturb_dec_fact * (1e-4 * 100.0);
        assert_eq!(ws[1], first);
        assert_eq!(ws[2], first * 8.0);
    }

    #[test]
    fn delta_w_beyond_its_maximum_gives_up() {
        let (o, mut ic, mut log) = (Options::default(), InertiaCorrection::default(), vec![]);
        let e = ic.correct(&o, 0.1, 0, fake(f64::INFINITY, 0.0, &mut log)).unwrap_err();
        assert_eq!(e, InertiaError::PerturbationTooLarge);
        assert!(log.iter().all(|p| p.0 <= o.max_hessian_perturbation));
    }

    #[test]
    fn a_singular_system_gets_delta_c_once_then_delta_w_grows() {
        let (o, mut ic, mut log) = (Options::default(), InertiaCorrection::default(), vec![]);
        let mu: f64 = 1e-2;
        let dc0 = o.jacobian_regularization_value * mu.powf(o.jacobian_regularization_exponent);
        // Singular until δ_w ≥ 5e-3 whatever δ_c is (zero curvature in J's null space).
        let (_, c) = ic
            .correct(&o, mu, 3, |dw: f64, dc: f64| {
                log.push((dw, dc));
                if dw >= 5e-3 { Attempt::Solved(()) } else { Attempt::Factor(FactorStatus::Singular) }
            })
            .unwrap();
        assert_eq!(log, vec![(0.0, 0.0), (0.0, dc0), (1e-4, dc0), (1e-4 * 100.0, dc0)]);
        assert_eq!((c.delta_w, c.delta_c), (1e-4 * 100.0, dc0));
        assert_eq!((c.singular, c.wrong_inertia), (3, 0), "the three rejected trials were singular");
        assert_eq!(ic.degen_iters, 1);
        assert_eq!(ic.jac_degenerate, None);
    }

    #[test]
    fn degeneracy_is_remembered_after_three_singular_iterations() {
        let (o, mut ic) = (Options::default(), InertiaCorrection::default());
        let mu: f64 = 1e-2;
        let dc0 = o.jacobian_regularization_value * mu.powf(o.jacobian_regularization_exponent);
        for _ in 0..DEGEN_ITERS_MAX {
            let mut log = vec![];
            ic.correct(&o, mu, 1, fake(0.0, dc0, &mut log)).unwrap();
            assert_eq!(log.len(), 2);
        }
        assert_eq!(ic.jac_degenerate, Some(true));
        // From now on the first trial already has δ_c > 0: one factorization.
        let mut log = vec![];
        ic.correct(&o, mu, 1, fake(0.0, dc0, &mut log)).unwrap();
        assert_eq!(log, vec![(0.0, dc0)]);
    }

    #[test]
    fn non_finite_matrices_and_endless_retries_end_the_loop() {
        let (o, mut ic) = (Options::default(), InertiaCorrection::default());
        assert_eq!(ic.correct(&o, 0.1, 0, |_, _| Attempt::<()>::NonFinite).unwrap_err(), InertiaError::NonFinite);
        assert_eq!(ic.correct(&o, 0.1, 0, |_, _| Attempt::<()>::Retry).unwrap_err(), InertiaError::TooManyFactorizations);
        // A failed solve with the right inertia counts as wrong inertia: δ_w grows.
        let mut ws = vec![];
        ic.correct(&o, 0.1, 0, |dw, _| {
            ws.push(dw);
            if dw > 0.0 { Attempt::Solved(()) } else { Attempt::SolveFailed }
        })
        .unwrap();
        assert_eq!(ws, vec![0.0, o.first_hessian_perturbation]);
    }
}
