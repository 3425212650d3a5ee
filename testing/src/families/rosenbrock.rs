//! Extended and chained Rosenbrock functions (unconstrained, `f* = 0` at `x* = 1`).

use crate::problem_def::{Model, Oracle, Pattern, Spec, TestProblem};

/// Extended Rosenbrock (Moré, Garbow & Hillstrom 1981, problem 21): `n/2` decoupled 2-D valleys
/// `Σ 100(x_{2i+1} − x_{2i}²)² + (1 − x_{2i})²`. `size` = number of variables (rounded up to even,
/// at least 2). Block-diagonal Hessian.
pub fn extended(size: usize) -> TestProblem {
    let n = size.max(2).div_ceil(2) * 2;
    let x0: Vec<f64> = (0..n).map(|i| if i % 2 == 0 { -1.2 } else { 1.0 }).collect();
    let mut hp = Pattern::with_capacity(3 * n / 2);
    for k in 0..n / 2 {
        hp.push(2 * k, 2 * k);
        hp.push(2 * k + 1, 2 * k);
        hp.push(2 * k + 1, 2 * k + 1);
    }
    let oracle = Oracle::optimal("ext_rosenbrock", 0.0)
        .x(&vec![1.0; n])
        .source("Moré, Garbow & Hillstrom, ACM TOMS 7(1) (1981), problem 21")
        .tags(&["scalable", "unconstrained"]);
    TestProblem::new(Spec::free(x0), Box::new(Extended), Pattern::default(), hp, oracle)
        .unwrap_or_else(|e| panic!("ext_rosenbrock definition: {e}"))
}

struct Extended;

impl Model for Extended {
    fn objective(&self, x: &[f64]) -> f64 {
        x.chunks_exact(2).map(|p| 100.0 * (p[1] - p[0] * p[0]).powi(2) + (1.0 - p[0]).powi(2)).sum()
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        for (p, gp) in x.chunks_exact(2).zip(g.chunks_exact_mut(2)) {
            let r = p[1] - p[0] * p[0];
            gp[0] = -400.0 * r * p[0] - 2.0 * (1.0 - p[0]);
            gp[1] = 200.0 * r;
        }
    }
    fn constraints(&self, _x: &[f64], _c: &mut [f64]) {}
    fn jacobian_values(&self, _x: &[f64], _vals: &mut [f64]) {}
    fn hessian_values(&self, x: &[f64], sigma: f64, _lambda: &[f64], vals: &mut [f64]) {
        for (p, v) in x.chunks_exact(2).zip(vals.chunks_exact_mut(3)) {
            v[0] = sigma * (1200.0 * p[0] * p[0] - 400.0 * p[1] + 2.0);
            v[1] = sigma * (-400.0 * p[0]);
            v[2] = sigma * 200.0;
        }
    }
}

/// Chained Rosenbrock (the "generalized Rosenbrock" of Nash 1984 / CUTEst `ROSENBR`-chain):
/// `Σ_{i<n−1} 100(x_{i+1} − x_i²)² + (1 − x_i)²`. `size` = number of variables (at least 2).
/// Tridiagonal Hessian.
pub fn chained(size: usize) -> TestProblem {
    let n = size.max(2);
    let x0: Vec<f64> = (0..n).map(|i| if i % 2 == 0 { -1.2 } else { 1.0 }).collect();
    let mut hp = Pattern::with_capacity(2 * n);
    for i in 0..n {
        hp.push(i, i);
        if i + 1 < n {
            hp.push(i + 1, i);
        }
    }
    let oracle = Oracle::optimal("chained_rosenbrock", 0.0)
        .x(&vec![1.0; n])
        .source("S. G. Nash, SIAM J. Numer. Anal. 21 (1984); CUTEst CHNROSNB family")
        .tags(&["scalable", "unconstrained"]);
    TestProblem::new(Spec::free(x0), Box::new(Chained), Pattern::default(), hp, oracle)
        .unwrap_or_else(|e| panic!("chained_rosenbrock definition: {e}"))
}

struct Chained;

impl Model for Chained {
    fn objective(&self, x: &[f64]) -> f64 {
        x.windows(2).map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2)).sum()
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        g.iter_mut().for_each(|v| *v = 0.0);
        for i in 0..x.len() - 1 {
            let r = x[i + 1] - x[i] * x[i];
            g[i] += -400.0 * r * x[i] - 2.0 * (1.0 - x[i]);
            g[i + 1] += 200.0 * r;
        }
    }
    fn constraints(&self, _x: &[f64], _c: &mut [f64]) {}
    fn jacobian_values(&self, _x: &[f64], _vals: &mut [f64]) {}
    fn hessian_values(&self, x: &[f64], sigma: f64, _lambda: &[f64], vals: &mut [f64]) {
        let n = x.len();
        // Pattern order: (i,i) then (i+1,i) for each i (the last column has only its diagonal).
        let mut k = 0;
        for i in 0..n {
            let mut d = 0.0;
            if i + 1 < n {
                d += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
            }
            if i > 0 {
                d += 200.0;
            }
            vals[k] = sigma * d;
            k += 1;
            if i + 1 < n {
                vals[k] = sigma * (-400.0 * x[i]);
                k += 1;
            }
        }
    }
}
