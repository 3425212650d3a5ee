//! Solver options with Ipopt's names, validated when set.
//!
//! Unknown names are an error that lists close matches, so a typo in an options file never passes
//! silently. Options files use Ipopt's `ipopt.opt` syntax: one `name value` pair per line, `#`
//! starts a comment.

use thiserror::Error;

/// Barrier-parameter strategy (`mu_strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MuStrategy {
    /// Fiacco–McCormick: decrease μ once the barrier subproblem is solved to `κ_ε μ`.
    Monotone,
    /// LOQO-style oracle with a monotone safeguard (Ipopt's `adaptive`).
    Adaptive,
}

/// Hessian source (`hessian_approximation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HessianApproximationKind {
    Exact,
    LimitedMemory,
}

/// Globalization (`line_search`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineSearchKind {
    /// Filter line search with second-order correction (Wächter & Biegler 2006).
    Filter,
    /// Han–Powell ℓ₁ exact-penalty merit function with Armijo backtracking.
    L1Merit,
}

/// Which KKT system is solved (`kkt_route`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KktRouteChoice {
    Auto,
    Augmented,
    Condensed,
}

/// Which linear solver backs the route (`linear_solver`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinearSolverChoice {
    Auto,
    Dense,
    SparseLdl,
    Cg,
    Minres,
}

/// Preconditioner of the Krylov solvers (`krylov_preconditioner`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KrylovPreconditionerChoice {
    /// Incomplete Cholesky for CG on the condensed route when the Jacobian and Hessian expose
    /// their entries, Jacobi otherwise (and always for MINRES).
    Auto,
    Jacobi,
    IncompleteCholesky,
    /// Smoothed-aggregation algebraic multigrid V-cycle of the assembled condensed matrix (CG on
    /// the condensed route; for MINRES too when asked for). Grid-size-independent iteration
    /// counts on elliptic problems where IC(0) needs O(√n) iterations.
    Amg,
    None,
}

/// Fill-reducing ordering of the sparse LDLᵀ (`sparse_ldl_ordering`, cf. Ipopt's `ma97_order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SparseOrderingChoice {
    /// The default: nested dissection on large, fill-heavy matrices without a constraint block
    /// when it predicts clearly fewer flops than AMD, AMD otherwise.
    Auto,
    Amd,
    NestedDissection,
}

/// Automatic problem scaling (`nlp_scaling_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalingMethod {
    None,
    GradientBased,
    UserScaling,
}

/// Treatment of variables with `x_L = x_U` (`fixed_variable_treatment`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixedVariableTreatment {
    MakeParameter,
    RelaxBounds,
}

/// Which coupling classes the auxiliary-equality presolve eliminates
/// (`presolve_auxiliary_coupling`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuxiliaryCoupling {
    /// Analyse and report only.
    None,
    /// Pure-equality blocks only.
    Safe,
    /// Pure-equality and objective-coupled blocks (never inequality-coupled ones).
    Aggressive,
}

/// An error setting an option.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum OptionError {
    #[error("unknown option '{name}'{}", suggestion_text(.suggestions))]
    Unknown { name: String, suggestions: Vec<String> },
    #[error("option '{name}': invalid value '{value}' ({expected})")]
    InvalidValue { name: String, value: String, expected: String },
    #[error("options file line {line}: {message}")]
    FileSyntax { line: usize, message: String },
    #[error("cannot read options file '{path}': {message}")]
    Io { path: String, message: String },
}

fn suggestion_text(s: &[String]) -> String {
    if s.is_empty() { String::new() } else { format!("; did you mean {}?", s.join(", ")) }
}

/// Default of `complementarity_gap_tol` (measured cost in the commit that set it).
const GAP_TOL_DEFAULT: f64 = 1e-8;

