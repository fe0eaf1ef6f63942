-- Users and SSH keys (contract §2.4, §2.5, §4.4).  Usernames start with
-- "t50-", e-mails end in @t50.example, keys with "ssh-ed25519 T50".

-- create_user: username and email lower-cased, publicKeys [] when missing,
-- every other key stored as given (password never hashed)
SELECT gitproxy.create_user('{"username": "T50-Alice", "password": "$2b$10$hash", "gitAccount": "Alice-GH", "email": "Alice@T50.example", "admin": false, "mustChangePassword": true}');
SELECT gitproxy.find_user('t50-alice')::jsonb - '_id' AS stored;
-- only the keys that were written: no invented null fields (contract §4.4.1 test)
SELECT (gitproxy.find_user('t50-alice')::jsonb - '{password,_id,publicKeys}'::text[])
       = '{"username": "t50-alice", "gitAccount": "Alice-GH", "email": "alice@t50.example", "admin": false, "mustChangePassword": true}'::jsonb AS exactly_written_keys;
SELECT gitproxy.find_user('t50-alice')::jsonb ->> '_id' ~ '^[0-9a-f]{24}$' AS id_is_object_id;
-- oidcId, password null and extra keys are kept; a caller's _id is kept
SELECT gitproxy.create_user('{"_id": "65F0C2A9E4B0A1B2C3D4E5F8", "username": "t50-oidc", "password": null, "email": "oidc@t50.example", "gitAccount": "Octocat", "oidcId": "Sub-123", "displayName": null, "publicKeys": [{"key": "ssh-ed25519 T50-oidc-1", "name": "laptop", "addedAt": "2026-01-02T03:04:05.678Z", "fingerprint": "SHA256:oidc1="}]}');
SELECT gitproxy.find_user('T50-OIDC')::jsonb AS stored_with_id;

-- find_user*: lower-cased argument; NULL when absent
SELECT gitproxy.find_user('T50-ALICE')::jsonb ->> 'username' AS by_username,
       gitproxy.find_user_by_email('ALICE@t50.EXAMPLE')::jsonb ->> 'username' AS by_email,
       gitproxy.find_user('t50-nobody') IS NULL AS missing_null,
       gitproxy.find_user_by_email('nobody@t50.example') IS NULL AS missing_email_null,
       gitproxy.find_user(NULL) IS NULL AS null_null;
-- gitAccount: case-insensitive on both sides (stored "Octocat", "Alice-GH")
SELECT gitproxy.find_user_by_git_account('octocat')::jsonb ->> 'username' AS lower_arg,
       gitproxy.find_user_by_git_account('OCTOCAT')::jsonb ->> 'username' AS upper_arg,
       gitproxy.find_user_by_git_account('alice-gh')::jsonb ->> 'username' AS mixed_stored,
       gitproxy.find_user_by_git_account('t50-none') IS NULL AS missing_null;
-- oidcId: exact, case-sensitive
SELECT gitproxy.find_user_by_oidc('Sub-123')::jsonb ->> 'username' AS by_oidc,
       gitproxy.find_user_by_oidc('sub-123') IS NULL AS case_sensitive,
       gitproxy.find_user_by_oidc(NULL) IS NULL AS null_null;

