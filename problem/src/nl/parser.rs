//! Reader for the text (`g`) `.nl` format (D. M. Gay, "Writing .nl Files", Sandia report
//! SAND2005-7907P, 2005).
//!
//! The file is a 10-line header followed by segments, each introduced by a letter at the start of
//! a line. Expressions are written in prefix (Polish) notation, one token per line; they are read
//! with an explicit stack so that nesting depth is bounded only by memory.

use super::error::NlError;
use super::expr::{BinOp, NaryOp, Node, NodeId, PiecewiseLinear, UnOp, binary, unary};

/// The counts in the header of an `.nl` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NlHeader {
    /// Number of variables.
    pub n_var: usize,
    /// Number of general constraints.
    pub n_con: usize,
    /// Number of objectives.
    pub n_obj: usize,
    /// Number of range constraints (`l ≤ c ≤ u`, finite and different).
    pub n_ranges: usize,
    /// Number of equality constraints.
    pub n_eqns: usize,
    /// Number of logical constraints.
    pub n_lcons: usize,
    /// Number of nonlinear constraints.
    pub nlc: usize,
    /// Number of nonlinear objectives.
    pub nlo: usize,
    /// Number of complementarity conditions.
    pub n_cc: usize,
    /// Number of imported functions.
    pub n_funcs: usize,
    /// Binary variables.
    pub nbv: usize,
    /// Other integer variables.
    pub niv: usize,
    /// Nonzeros in the Jacobian (entries of all `J` segments).
    pub nzc: usize,
    /// Nonzeros in the objective gradients (entries of all `G` segments).
    pub nzo: usize,
    /// Defined variables (common expressions), all five kinds together.
    pub n_defined: usize,
}

/// What a suffix is attached to (low two bits of the `S` segment's kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuffixTarget {
    /// Variables.
    Variable,
    /// Constraints.
    Constraint,
    /// Objectives.
    Objective,
    /// The problem as a whole.
    Problem,
}

/// A suffix from an `S` segment, e.g. `scaling_factor`.
#[derive(Debug, Clone, PartialEq)]
pub struct Suffix {
    /// Suffix name as written by the modeling system.
    pub name: String,
    /// What the indices refer to.
    pub target: SuffixTarget,
    /// Whether values are real (`kind & 4`) rather than integer.
    pub real: bool,
    /// `(index, value)` pairs.
    pub values: Vec<(usize, f64)>,
}

/// The raw content of an `.nl` file.
#[derive(Debug, Clone)]
pub(crate) struct NlModel {
    pub header: NlHeader,
    pub nodes: Vec<Node>,
    pub pls: Vec<PiecewiseLinear>,
    pub def_roots: Vec<NodeId>,
    pub con_body: Vec<NodeId>,
    pub obj_body: Vec<NodeId>,
    /// `true` = maximize.
    pub obj_max: Vec<bool>,
    pub con_linear: Vec<Vec<(usize, f64)>>,
    pub obj_linear: Vec<Vec<(usize, f64)>>,
    pub var_lb: Vec<f64>,
    pub var_ub: Vec<f64>,
    pub con_lb: Vec<f64>,
    pub con_ub: Vec<f64>,
    /// Primal initial guess entries given in the file.
    pub x0: Vec<Option<f64>>,
    /// Dual initial guess entries given in the file.
    pub y0: Vec<Option<f64>>,
    pub suffixes: Vec<Suffix>,
}

/// Line cursor over the file text (no up-front split: a large model is not duplicated as a
/// vector of lines).
struct Lines<'a> {
    rest: &'a str,
    /// Lines consumed so far (= 1-based number of the last line returned).
    pos: usize,
}

impl<'a> Lines<'a> {
    /// Next line and its 1-based number.
    fn next(&mut self, expected: &str) -> Result<(usize, &'a str), NlError> {
        if self.rest.is_empty() {
            return Err(NlError::UnexpectedEof { line: self.pos + 1, expected: expected.to_string() });
        }
        let (line, rest) = match self.rest.find('\n') {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, ""),
        };
        self.rest = rest;
        self.pos += 1;
        Ok((self.pos, line.strip_suffix('\r').unwrap_or(line)))
    }

    fn at_end(&self) -> bool {
        self.rest.is_empty()
    }

    fn end_line(&self) -> usize {
        self.pos + 1
    }
}

