//! Apertium's rule-based Bokmål↔Nynorsk pair (Debian `apertium-nno-nob`), run locally: the
//! referat's free text carried into Nynorsk at export, and Nynorsk speech carried into Bokmål
//! for the drafting rules (which are written for Bokmål).
//!
//! Names are kept as written: Apertium would otherwise carry "Helse Sør-Øst RHF" into
//! "Helse sør-aust RHF". Every name, organisation and agenda title of the meeting is swapped
//! for a placeholder word Apertium passes through unknown, and swapped back afterwards.

use crate::meeting::Meeting;
use anyhow::{bail, Context, Result};
use regex::Regex;
use std::io::{ErrorKind, Write};
use std::process::{Command, Stdio};

/// The Debian package with the pair.
pub const PACKAGE: &str = "apertium-nno-nob";

/// Which way to carry a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Bokmål → Nynorsk, the official norm with e-infinitive and "vi" ("Vi skal vurdere saka");
    /// plain `nob-nno` writes a-infinitive and "me" ("Me skal vurdera saka").
    ToNynorsk,
    /// Nynorsk → Bokmål.
    ToBokmal,
}

impl Direction {
    fn mode(self) -> &'static str {
        match self {
            Direction::ToNynorsk => "nob-nno_e",
            Direction::ToBokmal => "nno-nob",
        }
    }
}

/// Many texts in one Apertium run (it takes about a second to start), each text kept apart
/// by a line break; `keep` are names to leave exactly as written.
pub fn translate_lines(texts: &[String], keep: &[String], dir: Direction) -> Result<Vec<String>> {
    if texts.iter().all(|t| t.trim().is_empty()) {
        return Ok(texts.to_vec());
    }
    let protect = Protect::new(keep);
    let input: String = texts.iter().map(|t| protect.hide(&t.replace(['\n', '\r'], " ")) + "\n").collect();
    let out = run_apertium("apertium", &input, dir)?;
    let lines: Vec<&str> = out.strip_suffix('\n').unwrap_or(&out).split('\n').collect();
    if lines.len() != texts.len() {
        bail!("apertium {} returned {} lines for {} (the input must keep its line breaks)", dir.mode(), lines.len(), texts.len());
    }
    Ok(lines.iter().zip(texts).map(|(l, orig)| protect.show(&clean(l, orig))).collect())
}

/// Apertium marks words it could not generate with `#` and transfer problems with `@`
/// (unknown words are left bare by `-u`); the word itself is still the best guess.
fn clean(out: &str, orig: &str) -> String {
    let marks: Vec<char> = ['#', '@'].into_iter().filter(|m| !orig.contains(*m)).collect();
    let mut s: String = out.chars().filter(|c| !marks.contains(c)).collect();
    // Keep the original's outer whitespace (Apertium trims the line end).
    if orig.ends_with(' ') && !s.ends_with(' ') {
        s.push(' ');
    }
    if orig.starts_with(' ') && !s.starts_with(' ') {
        s.insert(0, ' ');
    }
    s
}

fn run_apertium(program: &str, input: &str, dir: Direction) -> Result<String> {
    let missing = || {
        format!("Nynorsk needs Apertium's Bokmål↔Nynorsk pair: install it with `apt-get install {PACKAGE}` (or set language = \"nb\" in the meeting file)")
    };
    let mut child =
        match Command::new(program).args(["-u", dir.mode()]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
            Ok(c) => c,
            Err(e) if e.kind() == ErrorKind::NotFound => bail!("{}: the `apertium` command was not found", missing()),
            Err(e) => return Err(e).context("cannot start apertium"),
        };
    // Write from another thread: Apertium streams its output, so a large input would fill
    // both pipes and hang if written before reading.
    let mut stdin = child.stdin.take().context("apertium has no stdin")?;
    let data = input.as_bytes().to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().context("apertium did not finish")?;
    writer.join().map_err(|_| anyhow::anyhow!("writing to apertium panicked"))?.context("cannot write to apertium")?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("mode") || err.contains("not found") || err.contains("No such") {
            bail!("{}: apertium says: {}", missing(), err.trim());
        }
        bail!("apertium {} failed ({}): {}", dir.mode(), out.status, err.trim());
    }
    String::from_utf8(out.stdout).context("apertium wrote text that is not UTF-8")
}

/// Names swapped for placeholder words ("Xqbqx") while Apertium runs.
struct Protect {
    re: Option<Regex>,
    terms: Vec<String>,
}

impl Protect {
    fn new(keep: &[String]) -> Protect {
        let mut terms: Vec<String> = keep.iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
        // Longest first, so "Helse Sør-Øst RHF" wins over "Helse".
        terms.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        terms.dedup();
        let alts: Vec<String> = terms
            .iter()
            .map(|t| {
                let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
                let (l, r) = (if word(t.chars().next()) { r"\b" } else { "" }, if word(t.chars().last()) { r"\b" } else { "" });
                format!("{l}{}{r}", regex::escape(t))
            })
            .collect();
        let re = if alts.is_empty() { None } else { Regex::new(&alts.join("|")).ok() };
        Protect { re, terms }
    }

