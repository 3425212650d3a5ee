//! Unit tests of the option table: defaults unchanged, every entry settable and readable, ranges
//! enforced at their ends, listings and lookups.

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
        mu_oracle: MuOracle::Loqo,
        mu_final_corrector: MuFinalCorrector::Auto,
        sigma_max: 100.0,
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
        hold_kkt_factor: false,
        first_hessian_perturbation: 1e-4,
        min_hessian_perturbation: 1e-20,
        max_hessian_perturbation: 1e20,
        perturb_inc_fact_first: 100.0,
        perturb_inc_fact: 8.0,
        perturb_dec_fact: 0.3333333333333333,
        neg_curv_test_tol: 1e-12,
        neg_curv_test_reg: true,
        neg_curv_test_mu_max: 1e-3,
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

/// The option names before the table (commit 4cd1c93): none may disappear.
const OLD_NAMES: &[&str] = &[
    "tol", "max_iter", "max_wall_time", "dual_inf_tol", "constr_viol_tol", "compl_inf_tol", "acceptable_tol",
    "acceptable_iter", "acceptable_dual_inf_tol", "acceptable_constr_viol_tol", "acceptable_compl_inf_tol",
    "acceptable_obj_change_tol", "diverging_iterates_tol", "complementarity_gap_tol", "mu_strategy", "mu_oracle", "mu_final_corrector", "sigma_max", "mu_init",
    "mu_min", "mu_max", "barrier_tol_factor", "mu_linear_decrease_factor", "mu_superlinear_decrease_power",
    "tau_min", "bound_push", "bound_frac", "slack_bound_push", "slack_bound_frac", "bound_mult_init_val",
    "constr_mult_init_max", "bound_relax_factor", "honor_original_bounds", "kappa_sigma", "hessian_approximation",
    "limited_memory_max_history", "line_search", "max_soc", "kappa_soc", "watchdog_shortened_iter_trigger",
    "watchdog_trial_iter_max", "tiny_step_tol", "theta_max_fact", "theta_min_fact", "eta_phi", "obj_max_inc",
    "kkt_route", "linear_solver", "krylov_preconditioner", "sparse_ldl_ordering", "max_refinement_steps",
    "min_refinement_steps", "residual_ratio_max", "first_hessian_perturbation", "min_hessian_perturbation",
    "max_hessian_perturbation", "perturb_inc_fact_first", "perturb_inc_fact", "perturb_dec_fact",
    "neg_curv_test_tol", "neg_curv_test_reg", "neg_curv_test_mu_max",
    "jacobian_regularization_value", "jacobian_regularization_exponent", "condensed_regularization", "print_level",
    "nlp_scaling_method", "nlp_scaling_max_gradient", "nlp_scaling_min_value", "obj_scaling_factor",
    "nlp_lower_bound_inf", "nlp_upper_bound_inf", "fixed_variable_treatment", "warm_start_init_point",
    "warm_start_bound_push", "warm_start_bound_frac", "warm_start_mult_bound_push", "warm_start_slack_bound_push",
    "warm_start_slack_bound_frac", "required_infeasibility_reduction", "max_resto_iter", "start_with_resto",
    "l1_penalty_margin", "l1_armijo", "krylov_rtol", "krylov_max_iter", "krylov_max_forcing", "presolve",
    "presolve_auxiliary", "presolve_auxiliary_coupling", "presolve_auxiliary_diagnostics", "presolve_fbbt",
    "hold_kkt_factor",
];

#[test]
fn table_has_every_old_name_once_with_texts() {
    let names: Vec<&str> = Options::table().iter().map(|s| s.name).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len(), "duplicate option names");
    let mut old = OLD_NAMES.to_vec();
    old.sort_unstable();
    assert_eq!(sorted, old);
    for s in Options::table() {
        assert!(!s.short.is_empty() && !s.long.is_empty() && !s.short.contains('\n'), "{}", s.name);
    }
    for c in Category::ALL {
        assert!(Options::table().iter().any(|s| s.category == *c), "empty category {c:?}");
    }
}

