//! Expression nodes of an `.nl` model and the local derivatives of every operator.
//!
//! Opcode numbers follow ASL's `opcode.hd` (D. M. Gay, "Writing .nl Files", 2005, Table 6).
//! Each operator provides its value and its first and second partial derivatives with respect to
//! its operands; the tape in [`super::tape`] chains them (reverse mode, forward-over-reverse).

/// Index of a node in the model's [`Dag`].
pub(crate) type NodeId = usize;

/// One-operand operators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum UnOp {
    Floor,
    Ceil,
    Abs,
    Neg,
    Not,
    Tanh,
    Tan,
    Sqrt,
    Sinh,
    Sin,
    Log10,
    Log,
    Exp,
    Cosh,
    Cos,
    Atanh,
    Atan,
    Asinh,
    Asin,
    Acosh,
    Acos,
    /// `u²` (OP2POW, o77).
    Sqr,
    /// `u^c` with a constant exponent (o76, or o5 with a constant right operand).
    PowC(f64),
    /// `c^u` with a constant base (o78, or o5 with a constant left operand).
    CPow(f64),
}

/// Two-operand operators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BinOp {
    Plus,
    Minus,
    Mult,
    Div,
    /// `fmod(u, w)` (o4).
    Rem,
    /// `u^w`, both operands variable (o5).
    Pow,
    /// `max(u − w, 0)` (o6, AMPL's `less`).
    Less,
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
    Ne,
    Or,
    And,
    /// `atan2(u, w)` = angle of the point `(w, u)` (o48).
    Atan2,
    /// `trunc(u / w)` (o55, AMPL's `div`).
    IntDiv,
    /// `u` rounded to `w` significant digits (o56).
    Precision,
    /// `u` rounded to `w` decimal places (o57).
    Round,
    /// `u` truncated to `w` decimal places (o58).
    Trunc,
}

/// List operators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum NaryOp {
    Sum,
    Min,
    Max,
    And,
    Or,
}

/// A piecewise-linear function `f` with `f(0) = 0` (o64): slopes `s₀…s_k` and increasing
/// breakpoints `b₁…b_k`; slope `s_i` applies between `b_i` and `b_{i+1}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PiecewiseLinear {
    pub slopes: Vec<f64>,
    pub breaks: Vec<f64>,
}

impl PiecewiseLinear {
    /// Slope of the segment containing `x` (right-continuous at breakpoints).
    pub fn slope_at(&self, x: f64) -> f64 {
        let i = self.breaks.iter().take_while(|&&b| b <= x).count();
        self.slopes[i]
    }

    /// `f(x) = ∫₀ˣ slope(t) dt` — AMPL anchors piecewise-linear terms at `f(0) = 0`.
    pub fn value(&self, x: f64) -> f64 {
        let (lo, hi) = if x >= 0.0 { (0.0, x) } else { (x, 0.0) };
        let mut acc = 0.0;
        for (i, &s) in self.slopes.iter().enumerate() {
            let seg_lo = if i == 0 { f64::NEG_INFINITY } else { self.breaks[i - 1] };
            let seg_hi = self.breaks.get(i).copied().unwrap_or(f64::INFINITY);
            let a = seg_lo.max(lo);
            let b = seg_hi.min(hi);
            if b > a {
                acc += s * (b - a);
            }
        }
        if x >= 0.0 { acc } else { -acc }
    }
}

/// A node of the expression DAG as read from a [`Dag`] ([`Dag::get`]). Nodes made by the parser
/// have a single parent; sharing happens only through [`Node::Def`] references to defined
/// variables (`V` segments).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Node<'a> {
    Const(f64),
    /// Model variable `x_j`.
    Var(usize),
    /// Reference to defined variable (common subexpression) `k`; resolved after parsing.
    Def(usize),
    Unary(UnOp, NodeId),
    Binary(BinOp, NodeId, NodeId),
    /// List operator over its operands (node ids).
    Nary(NaryOp, &'a [u32]),
    /// `if cond then a else b` (o35): `cond ≠ 0` selects `a`.
    If(NodeId, NodeId, NodeId),
    /// Piecewise-linear term: index into the model's table, operand.
    Pl(usize, NodeId),
}

