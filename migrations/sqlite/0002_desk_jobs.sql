-- The desk's background jobs (batch uploads, one-click 交办, retrains), kept so that a restart forgets none:
-- their state and figures, and which case each row of an uploaded file became.
INSERT INTO counters (name, value) VALUES ('job', 0);

CREATE TABLE desk_jobs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    state       TEXT NOT NULL,
    batch_id    TEXT,
    file_hash   TEXT,
    file_bytes  INTEGER,
    encoding    TEXT,
    done        INTEGER NOT NULL,
    progress    INTEGER NOT NULL,
    total       INTEGER,
    error       TEXT,
    detail      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX desk_jobs_kind ON desk_jobs (kind, created_at);
CREATE INDEX desk_jobs_file ON desk_jobs (file_hash);

CREATE TABLE desk_batch_cases (
    job_id  TEXT NOT NULL REFERENCES desk_jobs (id),
    file_row INTEGER NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    PRIMARY KEY (job_id, file_row)
);
