-- Bulk import of users and repos (issue 6), with the staging contract of
-- gitproxy.import_pushes (90_import.sql): per batch, in ONE transaction, the
-- client COPYs JSON lines into its pg_temp.gitproxy_import_staging
-- (line_no bigint, doc text) and calls gitproxy.import_users() or
-- gitproxy.import_repos().

CREATE FUNCTION gitproxy.import_user_doc(doc text, line_no bigint,
    OUT username text, OUT record_id text, OUT stored_doc jsonb)
  AS 'MODULE_PATHNAME', 'gps_import_user_doc'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION gitproxy.import_user_doc(text, bigint) IS
  'Internal to gitproxy.import_users: one staged JSON line (a user record) converted as create_user converts its argument. username = its "username" lower-cased (the merge key); record_id = its "_id" when that is a JSON string of 24 hex characters (lower-cased), else NULL; stored_doc = the document without "_id" in stored jsonb form, username and email lower-cased, publicKeys [] when missing or null. Errors, each with the error context "gitproxy import, line <line_no>": 22004 doc or line_no NULL; 22P02 malformed JSON; 22023 not a JSON object, username missing, not a string or empty, publicKeys not an array of {"key": non-empty string, ...}, a username or email holding NUL, U+FFFF or a lone surrogate. VOLATILE: the merge calls it once per staged row, in FROM.';
REVOKE ALL ON FUNCTION gitproxy.import_user_doc(text, bigint) FROM PUBLIC;

CREATE FUNCTION gitproxy.import_repo_doc(doc text, line_no bigint,
    OUT url text, OUT record_id text, OUT stored_doc jsonb, OUT dates jsonb)
  AS 'MODULE_PATHNAME', 'gps_import_repo_doc'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION gitproxy.import_repo_doc(text, bigint) IS
  'Internal to gitproxy.import_repos: one staged JSON line (a repo record) converted as create_repo converts its argument. url = its "url" (stored form, the merge key); record_id = its "_id" when that is a JSON string of 24 hex characters (lower-cased), else NULL; stored_doc = the document without "_id" in stored jsonb form with users.canPush and users.canAuthorise always present, usernames lower-cased, repeats dropped, order kept; dates = {"dateCreated", "lastModified"} holding the current time (ISO-8601 with milliseconds, UTC) for each of the two the record lacks or has falsy, {} when it has both. Errors, each with the error context "gitproxy import, line <line_no>": 22004 doc or line_no NULL; 22P02 malformed JSON; 22023 not a JSON object, url missing, not a string or empty, users not an object, a list not an array of strings. VOLATILE: the merge calls it once per staged row, in FROM.';
REVOKE ALL ON FUNCTION gitproxy.import_repo_doc(text, bigint) FROM PUBLIC;

CREATE FUNCTION gitproxy.import_users() RETURNS TABLE (inserted bigint, updated bigint)
  AS 'MODULE_PATHNAME', 'gps_import_users'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 1;
COMMENT ON FUNCTION gitproxy.import_users() IS
  'Bulk import of user records (used by "gitproxy-sink import --kind users"; no git-proxy sink method). Merges every row the calling session staged in pg_temp.gitproxy_import_staging (line_no bigint, doc text: one JSON user record per row, as in a JSON-lines file) into gitproxy.users in one statement and returns one row: inserted = new users, updated = users that existed (counted once per username). Per record: keyed by the lower-cased "username"; the stored document is replaced by the record converted as create_user does (username and email lower-cased, publicKeys [] when missing or null, password as given); "_id": the record''s own when it is 24 hex characters (stored lower-case; a stored user matched by username takes it, its SSH keys follow), else the stored user''s, else a new one; "_id" is never part of the stored document. gitproxy.user_public_keys is kept in step by its trigger. Several lines with one username: the highest line_no wins. Re-running a batch changes nothing and reports every user as updated. Staged rows are left in place (ON COMMIT DELETE ROWS clears them). Errors (the whole statement fails, nothing of the batch is applied), each with the error context "gitproxy import, line <line_no>" of the line at fault: 22P02 malformed JSON; 22023 not an object, bad username, bad publicKeys; 22004 NULL doc or line_no; 23505 "SSH key already in use by user ''<name>''" (a key owned by another user), a non-empty email of another user, an "_id" already used by a user with another username. Without line: 42P01 the staging table does not exist; 42809 it is not a temporary table; 42804 line_no is not bigint or doc not text; 42501 it has row level security.';
REVOKE ALL ON FUNCTION gitproxy.import_users() FROM PUBLIC;

CREATE FUNCTION gitproxy.import_repos() RETURNS TABLE (inserted bigint, updated bigint)
  AS 'MODULE_PATHNAME', 'gps_import_repos'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 1;
COMMENT ON FUNCTION gitproxy.import_repos() IS
  'Bulk import of repo records (used by "gitproxy-sink import --kind repos"; no git-proxy sink method). Merges every row the calling session staged in pg_temp.gitproxy_import_staging (line_no bigint, doc text: one JSON repo record per row, as in a JSON-lines file) into gitproxy.repos in one statement and returns one row: inserted = new repos, updated = repos that existed (counted once per url). Per record: keyed by "url" (exact, case-sensitive, as getRepoByUrl); the stored document is replaced by the record converted as create_repo does (users.canPush and users.canAuthorise always present, usernames lower-cased, repeats dropped, order kept; every other key kept); dateCreated and lastModified kept when the record has them (truthy), else the stored repo''s when it has them as non-empty strings, else the current time (ISO-8601 with milliseconds, UTC); "_id": the record''s own when it is 24 hex characters (stored lower-case; a stored repo matched by url takes it), else the stored repo''s, else a new one; "_id" is never part of the stored document. Several lines with one url: the highest line_no wins. Re-running a batch changes nothing and reports every repo as updated. Staged rows are left in place. Errors (the whole statement fails, nothing of the batch is applied), each with the error context "gitproxy import, line <line_no>" of the line at fault: 22P02 malformed JSON; 22023 not an object, url missing, not a string or empty, bad users; 22004 NULL doc or line_no; 23505 an "_id" already used by a repo with another url. Without line: 42P01 the staging table does not exist; 42809 it is not a temporary table; 42804 line_no is not bigint or doc not text; 42501 it has row level security.';
REVOKE ALL ON FUNCTION gitproxy.import_repos() FROM PUBLIC;
