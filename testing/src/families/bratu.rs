//! The Bratu (solid-fuel ignition) problem as a square nonlinear system with a zero objective:
//!
//! ```text
//! −Δu = κ eᵘ in (0,1)²,  u = 0 on the boundary,  κ = 6
//! ```
//! 5-point stencil on an `N × N` interior grid, each row scaled by `h²`:
//! `4uₖ − Σ neighbours − h²κ e^{uₖ} = 0`. For `κ` below the turning point `κ* ≈ 6.808` there are two
//! solutions; from `u₀ = 0` Newton-type methods reach the lower branch (MINPACK-2 "SFI", Averick et
//! al. 1992). Every feasible point is optimal for `f ≡ 0`, so `f* = 0` and `x*` is not tabulated.

use super::{for_each_neighbour, node};
use crate::problem_def::{Model, Oracle, Pattern, Spec, TestProblem};

const KAPPA: f64 = 6.0;

/// Build with `size` = interior grid points per side `N` (at least 1): `n = m = N²`.
pub fn bratu(size: usize) -> TestProblem {
    let ns = size.max(1);
    let nn = ns * ns;
    let h = 1.0 / (ns as f64 + 1.0);
    let mut spec = Spec::free(vec![0.0; nn]);
    spec.c_lower = vec![0.0; nn];
    spec.c_upper = vec![0.0; nn];
    let mut jp = Pattern::with_capacity(5 * nn);
    for i in 0..ns {
        for j in 0..ns {
            let k = node(ns, i, j);
            jp.push(k, k);
            for_each_neighbour(ns, i, j, |q| jp.push(k, q));
        }
    }
    let mut hp = Pattern::with_capacity(nn);
    for k in 0..nn {
        hp.push(k, k);
    }
    let oracle = Oracle::optimal("bratu", 0.0)
        .source("Averick, Carter, Moré & Xue, The MINPACK-2 test problem collection (1992), SFI")
        .tags(&["scalable", "pde", "equality", "nonlinear-equations"]);
    TestProblem::new(spec, Box::new(Bratu { ns, h }), jp, hp, oracle).unwrap_or_else(|e| panic!("bratu definition: {e}"))
}

struct Bratu {
    ns: usize,
    h: f64,
}

impl Model for Bratu {
    fn objective(&self, _x: &[f64]) -> f64 {
        0.0
    }
    fn gradient(&self, _x: &[f64], g: &mut [f64]) {
        g.iter_mut().for_each(|v| *v = 0.0);
    }
    fn constraints(&self, x: &[f64], c: &mut [f64]) {
        let (ns, h2) = (self.ns, self.h * self.h);
        for i in 0..ns {
            for j in 0..ns {
                let k = node(ns, i, j);
                let mut v = 4.0 * x[k] - h2 * KAPPA * x[k].exp();
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
                vals[p] = 4.0 - h2 * KAPPA * x[k].exp();
                p += 1;
                for_each_neighbour(ns, i, j, |_| {
                    vals[p] = -1.0;
                    p += 1;
                });
            }
        }
    }
    fn hessian_values(&self, x: &[f64], _sigma: f64, lambda: &[f64], vals: &mut [f64]) {
        let h2 = self.h * self.h;
        for (k, v) in vals.iter_mut().enumerate() {
            *v = -lambda[k] * h2 * KAPPA * x[k].exp();
        }
    }
}
