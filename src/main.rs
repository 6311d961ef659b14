//! The `pmtrack` binary: everything happens in [`pmtrack::cli::run`].

fn main() -> std::process::ExitCode {
    pmtrack::cli::run()
}
