//! The review web server (127.0.0.1 only).

use anyhow::{bail, Result};
use std::path::Path;

pub fn run(_meeting: &Path, _out: &Path, _audio: Option<&Path>, _port: u16) -> Result<()> {
    bail!("review server is not implemented yet")
}
