//! What to run: problems, sizes, KKT routes and Hessian sources, and how they combine into cases.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::BenchError;

/// A KKT route together with the linear solver (and problem form) it is run with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    /// `kkt_route=augmented`, `linear_solver=auto` (dense LDLᵀ up to dimension 300, sparse LDLᵀ above).
    Augmented,
    /// `kkt_route=condensed`, `linear_solver=dense` (dense Cholesky of the n×n condensed matrix).
    CondensedDense,
    /// `kkt_route=condensed`, `linear_solver=cg` on the *matrix-free* form of the problem
    /// (only products with J, Jᵀ and H are available, as for a user with an operator-only model).
    CondensedCg,
    /// `kkt_route=condensed`, `linear_solver=cg`, `krylov_preconditioner=incomplete-cholesky` on the
    /// assembled problem: CG preconditioned by IC(0) of the assembled condensed matrix.
    CondensedCgIc,
    /// `kkt_route=condensed`, `linear_solver=cg`, `krylov_preconditioner=amg` on the assembled
    /// problem: CG preconditioned by smoothed-aggregation AMG of the assembled condensed matrix.
    CondensedCgAmg,
}

impl Route {
    /// All routes, in display order.
    pub const ALL: [Route; 5] = [Route::Augmented, Route::CondensedDense, Route::CondensedCg, Route::CondensedCgIc, Route::CondensedCgAmg];

    /// The command-line / report name.
    pub fn name(self) -> &'static str {
        match self {
            Route::Augmented => "augmented",
            Route::CondensedDense => "condensed-dense",
            Route::CondensedCg => "condensed-cg",
            Route::CondensedCgIc => "condensed-cg-ic",
            Route::CondensedCgAmg => "condensed-cg-amg",
        }
    }

    /// The ipax options (Ipopt names) selecting this route.
    pub fn options(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Route::Augmented => &[("kkt_route", "augmented"), ("linear_solver", "auto")],
            Route::CondensedDense => &[("kkt_route", "condensed"), ("linear_solver", "dense")],
            Route::CondensedCg => &[("kkt_route", "condensed"), ("linear_solver", "cg")],
            Route::CondensedCgIc => {
                &[("kkt_route", "condensed"), ("linear_solver", "cg"), ("krylov_preconditioner", "incomplete-cholesky")]
            }
            Route::CondensedCgAmg => &[("kkt_route", "condensed"), ("linear_solver", "cg"), ("krylov_preconditioner", "amg")],
        }
    }

    /// Whether the built-in problem is used in its matrix-free form.
    pub fn matrix_free(self) -> bool {
        matches!(self, Route::CondensedCg)
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Route {
    type Err = BenchError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Route::ALL
            .into_iter()
            .find(|r| r.name() == s.trim())
            .ok_or_else(|| BenchError::Parse(format!("unknown route '{s}' (augmented, condensed-dense, condensed-cg, condensed-cg-ic, condensed-cg-amg)")))
    }
}

/// Where the Hessian of the Lagrangian comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hessian {
    /// The problem's exact Hessian.
    Exact,
    /// L-BFGS (`hessian_approximation=limited-memory`).
    Lbfgs,
}

impl Hessian {
    /// The command-line / report name.
    pub fn name(self) -> &'static str {
        match self {
            Hessian::Exact => "exact",
            Hessian::Lbfgs => "lbfgs",
        }
    }
    /// The value of ipax's `hessian_approximation` option.
    pub fn option_value(self) -> &'static str {
        match self {
            Hessian::Exact => "exact",
            Hessian::Lbfgs => "limited-memory",
        }
    }
}

impl fmt::Display for Hessian {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Hessian {
    type Err = BenchError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "exact" => Ok(Hessian::Exact),
            "lbfgs" | "limited-memory" => Ok(Hessian::Lbfgs),
            other => Err(BenchError::Parse(format!("unknown hessian '{other}' (exact, lbfgs)"))),
        }
    }
}

/// The model a case solves.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// A problem of the `ipax_testing` registry with its size parameter (`None` for fixed-size).
    Registry {
        /// Registry name.
        name: String,
        /// Family size parameter (grid points per side, intervals, variables…).
        size: Option<usize>,
    },
    /// An AMPL `.nl` file.
    Nl(PathBuf),
}