/// A node as stored: operands as `u32` ids, list operands in [`Dag::lists`], a unary operator
/// as [`UnKind`] plus its constant — 16 bytes, half of a `usize`-operand node with a `Vec` per
/// list and an inline [`UnOp`]. The parser makes one node per expression item, so on large
/// models this array (2 M nodes on obstacle at n = 1e5) is most of what reading costs in memory
/// and first-touch page faults, and it is kept for rendering rows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Packed {
    Const(f64),
    Var(usize),
    Def(usize),
    Unary(UnKind, u32, f64),
    Binary(BinOp, u32, u32),
    Nary(NaryOp, u32, u32),
    If(u32, u32, u32),
    Pl(usize, u32),
}

const _: () = assert!(std::mem::size_of::<Packed>() == 16);

/// The DAG would need node ids or list positions beyond `u32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DagFull;

/// The expression DAG of a model: every node made while parsing, by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Dag {
    nodes: Vec<Packed>,
    /// Operands of the list nodes, each list contiguous.
    lists: Vec<u32>,
}

impl Dag {
    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Node `id`.
    #[inline]
    pub fn get(&self, id: NodeId) -> Node<'_> {
        match self.nodes[id] {
            Packed::Const(c) => Node::Const(c),
            Packed::Var(j) => Node::Var(j),
            Packed::Def(k) => Node::Def(k),
            Packed::Unary(k, a, c) => Node::Unary(k.with(c), a as usize),
            Packed::Binary(op, a, b) => Node::Binary(op, a as usize, b as usize),
            Packed::Nary(op, start, len) => Node::Nary(op, &self.lists[start as usize..start as usize + len as usize]),
            Packed::If(c, a, b) => Node::If(c as usize, a as usize, b as usize),
            Packed::Pl(k, a) => Node::Pl(k, a as usize),
        }
    }

    /// Append `node` and return its id; an error (nothing appended) when an id or a list
    /// position would not fit `u32`.
    pub fn push(&mut self, node: Node<'_>) -> Result<NodeId, DagFull> {
        let id = |i: NodeId| u32::try_from(i).map_err(|_| DagFull);
        let at = id(self.nodes.len())?;
        let packed = match node {
            Node::Const(c) => Packed::Const(c),
            Node::Var(j) => Packed::Var(j),
            Node::Def(k) => Packed::Def(k),
            Node::Unary(op, a) => {
                let (kind, c) = UnKind::of(op);
                Packed::Unary(kind, id(a)?, c)
            }
            Node::Binary(op, a, b) => Packed::Binary(op, id(a)?, id(b)?),
            Node::Nary(op, list) => {
                let (start, len) = (id(self.lists.len())?, id(list.len())?);
                id(self.lists.len() + list.len())?;
                self.lists.extend_from_slice(list);
                Packed::Nary(op, start, len)
            }
            Node::If(c, a, b) => Packed::If(id(c)?, id(a)?, id(b)?),
            Node::Pl(k, a) => Packed::Pl(k, id(a)?),
        };
        self.nodes.push(packed);
        Ok(at as NodeId)
    }
}

/// A [`UnOp`] without the constant of `PowC`/`CPow`: one byte, which keeps stored nodes and tape
/// instructions at 16 bytes (they carry the constant next to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnKind {
    Floor,
    Ceil,
    Abs,
    Neg,
    Not,
    Tanh,
    Tan,
    Sqrt,
    Sinh,
    Sin,
    Log10,
    Log,
    Exp,
    Cosh,
    Cos,
    Atanh,
    Atan,
    Asinh,
    Asin,
    Acosh,
    Acos,
    Sqr,
    PowC,
    CPow,
}

