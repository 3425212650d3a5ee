//! Degenerate and MPCC-like problems (complementarity written as `x ≥ 0, y ≥ 0, x·y ≤ 0` or
//! `x·y = 0`, so no feasible point satisfies MFCQ), with closed-form solutions derived in each doc
//! comment. `ralph2` and `bard1` are from the MacMPEC collection (S. Leyffer, 2000; D. Ralph and
//! S. J. Wright, "Some properties of regularization and penalization schemes for MPECs", Optim.
//! Methods Softw. 19, 2004; J. F. Bard, *Practical Bilevel Optimization*, Kluwer 1998); the others
//! are constructed for ipax.

use crate::problem_def::{INF, NamedBuilder, Oracle, Small, TestProblem};

const OWN: &str = "constructed for ipax (closed-form solution derived in the doc comment)";
const MACMPEC: &str = "MacMPEC (Leyffer 2000); Ralph & Wright, Optim. Methods Softw. 19 (2004)";
const BARD: &str = "MacMPEC bard1 (Leyffer 2000), from Bard, Practical Bilevel Optimization (1998)";

fn mpcc(name: &str, f_star: f64, source: &'static str) -> Oracle {
    Oracle::optimal(name, f_star).source(source).tags(&["mpcc", "degenerate", "inequality", "bounds", "regression"])
}

fn deg(name: &str, f_star: f64) -> Oracle {
    Oracle::optimal(name, f_star).source(OWN).tags(&["degenerate", "regression"])
}

/// `min (x−1)² + (y−1)²  s.t.  x, y ≥ 0,  x·y ≤ 0`: the feasible set is the two half-axes; the
/// projections of `(1, 1)` onto them give `f* = 1` at `(1, 0)` or `(0, 1)`.
pub fn mpcc_corner() -> TestProblem {
    Small::new(&[2.0, 0.5], |x| (x[0] - 1.0).sq() + (x[1] - 1.0).sq())
        .bounds(&[0.0, 0.0], &[INF, INF])
        .constraints(&[-INF], &[0.0], |x, c| c[0] = x[0] * x[1])
        .build(mpcc("mpcc_corner", 1.0, OWN))
}

/// MacMPEC `ralph2`: `min x² + y² − 4xy  s.t.  0 ≤ x ⊥ y ≥ 0`. On either axis `f` is a square, so
/// `f* = 0` at the origin (biactive, B-stationary), although `f` is indefinite.
pub fn ralph2() -> TestProblem {
    Small::new(&[1.0, 0.5], |x| x[0].sq() + x[1].sq() - 4.0 * x[0] * x[1])
        .bounds(&[0.0, 0.0], &[INF, INF])
        .constraints(&[-INF], &[0.0], |x, c| c[0] = x[0] * x[1])
        .build(mpcc("ralph2", 0.0, MACMPEC).x(&[0.0, 0.0]))
}

/// `min (x−1)² + (y−2)²  s.t.  x, y ≥ 0,  x·y = 0` (complementarity as an equality): the global
/// minimum is `f* = 1` at `(0, 2)`; `(1, 0)` with `f = 4` is a local one.
pub fn mpcc_eq() -> TestProblem {
    Small::new(&[0.5, 1.5], |x| (x[0] - 1.0).sq() + (x[1] - 2.0).sq())
        .bounds(&[0.0, 0.0], &[INF, INF])
        .equalities(1, |x, c| c[0] = x[0] * x[1])
        .build(mpcc("mpcc_eq", 1.0, OWN).x(&[0.0, 2.0]).tags(&["equality"]))
}

/// `min (x+1)² + (y+1)²  s.t.  0 ≤ x ⊥ y ≥ 0`: the unconstrained minimizer lies in the negative
/// quadrant, so `x* = (0, 0)` with both bounds active (strongly stationary, bound multipliers 2)
/// and `f* = 2`.
pub fn mpcc_biactive() -> TestProblem {
    Small::new(&[1.0, 1.0], |x| (x[0] + 1.0).sq() + (x[1] + 1.0).sq())
        .bounds(&[0.0, 0.0], &[INF, INF])
        .constraints(&[-INF], &[0.0], |x, c| c[0] = x[0] * x[1])
        .build(mpcc("mpcc_biactive", 2.0, OWN).x(&[0.0, 0.0]))
}