/// All options. Field names are Ipopt's option names; defaults are Ipopt 3.14's where the option
/// exists there.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub tol: f64,
    pub max_iter: usize,
    pub max_wall_time: f64,
    pub dual_inf_tol: f64,
    pub constr_viol_tol: f64,
    pub compl_inf_tol: f64,
    pub acceptable_tol: f64,
    pub acceptable_iter: usize,
    pub acceptable_dual_inf_tol: f64,
    pub acceptable_constr_viol_tol: f64,
    pub acceptable_compl_inf_tol: f64,
    pub acceptable_obj_change_tol: f64,
    pub diverging_iterates_tol: f64,
    /// Gap-aware termination (beyond Ipopt; 0 switches it off): Optimal also requires the total
    /// complementarity, relative to the objective, `(Σᵢ zᵢ sᵢ) / max(1, |f|) ≤ complementarity_gap_tol`
    /// (unscaled), which bounds the objective error of the barrier solution by about that much
    /// relative. Ipopt's per-pair test alone lets the gap grow like n·μ.
    pub complementarity_gap_tol: f64,
    pub mu_strategy: MuStrategy,
    pub mu_init: f64,
    pub mu_min: f64,
    pub mu_max: f64,
    pub barrier_tol_factor: f64,
    pub mu_linear_decrease_factor: f64,
    pub mu_superlinear_decrease_power: f64,
    pub tau_min: f64,
    pub bound_push: f64,
    pub bound_frac: f64,
    pub slack_bound_push: f64,
    pub slack_bound_frac: f64,
    pub bound_mult_init_val: f64,
    pub constr_mult_init_max: f64,
    pub bound_relax_factor: f64,
    pub honor_original_bounds: bool,
    pub kappa_sigma: f64,
    pub hessian_approximation: HessianApproximationKind,
    pub limited_memory_max_history: usize,
    pub line_search: LineSearchKind,
    pub max_soc: usize,
    pub kappa_soc: f64,
    pub watchdog_shortened_iter_trigger: usize,
    pub watchdog_trial_iter_max: usize,
    pub tiny_step_tol: f64,
    pub theta_max_fact: f64,
    pub theta_min_fact: f64,
    pub eta_phi: f64,
    pub obj_max_inc: f64,
    pub kkt_route: KktRouteChoice,
    pub linear_solver: LinearSolverChoice,
    pub krylov_preconditioner: KrylovPreconditionerChoice,
    pub sparse_ldl_ordering: SparseOrderingChoice,
    pub max_refinement_steps: usize,
    pub min_refinement_steps: usize,
    pub residual_ratio_max: f64,
    pub first_hessian_perturbation: f64,
    pub min_hessian_perturbation: f64,
    pub max_hessian_perturbation: f64,
    pub perturb_inc_fact_first: f64,
    pub perturb_inc_fact: f64,
    pub perturb_dec_fact: f64,
    pub jacobian_regularization_value: f64,
    pub jacobian_regularization_exponent: f64,
    pub condensed_regularization: f64,
    pub print_level: i32,
    pub nlp_scaling_method: ScalingMethod,
    pub nlp_scaling_max_gradient: f64,
    pub nlp_scaling_min_value: f64,
    pub obj_scaling_factor: f64,
    pub nlp_lower_bound_inf: f64,
    pub nlp_upper_bound_inf: f64,
    pub fixed_variable_treatment: FixedVariableTreatment,
    pub warm_start_init_point: bool,
    pub warm_start_bound_push: f64,
    pub warm_start_bound_frac: f64,
    pub warm_start_mult_bound_push: f64,
    /// Absolute push κ₁ of the initial slacks into their bounds on a warm start (Ipopt's
    /// `warm_start_slack_bound_push`; replaces `slack_bound_push` when `warm_start_init_point`).
    pub warm_start_slack_bound_push: f64,
    /// Relative push κ₂ of the initial slacks on a warm start (Ipopt's `warm_start_slack_bound_frac`).
    pub warm_start_slack_bound_frac: f64,
    pub required_infeasibility_reduction: f64,
    pub max_resto_iter: usize,
    pub start_with_resto: bool,
    pub l1_penalty_margin: f64,
    pub l1_armijo: f64,
    pub krylov_rtol: f64,
    pub krylov_max_iter: usize,
    pub krylov_max_forcing: f64,
    /// Master switch of the presolve layer (POUNCE's `presolve`).
    pub presolve: bool,
    /// Auxiliary-equality elimination (needs `presolve`).
    pub presolve_auxiliary: bool,
    pub presolve_auxiliary_coupling: AuxiliaryCoupling,
    /// Print the auxiliary pass's diagnostics to stderr.
    pub presolve_auxiliary_diagnostics: bool,
    /// Bound tightening over the linear rows; proven infeasibility ends the solve before the IPM.
    pub presolve_fbbt: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            tol: 1e-8,
            max_iter: 3000,
            max_wall_time: 1e20,
            dual_inf_tol: 1.0,
            constr_viol_tol: 1e-4,
            compl_inf_tol: 1e-4,
            acceptable_tol: 1e-6,
            acceptable_iter: 15,
            acceptable_dual_inf_tol: 1e10,
            acceptable_constr_viol_tol: 1e-2,
            acceptable_compl_inf_tol: 1e-2,
            acceptable_obj_change_tol: 1e20,
            diverging_iterates_tol: 1e20,
            complementarity_gap_tol: GAP_TOL_DEFAULT,
            mu_strategy: MuStrategy::Monotone,
            mu_init: 0.1,
            mu_min: 1e-11,
            mu_max: 1e5,
            barrier_tol_factor: 10.0,
            mu_linear_decrease_factor: 0.2,
            mu_superlinear_decrease_power: 1.5,
            tau_min: 0.99,
            bound_push: 1e-2,
            bound_frac: 1e-2,
            slack_bound_push: 1e-2,
            slack_bound_frac: 1e-2,
            bound_mult_init_val: 1.0,
            constr_mult_init_max: 1e3,
            bound_relax_factor: 1e-8,
            // Ipopt 3.14's default: the final x is not projected onto the original bounds. It may
            // lie outside them by the relaxation, min(bound_relax_factor·max(1,|b|),
            // constr_viol_tol), while projecting it can break the constraints by more (hs013,
            // hs015, hs071, hs118: 1e-8 to 8e-8; Ipopt discussion coin-or/Ipopt#440).
            honor_original_bounds: false,
            kappa_sigma: 1e10,
            hessian_approximation: HessianApproximationKind::Exact,
            limited_memory_max_history: 6,
            line_search: LineSearchKind::Filter,
            max_soc: 4,
            kappa_soc: 0.99,
            watchdog_shortened_iter_trigger: 10,
            watchdog_trial_iter_max: 3,
            tiny_step_tol: 10.0 * f64::EPSILON,
            theta_max_fact: 1e4,
            theta_min_fact: 1e-4,
            eta_phi: 1e-8,
            obj_max_inc: 5.0,
            kkt_route: KktRouteChoice::Auto,
            linear_solver: LinearSolverChoice::Auto,
            krylov_preconditioner: KrylovPreconditionerChoice::Auto,
            sparse_ldl_ordering: SparseOrderingChoice::Auto,
            max_refinement_steps: 10,
            min_refinement_steps: 0,
            residual_ratio_max: 1e-10,
            first_hessian_perturbation: 1e-4,
            min_hessian_perturbation: 1e-20,
            max_hessian_perturbation: 1e20,
            perturb_inc_fact_first: 100.0,
            perturb_inc_fact: 8.0,
            perturb_dec_fact: 1.0 / 3.0,
            jacobian_regularization_value: 1e-8,
            jacobian_regularization_exponent: 0.25,
            condensed_regularization: 1e-9,
            print_level: 5,
            nlp_scaling_method: ScalingMethod::GradientBased,
            nlp_scaling_max_gradient: 100.0,
            nlp_scaling_min_value: 1e-8,
            obj_scaling_factor: 1.0,
            nlp_lower_bound_inf: -1e19,
            nlp_upper_bound_inf: 1e19,
            fixed_variable_treatment: FixedVariableTreatment::MakeParameter,
            warm_start_init_point: false,
            warm_start_bound_push: 1e-3,
            warm_start_bound_frac: 1e-3,
            warm_start_mult_bound_push: 1e-3,
            warm_start_slack_bound_push: 1e-3,
            warm_start_slack_bound_frac: 1e-3,
            required_infeasibility_reduction: 0.9,
            max_resto_iter: 3000,
            start_with_resto: false,
            l1_penalty_margin: 1.0,
            l1_armijo: 1e-4,
            krylov_rtol: 1e-10,
            krylov_max_iter: 0,
            krylov_max_forcing: 0.0,
            presolve: false,
            presolve_auxiliary: false,
            presolve_auxiliary_coupling: AuxiliaryCoupling::Safe,
            presolve_auxiliary_diagnostics: false,
            presolve_fbbt: false,
        }
    }
}

