//! Agenda import: the real agenda of 12 June 2025, malformed inputs, random input.

use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt;
use referat::agenda::{self, Agenda};
use referat::meeting::{Break, Meeting, Sakstype};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn sample_agenda() -> Agenda {
    agenda::import(&fixture("agenda-2025-06-12.txt")).expect("the sample agenda parses")
}

/// (saksnr, title, presenters "Name, Org", time, sakstype, forslag), checked by hand
/// against tests/fixtures/agenda-2025-06-12.txt.
#[allow(clippy::type_complexity)]
const EXPECTED: &[(&str, &str, &[&str], &str, Sakstype, &str)] = &[
    (
        "11/25",
        "Godkjenning av innkalling og dagsorden",
        &["Rune Simensen, Helse Sør-Øst RHF"],
        "10:00",
        Sakstype::Godkjenning,
        "Nasjonalt e-helseråd godkjenner innkalling og dagsorden.",
    ),
    (
        "12/25",
        "Godkjenning av referat fra Nasjonalt e-helseråd 20. mars 2025",
        &["Rune Simensen, Helse Sør-Øst RHF"],
        "10:05",
        Sakstype::Godkjenning,
        "Nasjonalt e-helseråd godkjenner referatet fra møte i Nasjonalt e-helseråd 20. mars 2025.",
    ),
    (
        "13/25",
        "Veilednings- og godkjenningsordning for helseteknologier",
        &["Norunn Saure, Helsedirektoratet", "Per Ludvig Skjerven, Helsedirektoratet"],
        "10:15",
        Sakstype::Drøfting,
        "Nasjonalt e-helseråd drøftet saken. Helsedirektoratet tar med seg innspill fra møtet inn det videre arbeidet med etablering av veilednings- og godkjenningsordning for helseteknologi.",
    ),
    (
        "14/25",
        "Vurdering av behov for endring av samtykkebestemmelsene for kjernejournal for et digitaliseringsvennlig regelverk",
        &["Erik Hedlund, Helsedirektoratet", "Kristin Lyng, Norsk helsenett SF"],
        "10:55",
        Sakstype::Drøfting,
        "",
    ),
    (
        "15/25",
        "Anbefaling til justert prismodell 2026 for de nasjonale e-helseløsningene",
        &["Kari Jørgensen, Norsk helsenett SF", "Randi Halle-Knutzen, Norsk helsenett SF"],
        "12:05",
        Sakstype::Drøfting,
        "Nasjonalt e-helseråd drøftet foreslåtte prismodeller og ba Norsk helsenett SF ta med seg innspill i videre arbeid. Rådet ber om at saksunderlaget til neste års behandling beskriver mer om bruken og det som foreligger av nyttevurderinger.",
    ),
    (
        "16/25",
        "Bruk av store språkmodeller i helse- og omsorgssektoren",
        &[
            "Sveinung Tornås, Helsedirektoratet",
            "Rune Simensen, Helse Sør-Øst RHF",
            "Tobias Iveland, Legeforeningen",
        ],
        "12:55",
        Sakstype::Drøfting,
        "Nasjonalt e-helseråd støtter behovet for norske språkmodeller og ber om at videre oppfølging prioriteres. Innspillene fra diskusjonen i E-helserådet tas med i det videre arbeidet.",
    ),
    (
        "18/25",
        "Evaluering av nasjonal rådsmodell for e-helse",
        &["Siv Ingebrigtsen, Helsedirektoratet"],
        "13:55",
        Sakstype::Drøfting,
        "Nasjonalt e-helseråd anbefaler, basert på innspillene fra aktørene, at rådsmodellen fortsetter med tre nivåer, men at det utarbeides nye mandater for hvert utvalg, at det sees på rollene til og representasjonen i hvert utvalg og at Helsedirektoratet iverksetter forbedringstiltakene som har blitt spilt inn. I tillegg anbefaler Nasjonalt e-helseråd at eiere av andre relevante råd og utvalg ser på hvordan de forholder seg til rådsmodellen.",
    ),
    (
        "17/25",
        "Endringer i mandat for Teknisk beregningsutvalg for nasjonale e-helseløsninger",
        &["Siv Ingebrigtsen, Helsedirektoratet"],
        "14:45",
        Sakstype::Drøfting,
        "Nasjonalt e-helseråd ga innspill til og stiller seg bak foreslåtte endringer i mandat for Teknisk beregningsutvalg.",
    ),
    (
        "19/25",
        "Orientering fra Helsedirektoratet",
        &["Lucie Aunan, Helsedirektoratet"],
        "15:25",
        Sakstype::Orientering,
        "Nasjonalt e-helseråd tar sakene til orientering.",
    ),
    ("20/25", "Eventuelt", &["Rune Simensen, Helse Sør-Øst RHF"], "15:55", Sakstype::Annet, ""),
];

