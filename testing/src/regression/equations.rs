//! Systems of nonlinear equations `F(x) = 0` posed as feasibility problems (`min 0  s.t.  F(x) = 0`):
//! square systems and consistent overdetermined ones (`m > n`, where LICQ must fail because more
//! than `n` gradients cannot be independent).
//!
//! The residuals are those of the Moré–Garbow–Hillstrom problems (J. J. Moré, B. S. Garbow and
//! K. E. Hillstrom, ACM TOMS 7(1):17–41, 1981; problem numbers in parentheses), whose zero-residual
//! solutions are published there; two small overdetermined systems are constructed with the root
//! checked in the doc comment. `f* = 0` for all of them; a solver must report a feasible point.

use crate::ad::HD;
use crate::problem_def::{NamedBuilder, Oracle, Small, TestProblem};
use crate::regression::mgh_more::{
    broyden_banded_residual, broyden_tri_residual, bv_start, discrete_bv_residual, discrete_ie_residual,
};

const MGH: &str = "Moré, Garbow & Hillstrom, ACM TOMS 7(1):17-41 (1981), residuals as equations";
const OWN: &str = "constructed for ipax (root derived in the doc comment)";

fn zero(_: &[HD]) -> HD {
    HD::cst(0.0)
}

fn eq(name: &str, source: &'static str, overdetermined: bool) -> Oracle {
    let o = Oracle::optimal(name, 0.0).source(source).tags(&["equations", "equality", "regression"]);
    if overdetermined { o.tags(&["overdetermined", "degenerate"]) } else { o }
}

/// (5) Beale's three residuals `yᵢ − x₁(1 − x₂ⁱ)` as equations (m = 3 > n = 2); root `(3, 1/2)`.
pub fn beale_eq() -> TestProblem {
    Small::new(&[1.0, 1.0], zero)
        .equalities(3, |x, c| {
            const Y: [f64; 3] = [1.5, 2.25, 2.625];
            for i in 0..3 {
                c[i] = Y[i] - x[0] * (1.0 - x[1].powi(i as i32 + 1));
            }
        })
        .build(eq("beale_eq", MGH, true).x(&[3.0, 0.5]))
}

/// (12) Box three-dimensional with m = 10 equations in n = 3 unknowns; root `(1, 10, 1)`.
pub fn box3d_eq() -> TestProblem {
    Small::new(&[0.0, 10.0, 20.0], zero)
        .equalities(10, |x, c| {
            for (i, ci) in c.iter_mut().enumerate() {
                let t = 0.1 * (i + 1) as f64;
                *ci = (-t * x[0]).exp() - (-t * x[1]).exp() - x[2] * ((-t).exp() - (-10.0 * t).exp());
            }
        })
        .build(eq("box3d_eq", MGH, true).x(&[1.0, 10.0, 1.0]))
}

/// (18) Biggs EXP6 with m = 13 equations in n = 6 unknowns; root `(1, 10, 1, 5, 4, 3)`.
pub fn biggs_eq() -> TestProblem {
    Small::new(&[1.0, 2.0, 1.0, 1.0, 1.0, 1.0], zero)
        .equalities(13, |x, c| {
            for (i, ci) in c.iter_mut().enumerate() {
                let t = 0.1 * (i + 1) as f64;
                let y = (-t).exp() - 5.0 * (-10.0 * t).exp() + 3.0 * (-4.0 * t).exp();
                *ci = x[2] * (-t * x[0]).exp() - x[3] * (-t * x[1]).exp() + x[5] * (-t * x[4]).exp() - y;
            }
        })
        .build(eq("biggs_eq", MGH, true).x(&[1.0, 10.0, 1.0, 5.0, 4.0, 3.0]))
}

/// (14) Wood's six residuals as equations (m = 6 > n = 4); root at all ones.
pub fn wood_eq() -> TestProblem {
    Small::new(&[-3.0, -1.0, -3.0, -1.0], zero)
        .equalities(6, |x, c| {
            c[0] = 10.0 * (x[1] - x[0].sq());
            c[1] = 1.0 - x[0];
            c[2] = 90f64.sqrt() * (x[3] - x[2].sq());
            c[3] = 1.0 - x[2];
            c[4] = 10f64.sqrt() * (x[1] + x[3] - 2.0);
            c[5] = (x[1] - x[3]) / 10f64.sqrt();
        })
        .build(eq("wood_eq", MGH, true).x(&[1.0; 4]))
}

