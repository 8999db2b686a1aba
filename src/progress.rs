//! What a stage tells the user while it works: progress bars with ETA, and notes ("up to
//! date", "resuming from …", warnings) through [`Report`]. The library never prints a stage's
//! notes itself: the command line renders them on stderr, the review server and tests ignore or
//! collect them. Bars draw to stderr only when it is a terminal, so tests and CI logs stay clean.

use indicatif::{ProgressBar, ProgressStyle};
use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// A bar for work measured in `unit` ("s" of audio, "B" of download, "saker", ...).
pub fn bar(label: &str, total: u64, unit: &str) -> ProgressBar {
    let pb = ProgressBar::new(total);
    let template = match unit {
        "B" => "{msg:12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}".to_string(),
        _ => format!("{{msg:12}} [{{bar:30}}] {{pos}}/{{len}} {unit} ({{percent}}%) ETA {{eta}}"),
    };
    pb.set_style(ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> "));
    pb.set_message(label.to_string());
    pb
}

/// How a stage reports its progress: the pure stage functions take this, not a terminal bar,
/// so a test, the review server's re-draft job or the command line each give their own.
pub trait Progress {
    fn set_length(&self, n: u64);
    fn set_position(&self, n: u64);
    fn inc(&self, n: u64);
    fn set_message(&self, msg: String);
    fn finish(&self);
}

impl Progress for ProgressBar {
    fn set_length(&self, n: u64) {
        ProgressBar::set_length(self, n)
    }
    fn set_position(&self, n: u64) {
        ProgressBar::set_position(self, n)
    }
    fn inc(&self, n: u64) {
        ProgressBar::inc(self, n)
    }
    fn set_message(&self, msg: String) {
        ProgressBar::set_message(self, msg)
    }
    fn finish(&self) {
        self.finish_and_clear()
    }
}

/// No progress report, no notes.
pub struct Silent;

impl Progress for Silent {
    fn set_length(&self, _: u64) {}
    fn set_position(&self, _: u64) {}
    fn inc(&self, _: u64) {}
    fn set_message(&self, _: String) {}
    fn finish(&self) {}
}

/// One thing a stage tells the user besides its progress.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// `referat run` begins the stage.
    Start,
    /// The stage's artifact (this file) is up to date: loaded, not made again.
    UpToDate(PathBuf),
    /// What the stage does or did: "resuming from …", "wrote … in 12 s; …".
    Info(String),
    /// Something the user should know; the stage still succeeds.
    Warning(String),
}

/// Where stages send their notes and get their progress bars.
pub trait Report {
    /// A note from `stage` ("transcribe", "segment", "draft", "export").
    fn note(&self, stage: &str, note: Note);

    /// A progress bar for `total` units of work (none unless the report shows bars).
    fn bar(&self, _label: &str, _total: u64, _unit: &str) -> Box<dyn Progress> {
        Box::new(Silent)
    }
}

impl Report for Silent {
    fn note(&self, _: &str, _: Note) {}
}

/// Collects the notes, for tests.
impl Report for RefCell<Vec<(String, Note)>> {
    fn note(&self, stage: &str, note: Note) {
        self.borrow_mut().push((stage.to_string(), note));
    }
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Install (once) a Ctrl-C handler that only sets a flag: long loops check [`interrupted`]
/// and stop before writing, so no half-written artifact and no temp file are left. A second
/// Ctrl-C exits at once.
pub fn install_interrupt_handler() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        // Another component may already own the handler; then the default behaviour stays.
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\nreferat: interrupted, stopping (press Ctrl-C again to quit at once)");
        });
    });
}

pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
