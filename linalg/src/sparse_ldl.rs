//! Sparse symmetric-indefinite LDLᵀ on faer, with symbolic analysis reused across factorizations.
//!
//! The operator's lower triangle (plus an explicit diagonal, so a shift always has a slot) is
//! copied into a CSC matrix whose pattern is fixed at analysis; later factorizations only refill
//! values through a scatter map. A change of pattern is detected and triggers a new analysis.
//!
//! Two numeric kernels are available ([`SparseLdlMethod`]):
//! - [`Ldlt`](SparseLdlMethod::Ldlt): faer's unpivoted LDLᵀ after an AMD ordering, with optional
//!   dynamic regularization (expected pivot signs, the quasi-definite KKT approach of Vanderbei
//!   1995 / Altman–Gondzio 1999). The default.
//! - [`IntranodeLblt`](SparseLdlMethod::IntranodeLblt): Bunch–Kaufman pivoting inside each
//!   supernode (symbolic analysis forced supernodal). Pivots cannot leave their supernode, so it
//!   is not fully robust either, and it has no dynamic regularization.
//! - [`Pivoted`](SparseLdlMethod::Pivoted): multifrontal LDLᵀ with threshold Bunch–Kaufman
//!   pivoting and delayed pivots on an equilibrated matrix ([`crate::multifrontal`]): the true
//!   inertia and an accurate factor whatever the order of zero-diagonal (constraint) rows.
//!
//! Inertia is counted from the signs of `D` (Sylvester's law of inertia); faer does not report it.

use crate::common::{block_inertia, check_finite, check_len, check_triplets, square_dim, zero_pivot_tol};
use crate::multifrontal::{self, MfFactor, MfSymbolic};
use crate::ordering;
use crate::refine::{RefineParams, refine_with};
use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::cholesky::ldlt::factor::{LdltError, LdltRegularization};
use faer::perm::PermRef;
use faer::sparse::linalg::{SupernodalThreshold, amd};
use faer::sparse::linalg::cholesky::supernodal::SupernodalLdltRef;
use faer::sparse::linalg::cholesky::{
    CholeskySymbolicParams, IntranodeLbltRef, LdltRef, LltRef, SymbolicCholesky, SymbolicCholeskyRaw, SymmetricOrdering,
    factorize_symbolic_cholesky,
};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMat, SymbolicSparseColMatRef};
use faer::{ColMut, Conj, Par, Side};
use ipax_core::{
    Capabilities, CscPattern, CscRef, CscStorage, FactorInfo, LinSolveError, LinearOperator, LinearSolver,
    Regularization, SolveInfo, Triplets,
};

/// Which numeric kernel [`SparseLdl`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SparseLdlMethod {
    /// Unpivoted LDLᵀ (static AMD ordering) with optional dynamic regularization.
    #[default]
    Ldlt,
    /// Bunch–Kaufman pivoting restricted to each supernode (faer `factorize_numeric_intranode_lblt`).
    IntranodeLblt,
    /// Threshold Bunch–Kaufman with delayed pivots (multifrontal, [`crate::multifrontal`]).
    Pivoted,
}

/// Which symbolic structure faer builds for the [`SparseLdlMethod::Ldlt`] kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SymbolicKind {
    /// faer decides from the estimated flop count (simplicial for small or very sparse factors).
    #[default]
    Auto,
    /// Column-by-column factorization.
    Simplicial,
    /// Blocked (supernodal) factorization with dense kernels.
    Supernodal,
}

/// Fill-reducing ordering of [`SparseLdl`]'s symbolic analysis.
///
/// Nested dissection cuts the factorization time of the obstacle problem's Hessian at n = 1e5
/// from 129 to 75 ms, but on the saddle-point KKT matrices of the elliptic control and Bratu
/// problems it is no faster, and computing it costs about two AMD orderings. `Auto` (the
/// default) therefore tries it only on large, fill-heavy matrices with a positive diagonal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FillOrdering {
    /// Nested dissection when the matrix is large, its AMD factor fills heavily, its diagonal
    /// is positive (no constraint block) and ND predicts clearly fewer flops; AMD otherwise.
    /// On a 2-D mesh (positive diagonal, ≥ 3 off-diagonal entries per row, a top-level
    /// separator of at most 3·√n vertices, heavy fill) nested dissection is taken without
    /// computing AMD.
    #[default]
    Auto,
    /// Approximate minimum degree (faer).
    Amd,
    /// Nested dissection ([`crate::ordering::nested_dissection`]).
    NestedDissection,
}

/// Below this order `Auto` uses AMD without trying nested dissection: the factorization is cheap
/// and AMD's fill is as good on small matrices.
const ND_MIN_DIM: usize = 5000;
/// `Auto` takes nested dissection only when it predicts at most this fraction of AMD's flops.
/// The Σc² model overstates the gain: on the elliptic-control KKT matrix at n = 1.5e5 it predicts
/// 0.69 but faer's factorization takes 0.96× AMD's time, on Bratu's 0.75 and slower; on the
/// obstacle Hessian it predicts 0.50 and delivers 0.58 (`benches/linear_solvers.rs`).
const ND_MAX_FLOP_RATIO: f64 = 0.6;
/// `Auto` tries nested dissection only when AMD's factor has columns this long on average
/// (Σc²/nnz(L)): 2-D and 3-D meshes, not the banded patterns of optimal control or chains.
const ND_MIN_MEAN_COLUMN: f64 = 30.0;
/// `Auto` orders a large matrix with a positive diagonal by nested dissection first when its
/// rows have at least this many off-diagonal entries on average (2-D stencils have 4–8; chains
/// and block-diagonal Hessians, where AMD is cheap and as good, have 1–2).
const ND_FIRST_MIN_DEGREE: f64 = 3.0;
/// ... and keeps it without computing AMD when the top-level separator has at most this many
/// times √n vertices (a 2-D mesh: a k×k grid is cut by a line of k = √n vertices; a 3-D mesh's
/// separators, ~n^⅔, fail the test and go through the flop comparison).
const ND_FIRST_MAX_SEPARATOR: f64 = 3.0;
/// Leaf size of the dissection: 256 vertices ordered by AMD make supernodes large enough for
/// faer's dense kernels (elliptic-control KKT at 1.5e5: 108 ms against 119 ms with 64-leaves).
const ND_LEAF_SIZE: usize = 256;

/// Where the source entries of the analyzed pattern came from, to detect a pattern change cheaply.
#[derive(Debug, PartialEq)]
enum SourceKey {
    /// The operator's own lower CSC (`col_ptr`, `row_idx`): source entry `k` is CSC position `k`.
    Csc { col_ptr: Vec<usize>, row_idx: Vec<usize> },
    /// Lower triplets in the order the operator returned them.
    Triplets { rows: Vec<usize>, cols: Vec<usize> },
}

/// The lower-triangle entries read from the operator: its own lower CSC, borrowed, or triplets.
/// Source entry `k` is CSC position `k`, or triplet `k`.
enum Entries<'a> {
    Csc(CscRef<'a>),
    Triplets(Triplets),
}

impl Entries<'_> {
    fn len(&self) -> usize {
        match self {
            Entries::Csc(c) => c.col_ptr[c.ncols],
            Entries::Triplets(t) => t.len(),
        }
    }

    /// The values in source order.
    fn vals(&self) -> &[f64] {
        match self {
            Entries::Csc(c) => &c.values[..c.col_ptr[c.ncols]],
            Entries::Triplets(t) => &t.vals,
        }
    }

    /// The source's own pattern when it is a lower-triangle CSC whose columns each start at the
    /// diagonal and have strictly increasing rows: exactly the pattern (diagonal included,
    /// duplicates merged) the analysis would build from [`coords`](Self::coords).
    fn canonical_lower(&self) -> Option<(&[usize], &[usize])> {
        let Entries::Csc(c) = self else { return None };
        let nnz = c.col_ptr[c.ncols];
        let canonical = (0..c.ncols).all(|j| {
            let rows = &c.row_idx[c.col_ptr[j]..c.col_ptr[j + 1]];
            rows.first() == Some(&j) && rows.windows(2).all(|w| w[0] < w[1])
        });
        canonical.then(|| (&c.col_ptr[..=c.ncols], &c.row_idx[..nnz]))
    }

    /// `(row, col)` of each entry in source order, with `row ≥ col` (an upper entry of the CSC
    /// is mirrored down).
    fn coords(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let csc = match self {
            Entries::Csc(c) => Some((0..c.ncols).flat_map(move |j| {
                c.row_idx[c.col_ptr[j]..c.col_ptr[j + 1]].iter().map(move |&i| (i.max(j), i.min(j)))
            })),
            Entries::Triplets(_) => None,
        };
        let trip = match self {
            Entries::Triplets(t) => Some(t.rows.iter().copied().zip(t.cols.iter().copied())),
            Entries::Csc(_) => None,
        };
        csc.into_iter().flatten().chain(trip.into_iter().flatten())
    }
}

/// The analyzed pattern: the matrix handed to faer is already symmetrically permuted into the
/// fill-reducing order (faer then runs with the identity ordering), so each refactorization is a
/// single scatter of the source values instead of a copy plus faer's own permutation pass.
#[derive(Debug)]
struct Pattern {
    n: usize,
    key: SourceKey,
    /// Permuted CSC structure (upper triangle for faer's simplicial kernel, lower for the
    /// supernodal one, which are the layouts faer consumes without a transpose), checked once
    /// here rather than at every factorization. Diagonal always present.
    structure: SymbolicSparseColMat<usize>,
    values: Vec<f64>,
    side: Side,
    /// Which source entries (and the shift, on the diagonal) make up each slot of `values`.
    gather: Gather,
    /// Fill-reducing permutation: position `k` holds original index `perm_fwd[k]`.
    perm_fwd: Vec<usize>,
    /// Which ordering produced `perm_fwd`.
    ordering: FillOrdering,
    symbolic: SymbolicCholesky<usize>,
    /// Assembly tree for [`SparseLdlMethod::Pivoted`].
    tree: Option<MfSymbolic>,
}

