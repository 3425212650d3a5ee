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
