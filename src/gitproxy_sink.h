/*
 * gitproxy_sink.h
 *     Module-wide settings of the gitproxy_sink extension.
 */
#ifndef GPS_GITPROXY_SINK_H
#define GPS_GITPROXY_SINK_H

#include "postgres.h"

/*
 * True when this database's review mode (gitproxy.settings, set only by
 * gitproxy.set_review_mode) is strict: a decision is accepted only on a
 * pending push, and write_audit and import never change the decision
 * fields of an existing push.  Read in the caller's snapshot; the caller is
 * connected to SPI.  Implemented in review.c.
 */
extern bool gps_review_strict(void);

#endif							/* GPS_GITPROXY_SINK_H */
