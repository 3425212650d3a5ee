//! Where commands come from ([`CommandSource`]) and where events go ([`EventSink`]): stdin as
//! JSON lines, a plain line reader, an in-process channel; JSON lines on stdout, human text on
//! stderr, a channel.

use std::io::{BufRead, Write};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};

use serde_json::Value;

use super::protocol::{Event, Incoming, Request, parse_json_line};

/// A supply of commands.
pub trait CommandSource {
    /// Block until the next command (or the end of input).
    fn next(&mut self) -> Incoming;
    /// A command that is already waiting, without blocking (`None` when there is none or when
    /// the source cannot look ahead). Used while the solve runs, for `{"cmd":"pause"}`.
    fn poll(&mut self) -> Option<Incoming> {
        None
    }
    /// Whether Ctrl-C arrives as [`Incoming::Interrupt`] (a line editor) rather than as SIGINT.
    fn is_interactive(&self) -> bool {
        false
    }
}

/// A consumer of events.
pub trait EventSink {
    /// Report one event.
    fn emit(&mut self, event: &Event);
}

/// Commands from a channel (the in-process API and the JSON stdin reader).
pub struct ChannelSource {
    rx: Receiver<Incoming>,
    ended: bool,
}

impl ChannelSource {
    /// Read from `rx`; a closed channel is the end of input.
    pub fn new(rx: Receiver<Incoming>) -> ChannelSource {
        ChannelSource { rx, ended: false }
    }

    /// JSON lines from stdin, read on a thread so that a running solve can poll for `pause`.
    pub fn json_stdin() -> ChannelSource {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let stdin = std::io::stdin();
            for line in stdin.lock().lines() {
                let Ok(line) = line else { break };
                if let Some(inc) = parse_json_line(&line)
                    && tx.send(inc).is_err()
                {
                    return;
                }
            }
            let _ = tx.send(Incoming::Eof);
        });
        ChannelSource::new(rx)
    }
}

impl CommandSource for ChannelSource {
    fn next(&mut self) -> Incoming {
        if self.ended {
            return Incoming::Eof;
        }
        match self.rx.recv() {
            Ok(Incoming::Eof) | Err(_) => {
                self.ended = true;
                Incoming::Eof
            }
            Ok(inc) => inc,
        }
    }
    fn poll(&mut self) -> Option<Incoming> {
        if self.ended {
            return None;
        }
        match self.rx.try_recv() {
            Ok(Incoming::Eof) | Err(TryRecvError::Disconnected) => {
                self.ended = true;
                Some(Incoming::Eof)
            }
            Ok(inc) => Some(inc),
            Err(TryRecvError::Empty) => None,
        }
    }
}

/// Plain commands, one per line, from any reader (the REPL when stdin is not a terminal); the
/// prompt goes to stderr.
pub struct LineSource<R: BufRead> {
    reader: R,
    prompt: String,
}

impl<R: BufRead> LineSource<R> {
    /// Read from `reader`, printing `prompt` on stderr before each line.
    pub fn new(reader: R, prompt: impl Into<String>) -> Self {
        LineSource { reader, prompt: prompt.into() }
    }
}

impl<R: BufRead> CommandSource for LineSource<R> {
    fn next(&mut self) -> Incoming {
        loop {
            eprint!("{}", self.prompt);
            let _ = std::io::stderr().flush();
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) | Err(_) => {
                    eprintln!();
                    return Incoming::Eof;
                }
                Ok(_) => {
                    let t = line.trim();
                    if !t.is_empty() {
                        return Incoming::Request(Request::new(t));
                    }
                }
            }
        }
    }
}

/// JSON lines on a writer (stdout in `--debug-json`); human messages on stderr.
pub struct JsonSink<W: Write> {
    out: W,
}

impl<W: Write> JsonSink<W> {
    /// Write to `out`.
    pub fn new(out: W) -> Self {
        JsonSink { out }
    }
}

impl<W: Write> EventSink for JsonSink<W> {
    fn emit(&mut self, event: &Event) {
        match event.to_json() {
            Some(v) => {
                let _ = writeln!(self.out, "{v}");
                let _ = self.out.flush();
            }
            None => {
                if let Event::Message(m) = event {
                    eprintln!("{m}");
                }
            }
        }
    }
}

