//! AMPL `.nl` models as [`ipax_core::Problem`]s, and `.sol` output.
//!
//! [`NlProblem::from_file`] reads an `.nl` file — the format AMPL and Pyomo hand to solver
//! executables, as text (`g`) or binary (`b`, AMPL's default) — together with the `.col`/`.row`
//! name files next to it. [`text_to_binary`] writes the binary form of a text file. Objective and
//! constraints become expression DAGs (defined variables from `V` segments are shared), and
//! derivatives come from automatic differentiation:
//!
//! - gradient and Jacobian by reverse mode, combined with the linear parts (`G`/`J` segments);
//!   the Jacobian pattern is fixed at load time (linear entries ∪ variables of the nonlinear body);
//! - the Hessian of the Lagrangian `σ∇²f + Σ λᵢ∇²cᵢ` by forward-over-reverse on each *element*
//!   (term of a top-level sum), dense in the element's own variables, summed into a fixed
//!   lower-triangular pattern.
//!
//! Cost: parsing and AD setup are linear in the file size. An element's Hessian is dense in the
//! element's own variables — `p(p+1)/2` pattern entries and `p` sweeps for an element touching `p`
//! variables — which is cheap for the usual sums of small terms but quadratic for a single
//! nonlinear term over very many variables (e.g. `(Σᵢ xᵢ)²`), whose Hessian is dense anyway.
//!
//! **Maximization** (`O` segment sense 1) is turned into minimization of `−f`: [`Problem::objective`]
//! and [`Problem::gradient`] report the negated objective, the Hessian uses `−∇²f`. Use
//! [`NlProblem::user_objective`] to map a value back and [`NlProblem::ampl_duals`] to convert the
//! IPM's multipliers to AMPL's sign convention before [`write_sol`].
//!
//! Supported: all smooth operators AMPL and Pyomo emit (arithmetic, the power family o5/o76/o77/o78,
//! exp/log/log10/sqrt, trigonometric and hyperbolic functions and their inverses, atan2, abs,
//! min/max lists, if-then-else with comparisons and logical operators, piecewise-linear terms,
//! floor/ceil/rounding), `S` suffixes (user `scaling_factor` becomes [`Problem::scaling`]), initial
//! primal/dual guesses. Rejected with a typed [`NlError`]: imported functions, logical
//! constraints, complementarity, string-valued expressions. Only objective 0 is optimized when several are declared (AMPL's default `objno = 1`).
//!
//! ```
//! use ipax_core::Problem;
//! use ipax_problem::nl::NlProblem;
//!
//! // min (x0 - 1)^2 + exp(x1)  s.t.  x0 + x1 >= 1
//! let text = "g3 1 1 0\n 2 1 1 0 0\n 0 1\n 0 0\n 0 2 0\n 0 0 0 1\n 0 0 0 0 0\n 2 0\n 0 0\n 0 0 0 0 0\n\
//!             C0\nn0\nO0 0\no0\no5\no0\nv0\nn-1\nn2\no44\nv1\n\
//!             r\n2 1\nb\n3\n3\nk1\n1\nJ0 2\n0 1\n1 1\n";
//! let p = NlProblem::from_str(text)?;
//! assert_eq!((p.num_variables(), p.num_constraints()), (2, 1));
//! let mut g = [0.0; 2];
//! p.gradient(&[3.0, 0.0], &mut g)?;
//! assert_eq!(g, [4.0, 1.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod batch;
mod binary;
mod decimal;
mod error;
mod expr;
pub mod fbbt;
mod flat;
mod interval;
#[doc(hidden)]
pub mod fuzz;
mod matrix;
mod parser;
mod quadratic;
mod render;
mod sol;
mod tape;

#[cfg(test)]
mod tests;

pub use binary::{ByteOrder, text_to_binary};
pub use error::{NlError, Pos};
pub use fbbt::FbbtOptions;
pub use parser::{NlHeader, Suffix, SuffixTarget};
pub use sol::{SolFile, SolSuffix, SolSuffixTarget, SolveResult, format_sol, format_sol_with_suffixes, read_sol, write_sol, write_sol_with_suffixes};

use expr::{BinOp, Dag, NaryOp, Node, NodeId, UnOp};
use ipax_core::{CscMatrix, CscStorage, EvalError, LinearOperator, Problem, ProblemScaling};
use flat::Flat;
use matrix::{PatternMatrix, ValuePool};
use parser::NlModel;
use std::path::Path;
use expr::PiecewiseLinear;
use tape::{Arena, Local, TapeRange, TapeStore, TapeWorkspace};
use batch::{Batch, BatchWork};
use quadratic::QuadraticGradient;

/// Most element-Hessian entries (Σ p(p+1)/2 over nonlinear elements touching p variables) for
/// which the exact Hessian is set up: 2²⁵ entries need about 1 GB during setup (local position,
/// the pattern's sort buffer, scatter position and CSC slot). Beyond it the model has no exact Hessian and the solver approximates
/// it; see [`NlProblem::exact_hessian`].
pub const HESSIAN_ENTRY_LIMIT: usize = 1 << 25;

