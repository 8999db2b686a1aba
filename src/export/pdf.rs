//! pdf export.

use super::Block;
use anyhow::{bail, Result};

pub fn render(_blocks: &[Block], _title: &str) -> Result<Vec<u8>> {
    bail!("pdf export is not implemented yet")
}
