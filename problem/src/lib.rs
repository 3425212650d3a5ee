//! placeholder
pub mod derivatives;
pub mod error;
pub mod function_problem;
pub mod linear;
pub mod ops;
pub mod quadratic;
pub mod scalar;
mod validate;
pub use error::ProblemError;
pub use function_problem::{ConstraintsFn, EvalCounts, FunctionProblem, FunctionProblemBuilder, GradientSource, JacobianSource, ObjectiveFn, ScalarOutput, VectorOutput};
pub use scalar::Scalar;
pub use linear::{LinearProblem, LinearProblemBuilder};
pub use quadratic::{QuadraticProblem, QuadraticProblemBuilder};
