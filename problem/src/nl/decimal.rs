//! Decimal numbers read in one pass, the short ones converted exactly without `str::parse`.
//!
//! Pyomo and AMPL write most constants with a few significant digits (`0.5`, `-1`, `4`,
//! `1e-05`). Such a number is an integer mantissa `m ≤ 2⁵³` times `10^e` with `|e| ≤ 22`: both
//! factors are exact doubles, so one multiplication or division gives the correctly rounded
//! value (W. D. Clinger, "How to read floating point numbers accurately", PLDI 1990) — the value
//! `str::parse::<f64>`, which rounds correctly, also returns. Reading these digits in the same
//! pass that finds the end of the number skips the general parser's set-up per number. Longer
//! numbers (`9.951337957388371e-05` has a 16-digit mantissa above 2⁵³) are handed to
//! `str::parse` as the span just scanned, so their lines need no second tokenizing pass either.

/// Exact powers of ten `10⁰ … 10²²` (every one is a double without rounding).
const POW10: [f64; 23] =
    [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/// Most digits read into the mantissa (10¹⁹ − 1 fits a `u64`).
const MAX_DIGITS: usize = 19;

/// Most exponent digits read into the exponent (longer exponents are never exact by one
/// operation, and their value is left to `str::parse`).
const MAX_EXP_DIGITS: usize = 4;

/// A decimal number as scanned: `mant · 10^exp`, exact only when `digits ≤ MAX_DIGITS` and
/// `exp_digits ≤ MAX_EXP_DIGITS` (the integers wrap beyond them).
struct Scanned {
    neg: bool,
    mant: u64,
    digits: usize,
    exp: i64,
    exp_digits: usize,
    /// Bytes the number spans.
    len: usize,
}

impl Scanned {
    /// The value by one exact operation, when the number is short enough.
    fn exact(&self) -> Option<f64> {
        if self.digits > MAX_DIGITS || self.exp_digits > MAX_EXP_DIGITS || self.mant > 1 << 53 {
            return None;
        }
        let scale = *POW10.get(self.exp.unsigned_abs() as usize)?;
        // `mant ≤ 2⁵³` converts exactly.
        let v = if self.exp < 0 { self.mant as f64 / scale } else { self.mant as f64 * scale };
        Some(if self.neg { -v } else { v })
    }
}

/// The decimal number at the start of `b` and the number of bytes it spans, as `str::parse::<f64>`
/// reads that span; `None` when `b` does not start with one. Grammar:
/// `[+-] digits [. digits] [(e|E) [+-] digits]` with at least one mantissa digit (what
/// `str::parse` accepts apart from `inf`/`nan` spellings); whatever follows is the caller's to
/// check.
pub(crate) fn parse_prefix(b: &[u8]) -> Option<(f64, usize)> {
    let n = scan(b)?;
    if let Some(v) = n.exact() {
        return Some((v, n.len));
    }
    // The span is ASCII (signs, digits, a point, an exponent letter).
    let span = std::str::from_utf8(&b[..n.len]).ok()?;
    span.parse::<f64>().ok().map(|v| (v, n.len))
}

/// The number at the start of `b` (see [`parse_prefix`] for the grammar).
fn scan(b: &[u8]) -> Option<Scanned> {
    let neg = b.first() == Some(&b'-');
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let (mut mant, int_digits) = digits(b, &mut i, 0);
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        (mant, frac_digits) = digits(b, &mut i, mant);
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    let (mut exp, mut exp_digits) = (0i64, 0);
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        let exp_neg = b.get(j) == Some(&b'-');
        j += usize::from(matches!(b.get(j), Some(b'-' | b'+')));
        let (e, count) = digits(b, &mut j, 0);
        // An exponent letter without digits ends the number before it (as `str::parse` would
        // reject it, the caller then sees the letter).
        if count > 0 {
            // Within MAX_EXP_DIGITS digits `e` is exact and small; beyond, `exact` declines.
            if count <= MAX_EXP_DIGITS {
                exp = if exp_neg { -(e as i64) } else { e as i64 };
            }
            exp_digits = count;
            i = j;
        }
    }
    let len = i;
    Some(Scanned { neg, mant, digits: int_digits + frac_digits, exp: exp - frac_digits as i64, exp_digits, len })
}

/// The decimal digits at `b[*i..]` appended to `v` (wrapping past 19 digits in all, which the
/// caller detects by the count) and how many there were; `*i` moves past them.
fn digits(b: &[u8], i: &mut usize, mut v: u64) -> (u64, usize) {
    let start = *i;
    while let Some(&c) = b.get(*i).filter(|c| c.is_ascii_digit()) {
        v = v.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
        *i += 1;
    }
    (v, *i - start)
}

