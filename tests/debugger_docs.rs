//! docs/debugger.md's REPL session and JSON exchange, replayed against the CLI (issue 13).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use serde_json::Value;

fn doc_block(marker: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/debugger.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let start = doc.find(&format!("<!-- test: {marker} -->")).unwrap_or_else(|| panic!("marker {marker}"));
    let body = &doc[start..];
    let open = body.find("```text\n").unwrap() + "```text\n".len();
    let close = body[open..].find("```").unwrap();
    body[open..open + close].lines().map(String::from).collect()
}

fn args_of(first: &str) -> Vec<String> {
    let cmd = first.strip_prefix("$ ipax ").expect("the block starts with `$ ipax …`");
    cmd.split_whitespace().map(String::from).collect()
}

#[test]
fn the_documented_repl_session_is_what_the_repl_prints() {
    let block = doc_block("repl-session");
    let args = args_of(&block[0]);
    let mut input = String::new();
    let mut expected = Vec::new();
    for line in &block[1..] {
        match line.strip_prefix("ipax-dbg> ") {
            Some(cmd) => {
                input.push_str(cmd);
                input.push('\n');
            }
            None => expected.push(line.trim_end().to_string()),
        }
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_ipax"))
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Through a pipe the prompt precedes each command's first output line.
    let actual: Vec<String> = stderr
        .lines()
        .map(|l| {
            let mut l = l;
            while let Some(rest) = l.strip_prefix("ipax-dbg> ") {
                l = rest;
            }
            l.trim_end().to_string()
        })
        .collect();
    let mut at = 0;
    for want in &expected {
        match actual[at..].iter().position(|a| a == want) {
            Some(k) => at += k + 1,
            None => panic!("documented line not printed (in order): {want:?}\n--- actual ---\n{}", actual.join("\n")),
        }
    }
}

/// `want` ⊆ `got`: every field of `want` is in `got` with an equal value (numbers to 1e-9).
fn subset(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => w.iter().all(|(k, v)| g.get(k).is_some_and(|gv| subset(v, gv))),
        (Value::Array(w), Value::Array(g)) => w.len() == g.len() && w.iter().zip(g).all(|(a, b)| subset(a, b)),
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
        }
        _ => want == got,
    }
}

#[test]
fn the_documented_json_exchange_is_what_the_protocol_sends() {
    let block = doc_block("json-exchange");
    let args = args_of(&block[0]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ipax"))
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut events = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in &block[1..] {
        if let Some(sent) = line.strip_prefix("→ ") {
            writeln!(stdin, "{sent}").unwrap();
            stdin.flush().unwrap();
        } else if let Some(want) = line.strip_prefix("← ") {
            let want: Value = serde_json::from_str(want).unwrap();
            let got = loop {
                let l = events.next().expect("an event").unwrap();
                let v: Value = serde_json::from_str(&l).unwrap();
                if v["event"] != "progress" {
                    break v;
                }
            };
            assert!(subset(&want, &got), "documented {want}\n     got {got}");
        }
    }
    drop(stdin);
    assert!(child.wait().unwrap().code().is_some());
}
