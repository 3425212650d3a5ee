//! Removal of duplicate linear rows: rows whose coefficient vectors are equal up to a nonzero
//! scale (a sign flip included), `a_r = s·a_k`.
//!
//! Row `r`, `L_r ≤ s·a_kᵀx + b_r ≤ U_r`, restricts `t = a_kᵀx` to `[(L_r − b_r)/s, (U_r − b_r)/s]`
//! (ends swapped when `s < 0`); row `k` keeps the intersection with its own range, shifted back
//! by `b_k`, and `r` is dropped. An empty intersection (by more than `feas_tol·max(1, |bound|)`)
//! proves the model infeasible and names both rows. Keeping two copies would make the equality
//! Jacobian rank-deficient, which costs the IPM dual regularization (δ_c) at every iteration.
//!
//! **Postsolve.** The reduced problem's multiplier `ŷ_k` of the merged row balances
//! `a_k ŷ_k` in stationarity. In full space `a_k y_k + Σ_r s_r a_k y_r` must equal it, and
//! complementarity puts the multiplier on the row whose bound is active: `ŷ_k > 0` means the
//! upper end is active (Ipopt's convention `∇f + Jᵀy − z_L + z_U = 0`), `ŷ_k < 0` the lower end.
//! The row that supplied that end gets it — `y_k = ŷ_k` if `k` did, else `y_r = ŷ_k / s_r` and
//! `y_k = 0` — so stationarity holds in full space and each multiplier keeps the sign its own
//! active bound calls for.

use ipax_core::sparse::{CscMatrix, CscStorage};
use ipax_core::{EvalError, LinearOperator, Problem, ProblemScaling};

/// Relative tolerance for two normalized coefficients to count as equal.
const COEFF_RTOL: f64 = 1e-12;

/// The duplicate rows of a problem and how to map a solution back.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateRows {
    m: usize,
    /// Rows the reduced problem keeps, ascending.
    kept_rows: Vec<usize>,
    /// Dropped rows: `(dropped r, kept k, s)` with `a_r = s·a_k`.
    pub dropped: Vec<(usize, usize, f64)>,
    /// Row bounds after merging (full length; dropped rows keep theirs).
    lower: Vec<f64>,
    upper: Vec<f64>,
    /// Which row supplied each kept row's lower and upper bound (itself unless merged).
    lower_src: Vec<usize>,
    upper_src: Vec<usize>,
    /// Scale of each row relative to its kept row (1 for kept rows).
    scale: Vec<f64>,
    /// Pairs `(kept, dropped)` whose ranges do not intersect: the model is infeasible.
    pub infeasible: Vec<(usize, usize)>,
}

