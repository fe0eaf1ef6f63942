-- Bulk import: COPY into the extension's staging table, one merge per batch
-- (gitproxy.import_pushes).  Push ids of this file start with "imp-".


-- 1. a successful batch: NUL characters and a lone surrogate survive, an
-- _id is kept exactly as given (ids are opaque strings), a missing or empty
-- one is generated, _id never stays in the stored document
BEGIN;
COPY gitproxy.import_staging (line_no, doc) FROM STDIN WITH (FORMAT csv, QUOTE E'\x01', DELIMITER '|');
1|{"id": "imp-1", "type": "push", "timestamp": 1700000000001, "url": "https://github.com/finos/git-proxy.git", "error": false, "blocked": true, "allowPush": false, "authorised": false, "canceled": false, "rejected": false, "diff": "bin\u0000ary", "log": ["\ud800"]}
2|{"id": "imp-2", "_id": "65F0C2A9E4B0A1B2C3D4E5F6", "type": "push", "timestamp": 1700000000002}
3|{"id": "imp-3", "_id": "Kz3XsYpL0aB9cD2e", "type": "push", "timestamp": 1700000000003}
4|{"id": "imp-4", "_id": "", "type": "default", "timestamp": 1700000000004}
\.
SELECT * FROM gitproxy.import_pushes();
COMMIT;
SELECT count(*) AS staged_rows_after_commit FROM gitproxy.import_staging;
SELECT gitproxy.get_push('imp-1')::text ~ '"diff": "bin\\u0000ary"' AS nul_kept,
       gitproxy.get_push('imp-1')::text ~ '"log": \["\\ud800"\]' AS lone_surrogate_kept;
SELECT id, _id IN ('65F0C2A9E4B0A1B2C3D4E5F6', 'Kz3XsYpL0aB9cD2e') AS kept_own_id,
       _id ~ '^[0-9a-f]{24}$' AS generated_form, doc ? '_id' AS _id_in_doc
  FROM gitproxy.pushes WHERE id LIKE 'imp-%' ORDER BY id;
