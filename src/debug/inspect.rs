//! Inspection: `info`, `print` of blocks and scalars, `print kkt`, `print active`,
//! `print residuals` (labelled with `.col`/`.row` names), `print rank`, `diagnose`, `diff`.

use ipax_core::{LinearOperator, Problem};
use ipax_ipm::{Block, IterationView};
use ipax_problem::diagnostics::{DiagnoseInput, IterateSample, Labels, diagnose, rank_report};
use serde_json::{Value, json};

use super::protocol::CmdResult;

/// The iterate blocks (not the direction).
pub const ITERATE_BLOCKS: [Block; 8] = [Block::X, Block::S, Block::YC, Block::YD, Block::ZL, Block::ZU, Block::VL, Block::VU];

/// Block lengths, as the pause event's `dims`.
pub fn dims(view: &IterationView<'_>) -> Value {
    let mut m = serde_json::Map::new();
    for b in ITERATE_BLOCKS {
        m.insert(b.name().into(), json!(view.block(b).map(|v| v.len()).unwrap_or(0)));
    }
    Value::Object(m)
}

/// A finite number as JSON, `null` otherwise (JSON has no infinities).
pub fn jnum(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}

/// The model's name of entry `i` of `block` (through the layout's maps back to user indices),
/// when the model has names and the block is of the original problem.
pub fn entry_label(view: &IterationView<'_>, problem: &dyn Problem, block: Block, i: usize) -> Option<String> {
    if view.in_restoration() {
        return None;
    }
    let layout = view.layout();
    match block.base() {
        Block::X | Block::ZL | Block::ZU => {
            let j = *layout.variables.get(i)?;
            problem.variable_names()?.get(j).cloned()
        }
        Block::YC => {
            let r = *layout.equality_rows.get(i)?;
            problem.constraint_names()?.get(r).cloned()
        }
        _ => {
            let r = *layout.inequality_rows.get(i)?;
            problem.constraint_names()?.get(r).cloned()
        }
    }
}

fn fmt_vec(values: &[f64]) -> String {
    let shown: Vec<String> = if values.len() <= 40 {
        values.iter().map(|v| format!("{v:.6e}")).collect()
    } else {
        let mut s: Vec<String> = values[..20].iter().map(|v| format!("{v:.6e}")).collect();
        s.push(format!("… ({} more) …", values.len() - 25));
        s.extend(values[values.len() - 5..].iter().map(|v| format!("{v:.6e}")));
        s
    };
    format!("[{}]", shown.join(", "))
}

/// `print <block>` or `print <block>[i]`.
pub fn print_block(view: &IterationView<'_>, problem: &dyn Problem, block: Block, index: Option<usize>) -> CmdResult {
    let values = match view.block(block) {
        Ok(v) => v,
        Err(e) => return CmdResult::err(e.to_string()),
    };
    match index {
        Some(i) => {
            let Some(v) = values.get(i) else {
                return CmdResult::err(format!("index {i} is out of range for {} (length {})", block.name(), values.len()));
            };
            let label = entry_label(view, problem, block, i);
            let suffix = label.as_ref().map(|l| format!("   ({l})")).unwrap_or_default();
            CmdResult::line(format!("{}[{i}] = {v:.9e}{suffix}", block.name()))
                .with_data(json!({"name": block.name(), "index": i, "value": jnum(*v), "label": label}))
        }
        None => {
            let labels: Vec<Value> =
                (0..values.len()).map(|i| entry_label(view, problem, block, i).map_or(Value::Null, Value::String)).collect();
            let has_labels = labels.iter().any(|l| !l.is_null());
            let mut data = json!({"name": block.name(), "values": values.iter().map(|v| jnum(*v)).collect::<Vec<_>>()});
            if has_labels {
                data["labels"] = Value::Array(labels);
            }
            CmdResult::line(format!("{} = {}", block.name(), fmt_vec(&values))).with_data(data)
        }
    }
}

/// A scalar by name (`mu`, `obj`, `inf_pr`, `inf_du`, `err`, `compl`, `iter`, `tau`).
pub fn scalar(view: &IterationView<'_>, name: &str) -> Option<f64> {
    let e = || view.errors();
    Some(match name {
        "mu" => view.mu(),
        "obj" | "objective" => e().objective,
        "inf_pr" => e().constraint_violation,
        "inf_du" => e().dual_infeasibility,
        "err" | "nlp_error" => e().overall,
        "compl" => e().complementarity,
        "iter" => view.iteration() as f64,
        "tau" => view.tau(),
        _ => return None,
    })
}

