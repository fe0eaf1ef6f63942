-- Bookkeeping of git-proxy's data migrations (issue 3; contract §2.6, §4.5).

CREATE TABLE gitproxy.migrations (
    id           text COLLATE "C" NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT migrations_pkey PRIMARY KEY (id),
    CONSTRAINT migrations_id_not_empty CHECK (id OPERATOR(pg_catalog.<>) '')
);
COMMENT ON TABLE gitproxy.migrations IS
  'Ids of the git-proxy data migrations that have been applied (the runner''s bookkeeping, contract §4.5), one row each. Write through gitproxy.record_migration and unrecord_migration.';
COMMENT ON COLUMN gitproxy.migrations.id IS 'migration id as given by the runner, e.g. 20260728-example-add-repo-timestamps';
COMMENT ON COLUMN gitproxy.migrations.recorded_at IS 'database time of the first record_migration call for this id';

SELECT pg_catalog.pg_extension_config_dump('gitproxy.migrations', '');

CREATE FUNCTION gitproxy.get_applied_migrations() RETURNS SETOF text
  AS 'MODULE_PATHNAME', 'gps_get_applied_migrations'
  LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 20;
COMMENT ON FUNCTION gitproxy.get_applied_migrations() IS
  'Sink method getAppliedMigrations(). Every recorded migration id once, in ascending byte-wise order (the contract leaves the order open); no rows on a fresh store.';
REVOKE ALL ON FUNCTION gitproxy.get_applied_migrations() FROM PUBLIC;

CREATE FUNCTION gitproxy.record_migration(id text) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_record_migration'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.record_migration(text) IS
  'Sink method recordMigration(id). Records the id; idempotent (recording it again keeps one entry and its first recorded_at). Errors: 22004 NULL; 22023 empty id.';
REVOKE ALL ON FUNCTION gitproxy.record_migration(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.unrecord_migration(id text) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_unrecord_migration'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.unrecord_migration(text) IS
  'Sink method unrecordMigration(id). Deletes the record of the id; an unknown id is a no-op. Errors: 22004 NULL.';
REVOKE ALL ON FUNCTION gitproxy.unrecord_migration(text) FROM PUBLIC;