SELECT gitproxy.get_push('imp-2')::jsonb AS imp_2;
-- the listing sees imported pushes like written ones (json text: jsonb
-- cannot hold imp-1's lone surrogate)
SELECT substring(push::text FROM '"id": "([^"]*)"') AS id
  FROM gitproxy.get_pushes('{"url": "https://github.com/finos/git-proxy.git"}')
 WHERE push::text LIKE '%"id": "imp-%';

-- 2. re-running the batch is harmless: every record skipped (already
-- present), no duplicate, _ids kept
CREATE TEMP TABLE imp_ids AS SELECT id, _id FROM gitproxy.pushes WHERE id LIKE 'imp-%';
BEGIN;
COPY gitproxy.import_staging (line_no, doc) FROM STDIN WITH (FORMAT csv, QUOTE E'\x01', DELIMITER '|');
1|{"id": "imp-1", "type": "push", "timestamp": 1700000000001, "url": "https://github.com/finos/git-proxy.git", "error": false, "blocked": true, "allowPush": false, "authorised": false, "canceled": false, "rejected": false, "diff": "bin\u0000ary", "log": ["\ud800"]}
2|{"id": "imp-2", "_id": "65F0C2A9E4B0A1B2C3D4E5F6", "type": "push", "timestamp": 1700000000002}
3|{"id": "imp-3", "_id": "Kz3XsYpL0aB9cD2e", "type": "push", "timestamp": 1700000000003}
4|{"id": "imp-4", "_id": "", "type": "default", "timestamp": 1700000000004}
\.
SELECT * FROM gitproxy.import_pushes();
COMMIT;
SELECT count(*) AS imp_rows, count(DISTINCT id) AS distinct_ids FROM gitproxy.pushes WHERE id LIKE 'imp-%';
SELECT p.id, p._id = i._id AS id_unchanged
  FROM gitproxy.pushes p JOIN imp_ids i USING (id) ORDER BY p.id;

-- 3. by default a stored push is never changed by an import (a changed
-- record is skipped); replace => true replaces it as write_audit does: a
-- field the new record lacks disappears; a record without _id keeps the
-- stored one, a record with one gives it to the push
BEGIN;
COPY gitproxy.import_staging (line_no, doc) FROM STDIN WITH (FORMAT csv, QUOTE E'\x01', DELIMITER '|');
10|{"id": "imp-1", "type": "push", "timestamp": 1700000000001}
11|{"id": "imp-3", "_id": "65f0c2a9e4b0a1b2c3d4e5ff", "type": "push", "timestamp": 1700000000003, "note": "moved"}
\.
SELECT * FROM gitproxy.import_pushes();
COMMIT;
SELECT gitproxy.get_push('imp-1')::text LIKE '%"diff"%' AS default_left_imp_1_alone;
BEGIN;
COPY gitproxy.import_staging (line_no, doc) FROM STDIN WITH (FORMAT csv, QUOTE E'\x01', DELIMITER '|');
10|{"id": "imp-1", "type": "push", "timestamp": 1700000000001}
11|{"id": "imp-3", "_id": "65f0c2a9e4b0a1b2c3d4e5ff", "type": "push", "timestamp": 1700000000003, "note": "moved"}
\.
SELECT * FROM gitproxy.import_pushes(replace => true);
COMMIT;
SELECT gitproxy.get_push('imp-1')::jsonb - '_id' AS imp_1_replaced;
SELECT p.id, p._id = i._id AS id_unchanged, p._id = '65f0c2a9e4b0a1b2c3d4e5ff' AS took_record_id
  FROM gitproxy.pushes p JOIN imp_ids i USING (id) WHERE p.id IN ('imp-1', 'imp-3') ORDER BY p.id;

-- 4. one id several times in a batch: the highest line_no wins, whatever the
-- order the rows were staged in; each id counts once
BEGIN;
COPY gitproxy.import_staging (line_no, doc) FROM STDIN WITH (FORMAT csv, QUOTE E'\x01', DELIMITER '|');
3|{"id": "imp-dup", "type": "push", "timestamp": 1, "v": 3}
1|{"id": "imp-dup", "type": "push", "timestamp": 1, "v": 1}
2|{"id": "imp-other", "type": "push", "timestamp": 2}
4|{"id": "imp-1", "type": "push", "timestamp": 1700000000001, "v": 4}
\.
SELECT * FROM gitproxy.import_pushes();
COMMIT;
SELECT gitproxy.get_push('imp-dup')::jsonb ->> 'v' AS winner,
       (SELECT count(*) FROM gitproxy.pushes WHERE id = 'imp-dup') AS rows;

-- 5. a bad line: the error names its line and nothing of the batch is
-- applied (the good lines before and after it included)
BEGIN;
COPY gitproxy.import_staging (line_no, doc) FROM STDIN WITH (FORMAT csv, QUOTE E'\x01', DELIMITER '|');
1|{"id": "imp-bad-1", "type": "push", "timestamp": 1}
2|{"id": "imp-1", "type": "push", "timestamp": 1700000000001, "v": "must not be applied"}
3|{"id": "imp-bad-3", "type": "push", "timestamp":
4|{"id": "imp-bad-4", "type": "push", "timestamp": 4}
\.
SELECT test_import_err('SELECT * FROM gitproxy.import_pushes()');
COMMIT;
SELECT count(*) AS bad_batch_rows FROM gitproxy.pushes WHERE id LIKE 'imp-bad-%';
SELECT gitproxy.get_push('imp-1')::jsonb ->> 'v' AS imp_1_unchanged;

-- every kind of bad line, each reported with its line number
CREATE TEMP TABLE bad_lines (line_no bigint, doc text);
INSERT INTO bad_lines VALUES
  (101, '{"id": "imp-x", '),
  (102, ''),
  (103, '[{"id": "imp-x"}]'),
  (104, '"imp-x"'),
  (105, '{"type": "push"}'),
  (106, '{"id": 7, "type": "push"}'),
  (107, '{"id": "", "type": "push"}'),
  (108, '{"id": null}'),
  (109, '{"id": "imp-x", "diff": "\u0000"} trailing'),
  (110, '{"id": "imp-x", "_id": 12345678901234567890123}'),
  (111, '{"id": "imp-x", "_id": {"nested": true}}'),
  (112, '{"id": "imp-x", "_id": "' || repeat('a', 1025) || '"}'),
  (113, '{"id": "imp-x", "_id": "a\u0000b"}');
SELECT b.line_no, test_import_err(format(
         'INSERT INTO gitproxy.import_staging (line_no, doc) VALUES (1, %L), (%s, %L); '
         'SELECT * FROM gitproxy.import_pushes()',
         '{"id": "imp-bad-ok"}', b.line_no, b.doc)) AS error
  FROM bad_lines b ORDER BY b.line_no;
SELECT count(*) AS rows_after_bad_lines FROM gitproxy.pushes WHERE id IN ('imp-x', 'imp-bad-ok');

-- the conversion function on its own (internal; shown for its edge cases)
SELECT d.push_id, d.record_id, d.stored_doc
  FROM gitproxy.import_stored_doc('{"id": "imp-f", "_id": {"$oid": "65f0c2a9e4b0a1b2c3d4e5f6"}, "k": [1, {"_id": 2}]}', 1) d;
SELECT d.record_id = repeat('é', 511) || 'ab' AS kept_exactly, octet_length(d.record_id) AS longest_kept
  FROM gitproxy.import_stored_doc('{"id": "imp-h", "_id": "' || repeat('é', 511) || 'ab"}', 3) d;
SELECT d.push_id, d.record_id, d.stored_doc
  FROM gitproxy.import_stored_doc('{"_id": "65f0c2a9e4b0a1b2c3d4e5f6", "id": "imp-g"}', 2) d;
SELECT test_import_err($$SELECT gitproxy.import_stored_doc(NULL, 5)$$);
SELECT test_import_err($$SELECT gitproxy.import_stored_doc('{"id": "x"}', NULL)$$);

-- 6. an _id already used by another push fails the batch (unique _id),
-- naming the line
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES
  (1, '{"id": "imp-steal", "_id": "65F0C2A9E4B0A1B2C3D4E5F6"}');
SELECT test_import_err('SELECT * FROM gitproxy.import_pushes()');
COMMIT;
SELECT count(*) AS stolen FROM gitproxy.pushes WHERE id = 'imp-steal';

-- 7. a re-import never undoes a review decision: by default a stored push
-- is skipped; with replace in strict review mode, as write_audit, it keeps
-- its decision
SELECT gitproxy.authorise('imp-other', '{"reviewer": {"username": "alice"}}');
SELECT mode FROM gitproxy.set_review_mode('strict');
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES
  (1, '{"id": "imp-other", "type": "push", "timestamp": 2, "authorised": false, "note": "re-imported"}');
SELECT * FROM gitproxy.import_pushes();
COMMIT;
SELECT gitproxy.get_push('imp-other')::jsonb ? 'note' AS default_skipped;
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES
  (1, '{"id": "imp-other", "type": "push", "timestamp": 2, "authorised": false, "note": "re-imported"}');
SELECT * FROM gitproxy.import_pushes(replace => true);
COMMIT;
SELECT gitproxy.get_push('imp-other')::jsonb - '_id' AS strict_keeps_decision;
-- ... and an existing pending push too; a new push takes its decision
SELECT gitproxy.write_audit('{"id": "imp-pending", "type": "push", "authorised": false}');
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES
  (1, '{"id": "imp-pending", "type": "push", "authorised": true, "attestation": {"forged": true}}'),
  (2, '{"id": "imp-new-decided", "type": "push", "authorised": true}');
SELECT * FROM gitproxy.import_pushes(replace => true);
COMMIT;
SELECT mode FROM gitproxy.set_review_mode('parity');
-- replace without strict review writes the record's decision (and logs it)
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES
  (1, '{"id": "imp-other", "type": "push", "timestamp": 2, "authorised": false, "note": "replaced"}');
SELECT * FROM gitproxy.import_pushes(replace => true);
COMMIT;
SELECT gitproxy.get_push('imp-other')::jsonb - '_id' AS replace_writes_record;
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES (1, '{"id": "imp-other"}');
SELECT test_import_err('SELECT * FROM gitproxy.import_pushes(NULL)');
COMMIT;
SELECT gitproxy.get_push('imp-pending')::jsonb - '_id' AS strict_pending_kept,
       gitproxy.get_push('imp-new-decided')::jsonb - '_id' AS strict_new_as_given;
-- every change of decision fields by import is in the log, with its payload
SELECT push_id, action, payload, state_before FROM gitproxy.decision_log
 WHERE push_id LIKE 'imp-%' AND action = 'import' ORDER BY log_id;

-- 8. only the extension's staging table is read, and only the rows of the
-- calling transaction; the import removes them
-- a caller's temp table of 1.0's name is not read
CREATE TEMP TABLE gitproxy_import_staging (line_no bigint, doc text);
INSERT INTO pg_temp.gitproxy_import_staging VALUES (1, '{"id": "imp-temp"}');
SELECT * FROM gitproxy.import_pushes();
DROP TABLE pg_temp.gitproxy_import_staging;
-- rows another transaction staged and committed are not this batch's
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES (1, '{"id": "imp-orphan"}');
SELECT * FROM gitproxy.import_pushes();
SELECT count(*) AS orphan_rows FROM gitproxy.pushes WHERE id = 'imp-orphan';
DELETE FROM gitproxy.import_staging;
-- two batches in one transaction: each import takes what was staged since
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES (1, '{"id": "imp-t1"}');
SELECT * FROM gitproxy.import_pushes();
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES (1, '{"id": "imp-t2"}');
SELECT * FROM gitproxy.import_pushes();
SELECT count(*) AS staged_left FROM gitproxy.import_staging;
COMMIT;
-- an empty batch merges nothing
SELECT * FROM gitproxy.import_pushes();

-- clean up
SELECT count(gitproxy.delete_push(id)) AS deleted FROM gitproxy.pushes WHERE id LIKE 'imp-%';
