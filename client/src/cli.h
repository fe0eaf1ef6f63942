/*
 * cli.h - the gitproxy-sink command-line tool (not part of the library).
 *
 * Commands live in a table (cli_commands.c).  To add one - as the bulk
 * "import" command in client/src/import.c - write its handler in its own
 * file under client/src/ (client/Makefile links every non-library source of
 * src/ into the tool), declare it below and add one row to cli_commands[].
 */
#ifndef GPS_CLI_H
#define GPS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "gitproxy_sink.h"

/* exit codes: 0 success, 1 I/O failure of the tool, 2 usage error,
 * 2 + gps_status for an error of that category (3..8) */
#define CLI_EXIT_OK			0
#define CLI_EXIT_IO			1
#define CLI_EXIT_USAGE		2
#define CLI_EXIT_CATEGORY(st) (2 + (int) (st))

typedef struct cli_ctx
{
	const char *db;				/* --db CONNINFO or NULL */
	const char *prog;
	gps_client *client;			/* opened before a command that needs it */
	const char *opt[4];			/* values of the command's options, in
								 * the order of cli_command.options */
	bool		flag[2];		/* the command's flags given, in the order
								 * of cli_command.flags */
	bool		stdin_used;
} cli_ctx;

typedef int (*cli_run_fn) (cli_ctx *ctx, int argc, char **argv);

typedef struct cli_command
{
	const char *name;			/* kebab-case subcommand */
	const char *args;			/* usage of the arguments */
	const char *summary;		/* one line for the command list */
	const char *help;			/* details for COMMAND --help */
	int			min_args;		/* positional arguments */
	int			max_args;
	const char *options[4];		/* long options taking a value, e.g. "--limit" */
	bool		needs_db;		/* informational: run connects via cli_connect */
	cli_run_fn	run;
	unsigned	json_args;		/* bit i: positional argument i is JSON
								 * ("-" = standard input), loaded and
								 * validated before run is called */
	const char *flags[2];		/* long options without a value, e.g.
								 * "--quiet" */
} cli_command;

extern const cli_command cli_commands[];
extern const size_t cli_n_commands;

/* helpers for handlers (cli.c) */
/* a JSON argument: text, or "-" for standard input (read as bytes with
 * its length); validated locally: a NUL byte, invalid UTF-8 or invalid JSON
 * is INVALID_INPUT naming the byte offset, before anything is sent */
int			cli_json_arg(cli_ctx *ctx, const char *arg, const char *what, char **json);
/* open ctx->client unless open; reports errors, returns the exit code */
int			cli_connect(cli_ctx *ctx);
/* report the outcome; prints json pretty (NULL prints "null" when
 * print_null) and frees it; returns the exit code */
int			cli_result(cli_ctx *ctx, gps_status st, const gps_error *err, char *json, bool print_null);
int			cli_usage_error(cli_ctx *ctx, const char *fmt,...) __attribute__((format(printf, 2, 3)));

/* JSON text helpers (cli_json.c) */
/* offset of the first byte of s[0..len) that is not valid UTF-8 (as
 * PostgreSQL checks it: no overlong forms, no surrogates, at most
 * U+10FFFF), or -1 */
long		cli_utf8_invalid_at(const unsigned char *s, size_t len);
/* 0 if text is one valid JSON value (surrounding white space allowed);
 * else -1 and a message in errbuf */
int			cli_json_validate(const char *text, char *errbuf, size_t errlen);
/* write text (valid JSON) indented by two spaces per level, then newline */
int			cli_json_pretty(const char *text, FILE *out);
/* parse a JSON array of strings; *items (each malloc'd, and the array)
 * freed by cli_free_strings */
int			cli_json_string_array(const char *text, char ***items, size_t *n, char *errbuf,
								  size_t errlen);
void		cli_free_strings(char **items, size_t n);

/* bulk import (import.c) */
int			cli_import_run(cli_ctx *ctx, int argc, char **argv);
/* report a library error as the other commands do; returns the exit code */
int			cli_report_error(cli_ctx *ctx, gps_status st, const gps_error *err);

#endif							/* GPS_CLI_H */
