//! The report as one self-contained HTML file: styles inline, charts as inline SVG, no script, no font or
//! image from the network, so it opens anywhere and can be mailed as it is. Printed, it fits A4 portrait:
//! tables break between rows with their headers repeated, headings stay with what follows, charts and examples
//! are not split, and long text wraps inside its cell.
//!
//! Written with `format!` and one escaping function rather than a template engine: the page is one fixed
//! layout, and everything interpolated goes through [`escape`].

use super::svg;
use super::{Problem, Report, StoreDepartment, StoreSection};
use std::fmt::Write;

const STYLE: &str = r#"
@page { size: A4 portrait; margin: 16mm 14mm 18mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
  "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", sans-serif; font-size: 10.5pt; line-height: 1.55; color: #1a1a1a;
  max-width: 182mm; margin: 0 auto; padding: 8mm 0; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 2mm; }
.meta { text-align: center; color: #555; font-size: 9pt; margin-bottom: 6mm; }
h2 { font-size: 13pt; border-bottom: 1.5px solid #2f5d8a; padding-bottom: 1mm; margin: 8mm 0 3mm;
  break-after: avoid; page-break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 1.5mm; break-after: avoid; page-break-after: avoid; }
p.headline { font-size: 11.5pt; text-indent: 2em; background: #f3f6fa; padding: 3mm 4mm; border-left: 3px solid #2f5d8a; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; margin: 2mm 0 4mm; font-size: 9.5pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 0.5pt solid #999; padding: 1.2mm 1.6mm; vertical-align: top; text-align: left;
  overflow-wrap: anywhere; word-break: break-word; }
th { background: #e8eef5; }
td.n, th.n { text-align: right; width: 17mm; white-space: nowrap; }
.chart, figure { break-inside: avoid; page-break-inside: avoid; }
figure { margin: 2mm 0 4mm; }
svg.chart { display: block; width: 100%; height: auto; }
.words span { display: inline-block; margin: 0 2mm 0.5mm 0; }
.words small { color: #666; }
.example { break-inside: avoid; page-break-inside: avoid; margin: 0 0 2mm; padding-left: 3mm; border-left: 2px solid #ccc; }
.example b { color: #555; font-weight: normal; font-size: 9pt; }
.note { color: #555; font-size: 9pt; }
.recurs { color: #b3261e; font-weight: bold; }
section { break-inside: auto; }
@media print { body { max-width: none; padding: 0; } p.headline { background: none; } }
"#;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// At most `chars` characters of a text, with an ellipsis when cut.
fn excerpt(text: &str, chars: usize) -> String {
    let mut cut: String = text.chars().take(chars).collect();
    if text.chars().nth(chars).is_some() {
        cut.push('…');
    }
    cut
}

/// Section titles, in order (the print test looks for each).
pub const SECTION_TITLES: [&str; 8] = [
    "一、总体情况",
    "二、问题类别分布",
    "三、承办部门分布",
    "四、人工复核情况",
    "五、置信度分布",
    "六、各类别特征词",
    "七、共性问题",
    "八、典型诉求示例",
];

/// The whole page.
pub fn render(report: &Report) -> String {
    let mut html = String::with_capacity(64 * 1024);
    let _ = write!(
        html,
        r#"<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title><style>{STYLE}</style></head><body><h1>{title}</h1><div class="meta">数据：{source} · 生成日期：{date}</div>"#,
        title = escape(&report.title),
        source = escape(&report.source),
        date = escape(&report.date),
    );
    overview(&mut html, report);
    categories(&mut html, report);
    departments(&mut html, report);
    review(&mut html, report);
    confidence(&mut html, report);
    key_words(&mut html, report);
    problems(&mut html, report);
    examples(&mut html, report);
    html.push_str("</body></html>\n");
    html
}

fn share(n: u64, total: u64) -> String {
    format!("{:.1}%", 100.0 * n as f64 / total.max(1) as f64)
}

fn overview(html: &mut String, r: &Report) {
    let _ = write!(
        html,
        r#"<section><h2>{}</h2><p class="headline">{}</p><table><thead><tr><th>指标</th><th class="n">件数</th><th class="n">占比</th></tr></thead><tbody>"#,
        SECTION_TITLES[0],
        escape(&r.headline)
    );
    let mut lines = vec![
        ("收集问题", r.total),
        ("自动交办", r.routed),
        ("人工复核", r.review),
    ];
    if let Some(closed) = r.closed {
        lines.push(("已办结", closed));
    }
    lines.push(("共性问题涉及诉求", r.complaints_in_problems as u64));
    for (name, n) in lines {
        let _ = write!(
            html,
            r#"<tr><td>{name}</td><td class="n">{n}</td><td class="n">{}</td></tr>"#,
            share(n, r.total)
        );
    }
    html.push_str("</tbody></table></section>");
}

fn categories(html: &mut String, r: &Report) {
    let bars: Vec<(String, u64, u64)> = r
        .categories
        .iter()
        .map(|c| (c.name.clone(), c.count - c.review, c.review))
        .collect();
    let _ = write!(
        html,
        r#"<section><h2>{}</h2><figure>{}</figure><table><thead><tr><th>类别</th><th>承办部门</th><th class="n">件数</th><th class="n">占比</th><th class="n">复核</th></tr></thead><tbody>"#,
        SECTION_TITLES[1],
        svg::stacked_bars(&bars)
    );
    for c in &r.categories {
        let _ = write!(
            html,
            r#"<tr><td>{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            escape(&c.name),
            escape(&c.department),
            c.count,
            share(c.count, r.total),
            c.review
        );
    }
    html.push_str("</tbody></table></section>");
}

fn departments(html: &mut String, r: &Report) {
    let bars: Vec<(String, u64, u64)> = r
        .departments
        .iter()
        .map(|d| (d.name.clone(), d.routed, d.review))
        .collect();
    let _ = write!(
        html,
        r#"<section><h2>{}</h2><figure>{}</figure><table><thead><tr><th>承办部门</th><th class="n">件数</th><th class="n">占比</th><th class="n">自动</th><th class="n">复核</th></tr></thead><tbody>"#,
        SECTION_TITLES[2],
        svg::stacked_bars(&bars)
    );
    for d in &r.departments {
        let _ = write!(
            html,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            escape(&d.name),
            d.count,
            share(d.count, r.total),
            d.routed,
            d.review
        );
    }
    html.push_str("</tbody></table>");
    if let Some(store) = &r.store {
        store_figures(html, store);
    }
    html.push_str("</section>");
}

/// Title of the case store's table inside the departments' section (the print test looks for it).
pub const STORE_TITLE: &str = "案件库办理情况";

/// The case store's figures per department: open, overdue, closed on time, returned, median days to close.
fn store_figures(html: &mut String, store: &StoreSection) {
    let _ = write!(
        html,
        r#"<h3>{STORE_TITLE}</h3><p class="note">截至{}，案件库共{}件，其中待分办{}件。按期：在最后一次交办的期限内办结。</p><table><thead><tr><th>承办部门</th><th class="n">在办</th><th class="n">超期</th><th class="n">已办结</th><th class="n">按期办结</th><th class="n">退单</th><th class="n">办结天数中位数</th></tr></thead><tbody>"#,
        escape(&store.as_of),
        store.cases,
        store.with_dispatcher
    );
    let line = |html: &mut String, d: &StoreDepartment| {
        let _ = write!(
            html,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            escape(&d.name),
            d.open,
            d.overdue,
            d.closed,
            d.closed_on_time,
            d.returned,
            d.median_days_to_close
                .map_or_else(|| "—".to_string(), |days| format!("{days:.1}"))
        );
    };
    for d in &store.departments {
        line(html, d);
    }
    if store.departments.len() > 1 {
        line(html, &store.total());
    }
    html.push_str("</tbody></table>");
}

fn review(html: &mut String, r: &Report) {
    let _ = write!(
        html,
        r#"<section><h2>{}</h2><p>需人工复核{}件，占{}。原因如下：</p><table><thead><tr><th>原因</th><th class="n">件数</th><th class="n">占复核</th></tr></thead><tbody>"#,
        SECTION_TITLES[3],
        r.review,
        share(r.review, r.total)
    );
    for reason in &r.review_reasons {
        let _ = write!(
            html,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            escape(&reason.name),
            reason.count,
            share(reason.count, r.review)
        );
    }
    if r.review_reasons.is_empty() {
        html.push_str(r#"<tr><td colspan="3">无</td></tr>"#);
    }
    html.push_str("</tbody></table></section>");
}

fn confidence(html: &mut String, r: &Report) {
    let known: u64 = r.confidence_histogram.iter().sum();
    let _ = write!(
        html,
        r#"<section><h2>{}</h2><p class="note">分类置信度（校准后的概率）的分布，共{}件；越靠右，判断越有把握。</p><figure>{}</figure></section>"#,
        SECTION_TITLES[4],
        known,
        svg::histogram(&r.confidence_histogram)
    );
}

fn key_words(html: &mut String, r: &Report) {
    let _ = write!(
        html,
        r#"<section><h2>{}</h2><p class="note">与其他类别相比最突出的词语（对数似然比 G²，已去除停用词），括号内为出现次数。</p><table><thead><tr><th style="width:32mm">类别</th><th>特征词</th></tr></thead><tbody>"#,
        SECTION_TITLES[5]
    );
    for c in r.categories.iter().filter(|c| !c.label.is_empty()) {
        let words: String = c
            .key_words
            .iter()
            .map(|k| {
                format!(
                    "<span>{}<small>（{}）</small></span>",
                    escape(&k.word),
                    k.count
                )
            })
            .collect();
        let _ = write!(
            html,
            r#"<tr><td>{}</td><td class="words">{}</td></tr>"#,
            escape(&c.name),
            if words.is_empty() {
                "—".to_string()
            } else {
                words
            }
        );
    }
    html.push_str("</tbody></table></section>");
}

fn problem_row(html: &mut String, p: &Problem) {
    let when = match (&p.first_seen, &p.last_seen) {
        (Some(first), Some(last)) if first != last => format!("{first} 至 {last}"),
        (Some(first), _) => first.clone(),
        _ => "—".into(),
    };
    let recurs = if p.recurs {
        format!(
            r#"<span class="recurs">是</span>（此前{}件：{}）"#,
            p.earlier,
            escape(&p.seen_before)
        )
    } else {
        "否".into()
    };
    let enterprises = if p.enterprises.is_empty() {
        "—".to_string()
    } else {
        let names: Vec<&str> = p.enterprises.iter().take(4).map(String::as_str).collect();
        let more = if p.enterprises.len() > 4 { "等" } else { "" };
        format!(
            "{}家：{}{more}",
            p.enterprises.len(),
            escape(&names.join("、"))
        )
    };
    let _ = write!(
        html,
        r#"<tr><td>{cluster}</td><td class="n">{size}</td><td>{enterprises}</td><td><b>{category}</b> {text}<br><span class="note">代表诉求 {id}</span></td><td>{words}</td><td>{when}</td><td>{recurs}</td></tr>"#,
        cluster = escape(&p.cluster),
        size = p.size,
        category = escape(&p.category),
        text = escape(&excerpt(&p.representative_text, 160)),
        id = escape(&p.representative_id),
        words = escape(&p.key_words.join("、")),
    );
}

fn problems(html: &mut String, r: &Report) {
    let _ = write!(
        html,
        r#"<section><h2>{}</h2><p>多家企业反映的同一具体问题共{}个，涉及诉求{}件；按件数从多到少列出{}。</p>"#,
        SECTION_TITLES[6],
        r.problems_total,
        r.complaints_in_problems,
        if r.problems.len() < r.problems_total {
            format!("前{}个", r.problems.len())
        } else {
            String::new()
        }
    );
    html.push_str(r#"<table><thead><tr><th style="width:17mm">编号</th><th class="n">件数</th><th style="width:30mm">涉及企业</th><th>代表性诉求</th><th style="width:26mm">关键词</th><th style="width:21mm">首次/最近</th><th style="width:20mm">往批次提出</th></tr></thead><tbody>"#);
    for p in &r.problems {
        problem_row(html, p);
    }
    if r.problems.is_empty() {
        html.push_str(r#"<tr><td colspan="7">本批未发现多件诉求反映的同一问题。</td></tr>"#);
    }
    html.push_str("</tbody></table></section>");
}

fn examples(html: &mut String, r: &Report) {
    let _ = write!(html, r#"<section><h2>{}</h2>"#, SECTION_TITLES[7]);
    for c in r.categories.iter().filter(|c| !c.examples.is_empty()) {
        let _ = write!(html, "<h3>{}（{}件）</h3>", escape(&c.name), c.count);
        for (id, text) in &c.examples {
            let _ = write!(
                html,
                r#"<p class="example"><b>{}</b> {}</p>"#,
                escape(id),
                escape(&excerpt(text, 240))
            );
        }
    }
    html.push_str("</section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(excerpt("一二三四", 2), "一二…");
        assert_eq!(excerpt("一二", 2), "一二");
    }
}
