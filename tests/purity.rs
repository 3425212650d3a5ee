//! Purity gate: `ipax-core` and `ipax-ipm` must not depend, directly or transitively, on a storage
//! crate (faer, sprs, ndarray), nor name one in their sources.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::Value;

const PURE: &[&str] = &["ipax-core", "ipax-ipm"];
const FORBIDDEN: &[&str] = &["faer", "sprs", "ndarray"];

/// Forbidden crates reachable from each pure crate in a `cargo metadata` document.
fn dependency_violations(meta: &Value) -> Vec<String> {
    let mut names: HashMap<&str, &str> = HashMap::new();
    for p in meta["packages"].as_array().into_iter().flatten() {
        names.insert(p["id"].as_str().unwrap_or(""), p["name"].as_str().unwrap_or(""));
    }
    let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
    for node in meta["resolve"]["nodes"].as_array().into_iter().flatten() {
        let deps = node["deps"].as_array().into_iter().flatten().filter_map(|d| d["pkg"].as_str()).collect();
        edges.insert(node["id"].as_str().unwrap_or(""), deps);
    }
    let mut out = Vec::new();
    for (&id, &name) in &names {
        if !PURE.contains(&name) {
            continue;
        }
        let mut seen = HashSet::new();
        let mut stack = vec![(id, vec![name])];
        while let Some((cur, path)) = stack.pop() {
            for &dep in edges.get(cur).into_iter().flatten() {
                let dep_name = names.get(dep).copied().unwrap_or(dep);
                let mut p = path.clone();
                p.push(dep_name);
                if FORBIDDEN.iter().any(|f| dep_name == *f || dep_name.starts_with(&format!("{f}-"))) {
                    out.push(p.join(" -> "));
                } else if seen.insert(dep) {
                    stack.push((dep, p));
                }
            }
        }
    }
    out.sort();
    out
}

/// Lines in the pure crates' sources that name a forbidden crate as a path or import.
fn source_violations(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["ipax-core", "ipm"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    if !p.ends_with("target") {
                        stack.push(p);
                    }
                } else if p.extension().is_some_and(|e| e == "rs" || e == "toml") {
                    let text = std::fs::read_to_string(&p).unwrap_or_default();
                    for (i, line) in text.lines().enumerate() {
                        let code = line.split("//").next().unwrap_or("");
                        for f in FORBIDDEN {
                            let named = code.contains(&format!("{f}::"))
                                || code.contains(&format!("use {f}"))
                                || code.trim_start().starts_with(&format!("{f} ="))
                                || code.trim_start().starts_with(&format!("{f}.workspace"));
                            if named {
                                out.push(format!("{}:{}: {}", p.display(), i + 1, line.trim()));
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

#[test]
fn pure_crates_do_not_depend_on_storage_crates() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(root)
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    let meta: Value = serde_json::from_slice(&output.stdout).expect("metadata is JSON");
    // The check must have looked at both pure crates.
    let pkgs: Vec<&str> = meta["packages"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
    for p in PURE {
        assert!(pkgs.contains(p), "{p} missing from cargo metadata");
    }
    assert_eq!(dependency_violations(&meta), Vec::<String>::new());
    assert_eq!(source_violations(root), Vec::<String>::new());
}

/// The checker itself must be able to fail: a synthetic metadata document where `ipax-ipm`
/// reaches faer through an intermediate crate.
#[test]
fn checker_rejects_a_violating_manifest() {
    let meta: Value = serde_json::json!({
        "packages": [
            {"id": "ipm-id", "name": "ipax-ipm"},
            {"id": "core-id", "name": "ipax-core"},
            {"id": "mid-id", "name": "helper"},
            {"id": "faer-id", "name": "faer"},
            {"id": "ndarray-id", "name": "ndarray"}
        ],
        "resolve": {"nodes": [
            {"id": "ipm-id", "deps": [{"pkg": "core-id"}, {"pkg": "mid-id"}]},
            {"id": "core-id", "deps": [{"pkg": "ndarray-id"}]},
            {"id": "mid-id", "deps": [{"pkg": "faer-id"}]},
            {"id": "faer-id", "deps": []},
            {"id": "ndarray-id", "deps": []}
        ]}
    });
    let v = dependency_violations(&meta);
    assert!(v.contains(&"ipax-ipm -> helper -> faer".to_string()), "{v:?}");
    assert!(v.contains(&"ipax-core -> ndarray".to_string()), "{v:?}");
    assert!(v.contains(&"ipax-ipm -> ipax-core -> ndarray".to_string()), "{v:?}");
}

#[test]
fn source_scan_finds_a_forbidden_import() {
    let dir = std::env::temp_dir().join(format!("ipax-purity-{}", std::process::id()));
    let src = dir.join("ipm").join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::create_dir_all(dir.join("ipax-core")).unwrap();
    std::fs::write(src.join("lib.rs"), "use faer::Mat;\n// faer:: in a comment is fine\n").unwrap();
    let v = source_violations(&dir);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(v.len(), 1, "{v:?}");
}
