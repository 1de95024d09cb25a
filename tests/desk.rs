//! The dispatcher's desk driven in headless Chromium through chromedriver, as a person would use it, against
//! the real service (port 0, its own SQLite store, a model registry of its own). Every step checks the store
//! through the API afterwards, not only the page.
//!
//! Needs `chromium` and `chromedriver` (Debian's `chromium` and `chromium-driver`; `.ci/run` installs them).
//! `CHROMEDRIVER` and `CHROMIUM` override where they are. With `DESK_SCREENSHOTS=docs/screenshots` the loop
//! also saves a 1366×768 screenshot of each view there.

mod serve_helpers;

use calamine::Reader;
use complaint_triage::case_import::{ImportOptions, import_table};
use complaint_triage::serve::auth::Role;
use complaint_triage::serve::model::{ModelHandle, ModelSource};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use serve_helpers::{AppOptions, TestApp, json, spawn_app_with};
use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);
const ENTER: &str = "\u{E007}";

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// chromedriver with a fresh Chromium profile, and a WebDriver session on it; both end when dropped.
struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver leads a process group of its own (see `start`), and the Chromium processes it launched
        // are in it: killing the group ends them too, where killing chromedriver alone left them running.
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether chromedriver can be started here. CI installs it (`.ci/run`) and must run these tests; elsewhere a
/// machine without it skips them, loudly, so that `cargo test --release` works on a fresh machine.
fn browser_available() -> bool {
    let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let found = Command::new(&chromedriver)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium and chromium-driver (.ci/run)"
        );
        eprintln!(
            "skipped: no {chromedriver} on this machine (apt-get install -y chromium chromium-driver, as .ci/run does)"
        );
    }
    found
}

impl Browser {
    async fn start() -> Browser {
        let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {chromedriver}: {e}. Install Debian's chromium and chromium-driver \
                     (apt-get install -y chromium chromium-driver; .ci/run does) or set CHROMEDRIVER"
                )
            });
        let profile = tempfile::tempdir().unwrap();
        let mut options = json!({
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync",
                format!("--user-data-dir={}", profile.path().display()),
                "--window-size=1366,768", "--lang=zh-CN", "--hide-scrollbars",
            ],
        });
        let chromium = std::env::var("CHROMIUM").ok().or_else(|| {
            Path::new("/usr/bin/chromium")
                .exists()
                .then(|| "/usr/bin/chromium".to_string())
        });
        if let Some(binary) = chromium {
            options["binary"] = json!(binary);
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(error) if started.elapsed() > WAIT => {
                    panic!("chromedriver at {url} did not start a session: {error}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        // The window's frame takes some height even headless: size the window so that the page gets 1366×768.
        client.set_window_size(1366, 768).await.unwrap();
        let inner = client
            .execute("return [window.innerWidth, window.innerHeight]", vec![])
            .await
            .unwrap();
        let (width, height) = (
            inner[0].as_u64().unwrap() as u32,
            inner[1].as_u64().unwrap() as u32,
        );
        client
            .set_window_size(1366 + 1366 - width.min(1366), 768 + 768 - height.min(768))
            .await
            .unwrap();
        Browser {
            client,
            driver,
            _profile: profile,
        }
    }
}

/// The page of one app in one browser.
struct Desk<'a> {
    app: &'a TestApp,
    browser: &'a Browser,
}