/// One term of a partially separable function: `weight · e(x)`.
#[derive(Debug, Clone)]
struct Element {
    /// Index of the element among all elements of the problem (objective first, then the
    /// constraints in order): its slot in the per-element value buffer.
    id: usize,
    range: TapeRange,
    weight: f64,
    /// Start in [`Tapes::grad_pos`]: local slot `s` → position `grad_pos[grad_start + s]` in the
    /// owning function's sparse gradient.
    grad_start: usize,
    /// Start in [`Tapes::hess_pos`] and [`Tapes::hess_sel`] of the element's `hess_len`
    /// structurally nonzero lower-triangle local pairs (in the order `(a, b)`, `b ≤ a`, by `a`
    /// then `b`).
    hess_start: usize,
    hess_len: usize,
}

/// All element tapes of a problem with their scatter maps, in flat arrays.
#[derive(Debug, Clone, Default)]
struct Tapes {
    store: TapeStore,
    pls: Vec<PiecewiseLinear>,
    grad_pos: Vec<usize>,
    /// Index into the Hessian CSC values of each kept element-Hessian entry.
    hess_pos: Vec<usize>,
    /// Position `a·p + b` in the element's dense `p × p` Hessian of each kept entry.
    hess_sel: Vec<u32>,
}

/// `constant + Σ c_j x_j + Σ weight_e · e(x)` with a sparse gradient over `vars`.
#[derive(Debug, Clone, Default)]
struct Function {
    constant: f64,
    /// `(position in vars, coefficient)`.
    linear: Vec<(usize, f64)>,
    elements: Vec<Element>,
    /// Global variable index of each gradient position (sorted).
    vars: Vec<usize>,
}

/// Scratch buffers for the sweeps, sized for the longest tape.
#[derive(Default)]
struct Scratch {
    val: Vec<f64>,
    dot: Vec<f64>,
    adj: Vec<f64>,
    adot: Vec<f64>,
    h: Vec<f64>,
    grad: Vec<f64>,
    /// Local partials of the last [`Tape::forward_local`] sweep.
    loc: Vec<Local>,
    /// Vector-mode tangents and adjoint tangents ([`Tape::hessian_local`]); empty unless the
    /// scratch is for Hessians. Elements needing more than this fall back to scalar sweeps.
    vdot: Vec<f64>,
    vadot: Vec<f64>,
}

/// Largest `instructions × variables` of an element whose Hessian is taken in vector mode
/// (2 × 8 MB of scratch); larger elements use `p` scalar sweeps, which need only O(instructions).
const VECTOR_HESSIAN_LIMIT: usize = 1 << 20;

impl Function {
    fn value(&self, t: &Tapes, x: &[f64], s: &mut Scratch) -> f64 {
        let mut f = self.constant;
        for &(p, c) in &self.linear {
            f += c * x[self.vars[p]];
        }
        for e in &self.elements {
            f += e.weight * t.store.tape(&e.range, &t.pls).forward(x, &mut s.val);
        }
        f
    }

    /// Sparse gradient into `out` (length `vars.len()`, overwritten).
    fn gradient(&self, t: &Tapes, x: &[f64], s: &mut Scratch, out: &mut [f64]) {
        out.iter_mut().for_each(|v| *v = 0.0);
        for &(p, c) in &self.linear {
            out[p] += c;
        }
        for e in &self.elements {
            let tape = t.store.tape(&e.range, &t.pls);
            tape.forward_local(x, &mut s.val, &mut s.loc);
            let p = e.range.num_vars();
            let g = &mut s.grad[..p];
            g.iter_mut().for_each(|v| *v = 0.0);
            tape.gradient_local(&s.val, &s.loc, &mut s.adj, e.weight, g);
            for (slot, &q) in t.grad_pos[e.grad_start..e.grad_start + p].iter().enumerate() {
                out[q] += g[slot];
            }
        }
    }

    /// Add `scale · ∇²(this)` into the Hessian CSC values `hv`.
    fn add_hessian(&self, t: &Tapes, x: &[f64], scale: f64, s: &mut Scratch, hv: &mut [f64]) {
        for e in &self.elements {
            if !e.range.nonlinear {
                continue;
            }
            let tape = t.store.tape(&e.range, &t.pls);
            if tape.hessian_local_len() <= s.vdot.len() {
                tape.forward_local(x, &mut s.val, &mut s.loc);
                tape.hessian_local(&s.val, &s.loc, &mut s.vdot, &mut s.adj, &mut s.vadot, &mut s.h);
            } else {
                tape.forward(x, &mut s.val);
                tape.hessian(&s.val, &mut s.dot, &mut s.adj, &mut s.adot, &mut s.h);
            }
            let w = scale * e.weight;
            let range = e.hess_start..e.hess_start + e.hess_len;
            for (&q, &at) in t.hess_pos[range.clone()].iter().zip(&t.hess_sel[range]) {
                hv[q] += w * s.h[at as usize];
            }
        }
    }
}

