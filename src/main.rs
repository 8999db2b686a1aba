//! The `referat` command line: a thin shell over the library's stages.

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "referat", version, about = "Draft the referat of a council meeting from its recording and agenda, offline.")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Install, verify or list the models.
    Models {
        #[command(subcommand)]
        cmd: ModelsCmd,
    },
    /// Turn agenda text (from the slide deck or PDF) into a meeting file.
    Agenda {
        #[command(subcommand)]
        cmd: AgendaCmd,
    },
    /// Transcribe the recording (or import a transcript) into DIR/transcript.json.
    Transcribe {
        #[command(flatten)]
        io: StageIo,
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        models: ModelArgs,
        #[command(flatten)]
        asr: AsrArgs,
        /// Transcribe without the vocabulary prompt built from the meeting file.
        #[arg(long)]
        no_prompt: bool,
    },
    /// Split the transcript into agenda items: DIR/segments.json.
    Segment {
        #[command(flatten)]
        io: StageIo,
    },
    /// Draft intro, innspill, aksjonspunkter and vedtak per item: DIR/draft.json.
    Draft {
        #[command(flatten)]
        io: StageIo,
        #[command(flatten)]
        models: ModelArgs,
    },
    /// Write the referat (md, docx, odt, pdf) or the transcript (vtt, srt).
    Export {
        #[command(flatten)]
        io: StageIo,
        #[arg(long, value_enum, default_value = "md")]
        format: Format,
        /// Final document: no "Utkast" marking, no source times (after review).
        #[arg(long)]
        r#final: bool,
        /// Show each line's source times in a draft document.
        #[arg(long)]
        times: bool,
    },
    /// Review the draft in a local web page (127.0.0.1 only).
    Review {
        #[command(flatten)]
        io: StageIo,
        /// The recording, for playback (defaults to the one transcribed).
        #[arg(long)]
        audio: Option<PathBuf>,
        /// Port (0 picks a free one).
        #[arg(long, default_value_t = 8737)]
        port: u16,
        /// The language model for «Lag nytt utkast» on the page.
        #[command(flatten)]
        llm: LlmArgs,
    },
    /// All stages, skipping those whose artifact is up to date.
    Run {
        #[command(flatten)]
        io: StageIo,
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        models: ModelArgs,
        #[command(flatten)]
        asr: AsrArgs,
    },
    /// Score a work dir against a truth file (WER, segmentation, innspill, vedtak).
    Eval {
        #[command(flatten)]
        io: StageIo,
        /// Truth JSON (see samples/).
        #[arg(long)]
        truth: PathBuf,
        /// Print the figures as JSON instead of a Markdown table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ModelsCmd {
    /// Download, reassemble, check and convert the default models.
    Install {
        /// Also install the small test models.
        #[arg(long)]
        test: bool,
        /// Install every model in the manifest (test models and extras too).
        #[arg(long)]
        all: bool,
    },
    /// Re-hash installed models and report ok / missing / corrupt.
    Verify,
    /// Show the models, their sizes, licenses and paths.
    List,
}

