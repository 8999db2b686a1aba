//! Corrections the secretary makes under the draft, from the review page: a transcript
//! segment's words and speaker, and where a sak starts or ends. Pure functions on the
//! artifacts (the server saves them); errors are Norwegian sentences for the page.

use crate::artifact::{ItemStatus, Segmentation, Span, Transcript, Word};
use crate::meeting::Meeting;
use std::collections::BTreeSet;

/// Correct segment `index` of the transcript (`start` must match, so an edit made against
/// another version of the transcript cannot land on the wrong segment). The corrected text
/// becomes `text`, the one every later stage reads; Whisper's own stays in `asr_text`; the
/// segment is marked `edited`. Returns false when nothing changed.
pub fn correct_segment(t: &mut Transcript, index: usize, start: f64, text: &str, speaker: Option<&str>) -> Result<bool, String> {
    let s = t
        .segments
        .get_mut(index)
        .filter(|s| (s.start - start).abs() < 1e-3)
        .ok_or("Fant ikke transkripsjonslinjen: transkripsjonen er endret. Last inn siden på nytt.")?;
    let text = text.trim();
    if text.is_empty() {
        return Err("Teksten kan ikke være tom: skriv det som ble sagt.".into());
    }
    let speaker = speaker.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    if s.text.trim() == text && s.speaker == speaker {
        return Ok(false);
    }
    if s.text.trim() != text {
        if s.asr_text.is_none() {
            s.asr_text = Some(s.text.clone());
        }
        realign_words(&mut s.words, text);
        s.text = text.to_string();
        // Back to Whisper's words: nothing to keep beside them.
        if s.asr_text.as_deref().map(str::trim) == Some(text) {
            s.asr_text = None;
        }
    }
    s.speaker = speaker;
    s.edited = true;
    Ok(true)
}

/// Word times stay useful after a correction of single words (same word count: each word
/// keeps its time and takes the new spelling); after a bigger rewrite they would point at the
/// wrong words, so they go (later stages then interpolate over the segment).
fn realign_words(words: &mut Vec<Word>, text: &str) {
    let new: Vec<&str> = text.split_whitespace().collect();
    if new.len() == words.len() {
        for (w, n) in words.iter_mut().zip(new) {
            if w.text != n {
                // `..Default` so that what the ASR said about the old word (a confidence, once
                // Word has one) is not carried over to the corrected word.
                #[allow(clippy::needless_update)]
                let fresh = Word { start: w.start, end: w.end, text: n.to_string(), ..Default::default() };
                *w = fresh;
            }
        }
    } else {
        words.clear();
    }
}

/// Speakers seen in the transcript, in order of first appearance.
pub fn speakers(t: &Transcript) -> Vec<String> {
    let mut seen = Vec::new();
    for s in &t.segments {
        if let Some(sp) = s.speaker.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            if !seen.iter().any(|x: &String| x == sp) {
                seen.push(sp.to_string());
            }
        }
    }
    seen
}

/// Which boundary of a sak to move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Edge {
    Start,
    End,
}

/// The items discussed together with `saksnr` (itself included).
pub fn group(seg: &Segmentation, saksnr: &str) -> Vec<String> {
    let joint = seg.items.iter().find(|i| i.saksnr == saksnr).map(|i| i.joint_with.clone()).unwrap_or_default();
    seg.items
        .iter()
        .filter(|i| i.saksnr == saksnr || joint.contains(&i.saksnr) || i.joint_with.iter().any(|j| j == saksnr))
        .map(|i| i.saksnr.clone())
        .collect()
}

