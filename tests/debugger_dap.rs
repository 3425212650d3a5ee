//! `ipax --dap` (issue 13): a Debug Adapter Protocol client runs whole sessions — initialize →
//! launch → function breakpoints → configurationDone → stopped → stackTrace/scopes/variables →
//! evaluate → next/continue → pause → restart → disconnect — and checks `seq`/`request_seq`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use serde_json::{Value, json};

struct Dap {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<Value>,
    seq: u64,
    last_seq_in: u64,
    log: Vec<Value>,
}

impl Dap {
    fn start() -> Dap {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ipax"))
            .arg("--dap")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            loop {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    if out.read_line(&mut line).unwrap() == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    len = line.strip_prefix("Content-Length: ").map(|v| v.parse::<usize>().unwrap());
                }
                let mut buf = vec![0; len.expect("Content-Length header")];
                out.read_exact(&mut buf).unwrap();
                if tx.send(serde_json::from_slice(&buf).unwrap()).is_err() {
                    return;
                }
            }
        });
        let stdin = child.stdin.take();
        Dap { child, stdin, rx, seq: 0, last_seq_in: 0, log: Vec::new() }
    }

    fn next(&mut self) -> Value {
        let v = self.rx.recv_timeout(Duration::from_secs(120)).unwrap_or_else(|e| panic!("{e}: {:#?}", self.log));
        let seq = v["seq"].as_u64().unwrap();
        assert_eq!(seq, self.last_seq_in + 1, "the adapter numbers its messages 1, 2, 3, …: {v}");
        self.last_seq_in = seq;
        self.log.push(v.clone());
        v
    }

    /// Send a request; return its response (events met on the way are kept in the log).
    fn request(&mut self, command: &str, arguments: Value) -> Value {
        self.seq += 1;
        let msg = json!({"seq": self.seq, "type": "request", "command": command, "arguments": arguments}).to_string();
        let s = self.stdin.as_mut().unwrap();
        write!(s, "Content-Length: {}\r\n\r\n{msg}", msg.len()).unwrap();
        s.flush().unwrap();
        let seq = self.seq;
        loop {
            let v = self.next();
            if v["type"] == "response" && v["request_seq"] == seq {
                assert_eq!(v["command"], command);
                return v;
            }
        }
    }

    fn ok(&mut self, command: &str, arguments: Value) -> Value {
        let r = self.request(command, arguments);
        assert_eq!(r["success"], true, "{command}: {r}");
        r["body"].clone()
    }

    /// The next event called `name`, looking first at what already arrived.
    fn event(&mut self, name: &str) -> Value {
        if let Some(k) = self.log.iter().position(|v| v["type"] == "event" && v["event"] == name && v["_seen"].is_null()) {
            self.log[k]["_seen"] = json!(true);
            return self.log[k].clone();
        }
        loop {
            let v = self.next();
            if v["type"] == "event" && v["event"] == name {
                let k = self.log.len() - 1;
                self.log[k]["_seen"] = json!(true);
                return v;
            }
        }
    }
}

fn model(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/debugger").join(name).display().to_string()
}

fn variables(d: &mut Dap, reference: &Value) -> Vec<Value> {
    d.ok("variables", json!({"variablesReference": reference}))["variables"].as_array().unwrap().clone()
}

