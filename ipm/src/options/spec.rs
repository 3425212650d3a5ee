//! What the option table knows about one option: its value type, admissible range, category and
//! descriptions, and how values of each Rust type are read from and written to text.

use std::fmt;

/// Kind of value an option takes (for listings, completion and parsing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// A real number (`1e-8`, `0.5`, `inf`); NaN is refused.
    Number,
    /// An integer, also written as an integral number (`3000`, `3e3`).
    Integer,
    /// One of a fixed set of words (`yes`/`no` for switches).
    Choice(&'static [&'static str]),
}

impl OptionKind {
    /// What a value of this kind looks like, for error messages ("a number", "one of: a, b").
    pub fn expected(self) -> String {
        match self {
            OptionKind::Number => "a number".to_string(),
            OptionKind::Integer => "an integer".to_string(),
            OptionKind::Choice(c) => format!("one of: {}", c.join(", ")),
        }
    }

    /// Short name of the kind for listings: `number`, `integer` or `a|b|c`.
    pub fn label(self) -> String {
        match self {
            OptionKind::Number => "number".to_string(),
            OptionKind::Integer => "integer".to_string(),
            OptionKind::Choice(c) => c.join("|"),
        }
    }
}

/// One end of an admissible interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// No bound on this side (±∞ allowed).
    Unbounded,
    /// The end point is admissible.
    Closed(f64),
    /// The end point is not admissible.
    Open(f64),
}

/// The admissible values of a numeric option. Choice options use [`Range::ANY`]: their words are
/// the range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    /// Every value of the type (NaN excepted).
    Interval(Bound, Bound),
    /// Finite and non-zero (a scaling factor).
    NonZeroFinite,
}

impl Range {
    /// No restriction.
    pub const ANY: Range = Range::Interval(Bound::Unbounded, Bound::Unbounded);
    /// `v > 0`.
    pub const POSITIVE: Range = Range::Interval(Bound::Open(0.0), Bound::Unbounded);
    /// `v ≥ 0`.
    pub const NON_NEGATIVE: Range = Range::Interval(Bound::Closed(0.0), Bound::Unbounded);
    /// `0 < v < 1`.
    pub const UNIT_OPEN: Range = Range::Interval(Bound::Open(0.0), Bound::Open(1.0));
    /// `0 ≤ v < 1`.
    pub const UNIT_CLOSED_OPEN: Range = Range::Interval(Bound::Closed(0.0), Bound::Open(1.0));
    /// `0 < v ≤ 1/2` (Ipopt's bound on the relative pushes `*_frac`).
    pub const HALF: Range = Range::Interval(Bound::Open(0.0), Bound::Closed(0.5));
    /// `v > 1` (growth factors).
    pub const ABOVE_ONE: Range = Range::Interval(Bound::Open(1.0), Bound::Unbounded);
    /// `v ≥ 1`.
    pub const AT_LEAST_ONE: Range = Range::Interval(Bound::Closed(1.0), Bound::Unbounded);

    /// Whether `v` lies in the range.
    pub fn contains(self, v: f64) -> bool {
        match self {
            Range::NonZeroFinite => v != 0.0 && v.is_finite(),
            Range::Interval(lo, hi) => {
                let above = match lo {
                    Bound::Unbounded => true,
                    Bound::Closed(a) => v >= a,
                    Bound::Open(a) => v > a,
                };
                let below = match hi {
                    Bound::Unbounded => true,
                    Bound::Closed(b) => v <= b,
                    Bound::Open(b) => v < b,
                };
                above && below
            }
        }
    }

    /// Whether the range admits everything.
    pub fn is_any(self) -> bool {
        self == Range::ANY
    }

