-- Review decisions as an overlay (issue 13): a decision never rewrites the
-- stored document (its TOAST value stays), the API returns exactly what
-- 1.0's full rewrite stored, and a write of the whole record clears the
-- overlay.
CREATE FUNCTION pg_temp.toast_chunks() RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE r bigint[];
BEGIN
  EXECUTE format('SELECT array_agg(DISTINCT chunk_id::bigint ORDER BY chunk_id::bigint) FROM %s',
                 (SELECT reltoastrelid::regclass FROM pg_class WHERE oid = 'gitproxy.pushes'::regclass))
    INTO r;
  RETURN coalesce(r, '{}');
END $$;
-- a document large enough to live in TOAST (incompressible strings)
CREATE TEMP TABLE big AS
SELECT jsonb_build_object('id', 'ds-1', 'type', 'push', 'timestamp', 5000, 'error', false,
         'blocked', true, 'allowPush', false, 'authorised', false, 'canceled', false,
         'rejected', false, 'url', 'https://example.com/ds.git', 'userEmail', 'ds@example.com',
         'rejection', jsonb_build_object('reason', 'old'),
         'commitData', (SELECT jsonb_agg(jsonb_build_object('message', md5(g::text) || md5((g * 7)::text)))
                          FROM generate_series(1, 200) g)) AS doc;
SELECT gitproxy.write_audit(doc::json) FROM big;
SELECT pg_column_size(doc) > 2000 AS doc_is_large, decision IS NULL AS no_overlay
  FROM gitproxy.pushes WHERE id = 'ds-1';
CREATE TEMP TABLE before AS
  SELECT pg_temp.toast_chunks() AS chunks, pg_column_size(p.doc) AS doc_size, p.xmin::text AS row_xmin
    FROM gitproxy.pushes p WHERE p.id = 'ds-1';

-- 1.0's decisions, applied to a shadow copy of the document
CREATE TEMP TABLE shadow AS SELECT doc FROM big;
CREATE FUNCTION pg_temp.old_decide(action text, payload jsonb) RETURNS void LANGUAGE sql AS $$
  UPDATE shadow SET doc = CASE action
    WHEN 'authorise' THEN CASE WHEN payload IS NULL
      THEN (doc || '{"authorised": true, "canceled": false, "rejected": false}') - 'attestation'
      ELSE doc || '{"authorised": true, "canceled": false, "rejected": false}' || jsonb_build_object('attestation', payload) END
    WHEN 'reject' THEN CASE WHEN payload IS NULL
      THEN (doc || '{"authorised": false, "canceled": false, "rejected": true}') - 'rejection'
      ELSE doc || '{"authorised": false, "canceled": false, "rejected": true}' || jsonb_build_object('rejection', payload) END
    ELSE doc || '{"authorised": false, "canceled": true, "rejected": false}' END
