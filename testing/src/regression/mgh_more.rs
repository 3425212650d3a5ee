//! More Moré–Garbow–Hillstrom least-squares problems, beyond those of [`crate::unconstrained`].
//!
//! J. J. Moré, B. S. Garbow and K. E. Hillstrom, "Testing unconstrained optimization software",
//! ACM TOMS 7(1):17–41, 1981 (problem numbers in parentheses). Each objective is `Σ fᵢ(x)²` with
//! the paper's residuals, dimensions and standard starting point; `f*` is the paper's printed
//! value (closed forms where the paper gives them). Data tables are the paper's.

use crate::ad::HD;
use crate::problem_def::{NamedBuilder, Oracle, Small, TestProblem};

const MGH: &str = "Moré, Garbow & Hillstrom, ACM TOMS 7(1):17-41 (1981)";

fn mgh(name: &str, f_star: f64) -> Oracle {
    Oracle::optimal(name, f_star).source(MGH).tags(&["mgh", "unconstrained", "least-squares", "regression"])
}

fn sum_sq(it: impl Iterator<Item = HD>) -> HD {
    it.map(|r| r.sq()).sum()
}

/// (10) Meyer: a badly scaled exponential fit, `f* = 87.9458`.
pub fn meyer() -> TestProblem {
    Small::new(&[0.02, 4000.0, 250.0], |x| {
        const Y: [f64; 16] = [
            34780., 28610., 23650., 19630., 16370., 13720., 11540., 9744., 8261., 7030., 6005., 5147., 4427., 3820.,
            3307., 2872.,
        ];
        sum_sq((0..16).map(|i| {
            let t = 45.0 + 5.0 * (i + 1) as f64;
            x[0] * (x[1] / (t + x[2])).exp() - Y[i]
        }))
    })
    .build(mgh("meyer", 87.9458).tags(&["badly-scaled"]))
}

/// (15) Kowalik and Osborne: rational fit of 11 points, `f* = 3.07505e-4`.
pub fn kowalik_osborne() -> TestProblem {
    Small::new(&[0.25, 0.39, 0.415, 0.39], |x| {
        const Y: [f64; 11] = [0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323, 0.0235, 0.0246];
        const U: [f64; 11] = [4.0, 2.0, 1.0, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625];
        sum_sq((0..11).map(|i| {
            let u = U[i];
            Y[i] - x[0] * (u * u + u * x[1]) / (u * u + u * x[2] + x[3])
        }))
    })
    .build(mgh("kowalik_osborne", 3.07505e-4))
}

/// (17) Osborne 1: two exponentials plus a constant, 33 points, `f* = 5.46489e-5`.
pub fn osborne1() -> TestProblem {
    Small::new(&[0.5, 1.5, -1.0, 0.01, 0.02], |x| {
        const Y: [f64; 33] = [
            0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784, 0.751, 0.718, 0.685, 0.658, 0.628,
            0.603, 0.580, 0.558, 0.538, 0.522, 0.506, 0.490, 0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.420,
            0.414, 0.411, 0.406,
        ];
        sum_sq((0..33).map(|i| {
            let t = 10.0 * i as f64;
            Y[i] - (x[0] + x[1] * (-t * x[3]).exp() + x[2] * (-t * x[4]).exp())
        }))
    })
    .build(mgh("osborne1", 5.46489e-5))
}

/// (18) Biggs EXP6: a zero-residual sum of exponentials, `f* = 0` at `(1, 10, 1, 5, 4, 3)`; the
/// paper also lists the local minimum `f = 5.65565e-3`.
pub fn biggs_exp6() -> TestProblem {
    Small::new(&[1.0, 2.0, 1.0, 1.0, 1.0, 1.0], |x| {
        sum_sq((1..=13).map(|i| {
            let t = 0.1 * i as f64;
            let y = (-t).exp() - 5.0 * (-10.0 * t).exp() + 3.0 * (-4.0 * t).exp();
            x[2] * (-t * x[0]).exp() - x[3] * (-t * x[1]).exp() + x[5] * (-t * x[4]).exp() - y
        }))
    })
    .build(mgh("biggs_exp6", 0.0).x(&[1.0, 10.0, 1.0, 5.0, 4.0, 3.0]))
}

