//! The engine: an [`Observer`] that decides at every checkpoint whether to pause, and while
//! paused reads commands from a [`CommandSource`], runs them against the live
//! [`IterationView`] and reports to an [`EventSink`].

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ipax_core::Problem;
use ipax_ipm::{Block, Checkpoint, IterationView, Observer, ObserverAction, Options, Snapshot, SolveResult, WarmStart};
use ipax_problem::diagnostics::IterateSample;
use serde_json::{Value, json};

use super::artifacts;
use super::breakpoints::{Breakpoints, Condition, Metrics, Watchpoint, parse_target};
use super::inspect::{self, jnum};
use super::io::{CommandSource, EventSink};
use super::protocol::{CmdResult, Event, Incoming, Request};
use super::sweep::{self, SweepOutcome, SweepState};
use super::vocab;

/// How the debugger starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartMode {
    /// Pause at iteration 0 (`--debug`, `--debug-json`).
    Paused,
    /// Run freely; pause at `terminated` only if the solve failed (`--debug-on-error`).
    OnError,
    /// Run freely; pause when interrupted (`--debug-on-interrupt`).
    OnInterrupt,
}

/// What happens when the command input ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EofPolicy {
    /// Detach and finish (the REPL, pdb's convention).
    Detach,
    /// Stop the solve (JSON: the controlling client is gone).
    Abort,
}

/// Engine settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub start: StartMode,
    pub eof: EofPolicy,
    /// Commands run at the first pause (`--debug-script`).
    pub script: Vec<String>,
    /// Force `print_level = 0` on every solve (JSON mode: stdout is the protocol).
    pub quiet: bool,
    /// Set by a SIGINT handler: pause at the next checkpoint.
    pub interrupt: Option<Arc<AtomicBool>>,
}

impl Default for Config {
    fn default() -> Self {
        Config { start: StartMode::Paused, eof: EofPolicy::Abort, script: Vec::new(), quiet: false, interrupt: None }
    }
}

/// Where the solve goes when it resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// To the next `iter_start`.
    Step,
    /// To the next checkpoint of any kind.
    StepInto,
    /// To the next breakpoint.
    Continue,
    /// To iteration N.
    RunTo(usize),
    /// Never pause again (interrupts excepted).
    Detached,
}

/// A command's effect on the flow.
#[derive(Debug, Clone, PartialEq)]
enum Flow {
    Resume(Mode),
    Quit,
    /// End this solve and start another from `x` (resolve).
    Resolve(Vec<f64>),
    /// End this solve and run a sweep over these starts.
    Sweep(Vec<Vec<f64>>),
}

/// The next solve the runner should start.
pub struct NextSolve {
    pub options: Options,
    pub warm: Option<WarmStart>,
}

/// The debugger engine.
pub struct Engine<'p> {
    problem: &'p dyn Problem,
    base_options: Options,
    staged: Vec<(String, String)>,
    source: Box<dyn CommandSource + 'p>,
    sink: Box<dyn EventSink + 'p>,
    cfg: Config,
    mode: Mode,
    /// `stop-at` checkpoints, each with an optional condition (`stop-at kkt if iter>=2`).
    stop_at: Vec<(Checkpoint, Option<Condition>)>,
    bps: Breakpoints,
    watches: Vec<String>,
    progress: bool,
    /// Snapshots taken at each `iter_start`, keyed by (in restoration, iteration).
    snapshots: BTreeMap<(bool, usize), Snapshot>,
    /// x (solver space), μ, objective at the last two `iter_start`s, for `diff`.
    last_start: Option<(usize, Vec<f64>, f64, f64)>,
    prev_start: Option<(usize, Vec<f64>, f64, f64)>,
    samples: Vec<IterateSample>,
    mu_run: (f64, usize),
    ls_rejected_iter: Option<usize>,
    /// The first `iter_start` of a solve pauses with this reason.
    start_reason: Option<String>,
    /// Set when a pause steered at `iter_start`: the driver re-fires that checkpoint.
    skip_refire: Option<usize>,
    steered: bool,
    /// The current solve is being replaced (resolve, sweep): let it end quietly.
    finishing: bool,
    next: Option<Vec<f64>>,
    sweep: Option<SweepState>,
    queue: VecDeque<Incoming>,
    ctrlc_at_prompt: bool,
    /// A `pause` request waiting for its result.
    pause_request: Option<Request>,
    /// The user quit (or the input ended under [`EofPolicy::Abort`]).
    pub quit: bool,
    first_pause_done: bool,
}

/// Snapshots kept for `goto` (the first one and the 255 most recent): a snapshot holds the
/// whole primal-dual state, so a long solve must not keep one per iteration.
pub const MAX_SNAPSHOTS: usize = 256;

fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

impl<'p> Engine<'p> {
    /// An engine for `problem`, solved with `options`.
    pub fn new(
        problem: &'p dyn Problem,
        options: Options,
        cfg: Config,
        source: Box<dyn CommandSource + 'p>,
        sink: Box<dyn EventSink + 'p>,
    ) -> Self {
        let mode = match cfg.start {
            StartMode::Paused => Mode::Step,
            StartMode::OnError | StartMode::OnInterrupt => Mode::Detached,
        };
        let start_reason = (cfg.start == StartMode::Paused).then(|| "start".to_string());
        Engine {
            problem,
            base_options: options,
            staged: Vec::new(),
            source,
            sink,
            cfg,
            mode,
            stop_at: Vec::new(),
            bps: Breakpoints::default(),
            watches: Vec::new(),
            progress: true,
            snapshots: BTreeMap::new(),
            last_start: None,
            prev_start: None,
            samples: Vec::new(),
            mu_run: (f64::NAN, 0),
            ls_rejected_iter: None,
            start_reason,
            skip_refire: None,
            steered: false,
            finishing: false,
            next: None,
            sweep: None,
            queue: VecDeque::new(),
            ctrlc_at_prompt: false,
            pause_request: None,
            quit: false,
            first_pause_done: false,
        }
    }

    /// Report an event.
    pub fn emit(&mut self, event: Event) {
        self.sink.emit(&event);
    }

    /// The options of the next solve: the base options with the staged `set opt` edits.
    pub fn solve_options(&self) -> Options {
        let mut o = self.base_options.clone();
        for (k, v) in &self.staged {
            // Validated when staged.
            let _ = o.set(k, v);
        }
        if self.cfg.quiet {
            o.print_level = 0;
        }
        o
    }

    /// After a solve returned: the next one to run (resolve, the next start of a sweep), if any.
    pub fn take_next(&mut self) -> Option<NextSolve> {
        if self.quit {
            return None;
        }
        let x = if let Some(x) = self.next.take() {
            x
        } else if let Some(s) = self.sweep.as_mut() {
            if s.current + 1 >= s.starts.len() || s.outcomes.len() < s.current + 1 {
                self.sweep = None;
                return None;
            }
            s.current += 1;
            s.starts[s.current].clone()
        } else {
            return None;
        };
        self.finishing = false;
        self.snapshots.clear();
        self.last_start = None;
        self.prev_start = None;
        self.samples.clear();
        self.mu_run = (f64::NAN, 0);
        Some(NextSolve { options: self.solve_options(), warm: Some(WarmStart { x: Some(x), y: None, z_l: None, z_u: None }) })
    }

