//! # ipax-structure
//!
//! Structural analysis of a sparse matrix pattern, seen as the bipartite graph between its rows
//! (equations) and columns (variables):
//!
//! - [`maximum_matching`] — Hopcroft–Karp maximum bipartite matching, `O(|E|·√(m+n))`
//!   (Hopcroft & Karp, SIAM J. Comput. 2(4), 1973).
//! - [`dulmage_mendelsohn`] — the coarse Dulmage–Mendelsohn partition into an *under-determined*
//!   part (more variables than equations), a *square* part (perfectly matched) and an
//!   *over-determined* part (more equations than variables) (Dulmage & Mendelsohn 1958; Pothen &
//!   Fan, ACM TOMS 16(4), 1990).
//! - [`connected_components`] — independent pieces of a row/column subset.
//! - [`block_triangular_form`] — the fine decomposition of a square, perfectly matched part into
//!   irreducible diagonal blocks by Tarjan's strongly connected components (Tarjan, SIAM J.
//!   Comput. 1(2), 1972), ordered so that the permuted matrix is *lower* block triangular: block
//!   `k`'s rows only touch columns of blocks `0..=k`. Solving blocks in this order is forward
//!   substitution.
//!
//! This is pure index code on slices (no storage crate), shared by the auxiliary-equality
//! presolve and the structural diagnostics: a pattern is a list of `(row, col)` coordinates.
//!
//! ```
//! use ipax_structure::{Pattern, maximum_matching, dulmage_mendelsohn};
//! // rows: r0 = {x0}, r1 = {x0, x1}, r2 = {x1}   → r2 is one equation too many for x1
//! let p = Pattern::from_coords(3, 2, &[0, 1, 1, 2], &[0, 0, 1, 1]).unwrap();
//! let m = maximum_matching(&p);
//! assert_eq!(m.size, 2);
//! let dm = dulmage_mendelsohn(&p, &m);
//! assert_eq!(dm.over.rows.len(), 3);
//! assert_eq!(dm.over.cols.len(), 2);
//! assert!(dm.square.rows.is_empty() && dm.under.rows.is_empty());
//! ```

#![warn(missing_docs)]
// Index loops over parallel arrays (row_to_col, col_to_row, dist) read clearer than zips here.
#![allow(clippy::needless_range_loop)]

mod btf;
mod dm;
mod matching;
mod pattern;

pub use btf::{Block, block_triangular_form, connected_components};
pub use dm::{DmPart, DmPartition, dulmage_mendelsohn};
pub use matching::{Matching, maximum_matching};
pub use pattern::{Pattern, StructureError};