/// Move the start or end of sak `saksnr` (and of the items discussed with it) to `at`
/// seconds, and mark it `manual` so segmentation keeps it; the other items are left for
/// segmentation to fit around it.
pub fn move_boundary(seg: &mut Segmentation, meeting: &Meeting, saksnr: &str, edge: Edge, at: f64) -> Result<(), String> {
    if !at.is_finite() || at < 0.0 {
        return Err("Ugyldig tidspunkt.".into());
    }
    let members = group(seg, saksnr);
    if members.is_empty() {
        return Err(format!("Sak {saksnr} finnes ikke i inndelingen (segments.json)."));
    }
    if let Some(fixed) = members.iter().find(|nr| meeting.item(nr).is_some_and(|i| i.spans.is_some())) {
        return Err(format!("Tidene for sak {fixed} står i møtefila (spans): endre dem der."));
    }
    // Into a copy, so a refusal for one member of a group leaves the others as they were.
    let mut items = seg.items.clone();
    for item in items.iter_mut().filter(|i| members.contains(&i.saksnr)) {
        if item.spans.is_empty() {
            return Err(format!(
                "Sak {} har ingen tid i opptaket: angi start og slutt med spans = [[start, slutt]] i møtefila.",
                item.saksnr
            ));
        }
        let mut spans: Vec<Span> = item.spans.clone();
        match edge {
            Edge::Start => {
                spans.retain(|s| s[1] > at);
                match spans.first_mut() {
                    Some(first) => first[0] = at,
                    None => return Err("Starten kan ikke ligge etter slutten av saken.".into()),
                }
            }
            Edge::End => {
                spans.retain(|s| s[0] < at);
                match spans.last_mut() {
                    Some(last) => last[1] = at,
                    None => return Err("Slutten kan ikke ligge før starten av saken.".into()),
                }
            }
        }
        if spans.iter().any(|s| s[1] - s[0] < 1.0) {
            return Err("Saken blir kortere enn ett sekund: velg en annen linje.".into());
        }
        item.spans = spans;
        item.manual = true;
        item.status = ItemStatus::Discussed;
        item.confidence = [1.0, 1.0];
    }
    seg.items = items;
    Ok(())
}