impl UnKind {
    /// The operator's kind and its constant (0 for operators without one).
    pub(crate) fn of(op: UnOp) -> (UnKind, f64) {
        let k = match op {
            UnOp::Floor => UnKind::Floor,
            UnOp::Ceil => UnKind::Ceil,
            UnOp::Abs => UnKind::Abs,
            UnOp::Neg => UnKind::Neg,
            UnOp::Not => UnKind::Not,
            UnOp::Tanh => UnKind::Tanh,
            UnOp::Tan => UnKind::Tan,
            UnOp::Sqrt => UnKind::Sqrt,
            UnOp::Sinh => UnKind::Sinh,
            UnOp::Sin => UnKind::Sin,
            UnOp::Log10 => UnKind::Log10,
            UnOp::Log => UnKind::Log,
            UnOp::Exp => UnKind::Exp,
            UnOp::Cosh => UnKind::Cosh,
            UnOp::Cos => UnKind::Cos,
            UnOp::Atanh => UnKind::Atanh,
            UnOp::Atan => UnKind::Atan,
            UnOp::Asinh => UnKind::Asinh,
            UnOp::Asin => UnKind::Asin,
            UnOp::Acosh => UnKind::Acosh,
            UnOp::Acos => UnKind::Acos,
            UnOp::Sqr => UnKind::Sqr,
            UnOp::PowC(c) => return (UnKind::PowC, c),
            UnOp::CPow(c) => return (UnKind::CPow, c),
        };
        (k, 0.0)
    }

    /// The operator with constant `c` (ignored by operators without one).
    #[inline(always)]
    pub(crate) fn with(self, c: f64) -> UnOp {
        match self {
            UnKind::Floor => UnOp::Floor,
            UnKind::Ceil => UnOp::Ceil,
            UnKind::Abs => UnOp::Abs,
            UnKind::Neg => UnOp::Neg,
            UnKind::Not => UnOp::Not,
            UnKind::Tanh => UnOp::Tanh,
            UnKind::Tan => UnOp::Tan,
            UnKind::Sqrt => UnOp::Sqrt,
            UnKind::Sinh => UnOp::Sinh,
            UnKind::Sin => UnOp::Sin,
            UnKind::Log10 => UnOp::Log10,
            UnKind::Log => UnOp::Log,
            UnKind::Exp => UnOp::Exp,
            UnKind::Cosh => UnOp::Cosh,
            UnKind::Cos => UnOp::Cos,
            UnKind::Atanh => UnOp::Atanh,
            UnKind::Atan => UnOp::Atan,
            UnKind::Asinh => UnOp::Asinh,
            UnKind::Asin => UnOp::Asin,
            UnKind::Acosh => UnOp::Acosh,
            UnKind::Acos => UnOp::Acos,
            UnKind::Sqr => UnOp::Sqr,
            UnKind::PowC => UnOp::PowC(c),
            UnKind::CPow => UnOp::CPow(c),
        }
    }
}

