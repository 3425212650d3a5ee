//! Property tests over the whole registry: derivatives against finite differences, pattern
//! stability, and the stated optima (feasibility, objective value, KKT conditions).

// Dense index arithmetic (column-major matrices) reads more clearly with explicit indices.
#![allow(clippy::needless_range_loop)]

use crate::problem_def::{Expected, TestProblem};
use crate::registry::{self, Entry};
use ipax_core::{LinearOperatorExt, Problem};

/// Marsaglia's xorshift64: deterministic pseudo-random numbers without a dependency.
struct XorShift(u64);

impl XorShift {
    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// Uniform in [-1, 1).
    fn sym(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// Small sizes for the families so dense finite differences stay cheap.
fn small_problems() -> Vec<(Entry, TestProblem)> {
    registry::registry()
        .into_iter()
        .map(|e| {
            let size = if e.is_scalable() { Some(6) } else { None };
            let p = e.build(size).expect("small size");
            (e, p)
        })
        .collect()
}

struct Dense {
    n: usize,
    m: usize,
    xl: Vec<f64>,
    xu: Vec<f64>,
    cl: Vec<f64>,
    cu: Vec<f64>,
}

fn dims(p: &TestProblem) -> Dense {
    let (n, m) = (p.num_variables(), p.num_constraints());
    let mut d = Dense { n, m, xl: vec![0.0; n], xu: vec![0.0; n], cl: vec![0.0; m], cu: vec![0.0; m] };
    p.variable_bounds(&mut d.xl, &mut d.xu);
    p.constraint_bounds(&mut d.cl, &mut d.cu);
    d
}

fn grad(p: &TestProblem, x: &[f64]) -> Vec<f64> {
    let mut g = vec![0.0; x.len()];
    p.gradient(x, &mut g).unwrap();
    g
}

fn cons(p: &TestProblem, x: &[f64]) -> Vec<f64> {
    let mut c = vec![0.0; p.num_constraints()];
    p.constraints(x, &mut c).unwrap();
    c
}

/// Dense Jacobian, column-major `m × n`.
fn jac_dense(p: &TestProblem, x: &[f64]) -> Vec<f64> {
    p.jacobian(x).unwrap().to_dense()
}

/// `∇ₓL = σ∇f + Jᵀλ`.
fn lagrangian_gradient(p: &TestProblem, x: &[f64], sigma: f64, lambda: &[f64]) -> Vec<f64> {
    let mut g = grad(p, x);
    g.iter_mut().for_each(|v| *v *= sigma);
    p.jacobian(x).unwrap().apply_transpose(1.0, lambda, 1.0, &mut g);
    g
}

/// Deterministic test points: `x0` and (when known) `x*`, each perturbed, kept inside the bounds.
fn test_points(p: &TestProblem, rng: &mut XorShift) -> Vec<Vec<f64>> {
    let d = dims(p);
    let mut bases = vec![p.spec().x0.clone()];
    if let Some(xs) = &p.oracle().x_star {
        bases.push(xs.clone());
    }
    bases.push(p.spec().x0.clone());
    bases
        .iter()
        .map(|b| {
            (0..d.n)
                .map(|i| {
                    let v = b[i] + 0.1 * (1.0 + b[i].abs()) * rng.sym();
                    // Stay strictly inside finite bounds (some functions are only defined there).
                    let (lo, hi) = (d.xl[i], d.xu[i]);
                    let w = 1e-3 * (hi - lo).min(1.0);
                    v.max(lo + w).min(hi - w)
                })
                .collect()
        })
        .collect()
}

fn fd_step(x: f64) -> f64 {
    6e-6 * (1.0 + x.abs())
}

#[test]
fn registry_has_enough_unique_lowercase_names() {
    let reg = registry::registry();
    assert!(reg.len() >= 60, "only {} problems", reg.len());
    let mut names: Vec<_> = reg.iter().map(|e| e.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), reg.len(), "duplicate registry names");
    for e in &reg {
        assert_eq!(e.name, e.name.to_ascii_lowercase());
        let p = e.build_default();
        assert_eq!(p.oracle().name, e.name, "oracle name mismatch");
        assert!(!p.oracle().source.is_empty(), "{} has no citation", e.name);
    }
    assert!(registry::get("HS71", None).is_ok());
    assert!(registry::get("hs071", None).is_ok());
    assert!(matches!(registry::get("no_such_problem", None), Err(registry::RegistryError::UnknownProblem { .. })));
    // A typo lists the close names; a size beyond the limit is an error, not an allocation abort.
    let Err(e) = registry::get("obstacel", None) else { panic!("typo accepted") };
    assert!(e.to_string().contains("did you mean obstacle"), "{e}");
    for (name, size) in [("obstacle", 100_000usize), ("bratu", usize::MAX), ("vanderpol", usize::MAX), ("elliptic_control", 1usize << 40)] {
        let Err(e) = registry::get(name, Some(size)) else { panic!("{name} at {size} accepted") };
        assert!(matches!(e, registry::RegistryError::SizeTooLarge { .. }), "{e}");
        assert!(e.to_string().contains("variables"), "{e}");
    }
    assert_eq!(registry::get("ext_rosenbrock", Some(1000)).unwrap().num_variables(), 1000);
    assert_eq!(registry::list().len(), reg.len());
    let o = registry::oracle("hs071", None).unwrap();
    assert!((o.f_star.unwrap() - 17.0140173).abs() < 1e-7);
}

#[test]
fn gradients_match_finite_differences() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for (e, p) in small_problems() {
        for x in test_points(&p, &mut rng) {
            let f = p.objective(&x).unwrap();
            let g = grad(&p, &x);
            let mut xp = x.clone();
            for j in 0..x.len() {
                let h = fd_step(x[j]);
                xp[j] = x[j] + h;
                let fp = p.objective(&xp).unwrap();
                xp[j] = x[j] - h;
                let fm = p.objective(&xp).unwrap();
                xp[j] = x[j];
                let fd = (fp - fm) / (2.0 * h);
                let tol = 1e-5 * (1.0 + g[j].abs()) + 1e-13 * f.abs() / h;
                assert!((fd - g[j]).abs() <= tol, "{}: ∂f/∂x{j} = {} but FD gives {fd} at {x:?}", e.name, g[j]);
            }
        }
    }
}

