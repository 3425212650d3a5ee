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
    },
}

/// One registry entry.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// Registry name.
    pub name: &'static str,
    /// Constructor.
    pub builder: Builder,
}

impl Entry {
    /// Build the problem; `size` is ignored for fixed-size problems.
    pub fn build(&self, size: Option<usize>) -> TestProblem {
        match self.builder {
            Builder::Fixed(f) => f(),
            Builder::Scalable { build, default_size, .. } => build(size.unwrap_or(default_size)),
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
        builder: Builder::Scalable { build: f.build, default_size: f.default_size, size_meaning: f.size_meaning },
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
pub fn get_test_problem(name: &str, size: Option<usize>) -> Option<TestProblem> {
    entry(name).map(|e| e.build(size))
}

/// Build the problem called `name` as a trait object.
pub fn get(name: &str, size: Option<usize>) -> Option<Box<dyn Problem>> {
    get_test_problem(name, size).map(|p| Box::new(p) as Box<dyn Problem>)
}

/// Build the problem called `name` in matrix-free form (derivative operators offer products only).
pub fn get_matrix_free(name: &str, size: Option<usize>) -> Option<Box<dyn Problem>> {
    get_test_problem(name, size).map(|p| Box::new(MatrixFree::new(p)) as Box<dyn Problem>)
}

/// The oracle data of `name` at `size`.
pub fn oracle(name: &str, size: Option<usize>) -> Option<Oracle> {
    get_test_problem(name, size).map(|p| p.oracle().clone())
}

/// Summaries of every problem (families at their default size).
pub fn list() -> Vec<ProblemInfo> {
    registry()
        .iter()
        .map(|e| {
            let p = e.build(None);
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
