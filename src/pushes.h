/*
 * pushes.h
 *     Definitions shared by the push store (pushes.c) and review decisions
 *     (review.c).
 */
#ifndef GPS_PUSHES_H
#define GPS_PUSHES_H

/*
 * The review state of a push row `a` as recorded in the decision log:
 * rejected, canceled, authorised or pending.  Flags are the generated boolean
 * columns (NULL unless the document holds a JSON boolean).  The order only
 * matters for rows written with several flags set, which the decision
 * functions never produce.
 */
#define GPS_PUSH_STATE_SQL(a) \
	"CASE WHEN " a ".rejected IS TRUE THEN 'rejected'" \
	" WHEN " a ".canceled IS TRUE THEN 'canceled'" \
	" WHEN " a ".authorised IS TRUE THEN 'authorised'" \
	" ELSE 'pending' END"

/*
 * The typed columns of gitproxy.pushes, derived from the document by
 * gps_push_typed_values() on every write (plain columns set by the API
 * functions, not generated columns: re-initialising nine generation
 * expressions cost about an eighth of every write).
 */
#define GPS_PUSH_TYPED_COLUMNS \
	"type, ts, url, user_email, error, blocked, allow_push, authorised, canceled, rejected"
#define GPS_PUSH_TYPED_COUNT 10

/*
 * The document of a push row `a` as the API returns it (without _id): the
 * stored doc with the decision overlay merged in.  Review decisions never
 * rewrite doc (its TOAST value stays as it is); they record what they change
 * in the small column `decision`, {"set": {key: value, ...}, "unset": [key,
 * ...]} over the decision keys.  Every reader of a push document goes
 * through this expression; write_audit and the import replace doc and reset
 * decision to NULL, so gitproxy.push_document returns doc unchanged (not
 * even detoasted) for the rows no decision touched since.
 */
#define GPS_PUSH_DOCUMENT_SQL(a) "gitproxy.push_document(" a ".doc, " a ".decision)"

/*
 * The reviewer username of a push document expression `doc` (stored form),
 * when attestation.reviewer.username is a JSON string; else NULL.  Kept in
 * the plain column pushes.reviewer, which pushes_reviewer_idx indexes
 * case-folded, so that a decision never detoasts doc to update that index.
 */
#define GPS_PUSH_REVIEWER_SQL(doc) \
	"CASE WHEN pg_catalog.jsonb_typeof(" doc " OPERATOR(pg_catalog.#>) '{attestation,reviewer,username}') " \
	"OPERATOR(pg_catalog.=) 'string' " \
	"THEN " doc " OPERATOR(pg_catalog.#>>) '{attestation,reviewer,username}' END"

/*
 * Does a push document expression `doc` hold an array at one of the keys
 * with a typed column (type, url, userEmail, timestamp and the six flags)?
 * Kept in the plain column pushes.irregular, the predicate of
 * pushes_irregular_idx, so that a decision (not a HOT update) need not
 * detoast doc to decide whether the row enters that index.  The column may
 * overstate (a decision replaces an array flag by a boolean without clearing
 * it); listings test the document itself too.
 */
#define GPS_PUSH_KEY_IS_ARRAY(doc, key) \
	"pg_catalog.jsonb_typeof(" doc " OPERATOR(pg_catalog.->) '" key "') OPERATOR(pg_catalog.=) 'array'"
#define GPS_PUSH_IRREGULAR_SQL(doc) \
	"coalesce(" GPS_PUSH_KEY_IS_ARRAY(doc, "type") " OR " GPS_PUSH_KEY_IS_ARRAY(doc, "url") \
	" OR " GPS_PUSH_KEY_IS_ARRAY(doc, "userEmail") " OR " GPS_PUSH_KEY_IS_ARRAY(doc, "timestamp") \
	" OR " GPS_PUSH_KEY_IS_ARRAY(doc, "error") " OR " GPS_PUSH_KEY_IS_ARRAY(doc, "blocked") \
	" OR " GPS_PUSH_KEY_IS_ARRAY(doc, "allowPush") " OR " GPS_PUSH_KEY_IS_ARRAY(doc, "authorised") \
	" OR " GPS_PUSH_KEY_IS_ARRAY(doc, "canceled") " OR " GPS_PUSH_KEY_IS_ARRAY(doc, "rejected") ", false)"

/*
 * ON CONFLICT (id) DO UPDATE SET clause shared by write_audit and the bulk
 * import: replace semantics; in strict review mode (parameter `strict`) an
 * existing push keeps its decision flags and its
 * authorised/rejected/canceled/attestation/rejection keys (the decision
 * fields): only a new push takes them from the written document.
 */
#define GPS_PUSH_DECISION_KEYS "'{authorised,rejected,canceled,attestation,rejection}'::text[]"
#define GPS_PUSH_KEEP_DECISION(strict) "(" strict ")"

