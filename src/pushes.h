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

#endif							/* GPS_PUSHES_H */
