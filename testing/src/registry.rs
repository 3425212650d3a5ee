//! Look problems up by name: the CLI, benches and tests share this one table.
//!
//! Names are lowercase (`"hs071"`, `"rosenbrock"`, `"ext_rosenbrock"`); lookups are
//! case-insensitive and accept unpadded Hock–Schittkowski numbers (`"HS71"` → `"hs071"`).

use crate::families;
use crate::matrix_free::MatrixFree;
use crate::problem_def::{Expected, Oracle, TestProblem};
use crate::{degenerate, hs, unconstrained};
use ipax_core::Problem;

/// How a registry entry is built.
#[derive(Debug, Clone, Copy)]
pub enum Builder {
    /// A fixed-size problem.
    Fixed(fn() -> TestProblem),
    /// A scalable family: constructor taking the size parameter, and its default size.
    Scalable {
        /// Constructor.
        build: fn(usize) -> TestProblem,
        /// Size used when none is given (small, for tests).
        default_size: usize,
        /// What the size parameter means.
        size_meaning: &'static str,
        /// Number of variables at a size.
        variables: fn(u128) -> u128,
    },
}

/// Largest family instance the registry builds: about 50 million variables already need most
/// of a 24 GiB machine, and a larger request would abort on allocation failure instead of
/// returning an error.
pub const MAX_FAMILY_VARIABLES: u128 = 50_000_000;

/// Why a registry lookup failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryError {
    /// No problem of that name; `suggestions` are the closest registry names.
    UnknownProblem {
        /// The name asked for.
        name: String,
        /// The closest registry names.
        suggestions: Vec<String>,
    },
    /// The size would build a family instance larger than [`MAX_FAMILY_VARIABLES`].
    SizeTooLarge {
        /// The family.
        name: &'static str,
        /// The size asked for.
        size: usize,
        /// Variables that size would build.
        variables: u128,
        /// What the family's size parameter means.
        size_meaning: &'static str,
    },
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegistryError::UnknownProblem { name, suggestions } if suggestions.is_empty() => {
                write!(f, "unknown problem '{name}' (see --list-problems)")
            }
            RegistryError::UnknownProblem { name, suggestions } => {
                write!(f, "unknown problem '{name}'; did you mean {}?", suggestions.join(", "))
            }
            RegistryError::SizeTooLarge { name, size, variables, size_meaning } => write!(
                f,
                "size {size} for '{name}' means {variables} variables (the size is: {size_meaning}); \
                 the largest instance built is {MAX_FAMILY_VARIABLES} variables"
            ),
        }
    }
}

impl std::error::Error for RegistryError {}

/// One registry entry.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// Registry name.
    pub name: &'static str,
    /// Constructor.
    pub builder: Builder,
}

impl Entry {
    /// Build the problem; `size` is ignored for fixed-size problems. A family instance above
    /// [`MAX_FAMILY_VARIABLES`] is refused.
    pub fn build(&self, size: Option<usize>) -> Result<TestProblem, RegistryError> {
        match self.builder {
            Builder::Fixed(f) => Ok(f()),
            Builder::Scalable { build, default_size, size_meaning, variables } => {
                let size = size.unwrap_or(default_size);
                let n = variables(size as u128);
                if n > MAX_FAMILY_VARIABLES {
                    return Err(RegistryError::SizeTooLarge { name: self.name, size, variables: n, size_meaning });
                }
                Ok(build(size))
            }
        }
    }
    /// Build the problem at its default (small) size, which never exceeds the limit.
    pub fn build_default(&self) -> TestProblem {
        match self.builder {
            Builder::Fixed(f) => f(),
            Builder::Scalable { build, default_size, .. } => build(default_size),
        }
    }
    /// Whether the problem takes a size parameter.
    pub fn is_scalable(&self) -> bool {
        matches!(self.builder, Builder::Scalable { .. })
    }
}

