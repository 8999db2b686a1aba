//! Markdown: the pipeline's plain-text referat (`referat.md`).

use super::{Block, Run, Style};

/// Escape characters Markdown would read as markup, so text shows as written.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '*' | '_' | '`' | '<' | '|') || (c == '#' && out.is_empty()) {
            out.push('\\');
        }
        if c == '\n' {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

fn runs(rs: &[Run]) -> String {
    rs.iter()
        .map(|r| {
            let t = esc(&r.text);
            match r.style {
                Style::Normal => t,
                // Keep the leading space outside the emphasis markers.
                Style::Bold | Style::Flag => wrap(&t, "**"),
                Style::Time => wrap(&t, "_"),
            }
        })
        .collect()
}

fn wrap(t: &str, m: &str) -> String {
    let lead = t.len() - t.trim_start().len();
    let trail = t.trim_end().len();
    if t.trim().is_empty() {
        return t.to_string();
    }
    format!("{}{m}{}{m}{}", &t[..lead], &t[lead..trail], &t[trail..])
}

pub fn render(blocks: &[Block]) -> String {
    let mut out = String::new();
    let mut prev_line = false; // consecutive plain lines (member lists) stay one per line
    for b in blocks {
        let is_line = matches!(b, Block::Para(_));
        match b {
            Block::Title(t) => out.push_str(&format!("# {}\n\n", esc(t))),
            Block::Subtitle(t) => out.push_str(&format!("{}\n\n", esc(t))),
            Block::Notice(t) => out.push_str(&format!("> **{}**\n\n", esc(t))),
            Block::Heading(t) => out.push_str(&format!("## {}\n\n", esc(t))),
            Block::Label(t) => out.push_str(&format!("**{}**\n\n", esc(t))),
            Block::Para(rs) => {
                if prev_line {
                    // Turn the previous paragraph break into a hard line break.
                    out.truncate(out.trim_end_matches('\n').len());
                    out.push_str("  \n");
                }
                out.push_str(&runs(rs));
                out.push_str("\n\n");
            }
            Block::Bullet(rs) => {
                if out.ends_with("\n\n") && prev_bullet(&out) {
                    out.pop();
                }
                out.push_str(&format!("- {}\n\n", runs(rs)));
            }
            Block::Table { header, rows, .. } => {
                let row = |cells: &[String]| format!("| {} |\n", cells.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | "));
                out.push_str(&row(header));
                out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
                for r in rows {
                    out.push_str(&row(r));
                }
                out.push('\n');
            }
        }
        prev_line = is_line;
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

fn prev_bullet(out: &str) -> bool {
    out.trim_end_matches('\n').rsplit('\n').next().is_some_and(|l| l.starts_with("- "))
}