-- duplicates and bad input, each with its SQLSTATE; nothing stored
SELECT count(*) AS t50_users_before FROM gitproxy.users WHERE username LIKE 't50-%';
SELECT test_err($$SELECT gitproxy.create_user('{"username": "t50-ALICE", "email": "other@t50.example"}')$$);
SELECT test_err($$SELECT gitproxy.create_user('{"username": "t50-alice2", "email": "ALICE@t50.example"}')$$);
SELECT test_err($$SELECT gitproxy.create_user('{"_id": "65f0c2a9e4b0a1b2c3d4e5f8", "username": "t50-idclash"}')$$);
SELECT test_err($$SELECT gitproxy.create_user('{"username": "t50-keyclash", "publicKeys": [{"key": "ssh-ed25519 T50-oidc-1"}]}')$$);
SELECT test_err($$SELECT gitproxy.create_user('{"email": "nouser@t50.example"}')$$);
SELECT test_err($$SELECT gitproxy.create_user('{"username": ""}')$$);
SELECT test_err($$SELECT gitproxy.create_user('{"username": 42}')$$);
SELECT test_err($$SELECT gitproxy.create_user('{"username": "t50-\u0000"}')$$);
SELECT test_err($$SELECT gitproxy.create_user('{"_id": "ABCDEFGHIJKLMNOP", "username": "t50-nedb"}')$$);
SELECT test_err($$SELECT gitproxy.create_user('{"username": "t50-badkeys", "publicKeys": {"key": "x"}}')$$);
SELECT test_err($$SELECT gitproxy.create_user('{"username": "t50-badkeys", "publicKeys": [{"name": "no key"}]}')$$);
SELECT test_err($$SELECT gitproxy.create_user('["t50-arr"]')$$);
SELECT test_err($$SELECT gitproxy.create_user(NULL)$$);
SELECT count(*) AS t50_users_after FROM gitproxy.users WHERE username LIKE 't50-%';
-- empty and missing e-mails are not unique; publicKeys missing or null: []
SELECT gitproxy.create_user('{"username": "t50-noemail1", "email": ""}');
SELECT gitproxy.create_user('{"username": "t50-noemail2", "email": ""}');
SELECT gitproxy.create_user('{"username": "t50-noemail3"}');
SELECT gitproxy.create_user('{"username": "t50-noemail4", "email": null, "publicKeys": null}');
SELECT u::jsonb - '_id' AS no_email_users FROM gitproxy.get_users('{"username": {"$regex": "^t50-noemail"}}') u;

-- get_users: never password; username/email filters lower-cased
SELECT bool_or(u::jsonb ? 'password') AS any_password FROM gitproxy.get_users() u;
SELECT (SELECT count(*) FROM gitproxy.get_users()) = (SELECT count(*) FROM gitproxy.users) AS null_lists_all,
       (SELECT count(*) FROM gitproxy.get_users('{}')) = (SELECT count(*) FROM gitproxy.users) AS empty_lists_all,
       (SELECT count(*) FROM gitproxy.get_users('null')) = (SELECT count(*) FROM gitproxy.users) AS json_null_lists_all;
SELECT u::jsonb - '_id' AS by_upper_username FROM gitproxy.get_users('{"username": "T50-ALICE"}') u;
SELECT u::jsonb ->> 'username' AS by_upper_email FROM gitproxy.get_users('{"email": "ALICE@T50.EXAMPLE"}') u;
SELECT count(*) AS git_account_exact FROM gitproxy.get_users('{"gitAccount": "alice-gh"}');
SELECT u::jsonb ->> 'username' AS by_admin FROM gitproxy.get_users('{"admin": false, "email": {"$regex": "@t50\\.example$"}}') u;
-- conditions on password are refused (they would reveal it)
SELECT test_err($$SELECT * FROM gitproxy.get_users('{"password": "$2b$10$hash"}')$$);
SELECT test_err($$SELECT * FROM gitproxy.get_users('{"password": {"$regex": "^\\$2b"}}')$$);
SELECT test_err($$SELECT * FROM gitproxy.get_users('{"password.x": 1}')$$);
SELECT count(*) AS passwords_key_is_another_key FROM gitproxy.get_users('{"passwords": 1}');
SELECT test_err($$SELECT * FROM gitproxy.get_users('{"$where": "1"}')$$);

-- update_user by username: partial update keeps the other keys
SELECT gitproxy.update_user('{"username": "T50-Alice", "gitAccount": "alice-new", "admin": true}');
SELECT gitproxy.find_user('t50-alice')::jsonb - '_id' AS partial_update;
-- on an unknown username it inserts (AD login), password stored as given
SELECT gitproxy.update_user('{"username": "T50-AD", "email": "AD@T50.example", "password": "plain", "displayName": "A D", "title": null}');
SELECT gitproxy.find_user('t50-ad')::jsonb - '_id' AS upserted;
-- by _id: any key may change, including username and email (lower-cased)
SELECT gitproxy.find_user('t50-ad')::jsonb ->> '_id' AS ad_id \gset
SELECT gitproxy.update_user(json_build_object('_id', :'ad_id', 'username', 'T50-AD-Renamed', 'email', 'New@T50.example', 'oidcId', 'ad-1'));
SELECT gitproxy.find_user('t50-ad-renamed')::jsonb - '_id' AS updated_by_id,
       gitproxy.find_user('t50-ad') IS NULL AS old_name_gone;
