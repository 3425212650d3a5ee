//! Breakpoints: by iteration (`break N`, one-shot `tbreak N`), conditional (`break if …`), on
//! solver events (`break on …`), watchpoints (`watchpoint x[3] 1e-3`) and the command lists run
//! when an iteration breakpoint hits.
//!
//! A condition is a chain `t₁ op₁ t₂ op₂ … tₖ` of comparisons `metric OP number` joined by `&&`
//! and `||`, evaluated strictly left to right with no precedence: `a || b && c` is `(a || b) && c`.
//! Parentheses are accepted and ignored (they do not group). `==` is float-tolerant:
//! `|a − b| ≤ 1e-9·max(1, |a|, |b|)`.

use std::collections::BTreeMap;

use super::vocab::{EVENTS, METRICS};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl Cmp {
    fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
            Cmp::Eq => (a - b).abs() <= 1e-9 * 1f64.max(a.abs()).max(b.abs()),
        }
    }
}

/// One comparison `metric OP value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub metric: &'static str,
    pub op: Cmp,
    pub value: f64,
}

/// How a comparison joins the chain before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    And,
    Or,
}

/// A conditional breakpoint: its text and the parsed chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub text: String,
    pub first: Comparison,
    pub rest: Vec<(Join, Comparison)>,
}

/// The metric values a condition reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Metrics {
    pub mu: f64,
    pub inf_pr: f64,
    pub inf_du: f64,
    pub obj: f64,
    pub err: f64,
    pub iter: f64,
}

impl Metrics {
    fn get(&self, name: &str) -> f64 {
        match name {
            "mu" => self.mu,
            "inf_pr" => self.inf_pr,
            "inf_du" => self.inf_du,
            "obj" => self.obj,
            "err" => self.err,
            _ => self.iter,
        }
    }
}

fn parse_comparison(text: &str) -> Result<Comparison, String> {
    let t = text.trim();
    let ops: [(&str, Cmp); 5] = [("<=", Cmp::Le), (">=", Cmp::Ge), ("==", Cmp::Eq), ("<", Cmp::Lt), (">", Cmp::Gt)];
    for (sym, op) in ops {
        if let Some(k) = t.find(sym) {
            let (name, value) = (t[..k].trim(), t[k + sym.len()..].trim());
            let Some(metric) = METRICS.iter().find(|m| **m == name) else {
                return Err(format!("unknown metric '{name}' (metrics: {})", METRICS.join(", ")));
            };
            let value: f64 = value.parse().map_err(|_| format!("'{value}' is not a number"))?;
            return Ok(Comparison { metric, op, value });
        }
    }
    Err(format!("expected `metric OP number` (OP one of < <= > >= ==), got '{t}'"))
}

impl Condition {
    /// Parse `inf_pr<1e-6 && (mu>1e-3 || iter>5)`.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let stripped: String = text.chars().filter(|c| *c != '(' && *c != ')').collect();
        if stripped.trim().is_empty() {
            return Err("empty condition (e.g. `break if inf_pr<1e-6`)".into());
        }
        // Split on && and || keeping the joins, left to right.
        let mut parts: Vec<(Option<Join>, String)> = Vec::new();
        let mut rest = stripped.as_str();
        let mut join = None;
        loop {
            let and = rest.find("&&");
            let or = rest.find("||");
            let next = match (and, or) {
                (Some(a), Some(o)) => Some(if a < o { (a, Join::And) } else { (o, Join::Or) }),
                (Some(a), None) => Some((a, Join::And)),
                (None, Some(o)) => Some((o, Join::Or)),
                (None, None) => None,
            };
            match next {
                Some((k, j)) => {
                    parts.push((join, rest[..k].to_string()));
                    join = Some(j);
                    rest = &rest[k + 2..];
                }
                None => {
                    parts.push((join, rest.to_string()));
                    break;
                }
            }
        }
        let mut iter = parts.into_iter();
        let (_, first) = iter.next().expect("at least one part");
        let first = parse_comparison(&first)?;
        let rest = iter.map(|(j, t)| parse_comparison(&t).map(|c| (j.expect("joined"), c))).collect::<Result<Vec<_>, _>>()?;
        Ok(Condition { text: text.trim().to_string(), first, rest })
    }

    /// Evaluate left to right.
    pub fn holds(&self, m: &Metrics) -> bool {
        let eval = |c: &Comparison| c.op.holds(m.get(c.metric), c.value);
        let mut acc = eval(&self.first);
        for (j, c) in &self.rest {
            acc = match j {
                Join::And => acc && eval(c),
                Join::Or => acc || eval(c),
            };
        }
        acc
    }
}

/// A data breakpoint on one entry (`x[3]`) or a whole block (`x`): pauses when the value moves by
/// more than `threshold` between iterations.
#[derive(Debug, Clone, PartialEq)]
pub struct Watchpoint {
    pub block: ipax_ipm::Block,
    pub index: Option<usize>,
    pub threshold: f64,
    /// The values at the last check.
    pub last: Option<Vec<f64>>,
}

