/*
 * internal.h - private declarations of libgitproxy_sink (not installed).
 * Internal symbols are prefixed gpsi_ and hidden from the shared library.
 */
#ifndef GPS_INTERNAL_H
#define GPS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <libpq-fe.h>

#include "gitproxy_sink.h"

/* PostgreSQL type OIDs used as parameter types (stable catalog values). */
#define GPSI_BOOLOID		16
#define GPSI_INT4OID		23
#define GPSI_TEXTOID		25
#define GPSI_JSONOID		114
#define GPSI_TEXTARRAYOID	1009
#define GPSI_TIMESTAMPTZOID	1184

/* ---- growable string buffer (buf.c) ---- */
typedef struct gpsi_buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
	bool		oom;
} gpsi_buf;

void		gpsi_buf_init(gpsi_buf *b);
void		gpsi_buf_put(gpsi_buf *b, const char *s, size_t n);
void		gpsi_buf_puts(gpsi_buf *b, const char *s);
void		gpsi_buf_printf(gpsi_buf *b, const char *fmt,...) __attribute__((format(printf, 2, 3)));
void		gpsi_buf_json_string(gpsi_buf *b, const char *s);
/*
 * Append column col of rows 0..nrows-1 of res (no NULLs), separated by ",",
 * growing the buffer once: lengths from PQgetlength, so no strlen and no
 * regrowth (a listing page of whole documents is about half a megabyte).
 */
void		gpsi_buf_put_column(gpsi_buf *b, const PGresult *res, int nrows, int col);
void		gpsi_buf_free(gpsi_buf *b);
/* hand the contents to *out (or free them when out is NULL) */
gps_status	gpsi_buf_finish(gpsi_buf *b, char **out, gps_error *err);

/* ---- errors (error.c) ---- */
void		gpsi_error_clear(gps_error *err);
gps_status	gpsi_error_set(gps_error *err, gps_status category, const char *sqlstate,
						   const char *fmt,...) __attribute__((format(printf, 4, 5)));
gps_status	gpsi_error_from_result(gps_error *err, const PGresult *res, PGconn *conn);
gps_status	gpsi_oom(gps_error *err);
/* length of the longest prefix of s[0..n) that does not end inside a UTF-8
 * sequence (for cutting a message at a character boundary) */
size_t		gpsi_utf8_clip(const char *s, size_t n);
/* copy src (NULL = "") into dst[size] without trailing newlines and
 * spaces, cut at a UTF-8 character boundary; returns the length */
size_t		gpsi_copy_text(char *dst, size_t size, const char *src);

/* ---- client and pool (pool.c) ---- */
typedef struct gpsi_conn
{
	PGconn	   *pg;
	pid_t		owner;			/* process that opened it (fork safety) */
	int64_t		call_limit_ms;	/* client-side limit of one statement; 0 = none */
	int64_t		created_ms;
	int64_t		last_used_ms;
	struct gpsi_conn *next;		/* idle list link */
} gpsi_conn;

struct gps_client
{
	/* configuration (strings owned) */
	char	   *conninfo;		/* resolved; NULL = libpq environment */
	char	   *application_name;	/* NULL = conninfo/PGAPPNAME/default */
	int			min_size;
	int			max_size;
	int			acquire_timeout_ms;
	int			connect_timeout_ms;
	int			max_lifetime_ms;
	int			idle_check_ms;
	int			statement_timeout_ms;
	int			lock_timeout_ms;
	gps_log_fn	log_fn;
	void	   *log_arg;

	/* pool state, protected by mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	gpsi_conn  *idle;			/* LIFO */
	int			n_idle;
	int			n_total;		/* open + being opened */
	int			n_waiting;
	uint64_t	created;
	uint64_t	discarded;
	uint64_t	checks;
	uint64_t	retries;
	/* idle connections last used before this get a liveness check */
	int64_t		suspect_before_ms;
	pid_t		owner;			/* process whose connections the pool holds */
};

