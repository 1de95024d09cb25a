//! The real `triage serve` process: `kill -9` during a load of intakes loses no acknowledged case, SIGTERM lets
//! the request in flight finish, and listening beyond loopback without tokens is refused.

use complaint_triage::store::{CaseFilter, Store};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TAX: &str = "我公司增值税留抵退税申请提交三个月了还没有到账，资金周转困难";

/// Starts `triage serve` on a free port with a store in `dir`; returns the process and its address.
fn start(dir: &std::path::Path, extra: &[&str]) -> (Child, String) {
    let store = dir.join("cases.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["serve", "--listen", "127.0.0.1:0", "--store"])
        .arg(&store)
        .args(extra)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start triage serve");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("triage serve said where it listens")
            .unwrap();
        if let Some(address) = line.split("listening on ").nth(1) {
            break address.trim().to_string();
        }
    };
    // Keep draining stderr so the process never blocks on it.
    std::thread::spawn(move || for _ in lines {});
    (child, address)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_intake_loses_no_acknowledged_case() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, address) = start(dir.path(), &[]);
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let client = reqwest::Client::new();
    let mut senders = Vec::new();
    for sender in 0..4 {
        let (client, address, acknowledged) =
            (client.clone(), address.clone(), Arc::clone(&acknowledged));
        senders.push(tokio::spawn(async move {
            for request in 0..10_000 {
                let ids: Vec<String> = (0..5).map(|i| format!("K{sender}-{request}-{i}")).collect();
                let cases: Vec<_> = ids
                    .iter()
                    .map(|id| json!({"id": id, "text": TAX}))
                    .collect();
                let sent = client
                    .post(format!("{address}/api/v1/cases"))
                    .json(&json!({"cases": cases}))
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status() == 201 => {
                        acknowledged.lock().unwrap().extend(ids)
                    }
                    // The process is gone: no more acknowledgements.
                    _ => return,
                }
            }
        }));
    }
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 500 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for sender in senders {
        sender.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 500,
        "only {} cases acknowledged",
        acknowledged.len()
    );

    let store = Store::open(&dir.path().join("cases.db").display().to_string())
        .await
        .unwrap();
    let stored: std::collections::HashSet<String> = store
        .all(&CaseFilter::default(), 0)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !stored.contains(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged cases lost, e.g. {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );
    // Every stored case has its intake event.
    for id in acknowledged.iter().take(50) {
        assert_eq!(store.history(id).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, address) = start(dir.path(), &[]);
    let complaints: Vec<_> = (0..1000)
        .map(|i| json!({"id": i, "text": format!("{TAX}{i}")}))
        .collect();
    let request = reqwest::Client::new()
        .post(format!("{address}/api/v1/triage"))
        .json(&json!({"complaints": complaints, "explain": true}))
        .send();
    let in_flight = tokio::spawn(request);
    tokio::time::sleep(Duration::from_millis(30)).await;
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let response = in_flight
        .await
        .unwrap()
        .expect("the request in flight was answered");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["decisions"].as_array().unwrap().len(), 1000);
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}

#[test]
fn listening_beyond_loopback_without_tokens_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["serve", "--listen", "0.0.0.0:0", "--store"])
        .arg(dir.path().join("cases.db"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0 without --tokens"),
        "{stderr}"
    );
    assert!(!dir.path().join("cases.db").exists());
}

#[tokio::test]
async fn tokens_made_by_triage_token_are_accepted_with_their_roles() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.txt");
    let token = |role: &str, name: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_triage"))
            .args(["token", "--role", role, "--name", name, "--tokens"])
            .arg(&tokens)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_string()
    };
    let (dispatcher, reader) = (token("dispatcher", "张三"), token("reader", "李四"));
    let file = std::fs::read_to_string(&tokens).unwrap();
    assert!(
        !file.contains(&dispatcher) && file.contains("dispatcher 张三 sha256:"),
        "{file}"
    );
    let (mut child, address) = start(dir.path(), &["--tokens", tokens.to_str().unwrap()]);
    let client = reqwest::Client::new();
    let cases = format!("{address}/api/v1/cases");
    assert_eq!(client.get(&cases).send().await.unwrap().status(), 401);
    let intake = json!({"cases": [{"text": TAX}]});
    let as_reader = client
        .post(&cases)
        .bearer_auth(&reader)
        .json(&intake)
        .send()
        .await
        .unwrap();
    assert_eq!(as_reader.status(), 403);
    let as_dispatcher = client
        .post(&cases)
        .bearer_auth(&dispatcher)
        .json(&intake)
        .send()
        .await
        .unwrap();
    assert_eq!(as_dispatcher.status(), 201);
    let case: serde_json::Value = client
        .get(format!("{cases}/C000001"))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(case["history"][0]["actor"], "张三");
    child.kill().unwrap();
    child.wait().unwrap();
}
