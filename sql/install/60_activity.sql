-- Repo activity (contract §4.2.2, §4.2.3, §6): canonical remote URLs, the
-- per-repo push rollup kept in step with gitproxy.pushes by a trigger, and
-- the user profile listing.

CREATE FUNCTION gitproxy.canonical_remote_url(url text) RETURNS text
  AS 'MODULE_PATHNAME', 'gps_canonical_remote_url_sql'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gitproxy.canonical_remote_url(text) IS
  'git-proxy canonicalRemoteUrl(raw) (contract §6.2), the key that matches a push url to a repo url. Trims (JavaScript whitespace); an http/https URL (WHATWG parsing as Node''s URL: IDNA, IPv4/IPv6 normalised, default port dropped, dot segments resolved, backslashes as slashes, path percent-encoded) gives host[:port]/path lower-cased, the path without leading/trailing slashes and one trailing .git (any case), user-info, query and fragment dropped; git@host:path gives host/path; anything else (ssh://, not a URL) the trimmed input lower-cased; blank input gives ''''. Lower-casing and IDNA use ICU (root locale) when the server has it, ASCII only otherwise. Errors: none (NULL gives NULL).';
REVOKE ALL ON FUNCTION gitproxy.canonical_remote_url(text) FROM PUBLIC;
