//! Structural analysis checked against brute force on small random patterns.
#![allow(clippy::needless_range_loop)]

use ipax_structure::{Matching, Pattern, block_triangular_form, connected_components, dulmage_mendelsohn, maximum_matching};

/// xorshift64*: deterministic patterns without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn random_pattern(rng: &mut Rng) -> Pattern {
    let m = rng.below(7);
    let n = rng.below(7);
    let density = 1 + rng.below(4); // out of 8
    let (mut rows, mut cols) = (Vec::new(), Vec::new());
    for i in 0..m {
        for j in 0..n {
            if rng.below(8) < density {
                rows.push(i);
                cols.push(j);
            }
        }
    }
    Pattern::from_coords(m, n, &rows, &cols).unwrap()
}

/// Exhaustive maximum matching: row i either stays unmatched or takes a free column.
fn brute_matching(p: &Pattern, i: usize, used: u32, cur: &mut Vec<Option<usize>>, best: &mut (usize, Vec<Option<usize>>)) {
    if i == p.nrows() {
        let size = cur.iter().filter(|c| c.is_some()).count();
        if size > best.0 {
            *best = (size, cur.clone());
        }
        return;
    }
    cur.push(None);
    brute_matching(p, i + 1, used, cur, best);
    cur.pop();
    for &j in p.row_cols(i) {
        if used & (1 << j) == 0 {
            cur.push(Some(j));
            brute_matching(p, i + 1, used | (1 << j), cur, best);
            cur.pop();
        }
    }
}

fn as_matching(p: &Pattern, row_to_col: Vec<Option<usize>>) -> Matching {
    let mut col_to_row = vec![None; p.ncols()];
    for (i, c) in row_to_col.iter().enumerate() {
        if let Some(j) = c {
            col_to_row[*j] = Some(i);
        }
    }
    let size = row_to_col.iter().filter(|c| c.is_some()).count();
    Matching { row_to_col, col_to_row, size }
}

#[test]
fn matching_size_equals_brute_force_and_is_valid() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let p = random_pattern(&mut rng);
        let mm = maximum_matching(&p);
        let mut best = (0, vec![None; p.nrows()]);
        brute_matching(&p, 0, 0, &mut Vec::new(), &mut best);
        assert_eq!(mm.size, best.0, "{p:?}");
        for (i, c) in mm.row_to_col.iter().enumerate() {
            if let Some(j) = *c {
                assert!(p.contains(i, j));
                assert_eq!(mm.col_to_row[j], Some(i));
            }
        }
        assert_eq!(mm.col_to_row.iter().filter(|r| r.is_some()).count(), mm.size);
    }
}

#[test]
fn dulmage_mendelsohn_invariants_and_independence_of_the_matching() {
    let mut rng = Rng(12345);
    for _ in 0..3000 {
        let p = random_pattern(&mut rng);
        let mm = maximum_matching(&p);
        let dm = dulmage_mendelsohn(&p, &mm);
        let (m, n) = (p.nrows(), p.ncols());
        // A partition of rows and columns.
        let mut rows: Vec<usize> = [&dm.under.rows, &dm.square.rows, &dm.over.rows].iter().flat_map(|v| v.iter().copied()).collect();
        let mut cols: Vec<usize> = [&dm.under.cols, &dm.square.cols, &dm.over.cols].iter().flat_map(|v| v.iter().copied()).collect();
        rows.sort_unstable();
        cols.sort_unstable();
        assert_eq!(rows, (0..m).collect::<Vec<_>>());
        assert_eq!(cols, (0..n).collect::<Vec<_>>());
        // Shapes: every unmatched column is under-determined, every unmatched row over-determined.
        assert_eq!(dm.under.cols.len() - dm.under.rows.len(), n - mm.size, "{p:?} {dm:?}");
        assert_eq!(dm.over.rows.len() - dm.over.cols.len(), m - mm.size, "{p:?} {dm:?}");
        assert_eq!(dm.square.rows.len(), dm.square.cols.len());
        for &i in &dm.square.rows {
            let j = mm.row_to_col[i].expect("square rows are matched");
            assert!(dm.square.cols.contains(&j));
        }
        // The zero blocks of the block upper triangular form.
        for &i in &dm.square.rows {
            assert!(p.row_cols(i).iter().all(|j| !dm.under.cols.contains(j)), "{p:?} {dm:?}");
        }
        for &i in &dm.over.rows {
            assert!(p.row_cols(i).iter().all(|j| dm.over.cols.contains(j)), "{p:?} {dm:?}");
        }
        // The same partition from another maximum matching (the brute-force one).
        let mut best = (0, vec![None; m]);
        brute_matching(&p, 0, 0, &mut Vec::new(), &mut best);
        let other = as_matching(&p, best.1);
        assert_eq!(dulmage_mendelsohn(&p, &other), dm, "{p:?}");
    }
}

