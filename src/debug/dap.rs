//! `ipax --dap`: a Debug Adapter Protocol server over stdio (Content-Length framing), so an editor
//! (VS Code: `editors/vscode/`) debugs a solve like a program.
//!
//! The adapter drives the same [`Engine`](super::Engine) as the REPL, on a thread, through
//! channels. Mapping:
//!
//! | DAP | debugger |
//! |---|---|
//! | `launch {program \| problem, size, options, stopOnEntry}` | load the `.nl` model or built-in problem; pause at iteration 0 |
//! | `setFunctionBreakpoints` | names are checkpoints (and aliases: `stop-at NAME if COND`) or events (`break on NAME if COND`); `condition` in the metric syntax (`inf_pr<1e-6 && mu<1e-2`), tested when the breakpoint hits; an unknown name comes back `verified: false` |
//! | `continue` / `next` / `stepIn` / `pause` / `restart` | `continue` / `step` (next `iter_start`) / `stepi` (next checkpoint) / in-band `pause` / `resolve` |
//! | `threads`, `stackTrace`, `scopes`, `variables` | one thread; a frame `iter 3 @after_search_dir` (plus a restoration frame inside restoration); scopes Iterate, Step, Residuals, KKT; blocks as indexed variables labelled with `.col`/`.row` names |
//! | `evaluate` | any debugger command; the reply is its output |
//! | events | `stopped` (entry, step, breakpoint, function breakpoint, pause, exception when the solve fails), `output` (the iteration table), `terminated`, `exited` (0 after a successful solve) |

use std::collections::VecDeque;
use std::io::{BufRead, Write};
use std::sync::mpsc::{Receiver, Sender, channel};

use serde_json::{Value, json};

use super::engine::{Config, EofPolicy, StartMode};
use super::io::{ChannelSource, EventSink};
use super::protocol::{CmdResult, Event, Incoming, Request};
use super::vocab;

enum Msg {
    Dap(Value),
    DapEnd,
    Engine(Event),
    Launched(Result<(), String>),
    EngineDone(bool),
}

struct DapSink(Sender<Msg>);

impl EventSink for DapSink {
    fn emit(&mut self, event: &Event) {
        let _ = self.0.send(Msg::Engine(event.clone()));
    }
}

/// Read one Content-Length framed message.
pub fn read_message<R: BufRead>(r: &mut R) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            length = v.trim().parse::<usize>().ok();
        }
    }
    let mut buf = vec![0u8; length?];
    r.read_exact(&mut buf).ok()?;
    serde_json::from_slice(&buf).ok()
}