    /// The `terminated` event for the last solve.
    pub fn terminated(&mut self, result: &SolveResult, objective: f64) {
        let e = result.evaluations;
        self.emit(Event::Terminated(json!({
            "status": format!("{:?}", result.status),
            "status_message": result.status.message(),
            "iterations": result.iterations,
            "objective": jnum(objective),
            "inf_pr": jnum(result.errors.constraint_violation),
            "inf_du": jnum(result.errors.dual_infeasibility),
            "evals": {"obj": e.objective, "obj_grad": e.gradient, "constr": e.constraints, "constr_jac": e.jacobian, "hess": e.hessian},
        })));
    }

    fn interrupted(&self) -> bool {
        self.cfg.interrupt.as_ref().is_some_and(|f| f.load(Ordering::Relaxed))
    }

    fn clear_interrupt(&self) {
        if let Some(f) = &self.cfg.interrupt {
            f.store(false, Ordering::Relaxed);
        }
    }

    /// Look for an in-band `pause` while running; other commands wait for the next pause.
    fn poll_pause(&mut self) -> bool {
        while let Some(inc) = self.source.poll() {
            match inc {
                Incoming::Request(r) if vocab::canonical_verb(words(&r.line).first().copied().unwrap_or("")) == Some("pause") => {
                    self.pause_request = Some(r);
                    return true;
                }
                other => self.queue.push_back(other),
            }
        }
        false
    }

    fn metrics(view: &IterationView<'_>) -> Metrics {
        let e = view.errors();
        Metrics {
            mu: view.mu(),
            inf_pr: e.constraint_violation,
            inf_du: e.dual_infeasibility,
            obj: e.objective,
            err: e.overall,
            iter: view.iteration() as f64,
        }
    }

