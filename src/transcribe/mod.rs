//! The transcribe stage: the recording decoded ([`audio`]), speech found ([`vad`]),
//! recognised by Whisper ([`asr`]) and corrected against the Bokmål lexicon ([`lexicon`]); or a
//! Teams/Zoom transcript imported, and the transcript written out as WebVTT and SRT
//! ([`transcript`]). Speakers are found by [`crate::diarize`].

pub mod asr;
pub mod audio;
pub mod lexicon;
pub mod transcript;
pub mod vad;
