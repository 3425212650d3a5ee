//! Classic unconstrained least-squares problems from J. J. Moré, B. S. Garbow and K. E. Hillstrom,
//! "Testing unconstrained optimization software", ACM TOMS 7(1):17–41, 1981 (problem numbers in
//! parentheses). Each is `f(x) = Σ fᵢ(x)²` with the residuals `fᵢ` exactly as in the paper; `x0` is
//! the paper's standard starting point. Where the paper prints few digits of `x*`, the points below
//! were refined by Newton's method on `∇f = 0` (values agree with the paper to all printed digits).

use crate::ad::HD;
use crate::problem_def::{NamedBuilder, Oracle, Small, TestProblem};
use std::f64::consts::PI;

const MGH: &str = "Moré, Garbow & Hillstrom, ACM TOMS 7(1):17-41 (1981)";

fn mgh(name: &str, f_star: f64) -> Oracle {
    Oracle::optimal(name, f_star).source(MGH).tags(&["mgh", "unconstrained", "least-squares"])
}

/// `Σ rᵢ²` over residuals produced by `r(i)` for `i` in `range`.
fn sum_sq(range: std::ops::RangeInclusive<usize>, r: impl Fn(usize) -> HD) -> HD {
    range.map(|i| r(i).sq()).sum()
}

/// (1) Rosenbrock's banana valley.
pub fn rosenbrock() -> TestProblem {
    Small::new(&[-1.2, 1.0], |x| 100.0 * (x[1] - x[0].sq()).sq() + (1.0 - x[0]).sq())
        .build(mgh("rosenbrock", 0.0).x(&[1.0, 1.0]))
}

/// (2) Freudenstein–Roth: a local minimizer with `f = 48.9842…` attracts many methods.
pub fn freudenstein_roth() -> TestProblem {
    Small::new(&[0.5, -2.0], |x| {
        (-13.0 + x[0] + ((5.0 - x[1]) * x[1] - 2.0) * x[1]).sq()
            + (-29.0 + x[0] + ((x[1] + 1.0) * x[1] - 14.0) * x[1]).sq()
    })
    .build(
        mgh("freudenstein_roth", 0.0)
            .x(&[5.0, 4.0])
            .notes("local minimizer f = 48.98425368 at (11.41277900, -0.89680525); solvers may stop there"),
    )
}

/// (3) Powell badly scaled: residuals of very different magnitudes.
pub fn powell_badly_scaled() -> TestProblem {
    Small::new(&[0.0, 1.0], |x| (1e4 * x[0] * x[1] - 1.0).sq() + ((-x[0]).exp() + (-x[1]).exp() - 1.0001).sq())
        .build(mgh("powell_badly_scaled", 0.0).x(&[1.0981593296996906e-5, 9.106146739867576]).tags(&["badly-scaled"]))
}

/// (4) Brown badly scaled: the solution has components 1e6 and 2e-6.
pub fn brown_badly_scaled() -> TestProblem {
    Small::new(&[1.0, 1.0], |x| (x[0] - 1e6).sq() + (x[1] - 2e-6).sq() + (x[0] * x[1] - 2.0).sq())
        .build(mgh("brown_badly_scaled", 0.0).x(&[1e6, 2e-6]).tags(&["badly-scaled"]))
}

/// (5) Beale.
pub fn beale() -> TestProblem {
    Small::new(&[1.0, 1.0], |x| {
        const Y: [f64; 3] = [1.5, 2.25, 2.625];
        sum_sq(1..=3, |i| Y[i - 1] - x[0] * (1.0 - x[1].powi(i as i32)))
    })
    .build(mgh("beale", 0.0).x(&[3.0, 0.5]))
}

/// (6) Jennrich–Sampson with `m = 10` residuals.
pub fn jennrich_sampson() -> TestProblem {
    Small::new(&[0.3, 0.4], |x| {
        sum_sq(1..=10, |i| {
            let t = i as f64;
            2.0 + 2.0 * t - ((t * x[0]).exp() + (t * x[1]).exp())
        })
    })
    .build(mgh("jennrich_sampson", 124.362182355).x(&[0.2578252136703641, 0.2578252136703641]))
}

/// (7) Helical valley (`θ` takes the branch of the paper: `+½` when `x₁ < 0`).
pub fn helical_valley() -> TestProblem {
    Small::new(&[-1.0, 0.0, 0.0], |x| {
        let mut theta = (x[1] / x[0]).atan() / (2.0 * PI);
        if x[0].a < 0.0 {
            theta += 0.5;
        }
        let r = (x[0].sq() + x[1].sq()).sqrt();
        (10.0 * (x[2] - 10.0 * theta)).sq() + (10.0 * (r - 1.0)).sq() + x[2].sq()
    })
    .build(mgh("helical_valley", 0.0).x(&[1.0, 0.0, 0.0]))
}

