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
//!
//! Inertia is counted from the signs of `D` (Sylvester's law of inertia); faer does not report it.

use crate::common::{block_inertia, check_finite, check_len, check_triplets, square_dim, zero_pivot_tol};
use crate::refine::{RefineParams, refine_with};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::ldlt::factor::{LdltError, LdltRegularization};
use faer::perm::PermRef;
use faer::sparse::linalg::SupernodalThreshold;
use faer::sparse::linalg::cholesky::supernodal::SupernodalLdltRef;
use faer::sparse::linalg::cholesky::{
    CholeskySymbolicParams, IntranodeLbltRef, LdltRef, SymbolicCholesky, SymbolicCholeskyRaw, SymmetricOrdering,
    factorize_symbolic_cholesky,
};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{ColMut, Conj, Par, Side};
use ipax_core::{
    Capabilities, CscMatrix, CscStorage, FactorInfo, LinSolveError, LinearOperator, LinearSolver,
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

/// The fixed-pattern lower-triangular matrix that is handed to faer.
#[derive(Debug)]
struct Pattern {
    n: usize,
    /// Coordinates of the source entries, to detect a pattern change.
    src_rows: Vec<usize>,
    src_cols: Vec<usize>,
    /// Lower CSC (diagonal always present); `values` is refilled at every factorization.
    csc: CscMatrix,
    /// Source entry `k` lands in `csc.values[map[k]]`.
    map: Vec<usize>,
    /// Position of `(i, i)` in `csc.values`.
    diag_pos: Vec<usize>,
    symbolic: SymbolicCholesky<usize>,
}

/// Numeric factor storage (reused across factorizations of one pattern).
#[derive(Debug, Default)]
struct Numeric {
    values: Vec<f64>,
    subdiag: Vec<f64>,
    perm_fwd: Vec<usize>,
    perm_inv: Vec<usize>,
}

/// Sparse LDLᵀ [`LinearSolver`] (faer), for assembled symmetric (indefinite) matrices.
///
/// Reads `op.csc()` when it is [`CscStorage::SymmetricLower`], otherwise `op.lower_triplets()`.
/// The symbolic analysis (AMD ordering, elimination tree, supernodes) runs once per sparsity
/// pattern ([`analysis_count`](Self::analysis_count) counts them). Every solve is followed by
/// iterative refinement against the operator; the final relative residual is reported.
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

    /// Lower-triangle entries of `op`, with upper entries of symmetric-lower storage mirrored down.
    fn lower_entries(op: &dyn LinearOperator, n: usize) -> Result<Triplets, LinSolveError> {
        if let Some(c) = op.csc().filter(|c| c.storage == CscStorage::SymmetricLower) {
            check_len("CSC rows", n, c.nrows)?;
            check_len("CSC columns", n, c.ncols)?;
            check_len("CSC column pointers", n + 1, c.col_ptr.len())?;
            let nnz = c.col_ptr[n];
            if c.row_idx.len() < nnz || c.values.len() < nnz {
                return Err(LinSolveError::DimensionMismatch { what: "CSC entries", expected: nnz, got: c.row_idx.len().min(c.values.len()) });
            }
            let mut t = Triplets::new(n, n);
            t.rows.reserve(nnz);
            t.cols.reserve(nnz);
            t.vals.reserve(nnz);
            for j in 0..n {
                let (start, end) = (c.col_ptr[j], c.col_ptr[j + 1]);
                if start > end || end > nnz {
                    return Err(LinSolveError::DimensionMismatch { what: "CSC column pointer", expected: nnz, got: end });
                }
                for p in start..end {
                    let i = c.row_idx[p];
                    t.push(i.max(j), i.min(j), c.values[p]);
                }
            }
            check_triplets(&t, n)?;
            return Ok(t);
        }
        let t = op.lower_triplets().ok_or_else(|| {
            LinSolveError::Unsupported("SparseLdl needs an assembled matrix (csc() or triplets())".into())
        })?;
        check_triplets(&t, n)?;
        if t.rows.iter().zip(&t.cols).any(|(r, c)| r < c) {
            return Err(LinSolveError::Unsupported("lower_triplets() returned an entry above the diagonal".into()));
        }
        Ok(t)
    }

    /// Symbolic analysis of the pattern of `t` (plus the diagonal).
    fn analyze_entries(&mut self, t: &Triplets, n: usize) -> Result<(), LinSolveError> {
        self.pattern = None;
        self.factored = false;
        let mut with_diag = t.clone();
        for i in 0..n {
            with_diag.push(i, i, 0.0);
        }
        let (csc, full_map) = CscMatrix::from_triplets_with_map(&with_diag, CscStorage::SymmetricLower);
        let map = full_map[..t.len()].to_vec();
        let diag_pos = full_map[t.len()..].to_vec();
        let sym = SymbolicSparseColMatRef::new_checked(n, n, &csc.col_ptr, None, &csc.row_idx);
        let threshold = match (self.method, self.symbolic_kind) {
            (SparseLdlMethod::Ldlt, SymbolicKind::Auto) => SupernodalThreshold::AUTO,
            (SparseLdlMethod::Ldlt, SymbolicKind::Simplicial) => SupernodalThreshold::FORCE_SIMPLICIAL,
            (SparseLdlMethod::Ldlt, SymbolicKind::Supernodal) => SupernodalThreshold::FORCE_SUPERNODAL,
            // On a simplicial symbolic the intranode kernel silently degrades to unpivoted LDLᵀ.
            (SparseLdlMethod::IntranodeLblt, _) => SupernodalThreshold::FORCE_SUPERNODAL,
        };
        let params = CholeskySymbolicParams { supernodal_flop_ratio_threshold: threshold, ..Default::default() };
        let symbolic = factorize_symbolic_cholesky(sym, Side::Lower, SymmetricOrdering::Amd, params)
            .map_err(|e| LinSolveError::Unsupported(format!("symbolic analysis failed: {e:?}")))?;
        self.numeric = Numeric {
            values: vec![0.0; symbolic.len_val()],
            subdiag: vec![0.0; n],
            perm_fwd: vec![0; n],
            perm_inv: vec![0; n],
        };
        self.pattern = Some(Pattern { n, src_rows: t.rows.clone(), src_cols: t.cols.clone(), csc, map, diag_pos, symbolic });
        self.analyses += 1;
        Ok(())
    }

    /// Whether the analyzed pattern matches `t`'s coordinates.
    fn same_pattern(&self, t: &Triplets, n: usize) -> bool {
        self.pattern.as_ref().is_some_and(|p| p.n == n && p.src_rows == t.rows && p.src_cols == t.cols)
    }

    /// Original row of factor position `k` (AMD permutation, then the intranode pivoting one).
    fn original_index(&self, k: usize) -> usize {
        let Some(p) = &self.pattern else { return k };
        let k = match self.method {
            SparseLdlMethod::IntranodeLblt => self.numeric.perm_fwd.get(k).copied().unwrap_or(k),
            SparseLdlMethod::Ldlt => k,
        };
        match p.symbolic.perm() {
            Some(perm) => perm.arrays().0[k],
            None => k,
        }
    }

    fn solve_factor(&self, rhs: &mut [f64]) {
        let Some(p) = &self.pattern else { return };
        let n = p.n;
        let mut mem = MemBuffer::new(p.symbolic.solve_in_place_scratch::<f64>(1, Par::Seq));
        let stack = MemStack::new(&mut mem);
        let rhs = ColMut::from_slice_mut(rhs).as_mat_mut();
        match self.method {
            SparseLdlMethod::Ldlt => {
                LdltRef::new(&p.symbolic, &self.numeric.values).solve_in_place_with_conj(Conj::No, rhs, Par::Seq, stack)
            }
            SparseLdlMethod::IntranodeLblt => {
                let perm = PermRef::new_checked(&self.numeric.perm_fwd, &self.numeric.perm_inv, n);
                IntranodeLbltRef::new(&p.symbolic, &self.numeric.values, &self.numeric.subdiag, perm)
                    .solve_in_place_with_conj(Conj::No, rhs, Par::Seq, stack)
            }
        }
    }
}