/// Split `weight · root` into the terms of its top-level sums (through `+`, `−`, unary minus,
/// sum lists and multiplication by constants); bare variables become linear terms. Terms share
/// nothing but defined variables, which are not expanded here, so the work is linear in the
/// expression size. `out` is overwritten; `stack` is scratch.
fn split_terms(
    nodes: &Dag,
    root: NodeId,
    weight: f64,
    constant: &mut f64,
    linear: &mut Vec<(usize, f64)>,
    stack: &mut Vec<(NodeId, f64)>,
    out: &mut Vec<(NodeId, f64)>,
) {
    out.clear();
    stack.clear();
    stack.push((root, weight));
    while let Some((id, w)) = stack.pop() {
        match &nodes.get(id) {
            Node::Const(c) => *constant += w * c,
            Node::Var(j) => linear.push((*j, w)),
            Node::Binary(BinOp::Plus, a, b) => stack.extend([(*a, w), (*b, w)]),
            Node::Binary(BinOp::Minus, a, b) => stack.extend([(*a, w), (*b, -w)]),
            Node::Unary(UnOp::Neg, a) => stack.push((*a, -w)),
            Node::Nary(NaryOp::Sum, list) => stack.extend(list.iter().map(|&c| (c as NodeId, w))),
            Node::Binary(BinOp::Mult, a, b) => match (&nodes.get(*a), &nodes.get(*b)) {
                (Node::Const(c), _) => stack.push((*b, w * c)),
                (_, Node::Const(c)) => stack.push((*a, w * c)),
                _ => out.push((id, w)),
            },
            _ => out.push((id, w)),
        }
    }
}

/// The distinct values of `uses` in increasing order (as sorting and deduplicating them would
/// give). `seen` (false everywhere, longer than every value) marks the values met and is left
/// false everywhere. A function of a large model lists hundreds of thousands of variable uses
/// (obstacle at n = 1e5: 600,000 in the objective), whose sort was a few percent of the set-up;
/// marks find the distinct ones in one pass, and when they are many their order comes from a
/// scan of the marks.
fn sorted_distinct(uses: impl Iterator<Item = usize>, seen: &mut [bool]) -> Vec<usize> {
    let mut out = Vec::new();
    for j in uses {
        if !seen[j] {
            seen[j] = true;
            out.push(j);
        }
    }
    // A scan of the marks costs about what sorting `n / 8` values does.
    if out.len().saturating_mul(8) >= seen.len() {
        out.clear();
        for (j, s) in seen.iter_mut().enumerate() {
            if *s {
                out.push(j);
                *s = false;
            }
        }
    } else {
        out.sort_unstable();
        out.iter().for_each(|&j| seen[j] = false);
    }
    out
}

/// An AMPL `.nl` model, ready for the interior-point method.
#[derive(Debug, Clone)]
pub struct NlProblem {
    name: String,
    header: NlHeader,
    var_lb: Vec<f64>,
    var_ub: Vec<f64>,
    con_lb: Vec<f64>,
    con_ub: Vec<f64>,
    x0: Vec<f64>,
    y0: Vec<Option<f64>>,
    maximize: bool,
    tapes: Tapes,
    objective: Function,
    constraints: Vec<Function>,
    /// Start of each constraint's entries in the Jacobian triplet list.
    jac_offset: Vec<usize>,
    jac: CscMatrix,
    jac_map: Vec<usize>,
    /// Hessian pattern; element entries point directly into its values.
    hess: CscMatrix,
    max_tape: usize,
    max_slots: usize,
    /// Largest vector-mode Hessian scratch of any nonlinear element within
    /// [`VECTOR_HESSIAN_LIMIT`].
    max_vector_hessian: usize,
    /// Whether the exact Hessian was set up (element Hessians within [`HESSIAN_ENTRY_LIMIT`]).
    exact_hessian: bool,
    /// Σ p(p+1)/2 over the nonlinear elements.
    hessian_entries: usize,
    suffixes: Vec<Suffix>,
    var_names: Option<Vec<String>>,
    con_names: Option<Vec<String>>,
    /// The expression DAG as parsed (for rendering rows as algebra; evaluation uses the tapes).
    source: std::sync::Arc<render::Source>,
    /// Number of elements (objective and constraints).
    num_elements: usize,
    /// The objective's and the constraints' elements, batched by tape shape.
    obj_batch: Batch,
    con_batch: Batch,
    /// The functions as flat arrays, for summing the batched sweeps' element results.
    flat: Flat,
    /// Whether evaluations use the batched sweeps and [`Flat`] (always, outside tests).
    batched: bool,
    /// For an objective whose nonlinear elements are all quadratic (exact Hessian only): the
    /// gradient as `∇f(0) + H x` instead of sweeps over the elements.
    quad_grad: Option<QuadraticGradient>,
    pool: WorkPool,
    /// Value vectors of returned Jacobians and Hessians, recycled.
    values: ValuePool,
}

/// Buffers of one evaluation: batch scratch, per-element results, the per-element tapes' scratch.
#[derive(Default)]
struct Work {
    batch: BatchWork,
    scratch: Scratch,
    /// Scratch with the element-Hessian buffers, made on the first Hessian.
    scratch_h: Option<Scratch>,
    /// Per-element values, weighted local gradients (at `grad_start`) and local Hessians (at
    /// `hess_start`).
    ev: Vec<f64>,
    eg: Vec<f64>,
    eh: Vec<f64>,
    /// Sparse objective gradient / Jacobian triplet values of the per-element path.
    sparse: Vec<f64>,
}

