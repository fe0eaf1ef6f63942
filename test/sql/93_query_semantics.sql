-- Query and identity semantics (issue 15): one set of path rules for every
-- operator, typed columns that never change a result, $regex on the real
-- string, one locale-independent lower-casing.
DELETE FROM gitproxy.pushes;

-- 1. null steps through arrays as equality does (MongoDB rules)
SELECT gitproxy.write_audit('{"id":"p1","type":"push","commitData":[{"author":"alice"}]}');
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"commitData.author": null}');
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"commitData.author": "alice"}');
SELECT gitproxy.write_audit(d::json) FROM (VALUES
 ('{"id":"n1","a":[{},{"b":1}]}'),
 ('{"id":"n2","a":[5,{"b":1}]}'),
 ('{"id":"n3","a":{"b":[{"c":[]},{"c":{"d":1}}]}}'),
 ('{"id":"n4","a":{"b":null}}'),
 ('{"id":"n5","a":[{"b":[1,null]}]}'),
 ('{"id":"n6","a":7}'),
 ('{"id":"n7","a":{"0":{"b":"key"}}}'),
 ('{"id":"n8","a":[{"b":"first"},{"b":"second"}]}'),
 ('{"id":"n9","a":[[{"b":1}]]}'),
 ('{"id":"n10","x":1}'),
 ('{"id":"n11","a":[{"b":[]},{"b":{"c":1}}]}')
) v(d);
-- missing on some branch, null, or an array holding null; scalars inside an
-- array and empty arrays on the way contribute nothing
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS null_ab FROM gitproxy.get_pushes('{"a.b": null}') WHERE push->>'id' LIKE 'n%';
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS null_abc FROM gitproxy.get_pushes('{"a.b.c": null}') WHERE push->>'id' LIKE 'n%';
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS eq_ab_1 FROM gitproxy.get_pushes('{"a.b": 1}');
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS eq_abcd_1 FROM gitproxy.get_pushes('{"a.b.c.d": 1}');
-- a numeric segment is an element index on an array, a member name on an
-- object; the same for equality, null, exact values and $regex
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS index_0 FROM gitproxy.get_pushes('{"commitData.0.author": "alice"}');
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS index_0_null FROM gitproxy.get_pushes('{"commitData.0.author": null}') WHERE push->>'id' LIKE 'p%';
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS index_1_null FROM gitproxy.get_pushes('{"commitData.1.author": null}') WHERE push->>'id' LIKE 'p%';
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS a0b_key FROM gitproxy.get_pushes('{"a.0.b": "key"}');
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS a1b_second FROM gitproxy.get_pushes('{"a.1.b": "second"}');
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS a1b_regex FROM gitproxy.get_pushes('{"a.1.b": {"$regex": "^sec"}}');
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS a0_exact FROM gitproxy.get_pushes('{"a.0": {"b": "first"}}');
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS a01_not_index FROM gitproxy.get_pushes('{"a.01.b": "second"}');
-- an object value matches an equal field or an equal array element
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS a_exact FROM gitproxy.get_pushes('{"a": {"b": "second"}}');
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS commit_exact FROM gitproxy.get_pushes('{"commitData": [{"author": "alice"}]}');
DELETE FROM gitproxy.pushes;

