//! The `ipax` command line: solve a built-in problem (more inputs arrive with the .nl reader).

use std::process::ExitCode;

use clap::Parser;

/// ipax: a matrix-free interior-point solver for nonlinear programs.
#[derive(Parser, Debug)]
#[command(name = "ipax", version, about)]
struct Cli {
    /// Solve a built-in problem from the testing registry (see --list-problems).
    #[arg(long)]
    problem: Option<String>,
    /// Size parameter for scalable problem families.
    #[arg(long)]
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
    /// Options as key=value (Ipopt names), e.g. tol=1e-10 mu_strategy=adaptive.
    options: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.list_options {
        for (name, kind, doc) in ipax::options::OPTION_TABLE {
            let kind = match kind {
                ipax::options::OptionKind::Number => "number".to_string(),
                ipax::options::OptionKind::Integer => "integer".to_string(),
                ipax::options::OptionKind::Choice(c) => c.join("|"),
            };
            println!("{name:<36} {kind:<28} {doc}");
        }
        return ExitCode::SUCCESS;
    }
    if cli.list_problems {
        for p in ipax::testing::list() {
            let f = p.f_star.map_or("-".to_string(), |f| format!("{f:.8e}"));
            println!("{:<24} n={:<6} m={:<6} f*={:<16} {:?}", p.name, p.n, p.m, f, p.expected);
        }
        return ExitCode::SUCCESS;
    }
    let mut options = ipax::Options::default();
    if let Some(path) = &cli.options_file
        && let Err(e) = options.apply_file(path)
    {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    for kv in &cli.options {
        let Some((k, v)) = kv.split_once('=') else {
            eprintln!("error: expected key=value, got '{kv}'");
            return ExitCode::from(2);
        };
        if let Err(e) = options.set(k, v) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    let Some(name) = cli.problem.as_deref() else {
        eprintln!("error: nothing to solve; pass --problem NAME (see --list-problems)");
        return ExitCode::from(2);
    };
    let problem = if cli.matrix_free { ipax::testing::get_matrix_free(name, cli.size) } else { ipax::testing::get(name, cli.size) };
    let Some(problem) = problem else {
        eprintln!("error: unknown problem '{name}' (see --list-problems)");
        return ExitCode::from(2);
    };
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
