//! Evaluation tapes: one expression (an *element*) linearized in topological order, with
//! reverse-mode gradients and forward-over-reverse Hessians.
//!
//! Reverse mode (Griewank & Walther, *Evaluating Derivatives*, 2nd ed., §3.2) gives the gradient of
//! an element in one backward sweep. Second order uses forward-over-reverse (ibid. §5.2): a
//! tangent `ẋ = e_j` is pushed forward, then the adjoint sweep is differentiated along it, which
//! yields column `j` of the element Hessian. An element's Hessian is treated as dense in the
//! element's own variables, which is cheap because objectives and constraints are first split
//! into the terms of their top-level sums (partial separability).

use super::expr::{BinOp, Dag, NaryOp, Node, NodeId, PiecewiseLinear, UnKind, UnOp, binary, is_piecewise_constant_bin, unary};

/// One tape instruction as stored: operands are indices of earlier instructions of the same tape.
///
/// 16 bytes, half of what `usize` operands and an inline [`UnOp`] (whose `PowC`/`CPow` carry an
/// `f64`) would take: tapes hold one instruction per expression node, so on models with millions
/// of nodes this is the largest array of the set-up and its first-touch page faults a large part
/// of its time. Operands are tape-local (`u32`; [`Arena::build_tape`] reports a tape that would
/// not fit), and a unary instruction keeps its operator as a [`UnKind`] plus the constant. The
/// sweeps read instructions through [`Instr::step`], which widens them back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Instr {
    Const(f64),
    /// Variable in local slot `s` (see [`Tape::vars`]).
    Var(u32),
    /// Unary operator applied to an operand; the `f64` is the constant of `PowC`/`CPow` (0 for
    /// the other operators).
    Unary(UnKind, u32, f64),
    Binary(BinOp, u32, u32),
    /// List operator over `args[start..start + len]` of the tape.
    Nary(NaryOp, u32, u32),
    If(u32, u32, u32),
    /// Piecewise-linear term `pls[p]` (model table) applied to an operand.
    Pl(u32, u32),
}

const _: () = assert!(std::mem::size_of::<Instr>() == 16);

/// An instruction as the sweeps read it ([`Instr::step`]): `usize` operands and the full
/// [`UnOp`]. Only ever a temporary; the widening compiles to register moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Step {
    Const(f64),
    Var(usize),
    Unary(UnOp, usize),
    Binary(BinOp, usize, usize),
    Nary(NaryOp, usize, usize),
    If(usize, usize, usize),
    Pl(usize, usize),
}

impl Instr {
    /// The instruction with `usize` operands and its [`UnOp`].
    #[inline(always)]
    pub fn step(self) -> Step {
        match self {
            Instr::Const(c) => Step::Const(c),
            Instr::Var(s) => Step::Var(s as usize),
            Instr::Unary(k, a, c) => Step::Unary(k.with(c), a as usize),
            Instr::Binary(op, a, b) => Step::Binary(op, a as usize, b as usize),
            Instr::Nary(op, start, len) => Step::Nary(op, start as usize, len as usize),
            Instr::If(c, a, b) => Step::If(c as usize, a as usize, b as usize),
            Instr::Pl(p, a) => Step::Pl(p as usize, a as usize),
        }
    }
}

/// The tapes of many elements stored back to back (one allocation per array rather than several
/// per element, which matters for models with millions of small terms).
#[derive(Debug, Clone, Default)]
pub(crate) struct TapeStore {
    instrs: Vec<Instr>,
    /// Operand lists of the list instructions, each tape's after the previous tape's.
    args: Vec<u32>,
    vars: Vec<usize>,
}

/// Where one element's tape lives in a [`TapeStore`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct TapeRange {
    instr_start: usize,
    arg_start: usize,
    var_start: usize,
    instr_len: u32,
    arg_len: u32,
    var_len: u32,
    /// Whether the expression may have a nonzero Hessian.
    pub nonlinear: bool,
}

impl TapeRange {
    /// Number of instructions (scratch length for the sweeps).
    pub fn len(&self) -> usize {
        self.instr_len as usize
    }
    /// Number of distinct variables (local slots).
    pub fn num_vars(&self) -> usize {
        self.var_len as usize
    }
}