impl Watchpoint {
    /// `x[3]` or `x`.
    pub fn label(&self) -> String {
        match self.index {
            Some(i) => format!("{}[{i}]", self.block.name()),
            None => self.block.name().to_string(),
        }
    }
}

/// Parse `x[3]` or `x` into a block and an optional index.
pub fn parse_target(text: &str) -> Result<(ipax_ipm::Block, Option<usize>), String> {
    let (name, index) = match text.split_once('[') {
        Some((name, rest)) => {
            let idx = rest.strip_suffix(']').ok_or_else(|| format!("missing ']' in '{text}'"))?;
            let idx: usize = idx.trim().parse().map_err(|_| format!("'{idx}' is not an index"))?;
            (name, Some(idx))
        }
        None => (text, None),
    };
    let block = ipax_ipm::Block::from_name(name.trim()).ok_or_else(|| {
        format!("unknown block '{name}' (blocks: {})", super::vocab::block_names().join(", "))
    })?;
    Ok((block, index))
}

/// Every kind of breakpoint.
#[derive(Debug, Clone, Default)]
pub struct Breakpoints {
    /// Iteration breakpoints; `true` = one-shot (tbreak).
    pub iterations: BTreeMap<usize, bool>,
    pub conditions: Vec<Condition>,
    pub events: Vec<&'static str>,
    /// Conditions of event breakpoints (`break on regularized if mu<1e-3`).
    pub event_conditions: BTreeMap<&'static str, Condition>,
    pub watchpoints: Vec<Watchpoint>,
    /// Command lists of iteration breakpoints (`commands N …`).
    pub commands: BTreeMap<usize, Vec<String>>,
}

impl Breakpoints {
    /// Register `break on NAME`.
    pub fn add_event(&mut self, name: &str) -> Result<&'static str, String> {
        let Some(e) = EVENTS.iter().find(|e| **e == name) else {
            return Err(format!("unknown event '{name}' (events: {})", EVENTS.join(", ")));
        };
        if !self.events.contains(e) {
            self.events.push(e);
        }
        Ok(e)
    }

    /// The listing shown by `break`.
    pub fn listing(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, once) in &self.iterations {
            let cmds = self.commands.get(i).map(|c| format!("  commands: {}", c.join(" ; "))).unwrap_or_default();
            out.push(format!("{} {i}{cmds}", if *once { "tbreak" } else { "break" }));
        }
        for c in &self.conditions {
            out.push(format!("break if {}", c.text));
        }
        for e in &self.events {
            let cond = self.event_conditions.get(e).map(|c| format!(" if {}", c.text)).unwrap_or_default();
            out.push(format!("break on {e}{cond}"));
        }
        for w in &self.watchpoints {
            out.push(format!("watchpoint {} {:e}", w.label(), w.threshold));
        }
        if out.is_empty() {
            out.push("no breakpoints".into());
        }
        out
    }

    /// The iteration breakpoints (for the pause event).
    pub fn iteration_list(&self) -> Vec<usize> {
        self.iterations.keys().copied().collect()
    }

    /// The condition texts (for the pause event).
    pub fn condition_list(&self) -> Vec<String> {
        self.conditions.iter().map(|c| c.text.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(mu: f64, inf_pr: f64, iter: f64) -> Metrics {
        Metrics { mu, inf_pr, inf_du: 0.5, obj: -1.0, err: 1.0, iter }
    }

    #[test]
    fn compound_conditions_run_left_to_right() {
        let c = Condition::parse("mu<1e-4 && inf_pr>1e-3").unwrap();
        assert!(c.holds(&m(1e-5, 1e-2, 0.0)));
        assert!(!c.holds(&m(1e-3, 1e-2, 0.0)));
        // (iter>10 || mu<1) && inf_pr>1: left to right, parentheses ignored.
        let c = Condition::parse("iter>10 || (mu<1 && inf_pr>1)").unwrap();
        assert!(!c.holds(&m(0.5, 0.1, 20.0)), "(true || true) && false");
        assert!(c.holds(&m(0.5, 2.0, 0.0)));
        let c = Condition::parse("obj==-1.0000000001").unwrap();
        assert!(c.holds(&m(0.0, 0.0, 0.0)), "== is float-tolerant");
        assert!(Condition::parse("foo<1").is_err());
        assert!(Condition::parse("mu<abc").is_err());
        assert!(Condition::parse("mu").is_err());
    }

    #[test]
    fn targets_and_events() {
        assert_eq!(parse_target("x[3]").unwrap(), (ipax_ipm::Block::X, Some(3)));
        assert_eq!(parse_target("z_l").unwrap(), (ipax_ipm::Block::ZL, None));
        assert!(parse_target("q[1]").is_err());
        assert!(parse_target("x[a]").is_err());
        let mut b = Breakpoints::default();
        assert!(b.add_event("regularized").is_ok());
        assert!(b.add_event("bogus").is_err());
    }
}
