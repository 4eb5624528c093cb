-- The audit archive: one row per device with its verification state, every record the devices
-- sent (verified, or pending behind a gap), the records refused as suspect, the alarms raised and
-- the devices' events. Times are epoch milliseconds; `{{autoid}}` is the dialect's identity column.

CREATE TABLE archive_devices (
  device_id TEXT PRIMARY KEY,
  verified_seq BIGINT NOT NULL,
  verified_hash TEXT NOT NULL,
  verified_at_ms BIGINT,
  suspect_count BIGINT NOT NULL,
  first_seen_ms BIGINT NOT NULL,
  last_record_ms BIGINT NOT NULL
);

CREATE TABLE audit_records (
  device_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  ts TEXT NOT NULL,
  ts_ms BIGINT NOT NULL,
  type TEXT NOT NULL,
  actor TEXT,
  code TEXT,
  session_id TEXT,
  duration_ms DOUBLE PRECISION,
  detail TEXT,
  prev TEXT NOT NULL,
  hash TEXT NOT NULL,
  record TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('verified', 'pending')),
  received_ms BIGINT NOT NULL,
  PRIMARY KEY (device_id, seq)
);

CREATE INDEX audit_records_by_type_time ON audit_records (type, ts_ms);

CREATE INDEX audit_records_by_session ON audit_records (device_id, session_id);

CREATE TABLE audit_suspects (
  id {{autoid}},
  device_id TEXT NOT NULL,
  seq BIGINT,
  reason TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_ms BIGINT NOT NULL,
  UNIQUE (device_id, fingerprint)
);

CREATE TABLE archive_alarms (
  id {{autoid}},
  device_id TEXT NOT NULL,
  seq BIGINT,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  raised_ms BIGINT NOT NULL
);

CREATE TABLE archive_events (
  device_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  code TEXT NOT NULL,
  ts TEXT NOT NULL,
  ts_ms BIGINT NOT NULL,
  detail TEXT,
  received_ms BIGINT NOT NULL,
  PRIMARY KEY (device_id, event_id)
);