impl TapeStore {
    /// A store with room for `instrs` instructions. The instruction array is by far the largest
    /// (one entry per expression node): sized once, it is written once, without the copies and
    /// the doubled peak of growing it.
    pub fn with_capacity(instrs: usize) -> Self {
        TapeStore { instrs: Vec::with_capacity(instrs), ..TapeStore::default() }
    }
    /// Release the capacity left unused after the last tape.
    pub fn shrink_to_fit(&mut self) {
        self.instrs.shrink_to_fit();
        self.args.shrink_to_fit();
        self.vars.shrink_to_fit();
    }
    /// Number of variable slots stored so far (a mark for [`vars_from`](Self::vars_from)).
    pub fn num_vars(&self) -> usize {
        self.vars.len()
    }
    /// Variable slots of all tapes appended since `mark`.
    pub fn vars_from(&self, mark: usize) -> &[usize] {
        &self.vars[mark..]
    }
    /// The tape of one element; `pls` is the model's piecewise-linear table.
    pub fn tape<'a>(&'a self, r: &TapeRange, pls: &'a [PiecewiseLinear]) -> Tape<'a> {
        Tape {
            instrs: &self.instrs[r.instr_start..r.instr_start + r.len()],
            args: &self.args[r.arg_start..r.arg_start + r.arg_len as usize],
            pls,
            vars: &self.vars[r.var_start..r.var_start + r.num_vars()],
        }
    }
}

/// A linearized expression: instructions in topological order, operands as indices of earlier
/// instructions of the same tape.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tape<'a> {
    pub(crate) instrs: &'a [Instr],
    /// Operand lists of [`Instr::Nary`] (instruction indices of this tape).
    pub(crate) args: &'a [u32],
    /// Piecewise-linear table of the model (absolute indices).
    pub(crate) pls: &'a [PiecewiseLinear],
    /// Global variable index of each local slot.
    pub vars: &'a [usize],
}

/// A tape that cannot be indexed with `u32` operands: it has more than `u32::MAX` of `what`
/// (instructions, list operands, piecewise-linear terms of the model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TapeTooLarge {
    pub what: &'static str,
}

/// `i` as a `u32` operand, or which count of the tape does not fit.
#[inline]
pub(crate) fn index(i: usize, what: &'static str) -> Result<u32, TapeTooLarge> {
    u32::try_from(i).map_err(|_| TapeTooLarge { what })
}

/// Product that treats a structural zero as exact: `0 · ∞ = 0`. Without it a NaN partial of an
/// operand that does not move (e.g. `∂/∂w` of `u^w` at `u < 0`) would poison the sweep.
#[inline]
pub(super) fn mul0(a: f64, b: f64) -> f64 {
    if a == 0.0 || b == 0.0 { 0.0 } else { a * b }
}

/// Local partial derivatives of one instruction with respect to its operands `u` (and `w`),
/// computed once in [`Tape::forward_local`] so that the derivative sweeps only multiply and add
/// (the transcendental functions and divisions of an instruction are evaluated once per point,
/// not once per sweep). Unary and piecewise-linear instructions use `fu`, `fuu` only.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Local {
    pub fu: f64,
    pub fw: f64,
    pub fuu: f64,
    pub fuw: f64,
    pub fww: f64,
}

/// A map from dense keys to `u32` values that resets in O(1) (generation stamps), so building
/// many small tapes over one large arena stays linear in the total tape size. Stamp and value of
/// a key sit side by side (one cache line per lookup) in 8 bytes: the map spans every node of
/// the model.
pub(crate) struct StampMap {
    /// `[stamp, value]` per key; a key is present iff its stamp is the current generation.
    entry: Vec<[u32; 2]>,
    generation: u32,
}

impl StampMap {
    pub fn new(size: usize) -> Self {
        StampMap { entry: vec![[0; 2]; size], generation: 0 }
    }
    fn reset(&mut self) {
        if self.generation == u32::MAX {
            // Stamps of old generations would come round again: forget them all.
            self.entry.iter_mut().for_each(|e| e[0] = 0);
            self.generation = 0;
        }
        self.generation += 1;
    }
    #[inline]
    fn get(&self, k: usize) -> Option<u32> {
        let [stamp, val] = self.entry[k];
        (stamp == self.generation).then_some(val)
    }
    #[inline]
    fn insert(&mut self, k: usize, v: u32) {
        self.entry[k] = [self.generation, v];
    }
}

/// Reusable buffers for [`Arena::build_tape`].
pub(crate) struct TapeWorkspace {
    /// Instruction of each defined variable's root in the current tape.
    def_pos: StampMap,
    /// Local slot of each model variable in the current tape.
    slot: StampMap,
    deg: Vec<u8>,
    stack: Vec<(NodeId, bool)>,
    /// Instructions of the operands emitted and not yet taken by their operator (post-order).
    operands: Vec<u32>,
}