    /// The error text for a value outside the range, e.g. "a positive number",
    /// "a number in (0, 1)", "an integer ≥ 1".
    pub fn expected(self, kind: OptionKind) -> String {
        let (noun, article) = match kind {
            OptionKind::Integer => ("integer", "an"),
            _ => ("number", "a"),
        };
        match self {
            Range::NonZeroFinite => format!("a non-zero finite {noun}"),
            Range::POSITIVE => format!("a positive {noun}"),
            Range::NON_NEGATIVE => format!("a non-negative {noun}"),
            Range::Interval(Bound::Unbounded, Bound::Unbounded) => format!("{article} {noun}"),
            Range::Interval(_, Bound::Unbounded) | Range::Interval(Bound::Unbounded, _) => {
                format!("{article} {noun} {self}")
            }
            Range::Interval(..) => format!("{article} {noun} in {self}"),
        }
    }
}

/// Compact mathematical form for listings: `> 0`, `≥ 1`, `(0, 1)`, `(0, 0.5]`, `≠ 0`, and the
/// empty string for no restriction.
impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Range::NonZeroFinite => write!(f, "≠ 0, finite"),
            Range::Interval(Bound::Unbounded, Bound::Unbounded) => Ok(()),
            Range::Interval(lo, Bound::Unbounded) => match lo {
                Bound::Closed(a) => write!(f, "≥ {}", format_number(a)),
                Bound::Open(a) => write!(f, "> {}", format_number(a)),
                Bound::Unbounded => Ok(()),
            },
            Range::Interval(Bound::Unbounded, hi) => match hi {
                Bound::Closed(b) => write!(f, "≤ {}", format_number(b)),
                Bound::Open(b) => write!(f, "< {}", format_number(b)),
                Bound::Unbounded => Ok(()),
            },
            Range::Interval(lo, hi) => {
                let (l, a) = end(lo, '(', '[', f64::NEG_INFINITY);
                let (r, b) = end(hi, ')', ']', f64::INFINITY);
                write!(f, "{l}{}, {}{r}", format_number(a), format_number(b))
            }
        }
    }
}

/// Bracket and value of one end of an interval; an unbounded end prints as an open ±∞.
fn end(b: Bound, open: char, closed: char, infinite: f64) -> (char, f64) {
    match b {
        Bound::Closed(v) => (closed, v),
        Bound::Open(v) => (open, v),
        Bound::Unbounded => (open, infinite),
    }
}

/// Option groups, in listing order; names follow Ipopt's documentation where it has the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Termination,
    Output,
    Nlp,
    NlpScaling,
    Initialization,
    BarrierParameter,
    LineSearch,
    LinearSolver,
    HessianPerturbation,
    Krylov,
    QuasiNewton,
    WarmStart,
    Restoration,
    Presolve,
}

impl Category {
    /// Every category in listing order.
    pub const ALL: &'static [Category] = &[
        Category::Termination,
        Category::Output,
        Category::Nlp,
        Category::NlpScaling,
        Category::Initialization,
        Category::BarrierParameter,
        Category::LineSearch,
        Category::LinearSolver,
        Category::HessianPerturbation,
        Category::Krylov,
        Category::QuasiNewton,
        Category::WarmStart,
        Category::Restoration,
        Category::Presolve,
    ];

    /// Heading used in listings (Ipopt's wording where the group exists there).
    pub fn title(self) -> &'static str {
        match self {
            Category::Termination => "Termination",
            Category::Output => "Output",
            Category::Nlp => "NLP",
            Category::NlpScaling => "NLP Scaling",
            Category::Initialization => "Initialization",
            Category::BarrierParameter => "Barrier Parameter Update",
            Category::LineSearch => "Line Search",
            Category::LinearSolver => "Linear Solver",
            Category::HessianPerturbation => "Hessian Perturbation",
            Category::Krylov => "Krylov Solvers",
            Category::QuasiNewton => "Quasi-Newton",
            Category::WarmStart => "Warm Start",
            Category::Restoration => "Restoration Phase",
            Category::Presolve => "Presolve",
        }
    }
}

/// Everything the table records about one option. The table ([`crate::options::Options::table`])
/// is generated from the same list as the `Options` struct, its `Default` and its setter.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// Ipopt's name where Ipopt has the option (the field name of `Options`).
    pub name: &'static str,
    /// Value type.
    pub kind: OptionKind,
    /// Admissible values of numeric options.
    pub range: Range,
    /// Group for listings.
    pub category: Category,
    /// One-line description.
    pub short: &'static str,
    /// Long description: meaning, the math, and where and why we differ from Ipopt.
    pub long: &'static str,
    /// The default as text (what `Options::default().get_as_string(name)` returns).
    pub(crate) default_text: fn() -> String,
}