impl LinearSolver for SparseLdl {
    fn name(&self) -> &'static str {
        match self.method {
            SparseLdlMethod::Ldlt => "sparse-ldl",
            SparseLdlMethod::IntranodeLblt => "sparse-ldl-intranode-bk",
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
        let t = Self::lower_entries(op, n)?;
        if self.same_pattern(&t, n) {
            return Ok(());
        }
        self.analyze_entries(&t, n)
    }

    fn factor(&mut self, op: &dyn LinearOperator, reg: &Regularization) -> Result<FactorInfo, LinSolveError> {
        self.factored = false;
        let n = square_dim(op)?;
        if !reg.shift.is_finite() {
            return Err(LinSolveError::NonFinite("regularization shift"));
        }
        // Fast path for refactorizations: an operator whose lower CSC has exactly the analyzed
        // pattern (the IPM's cached KKT assembly) is copied value by value, with no triplets.
        let same_csc = match (op.csc(), &self.pattern) {
            (Some(c), Some(p)) => {
                c.storage == CscStorage::SymmetricLower
                    && p.n == n
                    && c.col_ptr == p.csc.col_ptr.as_slice()
                    && c.row_idx.get(..p.csc.row_idx.len()) == Some(p.csc.row_idx.as_slice())
                    && c.values.len() >= p.csc.values.len()
            }
            _ => false,
        };
        let entries = if same_csc {
            None
        } else {
            let t = Self::lower_entries(op, n)?;
            if !self.same_pattern(&t, n) {
                self.analyze_entries(&t, n)?;
            }
            Some(t)
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
        match &entries {
            Some(t) => p.csc.refill(&p.map, &t.vals),
            None => {
                let c = op.csc().expect("checked above");
                let len = p.csc.values.len();
                p.csc.values.copy_from_slice(&c.values[..len]);
            }
        }
        for &d in &p.diag_pos {
            p.csc.values[d] += reg.shift;
        }
        check_finite("matrix", &p.csc.values)?;
        // ε·max|A| (no factor n, unlike the dense solvers): KKT matrices mix Σ ~ 1e6 with
        // δ_c ~ 1e-10 legitimately, and faer itself rejects only exact zeros.
        let max_abs = p.csc.values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let tol = match self.zero_pivot_rtol {
            Some(r) => r * max_abs,
            None => zero_pivot_tol(1, max_abs),
        };
        let sym = SymbolicSparseColMatRef::new_checked(n, n, &p.csc.col_ptr, None, &p.csc.row_idx);
        let a = SparseColMatRef::new(sym, &p.csc.values);
        let num = &mut self.numeric;
        let p = &*p;

        let (inertia, first_zero, regularized) = match method {
            SparseLdlMethod::Ldlt => {
                // faer permutes the expected signs itself (they are given in original ordering).
                let regularization = match dynamic {
                    Some(d) => LdltRegularization {
                        dynamic_regularization_signs: Some(&d.signs),
                        dynamic_regularization_delta: d.delta.abs(),
                        dynamic_regularization_epsilon: d.epsilon.abs(),
                    },
                    None => LdltRegularization::default(),
                };
                let delta = dynamic.map(|d| d.delta.abs());
                let mut mem = MemBuffer::new(p.symbolic.factorize_numeric_ldlt_scratch::<f64>(Par::Seq, Default::default()));
                let stack = MemStack::new(&mut mem);
                let res = p.symbolic.factorize_numeric_ldlt(
                    &mut num.values,
                    a,
                    Side::Lower,
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
                    let pivot = match p.symbolic.perm() {
                        Some(perm) => perm.arrays().0[k],
                        None => k,
                    };
                    return Err(LinSolveError::Singular { pivot });
                }
                let d = ldlt_diagonal(&p.symbolic, &num.values, n);
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
                let mut mem = MemBuffer::new(
                    p.symbolic.factorize_numeric_intranode_lblt_scratch::<f64>(Par::Seq, Default::default()),
                );
                let stack = MemStack::new(&mut mem);
                p.symbolic.factorize_numeric_intranode_lblt(
                    &mut num.values,
                    &mut num.subdiag,
                    &mut num.perm_fwd,
                    &mut num.perm_inv,
                    a,
                    Side::Lower,
                    Par::Seq,
                    stack,
                    Default::default(),
                );
                let d = ldlt_diagonal(&p.symbolic, &num.values, n);
                let (inertia, first_zero) = block_inertia(n, |k| d[k], |k| num.subdiag[k], |_| tol);
                (inertia, first_zero, 0)
            }
        };
        if let Some(k) = first_zero {
            return Err(LinSolveError::Singular { pivot: self.original_index(k) });
        }
        self.factored = true;
        self.shift = reg.shift;
        Ok(FactorInfo { inertia: Some(inertia), regularized_pivots: regularized })
    }

    fn solve_in_place(&mut self, op: &dyn LinearOperator, rhs: &mut [f64]) -> Result<SolveInfo, LinSolveError> {
        if !self.factored {
            return Err(LinSolveError::NotFactored);
        }
        let n = self.pattern.as_ref().map_or(0, |p| p.n);
        check_len("operator dimension (differs from the factored one)", n, square_dim(op)?)?;
        check_len("right-hand side", n, rhs.len())?;
        check_finite("right-hand side", rhs)?;
        let b = rhs.to_vec();
        self.solve_factor(rhs);
        let this = &*self;
        refine_with(op, self.shift, &b, rhs, self.refine, &mut |r: &mut [f64]| {
            this.solve_factor(r);
            Ok(())
        })
    }
}

/// The diagonal of the block factor `D` (or of `B` for the intranode kernel, whose 2×2 blocks are
/// completed by the separate `subdiag`), in factor order.
///
/// Simplicial factors store `D[k]` as the first entry of column `k`; supernodal factors store it
/// on the diagonal of each supernode's dense diagonal block (both kernels share that layout).
fn ldlt_diagonal(symbolic: &SymbolicCholesky<usize>, values: &[f64], n: usize) -> Vec<f64> {
    let mut d = vec![0.0; n];
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
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use ipax_core::{DynamicRegularization, Inertia, LinearOperatorExt};

    const METHODS: [SparseLdlMethod; 2] = [SparseLdlMethod::Ldlt, SparseLdlMethod::IntranodeLblt];

    /// Every kernel/structure combination.
    fn variants() -> [SparseLdl; 3] {
        [
            SparseLdl::new().with_symbolic_kind(SymbolicKind::Simplicial),
            SparseLdl::new().with_symbolic_kind(SymbolicKind::Supernodal),
            SparseLdl::new().with_method(SparseLdlMethod::IntranodeLblt),
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
