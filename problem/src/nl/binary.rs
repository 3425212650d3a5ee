//! Writer of binary (`b`) `.nl` files, by transcoding the text (`g`) format item by item.
//!
//! The binary format (Gay, "Writing .nl Files", SAND2005-7907P) keeps the 10-line text header
//! (first letter `b`, and the `arith` field of line 6 giving the byte order: 1 = IEEE
//! little-endian, 2 = IEEE big-endian) and writes every later item without separators:
//! segment letters and expression letters as one byte, integers as 4-byte `int`s, reals as
//! 8-byte doubles, bound types as the characters `'0'`–`'5'`, names as a length and bytes.
//! Integer constants may be written as `s` (2-byte) or `l` (4-byte) integers instead of `n`.
//!
//! The transcoder walks the text file with the same [`TextSource`] the reader uses, so it
//! accepts exactly the text the reader accepts, and writes integral constants in the shortest
//! exact form (`s`, `l`, else `n`) so that all three constant encodings are exercised.

use super::error::{NlError, Pos};
use super::parser::{Lines, OpKind, Source, TextSource, Token, op_kind};

/// Byte order of the integers and doubles of a binary `.nl` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// IEEE little-endian (`arith` 1).
    Little,
    /// IEEE big-endian (`arith` 2).
    Big,
}

struct Out {
    bytes: Vec<u8>,
    order: ByteOrder,
}

impl Out {
    fn byte(&mut self, b: u8) {
        self.bytes.push(b);
    }
    fn int(&mut self, v: usize, at: Pos) -> Result<(), NlError> {
        let v = i32::try_from(v).map_err(|_| NlError::invalid(at, format!("{v} does not fit a 4-byte integer")))?;
        self.signed(v);
        Ok(())
    }
    fn signed(&mut self, v: i32) {
        self.bytes.extend_from_slice(&match self.order {
            ByteOrder::Little => v.to_le_bytes(),
            ByteOrder::Big => v.to_be_bytes(),
        });
    }
    fn real(&mut self, v: f64) {
        self.bytes.extend_from_slice(&match self.order {
            ByteOrder::Little => v.to_le_bytes(),
            ByteOrder::Big => v.to_be_bytes(),
        });
    }
    /// A constant in the shortest encoding that gives back the same bits.
    fn constant(&mut self, c: f64) {
        let s = c as i16;
        let l = c as i32;
        if f64::from(s).to_bits() == c.to_bits() {
            self.byte(b's');
            self.bytes.extend_from_slice(&match self.order {
                ByteOrder::Little => s.to_le_bytes(),
                ByteOrder::Big => s.to_be_bytes(),
            });
        } else if f64::from(l).to_bits() == c.to_bits() {
            self.byte(b'l');
            self.bytes.extend_from_slice(&match self.order {
                ByteOrder::Little => l.to_le_bytes(),
                ByteOrder::Big => l.to_be_bytes(),
            });
        } else {
            self.byte(b'n');
            self.real(c);
        }
    }
}