#[test]
fn jacobians_match_finite_differences() {
    let mut rng = XorShift(0x1234_5678_9ABC_DEF1);
    for (e, p) in small_problems() {
        let d = dims(&p);
        if d.m == 0 {
            assert_eq!(p.jacobian(&p.spec().x0).unwrap().shape(), (0, d.n));
            continue;
        }
        for x in test_points(&p, &mut rng) {
            let jd = jac_dense(&p, &x);
            let c = cons(&p, &x);
            let cmax = c.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let mut xp = x.clone();
            for j in 0..d.n {
                let h = fd_step(x[j]);
                xp[j] = x[j] + h;
                let cp = cons(&p, &xp);
                xp[j] = x[j] - h;
                let cm = cons(&p, &xp);
                xp[j] = x[j];
                for i in 0..d.m {
                    let fd = (cp[i] - cm[i]) / (2.0 * h);
                    let a = jd[j * d.m + i];
                    let tol = 1e-5 * (1.0 + a.abs()) + 1e-13 * cmax / h;
                    assert!((fd - a).abs() <= tol, "{}: J[{i},{j}] = {a} but FD gives {fd}", e.name);
                }
            }
        }
    }
}

#[test]
fn hessians_match_finite_differences_of_the_lagrangian_gradient() {
    let mut rng = XorShift(0x0DDB_1A5E_5BAD_5EED);
    for (e, p) in small_problems() {
        let d = dims(&p);
        for x in test_points(&p, &mut rng) {
            let sigma = 0.5 + rng.sym().abs();
            let lambda: Vec<f64> = (0..d.m).map(|_| rng.sym()).collect();
            let hop = p.hessian(&x, sigma, &lambda).unwrap().expect("exact Hessian");
            assert!(hop.is_symmetric());
            let hd = hop.to_dense();
            let gl = lagrangian_gradient(&p, &x, sigma, &lambda);
            let gmax = gl.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let mut xp = x.clone();
            for j in 0..d.n {
                let h = fd_step(x[j]);
                xp[j] = x[j] + h;
                let gp = lagrangian_gradient(&p, &xp, sigma, &lambda);
                xp[j] = x[j] - h;
                let gm = lagrangian_gradient(&p, &xp, sigma, &lambda);
                xp[j] = x[j];
                let colmax = (0..d.n).fold(0.0f64, |a, i| a.max(hd[j * d.n + i].abs()));
                for i in 0..d.n {
                    let fd = (gp[i] - gm[i]) / (2.0 * h);
                    let a = hd[j * d.n + i];
                    let tol = 1e-5 * (1.0 + a.abs()) + 1e-7 * colmax + 1e-13 * gmax / h;
                    assert!((fd - a).abs() <= tol, "{}: H[{i},{j}] = {a} but FD gives {fd}", e.name);
                }
            }
        }
    }
}

