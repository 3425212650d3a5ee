//! Element-batched evaluation: elements with the same tape *shape* are evaluated together.
//!
//! Large models written by Pyomo or AMPL repeat a few expression shapes over and over (Van der Pol
//! at n = 1e5: 166,667 elements of three shapes). Interpreting each element's tape on its own pays
//! the instruction dispatch, the scratch set-up and the slicing once per element and instruction,
//! which made an element Hessian cost ~360 ns for seven instructions. Here elements whose tapes are
//! equal up to their constants and variables form a [`Group`] with one shared instruction list
//! ([`Op`]); the sweeps run instruction by instruction over blocks of [`BLOCK`] members laid out
//! structure-of-arrays (`val[i·B + e]`), so dispatch is paid once per block and the inner loops
//! are short, branch-predictable and free of bounds-heavy slicing.
//!
//! **Same numbers.** Every member goes through exactly the floating-point operations, in the same
//! order, of [`Tape::forward`](super::tape::Tape::forward),
//! [`forward_local`](super::tape::Tape::forward_local), [`gradient_local`](super::tape::Tape::gradient_local)
//! and [`hessian_local`](super::tape::Tape::hessian_local) (including the `0·∞ = 0` products and the
//! skipped zero-adjoint instructions). Results go to per-element buffers (value per element, local
//! gradient at the element's `grad_start`, kept local Hessian entries at its `hess_start`),
//! and the caller sums them into objective, gradient, Jacobian and Hessian in the original
//! element order, so the evaluations are bit-identical to the per-element sweeps (tested).
//!
//! Elements with list operators other than sums, conditionals, piecewise-linear terms, no
//! variables, more than [`MAX_SLOTS`] variables or more than [`MAX_LEN`] instructions keep the
//! per-element tapes (`fallback`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::mem::Discriminant;

use super::expr::{BinOp, NaryOp, UnOp, binary, unary};
use super::tape::{Instr, Local, Step, mul0};
use super::{Element, Scratch};

/// Members per block (the structure-of-arrays width).
const BLOCK: usize = 32;
/// Longest tape that is batched (scratch `MAX_LEN · MAX_SLOTS · BLOCK` doubles for the tangents).
const MAX_LEN: usize = 96;
/// Most variables of a batched element.
const MAX_SLOTS: usize = 8;

/// The multiply-rotate hash of rustc's `FxHasher` (not DoS-resistant, which shape keys built
/// from the model need not be): SipHash was a tenth of reading a 16 MB model.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// One instruction of a group's shared tape; operands are earlier instruction indices.
#[derive(Debug, Clone, Copy)]
enum Op {
    /// The member's `k`-th constant.
    Const(usize),
    /// The member's variable in local slot `s`.
    Var(usize),
    Unary(UnOp, usize),
    Binary(BinOp, usize, usize),
    /// Sum over `args[start..start + len]` of the group.
    Sum(usize, usize),
}

/// One item of a tape's shape: instructions with constants and variables abstracted (exponents
/// of `PowC`/`CPow` are part of the shape since they are part of the operator). A shape is a flat
/// list of items, so building the key of an element allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    /// First item: whether the element is nonlinear, and its number of variables.
    Element(bool, usize),
    Const,
    Var(usize),
    Unary(Discriminant<UnOp>, u64, usize),
    Binary(Discriminant<BinOp>, usize, usize),
    /// A sum of the operands in the next `len` [`Key::Arg`] items.
    Sum(usize),
    Arg(usize),
}

/// Elements of one shape.
#[derive(Debug, Clone)]
struct Group {
    code: Vec<Op>,
    args: Vec<usize>,
    /// Variables per member (local slots).
    p: usize,
    /// Constants per member.
    nconst: usize,
    nonlinear: bool,
    /// Dense positions `a·p + b` of the kept element-Hessian entries (see `Tapes::hess_sel`).
    sel: Vec<usize>,
    /// For a quadratic shape, every member's kept Hessian entries, computed once: they do not
    /// depend on x (see [`Batch::fix_quadratic`]).
    fixed: Option<Fixed>,
    /// Per member: element id, gradient and Hessian buffer offsets, weight.
    ids: Vec<usize>,
    grad_start: Vec<usize>,
    hess_start: Vec<usize>,
    weight: Vec<f64>,
    /// Member `j`'s constants at `consts[j·nconst..]`, its variables at `vars[j·p..]`.
    consts: Vec<f64>,
    vars: Vec<usize>,
}

impl Group {
    fn len(&self) -> usize {
        self.ids.len()
    }

