//! Tests of the `.nl` reader: HS071, every operator against finite differences, malformed files,
//! a mutation fuzz loop, the `.sol` layout, and the binary format (every text model round-trips
//! through [`text_to_binary`] bit for bit).

use super::*;
use ipax_core::LinearOperatorExt;

const HS071: &str = include_str!("testdata/hs071.nl");

/// Tiny deterministic xorshift64* generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * ((self.next() >> 11) as f64 / (1u64 << 53) as f64)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn hessian_dense(p: &NlProblem, x: &[f64], sigma: f64, lambda: &[f64]) -> Vec<f64> {
    p.hessian(x, sigma, lambda).expect("hessian evaluates").expect("exact Hessian").to_dense()
}

#[test]
fn hs071_values_and_derivatives_match_the_closed_form() {
    let p = NlProblem::from_str(HS071).expect("hs071 parses");
    assert_eq!((p.num_variables(), p.num_constraints()), (4, 2));
    let mut x0 = [0.0; 4];
    p.initial_point(&mut x0);
    assert_eq!(x0, [1.0, 5.0, 5.0, 1.0]);
    let (mut lo, mut hi) = ([0.0; 4], [0.0; 4]);
    p.variable_bounds(&mut lo, &mut hi);
    assert_eq!((lo, hi), ([1.0; 4], [5.0; 4]));
    let (mut cl, mut cu) = ([0.0; 2], [0.0; 2]);
    p.constraint_bounds(&mut cl, &mut cu);
    assert_eq!((cl, cu), ([25.0, 40.0], [f64::INFINITY, 40.0]));

    let x = [1.3, 4.2, 3.7, 1.9];
    let f = x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2];
    assert!((p.objective(&x).unwrap() - f).abs() < 1e-12);
    let mut g = [0.0; 4];
    p.gradient(&x, &mut g).unwrap();
    let s = x[0] + x[1] + x[2];
    let ge = [x[3] * (s + x[0]), x[0] * x[3], x[0] * x[3] + 1.0, x[0] * s];
    for i in 0..4 {
        assert!((g[i] - ge[i]).abs() < 1e-12, "gradient {i}: {} vs {}", g[i], ge[i]);
    }
    let mut c = [0.0; 2];
    p.constraints(&x, &mut c).unwrap();
    assert!((c[0] - x.iter().product::<f64>()).abs() < 1e-12);
    assert!((c[1] - x.iter().map(|v| v * v).sum::<f64>()).abs() < 1e-12);

    let jac = p.jacobian(&x).unwrap();
    assert_eq!(jac.shape(), (2, 4));
    assert_eq!(p.jacobian_nnz(), 8);
    let jd = jac.to_dense(); // column-major 2 × 4
    for j in 0..4 {
        let prod_others: f64 = (0..4).filter(|&k| k != j).map(|k| x[k]).product();
        assert!((jd[2 * j] - prod_others).abs() < 1e-12);
        assert!((jd[2 * j + 1] - 2.0 * x[j]).abs() < 1e-12);
    }

    // Lagrangian Hessian against the closed form.
    let (sigma, lam) = (0.7, [-1.1, 0.4]);
    let h = hessian_dense(&p, &x, sigma, &lam);
    let mut he = [[0.0; 4]; 4];
    let hf = [
        [2.0 * x[3], x[3], x[3], 2.0 * x[0] + x[1] + x[2]],
        [x[3], 0.0, 0.0, x[0]],
        [x[3], 0.0, 0.0, x[0]],
        [2.0 * x[0] + x[1] + x[2], x[0], x[0], 0.0],
    ];
    for i in 0..4 {
        for j in 0..4 {
            let hc1 = if i == j { 0.0 } else { (0..4).filter(|&k| k != i && k != j).map(|k| x[k]).product() };
            let hc2 = if i == j { 2.0 } else { 0.0 };
            he[i][j] = sigma * hf[i][j] + lam[0] * hc1 + lam[1] * hc2;
            assert!((h[j * 4 + i] - he[i][j]).abs() < 1e-12, "H[{i}][{j}] = {} vs {}", h[j * 4 + i], he[i][j]);
        }
    }
    assert!(p.has_hessian());
    assert!(p.hessian_nnz() <= 10);
}

/// An `.nl` text with `n` free variables, one objective and one constraint (`c ≥ -1e3`),
/// no linear parts, and optional extra segments (e.g. `V`) placed before the bodies.
fn model(n: usize, n_def: usize, defs: &str, obj: &str, con: &str) -> String {
    let mut s = format!(
        "g3 1 1 0\n {n} 1 1 0 0\n 1 1\n 0 0\n {n} {n} {n}\n 0 0 0 1\n 0 0 0 0 0\n 0 0\n 0 0\n 0 {n_def} 0 0 0\n"
    );
    s.push_str(defs);
    s.push_str(&format!("C0\n{con}\nO0 0\n{obj}\nr\n2 -1e3\nb\n"));
    for _ in 0..n {
        s.push_str("3\n");
    }
    s
}

/// Operator cases: (label, expression in v0..v2, domain of each variable).
fn cases() -> Vec<(&'static str, &'static str, (f64, f64))> {
    let pos = (0.5, 2.0);
    let unit = (-0.8, 0.8);
    vec![
        ("plus", "o0\nv0\no2\nv1\nv2", pos),
        ("minus", "o1\no2\nv0\nv0\nv1", pos),
        ("mult", "o2\nv0\no2\nv1\nv2", pos),
        ("div", "o3\nv0\no0\nv1\nv2", pos),
        ("rem", "o4\no2\nv0\nv1\nn50", pos),
        ("pow", "o5\nv0\nv1", pos),
        ("pow const exponent", "o5\no1\nv0\nv1\nn3", (-2.0, 2.0)),
        ("pow const base", "o5\nn1.7\no2\nv0\nv1", pos),
        ("o76", "o76\nv0\nn2.5", pos),
        ("o77", "o77\no1\nv0\nv1", (-2.0, 2.0)),
        ("o78", "o78\nn0.5\no2\nv0\nv2", pos),
        ("less", "o6\no2\nv0\nv1\nv2", pos),
        ("floor+ceil", "o0\no13\nv0\no0\no14\nv1\no2\nv0\nv2", pos),
        ("abs", "o15\no2\no1\nv0\nv1\nv2", (-2.0, 2.0)),
        ("neg", "o16\no2\nv0\nv1", pos),
        ("tanh", "o37\no2\nv0\nv1", unit),
        ("tan", "o38\no2\nv0\nv1", unit),
        ("sqrt", "o39\no2\nv0\nv1", pos),
        ("sinh", "o40\no2\nv0\nv1", unit),
        ("sin", "o41\no2\nv0\nv1", (-2.0, 2.0)),
        ("log10", "o42\no2\nv0\nv1", pos),
        ("log", "o43\no0\nv0\nv1", pos),
        ("exp", "o44\no2\nv0\nv1", unit),
        ("cosh", "o45\no2\nv0\nv1", unit),
        ("cos", "o46\no2\nv0\nv1", (-2.0, 2.0)),
        ("atanh", "o47\no2\nv0\nv1", unit),
        ("atan2", "o48\no2\nv0\nv2\nv1", pos),
        ("atan", "o49\no2\nv0\nv1", (-2.0, 2.0)),
        ("asinh", "o50\no2\nv0\nv1", (-2.0, 2.0)),
        ("asin", "o51\no2\nv0\nv1", unit),
        ("acosh", "o52\no2\nv0\nv1", (1.2, 3.0)),
        ("acos", "o53\no2\nv0\nv1", unit),
        ("sumlist", "o54\n3\no2\nv0\nv1\no5\nv1\nn2\no43\nv2", pos),
        ("min list", "o11\n3\no2\nv0\nv1\no44\nv1\no5\nv2\nn3", pos),
        ("max list", "o12\n2\no2\nv0\nv1\no44\nv2", pos),
        ("if lt", "o35\no22\nv0\nv1\no2\nv0\nv2\no41\no2\nv1\nv2", pos),
        ("if le/ge and", "o35\no21\no23\nv0\nv1\no28\nv2\nv0\no5\nv0\nn3\no44\nv1", pos),
        ("if eq/ne/gt or not", "o35\no20\no24\nv0\nv1\no34\no30\no29\nv2\nv1\nn1\no2\nv0\nv1\no3\nv2\nv0", pos),
        ("and/or lists", "o0\no70\n2\no29\nv0\nv1\nv2\no2\no71\n2\no22\nv1\nv2\nn0\no2\nv0\nv1", pos),
        ("piecewise linear", "o2\no64\n3\nn-1\nn1\nn0.5\nn2.5\nn2\no2\nv0\nv1\nv2", pos),
        ("intdiv/round/trunc/precision", "o54\n5\no55\nv0\nn0.3\no57\nv1\nn2\no58\nv2\nn1\no56\nv0\nn3\no2\nv0\nv1", pos),
    ]
}

