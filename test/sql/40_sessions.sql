-- Web session store (contract §7): express-session Store methods
SET timezone = 'UTC';

-- set then get: the object comes back; the expiry is the cookie's expires
SELECT gitproxy.session_set('s-alice', '{"cookie": {"originalMaxAge": 43200000, "expires": "2099-01-02T03:04:05.678Z", "secure": false, "httpOnly": true, "path": "/"}, "passport": {"user": "alice"}}');
SELECT gitproxy.session_get('s-alice');
SELECT expire, user_id FROM gitproxy.sessions WHERE sid = 's-alice';

-- absent session: NULL
SELECT gitproxy.session_get('no-such-session') IS NULL AS absent_is_null;

-- set replaces the whole object and the expiry (upsert)
SELECT gitproxy.session_set('s-alice', '{"cookie": {"expires": "2099-06-01T00:00:00.000Z"}, "passport": {"user": "alice"}, "csrfSecret": "x"}');
SELECT gitproxy.session_get('s-alice')::jsonb AS replaced;
SELECT expire FROM gitproxy.sessions WHERE sid = 's-alice';

-- expiry from the cookie: offsets are honoured, anything but an ISO-8601
-- date-time with a zone falls back to now() + 1 day
SELECT gitproxy.session_set('s-offset', '{"cookie": {"expires": "2099-01-02T03:04:05+02:00"}}');
SELECT gitproxy.session_set('s-fraction', '{"cookie": {"expires": "2099-01-02T03:04:05.123456789-01:30"}}');
SELECT sid, expire FROM gitproxy.sessions WHERE sid IN ('s-offset', 's-fraction') ORDER BY sid;
BEGIN;
SELECT gitproxy.session_set('fb-' || n, s::json) FROM (VALUES
  (1, '{"cookie": {"expires": "2099-01-02T03:04:05"}}'),        -- no zone (local time)
  (2, '{"cookie": {"expires": "2099-02-30T00:00:00Z"}}'),       -- no such day
  (3, '{"cookie": {"expires": "infinity"}}'),
  (4, '{"cookie": {"expires": "now"}}'),
  (5, '{"cookie": {"expires": 4102444800000}}'),
  (6, '{"cookie": {"expires": null}}'),
  (7, '{"cookie": "2099-01-02T03:04:05Z"}'),
  (8, '{}'),
  (9, '{"cookie": {"expires": "2099-01-02T24:00:00Z"}}'),
  (10, '{"cookie": {"expires": "2099-01-02T03:04:05.Z"}}'),
  (11, '{"cookie": {"expires": "2099-01-02 03:04:05Z"}}'),
  (12, '{"cookie": {"expires": "2099-01-02T03:04:05Z "}}')
) v(n, s);
SELECT count(*) AS fallbacks, bool_and(expire = now() + interval '1 day') AS all_now_plus_1_day
  FROM gitproxy.sessions WHERE sid LIKE 'fb-%';
ROLLBACK;

-- an explicit expire wins over the cookie
SELECT gitproxy.session_set('s-explicit', '{"cookie": {"expires": "2099-01-02T03:04:05.678Z"}}', '2098-12-31 00:00:00+00');
SELECT expire FROM gitproxy.sessions WHERE sid = 's-explicit';

-- expired sessions are invisible to get, all and length
SELECT gitproxy.session_set('s-expired', '{"passport": {"user": "bob"}}', now() - interval '1 second');
SELECT gitproxy.session_get('s-expired') IS NULL AS expired_is_null;
SELECT sid FROM gitproxy.session_all();
SELECT gitproxy.session_length();

-- touch moves a live session's expiry; NULL means now() + 1 day
SELECT gitproxy.session_touch('s-alice', '2099-07-01 00:00:00+00');
SELECT expire FROM gitproxy.sessions WHERE sid = 's-alice';
BEGIN;
SELECT gitproxy.session_touch('s-alice');
SELECT expire = now() + interval '1 day' AS touched_to_default FROM gitproxy.sessions WHERE sid = 's-alice';
ROLLBACK;
-- ... is silent for a session that is gone, and never revives an expired one
SELECT gitproxy.session_touch('no-such-session', '2099-01-01 00:00:00+00');
SELECT count(*) AS touch_created_nothing FROM gitproxy.sessions WHERE sid = 'no-such-session';
SELECT gitproxy.session_touch('s-expired', '2099-01-01 00:00:00+00');
SELECT gitproxy.session_get('s-expired') IS NULL AS still_expired;

-- destroy: removes, silent when absent
SELECT gitproxy.session_destroy('s-explicit');
SELECT gitproxy.session_get('s-explicit') IS NULL AS destroyed;
SELECT gitproxy.session_destroy('s-explicit');

