//! Helpers for tests of `triage serve`: [`spawn_app`] starts the real service in-process on port 0 with its own
//! SQLite file (or a fresh PostgreSQL database), and [`TestApp`] sends it requests.
#![allow(dead_code)]

use complaint_triage::Pipeline;
use complaint_triage::pipeline::model_file;
use complaint_triage::serve::auth::{Role, TokenTable, new_token, token_line};
use complaint_triage::serve::model::ModelHandle;
use complaint_triage::serve::{AppState, Limits, serve};
use complaint_triage::store::Store;
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use tokio::sync::oneshot;

/// The built-in model, decoded once per test binary.
pub fn default_pipeline() -> Pipeline {
    static MODEL: OnceLock<Pipeline> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            model_file::builtin()
                .expect("the build embeds models/default.model")
                .expect("the built-in model loads")
        })
        .clone()
}

/// How to start a test service.
#[derive(Default)]
pub struct AppOptions {
    /// `None`: a new SQLite file in the app's folder.
    pub store_url: Option<String>,
    /// `None`: the built-in model.
    pub model: Option<Arc<ModelHandle>>,
    /// (role, name) of the tokens to make; empty: no tokens file (loopback mode).
    pub tokens: Vec<(Role, String)>,
    pub limits: Limits,
}

/// A running service.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub store_url: String,
    pub model: Arc<ModelHandle>,
    /// Tokens by holder name.
    pub tokens: std::collections::HashMap<String, String>,
    /// Sent with every request by [`TestApp::get`] and [`TestApp::post`] unless [`TestApp::as_user`] says
    /// otherwise.
    pub token: Option<String>,
    /// Holds the SQLite file.
    pub dir: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// The built-in model, a new SQLite store, no tokens.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(AppOptions::default()).await
}

pub async fn spawn_app_with(options: AppOptions) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store_url = options
        .store_url
        .unwrap_or_else(|| dir.path().join("cases.db").display().to_string());
    let store = Store::open(&store_url).await.expect("open the store");
    let model = options
        .model
        .unwrap_or_else(|| Arc::new(ModelHandle::fixed(default_pipeline(), "builtin")));
    let mut tokens = std::collections::HashMap::new();
    let table = if options.tokens.is_empty() {
        None
    } else {
        let mut lines = String::new();
        for (role, name) in &options.tokens {
            let token = new_token().unwrap();
            lines.push_str(&token_line(role, name, &token));
            lines.push('\n');
            tokens.insert(name.clone(), token);
        }
        Some(TokenTable::parse(&lines).unwrap())
    };
    let mut state = AppState::new(Arc::clone(&model), store.clone(), table);
    state.limits = options.limits;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let (shutdown, stop) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, state, async {
        let _ = stop.await;
    }));
    TestApp {
        address,
        client: reqwest::Client::new(),
        store,
        store_url,
        model,
        tokens,
        token: None,
        dir,
        shutdown: Some(shutdown),
        server: Some(server),
    }
}

impl TestApp {
    /// Requests from now on carry `name`'s token.
    pub fn as_user(&mut self, name: &str) -> &mut Self {
        self.token = Some(self.tokens[name].clone());
        self
    }

    fn with_token(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.with_token(self.client.get(format!("{}{path}", self.address)))
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.with_token(self.client.post(format!("{}{path}", self.address)))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// A POST whose body is sent as given (malformed JSON, oversized bodies).
    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.with_token(self.client.post(format!("{}{path}", self.address)))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}

/// Status and JSON body of a response.
pub async fn json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

/// A new, empty PostgreSQL database on the server `DATABASE_URL` names, or `None` (with a loud message) when
/// the variable is not set.
pub async fn fresh_postgres_database(test: &str) -> Option<String> {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!(
            "\n*** SKIPPED {test}: DATABASE_URL is not set, so this PostgreSQL test did not run. \
             .ci/run sets it; locally: pg_ctlcluster 15 main start and export DATABASE_URL=postgres://… ***\n"
        );
        return None;
    };
    use sqlx::Connection;
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name = format!(
        "triage_test_{}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let mut admin = sqlx::PgConnection::connect(&url)
        .await
        .expect("connect to DATABASE_URL");
    sqlx::Executor::execute(&mut admin, format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create a test database");
    let (base, query) = url.split_once('?').unwrap_or((&url, ""));
    let base = &base[..base.rfind('/').expect("DATABASE_URL names a database")];
    Some(if query.is_empty() {
        format!("{base}/{name}")
    } else {
        format!("{base}/{name}?{query}")
    })
}