#[test]
fn patterns_are_identical_at_different_points() {
    let mut rng = XorShift(42);
    for (e, p) in small_problems() {
        let pts = test_points(&p, &mut rng);
        let lam: Vec<f64> = (0..p.num_constraints()).map(|_| rng.sym()).collect();
        let j0 = p.jacobian(&pts[0]).unwrap().triplets().expect("assembled Jacobian");
        let j1 = p.jacobian(&pts[1]).unwrap().triplets().unwrap();
        assert_eq!((&j0.rows, &j0.cols), (&j1.rows, &j1.cols), "{}: Jacobian pattern moved", e.name);
        let h0 = p.hessian(&pts[0], 1.0, &lam).unwrap().unwrap().lower_triplets().unwrap();
        // A zero σ and λ must not drop entries either.
        let zeros = vec![0.0; lam.len()];
        let h1 = p.hessian(&pts[1], 0.0, &zeros).unwrap().unwrap().lower_triplets().unwrap();
        assert_eq!((&h0.rows, &h0.cols), (&h1.rows, &h1.cols), "{}: Hessian pattern moved", e.name);
        assert!(h0.rows.iter().zip(&h0.cols).all(|(r, c)| r >= c));
        let hcsc = p.hessian(&pts[0], 1.0, &lam).unwrap().unwrap();
        assert_eq!(hcsc.csc().unwrap().storage, ipax_core::CscStorage::SymmetricLower);
    }
}

#[test]
fn matrix_free_form_offers_products_only_and_agrees() {
    for e in registry::registry() {
        let p = e.build(Some(4)).expect("small size");
        let mf = registry::get_matrix_free(e.name, Some(4)).unwrap();
        let x = p.spec().x0.clone();
        let lam: Vec<f64> = (0..p.num_constraints()).map(|i| 0.5 - i as f64 * 0.1).collect();
        let j = mf.jacobian(&x).unwrap();
        assert!(j.triplets().is_none() && j.csc().is_none() && j.diagonal().is_none(), "{}", e.name);
        assert_eq!(j.to_dense(), p.jacobian(&x).unwrap().to_dense(), "{}", e.name);
        let v: Vec<f64> = (0..p.num_constraints()).map(|i| 1.0 + i as f64).collect();
        assert_eq!(j.rmatvec(&v), p.jacobian(&x).unwrap().rmatvec(&v), "{}", e.name);
        let h = mf.hessian(&x, 1.0, &lam).unwrap().unwrap();
        assert!(h.triplets().is_none() && h.csc().is_none() && h.is_symmetric(), "{}", e.name);
        assert_eq!(h.to_dense(), p.hessian(&x, 1.0, &lam).unwrap().unwrap().to_dense(), "{}", e.name);
    }
}

