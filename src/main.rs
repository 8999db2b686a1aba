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
    },
    /// All stages, skipping those whose artifact is up to date.
    Run {
        #[command(flatten)]
        io: StageIo,
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        models: ModelArgs,
    },
    /// Score a work dir against a truth file (WER, segmentation, innspill, vedtak).
    Eval {
        #[command(flatten)]
        io: StageIo,
        /// Truth JSON (see samples/).
        #[arg(long)]
        truth: PathBuf,
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
    /// Voice activity detector for transcription and speaker detection: silero (default) or energy.
    #[arg(long)]
    vad: Option<referat::vad::VadKind>,
    /// Transcribe without telling the speakers apart (no "Taler 1", "Taler 2", ...).
    #[arg(long)]
    no_speakers: bool,
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
    use referat::{export, meeting::Meeting, pipeline, workdir::WorkDir};
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
        Cmd::Transcribe { io, input, models, no_prompt } => {
            let meeting = Meeting::load(&io.meeting)?;
            let wd = WorkDir::create(&io.out)?;
            let t = pipeline::transcribe(&io.meeting, &meeting, &input.into(), &wd, &models.into(), !no_prompt, io.force)?;
            eprintln!("{}: {} segments, {:.0} s", wd.path("transcript.json").display(), t.segments.len(), t.duration);
            Ok(())
        }
        Cmd::Segment { io } => {
            let meeting = Meeting::load(&io.meeting)?;
            let wd = WorkDir::open(&io.out)?;
            let seg = referat::segment::run_stage(&io.meeting, &meeting, &wd, io.force)?;
            let discussed = seg.items.iter().filter(|i| !i.spans.is_empty()).count();
            eprintln!("{}: {discussed} of {} items placed", wd.path("segments.json").display(), seg.items.len());
            Ok(())
        }
        Cmd::Draft { io, models } => {
            let meeting = Meeting::load(&io.meeting)?;
            let wd = WorkDir::open(&io.out)?;
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
        Cmd::Review { io, audio, port } => referat::review::server::run(&io.meeting, &io.out, audio.as_deref(), port),
        Cmd::Run { io, input, models } => {
            let reports = pipeline::run(&io.meeting, &input.into(), &io.out, &models.into(), io.force)?;
            pipeline::print_reports(&reports);
            println!("{}", io.out.join("referat.md").display());
            Ok(())
        }
        Cmd::Eval { io, truth } => {
            let meeting = Meeting::load(&io.meeting)?;
            let wd = WorkDir::open(&io.out)?;
            let report = referat::eval::evaluate(&meeting, &wd, &truth)?;
            println!("{}", report.to_markdown());
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
            llm: m.llm_model,
            tokenizer: m.tokenizer,
            prompts: m.prompts,
            threads: m.threads,
            vad: m.vad,
            no_speakers: m.no_speakers,
        }
    }
}
