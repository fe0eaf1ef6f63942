/*
 * gitproxy_sink.c
 *     Module entry point: PG_MODULE_MAGIC and the extension's GUCs.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "compat.h"
#include "gitproxy_sink.h"

PG_MODULE_MAGIC;

bool		gps_strict_review = false;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomBoolVariable("gitproxy_sink.strict_review",
							 "Accept review decisions only on pending pushes.",
							 "When on, authorise, reject and cancel fail with SQLSTATE 55000 "
							 "on a push that already has a decision, and write_audit keeps "
							 "the stored decision of such a push. Off matches git-proxy's "
							 "existing backends, where any decision may overwrite another.",
							 &gps_strict_review,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("gitproxy_sink");
}