$$;
CREATE FUNCTION pg_temp.decide(action text, payload jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  IF action = 'authorise' THEN PERFORM gitproxy.authorise('ds-1', payload::json);
  ELSIF action = 'reject' THEN PERFORM gitproxy.reject('ds-1', payload::json);
  ELSE PERFORM gitproxy.cancel('ds-1');
  END IF;
  PERFORM pg_temp.old_decide(action, payload);
  RETURN (SELECT CASE WHEN (gitproxy.get_push('ds-1')::jsonb - '_id')::text = s.doc::text
                       AND gitproxy.get_push('ds-1')::text = (s.doc || jsonb_build_object('_id', p._id))::json::text
                      THEN 'identical' ELSE 'DIFFERENT: ' || gitproxy.get_push('ds-1')::text END
            FROM shadow s, gitproxy.pushes p WHERE p.id = 'ds-1');
END $$;
SELECT step, action, pg_temp.decide(action, payload::jsonb) AS api_vs_rewrite FROM (VALUES
  (1, 'authorise', '{"reviewer": {"username": "Bob"}, "answers": [1, 2]}'),
  (2, 'reject', '{"reason": "no", "reviewer": {"username": "carol"}}'),
  (3, 'cancel', NULL),
  (4, 'authorise', NULL),
  (5, 'reject', NULL),
  (6, 'authorise', 'null'),
  (7, 'reject', '{}'),
  (8, 'cancel', NULL),
  (9, 'authorise', '{"reviewer": {"username": "dave"}}')) v(step, action, payload)
ORDER BY step;

-- the row was updated nine times, its document not once
SELECT b.chunks = pg_temp.toast_chunks() AS toast_unchanged,
       b.doc_size = pg_column_size(p.doc) AS doc_size_unchanged,
       b.row_xmin <> p.xmin::text AS row_updated,
       p.doc ->> 'authorised' AS stored_doc_authorised,
       pg_column_size(p.decision) < 200 AS overlay_small,
       p.decision
  FROM before b, gitproxy.pushes p WHERE p.id = 'ds-1';

-- readers see the merged document: listing filters on decided keys, the
-- reviewer of get_pushes_for_user_profile, the typed flag columns
SELECT push::jsonb ->> 'id' AS id FROM gitproxy.get_pushes('{"attestation.reviewer.username": "dave"}') g(push, c);
SELECT count(*) AS old_reviewer FROM gitproxy.get_pushes('{"attestation.reviewer.username": "Bob"}');
SELECT count(*) AS rejection_gone FROM gitproxy.get_pushes('{"id": "ds-1", "rejection": {}}');
SELECT push::jsonb ->> 'id' AS id FROM gitproxy.get_pushes('{"id": "ds-1", "authorised": true, "canceled": false}') g(push, c);
SELECT push::jsonb ->> 'id' AS id FROM gitproxy.get_pushes_for_user_profile('{}', 'DAVE') push;
SELECT count(*) AS old_reviewer FROM gitproxy.get_pushes_for_user_profile('{}', 'bob');
SELECT count(*) AS pending FROM gitproxy.pending_pushes WHERE id = 'ds-1';
SELECT action, state_before, reviewer FROM gitproxy.decision_log WHERE push_id = 'ds-1' ORDER BY log_id;

-- strict mode: write_audit keeps the decision fields of the merged document
-- and folds them into the new doc; the overlay is cleared
SELECT mode FROM gitproxy.set_review_mode('strict');
SELECT gitproxy.write_audit('{"id": "ds-1", "type": "push", "timestamp": 5001, "authorised": false, "note": "strict"}');
SELECT decision IS NULL AS overlay_cleared, reviewer, doc - 'commitData' AS doc
  FROM gitproxy.pushes WHERE id = 'ds-1';
SELECT gitproxy.get_push('ds-1')::jsonb - '_id' = doc AS api_is_doc FROM gitproxy.pushes WHERE id = 'ds-1';
SELECT mode FROM gitproxy.set_review_mode('parity');

-- parity: write_audit replaces the document and clears the overlay
SELECT gitproxy.reject('ds-1', '{"reason": "again"}');
SELECT decision IS NOT NULL AS overlay_set FROM gitproxy.pushes WHERE id = 'ds-1';
SELECT gitproxy.write_audit('{"id": "ds-1", "type": "push", "timestamp": 5002, "attestation": {"reviewer": {"username": "Erin"}}}');
SELECT decision IS NULL AS overlay_cleared, reviewer, doc FROM gitproxy.pushes WHERE id = 'ds-1';
SELECT gitproxy.get_push('ds-1')::jsonb - '_id' AS api_doc;
SELECT push::jsonb ->> 'id' AS id FROM gitproxy.get_pushes_for_user_profile('{}', 'erin') push;

-- the import with replace clears it too; without replace it leaves the push alone
SELECT gitproxy.cancel('ds-1');
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES (1, '{"id": "ds-1", "type": "push", "v": 1}');
SELECT * FROM gitproxy.import_pushes();
COMMIT;
SELECT decision IS NOT NULL AS overlay_kept, gitproxy.get_push('ds-1')::jsonb ->> 'canceled' AS canceled
  FROM gitproxy.pushes WHERE id = 'ds-1';
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES (1, '{"id": "ds-1", "type": "push", "v": 2}');
SELECT * FROM gitproxy.import_pushes(true);
COMMIT;
SELECT decision IS NULL AS overlay_cleared, reviewer IS NULL AS no_reviewer,
       gitproxy.get_push('ds-1')::jsonb - '_id' AS api_doc
  FROM gitproxy.pushes WHERE id = 'ds-1';

-- irregular rows: marked by the writer (the index predicate), not by a
-- decision; a decision replacing an array flag leaves the mark, the listing
-- answers from the merged document
SELECT gitproxy.write_audit('{"id": "ds-irr", "type": "push", "authorised": [true], "blocked": true}');
SELECT gitproxy.write_audit('{"id": "ds-reg", "type": "push", "authorised": false, "blocked": true}');
SELECT id, irregular FROM gitproxy.pushes WHERE id IN ('ds-irr', 'ds-reg') ORDER BY id;
SELECT string_agg(push::jsonb ->> 'id', ' ' ORDER BY push::jsonb ->> 'id') AS authorised_true
  FROM gitproxy.get_pushes('{"authorised": true, "blocked": true}') g(push, c) WHERE push::jsonb ->> 'id' LIKE 'ds-%';
SELECT gitproxy.authorise('ds-irr', NULL), gitproxy.authorise('ds-reg', NULL);
SELECT id, irregular, decision -> 'set' -> 'authorised' AS overlay_authorised FROM gitproxy.pushes WHERE id IN ('ds-irr', 'ds-reg') ORDER BY id;
SELECT string_agg(push::jsonb ->> 'id', ' ' ORDER BY push::jsonb ->> 'id') AS authorised_true
  FROM gitproxy.get_pushes('{"authorised": true, "blocked": true}') g(push, c) WHERE push::jsonb ->> 'id' LIKE 'ds-%';
SELECT count(*) AS array_authorised
  FROM gitproxy.get_pushes('{"authorised": [true]}') g(push, c) WHERE push::jsonb ->> 'id' LIKE 'ds-%';
SELECT gitproxy.delete_push('ds-irr'), gitproxy.delete_push('ds-reg');

-- gitproxy.push_document itself
SELECT gitproxy.push_document('{"a": 1, "authorised": false}', NULL) AS no_overlay,
       gitproxy.push_document('{"a": 1, "authorised": false}', '{}') AS empty_overlay,
       gitproxy.push_document('{"a": 1, "authorised": false, "attestation": {"x": 1}}',
                              '{"set": {"authorised": true, "rejection": null}, "unset": ["attestation", "missing"]}') AS merged,
       gitproxy.push_document(NULL, '{"set": {"a": 2}}') IS NULL AS null_doc;
SELECT test_err($$UPDATE gitproxy.pushes SET decision = '[]' WHERE id = 'ds-1'$$);
SELECT gitproxy.delete_push('ds-1');
