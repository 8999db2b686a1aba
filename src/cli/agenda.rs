//! `referat agenda import`: agenda text to a meeting file, with the warnings on stderr.

use anyhow::{bail, Result};
use referat::agenda::{import, to_meeting_toml, FILL_IN};
use referat::workdir::write_atomic;
use std::path::Path;

/// `referat agenda import FILE --out M.toml`: parse, report warnings on stderr, write the
/// meeting file atomically. Refuses to overwrite an existing file unless `force`.
pub fn import_cmd(file: &Path, out: &Path, force: bool) -> Result<()> {
    if out.exists() && !force {
        bail!("{} already exists (it may hold your corrections): choose another --out, or pass --force to overwrite it", out.display());
    }
    let agenda = import(file)?;
    for w in &agenda.warnings {
        eprintln!("{}:{}: warning: {}", file.display(), w.line, w.message);
    }
    let toml = to_meeting_toml(&agenda, &file.display().to_string())?;
    write_atomic(out, toml.as_bytes())?;
    let with_forslag = agenda.items.iter().filter(|i| !i.forslag.is_empty()).count();
    eprintln!(
        "wrote {}: {} items, {} breaks, {} with forslag til vedtak, {} warnings; check it and fill in the \"{FILL_IN}\" fields",
        out.display(),
        agenda.items.len(),
        agenda.breaks.len(),
        with_forslag,
        agenda.warnings.len()
    );
    Ok(())
}