/// Reachability closure of the "row r needs the column matched to row r'" graph.
fn closure(p: &Pattern, mm: &Matching, rows: &[usize]) -> Vec<Vec<bool>> {
    let k = rows.len();
    let mut reach = vec![vec![false; k]; k];
    for a in 0..k {
        reach[a][a] = true;
        for b in 0..k {
            if p.contains(rows[a], mm.row_to_col[rows[b]].unwrap()) {
                reach[a][b] = true;
            }
        }
    }
    for c in 0..k {
        for a in 0..k {
            for b in 0..k {
                if reach[a][c] && reach[c][b] {
                    reach[a][b] = true;
                }
            }
        }
    }
    reach
}

#[test]
fn block_triangular_form_is_lower_triangular_and_finest() {
    let mut rng = Rng(777);
    let mut nontrivial = 0;
    for _ in 0..3000 {
        let p = random_pattern(&mut rng);
        let mm = maximum_matching(&p);
        let dm = dulmage_mendelsohn(&p, &mm);
        let blocks = block_triangular_form(&p, &mm, &dm.square.rows).unwrap();
        let mut block_of_col = vec![usize::MAX; p.ncols()];
        let mut block_of_row = vec![usize::MAX; p.nrows()];
        for (k, b) in blocks.iter().enumerate() {
            assert_eq!(b.rows.len(), b.cols.len());
            for (&i, &j) in b.rows.iter().zip(&b.cols) {
                assert_eq!(mm.row_to_col[i], Some(j));
                block_of_row[i] = k;
                block_of_col[j] = k;
            }
        }
        if blocks.len() > 1 {
            nontrivial += 1;
        }
        // Covers the square part exactly.
        assert_eq!(blocks.iter().map(|b| b.rows.len()).sum::<usize>(), dm.square.rows.len());
        // Lower block triangular: a block's rows only touch square columns of blocks ≤ k.
        for (k, b) in blocks.iter().enumerate() {
            for &i in &b.rows {
                for &j in p.row_cols(i) {
                    if dm.square.cols.contains(&j) {
                        assert!(block_of_col[j] <= k, "{p:?} {blocks:?}");
                    }
                }
            }
        }
        // Finest: same block exactly when mutually reachable.
        let rows = &dm.square.rows;
        let reach = closure(&p, &mm, rows);
        for a in 0..rows.len() {
            for b in 0..rows.len() {
                let same = block_of_row[rows[a]] == block_of_row[rows[b]];
                assert_eq!(same, reach[a][b] && reach[b][a], "{p:?} {blocks:?}");
            }
        }
    }
    assert!(nontrivial > 100, "the random patterns must exercise multi-block forms ({nontrivial})");
}

