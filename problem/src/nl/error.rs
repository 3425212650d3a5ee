//! Typed errors of the `.nl` reader. Every variant names where reading stopped — the (1-based)
//! line of a text file, or the byte offset in a binary one — so a malformed file can be fixed
//! without a debugger.

use std::path::PathBuf;
use thiserror::Error;

/// A place in an `.nl` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pos {
    /// 1-based line of a text file (also of the text header of a binary file).
    Line(usize),
    /// 0-based byte offset in a binary (`b`) file.
    Byte(usize),
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pos::Line(n) => write!(f, "line {n}"),
            Pos::Byte(n) => write!(f, "byte {n}"),
        }
    }
}

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
    #[error("{at}: expected {expected}, found {found:?}")]
    Syntax {
        /// Where.
        at: Pos,
        /// What the reader was looking for.
        expected: String,
        /// The offending text (truncated to a reasonable length).
        found: String,
    },
    /// The file ended while more input was required.
    #[error("{at}: unexpected end of file, expected {expected}")]
    UnexpectedEof {
        /// Where the missing input should have been.
        at: Pos,
        /// What the reader was looking for.
        expected: String,
    },
    /// An index (variable, constraint, objective, defined variable…) is out of range.
    #[error("{at}: {what} index {index} out of range (must be < {limit})")]
    IndexOutOfRange {
        /// Where.
        at: Pos,
        /// Which kind of index.
        what: &'static str,
        /// The index found.
        index: u64,
        /// The exclusive upper limit implied by the header.
        limit: usize,
    },
    /// A valid `.nl` feature that ipax does not handle (imported functions,
    /// logical constraints, complementarity, string expressions…).
    #[error("{at}: unsupported: {what}")]
    Unsupported {
        /// Where.
        at: Pos,
        /// The feature.
        what: String,
    },
    /// The file is inconsistent: counts disagree with the header, duplicated or missing segments,
    /// cycles among defined variables, unsorted breakpoints…
    #[error("{at}: {message}")]
    Invalid {
        /// Where (for whole-file checks, just past the end).
        at: Pos,
        /// What is wrong.
        message: String,
    },
    /// The model is well formed but exceeds a size this reader indexes compactly (an element
    /// whose tape has more than `u32::MAX` instructions or list operands).
    #[error("model too large: {what}")]
    TooLarge {
        /// What exceeds which limit.
        what: String,
    },
}

impl NlError {
    /// Where the error occurred (`None` for I/O errors and for [`NlError::TooLarge`], which
    /// concerns the model as a whole).
    pub fn position(&self) -> Option<Pos> {
        match self {
            NlError::Io { .. } | NlError::TooLarge { .. } => None,
            NlError::Syntax { at, .. }
            | NlError::UnexpectedEof { at, .. }
            | NlError::IndexOutOfRange { at, .. }
            | NlError::Unsupported { at, .. }
            | NlError::Invalid { at, .. } => Some(*at),
        }
    }

    /// The line number the error refers to (`None` for errors without a position and for the
    /// binary part of a binary file, see [`NlError::position`]).
    pub fn line(&self) -> Option<usize> {
        match self.position() {
            Some(Pos::Line(n)) => Some(n),
            _ => None,
        }
    }

    pub(crate) fn syntax(at: Pos, expected: impl Into<String>, found: &str) -> Self {
        let mut found = found.to_string();
        if found.len() > 60 {
            let mut cut = 60;
            while !found.is_char_boundary(cut) {
                cut -= 1;
            }
            found.truncate(cut);
            found.push('…');
        }
        NlError::Syntax { at, expected: expected.into(), found }
    }

    pub(crate) fn invalid(at: Pos, message: impl Into<String>) -> Self {
        NlError::Invalid { at, message: message.into() }
    }
}
