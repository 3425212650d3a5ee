//! Reader for the text (`g`) and binary (`b`) `.nl` formats (D. M. Gay, "Writing .nl Files",
//! Sandia report SAND2005-7907P, 2005).
//!
//! The file is a 10-line text header followed by segments, each introduced by a letter. In the
//! text format every item sits on its own line; the binary format writes the same items in the
//! same order as raw integers and doubles. One parser reads both through the [`Source`] trait.
//! Expressions are written in prefix (Polish) notation; they are read with an explicit stack so
//! that nesting depth is bounded only by memory.

use super::decimal;
use super::error::{NlError, Pos};
use super::expr::{BinOp, Dag, DagFull, NaryOp, Node, NodeId, PiecewiseLinear, UnOp, binary, unary};

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
    pub nodes: Dag,
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
#[derive(Clone)]
pub(crate) struct Lines<'a> {
    rest: &'a str,
    /// Lines consumed so far (= 1-based number of the last line returned).
    pos: usize,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Lines { rest: text, pos: 0 }
    }

    /// Next line and its 1-based number.
    pub(crate) fn next(&mut self, expected: &str) -> Result<(usize, &'a str), NlError> {
        if self.rest.is_empty() {
            return Err(NlError::UnexpectedEof { at: Pos::Line(self.pos + 1), expected: expected.to_string() });
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

    /// The next line when its first `len` bytes are all of it: they are followed by `\n` or
    /// the end of the text. Returns the line and its number, or `None` (nothing consumed).
    fn take_exact(&mut self, len: usize) -> Option<(usize, &'a str)> {
        let end = match self.rest.as_bytes().get(len) {
            None => len,
            Some(b'\n') => len + 1,
            Some(_) => return None,
        };
        // The bytes before `len` are ASCII (the callers checked them), so `len` and `end` are
        // char boundaries.
        let line = &self.rest[..len];
        self.rest = &self.rest[end..];
        self.pos += 1;
        Some((self.pos, line))
    }
}

/// The tokens of a line, comments (`# …`) removed.
fn tokens(line: &str) -> Tokens<'_> {
    // A byte scan: '#' is ASCII, so its byte index is a char boundary (`str::split` set up a
    // char searcher per line, ~5 % of reading a 16 MB model).
    let end = line.as_bytes().iter().position(|&b| b == b'#').unwrap_or(line.len());
    let text = &line[..end];
    if text.is_ascii() { Tokens::Ascii(text) } else { Tokens::Unicode(text.split_whitespace()) }
}

/// The whitespace-separated tokens of a line: [`str::split_whitespace`], with the ASCII lines
/// (all of them in practice) split by a byte scan, which decodes no chars (`split_whitespace`
/// was ~2 % of reading a 16 MB model).
#[derive(Clone)]
enum Tokens<'a> {
    /// The rest of an ASCII line.
    Ascii(&'a str),
    Unicode(std::str::SplitWhitespace<'a>),
}

/// The ASCII characters `char::is_whitespace` accepts: tab, line feed, vertical tab, form feed,
/// carriage return and space.
fn ascii_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self {
            Tokens::Ascii(rest) => {
                let b = rest.as_bytes();
                let start = b.iter().position(|&c| !ascii_space(c))?;
                let end = b[start..].iter().position(|&c| ascii_space(c)).map_or(b.len(), |k| start + k);
                // ASCII text: every byte index is a char boundary.
                let tok = &rest[start..end];
                *rest = &rest[end..];
                Some(tok)
            }
            Tokens::Unicode(it) => it.next(),
        }
    }
}

fn parse_usize(tok: Option<&str>, at: Pos, what: &str) -> Result<usize, NlError> {
    let t = tok.ok_or_else(|| NlError::syntax(at, what, ""))?;
    t.parse::<usize>().map_err(|_| NlError::syntax(at, what, t))
}

fn parse_f64(tok: Option<&str>, at: Pos, what: &str) -> Result<f64, NlError> {
    let t = tok.ok_or_else(|| NlError::syntax(at, what, ""))?;
    match decimal::parse_f64(t) {
        Ok(v) if !v.is_nan() => Ok(v),
        _ => Err(NlError::syntax(at, what, t)),
    }
}

fn check_index(index: usize, limit: usize, at: Pos, what: &'static str) -> Result<usize, NlError> {
    if index < limit {
        Ok(index)
    } else {
        Err(NlError::IndexOutOfRange { at, what, index: index as u64, limit })
    }
}

/// Read `n` integers from a header line (at least `min` must be present, missing ones are 0).
fn header_ints(lines: &mut Lines<'_>, min: usize, max: usize, what: &str) -> Result<(usize, Vec<usize>), NlError> {
    let (ln, line) = lines.next(what)?;
    let mut out = Vec::new();
    for t in tokens(line).take(max) {
        out.push(t.parse::<usize>().map_err(|_| NlError::syntax(Pos::Line(ln), format!("{what} (nonnegative integers)"), line))?);
    }
    if out.len() < min {
        return Err(NlError::syntax(Pos::Line(ln), format!("{min} integers: {what}"), line));
    }
    out.resize(max, 0);
    Ok((ln, out))
}

/// One item of an expression, in either encoding: a constant (`n`, `s`, `l`), a reference to a
/// variable or defined variable (`v`), or an operator (`o`) whose operands follow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Token {
    Const(f64),
    Ref(usize),
    Op(usize),
}

