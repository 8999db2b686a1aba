//! The one home of referat's Norwegian text rules: tokenizing, stemming, stop words, number
//! words, edit distance and cue phrases, used by segmentation, drafting and evaluation alike.
//! The word lists, cue phrases and thresholds are data (`rules.toml`, compiled in); the code
//! here only interprets them.
pub mod phrases;