/// The whole of `s` as a number, as `str::parse::<f64>` reads it (`Err` where it fails): one
/// pass when `s` is a decimal number, the full parser for everything else.
pub(crate) fn parse_f64(s: &str) -> Result<f64, std::num::ParseFloatError> {
    match parse_prefix(s.as_bytes()) {
        Some((v, len)) if len == s.len() => Ok(v),
        _ => s.parse::<f64>(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `parse_f64` against `str::parse` bit for bit (errors alike), and `parse_prefix` either
    /// declines or agrees on the number it spans.
    fn agrees(s: &str) {
        let want = s.parse::<f64>();
        match (parse_f64(s), &want) {
            (Ok(a), Ok(b)) => assert_eq!(a.to_bits(), b.to_bits(), "{s:?}: {a:e} vs {b:e}"),
            (Err(_), Err(_)) => {}
            (got, _) => panic!("{s:?}: {got:?} vs {want:?}"),
        }
        if let Some((v, len)) = parse_prefix(s.as_bytes()) {
            let prefix = s[..len].parse::<f64>().unwrap_or_else(|e| panic!("{s:?}: prefix {:?} rejected: {e}", &s[..len]));
            assert_eq!(v.to_bits(), prefix.to_bits(), "{s:?}");
        }
    }

    #[test]
    fn tricky_inputs_read_as_the_standard_parser() {
        let cases = [
            "0", "-0", "+0", "0.5", "-1", "4", "1e-05", "1E5", "1e+5", "-2.5e-3", "+.5", ".5", "5.", "1.e3", "-.0",
            "123456789012345678", "1234567890123456789", "12345678901234567890", "9007199254740992", "9007199254740993",
            "9007199254740993e-5", "0.1", "0.2", "0.30000000000000004", "3.141592653589793", "2.718281828459045",
            "1e22", "1e23", "1e-22", "1e-23", "123e20", "1.5e-300", "1e308", "1e309", "-1e309", "4.9e-324", "2.2250738585072014e-308",
            "2.2250738585072011e-308", "5e-324", "1e-400", "0e9999", "0.000000000000000000001", "00000000000000000001.5",
            "1e0000", "1e00001", "inf", "-inf", "infinity", "NaN", "nan", "", "-", "+", ".", "-.", "e5", "1e", "1e+", "1e-",
            "1..2", "1.2.3", "--1", "+-1", "1e5x", "0x10", " 1", "1 ", "1_000", "١",
        ];
        for s in cases {
            agrees(s);
        }
    }

    /// Random decimals (signs, digit runs, points, exponents): every span read agrees bit for bit
    /// with the standard parser, and nothing panics.
    #[test]
    fn random_decimals_read_as_the_standard_parser() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        let (mut taken, mut exact) = (0, 0);
        for _ in 0..200_000 {
            let mut s = String::new();
            match rnd(4) {
                0 => s.push('-'),
                1 => s.push('+'),
                _ => {}
            }
            for _ in 0..rnd(26) {
                s.push(char::from(b'0' + rnd(10) as u8));
            }
            if rnd(2) == 0 {
                s.push('.');
                for _ in 0..rnd(12) {
                    s.push(char::from(b'0' + rnd(10) as u8));
                }
            }
            if rnd(2) == 0 {
                s.push(if rnd(2) == 0 { 'e' } else { 'E' });
                match rnd(3) {
                    0 => s.push('-'),
                    1 => s.push('+'),
                    _ => {}
                }
                for _ in 0..rnd(7) {
                    s.push(char::from(b'0' + rnd(10) as u8));
                }
            }
            agrees(&s);
            taken += usize::from(parse_prefix(s.as_bytes()).is_some_and(|(_, len)| len == s.len()));
            exact += usize::from(scan(s.as_bytes()).is_some_and(|n| n.len == s.len() && n.exact().is_some()));
        }
        assert!(taken > 50_000, "one pass should read most of them ({taken})");
        assert!(exact > 10_000, "many should be exact by one operation ({exact})");
    }

    /// What follows a number is not part of it.
    #[test]
    fn prefix_stops_at_the_first_byte_after_the_number() {
        assert_eq!(parse_prefix(b"0.5\nv1"), Some((0.5, 3)));
        assert_eq!(parse_prefix(b"-12 # c"), Some((-12.0, 3)));
        assert_eq!(parse_prefix(b"3e2x"), Some((300.0, 3)));
        assert_eq!(parse_prefix(b"3ex"), Some((3.0, 1)));
        assert_eq!(parse_prefix(b"3e+"), Some((3.0, 1)));
        assert_eq!(parse_prefix(b"9.951337957388371e-05\n"), Some((9.951337957388371e-05, 21)));
        assert_eq!(parse_prefix(b"1e99999 "), Some((f64::INFINITY, 7)));
        assert_eq!(parse_prefix(b"1e-9223372036854775808"), Some((0.0, 22)));
        assert_eq!(parse_prefix(b"1e18446744073709551616"), Some((f64::INFINITY, 22)));
        assert_eq!(parse_prefix(b"-."), None);
        assert_eq!(parse_prefix(b"x"), None);
    }
}