impl Source {
    /// Short display name (registry name, or the file name of an `.nl` model, extension kept
    /// so `hs071.nl` is not confused with the registry's `hs071`).
    pub fn label(&self) -> String {
        match self {
            Source::Registry { name, .. } => name.clone(),
            Source::Nl(p) => p.file_name().map_or_else(|| p.display().to_string(), |s| s.to_string_lossy().into_owned()),
        }
    }
    /// The family name used to group plots: the registry name of a scalable problem, else `None`.
    pub fn family(&self) -> Option<&str> {
        match self {
            Source::Registry { name, size: Some(_) } => Some(name),
            _ => None,
        }
    }
}

/// One benchmark case: a model, a route and a Hessian source.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Case {
    /// The model.
    pub source: Source,
    /// The number of variables asked for on the command line (`None` for fixed-size models).
    pub requested_n: Option<usize>,
    /// KKT route.
    pub route: Route,
    /// Hessian source.
    pub hessian: Hessian,
}

/// Parse a size such as `1e5`, `100000` or `2.5e4` into a positive integer.
pub fn parse_size(s: &str) -> Result<usize, BenchError> {
    let v: f64 = s.trim().parse().map_err(|_| BenchError::Parse(format!("invalid size '{s}'")))?;
    if !(v.is_finite() && (1.0..=1e12).contains(&v)) {
        return Err(BenchError::Parse(format!("size '{s}' must be between 1 and 1e12")));
    }
    Ok(v.round() as usize)
}

/// The family size parameter giving close to `n` variables, or `None` if `name` is not a
/// scalable family known to the harness.
///
/// The meaning of the parameter differs per family (see `ipax_testing::families`): grid points per
/// side for the PDE problems (`n = N²`, or `2N²` for the control problem, which has states and
/// controls), time intervals for Van der Pol (`n = 3(N+1)`), the variable count otherwise.
pub fn size_parameter(name: &str, n: usize) -> Option<usize> {
    let n = n.max(1) as f64;
    let p = match name {
        "ext_rosenbrock" | "chained_rosenbrock" | "disk_chain" => n,
        "obstacle" | "bratu" => n.sqrt(),
        "elliptic_control" => (n / 2.0).sqrt(),
        "vanderpol" => n / 3.0 - 1.0,
        _ => return None,
    };
    Some((p.round() as usize).max(1))
}

/// Expand a `--problems` list: registry names, `hs` (every Hock–Schittkowski problem), `families`
/// (every scalable family) or `all` (the whole registry). Names are validated against the registry.
pub fn expand_problems(items: &[String]) -> Result<Vec<String>, BenchError> {
    let list = ipax_testing::list();
    let mut out: Vec<String> = Vec::new();
    let push = |s: &str, out: &mut Vec<String>| {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    for item in items.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty()) {
        match item {
            "hs" => list.iter().filter(|p| p.name.starts_with("hs")).for_each(|p| push(p.name, &mut out)),
            "families" => list.iter().filter(|p| p.default_size.is_some()).for_each(|p| push(p.name, &mut out)),
            "all" => list.iter().for_each(|p| push(p.name, &mut out)),
            name => match ipax_testing::entry(name) {
                Some(e) => push(e.name, &mut out),
                None => return Err(BenchError::UnknownProblem(name.to_string())),
            },
        }
    }
    Ok(out)
}