/// Events to a channel (the in-process API).
pub struct ChannelSink(pub Sender<Event>);

impl EventSink for ChannelSink {
    fn emit(&mut self, event: &Event) {
        let _ = self.0.send(event.clone());
    }
}

/// Human text on a writer (stderr in `--debug`).
pub struct TextSink<W: Write> {
    out: W,
}

impl<W: Write> TextSink<W> {
    /// Write to `out`.
    pub fn new(out: W) -> Self {
        TextSink { out }
    }
}

fn num(v: &Value, key: &str) -> f64 {
    v.get(key).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

/// The REPL's one-line pause banner.
pub fn pause_banner(p: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let resto = if p.get("in_restoration").and_then(Value::as_bool) == Some(true) { " [restoration]" } else { "" };
    if let Some(status) = p.get("status").and_then(Value::as_str) {
        out.push(format!(
            "── ipax-dbg ── TERMINATED ({status})  iter {}  obj={:.6e}  inf_pr={:.2e}  inf_du={:.2e}{resto}",
            p.get("iter").and_then(Value::as_u64).unwrap_or(0),
            num(p, "objective"),
            num(p, "inf_pr"),
            num(p, "inf_du")
        ));
    } else {
        out.push(format!(
            "── ipax-dbg ── iter {} @{}  mu={:.3e}  obj={:.6e}  inf_pr={:.2e}  inf_du={:.2e}{resto}",
            p.get("iter").and_then(Value::as_u64).unwrap_or(0),
            p.get("checkpoint").and_then(Value::as_str).unwrap_or("?"),
            num(p, "mu"),
            num(p, "objective"),
            num(p, "inf_pr"),
            num(p, "inf_du")
        ));
    }
    if let Some(r) = p.get("reason").and_then(Value::as_str)
        && r != "step"
    {
        out.push(format!("   ↳ {r}"));
    }
    if let Some(Value::Array(ws)) = p.get("watches") {
        for w in ws {
            if let Some(Value::Array(lines)) = w.get("output") {
                for l in lines {
                    out.push(format!("   {}", l.as_str().unwrap_or("")));
                }
            }
        }
    }
    out
}

impl<W: Write> EventSink for TextSink<W> {
    fn emit(&mut self, event: &Event) {
        let lines: Vec<String> = match event {
            Event::Hello(_) | Event::Progress(_) => Vec::new(),
            Event::Pause(p) => pause_banner(p),
            Event::Result { result, .. } => {
                if result.ok {
                    result.output.clone()
                } else {
                    result.output.iter().map(|l| format!("error: {l}")).collect()
                }
            }
            Event::SweepResult(v) => vec![format!(
                "   sweep {}/{}: {:<22} iters={:<4} obj={:.6e} inf_pr={:.2e}",
                v.get("index").and_then(Value::as_u64).unwrap_or(0) + 1,
                v.get("solves").and_then(Value::as_u64).unwrap_or(0),
                v.get("status").and_then(Value::as_str).unwrap_or("?"),
                v.get("iters").and_then(Value::as_u64).unwrap_or(0),
                num(v, "objective"),
                num(v, "inf_pr")
            )],
            Event::SweepSummary(v) => v
                .get("table")
                .and_then(Value::as_array)
                .map(|t| t.iter().filter_map(|l| l.as_str().map(String::from)).collect())
                .unwrap_or_default(),
            Event::Message(m) => vec![m.clone()],
            Event::Terminated(v) => vec![format!(
                "ipax-dbg: solve ended: {} ({}), {} iterations, objective {:.10e}",
                v.get("status").and_then(Value::as_str).unwrap_or("?"),
                v.get("status_message").and_then(Value::as_str).unwrap_or(""),
                v.get("iterations").and_then(Value::as_u64).unwrap_or(0),
                num(v, "objective")
            )],
        };
        for l in lines {
            let _ = writeln!(self.out, "{l}");
        }
        let _ = self.out.flush();
    }
}