    /// Room for `members` more members.
    fn reserve(&mut self, members: usize) {
        self.ids.reserve_exact(members);
        self.grad_start.reserve_exact(members);
        self.hess_start.reserve_exact(members);
        self.weight.reserve_exact(members);
        self.consts.reserve_exact(members * self.nconst);
        self.vars.reserve_exact(members * self.p);
    }

    /// Append element `e`, whose tape has this group's shape (instructions `instrs` over
    /// variables `vars`).
    fn push(&mut self, e: &Element, instrs: &[Instr], vars: &[usize]) {
        self.ids.push(e.id);
        self.grad_start.push(e.grad_start);
        self.hess_start.push(e.hess_start);
        self.weight.push(e.weight);
        self.consts.extend(instrs.iter().filter_map(|i| if let Instr::Const(c) = i { Some(*c) } else { None }));
        self.vars.extend_from_slice(vars);
    }

    /// Member `j`'s constants.
    fn consts_of(&self, j: usize) -> &[f64] {
        &self.consts[j * self.nconst..(j + 1) * self.nconst]
    }

    /// A group of the same shape holding only `members` (in that order): the same tape over
    /// their constants and variables.
    fn subset(&self, members: &[usize]) -> Group {
        let pick = |v: &[usize]| members.iter().map(|&j| v[j]).collect();
        Group {
            code: self.code.clone(),
            args: self.args.clone(),
            sel: self.sel.clone(),
            fixed: None,
            ids: pick(&self.ids),
            grad_start: pick(&self.grad_start),
            hess_start: pick(&self.hess_start),
            weight: members.iter().map(|&j| self.weight[j]).collect(),
            consts: members.iter().flat_map(|&j| self.consts_of(j)).copied().collect(),
            vars: members.iter().flat_map(|&j| &self.vars[j * self.p..(j + 1) * self.p]).copied().collect(),
            ..*self
        }
    }

    /// Runs of consecutive members with the same constants (bit for bit): the first member of
    /// each run and, for each member, the index of its run. `None` when there are more than
    /// `u32` runs. (Models written term by term over a grid repeat one constant vector over long
    /// runs; comparing with the run's first member costs no hashing where every member differs.)
    fn constant_runs(&self) -> Option<(Vec<usize>, Vec<u32>)> {
        let mut firsts: Vec<usize> = Vec::new();
        let mut run = Vec::with_capacity(self.len());
        for j in 0..self.len() {
            let same = firsts.last().is_some_and(|&f| {
                self.consts_of(f).iter().zip(self.consts_of(j)).all(|(a, b)| a.to_bits() == b.to_bits())
            });
            if !same {
                firsts.push(j);
            }
            run.push(u32::try_from(firsts.len() - 1).ok()?);
        }
        Some((firsts, run))
    }
}

/// The kept Hessian entries of every member of a quadratic group, once per run of members with
/// the same constants: a quadratic shape's Hessian depends on its constants only, and grid
/// models repeat one constant vector over most members (obstacle at n = 1e5: 99,856 members).
#[derive(Debug, Clone)]
struct Fixed {
    /// The entries of the `r`-th run at `rows[r·k..(r + 1)·k]`, `k` kept entries per member.
    rows: Vec<f64>,
    /// Each member's run.
    row: Vec<u32>,
}

impl Fixed {
    /// Member `j`'s `k` entries.
    fn member(&self, j: usize, k: usize) -> &[f64] {
        let r = self.row[j] as usize;
        &self.rows[r * k..(r + 1) * k]
    }
}

/// The elements of one set of functions (the objective, or all constraints), batched by shape.
#[derive(Debug, Clone, Default)]
pub(super) struct Batch {
    groups: Vec<Group>,
    /// Elements evaluated by their own tapes.
    fallback: Vec<Element>,
    /// Largest tape length and slot count over the groups (scratch sizes).
    max_len: usize,
    max_p: usize,
}

/// Block scratch for the batched sweeps (grown on demand, reused across calls).
#[derive(Debug, Clone, Default)]
pub(super) struct BatchWork {
    val: Vec<f64>,
    loc: Vec<Local>,
    adj: Vec<f64>,
    dot: Vec<f64>,
    adot: Vec<f64>,
    h: Vec<f64>,
    g: Vec<f64>,
}

impl BatchWork {
    fn ensure(&mut self, len: usize, p: usize) {
        let grow = |v: &mut Vec<f64>, k: usize| {
            if v.len() < k {
                v.resize(k, 0.0);
            }
        };
        grow(&mut self.val, len * BLOCK);
        grow(&mut self.adj, len * BLOCK);
        grow(&mut self.dot, len * p * BLOCK);
        grow(&mut self.adot, len * p * BLOCK);
        grow(&mut self.h, p * p * BLOCK);
        grow(&mut self.g, p * BLOCK);
        if self.loc.len() < len * BLOCK {
            self.loc.resize(len * BLOCK, Local::default());
        }
    }
}

