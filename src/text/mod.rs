//! The one home of referat's Norwegian text rules: tokenizing, sentences, stemming, stop words,
//! number words, edit distance and cue phrases, used by segmentation, drafting and evaluation
//! alike. The word lists, cue phrases and thresholds are data ([`rules`], from `rules.toml`,
//! compiled in); the code here only interprets them.

pub mod apertium;
pub mod phrases;

use regex::Regex;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

// ---------------------------------------------------------------- the rules file

#[derive(Debug, Deserialize)]
struct RulesFile {
    words: WordsFile,
    numbers: NumbersFile,
    cues: HashMap<String, Vec<String>>,
    cues2: HashMap<String, Vec<String>>,
    register: Vec<RewriteFile>,
    neutral: Vec<RewriteFile>,
    framing: Vec<RewriteFile>,
    nynorsk_register: Vec<RewriteFile>,
    past_tense: HashMap<String, String>,
    present_tense: HashMap<String, String>,
    thresholds: HashMap<String, f64>,
    vedtak: VedtakFile,
}

#[derive(Debug, Deserialize)]
struct VedtakFile {
    months: Vec<String>,
    ordinal_units: Vec<Vec<String>>,
    ordinal_teens: Vec<Vec<String>>,
    ordinal_tens: Vec<Vec<String>>,
    proposal: Vec<String>,
    correction: Vec<String>,
    orientation: Vec<String>,
    parties: Vec<Party>,
}

