//! The objective and the constraints flattened into contiguous arrays for the evaluation passes.
//!
//! After a batched sweep ([`super::batch`]) has left every element's value, local gradient and
//! local Hessian in per-element buffers, what remains of an evaluation is summing them, with the
//! constants and linear terms, into f, c, ∇f, J and ∇²L. Walking each [`Function`] for that
//! meant chasing one separately allocated term list and one element list (88-byte records) per
//! constraint — 66,666 of them on Van der Pol at n = 1e5, 8 % of the process in the line
//! search's f and c. Here every function's terms are ranges of a few flat arrays, element data is
//! indexed by the element id (ids, gradient entries and Hessian entries of consecutive elements
//! are consecutive), and the gradient and Jacobian scatter maps point straight at their output:
//! one forward pass over contiguous memory per call.
//!
//! **Same numbers.** Every output entry is summed from the same terms in the same order as
//! [`Function::value`], [`Function::gradient`] followed by the triplet-to-CSC scatter, and
//! [`Function::add_hessian`]: the linear coefficients of the gradient and of the Jacobian are the
//! first terms of their entries and do not depend on x, so they are summed once at load into a
//! base vector that each evaluation copies (a sum started at +0 never becomes −0, so the old
//! extra `0 + v` of the scatter changed no bit). Tested bit for bit against the per-element
//! tapes (`batched_sweeps_equal_per_element_tapes_bit_for_bit`).

use super::{Function, Tapes};

/// All functions of a problem (index 0 the objective, `1 + i` constraint `i`) as flat arrays.
#[derive(Debug, Clone, Default)]
pub(super) struct Flat {
    constant: Vec<f64>,
    /// Function `f`'s linear terms are `lin_var[k]`, `lin_coef[k]` for `k` in
    /// `lin_start[f]..lin_start[f + 1]` (global variable indices).
    lin_start: Vec<usize>,
    lin_var: Vec<usize>,
    lin_coef: Vec<f64>,
    /// Function `f`'s elements are the ids `elem_start[f]..elem_start[f + 1]`.
    elem_start: Vec<usize>,
    /// Weight of each element, by id.
    weight: Vec<f64>,
    /// Element `k`'s kept Hessian entries are `hess_start[k]..hess_start[k + 1]` of the per-element
    /// Hessian buffer and of [`Tapes::hess_pos`].
    hess_start: Vec<usize>,
    /// Objective gradient before its elements: zeros with the linear coefficients summed in.
    grad_base: Vec<f64>,
    /// Global variable of each of the objective elements' local gradient entries
    /// (`eg[..grad_var.len()]`).
    grad_var: Vec<usize>,
    /// Jacobian CSC values before the elements: zeros with the linear coefficients summed in.
    jac_base: Vec<f64>,
    /// CSC slot of each of the constraint elements' local gradient entries
    /// (`eg[grad_var.len()..]`).
    jac_pos: Vec<usize>,
}