/// Kind of value an option takes (for `--help` listings and parsing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    Number,
    Integer,
    Choice(&'static [&'static str]),
}

/// Name, kind and one-line description of every option.
pub const OPTION_TABLE: &[(&str, OptionKind, &str)] = &[
    ("tol", OptionKind::Number, "desired convergence tolerance (scaled overall NLP error)"),
    ("max_iter", OptionKind::Integer, "maximum number of iterations"),
    ("max_wall_time", OptionKind::Number, "maximum wall-clock seconds"),
    ("dual_inf_tol", OptionKind::Number, "absolute tolerance on the dual infeasibility"),
    ("constr_viol_tol", OptionKind::Number, "absolute tolerance on the constraint violation"),
    ("compl_inf_tol", OptionKind::Number, "absolute tolerance on complementarity"),
    ("acceptable_tol", OptionKind::Number, "acceptable convergence tolerance"),
    ("acceptable_iter", OptionKind::Integer, "consecutive acceptable iterations before stopping"),
    ("acceptable_dual_inf_tol", OptionKind::Number, "acceptable dual infeasibility"),
    ("acceptable_constr_viol_tol", OptionKind::Number, "acceptable constraint violation"),
    ("acceptable_compl_inf_tol", OptionKind::Number, "acceptable complementarity"),
    ("acceptable_obj_change_tol", OptionKind::Number, "acceptable relative objective change"),
    ("diverging_iterates_tol", OptionKind::Number, "max |x| before declaring divergence"),
    ("complementarity_gap_tol", OptionKind::Number, "Optimal also needs (sum of z*s)/max(1,|f|) below this (0: off)"),
    ("mu_strategy", OptionKind::Choice(&["monotone", "adaptive"]), "barrier parameter update strategy"),
    ("mu_init", OptionKind::Number, "initial barrier parameter"),
    ("mu_min", OptionKind::Number, "minimum barrier parameter"),
    ("mu_max", OptionKind::Number, "maximum barrier parameter (adaptive)"),
    ("barrier_tol_factor", OptionKind::Number, "κ_ε: barrier subproblem tolerance factor"),
    ("mu_linear_decrease_factor", OptionKind::Number, "κ_μ: linear decrease factor of μ"),
    ("mu_superlinear_decrease_power", OptionKind::Number, "θ_μ: superlinear decrease power of μ"),
    ("tau_min", OptionKind::Number, "lower bound on fraction-to-the-boundary parameter"),
    ("bound_push", OptionKind::Number, "absolute push of x0 into the bounds"),
    ("bound_frac", OptionKind::Number, "relative push of x0 into the bounds"),
    ("slack_bound_push", OptionKind::Number, "absolute push of slacks into their bounds"),
    ("slack_bound_frac", OptionKind::Number, "relative push of slacks into their bounds"),
    ("bound_mult_init_val", OptionKind::Number, "initial bound multipliers"),
    ("constr_mult_init_max", OptionKind::Number, "max |y0| of least-squares multipliers"),
    ("bound_relax_factor", OptionKind::Number, "relative relaxation of the bounds"),
    ("honor_original_bounds", OptionKind::Choice(&["yes", "no"]), "project the final x onto the original bounds (default no, as Ipopt 3.14)"),
    ("kappa_sigma", OptionKind::Number, "bound multiplier safeguard factor κ_Σ"),
    ("hessian_approximation", OptionKind::Choice(&["exact", "limited-memory"]), "Hessian source"),
    ("limited_memory_max_history", OptionKind::Integer, "L-BFGS memory"),
    ("line_search", OptionKind::Choice(&["filter", "l1-merit"]), "globalization"),
    ("max_soc", OptionKind::Integer, "maximum second-order corrections per step"),
    ("kappa_soc", OptionKind::Number, "required reduction per second-order correction"),
    ("watchdog_shortened_iter_trigger", OptionKind::Integer, "shortened steps before the watchdog"),
    ("watchdog_trial_iter_max", OptionKind::Integer, "watchdog trial iterations"),
    ("tiny_step_tol", OptionKind::Number, "relative step size regarded as tiny"),
    ("theta_max_fact", OptionKind::Number, "filter: maximal constraint violation factor"),
    ("theta_min_fact", OptionKind::Number, "filter: switching constraint violation factor"),
    ("eta_phi", OptionKind::Number, "Armijo relaxation factor"),
    ("obj_max_inc", OptionKind::Number, "reject trial points whose barrier objective grows by more than this many orders of magnitude"),
    ("kkt_route", OptionKind::Choice(&["auto", "augmented", "condensed"]), "KKT system to solve"),
    ("linear_solver", OptionKind::Choice(&["auto", "dense", "sparse-ldl", "cg", "minres"]), "linear solver"),
    (
        "krylov_preconditioner",
        OptionKind::Choice(&["auto", "jacobi", "incomplete-cholesky", "amg", "none"]),
        "CG/MINRES preconditioner (auto: incomplete Cholesky of the condensed matrix when assembled)",
    ),
    (
        "sparse_ldl_ordering",
        OptionKind::Choice(&["auto", "amd", "nested-dissection"]),
        "fill-reducing ordering of the sparse LDLᵀ (auto: nested dissection for large fill-heavy matrices without a constraint block when it predicts clearly fewer flops, else AMD)",
    ),
    ("max_refinement_steps", OptionKind::Integer, "maximum iterative refinement steps"),
    ("min_refinement_steps", OptionKind::Integer, "iterative refinement steps taken even when the first KKT solve meets residual_ratio_max (default 0)"),
    ("residual_ratio_max", OptionKind::Number, "refinement target: ‖r‖∞/‖b‖∞ of the reduced KKT system"),
    ("first_hessian_perturbation", OptionKind::Number, "first δ_w tried"),
    ("min_hessian_perturbation", OptionKind::Number, "smallest δ_w"),
    ("max_hessian_perturbation", OptionKind::Number, "largest δ_w"),
    ("perturb_inc_fact_first", OptionKind::Number, "δ_w increase factor, first time"),
    ("perturb_inc_fact", OptionKind::Number, "δ_w increase factor"),
    ("perturb_dec_fact", OptionKind::Number, "δ_w decrease factor"),
    ("jacobian_regularization_value", OptionKind::Number, "δ_c base value"),
    ("jacobian_regularization_exponent", OptionKind::Number, "δ_c exponent on μ"),
    ("condensed_regularization", OptionKind::Number, "primal-dual δ_c of the condensed route"),
    ("print_level", OptionKind::Integer, "output verbosity 0..12"),
    ("nlp_scaling_method", OptionKind::Choice(&["gradient-based", "none", "user-scaling"]), "problem scaling"),
    ("nlp_scaling_max_gradient", OptionKind::Number, "target max gradient after scaling"),
    ("nlp_scaling_min_value", OptionKind::Number, "smallest scaling factor"),
    ("obj_scaling_factor", OptionKind::Number, "user objective scaling"),
    ("nlp_lower_bound_inf", OptionKind::Number, "bounds at or below are -inf"),
    ("nlp_upper_bound_inf", OptionKind::Number, "bounds at or above are +inf"),
    ("fixed_variable_treatment", OptionKind::Choice(&["make_parameter", "relax_bounds"]), "fixed variables"),
    ("warm_start_init_point", OptionKind::Choice(&["yes", "no"]), "use given multipliers as start"),
    ("warm_start_bound_push", OptionKind::Number, "bound push for warm starts"),
    ("warm_start_bound_frac", OptionKind::Number, "bound frac for warm starts"),
    ("warm_start_mult_bound_push", OptionKind::Number, "minimum bound multipliers for warm starts"),
    ("warm_start_slack_bound_push", OptionKind::Number, "slack bound push for warm starts"),
    ("warm_start_slack_bound_frac", OptionKind::Number, "slack bound frac for warm starts"),
    ("required_infeasibility_reduction", OptionKind::Number, "restoration: required θ reduction"),
    ("max_resto_iter", OptionKind::Integer, "restoration: maximum iterations"),
    ("start_with_resto", OptionKind::Choice(&["yes", "no"]), "enter restoration at once"),
    ("l1_penalty_margin", OptionKind::Number, "ℓ₁ merit: ρ ≥ max|λ| + margin"),
    ("l1_armijo", OptionKind::Number, "ℓ₁ merit: Armijo constant"),
    ("krylov_rtol", OptionKind::Number, "Krylov relative tolerance"),
    ("krylov_max_iter", OptionKind::Integer, "Krylov iteration cap (0 = automatic)"),
    ("krylov_max_forcing", OptionKind::Number, "inexact Newton: largest Krylov forcing term (0 = exact solves)"),
    ("presolve", OptionKind::Choice(&["yes", "no"]), "master switch of the presolve layer"),
    ("presolve_auxiliary", OptionKind::Choice(&["yes", "no"]), "solve and remove auxiliary equality blocks before the IPM (needs presolve=yes)"),
    (
        "presolve_auxiliary_coupling",
        OptionKind::Choice(&["none", "safe", "aggressive"]),
        "blocks eliminated: none, safe (pure equality), aggressive (also objective-coupled); never inequality-coupled",
    ),
    ("presolve_auxiliary_diagnostics", OptionKind::Choice(&["yes", "no"]), "print the auxiliary presolve summary to stderr"),
    (
        "presolve_fbbt",
        OptionKind::Choice(&["yes", "no"]),
        "bound tightening over the linear rows of .nl models (needs presolve=yes); proven infeasibility stops before the IPM",
    ),
];

