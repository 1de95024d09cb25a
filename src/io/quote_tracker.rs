//! Watches the bytes a CSV parser reads and tells what the parser cannot: that the input ended inside a
//! quoted field (an unterminated quote, which swallows every row after it), where blank lines were (the parser
//! skips them), and that a row has grown past a size limit (so a broken file cannot take all memory).
//!
//! It keeps the raw bytes of the row being read (only the row's tail is copied per read, so this costs little),
//! so that after an unterminated quote the reader can split those bytes again from the next line on.
//!
//! It follows the quoting rules of the `csv` crate's reader (RFC 4180, `""` for a quote inside quotes, a quote
//! only opens a field at its start) without parsing anything, skipping with `memchr` between the bytes that
//! matter. It does not change the bytes.

use std::io::Read;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: it closes the field, or escapes a second quote.
    QuoteInQuoted,
}

pub struct QuoteTracker<R> {
    inner: R,
    delimiter: u8,
    state: State,
    /// Bytes passed through so far.
    offset: u64,
    /// Where the current row began, as far as quotes and line ends tell.
    row_start: u64,
    /// Where the quote that opened the current quoted field is.
    quote_opened_at: u64,
    max_row_bytes: u64,
    at_end: bool,
    overlong: bool,
    /// The raw bytes from `row_start` to `offset`.
    row_bytes: Vec<u8>,
    /// Blank lines (a line end right after another, a `\r\n` counting as one): the offset of the line end and
    /// the line's number (counting `\n` from 1, as the `csv` crate does).
    blank_lines: std::collections::VecDeque<(u64, u64)>,
    /// `\n` bytes passed.
    newlines: u64,
    /// The last byte seen was a `\r` that ended a row: a `\n` right after it is the same line end.
    after_cr: bool,
}

impl<R: Read> QuoteTracker<R> {
    pub fn new(inner: R, delimiter: u8, max_row_bytes: u64) -> Self {
        QuoteTracker {
            inner,
            delimiter,
            state: State::FieldStart,
            offset: 0,
            row_start: 0,
            quote_opened_at: 0,
            max_row_bytes,
            at_end: false,
            overlong: false,
            row_bytes: Vec::new(),
            blank_lines: std::collections::VecDeque::new(),
            newlines: 0,
            after_cr: false,
        }
    }

    /// The raw bytes of the row that is open at the end of the input (from its first byte to the end), and the
    /// offset of its first byte; empty once taken.
    pub fn take_open_row(&mut self) -> (u64, Vec<u8>) {
        (self.row_start, std::mem::take(&mut self.row_bytes))
    }

    /// The next blank line (offset of its line end, line number) if its line end comes before `before`; removed
    /// when returned.
    pub fn blank_line_before(&mut self, before: u64) -> Option<(u64, u64)> {
        let next = *self.blank_lines.front()?;
        (next.0 < before).then(|| {
            self.blank_lines.pop_front();
            next
        })
    }

    /// The offset of the quote that opened a field still open at the end of the input.
    pub fn unterminated_quote_at(&self) -> Option<u64> {
        (self.at_end && self.state == State::Quoted).then_some(self.quote_opened_at)
    }

    /// Set once a row grew past the limit; the next read fails.
    pub fn overlong(&self) -> bool {
        self.overlong
    }

    fn is_row_end(byte: u8) -> bool {
        byte == b'\n' || byte == b'\r'
    }

    /// A byte that ends a field (delimiter or line end): the next byte starts a field.
    fn end_field(&mut self, byte: u8, at: u64) {
        let blank = self.state == State::FieldStart
            && self.row_start == at
            && !(byte == b'\n' && self.after_cr);
        self.state = State::FieldStart;
        if Self::is_row_end(byte) {
            if blank {
                self.blank_lines.push_back((at, self.newlines + 1));
            }
            self.row_start = at + 1;
        }
    }

