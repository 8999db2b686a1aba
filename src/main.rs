//! The `referat` command line: a thin shell over the library's stages.

use anyhow::{bail, Result};
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
    if let Err(e) = dispatch(cli) {
        // `{:#}` prints the whole context chain on one line: what failed, where, and the fix.
        eprintln!("referat: error: {e:#}");
        std::process::exit(1);
    }
}

fn dispatch(cli: Cli) -> Result<()> {
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
        Cmd::Export { io, format, r#final, times } => {
            let format = match format {
                Format::Md => referat::export::Format::Md,
                Format::Docx => referat::export::Format::Docx,
                Format::Odt => referat::export::Format::Odt,
                Format::Pdf => referat::export::Format::Pdf,
                Format::Vtt | Format::Srt => bail!("not implemented yet"),
            };
            let meeting = referat::meeting::Meeting::load(&io.meeting)?;
            let wd = referat::workdir::WorkDir::open(&io.out)?;
            let opts = referat::export::ExportOptions { final_: r#final, times };
            let path = referat::export::run_stage(&meeting, &wd, format, &opts)?;
            println!("{}", path.display());
            Ok(())
        }
        Cmd::Review { io, audio, port } => referat::review::server::run(&io.meeting, &io.out, audio.as_deref(), port),
        Cmd::Segment { io } => {
            let meeting = referat::meeting::Meeting::load(&io.meeting)?;
            let wd = referat::workdir::WorkDir::open(&io.out)?;
            let seg = referat::segment::run_stage(&io.meeting, &meeting, &wd, io.force)?;
            let discussed = seg.items.iter().filter(|i| !i.spans.is_empty()).count();
            eprintln!(
                "{}: {discussed} of {} items placed",
                wd.path("segments.json").display(),
                seg.items.len()
            );
            Ok(())
        }
        Cmd::Eval { io, truth } => {
            let meeting = referat::meeting::Meeting::load(&io.meeting)?;
            let wd = referat::workdir::WorkDir::open(&io.out)?;
            let report = referat::eval::evaluate(&meeting, &wd, &truth)?;
            println!("{}", report.to_markdown());
        Cmd::Draft { io, models } => {
            let meeting = referat::meeting::Meeting::load(&io.meeting)?;
            let wd = referat::workdir::WorkDir::open(&io.out)?;
            let opts = referat::draft::DraftOptions {
                llm_model: models.llm_model,
                tokenizer: models.tokenizer,
                prompts: models.prompts,
                threads: models.threads,
            };
            referat::draft::run_stage(&io.meeting, &meeting, &wd, &opts, io.force)?;
            Ok(())
        }
        Cmd::Transcribe { io, input, models, no_prompt } => transcribe(io, input, models, no_prompt),
        _ => bail!("not implemented yet"),
    }
}

fn transcribe(io: StageIo, input: InputArgs, models: ModelArgs, no_prompt: bool) -> Result<()> {
    use referat::{asr, meeting::Meeting, transcript, workdir::WorkDir};
    let meeting = Meeting::load(&io.meeting)?;
    let wd = WorkDir::create(&io.out)?;
    let t = if let Some(file) = &input.transcript {
        transcript::import_stage(&wd, file, io.force)?
    } else {
        let audio = input.audio.as_deref().expect("clap requires --audio or --transcript");
        let model = asr::whisper_model_path(models.whisper_model.as_deref(), Some(&meeting))?;
        let mut opts = asr::AsrOptions::new(model);
        opts.use_prompt = !no_prompt;
        if let Some(n) = models.threads {
            opts.threads = n.max(1);
        }
        asr::run_stage(&wd, &io.meeting, &meeting, audio, &opts, io.force)?
    };
    eprintln!("{}: {} segments, {:.0} s", wd.path("transcript.json").display(), t.segments.len(), t.duration);
    Ok(())
}
