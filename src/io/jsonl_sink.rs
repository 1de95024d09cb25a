//! Decisions as JSON Lines: one object per decision, keys in header order, `confidence` a number (or `null`)
//! and `review` a boolean.

use super::destination::Destination;
use super::output::OutputLayout;
use super::sink::{DecisionSink, Typed, typed_field};
use crate::error::TriageError;
use std::io::{BufWriter, Write};

pub struct JsonlSink {
    writer: BufWriter<Destination>,
    header: Vec<String>,
    /// The decision's name of each column (`None` for the input's): what types a value.
    decisions: Vec<Option<&'static str>>,
    line: Vec<u8>,
}

impl JsonlSink {
    pub fn new(destination: Destination, layout: &OutputLayout) -> Self {
        JsonlSink {
            writer: BufWriter::with_capacity(1 << 16, destination),
            header: layout.names().iter().map(|n| n.to_string()).collect(),
            decisions: layout.decision_names(),
            line: Vec::with_capacity(512),
        }
    }
}

fn encode_line(
    line: &mut Vec<u8>,
    header: &[String],
    decisions: &[Option<&str>],
    fields: &[String],
) -> serde_json::Result<()> {
    line.clear();
    line.push(b'{');
    for (i, ((column, decision), value)) in header.iter().zip(decisions).zip(fields).enumerate() {
        if i > 0 {
            line.push(b',');
        }
        serde_json::to_writer(&mut *line, column)?;
        line.push(b':');
        match typed_field(*decision, value) {
            Typed::Text(text) => serde_json::to_writer(&mut *line, text)?,
            Typed::Number(number) => serde_json::to_writer(&mut *line, &number)?,
            Typed::Bool(flag) => serde_json::to_writer(&mut *line, &flag)?,
            Typed::Missing => line.extend_from_slice(b"null"),
        }
    }
    line.extend_from_slice(b"}\n");
    Ok(())
}

impl DecisionSink for JsonlSink {
    fn write_row(&mut self, fields: &[String]) -> Result<(), TriageError> {
        encode_line(&mut self.line, &self.header, &self.decisions, fields)
            .map_err(|e| self.writer.get_ref().error(e.into()))?;
        self.writer
            .write_all(&self.line)
            .map_err(|e| self.writer.get_ref().error(e))
    }

    fn flush(&mut self) -> Result<(), TriageError> {
        self.writer
            .flush()
            .map_err(|e| self.writer.get_ref().error(e))
    }

    fn finish(self: Box<Self>) -> Result<(), TriageError> {
        let destination = self.writer.into_inner().map_err(|e| {
            let error = std::io::Error::new(e.error().kind(), e.error().to_string());
            e.into_inner().get_ref().error(error)
        })?;
        destination.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_json_objects_with_typed_fields() {
        let mut line = Vec::new();
        let fields = ["7", "tax", "0.9500", "true", "他说\"好\"", "0.5"].map(String::from);
        let header = [
            "id",
            "label",
            "confidence",
            "review",
            "reasons",
            "confidence",
        ]
        .map(String::from);
        let decisions = [
            Some("id"),
            Some("label"),
            Some("confidence"),
            Some("review"),
            Some("reasons"),
            None,
        ];
        encode_line(&mut line, &header[..5], &decisions[..5], &fields).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(value["confidence"], 0.95);
        assert_eq!(value["review"], true);
        assert_eq!(value["reasons"], "他说\"好\"");
        assert!(line.ends_with(b"}\n"));
        // An input column of the same name stays text.
        encode_line(&mut line, &header[5..], &decisions[5..], &fields[5..]).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(value["confidence"], "0.5");
    }
}