impl Batch {
    /// Group `elements` by tape shape. Shapes are found first and every group's arrays are then
    /// sized to its members and filled once: grown member by member, the constants and
    /// variables of the large groups were copied at every doubling.
    pub fn build<'a>(elements: impl Iterator<Item = &'a Element>, tapes: &super::Tapes) -> Batch {
        let elements: Vec<&Element> = elements.collect();
        let mut batch = Batch::default();
        let placed = batch.find_groups(&elements, tapes);
        let mut sizes = vec![0usize; batch.groups.len()];
        placed.iter().filter_map(|&g| g).for_each(|g| sizes[g as usize] += 1);
        for (g, &m) in batch.groups.iter_mut().zip(&sizes) {
            g.reserve(m);
        }
        for (e, g) in elements.into_iter().zip(placed) {
            let tape = tapes.store.tape(&e.range, &tapes.pls);
            match g {
                Some(g) => batch.groups[g as usize].push(e, tape.instrs(), tape.vars),
                None => batch.fallback.push(e.clone()),
            }
        }
        batch
    }

    /// Create a group, with its shared tape and Hessian selection, for every shape among
    /// `elements` (in order of first appearance), and return each element's group (`None`:
    /// evaluated on its own tape). Group indices fit `u32`: there are fewer groups than
    /// elements, which are distinct DAG nodes.
    fn find_groups(&mut self, elements: &[&Element], tapes: &super::Tapes) -> Vec<Option<u32>> {
        let (store, pls) = (&tapes.store, &tapes.pls[..]);
        let mut index: HashMap<Vec<Key>, u32, BuildHasherDefault<FxHasher>> = HashMap::default();
        let mut key = Vec::new();
        let mut placed = Vec::with_capacity(elements.len());
        for e in elements {
            let tape = store.tape(&e.range, pls);
            let (instrs, p) = (tape.instrs(), tape.vars.len());
            if p == 0 || p > MAX_SLOTS || instrs.len() > MAX_LEN || !shape(e.range.nonlinear, p, instrs, tape.args(), &mut key) {
                placed.push(None);
                continue;
            }
            let gi = match index.get(key.as_slice()) {
                Some(&g) => g,
                None => {
                    let g = self.groups.len() as u32;
                    let mut group = new_group(instrs, tape.args(), p, e.range.nonlinear);
                    // Same shape, same structural Hessian pattern: take the first member's.
                    group.sel = tapes.hess_sel[e.hess_start..e.hess_start + e.hess_len].iter().map(|&k| k as usize).collect();
                    self.groups.push(group);
                    self.max_len = self.max_len.max(instrs.len());
                    self.max_p = self.max_p.max(p);
                    index.insert(key.clone(), g);
                    g
                }
            };
            placed.push(Some(gi));
        }
        placed
    }

    /// Elements in groups and elements on their own tapes.
    #[cfg(test)]
    pub fn counts(&self) -> (usize, usize) {
        (self.groups.iter().map(Group::len).sum(), self.fallback.len())
    }

    /// Whether every element is in a group and every nonlinear group is quadratic with its
    /// Hessian computed once ([`Batch::fix_quadratic`]), with at least one such group: the
    /// functions are then polynomials of degree 2 whose Hessians do not depend on x.
    pub fn is_quadratic(&self) -> bool {
        self.fallback.is_empty()
            && self.groups.iter().all(|g| !g.nonlinear || g.fixed.is_some())
            && self.groups.iter().any(|g| g.nonlinear)
    }

    /// Number of groups whose Hessians are computed once (quadratic shapes).
    #[cfg(test)]
    pub fn num_fixed(&self) -> usize {
        self.groups.iter().filter(|g| g.fixed.is_some()).count()
    }

    /// Number of members whose Hessians the quadratic groups computed (one per run of equal
    /// constants).
    #[cfg(test)]
    pub fn fixed_sweeps(&self) -> usize {
        self.groups.iter().filter_map(|g| g.fixed.as_ref()).map(|f| f.row.last().map_or(0, |&r| r as usize + 1)).sum()
    }

    /// Number of groups (distinct batched shapes).
    #[cfg(test)]
    pub fn num_groups(&self) -> usize {
        self.groups.len()
    }

    /// Compute once the Hessians of the quadratic groups (polynomials of degree ≤ 2: constants,
    /// variables, `+`, `−`, negation, sums, products, squares and division by a constant).
    ///
    /// Their sweeps give the same entries at every x: in a quadratic tape, every instruction
    /// above a nonlinear one is linear (degree would exceed 2 otherwise), so the adjoints and
    /// adjoint tangents reaching the nonlinear instructions are products of constant
    /// coefficients, the tangents of their operands are constant coefficients, and each
    /// x-dependent partial (e.g. `∂(u·w)/∂u = w` inside `c·u`) is multiplied by a zero tangent or
    /// lands in a constant's unused adjoint. So the entries computed here at x = 0 are bit for bit
    /// those of any later sweep at finite x. Groups with a non-finite entry keep their sweeps.
    ///
    /// Members with the same constants (bit for bit) go through the same operations on the same
    /// numbers at x = 0, so the sweep runs for one member per run of equal constants.
    pub fn fix_quadratic(&mut self, n: usize) {
        let x = vec![0.0; n];
        let mut w = BatchWork::default();
        w.ensure(self.max_len, self.max_p);
        for g in &mut self.groups {
            if !g.nonlinear || !is_quadratic(g) {
                continue;
            }
            let Some((reps, row)) = g.constant_runs() else { continue };
            let k = g.sel.len();
            let mut rows = vec![0.0; reps.len() * k];
            // The common sweep over the representatives, each one's entries packed in order.
            if reps.len() == g.len() {
                group_hessians(g, &x, &mut w, |j, at| j * k + at, &mut rows);
            } else {
                group_hessians(&g.subset(&reps), &x, &mut w, |j, at| j * k + at, &mut rows);
            }
            if rows.iter().all(|v| v.is_finite()) {
                g.fixed = Some(Fixed { rows, row });
            }
        }
    }

    /// `ev[id]` = value of every element (unweighted), as [`Tape::forward`](super::tape::Tape::forward).
    pub fn values(&self, t: &super::Tapes, x: &[f64], w: &mut BatchWork, s: &mut Scratch, ev: &mut [f64]) {
        w.ensure(self.max_len, self.max_p);
        for g in &self.groups {
            let n = g.code.len();
            for j0 in (0..g.len()).step_by(BLOCK) {
                let b = BLOCK.min(g.len() - j0);
                forward(g, j0, b, x, &mut w.val, None);
                for e in 0..b {
                    ev[g.ids[j0 + e]] = w.val[(n - 1) * BLOCK + e];
                }
            }
        }
        for e in &self.fallback {
            ev[e.id] = t.store.tape(&e.range, &t.pls).forward(x, &mut s.val);
        }
    }

    /// Local gradients, `eg[grad_start + s] = weight · ∂e/∂x_s`, as
    /// [`gradient_local`](super::tape::Tape::gradient_local) into a zeroed buffer.
    pub fn gradients(&self, t: &super::Tapes, x: &[f64], w: &mut BatchWork, s: &mut Scratch, eg: &mut [f64]) {
        w.ensure(self.max_len, self.max_p);
        for g in &self.groups {
            let p = g.p;
            for j0 in (0..g.len()).step_by(BLOCK) {
                let b = BLOCK.min(g.len() - j0);
                forward(g, j0, b, x, &mut w.val, Some(&mut w.loc));
                reverse_gradient(g, j0, b, &w.loc, &mut w.adj, &mut w.g);
                for e in 0..b {
                    let at = g.grad_start[j0 + e];
                    eg[at..at + p].copy_from_slice(&w.g[e * p..e * p + p]);
                }
            }
        }
        for e in &self.fallback {
            let tape = t.store.tape(&e.range, &t.pls);
            tape.forward_local(x, &mut s.val, &mut s.loc);
            let p = e.range.num_vars();
            let out = &mut eg[e.grad_start..e.grad_start + p];
            out.iter_mut().for_each(|v| *v = 0.0);
            tape.gradient_local(&s.val, &s.loc, &mut s.adj, e.weight, out);
        }
    }

    /// Local Hessians of the nonlinear elements, the kept entries (`Tapes::hess_sel`) at
    /// `eh[hess_start..hess_start + hess_len]` (unweighted), as the per-element sweeps of
    /// [`Function::add_hessian`](super::Function).
    pub fn hessians(&self, t: &super::Tapes, x: &[f64], w: &mut BatchWork, s: &mut Scratch, eh: &mut [f64]) {
        w.ensure(self.max_len, self.max_p);
        for g in self.groups.iter().filter(|g| g.nonlinear) {
            if let Some(fixed) = &g.fixed {
                let k = g.sel.len();
                for (j, &at) in g.hess_start.iter().enumerate() {
                    eh[at..at + k].copy_from_slice(fixed.member(j, k));
                }
                continue;
            }
            group_hessians(g, x, w, |j, at| g.hess_start[j] + at, eh);
        }
        for e in self.fallback.iter().filter(|e| e.range.nonlinear) {
            let tape = t.store.tape(&e.range, &t.pls);
            if tape.hessian_local_len() <= s.vdot.len() {
                tape.forward_local(x, &mut s.val, &mut s.loc);
                tape.hessian_local(&s.val, &s.loc, &mut s.vdot, &mut s.adj, &mut s.vadot, &mut s.h);
            } else {
                tape.forward(x, &mut s.val);
                tape.hessian(&s.val, &mut s.dot, &mut s.adj, &mut s.adot, &mut s.h);
            }
            let range = e.hess_start..e.hess_start + e.hess_len;
            for (out, &k) in eh[range.clone()].iter_mut().zip(&t.hess_sel[range]) {
                *out = s.h[k as usize];
            }
        }
    }
}

