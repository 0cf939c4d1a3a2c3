//! The document as one self-contained HTML file: inline CSS, no script, no
//! network (a Content-Security-Policy forbids every fetch), the system's CJK
//! fonts, and print rules (each group of rules on a new page, rows never
//! split, table heads repeated). Every word from the policy is escaped.

use super::layout::{layout, Block};
use super::phrase::{Phrase, Piece};
use super::Document;

const STYLE: &str = r#"
:root { color-scheme: light; }
body { margin: 2rem auto; max-width: 80rem; padding: 0 1.5rem; color: #1b1f24; background: #fff;
  font: 15px/1.6 "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB",
    "Microsoft YaHei", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", system-ui, sans-serif; }
h1 { font-size: 1.8rem; border-bottom: 3px solid #1f5fbf; padding-bottom: .3rem; }
h2 { font-size: 1.35rem; color: #1f5fbf; margin-top: 2rem; }
h3 { font-size: 1.15rem; margin-top: 1.5rem; }
h4 { font-size: 1rem; margin: 1rem 0 .4rem; }
h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
p { margin: .5rem 0 1rem; }
code { font-family: ui-monospace, "DejaVu Sans Mono", "Noto Sans Mono CJK SC", "WenQuanYi Zen Hei Mono", monospace; font-size: .9em;
  background: #eef2f8; border-radius: 3px; padding: 0 .25em; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.25rem; }
th, td { border: 1px solid #c5cdd8; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #dde6f3; font-weight: 600; }
tbody tr:nth-child(even) td { background: #f6f8fb; }
thead { display: table-header-group; }
tr, td, th { break-inside: avoid; page-break-inside: avoid; }
.flag { color: #b3261e; font-weight: 600; }
footer { margin-top: 3rem; color: #57606a; font-size: .85rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  section.part { break-before: page; page-break-before: always; }
  table { break-inside: auto; }
  h1 { border-bottom-color: #000; }
  h2 { color: #000; }
  th { background: #e6e6e6 !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  @page { size: A4 landscape; margin: 14mm; }
}
"#;

/// The HTML file of `doc`.
pub fn render(doc: &Document) -> String {
    let title = escape(&doc.title.clone().unwrap_or_else(|| doc.name.clone()));
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!(
        "<meta name=\"generator\" content=\"polc doc\">\n<title>{title} {}</title>\n",
        escape(&doc.version)
    ));
    out.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"));
    blocks(&layout(doc), &mut out);
    out.push_str(&format!(
        "</main>\n<footer>Written by <code>polc doc</code> from {} version {} ({}).</footer>\n</body>\n</html>\n",
        escape(&doc.name),
        escape(&doc.version),
        escape(&doc.hash)
    ));
    out
}

fn blocks(blocks: &[Block], out: &mut String) {
    for block in blocks {
        match block {
            Block::Heading(level, text) => out.push_str(&format!("<h{level}>{}</h{level}>\n", inline(text))),
            Block::Para(text) => out.push_str(&format!("<p>{}</p>\n", inline(text))),
            Block::Table { head, rows } => {
                out.push_str("<table>\n<thead><tr>");
                for h in head {
                    out.push_str(&format!("<th>{}</th>", inline(h)));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for row in rows {
                    out.push_str("<tr>");
                    for c in row {
                        out.push_str(&format!("<td>{}</td>", inline(c)));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody>\n</table>\n");
            }
            Block::Section(inner) => {
                out.push_str("<section class=\"part\">\n");
                self::blocks(inner, out);
                out.push_str("</section>\n");
            }
        }
    }
}

/// A phrase in HTML: names in `<code>`, flags marked, words escaped.
pub fn inline(phrase: &Phrase) -> String {
    phrase
        .0
        .iter()
        .map(|piece| match piece {
            Piece::Text(t) => escape(t),
            Piece::Name(n) => format!("<code>{}</code>", escape(n)),
            Piece::Flag(f) => format!("<strong class=\"flag\">{}</strong>", escape(f)),
        })
        .collect()
}

/// Text as HTML: the five characters that could start markup or end an
/// attribute, as entities.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_words_is_text() {
        assert_eq!(
            escape("<script>alert('x')</script> & \""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;"
        );
        let p = Phrase(vec![Piece::Name("a<b".into()), Piece::Flag("<i>".into())]);
        assert_eq!(inline(&p), "<code>a&lt;b</code><strong class=\"flag\">&lt;i&gt;</strong>");
    }
}
