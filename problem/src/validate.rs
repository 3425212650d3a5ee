//! Input checks shared by every problem builder. Each returns the first offending index, so error
//! messages can point at it.

use ipax_core::ProblemScaling;

use crate::error::ProblemError;

/// `got == expected`, else [`ProblemError::DimensionMismatch`].
pub(crate) fn len(what: &'static str, expected: usize, got: usize) -> Result<(), ProblemError> {
    if expected == got { Ok(()) } else { Err(ProblemError::DimensionMismatch { what, expected, got }) }
}

/// Every value finite (no NaN, no ±∞).
pub(crate) fn finite(what: &'static str, v: &[f64]) -> Result<(), ProblemError> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(ProblemError::NonFinite { what, index, value: v[index] }),
        None => Ok(()),
    }
}

/// Bound pair checks: no NaN, lower never +∞, upper never −∞, lower ≤ upper.
/// `kind` is `"variable"` or `"constraint"`.
pub(crate) fn bounds(kind: &'static str, lower: &[f64], upper: &[f64]) -> Result<(), ProblemError> {
    let (lo_name, up_name) = match kind {
        "variable" => ("variable lower bound", "variable upper bound"),
        _ => ("constraint lower bound", "constraint upper bound"),
    };
    for (index, (&l, &u)) in lower.iter().zip(upper).enumerate() {
        if l.is_nan() {
            return Err(ProblemError::NonFinite { what: lo_name, index, value: l });
        }
        if u.is_nan() {
            return Err(ProblemError::NonFinite { what: up_name, index, value: u });
        }
        if l == f64::INFINITY {
            return Err(ProblemError::ImpossibleBound { what: lo_name, index, value: l });
        }
        if u == f64::NEG_INFINITY {
            return Err(ProblemError::ImpossibleBound { what: up_name, index, value: u });
        }
        if l > u {
            return Err(ProblemError::InconsistentBounds { what: kind, index, lower: l, upper: u });
        }
    }
    Ok(())
}

/// A sparse structure: equal-length coordinate lists, every entry inside `nrows × ncols`, and with
/// `lower_only` no entry above the diagonal.
pub(crate) fn structure(
    what: &'static str,
    rows: &[usize],
    cols: &[usize],
    nrows: usize,
    ncols: usize,
    lower_only: bool,
) -> Result<(), ProblemError> {
    let col_what = match what {
        "Jacobian" => "Jacobian structure column list",
        "Hessian" => "Hessian structure column list",
        "Q" => "Q column list",
        _ => "A column list",
    };
    len(col_what, rows.len(), cols.len())?;
    for (entry, (&row, &col)) in rows.iter().zip(cols).enumerate() {
        if row >= nrows || col >= ncols {
            return Err(ProblemError::StructureOutOfRange { what, entry, row, col, nrows, ncols });
        }
        if lower_only && row < col {
            return Err(ProblemError::UpperTriangleEntry { what, entry, row, col });
        }
    }
    Ok(())
}

/// User scaling: positive finite factors of the right lengths.
pub(crate) fn scaling(s: &ProblemScaling, n: usize, m: usize) -> Result<(), ProblemError> {
    let ok = |v: f64| v.is_finite() && v > 0.0;
    if !ok(s.objective) {
        return Err(ProblemError::InvalidScaling { what: "objective", index: 0, value: s.objective });
    }
    for (what, v, expected) in
        [("variable", s.variables.as_deref(), n), ("constraint", s.constraints.as_deref(), m)]
    {
        if let Some(v) = v {
            len(if what == "variable" { "variable scaling" } else { "constraint scaling" }, expected, v.len())?;
            if let Some(index) = v.iter().position(|&x| !ok(x)) {
                return Err(ProblemError::InvalidScaling { what, index, value: v[index] });
            }
        }
    }
    Ok(())
}
