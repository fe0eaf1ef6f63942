-- gitproxy_sink 1.0 install script.
-- The control file names pg_catalog as the extension's schema, so CREATE
-- EXTENSION runs this script with search_path = pg_catalog; schema gitproxy is
-- created here so that it is a member of the extension and DROP EXTENSION
-- removes it.
-- Every object is schema-qualified; API functions are SECURITY DEFINER with a
-- pinned search_path and are not executable by PUBLIC (see grant_runtime).

\echo Use "CREATE EXTENSION gitproxy_sink" to load this file. \quit

CREATE SCHEMA gitproxy;
COMMENT ON SCHEMA gitproxy IS
  'gitproxy_sink: PostgreSQL storage backend (sink) of FINOS git-proxy';
