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
    /// work of an LDLᵀ (column j updates about c_j² / 2 entries of the trailing matrix, each a
    /// multiply and an add). About twice faer's `FlopCount::n_mult_subs_ldl` (Σ c_j(c_j + 1)/2);
    /// only ratios matter for choosing an ordering.
    pub flops: f64,
}

/// Tuning parameters of [`nested_dissection_with`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NdParams {
    /// Subgraphs with at most this many vertices are not dissected further but ordered by AMD.
    /// Default 64: on the model grids of `examples/ordering_cost.rs` 16–128 are within 2% in
    /// flops; larger leaves cost 3–10%.
    pub leaf_size: usize,
    /// A vertex is "dense" (removed before dissection, ordered last) when its degree exceeds
    /// `max(16, min(dense_factor · √n, dense_avg_factor · average degree))`: AMD's rule
    /// (Amestoy, Davis & Duff 1996, §4.5) tightened by the average degree, see
    /// [`nested_dissection_with`].
    pub dense_factor: f64,
    /// See `dense_factor`.
    pub dense_avg_factor: f64,
}

impl Default for NdParams {
    fn default() -> Self {
        NdParams { leaf_size: 64, dense_factor: 10.0, dense_avg_factor: 5.0 }
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
    nested_dissection_report(n, col_ptr, row_idx, params).perm
}

/// A nested-dissection ordering and what the dissection saw.
#[derive(Debug, Clone)]
pub struct NdOrdering {
    /// `perm_fwd` (see the module docs).
    pub perm: Vec<usize>,
    /// Size of the first separator, the one that splits the whole (connected) graph; `None` when
    /// the graph was split into components first or ordered by AMD without a separator (too
    /// small, nearly a clique, or expander-like).
    pub top_separator: Option<usize>,
}

/// [`nested_dissection_with`], also reporting the top-level separator (a caller can tell a
/// planar-mesh-like graph, whose separators grow like √n, from one where dissection is no help).
pub fn nested_dissection_report(n: usize, col_ptr: &[usize], row_idx: &[usize], params: &NdParams) -> NdOrdering {
    let g = Graph::from_csc(n, col_ptr, row_idx);
    // Dense vertices (AMD's rule) would make every level structure shallow and every separator
    // contain them; they are eliminated last, where their fill costs nothing extra.
    // AMD's √n rule alone lets vertices of moderate degree through, e.g. KKT coupling rows with
    // a few dozen entries in a grid of degree 4; such vertices are shortcuts that collapse every
    // breadth-first level structure (and so every separator), so ND also removes vertices of
    // degree above `dense_avg_factor` times the average.
    let avg_degree = g.adj.len() as f64 / n.max(1) as f64;
    let dense_limit = (params.dense_factor * (n as f64).sqrt()).min(params.dense_avg_factor * avg_degree).max(16.0);
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
    let mut top_separator = None;
    if hi > lo {
        let mut d = Dissector::new(&g, params.leaf_size.max(1));
        d.run(&mut perm, lo, hi);
        top_separator = d.top_separator;
    }
    NdOrdering { perm, top_separator }
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
    /// Distance from the pseudo-peripheral root of the subgraph being split.
    dist_r: Vec<usize>,
    /// Breadth-first order and separator range of the best candidate level structure.
    best_queue: Vec<usize>,
    best_sep: (usize, usize),
    /// Part of each vertex of a subgraph being split: `A`, `B` or `SEP`.
    label: Vec<u8>,
    /// Local index of a subgraph vertex (leaf extraction).
    local: Vec<usize>,
    tmp: Vec<usize>,
    /// Whether the first subgraph (the whole graph) has been processed, and the separator it
    /// got (see [`NdOrdering::top_separator`]).
    started: bool,
    top_separator: Option<usize>,
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
            dist_r: vec![0; n],
            best_queue: Vec::with_capacity(n),
            best_sep: (0, 0),
            label: vec![A; n],
            local: vec![0; n],
            tmp: Vec::with_capacity(n),
            started: false,
            top_separator: None,
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
            self.started = true;
        }
    }

    /// Neighbours of `v` inside the current subgraph.
    fn sub_neighbors(&self, v: usize) -> impl Iterator<Item = usize> + '_ {
        let s = self.sub_stamp;
        self.g.neighbors(v).iter().copied().filter(move |&u| self.sub[u] == s)
    }

    /// Breadth-first search of the current subgraph from the vertices `roots` (level 0);
    /// returns the number of levels. With `fresh == false` the search continues the previous
    /// one's `seen` marks (component enumeration) and appends to `queue`.
    fn bfs(&mut self, roots: &[usize], fresh: bool) -> usize {
        if fresh {
            self.seen_stamp += 1;
            self.queue.clear();
        }
        let st = self.seen_stamp;
        let s = self.sub_stamp;
        self.level_ptr.clear();
        self.level_ptr.push(self.queue.len());
        for &root in roots {
            if self.seen[root] != st {
                self.seen[root] = st;
                self.level_of[root] = 0;
                self.queue.push(root);
            }
        }
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

    /// A vertex of minimum degree (in the subgraph) of the last level of the current search,
    /// ties broken by the largest `key`.
    fn min_degree_last(&self, nlev: usize, key: impl Fn(usize) -> usize) -> usize {
        let last = &self.queue[self.level_ptr[nlev - 1]..self.level_ptr[nlev]];
        let mut best = last[0];
        let mut best_key = (usize::MAX, 0);
        for &v in last {
            let d = self.sub_neighbors(v).count();
            if d < best_key.0 || (d == best_key.0 && key(v) > best_key.1) {
                best_key = (d, key(v));
                best = v;
            }
        }
        best
    }

    /// Scores the separator of the current level structure and keeps it in `best_queue` /
    /// `best_sep` if it beats `best_score`.
    fn consider(&mut self, nlev: usize, m: usize, best_score: &mut f64) {
        if nlev < 3 {
            return;
        }
        let (k, score) = self.choose_level(nlev, m);
        if score < *best_score {
            *best_score = score;
            self.best_queue.clear();
            self.best_queue.extend_from_slice(&self.queue[..m]);
            self.best_sep = (self.level_ptr[k], self.level_ptr[k + 1]);
        }
    }

    /// Splits the subgraph `perm[item.lo..item.hi]`: into its connected components if it has
    /// several, else into A, B and a separator placed last.
    fn split(&mut self, perm: &mut [usize], item: Item, stack: &mut Vec<Item>) {
        let (lo, hi) = (item.lo, item.hi);
        let m = hi - lo;
        let mut nlev = self.bfs(&[perm[lo]], true);
        if self.queue.len() < m {
            self.split_components(perm, lo, hi, stack);
            return;
        }
        // Every level structure built below is a candidate; the best separator wins.
        let mut best_score = f64::INFINITY;
        self.consider(nlev, m, &mut best_score);
        // Pseudo-peripheral root (George & Liu 1981, §4.3.2, algorithm FNROOT): restart the
        // search from a minimum-degree vertex of the last level while the eccentricity grows.
        // A deep level structure has many thin levels, hence small separators. On exit the
        // queue holds the structure rooted at the far end s, `dist_r` the distances from r.
        let mut r = self.queue[0];
        for _ in 0..8 {
            r = self.queue[0];
            for idx in 0..m {
                let v = self.queue[idx];
                self.dist_r[v] = self.level_of[v];
            }
            let far = self.min_degree_last(nlev, |_| 0);
            let nlev_far = self.bfs(&[far], true);
            self.consider(nlev_far, m, &mut best_score);
            let grew = nlev_far > nlev;
            nlev = nlev_far;
            if !grew {
                break;
            }
        }
        // Rooted at one end of the pseudo-diameter the levels are distance spheres: straight
        // lines on a 5-point grid but L-shapes (√2 too long) on a 9-point one, whose spheres are
        // squares. Rooted at two "adjacent corners" — {r, s}, or {s, u} with u the far vertex of
        // s's search farthest from r — the levels of a 9-point grid become straight rows.
        // Multi-root structures are level structures too (edges join equal or adjacent levels),
        // so every candidate yields a valid separator.
        let s_end = self.queue[0];
        let dist_r = std::mem::take(&mut self.dist_r);
        let u = self.min_degree_last(nlev, |v| if v == r { 0 } else { dist_r[v] + 1 });
        self.dist_r = dist_r;
        if r != s_end {
            let nl = self.bfs(&[r, s_end], true);
            self.consider(nl, m, &mut best_score);
        }
        if u != r && u != s_end {
            let nl = self.bfs(&[s_end, u], true);
            self.consider(nl, m, &mut best_score);
        }
        if best_score == f64::INFINITY {
            // Diameter ≤ 2: no level separates two nonempty parts; the subgraph is nearly a
            // clique and minimum degree is the right tool.
            self.order_leaf(&mut perm[lo..hi]);
            return;
        }
        std::mem::swap(&mut self.queue, &mut self.best_queue);
        let (sep_lo, sep_hi) = self.best_sep;
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
        let ns = m - na - nb;
        if ns >= na.min(nb) || ns as f64 > 2.0 * (m as f64).powf(2.0 / 3.0) {
            // A separator as large as the smaller part, or larger than a 3-D mesh's (~m^⅔)
            // would be: the subgraph has shortcut vertices or is expander-like, and dissecting
            // would put a large dense block last (|S|³/3 flops) for little gain, while minimum
            // degree adapts to such structure.
            self.order_leaf(&mut perm[lo..hi]);
            return;
        }
        perm[lo..hi].copy_from_slice(&self.tmp);
        if !self.started {
            self.top_separator = Some(ns);
        }
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
    fn choose_level(&self, nlev: usize, m: usize) -> (usize, f64) {
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
            // Only levels leaving at least 30% of the vertices on each side are candidates: a
            // lopsided split deepens the dissection tree without shrinking the large side.
            // Among them a mild imbalance penalty. Both constants were tuned with
            // `examples/ordering_cost.rs` (penalties 0.25–0.75 with fractions 0.25–0.3 are within
            // a few % of each other; no fraction limit, or a heavy penalty, costs 20–40%).
            if a.min(b) < 0.3 * mf {
                continue;
            }
            let score = s * (1.0 + 0.5 * (a - b).abs() / mf);
            if score < best_score {
                best_score = score;
                best = Some(k);
            }
        }
        match best {
            Some(k) => (k, best_score),
            // No balanced level: the median one, scored as maximally imbalanced.
            None => (median, (self.level_ptr[median + 1] - self.level_ptr[median]) as f64 * 3.0 * mf),
        }
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
                self.bfs(&[v], false);
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

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Side;
    use faer::perm::PermRef;
    use faer::sparse::linalg::SupernodalThreshold;
    use faer::sparse::linalg::cholesky::{CholeskySymbolicParams, SymmetricOrdering, factorize_symbolic_cholesky};

    /// CSC structure built from (row, col) pairs; `lower` keeps one copy per pair in the lower
    /// triangle, otherwise both triangles are stored. The diagonal is always included.
    fn csc(n: usize, pairs: &[(usize, usize)], lower: bool) -> (Vec<usize>, Vec<usize>) {
        let mut cols = vec![Vec::new(); n];
        for j in 0..n {
            cols[j].push(j);
        }
        for &(i, j) in pairs {
            if i == j {
                continue;
            }
            let (r, c) = (i.max(j), i.min(j));
            cols[c].push(r);
            if !lower {
                cols[r].push(c);
            }
        }
        let mut col_ptr = vec![0];
        let mut row_idx = Vec::new();
        for mut c in cols {
            c.sort_unstable();
            c.dedup();
            row_idx.extend(c);
            col_ptr.push(row_idx.len());
        }
        (col_ptr, row_idx)
    }

    /// Edges of a 2-D grid: 5-point stencil, or 9-point with diagonals.
    fn grid2(nx: usize, ny: usize, nine: bool) -> (usize, Vec<(usize, usize)>) {
        let id = |x: usize, y: usize| x + nx * y;
        let mut e = Vec::new();
        for y in 0..ny {
            for x in 0..nx {
                if x + 1 < nx {
                    e.push((id(x + 1, y), id(x, y)));
                }
                if y + 1 < ny {
                    e.push((id(x, y + 1), id(x, y)));
                    if nine && x + 1 < nx {
                        e.push((id(x + 1, y + 1), id(x, y)));
                    }
                    if nine && x > 0 {
                        e.push((id(x - 1, y + 1), id(x, y)));
                    }
                }
            }
        }
        (nx * ny, e)
    }

    /// Deterministic pseudo-random numbers (64-bit LCG, Knuth's MMIX constants).
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, m: usize) -> usize {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % m
        }
    }

    fn random_pairs(n: usize, m: usize, seed: u64) -> Vec<(usize, usize)> {
        let mut r = Lcg(seed);
        (0..m).map(|_| (r.below(n), r.below(n))).collect()
    }

    fn assert_perm(p: &[usize], n: usize) {
        assert_eq!(p.len(), n);
        let mut seen = vec![false; n];
        for &v in p {
            assert!(v < n && !seen[v], "not a permutation: {v} repeated or out of range");
            seen[v] = true;
        }
    }

    fn check_all(n: usize, pairs: &[(usize, usize)]) {
        for lower in [true, false] {
            let (cp, ri) = csc(n, pairs, lower);
            assert_perm(&nested_dissection(n, &cp, &ri), n);
            assert_perm(&nested_dissection_with(n, &cp, &ri, &NdParams { leaf_size: 4, ..NdParams::default() }), n);
            assert_perm(&amd(n, &cp, &ri), n);
        }
    }

    #[test]
    fn ordering_empty_and_single() {
        assert!(nested_dissection(0, &[0], &[]).is_empty());
        assert!(nested_dissection(0, &[], &[]).is_empty());
        assert!(amd(0, &[0], &[]).is_empty());
        assert_eq!(factor_cost(0, &[0], &[], &[]), FactorCost { nnz_l: 0, flops: 0.0 });
        assert_eq!(nested_dissection(1, &[0, 1], &[0]), vec![0]);
        assert_eq!(amd(1, &[0, 0], &[]), vec![0]);
        assert_eq!(factor_cost(1, &[0, 1], &[0], &[0]), FactorCost { nnz_l: 1, flops: 1.0 });
        // Empty columns only (no entries at all).
        assert_perm(&nested_dissection(5, &[0; 6], &[]), 5);
    }

    #[test]
    fn ordering_permutations_on_small_patterns() {
        // Path.
        let path: Vec<_> = (1..3000).map(|i| (i, i - 1)).collect();
        check_all(3000, &path);
        // Disconnected: two grids, a path, isolated vertices and many tiny components.
        let (ng, g) = grid2(20, 20, false);
        let mut pairs = g.clone();
        pairs.extend(g.iter().map(|&(i, j)| (i + ng, j + ng)));
        pairs.extend((1..50).map(|i| (2 * ng + i, 2 * ng + i - 1)));
        pairs.extend((0..300).map(|k| (2 * ng + 60 + 2 * k, 2 * ng + 61 + 2 * k)));
        check_all(2 * ng + 60 + 600 + 7, &pairs);
        // Random sparse symmetric pattern with duplicates and diagonal entries.
        check_all(2000, &random_pairs(2000, 6000, 7));
    }

    #[test]
    fn ordering_dense_row_last_and_isolated_first() {
        // Star: the centre's degree 299 exceeds max(16, 10·√300) ≈ 173, so it is ordered last and
        // its leaves, isolated without it, first.
        let n = 300;
        let star: Vec<_> = (1..n).map(|i| (i, 0)).collect();
        check_all(n, &star);
        let (cp, ri) = csc(n, &star, true);
        let p = nested_dissection(n, &cp, &ri);
        assert_eq!(p[n - 1], 0);
        assert_eq!(factor_cost(n, &cp, &ri, &p).nnz_l, 2 * n - 1, "star with centre last has no fill");
    }

    /// Flop and nnz(L) ratios ND / AMD on a pattern.
    fn ratios(n: usize, pairs: &[(usize, usize)]) -> (f64, f64) {
        let (cp, ri) = csc(n, pairs, true);
        let nd = nested_dissection(n, &cp, &ri);
        let md = amd(n, &cp, &ri);
        assert_perm(&nd, n);
        let (c_nd, c_md) = (factor_cost(n, &cp, &ri, &nd), factor_cost(n, &cp, &ri, &md));
        let r = (c_nd.flops / c_md.flops, c_nd.nnz_l as f64 / c_md.nnz_l as f64);
        eprintln!("n = {n}: flops ND/AMD = {:.3}, nnz(L) ND/AMD = {:.3}", r.0, r.1);
        r
    }

    #[test]
    fn ordering_nd_beats_amd_on_grids() {
        // Measured (deterministic): flops ND/AMD 0.754, 0.701 and 0.960; nnz(L) ND/AMD 0.962,
        // 0.913 and 1.076. The 9-point grid gains less at this size (0.87 at 316², see
        // examples/ordering_cost.rs), as ND's advantage grows with the grid.
        let (n, e) = grid2(60, 60, false);
        let (f, z) = ratios(n, &e);
        assert!(f < 0.85 && z < 1.05, "60×60 5-point: flops ratio {f}, nnz ratio {z}");
        let (n, e) = grid2(100, 100, false);
        let (f, z) = ratios(n, &e);
        assert!(f < 0.8 && z < 1.0, "100×100 5-point: flops ratio {f}, nnz ratio {z}");
        let (n, e) = grid2(90, 90, true);
        let (f, z) = ratios(n, &e);
        assert!(f < 1.0 && z < 1.15, "90×90 9-point: flops ratio {f}, nnz ratio {z}");
    }

    #[test]
    fn the_top_separator_tells_a_planar_mesh_from_a_volume_and_from_components() {
        let report = |n: usize, pairs: &[(usize, usize)]| {
            let (cp, ri) = csc(n, pairs, true);
            let r = nested_dissection_report(n, &cp, &ri, &NdParams::default());
            assert_eq!(r.perm, nested_dissection(n, &cp, &ri), "the report orders as nested_dissection does");
            r.top_separator
        };
        // A k×k grid is cut by one grid line: k = √n vertices (thinning keeps no more).
        let (n, e) = grid2(80, 80, false);
        let s = report(n, &e).expect("a connected grid has a separator");
        assert!((40..=80).contains(&s), "80×80 grid: top separator {s}");
        // A 20³ cube needs a plane: ~n^⅔ = 400 vertices, well above 3·√n ≈ 268.
        let k = 20;
        let id = |x: usize, y: usize, z: usize| (x * k + y) * k + z;
        let mut cube = Vec::new();
        for x in 0..k {
            for y in 0..k {
                for z in 0..k {
                    for (dx, dy, dz) in [(1, 0, 0), (0, 1, 0), (0, 0, 1)] {
                        if x + dx < k && y + dy < k && z + dz < k {
                            cube.push((id(x + dx, y + dy, z + dz), id(x, y, z)));
                        }
                    }
                }
            }
        }
        let s = report(k * k * k, &cube).expect("a connected cube has a separator");
        assert!(s as f64 > 3.0 * ((k * k * k) as f64).sqrt(), "20³ cube: top separator {s}");
        // Two disjoint grids are split into components first: no top separator.
        let (ng, g) = grid2(40, 40, false);
        let mut two = g.clone();
        two.extend(g.iter().map(|&(i, j)| (i + ng, j + ng)));
        assert_eq!(report(2 * ng, &two), None);
    }

    #[test]
    fn ordering_nd_on_kkt_pattern() {
        // [[H, Jᵀ], [J, -D]]: H a 50×50 grid Laplacian, J four coupling rows — three local
        // (a few dozen grid vertices each) and one dense (a sum constraint over every vertex).
        let (nh, mut pairs) = grid2(50, 50, false);
        let mut r = Lcg(11);
        for c in 0..3 {
            pairs.extend((0..40).map(|_| (nh + c, r.below(nh))));
        }
        pairs.extend((0..nh).map(|j| (nh + 3, j)));
        let n = nh + 4;
        check_all(n, &pairs);
        let (cp, ri) = csc(n, &pairs, true);
        let nd = nested_dissection(n, &cp, &ri);
        assert_eq!(nd[n - 1], nh + 3, "the dense coupling row is ordered last");
        let (c_nd, c_md) = (factor_cost(n, &cp, &ri, &nd), factor_cost(n, &cp, &ri, &amd(n, &cp, &ri)));
        eprintln!("KKT: flops ND/AMD = {:.3}, nnz(L) ND/AMD = {:.3}", c_nd.flops / c_md.flops, c_nd.nnz_l as f64 / c_md.nnz_l as f64);
        assert!(c_nd.flops.is_finite() && c_nd.flops < 1.5 * c_md.flops && c_nd.nnz_l < 2 * c_md.nnz_l);
    }

    /// nnz(L) of faer's simplicial symbolic Cholesky of the lower-triangle pattern under `perm`.
    fn faer_nnz_l(n: usize, cp: &[usize], ri: &[usize], perm: &[usize]) -> usize {
        let mut inv = vec![0; n];
        for (k, &v) in perm.iter().enumerate() {
            inv[v] = k;
        }
        let a = SymbolicSparseColMatRef::new_checked(n, n, cp, None, ri);
        let params = CholeskySymbolicParams {
            supernodal_flop_ratio_threshold: SupernodalThreshold::FORCE_SIMPLICIAL,
            ..Default::default()
        };
        let p = PermRef::new_checked(perm, &inv, n);
        factorize_symbolic_cholesky(a, Side::Lower, SymmetricOrdering::Custom(p), params).unwrap().len_val()
    }

    #[test]
    fn factor_cost_matches_faer_symbolic() {
        let (ng, grid) = grid2(30, 30, false);
        let (n9, grid9) = grid2(25, 25, true);
        let random = random_pairs(1500, 4000, 3);
        for (n, pairs) in [(ng, grid), (n9, grid9), (1500, random)] {
            let (cp, ri) = csc(n, &pairs, true);
            let (cp_full, ri_full) = csc(n, &pairs, false);
            let identity: Vec<usize> = (0..n).collect();
            let reversed: Vec<usize> = (0..n).rev().collect();
            for perm in [identity, reversed, amd(n, &cp, &ri), nested_dissection(n, &cp, &ri)] {
                let c = factor_cost(n, &cp, &ri, &perm);
                assert_eq!(c.nnz_l, faer_nnz_l(n, &cp, &ri, &perm));
                assert_eq!(c, factor_cost(n, &cp_full, &ri_full, &perm), "lower-only and full input agree");
                assert!(c.flops >= c.nnz_l as f64);
            }
        }
    }
}