/// Evaluation buffers kept between calls (one per concurrent caller).
#[derive(Default)]
struct WorkPool(std::sync::Mutex<Vec<Work>>);

impl Clone for WorkPool {
    fn clone(&self) -> Self {
        WorkPool::default()
    }
}

impl std::fmt::Debug for WorkPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WorkPool")
    }
}

impl NlProblem {
    /// Read `path` (a text `.nl` file) and, if present, the `.col`/`.row` name files with the
    /// same stem. The problem name is the file stem.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, NlError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| NlError::Io { path: path.to_path_buf(), source })?;
        let model = parser::parse_bytes(&bytes)?;
        // The file's bytes are not needed past parsing; freed now they are not part of the
        // set-up's peak.
        drop(bytes);
        let mut p = Self::from_model(model)?;
        if let Some(stem) = path.file_stem() {
            p.name = stem.to_string_lossy().into_owned();
        }
        let names = |ext: &str, count: usize| -> Result<Option<Vec<String>>, NlError> {
            let f = path.with_extension(ext);
            if !f.exists() {
                return Ok(None);
            }
            let text = std::fs::read_to_string(&f).map_err(|source| NlError::Io { path: f.clone(), source })?;
            let names: Vec<String> = text.lines().take(count).map(|l| l.trim_end_matches('\r').to_string()).collect();
            Ok((names.len() == count).then_some(names))
        };
        p.var_names = names("col", p.header.n_var)?;
        // `.row` lists constraints first, then objectives.
        p.con_names = names("row", p.header.n_con)?;
        Ok(p)
    }

    /// Parse `.nl` bytes in either format: text (`g` header) or binary (`b` header).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, NlError> {
        Self::from_model(parser::parse_bytes(bytes)?)
    }

    /// Parse the text of an `.nl` file.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str) -> Result<Self, NlError> {
        Self::from_model(parser::parse(text)?)
    }

    fn from_model(model: NlModel) -> Result<Self, NlError> {
        Self::from_model_with_limit(model, HESSIAN_ENTRY_LIMIT)
    }

    /// [`Self::from_model`] with the element-Hessian budget as a parameter (tests use a small one).
    pub(crate) fn from_model_with_limit(model: NlModel, hessian_limit: usize) -> Result<Self, NlError> {
        let NlModel { header, nodes, pls, def_roots, con_body, obj_body, obj_max, con_linear, obj_linear, .. } = &model;
        let arena = Arena { nodes, def_roots };
        // Tapes usually hold about one instruction per node (more when defined variables are
        // shared by several elements, fewer when top-level sums are split off).
        let mut tapes = Tapes { store: TapeStore::with_capacity(nodes.len()), pls: pls.clone(), ..Tapes::default() };
        let n = header.n_var;
        let maximize = obj_max.first().copied().unwrap_or(false);
        let sign = if maximize { -1.0 } else { 1.0 };

        // Entries of all element Hessians (Σ p(p+1)/2 over nonlinear elements).
        let mut hess_needed = 0usize;
        let mut ws = TapeWorkspace::new(def_roots.len(), n);
        let mut max_tape = 0;
        let mut max_slots = 0;
        let mut max_vector_hessian = 0;
        let mut next_id = 0usize;
        // Per-function buffers, reused: one set for the model rather than one per constraint.
        let (mut stack, mut terms, mut ranges) = (Vec::new(), Vec::new(), Vec::new());
        let mut var_pos = vec![0usize; n];
        let mut var_seen = vec![false; n];
        let mut build = |body: NodeId, linear: &[(usize, f64)], scale: f64| -> Result<Function, NlError> {
            let mut constant = 0.0;
            let mut linear: Vec<(usize, f64)> = linear.iter().map(|&(j, c)| (j, scale * c)).collect();
            split_terms(nodes, body, scale, &mut constant, &mut linear, &mut stack, &mut terms);
            let var_mark = tapes.store.num_vars();
            ranges.clear();
            ranges.reserve(terms.len());
            for &(id, w) in &terms {
                let range = arena.build_tape(id, &mut ws, &mut tapes.store).map_err(|e| NlError::TooLarge {
                    what: format!("an element's tape has more than {} {}", u32::MAX, e.what),
                })?;
                ranges.push((range, w));
            }
            let tape_vars = tapes.store.vars_from(var_mark);
            let vars = sorted_distinct(linear.iter().map(|&(j, _)| j).chain(tape_vars.iter().copied()), &mut var_seen);
            tapes.grad_pos.reserve(tape_vars.len());
            // Position of each of the function's variables in `vars`, by a dense lookup: the
            // objective of a large model lists hundreds of thousands of variable uses, which
            // binary searches made a noticeable part of the set-up. Only entries just written
            // are read.
            for (q, &j) in vars.iter().enumerate() {
                var_pos[j] = q;
            }
            let pos = |j: usize| var_pos[j];
            let linear = linear.iter().map(|&(j, c)| (pos(j), c)).collect();
            let elements = ranges
                .drain(..)
                .map(|(range, weight)| {
                    max_tape = max_tape.max(range.len());
                    max_slots = max_slots.max(range.num_vars());
                    let tape_vars = tapes.store.tape(&range, &[]).vars;
                    let grad_start = tapes.grad_pos.len();
                    tapes.grad_pos.extend(tape_vars.iter().map(|&j| pos(j)));
                    if range.nonlinear {
                        let p = tape_vars.len();
                        hess_needed = hess_needed.saturating_add(p * (p + 1) / 2);
                        let vector = range.len().saturating_mul(p);
                        if vector <= VECTOR_HESSIAN_LIMIT {
                            max_vector_hessian = max_vector_hessian.max(vector);
                        }
                    }
                    // Hessian positions are assigned below, once the total size is known.
                    next_id += 1;
                    Element { id: next_id - 1, range, weight, grad_start, hess_start: 0, hess_len: 0 }
                })
                .collect();
            Ok(Function { constant, linear, elements, vars })
        };
        let mut objective = match obj_body.first() {
            Some(&body) => build(body, &obj_linear[0], sign)?,
            None => Function::default(),
        };
        let mut constraints: Vec<Function> = con_body.iter().zip(con_linear).map(|(&b, l)| build(b, l, 1.0)).collect::<Result<_, _>>()?;
        tapes.store.shrink_to_fit();

        // Every element pair becomes a Hessian entry; duplicates share a slot of the CSC
        // pattern, whose scatter map then sends each element entry straight to its slot.
        // Elements are dense in their own variables, so elements sharing a large defined
        // variable cost Σ p(p+1)/2 — cubic in the file size for m constraints that all use one
        // defined variable over m variables (a 30 kB file asked for 2.6·10⁸ entries). Past
        // `hessian_limit` the exact Hessian is dropped and the solver approximates it (L-BFGS).
        let exact_hessian = hess_needed <= hessian_limit;
        if exact_hessian {
            // At most every pair is kept: sized once (only the entries written are touched) and
            // trimmed below.
            tapes.hess_sel.reserve_exact(hess_needed);
            let (mut dep, mut rows) = (Vec::new(), Vec::new());
            for f in std::iter::once(&mut objective).chain(constraints.iter_mut()) {
                for e in &mut f.elements {
                    e.hess_start = tapes.hess_sel.len();
                    if e.range.nonlinear {
                        let tape = tapes.store.tape(&e.range, &[]);
                        let sparse = tape.hessian_sparsity(&mut dep, &mut rows);
                        let p = tape.vars.len();
                        let keep = |&(a, b): &(usize, usize)| !sparse || rows[a] & (1u64 << b) != 0;
                        let pairs = (0..p).flat_map(|a| (0..=a).map(move |b| (a, b)));
                        tapes.hess_sel.extend(pairs.filter(keep).map(|(a, b)| (a * p + b) as u32));
                        e.hess_len = tapes.hess_sel.len() - e.hess_start;
                    }
                }
            }
            tapes.hess_sel.shrink_to_fit();
        }
        // The patterns straight from the coordinates (no triplet arrays, whose values would
        // all be zero): entry `k` of the listing lands in slot `map[k]`.
        let hess_entries = || {
            std::iter::once(&objective).chain(&constraints).flat_map(|f| &f.elements).flat_map(|e| {
                let vars = tapes.store.tape(&e.range, &[]).vars;
                let p = vars.len();
                tapes.hess_sel[e.hess_start..e.hess_start + e.hess_len].iter().map(move |&k| {
                    let (va, vb) = (vars[k as usize / p], vars[k as usize % p]);
                    (va.max(vb), va.min(vb))
                })
            })
        };
        let (hess, hess_map) = CscMatrix::pattern_with_map(n, n, tapes.hess_sel.len(), hess_entries, CscStorage::SymmetricLower);
        tapes.hess_pos = hess_map;

        let mut jac_offset = Vec::with_capacity(constraints.len());
        let mut jac_nnz = 0;
        for c in &constraints {
            jac_offset.push(jac_nnz);
            jac_nnz += c.vars.len();
        }
        let jac_entries = || constraints.iter().enumerate().flat_map(|(i, c)| c.vars.iter().map(move |&j| (i, j)));
        let (jac, jac_map) = CscMatrix::pattern_with_map(header.n_con, n, jac_nnz, jac_entries, CscStorage::General);
        let num_elements = objective.elements.len() + constraints.iter().map(|c| c.elements.len()).sum::<usize>();
        let mut obj_batch = Batch::build(objective.elements.iter(), &tapes);
        let mut con_batch = Batch::build(constraints.iter().flat_map(|c| c.elements.iter()), &tapes);
        if exact_hessian {
            obj_batch.fix_quadratic(n);
            con_batch.fix_quadratic(n);
        }
        let flat = Flat::build(&objective, &constraints, &tapes, n, jac.nnz(), &jac_offset, &jac_map);

        // Starting point: the file's values; unspecified entries 0 clipped into the bounds.
        let x0 = model
            .x0
            .iter()
            .enumerate()
            .map(|(j, v)| v.unwrap_or_else(|| 0.0f64.max(model.var_lb[j]).min(model.var_ub[j])))
            .collect();
        let mut problem = NlProblem {
            name: "nl".to_string(),
            header: header.clone(),
            var_lb: model.var_lb.clone(),
            var_ub: model.var_ub.clone(),
            con_lb: model.con_lb.clone(),
            con_ub: model.con_ub.clone(),
            x0,
            y0: model.y0.clone(),
            maximize,
            tapes,
            objective,
            constraints,
            jac_offset,
            jac,
            jac_map,
            hess,
            max_tape,
            max_slots,
            max_vector_hessian,
            exact_hessian,
            hessian_entries: hess_needed,
            suffixes: model.suffixes.clone(),
            var_names: None,
            con_names: None,
            source: std::sync::Arc::new(render::Source {
                nodes: model.nodes,
                def_roots: model.def_roots,
                con_body: model.con_body,
                con_linear: model.con_linear,
            }),
            num_elements,
            obj_batch,
            con_batch,
            flat,
            batched: true,
            quad_grad: None,
            pool: WorkPool::default(),
            values: ValuePool::default(),
        };
        problem.quad_grad = problem.quadratic_gradient();
        Ok(problem)
    }

    /// The objective gradient as one product with its constant Hessian, when the objective is
    /// quadratic ([`Batch::is_quadratic`]): `∇f(0)` by the sweeps and `H` by the element
    /// Hessians, both at x = 0, where the quadratic groups' entries are those of every x.
    fn quadratic_gradient(&self) -> Option<QuadraticGradient> {
        if !(self.exact_hessian && self.batched && self.obj_batch.is_quadratic()) {
            return None;
        }
        let n = self.header.n_var;
        let zero = vec![0.0; n];
        let mut g0 = vec![0.0; n];
        self.gradient(&zero, &mut g0).ok()?;
        let mut hv = vec![0.0; self.hess.nnz()];
        self.with_work(|w| {
            let s = w.scratch_h.get_or_insert_with(|| self.scratch(true));
            w.eh.resize(self.tapes.hess_pos.len(), 0.0);
            self.obj_batch.hessians(&self.tapes, &zero, &mut w.batch, s, &mut w.eh);
            self.flat.add_hessian(0, &self.tapes, &w.eh, 1.0, &mut hv);
        });
        if !hv.iter().all(|v| v.is_finite()) {
            return None;
        }
        QuadraticGradient::new(g0, &self.hess.col_ptr, &self.hess.row_idx, &hv)
    }

    /// Turn the quadratic objective gradient off (tests compare the sweeps bit for bit).
    #[cfg(test)]
    pub(crate) fn set_quadratic_gradient(&mut self, on: bool) {
        self.quad_grad = None;
        if on {
            self.quad_grad = self.quadratic_gradient();
        }
    }

    /// Switch between the batched sweeps (default) and the per-element tapes; tests compare them.
    #[cfg(test)]
    pub(crate) fn set_batched(&mut self, on: bool) {
        self.batched = on;
    }

    /// Run `f` with pooled evaluation buffers: sized on first use, reused by later calls, so an
    /// evaluation allocates only the matrix values it returns.
    fn with_work<R>(&self, f: impl FnOnce(&mut Work) -> R) -> R {
        let pooled = self.pool.0.lock().ok().and_then(|mut v| v.pop());
        let mut w = pooled.unwrap_or_else(|| Work { scratch: self.scratch(false), ..Work::default() });
        let r = f(&mut w);
        if let Ok(mut v) = self.pool.0.lock() {
            v.push(w);
        }
        r
    }

    /// Sweep buffers; the dense element-Hessian buffer only when `hessian` is true.
    fn scratch(&self, hessian: bool) -> Scratch {
        let t = self.max_tape.max(1);
        Scratch {
            val: vec![0.0; t],
            dot: vec![0.0; t],
            adj: vec![0.0; t],
            adot: vec![0.0; t],
            h: if hessian { vec![0.0; self.max_slots * self.max_slots] } else { Vec::new() },
            grad: vec![0.0; self.max_slots],
            loc: vec![Local::default(); t],
            vdot: if hessian { vec![0.0; self.max_vector_hessian] } else { Vec::new() },
            vadot: if hessian { vec![0.0; self.max_vector_hessian] } else { Vec::new() },
        }
    }

    /// Whether the exact Hessian of the Lagrangian is available. It is not when the element
    /// Hessians would need more than [`HESSIAN_ENTRY_LIMIT`] entries (see
    /// [`NlProblem::hessian_entries`]); the solver then approximates the Hessian (L-BFGS).
    pub fn exact_hessian(&self) -> bool {
        self.exact_hessian
    }

    /// Entries of all element Hessians, Σ p(p+1)/2 over nonlinear elements touching p variables
    /// (each defined variable counted inside every element that uses it).
    pub fn hessian_entries(&self) -> usize {
        self.hessian_entries
    }

    /// The header counts (integer variables are relaxed to continuous by this NLP reader; check
    /// `nbv`/`niv` to warn about it).
    pub fn header(&self) -> &NlHeader {
        &self.header
    }

    /// Whether the file asks to maximize objective 0 (the problem then minimizes `−f`).
    pub fn is_maximize(&self) -> bool {
        self.maximize
    }

    /// The objective in the model's own sense from the internal (minimized) value.
    pub fn user_objective(&self, internal: f64) -> f64 {
        if self.maximize { -internal } else { internal }
    }

    /// Convert IPM multipliers `λ` (Lagrangian `f + λᵀc` of the *minimized* problem) to AMPL duals.
    ///
    /// AMPL's dual of a constraint is the sensitivity of the optimal objective to its bound, i.e.
    /// the multiplier of the Lagrangian `f − yᵀc` in the model's own sense: `y = −λ` when
    /// minimizing and `y = λ` when maximizing (the IPM minimized `−f`).
    pub fn ampl_duals(&self, lambda: &[f64]) -> Vec<f64> {
        let s = if self.maximize { 1.0 } else { -1.0 };
        lambda.iter().map(|l| s * l).collect()
    }

    /// Initial dual values from the `d` segment (`None` where not given).
    pub fn initial_duals(&self) -> &[Option<f64>] {
        &self.y0
    }

    /// The `d` segment converted to IPM multipliers `λ` (inverse of [`ampl_duals`](Self::ampl_duals);
    /// entries not given are 0), or `None` when the file has no dual guess.
    pub fn initial_multipliers(&self) -> Option<Vec<f64>> {
        if self.y0.iter().all(Option::is_none) {
            return None;
        }
        let s = if self.maximize { 1.0 } else { -1.0 };
        Some(self.y0.iter().map(|y| s * y.unwrap_or(0.0)).collect())
    }

    /// All suffixes read from `S` segments.
    pub fn suffixes(&self) -> &[Suffix] {
        &self.suffixes
    }

    /// Number of nonzeros in the (fixed) Jacobian pattern.
    pub fn jacobian_nnz(&self) -> usize {
        self.jac.nnz()
    }

    /// Number of nonzeros in the (fixed) lower-triangular Hessian pattern.
    pub fn hessian_nnz(&self) -> usize {
        self.hess.nnz()
    }

    fn check(what: &'static str, v: f64) -> Result<f64, EvalError> {
        if v.is_finite() { Ok(v) } else { Err(EvalError::NonFinite { what }) }
    }

    fn check_len(what: &'static str, expected: usize, got: usize) -> Result<(), EvalError> {
        if expected == got { Ok(()) } else { Err(EvalError::WrongLength { what, expected, got }) }
    }
}

