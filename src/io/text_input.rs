//! Opening a text input (a file, or standard input for `-`) for a CSV, TSV or JSONL parser: the bytes, how to
//! decode its fields, and how far reading has got.
//!
//! The encoding is decided from the first [`SAMPLE_BYTES`] (see [`super::encoding`]); the sample is then read
//! again by the parser, so nothing is read twice from the source and standard input works. A byte-order mark is
//! removed here. Input in an encoding that is not ASCII-compatible (UTF-16) is converted to UTF-8 on the fly.
//! This module does not parse anything.

use super::encoding::{EncodingChoice, FieldDecoder, detect};
use crate::error::TriageError;
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// How much of the input encoding detection looks at.
pub const SAMPLE_BYTES: usize = 256 * 1024;

/// The longest byte-order mark (UTF-8's).
const BOM_BYTES: usize = 3;

/// A text input ready for a parser.
pub struct TextInput {
    pub reader: Box<dyn Read + Send>,
    pub decoder: FieldDecoder,
    /// The input's own encoding (before any conversion to UTF-8).
    pub encoding: &'static encoding_rs::Encoding,
    pub detected: bool,
    pub consumed: ByteCount,
    /// The size of a regular file.
    pub total: Option<u64>,
}

/// Bytes read from the source so far; shared between the reader and whoever reports progress.
#[derive(Debug, Clone, Default)]
pub struct ByteCount(Arc<AtomicU64>);

impl ByteCount {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

struct Counting<R> {
    inner: R,
    count: ByteCount,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.0.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens a file, or standard input for `-`.
pub fn open_input(path: &Path) -> Result<Box<dyn Read + Send>, TriageError> {
    if path.as_os_str() == "-" {
        Ok(Box::new(std::io::stdin()))
    } else {
        let file = std::fs::File::open(path).map_err(|e| TriageError::io(path, e))?;
        Ok(Box::new(file))
    }
}

impl TextInput {
    pub fn open(path: &Path, choice: EncodingChoice) -> Result<Self, TriageError> {
        let total = match path.as_os_str() == "-" {
            true => None,
            false => std::fs::metadata(path)
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len()),
        };
        Self::from_reader(open_input(path)?, path, choice, total)
    }

    pub fn from_reader(
        source: Box<dyn Read + Send>,
        path: &Path,
        choice: EncodingChoice,
        total: Option<u64>,
    ) -> Result<Self, TriageError> {
        let consumed = ByteCount::default();
        let mut source = Counting {
            inner: source,
            count: consumed.clone(),
        };
        // A given encoding needs only enough bytes to see a byte-order mark; reading no further before the
        // first row matters on a slow pipe.
        let sample_bytes = match choice {
            EncodingChoice::Detect => SAMPLE_BYTES,
            EncodingChoice::Given(_) => BOM_BYTES,
        };
        let mut sample = Vec::with_capacity(sample_bytes);
        (&mut source)
            .take(sample_bytes as u64)
            .read_to_end(&mut sample)
            .map_err(|e| TriageError::io(path, e))?;
        let complete = sample.len() < sample_bytes;
        let (encoding, bom_length, detected) = match choice {
            EncodingChoice::Detect => {
                let (encoding, bom_length) = detect(&sample, complete);
                (encoding, bom_length, true)
            }
            EncodingChoice::Given(encoding) => {
                let bom_length = match encoding_rs::Encoding::for_bom(&sample) {
                    Some((bom_encoding, length)) if bom_encoding == encoding => length,
                    _ => 0,
                };
                (encoding, bom_length, false)
            }
        };
        if encoding.is_ascii_compatible()
            && let Some(what) = binary_kind(&sample)
        {
            return Err(TriageError::BadInput {
                path: path.to_path_buf(),
                message: format!("not a text table: {what}"),
            });
        }
        sample.drain(..bom_length);
        let bytes = Cursor::new(sample).chain(source);
        let (reader, decoder): (Box<dyn Read + Send>, FieldDecoder) =
            match FieldDecoder::new(encoding) {
                Some(decoder) => (Box::new(bytes), decoder),
                None => (
                    Box::new(
                        encoding_rs_io::DecodeReaderBytesBuilder::new()
                            .encoding(Some(encoding))
                            .build(bytes),
                    ),
                    FieldDecoder::utf8(),
                ),
            };
        Ok(TextInput {
            reader,
            decoder,
            encoding,
            detected,
            consumed,
            total,
        })
    }
}

/// What a sample of a file that is not text looks like, by the signature office files and common binaries start
/// with, or else by a NUL byte (which no text in an ASCII-compatible encoding holds). A handful of signatures is
/// all the message needs, so no file-type crate is pulled in for it.
pub fn binary_kind(sample: &[u8]) -> Option<String> {
    const SIGNATURES: [(&[u8], &str); 11] = [
        (
            b"PK\x03\x04",
            "a ZIP archive, such as an XLSX workbook (for a workbook name the file .xlsx or pass --input-format xlsx)",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "an old Office file (XLS or DOC): save it as XLSX or CSV",
        ),
        (b"%PDF-", "a PDF document"),
        (b"\x7fELF", "an executable program (ELF)"),
        (b"MZ", "a Windows program"),
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"\x1f\x8b", "a gzip-compressed file: decompress it first"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
        (b"SQLite format 3\0", "an SQLite database"),
    ];
    let start = sample.strip_prefix(b"\xef\xbb\xbf").unwrap_or(sample);
    if let Some((_, what)) = SIGNATURES
        .iter()
        .find(|(magic, _)| start.starts_with(magic))
    {
        // "MZ" starts some text too: a program also holds NUL bytes.
        if !what.contains("Windows") || start.contains(&0) {
            return Some(format!("the file is {what}"));
        }
    }
    memchr::memchr(0, sample).map(|at| format!("binary data (a NUL byte at byte {at})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_files_are_named_and_text_is_not() {
        assert!(binary_kind(b"PK\x03\x04\x14\x00").unwrap().contains("XLSX"));
        assert!(binary_kind(b"\x7fELF\x02\x01").unwrap().contains("ELF"));
        assert!(
            binary_kind(b"id,text\n1,a\x00b")
                .unwrap()
                .contains("byte 11")
        );
        assert_eq!(binary_kind("id,text\n1,电费 MZ\n".as_bytes()), None);
        assert_eq!(binary_kind(b"MZ,text\n"), None);
        assert_eq!(binary_kind(b""), None);
    }
}