/// `info`.
pub fn info(view: &IterationView<'_>) -> CmdResult {
    let e = view.errors();
    let d = dims(view);
    let dims_text: Vec<String> =
        d.as_object().map(|o| o.iter().map(|(k, v)| format!("{k}={v}")).collect()).unwrap_or_default();
    let status = view.status().map(|s| format!("{s:?}"));
    let mut lines = vec![
        format!("iter      = {}", view.iteration()),
        format!("checkpoint= {}", view.checkpoint().name()),
        format!("mu        = {:.6e}", view.mu()),
        format!("objective = {:.8e}", e.objective),
        format!("inf_pr    = {:.6e}", e.constraint_violation),
        format!("inf_du    = {:.6e}", e.dual_infeasibility),
        format!("compl     = {:.6e}", e.complementarity),
        format!("nlp_error = {:.6e}", e.overall),
        format!("dims      = {}", dims_text.join(" ")),
    ];
    if view.in_restoration() {
        lines.push("phase     = restoration".into());
    }
    if let Some(s) = &status {
        lines.push(format!("status    = {s}"));
    }
    CmdResult::ok(lines).with_data(json!({
        "iter": view.iteration(),
        "checkpoint": view.checkpoint().name(),
        "in_restoration": view.in_restoration(),
        "mu": jnum(view.mu()),
        "objective": jnum(e.objective),
        "inf_pr": jnum(e.constraint_violation),
        "inf_du": jnum(e.dual_infeasibility),
        "compl": jnum(e.complementarity),
        "nlp_error": jnum(e.overall),
        "dims": d,
        "status": status,
    }))
}

/// `print kkt`: inertia of the last factorization against the expected `(n + n_s, m, 0)`, and the
/// regularizations δ_w, δ_c.
pub fn kkt(view: &IterationView<'_>) -> CmdResult {
    let len = |b: Block| view.block(b).map(|v| v.len()).unwrap_or(0);
    let n_minus = len(Block::YC) + len(Block::YD);
    let k = view.step().kkt;
    // The factored system is [W + Σ + δ_w I, Jᵀ; J, −δ_c I]: over (x, s) when the slacks are
    // kept, over x alone when they are condensed out (Σ_s folded into the inequality rows). The
    // expected inertia is (primal unknowns, rows, 0) for whichever was factored.
    let n_full = len(Block::X) + len(Block::S);
    let n_plus = match k.inertia {
        Some((p, n, z)) if p + n + z == len(Block::X) + n_minus => len(Block::X),
        _ => n_full,
    };
    let (inertia_text, correct) = match k.inertia {
        Some((p, n, z)) => {
            let ok = p == n_plus && n == n_minus && z == 0;
            let verdict = match (ok, k.curvature_test) {
                (true, _) => "correct",
                (false, true) => "WRONG, step kept by the curvature test (neg_curv_test_tol)",
                (false, false) => "WRONG",
            };
            (format!("n+={p} n-={n} n0={z} (expected n+={n_plus} n-={n_minus}) → {verdict}"), Some(ok))
        }
        None => ("not reported by this linear solver".to_string(), None),
    };
    let lines = vec![
        format!("dim       = {}", n_plus + n_minus),
        format!("inertia   = {inertia_text}"),
        format!("delta_w   = {:.6e}   (primal regularization)", k.delta_w),
        format!("delta_c   = {:.6e}   (dual regularization)", k.delta_c),
        format!("factorizations = {}   (rejected: {} singular, {} wrong inertia)", k.factorizations, k.singular_trials, k.wrong_inertia_trials),
        format!("residual  = {:.3e}   (relative, after refinement)", k.residual),
        format!("krylov    = {}", k.krylov_iterations),
    ];
    CmdResult::ok(lines).with_data(json!({
        "dim": n_plus + n_minus,
        "inertia": k.inertia.map(|(p, n, z)| json!({"positive": p, "negative": n, "zero": z})),
        "expected": {"positive": n_plus, "negative": n_minus, "zero": 0},
        "inertia_correct": correct,
        "curvature_test": k.curvature_test,
        "delta_w": jnum(k.delta_w),
        "delta_c": jnum(k.delta_c),
        "factorizations": k.factorizations,
        "singular_trials": k.singular_trials,
        "wrong_inertia_trials": k.wrong_inertia_trials,
        "residual": jnum(k.residual),
        "krylov_iterations": k.krylov_iterations,
    }))
}

/// `print step`: the last step's lengths and line-search statistics.
pub fn step(view: &IterationView<'_>) -> CmdResult {
    let s = view.step();
    CmdResult::ok(vec![
        format!("alpha_pr  = {:.6e}", s.alpha_primal),
        format!("alpha_du  = {:.6e}", s.alpha_dual),
        format!("||d||     = {:.6e}   (‖α d_x‖∞)", s.step_norm),
        format!("delta_w   = {:.6e}", s.regularization),
        format!("ls_trials = {}", s.line_search_trials),
        format!("tag       = {}", if s.tag.is_empty() { "-" } else { s.tag }),
    ])
    .with_data(json!({
        "alpha_primal": jnum(s.alpha_primal),
        "alpha_dual": jnum(s.alpha_dual),
        "step_norm": jnum(s.step_norm),
        "regularization": jnum(s.regularization),
        "line_search_trials": s.line_search_trials,
        "tag": s.tag,
    }))
}