/// The cases of a run, in a stable order: per problem, per size (ascending), per route, per Hessian.
///
/// Fixed-size registry problems and `.nl` files are run once per route and Hessian, whatever the
/// sizes; a scalable family is run at every size, mapped by [`size_parameter`]. Families the
/// harness has no size mapping for are run at `size = n`.
pub fn build_cases(problems: &[String], nl_files: &[PathBuf], sizes: &[usize], routes: &[Route], hessians: &[Hessian]) -> Vec<Case> {
    let mut sizes = sizes.to_vec();
    sizes.sort_unstable();
    sizes.dedup();
    let mut cases = Vec::new();
    let push_all = |source: Source, requested_n: Option<usize>, cases: &mut Vec<Case>| {
        for &route in routes {
            for &hessian in hessians {
                cases.push(Case { source: source.clone(), requested_n, route, hessian });
            }
        }
    };
    for name in problems {
        let scalable = ipax_testing::entry(name).is_some_and(|e| e.is_scalable());
        if scalable {
            for &n in &sizes {
                let size = size_parameter(name, n).unwrap_or(n);
                push_all(Source::Registry { name: name.clone(), size: Some(size) }, Some(n), &mut cases);
            }
        } else {
            push_all(Source::Registry { name: name.clone(), size: None }, None, &mut cases);
        }
    }
    for path in nl_files {
        push_all(Source::Nl(path.clone()), None, &mut cases);
    }
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_scientific_and_plain() {
        assert_eq!(parse_size("1e5").unwrap(), 100_000);
        assert_eq!(parse_size(" 2500 ").unwrap(), 2500);
        assert_eq!(parse_size("2.5e3").unwrap(), 2500);
        assert!(parse_size("0").is_err());
        assert!(parse_size("abc").is_err());
        assert!(parse_size("inf").is_err());
    }

    /// The size mapping must land near the requested variable count for every family.
    #[test]
    fn size_parameter_gives_close_variable_counts() {
        for name in ["ext_rosenbrock", "chained_rosenbrock", "disk_chain", "obstacle", "bratu", "elliptic_control", "vanderpol"] {
            for n in [1000usize, 10_000] {
                let size = size_parameter(name, n).unwrap();
                let p = ipax_testing::get(name, Some(size)).unwrap();
                let got = p.num_variables() as f64;
                assert!((got / n as f64 - 1.0).abs() < 0.05, "{name}: asked {n}, got {got} (size {size})");
            }
        }
        assert_eq!(size_parameter("hs071", 10), None);
    }

    #[test]
    fn problem_sets_expand_and_unknown_names_fail() {
        let fam = expand_problems(&["families".to_string()]).unwrap();
        assert!(fam.contains(&"obstacle".to_string()) && fam.contains(&"vanderpol".to_string()));
        let hs = expand_problems(&["hs".to_string(), "HS71".to_string()]).unwrap();
        assert!(hs.iter().all(|n| n.starts_with("hs")));
        assert_eq!(hs.iter().filter(|n| *n == "hs071").count(), 1, "duplicates removed");
        assert!(matches!(expand_problems(&["nope".to_string()]), Err(BenchError::UnknownProblem(_))));
    }

    #[test]
    fn cases_cross_sizes_routes_hessians() {
        let problems = vec!["obstacle".to_string(), "hs071".to_string()];
        let cases = build_cases(&problems, &[], &[10_000, 1000, 1000], &[Route::Augmented, Route::CondensedCg], &[Hessian::Exact]);
        // obstacle: 2 sizes × 2 routes; hs071: fixed size, 2 routes.
        assert_eq!(cases.len(), 6);
        assert_eq!(cases[0].requested_n, Some(1000), "sizes sorted ascending");
        assert_eq!(cases[0].source, Source::Registry { name: "obstacle".into(), size: Some(32) });
        assert_eq!(cases[4].source, Source::Registry { name: "hs071".into(), size: None });
        assert_eq!(cases[4].source.family(), None);
        let nl = build_cases(&[], &[PathBuf::from("models/hs071.nl")], &[1000], &[Route::Augmented], &[Hessian::Exact, Hessian::Lbfgs]);
        assert_eq!(nl.len(), 2);
        assert_eq!((nl[0].source.label(), nl[0].requested_n), ("hs071.nl".to_string(), None));
    }

    #[test]
    fn routes_and_hessians_round_trip_names() {
        for r in Route::ALL {
            assert_eq!(r.name().parse::<Route>().unwrap(), r);
        }
        assert!("bogus".parse::<Route>().is_err());
        assert_eq!("limited-memory".parse::<Hessian>().unwrap(), Hessian::Lbfgs);
        assert!("bfgs".parse::<Hessian>().is_err());
    }
}
