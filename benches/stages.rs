//! Throughput of each stage of `triage classify`, in documents/s and MB/s of complaint text: the model stages
//! (normalise, jieba segmentation, featurise, predict; then whole triage on one thread and on all) and the I/O stages (read
//! CSV in UTF-8 and GB18030, JSONL and XLSX; write CSV). Run with `cargo bench --bench stages`; see docs/bulk.md.

mod common;

use common as fixture;

use complaint_triage::calibrate::Calibrator;
use complaint_triage::classify::Classifier;
use complaint_triage::featurize::{AnalyzedText, Featurizer};
use complaint_triage::io::{
    Columns, EncodingChoice, RecordSource, TextInput, csv_source::CsvSource, decision_fields,
    decision_header, jsonl_source::JsonlSource, open_sink, xlsx_source::XlsxSource,
};
use complaint_triage::segment::{JiebaSegmenter, Segmenter};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

fn throughput(texts: &[String]) -> Throughput {
    Throughput::ElementsAndBytes {
        elements: texts.len() as u64,
        bytes: texts.iter().map(|t| t.len() as u64).sum(),
    }
}

fn model_stages(c: &mut Criterion) {
    let pipeline = fixture::model();
    let texts = fixture::texts(&fixture::data_path());
    let normalized: Vec<_> = texts.iter().map(|t| pipeline.normalizer.apply(t)).collect();
    let analyzed: Vec<AnalyzedText> = texts.iter().map(|t| pipeline.analyze(t)).collect();
    let features: Vec<_> = analyzed
        .iter()
        .map(|a| pipeline.featurizer.transform(a))
        .collect();

    let mut group = c.benchmark_group("model");
    group
        .throughput(throughput(&texts))
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("normalize", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| pipeline.normalizer.apply(t).as_str().len())
                .sum::<usize>()
        })
    });
    // The default model has no word features and skips segmentation; this is what jieba costs when a model
    // is trained with `--word-ngrams 1` or `2`.
    let jieba = JiebaSegmenter::with_domain_dictionary();
    group.bench_function("segment_jieba", |b| {
        b.iter(|| {
            normalized
                .iter()
                .map(|n| jieba.segment(n.as_str()).len())
                .sum::<usize>()
        })
    });
    let jieba_no_hmm =
        JiebaSegmenter::new(complaint_triage::segment::DOMAIN_DICTIONARY.into(), false).unwrap();
    group.bench_function("segment_jieba_no_hmm", |b| {
        b.iter(|| {
            normalized
                .iter()
                .map(|n| jieba_no_hmm.segment(n.as_str()).len())
                .sum::<usize>()
        })
    });
    group.bench_function("featurize", |b| {
        b.iter(|| {
            analyzed
                .iter()
                .map(|a| pipeline.featurizer.transform(a).nnz())
                .sum::<usize>()
        })
    });
    group.bench_function("predict", |b| {
        b.iter(|| {
            features
                .iter()
                .map(|f| {
                    let scores = pipeline.classifier.scores(f);
                    pipeline.calibrator.probabilities(&scores)[0]
                })
                .sum::<f32>()
        })
    });
    group.bench_function("triage_one_thread", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| pipeline.triage(t).confidence)
                .sum::<f32>()
        })
    });
    group.bench_function("triage_batch_all_threads", |b| {
        b.iter(|| black_box(pipeline.triage_batch(&texts, false)).len())
    });
    group.finish();
}

fn table_bytes(texts: &[String]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["id", "text"]).unwrap();
    for (i, text) in texts.iter().enumerate() {
        writer.write_record([i.to_string().as_str(), text]).unwrap();
    }
    writer.into_inner().unwrap()
}

fn count_rows(source: &mut dyn RecordSource) -> usize {
    std::iter::from_fn(|| source.next_row().unwrap())
        .filter(Result::is_ok)
        .count()
}

fn io_stages(c: &mut Criterion) {
    let texts = fixture::texts(&fixture::data_path());
    let columns = Columns {
        text: "text".into(),
        id: Some("id".into()),
        label: None,
        extra: Vec::new(),
    };
    let path = Path::new("bench.csv");
    let utf8 = table_bytes(&texts);
    let gb18030 = encoding_rs::GB18030
        .encode(std::str::from_utf8(&utf8).unwrap())
        .0
        .into_owned();
    let jsonl: Vec<u8> = texts
        .iter()
        .enumerate()
        .flat_map(|(i, t)| {
            (serde_json::json!({"id": i, "text": t}).to_string() + "\n").into_bytes()
        })
        .collect();
    let input = |bytes: &Vec<u8>| {
        TextInput::from_reader(
            Box::new(std::io::Cursor::new(bytes.clone())),
            path,
            EncodingChoice::Detect,
            None,
        )
        .unwrap()
    };

    let mut group = c.benchmark_group("io");
    group.throughput(throughput(&texts)).sample_size(20);
    for (name, bytes) in [("read_csv_utf8", &utf8), ("read_csv_gb18030", &gb18030)] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || input(bytes),
                |input| count_rows(&mut CsvSource::open(input, path, &columns, b',').unwrap()),
                BatchSize::LargeInput,
            )
        });
    }
    group.bench_function("read_jsonl", |b| {
        b.iter_batched(
            || input(&jsonl),
            |input| count_rows(&mut JsonlSource::open(input, path, &columns).unwrap()),
            BatchSize::LargeInput,
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let workbook_path = dir.path().join("bench.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "id").unwrap();
    sheet.write_string(0, 1, "text").unwrap();
    for (i, text) in texts.iter().enumerate() {
        sheet.write_number(i as u32 + 1, 0, i as f64).unwrap();
        sheet.write_string(i as u32 + 1, 1, text).unwrap();
    }
    workbook.save(&workbook_path).unwrap();
    group.bench_function("read_xlsx", |b| {
        b.iter(|| count_rows(&mut XlsxSource::open(&workbook_path, None, &columns).unwrap()))
    });

    let pipeline = fixture::model();
    let decisions = pipeline.triage_batch(&texts, false);
    let output = dir.path().join("decisions.csv");
    group.bench_function("write_csv", |b| {
        b.iter(|| {
            let mut sink = open_sink(&output, None, &decision_header(false)).unwrap();
            for (i, decision) in decisions.iter().enumerate() {
                sink.write_row(&decision_fields(&i.to_string(), decision, false))
                    .unwrap();
            }
            sink.finish().unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, model_stages, io_stages);
criterion_main!(benches);
