//! Human review of the machine draft: the `review.json` artifact, how it is applied to a draft,
//! and the local review web page ([`server`]).
//!
//! `review.json` is kept apart from `draft.json`: the machine draft is never overwritten, so
//! re-drafting cannot lose human work. A review records, per sak:
//! - the secretary's intro (replaces the machine intro, always survives a re-draft);
//! - per machine line (keyed `innspill/<n>`, `aksjonspunkter/<n>`, `vedtak`): the machine text
//!   it was reviewed against (`orig`), an edited text, accepted/rejected, moved to another sak;
//! - bullets the secretary added, or moved here from another sak (a moved bullet is copied
//!   here with its source times and hidden at home).
//!
//! When a sak is re-drafted, each line review is matched by key and `orig`:
//! - same machine text: everything applies as before;
//! - machine text changed (or line gone): a human *edit* survives, in place of the new
//!   machine line, flagged so the secretary compares it with the new text; accept, reject and
//!   move were decisions about the old text and lapse (the new line shows as unreviewed);
//! - added and moved-in bullets always survive.

pub mod server;

use crate::artifact::{Draft, DraftItem, Flag, FlagKind, Line, Span};
use crate::workdir::{write_atomic, WorkDir};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// File name of the review artifact inside the work dir.
pub const FILE: &str = "review.json";
/// Version of the review.json shape.
pub const REVIEW_VERSION: u32 = 1;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub version: u32,
    /// sha256 of the `draft.json` this review was last saved against.
    pub draft_hash: String,
    /// Per sak (by saksnr).
    #[serde(default)]
    pub items: BTreeMap<String, ItemReview>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ItemReview {
    /// The secretary's intro, replacing the machine intro.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro: Option<String>,
    /// Reviews of machine lines, keyed `innspill/<n>`, `aksjonspunkter/<n>` or `vedtak`.
    #[serde(default)]
    pub lines: BTreeMap<String, LineReview>,
    /// Bullets written by the secretary or moved here from another sak, in order.
    #[serde(default)]
    pub added: Vec<AddedLine>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LineReview {
    /// The machine text this review was made against (detects a re-draft).
    pub orig: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default)]
    pub status: Status,
    /// Saksnr the bullet was moved to (a copy lives there as an added line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AddedLine {
    /// Unique within the review (`a1`, `a2`, ...).
    pub id: String,
    pub section: Section,
    pub text: String,
    #[serde(default)]
    pub status: Status,
    /// Source times, for a bullet moved from another sak.
    #[serde(default)]
    pub source: Vec<Span>,
    /// Flags carried over from a moved machine line.
    #[serde(default)]
    pub flags: Vec<Flag>,
    /// Where a moved bullet came from: `<saksnr>` (empty for a new bullet).
    #[serde(default)]
    pub from: String,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Pending,
    Accepted,
    Rejected,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Innspill,
    Aksjonspunkter,
    Vedtak,
}

impl Section {
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Innspill => "innspill",
            Section::Aksjonspunkter => "aksjonspunkter",
            Section::Vedtak => "vedtak",
        }
    }
}

/// One line as the review page shows it: machine line with the review applied, or added line.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ViewLine {
    /// `innspill/<n>`, `aksjonspunkter/<n>`, `vedtak` or `added/<id>`.
    pub key: String,
    pub section: Section,
    pub text: String,
    /// The machine's text (None for added lines).
    pub machine: Option<String>,
    pub status: Status,
    pub flags: Vec<Flag>,
    pub source: Vec<Span>,
    pub origin: String,
    pub edited: bool,
    /// Moved to this saksnr (hidden from the referat here).
    pub moved_to: Option<String>,
    /// Moved here from this saksnr.
    pub from: Option<String>,
}

impl ViewLine {
    /// Does the line go into the referat?
    pub fn included(&self) -> bool {
        self.status != Status::Rejected && self.moved_to.is_none()
    }

    fn to_line(&self) -> Line {
        Line { text: self.text.clone(), source: self.source.clone(), flags: self.flags.clone(), origin: self.origin.clone() }
    }
}

/// The review applied to one machine line.
fn view_line(key: String, section: Section, line: &Line, lr: Option<&LineReview>) -> ViewLine {
    let mut v = ViewLine {
        key,
        section,
        text: line.text.clone(),
        machine: Some(line.text.clone()),
        status: Status::Pending,
        flags: line.flags.clone(),
        source: line.source.clone(),
        origin: line.origin.clone(),
        edited: false,
        moved_to: None,
        from: None,
    };
    let Some(lr) = lr else { return v };
    if lr.orig == line.text {
        if let Some(t) = &lr.text {
            v.text = t.clone();
            v.edited = true;
            v.origin = "human".into();
        }
        v.status = lr.status;
        v.moved_to = lr.moved_to.clone();
        // A line the secretary checked (accepted or rewrote) needs no more checking.
        if v.edited || v.status == Status::Accepted {
            v.flags.clear();
        }
    } else if let Some(t) = &lr.text {
        // Re-drafted since the edit: keep the human text, ask for a comparison.
        v.text = t.clone();
        v.edited = true;
        v.origin = "human".into();
        v.flags = vec![Flag {
            kind: FlagKind::Uncertain,
            reason: format!("saken er utarbeidet på nytt etter redigeringen; sammenlign med ny maskintekst: «{}»", line.text.trim()),
        }];
    }
    v
}