-- the user id: a string user (local, OIDC) or an Active Directory object's username
SELECT gitproxy.session_set('s-alice-2', '{"passport": {"user": "alice"}}', '2099-01-01 00:00:00+00');
SELECT gitproxy.session_set('s-ad', '{"passport": {"user": {"username": "carol", "admin": false, "email": "c@x", "displayName": "C", "title": "t"}}}', '2099-01-01 00:00:00+00');
SELECT gitproxy.session_set('s-oidc', '{"passport": {"user": "oidc|12345"}}', '2099-01-01 00:00:00+00');
SELECT gitproxy.session_set('s-anon', '{"cookie": {}}', '2099-01-01 00:00:00+00');
SELECT gitproxy.session_set('s-odd', '{"passport": {"user": 42}}', '2099-01-01 00:00:00+00');
SELECT gitproxy.session_set('s-alice-old', '{"passport": {"user": "alice"}}', now() - interval '1 day');
SELECT sid, user_id FROM gitproxy.sessions ORDER BY sid;

-- log a user out everywhere (live and expired rows), exact match
SELECT gitproxy.session_destroy_user('ALICE') AS removed_wrong_case;
SELECT gitproxy.session_destroy_user('alice') AS removed_alice;
SELECT gitproxy.session_destroy_user('carol') AS removed_ad_user;
SELECT gitproxy.session_destroy_user('oidc|12345') AS removed_oidc_user;
SELECT gitproxy.session_destroy_user('nobody') AS removed_nobody;
SELECT sid FROM gitproxy.session_all();

-- opaque payload: strings the jsonb type refuses and characters that would
-- matter in SQL are kept exactly
SELECT gitproxy.session_set('s-odd-chars''; DROP TABLE gitproxy.sessions; --',
  E'{"passport": {"user": "o\\u0000dd"}, "csrf": "a\\u0000b\\ud800 $1 \'q\' \\\\ \\"", "n": 1.50}', '2099-01-01 00:00:00+00');
SELECT gitproxy.session_get('s-odd-chars''; DROP TABLE gitproxy.sessions; --');
SELECT gitproxy.session_destroy_user(E'o\uffff0dd') AS not_the_nul_user;
SELECT count(*) AS sessions_table_still_there FROM gitproxy.sessions;

-- prune: bounded batches of expired rows, oldest first; live rows stay
SELECT gitproxy.session_set('p-' || n, '{}', now() - n * interval '1 minute') FROM generate_series(1, 5) n;
SELECT gitproxy.session_prune(2) AS first_batch;
SELECT sid FROM gitproxy.sessions WHERE sid LIKE 'p-%' ORDER BY sid;
SELECT gitproxy.session_prune(2) AS second_batch;
SELECT gitproxy.session_prune() AS rest;
SELECT gitproxy.session_prune() AS nothing_left;
SELECT count(*) AS live_rows_kept FROM gitproxy.sessions;

-- clear removes everything and says how many
SELECT gitproxy.session_set('s-expired-again', '{}', now() - interval '1 second');
SELECT gitproxy.session_clear() AS cleared;
SELECT gitproxy.session_length() AS after_clear;

-- errors: each with its SQLSTATE
SELECT test_err($$SELECT gitproxy.session_get(NULL)$$);
SELECT test_err($$SELECT gitproxy.session_set(NULL, '{}')$$);
SELECT test_err($$SELECT gitproxy.session_set('x', NULL)$$);
SELECT test_err($$SELECT gitproxy.session_set('x', '[]')$$);
SELECT test_err($$SELECT gitproxy.session_set('x', '"session"')$$);
SELECT test_err($$SELECT gitproxy.session_set('x', 'null')$$);
SELECT test_err($$SELECT gitproxy.session_set('x', '{"cookie": ')$$);
SELECT test_err($$SELECT gitproxy.session_touch(NULL)$$);
SELECT test_err($$SELECT gitproxy.session_destroy(NULL)$$);
SELECT test_err($$SELECT gitproxy.session_destroy_user(NULL)$$);
SELECT test_err($$SELECT gitproxy.session_prune(0)$$);
SELECT test_err($$SELECT gitproxy.session_prune(-5)$$);
SELECT test_err($$SELECT gitproxy.session_prune(NULL)$$);
SELECT count(*) AS nothing_written_by_errors FROM gitproxy.sessions;

-- pruning uses the expiry index
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT e.sid FROM gitproxy.sessions e WHERE e.expire <= now() ORDER BY e.expire LIMIT 10;
EXPLAIN (COSTS OFF) DELETE FROM gitproxy.sessions s WHERE s.user_id = 'alice';
RESET enable_seqscan;
RESET timezone;