/// Check gradient, Jacobian and Lagrangian Hessian against central differences at `x`.
fn check_derivatives(label: &str, p: &NlProblem, x: &[f64], rng: &mut Rng) {
    let n = x.len();
    let m = p.num_constraints();
    let h = 1e-6;
    let mut g = vec![0.0; n];
    p.gradient(x, &mut g).unwrap_or_else(|e| panic!("{label}: gradient failed: {e}"));
    let jd = p.jacobian(x).unwrap().to_dense();
    for j in 0..n {
        let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
        xp[j] += h;
        xm[j] -= h;
        let fd = (p.objective(&xp).unwrap() - p.objective(&xm).unwrap()) / (2.0 * h);
        assert!((fd - g[j]).abs() <= 1e-5 * (1.0 + g[j].abs()), "{label}: df/dx{j} = {} vs FD {fd} at {x:?}", g[j]);
        let (mut cp, mut cm) = (vec![0.0; m], vec![0.0; m]);
        p.constraints(&xp, &mut cp).unwrap();
        p.constraints(&xm, &mut cm).unwrap();
        for i in 0..m {
            let fd = (cp[i] - cm[i]) / (2.0 * h);
            let a = jd[j * m + i];
            assert!((fd - a).abs() <= 1e-5 * (1.0 + a.abs()), "{label}: dc{i}/dx{j} = {a} vs FD {fd} at {x:?}");
        }
    }
    // Hessian: central differences of ∇L = σ∇f + Jᵀλ.
    let sigma = rng.uniform(0.5, 1.5);
    let lambda: Vec<f64> = (0..m).map(|_| rng.uniform(-1.5, 1.5)).collect();
    let grad_l = |x: &[f64]| {
        let mut g = vec![0.0; n];
        p.gradient(x, &mut g).unwrap();
        let mut out: Vec<f64> = g.iter().map(|v| sigma * v).collect();
        p.jacobian(x).unwrap().apply_transpose(1.0, &lambda, 1.0, &mut out);
        out
    };
    let hd = hessian_dense(p, x, sigma, &lambda);
    let hh = 1e-5;
    for j in 0..n {
        let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
        xp[j] += hh;
        xm[j] -= hh;
        let (gp, gm) = (grad_l(&xp), grad_l(&xm));
        for i in 0..n {
            let fd = (gp[i] - gm[i]) / (2.0 * hh);
            let a = hd[j * n + i];
            assert!((fd - a).abs() <= 1e-4 * (1.0 + a.abs()), "{label}: H[{i}][{j}] = {a} vs FD {fd} at {x:?}");
        }
    }
}

#[test]
fn every_operator_matches_finite_differences() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for (label, expr, (lo, hi)) in cases() {
        // Objective: the expression; constraint: the expression times x2 plus x0·x1, so the
        // constraint Hessian has cross terms with every variable.
        let con = format!("o0\no2\n{expr}\nv2\no2\nv0\nv1");
        let text = model(3, 0, "", expr, &con);
        let p = NlProblem::from_str(&text).unwrap_or_else(|e| panic!("{label}: {e}"));
        for _ in 0..6 {
            let x: Vec<f64> = (0..3).map(|_| rng.uniform(lo, hi)).collect();
            check_derivatives(label, &p, &x, &mut rng);
        }
    }
}

#[test]
fn defined_variables_are_shared_and_differentiated() {
    // V3 = 2·x0 + x1·x2 (linear part + expression); V4 = sin(V3)·V3.
    let defs = "V3 1 0\n0 2\no2\nv1\nv2\nV4 0 0\no2\no41\nv3\nv3\n";
    let text = model(3, 2, defs, "o0\no2\nv4\nv4\nv3", "o5\nv4\nn3");
    let p = NlProblem::from_str(&text).expect("model with V segments parses");
    let mut rng = Rng(7);
    for _ in 0..5 {
        let x: Vec<f64> = (0..3).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let v3 = 2.0 * x[0] + x[1] * x[2];
        let v4 = v3.sin() * v3;
        assert!((p.objective(&x).unwrap() - (v4 * v4 + v3)).abs() < 1e-12);
        check_derivatives("defined variables", &p, &x, &mut rng);
    }
}

#[test]
fn maximize_is_negated_and_duals_follow_ampl_convention() {
    let text = model(2, 0, "", "o2\nv0\nv1", "o0\nv0\nv1").replace("O0 0", "O0 1");
    let p = NlProblem::from_str(&text).unwrap();
    assert!(p.is_maximize());
    let x = [2.0, 3.0];
    assert_eq!(p.objective(&x).unwrap(), -6.0);
    assert_eq!(p.user_objective(-6.0), 6.0);
    let mut g = [0.0; 2];
    p.gradient(&x, &mut g).unwrap();
    assert_eq!(g, [-3.0, -2.0]);
    assert_eq!(p.ampl_duals(&[0.5]), vec![0.5]);
    let pmin = NlProblem::from_str(&model(2, 0, "", "o2\nv0\nv1", "o0\nv0\nv1")).unwrap();
    assert_eq!(pmin.ampl_duals(&[0.5]), vec![-0.5]);
}