    /// Registered events observable at this checkpoint.
    fn fired_event(&mut self, view: &IterationView<'_>) -> Option<&'static str> {
        let cp = view.checkpoint();
        // μ-stall tracking runs whenever attached, so the count is right when the event is set.
        if cp == Checkpoint::AfterMu {
            let mu = view.mu();
            let same = (mu - self.mu_run.0).abs() <= 1e-12 * mu.abs().max(1e-300);
            self.mu_run = if same { (mu, self.mu_run.1 + 1) } else { (mu, 1) };
        }
        if self.bps.events.is_empty() {
            return None;
        }
        let on = |e: &str| self.bps.events.contains(&e);
        let ev = match cp {
            Checkpoint::PreRestorationEntry if on("resto_entered") => Some("resto_entered"),
            Checkpoint::PostRestorationExit if on("resto_exited") => Some("resto_exited"),
            Checkpoint::AfterSearchDir => {
                if on("regularized") && view.step().kkt.delta_w > 0.0 {
                    Some("regularized")
                } else if on("tiny_step")
                    && view.block(Block::DX).is_ok_and(|d| d.iter().fold(0.0f64, |a, v| a.max(v.abs())) < 1e-10)
                {
                    Some("tiny_step")
                } else {
                    None
                }
            }
            Checkpoint::StepRejected if on("ls_rejected") && self.ls_rejected_iter != Some(view.iteration()) => {
                self.ls_rejected_iter = Some(view.iteration());
                Some("ls_rejected")
            }
            Checkpoint::AfterMu if on("mu_stalled") && self.mu_run.1 == 3 => Some("mu_stalled"),
            Checkpoint::IterStart | Checkpoint::AfterStep if on("nan") => {
                let e = view.errors();
                (!e.objective.is_finite() || !e.overall.is_finite()).then_some("nan")
            }
            _ => None,
        };
        match ev.and_then(|e| self.bps.event_conditions.get(e)) {
            Some(c) if !c.holds(&Self::metrics(view)) => None,
            _ => ev,
        }
    }

    /// Why to pause here, if at all (breakpoints, conditions, watchpoints, events, stepping).
    fn stop_reason(&mut self, view: &IterationView<'_>) -> Option<String> {
        let cp = view.checkpoint();
        let iter = view.iteration();
        if let Some(it) = self.skip_refire
            && it == iter
            && (cp == Checkpoint::IterStart || (cp == Checkpoint::AfterStep && iter == 0))
        {
            if cp == Checkpoint::IterStart {
                self.skip_refire = None;
            }
            return None;
        }
        if cp == Checkpoint::Terminated {
            if let Some(s) = self.sweep.as_ref()
                && s.current + 1 < s.starts.len()
            {
                return None;
            }
            if self.sweep.is_some() && self.mode != Mode::Detached {
                return Some("sweep complete".into());
            }
            let failed = !view.status().is_some_and(|s| s.is_success());
            return match self.mode {
                Mode::Detached if self.cfg.start == StartMode::OnError && failed => {
                    Some(format!("error: {:?}", view.status().expect("status at terminated")))
                }
                Mode::Detached => None,
                _ => Some("terminated".into()),
            };
        }
        if let Some(e) = self.fired_event(view) {
            return Some(format!("event: {e}"));
        }
        if cp == Checkpoint::IterStart {
            if let Some(r) = self.start_reason.take() {
                return Some(r);
            }
            if let Some(once) = self.bps.iterations.get(&iter).copied() {
                if once {
                    self.bps.iterations.remove(&iter);
                    return Some(format!("tbreak {iter}"));
                }
                return Some(format!("breakpoint {iter}"));
            }
            if !self.bps.conditions.is_empty() {
                let m = Self::metrics(view);
                if let Some(c) = self.bps.conditions.iter().find(|c| c.holds(&m)) {
                    return Some(c.text.clone());
                }
            }
            let mut hit = None;
            for w in &mut self.bps.watchpoints {
                let Ok(values) = view.block(w.block) else { continue };
                let now: Vec<f64> = match w.index {
                    Some(i) => values.get(i).map(|v| vec![*v]).unwrap_or_default(),
                    None => values,
                };
                if let Some(last) = &w.last
                    && last.len() == now.len()
                    && hit.is_none()
                {
                    let moved = last.iter().zip(&now).map(|(a, b)| (a - b).abs()).fold(0.0f64, f64::max);
                    if moved > w.threshold {
                        hit = Some(format!("watchpoint {}: changed by {moved:.3e} (> {:e})", w.label(), w.threshold));
                    }
                }
                w.last = Some(now);
            }
            if hit.is_some() {
                return hit;
            }
        }
        if let Some((_, cond)) = self.stop_at.iter().find(|(c, _)| *c == cp)
            && cond.as_ref().is_none_or(|c| c.holds(&Self::metrics(view)))
        {
            return Some(format!("stop-at {}", cp.name()));
        }
        match self.mode {
            Mode::Step if cp == Checkpoint::IterStart => Some("step".into()),
            Mode::StepInto => Some("step".into()),
            Mode::RunTo(n) if cp == Checkpoint::IterStart && iter >= n => Some(format!("run {n}")),
            _ => None,
        }
    }

    fn record(&mut self, view: &IterationView<'_>) {
        match view.checkpoint() {
            Checkpoint::IterStart => {
                let iter = view.iteration();
                self.snapshots.insert((view.in_restoration(), iter), view.snapshot());
                // Bounded memory on long solves: keep the first snapshot (for `restart`) and the
                // most recent ones.
                if self.snapshots.len() > MAX_SNAPSHOTS {
                    let first = *self.snapshots.keys().next().expect("non-empty");
                    let oldest_other = self.snapshots.keys().copied().filter(|k| *k != first).min_by_key(|k| k.1);
                    if let Some(k) = oldest_other {
                        self.snapshots.remove(&k);
                    }
                }
                if !view.in_restoration()
                    && let Ok(x) = view.block(Block::X)
                {
                    if self.last_start.as_ref().is_some_and(|l| l.0 != iter) {
                        self.prev_start = self.last_start.take();
                    }
                    self.last_start = Some((iter, x, view.mu(), view.objective()));
                }
            }
            Checkpoint::AfterStep => {
                let s = view.step();
                self.samples.push(IterateSample {
                    iteration: view.iteration(),
                    in_restoration: view.in_restoration(),
                    mu: view.mu(),
                    alpha_primal: s.alpha_primal,
                    line_search_trials: s.line_search_trials,
                    delta_w: s.kkt.delta_w,
                    delta_c: s.kkt.delta_c,
                    inertia: s.kkt.inertia,
                    factorizations: s.kkt.factorizations,
                });
            }
            _ => {}
        }
    }

    fn progress_event(&mut self, view: &IterationView<'_>) {
        // Only between pauses: not before the first one.
        let running = self.first_pause_done || self.mode == Mode::Detached;
        if self.progress && running && view.checkpoint() == Checkpoint::AfterStep {
            let e = view.errors();
            self.emit(Event::Progress(json!({
                "iter": view.iteration(),
                "in_restoration": view.in_restoration(),
                "mu": jnum(view.mu()),
                "inf_pr": jnum(e.constraint_violation),
                "inf_du": jnum(e.dual_infeasibility),
                "obj": jnum(e.objective),
            })));
        }
    }

    fn sweep_terminated(&mut self, view: &IterationView<'_>) {
        let Some(s) = self.sweep.as_mut() else { return };
        if s.outcomes.len() > s.current {
            return;
        }
        let e = view.errors();
        let status = view.status().expect("status at terminated");
        let o = SweepOutcome {
            status: format!("{status:?}"),
            success: status.is_success(),
            iters: view.iteration(),
            objective: e.objective,
            inf_pr: e.constraint_violation,
        };
        let payload = sweep::result_json(s.current, s.starts.len(), &s.starts[s.current], &o);
        s.outcomes.push(o);
        let done = s.current + 1 == s.starts.len();
        let summary = done.then(|| sweep::summary_json(&s.outcomes));
        self.emit(Event::SweepResult(payload));
        if let Some(summary) = summary {
            self.emit(Event::SweepSummary(summary));
        }
    }

    /// The `pause` event payload.
    fn pause_payload(&mut self, view: &IterationView<'_>, reason: &str) -> Value {
        let e = view.errors();
        let watches: Vec<Value> = self
            .watches
            .clone()
            .iter()
            .map(|t| {
                let r = self.print(view, t);
                json!({"target": t, "ok": r.ok, "output": r.output, "data": r.data})
            })
            .collect();
        json!({
            "checkpoint": view.checkpoint().name(),
            "status": view.status().map(|s| format!("{s:?}")),
            "iter": view.iteration(),
            "in_restoration": view.in_restoration(),
            "mu": jnum(view.mu()),
            "objective": jnum(e.objective),
            "inf_pr": jnum(e.constraint_violation),
            "inf_du": jnum(e.dual_infeasibility),
            "nlp_error": jnum(e.overall),
            "dims": inspect::dims(view),
            "breakpoints": self.bps.iteration_list(),
            "conditions": self.bps.condition_list(),
            "events": self.bps.events,
            "reason": reason,
            "watches": watches,
        })
    }

    fn pause(&mut self, view: &mut IterationView<'_>, reason: String) -> ObserverAction {
        self.clear_interrupt();
        self.skip_refire = None;
        self.steered = false;
        self.ctrlc_at_prompt = false;
        let payload = self.pause_payload(view, &reason);
        self.emit(Event::Pause(payload));
        if let Some(r) = self.pause_request.take() {
            self.emit(Event::Result { request_id: r.id, command: r.line, result: CmdResult::line("paused") });
        }
        // A breakpoint's command list, then (once) the startup script.
        let mut auto: Vec<String> = Vec::new();
        if let Some(n) = reason.strip_prefix("breakpoint ").or_else(|| reason.strip_prefix("tbreak ")).and_then(|n| n.parse::<usize>().ok())
            && let Some(cmds) = self.bps.commands.get(&n)
        {
            auto.extend(cmds.iter().cloned());
        }
        if !self.first_pause_done {
            self.first_pause_done = true;
            auto.extend(std::mem::take(&mut self.cfg.script));
        }
        for line in auto {
            if let Some(flow) = self.run_request(view, Request::new(line)) {
                return self.resume(view, flow);
            }
        }
        loop {
            let inc = match self.queue.pop_front() {
                Some(i) => i,
                None => self.source.next(),
            };
            if !matches!(inc, Incoming::Interrupt) {
                self.ctrlc_at_prompt = false;
            }
            match inc {
                Incoming::Request(r) => {
                    if let Some(flow) = self.run_request(view, r) {
                        return self.resume(view, flow);
                    }
                }
                Incoming::Malformed { error, id } => {
                    self.emit(Event::Result { request_id: id, command: String::new(), result: CmdResult::err(error) });
                }
                Incoming::Interrupt => {
                    if self.ctrlc_at_prompt {
                        return self.resume(view, Flow::Quit);
                    }
                    self.ctrlc_at_prompt = true;
                    self.emit(Event::Message("(Ctrl-C again to stop the solve; `quit` or Ctrl-D also end it)".into()));
                }
                Incoming::Eof => {
                    return match self.cfg.eof {
                        EofPolicy::Detach => self.resume(view, Flow::Resume(Mode::Detached)),
                        EofPolicy::Abort => self.resume(view, Flow::Quit),
                    };
                }
            }
        }
    }

    fn resume(&mut self, view: &IterationView<'_>, flow: Flow) -> ObserverAction {
        // A Ctrl-C sent while paused is spent: the next one breaks in afresh.
        self.clear_interrupt();
        let cp = view.checkpoint();
        if self.steered && (cp == Checkpoint::IterStart || (cp == Checkpoint::AfterStep && view.iteration() == 0)) {
            self.skip_refire = Some(view.iteration());
        }
        match flow {
            Flow::Resume(m) => {
                self.mode = m;
                ObserverAction::Continue
            }
            Flow::Quit => {
                self.quit = true;
                self.sweep = None;
                ObserverAction::Stop
            }
            Flow::Resolve(x) => {
                self.next = Some(x);
                self.sweep = None;
                self.finishing = true;
                self.mode = Mode::Step;
                self.start_reason = Some("resolve".into());
                ObserverAction::Stop
            }
            Flow::Sweep(starts) => {
                self.next = Some(starts[0].clone());
                self.sweep = Some(SweepState { starts, current: 0, outcomes: Vec::new() });
                self.finishing = true;
                self.mode = Mode::Continue;
                ObserverAction::Stop
            }
        }
    }

    /// Run one command and report its result; `Some` when it resumes or ends the solve.
    fn run_request(&mut self, view: &mut IterationView<'_>, r: Request) -> Option<Flow> {
        let line = r.line.trim().to_string();
        if vocab::canonical_verb(words(&line).first().copied().unwrap_or("")) == Some("source") {
            return self.source_file(view, r);
        }
        let (result, flow) = self.execute(view, &line);
        self.emit(Event::Result { request_id: r.id, command: line, result });
        flow
    }

    fn source_file(&mut self, view: &mut IterationView<'_>, r: Request) -> Option<Flow> {
        let path = r.line.split_whitespace().nth(1).map(String::from);
        let text = match path.as_deref().map(std::fs::read_to_string) {
            None => Err("usage: source FILE".to_string()),
            Some(Err(e)) => Err(format!("source: cannot read {}: {e}", path.as_deref().unwrap_or(""))),
            Some(Ok(t)) => Ok(t),
        };
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                self.emit(Event::Result { request_id: r.id, command: r.line, result: CmdResult::err(e) });
                return None;
            }
        };
        let lines = script_lines(&text);
        self.emit(Event::Result {
            request_id: r.id,
            command: r.line.clone(),
            result: CmdResult::line(format!("source: {} command(s) from {}", lines.len(), path.unwrap_or_default())),
        });
        for l in lines {
            if let Some(flow) = self.run_request(view, Request::new(l)) {
                return Some(flow);
            }
        }
        None
    }

    /// Run one command line.
    fn execute(&mut self, view: &mut IterationView<'_>, line: &str) -> (CmdResult, Option<Flow>) {
        let w = words(line);
        let Some(first) = w.first() else { return (CmdResult::err("empty command"), None) };
        let Some(verb) = vocab::canonical_verb(first) else {
            let close = vocab::close_verbs(first);
            let hint = if close.is_empty() { "type `help` for the commands".to_string() } else { format!("did you mean: {}?", close.join(", ")) };
            return (CmdResult::err(format!("unknown command '{first}'; {hint}")), None);
        };
        let args = &w[1..];
        let rest = line.trim_start()[first.len()..].trim();
        let terminated = view.checkpoint() == Checkpoint::Terminated;
        let flow_at_end = |m: Mode| if terminated { Flow::Resume(Mode::Detached) } else { Flow::Resume(m) };
        match verb {
            "help" => (
                CmdResult::ok(
                    vocab::COMMANDS
                        .iter()
                        .map(|(v, a, d)| {
                            let a = if a.is_empty() { String::new() } else { format!(" ({})", a.join(", ")) };
                            format!("  {:<26} {d}", format!("{v}{a}"))
                        })
                        .collect(),
                ),
                None,
            ),
            "info" => (inspect::info(view), None),
            "print" => (self.print(view, rest), None),
            "step" => {
                let into = args.first() == Some(&"sub");
                (CmdResult::line(if terminated { "the solve has ended" } else { "stepping" }), Some(flow_at_end(if into { Mode::StepInto } else { Mode::Step })))
            }
            "stepi" => (CmdResult::line("stepping into the next checkpoint"), Some(flow_at_end(Mode::StepInto))),
            "continue" => (CmdResult::line("continuing"), Some(flow_at_end(Mode::Continue))),
            "run" => match args.first().and_then(|a| a.parse::<usize>().ok()) {
                Some(n) => (CmdResult::line(format!("running to iteration {n}")), Some(flow_at_end(Mode::RunTo(n)))),
                None => (CmdResult::err("usage: run N"), None),
            },
            "detach" => (CmdResult::line("detached: running to completion"), Some(Flow::Resume(Mode::Detached))),
            "quit" => (CmdResult::line("stopping the solve"), Some(Flow::Quit)),
            "pause" => (CmdResult::line("already paused"), None),
            "break" => (self.cmd_break(args, rest), None),
            "tbreak" => match args.first().and_then(|a| a.parse::<usize>().ok()) {
                Some(n) => {
                    self.bps.iterations.insert(n, true);
                    (CmdResult::line(format!("tbreak at iteration {n}")), None)
                }
                None => (CmdResult::err("usage: tbreak N"), None),
            },
            "watchpoint" => (self.cmd_watchpoint(view, args), None),
            "commands" => (self.cmd_commands(rest), None),
            "stop-at" => (self.cmd_stop_at(args), None),
            "set" => self.cmd_set(view, args),
            "opt" => (cmd_opt(args), None),
            "complete" => {
                let c = vocab::complete(rest);
                (CmdResult::ok(if c.is_empty() { vec!["(no candidates)".into()] } else { c.clone() }).with_data(json!({"prefix": rest, "candidates": c})), None)
            }
            "watch" => (self.cmd_watch(view, args, rest), None),
            "diff" => (self.diff(view), None),
            "check" => match Condition::parse(rest) {
                Ok(c) => {
                    let holds = c.holds(&Self::metrics(view));
                    (CmdResult::line(format!("{} → {holds}", c.text)).with_data(json!({"condition": c.text, "holds": holds})), None)
                }
                Err(e) => (CmdResult::err(format!("check: {e}")), None),
            },
            "diagnose" => (inspect::diagnose_here(view, self.problem, &self.samples, (100.0 * self.base_options.tol).max(1e-6)), None),
            "goto" => match args.first().and_then(|a| a.parse::<usize>().ok()) {
                Some(n) => (self.goto(view, Some(n)), None),
                None => (CmdResult::err("usage: goto N"), None),
            },
            "restart" => (self.goto(view, None), None),
            "resolve" => {
                let x = view.x();
                let msg = format!("re-solving from current x with {} staged option override(s)…", self.staged.len());
                (CmdResult::line(msg).with_data(json!({"staged": self.staged_json()})), Some(Flow::Resolve(x)))
            }
            "save" => (self.save(view, args.first().copied()), None),
            "load" => self.load(view, args),
            "viz" => (self.viz(view, args.first().copied()), None),
            "sweep" => self.cmd_sweep(args),
            "multistart" => self.cmd_multistart(view, args),
            "ask" => (self.ask(view, rest), None),
            "progress" => {
                match args.first().copied() {
                    Some("on") => self.progress = true,
                    Some("off") => self.progress = false,
                    None => self.progress = !self.progress,
                    Some(o) => return (CmdResult::err(format!("usage: progress [on|off], got '{o}'")), None),
                }
                (CmdResult::line(format!("progress events {}", if self.progress { "on" } else { "off" })).with_data(json!({"progress": self.progress})), None)
            }
            other => (CmdResult::err(format!("'{other}' is handled elsewhere")), None),
        }
    }

    fn staged_json(&self) -> Value {
        Value::Object(self.staged.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
    }

    /// `print <what>` (also the watch targets).
    fn print(&mut self, view: &IterationView<'_>, what: &str) -> CmdResult {
        let what = what.trim();
        match what {
            "" => CmdResult::err("usage: print <block>[<i>] | <scalar> | kkt | rank | active | residuals | step"),
            "kkt" => inspect::kkt(view),
            "rank" => inspect::rank(view, self.problem),
            "active" => inspect::active(view, self.problem),
            "residuals" => inspect::residuals(view, self.problem),
            "step" => inspect::step(view),
            "equation" => CmdResult::err("usage: print equation NAME|ROW"),
            w if w.starts_with("equation ") => equation(self.problem, w["equation ".len()..].trim()),
            s if vocab::SCALARS.contains(&s) || s == "objective" || s == "nlp_error" => {
                let v = inspect::scalar(view, s).expect("known scalar");
                CmdResult::line(format!("{s} = {v:.9e}")).with_data(json!({"name": s, "value": jnum(v)}))
            }
            t => match parse_target(t) {
                Ok((block, index)) => inspect::print_block(view, self.problem, block, index),
                Err(e) => CmdResult::err(format!("print: {e}; scalars: {}; also kkt, rank, active, residuals", vocab::SCALARS.join(", "))),
            },
        }
    }

    fn cmd_break(&mut self, args: &[&str], rest: &str) -> CmdResult {
        match args {
            [] => CmdResult::ok(self.bps.listing()).with_data(json!({
                "iterations": self.bps.iterations.iter().map(|(i, once)| json!({"iter": i, "temporary": once})).collect::<Vec<_>>(),
                "conditions": self.bps.condition_list(),
                "events": self.bps.events,
                "watchpoints": self.bps.watchpoints.iter().map(|w| json!({"target": w.label(), "threshold": w.threshold})).collect::<Vec<_>>(),
            })),
            ["if", ..] => {
                let text = rest.trim_start().strip_prefix("if").unwrap_or("").trim();
                match Condition::parse(text) {
                    Ok(c) => {
                        let t = c.text.clone();
                        self.bps.conditions.push(c);
                        CmdResult::line(format!("conditional breakpoint: {t}"))
                    }
                    Err(e) => CmdResult::err(format!("break if: {e}")),
                }
            }
            ["on", name, rest @ ..] if rest.is_empty() || rest[0] == "if" => {
                let cond = if rest.is_empty() {
                    None
                } else {
                    match Condition::parse(&rest[1..].join(" ")) {
                        Ok(c) => Some(c),
                        Err(e) => return CmdResult::err(format!("break on: {e}")),
                    }
                };
                match self.bps.add_event(name) {
                    Ok(e) => {
                        let text = cond.as_ref().map(|c| format!(" if {}", c.text)).unwrap_or_default();
                        match cond {
                            Some(c) => self.bps.event_conditions.insert(e, c),
                            None => self.bps.event_conditions.remove(e),
                        };
                        CmdResult::line(format!("event breakpoint: {e}{text}"))
                    }
                    Err(e) => CmdResult::err(e),
                }
            }
            ["on"] => CmdResult::err(format!("usage: break on EVENT ({})", vocab::EVENTS.join(", "))),
            ["del", n] | ["delete", n] => match n.parse::<usize>() {
                Ok(n) if self.bps.iterations.remove(&n).is_some() => {
                    self.bps.commands.remove(&n);
                    CmdResult::line(format!("deleted breakpoint at iteration {n}"))
                }
                Ok(n) => CmdResult::err(format!("no breakpoint at iteration {n}")),
                Err(_) => {
                    let before = self.bps.conditions.len() + self.bps.events.len();
                    let t = rest.split_whitespace().skip(1).collect::<Vec<_>>().join(" ");
                    self.bps.conditions.retain(|c| c.text != t);
                    self.bps.events.retain(|e| *e != t);
                    if before == self.bps.conditions.len() + self.bps.events.len() {
                        CmdResult::err(format!("no breakpoint '{t}'"))
                    } else {
                        CmdResult::line(format!("deleted breakpoint '{t}'"))
                    }
                }
            },
            ["clear"] => {
                self.bps = Breakpoints::default();
                CmdResult::line("all breakpoints cleared")
            }
            ["clear", "cond"] | ["clear", "conditions"] => {
                self.bps.conditions.clear();
                CmdResult::line("conditional breakpoints cleared")
            }
            ["clear", "events"] => {
                self.bps.events.clear();
                self.bps.event_conditions.clear();
                CmdResult::line("event breakpoints cleared")
            }
            [n] => match n.parse::<usize>() {
                Ok(n) => {
                    self.bps.iterations.insert(n, false);
                    CmdResult::line(format!("breakpoint at iteration {n}"))
                }
                Err(_) => CmdResult::err(format!("break: '{n}' is not an iteration; usage: break N | if COND | on EVENT | del N | clear")),
            },
            _ => CmdResult::err("usage: break [N | if COND | on EVENT | del N | clear [cond|events]]"),
        }
    }

    fn cmd_watchpoint(&mut self, view: &IterationView<'_>, args: &[&str]) -> CmdResult {
        match args {
            [] => CmdResult::ok(if self.bps.watchpoints.is_empty() {
                vec!["no watchpoints".into()]
            } else {
                self.bps.watchpoints.iter().map(|w| format!("watchpoint {} {:e}", w.label(), w.threshold)).collect()
            }),
            ["clear"] => {
                self.bps.watchpoints.clear();
                CmdResult::line("watchpoints cleared")
            }
            ["del", t] => {
                let before = self.bps.watchpoints.len();
                self.bps.watchpoints.retain(|w| w.label() != *t);
                if before == self.bps.watchpoints.len() { CmdResult::err(format!("no watchpoint {t}")) } else { CmdResult::line(format!("deleted watchpoint {t}")) }
            }
            [t, rest @ ..] => {
                let (block, index) = match parse_target(t) {
                    Ok(p) => p,
                    Err(e) => return CmdResult::err(format!("watchpoint: {e}")),
                };
                let threshold = match rest.first().map(|s| s.parse::<f64>()) {
                    None => 0.0,
                    Some(Ok(v)) if v >= 0.0 => v,
                    _ => return CmdResult::err("watchpoint: the threshold must be a non-negative number"),
                };
                let len = view.block(block).map(|v| v.len()).unwrap_or(0);
                if let Some(i) = index
                    && i >= len
                {
                    return CmdResult::err(format!("index {i} is out of range for {} (length {len})", block.name()));
                }
                let w = Watchpoint { block, index, threshold, last: None };
                let label = w.label();
                self.bps.watchpoints.retain(|o| o.label() != label);
                self.bps.watchpoints.push(w);
                CmdResult::line(format!("watchpoint {label} (threshold {threshold:e})"))
            }
        }
    }

    fn cmd_commands(&mut self, rest: &str) -> CmdResult {
        let mut it = rest.splitn(2, char::is_whitespace);
        let Some(n) = it.next().filter(|s| !s.is_empty()) else {
            let lines: Vec<String> = self.bps.commands.iter().map(|(n, c)| format!("{n}: {}", c.join(" ; "))).collect();
            return CmdResult::ok(if lines.is_empty() { vec!["no command lists".into()] } else { lines });
        };
        let Ok(n) = n.parse::<usize>() else { return CmdResult::err("usage: commands N cmd ; cmd ; … | commands N clear") };
        let body = it.next().unwrap_or("").trim();
        if body == "clear" || body.is_empty() {
            self.bps.commands.remove(&n);
            return CmdResult::line(format!("command list of breakpoint {n} cleared"));
        }
        let cmds: Vec<String> = body.split(';').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        if let Some(bad) = cmds.iter().find(|c| vocab::canonical_verb(c.split_whitespace().next().unwrap_or("")).is_none()) {
            return CmdResult::err(format!("commands: unknown command '{bad}'"));
        }
        self.bps.iterations.entry(n).or_insert(false);
        let text = cmds.join(" ; ");
        self.bps.commands.insert(n, cmds);
        CmdResult::line(format!("at breakpoint {n}: {text}"))
    }

    fn cmd_stop_at(&mut self, args: &[&str]) -> CmdResult {
        let label = |(c, cond): &(Checkpoint, Option<Condition>)| match cond {
            Some(k) => format!("{} if {}", c.name(), k.text),
            None => c.name().to_string(),
        };
        match args {
            [] => CmdResult::ok(if self.stop_at.is_empty() {
                vec!["no stop-at checkpoints (pausing at iter_start and terminated)".into()]
            } else {
                self.stop_at.iter().map(label).collect()
            })
            .with_data(json!({"checkpoints": self.stop_at.iter().map(|(c, _)| c.name()).collect::<Vec<_>>()})),
            ["clear"] => {
                self.stop_at.clear();
                CmdResult::line("stop-at cleared")
            }
            [name, rest @ ..] if rest.is_empty() || rest[0] == "if" => match vocab::checkpoint_named(name) {
                Some(cp) => {
                    let cond = if rest.is_empty() {
                        None
                    } else {
                        match Condition::parse(&rest[1..].join(" ")) {
                            Ok(c) => Some(c),
                            Err(e) => return CmdResult::err(format!("stop-at: {e}")),
                        }
                    };
                    self.stop_at.retain(|(c, _)| *c != cp);
                    self.stop_at.push((cp, cond));
                    CmdResult::line(format!("stop at {}", label(self.stop_at.last().expect("just pushed"))))
                }
                None => CmdResult::err(format!(
                    "unknown checkpoint '{name}' (checkpoints: {}; aliases: {})",
                    Checkpoint::ALL.iter().map(|c| c.name()).collect::<Vec<_>>().join(", "),
                    vocab::CHECKPOINT_ALIASES.iter().map(|(a, _)| *a).collect::<Vec<_>>().join(", ")
                )),
            },
            _ => CmdResult::err("usage: stop-at [CHECKPOINT [if COND] | clear]"),
        }
    }

    fn cmd_set(&mut self, view: &mut IterationView<'_>, args: &[&str]) -> (CmdResult, Option<Flow>) {
        let r = match args {
            ["opt", name, value @ ..] if !value.is_empty() => {
                let value = value.join(" ");
                let mut probe = self.solve_options();
                match probe.set(name, &value) {
                    Ok(()) => {
                        self.staged.retain(|(k, _)| k != name);
                        self.staged.push((name.to_string(), value.clone()));
                        CmdResult::line(format!("staged {name} = {value} (takes effect on `resolve` or the next solve)"))
                            .with_data(json!({"staged": self.staged_json()}))
                    }
                    Err(e) => CmdResult::err(format!("set opt: {e}")),
                }
            }
            ["opt", ..] => CmdResult::err("usage: set opt NAME VALUE"),
            ["mu", v] => match v.parse::<f64>() {
                Ok(mu) => match view.set_mu(mu) {
                    Ok(()) => {
                        self.steered = true;
                        CmdResult::line(format!("mu = {mu:e}"))
                    }
                    Err(e) => CmdResult::err(e.to_string()),
                },
                Err(_) => CmdResult::err(format!("'{v}' is not a number")),
            },
            [target, value] => match parse_target(target) {
                Err(e) => CmdResult::err(format!("set: {e}")),
                Ok((block, Some(i))) => match value.parse::<f64>() {
                    Ok(v) => match view.set_entry(block, i, v) {
                        Ok(()) => {
                            self.steered = true;
                            CmdResult::line(format!("{}[{i}] = {v:e}", block.name()))
                        }
                        Err(e) => CmdResult::err(e.to_string()),
                    },
                    Err(_) => CmdResult::err(format!("'{value}' is not a number")),
                },
                Ok((block, None)) => match sweep::parse_numbers(value) {
                    Ok(vals) => match view.set_block(block, &vals) {
                        Ok(()) => {
                            self.steered = true;
                            CmdResult::line(format!("{} set ({} values)", block.name(), vals.len()))
                        }
                        Err(e) => CmdResult::err(e.to_string()),
                    },
                    Err(e) => CmdResult::err(format!("set: {e}")),
                },
            },
            _ => CmdResult::err("usage: set mu V | set <block>[i] V | set <block> v1,v2,… | set opt NAME VALUE"),
        };
        (r, None)
    }

    fn cmd_watch(&mut self, view: &IterationView<'_>, args: &[&str], rest: &str) -> CmdResult {
        match args {
            [] => CmdResult::ok(if self.watches.is_empty() { vec!["no watches".into()] } else { self.watches.clone() })
                .with_data(json!({"watches": self.watches})),
            ["clear"] => {
                self.watches.clear();
                CmdResult::line("watches cleared")
            }
            ["del", t @ ..] => {
                let t = t.join(" ");
                let before = self.watches.len();
                self.watches.retain(|w| *w != t);
                if before == self.watches.len() { CmdResult::err(format!("no watch '{t}'")) } else { CmdResult::line(format!("deleted watch '{t}'")) }
            }
            _ => {
                let r = self.print(view, rest);
                if !r.ok {
                    return r;
                }
                if !self.watches.iter().any(|w| w == rest) {
                    self.watches.push(rest.to_string());
                }
                let mut out = vec![format!("watching {rest}")];
                out.extend(r.output);
                CmdResult { ok: true, output: out, data: r.data }
            }
        }
    }

    fn diff(&mut self, view: &IterationView<'_>) -> CmdResult {
        let iter = view.iteration();
        let base = match (&self.last_start, &self.prev_start) {
            (Some(l), p) if l.0 == iter && view.checkpoint() == Checkpoint::IterStart => p.as_ref(),
            (Some(l), _) => Some(l),
            _ => None,
        };
        let Some((bi, bx, bmu, bobj)) = base.cloned() else { return CmdResult::err("diff: no earlier iteration captured yet") };
        let x = match view.block(Block::X) {
            Ok(x) if x.len() == bx.len() => x,
            _ => return CmdResult::err("diff: x changed dimension (restoration?)"),
        };
        let mut changed: Vec<(usize, f64, f64)> = x.iter().zip(&bx).enumerate().filter(|(_, (a, b))| a != b).map(|(i, (a, b))| (i, *b, *a)).collect();
        changed.sort_by(|a, b| (b.2 - b.1).abs().total_cmp(&(a.2 - a.1).abs()));
        let mut lines = vec![format!("since iteration {bi}: mu {bmu:.3e} → {:.3e}, obj {bobj:.6e} → {:.6e}, {} of {} x entries changed", view.mu(), view.objective(), changed.len(), x.len())];
        for (i, old, new) in changed.iter().take(10) {
            let label = inspect::entry_label(view, self.problem, Block::X, *i).map(|l| format!(" ({l})")).unwrap_or_default();
            lines.push(format!("  x[{i}]{label}: {old:.6e} → {new:.6e}  (Δ {:+.3e})", new - old));
        }
        CmdResult::ok(lines).with_data(json!({
            "since": bi,
            "mu": [jnum(bmu), jnum(view.mu())],
            "objective": [jnum(bobj), jnum(view.objective())],
            "changed": changed.iter().map(|(i, o, n)| json!({"index": i, "old": jnum(*o), "new": jnum(*n)})).collect::<Vec<_>>(),
        }))
    }

    fn goto(&mut self, view: &mut IterationView<'_>, target: Option<usize>) -> CmdResult {
        let phase = view.in_restoration();
        let key = match target {
            Some(n) => (phase, n),
            None => match self.snapshots.keys().find(|k| k.0 == phase) {
                Some(k) => *k,
                None => return CmdResult::err("restart: no snapshot captured yet"),
            },
        };
        let Some(snap) = self.snapshots.get(&key).cloned() else {
            let have: Vec<usize> = self.snapshots.keys().filter(|k| k.0 == phase).map(|k| k.1).collect();
            return CmdResult::err(format!("goto: no snapshot of iteration {} (captured: {})", key.1, ranges(&have)));
        };
        match view.restore(&snap) {
            Ok(()) => {
                self.steered = true;
                CmdResult::line(format!(
                    "rewound to the start of iteration {} (soft rewind: iterate, μ, τ, filter; quasi-Newton memory is kept)",
                    key.1
                ))
                .with_data(json!({"iter": key.1}))
            }
            Err(e) => CmdResult::err(e.to_string()),
        }
    }

    fn save(&mut self, view: &IterationView<'_>, path: Option<&str>) -> CmdResult {
        let path = path.map(std::path::PathBuf::from).unwrap_or_else(|| artifacts::temp_path(&format!("iter{}", view.iteration())));
        let payload = artifacts::save_payload(view);
        match artifacts::write_json(&path, &payload) {
            Ok(()) => CmdResult::line(format!("saved iteration {} to {}", view.iteration(), path.display()))
                .with_data(json!({"path": path.display().to_string()})),
            Err(e) => CmdResult::err(format!("save: {e}")),
        }
    }

    fn load(&mut self, view: &mut IterationView<'_>, args: &[&str]) -> (CmdResult, Option<Flow>) {
        let Some(path) = args.first() else { return (CmdResult::err("usage: load FILE [block]"), None) };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => return (CmdResult::err(format!("load: cannot read {path}: {e}")), None),
        };
        let mut blocks: Vec<(Block, Vec<f64>)> = Vec::new();
        if let Ok(v) = serde_json::from_str::<Value>(&text)
            && v.is_object()
        {
            match artifacts::blocks_of_artifact(&v) {
                Ok(b) => blocks = b,
                Err(e) => return (CmdResult::err(format!("load: {path}: {e}")), None),
            }
            if let Some(name) = args.get(1) {
                blocks.retain(|(b, _)| b.name() == *name);
                if blocks.is_empty() {
                    return (CmdResult::err(format!("load: {path} has no block {name}")), None);
                }
            }
        } else {
            let block = match args.get(1).map(|n| Block::from_name(n)) {
                None => Block::X,
                Some(Some(b)) => b,
                Some(None) => return (CmdResult::err(format!("load: unknown block '{}'", args[1])), None),
            };
            match sweep::parse_numbers(&text) {
                Ok(v) => blocks.push((block, v)),
                Err(e) => return (CmdResult::err(format!("load: {path}: {e}")), None),
            }
        }
        let mut done = Vec::new();
        for (b, v) in &blocks {
            if let Err(e) = view.set_block(*b, v) {
                let prefix = if done.is_empty() { String::new() } else { format!(" (already loaded: {})", done.join(", ")) };
                return (CmdResult::err(format!("load: {e}{prefix}")), None);
            }
            self.steered = true;
            done.push(b.name().to_string());
        }
        (CmdResult::line(format!("loaded {} from {path}", done.join(", "))).with_data(json!({"blocks": done})), None)
    }

    fn viz(&mut self, view: &IterationView<'_>, target: Option<&str>) -> CmdResult {
        let Some(t) = target else { return CmdResult::err("usage: viz x|dx|<block>|kkt|L") };
        let payload = match t {
            "kkt" => {
                let Some(k) = view.kkt_matrix() else {
                    return CmdResult::err("viz kkt: no assembled KKT matrix yet (this route is matrix-free, or no step was computed; `stop-at kkt`)");
                };
                let info = inspect::kkt(view);
                json!({
                    "kind": "kkt",
                    "iter": view.iteration(),
                    "dim": k.nrows,
                    "irn": k.rows.iter().map(|r| r + 1).collect::<Vec<_>>(),
                    "jcn": k.cols.iter().map(|c| c + 1).collect::<Vec<_>>(),
                    "vals": k.vals.iter().map(|v| jnum(*v)).collect::<Vec<_>>(),
                    "inertia": info.data,
                })
            }
            "L" => {
                let Some(f) = view.kkt_factors() else {
                    return CmdResult::err("viz L: the linear solver of this route exports no factor (the dense LDLᵀ does; sparse and iterative solvers do not); `viz kkt` shows the matrix");
                };
                let info = inspect::kkt(view);
                json!({
                    "kind": "L",
                    "iter": view.iteration(),
                    "dim": f.l.nrows,
                    "irn": f.l.rows.iter().map(|r| r + 1).collect::<Vec<_>>(),
                    "jcn": f.l.cols.iter().map(|c| c + 1).collect::<Vec<_>>(),
                    "vals": f.l.vals.iter().map(|v| jnum(*v)).collect::<Vec<_>>(),
                    "d_diag": f.d_diag.iter().map(|v| jnum(*v)).collect::<Vec<_>>(),
                    "d_subdiag": f.d_subdiag.iter().map(|v| jnum(*v)).collect::<Vec<_>>(),
                    "perm": f.perm,
                    "inertia": info.data,
                })
            }
            t => match parse_target(t) {
                Ok((b, None)) => match view.block(b) {
                    Ok(v) => json!({
                        "kind": if b.is_step() { "delta" } else { "block" },
                        "name": b.name(),
                        "iter": view.iteration(),
                        "values": v.iter().map(|x| jnum(*x)).collect::<Vec<_>>(),
                        "labels": (0..v.len()).map(|i| inspect::entry_label(view, self.problem, b, i)).collect::<Vec<_>>(),
                    }),
                    Err(e) => return CmdResult::err(format!("viz: {e}")),
                },
                Ok((_, Some(_))) => return CmdResult::err("viz takes a whole block"),
                Err(e) => return CmdResult::err(format!("viz: {e}")),
            },
        };
        let path = artifacts::temp_path(&format!("viz-{t}"));
        if let Err(e) = artifacts::write_json(&path, &payload) {
            return CmdResult::err(format!("viz: {e}"));
        }
        let data = json!({"path": path.display().to_string()});
        match artifacts::open_viewer(&path) {
            Ok(v) => CmdResult::line(format!("wrote {} and opened it with {v}", path.display())).with_data(data),
            Err(e) => CmdResult { ok: false, output: vec![format!("wrote {}; {e}", path.display())], data: Some(data) },
        }
    }

    fn cmd_sweep(&mut self, args: &[&str]) -> (CmdResult, Option<Flow>) {
        let Some(path) = args.first() else { return (CmdResult::err("usage: sweep FILE"), None) };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => return (CmdResult::err(format!("sweep: cannot read {path}: {e}")), None),
        };
        match sweep::parse_starts(&text, self.problem.num_variables()) {
            Ok(starts) => {
                let n = starts.len();
                (CmdResult::line(format!("sweep: {n} start(s) from {path}")).with_data(json!({"solves": n})), Some(Flow::Sweep(starts)))
            }
            Err(e) => (CmdResult::err(format!("sweep: {path}: {e}")), None),
        }
    }

    fn cmd_multistart(&mut self, view: &IterationView<'_>, args: &[&str]) -> (CmdResult, Option<Flow>) {
        let n = match args.first().map(|a| a.parse::<usize>()) {
            Some(Ok(n)) if n >= 1 => n,
            _ => return (CmdResult::err("usage: multistart N [rel] (N ≥ 1)"), None),
        };
        let rel = match args.get(1).map(|a| a.parse::<f64>()) {
            None => 0.1,
            Some(Ok(r)) if r > 0.0 && r.is_finite() => r,
            _ => return (CmdResult::err("multistart: rel must be a positive number"), None),
        };
        let nv = self.problem.num_variables();
        let (mut l, mut u) = (vec![0.0; nv], vec![0.0; nv]);
        self.problem.variable_bounds(&mut l, &mut u);
        let (starts, boxed) = sweep::sample_starts(&view.x(), &l, &u, n, rel);
        let free = (0..nv).filter(|&j| l[j] != u[j]).count();
        let msg = format!("multistart {n} (box {boxed}/{free} vars; {} unbounded → jitter rel={rel})", free - boxed);
        (CmdResult::line(msg).with_data(json!({"solves": n, "boxed": boxed, "jittered": free - boxed, "rel": rel})), Some(Flow::Sweep(starts)))
    }

    fn ask(&mut self, view: &IterationView<'_>, question: &str) -> CmdResult {
        let question = if question.is_empty() { "Explain the current state and suggest what to try next." } else { question };
        let mut prompt = String::from(
            "You are helping debug an interior-point NLP solve (ipax, an Ipopt-like primal-dual method) paused in its debugger.\n",
        );
        for r in [inspect::info(view), inspect::kkt(view)] {
            for l in r.output {
                prompt.push_str(&l);
                prompt.push('\n');
            }
        }
        let s = view.step();
        prompt.push_str(&format!(
            "last step: alpha_pr={:.3e} alpha_du={:.3e} ||d||={:.3e} ls_trials={} tag={}\n",
            s.alpha_primal, s.alpha_dual, s.step_norm, s.line_search_trials, s.tag
        ));
        for l in inspect::residuals(view, self.problem).output {
            prompt.push_str(&l);
            prompt.push('\n');
        }
        prompt.push_str(&format!("\nQuestion: {question}\n"));
        match artifacts::ask_llm(&prompt) {
            Ok((cmd, reply)) => {
                let mut lines: Vec<String> = reply.lines().map(String::from).collect();
                if lines.is_empty() {
                    lines.push("(empty reply)".into());
                }
                CmdResult::ok(lines).with_data(json!({"reply": reply, "command": cmd, "prompt": prompt}))
            }
            Err(e) => CmdResult::err(e).with_data(json!({"prompt": prompt})),
        }
    }
}

