//! The debugger's vocabulary: command verbs and aliases, checkpoint aliases, event and metric
//! names, option names, and the context-aware completion shared by the REPL's Tab key and the
//! `complete` command.

use ipax_ipm::{Block, Checkpoint};

/// Every command verb with its aliases and a one-line summary (the `help` listing).
pub const COMMANDS: &[(&str, &[&str], &str)] = &[
    ("help", &["h", "?"], "list commands"),
    ("info", &["i"], "current-iterate summary"),
    ("print", &["p"], "print a block, d-block, scalar, kkt, rank, active, residuals"),
    ("step", &["s", "n", "next"], "run to the next iter_start (`step sub`: to the next checkpoint)"),
    ("stepi", &["si"], "run to the next checkpoint of any kind"),
    ("continue", &["c", "cont"], "run to the next breakpoint (or to completion)"),
    ("run", &["r"], "run until iteration N"),
    ("break", &["b"], "iteration / `if` / `on` breakpoints; list; `del N`; `clear [cond|events]`"),
    ("tbreak", &["tb"], "one-shot iteration breakpoint"),
    ("watchpoint", &["wp"], "pause when a value changes by more than a threshold"),
    ("commands", &[], "commands run when an iteration breakpoint hits (`commands N a ; b ; continue`)"),
    ("stop-at", &[], "always pause at a checkpoint (`stop-at`, `stop-at clear`)"),
    ("set", &[], "set mu / a block / one entry / stage an option (`set opt NAME VALUE`)"),
    ("opt", &[], "list or search options; `opt NAME` describes one"),
    ("complete", &[], "completion candidates for a command-line prefix"),
    ("watch", &["display"], "auto-print a target at every pause"),
    ("diff", &[], "what changed in the iterate since the last iteration"),
    ("check", &[], "evaluate a breakpoint condition at the current point (`check inf_pr<1e-6`)"),
    ("diagnose", &["diag"], "ranked health report naming culprit rows and variables"),
    ("goto", &[], "rewind to the start of a captured iteration"),
    ("restart", &[], "rewind to the earliest captured iteration"),
    ("resolve", &[], "re-solve from the current x with the staged options"),
    ("save", &[], "write the iterate to a JSON artifact"),
    ("load", &[], "read a block (default x) from a save artifact or a numeric file"),
    ("viz", &[], "write x|dx|<block>|kkt|L to JSON and open it in a viewer"),
    ("sweep", &[], "one solve per start point in a file; tabulate"),
    ("multistart", &[], "N restarts (uniform in finite boxes, jitter elsewhere); tabulate"),
    ("ask", &[], "ask an LLM ($IPAX_DBG_LLM) about the paused state"),
    ("source", &[], "run debugger commands from a file"),
    ("progress", &[], "toggle JSON progress events (`progress on|off`)"),
    ("pause", &[], "pause a running solve at the next checkpoint"),
    ("detach", &[], "stop pausing; run to completion"),
    ("quit", &["q", "exit"], "stop the solve now"),
];

/// The canonical verb for `word` (an alias or a verb), if any.
pub fn canonical_verb(word: &str) -> Option<&'static str> {
    COMMANDS.iter().find(|(v, aliases, _)| *v == word || aliases.contains(&word)).map(|(v, _, _)| *v)
}

/// Checkpoint aliases accepted by `stop-at` (and DAP function breakpoints).
pub const CHECKPOINT_ALIASES: &[(&str, Checkpoint)] = &[
    ("mu", Checkpoint::AfterMu),
    ("kkt", Checkpoint::AfterSearchDir),
    ("search_dir", Checkpoint::AfterSearchDir),
    ("step", Checkpoint::AfterStep),
    ("rejected", Checkpoint::StepRejected),
    ("resto", Checkpoint::PreRestorationEntry),
    ("resto_exit", Checkpoint::PostRestorationExit),
];

/// The checkpoint called `name` (a checkpoint name or an alias).
pub fn checkpoint_named(name: &str) -> Option<Checkpoint> {
    Checkpoint::from_name(name).or_else(|| CHECKPOINT_ALIASES.iter().find(|(a, _)| *a == name).map(|(_, c)| *c))
}

/// Solver events a breakpoint can wait for (`break on NAME`).
pub const EVENTS: &[&str] = &["resto_entered", "resto_exited", "regularized", "tiny_step", "ls_rejected", "mu_stalled", "nan"];

