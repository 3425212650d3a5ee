//! `ipax --debug-json` end to end (issue 13): the CLI binary driven through pipes on HS071, on a
//! model with a redundant equality pair and .col/.row names, and on an infeasible model under
//! `--debug-on-error`. Every command family, the message shapes, request ids, async pause (in-band
//! and SIGINT) and the exit model.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use serde_json::{Value, json};

fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/debugger").join(name).display().to_string()
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("debugger_json");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A debugger process and its event stream.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    events: Receiver<Value>,
    log: Vec<Value>,
}

impl Client {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Client {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ipax"));
        cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
        cmd.env_remove("IPAX_DBG_LLM").env_remove("IPAX_DBG_VIEWER");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("ipax runs");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let line = line.unwrap();
                let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("stdout is pure JSON: {e}: {line}"));
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        let stdin = child.stdin.take();
        Client { child, stdin, events: rx, log: Vec::new() }
    }

    fn send_raw(&mut self, line: &str) {
        let s = self.stdin.as_mut().expect("stdin open");
        writeln!(s, "{line}").unwrap();
        s.flush().unwrap();
    }

    fn send(&mut self, cmd: &str) {
        self.send_raw(&json!(cmd).to_string());
    }

    /// The next event (a generous bound only turns a hang into a failure).
    fn next(&mut self) -> Value {
        match self.events.recv_timeout(Duration::from_secs(120)) {
            Ok(v) => {
                self.log.push(v.clone());
                v
            }
            Err(RecvTimeoutError::Timeout) => panic!("no event; so far: {:#?}", self.log),
            Err(RecvTimeoutError::Disconnected) => panic!("stdout closed; so far: {:#?}", self.log),
        }
    }

    /// Skip to the next event called `name` (progress events are skipped silently).
    fn until(&mut self, name: &str) -> Value {
        loop {
            let v = self.next();
            if v["event"] == name {
                return v;
            }
            assert!(
                v["event"] == "progress" || v["event"] == "result" || v["event"] == "sweep_result",
                "expected {name}, got {v}"
            );
        }
    }

    /// Send a command and return its result.
    fn cmd(&mut self, cmd: &str) -> Value {
        self.send(cmd);
        let r = self.until("result");
        assert_eq!(r["command"], cmd.trim(), "{r}");
        r
    }

    /// Send a command that must succeed.
    fn ok(&mut self, cmd: &str) -> Value {
        let r = self.cmd(cmd);
        assert_eq!(r["ok"], true, "{cmd}: {r}");
        r
    }

    /// Send a command that must fail, the session going on.
    fn fails(&mut self, cmd: &str) -> String {
        let r = self.cmd(cmd);
        assert_eq!(r["ok"], false, "{cmd} should fail: {r}");
        r["output"][0].as_str().unwrap().to_string()
    }

    /// Send a flow command; return the next pause.
    fn resume(&mut self, cmd: &str) -> Value {
        self.ok(cmd);
        self.until("pause")
    }

    fn wait(mut self) -> (i32, Vec<Value>) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        while let Ok(v) = self.events.recv_timeout(Duration::from_secs(30)) {
            self.log.push(v);
        }
        (status.code().unwrap_or(-1), self.log)
    }
}

fn hello_and_first_pause(c: &mut Client) -> Value {
    let hello = c.next();
    assert_eq!(hello["event"], "hello");
    c.until("pause")
}

