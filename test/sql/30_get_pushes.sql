-- Listing: getPushes(query) with filters, order and keyset pages (contract §3, §4.2.1)
DELETE FROM gitproxy.pushes;
SELECT gitproxy.write_audit(d::json) FROM (VALUES
 ('{"id": "a", "type": "push", "timestamp": 100, "url": "https://github.com/finos/git-proxy.git", "userEmail": "Alice@Example.com", "error": false, "blocked": true, "allowPush": false, "authorised": false, "canceled": false, "rejected": false, "attestation": {"reviewer": {"username": "Bob"}}, "commitData": [{"author": "alice"}, {"author": "bob"}], "tags": ["v1", "v2"]}'),
 ('{"id": "b", "type": "push", "timestamp": 300, "url": "https://gitlab.com/x/y.git", "error": false, "blocked": true, "allowPush": false, "authorised": true, "canceled": false, "rejected": false}'),
 ('{"id": "c", "type": "push", "timestamp": 200, "url": "https://github.com/finos/git-proxy.git", "error": false, "blocked": true, "allowPush": false, "authorised": false, "canceled": true, "rejected": false}'),
 ('{"id": "d", "type": "push", "timestamp": 200, "error": "true", "blocked": true, "allowPush": false, "authorised": false}'),
 ('{"id": "e", "type": "default", "timestamp": 400, "error": false, "blocked": true, "allowPush": false, "authorised": false}'),
 ('{"id": "f", "type": "push", "timestamp": "not a number", "error": false, "blocked": true, "allowPush": false, "authorised": false}'),
 ('{"id": "g", "type": "push", "timestamp": 200, "error": false, "blocked": true, "allowPush": false, "authorised": false, "count": 1}')
) v(d);

-- default filter (NULL and JSON null): pending pushes, newest first, ties by id descending, no _id
SELECT push->>'id' AS id, push->'timestamp' AS ts, push::jsonb ? '_id' AS has_id FROM gitproxy.get_pushes();
SELECT push->>'id' AS id FROM gitproxy.get_pushes('null');
-- {} matches every row, type "default" included
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{}');
-- type-strict equality: true vs "true", 1 vs "1"
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"error": true}');
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"error": "true"}');
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"count": 1}');
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"count": "1"}');
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"timestamp": 200}');
-- UI filter combination and AND of keys
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"type": "push", "blocked": true, "canceled": false, "authorised": false, "rejected": false}');
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"url": "https://github.com/finos/git-proxy.git", "canceled": true}');
-- dotted paths, through arrays; array contains a scalar
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"attestation.reviewer.username": "Bob"}');
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"commitData.author": "bob"}');
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"tags": "v2"}');
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"tags": ["v1", "v2"]}');
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"tags": ["v2", "v1"]}');
-- null matches a missing or null field
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"type": "push", "rejected": null}');
-- object values compare exactly
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"attestation": {"reviewer": {"username": "Bob"}}}');
-- regular expressions (RegExp encoded as {"$regex", "$options"})
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"url": {"$regex": "https://gitlab\\.com"}}');
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"userEmail": {"$regex": "^alice@", "$options": "i"}}');
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"userEmail": {"$regex": "^alice@"}}');
-- values are data, never SQL
SELECT push->>'id' AS id FROM gitproxy.get_pushes($${"url": "x' OR '1'='1", "type\"); DROP TABLE gitproxy.pushes; --": 1}$$);
SELECT count(*) AS still_there FROM gitproxy.pushes;

-- bad queries: 22023 naming the key
SELECT test_err($$SELECT * FROM gitproxy.get_pushes('{"$where": "sleep(100)"}')$$);
SELECT test_err($$SELECT * FROM gitproxy.get_pushes('{"id": {"$in": ["a"]}}')$$);
SELECT test_err($$SELECT * FROM gitproxy.get_pushes('{"id": {"$regex": "a", "x": 1}}')$$);
SELECT test_err($$SELECT * FROM gitproxy.get_pushes('{"id": {"$regex": 1}}')$$);
SELECT test_err($$SELECT * FROM gitproxy.get_pushes('{"id": {"$regex": "a", "$options": "z"}}')$$);
SELECT test_err($$SELECT * FROM gitproxy.get_pushes('{"": 1}')$$);
SELECT test_err($$SELECT * FROM gitproxy.get_pushes('{"a..b": 1}')$$);
SELECT test_err($$SELECT * FROM gitproxy.get_pushes('[1]')$$);
SELECT test_err($$SELECT * FROM gitproxy.get_pushes('"push"')$$);
SELECT test_err($$SELECT * FROM gitproxy.get_pushes('{}', -1)$$);
SELECT test_err($$SELECT * FROM gitproxy.get_pushes('{}', 2, 'not-a-cursor')$$);
SELECT test_err($$SELECT * FROM gitproxy.get_pushes('{}', 2, '')$$);

-- keyset pages: limit and the cursor of a page's last row give the same
-- sequence as one unlimited listing
CREATE TEMP TABLE page1 AS SELECT * FROM gitproxy.get_pushes('{}', 3);
SELECT push->>'id' AS id FROM page1;
CREATE TEMP TABLE page2 AS SELECT * FROM gitproxy.get_pushes('{}', 3, (SELECT cursor FROM page1 OFFSET 2 LIMIT 1));
SELECT push->>'id' AS id FROM page2;
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{}', 3, (SELECT cursor FROM page2 OFFSET 2 LIMIT 1));
SELECT count(*) AS limit_zero FROM gitproxy.get_pushes('{}', 0);

-- the default filter and {type: push} pages are index scans; the indexes hold
-- (ts, left(id, 512)), so only ties on both are sorted (Incremental Sort)
SET enable_seqscan = off;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT p.doc FROM gitproxy.pushes p
  WHERE p.error = false AND p.blocked = true AND p.allow_push = false AND p.authorised = false AND p.type = 'push'
  ORDER BY p.ts DESC, left(p.id, 512) DESC, p.id DESC LIMIT 50;
EXPLAIN (COSTS OFF) SELECT p.doc FROM gitproxy.pushes p WHERE p.type = 'push'
  AND (p.ts, left(p.id, 512), p.id) < (100::float8, left('x' COLLATE "C", 512), 'x' COLLATE "C")
  ORDER BY p.ts DESC, left(p.id, 512) DESC, p.id DESC LIMIT 50;
RESET enable_sort;
RESET enable_seqscan;

-- derive_created_at (contract §4.5.4)
SELECT gitproxy.derive_created_at('60c896400000000000000000') AS from_2021;
SELECT gitproxy.derive_created_at('not-an-object-id') AS not_an_id;
SELECT gitproxy.derive_created_at('60C8964000000000000000AB') AS upper_case_hex;
SELECT gitproxy.derive_created_at(NULL) AS null_arg;