#[test]
fn sample_agenda_every_sak_exactly() {
    let a = sample_agenda();
    assert!(a.warnings.is_empty(), "unexpected warnings: {:?}", a.warnings);
    assert_eq!(a.council.as_deref(), Some("Nasjonalt e-helseråd"));
    assert_eq!(a.date.as_deref(), Some("12. juni 2025"));
    let got: Vec<&str> = a.items.iter().map(|i| i.saksnr.as_str()).collect();
    let want: Vec<&str> = EXPECTED.iter().map(|e| e.0).collect();
    assert_eq!(got, want, "items in meeting order (18/25 before 17/25)");
    for (it, (saksnr, title, presenters, time, sakstype, forslag)) in a.items.iter().zip(EXPECTED) {
        assert_eq!(it.title, *title, "title of {saksnr}");
        let p: Vec<String> = it.presenters.iter().map(|p| p.display()).collect();
        assert_eq!(p, *presenters, "presenters of {saksnr}");
        assert_eq!(it.time.as_deref(), Some(*time), "time of {saksnr}");
        assert_eq!(it.sakstype, *sakstype, "sakstype of {saksnr}");
        assert_eq!(it.forslag, *forslag, "forslag of {saksnr}");
        assert!(it.spans.is_none());
    }
    let b = |l: &str, t: &str| Break { label: l.into(), time: t.into() };
    assert_eq!(a.breaks, vec![b("Lunsj", "11:35"), b("Pause", "12:45"), b("Pause", "14:35")]);
}

#[test]
fn round_trip_through_meeting_parse() {
    let a = sample_agenda();
    let toml = agenda::to_meeting_toml(&a, "agenda.txt").unwrap();
    let m = Meeting::parse(&toml).expect("the imported meeting file parses");
    assert_eq!(m.items, a.items);
    assert_eq!(m.breaks, a.breaks);
    assert_eq!(m.council, "Nasjonalt e-helseråd");
    assert_eq!(m.date, "12. juni 2025");
    assert!(m.number.contains(agenda::FILL_IN) && m.place.contains(agenda::FILL_IN));
    assert_eq!(m.recording_start.as_deref(), Some("10:00"));
}

#[test]
fn sample_meeting_file_agrees_with_the_agenda() {
    // samples/ehelse-2025-06/meeting.toml was written by hand from the same agenda: the importer and the
    // hand-written file must tell the same story for every sak they share.
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/ehelse-2025-06/meeting.toml");
    let m = Meeting::load(&path).unwrap();
    let a = sample_agenda();
    let order: Vec<&str> = m.items.iter().map(|i| i.saksnr.as_str()).collect();
    let imported: Vec<&str> = a.items.iter().map(|i| i.saksnr.as_str()).collect();
    assert_eq!(order, imported);
    for it in &m.items {
        let imp = a.items.iter().find(|i| i.saksnr == it.saksnr).unwrap();
        // Manual span overrides are the secretary's addition, not the agenda's.
        let it = referat::meeting::Item { spans: None, ..it.clone() };
        assert_eq!(&it, imp, "sak {}", it.saksnr);
    }
}