-- {_id, oidcId} only sets oidcId; JSON null is stored; $unset removes keys
SELECT gitproxy.update_user(json_build_object('_id', :'ad_id', 'oidcId', 'ad-2', 'displayName', NULL, '$unset', json_build_array('title', 'password')));
SELECT gitproxy.find_user_by_oidc('ad-2')::jsonb - '_id' AS after_unset;
-- an unknown well-formed _id inserts a user with that _id
SELECT gitproxy.update_user('{"_id": "65f0c2a9e4b0a1b2c3d4e5f9", "username": "t50-upsert-id"}');
SELECT gitproxy.find_user('t50-upsert-id')::jsonb AS upserted_with_id;
-- publicKeys are replaced whole and the key index follows
SELECT gitproxy.update_user('{"username": "t50-upsert-id", "publicKeys": [{"key": "ssh-ed25519 T50-u-1", "fingerprint": "fu1"}, {"key": "ssh-ed25519 T50-u-2", "fingerprint": "fu2"}]}');
SELECT gitproxy.update_user('{"username": "t50-upsert-id", "publicKeys": [{"key": "ssh-ed25519 T50-u-2", "fingerprint": "fu2"}]}');
SELECT gitproxy.find_user_by_ssh_key('ssh-ed25519 T50-u-1') IS NULL AS replaced_key_gone,
       gitproxy.find_user_by_ssh_key('ssh-ed25519 T50-u-2')::jsonb ->> 'username' AS kept_key_owner;
-- errors: each with its SQLSTATE, the user unchanged
CREATE TEMP TABLE users_before AS SELECT _id, doc FROM gitproxy.users;
SELECT test_err($$SELECT gitproxy.update_user('{"admin": true}')$$);
SELECT test_err($$SELECT gitproxy.update_user('{"username": ""}')$$);
SELECT test_err($$SELECT gitproxy.update_user('{"username": null}')$$);
SELECT test_err($$SELECT gitproxy.update_user('{"_id": "000000000000000000000000", "admin": true}')$$);
SELECT test_err(format($$SELECT gitproxy.update_user('{"_id": "%s", "username": "t50-alice"}')$$, :'ad_id'));
SELECT test_err(format($$SELECT gitproxy.update_user('{"_id": "%s", "email": "ALICE@t50.example"}')$$, :'ad_id'));
SELECT test_err($$SELECT gitproxy.update_user('{"username": "t50-upsert-id", "email": "alice@t50.example"}')$$);
SELECT test_err($$SELECT gitproxy.update_user('{"username": "t50-upsert-id", "publicKeys": [{"key": "ssh-ed25519 T50-oidc-1"}]}')$$);
SELECT test_err($$SELECT gitproxy.update_user('{"_id": "ABCDEFGHIJKLMNOP", "username": "t50-alice", "admin": false}')$$);
SELECT test_err($$SELECT gitproxy.update_user('{"username": "t50-alice", "$unset": ["username"]}')$$);
SELECT test_err($$SELECT gitproxy.update_user('{"username": "t50-alice", "$unset": ["_id"]}')$$);
SELECT test_err($$SELECT gitproxy.update_user('{"username": "t50-alice", "$inc": {"n": 1}}')$$);
SELECT test_err($$SELECT gitproxy.update_user('{"username": "t50-alice", "publicKeys": "none"}')$$);
SELECT test_err($$SELECT gitproxy.update_user('1')$$);
SELECT test_err($$SELECT gitproxy.update_user(NULL)$$);
SELECT count(*) AS changed_rows FROM gitproxy.users u FULL JOIN users_before b USING (_id) WHERE u.doc IS DISTINCT FROM b.doc;

