/*
 * cli_commands.c - the command table of gitproxy-sink: one kebab-case
 * command per sink method, plus health and version.  Each handler makes
 * exactly one library call.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* table rows name the fields they use; trailing ones (flags) default to 0 */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* ---- helpers ---- */

/* C string -> JSON string literal (malloc'd); NULL stays NULL */
static char *
json_quote(const char *s)
{
	size_t		n = 2;
	char	   *out,
			   *o;

	if (s == NULL)
		return NULL;
	for (const char *p = s; *p; p++)
		n += ((unsigned char) *p < 0x20) ? 6 : (*p == '"' || *p == '\\') ? 2 : 1;
	out = o = malloc(n + 1);
	if (out == NULL)
		return NULL;
	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if (*p == '"' || *p == '\\')
		{
			*o++ = '\\';
			*o++ = (char) *p;
		}
		else if (*p < 0x20)
			o += sprintf(o, "\\u%04x", *p);
		else
			*o++ = (char) *p;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

static int
text_result(cli_ctx *ctx, gps_status st, const gps_error *err, char *text)
{
	char	   *json = json_quote(text);

	gps_free(text);
	return cli_result(ctx, st, err, json, true);
}

static int
count_result(cli_ctx *ctx, gps_status st, const gps_error *err, int64_t n)
{
	char		buf[32];

	if (st == GPS_OK)
		snprintf(buf, sizeof(buf), "%" PRId64, n);
	return cli_result(ctx, st, err, st == GPS_OK ? strdup(buf) : NULL, false);
}

static int
parse_int(cli_ctx *ctx, const char *opt, const char *s, long long min, long long max, long long *out)
{
	char	   *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *out < min || *out > max)
		return cli_usage_error(ctx, "%s must be an integer between %lld and %lld", opt, min, max);
	return CLI_EXIT_OK;
}

/* open the client (after local argument checks) or return its exit code */
#define CONNECT(ctx) do { \
	int rc_ = cli_connect(ctx); \
	if (rc_ != CLI_EXIT_OK) return rc_; \
} while (0)

/* ---- handler families ---- */

/* one string argument -> JSON document or null */
#define LOOKUP(fn, call) \
static int fn(cli_ctx *ctx, int argc, char **argv) \
{ \
	gps_error e; char *out = NULL; (void) argc; \
	CONNECT(ctx); \
	gps_status st = call(ctx->client, argv[0], &out, &e); \
	return cli_result(ctx, st, &e, out, true); \
}

/* one string argument -> text or null */
#define TEXT1(fn, call) \
static int fn(cli_ctx *ctx, int argc, char **argv) \
{ \
	gps_error e; char *out = NULL; (void) argc; \
	CONNECT(ctx); \
	gps_status st = call(ctx->client, argv[0], &out, &e); \
	return text_result(ctx, st, &e, out); \
}

/* string arguments, no result */
#define VOID1(fn, call) \
static int fn(cli_ctx *ctx, int argc, char **argv) \
{ \
	gps_error e; (void) argc; \
	CONNECT(ctx); \
	return cli_result(ctx, call(ctx->client, argv[0], &e), &e, NULL, false); \
}
#define VOID2(fn, call) \
static int fn(cli_ctx *ctx, int argc, char **argv) \
{ \
	gps_error e; (void) argc; \
	CONNECT(ctx); \
	return cli_result(ctx, call(ctx->client, argv[0], argv[1], &e), &e, NULL, false); \
}

/* one JSON argument, no result */
#define VOIDJ(fn, call) VOID1(fn, call)

/* optional JSON query -> JSON array */
#define LIST(fn, call) \
static int fn(cli_ctx *ctx, int argc, char **argv) \
{ \
	gps_error e; char *out = NULL; \
	CONNECT(ctx); \
	gps_status st = call(ctx->client, argc > 0 ? argv[0] : NULL, &out, &e); \
	return cli_result(ctx, st, &e, out, true); \
}

/* no argument -> JSON */
#define NOARG(fn, call) \
static int fn(cli_ctx *ctx, int argc, char **argv) \
{ \
	gps_error e; char *out = NULL; (void) argc; (void) argv; \
	CONNECT(ctx); \
	gps_status st = call(ctx->client, &out, &e); \
	return cli_result(ctx, st, &e, out, true); \
}

