//! The `ipax-dbg/1` message shapes, commands in and events out.
//!
//! In: one command per line, a bare JSON string (`"print x"`) or an object
//! `{"cmd": "print", "args": ["x"], "id": 7}` (`args` joined to `cmd` with spaces; `id` any JSON
//! value, echoed as `request_id`). Out: one JSON object per line with an `event` field — `hello`,
//! `pause`, `result`, `progress`, `sweep_result`, `sweep_summary`, `terminated`.

use serde_json::{Value, json};

use super::vocab;

/// The protocol name in `hello`.
pub const PROTOCOL: &str = "ipax-dbg/1";

/// A command with its optional request id.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The command line (`print x`).
    pub line: String,
    /// The client's id, echoed as `request_id`.
    pub id: Option<Value>,
}

impl Request {
    /// A request without an id.
    pub fn new(line: impl Into<String>) -> Request {
        Request { line: line.into(), id: None }
    }
}

/// What a command source produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// A command.
    Request(Request),
    /// A line that is not a command (malformed JSON, a wrong shape): answered with an error result.
    Malformed { error: String, id: Option<Value> },
    /// Ctrl-C typed at the prompt (a line editor reports it as input).
    Interrupt,
    /// The input ended.
    Eof,
}

/// Parse one line of the JSON protocol.
pub fn parse_json_line(line: &str) -> Option<Incoming> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    let v: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return Some(Incoming::Malformed { error: format!("malformed JSON: {e}"), id: None }),
    };
    Some(match v {
        Value::String(s) => Incoming::Request(Request::new(s)),
        Value::Object(o) => {
            let id = o.get("id").cloned();
            let Some(cmd) = o.get("cmd").and_then(Value::as_str) else {
                return Some(Incoming::Malformed { error: "a command object needs a string \"cmd\"".into(), id });
            };
            let mut line = cmd.to_string();
            match o.get("args") {
                None | Some(Value::Null) => {}
                Some(Value::Array(args)) => {
                    for a in args {
                        line.push(' ');
                        match a {
                            Value::String(s) => line.push_str(s),
                            other => line.push_str(&other.to_string()),
                        }
                    }
                }
                Some(_) => return Some(Incoming::Malformed { error: "\"args\" must be an array".into(), id }),
            }
            Incoming::Request(Request { line, id })
        }
        _ => Incoming::Malformed { error: "expected a JSON string or an object with \"cmd\"".into(), id: None },
    })
}

/// The outcome of one command.
#[derive(Debug, Clone, PartialEq)]
pub struct CmdResult {
    pub ok: bool,
    /// Human-readable lines.
    pub output: Vec<String>,
    /// Structured payload (inspection commands).
    pub data: Option<Value>,
}

impl CmdResult {
    /// Success with lines.
    pub fn ok(output: Vec<String>) -> CmdResult {
        CmdResult { ok: true, output, data: None }
    }
    /// Success with one line.
    pub fn line(text: impl Into<String>) -> CmdResult {
        CmdResult::ok(vec![text.into()])
    }
    /// A failure with one message.
    pub fn err(text: impl Into<String>) -> CmdResult {
        CmdResult { ok: false, output: vec![text.into()], data: None }
    }
    /// Attach a payload.
    pub fn with_data(mut self, data: Value) -> CmdResult {
        self.data = Some(data);
        self
    }
}

/// Everything the engine reports. [`Event::to_json`] gives the protocol object.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Handshake, once.
    Hello(Value),
    /// The solve paused (the payload is the protocol's `pause` object).
    Pause(Value),
    /// The result of a command.
    Result { request_id: Option<Value>, command: String, result: CmdResult },
    /// One per iteration while running between pauses.
    Progress(Value),
    /// One per completed solve of a sweep/multistart.
    SweepResult(Value),
    /// The end of a sweep/multistart.
    SweepSummary(Value),
    /// Free text for a human (REPL only; JSON mode sends it to stderr).
    Message(String),
    /// Once, after the last solve.
    Terminated(Value),
}