/// The tokens of a line, comments (`# …`) removed.
fn tokens(line: &str) -> std::str::SplitWhitespace<'_> {
    line.split('#').next().unwrap_or("").split_whitespace()
}

fn parse_usize(tok: Option<&str>, line: usize, what: &str) -> Result<usize, NlError> {
    let t = tok.ok_or_else(|| NlError::syntax(line, what, ""))?;
    t.parse::<usize>().map_err(|_| NlError::syntax(line, what, t))
}

fn parse_f64(tok: Option<&str>, line: usize, what: &str) -> Result<f64, NlError> {
    let t = tok.ok_or_else(|| NlError::syntax(line, what, ""))?;
    match t.parse::<f64>() {
        Ok(v) if !v.is_nan() => Ok(v),
        _ => Err(NlError::syntax(line, what, t)),
    }
}

fn check_index(index: usize, limit: usize, line: usize, what: &'static str) -> Result<usize, NlError> {
    if index < limit {
        Ok(index)
    } else {
        Err(NlError::IndexOutOfRange { line, what, index: index as u64, limit })
    }
}

/// Read `n` integers from a header line (at least `min` must be present, missing ones are 0).
fn header_ints(lines: &mut Lines<'_>, min: usize, max: usize, what: &str) -> Result<(usize, Vec<usize>), NlError> {
    let (ln, line) = lines.next(what)?;
    let mut out = Vec::new();
    for t in tokens(line).take(max) {
        out.push(t.parse::<usize>().map_err(|_| NlError::syntax(ln, format!("{what} (nonnegative integers)"), line))?);
    }
    if out.len() < min {
        return Err(NlError::syntax(ln, format!("{min} integers: {what}"), line));
    }
    out.resize(max, 0);
    Ok((ln, out))
}

fn opcode_name(code: usize) -> &'static str {
    match code {
        59 => "count",
        60 | 61 => "numberof",
        62 | 63 | 66..=69 => "atleast/atmost/exactly",
        65 => "symbolic if-then-else",
        72 => "implies",
        73 => "iff",
        74 => "alldiff",
        75 => "somesame",
        79 => "imported function call",
        81 => "string literal",
        _ => "logical operator",
    }
}

enum Pending {
    Unary(UnOp),
    Binary(u8),
    Nary(NaryOp),
    If,
    Pl(usize),
}

struct Frame {
    op: Pending,
    need: usize,
    kids: Vec<NodeId>,
}

/// Parser state: the arena being built plus the per-file counts.
struct Parser {
    header: NlHeader,
    nodes: Vec<Node>,
    pls: Vec<PiecewiseLinear>,
    /// Defined variables referenced by the expression being parsed: `(k, line)`.
    refs: Vec<(usize, usize)>,
}

impl Parser {
    fn push(&mut self, n: Node) -> NodeId {
        self.nodes.push(n);
        self.nodes.len() - 1
    }

    /// A reference `v<i>`: a model variable or a defined variable.
    fn reference(&mut self, idx: usize, line: usize) -> Result<NodeId, NlError> {
        let h = &self.header;
        if idx < h.n_var {
            Ok(self.push(Node::Var(idx)))
        } else {
            let k = check_index(idx, h.n_var + h.n_defined, line, "variable")? - h.n_var;
            self.refs.push((k, line));
            Ok(self.push(Node::Def(k)))
        }
    }

    fn constant(&self, line: usize, text: &str) -> Result<f64, NlError> {
        let mut chars = text.chars();
        match chars.next() {
            Some('n' | 's' | 'l') => parse_f64(tokens(chars.as_str()).next(), line, "a number after 'n'/'s'/'l'"),
            _ => Err(NlError::syntax(line, "a constant (n/s/l line)", text)),
        }
    }

