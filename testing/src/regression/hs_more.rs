//! More Hock–Schittkowski problems, beyond those of [`crate::hs`].
//!
//! Problems ≤ 119 are transcribed from W. Hock and K. Schittkowski, *Test Examples for Nonlinear
//! Programming Codes*, LNEMS 187, Springer 1981; problems ≥ 200 from K. Schittkowski, *More Test
//! Examples for Nonlinear Programming Codes*, LNEMS 282, Springer 1987. Formulas, bounds, starting
//! points and optimal values are the books'; `x*` is given where the book's printed digits (or a
//! closed form, derived in the doc comment) determine `f*` to ~1e-7. Indices are 0-based: the
//! books' `x₁` is `x[0]`. Least-squares objectives are `Σ rᵢ²` as in the books.

use crate::ad::HD;
use crate::problem_def::{INF, NamedBuilder, Oracle, Small, TestProblem};

const HS81: &str = "Hock & Schittkowski, Test Examples for Nonlinear Programming Codes, LNEMS 187 (1981)";
const HS87: &str = "Schittkowski, More Test Examples for Nonlinear Programming Codes, LNEMS 282 (1987)";

fn hs(name: &str, f_star: f64, tags: &[&'static str]) -> Oracle {
    Oracle::optimal(name, f_star).source(HS81).tags(&["hs", "regression"]).tags(tags)
}

fn hs87(name: &str, f_star: f64, tags: &[&'static str]) -> Oracle {
    Oracle::optimal(name, f_star).source(HS87).tags(&["hs", "regression"]).tags(tags)
}

fn rosen(x: &[HD]) -> HD {
    100.0 * (x[1] - x[0].sq()).sq() + (1.0 - x[0]).sq()
}

/// HS20: Rosenbrock with three nonlinear inequalities and `|x₁| ≤ 1/2`. At `x* = (1/2, √3/2)` the
/// circle `x₁² + x₂² ≥ 1` and the bound `x₁ ≤ 1/2` are active: `f* = 81.5 − 25√3 = 38.19873`. The
/// book prints `f* = 40.19873 = 83.5 − 25√3`, the value at the mirror point `(−1/2, √3/2)` (circle
/// and `x₁ ≥ −1/2` active), which is a local minimum only; it is listed in
/// [`OTHER_LOCAL_MINIMA`](super::OTHER_LOCAL_MINIMA).
pub fn hs020() -> TestProblem {
    Small::new(&[-2.0, 1.0], rosen)
        .bounds(&[-0.5, -INF], &[0.5, INF])
        .constraints(&[0.0; 3], &[INF; 3], |x, c| {
            c[0] = x[0] + x[1].sq();
            c[1] = x[0].sq() + x[1];
            c[2] = x[0].sq() + x[1].sq() - 1.0;
        })
        .build(hs("hs020", 81.5 - 25.0 * 3f64.sqrt(), &["inequality", "bounds"]).x(&[0.5, 0.5 * 3f64.sqrt()]))
}

/// HS25: the Gulf research and development fitting problem (99 residuals), bounds only;
/// `f* = 0` at `(50, 25, 1.5)`. `uᵢ − x₂ ≥ 0.63 > 0` on the box, so the real power is defined.
pub fn hs025() -> TestProblem {
    Small::new(&[100.0, 12.5, 3.0], |x| {
        (1..=99)
            .map(|i| {
                let t = 0.01 * i as f64;
                let u = 25.0 + (-50.0 * t.ln()).powf(2.0 / 3.0);
                // (u − x₂)^x₃ = exp(x₃ ln(u − x₂)): the exponent is a variable.
                let r = -t + (-(x[2] * (u - x[1]).ln()).exp() / x[0]).exp();
                r.sq()
            })
            .sum()
    })
    .bounds(&[0.1, 0.0, 0.0], &[100.0, 25.6, 5.0])
    .build(hs("hs025", 0.0, &["bounds", "least-squares"]).x(&[50.0, 25.0, 1.5]))
}

/// HS31: convex quadratic with a bilinear inequality; `x* = (1/√3, √3, 0)`, `f* = 6`.
pub fn hs031() -> TestProblem {
    let s3 = 3f64.sqrt();
    Small::new(&[1.0, 1.0, 1.0], |x| 9.0 * x[0].sq() + x[1].sq() + 9.0 * x[2].sq())
        .bounds(&[-10.0, 1.0, -10.0], &[10.0, 10.0, 1.0])
        .constraints(&[0.0], &[INF], |x, c| c[0] = x[0] * x[1] - 1.0)
        .build(hs("hs031", 6.0, &["inequality", "bounds"]).x(&[1.0 / s3, s3, 0.0]))
}

/// HS33: cubic objective, two quadratic inequalities; `x* = (0, √2, √2)`, `f* = √2 − 6`.
pub fn hs033() -> TestProblem {
    let s2 = 2f64.sqrt();
    Small::new(&[0.0, 0.0, 3.0], |x| (x[0] - 1.0) * (x[0] - 2.0) * (x[0] - 3.0) + x[2])
        .bounds(&[0.0; 3], &[INF, INF, 5.0])
        .constraints(&[0.0, 0.0], &[INF, INF], |x, c| {
            c[0] = x[2].sq() - x[1].sq() - x[0].sq();
            c[1] = x[0].sq() + x[1].sq() + x[2].sq() - 4.0;
        })
        .build(hs("hs033", s2 - 6.0, &["inequality", "bounds"]).x(&[0.0, s2, s2]))
}

/// HS41: `min 2 − x₁x₂x₃` on one linear equality and a box; `x* = (2/3, 1/3, 1/3, 2)`,
/// `f* = 52/27`. The starting point violates the bounds.
pub fn hs041() -> TestProblem {
    Small::new(&[2.0; 4], |x| 2.0 - x[0] * x[1] * x[2])
        .bounds(&[0.0; 4], &[1.0, 1.0, 1.0, 2.0])
        .equalities(1, |x, c| c[0] = x[0] + 2.0 * x[1] + 2.0 * x[2] - x[3])
        .build(hs("hs041", 52.0 / 27.0, &["equality", "bounds"]).x(&[2.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0, 2.0]))
}

/// HS55: six linear equalities (the feasible set is a segment) and `exp(x₁x₄)`;
/// `x* = (0, 4/3, 5/3, 1, 2/3, 1/3)`, `f* = 19/3`. On the segment, parametrised by `x₁ ∈ [0, 1]`
/// (`x₂ = (x₁+4)/3`, `x₄ = 1 − x₁`, `x₅ = (2−x₁)/3`, …), `f = x₁/3 + 16/3 + exp(x₁(1 − x₁))`, whose
/// slope at `x₁ = 1` is `−2/3`: the other end `x₁ = 1` is a local minimum with `f = 20/3`.
pub fn hs055() -> TestProblem {
    Small::new(&[1.0, 2.0, 0.0, 0.0, 0.0, 2.0], |x| x[0] + 2.0 * x[1] + 4.0 * x[4] + (x[0] * x[3]).exp())
        .bounds(&[0.0; 6], &[1.0, INF, INF, 1.0, INF, INF])
        .equalities(6, |x, c| {
            c[0] = x[0] + 2.0 * x[1] + 5.0 * x[4] - 6.0;
            c[1] = x[0] + x[1] + x[2] - 3.0;
            c[2] = x[3] + x[4] + x[5] - 2.0;
            c[3] = x[0] + x[3] - 1.0;
            c[4] = x[1] + x[4] - 2.0;
            c[5] = x[2] + x[5] - 2.0;
        })
        .build(hs("hs055", 19.0 / 3.0, &["equality", "bounds"]).x(&[
            0.0,
            4.0 / 3.0,
            5.0 / 3.0,
            1.0,
            2.0 / 3.0,
            1.0 / 3.0,
        ]))
}

/// HS57: a 44-point exponential fit with one inequality; `f* = 0.02845966972`.
pub fn hs057() -> TestProblem {
    Small::new(&[0.42, 5.0], |x| {
        const A: [f64; 44] = [
            8., 8., 10., 10., 10., 10., 12., 12., 12., 12., 14., 14., 14., 16., 16., 16., 18., 18., 20., 20., 20., 22.,
            22., 22., 24., 24., 24., 26., 26., 26., 28., 28., 30., 30., 30., 32., 32., 34., 36., 36., 38., 38., 40.,
            42.,
        ];
        const B: [f64; 44] = [
            0.49, 0.49, 0.48, 0.47, 0.48, 0.47, 0.46, 0.46, 0.45, 0.43, 0.45, 0.43, 0.43, 0.44, 0.43, 0.43, 0.46, 0.45,
            0.42, 0.42, 0.43, 0.41, 0.41, 0.40, 0.42, 0.40, 0.40, 0.41, 0.40, 0.41, 0.41, 0.40, 0.40, 0.40, 0.38, 0.41,
            0.40, 0.40, 0.41, 0.38, 0.40, 0.40, 0.39, 0.39,
        ];
        (0..44).map(|i| (B[i] - x[0] - (0.49 - x[0]) * (-x[1] * (A[i] - 8.0)).exp()).sq()).sum()
    })
    .lower(&[0.4, -4.0])
    .constraints(&[0.0], &[INF], |x, c| c[0] = 0.49 * x[1] - x[0] * x[1] - 0.09)
    .build(hs("hs057", 0.02845966972, &["inequality", "least-squares"]))
}

/// HS64: a posynomial design problem; `f* = 6299.842428`.
pub fn hs064() -> TestProblem {
    Small::new(&[1.0; 3], |x| {
        5.0 * x[0] + 50000.0 / x[0] + 20.0 * x[1] + 72000.0 / x[1] + 10.0 * x[2] + 144000.0 / x[2]
    })
    .lower(&[1e-5; 3])
    .constraints(&[0.0], &[INF], |x, c| c[0] = 1.0 - 4.0 / x[0] - 32.0 / x[1] - 120.0 / x[2])
    .build(hs("hs064", 6299.842428, &["inequality", "bounds"]))
}

/// HS72: linear objective, two reciprocal inequalities, wide boxes; `f* = 727.67937`.
pub fn hs072() -> TestProblem {
    Small::new(&[1.0; 4], |x| 1.0 + x[0] + x[1] + x[2] + x[3])
        .bounds(&[0.001; 4], &[4e5, 3e5, 2e5, 1e5])
        .constraints(&[0.0, 0.0], &[INF, INF], |x, c| {
            c[0] = 0.0401 - 4.0 / x[0] - 2.25 / x[1] - 1.0 / x[2] - 0.25 / x[3];
            c[1] = 0.010085 - 0.16 / x[0] - 0.36 / x[1] - 0.64 / x[2] - 0.64 / x[3];
        })
        .build(hs("hs072", 727.67937, &["inequality", "bounds"]))
}

/// HS73: cattle-feed blending with a chance constraint (a square root); `f* = 29.894378`.
pub fn hs073() -> TestProblem {
    Small::new(&[1.0; 4], |x| 24.55 * x[0] + 26.75 * x[1] + 39.0 * x[2] + 40.5 * x[3])
        .bounds(&[0.0; 4], &[INF; 4])
        .constraints(&[0.0, 0.0, 0.0], &[INF, INF, 0.0], |x, c| {
            c[0] = 2.3 * x[0] + 5.6 * x[1] + 11.1 * x[2] + 1.3 * x[3] - 5.0;
            c[1] = 12.0 * x[0] + 11.9 * x[1] + 41.8 * x[2] + 52.1 * x[3]
                - 21.0
                - 1.645 * (0.28 * x[0].sq() + 0.19 * x[1].sq() + 20.5 * x[2].sq() + 0.62 * x[3].sq()).sqrt();
            c[2] = x[0] + x[1] + x[2] + x[3] - 1.0;
        })
        .build(hs("hs073", 29.894378, &["inequality", "equality"]))
}

fn hs74_75(name: &str, a: f64, f_star: f64) -> TestProblem {
    // The bound `a` enters the constraint bounds only, so one ConFn serves both problems.
    Small::new(&[0.0; 4], |x| 3.0 * x[0] + 1e-6 * x[0].powi(3) + 2.0 * x[1] + (2e-6 / 3.0) * x[1].powi(3))
        .bounds(&[0.0, 0.0, -a, -a], &[1200.0, 1200.0, a, a])
        .constraints(&[-a, 0.0, 0.0, 0.0], &[a, 0.0, 0.0, 0.0], |x, c| {
            c[0] = x[3] - x[2];
            c[1] = 1000.0 * (-x[2] - 0.25).sin() + 1000.0 * (-x[3] - 0.25).sin() + 894.8 - x[0];
            c[2] = 1000.0 * (x[2] - 0.25).sin() + 1000.0 * (x[2] - x[3] - 0.25).sin() + 894.8 - x[1];
            c[3] = 1000.0 * (x[3] - 0.25).sin() + 1000.0 * (x[3] - x[2] - 0.25).sin() + 1294.8;
        })
        .build(hs(name, f_star, &["equality", "inequality", "bounds"]))
}

/// HS74: a small optimal power-flow problem (sines), `a = 0.55`; `f* = 5126.4981`.
pub fn hs074() -> TestProblem {
    hs74_75("hs074", 0.55, 5126.4981)
}

/// HS75: HS74 with the tighter phase-angle limit `a = 0.48`; `f* = 5174.4129`.
pub fn hs075() -> TestProblem {
    hs74_75("hs075", 0.48, 5174.4129)
}

/// HS83: Colville's / Himmelblau's problem with three two-sided quadratic constraints;
/// `f* = −30665.53867`.
pub fn hs083() -> TestProblem {
    Small::new(&[78.0, 33.0, 27.0, 27.0, 27.0], |x| {
        5.3578547 * x[2].sq() + 0.8356891 * x[0] * x[4] + 37.293239 * x[0] - 40792.141
    })
    .bounds(&[78.0, 33.0, 27.0, 27.0, 27.0], &[102.0, 45.0, 45.0, 45.0, 45.0])
    .constraints(&[0.0, 90.0, 20.0], &[92.0, 110.0, 25.0], |x, c| {
        c[0] = 85.334407 + 0.0056858 * x[1] * x[4] + 0.0006262 * x[0] * x[3] - 0.0022053 * x[2] * x[4];
        c[1] = 80.51249 + 0.0071317 * x[1] * x[4] + 0.0029955 * x[0] * x[1] + 0.0021813 * x[2].sq();
        c[2] = 9.300961 + 0.0047026 * x[2] * x[4] + 0.0012547 * x[0] * x[2] + 0.0019085 * x[2] * x[3];
    })
    .build(hs("hs083", -30665.53867, &["inequality", "bounds"]))
}

/// HS93: transformer design; `f* = 135.075961`.
pub fn hs093() -> TestProblem {
    Small::new(&[5.54, 4.4, 12.02, 11.82, 0.702, 0.852], |x| {
        let s = x[0] + x[1] + x[2];
        let t = x[0] + 1.57 * x[1] + x[3];
        0.0204 * x[0] * x[3] * s
            + 0.0187 * x[1] * x[2] * t
            + 0.0607 * x[0] * x[3] * x[4].sq() * s
            + 0.0437 * x[1] * x[2] * x[5].sq() * t
    })
    .bounds(&[0.0; 6], &[INF; 6])
    .constraints(&[0.0, 0.0], &[INF, INF], |x, c| {
        let s = x[0] + x[1] + x[2];
        let t = x[0] + 1.57 * x[1] + x[3];
        c[0] = 0.001 * x[0] * x[1] * x[2] * x[3] * x[4] * x[5] - 2.07;
        c[1] = 1.0 - 0.00062 * x[0] * x[3] * x[4].sq() * s - 0.00058 * x[1] * x[2] * x[5].sq() * t;
    })
    .build(hs("hs093", 135.075961, &["inequality", "bounds"]))
}

/// The shared constraints of HS95–HS98 (cubic-free, bilinear); only the right-hand sides differ.
fn hs95_cons(x: &[HD], c: &mut [HD]) {
    c[0] = 17.1 * x[0] + 38.2 * x[1] + 204.2 * x[2] + 212.3 * x[3] + 623.4 * x[4] + 1495.5 * x[5]
        - 169.0 * x[0] * x[2]
        - 3580.0 * x[2] * x[4]
        - 3810.0 * x[3] * x[4]
        - 18500.0 * x[3] * x[5]
        - 24300.0 * x[4] * x[5];
    c[1] = 17.9 * x[0] + 36.8 * x[1] + 113.9 * x[2] + 169.7 * x[3] + 337.8 * x[4] + 1385.2 * x[5]
        - 139.0 * x[0] * x[2]
        - 2450.0 * x[3] * x[4]
        - 16600.0 * x[3] * x[5]
        - 17200.0 * x[4] * x[5];
    c[2] = -273.0 * x[1] - 70.0 * x[3] - 819.0 * x[4] + 26000.0 * x[3] * x[4];
    c[3] = 159.9 * x[0] - 311.0 * x[1] + 587.0 * x[3] + 391.0 * x[4] + 2198.0 * x[5] - 14000.0 * x[0] * x[5];
}

fn hs95_98(name: &str, b: [f64; 4], f_star: f64) -> TestProblem {
    Small::new(&[0.0; 6], |x| 4.3 * x[0] + 31.8 * x[1] + 63.3 * x[2] + 15.8 * x[3] + 68.5 * x[4] + 4.7 * x[5])
        .bounds(&[0.0; 6], &[0.31, 0.046, 0.068, 0.042, 0.028, 0.0134])
        .constraints(&b, &[INF; 4], hs95_cons)
        .build(hs(name, f_star, &["inequality", "bounds"]))
}

/// HS95: linear objective, four bilinear inequalities; `f* = 0.015619514`.
pub fn hs095() -> TestProblem {
    hs95_98("hs095", [4.97, -1.88, -29.08, -78.02], 0.015619514)
}
/// HS96: HS95 with looser third and fourth constraints; `f* = 0.015619514`.
pub fn hs096() -> TestProblem {
    hs95_98("hs096", [4.97, -1.88, -69.08, -118.02], 0.015619514)
}
/// HS97: HS95 with tighter first two constraints; `f* = 3.1358091`.
pub fn hs097() -> TestProblem {
    hs95_98("hs097", [32.97, 25.12, -29.08, -78.02], 3.1358091)
}
/// HS98: HS97 with looser third and fourth constraints; `f* = 3.1358091`.
pub fn hs098() -> TestProblem {
    hs95_98("hs098", [32.97, 25.12, -124.08, -173.02], 3.1358091)
}

/// HS104: a reactor design (signomial), with the objective also bounded as a constraint;
/// `f* = 3.9511634396`.
pub fn hs104() -> TestProblem {
    fn obj(x: &[HD]) -> HD {
        0.4 * (x[0] / x[6]).powf(0.67) + 0.4 * (x[1] / x[7]).powf(0.67) + 10.0 - x[0] - x[1]
    }
    Small::new(&[6.0, 3.0, 0.4, 0.2, 6.0, 6.0, 1.0, 0.5], obj)
        .bounds(&[0.1; 8], &[10.0; 8])
        .constraints(&[0.0, 0.0, 0.0, 0.0, 1.0], &[INF, INF, INF, INF, 4.2], |x, c| {
            c[0] = 1.0 - 0.0588 * x[4] * x[6] - 0.1 * x[0];
            c[1] = 1.0 - 0.0588 * x[5] * x[7] - 0.1 * x[0] - 0.1 * x[1];
            c[2] = 1.0 - 4.0 * x[2] / x[4] - 2.0 * x[2].powf(-0.71) / x[4] - 0.0588 * x[2].powf(-1.3) * x[6];
            c[3] = 1.0 - 4.0 * x[3] / x[5] - 2.0 * x[3].powf(-0.71) / x[5] - 0.0588 * x[3].powf(-1.3) * x[7];
            c[4] = obj(x);
        })
        .build(hs("hs104", 3.9511634396, &["inequality", "bounds"]))
}

/// HS110: `Σ [ln²(xᵢ − 2) + ln²(10 − xᵢ)] − (Π xᵢ)^0.2` on a box, n = 10; every `xᵢ* = 9.35025655`,
/// `f* = −45.77846971`.
pub fn hs110() -> TestProblem {
    Small::new(&[9.0; 10], |x| {
        let s: HD = x.iter().map(|&v| (v - 2.0).ln().sq() + (10.0 - v).ln().sq()).sum();
        let mut p = HD::cst(1.0);
        for &v in x {
            p *= v;
        }
        s - p.powf(0.2)
    })
    .bounds(&[2.001; 10], &[9.999; 10])
    .build(hs("hs110", -45.77846971, &["bounds"]).x(&[9.35025655; 10]))
}

/// HS112: chemical equilibrium (Gibbs free energy, `x ln(x/Σx)`), three linear equalities;
/// `f* = −47.76109026`.
pub fn hs112() -> TestProblem {
    Small::new(&[0.1; 10], |x| {
        const C: [f64; 10] = [-6.089, -17.164, -34.054, -5.914, -24.721, -14.986, -24.1, -10.708, -26.662, -22.179];
        let s: HD = x.iter().copied().sum();
        (0..10).map(|j| x[j] * (C[j] + (x[j] / s).ln())).sum()
    })
    .lower(&[1e-6; 10])
    .equalities(3, |x, c| {
        c[0] = x[0] + 2.0 * x[1] + 2.0 * x[2] + x[5] + x[9] - 2.0;
        c[1] = x[3] + 2.0 * x[4] + x[5] + x[6] - 1.0;
        c[2] = x[2] + x[6] + x[7] + 2.0 * x[8] + x[9] - 1.0;
    })
    .build(hs("hs112", -47.76109026, &["equality", "bounds"]))
}

/// HS113: Wong's quadratic problem with three linear and five quadratic inequalities;
/// `f* = 24.3062091`.
pub fn hs113() -> TestProblem {
    Small::new(&[2.0, 3.0, 5.0, 5.0, 1.0, 2.0, 7.0, 3.0, 6.0, 10.0], |x| {
        x[0].sq() + x[1].sq() + x[0] * x[1] - 14.0 * x[0] - 16.0 * x[1]
            + (x[2] - 10.0).sq()
            + 4.0 * (x[3] - 5.0).sq()
            + (x[4] - 3.0).sq()
            + 2.0 * (x[5] - 1.0).sq()
            + 5.0 * x[6].sq()
            + 7.0 * (x[7] - 11.0).sq()
            + 2.0 * (x[8] - 10.0).sq()
            + (x[9] - 7.0).sq()
            + 45.0
    })
    .constraints(&[0.0; 8], &[INF; 8], |x, c| {
        c[0] = 105.0 - 4.0 * x[0] - 5.0 * x[1] + 3.0 * x[6] - 9.0 * x[7];
        c[1] = -10.0 * x[0] + 8.0 * x[1] + 17.0 * x[6] - 2.0 * x[7];
        c[2] = 8.0 * x[0] - 2.0 * x[1] - 5.0 * x[8] + 2.0 * x[9] + 12.0;
        c[3] = -3.0 * (x[0] - 2.0).sq() - 4.0 * (x[1] - 3.0).sq() - 2.0 * x[2].sq() + 7.0 * x[3] + 120.0;
        c[4] = -5.0 * x[0].sq() - 8.0 * x[1] - (x[2] - 6.0).sq() + 2.0 * x[3] + 40.0;
        c[5] = -0.5 * (x[0] - 8.0).sq() - 2.0 * (x[1] - 4.0).sq() - 3.0 * x[4].sq() + x[5] + 30.0;
        c[6] = -x[0].sq() - 2.0 * (x[1] - 2.0).sq() + 2.0 * x[0] * x[1] - 14.0 * x[4] + 6.0 * x[5];
        c[7] = 3.0 * x[0] - 6.0 * x[1] - 12.0 * (x[8] - 8.0).sq() + 7.0 * x[9];
    })
    .build(hs("hs113", 24.3062091, &["inequality", "qp"]))
}

/// HS201: separable convex quadratic, `f* = 0` at `(5, 6)`.
pub fn hs201() -> TestProblem {
    Small::new(&[8.0, 9.0], |x| 4.0 * (x[0] - 5.0).sq() + (x[1] - 6.0).sq())
        .build(hs87("hs201", 0.0, &["unconstrained"]).x(&[5.0, 6.0]))
}

/// HS206: a Rosenbrock variant with the weights swapped; `f* = 0` at `(1, 1)`.
pub fn hs206() -> TestProblem {
    Small::new(&[-1.2, 1.0], |x| (x[1] - x[0].sq()).sq() + 100.0 * (1.0 - x[0]).sq())
        .build(hs87("hs206", 0.0, &["unconstrained"]).x(&[1.0, 1.0]))
}

/// HS211: a cubic Rosenbrock valley `100(x₂ − x₁³)² + (1 − x₁)²`; `f* = 0` at `(1, 1)`.
pub fn hs211() -> TestProblem {
    Small::new(&[-1.2, 1.0], |x| 100.0 * (x[1] - x[0].powi(3)).sq() + (1.0 - x[0]).sq())
        .build(hs87("hs211", 0.0, &["unconstrained"]).x(&[1.0, 1.0]))
}

/// HS213: quartic `10(x₁ − x₂)⁴ + (x₁ − 1)⁴`, singular Hessian at `x* = (1, 1)`, `f* = 0`.
pub fn hs213() -> TestProblem {
    Small::new(&[3.0, 1.0], |x| 10.0 * (x[0] - x[1]).powi(4) + (x[0] - 1.0).powi(4))
        .build(hs87("hs213", 0.0, &["unconstrained", "degenerate"]).x(&[1.0, 1.0]))
}

/// HS218: `min x₂  s.t.  x₂ ≥ x₁²`; `x* = (0, 0)`, `f* = 0`.
pub fn hs218() -> TestProblem {
    Small::new(&[9.0, 100.0], |x| x[1])
        .constraints(&[0.0], &[INF], |x, c| c[0] = x[1] - x[0].sq())
        .build(hs87("hs218", 0.0, &["inequality"]).x(&[0.0, 0.0]))
}

/// HS219: `min −x₁` on two cubic/quadratic equalities with slack squares; `x* = (1, 1, 0, 0)`,
/// `f* = −1`. The equality gradients are dependent at `x*` (degenerate).
pub fn hs219() -> TestProblem {
    Small::new(&[10.0; 4], |x| -x[0])
        .equalities(2, |x, c| {
            c[0] = x[1] - x[0].powi(3) - x[2].sq();
            c[1] = x[0].sq() - x[1] - x[3].sq();
        })
        .build(hs87("hs219", -1.0, &["equality", "degenerate"]).x(&[1.0, 1.0, 0.0, 0.0]))
}

/// HS220: `min x₁  s.t.  (x₁ − 1)³ = x₂,  x₁ ≥ 1, x₂ ≥ 0`; `x* = (1, 0)`, `f* = 1`: three
/// constraints active in two dimensions (degenerate), starting far away at (25000, 25000).
/// A violation ε of the equality (with `x₂ = 0`) allows `x₁ = 1 + ε^(1/3)`: at the 1e-6 relative
/// violation the regression test accepts, `f* = 1` is certifiable only to 1e-2, by any solver.
pub fn hs220() -> TestProblem {
    Small::new(&[25000.0, 25000.0], |x| x[0])
        .bounds(&[1.0, 0.0], &[INF, INF])
        .equalities(1, |x, c| c[0] = (x[0] - 1.0).powi(3) - x[1])
        .build(hs87("hs220", 1.0, &["equality", "bounds", "degenerate"]).x(&[1.0, 0.0]).objective_tolerance(1e-2))
}

/// HS221: `min −x₁  s.t.  −(x₁ − 1)³ − x₂ ≥ 0` on the unit box; `x* = (1, 0)`, `f* = −1` at a
/// cusp (constraint qualifications fail there; the bound `x₁ ≤ 1` keeps `f` exact).
pub fn hs221() -> TestProblem {
    Small::new(&[0.25, 0.25], |x| -x[0])
        .bounds(&[0.0, 0.0], &[1.0, 1.0])
        .constraints(&[0.0], &[INF], |x, c| c[0] = -(x[0] - 1.0).powi(3) - x[1])
        .build(hs87("hs221", -1.0, &["inequality", "bounds", "degenerate"]).x(&[1.0, 0.0]))
}

/// HS224: convex quadratic with four linear inequalities and a box; `x* = (4, 4)`, `f* = −304`.
pub fn hs224() -> TestProblem {
    Small::new(&[0.1, 0.1], |x| 2.0 * x[0].sq() + x[1].sq() - 48.0 * x[0] - 40.0 * x[1])
        .bounds(&[0.0, 0.0], &[6.0, 6.0])
        .constraints(&[0.0; 4], &[INF; 4], |x, c| {
            c[0] = x[0] + 3.0 * x[1];
            c[1] = 18.0 - x[0] - 3.0 * x[1];
            c[2] = x[0] + x[1];
            c[3] = 8.0 - x[0] - x[1];
        })
        .build(hs87("hs224", -304.0, &["inequality", "bounds", "qp"]).x(&[4.0, 4.0]))
}

/// HS225: `min x₁² + x₂²` on five nonconvex inequalities; `x* = (1, 1)`, `f* = 2`.
pub fn hs225() -> TestProblem {
    Small::new(&[3.0, 1.0], |x| x[0].sq() + x[1].sq())
        .constraints(&[0.0; 5], &[INF; 5], |x, c| {
            c[0] = x[0] + x[1] - 1.0;
            c[1] = x[0].sq() + x[1].sq() - 1.0;
            c[2] = 9.0 * x[0].sq() + x[1].sq() - 9.0;
            c[3] = x[0].sq() - x[1];
            c[4] = x[1].sq() - x[0];
        })
        .build(hs87("hs225", 2.0, &["inequality"]).x(&[1.0, 1.0]))
}

/// HS226: `min −x₁x₂` in the unit quarter disc; `x* = (1/√2, 1/√2)`, `f* = −1/2`.
pub fn hs226() -> TestProblem {
    let r = 0.5f64.sqrt();
    Small::new(&[0.8, 0.05], |x| -x[0] * x[1])
        .bounds(&[0.0, 0.0], &[INF, INF])
        .constraints(&[0.0, 0.0], &[INF, INF], |x, c| {
            c[0] = x[0].sq() + x[1].sq();
            c[1] = 1.0 - x[0].sq() - x[1].sq();
        })
        .build(hs87("hs226", -0.5, &["inequality", "bounds"]).x(&[r, r]))
}

/// HS227: projection of `(2, 1)` onto the lens between two parabolas; `x* = (1, 1)`, `f* = 1`.
pub fn hs227() -> TestProblem {
    Small::new(&[0.5, 0.5], |x| (x[0] - 2.0).sq() + (x[1] - 1.0).sq())
        .constraints(&[0.0, 0.0], &[INF, INF], |x, c| {
            c[0] = -x[0].sq() + x[1];
            c[1] = x[0] - x[1].sq();
        })
        .build(hs87("hs227", 1.0, &["inequality"]).x(&[1.0, 1.0]))
}

/// HS228: `min x₁² + x₂` in a disc of radius 3 cut by a half-plane; `x* = (0, −3)`, `f* = −3`.
pub fn hs228() -> TestProblem {
    Small::new(&[0.0, 0.0], |x| x[0].sq() + x[1])
        .constraints(&[0.0, 0.0], &[INF, INF], |x, c| {
            c[0] = -x[0] - x[1] + 1.0;
            c[1] = -(x[0].sq() + x[1].sq()) + 9.0;
        })
        .build(hs87("hs228", -3.0, &["inequality"]).x(&[0.0, -3.0]))
}

/// HS229: Rosenbrock on the box `[−2, 2]²` (inactive); `f* = 0` at `(1, 1)`.
pub fn hs229() -> TestProblem {
    Small::new(&[-1.2, 1.0], rosen)
        .bounds(&[-2.0, -2.0], &[2.0, 2.0])
        .build(hs87("hs229", 0.0, &["bounds"]).x(&[1.0, 1.0]))
}

/// HS230: `min x₂` above two cubics symmetric about `x₁ = 1/2`; `x* = (1/2, 3/8)`, `f* = 3/8`.
pub fn hs230() -> TestProblem {
    Small::new(&[0.0, 0.0], |x| x[1])
        .constraints(&[0.0, 0.0], &[INF, INF], |x, c| {
            c[0] = -2.0 * x[0].sq() + x[0].powi(3) + x[1];
            c[1] = -2.0 * (1.0 - x[0]).sq() + (1.0 - x[0]).powi(3) + x[1];
        })
        .build(hs87("hs230", 0.375, &["inequality"]).x(&[0.5, 0.375]))
}

/// HS231: Rosenbrock with two linear inequalities (inactive at `(1, 1)`); `f* = 0`.
pub fn hs231() -> TestProblem {
    Small::new(&[-1.2, 1.0], rosen)
        .constraints(&[0.0, 0.0], &[INF, INF], |x, c| {
            c[0] = x[0] / 3.0 + x[1] + 0.1;
            c[1] = -x[0] / 3.0 + x[1] + 0.1;
        })
        .build(hs87("hs231", 0.0, &["inequality"]).x(&[1.0, 1.0]))
}

/// HS232: a cubic in a triangle; `x* = (3, √3)`, `f* = −1` (two inequalities active).
pub fn hs232() -> TestProblem {
    let s3 = 3f64.sqrt();
    Small::new(&[2.0, 0.5], |x| -(9.0 - (x[0] - 3.0).sq()) * x[1].powi(3) / (27.0 * 3f64.sqrt()))
        .bounds(&[0.0, 0.0], &[INF, INF])
        .constraints(&[0.0; 3], &[INF; 3], |x, c| {
            let s3 = 3f64.sqrt();
            c[0] = x[0] / s3 - x[1];
            c[1] = x[0] + s3 * x[1];
            c[2] = 6.0 - x[0] - s3 * x[1];
        })
        .build(hs87("hs232", -1.0, &["inequality", "bounds"]).x(&[3.0, s3]))
}

/// HS233: Rosenbrock outside the disc of radius 1/2 (inactive); `f* = 0` at `(1, 1)`.
pub fn hs233() -> TestProblem {
    Small::new(&[1.2, 1.0], rosen)
        .constraints(&[0.0], &[INF], |x, c| c[0] = x[0].sq() + x[1].sq() - 0.25)
        .build(hs87("hs233", 0.0, &["inequality"]).x(&[1.0, 1.0]))
}

/// HS234: `(x₂ − x₁)⁴ − (1 − x₁)` in the unit disc and a box; `x* = (0.2, 0.2)`, `f* = −0.8`.
pub fn hs234() -> TestProblem {
    Small::new(&[1.0, 1.0], |x| (x[1] - x[0]).powi(4) - (1.0 - x[0]))
        .bounds(&[0.2, 0.2], &[2.0, 2.0])
        .constraints(&[0.0], &[INF], |x, c| c[0] = -x[0].sq() - x[1].sq() + 1.0)
        .build(hs87("hs234", -0.8, &["inequality", "bounds"]).x(&[0.2, 0.2]))
}

/// HS235: a scaled Rosenbrock with one equality; `x* = (−1, 1, 0)`, `f* = 0.04`.
pub fn hs235() -> TestProblem {
    Small::new(&[-2.0, 3.0, 1.0], |x| (x[1] - x[0].sq()).sq() + 0.01 * (1.0 - x[0]).sq())
        .equalities(1, |x, c| c[0] = x[0] + x[2].sq() + 1.0)
        .build(hs87("hs235", 0.04, &["equality"]).x(&[-1.0, 1.0, 0.0]))
}

/// HS248: `min −x₂` on the unit sphere and a half-space; `x* = (0.6, 0.8, 0)`, `f* = −0.8`.
pub fn hs248() -> TestProblem {
    Small::new(&[-0.1, -1.0, 0.1], |x| -x[1])
        .constraints(&[0.0, 0.0], &[INF, 0.0], |x, c| {
            c[0] = 1.0 - 2.0 * x[1] + x[0];
            c[1] = x[0].sq() + x[1].sq() + x[2].sq() - 1.0;
        })
        .build(hs87("hs248", -0.8, &["inequality", "equality"]).x(&[0.6, 0.8, 0.0]))
}

/// HS249: `min ‖x‖²` outside the unit cylinder with `x₁ ≥ 1`; `x* = (1, 0, 0)`, `f* = 1`.
pub fn hs249() -> TestProblem {
    Small::new(&[1.0, 1.0, 1.0], |x| x[0].sq() + x[1].sq() + x[2].sq())
        .bounds(&[1.0, -INF, -INF], &[INF; 3])
        .constraints(&[0.0], &[INF], |x, c| c[0] = x[0].sq() + x[1].sq() - 1.0)
        .build(hs87("hs249", 1.0, &["inequality", "bounds"]).x(&[1.0, 0.0, 0.0]))
}

/// HS254: `min log₁₀ x₃ − x₂` on a circle and a parabola; `x* = (0, √3, 1)`, `f* = −√3`.
pub fn hs254() -> TestProblem {
    Small::new(&[1.0, 1.0, 1.0], |x| x[2].ln() / std::f64::consts::LN_10 - x[1])
        .bounds(&[-INF, -INF, 1.0], &[INF; 3])
        .equalities(2, |x, c| {
            c[0] = x[1].sq() + x[2].sq() - 4.0;
            c[1] = x[2] - 1.0 - x[0].sq();
        })
        .build(hs87("hs254", -(3f64.sqrt()), &["equality", "bounds"]).x(&[0.0, 3f64.sqrt(), 1.0]))
}

/// HS262: a linear program with three inequalities and one equality; `x* = (0, 26/3, 0, 4/3)`,
/// `f* = −10`.
pub fn hs262() -> TestProblem {
    Small::new(&[1.0; 4], |x| -0.5 * x[0] - x[1] - 0.5 * x[2] - x[3])
        .bounds(&[0.0; 4], &[INF; 4])
        .constraints(&[0.0, 0.0, 0.0, 0.0], &[INF, INF, INF, 0.0], |x, c| {
            c[0] = 10.0 - x[0] - x[1] - x[2] - x[3];
            c[1] = 10.0 - 0.2 * x[0] - 0.5 * x[1] - x[2] - 2.0 * x[3];
            c[2] = 10.0 - 2.0 * x[0] - x[1] - 0.5 * x[2] - 0.2 * x[3];
            c[3] = x[0] + x[1] + x[2] - 2.0 * x[3] - 6.0;
        })
        .build(hs87("hs262", -10.0, &["inequality", "equality", "bounds", "lp"]).x(&[0.0, 26.0 / 3.0, 0.0, 4.0 / 3.0]))
}

/// HS263: HS219 with the two inequalities it implies added; `x* = (1, 1, 0, 0)`, `f* = −1`
/// (degenerate: dependent active gradients).
pub fn hs263() -> TestProblem {
    Small::new(&[10.0; 4], |x| -x[0])
        .constraints(&[0.0; 4], &[INF, INF, 0.0, 0.0], |x, c| {
            c[0] = x[1] - x[0].powi(3);
            c[1] = x[0].sq() - x[1];
            c[2] = x[1] - x[0].powi(3) - x[2].sq();
            c[3] = x[0].sq() - x[1] - x[3].sq();
        })
        .build(hs87("hs263", -1.0, &["inequality", "equality", "degenerate"]).x(&[1.0, 1.0, 0.0, 0.0]))
}

/// HS325: `min x₁² + x₂` on the circle of radius 3 with two inequalities. With the second
/// inequality and the circle active, `x₁ = 1 − x₂²` and `x₂⁴ − x₂² − 8 = 0`, so `x₂² = s =
/// (1 + √33)/2`, `x₂ = −√s`, `x₁ = 1 − s` and `f* = (1 − s)² − √s = 3.7913414`.
pub fn hs325() -> TestProblem {
    Small::new(&[-3.0, 0.0], |x| x[0].sq() + x[1])
        .constraints(&[0.0, 0.0, 0.0], &[INF, INF, 0.0], |x, c| {
            c[0] = -x[0] - x[1] + 1.0;
            c[1] = -x[0] - x[1].sq() + 1.0;
            c[2] = x[0].sq() + x[1].sq() - 9.0;
        })
        .build({
            let s = (1.0 + 33f64.sqrt()) / 2.0;
            hs87("hs325", (1.0 - s).powi(2) - s.sqrt(), &["inequality", "equality"]).x(&[1.0 - s, -s.sqrt()])
        })
}

/// HS394: `Σ i(xᵢ² + xᵢ⁴)` on the unit sphere, n = 20. With `sᵢ = xᵢ²`, stationarity gives
/// `i(1 + 2sᵢ) = λ` on the support; `s₁ = 5/6`, `s₂ = 1/6` (λ = 8/3 < 3 keeps the rest zero), so
/// `f* = 5/6 + 25/36 + 2(1/6 + 1/36) = 23/12`.
pub fn hs394() -> TestProblem {
    let mut xs = [0.0; 20];
    xs[0] = (5.0f64 / 6.0).sqrt();
    xs[1] = (1.0f64 / 6.0).sqrt();
    Small::new(&[2.0; 20], |x| x.iter().enumerate().map(|(i, &v)| (i + 1) as f64 * (v.sq() + v.powi(4))).sum())
        .equalities(1, |x, c| c[0] = x.iter().map(|v| v.sq()).sum::<HD>() - 1.0)
        .build(hs87("hs394", 23.0 / 12.0, &["equality"]).x(&xs))
}

/// The problems of this module, by name.
pub(crate) const ALL: &[NamedBuilder] = &[
    ("hs020", hs020),
    ("hs025", hs025),
    ("hs031", hs031),
    ("hs033", hs033),
    ("hs041", hs041),
    ("hs055", hs055),
    ("hs057", hs057),
    ("hs064", hs064),
    ("hs072", hs072),
    ("hs073", hs073),
    ("hs074", hs074),
    ("hs075", hs075),
    ("hs083", hs083),
    ("hs093", hs093),
    ("hs095", hs095),
    ("hs096", hs096),
    ("hs097", hs097),
    ("hs098", hs098),
    ("hs104", hs104),
    ("hs110", hs110),
    ("hs112", hs112),
    ("hs113", hs113),
    ("hs201", hs201),
    ("hs206", hs206),
    ("hs211", hs211),
    ("hs213", hs213),
    ("hs218", hs218),
    ("hs219", hs219),
    ("hs220", hs220),
    ("hs221", hs221),
    ("hs224", hs224),
    ("hs225", hs225),
    ("hs226", hs226),
    ("hs227", hs227),
    ("hs228", hs228),
    ("hs229", hs229),
    ("hs230", hs230),
    ("hs231", hs231),
    ("hs232", hs232),
    ("hs233", hs233),
    ("hs234", hs234),
    ("hs235", hs235),
    ("hs248", hs248),
    ("hs249", hs249),
    ("hs254", hs254),
    ("hs262", hs262),
    ("hs263", hs263),
    ("hs325", hs325),
    ("hs394", hs394),
];
