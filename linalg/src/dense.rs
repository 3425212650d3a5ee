//! Dense direct solvers on faer: Cholesky (SPD) and Bunch–Kaufman LBLᵀ (symmetric indefinite).
//!
//! Both assemble `op + shift·I` densely (from `triplets()` when available, otherwise by applying the
//! operator to unit vectors), factor it, and refine every solution against the operator.

use crate::common::{assemble_dense, block_inertia, check_finite, check_len, max_abs, row_max_abs, square_dim, zero_pivot_tol};
use crate::refine::{RefineParams, refine_with};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::ldlt::factor::{LdltError, LdltRegularization, cholesky_in_place, cholesky_in_place_scratch};
use faer::linalg::cholesky::llt::factor::LltError;
use faer::linalg::solvers::{Lblt, Llt, Solve};
use faer::{ColMut, Mat, Par, Side};
use ipax_core::{Capabilities, FactorExport, FactorInfo, LinSolveError, LinearOperator, LinearSolver, Regularization, SolveInfo, Triplets};

/// Dense Cholesky `A + shift·I = L Lᵀ` (faer `llt`).
///
/// This is the condensed route's convexity probe: a non-positive pivot is reported as
/// [`LinSolveError::NotPositiveDefinite`] with its index and value (the Schur-complement pivot at
/// which the factorization broke down), never silently regularized.
#[derive(Debug, Default)]
pub struct DenseCholesky {
    factor: Option<Llt<f64>>,
    shift: f64,
    refine: RefineParams,
}

impl DenseCholesky {
    /// A solver with default refinement ([`RefineParams::default`]).
    pub fn new() -> Self {
        Self::default()
    }
    /// Set the refinement rule used by `solve_in_place`.
    pub fn with_refinement(mut self, params: RefineParams) -> Self {
        self.refine = params;
        self
    }
}

/// The pivot value at which Cholesky broke down: an unpivoted LDLᵀ of the same matrix has the
/// same leading Schur complements, so `D[index]` is exactly the offending pivot.
fn cholesky_breakdown_value(mut a: Mat<f64>, index: usize) -> f64 {
    let n = a.nrows();
    let mut mem = MemBuffer::new(cholesky_in_place_scratch::<f64>(n, Par::Seq, Default::default()));
    let stack = MemStack::new(&mut mem);
    match cholesky_in_place(a.as_mut(), LdltRegularization::default(), Par::Seq, stack, Default::default()) {
        Err(LdltError::ZeroPivot { index: z }) if z < index => 0.0,
        _ => a[(index.min(n.saturating_sub(1)), index.min(n.saturating_sub(1)))],
    }
}

impl LinearSolver for DenseCholesky {
    fn name(&self) -> &'static str {
        "dense-cholesky"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            provides_inertia: false,
            needs_assembled_matrix: false,
            is_direct: true,
            requires_positive_definite: true,
        }
    }

    fn analyze(&mut self, op: &dyn LinearOperator) -> Result<(), LinSolveError> {
        square_dim(op).map(|_| ())
    }

    fn factor(&mut self, op: &dyn LinearOperator, reg: &Regularization) -> Result<FactorInfo, LinSolveError> {
        self.factor = None;
        let a = assemble_dense(op, reg.shift)?;
        match a.llt(Side::Lower) {
            Ok(llt) => {
                self.factor = Some(llt);
                self.shift = reg.shift;
                Ok(FactorInfo { inertia: None, regularized_pivots: 0 })
            }
            Err(LltError::NonPositivePivot { index }) => {
                let value = cholesky_breakdown_value(a, index);
                Err(LinSolveError::NotPositiveDefinite { pivot: index, value })
            }
        }
    }

    fn solve_in_place(&mut self, op: &dyn LinearOperator, rhs: &mut [f64]) -> Result<SolveInfo, LinSolveError> {
        let llt = self.factor.as_ref().ok_or(LinSolveError::NotFactored)?;
        dense_solve(op, self.shift, self.refine, rhs, llt.L().nrows(), &mut |r| {
            llt.solve_in_place(ColMut::from_slice_mut(r).as_mat_mut());
            Ok(())
        })
    }
}

