//! Speaker diarization: who speaks when, from the recording alone.

pub mod encoder;
pub mod pth;
