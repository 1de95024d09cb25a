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