fn bounds(problem: &dyn Problem) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let (n, m) = (problem.num_variables(), problem.num_constraints());
    let (mut xl, mut xu, mut cl, mut cu) = (vec![0.0; n], vec![0.0; n], vec![0.0; m], vec![0.0; m]);
    problem.variable_bounds(&mut xl, &mut xu);
    problem.constraint_bounds(&mut cl, &mut cu);
    (xl, xu, cl, cu)
}

/// `print active`: variables and inequality rows whose slack to a bound is below
/// `1e-6·max(1, |bound|)` (user space).
pub fn active(view: &IterationView<'_>, problem: &dyn Problem) -> CmdResult {
    let x = view.x();
    let labels = Labels::of(problem);
    let (xl, xu, cl, cu) = bounds(problem);
    let mut c = vec![0.0; problem.num_constraints()];
    if !c.is_empty()
        && let Err(e) = problem.constraints(&x, &mut c)
    {
        return CmdResult::err(format!("cannot evaluate c(x): {e}"));
    }
    let near = |v: f64, b: f64| b.is_finite() && (v - b).abs() <= 1e-6 * b.abs().max(1.0);
    // (category, [(index, name, slack)]).
    type Near = Vec<(usize, String, f64)>;
    let mut cats: Vec<(&str, Near)> = vec![("x_l", vec![]), ("x_u", vec![]), ("c_l", vec![]), ("c_u", vec![])];
    for j in 0..x.len() {
        if xl[j] == xu[j] {
            continue;
        }
        if near(x[j], xl[j]) {
            cats[0].1.push((j, labels.col(j), x[j] - xl[j]));
        }
        if near(x[j], xu[j]) {
            cats[1].1.push((j, labels.col(j), xu[j] - x[j]));
        }
    }
    for i in 0..c.len() {
        if cl[i] == cu[i] {
            continue;
        }
        if near(c[i], cl[i]) {
            cats[2].1.push((i, labels.row(i), c[i] - cl[i]));
        }
        if near(c[i], cu[i]) {
            cats[3].1.push((i, labels.row(i), cu[i] - c[i]));
        }
    }
    let mut lines = Vec::new();
    let mut data = serde_json::Map::new();
    for (name, items) in &cats {
        let names: Vec<&str> = items.iter().take(10).map(|(_, l, _)| l.as_str()).collect();
        let more = if items.len() > 10 { format!(" … (+{})", items.len() - 10) } else { String::new() };
        lines.push(format!("{name:<4}: {} near-active{}{}", items.len(), if items.is_empty() { "" } else { ": " }, names.join(", ") + &more));
        data.insert(
            (*name).into(),
            Value::Array(items.iter().map(|(i, l, s)| json!({"index": i, "name": l, "slack": jnum(*s)})).collect()),
        );
    }
    CmdResult::ok(lines).with_data(Value::Object(data))
}

