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

-- == Write path: storage, rollups, listing projection ==