#[test]
fn evaluation_errors_are_typed_not_panics() {
    let p = registry::get("hs071", None).unwrap();
    assert!(p.objective(&[1.0, 2.0]).is_err());
    let mut g = vec![0.0; 3];
    assert!(p.gradient(&[1.0; 4], &mut g).is_err());
    assert!(p.hessian(&[1.0; 4], 1.0, &[1.0]).is_err());
    // ln of a negative argument → NaN → NonFinite, not a panic.
    let q = registry::get("hs007", None).unwrap();
    assert!(q.objective(&[f64::NAN, 0.0]).is_err());
}

/// Families must build in `O(nnz)`: large instances are cheap to construct and evaluate.
#[test]
fn families_scale_linearly() {
    for (name, size) in [
        ("ext_rosenbrock", 200_000),
        ("chained_rosenbrock", 200_000),
        ("disk_chain", 200_000),
        ("elliptic_control", 150),
        ("obstacle", 300),
        ("bratu", 300),
        ("vanderpol", 50_000),
    ] {
        let p = registry::get_test_problem(name, Some(size)).unwrap();
        let n = p.num_variables();
        assert!(p.jacobian_pattern_len() <= 12 * n.max(p.num_constraints()), "{name}: Jacobian not sparse");
        assert!(p.hessian_pattern_len() <= 4 * n, "{name}: Hessian not sparse");
        let x = p.spec().x0.clone();
        assert!(p.objective(&x).unwrap().is_finite());
        let lam = vec![1.0; p.num_constraints()];
        let h = p.hessian(&x, 1.0, &lam).unwrap().unwrap();
        assert_eq!(h.shape(), (n, n));
    }
    let big = registry::get_test_problem("ext_rosenbrock", Some(1_000_000)).unwrap();
    assert_eq!(big.num_variables(), 1_000_000);
    assert_eq!(big.objective(&vec![1.0; 1_000_000]).unwrap(), 0.0);
}

// ---------------------------------------------------------------------------------------------
// Optimality checks at the stated solutions.

/// Solve the symmetric positive (semi)definite `k × k` system `A y = b` by Cholesky with a tiny
/// diagonal shift (rank-deficient active sets, e.g. duplicated constraints, have a singular `A`).
/// Returns the smallest pivot² relative to the largest diagonal entry (a rank indicator).
fn spd_solve(a: &mut [f64], b: &mut [f64], k: usize) -> f64 {
    let tr = (0..k).map(|i| a[i * k + i]).fold(0.0f64, f64::max).max(1.0);
    for i in 0..k {
        a[i * k + i] += 1e-13 * tr;
    }
    let mut min_pivot = f64::INFINITY;
    for j in 0..k {
        let mut d = a[j * k + j];
        for p in 0..j {
            d -= a[j * k + p] * a[j * k + p];
        }
        min_pivot = min_pivot.min(d / tr);
        let d = d.max(1e-300).sqrt();
        a[j * k + j] = d;
        for i in j + 1..k {
            let mut s = a[i * k + j];
            for p in 0..j {
                s -= a[i * k + p] * a[j * k + p];
            }
            a[i * k + j] = s / d;
        }
    }
    for i in 0..k {
        let mut s = b[i];
        for p in 0..i {
            s -= a[i * k + p] * b[p];
        }
        b[i] = s / a[i * k + i];
    }
    for i in (0..k).rev() {
        let mut s = b[i];
        for p in i + 1..k {
            s -= a[p * k + i] * b[p];
        }
        b[i] = s / a[i * k + i];
    }
    min_pivot
}

/// An active constraint or bound: its gradient, and the multiplier sign required at a minimum
/// (`+1`: multiplier ≥ 0, `-1`: ≤ 0, `0`: free) in the convention `∇f + Σ μ a = 0`.
struct Active {
    grad: Vec<f64>,
    sign: i8,
    what: String,
}

fn is_active(v: f64, bound: f64) -> bool {
    bound.is_finite() && (v - bound).abs() <= 1e-6 * (1.0 + bound.abs())
}

