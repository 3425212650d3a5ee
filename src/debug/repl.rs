//! The `--debug` REPL's line editor: rustyline with history in `~/.ipax_dbg_history`, Ctrl-R
//! search and Tab completion of verbs, blocks, metrics, checkpoints, events, option names and
//! paths ([`vocab::complete`]). Ctrl-C at the prompt arrives as input: the first cancels the line,
//! a second in a row stops the solve; Ctrl-D (end of input) detaches.

use std::path::PathBuf;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Behavior, CompletionType, Config, Context, Editor, Helper, Highlighter, Hinter, Validator};

use super::io::CommandSource;
use super::protocol::{Incoming, Request};
use super::vocab;

/// The prompt.
pub const PROMPT: &str = "ipax-dbg> ";

/// Tab completion from the debugger's vocabulary.
#[derive(Helper, Highlighter, Hinter, Validator)]
pub struct DbgHelper;

impl Completer for DbgHelper {
    type Candidate = Pair;
    fn complete(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let head = &line[..pos];
        let start = head.rfind(char::is_whitespace).map_or(0, |k| k + 1);
        let cands = vocab::complete(head)
            .into_iter()
            .map(|c| {
                // Paths: show the last component, insert the whole word.
                let display = c.trim_end_matches('/').rsplit('/').next().map(String::from).unwrap_or_else(|| c.clone());
                let display = if c.ends_with('/') { format!("{display}/") } else { display };
                let replacement = if c.ends_with('/') { c } else { format!("{c} ") };
                Pair { display, replacement }
            })
            .collect();
        Ok((start, cands))
    }
}

/// The history file, `~/.ipax_dbg_history`.
pub fn history_path() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".ipax_dbg_history"))
}

/// Commands typed at a terminal.
pub struct ReplSource {
    editor: Editor<DbgHelper, DefaultHistory>,
    history: Option<PathBuf>,
}

impl ReplSource {
    /// A line editor on the terminal (rustyline prefers the terminal device, so the prompt never
    /// lands in a redirected stdout).
    pub fn new() -> rustyline::Result<ReplSource> {
        let config = Config::builder()
            .behavior(Behavior::PreferTerm)
            .completion_type(CompletionType::List)
            .auto_add_history(true)
            .max_history_size(5000)?
            .build();
        let mut editor = Editor::with_config(config)?;
        editor.set_helper(Some(DbgHelper));
        let history = history_path();
        if let Some(h) = &history {
            // A missing history file is the normal first run.
            let _ = editor.load_history(h);
        }
        Ok(ReplSource { editor, history })
    }
}

impl CommandSource for ReplSource {
    fn next(&mut self) -> Incoming {
        loop {
            match self.editor.readline(PROMPT) {
                Ok(line) => {
                    if let Some(h) = &self.history {
                        let _ = self.editor.save_history(h);
                    }
                    let t = line.trim();
                    if !t.is_empty() {
                        return Incoming::Request(Request::new(t));
                    }
                }
                Err(ReadlineError::Interrupted) => return Incoming::Interrupt,
                Err(ReadlineError::Eof) => return Incoming::Eof,
                Err(e) => {
                    eprintln!("ipax-dbg: terminal error: {e}");
                    return Incoming::Eof;
                }
            }
        }
    }
    fn is_interactive(&self) -> bool {
        true
    }
}
