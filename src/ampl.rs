//! AMPL conventions of the solver executable: the `solve_result_num` written into the `.sol` file.
//!
//! The codes are those of Ipopt's AMPL driver (`AmplTNLP::finalize_solution` in
//! coin-or/Ipopt, `src/Apps/AmplSolver/AmplTNLP.cpp`), which refine the ranges of the AMPL book
//! (§14.3: 0–99 solved, 100–199 solved?, 200–299 infeasible, 300–399 unbounded, 400–499 limit,
//! 500–599 failure):
//!
//! | Ipopt `SolverReturn`        | code | ipax [`SolveStatus`]                         |
//! |-----------------------------|------|----------------------------------------------|
//! | `SUCCESS`                   | 0    | `Optimal`                                    |
//! | `STOP_AT_ACCEPTABLE_POINT`  | 1    | `Acceptable`                                 |
//! | `FEASIBLE_POINT_FOUND`      | 2    | (no counterpart)                             |
//! | `LOCAL_INFEASIBILITY`       | 200  | `Infeasible`                                 |
//! | `DIVERGING_ITERATES`        | 300  | `DivergingIterates`, `Unbounded`             |
//! | `MAXITER_EXCEEDED`          | 400  | `MaxIterations`                              |
//! | `CPUTIME_EXCEEDED`          | 401  | (ipax has no CPU-time limit)                 |
//! | `WALLTIME_EXCEEDED`         | 402  | `MaxWallTime`                                |
//! | `USER_REQUESTED_STOP`       | 403  | `UserStop`                                   |
//! | `STOP_AT_TINY_STEP`         | 500  | `SearchDirectionTooSmall`                    |
//! | `RESTORATION_FAILURE`       | 501  | `RestorationFailed`                          |
//! | `ERROR_IN_STEP_COMPUTATION` | 502  | `LinearSolverFailure`                        |
//! | `INVALID_NUMBER_DETECTED`   | 550  | `EvaluationError`                            |
//! | `UNASSIGNED`                | 599  | `InvalidProblem`                             |
//!
//! Note that Ipopt reports an acceptable point as *solved* (1), not as "solved?" (100–199).
//! Ipopt's executable (`ampl_ipopt.cpp`) exits with status 0 once the solve has run, whatever its
//! outcome: the outcome travels in the `.sol` file only.

use crate::SolveStatus;

/// Ipopt's AMPL `solve_result_num` for a solve that ended with `status` (table in the module docs).
pub fn solve_result_num(status: SolveStatus) -> i32 {
    match status {
        SolveStatus::Optimal => 0,
        SolveStatus::Acceptable => 1,
        SolveStatus::Infeasible => 200,
        SolveStatus::Unbounded | SolveStatus::DivergingIterates => 300,
        SolveStatus::MaxIterations => 400,
        SolveStatus::MaxWallTime => 402,
        SolveStatus::UserStop => 403,
        SolveStatus::SearchDirectionTooSmall => 500,
        SolveStatus::RestorationFailed => 501,
        SolveStatus::LinearSolverFailure => 502,
        SolveStatus::EvaluationError => 550,
        SolveStatus::InvalidProblem => 599,
        // `SolveStatus` is non-exhaustive: a status added later counts as an unclassified
        // failure until it gets its own code.
        _ => 599,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::nl::SolveResult as Range;

    #[test]
    fn codes_fall_in_the_ampl_ranges_of_their_meaning() {
        let cases = [
            (SolveStatus::Optimal, Range::Solved),
            (SolveStatus::Acceptable, Range::Solved),
            (SolveStatus::Infeasible, Range::Infeasible),
            (SolveStatus::Unbounded, Range::Unbounded),
            (SolveStatus::DivergingIterates, Range::Unbounded),
            (SolveStatus::MaxIterations, Range::LimitReached),
            (SolveStatus::MaxWallTime, Range::LimitReached),
            (SolveStatus::UserStop, Range::LimitReached),
            (SolveStatus::SearchDirectionTooSmall, Range::Failure),
            (SolveStatus::RestorationFailed, Range::Failure),
            (SolveStatus::LinearSolverFailure, Range::Failure),
            (SolveStatus::EvaluationError, Range::Failure),
            (SolveStatus::InvalidProblem, Range::Failure),
        ];
        for (status, range) in cases {
            assert_eq!(Range::from_code(solve_result_num(status)), range, "{status:?}");
        }
        // Ipopt's exact values where the range alone does not pin them.
        assert_eq!(solve_result_num(SolveStatus::Acceptable), 1);
        assert_eq!(solve_result_num(SolveStatus::MaxWallTime), 402);
        assert_eq!(solve_result_num(SolveStatus::EvaluationError), 550);
    }
}
