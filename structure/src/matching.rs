//! Hopcroft–Karp maximum bipartite matching between rows and columns.

use crate::pattern::Pattern;

/// A matching: each row paired with at most one column and vice versa, along pattern entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matching {
    /// `row_to_col[i] = Some(j)` when row `i` is matched to column `j`.
    pub row_to_col: Vec<Option<usize>>,
    /// The inverse map.
    pub col_to_row: Vec<Option<usize>>,
    /// Number of matched pairs (the structural rank of the pattern when maximum).
    pub size: usize,
}

const UNSEEN: usize = usize::MAX;

/// A maximum matching of `pattern` (Hopcroft & Karp 1973).
///
/// Each phase runs a breadth-first search from the unmatched rows that layers the graph by
/// alternating-path length, then depth-first searches for vertex-disjoint shortest augmenting
/// paths in that layered graph; `O(√(m+n))` phases of `O(|E|)` work. Both searches are iterative
/// so deep alternating paths (long chains of equations) cannot overflow the stack.
pub fn maximum_matching(pattern: &Pattern) -> Matching {
    let (m, n) = (pattern.nrows(), pattern.ncols());
    let mut row_to_col = vec![None; m];
    let mut col_to_row = vec![None; n];
    // A cheap greedy start: most pairs of a typical Jacobian are found here.
    for i in 0..m {
        if let Some(&j) = pattern.row_cols(i).iter().find(|&&j| col_to_row[j].is_none()) {
            row_to_col[i] = Some(j);
            col_to_row[j] = Some(i);
        }
    }
    let mut dist = vec![UNSEEN; m];
    let mut queue = Vec::with_capacity(m);
    let mut next_edge = vec![0usize; m];
    let mut stack: Vec<usize> = Vec::new();
    loop {
        // BFS layering from the free rows.
        queue.clear();
        for i in 0..m {
            if row_to_col[i].is_none() {
                dist[i] = 0;
                queue.push(i);
            } else {
                dist[i] = UNSEEN;
            }
        }
        let mut found = false;
        let mut head = 0;
        while head < queue.len() {
            let u = queue[head];
            head += 1;
            for &v in pattern.row_cols(u) {
                match col_to_row[v] {
                    None => found = true,
                    Some(w) if dist[w] == UNSEEN => {
                        dist[w] = dist[u] + 1;
                        queue.push(w);
                    }
                    Some(_) => {}
                }
            }
        }
        if !found {
            break;
        }
        // DFS for disjoint augmenting paths along the layers.
        next_edge.iter_mut().for_each(|e| *e = 0);
        for root in 0..m {
            if row_to_col[root].is_some() || dist[root] != 0 {
                continue;
            }
            stack.clear();
            stack.push(root);
            while let Some(&u) = stack.last() {
                let cols = pattern.row_cols(u);
                if next_edge[u] == cols.len() {
                    // Dead end: never visit u again in this phase.
                    dist[u] = UNSEEN;
                    stack.pop();
                    if let Some(&p) = stack.last() {
                        next_edge[p] += 1;
                    }
                    continue;
                }
                let v = cols[next_edge[u]];
                match col_to_row[v] {
                    None => {
                        // Flip the path: every row on the stack takes the column it points at.
                        for &r in &stack {
                            let c = pattern.row_cols(r)[next_edge[r]];
                            row_to_col[r] = Some(c);
                            col_to_row[c] = Some(r);
                        }
                        for &r in &stack {
                            dist[r] = UNSEEN;
                        }
                        stack.clear();
                    }
                    Some(w) if dist[w] != UNSEEN && dist[w] == dist[u] + 1 => stack.push(w),
                    Some(_) => next_edge[u] += 1,
                }
            }
        }
    }
    let size = row_to_col.iter().filter(|c| c.is_some()).count();
    Matching { row_to_col, col_to_row, size }
}
