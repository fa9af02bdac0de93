-- Keyed chronology (docs/security.md, threat 12). Chronology links were plain SHA-256, which
-- anyone who can write the database can recompute after editing or deleting events. New links
-- are HMAC-SHA-256 under a key derived from a master key (src/domain/concerns/chronology.ts);
-- each event records how its link was computed. Existing events keep NULL here, meaning version 1
-- (unkeyed): they are never rewritten, and the append-only trigger is unchanged (adding a column
-- or a constraint fires no row trigger).
ALTER TABLE concern_events
  ADD COLUMN hash_version smallint,
  ADD COLUMN hash_key_id  text,
  ADD CONSTRAINT concern_events_hash_version CHECK (
    (hash_version IS NULL AND hash_key_id IS NULL) OR (hash_version = 2 AND hash_key_id IS NOT NULL)
  );

-- The concern row's keyed seal over its event count and head hash, rewritten with every event:
-- removing the newest events and fixing the count and head hash needs the key as well.
-- NULL for a concern whose chronology has no keyed event yet.
ALTER TABLE concerns
  ADD COLUMN head_key_id text,
  ADD COLUMN head_tag    text,
  ADD CONSTRAINT concerns_head_seal CHECK ((head_key_id IS NULL) = (head_tag IS NULL));
