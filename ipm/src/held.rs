//! The IPM's last factored KKT system, handed back with the result on request
//! (`hold_kkt_factor = yes`), for sensitivities that back-solve it instead of factoring again at
//! the solution (sIPOPT's approach; POUNCE's `factor_reuse=True`).
//!
//! # Which matrix is held
//!
//! The augmented route factors, at every iteration, the reduced primal-dual system in the
//! algorithm's space (fixed variables removed, `x̃ = d ∘ x`, `f̃ = σ_f f`, `c̃ = S_c c`; see
//! [`crate::nlp`]):
//! ```text
//! K̃ = [ W̃ + Σ̃_x + δ_w I    J̃ᵀ ]     W̃ = ∇²ₓ̃ₓ̃ (σ_f f + ỹᵀ S_c c),   J̃ = S_c J D⁻¹
//!     [ J̃               −D̃  ]     D̃_i = δ_c (equality rows),  1/(Σ̃_s,i + δ_w) + δ_c (inequalities)
//! ```
//! with the bound multipliers eliminated (`Σ̃_x = z̃_L/(x̃ − x̃_L) + z̃_U/(x̃_U − x̃)`) and the slacks of
//! the inequality rows `c_L ≤ c(x) ≤ c_U` eliminated (`Σ̃_s = v_L/(s − c_L) + v_U/(c_U − s)`).
//! The rows are the user's constraint rows in the user's order (equalities and inequalities are
//! not separated, each row knows which it is). [`HeldKkt`] is the factor of the *last* such
//! matrix the Newton steps used: the one of the final iteration's search direction, at the
//! iterate `(x_{k−1}, y_{k−1}, z_{k−1})` one step before the returned solution, with that
//! iteration's barrier terms `Σ` and perturbations `δ_w`, `δ_c`. It is handed back only when it is
//! exactly that (exact Hessian, augmented route, a direct solver, no factorization after it, e.g.
//! a least-squares multiplier estimate, and the step it produced is the last one taken).
//!
//! # Relation to the KKT matrix at the solution
//!
//! With `D = diag(d)` the variable scaling, `A = diag(σ_f D⁻¹, S_c)` and `B = diag(D⁻¹, S_c/σ_f)`,
//! the held matrix is `K̃ = A K B` where, in the user's units,
//! ```text
//! K = [ ∇²L + Σ_x + δ_w′    Jᵀ ]     Σ_x = z_L/(x − x_L) + z_U/(x_U − x),  D_i = 1/Σ_s,i
//!     [ J                  −D  ]
//! ```
//! (`δ_w′ = δ_w d²/σ_f`; `L = f + λᵀc` with the user's `λ = S_c ỹ/σ_f`). So `K v = r` is solved
//! as `K̃ ṽ = A r`, `v = B ṽ`: [`HeldKkt::solve_in_place`] does this mapping, and gives `v_x = 0`
//! on fixed variables (they are parameters of the reduced system, `fixed_variable_treatment =
//! make_parameter`, so their sensitivity is zero; the user-space matrix at the solution gets the
//! same answer from `Σ_x → ∞` on them).
//!
//! `K` differs from the exact KKT matrix at the solution (`ipax::KktFactor::at_solution`) by
//! the one step from `x_{k−1}` to `x_k` in `∇²L`, `J` and `Σ` (the final steps are small:
//! `O(‖x_k − x_{k−1}‖)`), by the barrier terms at `μ_{k−1}` rather than at the limit (`O(μ)` on
//! inactive bounds and inequalities, where `Σ ~ μ/gap²`; active ones have `Σ ~ z/gap → ∞` in both
//! and pin their direction either way), and by `δ_w`, `δ_c` when the last factorization needed
//! them (both are 0 at a strict local minimizer satisfying LICQ, once the inertia is right).
//! sIPOPT makes the same approximation: it back-solves the KKT matrix of the final IPM
//! iteration, barrier terms included.

use ipax_core::{CscMatrix, Inertia, LinSolveError, LinearOperator, LinearSolver, vec_ops};

/// Why a back-solve with the held factor failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum HeldKktError {
    #[error("right-hand sides have {got} entries, expected a multiple of n + m = {expected}")]
    RhsLength { expected: usize, got: usize },
    #[error("right-hand side is not finite")]
    NonFiniteRhs,
    #[error("linear solver: {0}")]
    LinearSolver(#[from] LinSolveError),
}

/// Where the held factor came from (for reporting; see the module docs for what it means).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeldKktInfo {
    /// The IPM iteration whose search direction factored it (the final step started there).
    pub iteration: usize,
    /// The barrier parameter of that iteration.
    pub mu: f64,
    /// The Hessian perturbation δ_w in the factored matrix.
    pub delta_w: f64,
    /// The constraint perturbation δ_c in the factored matrix.
    pub delta_c: f64,
    /// The inertia the linear solver reported, `(n_free, m, 0)` when it reports one.
    pub inertia: Option<Inertia>,
}

/// The IPM's last factored augmented KKT system and the map from the user's variable and
/// constraint order into it (see the module docs).
///
/// `Send`: it can be moved to, and back-solved from, any thread; it is not `Sync` (a back-solve
/// needs `&mut`), so share it behind a `Mutex`, as `SolveResult::held_kkt` does.
pub struct HeldKkt {
    solver: Box<dyn LinearSolver + Send>,
    matrix: CscMatrix,
    n_full: usize,
    m: usize,
    /// Reduced (free) variable index → the user's variable index.
    free: Vec<usize>,
    /// Variable scaling `d` of the free variables.
    var_scale: Vec<f64>,
    /// Constraint scaling `S_c`.
    con_scale: Vec<f64>,
    /// Objective scaling `σ_f`.
    obj_scale: f64,
    info: HeldKktInfo,
}

