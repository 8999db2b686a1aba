//! Model management: the pinned manifest, offline install from package registries, CT2 →
//! ggml conversion for Whisper, verification, and resolving which model file a stage uses.
//!
//! Store layout: `<store>/<model-id>/<file>`, where the store is `$REFERAT_MODELS_DIR` or the
//! repository's `models/` folder. Precedence for every stage: explicit CLI path > meeting file
//! `[models]` > installed default.

pub mod ct2ggml;
pub mod install;
pub mod manifest;
pub mod silero;

use crate::meeting::Meeting;
use anyhow::{bail, Context, Result};
use manifest::{Manifest, Model};
use std::path::{Path, PathBuf};

pub use install::{install, InstallOptions, InstallReport};

/// `$REFERAT_MODELS_DIR` if set, else `<repo>/models` (the path this binary was built from).
pub fn store_dir() -> PathBuf {
    match std::env::var_os("REFERAT_MODELS_DIR") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("models"),
    }
}

/// Path of an installed file of a model in a given store; error if missing or of the wrong size
/// (a cheap check; `referat models verify` does the full hash).
pub fn installed_file_in(store: &Path, id: &str, file: &str) -> Result<PathBuf> {
    let m = Manifest::embedded().model(id)?;
    let spec = m.file(file)?;
    let p = store.join(id).join(file);
    let md = std::fs::metadata(&p).with_context(|| {
        format!(
            "model {id} is not installed ({} is missing): run `{}` (or set REFERAT_MODELS_DIR to a store that has it)",
            p.display(),
            m.install_hint()
        )
    })?;
    if md.len() != spec.size {
        bail!(
            "{} has {} bytes, expected {}: the install is incomplete or damaged: run `{}`",
            p.display(),
            md.len(),
            spec.size,
            m.install_hint()
        );
    }
    Ok(p)
}

/// Path of an installed file of a model in the store.
pub fn installed_file(id: &str, file: &str) -> Result<PathBuf> {
    installed_file_in(&store_dir(), id, file)
}

/// Path of an installed model (its main file) by manifest id; error if not installed.
pub fn installed(id: &str) -> Result<PathBuf> {
    let m = Manifest::embedded().model(id)?;
    installed_file(id, &m.main)
}

/// The Whisper model to use: explicit CLI path > `meeting.models.whisper` > installed default.
/// Errors name the file and say to run `referat models install` or fix the path.
pub fn whisper_path(explicit: Option<&Path>, meeting: Option<&Meeting>) -> Result<PathBuf> {
    let given = explicit
        .map(|p| (p.to_path_buf(), "--whisper-model"))
        .or_else(|| meeting.and_then(|m| m.models.whisper.as_deref()).map(|p| (PathBuf::from(p), "[models] whisper in the meeting file")));
    match given {
        Some((p, from)) => {
            if !p.is_file() {
                bail!("Whisper model {} (from {from}) does not exist: fix the path, or leave it out to use the installed default (`referat models install`)", p.display());
            }
            ct2ggml::check_ggml(&p).with_context(|| format!("Whisper model given by {from}"))?;
            Ok(p)
        }
        None => {
            let id = &Manifest::embedded().default_for("asr")?.id;
            let p = installed(id)?;
            ct2ggml::check_ggml(&p)?;
            Ok(p)
        }
    }
}

/// Where Debian's hunspell-no (and myspell-nb) put the Bokmål dictionary.
const HUNSPELL_DIRS: &[&str] = &["/usr/share/hunspell", "/usr/share/myspell", "/usr/share/myspell/dicts"];

/// The lexical corrector's word lists: the Bokmål hunspell dictionary from the system
/// (`apt-get install hunspell-no`, done by scripts/setup.sh) and wordfreq's Bokmål frequency
/// list from the model store (`referat models install`).
pub fn lexicon_files() -> Result<crate::transcribe::lexicon::LexiconFiles> {
    lexicon_files_in(&store_dir(), HUNSPELL_DIRS.iter().map(Path::new))
}

