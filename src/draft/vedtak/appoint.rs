//! Appointments and elections: a forslag that leaves the people open ("oppnevner én
//! brukerrepresentant og én vararepresentant") gets the names the chair concludes with ("Er
//! det greit at Kari blir representant, med Per som vara?"), each with their organisation:
//! "oppnevner Kari Dahl, Hørselshemmedes Landsforbund, som medlem og Per Berg, NFU, som varamedlem".

use super::conclusion::{strip_framing, Ctx};
use crate::artifact::Span;
use crate::draft::turns::Turn;
use crate::meeting::Meeting;
use crate::text::phrases::{self, phrase};
use crate::text::{self, cue, Tok};

/// A role the forslag leaves open: where it stands, what it is ("brukerrepresentant"), and
/// for how many ("______ og ______ som representanter": two).
struct Open {
    start: usize,
    end: usize,
    role: String,
    count: usize,
}

/// "én brukerrepresentant", "ett medlem", "en leder", or a blank for the name ("N.N. som
/// representant", "______ som leder"): the open roles of a forslag, in order.
fn open_roles(forslag: &str) -> Vec<Open> {
    let toks = text::tokens(forslag);
    let mut out = Vec::new();
    for w in toks.windows(2) {
        if cue("appoint_count").word(&w[0].w) && is_role(&w[1].w) {
            out.push(Open { start: w[0].start, end: w[1].end, role: forslag[w[1].start..w[1].end].to_string(), count: 1 });
        }
    }
    const BLANK: &str = r"(?:\bN\.? ?N\b\.?|_{2,}|…|\.{3}|\bX{2,}\b)";
    static RE: std::sync::OnceLock<(regex::Regex, regex::Regex)> = std::sync::OnceLock::new();
    let (run, one) = RE.get_or_init(|| {
        let run = format!(r"{BLANK}(?:(?:, | og ){BLANK})* som (\p{{L}}+)");
        (regex::Regex::new(&run).expect("static regex"), regex::Regex::new(BLANK).expect("static regex"))
    });
    for c in run.captures_iter(forslag) {
        let (all, role) = (c.get(0).expect("whole match"), c.get(1).expect("role group"));
        if is_role(&role.as_str().to_lowercase()) {
            let count = one.find_iter(all.as_str()).count();
            out.push(Open { start: all.start(), end: all.end(), role: role.as_str().to_string(), count });
        }
    }
    out.sort_by_key(|o| o.start);
    out
}

/// A word that names a role one is appointed to ("brukerrepresentant", "nestleder", "vara").
fn is_role(w: &str) -> bool {
    cue("appoint_roles")
        .phrases_words()
        .iter()
        .any(|r| w == r || (w.len() >= r.len() + 2 && (w.ends_with(r.as_str()) || w.starts_with(r.as_str()))))
}

/// A role as said ("vara") fits an open role ("vararepresentant").
fn fits(said: &str, open: &str) -> bool {
    let (s, o) = (said.to_lowercase(), open.to_lowercase());
    s == o || o.starts_with(&s) || o.ends_with(&s) || s.starts_with(&o) || s.ends_with(&o)
}

/// A person named in the sak, as the referat writes them: the member list's full name and
/// organisation, else the full name and "fra <organisation>" said in the sak.
#[derive(Debug, Clone, PartialEq)]
struct Person {
    name: String,
    org: Option<String>,
}

/// The person named at `toks[i]` (by full name, by the first names, or by the first name
/// alone when only one has it), with the words used.
fn person_at(toks: &[Tok], i: usize, known: &[Person]) -> Option<(Person, usize)> {
    let mut best: Option<(Person, usize)> = None;
    for p in known {
        let words = text::words(&p.name);
        for n in (1..=words.len()).rev() {
            let same_first = known.iter().filter(|q| text::words(&q.name)[..n.min(text::words(&q.name).len())] == words[..n]).count();
            if same_first > 1 && n < words.len() {
                continue;
            }
            if toks.len() >= i + n && toks[i..i + n].iter().zip(&words[..n]).all(|(t, w)| t.w == *w) {
                if best.as_ref().is_none_or(|b| n > b.1) {
                    best = Some((p.clone(), n));
                }
                break;
            }
        }
    }
    best
}

/// The people who may be appointed: the members, and names said with their organisation in
/// the sak ("Kari Dahl fra NFU kan tenke seg å stille").
fn known_people(meeting: &Meeting, all: &[&Turn]) -> Vec<Person> {
    let mut out: Vec<Person> = meeting
        .members
        .iter()
        .map(|m| Person { name: m.name.clone(), org: Some(m.organisation.trim().to_string()).filter(|o| !o.is_empty()) })
        .collect();
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re =
        RE.get_or_init(|| regex::Regex::new(r"\b(\p{Lu}\p{Ll}+(?: \p{Lu}\p{Ll}+){1,3}) fra (\p{Lu}[^.,;:!?]*)").expect("static regex"));
    for s in all.iter().flat_map(|t| t.sentences.iter()) {
        for c in re.captures_iter(&s.text) {
            let name = c[1].to_string();
            // the organisation runs to the first function word ("fra Nordby seniorkor har ...")
            let org: Vec<&str> = c[2]
                .split_whitespace()
                .enumerate()
                .take_while(|(k, w)| *k == 0 || !text::is_stop(&w.to_lowercase()))
                .map(|(_, w)| w)
                .take(4)
                .collect();
            if !out.iter().any(|p| p.name == name) {
                out.push(Person { name, org: Some(org.join(" ")) });
            }
        }
    }
    out
}

