//! State an NLP with closures and solve it: HS071 with complex-step derivatives and L-BFGS.
//!
//! `cargo run --release --example closure_problem`

use ipax::problem::{ConstraintsFn, FunctionProblem, ObjectiveFn, Scalar};

struct Objective;
impl ObjectiveFn for Objective {
    fn eval<T: Scalar>(&self, x: &[T]) -> T {
        x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2]
    }
}

struct Constraints;
impl ConstraintsFn for Constraints {
    fn eval<T: Scalar>(&self, x: &[T], c: &mut [T]) {
        c[0] = x[0] * x[1] * x[2] * x[3];
        c[1] = x.iter().map(|&v| v * v).sum();
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let problem = FunctionProblem::builder()
        .name("hs071")
        .objective_generic(Objective)
        .constraints_generic(Constraints)
        .initial_point(vec![1.0, 5.0, 5.0, 1.0])
        .variable_bounds(vec![1.0; 4], vec![5.0; 4])
        .constraint_bounds(vec![25.0, 40.0], vec![f64::INFINITY, 40.0])
        .build()?;
    let mut options = ipax::Options::default();
    options.set("print_level", "5")?;
    let result = ipax::solve(&problem, &options);
    println!("status {:?}, f = {:.8}, x = {:?}", result.status, result.objective, result.x);
    Ok(())
}