/// The copy of the source values into the permuted matrix, as a gather: slot `t` of the
/// permuted values is the sum of the source entries `src[ptr[t]..ptr[t + 1]]` (in increasing
/// source order, duplicates summed), where the index `nsrc` stands for the diagonal shift.
///
/// Built once per pattern. A scatter (`values[map[k]] += v` over the source order, then the
/// shift on each diagonal) needed a zeroing pass, a read-modify-write at a random position per
/// entry and a separate pass for max|a|; the gather writes each slot once, in order, and takes
/// max|a| on the way. The sums are formed in the same order (0.0, sources by increasing index,
/// then the shift), so the values are bit-identical to the scatter's.
#[derive(Debug)]
struct Gather {
    /// Number of source entries (index `nsrc` in `src` is the shift).
    nsrc: usize,
    /// 32-bit offsets and indices: the gather streams both arrays once per factorization
    /// (Van der Pol 1e5: `factor_once` outside faer 34 ms per solve with `usize`, 32 with `u32`).
    ptr: Vec<u32>,
    src: Vec<u32>,
}

impl Gather {
    /// From the scatter map: source `k` goes to slot `map[k]`, the shift to each `diag_pos`.
    /// `None` when the entries do not fit 32-bit indices.
    fn new(map: &[usize], diag_pos: &[usize], nslots: usize) -> Option<Self> {
        let nsrc = map.len();
        if u32::try_from(nsrc + diag_pos.len()).is_err() {
            return None;
        }
        let mut ptr = vec![0u32; nslots + 1];
        for &t in map.iter().chain(diag_pos) {
            ptr[t + 1] += 1;
        }
        for t in 0..nslots {
            ptr[t + 1] += ptr[t];
        }
        let mut next = ptr[..nslots].to_vec();
        let mut src = vec![0u32; ptr[nslots] as usize];
        // Sources first, in increasing order, then the shift marker: a counting sort is stable,
        // so each slot's list keeps the scatter's summation order.
        for (k, &t) in map.iter().enumerate().chain(diag_pos.iter().map(|t| (nsrc, t))) {
            // In range: k ≤ nsrc and the entry count fit u32 (checked above).
            src[next[t] as usize] = k as u32;
            next[t] += 1;
        }
        Some(Gather { nsrc, ptr, src })
    }

    /// Write the permuted values into `out` (one slot per pattern entry) and return
    /// (max |out|, all finite).
    fn fill(&self, values: &[f64], shift: f64, out: &mut [f64]) -> (f64, bool) {
        let values = &values[..self.nsrc];
        let mut max_abs = 0.0f64;
        let mut finite = true;
        for (t, o) in out.iter_mut().enumerate() {
            let mut acc = 0.0;
            for &k in &self.src[self.ptr[t] as usize..self.ptr[t + 1] as usize] {
                let k = k as usize;
                acc += if k < values.len() { values[k] } else { shift };
            }
            *o = acc;
            max_abs = max_abs.max(acc.abs());
            finite &= acc.is_finite();
        }
        (max_abs, finite)
    }
}

/// Numeric factor storage (reused across factorizations of one pattern).
#[derive(Debug, Default)]
struct Numeric {
    values: Vec<f64>,
    subdiag: Vec<f64>,
    perm_fwd: Vec<usize>,
    perm_inv: Vec<usize>,
    /// Dynamic-regularization signs in factor order.
    signs: Vec<i8>,
    /// Scratch for factor-order right-hand sides.
    work: Vec<f64>,
    /// The factor of [`SparseLdlMethod::Pivoted`].
    pivoted: Option<MfFactor>,
    /// faer's factorization workspace, kept across refactorizations of the pattern.
    factor_scratch: Scratch,
    /// The factor's `D` diagonal (inertia), refilled by every factorization.
    diag: Vec<f64>,
    /// `values` hold a Cholesky factor `L` (`A = LLᵀ`) rather than `L` and `D`.
    llt: bool,
    /// faer's workspace requests for the LLᵀ and LDLᵀ kernels on this pattern, computed on first
    /// use: each is a pass over the supernodes (1 % of an obstacle solve when asked every time).
    llt_req: Option<StackReq>,
    ldlt_req: Option<StackReq>,
}

/// A faer workspace allocated once and reused while requests fit in it: a fresh buffer per
/// factorization cost an allocation and its page faults every time (the workspace is O(n)).
#[derive(Default)]
struct Scratch(Option<(MemBuffer, StackReq)>);

impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Scratch").field(&self.0.as_ref().map(|(_, r)| *r)).finish()
    }
}

impl Scratch {
    /// A stack of at least `req` (same or weaker alignment, no more bytes than held).
    fn stack(&mut self, req: StackReq) -> &mut MemStack {
        let fits = self.0.as_ref().is_some_and(|(_, held)| req.size_bytes() <= held.size_bytes() && req.align_bytes() <= held.align_bytes());
        if !fits {
            self.0 = Some((MemBuffer::new(req), req));
        }
        let (mem, _) = self.0.as_mut().expect("allocated above");
        MemStack::new(mem)
    }
}

/// Sparse LDLᵀ [`LinearSolver`] (faer), for assembled symmetric (indefinite) matrices.
///
/// Reads `op.csc()` when it is [`CscStorage::SymmetricLower`], otherwise `op.lower_triplets()`.
/// The symbolic analysis (fill-reducing ordering, elimination tree, supernodes) runs once per
/// sparsity pattern ([`analysis_count`](Self::analysis_count) counts them). Every solve is
/// followed by iterative refinement against the operator; the final relative residual is reported.
///
/// A pivot that is exactly zero, non-finite, or below `ε·max|A|` (and is not a pivot set by
/// dynamic regularization) makes `factor` fail with [`LinSolveError::Singular`], whose `pivot` is
/// the row of the original matrix.
///
/// [`Regularization::dynamic`] is honoured by [`SparseLdlMethod::Ldlt`] only (faer's intranode
/// Bunch–Kaufman kernel has no regularization hook); the shift is honoured by both.
#[derive(Debug, Default)]
pub struct SparseLdl {
    method: SparseLdlMethod,
    symbolic_kind: SymbolicKind,
    refine: RefineParams,
    pattern: Option<Pattern>,
    numeric: Numeric,
    factored: bool,
    shift: f64,
    analyses: usize,
    zero_pivot_rtol: Option<f64>,
    ordering: FillOrdering,
    /// [`increase_quality`](LinearSolver::increase_quality) switches to [`SparseLdlMethod::Pivoted`].
    pivot_fallback: bool,
    /// The last factorization of this pattern found the matrix positive definite: the next one
    /// tries Cholesky first (see [`cholesky_first`](Self::cholesky_first)).
    positive_definite: bool,
}

impl SparseLdl {
    /// Default method ([`SparseLdlMethod::Ldlt`]) and refinement.
    pub fn new() -> Self {
        Self::default()
    }

    /// Choose the numeric kernel.
    pub fn with_method(mut self, method: SparseLdlMethod) -> Self {
        self.method = method;
        self.pattern = None;
        self.factored = false;
        self
    }

    /// Let [`increase_quality`](LinearSolver::increase_quality) switch from the static-order
    /// kernel to [`SparseLdlMethod::Pivoted`] for this and every later factorization. Matrices
    /// the static order factors stably (most PDE and control KKT systems) keep its speed;
    /// saddle-point systems whose constraint rows are eliminated before their neighbours
    /// (power-flow networks) get the pivoted kernel's true inertia instead of a perturbed factor.
    pub fn with_pivoting_fallback(mut self, on: bool) -> Self {
        self.pivot_fallback = on;
        self
    }

    /// Set the refinement rule used by `solve_in_place`.
    pub fn with_refinement(mut self, params: RefineParams) -> Self {
        self.refine = params;
        self
    }

    /// Count a pivot as zero when `|d| ≤ rtol·max|A|` (default `ε·max|A|`); see
    /// [`DenseLdlt::with_zero_pivot_rtol`](crate::DenseLdlt::with_zero_pivot_rtol).
    pub fn with_zero_pivot_rtol(mut self, rtol: f64) -> Self {
        self.zero_pivot_rtol = Some(rtol);
        self
    }

    /// Choose the symbolic structure (ignored by [`SparseLdlMethod::IntranodeLblt`], which is
    /// always supernodal).
    pub fn with_symbolic_kind(mut self, kind: SymbolicKind) -> Self {
        self.symbolic_kind = kind;
        self.pattern = None;
        self.factored = false;
        self
    }

    /// Choose the fill-reducing ordering (default [`FillOrdering::Auto`]).
    pub fn with_ordering(mut self, ordering: FillOrdering) -> Self {
        self.ordering = ordering;
        self.pattern = None;
        self.factored = false;
        self
    }

    /// The ordering the last analysis used (`Amd` or `NestedDissection`), once analyzed.
    pub fn ordering_used(&self) -> Option<FillOrdering> {
        self.pattern.as_ref().map(|p| p.ordering)
    }

    /// The numeric kernel in use.
    pub fn method(&self) -> SparseLdlMethod {
        self.method
    }

    /// How many symbolic analyses have run (one per distinct sparsity pattern seen in a row).
    pub fn analysis_count(&self) -> usize {
        self.analyses
    }

    /// Whether the analyzed pattern uses faer's supernodal (blocked) factorization rather than the
    /// simplicial one; `None` before the first analysis.
    pub fn is_supernodal(&self) -> Option<bool> {
        self.pattern.as_ref().map(|p| matches!(p.symbolic.raw(), SymbolicCholeskyRaw::Supernodal(_)))
    }

    /// Number of nonzeros in the factor `L` (including the diagonal), once analyzed.
    pub fn factor_nnz(&self) -> Option<usize> {
        self.pattern.as_ref().map(|p| p.symbolic.len_val())
    }

