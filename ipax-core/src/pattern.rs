//! The CSC pattern of a list of coordinates, with the slot of every listed entry.
//!
//! Shared by [`CscMatrix::from_triplets_with_map`](crate::CscMatrix::from_triplets_with_map) and
//! the sparse LDLᵀ analysis, which builds the permuted KKT pattern straight from the
//! coordinates of a CSC matrix without materializing triplets.

/// A CSC sparsity pattern (rows sorted within each column, no duplicates) and the scatter map of
/// the coordinates it was built from: entry `k` of the input lands in slot `map[k]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CscPattern {
    pub col_ptr: Vec<usize>,
    pub row_idx: Vec<usize>,
    pub map: Vec<usize>,
}

/// Columns longer than this are sorted with the library sort; shorter ones (nearly all columns
/// of KKT and Hessian patterns) by insertion, which is faster on a handful of entries.
const INSERTION_MAX: usize = 32;

impl CscPattern {
    /// The pattern of the `nnz` entries that `entries()` yields as `(row, col)` in input order
    /// (`entries` is called twice and must yield the same sequence both times; every
    /// coordinate must be in range).
    ///
    /// Duplicates share a slot. The slots are those of a sort by `(col, row)`, so the result
    /// equals the former two stable counting sorts (by row, then by column) exactly. One
    /// bucketing pass by column followed by a short per-column sort replaces the second
    /// random-access pass and its `nnz`-long order arrays.
    pub fn from_entries<I>(nrows: usize, ncols: usize, nnz: usize, entries: impl Fn() -> I) -> CscPattern
    where
        I: Iterator<Item = (usize, usize)>,
    {
        let mut start = vec![0usize; ncols + 1];
        let mut counted = 0;
        // Internal iteration (`for_each`): the callers' chained and flattened iterators run
        // several times faster folded than stepped through `next`.
        entries().for_each(|(r, c)| {
            assert!(r < nrows && c < ncols, "pattern coordinate out of range");
            start[c + 1] += 1;
            counted += 1;
        });
        assert_eq!(counted, nnz, "entries() yielded a different count than nnz");
        for j in 0..ncols {
            start[j + 1] += start[j];
        }
        // (row, input index) per column, in input order within a column: a stable sort by row
        // then keeps duplicates in input order.
        let mut next = start.clone();
        let mut placed = vec![(0usize, 0usize); nnz];
        let mut k = 0;
        entries().for_each(|(r, c)| {
            placed[next[c]] = (r, k);
            next[c] += 1;
            k += 1;
        });
        drop(next);
        let mut col_ptr = vec![0usize; ncols + 1];
        let mut row_idx = Vec::with_capacity(nnz);
        let mut map = vec![0usize; nnz];
        for j in 0..ncols {
            let seg = &mut placed[start[j]..start[j + 1]];
            sort_by_row(seg);
            let mut last = usize::MAX;
            for &(r, k) in seg.iter() {
                if r != last {
                    row_idx.push(r);
                    last = r;
                }
                map[k] = row_idx.len() - 1;
            }
            col_ptr[j + 1] = row_idx.len();
        }
        // Duplicates (e.g. the many products landing on one entry of `JᵀJ`) leave the capacity
        // well above the count; the tail goes back to the allocator.
        row_idx.shrink_to_fit();
        CscPattern { col_ptr, row_idx, map }
    }
}

/// Stable sort of `(row, input index)` pairs by row.
fn sort_by_row(seg: &mut [(usize, usize)]) {
    if seg.is_sorted_by_key(|e| e.0) {
        return;
    }
    if seg.len() > INSERTION_MAX {
        seg.sort_by_key(|e| e.0);
        return;
    }
    for i in 1..seg.len() {
        let e = seg[i];
        let mut j = i;
        while j > 0 && seg[j - 1].0 > e.0 {
            seg[j] = seg[j - 1];
            j -= 1;
        }
        seg[j] = e;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: sort the input indices by `(col, row, k)` and number distinct coordinates.
    fn by_sorting(nrows: usize, ncols: usize, rc: &[(usize, usize)]) -> CscPattern {
        let mut order: Vec<usize> = (0..rc.len()).collect();
        order.sort_by_key(|&k| (rc[k].1, rc[k].0, k));
        let mut col_ptr = vec![0usize; ncols + 1];
        let mut row_idx = Vec::new();
        let mut map = vec![0usize; rc.len()];
        let mut last = None;
        for &k in &order {
            if last != Some(rc[k]) {
                row_idx.push(rc[k].0);
                col_ptr[rc[k].1 + 1] += 1;
                last = Some(rc[k]);
            }
            map[k] = row_idx.len() - 1;
        }
        for j in 0..ncols {
            col_ptr[j + 1] += col_ptr[j];
        }
        assert!(row_idx.iter().all(|&r| r < nrows));
        CscPattern { col_ptr, row_idx, map }
    }

    #[test]
    fn equals_a_full_sort_with_duplicates_and_long_columns() {
        let mut s = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = |m: usize| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % m as u64) as usize
        };
        for case in 0..40 {
            let (nrows, ncols) = (1 + rnd(60), 1 + rnd(60));
            let nnz = rnd(400);
            // Every fourth case piles entries into column 0 (longer than INSERTION_MAX).
            let rc: Vec<(usize, usize)> =
                (0..nnz).map(|_| (rnd(nrows), if case % 4 == 0 && rnd(2) == 0 { 0 } else { rnd(ncols) })).collect();
            let got = CscPattern::from_entries(nrows, ncols, rc.len(), || rc.iter().copied());
            assert_eq!(got, by_sorting(nrows, ncols, &rc), "case {case}");
        }
    }

    #[test]
    fn empty_input_gives_empty_columns() {
        let p = CscPattern::from_entries(3, 2, 0, std::iter::empty);
        assert_eq!(p, CscPattern { col_ptr: vec![0, 0, 0], row_idx: vec![], map: vec![] });
    }
}
