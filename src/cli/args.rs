//! The command line's arguments (clap).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "referat", version, about = "Draft the referat of a council meeting from its recording and agenda, offline.")]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) cmd: Cmd,
}

#[derive(Subcommand)]
pub(crate) enum Cmd {
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
pub(crate) enum ModelsCmd {
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
pub(crate) enum AgendaCmd {
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
pub(crate) struct StageIo {
    /// The meeting file (TOML).
    #[arg(long)]
    pub(crate) meeting: PathBuf,
    /// The work dir for this meeting's artifacts.
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Redo the stage even if its artifact is up to date.
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Args)]
#[group(required = true, multiple = false)]
pub(crate) struct InputArgs {
    /// The recording (WAV, MP3, M4A, FLAC, OGG, ...).
    #[arg(long)]
    pub(crate) audio: Option<PathBuf>,
    /// An existing transcript to import instead of running ASR (.vtt, .srt, .json).
    #[arg(long)]
    pub(crate) transcript: Option<PathBuf>,
}

#[derive(Args, Default)]
pub(crate) struct ModelArgs {
    /// A whisper.cpp ggml model file (e.g. NB-Whisper's ggml-model.bin).
    #[arg(long)]
    pub(crate) whisper_model: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) llm: LlmArgs,
}

#[derive(Args, Default)]
pub(crate) struct LlmArgs {
    /// A GGUF language model.
    #[arg(long)]
    pub(crate) llm_model: Option<PathBuf>,
    /// A tokenizer.json that wins over the GGUF's own tokenizer.
    #[arg(long)]
    pub(crate) tokenizer: Option<PathBuf>,
    /// A folder of prompt files replacing the bundled prompts/.
    #[arg(long)]
    pub(crate) prompts: Option<PathBuf>,
    /// CPU threads (default: all cores).
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Draft without a language model: the rules and the speakers' own words only (fast).
    #[arg(long)]
    pub(crate) rules_only: bool,
    /// Rewrites decoded together and tokens proposed per step by prompt lookup, as
    /// BATCH:LOOKAHEAD ("1:0": one at a time, token by token; the output is the same).
    #[arg(long, hide = true, value_parser = parse_decoding)]
    pub(crate) llm_decoding: Option<(usize, usize)>,
}

fn parse_decoding(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("{s:?}: expected BATCH:LOOKAHEAD, e.g. 1:0 or 4:6 (BATCH 1 to 16)");
    let (b, l) = s.split_once(':').ok_or_else(bad)?;
    let (b, l) = (b.parse::<usize>().map_err(|_| bad())?, l.parse::<usize>().map_err(|_| bad())?);
    if !(1..=16).contains(&b) || l > 16 {
        return Err(bad());
    }
    Ok((b, l))
}

#[derive(Args, Default)]
pub(crate) struct AsrArgs {
    /// Greedy decoding: faster, more wrong words.
    #[arg(long)]
    pub(crate) fast: bool,
    /// Beam search of this width (1 = greedy).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=16))]
    pub(crate) beam_size: Option<u32>,
    /// Candidates per temperature step when greedy decoding falls back to sampling.
    #[arg(long, hide = true, value_parser = clap::value_parser!(u32).range(1..=16))]
    pub(crate) best_of: Option<u32>,
    /// Keep Whisper's words as they are (no lexical correction with the Bokmål dictionary).
    #[arg(long)]
    pub(crate) no_correct: bool,
    /// Give each window the previous window's last words as prompt (measured: see bench/).
    #[arg(long, hide = true)]
    pub(crate) carry_context: bool,
    /// Longest vocabulary prompt in whisper tokens (measured: see bench/).
    #[arg(long, hide = true, value_parser = clap::value_parser!(u32).range(0..=220))]
    pub(crate) prompt_tokens: Option<u32>,
    /// Voice activity detector for transcription and speaker detection: silero (default) or energy.
    #[arg(long)]
    pub(crate) vad: Option<referat::transcribe::vad::VadKind>,
    /// Transcribe without telling the speakers apart (no "Taler 1", "Taler 2", ...).
    #[arg(long)]
    pub(crate) no_speakers: bool,
}

impl AsrArgs {
    pub(crate) fn choice(&self, use_prompt: bool) -> referat::pipeline::AsrChoice {
        referat::pipeline::AsrChoice {
            use_prompt,
            fast: self.fast,
            beam_size: self.beam_size,
            best_of: self.best_of,
            correct: !self.no_correct,
            carry_context: self.carry_context,
            prompt_tokens: self.prompt_tokens.map(|n| n as usize),
            vad: self.vad,
            no_speakers: self.no_speakers,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Md,
    Docx,
    Odt,
    Pdf,
    Vtt,
    Srt,
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
            decoding: m.llm.llm_decoding,
        }
    }
}