    /// The operator's lower CSC, when it has one and it is readable as such.
    fn lower_csc(op: &dyn LinearOperator) -> Option<CscRef<'_>> {
        op.csc().filter(|c| c.storage == CscStorage::SymmetricLower)
    }

    /// Lower-triangle entries of `op` (upper entries of symmetric-lower storage mirrored down),
    /// and the key that identifies their pattern. A lower CSC is read in place (the IPM's KKT
    /// assembly): copying it into triplets only for the analysis to sort them back into CSC
    /// cost more than AMD itself at n = 1e5.
    fn lower_entries(op: &dyn LinearOperator, n: usize) -> Result<(Entries<'_>, SourceKey), LinSolveError> {
        if let Some(c) = Self::lower_csc(op) {
            check_len("CSC rows", n, c.nrows)?;
            check_len("CSC columns", n, c.ncols)?;
            check_len("CSC column pointers", n + 1, c.col_ptr.len())?;
            let nnz = c.col_ptr[n];
            if c.row_idx.len() < nnz || c.values.len() < nnz {
                return Err(LinSolveError::DimensionMismatch { what: "CSC entries", expected: nnz, got: c.row_idx.len().min(c.values.len()) });
            }
            for j in 0..n {
                let (start, end) = (c.col_ptr[j], c.col_ptr[j + 1]);
                if start > end || end > nnz {
                    return Err(LinSolveError::DimensionMismatch { what: "CSC column pointer", expected: nnz, got: end });
                }
            }
            if let Some(&r) = c.row_idx[..nnz].iter().find(|&&r| r >= n) {
                return Err(LinSolveError::DimensionMismatch { what: "triplet coordinate (must be < n)", expected: n, got: r });
            }
            check_finite("matrix", &c.values[..nnz])?;
            let key = SourceKey::Csc { col_ptr: c.col_ptr.to_vec(), row_idx: c.row_idx[..nnz].to_vec() };
            return Ok((Entries::Csc(c), key));
        }
        let t = op.lower_triplets().ok_or_else(|| {
            LinSolveError::Unsupported("SparseLdl needs an assembled matrix (csc() or triplets())".into())
        })?;
        check_triplets(&t, n)?;
        if t.rows.iter().zip(&t.cols).any(|(r, c)| r < c) {
            return Err(LinSolveError::Unsupported("lower_triplets() returned an entry above the diagonal".into()));
        }
        let key = SourceKey::Triplets { rows: t.rows.clone(), cols: t.cols.clone() };
        Ok((Entries::Triplets(t), key))
    }

    /// The values of `op`'s lower CSC when its pattern is exactly the analyzed one (the IPM's
    /// cached KKT assembly): then no triplets are built at all.
    fn analyzed_csc_values<'a>(&self, op: &'a dyn LinearOperator, n: usize) -> Option<&'a [f64]> {
        let p = self.pattern.as_ref()?;
        let SourceKey::Csc { col_ptr, row_idx } = &p.key else { return None };
        let c = Self::lower_csc(op)?;
        let nnz = row_idx.len();
        let same = p.n == n
            && c.nrows == n
            && c.ncols == n
            && c.col_ptr == col_ptr.as_slice()
            && c.row_idx.get(..nnz) == Some(row_idx.as_slice())
            && c.values.len() >= nnz;
        same.then(|| &c.values[..nnz])
    }

    /// The values of `op`'s lower CSC when the caller vouches that its pattern is the analyzed
    /// one ([`LinearSolver::refactor`]): only the dimensions and the entry count are checked
    /// (the full comparison in debug builds), not the O(nnz) index arrays.
    fn trusted_csc_values<'a>(&self, op: &'a dyn LinearOperator, n: usize) -> Option<&'a [f64]> {
        let p = self.pattern.as_ref()?;
        let SourceKey::Csc { row_idx, .. } = &p.key else { return None };
        let c = Self::lower_csc(op)?;
        let nnz = row_idx.len();
        let fits = p.n == n && c.nrows == n && c.ncols == n && c.col_ptr.len() == n + 1 && c.col_ptr[n] == nnz && c.values.len() >= nnz;
        debug_assert!(!fits || self.analyzed_csc_values(op, n).is_some(), "refactor: the pattern changed");
        fits.then(|| &c.values[..nnz])
    }

    /// Symbolic analysis of the pattern of `src` (plus the diagonal): AMD ordering of the original
    /// pattern, then faer's symbolic factorization of the permuted pattern with identity ordering.
    fn analyze_entries(&mut self, src: &Entries<'_>, key: SourceKey, n: usize) -> Result<(), LinSolveError> {
        self.pattern = None;
        self.factored = false;
        self.positive_definite = false;
        let nsrc = src.len();
        // Source coordinates followed by the n diagonal slots.
        let coords = || src.coords().chain((0..n).map(|i| (i, i)));
        let total = nsrc + n;

        let (perm_fwd, ordering) = {
            // The pattern with the diagonal, for the ordering: the source's own when it already
            // is one (the IPM's assembled KKT matrix), built otherwise.
            let built;
            let (cp, ri) = match src.canonical_lower() {
                Some(pattern) => pattern,
                None => {
                    built = CscPattern::from_entries(n, n, total, coords);
                    (&built.col_ptr[..], &built.row_idx[..])
                }
            };
            // Both `Auto` rules for large matrices ask whether the diagonal is positive.
            let positive = self.ordering == FillOrdering::Auto && n >= ND_MIN_DIM && positive_diagonal(src, n);
            match self.ordering {
                FillOrdering::Amd => (amd_order(n, cp, ri)?, FillOrdering::Amd),
                FillOrdering::NestedDissection => (nested_dissection(n, cp, ri), FillOrdering::NestedDissection),
                FillOrdering::Auto if n < ND_MIN_DIM => (amd_order(n, cp, ri)?, FillOrdering::Amd),
                // A large positive-definite-looking matrix on a 2-D mesh: dissection is the known
                // winner there (George 1973: O(n^1.5) flops against minimum degree's larger
                // constant; obstacle at 1e5: 0.50 of AMD's flops), so AMD is not computed just
                // to lose the comparison below (60 ms of a 2 s solve).
                FillOrdering::Auto if positive && mean_degree(cp, n) >= ND_FIRST_MIN_DEGREE => {
                    let nd = nested_dissection_report(n, cp, ri);
                    let nd_cost = ordering::factor_cost(n, cp, ri, &nd.perm);
                    let mesh_like = nd.top_separator.is_some_and(|s| s as f64 <= ND_FIRST_MAX_SEPARATOR * (n as f64).sqrt());
                    if mesh_like && fills_heavily(&nd_cost) {
                        (nd.perm, FillOrdering::NestedDissection)
                    } else {
                        let amd = amd_order(n, cp, ri)?;
                        let amd_cost = ordering::factor_cost(n, cp, ri, &amd);
                        if fills_heavily(&amd_cost) && nd_cost.flops <= ND_MAX_FLOP_RATIO * amd_cost.flops {
                            (nd.perm, FillOrdering::NestedDissection)
                        } else {
                            (amd, FillOrdering::Amd)
                        }
                    }
                }
                FillOrdering::Auto => {
                    let amd = amd_order(n, cp, ri)?;
                    // Little fill (short columns of L: banded and tree-like patterns) leaves
                    // nothing for a dissection to save; and on saddle-point matrices (a diagonal
                    // entry ≤ 0: a constraint block) it was measured no faster (see
                    // `FillOrdering`). Skip its ordering time in both cases (the diagonal test
                    // first: it is cheaper than AMD's cost estimate).
                    let amd_cost = positive.then(|| ordering::factor_cost(n, cp, ri, &amd));
                    let worth_trying = amd_cost.as_ref().is_some_and(fills_heavily);
                    let nd = worth_trying.then(|| nested_dissection(n, cp, ri));
                    match (nd, amd_cost) {
                        (Some(nd), Some(amd_cost)) if ordering::factor_cost(n, cp, ri, &nd).flops <= ND_MAX_FLOP_RATIO * amd_cost.flops => {
                            (nd, FillOrdering::NestedDissection)
                        }
                        _ => (amd, FillOrdering::Amd),
                    }
                }
            }
        };
        let mut perm_inv = vec![0usize; n];
        for (k, &i) in perm_fwd.iter().enumerate() {
            perm_inv[i] = k;
        }

        // Permuted coordinates in the upper triangle (faer's symbolic analysis and simplicial
        // kernel read it; the supernodal kernel reads its transpose).
        let permuted = || {
            let p = CscPattern::from_entries(n, n, total, || {
                coords().map(|(r, c)| {
                    let (a, b) = (perm_inv[r], perm_inv[c]);
                    (a.min(b), a.max(b))
                })
            });
            (p.col_ptr, p.row_idx, p.map)
        };
        let upper = permuted();
        let sym = SymbolicSparseColMatRef::new_checked(n, n, &upper.0, None, &upper.1);
        let threshold = match (self.method, self.symbolic_kind) {
            // faer's flop-per-entry rule picks the simplicial kernel for nested-dissection orders
            // of 2-D grids, where the supernodal one is measured faster (200² grid: 62 vs 37 ms).
            (SparseLdlMethod::Ldlt, SymbolicKind::Auto) if ordering == FillOrdering::NestedDissection => {
                SupernodalThreshold::FORCE_SUPERNODAL
            }
            (SparseLdlMethod::Ldlt, SymbolicKind::Auto) => SupernodalThreshold::AUTO,
            (SparseLdlMethod::Ldlt, SymbolicKind::Simplicial) => SupernodalThreshold::FORCE_SIMPLICIAL,
            (SparseLdlMethod::Ldlt, SymbolicKind::Supernodal) => SupernodalThreshold::FORCE_SUPERNODAL,
            // On a simplicial symbolic the intranode kernel silently degrades to unpivoted LDLᵀ.
            (SparseLdlMethod::IntranodeLblt, _) | (SparseLdlMethod::Pivoted, _) => SupernodalThreshold::FORCE_SUPERNODAL,
        };
        let params = CholeskySymbolicParams { supernodal_flop_ratio_threshold: threshold, ..Default::default() };
        // faer reads the identity-ordered pattern as the upper triangle.
        let symbolic = factorize_symbolic_cholesky(sym, Side::Upper, SymmetricOrdering::Identity, params)
            .map_err(|e| LinSolveError::Unsupported(format!("symbolic analysis failed: {e:?}")))?;
        let input = match symbolic.raw() {
            SymbolicCholeskyRaw::Simplicial(_) => (upper, Side::Upper),
            // The lower triangle is the upper one transposed (what `permuted(false)` builds, at
            // the cost of one pass instead of two and no sorting).
            SymbolicCholeskyRaw::Supernodal(_) => (transposed(n, upper), Side::Lower),
        };
        let ((col_ptr, row_idx, full_map), side) = input;
        let values = vec![0.0; row_idx.len()];
        let structure = SymbolicSparseColMat::new_checked(n, n, col_ptr, None, row_idx);
        self.numeric = Numeric {
            values: vec![0.0; symbolic.len_val()],
            subdiag: vec![0.0; n],
            perm_fwd: vec![0; n],
            perm_inv: vec![0; n],
            signs: vec![0; n],
            work: vec![0.0; n],
            pivoted: None,
            factor_scratch: Scratch::default(),
            diag: Vec::with_capacity(n),
            llt: false,
            llt_req: None,
            ldlt_req: None,
        };
        let gather = Gather::new(&full_map[..nsrc], &full_map[nsrc..], values.len())
            .ok_or_else(|| LinSolveError::Unsupported("more than 2³² matrix entries".into()))?;
        let tree = match (self.method, symbolic.raw()) {
            (SparseLdlMethod::Pivoted, SymbolicCholeskyRaw::Supernodal(sn)) => {
                let ns = sn.n_supernodes();
                let begin: Vec<usize> = sn.supernode_begin().iter().copied().chain(std::iter::once(n)).collect();
                // Each supernode's pattern is a prefix of its slot in `row_idx` (relaxed
                // supernodes leave slack after it): read it through `supernode(s).pattern()`.
                let mut row_ptr = Vec::with_capacity(ns + 1);
                let mut rows = Vec::new();
                row_ptr.push(0);
                for s in 0..ns {
                    rows.extend_from_slice(sn.supernode(s).pattern());
                    row_ptr.push(rows.len());
                }
                Some(MfSymbolic::new(n, begin, row_ptr, rows))
            }
            _ => None,
        };
        self.pattern = Some(Pattern { n, key, structure, values, side, gather, perm_fwd, ordering, symbolic, tree });
        self.analyses += 1;
        Ok(())
    }

    /// Original row of factor position `k` (fill-reducing permutation, after the intranode
    /// pivoting one).
    fn original_index(&self, k: usize) -> usize {
        let Some(p) = &self.pattern else { return k };
        let k = match self.method {
            SparseLdlMethod::IntranodeLblt => self.numeric.perm_fwd.get(k).copied().unwrap_or(k),
            SparseLdlMethod::Ldlt | SparseLdlMethod::Pivoted => k,
        };
        p.perm_fwd.get(k).copied().unwrap_or(k)
    }
}

