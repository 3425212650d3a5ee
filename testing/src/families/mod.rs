//! Scalable problem families. Every family builds and evaluates in `O(nnz)` time and memory (no
//! dense storage anywhere), so sizes of a million variables are practical.
//!
//! The size parameter's meaning is family-specific and documented on each constructor (number of
//! variables for the chained problems, grid points per side for PDE problems, time intervals for
//! optimal control); [`crate::registry::ProblemInfo::size_meaning`] repeats it.

pub mod bratu;
pub mod disk_chain;
pub mod elliptic;
pub mod obstacle;
pub mod rosenbrock;
pub mod vanderpol;

use crate::problem_def::TestProblem;

/// A scalable family: registry name, constructor, default (small) size, minimum size and what the
/// size means.
pub(crate) struct FamilyEntry {
    pub name: &'static str,
    pub build: fn(usize) -> TestProblem,
    pub default_size: usize,
    pub size_meaning: &'static str,
    /// Number of variables at a size (u128 and saturating, so absurd sizes cannot overflow before
    /// the registry's size check).
    pub variables: fn(u128) -> u128,
}

/// All families, by registry name.
pub(crate) const ALL: &[FamilyEntry] = &[
    FamilyEntry { name: "ext_rosenbrock", build: rosenbrock::extended, default_size: 10, size_meaning: "variables (rounded up to even)", variables: |s| s.max(2).div_ceil(2).saturating_mul(2) },
    FamilyEntry { name: "chained_rosenbrock", build: rosenbrock::chained, default_size: 10, size_meaning: "variables", variables: |s| s.max(2) },
    FamilyEntry { name: "elliptic_control", build: elliptic::semilinear_control, default_size: 8, size_meaning: "interior grid points per side (n = 2N²)", variables: |s| s.saturating_mul(s).saturating_mul(2).max(2) },
    FamilyEntry { name: "vanderpol", build: vanderpol::vanderpol, default_size: 20, size_meaning: "time intervals (n = 3(N+1))", variables: |s| s.max(1).saturating_add(1).saturating_mul(3) },
    FamilyEntry { name: "obstacle", build: obstacle::obstacle, default_size: 8, size_meaning: "interior grid points per side (n = N²)", variables: |s| s.saturating_mul(s).max(1) },
    FamilyEntry { name: "disk_chain", build: disk_chain::disk_chain, default_size: 10, size_meaning: "variables (rounded up to even)", variables: |s| s.max(2).div_ceil(2).saturating_mul(2) },
    FamilyEntry { name: "bratu", build: bratu::bratu, default_size: 8, size_meaning: "interior grid points per side (n = m = N²)", variables: |s| s.saturating_mul(s).max(1) },
];

/// Index of grid node `(i, j)` (row-major) on an `N × N` interior grid.
#[inline]
pub(crate) fn node(nside: usize, i: usize, j: usize) -> usize {
    i * nside + j
}

/// Calls `f(neighbour)` for each of the (up to four) interior 5-point-stencil neighbours of node
/// `(i, j)`; neighbours on the boundary carry the homogeneous Dirichlet value 0 and are skipped.
#[inline]
pub(crate) fn for_each_neighbour(nside: usize, i: usize, j: usize, mut f: impl FnMut(usize)) {
    if i > 0 {
        f(node(nside, i - 1, j));
    }
    if j > 0 {
        f(node(nside, i, j - 1));
    }
    if j + 1 < nside {
        f(node(nside, i, j + 1));
    }
    if i + 1 < nside {
        f(node(nside, i + 1, j));
    }
}
