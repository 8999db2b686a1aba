//! ODT (OpenDocument Text), the public sector's required editable format, written directly
//! as an ODF package: `mimetype` first and stored uncompressed, then content, styles, meta and
//! the manifest. Headings are `text:h` with outline levels 1–3 in the Heading styles, bullets a
//! `text:list` in a list style, the agenda's first row a `table:table-header-rows`, and the
//! language is set in the default style and the metadata.

use super::{Block, DocInfo, Run, Style};
use anyhow::{Context, Result};
use std::io::Write;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const NS: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3""#;

/// Escape for XML attribute or element text, dropping characters XML 1.0 forbids.
pub(super) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Element text: ODF collapses runs of spaces, so repeated spaces, tabs and line breaks are
/// written as their own elements.
fn odf_text(s: &str) -> String {
    let mut out = String::new();
    let mut prev_space = false;
    for c in xml_escape(s).chars() {
        match c {
            ' ' if prev_space => out.push_str("<text:s/>"),
            '\t' => out.push_str("<text:tab/>"),
            '\n' => out.push_str("<text:line-break/>"),
            '\r' => {}
            c => out.push(c),
        }
        prev_space = c == ' ';
    }
    out
}

fn spans(rs: &[Run]) -> String {
    rs.iter()
        .map(|r| {
            let t = odf_text(&r.text);
            match r.style {
                Style::Normal => t,
                Style::Bold => format!(r#"<text:span text:style-name="Strong">{t}</text:span>"#),
                Style::Flag => format!(r#"<text:span text:style-name="Flag">{t}</text:span>"#),
                Style::Time => format!(r#"<text:span text:style-name="Time">{t}</text:span>"#),
            }
        })
        .collect()
}

fn content(blocks: &[Block]) -> String {
    let mut body = String::new();
    let mut in_list = false;
    for b in blocks {
        let bullet = matches!(b, Block::Bullet(_));
        if in_list && !bullet {
            body.push_str("</text:list>");
        }
        if bullet && !in_list {
            body.push_str(r#"<text:list text:style-name="Bullets">"#);
        }
        in_list = bullet;
        match b {
            Block::Title(t) => {
                body.push_str(&format!(r#"<text:h text:style-name="Heading_20_1" text:outline-level="1">{}</text:h>"#, odf_text(t)))
            }
            Block::Subtitle(t) => body.push_str(&format!(r#"<text:p text:style-name="Subtitle">{}</text:p>"#, odf_text(t))),
            Block::Notice(t) => body.push_str(&format!(r#"<text:p text:style-name="Notice">{}</text:p>"#, odf_text(t))),
            Block::Heading(t) => {
                body.push_str(&format!(r#"<text:h text:style-name="Heading_20_2" text:outline-level="2">{}</text:h>"#, odf_text(t)))
            }
            Block::Label(t) => {
                body.push_str(&format!(r#"<text:h text:style-name="Heading_20_3" text:outline-level="3">{}</text:h>"#, odf_text(t)))
            }
            Block::Para(rs) => body.push_str(&format!(r#"<text:p text:style-name="Text_20_body">{}</text:p>"#, spans(rs))),
            Block::Bullet(rs) => body
                .push_str(&format!(r#"<text:list-item><text:p text:style-name="List_20_Bullet">{}</text:p></text:list-item>"#, spans(rs))),
            Block::Table { header, rows, .. } => {
                body.push_str(r#"<table:table table:name="Agenda" table:style-name="Agenda">"#);
                for c in ["A", "B", "C"].iter().take(header.len().max(1)) {
                    body.push_str(&format!(r#"<table:table-column table:style-name="Agenda.{c}"/>"#));
                }
                let row = |cells: &[String], style: &str| {
                    let mut r = String::from("<table:table-row>");
                    for c in cells {
                        r.push_str(&format!(
                            r#"<table:table-cell table:style-name="Cell" office:value-type="string"><text:p text:style-name="{style}">{}</text:p></table:table-cell>"#,
                            odf_text(c)
                        ));
                    }
                    r.push_str("</table:table-row>");
                    r
                };
                body.push_str(&format!("<table:table-header-rows>{}</table:table-header-rows>", row(header, "Table_20_Heading")));
                for r in rows {
                    body.push_str(&row(r, "Table_20_Contents"));
                }
                body.push_str("</table:table>");
            }
        }
    }
    if in_list {
        body.push_str("</text:list>");
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {NS}><office:automatic-styles><style:style style:name="Agenda" style:family="table"><style:table-properties style:width="17cm" table:align="left" fo:margin-top="0.3cm" fo:margin-bottom="0.3cm"/></style:style><style:style style:name="Agenda.A" style:family="table-column"><style:table-column-properties style:column-width="2.2cm"/></style:style><style:style style:name="Agenda.B" style:family="table-column"><style:table-column-properties style:column-width="11.6cm"/></style:style><style:style style:name="Agenda.C" style:family="table-column"><style:table-column-properties style:column-width="3.2cm"/></style:style><style:style style:name="Cell" style:family="table-cell"><style:table-cell-properties fo:padding="0.08cm" fo:border="0.5pt solid #000000"/></style:style></office:automatic-styles><office:body><office:text>{body}</office:text></office:body></office:document-content>"#
    )
}

fn styles(lang: &str) -> String {
    let (language, country) = lang.split_once('-').unwrap_or((lang, ""));
    format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles {NS}><office:font-face-decls/><office:styles>
<style:default-style style:family="paragraph"><style:paragraph-properties fo:margin-bottom="0.15cm"/><style:text-properties style:font-name="Arial" fo:font-family="Arial" fo:font-size="11pt" fo:language="{language}" fo:country="{country}"/></style:default-style>
<style:style style:name="Standard" style:family="paragraph" style:class="text"/>
<style:style style:name="Text_20_body" style:display-name="Text body" style:family="paragraph" style:parent-style-name="Standard" style:class="text"><style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0.15cm"/></style:style>
<style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard" style:next-style-name="Text_20_body" style:class="text"><style:paragraph-properties fo:keep-with-next="always"/><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:parent-style-name="Heading" style:default-outline-level="1" style:class="text"><style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0.2cm"/><style:text-properties fo:font-size="18pt"/></style:style>
<style:style style:name="Subtitle" style:family="paragraph" style:parent-style-name="Standard" style:class="chapter"><style:paragraph-properties fo:margin-bottom="0.4cm"/><style:text-properties fo:font-size="13pt"/></style:style>
<style:style style:name="Notice" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:margin-bottom="0.4cm" fo:padding="0.1cm" fo:border="1pt solid #c00000"/><style:text-properties fo:font-weight="bold" fo:color="#c00000"/></style:style>
<style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:parent-style-name="Heading" style:default-outline-level="2" style:class="text"><style:paragraph-properties fo:margin-top="0.5cm" fo:margin-bottom="0.2cm"/><style:text-properties fo:font-size="13pt"/></style:style>
<style:style style:name="Heading_20_3" style:display-name="Heading 3" style:family="paragraph" style:parent-style-name="Heading" style:default-outline-level="3" style:class="text"><style:paragraph-properties fo:margin-top="0.2cm" fo:margin-bottom="0.1cm"/><style:text-properties fo:font-size="11pt"/></style:style>
<style:style style:name="List_20_Bullet" style:display-name="List Bullet" style:family="paragraph" style:parent-style-name="Standard" style:list-style-name="Bullets"/>
<style:style style:name="Table_20_Contents" style:display-name="Table Contents" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:margin-bottom="0cm"/></style:style>
<style:style style:name="Table_20_Heading" style:display-name="Table Heading" style:family="paragraph" style:parent-style-name="Table_20_Contents"><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="Strong" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="Flag" style:family="text"><style:text-properties fo:font-weight="bold" fo:color="#c00000" fo:background-color="#ffff00"/></style:style>
<style:style style:name="Time" style:family="text"><style:text-properties fo:font-size="9pt" fo:color="#666666"/></style:style>
<text:list-style style:name="Bullets"><text:list-level-style-bullet text:level="1" text:bullet-char="•"><style:list-level-properties text:list-level-position-and-space-mode="label-alignment"><style:list-level-label-alignment text:label-followed-by="listtab" text:list-tab-stop-position="0.635cm" fo:text-indent="-0.635cm" fo:margin-left="0.635cm"/></style:list-level-properties></text:list-level-style-bullet></text:list-style>
</office:styles><office:automatic-styles><style:page-layout style:name="A4"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="2cm" fo:margin-right="2cm"/></style:page-layout></office:automatic-styles><office:master-styles><style:master-page style:name="Standard" style:page-layout-name="A4"/></office:master-styles></office:document-styles>"##
    )
}

fn meta(info: &DocInfo) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta {NS}><office:meta><meta:generator>referat</meta:generator><dc:title>{}</dc:title><dc:language>{}</dc:language></office:meta></office:document-meta>"#,
        xml_escape(&info.title),
        info.lang
    )
}

const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;

pub fn render(blocks: &[Block], info: &DocInfo) -> Result<Vec<u8>> {
    let mut z = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let files: [(&str, String, SimpleFileOptions); 5] = [
        ("mimetype", "application/vnd.oasis.opendocument.text".into(), stored),
        ("content.xml", content(blocks), deflated),
        ("styles.xml", styles(info.lang), deflated),
        ("meta.xml", meta(info), deflated),
        ("META-INF/manifest.xml", MANIFEST.into(), deflated),
    ];
    for (name, data, opts) in files {
        z.start_file(name, opts).with_context(|| format!("cannot add {name} to the ODT package"))?;
        z.write_all(data.as_bytes())?;
    }
    Ok(z.finish().context("cannot finish the ODT package")?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mimetype_first_and_stored() {
        let bytes = render(&[Block::Title("A & <b>".into())], &DocInfo { title: "t".into(), lang: "nn-NO" }).unwrap();
        // ODF: the first local header names "mimetype", uncompressed, at offset 30.
        assert_eq!(&bytes[30..38], b"mimetype");
        assert_eq!(&bytes[38..77], b"application/vnd.oasis.opendocument.text");
        let c = content(&[Block::Title("A & <b>\u{1}".into())]);
        assert!(c.contains("A &amp; &lt;b&gt;</text:h>"), "{c}");
        assert!(styles("nn-NO").contains(r#"fo:language="nn" fo:country="NO""#));
    }
}