/// The transpose of an n × n pattern `(col_ptr, row_idx, map)` whose columns have sorted rows,
/// with `map` (source entry → slot) carried over to the transposed slots. Rows of the result are
/// sorted as well: columns are visited in increasing order, so each transposed column receives
/// its rows in increasing order. Equal to building the transposed coordinates from scratch.
fn transposed(n: usize, (col_ptr, row_idx, map): (Vec<usize>, Vec<usize>, Vec<usize>)) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let nnz = row_idx.len();
    let mut t_ptr = vec![0usize; n + 1];
    for &i in &row_idx {
        t_ptr[i + 1] += 1;
    }
    for i in 0..n {
        t_ptr[i + 1] += t_ptr[i];
    }
    let mut next = t_ptr[..n].to_vec();
    let mut t_row = vec![0usize; nnz];
    // Slot of each original entry in the transpose.
    let mut slot = vec![0usize; nnz];
    for j in 0..n {
        for k in col_ptr[j]..col_ptr[j + 1] {
            let i = row_idx[k];
            t_row[next[i]] = j;
            slot[k] = next[i];
            next[i] += 1;
        }
    }
    let t_map = map.iter().map(|&k| slot[k]).collect();
    (t_ptr, t_row, t_map)
}

/// Solve with the factor in place: `rhs` in original order; `work` is factor-order scratch.
fn solve_factor(method: SparseLdlMethod, p: &Pattern, num: &Numeric, work: &mut [f64], rhs: &mut [f64]) {
    let n = p.n;
    for (w, &i) in work.iter_mut().zip(&p.perm_fwd) {
        *w = rhs[i];
    }
    if let (SparseLdlMethod::Pivoted, Some(f)) = (method, &num.pivoted) {
        f.solve_in_place(work);
        for (w, &i) in work.iter().zip(&p.perm_fwd) {
            rhs[i] = *w;
        }
        return;
    }
    let mut mem = MemBuffer::new(p.symbolic.solve_in_place_scratch::<f64>(1, Par::Seq));
    let stack = MemStack::new(&mut mem);
    let w = ColMut::from_slice_mut(work).as_mat_mut();
    match method {
        SparseLdlMethod::Pivoted => unreachable!("handled above"),
        SparseLdlMethod::Ldlt if num.llt => LltRef::new(&p.symbolic, &num.values).solve_in_place_with_conj(Conj::No, w, Par::Seq, stack),
        SparseLdlMethod::Ldlt => LdltRef::new(&p.symbolic, &num.values).solve_in_place_with_conj(Conj::No, w, Par::Seq, stack),
        SparseLdlMethod::IntranodeLblt => {
            let perm = PermRef::new_checked(&num.perm_fwd, &num.perm_inv, n);
            IntranodeLbltRef::new(&p.symbolic, &num.values, &num.subdiag, perm)
                .solve_in_place_with_conj(Conj::No, w, Par::Seq, stack)
        }
    }
    for (w, &i) in work.iter().zip(&p.perm_fwd) {
        rhs[i] = *w;
    }
}

/// Whether every diagonal entry of the source, duplicates summed, is positive.
fn positive_diagonal(src: &Entries<'_>, n: usize) -> bool {
    let mut d = vec![0.0; n];
    for ((r, c), &v) in src.coords().zip(src.vals()) {
        if r == c {
            d[r] += v;
        }
    }
    d.iter().all(|&v| v > 0.0)
}

/// The nested-dissection ordering with [`ND_LEAF_SIZE`] leaves.
fn nested_dissection(n: usize, col_ptr: &[usize], row_idx: &[usize]) -> Vec<usize> {
    nested_dissection_report(n, col_ptr, row_idx).perm
}

/// [`nested_dissection`] with the dissection's top-level separator.
fn nested_dissection_report(n: usize, col_ptr: &[usize], row_idx: &[usize]) -> ordering::NdOrdering {
    ordering::nested_dissection_report(n, col_ptr, row_idx, &ordering::NdParams { leaf_size: ND_LEAF_SIZE, ..Default::default() })
}

/// Whether a factor has long columns on average (Σc² > [`ND_MIN_MEAN_COLUMN`]·nnz(L)): 2-D and 3-D
/// meshes, where a dissection can save fill, not banded or tree-like patterns.
fn fills_heavily(cost: &ordering::FactorCost) -> bool {
    cost.flops > ND_MIN_MEAN_COLUMN * cost.nnz_l as f64
}

/// Average number of off-diagonal entries per row of a pattern given as one triangle (plus the
/// diagonal): 2·(nnz − n)/n.
fn mean_degree(col_ptr: &[usize], n: usize) -> f64 {
    let nnz = col_ptr.last().copied().unwrap_or(0);
    2.0 * nnz.saturating_sub(n) as f64 / n.max(1) as f64
}

/// faer's approximate minimum degree ordering of a symmetric pattern (either triangle), as
/// `perm_fwd` (out of memory is an error, not an abort).
fn amd_order(n: usize, col_ptr: &[usize], row_idx: &[usize]) -> Result<Vec<usize>, LinSolveError> {
    let mut fwd = vec![0usize; n];
    let mut inv = vec![0usize; n];
    let nnz = col_ptr[n];
    let mut mem = MemBuffer::try_new(amd::order_maybe_unsorted_scratch::<usize>(n, nnz))
        .map_err(|_| LinSolveError::Unsupported("out of memory for the AMD ordering".into()))?;
    let sym = SymbolicSparseColMatRef::new_checked(n, n, col_ptr, None, &row_idx[..nnz]);
    amd::order_maybe_unsorted(&mut fwd, &mut inv, sym, amd::Control::default(), MemStack::new(&mut mem))
        .map_err(|e| LinSolveError::Unsupported(format!("AMD ordering failed: {e:?}")))?;
    Ok(fwd)
}

impl LinearSolver for SparseLdl {
    fn name(&self) -> &'static str {
        match self.method {
            SparseLdlMethod::Ldlt => "sparse-ldl",
            SparseLdlMethod::IntranodeLblt => "sparse-ldl-intranode-bk",
            SparseLdlMethod::Pivoted => "sparse-ldl-pivoted",
        }
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            provides_inertia: true,
            needs_assembled_matrix: true,
            is_direct: true,
            requires_positive_definite: false,
        }
    }

    fn analyze(&mut self, op: &dyn LinearOperator) -> Result<(), LinSolveError> {
        let n = square_dim(op)?;
        if self.analyzed_csc_values(op, n).is_some() {
            return Ok(());
        }
        let (src, key) = Self::lower_entries(op, n)?;
        if self.pattern.as_ref().is_some_and(|p| p.n == n && p.key == key) {
            return Ok(());
        }
        self.analyze_entries(&src, key, n)
    }

    fn factor(&mut self, op: &dyn LinearOperator, reg: &Regularization) -> Result<FactorInfo, LinSolveError> {
        self.factor_once(op, reg, false)
    }

    fn refactor(&mut self, op: &dyn LinearOperator, reg: &Regularization) -> Result<FactorInfo, LinSolveError> {
        self.factor_once(op, reg, true)
    }

    fn increase_quality(&mut self) -> bool {
        if !self.pivot_fallback || self.method == SparseLdlMethod::Pivoted {
            return false;
        }
        self.method = SparseLdlMethod::Pivoted;
        self.pattern = None;
        self.factored = false;
        true
    }

    fn solve_in_place(&mut self, op: &dyn LinearOperator, rhs: &mut [f64]) -> Result<SolveInfo, LinSolveError> {
        self.solve_in_place_impl(op, rhs)
    }
}