/*
 * Decision logging shared by write_audit and the bulk import: `old` (a CTE
 * over the stored rows the write replaces, locked FOR UPDATE before the
 * write) gives their decision fields (gitproxy.push_decision) and state;
 * rows whose decision fields the write changed are appended to
 * gitproxy.decision_log with the fields after the write as payload, so a
 * push's log replays to its current decision fields.  `merged` returns id,
 * inserted (xmax = 0) and decision per written row.  A row that `old` did
 * not see but the write updated (created by another session after the
 * statement's snapshot) is always logged: its fields before are unknown.
 */
#define GPS_PUSH_OLD_DECISION_COLUMNS(a) \
	"gitproxy.push_decision(" GPS_PUSH_DOCUMENT_SQL(a) ") AS decision, " GPS_PUSH_STATE_SQL(a) " AS state"
#define GPS_PUSH_LOG_CHANGES(action, merged, old) \
	"INSERT INTO gitproxy.decision_log " \
	"(push_id, decided_at, action, reviewer, payload, state_before, db_role) " \
	"SELECT m.id, clock_timestamp(), '" action "', NULL, m.decision, " \
	"coalesce(o.state, 'absent'), session_user " \
	"FROM " merged " m LEFT JOIN " old " o ON o.id = m.id " \
	"WHERE CASE WHEN o.id IS NOT NULL THEN m.decision IS DISTINCT FROM o.decision " \
	"WHEN m.inserted THEN m.decision <> '{}'::jsonb ELSE true END"
#define GPS_PUSH_UPSERT_SET(strict) \
	"updated_at = now(), type = EXCLUDED.type, ts = EXCLUDED.ts, url = EXCLUDED.url, " \
	"user_email = EXCLUDED.user_email, error = EXCLUDED.error, blocked = EXCLUDED.blocked, " \
	"allow_push = EXCLUDED.allow_push, " \
	"authorised = CASE WHEN " GPS_PUSH_KEEP_DECISION(strict) " THEN p.authorised ELSE EXCLUDED.authorised END, " \
	"canceled = CASE WHEN " GPS_PUSH_KEEP_DECISION(strict) " THEN p.canceled ELSE EXCLUDED.canceled END, " \
	"rejected = CASE WHEN " GPS_PUSH_KEEP_DECISION(strict) " THEN p.rejected ELSE EXCLUDED.rejected END, " \
	"reviewer = CASE WHEN " GPS_PUSH_KEEP_DECISION(strict) " THEN p.reviewer ELSE EXCLUDED.reviewer END, " \
	"irregular = EXCLUDED.irregular OR (" GPS_PUSH_KEEP_DECISION(strict) " AND p.irregular), " \
	"decision = NULL, " \
	"doc = CASE WHEN " GPS_PUSH_KEEP_DECISION(strict) \
	" THEN (EXCLUDED.doc - " GPS_PUSH_DECISION_KEYS ") || " \
	"gitproxy.push_decision(" GPS_PUSH_DOCUMENT_SQL("p") ") " \
	"ELSE EXCLUDED.doc END"

#ifndef GPS_PUSHES_NO_JSONB
#include "utils/jsonb.h"

/*
 * Fill values/nulls (GPS_PUSH_TYPED_COUNT entries, SPI convention: ' ' or
 * 'n') with the typed columns of a stored push document: type, url,
 * user_email as text when JSON strings; ts as float8 when a JSON number,
 * else -Infinity; the six flags as boolean when JSON booleans; else NULL.
 * Raises 22003 for a timestamp outside the float8 range.
 */
extern void gps_push_typed_values(Jsonb *doc, Datum *values, char *nulls);

/*
 * The "id" of a push document (palloc'd): a non-empty JSON string, else 22023
 * "Invalid id" (also when the document is not an object).
 */
extern char *gps_push_id_of(Jsonb *doc);

/*
 * The decision fields of a stored push document: an object of the
 * top-level keys authorised, rejected, canceled, attestation and rejection
 * it has (empty when none).  SQL: gitproxy.push_decision(jsonb).
 */
extern Jsonb *gps_push_decision(Jsonb *doc);

/*
 * The document the API returns for a stored doc and its decision overlay
 * (NULL: doc itself): doc without the overlay's "unset" keys and "set" keys,
 * plus the "set" pairs.  SQL: gitproxy.push_document(jsonb, jsonb).
 */
extern Jsonb *gps_push_document(Jsonb *doc, Jsonb *decision);

/*
 * The listing summary of a stored push document as JSON text (a json datum,
 * storage escape reversed): an object of the top-level keys of git-proxy's
 * MongoDB listing projection (contract §4.2.1: id, allowPush, attestation,
 * authorised, blocked, blockedMessage, branch, canceled, commitData,
 * commitFrom, commitTo, error, method, project, rejected, rejection, repo,
 * repoName, timestamp, type, url, userEmail) that it has, values unchanged;
 * never _id.  Written like gps_jsonb_to_json writes a whole document.  Pure:
 * applies to whatever document the listing returns.
 */
extern text *gps_push_summary_json(Jsonb *doc);
#endif

#endif							/* GPS_PUSHES_H */
