//! AMD vs nested dissection on model grids: ordering time, nnz(L), the LDLᵀ flop estimate of
//! `factor_cost`, and the measured time of faer's LDLᵀ under each ordering.
//!
//! `cargo run --release -p ipax-linalg --example ordering_cost [leaf_size]`
//!
//! The patterns are the lower triangles (diagonal included) of the 5-point Laplacian on 2-D grids
//! of side 100, 200 and 316 and of the 7-point Laplacian on a 30³ grid, the shapes of the
//! `obstacle`, `elliptic_control` and `bratu` Hessians.

use std::time::Instant;

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::ldlt::factor::LdltRegularization;
use faer::perm::PermRef;
use faer::sparse::linalg::SupernodalThreshold;
use faer::sparse::linalg::cholesky::{CholeskySymbolicParams, SymmetricOrdering, factorize_symbolic_cholesky};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{Par, Side};
use ipax_linalg::ordering::{NdParams, amd, factor_cost, nested_dissection_with};

/// Wall time (ms) of faer's symbolic + numeric LDLᵀ (sequential) of a diagonally dominant matrix
/// with the lower-triangle pattern, under `perm`, with faer's simplicial/supernodal `threshold`.
fn factor_ms(n: usize, cp: &[usize], ri: &[usize], perm: &[usize], threshold: SupernodalThreshold) -> f64 {
    let values: Vec<f64> =
        (0..n).flat_map(|j| ri[cp[j]..cp[j + 1]].iter().map(move |&i| if i == j { 30.0 } else { -1.0 })).collect();
    let mut inv = vec![0; n];
    for (k, &v) in perm.iter().enumerate() {
        inv[v] = k;
    }
    let t = Instant::now();
    let sym = SymbolicSparseColMatRef::new_checked(n, n, cp, None, ri);
    let p = PermRef::new_checked(perm, &inv, n);
    let symbolic = factorize_symbolic_cholesky(sym, Side::Lower, SymmetricOrdering::Custom(p), CholeskySymbolicParams { supernodal_flop_ratio_threshold: threshold, ..Default::default() })
        .expect("symbolic analysis");
    let mut l_values = vec![0.0; symbolic.len_val()];
    let mut mem = MemBuffer::new(symbolic.factorize_numeric_ldlt_scratch::<f64>(Par::Seq, Default::default()));
    symbolic
        .factorize_numeric_ldlt(
            &mut l_values,
            SparseColMatRef::new(sym, &values),
            Side::Lower,
            LdltRegularization::default(),
            Par::Seq,
            MemStack::new(&mut mem),
            Default::default(),
        )
        .expect("numeric LDLᵀ");
    t.elapsed().as_secs_f64() * 1e3
}

/// Lower-triangle CSC pattern of the (2d+1)-point Laplacian on a grid with the given sides.
fn grid(sides: &[usize], nine: bool) -> (usize, Vec<usize>, Vec<usize>) {
    let n: usize = sides.iter().product();
    let mut col_ptr = vec![0];
    let mut row_idx = Vec::new();
    for j in 0..n {
        row_idx.push(j);
        let mut stride = 1;
        let mut rest = j;
        for &s in sides {
            if rest % s + 1 < s {
                row_idx.push(j + stride);
            }
            rest /= s;
            stride *= s;
        }
        if nine {
            // 2-D 9-point stencil: the two diagonal neighbours in the next row.
            let (x, y, s) = (j % sides[0], j / sides[0], sides[0]);
            if y + 1 < sides[1] {
                if x > 0 {
                    row_idx.push(j + s - 1);
                }
                if x + 1 < s {
                    row_idx.push(j + s + 1);
                }
            }
        }
        // faer's checked CSC constructor (used for the timing) wants sorted rows.
        let start = col_ptr[j];
        row_idx[start..].sort_unstable();
        col_ptr.push(row_idx.len());
    }
    (n, col_ptr, row_idx)
}

fn main() {
    let leaf_size = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(NdParams::default().leaf_size);
    let params = NdParams { leaf_size, ..NdParams::default() };
    println!("nested dissection leaf size {leaf_size}");
    println!("ord: ordering ms; auto / sn: ms of faer's symbolic + numeric LDLᵀ (sequential) under that ordering,");
    println!("with faer's automatic simplicial/supernodal choice / forced supernodal");
    println!(
        "{:<9} {:>6} | {:>5} {:>6} {:>6} {:>8} {:>9} | {:>5} {:>6} {:>6} {:>8} {:>9} | {:>7} {:>7}",
        "grid", "n", "ord", "auto", "sn", "nnz(L)", "flops", "ord", "auto", "sn", "nnz(L)", "flops", "nnz ND/AMD", "flops ND/AMD"
    );
    println!("{:17}|{:^46}|{:^46}|", "", "AMD", "ND");
    for (name, sides, nine) in [
        ("2-D 100²", vec![100, 100], false),
        ("2-D 200²", vec![200, 200], false),
        ("2-D 316²", vec![316, 316], false),
        ("3-D 30³", vec![30, 30, 30], false),
        ("9pt 100²", vec![100, 100], true),
        ("9pt 316²", vec![316, 316], true),
    ] {
        let (n, cp, ri) = grid(&sides, nine);
        let t = Instant::now();
        let p_amd = amd(n, &cp, &ri);
        let t_amd = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let p_nd = nested_dissection_with(n, &cp, &ri, &params);
        let t_nd = t.elapsed().as_secs_f64() * 1e3;
        let c_amd = factor_cost(n, &cp, &ri, &p_amd);
        let c_nd = factor_cost(n, &cp, &ri, &p_nd);
        let (auto, sn) = (SupernodalThreshold::AUTO, SupernodalThreshold::FORCE_SUPERNODAL);
        let (fa_amd, fs_amd) = (factor_ms(n, &cp, &ri, &p_amd, auto), factor_ms(n, &cp, &ri, &p_amd, sn));
        let (fa_nd, fs_nd) = (factor_ms(n, &cp, &ri, &p_nd, auto), factor_ms(n, &cp, &ri, &p_nd, sn));
        println!(
            "{:<9} {:>6} | {:>5.1} {:>6.1} {:>6.1} {:>8} {:>9.3e} | {:>5.1} {:>6.1} {:>6.1} {:>8} {:>9.3e} | {:>10.3} {:>12.3}",
            name,
            n,
            t_amd,
            fa_amd,
            fs_amd,
            c_amd.nnz_l,
            c_amd.flops,
            t_nd,
            fa_nd,
            fs_nd,
            c_nd.nnz_l,
            c_nd.flops,
            c_nd.nnz_l as f64 / c_amd.nnz_l as f64,
            c_nd.flops / c_amd.flops
        );
    }
}
