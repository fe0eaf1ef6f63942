-- Users and their SSH public keys (issue 3; contract §2.4, §2.5, §4.4).

CREATE TABLE gitproxy.users (
    _id          text COLLATE "C" NOT NULL,
    doc          jsonb NOT NULL,
    seq          bigint GENERATED ALWAYS AS IDENTITY,
    username     text COLLATE "C" GENERATED ALWAYS AS (
                   CASE WHEN pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'username') OPERATOR(pg_catalog.=) 'string'
                        THEN doc OPERATOR(pg_catalog.->>) 'username' END) STORED,
    email        text COLLATE "C" GENERATED ALWAYS AS (
                   CASE WHEN pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'email') OPERATOR(pg_catalog.=) 'string'
                        THEN doc OPERATOR(pg_catalog.->>) 'email' END) STORED,
    git_account  text GENERATED ALWAYS AS (
                   CASE WHEN pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'gitAccount') OPERATOR(pg_catalog.=) 'string'
                        THEN doc OPERATOR(pg_catalog.->>) 'gitAccount' END) STORED,
    oidc_id      text COLLATE "C" GENERATED ALWAYS AS (
                   CASE WHEN pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'oidcId') OPERATOR(pg_catalog.=) 'string'
                        THEN doc OPERATOR(pg_catalog.->>) 'oidcId' END) STORED,
    CONSTRAINT users_pkey PRIMARY KEY (_id),
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_seq_key UNIQUE (seq),
    CONSTRAINT users__id_format CHECK (_id OPERATOR(pg_catalog.~) '^[0-9a-f]{24}$'),
    CONSTRAINT users_doc_is_object CHECK (
      pg_catalog.jsonb_typeof(doc) OPERATOR(pg_catalog.=) 'object'
      AND NOT (doc OPERATOR(pg_catalog.?) '_id')),
    CONSTRAINT users_username_present CHECK (username IS NOT NULL AND username OPERATOR(pg_catalog.<>) '')
);
COMMENT ON TABLE gitproxy.users IS
  'git-proxy users (contract §2.4), one row per user. doc is the whole document without _id in stored jsonb form, with exactly the keys that were written (password as given, never hashed); username and email are stored lower-cased. SSH keys are the publicKeys array of doc, indexed by gitproxy.user_public_keys. Write through gitproxy.create_user, update_user, delete_user, add_public_key and remove_public_key.';
COMMENT ON COLUMN gitproxy.users._id IS 'record id: 24 lowercase hex characters, 4 bytes of epoch seconds then 8 random bytes (a MongoDB ObjectId; kept on import)';
COMMENT ON COLUMN gitproxy.users.doc IS 'the user document without _id, U+FFFF-escaped jsonb (decode with gitproxy.find_user)';
COMMENT ON COLUMN gitproxy.users.seq IS 'insertion order; listings are returned in it';
COMMENT ON COLUMN gitproxy.users.username IS 'doc.username (lower-cased on write); unique and required';
COMMENT ON COLUMN gitproxy.users.email IS 'doc.email when a JSON string (lower-cased on write); unique unless empty';
COMMENT ON COLUMN gitproxy.users.git_account IS 'doc.gitAccount as written (not lower-cased); looked up case-insensitively';
COMMENT ON COLUMN gitproxy.users.oidc_id IS 'doc.oidcId when a JSON string; looked up exactly';

CREATE UNIQUE INDEX users_email_key ON gitproxy.users (email) WHERE email OPERATOR(pg_catalog.<>) '';
COMMENT ON INDEX gitproxy.users_email_key IS 'one user per non-empty e-mail address (git-proxy R12: mongo stores duplicates, which blocks pushes)';
CREATE INDEX users_lower_git_account_idx ON gitproxy.users (pg_catalog.lower(git_account));
COMMENT ON INDEX gitproxy.users_lower_git_account_idx IS 'find_user_by_git_account: lower(stored) = lower(argument)';
CREATE INDEX users_oidc_id_idx ON gitproxy.users (oidc_id);
COMMENT ON INDEX gitproxy.users_oidc_id_idx IS 'find_user_by_oidc';

SELECT pg_catalog.pg_extension_config_dump('gitproxy.users', '');
SELECT pg_catalog.pg_extension_config_dump('gitproxy.users_seq_seq', '');

