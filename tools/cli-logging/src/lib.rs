//! The logging set-up of the command-line tools: log lines go to stderr
//! (stdout carries results), colored only on a terminal, at `warn` by
//! default, `info` with `-v` and `debug` with `-vv`; `RUST_LOG` overrides
//! the level as usual.

use std::io::IsTerminal;

/// Installs the process's log subscriber for `verbose` counted `-v` flags.
pub fn init(verbose: u8) {
    let default = ["warn", "info", "debug"][usize::from(verbose.min(2))];
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .init();
}
