//! A JSON body extractor whose errors name the field to blame (`complaints[3].text: invalid type: …`), where
//! axum's own `Json` says only where in the text parsing stopped.

use super::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge(format!(
                        "request body too large: {}",
                        rejection.body_text()
                    )),
                    _ => ApiError::BadRequest {
                        field: None,
                        message: rejection.body_text(),
                    },
                })?;
        parse(&bytes).map(ApiJson)
    }
}

/// Parses a body, naming the field that is wrong or missing.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.inner();
        let message = inner.to_string();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::BadRequest {
                field: None,
                message: format!("malformed JSON: {message}"),
            };
        }
        // "missing field `text`" is reported at the object that lacks it: name the field itself.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let field = match (missing, path.as_str()) {
            (Some(name), ".") => name.to_string(),
            (Some(name), path) => format!("{path}.{name}"),
            (None, path) => path.to_string(),
        };
        ApiError::field(&field, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        complaints: Vec<Item>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        text: String,
    }

    fn field_of(body: &str) -> Option<String> {
        match parse::<Body>(body.as_bytes()).unwrap_err() {
            ApiError::BadRequest { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(
            field_of(r#"{"complaints":[{"text":"a"},{"text":5}]}"#).as_deref(),
            Some("complaints[1].text")
        );
        assert_eq!(
            field_of(r#"{"complaints":[{"id":1}]}"#).as_deref(),
            Some("complaints[0].text")
        );
        assert_eq!(field_of(r#"{}"#).as_deref(), Some("complaints"));
        assert_eq!(field_of(r#"{"complaints":["#), None);
    }
}