    fn build(&mut self, f: Frame) -> NodeId {
        let is_const = |p: &Parser, id: NodeId| match p.nodes[id] {
            Node::Const(c) => Some(c),
            _ => None,
        };
        // Operators on constants are folded, so that e.g. `x^(1/2)` written as `o5 v0 o3 n1 n2`
        // still gets the constant-exponent power below.
        let node = match f.op {
            Pending::Unary(op) => match is_const(self, f.kids[0]) {
                Some(c) => Node::Const(unary(op, c).0),
                None => Node::Unary(op, f.kids[0]),
            },
            Pending::Binary(code) => {
                let (a, b) = (f.kids[0], f.kids[1]);
                // Constant exponents/bases get their own operators: their derivatives are
                // defined for negative bases (x^2 at x < 0), unlike the general u^w.
                match (code, is_const(self, a), is_const(self, b)) {
                    (_, Some(u), Some(w)) => Node::Const(binary(binop(code), u, w).f),
                    (5 | 76, _, Some(c)) => Node::Unary(UnOp::PowC(c), a),
                    (5 | 78, Some(c), None) => Node::Unary(UnOp::CPow(c), b),
                    _ => Node::Binary(binop(code), a, b),
                }
            }
            Pending::Nary(op) => Node::Nary(op, f.kids),
            Pending::If => Node::If(f.kids[0], f.kids[1], f.kids[2]),
            Pending::Pl(k) => Node::Pl(k, f.kids[0]),
        };
        self.push(node)
    }

    /// Parse one expression starting at the next line.
    fn expr(&mut self, lines: &mut Lines<'_>) -> Result<NodeId, NlError> {
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            let (ln, line) = lines.next("an expression line (o/n/v/s/l)")?;
            let text = line.trim_start();
            let mut id = match text.chars().next() {
                Some('n' | 's' | 'l') => {
                    let c = self.constant(ln, text)?;
                    self.push(Node::Const(c))
                }
                Some('v') => {
                    let idx = parse_usize(tokens(&text[1..]).next(), ln, "a variable index after 'v'")?;
                    self.reference(idx, ln)?
                }
                Some('o') => {
                    let code = parse_usize(tokens(&text[1..]).next(), ln, "an opcode after 'o'")?;
                    stack.push(self.operator(code, ln, lines)?);
                    continue;
                }
                Some('f') => return Err(NlError::Unsupported { line: ln, what: "imported function call".into() }),
                Some('h') => return Err(NlError::Unsupported { line: ln, what: "string literal in an expression".into() }),
                _ => return Err(NlError::syntax(ln, "an expression line (o/n/v/s/l)", line)),
            };
            loop {
                match stack.last_mut() {
                    None => return Ok(id),
                    Some(fr) => {
                        fr.kids.push(id);
                        if fr.kids.len() < fr.need {
                            break;
                        }
                    }
                }
                if let Some(fr) = stack.pop() {
                    id = self.build(fr);
                }
            }
        }
    }

    /// The pending operator for opcode `code` (list counts and piecewise-linear data are read here).
    fn operator(&mut self, code: usize, ln: usize, lines: &mut Lines<'_>) -> Result<Frame, NlError> {
        let frame = |op, need| Frame { op, need, kids: Vec::new() };
        let un = |op| Ok(frame(Pending::Unary(op), 1));
        match code {
            13 => un(UnOp::Floor),
            14 => un(UnOp::Ceil),
            15 => un(UnOp::Abs),
            16 => un(UnOp::Neg),
            34 => un(UnOp::Not),
            37 => un(UnOp::Tanh),
            38 => un(UnOp::Tan),
            39 => un(UnOp::Sqrt),
            40 => un(UnOp::Sinh),
            41 => un(UnOp::Sin),
            42 => un(UnOp::Log10),
            43 => un(UnOp::Log),
            44 => un(UnOp::Exp),
            45 => un(UnOp::Cosh),
            46 => un(UnOp::Cos),
            47 => un(UnOp::Atanh),
            49 => un(UnOp::Atan),
            50 => un(UnOp::Asinh),
            51 => un(UnOp::Asin),
            52 => un(UnOp::Acosh),
            53 => un(UnOp::Acos),
            77 => un(UnOp::Sqr),
            0..=6 | 20..=24 | 28..=30 | 48 | 55..=58 | 76 | 78 => Ok(frame(Pending::Binary(code as u8), 2)),
            35 => Ok(frame(Pending::If, 3)),
            11 | 12 | 54 | 70 | 71 => {
                let (cl, cline) = lines.next("the operand count of a list operator")?;
                let k = parse_usize(tokens(cline).next(), cl, "the operand count of a list operator")?;
                if k == 0 {
                    return Err(NlError::invalid(cl, "list operator with no operands"));
                }
                let op = match code {
                    11 => NaryOp::Min,
                    12 => NaryOp::Max,
                    54 => NaryOp::Sum,
                    70 => NaryOp::And,
                    _ => NaryOp::Or,
                };
                Ok(frame(Pending::Nary(op), k))
            }
            64 => {
                let (cl, cline) = lines.next("the slope count of a piecewise-linear term")?;
                let k = parse_usize(tokens(cline).next(), cl, "the slope count of a piecewise-linear term")?;
                if k < 2 {
                    return Err(NlError::invalid(cl, "too few slopes in piecewise-linear term (need ≥ 2)"));
                }
                let mut slopes = Vec::new();
                let mut breaks = Vec::new();
                for i in 0..k.saturating_mul(2) - 1 {
                    let (l, t) = lines.next("a piecewise-linear slope or breakpoint")?;
                    let c = self.constant(l, t.trim_start())?;
                    if i % 2 == 0 {
                        slopes.push(c);
                    } else {
                        if breaks.last().is_some_and(|&b| c <= b) {
                            return Err(NlError::invalid(l, "piecewise-linear breakpoints must increase"));
                        }
                        breaks.push(c);
                    }
                }
                self.pls.push(PiecewiseLinear { slopes, breaks });
                Ok(frame(Pending::Pl(self.pls.len() - 1), 1))
            }
            59..=63 | 65..=69 | 72..=75 | 79 | 81 => {
                Err(NlError::Unsupported { line: ln, what: format!("operator o{code} ({})", opcode_name(code)) })
            }
            _ => Err(NlError::syntax(ln, "a known opcode", &format!("o{code}"))),
        }
    }
}