/// What the shared parser needs from an encoding. The text format (`g`) puts every item on its
/// own line, with integers and reals as decimal tokens; the binary format (`b`) writes the same
/// items in the same order as raw 4-byte integers, 8-byte IEEE doubles and single letters
/// (Gay, "Writing .nl Files", §"Binary format"). Everything above this trait — segments,
/// counts, index checks, expression building — is common to both.
pub(crate) trait Source {
    /// Position of the item being read, for errors.
    fn at(&self) -> Pos;
    /// The letter of the next segment, or `None` at the end of input (text: blank lines skipped).
    fn segment(&mut self) -> Result<Option<char>, NlError>;
    /// Start the next item of a segment (text: the next line; binary: nothing to skip).
    fn item(&mut self, expected: &str) -> Result<Pos, NlError>;
    /// A nonnegative integer: on the segment line or in the current item.
    fn uint(&mut self, what: &str) -> Result<usize, NlError>;
    /// A real number in the current item.
    fn real(&mut self, what: &str) -> Result<f64, NlError>;
    /// The value of an integer suffix (text: any number; binary: a 4-byte integer).
    fn int_value(&mut self, what: &str) -> Result<f64, NlError>;
    /// A bound type 0–5 (text: an integer; binary: the character `'0'`–`'5'`).
    fn bound_type(&mut self) -> Result<usize, NlError>;
    /// A name (suffix): a token on the segment line, or a length-prefixed string.
    fn name(&mut self, what: &str) -> Result<String, NlError>;
    /// The third field of a `V` segment (its position, unused by ipax): optional in text.
    fn defined_position(&mut self) -> Result<(), NlError>;
    /// The next expression item.
    fn token(&mut self) -> Result<(Pos, Token), NlError>;
    /// The current item as shown in a syntax error.
    fn found(&self) -> String;
    /// The next `<index> <value>` item when it has the usual form that can be read in one pass
    /// (text: [`quick_index_value`]), with its position; `None`, nothing consumed, otherwise.
    fn quick_index_value(&mut self) -> Option<(Pos, usize, f64)> {
        None
    }
}

/// The text encoding: one item per line.
pub(crate) struct TextSource<'a> {
    pub(crate) lines: Lines<'a>,
    line: &'a str,
    toks: Tokens<'a>,
}

impl<'a> TextSource<'a> {
    pub(crate) fn new(lines: Lines<'a>) -> Self {
        TextSource { lines, line: "", toks: Tokens::Ascii("") }
    }

    fn start(&mut self, expected: &str) -> Result<Pos, NlError> {
        let (ln, line) = self.lines.next(expected)?;
        self.line = line;
        self.toks = tokens(line);
        Ok(Pos::Line(ln))
    }
}

impl Source for TextSource<'_> {
    fn at(&self) -> Pos {
        Pos::Line(self.lines.pos)
    }

    fn segment(&mut self) -> Result<Option<char>, NlError> {
        while !self.lines.at_end() {
            self.start("a segment")?;
            if let Some(c) = self.line.chars().next().filter(|_| !self.line.trim().is_empty()) {
                self.toks = tokens(&self.line[c.len_utf8()..]);
                return Ok(Some(c));
            }
        }
        Ok(None)
    }

    fn item(&mut self, expected: &str) -> Result<Pos, NlError> {
        self.start(expected)
    }

    fn uint(&mut self, what: &str) -> Result<usize, NlError> {
        parse_usize(self.toks.next(), self.at(), what)
    }

    fn real(&mut self, what: &str) -> Result<f64, NlError> {
        parse_f64(self.toks.next(), self.at(), what)
    }

    fn int_value(&mut self, what: &str) -> Result<f64, NlError> {
        self.real(what)
    }

    fn bound_type(&mut self) -> Result<usize, NlError> {
        self.uint("a bound type 0-4")
    }

    fn name(&mut self, what: &str) -> Result<String, NlError> {
        let at = self.at();
        self.toks.next().map(str::to_string).ok_or_else(|| NlError::syntax(at, what, self.line))
    }

    fn defined_position(&mut self) -> Result<(), NlError> {
        Ok(())
    }

    fn token(&mut self) -> Result<(Pos, Token), NlError> {
        // The usual lines in one pass; the others (spaces, comments, carriage returns, long
        // numbers, errors) tokenized below, to the same items.
        if let Some((tok, len)) = quick_item(self.lines.rest.as_bytes())
            && let Some((ln, line)) = self.lines.take_exact(len)
        {
            self.line = line;
            return Ok((Pos::Line(ln), tok));
        }
        let (ln, line) = self.lines.next("an expression line (o/n/v/s/l)")?;
        self.line = line;
        let at = Pos::Line(ln);
        self.toks = tokens(line);
        let text = self.line.trim_start();
        let rest = || tokens(text.get(1..).unwrap_or("")).next();
        let tok = match text.chars().next() {
            Some('n' | 's' | 'l') => Token::Const(parse_f64(rest(), at, "a number after 'n'/'s'/'l'")?),
            Some('v') => Token::Ref(parse_usize(rest(), at, "a variable index after 'v'")?),
            Some('o') => Token::Op(parse_usize(rest(), at, "an opcode after 'o'")?),
            Some('f') => return Err(NlError::Unsupported { at, what: "imported function call".into() }),
            Some('h') => return Err(NlError::Unsupported { at, what: "string literal in an expression".into() }),
            _ => return Err(NlError::syntax(at, "an expression line (o/n/v/s/l)", self.line)),
        };
        Ok((at, tok))
    }

    fn found(&self) -> String {
        self.line.to_string()
    }

    fn quick_index_value(&mut self) -> Option<(Pos, usize, f64)> {
        let (i, v, len) = quick_index_value(self.lines.rest.as_bytes())?;
        let (ln, line) = self.lines.take_exact(len)?;
        self.line = line;
        Some((Pos::Line(ln), i, v))
    }
}