-- 2. a typed column never changes a result
SELECT gitproxy.write_audit('{"id":"p2","url":["https://github.com/a/b"],"tags":["x","y"]}');
SELECT push->>'id' AS url_array FROM gitproxy.get_pushes('{"url":"https://github.com/a/b"}');
SELECT push->>'id' AS tags_array FROM gitproxy.get_pushes('{"tags":"x"}');
SELECT gitproxy.write_audit('{"id":"tsp","timestamp":1700000000000}');
SELECT count(*) AS ts_near FROM gitproxy.get_pushes('{"timestamp":1700000000000.00001}');
SELECT count(*) AS ts_equal FROM gitproxy.get_pushes('{"timestamp":1700000000000.000}');
SELECT count(*) AS ts_huge FROM gitproxy.get_pushes('{"timestamp":1e400}');
SELECT count(*) AS ts_tiny FROM gitproxy.get_pushes('{"timestamp":-1e-400}');
-- out-of-range numbers are stored; the sort key reads them as JavaScript does
SELECT gitproxy.write_audit('{"id":"t-under","timestamp":1e-400}');
SELECT gitproxy.write_audit('{"id":"t-over","timestamp":1e400}');
SELECT gitproxy.write_audit('{"id":"t-list","timestamp":[5, 1700000000000]}');
SELECT id, ts FROM gitproxy.pushes WHERE id LIKE 't%' ORDER BY id;
SELECT string_agg(push->>'id', ' ') AS listing_order FROM gitproxy.get_pushes('{}');
SELECT push->>'id' AS over_exact FROM gitproxy.get_pushes('{"timestamp":1e400}');
SELECT push->>'id' AS over_other FROM gitproxy.get_pushes('{"timestamp":1e401}');
SELECT push->>'id' AS under_exact FROM gitproxy.get_pushes('{"timestamp":1e-400}');
SELECT push->>'id' AS under_zero FROM gitproxy.get_pushes('{"timestamp":0}');
SELECT push->>'id' AS in_list FROM gitproxy.get_pushes('{"timestamp":1700000000000}');
-- flags held in an array still match (the default listing included)
SELECT gitproxy.write_audit('{"id":"flags","type":"push","error":false,"blocked":[true],"allowPush":false,"authorised":false}');
SELECT gitproxy.write_audit('{"id":"plain","type":"push","error":false,"blocked":true,"allowPush":false,"authorised":false}');
SELECT gitproxy.write_audit('{"id":"types","type":["push","x"],"error":false,"blocked":true,"allowPush":false,"authorised":false}');
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS pending FROM gitproxy.get_pushes();
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS blocked_false FROM gitproxy.get_pushes('{"blocked": false}');
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS type_x FROM gitproxy.get_pushes('{"type": "x", "blocked": true}');
SELECT string_agg(push->>'id', ' ' ORDER BY push->>'id') AS by_id FROM gitproxy.get_pushes('{"id": "types", "type": "x"}');
-- get_pushes runs such a filter as two statements merged in listing order:
-- the typed arm reads the pending partial index, the other arm
-- pushes_irregular_idx (predicate: the column irregular, which the arm's
-- conditions imply)
-- (enable_sort off: on so few rows a full sort would win over the
-- incremental sort that the id-prefix listing indexes give, see 30_get_pushes)
SET enable_seqscan = off;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT p.doc, p.ts, p.id FROM gitproxy.pushes p
 WHERE p.error = false AND p.blocked = true AND p.allow_push = false AND p.authorised = false AND p.type = 'push'
 ORDER BY p.ts DESC, pg_catalog.left(p.id, 512) DESC, p.id DESC LIMIT 50;
EXPLAIN (COSTS OFF) SELECT p.doc, p.ts, p.id FROM gitproxy.pushes p
 WHERE (p.irregular AND pg_catalog.jsonb_typeof(p.doc OPERATOR(pg_catalog.->) 'error') OPERATOR(pg_catalog.=) 'array'
        OR p.irregular AND pg_catalog.jsonb_typeof(p.doc OPERATOR(pg_catalog.->) 'blocked') OPERATOR(pg_catalog.=) 'array')
   AND gitproxy.query_match(p.doc, '{error}', 'false', false)
   AND gitproxy.query_match(p.doc, '{blocked}', 'true', false)
   AND (p.error = false AND p.blocked = true AND p.allow_push = false AND p.authorised = false AND p.type = 'push') IS NOT TRUE
 ORDER BY p.ts DESC, pg_catalog.left(p.id, 512) DESC, p.id DESC LIMIT 50;
