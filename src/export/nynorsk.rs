//! Bokmål → Nynorsk for the free text of a referat (intro, innspill, aksjonspunkter, a vedtak's
//! additions, check notes), which is drafted in Bokmål; the fixed phrases come in Nynorsk from
//! the phrase table instead (src/text/phrases.toml). The work is Apertium's
//! ([`crate::text::apertium`]), with the meeting's names kept as written.

use crate::artifact::Draft;
use crate::meeting::Meeting;
use crate::text::apertium::{names_of, translate_lines, Direction};
use anyhow::{Context, Result};

/// The draft with its free text in Nynorsk, in one Apertium run. A vedtak that is the
/// agenda's forslag keeps the agenda's wording (the secretariat wrote it, in the meeting's
/// language); only what the summing-up added to it is carried over.
pub fn draft_to_nynorsk(meeting: &Meeting, draft: &Draft) -> Result<Draft> {
    let mut out = draft.clone();
    // Per item: the forslag that opens its vedtak, taken off while the rest is carried over.
    let mut kept: Vec<Option<String>> = Vec::new();
    for item in out.items.iter_mut() {
        let forslag = meeting.item(&item.saksnr).map(|i| i.forslag.trim().to_string()).unwrap_or_default();
        let v = item.vedtak.text.trim().to_string();
        // the forslag as a whole sentence, or amended in a clause after it (", med den endring at")
        let bare = forslag.trim_end_matches('.');
        let opening = if v.starts_with(&forslag) {
            Some(forslag.as_str())
        } else {
            v.strip_prefix(bare).filter(|rest| rest.starts_with(',')).map(|_| bare)
        };
        match opening.filter(|f| !f.is_empty()) {
            Some(f) => {
                item.vedtak.text = v[f.len()..].to_string();
                kept.push(Some(f.to_string()));
            }
            None => kept.push(None),
        }
    }
    // Every text to carry over, as a mutable slot in `out`, in one list.
    let mut slots: Vec<&mut String> = Vec::new();
    for item in out.items.iter_mut() {
        slots.push(&mut item.intro);
        for line in item.innspill.iter_mut().chain(item.aksjonspunkter.iter_mut()).chain(std::iter::once(&mut item.vedtak)) {
            slots.push(&mut line.text);
            slots.extend(line.flags.iter_mut().map(|f| &mut f.reason));
        }
    }
    let texts: Vec<String> = slots.iter().map(|s| s.to_string()).collect();
    let done =
        translate_lines(&texts, &names_of(meeting), Direction::ToNynorsk).context("cannot carry the referat's free text into Nynorsk")?;
    for (slot, t) in slots.into_iter().zip(done) {
        *slot = crate::text::nynorsk_register(&t);
    }
    for (item, forslag) in out.items.iter_mut().zip(kept) {
        if let Some(f) = forslag {
            let rest = item.vedtak.text.trim();
            item.vedtak.text = match rest {
                "" => f,
                r if r.starts_with(',') => format!("{f}{r}"),
                r => format!("{f} {r}"),
            };
        }
    }
    Ok(out)
}