#[test]
fn every_default_reads_back_through_the_setter() {
    let d = Options::default();
    for s in Options::table() {
        let text = d.get_as_string(s.name).unwrap();
        assert_eq!(text, s.default_text(), "{}", s.name);
        let mut o = Options::default();
        o.set(s.name, &text).unwrap_or_else(|e| panic!("{}: default '{text}' refused: {e}", s.name));
        assert_eq!(o, d, "{} = {text} does not read back to the default", s.name);
    }
}

#[test]
fn every_choice_word_is_accepted_and_reported() {
    for s in Options::table() {
        let OptionKind::Choice(words) = s.kind else { continue };
        for w in words {
            let mut o = Options::default();
            o.set(s.name, &w.to_ascii_uppercase()).unwrap();
            assert_eq!(o.get_as_string(s.name).unwrap(), *w);
        }
        let err = Options::default().set(s.name, "no-such-word").unwrap_err();
        assert!(err.to_string().contains(&words.join(", ")), "{err}");
    }
}

/// Open ends are refused, closed ends accepted, for every numeric option with a finite end.
#[test]
fn ranges_are_enforced_at_their_ends() {
    let mut checked = 0;
    for s in Options::table() {
        let Range::Interval(lo, hi) = s.range else {
            assert!(Options::default().set(s.name, "0").is_err() && Options::default().set(s.name, "inf").is_err());
            continue;
        };
        for b in [lo, hi] {
            let (v, ok) = match b {
                Bound::Closed(v) => (v, true),
                Bound::Open(v) => (v, false),
                Bound::Unbounded => continue,
            };
            let r = Options::default().set(s.name, &format_number(v));
            assert_eq!(r.is_ok(), ok, "{} = {v}: {r:?}", s.name);
            checked += 1;
        }
    }
    assert!(checked > 60, "{checked}");
    let mut o = Options::default();
    assert!(matches!(o.set("tol", "nan"), Err(OptionError::InvalidValue { .. })));
    assert!(matches!(o.set("max_iter", "-1"), Err(OptionError::InvalidValue { .. })));
    assert!(matches!(o.set("max_iter", "2.5"), Err(OptionError::InvalidValue { .. })));
    o.set("max_iter", "1e3").unwrap();
    assert_eq!(o.max_iter, 1000);
    o.set("nlp_upper_bound_inf", "inf").unwrap();
    assert_eq!(o.nlp_upper_bound_inf, f64::INFINITY);
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
    assert_eq!(o.hessian_approximation, HessianApproximationKind::LimitedMemory);
    assert!(matches!(o.set("tol", "-1"), Err(OptionError::InvalidValue { .. })));
    assert!(matches!(o.set("mu_strategy", "fast"), Err(OptionError::InvalidValue { .. })));
    assert!(matches!(o.set("max_iter", "abc"), Err(OptionError::InvalidValue { .. })));
    o.set("obj_max_inc", "7").unwrap();
    o.set("krylov_preconditioner", "incomplete-cholesky").unwrap();
    assert_eq!((o.obj_max_inc, o.krylov_preconditioner), (7.0, KrylovPreconditionerChoice::IncompleteCholesky));
    assert!(matches!(o.set("obj_max_inc", "0.5"), Err(OptionError::InvalidValue { .. })));
    assert!(matches!(o.set("krylov_preconditioner", "ilu"), Err(OptionError::InvalidValue { .. })));
    o.set("sparse_ldl_ordering", "nested-dissection").unwrap();
    assert_eq!(o.sparse_ldl_ordering, SparseOrderingChoice::NestedDissection);
    o.set("presolve", "yes").unwrap();
    o.set("presolve_auxiliary_coupling", "aggressive").unwrap();
    assert!(o.presolve);
    assert_eq!(o.presolve_auxiliary_coupling, AuxiliaryCoupling::Aggressive);
    o.set("presolve", "no").unwrap();
    assert!(!o.presolve);
    o.set(" Print_Level ", " 3 ").unwrap();
    assert_eq!(o.print_level, 3);
    let err = o.set("print_level", "13").unwrap_err();
    assert_eq!(err.to_string(), "option 'print_level': invalid value '13' (an integer in [0, 12])");
    let err = o.set("mu_linear_decrease_factor", "1").unwrap_err();
    assert_eq!(err.to_string(), "option 'mu_linear_decrease_factor': invalid value '1' (a number in (0, 1))");
    assert!(o.set("obj_scaling_factor", "0").is_err());
    o.set("obj_scaling_factor", "-1").unwrap();
    o.set_numeric("max_iter", 7.0).unwrap();
    o.set_numeric("bound_frac", 0.25).unwrap();
    assert_eq!((o.max_iter, o.bound_frac), (7, 0.25));
}