RESET enable_sort;
RESET enable_seqscan;
-- pages across both arms: every row once, in order
SELECT gitproxy.write_audit(('{"id":"pg' || g || '","type":"push","timestamp":' || (g % 4) || ',"error":false,"blocked":'
       || CASE WHEN g % 3 = 0 THEN '[true]' ELSE 'true' END || ',"allowPush":false,"authorised":false}')::json)
  FROM generate_series(1, 9) g;
SELECT push->>'id' AS id, push->'timestamp' AS ts FROM gitproxy.get_pushes();
SELECT p1.push->>'id' AS page1, p2.push->>'id' AS page2_first
  FROM (SELECT * FROM gitproxy.get_pushes(NULL, 4)) p1
  LEFT JOIN LATERAL (SELECT * FROM gitproxy.get_pushes(NULL, 1, p1.cursor)) p2 ON true;
-- repos and users: arrays at typed keys, case-insensitive name through them
-- (documents 1.0 stored; 1.1's one validation per record kind refuses a
-- non-string name or gitAccount, so they are written as an upgraded 1.0
-- database holds them)
INSERT INTO gitproxy.repos (_id, doc) VALUES ('t93-array-name',
  '{"project":"t93","name":["Alpha","beta"],"url":"https://t93.example/a.git","users":{"canPush":[],"canAuthorise":[]}}');
SELECT gitproxy.create_repo('{"project":"t93","name":"Gamma","url":"https://t93.example/g.git"}') IS NOT NULL AS created;
SELECT string_agg(r->>'url', ' ' ORDER BY r->>'url') AS name_alpha FROM gitproxy.get_repos('{"name":"ALPHA"}') r;
SELECT string_agg(r->>'url', ' ' ORDER BY r->>'url') AS name_gamma FROM gitproxy.get_repos('{"name":"gAMMA"}') r;
INSERT INTO gitproxy.users (_id, doc) VALUES ('t93-array-git-account',
  '{"username":"t93multi","email":"t93@example.com","gitAccount":["T93-Git","other"],"password":"x","publicKeys":[]}');
SELECT string_agg(u->>'username', ' ') AS git_account FROM gitproxy.get_users('{"gitAccount":"T93-Git"}') u;
SELECT string_agg(u->>'username', ' ') AS username_upper FROM gitproxy.get_users('{"username":"T93MULTI"}') u;

