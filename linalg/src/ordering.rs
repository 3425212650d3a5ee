//! Fill-reducing orderings for the sparse LDLᵀ and a symbolic predictor of their cost.
//!
//! * [`nested_dissection`]: George's nested dissection (A. George, "Nested dissection of a regular
//!   finite element mesh", SIAM J. Numer. Anal. 10, 1973) with the automatic level-structure
//!   separators of George & Liu ("Computer Solution of Large Sparse Positive Definite Systems",
//!   1981, §8.2), separator thinning, and faer's AMD on the leaves. On 2-D PDE grids it gives
//!   fewer factorization flops than minimum degree, the more so the larger the grid.
//! * [`amd`]: faer's approximate minimum degree on the same input convention.
//! * [`factor_cost`]: nnz(L) and the LDLᵀ flop estimate Σ c_j² of a permutation, from the
//!   elimination tree and column counts (no numeric work), so a caller can pick the cheaper order.
//!
//! All three take the symmetric pattern as a CSC structure `(n, col_ptr, row_idx)` holding either
//! triangle or both; the diagonal and duplicate entries are ignored. Permutations are returned as
//! `perm_fwd`: position `k` of the reordered matrix holds original index `perm_fwd[k]` (faer's
//! forward array of a `PermRef`).
//!
//! ```
//! use ipax_linalg::ordering::{amd, factor_cost, nested_dissection};
//!
//! // A 30×30 5-point grid Laplacian pattern (lower triangle, diagonal included).
//! let side = 30;
//! let n = side * side;
//! let (mut col_ptr, mut row_idx) = (vec![0], Vec::new());
//! for j in 0..n {
//!     row_idx.push(j);
//!     if j % side + 1 < side { row_idx.push(j + 1); }
//!     if j + side < n { row_idx.push(j + side); }
//!     col_ptr.push(row_idx.len());
//! }
//! let nd = nested_dissection(n, &col_ptr, &row_idx);
//! let md = amd(n, &col_ptr, &row_idx);
//! let (c_nd, c_md) = (factor_cost(n, &col_ptr, &row_idx, &nd), factor_cost(n, &col_ptr, &row_idx, &md));
//! assert!(c_nd.nnz_l >= n && c_md.nnz_l >= n);
//! ```

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::sparse::SymbolicSparseColMatRef;
use faer::sparse::linalg::amd as faer_amd;

/// Predicted cost of an LDLᵀ factorization under a symmetric permutation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FactorCost {
    /// Number of entries of L, diagonal included.
    pub nnz_l: usize,
    /// Σ_j c_j², c_j the column count of L including the diagonal: the usual estimate of the
    /// multiply-adds of a left- or right-looking LDLᵀ (each column j updates c_j² / 2 entries
    /// of the trailing matrix, counted here without the ½ as faer's and CHOLMOD's flop counts do
    /// up to lower-order terms).
    pub flops: f64,
}

/// Tuning parameters of [`nested_dissection_with`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NdParams {
    /// Subgraphs with at most this many vertices are not dissected further but ordered by AMD.
    pub leaf_size: usize,
    /// A vertex is "dense" (removed before dissection, ordered last) when its degree exceeds
    /// `max(16, dense_factor · √n)`, the rule of AMD (Amestoy, Davis & Duff 1996, §4.5).
    pub dense_factor: f64,
}

impl Default for NdParams {
    fn default() -> Self {
        NdParams { leaf_size: 128, dense_factor: 10.0 }
    }
}

/// Nested-dissection ordering of the symmetric pattern given by a CSC structure (either triangle,
/// or both; the diagonal and duplicates are ignored). Returns `perm_fwd`: position k of the
/// reordered matrix holds original index perm_fwd[k] (faer's convention for `PermRef` forward arrays).
pub fn nested_dissection(n: usize, col_ptr: &[usize], row_idx: &[usize]) -> Vec<usize> {
    nested_dissection_with(n, col_ptr, row_idx, &NdParams::default())
}

