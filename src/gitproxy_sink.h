/*
 * gitproxy_sink.h
 *     Module-wide settings (GUCs) of the gitproxy_sink extension.
 */
#ifndef GPS_GITPROXY_SINK_H
#define GPS_GITPROXY_SINK_H

#include "postgres.h"

/*
 * gitproxy_sink.strict_review (superuser-set, default off): when on, a
 * decision is accepted only on a pending push and write_audit keeps a
 * decided push's decision fields.
 */
extern bool gps_strict_review;

#endif							/* GPS_GITPROXY_SINK_H */
