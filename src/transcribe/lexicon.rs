//! Lexical correction after ASR, and the confidence of a stretch of transcript.
//!
//! Whisper base writes much Norwegian speech with Swedish or Danish spellings ("trænger",
//! "möte"), drops doubled consonants ("inkaling") and half-hears names. The corrector replaces
//! a word only when it is *not* Norwegian (not in the Bokmål hunspell dictionary, not a
//! compound of its words, not one of the meeting's own names and terms) and one Norwegian word
//! is clearly the closest: by a weighted edit distance (cheap for the spelling differences in
//! `lexicon_nb.toml`), by word frequency (wordfreq's Bokmål list), and by context (the word is
//! in the meeting file or was said elsewhere in the meeting). Whisper's own text stays in
//! `Segment::asr_text`; a segment the secretary edited is never touched.
//!
//! The word lists: Debian's hunspell dictionary (`nb_NO.aff`/`.dic`, package `hunspell-no`)
//! and wordfreq's `large_nb.msgpack.gz` (installed by `referat models install`, pinned and
//! hashed in models/manifest.toml); see [`crate::models::lexicon_files`].

use crate::artifact::{Segment, Span, Word};
use crate::meeting::Meeting;
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------- files

/// Where the word lists are.
#[derive(Debug, Clone, PartialEq)]
pub struct LexiconFiles {
    pub hunspell_aff: PathBuf,
    pub hunspell_dic: PathBuf,
    /// wordfreq's frequency list (msgpack, gzip).
    pub wordfreq: PathBuf,
}

impl LexiconFiles {
    /// A cheap fingerprint of the three files (path, size, mtime) for transcript.json's inputs.
    pub fn fingerprint(&self) -> Result<String> {
        let parts: Vec<String> = [&self.hunspell_aff, &self.hunspell_dic, &self.wordfreq]
            .iter()
            .map(|p| crate::workdir::file_fingerprint(p))
            .collect::<Result<_>>()?;
        Ok(crate::workdir::sha256_bytes(parts.join("|").as_bytes()))
    }
}

// ---------------------------------------------------------------- rules (lexicon_nb.toml)

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    cheap_cost: f32,
    cheap_pairs: Vec<[String; 2]>,
    double_cost: f32,
    rewrite_cost: f32,
    rewrites: Vec<[String; 2]>,
}

const RULES_TOML: &str = include_str!("lexicon_nb.toml");

struct Costs {
    cheap: HashSet<(char, char)>,
    cheap_cost: f32,
    double_cost: f32,
    rewrite_cost: f32,
    rewrites: Vec<(String, String)>,
}

impl Costs {
    fn embedded() -> Costs {
        // A committed data file checked by the tests: failing to parse it is a build bug.
        let r: RulesFile = toml::from_str(RULES_TOML).expect("src/transcribe/lexicon_nb.toml is valid");
        let mut cheap = HashSet::new();
        for [a, b] in &r.cheap_pairs {
            let (a, b) = (one_char(a), one_char(b));
            cheap.insert((a, b));
            cheap.insert((b, a));
        }
        let rewrites = r.rewrites.into_iter().map(|[a, b]| (a, b)).collect();
        Costs { cheap, cheap_cost: r.cheap_cost, double_cost: r.double_cost, rewrite_cost: r.rewrite_cost, rewrites }
    }

    fn sub(&self, a: char, b: char) -> f32 {
        if a == b {
            0.0
        } else if self.cheap.contains(&(a, b)) {
            self.cheap_cost
        } else {
            1.0
        }
    }
}

fn one_char(s: &str) -> char {
    let mut c = s.chars();
    match (c.next(), c.next()) {
        (Some(x), None) => x,
        _ => panic!("src/transcribe/lexicon_nb.toml: {s:?} in cheap_pairs is not one letter"),
    }
}

// ---------------------------------------------------------------- hunspell

/// One affix rule: remove `strip`, add `add`, where the stem matches `cond`.
#[derive(Debug, Clone)]
struct Affix {
    flag: char,
    cross: bool,
    strip: String,
    cond: Vec<CondElem>,
}

#[derive(Debug, Clone)]
enum CondElem {
    Any,
    Char(char),
    Set(bool, Vec<char>),
}

impl CondElem {
    fn matches(&self, c: char) -> bool {
        match self {
            CondElem::Any => true,
            CondElem::Char(x) => *x == c,
            CondElem::Set(neg, cs) => cs.contains(&c) != *neg,
        }
    }
}

fn parse_cond(s: &str) -> Vec<CondElem> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '.' => out.push(CondElem::Any),
            '[' => {
                let neg = it.peek() == Some(&'^');
                if neg {
                    it.next();
                }
                let mut set = Vec::new();
                for c in it.by_ref() {
                    if c == ']' {
                        break;
                    }
                    set.push(c);
                }
                out.push(CondElem::Set(neg, set));
            }
            c => out.push(CondElem::Char(c)),
        }
    }
    out
}

/// A hunspell dictionary checked by affix stripping (no expansion: 330,000 stems stay 330,000
/// entries), with a looser compounding than hunspell's (see `check_compound`).
struct Hunspell {
    /// Lower-cased stem → its flags (entries differing only in case are merged).
    stems: HashMap<String, Vec<char>>,
    /// Suffix rules by their (lower-case) added string.
    sfx: HashMap<String, Vec<Affix>>,
    pfx: HashMap<String, Vec<Affix>>,
    max_sfx: usize,
    max_pfx: usize,
}