/// `print residuals`: the largest constraint residuals (equalities `c − b`, inequalities' bound
/// violation) and stationarity residuals `∇f + Jᵀy − z_L + z_U`, in the user's space, labelled
/// with `.row`/`.col` names.
pub fn residuals(view: &IterationView<'_>, problem: &dyn Problem) -> CmdResult {
    let x = view.x();
    let (y, zl, zu) = (view.y(), view.z_l(), view.z_u());
    let labels = Labels::of(problem);
    let (xl, xu, cl, cu) = bounds(problem);
    let m = problem.num_constraints();
    let mut c = vec![0.0; m];
    let mut grad = vec![0.0; x.len()];
    if let Err(e) = problem.gradient(&x, &mut grad) {
        return CmdResult::err(format!("cannot evaluate ∇f(x): {e}"));
    }
    if m > 0 {
        if let Err(e) = problem.constraints(&x, &mut c) {
            return CmdResult::err(format!("cannot evaluate c(x): {e}"));
        }
        match problem.jacobian(&x) {
            Ok(j) if y.len() == m => j.apply_transpose(1.0, &y, 1.0, &mut grad),
            Ok(_) => {}
            Err(e) => return CmdResult::err(format!("cannot evaluate J(x): {e}")),
        }
    }
    let mut primal: Vec<(usize, f64)> = (0..m)
        .map(|i| {
            // Equalities: c − b (signed); inequalities: the distance outside [c_L, c_U].
            let r = if cl[i] == cu[i] || c[i] < cl[i] {
                c[i] - cl[i]
            } else if c[i] > cu[i] {
                c[i] - cu[i]
            } else {
                0.0
            };
            (i, r)
        })
        .collect();
    let mut dual: Vec<(usize, f64)> = (0..x.len())
        .filter(|&j| xl[j] != xu[j])
        .map(|j| (j, grad[j] - zl.get(j).copied().unwrap_or(0.0) + zu.get(j).copied().unwrap_or(0.0)))
        .collect();
    primal.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    dual.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    let top = 10;
    let mut lines = vec![format!("constraint residuals (largest {} of {m}):", top.min(m))];
    for (i, r) in primal.iter().take(top) {
        lines.push(format!("  c[{}] = {r:+.3e}   |{:.3e}|", labels.row(*i), r.abs()));
    }
    lines.push(format!("stationarity residuals grad_x_L (largest {} of {}):", top.min(dual.len()), dual.len()));
    for (j, r) in dual.iter().take(top) {
        lines.push(format!("  grad_x_L[{}] = {r:+.3e}   |{:.3e}|", labels.col(*j), r.abs()));
    }
    let names_r = problem.constraint_names().filter(|v| v.len() == m);
    let names_c = problem.variable_names().filter(|v| v.len() == x.len());
    let entry = |i: usize, r: f64, names: &Option<Vec<String>>| {
        let mut o = json!({"index": i, "value": jnum(r)});
        if let Some(n) = names.as_ref().and_then(|n| n.get(i)) {
            o["name"] = json!(n);
        }
        o
    };
    CmdResult::ok(lines).with_data(json!({
        "primal": primal.iter().take(top).map(|(i, r)| entry(*i, *r, &names_r)).collect::<Vec<_>>(),
        "dual": dual.iter().take(top).map(|(j, r)| entry(*j, *r, &names_c)).collect::<Vec<_>>(),
        "primal_max": jnum(primal.first().map_or(0.0, |p| p.1.abs())),
        "dual_max": jnum(dual.first().map_or(0.0, |d| d.1.abs())),
    }))
}

/// `print rank`: the SVD rank of the equality Jacobian at the current x (see
/// [`ipax_problem::diagnostics::rank_report`]).
pub fn rank(view: &IterationView<'_>, problem: &dyn Problem) -> CmdResult {
    let x = view.x();
    match rank_report(problem, &x) {
        Err(e) => CmdResult::err(e.to_string()),
        Ok(None) => CmdResult::err("print rank: the problem has no equality constraints (or J_c is too large to form densely)"),
        Ok(Some(r)) => {
            let m = r.rows.len();
            let cond = if r.sigma_min > 0.0 { jnum(r.sigma_max / r.sigma_min) } else { Value::Null };
            let mut lines: Vec<String> = r.to_string().lines().map(String::from).collect();
            if r.deficiency == 0 {
                lines.push("J_c has full row rank at this iterate.".into());
            }
            CmdResult::ok(lines).with_data(json!({
                "iter": view.iteration(),
                "n_rows": m,
                "n_cols": r.n_cols,
                "rank": r.rank,
                "deficiency": r.deficiency,
                "rank_deficient": r.deficiency > 0,
                "sigma_max": jnum(r.sigma_max),
                "sigma_min": jnum(r.sigma_min),
                "cond": cond,
                "tol": jnum(r.tol),
                "singular_values": r.singular_values.iter().map(|v| jnum(*v)).collect::<Vec<_>>(),
                "culprits": r.culprits.iter().zip(&r.culprit_names).map(|((row, w), name)| json!({
                    "row": row, "kind": "c", "index": row, "name": name, "label": format!("c[{name}]"), "weight": jnum(*w),
                })).collect::<Vec<_>>(),
            }))
        }
    }
}

/// `diagnose`: the ranked findings at the current point, with the iterations sampled so far.
pub fn diagnose_here(view: &IterationView<'_>, problem: &dyn Problem, samples: &[IterateSample], tol: f64) -> CmdResult {
    let (x, y, zl, zu) = (view.x(), view.y(), view.z_l(), view.z_u());
    let input = DiagnoseInput {
        problem,
        x: &x,
        y: &y,
        z_l: &zl,
        z_u: &zu,
        samples,
        expected_negative: view.layout().equality_rows.len() + view.layout().inequality_rows.len(),
        converged: view.status().is_some_and(|s| s.is_success()),
        tol,
    };
    match diagnose(&input) {
        Err(e) => CmdResult::err(e.to_string()),
        Ok(report) => {
            let lines: Vec<String> = report.findings.iter().map(|f| f.to_string()).collect();
            CmdResult::ok(lines).with_data(json!({
                "iter": view.iteration(),
                "n_findings": report.findings.len(),
                "findings": report.findings.iter().map(|f| json!({"severity": f.severity.name(), "code": f.code, "message": f.message})).collect::<Vec<_>>(),
            }))
        }
    }
}
