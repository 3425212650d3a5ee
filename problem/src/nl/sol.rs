//! Writer (and a small reader, for checks) of AMPL `.sol` files.
//!
//! Layout, as written by ASL's `write_sol` and read by AMPL and by Pyomo
//! (`pyomo/opt/plugins/sol.py`):
//!
//! ```text
//! <solver message, one or more non-empty lines>
//! <empty line>
//! Options
//! 3            number of option values that follow
//! 1
//! 1
//! 0
//! <m>          number of constraints
//! <m>          number of dual values that follow
//! <n>          number of variables
//! <n>          number of primal values that follow
//! <y_1> … <y_m>   one per line
//! <x_1> … <x_n>   one per line
//! objno 0 <solve_result_num>
//! ```
//! then, optionally, suffix sections (ASL's `write_sol` layout, read by Pyomo's `_load`):
//! ```text
//! suffix <kind> <count> <name length + 1> 0 0     kind: 0 variables, 1 constraints; +4 real
//! <name>
//! <index> <value>   one line per entry, 0-based index
//! ```
//! Pyomo stops reading the message at the first line containing `Options`, so that word is
//! defused inside messages.

use std::fmt::Write as _;
use std::path::Path;

/// AMPL's `solve_result_num` ranges (the AMPL book, §14.3, Table 14-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SolveResult {
    /// 0–99: solved (an optimal point was found).
    Solved,
    /// 100–199: solved?, e.g. only acceptable tolerances reached.
    SolvedQuestionable,
    /// 200–299: infeasible.
    Infeasible,
    /// 300–399: unbounded.
    Unbounded,
    /// 400–499: a limit (iterations, time) was reached.
    LimitReached,
    /// 500–599: failure (evaluation error, numerical trouble…).
    Failure,
}

impl SolveResult {
    /// The representative `solve_result_num` written into the `.sol` file.
    pub fn code(self) -> i32 {
        match self {
            SolveResult::Solved => 0,
            SolveResult::SolvedQuestionable => 100,
            SolveResult::Infeasible => 200,
            SolveResult::Unbounded => 300,
            SolveResult::LimitReached => 400,
            SolveResult::Failure => 500,
        }
    }

    /// Classify a `solve_result_num` (codes outside 0–599 count as failure).
    pub fn from_code(code: i32) -> Self {
        match code {
            0..=99 => SolveResult::Solved,
            100..=199 => SolveResult::SolvedQuestionable,
            200..=299 => SolveResult::Infeasible,
            300..=399 => SolveResult::Unbounded,
            400..=499 => SolveResult::LimitReached,
            _ => SolveResult::Failure,
        }
    }
}

/// Shortest round-trip text of `v` that C's `strtod` and Python's `float` accept.
fn num(v: f64) -> String {
    if v == 0.0 || (v.is_finite() && (1e-5..1e16).contains(&v.abs())) {
        format!("{v}")
    } else if v.is_nan() {
        "nan".to_string()
    } else {
        format!("{v:e}")
    }
}

/// The text of a `.sol` file: message, primal `x` (length `n`), duals `y` (length `m`, AMPL sign
/// convention — see [`super::NlProblem::ampl_duals`]) and `solve_result_num`.
pub fn format_sol(message: &str, x: &[f64], y: &[f64], solve_result_num: i32) -> String {
    let mut s = String::new();
    let mut any = false;
    for line in message.lines() {
        if line.trim().is_empty() {
            continue; // an empty line would end the message early
        }
        s.push_str(&line.replace("Options", "options"));
        s.push('\n');
        any = true;
    }
    if !any {
        s.push_str("ipax\n");
    }
    s.push_str("\nOptions\n3\n1\n1\n0\n");
    let _ = writeln!(s, "{}\n{}\n{}\n{}", y.len(), y.len(), x.len(), x.len());
    for &v in y.iter().chain(x) {
        s.push_str(&num(v));
        s.push('\n');
    }
    let _ = writeln!(s, "objno 0 {solve_result_num}");
    s
}

/// What a `.sol` suffix is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SolSuffixTarget {
    /// One value per variable (AMPL suffix kind 0).
    Variables,
    /// One value per constraint (kind 1).
    Constraints,
}

/// A suffix section of a `.sol` file: `(index, value)` entries on variables or constraints.
#[derive(Debug, Clone, PartialEq)]
pub struct SolSuffix {
    /// Suffix name, as the modeling system declares it.
    pub name: String,
    /// Variables or constraints.
    pub target: SolSuffixTarget,
    /// Real (`true`) or integer values.
    pub real: bool,
    /// `(0-based index, value)` entries.
    pub values: Vec<(usize, f64)>,
}

