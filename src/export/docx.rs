//! docx export.

use super::Block;
use anyhow::{bail, Result};

pub fn render(_blocks: &[Block]) -> Result<Vec<u8>> {
    bail!("docx export is not implemented yet")
}
