-- The worker's claim looks for the head (oldest unsent message) of each target. Sent rows are
-- kept (they hold Teams' activity ids for later card updates), so the full-table index made
-- every claim walk past all of a target's sent history: the DSL channel's grows with every
-- concern. This index holds only unsent rows, so a claim costs what is queued, not what was sent.
CREATE INDEX outbox_unsent_by_target ON outbox (tenant_id, target_key, outbox_id)
  WHERE status IN ('pending', 'sending', 'held');