#[test]
fn suffixes_initial_guesses_and_names_are_read() {
    let text = HS071.to_string()
        + "S4 2 scaling_factor\n0 2\n3 0.5\nS5 1 scaling_factor\n1 0.1\nS6 1 scaling_factor\n0 10\nd1\n1 -0.25\n";
    let dir = std::env::temp_dir().join(format!("ipax-nl-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let nl = dir.join("hs071s.nl");
    std::fs::write(&nl, &text).unwrap();
    std::fs::write(dir.join("hs071s.col"), "x[1]\nx[2]\nx[3]\nx[4]\n").unwrap();
    std::fs::write(dir.join("hs071s.row"), "prod\nsumsq\nobj\n").unwrap();
    let p = NlProblem::from_file(&nl).expect("reads with names");
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(p.name(), "hs071s");
    assert_eq!(p.variable_names().unwrap(), ["x[1]", "x[2]", "x[3]", "x[4]"]);
    assert_eq!(p.constraint_names().unwrap(), ["prod", "sumsq"]);
    assert_eq!(p.initial_duals(), &[None, Some(-0.25)]);
    assert_eq!(p.initial_multipliers(), Some(vec![0.0, 0.25]));
    assert_eq!(NlProblem::from_str(HS071).unwrap().initial_multipliers(), None);
    let sc = p.scaling().expect("scaling_factor suffix present");
    assert_eq!(sc.variables, Some(vec![2.0, 1.0, 1.0, 0.5]));
    assert_eq!(sc.constraints, Some(vec![1.0, 0.1]));
    assert_eq!(sc.objective, 10.0);
    assert_eq!(p.suffixes().len(), 3);
}

#[test]
fn default_start_is_zero_clipped_into_bounds() {
    let text = HS071.replace("x4\t# initial guess\n0 1\n1 5\n2 5\n3 1\n", "x1\n2 3\n");
    let p = NlProblem::from_str(&text).unwrap();
    let mut x0 = [0.0; 4];
    p.initial_point(&mut x0);
    assert_eq!(x0, [1.0, 1.0, 3.0, 1.0]);
}

fn err(text: &str) -> NlError {
    match NlProblem::from_str(text) {
        Ok(_) => panic!("malformed input accepted:\n{text}"),
        Err(e) => e,
    }
}

#[test]
fn malformed_files_report_the_line() {
    // Truncated in the middle of the objective expression (line 41 is `v1`).
    let lines: Vec<&str> = HS071.lines().collect();
    let e = err(&lines[..41].join("\n"));
    assert!(matches!(e, NlError::UnexpectedEof { at: Pos::Line(42), .. }), "{e}");
    assert!(e.to_string().contains("line 42"), "{e}");

    // Header declares 3 constraints: the `r` segment then swallows the `b` line (line 52).
    let e = err(&HS071.replacen(" 4 2 1 0 1 0", " 4 3 1 0 1 0", 1));
    assert!(matches!(e, NlError::Syntax { at: Pos::Line(52), .. }), "{e}");
    // Header declares 3 variables: v3 is then out of range.
    let e = err(&HS071.replacen(" 4 2 1 0 1 0", " 3 2 1 0 1 0", 1));
    assert!(matches!(e, NlError::IndexOutOfRange { at: Pos::Line(18), .. }), "{e}");
    // A C segment is missing altogether (checked at the end of the file).
    let e = err(&HS071.replacen("C1\t#c2", "C0", 1));
    assert!(e.to_string().contains("two C segments"), "{e}");

    // Unknown opcode on line 12.
    let e = err(&HS071.replacen("o2\t#*", "o99", 1));
    assert!(matches!(e, NlError::Syntax { at: Pos::Line(12), .. }), "{e}");
    assert!(e.to_string().contains("opcode"), "{e}");

    // Bad number on line 24 (`n2` of the first square).
    let e = err(&HS071.replacen("n2\n", "n2.x\n", 1));
    assert!(matches!(e, NlError::Syntax { at: Pos::Line(24), .. }), "{e}");

    // Variable index out of range on line 15.
    let e = err(&HS071.replacen("v0\t#x1", "v17", 1));
    assert!(matches!(e, NlError::IndexOutOfRange { at: Pos::Line(15), index: 17, limit: 4, .. }), "{e}");

    // Jacobian count disagrees with the header.
    let e = err(&HS071.replacen(" 8 4\t#", " 9 4\t#", 1));
    assert!(matches!(e, NlError::Invalid { .. }) && e.to_string().contains("J segments"), "{e}");

    // Constraint index out of range.
    let e = err(&HS071.replacen("C1\t#c2", "C5", 1));
    assert!(matches!(e, NlError::IndexOutOfRange { at: Pos::Line(19), what: "constraint", .. }), "{e}");

    // Unsupported features.
    // A text body under a binary header is read as binary, and rejected with a byte offset.
    let e = err(&HS071.replacen('g', "b", 1));
    assert!(matches!(e.position(), Some(Pos::Byte(_))), "{e}");
    assert!(matches!(err(&(HS071.to_string() + "F0 1 -1 myfunc\n")), NlError::Unsupported { .. }));
    assert!(matches!(err(&(HS071.to_string() + "L0\nn1\n")), NlError::Unsupported { .. }));
    assert!(matches!(err(&HS071.replacen("2 25\n", "5 1 3\n", 1)), NlError::Unsupported { .. }));
    assert!(matches!(err(&HS071.replacen("o2\t#*", "o74", 1)), NlError::Unsupported { at: Pos::Line(12), .. }));
    assert!(matches!(err(""), NlError::UnexpectedEof { at: Pos::Line(1), .. }));
}

#[test]
fn cycles_and_undefined_defined_variables_are_rejected() {
    let cyc = model(2, 2, "V2 0 0\no2\nv3\nv0\nV3 0 0\no0\nv2\nv1\n", "v2", "v0");
    let e = err(&cyc);
    assert!(e.to_string().contains("cycle"), "{e}");
    let undefined = model(2, 2, "V2 0 0\no2\nv0\nv1\n", "v3", "v0");
    let e = err(&undefined);
    assert!(e.to_string().contains("never defined"), "{e}");
    let self_ref = model(2, 1, "V2 0 0\no2\nv2\nv1\n", "v2", "v0");
    assert!(err(&self_ref).to_string().contains("cycle"));
}

#[test]
fn mutated_files_never_panic() {
    let base: Vec<&str> = HS071.lines().collect();
    let mut rng = Rng(0xDEAD_BEEF_1234_5678);
    let mut parsed_ok = 0;
    for _ in 0..400 {
        let mut lines: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        for _ in 0..1 + rng.below(3) {
            let i = rng.below(lines.len());
            match rng.below(6) {
                0 => {
                    lines.remove(i);
                }
                1 => {
                    let l = lines[i].clone();
                    lines.insert(i, l);
                }
                2 => {
                    let mut b = lines[i].clone().into_bytes();
                    if !b.is_empty() {
                        let k = rng.below(b.len());
                        b[k] = b"0123456789onvlsxC-.e #\t"[rng.below(23)];
                    }
                    lines[i] = String::from_utf8_lossy(&b).into_owned();
                }
                3 => lines.truncate(i + 1),
                4 => {
                    let j = rng.below(lines.len());
                    lines.swap(i, j);
                }
                _ => lines[i] = format!("o{}", rng.below(90)),
            }
        }
        let text = lines.join("\n");
        let result = std::panic::catch_unwind(|| {
            let r = NlProblem::from_bytes(text.as_bytes());
            if let Ok(p) = &r {
                // A model that parses must also evaluate without panicking (errors are fine).
                let mut x = vec![0.0; p.num_variables()];
                p.initial_point(&mut x);
                let _ = p.objective(&x);
                let mut g = vec![0.0; p.num_variables()];
                let _ = p.gradient(&x, &mut g);
                let _ = p.jacobian(&x).map(|j| j.shape());
                let _ = p.hessian(&x, 1.0, &vec![1.0; p.num_constraints()]).map(|h| h.is_some());
            }
            r.is_ok()
        });
        match result {
            Ok(ok) => parsed_ok += usize::from(ok),
            Err(_) => panic!("parser panicked on mutated input:\n{text}"),
        }
    }
    // Some mutations (comment edits, duplicate coefficient lines) keep the file valid.
    assert!(parsed_ok > 0 && parsed_ok < 400, "{parsed_ok} of 400 mutants parsed");
}

#[test]
fn sol_layout_matches_what_ampl_and_pyomo_read() {
    let text = format_sol("ipax 0.1: Optimal Solution Found\n\nOptions are fine", &[1.0, 4.743, 3.82115, 1.379408], &[-0.552, 0.1614], 0);
    let expected_head = "ipax 0.1: Optimal Solution Found\noptions are fine\n\nOptions\n3\n1\n1\n0\n2\n2\n4\n4\n-0.552\n0.1614\n1\n4.743\n3.82115\n1.379408\nobjno 0 0\n";
    assert_eq!(text, expected_head);
    let back = read_sol(&text).expect("round trip");
    assert_eq!(back.x, [1.0, 4.743, 3.82115, 1.379408]);
    assert_eq!(back.y, [-0.552, 0.1614]);
    assert_eq!(back.solve_result_num, Some(0));
    assert_eq!(back.message, "ipax 0.1: Optimal Solution Found\noptions are fine");

    // Extreme values survive the text round trip exactly.
    let x = [1e-300, -2.5e17, 0.1 + 0.2, 0.0, f64::MAX];
    let back = read_sol(&format_sol("", &x, &[], SolveResult::LimitReached.code())).unwrap();
    assert_eq!(back.x, x);
    assert_eq!(back.solve_result_num, Some(400));
    assert_eq!(back.message, "ipax");

    let dir = std::env::temp_dir().join(format!("ipax-sol-test-{}.sol", std::process::id()));
    write_sol(&dir, "done", &[1.0], &[2.0], 200).unwrap();
    let read = std::fs::read_to_string(&dir).unwrap();
    std::fs::remove_file(&dir).ok();
    assert_eq!(read_sol(&read).unwrap().solve_result_num, Some(200));
    for (code, r) in [(0, SolveResult::Solved), (150, SolveResult::SolvedQuestionable), (299, SolveResult::Infeasible), (300, SolveResult::Unbounded), (401, SolveResult::LimitReached), (520, SolveResult::Failure), (-1, SolveResult::Failure)] {
        assert_eq!(SolveResult::from_code(code), r);
    }
}

#[test]
fn deeply_nested_expressions_do_not_overflow_the_stack() {
    // 200 000 nested negations: a recursive reader would exhaust a test thread's stack.
    let depth = 200_000;
    let expr = "o16\n".repeat(depth) + "v0";
    let p = NlProblem::from_str(&model(1, 0, "", &expr, "v0")).expect("deep expression parses");
    assert_eq!(p.objective(&[2.0]).unwrap(), 2.0); // even number of negations
    let mut g = [0.0];
    p.gradient(&[2.0], &mut g).unwrap();
    assert_eq!(g, [1.0]);
}

/// `min Σ (x_i − 1)² + x_i·x_{i+1}  s.t.  x_i² + x_{i+1} ≥ 0`, written as one `o54` sum.
fn chain_model(n: usize) -> String {
    let mut s = format!("g3 1 1 0\n {n} {} 1 0 0\n {} 1\n 0 0\n {n} {n} {n}\n 0 0 0 1\n 0 0 0 0 0\n 0 0\n 0 0\n 0 0 0 0 0\n", n - 1, n - 1);
    for i in 0..n - 1 {
        s.push_str(&format!("C{i}\no0\no5\nv{i}\nn2\nv{}\n", i + 1));
    }
    s.push_str(&format!("O0 0\no54\n{}\n", 2 * n - 1));
    for i in 0..n {
        s.push_str(&format!("o5\no0\nv{i}\nn-1\nn2\n"));
    }
    for i in 0..n - 1 {
        s.push_str(&format!("o2\nv{i}\nv{}\n", i + 1));
    }
    s.push_str("r\n");
    s.push_str(&"2 0\n".repeat(n - 1));
    s.push_str("b\n");
    s.push_str(&"3\n".repeat(n));
    s
}

#[test]
fn partially_separable_sums_keep_the_hessian_sparse() {
    // One big objective sum must not become one dense element: the Hessian is tridiagonal.
    let n = 2000;
    let p = NlProblem::from_str(&chain_model(n)).unwrap();
    assert_eq!(p.hessian_nnz(), 2 * n - 1);
    assert_eq!(p.jacobian_nnz(), 2 * (n - 1));
    let x: Vec<f64> = (0..n).map(|i| 0.001 * i as f64).collect();
    let lambda = vec![0.5; n - 1];
    let h = p.hessian(&x, 2.0, &lambda).unwrap().unwrap();
    let csc = h.csc().expect("assembled Hessian");
    // Diagonal: σ·2 from (x_i − 1)², plus λ·2 from x_i² in constraint i (not for the last x).
    let d = h.diagonal().unwrap();
    assert_eq!(d[0], 4.0 + 1.0);
    assert_eq!(d[n - 1], 4.0);
    assert!(csc.values.iter().all(|v| v.is_finite()));
}

fn testdata(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/nl/testdata").join(name)
}

#[test]
fn pyomo_written_hs071_reads_with_names() {
    let p = NlProblem::from_file(testdata("hs071_pyomo.nl")).expect("Pyomo's hs071 parses");
    assert_eq!(p.name(), "hs071_pyomo");
    assert_eq!(p.variable_names().unwrap(), ["x[1]", "x[2]", "x[3]", "x[4]"]);
    assert_eq!(p.constraint_names().unwrap(), ["c1", "c2"]);
    let q = NlProblem::from_str(HS071).unwrap();
    let mut rng = Rng(11);
    for _ in 0..5 {
        let x: Vec<f64> = (0..4).map(|_| rng.uniform(1.0, 5.0)).collect();
        assert_eq!(p.objective(&x).unwrap(), q.objective(&x).unwrap());
        check_derivatives("pyomo hs071", &p, &x, &mut rng);
    }
}

#[test]
fn pyomo_written_operator_model_matches_closed_form() {
    let p = NlProblem::from_file(testdata("ops_pyomo.nl")).expect("Pyomo's operator model parses");
    assert!(p.is_maximize());
    assert_eq!(p.variable_names().unwrap(), ["x[0]", "x[1]", "x[2]", "y"]);
    assert_eq!(p.constraint_names().unwrap(), ["c1", "c2", "c3", "c4", "c5"]);
    let sc = p.scaling().unwrap();
    assert_eq!(sc.variables, Some(vec![2.0, 1.0, 1.0, 1.0]));
    assert_eq!(sc.constraints, Some(vec![0.5, 1.0, 1.0, 1.0, 1.0]));
    let (mut cl, mut cu) = ([0.0; 5], [0.0; 5]);
    p.constraint_bounds(&mut cl, &mut cu);
    let inf = f64::INFINITY;
    assert_eq!(cl, [-inf, -1.0, 3.0, 0.5, -inf]);
    assert_eq!(cu, [10.0, 20.0, 3.0, inf, 100.0]);
    let mut rng = Rng(12);
    for _ in 0..5 {
        let mut x: Vec<f64> = (0..3).map(|_| rng.uniform(0.1, 2.0)).collect();
        x.push(rng.uniform(-1.0, 1.0));
        let (x0, x1, x2, y) = (x[0], x[1], x[2], x[3]);
        let e = x0 * x1 + x2.exp();
        // Maximized objective, reported negated.
        let f = -(x0 - 1.0).powi(2) - e - 2.0 * y;
        assert!((p.objective(&x).unwrap() + f).abs() < 1e-12);
        let c = [
            x0.sin() + x1.cos() * x2.tan() + e,
            x0.ln() + x1.log10() + x2.sqrt() + e * e,
            x0.atan() + (x1 / 4.0).asin() + (x2 / 4.0).acos() + y.sinh() + x0.cosh() + x1.tanh(),
            (y - 1.0).abs() + if x1 <= x0 { x0 * x0 } else { x1.powi(3) } + 2f64.powf(x2) + x0.powf(x1),
            y.asinh() + (1.0 + x0).acosh() + (x1 / 4.0).atanh() - 3.0 * y + e / x2,
        ];
        let mut got = [0.0; 5];
        p.constraints(&x, &mut got).unwrap();
        for i in 0..5 {
            assert!((got[i] - c[i]).abs() < 1e-12 * (1.0 + c[i].abs()), "c{i}: {} vs {}", got[i], c[i]);
        }
        check_derivatives("pyomo operators", &p, &x, &mut rng);
    }
}

#[test]
fn constant_subexpressions_are_folded() {
    // sqrt-like power x0^(1/2) and a constant factor (2·3)·x1² written as nested operators.
    let p = NlProblem::from_str(&model(2, 0, "", "o0\no5\nv0\no3\nn1\nn2\no2\no2\nn2\nn3\no5\nv1\nn2", "v0")).unwrap();
    let x = [4.0, -1.5];
    assert_eq!(p.objective(&x).unwrap(), 2.0 + 6.0 * 2.25);
    let mut g = [0.0; 2];
    p.gradient(&x, &mut g).unwrap();
    assert_eq!(g, [0.25, -18.0]);
    let h = hessian_dense(&p, &x, 1.0, &[0.0]);
    assert_eq!(h, vec![-1.0 / 32.0, 0.0, 0.0, 12.0]);
}

#[test]
fn inconsistent_linear_segments_are_rejected() {
    // k segment with the wrong number of entries.
    let e = err(&HS071.replacen("k3\t#intermediate Jacobian column lengths\n2\n", "k2\n", 1));
    assert!(matches!(e, NlError::Invalid { .. }) && e.to_string().contains("k segment"), "{e}");
    // Decreasing cumulative column counts.
    let e = err(&HS071.replacen("2\n4\n6\n", "2\n1\n6\n", 1));
    assert!(e.to_string().contains("column count"), "{e}");
    // A second J segment for the same constraint.
    let e = err(&HS071.replacen("J1 4\t#c2", "J0 4", 1));
    assert!(e.to_string().contains("two 'J' segments"), "{e}");
    // Objective sense other than 0/1.
    let e = err(&HS071.replacen("O0 0", "O0 2", 1));
    assert!(matches!(e, NlError::Syntax { at: Pos::Line(34), .. }), "{e}");
}

/// Every text model the tests above use, by label: fixtures, operator cases, chains, defined
/// variables, suffixes (real and integer), initial guesses.
fn text_models() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = vec![("hs071".into(), HS071.to_string())];
    for f in ["hs071.nl", "hs071_pyomo.nl", "ops_pyomo.nl"] {
        out.push((f.into(), std::fs::read_to_string(testdata(f)).unwrap()));
    }
    for (label, expr, _) in cases() {
        out.push((label.into(), model(3, 0, "", expr, expr)));
    }
    out.push(("chain".into(), chain_model(6)));
    let defs = "V3 1 0\n0 2\no2\nv1\nv2\nV4 0 0\no2\no41\nv3\nv3\n";
    out.push(("defined".into(), model(3, 2, defs, "o0\no2\nv4\nv4\nv3", "o5\nv4\nn3")));
    out.push(("maximize".into(), model(2, 0, "", "o2\nv0\nv1", "o0\nv0\nv1").replace("O0 0", "O0 1")));
    out.push((
        "suffixes".into(),
        HS071.to_string()
            + "S4 2 scaling_factor\n0 2\n3 0.5\nS5 1 scaling_factor\n1 0.1\nS0 2 sosno\n1 3\n2 -4\nd1\n1 -0.25\nx2\n0 1.5\n3 -0.0\n",
    ));
    // Constants in every binary encoding: short, long, real, and −0 (which must stay a real).
    out.push(("constants".into(), model(2, 0, "", "o54\n4\no2\nn-7\nv0\no2\nn70000\nv1\no2\nn0.1\nv0\nn-0", "o2\nn1e300\nv1")));
    out
}

/// Everything the solver sees of a problem, evaluated at `x` (compared bit for bit).
fn fingerprint(p: &NlProblem, x: &[f64]) -> Vec<u64> {
    let (n, m) = (p.num_variables(), p.num_constraints());
    let mut v: Vec<f64> = vec![n as f64, m as f64];
    let (mut lo, mut hi) = (vec![0.0; n], vec![0.0; n]);
    p.variable_bounds(&mut lo, &mut hi);
    v.extend(lo.iter().chain(&hi));
    let (mut lo, mut hi) = (vec![0.0; m], vec![0.0; m]);
    p.constraint_bounds(&mut lo, &mut hi);
    v.extend(lo.iter().chain(&hi));
    let mut x0 = vec![0.0; n];
    p.initial_point(&mut x0);
    v.extend(&x0);
    v.extend(p.initial_duals().iter().map(|d| d.unwrap_or(f64::MAX)));
    v.push(p.objective(x).unwrap_or(f64::MIN));
    let mut g = vec![0.0; n];
    let _ = p.gradient(x, &mut g);
    v.extend(&g);
    let mut c = vec![0.0; m];
    let _ = p.constraints(x, &mut c);
    v.extend(&c);
    if let Ok(j) = p.jacobian(x) {
        v.extend(j.to_dense());
    }
    match p.hessian(x, 0.7, &vec![0.3; m]) {
        Ok(Some(h)) => v.extend(h.to_dense()),
        _ => v.push(f64::MIN),
    }
    if let Some(s) = p.scaling() {
        v.extend(s.variables.unwrap_or_default());
        v.extend(s.constraints.unwrap_or_default());
        v.push(s.objective);
    }
    for s in p.suffixes() {
        v.extend(s.values.iter().flat_map(|&(i, x)| [i as f64, x]));
    }
    v.into_iter().map(f64::to_bits).collect()
}

#[test]
fn every_text_model_reads_identically_from_binary_in_both_byte_orders() {
    let mut rng = Rng(99);
    for (label, text) in text_models() {
        let p = NlProblem::from_str(&text).unwrap_or_else(|e| panic!("{label}: {e}"));
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let bin = text_to_binary(&text, order).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(bin[0], b'b');
            let q = NlProblem::from_bytes(&bin).unwrap_or_else(|e| panic!("{label} ({order:?}): {e}"));
            assert_eq!(p.header(), q.header(), "{label}");
            assert_eq!(p.is_maximize(), q.is_maximize(), "{label}");
            assert_eq!(p.jacobian_nnz(), q.jacobian_nnz(), "{label}");
            assert_eq!(p.hessian_nnz(), q.hessian_nnz(), "{label}");
            for _ in 0..3 {
                let x: Vec<f64> = (0..p.num_variables()).map(|_| rng.uniform(0.6, 1.9)).collect();
                assert_eq!(fingerprint(&p, &x), fingerprint(&q, &x), "{label} ({order:?})");
            }
        }
    }
}

