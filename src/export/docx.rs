//! DOCX (Office Open XML), written directly as its package parts, so the document carries
//! what an accessible, archivable Word file needs and docx-rs could not write: built-in
//! heading styles with outline levels (the title "heading 1", sections and saker "heading 2",
//! labels "heading 3"), a "List Bullet" paragraph style tied to a bullet numbering, an agenda
//! table whose first row repeats as the header row (`w:tblHeader`), the document language in
//! the default run properties (`w:lang`) and the title and language in the core properties.

use super::odt::xml_escape;
use super::{Block, DocInfo, Run, Style};
use anyhow::{Context, Result};
use std::io::Write;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// Agenda table column widths in twentieths of a point (17 cm text width in all).
const WIDTHS: [u32; 3] = [1300, 6400, 1700];

/// `<w:r>` elements for text in a character style; line breaks and tabs as their elements.
fn run(text: &str, style: Option<&str>) -> String {
    let rpr = style.map(|s| format!(r#"<w:rPr><w:rStyle w:val="{s}"/></w:rPr>"#)).unwrap_or_default();
    let mut body = String::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            body.push_str("<w:br/>");
        }
        for (j, part) in line.split('\t').enumerate() {
            if j > 0 {
                body.push_str("<w:tab/>");
            }
            if !part.is_empty() {
                body.push_str(&format!(r#"<w:t xml:space="preserve">{}</w:t>"#, xml_escape(part)));
            }
        }
    }
    format!("<w:r>{rpr}{body}</w:r>")
}

fn runs(rs: &[Run]) -> String {
    rs.iter()
        .map(|r| {
            let style = match r.style {
                Style::Normal => None,
                Style::Bold => Some("Strong"),
                Style::Flag => Some("Flag"),
                Style::Time => Some("Time"),
            };
            run(&r.text, style)
        })
        .collect()
}

fn para(style: &str, inner: &str) -> String {
    format!(r#"<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{inner}</w:p>"#)
}

fn table(header: &[String], rows: &[Vec<String>], summary: &str) -> String {
    let total: u32 = WIDTHS.iter().sum();
    let mut t = format!(
        r#"<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{total}" w:type="dxa"/><w:tblLook w:val="0420" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/><w:tblCaption w:val="{}"/></w:tblPr><w:tblGrid>"#,
        xml_escape(summary)
    );
    for w in WIDTHS {
        t.push_str(&format!(r#"<w:gridCol w:w="{w}"/>"#));
    }
    t.push_str("</w:tblGrid>");
    let row = |cells: &[String], head: bool| {
        let mut r = String::from("<w:tr>");
        if head {
            // Repeats on every page and tells assistive technology these are header cells.
            r.push_str("<w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>");
        }
        for (i, c) in cells.iter().enumerate() {
            let w = WIDTHS.get(i).copied().unwrap_or(1700);
            let style = if head { "TableHeading" } else { "TableContents" };
            r.push_str(&format!(r#"<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>{}</w:tc>"#, para(style, &run(c, None))));
        }
        r.push_str("</w:tr>");
        r
    };
    t.push_str(&row(header, true));
    for r in rows {
        t.push_str(&row(r, false));
    }
    t.push_str("</w:tbl>");
    t
}

fn document(blocks: &[Block]) -> String {
    let mut body = String::new();
    for b in blocks {
        body.push_str(&match b {
            Block::Title(t) => para("Heading1", &run(t, None)),
            Block::Subtitle(t) => para("Subtitle", &run(t, None)),
            Block::Notice(t) => para("Notice", &run(t, None)),
            Block::Heading(t) => para("Heading2", &run(t, None)),
            Block::Label(t) => para("Heading3", &run(t, None)),
            Block::Para(rs) => para("Normal", &runs(rs)),
            Block::Bullet(rs) => para("ListBullet", &runs(rs)),
            // An empty paragraph after the table keeps the next heading's spacing.
            Block::Table { header, rows, summary } => table(header, rows, summary) + &para("Normal", ""),
        });
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="{W}"><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr></w:body></w:document>"#
    )
}

fn styles(lang: &str) -> String {
    // Sizes in half points; spacing in twentieths of a point.
    let heading = |id: &str, name: &str, level: u8, size: u32, before: u32, after: u32| {
        format!(
            r#"<w:style w:type="paragraph" w:styleId="{id}"><w:name w:val="{name}"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="{before}" w:after="{after}"/><w:outlineLvl w:val="{level}"/></w:pPr><w:rPr><w:b/><w:bCs/><w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr></w:style>"#
        )
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W}"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="Arial" w:cs="Arial"/><w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="{lang}" w:eastAsia="{lang}" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="60" w:line="259" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>
{}{}{}
<w:style w:type="paragraph" w:styleId="Subtitle"><w:name w:val="Subtitle"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="200"/></w:pPr><w:rPr><w:sz w:val="26"/><w:szCs w:val="26"/></w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="Notice"><w:name w:val="Notice"/><w:basedOn w:val="Normal"/><w:pPr><w:pBdr><w:top w:val="single" w:sz="8" w:space="2" w:color="C00000"/><w:left w:val="single" w:sz="8" w:space="4" w:color="C00000"/><w:bottom w:val="single" w:sz="8" w:space="2" w:color="C00000"/><w:right w:val="single" w:sz="8" w:space="4" w:color="C00000"/></w:pBdr><w:spacing w:after="200"/></w:pPr><w:rPr><w:b/><w:color w:val="C00000"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="ListBullet"><w:name w:val="List Bullet"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="TableContents"><w:name w:val="Table Contents"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:before="40" w:after="40"/></w:pPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="TableHeading"><w:name w:val="Table Heading"/><w:basedOn w:val="TableContents"/><w:rPr><w:b/><w:bCs/></w:rPr></w:style>
<w:style w:type="character" w:styleId="Strong"><w:name w:val="Strong"/><w:qFormat/><w:rPr><w:b/><w:bCs/></w:rPr></w:style>
<w:style w:type="character" w:customStyle="1" w:styleId="Flag"><w:name w:val="Flag"/><w:rPr><w:b/><w:color w:val="C00000"/><w:highlight w:val="yellow"/></w:rPr></w:style>
<w:style w:type="character" w:customStyle="1" w:styleId="Time"><w:name w:val="Time"/><w:rPr><w:color w:val="666666"/><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style>
<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:tblPr><w:tblCellMar><w:left w:w="108" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:left w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:right w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/></w:tblBorders></w:tblPr></w:style>
</w:styles>"#,
        heading("Heading1", "heading 1", 0, 36, 0, 60),
        heading("Heading2", "heading 2", 1, 26, 280, 100),
        heading("Heading3", "heading 3", 2, 22, 140, 40),
    )
}

const NUMBERING: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="singleLevel"/><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:pStyle w:val="ListBullet"/><w:lvlText w:val="•"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>"#;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/></Relationships>"#;

const APP: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>referat</Application></Properties>"#;

fn core(info: &DocInfo) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{}</dc:title><dc:language>{}</dc:language><dc:creator>referat</dc:creator></cp:coreProperties>"#,
        xml_escape(&info.title),
        info.lang
    )
}

pub fn render(blocks: &[Block], info: &DocInfo) -> Result<Vec<u8>> {
    let mut z = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let parts: [(&str, String); 8] = [
        ("[Content_Types].xml", CONTENT_TYPES.into()),
        ("_rels/.rels", RELS.into()),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.into()),
        ("word/document.xml", document(blocks)),
        ("word/styles.xml", styles(info.lang)),
        ("word/numbering.xml", NUMBERING.into()),
        ("docProps/core.xml", core(info)),
        ("docProps/app.xml", APP.into()),
    ];
    for (name, data) in parts {
        z.start_file(name, opts).with_context(|| format!("cannot add {name} to the DOCX package"))?;
        z.write_all(data.as_bytes())?;
    }
    Ok(z.finish().context("cannot finish the DOCX package")?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_and_escaping() {
        let d = document(&[
            Block::Title("A & <b>".into()),
            Block::Bullet(vec![Run::new("x\ny", Style::Flag)]),
            Block::Table { header: vec!["Sak".into()], rows: vec![vec!["1".into()]], summary: "s".into() },
        ]);
        assert!(d.contains(r#"<w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t xml:space="preserve">A &amp; &lt;b&gt;</w:t>"#), "{d}");
        assert!(d.contains(r#"<w:pStyle w:val="ListBullet"/>"#) && d.contains("<w:br/>"), "{d}");
        assert_eq!(d.matches("<w:tblHeader/>").count(), 1, "{d}");
        assert!(styles("nn-NO").contains(r#"<w:lang w:val="nn-NO""#));
    }
}