impl TapeWorkspace {
    /// Workspace for an arena with `defs` defined variables over `vars` variables.
    pub fn new(defs: usize, vars: usize) -> Self {
        TapeWorkspace { def_pos: StampMap::new(defs), slot: StampMap::new(vars), deg: Vec::new(), stack: Vec::new(), operands: Vec::new() }
    }
}

/// Everything that can own children in the arena, resolved through defined variables.
pub(crate) struct Arena<'a> {
    pub nodes: &'a Dag,
    /// Root node of each defined variable (all defined variables referenced are resolved).
    pub def_roots: &'a [NodeId],
}

impl Arena<'_> {
    /// Linearize the DAG below `root` in post-order (operands left to right before their
    /// operator). Iterative, so deeply nested expressions cannot overflow the stack; the
    /// defined-variable graph is known to be acyclic. The tape is appended to `store`; a tape
    /// too large for `u32` operands is an error (and leaves `store` with a partial tape).
    ///
    /// A defined variable used several times appears once (its first use; later uses refer to
    /// it). Nothing else is looked up: the parser gives every other node a single parent, so a
    /// node is reached once per tape and its operands' instructions are the last ones emitted
    /// (a stack), with no map over all nodes of the model — on models with millions of nodes
    /// that map's memory and random accesses were a large part of building the tapes. (Were a
    /// node shared, it would be emitted once per use: the same values, a longer tape.)
    pub fn build_tape(&self, root: NodeId, ws: &mut TapeWorkspace, store: &mut TapeStore) -> Result<TapeRange, TapeTooLarge> {
        let (instr_start, arg_start, var_start) = (store.instrs.len(), store.args.len(), store.vars.len());
        let tape = store;
        ws.def_pos.reset();
        ws.slot.reset();
        let TapeWorkspace { def_pos, slot, deg, stack, operands } = ws;
        // Degree per instruction: 0 constant, 1 (piecewise) linear, 2 anything else. Only
        // elements of degree 2 get Hessian entries.
        deg.clear();
        stack.clear();
        operands.clear();
        stack.push((root, false));
        while let Some((id, expanded)) = stack.pop() {
            let node = &self.nodes.get(id);
            if !expanded {
                match node {
                    // Leaves are emitted right away (below).
                    Node::Const(_) | Node::Var(_) => {}
                    Node::Def(k) => {
                        if let Some(at) = def_pos.get(*k) {
                            operands.push(at);
                        } else {
                            stack.push((id, true));
                            stack.push((self.def_roots[*k], false));
                        }
                        continue;
                    }
                    Node::Unary(_, a) | Node::Pl(_, a) => {
                        stack.extend([(id, true), (*a, false)]);
                        continue;
                    }
                    Node::Binary(_, a, b) => {
                        stack.extend([(id, true), (*b, false), (*a, false)]);
                        continue;
                    }
                    Node::Nary(_, list) => {
                        stack.push((id, true));
                        stack.extend(list.iter().rev().map(|&c| (c as NodeId, false)));
                        continue;
                    }
                    Node::If(c, a, b) => {
                        stack.extend([(id, true), (*b, false), (*a, false), (*c, false)]);
                        continue;
                    }
                }
            }
            // The operands' instructions, taken off the operand stack (last operand on top).
            let mut take = || operands.pop().unwrap_or(0);
            let (instr, dg) = match node {
                Node::Const(c) => (Instr::Const(*c), 0),
                Node::Var(j) => {
                    let s = match slot.get(*j) {
                        Some(s) => s,
                        None => {
                            let s = index(tape.vars.len() - var_start, "variables")?;
                            slot.insert(*j, s);
                            tape.vars.push(*j);
                            s
                        }
                    };
                    (Instr::Var(s), 1)
                }
                Node::Def(k) => {
                    // An alias of its root's instruction, which is on top of the operand stack.
                    let at = take();
                    def_pos.insert(*k, at);
                    operands.push(at);
                    continue;
                }
                Node::Unary(op, _) => {
                    let a = take();
                    let da = deg[a as usize];
                    let dg = match op {
                        UnOp::Neg => da,
                        UnOp::Floor | UnOp::Ceil | UnOp::Not => 0,
                        UnOp::Abs => da,
                        _ if da == 0 => 0,
                        _ => 2,
                    };
                    let (kind, c) = UnKind::of(*op);
                    (Instr::Unary(kind, a, c), dg)
                }
                Node::Binary(op, ..) => {
                    let (b, a) = (take(), take());
                    let (da, db) = (deg[a as usize], deg[b as usize]);
                    let dg = match op {
                        BinOp::Plus | BinOp::Minus => da.max(db),
                        BinOp::Mult => (da + db).min(2),
                        BinOp::Div if db == 0 => da,
                        BinOp::Less => da.max(db),
                        op if is_piecewise_constant_bin(*op) => 0,
                        _ if da == 0 && db == 0 => 0,
                        _ => 2,
                    };
                    (Instr::Binary(*op, a, b), dg)
                }
                Node::Nary(op, list) => {
                    let start = index(tape.args.len() - arg_start, "list operands")?;
                    let len = index(list.len(), "list operands")?;
                    let first = operands.len().saturating_sub(list.len());
                    let dmax = operands[first..].iter().map(|&c| deg[c as usize]).max().unwrap_or(0);
                    tape.args.extend(operands.drain(first..));
                    let dg = match op {
                        NaryOp::Sum => dmax,
                        NaryOp::Min | NaryOp::Max => dmax,
                        NaryOp::And | NaryOp::Or => 0,
                    };
                    (Instr::Nary(*op, start, len), dg)
                }
                Node::If(..) => {
                    let (b, a, c) = (take(), take(), take());
                    (Instr::If(c, a, b), deg[a as usize].max(deg[b as usize]))
                }
                Node::Pl(k, _) => {
                    let a = take();
                    (Instr::Pl(index(*k, "piecewise-linear terms")?, a), deg[a as usize])
                }
            };
            let at = index(tape.instrs.len() - instr_start, "instructions")?;
            operands.push(at);
            tape.instrs.push(instr);
            deg.push(dg);
        }
        Ok(TapeRange {
            instr_start,
            arg_start,
            var_start,
            instr_len: index(tape.instrs.len() - instr_start, "instructions")?,
            arg_len: index(tape.args.len() - arg_start, "list operands")?,
            var_len: index(tape.vars.len() - var_start, "variables")?,
            nonlinear: deg.last().is_some_and(|&d| d >= 2),
        })
    }
}