CREATE TABLE gitproxy.user_public_keys (
    key      text COLLATE "C" NOT NULL,
    user_id  text COLLATE "C" NOT NULL,
    CONSTRAINT user_public_keys_pkey PRIMARY KEY (key),
    CONSTRAINT user_public_keys_user_id_fkey FOREIGN KEY (user_id)
      REFERENCES gitproxy.users (_id) ON DELETE CASCADE ON UPDATE CASCADE
);
COMMENT ON TABLE gitproxy.user_public_keys IS
  'Owner of every SSH public key text found in a user''s publicKeys array: the primary key makes a key belong to at most one user, and find_user_by_ssh_key an index lookup. Derived data, maintained only by the trigger user_public_keys_sync on gitproxy.users in the statement that changes publicKeys, so it is not dumped (a restore rebuilds it as users are loaded, unless triggers are disabled).';
COMMENT ON COLUMN gitproxy.user_public_keys.key IS 'publicKeys[].key exactly as stored ("<algorithm> <base64>", stored string form)';
COMMENT ON COLUMN gitproxy.user_public_keys.user_id IS 'gitproxy.users._id of the owner (follows it when an import gives the user the _id of its record: ON UPDATE CASCADE)';
CREATE INDEX user_public_keys_user_id_idx ON gitproxy.user_public_keys (user_id);

CREATE FUNCTION gitproxy.user_public_keys_sync() RETURNS trigger
  AS 'MODULE_PATHNAME', 'gps_user_public_keys_sync'
  LANGUAGE C SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.user_public_keys_sync() IS
  'Row trigger on gitproxy.users (AFTER INSERT; AFTER UPDATE when publicKeys changed): makes the user''s rows in gitproxy.user_public_keys exactly the key texts of its publicKeys array. Raises 23505 "SSH key already in use by user ''<name>''" when another user owns one of them, which undoes the whole statement.';
REVOKE ALL ON FUNCTION gitproxy.user_public_keys_sync() FROM PUBLIC;
CREATE TRIGGER user_public_keys_sync_insert AFTER INSERT ON gitproxy.users
  FOR EACH ROW EXECUTE FUNCTION gitproxy.user_public_keys_sync();
CREATE TRIGGER user_public_keys_sync_update AFTER UPDATE OF doc ON gitproxy.users
  FOR EACH ROW
  WHEN ((OLD.doc OPERATOR(pg_catalog.->) 'publicKeys') IS DISTINCT FROM (NEW.doc OPERATOR(pg_catalog.->) 'publicKeys'))
  EXECUTE FUNCTION gitproxy.user_public_keys_sync();

