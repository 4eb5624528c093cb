-- What the centre itself must keep beside the devices' chains, shared by every instance and kept
-- across restarts: signed-out sessions (until they would have expired anyway), the centre audit
-- (sign-ins, sign-outs, refusals at the centre, look tokens issued with the staff member's role),
-- and the roster's room labels and care-plan references as they were over time, so an export
-- names each look's room as it was then. Times are epoch milliseconds.

CREATE TABLE session_revocations (
  session_id TEXT PRIMARY KEY,
  until_ms BIGINT NOT NULL
);

CREATE INDEX session_revocations_by_until ON session_revocations (until_ms);

CREATE TABLE centre_audit (
  id {{autoid}},
  at_ms BIGINT NOT NULL,
  type TEXT NOT NULL,
  code TEXT,
  staff_id TEXT,
  device_id TEXT,
  session_id TEXT,
  token_id TEXT,
  scope TEXT,
  role TEXT,
  instance_id TEXT
);

CREATE INDEX centre_audit_by_time ON centre_audit (at_ms);

CREATE INDEX centre_audit_by_device ON centre_audit (device_id, at_ms);

CREATE INDEX centre_audit_by_token ON centre_audit (token_id);

CREATE TABLE roster_labels (
  device_id TEXT NOT NULL,
  room TEXT NOT NULL,
  care_plan_ref TEXT NOT NULL,
  since_ms BIGINT NOT NULL,
  PRIMARY KEY (device_id, since_ms)
);
