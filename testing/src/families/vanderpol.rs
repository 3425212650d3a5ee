//! Van der Pol oscillator optimal control, discretized by the trapezoidal rule:
//!
//! ```text
//! min ∫₀ᵀ (x₁² + x₂² + u²) dt  s.t.  x₁' = x₂,  x₂' = (1 − x₁²) x₂ − x₁ + u,
//!                                    x(0) = (0, 1),  −0.3 ≤ u ≤ 1,  T = 5
//! ```
//! (the constrained Van der Pol benchmark used e.g. by Vassiliadis et al., Ind. Eng. Chem. Res. 33
//! (1994), and in the ACADO/ICLOCS example sets). Variables per node `k = 0..N`: `(x₁, x₂, u)`;
//! defects `x_{k+1} − x_k − h/2 (F(x_k,u_k) + F(x_{k+1},u_{k+1})) = 0`, then the two initial
//! conditions. The discrete optimum depends on `N`: `f* = None`.

use crate::problem_def::{Model, Oracle, Pattern, Spec, TestProblem};

const T_FINAL: f64 = 5.0;
const U_LO: f64 = -0.3;
const U_HI: f64 = 1.0;

/// Build with `size` = number of time intervals `N` (at least 1): `n = 3(N+1)`, `m = 2N + 2`.
pub fn vanderpol(size: usize) -> TestProblem {
    let nint = size.max(1);
    let nv = 3 * (nint + 1);
    let mut spec = Spec::free((0..nv).map(|i| if i % 3 == 1 { 1.0 } else { 0.0 }).collect());
    for k in 0..=nint {
        spec.x_lower[3 * k + 2] = U_LO;
        spec.x_upper[3 * k + 2] = U_HI;
    }
    spec.c_lower = vec![0.0; 2 * nint + 2];
    spec.c_upper = vec![0.0; 2 * nint + 2];
    spec.c_lower[2 * nint + 1] = 1.0;
    spec.c_upper[2 * nint + 1] = 1.0;
    let mut jp = Pattern::with_capacity(10 * nint + 2);
    for k in 0..nint {
        let (a, b) = (3 * k, 3 * (k + 1));
        for col in [a, a + 1, b, b + 1] {
            jp.push(2 * k, col);
        }
        for col in [a, a + 1, a + 2, b, b + 1, b + 2] {
            jp.push(2 * k + 1, col);
        }
    }
    jp.push(2 * nint, 0);
    jp.push(2 * nint + 1, 1);
    let mut hp = Pattern::with_capacity(4 * (nint + 1));
    for k in 0..=nint {
        let a = 3 * k;
        hp.push(a, a);
        hp.push(a + 1, a);
        hp.push(a + 1, a + 1);
        hp.push(a + 2, a + 2);
    }
    let oracle = Oracle::optimal_unknown("vanderpol")
        .source("Vassiliadis, Sargent & Pantelides, Ind. Eng. Chem. Res. 33 (1994) (problem); trapezoidal transcription")
        .tags(&["scalable", "optimal-control", "equality", "bounds"]);
    let model = VanDerPol { nint, h: T_FINAL / nint as f64 };
    TestProblem::new(spec, Box::new(model), jp, hp, oracle).unwrap_or_else(|e| panic!("vanderpol definition: {e}"))
}

struct VanDerPol {
    nint: usize,
    h: f64,
}

impl VanDerPol {
    /// Trapezoid quadrature weight of node `k`.
    fn weight(&self, k: usize) -> f64 {
        if k == 0 || k == self.nint { 0.5 * self.h } else { self.h }
    }
}

/// Right-hand side of the second state equation.
#[inline]
fn f2(x1: f64, x2: f64, u: f64) -> f64 {
    (1.0 - x1 * x1) * x2 - x1 + u
}

impl Model for VanDerPol {
    fn objective(&self, x: &[f64]) -> f64 {
        x.chunks_exact(3).enumerate().map(|(k, v)| self.weight(k) * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2])).sum()
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        for (k, (v, gv)) in x.chunks_exact(3).zip(g.chunks_exact_mut(3)).enumerate() {
            let w = 2.0 * self.weight(k);
            gv[0] = w * v[0];
            gv[1] = w * v[1];
            gv[2] = w * v[2];
        }
    }
    fn constraints(&self, x: &[f64], c: &mut [f64]) {
        let hh = 0.5 * self.h;
        for k in 0..self.nint {
            let (p, q) = (&x[3 * k..3 * k + 3], &x[3 * k + 3..3 * k + 6]);
            c[2 * k] = q[0] - p[0] - hh * (p[1] + q[1]);
            c[2 * k + 1] = q[1] - p[1] - hh * (f2(p[0], p[1], p[2]) + f2(q[0], q[1], q[2]));
        }
        c[2 * self.nint] = x[0];
        c[2 * self.nint + 1] = x[1];
    }
    fn jacobian_values(&self, x: &[f64], vals: &mut [f64]) {
        let hh = 0.5 * self.h;
        // ∂F₂/∂x₁ = −2x₁x₂ − 1, ∂F₂/∂x₂ = 1 − x₁², ∂F₂/∂u = 1.
        let d1 = |v: &[f64]| -2.0 * v[0] * v[1] - 1.0;
        let d2 = |v: &[f64]| 1.0 - v[0] * v[0];
        let mut p = 0;
        for k in 0..self.nint {
            let (a, b) = (&x[3 * k..3 * k + 3], &x[3 * k + 3..3 * k + 6]);
            let row = [
                -1.0,
                -hh,
                1.0,
                -hh,
                -hh * d1(a),
                -1.0 - hh * d2(a),
                -hh,
                -hh * d1(b),
                1.0 - hh * d2(b),
                -hh,
            ];
            vals[p..p + 10].copy_from_slice(&row);
            p += 10;
        }
        vals[p] = 1.0;
        vals[p + 1] = 1.0;
    }
    fn hessian_values(&self, x: &[f64], sigma: f64, lambda: &[f64], vals: &mut [f64]) {
        // ∇²F₂ = [[−2x₂, −2x₁], [−2x₁, 0]]; the defect 2j+1 carries −h/2 F₂ at nodes j and j+1.
        for k in 0..=self.nint {
            let mut mu = 0.0;
            if k > 0 {
                mu += lambda[2 * (k - 1) + 1];
            }
            if k < self.nint {
                mu += lambda[2 * k + 1];
            }
            let w = 2.0 * sigma * self.weight(k);
            let (x1, x2) = (x[3 * k], x[3 * k + 1]);
            let v = &mut vals[4 * k..4 * k + 4];
            v[0] = w + self.h * mu * x2;
            v[1] = self.h * mu * x1;
            v[2] = w;
            v[3] = w;
        }
    }
}