/// Every mention of a known person in the chair's conclusion, in order: the sentence (framing
/// taken off), its tokens, and where the name stands (first token, tokens used).
fn mentions(sentences: &[(Span, String)], known: &[Person]) -> Vec<(String, Vec<Tok>, usize, Person, usize)> {
    let mut out = Vec::new();
    for (_, raw) in sentences {
        let t = strip_framing(raw);
        let toks = text::tokens(&t);
        let mut i = 0;
        while i < toks.len() {
            match person_at(&toks, i, known) {
                Some((p, used)) => {
                    out.push((t.clone(), toks.clone(), i, p, used));
                    i += used;
                }
                None => i += 1,
            }
        }
    }
    out
}

/// The people and roles in the chair's conclusion: "Kari blir representant", "med Per som
/// vara", "leder blir Kari", "Kari er valgt til leder".
fn named_roles(sentences: &[(Span, String)], known: &[Person]) -> Vec<(Person, String)> {
    let mut out: Vec<(Person, String)> = Vec::new();
    for (t, toks, i, p, used) in mentions(sentences, known) {
        // the role after the name ("blir representant", "som vara", "valgt til leder") or
        // before it ("leder blir Kari")
        let after = toks[i + used..].iter().take(4).position(|t| is_role(&t.w)).map(|k| i + used + k);
        let before = i.checked_sub(2).filter(|&b| is_role(&toks[b].w) && matches!(toks[b + 1].w.as_str(), "blir" | "er" | "ble"));
        if let Some(r) = after.or(before) {
            if !out.iter().any(|(q, _)| *q == p) {
                out.push((p, t[toks[r].start..toks[r].end].to_string()));
            }
        }
    }
    out
}

/// Everyone named in the chair's conclusion, in the order named ("Da er Kari og Per valgt").
fn named_people(sentences: &[(Span, String)], known: &[Person]) -> Vec<Person> {
    let mut out: Vec<Person> = Vec::new();
    for (_, _, _, p, _) in mentions(sentences, known) {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// People in a role as the referat writes them: "Kari Dahl, NFU, og Per Berg som medlemmer".
fn people_in_role(people: &[Person], role: &str) -> String {
    let mut out = String::new();
    for (k, p) in people.iter().enumerate() {
        if k > 0 {
            let last = k + 1 == people.len();
            // after an organisation's closing comma, no second one
            out.push_str(if last {
                " og "
            } else if out.ends_with(',') {
                " "
            } else {
                ", "
            });
        }
        out.push_str(&p.name);
        if let Some(org) = &p.org {
            out.push_str(&format!(", {org},"));
        }
    }
    format!("{out} som {role}")
}

/// The forslag with the open roles filled by the people the chair concluded with, when every
/// open role found its person.
pub fn fill(ctx: &Ctx, forslag: &str, sentences: &[(Span, String)], all: &[&Turn]) -> Option<String> {
    let open = open_roles(forslag);
    if open.is_empty() {
        return None;
    }
    let known = known_people(ctx.meeting, all);
    let named = named_roles(sentences, &known);
    let everyone = named_people(sentences, &known);
    let mut out = String::new();
    let mut last = 0;
    let mut used: Vec<usize> = Vec::new();
    let mut taken: Vec<Person> = Vec::new();
    for o in &open {
        let people: Vec<Person> = if o.count == 1 {
            let k = named.iter().enumerate().position(|(k, (_, r))| !used.contains(&k) && fits(r, &o.role))?;
            used.push(k);
            vec![named[k].0.clone()]
        } else {
            // several for one role: the people named, in order, not given another role
            let free: Vec<Person> = everyone
                .iter()
                .filter(|p| !taken.contains(p) && !named.iter().any(|(q, r)| q == *p && !fits(r, &o.role)))
                .take(o.count)
                .cloned()
                .collect();
            if free.len() < o.count {
                return None;
            }
            free
        };
        out.push_str(&forslag[last..o.start]);
        out.push_str(&people_in_role(&people, &o.role));
        taken.extend(people);
        last = o.end;
    }
    out.push_str(&forslag[last..]);
    Some(out)
}

/// Without a forslag, an election or appointment on the agenda ("Valg av leder og
/// nestleder") is what the chair concluded: "<council> velger Kari Dahl som leder og Per Berg
/// som nestleder."
pub fn elect(ctx: &Ctx, sentences: &[(Span, String)], all: &[&Turn]) -> Option<String> {
    let title = text::words(&ctx.item.title);
    let nb = crate::meeting::Language::Nb;
    let verb = if title.iter().any(|w| w.starts_with("oppnevn")) {
        phrase(nb, "draft.vedtak.appoints")
    } else if title.iter().any(|w| w.starts_with("valg") || w.starts_with("velg") || w.starts_with("suppleringsvalg")) {
        phrase(nb, "draft.vedtak.elects")
    } else {
        return None;
    };
    let named = named_roles(sentences, &known_people(ctx.meeting, all));
    if named.is_empty() {
        return None;
    }
    let parts: Vec<String> = named.iter().map(|(p, role)| people_in_role(std::slice::from_ref(p), role)).collect();
    Some(phrases::fill(nb, "draft.vedtak.elected", &[("council", ctx.council), ("verb", verb), ("people", &super::votes::list(&parts))]))
}