/// The kept Hessian entries of every member of `g` (sweeps by blocks): entry `at` of member `j`
/// goes to `out[place(j, at)]`.
fn group_hessians(g: &Group, x: &[f64], w: &mut BatchWork, place: impl Fn(usize, usize) -> usize, out: &mut [f64]) {
    let p = g.p;
    for j0 in (0..g.len()).step_by(BLOCK) {
        let b = BLOCK.min(g.len() - j0);
        forward(g, j0, b, x, &mut w.val, Some(&mut w.loc));
        hessian_block(g, b, &w.loc, &mut w.dot, &mut w.adj, &mut w.adot, &mut w.h);
        for e in 0..b {
            let h = &w.h[e * p * p..(e + 1) * p * p];
            for (at, &k) in g.sel.iter().enumerate() {
                out[place(j0 + e, at)] = h[k];
            }
        }
    }
}

/// The shape of an element's tape into `key`; false if it has an instruction the batch does not
/// handle.
fn shape(nonlinear: bool, p: usize, instrs: &[Instr], args: &[u32], key: &mut Vec<Key>) -> bool {
    key.clear();
    key.push(Key::Element(nonlinear, p));
    for ins in instrs {
        key.push(match ins.step() {
            Step::Const(_) => Key::Const,
            Step::Var(s) => Key::Var(s),
            Step::Unary(op, a) => Key::Unary(std::mem::discriminant(&op), unary_constant(op), a),
            Step::Binary(op, a, b) => Key::Binary(std::mem::discriminant(&op), a, b),
            Step::Nary(NaryOp::Sum, start, len) => {
                key.push(Key::Sum(len));
                key.extend(args[start..start + len].iter().map(|&c| Key::Arg(c as usize)));
                continue;
            }
            Step::Nary(..) | Step::If(..) | Step::Pl(..) => return false,
        });
    }
    true
}