/* pushes */
VOIDJ(run_write_audit, gps_write_audit)
LOOKUP(run_get_push, gps_get_push)
VOID1(run_delete_push, gps_delete_push)
TEXT1(run_derive_created_at, gps_derive_created_at)
TEXT1(run_canonical_remote_url, gps_canonical_remote_url)
NOARG(run_rollups, gps_get_repo_push_rollups)

static int
decision(cli_ctx *ctx, int argc, char **argv,
		 gps_status (*call) (gps_client *, const char *, const char *, char **, gps_error *))
{
	gps_error	e;
	char	   *out = NULL;
	gps_status	st;

	CONNECT(ctx);
	st = call(ctx->client, argv[0], argc > 1 ? argv[1] : NULL, &out, &e);
	return cli_result(ctx, st, &e, out, true);
}

static int
run_authorise(cli_ctx *ctx, int argc, char **argv)
{
	return decision(ctx, argc, argv, gps_authorise);
}

static int
run_reject(cli_ctx *ctx, int argc, char **argv)
{
	return decision(ctx, argc, argv, gps_reject);
}

LOOKUP(run_cancel, gps_cancel)

static int
run_get_pushes(cli_ctx *ctx, int argc, char **argv)
{
	gps_error	e;
	char	   *out = NULL;
	long long	limit = GPS_NO_LIMIT;
	gps_status	st;
	int			rc;

	if (ctx->opt[0] && (rc = parse_int(ctx, "--limit", ctx->opt[0], 0, INT_MAX, &limit)) != 0)
		return rc;
	CONNECT(ctx);
	st = (ctx->flag[0] ? gps_get_push_summaries : gps_get_pushes)(ctx->client,
																   argc > 0 ? argv[0] : NULL,
																   (int) limit, ctx->opt[1],
																   &out, &e);
	return cli_result(ctx, st, &e, out, true);
}

static int
run_profile(cli_ctx *ctx, int argc, char **argv)
{
	gps_error	e;
	char	   *out = NULL,
				errbuf[256];
	char	  **emails;
	size_t		n;
	gps_status	st;
	int			rc;

	(void) argc;
	if (cli_json_string_array(argv[0], &emails, &n, errbuf, sizeof(errbuf)) != 0)
	{
		fprintf(stderr, "%s: INVALID_INPUT: EMAILS: %s\n", ctx->prog, errbuf);
		return CLI_EXIT_CATEGORY(GPS_INVALID_INPUT);
	}
	if ((rc = cli_connect(ctx)) != CLI_EXIT_OK)
	{
		cli_free_strings(emails, n);
		return rc;
	}
	st = gps_get_pushes_for_user_profile(ctx->client, (const char *const *) emails, n, argv[1],
										 &out, &e);
	cli_free_strings(emails, n);
	return cli_result(ctx, st, &e, out, true);
}

static int
run_rebuild(cli_ctx *ctx, int argc, char **argv)
{
	gps_error	e;

	(void) argc;
	(void) argv;
	CONNECT(ctx);
	return cli_result(ctx, gps_rebuild_repo_push_rollups(ctx->client, &e), &e, NULL, false);
}

/* repos */
LIST(run_get_repos, gps_get_repos)
LOOKUP(run_get_repo, gps_get_repo)
LOOKUP(run_get_repo_by_url, gps_get_repo_by_url)
LOOKUP(run_get_repo_by_id, gps_get_repo_by_id)
LOOKUP(run_create_repo, gps_create_repo)
VOIDJ(run_update_repo, gps_update_repo)
VOID1(run_delete_repo, gps_delete_repo)
VOID2(run_add_push, gps_add_user_can_push)
VOID2(run_add_auth, gps_add_user_can_authorise)
VOID2(run_rm_push, gps_remove_user_can_push)
VOID2(run_rm_auth, gps_remove_user_can_authorise)

/* users */
LOOKUP(run_find_user, gps_find_user)
LOOKUP(run_find_email, gps_find_user_by_email)
LOOKUP(run_find_git, gps_find_user_by_git_account)
LOOKUP(run_find_oidc, gps_find_user_by_oidc)
LOOKUP(run_find_ssh, gps_find_user_by_ssh_key)
LIST(run_get_users, gps_get_users)
VOIDJ(run_create_user, gps_create_user)
VOID1(run_delete_user, gps_delete_user)
VOIDJ(run_update_user, gps_update_user)
VOID2(run_add_key, gps_add_public_key)
VOID2(run_rm_key, gps_remove_public_key)
LOOKUP(run_get_keys, gps_get_public_keys)