impl Problem for NlProblem {
    fn num_variables(&self) -> usize {
        self.header.n_var
    }

    fn num_constraints(&self) -> usize {
        self.header.n_con
    }

    fn variable_bounds(&self, lower: &mut [f64], upper: &mut [f64]) {
        lower.copy_from_slice(&self.var_lb);
        upper.copy_from_slice(&self.var_ub);
    }

    fn constraint_bounds(&self, lower: &mut [f64], upper: &mut [f64]) {
        lower.copy_from_slice(&self.con_lb);
        upper.copy_from_slice(&self.con_ub);
    }

    fn initial_point(&self, x0: &mut [f64]) {
        x0.copy_from_slice(&self.x0);
    }

    fn objective(&self, x: &[f64]) -> Result<f64, EvalError> {
        Self::check_len("objective input x", self.header.n_var, x.len())?;
        if !self.batched {
            return Self::check("objective", self.objective.value(&self.tapes, x, &mut self.scratch(false)));
        }
        let f = self.with_work(|w| {
            w.ev.resize(self.num_elements, 0.0);
            self.obj_batch.values(&self.tapes, x, &mut w.batch, &mut w.scratch, &mut w.ev);
            self.flat.value(0, x, &w.ev)
        });
        Self::check("objective", f)
    }

