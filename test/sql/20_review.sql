-- Review decisions: authorise, reject, cancel (contract §4.2.7-4.2.9)
SELECT gitproxy.write_audit('{"id": "r1", "type": "push", "timestamp": 2000, "error": false, "blocked": true,
  "allowPush": false, "authorised": false, "canceled": true, "rejected": true}');

-- authorise: flags, attestation stored deep-equal, message
SELECT gitproxy.authorise('r1', '{"reviewer": {"username": "bob", "email": "bob@example.com"}, "timestamp": "2026-01-02T03:04:05.678Z", "answers": [{"label": "ok", "checked": true, "tooltip": {"text": "t", "links": []}}]}');
SELECT d->'authorised' AS authorised, d->'canceled' AS canceled, d->'rejected' AS rejected,
       d->'blocked' AS blocked, d->'attestation' AS attestation
  FROM (SELECT gitproxy.get_push('r1')::jsonb AS d) s;

-- reject keeps the attestation and stores the rejection
SELECT gitproxy.reject('r1', '{"reason": "policy violation", "reviewer": {"username": "carol"}}');
SELECT d->'authorised' AS authorised, d->'canceled' AS canceled, d->'rejected' AS rejected,
       d->'rejection' AS rejection, d ? 'attestation' AS attestation_kept
  FROM (SELECT gitproxy.get_push('r1')::jsonb AS d) s;

-- cancel leaves attestation and rejection alone; MongoDB's message
SELECT gitproxy.cancel('r1');
SELECT d->'authorised' AS authorised, d->'canceled' AS canceled, d->'rejected' AS rejected,
       d ? 'attestation' AS has_attestation, d ? 'rejection' AS has_rejection
  FROM (SELECT gitproxy.get_push('r1')::jsonb AS d) s;

-- opaque payloads: {}, JSON null (stored as null), SQL NULL (removes the key)
SELECT gitproxy.authorise('r1', '{}');
SELECT gitproxy.get_push('r1')::jsonb -> 'attestation' AS empty_object;
SELECT gitproxy.authorise('r1', 'null');
SELECT gitproxy.get_push('r1')::jsonb -> 'attestation' AS json_null;
SELECT gitproxy.authorise('r1');
SELECT gitproxy.get_push('r1')::jsonb ? 'attestation' AS attestation_present_after_sql_null;
SELECT gitproxy.reject('r1', NULL);
SELECT gitproxy.get_push('r1')::jsonb ? 'rejection' AS rejection_present_after_sql_null;

-- not found: exact contract message, SQLSTATE P0002, nothing logged
SELECT test_err($$SELECT gitproxy.authorise('non-existent-id', '{"note": "approved"}')$$);
SELECT test_err($$SELECT gitproxy.reject('non-existent-id', '{}')$$);
SELECT test_err($$SELECT gitproxy.cancel('non-existent-id')$$);
SELECT test_err($$SELECT gitproxy.authorise(NULL, '{}')$$);
SELECT test_err($$SELECT gitproxy.cancel(NULL)$$);
SELECT test_err($$SELECT gitproxy.authorise('r1', '{"bad": ')$$);
SELECT count(*) AS log_rows_for_missing FROM gitproxy.decision_log WHERE push_id = 'non-existent-id';

-- every decision is in the log with reviewer, payload and state before
SELECT action, reviewer, payload, state_before FROM gitproxy.decision_log WHERE push_id = 'r1' ORDER BY log_id;

-- the log is append-only
SELECT test_err($$UPDATE gitproxy.decision_log SET reviewer = 'mallory'$$);
SELECT test_err($$DELETE FROM gitproxy.decision_log$$);
SELECT test_err($$TRUNCATE gitproxy.decision_log$$);

-- strict review mode: decisions only on pending pushes (55000, state named)
SELECT * FROM gitproxy.review_mode();
SELECT mode, source, set_by = session_user AS set_by_me FROM gitproxy.set_review_mode('strict');
SELECT gitproxy.write_audit('{"id": "s1", "type": "push", "timestamp": 3000, "error": false, "blocked": true, "allowPush": false, "authorised": false}');
SELECT gitproxy.reject('s1', '{"reason": "no", "reviewer": {"username": "bob"}}');
SELECT test_err($$SELECT gitproxy.authorise('s1', '{"reviewer": {"username": "eve"}}')$$);
SELECT test_err($$SELECT gitproxy.cancel('s1')$$);
-- ... and write_audit cannot revert the decision: the other fields change
SELECT gitproxy.write_audit('{"id": "s1", "type": "push", "timestamp": 3000, "error": false, "blocked": true, "allowPush": false, "authorised": false, "rejected": false, "note": "rewritten by the proxy chain"}');
SELECT d->'rejected' AS rejected, d->'authorised' AS authorised, d->'rejection' AS rejection, d->'note' AS note
  FROM (SELECT gitproxy.get_push('s1')::jsonb AS d) s;
-- a pending push is written as given in strict mode too
SELECT gitproxy.write_audit('{"id": "s2", "type": "push", "timestamp": 3001, "authorised": true}');
SELECT gitproxy.get_push('s2')::jsonb -> 'authorised' AS written_as_given;
-- ... but write_audit never decides an existing push, pending or not
SELECT gitproxy.write_audit('{"id": "s3", "type": "push", "timestamp": 3002, "authorised": false}');
SELECT gitproxy.write_audit('{"id": "s3", "type": "push", "timestamp": 3002, "authorised": true, "attestation": {"forged": true}}');
SELECT gitproxy.get_push('s3')::jsonb - '_id' AS strict_pending_kept;
SELECT mode FROM gitproxy.set_review_mode('parity');
-- mode errors
SELECT test_err($$SELECT gitproxy.set_review_mode('lenient')$$);
SELECT test_err($$SELECT gitproxy.set_review_mode(NULL)$$);
-- parity mode (default): any decision may follow another
SELECT gitproxy.authorise('s1', '{"reviewer": {"username": "eve"}}');
-- every change of the decision fields is logged, write_audit's too: the
-- payload is the fields after the write; a write that keeps them logs nothing
SELECT gitproxy.write_audit('{"id": "s1", "type": "push", "timestamp": 3000, "authorised": false, "rejected": true}');
SELECT gitproxy.write_audit('{"id": "s1", "type": "push", "timestamp": 3000, "authorised": false, "rejected": true, "note": "same decision"}');
SELECT action, reviewer, payload, state_before FROM gitproxy.decision_log
 WHERE push_id IN ('s1', 's2', 's3') ORDER BY log_id;
SELECT gitproxy.push_decision('{"id": "x", "authorised": true, "attestation": null, "other": 1}') AS decision_fields,
       gitproxy.push_decision('{"id": "x"}') AS none;