fn binop(code: u8) -> BinOp {
    match code {
        0 => BinOp::Plus,
        1 => BinOp::Minus,
        2 => BinOp::Mult,
        3 => BinOp::Div,
        4 => BinOp::Rem,
        6 => BinOp::Less,
        20 => BinOp::Or,
        21 => BinOp::And,
        22 => BinOp::Lt,
        23 => BinOp::Le,
        24 => BinOp::Eq,
        28 => BinOp::Ge,
        29 => BinOp::Gt,
        30 => BinOp::Ne,
        48 => BinOp::Atan2,
        55 => BinOp::IntDiv,
        56 => BinOp::Precision,
        57 => BinOp::Round,
        58 => BinOp::Trunc,
        // 5, 76, 78 with non-constant operands: the general power.
        _ => BinOp::Pow,
    }
}

/// Read `count` lines of `<index> <value>` pairs, indices checked against `limit`.
fn index_values(
    lines: &mut Lines<'_>,
    count: usize,
    limit: usize,
    what: &'static str,
) -> Result<Vec<(usize, f64)>, NlError> {
    let mut out = Vec::new();
    for _ in 0..count {
        let (ln, line) = lines.next("an 'index value' line")?;
        let mut t = tokens(line);
        let i = check_index(parse_usize(t.next(), ln, "an index")?, limit, ln, what)?;
        let v = parse_f64(t.next(), ln, "a value")?;
        out.push((i, v));
    }
    Ok(out)
}

/// Segment header line: letter followed by integers, e.g. `C3` or `J3 2` or `O0 1`.
fn seg_ints(line: &str, ln: usize, n: usize, what: &str) -> Result<Vec<usize>, NlError> {
    let mut t = tokens(&line[1..]);
    (0..n).map(|_| parse_usize(t.next(), ln, what)).collect()
}