/// A draft item with the review applied, every line included (rejected and moved lines too).
pub fn item_view(item: &DraftItem, ir: Option<&ItemReview>) -> (String, Vec<ViewLine>) {
    let get = |k: &str| ir.and_then(|r| r.lines.get(k));
    let mut lines = Vec::new();
    for (section, list) in [(Section::Innspill, &item.innspill), (Section::Aksjonspunkter, &item.aksjonspunkter)] {
        for (i, l) in list.iter().enumerate() {
            let key = format!("{}/{i}", section.as_str());
            lines.push(view_line(key.clone(), section, l, get(&key)));
        }
    }
    lines.push(view_line("vedtak".into(), Section::Vedtak, &item.vedtak, get("vedtak")));
    if let Some(ir) = ir {
        for a in &ir.added {
            let mut flags = a.flags.clone();
            if a.status == Status::Accepted {
                flags.clear();
            }
            lines.push(ViewLine {
                key: format!("added/{}", a.id),
                section: a.section,
                text: a.text.clone(),
                machine: None,
                status: a.status,
                flags,
                source: a.source.clone(),
                origin: "human".into(),
                edited: true,
                moved_to: None,
                from: (!a.from.is_empty()).then(|| a.from.clone()),
            });
        }
    }
    let intro = ir.and_then(|r| r.intro.clone()).unwrap_or_else(|| item.intro.clone());
    (intro, lines)
}

/// The draft as the secretary left it: edits applied, rejected and moved-away lines left out,
/// added and moved-in bullets appended to their section. The exporter renders this.
pub fn reviewed_draft(draft: &Draft, review: &Review) -> Draft {
    let mut out = draft.clone();
    for item in &mut out.items {
        let (intro, lines) = item_view(item, review.items.get(&item.saksnr));
        item.intro = intro;
        let pick = |s: Section| lines.iter().filter(|l| l.section == s && l.included()).map(ViewLine::to_line).collect::<Vec<_>>();
        item.innspill = pick(Section::Innspill);
        item.aksjonspunkter = pick(Section::Aksjonspunkter);
        if let Some(v) = lines.iter().find(|l| l.key == "vedtak") {
            // The vedtak cannot be left out of a referat: a rejected one stays, flagged.
            let mut l = v.to_line();
            if v.status == Status::Rejected {
                l.flags.push(Flag { kind: FlagKind::Unsupported, reason: "vedtaket er avvist i gjennomgangen: skriv nytt vedtak".into() });
            }
            item.vedtak = l;
        }
    }
    out
}

/// Load `review.json` from the work dir, if the secretary has started a review.
pub fn load(wd: &WorkDir) -> Result<Option<Review>> {
    let p = wd.path(FILE);
    if !p.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
    let r: Review = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a valid review file: fix it or move it away to start the review afresh", p.display()))?;
    if r.version != REVIEW_VERSION {
        bail!("{} has review format {} (this is {}): move it away to start afresh", p.display(), r.version, REVIEW_VERSION);
    }
    Ok(Some(r))
}

/// Save `review.json` atomically.
pub fn save(wd: &WorkDir, r: &Review) -> Result<()> {
    write_atomic(&wd.path(FILE), &serde_json::to_vec_pretty(r)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::ItemStatus;

    fn line(t: &str) -> Line {
        Line { text: t.into(), source: vec![[10.0, 20.0]], flags: vec![], origin: "model".into() }
    }

    fn draft() -> Draft {
        Draft {
            version: 1,
            inputs: Default::default(),
            model: "m".into(),
            items: vec![
                DraftItem {
                    saksnr: "13/25".into(),
                    intro: "Intro".into(),
                    innspill: vec![line("A"), line("B"), line("C")],
                    aksjonspunkter: vec![],
                    vedtak: line("Vedtak"),
                    joint_with: vec![],
                    status: ItemStatus::Discussed,
                },
                DraftItem {
                    saksnr: "14/25".into(),
                    intro: "Intro 2".into(),
                    innspill: vec![],
                    aksjonspunkter: vec![],
                    vedtak: line("Vedtak 2"),
                    joint_with: vec![],
                    status: ItemStatus::Discussed,
                },
            ],
        }
    }

    #[test]
    fn edits_rejects_moves_and_redrafts() {
        let d = draft();
        let mut r = Review { version: REVIEW_VERSION, ..Default::default() };
        let ir = r.items.entry("13/25".into()).or_default();
        ir.lines.insert("innspill/0".into(), LineReview { orig: "A".into(), text: Some("A2".into()), ..Default::default() });
        ir.lines.insert("innspill/1".into(), LineReview { orig: "B".into(), status: Status::Rejected, ..Default::default() });
        ir.lines.insert("innspill/2".into(), LineReview { orig: "C".into(), moved_to: Some("14/25".into()), ..Default::default() });
        r.items.entry("14/25".into()).or_default().added.push(AddedLine {
            id: "a1".into(),
            section: Section::Innspill,
            text: "C".into(),
            status: Status::Pending,
            source: vec![[10.0, 20.0]],
            flags: vec![],
            from: "13/25".into(),
        });
        let out = reviewed_draft(&d, &r);
        let texts = |i: usize| out.items[i].innspill.iter().map(|l| l.text.clone()).collect::<Vec<_>>();
        assert_eq!(texts(0), ["A2"]);
        assert_eq!(texts(1), ["C"]);
        assert_eq!(out.items[0].innspill[0].origin, "human");
        // the machine draft is untouched
        assert_eq!(d.items[0].innspill.len(), 3);

        // Re-draft: A and B change. The edit of A survives, flagged; the rejection of B lapses.
        let mut d2 = d.clone();
        d2.items[0].innspill[0].text = "A nytt".into();
        d2.items[0].innspill[1].text = "B nytt".into();
        let out = reviewed_draft(&d2, &r);
        let i0 = &out.items[0].innspill;
        assert_eq!(i0[0].text, "A2");
        assert!(i0[0].flags[0].reason.contains("A nytt"));
        assert_eq!(i0[1].text, "B nytt");
        assert_eq!(i0.len(), 2, "C is still moved away");
    }
}