/// The usual expression lines — `o5`, `v12`, `n0.5` — read in the pass that finds their end:
/// the item and its length when the text starts with a letter and a number of the fast forms
/// (at most 18 digits for `o`/`v`, a [`decimal::parse_prefix`] number for `n`/`s`/`l`). The
/// caller checks that the line ends there; every other line goes through the general path of
/// [`TextSource::token`], which reads these forms to the same items.
fn quick_item(b: &[u8]) -> Option<(Token, usize)> {
    match b.first()? {
        kind @ (b'o' | b'v') => {
            let (k, digits) = quick_uint(&b[1..])?;
            Some((if *kind == b'o' { Token::Op(k) } else { Token::Ref(k) }, 1 + digits))
        }
        b'n' | b's' | b'l' => decimal::parse_prefix(&b[1..]).map(|(c, len)| (Token::Const(c), 1 + len)),
        _ => None,
    }
}

/// The `<index> <value>` lines of `J`, `G`, `x`, `d` and suffix segments in their usual form
/// — digits, one space, a [`decimal::parse_prefix`] number — read in one pass: the index, the
/// value and the length. The caller checks that the line ends there; other lines go through the
/// token path of [`index_values`], which reads these forms to the same numbers.
fn quick_index_value(b: &[u8]) -> Option<(usize, f64, usize)> {
    let (i, digits) = quick_uint(b)?;
    if b.get(digits) != Some(&b' ') {
        return None;
    }
    let (v, len) = decimal::parse_prefix(&b[digits + 1..])?;
    Some((i, v, digits + 1 + len))
}

/// Most decimal digits that always fit a `usize` (19 on 64-bit targets).
const UINT_DIGITS: usize = usize::MAX.ilog10() as usize;

/// The unsigned integer of the leading decimal digits of `b` and their count, for 1 to
/// [`UINT_DIGITS`] digits (what `str::parse::<usize>` reads from them); `None` otherwise.
fn quick_uint(b: &[u8]) -> Option<(usize, usize)> {
    let digits = b.iter().take(UINT_DIGITS + 1).take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > UINT_DIGITS {
        return None;
    }
    Some((b[..digits].iter().fold(0usize, |acc, &d| acc * 10 + usize::from(d - b'0')), digits))
}

/// The binary encoding: the bytes after the text header. Integers are 4-byte two's complement,
/// reals 8-byte IEEE doubles, both in the byte order the header's `arith` field declares.
pub(crate) struct BinarySource<'a> {
    data: &'a [u8],
    /// Offset of `data[0]` in the file (the header's length), so errors give file offsets.
    base: usize,
    pos: usize,
    /// Start of the item being read.
    item: usize,
    big_endian: bool,
}

impl<'a> BinarySource<'a> {
    pub(crate) fn new(data: &'a [u8], base: usize, big_endian: bool) -> Self {
        BinarySource { data, base, pos: 0, item: 0, big_endian }
    }

    fn take<const N: usize>(&mut self, what: &str) -> Result<[u8; N], NlError> {
        match self.data.get(self.pos..self.pos + N) {
            Some(b) => {
                self.pos += N;
                Ok(b.try_into().unwrap_or([0; N]))
            }
            None => Err(NlError::UnexpectedEof { at: Pos::Byte(self.base + self.pos), expected: what.to_string() }),
        }
    }

    fn i32(&mut self, what: &str) -> Result<i32, NlError> {
        let b = self.take::<4>(what)?;
        Ok(if self.big_endian { i32::from_be_bytes(b) } else { i32::from_le_bytes(b) })
    }

    fn f64(&mut self, what: &str) -> Result<f64, NlError> {
        let at = Pos::Byte(self.base + self.pos);
        let b = self.take::<8>(what)?;
        let v = if self.big_endian { f64::from_be_bytes(b) } else { f64::from_le_bytes(b) };
        if v.is_nan() {
            return Err(NlError::syntax(at, what, "NaN"));
        }
        Ok(v)
    }

    fn byte(&mut self, what: &str) -> Result<u8, NlError> {
        Ok(self.take::<1>(what)?[0])
    }
}

