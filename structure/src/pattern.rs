//! A sparsity pattern in both compressed-row and compressed-column form.

use thiserror::Error;

/// Invalid input to the structural analysis.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum StructureError {
    /// The row and column coordinate slices differ in length.
    #[error("pattern: {rows} row indices but {cols} column indices")]
    LengthMismatch {
        /// Number of row indices given.
        rows: usize,
        /// Number of column indices given.
        cols: usize,
    },
    /// A coordinate lies outside the `nrows × ncols` matrix.
    #[error("pattern: entry {index} at ({row}, {col}) is outside the {nrows}×{ncols} matrix")]
    OutOfRange {
        /// Position of the entry in the coordinate list.
        index: usize,
        /// Its row.
        row: usize,
        /// Its column.
        col: usize,
        /// Number of rows.
        nrows: usize,
        /// Number of columns.
        ncols: usize,
    },
    /// A row handed to [`block_triangular_form`](crate::block_triangular_form) is not matched to
    /// a column of the given set.
    #[error("block triangular form: row {row} is not matched inside the square set")]
    NotPerfectlyMatched {
        /// The row.
        row: usize,
    },
}

/// The structure of an `nrows × ncols` sparse matrix, with duplicates removed. Row `i`'s columns
/// are `row_cols(i)` (sorted), column `j`'s rows are `col_rows(j)` (sorted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    nrows: usize,
    ncols: usize,
    row_ptr: Vec<usize>,
    row_idx: Vec<usize>,
    col_ptr: Vec<usize>,
    col_idx: Vec<usize>,
}

impl Pattern {
    /// Build from coordinates `(rows[k], cols[k])`; duplicates are merged.
    pub fn from_coords(nrows: usize, ncols: usize, rows: &[usize], cols: &[usize]) -> Result<Self, StructureError> {
        if rows.len() != cols.len() {
            return Err(StructureError::LengthMismatch { rows: rows.len(), cols: cols.len() });
        }
        if let Some(index) = (0..rows.len()).find(|&k| rows[k] >= nrows || cols[k] >= ncols) {
            return Err(StructureError::OutOfRange { index, row: rows[index], col: cols[index], nrows, ncols });
        }
        let (row_ptr, row_idx) = compress(nrows, rows, cols);
        let (col_ptr, col_idx) = compress(ncols, cols, rows);
        Ok(Pattern { nrows, ncols, row_ptr, row_idx, col_ptr, col_idx })
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }
    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }
    /// Number of distinct entries.
    pub fn nnz(&self) -> usize {
        self.row_idx.len()
    }
    /// Columns of row `i`, sorted.
    pub fn row_cols(&self, i: usize) -> &[usize] {
        &self.row_idx[self.row_ptr[i]..self.row_ptr[i + 1]]
    }
    /// Rows of column `j`, sorted.
    pub fn col_rows(&self, j: usize) -> &[usize] {
        &self.col_idx[self.col_ptr[j]..self.col_ptr[j + 1]]
    }
    /// Whether `(i, j)` is an entry.
    pub fn contains(&self, i: usize, j: usize) -> bool {
        self.row_cols(i).binary_search(&j).is_ok()
    }
}

/// Compressed, sorted, deduplicated adjacency `major → minor`.
fn compress(n_major: usize, major: &[usize], minor: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let mut count = vec![0usize; n_major + 1];
    for &a in major {
        count[a + 1] += 1;
    }
    for a in 0..n_major {
        count[a + 1] += count[a];
    }
    let mut fill = count.clone();
    let mut idx = vec![0usize; major.len()];
    for (&a, &b) in major.iter().zip(minor) {
        idx[fill[a]] = b;
        fill[a] += 1;
    }
    // Sort and dedupe each segment, compacting in place.
    let mut ptr = vec![0usize; n_major + 1];
    let mut w = 0;
    for a in 0..n_major {
        let seg = &mut idx[count[a]..count[a + 1]];
        seg.sort_unstable();
        let mut last = None;
        for k in count[a]..count[a + 1] {
            let v = idx[k];
            if last != Some(v) {
                idx[w] = v;
                w += 1;
                last = Some(v);
            }
        }
        ptr[a + 1] = w;
    }
    idx.truncate(w);
    (ptr, idx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedupes_and_sorts() {
        let p = Pattern::from_coords(2, 3, &[1, 0, 1, 1], &[2, 1, 0, 2]).unwrap();
        assert_eq!(p.row_cols(0), &[1]);
        assert_eq!(p.row_cols(1), &[0, 2]);
        assert_eq!(p.col_rows(2), &[1]);
        assert_eq!(p.nnz(), 3);
        assert!(p.contains(1, 2) && !p.contains(0, 2));
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        assert_eq!(
            Pattern::from_coords(2, 2, &[0, 2], &[0, 1]),
            Err(StructureError::OutOfRange { index: 1, row: 2, col: 1, nrows: 2, ncols: 2 })
        );
        assert_eq!(Pattern::from_coords(2, 2, &[0], &[]), Err(StructureError::LengthMismatch { rows: 1, cols: 0 }));
    }
}