/// Direct solve plus refinement shared by the dense solvers.
fn dense_solve(
    op: &dyn LinearOperator,
    shift: f64,
    params: RefineParams,
    rhs: &mut [f64],
    n: usize,
    solve: &mut dyn FnMut(&mut [f64]) -> Result<(), LinSolveError>,
) -> Result<SolveInfo, LinSolveError> {
    check_len("operator dimension (differs from the factored one)", n, square_dim(op)?)?;
    check_len("right-hand side", n, rhs.len())?;
    check_finite("right-hand side", rhs)?;
    let b = rhs.to_vec();
    solve(rhs)?;
    refine_with(op, shift, &b, rhs, params, solve)
}

/// Dense symmetric-indefinite factorization `Pᵀ (A + shift·I) P = L B Lᵀ` with Bunch–Kaufman
/// pivoting (faer `lblt`); `B` has 1×1 and 2×2 blocks.
///
/// Inertia is read off `B` by Sylvester's law (a 2×2 block with negative determinant contributes
/// one positive and one negative eigenvalue). A pivot with `|λ| ≤ n·ε·max|A|` is numerically zero and
/// the factorization reports [`LinSolveError::Singular`] with the original index of that pivot.
#[derive(Debug, Default)]
pub struct DenseLdlt {
    factor: Option<Lblt<f64>>,
    shift: f64,
    refine: RefineParams,
    zero_pivot_rtol: Option<f64>,
}

impl DenseLdlt {
    /// A solver with default refinement ([`RefineParams::default`]).
    pub fn new() -> Self {
        Self::default()
    }
    /// Set the refinement rule used by `solve_in_place`.
    pub fn with_refinement(mut self, params: RefineParams) -> Self {
        self.refine = params;
        self
    }
    /// Count a pivot as zero when `|λ| ≤ rtol·max_j |A_ij|` (its own row `i`'s scale) instead of
    /// `n·ε·max|A|`. Interior-point
    /// KKT matrices mix entries from 1e-10 to 1e12 legitimately; the IPM uses a tiny `rtol` and
    /// lets its inertia correction and iterative refinement deal with near-singularity.
    pub fn with_zero_pivot_rtol(mut self, rtol: f64) -> Self {
        self.zero_pivot_rtol = Some(rtol);
        self
    }
}

