//! Log-log SVG plots of solve time against problem size, drawn with `plotters` (SVG backend).
//!
//! Each series (a route/Hessian pair of ipax, or Ipopt's `.nl` runs) is a line with markers; the
//! legend shows the least-squares slope of `log t` against `log n`, the empirical exponent `p` in
//! `t ∝ nᵖ`. Sizes at which a series failed are `×` marks on the top edge, listed in the legend.

use std::collections::BTreeMap;

use plotters::prelude::*;

use crate::BenchError;
use crate::runner::Row;

/// Whose times a series shows; decides its drawing style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Solver {
    /// ipax (solid line, round markers, one color per route/Hessian).
    Ipax,
    /// Ipopt (dashed black line, triangle markers), so the reference stands apart from the routes.
    Ipopt,
}

/// One line of a plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Whose times these are.
    pub solver: Solver,
    /// `(n, seconds)` points of successful cases, all positive.
    pub points: Vec<(f64, f64)>,
    /// Sizes `n` at which the case failed (non-success status, crash or timeout): drawn as `×`
    /// on the top edge of the plot and listed in the legend, so a line that stops early says why.
    pub failed: Vec<f64>,
}
/// Least-squares slope of `log10 y` against `log10 x`; `None` with fewer than two distinct `x`
/// or non-positive values.
pub fn loglog_slope(points: &[(f64, f64)]) -> Option<f64> {
    if points.iter().any(|&(x, y)| !(x > 0.0 && y > 0.0 && x.is_finite() && y.is_finite())) {
        return None;
    }
    let k = points.len() as f64;
    let lx: Vec<f64> = points.iter().map(|p| p.0.log10()).collect();
    let ly: Vec<f64> = points.iter().map(|p| p.1.log10()).collect();
    let mx = lx.iter().sum::<f64>() / k;
    let my = ly.iter().sum::<f64>() / k;
    let sxx: f64 = lx.iter().map(|x| (x - mx).powi(2)).sum();
    let sxy: f64 = lx.iter().zip(&ly).map(|(x, y)| (x - mx) * (y - my)).sum();
    (sxx > 1e-12).then(|| sxy / sxx)
}

/// The series of one family: rows grouped by route and Hessian, sorted by n; successful rows
/// become points, failed ones (skipped rows excluded) go to [`Series::failed`].
pub fn family_series(rows: &[Row], family: &str) -> Vec<Series> {
    type Group = (Vec<(f64, f64)>, Vec<f64>);
    let mut groups: BTreeMap<(crate::cases::Route, crate::cases::Hessian), Group> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.case.source.family() == Some(family)) {
        let g = groups.entry((r.case.route, r.case.hessian)).or_default();
        match (r.success(), r.first(), r.median_time()) {
            (true, Some(m), Some(t)) if t > 0.0 => g.0.push((m.n as f64, t)),
            _ if matches!(r.outcome, crate::runner::Outcome::Skipped(_)) => {}
            _ => {
                let n = r.first().map(|m| m.n).or(r.case.requested_n);
                if let Some(n) = n {
                    g.1.push(n as f64);
                }
            }
        }
    }
    groups
        .into_iter()
        .filter(|(_, (p, f))| !(p.is_empty() && f.is_empty()))
        .map(|((route, hess), (mut points, mut failed))| {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            failed.sort_by(f64::total_cmp);
            Series { label: format!("{route} / {hess}"), solver: Solver::Ipax, points, failed }
        })
        .collect()
}

/// `10` followed by the exponent in Unicode superscript digits (renders the same everywhere,
/// unlike a shifted `<tspan>`).
fn decade_label(d: i32) -> String {
    const SUP: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s = String::from("10");
    if d < 0 {
        s.push('⁻');
    }
    for c in d.unsigned_abs().to_string().chars() {
        s.push(SUP[c.to_digit(10).unwrap_or(0) as usize]);
    }
    s
}

/// Axis tick text: decades as `10ᵏ`, nothing elsewhere (the log axis only puts labels on decades
/// when it spans several, but a one-decade axis may get intermediate bold ticks).
fn tick_label(v: f64) -> String {
    let l = v.log10();
    if (l - l.round()).abs() < 1e-9 { decade_label(l.round() as i32) } else { String::new() }
}

/// A size as `1e5`-style text when it is a power of ten, else the plain integer.
fn fmt_n(n: f64) -> String {
    let l = n.log10();
    if (l - l.round()).abs() < 1e-9 { format!("1e{}", l.round() as i32) } else { format!("{}", n.round() as u64) }
}

/// Colors of ipax's series, in order (matplotlib's first six); Ipopt is drawn in black.
const COLORS: [RGBColor; 6] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
];

/// Plot size in pixels. (Font sizes below are plotters' nominal ones, which its SVG backend writes
/// 1.24 times smaller.)
const SIZE: (u32, u32) = (820, 520);