/// Whether a group's tape is a polynomial of degree at most 2 (see [`Batch::fix_quadratic`]).
fn is_quadratic(g: &Group) -> bool {
    const HIGH: u8 = 3;
    let mut deg = vec![0u8; g.code.len()];
    for (i, op) in g.code.iter().enumerate() {
        deg[i] = match *op {
            Op::Const(_) => 0,
            Op::Var(_) => 1,
            Op::Unary(UnOp::Neg, a) => deg[a],
            Op::Unary(UnOp::Sqr, a) => (2 * deg[a]).min(HIGH),
            Op::Unary(UnOp::PowC(2.0), a) => (2 * deg[a]).min(HIGH),
            Op::Unary(_, a) => if deg[a] == 0 { 0 } else { HIGH },
            Op::Binary(BinOp::Plus | BinOp::Minus, a, b) => deg[a].max(deg[b]),
            Op::Binary(BinOp::Mult, a, b) => (deg[a] + deg[b]).min(HIGH),
            Op::Binary(BinOp::Div, a, b) if deg[b] == 0 => deg[a],
            Op::Binary(_, a, b) => if deg[a] == 0 && deg[b] == 0 { 0 } else { HIGH },
            Op::Sum(start, len) => g.args[start..start + len].iter().map(|&c| deg[c]).max().unwrap_or(0),
        };
    }
    deg.iter().all(|&d| d <= 2)
}

fn unary_constant(op: UnOp) -> u64 {
    match op {
        UnOp::PowC(c) | UnOp::CPow(c) => c.to_bits(),
        _ => 0,
    }
}