/// `opt [filter]` / `opt NAME`.
fn cmd_opt(args: &[&str]) -> CmdResult {
    let filter = args.first().copied().unwrap_or("");
    if let Some((name, kind, doc)) = vocab::option_table().find(|(n, _, _)| *n == filter) {
        return CmdResult::ok(vec![format!("{name} ({kind})"), format!("  {doc}")])
            .with_data(json!({"name": name, "kind": kind, "description": doc}));
    }
    let rows: Vec<(&str, String, &str)> = vocab::option_table().filter(|(n, _, d)| n.contains(filter) || d.contains(filter)).collect();
    if rows.is_empty() {
        return CmdResult::err(format!("no option matches '{filter}'"));
    }
    CmdResult::ok(rows.iter().map(|(n, k, d)| format!("  {n:<34} {k:<24} {d}")).collect())
        .with_data(json!({"options": rows.iter().map(|(n, k, _)| json!({"name": n, "kind": k})).collect::<Vec<_>>()}))
}

/// `0, 46–300` for sorted iteration numbers.
fn ranges(v: &[usize]) -> String {
    if v.is_empty() {
        return "none".into();
    }
    let mut out: Vec<String> = Vec::new();
    let mut start = v[0];
    for w in v.windows(2).map(|w| (w[0], w[1])).chain(std::iter::once((v[v.len() - 1], usize::MAX))) {
        if w.1 != w.0 + 1 {
            out.push(if start == w.0 { start.to_string() } else { format!("{start}–{}", w.0) });
            start = w.1;
        }
    }
    out.join(", ")
}