impl<'a> Tape<'a> {
    /// The instructions, in topological order.
    pub fn instrs(&self) -> &'a [Instr] {
        self.instrs
    }

    /// Operand lists of list instructions (instruction indices of this tape).
    pub fn args(&self) -> &'a [u32] {
        self.args
    }

    /// Structural lower-triangular Hessian pattern in local slots into `rows`, row `a` as a bit
    /// mask of the columns `b ≤ a`; false (dense, `rows` unspecified) for more than 64 slots.
    /// `dep` is scratch; both buffers are reused across the elements of a model.
    ///
    /// Nonlinear-interaction propagation (A. Walther, "Computing sparse Hessians with automatic
    /// differentiation", ACM TOMS 34(1), 2008, §3): each instruction carries the set of slots it
    /// depends on; an operation adds the products of its operands' sets that its own second
    /// derivatives can couple — `u·w`: dep(u)×dep(w); `u/w`: dep(u)×dep(w) ∪ dep(w)×dep(w); a
    /// nonlinear unary function of `u`: dep(u)×dep(u); any other nonlinear binary operator: the
    /// square of the union — while sums, differences, negation, `|u|`, `max(u−w, 0)`, `fmod`,
    /// piecewise-linear terms, list min/max and conditionals add none (their second derivatives
    /// are zero; the kinks are ignored as in the sweeps). Piecewise-constant operators depend on
    /// nothing. Entries outside the pattern are exact zeros of the sweeps (products with zero
    /// tangents), so leaving them out of the Hessian changes no stored value; it keeps e.g. the
    /// pairs of neighbours `(x_q, x_r)` of Pyomo's `(½ x_k)·(4x_k − Σ x_q)` out of the KKT matrix.
    pub fn hessian_sparsity(&self, dep: &mut Vec<u64>, rows: &mut Vec<u64>) -> bool {
        let p = self.vars.len();
        if p > 64 {
            return false;
        }
        rows.clear();
        rows.resize(p, 0);
        let mut couple = |a: u64, b: u64| {
            for (s, row) in rows.iter_mut().enumerate() {
                let bit = 1u64 << s;
                // Lower triangle: columns ≤ s only.
                let low = if s == 63 { u64::MAX } else { (bit << 1) - 1 };
                if a & bit != 0 {
                    *row |= b & low;
                }
                if b & bit != 0 {
                    *row |= a & low;
                }
            }
        };
        dep.clear();
        dep.resize(self.instrs.len(), 0);
        for (i, ins) in self.instrs.iter().enumerate() {
            dep[i] = match ins.step() {
                Step::Const(_) => 0,
                Step::Var(s) => 1u64 << s,
                Step::Unary(op, a) => match op {
                    UnOp::Floor | UnOp::Ceil | UnOp::Not => 0,
                    UnOp::Neg | UnOp::Abs => dep[a],
                    _ => {
                        couple(dep[a], dep[a]);
                        dep[a]
                    }
                },
                Step::Binary(op, a, b) => match op {
                    BinOp::Plus | BinOp::Minus | BinOp::Less | BinOp::Rem => dep[a] | dep[b],
                    BinOp::Mult => {
                        couple(dep[a], dep[b]);
                        dep[a] | dep[b]
                    }
                    BinOp::Div => {
                        couple(dep[a], dep[b]);
                        couple(dep[b], dep[b]);
                        dep[a] | dep[b]
                    }
                    op if is_piecewise_constant_bin(op) => 0,
                    _ => {
                        let d = dep[a] | dep[b];
                        couple(d, d);
                        d
                    }
                },
                Step::Nary(op, start, len) => match op {
                    NaryOp::Sum | NaryOp::Min | NaryOp::Max => self.args[start..start + len].iter().fold(0, |d, &c| d | dep[c as usize]),
                    NaryOp::And | NaryOp::Or => 0,
                },
                Step::If(_, a, b) => dep[a] | dep[b],
                Step::Pl(_, a) => dep[a],
            };
        }
        true
    }

    fn branch(&self, val: &[f64], c: usize, a: usize, b: usize) -> usize {
        if val[c] != 0.0 { a } else { b }
    }

    /// Index of the operand selected by a min/max list (first one on ties).
    fn selected(&self, val: &[f64], op: NaryOp, start: usize, len: usize) -> usize {
        let list = &self.args[start..start + len];
        let mut best = list[0] as usize;
        for &c in &list[1..] {
            let c = c as usize;
            let better = if op == NaryOp::Min { val[c] < val[best] } else { val[c] > val[best] };
            if better {
                best = c;
            }
        }
        best
    }

    /// Value of a list operator over `args[start..start + len]` (sum, min/max, and/or).
    #[inline]
    fn nary_value(&self, val: &[f64], op: NaryOp, start: usize, len: usize) -> f64 {
        let list = &self.args[start..start + len];
        match op {
            NaryOp::Sum => list.iter().map(|&c| val[c as usize]).sum(),
            NaryOp::Min | NaryOp::Max => val[self.selected(val, op, start, len)],
            NaryOp::And => f64::from(u8::from(list.iter().all(|&c| val[c as usize] != 0.0))),
            NaryOp::Or => f64::from(u8::from(list.iter().any(|&c| val[c as usize] != 0.0))),
        }
    }

    /// Forward sweep: `val[i]` = value of instruction `i`. Returns the expression value.
    pub fn forward(&self, x: &[f64], val: &mut [f64]) -> f64 {
        for (i, ins) in self.instrs.iter().enumerate() {
            val[i] = match ins.step() {
                Step::Const(c) => c,
                Step::Var(s) => x[self.vars[s]],
                Step::Unary(op, a) => unary(op, val[a]).0,
                Step::Binary(op, a, b) => binary(op, val[a], val[b]).f,
                Step::Nary(op, start, len) => self.nary_value(val, op, start, len),
                Step::If(c, a, b) => val[self.branch(val, c, a, b)],
                Step::Pl(p, a) => self.pls[p].value(val[a]),
            };
        }
        match self.instrs.len() {
            0 => 0.0,
            n => val[n - 1],
        }
    }

    /// Forward sweep that also records each instruction's local partials in `loc` (first and
    /// second order), for [`gradient_local`](Self::gradient_local) and
    /// [`hessian_local`](Self::hessian_local). Same values as [`forward`](Self::forward).
    pub fn forward_local(&self, x: &[f64], val: &mut [f64], loc: &mut [Local]) -> f64 {
        for (i, ins) in self.instrs.iter().enumerate() {
            val[i] = match ins.step() {
                Step::Const(c) => c,
                Step::Var(s) => x[self.vars[s]],
                Step::Unary(op, a) => {
                    let (f, d1, d2) = unary(op, val[a]);
                    loc[i] = Local { fu: d1, fw: 0.0, fuu: d2, fuw: 0.0, fww: 0.0 };
                    f
                }
                Step::Binary(op, a, b) => {
                    let d = binary(op, val[a], val[b]);
                    loc[i] = Local { fu: d.fu, fw: d.fw, fuu: d.fuu, fuw: d.fuw, fww: d.fww };
                    d.f
                }
                Step::Nary(op, start, len) => self.nary_value(val, op, start, len),
                Step::If(c, a, b) => val[self.branch(val, c, a, b)],
                Step::Pl(p, a) => {
                    loc[i] = Local { fu: self.pls[p].slope_at(val[a]), ..Local::default() };
                    self.pls[p].value(val[a])
                }
            };
        }
        match self.instrs.len() {
            0 => 0.0,
            n => val[n - 1],
        }
    }

    /// Gradient with respect to the local slots, accumulated as `grad[s] += scale · ∂e/∂x_s`, from a [`forward_local`](Self::forward_local)
    /// sweep: the reverse sweep reuses the recorded partials.
    pub fn gradient_local(&self, val: &[f64], loc: &[Local], adj: &mut [f64], scale: f64, grad: &mut [f64]) {
        let n = self.instrs.len();
        if n == 0 {
            return;
        }
        adj[..n].iter_mut().for_each(|a| *a = 0.0);
        adj[n - 1] = 1.0;
        for i in (0..n).rev() {
            let a = adj[i];
            if a == 0.0 {
                continue;
            }
            match self.instrs[i].step() {
                Step::Const(_) => {}
                Step::Var(s) => grad[s] += scale * a,
                Step::Unary(_, u) | Step::Pl(_, u) => adj[u] += mul0(a, loc[i].fu),
                Step::Binary(_, u, w) => {
                    adj[u] += mul0(a, loc[i].fu);
                    adj[w] += mul0(a, loc[i].fw);
                }
                Step::Nary(op, start, len) => match op {
                    NaryOp::Sum => self.args[start..start + len].iter().for_each(|&c| adj[c as usize] += a),
                    NaryOp::Min | NaryOp::Max => adj[self.selected(val, op, start, len)] += a,
                    NaryOp::And | NaryOp::Or => {}
                },
                Step::If(c, x, y) => adj[self.branch(val, c, x, y)] += a,
            }
        }
    }

    /// Scratch entries [`hessian_local`](Self::hessian_local) needs in each of `dot` and `adot`.
    pub fn hessian_local_len(&self) -> usize {
        self.instrs.len() * self.vars.len()
    }

    /// Dense element Hessian as [`hessian`](Self::hessian), in vector mode: one tangent sweep
    /// carrying all `p` directions `ẋ = e_1 … e_p` at once and one reverse sweep with `p`-wide
    /// adjoint tangents (Griewank & Walther §5.2, vector forward-over-reverse), using the partials
    /// of a [`forward_local`](Self::forward_local) sweep. The same products and sums per entry as
    /// `p` scalar sweeps, with one pass over the instructions instead of `2p`.
    /// `dot`, `adot` hold [`hessian_local_len`](Self::hessian_local_len) entries (row `i` =
    /// instruction `i`); `adj` holds one per instruction; `h` is `p × p` column-major, overwritten.
    pub fn hessian_local(&self, val: &[f64], loc: &[Local], dot: &mut [f64], adj: &mut [f64], adot: &mut [f64], h: &mut [f64]) {
        let p = self.vars.len();
        let n = self.instrs.len();
        h[..p * p].iter_mut().for_each(|v| *v = 0.0);
        if n == 0 || p == 0 {
            return;
        }
        let (dot, adot) = (&mut dot[..n * p], &mut adot[..n * p]);
        for (i, ins) in self.instrs.iter().enumerate() {
            let (before, rest) = dot.split_at_mut(i * p);
            let row = &mut rest[..p];
            match ins.step() {
                Step::Const(_) => row.iter_mut().for_each(|d| *d = 0.0),
                Step::Var(s) => {
                    row.iter_mut().for_each(|d| *d = 0.0);
                    row[s] = 1.0;
                }
                Step::Unary(_, a) | Step::Pl(_, a) => {
                    let fu = loc[i].fu;
                    let da = &before[a * p..a * p + p];
                    row.iter_mut().zip(da).for_each(|(d, &x)| *d = mul0(fu, x));
                }
                Step::Binary(_, a, b) => {
                    let (fu, fw) = (loc[i].fu, loc[i].fw);
                    let (da, db) = (&before[a * p..a * p + p], &before[b * p..b * p + p]);
                    for k in 0..p {
                        row[k] = mul0(fu, da[k]) + mul0(fw, db[k]);
                    }
                }
                Step::Nary(op, start, len) => match op {
                    NaryOp::Sum => {
                        row.iter_mut().for_each(|d| *d = 0.0);
                        for &c in &self.args[start..start + len] {
                            let c = c as usize;
                            let dc = &before[c * p..c * p + p];
                            row.iter_mut().zip(dc).for_each(|(d, &x)| *d += x);
                        }
                    }
                    NaryOp::Min | NaryOp::Max => {
                        let c = self.selected(val, op, start, len);
                        row.copy_from_slice(&before[c * p..c * p + p]);
                    }
                    NaryOp::And | NaryOp::Or => row.iter_mut().for_each(|d| *d = 0.0),
                },
                Step::If(c, x, y) => {
                    let b = self.branch(val, c, x, y);
                    row.copy_from_slice(&before[b * p..b * p + p]);
                }
            }
        }
        adj[..n].iter_mut().for_each(|a| *a = 0.0);
        adot.iter_mut().for_each(|a| *a = 0.0);
        adj[n - 1] = 1.0;
        for i in (0..n).rev() {
            let a = adj[i];
            let (before, rest) = adot.split_at_mut(i * p);
            let ad = &rest[..p];
            if a == 0.0 && ad.iter().all(|&v| v == 0.0) {
                continue;
            }
            match self.instrs[i].step() {
                Step::Const(_) => {}
                Step::Var(s) => {
                    for k in 0..p {
                        h[k * p + s] += ad[k];
                    }
                }
                Step::Unary(_, u) => {
                    let Local { fu, fuu, .. } = loc[i];
                    adj[u] += mul0(a, fu);
                    let du = &dot[u * p..u * p + p];
                    let au = &mut before[u * p..u * p + p];
                    for k in 0..p {
                        au[k] += mul0(ad[k], fu) + mul0(a, mul0(fuu, du[k]));
                    }
                }
                Step::Pl(_, u) => {
                    let fu = loc[i].fu;
                    adj[u] += mul0(a, fu);
                    let au = &mut before[u * p..u * p + p];
                    for k in 0..p {
                        au[k] += mul0(ad[k], fu);
                    }
                }
                Step::Binary(_, u, w) => {
                    let Local { fu, fw, fuu, fuw, fww } = loc[i];
                    adj[u] += mul0(a, fu);
                    adj[w] += mul0(a, fw);
                    for k in 0..p {
                        let (du, dw) = (dot[u * p + k], dot[w * p + k]);
                        let adk = ad[k];
                        before[u * p + k] += mul0(adk, fu) + mul0(a, mul0(fuu, du) + mul0(fuw, dw));
                        before[w * p + k] += mul0(adk, fw) + mul0(a, mul0(fuw, du) + mul0(fww, dw));
                    }
                }
                Step::Nary(op, start, len) => match op {
                    NaryOp::Sum => {
                        for idx in start..start + len {
                            let c = self.args[idx] as usize;
                            adj[c] += a;
                            let ac = &mut before[c * p..c * p + p];
                            ac.iter_mut().zip(ad).for_each(|(x, &v)| *x += v);
                        }
                    }
                    NaryOp::Min | NaryOp::Max => {
                        let c = self.selected(val, op, start, len);
                        adj[c] += a;
                        let ac = &mut before[c * p..c * p + p];
                        ac.iter_mut().zip(ad).for_each(|(x, &v)| *x += v);
                    }
                    NaryOp::And | NaryOp::Or => {}
                },
                Step::If(c, x, y) => {
                    let b = self.branch(val, c, x, y);
                    adj[b] += a;
                    let ab = &mut before[b * p..b * p + p];
                    ab.iter_mut().zip(ad).for_each(|(x, &v)| *x += v);
                }
            }
        }
    }

    /// Forward tangent sweep along local slot `seed` (`ẋ = e_seed`), after [`forward`](Self::forward).
    fn tangent(&self, val: &[f64], seed: usize, dot: &mut [f64]) {
        for (i, ins) in self.instrs.iter().enumerate() {
            dot[i] = match ins.step() {
                Step::Const(_) => 0.0,
                Step::Var(s) => f64::from(u8::from(s == seed)),
                Step::Unary(op, a) => mul0(unary(op, val[a]).1, dot[a]),
                Step::Binary(op, a, b) => {
                    let d = binary(op, val[a], val[b]);
                    mul0(d.fu, dot[a]) + mul0(d.fw, dot[b])
                }
                Step::Nary(op, start, len) => match op {
                    NaryOp::Sum => self.args[start..start + len].iter().map(|&c| dot[c as usize]).sum(),
                    NaryOp::Min | NaryOp::Max => dot[self.selected(val, op, start, len)],
                    NaryOp::And | NaryOp::Or => 0.0,
                },
                Step::If(c, a, b) => dot[self.branch(val, c, a, b)],
                Step::Pl(p, a) => mul0(self.pls[p].slope_at(val[a]), dot[a]),
            };
        }
    }

    /// Reverse sweep from the last instruction with adjoint 1. With `dot` (a tangent from
    /// [`tangent`](Self::tangent)) it also propagates the adjoint tangents `adot`, i.e. the
    /// directional derivative of the gradient (forward-over-reverse).
    fn reverse(&self, val: &[f64], dot: Option<&[f64]>, adj: &mut [f64], adot: &mut [f64]) {
        let n = self.instrs.len();
        adj[..n].iter_mut().for_each(|a| *a = 0.0);
        adot[..n].iter_mut().for_each(|a| *a = 0.0);
        if n == 0 {
            return;
        }
        adj[n - 1] = 1.0;
        for i in (0..n).rev() {
            let (a, ad) = (adj[i], adot[i]);
            if a == 0.0 && ad == 0.0 {
                continue;
            }
            match self.instrs[i].step() {
                Step::Const(_) | Step::Var(_) => {}
                Step::Unary(op, u) => {
                    let (_, d1, d2) = unary(op, val[u]);
                    adj[u] += mul0(a, d1);
                    if let Some(dot) = dot {
                        adot[u] += mul0(ad, d1) + mul0(a, mul0(d2, dot[u]));
                    }
                }
                Step::Binary(op, u, w) => {
                    let d = binary(op, val[u], val[w]);
                    adj[u] += mul0(a, d.fu);
                    adj[w] += mul0(a, d.fw);
                    if let Some(dot) = dot {
                        adot[u] += mul0(ad, d.fu) + mul0(a, mul0(d.fuu, dot[u]) + mul0(d.fuw, dot[w]));
                        adot[w] += mul0(ad, d.fw) + mul0(a, mul0(d.fuw, dot[u]) + mul0(d.fww, dot[w]));
                    }
                }
                Step::Nary(op, start, len) => match op {
                    NaryOp::Sum => {
                        for k in start..start + len {
                            let c = self.args[k] as usize;
                            adj[c] += a;
                            adot[c] += ad;
                        }
                    }
                    NaryOp::Min | NaryOp::Max => {
                        let c = self.selected(val, op, start, len);
                        adj[c] += a;
                        adot[c] += ad;
                    }
                    NaryOp::And | NaryOp::Or => {}
                },
                Step::If(c, x, y) => {
                    let b = self.branch(val, c, x, y);
                    adj[b] += a;
                    adot[b] += ad;
                }
                Step::Pl(p, u) => {
                    let s = self.pls[p].slope_at(val[u]);
                    adj[u] += mul0(a, s);
                    adot[u] += mul0(ad, s);
                }
            }
        }
    }

    /// Dense element Hessian in local slots, column-major `p × p` into `h` (overwritten).
    /// `val` must hold a forward sweep; `dot`, `adj`, `adot` are scratch.
    pub fn hessian(&self, val: &[f64], dot: &mut [f64], adj: &mut [f64], adot: &mut [f64], h: &mut [f64]) {
        let p = self.vars.len();
        h[..p * p].iter_mut().for_each(|v| *v = 0.0);
        for j in 0..p {
            self.tangent(val, j, dot);
            self.reverse(val, Some(dot), adj, adot);
            for (i, ins) in self.instrs.iter().enumerate() {
                if let Step::Var(s) = ins.step() {
                    h[j * p + s] += adot[i];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unary_kind_and_constant_give_back_the_operator() {
        use UnOp::*;
        let all = [
            Floor, Ceil, Abs, Neg, Not, Tanh, Tan, Sqrt, Sinh, Sin, Log10, Log, Exp, Cosh, Cos, Atanh, Atan, Asinh, Asin, Acosh, Acos, Sqr,
            PowC(-1.5),
            CPow(0.25),
        ];
        for op in all {
            let (kind, c) = UnKind::of(op);
            assert_eq!(kind.with(c), op);
            assert_eq!(Instr::Unary(kind, 3, c).step(), Step::Unary(op, 3));
        }
    }

    #[test]
    fn stamp_map_forgets_old_stamps_when_the_generation_wraps() {
        let mut m = StampMap::new(3);
        m.reset();
        m.insert(1, 7);
        assert_eq!(m.get(1), Some(7));
        // Without clearing, generation 1 would come round again after the wrap and revive key 1.
        m.generation = u32::MAX;
        m.reset();
        assert_eq!(m.generation, 1);
        assert_eq!(m.get(1), None);
        m.insert(2, 5);
        assert_eq!((m.get(0), m.get(2)), (None, Some(5)));
    }

    #[test]
    fn indices_beyond_u32_are_reported_not_truncated() {
        assert_eq!(index(u32::MAX as usize, "instructions"), Ok(u32::MAX));
        assert_eq!(index(u32::MAX as usize + 1, "instructions"), Err(TapeTooLarge { what: "instructions" }));
    }
}
