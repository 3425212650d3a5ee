//! The `ipax` executable: built-in problems, .nl models with .sol output, AMPL's convention, errors.

use std::process::Command;

fn ipax() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ipax"))
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("problem/src/nl/testdata").join(name)
}

#[test]
fn solves_a_builtin_problem_and_prints_the_log() {
    let out = ipax().args(["--problem", "hs071"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("iter    objective"), "{text}");
    assert!(text.contains("status Optimal, objective 17.01401"), "{text}");
}

#[test]
fn json_output_and_unknown_option_suggestion() {
    let out = ipax().args(["--problem", "hs035", "--json", "print_level=0"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\"status\":\"Optimal\""), "{text}");
    let out = ipax().args(["--problem", "hs035", "max_itr=3"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean max_iter"));
}

#[test]
fn problem_list_says_what_each_family_size_means() {
    let out = ipax().arg("--list-problems").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    let line = text.lines().find(|l| l.starts_with("obstacle ")).expect("obstacle listed");
    assert!(line.contains("--size: interior grid points per side"), "{line}");
    assert!(!text.lines().find(|l| l.starts_with("hs071 ")).unwrap().contains("--size"));
}

#[test]
fn problem_names_and_sizes_are_checked_before_building() {
    // Scientific notation is accepted for sizes.
    let out = ipax().args(["--problem", "obstacle", "--size", "1e1", "--json", "print_level=0"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"status\":\"Optimal\""));
    // A grid side of 1e5 means 1e10 variables: a clear error, not an allocation abort.
    let out = ipax().args(["--problem", "obstacle", "--size", "100000"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("10000000000 variables") && err.contains("grid points per side"), "{err}");
    let out = ipax().args(["--problem", "vanderpool"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean vanderpol"));
    let out = ipax().args(["--problem", "obstacle", "--size", "2.5"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn solves_a_pyomo_nl_file_and_writes_a_sol_file() {
    let dir = std::env::temp_dir().join(format!("ipax-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stub = dir.join("hs071");
    std::fs::copy(fixture("hs071_pyomo.nl"), stub.with_extension("nl")).unwrap();
    let out = ipax().arg(&stub).arg("-AMPL").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sol = std::fs::read_to_string(stub.with_extension("sol")).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(sol.starts_with("ipax"), "{sol}");
    assert!(sol.contains("4.742999"), "{sol}");
    assert!(sol.trim_end().ends_with("objno 0 0"), "{sol}");
}

#[test]
fn malformed_nl_file_is_a_clear_error() {
    let path = std::env::temp_dir().join(format!("ipax-bad-{}.nl", std::process::id()));
    let good = std::fs::read_to_string(fixture("hs071_pyomo.nl")).unwrap();
    std::fs::write(&path, &good[..good.len() / 2]).unwrap();
    let out = ipax().arg(&path).output().unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line"), "{err}");
}

#[test]
fn dash_v_prints_the_version_like_other_ampl_solvers() {
    // Pyomo's ASL interface decides `available()` from the version in `ipax -v`'s output.
    let out = ipax().arg("-v").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(env!("CARGO_PKG_VERSION")), "{text}");
}

#[test]
fn ampl_mode_exits_zero_and_reports_failure_in_the_sol_file() {
    // Pyomo treats a non-zero exit code as a crash and never reads the .sol file, so an iteration
    // limit must arrive as solve_result_num 400 with exit code 0.
    let dir = std::env::temp_dir().join(format!("ipax-cli-limit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stub = dir.join("hs071");
    std::fs::copy(fixture("hs071_pyomo.nl"), stub.with_extension("nl")).unwrap();
    let out = ipax().arg(&stub).arg("-AMPL").env("ipax_options", "max_iter=1").output().unwrap();
    let sol = std::fs::read_to_string(stub.with_extension("sol"));
    std::fs::remove_file(stub.with_extension("sol")).ok();
    // Without -AMPL too, as Ipopt's executable: exit 0 once the solve ran, outcome in the .sol.
    let plain = ipax().arg(stub.with_extension("nl")).arg("max_iter=1").output().unwrap();
    let plain_sol = std::fs::read_to_string(stub.with_extension("sol"));
    std::fs::remove_dir_all(&dir).ok();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sol = sol.unwrap();
    assert!(sol.trim_end().ends_with("objno 0 400"), "{sol}");
    assert_eq!(plain.status.code(), Some(0));
    assert!(plain_sol.unwrap().trim_end().ends_with("objno 0 400"));
}

/// Run `ipax <args>` in `dir` (so relative paths resolve there).
fn ipax_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    ipax().current_dir(dir).args(args).output().unwrap()
}

#[test]
fn plain_call_writes_model_sol_beside_the_model_like_ipopt() {
    use ipax::problem::nl::read_sol;
    let dir = std::env::temp_dir().join(format!("ipax-cli-beside-{}", std::process::id()));
    let sub = dir.join("models");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::copy(fixture("hs071_pyomo.nl"), sub.join("model.nl")).unwrap();
    // `ipax models/model.nl` run from the parent directory: the .sol lands in models/, not in
    // the working directory.
    let out = ipax_in(&dir, &["models/model.nl", "print_level=0"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(sub.join("model.sol")).expect("model.sol beside the model");
    assert!(!dir.join("model.sol").exists());
    let sol = read_sol(&text).expect("a well-formed .sol");
    assert_eq!(sol.solve_result_num, Some(0), "{text}");
    assert_eq!((sol.x.len(), sol.y.len()), (4, 2));
    let hs071 = [1.0, 4.742999637, 3.821149984, 1.379408291];
    for (x, e) in sol.x.iter().zip(hs071) {
        assert!((x - e).abs() < 1e-6, "{:?}", sol.x);
    }
    // -o overrides the path (relative to the working directory).
    let out = ipax_in(&dir, &["models/model.nl", "-o", "elsewhere.sol", "print_level=0"]);
    assert!(out.status.success());
    let other = read_sol(&std::fs::read_to_string(dir.join("elsewhere.sol")).unwrap()).unwrap();
    assert_eq!(other.x, sol.x);
    // A stub without extension is completed to .nl, and the .sol follows the stub.
    std::fs::remove_file(sub.join("model.sol")).unwrap();
    let out = ipax_in(&dir, &["models/model", "print_level=0"]);
    assert!(out.status.success());
    assert!(sub.join("model.sol").exists());
    // An unreadable model writes nothing and exits 2.
    let out = ipax_in(&dir, &["models/missing.nl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!sub.join("missing.sol").exists());
    std::fs::remove_dir_all(&dir).ok();
}

/// min x0  s.t.  x0² + x1² ≤ -1 (no real point satisfies it).
const INFEASIBLE: &str = "g3 1 1 0\n 2 1 1 0 0\n 1 0\n 0 0\n 2 0 0\n 0 0 0 1\n 0 0 0 0 0\n 2 1\n 0 0\n 0 0 0 0 0\n\
    C0\no0\no5\nv0\nn2\no5\nv1\nn2\nO0 0\nn0\nr\n1 -1\nb\n3\n3\nx2\n0 1\n1 1\nk1\n1\nJ0 2\n0 0\n1 0\nG0 1\n0 1\n";

#[test]
fn infeasible_model_reports_code_200_and_exits_zero() {
    use ipax::problem::nl::read_sol;
    let text = INFEASIBLE;
    let dir = std::env::temp_dir().join(format!("ipax-cli-infeas-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("inf.nl"), text).unwrap();
    let out = ipax_in(&dir, &["inf.nl", "print_level=0"]);
    let sol = std::fs::read_to_string(dir.join("inf.sol"));
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let sol = read_sol(&sol.unwrap()).unwrap();
    assert_eq!(sol.solve_result_num, Some(200), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn help_lists_the_solver_options() {
    let out = ipax().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for name in ["tol", "max_iter", "mu_strategy", "hessian_approximation", "kkt_route", "linear_solver"] {
        assert!(text.contains(&format!("  {name} ")), "--help does not list {name}:\n{text}");
    }
}

/// Every text `.nl` the tests use (fixtures, the fuzzer's seed models, the infeasible model
/// above), by label.
fn text_models() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in ["hs071.nl", "hs071_pyomo.nl", "ops_pyomo.nl"] {
        out.push((f.to_string(), std::fs::read_to_string(fixture(f)).unwrap()));
    }
    out.push(("infeasible".to_string(), INFEASIBLE.to_string()));
    for (i, s) in ipax::problem::nl::fuzz::builtin_seeds().into_iter().enumerate() {
        out.push((format!("seed {i}"), s));
    }
    out
}

#[test]
fn every_text_model_solves_bit_identically_from_binary() {
    use ipax::problem::nl::{ByteOrder, NlProblem, text_to_binary};
    let options = ipax::Options { print_level: 0, ..Default::default() };
    for (label, text) in text_models() {
        let p = NlProblem::from_str(&text).unwrap_or_else(|e| panic!("{label}: {e}"));
        let a = ipax::solve(&p, &options);
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let q = NlProblem::from_bytes(&text_to_binary(&text, order).unwrap()).unwrap();
            let b = ipax::solve(&q, &options);
            assert_eq!((a.status, a.iterations), (b.status, b.iterations), "{label} {order:?}");
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a.x), bits(&b.x), "{label} {order:?}");
            assert_eq!(bits(&a.constraint_multipliers), bits(&b.constraint_multipliers), "{label} {order:?}");
        }
    }
}

#[test]
fn binary_nl_file_gives_the_same_sol_file_as_text() {
    use ipax::problem::nl::{ByteOrder, text_to_binary};
    let dir = std::env::temp_dir().join(format!("ipax-cli-binary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(fixture("ops_pyomo.nl")).unwrap();
    std::fs::write(dir.join("t.nl"), &text).unwrap();
    std::fs::write(dir.join("b.nl"), text_to_binary(&text, ByteOrder::Little).unwrap()).unwrap();
    let t = ipax_in(&dir, &["t.nl", "print_level=0"]);
    let b = ipax_in(&dir, &["b.nl", "print_level=0"]);
    let (ts, bs) = (std::fs::read_to_string(dir.join("t.sol")), std::fs::read_to_string(dir.join("b.sol")));
    std::fs::remove_dir_all(&dir).ok();
    assert!(t.status.success() && b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    let (ts, bs) = (ts.unwrap(), bs.unwrap());
    assert!(ts.trim_end().ends_with("objno 0 0"), "{ts}");
    // Shortest round-trip decimals: equal text means bit-identical x and duals.
    assert_eq!(ts, bs);
}

#[test]
fn model_beyond_the_element_hessian_budget_solves_with_an_approximation() {
    use ipax::problem::nl::read_sol;
    // 420 constraints sin(V) + x_j sharing V = Σ x_i²: 420·(420·421/2) = 3.7e7 element-Hessian
    // entries from a 60 kB file, above HESSIAN_ENTRY_LIMIT.
    let k = 420;
    let mut s = format!("g3 1 1 0\n {k} {k} 1 0 0\n {k} 0\n 0 0\n {k} 0 0\n 0 0 0 1\n 0 0 0 0 0\n 0 0\n 0 0\n 0 1 0 0 0\n");
    s.push_str(&format!("V{k} 0 0\no54\n{k}\n"));
    for i in 0..k {
        s.push_str(&format!("o2\nv{i}\nv{i}\n"));
    }
    for j in 0..k {
        s.push_str(&format!("C{j}\no0\no41\nv{k}\nv{j}\n"));
    }
    s.push_str("O0 0\nn0\nr\n");
    s.push_str(&"2 -0.5\n".repeat(k));
    s.push_str("b\n");
    s.push_str(&"0 -1 1\n".repeat(k));
    let dir = std::env::temp_dir().join(format!("ipax-cli-budget-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("shared.nl"), &s).unwrap();
    let out = ipax_in(&dir, &["shared.nl", "max_iter=1", "print_level=0"]);
    let sol = std::fs::read_to_string(dir.join("shared.sol"));
    std::fs::remove_dir_all(&dir).ok();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("Hessian is approximated"), "{err}");
    let sol = read_sol(&sol.unwrap()).unwrap();
    assert_eq!(sol.x.len(), k);
    assert!(sol.solve_result_num.is_some_and(|c| c < 600), "{:?}", sol.solve_result_num);
}