impl Source for BinarySource<'_> {
    fn at(&self) -> Pos {
        Pos::Byte(self.base + self.item)
    }

    fn segment(&mut self) -> Result<Option<char>, NlError> {
        self.item = self.pos;
        if self.pos == self.data.len() {
            return Ok(None);
        }
        Ok(Some(char::from(self.byte("a segment")?)))
    }

    fn item(&mut self, _expected: &str) -> Result<Pos, NlError> {
        self.item = self.pos;
        Ok(self.at())
    }

    fn uint(&mut self, what: &str) -> Result<usize, NlError> {
        let at = Pos::Byte(self.base + self.pos);
        let v = self.i32(what)?;
        usize::try_from(v).map_err(|_| NlError::syntax(at, what, &v.to_string()))
    }

    fn real(&mut self, what: &str) -> Result<f64, NlError> {
        self.f64(what)
    }

    fn int_value(&mut self, what: &str) -> Result<f64, NlError> {
        Ok(f64::from(self.i32(what)?))
    }

    fn bound_type(&mut self) -> Result<usize, NlError> {
        // A wrapping subtraction sends bytes below '0' far out of range, where the caller
        // reports them as an unknown bound type.
        Ok(usize::from(self.byte("a bound type '0'-'5'")?.wrapping_sub(b'0')))
    }

    fn name(&mut self, what: &str) -> Result<String, NlError> {
        let len = self.uint(what)?;
        let at = Pos::Byte(self.base + self.pos);
        let bytes = self
            .data
            .get(self.pos..self.pos.saturating_add(len))
            .ok_or_else(|| NlError::UnexpectedEof { at, expected: format!("{what} ({len} bytes)") })?;
        self.pos += len;
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }

    fn defined_position(&mut self) -> Result<(), NlError> {
        self.uint("the position of a defined variable").map(|_| ())
    }

    fn token(&mut self) -> Result<(Pos, Token), NlError> {
        self.item = self.pos;
        let at = self.at();
        let tok = match self.byte("an expression item (o/n/v/s/l)")? {
            b'n' => Token::Const(self.f64("a real constant")?),
            b's' => {
                let b = self.take::<2>("a short integer constant")?;
                Token::Const(f64::from(if self.big_endian { i16::from_be_bytes(b) } else { i16::from_le_bytes(b) }))
            }
            b'l' => Token::Const(f64::from(self.i32("an integer constant")?)),
            b'v' => Token::Ref(self.uint("a variable index after 'v'")?),
            b'o' => Token::Op(self.uint("an opcode after 'o'")?),
            b'f' => return Err(NlError::Unsupported { at, what: "imported function call".into() }),
            b'h' => return Err(NlError::Unsupported { at, what: "string literal in an expression".into() }),
            b => return Err(NlError::syntax(at, "an expression item (o/n/v/s/l)", &format!("byte 0x{b:02x}"))),
        };
        Ok((at, tok))
    }

    fn found(&self) -> String {
        match self.data.get(self.item) {
            Some(b) => format!("byte 0x{b:02x}"),
            None => "end of file".to_string(),
        }
    }
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

/// What an opcode is, and so how many operands follow it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum OpKind {
    Unary(UnOp),
    /// A binary opcode (kept as its code: constant folding and the power family look at it).
    Binary(u8),
    /// `if c then a else b`: three operands.
    If,
    /// A list operator; its operand count follows the opcode.
    List(NaryOp),
    /// A piecewise-linear term: slope count, `2k − 1` constants, then one operand.
    Piecewise,
}

/// The kind of opcode `code` (Gay, "Writing .nl Files", Table 6), or the error for an opcode
/// ipax does not handle.
pub(crate) fn op_kind(code: usize, at: Pos) -> Result<OpKind, NlError> {
    let un = |op| Ok(OpKind::Unary(op));
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
        0..=6 | 20..=24 | 28..=30 | 48 | 55..=58 | 76 | 78 => Ok(OpKind::Binary(code as u8)),
        35 => Ok(OpKind::If),
        11 => Ok(OpKind::List(NaryOp::Min)),
        12 => Ok(OpKind::List(NaryOp::Max)),
        54 => Ok(OpKind::List(NaryOp::Sum)),
        70 => Ok(OpKind::List(NaryOp::And)),
        71 => Ok(OpKind::List(NaryOp::Or)),
        64 => Ok(OpKind::Piecewise),
        59..=63 | 65..=69 | 72..=75 | 79 | 81 => {
            Err(NlError::Unsupported { at, what: format!("operator o{code} ({})", opcode_name(code)) })
        }
        _ => Err(NlError::syntax(at, "a known opcode", &format!("o{code}"))),
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
    /// Start of the operator's operands on the parser's shared operand stack.
    base: usize,
}

/// Parser state: the arena being built plus the per-file counts.
struct Parser {
    header: NlHeader,
    nodes: Dag,
    pls: Vec<PiecewiseLinear>,
    /// Defined variables referenced by the expression being parsed: `(k, position)`.
    refs: Vec<(usize, Pos)>,
    /// Operands of the pending operators, innermost last: one buffer for the whole file instead
    /// of a vector per operator (an allocation and a free per node of the model). Ids as the
    /// DAG stores them (`Dag::push` keeps every id within `u32`).
    kids: Vec<u32>,
    /// The pending-operator stack's buffer, kept between expressions.
    frames: Vec<Frame>,
}

impl Parser {
    fn push(&mut self, n: Node<'_>) -> Result<NodeId, NlError> {
        self.nodes.push(n).map_err(too_many_nodes)
    }

    /// A reference `v<i>`: a model variable or a defined variable.
    fn reference(&mut self, idx: usize, at: Pos) -> Result<NodeId, NlError> {
        let h = &self.header;
        if idx < h.n_var {
            self.push(Node::Var(idx))
        } else {
            let k = check_index(idx, h.n_var + h.n_defined, at, "variable")? - h.n_var;
            self.refs.push((k, at));
            self.push(Node::Def(k))
        }
    }