#[test]
fn binary_constants_use_all_three_encodings() {
    let text = model(2, 0, "", "o54\n4\no2\nn-7\nv0\no2\nn70000\nv1\no2\nn0.1\nv0\nn-0", "v0");
    let bin = text_to_binary(&text, ByteOrder::Little).unwrap();
    let has = |pat: &[u8]| bin.windows(pat.len()).any(|w| w == pat);
    assert!(has(&[b's', 0xf9, 0xff]), "-7 as a short");
    assert!(has(&[b'l', 0x70, 0x11, 0x01, 0x00]), "70000 as a long");
    assert!(has(&[&[b'n'][..], &0.1f64.to_le_bytes()].concat()), "0.1 as a double");
    assert!(has(&[&[b'n'][..], &(-0.0f64).to_le_bytes()].concat()), "-0 keeps its sign as a double");
}

#[test]
fn malformed_binary_files_are_typed_errors_with_byte_offsets() {
    let bin = text_to_binary(HS071, ByteOrder::Little).unwrap();
    let header_len = bin.iter().enumerate().filter(|&(_, &b)| b == b'\n').nth(9).unwrap().0 + 1;
    // Every truncation is a typed error; once the header is whole, its position is a byte offset
    // no further than the cut (a header cut inside its last line may still parse).
    for cut in 1..bin.len() {
        match NlProblem::from_bytes(&bin[..cut]) {
            Ok(_) => panic!("truncated binary accepted at {cut}"),
            Err(e) if cut >= header_len => {
                assert!(matches!(e.position(), Some(Pos::Byte(b)) if b <= cut), "cut {cut}: {e}")
            }
            Err(e) => assert!(e.position().is_some(), "cut {cut}: {e}"),
        }
    }
    // A negative 4-byte count, an unknown segment byte, an unknown byte order.
    let j = header_len + bin[header_len..].iter().position(|&b| b == b'J').unwrap();
    let mut neg = bin.clone();
    neg[j + 5..j + 9].copy_from_slice(&(-3i32).to_le_bytes());
    let e = NlProblem::from_bytes(&neg).unwrap_err();
    assert!(matches!(e, NlError::Syntax { at: Pos::Byte(b), .. } if b == j + 5), "{e}");
    let mut seg = bin.clone();
    seg[j] = b'Q';
    let e = NlProblem::from_bytes(&seg).unwrap_err();
    assert!(matches!(e, NlError::Syntax { at: Pos::Byte(b), .. } if b == j), "{e}");
    assert!(NlProblem::from_bytes(&bin).is_ok());
    let mut vax = String::from_utf8_lossy(&bin[..header_len]).into_owned();
    let line6 = vax.lines().nth(5).unwrap().to_string();
    vax = vax.replacen(&line6, " 0 0 4 0", 1);
    let mut vax = vax.into_bytes();
    vax.extend_from_slice(&bin[header_len..]);
    let e = NlProblem::from_bytes(&vax).unwrap_err();
    assert!(matches!(e, NlError::Unsupported { at: Pos::Line(6), .. }), "{e}");
    // A big-endian file read as little-endian (arith field swapped) fails cleanly, not silently.
    let mut swapped = text_to_binary(HS071, ByteOrder::Big).unwrap();
    let h = String::from_utf8_lossy(&swapped[..header_len]).replacen(" 0 0 2 1\n", " 0 0 1 1\n", 1);
    assert_eq!(h.len(), header_len);
    assert_ne!(h.as_bytes(), &swapped[..header_len], "arith field rewritten");
    swapped[..header_len].copy_from_slice(h.as_bytes());
    assert!(NlProblem::from_bytes(&swapped).is_err());
}

