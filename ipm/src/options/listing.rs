//! Text renderings of the option table: the grouped listing of `--list-options` (and the
//! debugger's `opt FILTER`) and the long description of one option (`opt NAME`).

use super::spec::{OptionKind, OptionSpec};

/// Width the long description is wrapped to.
const WRAP: usize = 96;

/// Value type with its range: `number > 0`, `integer in [0, 12]`, `monotone|adaptive`.
pub(super) fn type_and_range(spec: &OptionSpec) -> String {
    match spec.kind {
        OptionKind::Choice(_) => spec.range_text(),
        kind if spec.range.is_any() => kind.label(),
        kind => {
            let r = spec.range_text();
            if r.starts_with(['(', '[']) { format!("{} in {r}", kind.label()) } else { format!("{} {r}", kind.label()) }
        }
    }
}

/// One block per category (in [`Category::ALL`](super::Category::ALL) order) with a line per
/// option: name, type and range, default, one-line description.
pub(super) fn grouped(specs: &[&OptionSpec]) -> String {
    // Columns as wide as their widest entry, so every row lines up.
    let width = |f: &dyn Fn(&OptionSpec) -> usize| specs.iter().map(|s| f(s)).max().unwrap_or(0);
    let name_w = width(&|s| s.name.len());
    let type_w = width(&|s| type_and_range(s).chars().count());
    // A rare wide default (tiny_step_tol's 10ε) may push its own row out rather than all rows.
    let default_w = width(&|s| s.default_text().len() + 2).min(16);
    let mut out = String::new();
    for &category in super::Category::ALL {
        let mut rows = specs.iter().filter(|s| s.category == category).peekable();
        if rows.peek().is_none() {
            continue;
        }
        out.push_str(&format!("\n{}\n", category.title()));
        for s in rows {
            let default = format!("[{}]", s.default_text());
            let kind = type_and_range(s);
            out.push_str(&format!("  {:<name_w$}  {kind:<type_w$}  {default:<default_w$}  {}\n", s.name, s.short));
        }
    }
    out
}

/// Header, one-line description and the long description wrapped to [`WRAP`] columns; the
/// current value is shown when it differs from the default.
pub(super) fn describe(spec: &OptionSpec, current: &str) -> String {
    let default = spec.default_text();
    let mut out = format!("{} ({}): {}, default {default}", spec.name, spec.category.title(), type_and_range(spec));
    if current != default {
        out.push_str(&format!(", current {current}"));
    }
    out.push_str(&format!("\n  {}\n\n", spec.short));
    out.push_str(&wrap(spec.long, WRAP, "  "));
    out
}

/// Greedy word wrap, each line prefixed by `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&format!("{indent}{line}\n"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&format!("{indent}{line}\n"));
    }
    out
}