    /// The node of a complete operator, its operands taken off the operand stack.
    fn build(&mut self, f: Frame) -> Result<NodeId, NlError> {
        let kids = &self.kids[f.base..];
        let kid = |i: usize| kids[i] as NodeId;
        let is_const = |id: NodeId| match self.nodes.get(id) {
            Node::Const(c) => Some(c),
            _ => None,
        };
        // Operators on constants are folded, so that e.g. `x^(1/2)` written as `o5 v0 o3 n1 n2`
        // still gets the constant-exponent power below.
        let node = match f.op {
            Pending::Unary(op) => match is_const(kid(0)) {
                Some(c) => Node::Const(unary(op, c).0),
                None => Node::Unary(op, kid(0)),
            },
            Pending::Binary(code) => {
                let (a, b) = (kid(0), kid(1));
                // Constant exponents/bases get their own operators: their derivatives are
                // defined for negative bases (x^2 at x < 0), unlike the general u^w.
                match (code, is_const(a), is_const(b)) {
                    (_, Some(u), Some(w)) => Node::Const(binary(binop(code), u, w).f),
                    (5 | 76, _, Some(c)) => Node::Unary(UnOp::PowC(c), a),
                    (5 | 78, Some(c), None) => Node::Unary(UnOp::CPow(c), b),
                    _ => Node::Binary(binop(code), a, b),
                }
            }
            Pending::Nary(op) => Node::Nary(op, kids),
            Pending::If => Node::If(kid(0), kid(1), kid(2)),
            Pending::Pl(k) => Node::Pl(k, kid(0)),
        };
        let id = self.nodes.push(node).map_err(too_many_nodes)?;
        self.kids.truncate(f.base);
        Ok(id)
    }

    /// Parse one expression starting at the next item.
    fn expr(&mut self, src: &mut impl Source) -> Result<NodeId, NlError> {
        // Pending operators, innermost last (the buffer is reused from the last expression).
        let mut stack = std::mem::take(&mut self.frames);
        stack.clear();
        self.kids.clear();
        loop {
            let (at, tok) = src.token()?;
            let mut id = match tok {
                Token::Const(c) => self.push(Node::Const(c))?,
                Token::Ref(idx) => self.reference(idx, at)?,
                Token::Op(code) => {
                    let frame = self.operator(code, at, src)?;
                    stack.push(frame);
                    continue;
                }
            };
            loop {
                match stack.last() {
                    None => {
                        self.frames = stack;
                        return Ok(id);
                    }
                    Some(fr) => {
                        // Lossless: `Dag::push` hands out ids within `u32` only.
                        self.kids.push(id as u32);
                        if self.kids.len() - fr.base < fr.need {
                            break;
                        }
                    }
                }
                if let Some(fr) = stack.pop() {
                    id = self.build(fr)?;
                }
            }
        }
    }

