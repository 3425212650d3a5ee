//! `ipax::solve` and the configurable [`Solver`].

use std::io::Write;

use ipax_core::{HessianApproximation, Problem};
use ipax_ipm::{IterationLog, IterationView, LinearAlgebra, Observer, ObserverAction, Options, SolveResult, WarmStart};
use ipax_operators::Lbfgs;

use crate::factory::{DefaultSolverFactory, choose_route};

/// Solve `problem` with `options`, choosing the KKT route and linear solver automatically.
pub fn solve(problem: &dyn Problem, options: &Options) -> SolveResult {
    Solver::new(options.clone()).solve(problem)
}

/// A configured solve: options, an optional observer and an optional warm start.
pub struct Solver<'o> {
    pub options: Options,
    observer: Option<&'o mut dyn Observer>,
    warm: Option<WarmStart>,
}

/// Forwards checkpoints to the iteration log and the user observer.
struct Fanout<'a, 'o> {
    log: Option<IterationLog<std::io::Stdout>>,
    user: Option<&'a mut (dyn Observer + 'o)>,
}

impl Observer for Fanout<'_, '_> {
    fn notify(&mut self, view: &IterationView<'_>) -> ObserverAction {
        if let Some(log) = self.log.as_mut() {
            log.notify(view);
        }
        match self.user.as_deref_mut() {
            Some(u) => u.notify(view),
            None => ObserverAction::Continue,
        }
    }
}

impl<'o> Solver<'o> {
    /// A solver with these options.
    pub fn new(options: Options) -> Self {
        Solver { options, observer: None, warm: None }
    }
    /// Attach an observer (called at every checkpoint).
    pub fn with_observer(mut self, observer: &'o mut dyn Observer) -> Self {
        self.observer = Some(observer);
        self
    }
    /// Start from a given point and multipliers (enable `warm_start_init_point` to use the multipliers).
    pub fn with_warm_start(mut self, warm: WarmStart) -> Self {
        self.warm = Some(warm);
        self
    }

    /// Run the interior-point method.
    pub fn solve(&mut self, problem: &dyn Problem) -> SolveResult {
        let o = &self.options;
        let route = choose_route(problem, o);
        let factory = DefaultSolverFactory::from_options(o);
        let qn = |n: usize, memory: usize| -> Box<dyn HessianApproximation> {
            let opts = ipax_operators::LbfgsOptions { memory, ..Default::default() };
            Box::new(Lbfgs::with_options(n, opts).unwrap_or_else(|_| Lbfgs::new(n)))
        };
        let la = LinearAlgebra { route, factory: &factory, quasi_newton: &qn };
        if o.print_level >= 3 {
            println!(
                "ipax {}: {} variables, {} constraints, {:?} route",
                env!("CARGO_PKG_VERSION"),
                problem.num_variables(),
                problem.num_constraints(),
                route
            );
        }
        let log = (o.print_level >= 5).then(|| IterationLog::new(std::io::stdout()).with_kkt_details(o.print_level >= 7));
        let mut fan = Fanout { log, user: self.observer.as_deref_mut() };
        let observer: Option<&mut dyn Observer> =
            if fan.log.is_some() || fan.user.is_some() { Some(&mut fan) } else { None };
        let result = ipax_ipm::solve(problem, o, &la, observer, self.warm.as_ref());
        if o.print_level >= 3 {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "\nNumber of Iterations....: {}", result.iterations);
            let _ = writeln!(out, "Objective...............: {:.10e}", result.objective);
            let _ = writeln!(out, "Dual infeasibility......: {:.10e}", result.errors.dual_infeasibility);
            let _ = writeln!(out, "Constraint violation....: {:.10e}", result.errors.constraint_violation);
            let _ = writeln!(out, "Complementarity.........: {:.10e}", result.errors.complementarity);
            let _ = writeln!(out, "Overall NLP error.......: {:.10e}", result.errors.overall);
            let e = result.evaluations;
            let _ = writeln!(
                out,
                "Evaluations: f {}, grad {}, c {}, jac {}, hess {}",
                e.objective, e.gradient, e.constraints, e.jacobian, e.hessian
            );
            let t = result.timings;
            let _ = writeln!(
                out,
                "Time: total {:.3}s, function evaluations {:.3}s, linear algebra {:.3}s ({})",
                t.total.as_secs_f64(),
                t.function_evaluations.as_secs_f64(),
                t.linear_algebra.as_secs_f64(),
                result.message
            );
            let _ = writeln!(out, "\nEXIT: {}", result.status.message());
        }
        result
    }
}