/// [`format_sol`] followed by suffix sections.
pub fn format_sol_with_suffixes(message: &str, x: &[f64], y: &[f64], solve_result_num: i32, suffixes: &[SolSuffix]) -> String {
    let mut s = format_sol(message, x, y, solve_result_num);
    for suf in suffixes {
        let kind = match suf.target {
            SolSuffixTarget::Variables => 0,
            SolSuffixTarget::Constraints => 1,
        } + if suf.real { 4 } else { 0 };
        let _ = writeln!(s, "suffix {kind} {} {} 0 0\n{}", suf.values.len(), suf.name.len() + 1, suf.name);
        for &(i, v) in &suf.values {
            let v = if suf.real { num(v) } else { format!("{}", v as i64) };
            let _ = writeln!(s, "{i} {v}");
        }
    }
    s
}

/// Write a `.sol` file with suffix sections.
pub fn write_sol_with_suffixes(path: impl AsRef<Path>, message: &str, x: &[f64], y: &[f64], solve_result_num: i32, suffixes: &[SolSuffix]) -> std::io::Result<()> {
    std::fs::write(path, format_sol_with_suffixes(message, x, y, solve_result_num, suffixes))
}

/// Write a `.sol` file (see [`format_sol`]).
pub fn write_sol(path: impl AsRef<Path>, message: &str, x: &[f64], y: &[f64], solve_result_num: i32) -> std::io::Result<()> {
    std::fs::write(path, format_sol(message, x, y, solve_result_num))
}

/// The content of a `.sol` file as read back by [`read_sol`].
#[derive(Debug, Clone, PartialEq)]
pub struct SolFile {
    /// Solver message lines joined by `\n`.
    pub message: String,
    /// Primal values.
    pub x: Vec<f64>,
    /// Dual values.
    pub y: Vec<f64>,
    /// `solve_result_num` from the `objno` line (`None` if absent).
    pub solve_result_num: Option<i32>,
    /// Suffix sections after the `objno` line.
    pub suffixes: Vec<SolSuffix>,
}

/// Parse `.sol` text the way Pyomo's reader does (message up to `Options`, option count and
/// values, the four counts, duals, primals, `objno`). Returns `None` on malformed input.
pub fn read_sol(text: &str) -> Option<SolFile> {
    let mut it = text.lines();
    let mut msg = Vec::new();
    loop {
        let l = it.next()?.trim();
        if l.contains("Options") {
            break;
        }
        if !l.is_empty() {
            msg.push(l.to_string());
        }
    }
    let int = |it: &mut std::str::Lines<'_>| it.next()?.trim().parse::<i64>().ok();
    let nopts = usize::try_from(int(&mut it)?).ok()?;
    for _ in 0..nopts {
        int(&mut it)?;
    }
    let counts: Vec<usize> = (0..4).map(|_| int(&mut it).and_then(|v| usize::try_from(v).ok())).collect::<Option<_>>()?;
    let float = |it: &mut std::str::Lines<'_>| it.next()?.trim().parse::<f64>().ok();
    let y = (0..counts[1]).map(|_| float(&mut it)).collect::<Option<Vec<_>>>()?;
    let x = (0..counts[3]).map(|_| float(&mut it)).collect::<Option<Vec<_>>>()?;
    let solve_result_num = it.next().and_then(|l| {
        let t: Vec<&str> = l.split_whitespace().collect();
        (t.first() == Some(&"objno")).then(|| t.get(2)?.parse().ok()).flatten()
    });
    let mut suffixes = Vec::new();
    while let Some(line) = it.next() {
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.first() != Some(&"suffix") || t.len() < 6 {
            break;
        }
        let kind: u32 = t[1].parse().ok()?;
        let count: usize = t[2].parse().ok()?;
        let table_lines: usize = t[5].parse().ok()?;
        let name = it.next()?.trim().to_string();
        for _ in 0..table_lines {
            it.next()?;
        }
        let mut values = Vec::with_capacity(count);
        for _ in 0..count {
            let mut e = it.next()?.split_whitespace();
            values.push((e.next()?.parse().ok()?, e.next()?.parse().ok()?));
        }
        let target = if kind & 3 == 0 { SolSuffixTarget::Variables } else { SolSuffixTarget::Constraints };
        suffixes.push(SolSuffix { name, target, real: kind & 4 != 0, values });
    }
    Some(SolFile { message: msg.join("\n"), x, y, solve_result_num, suffixes })
}