fn new_group(instrs: &[Instr], args: &[u32], p: usize, nonlinear: bool) -> Group {
    let mut g = Group {
        code: Vec::with_capacity(instrs.len()),
        args: Vec::new(),
        p,
        nconst: 0,
        nonlinear,
        sel: Vec::new(),
        fixed: None,
        ids: Vec::new(),
        grad_start: Vec::new(),
        hess_start: Vec::new(),
        weight: Vec::new(),
        consts: Vec::new(),
        vars: Vec::new(),
    };
    for ins in instrs {
        let op = match ins.step() {
            Step::Const(_) => {
                g.nconst += 1;
                Op::Const(g.nconst - 1)
            }
            Step::Var(s) => Op::Var(s),
            Step::Unary(op, a) => Op::Unary(op, a),
            Step::Binary(op, a, b) => Op::Binary(op, a, b),
            Step::Nary(_, start, len) => {
                let at = g.args.len();
                g.args.extend(args[start..start + len].iter().map(|&c| c as usize));
                Op::Sum(at, len)
            }
            Step::If(..) | Step::Pl(..) => unreachable!("shape() rejects conditionals and piecewise-linear terms"),
        };
        g.code.push(op);
    }
    g
}

/// Forward sweep of members `j0..j0+b`: `val[i·B + e]`, and with `loc` the local partials, as
/// `Tape::forward` / `Tape::forward_local`.
fn forward(g: &Group, j0: usize, b: usize, x: &[f64], val: &mut [f64], mut loc: Option<&mut Vec<Local>>) {
    for (i, op) in g.code.iter().enumerate() {
        let (done, rest) = val.split_at_mut(i * BLOCK);
        let out = &mut rest[..b];
        match *op {
            Op::Const(k) => {
                for (e, v) in out.iter_mut().enumerate() {
                    *v = g.consts[(j0 + e) * g.nconst + k];
                }
            }
            Op::Var(s) => {
                for (e, v) in out.iter_mut().enumerate() {
                    *v = x[g.vars[(j0 + e) * g.p + s]];
                }
            }
            Op::Unary(uop, a) => {
                let ua = &done[a * BLOCK..a * BLOCK + b];
                let l = loc.as_deref_mut().map(|l| &mut l[i * BLOCK..i * BLOCK + b]);
                // The operator's dispatch out of the lane loop for the operators Pyomo writes
                // most (same calls of `unary` with the same operator, so the same values).
                match uop {
                    UnOp::PowC(2.0) => unary_lanes(UnOp::PowC(2.0), ua, out, l),
                    UnOp::Sqr => unary_lanes(UnOp::Sqr, ua, out, l),
                    UnOp::Neg => unary_lanes(UnOp::Neg, ua, out, l),
                    UnOp::Exp => unary_lanes(UnOp::Exp, ua, out, l),
                    _ => unary_lanes(uop, ua, out, l),
                }
            }
            Op::Binary(bop @ (BinOp::Plus | BinOp::Minus | BinOp::Mult), a, c) => {
                // The common operators written out (same values and partials as `binary`).
                let (ua, uc) = (&done[a * BLOCK..a * BLOCK + b], &done[c * BLOCK..c * BLOCK + b]);
                let l = loc.as_deref_mut().map(|l| &mut l[i * BLOCK..i * BLOCK + b]);
                match (bop, l) {
                    (BinOp::Plus, None) => (0..b).for_each(|e| out[e] = ua[e] + uc[e]),
                    (BinOp::Minus, None) => (0..b).for_each(|e| out[e] = ua[e] - uc[e]),
                    (_, None) => (0..b).for_each(|e| out[e] = ua[e] * uc[e]),
                    (BinOp::Plus, Some(l)) => (0..b).for_each(|e| {
                        out[e] = ua[e] + uc[e];
                        l[e] = Local { fu: 1.0, fw: 1.0, fuu: 0.0, fuw: 0.0, fww: 0.0 };
                    }),
                    (BinOp::Minus, Some(l)) => (0..b).for_each(|e| {
                        out[e] = ua[e] - uc[e];
                        l[e] = Local { fu: 1.0, fw: -1.0, fuu: 0.0, fuw: 0.0, fww: 0.0 };
                    }),
                    (_, Some(l)) => (0..b).for_each(|e| {
                        out[e] = ua[e] * uc[e];
                        l[e] = Local { fu: uc[e], fw: ua[e], fuu: 0.0, fuw: 1.0, fww: 0.0 };
                    }),
                }
            }
            Op::Binary(bop, a, c) => {
                let (ua, uc) = (&done[a * BLOCK..a * BLOCK + b], &done[c * BLOCK..c * BLOCK + b]);
                match loc.as_deref_mut() {
                    Some(loc) => {
                        let l = &mut loc[i * BLOCK..i * BLOCK + b];
                        for e in 0..b {
                            let d = binary(bop, ua[e], uc[e]);
                            l[e] = Local { fu: d.fu, fw: d.fw, fuu: d.fuu, fuw: d.fuw, fww: d.fww };
                            out[e] = d.f;
                        }
                    }
                    None => {
                        for e in 0..b {
                            out[e] = binary(bop, ua[e], uc[e]).f;
                        }
                    }
                }
            }
            Op::Sum(start, len) => {
                // Operand by operand over the lanes (contiguous). `Iterator::sum` of f64 folds from
                // −0.0, and −0.0 + v = v for every v, so starting from the first operand gives the
                // same sums bit for bit.
                let list = &g.args[start..start + len];
                out.copy_from_slice(&done[list[0] * BLOCK..list[0] * BLOCK + b]);
                for &c in &list[1..] {
                    for (v, &d) in out.iter_mut().zip(&done[c * BLOCK..c * BLOCK + b]) {
                        *v += d;
                    }
                }
            }
        }
    }
}

