//! Log-log SVG plots of solve time against problem size, written directly as SVG text.
//!
//! Each series (a route/Hessian pair) is a polyline with markers; the legend shows the
//! least-squares slope of `log t` against `log n`, the empirical exponent `p` in `t ∝ nᵖ`.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::runner::Row;

/// One line of a plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
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
            Series { label: format!("{route} / {hess}"), points, failed }
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

/// A size as `1e5`-style text when it is a power of ten, else the plain integer.
fn fmt_n(n: f64) -> String {
    let l = n.log10();
    if (l - l.round()).abs() < 1e-9 { format!("1e{}", l.round() as i32) } else { format!("{}", n.round() as u64) }
}

const COLORS: [&str; 6] = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A log-log SVG plot (`x`: number of variables, `y`: seconds) of `series`, titled `title`.
/// Empty series are left out; with no points at all the plot shows axes and a note.
pub fn svg_loglog(title: &str, series: &[Series]) -> String {
    let (w, h) = (760.0, 480.0);
    let (left, right, top, bottom) = (80.0, 290.0, 40.0, 60.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let all: Vec<(f64, f64)> = series.iter().flat_map(|s| s.points.iter().copied()).filter(|&(x, y)| x > 0.0 && y > 0.0).collect();
    // Axis ranges snap to whole decades so every major tick is a power of ten.
    let range = |vals: &mut dyn Iterator<Item = f64>| {
        let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v.log10()), b.max(v.log10())));
        if lo.is_finite() {
            let (lo, hi) = (lo.floor(), hi.ceil());
            if hi > lo { (lo, hi) } else { (lo, lo + 1.0) }
        } else {
            (0.0, 1.0)
        }
    };
    let failed_n = series.iter().flat_map(|s| s.failed.iter().copied()).filter(|&n| n > 0.0);
    let (x0, x1) = range(&mut all.iter().map(|p| p.0).chain(failed_n));
    let (y0, y1) = range(&mut all.iter().map(|p| p.1));
    let px = |x: f64| left + (x.log10() - x0) / (x1 - x0) * pw;
    let py = |y: f64| top + ph - (y.log10() - y0) / (y1 - y0) * ph;

    let mut s = String::new();
    let _ = writeln!(s, r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#);
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(s, r#"<text x="{}" y="22" text-anchor="middle" font-size="15">{}</text>"#, left + pw / 2.0, escape(title));
    // Grid, ticks and labels: major ticks at decades, minor ticks at 2..9 × 10ᵏ.
    for (lo, hi, is_x) in [(x0, x1, true), (y0, y1, false)] {
        for d in lo as i32..=hi as i32 {
            for mult in 1..10 {
                let v = f64::from(mult) * 10f64.powi(d);
                if v.log10() > hi + 1e-9 {
                    break;
                }
                let major = mult == 1;
                let (len, color) = if major { (6.0, "#ccc") } else { (3.0, "#eee") };
                if is_x {
                    let x = px(v);
                    let _ = writeln!(s, r#"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{}" stroke="{color}"/>"#, top + ph);
                    let _ = writeln!(s, r#"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="black"/>"#, top + ph, top + ph + len);
                    if major {
                        let _ = writeln!(s, r#"<text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"#, top + ph + 20.0, decade_label(d));
                    }
                } else {
                    let y = py(v);
                    let _ = writeln!(s, r#"<line x1="{left}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="{color}"/>"#, left + pw);
                    let _ = writeln!(s, r#"<line x1="{}" y1="{y:.1}" x2="{left}" y2="{y:.1}" stroke="black"/>"#, left - len);
                    if major {
                        let _ = writeln!(s, r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#, left - 8.0, y + 4.0, decade_label(d));
                    }
                }
            }
        }
    }
    let _ = writeln!(s, r#"<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="black"/>"#);
    let _ = writeln!(s, r#"<text x="{}" y="{}" text-anchor="middle">number of variables n</text>"#, left + pw / 2.0, h - 15.0);
    let _ = writeln!(s, r#"<text x="20" y="{}" text-anchor="middle" transform="rotate(-90 20 {})">solver time [s]</text>"#, top + ph / 2.0, top + ph / 2.0);
    if all.is_empty() {
        let _ = writeln!(s, r#"<text x="{}" y="{}" text-anchor="middle">no successful runs</text>"#, left + pw / 2.0, top + ph / 2.0);
    }
    let mut legend_y = top + 10.0;
    for (i, ser) in series.iter().filter(|s| !(s.points.is_empty() && s.failed.is_empty())).enumerate() {
        let color = COLORS[i % COLORS.len()];
        let pts: Vec<String> = ser.points.iter().map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y))).collect();
        let _ = writeln!(s, r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"/>"#, pts.join(" "));
        for &(x, y) in &ser.points {
            let _ = writeln!(s, r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{color}"/>"#, px(x), py(y));
        }
        let slope = loglog_slope(&ser.points).map_or_else(|| "slope n/a".to_string(), |p| format!("slope {p:.2}"));
        let lx = left + pw + 15.0;
        let _ = writeln!(s, r#"<line x1="{lx}" y1="{legend_y}" x2="{}" y2="{legend_y}" stroke="{color}" stroke-width="2"/>"#, lx + 24.0);
        let _ = writeln!(s, r#"<circle cx="{}" cy="{legend_y}" r="4" fill="{color}"/>"#, lx + 12.0);
        let _ = writeln!(s, r#"<text x="{}" y="{}">{} ({slope})</text>"#, lx + 30.0, legend_y + 4.0, escape(&ser.label));
        legend_y += 20.0;
        if !ser.failed.is_empty() {
            for &n in &ser.failed {
                let (x, y) = (px(n), top);
                let _ = writeln!(
                    s,
                    r#"<path d="M{:.1},{:.1}L{:.1},{:.1}M{:.1},{:.1}L{:.1},{:.1}" stroke="{color}" stroke-width="2.5"/>"#,
                    x - 5.0, y - 5.0, x + 5.0, y + 5.0, x - 5.0, y + 5.0, x + 5.0, y - 5.0
                );
            }
            let list: Vec<String> = ser.failed.iter().map(|&n| fmt_n(n)).collect();
            let _ = writeln!(s, r#"<text x="{}" y="{}" font-size="10">× failed at n = {}</text>"#, lx + 30.0, legend_y, list.join(", "));
            legend_y += 18.0;
        }
    }
    s.push_str("</svg>\n");
    s
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

    #[test]
    fn svg_has_one_polyline_per_series_and_slopes_in_the_legend() {
        let a = Series { label: "augmented / exact".into(), points: vec![(1e3, 0.01), (1e4, 0.1), (1e5, 1.0)], failed: vec![] };
        let b = Series { label: "condensed-cg <mf>".into(), points: vec![(1e3, 0.02), (1e6, 20.0)], failed: vec![] };
        let svg = svg_loglog("obstacle", &[a, b, Series { label: "empty".into(), points: vec![], failed: vec![] }]);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 5 + 2, "markers plus legend markers");
        assert!(svg.contains("augmented / exact (slope 1.00)"));
        assert!(svg.contains("condensed-cg &lt;mf&gt; (slope 1.00)"));
        assert!(!svg.contains("empty ("));
        // x axis spans 10³..10⁶: decade labels 3 to 6 present.
        for label in ["10³", "10⁴", "10⁵", "10⁶"] {
            assert!(svg.contains(&format!(">{label}</text>")), "{label}");
        }
    }

    #[test]
    fn decade_labels_use_superscripts() {
        assert_eq!(decade_label(-3), "10⁻³");
        assert_eq!(decade_label(12), "10¹²");
        assert_eq!(fmt_n(1e6), "1e6");
        assert_eq!(fmt_n(99856.0), "99856");
    }

    #[test]
    fn failures_are_marked_and_listed() {
        let s = Series { label: "condensed-cg / exact".into(), points: vec![(1e3, 1.0), (1e4, 80.0)], failed: vec![1e5, 1e6] };
        let svg = svg_loglog("obstacle", &[s]);
        assert!(svg.contains("× failed at n = 1e5, 1e6"));
        assert_eq!(svg.matches("<path").count(), 2);
        assert!(svg.contains(">10⁶</text>"), "x range extends to the failed sizes");
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
        let svg = svg_loglog("nothing", &[]);
        assert!(svg.contains("no successful runs") && svg.contains("number of variables n"));
    }
}