    fn gradient(&self, x: &[f64], grad: &mut [f64]) -> Result<(), EvalError> {
        Self::check_len("gradient input x", self.header.n_var, x.len())?;
        Self::check_len("gradient output", self.header.n_var, grad.len())?;
        let f = &self.objective;
        match &self.quad_grad {
            Some(q) => q.gradient(x, grad),
            None => self.with_work(|w| {
                if self.batched {
                    w.eg.resize(self.tapes.grad_pos.len(), 0.0);
                    self.obj_batch.gradients(&self.tapes, x, &mut w.batch, &mut w.scratch, &mut w.eg);
                    self.flat.gradient(&w.eg, grad);
                } else {
                    w.sparse.resize(f.vars.len(), 0.0);
                    f.gradient(&self.tapes, x, &mut w.scratch, &mut w.sparse);
                    grad.iter_mut().for_each(|g| *g = 0.0);
                    for (&j, &v) in f.vars.iter().zip(&w.sparse) {
                        grad[j] = v;
                    }
                }
            }),
        }
        match grad.iter().all(|v| v.is_finite()) {
            true => Ok(()),
            false => Err(EvalError::NonFinite { what: "gradient" }),
        }
    }

    fn constraints(&self, x: &[f64], c: &mut [f64]) -> Result<(), EvalError> {
        Self::check_len("constraints input x", self.header.n_var, x.len())?;
        Self::check_len("constraints output", self.header.n_con, c.len())?;
        self.with_work(|w| {
            if self.batched {
                w.ev.resize(self.num_elements, 0.0);
                self.con_batch.values(&self.tapes, x, &mut w.batch, &mut w.scratch, &mut w.ev);
                for (i, ci) in c.iter_mut().enumerate() {
                    *ci = Self::check("constraints", self.flat.value(1 + i, x, &w.ev))?;
                }
            } else {
                for (ci, f) in c.iter_mut().zip(&self.constraints) {
                    *ci = Self::check("constraints", f.value(&self.tapes, x, &mut w.scratch))?;
                }
            }
            Ok(())
        })
    }