/// Saker whose drafted lines may no longer hold after a change: those whose spans differ
/// between `old` and `new`, those that overlap `span` (an edited transcript segment) in either,
/// and the items discussed together with any of them.
pub fn affected(old: Option<&Segmentation>, new: &Segmentation, span: Option<Span>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let touches = |spans: &[Span]| span.is_some_and(|sp| spans.iter().any(|s| s[1] > sp[0] && s[0] < sp[1]));
    for item in &new.items {
        let before = old.and_then(|o| o.items.iter().find(|i| i.saksnr == item.saksnr));
        // Without an earlier segmentation only the edited span tells what changed.
        let changed = old.is_some() && before.is_none_or(|b| b.spans != item.spans);
        if changed || touches(&item.spans) || before.is_some_and(|b| touches(&b.spans)) {
            out.extend(group(new, &item.saksnr));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifact::{ItemSegment, Segment, FORMAT_VERSION};

    fn transcript() -> Transcript {
        let seg = |start: f64, text: &str, speaker: Option<&str>| Segment {
            start,
            end: start + 4.0,
            text: text.into(),
            speaker: speaker.map(Into::into),
            words: text
                .split_whitespace()
                .enumerate()
                .map(|(i, w)| Word {
                    start: start + i as f64 * 0.5,
                    end: start + i as f64 * 0.5 + 0.4,
                    text: w.into(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        Transcript {
            version: FORMAT_VERSION,
            inputs: Default::default(),
            source: "asr".into(),
            model: None,
            duration: 20.0,
            segments: vec![seg(0.0, "Kåes støtter endringen.", Some("Marte Lien")), seg(5.0, "Takk.", None)],
            warnings: vec![],
        }
    }

    #[test]
    fn a_correction_keeps_whisper_beside_it_and_word_times_when_it_can() {
        let mut t = transcript();
        assert!(correct_segment(&mut t, 0, 0.0, " KS støtter endringen. ", Some("Marte Lien")).unwrap());
        let s = &t.segments[0];
        assert_eq!(s.text, "KS støtter endringen.");
        assert_eq!(s.asr_text.as_deref(), Some("Kåes støtter endringen."));
        assert!(s.edited);
        assert_eq!(s.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(), ["KS", "støtter", "endringen."]);
        assert_eq!(s.words[0].start, 0.0);
        // A second correction keeps Whisper's first text; a rewrite drops the word times.
        correct_segment(&mut t, 0, 0.0, "KS støtter hele endringen.", Some("Marte Lien")).unwrap();
        assert_eq!(t.segments[0].asr_text.as_deref(), Some("Kåes støtter endringen."));
        assert!(t.segments[0].words.is_empty());
        // Back to Whisper's text: no asr_text, still marked as checked by the secretary.
        correct_segment(&mut t, 0, 0.0, "Kåes støtter endringen.", Some("Marte Lien")).unwrap();
        assert_eq!(t.segments[0].asr_text, None);
        assert!(t.segments[0].edited);
        // Speaker only.
        assert!(correct_segment(&mut t, 1, 5.0, "Takk.", Some("Rune Simensen")).unwrap());
        assert_eq!(t.segments[1].speaker.as_deref(), Some("Rune Simensen"));
        assert!(!correct_segment(&mut t, 1, 5.0, "Takk.", Some("Rune Simensen")).unwrap(), "no change");
        assert_eq!(speakers(&t), ["Marte Lien", "Rune Simensen"]);
        // Wrong segment identity or empty text: refused, nothing changed.
        assert!(correct_segment(&mut t, 1, 0.0, "x", None).is_err());
        assert!(correct_segment(&mut t, 9, 0.0, "x", None).is_err());
        assert!(correct_segment(&mut t, 1, 5.0, "  ", None).is_err());
        assert_eq!(t.segments[1].text, "Takk.");
    }

    fn seg() -> Segmentation {
        let item = |nr: &str, spans: Vec<Span>, joint: &[&str]| ItemSegment {
            saksnr: nr.into(),
            spans,
            status: ItemStatus::Discussed,
            joint_with: joint.iter().map(|s| s.to_string()).collect(),
            confidence: [0.9, 0.9],
            manual: false,
        };
        Segmentation {
            version: FORMAT_VERSION,
            inputs: Default::default(),
            items: vec![
                item("1/25", vec![[0.0, 100.0]], &[]),
                item("2/25", vec![[100.0, 150.0], [180.0, 200.0]], &["3/25"]),
                item("3/25", vec![[100.0, 150.0], [180.0, 200.0]], &["2/25"]),
                item("4/25", vec![], &[]),
            ],
            other: vec![],
        }
    }

    fn meeting() -> Meeting {
        let mut toml = String::from("council = \"R\"\nnumber = \"1\"\ndate = \"d\"\ntime = \"t\"\nplace = \"p\"\n");
        for nr in ["1/25", "2/25", "3/25", "4/25"] {
            toml.push_str(&format!("[[items]]\nsaksnr = \"{nr}\"\ntitle = \"Sak {nr}\"\nsakstype = \"Drøfting\"\n"));
        }
        toml.push_str("spans = [[0.0, 100.0]]\n"); // on 4/25
        Meeting::parse(&toml).unwrap()
    }

    #[test]
    fn boundaries_move_for_the_whole_joint_group_and_are_kept_as_manual() {
        let m = meeting();
        let mut s = seg();
        let before = s.clone();
        move_boundary(&mut s, &m, "3/25", Edge::End, 190.5).unwrap();
        for nr in [1, 2] {
            assert_eq!(s.items[nr].spans, vec![[100.0, 150.0], [180.0, 190.5]]);
            assert!(s.items[nr].manual);
        }
        move_boundary(&mut s, &m, "2/25", Edge::Start, 160.0).unwrap();
        assert_eq!(s.items[1].spans, vec![[160.0, 190.5]], "a span wholly before the new start goes");
        assert!(!s.items[0].manual);
        assert_eq!(affected(Some(&before), &s, None), ["2/25", "3/25"].map(String::from).into());
        assert_eq!(affected(Some(&before), &before, Some([90.0, 95.0])), ["1/25"].map(String::from).into());

        let e = move_boundary(&mut s, &m, "1/25", Edge::End, 0.5).unwrap_err();
        assert!(e.contains("kortere"), "{e}");
        assert!(move_boundary(&mut s, &m, "4/25", Edge::End, 50.0).unwrap_err().contains("møtefila"));
        assert!(move_boundary(&mut s, &m, "9/25", Edge::End, 50.0).is_err());
        assert!(move_boundary(&mut s, &m, "1/25", Edge::Start, f64::NAN).is_err());
        assert_eq!(s.items[0].spans, vec![[0.0, 100.0]], "a refused move changes nothing");
    }
}
