/* The recovery image's view of the update history (lb/history.h): the
 * authenticated GET /api/history document. Entries are appended with the
 * runtime's lb_app_history_note (lb_app.h). Layouts without a `history`
 * partition have none (the document then says so). */
#ifndef LB_RECOVERY_HISTORY_H
#define LB_RECOVERY_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "lb/history.h"
#include "lb/image.h"

/* Entries per document, and the room the server gives a document: the
 * longest possible page fits (checked in history.c and server.c). */
#define LB_HISTORY_PAGE 8u
#define LB_HISTORY_DOC_MAX 2624u

/* Writes the history document: the LB_HISTORY_PAGE newest entries older
 * than `before` (0: the newest), newest first, then the newest entries of
 * this boot's audit ring. Returns its length, or 0 when it did not fit in
 * `cap`. */
size_t lb_history_json(char *buf, size_t cap, uint32_t before);

#endif
