//! Human review of the machine draft: the `review.json` artifact, how it is applied to a draft,
//! (the local review web page that edits it is [`crate::server`]).
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
//!
//! A re-draft started from the review page (`crate::server`'s redraft) does better: it knows the old and the
//! new machine lines of each sak it re-drafts and moves each review over with [`carry_over`],
//! matching lines by text and then by source times, so nothing the secretary accepted or
//! edited is lost even when the lines are renumbered.
//!
//! The page also corrects the transcript itself and moves a sak's boundaries ([`edit`]); the
//! saker whose grounds changed are listed in `outdated` until they are re-drafted.

pub mod edit;

use crate::artifact::{Artifact, Draft, DraftItem, Flag, FlagKind, Line, Origin, Span};
use crate::workdir::WorkDir;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Version of the review.json shape (apart from the stages' artifacts: the secretary's work
/// is not made again by a rerun).
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
    /// Saker whose transcript or boundaries the secretary changed after they were drafted:
    /// their lines may no longer say what the corrected transcript says.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub outdated: BTreeSet<String>,
}

impl Artifact for Review {
    const FILE: &'static str = "review.json";
    const VERSION: u32 = REVIEW_VERSION;
    const UNUSABLE: Option<&'static str> = Some("move it away to start the review afresh");
    fn version(&self) -> u32 {
        self.version
    }
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
    pub origin: Origin,
    pub edited: bool,
    /// The secretary's text stands, but the machine line under it was re-drafted since: the
    /// page offers the new machine text (`machine`) in its place.
    pub machine_changed: bool,
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
        Line { text: self.text.clone(), source: self.source.clone(), flags: self.flags.clone(), origin: self.origin }
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
        origin: line.origin,
        edited: false,
        machine_changed: false,
        moved_to: None,
        from: None,
    };
    let Some(lr) = lr else { return v };
    if lr.orig == line.text {
        if let Some(t) = &lr.text {
            v.text = t.clone();
            v.edited = true;
            v.origin = Origin::Human;
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
        v.machine_changed = true;
        v.origin = Origin::Human;
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
    let mut lines: Vec<ViewLine> =
        keyed_lines(item).into_iter().map(|(key, section, l)| view_line(key.clone(), section, l, get(&key))).collect();
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
                origin: Origin::Human,
                edited: true,
                machine_changed: false,
                moved_to: None,
                from: (!a.from.is_empty()).then(|| a.from.clone()),
            });
        }
    }
    let intro = ir.and_then(|r| r.intro.clone()).unwrap_or_else(|| item.intro.clone());
    (intro, lines)
}

/// What is left to do in a list of lines: lines in the referat not yet accepted (or rejected),
/// and lines that carry a flag.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub todo: usize,
    pub flagged: usize,
}

impl Counts {
    pub fn of(lines: &[ViewLine]) -> Counts {
        let open = lines.iter().filter(|l| l.moved_to.is_none() && l.status != Status::Rejected);
        let (mut todo, mut flagged) = (0, 0);
        for l in open {
            todo += usize::from(l.status == Status::Pending);
            flagged += usize::from(!l.flags.is_empty());
        }
        Counts { todo, flagged }
    }

    pub fn add(&mut self, o: Counts) {
        self.todo += o.todo;
        self.flagged += o.flagged;
    }
}

/// Machine lines of a draft item with their review keys, in page order.
fn keyed_lines(item: &DraftItem) -> Vec<(String, Section, &Line)> {
    let mut out = Vec::new();
    for (section, list) in [(Section::Innspill, &item.innspill), (Section::Aksjonspunkter, &item.aksjonspunkter)] {
        for (i, l) in list.iter().enumerate() {
            out.push((format!("{}/{i}", section.as_str()), section, l));
        }
    }
    out.push(("vedtak".into(), Section::Vedtak, &item.vedtak));
    out
}

/// Seconds two lists of spans share.
fn overlap(a: &[Span], b: &[Span]) -> f64 {
    a.iter().flat_map(|x| b.iter().map(move |y| (x[1].min(y[1]) - x[0].max(y[0])).max(0.0))).sum()
}

