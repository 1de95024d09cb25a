//! Charts as inline SVG: sized by a viewBox and scaled to the page's width, so they print as crisply as text
//! and need no script. Text in them takes the page's font.

use super::html::escape;

const WIDTH: f64 = 640.0;
const LABEL_WIDTH: f64 = 190.0;
const VALUE_WIDTH: f64 = 70.0;
const ROW: f64 = 22.0;
/// Colours of the two parts of a bar (routed, sent to review), dark enough to print in grey.
const ROUTED: &str = "#2f5d8a";
const REVIEW: &str = "#d9822b";

/// Horizontal bars, one per `(label, routed, review)`, each split into its routed and review parts.
pub fn stacked_bars(rows: &[(String, u64, u64)]) -> String {
    let max = rows.iter().map(|r| r.1 + r.2).max().unwrap_or(0).max(1) as f64;
    let span = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let height = ROW * rows.len() as f64 + 30.0;
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" xmlns="http://www.w3.org/2000/svg">"##
    );
    for (i, (label, routed, review)) in rows.iter().enumerate() {
        let y = ROW * i as f64;
        let routed_width = span * *routed as f64 / max;
        let review_width = span * *review as f64 / max;
        svg.push_str(&format!(
            r##"<text x="{x:.1}" y="{ty:.1}" text-anchor="end" font-size="12">{label}</text><rect x="{LABEL_WIDTH}" y="{ry:.1}" width="{routed_width:.1}" height="14" fill="{ROUTED}"/><rect x="{rx:.1}" y="{ry:.1}" width="{review_width:.1}" height="14" fill="{REVIEW}"/><text x="{vx:.1}" y="{ty:.1}" font-size="12">{total}</text>"##,
            x = LABEL_WIDTH - 6.0,
            ty = y + 15.0,
            ry = y + 4.0,
            rx = LABEL_WIDTH + routed_width,
            vx = LABEL_WIDTH + routed_width + review_width + 4.0,
            label = escape(label),
            total = routed + review,
        ));
    }
    let legend_y = ROW * rows.len() as f64 + 12.0;
    svg.push_str(&format!(
        r##"<rect x="{LABEL_WIDTH}" y="{ly:.1}" width="10" height="10" fill="{ROUTED}"/><text x="{t1:.1}" y="{ty:.1}" font-size="11">自动分办</text><rect x="{r2:.1}" y="{ly:.1}" width="10" height="10" fill="{REVIEW}"/><text x="{t2:.1}" y="{ty:.1}" font-size="11">人工复核</text></svg>"##,
        ly = legend_y,
        ty = legend_y + 9.0,
        t1 = LABEL_WIDTH + 14.0,
        r2 = LABEL_WIDTH + 84.0,
        t2 = LABEL_WIDTH + 98.0,
    ));
    svg
}

/// Vertical bars for ten confidence bins of 0.1.
pub fn histogram(bins: &[u64; 10]) -> String {
    let (height, base, left) = (190.0, 160.0, 40.0);
    let max = bins.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = (WIDTH - left - 10.0) / bins.len() as f64;
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" xmlns="http://www.w3.org/2000/svg"><line x1="{left}" y1="{base}" x2="{end}" y2="{base}" stroke="#555"/>"##,
        end = WIDTH - 10.0
    );
    for (i, &count) in bins.iter().enumerate() {
        let bar = (base - 20.0) * count as f64 / max;
        let x = left + step * i as f64;
        svg.push_str(&format!(
            r##"<rect x="{bx:.1}" y="{by:.1}" width="{bw:.1}" height="{bar:.1}" fill="{ROUTED}"/><text x="{cx:.1}" y="{cy:.1}" text-anchor="middle" font-size="11">{count}</text><text x="{cx:.1}" y="{ly:.1}" text-anchor="middle" font-size="11">{lo:.1}–{hi:.1}</text>"##,
            bx = x + 4.0,
            by = base - bar,
            bw = step - 8.0,
            cx = x + step / 2.0,
            cy = base - bar - 4.0,
            ly = base + 16.0,
            lo = i as f64 / 10.0,
            hi = (i + 1) as f64 / 10.0,
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_labels_are_escaped() {
        let svg = stacked_bars(&[("A&B".into(), 30, 10), ("C".into(), 10, 0)]);
        assert!(svg.contains("A&amp;B"));
        // The largest bar spans the whole bar area: routed 3/4 of it, review 1/4.
        let span = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
        assert!(svg.contains(&format!(r#"width="{:.1}""#, span * 0.75)));
        assert!(svg.contains(&format!(r#"width="{:.1}""#, span * 0.25)));
        assert_eq!(svg.matches("<rect").count(), 2 * 2 + 2);
    }

    #[test]
    fn a_histogram_has_ten_bars() {
        let svg = histogram(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(svg.matches("<rect").count(), 10);
        assert!(svg.contains("0.9–1.0"));
    }
}
