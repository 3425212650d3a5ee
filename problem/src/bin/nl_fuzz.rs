//! `nl-fuzz`: long structure-aware fuzz runs of the `.nl` reader (text and binary) on stable Rust.
//!
//! ```text
//! cargo run --release -p ipax-problem --bin nl-fuzz -- [SECONDS] [RNG_SEED] [SEED_DIR] [OUT_DIR]
//! ```
//! Runs single-threaded for `SECONDS` (default 60) over mutations of every `*.nl` in `SEED_DIR`
//! (default `problem/src/nl/testdata`) and of the built-in seeds. Each case must parse to `Ok` or a typed error without
//! panicking; inputs that panic, take over a second, or allocate more than 64 MiB at once are
//! written to `OUT_DIR` (default `target/nl-fuzz`). A counting allocator measures each case's
//! peak. Prints statistics at the end; exits 1 if anything was found.

use ipax_problem::nl::fuzz::{Rng, builtin_seeds, case, exercise, kind};
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Live bytes and the peak since the last reset (single-threaded use: relaxed ordering suffices).
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const SLOW: Duration = Duration::from_secs(1);
const BIG: usize = 64 << 20;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60);
    let rng_seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0x005E_ED0F_1234);
    let seed_dir = args.get(3).map_or("problem/src/nl/testdata", String::as_str);
    let out_dir = std::path::PathBuf::from(args.get(4).map_or("target/nl-fuzz", String::as_str));
    let mut seeds = builtin_seeds();
    for entry in std::fs::read_dir(seed_dir).expect("seed directory") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_some_and(|e| e == "nl")
            && let Ok(text) = std::fs::read_to_string(&path)
        {
            seeds.push(text);
        }
    }
    std::fs::create_dir_all(&out_dir).expect("output directory");
    // Panics are caught and recorded; the default hook would print every one.
    std::panic::set_hook(Box::new(|_| {}));

    let mut rng = Rng(rng_seed.max(1));
    let start = Instant::now();
    let budget = Duration::from_secs(seconds);
    let (mut runs, mut parsed, mut binary, mut found) = (0u64, 0u64, 0u64, 0u64);
    let mut kinds: BTreeMap<&'static str, u64> = BTreeMap::new();
    let (mut slowest, mut peak_max, mut largest_input) = (Duration::ZERO, 0usize, 0usize);
    while start.elapsed() < budget {
        let input = case(&seeds, &mut rng);
        binary += u64::from(input.first() == Some(&b'b'));
        largest_input = largest_input.max(input.len());
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let t = Instant::now();
        let outcome = std::panic::catch_unwind(|| exercise(&input));
        let dt = t.elapsed();
        let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
        runs += 1;
        slowest = slowest.max(dt);
        peak_max = peak_max.max(peak);
        let problem = match &outcome {
            Err(_) => Some("panic"),
            Ok(_) if dt > SLOW => Some("slow"),
            Ok(_) if peak > BIG => Some("alloc"),
            Ok(Ok(())) => {
                parsed += 1;
                None
            }
            Ok(Err(e)) => {
                *kinds.entry(kind(e)).or_default() += 1;
                None
            }
        };
        if let Some(what) = problem {
            found += 1;
            let file = out_dir.join(format!("{what}-{runs}.nl"));
            std::fs::write(&file, &input).expect("write finding");
            eprintln!("{what}: case {runs} ({dt:?}, peak {peak} B) saved to {}", file.display());
        }
    }
    println!(
        "nl-fuzz: {runs} cases in {:.1} s ({binary} binary), {parsed} parsed, rejected by kind {kinds:?}; \
         slowest case {slowest:?}, largest per-case allocation peak {peak_max} B, largest input {largest_input} B; {found} findings",
        start.elapsed().as_secs_f64()
    );
    if found > 0 {
        std::process::exit(1);
    }
}
