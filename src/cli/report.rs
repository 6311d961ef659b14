//! How `pmtrack report` is printed: the table, the Markdown or the JSON of
//! [`crate::report::render`], handed to standard output while it is
//! rendered (a report of 100,000 items is never held as one text).

use super::args::ReportFormatFlag;
use crate::command::report::Reported;
use crate::command::Stdout;
use crate::report::render;

/// Print `r` in `format`.
pub fn print(
    r: &Reported,
    format: ReportFormatFlag,
    mut stdout: Stdout<'_>,
) -> std::io::Result<()> {
    let mut printed: std::io::Result<()> = Ok(());
    let mut spill = |s: &mut String| {
        if s.len() >= 1 << 16 {
            if printed.is_ok() {
                printed = stdout(s);
            }
            s.clear();
        }
    };
    match format {
        ReportFormatFlag::Table => {
            let rest = render::table_spilling(&r.report, &mut spill);
            printed.and_then(|()| stdout(&rest))
        }
        ReportFormatFlag::Markdown => {
            let rest = render::markdown_spilling(&r.report, &r.markdown, &mut spill);
            printed.and_then(|()| stdout(&rest))
        }
        ReportFormatFlag::Json => {
            let mut w = LinesOut::new(&mut stdout);
            render::write_json(&r.report, &mut w).and_then(|()| {
                use std::io::Write;
                w.flush()
            })
        }
    }
}

/// Bytes for [`Stdout`], handed over a whole number of lines at a time
/// (about 64 KiB each) so that each piece is whole UTF-8 and whole lines.
pub struct LinesOut<'a, 'b> {
    stdout: &'a mut Stdout<'b>,
    pending: Vec<u8>,
}

impl<'a, 'b> LinesOut<'a, 'b> {
    /// Writes to `stdout`.
    pub fn new(stdout: &'a mut Stdout<'b>) -> Self {
        LinesOut {
            stdout,
            pending: Vec::with_capacity(1 << 16),
        }
    }

    fn hand_over(&mut self, upto: usize) -> std::io::Result<()> {
        let rest = self.pending.split_off(upto);
        let text = String::from_utf8_lossy(&self.pending);
        let r = (self.stdout)(&text);
        self.pending = rest;
        r
    }
}

impl std::io::Write for LinesOut<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= 1 << 16 {
            if let Some(nl) = self.pending.iter().rposition(|&b| b == b'\n') {
                self.hand_over(nl + 1)?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let n = self.pending.len();
        self.hand_over(n)
    }
}
