//! The interactive solver debugger: pause an interior-point solve at its checkpoints, inspect and
//! change the live primal-dual state, set breakpoints, rewind, re-solve, sweep start points.
//!
//! One engine ([`Engine`], an [`Observer`](ipax_ipm::Observer)) serves every front end. At each
//! checkpoint it decides whether to pause (stepping, breakpoints by iteration, conditions such as
//! `inf_pr<1e-6 && mu<1e-4`, solver events, watchpoints, `stop-at`, interrupts); while paused it
//! reads commands from a [`CommandSource`] and reports [`Event`]s to an [`EventSink`]:
//!
//! - `ipax model.nl --debug`: a REPL on stderr ([`repl`]; line editing with rustyline when stdin
//!   is a terminal, a plain line reader otherwise), the iteration table on stdout;
//! - `ipax model.nl --debug-json`: the `ipax-dbg/1` protocol ([`protocol`]), newline-delimited
//!   JSON commands on stdin and events on stdout;
//! - `ipax --dap`: a Debug Adapter Protocol server over stdio ([`dap`]) for editors;
//! - in-process: [`Session::spawn`] runs the solve on a thread and hands back a command sender
//!   and an event receiver — what a Debug Adapter or the Python bindings drive.
//!
//! ```no_run
//! use ipax::debug::{Config, Event, Session};
//! let mut options = ipax::Options::default();
//! options.print_level = 0;
//! let session = Session::spawn(|| ipax::testing::get("hs071", None).unwrap(), options, Config::default());
//! // hello, then the pause at iteration 0.
//! let _hello = session.events.recv().unwrap();
//! let _pause = session.events.recv().unwrap();
//! session.send("print x");
//! if let Ok(Event::Result { result, .. }) = session.events.recv() {
//!     println!("{}", result.output.join("\n"));
//! }
//! session.send("continue");
//! let result = session.join();
//! # let _ = result;
//! ```
//!
//! Re-solves (`resolve`, `sweep`, `multistart`) end the running solve and start another with the
//! same engine; [`run`] is that loop. With no debugger attached nothing in the solve changes: the
//! engine only exists when a `--debug*` flag is given.

pub mod artifacts;
pub mod breakpoints;
pub mod dap;
pub mod engine;
pub mod inspect;
pub mod io;
pub mod protocol;
pub mod repl;
pub mod sweep;
pub mod vocab;

use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;

use ipax_core::Problem;
use ipax_ipm::{Options, SolveResult};

pub use engine::{Config, EofPolicy, Engine, StartMode};
pub use io::{ChannelSink, ChannelSource, CommandSource, EventSink, JsonSink, LineSource, TextSink};
pub use protocol::{CmdResult, Event, Incoming, PROTOCOL, Request};

/// Run a debugged solve to the end: `hello`, the solve(s) (a `resolve` or a sweep starts new
/// ones), then `terminated` with the last solve's result, which is returned.
pub fn run<'p>(
    problem: &'p dyn Problem,
    options: Options,
    config: Config,
    source: Box<dyn CommandSource + 'p>,
    sink: Box<dyn EventSink + 'p>,
) -> SolveResult {
    let mut engine = Engine::new(problem, options, config, source, sink);
    engine.emit(Event::Hello(protocol::hello()));
    let mut options = engine.solve_options();
    let mut warm = None;
    loop {
        let result = {
            let mut solver = crate::Solver::new(options.clone()).with_observer(&mut engine);
            if let Some(w) = warm.take() {
                solver = solver.with_warm_start(w);
            }
            solver.solve(problem)
        };
        match engine.take_next() {
            Some(next) => {
                options = next.options;
                warm = next.warm;
            }
            None => {
                engine.terminated(&result, result.objective);
                return result;
            }
        }
    }
}

/// Install the debugger's SIGINT handling: the first Ctrl-C sets the returned flag (the engine
/// pauses at the next checkpoint and clears it), a second one before that pause exits with
/// status 130. Both handlers are signal-hook's async-signal-safe flag handlers.
pub fn install_sigint() -> std::io::Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    // Registered first, so it sees the flag as the previous Ctrl-C left it.
    signal_hook::flag::register_conditional_shutdown(signal_hook::consts::SIGINT, 130, Arc::clone(&flag))?;
    signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&flag))?;
    Ok(flag)
}

/// A debugged solve on its own thread, driven through channels.
pub struct Session {
    /// Commands in (a closed sender is the end of input: the solve stops, as in JSON mode unless
    /// the config says [`EofPolicy::Detach`]).
    pub commands: Sender<Incoming>,
    /// Events out, in order: `hello`, pauses, results, progress, …, `terminated`.
    pub events: Receiver<Event>,
    handle: std::thread::JoinHandle<SolveResult>,
}

impl Session {
    /// Build the problem on a new thread and debug its solve.
    pub fn spawn<F>(make_problem: F, options: Options, config: Config) -> Session
    where
        F: FnOnce() -> Box<dyn Problem> + Send + 'static,
    {
        let (ctx, crx) = std::sync::mpsc::channel();
        let (etx, erx) = std::sync::mpsc::channel();
        let handle = std::thread::spawn(move || {
            let problem = make_problem();
            run(problem.as_ref(), options, config, Box::new(ChannelSource::new(crx)), Box::new(ChannelSink(etx)))
        });
        Session { commands: ctx, events: erx, handle }
    }

    /// Send a command line.
    pub fn send(&self, line: &str) {
        let _ = self.commands.send(Incoming::Request(Request::new(line)));
    }

    /// Send a command line with a request id.
    pub fn request(&self, line: &str, id: serde_json::Value) {
        let _ = self.commands.send(Incoming::Request(Request { line: line.to_string(), id: Some(id) }));
    }

    /// Close the command channel (a paused solve then stops, see [`Session::commands`]), collect
    /// the events not yet received, and wait for the solve.
    pub fn finish(self) -> (SolveResult, Vec<Event>) {
        drop(self.commands);
        let events: Vec<Event> = self.events.iter().collect();
        (self.handle.join().expect("the debugger thread does not panic"), events)
    }

    /// Wait for the solve to end.
    pub fn join(self) -> SolveResult {
        drop(self.commands);
        self.handle.join().expect("the debugger thread does not panic")
    }
}