    fn scan(&mut self, bytes: &[u8]) {
        let base = self.offset;
        let mut i = 0;
        while i < bytes.len() {
            match self.state {
                State::FieldStart | State::QuoteInQuoted => {
                    let byte = bytes[i];
                    let opening = self.state == State::FieldStart;
                    if byte == b'"' {
                        self.state = State::Quoted;
                        if opening {
                            self.quote_opened_at = base + i as u64;
                        }
                    } else if byte == self.delimiter || Self::is_row_end(byte) {
                        self.end_field(byte, base + i as u64);
                    } else {
                        self.state = State::Unquoted;
                    }
                    self.after_cr = byte == b'\r';
                    self.newlines += u64::from(byte == b'\n');
                    i += 1;
                }
                State::Unquoted => {
                    match memchr::memchr3(self.delimiter, b'\n', b'\r', &bytes[i..]) {
                        Some(k) => {
                            i += k;
                            self.end_field(bytes[i], base + i as u64);
                            self.after_cr = bytes[i] == b'\r';
                            self.newlines += u64::from(bytes[i] == b'\n');
                            i += 1;
                        }
                        None => i = bytes.len(),
                    }
                }
                State::Quoted => {
                    let end = memchr::memchr(b'"', &bytes[i..]).map_or(bytes.len(), |k| i + k);
                    self.newlines += memchr::memchr_iter(b'\n', &bytes[i..end]).count() as u64;
                    if end < bytes.len() {
                        self.state = State::QuoteInQuoted;
                        i = end + 1;
                    } else {
                        i = end;
                    }
                }
            }
        }
        self.offset += bytes.len() as u64;
    }
}

impl<R: Read> Read for QuoteTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.overlong {
            return Err(overlong_error());
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.at_end = !buf.is_empty();
            return Ok(0);
        }
        let base = self.offset;
        self.scan(&buf[..n]);
        match self.row_start.checked_sub(base) {
            Some(start) => {
                self.row_bytes.clear();
                self.row_bytes
                    .extend_from_slice(&buf[(start as usize).min(n)..n]);
            }
            None => self.row_bytes.extend_from_slice(&buf[..n]),
        }
        // These bytes still go to the parser, for the complete rows before the long one; the next read fails.
        self.overlong = self.offset - self.row_start > self.max_row_bytes;
        Ok(n)
    }
}

fn overlong_error() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, "row too long")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(bytes: &[u8], max: u64) -> (QuoteTracker<&[u8]>, std::io::Result<Vec<u8>>) {
        let mut tracker = QuoteTracker::new(bytes, b',', max);
        let mut out = Vec::new();
        // Small reads, so state carries across buffer boundaries.
        let mut buf = [0u8; 3];
        let result = loop {
            match tracker.read(&mut buf) {
                Ok(0) => break Ok(out),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => break Err(e),
            }
        };
        (tracker, result)
    }

    #[test]
    fn closed_quotes_and_escaped_quotes_are_not_unterminated() {
        for input in [
            &b"id,text\n1,\"a,\"\"b\"\"\nc\"\n2,x\n"[..],
            b"1,say \"hi\n2,x",
            b"1,\"\"",
            b"1,\"a\"b\"\n",
        ] {
            let (tracker, out) = track(input, 1 << 20);
            assert_eq!(out.unwrap(), input, "bytes pass unchanged");
            assert_eq!(tracker.unterminated_quote_at(), None, "{input:?}");
        }
    }

    #[test]
    fn an_open_quote_at_the_end_is_found_where_it_opened() {
        let input = b"id,text\n1,ok\n2,\"runs on\n3,swallowed\n";
        let (tracker, _) = track(input, 1 << 20);
        assert_eq!(tracker.unterminated_quote_at(), Some(15));
        assert_eq!(input[15], b'"');
    }

    #[test]
    fn a_row_past_the_limit_fails_but_long_rows_across_many_lines_do_not() {
        let (tracker, result) = track(b"1,\"aaaaaaaaaaaaaaaaaaaaaaaa", 10);
        assert!(result.is_err());
        assert!(tracker.overlong());
        let many_short_rows = b"1,aaaa\n2,bbbb\n3,cccc\n4,dddd\n".repeat(10);
        let (tracker, result) = track(&many_short_rows, 10);
        assert!(result.is_ok());
        assert!(!tracker.overlong());
    }
}
