//! A CUTEst-class regression set of small problems with published optima.
//!
//! The set is every fixed-size problem of the [registry](crate::registry) (Hock–Schittkowski,
//! Moré–Garbow–Hillstrom, degenerate) plus the problems of this module, grouped by source:
//! - [`hs_more`]: more Hock–Schittkowski problems (1981 and 1987 collections);
//! - [`mgh_more`]: more Moré–Garbow–Hillstrom least-squares problems;
//! - [`equations`]: nonlinear-equation systems as feasibility problems, square and with `m > n`;
//! - [`mpcc`]: degenerate and MPCC-like problems;
//! - [`bounds`]: bound-constrained problems.
//!
//! Each problem carries its optimum and a citation in its [`Oracle`]. The problems of this module
//! are not in the registry (the registry's oracle table is checked separately); look them up with
//! [`get`], which also finds registry problems, and list the whole set with [`names`].
//!
//! ```
//! let names = ipax_testing::regression::names();
//! assert!(names.len() >= 150);
//! let p = ipax_testing::regression::get("hs394").unwrap();
//! assert_eq!(p.oracle().f_star, Some(23.0 / 12.0));
//! ```

pub mod bounds;
pub mod equations;
pub mod hs_more;
pub mod mgh_more;
pub mod mpcc;

use crate::problem_def::{Oracle, TestProblem};
use crate::registry::{self, RegistryError};

/// The problems added by this module (not in the registry), in a stable order.
fn added() -> impl Iterator<Item = &'static (&'static str, fn() -> TestProblem)> {
    hs_more::ALL.iter().chain(mgh_more::ALL).chain(equations::ALL).chain(mpcc::ALL).chain(bounds::ALL)
}

/// Names of the problems this module adds (not in the registry).
pub fn added_names() -> Vec<&'static str> {
    added().map(|&(n, _)| n).collect()
}

/// Names of the whole regression set: the registry's fixed-size problems, then this module's.
pub fn names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> =
        registry::registry().into_iter().filter(|e| !e.is_scalable()).map(|e| e.name).collect();
    v.extend(added_names());
    v
}

/// Build the regression problem called `name` (this module's first, then the registry's
/// fixed-size problems; lookups are case-insensitive).
pub fn get(name: &str) -> Result<TestProblem, RegistryError> {
    let key = name.trim().to_ascii_lowercase();
    if let Some(&(_, build)) = added().find(|&&(n, _)| n == key) {
        return Ok(build());
    }
    match registry::entry(name) {
        Some(e) if !e.is_scalable() => Ok(e.build_default()),
        _ => Err(RegistryError::UnknownProblem { name: name.to_string(), suggestions: Vec::new() }),
    }
}

/// Other local minima that Newton-type methods reach from the standard starting point, documented
/// in the problems' sources (a run ending at one of these values is a correct local solve).
pub const OTHER_LOCAL_MINIMA: &[(&str, f64)] = &[
    ("hs002", 4.941229340557),                   // Hock & Schittkowski (1981): x1 ≈ −1.22, x2 = 1.5
    ("hs016", 23.14466093422),                   // the x1 = −0.5 branch of HS16
    ("hs044", -13.0),                            // a vertex local minimum of the HS44 QP
    ("hs108", -0.6749814346),                    // a known local solution of HS108
    ("freudenstein_roth", 48.98425367924),       // Moré, Garbow & Hillstrom (1981)
    ("biggs_exp6", 5.65565e-3),                  // Moré, Garbow & Hillstrom (1981)
    ("trigonometric", 2.79506e-5),               // Moré, Garbow & Hillstrom (1981), n = 10
    ("brown_almost_linear", 1.0),                // Moré, Garbow & Hillstrom (1981)
    ("mpcc_eq", 4.0),                            // the (1, 0) branch, see mpcc::mpcc_eq
    ("hs020", 83.5 - 25.0 * 1.7320508075688772), // the book's printed value, see hs_more::hs020
    ("hs055", 20.0 / 3.0),                       // the other end of the feasible segment, see hs_more::hs055
];

/// Whether `f` is `o`'s optimal value, or a documented other local minimum, to the oracle's
/// relative accuracy (relative to `max(1, |f*|)`), or below a value documented as only local.
pub fn objective_matches(o: &Oracle, f: f64) -> bool {
    let close = |g: f64| (f - g).abs() <= o.f_rel_tol * g.abs().max(1.0);
    match o.f_star {
        None => true,
        Some(fs) => {
            close(fs) || (o.local && f < fs) || OTHER_LOCAL_MINIMA.iter().any(|&(n, g)| n == o.name && close(g))
        }
    }
}

