-- Every tab request asks whether the caller has been given access to any concern about an adult
-- (hasAnyConcernAccess): by person, which the primary key (concern first) cannot answer.
CREATE INDEX concern_participants_by_person ON concern_participants (tenant_id, aad_object_id);