/// The commands of a script: one per line, blank lines and `#`/`//` comments skipped.
pub fn script_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"))
        .map(String::from)
        .collect()
}

impl Observer for Engine<'_> {
    fn notify(&mut self, view: &mut IterationView<'_>) -> ObserverAction {
        // A solve being replaced (resolve, sweep) or quit ends quietly.
        if self.finishing || self.quit {
            return ObserverAction::Continue;
        }
        let cp = view.checkpoint();
        if cp == Checkpoint::Terminated {
            self.sweep_terminated(view);
        }
        // Interrupts (SIGINT, an in-band `pause`) break in wherever the solve is.
        let mut reason = None;
        if cp != Checkpoint::Terminated {
            if self.interrupted() {
                reason = Some("interrupt (Ctrl-C)".to_string());
            } else if self.poll_pause() {
                reason = Some("pause (requested)".to_string());
            }
        }
        if reason.is_none() && self.mode == Mode::Detached {
            if cp == Checkpoint::Terminated {
                reason = self.stop_reason(view);
            }
            if reason.is_none() {
                self.progress_event(view);
                return ObserverAction::Continue;
            }
        }
        if self.mode != Mode::Detached {
            self.record(view);
        }
        if reason.is_none() {
            reason = self.stop_reason(view);
        }
        match reason {
            Some(r) => {
                if self.mode == Mode::Detached && cp != Checkpoint::Terminated {
                    // Breaking in from a free run: capture from here on.
                    self.mode = Mode::Step;
                    self.record(view);
                }
                self.pause(view, r)
            }
            None => {
                self.progress_event(view);
                ObserverAction::Continue
            }
        }
    }
}

/// `print equation NAME|ROW`: the row's algebra with its bounds, where the problem knows its
/// expressions (`.nl` models).
fn equation(problem: &dyn ipax_core::Problem, arg: &str) -> CmdResult {
    let names = problem.constraint_names();
    let m = problem.num_constraints();
    let row = names.as_ref().and_then(|v| v.iter().position(|n| n == arg)).or_else(|| arg.parse::<usize>().ok().filter(|&i| i < m));
    let Some(i) = row else {
        return CmdResult::err(format!("print equation: no row '{arg}' (a .row name or an index below {m})"));
    };
    let label = names.as_ref().and_then(|v| v.get(i).cloned()).unwrap_or_else(|| format!("c[{i}]"));
    match problem.constraint_algebra(i) {
        Some(algebra) => CmdResult::line(format!("{label}:  {algebra}")).with_data(json!({"row": i, "name": label, "algebra": algebra})),
        None => CmdResult::err(format!("print equation: this problem does not expose its expressions (.nl models do); row {i} is '{label}'")),
    }
}
