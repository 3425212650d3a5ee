//! Fuzz the `.nl` reader: arbitrary bytes must yield `Ok` or a typed `NlError`, never a panic,
//! and a model that parses must evaluate (possibly with an `EvalError`) without panicking.
#![no_main]

use ipax_core::Problem;
use ipax_problem::nl::NlProblem;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = NlProblem::from_bytes(data) {
        let n = p.num_variables();
        let mut x = vec![0.0; n];
        p.initial_point(&mut x);
        let _ = p.objective(&x);
        let mut g = vec![0.0; n];
        let _ = p.gradient(&x, &mut g);
        let mut c = vec![0.0; p.num_constraints()];
        let _ = p.constraints(&x, &mut c);
        let _ = p.jacobian(&x).map(|j| j.shape());
        let _ = p.hessian(&x, 1.0, &vec![1.0; p.num_constraints()]).map(|h| h.is_some());
    }
});
