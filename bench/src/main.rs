//! `ipax-bench`: run problems across sizes, KKT routes and Hessian sources; write a markdown
//! table, JSON and log-log SVG plots (with Ipopt's times where known). See `bench/README.md`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use ipax_bench::cases::{self, Case, Hessian, Route, Source};
use ipax_bench::runner::{self, RunConfig};
use ipax_bench::ipopt::IpoptTimes;
use ipax_bench::{BenchError, measure, plot, report};
use serde_json::json;

/// Benchmark ipax's KKT routes on scalable problems, HS problems and AMPL models.
#[derive(Parser, Debug)]
#[command(name = "ipax-bench", version, about)]
struct Cli {
    /// Problems: registry names, `hs` (all Hock–Schittkowski), `families` (all scalable) or `all`.
    #[arg(long, value_delimiter = ',', default_value = "families")]
    problems: Vec<String>,
    /// Target numbers of variables for scalable families (mapped to each family's size parameter).
    #[arg(long, value_delimiter = ',', default_value = "1e3,1e4")]
    sizes: Vec<String>,
    /// KKT routes: augmented, condensed-dense, condensed-cg (matrix-free, Jacobi), condensed-cg-ic (assembled, IC(0)), condensed-cg-amg (assembled, AMG).
    #[arg(long, value_delimiter = ',', default_value = "augmented,condensed-cg")]
    routes: Vec<String>,
    /// Hessian sources: exact, lbfgs.
    #[arg(long, value_delimiter = ',', default_value = "exact")]
    hessian: Vec<String>,
    /// Solves per case; the table shows the median time.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// AMPL .nl models to add to the run (each run once per route and Hessian).
    #[arg(long)]
    nl: Vec<PathBuf>,
    /// Output directory for results.md, results.json and the SVG plots.
    #[arg(long, default_value = "ipax-bench-results")]
    out: PathBuf,
    /// Time limit per solve in seconds: passed to ipax as max_wall_time, and the child process is
    /// killed if it is still running well after it.
    #[arg(long, default_value_t = 600.0)]
    timeout_secs: f64,
    /// Skip the condensed-dense route above this many variables (it stores an n×n matrix).
    #[arg(long, default_value_t = 5000)]
    dense_max_n: usize,
    /// Extra ipax option for every solve, `key=value` (Ipopt names); repeatable.
    #[arg(long)]
    option: Vec<String>,
    /// Do not run anything: merge these results.json files (later files override earlier rows of
    /// the same case) and write the table, JSON and plots of the union to --out.
    #[arg(long, num_args = 1..)]
    merge: Vec<PathBuf>,
    /// Do not run anything: redraw the `<family>.svg` plots of this results.json into --out
    /// (results.md and results.json are left as they are).
    #[arg(long, conflicts_with = "merge")]
    plot_only: Option<PathBuf>,
    /// Ipopt's times for the plots: the JSON written by `bench/nl_side_by_side/run.py`
    /// [default: bench/results/nl_side_by_side.json]. A missing file, or a family it lacks, gives
    /// plots without an Ipopt series.
    #[arg(long)]
    ipopt_json: Option<PathBuf>,
    /// Internal: run exactly one case in this process and print its measurement as JSON.
    #[arg(long, hide = true)]
    single: bool,
    /// Internal: the family size parameter for `--single`.
    #[arg(long, hide = true)]
    size_param: Option<usize>,
}

fn parse_list<T: std::str::FromStr<Err = BenchError>>(items: &[String]) -> Result<Vec<T>, BenchError> {
    items.iter().map(|s| s.parse()).collect()
}

fn parse_options(items: &[String]) -> Result<Vec<(String, String)>, BenchError> {
    items
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| BenchError::Parse(format!("expected key=value, got '{kv}'")))
        })
        .collect()
}

/// The `--single` child: one solve, one JSON line on stdout (`{"error": …}` if it cannot run).
fn single(cli: &Cli) -> ExitCode {
    let run = || -> Result<measure::Measurement, BenchError> {
        let route: Route = cli.routes.first().ok_or_else(|| BenchError::Parse("--routes missing".into()))?.parse()?;
        let hessian: Hessian = cli.hessian.first().ok_or_else(|| BenchError::Parse("--hessian missing".into()))?.parse()?;
        let source = match (cli.nl.first(), cli.problems.first()) {
            (Some(path), _) => Source::Nl(path.clone()),
            (None, Some(name)) => Source::Registry { name: name.clone(), size: cli.size_param },
            (None, None) => return Err(BenchError::Parse("no problem given".into())),
        };
        let case = Case { source, requested_n: None, route, hessian };
        measure::run_case(&case, &parse_options(&cli.option)?)
    };
    match run() {
        Ok(m) => {
            println!("{}", m.to_json());
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{}", json!({ "error": e.to_string() }));
            ExitCode::from(2)
        }
    }
}

fn write(path: &std::path::Path, text: &str) -> Result<(), BenchError> {
    std::fs::write(path, text).map_err(|source| BenchError::Io { path: path.display().to_string(), source })
}

/// Where Ipopt's times are read from when `--ipopt-json` is not given (relative to the repository
/// root, where the README's commands run).
const DEFAULT_IPOPT_JSON: &str = "bench/results/nl_side_by_side.json";

/// Ipopt's times for the plots. Read before any solve, so a malformed file stops the run at once
/// instead of after the last case.
fn ipopt_times(cli: &Cli) -> Result<IpoptTimes, BenchError> {
    let path = cli.ipopt_json.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_IPOPT_JSON));
    if cli.ipopt_json.is_some() && !path.exists() {
        eprintln!("note: {} does not exist; the plots have no Ipopt series", path.display());
    }
    IpoptTimes::load(&path)
}

