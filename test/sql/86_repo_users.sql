-- Permission lists stored as rows of gitproxy.repo_users (issue 13): what the
-- API returns is assembled from them; the edits write one row each; the
-- writers of whole repos replace the rows; deletes cascade.
CREATE TEMP VIEW t86_rows AS
  SELECT u.list, u.name, u.live, u.stamp IS NOT NULL AS stamped
    FROM gitproxy.repo_users u JOIN gitproxy.repos r ON r.seq = u.repo_seq
   WHERE r.url = 'https://t86.test/a.git' ORDER BY u.ord;
CREATE TEMP VIEW t86_api AS
  SELECT x::jsonb -> 'users' AS users, x::jsonb ->> 'lastModified' AS last_modified
    FROM (SELECT gitproxy.get_repo_by_url('https://t86.test/a.git') AS x) y;
SELECT gitproxy.create_repo('{"_id": "86000000000000000000000a", "project": "p", "name": "t86", "url": "https://t86.test/a.git",
  "lastModified": "2020-01-01T00:00:00.000Z", "extra": 1,
  "users": {"canPush": ["Bob", "alice", "BOB"], "canAuthorise": ["carol"], "other": true}}')::jsonb - 'dateCreated' AS created;
-- the stored document keeps everything but the entries
SELECT doc - 'dateCreated' AS stored FROM gitproxy.repos WHERE url = 'https://t86.test/a.git';
SELECT * FROM t86_rows;
SELECT * FROM t86_api;
-- an add of a listed name writes nothing; a new one appends and stamps
SELECT gitproxy.add_user_can_push('86000000000000000000000a', 'ALICE');
SELECT * FROM t86_api;
SELECT gitproxy.add_user_can_push('86000000000000000000000a', 'Dave');
SELECT users, last_modified > '2020-01-01T00:00:00.000Z' AS bumped FROM t86_api;
-- a removal leaves a stamped tombstone; removing an unlisted name writes one too
SELECT gitproxy.remove_user_can_push('86000000000000000000000a', 'bob');
SELECT gitproxy.remove_user_can_authorise('86000000000000000000000a', 'nobody');
SELECT * FROM t86_rows;
SELECT users FROM t86_api;
-- a re-add after a removal appends at the end, as 1.0 did
SELECT gitproxy.add_user_can_push('86000000000000000000000a', 'bob');
SELECT users FROM t86_api;
-- filters see the assembled document
SELECT count(*) AS by_push FROM gitproxy.get_repos('{"users.canPush": "dave", "name": "T86"}');
SELECT count(*) AS by_removed FROM gitproxy.get_repos('{"users.canAuthorise": "nobody", "url": "https://t86.test/a.git"}');
SELECT count(*) AS by_stamp FROM gitproxy.get_repos('{"lastModified": "2020-01-01T00:00:00.000Z", "url": "https://t86.test/a.git"}');
-- update_repo without users or lastModified leaves the rows and the stamp
SELECT gitproxy.update_repo('{"_id": "86000000000000000000000a", "extra": 2}');
SELECT (SELECT count(*) FROM t86_rows) AS rows, last_modified > '2020-01-01T00:00:00.000Z' AS bumped FROM t86_api;
-- setting lastModified: the value wins, the stamps are spent, the lists stay
SELECT gitproxy.update_repo('{"_id": "86000000000000000000000a", "lastModified": "2021-01-01T00:00:00.000Z"}');
SELECT * FROM t86_rows;
SELECT * FROM t86_api;
-- new lists replace the rows; lastModified of an edit since is kept in the document
SELECT gitproxy.remove_user_can_push('86000000000000000000000a', 'dave');
SELECT gitproxy.update_repo('{"_id": "86000000000000000000000a", "users": {"canPush": ["Zed", "alice"]}}');
SELECT * FROM t86_rows;
SELECT users, last_modified > '2021-01-01T00:00:00.000Z' AS kept_edit_time FROM t86_api;
SELECT (doc ->> 'lastModified') > '2021-01-01T00:00:00.000Z' AS folded_into_doc FROM gitproxy.repos WHERE url = 'https://t86.test/a.git';
-- delete_user tombstones the name on every repo
SELECT gitproxy.delete_user('zed');
SELECT * FROM t86_rows;
-- import with replace: rows replaced, order as in the record
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES
  (1, '{"project": "p", "name": "t86", "url": "https://t86.test/a.git", "users": {"canPush": ["x", "ALICE"], "canAuthorise": ["y"]}}');
SELECT * FROM gitproxy.import_repos(true);
COMMIT;
SELECT * FROM t86_rows;
SELECT users FROM t86_api;
-- import without replace: a new repo gets its rows
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES
  (1, '{"project": "p", "name": "t86b", "url": "https://t86.test/b.git", "users": {"canPush": ["m", "n"]}}');
SELECT * FROM gitproxy.import_repos();
COMMIT;
SELECT gitproxy.get_repo_by_url('https://t86.test/b.git')::jsonb -> 'users' AS imported_users;
-- a name longer than a btree entry is a row like any other (keyed by its digest)
SELECT gitproxy.add_user_can_push('86000000000000000000000a', repeat('l', 5000));
SELECT length(u.name) FROM gitproxy.repo_users u JOIN gitproxy.repos r ON r.seq = u.repo_seq
 WHERE r.url = 'https://t86.test/a.git' AND u.list = 'p' AND length(u.name) > 100;
SELECT gitproxy.remove_user_can_push('86000000000000000000000a', repeat('L', 5000));
SELECT users FROM t86_api;
-- unknown repo: not found, nothing written
SELECT count(*) AS rows_before FROM gitproxy.repo_users \gset
SELECT test_err($$SELECT gitproxy.add_user_can_push('86000000000000000000000f', 'a')$$);
SELECT test_err($$SELECT gitproxy.remove_user_can_push('86000000000000000000000f', 'a')$$);
SELECT count(*) = :rows_before AS nothing_written FROM gitproxy.repo_users;
-- delete_repo and TRUNCATE take the rows along
SELECT gitproxy.delete_repo('86000000000000000000000a');
SELECT count(*) AS rows_left FROM gitproxy.repo_users u
 WHERE NOT EXISTS (SELECT FROM gitproxy.repos r WHERE r.seq = u.repo_seq);
BEGIN;
TRUNCATE gitproxy.repos;
SELECT count(*) AS rows_after_truncate FROM gitproxy.repo_users;
ROLLBACK;
SELECT gitproxy.delete_repo(gitproxy.get_repo_by_url('https://t86.test/b.git')::jsonb ->> '_id');
DROP VIEW t86_api;
DROP VIEW t86_rows;
