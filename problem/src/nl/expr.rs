//! Expression nodes of an `.nl` model and the local derivatives of every operator.
//!
//! Opcode numbers follow ASL's `opcode.hd` (D. M. Gay, "Writing .nl Files", 2005, Table 6).
//! Each operator provides its value and its first and second partial derivatives with respect to
//! its operands; the tape in [`super::tape`] chains them (reverse mode, forward-over-reverse).

/// Index of a node in the model's arena.
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

/// A node of the expression DAG. Nodes made by the parser have a single parent; sharing happens
/// only through [`Node::Def`] references to defined variables (`V` segments).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Const(f64),
    /// Model variable `x_j`.
    Var(usize),
    /// Reference to defined variable (common subexpression) `k`; resolved after parsing.
    Def(usize),
    Unary(UnOp, NodeId),
    Binary(BinOp, NodeId, NodeId),
    Nary(NaryOp, Vec<NodeId>),
    /// `if cond then a else b` (o35): `cond ≠ 0` selects `a`.
    If(NodeId, NodeId, NodeId),
    /// Piecewise-linear term: index into the model's table, operand.
    Pl(usize, NodeId),
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
