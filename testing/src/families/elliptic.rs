//! Distributed control of a semilinear elliptic PDE (a standard PDE-constrained benchmark, cf.
//! H. Maurer & H. D. Mittelmann, "Optimization techniques for solving elliptic control problems
//! with control and state constraints", Comput. Optim. Appl. 16 (2000)):
//!
//! ```text
//! min ½‖y − y_d‖² + α/2 ‖u‖²   s.t.  −Δy + y³ = u in Ω = (0,1)²,  y = 0 on ∂Ω,  u_L ≤ u ≤ u_U
//! ```
//! discretized on an `N × N` interior grid (`h = 1/(N+1)`) with the 5-point Laplacian. Each state
//! equation row is multiplied by `h²` so that the Jacobian entries are O(1); the norms carry the
//! quadrature weight `h²`. `y_d(s,t) = sin(2πs) sin(2πt)`, `α = 0.01`, `−50 ≤ u ≤ 50` (active near
//! the peaks of `y_d`). The optimal value depends on `N` and is not tabulated: `f* = None`.

use super::{for_each_neighbour, node};
use crate::problem_def::{Model, Oracle, Pattern, Spec, TestProblem};
use std::f64::consts::PI;

const ALPHA: f64 = 0.01;
const U_BOUND: f64 = 50.0;

/// Build with `size` = interior grid points per side `N` (at least 1): `n = 2N²` (states then
/// controls), `m = N²`.
pub fn semilinear_control(size: usize) -> TestProblem {
    let ns = size.max(1);
    let nn = ns * ns;
    let h = 1.0 / (ns as f64 + 1.0);
    let mut yd = vec![0.0; nn];
    for i in 0..ns {
        for j in 0..ns {
            let (s, t) = ((i + 1) as f64 * h, (j + 1) as f64 * h);
            yd[node(ns, i, j)] = (2.0 * PI * s).sin() * (2.0 * PI * t).sin();
        }
    }
    let mut jp = Pattern::with_capacity(6 * nn);
    for i in 0..ns {
        for j in 0..ns {
            let k = node(ns, i, j);
            jp.push(k, k);
            for_each_neighbour(ns, i, j, |q| jp.push(k, q));
            jp.push(k, nn + k);
        }
    }
    let mut hp = Pattern::with_capacity(2 * nn);
    for k in 0..2 * nn {
        hp.push(k, k);
    }
    let mut spec = Spec::free(vec![0.0; 2 * nn]);
    spec.x_lower[nn..].iter_mut().for_each(|v| *v = -U_BOUND);
    spec.x_upper[nn..].iter_mut().for_each(|v| *v = U_BOUND);
    spec.c_lower = vec![0.0; nn];
    spec.c_upper = vec![0.0; nn];
    let oracle = Oracle::optimal_unknown("elliptic_control")
        .source("Maurer & Mittelmann, Comput. Optim. Appl. 16 (2000) (problem class); data chosen for ipax")
        .tags(&["scalable", "pde", "equality", "bounds"]);
    let model = Elliptic { ns, h, yd };
    TestProblem::new(spec, Box::new(model), jp, hp, oracle).unwrap_or_else(|e| panic!("elliptic_control definition: {e}"))
}

struct Elliptic {
    ns: usize,
    h: f64,
    yd: Vec<f64>,
}

impl Model for Elliptic {
    fn objective(&self, x: &[f64]) -> f64 {
        let nn = self.ns * self.ns;
        let (y, u) = x.split_at(nn);
        let h2 = self.h * self.h;
        let track: f64 = y.iter().zip(&self.yd).map(|(a, b)| (a - b).powi(2)).sum();
        let reg: f64 = u.iter().map(|v| v * v).sum();
        0.5 * h2 * (track + ALPHA * reg)
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        let nn = self.ns * self.ns;
        let h2 = self.h * self.h;
        for k in 0..nn {
            g[k] = h2 * (x[k] - self.yd[k]);
            g[nn + k] = h2 * ALPHA * x[nn + k];
        }
    }
    fn constraints(&self, x: &[f64], c: &mut [f64]) {
        let (ns, nn, h2) = (self.ns, self.ns * self.ns, self.h * self.h);
        for i in 0..ns {
            for j in 0..ns {
                let k = node(ns, i, j);
                let mut v = 4.0 * x[k] + h2 * (x[k].powi(3) - x[nn + k]);
                for_each_neighbour(ns, i, j, |q| v -= x[q]);
                c[k] = v;
            }
        }
    }
    fn jacobian_values(&self, x: &[f64], vals: &mut [f64]) {
        let (ns, h2) = (self.ns, self.h * self.h);
        let mut p = 0;
        for i in 0..ns {
            for j in 0..ns {
                let k = node(ns, i, j);
                vals[p] = 4.0 + 3.0 * h2 * x[k] * x[k];
                p += 1;
                for_each_neighbour(ns, i, j, |_| {
                    vals[p] = -1.0;
                    p += 1;
                });
                vals[p] = -h2;
                p += 1;
            }
        }
    }
    fn hessian_values(&self, x: &[f64], sigma: f64, lambda: &[f64], vals: &mut [f64]) {
        let (nn, h2) = (self.ns * self.ns, self.h * self.h);
        for k in 0..nn {
            vals[k] = sigma * h2 + lambda[k] * 6.0 * h2 * x[k];
            vals[nn + k] = sigma * h2 * ALPHA;
        }
    }
}
