//! Structure-aware mutation fuzzing of the `.nl` reader, on stable Rust (no libFuzzer).
//!
//! A case starts from a seed text model and applies 1–3 mutations that know the format: line
//! deletion, duplication, swaps and truncation, header counts and other numbers replaced by
//! boundary values (0, −1, 2³¹, 2⁶⁴, 1e308, nan …), segment letters and opcodes changed. Half of
//! the cases are then transcoded to the binary format ([`super::text_to_binary`]) and mutated
//! at the byte level (bit flips, 4-byte integers and 8-byte doubles overwritten with boundary
//! values, truncation, insertion); now and then a block of lines is repeated up to 64 times, to
//! expose costs super-linear in the input size. [`exercise`] parses the result and, if it parses, evaluates
//! everything the solver would: the contract is `Ok` or a typed [`NlError`], never a panic,
//! and no allocation out of proportion to the input.
//!
//! Used by the `nl-fuzz` binary (long runs, `cargo run --release -p ipax-problem --bin nl-fuzz`)
//! and by a short run in the unit tests.

use super::{ByteOrder, NlError, NlProblem, text_to_binary};
use ipax_core::Problem;

/// Tiny deterministic xorshift64* generator (cases are reproducible from the seed).
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const NUMBERS: &[&str] = &[
    "0", "1", "-1", "2", "3", "7", "255", "65535", "65536", "2147483647", "2147483648", "4294967295", "4294967296",
    "9223372036854775807", "18446744073709551615", "99999999999999999999", "1e308", "-1e308", "1e309", "inf", "-inf",
    "nan", "-0", "1e-320", "0.5", "-2.5",
];
const LETTERS: &[u8] = b"FSVCLOdxrbkJGKgzo0 \t#";
const LINES: &[&str] = &["o54", "o64", "o11", "o35", "n1e308", "v999999", "v3", "o16", "2147483647", "-1", "", "#", "b", "r", "k0", "x1", "S0 1 s"];
const INTS: &[i32] = &[0, 1, -1, 2, 3, 255, 65536, 1 << 20, 1 << 30, i32::MAX, i32::MIN];
const REALS: &[f64] = &[0.0, -0.0, 1.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MAX, f64::MIN_POSITIVE, 5e-324, 1e300];