/// [`nested_dissection`] with explicit [`NdParams`].
pub fn nested_dissection_with(n: usize, col_ptr: &[usize], row_idx: &[usize], params: &NdParams) -> Vec<usize> {
    let g = Graph::from_csc(n, col_ptr, row_idx);
    // Dense vertices (AMD's rule) would make every level structure shallow and every separator
    // contain them; they are eliminated last, where their fill costs nothing extra.
    let dense_limit = (params.dense_factor * (n as f64).sqrt()).max(16.0);
    let dense: Vec<bool> = (0..n).map(|v| g.degree(v) as f64 > dense_limit).collect();
    let mut perm = Vec::with_capacity(n);
    let mut main = Vec::with_capacity(n);
    let mut dense_list = Vec::new();
    for v in 0..n {
        if dense[v] {
            dense_list.push(v);
        } else if g.neighbors(v).iter().all(|&u| dense[u]) {
            // Isolated once the dense vertices are gone: eliminating it first creates no fill
            // except in the dense rows, which are last anyway.
            perm.push(v);
        } else {
            main.push(v);
        }
    }
    let lo = perm.len();
    perm.extend_from_slice(&main);
    let hi = perm.len();
    dense_list.sort_by_key(|&v| (g.degree(v), v));
    perm.extend_from_slice(&dense_list);
    if hi > lo {
        let mut d = Dissector::new(&g, params.leaf_size.max(1));
        d.run(&mut perm, lo, hi);
    }
    perm
}

/// Approximate minimum degree (faer's AMD) on the same input convention, returning perm_fwd.
pub fn amd(n: usize, col_ptr: &[usize], row_idx: &[usize]) -> Vec<usize> {
    let g = Graph::from_csc(n, col_ptr, row_idx);
    amd_local(n, &g.xadj, &g.adj)
}

/// nnz(L) (with diagonal) and flops Σ_j c_j² (c_j = column count of L incl. diagonal, i.e. the usual
/// LDLᵀ multiply-add estimate) of factoring P A Pᵀ for `perm_fwd`, from the elimination tree and
/// column counts (no numeric work). Same input convention.
pub fn factor_cost(n: usize, col_ptr: &[usize], row_idx: &[usize], perm_fwd: &[usize]) -> FactorCost {
    let g = Graph::from_csc(n, col_ptr, row_idx);
    let mut inv = vec![0usize; n];
    for (k, &v) in perm_fwd.iter().enumerate() {
        inv[v] = k;
    }
    // Row-subtree walk (Liu, "The role of elimination trees in sparse factorization", SIAM J.
    // Matrix Anal. Appl. 11, 1990, §3): the nonzeros of row k of L are the nodes of the etree
    // subtree reached by walking up from every i < k with a_ik ≠ 0 until a node already marked
    // for row k. Each visit adds one to that node's column count; an unparented node met on the
    // way gets k as its etree parent. Cost O(nnz(L)), affordable at our sizes.
    const NONE: usize = usize::MAX;
    let mut parent = vec![NONE; n];
    let mut mark = vec![NONE; n];
    let mut count = vec![1usize; n];
    for k in 0..n {
        mark[k] = k;
        for &u in g.neighbors(perm_fwd[k]) {
            let mut i = inv[u];
            if i >= k {
                continue;
            }
            while mark[i] != k {
                mark[i] = k;
                count[i] += 1;
                if parent[i] == NONE {
                    parent[i] = k;
                }
                i = parent[i];
            }
        }
    }
    let nnz_l = count.iter().sum();
    let flops = count.iter().map(|&c| (c as f64) * (c as f64)).sum();
    FactorCost { nnz_l, flops }
}

/// Symmetric adjacency structure (CSR = CSC by symmetry): no self loops, no duplicates.
struct Graph {
    xadj: Vec<usize>,
    adj: Vec<usize>,
}

