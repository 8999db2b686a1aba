//! How the stages' notes and progress bars look on the command line (stderr).

use referat::pipeline::DebugDumps;
use referat::progress::{Note, Progress, Report};

/// Notes on stderr, bars on stderr when it is a terminal.
pub(crate) struct Stderr;

impl Report for Stderr {
    fn note(&self, stage: &str, note: Note) {
        // Only the draft stage names itself on its lines (bench/report.py reads "draft: wrote");
        // the other stages' lines read as they always have.
        let prefix = if stage == "draft" { "draft: " } else { "" };
        match note {
            Note::Start => eprintln!("referat: {stage}"),
            Note::UpToDate(file) => eprintln!("{prefix}{} is up to date (use --force to redo it)", file.display()),
            Note::Info(text) => eprintln!("{prefix}{text}"),
            Note::Warning(text) => eprintln!("{prefix}warning: {text}"),
        }
    }

    fn bar(&self, label: &str, total: u64, unit: &str) -> Box<dyn Progress> {
        Box::new(referat::progress::bar(label, total, unit))
    }
}

/// The debug dumps asked for in the environment (`REFERAT_DEBUG_SEGMENT`, `REFERAT_DEBUG_TURNS`).
pub(crate) fn debug_dumps() -> DebugDumps {
    let set = |var: &str| std::env::var_os(var).is_some();
    DebugDumps { segment: set("REFERAT_DEBUG_SEGMENT"), turns: set("REFERAT_DEBUG_TURNS") }
}