impl OptionSpec {
    /// The default value as it would be written in an options file.
    pub fn default_text(&self) -> String {
        (self.default_text)()
    }

    /// The admissible values as text: the words of a choice, the interval of a number (empty
    /// when unrestricted).
    pub fn range_text(&self) -> String {
        match self.kind {
            OptionKind::Choice(c) => c.join("|"),
            _ => self.range.to_string(),
        }
    }
}

/// A Rust type an option can have: how it is read from and written to text.
pub trait OptionValue: Sized {
    /// The kind of text it is read from.
    const KIND: OptionKind;
    /// Read a value (no range check); the error is what was expected.
    fn parse_text(text: &str) -> Result<Self, String>;
    /// The value as text that `parse_text` reads back to the same value.
    fn to_text(&self) -> String;
    /// The value as a number for the range check (`None` for choices).
    fn as_number(&self) -> Option<f64>;
}

/// Shortest text that reads back to `v`: plain for moderate magnitudes (`0.1`, `3000`),
/// scientific otherwise (`1e-8`, `1e20`).
pub fn format_number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || (1e-3..1e4).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

impl OptionValue for f64 {
    const KIND: OptionKind = OptionKind::Number;
    fn parse_text(text: &str) -> Result<Self, String> {
        let v: f64 = text.parse().map_err(|_| "a number".to_string())?;
        if v.is_nan() { Err("a number, not NaN".to_string()) } else { Ok(v) }
    }
    fn to_text(&self) -> String {
        format_number(*self)
    }
    fn as_number(&self) -> Option<f64> {
        Some(*self)
    }
}

/// Integers are also accepted written as integral numbers (`3e3`), as Ipopt's options files
/// and AMPL's option strings produce them.
fn parse_integer(text: &str) -> Result<i64, String> {
    text.parse::<i64>()
        .or_else(|_| text.parse::<f64>().ok().filter(|f| f.fract() == 0.0).map(|f| f as i64).ok_or(()))
        .map_err(|_| "an integer".to_string())
}

impl OptionValue for usize {
    const KIND: OptionKind = OptionKind::Integer;
    fn parse_text(text: &str) -> Result<Self, String> {
        usize::try_from(parse_integer(text)?).map_err(|_| "a non-negative integer".to_string())
    }
    fn to_text(&self) -> String {
        self.to_string()
    }
    fn as_number(&self) -> Option<f64> {
        Some(*self as f64)
    }
}

impl OptionValue for i32 {
    const KIND: OptionKind = OptionKind::Integer;
    fn parse_text(text: &str) -> Result<Self, String> {
        i32::try_from(parse_integer(text)?).map_err(|_| "an integer of 32 bits".to_string())
    }
    fn to_text(&self) -> String {
        self.to_string()
    }
    fn as_number(&self) -> Option<f64> {
        Some(f64::from(*self))
    }
}

impl OptionValue for bool {
    const KIND: OptionKind = OptionKind::Choice(&["yes", "no"]);
    fn parse_text(text: &str) -> Result<Self, String> {
        match text.to_ascii_lowercase().as_str() {
            "yes" => Ok(true),
            "no" => Ok(false),
            _ => Err(Self::KIND.expected()),
        }
    }
    fn to_text(&self) -> String {
        if *self { "yes" } else { "no" }.to_string()
    }
    fn as_number(&self) -> Option<f64> {
        None
    }
}

/// Read a value of type `T` and check it against `range`; the error says what was expected.
pub fn parse_in_range<T: OptionValue>(text: &str, range: Range) -> Result<T, String> {
    let v = T::parse_text(text)?;
    match v.as_number() {
        Some(x) if !range.contains(x) => Err(range.expected(T::KIND)),
        _ => Ok(v),
    }
}