/// `[10^lo, 10^hi]` around `values` (positive ones), snapped to whole decades so every major
/// tick is a power of ten; `[1, 10]` when there are none.
fn decade_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|&v| v > 0.0 && v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v.log10()), b.max(v.log10())));
    if !lo.is_finite() {
        return (1.0, 10.0);
    }
    let (lo, hi) = (lo.floor(), hi.ceil());
    (10f64.powf(lo), 10f64.powf(if hi > lo { hi } else { lo + 1.0 }))
}

/// Factors that widen an axis range by a relative 1e-9 at each end.
const WIDEN: (f64, f64) = (1.0 - 1e-9, 1.0 + 1e-9);

fn plot_error(e: impl std::fmt::Display) -> BenchError {
    BenchError::Plot(e.to_string())
}

/// A log-log SVG plot (`x`: number of variables, `y`: seconds) of `series`, titled `title`.
/// Empty series are left out; with no points at all the plot shows axes and a note.
pub fn svg_loglog(title: &str, series: &[Series]) -> Result<String, BenchError> {
    let series: Vec<&Series> = series.iter().filter(|s| !(s.points.is_empty() && s.failed.is_empty())).collect();
    let points = || series.iter().flat_map(|s| s.points.iter().copied());
    let (x0, x1) = decade_range(points().map(|p| p.0).chain(series.iter().flat_map(|s| s.failed.iter().copied())));
    let (y0, y1) = decade_range(points().map(|p| p.1));

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(15)
            // Room for the last x label, centred on the right edge.
            .margin_right(30)
            .x_label_area_size(45)
            .y_label_area_size(60)
            // Widened by a hair: the axis finds its decades through ln(v)/ln(10), which puts
            // 10⁻³ at -2.9999…, so an exact end decade would lose its tick and label.
            .build_cartesian_2d((x0 * WIDEN.0..x1 * WIDEN.1).log_scale(), (y0 * WIDEN.0..y1 * WIDEN.1).log_scale())
            .map_err(plot_error)?;
        chart
            .configure_mesh()
            .x_desc("number of variables n")
            .y_desc("solver time [s]")
            .x_label_formatter(&|v| tick_label(*v))
            .y_label_formatter(&|v| tick_label(*v))
            .label_style(("sans-serif", 16))
            .draw()
            .map_err(plot_error)?;
        if points().next().is_none() {
            let centre = ((x0 * x1).sqrt(), (y0 * y1).sqrt());
            chart.draw_series(std::iter::once(Text::new("no successful runs", centre, ("sans-serif", 16)))).map_err(plot_error)?;
        }
        let mut ipax_index = 0;
        for ser in series {
            let color = match ser.solver {
                Solver::Ipax => {
                    let c = COLORS[ipax_index % COLORS.len()];
                    ipax_index += 1;
                    c
                }
                Solver::Ipopt => BLACK,
            };
            let line = color.stroke_width(2);
            let slope = loglog_slope(&ser.points).map_or_else(|| "slope n/a".to_string(), |p| format!("slope {p:.2}"));
            let label = format!("{} ({slope})", ser.label);
            let pts = ser.points.clone();
            match ser.solver {
                Solver::Ipax => {
                    chart
                        .draw_series(LineSeries::new(pts.clone(), line))
                        .map_err(plot_error)?
                        .label(label)
                        .legend(move |(x, y)| {
                            EmptyElement::at((x, y))
                                + PathElement::new(vec![(0, 0), (24, 0)], line)
                                + Circle::new((12, 0), 4, color.filled())
                        });
                    chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, color.filled()))).map_err(plot_error)?;
                }
                Solver::Ipopt => {
                    chart
                        .draw_series(DashedLineSeries::new(pts.clone(), 6, 4, line))
                        .map_err(plot_error)?
                        .label(label)
                        .legend(move |(x, y)| {
                            EmptyElement::at((x, y))
                                + PathElement::new(vec![(0, 0), (7, 0)], line)
                                + PathElement::new(vec![(17, 0), (24, 0)], line)
                                + TriangleMarker::new((12, 0), 6, color.filled())
                        });
                    chart.draw_series(pts.iter().map(|&p| TriangleMarker::new(p, 6, color.filled()))).map_err(plot_error)?;
                }
            }
            if !ser.failed.is_empty() {
                let cross = color.stroke_width(3);
                let list: Vec<String> = ser.failed.iter().map(|&n| fmt_n(n)).collect();
                chart
                    .draw_series(ser.failed.iter().map(|&n| Cross::new((n, y1), 6, cross)))
                    .map_err(plot_error)?
                    .label(format!("{}: × failed at n = {}", ser.label, list.join(", ")))
                    .legend(move |(x, y)| Cross::new((x + 12, y), 5, cross));
            }
        }
        chart
            .configure_series_labels()
            // Time grows with n, so the upper left corner is the emptiest part of the plot.
            .position(SeriesLabelPosition::UpperLeft)
            .margin(10)
            .label_font(("sans-serif", 15))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.5))
            .draw()
            .map_err(plot_error)?;
        root.present().map_err(plot_error)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_power_law_is_its_exponent() {
        let pts: Vec<(f64, f64)> = [1e3, 1e4, 1e5].iter().map(|&n: &f64| (n, 2e-6 * n.powf(1.5))).collect();
        assert!((loglog_slope(&pts).unwrap() - 1.5).abs() < 1e-12);
        assert_eq!(loglog_slope(&[(10.0, 1.0)]), None);
        assert_eq!(loglog_slope(&[(10.0, 1.0), (100.0, 0.0)]), None);
    }

    fn ipax(label: &str, points: Vec<(f64, f64)>, failed: Vec<f64>) -> Series {
        Series { label: label.into(), solver: Solver::Ipax, points, failed }
    }

    #[test]
    fn svg_has_every_series_with_its_slope_in_the_legend() {
        let a = ipax("augmented / exact", vec![(1e3, 0.01), (1e4, 0.1), (1e5, 1.0)], vec![]);
        let b = ipax("condensed-cg <mf>", vec![(1e3, 0.02), (1e6, 20.0)], vec![]);
        let ipopt = Series { label: crate::ipopt::LABEL.into(), solver: Solver::Ipopt, points: vec![(1e4, 0.5), (1e5, 50.0)], failed: vec![] };
        let svg = svg_loglog("obstacle", &[a, b, ipopt, ipax("empty", vec![], vec![])]).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("augmented / exact (slope 1.00)"));
        assert!(svg.contains("condensed-cg &lt;mf&gt; (slope 1.00)"), "labels are escaped");
        assert!(svg.contains("Ipopt (MUMPS) via CasADi, .nl (slope 2.00)"));
        assert!(!svg.contains("empty ("));
        assert!(svg.contains("obstacle") && svg.contains("number of variables n") && svg.contains("solver time [s]"));
        // x axis spans 10³..10⁶: decade labels 3 to 6 present.
        for label in ["10³", "10⁴", "10⁵", "10⁶"] {
            assert!(svg.contains(&format!("{label}\n</text>")), "{label}");
        }
        // Five round markers plus one in the legend for each ipax series; Ipopt's are triangles.
        assert_eq!(svg.matches("<circle").count(), 5 + 2);
    }

    #[test]
    fn decade_labels_use_superscripts() {
        assert_eq!(decade_label(-3), "10⁻³");
        assert_eq!(decade_label(12), "10¹²");
        assert_eq!(tick_label(1e5), "10⁵");
        assert_eq!(tick_label(2e5), "");
        assert_eq!(fmt_n(1e6), "1e6");
        assert_eq!(fmt_n(99856.0), "99856");
    }

    #[test]
    fn failures_are_marked_and_listed() {
        let s = ipax("condensed-cg / exact", vec![(1e3, 1.0), (1e4, 80.0)], vec![1e5, 1e6]);
        let svg = svg_loglog("obstacle", &[s]).unwrap();
        assert!(svg.contains("condensed-cg / exact: × failed at n = 1e5, 1e6"));
        assert!(svg.contains("10⁶"), "x range extends to the failed sizes");
    }

    #[test]
    fn family_series_splits_successes_and_failures() {
        use crate::cases::{Case, Hessian, Route, Source};
        use crate::measure::Measurement;
        use crate::runner::Outcome;
        let case = |n: usize, route: Route| Case {
            source: Source::Registry { name: "obstacle".into(), size: Some(n) },
            requested_n: Some(n),
            route,
            hessian: Hessian::Exact,
        };
        let meas = |n: usize, ok: bool| Measurement {
            n,
            m: 0,
            status: if ok { "Optimal".into() } else { "MaxWallTime".into() },
            success: ok,
            iterations: 3,
            objective: 0.0,
            constraint_violation: 0.0,
            time_total: 0.1,
            time_function_evaluations: 0.0,
            time_linear_algebra: 0.05,
            time_setup: 0.0,
            peak_rss_kib: None,
            krylov_iterations: None,
        };
        let rows = vec![
            Row { case: case(100, Route::Augmented), outcome: Outcome::Measured(vec![meas(100, true)]) },
            Row { case: case(1000, Route::Augmented), outcome: Outcome::Measured(vec![meas(1000, false)]) },
            Row { case: case(10_000, Route::Augmented), outcome: Outcome::Crashed("timed out".into()) },
            Row { case: case(100, Route::CondensedDense), outcome: Outcome::Skipped("n > 5".into()) },
        ];
        let series = family_series(&rows, "obstacle");
        assert_eq!(series.len(), 1, "skipped-only group left out");
        assert_eq!(series[0].points, vec![(100.0, 0.1)]);
        assert_eq!(series[0].failed, vec![1000.0, 10_000.0]);
        assert!(family_series(&rows, "bratu").is_empty());
    }

    #[test]
    fn empty_plot_still_renders_axes() {
        let svg = svg_loglog("nothing", &[]).unwrap();
        assert!(svg.contains("no successful runs") && svg.contains("number of variables n"));
    }
}
