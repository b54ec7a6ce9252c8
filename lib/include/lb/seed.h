/* The entropy seed: a 32-byte secret kept in the layout's data partition
 * named `seed` (a record log, lb/rlog.h), written first by the factory
 * (`lifeboat mkflash` fills it from the host's random source) and renewed
 * at every draw, so that each boot's secrets differ even on a board whose
 * own entropy source is weak or absent. A draw mixes the stored seed, the
 * board's noise (lb_board_entropy) and anything else that differs between
 * boots (the boot count); the renewed seed is stored before the secret is
 * derived from it, and an attacker who learns one boot's secret learns
 * nothing about the stored seed (one-way derivations).
 *
 *   new seed = HMAC-SHA-256(old seed, "lifeboat seed renew" || noise)
 *   secret   = HMAC-SHA-256(new seed, "lifeboat seed draw")
 *
 * Record (little-endian, 48 bytes, CRC32 last; docs/SPEC.md, "Entropy
 * seed"): magic "LBSD" (u32 at 0), version (u16 at 4), size (u16 at 6),
 * seq (u32 at 8), seed (32 bytes at 12), crc32 over bytes 0..43 (at 44). */
#ifndef LB_SEED_H
#define LB_SEED_H

#include <stddef.h>
#include <stdint.h>

#include "lb/flash.h"

#define LB_SEED_MAGIC 0x4453424Cu /* "LBSD": bytes 4C 42 53 44 */
#define LB_SEED_VERSION 1u
#define LB_SEED_RECORD_SIZE 48u
#define LB_SEED_SIZE 32u

/* Encodes a seed record padded with `erased` up to `cap`. Returns
 * LB_SEED_RECORD_SIZE or LB_E_NOSPACE. */
int lb_seed_encode(uint32_t seq, const uint8_t seed[LB_SEED_SIZE], uint8_t *buf, size_t cap,
                   uint8_t erased);

/* Decodes one untrusted record. Returns 0, LB_E_SIZE, LB_E_MAGIC,
 * LB_E_VERSION or LB_E_CORRUPT. */
int lb_seed_decode(uint32_t *seq, uint8_t seed[LB_SEED_SIZE], const uint8_t *buf, size_t len);

/* What a draw had to work with (bits of lb_seed_draw's result). */
#define LB_SEED_F_STORED 1  /* a stored seed was found */
#define LB_SEED_F_RENEWED 2 /* the renewed seed was stored */
#define LB_SEED_F_NOISE 4   /* the caller passed noise */

/* Derives this boot's 32-byte secret into `out` from the seed in `fa`
 * (NULL: no seed partition) and `noise` (the board's entropy and any
 * per-boot values; may be empty), renewing the stored seed. Returns the
 * LB_SEED_F_* bits that apply (>= 0), or LB_E_HASH. A flash error only
 * clears LB_SEED_F_RENEWED: the secret is still derived, but a later draw
 * from the same stored seed with the same noise would repeat it, so
 * callers put a per-boot value (the boot count) into `noise`. */
int lb_seed_draw(const lb_flash_area_t *fa, const void *noise, size_t noise_len,
                 uint8_t out[LB_SEED_SIZE]);

#endif
