//! Disk-chain QCQP: `min Σ (xᵢ − 1)²  s.t.  xᵢ² + xᵢ₊₁² ≤ 1  (i < n−1)`.
//!
//! Convex (convex objective, convex constraints), so any KKT point is the global minimizer. For even
//! `n` the point `xᵢ = 1/√2` is feasible with every constraint active, and stationarity
//! `2(xᵢ − 1) + 2xᵢ(λᵢ₋₁ + λᵢ) = 0` holds with `λ = (√2−1, 0, √2−1, 0, …, √2−1) ≥ 0` (the `n−1`
//! equations telescope; `n` even makes the last one consistent). Hence `x* = 1/√2`,
//! `f* = n(1 − 1/√2)²`. Every other active constraint has a zero multiplier: strict complementarity
//! fails on half of them, a deliberate stress test for interior-point methods.

use crate::problem_def::{INF, Model, Oracle, Pattern, Spec, TestProblem};
use std::f64::consts::FRAC_1_SQRT_2;

/// Build with `size` = number of variables (rounded up to even, at least 2); `m = n − 1`.
pub fn disk_chain(size: usize) -> TestProblem {
    let n = size.max(2).div_ceil(2) * 2;
    let mut spec = Spec::free(vec![0.0; n]);
    spec.c_lower = vec![-INF; n - 1];
    spec.c_upper = vec![1.0; n - 1];
    let mut jp = Pattern::with_capacity(2 * (n - 1));
    for i in 0..n - 1 {
        jp.push(i, i);
        jp.push(i, i + 1);
    }
    let mut hp = Pattern::with_capacity(n);
    for i in 0..n {
        hp.push(i, i);
    }
    let l = std::f64::consts::SQRT_2 - 1.0;
    let lambda: Vec<f64> = (0..n - 1).map(|i| if i % 2 == 0 { l } else { 0.0 }).collect();
    let oracle = Oracle::optimal("disk_chain", n as f64 * (1.0 - FRAC_1_SQRT_2).powi(2))
        .x(&vec![FRAC_1_SQRT_2; n])
        .multipliers(&lambda)
        .source("constructed for ipax; closed-form solution derived in the module docs")
        .tags(&["scalable", "qcqp", "inequality", "degenerate"]);
    TestProblem::new(spec, Box::new(DiskChain), jp, hp, oracle).unwrap_or_else(|e| panic!("disk_chain definition: {e}"))
}

struct DiskChain;

impl Model for DiskChain {
    fn objective(&self, x: &[f64]) -> f64 {
        x.iter().map(|v| (v - 1.0).powi(2)).sum()
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        for (gi, xi) in g.iter_mut().zip(x) {
            *gi = 2.0 * (xi - 1.0);
        }
    }
    fn constraints(&self, x: &[f64], c: &mut [f64]) {
        for (ci, w) in c.iter_mut().zip(x.windows(2)) {
            *ci = w[0] * w[0] + w[1] * w[1];
        }
    }
    fn jacobian_values(&self, x: &[f64], vals: &mut [f64]) {
        for (v, w) in vals.chunks_exact_mut(2).zip(x.windows(2)) {
            v[0] = 2.0 * w[0];
            v[1] = 2.0 * w[1];
        }
    }
    fn hessian_values(&self, x: &[f64], sigma: f64, lambda: &[f64], vals: &mut [f64]) {
        let n = x.len();
        for i in 0..n {
            let mut l = 0.0;
            if i > 0 {
                l += lambda[i - 1];
            }
            if i + 1 < n {
                l += lambda[i];
            }
            vals[i] = 2.0 * sigma + 2.0 * l;
        }
    }
}