impl Options {
    /// Set an option from its textual value (as in an options file or on the command line).
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), OptionError> {
        let name_l = name.trim().to_ascii_lowercase();
        let Some((_, kind, _)) = OPTION_TABLE.iter().find(|(n, _, _)| *n == name_l) else {
            return Err(OptionError::Unknown { name: name.to_string(), suggestions: close_matches(&name_l) });
        };
        let value = value.trim();
        let bad = |expected: String| OptionError::InvalidValue {
            name: name_l.clone(),
            value: value.to_string(),
            expected,
        };
        match kind {
            OptionKind::Number => {
                let v: f64 = value.parse().map_err(|_| bad("a number".into()))?;
                if v.is_nan() {
                    return Err(bad("a number, not NaN".into()));
                }
                self.set_number(&name_l, v).map_err(bad)
            }
            OptionKind::Integer => {
                let v: i64 = value
                    .parse()
                    .or_else(|_| value.parse::<f64>().ok().filter(|f| f.fract() == 0.0).map(|f| f as i64).ok_or(()))
                    .map_err(|_| bad("an integer".into()))?;
                self.set_integer(&name_l, v).map_err(bad)
            }
            OptionKind::Choice(choices) => {
                let v = value.to_ascii_lowercase();
                if !choices.contains(&v.as_str()) {
                    return Err(bad(format!("one of: {}", choices.join(", "))));
                }
                self.set_choice(&name_l, &v);
                Ok(())
            }
        }
    }

    /// Set a numeric option (integers accepted where integral).
    pub fn set_numeric(&mut self, name: &str, value: f64) -> Result<(), OptionError> {
        self.set(name, &format!("{value:e}")).or_else(|e| match e {
            OptionError::InvalidValue { .. } if value.fract() == 0.0 => self.set(name, &format!("{}", value as i64)),
            e => Err(e),
        })
    }

    fn set_number(&mut self, name: &str, v: f64) -> Result<(), String> {
        let positive = |v: f64| if v > 0.0 { Ok(v) } else { Err("a positive number".to_string()) };
        let nonneg = |v: f64| if v >= 0.0 { Ok(v) } else { Err("a non-negative number".to_string()) };
        let unit_open = |v: f64| if v > 0.0 && v < 1.0 { Ok(v) } else { Err("a number in (0, 1)".to_string()) };
        match name {
            "tol" => self.tol = positive(v)?,
            "max_wall_time" => self.max_wall_time = positive(v)?,
            "dual_inf_tol" => self.dual_inf_tol = positive(v)?,
            "constr_viol_tol" => self.constr_viol_tol = positive(v)?,
            "compl_inf_tol" => self.compl_inf_tol = positive(v)?,
            "acceptable_tol" => self.acceptable_tol = positive(v)?,
            "acceptable_dual_inf_tol" => self.acceptable_dual_inf_tol = positive(v)?,
            "acceptable_constr_viol_tol" => self.acceptable_constr_viol_tol = positive(v)?,
            "acceptable_compl_inf_tol" => self.acceptable_compl_inf_tol = positive(v)?,
            "acceptable_obj_change_tol" => self.acceptable_obj_change_tol = nonneg(v)?,
            "diverging_iterates_tol" => self.diverging_iterates_tol = positive(v)?,
            "complementarity_gap_tol" => self.complementarity_gap_tol = nonneg(v)?,
            "mu_init" => self.mu_init = positive(v)?,
            "mu_min" => self.mu_min = positive(v)?,
            "mu_max" => self.mu_max = positive(v)?,
            "barrier_tol_factor" => self.barrier_tol_factor = positive(v)?,
            "mu_linear_decrease_factor" => self.mu_linear_decrease_factor = unit_open(v)?,
            "mu_superlinear_decrease_power" => {
                self.mu_superlinear_decrease_power =
                    if v > 1.0 && v < 2.0 { v } else { return Err("a number in (1, 2)".into()) }
            }
            "tau_min" => self.tau_min = unit_open(v)?,
            "bound_push" => self.bound_push = positive(v)?,
            "bound_frac" => self.bound_frac = if v > 0.0 && v <= 0.5 { v } else { return Err("a number in (0, 0.5]".into()) },
            "slack_bound_push" => self.slack_bound_push = positive(v)?,
            "slack_bound_frac" => {
                self.slack_bound_frac = if v > 0.0 && v <= 0.5 { v } else { return Err("a number in (0, 0.5]".into()) }
            }
            "bound_mult_init_val" => self.bound_mult_init_val = positive(v)?,
            "constr_mult_init_max" => self.constr_mult_init_max = nonneg(v)?,
            "bound_relax_factor" => self.bound_relax_factor = nonneg(v)?,
            "kappa_sigma" => self.kappa_sigma = if v >= 1.0 { v } else { return Err("a number ≥ 1".into()) },
            "kappa_soc" => self.kappa_soc = positive(v)?,
            "tiny_step_tol" => self.tiny_step_tol = nonneg(v)?,
            "theta_max_fact" => self.theta_max_fact = positive(v)?,
            "theta_min_fact" => self.theta_min_fact = positive(v)?,
            "eta_phi" => self.eta_phi = unit_open(v)?,
            "obj_max_inc" => {
                self.obj_max_inc = if v > 1.0 { v } else { return Err("a number greater than 1".into()) }
            }
            "residual_ratio_max" => self.residual_ratio_max = positive(v)?,
            "first_hessian_perturbation" => self.first_hessian_perturbation = positive(v)?,
            "min_hessian_perturbation" => self.min_hessian_perturbation = nonneg(v)?,
            "max_hessian_perturbation" => self.max_hessian_perturbation = positive(v)?,
            "perturb_inc_fact_first" => self.perturb_inc_fact_first = if v > 1.0 { v } else { return Err("a number > 1".into()) },
            "perturb_inc_fact" => self.perturb_inc_fact = if v > 1.0 { v } else { return Err("a number > 1".into()) },
            "perturb_dec_fact" => self.perturb_dec_fact = unit_open(v)?,
            "jacobian_regularization_value" => self.jacobian_regularization_value = nonneg(v)?,
            "jacobian_regularization_exponent" => self.jacobian_regularization_exponent = nonneg(v)?,
            "condensed_regularization" => self.condensed_regularization = positive(v)?,
            "nlp_scaling_max_gradient" => self.nlp_scaling_max_gradient = positive(v)?,
            "nlp_scaling_min_value" => self.nlp_scaling_min_value = nonneg(v)?,
            "obj_scaling_factor" => {
                self.obj_scaling_factor = if v != 0.0 && v.is_finite() { v } else { return Err("a non-zero number".into()) }
            }
            "nlp_lower_bound_inf" => self.nlp_lower_bound_inf = v,
            "nlp_upper_bound_inf" => self.nlp_upper_bound_inf = v,
            "warm_start_bound_push" => self.warm_start_bound_push = positive(v)?,
            "warm_start_bound_frac" => self.warm_start_bound_frac = positive(v)?,
            "warm_start_mult_bound_push" => self.warm_start_mult_bound_push = positive(v)?,
            "warm_start_slack_bound_push" => self.warm_start_slack_bound_push = positive(v)?,
            "warm_start_slack_bound_frac" => {
                self.warm_start_slack_bound_frac = if v > 0.0 && v <= 0.5 { v } else { return Err("a number in (0, 0.5]".into()) }
            }
            "required_infeasibility_reduction" => {
                self.required_infeasibility_reduction = if (0.0..1.0).contains(&v) { v } else { return Err("a number in [0, 1)".into()) }
            }
            "l1_penalty_margin" => self.l1_penalty_margin = positive(v)?,
            "l1_armijo" => self.l1_armijo = unit_open(v)?,
            "krylov_rtol" => self.krylov_rtol = positive(v)?,
            "krylov_max_forcing" => {
                self.krylov_max_forcing = if (0.0..1.0).contains(&v) { v } else { return Err("a number in [0, 1)".into()) }
            }
            _ => unreachable!("option table and setter disagree on {name}"),
        }
        Ok(())
    }

    fn set_integer(&mut self, name: &str, v: i64) -> Result<(), String> {
        let nonneg = |v: i64| usize::try_from(v).map_err(|_| "a non-negative integer".to_string());
        match name {
            "max_iter" => self.max_iter = nonneg(v)?,
            "acceptable_iter" => self.acceptable_iter = nonneg(v)?,
            "limited_memory_max_history" => {
                self.limited_memory_max_history = if v >= 1 { v as usize } else { return Err("an integer ≥ 1".into()) }
            }
            "max_soc" => self.max_soc = nonneg(v)?,
            "watchdog_shortened_iter_trigger" => self.watchdog_shortened_iter_trigger = nonneg(v)?,
            "watchdog_trial_iter_max" => self.watchdog_trial_iter_max = nonneg(v)?,
            "max_refinement_steps" => self.max_refinement_steps = nonneg(v)?,
            "min_refinement_steps" => self.min_refinement_steps = nonneg(v)?,
            "print_level" => self.print_level = if (0..=12).contains(&v) { v as i32 } else { return Err("an integer in 0..=12".into()) },
            "max_resto_iter" => self.max_resto_iter = nonneg(v)?,
            "krylov_max_iter" => self.krylov_max_iter = nonneg(v)?,
            _ => unreachable!("option table and setter disagree on {name}"),
        }
        Ok(())
    }

    fn set_choice(&mut self, name: &str, v: &str) {
        let yes = v == "yes";
        match name {
            "mu_strategy" => self.mu_strategy = if v == "adaptive" { MuStrategy::Adaptive } else { MuStrategy::Monotone },
            "hessian_approximation" => {
                self.hessian_approximation =
                    if v == "exact" { HessianApproximationKind::Exact } else { HessianApproximationKind::LimitedMemory }
            }
            "line_search" => self.line_search = if v == "filter" { LineSearchKind::Filter } else { LineSearchKind::L1Merit },
            "kkt_route" => {
                self.kkt_route = match v {
                    "augmented" => KktRouteChoice::Augmented,
                    "condensed" => KktRouteChoice::Condensed,
                    _ => KktRouteChoice::Auto,
                }
            }
            "linear_solver" => {
                self.linear_solver = match v {
                    "dense" => LinearSolverChoice::Dense,
                    "sparse-ldl" => LinearSolverChoice::SparseLdl,
                    "cg" => LinearSolverChoice::Cg,
                    "minres" => LinearSolverChoice::Minres,
                    _ => LinearSolverChoice::Auto,
                }
            }
            "krylov_preconditioner" => {
                self.krylov_preconditioner = match v {
                    "jacobi" => KrylovPreconditionerChoice::Jacobi,
                    "incomplete-cholesky" => KrylovPreconditionerChoice::IncompleteCholesky,
                    "amg" => KrylovPreconditionerChoice::Amg,
                    "none" => KrylovPreconditionerChoice::None,
                    _ => KrylovPreconditionerChoice::Auto,
                }
            }
            "sparse_ldl_ordering" => {
                self.sparse_ldl_ordering = match v {
                    "amd" => SparseOrderingChoice::Amd,
                    "nested-dissection" => SparseOrderingChoice::NestedDissection,
                    _ => SparseOrderingChoice::Auto,
                }
            }
            "nlp_scaling_method" => {
                self.nlp_scaling_method = match v {
                    "none" => ScalingMethod::None,
                    "user-scaling" => ScalingMethod::UserScaling,
                    _ => ScalingMethod::GradientBased,
                }
            }
            "fixed_variable_treatment" => {
                self.fixed_variable_treatment =
                    if v == "relax_bounds" { FixedVariableTreatment::RelaxBounds } else { FixedVariableTreatment::MakeParameter }
            }
            "honor_original_bounds" => self.honor_original_bounds = yes,
            "warm_start_init_point" => self.warm_start_init_point = yes,
            "start_with_resto" => self.start_with_resto = yes,
            "presolve" => self.presolve = yes,
            "presolve_auxiliary" => self.presolve_auxiliary = yes,
            "presolve_auxiliary_coupling" => {
                self.presolve_auxiliary_coupling = match v {
                    "none" => AuxiliaryCoupling::None,
                    "aggressive" => AuxiliaryCoupling::Aggressive,
                    _ => AuxiliaryCoupling::Safe,
                }
            }
            "presolve_auxiliary_diagnostics" => self.presolve_auxiliary_diagnostics = yes,
            "presolve_fbbt" => self.presolve_fbbt = yes,
            _ => unreachable!("option table and setter disagree on {name}"),
        }
    }

    /// Parse options-file text (`ipopt.opt` syntax: `name value` per line, `#` comments).
    pub fn apply_file_text(&mut self, text: &str) -> Result<(), OptionError> {
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (Some(name), Some(value), None) = (parts.next(), parts.next(), parts.next()) else {
                return Err(OptionError::FileSyntax { line: i + 1, message: format!("expected 'name value', got '{line}'") });
            };
            self.set(name, value).map_err(|e| OptionError::FileSyntax { line: i + 1, message: e.to_string() })?;
        }
        Ok(())
    }

    /// Read and apply an options file.
    pub fn apply_file(&mut self, path: &std::path::Path) -> Result<(), OptionError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| OptionError::Io { path: path.display().to_string(), message: e.to_string() })?;
        self.apply_file_text(&text)
    }
}