/// `unary(op, ·)` over the lanes `ua` into `out`, with the local partials into `l` when given.
/// Inlined with a constant `op`, the operator's match folds away.
#[inline(always)]
fn unary_lanes(op: UnOp, ua: &[f64], out: &mut [f64], l: Option<&mut [Local]>) {
    match l {
        Some(l) => {
            for ((o, l), &u) in out.iter_mut().zip(l).zip(ua) {
                let (f, d1, d2) = unary(op, u);
                *l = Local { fu: d1, fw: 0.0, fuu: d2, fuw: 0.0, fww: 0.0 };
                *o = f;
            }
        }
        None => out.iter_mut().zip(ua).for_each(|(o, &u)| *o = unary(op, u).0),
    }
}

/// Reverse sweep with weight: `grad[e·p + s] = weight_e · ∂e/∂x_s`, as `Tape::gradient_local`
/// into zeros.
fn reverse_gradient(g: &Group, j0: usize, b: usize, loc: &[Local], adj: &mut [f64], grad: &mut [f64]) {
    let (n, p) = (g.code.len(), g.p);
    adj[..n * BLOCK].iter_mut().for_each(|a| *a = 0.0);
    adj[(n - 1) * BLOCK..(n - 1) * BLOCK + b].iter_mut().for_each(|a| *a = 1.0);
    grad[..b * p].iter_mut().for_each(|v| *v = 0.0);
    for i in (0..n).rev() {
        let (before, rest) = adj.split_at_mut(i * BLOCK);
        let ai = &rest[..b];
        match g.code[i] {
            Op::Const(_) => {}
            Op::Var(s) => {
                for e in 0..b {
                    if ai[e] != 0.0 {
                        grad[e * p + s] += g.weight[j0 + e] * ai[e];
                    }
                }
            }
            Op::Unary(_, u) => {
                for e in 0..b {
                    if ai[e] != 0.0 {
                        before[u * BLOCK + e] += mul0(ai[e], loc[i * BLOCK + e].fu);
                    }
                }
            }
            Op::Binary(_, u, w) => {
                for e in 0..b {
                    let a = ai[e];
                    if a != 0.0 {
                        let l = &loc[i * BLOCK + e];
                        before[u * BLOCK + e] += mul0(a, l.fu);
                        before[w * BLOCK + e] += mul0(a, l.fw);
                    }
                }
            }
            Op::Sum(start, len) => {
                for e in 0..b {
                    let a = ai[e];
                    if a != 0.0 {
                        for &c in &g.args[start..start + len] {
                            before[c * BLOCK + e] += a;
                        }
                    }
                }
            }
        }
    }
}

