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
    /// `(n, seconds)` points, all positive.
    pub points: Vec<(f64, f64)>,
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

/// The series of one family: successful rows grouped by route and Hessian, sorted by n.
pub fn family_series(rows: &[Row], family: &str) -> Vec<Series> {
    let mut groups: BTreeMap<(crate::cases::Route, crate::cases::Hessian), Vec<(f64, f64)>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.case.source.family() == Some(family) && r.success()) {
        if let (Some(m), Some(t)) = (r.first(), r.median_time())
            && t > 0.0
        {
            groups.entry((r.case.route, r.case.hessian)).or_default().push((m.n as f64, t));
        }
    }
    groups
        .into_iter()
        .map(|((route, hess), mut points)| {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Series { label: format!("{route} / {hess}"), points }
        })
        .collect()
}

const COLORS: [&str; 6] = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A log-log SVG plot (`x`: number of variables, `y`: seconds) of `series`, titled `title`.
/// Empty series are left out; with no points at all the plot shows axes and a note.
pub fn svg_loglog(title: &str, series: &[Series]) -> String {
    let (w, h) = (720.0, 480.0);
    let (left, right, top, bottom) = (80.0, 250.0, 40.0, 60.0);
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
    let (x0, x1) = range(&mut all.iter().map(|p| p.0));
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
                        let _ = writeln!(s, r#"<text x="{x:.1}" y="{}" text-anchor="middle">10<tspan dy="-6" font-size="9">{d}</tspan></text>"#, top + ph + 20.0);
                    }
                } else {
                    let y = py(v);
                    let _ = writeln!(s, r#"<line x1="{left}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="{color}"/>"#, left + pw);
                    let _ = writeln!(s, r#"<line x1="{}" y1="{y:.1}" x2="{left}" y2="{y:.1}" stroke="black"/>"#, left - len);
                    if major {
                        let _ = writeln!(s, r#"<text x="{}" y="{:.1}" text-anchor="end">10<tspan dy="-6" font-size="9">{d}</tspan></text>"#, left - 8.0, y + 4.0);
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
    for (i, ser) in series.iter().filter(|s| !s.points.is_empty()).enumerate() {
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
        let a = Series { label: "augmented / exact".into(), points: vec![(1e3, 0.01), (1e4, 0.1), (1e5, 1.0)] };
        let b = Series { label: "condensed-cg <mf>".into(), points: vec![(1e3, 0.02), (1e6, 20.0)] };
        let svg = svg_loglog("obstacle", &[a, b, Series { label: "empty".into(), points: vec![] }]);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 5 + 2, "markers plus legend markers");
        assert!(svg.contains("augmented / exact (slope 1.00)"));
        assert!(svg.contains("condensed-cg &lt;mf&gt; (slope 1.00)"));
        assert!(!svg.contains("empty ("));
        // x axis spans 10³..10⁶: decade labels 3 to 6 present.
        for d in 3..=6 {
            assert!(svg.contains(&format!(r#"font-size="9">{d}</tspan>"#)));
        }
    }

    #[test]
    fn empty_plot_still_renders_axes() {
        let svg = svg_loglog("nothing", &[]);
        assert!(svg.contains("no successful runs") && svg.contains("number of variables n"));
    }
}