-- SSH keys: add_public_key, get_public_keys, find_user_by_ssh_key, remove_public_key
SELECT gitproxy.create_user('{"username": "t50-bob", "email": "bob@t50.example"}');
SELECT gitproxy.add_public_key('t50-bob', '{"key": "ssh-ed25519 T50-b-1", "name": "laptop", "addedAt": "2026-01-02T03:04:05.678Z", "fingerprint": "SHA256:b1+/="}');
SELECT gitproxy.add_public_key('T50-BOB', '{"key": "ssh-ed25519 T50-b-2", "name": "desktop", "addedAt": "2026-01-03T03:04:05.678Z", "fingerprint": "SHA256:b2"}');
SELECT gitproxy.get_public_keys('t50-bob') AS keys_in_order;
SELECT gitproxy.find_user_by_ssh_key('ssh-ed25519 T50-b-2')::jsonb ->> 'username' AS owner_among_several,
       gitproxy.find_user_by_ssh_key('ssh-ed25519 T50-oidc-1')::jsonb ->> 'username' AS owner_single,
       gitproxy.find_user_by_ssh_key('ssh-ed25519 T50-unknown') IS NULL AS unknown_null,
       gitproxy.find_user_by_ssh_key('ssh-ed25519 t50-b-2') IS NULL AS exact_match_only,
       gitproxy.find_user_by_ssh_key(NULL) IS NULL AS null_null;
-- the three failures of addPublicKey, in the contract's order
SELECT test_err($$SELECT gitproxy.add_public_key('t50-alice', '{"key": "ssh-ed25519 T50-b-1", "fingerprint": "other"}')$$);
SELECT test_err($$SELECT gitproxy.add_public_key('t50-nobody', '{"key": "ssh-ed25519 T50-b-1"}')$$);
SELECT test_err($$SELECT gitproxy.add_public_key('t50-nobody', '{"key": "ssh-ed25519 T50-new"}')$$);
SELECT test_err($$SELECT gitproxy.add_public_key('t50-bob', '{"key": "ssh-ed25519 T50-b-1", "fingerprint": "changed"}')$$);
SELECT test_err($$SELECT gitproxy.add_public_key('t50-bob', '{"key": "ssh-ed25519 T50-b-3", "fingerprint": "SHA256:b2"}')$$);
-- an empty fingerprint is not "the same fingerprint"
SELECT gitproxy.add_public_key('t50-bob', '{"key": "ssh-ed25519 T50-b-4", "fingerprint": ""}');
SELECT gitproxy.add_public_key('t50-bob', '{"key": "ssh-ed25519 T50-b-5", "fingerprint": ""}');
-- argument errors
SELECT test_err($$SELECT gitproxy.add_public_key('t50-bob', '{"name": "no key"}')$$);
SELECT test_err($$SELECT gitproxy.add_public_key('t50-bob', '{"key": ""}')$$);
SELECT test_err($$SELECT gitproxy.add_public_key('t50-bob', '"ssh-ed25519 x"')$$);
SELECT test_err($$SELECT gitproxy.add_public_key(NULL, '{"key": "ssh-ed25519 T50-x"}')$$);
SELECT test_err($$SELECT gitproxy.add_public_key('t50-bob', NULL)$$);
SELECT json_array_length(gitproxy.get_public_keys('t50-bob')) AS bob_key_count;
-- a user stored without publicKeys (upserted) can still get a key
SELECT gitproxy.find_user('t50-ad-renamed')::jsonb ? 'publicKeys' AS has_public_keys;
SELECT gitproxy.get_public_keys('t50-ad-renamed') AS keys_when_field_missing;
SELECT gitproxy.add_public_key('t50-ad-renamed', '{"key": "ssh-ed25519 T50-ad-1", "fingerprint": "fad1"}');
SELECT gitproxy.get_public_keys('t50-ad-renamed') AS first_key;
-- remove_public_key: exactly the matching fingerprint; unknown one is a no-op
SELECT gitproxy.remove_public_key('T50-Bob', 'SHA256:b1+/=');
SELECT gitproxy.remove_public_key('t50-bob', 'SHA256:unknown');
SELECT k ->> 'key' AS remaining FROM json_array_elements(gitproxy.get_public_keys('t50-bob')) k;
SELECT gitproxy.find_user_by_ssh_key('ssh-ed25519 T50-b-1') IS NULL AS removed_key_unowned;
-- once removed, the key may go to another user
SELECT gitproxy.add_public_key('t50-alice', '{"key": "ssh-ed25519 T50-b-1", "fingerprint": "SHA256:b1+/="}');
SELECT gitproxy.find_user_by_ssh_key('ssh-ed25519 T50-b-1')::jsonb ->> 'username' AS new_owner;
-- user without keys: resolves, keys stay []
SELECT gitproxy.remove_public_key('t50-noemail1', 'x');
SELECT gitproxy.get_public_keys('t50-noemail1') AS still_empty;
SELECT test_err($$SELECT gitproxy.remove_public_key('t50-nobody', 'x')$$);
SELECT test_err($$SELECT gitproxy.remove_public_key(NULL, 'x')$$);
SELECT test_err($$SELECT gitproxy.remove_public_key('t50-bob', NULL)$$);
SELECT test_err($$SELECT gitproxy.get_public_keys('t50-nobody')$$);
SELECT test_err($$SELECT gitproxy.get_public_keys(NULL)$$);
-- find_user_by_ssh_key is an index lookup
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT u.doc FROM gitproxy.user_public_keys k
  JOIN gitproxy.users u ON u._id = k.user_id
  WHERE k.key_digest = gitproxy.text_digest('ssh-ed25519 T50-b-2') AND k.key = 'ssh-ed25519 T50-b-2';
