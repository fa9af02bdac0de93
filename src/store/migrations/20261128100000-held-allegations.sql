-- A concern about an adult reported while nobody could receive it (no headteacher or chair of
-- governors; no chair for one about the headteacher) used to be stored with no delivery at all,
-- and nothing delivered it once the role was given. Such a concern now has a held delivery
-- (target 'allegation-recipient') that is released to the headteacher or chair as soon as one
-- exists (src/services/held-allegations.ts). This gives one to every concern about an adult
-- stored before, that has no delivery to a person yet.
INSERT INTO outbox (tenant_id, idempotency_key, kind, target_key, payload, status)
SELECT c.tenant_id, 'concern:' || c.concern_id::text || ':held-recipient', 'concern.send-to-person', 'allegation-recipient',
       jsonb_build_object('concernId', c.concern_id::text, 'view', 'full'), 'held'
FROM concerns c
WHERE c.recipient IN ('headteacher', 'chair')
  AND NOT EXISTS (
    SELECT 1 FROM outbox o
    WHERE o.tenant_id = c.tenant_id AND o.kind = 'concern.send-to-person' AND o.payload->>'concernId' = c.concern_id::text)
ORDER BY c.created_at, c.concern_id
ON CONFLICT (tenant_id, idempotency_key) DO NOTHING;