/// [`lexicon_files`] with the store and the dictionary folders given.
pub fn lexicon_files_in<'a>(
    store: &Path,
    hunspell_dirs: impl Iterator<Item = &'a Path>,
) -> Result<crate::transcribe::lexicon::LexiconFiles> {
    let dirs: Vec<&Path> = hunspell_dirs.collect();
    let dir = dirs.iter().find(|d| d.join("nb_NO.dic").is_file() && d.join("nb_NO.aff").is_file()).with_context(|| {
        format!(
            "the Bokmål dictionary nb_NO.dic/nb_NO.aff is not installed (looked in {}): install it with \
             `apt-get install hunspell-no` (scripts/setup.sh does), or pass --no-correct",
            dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
        )
    })?;
    let id = &Manifest::embedded().default_for("lexicon")?.id;
    let m = Manifest::embedded().model(id)?;
    let wordfreq = installed_file_in(store, id, &m.main)?;
    Ok(crate::transcribe::lexicon::LexiconFiles { hunspell_aff: dir.join("nb_NO.aff"), hunspell_dic: dir.join("nb_NO.dic"), wordfreq })
}

/// The language model files: a GGUF and an optional tokenizer.json that wins over the GGUF's.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmFiles {
    pub gguf: PathBuf,
    pub tokenizer: Option<PathBuf>,
}

/// explicit CLI paths > meeting `[models]` > installed default. The tokenizer is only ever the
/// one given (CLI or meeting); otherwise the GGUF's own tokenizer is used.
pub fn llm_files(explicit_gguf: Option<&Path>, explicit_tokenizer: Option<&Path>, meeting: Option<&Meeting>) -> Result<LlmFiles> {
    let settings = meeting.map(|m| &m.models);
    let gguf = match explicit_gguf
        .map(|p| (p.to_path_buf(), "--llm-model"))
        .or_else(|| settings.and_then(|s| s.llm.as_deref()).map(|p| (PathBuf::from(p), "[models] llm in the meeting file")))
    {
        Some((p, from)) => {
            if !p.is_file() {
                bail!("language model {} (from {from}) does not exist: fix the path, or leave it out to use the installed default (`referat models install`)", p.display());
            }
            p
        }
        None => installed(&Manifest::embedded().default_for("llm")?.id)?,
    };
    let tokenizer = match explicit_tokenizer
        .map(|p| (p.to_path_buf(), "--tokenizer"))
        .or_else(|| settings.and_then(|s| s.tokenizer.as_deref()).map(|p| (PathBuf::from(p), "[models] tokenizer in the meeting file")))
    {
        Some((p, from)) => {
            if !p.is_file() {
                bail!(
                    "tokenizer {} (from {from}) does not exist: fix the path, or leave it out to use the GGUF's own tokenizer",
                    p.display()
                );
            }
            Some(p)
        }
        None => None,
    };
    Ok(LlmFiles { gguf, tokenizer })
}

/// State of one file after a full re-hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    Ok,
    Missing,
    Corrupt(String),
}

#[derive(Debug, Clone)]
pub struct ModelStatus {
    pub id: String,
    pub default: bool,
    pub hint: &'static str,
    pub files: Vec<(String, FileState)>,
}

impl ModelStatus {
    pub fn is_ok(&self) -> bool {
        self.files.iter().all(|(_, s)| *s == FileState::Ok)
    }
    pub fn is_absent(&self) -> bool {
        self.files.iter().all(|(_, s)| *s == FileState::Missing)
    }
    pub fn is_corrupt(&self) -> bool {
        self.files.iter().any(|(_, s)| matches!(s, FileState::Corrupt(_)))
    }
    /// "ok", "missing", "incomplete" or "corrupt".
    pub fn summary(&self) -> &'static str {
        if self.is_ok() {
            "ok"
        } else if self.is_corrupt() {
            "corrupt"
        } else if self.is_absent() {
            "missing"
        } else {
            "incomplete"
        }
    }
}

/// Re-hash every file of `models` in `store` (read only: nothing is written).
pub fn verify(store: &Path, models: &[&Model]) -> Result<Vec<ModelStatus>> {
    let mut out = Vec::new();
    for m in models {
        let mut files = Vec::new();
        for f in &m.files {
            let p = store.join(&m.id).join(&f.name);
            let state = match std::fs::metadata(&p) {
                Err(_) => FileState::Missing,
                Ok(md) if md.len() != f.size => FileState::Corrupt(format!("{} bytes, expected {}", md.len(), f.size)),
                Ok(_) => {
                    let h = install::hash_with_bar(&p, &format!("verify {}/{}", m.id, f.name))?;
                    if h == f.sha256 {
                        FileState::Ok
                    } else {
                        FileState::Corrupt(format!("sha256 {h}, expected {}", f.sha256))
                    }
                }
            };
            files.push((f.name.clone(), state));
        }
        out.push(ModelStatus { id: m.id.clone(), default: m.default, hint: m.install_hint(), files });
    }
    Ok(out)
}