fn run(cli: &Cli, ipopt: &IpoptTimes) -> Result<(), BenchError> {
    let sizes = cli.sizes.iter().map(|s| cases::parse_size(s)).collect::<Result<Vec<_>, _>>()?;
    let routes: Vec<Route> = parse_list(&cli.routes)?;
    let hessians: Vec<Hessian> = parse_list(&cli.hessian)?;
    let mut extra = parse_options(&cli.option)?;
    if !(cli.timeout_secs.is_finite() && cli.timeout_secs > 0.0) {
        return Err(BenchError::Parse("--timeout-secs must be positive".into()));
    }
    // Let the solver stop itself at the limit (it then reports MaxWallTime with its iteration
    // count); the hard kill below only catches a child stuck inside one long iteration.
    if !extra.iter().any(|(k, _)| k == "max_wall_time") {
        extra.push(("max_wall_time".into(), cli.timeout_secs.to_string()));
    }
    let problems = if cli.problems.is_empty() && !cli.nl.is_empty() { Vec::new() } else { cases::expand_problems(&cli.problems)? };
    let case_list = cases::build_cases(&problems, &cli.nl, &sizes, &routes, &hessians);
    if case_list.is_empty() {
        return Err(BenchError::Parse("nothing to run".into()));
    }
    let exe = std::env::current_exe().map_err(|e| BenchError::Spawn(e.to_string()))?;
    let cfg = RunConfig {
        repeat: cli.repeat.max(1),
        timeout: Duration::from_secs_f64(cli.timeout_secs * 1.2 + 10.0),
        extra_options: extra,
        dense_max_n: cli.dense_max_n,
    };
    eprintln!("ipax-bench: {} cases, {} repeat(s) each, results in {}", case_list.len(), cfg.repeat, cli.out.display());
    let rows = runner::run_all(&exe, &case_list, &cfg);

    let meta = json!({
        "ipax_version": env!("CARGO_PKG_VERSION"),
        "command": std::env::args().collect::<Vec<_>>(),
        "repeat": cfg.repeat,
        "timeout_secs": cli.timeout_secs,
        "available_parallelism": std::thread::available_parallelism().map(|n| n.get()).ok(),
        "unix_time": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).ok(),
    });
    write_outputs(&rows, &cli.out, meta, ipopt)
}

/// The rows of a results.json file and the parsed document.
fn read_results(path: &std::path::Path) -> Result<(Vec<runner::Row>, serde_json::Value), BenchError> {
    let text = std::fs::read_to_string(path).map_err(|source| BenchError::Io { path: path.display().to_string(), source })?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| BenchError::Parse(format!("{}: {e}", path.display())))?;
    Ok((report::rows_from_json(&doc)?, doc))
}

/// `--merge`: the union of earlier results files.
fn merge(cli: &Cli, ipopt: &IpoptTimes) -> Result<(), BenchError> {
    let mut lists = Vec::new();
    let mut sources = Vec::new();
    for path in &cli.merge {
        let (rows, doc) = read_results(path)?;
        lists.push(rows);
        sources.push(json!({ "file": path.display().to_string(), "meta": doc.get("meta") }));
    }
    let mut rows = report::merge_rows(lists);
    report::sort_rows(&mut rows);
    write_outputs(&rows, &cli.out, json!({ "merged_from": sources }), ipopt)
}

/// One `<family>.svg` per scalable family of `rows` in `out`: ipax's series per route/Hessian and,
/// where `ipopt` has the family, Ipopt's.
fn write_plots(rows: &[runner::Row], out: &std::path::Path, ipopt: &IpoptTimes) -> Result<(), BenchError> {
    std::fs::create_dir_all(out).map_err(|source| BenchError::Io { path: out.display().to_string(), source })?;
    let mut families: Vec<&str> = Vec::new();
    for fam in rows.iter().filter_map(|r| r.case.source.family()) {
        if !families.contains(&fam) {
            families.push(fam);
        }
    }
    for fam in families {
        let mut series = plot::family_series(rows, fam);
        series.extend(ipopt.series(fam));
        let path = out.join(format!("{fam}.svg"));
        write(&path, &plot::svg_loglog(&format!("{fam}: solver time vs n"), &series)?)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// Write `results.md`, `results.json` and the plots to `out`.
fn write_outputs(rows: &[runner::Row], out: &std::path::Path, meta: serde_json::Value, ipopt: &IpoptTimes) -> Result<(), BenchError> {
    std::fs::create_dir_all(out).map_err(|source| BenchError::Io { path: out.display().to_string(), source })?;
    let md = report::markdown(rows);
    println!("{md}");
    write(&out.join("results.md"), &md)?;
    let doc = report::json(rows, meta);
    let text = serde_json::to_string_pretty(&doc).map_err(|e| BenchError::Parse(e.to_string()))?;
    write(&out.join("results.json"), &text)?;
    write_plots(rows, out, ipopt)?;
    eprintln!("wrote {} and {}", out.join("results.md").display(), out.join("results.json").display());
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.single {
        // A solver child: its own process, so the command's allocator policy applies.
        ipax::process_memory::retain_freed_memory();
        return single(&cli);
    }
    let result = ipopt_times(&cli).and_then(|ipopt| match &cli.plot_only {
        Some(path) => read_results(path).and_then(|(rows, _)| write_plots(&rows, &cli.out, &ipopt)),
        None if !cli.merge.is_empty() => merge(&cli, &ipopt),
        None => run(&cli, &ipopt),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