#[test]
fn builtin_fuzz_seeds_are_valid_models_in_both_formats() {
    for (i, seed) in fuzz::builtin_seeds().iter().enumerate() {
        let p = NlProblem::from_str(seed).unwrap_or_else(|e| panic!("seed {i}: {e}"));
        let q = NlProblem::from_bytes(&text_to_binary(seed, ByteOrder::Little).unwrap()).unwrap();
        let x: Vec<f64> = (0..p.num_variables()).map(|j| 0.3 + 0.2 * j as f64).collect();
        assert_eq!(fingerprint(&p, &x), fingerprint(&q, &x), "seed {i}");
    }
}

/// A short run of the structure-aware fuzzer (the long runs use the `nl-fuzz` binary): text and
/// binary mutants must parse or fail with a typed error, never panic.
#[test]
fn short_fuzz_run_finds_no_panic() {
    let mut seeds = fuzz::builtin_seeds();
    seeds.push(HS071.to_string());
    for f in ["hs071_pyomo.nl", "ops_pyomo.nl"] {
        seeds.push(std::fs::read_to_string(testdata(f)).unwrap());
    }
    let mut rng = fuzz::Rng(0x1234_5678_9ABC);
    let (mut parsed, mut binary) = (0, 0);
    let cases = 3000;
    for _ in 0..cases {
        let input = fuzz::case(&seeds, &mut rng);
        binary += usize::from(input[0] == b'b');
        match std::panic::catch_unwind(|| fuzz::exercise(&input)) {
            Ok(r) => parsed += usize::from(r.is_ok()),
            Err(_) => panic!("the .nl reader panicked on:\n{}", String::from_utf8_lossy(&input)),
        }
    }
    // Both formats are exercised, and mutants both survive and get rejected.
    assert!(binary > cases / 4 && binary < 3 * cases / 4, "{binary} binary cases");
    assert!(parsed > 0 && parsed < cases, "{parsed} of {cases} parsed");
}

