//! `ipax --debug` (issue 13): the REPL through a pipe (plain line reader: prompt and output on
//! stderr, iteration table on stdout, EOF detaches), `--debug-script`, `source`, and — under a
//! pseudo-terminal (the `expectrl` crate) — rustyline's Tab completion, Ctrl-R history search, the
//! history file and the Ctrl-C double tap.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("debugger_repl");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Run `ipax ARGS` with `input` on stdin (a pipe).
fn run(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ipax"))
        .args(args)
        .env_remove("IPAX_DBG_LLM")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn repl_through_a_pipe_prompts_on_stderr_and_keeps_stdout_for_the_table() {
    let out = run(&["--problem", "rosenbrock", "--debug"], "info\nprint x\nbreak if inf_du<1e-2\ncontinue\nprint iter\nquit\n");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(stderr.contains("── ipax-dbg ── iter 0 @iter_start  mu=1.000e-1  obj=2.420000e1"), "{stderr}");
    assert!(stderr.contains("ipax-dbg> "), "the prompt is on stderr");
    assert!(stderr.contains("iter      = 0"));
    assert!(stderr.contains("x = [-1.200000e0, 1.000000e0]"));
    assert!(stderr.contains("conditional breakpoint: inf_du<1e-2"));
    assert!(stderr.contains("   ↳ inf_du<1e-2"), "{stderr}");
    assert!(stderr.contains("stopping the solve"));
    assert!(!stdout.contains("ipax-dbg"), "nothing of the debugger on stdout: {stdout}");
    assert!(stdout.contains("iter    objective"), "the iteration table stays on stdout: {stdout}");
    assert_eq!(out.status.code(), Some(1), "quit stops the solve (UserStop)");
}

#[test]
fn eof_detaches_and_bad_commands_do_not_end_the_session() {
    let out = run(&["--problem", "hs071", "--debug"], "frobnicate\nprint x[7]\nset x 1,2\nload /nonexistent.csv\nsweep /nonexistent.txt\nsource /nonexistent.pdbg\nstep\n");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("error: unknown command 'frobnicate'"), "{stderr}");
    assert!(stderr.contains("error: index 7 is out of range for x (length 4)"));
    assert!(stderr.contains("error: x has 4 entries, got 2"));
    assert!(stderr.contains("error: load: cannot read /nonexistent.csv"));
    assert!(stderr.contains("error: sweep: cannot read /nonexistent.txt"));
    assert!(stderr.contains("error: source: cannot read /nonexistent.pdbg"));
    assert!(stderr.contains("── ipax-dbg ── iter 1 @iter_start"));
    // Ctrl-D (EOF) detaches: the solve finishes, successfully, without pausing at the end.
    assert!(!stderr.contains("TERMINATED"), "{stderr}");
    assert!(stderr.contains("solve ended: Optimal"));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn debug_script_runs_at_the_first_pause_and_source_runs_a_file() {
    let script = scratch("warmup.pdbg");
    std::fs::write(&script, "# warm-up\nbreak 3\n// display μ at each pause\nwatch mu\ncontinue\n").unwrap();
    // --debug-script implies --debug.
    let out = run(&["--problem", "hs071", "--debug-script", script.to_str().unwrap()], "print iter\ncontinue\n");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("breakpoint at iteration 3"), "{stderr}");
    assert!(stderr.contains("── ipax-dbg ── iter 3 @iter_start"), "{stderr}");
    assert!(stderr.contains("   ↳ breakpoint 3"));
    assert!(stderr.contains("   mu = "), "the watch is shown at the pause: {stderr}");
    assert!(stderr.contains("iter = 3.000000000e0"));
    assert!(stderr.contains("TERMINATED (Optimal)"), "plain --debug pauses at the end: {stderr}");
    assert_eq!(out.status.code(), Some(0));
    // `source` from the prompt: the same file, the same effect.
    let out = run(&["--problem", "hs071", "--debug"], &format!("source {}\nquit\n", script.display()));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("source: 3 command(s)"), "{stderr}");
    assert!(stderr.contains("── ipax-dbg ── iter 3 @iter_start"));
    // A missing script is a usage error before any solve.
    let out = run(&["--problem", "hs071", "--debug-script", "/nonexistent.pdbg"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn debug_on_interrupt_without_a_ctrl_c_runs_freely() {
    let out = run(&["--problem", "hs071", "--debug-on-interrupt"], "");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("── ipax-dbg ──"), "{stderr}");
    assert_eq!(out.status.code(), Some(0));
}

#[cfg(unix)]
#[test]
fn line_editing_under_a_pseudo_terminal() {
    use expectrl::Session;
    let home = scratch("home");
    std::fs::create_dir_all(&home).unwrap();
    let _ = std::fs::remove_file(home.join(".ipax_dbg_history"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ipax"));
    cmd.args(["--problem", "hs071", "--debug", "print_level=0"]).env("HOME", &home).env("TERM", "xterm");
    let mut p = Session::spawn(cmd).expect("a pty");
    p.set_expect_timeout(Some(std::time::Duration::from_secs(60)));
    p.expect("ipax-dbg> ").unwrap();
    // Tab completes a verb...
    p.send("pri\t").unwrap();
    p.expect("print").unwrap();
    p.send("x\r").unwrap();
    p.expect("x = [1.010000e0, 4.960000e0, 4.960000e0, 1.010000e0]").unwrap();
    p.expect("ipax-dbg> ").unwrap();
    // ...and a checkpoint after stop-at (the unique completion is inserted).
    p.send("stop-at after_se\t\r").unwrap();
    p.expect("stop at after_search_dir").unwrap();
    p.expect("ipax-dbg> ").unwrap();
    p.send("info\r").unwrap();
    p.expect("nlp_error").unwrap();
    p.expect("ipax-dbg> ").unwrap();
    // Ctrl-R finds `print x` in the history.
    p.send("\x12").unwrap(); // Ctrl-R
    p.send("print").unwrap();
    p.send("\r").unwrap();
    p.expect("x = [1.010000e0").unwrap();
    p.expect("ipax-dbg> ").unwrap();
    // Ctrl-C cancels the line; a second in a row stops the solve.
    p.send("\x03").unwrap(); // Ctrl-C
    p.expect("Ctrl-C again").unwrap();
    p.send("\x03").unwrap(); // Ctrl-C
    p.expect("UserStop").unwrap();
    let history = std::fs::read_to_string(home.join(".ipax_dbg_history")).unwrap();
    assert!(history.contains("print x") && history.contains("info"), "{history}");
}