/// Active set at `x`: equalities always, inequalities and bounds within 1e-6 (relative).
fn active_set(p: &TestProblem, x: &[f64]) -> Vec<Active> {
    let d = dims(p);
    let c = cons(p, x);
    let jd = jac_dense(p, x);
    let mut act = Vec::new();
    for i in 0..d.m {
        let row: Vec<f64> = (0..d.n).map(|j| jd[j * d.m + i]).collect();
        let sign = if d.cl[i] == d.cu[i] {
            Some(0)
        } else if is_active(c[i], d.cl[i]) {
            Some(-1)
        } else if is_active(c[i], d.cu[i]) {
            Some(1)
        } else {
            None
        };
        if let Some(sign) = sign {
            act.push(Active { grad: row, sign, what: format!("c[{i}]") });
        }
    }
    for j in 0..d.n {
        let e: Vec<f64> = (0..d.n).map(|q| if q == j { 1.0 } else { 0.0 }).collect();
        if d.xl[j] == d.xu[j] {
            act.push(Active { grad: e, sign: 0, what: format!("x[{j}] fixed") });
        } else if is_active(x[j], d.xl[j]) {
            act.push(Active { grad: e, sign: -1, what: format!("x[{j}] ≥ lower") });
        } else if is_active(x[j], d.xu[j]) {
            act.push(Active { grad: e, sign: 1, what: format!("x[{j}] ≤ upper") });
        }
    }
    act
}

/// Least-squares multipliers `μ = argmin ‖∇f + A μ‖`, the residual, and whether the active
/// gradients are linearly independent (multipliers unique). The columns of `A` are scaled to unit
/// length before forming the normal equations: badly scaled problems (HS106, HS116) mix gradients
/// of size 1e-3 and 1e3, which would otherwise square into a hopeless condition number.
fn ls_multipliers(g: &[f64], act: &[Active]) -> (Vec<f64>, Vec<f64>, bool) {
    let k = act.len();
    let n = g.len();
    let norms: Vec<f64> = act.iter().map(|a| a.grad.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-300)).collect();
    let mut ata = vec![0.0; k * k];
    let mut rhs = vec![0.0; k];
    for a in 0..k {
        for b in 0..k {
            ata[a * k + b] = (0..n).map(|j| act[a].grad[j] * act[b].grad[j]).sum::<f64>() / (norms[a] * norms[b]);
        }
        rhs[a] = -(0..n).map(|j| act[a].grad[j] * g[j]).sum::<f64>() / norms[a];
    }
    let min_pivot = spd_solve(&mut ata, &mut rhs, k);
    let mu: Vec<f64> = rhs.iter().zip(&norms).map(|(m, s)| m / s).collect();
    let mut r = g.to_vec();
    for (a, m) in act.iter().zip(&mu) {
        for j in 0..n {
            r[j] += m * a.grad[j];
        }
    }
    (mu, r, k == 0 || min_pivot > 1e-10)
}

#[test]
fn stated_optima_are_feasible_with_the_stated_value() {
    let mut failures = Vec::new();
    for (e, p) in small_problems() {
        let o = p.oracle();
        let Some(x) = &o.x_star else { continue };
        let d = dims(&p);
        for j in 0..d.n {
            if !(x[j] >= d.xl[j] - 1e-6 && x[j] <= d.xu[j] + 1e-6) {
                failures.push(format!("{}: x*[{j}] violates its bounds", e.name));
            }
        }
        let c = cons(&p, x);
        for i in 0..d.m {
            let viol = (d.cl[i] - c[i]).max(c[i] - d.cu[i]).max(0.0);
            if viol > 1e-6 * (1.0 + d.cl[i].abs().min(d.cu[i].abs())) {
                failures.push(format!("{}: c[{i}] violated by {viol:e}", e.name));
            }
        }
        let f = p.objective(x).unwrap();
        let fs = o.f_star.expect("x* without f*");
        if (f - fs).abs() > 1e-6 * (1.0 + fs.abs()) {
            failures.push(format!("{}: f(x*) = {f} but f* = {fs}", e.name));
        }
    }
    assert!(failures.is_empty(), "optimum failures:\n{}", failures.join("\n"));
}

