//! Who may do what: bearer tokens with roles, read from a tokens file where only their SHA-256 is kept.
//!
//! The file has one token per line, `ROLE NAME sha256:HEX` (`#` starts a comment); `triage token` makes a new
//! token, prints it once and appends its line. Roles: `admin` (everything), `dispatcher` (intake, 交办,
//! review, reading), `department:<department_id>` (sees, returns and closes its own cases), `reader` (reads).
//! A token is a 256-bit random value, so one SHA-256 is enough to keep the file harmless if it leaks; a slow
//! password hash would only slow every request. Without a tokens file the service answers everyone on
//! loopback as `local` with the admin role (the command line refuses to listen elsewhere).

use super::AppState;
use super::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Admin,
    Dispatcher,
    Department(String),
    Reader,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "dispatcher" => Some(Role::Dispatcher),
            "reader" => Some(Role::Reader),
            _ => text
                .strip_prefix("department:")
                .filter(|id| !id.is_empty())
                .map(|id| Role::Department(id.to_string())),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Role::Admin => f.write_str("admin"),
            Role::Dispatcher => f.write_str("dispatcher"),
            Role::Department(id) => write!(f, "department:{id}"),
            Role::Reader => f.write_str("reader"),
        }
    }
}

/// The one who sent a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
    pub role: Role,
}

impl Caller {
    /// Anyone on loopback when the service runs without tokens.
    pub fn local() -> Caller {
        Caller {
            name: "local".into(),
            role: Role::Admin,
        }
    }

    fn refuse(&self, what: &str, allowed: &str) -> ApiError {
        ApiError::Forbidden(format!(
            "{} has the role '{}', which may not {what}; {allowed} may",
            self.name, self.role
        ))
    }

    /// Intake and 交办.
    pub fn require_dispatch(&self, what: &str) -> Result<(), ApiError> {
        match self.role {
            Role::Admin | Role::Dispatcher => Ok(()),
            _ => Err(self.refuse(what, "admin and dispatcher")),
        }
    }

    /// Model administration.
    pub fn require_admin(&self, what: &str) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            _ => Err(self.refuse(what, "admin")),
        }
    }

    /// Closing or returning: dispatchers any case, a department its own (checked by the store).
    pub fn handling_scope(&self, what: &str) -> Result<Option<&str>, ApiError> {
        match &self.role {
            Role::Admin | Role::Dispatcher => Ok(None),
            Role::Department(id) => Ok(Some(id)),
            Role::Reader => Err(self.refuse(
                what,
                "admin, dispatcher and the department holding the case",
            )),
        }
    }

    /// The department a caller is limited to when reading cases.
    pub fn reading_scope(&self) -> Option<&str> {
        match &self.role {
            Role::Department(id) => Some(id),
            _ => None,
        }
    }
}

/// The tokens the service accepts, by the SHA-256 of the token.
#[derive(Debug, Clone, Default)]
pub struct TokenTable {
    by_hash: HashMap<[u8; 32], Caller>,
}

/// The hex SHA-256 of a token, as the tokens file keeps it.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new random token (64 hex digits).
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The tokens file line for a token.
pub fn token_line(role: &Role, name: &str, token: &str) -> String {
    format!("{role} {name} sha256:{}", token_hash(token))
}

impl TokenTable {
    pub fn read(path: &Path) -> Result<TokenTable, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}, {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<TokenTable, String> {
        let mut table = TokenTable::default();
        for (number, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let bad = |message: &str| format!("line {}: {message}", number + 1);
            let parts: Vec<&str> = line.split_whitespace().collect();
            let [role, name, hash] = parts.as_slice() else {
                return Err(bad("expected `ROLE NAME sha256:HEX`"));
            };
            let role = Role::parse(role).ok_or_else(|| {
                bad(&format!(
                    "unknown role '{role}' (admin, dispatcher, department:<id>, reader)"
                ))
            })?;
            let hex = hash
                .strip_prefix("sha256:")
                .filter(|h| h.len() == 64)
                .ok_or_else(|| bad("the hash must be `sha256:` and 64 hex digits"))?;
            let mut digest = [0u8; 32];
            for (i, byte) in digest.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
                    .map_err(|_| bad("the hash must be `sha256:` and 64 hex digits"))?;
            }
            let caller = Caller {
                name: name.to_string(),
                role,
            };
            if table.by_hash.insert(digest, caller).is_some() {
                return Err(bad("the same token is listed twice"));
            }
        }
        if table.by_hash.is_empty() {
            return Err("no tokens: every request would be refused".into());
        }
        Ok(table)
    }

    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    fn find(&self, token: &str) -> Option<&Caller> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        self.by_hash.get(&digest)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(tokens) = &state.tokens else {
            return Ok(Caller::local());
        };
        let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
            ApiError::Unauthorized(
                "no token: send `Authorization: Bearer <token>` (ask the administrator for one)"
                    .into(),
            )
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
            })?;
        tokens
            .find(token)
            .cloned()
            .ok_or_else(|| ApiError::Unauthorized("unknown token".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_files_are_read_with_line_numbers() {
        let token = new_token().unwrap();
        let line = token_line(&Role::Department("tax_bureau".into()), "税务局", &token);
        let table = TokenTable::parse(&format!("# comment\n\n{line}\n")).unwrap();
        assert_eq!(
            table.find(&token).unwrap().role,
            Role::Department("tax_bureau".into())
        );
        assert!(table.find("guess").is_none());
        let error = TokenTable::parse(&format!("{line}\nboss x sha256:00\n")).unwrap_err();
        assert!(error.starts_with("line 2: unknown role 'boss'"), "{error}");
        let error = TokenTable::parse("reader x sha256:zz\n").unwrap_err();
        assert!(error.contains("64 hex digits"), "{error}");
    }
}