/// Metrics of conditional breakpoints (`break if …`).
pub const METRICS: &[&str] = &["mu", "inf_pr", "inf_du", "obj", "err", "iter"];

/// Scalars `print` accepts (metrics plus complementarity and τ).
pub const SCALARS: &[&str] = &["mu", "obj", "inf_pr", "inf_du", "err", "compl", "iter", "tau"];

/// Non-block `print` targets.
pub const PRINT_TARGETS: &[&str] = &["kkt", "rank", "active", "residuals", "step"];

/// `viz` targets besides blocks.
pub const VIZ_TARGETS: &[&str] = &["kkt", "L"];

/// The block names (`x`, …, `dv_u`).
pub fn block_names() -> Vec<&'static str> {
    Block::ALL.iter().map(|b| b.name()).collect()
}

/// Every option name the solver accepts: the one place the debugger reads the option registry
/// (`opt`, `complete`, `set opt`), so switching registries is a one-line change.
pub fn option_table() -> impl Iterator<Item = (&'static str, String, &'static str)> {
    ipax_ipm::Options::table().iter().map(|spec| {
        let kind = match spec.kind {
            ipax_ipm::options::OptionKind::Number => "number".to_string(),
            ipax_ipm::options::OptionKind::Integer => "integer".to_string(),
            ipax_ipm::options::OptionKind::Choice(c) => c.join("|"),
        };
        (spec.name, kind, spec.short)
    })
}