/// `k` constraints `sin(V) + x_j` sharing one defined variable `V = Σ_{i<k} x_i²`: every
/// constraint element is dense in all `k` variables, so the element Hessians total
/// `k · k(k+1)/2` entries from a file of size O(k) — what the budget guards against.
fn shared_defined_variable_model(k: usize) -> String {
    let mut s = format!("g3 1 1 0\n {k} {k} 1 0 0\n {k} 0\n 0 0\n {k} 0 0\n 0 0 0 1\n 0 0 0 0 0\n 0 0\n 0 0\n 0 1 0 0 0\n");
    s.push_str(&format!("V{k} 0 0\no54\n{k}\n"));
    for i in 0..k {
        s.push_str(&format!("o2\nv{i}\nv{i}\n"));
    }
    for j in 0..k {
        s.push_str(&format!("C{j}\no0\no41\nv{k}\nv{j}\n"));
    }
    s.push_str("O0 0\nn0\nr\n");
    s.push_str(&"3\n".repeat(k));
    s.push_str("b\n");
    s.push_str(&"3\n".repeat(k));
    s
}

#[test]
fn element_hessians_beyond_the_budget_drop_the_exact_hessian() {
    let k = 12;
    let text = shared_defined_variable_model(k);
    let full = NlProblem::from_str(&text).unwrap();
    assert!(full.exact_hessian() && full.has_hessian());
    assert_eq!(full.hessian_entries(), k * k * (k + 1) / 2);
    let capped = NlProblem::from_model_with_limit(parser::parse(&text).unwrap(), full.hessian_entries() - 1).unwrap();
    assert!(!capped.exact_hessian() && !capped.has_hessian());
    assert_eq!(capped.hessian_entries(), full.hessian_entries());
    let x: Vec<f64> = (0..k).map(|i| 0.1 * i as f64).collect();
    assert!(capped.hessian(&x, 1.0, &vec![1.0; k]).unwrap().is_none());
    // Everything else is unchanged (the budget only concerns second derivatives).
    let (mut a, mut b) = (fingerprint(&full, &x), fingerprint(&capped, &x));
    // The fingerprint ends with the dense Hessian (k² entries) or one marker.
    a.truncate(a.len() - k * k);
    b.truncate(b.len() - 1);
    assert_eq!(a, b);
    // The default budget: k = 420 asks for 3.7·10⁷ entries (about 1.2 GB) from a 60 kB file.
    let big = NlProblem::from_str(&shared_defined_variable_model(420)).unwrap();
    assert_eq!(big.hessian_entries(), 420 * 420 * 421 / 2);
    assert!(big.hessian_entries() > HESSIAN_ENTRY_LIMIT && !big.exact_hessian());
}

