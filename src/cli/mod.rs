//! The `referat` command line: argument parsing and dispatch to the library's stages, and all
//! that the commands print for the user.

mod agenda;
mod args;
mod models;
mod report;
mod stages;

use anyhow::Result;
pub(crate) use args::Cli;
use args::{AgendaCmd, Cmd, ModelsCmd};
use clap::Parser as _;
use referat::models::manifest::Selection;

/// Parse the command line and run it; errors end the process with status 1.
pub(crate) fn main() {
    let cli = Cli::parse();
    // Long stages stop cleanly on Ctrl-C; the review server keeps the default (quit at once).
    if !matches!(cli.cmd, Cmd::Review { .. }) {
        referat::progress::install_interrupt_handler();
    }
    if let Err(e) = dispatch(cli) {
        // `{:#}` prints the whole context chain on one line: what failed, where, and the fix.
        eprintln!("referat: error: {e:#}");
        std::process::exit(1);
    }
}

/// Run one command.
pub(crate) fn dispatch(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Models { cmd } => match cmd {
            ModelsCmd::Install { test, all } => models::install_cmd(if all {
                Selection::All
            } else if test {
                Selection::Test
            } else {
                Selection::Default
            }),
            ModelsCmd::Verify => models::verify_cmd(),
            ModelsCmd::List => models::list_cmd(),
        },
        Cmd::Agenda { cmd: AgendaCmd::Import { file, out, force } } => agenda::import_cmd(&file, &out, force),
        Cmd::Transcribe { io, input, models, asr, no_prompt } => stages::transcribe(io, input, models, asr, no_prompt),
        Cmd::Segment { io } => stages::segment(io),
        Cmd::Draft { io, models } => stages::draft(io, models),
        Cmd::Export { io, format, r#final, times } => stages::export(io, format, r#final, times),
        Cmd::Review { io, audio, port, llm } => stages::review(io, audio, port, llm),
        Cmd::Run { io, input, models, asr } => stages::run(io, input, models, asr),
        Cmd::Eval { io, truth, json } => stages::eval(io, &truth, json),
    }
}