    /// The pending operator for opcode `code` (list counts and piecewise-linear data are read here).
    fn operator(&mut self, code: usize, at: Pos, src: &mut impl Source) -> Result<Frame, NlError> {
        let base = self.kids.len();
        let frame = |op, need| Frame { op, need, base };
        match op_kind(code, at)? {
            OpKind::Unary(op) => Ok(frame(Pending::Unary(op), 1)),
            OpKind::Binary(code) => Ok(frame(Pending::Binary(code), 2)),
            OpKind::If => Ok(frame(Pending::If, 3)),
            OpKind::List(op) => {
                let what = "the operand count of a list operator";
                let cl = src.item(what)?;
                let k = src.uint(what)?;
                if k == 0 {
                    return Err(NlError::invalid(cl, "list operator with no operands"));
                }
                Ok(frame(Pending::Nary(op), k))
            }
            OpKind::Piecewise => {
                let what = "the slope count of a piecewise-linear term";
                let cl = src.item(what)?;
                let k = src.uint(what)?;
                if k < 2 {
                    return Err(NlError::invalid(cl, "too few slopes in piecewise-linear term (need ≥ 2)"));
                }
                let mut slopes = Vec::new();
                let mut breaks = Vec::new();
                for i in 0..k.saturating_mul(2) - 1 {
                    let (l, tok) = src.token()?;
                    let Token::Const(c) = tok else {
                        return Err(NlError::syntax(l, "a constant (n/s/l line)", &src.found()));
                    };
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
        }
    }
}

fn too_many_nodes(_: DagFull) -> NlError {
    NlError::TooLarge { what: "the expressions need more than 2³² nodes (or list operands)".into() }
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

/// Read `count` `<index> <value>` items, indices checked against `limit` (`int_values`: the
/// values of an integer suffix).
fn index_values(
    src: &mut impl Source,
    count: usize,
    limit: usize,
    what: &'static str,
    int_values: bool,
) -> Result<Vec<(usize, f64)>, NlError> {
    let mut out = Vec::new();
    for _ in 0..count {
        // A line read in one pass has a well-formed value: the index check is all that can fail,
        // with the error the token path reports.
        if let Some((at, i, v)) = src.quick_index_value() {
            out.push((check_index(i, limit, at, what)?, v));
            continue;
        }
        let at = src.item("an 'index value' line")?;
        let i = check_index(src.uint("an index")?, limit, at, what)?;
        let v = if int_values { src.int_value("a value")? } else { src.real("a value")? };
        out.push((i, v));
    }
    Ok(out)
}

/// The header of an `.nl` file (text in both formats), with the `arith` field of line 6 (the
/// byte order of a binary file) and the number of its last line.
fn parse_header(lines: &mut Lines<'_>) -> Result<(NlHeader, usize, usize), NlError> {
    let (_, l2) = header_ints(lines, 3, 6, "vars, constraints, objectives, ranges, equations, logical constraints")?;
    let (_, l3) = header_ints(lines, 2, 6, "nonlinear constraints, objectives[, complementarity]")?;
    let _ = header_ints(lines, 0, 2, "network constraints")?;
    let _ = header_ints(lines, 0, 3, "nonlinear variables")?;
    let (_, l6) = header_ints(lines, 0, 4, "linear network variables, functions, arith, flags")?;
    let (_, l7) = header_ints(lines, 0, 5, "discrete variables")?;
    let (_, l8) = header_ints(lines, 2, 2, "nonzeros in Jacobian, gradients")?;
    let _ = header_ints(lines, 0, 2, "max name lengths")?;
    let (l10n, l10) = header_ints(lines, 0, 5, "common expressions")?;
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
    Ok((header, l6[2], l10n))
}

/// Parse the text of an `.nl` file (a binary file given as text is parsed as binary).
pub(crate) fn parse(text: &str) -> Result<NlModel, NlError> {
    parse_bytes(text.as_bytes())
}

/// Parse an `.nl` file in either format: `g` (text) or `b` (binary) in its first byte.
pub(crate) fn parse_bytes(bytes: &[u8]) -> Result<NlModel, NlError> {
    match bytes.first() {
        Some(b'b') => parse_binary(bytes),
        _ => {
            let text = std::str::from_utf8(bytes).map_err(|e| {
                let line = 1 + bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
                NlError::syntax(Pos::Line(line), "UTF-8 text", "invalid byte sequence")
            })?;
            let mut lines = Lines::new(text);
            let (ln, first) = lines.next("the header line starting with 'g'")?;
            if !first.starts_with('g') {
                return Err(NlError::syntax(Pos::Line(ln), "'g' (text .nl header) or 'b' (binary)", first));
            }
            let (header, _, l10n) = parse_header(&mut lines)?;
            parse_body(header, l10n, text.len(), TextSource::new(lines))
        }
    }
}

/// A binary file: the 10 header lines are text, the segments after them binary.
fn parse_binary(bytes: &[u8]) -> Result<NlModel, NlError> {
    // The header ends after its 10th newline; a shorter file is reported by the header reader.
    let end = bytes.iter().enumerate().filter(|&(_, &b)| b == b'\n').nth(9).map_or(bytes.len(), |(i, _)| i + 1);
    let text = std::str::from_utf8(&bytes[..end]).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
        NlError::syntax(Pos::Line(line), "a text header", "invalid byte sequence")
    })?;
    let mut lines = Lines::new(text);
    lines.next("the header line starting with 'b'")?;
    let (header, arith, l10n) = parse_header(&mut lines)?;
    // `arith` (line 6): 1 = IEEE little-endian, 2 = IEEE big-endian, 0 = unspecified (the
    // reader's own order), other values are non-IEEE arithmetics (ampl/mp `arith::Kind`).
    let big_endian = match arith {
        0 => cfg!(target_endian = "big"),
        1 => false,
        2 => true,
        k => {
            return Err(NlError::Unsupported { at: Pos::Line(6), what: format!("binary .nl in non-IEEE arithmetic (arith = {k})") });
        }
    };
    parse_body(header, l10n, bytes.len(), BinarySource::new(&bytes[end..], end, big_endian))
}

/// The segments after the header, in either encoding.
fn parse_body(header: NlHeader, l10n: usize, budget: usize, mut src: impl Source) -> Result<NlModel, NlError> {
    // Every variable, constraint, objective and defined variable needs at least one line (text)
    // or byte (binary) of its own further down, so counts beyond the file size are corrupt;
    // rejecting them here keeps a damaged header from triggering a huge allocation.
    for (count, what) in [
        (header.n_var, "variables"),
        (header.n_con, "constraints"),
        (header.n_obj, "objectives"),
        (header.n_defined, "defined variables"),
        (header.nzc, "Jacobian nonzeros"),
        (header.nzo, "gradient nonzeros"),
    ] {
        if count > budget {
            return Err(NlError::invalid(Pos::Line(l10n), format!("header declares {count} {what}, more than the file can hold")));
        }
    }
    if header.n_cc > 0 {
        return Err(NlError::Unsupported { at: Pos::Line(3), what: "complementarity constraints".into() });
    }
    let (n, m, no, nd) = (header.n_var, header.n_con, header.n_obj, header.n_defined);
    let mut p = Parser { header: header.clone(), nodes: Dag::default(), pls: Vec::new(), refs: Vec::new(), kids: Vec::new(), frames: Vec::new() };

    let mut def_roots: Vec<Option<(NodeId, Pos)>> = vec![None; nd];
    let mut def_deps: Vec<Vec<usize>> = vec![Vec::new(); nd];
    let mut all_refs: Vec<(usize, Pos)> = Vec::new();
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

    while let Some(seg) = src.segment()? {
        let ln = src.at();
        match seg {
            'F' => return Err(NlError::Unsupported { at: ln, what: "imported functions (F segment)".into() }),
            'L' => return Err(NlError::Unsupported { at: ln, what: "logical constraints (L segment)".into() }),
            'S' => {
                let kind = src.uint("suffix kind")?;
                let count = src.uint("suffix entry count")?;
                let name = src.name("suffix name")?;
                let (target, limit, what) = match kind & 3 {
                    0 => (SuffixTarget::Variable, n, "suffix variable"),
                    1 => (SuffixTarget::Constraint, m, "suffix constraint"),
                    2 => (SuffixTarget::Objective, no, "suffix objective"),
                    _ => (SuffixTarget::Problem, 1, "suffix problem"),
                };
                let real = kind & 4 != 0;
                let values = index_values(&mut src, count, limit, what, !real)?;
                suffixes.push(Suffix { name, target, real, values });
            }
            'V' => {
                let what = "'V<index> <linear terms> <kind>'";
                let (idx, nlin) = (src.uint(what)?, src.uint(what)?);
                src.defined_position()?;
                let k = check_index(idx.wrapping_sub(n), nd, ln, "defined variable")
                    .map_err(|_| NlError::IndexOutOfRange { at: ln, what: "defined variable", index: idx as u64, limit: n + nd })?;
                if def_roots[k].is_some() {
                    return Err(NlError::invalid(ln, format!("defined variable {idx} defined twice")));
                }
                p.refs.clear();
                let mut terms = Vec::new();
                for (j, c) in index_values(&mut src, nlin, n + nd, "variable", false)? {
                    let r = p.reference(j, ln)?;
                    let cn = p.push(Node::Const(c))?;
                    terms.push(p.push(Node::Binary(BinOp::Mult, cn, r))? as u32);
                }
                let e = p.expr(&mut src)?;
                let root = if terms.is_empty() {
                    e
                } else {
                    terms.insert(0, e as u32);
                    p.push(Node::Nary(NaryOp::Sum, &terms))?
                };
                def_roots[k] = Some((root, ln));
                def_deps[k] = p.refs.iter().map(|r| r.0).collect();
                all_refs.append(&mut p.refs);
            }
            'C' => {
                let i = check_index(src.uint("'C<index>'")?, m, ln, "constraint")?;
                if con_body[i].is_some() {
                    return Err(NlError::invalid(ln, format!("constraint {i} has two C segments")));
                }
                p.refs.clear();
                con_body[i] = Some(p.expr(&mut src)?);
                all_refs.append(&mut p.refs);
            }
            'O' => {
                let what = "'O<index> <sense>'";
                let (idx, sense) = (src.uint(what)?, src.uint(what)?);
                let i = check_index(idx, no, ln, "objective")?;
                if obj_body[i].is_some() {
                    return Err(NlError::invalid(ln, format!("objective {i} has two O segments")));
                }
                if sense > 1 {
                    return Err(NlError::syntax(ln, "objective sense 0 (minimize) or 1 (maximize)", &src.found()));
                }
                obj_max[i] = sense == 1;
                p.refs.clear();
                obj_body[i] = Some(p.expr(&mut src)?);
                all_refs.append(&mut p.refs);
            }
            'd' => {
                let c = src.uint("'d<count>'")?;
                for (i, v) in index_values(&mut src, c, m, "constraint", false)? {
                    y0[i] = Some(v);
                }
            }
            'x' => {
                let c = src.uint("'x<count>'")?;
                for (i, v) in index_values(&mut src, c, n, "variable", false)? {
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
                    let l = src.item("a bound line (type 0-4)")?;
                    let ty = src.bound_type()?;
                    match ty {
                        0 => {
                            lo[i] = src.real("lower bound")?;
                            hi[i] = src.real("upper bound")?;
                        }
                        1 => hi[i] = src.real("upper bound")?,
                        2 => lo[i] = src.real("lower bound")?,
                        3 => {}
                        4 => {
                            let v = src.real("fixed value")?;
                            lo[i] = v;
                            hi[i] = v;
                        }
                        5 if seg == 'r' => {
                            return Err(NlError::Unsupported { at: l, what: "complementarity constraint".into() });
                        }
                        _ => return Err(NlError::syntax(l, "a bound type 0-4", &src.found())),
                    }
                }
            }
            'k' => {
                if seen_k {
                    return Err(NlError::invalid(ln, "second 'k' segment"));
                }
                seen_k = true;
                let c = src.uint("'k<count>'")?;
                if c.checked_add(1) != Some(n) && !(n == 0 && c == 0) {
                    return Err(NlError::invalid(ln, format!("k segment has {c} entries, expected {} (variables − 1)", n.saturating_sub(1))));
                }
                let mut prev = 0;
                for _ in 0..c {
                    let what = "a cumulative Jacobian column count";
                    let l = src.item(what)?;
                    let v = src.uint(what)?;
                    if v < prev || v > header.nzc {
                        return Err(NlError::invalid(l, format!("column count {v} not in [{prev}, {}]", header.nzc)));
                    }
                    prev = v;
                }
            }
            'J' | 'G' => {
                let what = "'J<index> <count>' or 'G<index> <count>'";
                let (idx, count) = (src.uint(what)?, src.uint(what)?);
                let (limit, what, store) =
                    if seg == 'J' { (m, "constraint", &mut con_linear) } else { (no, "objective", &mut obj_linear) };
                let i = check_index(idx, limit, ln, what)?;
                if store[i].is_some() {
                    return Err(NlError::invalid(ln, format!("{what} {i} has two '{seg}' segments")));
                }
                store[i] = Some(index_values(&mut src, count, n, "variable", false)?);
            }
            _ => return Err(NlError::syntax(ln, "a segment letter (F S V C L O d x r b k J G)", &src.found())),
        }
    }

    let end = match src.at() {
        Pos::Line(l) => Pos::Line(l + 1),
        Pos::Byte(b) => Pos::Byte(b),
    };
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
    for &(k, at) in &all_refs {
        if def_roots[k].is_none() {
            return Err(NlError::invalid(at, format!("defined variable {} is used but never defined", n + k)));
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
fn check_acyclic(roots: &[Option<(NodeId, Pos)>], deps: &[Vec<usize>], n: usize) -> Result<(), NlError> {
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
        let at = roots[k].map_or(Pos::Line(0), |r| r.1);
        return Err(NlError::invalid(at, format!("defined variable {} depends on itself (cycle among V segments)", n + k)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte tokenizer splits exactly as `split_whitespace` on ASCII lines (every ASCII
    /// whitespace character, runs, leading and trailing blanks) and defers to it otherwise.
    #[test]
    fn tokens_split_like_split_whitespace() {
        let lines = ["", " ", "0 1.5", "  12\t-3e4  ", "a\x0bb\x0cc\rd", "x # comment", "#", "7 8#9", "é 1", "1\u{a0}2 3", "\u{2003}4"];
        for line in lines {
            let end = line.find('#').unwrap_or(line.len());
            let want: Vec<&str> = line[..end].split_whitespace().collect();
            assert_eq!(tokens(line).collect::<Vec<_>>(), want, "{line:?}");
        }
    }

    /// A run of expression lines, some on the fast path (`quick_item`) and some not (blanks,
    /// comments, carriage returns, long numbers): the same items at the same line numbers.
    #[test]
    fn expression_lines_keep_their_numbers_on_both_paths() {
        let text = "o5\nv3\nn-1.5e3\nn0.5 \no 7\nn1e400\nv0\r\nn2#c\no0123\nv1";
        let want = [Token::Op(5), Token::Ref(3), Token::Const(-1500.0), Token::Const(0.5), Token::Op(7), Token::Const(f64::INFINITY), Token::Ref(0), Token::Const(2.0), Token::Op(123), Token::Ref(1)];
        let mut src = TextSource::new(Lines::new(text));
        for (i, w) in want.iter().enumerate() {
            assert_eq!(src.token().unwrap(), (Pos::Line(i + 1), *w), "line {}", i + 1);
        }
        assert!(matches!(src.token(), Err(NlError::UnexpectedEof { at: Pos::Line(11), .. })));
    }

    /// `<index> <value>` lines read in one pass or by tokens (extra spaces, comments, long or
    /// huge numbers, a sign on the index): the same pairs, and the same error for an index out
    /// of range on either path.
    #[test]
    fn index_value_lines_read_alike_on_both_paths() {
        let text = "3 1.5\n4 -2e-3\n5  7\n6 8 # c\n7 1e400\n+8 0.25\n9 0.1234567890123456789\n0 5\r\n2 -0";
        let mut src = TextSource::new(Lines::new(text));
        let got = index_values(&mut src, 9, 10, "variable", false).unwrap();
        let want = [(3, 1.5), (4, -2e-3), (5, 7.0), (6, 8.0), (7, f64::INFINITY), (8, 0.25), (9, 0.123_456_789_012_345_68), (0, 5.0), (2, -0.0)];
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((g.0, g.1.to_bits()), (w.0, w.1.to_bits()), "{g:?} vs {w:?}");
        }
        for bad in ["1 2\n12 3", "1 2\n12 x", "1 2\n 12 3"] {
            let mut src = TextSource::new(Lines::new(bad));
            let err = index_values(&mut src, 2, 10, "variable", false).unwrap_err();
            assert!(matches!(err, NlError::IndexOutOfRange { at: Pos::Line(2), index: 12, limit: 10, .. }), "{bad:?}: {err:?}");
        }
        let mut src = TextSource::new(Lines::new("1 2\n3 2x"));
        assert!(matches!(index_values(&mut src, 2, 10, "variable", false), Err(NlError::Syntax { at: Pos::Line(2), .. })));
    }

    /// A constant line read by the fast path gives the number (or the error) of the general one.
    #[test]
    fn constant_lines_read_alike_on_both_paths() {
        let read = |line: &str| {
            let mut src = TextSource::new(Lines::new(line));
            src.token().map(|(_, t)| t)
        };
        for (fast, general) in [("n0.5", "n 0.5"), ("n-1e+300", "n  -1e+300 # c"), ("s3", "s 3"), ("l-2", " l -2"), ("n1E-3", "n1E-3 "), ("ninf", "n inf")] {
            assert_eq!(read(fast).unwrap(), read(general).unwrap(), "{fast} / {general}");
        }
        assert_eq!(read("n0.25#c").unwrap(), Token::Const(0.25));
        for (fast, general) in [("o5", "o 5"), ("v12", " v12"), ("n1e400", "n 1e400"), ("n123456789012345678901", "n 123456789012345678901")] {
            assert_eq!(read(fast).unwrap(), read(general).unwrap(), "{fast} / {general}");
        }
        for bad in ["nnan", "n0.5x", "n", "n#1", "n0x10"] {
            assert!(matches!(read(bad), Err(NlError::Syntax { .. })), "{bad}: {:?}", read(bad));
        }
    }
}