/// A political party as minutes name it (`rules.toml`, `[vedtak] parties`).
#[derive(Debug, Clone, Deserialize)]
pub struct Party {
    /// The short form the referat writes when the meeting file has none ("FrP").
    pub short: String,
    /// The genitive of the short form ("FrPs", "Høyres").
    pub genitive: String,
    /// The names as said, lower case ("fremskrittspartiet", "frp").
    pub names: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct WordsFile {
    stop: Vec<String>,
    abbreviations: Vec<String>,
    first_person: Vec<String>,
    nynorsk_endings: Vec<(String, String)>,
    nynorsk_stems: Vec<(String, String)>,
    nynorsk_markers: Vec<String>,
    apertium_keep: Vec<String>,
    nynorsk: HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct NumbersFile {
    units: Vec<Vec<String>>,
    teens: Vec<Vec<String>>,
    tens: Vec<Vec<String>>,
    hundred: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RewriteFile {
    pattern: String,
    replace: String,
}

/// The parsed rules: built once from `rules.toml`.
pub struct Rules {
    stop: HashSet<String>,
    abbreviations: Vec<String>,
    first_person: HashSet<String>,
    /// Spoken Nynorsk words and the Bokmål word the cue phrases use for them ("då" → "da").
    nynorsk: HashMap<String, String>,
    /// Nynorsk endings and stems with their Bokmål counterparts.
    nynorsk_endings: Vec<(String, String)>,
    nynorsk_stems: Vec<(String, String)>,
    /// Words only Nynorsk has, frequent in speech.
    nynorsk_markers: HashSet<String>,
    /// Words Apertium must pass as they are (it mistakes them for others).
    pub apertium_keep: Vec<String>,
    /// Every spoken form of 0..=99 as one word ("trettifire", "fireogtretti", "én"), with value.
    number_words: HashMap<String, u32>,
    /// Canonical spoken form per value (index = value), as one word.
    canonical: Vec<String>,
    /// All one-word forms per value, for fuzzy matching.
    forms: Vec<Vec<String>>,
    cues: HashMap<String, Phrases>,
    /// Register rewrites for referat style, in order.
    pub register: Vec<(Regex, String)>,
    /// The last step of an innspill's register: "vi" as "man", postposed "våre" dropped.
    pub neutral: Vec<(Regex, String)>,
    /// The framing of a summing-up sentence ("Da konkluderer vi med at"), removed.
    pub framing: Vec<(Regex, String)>,
    /// Nynorsk minutes' own words for what Apertium carries over literally ("samrøystes").
    pub nynorsk_register: Vec<(Regex, String)>,
    /// Present → past tense of the verbs a Drøfting vedtak coordinates.
    pub past_tense: HashMap<String, String>,
    /// Infinitive → present tense of the verbs that do not just add "r" ("si" → "sier").
    pub present_tense: HashMap<String, String>,
    thresholds: HashMap<String, f64>,
    /// Month names, January first (dates in a vedtak).
    pub months: Vec<String>,
    /// Ordinal words 1..31 with their value ("fjerde" → 4, "tjueførste" → 21).
    pub ordinals: HashMap<String, u32>,
    /// Proposals made in the meeting (groups `kind`, `who`, `party`, `party2`, `text`).
    pub proposal: Vec<Regex>,
    /// Corrections of the minutes stated in a sak (groups `sak`, `what`).
    pub correction: Vec<Regex>,
    /// The chair taking a sak to orientation (groups `obj`, `what`).
    pub orientation: Vec<Regex>,
    /// Political parties as minutes name them.
    pub parties: Vec<Party>,
}

const RULES_TOML: &str = include_str!("rules.toml");

/// The rules, parsed on first use.
/// The speaker's own "jeg" and "min" (Bokmål and Nynorsk), as [`in_third_person`] names them.
const SPEAKER_ME: [&str; 3] = ["jeg", "meg", "eg"];
const SPEAKER_MINE: [&str; 3] = ["min", "mitt", "mine"];

/// A word by which the speaker speaks of themselves alone (lower case): "jeg", "meg", "min".
pub fn is_first_person_singular(w: &str) -> bool {
    SPEAKER_ME.contains(&w) || SPEAKER_MINE.contains(&w)
}

/// A speaker's words about themselves with their name for "jeg"/"meg" and its genitive for
/// "min"/"mitt"/"mine" ("jeg hadde meldt forfall" → "Kari Dahl hadde meldt forfall").
pub fn in_third_person(said: &str, name: &str) -> String {
    static RE: std::sync::OnceLock<(Regex, Regex)> = std::sync::OnceLock::new();
    let (me, mine) = RE.get_or_init(|| {
        let words = |ws: &[&str]| Regex::new(&format!(r"(?i)\b(?:{})\b", ws.join("|"))).expect("static regex");
        (words(&SPEAKER_ME), words(&SPEAKER_MINE))
    });
    let genitive = if name.ends_with(['s', 'x', 'z']) { format!("{name}'") } else { format!("{name}s") };
    let out = me.replace_all(said, regex::NoExpand(name));
    mine.replace_all(&out, regex::NoExpand(&genitive)).into_owned()
}

/// `s` with its first letter in upper case ("kommunedirektøren bes ..." → "Kommunedirektøren bes ...").
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// The present tense of an infinitive ("be" → "ber", "legge" → "legger"), irregular verbs
/// from `words.present_tense` in rules.toml.
pub fn present_tense(infinitive: &str) -> String {
    let l = infinitive.to_lowercase();
    match rules().present_tense.get(&l) {
        Some(p) => p.clone(),
        None => format!("{l}r"),
    }
}

/// A Nynorsk line in the register of Nynorsk minutes ([`Rules::nynorsk_register`]).
pub fn nynorsk_register(line: &str) -> String {
    rules().nynorsk_register.iter().fold(line.to_string(), |acc, (re, rep)| re.replace_all(&acc, rep.as_str()).into_owned())
}

pub fn rules() -> &'static Rules {
    static R: OnceLock<Rules> = OnceLock::new();
    R.get_or_init(|| Rules::parse(RULES_TOML).expect("src/text/rules.toml is valid (checked by a unit test)"))
}

impl Rules {
    fn parse(text: &str) -> anyhow::Result<Rules> {
        let f: RulesFile = toml::from_str(text)?;
        let (number_words, canonical, forms) = number_tables(&f.numbers)?;
        let mut cues = HashMap::new();
        for (name, list) in f.cues.into_iter().chain(f.cues2) {
            cues.insert(name, Phrases::new(&list));
        }
        let compile = |list: &[RewriteFile]| -> anyhow::Result<Vec<(Regex, String)>> {
            list.iter().map(|r| Ok((Regex::new(&format!("(?i){}", r.pattern))?, r.replace.clone()))).collect()
        };
        let register = compile(&f.register)?;
        let framing = compile(&f.framing)?;
        let neutral = compile(&f.neutral)?;
        let nynorsk_register = compile(&f.nynorsk_register)?;
        let v = &f.vedtak;
        anyhow::ensure!(v.months.len() == 12, "vedtak.months: 12 months");
        anyhow::ensure!(v.ordinal_units.len() == 10 && v.ordinal_teens.len() == 10, "vedtak: ordinal units and teens need 10 rows each");
        let mut ordinals = HashMap::new();
        for (u, forms) in v.ordinal_units.iter().enumerate() {
            for w in forms {
                ordinals.insert(w.clone(), u as u32);
            }
        }
        for (t, forms) in v.ordinal_teens.iter().enumerate() {
            for w in forms {
                ordinals.insert(w.clone(), 10 + t as u32);
            }
        }
        for (t, forms) in v.ordinal_tens.iter().enumerate().skip(2) {
            for w in forms {
                ordinals.insert(w.clone(), 10 * t as u32);
            }
            // "tjueførste": the cardinal tens and an ordinal unit
            for tens in f.numbers.tens.get(t).into_iter().flatten() {
                for (u, forms) in v.ordinal_units.iter().enumerate().skip(1) {
                    for w in forms {
                        ordinals.insert(format!("{tens}{w}"), 10 * t as u32 + u as u32);
                    }
                }
            }
        }
        let regexes = |list: &[String]| list.iter().map(|p| Regex::new(&format!("(?i){p}"))).collect::<Result<Vec<_>, _>>();
        let proposal = regexes(&v.proposal)?;
        let correction = regexes(&v.correction)?;
        let orientation = regexes(&v.orientation)?;
        Ok(Rules {
            stop: f.words.stop.into_iter().collect(),
            abbreviations: f.words.abbreviations,
            first_person: f.words.first_person.into_iter().collect(),
            nynorsk: f.words.nynorsk,
            nynorsk_endings: f.words.nynorsk_endings,
            nynorsk_stems: f.words.nynorsk_stems,
            nynorsk_markers: f.words.nynorsk_markers.into_iter().collect(),
            apertium_keep: f.words.apertium_keep,
            number_words,
            canonical,
            forms,
            cues,
            register,
            framing,
            neutral,
            nynorsk_register,
            past_tense: f.past_tense,
            present_tense: f.present_tense,
            thresholds: f.thresholds,
            months: f.vedtak.months,
            ordinals,
            proposal,
            correction,
            orientation,
            parties: f.vedtak.parties,
        })
    }

    /// The cue phrase list `name` from `rules.toml` (empty when there is none).
    pub fn cue(&self, name: &str) -> &Phrases {
        static EMPTY: OnceLock<Phrases> = OnceLock::new();
        self.cues.get(name).unwrap_or_else(|| EMPTY.get_or_init(|| Phrases::new::<&str>(&[])))
    }
}

/// The threshold `name` from `rules.toml` ("segment.announce"). A missing name is a bug in
/// the rules file, caught by the unit test that reads every name the code asks for.
pub fn threshold(name: &str) -> f64 {
    match rules().thresholds.get(name) {
        Some(v) => *v,
        None => panic!("src/text/rules.toml has no threshold {name:?}"),
    }
}

/// The cue list `name` (shorthand for `rules().cue(name)`).
pub fn cue(name: &str) -> &'static Phrases {
    rules().cue(name)
}

type NumberTables = (HashMap<String, u32>, Vec<String>, Vec<Vec<String>>);

/// The largest number with spoken forms: saksnr run into the hundreds in larger bodies.
pub const MAX_SPOKEN: u32 = 999;

fn number_tables(n: &NumbersFile) -> anyhow::Result<NumberTables> {
    anyhow::ensure!(n.units.len() == 10 && n.teens.len() == 10 && n.tens.len() == 10, "numbers: units, teens, tens need 10 rows each");
    anyhow::ensure!(!n.hundred.is_empty(), "numbers: hundred needs a word");
    let mut forms: Vec<Vec<String>> = vec![Vec::new(); MAX_SPOKEN as usize + 1];
    for (v, f) in n.units.iter().enumerate() {
        forms[v].extend(f.iter().cloned());
    }
    for (i, f) in n.teens.iter().enumerate() {
        forms[10 + i].extend(f.iter().cloned());
    }
    for (t, tf) in n.tens.iter().enumerate().skip(2) {
        for tens in tf {
            forms[t * 10].push(tens.clone());
            for u in 1..10 {
                for unit in &n.units[u] {
                    if unit == "ei" || unit == "ett" {
                        continue;
                    }
                    forms[t * 10 + u].push(format!("{tens}{unit}"));
                    forms[t * 10 + u].push(format!("{unit}og{tens}"));
                }
            }
        }
    }
    // Hundreds as one word, the way a word-level match sees them glued: "hundreogtolv",
    // "etthundreogtolv", "tohundreogfem", "hundretolv".
    for h in 1..10usize {
        let mut heads: Vec<String> = Vec::new();
        for word in &n.hundred {
            if h == 1 {
                heads.push(word.clone());
            }
            heads.extend(n.units[h].iter().filter(|u| *u != "ei").map(|u| format!("{u}{word}")));
        }
        for r in 0..100usize {
            let tails: Vec<String> = forms[r].clone();
            let v = h * 100 + r;
            for head in &heads {
                if r == 0 {
                    forms[v].push(head.clone());
                    continue;
                }
                for tail in &tails {
                    forms[v].push(format!("{head}og{tail}"));
                    forms[v].push(format!("{head}{tail}"));
                }
            }
        }
    }
    let mut words = HashMap::new();
    for (v, fs) in forms.iter().enumerate() {
        for f in fs {
            words.entry(f.clone()).or_insert(v as u32);
        }
    }
    let canonical = forms.iter().map(|f| f.first().cloned().unwrap_or_default()).collect();
    Ok((words, canonical, forms))
}

// ---------------------------------------------------------------- tokens and sentences

/// A word of a text: lower-cased, with its byte range in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Tok {
    pub w: String,
    pub start: usize,
    pub end: usize,
}