impl Desk<'_> {
    fn client(&self) -> &Client {
        &self.browser.client
    }

    async fn open(&self, view: &str) {
        let url = format!("{}/#{view}", self.app.address);
        self.client().goto(&url).await.unwrap();
        self.client().refresh().await.unwrap();
    }

    async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client()
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
    }

    async fn text(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.unwrap()
    }

    async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.unwrap();
    }

    async fn type_into(&self, css: &str, text: &str) {
        self.wait_for(css).await.send_keys(text).await.unwrap();
    }

    /// Sets a control's value as a picker would (date inputs take keys in the browser's locale order).
    async fn set_value(&self, css: &str, value: &str) {
        self.wait_for(css).await;
        self.client()
            .execute(
                "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                 e.dispatchEvent(new Event('input', {bubbles: true}));",
                vec![json!(css), json!(value)],
            )
            .await
            .unwrap();
    }

    /// Keys sent to whatever has the focus, as typed.
    async fn press(&self, keys: &str) {
        let focused = self.client().active_element().await.unwrap();
        focused.send_keys(keys).await.unwrap();
    }

    async fn script(&self, script: &str) -> Value {
        self.client().execute(script, vec![]).await.unwrap()
    }

    /// Waits until a script returns true.
    async fn wait_until(&self, what: &str, script: &str) {
        let started = Instant::now();
        while self.script(script).await != json!(true) {
            assert!(started.elapsed() < WAIT, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn login(&self, token: &str) {
        self.client()
            .goto(&format!("{}/", self.app.address))
            .await
            .unwrap();
        self.type_into("#login-token", token).await;
        self.click("#login-form button[type=submit]").await;
        self.wait_for("#who-name").await;
    }

    async fn logout(&self) {
        self.click("#logout").await;
        self.wait_for("#login-token").await;
    }

    async fn nav(&self) -> Vec<String> {
        let mut names = Vec::new();
        self.wait_for("#nav a").await;
        for link in self
            .client()
            .find_all(Locator::Css("#nav a"))
            .await
            .unwrap()
        {
            names.push(link.text().await.unwrap());
        }
        names
    }

    /// Whether the page fits the window's width (no sideways scrolling).
    async fn fits_width(&self) -> bool {
        self.script("return document.documentElement.scrollWidth <= window.innerWidth")
            .await
            == json!(true)
    }

    /// Saves a screenshot when `DESK_SCREENSHOTS` names a folder.
    async fn screenshot(&self, name: &str) {
        let Ok(dir) = std::env::var("DESK_SCREENSHOTS") else {
            return;
        };
        // Let the toast fade and the layout settle.
        tokio::time::sleep(Duration::from_millis(400)).await;
        let png = self.client().screenshot().await.unwrap();
        let dir = manifest_dir().join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

/// Department ids of the shipped routing table.
fn departments() -> Vec<String> {
    let routing = std::fs::read_to_string(manifest_dir().join("models/routing.csv")).unwrap();
    let column = routing
        .lines()
        .next()
        .and_then(|header| header.split(',').position(|name| name == "department_id"))
        .expect("routing.csv has a department_id column");
    let mut ids: Vec<String> = routing
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(column).map(str::to_string))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// A model registry trained on a slice of the team's corpus, so that retraining takes a moment.
fn small_registry(dir: &Path) -> PathBuf {
    let mut reader = csv::Reader::from_path(manifest_dir().join("corpora/complaints.csv")).unwrap();
    let mut per_label: BTreeMap<String, usize> = BTreeMap::new();
    let training = dir.join("training.csv");
    let mut writer = csv::Writer::from_path(&training).unwrap();
    writer.write_record(["text", "label"]).unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        let (text, label) = (&record[1], &record[2]);
        let seen = per_label.entry(label.to_string()).or_default();
        if *seen < 40 {
            *seen += 1;
            writer.write_record([text, label]).unwrap();
        }
    }
    writer.flush().unwrap();
    let registry = dir.join("registry");
    let status = Command::new(env!("CARGO_BIN_EXE_triage"))
        .args(["train", "--input"])
        .arg(&training)
        .arg("--registry")
        .arg(&registry)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "training the test registry failed");
    registry
}

/// Closed cases per category in the office's history: enough that the held-out slice (1 in 5, by a hash of
/// the text) passes the registry's minimum for a comparison.
const HISTORY_PER_LABEL: usize = 12;

/// The office's history: complaints of the team's corpus the test registry did not learn (the rows after the
/// first 40 of each category), each with its final category, as an office's export of closed cases.
fn history_file(dir: &Path) -> (PathBuf, usize) {
    let mut reader = csv::Reader::from_path(manifest_dir().join("corpora/complaints.csv")).unwrap();
    let mut per_label: BTreeMap<String, usize> = BTreeMap::new();
    let path = dir.join("已办结案件.csv");
    let mut writer = csv::Writer::from_path(&path).unwrap();
    writer
        .write_record(["编号", "诉求内容", "最终类别"])
        .unwrap();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let seen = per_label.entry(record[2].to_string()).or_default();
        *seen += 1;
        if (41..=40 + HISTORY_PER_LABEL).contains(seen) {
            writer
                .write_record([&record[0], &record[1], &record[2]])
                .unwrap();
            rows += 1;
        }
    }
    writer.flush().unwrap();
    (path, rows)
}

/// Loads the history into the app's store through the library's import, as `triage cases import
/// --closed-label-column` does.
async fn load_history(app: &TestApp, dir: &Path) -> usize {
    let (path, rows) = history_file(dir);
    let pipeline = app.model.current().pipeline.clone();
    let options = ImportOptions {
        text_column: "诉求内容".into(),
        id_column: Some("编号".into()),
        closed_label_column: Some("最终类别".into()),
        actor: "history".into(),
        model_version: app.model.current().version.clone(),
    };
    let report = import_table(&app.store, &pipeline, &path, &options)
        .await
        .unwrap();
    assert!(report.unreadable.is_empty(), "{:?}", report.unreadable);
    assert_eq!((report.imported, report.closed), (rows, rows));
    rows
}

/// A batch as an office exports it: GBK, with ids, held-out complaints of several categories (one in
/// Traditional script) and a few lines that are not complaints.
const TRADITIONAL: &str = "我們是做家具的，廠房是租來的，今年消防大隊來檢查，說油漆房沒有獨立的防爆設施，整改費用太高，希望給予指導。";

fn batch_file(dir: &Path) -> (PathBuf, usize) {
    let mut reader = csv::Reader::from_path(manifest_dir().join("corpora/holdout.csv")).unwrap();
    let mut per_label: BTreeMap<String, usize> = BTreeMap::new();
    let mut rows: Vec<(String, String)> = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        let seen = per_label.entry(record[2].to_string()).or_default();
        if *seen < 2 {
            *seen += 1;
            rows.push((format!("B{:03}", rows.len() + 1), record[1].to_string()));
        }
    }
    for text in [
        TRADITIONAL,
        "您好，请问这个平台是做什么的？",
        "测试一下，谢谢",
        "好的，收到，谢谢你们",
    ] {
        rows.push((format!("B{:03}", rows.len() + 1), text.to_string()));
    }
    let mut csv_text = String::from("id,text\n");
    for (id, text) in &rows {
        csv_text.push_str(&format!("{id},\"{}\"\n", text.replace('"', "\"\"")));
    }
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&csv_text);
    assert!(!unmappable);
    let path = dir.join("诉求批次.csv");
    std::fs::write(&path, bytes).unwrap();
    (path, rows.len())
}