fn mutate_text(lines: &mut Vec<String>, rng: &mut Rng) {
    if lines.is_empty() {
        lines.push(String::new());
    }
    let i = rng.below(lines.len());
    match rng.below(10) {
        0 => {
            lines.remove(i);
        }
        1 => {
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        2 => {
            let j = rng.below(lines.len());
            lines.swap(i, j);
        }
        3 => lines.truncate(i + 1),
        4 => {
            // A number token replaced by a boundary value; header lines (0–9) half the time,
            // since their counts size every allocation.
            let i = if rng.below(2) == 0 { rng.below(lines.len().min(10)) } else { i };
            let mut toks: Vec<String> = lines[i].split_whitespace().map(str::to_string).collect();
            if !toks.is_empty() {
                let k = rng.below(toks.len());
                let t = &toks[k];
                let prefix = if t.starts_with(|c: char| c.is_ascii_alphabetic()) { &t[..1] } else { "" };
                toks[k] = format!("{prefix}{}", rng.pick(NUMBERS));
                lines[i] = toks.join(" ");
            }
        }
        5 => {
            let mut b = lines[i].clone().into_bytes();
            if b.is_empty() {
                b.push(b' ');
            }
            b[0] = *rng.pick(LETTERS);
            lines[i] = String::from_utf8_lossy(&b).into_owned();
        }
        6 => lines[i] = format!("o{}", rng.below(90)),
        // Growth: a block of lines repeated, so that costs super-linear in the input size
        // (sums over many terms, long lists, many segments) become visible as slow cases.
        8 if rng.below(4) == 0 => {
            let len = 1 + rng.below(20).min(lines.len() - i - 1);
            let block: Vec<String> = lines[i..i + len].to_vec();
            for _ in 0..2 + rng.below(63) {
                lines.splice(i..i, block.iter().cloned());
            }
        }
        7 => {
            let mut b = lines[i].clone().into_bytes();
            if !b.is_empty() {
                let k = rng.below(b.len());
                b[k] = b"0123456789onvlsxC-.e #\tVJGbrk"[rng.below(29)];
            }
            lines[i] = String::from_utf8_lossy(&b).into_owned();
        }
        _ => lines.insert(i, rng.pick(LINES).to_string()),
    }
}

fn mutate_binary(bytes: &mut Vec<u8>, header_len: usize, rng: &mut Rng) {
    let body = header_len.min(bytes.len());
    let at = body + rng.below(bytes.len().saturating_sub(body).max(1));
    match rng.below(7) {
        0 => {
            if at < bytes.len() {
                bytes[at] ^= 1 << rng.below(8);
            }
        }
        1 => {
            let v = *rng.pick(INTS);
            let b = if rng.below(2) == 0 { v.to_le_bytes() } else { v.to_be_bytes() };
            for (k, x) in b.into_iter().enumerate() {
                if let Some(slot) = bytes.get_mut(at + k) {
                    *slot = x;
                }
            }
        }
        2 => bytes.truncate(at),
        3 => {
            let n = 1 + rng.below(8);
            for _ in 0..n {
                let b = rng.next_u64() as u8;
                bytes.insert(at.min(bytes.len()), b);
            }
        }
        4 => {
            let v = *rng.pick(REALS);
            for (k, x) in v.to_le_bytes().into_iter().enumerate() {
                if let Some(slot) = bytes.get_mut(at + k) {
                    *slot = x;
                }
            }
        }
        5 => {
            if at < bytes.len() {
                bytes[at] = *rng.pick(b"CVOSJGbrkxdLFnlsvoh");
            }
        }
        _ => {
            let len = rng.below(16).min(bytes.len().saturating_sub(at));
            let chunk: Vec<u8> = bytes[at..at + len].to_vec();
            let to = body + rng.below(bytes.len().saturating_sub(body).max(1));
            for (k, b) in chunk.into_iter().enumerate() {
                bytes.insert((to + k).min(bytes.len()), b);
            }
        }
    }
}

/// One fuzz case derived from a randomly chosen seed: mutated text, or mutated binary.
pub fn case(seeds: &[String], rng: &mut Rng) -> Vec<u8> {
    let seed = rng.pick(seeds);
    let mut lines: Vec<String> = seed.lines().map(str::to_string).collect();
    let binary = rng.below(2) == 0;
    let text_mutations = if binary { rng.below(2) } else { 1 + rng.below(3) };
    for _ in 0..text_mutations {
        mutate_text(&mut lines, rng);
    }
    let mut text = lines.join("\n");
    text.push('\n');
    if !binary {
        return text.into_bytes();
    }
    let order = if rng.below(4) == 0 { ByteOrder::Big } else { ByteOrder::Little };
    // A text mutation the transcoder rejects falls back to the seed itself.
    let mut bytes = text_to_binary(&text, order).or_else(|_| text_to_binary(seed, order)).unwrap_or_else(|_| text.into_bytes());
    let header_len = bytes.iter().enumerate().filter(|&(_, &b)| b == b'\n').nth(9).map_or(0, |(i, _)| i + 1);
    for _ in 0..1 + rng.below(3) {
        mutate_binary(&mut bytes, header_len, rng);
    }
    bytes
}

/// Parse `bytes` and, if they parse, evaluate everything the solver uses at the initial point.
/// Returns whether the input parsed (`Err`: the typed rejection).
pub fn exercise(bytes: &[u8]) -> Result<(), NlError> {
    let p = NlProblem::from_bytes(bytes)?;
    let (n, m) = (p.num_variables(), p.num_constraints());
    let mut x = vec![0.0; n];
    p.initial_point(&mut x);
    let (mut lo, mut hi) = (vec![0.0; n], vec![0.0; n]);
    p.variable_bounds(&mut lo, &mut hi);
    let (mut cl, mut cu) = (vec![0.0; m], vec![0.0; m]);
    p.constraint_bounds(&mut cl, &mut cu);
    let _ = p.objective(&x);
    let mut g = vec![0.0; n];
    let _ = p.gradient(&x, &mut g);
    let mut c = vec![0.0; m];
    let _ = p.constraints(&x, &mut c);
    if let Ok(j) = p.jacobian(&x) {
        let (r, c) = j.shape();
        let mut y = vec![0.0; r];
        j.apply(1.0, &vec![1.0; c], 0.0, &mut y);
        let mut z = vec![0.0; c];
        j.apply_transpose(1.0, &vec![1.0; r], 0.0, &mut z);
    }
    if let Ok(Some(h)) = p.hessian(&x, 1.0, &vec![1.0; m]) {
        let (r, c) = h.shape();
        let mut y = vec![0.0; r];
        h.apply(1.0, &vec![1.0; c], 0.0, &mut y);
    }
    let _ = p.scaling();
    // Presolve and diagnostics read the model too: bound tightening over the DAG, duplicate
    // rows, and every row rendered as algebra.
    let _ = p.bound_tightening(&super::FbbtOptions::default());
    let _ = crate::presolve::duplicates::DuplicateRows::find(&p, &(0..m).collect::<Vec<_>>(), 1e-6);
    for i in 0..m {
        let _ = p.render_row(i);
    }
    Ok(())
}

/// The error kind of a rejection, for statistics.
pub fn kind(e: &NlError) -> &'static str {
    match e {
        NlError::Io { .. } => "io",
        NlError::Syntax { .. } => "syntax",
        NlError::UnexpectedEof { .. } => "unexpected-eof",
        NlError::IndexOutOfRange { .. } => "index-out-of-range",
        NlError::Unsupported { .. } => "unsupported",
        NlError::Invalid { .. } => "invalid",
        NlError::TooLarge { .. } => "too-large",
    }
}

