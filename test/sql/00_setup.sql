-- Shared helpers for the regression tests (pg_regress runs the files in one
-- database, in name order, after CREATE EXTENSION gitproxy_sink).
SET client_min_messages = warning;
-- Run a statement and show its SQLSTATE and message instead of failing, so
-- every expected error is pinned by code as well as by text.
CREATE FUNCTION public.test_err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- Like test_err, plus the "gitproxy import, line N" error context that tells
-- a bulk-import client which staged line was at fault.
CREATE FUNCTION public.test_import_err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  ctx text;
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS ctx = PG_EXCEPTION_CONTEXT;
  RETURN SQLSTATE || ': ' || SQLERRM
         || coalesce(' [' || substring(ctx FROM 'gitproxy import, line [0-9]+') || ']', '');
END $$;
SELECT extname, extversion FROM pg_extension WHERE extname = 'gitproxy_sink';
SELECT nspname FROM pg_namespace WHERE nspname = 'gitproxy';