#[test]
fn layout_variants_parse_the_same() {
    // No blank line between title and presenters, title and presenter on one line with no
    // heading to help, names joined by "og", sakstype on its own line, time with a dot.
    let text = "\
Saksnr Agenda Tid Sakstype
13/25 Veilednings- og godkjenningsordning for helseteknologier Norunn Saure og Per Ludvig Skjerven, Helsedirektoratet 10:15 Drøfting
14/25
Vurdering av behov for endring av
samtykkebestemmelsene for kjernejournal
Erik Hedlund, Helsedirektoratet
Kristin Lyng, Norsk helsenett SF
10.55
Drøfting
Kaffepause 11:30
15/25 Anbefaling til justert prismodell 2026 for de nasjonale e-
helseløsningene Kari Jørgensen, Norsk helsenett SF 12:05 Orientering
";
    let a = agenda::parse(text).unwrap();
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    assert_eq!(a.items.len(), 3);
    assert_eq!(a.items[0].title, "Veilednings- og godkjenningsordning for helseteknologier");
    let names: Vec<&str> = a.items[0].presenters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Norunn Saure", "Per Ludvig Skjerven"]);
    assert_eq!(a.items[1].title, "Vurdering av behov for endring av samtykkebestemmelsene for kjernejournal");
    assert_eq!(a.items[1].presenters.len(), 2);
    assert_eq!(a.items[1].presenters[1].organisation, "Norsk helsenett SF");
    assert_eq!(a.items[1].time.as_deref(), Some("10:55"));
    assert_eq!(a.items[1].sakstype, Sakstype::Drøfting);
    assert_eq!(a.breaks, vec![Break { label: "Kaffepause".into(), time: "11:30".into() }]);
    assert_eq!(a.items[2].title, "Anbefaling til justert prismodell 2026 for de nasjonale e-helseløsningene");
    assert_eq!(a.items[2].presenters[0].display(), "Kari Jørgensen, Norsk helsenett SF");
    assert_eq!(a.items[2].sakstype, Sakstype::Orientering);
}

#[test]
fn original_and_updated_forslag() {
    let text = "\
11/25 Godkjenning av innkalling og dagsorden Rune Simensen, Helse Sør-Øst RHF 10:00 Godkjenning
13/25 Veilednings- og godkjenningsordning Norunn Saure, Helsedirektoratet 10:15 Drøfting

Sak 13/25: Veilednings- og godkjenningsordning

Forslag til vedtak

Helsedirektoratet 51

Det gamle forslaget.

12
Oppdatert forslag til vedtak

«Nasjonalt e-helseråd drøftet saken og

ber om en plan.»
Neste lysbilde
";
    let a = agenda::parse(text).unwrap();
    assert_eq!(a.items[0].forslag, "");
    assert_eq!(a.items[1].forslag, "Nasjonalt e-helseråd drøftet saken og ber om en plan.");
}

#[test]
fn garbage_in_the_table_is_reported_with_line_numbers() {
    let text = "\
Saksnr Agenda Tid Sakstype
11/25 Godkjenning av innkalling og dagsorden Rune Simensen, Helse Sør-Øst RHF 10:00 Godkjenning
%%%% ### ????
12/25 Godkjenning av referat Rune Simensen, Helse Sør-Øst RHF 10:05 Vedtaksak
13/25 Sak uten tidspunkt
Norunn Saure, Helsedirektoratet

14/25 Orientering Lucie Aunan, Helsedirektoratet 15:25 Orientering
11/25 Dobbelt saksnummer Rune Simensen, Helse Sør-Øst RHF 15:30 Godkjenning
";
    let a = agenda::parse(text).unwrap();
    let at = |line: usize, needle: &str| {
        assert!(
            a.warnings.iter().any(|w| w.line == line && w.message.contains(needle)),
            "no warning at line {line} containing {needle:?}: {:?}",
            a.warnings
        )
    };
    at(3, "not understood");
    at(4, "unknown sakstype");
    at(5, "no planned time");
    at(9, "appears again");
    let nr: Vec<&str> = a.items.iter().map(|i| i.saksnr.as_str()).collect();
    assert_eq!(nr, ["11/25", "12/25", "13/25", "14/25"], "nothing silently dropped, duplicates left out");
    assert_eq!(a.items[2].time, None);
    assert_eq!(a.items[2].presenters[0].display(), "Norunn Saure, Helsedirektoratet");
    // The secretary still gets a valid file to correct.
    Meeting::parse(&agenda::to_meeting_toml(&a, "x.txt").unwrap()).unwrap();
}

#[test]
fn empty_and_tableless_input_give_clear_errors() {
    let e = format!("{:#}", agenda::parse("").unwrap_err());
    assert!(e.contains("empty"), "{e}");
    let e = format!("{:#}", agenda::parse("  \n\n\t\n").unwrap_err());
    assert!(e.contains("empty"), "{e}");
    let e = format!("{:#}", agenda::parse("Velkommen til møtet\nVi ses kl 10:00\n").unwrap_err());
    assert!(e.contains("no agenda table"), "{e}");
}

