//! Progress on stderr, for the commands that talk to GitHub: notes about
//! waits and problems as they happen (a rate-limit wait can be long), and
//! per-change progress (a bar on a terminal, plain lines otherwise).

use std::cell::RefCell;
use std::io::IsTerminal;

use crate::github::{Applied, ApplyOutcome, Progress};

/// Progress on stderr: a bar on a terminal, plain lines otherwise.
pub struct StderrProgress {
    bar: RefCell<Option<indicatif::ProgressBar>>,
    tty: bool,
    /// In GitHub Actions: lines are made inert ([`crate::workflow::inert`]).
    actions: bool,
}

impl StderrProgress {
    /// Lines made inert when `actions` (in GitHub Actions).
    pub fn new(actions: bool) -> StderrProgress {
        StderrProgress {
            bar: RefCell::new(None),
            tty: std::io::stderr().is_terminal(),
            actions,
        }
    }

    fn line(&self, text: &str) {
        let text = crate::workflow::for_log(text, self.actions);
        match self.bar.borrow().as_ref() {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }
}

impl Progress for StderrProgress {
    fn finish(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }
    fn note(&self, line: &str) {
        self.line(line);
    }

    fn step(&self, done: usize, total: usize, applied: &Applied, line: &str) {
        if self.tty && self.bar.borrow().is_none() && total > 1 {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}")
            {
                bar.set_style(style);
            }
            bar.set_position(done.saturating_sub(1) as u64);
            *self.bar.borrow_mut() = Some(bar);
        }
        if let Some(bar) = self.bar.borrow().as_ref() {
            bar.set_position(done as u64);
            bar.set_message(crate::workflow::printable(line).into_owned());
        }
        if applied.outcome != ApplyOutcome::Unchanged {
            if self.tty {
                self.line(line);
            } else {
                self.line(&format!("[{done}/{total}] {line}"));
            }
        }
    }
}