#[test]
fn stated_optima_satisfy_kkt() {
    let mut failures = Vec::new();
    let (mut checked, mut sign_checked) = (0, 0);
    for (e, p) in small_problems() {
        let o = p.oracle();
        let Some(x) = &o.x_star else { continue };
        if !o.kkt_holds {
            continue;
        }
        let g = grad(&p, x);
        let act = active_set(&p, x);
        let scale = 1.0 + g.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let (mu, r, unique) = ls_multipliers(&g, &act);
        checked += 1;
        sign_checked += usize::from(unique);
        let res = r.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        if res > 1e-6 * scale {
            failures.push(format!("{}: stationarity residual {res:e} (scale {scale:e})", e.name));
            continue;
        }
        // With dependent active gradients the multipliers are not unique and the minimum-norm
        // ones need not have the right signs (HS108: a constraint and a bound with parallel
        // gradients); signs are only checked when the multipliers are unique.
        let mu_scale = 1.0 + mu.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for (a, m) in act.iter().zip(&mu).filter(|_| unique) {
            if a.sign != 0 && (a.sign as f64) * m < -1e-6 * mu_scale {
                failures.push(format!("{}: multiplier of {} has the wrong sign ({m})", e.name, a.what));
            }
        }
        if let Some(lam) = &o.multipliers {
            // The published multipliers must also make the Lagrangian stationary (up to bound
            // multipliers, which are fitted).
            let mut gl = g.clone();
            p.jacobian(x).unwrap().apply_transpose(1.0, lam, 1.0, &mut gl);
            let bounds: Vec<Active> = act.into_iter().filter(|a| a.what.starts_with('x')).collect();
            let (_, r, _) = ls_multipliers(&gl, &bounds);
            let res = r.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            if res > 1e-6 * scale {
                failures.push(format!("{}: published multipliers leave residual {res:e}", e.name));
            }
        }
    }
    assert!(failures.is_empty(), "KKT failures:\n{}", failures.join("\n"));
    assert!(checked >= 60 && sign_checked >= 50, "only {checked} optima checked ({sign_checked} with signs)");
}

#[test]
fn large_family_optima_are_exact() {
    // Disk chain at a size where dense checks would be impossible: verify f*, feasibility and the
    // closed-form multipliers with sparse products only.
    let p = registry::get_test_problem("disk_chain", Some(100_000)).unwrap();
    let o = p.oracle();
    let x = o.x_star.clone().unwrap();
    let f = p.objective(&x).unwrap();
    assert!((f - o.f_star.unwrap()).abs() <= 1e-9 * o.f_star.unwrap());
    let c = cons(&p, &x);
    assert!(c.iter().all(|v| (v - 1.0).abs() < 1e-12));
    let r = lagrangian_gradient(&p, &x, 1.0, o.multipliers.as_ref().unwrap());
    assert!(r.iter().all(|v| v.abs() < 1e-12));
}

#[test]
fn expected_statuses_are_plausible() {
    let mut rng = XorShift(7);
    for (e, p) in small_problems() {
        match p.oracle().expected {
            Expected::Optimal => {}
            Expected::Infeasible => {
                // Every sampled point violates some constraint by a margin.
                let d = dims(&p);
                for _ in 0..200 {
                    let x: Vec<f64> = (0..d.n).map(|_| 10.0 * rng.sym()).collect();
                    let c = cons(&p, &x);
                    let viol = (0..d.m).map(|i| (d.cl[i] - c[i]).max(c[i] - d.cu[i])).fold(0.0f64, f64::max);
                    assert!(viol >= 0.5, "{}: sampled point is nearly feasible", e.name);
                }
            }
            Expected::Unbounded => {
                // f decreases without bound along the feasible ray x0 + t e₀.
                let mut x = p.spec().x0.clone();
                x[0] += 1e8;
                assert!(p.objective(&x).unwrap() < -1e7, "{}", e.name);
            }
        }
    }
}

