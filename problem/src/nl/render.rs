//! Rows of an `.nl` model rendered as algebra (`print equation`): the parsed expression DAG of
//! the row's nonlinear part followed by its linear part, with tidy signs (`a - 2*b`, not
//! `a + -2*b`), zero-coefficient Jacobian placeholders suppressed, variables by their `.col`
//! names, and the bounds in their natural relation (`body == rhs`, `lo <= body <= hi`,
//! `body >= lo`, `body <= hi`).
//!
//! The renderer reads the DAG the parser built, not the evaluation tapes (which split a row into
//! weighted terms and drop its structure). Defined variables (common subexpressions) are expanded
//! in place. Parentheses follow precedence: sums < unary minus < products < powers < atoms, and
//! `^` is written for every power operator.

use super::NlProblem;
use super::expr::{BinOp, Dag, NaryOp, Node, NodeId, UnOp};

/// What the renderer needs of the parsed model.
#[derive(Debug)]
pub(crate) struct Source {
    pub nodes: Dag,
    pub def_roots: Vec<NodeId>,
    pub con_body: Vec<NodeId>,
    pub con_linear: Vec<Vec<(usize, f64)>>,
}

/// Terms beyond this many are summarized (`+ … (k more terms)`), so a row over thousands of
/// variables stays one readable line.
const MAX_TERMS: usize = 40;
/// Nesting beyond this depth is shown as `…` (the renderer recurses on non-sum operators).
const MAX_DEPTH: usize = 200;

// Precedence levels (higher binds tighter).
const P_LOW: u8 = 0; // comparisons, if-then-else, logical
const P_SUM: u8 = 1;
const P_NEG: u8 = 2;
const P_PROD: u8 = 3;
const P_POW: u8 = 4;
const P_ATOM: u8 = 5;

/// A number as written in a model: integers without a decimal point, the shortest round-trip
/// form otherwise, scientific notation for very large or small magnitudes.
pub(crate) fn num(v: f64) -> String {
    if v != 0.0 && v.is_finite() && (v.abs() >= 1e15 || v.abs() < 1e-4) { format!("{v:e}") } else { format!("{v}") }
}

struct Renderer<'a> {
    src: &'a Source,
    names: &'a dyn Fn(usize) -> String,
}

fn wrap((text, prec): (String, u8), at_least: u8) -> String {
    if prec < at_least { format!("({text})") } else { text }
}

/// Join signed terms: `a - b + c`, a leading `-` for a negative first term.
fn join(terms: &[(bool, String)]) -> String {
    let mut out = String::new();
    let shown = terms.len().min(MAX_TERMS);
    for (k, (neg, text)) in terms[..shown].iter().enumerate() {
        match (k, neg) {
            (0, false) => out.push_str(text),
            (0, true) => {
                out.push('-');
                out.push_str(text);
            }
            (_, false) => {
                out.push_str(" + ");
                out.push_str(text);
            }
            (_, true) => {
                out.push_str(" - ");
                out.push_str(text);
            }
        }
    }
    if terms.len() > shown {
        out.push_str(&format!(" + … ({} more terms)", terms.len() - shown));
    }
    if out.is_empty() { "0".into() } else { out }
}

