-- The case store: one row per case (derived from its events) and the append-only history of events.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('case', 0);

CREATE TABLE cases (
    id                   TEXT PRIMARY KEY,
    seq                  INTEGER NOT NULL UNIQUE,
    text                 TEXT NOT NULL,
    enterprise           TEXT,
    source               TEXT,
    received_at          INTEGER NOT NULL,
    state                TEXT NOT NULL,
    suggested_label      TEXT NOT NULL,
    suggested_department_id TEXT NOT NULL,
    confidence           DOUBLE PRECISION NOT NULL,
    review               INTEGER NOT NULL,
    model_version        TEXT NOT NULL,
    decision             TEXT NOT NULL,
    label                TEXT,
    department_id        TEXT,
    deadline             INTEGER,
    assigned_at          INTEGER,
    closed_at            INTEGER,
    resolution           TEXT,
    returns              INTEGER NOT NULL,
    version              INTEGER NOT NULL,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX cases_state ON cases (state, seq);
CREATE INDEX cases_department ON cases (department_id, state);
CREATE INDEX cases_received ON cases (received_at);

CREATE TABLE case_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id       TEXT NOT NULL REFERENCES cases (id),
    seq           INTEGER NOT NULL,
    at            INTEGER NOT NULL,
    actor         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    department_id TEXT,
    before        TEXT NOT NULL,
    after         TEXT NOT NULL,
    note          TEXT,
    UNIQUE (case_id, seq)
);
CREATE INDEX case_events_kind ON case_events (kind, department_id);