/// (8) Bard: rational model fit to 15 data points.
pub fn bard() -> TestProblem {
    Small::new(&[1.0, 1.0, 1.0], |x| {
        const Y: [f64; 15] =
            [0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34, 2.10, 4.39];
        sum_sq(1..=15, |i| {
            let u = i as f64;
            let v = 16.0 - u;
            let w = u.min(v);
            Y[i - 1] - (x[0] + u / (v * x[1] + w * x[2]))
        })
    })
    .build(mgh("bard", 8.21487730657e-3).x(&[0.08241055974978889, 1.1330360920297209, 2.3436951786425375]))
}

/// (12) Box three-dimensional with `m = 10`.
pub fn box3d() -> TestProblem {
    Small::new(&[0.0, 10.0, 20.0], |x| {
        sum_sq(1..=10, |i| {
            let t = 0.1 * i as f64;
            (-t * x[0]).exp() - (-t * x[1]).exp() - x[2] * ((-t).exp() - (-10.0 * t).exp())
        })
    })
    .build(mgh("box3d", 0.0).x(&[1.0, 10.0, 1.0]))
}

/// (13) Powell singular: the Hessian is singular at the solution.
pub fn powell_singular() -> TestProblem {
    Small::new(&[3.0, -1.0, 0.0, 1.0], |x| {
        (x[0] + 10.0 * x[1]).sq()
            + 5.0 * (x[2] - x[3]).sq()
            + (x[1] - 2.0 * x[2]).powi(4)
            + 10.0 * (x[0] - x[3]).powi(4)
    })
    .build(mgh("powell_singular", 0.0).x(&[0.0; 4]).tags(&["degenerate"]))
}

/// (14) Wood.
pub fn wood() -> TestProblem {
    Small::new(&[-3.0, -1.0, -3.0, -1.0], |x| {
        100.0 * (x[0].sq() - x[1]).sq() + (x[0] - 1.0).sq() + (x[2] - 1.0).sq() + 90.0 * (x[2].sq() - x[3]).sq()
            + 10.1 * ((x[1] - 1.0).sq() + (x[3] - 1.0).sq())
            + 19.8 * (x[1] - 1.0) * (x[3] - 1.0)
    })
    .build(mgh("wood", 0.0).x(&[1.0; 4]))
}

/// (16) Brown and Dennis with `m = 20`: a nonzero-residual problem.
pub fn brown_dennis() -> TestProblem {
    Small::new(&[25.0, 5.0, -5.0, -1.0], |x| {
        (1..=20)
            .map(|i| {
                let t = i as f64 / 5.0;
                ((x[0] + t * x[1] - t.exp()).sq() + (x[2] + x[3] * t.sin() - t.cos()).sq()).sq()
            })
            .sum()
    })
    .build(mgh("brown_dennis", 85822.2016263).x(&[-11.594439904762165, 13.203630051207204, -0.40343948817685954, 0.23677877445573614]))
}

/// (9) Gaussian: fit of a Gaussian bump, tiny nonzero residual.
pub fn gaussian() -> TestProblem {
    Small::new(&[0.4, 1.0, 0.0], |x| {
        const Y: [f64; 15] = [
            0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989, 0.3521, 0.2420, 0.1295, 0.0540, 0.0175,
            0.0044, 0.0009,
        ];
        sum_sq(1..=15, |i| {
            let t = (8.0 - i as f64) / 2.0;
            x[0] * (-0.5 * x[1] * (t - x[2]).sq()).exp() - Y[i - 1]
        })
    })
    .build(mgh("gaussian", 1.12793277e-8).x(&[0.39895613783875467, 1.000019084487782, 0.0]))
}

/// All problems of this module, by registry name.
pub(crate) const ALL: &[NamedBuilder] = &[
    ("rosenbrock", rosenbrock),
    ("freudenstein_roth", freudenstein_roth),
    ("powell_badly_scaled", powell_badly_scaled),
    ("brown_badly_scaled", brown_badly_scaled),
    ("beale", beale),
    ("jennrich_sampson", jennrich_sampson),
    ("helical_valley", helical_valley),
    ("bard", bard),
    ("gaussian", gaussian),
    ("box3d", box3d),
    ("powell_singular", powell_singular),
    ("wood", wood),
    ("brown_dennis", brown_dennis),
];