    fn jacobian(&self, x: &[f64]) -> Result<Box<dyn LinearOperator + '_>, EvalError> {
        Self::check_len("Jacobian input x", self.header.n_var, x.len())?;
        let mut values = self.values.take();
        self.with_work(|w| {
            if self.batched {
                w.eg.resize(self.tapes.grad_pos.len(), 0.0);
                self.con_batch.gradients(&self.tapes, x, &mut w.batch, &mut w.scratch, &mut w.eg);
                self.flat.jacobian(&w.eg, &mut values);
                return;
            }
            let vals = &mut w.sparse;
            vals.resize(self.jac_map.len(), 0.0);
            for (f, &off) in self.constraints.iter().zip(&self.jac_offset) {
                f.gradient(&self.tapes, x, &mut w.scratch, &mut vals[off..off + f.vars.len()]);
            }
            // As `CscMatrix::refill`: zeros, then every triplet added to its slot.
            values.clear();
            values.resize(self.jac.nnz(), 0.0);
            for (&p, &v) in self.jac_map.iter().zip(vals.iter()) {
                values[p] += v;
            }
        });
        let m = PatternMatrix::new(&self.jac, values, &self.values);
        match m.values_finite() {
            true => Ok(Box::new(m)),
            false => Err(EvalError::NonFinite { what: "Jacobian" }),
        }
    }

    fn has_hessian(&self) -> bool {
        self.exact_hessian
    }

    fn hessian(&self, x: &[f64], obj_factor: f64, lambda: &[f64]) -> Result<Option<Box<dyn LinearOperator + '_>>, EvalError> {
        Self::check_len("Hessian input x", self.header.n_var, x.len())?;
        Self::check_len("Hessian multipliers", self.header.n_con, lambda.len())?;
        if !self.exact_hessian {
            return Ok(None);
        }
        let mut hv = self.values.take();
        hv.clear();
        hv.resize(self.hess.nnz(), 0.0);
        self.with_work(|w| {
            let s = w.scratch_h.get_or_insert_with(|| self.scratch(true));
            if !self.batched {
                if obj_factor != 0.0 {
                    self.objective.add_hessian(&self.tapes, x, obj_factor, s, &mut hv);
                }
                for (f, &l) in self.constraints.iter().zip(lambda) {
                    if l != 0.0 {
                        f.add_hessian(&self.tapes, x, l, s, &mut hv);
                    }
                }
                return;
            }
            w.eh.resize(self.tapes.hess_pos.len(), 0.0);
            if obj_factor != 0.0 {
                self.obj_batch.hessians(&self.tapes, x, &mut w.batch, s, &mut w.eh);
                self.flat.add_hessian(0, &self.tapes, &w.eh, obj_factor, &mut hv);
            }
            if lambda.iter().any(|&l| l != 0.0) {
                self.con_batch.hessians(&self.tapes, x, &mut w.batch, s, &mut w.eh);
                for (i, &l) in lambda.iter().enumerate() {
                    if l != 0.0 {
                        self.flat.add_hessian(1 + i, &self.tapes, &w.eh, l, &mut hv);
                    }
                }
            }
        });
        let m = PatternMatrix::new(&self.hess, hv, &self.values);
        match m.values_finite() {
            true => Ok(Some(Box::new(m))),
            false => Err(EvalError::NonFinite { what: "Hessian" }),
        }
    }

    /// User scaling from `scaling_factor` suffixes (Pyomo's and AMPL's convention), if any.
    fn scaling(&self) -> Option<ProblemScaling> {
        let sf: Vec<&Suffix> = self.suffixes.iter().filter(|s| s.name == "scaling_factor").collect();
        if sf.is_empty() {
            return None;
        }
        let mut sc = ProblemScaling { objective: 1.0, variables: None, constraints: None };
        for s in sf {
            match s.target {
                SuffixTarget::Objective => {
                    if let Some(&(_, v)) = s.values.iter().find(|(i, _)| *i == 0) {
                        sc.objective = v;
                    }
                }
                SuffixTarget::Variable => {
                    let mut v = vec![1.0; self.header.n_var];
                    s.values.iter().for_each(|&(i, x)| v[i] = x);
                    sc.variables = Some(v);
                }
                SuffixTarget::Constraint => {
                    let mut v = vec![1.0; self.header.n_con];
                    s.values.iter().for_each(|&(i, x)| v[i] = x);
                    sc.constraints = Some(v);
                }
                SuffixTarget::Problem => {}
            }
        }
        Some(sc)
    }

    fn variable_names(&self) -> Option<Vec<String>> {
        self.var_names.clone()
    }

    fn constraint_names(&self) -> Option<Vec<String>> {
        self.con_names.clone()
    }

    fn constraint_algebra(&self, i: usize) -> Option<String> {
        self.render_row(i)
    }

    fn name(&self) -> String {
        self.name.clone()
    }
}