impl Tok {
    /// The character just before the word in `text` ('/' in "13/25" marks the year part).
    pub fn before(&self, text: &str) -> Option<char> {
        text[..self.start].chars().next_back()
    }
}

/// The words of `text`: maximal runs of letters and digits, lower-cased, with byte offsets.
/// Everything else (hyphens, slashes, punctuation) separates words.
pub fn tokens(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push(Tok { w: text[s..i].to_lowercase(), start: s, end: i });
        }
    }
    if let Some(s) = start {
        out.push(Tok { w: text[s..].to_lowercase(), start: s, end: text.len() });
    }
    out
}

/// The lower-cased words of `text` (see [`tokens`]).
pub fn words(text: &str) -> Vec<String> {
    tokens(text).into_iter().map(|t| t.w).collect()
}

/// Letters only, lower-cased ("Nasjonalt e-helseråd" → "nasjonaltehelseråd").
pub fn letters(s: &str) -> String {
    s.chars().filter(|c| c.is_alphabetic()).flat_map(char::to_lowercase).collect()
}

/// Split text after '.', '!' or '?' followed by whitespace and a capital letter or digit,
/// except after a known abbreviation ("f.eks. Helse").
pub fn split_sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for i in 0..chars.len() {
        cur.push(chars[i]);
        if matches!(chars[i], '.' | '!' | '?')
            && chars.get(i + 1).is_some_and(|c| c.is_whitespace())
            && chars.get(i + 2).is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
            && !ends_with_abbreviation(&cur)
        {
            out.push(cur.trim().to_string());
            cur.clear();
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

fn ends_with_abbreviation(s: &str) -> bool {
    let last = s.split_whitespace().last().unwrap_or("").to_lowercase();
    rules().abbreviations.contains(&last)
}

/// Byte offset where the sentence holding byte `at` starts (after '.', '?', '!' or ':').
pub fn sentence_start(text: &str, at: usize) -> usize {
    text[..at].rfind(['.', '?', '!', ':']).map(|p| p + 1).map(|p| p + text[p..].len() - text[p..].trim_start().len()).unwrap_or(0)
}

/// Byte offset where the sentence holding byte `at` ends (at its '.', '?' or '!', or the end).
pub fn sentence_end(text: &str, at: usize) -> usize {
    text[at..].find(['.', '?', '!']).map(|e| e + at).unwrap_or(text.len())
}

/// Capitalise the first letter and end with a full stop.
pub fn finish_sentence(s: &str) -> String {
    // a word taken out before the full stop leaves its comma ("gode, altså." → "gode, .")
    let s = s.trim();
    let s = match s.strip_suffix(['.', '!', '?']) {
        Some(head) if head.trim_end().ends_with([',', ';', ':']) => &s[..head.trim_end().len()],
        _ => s,
    };
    let s = s.trim_end_matches([',', ';', ':']).trim();
    let mut c = s.chars();
    let mut out = match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

// ---------------------------------------------------------------- stop words and stems

pub fn is_stop(w: &str) -> bool {
    rules().stop.contains(w)
}

/// True for the first-person words a referat line must not have.
pub fn is_first_person(w: &str) -> bool {
    rules().first_person.contains(w)
}

/// A light Norwegian stemmer (the inflection steps of the Snowball Norwegian algorithm, plus
/// the comparative): removes one inflection suffix from the word's R1 region, so "kommunene",
/// "kommunen" and "kommuner" share a stem. Derivational endings ("-lig", "-els") stay: they
/// change the word's meaning too often to be folded away.
pub fn stem(word: &str) -> String {
    let w: Vec<char> = word.chars().collect();
    let is_vowel = |c: char| "aeiouyæåø".contains(c);
    // R1: after the first non-vowel that follows a vowel, but at least 3 letters in.
    let mut r1 = w.len();
    for i in 1..w.len() {
        if !is_vowel(w[i]) && is_vowel(w[i - 1]) {
            r1 = i + 1;
            break;
        }
    }
    let r1 = r1.max(3);
    if r1 >= w.len() {
        return word.to_string();
    }
    let mut s: Vec<char> = w.clone();
    let ends = |s: &[char], suf: &str| -> bool {
        let sc: Vec<char> = suf.chars().collect();
        s.len() >= sc.len() && s[s.len() - sc.len()..] == sc[..] && s.len() - sc.len() >= r1
    };
    // Step 1: the longest suffix found in R1.
    const STEP1: &[&str] = &[
        "hetenes", "hetene", "hetens", "heten", "heter", "endes", "ande", "ende", "edes", "enes", "erte", "este", "ede", "ane", "ene",
        "ens", "ere", "ers", "ets", "het", "ast", "ert", "en", "ar", "er", "as", "es", "et", "a", "e",
    ];
    let mut done = false;
    for suf in STEP1 {
        if ends(&s, suf) {
            let n = suf.chars().count();
            s.truncate(s.len() - n);
            if *suf == "erte" || *suf == "ert" {
                s.extend("er".chars());
            }
            done = true;
            break;
        }
    }
    if !done && ends(&s, "s") && s.len() >= 2 {
        let p = s[s.len() - 2];
        let k_ok = p == 'k' && s.len() >= 3 && !is_vowel(s[s.len() - 3]);
        if "bcdfghjlmnoprtvyz".contains(p) || k_ok {
            s.pop();
        }
    }
    // Step 2: "dt", "vt" → drop the t.
    if (ends(&s, "dt") || ends(&s, "vt")) && s.len() >= 2 {
        s.pop();
    }
    s.into_iter().collect()
}

/// Stems of the content words of `text`: stop words, one-letter words and pure numbers dropped.
pub fn content_stems(text: &str) -> Vec<String> {
    words(text).into_iter().filter(|w| is_content(w)).map(|w| stem(&w)).collect()
}

/// A word that carries content: not a stop word, at least two letters, not a bare number.
pub fn is_content(w: &str) -> bool {
    w.chars().count() > 1 && !is_stop(w) && !w.chars().all(|c| c.is_ascii_digit())
}

/// How well two stems match: 1 for equal stems, 0.7 when one is a prefix of the other
/// (compounds: "samtykke" in "samtykkebestemmelsene"), 0.5 for the head of a compound
/// ("ordning" in "godkjenningsordning"), 0.6 for a long word misheard in one or two letters,
/// else 0.
pub fn stem_match(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let (ns, nl) = (short.chars().count(), long.chars().count());
    if ns >= 5 && long.starts_with(short) {
        return 0.7;
    }
    if ns >= 6 && long.ends_with(short) {
        return 0.5;
    }
    // `short` is the shorter in bytes; with letters like «ø» it may be the longer in chars,
    // and then it is no near miss (what the release build's wrapping subtraction decided).
    if ns >= 7 && nl.checked_sub(ns).is_some_and(|d| d <= 2) && short.chars().next() == long.chars().next() && levenshtein(a, b) <= 2 {
        return 0.6;
    }
    0.0
}

/// Share of the line's content stems found in the source (0..1; 1 for a line without content).
pub fn overlap(line: &str, source: &str) -> f64 {
    let l = content_stems(line);
    if l.is_empty() {
        return 1.0;
    }
    let src: HashSet<String> = content_stems(source).into_iter().collect();
    l.iter().filter(|s| src.contains(*s)).count() as f64 / l.len() as f64
}

/// [`overlap`] that tolerates misspellings and compounds: a content word of the line counts
/// as found when the source has one whose stem matches ([`stem_match`] ≥ 0.7) or that is
/// within edit similarity 0.7 of it.
pub fn fuzzy_overlap(line: &str, source: &str) -> f64 {
    let l: Vec<String> = words(line).into_iter().filter(|w| is_content(w) && w.chars().count() >= 3).collect();
    if l.is_empty() {
        return 1.0;
    }
    let src: Vec<String> = words(source).into_iter().filter(|w| is_content(w) && w.chars().count() >= 3).collect();
    let src_stems: Vec<String> = src.iter().map(|w| stem(w)).collect();
    let hit = l
        .iter()
        .filter(|w| {
            let ws = stem(w);
            src.iter().zip(&src_stems).any(|(s, ss)| stem_match(&ws, ss) >= 0.7 || similarity_chars(w, s) >= 0.7)
        })
        .count();
    hit as f64 / l.len() as f64
}

/// Jaccard similarity of two texts' content stems (near-duplicates).
pub fn jaccard(a: &str, b: &str) -> f64 {
    let a: HashSet<String> = content_stems(a).into_iter().collect();
    let b: HashSet<String> = content_stems(b).into_iter().collect();
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / a.union(&b).count() as f64
}

/// F1 of the two texts' sets of content stems (1 when both have none).
pub fn token_f1(a: &str, b: &str) -> f64 {
    let a: HashSet<String> = content_stems(a).into_iter().collect();
    let b: HashSet<String> = content_stems(b).into_iter().collect();
    if a.is_empty() || b.is_empty() {
        return if a.is_empty() && b.is_empty() { 1.0 } else { 0.0 };
    }
    let common = a.intersection(&b).count() as f64;
    if common == 0.0 {
        return 0.0;
    }
    let (p, r) = (common / b.len() as f64, common / a.len() as f64);
    2.0 * p * r / (p + r)
}

// ---------------------------------------------------------------- edit distance

/// Levenshtein distance on characters.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// 1 − edit distance over the longer length (0 for two empty strings).
pub fn similarity_chars(a: &str, b: &str) -> f64 {
    let n = a.chars().count().max(b.chars().count());
    if n == 0 {
        return 0.0;
    }
    1.0 - levenshtein(a, b) as f64 / n as f64
}

/// Letter-level similarity of two texts (letters only, lower-cased): robust to speech
/// recognition splitting and joining words.
pub fn char_similarity(a: &str, b: &str) -> f64 {
    similarity_chars(&letters(a), &letters(b))
}

/// True when some run of 1–5 consecutive words of `text`, written together, is within letter
/// similarity `min` of `target` (names and cue words garbled, split or joined by ASR).
pub fn fuzzy_contains(text: &str, target: &str, min: f64) -> bool {
    let t = letters(target);
    let tn = t.chars().count();
    if tn == 0 {
        return false;
    }
    let ws: Vec<String> = words(text).iter().map(|w| letters(w)).filter(|w| !w.is_empty()).collect();
    for i in 0..ws.len() {
        let mut cat = String::new();
        for w in ws.iter().skip(i).take(5) {
            cat.push_str(w);
            let cn = cat.chars().count();
            if cn + 3 < tn * 2 / 3 {
                continue;
            }
            if cn > tn * 3 / 2 + 2 {
                break;
            }
            if similarity_chars(&cat, &t) >= min {
                return true;
            }
        }
    }
    false
}

/// A rough phonetic key for matching misheard words: letters only, vowel variants folded
/// (æ/ä → e, ø/ö/å → o, y → i), "hv" → "v", "x" → "ks", doubled letters single.
pub fn phonetic(s: &str) -> String {
    let l = letters(s).replace("hv", "v").replace('x', "ks");
    let mut out = String::with_capacity(l.len());
    for c in l.chars() {
        let c = match c {
            'æ' | 'ä' | 'é' | 'è' | 'ê' => 'e',
            'ø' | 'ö' | 'å' | 'ó' | 'ò' => 'o',
            'y' | 'ü' => 'i',
            'w' => 'v',
            'z' => 's',
            'c' | 'q' => 'k',
            other => other,
        };
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------- numbers

/// The canonical Norwegian word for 0..=999 ("seksten", "trettifire", "hundreogtolv");
/// digits beyond that.
pub fn number_word(n: u32) -> String {
    rules().canonical.get(n as usize).cloned().unwrap_or_else(|| n.to_string())
}

/// Every one-word spoken form of `n` (0..=999): "trettifire", "fireogtretti", "hundreogtolv", ...
pub fn number_forms(n: u32) -> &'static [String] {
    rules().forms.get(n as usize).map(Vec::as_slice).unwrap_or(&[])
}

/// The value of a one-word number ("trettifire", "34", "sju").
pub fn number_value(w: &str) -> Option<u32> {
    // Digits, also with a letter or two glued on by speech recognition ("54e").
    let digits = w.bytes().take_while(|b| b.is_ascii_digit()).count();
    if (1..=3).contains(&digits) && w.len() - digits <= 2 && w[digits..].chars().all(|c| c.is_alphabetic()) {
        return w[..digits].parse().ok();
    }
    rules().number_words.get(w).copied()
}

/// The readings of a spoken number starting at `toks[i]`, as (value, words used): one word
/// ("trettifire", "34", "hundreogtolv"), tens and unit apart ("tretti fire", "tretti-fire"),
/// the older unit-og-tens ("fire og tretti"), hundreds apart ("hundre og tolv", "ett hundre
/// og tolv", "100 og 12"), and digits read singly ("tre fire" for 34, "en en to" for 112).
/// Longer readings first; the caller picks the one that makes sense (a number on the agenda).
pub fn number_readings(toks: &[Tok], i: usize) -> Vec<(u32, usize)> {
    let mut out = Vec::new();
    // "hundredog 16", "hundreog tolv": the hundred glued to its "og" (or misspelt), then the rest
    if let Some(h) = toks.get(i).and_then(|t| glued_hundred(&t.w)) {
        for (r, k) in small_readings(toks, i + 1) {
            if (1..100).contains(&r) {
                out.push((h + r, 1 + k));
            }
        }
        return out;
    }
    let Some(first) = toks.get(i).and_then(|t| number_value(&t.w)) else { return out };
    let next = |k: usize| toks.get(i + k).and_then(|t| number_value(&t.w));
    let is_digits = |k: usize| toks.get(i + k).is_some_and(|t| t.w.bytes().all(|b| b.is_ascii_digit()));
    // The hundreds: "hundre", "tohundre", "200", or a unit before the word ("ett hundre").
    let hundreds = if first >= 100 && first % 100 == 0 {
        Some((first, 1))
    } else if (1..10).contains(&first) && !is_digits(0) && next(1) == Some(100) && !is_digits(1) {
        Some((first * 100, 2))
    } else {
        None
    };
    if let Some((h, used)) = hundreds {
        let og = usize::from(toks.get(i + used).is_some_and(|t| t.w == "og"));
        for (r, k) in small_readings(toks, i + used + og) {
            if (1..100).contains(&r) {
                out.push((h + r, used + og + k));
            }
        }
        if used > 1 {
            out.push((h, used));
        }
    }
    if (1..10).contains(&first) && !is_digits(0) {
        if let (Some(a), Some(b)) = (next(1).filter(|u| *u < 10), next(2).filter(|u| *u < 10)) {
            if !is_digits(1) && !is_digits(2) {
                out.push((first * 100 + a * 10 + b, 3));
            }
        }
    }
    out.extend(small_readings(toks, i));
    out
}

/// "hundreog", "hundredog", "tohundreog": a whole hundred as speech recognition writes it
/// glued to the "og" after it, or with letters on ("hundred", "hundret", "hundrede").
fn glued_hundred(w: &str) -> Option<u32> {
    if number_value(w).is_some() {
        return None;
    }
    let base = w.strip_suffix("og").unwrap_or(w);
    ["", "d", "t", "de", "et"]
        .iter()
        .filter_map(|end| base.strip_suffix(end))
        .find_map(|b| number_value(b).filter(|n| *n >= 100 && n % 100 == 0 && *n < 1000))
}

/// [`number_readings`] below a hundred (and single words of any value).
fn small_readings(toks: &[Tok], i: usize) -> Vec<(u32, usize)> {
    let mut out = Vec::new();
    let Some(first) = toks.get(i).and_then(|t| number_value(&t.w)) else { return out };
    let next = |k: usize| toks.get(i + k).and_then(|t| number_value(&t.w));
    let is_word = |k: usize, w: &str| toks.get(i + k).is_some_and(|t| t.w == w);
    if (1..10).contains(&first) && is_word(1, "og") {
        if let Some(t) = next(2).filter(|t| *t >= 20 && t % 10 == 0 && *t < 100) {
            out.push((t + first, 3));
        }
    }
    if first >= 20 && first % 10 == 0 && first < 100 {
        if let Some(u) = next(1).filter(|u| (1..10).contains(u)) {
            out.push((first + u, 2));
        } else if let Some(u) = toks.get(i + 1).and_then(|t| misheard_unit(&t.w)) {
            // Tens written as digits with the unit misheard: "30 nye" for "trettini".
            out.push((first + u, 2));
        }
    }
    if first < 10 && !toks[i].w.bytes().all(|b| b.is_ascii_digit()) {
        // "tre fire" for 34, and a zero-padded number read out: "null åtte" for 08.
        if let Some(u) = next(1).filter(|u| *u < 10) {
            out.push((first * 10 + u, 2));
        }
    }
    out.push((first, 1));
    out
}

/// A unit number word (1..9) as speech recognition misspells it ("nye" for "ni", "sex" for
/// "seks"): the unit whose spoken form is uniquely nearest in sound.
fn misheard_unit(w: &str) -> Option<u32> {
    let k = phonetic(w);
    if k.chars().count() < 2 || number_value(w).is_some() {
        return None;
    }
    let mut hits =
        (1..10u32).filter(|u| number_forms(*u).iter().any(|f| f.chars().count() >= 2 && similarity_chars(&k, &phonetic(f)) >= 0.6));
    match (hits.next(), hits.next()) {
        (Some(u), None) => Some(u),
        _ => None,
    }
}

/// Words about a break: a break word ("lunsj", "pause") or its length ("vi tar ti minutter").
pub fn says_break(toks: &[Tok]) -> bool {
    toks.iter().any(|t| cue("break_words").word(&t.w)) || cue("break_phrases").find(toks).is_some()
}

// ---------------------------------------------------------------- phrases

/// Share of the words of `texts` that only Nynorsk has (`rules.toml`, `[words]
/// nynorsk_markers`): how much of the speech is Nynorsk.
pub fn nynorsk_share<'a>(texts: impl Iterator<Item = &'a str>) -> f64 {
    let markers = &rules().nynorsk_markers;
    let (mut hits, mut all) = (0usize, 0usize);
    for t in texts {
        for tok in tokens(t) {
            all += 1;
            hits += usize::from(markers.contains(&tok.w));
        }
    }
    if all == 0 {
        0.0
    } else {
        hits as f64 / all as f64
    }
}

/// `text` with each word the Nynorsk table knows (`[words.nynorsk]`) in its Bokmål form, the
/// first letter's case kept.
pub fn with_bokmal_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for t in tokens(text) {
        if let Some(b) = bokmål_of(&t.w) {
            out.push_str(&text[last..t.start]);
            let upper = text[t.start..].chars().next().is_some_and(char::is_uppercase);
            if upper {
                let mut c = b.chars();
                out.extend(c.next().map(|f| f.to_uppercase().collect::<String>()));
                out.push_str(c.as_str());
            } else {
                out.push_str(b);
            }
            last = t.end;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// The Bokmål forms a Nynorsk word (lower-case) may stand for: from the word table, and by
/// swapping its ending, a stem, or both ("pengane" → "pengene", "fleire" → "flere"). Candidates
/// only: the caller checks them against a dictionary.
pub fn bokmål_forms(w: &str) -> Vec<String> {
    let r = rules();
    let mut out: Vec<String> = r.nynorsk.get(w).cloned().into_iter().collect();
    let mut stems = vec![w.to_string()];
    for (nn, nb) in &r.nynorsk_stems {
        if let Some(i) = w.find(nn.as_str()) {
            stems.push(format!("{}{nb}{}", &w[..i], &w[i + nn.len()..]));
        }
    }
    for s in &stems {
        if s != w {
            out.push(s.clone());
        }
        for (nn, nb) in &r.nynorsk_endings {
            if let Some(head) = s.strip_suffix(nn.as_str()).filter(|h| h.chars().count() >= 2) {
                out.push(format!("{head}{nb}"));
            }
        }
    }
    out
}

/// The Bokmål word a cue phrase uses for the spoken Nynorsk word `w` (lower-case), if it
/// differs: one table (`rules.toml`, `[words] nynorsk`) lets every cue hear both standards.
pub fn bokmål_of(w: &str) -> Option<&'static str> {
    rules().nynorsk.get(w).map(String::as_str)
}

/// One word slot of a phrase.
#[derive(Debug, Clone)]
struct Slot {
    /// Alternatives; a trailing '*' in the source makes one a prefix.
    alts: Vec<(String, bool)>,
    optional: bool,
}

impl Slot {
    fn matches(&self, w: &str) -> bool {
        self.alts.iter().any(|(a, prefix)| if *prefix { w.starts_with(a.as_str()) } else { w == a })
    }
}

/// A list of cue phrases, matched on word boundaries (see the syntax in `rules.toml`).
#[derive(Debug, Clone)]
pub struct Phrases {
    phrases: Vec<Vec<Slot>>,
}

impl Phrases {
    pub fn new<S: AsRef<str>>(list: &[S]) -> Phrases {
        let phrases = list
            .iter()
            .map(|p| {
                p.as_ref()
                    .split_whitespace()
                    .map(|slot| {
                        let (slot, optional) = match slot.strip_suffix('?') {
                            Some(s) => (s, true),
                            None => (slot, false),
                        };
                        let alts = slot
                            .split('|')
                            .map(|a| match a.strip_suffix('*') {
                                Some(p) => (p.to_lowercase(), true),
                                None => (a.to_lowercase(), false),
                            })
                            .collect();
                        Slot { alts, optional }
                    })
                    .collect()
            })
            .collect();
        Phrases { phrases }
    }

    /// Words used by a match of one phrase starting at `toks[i]`, if it matches there.
    fn match_at(slots: &[Slot], toks: &[Tok], i: usize) -> Option<usize> {
        let Some((first, rest)) = slots.split_first() else { return Some(0) };
        if let Some(t) = toks.get(i) {
            if first.matches(&t.w) || bokmål_of(&t.w).is_some_and(|b| first.matches(b)) {
                if let Some(n) = Self::match_at(rest, toks, i + 1) {
                    return Some(n + 1);
                }
            }
        }
        if first.optional {
            return Self::match_at(rest, toks, i);
        }
        None
    }

    /// Words used by the longest phrase matching at `toks[i]`.
    pub fn at(&self, toks: &[Tok], i: usize) -> Option<usize> {
        self.phrases.iter().filter_map(|p| Self::match_at(p, toks, i)).filter(|&n| n > 0).max()
    }

    /// The first match in `toks`: (first word, words used).
    pub fn find(&self, toks: &[Tok]) -> Option<(usize, usize)> {
        (0..toks.len()).find_map(|i| self.at(toks, i).map(|n| (i, n)))
    }

    /// True when any phrase occurs in `text`.
    pub fn in_text(&self, text: &str) -> bool {
        self.find(&tokens(text)).is_some()
    }

    /// True when `text` starts with one of the phrases (after punctuation).
    pub fn starts(&self, text: &str) -> bool {
        self.at(&tokens(text), 0).is_some()
    }

    /// True when the whole of `text` is one of the phrases.
    pub fn whole(&self, text: &str) -> bool {
        let toks = tokens(text);
        !toks.is_empty() && self.phrases.iter().any(|p| Self::match_at(p, &toks, 0) == Some(toks.len()))
    }

    /// The one-word phrases, as written (prefix marks dropped).
    pub fn phrases_words(&self) -> Vec<String> {
        self.phrases.iter().filter(|p| p.len() == 1).flat_map(|p| p[0].alts.iter().map(|(a, _)| a.clone())).collect()
    }

    /// True when the single word `w` (lower-case) is one of the one-word phrases.
    pub fn word(&self, w: &str) -> bool {
        let nb = bokmål_of(w);
        self.phrases.iter().any(|p| p.len() == 1 && (p[0].matches(w) || nb.is_some_and(|b| p[0].matches(b))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nynorsk_speech_is_told_from_bokmal_and_its_words_carried_over() {
        assert!(nynorsk_share(["Eg meiner at vi ikkje bør gjere det, berre vente."].into_iter()) > 0.2);
        assert_eq!(nynorsk_share(["Jeg mener at vi ikke bør gjøre det, bare vente."].into_iter()), 0.0);
        assert_eq!(with_bokmal_words("Då er framlegget samrøystes vedteke."), "Da er forslaget enstemmig vedtatt.");
        assert!(bokmål_forms("pengane").contains(&"pengene".to_string()));
        assert!(bokmål_forms("vanskeleg").contains(&"vanskelig".to_string()));
    }

    #[test]
    fn rules_file_parses() {
        let r = Rules::parse(RULES_TOML).unwrap();
        assert!(r.stop.contains("og"));
        assert!(!r.cue("moves_on").phrases.is_empty());
        assert_eq!(
            nynorsk_register("Framlegget vart vedteke med 6 mot 3 stemmer. Vedtaket var einstemmig. Det stemmer, men Per stemte imot."),
            "Framlegget vart vedteke med 6 mot 3 røyster. Vedtaket var samrøystes. Det stemmer, men Per røysta imot."
        );
        assert_eq!(
            in_third_person("Jeg var til stede, men jeg hadde meldt forfall. Det var Per som møtte for meg i min plass.", "Kari Dahl"),
            "Kari Dahl var til stede, men Kari Dahl hadde meldt forfall. Det var Per som møtte for Kari Dahl i Kari Dahls plass."
        );
        assert_eq!(finish_sentence("kravene er sikkert gode, ."), "Kravene er sikkert gode.");
        assert_eq!(finish_sentence("Er det greit?"), "Er det greit?");
        assert!(!r.register.is_empty());
    }

    #[test]
    fn tokens_have_offsets_and_split_on_punctuation() {
        let t = tokens("Sak 13/25: e-helseråd.");
        let w: Vec<&str> = t.iter().map(|t| t.w.as_str()).collect();
        assert_eq!(w, ["sak", "13", "25", "e", "helseråd"]);
        assert_eq!(t[2].before("Sak 13/25: e-helseråd."), Some('/'));
        assert_eq!(&"Sak 13/25"[t[1].start..t[1].end], "13");
    }

    #[test]
    fn sentences_split_but_not_after_abbreviations() {
        assert_eq!(split_sentences("Det gjelder f.eks. Helse Vest. Neste punkt."), ["Det gjelder f.eks. Helse Vest.", "Neste punkt."]);
    }

    #[test]
    fn stems_share_inflections() {
        for group in
            [["kommunene", "kommunen", "kommuner"], ["anskaffelser", "anskaffelse", "anskaffelsene"], ["tydelig", "tydelige", "tydeligere"]]
        {
            let s = stem(group[0]);
            assert!(group.iter().all(|w| stem(w) == s), "{group:?}: {:?}", group.map(stem));
        }
        assert_ne!(stem("kompetanse"), stem("kompensasjon"));
        assert!(stem_match(&stem("samtykke"), &stem("samtykkebestemmelsene")) > 0.0);
        assert_eq!(content_stems("Da går vi til kjernejournalen"), vec![stem("kjernejournalen")]);
    }

    #[test]
    fn every_spoken_number_from_1_to_99_reads_back() {
        for n in 1..100u32 {
            for f in number_forms(n) {
                assert_eq!(number_value(f), Some(n), "{f}");
            }
            // the canonical word, and the tens and unit written apart
            assert_eq!(number_value(&number_word(n)), Some(n));
            if n >= 20 && n % 10 != 0 {
                let apart = format!("{} {}", number_word(n / 10 * 10), number_word(n % 10));
                assert!(number_readings(&tokens(&apart), 0).contains(&(n, 2)), "{apart}");
                let old = format!("{} og {}", number_word(n % 10), number_word(n / 10 * 10));
                assert!(number_readings(&tokens(&old), 0).contains(&(n, 3)), "{old}");
            }
        }
        assert_eq!(number_word(34), "trettifire");
        assert_eq!(number_value("syv"), Some(7));
        assert_eq!(number_value("tredvefem"), Some(35));
        assert_eq!(number_value("34"), Some(34));
        // digits read singly
        assert!(number_readings(&tokens("tre fire"), 0).contains(&(34, 2)));
        assert!(number_readings(&tokens("åtte-sju"), 0).contains(&(87, 2)));
        assert!(number_readings(&tokens("null åtte"), 0).contains(&(8, 2)));
        // "to og tre" is two numbers, not one
        assert_eq!(number_readings(&tokens("to og tre"), 0), vec![(2, 1)]);
    }

    #[test]
    fn numbers_in_the_hundreds_read_back_in_every_spoken_form() {
        for n in 100..=MAX_SPOKEN {
            for f in number_forms(n) {
                assert_eq!(number_value(f), Some(n), "{f}");
            }
        }
        let reads = |s: &str, n: u32| number_readings(&tokens(s), 0).iter().any(|r| r.0 == n);
        for (said, n) in [
            ("hundre og tolv", 112),
            ("hundreogtolv", 112),
            ("hundredog 16", 116),
            ("hundreog tolv", 112),
            ("hundrede nitten", 119),
            ("ett hundre og tolv", 112),
            ("etthundreogfjorten", 114),
            ("hundre og tretti fire", 134),
            ("tohundre og fem", 205),
            ("to hundre", 200),
            ("100 og 12", 112),
            ("en en fem", 115),
            ("én-én-seks", 116),
            ("112", 112),
        ] {
            assert!(reads(said, n), "{said} -> {n}: {:?}", number_readings(&tokens(said), 0));
        }
        // a unit before a digit hundred is not a hundreds count ("2 100" is two numbers)
        assert!(!reads("2 100", 200));
    }

    #[test]
    fn phrases_match_on_word_boundaries_with_choices_prefixes_and_options() {
        let p = Phrases::new(&["da går|gå vi videre|over? til", "oppsummer*"]);
        assert!(p.in_text("Takk. Da går vi til sak fjorten."));
        assert!(p.in_text("Da gå vi over til neste sak."));
        assert!(p.in_text("Jeg oppsummerer."));
        assert!(!p.in_text("Dagens vi går til"));
        assert!(!p.in_text("Vi går til"));
        // word boundaries: "pause" is not found inside "pauseknapp" unless the phrase says so
        assert!(!Phrases::new(&["pause"]).in_text("pauseknappen"));
        assert!(Phrases::new(&["pause*"]).in_text("pauseknappen"));
        assert!(Phrases::new(&["ja", "ja takk"]).whole("Ja, takk."));
        assert!(!Phrases::new(&["ja"]).whole("Ja, det er riktig."));
    }

    #[test]
    fn fuzzy_and_phonetic_helpers() {
        assert_eq!(levenshtein("fjorden", "fjorten"), 1);
        assert!(fuzzy_contains("Takk, da opp som er grei, Nafsjonalte er helser rådene befaller at", "Nasjonalt e-helseråd", 0.7));
        assert!(!fuzzy_contains("Kommunene er for svakt representert i utvalgene.", "Nasjonalt e-helseråd", 0.7));
        assert_eq!(phonetic("Trettifire"), phonetic("tretifire"));
        assert_eq!(phonetic("søtti"), phonetic("sotti"));
        assert!(token_f1("Kommunene trenger tydelige krav.", "kommunen trenger tydelig krav") > 0.99);
    }
}
