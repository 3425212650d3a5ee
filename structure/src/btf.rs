//! Connected components and the block triangular form of a square, perfectly matched part.

use crate::matching::Matching;
use crate::pattern::{Pattern, StructureError};

/// A diagonal block: rows and columns. In a block returned by [`block_triangular_form`],
/// `rows[k]` is matched to `cols[k]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Block {
    /// Rows of the block.
    pub rows: Vec<usize>,
    /// Columns of the block.
    pub cols: Vec<usize>,
}

const NONE: usize = usize::MAX;

/// Connected components of the bipartite graph restricted to `rows` × `cols` (entries with one
/// end outside the subset are ignored). Components are ordered by their smallest row (components
/// without rows, i.e. lone columns, come last by smallest column); indices ascend inside each.
pub fn connected_components(pattern: &Pattern, rows: &[usize], cols: &[usize]) -> Vec<Block> {
    let (m, n) = (pattern.nrows(), pattern.ncols());
    // Union-find over m + n nodes: rows first, then columns.
    let mut parent: Vec<usize> = (0..m + n).collect();
    fn find(parent: &mut [usize], mut a: usize) -> usize {
        while parent[a] != a {
            parent[a] = parent[parent[a]];
            a = parent[a];
        }
        a
    }
    let mut in_cols = vec![false; n];
    cols.iter().for_each(|&j| in_cols[j] = true);
    for &i in rows {
        for &j in pattern.row_cols(i) {
            if in_cols[j] {
                let (a, b) = (find(&mut parent, i), find(&mut parent, m + j));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
    }
    let mut slot = vec![NONE; m + n];
    let mut blocks: Vec<Block> = Vec::new();
    let mut sorted_rows = rows.to_vec();
    sorted_rows.sort_unstable();
    let mut sorted_cols = cols.to_vec();
    sorted_cols.sort_unstable();
    for &i in &sorted_rows {
        let r = find(&mut parent, i);
        if slot[r] == NONE {
            slot[r] = blocks.len();
            blocks.push(Block::default());
        }
        blocks[slot[r]].rows.push(i);
    }
    for &j in &sorted_cols {
        let r = find(&mut parent, m + j);
        if slot[r] == NONE {
            slot[r] = blocks.len();
            blocks.push(Block::default());
        }
        blocks[slot[r]].cols.push(j);
    }
    blocks
}

/// Block triangular form of the square part given by `rows`, each matched (by `matching`) to a
/// column, the matched columns forming the part's columns.
///
/// Node `r` stands for the pair (row `r`, column `μ(r)`); an arc `r → r'` means row `r` has an
/// entry in column `μ(r')`, i.e. equation `r` needs the variable that equation `r'` determines.
/// Tarjan's algorithm emits strongly connected components in reverse topological order of
/// these arcs — every block after all blocks it needs — so with blocks in the returned order the
/// permuted matrix is lower block triangular and the blocks can be solved one after another
/// (forward substitution). Each block is irreducible: no row/column permutation splits it further.
/// The search is iterative (no recursion depth limit on long chains).
pub fn block_triangular_form(pattern: &Pattern, matching: &Matching, rows: &[usize]) -> Result<Vec<Block>, StructureError> {
    let m = pattern.nrows();
    let mut local = vec![NONE; m];
    for (k, &i) in rows.iter().enumerate() {
        if matching.row_to_col.get(i).copied().flatten().is_none() {
            return Err(StructureError::NotPerfectlyMatched { row: i });
        }
        local[i] = k;
    }
    let nodes = rows.len();
    let successor = |v: usize, pos: usize| -> Option<Option<usize>> {
        // Some(Some(w)): the pos-th entry of row v leads to node w; Some(None): it leads outside
        // the part (or to v itself); None: no entry left.
        let c = *pattern.row_cols(rows[v]).get(pos)?;
        Some(matching.col_to_row[c].map(|r| local[r]).filter(|&w| w != NONE && w != v))
    };
    let mut index = vec![NONE; nodes];
    let mut low = vec![0usize; nodes];
    let mut on_stack = vec![false; nodes];
    let mut scc_stack: Vec<usize> = Vec::new();
    let mut call: Vec<(usize, usize)> = Vec::new();
    let mut counter = 0;
    let mut blocks = Vec::new();
    for root in 0..nodes {
        if index[root] != NONE {
            continue;
        }
        index[root] = counter;
        low[root] = counter;
        counter += 1;
        scc_stack.push(root);
        on_stack[root] = true;
        call.push((root, 0));
        while let Some(&mut (v, ref mut pos)) = call.last_mut() {
            match successor(v, *pos) {
                Some(next) => {
                    *pos += 1;
                    if let Some(w) = next {
                        if index[w] == NONE {
                            index[w] = counter;
                            low[w] = counter;
                            counter += 1;
                            scc_stack.push(w);
                            on_stack[w] = true;
                            call.push((w, 0));
                        } else if on_stack[w] {
                            low[v] = low[v].min(index[w]);
                        }
                    }
                }
                None => {
                    call.pop();
                    if low[v] == index[v] {
                        let mut block = Block::default();
                        loop {
                            let w = scc_stack.pop().expect("Tarjan: v is on the stack");
                            on_stack[w] = false;
                            let r = rows[w];
                            block.rows.push(r);
                            block.cols.push(matching.row_to_col[r].expect("checked above"));
                            if w == v {
                                break;
                            }
                        }
                        blocks.push(block);
                    }
                    if let Some(&(p, _)) = call.last() {
                        low[p] = low[p].min(low[v]);
                    }
                }
            }
        }
    }
    Ok(blocks)
}