async fn desk_app() -> (TestApp, tempfile::TempDir) {
    let fixtures = tempfile::tempdir().unwrap();
    let registry = small_registry(fixtures.path());
    let model = Arc::new(ModelHandle::load(ModelSource::Registry(registry)).unwrap());
    let mut tokens = vec![
        (Role::Admin, "admin".to_string()),
        (Role::Dispatcher, "dispatcher".to_string()),
        (Role::Reader, "reader".to_string()),
    ];
    for id in departments() {
        tokens.push((Role::Department(id.clone()), format!("dept-{id}")));
    }
    let app = spawn_app_with(AppOptions {
        model: Some(model),
        tokens,
        ..AppOptions::default()
    })
    .await;
    (app, fixtures)
}

/// GET with a named holder's token.
async fn get_as(app: &TestApp, who: &str, path: &str) -> (u16, Value) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(&app.tokens[who])
        .send()
        .await
        .unwrap();
    json(response).await
}

async fn post_as(app: &TestApp, who: &str, path: &str, body: &Value) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}{path}", app.address))
        .bearer_auth(&app.tokens[who])
        .json(body)
        .send()
        .await
        .unwrap();
    json(response).await
}

async fn case(app: &TestApp, id: &str) -> Value {
    let (status, case) = get_as(app, "admin", &format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, 200, "{case}");
    case
}

