//! placeholder
pub mod derivatives;
pub mod error;
pub mod scalar;
pub use error::ProblemError;
pub use scalar::Scalar;
