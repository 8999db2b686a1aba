//! Progress bars with ETA, in one place. Bars draw to stderr only when it is a terminal,
//! so tests and CI logs stay clean.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar for work measured in `unit` ("s" of audio, "B" of download, "saker", ...).
pub fn bar(label: &str, total: u64, unit: &str) -> ProgressBar {
    let pb = ProgressBar::new(total);
    let template = match unit {
        "B" => "{msg:12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}".to_string(),
        _ => format!("{{msg:12}} [{{bar:30}}] {{pos}}/{{len}} {unit} ({{percent}}%) ETA {{eta}}"),
    };
    pb.set_style(
        ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(label.to_string());
    pb
}
