//! Typed errors of the `.nl` reader. Every variant names the (1-based) line where reading stopped,
//! so a malformed file can be fixed without a debugger.

use std::path::PathBuf;
use thiserror::Error;

/// Why an AMPL `.nl` file could not be read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum NlError {
    /// The file (or a `.col`/`.row` companion) could not be read from disk.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// A line did not have the expected shape.
    #[error("line {line}: expected {expected}, found {found:?}")]
    Syntax {
        /// 1-based line number.
        line: usize,
        /// What the reader was looking for.
        expected: String,
        /// The offending text (truncated to a reasonable length).
        found: String,
    },
    /// The file ended while more input was required.
    #[error("line {line}: unexpected end of file, expected {expected}")]
    UnexpectedEof {
        /// 1-based number of the (missing) line.
        line: usize,
        /// What the reader was looking for.
        expected: String,
    },
    /// An index (variable, constraint, objective, defined variable…) is out of range.
    #[error("line {line}: {what} index {index} out of range (must be < {limit})")]
    IndexOutOfRange {
        /// 1-based line number.
        line: usize,
        /// Which kind of index.
        what: &'static str,
        /// The index found.
        index: u64,
        /// The exclusive upper limit implied by the header.
        limit: usize,
    },
    /// A valid `.nl` feature that ipax does not handle (binary format, imported functions,
    /// logical constraints, complementarity, string expressions…).
    #[error("line {line}: unsupported: {what}")]
    Unsupported {
        /// 1-based line number.
        line: usize,
        /// The feature.
        what: String,
    },
    /// The file is inconsistent: counts disagree with the header, duplicated or missing segments,
    /// cycles among defined variables, unsorted breakpoints…
    #[error("line {line}: {message}")]
    Invalid {
        /// 1-based line number (for whole-file checks, the line just past the end).
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl NlError {
    /// The line number the error refers to (`None` only for I/O errors).
    pub fn line(&self) -> Option<usize> {
        match self {
            NlError::Io { .. } => None,
            NlError::Syntax { line, .. }
            | NlError::UnexpectedEof { line, .. }
            | NlError::IndexOutOfRange { line, .. }
            | NlError::Unsupported { line, .. }
            | NlError::Invalid { line, .. } => Some(*line),
        }
    }

    pub(crate) fn syntax(line: usize, expected: impl Into<String>, found: &str) -> Self {
        let mut found = found.to_string();
        if found.len() > 60 {
            let mut cut = 60;
            while !found.is_char_boundary(cut) {
                cut -= 1;
            }
            found.truncate(cut);
            found.push('…');
        }
        NlError::Syntax { line, expected: expected.into(), found }
    }

    pub(crate) fn invalid(line: usize, message: impl Into<String>) -> Self {
        NlError::Invalid { line, message: message.into() }
    }
}
