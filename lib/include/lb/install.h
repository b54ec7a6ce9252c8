/* The board-independent install sequence of an app image: the one the
 * recovery image runs while an upload arrives (recovery/update.c) and the
 * host power-cut sweep cuts (tests/support/lbt.c). No heap: the context is
 * caller-owned.
 *
 * Order on flash (docs/SPEC.md, "Installing an image"):
 *   1. the slot is marked empty in the boot state (lb_bootstate_install_begin)
 *      before its first erase;
 *   2. the image is verified while it streams (lb_image_stream_*) and written
 *      erase-ahead (lb_flash_writer), except its first program unit (at least
 *      the header's magic), which is held back in the context and left erased;
 *   3. only after every check passed is the slot marked new and active
 *      (lb_bootstate_install_done), and then the held-back unit is programmed:
 *      the commit. Until that last program the slot's image has no magic, so
 *      nothing (the loader's factory adoption, its last-resort row) can ever
 *      verify it.
 * So an image that was refused, abandoned or cut by a power loss at any
 * instant never boots and never moves the security floor; a cut between 3's
 * two writes leaves a slot marked new that fails verification, which the
 * loader marks invalid. The other slots are never touched. */
#ifndef LB_INSTALL_H
#define LB_INSTALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb/bootstate.h"
#include "lb/flash.h"
#include "lb/image.h"

/* An installer's last word on an image that passed every check, called
 * before anything marks it bootable: 0 lets it be activated, an LB_E_*
 * code refuses it (the slot then stays empty). The pull path uses it to
 * hold an image to the manifest entry that named it. */
typedef int (*lb_install_accept_fn)(void *arg, const lb_image_info_t *info);

/* The held-back first unit: the program size, at least the magic's 4 bytes. */
#define LB_INSTALL_HEAD_MAX (LB_CFG_PROGRAM_MAX > 4u ? LB_CFG_PROGRAM_MAX : 4u)

typedef struct {
    lb_bootstate_log_t *log; /* open log, owned by the caller */
    lb_image_stream_t vs;    /* streaming verifier */
    lb_flash_area_t area;    /* the slot being written */
    lb_flash_writer_t w;     /* erase-ahead writer over `area` */
    unsigned slot;           /* slot index in the boot state */
    uint32_t done;           /* bytes accepted so far */
    uint32_t head_len;       /* bytes held back for the commit (a multiple of the program size) */
    bool active;             /* between a successful begin and finish/abort/error */
    lb_install_accept_fn accept; /* NULL: none (lb_install_set_accept) */
    void *accept_arg;
    uint8_t head[LB_INSTALL_HEAD_MAX]; /* the image's first head_len bytes */
} lb_install_t;

/* Picks the slot to write, given the boot state `s`, the layout's slot
 * count and, per slot, whether it holds an image the loader would boot
 * (it verifies now). The rules, in order:
 *   1. one slot: slot 0 (the documented single-slot trade-off: the old
 *      image is gone once the new one starts to be written);
 *   2. exactly one slot holds a bootable image: the other one, whatever
 *      the boot state says (so a blank or unconfirmed state never costs
 *      the only app that works);
 *   3. exactly one slot is confirmed: the other one (the last confirmed
 *      image is never the one written);
 *   4. otherwise the slot that is not active (slot b when none is).
 * Returns the slot index (< slot_count). */
unsigned lb_install_pick_slot(const lb_bootstate_t *s, unsigned slot_count, const bool *bootable);

/* Starts installing into `slot`, whose flash is `area` (copied into the
 * context). `log` (open, freshly) and `policy` (what the image must pass;
 * its max_size should be at most the slot size) must stay valid until
 * finish/abort. Marks the slot empty in the boot state before anything is
 * erased. Returns 0, LB_E_INVAL (NULL argument, slot out of range),
 * LB_E_ALIGN/LB_E_RANGE (area), or the boot-state commit's error
 * (LB_E_STATE when the log is stale, a flash error); on error nothing was
 * written unless the boot-state commit itself failed midway (the log
 * stays consistent) and the context is not active. */
int lb_install_begin(lb_install_t *ctx, lb_bootstate_log_t *log, const lb_flash_area_t *area,
                     const lb_image_policy_t *policy, unsigned slot);

/* Feeds the next `len` bytes of the image (any chunking): verified by the
 * stream, then programmed (the first head_len bytes are held back).
 * Returns 0, LB_E_STATE (no install active), the verifier's refusal
 * (LB_E_MAGIC, LB_E_SIZE, LB_E_LOADAREA, ...), LB_E_TRAILING (bytes past
 * the image's end), LB_E_NOSPACE (past the slot) or a flash error; after an error the
 * install is over (the slot stays empty) and the context is not active. */
int lb_install_write(lb_install_t *ctx, const uint8_t *data, size_t len);

/* Sets the optional last check of the running install (after begin; each
 * begin clears it). Returns 0 or LB_E_STATE (no install active). */
int lb_install_set_accept(lb_install_t *ctx, lb_install_accept_fn fn, void *arg);

/* Ends the image: finishes verification (the whole image must have
 * arrived), programs the padded tail, marks the slot new and active with
 * the image's version and counter, then commits (programs the held-back
 * first unit). `info` (may be NULL) receives the
 * image's facts. Returns 0, LB_E_STATE (no install active),
 * LB_E_TRUNCATED or another verifier refusal, LB_E_SECCNT (below the
 * boot state's floor), the accept check's code, or a flash error; either way the context is no
 * longer active, and on error the slot holds no image that verifies. */
int lb_install_finish(lb_install_t *ctx, lb_image_info_t *info);

/* Gives up an install (the slot stays marked empty: nothing else is
 * needed). Always safe. */
void lb_install_abort(lb_install_t *ctx);

#endif