/// Transcode the text of a `g` `.nl` file into the binary `b` format with the given byte order.
/// Errors are those of the text reader for the same input (positions are text lines).
pub fn text_to_binary(text: &str, order: ByteOrder) -> Result<Vec<u8>, NlError> {
    let mut out = Out { bytes: Vec::with_capacity(text.len()), order };
    let mut lines = Lines::new(text);
    let mut counts = [0usize; 3];
    for k in 1..=10 {
        let (ln, line) = lines.next("a header line")?;
        let mut line = line.to_string();
        if k == 1 {
            if !line.starts_with('g') {
                return Err(NlError::syntax(Pos::Line(ln), "'g' (text .nl header)", &line));
            }
            line.replace_range(0..1, "b");
        } else if k == 2 {
            let t: Vec<usize> = line.split('#').next().unwrap_or("").split_whitespace().filter_map(|t| t.parse().ok()).collect();
            for (c, v) in counts.iter_mut().zip(&t) {
                *c = *v;
            }
        } else if k == 6 {
            // Line 6: linear network variables, functions, arith, flags.
            let mut t: Vec<String> = line.split('#').next().unwrap_or("").split_whitespace().map(str::to_string).collect();
            t.resize(4, "0".to_string());
            t[2] = match order {
                ByteOrder::Little => "1".to_string(),
                ByteOrder::Big => "2".to_string(),
            };
            line = format!(" {}", t.join(" "));
        }
        out.bytes.extend_from_slice(line.as_bytes());
        out.byte(b'\n');
    }
    let [n, m, _] = counts;
    let mut src = TextSource::new(lines);
    while let Some(seg) = src.segment()? {
        let at = src.at();
        match seg {
            'S' => {
                let kind = src.uint("suffix kind")?;
                let count = src.uint("suffix entry count")?;
                let name = src.name("suffix name")?;
                out.byte(b'S');
                out.int(kind, at)?;
                out.int(count, at)?;
                out.int(name.len(), at)?;
                out.bytes.extend_from_slice(name.as_bytes());
                for _ in 0..count {
                    let at = src.item("a suffix entry")?;
                    out.int(src.uint("an index")?, at)?;
                    let v = src.real("a value")?;
                    if kind & 4 != 0 {
                        out.real(v);
                    } else {
                        // Integer suffix values are signed 4-byte integers in binary.
                        let i = v as i32;
                        if f64::from(i) != v {
                            return Err(NlError::invalid(at, format!("integer suffix value {v} is not a 4-byte integer")));
                        }
                        out.signed(i);
                    }
                }
            }
            'V' => {
                let (idx, nlin) = (src.uint("V index")?, src.uint("V terms")?);
                out.byte(b'V');
                out.int(idx, at)?;
                out.int(nlin, at)?;
                out.int(0, at)?;
                index_values(&mut src, &mut out, nlin)?;
                expr(&mut src, &mut out)?;
            }
            'C' => {
                out.byte(b'C');
                out.int(src.uint("C index")?, at)?;
                expr(&mut src, &mut out)?;
            }
            'O' => {
                out.byte(b'O');
                out.int(src.uint("O index")?, at)?;
                out.int(src.uint("O sense")?, at)?;
                expr(&mut src, &mut out)?;
            }
            'd' | 'x' => {
                let count = src.uint("a count")?;
                out.byte(seg as u8);
                out.int(count, at)?;
                index_values(&mut src, &mut out, count)?;
            }
            'r' | 'b' => {
                out.byte(seg as u8);
                for _ in 0..if seg == 'r' { m } else { n } {
                    let at = src.item("a bound line")?;
                    let ty = src.bound_type()?;
                    let reals = match ty {
                        0 => 2,
                        1 | 2 | 4 => 1,
                        3 => 0,
                        _ => return Err(NlError::syntax(at, "a bound type 0-4", &src.found())),
                    };
                    out.byte(b'0' + ty as u8);
                    for _ in 0..reals {
                        out.real(src.real("a bound")?);
                    }
                }
            }
            'k' => {
                let count = src.uint("k count")?;
                out.byte(b'k');
                out.int(count, at)?;
                for _ in 0..count {
                    let at = src.item("a column count")?;
                    out.int(src.uint("a column count")?, at)?;
                }
            }
            'J' | 'G' => {
                let (idx, count) = (src.uint("an index")?, src.uint("a count")?);
                out.byte(seg as u8);
                out.int(idx, at)?;
                out.int(count, at)?;
                index_values(&mut src, &mut out, count)?;
            }
            _ => return Err(NlError::Unsupported { at, what: format!("segment '{seg}' in the binary writer") }),
        }
    }
    Ok(out.bytes)
}

fn index_values(src: &mut TextSource<'_>, out: &mut Out, count: usize) -> Result<(), NlError> {
    for _ in 0..count {
        let at = src.item("an 'index value' line")?;
        out.int(src.uint("an index")?, at)?;
        out.real(src.real("a value")?);
    }
    Ok(())
}

/// One expression in prefix order: operands still owed are counted, as the reader's stack does.
fn expr(src: &mut TextSource<'_>, out: &mut Out) -> Result<(), NlError> {
    let mut owed = 1usize;
    while owed > 0 {
        owed -= 1;
        let (at, tok) = src.token()?;
        match tok {
            Token::Const(c) => out.constant(c),
            Token::Ref(i) => {
                out.byte(b'v');
                out.int(i, at)?;
            }
            Token::Op(code) => {
                out.byte(b'o');
                out.int(code, at)?;
                owed += match op_kind(code, at)? {
                    OpKind::Unary(_) => 1,
                    OpKind::Binary(_) => 2,
                    OpKind::If => 3,
                    OpKind::List(_) => {
                        let at = src.item("an operand count")?;
                        let k = src.uint("an operand count")?;
                        out.int(k, at)?;
                        k
                    }
                    OpKind::Piecewise => {
                        let at = src.item("a slope count")?;
                        let k = src.uint("a slope count")?;
                        out.int(k, at)?;
                        for _ in 0..(2 * k).saturating_sub(1) {
                            let (l, tok) = src.token()?;
                            let Token::Const(c) = tok else {
                                return Err(NlError::syntax(l, "a constant", &src.found()));
                            };
                            out.constant(c);
                        }
                        1
                    }
                };
            }
        }
    }
    Ok(())
}
