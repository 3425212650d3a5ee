//! The option list: the single source of the `Options` struct, its defaults, its setter, its
//! getter and the table every listing reads. Each entry is
//! `name: type = default, range, "one line", "long description";` inside its category. Names,
//! defaults and meanings are Ipopt 3.14's where Ipopt has the option; the long text says where
//! and why ours differ.

use super::choices::*;
use super::spec::{Bound, Range};

define_options! {
    Termination {
        tol: f64 = 1e-8, Range::POSITIVE,
            "desired convergence tolerance (scaled overall NLP error)",
            "Optimal when the scaled optimality error E₀ = max(‖∇L‖∞/s_d, ‖c‖∞, ‖ZXe − μe‖∞/s_c) \
             ≤ tol and the unscaled tests below pass (Wächter & Biegler 2006, eq. 5). As Ipopt.";
        max_iter: usize = 3000, Range::NON_NEGATIVE,
            "maximum number of iterations",
            "The solve stops with MaxIterations after this many iterations. As Ipopt.";
        max_wall_time: f64 = 1e20, Range::POSITIVE,
            "maximum wall-clock seconds",
            "The solve stops once this many seconds have passed since it started. As Ipopt.";
        dual_inf_tol: f64 = 1.0, Range::POSITIVE,
            "absolute tolerance on the dual infeasibility",
            "Optimal also needs the unscaled ‖∇f + Jᵀy − z‖∞ ≤ dual_inf_tol. As Ipopt.";
        constr_viol_tol: f64 = 1e-4, Range::POSITIVE,
            "absolute tolerance on the constraint violation",
            "Optimal also needs the unscaled constraint violation ‖c(x)‖∞ ≤ constr_viol_tol. As Ipopt.";
        compl_inf_tol: f64 = 1e-4, Range::POSITIVE,
            "absolute tolerance on complementarity",
            "Optimal also needs the unscaled complementarity max|zᵢsᵢ| ≤ compl_inf_tol. As Ipopt.";
        acceptable_tol: f64 = 1e-6, Range::POSITIVE,
            "acceptable convergence tolerance",
            "An iterate with scaled error ≤ acceptable_tol (and the acceptable_* tests) counts as \
             acceptable; acceptable_iter of them in a row end the solve as Acceptable. As Ipopt.";
        acceptable_iter: usize = 15, Range::NON_NEGATIVE,
            "consecutive acceptable iterations before stopping",
            "Number of consecutive acceptable iterates that end the solve (0 disables the \
             acceptable stop). As Ipopt.";
        acceptable_dual_inf_tol: f64 = 1e10, Range::POSITIVE,
            "acceptable dual infeasibility",
            "Unscaled dual infeasibility bound of the acceptable test. As Ipopt.";
        acceptable_constr_viol_tol: f64 = 1e-2, Range::POSITIVE,
            "acceptable constraint violation",
            "Unscaled constraint violation bound of the acceptable test. As Ipopt.";
        acceptable_compl_inf_tol: f64 = 1e-2, Range::POSITIVE,
            "acceptable complementarity",
            "Unscaled complementarity bound of the acceptable test. As Ipopt.";
        acceptable_obj_change_tol: f64 = 1e20, Range::NON_NEGATIVE,
            "acceptable relative objective change",
            "The acceptable test also needs |f_k − f_{k−1}| / max(1, |f_k|) ≤ this. As Ipopt.";
        diverging_iterates_tol: f64 = 1e20, Range::POSITIVE,
            "max |x| before declaring divergence",
            "The solve stops with DivergingIterates when ‖x‖∞ exceeds this. As Ipopt.";
        complementarity_gap_tol: f64 = 1e-8, Range::NON_NEGATIVE,
            "Optimal also needs the estimated objective error (weighted sum of z*s)/max(1,|f|) below this (0: off)",
            "Gap-aware termination, not in Ipopt (0 switches it off): Optimal also requires the \
             estimated objective error relative to the objective, (Σᵢ wᵢzᵢsᵢ)/max(1, |f|) ≤ this \
             (unscaled). The weight wᵢ = Σⱼⱼ/(Σⱼⱼ + hⱼ) compares the barrier term of the pair's \
             variable with its curvature hⱼ (the Hessian diagonal; for a slack, the curvature its \
             row sees): ≈ 1 for an active bound, ≈ 0 for an inactive one, whose z·s = μ hardly \
             moves the objective; 1 without an exact Hessian. Ipopt's per-pair test alone lets the \
             objective error grow like μ times the number of active bounds.";
    }
    Output {
        print_level: i32 = 5, Range::Interval(Bound::Closed(0.0), Bound::Closed(12.0)),
            "output verbosity 0..12",
            "0 prints nothing; ≥ 1 presolve infeasibility proofs; ≥ 3 the problem header, presolve \
             findings and the final summary; ≥ 5 the iteration log; ≥ 7 KKT details per \
             iteration. Ipopt's scale and default (the AMPL mode prints nothing unless set); what \
             each level prints is ours.";
    }
    Nlp {
        bound_relax_factor: f64 = 1e-8, Range::NON_NEGATIVE,
            "relative relaxation of the bounds",
            "Each finite bound is moved outward by bound_relax_factor·max(1, |b|), capped by \
             constr_viol_tol, before the solve (0: no relaxation). As Ipopt.";
        honor_original_bounds: bool = false, Range::ANY,
            "project the final x onto the original bounds",
            "Ipopt 3.14's default: the final x is not projected onto the original bounds. It may \
             lie outside them by the relaxation, min(bound_relax_factor·max(1,|b|), \
             constr_viol_tol), while projecting it can break the constraints by more (hs013, \
             hs015, hs071, hs118: 1e-8 to 8e-8; coin-or/Ipopt#440).";
        nlp_lower_bound_inf: f64 = -1e19, Range::ANY,
            "bounds at or below are -inf",
            "Lower bounds ≤ this are treated as absent. As Ipopt.";
        nlp_upper_bound_inf: f64 = 1e19, Range::ANY,
            "bounds at or above are +inf",
            "Upper bounds ≥ this are treated as absent. As Ipopt.";
        fixed_variable_treatment: FixedVariableTreatment = FixedVariableTreatment::MakeParameter,
            Range::ANY,
            "fixed variables",
            "make_parameter removes variables with x_L = x_U and recovers their multipliers; \
             relax_bounds keeps them with the bounds relaxed apart. Ipopt's default; Ipopt's \
             make_parameter_nodual and make_constraint are not offered.";
    }
    NlpScaling {
        nlp_scaling_method: ScalingMethod = ScalingMethod::GradientBased, Range::ANY,
            "problem scaling",
            "gradient-based scales f and each constraint by min(1, max_gradient/‖∇·(x₀)‖∞), at \
             least nlp_scaling_min_value; user-scaling takes the problem's factors. Ipopt's \
             default; Ipopt's equilibration-based is not offered.";
        nlp_scaling_max_gradient: f64 = 100.0, Range::POSITIVE,
            "target max gradient after scaling",
            "Gradient-based scaling shrinks a function whose gradient at x₀ exceeds this. As Ipopt.";
        nlp_scaling_min_value: f64 = 1e-8, Range::NON_NEGATIVE,
            "smallest scaling factor",
            "Lower bound on the gradient-based scaling factors. As Ipopt.";
        obj_scaling_factor: f64 = 1.0, Range::NonZeroFinite,
            "user objective scaling",
            "The objective is multiplied by this (negative: maximize). As Ipopt.";
    }
    Initialization {
        bound_push: f64 = 1e-2, Range::POSITIVE,
            "absolute push of x0 into the bounds",
            "κ₁ of the initial point: x₀ is moved at least min(κ₁·max(1,|b|), κ₂·(u−l)) inside \
             each bound (W&B 2006, eqs. 34-35). As Ipopt.";
        bound_frac: f64 = 1e-2, Range::HALF,
            "relative push of x0 into the bounds",
            "κ₂ of the initial point: the push is at most this fraction of the bound gap. As Ipopt.";
        slack_bound_push: f64 = 1e-2, Range::POSITIVE,
            "absolute push of slacks into their bounds",
            "κ₁ for the slacks of inequality rows. As Ipopt.";
        slack_bound_frac: f64 = 1e-2, Range::HALF,
            "relative push of slacks into their bounds",
            "κ₂ for the slacks of inequality rows. As Ipopt.";
        bound_mult_init_val: f64 = 1.0, Range::POSITIVE,
            "initial bound multipliers",
            "Initial value of every bound multiplier z, v. As Ipopt.";
        constr_mult_init_max: f64 = 1e3, Range::NON_NEGATIVE,
            "max |y0| of least-squares multipliers",
            "The least-squares estimate of y₀ is discarded (y₀ = 0) when its ‖·‖∞ exceeds this \
             (0: always y₀ = 0). As Ipopt.";
    }
    BarrierParameter {
        mu_strategy: MuStrategy = MuStrategy::Monotone, Range::ANY,
            "barrier parameter update strategy",
            "monotone: Fiacco–McCormick, μ ← max(ε/10, min(κ_μ μ, μ^θ_μ)) once the barrier \
             problem is solved to κ_ε μ; adaptive: free-mode μ from an oracle (mu_oracle) with the \
             Nocedal–Wächter–Waltz monotone safeguard. As Ipopt (the Python minimize_ipopt sets \
             adaptive, as cyipopt does).";
        mu_oracle: MuOracle = MuOracle::Loqo, Range::ANY,
            "adaptive strategy's μ oracle",
            "loqo: LOQO's centrality rule σ = 0.1·min(0.05(1−ξ)/ξ, 2)³ (Ipopt has it as loqo; \
             Ipopt's default is quality-function, which ipax does not have); probing: Mehrotra's \
             probing, σ = min((μ_aff/μ)³, sigma_max) from the affine-scaling step, one extra \
             back-solve (as Ipopt's probing); mehrotra: probing plus Mehrotra's second-order \
             corrector, with the uncorrected step as a fallback when the line search rejects the \
             corrected one (beyond Ipopt; 30–50 % fewer iterations on convex PDE/control models, \
             more on nonconvex ones: bench/README.md).";
        mu_final_corrector: MuFinalCorrector = MuFinalCorrector::Auto, Range::ANY,
            "monotone final phase: Mehrotra's corrector (no, auto, bounds, yes)",
            "Beyond Ipopt: once the monotone μ is below tol, each step adds Mehrotra's \
             second-order term ds_aff·dz_aff (from an affine-scaling solve with the same \
             factorization) to the complementarity right-hand side, with μ unchanged and the \
             uncorrected step as the fallback when the line search rejects the corrected one. \
             The linearization of zᵢsᵢ = μ misses that product exactly where the final μ \
             decrease changes the active set, so the corrected step is cut less by the boundary. \
             Once the line search has to shorten a corrected step (degenerate, MPCC-like pairs, \
             where the affine step overshoots), the corrector is off for the rest of the solve. \
             auto (default): with a direct linear solver, on problems with variable bounds only \
             and on every problem solved with the exact Hessian (with a quasi-Newton Hessian the \
             affine step that predicts the second-order term is itself inexact; with a Krylov \
             solver the affine solve costs as much as the step's own); bounds: on problems with variable bounds \
             only; yes: on every problem; no: Ipopt's steps. Measured in bench/README.md \
             (obstacle at 1e5: 16 → 13 iterations, elliptic control 6 → 5, Van der Pol 16 → 15, \
             disk chain 16 → 15).";
        sigma_max: f64 = 100.0, Range::POSITIVE,
            "largest centering parameter of the probing oracle",
            "Upper bound on σ in the probing and mehrotra oracles. As Ipopt.";
        mu_init: f64 = 0.1, Range::POSITIVE,
            "initial barrier parameter",
            "μ₀. As Ipopt.";
        mu_min: f64 = 1e-11, Range::POSITIVE,
            "minimum barrier parameter",
            "Lower bound on μ. As Ipopt.";
        mu_max: f64 = 1e5, Range::POSITIVE,
            "maximum barrier parameter (adaptive)",
            "Upper bound on μ in the adaptive strategy. As Ipopt.";
        barrier_tol_factor: f64 = 10.0, Range::POSITIVE,
            "κ_ε: barrier subproblem tolerance factor",
            "μ decreases once the barrier error E_μ ≤ κ_ε μ. As Ipopt.";
        mu_linear_decrease_factor: f64 = 0.2, Range::UNIT_OPEN,
            "κ_μ: linear decrease factor of μ",
            "κ_μ in μ ← min(κ_μ μ, μ^θ_μ). As Ipopt.";
        mu_superlinear_decrease_power: f64 = 1.5,
            Range::Interval(Bound::Open(1.0), Bound::Open(2.0)),
            "θ_μ: superlinear decrease power of μ",
            "θ_μ in μ ← min(κ_μ μ, μ^θ_μ). As Ipopt.";
        tau_min: f64 = 0.99, Range::UNIT_OPEN,
            "lower bound on fraction-to-the-boundary parameter",
            "τ = max(tau_min, 1 − μ) keeps x, s, z, v strictly inside their bounds. As Ipopt.";
    }
    LineSearch {
        line_search: LineSearchKind = LineSearchKind::Filter, Range::ANY,
            "globalization",
            "filter: Wächter–Biegler filter line search with second-order corrections and \
             watchdog; l1-merit: Han–Powell ℓ₁ exact penalty with Armijo backtracking. Ipopt calls \
             this line_search_method (filter, cg-penalty, penalty); the ℓ₁ merit is ours.";
        kappa_sigma: f64 = 1e10, Range::AT_LEAST_ONE,
            "bound multiplier safeguard factor κ_Σ",
            "After each step z is kept within [μ/(κ_Σ s), κ_Σ μ/s] (W&B 2006, eq. 16). As Ipopt.";
        max_soc: usize = 4, Range::NON_NEGATIVE,
            "maximum second-order corrections per step",
            "Second-order corrections tried after a rejected full step (0: none). As Ipopt.";
        kappa_soc: f64 = 0.99, Range::POSITIVE,
            "required reduction per second-order correction",
            "Corrections stop unless θ falls by this factor each time. As Ipopt.";
        watchdog_shortened_iter_trigger: usize = 10, Range::NON_NEGATIVE,
            "shortened steps before the watchdog",
            "Consecutive shortened steps that trigger the watchdog (0: no watchdog). As Ipopt.";
        watchdog_trial_iter_max: usize = 3, Range::NON_NEGATIVE,
            "watchdog trial iterations",
            "Iterations the watchdog may take before returning to the stored point. As Ipopt.";
        tiny_step_tol: f64 = 10.0 * f64::EPSILON, Range::NON_NEGATIVE,
            "relative step size regarded as tiny",
            "A step with max|dxᵢ|/(1+|xᵢ|) (x and s) and ‖dy‖∞/(1+‖y‖∞) below this is taken in \
             full without a line search. As Ipopt (10 machine epsilons).";
        theta_max_fact: f64 = 1e4, Range::POSITIVE,
            "filter: maximal constraint violation factor",
            "θ_max = theta_max_fact·max(1, θ(x₀), 1e-3·m) bounds the filter. As Ipopt up to 1000 \
             constraints; beyond, the floor grows with the rows because θ sums them (a feasible \
             start with 1e7 rows otherwise caps the total violation of a trial point at 1e4).";
        theta_min_fact: f64 = 1e-4, Range::POSITIVE,
            "filter: switching constraint violation factor",
            "θ_min = theta_min_fact·max(1, θ(x₀)) in the switching condition. As Ipopt.";
        eta_phi: f64 = 1e-8, Range::UNIT_OPEN,
            "Armijo relaxation factor",
            "η_φ of the Armijo condition φ(x+αd) ≤ φ(x) + η_φ α ∇φᵀd. Ipopt's default; Ipopt \
             admits (0, 0.5), we admit (0, 1).";
        obj_max_inc: f64 = 5.0, Range::ABOVE_ONE,
            "max orders of magnitude the barrier objective may grow per step",
            "A trial point is rejected when log₁₀ of the barrier objective's growth exceeds this. \
             As Ipopt.";
        l1_penalty_margin: f64 = 1.0, Range::POSITIVE,
            "ℓ₁ merit: ρ ≥ max|λ| + margin",
            "Not in Ipopt. The ℓ₁ penalty ρ is raised to max|λ| + margin whenever smaller.";
        l1_armijo: f64 = 1e-4, Range::UNIT_OPEN,
            "ℓ₁ merit: Armijo constant",
            "Not in Ipopt. Sufficient-decrease constant of the ℓ₁ merit backtracking.";
    }
    LinearSolver {
        kkt_route: KktRouteChoice = KktRouteChoice::Auto, Range::ANY,
            "KKT system to solve",
            "Not in Ipopt (which always factors the augmented system). augmented: the symmetric \
             indefinite system in (dx, dy); condensed: the positive definite \
             W + Σ + Jᵀ D J after eliminating y; auto picks from the problem's structure.";
        linear_solver: LinearSolverChoice = LinearSolverChoice::Auto, Range::ANY,
            "linear solver",
            "Ipopt's name with our own solvers: dense, sparse-ldl, or the Krylov cg (condensed) \
             and minres (augmented); auto picks from route, size and what the problem exposes. \
             Ipopt's choices (ma27, mumps, …) are not offered.";
        sparse_ldl_ordering: SparseOrderingChoice = SparseOrderingChoice::Auto, Range::ANY,
            "fill-reducing ordering of the sparse LDLᵀ",
            "Not in Ipopt (cf. ma97_order): amd, nested-dissection, or auto, which takes nested \
             dissection on large, fill-heavy matrices without a constraint block when it predicts \
             clearly fewer flops than AMD.";
        max_refinement_steps: usize = 10, Range::NON_NEGATIVE,
            "maximum iterative refinement steps",
            "Iterative refinement steps per KKT solve at most. As Ipopt.";
        min_refinement_steps: usize = 0, Range::NON_NEGATIVE,
            "minimum iterative refinement steps",
            "Refinement steps forced even when the first solve meets residual_ratio_max. Ipopt's \
             default is 1; ours is 0 because our residual test is the stricter ‖r‖∞/‖b‖∞ \
             (Ipopt's looser ratio made powell_badly_scaled with L-BFGS hit max_iter).";
        residual_ratio_max: f64 = 1e-10, Range::POSITIVE,
            "refinement target: ‖r‖∞/‖b‖∞ of the reduced KKT system",
            "Refinement stops once ‖r‖∞/‖b‖∞ ≤ this. As Ipopt, though Ipopt measures the ratio \
             on the full system and we on the reduced one.";
        hold_kkt_factor: bool = false, Range::ANY,
            "hand back the last factored KKT system with the result",
            "Not in Ipopt (cf. sIPOPT, which back-solves the final iteration's factor). yes: the \
             result carries the factor of the final iteration's augmented KKT matrix \
             (SolveResult::held_kkt) for sensitivity back-solves without a new factorization; \
             only on the augmented route with the exact Hessian and a direct solver. no: nothing \
             is kept (the solve is the same either way).";
    }
    HessianPerturbation {
        first_hessian_perturbation: f64 = 1e-4, Range::POSITIVE,
            "first δ_w tried",
            "δ_w tried first when the KKT matrix has the wrong inertia (W&B 2006, Alg. IC). As Ipopt.";
        min_hessian_perturbation: f64 = 1e-20, Range::NON_NEGATIVE,
            "smallest δ_w",
            "δ_w never falls below this (δ_w^min). As Ipopt.";
        max_hessian_perturbation: f64 = 1e20, Range::POSITIVE,
            "largest δ_w",
            "Inertia correction fails once δ_w would exceed this (δ_w^max). As Ipopt.";
        perturb_inc_fact_first: f64 = 100.0, Range::ABOVE_ONE,
            "δ_w increase factor, first time",
            "κ_w^+ bar: growth of δ_w when no earlier δ_w is remembered. As Ipopt.";
        perturb_inc_fact: f64 = 8.0, Range::ABOVE_ONE,
            "δ_w increase factor",
            "κ_w^+: growth of δ_w on each further wrong inertia. As Ipopt.";
        perturb_dec_fact: f64 = 1.0 / 3.0, Range::UNIT_OPEN,
            "δ_w decrease factor",
            "κ_w^-: the remembered δ_w shrinks by this at the next iteration. As Ipopt.";
        neg_curv_test_tol: f64 = 1e-12, Range::NON_NEGATIVE,
            "inertia-free curvature test α_n (0 = inertia test)",
            "Ipopt's option (Chiang & Zavala 2016), whose default is 0; ours is the low end of the \
             range Ipopt recommends, applied only with the exact Hessian on the augmented route \
             and once μ ≤ neg_curv_test_mu_max. When > 0, a factorization with too many negative \
             eigenvalues is not rejected outright: the direction is solved and kept when its \
             curvature dxᵀ(W + Σ_x)dx + dsᵀΣ_s ds is at least α_n·(‖dx‖² + ‖ds‖²); otherwise δ_w \
             grows as usual. Singular systems still get δ_c. 0 keeps the inertia test.";
        neg_curv_test_reg: bool = true, Range::ANY,
            "count δ_w in the curvature test",
            "As Ipopt. yes: the curvature test adds δ_w·(‖dx‖² + ‖ds‖²); no: it measures the \
             unregularized matrix. Only read when neg_curv_test_tol > 0.";
        neg_curv_test_mu_max: f64 = 1e-3, Range::POSITIVE,
            "the curvature test only once μ ≤ this",
            "Not in Ipopt (which applies neg_curv_test_tol from the first iteration). While μ is \
             larger the inertia test decides, so that negative curvature still steers the early \
             iterations (applied from the start, case13659pegase ends at a KKT point 1.5e-5 \
             worse); near the solution the test spares the Hessian perturbation that otherwise \
             slows the last iterations.";
        jacobian_regularization_value: f64 = 1e-8, Range::NON_NEGATIVE,
            "δ_c base value",
            "δ_c = value·μ^exponent when the Jacobian looks rank-deficient. As Ipopt.";
        jacobian_regularization_exponent: f64 = 0.25, Range::NON_NEGATIVE,
            "δ_c exponent on μ",
            "κ_c in δ_c = value·μ^κ_c. As Ipopt.";
        condensed_regularization: f64 = 1e-9, Range::POSITIVE,
            "primal-dual δ_c of the condensed route",
            "Not in Ipopt. Absolute regularization δ_cond of the rows eliminated on the condensed \
             route; direct solvers lower it where the Jacobian is tiny, Krylov solvers keep it.";
    }
    Krylov {
        krylov_preconditioner: KrylovPreconditionerChoice = KrylovPreconditionerChoice::Auto,
            Range::ANY,
            "CG/MINRES preconditioner",
            "Not in Ipopt. auto: IC(0) for CG on the condensed route when the Jacobian and Hessian \
             expose entries, Jacobi otherwise (always for MINRES); amg: smoothed-aggregation \
             multigrid V-cycle, grid-independent iteration counts on elliptic problems.";
        krylov_rtol: f64 = 1e-10, Range::POSITIVE,
            "Krylov relative tolerance",
            "Not in Ipopt. CG/MINRES stop at ‖r‖ ≤ krylov_rtol·‖b‖ (exact solves).";
        krylov_max_iter: usize = 0, Range::NON_NEGATIVE,
            "Krylov iteration cap (0 = automatic)",
            "Not in Ipopt. Iteration cap per Krylov solve; 0 means max(50, min(10·dim, 100·⌈√dim⌉)): \
             O(√dim) products per solve. A solve at the cap reports no convergence.";
        krylov_max_forcing: f64 = 0.0, Range::UNIT_CLOSED_OPEN,
            "inexact Newton: largest Krylov forcing term (0 = exact solves)",
            "Not in Ipopt. Inexact Newton: the Krylov tolerance becomes \
             η = clamp(0.01·E_μ, krylov_rtol, krylov_max_forcing), loose far from the solution; \
             0 keeps krylov_rtol.";
    }
    QuasiNewton {
        hessian_approximation: HessianApproximationKind = HessianApproximationKind::Exact,
            Range::ANY,
            "Hessian source",
            "exact: the problem's Hessian (or Hessian-vector products); limited-memory: L-BFGS \
             with a Sherman–Morrison–Woodbury solve. As Ipopt.";
        limited_memory_max_history: usize = 6, Range::AT_LEAST_ONE,
            "L-BFGS memory",
            "Number of (s, y) pairs kept by L-BFGS. As Ipopt.";
    }
    WarmStart {
        warm_start_init_point: bool = false, Range::ANY,
            "use given multipliers as start",
            "Start from the given x, y, z with the warm_start_* pushes instead of the cold \
             initialization. As Ipopt.";
        warm_start_bound_push: f64 = 1e-3, Range::POSITIVE,
            "bound push for warm starts",
            "κ₁ of a warm start (replaces bound_push). As Ipopt.";
        warm_start_bound_frac: f64 = 1e-3, Range::POSITIVE,
            "bound frac for warm starts",
            "κ₂ of a warm start (replaces bound_frac). As Ipopt, except that Ipopt also requires \
             ≤ 0.5 and we accept any positive value.";
        warm_start_mult_bound_push: f64 = 1e-3, Range::POSITIVE,
            "minimum bound multipliers for warm starts",
            "Given bound multipliers are raised to at least this. As Ipopt.";
        warm_start_slack_bound_push: f64 = 1e-3, Range::POSITIVE,
            "slack bound push for warm starts",
            "κ₁ of the slacks on a warm start (replaces slack_bound_push). As Ipopt.";
        warm_start_slack_bound_frac: f64 = 1e-3, Range::HALF,
            "slack bound frac for warm starts",
            "κ₂ of the slacks on a warm start (replaces slack_bound_frac). As Ipopt.";
    }
    Restoration {
        required_infeasibility_reduction: f64 = 0.9, Range::UNIT_CLOSED_OPEN,
            "restoration: required θ reduction",
            "Restoration returns once θ ≤ this·θ at entry and the point is acceptable to the \
             filter. As Ipopt.";
        max_resto_iter: usize = 3000, Range::NON_NEGATIVE,
            "restoration: maximum iterations",
            "Iterations of one restoration phase at most. Ipopt's default is 3000000; ours is \
             3000, the same as max_iter, which bounds a restoration phase that cannot succeed.";
        start_with_resto: bool = false, Range::ANY,
            "enter restoration at once",
            "Begin with a restoration phase instead of a regular iteration. As Ipopt.";
    }
    Presolve {
        presolve: bool = false, Range::ANY,
            "master switch of the presolve layer",
            "Not in Ipopt (POUNCE's presolve). Enables the passes below.";
        presolve_auxiliary: bool = false, Range::ANY,
            "remove auxiliary equality blocks (needs presolve=yes)",
            "Not in Ipopt. Finds square equality blocks by block triangular form, solves them, \
             pins their variables and drops their rows; multipliers are recovered afterwards.";
        presolve_auxiliary_coupling: AuxiliaryCoupling = AuxiliaryCoupling::Safe, Range::ANY,
            "which auxiliary blocks are eliminated",
            "Not in Ipopt. none analyses and reports only; safe removes pure-equality blocks; \
             aggressive also objective-coupled ones. Inequality-coupled blocks are never removed.";
        presolve_auxiliary_diagnostics: bool = false, Range::ANY,
            "print the auxiliary presolve summary to stderr",
            "Not in Ipopt. Prints the auxiliary pass's findings to stderr.";
        presolve_fbbt: bool = false, Range::ANY,
            "bound tightening over every row's expression (needs presolve=yes)",
            "Not in Ipopt. Feasibility-based bound tightening over the expression DAG of every row \
             of .nl models (outward-rounded interval arithmetic, forward and backward through the \
             operators), and removal of duplicate linear rows; proven infeasibility ends the solve \
             before the IPM with the rows named. Tightened bounds are not passed to the IPM.";
    }
}
