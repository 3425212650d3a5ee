//! The typed values of the choice options: one enum per option, each variant with the text an
//! options file or the command line uses for it.

use super::spec::{OptionValue, OptionKind};

/// Defines a closed set of option values: the enum, its textual names (in listing order) and its
/// [`OptionValue`] implementation, so the names accepted by `Options::set` and the ones printed by
/// `--list-options` cannot drift apart.
macro_rules! choice_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value with its textual name, in listing order.
            pub const ALL: &'static [(&'static str, $name)] = &[ $( ($text, $name::$variant), )+ ];

            /// The textual name of this value (as written in an options file).
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl OptionValue for $name {
            const KIND: OptionKind = OptionKind::Choice(&[ $( $text, )+ ]);

            fn parse_text(text: &str) -> Result<Self, String> {
                let lower = text.to_ascii_lowercase();
                Self::ALL
                    .iter()
                    .find(|(t, _)| *t == lower)
                    .map(|(_, v)| *v)
                    .ok_or_else(|| Self::KIND.expected())
            }

            fn to_text(&self) -> String {
                self.as_str().to_string()
            }

            fn as_number(&self) -> Option<f64> {
                None
            }
        }
    };
}

choice_enum! {
    /// Barrier-parameter strategy (`mu_strategy`).
    pub enum MuStrategy {
        /// Fiacco–McCormick: decrease μ once the barrier subproblem is solved to `κ_ε μ`.
        Monotone => "monotone",
        /// LOQO-style oracle with a monotone safeguard (Ipopt's `adaptive`).
        Adaptive => "adaptive",
    }
}

choice_enum! {
    /// How the adaptive strategy chooses μ in free mode (`mu_oracle`).
    pub enum MuOracle {
        /// LOQO's centrality rule (Vanderbei & Shanno 1999).
        Loqo => "loqo",
        /// Mehrotra's probing: σ = (μ_aff/μ)³ from an affine-scaling step with the same
        /// factorization (Ipopt's `probing`).
        Probing => "probing",
        /// Probing plus Mehrotra's second-order corrector in the complementarity right-hand side.
        Mehrotra => "mehrotra",
    }
}

choice_enum! {
    /// Where the monotone strategy adds Mehrotra's second-order corrector in its final phase
    /// (`mu_final_corrector`).
    pub enum MuFinalCorrector {
        /// Never: Ipopt's monotone steps.
        No => "no",
        /// On problems with bounds only, and on every problem solved with the exact Hessian.
        Auto => "auto",
        /// On problems with bounds only (no constraint rows).
        Bounds => "bounds",
        /// On every problem.
        Yes => "yes",
    }
}

choice_enum! {
    /// Hessian source (`hessian_approximation`).
    pub enum HessianApproximationKind {
        /// The problem's second derivatives (or Hessian-vector products).
        Exact => "exact",
        /// Limited-memory BFGS built from gradient differences.
        LimitedMemory => "limited-memory",
    }
}

choice_enum! {
    /// Globalization (`line_search`).
    pub enum LineSearchKind {
        /// Filter line search with second-order correction (Wächter & Biegler 2006).
        Filter => "filter",
        /// Han–Powell ℓ₁ exact-penalty merit function with Armijo backtracking.
        L1Merit => "l1-merit",
    }
}

choice_enum! {
    /// Which KKT system is solved (`kkt_route`).
    pub enum KktRouteChoice {
        /// Chosen from the problem's structure.
        Auto => "auto",
        /// The symmetric indefinite augmented system in (dx, dy).
        Augmented => "augmented",
        /// The positive definite system after eliminating the constraint multipliers.
        Condensed => "condensed",
    }
}

choice_enum! {
    /// Which linear solver backs the route (`linear_solver`).
    pub enum LinearSolverChoice {
        /// Chosen from the route, the size and what the problem exposes.
        Auto => "auto",
        /// Dense LDLᵀ / Cholesky.
        Dense => "dense",
        /// Sparse LDLᵀ with a fill-reducing ordering.
        SparseLdl => "sparse-ldl",
        /// Preconditioned conjugate gradients (condensed route).
        Cg => "cg",
        /// Preconditioned MINRES (augmented route).
        Minres => "minres",
    }
}

choice_enum! {
    /// Preconditioner of the Krylov solvers (`krylov_preconditioner`).
    pub enum KrylovPreconditionerChoice {
        /// Incomplete Cholesky for CG on the condensed route when the Jacobian and Hessian expose
        /// their entries, Jacobi otherwise (and always for MINRES).
        Auto => "auto",
        /// Inverse of the diagonal.
        Jacobi => "jacobi",
        /// IC(0) of the assembled condensed matrix.
        IncompleteCholesky => "incomplete-cholesky",
        /// Smoothed-aggregation algebraic multigrid V-cycle of the assembled condensed matrix (CG on
        /// the condensed route; for MINRES too when asked for). Grid-size-independent iteration
        /// counts on elliptic problems where IC(0) needs O(√n) iterations.
        Amg => "amg",
        /// No preconditioning.
        None => "none",
    }
}

choice_enum! {
    /// Fill-reducing ordering of the sparse LDLᵀ (`sparse_ldl_ordering`, cf. Ipopt's `ma97_order`).
    pub enum SparseOrderingChoice {
        /// The default: nested dissection on large, fill-heavy matrices without a constraint block
        /// when it predicts clearly fewer flops than AMD, AMD otherwise.
        Auto => "auto",
        /// Approximate minimum degree.
        Amd => "amd",
        /// Nested dissection.
        NestedDissection => "nested-dissection",
    }
}

choice_enum! {
    /// Automatic problem scaling (`nlp_scaling_method`).
    pub enum ScalingMethod {
        /// Objective and constraints scaled so that no gradient entry exceeds
        /// `nlp_scaling_max_gradient` at the starting point.
        GradientBased => "gradient-based",
        /// No scaling.
        None => "none",
        /// The scaling factors the problem supplies.
        UserScaling => "user-scaling",
    }
}

choice_enum! {
    /// Treatment of variables with `x_L = x_U` (`fixed_variable_treatment`).
    pub enum FixedVariableTreatment {
        /// Removed from the problem the IPM sees; their bound multipliers are recovered afterwards.
        MakeParameter => "make_parameter",
        /// Kept, with the bounds relaxed apart.
        RelaxBounds => "relax_bounds",
    }
}

choice_enum! {
    /// Which coupling classes the auxiliary-equality presolve eliminates
    /// (`presolve_auxiliary_coupling`).
    pub enum AuxiliaryCoupling {
        /// Analyse and report only.
        None => "none",
        /// Pure-equality blocks only.
        Safe => "safe",
        /// Pure-equality and objective-coupled blocks (never inequality-coupled ones).
        Aggressive => "aggressive",
    }
}