/// (19) Osborne 2: four Gaussians-and-exponential fit of 65 points, `f* = 4.01377e-2`.
pub fn osborne2() -> TestProblem {
    Small::new(&[1.3, 0.65, 0.65, 0.7, 0.6, 3.0, 5.0, 7.0, 2.0, 4.5, 5.5], |x| {
        const Y: [f64; 65] = [
            1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725, 0.746, 0.679, 0.608, 0.655, 0.616,
            0.606, 0.602, 0.626, 0.651, 0.724, 0.649, 0.649, 0.694, 0.644, 0.624, 0.661, 0.612, 0.558, 0.533, 0.495,
            0.500, 0.423, 0.395, 0.375, 0.372, 0.391, 0.396, 0.405, 0.428, 0.429, 0.523, 0.562, 0.607, 0.653, 0.672,
            0.708, 0.633, 0.668, 0.645, 0.632, 0.591, 0.559, 0.597, 0.625, 0.739, 0.710, 0.729, 0.720, 0.636, 0.581,
            0.428, 0.292, 0.162, 0.098, 0.054,
        ];
        sum_sq((0..65).map(|i| {
            let t = 0.1 * i as f64;
            Y[i] - (x[0] * (-t * x[4]).exp()
                + x[1] * (-(t - x[8]).sq() * x[5]).exp()
                + x[2] * (-(t - x[9]).sq() * x[6]).exp()
                + x[3] * (-(t - x[10]).sq() * x[7]).exp())
        }))
    })
    .build(mgh("osborne2", 4.01377e-2))
}

/// Watson's residuals for `x.len()` variables (m = 31).
fn watson_f(x: &[HD]) -> HD {
    let mut s = HD::cst(0.0);
    for i in 1..=29 {
        let t = i as f64 / 29.0;
        let mut d = HD::cst(0.0);
        let mut p = HD::cst(0.0);
        for (j, &xj) in x.iter().enumerate() {
            if j >= 1 {
                d += j as f64 * t.powi(j as i32 - 1) * xj;
            }
            p += t.powi(j as i32) * xj;
        }
        s += (d - p.sq() - 1.0).sq();
    }
    s + x[0].sq() + (x[1] - x[0].sq() - 1.0).sq()
}

/// (20) Watson, n = 6: polynomial fit of an ODE solution, `f* = 2.28767e-3`.
pub fn watson6() -> TestProblem {
    Small::new(&[0.0; 6], watson_f).build(mgh("watson6", 2.28767e-3))
}

/// (20) Watson, n = 9: `f* = 1.39976e-6` (ill-conditioned).
pub fn watson9() -> TestProblem {
    Small::new(&[0.0; 9], watson_f).build(mgh("watson9", 1.39976e-6).tags(&["badly-scaled"]))
}

/// (23) Penalty function I, n = 4: `f* = 2.24997e-5`.
pub fn penalty1() -> TestProblem {
    Small::new(&[1.0, 2.0, 3.0, 4.0], |x| {
        let a = 1e-5f64.sqrt();
        sum_sq(x.iter().map(|&v| a * (v - 1.0))) + (x.iter().map(|v| v.sq()).sum::<HD>() - 0.25).sq()
    })
    .build(mgh("penalty1", 2.24997e-5))
}

/// (24) Penalty function II, n = 4: `f* = 9.37629e-6`.
pub fn penalty2() -> TestProblem {
    Small::new(&[0.5; 4], |x| {
        let n = x.len();
        let a = 1e-5f64.sqrt();
        let e = |v: HD| (v / 10.0).exp();
        let mut s = (x[0] - 0.2).sq();
        for i in 1..n {
            let y = ((i + 1) as f64 / 10.0).exp() + (i as f64 / 10.0).exp();
            s += (a * (e(x[i]) + e(x[i - 1]) - y)).sq();
        }
        for &xi in &x[1..] {
            s += (a * (e(xi) - (-0.1f64).exp())).sq();
        }
        let w: HD = (0..n).map(|j| (n - j) as f64 * x[j].sq()).sum();
        s + (w - 1.0).sq()
    })
    .build(mgh("penalty2", 9.37629e-6))
}

/// (25) Variably dimensioned, n = 10: `f* = 0` at all ones.
pub fn variably_dimensioned() -> TestProblem {
    let x0: Vec<f64> = (1..=10).map(|j| 1.0 - j as f64 / 10.0).collect();
    Small::new(&x0, |x| {
        let s: HD = x.iter().enumerate().map(|(j, &v)| (j + 1) as f64 * (v - 1.0)).sum();
        sum_sq(x.iter().map(|&v| v - 1.0)) + s.sq() + s.sq().sq()
    })
    .build(mgh("variably_dimensioned", 0.0).x(&[1.0; 10]))
}