impl SparseLdl {
    /// `trusted`: the caller guarantees the analyzed pattern ([`LinearSolver::refactor`]).
    fn factor_once(&mut self, op: &dyn LinearOperator, reg: &Regularization, trusted: bool) -> Result<FactorInfo, LinSolveError> {
        self.factored = false;
        let n = square_dim(op)?;
        if !reg.shift.is_finite() {
            return Err(LinSolveError::NonFinite("regularization shift"));
        }
        // Fast path for refactorizations: an operator whose lower CSC has exactly the analyzed
        // pattern is read value by value, with no triplets (and, when the caller vouches for the
        // pattern, without comparing it).
        let fast = if trusted { self.trusted_csc_values(op, n) } else { None }.or_else(|| self.analyzed_csc_values(op, n));
        let entries = match fast {
            Some(_) => None,
            None => {
                let (src, key) = Self::lower_entries(op, n)?;
                if !self.pattern.as_ref().is_some_and(|p| p.n == n && p.key == key) {
                    self.analyze_entries(&src, key, n)?;
                }
                Some(src)
            }
        };
        let src: &[f64] = match (&entries, fast) {
            (Some(src), _) => src.vals(),
            (None, Some(v)) => v,
            (None, None) => return Err(LinSolveError::NotFactored),
        };
        let dynamic = match &reg.dynamic {
            Some(d) if self.method == SparseLdlMethod::Ldlt => {
                check_len("dynamic regularization signs", n, d.signs.len())?;
                if !(d.delta.is_finite() && d.epsilon.is_finite()) {
                    return Err(LinSolveError::NonFinite("dynamic regularization parameters"));
                }
                Some(d)
            }
            _ => None,
        };
        let method = self.method;
        let Some(p) = self.pattern.as_mut() else {
            return Err(LinSolveError::NotFactored);
        };
        // ε·max|A| (no factor n, unlike the dense solvers): KKT matrices mix Σ ~ 1e6 with
        // δ_c ~ 1e-10 legitimately, and faer itself rejects only exact zeros. The gather also
        // finds non-finite entries.
        let (max_abs, finite) = p.gather.fill(src, reg.shift, &mut p.values);
        if !finite {
            return Err(LinSolveError::NonFinite("matrix"));
        }
        let tol = match self.zero_pivot_rtol {
            Some(r) => r * max_abs,
            None => zero_pivot_tol(1, max_abs),
        };
        let p = &*p;
        let a = SparseColMatRef::new(p.structure.as_ref(), &p.values);
        let num = &mut self.numeric;

        // Cholesky first while the matrix stays positive definite (bound-constrained and convex
        // problems: W + Σ + δI): faer's supernodal LLᵀ has no D to scale its updates with and is
        // cheaper than LDLᵀ on the same symbolic structure. A non-positive or tiny pivot (below
        // the LDLᵀ path's zero-pivot test) falls through to LDLᵀ, which decides as before.
        let try_llt = self.positive_definite && method == SparseLdlMethod::Ldlt && dynamic.is_none();
        num.llt = false;
        if try_llt {
            let req = *num.llt_req.get_or_insert_with(|| p.symbolic.factorize_numeric_llt_scratch::<f64>(Par::Seq, Default::default()));
            let stack = num.factor_scratch.stack(req);
            let ok = p.symbolic.factorize_numeric_llt(&mut num.values, a, p.side, Default::default(), Par::Seq, stack, Default::default()).is_ok();
            if ok {
                ldlt_diagonal(&p.symbolic, &num.values, n, &mut num.diag);
                // D of the LDLᵀ factor is diag(L)², the pivot the zero test looks at.
                if num.diag.iter().all(|&l| l * l > tol) {
                    num.llt = true;
                    self.factored = true;
                    self.shift = reg.shift;
                    return Ok(FactorInfo { inertia: Some(ipax_core::Inertia { positive: n, negative: 0, zero: 0 }), regularized_pivots: 0 });
                }
            }
        }
        let (inertia, first_zero, regularized) = match method {
            SparseLdlMethod::Ldlt => {
                // Expected signs are given in original order; the factor is in permuted order.
                let regularization = match dynamic {
                    Some(d) => {
                        for (s, &i) in num.signs.iter_mut().zip(&p.perm_fwd) {
                            *s = d.signs[i];
                        }
                        LdltRegularization {
                            dynamic_regularization_signs: Some(&num.signs),
                            dynamic_regularization_delta: d.delta.abs(),
                            dynamic_regularization_epsilon: d.epsilon.abs(),
                        }
                    }
                    None => LdltRegularization::default(),
                };
                let delta = dynamic.map(|d| d.delta.abs());
                let req = *num.ldlt_req.get_or_insert_with(|| p.symbolic.factorize_numeric_ldlt_scratch::<f64>(Par::Seq, Default::default()));
                let stack = num.factor_scratch.stack(req);
                let res = p.symbolic.factorize_numeric_ldlt(
                    &mut num.values,
                    a,
                    p.side,
                    regularization,
                    Par::Seq,
                    stack,
                    Default::default(),
                );
                if let Err(LdltError::ZeroPivot { index }) = res {
                    // The simplicial kernel reports `index + 1`; both point into the permuted order.
                    let k = match p.symbolic.raw() {
                        SymbolicCholeskyRaw::Simplicial(_) => index.saturating_sub(1),
                        SymbolicCholeskyRaw::Supernodal(_) => index,
                    }
                    .min(n.saturating_sub(1));
                    return Err(LinSolveError::Singular { pivot: p.perm_fwd[k] });
                }
                ldlt_diagonal(&p.symbolic, &num.values, n, &mut num.diag);
                let d = &num.diag;
                // faer's sparse API does not return its regularization count; a perturbed pivot is
                // set to exactly ±delta, so counting those is exact up to natural coincidences.
                let is_reg = |v: f64| delta.is_some_and(|delta| v.abs() == delta);
                let regularized = d.iter().filter(|v| is_reg(**v)).count();
                // Regularized pivots are deliberate (never "zero"): count them by sign only.
                let (inertia, first_zero) = block_inertia(
                    n,
                    |k| if is_reg(d[k]) { d[k].signum() * f64::MAX } else { d[k] },
                    |_| 0.0,
                    |_| tol,
                );
                (inertia, first_zero, regularized)
            }
            SparseLdlMethod::IntranodeLblt => {
                let stack = num.factor_scratch.stack(p.symbolic.factorize_numeric_intranode_lblt_scratch::<f64>(Par::Seq, Default::default()));
                p.symbolic.factorize_numeric_intranode_lblt(
                    &mut num.values,
                    &mut num.subdiag,
                    &mut num.perm_fwd,
                    &mut num.perm_inv,
                    a,
                    p.side,
                    Par::Seq,
                    stack,
                    Default::default(),
                );
                ldlt_diagonal(&p.symbolic, &num.values, n, &mut num.diag);
                let d = &num.diag;
                let (inertia, first_zero) = block_inertia(n, |k| d[k], |k| num.subdiag[k], |_| tol);
                (inertia, first_zero, 0)
            }
            SparseLdlMethod::Pivoted => {
                let tree = p.tree.as_ref().ok_or(LinSolveError::NotFactored)?;
                // The equilibrated matrix has entries ≤ 1: the zero-pivot test is relative to 1.
                let zero_tol = self.zero_pivot_rtol.unwrap_or(f64::EPSILON);
                let cp = p.structure.col_ptr();
                let ri = p.structure.row_idx();
                // The previous factor's storage is refilled (`self.factored` is false until this
                // succeeds, so a failed factorization's leftovers are never solved with).
                let f = num.pivoted.get_or_insert_with(MfFactor::default);
                multifrontal::factorize_into(tree, cp, ri, &p.values, multifrontal::DEFAULT_PIVOT_THRESHOLD, zero_tol, f)
                    .map_err(|e| LinSolveError::Unsupported(format!("pivoted factorization: {e:?}")))?;
                let inertia = ipax_core::Inertia { positive: f.positive, negative: f.negative, zero: f.zero };
                // `first_zero` is a permuted index already (no intranode permutation here).
                (inertia, f.first_zero, 0)
            }
        };
        self.positive_definite = method == SparseLdlMethod::Ldlt && first_zero.is_none() && inertia.negative == 0 && inertia.zero == 0 && regularized == 0;
        if let Some(k) = first_zero {
            return Err(LinSolveError::Singular { pivot: self.original_index(k) });
        }
        self.factored = true;
        self.shift = reg.shift;
        Ok(FactorInfo { inertia: Some(inertia), regularized_pivots: regularized })
    }

    fn solve_in_place_impl(&mut self, op: &dyn LinearOperator, rhs: &mut [f64]) -> Result<SolveInfo, LinSolveError> {
        if !self.factored {
            return Err(LinSolveError::NotFactored);
        }
        let Some(p) = self.pattern.as_ref() else {
            return Err(LinSolveError::NotFactored);
        };
        check_len("operator dimension (differs from the factored one)", p.n, square_dim(op)?)?;
        check_len("right-hand side", p.n, rhs.len())?;
        check_finite("right-hand side", rhs)?;
        let method = self.method;
        let mut work = std::mem::take(&mut self.numeric.work);
        let num = &self.numeric;
        // RefineParams::off(): no copy of b and no residual product.
        let off = self.refine.max_steps == 0 && self.refine.tol == f64::INFINITY;
        let b = if off { Vec::new() } else { rhs.to_vec() };
        solve_factor(method, p, num, &mut work, rhs);
        let out = if off {
            Ok(SolveInfo { iterations: 0, residual: None })
        } else {
            refine_with(op, self.shift, &b, rhs, self.refine, &mut |r: &mut [f64]| {
                solve_factor(method, p, num, &mut work, r);
                Ok(())
            })
        };
        self.numeric.work = work;
        out
    }
}

