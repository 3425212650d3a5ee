//! Quasi-Newton Hessian approximations, injected into the IPM (which stays storage-free).

use crate::operator::LinearOperator;

/// What an update did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// The pair was stored as given.
    Accepted,
    /// The pair was stored after Powell damping of `y`.
    Damped,
    /// The pair was rejected (e.g. `‖s‖` tiny or non-finite data); the approximation is unchanged.
    Skipped,
}

/// A symmetric positive definite approximation `B ≈ ∇²L` maintained from secant pairs.
pub trait HessianApproximation: LinearOperator {
    /// Incorporate the pair `s = x⁺ − x`, `y = ∇ₓL(x⁺, λ⁺) − ∇ₓL(x, λ⁺)`.
    fn update(&mut self, s: &[f64], y: &[f64]) -> UpdateOutcome;
    /// Forget all pairs (back to a multiple of the identity).
    fn reset(&mut self);
    /// Number of stored pairs.
    fn num_pairs(&self) -> usize;
    /// Set the multiple of the identity used while no pair is stored (and after a reset), when
    /// the approximation supports it; the default ignores it.
    fn set_initial_scaling(&mut self, _sigma: f64) {}
}