/// (26) Trigonometric, n = 10: `f* = 0`; the local minimum `2.79506e-5` attracts Newton methods.
pub fn trigonometric() -> TestProblem {
    Small::new(&[0.1; 10], |x| {
        let n = x.len() as f64;
        let sc: HD = x.iter().map(|v| v.cos()).sum();
        sum_sq(x.iter().enumerate().map(|(i, &v)| n - sc + (i + 1) as f64 * (1.0 - v.cos()) - v.sin()))
    })
    .build(mgh("trigonometric", 0.0))
}

/// (27) Brown almost-linear, n = 10: `f* = 0` at all ones (also `f = 1` at other points).
pub fn brown_almost_linear() -> TestProblem {
    Small::new(&[0.5; 10], |x| {
        let n = x.len();
        let s: HD = x.iter().copied().sum();
        let mut p = HD::cst(1.0);
        for &v in x {
            p *= v;
        }
        sum_sq(x[..n - 1].iter().map(|&v| v + s - (n + 1) as f64)) + (p - 1.0).sq()
    })
    .build(mgh("brown_almost_linear", 0.0).x(&[1.0; 10]))
}

/// The discrete boundary-value residuals (28) for `n = x.len()`, `h = 1/(n+1)`.
pub(crate) fn discrete_bv_residual(x: &[HD], i: usize) -> HD {
    let n = x.len();
    let h = 1.0 / (n + 1) as f64;
    let t = (i + 1) as f64 * h;
    let prev = if i > 0 { x[i - 1] } else { HD::cst(0.0) };
    let next = if i + 1 < n { x[i + 1] } else { HD::cst(0.0) };
    2.0 * x[i] - prev - next + 0.5 * h * h * (x[i] + t + 1.0).powi(3)
}

/// Standard start of problems (28) and (29): `tⱼ(tⱼ − 1)`.
pub(crate) fn bv_start(n: usize) -> Vec<f64> {
    let h = 1.0 / (n + 1) as f64;
    (1..=n).map(|j| j as f64 * h * (j as f64 * h - 1.0)).collect()
}

/// (28) Discrete boundary value, n = 10: `f* = 0`.
pub fn discrete_bv() -> TestProblem {
    Small::new(&bv_start(10), |x| sum_sq((0..x.len()).map(|i| discrete_bv_residual(x, i))))
        .build(mgh("discrete_bv", 0.0))
}

/// The discrete integral-equation residuals (29).
pub(crate) fn discrete_ie_residual(x: &[HD], i: usize) -> HD {
    let n = x.len();
    let h = 1.0 / (n + 1) as f64;
    let t = |j: usize| (j + 1) as f64 * h;
    let cube = |j: usize| (x[j] + t(j) + 1.0).powi(3);
    let lo: HD = (0..=i).map(|j| t(j) * cube(j)).sum();
    let hi: HD = (i + 1..n).map(|j| (1.0 - t(j)) * cube(j)).sum();
    x[i] + 0.5 * h * ((1.0 - t(i)) * lo + t(i) * hi)
}

/// (29) Discrete integral equation, n = 10: `f* = 0`.
pub fn discrete_ie() -> TestProblem {
    Small::new(&bv_start(10), |x| sum_sq((0..x.len()).map(|i| discrete_ie_residual(x, i))))
        .build(mgh("discrete_ie", 0.0))
}

/// Broyden tridiagonal residual (30).
pub(crate) fn broyden_tri_residual(x: &[HD], i: usize) -> HD {
    let prev = if i > 0 { x[i - 1] } else { HD::cst(0.0) };
    let next = if i + 1 < x.len() { x[i + 1] } else { HD::cst(0.0) };
    (3.0 - 2.0 * x[i]) * x[i] - prev - 2.0 * next + 1.0
}

/// (30) Broyden tridiagonal, n = 10: `f* = 0`.
pub fn broyden_tridiagonal() -> TestProblem {
    Small::new(&[-1.0; 10], |x| sum_sq((0..x.len()).map(|i| broyden_tri_residual(x, i))))
        .build(mgh("broyden_tridiagonal", 0.0))
}

