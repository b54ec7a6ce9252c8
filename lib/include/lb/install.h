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
 * loader marks invalid. The other slots are never touched.
 *
 * A download (the pull path) is resumable across power cuts: begun with
 * lb_install_begin_id, it keeps a resume record in the slot's last erase
 * unit (docs/SPEC.md, "Resume record": what is being written, the held-back
 * unit, and one marker per erase unit completed), and lb_install_resume
 * continues it after a reset from the first unit not marked complete. The
 * record changes nothing above: the slot stays marked empty until finish,
 * and the prefix found in flash is verified again with the rest. */
#ifndef LB_INSTALL_H
#define LB_INSTALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb/bootstate.h"
#include "lb/flash.h"
#include "lb/image.h"
#include "lb/inflate.h"

/* An installer's last word on an image that passed every check, called
 * before anything marks it bootable: 0 lets it be activated, an LB_E_*
 * code refuses it (the slot then stays empty). The pull path uses it to
 * hold an image to the manifest entry that named it. */
typedef int (*lb_install_accept_fn)(void *arg, const lb_image_info_t *info);

/* What a resumable download is: its length and the SHA-256 of all its
 * bytes (the update manifest's entry). */
typedef struct {
    uint32_t size;
    uint8_t sha256[32];
} lb_install_id_t;

/* Receives each byte of a resumed install's prefix as lb_install_replay
 * reads it back from flash, in order. */
typedef void (*lb_install_feed_fn)(void *arg, const uint8_t *data, size_t len);

/* The resume record's fixed part (docs/SPEC.md): magic, version, head
 * length, size, reserved, SHA-256, CRC32. The head copy follows at the next
 * program-unit boundary, then the markers. */
#define LB_INSTALL_REC_MAGIC 0x5352424Cu /* "LBRS" */
#define LB_INSTALL_REC_VERSION 1u
#define LB_INSTALL_REC_FIXED 52u

/* Checks a resume record: `fixed` (LB_INSTALL_REC_FIXED bytes as read) and
 * `head` (the copy of the held-back unit, `head_len` bytes) against the
 * download `id`. Returns 0 (it describes `id`), LB_E_MAGIC, LB_E_VERSION,
 * LB_E_CORRUPT (CRC, reserved bytes, head length) or LB_E_MISMATCH
 * (another download). */
int lb_install_rec_check(const uint8_t *fixed, const uint8_t *head, uint32_t head_len,
                         const lb_install_id_t *id);

/* The held-back first unit: the program size, at least the magic's 4 bytes. */
#define LB_INSTALL_HEAD_MAX (LB_CFG_PROGRAM_MAX > 4u ? LB_CFG_PROGRAM_MAX : 4u)

/* What a compressed install (docs/SPEC.md, "Compressed images") needs
 * beyond a plain one: the verifier of the bytes received, its policy, the
 * inflater that turns their body into the plain image written to the slot
 * (the slot itself is its window), and the first header bytes, which say
 * which kind of image arrives. ~2 KB, caller-owned, handed over with
 * lb_install_set_deflate: an image that never does so pays nothing (and,
 * built with LB_CFG_INSTALL_DEFLATE 0, links none of it). */
typedef struct {
    lb_image_stream_t outer;
    lb_image_policy_t policy;
    lb_inflate_t z;
    uint8_t hdr[LB_IMAGE_HEADER_SIZE];
} lb_install_deflate_t;

