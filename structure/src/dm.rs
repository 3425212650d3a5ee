//! The coarse Dulmage–Mendelsohn partition.

use crate::matching::Matching;
use crate::pattern::Pattern;

/// A set of rows and columns (sorted index lists).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DmPart {
    /// Rows of the part, ascending.
    pub rows: Vec<usize>,
    /// Columns of the part, ascending.
    pub cols: Vec<usize>,
}

/// The coarse Dulmage–Mendelsohn decomposition. With rows ordered (under, square, over) and
/// columns likewise, the matrix is block upper triangular
///
/// ```text
///            under  square  over
/// under    [ A_u      *      *  ]     A_u: more columns than rows (under-determined)
/// square   [ 0       A_s     *  ]     A_s: square, perfectly matched
/// over     [ 0        0     A_o ]     A_o: more rows than columns (over-determined)
/// ```
///
/// It does not depend on which maximum matching was used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DmPartition {
    /// Columns reachable from an unmatched column by an alternating path, and the rows on those
    /// paths: every row here is matched, some columns are not.
    pub under: DmPart,
    /// The perfectly matched rest.
    pub square: DmPart,
    /// Rows reachable from an unmatched row by an alternating path, and the columns on those
    /// paths: every column here is matched, some rows are not.
    pub over: DmPart,
}

/// The coarse DM partition of `pattern` given a **maximum** matching of it.
///
/// Under-determined part: breadth-first from every unmatched column `c`, step to any row `r` with
/// an entry in `c`, then to `r`'s matched column (alternating paths; `r` is always matched, or
/// the matching would not be maximum). Over-determined part: the same from unmatched rows with
/// the roles exchanged. Both sets are disjoint for a maximum matching (a path joining them would
/// be augmenting). Pothen & Fan (1990), §2.
pub fn dulmage_mendelsohn(pattern: &Pattern, matching: &Matching) -> DmPartition {
    let (m, n) = (pattern.nrows(), pattern.ncols());
    // Under-determined: alternate column → row (any entry) → column (matched).
    let mut col_under = vec![false; n];
    let mut row_under = vec![false; m];
    let mut queue: Vec<usize> = (0..n).filter(|&j| matching.col_to_row[j].is_none()).collect();
    queue.iter().for_each(|&j| col_under[j] = true);
    while let Some(j) = queue.pop() {
        for &i in pattern.col_rows(j) {
            if !row_under[i] {
                row_under[i] = true;
                if let Some(jj) = matching.row_to_col[i]
                    && !col_under[jj]
                {
                    col_under[jj] = true;
                    queue.push(jj);
                }
            }
        }
    }
    // Over-determined: alternate row → column (any entry) → row (matched).
    let mut row_over = vec![false; m];
    let mut col_over = vec![false; n];
    let mut queue: Vec<usize> = (0..m).filter(|&i| matching.row_to_col[i].is_none()).collect();
    queue.iter().for_each(|&i| row_over[i] = true);
    while let Some(i) = queue.pop() {
        for &j in pattern.row_cols(i) {
            if !col_over[j] {
                col_over[j] = true;
                if let Some(ii) = matching.col_to_row[j]
                    && !row_over[ii]
                {
                    row_over[ii] = true;
                    queue.push(ii);
                }
            }
        }
    }
    let mut dm = DmPartition::default();
    for i in 0..m {
        match (row_under[i], row_over[i]) {
            (true, _) => dm.under.rows.push(i),
            (false, true) => dm.over.rows.push(i),
            (false, false) => dm.square.rows.push(i),
        }
    }
    for j in 0..n {
        match (col_under[j], col_over[j]) {
            (true, _) => dm.under.cols.push(j),
            (false, true) => dm.over.cols.push(j),
            (false, false) => dm.square.cols.push(j),
        }
    }
    dm
}
