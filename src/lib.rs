//! referat: draft the minutes of a Norwegian council meeting from its recording and agenda.
//!
//! One module per pipeline stage; stages talk only through the typed artifacts in
//! [`artifact`], stored in a work directory ([`workdir`]). The CLI (`src/main.rs`) and the
//! review server are thin shells over these functions.

pub mod agenda;
pub mod artifact;
pub mod diarize;
pub mod draft;
pub mod eval;
pub mod export;
pub mod llm;
pub mod meeting;
pub mod models;
pub mod pipeline;
pub mod progress;
pub mod review;
pub mod segment;
pub mod server;
pub mod stage;
pub mod text;
pub mod transcribe;
pub mod workdir;