/// MacMPEC `bard1`, a bilevel program with the follower replaced by its KKT conditions:
/// `min (x−5)² + (2y+1)²` over `x, y ≥ 0`, multipliers `l ≥ 0` and slacks `s ≥ 0` with
/// `2(y−1) − 1.5x + l₁ − 0.5l₂ + l₃ = 0`, `s = (3x − y − 3, −x + 0.5y + 4, −x − y + 7)`,
/// `sᵢ·lᵢ ≤ 0`. `f* = 17` at `x = 1, y = 0, l = (3.5, 0, 0), s = (0, 3, 6)`.
/// Variables: `(x, y, l₁, l₂, l₃, s₁, s₂, s₃)`.
pub fn bard1() -> TestProblem {
    Small::new(&[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], |x| (x[0] - 5.0).sq() + (2.0 * x[1] + 1.0).sq())
        .bounds(&[0.0; 8], &[INF; 8])
        .constraints(&[0.0, 0.0, 0.0, 0.0, -INF, -INF, -INF], &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], |x, c| {
            c[0] = 2.0 * (x[1] - 1.0) - 1.5 * x[0] + x[2] - 0.5 * x[3] + x[4];
            c[1] = x[5] - (3.0 * x[0] - x[1] - 3.0);
            c[2] = x[6] - (-x[0] + 0.5 * x[1] + 4.0);
            c[3] = x[7] - (-x[0] - x[1] + 7.0);
            c[4] = x[5] * x[2];
            c[5] = x[6] * x[3];
            c[6] = x[7] * x[4];
        })
        .build(mpcc("bard1", 17.0, BARD).x(&[1.0, 0.0, 3.5, 0.0, 0.0, 0.0, 3.0, 6.0]).tags(&["equality"]))
}

/// `min x  s.t.  x² ≤ 0`: the feasible set is `{0}` and has no interior; `∇(x²) = 0` there, so no
/// KKT point exists. Feasibility to ε = 1e-8 allows `|x| ≤ 1e-4`, so `f* = 0` is certifiable only
/// to 1e-4 (absolute) by any solver.
pub fn empty_interior() -> TestProblem {
    Small::new(&[1.0], |x| x[0])
        .constraints(&[-INF], &[0.0], |x, c| c[0] = x[0].sq())
        .build(deg("empty_interior", 0.0).x(&[0.0]).no_kkt().objective_tolerance(1e-4).tags(&["inequality"]))
}

/// `min x₁  s.t.  x₂ ≥ x₁²,  x₂ ≤ −x₁²`: two tangent parabolas meet only at the origin; the active
/// gradients `(0, ±1)` cannot balance `∇f = (1, 0)`, so no KKT point exists. `f* = 0`; feasibility
/// to 1e-8 allows `|x₁| ≤ 1e-4` (see [`empty_interior`]).
pub fn single_point() -> TestProblem {
    Small::new(&[1.0, 1.0], |x| x[0])
        .constraints(&[0.0, 0.0], &[INF, INF], |x, c| {
            c[0] = x[1] - x[0].sq();
            c[1] = -x[1] - x[0].sq();
        })
        .build(deg("single_point", 0.0).x(&[0.0, 0.0]).no_kkt().objective_tolerance(1e-4).tags(&["inequality"]))
}

/// `min −x₁ − x₂  s.t.  x₁ + x₂ ≤ 2,  x₁ − x₂ ≤ 0,  x ≤ 1`: at `x* = (1, 1)` four constraints are
/// active in two dimensions (a degenerate vertex); `f* = −2`.
pub fn degenerate_vertex() -> TestProblem {
    Small::new(&[0.0, 0.5], |x| -x[0] - x[1])
        .bounds(&[-INF, -INF], &[1.0, 1.0])
        .constraints(&[-INF, -INF], &[2.0, 0.0], |x, c| {
            c[0] = x[0] + x[1];
            c[1] = x[0] - x[1];
        })
        .build(deg("degenerate_vertex", -2.0).x(&[1.0, 1.0]).tags(&["inequality", "bounds", "lp"]))
}

