//! AMD vs nested dissection on model grids: ordering time, nnz(L) and the LDLᵀ flop estimate.
//!
//! `cargo run --release -p ipax-linalg --example ordering_cost [leaf_size]`
//!
//! The patterns are the lower triangles (diagonal included) of the 5-point Laplacian on 2-D grids
//! of side 100, 200 and 316 and of the 7-point Laplacian on a 30³ grid, the shapes of the
//! `obstacle`, `elliptic_control` and `bratu` Hessians.

use std::time::Instant;

use ipax_linalg::ordering::{NdParams, amd, factor_cost, nested_dissection_with};

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
            let (x, y, s) = (j % sides[0], j / sides[0], sides[0]); // rows need not be sorted
            if y + 1 < sides[1] {
                if x > 0 {
                    row_idx.push(j + s - 1);
                }
                if x + 1 < s {
                    row_idx.push(j + s + 1);
                }
            }
        }
        col_ptr.push(row_idx.len());
    }
    (n, col_ptr, row_idx)
}

fn main() {
    let leaf_size = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(NdParams::default().leaf_size);
    let params = NdParams { leaf_size, ..NdParams::default() };
    println!("nested dissection leaf size {leaf_size}");
    println!(
        "{:<12} {:>8} | {:>9} {:>11} {:>10} | {:>9} {:>11} {:>10} | {:>7} {:>7}",
        "grid", "n", "AMD ms", "nnz(L)", "flops", "ND ms", "nnz(L)", "flops", "nnz ND/AMD", "flops ND/AMD"
    );
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
        println!(
            "{:<12} {:>8} | {:>9.1} {:>11} {:>10.3e} | {:>9.1} {:>11} {:>10.3e} | {:>10.3} {:>12.3}",
            name,
            n,
            t_amd,
            c_amd.nnz_l,
            c_amd.flops,
            t_nd,
            c_nd.nnz_l,
            c_nd.flops,
            c_nd.nnz_l as f64 / c_amd.nnz_l as f64,
            c_nd.flops / c_amd.flops
        );
    }
}
