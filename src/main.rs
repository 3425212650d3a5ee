//! The `ipax` command line: solve a built-in problem (more inputs arrive with the .nl reader).

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};

/// ipax: a matrix-free interior-point solver for nonlinear programs.
#[derive(Parser, Debug)]
#[command(name = "ipax", version, about)]
struct Cli {
    /// Solve a built-in problem from the testing registry (see --list-problems).
    #[arg(long)]
    problem: Option<String>,
    /// Size parameter for scalable problem families (its meaning is listed by --list-problems);
    /// an integer, also written like `1e4`.
    #[arg(long, value_parser = parse_size)]
    size: Option<usize>,
    /// Use the matrix-free form of the built-in problem (only J·v, Jᵀ·v, H·v).
    #[arg(long)]
    matrix_free: bool,
    /// List the built-in problems and exit.
    #[arg(long)]
    list_problems: bool,
    /// Read options from a file (Ipopt's ipopt.opt syntax).
    #[arg(long)]
    options_file: Option<std::path::PathBuf>,
    /// Print the result as JSON on the last line.
    #[arg(long)]
    json: bool,
    /// List all solver options and exit.
    #[arg(long)]
    list_options: bool,
    /// AMPL calling convention (`ipax stub -AMPL`): write `stub.sol`, read options from the
    /// `ipax_options` environment variable.
    #[arg(long = "ampl", hide = true)]
    ampl: bool,
    /// Where to write the AMPL .sol file (default: the model path with extension .sol, as Ipopt).
    #[arg(short = 'o', long = "sol")]
    sol: Option<std::path::PathBuf>,
    /// Solve the .nl model, then print a ranked diagnostic report (named findings, the numerical
    /// rank of the equality Jacobian), also when the solve fails.
    #[arg(long)]
    diagnose: bool,
    /// sIPOPT models (`sens_state_1` suffixes): factor the KKT matrix at the solution for the
    /// sensitivity step instead of refining the IPM's held factor against it (the default).
    #[arg(long)]
    sens_fresh: bool,
    /// Debug the solve in a REPL (prompt and output on stderr, iteration table on stdout);
    /// pauses at iteration 0. See docs/debugger.md.
    #[arg(long)]
    debug: bool,
    /// Debug the solve over the `ipax-dbg/1` JSON protocol: commands on stdin, events on stdout
    /// (one JSON object per line); banner and summary on stderr, print_level forced to 0.
    #[arg(long)]
    debug_json: bool,
    /// Run freely; enter the debugger at the final iterate only if the solve fails.
    #[arg(long)]
    debug_on_error: bool,
    /// Run freely; the first Ctrl-C enters the debugger at the next checkpoint, a second aborts
    /// (exit 130).
    #[arg(long)]
    debug_on_interrupt: bool,
    /// Run debugger commands from FILE at the first pause (implies --debug without another
    /// --debug* mode).
    #[arg(long, value_name = "FILE")]
    debug_script: Option<std::path::PathBuf>,
    /// Serve the Debug Adapter Protocol on stdin/stdout (an editor launches the model; see
    /// docs/debugger.md and editors/vscode/).
    #[arg(long)]
    dap: bool,
    /// An AMPL .nl model file (or stub), and options as key=value (Ipopt names), e.g.
    /// `model.nl tol=1e-10 mu_strategy=adaptive`.
    args: Vec<String>,
}