impl DuplicateRows {
    /// Find duplicates among `linear_rows` (rows known to be linear, e.g. rows `nlc..m` of an
    /// `.nl` model). Coefficients are the Jacobian entries at the projected start point, the
    /// constant `b_i = c_i(x̄) − a_iᵀx̄`.
    pub fn find(problem: &dyn Problem, linear_rows: &[usize], feas_tol: f64) -> Result<DuplicateRows, EvalError> {
        let (n, m) = (problem.num_variables(), problem.num_constraints());
        let (mut lower, mut upper) = (vec![0.0; m], vec![0.0; m]);
        problem.constraint_bounds(&mut lower, &mut upper);
        let mut out = DuplicateRows {
            m,
            kept_rows: (0..m).collect(),
            dropped: Vec::new(),
            lower,
            upper,
            lower_src: (0..m).collect(),
            upper_src: (0..m).collect(),
            scale: vec![1.0; m],
            infeasible: Vec::new(),
        };
        let lin: Vec<usize> = linear_rows.iter().copied().filter(|&i| i < m).collect();
        if lin.len() < 2 {
            return Ok(out);
        }
        let (mut xl, mut xu, mut x) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        problem.variable_bounds(&mut xl, &mut xu);
        problem.initial_point(&mut x);
        for j in 0..n {
            x[j] = if x[j].is_finite() { x[j].max(xl[j]).min(xu[j]) } else { 0.0f64.max(xl[j]).min(xu[j]) };
        }
        let jac = problem.jacobian(&x)?;
        let t = jac.triplets().ok_or_else(|| EvalError::failed("Jacobian", "duplicate-row detection needs Jacobian entries"))?;
        let mut is_lin = vec![false; m];
        lin.iter().for_each(|&i| is_lin[i] = true);
        let mut rows: Vec<Vec<(usize, f64)>> = vec![Vec::new(); m];
        for k in 0..t.len() {
            if t.rows[k] < m && is_lin[t.rows[k]] && t.vals[k] != 0.0 {
                rows[t.rows[k]].push((t.cols[k], t.vals[k]));
            }
        }
        for r in &mut rows {
            r.sort_unstable_by_key(|e| e.0);
            // Duplicate triplets of one entry are summed.
            r.dedup_by(|b, a| {
                if a.0 == b.0 {
                    a.1 += b.1;
                    true
                } else {
                    false
                }
            });
            r.retain(|e| e.1 != 0.0);
        }
        let mut c = vec![0.0; m];
        problem.constraints(&x, &mut c)?;
        let b: Vec<f64> = (0..m).map(|i| c[i] - rows[i].iter().map(|&(j, a)| a * x[j]).sum::<f64>()).collect();
        // Group by pattern, then by the coefficients normalized by the first one.
        let mut order: Vec<usize> = lin.iter().copied().filter(|&i| !rows[i].is_empty()).collect();
        order.sort_by(|&p, &q| {
            let (a, b) = (&rows[p], &rows[q]);
            a.len().cmp(&b.len()).then_with(|| a.iter().map(|e| e.0).cmp(b.iter().map(|e| e.0))).then(p.cmp(&q))
        });
        let same_pattern = |p: usize, q: usize| rows[p].len() == rows[q].len() && rows[p].iter().zip(&rows[q]).all(|(a, b)| a.0 == b.0);
        let mut dropped = vec![false; m];
        let mut start = 0;
        while start < order.len() {
            let mut end = start + 1;
            while end < order.len() && same_pattern(order[start], order[end]) {
                end += 1;
            }
            let group = &order[start..end];
            for (gi, &k) in group.iter().enumerate() {
                if dropped[k] {
                    continue;
                }
                for &r in &group[gi + 1..] {
                    if dropped[r] {
                        continue;
                    }
                    let s = rows[r][0].1 / rows[k][0].1;
                    let parallel = rows[r].iter().zip(&rows[k]).all(|(&(_, ar), &(_, ak))| (ar - s * ak).abs() <= COEFF_RTOL * ar.abs().max((s * ak).abs()));
                    if !parallel {
                        continue;
                    }
                    // Row r's range for t = a_kᵀx, moved to row k's space (c_k = t + b_k).
                    let (lr, ur) = ((out.lower[r] - b[r]) / s + b[k], (out.upper[r] - b[r]) / s + b[k]);
                    let (lr, ur) = if s > 0.0 { (lr, ur) } else { (ur, lr) };
                    let (lo, hi) = (out.lower[k].max(lr), out.upper[k].min(ur));
                    let margin = feas_tol * lo.abs().max(hi.abs()).max(1.0);
                    if lo > hi + margin {
                        out.infeasible.push((k, r));
                        continue;
                    }
                    dropped[r] = true;
                    out.scale[r] = s;
                    out.dropped.push((r, k, s));
                    // A strictly tighter end comes from r; ties (the usual exact copy) stay with k.
                    if lr > out.lower[k] && lo <= hi {
                        out.lower[k] = lr;
                        out.lower_src[k] = r;
                    }
                    if ur < out.upper[k] && lo <= hi {
                        out.upper[k] = ur;
                        out.upper_src[k] = r;
                    }
                    if out.lower[k] > out.upper[k] {
                        // Consistent within the margin but crossed by rounding: an equality.
                        out.upper[k] = out.lower[k];
                        out.upper_src[k] = out.lower_src[k];
                    }
                }
            }
            start = end;
        }
        out.kept_rows = (0..m).filter(|&i| !dropped[i]).collect();
        Ok(out)
    }

    /// Whether nothing was dropped.
    pub fn is_noop(&self) -> bool {
        self.dropped.is_empty()
    }

    /// Rows kept (ascending, original indices).
    pub fn kept_rows(&self) -> &[usize] {
        &self.kept_rows
    }

    /// The problem without the dropped rows, the kept rows with the merged bounds.
    pub fn reduced<'a>(&'a self, problem: &'a dyn Problem) -> DedupProblem<'a> {
        let mut new_row = vec![usize::MAX; self.m];
        for (k, &i) in self.kept_rows.iter().enumerate() {
            new_row[i] = k;
        }
        DedupProblem { inner: problem, plan: self, new_row }
    }