CREATE FUNCTION gitproxy.find_user(username text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_find_user'
  LANGUAGE C STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.find_user(text) IS
  'Sink method findUser(username). The user whose username equals the lower-cased argument: the stored document with "_id" and "password" (local login checks it), exactly the keys that were written; NULL when none.';
REVOKE ALL ON FUNCTION gitproxy.find_user(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.find_user_by_email(email text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_find_user_by_email'
  LANGUAGE C STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.find_user_by_email(text) IS
  'Sink method findUserByEmail(email). The user whose email equals the lower-cased argument (as find_user, with password); NULL when none.';
REVOKE ALL ON FUNCTION gitproxy.find_user_by_email(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.find_user_by_git_account(git_account text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_find_user_by_git_account'
  LANGUAGE C STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.find_user_by_git_account(text) IS
  'Sink method findUserByGitAccount(gitAccount). The first user (insertion order) whose gitAccount equals the argument case-insensitively on both sides (git-proxy lower-cases only the argument, so mixed-case stored values were never found); NULL when none.';
REVOKE ALL ON FUNCTION gitproxy.find_user_by_git_account(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.find_user_by_oidc(oidc_id text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_find_user_by_oidc'
  LANGUAGE C STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.find_user_by_oidc(text) IS
  'Sink method findUserByOIDC(oidcId). The first user whose oidcId equals the argument exactly (case-sensitive); NULL when none.';
REVOKE ALL ON FUNCTION gitproxy.find_user_by_oidc(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.find_user_by_ssh_key(ssh_key text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_find_user_by_ssh_key'
  LANGUAGE C STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.find_user_by_ssh_key(text) IS
  'Sink method findUserBySSHKey(sshKey). The user owning a public key whose "key" equals the argument exactly ("<algorithm> <base64>"), found through the primary key of gitproxy.user_public_keys; NULL when none.';
REVOKE ALL ON FUNCTION gitproxy.find_user_by_ssh_key(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.get_users(query json DEFAULT NULL) RETURNS SETOF json
  AS 'MODULE_PATHNAME', 'gps_get_users'
  LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 100;
COMMENT ON FUNCTION gitproxy.get_users(json) IS
  'Sink method getUsers(query). Every user matching the query object, in insertion order, WITHOUT "password" (MongoDB behaviour), with "_id". NULL, JSON null and {} match all. Filter as get_repos; "username", "email" and "_id" values are lower-cased. Errors: 22023 bad query, or a condition on "password" (refused so that it cannot be probed).';
REVOKE ALL ON FUNCTION gitproxy.get_users(json) FROM PUBLIC;

CREATE FUNCTION gitproxy.create_user("user" json) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_create_user'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.create_user(json) IS
  'Sink method createUser(user). Stores {"username", "password", "gitAccount", "email", "admin", "mustChangePassword", "oidcId"?, "publicKeys"?, ...} with every key it has (password as given, never hashed); username and email lower-cased; publicKeys [] when missing or null; a well-formed "_id" is kept, else one is generated. Errors: 22004 NULL; 22023 not an object, username missing/empty/not a string, malformed _id, publicKeys not an array of {"key": non-empty string, ...}; 23505 ''a user with username "<u>" already exists'', ''a user with email "<e>" already exists'' (non-empty emails are unique), _id taken, or "SSH key already in use by user ''<name>''"; nothing is stored on error.';
REVOKE ALL ON FUNCTION gitproxy.create_user(json) FROM PUBLIC;

CREATE FUNCTION gitproxy.delete_user(username text) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_delete_user'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.delete_user(text) IS
  'Sink method deleteUser(username). Deletes the user with the lower-cased username (silent when none) and its SSH keys, and in the same statement removes that name from users.canPush and users.canAuthorise of every repo (setting their lastModified), so a new user re-using the name inherits no rights. Deliberate difference: git-proxy''s backends leave the names in the lists. Errors: 22004 NULL.';
REVOKE ALL ON FUNCTION gitproxy.delete_user(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.update_user("user" json) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_update_user'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.update_user(json) IS
  'Sink method updateUser(user). Upsert-merge: selects the user by "_id" when the argument has one, else by its lower-cased "username"; sets every given key over the stored ones (shallow: given keys win, JSON null is stored, publicKeys replaced whole; username/email lower-cased; password stored as given). {"$unset": ["key", ...]} removes keys (not _id or username). When nothing is selected the argument is inserted as a new user (its _id kept when well formed; publicKeys not added); it then needs a username. Errors: 22004 NULL; 22023 not an object, neither _id nor username, bad username, bad "$unset" or other "$"-key, bad publicKeys; 23505 the username or non-empty email belongs to another user, or "SSH key already in use by user ''<name>''"; nothing is changed on error.';
REVOKE ALL ON FUNCTION gitproxy.update_user(json) FROM PUBLIC;

CREATE FUNCTION gitproxy.add_public_key(username text, public_key json) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_add_public_key'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.add_public_key(text, json) IS
  'Sink method addPublicKey(username, publicKey). Appends publicKey {"key": "<algorithm> <base64>", "name", "addedAt": ISO-8601, "fingerprint": "SHA256:..."} as given to the user''s publicKeys, in one transaction, failing in this order: 23505 "SSH key already in use by user ''<name>''" when another user owns the key (git-proxy DuplicateSSHKeyError); P0002 "User not found" when no user has the lower-cased username; 42710 "SSH key already exists" when the user has a key with the same key text or the same truthy fingerprint. The key table''s primary key decides races: of two users adding one key concurrently exactly one succeeds. Other errors: 22004 NULL argument; 22023 not an object, or "key" not a non-empty string.';
REVOKE ALL ON FUNCTION gitproxy.add_public_key(text, json) FROM PUBLIC;

CREATE FUNCTION gitproxy.remove_public_key(username text, fingerprint text) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_remove_public_key'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.remove_public_key(text, text) IS
  'Sink method removePublicKey(username, fingerprint). Removes every key of the user (lower-cased username) whose "fingerprint" equals the argument; an unknown fingerprint changes nothing. Errors: 22004 NULL argument; P0002 "User not found" (fs behaviour; the REST route maps it to 404).';
REVOKE ALL ON FUNCTION gitproxy.remove_public_key(text, text) FROM PUBLIC;

CREATE FUNCTION gitproxy.get_public_keys(username text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_get_public_keys'
  LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.get_public_keys(text) IS
  'Sink method getPublicKeys(username). JSON array of the user''s key records [{"key", "name", "addedAt", "fingerprint"}, ...] in insertion order; [] when the user has none. Errors: 22004 NULL; P0002 "User not found".';
REVOKE ALL ON FUNCTION gitproxy.get_public_keys(text) FROM PUBLIC;