impl Renderer<'_> {
    fn resolve(&self, mut id: NodeId) -> NodeId {
        while let Node::Def(k) = self.src.nodes.get(id) {
            id = self.src.def_roots[k];
        }
        id
    }

    /// Flatten the sums below `root` into signed terms (iteratively: sums may nest deeply).
    fn terms(&self, root: NodeId, neg: bool, depth: usize, out: &mut Vec<(bool, String)>) {
        let mut stack = vec![(root, neg)];
        while let Some((id, neg)) = stack.pop() {
            let id = self.resolve(id);
            match &self.src.nodes.get(id) {
                Node::Binary(BinOp::Plus, a, b) => stack.extend([(*b, neg), (*a, neg)]),
                Node::Binary(BinOp::Minus, a, b) => stack.extend([(*b, !neg), (*a, neg)]),
                Node::Nary(NaryOp::Sum, list) => stack.extend(list.iter().rev().map(|&c| (c as NodeId, neg))),
                Node::Unary(UnOp::Neg, a) => stack.push((*a, !neg)),
                Node::Const(c) => out.push((neg ^ (*c < 0.0), num(c.abs()))),
                Node::Binary(BinOp::Mult, a, b) if self.negative_constant(*a) => {
                    let Node::Const(c) = self.src.nodes.get(self.resolve(*a)) else { unreachable!("matched above") };
                    out.push((!neg, self.coefficient(-c, *b, depth)));
                }
                _ => out.push((neg, wrap(self.expr(id, depth + 1), P_NEG + 1))),
            }
        }
    }

    fn negative_constant(&self, id: NodeId) -> bool {
        matches!(self.src.nodes.get(self.resolve(id)), Node::Const(c) if c < 0.0)
    }

    /// A sum (or negation) as signed terms.
    fn sum(&self, id: NodeId, depth: usize) -> (String, u8) {
        let mut t = Vec::new();
        self.terms(id, false, depth, &mut t);
        let prec = if t.len() == 1 && t[0].0 { P_NEG } else if t.len() == 1 { P_PROD } else { P_SUM };
        (join(&t), prec)
    }

    /// `c*e` with `c > 0` (`e` alone when `c = 1`).
    fn coefficient(&self, c: f64, e: NodeId, depth: usize) -> String {
        let e = wrap(self.expr(e, depth + 1), P_PROD);
        if c == 1.0 { e } else { format!("{}*{e}", num(c)) }
    }

    fn call(&self, name: &str, args: &[NodeId], depth: usize) -> (String, u8) {
        let a: Vec<String> = args.iter().map(|&c| self.expr(c, depth + 1).0).collect();
        (format!("{name}({})", a.join(", ")), P_ATOM)
    }

    /// Text and precedence of the expression at `id`.
    fn expr(&self, id: NodeId, depth: usize) -> (String, u8) {
        if depth > MAX_DEPTH {
            return ("…".into(), P_ATOM);
        }
        let id = self.resolve(id);
        let sub = |c: NodeId| self.expr(c, depth + 1);
        match &self.src.nodes.get(id) {
            Node::Const(c) => (num(*c), if *c < 0.0 { P_NEG } else { P_ATOM }),
            Node::Var(j) => ((self.names)(*j), P_ATOM),
            Node::Def(_) => unreachable!("resolved above"),
            Node::Binary(BinOp::Plus | BinOp::Minus, ..) | Node::Nary(NaryOp::Sum, _) | Node::Unary(UnOp::Neg, _) => self.sum(id, depth),
            // `(-c)*e` reads as `-c*e`.
            Node::Binary(BinOp::Mult, a, _) if self.negative_constant(*a) => self.sum(id, depth),
            Node::Unary(op, a) => {
                let f = |name: &str| self.call(name, &[*a], depth);
                match op {
                    UnOp::Sqr => (format!("{}^2", wrap(sub(*a), P_ATOM)), P_POW),
                    UnOp::PowC(c) => (format!("{}^{}", wrap(sub(*a), P_ATOM), wrap((num(*c), if *c < 0.0 { P_NEG } else { P_ATOM }), P_ATOM)), P_POW),
                    UnOp::CPow(c) => (format!("{}^{}", wrap((num(*c), if *c < 0.0 { P_NEG } else { P_ATOM }), P_ATOM), wrap(sub(*a), P_ATOM)), P_POW),
                    UnOp::Floor => f("floor"),
                    UnOp::Ceil => f("ceil"),
                    UnOp::Abs => f("abs"),
                    UnOp::Not => (format!("!{}", wrap(sub(*a), P_ATOM)), P_NEG),
                    UnOp::Tanh => f("tanh"),
                    UnOp::Tan => f("tan"),
                    UnOp::Sqrt => f("sqrt"),
                    UnOp::Sinh => f("sinh"),
                    UnOp::Sin => f("sin"),
                    UnOp::Log10 => f("log10"),
                    UnOp::Log => f("log"),
                    UnOp::Exp => f("exp"),
                    UnOp::Cosh => f("cosh"),
                    UnOp::Cos => f("cos"),
                    UnOp::Atanh => f("atanh"),
                    UnOp::Atan => f("atan"),
                    UnOp::Asinh => f("asinh"),
                    UnOp::Asin => f("asin"),
                    UnOp::Acosh => f("acosh"),
                    UnOp::Acos => f("acos"),
                    UnOp::Neg => unreachable!("a sum"),
                }
            }
            Node::Binary(op, a, b) => {
                let infix = |sym: &str, l: u8, r: u8, prec: u8| (format!("{}{sym}{}", wrap(sub(*a), l), wrap(sub(*b), r)), prec);
                match op {
                    BinOp::Mult => infix("*", P_NEG, P_PROD, P_PROD),
                    BinOp::Div => infix("/", P_NEG, P_POW, P_PROD),
                    BinOp::Pow => infix("^", P_ATOM, P_ATOM, P_POW),
                    BinOp::Lt => infix(" < ", P_SUM, P_SUM, P_LOW),
                    BinOp::Le => infix(" <= ", P_SUM, P_SUM, P_LOW),
                    BinOp::Eq => infix(" == ", P_SUM, P_SUM, P_LOW),
                    BinOp::Ge => infix(" >= ", P_SUM, P_SUM, P_LOW),
                    BinOp::Gt => infix(" > ", P_SUM, P_SUM, P_LOW),
                    BinOp::Ne => infix(" != ", P_SUM, P_SUM, P_LOW),
                    BinOp::Or => infix(" || ", P_SUM, P_SUM, P_LOW),
                    BinOp::And => infix(" && ", P_SUM, P_SUM, P_LOW),
                    BinOp::Less => (format!("max({} - {}, 0)", sub(*a).0, wrap(sub(*b), P_NEG + 1)), P_ATOM),
                    BinOp::Rem => self.call("fmod", &[*a, *b], depth),
                    BinOp::Atan2 => self.call("atan2", &[*a, *b], depth),
                    BinOp::IntDiv => self.call("div", &[*a, *b], depth),
                    BinOp::Precision => self.call("precision", &[*a, *b], depth),
                    BinOp::Round => self.call("round", &[*a, *b], depth),
                    BinOp::Trunc => self.call("trunc", &[*a, *b], depth),
                    BinOp::Plus | BinOp::Minus => unreachable!("a sum"),
                }
            }
            Node::Nary(op, list) => match op {
                NaryOp::Min | NaryOp::Max => {
                    let list: Vec<NodeId> = list.iter().map(|&c| c as NodeId).collect();
                    self.call(if *op == NaryOp::Min { "min" } else { "max" }, &list, depth)
                }
                NaryOp::And | NaryOp::Or => {
                    let sym = if *op == NaryOp::And { " && " } else { " || " };
                    (list.iter().map(|&c| wrap(sub(c as NodeId), P_SUM)).collect::<Vec<_>>().join(sym), P_LOW)
                }
                NaryOp::Sum => unreachable!("a sum"),
            },
            Node::If(c, a, b) => (format!("if {} then {} else {}", sub(*c).0, wrap(sub(*a), P_SUM), wrap(sub(*b), P_SUM)), P_LOW),
            Node::Pl(k, a) => (format!("piecewise{k}({})", sub(*a).0), P_ATOM),
        }
    }
}