    /// Full-space multipliers from the reduced problem's (see the module documentation).
    pub fn postsolve_y(&self, y_reduced: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; self.m];
        for (&k, &v) in self.kept_rows.iter().zip(y_reduced) {
            let src = if v > 0.0 {
                self.upper_src[k]
            } else if v < 0.0 {
                self.lower_src[k]
            } else {
                k
            };
            y[src] = v / self.scale[src];
        }
        y
    }

    /// Reduced-problem multipliers from full-space ones (a warm start): the kept rows', each plus
    /// its dropped copies' scaled multipliers.
    pub fn restrict_y(&self, full: &[f64]) -> Vec<f64> {
        let mut y: Vec<f64> = self.kept_rows.iter().map(|&i| full.get(i).copied().unwrap_or(0.0)).collect();
        for &(r, k, s) in &self.dropped {
            if let (Ok(pos), Some(&v)) = (self.kept_rows.binary_search(&k), full.get(r)) {
                y[pos] += s * v;
            }
        }
        y
    }
}

/// `problem` without the dropped duplicate rows (rows renumbered `0..kept_rows().len()`, the
/// kept rows with their merged bounds; variables unchanged).
pub struct DedupProblem<'a> {
    inner: &'a dyn Problem,
    plan: &'a DuplicateRows,
    new_row: Vec<usize>,
}

impl Problem for DedupProblem<'_> {
    fn num_variables(&self) -> usize {
        self.inner.num_variables()
    }
    fn num_constraints(&self) -> usize {
        self.plan.kept_rows.len()
    }
    fn variable_bounds(&self, lower: &mut [f64], upper: &mut [f64]) {
        self.inner.variable_bounds(lower, upper)
    }
    fn constraint_bounds(&self, lower: &mut [f64], upper: &mut [f64]) {
        for (k, &i) in self.plan.kept_rows.iter().enumerate() {
            lower[k] = self.plan.lower[i];
            upper[k] = self.plan.upper[i];
        }
    }
    fn initial_point(&self, x0: &mut [f64]) {
        self.inner.initial_point(x0)
    }
    fn objective(&self, x: &[f64]) -> Result<f64, EvalError> {
        self.inner.objective(x)
    }
    fn gradient(&self, x: &[f64], grad: &mut [f64]) -> Result<(), EvalError> {
        self.inner.gradient(x, grad)
    }
    fn constraints(&self, x: &[f64], c: &mut [f64]) -> Result<(), EvalError> {
        let expected = self.plan.kept_rows.len();
        if c.len() != expected {
            return Err(EvalError::WrongLength { what: "constraints output", expected, got: c.len() });
        }
        let mut full = vec![0.0; self.plan.m];
        self.inner.constraints(x, &mut full)?;
        for (k, &i) in self.plan.kept_rows.iter().enumerate() {
            c[k] = full[i];
        }
        Ok(())
    }
    fn jacobian(&self, x: &[f64]) -> Result<Box<dyn LinearOperator + '_>, EvalError> {
        let jac = self.inner.jacobian(x)?;
        let mut t = jac.triplets().ok_or_else(|| EvalError::failed("Jacobian", "presolve needs Jacobian entries"))?;
        t.retain(|r, _| self.new_row[r] != usize::MAX);
        t.rows.iter_mut().for_each(|r| *r = self.new_row[*r]);
        t.nrows = self.plan.kept_rows.len();
        Ok(Box::new(CscMatrix::from_triplets(&t, CscStorage::General)))
    }
    fn has_hessian(&self) -> bool {
        self.inner.has_hessian()
    }
    fn hessian(&self, x: &[f64], obj_factor: f64, lambda: &[f64]) -> Result<Option<Box<dyn LinearOperator + '_>>, EvalError> {
        // Dropped rows are linear: no Hessian contribution, multiplier 0 is exact.
        let mut full = vec![0.0; self.plan.m];
        for (&i, &v) in self.plan.kept_rows.iter().zip(lambda) {
            full[i] = v;
        }
        self.inner.hessian(x, obj_factor, &full)
    }
    fn scaling(&self) -> Option<ProblemScaling> {
        self.inner.scaling().map(|mut s| {
            if let Some(c) = s.constraints.take() {
                s.constraints = (c.len() == self.plan.m).then(|| self.plan.kept_rows.iter().map(|&i| c[i]).collect());
            }
            s
        })
    }
    fn variable_names(&self) -> Option<Vec<String>> {
        self.inner.variable_names()
    }
    fn constraint_names(&self) -> Option<Vec<String>> {
        self.inner.constraint_names().map(|names| self.plan.kept_rows.iter().map(|&i| names.get(i).cloned().unwrap_or_else(|| format!("c[{i}]"))).collect())
    }
    fn constraint_algebra(&self, i: usize) -> Option<String> {
        self.inner.constraint_algebra(*self.plan.kept_rows.get(i)?)
    }
    fn name(&self) -> String {
        self.inner.name()
    }
}