fn date_from_today(days: i64) -> String {
    let day = jiff::Zoned::now().date() + jiff::Span::new().days(days);
    day.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_loop_from_upload_to_retrain() {
    let (app, fixtures) = desk_app().await;
    if !browser_available() {
        return;
    }
    let browser = Browser::start().await;
    let desk = Desk {
        app: &app,
        browser: &browser,
    };
    let (batch, batch_rows) = batch_file(fixtures.path());
    // The office's history is in the store before the day starts: closed cases, each with its final category.
    let history = load_history(&app, fixtures.path()).await;
    let (_, stats_before) = get_as(&app, "reader", "/api/v1/stats").await;
    let closed_before = |department: &str| {
        stats_before["departments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["department_id"] == department)
            .map_or(0, |d| d["closed"].as_i64().unwrap())
    };

    // 分诊: a dispatcher uploads a GBK batch.
    desk.login(&app.tokens["dispatcher"]).await;
    assert_eq!(desk.nav().await, ["分诊", "待复核", "督办", "部门"]);
    desk.open("intake").await;
    desk.type_into("#batch-file", &batch.display().to_string())
        .await;
    // The file's header is offered, the text column chosen.
    desk.wait_until(
        "the columns to be offered",
        "return document.getElementById('batch-column-hint').textContent.includes('诉求内容列“text”')",
    )
    .await;
    desk.click("#batch-upload").await;
    desk.wait_for("#batch-done").await;
    assert_eq!(desk.text("#fig-rows").await, batch_rows.to_string());
    let routed: usize = desk.text("#fig-routed").await.parse().unwrap();
    let review: usize = desk.text("#fig-review").await.parse().unwrap();
    assert_eq!(routed + review, batch_rows);
    assert!(
        review >= 3,
        "the batch should send at least three cases to review"
    );
    // Traditional input is shown as written, with the reasons marked in it.
    desk.wait_for("#batch-rows mark").await;
    let shown = desk.text("#batch-rows").await;
    assert!(shown.contains("廠房是租來的"), "{shown}");
    assert!(desk.fits_width().await, "the intake view fits 1366 wide");
    desk.screenshot("intake").await;

    // The store holds every row as a new case with the model's suggestion.
    let (_, stored) = get_as(&app, "dispatcher", "/api/v1/cases?state=new&per_page=500").await;
    assert_eq!(stored["total"], batch_rows);
    let (_, all) = get_as(&app, "dispatcher", "/api/v1/cases?per_page=1").await;
    assert_eq!(all["total"], batch_rows + history);
    assert!(
        stored["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["state"] == "new"
                && c["source"].as_str().unwrap().starts_with("诉求批次.csv"))
    );

    // The 交办单: a summary sheet, one per department, the review sheet.
    let job = desk
        .script("return desk.lastBatch")
        .await
        .as_str()
        .unwrap()
        .to_string();
    let sheet = app
        .client
        .get(format!("{}/api/v1/desk/batches/{job}/sheet", app.address))
        .bearer_auth(&app.tokens["dispatcher"])
        .send()
        .await
        .unwrap();
    assert_eq!(sheet.status(), 200);
    let bytes = sheet.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheets = book.sheet_names();
    assert_eq!(sheets.last().map(String::as_str), Some("汇总"));
    assert!(sheets.iter().any(|s| s == "待复核"), "{sheets:?}");
    assert!(sheets.len() >= 4, "{sheets:?}");
    // Every stored case of the batch is on one sheet, under a title row and the header.
    let on_sheets: usize = sheets[..sheets.len() - 1]
        .iter()
        .map(|name| book.worksheet_range(name).unwrap().height() - 2)
        .sum();
    assert_eq!(on_sheets, batch_rows);
    let review_sheet = book.worksheet_range("待复核").unwrap();
    assert_eq!(review_sheet.height() - 2, review);

    // 交办 of everything routed, with a deadline three days ago: those cases are overdue at once.
    desk.set_value("#routed-deadline", &date_from_today(-3))
        .await;
    desk.click("#assign-routed").await;
    // 交办 runs as a job with its progress on the page.
    let assigned_line = desk.text("#assign-done").await;
    assert!(
        assigned_line.contains(&format!("已交办 {routed} / {routed} 件")),
        "{assigned_line}"
    );
    let (_, assigned) = get_as(
        &app,
        "dispatcher",
        "/api/v1/cases?state=assigned&per_page=500",
    )
    .await;
    assert_eq!(assigned["total"], routed);

    // The same file again: the page says when it was uploaded and stores nothing until asked.
    desk.open("intake").await;
    let past = desk
        .text(&format!("#batch-past tr[data-job='{job}']"))
        .await;
    assert!(
        past.contains("诉求批次.csv") && past.contains("完成"),
        "{past}"
    );
    desk.type_into("#batch-file", &batch.display().to_string())
        .await;
    desk.click("#batch-upload").await;
    let duplicate = desk.text("#batch-duplicate").await;
    assert!(
        duplicate.contains("上传过") && duplicate.contains(&job),
        "{duplicate}"
    );
    let (_, all) = get_as(&app, "dispatcher", "/api/v1/cases?per_page=1").await;
    assert_eq!(all["total"], batch_rows + history, "nothing stored twice");

    // 待复核: two cases corrected, one by the keyboard and one through the search box, then "not a complaint".
    desk.open("review").await;
    let first = desk.text("#review-id").await;
    let suggested = desk
        .wait_for("#review-card .choice[aria-pressed=true]")
        .await
        .attr("data-label")
        .await
        .unwrap()
        .unwrap();
    let choices = browser
        .client
        .find_all(Locator::Css("#review-card .choice"))
        .await
        .unwrap();
    assert!(choices.len() >= 2, "the hardest case offers alternatives");
    desk.screenshot("review").await;
    let second_choice = choices[1].attr("data-label").await.unwrap().unwrap();
    desk.set_value("#review-deadline", &date_from_today(5))
        .await;
    desk.click("#review-text").await;
    desk.press("2").await;
    desk.wait_until(
        "choice 2 to be chosen",
        "return document.querySelectorAll('.choice')[1].getAttribute('aria-pressed') === 'true'",
    )
    .await;
    desk.press(ENTER).await;
    desk.wait_until(
        "the next case",
        &format!("const e = document.getElementById('review-id'); return !!e && e.textContent !== '{first}'"),
    )
    .await;
    let one = case(&app, &first).await;
    assert_eq!(one["state"], "assigned");
    assert_eq!(one["label"], second_choice.as_str());
    assert_ne!(one["label"], suggested.as_str());
    assert_eq!(
        one["deadline"].as_str().unwrap()[..10],
        date_from_today(5)[..]
    );
    let history = one["history"].as_array().unwrap();
    let assign = history.iter().find(|e| e["kind"] == "assign").unwrap();
    assert!(
        assign["note"].as_str().unwrap().contains("label corrected"),
        "{assign}"
    );

    let second = desk.text("#review-id").await;
    let second_suggested = desk
        .wait_for("#review-card .choice[aria-pressed=true]")
        .await
        .attr("data-label")
        .await
        .unwrap();
    // Search for a category other than the suggestion, by its department's name.
    let (target_label, target_search) = if second_suggested.as_deref() == Some("tax") {
        ("land", "自然资源")
    } else {
        ("tax", "税务")
    };
    desk.type_into("#review-search", target_search).await;
    desk.wait_for(&format!(
        "#review-search-results button[data-label={target_label}]"
    ))
    .await;
    desk.press(ENTER).await;
    desk.wait_until(
        "the search result to be chosen",
        "return document.activeElement && document.activeElement.id === 'review-confirm'",
    )
    .await;
    desk.press(ENTER).await;
    desk.wait_until(
        "the next case",
        &format!("const e = document.getElementById('review-id'); return !e || e.textContent !== '{second}'"),
    )
    .await;
    let two = case(&app, &second).await;
    assert_eq!(two["state"], "assigned");
    assert_eq!(two["label"], target_label);
    assert_eq!(
        two["department_id"],
        if target_label == "tax" {
            "tax_bureau"
        } else {
            "natural_resources"
        }
    );

    let third = desk.text("#review-id").await;
    desk.click("#review-not-complaint").await;
    desk.wait_until(
        "the next case",
        &format!("const e = document.getElementById('review-id'); return !e || e.textContent !== '{third}'"),
    )
    .await;
    let three = case(&app, &third).await;
    assert_eq!(three["state"], "closed");
    assert_eq!(three["label"], "not_complaint");
    desk.logout().await;

    // 部门: the department holding most overdue cases closes one (销号) and returns one (退单).
    let (_, assigned) = get_as(&app, "admin", "/api/v1/cases?state=assigned&per_page=500").await;
    let mut by_department: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in assigned["cases"].as_array().unwrap() {
        if c["overdue"] == true {
            by_department
                .entry(c["department_id"].as_str().unwrap().to_string())
                .or_default()
                .push(c["id"].as_str().unwrap().to_string());
        }
    }
    let (department, overdue_ids) = by_department
        .into_iter()
        .max_by_key(|(_, ids)| ids.len())
        .unwrap();
    assert!(
        overdue_ids.len() >= 2,
        "a department with two overdue cases"
    );
    desk.login(&app.tokens[&format!("dept-{department}")]).await;
    assert_eq!(desk.nav().await, ["部门"]);
    desk.wait_for(&format!("tr[data-id='{}']", overdue_ids[0]))
        .await;
    desk.screenshot("department").await;
    let (closing, returning) = (&overdue_ids[0], &overdue_ids[1]);
    desk.type_into(
        &format!("#resolution-{closing}"),
        "已上门核实，问题已解决，企业满意。",
    )
    .await;
    desk.click(&format!("#close-{closing}")).await;
    desk.wait_until(
        "the closed case to leave the list",
        &format!("return !document.querySelector(\"tr[data-id='{closing}']\")"),
    )
    .await;
    desk.type_into(
        &format!("#return-reason-{returning}"),
        "不属本部门职责，应由属地街道处理",
    )
    .await;
    desk.click(&format!("#return-{returning}")).await;
    desk.wait_until(
        "the returned case to leave the list",
        &format!("return !document.querySelector(\"tr[data-id='{returning}']\")"),
    )
    .await;
    let closed = case(&app, closing).await;
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["resolution"], "已上门核实，问题已解决，企业满意。");
    let returned = case(&app, returning).await;
    assert_eq!(returned["state"], "returned");
    assert_eq!(returned["returns"], 1);
    // A department lists its own cases only.
    let (_, own) = get_as(
        &app,
        &format!("dept-{department}"),
        "/api/v1/cases?per_page=500",
    )
    .await;
    assert!(
        own["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["department_id"] == department.as_str())
    );
    desk.logout().await;

    // 督办: the board shows the overdue cases, most days late first, and the returned one waiting.
    desk.login(&app.tokens["reader"]).await;
    assert_eq!(desk.nav().await, ["督办"]);
    desk.wait_for("#board-returned tr[data-id]").await;
    let returned_row = desk
        .text(&format!("#board-returned tr[data-id='{returning}']"))
        .await;
    assert!(returned_row.contains("不属本部门职责"), "{returned_row}");
    let overdue_rows = browser
        .client
        .find_all(Locator::Css("#board-overdue tr[data-id]"))
        .await
        .unwrap();
    assert_eq!(
        overdue_rows.len(),
        routed - 2,
        "routed cases less the closed and the returned"
    );
    let (_, board) = get_as(&app, "reader", "/api/v1/desk/board").await;
    let days: Vec<i64> = board["overdue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["days_late"].as_i64().unwrap())
        .collect();
    assert!(days.iter().all(|&d| d >= 2), "{days:?}");
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "{days:?}");
    let (_, stats) = get_as(&app, "reader", "/api/v1/stats").await;
    let line = stats["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["department_id"] == department.as_str())
        .unwrap()
        .clone();
    assert_eq!(line["returned"], 1, "{line}");
    assert_eq!(line["closed"], closed_before(&department) + 1, "{line}");
    desk.screenshot("board").await;
    desk.logout().await;

    // More closed cases for learning: the department closes the rest of its cases through the API.
    for id in &overdue_ids[2..] {
        let (status, body) = post_as(
            &app,
            &format!("dept-{department}"),
            &format!("/api/v1/cases/{id}/close"),
            &json!({"resolution": "已办结"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    for id in [&first, &second] {
        let (status, body) = post_as(
            &app,
            "admin",
            &format!("/api/v1/cases/{id}/close"),
            &json!({"resolution": "已办结"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }

    // 模型: the admin retrains from the closed cases and sees the comparison before anything is promoted.
    desk.login(&app.tokens["admin"]).await;
    assert_eq!(desk.nav().await, ["分诊", "待复核", "督办", "部门", "模型"]);
    desk.open("model").await;
    assert_eq!(desk.text("#model-version").await, "1");
    desk.click("#retrain").await;
    // The history and the day's closed cases are enough for a fair comparison: the page shows it side by side,
    // with the rule's advice, and nothing changes until the admin decides.
    desk.wait_for("#comparison").await;
    let comparison = desk.text("#comparison").await;
    assert!(comparison.contains("宏平均 F1"), "{comparison}");
    assert!(comparison.contains("在用（版本 1）"), "{comparison}");
    assert!(comparison.contains("候选（版本 2）"), "{comparison}");
    assert!(comparison.contains("召回率"), "per category: {comparison}");
    let held_out_line = desk.text("#retrain-held-out").await;
    let held_out: usize = held_out_line
        .split("件留出")
        .next()
        .and_then(|head| head.rsplit('，').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no held-out count in {held_out_line}"));
    assert!(held_out >= 30, "{held_out_line}");
    let advice = desk.text("#retrain-verdict").await;
    assert!(advice.contains("规则建议"), "{advice}");
    desk.script(
        "document.getElementById('retrain-decision').scrollIntoView({block: 'end'}); return true",
    )
    .await;
    desk.screenshot("model").await;
    let (_, model) = get_as(&app, "admin", "/api/v1/desk/model").await;
    let versions = model["registry"]["versions"].as_array().unwrap();
    assert_eq!(
        versions.len(),
        2,
        "the candidate is recorded in the registry"
    );
    assert_eq!(versions[1]["status"], "pending");
    assert_eq!(
        model["version"], "1",
        "nothing is promoted before the admin decides"
    );
    assert!(
        versions[1]["origin"]
            .as_str()
            .unwrap()
            .contains("case store")
    );
    assert_eq!(versions[1]["comparison"]["held_out_rows"], held_out);

    // The admin looks again later: the candidate still waits, with its figures, and is promoted from there
    // (confirming when the rule advised against it).
    desk.open("model").await;
    let waiting = desk.text(".pending[data-version='2']").await;
    assert!(
        waiting.contains("版本 2 待决定") && waiting.contains(&format!("留出的 {held_out} 件")),
        "{waiting}"
    );
    assert_eq!(desk.text("#model-version").await, "1");
    desk.script("window.confirm = () => true; return true")
        .await;
    desk.click("#promote-2").await;
    desk.wait_until(
        "version 2 to be in service",
        "const e = document.getElementById('model-version'); return !!e && e.textContent === '2'",
    )
    .await;
    let (_, model) = get_as(&app, "admin", "/api/v1/desk/model").await;
    let versions = model["registry"]["versions"].as_array().unwrap();
    assert_eq!(model["version"], "2");
    assert_eq!(versions[0]["status"], "retired");
    assert_eq!(versions[1]["status"], "active");
    let history_actions: Vec<&str> = model["registry"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        history_actions.last(),
        Some(&"promote"),
        "{history_actions:?}"
    );
    // New cases are now triaged by version 2, and the store records it.
    let (status, taken) = post_as(
        &app,
        "dispatcher",
        "/api/v1/cases",
        &json!({"cases": [{"text": "增值税留抵退税申请提交两个月了还没有到账"}]}),
    )
    .await;
    assert_eq!(status, 201, "{taken}");
    let new_case = case(&app, taken["cases"][0]["id"].as_str().unwrap()).await;
    assert_eq!(new_case["model_version"], "2", "{new_case}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_sees_only_its_views_and_a_bad_token_is_refused() {
    let (app, _fixtures) = desk_app().await;
    if !browser_available() {
        return;
    }
    let browser = Browser::start().await;
    let desk = Desk {
        app: &app,
        browser: &browser,
    };
    desk.client()
        .goto(&format!("{}/", app.address))
        .await
        .unwrap();
    desk.type_into("#login-token", "not-a-token").await;
    desk.click("#login-form button[type=submit]").await;
    let refused = desk.text("#login-form [role=alert]").await;
    assert!(refused.contains("令牌无效"), "{refused}");
    desk.screenshot("login").await;

    for (who, views) in [
        ("reader", vec!["督办"]),
        ("dept-tax_bureau", vec!["部门"]),
        ("dispatcher", vec!["分诊", "待复核", "督办", "部门"]),
    ] {
        desk.login(&app.tokens[who]).await;
        assert_eq!(desk.nav().await, views, "{who}");
        // Asking for a view the role does not have shows its first view instead.
        desk.open("model").await;
        assert!(
            desk.wait_for("#main h2, #main .panel")
                .await
                .is_displayed()
                .await
                .unwrap()
        );
        assert_eq!(desk.nav().await, views, "{who}");
        desk.logout().await;
    }
    // A 1920-wide screen: every view of the admin fits.
    browser.client.set_window_size(1920, 1080).await.unwrap();
    desk.login(&app.tokens["admin"]).await;
    for view in ["intake", "review", "board", "department", "model"] {
        desk.open(view).await;
        desk.wait_for("#main .panel").await;
        assert!(desk.fits_width().await, "{view} fits 1920 wide");
    }

    // What the page hides, the service refuses.
    let (status, _) = get_as(&app, "dept-tax_bureau", "/api/v1/desk/review").await;
    assert_eq!(status, 403);
    let (status, _) = get_as(&app, "dispatcher", "/api/v1/desk/model").await;
    assert_eq!(status, 403);
    let (status, _) = post_as(&app, "reader", "/api/v1/desk/model/retrain", &json!({})).await;
    assert_eq!(status, 403);
}
