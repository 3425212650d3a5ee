//! Membrane obstacle problem: a bound-constrained convex QP
//!
//! ```text
//! min ½ xᵀA x − h² bᵀx   s.t.  x ≥ ψ
//! ```
//! with `A` the 5-point Laplacian (entries 4 and −1; homogeneous Dirichlet boundary) on an `N × N`
//! interior grid, a downward load `b ≡ −10` and the paraboloid obstacle
//! `ψ(s,t) = 0.2 − 2((s−½)² + (t−½)²)` that the membrane rests on near the centre (cf. the obstacle
//! problems of the MINPACK-2 collection, Averick et al. 1992, which use the same discretization).
//! Strictly convex, so the solution is unique; its value depends on `N`: `f* = None`.

use super::{for_each_neighbour, node};
use crate::problem_def::{INF, Model, Oracle, Pattern, Spec, TestProblem};

const LOAD: f64 = -10.0;

/// Build with `size` = interior grid points per side `N` (at least 1): `n = N²`, `m = 0`.
pub fn obstacle(size: usize) -> TestProblem {
    let ns = size.max(1);
    let nn = ns * ns;
    let h = 1.0 / (ns as f64 + 1.0);
    let mut psi = vec![0.0; nn];
    for i in 0..ns {
        for j in 0..ns {
            let (s, t) = ((i + 1) as f64 * h, (j + 1) as f64 * h);
            psi[node(ns, i, j)] = 0.2 - 2.0 * ((s - 0.5).powi(2) + (t - 0.5).powi(2));
        }
    }
    let mut hp = Pattern::with_capacity(3 * nn);
    for i in 0..ns {
        for j in 0..ns {
            let k = node(ns, i, j);
            hp.push(k, k);
            for_each_neighbour(ns, i, j, |q| {
                if q < k {
                    hp.push(k, q);
                }
            });
        }
    }
    let spec = Spec {
        x0: psi.iter().map(|p| p.max(0.0) + 0.1).collect(),
        x_lower: psi,
        x_upper: vec![INF; nn],
        c_lower: vec![],
        c_upper: vec![],
    };
    let oracle = Oracle::optimal_unknown("obstacle")
        .source("Averick, Carter, Moré & Xue, The MINPACK-2 test problem collection (1992) (problem class)")
        .tags(&["scalable", "pde", "qp", "bounds"]);
    TestProblem::new(spec, Box::new(Obstacle { ns, h }), Pattern::default(), hp, oracle)
        .unwrap_or_else(|e| panic!("obstacle definition: {e}"))
}

struct Obstacle {
    ns: usize,
    h: f64,
}

impl Obstacle {
    /// `A x` into `y`.
    fn laplace(&self, x: &[f64], y: &mut [f64]) {
        let ns = self.ns;
        for i in 0..ns {
            for j in 0..ns {
                let k = node(ns, i, j);
                let mut v = 4.0 * x[k];
                for_each_neighbour(ns, i, j, |q| v -= x[q]);
                y[k] = v;
            }
        }
    }
}

impl Model for Obstacle {
    fn objective(&self, x: &[f64]) -> f64 {
        // ½xᵀAx − h²·LOAD·Σx in one pass, row by row (no n-sized temporary per evaluation).
        let (ns, h2) = (self.ns, self.h * self.h);
        let mut f = 0.0;
        for i in 0..ns {
            for j in 0..ns {
                let k = node(ns, i, j);
                let mut ax = 4.0 * x[k];
                for_each_neighbour(ns, i, j, |q| ax -= x[q]);
                f += 0.5 * x[k] * ax - h2 * LOAD * x[k];
            }
        }
        f
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.laplace(x, g);
        let h2 = self.h * self.h;
        g.iter_mut().for_each(|v| *v -= h2 * LOAD);
    }
    fn constraints(&self, _x: &[f64], _c: &mut [f64]) {}
    fn jacobian_values(&self, _x: &[f64], _vals: &mut [f64]) {}
    fn hessian_values(&self, _x: &[f64], sigma: f64, _lambda: &[f64], vals: &mut [f64]) {
        let ns = self.ns;
        let mut p = 0;
        for i in 0..ns {
            for j in 0..ns {
                let k = node(ns, i, j);
                vals[p] = 4.0 * sigma;
                p += 1;
                for_each_neighbour(ns, i, j, |q| {
                    if q < k {
                        vals[p] = -sigma;
                        p += 1;
                    }
                });
            }
        }
    }
}