#[test]
fn unknown_option_lists_close_matches() {
    let err = Options::default().set("max_itr", "3").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("did you mean") && msg.contains("max_iter"), "{msg}");
    let err = Options::default().set("mu_stategy", "adaptive").unwrap_err();
    assert!(err.to_string().contains("mu_strategy"));
    assert!(Options::default().get_as_string("tool").unwrap_err().to_string().contains("tol"));
    assert!(matches!(Options::spec("zzzzzzzzzzzzzzzzzzzzzz"), Err(OptionError::Unknown { suggestions, .. }) if suggestions.is_empty()));
}

#[test]
fn options_file_syntax() {
    let mut o = Options::default();
    o.apply_file_text("# comment\ntol 1e-9\n\nmax_iter 20 # trailing\nmu_strategy ADAPTIVE\n").unwrap();
    assert_eq!((o.tol, o.max_iter, o.mu_strategy), (1e-9, 20, MuStrategy::Adaptive));
    let err = o.apply_file_text("tol\n").unwrap_err();
    assert!(matches!(err, OptionError::FileSyntax { line: 1, .. }));
    let err = o.apply_file_text("tol 1\nbogus_name 3\n").unwrap_err();
    assert!(err.to_string().contains("line 2"));
    let err = o.apply_file_text("tol 1 2\n").unwrap_err();
    assert!(matches!(err, OptionError::FileSyntax { line: 1, .. }));
}

#[test]
fn lookups_for_the_debugger() {
    assert_eq!(
        Options::complete("mu_"),
        ["mu_final_corrector", "mu_init", "mu_linear_decrease_factor", "mu_max", "mu_min", "mu_oracle", "mu_strategy", "mu_superlinear_decrease_power"]
    );
    assert_eq!(Options::complete("MAX_ITE"), ["max_iter"]);
    assert!(Options::complete("zz").is_empty());
    // A category title filters too: every restoration option, and nothing else.
    let resto: Vec<&str> = Options::filter("restoration").iter().map(|s| s.name).collect();
    assert_eq!(resto, ["required_infeasibility_reduction", "max_resto_iter", "start_with_resto"]);
    assert_eq!(Options::filter("").len(), Options::table().len());
    let mut o = Options::default();
    let text = o.describe("max_resto_iter").unwrap();
    assert!(text.starts_with("max_resto_iter (Restoration Phase): integer ≥ 0, default 3000\n"), "{text}");
    assert!(text.contains("3000000") && !text.contains("current"), "{text}");
    o.set("max_resto_iter", "7").unwrap();
    assert!(o.describe("MAX_RESTO_ITER").unwrap().contains("current 7"));
    assert!(o.describe("resto_iter").is_err());
}

#[test]
fn listing_is_grouped_with_defaults_and_ranges() {
    let text = Options::listing("");
    let mut last = 0;
    for c in Category::ALL {
        let at = text.find(&format!("\n{}\n", c.title())).unwrap_or_else(|| panic!("{c:?} missing"));
        assert!(at >= last, "{c:?} out of order");
        last = at;
    }
    for s in Options::table() {
        let line = text.lines().find(|l| l.trim_start().starts_with(&format!("{} ", s.name))).unwrap();
        assert!(line.contains(&format!("[{}]", s.default_text())) && line.contains(s.short), "{line}");
    }
    let line = text.lines().find(|l| l.contains(" bound_frac ")).unwrap();
    assert!(line.contains("number in (0, 0.5]") && line.contains("[0.01]"), "{line}");
    let line = text.lines().find(|l| l.contains(" mu_strategy ")).unwrap();
    assert!(line.contains("monotone|adaptive") && line.contains("[monotone]"), "{line}");
    let only = Options::listing("presolve_fbbt");
    assert_eq!(only.lines().filter(|l| !l.is_empty()).count(), 2, "{only}");
}
