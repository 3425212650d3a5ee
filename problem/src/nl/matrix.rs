//! Jacobian and Hessian values returned over the problem's fixed patterns, in recycled buffers.
//!
//! [`Problem::jacobian`](ipax_core::Problem::jacobian) and
//! [`Problem::hessian`](ipax_core::Problem::hessian) hand out owned operators, so every call used
//! to allocate a fresh values vector — megabytes at n = 1e5, large enough for the allocator to map
//! new pages each time, whose first touches were part of the 8–10 % of kernel time. A
//! [`PatternMatrix`] takes its vector from the problem's [`ValuePool`] and puts it back when
//! dropped, so steady-state evaluations write into memory that is already mapped.

use ipax_core::{CscMatrix, CscRef};
use std::sync::Mutex;

/// Value vectors of dropped [`PatternMatrix`]es, for the next evaluation.
#[derive(Default)]
pub(super) struct ValuePool(Mutex<Vec<Vec<f64>>>);

impl ValuePool {
    /// A recycled vector (contents unspecified) or a new empty one.
    pub fn take(&self) -> Vec<f64> {
        self.0.lock().ok().and_then(|mut v| v.pop()).unwrap_or_default()
    }

    fn give(&self, v: Vec<f64>) {
        if let Ok(mut pool) = self.0.lock() {
            pool.push(v);
        }
    }
}

impl Clone for ValuePool {
    /// A clone of the problem starts with an empty pool (buffers are not shared).
    fn clone(&self) -> Self {
        ValuePool::default()
    }
}

impl std::fmt::Debug for ValuePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ValuePool")
    }
}

/// A sparse matrix with the problem's fixed pattern and fresh values: returned by
/// [`NlProblem::jacobian`](super::NlProblem) and `hessian` instead of a clone of the pattern (which
/// copied the row indices and column pointers, as many bytes again as the values, on every call).
pub(super) struct PatternMatrix<'a> {
    pattern: &'a CscMatrix,
    values: Vec<f64>,
    pool: &'a ValuePool,
}

impl<'a> PatternMatrix<'a> {
    /// `values` (one per pattern entry) go back to `pool` when the matrix is dropped.
    pub fn new(pattern: &'a CscMatrix, values: Vec<f64>, pool: &'a ValuePool) -> Self {
        debug_assert_eq!(values.len(), pattern.nnz());
        PatternMatrix { pattern, values, pool }
    }

    /// Whether every value is finite (an evaluation error otherwise).
    pub fn values_finite(&self) -> bool {
        self.values.iter().all(|v| v.is_finite())
    }

    fn view(&self) -> CscRef<'_> {
        CscRef { values: &self.values, ..self.pattern.as_ref() }
    }
}

impl Drop for PatternMatrix<'_> {
    fn drop(&mut self) {
        self.pool.give(std::mem::take(&mut self.values));
    }
}

ipax_core::impl_csc_operator!(PatternMatrix<'_>, |m| m.view());
