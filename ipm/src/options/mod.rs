//! Solver options with Ipopt's names, validated when set, from one table.
//!
//! Every option is one entry of the list in `table.rs`: name, Rust type (a typed enum for each
//! choice), default, admissible range, category, one-line and long description. A macro
//! (`macros.rs`) generates from it the [`Options`] struct, its `Default`, the setter and getter
//! and the [`OptionSpec`] table that listings, completion and error messages read, so the struct,
//! the defaults and the accepted names cannot drift apart.
//!
//! Unknown names are an error that lists close matches, so a typo in an options file never passes
//! silently. Options files use Ipopt's `ipopt.opt` syntax: one `name value` pair per line, `#`
//! starts a comment.
//!
//! ```
//! use ipax_ipm::options::{MuStrategy, Options};
//! let mut o = Options::default();
//! o.set("mu_strategy", "adaptive").unwrap();
//! assert_eq!(o.mu_strategy, MuStrategy::Adaptive);
//! assert_eq!(o.get_as_string("tol").unwrap(), "1e-8");
//! assert!(o.set("max_itr", "5").unwrap_err().to_string().contains("max_iter"));
//! ```

#[macro_use]
mod macros;
mod choices;
mod listing;
mod spec;
mod table;
#[cfg(test)]
mod tests;

use thiserror::Error;

pub use choices::{
    AuxiliaryCoupling, FixedVariableTreatment, HessianApproximationKind, KktRouteChoice, KrylovPreconditionerChoice,
    LineSearchKind, LinearSolverChoice, MuFinalCorrector, MuOracle, MuStrategy, ScalingMethod, SparseOrderingChoice,
};
pub use spec::{format_number, Bound, Category, OptionKind, OptionSpec, OptionValue, Range};
pub use table::Options;

/// An error setting or looking up an option.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum OptionError {
    #[error("unknown option '{name}'{}", suggestion_text(.suggestions))]
    Unknown { name: String, suggestions: Vec<String> },
    #[error("option '{name}': invalid value '{value}' ({expected})")]
    InvalidValue { name: String, value: String, expected: String },
    #[error("options file line {line}: {message}")]
    FileSyntax { line: usize, message: String },
    #[error("cannot read options file '{path}': {message}")]
    Io { path: String, message: String },
}

fn suggestion_text(s: &[String]) -> String {
    if s.is_empty() { String::new() } else { format!("; did you mean {}?", s.join(", ")) }
}

/// Names are matched case-insensitively and without surrounding blanks, as Ipopt does.
fn normalize(name: &str) -> String {
    name.trim().to_ascii_lowercase()
}

fn unknown(name: &str) -> OptionError {
    OptionError::Unknown { name: name.to_string(), suggestions: close_matches(&normalize(name)) }
}

impl Options {
    /// The option table: every option in listing order (grouped by [`Category`]).
    pub fn table() -> &'static [OptionSpec] {
        table::SPECS
    }

    /// The table entry of `name`, or an [`OptionError::Unknown`] with close matches.
    pub fn spec(name: &str) -> Result<&'static OptionSpec, OptionError> {
        let key = normalize(name);
        table::SPECS.iter().find(|s| s.name == key).ok_or_else(|| unknown(name))
    }

    /// Set an option from its textual value (as in an options file or on the command line).
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), OptionError> {
        let key = normalize(name);
        let value = value.trim();
        match self.set_field(&key, value) {
            None => Err(unknown(name)),
            Some(Err(expected)) => Err(OptionError::InvalidValue { name: key, value: value.to_string(), expected }),
            Some(Ok(())) => Ok(()),
        }
    }

    /// Set a numeric option (integers accepted where integral).
    pub fn set_numeric(&mut self, name: &str, value: f64) -> Result<(), OptionError> {
        self.set(name, &format!("{value:e}")).or_else(|e| match e {
            OptionError::InvalidValue { .. } if value.fract() == 0.0 => self.set(name, &format!("{}", value as i64)),
            e => Err(e),
        })
    }

    /// The current value of `name` as text that [`Options::set`] reads back to the same value
    /// (`1e-8`, `3000`, `adaptive`, `yes`).
    pub fn get_as_string(&self, name: &str) -> Result<String, OptionError> {
        self.get_field(&normalize(name)).ok_or_else(|| unknown(name))
    }

    /// Option names starting with `prefix` (case-insensitive), in alphabetical order: the
    /// candidates of the debugger's `complete PREFIX`.
    pub fn complete(prefix: &str) -> Vec<&'static str> {
        let p = normalize(prefix);
        let mut names: Vec<&'static str> = table::SPECS.iter().map(|s| s.name).filter(|n| n.starts_with(&p)).collect();
        names.sort_unstable();
        names
    }

    /// Options whose name or category title contains `filter` (case-insensitive; empty: all),
    /// in listing order: what the debugger's `opt FILTER` lists.
    pub fn filter(filter: &str) -> Vec<&'static OptionSpec> {
        let f = normalize(filter);
        table::SPECS
            .iter()
            .filter(|s| s.name.contains(&f) || s.category.title().to_ascii_lowercase().contains(&f))
            .collect()
    }

    /// Everything about one option, for `opt NAME`: header with type, range and default, the
    /// one-line and the long description, and the value in `self` when it differs from the
    /// default.
    pub fn describe(&self, name: &str) -> Result<String, OptionError> {
        let spec = Options::spec(name)?;
        let current = self.get_as_string(spec.name)?;
        Ok(listing::describe(spec, &current))
    }

    /// The option listing grouped by category, with type, range, default and one-line
    /// description, of the options matching `filter` (see [`Options::filter`]); the CLI's
    /// `--list-options` prints it with an empty filter.
    pub fn listing(filter: &str) -> String {
        listing::grouped(&Options::filter(filter))
    }

    /// Parse options-file text (`ipopt.opt` syntax: `name value` per line, `#` comments).
    pub fn apply_file_text(&mut self, text: &str) -> Result<(), OptionError> {
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (Some(name), Some(value), None) = (parts.next(), parts.next(), parts.next()) else {
                return Err(OptionError::FileSyntax { line: i + 1, message: format!("expected 'name value', got '{line}'") });
            };
            self.set(name, value).map_err(|e| OptionError::FileSyntax { line: i + 1, message: e.to_string() })?;
        }
        Ok(())
    }

    /// Read and apply an options file.
    pub fn apply_file(&mut self, path: &std::path::Path) -> Result<(), OptionError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| OptionError::Io { path: path.display().to_string(), message: e.to_string() })?;
        self.apply_file_text(&text)
    }
}

/// Option names within edit distance 3 of `name` (or containing it), best first.
pub fn close_matches(name: &str) -> Vec<String> {
    let mut scored: Vec<(usize, &str)> = table::SPECS
        .iter()
        .map(|s| (edit_distance(name, s.name), s.name))
        .filter(|(d, n)| *d <= 3.max(name.len() / 4) || (name.len() >= 4 && n.contains(name)))
        .collect();
    scored.sort();
    scored.into_iter().take(4).map(|(_, n)| n.to_string()).collect()
}

/// Levenshtein distance.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