impl Event {
    /// The protocol object (`None` for human-only messages).
    pub fn to_json(&self) -> Option<Value> {
        let tagged = |name: &str, v: &Value| {
            let mut o = serde_json::Map::new();
            o.insert("event".into(), json!(name));
            if let Value::Object(m) = v {
                o.extend(m.clone());
            }
            Value::Object(o)
        };
        Some(match self {
            Event::Hello(v) => tagged("hello", v),
            Event::Pause(v) => tagged("pause", v),
            Event::Progress(v) => tagged("progress", v),
            Event::SweepResult(v) => tagged("sweep_result", v),
            Event::SweepSummary(v) => tagged("sweep_summary", v),
            Event::Terminated(v) => tagged("terminated", v),
            Event::Result { request_id, command, result } => json!({
                "event": "result",
                "request_id": request_id.clone().unwrap_or(Value::Null),
                "command": command,
                "ok": result.ok,
                "output": result.output,
                "data": result.data.clone().unwrap_or(Value::Null),
            }),
            Event::Message(_) => return None,
        })
    }
}

/// The `hello` payload: protocol, version, capabilities and vocabulary.
pub fn hello() -> Value {
    json!({
        "protocol": PROTOCOL,
        "version": env!("CARGO_PKG_VERSION"),
        "ipax_version": env!("CARGO_PKG_VERSION"),
        "capabilities": {
            "inspect": true,
            "mutate_iterate": true,
            "mutate_mu": true,
            "conditional_breakpoints": "compound",
            "event_breakpoints": true,
            "watchpoints": true,
            "breakpoint_commands": true,
            "request_ids": true,
            "viz": ["block", "delta", "kkt"],
            "save": true,
            "load": true,
            "sweep": true,
            "multistart": true,
            "kkt_inspect": true,
            "rank": true,
            "diagnose": true,
            "rewind": "primal_dual",
            "resolve": true,
            "terminal_checkpoint": true,
            "interruptible": true,
            "progress_events": true,
            "async_pause": "checkpoint",
            "pause_command": true,
            "ask": true,
            "complete": true,
        },
        "checkpoints": ipax_ipm::Checkpoint::ALL.iter().map(|c| c.name()).collect::<Vec<_>>(),
        "checkpoint_aliases": vocab::CHECKPOINT_ALIASES.iter().map(|(a, c)| (a.to_string(), json!(c.name()))).collect::<serde_json::Map<_, _>>(),
        "events": vocab::EVENTS,
        "commands": vocab::COMMANDS.iter().map(|(v, _, _)| *v).collect::<Vec<_>>(),
        "aliases": vocab::COMMANDS.iter().flat_map(|(v, a, _)| a.iter().map(move |a| (a.to_string(), json!(v)))).collect::<serde_json::Map<_, _>>(),
        "blocks": vocab::block_names(),
        "metrics": vocab::METRICS,
        "scalars": vocab::SCALARS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_the_protocol() {
        assert_eq!(parse_json_line("\"print x\""), Some(Incoming::Request(Request::new("print x"))));
        assert_eq!(
            parse_json_line(r#"{"cmd":"print","args":["x"],"id":7}"#),
            Some(Incoming::Request(Request { line: "print x".into(), id: Some(json!(7)) }))
        );
        assert_eq!(
            parse_json_line(r#"{"cmd":"run","args":[5]}"#),
            Some(Incoming::Request(Request { line: "run 5".into(), id: None }))
        );
        assert!(matches!(parse_json_line("{not json"), Some(Incoming::Malformed { .. })));
        assert!(matches!(parse_json_line(r#"{"id":3}"#), Some(Incoming::Malformed { id: Some(_), .. })));
        assert!(matches!(parse_json_line("42"), Some(Incoming::Malformed { .. })));
        assert_eq!(parse_json_line("   "), None);
    }
}
