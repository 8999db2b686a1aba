//! Numbers and dates as the chair says them, written as a vedtak writes them: "tjuetjuesju"
//! → "2027", "tre hundre og førti kroner" → "340 kroner", "tredje mars" → "3. mars".

use crate::meeting::Meeting;
use crate::text::{self, cue, rules, Tok};

/// A year said as "tjuetjueseks" (20 + 26): 2000 + the rest, for the rest from 10 to 99.
pub fn year_value(w: &str) -> Option<u32> {
    let tens20 = text::number_forms(20);
    tens20.iter().find_map(|t| w.strip_prefix(t.as_str())).and_then(text::number_value).filter(|r| (10..100).contains(r)).map(|r| 2000 + r)
}

/// The value of an ordinal word ("fjerde" → 4, "tjueførste" → 21).
pub fn ordinal_value(w: &str) -> Option<u32> {
    rules().ordinals.get(w).copied()
}

/// The month's number (1..12) of a month name.
pub fn month_number(w: &str) -> Option<usize> {
    rules().months.iter().position(|m| m == w).map(|i| i + 1)
}

/// Spoken numbers written with digits where a vedtak would: years, numbers above ten, any
/// number before a unit ("fire promille"), and dates ("fjerde desember" → "4. desember").
/// Small numbers elsewhere stay words ("to årsverk").
pub fn digits(line: &str) -> String {
    let toks = text::tokens(line);
    let mut out = String::with_capacity(line.len());
    let mut last = 0;
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        let mut put = |out: &mut String, end: usize, with: String| {
            out.push_str(&line[last..t.start]);
            out.push_str(&with);
            last = end;
        };
        if let Some(y) = year_value(&t.w) {
            put(&mut out, t.end, y.to_string());
            i += 1;
            continue;
        }
        if let (Some(d), Some(_)) = (ordinal_value(&t.w), toks.get(i + 1).and_then(|m| month_number(&m.w))) {
            if d >= 1 {
                put(&mut out, t.end, format!("{d}."));
                i += 1;
                continue;
            }
        }
        // thousands, as said apart ("tjue tusen") or glued ("tjuetusen"): an amount
        if let Some((v, used)) = thousands(&toks, i) {
            put(&mut out, toks[i + used - 1].end, grouped(v));
            i += used;
            continue;
        }
        if let Some((v, used)) = reading(&toks, i) {
            let unit = toks.get(i + used).is_some_and(|u| cue("number_units").word(&u.w));
            let spoken = !toks[i..i + used].iter().all(|t| t.w.bytes().all(|b| b.is_ascii_digit()));
            if spoken && (v > 10 || unit) {
                put(&mut out, toks[i + used - 1].end, v.to_string());
                i += used;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&line[last..]);
    out
}

/// Every spoken number written with digits ("seks mot tre" → "6 mot 3"), for checking a
/// vedtak's figures against what was said.
pub fn all_digits(line: &str) -> String {
    let toks = text::tokens(line);
    let mut out = String::with_capacity(line.len());
    let mut last = 0;
    let mut i = 0;
    while i < toks.len() {
        match reading(&toks, i) {
            Some((v, used)) => {
                out.push_str(&line[last..toks[i].start]);
                out.push_str(&v.to_string());
                last = toks[i + used - 1].end;
                i += used;
            }
            None => i += 1,
        }
    }
    out.push_str(&line[last..]);
    out
}

/// A spoken number of thousands at `toks[i]` ("tjue tusen", "tjuetusen", "hundretusen"), as
/// (value, words used).
fn thousands(toks: &[Tok], i: usize) -> Option<(u32, usize)> {
    let w = &toks[i].w;
    if let Some(n) =
        w.strip_suffix("tusen").filter(|p| !p.is_empty() && !p.bytes().all(|b| b.is_ascii_digit())).and_then(text::number_value)
    {
        return Some((n * 1000, 1));
    }
    let (v, used) = reading(toks, i)?;
    let spoken = !toks[i..i + used].iter().all(|t| t.w.bytes().all(|b| b.is_ascii_digit()));
    (spoken && toks.get(i + used).is_some_and(|t| t.w == "tusen")).then_some((v * 1000, used + 1))
}

/// "20 000": digits in groups of three, as amounts are written.
fn grouped(v: u32) -> String {
    let d = v.to_string();
    let mut out = String::new();
    for (k, c) in d.chars().enumerate() {
        if k > 0 && (d.len() - k).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// The number read at `toks[i]`: its longest reading.
fn reading(toks: &[Tok], i: usize) -> Option<(u32, usize)> {
    text::number_readings(toks, i).into_iter().next()
}

/// Dates with the day and month but no year get the year: the meeting's, or the next when the
/// month has passed ("4. desember" in a November meeting → "4. desember 2025").
pub fn with_year(line: &str, meeting: &Meeting) -> String {
    let Some((m_month, m_year)) = meeting_month_year(meeting) else { return line.to_string() };
    let toks = text::tokens(line);
    let mut out = String::with_capacity(line.len() + 8);
    let mut last = 0;
    for (i, t) in toks.iter().enumerate() {
        let Some(month) = month_number(&t.w) else { continue };
        let day_before = i > 0 && toks[i - 1].w.bytes().all(|b| b.is_ascii_digit()) && line[toks[i - 1].end..t.start].starts_with('.');
        let year_after = toks.get(i + 1).is_some_and(|n| n.w.len() == 4 && n.w.bytes().all(|b| b.is_ascii_digit()));
        if day_before && !year_after {
            let year = if month < m_month { m_year + 1 } else { m_year };
            out.push_str(&line[last..t.end]);
            out.push_str(&format!(" {year}"));
            last = t.end;
        }
    }
    out.push_str(&line[last..]);
    out
}

/// The meeting's month and year, from its date ("20. november 2025").
fn meeting_month_year(meeting: &Meeting) -> Option<(usize, u32)> {
    let toks = text::tokens(&meeting.date);
    let month = toks.iter().find_map(|t| month_number(&t.w)).or_else(|| {
        // "20.11.2025"
        let nums: Vec<u32> = toks.iter().filter_map(|t| t.w.parse().ok()).collect();
        (nums.len() == 3 && (1..=12).contains(&nums[1])).then(|| nums[1] as usize)
    })?;
    let year = toks.iter().filter_map(|t| t.w.parse::<u32>().ok()).find(|y| (1900..2200).contains(y))?;
    Some((month, year))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spoken_numbers_years_and_dates_become_digits() {
        assert_eq!(digits("ferdig innen andre kvartal tjuetjuesju"), "ferdig innen andre kvartal 2027");
        assert_eq!(digits("settes til tre hundre og førti kroner i uka"), "settes til 340 kroner i uka");
        assert_eq!(digits("til møtet tredje mars"), "til møtet 3. mars");
        assert_eq!(digits("økes til fire promille"), "økes til 4 promille");
        assert_eq!(digits("to årsverk og en plan"), "to årsverk og en plan");
        assert_eq!(digits("i sak sytten"), "i sak 17");
        assert_eq!(digits("den tjueførste mars"), "den 21. mars");
        assert_eq!(digits("tjuetusen til festivalen og femten tusen til kort"), "20 000 til festivalen og 15 000 til kort");
        assert_eq!(digits("rundt tre hundre og åtti tusen i året, tusen takk"), "rundt 380 000 i året, tusen takk");
        assert_eq!(year_value("tjuetjuefem"), Some(2025));
        assert_eq!(year_value("tjue"), None);
    }
}
