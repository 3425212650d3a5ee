//! Bound-constrained problems. The Hatfield problems are CUTEst's HATFLDA/B/C (from the Harwell
//! Hatfield test set; cited in N. I. M. Gould, D. Orban and Ph. L. Toint, "CUTEst", Comput. Optim.
//! Appl. 60, 2015) and BQP1VAR likewise; the rest are constructed with closed-form solutions derived
//! in each doc comment (mostly projections, so that some bounds are active with zero multipliers).

use crate::ad::HD;
use crate::problem_def::{INF, NamedBuilder, Oracle, Small, TestProblem};

const OWN: &str = "constructed for ipax (closed-form solution derived in the doc comment)";
const CUTE: &str = "CUTEst (Gould, Orban & Toint, Comput. Optim. Appl. 60, 2015), Hatfield test set";

fn bnd(name: &str, f_star: f64, source: &'static str) -> Oracle {
    Oracle::optimal(name, f_star).source(source).tags(&["bounds", "regression"])
}

/// `(x₁ − 1)² + Σᵢ (xᵢ₋₁ − √xᵢ)²`, the Hatfield A/B objective.
fn hatfld_ab(x: &[HD]) -> HD {
    let mut s = (x[0] - 1.0).sq();
    for i in 1..x.len() {
        s += (x[i - 1] - x[i].sqrt()).sq();
    }
    s
}

/// HATFLDA (n = 4): `x ≥ 10⁻⁷`, all bounds inactive at `x* = 1`; `f* = 0`.
pub fn hatflda() -> TestProblem {
    Small::new(&[0.1; 4], hatfld_ab).lower(&[1e-7; 4]).build(bnd("hatflda", 0.0, CUTE).x(&[1.0; 4]))
}

/// HATFLDB (n = 4): HATFLDA with `x₂ ≤ 0.8`. With `x₂ = 0.8` the chain `x₃ = x₂², x₄ = x₃²` zeroes
/// the last two terms and `x₁ = (1 + √0.8)/2` balances the first two, so
/// `f* = (1 − √0.8)²/2 = 5.57281e-3`.
pub fn hatfldb() -> TestProblem {
    let r = 0.8f64.sqrt();
    Small::new(&[0.1; 4], hatfld_ab)
        .bounds(&[1e-7; 4], &[INF, 0.8, INF, INF])
        .build(bnd("hatfldb", (1.0 - r).powi(2) / 2.0, CUTE).x(&[(1.0 + r) / 2.0, 0.8, 0.64, 0.4096]))
}

/// HATFLDC (n = 25): `(x₁ − 1)² + Σ (xᵢ₊₁ − xᵢ²)² + (x_n − 1)²` on `[0, 10]ⁿ`; `f* = 0` at ones.
pub fn hatfldc() -> TestProblem {
    Small::new(&[0.9; 25], |x| {
        let n = x.len();
        let mut s = (x[0] - 1.0).sq() + (x[n - 1] - 1.0).sq();
        for i in 1..n - 1 {
            s += (x[i + 1] - x[i].sq()).sq();
        }
        s
    })
    .bounds(&[0.0; 25], &[10.0; 25])
    .build(bnd("hatfldc", 0.0, CUTE).x(&[1.0; 25]))
}

/// BQP1VAR: `min x + x²` on `[0, 0.5]`; the lower bound is active with multiplier 1, `f* = 0`.
pub fn bqp1var() -> TestProblem {
    Small::new(&[0.25], |x| x[0] + x[0].sq()).bounds(&[0.0], &[0.5]).build(bnd("bqp1var", 0.0, CUTE).x(&[0.0]))
}

/// Rosenbrock with `x₁ ≤ 1/2`: for fixed `x₁` the best `x₂` is `x₁²`, leaving `(1 − x₁)²`, which
/// decreases up to the bound: `x* = (1/2, 1/4)`, `f* = 1/4`.
pub fn rosenbrock_box() -> TestProblem {
    Small::new(&[-1.2, 1.0], |x| 100.0 * (x[1] - x[0].sq()).sq() + (1.0 - x[0]).sq())
        .bounds(&[-INF, -INF], &[0.5, INF])
        .build(bnd("rosenbrock_box", 0.25, OWN).x(&[0.5, 0.25]))
}

