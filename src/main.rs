//! The `referat` command line: a thin shell over the library's stages (see `src/cli/`).

mod cli;

fn main() {
    cli::main()
}