/// Value, first and second derivative of a unary operator at `u`.
///
/// Formulas are the textbook ones; where the derivative does not exist (floor/ceil jumps, `|u|`
/// at 0) the zero one-sided derivative is used, as ASL does.
// Inlined into each sweep so that the parts a sweep does not use (the derivatives in `forward`,
// the second derivative in the tangent sweep) are removed by the optimizer: on AC power flow the
// tape's sin/cos were 18% of a solve, most of it cosines of the value-only sweep.
#[inline(always)]
pub(crate) fn unary(op: UnOp, u: f64) -> (f64, f64, f64) {
    match op {
        UnOp::Floor => (u.floor(), 0.0, 0.0),
        UnOp::Ceil => (u.ceil(), 0.0, 0.0),
        UnOp::Abs => (u.abs(), if u > 0.0 { 1.0 } else if u < 0.0 { -1.0 } else { 0.0 }, 0.0),
        UnOp::Neg => (-u, -1.0, 0.0),
        UnOp::Not => (if u == 0.0 { 1.0 } else { 0.0 }, 0.0, 0.0),
        UnOp::Tanh => {
            let t = u.tanh();
            let d = 1.0 - t * t;
            (t, d, -2.0 * t * d)
        }
        UnOp::Tan => {
            let t = u.tan();
            let s = 1.0 + t * t;
            (t, s, 2.0 * t * s)
        }
        UnOp::Sqrt => {
            let s = u.sqrt();
            (s, 0.5 / s, -0.25 / (s * u))
        }
        UnOp::Sinh => (u.sinh(), u.cosh(), u.sinh()),
        UnOp::Cosh => (u.cosh(), u.sinh(), u.cosh()),
        UnOp::Sin => {
            let (s, c) = u.sin_cos();
            (s, c, -s)
        }
        UnOp::Cos => {
            let (s, c) = u.sin_cos();
            (c, -s, -c)
        }
        UnOp::Log10 => {
            let l = std::f64::consts::LN_10;
            (u.log10(), 1.0 / (u * l), -1.0 / (u * u * l))
        }
        UnOp::Log => (u.ln(), 1.0 / u, -1.0 / (u * u)),
        UnOp::Exp => {
            let e = u.exp();
            (e, e, e)
        }
        UnOp::Atanh => {
            let q = 1.0 - u * u;
            (u.atanh(), 1.0 / q, 2.0 * u / (q * q))
        }
        UnOp::Atan => {
            let q = 1.0 + u * u;
            (u.atan(), 1.0 / q, -2.0 * u / (q * q))
        }
        UnOp::Asinh => {
            let q = 1.0 + u * u;
            (u.asinh(), 1.0 / q.sqrt(), -u / (q * q.sqrt()))
        }
        UnOp::Asin => {
            let q = 1.0 - u * u;
            (u.asin(), 1.0 / q.sqrt(), u / (q * q.sqrt()))
        }
        UnOp::Acosh => {
            let q = u * u - 1.0;
            (u.acosh(), 1.0 / q.sqrt(), -u / (q * q.sqrt()))
        }
        UnOp::Acos => {
            let q = 1.0 - u * u;
            (u.acos(), -1.0 / q.sqrt(), -u / (q * q.sqrt()))
        }
        UnOp::Sqr => (u * u, 2.0 * u, 2.0),
        UnOp::PowC(c) => {
            // Special exponents avoid 0·∞ at u = 0 (e.g. c = 1 would give 0·u⁻¹).
            if c == 0.0 {
                (1.0, 0.0, 0.0)
            } else if c == 1.0 {
                (u, 1.0, 0.0)
            } else if c == 2.0 {
                (u * u, 2.0 * u, 2.0)
            } else {
                (u.powf(c), c * u.powf(c - 1.0), c * (c - 1.0) * u.powf(c - 2.0))
            }
        }
        UnOp::CPow(c) => {
            let f = c.powf(u);
            let l = c.ln();
            (f, f * l, f * l * l)
        }
    }
}

/// Value and partial derivatives of a binary operator: `(f, f_u, f_w, f_uu, f_uw, f_ww)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BinDerivs {
    pub f: f64,
    pub fu: f64,
    pub fw: f64,
    pub fuu: f64,
    pub fuw: f64,
    pub fww: f64,
}

fn flat(f: f64) -> BinDerivs {
    BinDerivs { f, fu: 0.0, fw: 0.0, fuu: 0.0, fuw: 0.0, fww: 0.0 }
}