impl LinearSolver for DenseLdlt {
    fn name(&self) -> &'static str {
        "dense-ldlt"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            provides_inertia: true,
            needs_assembled_matrix: false,
            is_direct: true,
            requires_positive_definite: false,
        }
    }

    fn analyze(&mut self, op: &dyn LinearOperator) -> Result<(), LinSolveError> {
        square_dim(op).map(|_| ())
    }

    fn factor(&mut self, op: &dyn LinearOperator, reg: &Regularization) -> Result<FactorInfo, LinSolveError> {
        self.factor = None;
        let a = assemble_dense(op, reg.shift)?;
        let n = a.nrows();
        // With an explicit rtol (KKT matrices) a pivot is compared with its own row's scale: an
        // interior-point matrix can hold 1e20 barrier terms next to constraint rows of size 1,
        // and a global `rtol·max|A|` would call the constraint rows' pivots zero however large
        // the primal-dual regularization −δ_c makes them (MA57-style relative pivoting is per
        // column for the same reason).
        let row_scale = self.zero_pivot_rtol.map(|r| (r, row_max_abs(&a)));
        let global = zero_pivot_tol(n, max_abs(&a));
        let lblt = a.lblt(Side::Lower);
        let d = lblt.B_diag().column_vector();
        let s = lblt.B_subdiag().column_vector();
        let fwd = lblt.P().arrays().0;
        let tol = |k: usize| match &row_scale {
            Some((r, rows)) => r * rows[fwd[k]],
            None => global,
        };
        let (inertia, first_zero) = block_inertia(n, |k| d[k], |k| s[k], tol);
        if let Some(k) = first_zero {
            // Position k of the factor corresponds to row fwd[k] of the original matrix.
            let pivot = lblt.P().arrays().0[k];
            return Err(LinSolveError::Singular { pivot });
        }
        self.factor = Some(lblt);
        self.shift = reg.shift;
        Ok(FactorInfo { inertia: Some(inertia), regularized_pivots: 0 })
    }

    fn solve_in_place(&mut self, op: &dyn LinearOperator, rhs: &mut [f64]) -> Result<SolveInfo, LinSolveError> {
        let lblt = self.factor.as_ref().ok_or(LinSolveError::NotFactored)?;
        dense_solve(op, self.shift, self.refine, rhs, lblt.L().nrows(), &mut |r| {
            lblt.solve_in_place(ColMut::from_slice_mut(r).as_mat_mut());
            Ok(())
        })
    }

    fn factors(&self) -> Option<FactorExport> {
        let lblt = self.factor.as_ref()?;
        let l = lblt.L();
        let n = l.nrows();
        let mut t = Triplets::new(n, n);
        for j in 0..n {
            t.push(j, j, 1.0);
            for i in j + 1..n {
                let v = l[(i, j)];
                if v != 0.0 {
                    t.push(i, j, v);
                }
            }
        }
        let d = lblt.B_diag().column_vector();
        let s = lblt.B_subdiag().column_vector();
        Some(FactorExport {
            l: t,
            d_diag: (0..n).map(|k| d[k]).collect(),
            d_subdiag: (0..n).map(|k| s[k]).collect(),
            perm: lblt.P().arrays().0.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use ipax_core::LinearOperatorExt;

    #[test]
    fn cholesky_solves_spd_and_hilbert() {
        for (a, tol) in [(random_spd(30, 1), 1e-12), (hilbert(8), 1e-10)] {
            let mut s = DenseCholesky::new();
            s.factor(&a, &Regularization::none()).unwrap();
            let b = a.matvec(&ones(a.n));
            let mut x = b.clone();
            let info = s.solve_in_place(&a, &mut x).unwrap();
            assert!(rel_residual(&a, 0.0, &x, &b) <= tol, "residual {:?}", info.residual);
            assert!(info.residual.unwrap() <= tol);
        }
    }

    #[test]
    fn cholesky_reports_pivot_and_value_on_indefinite_matrix() {
        let a = DenseOp::from_rows(&[&[4.0, 2.0, 0.0], &[2.0, 1.0, 0.0], &[0.0, 0.0, 1.0]]);
        let mut s = DenseCholesky::new();
        // Second Schur complement pivot is 1 − 2²/4 = 0.
        match s.factor(&a, &Regularization::none()) {
            Err(LinSolveError::NotPositiveDefinite { pivot, value }) => {
                assert_eq!(pivot, 1);
                assert!(value.abs() < 1e-14);
            }
            other => panic!("expected NotPositiveDefinite, got {other:?}"),
        }
        let b = DenseOp::from_rows(&[&[1.0, 0.0], &[0.0, -3.0]]);
        match s.factor(&b, &Regularization::none()) {
            Err(LinSolveError::NotPositiveDefinite { pivot, value }) => assert_eq!((pivot, value), (1, -3.0)),
            other => panic!("expected NotPositiveDefinite, got {other:?}"),
        }
        // A shift large enough makes it positive definite.
        assert!(s.factor(&b, &Regularization::shift(4.0)).is_ok());
        let mut x = vec![1.0, 1.0];
        s.solve_in_place(&b, &mut x).unwrap();
        assert!((x[0] - 0.2).abs() < 1e-14 && (x[1] - 1.0).abs() < 1e-14);
    }

    #[test]
    fn cholesky_typed_errors() {
        let mut s = DenseCholesky::new();
        let a = random_spd(4, 3);
        let mut x = vec![1.0; 4];
        assert_eq!(s.solve_in_place(&a, &mut x), Err(LinSolveError::NotFactored));
        let rect = DenseOp::new(2, 3, vec![0.0; 6]);
        assert!(matches!(s.factor(&rect, &Regularization::none()), Err(LinSolveError::DimensionMismatch { .. })));
        let mut bad = random_spd(3, 2);
        bad.a[4] = f64::NAN;
        assert_eq!(s.factor(&bad, &Regularization::none()), Err(LinSolveError::NonFinite("matrix")));
        s.factor(&a, &Regularization::none()).unwrap();
        let mut short = vec![1.0; 3];
        assert!(matches!(s.solve_in_place(&a, &mut short), Err(LinSolveError::DimensionMismatch { .. })));
        let mut nan = vec![f64::NAN; 4];
        assert_eq!(s.solve_in_place(&a, &mut nan), Err(LinSolveError::NonFinite("right-hand side")));
    }

    #[test]
    fn ldlt_inertia_matches_eigenvalues_on_kkt() {
        for (n, m, seed) in [(6, 3, 1), (10, 4, 2), (5, 5, 3)] {
            let k = kkt(n, m, 1e-8, seed);
            let mut s = DenseLdlt::new();
            let info = s.factor(&k, &Regularization::none()).unwrap();
            assert_eq!(eigen_inertia(&k), ipax_core::Inertia { positive: n, negative: m, zero: 0 });
            assert_eq!(info.inertia.unwrap(), eigen_inertia(&k));
            let b = k.matvec(&ones(n + m));
            let mut x = b.clone();
            s.solve_in_place(&k, &mut x).unwrap();
            assert!(rel_residual(&k, 0.0, &x, &b) <= 1e-10);
        }
    }

    #[test]
    fn ldlt_solves_hilbert_and_pure_saddle_point() {
        let h = hilbert(8);
        let mut s = DenseLdlt::new();
        assert!(s.factor(&h, &Regularization::none()).unwrap().inertia.unwrap().is(8, 0));
        let b = h.matvec(&ones(8));
        let mut x = b.clone();
        s.solve_in_place(&h, &mut x).unwrap();
        assert!(rel_residual(&h, 0.0, &x, &b) <= 1e-10);
        // δ = 0: needs 2×2 pivots (zero diagonal in the constraint block).
        let k = kkt(4, 2, 0.0, 9);
        let info = s.factor(&k, &Regularization::none()).unwrap();
        assert!(info.inertia.unwrap().is(4, 2));
    }

    #[test]
    fn ldlt_exports_factors_that_reproduce_the_permuted_matrix() {
        let a = kkt(6, 3, 1e-3, 4);
        let mut s = DenseLdlt::new();
        assert!(s.factors().is_none(), "nothing before a factorization");
        s.factor(&a, &Regularization::none()).unwrap();
        let f = s.factors().unwrap();
        let n = a.n;
        let mut l = vec![0.0; n * n];
        for ((&r, &c), &v) in f.l.rows.iter().zip(&f.l.cols).zip(&f.l.vals) {
            l[r * n + c] = v;
        }
        // D with its 2×2 blocks (symmetric subdiagonal).
        let mut d = vec![0.0; n * n];
        for k in 0..n {
            d[k * n + k] = f.d_diag[k];
            if k + 1 < n {
                d[(k + 1) * n + k] = f.d_subdiag[k];
                d[k * n + k + 1] = f.d_subdiag[k];
            }
        }
        for i in 0..n {
            for j in 0..n {
                let ldl: f64 = (0..n).map(|p| (0..n).map(|q| l[i * n + p] * d[p * n + q] * l[j * n + q]).sum::<f64>()).sum();
                let pap = a.get(f.perm[i], f.perm[j]);
                assert!((ldl - pap).abs() < 1e-10 * (1.0 + pap.abs()), "({i}, {j}): {ldl} vs {pap}");
            }
        }
    }

    #[test]
    fn ldlt_reports_singular_matrix() {
        // Rank 2: the third row is the sum of the first two.
        let a = DenseOp::from_rows(&[&[2.0, 1.0, 3.0], &[1.0, -1.0, 0.0], &[3.0, 0.0, 3.0]]);
        let mut s = DenseLdlt::new();
        assert!(matches!(s.factor(&a, &Regularization::none()), Err(LinSolveError::Singular { .. })));
        let mut x = vec![1.0; 3];
        assert_eq!(s.solve_in_place(&a, &mut x), Err(LinSolveError::NotFactored));
        // A shift removes the singularity (eigenvalues of a are 0 and (4 ± √52)/2 ... shifted by 10).
        let info = s.factor(&a, &Regularization::shift(10.0)).unwrap();
        assert!(info.inertia.unwrap().is(3, 0));
    }

    #[test]
    fn ldlt_uses_triplets_when_available() {
        let k = kkt(5, 2, 1e-6, 4);
        let csc = k.to_csc_lower();
        let mut s = DenseLdlt::new();
        let info = s.factor(&csc, &Regularization::none()).unwrap();
        assert!(info.inertia.unwrap().is(5, 2));
        let b = k.matvec(&ones(7));
        let mut x = b.clone();
        s.solve_in_place(&csc, &mut x).unwrap();
        assert!(rel_residual(&k, 0.0, &x, &b) <= 1e-10);
    }
}