fn main() -> ExitCode {
    ipax::process_memory::retain_freed_memory();
    // AMPL passes `-AMPL`; clap only knows double-dash long flags. AMPL solvers print their
    // version for `-v`, and Pyomo's ASL interface runs `ipax -v` in `available()`.
    let argv = std::env::args().map(|a| match a.as_str() {
        "-AMPL" => "--ampl".to_string(),
        "-v" => "--version".to_string(),
        _ => a,
    });
    // `--help` ends with the solver options (Ipopt names), as Ipopt users expect.
    let matches = Cli::command().after_long_help(option_listing()).get_matches_from(argv);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if cli.list_options {
        print!("{}", option_listing());
        return ExitCode::SUCCESS;
    }
    if cli.list_problems {
        for p in ipax::testing::list() {
            let f = p.f_star.map_or("-".to_string(), |f| format!("{f:.8e}"));
            let size = match p.default_size {
                Some(d) => format!("  --size: {} (default {d})", p.size_meaning),
                None => String::new(),
            };
            println!("{:<24} n={:<6} m={:<6} f*={:<16} {:?}{size}", p.name, p.n, p.m, f, p.expected);
        }
        return ExitCode::SUCCESS;
    }
    if cli.dap {
        let code = ipax::debug::dap::serve(std::io::BufReader::new(std::io::stdin()), std::io::stdout());
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let mut options = ipax::Options::default();
    if let Some(path) = &cli.options_file
        && let Err(e) = options.apply_file(path)
    {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let mut model: Option<std::path::PathBuf> = None;
    let mut kvs: Vec<String> = Vec::new();
    if cli.ampl
        && let Ok(env_opts) = std::env::var("ipax_options")
    {
        kvs.extend(env_opts.split_whitespace().map(str::to_string));
    }
    for a in &cli.args {
        if a.contains('=') {
            kvs.push(a.clone());
        } else if model.is_none() {
            model = Some(a.into());
        } else {
            eprintln!("error: more than one model file given ('{a}')");
            return ExitCode::from(2);
        }
    }
    for kv in &kvs {
        let Some((k, v)) = kv.split_once('=') else {
            eprintln!("error: expected key=value, got '{kv}'");
            return ExitCode::from(2);
        };
        if let Err(e) = options.set(k, v) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    let debugging = cli.debug || cli.debug_json || cli.debug_on_error || cli.debug_on_interrupt || cli.debug_script.is_some();
    if let Some(path) = model {
        if debugging {
            let nl_path = if path.extension().is_none() && !path.exists() { path.with_extension("nl") } else { path };
            return match ipax::problem::nl::NlProblem::from_file(&nl_path) {
                Ok(p) => debug_main(&p, &cli, options),
                Err(e) => {
                    eprintln!("error: {}: {e}", nl_path.display());
                    ExitCode::from(2)
                }
            };
        }
        return solve_nl(&path, &cli, &options);
    }
    let Some(name) = cli.problem.as_deref() else {
        eprintln!("error: nothing to solve; pass a model.nl or --problem NAME (see --list-problems)");
        return ExitCode::from(2);
    };
    let problem = if cli.matrix_free { ipax::testing::get_matrix_free(name, cli.size) } else { ipax::testing::get(name, cli.size) };
    let problem = match problem {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if debugging {
        return debug_main(problem.as_ref(), &cli, options);
    }
    let result = ipax::solve(problem.as_ref(), &options);
    if cli.json {
        println!(
            "{{\"problem\":\"{}\",\"status\":\"{:?}\",\"objective\":{:e},\"iterations\":{},\"constraint_violation\":{:e},\"time\":{}}}",
            name,
            result.status,
            result.objective,
            result.iterations,
            result.errors.constraint_violation,
            result.timings.total.as_secs_f64()
        );
    } else {
        println!("\nProblem {name}: status {:?}, objective {:.10}, iterations {}", result.status, result.objective, result.iterations);
    }
    if result.status.is_success() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// Solve an AMPL `.nl` model and write the `.sol` file AMPL and Pyomo read.
fn solve_nl(path: &std::path::Path, cli: &Cli, options: &ipax::Options) -> ExitCode {
    use ipax::problem::nl::{NlProblem, write_sol_with_suffixes};
    let nl_path = if path.extension().is_none() && !path.exists() { path.with_extension("nl") } else { path.to_path_buf() };
    let problem = match NlProblem::from_file(&nl_path) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {}: {e}", nl_path.display());
            return ExitCode::from(2);
        }
    };
    if !problem.exact_hessian() {
        eprintln!(
            "note: the element Hessians of {} would need {} entries (limit {}); the Hessian is approximated instead",
            nl_path.display(),
            problem.hessian_entries(),
            ipax::problem::nl::HESSIAN_ENTRY_LIMIT
        );
    }
    let mut options = options.clone();
    if cli.ampl && options.print_level == 5 {
        options.print_level = 0;
    }
    // sIPOPT's step back-solves the IPM's final factor (refined against the KKT matrix at the
    // solution) unless --sens-fresh asks for a factorization there.
    let sens = if cli.sens_fresh { ipax::sipopt::SensFactor::AtSolution } else { ipax::sipopt::SensFactor::HeldRefined };
    if sens == ipax::sipopt::SensFactor::HeldRefined && ipax::sipopt::requested(&problem) {
        options.hold_kkt_factor = true;
    }
    let result = if cli.diagnose {
        let (result, report) = ipax::nl_solve_and_diagnose(&problem, &options);
        match report {
            Ok(report) => println!("\n{report}"),
            Err(e) => eprintln!("error: {e}"),
        }
        result
    } else {
        ipax::solve_nl(&problem, &options)
    };
    let objective = problem.user_objective(result.objective);
    let code = ipax::ampl::solve_result_num(result.status);
    // Like Ipopt's AMPL executable, the .sol file goes beside the model unless -o says otherwise.
    let sol_path = cli.sol.clone().unwrap_or_else(|| nl_path.with_extension("sol"));
    let message = format!("ipax {}: {}", env!("CARGO_PKG_VERSION"), result.status.message());
    let duals = problem.ampl_duals(&result.constraint_multipliers);
    // sIPOPT's suffixes: the first-order estimate of the perturbed solution as `sens_sol_state_1`.
    let suffixes = match ipax::sipopt::sensitivity_step_with(&problem, &result, sens) {
        Ok(Some(step)) => {
            if !cli.ampl {
                println!("sIPOPT sensitivity step (KKT factor: {}): x(p_new) ≈ {:?}", step.source.as_str(), step.x);
            }
            ipax::sipopt::sol_suffixes(&problem, &step)
        }
        Ok(None) => Vec::new(),
        Err(e) => {
            eprintln!("warning: no sensitivity step: {e}");
            Vec::new()
        }
    };
    if let Err(e) = write_sol_with_suffixes(&sol_path, &message, &result.x, &duals, code, &suffixes) {
        eprintln!("error: cannot write {}: {e}", sol_path.display());
        return ExitCode::from(2);
    }
    if cli.json {
        println!(
            "{{\"model\":\"{}\",\"status\":\"{:?}\",\"objective\":{:e},\"iterations\":{},\"constraint_violation\":{:e},\"time\":{}}}",
            nl_path.display(),
            result.status,
            objective,
            result.iterations,
            result.errors.constraint_violation,
            result.timings.total.as_secs_f64()
        );
    } else if !cli.ampl {
        println!("\n{}: status {:?}, objective {:.10}, iterations {}", nl_path.display(), result.status, objective, result.iterations);
    }
    // The process ends here: the OS takes the model's memory back at once, where dropping it
    // frees its ~10⁶ allocations one by one (17 ms on a 16 MB model with n = 1e5).
    std::mem::forget(problem);
    // The outcome travels in the .sol file's solve_result_num. Like Ipopt's AMPL executable
    // (`ampl_ipopt.cpp` returns 0 after the solve), exit 0 once it is written: AMPL and Pyomo
    // treat a non-zero exit code as a solver crash and never read an infeasible or
    // iteration-limit status.
    ExitCode::SUCCESS
}

/// Debug the solve (`--debug`, `--debug-json`, `--debug-on-error`, `--debug-on-interrupt`,
/// `--debug-script`). Exit status: 0 after a successful solve, 1 otherwise, 2 on bad input, 130
/// when a second Ctrl-C aborts.
fn debug_main(problem: &dyn ipax::Problem, cli: &Cli, options: ipax::Options) -> ExitCode {
    use ipax::debug::{self, Config, EofPolicy, StartMode};
    use std::io::IsTerminal;
    let script = match &cli.debug_script {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => debug::engine::script_lines(&text),
            Err(e) => {
                eprintln!("error: --debug-script {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        None => Vec::new(),
    };
    // --debug-on-error / --debug-on-interrupt choose when to break in; --debug-json only chooses
    // the channel.
    let start = if cli.debug_on_error {
        StartMode::OnError
    } else if cli.debug_on_interrupt && !cli.debug && cli.debug_script.is_none() {
        StartMode::OnInterrupt
    } else {
        StartMode::Paused
    };
    let interrupt = match debug::install_sigint() {
        Ok(flag) => Some(flag),
        Err(e) => {
            eprintln!("ipax-dbg: cannot install the Ctrl-C handler ({e}); interrupts are unavailable");
            None
        }
    };
    let json = cli.debug_json;
    let config = Config { start, eof: if json { EofPolicy::Abort } else { EofPolicy::Detach }, script, quiet: json, interrupt };
    eprintln!(
        "ipax {} debugger ({}): {} variables, {} constraints{}",
        env!("CARGO_PKG_VERSION"),
        if json { debug::PROTOCOL } else { "type `help`" },
        problem.num_variables(),
        problem.num_constraints(),
        match start {
            StartMode::Paused => "",
            StartMode::OnError => "; pausing only if the solve fails",
            StartMode::OnInterrupt => "; Ctrl-C to break in",
        }
    );
    let (source, sink): (Box<dyn debug::CommandSource>, Box<dyn debug::EventSink>) = if json {
        (Box::new(debug::ChannelSource::json_stdin()), Box::new(debug::JsonSink::new(std::io::stdout())))
    } else if std::io::stdin().is_terminal() {
        match debug::repl::ReplSource::new() {
            Ok(r) => (Box::new(r), Box::new(debug::TextSink::new(std::io::stderr()))),
            Err(e) => {
                eprintln!("ipax-dbg: no line editor ({e}); reading plain lines");
                (Box::new(debug::LineSource::new(std::io::stdin().lock(), debug::repl::PROMPT)), Box::new(debug::TextSink::new(std::io::stderr())))
            }
        }
    } else {
        (Box::new(debug::LineSource::new(std::io::stdin().lock(), debug::repl::PROMPT)), Box::new(debug::TextSink::new(std::io::stderr())))
    };
    let result = debug::run(problem, options, config, source, sink);
    eprintln!(
        "ipax: status {:?} ({}), objective {:.10e}, iterations {}",
        result.status,
        result.status.message(),
        result.objective,
        result.iterations
    );
    if result.status.is_success() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// The solver options grouped by category (name, type and range, default, description), read
/// from the option table.
fn option_listing() -> String {
    format!("Solver options (key=value, Ipopt names; [default]):\n{}", ipax::Options::listing(""))
}

/// A size given as a non-negative integer, in plain or scientific notation (`10000`, `1e4`).
fn parse_size(text: &str) -> Result<usize, String> {
    if let Ok(n) = text.parse::<usize>() {
        return Ok(n);
    }
    match text.parse::<f64>() {
        Ok(v) if v >= 0.0 && v.fract() == 0.0 && v < 1e18 => Ok(v as usize),
        _ => Err(format!("'{text}' is not a non-negative integer size (e.g. 1000 or 1e4)")),
    }
}
