-- Migration bookkeeping (contract §4.5.1-4.5.3).  The table is emptied first
-- so the "fresh store" case holds whatever ran before.
DELETE FROM gitproxy.migrations;

-- fresh store: no ids
SELECT count(*) AS applied_on_fresh_store FROM gitproxy.get_applied_migrations();
-- one id after one record; idempotent
SELECT gitproxy.record_migration('20260728-example-add-repo-timestamps');
SELECT gitproxy.record_migration('20260728-example-add-repo-timestamps');
SELECT * FROM gitproxy.get_applied_migrations();
-- both ids after two (byte-wise ascending order)
SELECT gitproxy.record_migration('20250101-first');
SELECT * FROM gitproxy.get_applied_migrations();
SELECT count(*) AS rows_in_table FROM gitproxy.migrations;
-- recording again keeps the first recorded_at
CREATE TEMP TABLE first_seen AS SELECT id, recorded_at FROM gitproxy.migrations;
SELECT pg_sleep(0.01);
SELECT gitproxy.record_migration('20250101-first');
SELECT bool_and(m.recorded_at = f.recorded_at) AS recorded_at_kept
  FROM gitproxy.migrations m JOIN first_seen f USING (id);
-- unrecord: the other id remains; unknown id is a no-op
SELECT gitproxy.unrecord_migration('20260728-example-add-repo-timestamps');
SELECT * FROM gitproxy.get_applied_migrations();
SELECT gitproxy.unrecord_migration('never-recorded');
SELECT gitproxy.unrecord_migration('20250101-first');
SELECT count(*) AS applied_after_unrecord FROM gitproxy.get_applied_migrations();
-- errors
SELECT test_err($$SELECT gitproxy.record_migration(NULL)$$);
SELECT test_err($$SELECT gitproxy.record_migration('')$$);
SELECT test_err($$SELECT gitproxy.unrecord_migration(NULL)$$);
-- ids are text, kept exactly
SELECT gitproxy.record_migration(E'm\u00e9-\uffff-''quoted''');
SELECT id = E'm\u00e9-\uffff-''quoted''' AS kept_exactly FROM gitproxy.get_applied_migrations() id;
SELECT gitproxy.unrecord_migration(E'm\u00e9-\uffff-''quoted''');
SELECT count(*) AS applied_at_end FROM gitproxy.get_applied_migrations();
DROP TABLE first_seen;
