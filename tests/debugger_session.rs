//! The in-process debugger API (`ipax::debug::Session`) and zero cost when detached (issue 13): a
//! session that detaches at iteration 0 ends bit-identical to a solve without a debugger.

use ipax::debug::{Config, Event, Session};
use ipax::{Options, SolveStatus};
use serde_json::json;

fn quiet() -> Options {
    Options { print_level: 0, ..Default::default() }
}

fn detached_at_zero(name: &'static str) -> ipax::SolveResult {
    let s = Session::spawn(move || ipax_testing::get(name, None).unwrap(), quiet(), Config::default());
    assert!(matches!(s.events.recv().unwrap(), Event::Hello(_)));
    assert!(matches!(s.events.recv().unwrap(), Event::Pause(_)));
    s.send("detach");
    s.join()
}

#[test]
fn a_session_detached_at_iteration_0_changes_nothing() {
    for name in ["hs071", "hs013", "hs108", "hs065", "rosenbrock", "hs118"] {
        let plain = ipax::solve(ipax_testing::get(name, None).unwrap().as_ref(), &quiet());
        let debugged = detached_at_zero(name);
        assert_eq!(plain.status, debugged.status, "{name}");
        assert_eq!(plain.iterations, debugged.iterations, "{name}");
        assert_eq!(plain.evaluations, debugged.evaluations, "{name}");
        assert_eq!(plain.objective.to_bits(), debugged.objective.to_bits(), "{name}");
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&plain.x), bits(&debugged.x), "{name}");
        assert_eq!(bits(&plain.constraint_multipliers), bits(&debugged.constraint_multipliers), "{name}");
    }
}

#[test]
fn the_channel_api_drives_a_solve() {
    let s = Session::spawn(|| ipax_testing::get("hs071", None).unwrap(), quiet(), Config::default());
    let Event::Hello(h) = s.events.recv().unwrap() else { panic!("hello first") };
    assert_eq!(h["protocol"], "ipax-dbg/1");
    let Event::Pause(p) = s.events.recv().unwrap() else { panic!("then the pause") };
    assert_eq!(p["iter"], 0);
    s.request("print x", json!(5));
    match s.events.recv().unwrap() {
        Event::Result { request_id, command, result } => {
            assert_eq!((request_id, command.as_str()), (Some(json!(5)), "print x"));
            assert!(result.ok);
            assert_eq!(result.data.unwrap()["values"].as_array().unwrap().len(), 4);
        }
        other => panic!("{other:?}"),
    }
    s.send("break 3");
    s.send("continue");
    let p = loop {
        if let Event::Pause(p) = s.events.recv().unwrap() {
            break p;
        }
    };
    assert_eq!((p["iter"].clone(), p["reason"].clone()), (json!(3), json!("breakpoint 3")));
    s.send("detach");
    let (result, events) = s.finish();
    assert_eq!(result.status, SolveStatus::Optimal);
    let Some(Event::Terminated(t)) = events.last() else { panic!("terminated last: {events:?}") };
    assert_eq!(t["status"], "Optimal");
    assert!(events.iter().any(|e| matches!(e, Event::Progress(_))), "progress while running");
}

#[test]
fn odd_input_gets_an_answer_and_the_session_goes_on() {
    let s = Session::spawn(|| ipax_testing::get("hs071", None).unwrap(), quiet(), Config::default());
    s.events.recv().unwrap();
    s.events.recv().unwrap();
    let odd = [
        "→x", "é", "x[", "set", "set x[", "set x[0]", "set x[a] 1", "set mu", "set opt", "print x[-1]", "print x[", "goto", "goto -1",
        "run -3", "run", "commands", "commands 3", "commands x y", "commands 3 frobnicate", "load", "sweep", "multistart",
        "multistart 0", "multistart 2 -1", "viz", "viz x[0]", "save /nonexistent/dir/f.json", "stop-at if", "stop-at kkt if",
        "stop-at kkt if mu<", "break on", "break if", "break if (", "break del x", "break 1 2 3", "watch del", "watch nosuch",
        "watchpoint x[1] -1", "watchpoint q", "progress maybe", "opt", "complete", "complete set opt ", "tbreak", "tbreak x",
        "check", "print", "p", "diff", "restart", "help", "info", "diagnose", "print rank", "print active", "print residuals",
    ];
    for (k, line) in odd.iter().enumerate() {
        s.request(line, json!(k));
        match s.events.recv().unwrap() {
            Event::Result { request_id, .. } => assert_eq!(request_id, Some(json!(k)), "{line}"),
            other => panic!("{line}: {other:?}"),
        }
    }
    s.send("quit");
    let (result, events) = s.finish();
    assert_eq!(result.status, SolveStatus::UserStop);
    assert!(matches!(events.last(), Some(Event::Terminated(_))));
}

/// Every problem of the testing registry (default sizes and route): detaching at iteration 0
/// leaves the whole result bit-identical, as the oracle table requires.
#[test]
fn every_registry_problem_is_bit_identical_when_detached_at_iteration_0() {
    let mut differ = Vec::new();
    for info in ipax_testing::list() {
        let name = info.name;
        let plain = ipax::solve(ipax_testing::get(name, None).unwrap().as_ref(), &quiet());
        let debugged = detached_at_zero(name);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        if plain.status != debugged.status
            || plain.iterations != debugged.iterations
            || plain.evaluations != debugged.evaluations
            || plain.objective.to_bits() != debugged.objective.to_bits()
            || bits(&plain.x) != bits(&debugged.x)
        {
            differ.push(format!("{name}: {:?} {} vs {:?} {}", plain.status, plain.iterations, debugged.status, debugged.iterations));
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
}