/* migrations */
NOARG(run_applied, gps_get_applied_migrations)
VOID1(run_record, gps_record_migration)
VOID1(run_unrecord, gps_unrecord_migration)

/* sessions */
LOOKUP(run_s_get, gps_session_get)

static int
expiry_opt(cli_ctx *ctx, int64_t *ms)
{
	long long	v;
	int			rc;

	*ms = GPS_EXPIRES_DEFAULT;
	if (ctx->opt[0] == NULL)
		return CLI_EXIT_OK;
	rc = parse_int(ctx, "--expires", ctx->opt[0], -62135596800000LL, 253402300799999LL, &v);
	*ms = v;
	return rc;
}

static int
run_s_set(cli_ctx *ctx, int argc, char **argv)
{
	gps_error	e;
	int64_t		ms;
	int			rc = expiry_opt(ctx, &ms);

	(void) argc;
	if (rc != CLI_EXIT_OK)
		return rc;
	CONNECT(ctx);
	return cli_result(ctx, gps_session_set(ctx->client, argv[0], argv[1], ms, &e), &e, NULL, false);
}

static int
run_s_touch(cli_ctx *ctx, int argc, char **argv)
{
	gps_error	e;
	int64_t		ms;
	int			rc = expiry_opt(ctx, &ms);

	(void) argc;
	if (rc != CLI_EXIT_OK)
		return rc;
	CONNECT(ctx);
	return cli_result(ctx, gps_session_touch(ctx->client, argv[0], ms, &e), &e, NULL, false);
}

VOID1(run_s_destroy, gps_session_destroy)
NOARG(run_s_all, gps_session_all)

/* no argument, or one string argument -> a count */
#define COUNT0(fn, call) \
static int fn(cli_ctx *ctx, int argc, char **argv) \
{ \
	gps_error e; int64_t n; (void) argc; (void) argv; \
	CONNECT(ctx); \
	gps_status st = call(ctx->client, &n, &e); \
	return count_result(ctx, st, &e, n); \
}
#define COUNT1(fn, call) \
static int fn(cli_ctx *ctx, int argc, char **argv) \
{ \
	gps_error e; int64_t n; (void) argc; \
	CONNECT(ctx); \
	gps_status st = call(ctx->client, argv[0], &n, &e); \
	return count_result(ctx, st, &e, n); \
}
COUNT0(run_s_length, gps_session_length)
COUNT0(run_s_clear, gps_session_clear)
COUNT1(run_s_destroy_user, gps_session_destroy_user)

static int
run_s_prune(cli_ctx *ctx, int argc, char **argv)
{
	gps_error	e;
	int64_t		n;
	long long	batch = 0;
	gps_status	st;
	int			rc;

	(void) argc;
	(void) argv;
	if (ctx->opt[0] && (rc = parse_int(ctx, "--batch", ctx->opt[0], 1, INT_MAX, &batch)) != 0)
		return rc;
	CONNECT(ctx);
	st = gps_session_prune(ctx->client, (int) batch, &n, &e);
	return count_result(ctx, st, &e, n);
}

/* tool */
static int
run_health(cli_ctx *ctx, int argc, char **argv)
{
	gps_error	e;
	char	   *out = NULL;
	gps_status	st;

	(void) argc;
	(void) argv;
	CONNECT(ctx);
	st = gps_health_check(ctx->client, &out, &e);
	if (st != GPS_OK && out != NULL)
	{
		/* the report (status "unavailable", the pool) and the error */
		int			rc = cli_result(ctx, GPS_OK, NULL, out, false);

		return rc != CLI_EXIT_OK ? rc : cli_report_error(ctx, st, &e);
	}
	return cli_result(ctx, st, &e, out, false);
}

static int
run_version(cli_ctx *ctx, int argc, char **argv)
{
	(void) argc;
	(void) argv;
	return cli_result(ctx, GPS_OK, NULL,
					  strdup("{\"gitproxySink\":\"" GPS_LIBRARY_VERSION
							 "\",\"requiredExtensionVersion\":\"" GPS_REQUIRED_EXTENSION_VERSION "\"}"),
					  false);
}