#[test]
fn hello_pause_results_request_ids_bad_input_and_quit() {
    let mut c = Client::start(&["--problem", "hs071", "--debug-json"], &[]);
    let hello = c.next();
    assert_eq!(hello["event"], "hello");
    assert_eq!(hello["protocol"], "ipax-dbg/1");
    assert!(hello["ipax_version"].is_string());
    for cap in ["inspect", "mutate_iterate", "mutate_mu", "request_ids", "save", "load", "sweep", "resolve", "interruptible", "pause_command"] {
        assert_eq!(hello["capabilities"][cap], true, "{cap}");
    }
    assert_eq!(hello["capabilities"]["conditional_breakpoints"], "compound");
    assert_eq!(hello["capabilities"]["async_pause"], "checkpoint");
    for cp in ["iter_start", "after_mu", "after_search_dir", "after_step", "pre_restoration_entry", "post_restoration_exit", "terminated"] {
        assert!(hello["checkpoints"].as_array().unwrap().contains(&json!(cp)), "{cp}");
    }
    for e in ["resto_entered", "resto_exited", "regularized", "tiny_step", "ls_rejected", "mu_stalled", "nan"] {
        assert!(hello["events"].as_array().unwrap().contains(&json!(e)), "{e}");
    }
    assert!(hello["blocks"].as_array().unwrap().contains(&json!("dz_l")));
    assert!(hello["metrics"].as_array().unwrap().contains(&json!("inf_pr")));
    assert!(hello["commands"].as_array().unwrap().contains(&json!("multistart")));

    let p = c.until("pause");
    assert_eq!(p["checkpoint"], "iter_start");
    assert_eq!(p["iter"], 0);
    assert_eq!(p["status"], Value::Null);
    assert_eq!(p["reason"], "start");
    assert_eq!(p["dims"], json!({"x": 4, "s": 1, "y_c": 1, "y_d": 1, "z_l": 4, "z_u": 4, "v_l": 1, "v_u": 1}));
    for k in ["mu", "objective", "inf_pr", "inf_du", "nlp_error"] {
        assert!(p[k].is_number(), "{k}: {p}");
    }

    // An object command with args and an id; a bare string carrying arguments; ids of any type.
    c.send_raw(r#"{"cmd":"print","args":["x"],"id":7}"#);
    let r = c.until("result");
    assert_eq!(r["request_id"], 7);
    assert_eq!(r["ok"], true);
    assert_eq!(r["data"]["name"], "x");
    assert_eq!(r["data"]["values"].as_array().unwrap().len(), 4);
    assert!(r["output"][0].as_str().unwrap().starts_with("x = ["));
    c.send_raw(r#"{"cmd":"break if inf_du<1e-6","id":"b1"}"#);
    let r = c.until("result");
    assert_eq!((r["request_id"].clone(), r["ok"].clone()), (json!("b1"), json!(true)));
    let r = c.ok("print x[2]");
    assert_eq!(r["request_id"], Value::Null);
    assert_eq!(r["data"]["index"], 2);

    // Bad input never ends the session.
    c.send_raw("{this is not json");
    let r = c.until("result");
    assert_eq!(r["ok"], false);
    assert!(r["output"][0].as_str().unwrap().contains("malformed JSON"), "{r}");
    c.send_raw(r#"{"args":["x"],"id":9}"#);
    let r = c.until("result");
    assert_eq!((r["ok"].clone(), r["request_id"].clone()), (json!(false), json!(9)));
    let e = c.fails("contnue");
    assert!(e.contains("did you mean") && e.contains("continue"), "{e}");
    assert!(c.fails("print x[99]").contains("out of range"));
    assert!(c.fails("set x 1,2").contains("4 entries"));
    assert!(c.fails("print nosuch").contains("unknown block"));
    let e = c.ok("help");
    assert!(e["output"].as_array().unwrap().len() >= 30);

    // quit → UserStop, and every non-kill path ends with `terminated`.
    c.ok("quit");
    let t = c.until("terminated");
    assert_eq!(t["status"], "UserStop");
    assert!(t["status_message"].is_string());
    assert_eq!(t["iterations"], 0);
    for k in ["obj", "obj_grad", "constr", "constr_jac", "hess"] {
        assert!(t["evals"][k].is_u64(), "{k}: {t}");
    }
    let (code, _) = c.wait();
    assert_eq!(code, 1, "a stopped solve is not a success");
}

#[test]
fn flow_breakpoints_conditions_watchpoints_and_command_lists() {
    let mut c = Client::start(&["--problem", "hs071", "--debug-json"], &[]);
    hello_and_first_pause(&mut c);
    let p = c.resume("step");
    assert_eq!((p["iter"].clone(), p["checkpoint"].clone(), p["reason"].clone()), (json!(1), json!("iter_start"), json!("step")));
    let p = c.resume("n");
    assert_eq!(p["iter"], 2);
    // stepi walks an iteration's phases.
    let p = c.resume("stepi");
    assert_eq!(p["checkpoint"], "after_mu");
    let p = c.resume("step sub");
    assert_eq!(p["checkpoint"], "after_search_dir");
    let k = c.ok("print kkt");
    assert_eq!(k["data"]["expected"], json!({"positive": 4, "negative": 2, "zero": 0}));
    assert!(k["data"]["delta_w"].is_number());
    let d = c.ok("print dx");
    assert_eq!(d["data"]["values"].as_array().unwrap().len(), 4);
    let p = c.resume("si");
    assert_eq!(p["checkpoint"], "after_step");
    let p = c.resume("s");
    assert_eq!((p["iter"].clone(), p["checkpoint"].clone()), (json!(3), json!("iter_start")));

    // stop-at with an alias; list; clear.
    assert_eq!(c.ok("stop-at kkt")["output"][0], "stop at after_search_dir");
    assert!(c.fails("stop-at nowhere").contains("unknown checkpoint"));
    assert_eq!(c.ok("stop-at")["data"]["checkpoints"], json!(["after_search_dir"]));
    let p = c.resume("continue");
    assert_eq!((p["checkpoint"].clone(), p["reason"].clone()), (json!("after_search_dir"), json!("stop-at after_search_dir")));
    c.ok("stop-at clear");

    // run N; breakpoints by iteration with a command list that resumes; tbreak; listing.
    let p = c.resume("run 4");
    assert_eq!((p["iter"].clone(), p["reason"].clone()), (json!(4), json!("run 4")));
    assert_eq!(c.ok("check iter==4 && mu>0")["data"]["holds"], true);
    assert_eq!(c.ok("check inf_pr<0")["data"]["holds"], false);
    assert!(c.fails("check nonsense").contains("expected"));
    let st = c.ok("print step");
    assert!(st["data"]["alpha_primal"].as_f64().unwrap() > 0.0);
    c.ok("break 6");
    c.ok("commands 6 print mu ; watch mu ; continue");
    c.ok("tbreak 5");
    let l = c.ok("break");
    assert_eq!(l["data"]["iterations"].as_array().unwrap().len(), 2);
    let p = c.resume("c");
    assert_eq!((p["iter"].clone(), p["reason"].clone()), (json!(5), json!("tbreak 5")));
    assert_eq!(p["breakpoints"], json!([6]), "the tbreak deleted itself");
    // At 6 the command list prints μ, adds a watch and continues on its own...
    c.ok("break if iter>=7 && inf_du<1 || mu<0");
    c.send("continue");
    let mut saw = Vec::new();
    let p = loop {
        let v = c.next();
        if v["event"] == "pause" {
            if v["iter"] == 6 {
                assert_eq!(v["reason"], "breakpoint 6");
                saw.push("pause6");
                continue;
            }
            break v;
        }
        if v["event"] == "result" {
            saw.push(if v["command"] == "print mu" { "print mu" } else { "other" });
        }
    };
    assert!(saw.contains(&"pause6") && saw.contains(&"print mu"), "{saw:?}");
    // ...to the condition, evaluated left to right at iter_start; the watch rides on the pause.
    assert_eq!(p["iter"], 7);
    assert_eq!(p["reason"], "iter>=7 && inf_du<1 || mu<0");
    assert_eq!(p["watches"][0]["target"], "mu");
    assert!(p["watches"][0]["data"]["value"].is_number());
    assert!(c.fails("break if bogus<1").contains("unknown metric"));
    c.ok("break clear cond");
    c.ok("break del 6");
    assert!(c.fails("break del 6").contains("no breakpoint"));
    c.ok("watch clear");
    c.ok("break clear");
    // continue to the end: pause at terminated, then terminated.
    let p = c.resume("continue");
    assert_eq!(p["checkpoint"], "terminated");
    assert_eq!(p["status"], "Optimal");
    assert_eq!(c.ok("print obj")["data"]["value"].as_f64().map(|f| (f - 17.0140173).abs() < 1e-5), Some(true));
    c.ok("continue");
    let t = c.until("terminated");
    assert_eq!(t["status"], "Optimal");
    assert!((t["objective"].as_f64().unwrap() - 17.0140173).abs() < 1e-5);
    let (code, _) = c.wait();
    assert_eq!(code, 0);
}

#[test]
fn named_rows_rank_residuals_active_diagnose_options_and_completion() {
    let mut c = Client::start(&[&data("mass_balance.nl"), "--debug-json"], &[]);
    hello_and_first_pause(&mut c);
    // .col/.row names label blocks in solver space (through the layout).
    let x = c.ok("print x");
    assert_eq!(x["data"]["labels"], json!(["product", "waste", "feed"]));
    let y = c.ok("print y_c");
    let labels = y["data"]["labels"].as_array().unwrap().clone();
    assert!(labels.contains(&json!("mass_balance")) && labels.contains(&json!("mass_balance_dup")), "{y}");
    assert_eq!(c.ok("print s")["data"]["labels"], json!(["capacity"]));
    let r = c.ok("print residuals");
    let out = r["output"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_string()).collect::<Vec<_>>().join("\n");
    assert!(out.contains("c[mass_balance]") || out.contains("c[capacity]"), "{out}");
    assert!(out.contains("grad_x_L[product]") || out.contains("grad_x_L[waste]") || out.contains("grad_x_L[feed]"), "{out}");
    assert!(r["data"]["primal"][0]["name"].is_string());
    // The SVD names the redundant pair, half and half.
    let k = c.ok("print rank");
    assert_eq!((k["data"]["rank"].clone(), k["data"]["deficiency"].clone()), (json!(1), json!(1)));
    let culprits: Vec<String> = k["data"]["culprits"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(culprits.len(), 2);
    assert!(culprits.contains(&"mass_balance".into()) && culprits.contains(&"mass_balance_dup".into()));
    assert_eq!(k["data"]["cond"], Value::Null, "σ_min = 0");
    // The implicated rows' algebra, by name or by index.
    let e = c.ok("print equation mass_balance_dup");
    let algebra = e["data"]["algebra"].as_str().unwrap().to_string();
    assert!(algebra.ends_with("== 0") && algebra.contains("2*feed") && algebra.contains("2*product"), "{algebra}");
    assert!(e["output"][0].as_str().unwrap().starts_with("mass_balance_dup:  "));
    let by_index = c.ok(&format!("print equation {}", e["data"]["row"]));
    assert_eq!(by_index["data"]["algebra"], e["data"]["algebra"]);
    assert!(c.fails("print equation no_such_row").contains("no row"));
    let a = c.ok("print active");
    assert!(a["data"]["x_l"].is_array());
    let d = c.ok("diagnose");
    let codes: Vec<&str> = d["data"]["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"rank_deficient_jacobian"), "{codes:?}");
    assert_eq!(d["data"]["n_findings"].as_u64().unwrap() as usize, codes.len());
    // Options and completion.
    let o = c.ok("opt mu_");
    assert!(o["data"]["options"].as_array().unwrap().iter().any(|r| r["name"] == "mu_strategy"));
    let o = c.ok("opt mu_strategy");
    assert_eq!(o["data"]["name"], "mu_strategy");
    assert!(o["data"]["description"].is_string());
    assert!(c.fails("opt zzzz_nothing").contains("no option"));
    assert_eq!(c.ok("complete pri")["data"]["candidates"], json!(["print"]));
    assert!(c.ok("complete stop-at after_s")["data"]["candidates"].as_array().unwrap().contains(&json!("after_search_dir")));
    assert!(c.ok("complete set opt mu_str")["data"]["candidates"].as_array().unwrap().contains(&json!("mu_strategy")));
    // info and diff.
    let i = c.ok("info");
    assert_eq!(i["data"]["dims"]["y_c"], 2);
    c.resume("step");
    let d = c.ok("diff");
    assert_eq!(d["data"]["since"], 0);
    assert!(!d["data"]["changed"].as_array().unwrap().is_empty());
    // A watchpoint on x[0] (threshold 0: any change) fires at the next iter_start.
    c.ok("watchpoint x[0]");
    assert!(c.fails("watchpoint x[9]").contains("out of range"));
    assert_eq!(c.ok("wp")["output"][0], "watchpoint x[0] 0e0");
    let p = c.resume("c");
    assert!(p["reason"].as_str().unwrap().starts_with("watchpoint x[0]"), "{p}");
    c.ok("watchpoint clear");
    c.ok("quit");
    assert_eq!(c.until("terminated")["status"], "UserStop");
}

#[test]
fn mutation_time_travel_and_resolve() {
    let mut c = Client::start(&["--problem", "hs071", "--debug-json"], &[]);
    hello_and_first_pause(&mut c);
    c.resume("run 3");
    // set mu / an entry / a block: reported by the next print; bad requests change nothing.
    c.ok("set mu 0.05");
    assert_eq!(c.ok("print mu")["data"]["value"], 0.05);
    assert!(c.fails("set mu -1").contains("positive"));
    let x = c.ok("print x")["data"]["values"].clone();
    c.ok("set x[1] 4.5");
    assert_eq!(c.ok("print x[1]")["data"]["value"], 4.5);
    assert!(c.fails("set x[0] 99").contains("bounds"), "outside [1, 5]");
    let e = c.fails("set x 1,2,3");
    assert!(e.contains("4 entries"), "{e}");
    assert!(c.fails("set dx 1,2,3,4").contains("search direction"));
    c.ok(&format!("set x {}", x.as_array().unwrap().iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",")));
    assert_eq!(c.ok("print x")["data"]["values"], x);
    // A steered point re-fires iter_start; `step` goes on to the next iteration.
    let p = c.resume("step");
    assert_eq!(p["iter"], 4);
    c.resume("run 6");
    // goto rewinds and stays paused; restart goes to the first snapshot.
    let g = c.ok("goto 2");
    assert_eq!(g["data"]["iter"], 2);
    assert_eq!(c.ok("print iter")["data"]["value"], 2.0);
    assert!(c.fails("goto 40").contains("no snapshot"));
    let p = c.resume("step");
    assert_eq!(p["iter"], 3);
    c.ok("restart");
    assert_eq!(c.ok("print iter")["data"]["value"], 0.0);
    // set opt is validated and staged; resolve pauses at iteration 0 of the fresh solve.
    assert!(c.fails("set opt mu_strategy sideways").contains("mu_strategy"));
    assert!(c.fails("set opt no_such_option 1").contains("no_such_option"));
    c.ok("set opt mu_strategy adaptive");
    c.resume("run 4");
    let x4 = c.ok("print x")["data"]["values"].clone();
    let r = c.ok("resolve");
    assert_eq!(r["data"]["staged"], json!({"mu_strategy": "adaptive"}));
    let p = c.until("pause");
    assert_eq!((p["iter"].clone(), p["reason"].clone()), (json!(0), json!("resolve")));
    // The fresh solve starts from the captured x (pushed inside the bounds at most slightly).
    let x0 = c.ok("print x")["data"]["values"].clone();
    for (a, b) in x0.as_array().unwrap().iter().zip(x4.as_array().unwrap()) {
        assert!((a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-1, "{x0} vs {x4}");
    }
    c.ok("detach");
    let t = c.until("terminated");
    assert_eq!(t["status"], "Optimal");
    assert_eq!(c.wait().0, 0);
}

#[test]
fn artifacts_sweeps_multistart_and_ask() {
    let viz_copy = scratch("viz_copy.json");
    let _ = std::fs::remove_file(&viz_copy);
    let viewer = format!("cp {{}} {}", viz_copy.display());
    let mut c = Client::start(&["--problem", "hs071", "--debug-json"], &[("IPAX_DBG_VIEWER", &viewer)]);
    hello_and_first_pause(&mut c);
    c.resume("run 2");
    // save → load round trip.
    let saved = scratch("it2.json");
    let s = c.ok(&format!("save {}", saved.display()));
    assert_eq!(s["data"]["path"], saved.display().to_string());
    let artifact: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(artifact["iter"], 2);
    assert_eq!(artifact["iterate"]["x"].as_array().unwrap().len(), 4);
    assert!(artifact["step"]["dx"].is_array());
    let x2 = c.ok("print x")["data"]["values"].clone();
    c.resume("step");
    let l = c.ok(&format!("load {}", saved.display()));
    assert!(l["data"]["blocks"].as_array().unwrap().contains(&json!("x")));
    assert_eq!(c.ok("print x")["data"]["values"], x2);
    // A plain numeric file into x; a missing file and a wrong length are errors.
    let plain = scratch("start.csv");
    std::fs::write(&plain, "1.5, 4.5\n4.5 1.5\n").unwrap();
    c.ok(&format!("load {}", plain.display()));
    assert_eq!(c.ok("print x")["data"]["values"], json!([1.5, 4.5, 4.5, 1.5]));
    assert!(c.fails("load /nonexistent/start.csv").contains("cannot read"));
    let short = scratch("short.csv");
    std::fs::write(&short, "1.5, 4.5\n").unwrap();
    assert!(c.fails(&format!("load {}", short.display())).contains("4 entries"));
    // viz: the artifact reaches the viewer command.
    let v = c.ok("viz x");
    assert!(v["output"][0].as_str().unwrap().contains("IPAX_DBG_VIEWER"));
    let shown: Value = serde_json::from_str(&std::fs::read_to_string(&viz_copy).unwrap()).unwrap();
    assert_eq!((shown["kind"].clone(), shown["name"].clone()), (json!("block"), json!("x")));
    let v = c.ok("viz dx");
    assert!(v["data"]["path"].is_string());
    // L and D of the dense LDLᵀ HS071 is factored with (KKT dimension n + m = 6).
    c.ok("viz L");
    let shown: Value = serde_json::from_str(&std::fs::read_to_string(&viz_copy).unwrap()).unwrap();
    assert_eq!((shown["kind"].clone(), shown["dim"].clone()), (json!("L"), json!(6)));
    assert_eq!(shown["d_diag"].as_array().unwrap().len(), 6);
    assert!(c.fails("viz nothing").contains("unknown block"));
    // ask without IPAX_DBG_LLM: a clear message.
    assert!(c.fails("ask why?").contains("IPAX_DBG_LLM"));
    // sweep: one solve per start, then the summary; missing file and bad rows are errors.
    assert!(c.fails("sweep /nonexistent/starts.txt").contains("cannot read"));
    let bad = scratch("bad_starts.txt");
    std::fs::write(&bad, "1,2,3\n").unwrap();
    assert!(c.fails(&format!("sweep {}", bad.display())).contains("line 1"));
    let starts = scratch("starts.txt");
    std::fs::write(&starts, "# two starts\n1,5,5,1\n1.5 4 3.5 1.2\n").unwrap();
    c.ok(&format!("sweep {}", starts.display()));
    let mut results = Vec::new();
    let summary = loop {
        let v = c.next();
        match v["event"].as_str().unwrap() {
            "sweep_result" => results.push(v),
            "sweep_summary" => break v,
            "progress" => {}
            other => panic!("unexpected {other}: {v}"),
        }
    };
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["index"], 0);
    assert_eq!(results[0]["seed"], json!([1.0, 5.0, 5.0, 1.0]));
    for r in &results {
        assert_eq!(r["status"], "Optimal");
        assert!(r["iters"].is_u64() && r["inf_pr"].is_number());
    }
    assert_eq!((summary["solves"].clone(), summary["succeeded"].clone(), summary["distinct_minima"].clone()), (json!(2), json!(2), json!(1)));
    assert!((summary["best_objective"].as_f64().unwrap() - 17.0140173).abs() < 1e-5);
    // ... leaving a prompt on the final solve.
    let p = c.until("pause");
    assert_eq!((p["checkpoint"].clone(), p["reason"].clone()), (json!("terminated"), json!("sweep complete")));
    // multistart: start 0 is the current x, the rest sampled in the box [1, 5]⁴.
    let m = c.ok("multistart 3");
    assert_eq!(m["data"]["boxed"], 4);
    let mut seeds = Vec::new();
    loop {
        let v = c.next();
        match v["event"].as_str().unwrap() {
            "sweep_result" => seeds.push(v["seed"].clone()),
            "sweep_summary" => {
                assert_eq!(v["solves"], 3);
                break;
            }
            _ => {}
        }
    }
    assert_eq!(seeds.len(), 3);
    for s in &seeds[1..] {
        assert!(s.as_array().unwrap().iter().all(|v| (1.0..=5.0).contains(&v.as_f64().unwrap())));
    }
    assert_eq!(c.until("pause")["reason"], "sweep complete");
    c.ok("continue");
    assert_eq!(c.until("terminated")["status"], "Optimal");
    assert_eq!(c.wait().0, 0);
}

#[test]
fn ask_pipes_the_state_to_the_llm_command_and_source_runs_a_script() {
    let script = scratch("warmup.pdbg");
    std::fs::write(&script, "# warm-up\nbreak if inf_pr<1e-3\n\n// a comment\nwatch mu\ncontinue\nprint x\n").unwrap();
    let mut c = Client::start(&["--problem", "hs071", "--debug-json"], &[("IPAX_DBG_LLM", "cat")]);
    hello_and_first_pause(&mut c);
    let a = c.ok("ask why is inf_du large?");
    let reply = a["data"]["reply"].as_str().unwrap();
    assert!(reply.contains("Question: why is inf_du large?") && reply.contains("inertia"), "{reply}");
    assert!(c.fails("source /nonexistent.pdbg").contains("cannot read"));
    // source stops at `continue`; the condition then pauses the solve.
    c.ok(&format!("source {}", script.display()));
    let p = c.until("pause");
    assert_eq!(p["reason"], "inf_pr<1e-3");
    assert_eq!(p["watches"][0]["target"], "mu");
    c.ok("quit");
    c.until("terminated");
    c.wait();
}

#[test]
fn restoration_events_and_debug_on_error() {
    // Break on the event and step into the restoration phase.
    let mut c = Client::start(&[&data("infeasible.nl"), "--debug-json"], &[]);
    hello_and_first_pause(&mut c);
    c.ok("break on resto_entered");
    assert!(c.fails("break on bogus").contains("unknown event"));
    let p = c.resume("continue");
    assert_eq!((p["checkpoint"].clone(), p["reason"].clone()), (json!("pre_restoration_entry"), json!("event: resto_entered")));
    let mut p = c.resume("stepi");
    while p["in_restoration"] != true {
        p = c.resume("stepi");
    }
    assert_eq!(p["in_restoration"], true);
    c.ok("print x");
    c.ok("break clear events");
    c.ok("detach");
    assert_eq!(c.until("terminated")["status"], "Infeasible");
    assert_eq!(c.wait().0, 1);

    // --debug-on-error: no pause until the failed end; then a post-mortem.
    let mut c = Client::start(&[&data("infeasible.nl"), "--debug-json", "--debug-on-error"], &[]);
    assert_eq!(c.next()["event"], "hello");
    let p = c.until("pause");
    assert_eq!(p["checkpoint"], "terminated");
    assert_eq!(p["status"], "Infeasible");
    assert_eq!(p["reason"], "error: Infeasible");
    c.ok("print x");
    c.ok("print kkt");
    assert!(c.fails("set mu 0.1").contains("terminated"));
    c.ok("continue");
    assert_eq!(c.until("terminated")["status"], "Infeasible");
    assert_eq!(c.wait().0, 1);

    // A solve that succeeds never pauses under --debug-on-error.
    let c = Client::start(&["--problem", "hs071", "--debug-json", "--debug-on-error"], &[]);
    let (code, log) = c.wait();
    assert_eq!(code, 0);
    assert!(log.iter().all(|e| e["event"] != "pause"));
    assert_eq!(log.last().unwrap()["event"], "terminated");
}

/// A long solve (chained Rosenbrock, 2000 variables: thousands of iterations) to interrupt.
fn long_solve() -> Client {
    Client::start(&["--problem", "chained_rosenbrock", "--size", "2000", "--debug-json"], &[])
}

fn wait_for_progress(c: &mut Client) {
    loop {
        let v = c.next();
        assert_ne!(v["event"], "terminated", "the solve ended before the interrupt");
        if v["event"] == "progress" && v["iter"].as_u64().unwrap() >= 3 {
            return;
        }
    }
}

#[test]
fn async_pause_in_band_and_by_sigint_then_progress_toggle_and_eof_abort() {
    let mut c = long_solve();
    hello_and_first_pause(&mut c);
    c.ok("continue");
    wait_for_progress(&mut c);
    c.send_raw(r#"{"cmd":"pause","id":"p1"}"#);
    let p = c.until("pause");
    assert_eq!(p["reason"], "pause (requested)");
    let r = c.until("result");
    assert_eq!((r["request_id"].clone(), r["ok"].clone()), (json!("p1"), json!(true)));
    // SIGINT pauses too.
    c.ok("continue");
    wait_for_progress(&mut c);
    let pid = c.child.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let p = c.until("pause");
    assert_eq!(p["reason"], "interrupt (Ctrl-C)");
    // progress off: a run to the next iteration sends no progress events.
    assert_eq!(c.ok("progress off")["data"]["progress"], false);
    c.ok("step");
    let v = c.next();
    assert_eq!(v["event"], "pause", "no progress events while off: {v}");
    // EOF (the client is gone) aborts the solve, still with `terminated`.
    let (code, log) = c.wait();
    assert_eq!(log.last().unwrap()["event"], "terminated");
    assert_eq!(log.last().unwrap()["status"], "UserStop");
    assert_eq!(code, 1);
}

#[test]
fn two_sigints_abort_with_130() {
    let mut c = long_solve();
    hello_and_first_pause(&mut c);
    let pid = c.child.id().to_string();
    for _ in 0..2 {
        assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
        std::thread::sleep(Duration::from_millis(50));
    }
    let (code, _) = c.wait();
    assert_eq!(code, 130);
}

/// Run `problem` (with solver `options`, `key=value`) with one event breakpoint; the first pause
/// after the start.
fn first_event_with(problem: &str, event: &str, options: &[&str]) -> Value {
    let mut args = vec!["--problem", problem, "--debug-json"];
    args.extend_from_slice(options);
    let mut c = Client::start(&args, &[]);
    hello_and_first_pause(&mut c);
    assert_eq!(c.ok(&format!("break on {event}"))["output"][0], format!("event breakpoint: {event}"));
    let p = c.resume("continue");
    c.ok("quit");
    c.until("terminated");
    c.wait();
    p
}

/// [`first_event_with`] under default options.
fn first_event(problem: &str, event: &str) -> Value {
    first_event_with(problem, event, &[])
}

#[test]
fn event_breakpoints_pause_where_the_event_is_observable() {
    let p = first_event("hs108", "regularized");
    assert_eq!((p["checkpoint"].clone(), p["reason"].clone()), (json!("after_search_dir"), json!("event: regularized")));
    let p = first_event("hs013", "ls_rejected");
    assert_eq!((p["checkpoint"].clone(), p["reason"].clone()), (json!("step_rejected"), json!("event: ls_rejected")));
    let p = first_event("hs013", "mu_stalled");
    assert_eq!((p["checkpoint"].clone(), p["iter"].clone()), (json!("after_mu"), json!(2)), "μ held at iterations 0, 1, 2");
    let p = first_event("hs065", "resto_exited");
    assert_eq!((p["checkpoint"].clone(), p["reason"].clone()), (json!("post_restoration_exit"), json!("event: resto_exited")));
    // A tolerance below what double precision resolves: the last steps are tiny.
    let p = first_event_with("hs071", "tiny_step", &["tol=1e-14"]);
    assert_eq!((p["checkpoint"].clone(), p["reason"].clone()), (json!("after_search_dir"), json!("event: tiny_step")));
    // A condition on an event: μ stalls at iterations 2, 12, …; only the later stall counts.
    let mut c = Client::start(&["--problem", "hs013", "--debug-json"], &[]);
    hello_and_first_pause(&mut c);
    assert_eq!(c.ok("break on mu_stalled if iter>=10")["output"][0], "event breakpoint: mu_stalled if iter>=10");
    let p = c.resume("continue");
    assert_eq!((p["checkpoint"].clone(), p["iter"].clone()), (json!("after_mu"), json!(12)));
    // A conditional stop-at.
    c.ok("break clear events");
    c.ok("stop-at kkt if iter>=14");
    let p = c.resume("continue");
    assert_eq!((p["checkpoint"].clone(), p["iter"].clone()), (json!("after_search_dir"), json!(14)));
    c.ok("quit");
    c.until("terminated");
    c.wait();
    // A solve with no non-finite value never fires `nan`: the next pause is the end.
    let p = first_event("hs071", "nan");
    assert_eq!(p["checkpoint"], "terminated");
}

#[test]
fn debug_on_interrupt_runs_freely_until_a_sigint_breaks_in() {
    let mut c = Client::start(&["--problem", "chained_rosenbrock", "--size", "2000", "--debug-json", "--debug-on-interrupt"], &[]);
    assert_eq!(c.next()["event"], "hello");
    // No pause at iteration 0: the solve runs, reporting progress.
    wait_for_progress(&mut c);
    assert!(c.log.iter().all(|e| e["event"] != "pause"));
    let pid = c.child.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let p = c.until("pause");
    assert_eq!(p["reason"], "interrupt (Ctrl-C)");
    assert!(p["iter"].as_u64().unwrap() >= 3);
    // Broken in, the debugger steps like any other session.
    let q = c.resume("step");
    assert_eq!(q["checkpoint"], "iter_start");
    c.ok("quit");
    assert_eq!(c.until("terminated")["status"], "UserStop");
    assert_eq!(c.wait().0, 1);
}

#[test]
fn snapshots_are_bounded_on_long_solves() {
    let mut c = Client::start(&["--problem", "chained_rosenbrock", "--size", "200", "--debug-json"], &[]);
    hello_and_first_pause(&mut c);
    c.ok("progress off");
    assert_eq!(c.resume("run 300")["iter"], 300);
    // 256 snapshots at most: the first and the 255 most recent.
    let e = c.fails("goto 1");
    assert!(e.ends_with("(captured: 0, 46–300)"), "{e}");
    assert_eq!(c.ok("goto 100")["data"]["iter"], 100);
    c.ok("restart");
    assert_eq!(c.ok("print iter")["data"]["value"], 0.0);
    c.ok("quit");
    c.until("terminated");
    c.wait();
}
