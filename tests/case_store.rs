//! The case store as a library, on SQLite: migrations on open, concurrent changes, and cases rebuilt from their
//! history.

use complaint_triage::store::{
    Assignment, Case, CaseFilter, CaseState, Closing, NewCase, Store, StoreError, Suggestion,
};

fn new_case(id: Option<&str>) -> NewCase {
    NewCase {
        id: id.map(Into::into),
        text: "用地指标批不下来".into(),
        enterprise: None,
        source: None,
        received_at: None,
        suggestion: Suggestion {
            label: "land".into(),
            department_id: "natural_resources".into(),
            confidence: 0.8,
            review: false,
            model_version: "test".into(),
            decision: serde_json::json!({"label": "land"}),
        },
    }
}

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite:{}", dir.path().join("cases.db").display()))
        .await
        .unwrap();
    (dir, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_closes_of_one_case_close_it_once() {
    let (_dir, store) = store().await;
    store.intake("d", vec![new_case(Some("X"))]).await.unwrap();
    let assignment = Assignment {
        department_id: "natural_resources".into(),
        deadline: i64::MAX,
        label: None,
        note: None,
    };
    store.assign("X", "d", &assignment).await.unwrap();
    let mut closes = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        closes.push(tokio::spawn(async move {
            let closing = Closing {
                resolution: format!("closed by {i}"),
                department_id: None,
                label: None,
            };
            store
                .close("X", &format!("worker{i}"), &closing, None)
                .await
        }));
    }
    let mut closed = 0;
    for close in closes {
        match close.await.unwrap() {
            Ok(case) => {
                closed += 1;
                assert_eq!(case.state, CaseState::Closed);
            }
            Err(StoreError::Conflict(message)) => {
                assert!(message.contains("already closed"), "{message}")
            }
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!(closed, 1);
    let history = store.history("X").await.unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(
        Case::replay(&history).unwrap().unwrap(),
        store.get("X").await.unwrap()
    );
}

#[tokio::test]
async fn ids_are_numbered_across_intakes_and_reopening_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.db").display().to_string();
    let store = Store::open(&path).await.unwrap();
    let first = store
        .intake("d", vec![new_case(None), new_case(Some("own"))])
        .await
        .unwrap();
    assert_eq!(
        (first[0].id.as_str(), first[1].id.as_str()),
        ("C000001", "own")
    );
    store.shutdown().await;
    // Opening again applies no migration twice and numbering goes on.
    let store = Store::open(&path).await.unwrap();
    let next = store.intake("d", vec![new_case(None)]).await.unwrap();
    assert_eq!(next[0].id, "C000003");
    let all = store.all(&CaseFilter::default(), 0).await.unwrap();
    assert_eq!(all.len(), 3);
    let closed = store.closed_cases(None).await.unwrap();
    assert!(closed.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_intakes_are_committed_together_and_a_taken_id_fails_only_its_own_intake() {
    let (_dir, store) = store().await;
    store
        .intake("d", vec![new_case(Some("taken"))])
        .await
        .unwrap();
    let mut intakes = Vec::new();
    for i in 0..64 {
        let store = store.clone();
        intakes.push(tokio::spawn(async move {
            let id = if i == 17 {
                "taken".to_string()
            } else {
                format!("G{i}")
            };
            (
                i,
                store
                    .intake("d", vec![new_case(Some(&id)), new_case(None)])
                    .await,
            )
        }));
    }
    for intake in intakes {
        let (i, result) = intake.await.unwrap();
        match result {
            Ok(cases) => {
                assert_ne!(i, 17);
                assert_eq!(cases[0].id, format!("G{i}"));
                assert!(cases[1].id.starts_with('C'));
            }
            Err(StoreError::Conflict(message)) => {
                assert_eq!(i, 17);
                assert!(message.contains("'taken' already exists"), "{message}");
            }
            Err(other) => panic!("{other}"),
        }
    }
    let all = store.all(&CaseFilter::default(), 0).await.unwrap();
    assert_eq!(all.len(), 1 + 63 * 2);
    let mut seqs: Vec<i64> = all.iter().map(|c| c.seq).collect();
    seqs.dedup();
    assert_eq!(seqs.len(), all.len(), "every case its own number");
}