/// Broyden banded residual (31), lower bandwidth 5, upper 1.
pub(crate) fn broyden_banded_residual(x: &[HD], i: usize) -> HD {
    let n = x.len();
    let lo = i.saturating_sub(5);
    let hi = (i + 1).min(n - 1);
    let s: HD = (lo..=hi).filter(|&j| j != i).map(|j| x[j] * (1.0 + x[j])).sum();
    x[i] * (2.0 + 5.0 * x[i].sq()) + 1.0 - s
}

/// (31) Broyden banded, n = 10: `f* = 0`.
pub fn broyden_banded() -> TestProblem {
    Small::new(&[-1.0; 10], |x| sum_sq((0..x.len()).map(|i| broyden_banded_residual(x, i))))
        .build(mgh("broyden_banded", 0.0))
}

/// (32) Linear function, full rank, n = 5, m = 10: `f* = m − n = 5` at `x = −1`.
pub fn linear_full_rank() -> TestProblem {
    Small::new(&[1.0; 5], |x| {
        let m = 10;
        let s: HD = x.iter().copied().sum();
        let c = s * (2.0 / m as f64) + 1.0;
        sum_sq(x.iter().map(|&v| v - c)) + (m - x.len()) as f64 * c.sq()
    })
    .build(mgh("linear_full_rank", 5.0).x(&[-1.0; 5]).tags(&["qp"]))
}

/// (33) Linear function, rank 1, n = 5, m = 10: `f* = m(m−1)/(2(2m+1)) = 15/7` on a
/// hyperplane of minimizers (singular Hessian).
pub fn linear_rank1() -> TestProblem {
    Small::new(&[1.0; 5], |x| {
        let s: HD = x.iter().enumerate().map(|(j, &v)| (j + 1) as f64 * v).sum();
        sum_sq((1..=10).map(|i| i as f64 * s - 1.0))
    })
    .build(mgh("linear_rank1", 90.0 / 42.0).tags(&["qp", "degenerate"]))
}

/// (34) Linear function, rank 1 with zero columns and rows, n = 5, m = 10:
/// `f* = (m² + 3m − 6)/(2(2m − 3)) = 62/17`.
pub fn linear_rank1_zero() -> TestProblem {
    Small::new(&[1.0; 5], |x| {
        let n = x.len();
        let s: HD = (1..n - 1).map(|j| (j + 1) as f64 * x[j]).sum();
        2.0 + sum_sq((2..=9).map(|i| (i - 1) as f64 * s - 1.0))
    })
    .build(mgh("linear_rank1_zero", 124.0 / 34.0).tags(&["qp", "degenerate"]))
}

/// (35) Chebyquad, n = m = 8: `f* = 3.51687e-3`.
pub fn chebyquad() -> TestProblem {
    let x0: Vec<f64> = (1..=8).map(|j| j as f64 / 9.0).collect();
    Small::new(&x0, |x| {
        let n = x.len();
        let mut s = HD::cst(0.0);
        for i in 1..=n {
            // Mean of the shifted Chebyshev polynomial T_i(2x − 1) minus its integral over [0, 1].
            let mut mean = HD::cst(0.0);
            for &v in x {
                let y = 2.0 * v - 1.0;
                let (mut t0, mut t1) = (HD::cst(1.0), y);
                for _ in 1..i {
                    let t2 = 2.0 * y * t1 - t0;
                    t0 = t1;
                    t1 = t2;
                }
                mean += t1;
            }
            let integral = if i % 2 == 0 { -1.0 / ((i * i) as f64 - 1.0) } else { 0.0 };
            s += (mean / n as f64 - integral).sq();
        }
        s
    })
    .build(mgh("chebyquad", 3.51687e-3))
}

/// The problems of this module, by name.
pub(crate) const ALL: &[NamedBuilder] = &[
    ("meyer", meyer),
    ("kowalik_osborne", kowalik_osborne),
    ("osborne1", osborne1),
    ("biggs_exp6", biggs_exp6),
    ("osborne2", osborne2),
    ("watson6", watson6),
    ("watson9", watson9),
    ("penalty1", penalty1),
    ("penalty2", penalty2),
    ("variably_dimensioned", variably_dimensioned),
    ("trigonometric", trigonometric),
    ("brown_almost_linear", brown_almost_linear),
    ("discrete_bv", discrete_bv),
    ("discrete_ie", discrete_ie),
    ("broyden_tridiagonal", broyden_tridiagonal),
    ("broyden_banded", broyden_banded),
    ("linear_full_rank", linear_full_rank),
    ("linear_rank1", linear_rank1),
    ("linear_rank1_zero", linear_rank1_zero),
    ("chebyquad", chebyquad),
];