typedef struct {
    lb_bootstate_log_t *log;         /* open log, owned by the caller */
    const lb_image_policy_t *policy; /* the plain image's (begin's) */
    lb_install_deflate_t *zw;        /* NULL: plain images only */
    uint8_t mode;                    /* how received bytes are taken (install.c) */
    uint32_t wpos;        /* bytes of the plain image written (= done unless compressed) */
    lb_image_stream_t vs; /* streaming verifier */
    lb_flash_area_t area; /* the slot being written */
    lb_flash_writer_t w;  /* erase-ahead writer over `area` */
    unsigned slot;        /* slot index in the boot state */
    uint32_t done;        /* bytes received so far */
    uint32_t head_len;    /* bytes held back for the commit (a multiple of the program size) */
    bool active;          /* between a successful begin and finish/abort/error */
    lb_install_accept_fn accept; /* NULL: none (lb_install_set_accept) */
    void *accept_arg;
    bool resumable;      /* a resume record is kept (lb_install_begin_id) */
    lb_install_id_t id;  /* what it describes */
    uint32_t rec_off;    /* the record's erase unit (the slot's last), partition-relative */
    uint32_t marks_off;  /* marker 0 */
    uint32_t mark_next;  /* the next unit to mark complete */
    uint32_t mark_end;   /* where that unit ends */
    uint32_t replay_end; /* a resumed install's prefix: done < replay_end while replaying */
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

/* lb_install_begin for a download that can be resumed after a power cut:
 * the same, and when the slot has room for it (`id->size` ends before the
 * slot's last erase unit, one marker per unit fits there) the install keeps
 * a resume record, written once the held-back unit has arrived (`id` NULL:
 * lb_install_begin). Every begin
 * (this one or lb_install_begin) first erases the last unit if it is not
 * erased, so no record outlives the bytes it describes. Returns as
 * lb_install_begin. */
int lb_install_begin_id(lb_install_t *ctx, lb_bootstate_log_t *log, const lb_flash_area_t *area,
                        const lb_image_policy_t *policy, unsigned slot, const lb_install_id_t *id);

/* Continues the download `id` into `slot` after a reset: when the boot
 * state still marks the slot empty and its resume record describes `id`,
 * leaves the install active at the end of the units marked complete (the
 * next write erases the first unit after them again). Their bytes must
 * then go through the verifier again, by lb_install_replay, before the
 * download goes on. Returns the number of bytes in place (> 0: feed
 * lb_install_write the download from that offset on, once replayed),
 * LB_E_NOTFOUND (nothing to continue: begin afresh), LB_E_INVAL or a flash
 * error. Writes nothing. */
int lb_install_resume(lb_install_t *ctx, lb_bootstate_log_t *log, const lb_flash_area_t *area,
                      const lb_image_policy_t *policy, unsigned slot, const lb_install_id_t *id);

/* Streams up to `max` more bytes of a resumed install's prefix from flash
 * through the verifier and `feed` (may be NULL; the pull path hashes the
 * whole download), in pieces, so a caller's loop never waits for more
 * than `max` bytes. Returns the bytes still to replay (0: done, writes may
 * follow), LB_E_STATE (no install active) or the verifier's refusal or a
 * flash error (the install is then over). */
int lb_install_replay(lb_install_t *ctx, uint32_t max, lb_install_feed_fn feed, void *arg);

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

/* Lets the running install take a compressed image too (after begin,
 * before the first byte; each begin clears it): its bytes are verified as
 * they arrive (begin's policy, with accept_deflate), its body inflated into
 * the slot through the plain path (verified, held back, programmed as
 * any image), and at finish both images' checks and
 * lb_image_deflated_agrees must hold; accept and `info` then see the
 * compressed image (what was received: a manifest names it). A plain image
 * installs as without it. A compressed install keeps no resume record (its
 * prefix cannot be rebuilt from the slot). Returns 0, LB_E_STATE (not
 * active, or bytes already taken), LB_E_INVAL (no work area, or begin's
 * policy accepts compressed images itself: the slot's must not) or
 * LB_E_UNSUPPORTED (built with LB_CFG_INSTALL_DEFLATE 0). */
int lb_install_set_deflate(lb_install_t *ctx, lb_install_deflate_t *zw);

/* Ends the image: finishes verification (the whole image must have
 * arrived), programs the padded tail, marks the slot new and active with
 * the image's version and counter, then commits (programs the held-back
 * first unit). `info` (may be NULL) receives the
 * image's facts. Returns 0, LB_E_STATE (no install active),
 * for a compressed image also lb_inflate's and lb_image_deflated_agrees's
 * refusals,
 * LB_E_TRUNCATED or another verifier refusal, LB_E_SECCNT (below the
 * boot state's floor), the accept check's code, or a flash error; either way the context is no
 * longer active, and on error the slot holds no image that verifies. */
int lb_install_finish(lb_install_t *ctx, lb_image_info_t *info);

/* Gives up an install (the slot stays marked empty: nothing else is
 * needed). Always safe. */
void lb_install_abort(lb_install_t *ctx);

#endif