/// Write one Content-Length framed message.
pub fn write_message<W: Write>(w: &mut W, v: &Value) -> std::io::Result<()> {
    let body = v.to_string();
    write!(w, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    w.flush()
}

/// A function breakpoint: the engine command that sets it (`stop-at CP [if COND]` or
/// `break on EVENT [if COND]`; the engine tests the condition when the checkpoint or event comes).
#[derive(Debug, Clone)]
struct FnBreak {
    command: String,
}

struct Adapter<W: Write> {
    out: W,
    seq: u64,
    rx: Receiver<Msg>,
    tx: Sender<Msg>,
    engine: Option<Sender<Incoming>>,
    deferred: VecDeque<Value>,
    breaks: Vec<FnBreak>,
    configured: bool,
    launched: bool,
    stop_on_entry: bool,
    initial_pause: Option<Value>,
    awaiting_entry: bool,
    applying: bool,
    last_pause: Option<Value>,
    running: bool,
    next_id: u64,
    engine_done: Option<bool>,
    printed_header: usize,
}

const ITERATE: u64 = 1;
const STEP: u64 = 2;
const RESIDUALS: u64 = 3;
const KKT: u64 = 4;
const BLOCK_BASE: u64 = 100;

impl<W: Write> Adapter<W> {
    fn send(&mut self, mut v: Value) {
        self.seq += 1;
        v["seq"] = json!(self.seq);
        let _ = write_message(&mut self.out, &v);
    }

    fn respond(&mut self, req: &Value, success: bool, body: Value, message: Option<String>) {
        let mut r = json!({
            "type": "response",
            "request_seq": req["seq"],
            "success": success,
            "command": req["command"],
            "body": body,
        });
        if let Some(m) = message {
            r["message"] = json!(m);
        }
        self.send(r);
    }

    fn event(&mut self, name: &str, body: Value) {
        self.send(json!({"type": "event", "event": name, "body": body}));
    }

    fn output(&mut self, category: &str, text: String) {
        self.event("output", json!({"category": category, "output": text}));
    }

    fn tell_engine(&mut self, line: &str, id: Option<Value>) {
        if let Some(e) = &self.engine {
            let _ = e.send(Incoming::Request(Request { line: line.to_string(), id }));
        }
    }

    /// Run a command on the paused engine and wait for its result.
    fn query(&mut self, line: &str) -> Option<CmdResult> {
        self.engine.as_ref()?;
        self.next_id += 1;
        let id = json!(format!("dap-{}", self.next_id));
        self.tell_engine(line, Some(id.clone()));
        loop {
            match self.rx.recv().ok()? {
                Msg::Engine(Event::Result { request_id: Some(r), result, .. }) if r == id => return Some(result),
                Msg::Engine(ev) => self.engine_event(ev),
                Msg::Dap(v) => self.deferred.push_back(v),
                Msg::DapEnd => self.deferred.push_back(Value::Null),
                Msg::Launched(_) => {}
                Msg::EngineDone(ok) => {
                    self.engine_done = Some(ok);
                    return None;
                }
            }
        }
    }

    fn engine_event(&mut self, ev: Event) {
        match ev {
            Event::Pause(p) => {
                self.running = false;
                // The first pause (iteration 0) waits for configurationDone and the breakpoints.
                if self.awaiting_entry {
                    self.initial_pause = Some(p);
                    if self.configured && !self.applying {
                        self.handle_entry();
                    }
                    return;
                }
                self.stopped(p);
            }
            Event::Progress(v) => {
                let mut text = String::new();
                if self.printed_header.is_multiple_of(20) {
                    text.push_str("iter    objective    inf_pr   inf_du lg(mu)\n");
                }
                self.printed_header += 1;
                let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
                let mu = f("mu");
                text.push_str(&format!(
                    "{:4}{} {:14.7e} {:8.2e} {:8.2e} {:5.1}\n",
                    v["iter"].as_u64().unwrap_or(0),
                    if v["in_restoration"] == true { "r" } else { " " },
                    f("obj"),
                    f("inf_pr"),
                    f("inf_du"),
                    if mu > 0.0 { mu.log10() } else { f64::NAN }
                ));
                self.output("stdout", text);
            }
            Event::Result { result, command, .. } => {
                if !result.ok {
                    self.output("stderr", format!("{command}: {}\n", result.output.join("\n")));
                }
            }
            Event::Message(m) => self.output("console", format!("{m}\n")),
            Event::SweepResult(v) | Event::SweepSummary(v) => self.output("console", format!("{v}\n")),
            Event::Hello(_) => {}
            Event::Terminated(t) => {
                self.output(
                    "console",
                    format!("solve ended: {} — {}\n", t["status"].as_str().unwrap_or("?"), t["status_message"].as_str().unwrap_or("")),
                );
                self.event("terminated", json!({}));
            }
        }
    }

    /// A pause becomes a `stopped` event (or an automatic resume).
    fn stopped(&mut self, p: Value) {
        let reason = p["reason"].as_str().unwrap_or("").to_string();
        self.last_pause = Some(p.clone());
        if p["checkpoint"] == "terminated" {
            let status = p["status"].as_str().unwrap_or("?").to_string();
            let failed = !matches!(status.as_str(), "Optimal" | "Acceptable");
            if failed {
                self.event(
                    "stopped",
                    json!({"reason": "exception", "description": format!("solve failed: {status}"), "text": status, "threadId": 1, "allThreadsStopped": true}),
                );
            } else {
                // A successful end is not a stop: finish.
                self.running = true;
                self.tell_engine("continue", None);
            }
            return;
        }
        let dap_reason = if reason == "step" {
            "step"
        } else if reason == "start" || reason == "resolve" {
            "entry"
        } else if reason.starts_with("pause") || reason.starts_with("interrupt") {
            "pause"
        } else if reason.starts_with("stop-at") || reason.starts_with("event:") {
            "function breakpoint"
        } else {
            "breakpoint"
        };
        self.event("stopped", json!({"reason": dap_reason, "description": reason, "threadId": 1, "allThreadsStopped": true}));
    }

    fn apply_breakpoints(&mut self) {
        if self.engine.is_none() {
            return;
        }
        for c in ["stop-at clear", "break clear events"] {
            self.query(c);
        }
        for b in self.breaks.clone() {
            self.query(&b.command);
        }
    }

    fn start_running(&mut self) {
        self.applying = true;
        self.apply_breakpoints();
        self.applying = false;
        if self.initial_pause.is_some() {
            self.handle_entry();
        }
    }

    /// The entry pause: report it (`stopOnEntry`) or run.
    fn handle_entry(&mut self) {
        let Some(p) = self.initial_pause.take() else { return };
        self.awaiting_entry = false;
        if self.stop_on_entry {
            self.stopped(p);
        } else {
            self.last_pause = Some(p);
            self.running = true;
            self.tell_engine("continue", None);
        }
    }

    fn launch(&mut self, req: &Value) {
        let args = &req["arguments"];
        let mut options = ipax_ipm::Options::default();
        if let Some(o) = args["options"].as_object() {
            for (k, v) in o {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if let Err(e) = options.set(k, &v) {
                    self.respond(req, false, json!({}), Some(format!("option {k}: {e}")));
                    return;
                }
            }
        }
        options.print_level = 0;
        self.stop_on_entry = args["stopOnEntry"].as_bool().unwrap_or(false);
        let program = args["program"].as_str().map(String::from);
        let problem = args["problem"].as_str().map(String::from);
        let size = args["size"].as_u64().map(|s| s as usize);
        if program.is_none() && problem.is_none() {
            self.respond(req, false, json!({}), Some("launch needs \"program\" (a .nl model) or \"problem\" (a built-in name)".into()));
            return;
        }
        let (ctx, crx) = channel();
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            let built: Result<Box<dyn ipax_core::Problem>, String> = match (program, problem) {
                (Some(path), _) => ipax_problem::nl::NlProblem::from_file(std::path::Path::new(&path))
                    .map(|p| Box::new(p) as Box<dyn ipax_core::Problem>)
                    .map_err(|e| format!("{path}: {e}")),
                (None, Some(name)) => ipax_testing::get(&name, size).map_err(|e| e.to_string()),
                (None, None) => unreachable!("checked above"),
            };
            let problem = match built {
                Ok(p) => {
                    let _ = tx.send(Msg::Launched(Ok(())));
                    p
                }
                Err(e) => {
                    let _ = tx.send(Msg::Launched(Err(e)));
                    return;
                }
            };
            let cfg = Config { start: StartMode::Paused, eof: EofPolicy::Abort, script: Vec::new(), quiet: true, interrupt: None };
            let result = super::run(problem.as_ref(), options, cfg, Box::new(ChannelSource::new(crx)), Box::new(DapSink(tx.clone())));
            let _ = tx.send(Msg::EngineDone(result.status.is_success()));
        });
        // Wait for the model to load; other messages wait their turn.
        let loaded = loop {
            match self.rx.recv() {
                Ok(Msg::Launched(r)) => break r,
                Ok(Msg::Dap(v)) => self.deferred.push_back(v),
                Ok(Msg::Engine(ev)) => self.engine_event(ev),
                Ok(Msg::DapEnd) => self.deferred.push_back(Value::Null),
                Ok(Msg::EngineDone(ok)) => self.engine_done = Some(ok),
                Err(_) => break Err("the solver thread ended".into()),
            }
        };
        match loaded {
            Ok(()) => {
                self.engine = Some(ctx);
                self.launched = true;
                self.awaiting_entry = true;
                self.respond(req, true, json!({}), None);
                if self.configured {
                    self.start_running();
                }
            }
            Err(e) => self.respond(req, false, json!({}), Some(e)),
        }
    }

    fn set_function_breakpoints(&mut self, req: &Value) {
        let mut out = Vec::new();
        self.breaks.clear();
        let list = req["arguments"]["breakpoints"].as_array().cloned().unwrap_or_default();
        for (k, b) in list.iter().enumerate() {
            let name = b["name"].as_str().unwrap_or("").trim().to_string();
            let condition = b["condition"].as_str().map(str::trim).filter(|c| !c.is_empty()).map(String::from);
            if let Some(c) = &condition
                && let Err(e) = super::breakpoints::Condition::parse(c)
            {
                out.push(json!({"id": k + 1, "verified": false, "message": format!("condition: {e}")}));
                continue;
            }
            let cond = condition.map(|c| format!(" if {c}")).unwrap_or_default();
            let fb = if let Some(cp) = vocab::checkpoint_named(&name) {
                Some(FnBreak { command: format!("stop-at {}{cond}", cp.name()) })
            } else if vocab::EVENTS.contains(&name.as_str()) {
                Some(FnBreak { command: format!("break on {name}{cond}") })
            } else {
                None
            };
            match fb {
                Some(fb) => {
                    self.breaks.push(fb);
                    out.push(json!({"id": k + 1, "verified": true}));
                }
                None => out.push(json!({
                    "id": k + 1,
                    "verified": false,
                    "message": format!("'{name}' is neither a checkpoint nor an event (checkpoints: {}; events: {})",
                        ipax_ipm::Checkpoint::ALL.iter().map(|c| c.name()).collect::<Vec<_>>().join(", "),
                        vocab::EVENTS.join(", ")),
                })),
            }
        }
        if self.launched && self.configured && !self.running {
            self.apply_breakpoints();
        } else if self.launched && self.configured {
            // Applied at the next pause would race the solve; pause, apply, resume.
            self.tell_engine("pause", None);
            self.apply_breakpoints();
            self.tell_engine("continue", None);
        }
        self.respond(req, true, json!({"breakpoints": out}), None);
    }

    fn variables(&mut self, reference: u64, start: usize, count: Option<usize>) -> Vec<Value> {
        let scalar = |name: &str, v: &Value| json!({"name": name, "value": v.to_string(), "variablesReference": 0});
        match reference {
            ITERATE => {
                let Some(info) = self.query("info").and_then(|r| r.data) else { return Vec::new() };
                let mut vars: Vec<Value> =
                    ["iter", "mu", "objective", "inf_pr", "inf_du", "compl", "nlp_error"].iter().map(|k| scalar(k, &info[*k])).collect();
                for (k, b) in super::inspect::ITERATE_BLOCKS.iter().enumerate() {
                    let len = info["dims"][b.name()].as_u64().unwrap_or(0);
                    if len > 0 {
                        vars.push(json!({"name": b.name(), "value": format!("[{len}]"), "variablesReference": BLOCK_BASE + k as u64, "indexedVariables": len}));
                    }
                }
                vars
            }
            STEP => {
                let mut vars: Vec<Value> = match self.query("print step").and_then(|r| r.data) {
                    Some(Value::Object(o)) => o.iter().map(|(k, v)| scalar(k, v)).collect(),
                    _ => Vec::new(),
                };
                for (k, b) in ipax_ipm::Block::ALL.iter().enumerate().filter(|(_, b)| b.is_step()) {
                    if let Some(d) = self.query(&format!("print {}", b.name())).and_then(|r| r.data) {
                        let len = d["values"].as_array().map_or(0, Vec::len);
                        if len > 0 {
                            vars.push(json!({"name": b.name(), "value": format!("[{len}]"), "variablesReference": BLOCK_BASE + k as u64, "indexedVariables": len}));
                        }
                    }
                }
                vars
            }
            RESIDUALS => {
                let Some(d) = self.query("print residuals").and_then(|r| r.data) else { return Vec::new() };
                let mut vars = Vec::new();
                for (kind, prefix) in [("primal", "c"), ("dual", "grad_x_L")] {
                    for e in d[kind].as_array().cloned().unwrap_or_default() {
                        let label = e["name"].as_str().map(String::from).unwrap_or_else(|| e["index"].to_string());
                        vars.push(json!({"name": format!("{prefix}[{label}]"), "value": e["value"].to_string(), "variablesReference": 0}));
                    }
                }
                vars
            }
            KKT => match self.query("print kkt").and_then(|r| r.data) {
                Some(Value::Object(o)) => o.iter().map(|(k, v)| scalar(k, v)).collect(),
                _ => Vec::new(),
            },
            r if r >= BLOCK_BASE && ((r - BLOCK_BASE) as usize) < ipax_ipm::Block::ALL.len() => {
                let b = ipax_ipm::Block::ALL[(r - BLOCK_BASE) as usize];
                let Some(d) = self.query(&format!("print {}", b.name())).and_then(|r| r.data) else { return Vec::new() };
                let values = d["values"].as_array().cloned().unwrap_or_default();
                let end = count.map_or(values.len(), |c| (start + c).min(values.len()));
                (start.min(end)..end)
                    .map(|i| {
                        let label = d["labels"][i].as_str().map(|l| format!(" ({l})")).unwrap_or_default();
                        json!({"name": format!("{}[{i}]{label}", b.name()), "value": values[i].to_string(), "variablesReference": 0})
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// Handle one request; `false` ends the session.
    fn request(&mut self, req: Value) -> bool {
        let command = req["command"].as_str().unwrap_or("").to_string();
        let paused = self.launched && !self.running && self.engine_done.is_none();
        match command.as_str() {
            "initialize" => {
                self.respond(
                    &req,
                    true,
                    json!({
                        "supportsConfigurationDoneRequest": true,
                        "supportsFunctionBreakpoints": true,
                        "supportsConditionalBreakpoints": true,
                        "supportsEvaluateForHovers": false,
                        "supportsRestartRequest": true,
                        "supportsTerminateRequest": true,
                    }),
                    None,
                );
                self.event("initialized", json!({}));
            }
            "launch" => self.launch(&req),
            "setFunctionBreakpoints" => self.set_function_breakpoints(&req),
            "setBreakpoints" => {
                // Source lines mean nothing in a solve; say so per breakpoint.
                let n = req["arguments"]["breakpoints"].as_array().map_or(0, Vec::len);
                let bps: Vec<Value> = (0..n).map(|_| json!({"verified": false, "message": "use function breakpoints: checkpoint or event names"})).collect();
                self.respond(&req, true, json!({"breakpoints": bps}), None);
            }
            "setExceptionBreakpoints" => self.respond(&req, true, json!({}), None),
            "configurationDone" => {
                self.configured = true;
                self.respond(&req, true, json!({}), None);
                if self.launched {
                    self.start_running();
                }
            }
            "threads" => self.respond(&req, true, json!({"threads": [{"id": 1, "name": "ipax solve"}]}), None),
            "stackTrace" => {
                let p = self.last_pause.clone().unwrap_or(Value::Null);
                let mut frames = vec![json!({
                    "id": 1,
                    "name": format!("iter {} @{}{}", p["iter"], p["checkpoint"].as_str().unwrap_or("?"), if p["in_restoration"] == true { " [restoration]" } else { "" }),
                    "line": 0,
                    "column": 0,
                })];
                if p["in_restoration"] == true {
                    frames.push(json!({"id": 2, "name": "restoration phase (feasibility problem)", "line": 0, "column": 0}));
                }
                let n = frames.len();
                self.respond(&req, true, json!({"stackFrames": frames, "totalFrames": n}), None);
            }
            "scopes" => self.respond(
                &req,
                true,
                json!({"scopes": [
                    {"name": "Iterate", "variablesReference": ITERATE, "expensive": false},
                    {"name": "Step", "variablesReference": STEP, "expensive": false},
                    {"name": "Residuals", "variablesReference": RESIDUALS, "expensive": true},
                    {"name": "KKT", "variablesReference": KKT, "expensive": false},
                ]}),
                None,
            ),
            "variables" if paused => {
                let a = &req["arguments"];
                let vars = self.variables(
                    a["variablesReference"].as_u64().unwrap_or(0),
                    a["start"].as_u64().unwrap_or(0) as usize,
                    a["count"].as_u64().filter(|c| *c > 0).map(|c| c as usize),
                );
                self.respond(&req, true, json!({"variables": vars}), None);
            }
            "evaluate" if paused => {
                let expr = req["arguments"]["expression"].as_str().unwrap_or("").to_string();
                let verb = vocab::canonical_verb(expr.split_whitespace().next().unwrap_or(""));
                let resumes = matches!(verb, Some("step" | "stepi" | "continue" | "run" | "detach" | "quit" | "resolve" | "sweep" | "multistart"));
                match self.query(&expr) {
                    Some(r) => {
                        if r.ok && resumes {
                            self.running = true;
                        }
                        let text = r.output.join("\n");
                        self.respond(&req, r.ok, json!({"result": text, "variablesReference": 0}), (!r.ok).then(|| text.clone()));
                    }
                    None => self.respond(&req, false, json!({}), Some("the solve has ended".into())),
                }
            }
            "variables" | "evaluate" => self.respond(&req, false, json!({}), Some("the solve is not paused".into())),
            "continue" | "next" | "stepIn" | "stepOut" | "restart" if paused => {
                let line = match command.as_str() {
                    "continue" => "continue",
                    "next" => "step",
                    "stepIn" => "stepi",
                    "stepOut" => "continue",
                    _ => "resolve",
                };
                self.running = true;
                self.tell_engine(line, None);
                self.respond(&req, true, json!({"allThreadsContinued": true}), None);
            }
            "continue" | "next" | "stepIn" | "stepOut" | "restart" => {
                self.respond(&req, false, json!({}), Some("the solve is not paused".into()))
            }
            "pause" => {
                if self.running {
                    self.tell_engine("pause", None);
                }
                self.respond(&req, true, json!({}), None);
            }
            "disconnect" | "terminate" => {
                if self.engine_done.is_none() && self.engine.is_some() {
                    self.tell_engine("pause", None);
                    self.tell_engine("quit", None);
                    self.engine = None;
                    while self.engine_done.is_none() {
                        match self.rx.recv() {
                            Ok(Msg::Engine(ev)) => {
                                if let Event::Pause(_) = ev {
                                    continue;
                                }
                                self.engine_event(ev)
                            }
                            Ok(Msg::EngineDone(ok)) => self.engine_done = Some(ok),
                            Ok(_) => {}
                            Err(_) => break,
                        }
                    }
                    let code = i32::from(self.engine_done != Some(true));
                    self.event("exited", json!({"exitCode": code}));
                }
                self.respond(&req, true, json!({}), None);
                return command != "disconnect";
            }
            other => self.respond(&req, false, json!({}), Some(format!("unsupported request '{other}'"))),
        }
        true
    }
}

/// Serve the Debug Adapter Protocol on `input`/`output` until the client disconnects.
pub fn serve<R: BufRead + Send + 'static, W: Write>(mut input: R, output: W) -> i32 {
    let (tx, rx) = channel();
    let reader_tx = tx.clone();
    std::thread::spawn(move || {
        while let Some(v) = read_message(&mut input) {
            if reader_tx.send(Msg::Dap(v)).is_err() {
                return;
            }
        }
        let _ = reader_tx.send(Msg::DapEnd);
    });
    let mut a = Adapter {
        out: output,
        seq: 0,
        rx,
        tx,
        engine: None,
        deferred: VecDeque::new(),
        breaks: Vec::new(),
        configured: false,
        launched: false,
        stop_on_entry: false,
        initial_pause: None,
        awaiting_entry: false,
        applying: false,
        last_pause: None,
        running: false,
        next_id: 0,
        engine_done: None,
        printed_header: 0,
    };
    let mut exited_sent = false;
    loop {
        let msg = match a.deferred.pop_front() {
            Some(Value::Null) => Msg::DapEnd,
            Some(v) => Msg::Dap(v),
            None => match a.rx.recv() {
                Ok(m) => m,
                Err(_) => return 0,
            },
        };
        match msg {
            Msg::Dap(v) if v["type"] == "request" => {
                let is_disconnect = v["command"] == "disconnect";
                let go_on = a.request(v);
                if is_disconnect {
                    exited_sent = true;
                }
                if !go_on {
                    return a.engine_done.map_or(0, |ok| i32::from(!ok));
                }
            }
            Msg::Dap(_) => {}
            Msg::DapEnd => {
                if a.engine.is_some() && a.engine_done.is_none() {
                    a.tell_engine("pause", None);
                    a.tell_engine("quit", None);
                }
                a.engine = None;
                return a.engine_done.map_or(1, |ok| i32::from(!ok));
            }
            Msg::Engine(ev) => a.engine_event(ev),
            Msg::Launched(_) => {}
            Msg::EngineDone(ok) => {
                a.engine_done = Some(ok);
                a.engine = None;
                if !exited_sent {
                    exited_sent = true;
                    a.event("exited", json!({"exitCode": i32::from(!ok)}));
                }
            }
        }
    }
}