/// Seeds that reach what the fixture files do not: defined variables, suffixes of every kind,
/// initial guesses, list operators, if-then-else, piecewise-linear terms, every constant form.
pub fn builtin_seeds() -> Vec<String> {
    let header = |n: usize, nd: usize| {
        format!("g3 1 1 0\n {n} 1 1 0 0\n 1 1\n 0 0\n {n} {n} {n}\n 0 0 0 1\n 0 0 0 0 0\n 2 1\n 0 0\n 0 {nd} 0 0 0\n")
    };
    let tail = "r\n0 -1e3 1e3\nb\n0 -1 2\n1 3\n2 0.5\nx2\n0 0.25\n2 1.5\nd1\n0 -0.5\nk2\n1\n1\nJ0 2\n0 1.5\n1 -2\nG0 1\n2 0.5\n";
    vec![
        header(3, 2)
            + "V3 1 0\n0 2\no2\nv1\nv2\nV4 0 0\no2\no41\nv3\nv3\nC0\no54\n3\nv4\no35\no22\nv0\nv1\nv3\nn-7\no11\n2\nv0\nv2\n\
               O0 0\no0\no64\n3\nn-1\nn1\nn0.5\nn2.5\nn2\nv0\no12\n2\no44\nv1\nn70000\n"
            + tail
            + "S4 2 scaling_factor\n0 2\n2 0.5\nS1 1 sosno\n0 3\nS6 1 scaling_factor\n0 10\n",
        header(3, 0)
            + "C0\no70\n2\no29\nv0\nv1\no71\n2\no24\nv1\nv2\nn0\nO0 1\no5\no43\no0\nv0\nn2\no76\nv2\nn0.5\n"
            + tail,
        header(3, 0)
            + "C0\no48\no3\nv0\no16\nv1\no39\no15\nv2\nO0 0\no54\n4\no55\nv0\nn0.3\no57\nv1\nn2\no58\nv2\nn1\no56\nv0\nn3\n"
            + tail,
    ]
}
