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
SHOW gitproxy_sink.strict_review;
SET gitproxy_sink.strict_review = on;
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
RESET gitproxy_sink.strict_review;
-- parity mode (default): any decision may follow another
SELECT gitproxy.authorise('s1', '{"reviewer": {"username": "eve"}}');