/// Parse the text of an `.nl` file.
pub(crate) fn parse(text: &str) -> Result<NlModel, NlError> {
    let mut lines = Lines { rest: text, pos: 0 };
    let (ln, first) = lines.next("the header line starting with 'g'")?;
    match first.chars().next() {
        Some('g') => {}
        Some('b') => return Err(NlError::Unsupported { line: ln, what: "binary .nl format; write the text 'g' format instead (in AMPL: `write g<stub>;`)".into() }),
        _ => return Err(NlError::syntax(ln, "'g' (text .nl header)", first)),
    }
    let (_, l2) = header_ints(&mut lines, 3, 6, "vars, constraints, objectives, ranges, equations, logical constraints")?;
    let (_, l3) = header_ints(&mut lines, 2, 6, "nonlinear constraints, objectives[, complementarity]")?;
    let _ = header_ints(&mut lines, 0, 2, "network constraints")?;
    let _ = header_ints(&mut lines, 0, 3, "nonlinear variables")?;
    let (_, l6) = header_ints(&mut lines, 0, 4, "linear network variables, functions, arith, flags")?;
    let (_, l7) = header_ints(&mut lines, 0, 5, "discrete variables")?;
    let (_, l8) = header_ints(&mut lines, 2, 2, "nonzeros in Jacobian, gradients")?;
    let _ = header_ints(&mut lines, 0, 2, "max name lengths")?;
    let (l10n, l10) = header_ints(&mut lines, 0, 5, "common expressions")?;
    let header = NlHeader {
        n_var: l2[0],
        n_con: l2[1],
        n_obj: l2[2],
        n_ranges: l2[3],
        n_eqns: l2[4],
        n_lcons: l2[5],
        nlc: l3[0],
        nlo: l3[1],
        n_cc: l3[2],
        n_funcs: l6[1],
        nbv: l7[0],
        niv: l7[1],
        nzc: l8[0],
        nzo: l8[1],
        n_defined: l10.iter().try_fold(0usize, |a, &b| a.checked_add(b)).unwrap_or(usize::MAX),
    };
    // Every variable, constraint, objective and defined variable needs at least one line of its
    // own further down, so counts beyond the file size are corrupt; rejecting them here keeps a
    // damaged header from triggering a huge allocation.
    let budget = text.len();
    for (count, what) in [
        (header.n_var, "variables"),
        (header.n_con, "constraints"),
        (header.n_obj, "objectives"),
        (header.n_defined, "defined variables"),
        (header.nzc, "Jacobian nonzeros"),
        (header.nzo, "gradient nonzeros"),
    ] {
        if count > budget {
            return Err(NlError::invalid(l10n, format!("header declares {count} {what}, more than the file can hold")));
        }
    }
    if header.n_cc > 0 {
        return Err(NlError::Unsupported { line: 3, what: "complementarity constraints".into() });
    }
    let (n, m, no, nd) = (header.n_var, header.n_con, header.n_obj, header.n_defined);
    let mut p = Parser { header: header.clone(), nodes: Vec::new(), pls: Vec::new(), refs: Vec::new() };

    let mut def_roots: Vec<Option<(NodeId, usize)>> = vec![None; nd];
    let mut def_deps: Vec<Vec<usize>> = vec![Vec::new(); nd];
    let mut all_refs: Vec<(usize, usize)> = Vec::new();
    let mut con_body: Vec<Option<NodeId>> = vec![None; m];
    let mut obj_body: Vec<Option<NodeId>> = vec![None; no];
    let mut obj_max = vec![false; no];
    let mut con_linear: Vec<Option<Vec<(usize, f64)>>> = vec![None; m];
    let mut obj_linear: Vec<Option<Vec<(usize, f64)>>> = vec![None; no];
    let mut var_lb = vec![f64::NEG_INFINITY; n];
    let mut var_ub = vec![f64::INFINITY; n];
    let mut con_lb = vec![f64::NEG_INFINITY; m];
    let mut con_ub = vec![f64::INFINITY; m];
    let mut x0: Vec<Option<f64>> = vec![None; n];
    let mut y0: Vec<Option<f64>> = vec![None; m];
    let mut suffixes = Vec::new();
    let (mut seen_b, mut seen_r, mut seen_k) = (false, false, false);

    while !lines.at_end() {
        let (ln, line) = lines.next("a segment")?;
        if line.trim().is_empty() {
            continue;
        }
        let seg = line.chars().next().unwrap_or(' ');
        match seg {
            'F' => return Err(NlError::Unsupported { line: ln, what: "imported functions (F segment)".into() }),
            'L' => return Err(NlError::Unsupported { line: ln, what: "logical constraints (L segment)".into() }),
            'S' => {
                let mut t = tokens(&line[1..]);
                let kind = parse_usize(t.next(), ln, "suffix kind")?;
                let count = parse_usize(t.next(), ln, "suffix entry count")?;
                let name = t.next().ok_or_else(|| NlError::syntax(ln, "suffix name", line))?.to_string();
                let (target, limit, what) = match kind & 3 {
                    0 => (SuffixTarget::Variable, n, "suffix variable"),
                    1 => (SuffixTarget::Constraint, m, "suffix constraint"),
                    2 => (SuffixTarget::Objective, no, "suffix objective"),
                    _ => (SuffixTarget::Problem, 1, "suffix problem"),
                };
                let values = index_values(&mut lines, count, limit, what)?;
                suffixes.push(Suffix { name, target, real: kind & 4 != 0, values });
            }
            'V' => {
                let v = seg_ints(line, ln, 2, "'V<index> <linear terms> <kind>'")?;
                let k = check_index(v[0].wrapping_sub(n), nd, ln, "defined variable")
                    .map_err(|_| NlError::IndexOutOfRange { line: ln, what: "defined variable", index: v[0] as u64, limit: n + nd })?;
                if def_roots[k].is_some() {
                    return Err(NlError::invalid(ln, format!("defined variable {} defined twice", v[0])));
                }
                p.refs.clear();
                let mut terms = Vec::new();
                for (j, c) in index_values(&mut lines, v[1], n + nd, "variable")? {
                    let r = p.reference(j, ln)?;
                    let cn = p.push(Node::Const(c));
                    terms.push(p.push(Node::Binary(BinOp::Mult, cn, r)));
                }
                let e = p.expr(&mut lines)?;
                let root = if terms.is_empty() {
                    e
                } else {
                    terms.insert(0, e);
                    p.push(Node::Nary(NaryOp::Sum, terms))
                };
                def_roots[k] = Some((root, ln));
                def_deps[k] = p.refs.iter().map(|r| r.0).collect();
                all_refs.append(&mut p.refs);
            }
            'C' => {
                let i = check_index(seg_ints(line, ln, 1, "'C<index>'")?[0], m, ln, "constraint")?;
                if con_body[i].is_some() {
                    return Err(NlError::invalid(ln, format!("constraint {i} has two C segments")));
                }
                p.refs.clear();
                con_body[i] = Some(p.expr(&mut lines)?);
                all_refs.append(&mut p.refs);
            }
            'O' => {
                let v = seg_ints(line, ln, 2, "'O<index> <sense>'")?;
                let i = check_index(v[0], no, ln, "objective")?;
                if obj_body[i].is_some() {
                    return Err(NlError::invalid(ln, format!("objective {i} has two O segments")));
                }
                if v[1] > 1 {
                    return Err(NlError::syntax(ln, "objective sense 0 (minimize) or 1 (maximize)", line));
                }
                obj_max[i] = v[1] == 1;
                p.refs.clear();
                obj_body[i] = Some(p.expr(&mut lines)?);
                all_refs.append(&mut p.refs);
            }
            'd' => {
                let c = seg_ints(line, ln, 1, "'d<count>'")?[0];
                for (i, v) in index_values(&mut lines, c, m, "constraint")? {
                    y0[i] = Some(v);
                }
            }
            'x' => {
                let c = seg_ints(line, ln, 1, "'x<count>'")?[0];
                for (i, v) in index_values(&mut lines, c, n, "variable")? {
                    x0[i] = Some(v);
                }
            }
            'r' | 'b' => {
                let (count, lo, hi, seen) = if seg == 'r' {
                    (m, &mut con_lb, &mut con_ub, &mut seen_r)
                } else {
                    (n, &mut var_lb, &mut var_ub, &mut seen_b)
                };
                if *seen {
                    return Err(NlError::invalid(ln, format!("second '{seg}' segment")));
                }
                *seen = true;
                for i in 0..count {
                    let (l, text) = lines.next("a bound line (type 0-4)")?;
                    let mut t = tokens(text);
                    let ty = parse_usize(t.next(), l, "a bound type 0-4")?;
                    let mut num = |what| parse_f64(t.next(), l, what);
                    match ty {
                        0 => {
                            lo[i] = num("lower bound")?;
                            hi[i] = num("upper bound")?;
                        }
                        1 => hi[i] = num("upper bound")?,
                        2 => lo[i] = num("lower bound")?,
                        3 => {}
                        4 => {
                            let v = num("fixed value")?;
                            lo[i] = v;
                            hi[i] = v;
                        }
                        5 if seg == 'r' => {
                            return Err(NlError::Unsupported { line: l, what: "complementarity constraint".into() });
                        }
                        _ => return Err(NlError::syntax(l, "a bound type 0-4", text)),
                    }
                }
            }
            'k' => {
                if seen_k {
                    return Err(NlError::invalid(ln, "second 'k' segment"));
                }
                seen_k = true;
                let c = seg_ints(line, ln, 1, "'k<count>'")?[0];
                if c.checked_add(1) != Some(n) && !(n == 0 && c == 0) {
                    return Err(NlError::invalid(ln, format!("k segment has {c} entries, expected {} (variables − 1)", n.saturating_sub(1))));
                }
                let mut prev = 0;
                for _ in 0..c {
                    let (l, t) = lines.next("a cumulative Jacobian column count")?;
                    let v = parse_usize(tokens(t).next(), l, "a cumulative Jacobian column count")?;
                    if v < prev || v > header.nzc {
                        return Err(NlError::invalid(l, format!("column count {v} not in [{prev}, {}]", header.nzc)));
                    }
                    prev = v;
                }
            }
            'J' | 'G' => {
                let v = seg_ints(line, ln, 2, "'J<index> <count>' or 'G<index> <count>'")?;
                let (limit, what, store) =
                    if seg == 'J' { (m, "constraint", &mut con_linear) } else { (no, "objective", &mut obj_linear) };
                let i = check_index(v[0], limit, ln, what)?;
                if store[i].is_some() {
                    return Err(NlError::invalid(ln, format!("{what} {i} has two '{seg}' segments")));
                }
                store[i] = Some(index_values(&mut lines, v[1], n, "variable")?);
            }
            _ => return Err(NlError::syntax(ln, "a segment letter (F S V C L O d x r b k J G)", line)),
        }
    }

    let end = lines.end_line();
    let missing = |what: String| NlError::invalid(end, what);
    if n > 0 && !seen_b {
        return Err(missing("missing 'b' (variable bounds) segment".into()));
    }
    if m > 0 && !seen_r {
        return Err(missing("missing 'r' (constraint bounds) segment".into()));
    }
    let con_body: Vec<NodeId> = con_body
        .into_iter()
        .enumerate()
        .map(|(i, b)| b.ok_or_else(|| missing(format!("constraint {i} has no C segment (header declares {m})"))))
        .collect::<Result<_, _>>()?;
    let obj_body: Vec<NodeId> = obj_body
        .into_iter()
        .enumerate()
        .map(|(i, b)| b.ok_or_else(|| missing(format!("objective {i} has no O segment (header declares {no})"))))
        .collect::<Result<_, _>>()?;
    let con_linear: Vec<Vec<(usize, f64)>> = con_linear.into_iter().map(Option::unwrap_or_default).collect();
    let obj_linear: Vec<Vec<(usize, f64)>> = obj_linear.into_iter().map(Option::unwrap_or_default).collect();
    let nzc: usize = con_linear.iter().map(Vec::len).sum();
    let nzo: usize = obj_linear.iter().map(Vec::len).sum();
    if nzc != header.nzc {
        return Err(missing(format!("J segments hold {nzc} entries, header declares {}", header.nzc)));
    }
    if nzo != header.nzo {
        return Err(missing(format!("G segments hold {nzo} entries, header declares {}", header.nzo)));
    }
    for &(k, line) in &all_refs {
        if def_roots[k].is_none() {
            return Err(NlError::invalid(line, format!("defined variable {} is used but never defined", n + k)));
        }
    }
    check_acyclic(&def_roots, &def_deps, n)?;
    let def_roots = def_roots.into_iter().map(|d| d.map_or(0, |(r, _)| r)).collect();
    Ok(NlModel {
        header,
        nodes: p.nodes,
        pls: p.pls,
        def_roots,
        con_body,
        obj_body,
        obj_max,
        con_linear,
        obj_linear,
        var_lb,
        var_ub,
        con_lb,
        con_ub,
        x0,
        y0,
        suffixes,
    })
}

/// Kahn's algorithm over "defined variable k uses defined variable j": any variable left
/// unordered lies on (or behind) a cycle.
fn check_acyclic(roots: &[Option<(NodeId, usize)>], deps: &[Vec<usize>], n: usize) -> Result<(), NlError> {
    let nd = deps.len();
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); nd];
    let mut pending = vec![0usize; nd];
    for (k, d) in deps.iter().enumerate() {
        for &j in d {
            users[j].push(k);
            pending[k] += 1;
        }
    }
    let mut ready: Vec<usize> = (0..nd).filter(|&k| pending[k] == 0).collect();
    let mut done = 0;
    while let Some(j) = ready.pop() {
        done += 1;
        for &k in &users[j] {
            pending[k] -= 1;
            if pending[k] == 0 {
                ready.push(k);
            }
        }
    }
    if done < nd {
        let k = (0..nd).find(|&k| pending[k] > 0).unwrap_or(0);
        let line = roots[k].map_or(0, |r| r.1);
        return Err(NlError::invalid(line, format!("defined variable {} depends on itself (cycle among V segments)", n + k)));
    }
    Ok(())
}
