//! [`BlockOperator`]: a grid of operator blocks, `None` meaning a zero block.

use ipax_core::{LinearOperator, Triplets, operator::scale_output};

use crate::BoxedOperator;
use crate::error::{OperatorError, check_dim};

/// ```text
/// [ A₀₀  A₀₁  … ]
/// [ A₁₀  A₁₁  … ]
/// ```
/// with block row `i` of height `row_sizes[i]` and block column `j` of width `col_sizes[j]`.
/// Absent blocks are zero and cost nothing to apply.
pub struct BlockOperator<'a> {
    row_sizes: Vec<usize>,
    col_sizes: Vec<usize>,
    row_off: Vec<usize>,
    col_off: Vec<usize>,
    blocks: Vec<Vec<Option<BoxedOperator<'a>>>>,
}

fn offsets(sizes: &[usize]) -> Result<Vec<usize>, OperatorError> {
    let mut off = Vec::with_capacity(sizes.len() + 1);
    let mut acc = 0usize;
    off.push(0);
    for &s in sizes {
        acc = acc.checked_add(s).ok_or(OperatorError::DimensionMismatch {
            what: "total block size",
            expected: usize::MAX,
            got: s,
        })?;
        off.push(acc);
    }
    Ok(off)
}

impl<'a> BlockOperator<'a> {
    /// A block operator with the given block sizes; `blocks[i][j]` must be `row_sizes[i] ×
    /// col_sizes[j]` when present.
    pub fn new(
        row_sizes: Vec<usize>,
        col_sizes: Vec<usize>,
        blocks: Vec<Vec<Option<BoxedOperator<'a>>>>,
    ) -> Result<Self, OperatorError> {
        check_dim("number of block rows", row_sizes.len(), blocks.len())?;
        for row in &blocks {
            check_dim("number of blocks in a block row", col_sizes.len(), row.len())?;
        }
        for (i, row) in blocks.iter().enumerate() {
            for (j, b) in row.iter().enumerate() {
                if let Some(b) = b {
                    let (m, n) = b.shape();
                    check_dim("block rows", row_sizes[i], m)?;
                    check_dim("block columns", col_sizes[j], n)?;
                }
            }
        }
        let row_off = offsets(&row_sizes)?;
        let col_off = offsets(&col_sizes)?;
        Ok(BlockOperator { row_sizes, col_sizes, row_off, col_off, blocks })
    }

    /// Infer the block sizes from the blocks present: every block row and block column needs at
    /// least one present block (otherwise its size is unknown and this is an error), and all
    /// blocks in a row (column) must agree.
    pub fn from_blocks(blocks: Vec<Vec<Option<BoxedOperator<'a>>>>) -> Result<Self, OperatorError> {
        let nbr = blocks.len();
        let nbc = blocks.first().map_or(0, |r| r.len());
        for row in &blocks {
            check_dim("number of blocks in a block row", nbc, row.len())?;
        }
        let mut row_sizes = vec![None; nbr];
        let mut col_sizes = vec![None; nbc];
        for (i, row) in blocks.iter().enumerate() {
            for (j, b) in row.iter().enumerate() {
                if let Some(b) = b {
                    let (m, n) = b.shape();
                    row_sizes[i].get_or_insert(m);
                    col_sizes[j].get_or_insert(n);
                }
            }
        }
        let unknown = |what| OperatorError::DimensionMismatch { what, expected: 1, got: 0 };
        let row_sizes = row_sizes
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| unknown("present blocks in some block row (size cannot be inferred)"))?;
        let col_sizes = col_sizes
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| unknown("present blocks in some block column (size cannot be inferred)"))?;
        Self::new(row_sizes, col_sizes, blocks)
    }

    /// Heights of the block rows.
    pub fn row_sizes(&self) -> &[usize] {
        &self.row_sizes
    }

    /// Widths of the block columns.
    pub fn col_sizes(&self) -> &[usize] {
        &self.col_sizes
    }

    /// Whether the block grid is square with matching row/column partitions, so block `(i, i)`
    /// sits on the main diagonal.
    fn aligned(&self) -> bool {
        self.row_sizes == self.col_sizes
    }
}