#[test]
fn a_whole_session_on_a_named_model() {
    let mut d = Dap::start();
    let caps = d.ok("initialize", json!({"adapterID": "ipax", "linesStartAt1": true}));
    for c in ["supportsConfigurationDoneRequest", "supportsFunctionBreakpoints", "supportsConditionalBreakpoints", "supportsRestartRequest", "supportsTerminateRequest"] {
        assert_eq!(caps[c], true, "{c}");
    }
    d.event("initialized");
    d.ok("launch", json!({"program": model("mass_balance.nl"), "stopOnEntry": true, "options": {"tol": 1e-9}}));
    let bps = d.ok(
        "setFunctionBreakpoints",
        json!({"breakpoints": [{"name": "kkt", "condition": "iter>=2"}, {"name": "bogus"}, {"name": "resto_entered"}, {"name": "after_step", "condition": "nonsense<"}]}),
    );
    let v: Vec<bool> = bps["breakpoints"].as_array().unwrap().iter().map(|b| b["verified"].as_bool().unwrap()).collect();
    assert_eq!(v, vec![true, false, true, false]);
    assert!(bps["breakpoints"][1]["message"].as_str().unwrap().contains("neither a checkpoint nor an event"));
    d.ok("configurationDone", json!({}));
    let s = d.event("stopped");
    assert_eq!((s["body"]["reason"].clone(), s["body"]["threadId"].clone()), (json!("entry"), json!(1)));
    assert_eq!(d.ok("threads", json!({}))["threads"].as_array().unwrap().len(), 1);
    let st = d.ok("stackTrace", json!({"threadId": 1}));
    assert_eq!(st["stackFrames"][0]["name"], "iter 0 @iter_start");
    let scopes = d.ok("scopes", json!({"frameId": 1}))["scopes"].as_array().unwrap().clone();
    let names: Vec<&str> = scopes.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Iterate", "Step", "Residuals", "KKT"]);
    let iterate = variables(&mut d, &scopes[0]["variablesReference"]);
    assert!(iterate.iter().any(|v| v["name"] == "mu"));
    let x = iterate.iter().find(|v| v["name"] == "x").expect("x block").clone();
    assert_eq!(x["indexedVariables"], 3);
    let xs = variables(&mut d, &x["variablesReference"]);
    let labels: Vec<&str> = xs.iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(labels, ["x[0] (product)", "x[1] (waste)", "x[2] (feed)"]);
    let residuals = variables(&mut d, &scopes[2]["variablesReference"]);
    assert!(residuals.iter().any(|v| v["name"] == "c[mass_balance]"), "{residuals:?}");
    let kkt = variables(&mut d, &scopes[3]["variablesReference"]);
    assert!(kkt.iter().any(|v| v["name"] == "delta_w"));
    let e = d.ok("evaluate", json!({"expression": "print rank", "context": "repl"}));
    assert!(e["result"].as_str().unwrap().contains("mass_balance_dup"), "{e}");
    let bad = d.request("evaluate", json!({"expression": "frobnicate", "context": "repl"}));
    assert_eq!(bad["success"], false);
    // next → the next iter_start, reason step.
    d.ok("next", json!({"threadId": 1}));
    let s = d.event("stopped");
    assert_eq!(s["body"]["reason"], "step");
    assert_eq!(d.ok("stackTrace", json!({"threadId": 1}))["stackFrames"][0]["name"], "iter 1 @iter_start");
    // stepIn → the next checkpoint.
    d.ok("stepIn", json!({"threadId": 1}));
    d.event("stopped");
    assert_eq!(d.ok("stackTrace", json!({"threadId": 1}))["stackFrames"][0]["name"], "iter 1 @after_mu");
    // continue → the kkt breakpoint once its condition holds (iteration 2), not at iteration 1.
    d.ok("continue", json!({"threadId": 1}));
    let s = d.event("stopped");
    assert_eq!(s["body"]["reason"], "function breakpoint");
    assert_eq!(d.ok("stackTrace", json!({"threadId": 1}))["stackFrames"][0]["name"], "iter 2 @after_search_dir");
    let step = variables(&mut d, &scopes[1]["variablesReference"]);
    assert!(step.iter().any(|v| v["name"] == "dx"), "{step:?}");
    // restart = resolve: a fresh solve, stopped at its iteration 0.
    d.ok("restart", json!({}));
    let s = d.event("stopped");
    assert_eq!(s["body"]["reason"], "entry");
    assert_eq!(d.ok("stackTrace", json!({"threadId": 1}))["stackFrames"][0]["name"], "iter 0 @iter_start");
    // Clear the breakpoints and run to the end: output carries the table, then terminated, exited 0.
    d.ok("setFunctionBreakpoints", json!({"breakpoints": []}));
    d.ok("continue", json!({"threadId": 1}));
    d.event("terminated");
    let ex = d.event("exited");
    assert_eq!(ex["body"]["exitCode"], 0);
    let table: String = d.log.iter().filter(|v| v["event"] == "output").map(|v| v["body"]["output"].as_str().unwrap().to_string()).collect();
    assert!(table.contains("iter    objective"), "{table}");
    d.ok("disconnect", json!({}));
    assert_eq!(d.child.wait().unwrap().code(), Some(0));
}