RESET enable_seqscan;
-- the key table is exactly the keys of the documents
SELECT count(*) AS key_table_mismatches FROM (
  (SELECT e->>'key', u._id FROM gitproxy.users u, jsonb_array_elements(u.doc->'publicKeys') e
    WHERE jsonb_typeof(u.doc->'publicKeys') = 'array'
   EXCEPT SELECT key, user_id FROM gitproxy.user_public_keys)
  UNION ALL
  (SELECT key, user_id FROM gitproxy.user_public_keys
   EXCEPT SELECT e->>'key', u._id FROM gitproxy.users u, jsonb_array_elements(u.doc->'publicKeys') e
    WHERE jsonb_typeof(u.doc->'publicKeys') = 'array')) x;

-- delete_user: removes the user, its keys and its name from every repo's
-- permission lists (bumping their lastModified); other repos untouched
SELECT gitproxy.create_repo('{"project": "t50", "name": "a", "url": "https://t50.example/a.git", "lastModified": "2020-01-01T00:00:00.000Z", "users": {"canPush": ["t50-bob", "t50-alice"], "canAuthorise": ["t50-bob"]}}')::jsonb ->> '_id' AS ra \gset
SELECT gitproxy.create_repo('{"project": "t50", "name": "b", "url": "https://t50.example/b.git", "lastModified": "2020-01-01T00:00:00.000Z", "users": {"canPush": ["t50-alice"], "canAuthorise": []}}')::jsonb ->> '_id' AS rb \gset
SELECT gitproxy.delete_user('T50-BOB');
SELECT gitproxy.find_user('t50-bob') IS NULL AS user_gone,
       gitproxy.find_user_by_ssh_key('ssh-ed25519 T50-b-2') IS NULL AS keys_gone,
       (SELECT count(*) FROM gitproxy.user_public_keys k
         WHERE k.key IN ('ssh-ed25519 T50-b-2', 'ssh-ed25519 T50-b-4', 'ssh-ed25519 T50-b-5')) AS bob_key_rows;
SELECT d ->> 'name' AS repo, d -> 'users' AS users, d ->> 'lastModified' > '2020-01-01T00:00:00.000Z' AS bumped
  FROM (SELECT r::jsonb AS d FROM gitproxy.get_repos('{"project": "t50"}') r) s;
-- names without a user row (left dangling by git-proxy's backends) are cleaned too
SELECT gitproxy.add_user_can_authorise(:'rb', 't50-ghost');
SELECT gitproxy.delete_user('T50-Ghost');
SELECT gitproxy.get_repo_by_id(:'rb')::jsonb -> 'users' AS ghost_removed;
-- a new user re-using the name inherits nothing
SELECT gitproxy.create_user('{"username": "t50-bob"}');
SELECT count(*) AS repos_bob_can_push FROM gitproxy.get_repos('{"users.canPush": "t50-bob"}');
SELECT gitproxy.delete_user('t50-bob');
SELECT gitproxy.delete_user('t50-bob');
SELECT test_err($$SELECT gitproxy.delete_user(NULL)$$);

-- clean up
DROP TABLE users_before;
DELETE FROM gitproxy.repos WHERE doc->>'project' = 't50';
DELETE FROM gitproxy.users WHERE username LIKE 't50-%';
SELECT count(*) AS key_rows_left FROM gitproxy.user_public_keys WHERE key LIKE 'ssh-ed25519 T50%';