/// Booth's function `(x₁ + 2x₂ − 7)² + (2x₁ + x₂ − 5)²` with `x₂ ≤ 2` (its free minimizer is
/// `(1, 3)`): on `x₂ = 2`, `∂f/∂x₁ = 10x₁ − 18 = 0` gives `x₁ = 1.8`, residuals `(−1.2, 0.6)`,
/// `f* = 1.8`, and `∂f/∂x₂ = −3.6 < 0` confirms the upper bound is active.
pub fn booth_box() -> TestProblem {
    Small::new(&[0.0, 0.0], |x| (x[0] + 2.0 * x[1] - 7.0).sq() + (2.0 * x[0] + x[1] - 5.0).sq())
        .bounds(&[-10.0, -10.0], &[10.0, 2.0])
        .build(bnd("booth_box", 1.8, OWN).x(&[1.8, 2.0]))
}

/// `min ½ Σ (xᵢ − i)²` on `[0, 3]⁶`: the projection `x* = (1, 2, 3, 3, 3, 3)`, with `x₃` at its
/// bound with a zero multiplier; `f* = (1 + 4 + 9)/2 = 7`.
pub fn projection_box() -> TestProblem {
    Small::new(&[0.5; 6], |x| 0.5 * x.iter().enumerate().map(|(i, &v)| (v - (i + 1) as f64).sq()).sum::<HD>())
        .bounds(&[0.0; 6], &[3.0; 6])
        .build(bnd("projection_box", 7.0, OWN).x(&[1.0, 2.0, 3.0, 3.0, 3.0, 3.0]).tags(&["qp"]))
}

/// `min ½‖x‖² − x₁ − 2x₂ + 3x₃` on `[0, 1]³`: the projection of `(1, 2, −3)`, `x* = (1, 1, 0)`
/// (`x₁`'s bound with a zero multiplier), `f* = 1 − 3 = −2`.
pub fn qp_box3() -> TestProblem {
    Small::new(&[0.5; 3], |x| 0.5 * (x[0].sq() + x[1].sq() + x[2].sq()) - x[0] - 2.0 * x[1] + 3.0 * x[2])
        .bounds(&[0.0; 3], &[1.0; 3])
        .build(bnd("qp_box3", -2.0, OWN).x(&[1.0, 1.0, 0.0]).tags(&["qp"]))
}

/// `min Σᵢ (e^{xᵢ} − i·xᵢ)` on `[0, 1]⁵`, separable and convex: `xᵢ* = clip(ln i, 0, 1) =
/// (0, ln 2, 1, 1, 1)` (the first at its bound with a zero multiplier), so
/// `f* = 1 + (2 − 2 ln 2) + 3e − 12 = 3e − 9 − 2 ln 2`.
pub fn exp_box() -> TestProblem {
    let l2 = std::f64::consts::LN_2;
    Small::new(&[0.5; 5], |x| x.iter().enumerate().map(|(i, &v)| v.exp() - (i + 1) as f64 * v).sum())
        .bounds(&[0.0; 5], &[1.0; 5])
        .build(bnd("exp_box", 3.0 * std::f64::consts::E - 9.0 - 2.0 * l2, OWN).x(&[0.0, l2, 1.0, 1.0, 1.0]))
}

/// `min sin x₁ + (x₂ − 1)²` on `[0, 2] × [−1, 3]`: `sin` is increasing on `[0, π/2]` and
/// `sin 2 > 0`, so `x* = (0, 1)` with the lower bound active (multiplier 1); `f* = 0`.
pub fn sin_box() -> TestProblem {
    Small::new(&[1.0, 0.0], |x| x[0].sin() + (x[1] - 1.0).sq())
        .bounds(&[0.0, -1.0], &[2.0, 3.0])
        .build(bnd("sin_box", 0.0, OWN).x(&[0.0, 1.0]))
}

/// The problems of this module, by name.
pub(crate) const ALL: &[NamedBuilder] = &[
    ("hatflda", hatflda),
    ("hatfldb", hatfldb),
    ("hatfldc", hatfldc),
    ("bqp1var", bqp1var),
    ("rosenbrock_box", rosenbrock_box),
    ("booth_box", booth_box),
    ("projection_box", projection_box),
    ("qp_box3", qp_box3),
    ("exp_box", exp_box),
    ("sin_box", sin_box),
];