/// Bytes of a hunspell file in its declared encoding (nb_NO is ISO-8859-1).
fn decode_text(bytes: &[u8], latin1: bool) -> String {
    if latin1 {
        bytes.iter().map(|&b| b as char).collect()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

impl Hunspell {
    fn load(aff: &Path, dic: &Path) -> Result<Hunspell> {
        let aff_bytes = std::fs::read(aff).with_context(|| format!("cannot read the hunspell affix file {}", aff.display()))?;
        let head = String::from_utf8_lossy(&aff_bytes[..aff_bytes.len().min(4096)]).to_string();
        let latin1 = head.lines().any(|l| {
            let l = l.trim().to_uppercase();
            l.starts_with("SET ") && (l.contains("8859-1") || l.contains("8859-15"))
        });
        let aff_text = decode_text(&aff_bytes, latin1);
        let mut h = Hunspell { stems: HashMap::new(), sfx: HashMap::new(), pfx: HashMap::new(), max_sfx: 0, max_pfx: 0 };
        let mut cross: HashMap<(bool, char), bool> = HashMap::new();
        for line in aff_text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            match f.as_slice() {
                ["FLAG", kind, ..] => bail!("{}: FLAG {kind} is not supported (one-letter flags only)", aff.display()),
                [kind @ ("PFX" | "SFX"), fl, y, _n] if *y == "Y" || *y == "N" => {
                    let flag = fl.chars().next().context("empty affix flag")?;
                    cross.insert((*kind == "PFX", flag), *y == "Y");
                }
                [kind @ ("PFX" | "SFX"), fl, strip, add, cond, ..] => {
                    let prefix = *kind == "PFX";
                    let flag = fl.chars().next().context("empty affix flag")?;
                    let add = add.split('/').next().unwrap_or("");
                    let add = if add == "0" { String::new() } else { add.to_lowercase() };
                    let strip = if *strip == "0" { String::new() } else { strip.to_lowercase() };
                    let a = Affix {
                        flag,
                        cross: cross.get(&(prefix, flag)).copied().unwrap_or(false),
                        strip,
                        cond: parse_cond(&cond.to_lowercase()),
                    };
                    let n = add.chars().count();
                    if prefix {
                        h.max_pfx = h.max_pfx.max(n);
                        h.pfx.entry(add).or_default().push(a);
                    } else {
                        h.max_sfx = h.max_sfx.max(n);
                        h.sfx.entry(add).or_default().push(a);
                    }
                }
                _ => {}
            }
        }
        let dic_bytes = std::fs::read(dic).with_context(|| format!("cannot read the hunspell dictionary {}", dic.display()))?;
        let dic_text = decode_text(&dic_bytes, latin1);
        for line in dic_text.lines().skip(1) {
            let entry = line.split(['\t', ' ']).next().unwrap_or("");
            if entry.is_empty() {
                continue;
            }
            let (word, flags) = match entry.split_once('/') {
                Some((w, f)) => (w, f),
                None => (entry, ""),
            };
            let e = h.stems.entry(word.to_lowercase()).or_default();
            for c in flags.chars() {
                if !e.contains(&c) {
                    e.push(c);
                }
            }
        }
        if h.stems.len() < 1000 {
            bail!("{} has only {} words: it is not a full dictionary", dic.display(), h.stems.len());
        }
        Ok(h)
    }

    /// Is `w` (lower case) a stem or an affixed form of one?
    fn check(&self, w: &str) -> bool {
        let ok = |stem: &str, flag: Option<char>| -> bool {
            match self.stems.get(stem) {
                Some(f) => flag.is_none_or(|x| f.contains(&x)),
                None => false,
            }
        };
        if ok(w, None) {
            return true;
        }
        // Suffixes, each optionally combined with a prefix (cross product). Byte offsets of
        // the last `max_sfx` character boundaries, so no string is built unless a rule fits.
        let ends = std::iter::once(w.len()).chain(w.char_indices().rev().map(|(i, _)| i)).take(self.max_sfx + 1);
        for cut in ends {
            let Some(rules) = self.sfx.get(&w[cut..]) else { continue };
            let rest = &w[..cut];
            for r in rules {
                let stem = format!("{rest}{}", r.strip);
                if !cond_matches_end(&r.cond, &stem) {
                    continue;
                }
                if ok(&stem, Some(r.flag)) {
                    return true;
                }
                if r.cross && self.check_prefix(&stem, Some(r.flag)) {
                    return true;
                }
            }
        }
        self.check_prefix(w, None)
    }

    /// Is `w` a prefixed stem (whose stem also has `also` when given)?
    fn check_prefix(&self, w: &str, also: Option<char>) -> bool {
        let cuts = w.char_indices().map(|(i, c)| i + c.len_utf8()).take(self.max_pfx);
        for cut in cuts {
            let Some(rules) = self.pfx.get(&w[..cut]) else { continue };
            let rest = &w[cut..];
            for r in rules {
                if also.is_some() && !r.cross {
                    continue;
                }
                let stem = format!("{}{rest}", r.strip);
                if !cond_matches_start(&r.cond, &stem) {
                    continue;
                }
                if let Some(f) = self.stems.get(&stem) {
                    if f.contains(&r.flag) && also.is_none_or(|a| f.contains(&a)) {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// A compound of two or three parts of at least four letters: the first parts
    /// stems (of the dictionary, or words `extra` accepts), optionally followed by the binding
    /// "s" or "e" of Norwegian compounds (arbeid-s-giver); the last part any form of a word.
    /// Looser than hunspell's own rule (stems with the compound flag only): nb_NO flags too few
    /// stems for the compounds people say (drøftingssak, innspillsmøte).
    fn check_compound(&self, w: &str, extra: &dyn Fn(&str) -> bool, depth: usize) -> bool {
        let chars: Vec<char> = w.chars().collect();
        // nb_NO's COMPOUNDMIN. Three letters would let far more misheard words pass as
        // compounds (measured: a third fewer corrections on the tuning meetings).
        let min = 4;
        if chars.len() < 2 * min {
            return false;
        }
        let stem = |p: &str| self.stems.contains_key(p) || extra(p);
        for i in min..=chars.len() - min {
            let head: String = chars[..i].iter().collect();
            let head_ok = stem(&head) || (i > min && matches!(chars[i - 1], 's' | 'e') && stem(&head[..head.len() - 1]));
            if !head_ok {
                continue;
            }
            let tail: String = chars[i..].iter().collect();
            if self.check(&tail) || extra(&tail) || (depth < 1 && self.check_compound(&tail, extra, depth + 1)) {
                return true;
            }
        }
        false
    }
}

fn cond_matches_end(cond: &[CondElem], stem: &str) -> bool {
    let mut it = stem.chars().rev();
    cond.iter().rev().all(|e| it.next().is_some_and(|c| e.matches(c)))
}

fn cond_matches_start(cond: &[CondElem], stem: &str) -> bool {
    let mut it = stem.chars();
    cond.iter().all(|e| it.next().is_some_and(|c| e.matches(c)))
}

// ---------------------------------------------------------------- wordfreq

/// wordfreq's "cB" list: a msgpack array whose first element is a header and whose element i
/// holds the words of frequency 10^(-i/100) (centibels), most frequent first.
fn load_wordfreq(path: &Path) -> Result<HashMap<String, u16>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open the word frequency list {}", path.display()))?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::io::BufReader::new(f))
        .read_to_end(&mut bytes)
        .with_context(|| format!("{} is not a gzip file: reinstall it with `referat models install`", path.display()))?;
    let mut r = MsgPack { b: &bytes, i: 0 };
    let bad = || format!("{} is not a wordfreq cB list: reinstall it with `referat models install`", path.display());
    let n = r.array_len().with_context(bad)?;
    let mut out = HashMap::new();
    for bucket in 0..n {
        if bucket == 0 {
            r.skip().with_context(bad)?;
            continue;
        }
        let m = r.array_len().with_context(bad)?;
        for _ in 0..m {
            let w = r.str().with_context(bad)?;
            out.entry(w.to_string()).or_insert(bucket.min(u16::MAX as usize) as u16);
        }
    }
    if out.len() < 1000 {
        bail!("{} has only {} words", path.display(), out.len());
    }
    Ok(out)
}

/// Just enough msgpack for wordfreq's lists: arrays, strings, a header map.
struct MsgPack<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> MsgPack<'a> {
    fn byte(&mut self) -> Result<u8> {
        let x = *self.b.get(self.i).context("truncated msgpack")?;
        self.i += 1;
        Ok(x)
    }
    fn be(&mut self, n: usize) -> Result<usize> {
        let mut v = 0usize;
        for _ in 0..n {
            v = (v << 8) | self.byte()? as usize;
        }
        Ok(v)
    }
    fn array_len(&mut self) -> Result<usize> {
        match self.byte()? {
            t @ 0x90..=0x9f => Ok((t & 0x0f) as usize),
            0xdc => self.be(2),
            0xdd => self.be(4),
            t => bail!("msgpack: expected an array, found type 0x{t:02x}"),
        }
    }
    fn str_len(&mut self, t: u8) -> Result<usize> {
        match t {
            0xa0..=0xbf => Ok((t & 0x1f) as usize),
            0xd9 => self.be(1),
            0xda => self.be(2),
            0xdb => self.be(4),
            t => bail!("msgpack: expected a string, found type 0x{t:02x}"),
        }
    }
    fn str(&mut self) -> Result<&'a str> {
        let t = self.byte()?;
        let n = self.str_len(t)?;
        let s = self.b.get(self.i..self.i + n).context("truncated msgpack")?;
        self.i += n;
        std::str::from_utf8(s).context("msgpack: string is not UTF-8")
    }
    /// Skip one value of the kinds wordfreq uses (the header map).
    fn skip(&mut self) -> Result<()> {
        let t = self.byte()?;
        match t {
            0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => Ok(()),
            0x80..=0x8f => {
                for _ in 0..2 * (t & 0x0f) {
                    self.skip()?;
                }
                Ok(())
            }
            0x90..=0x9f => {
                for _ in 0..(t & 0x0f) {
                    self.skip()?;
                }
                Ok(())
            }
            0xa0..=0xbf | 0xd9 | 0xda | 0xdb => {
                let n = self.str_len(t)?;
                self.i += n;
                Ok(())
            }
            0xcc => self.be(1).map(drop),
            0xcd => self.be(2).map(drop),
            0xce => self.be(4).map(drop),
            t => bail!("msgpack: unsupported type 0x{t:02x}"),
        }
    }
}

/// Zipf frequency (log10 of occurrences per billion words) of a wordfreq bucket.
fn zipf(bucket: u16) -> f32 {
    9.0 - bucket as f32 / 100.0
}

// ---------------------------------------------------------------- lexicon

/// The Bokmål lexicon: the hunspell dictionary to tell a word from a non-word, the frequency
/// list to rank candidates. Loaded once per run (about a second).
pub struct Lexicon {
    hunspell: Hunspell,
    freq: HashMap<String, u16>,
    /// Candidate corrections: frequency-list words the dictionary accepts, sorted.
    pool: Vec<Vec<char>>,
    costs: Costs,
    /// The Nynorsk dictionary beside the Bokmål one (same package), loaded when a Nynorsk
    /// meeting first asks; `None` inside when it is not installed.
    nynorsk_files: (PathBuf, PathBuf),
    nynorsk: std::sync::OnceLock<Option<Hunspell>>,
}

impl Lexicon {
    pub fn load(files: &LexiconFiles) -> Result<Lexicon> {
        let hunspell = Hunspell::load(&files.hunspell_aff, &files.hunspell_dic)?;
        let freq = load_wordfreq(&files.wordfreq)?;
        let mut pool: Vec<Vec<char>> = freq
            .keys()
            .filter(|w| w.chars().count() >= 2 && w.chars().all(|c| c.is_alphabetic() || c == '-'))
            .filter(|w| hunspell.check(w))
            .map(|w| w.chars().collect())
            .collect();
        pool.sort();
        let nynorsk_files = (files.hunspell_aff.with_file_name("nn_NO.aff"), files.hunspell_dic.with_file_name("nn_NO.dic"));
        Ok(Lexicon { hunspell, freq, pool, costs: Costs::embedded(), nynorsk_files, nynorsk: Default::default() })
    }

    /// Is `w` a Bokmål word (any case): in the dictionary, or a compound of its words?
    pub fn is_word(&self, w: &str) -> bool {
        self.is_word_with(&w.to_lowercase(), &|_| false)
    }

    /// [`Lexicon::is_word`] for a lower-case word, with `extra` words (the meeting's) allowed
    /// as parts of compounds.
    fn is_word_with(&self, l: &str, extra: &dyn Fn(&str) -> bool) -> bool {
        self.hunspell.check(l) || self.hunspell.check_compound(l, extra, 0)
    }

    /// Is `l` (lower case) a Nynorsk word ("noko", "tysdag")? False when nn_NO is missing.
    fn is_nynorsk_word(&self, l: &str) -> bool {
        let nn = self.nynorsk.get_or_init(|| Hunspell::load(&self.nynorsk_files.0, &self.nynorsk_files.1).ok());
        nn.as_ref().is_some_and(|h| h.check(l) || h.check_compound(l, &|_| false, 0))
    }

    /// wordfreq's Zipf frequency of `w` (lower case), if listed.
    pub fn zipf(&self, w: &str) -> Option<f32> {
        self.freq.get(&w.to_lowercase()).map(|&b| zipf(b))
    }

    /// Pool words within `max_cost` of `w` (weighted edit distance), with their cost.
    fn near(&self, w: &[char], start_cost: f32, max_cost: f32, out: &mut HashMap<String, f32>) {
        // Depth-first over the sorted pool as an implicit trie: a block of words sharing a
        // prefix is one node; one row of the edit-distance table per depth, reused.
        let mut rows = vec![vec![0f32; w.len() + 1]; w.len() + max_cost.ceil() as usize * 2 + 2];
        for (j, cell) in rows[0].iter_mut().enumerate() {
            *cell = start_cost + (0..j).map(|k| if k > 0 && w[k] == w[k - 1] { self.costs.double_cost } else { 1.0 }).sum::<f32>();
        }
        let mut s = Search { lex: self, w, max_cost, rows, out };
        s.descend(0, self.pool.len(), 0);
    }
}

/// One nearest-word search over the pool.
struct Search<'a, 'b> {
    lex: &'a Lexicon,
    w: &'b [char],
    max_cost: f32,
    rows: Vec<Vec<f32>>,
    out: &'b mut HashMap<String, f32>,
}

impl Search<'_, '_> {
    fn descend(&mut self, lo: usize, hi: usize, depth: usize) {
        let pool = &self.lex.pool;
        let n = self.w.len();
        let mut i = lo;
        // A pool word equal to the prefix sorts first in its block.
        if i < hi && pool[i].len() == depth {
            let cost = self.rows[depth][n];
            if cost <= self.max_cost {
                let e = self.out.entry(pool[i].iter().collect()).or_insert(f32::MAX);
                *e = e.min(cost);
            }
            i += 1;
        }
        if depth + 1 >= self.rows.len() {
            return;
        }
        let costs = &self.lex.costs;
        while i < hi {
            let c = pool[i][depth];
            let j = i + pool[i..hi].partition_point(|p| p[depth] <= c);
            let ins = if depth > 0 && pool[i][depth - 1] == c { costs.double_cost } else { 1.0 };
            let (done, next) = self.rows.split_at_mut(depth + 1);
            let (row, next) = (&done[depth], &mut next[0]);
            next[0] = row[0] + ins;
            let mut best = next[0];
            for k in 1..=n {
                let del = if k > 1 && self.w[k - 1] == self.w[k - 2] { costs.double_cost } else { 1.0 };
                next[k] = (row[k - 1] + costs.sub(self.w[k - 1], c)).min(row[k] + ins).min(next[k - 1] + del);
                best = best.min(next[k]);
            }
            if best <= self.max_cost {
                self.descend(i, j, depth + 1);
            }
            i = j;
        }
    }
}

// ---------------------------------------------------------------- corrector

/// How sure the corrector must be (tuned on the tuning meetings' ASR output and on their true
/// transcripts, where it must change fewer than 1 word in 1,000).
mod tune {
    /// Largest edit cost accepted, by word length (letters).
    pub fn max_cost(len: usize) -> f32 {
        match len {
            0..=3 => 0.0,
            4..=5 => 1.0,
            6..=8 => 2.0,
            _ => 2.0,
        }
    }
    /// Cost per Zipf unit below 6 (rare candidates need more evidence).
    pub const RARITY: f32 = 0.15;
    /// Bonus for a candidate the meeting file uses.
    pub const MEETING_BONUS: f32 = 0.5;
    /// Bonus for a candidate already said (as a Norwegian word) in this meeting.
    pub const SEEN_BONUS: f32 = 0.25;
    /// The best candidate must beat the second by this much.
    pub const MARGIN: f32 = 0.2;
    /// A word the frequency list has (though the dictionary does not) is replaced only by a
    /// word this many Zipf units more frequent, within this edit cost.
    pub const LISTED_ZIPF_GAP: f32 = 2.0;
    pub const LISTED_MAX_COST: f32 = 1.0;
    /// Rarer listings do not count as evidence that a word exists.
    pub const LISTED_MIN_ZIPF: f32 = 1.5;
    /// A word the frequency list has at least this often is never replaced.
    pub const COMMON_ZIPF: f32 = 4.0;
    /// ... and, if no correction is found, counts as known from this frequency on.
    pub const KNOWN_ZIPF: f32 = 3.0;
}

/// Noun and verb endings that a meeting word (a name, a term from the agenda) takes in speech.
const INFLECTIONS: &[&str] = &["en", "et", "a", "ene", "er", "ens", "ets", "s", "e", "t", "ne", "ane", "erne"];

/// A possible correction: its edit cost and its score (cost, rarity and context; lower is
/// better).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub score: f32,
    pub cost: f32,
    pub word: String,
}

/// What became of one word.
#[derive(Debug, Clone, PartialEq)]
pub enum Fate {
    /// A Norwegian word, a number, an acronym or a name from the meeting: left alone.
    Known,
    /// Replaced.
    Corrected(String),
    /// Not Norwegian and no correction was certain enough.
    Unknown,
}

/// The corrector for one meeting: the lexicon plus the meeting's own words.
pub struct Corrector<'a> {
    lex: &'a Lexicon,
    /// Lower-cased meeting word → its spelling when it is a name (kept as written).
    meeting: HashMap<String, Option<String>>,
    /// Norwegian words said so far in this meeting (lower case).
    seen: HashSet<String>,
    /// A Nynorsk meeting: Nynorsk words are said right, not misheard Bokmål.
    nynorsk: bool,
}

/// Letters (and inner hyphens/apostrophes) of a token, with what stands around them.
fn split_token(tok: &str) -> (&str, &str, &str) {
    let start = tok.find(|c: char| c.is_alphanumeric()).unwrap_or(tok.len());
    let end = tok.rfind(|c: char| c.is_alphanumeric()).map(|i| i + tok[i..].chars().next().map_or(1, char::len_utf8)).unwrap_or(start);
    (&tok[..start], &tok[start..end.max(start)], &tok[end.max(start)..])
}

/// Give `word` the capitalisation of `like`.
fn match_case(word: &str, like: &str) -> String {
    let upper =
        like.chars().filter(|c| c.is_alphabetic()).all(|c| c.is_uppercase()) && like.chars().filter(|c| c.is_alphabetic()).count() > 1;
    if upper {
        return word.to_uppercase();
    }
    if like.chars().next().is_some_and(char::is_uppercase) {
        return crate::text::capitalise(word);
    }
    word.to_string()
}

impl<'a> Corrector<'a> {
    pub fn new(lex: &'a Lexicon, meeting: &Meeting) -> Corrector<'a> {
        // People's names keep their spelling; in other texts a capitalised word does when it
        // is not the first of its text, or not a dictionary word (Fjordvik, Helse Sør-Øst).
        let mut names: Vec<&str> = meeting.members.iter().map(|m| m.name.as_str()).collect();
        names.extend(meeting.items.iter().flat_map(|i| i.presenters.iter().map(|p| p.name.as_str())));
        names.extend(meeting.secretariat.iter().flat_map(|s| s.names.iter().map(String::as_str)));
        names.extend(meeting.chair.as_deref());
        let mut texts: Vec<String> = meeting.vocabulary_terms();
        for it in &meeting.items {
            texts.push(it.title.clone());
            texts.push(it.forslag.clone());
        }
        let mut words: HashMap<String, Option<String>> = HashMap::new();
        let mut add = |w: &str, proper: bool| {
            if w.chars().filter(|c| c.is_alphabetic()).count() < 2 {
                return;
            }
            let e = words.entry(w.to_lowercase()).or_insert(None);
            if proper && w.chars().next().is_some_and(char::is_uppercase) {
                *e = Some(w.to_string());
            }
        };
        for t in &texts {
            let is_name = names.contains(&t.as_str());
            for (i, tok) in t.split(|c: char| c.is_whitespace() || c == '/' || c == '(' || c == ')').filter(|t| !t.is_empty()).enumerate() {
                let (_, core, _) = split_token(tok);
                let proper = is_name || i > 0 || !lex.is_word(core);
                add(core, proper);
                if core.contains('-') {
                    for part in core.split('-') {
                        add(part, proper && !lex.is_word(part));
                    }
                }
            }
        }
        Corrector { lex, meeting: words, seen: HashSet::new(), nynorsk: meeting.language == crate::meeting::Language::Nn }
    }

    /// A meeting word, or one inflected (Frisklivssentral → frisklivssentralen).
    fn is_meeting_word(&self, l: &str) -> bool {
        self.meeting.contains_key(l)
            || INFLECTIONS
                .iter()
                .any(|suf| l.len() > suf.len() + 2 && l.ends_with(suf) && self.meeting.contains_key(&l[..l.len() - suf.len()]))
    }

    /// Is this word left alone as it is?
    fn is_known(&self, core: &str) -> bool {
        let l = core.to_lowercase();
        if self.is_meeting_word(&l) || core.chars().any(|c| c.is_ascii_digit()) {
            return true;
        }
        let letters: Vec<char> = core.chars().filter(|c| c.is_alphabetic()).collect();
        // Acronyms (KI, EHDS) and single letters.
        if letters.len() <= 1 || (letters.len() <= 6 && letters.iter().all(|c| c.is_uppercase())) {
            return true;
        }
        if self.lex.is_word_with(&l, &|p| self.is_meeting_word(p)) {
            return true;
        }
        // A Nynorsk form of a dictionary word is a word said right ("elevar", "vanskeleg").
        if crate::text::bokmål_forms(&l).iter().any(|b| self.lex.is_word(b)) {
            return true;
        }
        if self.nynorsk && self.lex.is_nynorsk_word(&l) {
            return true;
        }
        // e-helse, Sør-Øst, KI-forordningen: every part known.
        core.contains('-') && core.split('-').all(|p| !p.is_empty() && self.is_known(p))
    }

    /// The fate of one word (letters only). `name_like`: capitalised inside a sentence, so only
    /// the meeting's own names may replace it.
    pub fn judge(&self, core: &str, name_like: bool) -> Fate {
        if core.is_empty() || self.is_known(core) {
            return Fate::Known;
        }
        let l = core.to_lowercase();
        let max_cost = tune::max_cost(l.chars().count());
        // A listing rarer than this is as likely a misspelling in the list's sources.
        let listed = self.lex.zipf(&l).filter(|&z| z >= tune::LISTED_MIN_ZIPF);
        // Common words the dictionary lacks (noe, poeng): protected outright.
        if listed.is_some_and(|z| z >= tune::COMMON_ZIPF) {
            return Fate::Known;
        }
        if max_cost <= 0.0 {
            return if listed.is_some_and(|z| z >= tune::KNOWN_ZIPF) { Fate::Known } else { Fate::Unknown };
        }
        let scored = self.candidates(&l, name_like, max_cost);
        // No certain correction: a word the frequency list knows well enough stays "known".
        let unresolved = if listed.is_some_and(|z| z >= tune::KNOWN_ZIPF) { Fate::Known } else { Fate::Unknown };
        let Some(Candidate { score: best_s, cost: best_cost, word: best }) = scored.first().cloned() else { return unresolved };
        if let Some(second) = scored.get(1) {
            if second.score - best_s < tune::MARGIN {
                return unresolved;
            }
        }
        if let Some(zw) = listed {
            let zc = self.lex.zipf(&best).unwrap_or(0.0);
            if best_cost > tune::LISTED_MAX_COST || zc - zw < tune::LISTED_ZIPF_GAP {
                return unresolved;
            }
        }
        match self.meeting.get(&best) {
            Some(Some(name)) => Fate::Corrected(name.clone()),
            _ => Fate::Corrected(match_case(&best, core)),
        }
    }

    /// Candidate corrections of a lower-case word within `max_cost`, best first.
    pub fn candidates(&self, l: &str, name_like: bool, max_cost: f32) -> Vec<Candidate> {
        let chars: Vec<char> = l.chars().collect();
        let mut cand: HashMap<String, f32> = HashMap::new();
        if !name_like {
            self.lex.near(&chars, 0.0, max_cost, &mut cand);
            for (from, to) in &self.lex.costs.rewrites {
                if l.contains(from.as_str()) {
                    let r: Vec<char> = l.replace(from.as_str(), to).chars().collect();
                    self.lex.near(&r, self.lex.costs.rewrite_cost, max_cost, &mut cand);
                }
            }
        }
        // The meeting's words (names, organisations, terms) by the same distance.
        for m in self.meeting.keys().filter(|m| m.chars().count().abs_diff(chars.len()) <= 2) {
            let d = weighted_distance(&self.lex.costs, &chars, &m.chars().collect::<Vec<_>>());
            if d <= max_cost {
                let e = cand.entry(m.clone()).or_insert(f32::MAX);
                *e = e.min(d);
            }
        }
        let mut scored: Vec<Candidate> = cand
            .into_iter()
            .map(|(word, cost)| {
                let z = self.lex.zipf(&word).unwrap_or(1.0);
                let mut score = cost + tune::RARITY * (6.0 - z.min(6.0));
                if self.meeting.contains_key(&word) {
                    score -= tune::MEETING_BONUS;
                }
                if self.seen.contains(&word) {
                    score -= tune::SEEN_BONUS;
                }
                Candidate { score, cost, word }
            })
            .collect();
        scored.sort_by(|a, b| a.score.total_cmp(&b.score).then_with(|| a.word.cmp(&b.word)));
        scored
    }

    /// Correct one piece of text; returns the new text and the fate of each whitespace token.
    pub fn correct_text(&mut self, text: &str) -> (String, Vec<Fate>) {
        let toks: Vec<&str> = text.split_whitespace().collect();
        let mut out = Vec::with_capacity(toks.len());
        let mut fates = Vec::with_capacity(toks.len());
        let mut sentence_start = true;
        for tok in &toks {
            let (pre, core, post) = split_token(tok);
            let name_like = !sentence_start && core.chars().next().is_some_and(char::is_uppercase);
            let fate = self.judge(core, name_like);
            match &fate {
                Fate::Corrected(c) => out.push(format!("{pre}{c}{post}")),
                _ => out.push(tok.to_string()),
            }
            if let Fate::Known = fate {
                self.seen.insert(core.to_lowercase());
            }
            fates.push(fate);
            sentence_start = post.contains(['.', '!', '?', ':']);
        }
        (out.join(" "), fates)
    }

    /// Correct a transcript segment in place: `text` and its words, Whisper's text kept in
    /// `asr_text`, unknown words marked. A segment the secretary edited is left alone.
    /// Returns the number of words changed.
    pub fn correct_segment(&mut self, seg: &mut Segment) -> usize {
        if seg.edited {
            return 0;
        }
        let original = seg.asr_text.clone().unwrap_or_else(|| seg.text.clone());
        let (text, fates) = self.correct_text(&original);
        let changed = fates.iter().filter(|f| matches!(f, Fate::Corrected(_))).count();
        // Words follow the text token for token (whisper's tokens make both).
        if seg.words.len() == fates.len() {
            for ((w, f), tok) in seg.words.iter_mut().zip(&fates).zip(text.split_whitespace()) {
                w.unknown = matches!(f, Fate::Unknown);
                if matches!(f, Fate::Corrected(_)) {
                    w.text = tok.to_string();
                }
            }
        }
        if text != original {
            seg.asr_text = Some(original);
            seg.text = text;
        } else if seg.asr_text.as_deref() == Some(seg.text.as_str()) {
            seg.asr_text = None;
        }
        changed
    }
}

/// Weighted edit distance with the corrector's costs (for the meeting's few words).
fn weighted_distance(costs: &Costs, a: &[char], b: &[char]) -> f32 {
    let mut row: Vec<f32> = (0..=a.len()).map(|j| j as f32).collect();
    for (i, &cb) in b.iter().enumerate() {
        let ins = if i > 0 && b[i - 1] == cb { costs.double_cost } else { 1.0 };
        let mut next = vec![row[0] + ins; a.len() + 1];
        for k in 1..=a.len() {
            let del = if k > 1 && a[k - 1] == a[k - 2] { costs.double_cost } else { 1.0 };
            next[k] = (row[k - 1] + costs.sub(a[k - 1], cb)).min(row[k] + ins).min(next[k - 1] + del);
        }
        row = next;
    }
    row[a.len()]
}

// ---------------------------------------------------------------- confidence of a span

/// Below this, Whisper was unsure of a word. Measured (bench/confidence.py, first 120 s of
/// three meetings): words under 0.6 were right 20 to 35 % of the time, over 0.6 63 to 77 %,
/// words marked unknown never; 0.5 keeps the flag for the clearly unsure.
pub const LOW_CONFIDENCE: f32 = 0.5;
/// A span whose content words are at least this share unclear is "garbled".
pub const GARBLED: f32 = 0.5;

/// How clear a stretch of the transcript is.
#[derive(Debug, Clone, PartialEq)]
pub struct Clarity {
    /// Share (0..1) of the span's content words that are low-confidence or unknown.
    pub score: f32,
    /// The content words that are clear, in order, each once.
    pub clear_words: Vec<String>,
    /// Content words looked at.
    pub words: usize,
}

impl Clarity {
    /// Mostly unclear: a draft line built on it should be flagged, not passed off as finished.
    pub fn is_garbled(&self) -> bool {
        self.words > 0 && self.score >= GARBLED
    }
}

/// A content word: at least four letters (the short function words are what Whisper gets
/// right most often, and say nothing on their own).
fn is_content(core: &str) -> bool {
    core.chars().filter(|c| c.is_alphabetic()).count() >= 4
}

fn word_unclear(w: &Word) -> bool {
    w.unknown || w.confidence.is_some_and(|c| c < LOW_CONFIDENCE)
}

/// The clarity of everything in `segments` that overlaps `span`: word by word where the
/// transcript has word data (ASR), otherwise every word counts as clear (an imported
/// transcript was written by a person).
pub fn clarity(segments: &[Segment], span: Span) -> Clarity {
    let mut unclear = 0usize;
    let mut total = 0usize;
    let mut clear: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    let mut take = |core: &str, is_unclear: bool| {
        if !is_content(core) {
            return;
        }
        total += 1;
        if is_unclear {
            unclear += 1;
        } else if seen.insert(core.to_lowercase()) {
            clear.push(core.to_string());
        }
    };
    for s in segments.iter().filter(|s| s.end > span[0] && s.start < span[1]) {
        if s.words.is_empty() || s.edited {
            for tok in s.text.split_whitespace() {
                take(split_token(tok).1, false);
            }
        } else {
            for w in s.words.iter().filter(|w| w.end > span[0] && w.start < span[1]) {
                take(split_token(&w.text).1, word_unclear(w));
            }
        }
    }
    Clarity { score: if total == 0 { 0.0 } else { unclear as f32 / total as f32 }, clear_words: clear, words: total }
}

/// The words in `segments` overlapping `span` that the corrector found in no word list
/// (lower-cased): misheard, they are noise in a line drafted from the span.
pub fn unknown_words(segments: &[Segment], span: Span) -> HashSet<String> {
    segments
        .iter()
        .filter(|s| s.end > span[0] && s.start < span[1] && !s.edited)
        .flat_map(|s| s.words.iter().filter(|w| w.unknown && w.end > span[0] && w.start < span[1]))
        .map(|w| split_token(&w.text).1.to_lowercase())
        .filter(|c| !c.is_empty())
        .collect()
}

/// `text` with the `unknown` words replaced by "…" (a run of them by one), keeping the
/// punctuation around them: the line shows what was heard clearly and where it was not.
pub fn mask_unknown(text: &str, unknown: &HashSet<String>) -> String {
    if unknown.is_empty() {
        return text.to_string();
    }
    let mut out: Vec<String> = Vec::new();
    for tok in text.split_whitespace() {
        let (pre, core, post) = split_token(tok);
        if !unknown.contains(&core.to_lowercase()) {
            out.push(tok.to_string());
            continue;
        }
        match out.last_mut() {
            // "… …," and "…, …" are one gap.
            Some(last) if last.trim_matches(|c: char| !c.is_alphanumeric() && c != '…') == "…" => {
                *last = format!("…{post}");
            }
            _ => out.push(format!("{pre}…{post}")),
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_words_are_masked_as_one_gap_per_run() {
        let unknown: HashSet<String> = ["konkurret", "revinstralisering", "lang"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            mask_unknown("Planen mangler en konkurret på lang revinstralisering, og det haster.", &unknown),
            "Planen mangler en … på …, og det haster."
        );
        assert_eq!(mask_unknown("Ingen ukjente ord her.", &HashSet::new()), "Ingen ukjente ord her.");
    }

    #[test]
    fn rules_file_parses() {
        let c = Costs::embedded();
        assert!(c.sub('ö', 'ø') < 1.0 && c.sub('ø', 'ö') < 1.0);
        assert_eq!(c.sub('a', 'q'), 1.0);
        assert!(!c.rewrites.is_empty());
    }

    #[test]
    fn tokens_split_into_punctuation_and_letters() {
        assert_eq!(split_token("«Hei,"), ("«", "Hei", ","));
        assert_eq!(split_token("e-helse."), ("", "e-helse", "."));
        assert_eq!(split_token("..."), ("...", "", ""));
        assert_eq!(split_token("møte"), ("", "møte", ""));
        assert_eq!(match_case("sekretariatet", "Segretariatet"), "Sekretariatet");
        assert_eq!(match_case("nuit", "NUT"), "NUIT");
    }

    #[test]
    fn hunspell_affixes_and_compounds() {
        let d = tempfile::tempdir().unwrap();
        let aff = d.path().join("t.aff");
        let dic = d.path().join("t.dic");
        std::fs::write(&aff, "SET UTF-8\nCOMPOUNDFLAG z\nCOMPOUNDMIN 4\nPFX a Y 1\nPFX a 0 u .\nSFX A Y 2\nSFX A 0 en [^e]\nSFX A 0 n e\n")
            .unwrap();
        let mut words = String::from("1003\nhelse/Az\ntjeneste/Az\nvilje/Aa\nbil/A\n");
        for i in 0..1000 {
            words.push_str(&format!("w{i}\n"));
        }
        std::fs::write(&dic, words).unwrap();
        let h = Hunspell::load(&aff, &dic).unwrap();
        assert!(h.check("tjenesten"));
        assert!(h.check("bilen"));
        assert!(h.check("uvilje") && h.check("uviljen"));
        assert!(!h.check("bilne") && !h.check("ubil"));
        let none = |_: &str| false;
        assert!(h.check_compound("helsetjenesten", &none, 0));
        assert!(h.check_compound("helsestjenesten", &none, 0), "binding s");
        assert!(!h.check_compound("helsexjenesten", &none, 0));
        assert!(!h.check_compound("tjenestebi", &none, 0), "parts of at least 3 letters");
        assert!(h.check_compound("fjordvikhelse", &|p: &str| p == "fjordvik", 0));
    }

    #[test]
    fn msgpack_wordfreq_list_is_read() {
        // [{"format": "cB"}, [], ["og", "i"], ["møte"]]
        let mut b = vec![0x94, 0x81, 0xa6];
        b.extend(b"format");
        b.push(0xa2);
        b.extend(b"cB");
        b.push(0x90);
        b.extend([0x92, 0xa2, b'o', b'g', 0xa1, b'i']);
        b.push(0x91);
        let m = "møte".as_bytes();
        b.push(0xa0 | m.len() as u8);
        b.extend(m);
        let mut r = MsgPack { b: &b, i: 0 };
        assert_eq!(r.array_len().unwrap(), 4);
        r.skip().unwrap();
        assert_eq!(r.array_len().unwrap(), 0);
        assert_eq!(r.array_len().unwrap(), 2);
        assert_eq!(r.str().unwrap(), "og");
        assert_eq!(r.str().unwrap(), "i");
        assert_eq!(r.array_len().unwrap(), 1);
        assert_eq!(r.str().unwrap(), "møte");
    }

    fn word(text: &str, start: f64, confidence: f32, unknown: bool) -> Word {
        Word { start, end: start + 0.4, text: text.into(), confidence: Some(confidence), unknown }
    }

    #[test]
    fn a_garbled_segment_scores_high_and_keeps_its_clear_words() {
        // "Frasenterpatrietsinsider vilja elsi, at vi må høyfe bygdenne." as Whisper heard
        // it: mostly unknown or unsure words, "bygdene" heard as "bygdenne".
        let words = vec![
            word("Frasenterpatrietsinsider", 10.0, 0.21, true),
            word("vilja", 10.5, 0.34, true),
            word("elsi,", 11.0, 0.28, true),
            word("at", 11.5, 0.9, false),
            word("vi", 12.0, 0.95, false),
            word("må", 12.5, 0.93, false),
            word("høyfe", 13.0, 0.31, true),
            word("bygdenne.", 13.5, 0.41, false),
            word("Kommunen", 14.0, 0.88, false),
        ];
        let text = words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
        let garbled = Segment { start: 10.0, end: 14.5, text, words, confidence: Some(0.5), ..Default::default() };
        let clear = Segment {
            start: 20.0,
            end: 22.0,
            text: "Vi trenger en ambulant tjeneste.".into(),
            words: ["Vi", "trenger", "en", "ambulant", "tjeneste."]
                .iter()
                .enumerate()
                .map(|(i, t)| word(t, 20.0 + i as f64 * 0.4, 0.9, false))
                .collect(),
            ..Default::default()
        };
        let segs = vec![garbled, clear];
        let c = clarity(&segs, [10.0, 15.0]);
        assert!(c.is_garbled(), "{c:?}");
        assert!(c.score >= 0.7, "{c:?}");
        assert_eq!(c.clear_words, vec!["Kommunen".to_string()]);
        let c = clarity(&segs, [19.0, 23.0]);
        assert!(!c.is_garbled() && c.score == 0.0, "{c:?}");
        assert_eq!(c.clear_words, vec!["trenger", "ambulant", "tjeneste"]);
        // A person's transcript (no word data) is clear.
        let typed = vec![Segment { start: 0.0, end: 5.0, text: "Frasenterpatrietsinsider vilja".into(), ..Default::default() }];
        assert!(!clarity(&typed, [0.0, 5.0]).is_garbled());
    }
}