#[derive(Subcommand)]
enum AgendaCmd {
    /// Parse agenda text and write a meeting file to correct.
    Import {
        file: PathBuf,
        /// Meeting file to write.
        #[arg(long, short)]
        out: PathBuf,
        /// Overwrite the meeting file if it exists.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args)]
struct StageIo {
    /// The meeting file (TOML).
    #[arg(long)]
    meeting: PathBuf,
    /// The work dir for this meeting's artifacts.
    #[arg(long)]
    out: PathBuf,
    /// Redo the stage even if its artifact is up to date.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct InputArgs {
    /// The recording (WAV, MP3, M4A, FLAC, OGG, ...).
    #[arg(long)]
    audio: Option<PathBuf>,
    /// An existing transcript to import instead of running ASR (.vtt, .srt, .json).
    #[arg(long)]
    transcript: Option<PathBuf>,
}

#[derive(Args, Default)]
struct ModelArgs {
    /// A whisper.cpp ggml model file (e.g. NB-Whisper's ggml-model.bin).
    #[arg(long)]
    whisper_model: Option<PathBuf>,
    #[command(flatten)]
    llm: LlmArgs,
}

#[derive(Args, Default)]
struct LlmArgs {
    /// A GGUF language model.
    #[arg(long)]
    llm_model: Option<PathBuf>,
    /// A tokenizer.json that wins over the GGUF's own tokenizer.
    #[arg(long)]
    tokenizer: Option<PathBuf>,
    /// A folder of prompt files replacing the bundled prompts/.
    #[arg(long)]
    prompts: Option<PathBuf>,
    /// CPU threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Draft without a language model: the rules and the speakers' own words only (fast).
    #[arg(long)]
    rules_only: bool,
}

#[derive(Args, Default)]
struct AsrArgs {
    /// Greedy decoding: faster, more wrong words.
    #[arg(long)]
    fast: bool,
    /// Beam search of this width (1 = greedy).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=16))]
    beam_size: Option<u32>,
    /// Candidates per temperature step when greedy decoding falls back to sampling.
    #[arg(long, hide = true, value_parser = clap::value_parser!(u32).range(1..=16))]
    best_of: Option<u32>,
    /// Keep Whisper's words as they are (no lexical correction with the Bokmål dictionary).
    #[arg(long)]
    no_correct: bool,
    /// Give each window the previous window's last words as prompt (measured: see bench/).
    #[arg(long, hide = true)]
    carry_context: bool,
    /// Voice activity detector for transcription and speaker detection: silero (default) or energy.
    #[arg(long)]
    vad: Option<referat::vad::VadKind>,
    /// Transcribe without telling the speakers apart (no "Taler 1", "Taler 2", ...).
    #[arg(long)]
    no_speakers: bool,
}

impl AsrArgs {
    fn choice(&self, use_prompt: bool) -> referat::pipeline::AsrChoice {
        referat::pipeline::AsrChoice {
            use_prompt,
            fast: self.fast,
            beam_size: self.beam_size,
            best_of: self.best_of,
            correct: !self.no_correct,
            carry_context: self.carry_context,
            vad: self.vad,
            no_speakers: self.no_speakers,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Md,
    Docx,
    Odt,
    Pdf,
    Vtt,
    Srt,
}

fn main() {
    let cli = Cli::parse();
    // Long stages stop cleanly on Ctrl-C; the review server keeps the default (quit at once).
    if !matches!(cli.cmd, Cmd::Review { .. }) {
        referat::progress::install_interrupt_handler();
    }
    if let Err(e) = dispatch(cli) {
        // `{:#}` prints the whole context chain on one line: what failed, where, and the fix.
        eprintln!("referat: error: {e:#}");
        std::process::exit(1);
    }
}

fn dispatch(cli: Cli) -> Result<()> {
    use referat::{export, meeting::Meeting, pipeline, workdir, workdir::WorkDir};
    match cli.cmd {
        Cmd::Models { cmd } => {
            use referat::models::{self, manifest::Selection};
            match cmd {
                ModelsCmd::Install { test, all } => models::cli_install(if all {
                    Selection::All
                } else if test {
                    Selection::Test
                } else {
                    Selection::Default
                }),
                ModelsCmd::Verify => models::cli_verify(),
                ModelsCmd::List => models::cli_list(),
            }
        }
        Cmd::Agenda { cmd: AgendaCmd::Import { file, out, force } } => referat::agenda::import_cmd(&file, &out, force),
        Cmd::Transcribe { io, input, models, asr, no_prompt } => {
            let meeting = Meeting::load(&io.meeting)?;
            // Stages that write artifacts hold the work dir's lock (a review open on it holds it too).
            let _lock = workdir::lock(&io.out)?;
            let wd = WorkDir::create(&io.out)?;
            let t = pipeline::transcribe(&io.meeting, &meeting, &input.into(), &wd, &models.into(), &asr.choice(!no_prompt), io.force)?;
            eprintln!("{}: {} segments, {:.0} s", wd.path("transcript.json").display(), t.segments.len(), t.duration);
            Ok(())
        }
        Cmd::Segment { io } => {
            let meeting = Meeting::load(&io.meeting)?;
            let wd = WorkDir::open(&io.out)?;
            let _lock = workdir::lock(&io.out)?;
            let seg = referat::segment::run_stage(&io.meeting, &meeting, &wd, io.force)?;
            let discussed = seg.items.iter().filter(|i| !i.spans.is_empty()).count();
            eprintln!("{}: {discussed} of {} items placed", wd.path("segments.json").display(), seg.items.len());
            Ok(())
        }
        Cmd::Draft { io, models } => {
            let meeting = Meeting::load(&io.meeting)?;
            let wd = WorkDir::open(&io.out)?;
            let _lock = workdir::lock(&io.out)?;
            pipeline::draft(&io.meeting, &meeting, &wd, &models.into(), io.force)?;
            Ok(())
        }
        Cmd::Export { io, format, r#final, times } => {
            let meeting = Meeting::load(&io.meeting)?;
            let wd = WorkDir::open(&io.out)?;
            let format = match format {
                Format::Md => export::Format::Md,
                Format::Docx => export::Format::Docx,
                Format::Odt => export::Format::Odt,
                Format::Pdf => export::Format::Pdf,
                Format::Vtt | Format::Srt => {
                    let t: referat::artifact::Transcript = wd.load("referat transcribe")?;
                    let (name, text) = match format {
                        Format::Vtt => ("transcript.vtt", referat::transcript::to_vtt(&t)),
                        _ => ("transcript.srt", referat::transcript::to_srt(&t)),
                    };
                    referat::workdir::write_atomic(&wd.path(name), text.as_bytes())?;
                    println!("{}", wd.path(name).display());
                    return Ok(());
                }
            };
            let opts = export::ExportOptions { final_: r#final, times };
            let path = export::run_stage(&meeting, &wd, format, &opts)?;
            println!("{}", path.display());
            Ok(())
        }
        Cmd::Review { io, audio, port, llm } => {
            let opts = referat::draft::DraftOptions {
                llm_model: llm.llm_model,
                tokenizer: llm.tokenizer,
                prompts: llm.prompts,
                threads: llm.threads,
                rules_only: llm.rules_only,
            };
            referat::review::server::run(&io.meeting, &io.out, audio.as_deref(), port, opts)
        }
        Cmd::Run { io, input, models, asr } => {
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
            let reports = pipeline::run(&io.meeting, &input.into(), &io.out, &models.into(), &asr.choice(true), io.force)?;
            pipeline::print_reports(&reports);
            println!("{}", io.out.join("referat.md").display());
            // The command that opens the review: it finds the recording through transcript.json.
            let program = std::env::args().next().unwrap_or_else(|| "referat".into());
            let cmd = referat::review::review_command(&program, &io.meeting, &io.out, &flags);
            eprintln!("referat: review it in the browser: {cmd}{}", if imported { " --audio RECORDING (to play it)" } else { "" });
            Ok(())
        }
        Cmd::Eval { io, truth, json } => {
            let meeting = Meeting::load(&io.meeting)?;
            let wd = WorkDir::open(&io.out)?;
            let report = referat::eval::evaluate(&meeting, &wd, &truth)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{}", report.to_markdown());
            }
            Ok(())
        }
    }
}

impl From<InputArgs> for referat::pipeline::Input {
    fn from(a: InputArgs) -> Self {
        match (a.audio, a.transcript) {
            (_, Some(t)) => referat::pipeline::Input::Transcript(t),
            (Some(a), None) => referat::pipeline::Input::Audio(a),
            // clap's ArgGroup requires exactly one of them
            (None, None) => unreachable!("clap requires --audio or --transcript"),
        }
    }
}

impl From<ModelArgs> for referat::pipeline::ModelChoice {
    fn from(m: ModelArgs) -> Self {
        referat::pipeline::ModelChoice {
            whisper: m.whisper_model,
            llm: m.llm.llm_model,
            tokenizer: m.llm.tokenizer,
            prompts: m.llm.prompts,
            threads: m.llm.threads,
            rules_only: m.llm.rules_only,
        }
    }
}
