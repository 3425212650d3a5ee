//! Records the cargo profile of this build for `ipax.__build__`.
//!
//! Cargo gives build scripts `PROFILE` (`release` for `--release`/`--profile release`, `debug` for
//! the dev profile and profiles inheriting from it); an optimized build is
//! reported as "release" only when it is also compiled without debug assertions
//! (`CARGO_CFG_DEBUG_ASSERTIONS` unset), i.e. what users should get from `pip install`.
fn main() {
    let profile = std::env::var("PROFILE").unwrap_or_default();
    let debug_assertions = std::env::var_os("CARGO_CFG_DEBUG_ASSERTIONS").is_some();
    let build = if profile == "release" && !debug_assertions { "release" } else { "dev" };
    println!("cargo:rustc-env=IPAX_PY_BUILD={build}");
    println!("cargo:rerun-if-changed=build.rs");
}