-- 3. $regex sees the string the caller wrote, not the stored escape
SELECT gitproxy.write_audit(E'{"id":"j1","a":"x\\u0000y","b":"\\ud800","e":"\\uffff0","f":"\uffff"}');
SELECT count(*) AS nul_dot FROM gitproxy.get_pushes('{"a":{"$regex":"^x.y$"}}');
SELECT count(*) AS ffff_dot FROM gitproxy.get_pushes('{"f":{"$regex":"^.$"}}');
SELECT count(*) AS not_mark_code FROM gitproxy.get_pushes('{"e":{"$regex":"M"}}');
SELECT count(*) AS not_surrogate_code FROM gitproxy.get_pushes('{"b":{"$regex":"u"}}');
-- NUL and a lone surrogate are one character each: ".", negated classes
-- and the escapes \x00, \u0000, \ud800 match them
SELECT count(*) AS nul_negated FROM gitproxy.get_pushes('{"a":{"$regex":"^x[^a]y$"}}');
SELECT count(*) AS nul_escape_x FROM gitproxy.get_pushes('{"a":{"$regex":"x\\x00y"}}');
SELECT count(*) AS nul_escape_u FROM gitproxy.get_pushes('{"a":{"$regex":"x\\u0000y"}}');
SELECT count(*) AS surrogate_dot FROM gitproxy.get_pushes('{"b":{"$regex":"^.$"}}');
SELECT count(*) AS surrogate_escape FROM gitproxy.get_pushes('{"b":{"$regex":"^\\ud800$"}}');
SELECT count(*) AS ffff_then_0 FROM gitproxy.get_pushes('{"e":{"$regex":"^\\uffff0$"}}');
-- a pattern holding a raw NUL or lone surrogate cannot be compiled
SELECT test_err($$SELECT * FROM gitproxy.get_pushes(E'{"a":{"$regex":"x\\u0000y"}}')$$);
SELECT test_err($$SELECT * FROM gitproxy.get_pushes(E'{"b":{"$regex":"\\ud800"}}')$$);
-- a raw U+FFFF in a pattern is an ordinary character
SELECT count(*) AS raw_ffff_pattern FROM gitproxy.get_pushes(E'{"f":{"$regex":"^\uffff$"}}');
-- flags; a malformed pattern fails even when no row is tested
SELECT gitproxy.write_audit(E'{"id":"j2","m":"a\\nB","s":"a\\nb"}');
SELECT count(*) AS multiline_icase FROM gitproxy.get_pushes(E'{"m":{"$regex":"^b$", "$options":"mi"}}');
SELECT count(*) AS dot_newline FROM gitproxy.get_pushes(E'{"s":{"$regex":"a.b"}}');
SELECT count(*) AS dotall FROM gitproxy.get_pushes(E'{"s":{"$regex":"a.b", "$options":"s"}}');
SELECT count(*) AS expanded FROM gitproxy.get_pushes(E'{"s":{"$regex":"a \\\\n b", "$options":"x"}}');
SELECT test_err($$SELECT * FROM gitproxy.get_pushes('{"nothing":{"$regex":"("}}')$$);
SELECT test_err($$SELECT * FROM gitproxy.get_pushes('{"a":{"$regex":"x", "$options":"q"}}')$$);
DELETE FROM gitproxy.pushes;

-- 4. one lower-casing, JavaScript's toLowerCase, whatever the locale
SELECT gitproxy.lower_case('ADMIN') AS ascii, gitproxy.lower_case('ÄÖÜ ΣΑΣ ẞ') AS js_like,
       gitproxy.lower_case('İ') = E'i\u0307' AS dotted_capital_i, gitproxy.lower_case(NULL) IS NULL AS null_in_null_out;
SELECT provolatile, proisstrict FROM pg_proc WHERE oid = 'gitproxy.lower_case(text)'::regprocedure;
SELECT gitproxy.create_user('{"username":"ÄDMIN93","email":"ÄDMIN93@EXAMPLE.COM","gitAccount":"ÄGit93","password":"x"}');
SELECT username, email FROM gitproxy.users WHERE username LIKE '%93';
SELECT gitproxy.find_user('ädmin93') IS NOT NULL AS find_user, gitproxy.find_user_by_email('Ädmin93@example.com') IS NOT NULL AS find_email,
       gitproxy.find_user_by_git_account('ägit93') IS NOT NULL AS find_git_account;
SELECT count(*) AS get_users FROM gitproxy.get_users('{"username":"ÄDMIN93"}');
SELECT gitproxy.create_repo('{"project":"t93","name":"ÉCOLE","url":"https://t93.example/e.git","users":{"canPush":["ÄDMIN93"],"canAuthorise":[]}}')::jsonb -> 'users' AS users;
SELECT gitproxy.get_repo('école')::jsonb->>'url' AS get_repo;
SELECT string_agg(r->>'url', ' ') AS get_repos FROM gitproxy.get_repos('{"name":"École"}') r;
-- the look-up indexes are on gitproxy.lower_case, not lower()
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) AS definition FROM pg_index
 WHERE indexrelid IN ('gitproxy.repos_lower_name_idx'::regclass, 'gitproxy.users_lower_git_account_idx'::regclass) ORDER BY 1;
SELECT gitproxy.delete_user('ädmin93');
SELECT gitproxy.delete_user('t93multi');
DELETE FROM gitproxy.repos WHERE doc->>'project' = 't93';
