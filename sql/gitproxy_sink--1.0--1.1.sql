-- gitproxy_sink upgrade script 1.0 -> 1.1.
-- One 1.1 collects every schema change of the open issues; it stays open until
-- none of them is open, then it is frozen like the 1.0 install script.
-- A fresh CREATE EXTENSION of 1.1 runs the 1.0 install script and then this
-- file, so this script alone defines how 1.1 differs from 1.0, for new and
-- upgraded databases alike (test/tap/upgrade compares both).
-- Rules as in the install script: every object schema-qualified, API functions
-- SECURITY DEFINER with SET search_path = pg_catalog, pg_temp and not executable
-- by PUBLIC, every member commented, no CREATE OR REPLACE / IF NOT EXISTS.
-- After ALTER EXTENSION ... UPDATE, run gitproxy.grant_runtime(...) and
-- gitproxy.grant_readonly(...) again so roles get the new functions.

\echo Use "ALTER EXTENSION gitproxy_sink UPDATE TO '1.1'" to load this file. \quit

-- Each issue keeps its changes in its own section below, in this order.

-- == Security: staging, strict review, complete decision log, long values ==

-- == Data fidelity: opaque ids, imports, one validation per record kind ==

-- == Query and identity semantics: locale-independent case folding ==

-- Issue 15.  Filters test documents with one set of path rules
-- (gitproxy.query_match, gitproxy.query_regex); typed columns only speed
-- them up (the *_irregular_idx indexes serve the rows whose documents hold
-- an array where a typed column is read).  Usernames, e-mails, permission
-- lists, git accounts and repo names are lower-cased with
-- gitproxy.lower_case (JavaScript's toLowerCase, whatever the locale)
-- instead of the database collation's lower().

CREATE FUNCTION gitproxy.lower_case(t text) RETURNS text
  AS 'MODULE_PATHNAME', 'gps_lower_case'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gitproxy.lower_case(text) IS
  'JavaScript''s String.prototype.toLowerCase(): the Unicode full lower-case mapping of the ICU root locale (final sigma included; U+0130 gives i + U+0307), the same in every database whatever its collation or ctype (so a Turkish-locale database lower-cases ADMIN to admin, not to a dotless U+0131). The one lower-casing of stored and looked-up usernames, e-mails, users.canPush/canAuthorise entries, git accounts and repo names, and of the indexes repos_lower_name_idx and users_lower_git_account_idx. Without ICU in the server only ASCII letters change. Errors: none (NULL gives NULL).';
REVOKE ALL ON FUNCTION gitproxy.lower_case(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.query_match(doc jsonb, path text[], value jsonb, fold boolean) RETURNS boolean
  AS 'MODULE_PATHNAME', 'gps_query_match'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gitproxy.query_match(jsonb, text[], jsonb, boolean) IS
  'Internal to the get_pushes, get_repos and get_users filters: does the query condition {"<path joined by dots>": value} hold for the stored document doc? Path rules (MongoDB): on an object a segment is a member name; on an array a segment of decimal digits without a leading zero is an element index, any other segment applies to every object element; a member of a scalar, an absent member or an index past the end is missing. value (a scalar, object or array) matches a value at the path equal to it (JSON-type strict, numbers by value) or an array there holding an equal element; JSON null matches null, an array holding null, or a path missing on some branch. fold: strings of the document are compared through gitproxy.lower_case (value must already be lower-cased). Errors: 22004 a NULL path element.';
REVOKE ALL ON FUNCTION gitproxy.query_match(jsonb, text[], jsonb, boolean) FROM PUBLIC;

CREATE FUNCTION gitproxy.query_regex(doc jsonb, path text[], pattern text, flags text) RETURNS boolean
  AS 'MODULE_PATHNAME', 'gps_query_regex'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gitproxy.query_regex(jsonb, text[], text, text) IS
  'Internal to the filters: does a string at path (rules of gitproxy.query_match; an array there offers its string elements) match pattern, a PostgreSQL advanced regular expression, with flags (JavaScript RegExp flags: i case-insensitive, m ^ and $ at line ends, s . matches a newline, x expanded; g, u, y ignored)? The pattern runs on the real string, with the U+FFFF storage escape reversed, so \u0000, U+FFFF and a lone surrogate are one character each. Case-insensitive matching uses the ICU root collation (und-x-icu) when the server has ICU, else the database default. Errors: 22023 unknown flag; 2201B malformed pattern; 22004 a NULL path element.';
REVOKE ALL ON FUNCTION gitproxy.query_regex(jsonb, text[], text, text) FROM PUBLIC;

-- The filter rules in the API descriptions.
COMMENT ON FUNCTION gitproxy.get_pushes(json, integer, text) IS
  'Sink method getPushes(query). NULL or JSON null query = default filter {"error":false,"blocked":true,"allowPush":false,"authorised":false,"type":"push"}; {} matches every row. Filter: AND of keys; JSON-type-strict equality, numbers by value; dotted paths with MongoDB rules (a decimal segment without leading zero indexes an array, any other segment applies to each object element of an array); a value matches an equal field or an array with an equal element; null matches null, an array holding null or a path missing on some branch; {"$regex":src,"$options":"imsx"} matches the real string (NUL, U+FFFF, lone surrogates are single characters). Typed columns never change a result. Ordered by timestamp (epoch ms, read as JavaScript Number()) descending then id descending; non-numeric timestamps last. Returns documents without _id, each with an opaque keyset cursor that resumes after that row; limit NULL returns all rows. Errors: 22023 bad query (not an object, empty or $-prefixed key, unsupported operator or $options flag, a $regex holding NUL or a lone surrogate), bad cursor or negative limit; 2201B malformed $regex.';
COMMENT ON FUNCTION gitproxy.get_repos(json) IS
  'Sink method getRepos(query). Every repo matching the query object, in insertion order, each {"_id", "project", "name", "url", "users": {"canPush": [...], "canAuthorise": [...]}, "dateCreated", "lastModified", ...extra keys}. NULL, JSON null and {} match all. Filter rules as get_pushes (e.g. "users.canPush": "alice"); "name" compares case-insensitively (gitproxy.lower_case on both sides), "_id" is lower-cased. Errors: 22023 bad query (not an object, empty or $-prefixed key, unsupported operator); 2201B malformed $regex.';

COMMENT ON COLUMN gitproxy.pushes.ts IS 'doc.timestamp (epoch milliseconds) when a JSON number, read as JavaScript''s Number() reads it (nearest double; beyond the double range +-Infinity, below it 0; never an error), else -Infinity; the listing sort key. Filters on timestamp compare the document''s own number.';

-- Case-insensitive look-ups through gitproxy.lower_case, not lower().
DROP INDEX gitproxy.repos_lower_name_idx;
CREATE INDEX repos_lower_name_idx ON gitproxy.repos (gitproxy.lower_case(name));
COMMENT ON INDEX gitproxy.repos_lower_name_idx IS 'get_repo(name) and get_repos({"name": ...}): case-insensitive name look-ups, gitproxy.lower_case(stored) = gitproxy.lower_case(argument)';
DROP INDEX gitproxy.users_lower_git_account_idx;
CREATE INDEX users_lower_git_account_idx ON gitproxy.users (gitproxy.lower_case(git_account));
COMMENT ON INDEX gitproxy.users_lower_git_account_idx IS 'find_user_by_git_account: gitproxy.lower_case(stored) = gitproxy.lower_case(argument)';

-- The rows whose document holds an array at a key with a typed column (the
-- column is then NULL or -Infinity, yet a filter on the key may match):
-- nearly always none.  A filter on typed keys is "typed test OR (irregular
-- AND document test)"; these let the second arm use an index too.  The
-- predicates must stay identical to GPS_DOC_KEY_IS_ARRAY in pushes.c,
-- repos.c and users.c.
CREATE INDEX pushes_irregular_idx ON gitproxy.pushes (ts DESC, id DESC)
  WHERE pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'type') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'url') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'userEmail') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'timestamp') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'error') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'blocked') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'allowPush') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'authorised') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'canceled') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'rejected') OPERATOR(pg_catalog.=) 'array';