impl NlProblem {
    /// Row `i` as algebra, e.g. `x + y == 3`, `2 <= x^2 + y^2 <= 5`, `exp(z) - w >= 0`, with
    /// variables by their `.col` names (`x[j]` without them); see the module documentation of
    /// `nl::render`. `None` when `i` is not a row.
    pub fn render_row(&self, i: usize) -> Option<String> {
        let src = &*self.source;
        let body = *src.con_body.get(i)?;
        let names = |j: usize| self.var_names.as_ref().and_then(|v| v.get(j)).cloned().unwrap_or_else(|| format!("x[{j}]"));
        let r = Renderer { src, names: &names };
        let mut terms = Vec::new();
        r.terms(body, false, 0, &mut terms);
        // `n0` bodies of linear rows, and zero constants, say nothing.
        terms.retain(|(_, t)| t != "0");
        for &(j, a) in &src.con_linear[i] {
            if a != 0.0 {
                let name = names(j);
                terms.push((a < 0.0, if a.abs() == 1.0 { name } else { format!("{}*{name}", num(a.abs())) }));
            }
        }
        let body = join(&terms);
        let (lo, hi) = (self.con_lb[i], self.con_ub[i]);
        Some(match (lo.is_finite(), hi.is_finite()) {
            _ if lo == hi => format!("{body} == {}", num(lo)),
            (true, true) => format!("{} <= {body} <= {}", num(lo), num(hi)),
            (true, false) => format!("{body} >= {}", num(lo)),
            (false, true) => format!("{body} <= {}", num(hi)),
            (false, false) => format!("{body}  (free row)"),
        })
    }

    /// The row named `name` by the `.row` file, or with index `name` (`"14"`), as
    /// `print equation NAME|ROW` addresses it.
    pub fn find_row(&self, name: &str) -> Option<usize> {
        if let Some(i) = self.con_names.as_ref().and_then(|v| v.iter().position(|n| n == name)) {
            return Some(i);
        }
        name.parse::<usize>().ok().filter(|&i| i < self.header.n_con)
    }

    /// `print equation NAME|ROW`: `label:  algebra`, the label being the `.row` name or `c[i]`.
    pub fn print_equation(&self, name: &str) -> Option<String> {
        let i = self.find_row(name)?;
        let label = self.con_names.as_ref().and_then(|v| v.get(i)).cloned().unwrap_or_else(|| format!("c[{i}]"));
        Some(format!("{label}:  {}", self.render_row(i)?))
    }
}