/// Refine `x` by Newton's method on the KKT system of its active set (constraints within `row_tol`,
/// bounds within `bound_tol`, both relative): unknowns `(x, λ_active, z_active)`, equations
/// `∇f + Σλ∇cᵢ + Σz eⱼ = 0`, `c_active = bound`, `x_active = bound`, solved by dense Gaussian
/// elimination with partial pivoting. Returns the refined point.
///
/// This is how the extra digits of the published optima were obtained; the test below keeps them
/// honest (a correct `x*` is a fixed point of this iteration).
fn newton_kkt_refine(p: &TestProblem, x_start: &[f64], row_tol: f64, bound_tol: f64) -> Vec<f64> {
    let d = dims(p);
    let mut x = x_start.to_vec();
    let c = cons(p, &x);
    let near = |v: f64, b: f64, tol: f64| b.is_finite() && (v - b).abs() <= tol * (1.0 + b.abs());
    let mut rows: Vec<(usize, f64)> = Vec::new(); // constraint index, target value
    for i in 0..d.m {
        if d.cl[i] == d.cu[i] || near(c[i], d.cl[i], row_tol) {
            rows.push((i, d.cl[i]));
        } else if near(c[i], d.cu[i], row_tol) {
            rows.push((i, d.cu[i]));
        }
    }
    let mut fixed: Vec<(usize, f64)> = Vec::new();
    for j in 0..d.n {
        if near(x[j], d.xl[j], bound_tol) {
            fixed.push((j, d.xl[j]));
        } else if near(x[j], d.xu[j], bound_tol) {
            fixed.push((j, d.xu[j]));
        }
    }
    for &(j, b) in &fixed {
        x[j] = b;
    }
    let dim = d.n + rows.len() + fixed.len();
    // Start from least-squares multipliers: with λ = 0 the Hessian of the Lagrangian misses the
    // constraint curvature, and for LP-like objectives (HS106, HS116) the first step would be wild.
    let jd0 = jac_dense(p, &x);
    let mut act: Vec<Active> = rows
        .iter()
        .map(|&(i, _)| Active { grad: (0..d.n).map(|j| jd0[j * d.m + i]).collect(), sign: 0, what: String::new() })
        .collect();
    act.extend(fixed.iter().map(|&(j, _)| Active {
        grad: (0..d.n).map(|q| if q == j { 1.0 } else { 0.0 }).collect(),
        sign: 0,
        what: String::new(),
    }));
    let (mu0, _, _) = ls_multipliers(&grad(p, &x), &act);
    let mut lam = vec![0.0; d.m];
    for (r, &(i, _)) in rows.iter().enumerate() {
        lam[i] = mu0[r];
    }
    let mut zb: Vec<f64> = mu0[rows.len()..].to_vec();
    for _ in 0..30 {
        let g = grad(p, &x);
        let jd = jac_dense(p, &x);
        let c = cons(p, &x);
        let mut fvec = g.clone();
        for &(i, _) in &rows {
            for j in 0..d.n {
                fvec[j] += lam[i] * jd[j * d.m + i];
            }
        }
        for (q, &(j, _)) in fixed.iter().enumerate() {
            fvec[j] += zb[q];
        }
        fvec.extend(rows.iter().map(|&(i, t)| c[i] - t));
        fvec.extend(fixed.iter().map(|&(j, b)| x[j] - b));
        let scale = 1.0 + g.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        if fvec.iter().all(|v| v.abs() <= 1e-12 * scale) {
            break;
        }
        let h = p.hessian(&x, 1.0, &lam).unwrap().unwrap().to_dense();
        // KKT matrix, row-major.
        let mut a = vec![0.0; dim * dim];
        for i in 0..d.n {
            for j in 0..d.n {
                a[i * dim + j] = h[j * d.n + i];
            }
        }
        for (r, &(ci, _)) in rows.iter().enumerate() {
            for j in 0..d.n {
                a[j * dim + d.n + r] = jd[j * d.m + ci];
                a[(d.n + r) * dim + j] = jd[j * d.m + ci];
            }
        }
        for (q, &(j, _)) in fixed.iter().enumerate() {
            let r = d.n + rows.len() + q;
            a[j * dim + r] = 1.0;
            a[r * dim + j] = 1.0;
        }
        let mut b: Vec<f64> = fvec.iter().map(|v| -v).collect();
        for col in 0..dim {
            let piv = (col..dim).max_by(|&i, &j| a[i * dim + col].abs().total_cmp(&a[j * dim + col].abs())).unwrap();
            for j in 0..dim {
                a.swap(col * dim + j, piv * dim + j);
            }
            b.swap(col, piv);
            let pv = a[col * dim + col];
            if pv == 0.0 {
                continue;
            }
            for i in col + 1..dim {
                let l = a[i * dim + col] / pv;
                if l != 0.0 {
                    for j in col..dim {
                        a[i * dim + j] -= l * a[col * dim + j];
                    }
                    b[i] -= l * b[col];
                }
            }
        }
        let mut s = vec![0.0; dim];
        for i in (0..dim).rev() {
            let v = b[i] - (i + 1..dim).map(|j| a[i * dim + j] * s[j]).sum::<f64>();
            let pv = a[i * dim + i];
            s[i] = if pv == 0.0 { 0.0 } else { v / pv };
        }
        for j in 0..d.n {
            x[j] += s[j];
        }
        for (r, &(i, _)) in rows.iter().enumerate() {
            lam[i] += s[d.n + r];
        }
        for (q, z) in zb.iter_mut().enumerate() {
            *z += s[d.n + rows.len() + q];
        }
    }
    x
}