int64_t		gpsi_now_ms(void);
void		gpsi_log(gps_client *c, gps_log_level level, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/* longest timeout handled (about 35 years); longer ones are clamped */
#define GPSI_MAX_TIMEOUT_MS ((int64_t) 1 << 40)
/* a client-side call waits this much longer than the server's
 * statement_timeout before it cancels the query itself */
#define GPSI_CALL_GRACE_MS 500

/* open one connection with the per-connection setup and handshake (conn.c);
 * *statement_timeout_ms = the statement_timeout in force on it (0 = none) */
gps_status	gpsi_connect(gps_client *c, PGconn **out, int64_t *statement_timeout_ms, gps_error *err);
/* deadline ms from now (monotonic; negative or huge = clamped far future) */
int64_t		gpsi_deadline(int64_t ms);
/* poll() timeout until deadline: 0..INT_MAX, -1 for INT64_MAX (none) */
int			gpsi_poll_ms(int64_t deadline);
/* resolve the configured conninfo (conn.c); *resolved may be NULL = env */
gps_status	gpsi_resolve_conninfo(const char *given, char **resolved, gps_error *err);

/* take a connection: fresh = a newly opened one (for a retry); check =
 * always run a liveness round trip on a reused one */
gps_status	gpsi_acquire(gps_client *c, bool fresh, bool check, gpsi_conn **out, gps_error *err);
/* give it back; broken = close it */
void		gpsi_release(gps_client *c, gpsi_conn *conn, bool broken);
/* mark every idle connection for a liveness check before reuse */
void		gpsi_pool_suspect(gps_client *c);
void		gpsi_pool_count_retry(gps_client *c);

/* ---- one call of a gitproxy.* function (call.c) ---- */
typedef struct gpsi_method
{
	const char *name;			/* sink method, for messages */
	const char *sql;			/* one schema-qualified statement */
	int			nparams;
	Oid			types[4];		/* parameter type OIDs */
	bool		idempotent;		/* safe to retry after a lost connection */
} gpsi_method;

/*
 * Run the method's statement with the given parameter values (NULL = SQL
 * NULL), retrying once on a fresh connection when the connection was lost
 * and the method is idempotent.  On GPS_OK *res holds the result (PQclear
 * it); otherwise *res is NULL and err is filled.
 */
gps_status	gpsi_call(gps_client *c, const gpsi_method *m, const char *const *values,
					  bool check, PGresult **res, gps_error *err);
/*
 * Run one statement on pg and wait for its result until deadline (INT64_MAX
 * = no limit).  Returns the result (the first error result if any; NULL
 * when libpq could not build one: see PQerrorMessage).  When the deadline
 * passes, the query is cancelled on the server, *timed_out is set, NULL
 * is returned and the connection must be closed (its state is unknown).
 */
PGresult   *gpsi_exec(gps_client *c, PGconn *pg, const char *sql, int nparams, const Oid *types,
					  const char *const *values, int64_t deadline, bool *timed_out);
/*
 * A listing read in keyset pages (the unpaged listings): the method's
 * statement is run again and again on one connection inside one REPEATABLE
 * READ READ ONLY transaction, so every page reads the same snapshot, as one
 * statement would.  After each page, page() consumes the rows, points
 * *cursor at the cursor of the next page (its own storage, valid until the
 * next call) and sets *done after the last page.  values[cursor_param] is
 * the cursor parameter.  Each statement has the deadline of one call.
 * When the connection is lost the whole listing is read again once on a
 * fresh connection, after restart() drops what page() collected.
 */
typedef gps_status (*gpsi_page_fn) (void *arg, const PGresult *res, const char **cursor,
									bool *done, gps_error *err);
typedef void (*gpsi_restart_fn) (void *arg);
gps_status	gpsi_call_pages(gps_client *c, const gpsi_method *m, const char **values,
							int cursor_param, gpsi_page_fn page, gpsi_restart_fn restart,
							void *arg, gps_error *err);
/* the deadline of one statement on conn */
int64_t		gpsi_call_deadline(const gpsi_conn *conn);
/* drop an inherited connection without touching its server session */
void		gpsi_abandon(PGconn *pg);

/* was the server connection lost (broken socket, class 08, 57P01-57P03)? */
bool		gpsi_connection_lost(PGconn *pg, const PGresult *res);

#endif							/* GPS_INTERNAL_H */