impl Flat {
    /// Flatten `objective` and `constraints`. `jac_offset` and `jac_map` give the CSC slot of
    /// position `q` of constraint `i`'s sparse gradient: `jac_map[jac_offset[i] + q]`.
    pub fn build(objective: &Function, constraints: &[Function], tapes: &Tapes, n: usize, jac_nnz: usize, jac_offset: &[usize], jac_map: &[usize]) -> Flat {
        let functions = || std::iter::once(objective).chain(constraints);
        let num_elements: usize = functions().map(|f| f.elements.len()).sum();
        let mut flat = Flat {
            constant: Vec::with_capacity(1 + constraints.len()),
            lin_start: Vec::with_capacity(2 + constraints.len()),
            lin_var: Vec::with_capacity(functions().map(|f| f.linear.len()).sum()),
            lin_coef: Vec::with_capacity(functions().map(|f| f.linear.len()).sum()),
            elem_start: Vec::with_capacity(2 + constraints.len()),
            weight: Vec::with_capacity(num_elements),
            hess_start: Vec::with_capacity(num_elements + 1),
            grad_base: vec![0.0; n],
            grad_var: Vec::with_capacity(objective.elements.iter().map(|e| e.range.num_vars()).sum()),
            jac_base: vec![0.0; jac_nnz],
            jac_pos: Vec::with_capacity(tapes.grad_pos.len()),
        };
        for f in functions() {
            flat.constant.push(f.constant);
            flat.lin_start.push(flat.lin_var.len());
            flat.elem_start.push(flat.weight.len());
            for &(p, c) in &f.linear {
                flat.lin_var.push(f.vars[p]);
                flat.lin_coef.push(c);
            }
            for e in &f.elements {
                // The layout the flat ranges rely on: ids, gradient and Hessian entries are
                // assigned to the elements in this very order.
                debug_assert_eq!(e.id, flat.weight.len());
                flat.weight.push(e.weight);
                flat.hess_start.push(e.hess_start);
            }
        }
        flat.lin_start.push(flat.lin_var.len());
        flat.elem_start.push(flat.weight.len());
        // Without the exact Hessian every start is 0 and so is the end: all ranges are empty.
        flat.hess_start.push(tapes.hess_pos.len());
        debug_assert!(flat.hess_start.windows(2).all(|w| w[0] <= w[1]));

        for &(p, c) in &objective.linear {
            flat.grad_base[objective.vars[p]] += c;
        }
        for e in &objective.elements {
            let p = e.range.num_vars();
            debug_assert_eq!(e.grad_start, flat.grad_var.len());
            flat.grad_var.extend(tapes.grad_pos[e.grad_start..e.grad_start + p].iter().map(|&q| objective.vars[q]));
        }
        for (f, &off) in constraints.iter().zip(jac_offset) {
            for &(p, c) in &f.linear {
                flat.jac_base[jac_map[off + p]] += c;
            }
            for e in &f.elements {
                let p = e.range.num_vars();
                debug_assert_eq!(e.grad_start, flat.grad_var.len() + flat.jac_pos.len());
                flat.jac_pos.extend(tapes.grad_pos[e.grad_start..e.grad_start + p].iter().map(|&q| jac_map[off + q]));
            }
        }
        flat
    }

    /// Value of function `f` from the element values `ev` (by id), as [`Function::value`].
    #[inline]
    pub fn value(&self, f: usize, x: &[f64], ev: &[f64]) -> f64 {
        let mut v = self.constant[f];
        let lin = self.lin_start[f]..self.lin_start[f + 1];
        for (&j, &c) in self.lin_var[lin.clone()].iter().zip(&self.lin_coef[lin]) {
            v += c * x[j];
        }
        let el = self.elem_start[f]..self.elem_start[f + 1];
        for (&w, &e) in self.weight[el.clone()].iter().zip(&ev[el]) {
            v += w * e;
        }
        v
    }

    /// Dense objective gradient into `grad` from the weighted local element gradients `eg`.
    pub fn gradient(&self, eg: &[f64], grad: &mut [f64]) {
        grad.copy_from_slice(&self.grad_base);
        for (&j, &g) in self.grad_var.iter().zip(eg) {
            grad[j] += g;
        }
    }

    /// Jacobian CSC values into `values` (cleared first) from the weighted local element
    /// gradients `eg`.
    pub fn jacobian(&self, eg: &[f64], values: &mut Vec<f64>) {
        values.clear();
        values.extend_from_slice(&self.jac_base);
        for (&q, &g) in self.jac_pos.iter().zip(&eg[self.grad_var.len()..]) {
            values[q] += g;
        }
    }

    /// Add `scale · ∇²f` of function `f` into the Hessian CSC values `hv`, from the local element
    /// Hessians `eh` (kept entries, unweighted), as [`Function::add_hessian`].
    pub fn add_hessian(&self, f: usize, tapes: &Tapes, eh: &[f64], scale: f64, hv: &mut [f64]) {
        for k in self.elem_start[f]..self.elem_start[f + 1] {
            let w = scale * self.weight[k];
            let range = self.hess_start[k]..self.hess_start[k + 1];
            for (&q, &h) in tapes.hess_pos[range.clone()].iter().zip(&eh[range]) {
                hv[q] += w * h;
            }
        }
    }
}