/// The diagonal of the block factor `D` (or of `B` for the intranode kernel, whose 2×2 blocks are
/// completed by the separate `subdiag`), in factor order.
///
/// Simplicial factors store `D[k]` as the first entry of column `k`; supernodal factors store it
/// on the diagonal of each supernode's dense diagonal block (both kernels share that layout).
fn ldlt_diagonal(symbolic: &SymbolicCholesky<usize>, values: &[f64], n: usize, d: &mut Vec<f64>) {
    d.clear();
    d.resize(n, 0.0);
    match symbolic.raw() {
        SymbolicCholeskyRaw::Simplicial(s) => {
            let col_ptr = s.col_ptr();
            for (k, dk) in d.iter_mut().enumerate() {
                *dk = values[col_ptr[k]];
            }
        }
        SymbolicCholeskyRaw::Supernodal(s) => {
            let f = SupernodalLdltRef::new(s, values);
            for sn in 0..s.n_supernodes() {
                let node = f.supernode(sn);
                let start = node.start();
                let block = node.val();
                for j in 0..block.ncols() {
                    d[start + j] = block[(j, j)];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use ipax_core::{CscMatrix, DynamicRegularization, Inertia, LinearOperatorExt};

    const METHODS: [SparseLdlMethod; 3] = [SparseLdlMethod::Ldlt, SparseLdlMethod::IntranodeLblt, SparseLdlMethod::Pivoted];

    /// Every kernel/structure combination.
    fn variants() -> [SparseLdl; 4] {
        [
            SparseLdl::new().with_symbolic_kind(SymbolicKind::Simplicial),
            SparseLdl::new().with_symbolic_kind(SymbolicKind::Supernodal),
            SparseLdl::new().with_method(SparseLdlMethod::IntranodeLblt),
            SparseLdl::new().with_method(SparseLdlMethod::Pivoted),
        ]
    }

    fn solve_check(s: &mut SparseLdl, a: &dyn LinearOperator, tol: f64) {
        let n = a.shape().0;
        let b = a.matvec(&(0..n).map(|i| 1.0 + (i % 7) as f64).collect::<Vec<_>>());
        let mut x = b.clone();
        let info = s.solve_in_place(a, &mut x).unwrap();
        let res = rel_residual(a, 0.0, &x, &b);
        assert!(res <= tol, "{}: residual {res:e} ({info:?})", s.name());
        assert!(info.residual.unwrap() <= tol);
    }

    #[test]
    fn spd_and_hilbert() {
        for method in METHODS {
            let a = random_spd(30, 5).to_csc_lower();
            let mut s = SparseLdl::new().with_method(method);
            assert!(s.factor(&a, &Regularization::none()).unwrap().inertia.unwrap().is(30, 0));
            solve_check(&mut s, &a, 1e-12);
            let h = hilbert(8).to_csc_lower();
            assert!(s.factor(&h, &Regularization::none()).unwrap().inertia.unwrap().is(8, 0));
            solve_check(&mut s, &h, 1e-10);
        }
    }

    #[test]
    fn refactorizations_of_a_positive_definite_matrix_use_cholesky_and_still_see_indefiniteness() {
        for mut s in variants().into_iter().take(2) {
            let d = random_spd(30, 7);
            let a = d.to_csc_lower();
            // The first factorization (LDLᵀ) finds it positive definite, the second is LLᵀ.
            assert!(s.factor(&a, &Regularization::none()).unwrap().inertia.unwrap().is(30, 0));
            assert!(!s.numeric.llt);
            assert!(s.factor(&a, &Regularization::none()).unwrap().inertia.unwrap().is(30, 0));
            assert!(s.numeric.llt, "{}: Cholesky after a positive definite factorization", s.name());
            solve_check(&mut s, &a, 1e-11);
            // Shifted far enough down to be indefinite: Cholesky fails, LDLᵀ counts the inertia.
            let shift = -0.5 * (0..30).map(|i| d.get(i, i)).fold(0.0, f64::max);
            let dense = DenseOp::new(30, 30, (0..900).map(|k| d.a[k] + if k % 31 == 0 { shift } else { 0.0 }).collect());
            let expected = eigen_inertia(&dense);
            assert!(expected.negative > 0);
            let info = s.factor(&a, &Regularization::shift(shift)).unwrap();
            assert!(!s.numeric.llt);
            assert_eq!(info.inertia.unwrap(), expected);
        }
    }

    #[test]
    fn transposed_pattern_equals_the_pattern_of_the_transposed_coordinates() {
        // Pseudo-random upper-triangle coordinates with duplicates and every diagonal entry.
        let n = 40;
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut coords: Vec<(usize, usize)> = (0..300)
            .map(|_| {
                let (a, b) = ((next() % n as u64) as usize, (next() % n as u64) as usize);
                (a.min(b), a.max(b))
            })
            .collect();
        coords.extend((0..n).map(|i| (i, i)));
        let upper = CscPattern::from_entries(n, n, coords.len(), || coords.iter().copied());
        let lower = CscPattern::from_entries(n, n, coords.len(), || coords.iter().map(|&(r, c)| (c, r)));
        let (cp, ri, map) = transposed(n, (upper.col_ptr, upper.row_idx, upper.map));
        assert_eq!((cp, ri, map), (lower.col_ptr, lower.row_idx, lower.map));
    }

    #[test]
    fn only_a_sorted_lower_csc_with_its_diagonal_is_used_as_the_pattern() {
        let csc = |col_ptr: Vec<usize>, row_idx: Vec<usize>| {
            let values = vec![1.0; row_idx.len()];
            CscMatrix { nrows: 3, ncols: 3, col_ptr, row_idx, values, storage: CscStorage::SymmetricLower }
        };
        let canonical = csc(vec![0, 2, 3, 4], vec![0, 2, 1, 2]);
        assert_eq!(Entries::Csc(canonical.as_ref()).canonical_lower(), Some((&[0, 2, 3, 4][..], &[0, 2, 1, 2][..])));
        for bad in [
            csc(vec![0, 1, 2, 3], vec![2, 1, 2]),       // column 0 without its diagonal
            csc(vec![0, 2, 3, 4], vec![2, 0, 1, 2]),    // unsorted rows
            csc(vec![0, 3, 4, 5], vec![0, 2, 2, 1, 2]), // a duplicate
        ] {
            assert_eq!(Entries::Csc(bad.as_ref()).canonical_lower(), None);
        }
        // The canonical source factors like any other: [[4, 0, 1], [0, 3, 0], [1, 0, 5]].
        let mut m = csc(vec![0, 2, 3, 4], vec![0, 2, 1, 2]);
        m.values = vec![4.0, 1.0, 3.0, 5.0];
        let mut ldl = SparseLdl::new();
        assert!(ldl.factor(&m, &Regularization::none()).unwrap().inertia.unwrap().is(3, 0));
        let mut x = vec![5.0, 3.0, 6.0];
        ldl.solve_in_place(&m, &mut x).unwrap();
        assert!(x.iter().all(|v| (v - 1.0).abs() < 1e-14), "{x:?}");
    }

    #[test]
    fn kkt_inertia_matches_eigenvalues() {
        for method in METHODS {
            for (n, m, seed) in [(6, 3, 1), (12, 5, 2), (8, 8, 3)] {
                let k = kkt(n, m, 1e-8, seed);
                let expected = eigen_inertia(&k);
                assert_eq!(expected, Inertia { positive: n, negative: m, zero: 0 });
                let csc = k.to_csc_lower();
                let mut s = SparseLdl::new().with_method(method);
                let info = s.factor(&csc, &Regularization::none()).unwrap();
                assert_eq!(info.inertia.unwrap(), expected, "{method:?}");
                solve_check(&mut s, &csc, 1e-10);
            }
        }
    }

    #[test]
    fn sparse_grid_kkt_supernodal() {
        let (a, n, m) = grid_kkt(14, 0.1, 1e-8);
        let expected = eigen_inertia(&a);
        assert_eq!(expected, Inertia { positive: n, negative: m, zero: 0 });
        for (i, mut s) in variants().into_iter().enumerate() {
            let info = s.factor(&a, &Regularization::none()).unwrap();
            assert_eq!(s.is_supernodal(), Some(i > 0));
            assert_eq!(info.inertia.unwrap(), expected, "variant {i}");
            solve_check(&mut s, &a, 1e-10);
            // Singular detection in both structures: a zero row/column.
            let mut z = a.clone();
            for p in 0..z.values.len() {
                let j = z.col_ptr.partition_point(|&c| c <= p) - 1;
                if z.row_idx[p] == 5 || j == 5 {
                    z.values[p] = 0.0;
                }
            }
            assert_eq!(s.factor(&z, &Regularization::none()), Err(LinSolveError::Singular { pivot: 5 }), "variant {i}");
        }
    }

    #[test]
    fn nested_dissection_gives_the_same_inertia_and_solution() {
        // Forced on a small grid KKT matrix, with every kernel.
        let (a, n, m) = grid_kkt(14, 0.1, 1e-8);
        for s in variants() {
            let mut s = s.with_ordering(FillOrdering::NestedDissection);
            let info = s.factor(&a, &Regularization::none()).unwrap();
            assert_eq!(s.ordering_used(), Some(FillOrdering::NestedDissection));
            assert!(info.inertia.unwrap().is(n, m), "{}", s.name());
            solve_check(&mut s, &a, 1e-10);
        }
        // Auto: AMD below the size threshold; nested dissection on a 3-D grid Laplacian (20³),
        // where it predicts well under 0.6 of AMD's flops.
        let mut small = SparseLdl::new().with_ordering(FillOrdering::Auto);
        small.factor(&a, &Regularization::none()).unwrap();
        assert_eq!(small.ordering_used(), Some(FillOrdering::Amd));
        let k = 20;
        let id = |x: usize, y: usize, z: usize| (x * k + y) * k + z;
        let mut t = Triplets::new(k * k * k, k * k * k);
        for x in 0..k {
            for y in 0..k {
                for z in 0..k {
                    t.push(id(x, y, z), id(x, y, z), 6.1);
                    for (dx, dy, dz) in [(1, 0, 0), (0, 1, 0), (0, 0, 1)] {
                        if x + dx < k && y + dy < k && z + dz < k {
                            t.push(id(x + dx, y + dy, z + dz), id(x, y, z), -1.0);
                        }
                    }
                }
            }
        }
        let lap = CscMatrix::from_triplets(&t, CscStorage::SymmetricLower);
        let mut auto = SparseLdl::new().with_ordering(FillOrdering::Auto);
        let info = auto.factor(&lap, &Regularization::none()).unwrap();
        assert_eq!(auto.ordering_used(), Some(FillOrdering::NestedDissection));
        assert_eq!(auto.is_supernodal(), Some(true));
        assert!(info.inertia.unwrap().is(k * k * k, 0));
        solve_check(&mut auto, &lap, 1e-10);
        let mut amd = SparseLdl::new().with_ordering(FillOrdering::Amd);
        amd.factor(&lap, &Regularization::none()).unwrap();
        assert!(auto.factor_nnz().unwrap() < amd.factor_nnz().unwrap());
        // A 2-D grid Laplacian above the size threshold takes nested dissection straight away
        // (top separator ≈ √n), with the same solution.
        let k = 90;
        let mut t = Triplets::new(k * k, k * k);
        for x in 0..k {
            for y in 0..k {
                let v = x * k + y;
                t.push(v, v, 4.1);
                if y + 1 < k {
                    t.push(v + 1, v, -1.0);
                }
                if x + 1 < k {
                    t.push(v + k, v, -1.0);
                }
            }
        }
        let grid = CscMatrix::from_triplets(&t, CscStorage::SymmetricLower);
        let mut auto_grid = SparseLdl::new().with_ordering(FillOrdering::Auto);
        assert!(auto_grid.factor(&grid, &Regularization::none()).unwrap().inertia.unwrap().is(k * k, 0));
        assert_eq!(auto_grid.ordering_used(), Some(FillOrdering::NestedDissection));
        solve_check(&mut auto_grid, &grid, 1e-10);
        // A saddle-point matrix (negative constraint block) of the same size class keeps AMD.
        let (kkt_big, n, m) = grid_kkt(80, 0.1, 1e-8);
        assert!(n + m >= ND_MIN_DIM);
        let mut auto_kkt = SparseLdl::new();
        assert!(auto_kkt.factor(&kkt_big, &Regularization::none()).unwrap().inertia.unwrap().is(n, m));
        assert_eq!(auto_kkt.ordering_used(), Some(FillOrdering::Amd));
    }

    #[test]
    fn orderings_agree_on_random_sparse_indefinite_matrices() {
        // Random patterns (several components, isolated vertices, a dense row now and then) as
        // quasi-definite KKT-like matrices: every ordering and kernel must give the same inertia
        // and a solution to the same accuracy.
        for seed in 0..12u64 {
            let mut rng = Lcg::new(seed);
            let n = 40 + (seed as usize * 37) % 260;
            let neg = n / 3;
            let mut t = Triplets::new(n, n);
            for i in 0..n {
                // Positive block first, then a negative one: inertia (n - neg, neg).
                t.push(i, i, if i < n - neg { 8.0 + rng.next() } else { -8.0 + rng.next() });
            }
            let edges = n * (1 + seed as usize % 4);
            for _ in 0..edges {
                let (a, b) = (((rng.next() + 1.0) * 0.5 * n as f64) as usize % n, ((rng.next() + 1.0) * 0.5 * n as f64) as usize % n);
                // Keep the blocks diagonally dominant enough: small couplings.
                if a != b {
                    t.push(a.max(b), a.min(b), 0.3 * rng.next());
                }
            }
            if seed % 3 == 0 {
                for j in 0..n - 1 {
                    t.push(n - 1, j, 0.01 * rng.next());
                }
            }
            let a = CscMatrix::from_triplets(&t, CscStorage::SymmetricLower);
            let expected = eigen_inertia(&a);
            for ordering in [FillOrdering::Amd, FillOrdering::NestedDissection, FillOrdering::Auto] {
                for s in variants() {
                    let mut s = s.with_ordering(ordering);
                    let info = s.factor(&a, &Regularization::none()).unwrap();
                    assert_eq!(info.inertia.unwrap(), expected, "seed {seed}, {ordering:?}, {}", s.name());
                    solve_check(&mut s, &a, 1e-10);
                }
            }
        }
    }

    #[test]
    fn pure_saddle_point_is_factored_correctly_or_reported_singular() {
        // δ = 0 and no dynamic regularization: the unpivoted kernel may meet a zero pivot (a typed
        // error the IPM answers with δ_c > 0), but must never return a wrong inertia. Bunch–Kaufman
        // inside one supernode (a dense problem) factors it.
        for seed in 0..4u64 {
            let (n, m) = (8 + seed as usize, 4);
            let a = kkt(n, m, 0.0, seed).to_csc_lower();
            for method in METHODS {
                let mut s = SparseLdl::new().with_method(method);
                match s.factor(&a, &Regularization::none()) {
                    Ok(info) => {
                        assert!(info.inertia.unwrap().is(n, m), "{method:?}");
                        solve_check(&mut s, &a, 1e-10);
                    }
                    Err(e) => {
                        assert!(matches!(e, LinSolveError::Singular { pivot } if pivot < n + m));
                        assert_eq!(method, SparseLdlMethod::Ldlt, "intranode BK should handle one dense supernode");
                    }
                }
            }
        }
        let (g, _, _) = grid_kkt(8, 0.0, 0.0);
        for method in METHODS {
            let mut s = SparseLdl::new().with_method(method);
            if let Ok(info) = s.factor(&g, &Regularization::none()) {
                assert!(info.inertia.unwrap().is(64, 32));
            }
        }
    }

    #[test]
    fn singular_matrix_is_a_typed_error() {
        for method in METHODS {
            let a = DenseOp::from_rows(&[
                &[1.0, 0.0, 0.0, 0.0],
                &[0.0, 2.0, 0.0, 0.0],
                &[0.0, 0.0, 0.0, 0.0],
                &[0.0, 0.0, 0.0, 3.0],
            ])
            .to_csc_lower();
            let mut s = SparseLdl::new().with_method(method);
            assert_eq!(s.factor(&a, &Regularization::none()), Err(LinSolveError::Singular { pivot: 2 }), "{method:?}");
            let mut x = vec![1.0; 4];
            assert_eq!(s.solve_in_place(&a, &mut x), Err(LinSolveError::NotFactored));
            // Numerically singular (rank 2 of 3), not exactly zero pivots.
            let b = DenseOp::from_rows(&[&[2.0, 1.0, 3.0], &[1.0, -1.0, 0.0], &[3.0, 0.0, 3.0]]).to_csc_lower();
            assert!(matches!(s.factor(&b, &Regularization::none()), Err(LinSolveError::Singular { .. })), "{method:?}");
            // A shift repairs both.
            assert!(s.factor(&a, &Regularization::shift(1.0)).unwrap().inertia.unwrap().is(4, 0));
        }
    }

    #[test]
    fn symbolic_analysis_is_reused_until_the_pattern_changes() {
        let (a, n, m) = grid_kkt(6, 0.5, 1e-6);
        let mut s = SparseLdl::new();
        s.analyze(&a).unwrap();
        for step in 0..4 {
            let mut b = a.clone();
            b.values.iter_mut().enumerate().for_each(|(i, v)| *v *= 1.0 + 0.01 * ((i + step) % 5) as f64);
            let info = s.factor(&b, &Regularization::shift(0.0)).unwrap();
            assert!(info.inertia.unwrap().is(n, m));
            solve_check(&mut s, &b, 1e-10);
        }
        assert_eq!(s.analysis_count(), 1);
        let (c, n2, m2) = grid_kkt(7, 0.5, 1e-6);
        assert!(s.factor(&c, &Regularization::none()).unwrap().inertia.unwrap().is(n2, m2));
        assert_eq!(s.analysis_count(), 2);
        solve_check(&mut s, &c, 1e-10);
    }

    #[test]
    fn dynamic_regularization_handles_pure_saddle_point() {
        // δ = 0: the constraint block has zero diagonal, so an unpivoted LDLᵀ needs help.
        let (a, n, m) = grid_kkt(8, 0.5, 0.0);
        let mut signs = vec![1i8; n];
        signs.extend(std::iter::repeat_n(-1i8, m));
        let reg = Regularization {
            shift: 0.0,
            dynamic: Some(DynamicRegularization { signs, delta: 1e-8, epsilon: 1e-12 }),
        };
        let mut s = SparseLdl::new();
        let info = s.factor(&a, &reg).unwrap();
        assert!(info.inertia.unwrap().is(n, m));
        // Refinement against the true (nonsingular) operator removes the perturbation.
        solve_check(&mut s, &a, 1e-10);
        let bad = Regularization {
            shift: 0.0,
            dynamic: Some(DynamicRegularization { signs: vec![1; 3], delta: 1e-8, epsilon: 1e-12 }),
        };
        assert!(matches!(s.factor(&a, &bad), Err(LinSolveError::DimensionMismatch { .. })));
    }

    #[test]
    fn reads_general_storage_and_rejects_matrix_free() {
        let k = kkt(5, 2, 1e-6, 7);
        let full = ipax_core::CscMatrix::from_triplets(&k.to_csc_lower().triplets().unwrap(), CscStorage::General);
        let mut s = SparseLdl::new();
        assert!(s.factor(&full, &Regularization::none()).unwrap().inertia.unwrap().is(5, 2));
        solve_check(&mut s, &full, 1e-10);
        assert!(matches!(s.factor(&k, &Regularization::none()), Err(LinSolveError::Unsupported(_))));
    }

    #[test]
    fn typed_errors_on_bad_input() {
        let a = random_spd(5, 1).to_csc_lower();
        let mut s = SparseLdl::new();
        let mut x = vec![1.0; 5];
        assert_eq!(s.solve_in_place(&a, &mut x), Err(LinSolveError::NotFactored));
        let mut nan = a.clone();
        nan.values[0] = f64::INFINITY;
        assert_eq!(s.factor(&nan, &Regularization::none()), Err(LinSolveError::NonFinite("matrix")));
        assert_eq!(s.factor(&a, &Regularization::shift(f64::NAN)), Err(LinSolveError::NonFinite("regularization shift")));
        s.factor(&a, &Regularization::none()).unwrap();
        let mut short = vec![1.0; 4];
        assert!(matches!(s.solve_in_place(&a, &mut short), Err(LinSolveError::DimensionMismatch { .. })));
        let other = random_spd(6, 1).to_csc_lower();
        let mut x6 = vec![1.0; 6];
        assert!(matches!(s.solve_in_place(&other, &mut x6), Err(LinSolveError::DimensionMismatch { .. })));
        let mut bad = a.clone();
        bad.row_idx[0] = 99;
        assert!(matches!(s.factor(&bad, &Regularization::none()), Err(LinSolveError::DimensionMismatch { .. })));
    }

    #[test]
    fn shifted_factorization_is_refined_against_shifted_operator() {
        let a = kkt(6, 2, 1e-4, 11).to_csc_lower();
        let mut s = SparseLdl::new();
        s.factor(&a, &Regularization::shift(0.3)).unwrap();
        let b = vec![1.0; 8];
        let mut x = b.clone();
        s.solve_in_place(&a, &mut x).unwrap();
        assert!(rel_residual(&a, 0.3, &x, &b) <= 1e-12);
    }
}

/// The pivoted kernel on saddle-point matrices whose zero-diagonal rows come in arbitrary order:
/// the inertia must be the true one (eigenvalues, or the KKT inertia theorem at n ≥ 1e4) and
/// solves accurate, where the static-order kernel meets exact zero pivots.
#[cfg(test)]
mod pivoted_tests {
    use super::*;
    use crate::test_util::*;
    use ipax_core::{CscMatrix, LinearOperatorExt};

    /// Random sparse KKT `[[H, Jᵀ], [J, 0]]` (lower triplets), symmetrically permuted by a random
    /// permutation so constraint rows are interleaved with variables in any order. `H` is
    /// diagonal with entries of both signs plus random couplings (indefinite when `neg > 0`),
    /// `J` has `per_row` random entries per row plus one private column (full row rank).
    fn random_kkt(n: usize, m: usize, per_row: usize, neg: usize, seed: u64) -> (CscMatrix, Vec<usize>) {
        let mut rng = Lcg::new(seed);
        let nt = n + m;
        let mut perm: Vec<usize> = (0..nt).collect();
        for i in (1..nt).rev() {
            let j = ((rng.next() + 1.0) * 0.5 * (i + 1) as f64) as usize % (i + 1);
            perm.swap(i, j);
        }
        let mut t = Triplets::new(nt, nt);
        let mut push = |r: usize, c: usize, v: f64| {
            let (a, b) = (perm[r], perm[c]);
            t.push(a.max(b), a.min(b), v);
        };
        for i in 0..n {
            let d = if i < neg { -1.0 - rng.next().abs() } else { 2.0 + rng.next() };
            push(i, i, d);
            if i + 1 < n {
                push(i + 1, i, 0.1 * rng.next());
            }
        }
        for r in 0..m {
            // Private column r (m ≤ n): full row rank whatever the other entries are.
            push(n + r, r, 1.0 + rng.next().abs());
            // Columns near the private one: local coupling (as in discretized or network models)
            // keeps the fill moderate; random columns over all of 0..n would fill the factor.
            for _ in 0..per_row {
                let c = (r + (((rng.next() + 1.0) * 0.5 * 40.0) as usize)) % n;
                if c != r {
                    push(n + r, c, rng.next());
                }
            }
            push(n + r, n + r, 0.0);
        }
        (CscMatrix::from_triplets(&t, CscStorage::SymmetricLower), perm)
    }

    fn check_solve(s: &mut SparseLdl, a: &CscMatrix, tol: f64) {
        let n = a.shape().0;
        let xt: Vec<f64> = (0..n).map(|i| 1.0 + (i % 5) as f64).collect();
        let b = a.matvec(&xt);
        let mut x = b.clone();
        s.solve_in_place(a, &mut x).unwrap();
        let res = rel_residual(a, 0.0, &x, &b);
        assert!(res <= tol, "residual {res:e}");
    }

    #[test]
    fn true_inertia_against_eigenvalues_on_small_random_kkt() {
        for seed in 0..12 {
            let (n, m) = (40 + seed as usize, 15 + (seed as usize % 7));
            let neg = (seed as usize) % 4;
            let (a, _) = random_kkt(n, m, 3, neg, seed);
            let expect = eigen_inertia(&a);
            let mut s = SparseLdl::new().with_method(SparseLdlMethod::Pivoted);
            let got = s.factor(&a, &Regularization::none()).unwrap().inertia.unwrap();
            assert_eq!(got, expect, "seed {seed}");
            check_solve(&mut s, &a, 1e-10);
        }
    }

    #[test]
    fn true_inertia_at_ten_thousand_in_any_order() {
        // H positive definite and J of full row rank: inertia (n, m, 0) by the KKT inertia theorem.
        let (n, m) = (7000, 3500);
        for seed in [1u64, 2] {
            let (a, _) = random_kkt(n, m, 4, 0, seed);
            let mut s = SparseLdl::new().with_method(SparseLdlMethod::Pivoted);
            let got = s.factor(&a, &Regularization::none()).unwrap().inertia.unwrap();
            assert!(got.is(n, m), "seed {seed}: {got:?}");
            s.pattern.as_ref().and_then(|p| p.tree.as_ref()).expect("assembly tree").check().unwrap();
            check_solve(&mut s, &a, 1e-9);
            // Equivalent to the eigenvalue check at a size where dense eigenvalues are affordable.
        }
    }

    #[test]
    fn a_singular_kkt_is_reported_as_singular() {
        // Two identical constraint rows: J rank deficient, one zero eigenvalue.
        let mut t = Triplets::new(5, 5);
        for i in 0..3 {
            t.push(i, i, 2.0);
        }
        for r in [3, 4] {
            t.push(r, 0, 1.0);
            t.push(r, 1, 1.0);
            t.push(r, r, 0.0);
        }
        let a = CscMatrix::from_triplets(&t, CscStorage::SymmetricLower);
        let mut s = SparseLdl::new().with_method(SparseLdlMethod::Pivoted).with_zero_pivot_rtol(1e-12);
        match s.factor(&a, &Regularization::none()) {
            Err(LinSolveError::Singular { pivot }) => assert!(pivot < 5),
            other => panic!("expected Singular, got {other:?}"),
        }
    }

    /// The scatter the gather replaces: zero, add the sources in order, then the shift.
    fn scatter(map: &[usize], diag_pos: &[usize], nslots: usize, src: &[f64], shift: f64) -> Vec<f64> {
        let mut v = vec![0.0; nslots];
        for (&t, &x) in map.iter().zip(src) {
            v[t] += x;
        }
        for &d in diag_pos {
            v[d] += shift;
        }
        v
    }

    #[test]
    fn gather_is_bitwise_the_scatter_with_duplicates_in_source_order() {
        let mut rng = Lcg::new(7);
        let nslots = 40;
        let diag_pos: Vec<usize> = (0..nslots).step_by(3).collect();
        // Many duplicates, sources listed in no particular slot order.
        let map: Vec<usize> = (0..200).map(|_| ((rng.next() + 1.0) * 0.5 * nslots as f64) as usize % nslots).collect();
        // Magnitudes where the summation order changes the rounded result, and signed zeros.
        let src: Vec<f64> = (0..map.len())
            .map(|k| match k % 5 {
                0 => 1e16 * rng.next(),
                1 => -0.0,
                _ => rng.next(),
            })
            .collect();
        // Slots that only a shift reaches exist too: every third slot has a diagonal.
        let g = Gather::new(&map, &diag_pos, nslots).unwrap();
        for shift in [0.0, -0.0, 1e-8, 3.5] {
            let want = scatter(&map, &diag_pos, nslots, &src, shift);
            let mut got = vec![f64::NAN; nslots];
            let (max_abs, finite) = g.fill(&src, shift, &mut got);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want), "shift {shift}");
            assert!(finite);
            assert_eq!(max_abs, want.iter().fold(0.0f64, |m, v| m.max(v.abs())));
        }
        // A reversed summation order would round differently on these values.
        let rev: Vec<usize> = map.iter().rev().copied().collect();
        let src_rev: Vec<f64> = src.iter().rev().copied().collect();
        let mut got = vec![0.0; nslots];
        Gather::new(&rev, &diag_pos, nslots).unwrap().fill(&src_rev, 0.0, &mut got);
        assert!(got.iter().zip(scatter(&map, &diag_pos, nslots, &src, 0.0)).any(|(a, b)| a.to_bits() != b.to_bits()));
        // Non-finite sources are reported.
        let mut bad = src.clone();
        bad[11] = f64::NAN;
        assert!(!g.fill(&bad, 0.0, &mut got).1);
        bad[11] = f64::INFINITY;
        assert!(!g.fill(&bad, 0.0, &mut got).1);
    }

    /// The analysis reads a lower CSC in place; the same matrix in general storage goes through
    /// its lower triplets (in the same order). Both must give the same ordering, permuted
    /// structure, gather and factor, bit for bit: on saddle-point matrices (AMD, simplicial and
    /// supernodal) and on a 3-D Laplacian that takes the nested-dissection branch.
    #[test]
    fn csc_source_analyzes_and_factors_like_its_triplets() {
        let k = 18;
        let id = |x: usize, y: usize, z: usize| (x * k + y) * k + z;
        let mut t = Triplets::new(k * k * k, k * k * k);
        for x in 0..k {
            for y in 0..k {
                for z in 0..k {
                    t.push(id(x, y, z), id(x, y, z), 6.1 + 0.01 * (x as f64));
                    for (dx, dy, dz) in [(1, 0, 0), (0, 1, 0), (0, 0, 1)] {
                        if x + dx < k && y + dy < k && z + dz < k {
                            t.push(id(x + dx, y + dy, z + dz), id(x, y, z), -1.0);
                        }
                    }
                }
            }
        }
        let mut cases = vec![CscMatrix::from_triplets(&t, CscStorage::SymmetricLower)];
        cases.push(random_kkt(300, 120, 3, 0, 5).0);
        cases.push(random_kkt(6000, 2500, 4, 0, 9).0);
        cases.push(grid_kkt(40, 0.1, 1e-8).0);
        for (c, lower) in cases.iter().enumerate() {
            let general = CscMatrix::from_triplets(&lower.as_ref().to_lower_triplets(), CscStorage::General);
            let reg = Regularization::none();
            let mut a = SparseLdl::new();
            let mut b = SparseLdl::new();
            let ia = a.factor(lower, &reg);
            let ib = b.factor(&general, &reg);
            assert_eq!(format!("{ia:?}"), format!("{ib:?}"), "case {c}");
            let (pa, pb) = (a.pattern.as_ref().unwrap(), b.pattern.as_ref().unwrap());
            assert!(matches!(pa.key, SourceKey::Csc { .. }) && matches!(pb.key, SourceKey::Triplets { .. }));
            assert_eq!(pa.perm_fwd, pb.perm_fwd, "case {c}");
            assert_eq!(pa.ordering, pb.ordering, "case {c}");
            assert_eq!(pa.ordering == FillOrdering::NestedDissection, c == 0, "case {c}");
            assert_eq!(pa.structure.col_ptr(), pb.structure.col_ptr(), "case {c}");
            assert_eq!(pa.structure.row_idx(), pb.structure.row_idx(), "case {c}");
            assert_eq!((&pa.gather.ptr, &pa.gather.src), (&pb.gather.ptr, &pb.gather.src), "case {c}");
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a.numeric.values), bits(&b.numeric.values), "case {c}");
        }
    }
}
