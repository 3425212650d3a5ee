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
}

/// All families, by registry name.
pub(crate) const ALL: &[FamilyEntry] = &[
    FamilyEntry { name: "ext_rosenbrock", build: rosenbrock::extended, default_size: 10, size_meaning: "variables (rounded up to even)" },
    FamilyEntry { name: "chained_rosenbrock", build: rosenbrock::chained, default_size: 10, size_meaning: "variables" },
    FamilyEntry { name: "elliptic_control", build: elliptic::semilinear_control, default_size: 8, size_meaning: "interior grid points per side (n = 2N²)" },
    FamilyEntry { name: "vanderpol", build: vanderpol::vanderpol, default_size: 20, size_meaning: "time intervals (n = 3(N+1))" },
    FamilyEntry { name: "obstacle", build: obstacle::obstacle, default_size: 8, size_meaning: "interior grid points per side (n = N²)" },
    FamilyEntry { name: "disk_chain", build: disk_chain::disk_chain, default_size: 10, size_meaning: "variables (rounded up to even)" },
    FamilyEntry { name: "bratu", build: bratu::bratu, default_size: 8, size_meaning: "interior grid points per side (n = m = N²)" },
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