/// The vector-mode element Hessian (one tangent and one reverse sweep carrying all directions,
/// from recorded partials) equals the scalar forward-over-reverse one (`p` sweep pairs, used for
/// elements beyond `VECTOR_HESSIAN_LIMIT`) on every operator, and the recorded-partials gradient
/// equals the gradient of the scalar reverse sweep.
#[test]
fn vector_mode_hessian_equals_scalar_sweeps_on_every_operator() {
    let mut rng = Rng(0x51ED_2701_AB37_11C3);
    let mut checked = 0;
    for (label, expr, (lo, hi)) in cases() {
        let con = format!("o0\no2\n{expr}\nv2\no2\nv0\nv1");
        let p = NlProblem::from_str(&model(3, 0, "", expr, &con)).unwrap_or_else(|e| panic!("{label}: {e}"));
        let mut s = p.scratch(true);
        for _ in 0..4 {
            let x: Vec<f64> = (0..3).map(|_| rng.uniform(lo, hi)).collect();
            for f in std::iter::once(&p.objective).chain(&p.constraints) {
                for e in &f.elements {
                    let tape = p.tapes.store.tape(&e.range, &p.tapes.pls);
                    let np = e.range.num_vars();
                    let v_plain = tape.forward(&x, &mut s.val);
                    let mut h_scalar = vec![0.0; np * np];
                    tape.hessian(&s.val.clone(), &mut s.dot, &mut s.adj, &mut s.adot, &mut h_scalar);
                    let v_local = tape.forward_local(&x, &mut s.val, &mut s.loc);
                    assert_eq!(v_plain.to_bits(), v_local.to_bits(), "{label}: value");
                    let mut h_vector = vec![0.0; np * np];
                    let len = tape.hessian_local_len();
                    let (mut dot, mut adot) = (vec![0.0; len], vec![0.0; len]);
                    tape.hessian_local(&s.val, &s.loc, &mut dot, &mut s.adj, &mut adot, &mut h_vector);
                    for (k, (a, b)) in h_scalar.iter().zip(&h_vector).enumerate() {
                        assert!(a == b || (a.is_nan() && b.is_nan()), "{label}: H entry {k}: scalar {a} vs vector {b} at {x:?}");
                    }
                    // Gradient: the reverse sweep of the scalar Hessian's first column carries
                    // the adjoints; compare with finite differences of the element instead.
                    let mut g = vec![0.0; np];
                    tape.gradient_local(&s.val, &s.loc, &mut s.adj, 1.0, &mut g);
                    for (slot, &j) in tape.vars.iter().enumerate() {
                        let (mut xp, mut xm) = (x.clone(), x.clone());
                        xp[j] += 1e-6;
                        xm[j] -= 1e-6;
                        let fd = (tape.forward(&xp, &mut s.dot) - tape.forward(&xm, &mut s.dot)) / 2e-6;
                        assert!((fd - g[slot]).abs() <= 1e-5 * (1.0 + fd.abs()), "{label}: gradient slot {slot}: {} vs FD {fd}", g[slot]);
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} elements checked");
}

/// A model where every operator case appears in `reps` constraints and `reps` objective terms,
/// each multiplied by `exp(cᵢ·v)` with its own constant (so batched groups span several blocks
/// and their members differ in constants and weights); case `k` uses variables `3k..3k+3`.
fn repeated_shapes_model(reps: usize) -> (String, Vec<(f64, f64)>) {
    let cases = cases();
    let n = 3 * cases.len();
    let m = reps * cases.len();
    let remap = |expr: &str, k: usize| -> String {
        expr.lines()
            .map(|l| match l.strip_prefix('v') {
                Some(j) => format!("v{}\n", 3 * k + j.parse::<usize>().unwrap()),
                None => format!("{l}\n"),
            })
            .collect()
    };
    let term = |k: usize, r: usize| -> String {
        let c = 0.01 * (1 + (r * 7 + k) % 13) as f64;
        format!("o2\n{}o44\no2\nn{c}\nv{}\n", remap(cases[k].1, k), 3 * k + r % 3)
    };
    let mut s = format!("g3 1 1 0\n {n} {m} 1 0 0\n {m} 1\n 0 0\n {n} {n} {n}\n 0 0 0 1\n 0 0 0 0 0\n 0 0\n 0 0\n 0 0 0 0 0\n");
    for i in 0..m {
        s.push_str(&format!("C{i}\n{}", term(i % cases.len(), i / cases.len())));
    }
    s.push_str(&format!("O0 0\no54\n{m}\n"));
    for i in 0..m {
        // Weights by constant factors (split off as element weights).
        s.push_str(&format!("o2\nn{}\n{}", 0.5 + (i % 5) as f64, term(i % cases.len(), i / cases.len() + 1)));
    }
    s.push_str("r\n");
    s.push_str(&"2 -1e3\n".repeat(m));
    s.push_str("b\n");
    s.push_str(&"3\n".repeat(n));
    let domains = cases.iter().flat_map(|c| [c.2; 3]).collect();
    (s, domains)
}

/// The element-batched sweeps give bit for bit the values, gradient, constraints, Jacobian and
/// Lagrangian Hessian of the per-element tapes, on every text model of the tests and on a model
/// with every operator repeated over several blocks; and again on a second call (pooled buffers).
#[test]
fn batched_sweeps_equal_per_element_tapes_bit_for_bit() {
    let mut rng = Rng(0xBA7C_4ED0_5EED_0001);
    let (rep, domains) = repeated_shapes_model(70);
    type Case = (String, String, Option<Vec<(f64, f64)>>);
    let mut models: Vec<Case> = text_models().into_iter().map(|(l, t)| (l, t, None)).collect();
    models.push(("chain 100".into(), chain_model(100), None));
    models.push(("repeated shapes".into(), rep, Some(domains)));
    // Quadratic shapes (their Hessians are computed once at load): products of a division by a
    // constant and a sum with negation and a constant multiple, over several blocks.
    let quad_terms: String = (0..80)
        .map(|i| format!("o2\no3\nv{}\nn{}\no54\n3\nv{}\no16\nv{}\no2\nn2\nv{}\n", i % 6, 1.5 + (i % 7) as f64, (i + 1) % 6, (i + 2) % 6, (i + 3) % 6))
        .collect();
    models.push(("quadratic".into(), model(6, 0, "", &format!("o54\n80\n{quad_terms}"), "o5\nv0\nn2"), None));
    // The same shape with its constants repeated over runs of members (sweeps shared by a run),
    // and a run of one.
    let run_terms: String = (0..80)
        .map(|i| format!("o2\no3\nv{}\nn{}\no54\n3\nv{}\no16\nv{}\no2\nn2\nv{}\n", i % 6, if i == 41 { 9.0 } else { 1.5 + (i / 20) as f64 }, (i + 1) % 6, (i + 2) % 6, (i + 3) % 6))
        .collect();
    models.push(("quadratic runs".into(), model(6, 0, "", &format!("o54\n80\n{run_terms}"), "o5\nv0\nn2"), None));
    for (label, text, domains) in models {
        let mut batched = NlProblem::from_str(&text).unwrap_or_else(|e| panic!("{label}: {e}"));
        // The sweeps themselves (a quadratic objective's gradient is otherwise one product).
        batched.set_quadratic_gradient(false);
        let mut plain = batched.clone();
        plain.set_batched(false);
        for _ in 0..3 {
            let x: Vec<f64> = match &domains {
                Some(d) => d.iter().map(|&(lo, hi)| rng.uniform(lo, hi)).collect(),
                None => (0..batched.num_variables()).map(|_| rng.uniform(0.6, 1.9)).collect(),
            };
            let want = fingerprint(&plain, &x);
            assert_eq!(fingerprint(&batched, &x), want, "{label}");
            assert_eq!(fingerprint(&batched, &x), want, "{label} (second call)");
        }
    }
}

/// The repeated-shapes model really is batched: most of its elements are in groups.
#[test]
fn repeated_shapes_are_batched() {
    let (text, _) = repeated_shapes_model(40);
    let p = NlProblem::from_str(&text).unwrap();
    let (grouped, fallback) = p.con_batch.counts();
    assert!(grouped > 4 * fallback, "grouped {grouped}, fallback {fallback}");
    // One shape per operator case and choice of the exp factor's variable (three of them).
    assert!(p.con_batch.num_groups() <= 3 * cases().len(), "{} groups for {grouped} elements", p.con_batch.num_groups());
}

/// Element Hessians keep only their structural entries: Pyomo writes the obstacle energy term as
/// `(½ x₀)·(4x₀ − x₁ − x₂ − x₃)`, whose Hessian couples x₀ with each variable but no two
/// neighbours; and `x₁/x₂` has no (x₁, x₁) entry. The values still match finite differences.
#[test]
fn element_hessians_keep_only_structural_entries() {
    let obj = "o2\no2\nn0.5\nv0\no54\n4\no2\nn4\nv0\no16\nv1\no16\nv2\no16\nv3";
    let con = "o3\nv1\nv2";
    let p = NlProblem::from_str(&model(4, 0, "", obj, con)).unwrap();
    // (0,0), (1,0), (2,0), (3,0) from the product; (2,1), (2,2) from the quotient.
    assert_eq!(p.hessian_nnz(), 6);
    let x = [0.7, 1.3, 0.9, 1.1];
    let h = hessian_dense(&p, &x, 1.0, &[0.5]);
    // ∂²/∂x₀² = 4, ∂²/∂x₀∂x_q = −½; ∂²(x₁/x₂)/∂x₁∂x₂ = −1/x₂², ∂²/∂x₂² = 2x₁/x₂³ (times λ = ½).
    let want = |r: usize, c: usize| -> f64 {
        match (r.min(c), r.max(c)) {
            (0, 0) => 4.0,
            (0, _) => -0.5,
            (1, 2) => -0.5 / (x[2] * x[2]),
            (2, 2) => 0.5 * 2.0 * x[1] / (x[2] * x[2] * x[2]),
            _ => 0.0,
        }
    };
    for r in 0..4 {
        for c in 0..4 {
            assert!((h[r * 4 + c] - want(r, c)).abs() < 1e-12, "H[{r},{c}] = {} (want {})", h[r * 4 + c], want(r, c));
        }
    }
    let mut rng = Rng(5);
    check_derivatives("structural", &p, &x, &mut rng);
}

/// Quadratic shapes get their Hessians computed once at load, the others do not: the chain's
/// `(x_i − 1)²` and `x_i·x_{i+1}` terms are quadratic, its constraints `x_i² + x_{i+1}` are
/// split into a quadratic element and a linear term; the repeated-shapes model (every operator
/// times an exponential) has no quadratic shape.
#[test]
fn only_quadratic_shapes_have_fixed_hessians() {
    let chain = NlProblem::from_str(&chain_model(50)).unwrap();
    assert_eq!(chain.obj_batch.num_fixed(), chain.obj_batch.num_groups());
    assert!(chain.obj_batch.num_fixed() >= 2);
    assert_eq!(chain.con_batch.num_fixed(), chain.con_batch.num_groups());
    // Every member of a chain shape has the same constants: one sweep per shape.
    assert_eq!(chain.obj_batch.fixed_sweeps(), chain.obj_batch.num_fixed());
    let (text, _) = repeated_shapes_model(5);
    let rep = NlProblem::from_str(&text).unwrap();
    assert_eq!(rep.con_batch.num_fixed(), 0);
}

/// A quadratic objective's gradient is one product with its constant Hessian, equal to the sweeps'
/// up to rounding at any x, also for a maximized objective; objectives with a non-quadratic
/// element keep the sweeps.
#[test]
fn quadratic_objective_gradient_is_one_product() {
    let mut rng = Rng(0x0B57_AC1E_0000_0001);
    let chain = chain_model(40);
    let maximized = chain.replacen("O0 0", "O0 1", 1);
    for (label, text) in [("chain", chain), ("maximized chain", maximized)] {
        let quad = NlProblem::from_str(&text).unwrap();
        assert!(quad.quad_grad.is_some(), "{label}");
        let mut sweeps = quad.clone();
        sweeps.set_quadratic_gradient(false);
        for _ in 0..3 {
            let x: Vec<f64> = (0..quad.num_variables()).map(|_| rng.uniform(-3.0, 3.0)).collect();
            let (mut g1, mut g2) = (vec![0.0; x.len()], vec![0.0; x.len()]);
            quad.gradient(&x, &mut g1).unwrap();
            sweeps.gradient(&x, &mut g2).unwrap();
            let scale = g2.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            for (a, b) in g1.iter().zip(&g2) {
                assert!((a - b).abs() <= 1e-14 * scale, "{label}: {a} vs {b}");
            }
        }
        // A NaN in x reaches the gradient and is reported, as by the sweeps.
        let mut x = vec![0.5; quad.num_variables()];
        x[3] = f64::NAN;
        let mut g = vec![0.0; x.len()];
        assert!(quad.gradient(&x, &mut g).is_err(), "{label}");
    }
    // exp(x0) makes the objective non-quadratic.
    let text = model(3, 0, "", "o0
o2
v0
v1
o44
v0", "o0
v1
v2");
    assert!(NlProblem::from_str(&text).unwrap().quad_grad.is_none());
}

/// Jacobians and Hessians recycle their value vectors: matrices alive at the same time keep
/// their own values, and after buffers of either kind have been reused (a Hessian's for a
/// Jacobian and back) the values are still those of the per-element tapes. The model mixes
/// linear terms given twice (the `J` segment and the body) with nonlinear elements.
#[test]
fn recycled_matrix_buffers_keep_their_values() {
    let text = model(3, 0, "", "o0\no2\nv0\nv1\no0\nv2\no5\nv0\nn3", "o0\nv1\no0\no2\nn2\nv1\no41\nv2")
        .replacen(" 0 0 0 0 0\n 0 0\n", " 0 0 0 0 0\n 2 2\n", 1)
        + "J0 2\n1 3.0\n2 -1.0\nG0 2\n0 0.5\n1 0\n";
    let p = NlProblem::from_str(&text).unwrap();
    let mut plain = p.clone();
    plain.set_batched(false);
    let (x1, x2) = ([0.7, 1.3, 0.4], [1.9, -0.6, 2.2]);
    let j1 = p.jacobian(&x1).unwrap();
    let h1 = p.hessian(&x1, 0.5, &[1.5]).unwrap().unwrap();
    let j2 = p.jacobian(&x2).unwrap();
    let h2 = p.hessian(&x2, 2.0, &[-0.25]).unwrap().unwrap();
    let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
    let want = |x: &[f64], s: f64, l: f64| {
        (bits(plain.jacobian(x).unwrap().to_dense()), bits(hessian_dense(&plain, x, s, &[l])))
    };
    assert_eq!((bits(j1.to_dense()), bits(h1.to_dense())), want(&x1, 0.5, 1.5));
    assert_eq!((bits(j2.to_dense()), bits(h2.to_dense())), want(&x2, 2.0, -0.25));
    drop((j1, h1, j2, h2));
    for _ in 0..2 {
        let h = p.hessian(&x2, 2.0, &[-0.25]).unwrap().unwrap();
        let j = p.jacobian(&x1).unwrap();
        assert_eq!((bits(j.to_dense()), bits(h.to_dense())), (want(&x1, 0.5, 1.5).0, want(&x2, 2.0, -0.25).1));
    }
}

/// The tapes of [`Arena::build_tape`] (an operand stack, a map over the defined variables only)
/// are instruction for instruction those of a depth-first walk that looks every node up in a map
/// (the former construction, which dedups any shared node), on every text model of the tests,
/// the fuzz seeds (defined variables used several times, nested, lists, conditionals,
/// piecewise-linear terms) and a defined variable shared by several terms of a sum.
#[test]
fn tapes_equal_those_of_a_walk_over_all_nodes() {
    use std::collections::HashMap;
    use tape::{Instr, Step};
    /// The node-map walk: post-order, children left to right, a node seen before reused.
    fn reference(nodes: &Dag, def_roots: &[NodeId], root: NodeId) -> (Vec<Step>, Vec<usize>, Vec<usize>) {
        let (mut pos, mut slot) = (HashMap::new(), HashMap::new());
        let (mut code, mut args, mut vars) = (Vec::new(), Vec::new(), Vec::new());
        let mut stack = vec![(root, false)];
        while let Some((id, expanded)) = stack.pop() {
            if pos.contains_key(&id) {
                continue;
            }
            let kids: Vec<NodeId> = match &nodes.get(id) {
                Node::Const(_) | Node::Var(_) => vec![],
                Node::Def(k) => vec![def_roots[*k]],
                Node::Unary(_, a) | Node::Pl(_, a) => vec![*a],
                Node::Binary(_, a, b) => vec![*a, *b],
                Node::Nary(_, list) => list.iter().map(|&c| c as NodeId).collect(),
                Node::If(c, a, b) => vec![*c, *a, *b],
            };
            if !expanded {
                stack.push((id, true));
                stack.extend(kids.iter().rev().filter(|c| !pos.contains_key(*c)).map(|&c| (c, false)));
                continue;
            }
            let p = |n: &NodeId| pos[n];
            let step = match &nodes.get(id) {
                Node::Const(c) => Step::Const(*c),
                Node::Var(j) => {
                    let next = slot.len();
                    let s = *slot.entry(*j).or_insert_with(|| {
                        vars.push(*j);
                        next
                    });
                    Step::Var(s)
                }
                Node::Def(k) => {
                    pos.insert(id, pos[&def_roots[*k]]);
                    continue;
                }
                Node::Unary(op, a) => Step::Unary(*op, p(a)),
                Node::Binary(op, a, b) => Step::Binary(*op, p(a), p(b)),
                Node::Nary(op, list) => {
                    let start = args.len();
                    args.extend(list.iter().map(|&c| p(&(c as NodeId))));
                    Step::Nary(*op, start, list.len())
                }
                Node::If(c, a, b) => Step::If(p(c), p(a), p(b)),
                Node::Pl(k, a) => Step::Pl(*k, p(a)),
            };
            pos.insert(id, code.len());
            code.push(step);
        }
        (code, args, vars)
    }
    let mut models: Vec<(String, String)> = text_models();
    models.extend(fuzz::builtin_seeds().into_iter().enumerate().map(|(i, t)| (format!("fuzz seed {i}"), t)));
    // One defined variable in three terms of the objective and twice in one of them.
    let defs = "V3 1 0\n0 2\no5\no0\nv1\nv2\nn3\n";
    models.push(("shared".into(), model(3, 1, defs, "o54\n3\no2\nv3\nv3\no41\nv3\no2\nv0\nv3", "o2\nv3\nv0")));
    let mut tapes_seen = 0;
    for (label, text) in models {
        let m = parser::parse(&text).unwrap_or_else(|e| panic!("{label}: {e}"));
        let arena = Arena { nodes: &m.nodes, def_roots: &m.def_roots };
        let mut ws = TapeWorkspace::new(m.def_roots.len(), m.header.n_var);
        let mut store = TapeStore::default();
        let (mut constant, mut linear, mut stack, mut terms) = (0.0, Vec::new(), Vec::new(), Vec::new());
        for &body in m.obj_body.iter().chain(&m.con_body) {
            split_terms(&m.nodes, body, 1.0, &mut constant, &mut linear, &mut stack, &mut terms);
            for &(root, _) in &terms {
                let range = arena.build_tape(root, &mut ws, &mut store).unwrap();
                let tape = store.tape(&range, &m.pls);
                let got: Vec<Step> = tape.instrs().iter().map(|i: &Instr| i.step()).collect();
                let (code, args, vars) = reference(&m.nodes, &m.def_roots, root);
                assert_eq!(got, code, "{label}");
                assert_eq!(tape.args().iter().map(|&c| c as usize).collect::<Vec<_>>(), args, "{label}");
                assert_eq!(tape.vars, &vars[..], "{label}");
                tapes_seen += 1;
            }
        }
    }
    assert!(tapes_seen > 100, "{tapes_seen} tapes compared");
}

/// The distinct variables of a function by marks equal sorting and deduplicating them, for a
/// few uses (sorted) and for many (a scan of the marks), and the marks are left cleared.
#[test]
fn sorted_distinct_equals_sort_and_dedup() {
    let mut rng = Rng(0x5EE0_D157_1ACE_0001);
    let n = 200;
    let mut seen = vec![false; n];
    for uses in [0, 1, 3, 10, 24, 25, 60, 400, 2000] {
        let list: Vec<usize> = (0..uses).map(|_| rng.below(n)).collect();
        let mut want = list.clone();
        want.sort_unstable();
        want.dedup();
        assert_eq!(sorted_distinct(list.iter().copied(), &mut seen), want, "{uses} uses");
        assert!(seen.iter().all(|&s| !s), "{uses} uses: marks cleared");
    }
}