/// (4) Brown badly scaled as equations (m = 3 > n = 2); root `(10⁶, 2·10⁻⁶)`.
pub fn brown_badly_scaled_eq() -> TestProblem {
    Small::new(&[1.0, 1.0], zero)
        .equalities(3, |x, c| {
            c[0] = x[0] - 1e6;
            c[1] = x[1] - 2e-6;
            c[2] = x[0] * x[1] - 2.0;
        })
        .build(eq("brown_badly_scaled_eq", MGH, true).x(&[1e6, 2e-6]).tags(&["badly-scaled"]))
}

/// Rosenbrock's residuals plus the consistent extra equation `x₁ − x₂ = 0` (m = 3 > n = 2):
/// root `(1, 1)`.
pub fn rosenbrock_eq3() -> TestProblem {
    Small::new(&[-1.2, 1.0], zero)
        .equalities(3, |x, c| {
            c[0] = 10.0 * (x[1] - x[0].sq());
            c[1] = 1.0 - x[0];
            c[2] = x[0] - x[1];
        })
        .build(eq("rosenbrock_eq3", OWN, true).x(&[1.0, 1.0]))
}

/// A circle, a line and a hyperbola through `(1, 1)`: `x₁² + x₂² = 2`, `x₁ = x₂`, `x₁x₂ = 1`
/// (m = 3 > n = 2; the roots are `±(1, 1)`, and the hyperbola is tangent to the circle there).
pub fn circle_eq3() -> TestProblem {
    Small::new(&[2.0, 0.5], zero)
        .equalities(3, |x, c| {
            c[0] = x[0].sq() + x[1].sq() - 2.0;
            c[1] = x[0] - x[1];
            c[2] = x[0] * x[1] - 1.0;
        })
        .build(eq("circle_eq3", OWN, true).x(&[1.0, 1.0]))
}

/// (13) Powell singular as a square system: the Jacobian is singular at the root `0`.
pub fn powell_singular_eq() -> TestProblem {
    Small::new(&[3.0, -1.0, 0.0, 1.0], zero)
        .equalities(4, |x, c| {
            c[0] = x[0] + 10.0 * x[1];
            c[1] = 5f64.sqrt() * (x[2] - x[3]);
            c[2] = (x[1] - 2.0 * x[2]).sq();
            c[3] = 10f64.sqrt() * (x[0] - x[3]).sq();
        })
        .build(eq("powell_singular_eq", MGH, false).x(&[0.0; 4]).tags(&["degenerate"]))
}

/// (7) Helical valley as a square system; root `(1, 0, 0)`. `θ` is the angle of `(x₁, x₂)` over
/// 2π, on the branch the paper defines (`+1/2` when `x₁ < 0`).
pub fn helical_valley_eq() -> TestProblem {
    Small::new(&[-1.0, 0.0, 0.0], zero)
        .equalities(3, |x, c| {
            let two_pi = 2.0 * std::f64::consts::PI;
            let theta = if x[0].a > 0.0 {
                (x[1] / x[0]).atan() / two_pi
            } else if x[0].a < 0.0 {
                (x[1] / x[0]).atan() / two_pi + 0.5
            } else {
                // x₁ = 0: the paper's limit value ±1/4, keeping θ continuous in x₂.
                HD::cst(if x[1].a >= 0.0 { 0.25 } else { -0.25 })
            };
            c[0] = 10.0 * (x[2] - 10.0 * theta);
            c[1] = 10.0 * ((x[0].sq() + x[1].sq()).sqrt() - 1.0);
            c[2] = x[2];
        })
        .build(eq("helical_valley_eq", MGH, false).x(&[1.0, 0.0, 0.0]))
}

