//! Artifacts: `save` (the iterate as JSON), `load` (a save artifact or a plain numeric file into
//! a block), `viz` (a JSON artifact opened in a viewer) and `ask` (the paused state as a prompt for
//! an LLM command line).
//!
//! Viewer order for `viz`: `$IPAX_DBG_VIEWER` (a command; `{}` is replaced by the artifact path,
//! else the path is appended), then `ipax-dbg-viz` on PATH, then the OS opener (`xdg-open`/`open`).
//! `ask` runs `$IPAX_DBG_LLM` with the prompt on stdin, or substituted for `{}`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ipax_ipm::{Block, IterationView};
use serde_json::{Value, json};

use super::inspect::{ITERATE_BLOCKS, jnum};

/// The artifact `save` writes: every non-empty block, the direction blocks, and the scalars.
pub fn save_payload(view: &IterationView<'_>) -> Value {
    let e = view.errors();
    let mut iterate = serde_json::Map::new();
    for b in ITERATE_BLOCKS {
        if let Ok(v) = view.block(b)
            && !v.is_empty()
        {
            iterate.insert(b.name().into(), json!(v.iter().map(|x| jnum(*x)).collect::<Vec<_>>()));
        }
    }
    let mut step = serde_json::Map::new();
    for b in Block::ALL.into_iter().filter(|b| b.is_step()) {
        if let Ok(v) = view.block(b)
            && !v.is_empty()
        {
            step.insert(b.name().into(), json!(v.iter().map(|x| jnum(*x)).collect::<Vec<_>>()));
        }
    }
    json!({
        "format": "ipax-dbg-save/1",
        "iter": view.iteration(),
        "checkpoint": view.checkpoint().name(),
        "in_restoration": view.in_restoration(),
        "mu": jnum(view.mu()),
        "objective": jnum(e.objective),
        "inf_pr": jnum(e.constraint_violation),
        "inf_du": jnum(e.dual_infeasibility),
        "nlp_error": jnum(e.overall),
        "iterate": Value::Object(iterate),
        "step": Value::Object(step),
        "user": {"x": view.x().iter().map(|v| jnum(*v)).collect::<Vec<_>>()},
    })
}

/// A fresh path in the temp directory.
pub fn temp_path(stem: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    std::env::temp_dir().join(format!("ipax-dbg-{stem}-{}-{nanos}.json", std::process::id()))
}

/// Write `value` as pretty JSON.
pub fn write_json(path: &Path, value: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Blocks of a save artifact (top level or under `iterate`), as (block, values).
pub fn blocks_of_artifact(v: &Value) -> Result<Vec<(Block, Vec<f64>)>, String> {
    let mut out = Vec::new();
    for b in ITERATE_BLOCKS {
        let found = v.get("iterate").and_then(|it| it.get(b.name())).or_else(|| v.get(b.name()));
        if let Some(arr) = found {
            let arr = arr.as_array().ok_or_else(|| format!("{} is not an array", b.name()))?;
            let vals: Option<Vec<f64>> = arr.iter().map(Value::as_f64).collect();
            let vals = vals.ok_or_else(|| format!("{} has a non-numeric entry", b.name()))?;
            out.push((b, vals));
        }
    }
    if out.is_empty() {
        return Err("the JSON file holds no block (x, s, y_c, …), at the top level or under \"iterate\"".into());
    }
    Ok(out)
}

/// Run a command template with `arg` substituted for `{}` (or appended, quoted), through `sh -c`.
fn template_command(template: &str, arg: &str) -> Command {
    let quoted = format!("'{}'", arg.replace('\'', "'\\''"));
    let line = if template.contains("{}") { template.replace("{}", &quoted) } else { format!("{template} {quoted}") };
    let mut c = Command::new("sh");
    c.arg("-c").arg(line);
    c
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

/// Open `path` with the first viewer available; returns which one ran.
pub fn open_viewer(path: &Path) -> Result<String, String> {
    let p = path.to_string_lossy().into_owned();
    let (name, mut cmd) = if let Ok(t) = std::env::var("IPAX_DBG_VIEWER")
        && !t.trim().is_empty()
    {
        (format!("$IPAX_DBG_VIEWER ({t})"), template_command(&t, &p))
    } else if on_path("ipax-dbg-viz") {
        let mut c = Command::new("ipax-dbg-viz");
        c.arg(&p);
        ("ipax-dbg-viz".to_string(), c)
    } else {
        let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
        if !on_path(opener) {
            return Err(format!(
                "no viewer: set IPAX_DBG_VIEWER (e.g. 'python plot.py {{}}'), install ipax-dbg-viz, or open {p} yourself"
            ));
        }
        let mut c = Command::new(opener);
        c.arg(&p);
        (opener.to_string(), c)
    };
    let status = cmd.stdin(Stdio::null()).stdout(Stdio::null()).status().map_err(|e| format!("{name}: {e}"))?;
    if status.success() { Ok(name) } else { Err(format!("{name} exited with {status}")) }
}

/// Run `$IPAX_DBG_LLM` on `prompt`; the reply is its stdout.
pub fn ask_llm(prompt: &str) -> Result<(String, String), String> {
    let template = std::env::var("IPAX_DBG_LLM").map_err(|_| {
        "ask: IPAX_DBG_LLM is not set; set it to a command that reads a prompt on stdin (e.g. 'claude -p') or a template with {} for the prompt".to_string()
    })?;
    if template.trim().is_empty() {
        return Err("ask: IPAX_DBG_LLM is empty".into());
    }
    let uses_arg = template.contains("{}");
    let mut cmd = if uses_arg {
        template_command(&template, prompt)
    } else {
        let mut c = Command::new("sh");
        c.arg("-c").arg(&template);
        c
    };
    let mut child = cmd
        .stdin(if uses_arg { Stdio::null() } else { Stdio::piped() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("ask: cannot run '{template}': {e}"))?;
    if !uses_arg && let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(prompt.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| format!("ask: '{template}': {e}"))?;
    if !out.status.success() {
        return Err(format!("ask: '{template}' exited with {}: {}", out.status, String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok((template, String::from_utf8_lossy(&out.stdout).trim_end().to_string()))
}