/// The largest violation of the bounds `lower ≤ v ≤ upper`, each divided by `max(1, |bound|)`.
pub fn relative_violation(v: &[f64], lower: &[f64], upper: &[f64]) -> f64 {
    let mut worst: f64 = 0.0;
    for ((&x, &l), &u) in v.iter().zip(lower).zip(upper) {
        if !x.is_finite() {
            return f64::INFINITY;
        }
        if l.is_finite() && x < l {
            worst = worst.max((l - x) / l.abs().max(1.0));
        }
        if u.is_finite() && x > u {
            worst = worst.max((x - u) / u.abs().max(1.0));
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipax_core::Problem;
    use std::collections::HashSet;

    #[test]
    fn at_least_150_distinct_problems_and_no_clash_with_the_registry() {
        let all = names();
        let unique: HashSet<_> = all.iter().collect();
        assert_eq!(unique.len(), all.len(), "duplicate names");
        assert!(all.len() >= 150, "only {} problems", all.len());
        for n in added_names() {
            assert!(registry::entry(n).is_none(), "{n} is already a registry problem");
            assert_eq!(n, n.to_ascii_lowercase());
        }
        for n in &all {
            let p = get(n).unwrap();
            assert_eq!(p.oracle().name, *n, "builder of {n} names itself differently");
            assert!(!p.oracle().source.is_empty(), "{n} has no citation");
            assert!(p.oracle().f_star.is_some() || p.oracle().expected != crate::Expected::Optimal, "{n}: no f*");
        }
        assert!(get("no_such_problem").is_err());
        assert!(get("ext_rosenbrock").is_err(), "families are not part of the set");
    }

    /// Where a problem states `x*`, it must be feasible (1e-6 relative) with `f(x*) = f*` to the
    /// problem's accuracy: this catches transcription errors in formulas and data.
    #[test]
    fn stated_optima_are_feasible_with_the_stated_value() {
        for n in added_names() {
            let p = get(n).unwrap();
            let o = p.oracle();
            let Some(x) = &o.x_star else { continue };
            let s = p.spec();
            assert!(relative_violation(x, &s.x_lower, &s.x_upper) <= 1e-9, "{n}: x* outside its bounds");
            let mut c = vec![0.0; s.m()];
            p.constraints(x, &mut c).unwrap();
            let v = relative_violation(&c, &s.c_lower, &s.c_upper);
            assert!(v <= 1e-6, "{n}: x* violates the constraints by {v:e}");
            let f = p.objective(x).unwrap();
            assert!(objective_matches(o, f), "{n}: f(x*) = {f}, f* = {:?}", o.f_star);
        }
    }

    #[test]
    fn every_problem_evaluates_at_its_start() {
        for n in added_names() {
            let p = get(n).unwrap();
            let x0 = p.spec().x0.clone();
            // Starting points outside the bounds are moved inside by solvers; evaluate there.
            let x: Vec<f64> =
                x0.iter().zip(&p.spec().x_lower).zip(&p.spec().x_upper).map(|((&v, &l), &u)| v.clamp(l, u)).collect();
            assert!(p.objective(&x).is_ok(), "{n}: objective fails at x0");
            let mut g = vec![0.0; x.len()];
            assert!(p.gradient(&x, &mut g).is_ok(), "{n}: gradient fails at x0");
            let mut c = vec![0.0; p.num_constraints()];
            assert!(p.constraints(&x, &mut c).is_ok(), "{n}: constraints fail at x0");
            let l = vec![1.0; p.num_constraints()];
            assert!(p.hessian(&x, 1.0, &l).is_ok(), "{n}: Hessian fails at x0");
        }
    }

    #[test]
    fn gradients_match_central_differences_at_the_start() {
        for n in added_names() {
            let p = get(n).unwrap();
            let s = p.spec();
            let x: Vec<f64> = s.x0.iter().zip(&s.x_lower).zip(&s.x_upper).map(|((&v, &l), &u)| v.clamp(l, u)).collect();
            let mut g = vec![0.0; x.len()];
            p.gradient(&x, &mut g).unwrap();
            for j in 0..x.len() {
                let h = 1e-6 * x[j].abs().max(1.0);
                let (mut xp, mut xm) = (x.clone(), x.clone());
                xp[j] += h;
                xm[j] -= h;
                let (Ok(fp), Ok(fm)) = (p.objective(&xp), p.objective(&xm)) else {
                    continue;
                };
                let fd = (fp - fm) / (2.0 * h);
                assert!((fd - g[j]).abs() <= 1e-4 * g[j].abs().max(1.0), "{n}: ∂f/∂x{j} = {} vs {fd}", g[j]);
            }
        }
    }

    #[test]
    fn relative_violation_scales_by_the_bound() {
        assert_eq!(relative_violation(&[0.5], &[0.0], &[1.0]), 0.0);
        assert_eq!(relative_violation(&[-0.5], &[0.0], &[1.0]), 0.5);
        assert_eq!(relative_violation(&[110.0], &[f64::NEG_INFINITY], &[100.0]), 0.1);
        assert_eq!(relative_violation(&[f64::NAN], &[0.0], &[1.0]), f64::INFINITY);
    }
}