impl LinearOperator for BlockOperator<'_> {
    fn shape(&self) -> (usize, usize) {
        (*self.row_off.last().unwrap_or(&0), *self.col_off.last().unwrap_or(&0))
    }
    fn apply(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        let (m, n) = self.shape();
        assert_eq!(x.len(), n, "BlockOperator: x has the wrong length");
        assert_eq!(y.len(), m, "BlockOperator: y has the wrong length");
        // Scale once, then every present block accumulates with β = 1 (no temporaries).
        scale_output(beta, y);
        for (i, row) in self.blocks.iter().enumerate() {
            let yi = &mut y[self.row_off[i]..self.row_off[i + 1]];
            for (j, b) in row.iter().enumerate() {
                if let Some(b) = b {
                    b.apply(alpha, &x[self.col_off[j]..self.col_off[j + 1]], 1.0, yi);
                }
            }
        }
    }
    fn apply_transpose(&self, alpha: f64, x: &[f64], beta: f64, y: &mut [f64]) {
        let (m, n) = self.shape();
        assert_eq!(x.len(), m, "BlockOperator: x has the wrong length");
        assert_eq!(y.len(), n, "BlockOperator: y has the wrong length");
        scale_output(beta, y);
        for (i, row) in self.blocks.iter().enumerate() {
            let xi = &x[self.row_off[i]..self.row_off[i + 1]];
            for (j, b) in row.iter().enumerate() {
                if let Some(b) = b {
                    b.apply_transpose(alpha, xi, 1.0, &mut y[self.col_off[j]..self.col_off[j + 1]]);
                }
            }
        }
    }
    /// Provable only for block-diagonal grids whose diagonal blocks are symmetric (off-diagonal
    /// blocks `B` and `Bᵀ` given as separate operators cannot be proven transposes of each other).
    fn is_symmetric(&self) -> bool {
        self.aligned()
            && self.blocks.iter().enumerate().all(|(i, row)| {
                row.iter().enumerate().all(|(j, b)| match b {
                    None => true,
                    Some(b) => i == j && b.is_symmetric(),
                })
            })
    }
    fn diagonal(&self) -> Option<Vec<f64>> {
        if !self.aligned() {
            return None;
        }
        let mut d = Vec::with_capacity(self.shape().0);
        for (i, size) in self.row_sizes.iter().enumerate() {
            match &self.blocks[i][i] {
                Some(b) => d.extend(b.diagonal()?),
                None => d.extend(std::iter::repeat_n(0.0, *size)),
            }
        }
        Some(d)
    }
    fn triplets(&self) -> Option<Triplets> {
        let (m, n) = self.shape();
        let mut t = Triplets::new(m, n);
        for (i, row) in self.blocks.iter().enumerate() {
            for (j, b) in row.iter().enumerate() {
                if let Some(b) = b {
                    t.extend_shifted(&b.triplets()?, self.row_off[i], self.col_off[j], 1.0);
                }
            }
        }
        Some(t)
    }
    /// Lower-triangle entries: for an aligned grid, the diagonal blocks' own lower triangles
    /// (respecting symmetric storage) plus every block strictly below the block diagonal.
    fn lower_triplets(&self) -> Option<Triplets> {
        let (m, n) = self.shape();
        let mut t = Triplets::new(m, n);
        if !self.aligned() {
            let mut full = self.triplets()?;
            full.retain(|r, c| r >= c);
            return Some(full);
        }
        for (i, row) in self.blocks.iter().enumerate() {
            for (j, b) in row.iter().enumerate().take(i + 1) {
                if let Some(b) = b {
                    let part = if i == j { b.lower_triplets()? } else { b.triplets()? };
                    t.extend_shifted(&part, self.row_off[i], self.col_off[j], 1.0);
                }
            }
        }
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use crate::{DenseOperator, DiagonalOperator, TransposeOperator};

    #[test]
    fn block_matches_dense() {
        let mut rng = Rng::new(51);
        for &(rs, cs) in &[(&[2usize, 0, 3][..], &[1usize, 4][..]), (&[0][..], &[3][..]), (&[3, 2][..], &[0, 0][..])] {
            let (m, n) = (rs.iter().sum::<usize>(), cs.iter().sum::<usize>());
            let mut want = vec![0.0; m * n];
            let mut blocks: Vec<Vec<Option<BoxedOperator>>> = Vec::new();
            let mut r0 = 0;
            for (bi, &h) in rs.iter().enumerate() {
                let mut row: Vec<Option<BoxedOperator>> = Vec::new();
                let mut c0 = 0;
                for (bj, &w) in cs.iter().enumerate() {
                    if (bi + bj) % 2 == 0 {
                        let a = rng.vec(h * w);
                        for j in 0..w {
                            for i in 0..h {
                                want[(r0 + i) + (c0 + j) * m] = a[i + j * h];
                            }
                        }
                        row.push(Some(Box::new(DenseOperator::from_col_major(h, w, &a).unwrap())));
                    } else {
                        row.push(None);
                    }
                    c0 += w;
                }
                blocks.push(row);
                r0 += h;
            }
            let op = BlockOperator::new(rs.to_vec(), cs.to_vec(), blocks).unwrap();
            assert_eq!(op.shape(), (m, n));
            check_against_dense(&op, &want, &mut rng);
        }
    }

    #[test]
    fn kkt_like_grid_and_symmetry() {
        let mut rng = Rng::new(52);
        let j = DenseOperator::from_col_major(1, 2, &[1.0, 2.0]).unwrap();
        let w = DiagonalOperator::new(vec![3.0, 4.0]);
        // [W Jᵀ; J 0]: symmetric in value, but not provable from the parts.
        let kkt = BlockOperator::from_blocks(vec![
            vec![Some(Box::new(&w)), Some(Box::new(TransposeOperator::new(&j)))],
            vec![Some(Box::new(&j)), None],
        ])
        .unwrap();
        let want = [3.0, 0.0, 1.0, 0.0, 4.0, 2.0, 1.0, 2.0, 0.0];
        check_against_dense(&kkt, &want, &mut rng);
        assert!(!kkt.is_symmetric());
        assert_eq!(kkt.lower_triplets().unwrap().len(), 4);
        let diag =
            BlockOperator::from_blocks(vec![vec![Some(Box::new(&w)), None], vec![None, Some(Box::new(&w))]]).unwrap();
        assert!(diag.is_symmetric());
        check_against_dense(&diag, &[3.0, 0., 0., 0., 0., 4., 0., 0., 0., 0., 3., 0., 0., 0., 0., 4.], &mut rng);
    }

    #[test]
    fn size_errors_are_typed() {
        let a = DenseOperator::from_col_major(2, 2, &[0.0; 4]).unwrap();
        assert!(matches!(
            BlockOperator::new(vec![3], vec![2], vec![vec![Some(Box::new(&a))]]),
            Err(OperatorError::DimensionMismatch { what: "block rows", .. })
        ));
        assert!(matches!(
            BlockOperator::new(vec![2, 1], vec![2], vec![vec![Some(Box::new(&a))]]),
            Err(OperatorError::DimensionMismatch { what: "number of block rows", .. })
        ));
        assert!(BlockOperator::from_blocks(vec![vec![Some(Box::new(&a)), None]]).is_err());
        assert!(matches!(
            BlockOperator::from_blocks(vec![vec![Some(Box::new(&a))], vec![Some(Box::new(&a)), None]]),
            Err(OperatorError::DimensionMismatch { .. })
        ));
    }
}