impl std::fmt::Debug for HeldKkt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldKkt")
            .field("solver", &self.solver.name())
            .field("n", &self.n_full)
            .field("m", &self.m)
            .field("n_free", &self.free.len())
            .field("info", &self.info)
            .finish()
    }
}

/// Largest refinement steps against the held matrix per right-hand side.
const REFINEMENT_STEPS: usize = 3;

impl HeldKkt {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        solver: Box<dyn LinearSolver + Send>,
        matrix: CscMatrix,
        n_full: usize,
        free: Vec<usize>,
        var_scale: Vec<f64>,
        con_scale: Vec<f64>,
        obj_scale: f64,
        info: HeldKktInfo,
    ) -> Self {
        let m = con_scale.len();
        debug_assert_eq!(matrix.nrows, free.len() + m);
        HeldKkt { solver, matrix, n_full, m, free, var_scale, con_scale, obj_scale, info }
    }

    /// `(n, m)` of the user's problem (the right-hand sides' layout).
    pub fn dims(&self) -> (usize, usize) {
        (self.n_full, self.m)
    }

    /// Where the factor came from.
    pub fn info(&self) -> HeldKktInfo {
        self.info
    }

    /// The user's indices of the variables of the reduced system, in its order; the others are
    /// fixed variables, whose solution component [`solve_in_place`](Self::solve_in_place) sets
    /// to 0.
    pub fn free_variables(&self) -> &[usize] {
        &self.free
    }

    /// Name of the linear solver holding the factor.
    pub fn solver_name(&self) -> &'static str {
        self.solver.name()
    }

    /// Solve `K v = r` (user space, see the module docs) for each of the `k` right-hand sides
    /// stored one after another in `rhs` (length `k·(n + m)`: the x block in the user's variable
    /// order, then the constraint block in the user's row order), overwriting them with the
    /// solutions. Each is a back-solve with the held factor of `K̃ = A K B` on `A r`, refined
    /// against the held matrix (at most 3 steps, to `‖r‖∞ ≤ 1e-14‖b‖∞`), then mapped back by `B`.
    pub fn solve_in_place(&mut self, rhs: &mut [f64]) -> Result<(), HeldKktError> {
        self.solve_columns(rhs, true)
    }

    /// As [`solve_in_place`](Self::solve_in_place) but one back-solve per right-hand side, without
    /// refinement against the held matrix: for use as the preconditioner of a refinement against
    /// another matrix (`ipax::KktFactor::held_refined`), whose own steps make the inner ones
    /// redundant.
    pub fn back_solve_in_place(&mut self, rhs: &mut [f64]) -> Result<(), HeldKktError> {
        self.solve_columns(rhs, false)
    }

    fn solve_columns(&mut self, rhs: &mut [f64], refine: bool) -> Result<(), HeldKktError> {
        let dim = self.n_full + self.m;
        if dim == 0 || !rhs.len().is_multiple_of(dim) {
            return Err(HeldKktError::RhsLength { expected: dim, got: rhs.len() });
        }
        if !vec_ops::all_finite(rhs) {
            return Err(HeldKktError::NonFiniteRhs);
        }
        let nr = self.free.len();
        let mut b = vec![0.0; nr + self.m];
        let mut v = vec![0.0; nr + self.m];
        let mut r = vec![0.0; nr + self.m];
        for col in rhs.chunks_mut(dim) {
            let (rx, rl) = col.split_at_mut(self.n_full);
            // b = A r = [σ_f D⁻¹ r_x (free rows); S_c r_λ]
            for (k, &i) in self.free.iter().enumerate() {
                b[k] = self.obj_scale * rx[i] / self.var_scale[k];
            }
            for i in 0..self.m {
                b[nr + i] = self.con_scale[i] * rl[i];
            }
            if refine {
                self.refined_solve(&b, &mut v, &mut r)?;
            } else {
                v.copy_from_slice(&b);
                self.solver.solve_in_place(&self.matrix, &mut v)?;
            }
            // v = B ṽ = [D⁻¹ ṽ_x; S_c ṽ_λ / σ_f]; fixed variables do not move.
            rx.iter_mut().for_each(|x| *x = 0.0);
            for (k, &i) in self.free.iter().enumerate() {
                rx[i] = v[k] / self.var_scale[k];
            }
            for i in 0..self.m {
                rl[i] = self.con_scale[i] * v[nr + i] / self.obj_scale;
            }
        }
        Ok(())
    }

    /// `v = K̃⁻¹ b` with up to [`REFINEMENT_STEPS`] refinement steps against the held matrix.
    fn refined_solve(&mut self, b: &[f64], v: &mut [f64], r: &mut [f64]) -> Result<(), HeldKktError> {
        v.copy_from_slice(b);
        self.solver.solve_in_place(&self.matrix, v)?;
        let bnorm = vec_ops::norm_inf(b);
        if bnorm == 0.0 {
            return Ok(());
        }
        let mut last = f64::INFINITY;
        for _ in 0..REFINEMENT_STEPS {
            r.copy_from_slice(b);
            self.matrix.apply(-1.0, v, 1.0, r);
            let res = vec_ops::norm_inf(r) / bnorm;
            if !res.is_finite() {
                return Err(HeldKktError::LinearSolver(LinSolveError::NonFinite("held KKT solution")));
            }
            if res <= 1e-14 || res > 0.5 * last {
                break;
            }
            last = res;
            self.solver.solve_in_place(&self.matrix, r)?;
            vec_ops::axpy(1.0, r, v);
        }
        Ok(())
    }
}