impl Graph {
    /// Symmetrizes the pattern of a CSC structure holding one or both triangles.
    fn from_csc(n: usize, col_ptr: &[usize], row_idx: &[usize]) -> Self {
        let entries = |j: usize| {
            let (a, b) = if col_ptr.len() > j + 1 { (col_ptr[j], col_ptr[j + 1]) } else { (0, 0) };
            row_idx[a.min(b)..b].iter().copied().filter(move |&i| i != j)
        };
        let mut deg = vec![0usize; n + 1];
        for j in 0..n {
            for i in entries(j) {
                deg[i] += 1;
                deg[j] += 1;
            }
        }
        let mut xadj = vec![0usize; n + 1];
        for v in 0..n {
            xadj[v + 1] = xadj[v] + deg[v];
        }
        let mut next = xadj[..n].to_vec();
        let mut adj = vec![0usize; xadj[n]];
        for j in 0..n {
            for i in entries(j) {
                adj[next[i]] = j;
                next[i] += 1;
                adj[next[j]] = i;
                next[j] += 1;
            }
        }
        // Remove duplicates (an entry given in both triangles, or repeated) in place.
        let mut mark = vec![usize::MAX; n];
        let mut out = 0;
        let mut start = 0;
        for v in 0..n {
            let end = xadj[v + 1];
            for p in start..end {
                let u = adj[p];
                if mark[u] != v {
                    mark[u] = v;
                    adj[out] = u;
                    out += 1;
                }
            }
            start = end;
            xadj[v + 1] = out;
        }
        adj.truncate(out);
        Graph { xadj, adj }
    }

    fn neighbors(&self, v: usize) -> &[usize] {
        &self.adj[self.xadj[v]..self.xadj[v + 1]]
    }

    fn degree(&self, v: usize) -> usize {
        self.xadj[v + 1] - self.xadj[v]
    }
}

/// faer's AMD on a symmetric adjacency structure with both triangles, no diagonal, no duplicates.
/// If faer cannot allocate its workspace the natural order is returned: still a valid
/// permutation, only a worse one (the cost predictor then says so).
fn amd_local(n: usize, xadj: &[usize], adj: &[usize]) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let natural = || (0..n).collect();
    // Valid by construction (Graph / leaf extraction), so the checked constructor cannot panic.
    let pattern = SymbolicSparseColMatRef::new_unsorted_checked(n, n, xadj, None, adj);
    let req = faer_amd::order_maybe_unsorted_scratch::<usize>(n, adj.len());
    let Ok(mut mem) = MemBuffer::try_new(req) else {
        return natural();
    };
    let mut fwd = vec![0usize; n];
    let mut inv = vec![0usize; n];
    match faer_amd::order_maybe_unsorted(&mut fwd, &mut inv, pattern, faer_amd::Control::default(), MemStack::new(&mut mem)) {
        Ok(_) => fwd,
        Err(_) => natural(),
    }
}

/// One pending range `perm[lo..hi]` of the work stack: the vertices of an induced subgraph, which
/// will be ordered into exactly those positions.
#[derive(Clone, Copy)]
struct Item {
    lo: usize,
    hi: usize,
    /// Order with AMD without looking for a separator (a group of small components).
    leaf: bool,
}

/// Workspace of the recursive bisection, shared by all subgraphs: every per-vertex array is
/// indexed by the original vertex and validated by a stamp, so nothing is cleared between
/// subgraphs and the total work is O(nnz · depth).
struct Dissector<'g> {
    g: &'g Graph,
    leaf_size: usize,
    /// `sub[v] == sub_stamp` iff v belongs to the subgraph being processed.
    sub: Vec<usize>,
    sub_stamp: usize,
    /// `seen[v] == seen_stamp` iff v was reached by the current breadth-first search.
    seen: Vec<usize>,
    seen_stamp: usize,
    level_of: Vec<usize>,
    /// Breadth-first order of the last search; level k is `queue[level_ptr[k]..level_ptr[k + 1]]`.
    queue: Vec<usize>,
    level_ptr: Vec<usize>,
    /// Part of each vertex of a subgraph being split: `A`, `B` or `SEP`.
    label: Vec<u8>,
    /// Local index of a subgraph vertex (leaf extraction).
    local: Vec<usize>,
    tmp: Vec<usize>,
}

const A: u8 = 0;
const B: u8 = 1;
const SEP: u8 = 2;

impl<'g> Dissector<'g> {
    fn new(g: &'g Graph, leaf_size: usize) -> Self {
        let n = g.xadj.len() - 1;
        Dissector {
            g,
            leaf_size,
            sub: vec![0; n],
            sub_stamp: 0,
            seen: vec![0; n],
            seen_stamp: 0,
            level_of: vec![0; n],
            queue: Vec::with_capacity(n),
            level_ptr: Vec::new(),
            label: vec![A; n],
            local: vec![0; n],
            tmp: Vec::with_capacity(n),
        }
    }