#[test]
fn cli_imports_writes_atomically_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.toml");
    Command::cargo_bin("referat")
        .unwrap()
        .args(["agenda", "import"])
        .arg(fixture("agenda-2025-06-12.txt"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicates::str::contains("10 items"));
    Meeting::load(&out).unwrap();
    // A second import must not clobber the secretary's corrections.
    Command::cargo_bin("referat")
        .unwrap()
        .args(["agenda", "import"])
        .arg(fixture("agenda-2025-06-12.txt"))
        .arg("--out")
        .arg(&out)
        .assert()
        .failure()
        .stderr(predicates::str::contains("--force"));
    // An empty agenda: error naming the file, nothing written.
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let out2 = dir.path().join("m2.toml");
    Command::cargo_bin("referat")
        .unwrap()
        .args(["agenda", "import"])
        .arg(&empty)
        .arg("--out")
        .arg(&out2)
        .assert()
        .failure()
        .stderr(predicates::str::contains("empty.txt").and(predicates::str::contains("empty")));
    assert!(!out2.exists());
    // Warnings go to stderr with file and line.
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "11/25 Godkjenning Rune Simensen, Helse Sør-Øst RHF 10:00 Godkjenning\n@@@\n12/25 Referat Rune Simensen, Helse Sør-Øst RHF 10:05 Godkjenning\n").unwrap();
    Command::cargo_bin("referat")
        .unwrap()
        .args(["agenda", "import"])
        .arg(&bad)
        .arg("--out")
        .arg(dir.path().join("m3.toml"))
        .assert()
        .success()
        .stderr(predicates::str::contains("bad.txt:2: warning"));
}

mod common;
use common::Rng;

#[test]
fn random_input_never_panics_and_always_gives_a_valid_file() {
    let sample = std::fs::read_to_string(fixture("agenda-2025-06-12.txt")).unwrap();
    let sample_lines: Vec<&str> = sample.lines().collect();
    let fragments = [
        "11/25",
        "13/25 ",
        "99/2025",
        "0/00",
        "Sak 13/25:",
        "Sak 13:",
        "Forslag til vedtak",
        "Oppdatert forslag til vedtak",
        "Forslag til vedtak - oppdatert",
        "Lunsj 11:35",
        "Pause 25:99",
        "10:15",
        "9.05",
        "23:59",
        "Drøfting",
        "Godkjenning",
        "Ukjent",
        ",",
        ", ",
        " og ",
        "&",
        "«",
        "»",
        "Rune Simensen",
        "Helse Sør-Øst RHF",
        "e-",
        "helse",
        "Helsedirektoratet 14",
        "14",
        "",
        " ",
        "\t",
        "Ø",
        "ß",
        "🙂",
        "\u{0c}",
        "\r",
        "-",
        "/",
        ":",
        ".",
        "Saksnr Tid Sakstype",
        "Agenda Rådet 1. mai 2025",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..3000 {
        let n_lines = (rng.next() % 25) as usize;
        let mut text = String::new();
        for _ in 0..n_lines {
            match rng.next() % 4 {
                // a real line of the sample, possibly cut at a character boundary
                0 => {
                    let l = sample_lines[(rng.next() % sample_lines.len() as u64) as usize];
                    let cut = l.char_indices().map(|(i, _)| i).nth((rng.next() % 40) as usize).unwrap_or(l.len());
                    text.push_str(&l[..cut]);
                }
                _ => {
                    for _ in 0..(rng.next() % 6) {
                        text.push_str(rng.pick(&fragments));
                        if rng.next().is_multiple_of(2) {
                            text.push(' ');
                        }
                    }
                }
            }
            text.push('\n');
        }
        if let Ok(a) = agenda::parse(&text) {
            assert!(!a.items.is_empty(), "case {case}: Ok without items\n{text}");
            let toml = agenda::to_meeting_toml(&a, "fuzz.txt").unwrap_or_else(|e| panic!("case {case}: {e:#}\n--- input ---\n{text}"));
            let m = Meeting::parse(&toml).unwrap();
            assert_eq!(m.items, a.items, "case {case}");
        }
    }
}