/// Vector forward-over-reverse of members `0..b` of the block, as `Tape::hessian_local`:
/// `dot[(i·p + k)·B + e]` is the tangent of instruction `i` along slot `k`, `h[e·p² + k·p + s]`
/// the member's dense Hessian.
fn hessian_block(g: &Group, b: usize, loc: &[Local], dot: &mut [f64], adj: &mut [f64], adot: &mut [f64], h: &mut [f64]) {
    let (n, p) = (g.code.len(), g.p);
    let row = |i: usize, k: usize| (i * p + k) * BLOCK;
    for (i, op) in g.code.iter().enumerate() {
        let (done, rest) = dot.split_at_mut(row(i, 0));
        let out = &mut rest[..p * BLOCK];
        match *op {
            Op::Const(_) => out.iter_mut().for_each(|d| *d = 0.0),
            Op::Var(s) => {
                out.iter_mut().for_each(|d| *d = 0.0);
                out[s * BLOCK..s * BLOCK + b].iter_mut().for_each(|d| *d = 1.0);
            }
            Op::Unary(_, a) => {
                for k in 0..p {
                    let da = &done[row(a, k)..row(a, k) + b];
                    let o = &mut out[k * BLOCK..k * BLOCK + b];
                    for e in 0..b {
                        o[e] = mul0(loc[i * BLOCK + e].fu, da[e]);
                    }
                }
            }
            Op::Binary(_, a, c) => {
                for k in 0..p {
                    let (da, dc) = (&done[row(a, k)..row(a, k) + b], &done[row(c, k)..row(c, k) + b]);
                    let o = &mut out[k * BLOCK..k * BLOCK + b];
                    for e in 0..b {
                        let l = &loc[i * BLOCK + e];
                        o[e] = mul0(l.fu, da[e]) + mul0(l.fw, dc[e]);
                    }
                }
            }
            Op::Sum(start, len) => {
                out.iter_mut().for_each(|d| *d = 0.0);
                for &c in &g.args[start..start + len] {
                    for k in 0..p {
                        let dc = &done[row(c, k)..row(c, k) + b];
                        let o = &mut out[k * BLOCK..k * BLOCK + b];
                        for e in 0..b {
                            o[e] += dc[e];
                        }
                    }
                }
            }
        }
    }
    adj[..n * BLOCK].iter_mut().for_each(|a| *a = 0.0);
    adot[..n * p * BLOCK].iter_mut().for_each(|a| *a = 0.0);
    adj[(n - 1) * BLOCK..(n - 1) * BLOCK + b].iter_mut().for_each(|a| *a = 1.0);
    h[..b * p * p].iter_mut().for_each(|v| *v = 0.0);
    // Members innermost, so the loops run over contiguous lanes. `Tape::hessian_local` skips an
    // instruction whose adjoint and adjoint tangents are all zero; here every instruction runs,
    // which only adds exact zeros (`mul0` returns 0 whenever a factor is 0, even against ∞ or NaN
    // partials): the sums differ at most in the sign of a zero, and the Hessian values summed from
    // them (starting at +0) are the same bit for bit.
    for i in (0..n).rev() {
        let (adj_before, adj_rest) = adj.split_at_mut(i * BLOCK);
        let (adot_before, adot_rest) = adot.split_at_mut(row(i, 0));
        let ai = &adj_rest[..b];
        let li = &loc[i * BLOCK..i * BLOCK + b];
        match g.code[i] {
            Op::Const(_) => {}
            Op::Var(s) => {
                for k in 0..p {
                    let ad = &adot_rest[k * BLOCK..k * BLOCK + b];
                    for e in 0..b {
                        h[e * p * p + k * p + s] += ad[e];
                    }
                }
            }
            Op::Unary(_, u) => {
                for e in 0..b {
                    adj_before[u * BLOCK + e] += mul0(ai[e], li[e].fu);
                }
                for k in 0..p {
                    let du = &dot[row(u, k)..row(u, k) + b];
                    let ad = &adot_rest[k * BLOCK..k * BLOCK + b];
                    let au = &mut adot_before[row(u, k)..row(u, k) + b];
                    for e in 0..b {
                        au[e] += mul0(ad[e], li[e].fu) + mul0(ai[e], mul0(li[e].fuu, du[e]));
                    }
                }
            }
            Op::Binary(_, u, w) => {
                for e in 0..b {
                    adj_before[u * BLOCK + e] += mul0(ai[e], li[e].fu);
                    adj_before[w * BLOCK + e] += mul0(ai[e], li[e].fw);
                }
                for k in 0..p {
                    let ad = &adot_rest[k * BLOCK..k * BLOCK + b];
                    let (ru, rw) = (row(u, k), row(w, k));
                    for e in 0..b {
                        let Local { fu, fw, fuu, fuw, fww } = li[e];
                        let (du, dw, a, adk) = (dot[ru + e], dot[rw + e], ai[e], ad[e]);
                        adot_before[ru + e] += mul0(adk, fu) + mul0(a, mul0(fuu, du) + mul0(fuw, dw));
                        adot_before[rw + e] += mul0(adk, fw) + mul0(a, mul0(fuw, du) + mul0(fww, dw));
                    }
                }
            }
            Op::Sum(start, len) => {
                for &c in &g.args[start..start + len] {
                    for e in 0..b {
                        adj_before[c * BLOCK + e] += ai[e];
                    }
                    for k in 0..p {
                        let ad = &adot_rest[k * BLOCK..k * BLOCK + b];
                        let ac = &mut adot_before[row(c, k)..row(c, k) + b];
                        for e in 0..b {
                            ac[e] += ad[e];
                        }
                    }
                }
            }
        }
    }
}