COMMENT ON INDEX gitproxy.pushes_irregular_idx IS 'get_pushes filters on typed keys: the pushes whose document holds an array at one of them (their typed column cannot answer)';
CREATE INDEX repos_irregular_idx ON gitproxy.repos (seq)
  WHERE pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'url') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'name') OPERATOR(pg_catalog.=) 'array';
COMMENT ON INDEX gitproxy.repos_irregular_idx IS 'get_repos filters on url or name: the repos whose document holds an array there';
CREATE INDEX users_irregular_idx ON gitproxy.users (seq)
  WHERE pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'email') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'gitAccount') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'oidcId') OPERATOR(pg_catalog.=) 'array';
COMMENT ON INDEX gitproxy.users_irregular_idx IS 'get_users filters on email, gitAccount or oidcId: the users whose document holds an array there';

-- Re-fold what 1.0 stored lower-cased with the database collation: in a
-- database whose ctype lower-cases differently from gitproxy.lower_case
-- (C / POSIX: ASCII only; Turkish: I -> dotless U+0131) a name would otherwise no longer
-- be found.  Names that would then collide make the update fail, naming
-- them, so that nothing is merged behind the operator's back.  A dotless
-- U+0131 that a Turkish-locale 1.0 stored for an I cannot be told apart from a real
-- one: the update only warns about such names.
DO $refold$
DECLARE
  clash text;
  dotless bigint;