/// Levenshtein distance (for "did you mean" suggestions).
pub fn edit_distance(a: &str, b: &str) -> usize {
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

/// Verbs close to an unknown `word`: within edit distance 2, or sharing its first two letters.
pub fn close_verbs(word: &str) -> Vec<&'static str> {
    let mut scored: Vec<(usize, &'static str)> = COMMANDS
        .iter()
        .flat_map(|(v, a, _)| std::iter::once(*v).chain(a.iter().copied()))
        .filter(|v| v.len() > 1)
        .map(|v| (edit_distance(word, v), v))
        .filter(|(d, v)| {
            // Same first two characters (by char, not byte: the word may be any text).
            let head: String = word.chars().take(2).collect();
            *d <= 2 || (head.chars().count() == 2 && v.starts_with(&head))
        })
        .collect();
    scored.sort();
    let mut out: Vec<&'static str> = Vec::new();
    for (_, v) in scored {
        let v = canonical_verb(v).unwrap_or(v);
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out.truncate(5);
    out
}

/// Completion candidates for the last word of `line` (a whole command line typed so far). The
/// context is the verb: blocks after `print`/`watch`/`set`/`viz`/`watchpoint`, metrics after
/// `break if`, checkpoints after `stop-at`, events after `break on`, option names after
/// `set opt`/`opt`, and filesystem paths after `load`/`sweep`/`save`/`source` (directories get a
/// trailing `/`). Candidates are whole words (the caller replaces the last word).
pub fn complete(line: &str) -> Vec<String> {
    let ends_with_space = line.ends_with(char::is_whitespace);
    let words: Vec<&str> = line.split_whitespace().collect();
    let (done, last): (&[&str], &str) = if ends_with_space || words.is_empty() {
        (&words[..], "")
    } else {
        (&words[..words.len() - 1], words[words.len() - 1])
    };
    let pick = |cands: Vec<String>| -> Vec<String> {
        let mut v: Vec<String> = cands.into_iter().filter(|c| c.starts_with(last)).collect();
        v.sort();
        v.dedup();
        v
    };
    if done.is_empty() {
        return pick(COMMANDS.iter().map(|(v, _, _)| v.to_string()).collect());
    }
    let verb = canonical_verb(done[0]).unwrap_or(done[0]);
    let blocks = || block_names().into_iter().map(String::from).collect::<Vec<_>>();
    let options = || option_table().map(|(n, _, _)| n.to_string()).collect::<Vec<_>>();
    match (verb, done.len()) {
        ("print", 1) | ("watch", 1) => {
            let mut c = blocks();
            c.extend(SCALARS.iter().chain(PRINT_TARGETS).map(|s| s.to_string()));
            if verb == "watch" {
                c.extend(["del", "clear"].map(String::from));
            }
            pick(c)
        }
        ("viz", 1) => {
            let mut c = blocks();
            c.extend(VIZ_TARGETS.iter().map(|s| s.to_string()));
            pick(c)
        }
        ("watchpoint", 1) => {
            let mut c = blocks();
            c.extend(["del", "clear"].map(String::from));
            pick(c)
        }
        ("set", 1) => {
            let mut c = blocks().into_iter().filter(|b| !b.starts_with('d')).collect::<Vec<_>>();
            c.extend(["mu", "opt"].map(String::from));
            pick(c)
        }
        ("set", 2) if done[1] == "opt" => pick(options()),
        ("opt", 1) => pick(options()),
        ("stop-at", 1) => {
            let mut c: Vec<String> = Checkpoint::ALL.iter().map(|c| c.name().to_string()).collect();
            c.extend(CHECKPOINT_ALIASES.iter().map(|(a, _)| a.to_string()));
            c.push("clear".into());
            pick(c)
        }
        ("break", 1) => pick(["if", "on", "del", "clear"].map(String::from).to_vec()),
        ("break", 2) if done[1] == "on" => pick(EVENTS.iter().map(|s| s.to_string()).collect()),
        ("break", 2) if done[1] == "clear" => pick(["cond", "events"].map(String::from).to_vec()),
        ("check", _) => {
            let mut c: Vec<String> = METRICS.iter().map(|s| s.to_string()).collect();
            c.extend(["&&", "||"].map(String::from));
            pick(c)
        }
        ("break", n) if n >= 2 && done[1] == "if" => {
            let mut c: Vec<String> = METRICS.iter().map(|s| s.to_string()).collect();
            c.extend(["&&", "||"].map(String::from));
            pick(c)
        }
        ("progress", 1) => pick(["on", "off"].map(String::from).to_vec()),
        ("step", 1) => pick(vec!["sub".into()]),
        ("load", 1) | ("sweep", 1) | ("save", 1) | ("source", 1) => complete_path(last),
        ("load", 2) => pick(blocks().into_iter().filter(|b| !b.starts_with('d')).collect()),
        ("help", 1) | ("complete", _) => pick(COMMANDS.iter().map(|(v, _, _)| v.to_string()).collect()),
        _ => Vec::new(),
    }
}

/// Filesystem entries whose path starts with `prefix`; directories end in `/`.
pub fn complete_path(prefix: &str) -> Vec<String> {
    let (dir, stem) = match prefix.rfind('/') {
        Some(k) => (&prefix[..=k], &prefix[k + 1..]),
        None => ("", prefix),
    };
    let read_dir = if dir.is_empty() { "." } else { dir };
    let Ok(entries) = std::fs::read_dir(read_dir) else { return Vec::new() };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with(stem) || (stem.is_empty() && name.starts_with('.')) {
                return None;
            }
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            Some(format!("{dir}{name}{}", if is_dir { "/" } else { "" }))
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_follows_the_verb() {
        assert_eq!(complete("pri"), vec!["print"]);
        assert!(complete("print d").contains(&"dx".to_string()));
        assert!(complete("print ").contains(&"residuals".to_string()));
        assert_eq!(complete("stop-at after_s"), vec!["after_search_dir", "after_step"]);
        assert_eq!(complete("break on re"), vec!["regularized", "resto_entered", "resto_exited"]);
        assert!(complete("break if i").contains(&"inf_du".to_string()));
        assert!(complete("set opt mu_str").contains(&"mu_strategy".to_string()));
        assert!(complete("opt max_i").contains(&"max_iter".to_string()));
        assert!(complete("p x ").is_empty());
    }

    #[test]
    fn paths_complete_with_a_slash_on_directories() {
        let dir = std::env::temp_dir().join(format!("ipax-dbg-complete-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("starts_dir")).unwrap();
        std::fs::write(dir.join("starts.txt"), "1,2\n").unwrap();
        let prefix = format!("{}/sta", dir.display());
        let got = complete(&format!("sweep {prefix}"));
        assert_eq!(got, vec![format!("{}/starts.txt", dir.display()), format!("{}/starts_dir/", dir.display())]);
        assert!(complete(&format!("load {}/nothing", dir.display())).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn aliases_and_suggestions() {
        assert_eq!(canonical_verb("c"), Some("continue"));
        assert_eq!(canonical_verb("si"), Some("stepi"));
        assert_eq!(canonical_verb("wp"), Some("watchpoint"));
        assert!(close_verbs("contnue").contains(&"continue"));
        assert!(close_verbs("prnt").contains(&"print"));
        assert_eq!(checkpoint_named("kkt"), Some(Checkpoint::AfterSearchDir));
        assert_eq!(checkpoint_named("resto"), Some(Checkpoint::PreRestorationEntry));
        assert_eq!(checkpoint_named("nope"), None);
    }
}