    /// Orders `perm[lo..hi]` in place. An explicit stack replaces the recursion (the dissection
    /// tree of a path graph is as deep as n / leaf_size).
    fn run(&mut self, perm: &mut [usize], lo: usize, hi: usize) {
        let mut stack = vec![Item { lo, hi, leaf: false }];
        while let Some(item) = stack.pop() {
            self.sub_stamp += 1;
            for &v in &perm[item.lo..item.hi] {
                self.sub[v] = self.sub_stamp;
            }
            if item.leaf || item.hi - item.lo <= self.leaf_size {
                self.order_leaf(&mut perm[item.lo..item.hi]);
            } else {
                self.split(perm, item, &mut stack);
            }
        }
    }

    /// Neighbours of `v` inside the current subgraph.
    fn sub_neighbors(&self, v: usize) -> impl Iterator<Item = usize> + '_ {
        let s = self.sub_stamp;
        self.g.neighbors(v).iter().copied().filter(move |&u| self.sub[u] == s)
    }

    /// Breadth-first search of the current subgraph from `root`; returns the number of levels.
    /// With `fresh == false` the search continues the previous one's `seen` marks (component
    /// enumeration) and appends to `queue`.
    fn bfs(&mut self, root: usize, fresh: bool) -> usize {
        if fresh {
            self.seen_stamp += 1;
            self.queue.clear();
        }
        let st = self.seen_stamp;
        let s = self.sub_stamp;
        self.level_ptr.clear();
        self.level_ptr.push(self.queue.len());
        self.seen[root] = st;
        self.level_of[root] = 0;
        self.queue.push(root);
        let mut start = self.level_ptr[0];
        let mut k = 0;
        while start < self.queue.len() {
            let end = self.queue.len();
            self.level_ptr.push(end);
            for idx in start..end {
                let v = self.queue[idx];
                for &u in self.g.neighbors(v) {
                    if self.sub[u] == s && self.seen[u] != st {
                        self.seen[u] = st;
                        self.level_of[u] = k + 1;
                        self.queue.push(u);
                    }
                }
            }
            start = end;
            k += 1;
        }
        k
    }

    /// Splits the subgraph `perm[item.lo..item.hi]`: into its connected components if it has
    /// several, else into A, B and a separator placed last.
    fn split(&mut self, perm: &mut [usize], item: Item, stack: &mut Vec<Item>) {
        let (lo, hi) = (item.lo, item.hi);
        let m = hi - lo;
        let mut nlev = self.bfs(perm[lo], true);
        if self.queue.len() < m {
            self.split_components(perm, lo, hi, stack);
            return;
        }
        // Pseudo-peripheral root (George & Liu 1981, §4.3.2, algorithm FNROOT): restart the
        // search from a minimum-degree vertex of the last level while the eccentricity grows.
        // A deep level structure has many thin levels, hence small separators.
        for _ in 0..8 {
            let last = &self.queue[self.level_ptr[nlev - 1]..self.level_ptr[nlev]];
            let mut best = last[0];
            let mut best_deg = usize::MAX;
            for &v in last {
                let d = self.sub_neighbors(v).count();
                if d < best_deg {
                    best_deg = d;
                    best = v;
                }
            }
            let root = self.queue[0];
            let new_nlev = self.bfs(best, true);
            if new_nlev <= nlev {
                if new_nlev < nlev {
                    nlev = self.bfs(root, true);
                }
                break;
            }
            nlev = new_nlev;
        }
        if nlev < 3 {
            // Diameter ≤ 2: no level separates two nonempty parts; the subgraph is nearly a
            // clique and minimum degree is the right tool.
            self.order_leaf(&mut perm[lo..hi]);
            return;
        }
        let k = self.choose_level(nlev, m);
        let (sep_lo, sep_hi) = (self.level_ptr[k], self.level_ptr[k + 1]);
        for idx in 0..m {
            let v = self.queue[idx];
            self.label[v] = if idx < sep_lo {
                A
            } else if idx < sep_hi {
                SEP
            } else {
                B
            };
        }
        // Thinning: a separator vertex without neighbours in one part can join the other part
        // and the rest still separates A from B. Done sequentially so that each move sees the
        // previous ones (two adjacent vertices must not move to opposite sides).
        for idx in sep_lo..sep_hi {
            let v = self.queue[idx];
            let (mut in_a, mut in_b) = (false, false);
            for u in self.sub_neighbors(v) {
                match self.label[u] {
                    A => in_a = true,
                    B => in_b = true,
                    _ => {}
                }
            }
            if !in_b {
                self.label[v] = A;
            } else if !in_a {
                self.label[v] = B;
            }
        }
        self.tmp.clear();
        for part in [A, B, SEP] {
            for idx in 0..m {
                let v = self.queue[idx];
                if self.label[v] == part {
                    self.tmp.push(v);
                }
            }
        }
        let na = self.queue[..m].iter().filter(|&&v| self.label[v] == A).count();
        let nb = self.queue[..m].iter().filter(|&&v| self.label[v] == B).count();
        perm[lo..hi].copy_from_slice(&self.tmp);
        // The separator stays at perm[lo + na + nb..hi], eliminated after both parts.
        if nb > 0 {
            stack.push(Item { lo: lo + na, hi: lo + na + nb, leaf: false });
        }
        if na > 0 {
            stack.push(Item { lo, hi: lo + na, leaf: false });
        }
    }

    /// Index of the separating level among 1..nlev-1: the smallest level near the median,
    /// penalized by the imbalance of the two sides it leaves.
    fn choose_level(&self, nlev: usize, m: usize) -> usize {
        let mf = m as f64;
        let mut best = None;
        let mut best_score = f64::INFINITY;
        let mut median = 1;
        for k in 1..nlev - 1 {
            let a = self.level_ptr[k] as f64;
            let s = (self.level_ptr[k + 1] - self.level_ptr[k]) as f64;
            let b = mf - a - s;
            if self.level_ptr[k] <= m / 2 {
                median = k;
            }
            // Only levels leaving at least a fifth on each side are candidates: a lopsided split
            // deepens the dissection tree without shrinking the large side.
            if a.min(b) < 0.2 * mf {
                continue;
            }
            let score = s * (1.0 + 2.0 * (a - b).abs() / mf);
            if score < best_score {
                best_score = score;
                best = Some(k);
            }
        }
        best.unwrap_or(median)
    }

    /// Writes each connected component of the subgraph contiguously into `perm[lo..hi]` and
    /// queues it; small components are grouped into AMD leaves (no per-component overhead).
    fn split_components(&mut self, perm: &mut [usize], lo: usize, hi: usize, stack: &mut Vec<Item>) {
        self.seen_stamp += 1;
        self.queue.clear();
        let mut bounds = vec![0usize];
        for idx in lo..hi {
            let v = perm[idx];
            if self.seen[v] != self.seen_stamp {
                self.bfs(v, false);
                bounds.push(self.queue.len());
            }
        }
        perm[lo..hi].copy_from_slice(&self.queue);
        let mut group_start = None::<usize>;
        for w in bounds.windows(2) {
            let (a, b) = (w[0], w[1]);
            if b - a > self.leaf_size {
                stack.push(Item { lo: lo + a, hi: lo + b, leaf: false });
                if let Some(g) = group_start.take() {
                    stack.push(Item { lo: lo + g, hi: lo + a, leaf: true });
                }
            } else {
                let g = *group_start.get_or_insert(a);
                if b - g >= self.leaf_size {
                    stack.push(Item { lo: lo + g, hi: lo + b, leaf: true });
                    group_start = None;
                }
            }
        }
        if let Some(g) = group_start {
            stack.push(Item { lo: lo + g, hi, leaf: true });
        }
    }

    /// Orders the subgraph held in `verts` (all stamped with the current `sub_stamp`) by AMD on
    /// its induced pattern.
    fn order_leaf(&mut self, verts: &mut [usize]) {
        let m = verts.len();
        if m <= 1 {
            return;
        }
        for (k, &v) in verts.iter().enumerate() {
            self.local[v] = k;
        }
        let mut xadj = Vec::with_capacity(m + 1);
        let mut adj = Vec::new();
        xadj.push(0);
        for &v in verts.iter() {
            adj.extend(self.sub_neighbors(v).map(|u| self.local[u]));
            xadj.push(adj.len());
        }
        let order = amd_local(m, &xadj, &adj);
        self.tmp.clear();
        self.tmp.extend(order.iter().map(|&k| verts[k]));
        verts.copy_from_slice(&self.tmp);
    }
}