#[test]
fn connected_components_are_connected_and_separated() {
    let mut rng = Rng(4242);
    for _ in 0..2000 {
        let p = random_pattern(&mut rng);
        let rows: Vec<usize> = (0..p.nrows()).collect();
        let cols: Vec<usize> = (0..p.ncols()).collect();
        let comps = connected_components(&p, &rows, &cols);
        let mut comp_of_row = vec![usize::MAX; p.nrows()];
        let mut comp_of_col = vec![usize::MAX; p.ncols()];
        for (k, c) in comps.iter().enumerate() {
            c.rows.iter().for_each(|&i| comp_of_row[i] = k);
            c.cols.iter().for_each(|&j| comp_of_col[j] = k);
            // Connected: BFS inside the component reaches all of it.
            let mut seen_r = vec![false; p.nrows()];
            let mut seen_c = vec![false; p.ncols()];
            let mut queue: Vec<(bool, usize)> = match (c.rows.first(), c.cols.first()) {
                (Some(&i), _) => vec![(true, i)],
                (None, Some(&j)) => vec![(false, j)],
                _ => panic!("empty component"),
            };
            while let Some((is_row, a)) = queue.pop() {
                if is_row {
                    if std::mem::replace(&mut seen_r[a], true) {
                        continue;
                    }
                    queue.extend(p.row_cols(a).iter().map(|&j| (false, j)));
                } else {
                    if std::mem::replace(&mut seen_c[a], true) {
                        continue;
                    }
                    queue.extend(p.col_rows(a).iter().map(|&i| (true, i)));
                }
            }
            assert_eq!(seen_r.iter().filter(|&&s| s).count(), c.rows.len());
            assert_eq!(seen_c.iter().filter(|&&s| s).count(), c.cols.len());
        }
        assert!(comp_of_row.iter().all(|&k| k != usize::MAX) && comp_of_col.iter().all(|&k| k != usize::MAX));
        for i in 0..p.nrows() {
            for &j in p.row_cols(i) {
                assert_eq!(comp_of_row[i], comp_of_col[j]);
            }
        }
    }
}

#[test]
fn long_chain_needs_no_recursion() {
    // x0 = a, x_k = g(x_{k-1}): a 200 000-link chain, one block per link, in chain order.
    let n = 200_000;
    let mut rows = vec![0];
    let mut cols = vec![0];
    for k in 1..n {
        rows.extend([k, k]);
        cols.extend([k - 1, k]);
    }
    let p = Pattern::from_coords(n, n, &rows, &cols).unwrap();
    // Reverse the greedy start's luck: the matching must still be perfect.
    let mm = maximum_matching(&p);
    assert_eq!(mm.size, n);
    let dm = dulmage_mendelsohn(&p, &mm);
    assert_eq!(dm.square.rows.len(), n);
    let blocks = block_triangular_form(&p, &mm, &dm.square.rows).unwrap();
    assert_eq!(blocks.len(), n);
    assert!(blocks.iter().enumerate().all(|(k, b)| b.rows == [k] && b.cols == [k]));
    // One big cycle (x_0 also in the last row) is one irreducible block.
    let mut rows2 = rows.clone();
    let mut cols2 = cols.clone();
    rows2.push(n - 1);
    cols2.push(0);
    rows2.push(0);
    cols2.push(n - 1);
    let p2 = Pattern::from_coords(n, n, &rows2, &cols2).unwrap();
    let mm2 = maximum_matching(&p2);
    let blocks2 = block_triangular_form(&p2, &mm2, &(0..n).collect::<Vec<_>>()).unwrap();
    assert_eq!(blocks2.len(), 1);
}

#[test]
fn unmatched_rows_are_rejected_with_a_typed_error() {
    let p = Pattern::from_coords(2, 1, &[0, 1], &[0, 0]).unwrap();
    let mm = maximum_matching(&p);
    let unmatched = (0..2).find(|&i| mm.row_to_col[i].is_none()).unwrap();
    let err = block_triangular_form(&p, &mm, &[0, 1]).unwrap_err();
    assert_eq!(err, ipax_structure::StructureError::NotPerfectlyMatched { row: unmatched });
}