/// Move the review of one sak over from its old machine lines (`old`) to the re-drafted ones
/// (`new`), so that every line the secretary accepted or edited is kept:
/// - a line whose text came back unchanged (at any position) keeps its review as it was;
/// - a line re-drafted from the same source times (a changed text of the same point): an
///   edited or accepted text stays in place of the new machine text, which the page offers
///   for comparison; a rejection or a move still holds;
/// - a line with no successor: an edited or accepted text is kept as an added bullet, flagged
///   so the secretary checks it against the corrected transcript.
///
/// `next_id` hands out ids for added bullets.
pub fn carry_over(old: &DraftItem, new: &DraftItem, ir: &mut ItemReview, next_id: &mut dyn FnMut() -> String) {
    let old_lines = keyed_lines(old);
    let new_lines = keyed_lines(new);
    let mut taken = vec![false; new_lines.len()];
    let mut lines = BTreeMap::new();
    let mut reviews = std::mem::take(&mut ir.lines);
    // Exact matches first, so a renumbered line is not claimed by a neighbour's source match.
    let mut pending = Vec::new();
    for (key, section, line) in &old_lines {
        let Some(lr) = reviews.remove(key) else { continue };
        // A review made against older machine text than `old` keeps only its edit (see view_line).
        let valid = lr.orig == line.text;
        let status = if valid { lr.status } else { Status::Pending };
        let moved_to = if valid { lr.moved_to.clone() } else { None };
        if lr.text.is_none() && status == Status::Pending && moved_to.is_none() {
            continue;
        }
        let exact = (0..new_lines.len()).find(|&j| !taken[j] && new_lines[j].1 == *section && new_lines[j].2.text == line.text);
        match exact {
            Some(j) => {
                taken[j] = true;
                // The same machine text: the review stands exactly as it was (stale or not).
                lines.insert(new_lines[j].0.clone(), LineReview { orig: lr.orig, text: lr.text, status, moved_to });
            }
            None => pending.push((*section, *line, lr.text, status, moved_to)),
        }
    }
    for (section, line, text, status, moved_to) in pending {
        let similar = new_lines
            .iter()
            .enumerate()
            .filter(|(j, (_, s, l))| !taken[*j] && *s == section && (section == Section::Vedtak || overlap(&l.source, &line.source) > 0.0))
            .max_by(|a, b| overlap(&a.1 .2.source, &line.source).total_cmp(&overlap(&b.1 .2.source, &line.source)))
            .map(|(j, _)| j);
        let human = text.clone().or_else(|| (status == Status::Accepted).then(|| line.text.clone()));
        match (similar, human) {
            (Some(j), Some(human)) => {
                taken[j] = true;
                // orig = the old machine text: the view shows the human text, flagged, with the new one.
                lines.insert(new_lines[j].0.clone(), LineReview { orig: line.text.clone(), text: Some(human), ..Default::default() });
            }
            (Some(j), None) => {
                taken[j] = true;
                let orig = new_lines[j].2.text.clone();
                lines.insert(new_lines[j].0.clone(), LineReview { orig, text: None, status, moved_to });
            }
            (None, Some(human)) if section != Section::Vedtak => ir.added.push(AddedLine {
                id: next_id(),
                section,
                text: human,
                status: Status::Pending,
                source: line.source.clone(),
                flags: vec![Flag {
                    kind: FlagKind::Uncertain,
                    reason: "det nye utkastet har ingen linje fra denne kilden; linjen er beholdt fordi du hadde godtatt eller redigert den: sjekk den mot transkripsjonen".into(),
                }],
                from: String::new(),
            }),
            // A rejected or moved line that is gone needs nothing (a moved copy lives on elsewhere).
            _ => {}
        }
    }
    ir.lines = lines;
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

/// The work dir's draft as the secretary left it: `draft.json` with `review.json` applied when
/// a review has started.
pub fn load_reviewed(wd: &WorkDir) -> Result<Draft> {
    let draft: Draft = wd.load("referat draft")?;
    Ok(match wd.load_opt::<Review>()? {
        Some(review) => reviewed_draft(&draft, &review),
        None => draft,
    })
}

/// The highest number among the added bullets' ids (`a1`, `a2`, ...), 0 when there are none.
pub fn last_id(review: &Review) -> u64 {
    review
        .items
        .values()
        .flat_map(|ir| ir.added.iter())
        .filter_map(|a| a.id.strip_prefix('a').and_then(|n| n.parse().ok()))
        .max()
        .unwrap_or(0)
}

/// The next free id for an added bullet.
pub fn next_id(review: &Review) -> String {
    format!("a{}", last_id(review) + 1)
}

/// The shell command that opens the review of a work dir: `program` as it was invoked, the
/// meeting file and work dir as the user gave them, and the language model flags so a
/// re-draft from the page uses the same model. Arguments are quoted for a POSIX shell.
pub fn review_command(program: &str, meeting: &std::path::Path, out: &std::path::Path, llm_flags: &[(&str, std::path::PathBuf)]) -> String {
    fn quote(s: &str) -> String {
        if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@".contains(c)) {
            s.to_string()
        } else {
            format!("'{}'", s.replace('\'', "'\\''"))
        }
    }
    let mut cmd =
        format!("{} review --meeting {} --out {}", quote(program), quote(&meeting.to_string_lossy()), quote(&out.to_string_lossy()));
    for (flag, p) in llm_flags {
        cmd.push_str(&format!(" {flag} {}", quote(&p.to_string_lossy())));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::ItemStatus;

    fn line(t: &str) -> Line {
        Line { text: t.into(), source: vec![[10.0, 20.0]], flags: vec![], origin: Origin::Model }
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
    fn the_review_command_is_quoted_for_the_shell() {
        use std::path::Path;
        assert_eq!(
            review_command("./target/release/referat", Path::new("samples/m.toml"), Path::new("work/sample"), &[]),
            "./target/release/referat review --meeting samples/m.toml --out work/sample"
        );
        assert_eq!(
            review_command("referat", Path::new("Møte 2.toml"), Path::new("it's"), &[("--llm-model", "/m/x.gguf".into())]),
            "referat review --meeting 'Møte 2.toml' --out 'it'\\''s' --llm-model /m/x.gguf"
        );
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
        assert_eq!(out.items[0].innspill[0].origin, Origin::Human);
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