/// Summary of a registry entry (at its default size for families).
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemInfo {
    /// Registry name.
    pub name: &'static str,
    /// Number of variables (at the default size for families).
    pub n: usize,
    /// Number of constraints (at the default size for families).
    pub m: usize,
    /// Default size for families, `None` for fixed-size problems.
    pub default_size: Option<usize>,
    /// What the size parameter means (empty for fixed-size problems).
    pub size_meaning: &'static str,
    /// Expected solver outcome.
    pub expected: Expected,
    /// Known optimal value.
    pub f_star: Option<f64>,
    /// Classification tags.
    pub tags: Vec<&'static str>,
    /// Citation.
    pub source: &'static str,
}

/// Every problem, in a stable order: Hock–Schittkowski, Moré–Garbow–Hillstrom, degenerate, families.
pub fn registry() -> Vec<Entry> {
    let fixed = hs::ALL.iter().chain(unconstrained::ALL).chain(degenerate::ALL);
    let mut v: Vec<Entry> = fixed.map(|&(name, f)| Entry { name, builder: Builder::Fixed(f) }).collect();
    v.extend(families::ALL.iter().map(|f| Entry {
        name: f.name,
        builder: Builder::Scalable {
            build: f.build,
            default_size: f.default_size,
            size_meaning: f.size_meaning,
            variables: f.variables,
        },
    }));
    v
}

/// Canonical form of a user-supplied name: lowercase, `hsN` zero-padded to three digits.
fn canonical(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    if let Some(num) = lower.strip_prefix("hs")
        && !num.is_empty()
        && num.chars().all(|c| c.is_ascii_digit())
        && let Ok(k) = num.parse::<u32>()
    {
        return format!("hs{k:03}");
    }
    lower
}

/// The registry entry called `name`.
pub fn entry(name: &str) -> Option<Entry> {
    let key = canonical(name);
    registry().into_iter().find(|e| e.name == key)
}

/// Build the problem called `name` with its oracle data (`size` only matters for families).
pub fn get_test_problem(name: &str, size: Option<usize>) -> Result<TestProblem, RegistryError> {
    match entry(name) {
        Some(e) => e.build(size),
        None => Err(RegistryError::UnknownProblem { name: name.to_string(), suggestions: close_names(name) }),
    }
}

/// Build the problem called `name` as a trait object.
pub fn get(name: &str, size: Option<usize>) -> Result<Box<dyn Problem>, RegistryError> {
    get_test_problem(name, size).map(|p| Box::new(p) as Box<dyn Problem>)
}

/// Build the problem called `name` in matrix-free form (derivative operators offer products only).
pub fn get_matrix_free(name: &str, size: Option<usize>) -> Result<Box<dyn Problem>, RegistryError> {
    get_test_problem(name, size).map(|p| Box::new(MatrixFree::new(p)) as Box<dyn Problem>)
}

/// The oracle data of `name` at `size`.
pub fn oracle(name: &str, size: Option<usize>) -> Result<Oracle, RegistryError> {
    get_test_problem(name, size).map(|p| p.oracle().clone())
}

/// Registry names within a small edit distance of `name` (at most three, closest first).
fn close_names(name: &str) -> Vec<String> {
    let key = canonical(name);
    let mut scored: Vec<(usize, &'static str)> = registry()
        .iter()
        .map(|e| (edit_distance(&key, e.name), e.name))
        .filter(|&(d, n)| d <= (n.len() / 3).max(2) || n.starts_with(key.as_str()) && !key.is_empty())
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, n)| n.to_string()).collect()
}

/// Levenshtein distance (byte-wise; registry names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Summaries of every problem (families at their default size).
pub fn list() -> Vec<ProblemInfo> {
    registry()
        .iter()
        .map(|e| {
            let p = e.build_default();
            let o = p.oracle();
            let (default_size, size_meaning) = match e.builder {
                Builder::Fixed(_) => (None, ""),
                Builder::Scalable { default_size, size_meaning, .. } => (Some(default_size), size_meaning),
            };
            ProblemInfo {
                name: e.name,
                n: p.num_variables(),
                m: p.num_constraints(),
                default_size,
                size_meaning,
                expected: o.expected,
                f_star: o.f_star,
                tags: o.tags.clone(),
                source: o.source,
            }
        })
        .collect()
}
