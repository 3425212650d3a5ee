//! Degenerate and pathological problems with an expected outcome: rank-deficient constraints,
//! failing constraint qualifications, infeasible and unbounded problems. They check that a solver
//! reports honestly instead of claiming success.

use crate::problem_def::{NamedBuilder, INF, Oracle, Small, TestProblem};

const SRC: &str = "constructed for ipax (closed-form solutions derived in the doc comments)";

fn deg(o: Oracle) -> Oracle {
    o.source(SRC).tags(&["degenerate"])
}

/// `min (x₁−1)² + (x₂−2)²  s.t.  x₁ + x₂ = 1,  2x₁ + 2x₂ = 2`: the second equality duplicates the
/// first, so the constraint Jacobian has rank 1 < m = 2. Projection of `(1, 2)` onto the line gives
/// `x* = (0, 1)`, `f* = 2`; multipliers exist but are not unique.
pub fn dup_equality() -> TestProblem {
    Small::new(&[3.0, -1.0], |x| (x[0] - 1.0).sq() + (x[1] - 2.0).sq())
        .equalities(2, |x, c| {
            c[0] = x[0] + x[1] - 1.0;
            c[1] = 2.0 * x[0] + 2.0 * x[1] - 2.0;
        })
        .build(deg(Oracle::optimal("dup_equality", 2.0).x(&[0.0, 1.0]).tags(&["equality", "rank-deficient"])))
}

/// `min x₁ + (x₂−1)²  s.t.  x₁² = 0`: the only feasible `x₁` is 0, where the constraint gradient
/// vanishes; `∇f = (1, 0)` is not in the span of the active gradients, so no KKT point exists
/// (LICQ and MFCQ fail). `x* = (0, 1)`, `f* = 0`.
pub fn licq_fail() -> TestProblem {
    Small::new(&[1.0, 0.0], |x| x[0] + (x[1] - 1.0).sq())
        .equalities(1, |x, c| c[0] = x[0].sq())
        .build(
            deg(Oracle::optimal("licq_fail", 0.0).x(&[0.0, 1.0]).tags(&["equality"]))
                .no_kkt()
                .notes("no Lagrange multipliers exist; expect slow (sublinear) convergence"),
        )
}

/// `min x₁² + (x₂+1)²  s.t.  x ≥ 0`: at `x* = (0, 0)` the bound on `x₁` is active with a zero
/// multiplier (strict complementarity fails); the bound on `x₂` has multiplier 2. `f* = 1`.
pub fn weak_complementarity() -> TestProblem {
    Small::new(&[1.0, 1.0], |x| x[0].sq() + (x[1] + 1.0).sq())
        .bounds(&[0.0, 0.0], &[INF, INF])
        .build(deg(Oracle::optimal("weak_complementarity", 1.0).x(&[0.0, 0.0]).tags(&["bounds"])))
}

/// Three consistent equalities in two unknowns: `x₁² + x₂² = 2`, `x₁ = x₂`, `x₁x₂ = 1`, whose common
/// solutions are `±(1, 1)`; the objective `(x₁−2)² + (x₂−½)²` picks `x* = (1, 1)` with `f* = 1.25`.
pub fn overdetermined() -> TestProblem {
    Small::new(&[2.0, 0.5], |x| (x[0] - 2.0).sq() + (x[1] - 0.5).sq())
        .equalities(3, |x, c| {
            c[0] = x[0].sq() + x[1].sq() - 2.0;
            c[1] = x[0] - x[1];
            c[2] = x[0] * x[1] - 1.0;
        })
        .build(deg(Oracle::optimal("overdetermined", 1.25).x(&[1.0, 1.0]).tags(&["equality", "rank-deficient"])))
}

/// `min x₁ + x₂  s.t.  x₁² + x₂² + 1 ≤ 0`: no real point satisfies the constraint.
pub fn infeasible_quadratic() -> TestProblem {
    Small::new(&[1.0, 1.0], |x| x[0] + x[1])
        .constraints(&[-INF], &[0.0], |x, c| c[0] = x[0].sq() + x[1].sq() + 1.0)
        .build(deg(Oracle::infeasible("infeasible_quadratic").tags(&["inequality", "infeasible"])))
}

/// `min x₁² + x₂²  s.t.  x₁ + x₂ ≥ 3,  x₁ + x₂ ≤ 1`: contradictory linear inequalities.
pub fn infeasible_linear() -> TestProblem {
    Small::new(&[0.0, 0.0], |x| x[0].sq() + x[1].sq())
        .constraints(&[3.0, -INF], &[INF, 1.0], |x, c| {
            c[0] = x[0] + x[1];
            c[1] = x[0] + x[1];
        })
        .build(deg(Oracle::infeasible("infeasible_linear").tags(&["inequality", "infeasible"])))
}

/// `min −x₁ + x₂²  s.t.  x ≥ 0`: `x₁` may grow without bound.
pub fn unbounded_linear() -> TestProblem {
    Small::new(&[1.0, 1.0], |x| -x[0] + x[1].sq())
        .bounds(&[0.0, 0.0], &[INF, INF])
        .build(deg(Oracle::unbounded("unbounded_linear").tags(&["bounds", "unbounded"])))
}

/// All problems of this module, by registry name.
pub(crate) const ALL: &[NamedBuilder] = &[
    ("dup_equality", dup_equality),
    ("licq_fail", licq_fail),
    ("weak_complementarity", weak_complementarity),
    ("overdetermined", overdetermined),
    ("infeasible_quadratic", infeasible_quadratic),
    ("infeasible_linear", infeasible_linear),
    ("unbounded_linear", unbounded_linear),
];
