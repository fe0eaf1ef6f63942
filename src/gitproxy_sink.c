/*
 * gitproxy_sink.c
 *     Module entry point: PG_MODULE_MAGIC.
 *
 * The extension defines no GUC.  1.0's gitproxy_sink.strict_review was a
 * session setting that a client could mask with a startup option before
 * the library loaded; 1.1 keeps the review mode in gitproxy.settings
 * (review.c).  The prefix stays reserved, so a leftover setting of the old
 * GUC is reported (WARNING at load, ERROR on SET) instead of silently
 * ignored.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "compat.h"
#include "gitproxy_sink.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	MarkGUCPrefixReserved("gitproxy_sink");
}
