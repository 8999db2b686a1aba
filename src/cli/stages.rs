//! The pipeline commands: transcribe, segment, draft, export, review, run, eval.

use super::args::{AsrArgs, Format, InputArgs, LlmArgs, ModelArgs, StageIo};
use super::report::{debug_dumps, Stderr};
use anyhow::Result;
use referat::pipeline::{Job, Options, StageReport};
use referat::transcribe::transcript::Subtitles;
use referat::{export, meeting::Meeting, pipeline, workdir, workdir::WorkDir};
use std::path::{Path, PathBuf};

pub(super) fn transcribe(io: StageIo, input: InputArgs, models: ModelArgs, asr: AsrArgs, no_prompt: bool) -> Result<()> {
    let meeting = Meeting::load(&io.meeting)?;
    // Stages that write artifacts hold the work dir's lock (a review open on it holds it too).
    let _lock = workdir::lock(&io.out)?;
    let wd = WorkDir::create(&io.out)?;
    let opts = Options { models: models.into(), asr: asr.choice(!no_prompt), force: io.force, debug: debug_dumps() };
    let t = job(&io, &meeting, &wd, &opts).transcribe(&input.into())?;
    eprintln!("{}: {} segments, {:.0} s", wd.path("transcript.json").display(), t.segments.len(), t.duration);
    Ok(())
}

pub(super) fn segment(io: StageIo) -> Result<()> {
    let meeting = Meeting::load(&io.meeting)?;
    let wd = WorkDir::open(&io.out)?;
    let _lock = workdir::lock(&io.out)?;
    let opts = Options { force: io.force, debug: debug_dumps(), ..Default::default() };
    let seg = job(&io, &meeting, &wd, &opts).segment()?;
    let discussed = seg.items.iter().filter(|i| !i.spans.is_empty()).count();
    eprintln!("{}: {discussed} of {} items placed", wd.path("segments.json").display(), seg.items.len());
    Ok(())
}

pub(super) fn draft(io: StageIo, models: ModelArgs) -> Result<()> {
    let meeting = Meeting::load(&io.meeting)?;
    let wd = WorkDir::open(&io.out)?;
    let _lock = workdir::lock(&io.out)?;
    let opts = Options { models: models.into(), force: io.force, debug: debug_dumps(), ..Default::default() };
    job(&io, &meeting, &wd, &opts).draft()?;
    Ok(())
}

pub(super) fn export(io: StageIo, format: Format, final_: bool, times: bool) -> Result<()> {
    let meeting = Meeting::load(&io.meeting)?;
    let wd = WorkDir::open(&io.out)?;
    let format = match format {
        Format::Md => export::Format::Md,
        Format::Docx => export::Format::Docx,
        Format::Odt => export::Format::Odt,
        Format::Pdf => export::Format::Pdf,
        Format::Vtt | Format::Srt => {
            let t: referat::artifact::Transcript = wd.load("referat transcribe")?;
            let kind = if matches!(format, Format::Vtt) { Subtitles::Vtt } else { Subtitles::Srt };
            println!("{}", referat::transcribe::transcript::write_subtitles(&wd, &t, kind)?.display());
            return Ok(());
        }
    };
    let opts = Options::default();
    let path = job(&io, &meeting, &wd, &opts).export(format, &export::ExportOptions { final_, times })?;
    println!("{}", path.display());
    Ok(())
}

/// The stages of one command, reporting on stderr.
fn job<'a>(io: &'a StageIo, meeting: &'a Meeting, wd: &'a WorkDir, opts: &'a Options) -> Job<'a> {
    Job { meeting_path: &io.meeting, meeting, wd, opts, report: &Stderr }
}

pub(super) fn review(io: StageIo, audio: Option<PathBuf>, port: u16, llm: LlmArgs) -> Result<()> {
    let opts = referat::draft::DraftOptions {
        llm_model: llm.llm_model,
        tokenizer: llm.tokenizer,
        prompts: llm.prompts,
        threads: llm.threads,
        rules_only: llm.rules_only,
        decoding: llm.llm_decoding,
        dump_turns: debug_dumps().turns,
    };
    referat::server::run(&io.meeting, &io.out, audio.as_deref(), port, opts, |url, recording| {
        println!("Gjennomgang: {url}  (Ctrl-C stops the server)");
        match &recording.path {
            Some(p) => println!("recording: {}", p.display()),
            None => println!("note: {}", recording.note),
        }
    })
}

pub(super) fn run(io: StageIo, input: InputArgs, models: ModelArgs, asr: AsrArgs) -> Result<()> {
    // A bad meeting file is reported before the lock creates the work dir.
    Meeting::load(&io.meeting)?;
    let _lock = workdir::lock(&io.out)?;
    let imported = input.transcript.is_some();
    // The same language model for a re-draft from the review page.
    let flags: Vec<(&str, PathBuf)> =
        [("--llm-model", &models.llm.llm_model), ("--tokenizer", &models.llm.tokenizer), ("--prompts", &models.llm.prompts)]
            .into_iter()
            .filter_map(|(f, p)| Some((f, p.clone()?)))
            .collect();
    let opts = Options { models: models.into(), asr: asr.choice(true), force: io.force, debug: debug_dumps() };
    let reports = pipeline::run(&io.meeting, &input.into(), &io.out, &opts, &Stderr)?;
    print_reports(&reports);
    println!("{}", io.out.join("referat.md").display());
    // The command that opens the review: it finds the recording through transcript.json.
    let program = std::env::args().next().unwrap_or_else(|| "referat".into());
    let cmd = referat::review::review_command(&program, &io.meeting, &io.out, &flags);
    eprintln!("referat: review it in the browser: {cmd}{}", if imported { " --audio RECORDING (to play it)" } else { "" });
    Ok(())
}

/// Wall time and peak memory per stage, on stderr.
fn print_reports(reports: &[StageReport]) {
    eprintln!("{:<12} {:>10} {:>14}", "stage", "wall s", "peak RSS MiB");
    for r in reports {
        eprintln!("{:<12} {:>10.1} {:>14.0}", r.stage, r.secs, r.peak_rss_mib);
    }
    let total: f64 = reports.iter().map(|r| r.secs).sum();
    eprintln!("{:<12} {:>10.1}", "total", total);
}

pub(super) fn eval(io: StageIo, truth: &Path, json: bool) -> Result<()> {
    let meeting = Meeting::load(&io.meeting)?;
    let wd = WorkDir::open(&io.out)?;
    let report = referat::eval::evaluate(&meeting, &wd, truth)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}", report.to_markdown());
    }
    Ok(())
}