/// (2) Freudenstein–Roth as a square system; root `(5, 4)`. From the standard start, Newton's
/// method heads to the least-squares local minimizer, which is not a root.
pub fn freudenstein_roth_eq() -> TestProblem {
    Small::new(&[0.5, -2.0], zero)
        .equalities(2, |x, c| {
            c[0] = -13.0 + x[0] + ((5.0 - x[1]) * x[1] - 2.0) * x[1];
            c[1] = -29.0 + x[0] + ((x[1] + 1.0) * x[1] - 14.0) * x[1];
        })
        .build(eq("freudenstein_roth_eq", MGH, false).x(&[5.0, 4.0]))
}

/// (3) Powell badly scaled as a square system; root `(1.098…e-5, 9.106…)`.
pub fn powell_badly_scaled_eq() -> TestProblem {
    Small::new(&[0.0, 1.0], zero)
        .equalities(2, |x, c| {
            c[0] = 1e4 * x[0] * x[1] - 1.0;
            c[1] = (-x[0]).exp() + (-x[1]).exp() - 1.0001;
        })
        .build(
            eq("powell_badly_scaled_eq", MGH, false)
                .x(&[1.0981593296996906e-5, 9.106146739867576])
                .tags(&["badly-scaled"]),
        )
}

/// (27) Brown almost-linear as a square system, n = 10; root at all ones.
pub fn brown_almost_linear_eq() -> TestProblem {
    Small::new(&[0.5; 10], zero)
        .equalities(10, |x, c| {
            let n = x.len();
            let s: HD = x.iter().copied().sum();
            for i in 0..n - 1 {
                c[i] = x[i] + s - (n + 1) as f64;
            }
            let mut p = HD::cst(1.0);
            for &v in x {
                p *= v;
            }
            c[n - 1] = p - 1.0;
        })
        .build(eq("brown_almost_linear_eq", MGH, false).x(&[1.0; 10]))
}

/// (28) Discrete boundary value as a square system, n = 10.
pub fn discrete_bv_eq() -> TestProblem {
    Small::new(&bv_start(10), zero)
        .equalities(10, |x, c| {
            for (i, ci) in c.iter_mut().enumerate() {
                *ci = discrete_bv_residual(x, i);
            }
        })
        .build(eq("discrete_bv_eq", MGH, false))
}

/// (29) Discrete integral equation as a square system, n = 10.
pub fn discrete_ie_eq() -> TestProblem {
    Small::new(&bv_start(10), zero)
        .equalities(10, |x, c| {
            for (i, ci) in c.iter_mut().enumerate() {
                *ci = discrete_ie_residual(x, i);
            }
        })
        .build(eq("discrete_ie_eq", MGH, false))
}

/// (30) Broyden tridiagonal as a square system, n = 10.
pub fn broyden_tri_eq() -> TestProblem {
    Small::new(&[-1.0; 10], zero)
        .equalities(10, |x, c| {
            for (i, ci) in c.iter_mut().enumerate() {
                *ci = broyden_tri_residual(x, i);
            }
        })
        .build(eq("broyden_tri_eq", MGH, false))
}

/// (31) Broyden banded as a square system, n = 10.
pub fn broyden_banded_eq() -> TestProblem {
    Small::new(&[-1.0; 10], zero)
        .equalities(10, |x, c| {
            for (i, ci) in c.iter_mut().enumerate() {
                *ci = broyden_banded_residual(x, i);
            }
        })
        .build(eq("broyden_banded_eq", MGH, false))
}

/// The problems of this module, by name.
pub(crate) const ALL: &[NamedBuilder] = &[
    ("beale_eq", beale_eq),
    ("box3d_eq", box3d_eq),
    ("biggs_eq", biggs_eq),
    ("wood_eq", wood_eq),
    ("brown_badly_scaled_eq", brown_badly_scaled_eq),
    ("rosenbrock_eq3", rosenbrock_eq3),
    ("circle_eq3", circle_eq3),
    ("powell_singular_eq", powell_singular_eq),
    ("helical_valley_eq", helical_valley_eq),
    ("freudenstein_roth_eq", freudenstein_roth_eq),
    ("powell_badly_scaled_eq", powell_badly_scaled_eq),
    ("brown_almost_linear_eq", brown_almost_linear_eq),
    ("discrete_bv_eq", discrete_bv_eq),
    ("discrete_ie_eq", discrete_ie_eq),
    ("broyden_tri_eq", broyden_tri_eq),
    ("broyden_banded_eq", broyden_banded_eq),
];