/// `min x₁ + x₂  s.t.  x₁ + x₂ ≥ 1,  x ≥ 0`: a whole edge of minimizers, `f* = 1`.
pub fn nonunique_lp() -> TestProblem {
    Small::new(&[2.0, 3.0], |x| x[0] + x[1])
        .bounds(&[0.0, 0.0], &[INF, INF])
        .constraints(&[1.0], &[INF], |x, c| c[0] = x[0] + x[1])
        .build(deg("nonunique_lp", 1.0).tags(&["inequality", "bounds", "lp"]))
}

/// `min x₁⁴ + x₂⁴  s.t.  x₁ + x₂ ≥ 0`: `x* = 0`, the constraint is active with a zero multiplier and
/// the Hessian vanishes there; `f* = 0`.
pub fn quartic_zero_multiplier() -> TestProblem {
    Small::new(&[1.0, 2.0], |x| x[0].powi(4) + x[1].powi(4))
        .constraints(&[0.0], &[INF], |x, c| c[0] = x[0] + x[1])
        .build(deg("quartic_zero_multiplier", 0.0).x(&[0.0, 0.0]).tags(&["inequality"]))
}

/// `min x₁ + x₂  s.t.  x₁² + x₂² = 2` stated twice (rank-deficient Jacobian everywhere);
/// `x* = (−1, −1)`, `f* = −2`.
pub fn dup_circle() -> TestProblem {
    Small::new(&[1.0, 0.5], |x| x[0] + x[1])
        .equalities(2, |x, c| {
            c[0] = x[0].sq() + x[1].sq() - 2.0;
            c[1] = 2.0 * (x[0].sq() + x[1].sq()) - 4.0;
        })
        .build(deg("dup_circle", -2.0).x(&[-1.0, -1.0]).tags(&["equality", "rank-deficient"]))
}

/// `min (x₁² + x₂² − 1)²`: every point of the unit circle is a (non-isolated) minimizer, `f* = 0`.
pub fn circle_of_minima() -> TestProblem {
    Small::new(&[2.0, 1.0], |x| (x[0].sq() + x[1].sq() - 1.0).sq())
        .build(deg("circle_of_minima", 0.0).x(&[1.0, 0.0]).tags(&["unconstrained"]))
}

/// `min (x₁−1)² + (x₂−1)²  s.t.  x₁² + x₂² ≤ 2`: the minimizer `(1, 1)` lies on the boundary with a
/// zero multiplier (strict complementarity fails); `f* = 0`.
pub fn weakly_active_disc() -> TestProblem {
    Small::new(&[0.0, 0.0], |x| (x[0] - 1.0).sq() + (x[1] - 1.0).sq())
        .constraints(&[-INF], &[2.0], |x, c| c[0] = x[0].sq() + x[1].sq())
        .build(deg("weakly_active_disc", 0.0).x(&[1.0, 1.0]).tags(&["inequality"]))
}

/// The problems of this module, by name.
pub(crate) const ALL: &[NamedBuilder] = &[
    ("mpcc_corner", mpcc_corner),
    ("ralph2", ralph2),
    ("mpcc_eq", mpcc_eq),
    ("mpcc_biactive", mpcc_biactive),
    ("bard1", bard1),
    ("empty_interior", empty_interior),
    ("single_point", single_point),
    ("degenerate_vertex", degenerate_vertex),
    ("nonunique_lp", nonunique_lp),
    ("quartic_zero_multiplier", quartic_zero_multiplier),
    ("dup_circle", dup_circle),
    ("circle_of_minima", circle_of_minima),
    ("weakly_active_disc", weakly_active_disc),
];