fn truth(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// Value and partial derivatives of a binary operator at `(u, w)`.
pub(crate) fn binary(op: BinOp, u: f64, w: f64) -> BinDerivs {
    let lin = |f, fu, fw| BinDerivs { f, fu, fw, fuu: 0.0, fuw: 0.0, fww: 0.0 };
    match op {
        BinOp::Plus => lin(u + w, 1.0, 1.0),
        BinOp::Minus => lin(u - w, 1.0, -1.0),
        BinOp::Mult => BinDerivs { f: u * w, fu: w, fw: u, fuu: 0.0, fuw: 1.0, fww: 0.0 },
        BinOp::Div => {
            let r = 1.0 / w;
            BinDerivs { f: u * r, fu: r, fw: -u * r * r, fuu: 0.0, fuw: -r * r, fww: 2.0 * u * r * r * r }
        }
        // fmod(u, w) = u − trunc(u/w)·w, piecewise linear.
        BinOp::Rem => lin(u % w, 1.0, -(u / w).trunc()),
        BinOp::Pow => {
            let f = u.powf(w);
            let fu = w * u.powf(w - 1.0);
            let fuu = w * (w - 1.0) * u.powf(w - 2.0);
            if u > 0.0 {
                let l = u.ln();
                BinDerivs { f, fu, fw: f * l, fuu, fuw: u.powf(w - 1.0) * (1.0 + w * l), fww: f * l * l }
            } else if f == 0.0 {
                // u = 0, w > 0: the w-derivatives vanish in the limit u → 0⁺.
                BinDerivs { f, fu, fw: 0.0, fuu, fuw: 0.0, fww: 0.0 }
            } else {
                BinDerivs { f, fu, fw: f64::NAN, fuu, fuw: f64::NAN, fww: f64::NAN }
            }
        }
        BinOp::Less => {
            if u > w {
                lin(u - w, 1.0, -1.0)
            } else {
                flat(0.0)
            }
        }
        BinOp::Lt => flat(truth(u < w)),
        BinOp::Le => flat(truth(u <= w)),
        BinOp::Eq => flat(truth(u == w)),
        BinOp::Ge => flat(truth(u >= w)),
        BinOp::Gt => flat(truth(u > w)),
        BinOp::Ne => flat(truth(u != w)),
        BinOp::Or => flat(truth(u != 0.0 || w != 0.0)),
        BinOp::And => flat(truth(u != 0.0 && w != 0.0)),
        BinOp::Atan2 => {
            // ∂/∂u atan2(u,w) = w/r, ∂/∂w = −u/r with r = u² + w².
            let r = u * u + w * w;
            let r2 = r * r;
            BinDerivs {
                f: u.atan2(w),
                fu: w / r,
                fw: -u / r,
                fuu: -2.0 * u * w / r2,
                fuw: (u * u - w * w) / r2,
                fww: 2.0 * u * w / r2,
            }
        }
        BinOp::IntDiv => flat((u / w).trunc()),
        BinOp::Precision => {
            if u == 0.0 || !u.is_finite() {
                flat(u)
            } else {
                let digits = w.round() - u.abs().log10().ceil();
                let s = 10f64.powf(digits);
                flat((u * s).round() / s)
            }
        }
        BinOp::Round => {
            let s = 10f64.powf(w.round());
            flat((u * s).round() / s)
        }
        BinOp::Trunc => {
            let s = 10f64.powf(w.round());
            flat((u * s).trunc() / s)
        }
    }
}

/// Whether a binary operator is piecewise constant (all its derivatives vanish), so an element
/// built from it contributes nothing to the Hessian.
pub(crate) fn is_piecewise_constant_bin(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Lt
            | BinOp::Le
            | BinOp::Eq
            | BinOp::Ge
            | BinOp::Gt
            | BinOp::Ne
            | BinOp::Or
            | BinOp::And
            | BinOp::IntDiv
            | BinOp::Precision
            | BinOp::Round
            | BinOp::Trunc
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dag_reads_back_what_was_pushed_and_refuses_ids_beyond_u32() {
        let mut d = Dag::default();
        let x = d.push(Node::Var(7)).unwrap();
        let c = d.push(Node::Const(-0.5)).unwrap();
        let p = d.push(Node::Unary(UnOp::PowC(2.5), x)).unwrap();
        let s = d.push(Node::Nary(NaryOp::Sum, &[x as u32, p as u32, c as u32])).unwrap();
        let t = d.push(Node::If(s, x, c)).unwrap();
        assert_eq!(d.get(p), Node::Unary(UnOp::PowC(2.5), x));
        assert_eq!(d.get(s), Node::Nary(NaryOp::Sum, &[0, 2, 1]));
        assert_eq!(d.get(t), Node::If(s, x, c));
        let big = u32::MAX as usize + 1;
        assert_eq!(d.push(Node::Binary(BinOp::Mult, x, big)), Err(DagFull));
        assert_eq!(d.push(Node::Pl(0, big)), Err(DagFull));
        assert_eq!(d.len(), 5, "a refused node is not appended");
    }
}
