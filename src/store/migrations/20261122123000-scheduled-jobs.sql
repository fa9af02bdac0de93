-- Jobs the app runs on a schedule (the daily sharing audit): the last day each ran, and a lease
-- so that one runs at a time across app instances and the CLI. A lease outlives a crash only
-- until lease_until; the audit itself resumes from its own checkpoints.
CREATE TABLE scheduled_jobs (
  tenant_id      text NOT NULL REFERENCES tenants (tenant_id),
  job            text NOT NULL,
  last_run_on    date,
  lease_holder   text,
  lease_until    timestamptz,
  PRIMARY KEY (tenant_id, job)
);
