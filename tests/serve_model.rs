//! The service follows a registry's promotions and rollbacks without a restart: under a steady stream of
//! requests every answer is whole and comes from exactly one model version.

mod serve_helpers;

use complaint_triage::pipeline::{Example, Pipeline, TrainParams, train};
use complaint_triage::registry::{Decision, NewVersion, RegistryWriter};
use complaint_triage::serve::model::{ModelHandle, ModelSource};
use serde_json::json;
use serve_helpers::*;
use std::sync::Arc;
use std::time::Duration;

/// Two small models that disagree: the second learnt 土地 texts as `tax`.
fn examples(swap: bool) -> Vec<Example> {
    let topics = [("tax", "税务 发票 退税"), ("land", "土地 用地 出让")];
    (0..24)
        .map(|i| {
            let (label, words) = topics[i % 2];
            let label = if swap && label == "land" {
                "tax"
            } else if swap {
                "land"
            } else {
                label
            };
            Example {
                text: format!("{words} 第{i}号 企业{}", i % 5),
                label: label.into(),
            }
        })
        .collect()
}

fn model(swap: bool) -> Pipeline {
    let params = TrainParams {
        calibration_folds: 2,
        ..TrainParams::default()
    };
    train(&examples(swap), &params).unwrap().pipeline
}

fn add(writer: &mut RegistryWriter, pipeline: &Pipeline, swap: bool) -> u32 {
    writer
        .add_version(NewVersion {
            pipeline,
            training: &examples(swap),
            origin: "test".into(),
            decision: Decision::Activate {
                reason: "test".into(),
            },
            comparison: None,
        })
        .unwrap()
}

const TEXTS: [&str; 4] = [
    "税务 发票 退税 问题",
    "土地 用地 出让 太慢",
    "发票 开不出来",
    "用地 指标",
];

#[tokio::test]
async fn promotions_and_rollbacks_are_followed_and_no_answer_mixes_models() {
    let dir = tempfile::tempdir().unwrap();
    let registry = dir.path().join("registry");
    let (first, second) = (model(false), model(true));
    let expected = |pipeline: &Pipeline| -> Vec<String> {
        TEXTS.iter().map(|t| pipeline.triage(t).label).collect()
    };
    let (labels_1, labels_2) = (expected(&first), expected(&second));
    assert_ne!(
        labels_1, labels_2,
        "the two models must disagree for this test to mean anything"
    );
    let mut writer = RegistryWriter::open_or_create(&registry, || {}).unwrap();
    add(&mut writer, &first, false);

    let handle = Arc::new(ModelHandle::load(ModelSource::Registry(registry.clone())).unwrap());
    let follower = handle.follow(Duration::from_millis(20)).unwrap();
    let app = Arc::new(
        spawn_app_with(AppOptions {
            model: Some(Arc::clone(&handle)),
            ..AppOptions::default()
        })
        .await,
    );
    assert_eq!(json(app.get("/api/v1/model").await).await.1["version"], "1");

    // Clients ask all the time while the registry promotes version 2, rolls back to 1 and forward to 2.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for _ in 0..3 {
        let (app, stop) = (Arc::clone(&app), Arc::clone(&stop));
        clients.push(tokio::spawn(async move {
            let body =
                json!({"complaints": TEXTS.iter().map(|t| json!({"text": t})).collect::<Vec<_>>()});
            let mut answers: Vec<(String, Vec<String>)> = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let (status, answer) = json(app.post("/api/v1/triage", &body).await).await;
                assert_eq!(status, 200, "{answer}");
                let labels = answer["decisions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d["label"].as_str().unwrap().to_string())
                    .collect();
                answers.push((
                    answer["model"]["version"].as_str().unwrap().to_string(),
                    labels,
                ));
            }
            answers
        }));
    }
    let wait_for = |version: &'static str| {
        let handle = Arc::clone(&handle);
        async move {
            for _ in 0..500 {
                if handle.current().version == version {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("the service did not switch to version {version}");
        }
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    add(&mut writer, &second, true);
    wait_for("2").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    writer.rollback(Some(1), false).unwrap();
    wait_for("1").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    writer.rollback(Some(2), false).unwrap();
    wait_for("2").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);

    let mut seen = std::collections::BTreeSet::new();
    for client in clients {
        for (version, labels) in client.await.unwrap() {
            let expected = match version.as_str() {
                "1" => &labels_1,
                "2" => &labels_2,
                other => panic!("unknown version {other}"),
            };
            assert_eq!(
                &labels, expected,
                "an answer of version {version} mixed models"
            );
            seen.insert(version);
        }
    }
    assert_eq!(seen.len(), 2, "both versions answered: {seen:?}");
    let (_, model) = json(app.get("/api/v1/model").await).await;
    assert_eq!(
        (
            model["version"].as_str(),
            model["follows_registry"].as_bool()
        ),
        (Some("2"), Some(true))
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("triage_model_in_service{version=\"2\"} 1"),
        "{metrics}"
    );
    // An admin rolls back through the API (once nobody else holds the registry); it is served at once.
    drop(writer);
    let (status, model) = json(app.post("/api/v1/model/rollback", &json!({"to": 1})).await).await;
    assert_eq!(
        (status, model["version"].as_str()),
        (200, Some("1")),
        "{model}"
    );
    let (status, error) = json(app.post("/api/v1/model/rollback", &json!({"to": 1})).await).await;
    assert_eq!(status, 409, "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("already active"),
        "{error}"
    );
    follower.abort();
}
