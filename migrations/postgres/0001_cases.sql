-- The case store: one row per case (derived from its events) and the append-only history of events.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('case', 0);

CREATE TABLE cases (
    id                   TEXT PRIMARY KEY,
    seq                  BIGINT NOT NULL UNIQUE,
    text                 TEXT NOT NULL,
    enterprise           TEXT,
    source               TEXT,
    received_at          BIGINT NOT NULL,
    state                TEXT NOT NULL,
    suggested_label      TEXT NOT NULL,
    suggested_department_id TEXT NOT NULL,
    confidence           DOUBLE PRECISION NOT NULL,
    review               BIGINT NOT NULL,
    model_version        TEXT NOT NULL,
    decision             TEXT NOT NULL,
    label                TEXT,
    department_id        TEXT,
    deadline             BIGINT,
    assigned_at          BIGINT,
    closed_at            BIGINT,
    resolution           TEXT,
    returns              BIGINT NOT NULL,
    version              BIGINT NOT NULL,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX cases_state ON cases (state, seq);
CREATE INDEX cases_department ON cases (department_id, state);
CREATE INDEX cases_received ON cases (received_at);

CREATE TABLE case_events (
    id            BIGSERIAL PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases (id),
    seq           BIGINT NOT NULL,
    at            BIGINT NOT NULL,
    actor         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    department_id TEXT,
    before        TEXT NOT NULL,
    after         TEXT NOT NULL,
    note          TEXT,
    UNIQUE (case_id, seq)
);
CREATE INDEX case_events_kind ON case_events (kind, department_id);
