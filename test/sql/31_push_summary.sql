-- Listing summary: get_pushes(..., summary => true) returns git-proxy's MongoDB
-- listing projection (contract §4.2.1) with the filter, order and cursors of
-- the full documents
DELETE FROM gitproxy.pushes;
SELECT gitproxy.write_audit(d::json) FROM (VALUES
 ('{"id": "full", "_id": "0123456789abcdef01234567", "type": "push", "timestamp": 500, "url": "https://github.com/finos/git-proxy.git", "userEmail": "alice@example.com", "error": false, "blocked": true, "allowPush": false, "authorised": true, "canceled": false, "rejected": false, "attestation": {"reviewer": {"username": "bob"}}, "rejection": null, "blockedMessage": "held for review", "branch": "refs/heads/main", "commitData": [{"message": "m1", "author": "alice"}], "commitFrom": "0000", "commitTo": "1111", "method": "POST", "project": "finos", "repo": "git-proxy.git", "repoName": "git-proxy", "steps": [{"stepName": "diff", "content": "big"}], "lastStep": {"stepName": "diff"}, "user": "alice", "errorMessage": null, "tags": [], "tagData": [], "actionType": "push", "autoApproved": false, "autoRejected": false, "protocol": "https"}'),
 ('{"id": "bare"}'),
 ('{"id": "nulls", "type": "push", "timestamp": 300, "error": null, "blocked": null, "branch": null, "commitData": null, "steps": null}'),
 ('{"id": "pending1", "type": "push", "timestamp": 200, "error": false, "blocked": true, "allowPush": false, "authorised": false, "steps": [1, 2, 3]}'),
 ('{"id": "pending2", "type": "push", "timestamp": 200, "error": false, "blocked": true, "allowPush": false, "authorised": false, "user": "x"}'),
 ('{"id": "pending3", "type": "push", "timestamp": 100, "error": false, "blocked": true, "allowPush": false, "authorised": false, "url": ["a", "b"]}')
) v(d);

-- every field of the projection present, nothing else (steps, user, tags, ... and _id dropped)
SELECT push FROM gitproxy.get_pushes('{"id": "full"}', summary => true);
SELECT pg_catalog.array_agg(k ORDER BY k) AS keys
  FROM gitproxy.get_pushes('{"id": "full"}', NULL, NULL, true) p, json_object_keys(p.push) k;
-- a document with only an id: only the id; JSON nulls are kept as present fields
SELECT push FROM gitproxy.get_pushes('{"id": "bare"}', summary => true);
SELECT push FROM gitproxy.get_pushes('{"id": "nulls"}', summary => true);
-- _id never, for every row
SELECT count(*) AS rows, count(*) FILTER (WHERE push::jsonb ? '_id') AS with_id
  FROM gitproxy.get_pushes('{}', summary => true);
-- each summary is its full document restricted to the projection's keys
SELECT f.push->>'id' AS id,
       s.push::jsonb = (SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}') FROM jsonb_each(f.push::jsonb) e
                         WHERE e.key = ANY ('{id,allowPush,attestation,authorised,blocked,blockedMessage,branch,canceled,commitData,commitFrom,commitTo,error,method,project,rejected,rejection,repo,repoName,timestamp,type,url,userEmail}')) AS restricted
  FROM gitproxy.get_pushes('{}') WITH ORDINALITY f(push, cursor, n)
  JOIN gitproxy.get_pushes('{}', summary => true) WITH ORDINALITY s(push, cursor, n) USING (n);
-- default filter, filters on typed keys (the array url arm included) and regex: same rows, same order, same cursors
SELECT push->>'id' AS id, cursor FROM gitproxy.get_pushes(summary => true);
SELECT (SELECT array_agg(cursor) FROM gitproxy.get_pushes()) =
       (SELECT array_agg(cursor) FROM gitproxy.get_pushes(NULL, NULL, NULL, true)) AS same_cursors;
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"url": "a"}', summary => true);
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"attestation.reviewer.username": "bob"}', summary => true);
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"blockedMessage": {"$regex": "^held"}}', summary => true);
-- a filter on a field the summary drops still applies to the whole document
SELECT push FROM gitproxy.get_pushes('{"user": "x"}', summary => true);
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"steps.stepName": "diff"}', summary => true);
-- keyset pages: a summary cursor resumes a full listing and the other way round
SELECT push->>'id' AS id, cursor FROM gitproxy.get_pushes('{}', 2, NULL, true);
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{}', 2,
  (SELECT cursor FROM gitproxy.get_pushes('{}', 2, NULL, true) OFFSET 1), false);
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{}', 10,
  (SELECT cursor FROM gitproxy.get_pushes('{}', 3) OFFSET 2), true);
-- summary NULL counts as false; three arguments give whole documents
SELECT push::jsonb ? 'steps' AS whole FROM gitproxy.get_pushes('{"id": "pending1"}', NULL, NULL, NULL);
SELECT push::jsonb ? 'steps' AS whole FROM gitproxy.get_pushes('{"id": "pending1"}', 5, NULL);
-- errors as for full documents
SELECT * FROM gitproxy.get_pushes('{}', -1, NULL, true);
SELECT * FROM gitproxy.get_pushes('{}', 1, 'zz', true);
SELECT * FROM gitproxy.get_pushes('[]', summary => true);
-- the storage escape is reversed in a summary too (NUL, lone surrogate, U+FFFF)
SELECT gitproxy.write_audit('{"id": "esc", "blockedMessage": "a\u0000b\ud800c\uffff", "steps": ["\u0000"]}');
SELECT push::text FROM gitproxy.get_pushes('{"id": "esc"}', summary => true);
DELETE FROM gitproxy.pushes;