/// The refined optima carry all their digits: Newton on the KKT system started at `x*` stays put.
/// (Problems with singular KKT matrices at the solution — HS26, HS56, the rank-deficient set — are
/// not in the list; their `x*` is exact by construction.)
#[test]
fn refined_optima_are_newton_fixed_points() {
    let cases: &[(&str, f64, f64)] = &[
        ("hs002", 1e-6, 1e-6),
        ("hs011", 1e-6, 1e-6),
        ("hs014", 1e-6, 1e-6),
        ("hs019", 1e-6, 1e-6),
        ("hs060", 1e-6, 1e-6),
        ("hs061", 1e-6, 1e-6),
        ("hs063", 1e-6, 1e-6),
        ("hs062", 1e-6, 1e-6),
        ("hs065", 1e-6, 1e-6),
        ("hs066", 1e-6, 1e-6),
        ("hs071", 1e-6, 1e-6),
        ("hs077", 1e-6, 1e-6),
        ("hs078", 1e-6, 1e-6),
        ("hs079", 1e-6, 1e-6),
        ("hs080", 1e-6, 1e-6),
        ("hs081", 1e-6, 1e-6),
        ("hs100", 1e-6, 1e-6),
        // HS106's constraints are O(1e5): a wider row tolerance finds all six active rows.
        ("hs106", 1e-3, 1e-6),
        ("hs108", 1e-6, 1e-6),
        ("hs111", 1e-6, 1e-6),
        // HS116 mixes O(1e-3) and O(1e3) quantities: rows with tiny multipliers need a wider net.
        ("hs116", 3e-5, 3e-5),
        ("powell_badly_scaled", 1e-6, 1e-6),
        ("jennrich_sampson", 1e-6, 1e-6),
        ("bard", 1e-6, 1e-6),
        ("gaussian", 1e-6, 1e-6),
        ("brown_dennis", 1e-6, 1e-6),
    ];
    let mut failures = Vec::new();
    for &(name, row_tol, bound_tol) in cases {
        let p = registry::get_test_problem(name, None).unwrap();
        let xs = p.oracle().x_star.clone().unwrap();
        let xr = newton_kkt_refine(&p, &xs, row_tol, bound_tol);
        if xr.iter().zip(&xs).any(|(a, b)| (a - b).abs() > 1e-8 * (1.0 + b.abs())) {
            failures.push(format!("{name}: refined x* = {xr:?}, f = {:?}", p.objective(&xr)));
        }
    }
    assert!(failures.is_empty(), "stated optima move under Newton refinement:\n{}", failures.join("\n"));
}