    fn token(i: usize) -> String {
        // Letters only: Apertium keeps such an unknown word as it is, also before a genitive s.
        let mut n = i;
        let mut code = String::new();
        loop {
            code.insert(0, (b'a' + (n % 26) as u8) as char);
            n /= 26;
            if n == 0 {
                break;
            }
            n -= 1;
        }
        format!("Xq{code}qx")
    }

    fn hide(&self, text: &str) -> String {
        match &self.re {
            Some(re) => re
                .replace_all(text, |c: &regex::Captures| {
                    let i = self.terms.iter().position(|t| t == &c[0]).unwrap_or(0);
                    Protect::token(i)
                })
                .into_owned(),
            None => text.to_string(),
        }
    }

    fn show(&self, text: &str) -> String {
        if self.terms.is_empty() {
            return text.to_string();
        }
        let re = Regex::new(r"Xq([a-z]+)qx").expect("static regex");
        re.replace_all(text, |c: &regex::Captures| self.terms.get(decode(&c[1])).cloned().unwrap_or_else(|| c[0].to_string())).into_owned()
    }
}

/// The index a placeholder code stands for (the inverse of [`Protect::token`], bijective base 26).
fn decode(code: &str) -> usize {
    code.bytes().enumerate().fold(0, |n, (k, b)| if k == 0 { (b - b'a') as usize } else { (n + 1) * 26 + (b - b'a') as usize })
}

/// Names, organisations and agenda titles of the meeting: written by the secretariat, never
/// translated.
pub fn names_of(meeting: &Meeting) -> Vec<String> {
    let mut v = vec![meeting.council.clone()];
    for m in &meeting.members {
        v.push(m.name.clone());
        v.push(m.organisation.clone());
        v.extend(m.substitute_for.clone());
    }
    if let Some(s) = &meeting.secretariat {
        v.push(s.organisation.clone());
        v.extend(s.names.iter().cloned());
    }
    for i in &meeting.items {
        v.push(i.title.clone());
        for p in &i.presenters {
            v.push(p.name.clone());
            v.push(p.organisation.clone());
        }
    }
    v.extend(meeting.vocabulary.iter().cloned());
    if let Some(c) = &meeting.chair {
        v.push(c.clone());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_round_trip() {
        for i in [0, 1, 25, 26, 27, 700, 701, 18277] {
            let t = Protect::token(i);
            assert_eq!(decode(&t[2..t.len() - 2]), i, "{t}");
        }
        let p = Protect::new(&["Helse Sør-Øst RHF".into(), "Helse".into(), "H".into(), "KS".into()]);
        let hidden = p.hide("Helse Sør-Øst RHF og KS mener at Helse og H er viktige, men ikke Hønefoss.");
        assert!(!hidden.contains("Sør-Øst") && !hidden.contains("KS") && hidden.contains("Hønefoss"), "{hidden}");
        assert_eq!(p.show(&hidden), "Helse Sør-Øst RHF og KS mener at Helse og H er viktige, men ikke Hønefoss.");
    }

    /// The real Apertium pair (installed by `scripts/setup.sh`).
    #[test]
    fn carries_bokmal_into_nynorsk_with_apertium() {
        let t = translate_lines(&["Kommunene trenger tydeligere krav før anskaffelser.".into()], &[], Direction::ToNynorsk).unwrap();
        assert_eq!(t, ["Kommunane treng tydelegare krav før innkjøp."]);
        let v = translate_lines(
            &["Helse Sør-Øst RHF mener at saken er viktig.".into(), "".into(), "Vi skal vurdere saken og komme tilbake.".into()],
            &["Helse Sør-Øst RHF".into()],
            Direction::ToNynorsk,
        )
        .unwrap();
        assert_eq!(v, ["Helse Sør-Øst RHF meiner at saka er viktig.", "", "Vi skal vurdere saka og komme tilbake."]);
    }

    #[test]
    fn carries_nynorsk_speech_into_bokmal_with_apertium() {
        let v = translate_lines(&["Eg meiner at Høgre ikkje bør gjere det.".into()], &["Høgre".into()], Direction::ToBokmal).unwrap();
        assert_eq!(v, ["Jeg mener at Høgre ikke bør gjøre det."]);
    }

    #[test]
    fn missing_apertium_names_the_package() {
        let e = run_apertium("apertium-not-installed-here", "Saken.\n", Direction::ToNynorsk).unwrap_err().to_string();
        assert!(e.contains("apt-get install apertium-nno-nob"), "{e}");
    }
}