#define NOOPT {NULL}
#define JSON_NOTE "A JSON argument may be - to read it from standard input."

const cli_command cli_commands[] = {
	/* pushes and review decisions */
	{"write-audit", "PUSH", "writeAudit: insert or replace a push record (JSON object with \"id\")",
	 JSON_NOTE, 1, 1, NOOPT, true, run_write_audit, 0x1},
	{"get-push", "ID", "getPush: print the push record, or null", "", 1, 1, NOOPT, true, run_get_push, 0},
	{"delete-push", "ID", "deletePush: delete a push (no error when absent)", "", 1, 1, NOOPT, true,
	 run_delete_push, 0},
	{"authorise", "ID [ATTESTATION]", "authorise: approve a push, print {\"message\":\"authorised <id>\"}",
	 "ATTESTATION is a JSON object, e.g. {\"reviewer\":{\"username\":\"alice\"}}. " JSON_NOTE
	 "\nFails with exit code 3 and \"push <id> not found\" for an unknown push.",
	 1, 2, NOOPT, true, run_authorise, 0x2},
	{"reject", "ID [REJECTION]", "reject: reject a push, print {\"message\":\"reject <id>\"}",
	 "REJECTION is a JSON object, e.g. {\"reason\":\"...\",\"reviewer\":{\"username\":\"bob\"}}. " JSON_NOTE,
	 1, 2, NOOPT, true, run_reject, 0x2},
	{"cancel", "ID", "cancel: cancel a push, print {\"message\":\"canceled <id>\"}", "", 1, 1, NOOPT, true,
	 run_cancel, 0},
	{"get-pushes", "[QUERY] [--limit N] [--cursor CURSOR] [--summary]",
	 "getPushes: print {\"pushes\":[...],\"cursor\":...}, newest first",
	 "Without QUERY git-proxy's default listing filter applies ({\"error\":false,\"blocked\":true,\n"
	 "\"allowPush\":false,\"authorised\":false,\"type\":\"push\"}: it also returns rejected and\n"
	 "canceled pushes); {} lists every record.\n"
	 "With --limit, \"cursor\" is non-null when more pushes follow: pass it to --cursor for the next page.\n"
	 "--summary prints each push as git-proxy's MongoDB listing does: only id, allowPush, attestation,\n"
	 "authorised, blocked, blockedMessage, branch, canceled, commitData, commitFrom, commitTo, error,\n"
	 "method, project, rejected, rejection, repo, repoName, timestamp, type, url, userEmail.\n"
	 JSON_NOTE, 0, 1, {"--limit", "--cursor"}, true, run_get_pushes, 0x1, {"--summary"}},
	{"get-pushes-for-user-profile", "EMAILS USERNAME",
	 "getPushesForUserProfile: pushes by one of EMAILS (JSON array) or reviewed by USERNAME",
	 JSON_NOTE, 2, 2, NOOPT, true, run_profile, 0x1},
	{"get-repo-push-rollups", "", "getRepoPushRollupsByCanonicalUrl: counts and latest times per repo URL",
	 "Prints {\"tabCounts\":{url:{pending,approved,canceled,rejected,error}},"
	 "\"latestPendingReviewAtMs\":{url:ms},\"latestPushAtMs\":{url:ms}}.",
	 0, 0, NOOPT, true, run_rollups, 0},
	{"rebuild-repo-push-rollups", "", "recompute the repo push rollups from the push table", "", 0, 0,
	 NOOPT, true, run_rebuild, 0},
	{"canonical-remote-url", "URL", "canonicalRemoteUrl: print the canonical key of a remote URL", "",
	 1, 1, NOOPT, true, run_canonical_remote_url, 0},
	{"derive-created-at", "ID", "deriveCreatedAt: print the creation time encoded in a record id, or null",
	 "", 1, 1, NOOPT, true, run_derive_created_at, 0},
	/* repos */
	{"get-repos", "[QUERY]", "getRepos: print the repos matching QUERY (default all)", JSON_NOTE, 0, 1,
	 NOOPT, true, run_get_repos, 0x1},
	{"get-repo", "NAME", "getRepo: print the repo, or null", "", 1, 1, NOOPT, true, run_get_repo, 0},
	{"get-repo-by-url", "URL", "getRepoByUrl: print the repo, or null", "", 1, 1, NOOPT, true,
	 run_get_repo_by_url, 0},
	{"get-repo-by-id", "ID", "getRepoById: print the repo, or null", "", 1, 1, NOOPT, true,
	 run_get_repo_by_id, 0},
	{"create-repo", "REPO", "createRepo: store a repo, print it with its _id", JSON_NOTE, 1, 1, NOOPT,
	 true, run_create_repo, 0x1},
	{"update-repo", "REPO", "updateRepo: set the fields of the repo selected by \"_id\"", JSON_NOTE, 1, 1,
	 NOOPT, true, run_update_repo, 0x1},
	{"delete-repo", "ID", "deleteRepo: delete a repo (no error when absent)", "", 1, 1, NOOPT, true,
	 run_delete_repo, 0},
	{"add-user-can-push", "ID USERNAME", "addUserCanPush: allow USERNAME to push to the repo",
	 "Fails with exit code 3 and \"Repo not found\" for an unknown repo.", 2, 2, NOOPT, true, run_add_push, 0},
	{"add-user-can-authorise", "ID USERNAME", "addUserCanAuthorise: allow USERNAME to review pushes", "",
	 2, 2, NOOPT, true, run_add_auth, 0},
	{"remove-user-can-push", "ID USERNAME", "removeUserCanPush", "", 2, 2, NOOPT, true, run_rm_push, 0},
	{"remove-user-can-authorise", "ID USERNAME", "removeUserCanAuthorise", "", 2, 2, NOOPT, true,
	 run_rm_auth, 0},
	/* users */
	{"find-user", "USERNAME", "findUser: print the user, or null", "", 1, 1, NOOPT, true, run_find_user, 0},
	{"find-user-by-email", "EMAIL", "findUserByEmail: print the user, or null", "", 1, 1, NOOPT, true,
	 run_find_email, 0},
	{"find-user-by-git-account", "GIT_ACCOUNT", "findUserByGitAccount: print the user, or null", "", 1,
	 1, NOOPT, true, run_find_git, 0},
	{"find-user-by-oidc", "OIDC_ID", "findUserByOIDC: print the user, or null", "", 1, 1, NOOPT, true,
	 run_find_oidc, 0},
	{"find-user-by-ssh-key", "SSH_KEY", "findUserBySSHKey: print the user owning the key, or null", "",
	 1, 1, NOOPT, true, run_find_ssh, 0},
	{"get-users", "[QUERY]", "getUsers: print the users matching QUERY (without passwords)", JSON_NOTE,
	 0, 1, NOOPT, true, run_get_users, 0x1},
	{"create-user", "USER", "createUser: store a user", JSON_NOTE, 1, 1, NOOPT, true, run_create_user, 0x1},
	{"delete-user", "USERNAME", "deleteUser: delete a user (no error when absent)", "", 1, 1, NOOPT,
	 true, run_delete_user, 0},
	{"update-user", "USER", "updateUser: insert or merge a partial user", JSON_NOTE, 1, 1, NOOPT, true,
	 run_update_user, 0x1},
	{"add-public-key", "USERNAME PUBLIC_KEY", "addPublicKey: add an SSH key record to a user",
	 "PUBLIC_KEY is {\"key\":\"ssh-ed25519 ...\",\"fingerprint\":\"SHA256:...\",\"name\":\"...\"}. "
	 JSON_NOTE, 2, 2, NOOPT, true, run_add_key, 0x2},
	{"remove-public-key", "USERNAME FINGERPRINT", "removePublicKey: remove a user's key by fingerprint",
	 "", 2, 2, NOOPT, true, run_rm_key, 0},
	{"get-public-keys", "USERNAME", "getPublicKeys: print the user's key records", "", 1, 1, NOOPT, true,
	 run_get_keys, 0},
	/* migrations */
	{"get-applied-migrations", "", "getAppliedMigrations: print the applied migration ids", "", 0, 0,
	 NOOPT, true, run_applied, 0},
	{"record-migration", "ID", "recordMigration: mark a migration applied", "", 1, 1, NOOPT, true,
	 run_record, 0},
	{"unrecord-migration", "ID", "unrecordMigration: mark a migration not applied", "", 1, 1, NOOPT,
	 true, run_unrecord, 0},
	/* sessions */
	{"session-get", "SID", "session store get: print the session, or null when absent or expired", "",
	 1, 1, NOOPT, true, run_s_get, 0},
	{"session-set", "SID SESSION [--expires EPOCH_MS]", "session store set: insert or replace a session",
	 "Without --expires the server derives the expiry (cookie.expires or its default). " JSON_NOTE, 2, 2,
	 {"--expires"}, true, run_s_set, 0x2},
	{"session-touch", "SID [--expires EPOCH_MS]", "session store touch: move a session's expiry", "", 1,
	 1, {"--expires"}, true, run_s_touch, 0},
	{"session-destroy", "SID", "session store destroy: delete a session", "", 1, 1, NOOPT, true,
	 run_s_destroy, 0},
	{"session-all", "", "session store all: print [{\"sid\":...,\"sess\":...}]", "", 0, 0, NOOPT, true,
	 run_s_all, 0},
	{"session-length", "", "session store length: print the number of live sessions", "", 0, 0, NOOPT,
	 true, run_s_length, 0},
	{"session-clear", "", "session store clear: delete every session, print the number removed", "", 0,
	 0, NOOPT, true, run_s_clear, 0},
	{"session-destroy-user", "USERNAME", "delete a user's sessions, print the number removed", "", 1, 1,
	 NOOPT, true, run_s_destroy_user, 0},
	{"session-prune", "[--batch N]", "delete up to N expired sessions, print the number removed", "",
	 0, 0, {"--batch"}, true, run_s_prune, 0},
	/* tool */
	{"health", "", "check the connection and the extension, print a report", "", 0, 0, NOOPT, true,
	 run_health, 0},
	{"version", "", "print the tool's version and the extension version it needs", "", 0, 0, NOOPT,
	 false, run_version, 0},
	/* bulk import (import.c) */
	{"import", "[--kind pushes|users|repos] [--batch N] [--replace] [--quiet] FILE...",
	 "bulk import of JSON-lines files (plain or gzip) of pushes, users or repos",
	 "Each FILE holds one JSON record per line (blank lines are skipped), plain or\n"
	 "gzip-compressed (recognised by its magic bytes); - reads standard input.\n"
	 "Records are sent in batches of N lines (--batch, default 2000): COPY into the\n"
	 "extension's staging table and one set-based merge per batch, in one\n"
	 "transaction, so a batch is applied whole or not at all.\n\n"
	 "  --kind K   pushes (keyed by \"id\"), users (by username) or repos (by url).\n"
	 "             Default: taken from the file name when it contains exactly one\n"
	 "             of pushes, users, repos; required for standard input.\n"
	 "  --batch N  records per batch and transaction, 1..1000000 (default 2000;\n"
	 "             a batch is also sent once it holds 64 MB).\n"
	 "  --replace  replace records that are already stored (pushes as writeAudit\n"
	 "             writes them: strict review mode keeps a decided push's\n"
	 "             decision). Without it they are left untouched and counted as\n"
	 "             skipped (already present).\n"
	 "  --quiet    no progress lines on standard error.\n\n"
	 "Records keep their ids exactly: any non-empty string \"_id\" (NeDB ids,\n"
	 "ObjectIds, UUIDs; at most 1,024 bytes) is kept, a missing, null or empty one is\n"
	 "generated; a record whose \"_id\" cannot be kept is an error naming its line.\n"
	 "Of several records with one key the last line wins. Re-running a file is\n"
	 "harmless: nothing is duplicated and newer data (e.g. review decisions made\n"
	 "since) is never undone, because stored records are skipped.\n\n"
	 "Every line is checked locally (UTF-8, one JSON object); a malformed line is\n"
	 "reported as FILE:LINE: message and the batch holding it is not sent. A batch\n"
	 "the server refuses for its data is reported with the line at fault (when the\n"
	 "server names one) and skipped too. The other batches are imported, and the\n"
	 "exit code is that of the first failure (5 INVALID_INPUT for a malformed line).\n"
	 "Connection, permission and internal errors stop the import.\n\n"
	 "Output: progress on standard error after every batch (records/s), then per\n"
	 "file on standard output:\n"
	 "  imported N pushes (I inserted, U updated, K skipped (already present)) from\n"
	 "  FILE in S s (R records/s)",
	 1, INT_MAX, {"--kind", "--batch"}, true, cli_import_run, 0, {"--quiet", "--replace"}},
};

const size_t cli_n_commands = sizeof(cli_commands) / sizeof(cli_commands[0]);