/// Option names within edit distance 3 of `name` (or containing it), best first.
pub fn close_matches(name: &str) -> Vec<String> {
    let mut scored: Vec<(usize, &str)> = OPTION_TABLE
        .iter()
        .map(|(n, _, _)| (edit_distance(name, n), *n))
        .filter(|(d, n)| *d <= 3.max(name.len() / 4) || (name.len() >= 4 && n.contains(name)))
        .collect();
    scored.sort();
    scored.into_iter().take(4).map(|(_, n)| n.to_string()).collect()
}

/// Levenshtein distance.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every default as it was before the options moved to one table (literal values copied from
    /// the hand-written `Default` of commit 4cd1c93): the table must not change any of them.
    #[test]
    fn defaults_are_the_old_literal_values() {
        let old = Options {
            tol: 1e-8,
            max_iter: 3000,
            max_wall_time: 1e20,
            dual_inf_tol: 1.0,
            constr_viol_tol: 1e-4,
            compl_inf_tol: 1e-4,
            acceptable_tol: 1e-6,
            acceptable_iter: 15,
            acceptable_dual_inf_tol: 1e10,
            acceptable_constr_viol_tol: 1e-2,
            acceptable_compl_inf_tol: 1e-2,
            acceptable_obj_change_tol: 1e20,
            diverging_iterates_tol: 1e20,
            complementarity_gap_tol: 1e-8,
            mu_strategy: MuStrategy::Monotone,
            mu_init: 0.1,
            mu_min: 1e-11,
            mu_max: 1e5,
            barrier_tol_factor: 10.0,
            mu_linear_decrease_factor: 0.2,
            mu_superlinear_decrease_power: 1.5,
            tau_min: 0.99,
            bound_push: 1e-2,
            bound_frac: 1e-2,
            slack_bound_push: 1e-2,
            slack_bound_frac: 1e-2,
            bound_mult_init_val: 1.0,
            constr_mult_init_max: 1e3,
            bound_relax_factor: 1e-8,
            honor_original_bounds: false,
            kappa_sigma: 1e10,
            hessian_approximation: HessianApproximationKind::Exact,
            limited_memory_max_history: 6,
            line_search: LineSearchKind::Filter,
            max_soc: 4,
            kappa_soc: 0.99,
            watchdog_shortened_iter_trigger: 10,
            watchdog_trial_iter_max: 3,
            tiny_step_tol: 2.220446049250313e-15,
            theta_max_fact: 1e4,
            theta_min_fact: 1e-4,
            eta_phi: 1e-8,
            obj_max_inc: 5.0,
            kkt_route: KktRouteChoice::Auto,
            linear_solver: LinearSolverChoice::Auto,
            krylov_preconditioner: KrylovPreconditionerChoice::Auto,
            sparse_ldl_ordering: SparseOrderingChoice::Auto,
            max_refinement_steps: 10,
            min_refinement_steps: 0,
            residual_ratio_max: 1e-10,
            first_hessian_perturbation: 1e-4,
            min_hessian_perturbation: 1e-20,
            max_hessian_perturbation: 1e20,
            perturb_inc_fact_first: 100.0,
            perturb_inc_fact: 8.0,
            perturb_dec_fact: 0.3333333333333333,
            jacobian_regularization_value: 1e-8,
            jacobian_regularization_exponent: 0.25,
            condensed_regularization: 1e-9,
            print_level: 5,
            nlp_scaling_method: ScalingMethod::GradientBased,
            nlp_scaling_max_gradient: 100.0,
            nlp_scaling_min_value: 1e-8,
            obj_scaling_factor: 1.0,
            nlp_lower_bound_inf: -1e19,
            nlp_upper_bound_inf: 1e19,
            fixed_variable_treatment: FixedVariableTreatment::MakeParameter,
            warm_start_init_point: false,
            warm_start_bound_push: 1e-3,
            warm_start_bound_frac: 1e-3,
            warm_start_mult_bound_push: 1e-3,
            warm_start_slack_bound_push: 1e-3,
            warm_start_slack_bound_frac: 1e-3,
            required_infeasibility_reduction: 0.9,
            max_resto_iter: 3000,
            start_with_resto: false,
            l1_penalty_margin: 1.0,
            l1_armijo: 1e-4,
            krylov_rtol: 1e-10,
            krylov_max_iter: 0,
            krylov_max_forcing: 0.0,
            presolve: false,
            presolve_auxiliary: false,
            presolve_auxiliary_coupling: AuxiliaryCoupling::Safe,
            presolve_auxiliary_diagnostics: false,
            presolve_fbbt: false,
        };
        let new = Options::default();
        // PartialEq compares every field (floats exactly); the Debug dumps show which differs.
        let (old_dbg, new_dbg) = (format!("{old:?}"), format!("{new:?}"));
        assert_eq!(old, new, "\nold: {old_dbg}\nnew: {new_dbg}");
        assert_eq!(new.tiny_step_tol.to_bits(), (10.0 * f64::EPSILON).to_bits());
        assert_eq!(new.perturb_dec_fact.to_bits(), (1.0f64 / 3.0).to_bits());
    }

    #[test]
    fn sets_known_options_and_validates() {
        let mut o = Options::default();
        o.set("tol", "1e-10").unwrap();
        o.set("mu_strategy", "adaptive").unwrap();
        o.set("max_iter", "50").unwrap();
        o.set("hessian_approximation", "limited-memory").unwrap();
        assert_eq!(o.tol, 1e-10);
        assert_eq!(o.mu_strategy, MuStrategy::Adaptive);
        assert_eq!(o.max_iter, 50);
        assert!(matches!(o.set("tol", "-1"), Err(OptionError::InvalidValue { .. })));
        assert!(matches!(o.set("mu_strategy", "fast"), Err(OptionError::InvalidValue { .. })));
        assert!(matches!(o.set("max_iter", "abc"), Err(OptionError::InvalidValue { .. })));
        o.set("obj_max_inc", "7").unwrap();
        o.set("krylov_preconditioner", "incomplete-cholesky").unwrap();
        assert_eq!((o.obj_max_inc, o.krylov_preconditioner), (7.0, KrylovPreconditionerChoice::IncompleteCholesky));
        assert!(matches!(o.set("obj_max_inc", "0.5"), Err(OptionError::InvalidValue { .. })));
        assert!(matches!(o.set("krylov_preconditioner", "ilu"), Err(OptionError::InvalidValue { .. })));
        o.set("krylov_preconditioner", "amg").unwrap();
        assert_eq!(o.krylov_preconditioner, KrylovPreconditionerChoice::Amg);
        o.set("sparse_ldl_ordering", "nested-dissection").unwrap();
        assert_eq!(o.sparse_ldl_ordering, SparseOrderingChoice::NestedDissection);
        assert!(matches!(o.set("sparse_ldl_ordering", "metis"), Err(OptionError::InvalidValue { .. })));
        o.set("presolve", "yes").unwrap();
        o.set("presolve_auxiliary", "yes").unwrap();
        o.set("presolve_auxiliary_coupling", "aggressive").unwrap();
        o.set("presolve_auxiliary_diagnostics", "yes").unwrap();
        assert!(o.presolve && o.presolve_auxiliary && o.presolve_auxiliary_diagnostics);
        assert_eq!(o.presolve_auxiliary_coupling, AuxiliaryCoupling::Aggressive);
        o.set("presolve", "no").unwrap();
        assert!(!o.presolve);
        assert!(matches!(o.set("presolve_auxiliary_coupling", "all"), Err(OptionError::InvalidValue { .. })));
    }

    #[test]
    fn unknown_option_lists_close_matches() {
        let err = Options::default().set("max_itr", "3").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("did you mean") && msg.contains("max_iter"), "{msg}");
        let err = Options::default().set("mu_stategy", "adaptive").unwrap_err();
        assert!(err.to_string().contains("mu_strategy"));
    }

    #[test]
    fn every_table_entry_has_a_setter() {
        for (name, kind, _) in OPTION_TABLE {
            let mut o = Options::default();
            let value = match kind {
                OptionKind::Number => "0.5",
                OptionKind::Integer => "5",
                OptionKind::Choice(c) => c[0],
            };
            // Must not hit the unreachable! arm; a validation error is fine.
            let _ = o.set(name, value);
        }
    }

    #[test]
    fn options_file_syntax() {
        let mut o = Options::default();
        o.apply_file_text("# comment\ntol 1e-9\n\nmax_iter 20 # trailing\n").unwrap();
        assert_eq!((o.tol, o.max_iter), (1e-9, 20));
        let err = o.apply_file_text("tol\n").unwrap_err();
        assert!(matches!(err, OptionError::FileSyntax { line: 1, .. }));
        let err = o.apply_file_text("tol 1\nbogus_name 3\n").unwrap_err();
        assert!(err.to_string().contains("line 2"));
    }
}