BEGIN
  SELECT pg_catalog.string_agg(f, ', ') INTO clash FROM (
    SELECT pg_catalog.format('username %L', k) AS f FROM (
      SELECT gitproxy.lower_case(u.username) AS k FROM gitproxy.users u
      GROUP BY 1 HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1) x
    UNION ALL
    SELECT pg_catalog.format('email %L', k) FROM (
      SELECT gitproxy.lower_case(u.email) AS k FROM gitproxy.users u
       WHERE u.email OPERATOR(pg_catalog.<>) ''
      GROUP BY 1 HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1) y) c;
  IF clash IS NOT NULL THEN
    RAISE EXCEPTION 'gitproxy_sink 1.1 lower-cases names as JavaScript does, and these stored users would then collide: %', clash
      USING ERRCODE = '23505',
            HINT = 'Rename or delete all but one user of each (gitproxy.update_user / delete_user on 1.0), then run ALTER EXTENSION gitproxy_sink UPDATE again.';
  END IF;

  UPDATE gitproxy.users u
     SET doc = u.doc OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('username', gitproxy.lower_case(u.username))
               OPERATOR(pg_catalog.||) CASE WHEN u.email IS NULL THEN '{}'::jsonb
                  ELSE pg_catalog.jsonb_build_object('email', gitproxy.lower_case(u.email)) END
   WHERE u.username OPERATOR(pg_catalog.<>) gitproxy.lower_case(u.username)
      OR u.email OPERATOR(pg_catalog.<>) gitproxy.lower_case(u.email);

  -- permission lists: re-folded, repeats dropped, first occurrence kept
  UPDATE gitproxy.repos r
     SET doc = pg_catalog.jsonb_set(pg_catalog.jsonb_set(r.doc, '{users,canPush}',
                 (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(l.k) ORDER BY l.o), '[]'::jsonb)
                    FROM (SELECT gitproxy.lower_case(e.n) AS k, pg_catalog.min(e.o) AS o
                            FROM pg_catalog.jsonb_array_elements_text(r.doc OPERATOR(pg_catalog.#>) '{users,canPush}')
                                 WITH ORDINALITY AS e(n, o) GROUP BY 1) l)),
               '{users,canAuthorise}',
                 (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(l.k) ORDER BY l.o), '[]'::jsonb)
                    FROM (SELECT gitproxy.lower_case(e.n) AS k, pg_catalog.min(e.o) AS o
                            FROM pg_catalog.jsonb_array_elements_text(r.doc OPERATOR(pg_catalog.#>) '{users,canAuthorise}')
                                 WITH ORDINALITY AS e(n, o) GROUP BY 1) l))
   WHERE EXISTS (SELECT FROM pg_catalog.jsonb_array_elements_text(r.doc OPERATOR(pg_catalog.#>) '{users,canPush}') e(n)
                  WHERE e.n OPERATOR(pg_catalog.<>) gitproxy.lower_case(e.n))
      OR EXISTS (SELECT FROM pg_catalog.jsonb_array_elements_text(r.doc OPERATOR(pg_catalog.#>) '{users,canAuthorise}') e(n)
                  WHERE e.n OPERATOR(pg_catalog.<>) gitproxy.lower_case(e.n));

  IF pg_catalog.getdatabaseencoding() OPERATOR(pg_catalog.=) 'UTF8' THEN
    SELECT pg_catalog.count(*) INTO dotless FROM gitproxy.users u
     WHERE pg_catalog.strpos(u.username, pg_catalog.chr(305)) OPERATOR(pg_catalog.>) 0
        OR pg_catalog.strpos(u.email, pg_catalog.chr(305)) OPERATOR(pg_catalog.>) 0;
    IF dotless OPERATOR(pg_catalog.>) 0 THEN
      RAISE WARNING 'gitproxy_sink: % stored user(s) have a dotless i (U+0131) in username or email', dotless
        USING DETAIL = 'In a database with a Turkish or Azeri ctype 1.0 stored I as U+0131; git-proxy (JavaScript) lower-cases I to i, so such a user is not found by the name they log in with.',
              HINT = 'List them with SELECT username, email FROM gitproxy.users WHERE strpos(username || email, chr(305)) > 0 and correct them with gitproxy.update_user.';
    END IF;
  END IF;
END
$refold$;


-- == Write path: storage, rollups, listing projection ==
