/*
 * compat.h
 *     The one place where differences between PostgreSQL 13 and 17 are
 *     papered over (PG_VERSION_NUM guards), so the rest of src/ reads as
 *     plain server code.
 */
#ifndef GPS_COMPAT_H
#define GPS_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 130000
#error "gitproxy_sink requires PostgreSQL 13 or later"
#endif

/* MarkGUCPrefixReserved() replaced EmitWarningsOnPlaceholders() in 15. */
#if PG_VERSION_NUM < 150000
#define MarkGUCPrefixReserved(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

/*
 * default_toast_compression (TOAST compression method chosen per value)
 * exists from 14; lz4 only when the server was built with it.
 */
#if PG_VERSION_NUM >= 140000 && defined(USE_LZ4)
#define GPS_HAVE_LZ4_TOAST 1
#endif

/*
 * varatt.h (VARDATA_ANY, VARSIZE_ANY_EXHDR, SET_VARSIZE, ...) was split out
 * of postgres.h in 16 and is not included by it; before 16 postgres.h itself
 * defines these macros.
 */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/*
 * The number of this backend among the running ones, 1-based: MyBackendId
 * (1..MaxBackends) up to 16, MyProcNumber (0-based proc array index) from
 * 17.  No two live backends share it; rollup rows are keyed by it.
 */
#if PG_VERSION_NUM >= 170000
#include "storage/procnumber.h"
#define GPS_BACKEND_SLOT() ((int32) MyProcNumber + 1)
#else
#include "storage/backendid.h"
#define GPS_BACKEND_SLOT() ((int32) MyBackendId)
#endif

#endif							/* GPS_COMPAT_H */