#[test]
fn the_acceptance_sequence_in_one_session_with_a_pause_while_running() {
    // initialize → launch → breakpoints → configurationDone → stopped → stackTrace/scopes/variables
    // → evaluate → next/continue → pause → disconnect, on a solve long enough to pause.
    let mut d = Dap::start();
    d.ok("initialize", json!({"adapterID": "ipax"}));
    d.ok("launch", json!({"problem": "chained_rosenbrock", "size": 2000, "stopOnEntry": true}));
    let b = d.ok("setFunctionBreakpoints", json!({"breakpoints": [{"name": "after_step", "condition": "iter>=2"}]}));
    assert_eq!(b["breakpoints"][0]["verified"], true);
    d.ok("configurationDone", json!({}));
    assert_eq!(d.event("stopped")["body"]["reason"], "entry");
    assert_eq!(d.ok("stackTrace", json!({"threadId": 1}))["stackFrames"][0]["name"], "iter 0 @iter_start");
    let scopes = d.ok("scopes", json!({"frameId": 1}))["scopes"].as_array().unwrap().clone();
    let iterate = variables(&mut d, &scopes[0]["variablesReference"]);
    let x = iterate.iter().find(|v| v["name"] == "x").unwrap().clone();
    assert_eq!(x["indexedVariables"], 2000);
    // Paging through an indexed block.
    let page = d.ok("variables", json!({"variablesReference": x["variablesReference"], "start": 10, "count": 5}));
    let names: Vec<&str> = page["variables"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["x[10]", "x[11]", "x[12]", "x[13]", "x[14]"]);
    assert!(d.ok("evaluate", json!({"expression": "print mu", "context": "repl"}))["result"].as_str().unwrap().starts_with("mu = "));
    d.ok("next", json!({"threadId": 1}));
    assert_eq!(d.event("stopped")["body"]["reason"], "step");
    d.ok("continue", json!({"threadId": 1}));
    assert_eq!(d.event("stopped")["body"]["reason"], "function breakpoint");
    assert_eq!(d.ok("stackTrace", json!({"threadId": 1}))["stackFrames"][0]["name"], "iter 2 @after_step");
    // Without breakpoints the solve runs for thousands of iterations: pause it.
    d.ok("setFunctionBreakpoints", json!({"breakpoints": []}));
    d.ok("continue", json!({"threadId": 1}));
    loop {
        let v = d.event("output");
        if v["body"]["output"].as_str().unwrap().contains("   6 ") {
            break;
        }
    }
    d.ok("pause", json!({"threadId": 1}));
    let s = d.event("stopped");
    assert_eq!(s["body"]["reason"], "pause");
    let name = d.ok("stackTrace", json!({"threadId": 1}))["stackFrames"][0]["name"].as_str().unwrap().to_string();
    assert!(name.starts_with("iter "), "{name}");
    let requests_answered = d.seq;
    d.ok("disconnect", json!({}));
    d.event("terminated");
    let ex = d.event("exited");
    assert_eq!(ex["body"]["exitCode"], 1, "stopped by the user");
    assert_eq!(requests_answered + 1, d.seq);
    d.child.wait().unwrap();
    drop(d.stdin.take());
}

#[test]
fn a_failed_solve_stops_with_an_exception() {
    let mut d = Dap::start();
    d.ok("initialize", json!({"adapterID": "ipax"}));
    let bad = d.request("launch", json!({"program": "/nonexistent/model.nl"}));
    assert_eq!(bad["success"], false);
    d.ok("launch", json!({"program": model("infeasible.nl")}));
    d.ok("configurationDone", json!({}));
    let s = d.event("stopped");
    assert_eq!(s["body"]["reason"], "exception");
    assert!(s["body"]["description"].as_str().unwrap().contains("Infeasible"));
    let e = d.ok("evaluate", json!({"expression": "print x", "context": "repl"}));
    assert!(e["result"].as_str().unwrap().starts_with("x = ["));
    d.ok("continue", json!({"threadId": 1}));
    d.event("terminated");
    assert_eq!(d.event("exited")["body"]["exitCode"], 1);
    d.ok("disconnect", json!({}));
    d.child.wait().unwrap();
}
