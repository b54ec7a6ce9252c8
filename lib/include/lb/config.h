/* Configuration defaults for lifeboat, in one place. Every value can be
 * overridden by defining it before this header is included (compiler -D
 * flags, or a board/generated header included first). Boot-policy values
 * normally come from the layout YAML through the generated partitions.h;
 * these are the fallbacks when a build has no layout. */
#ifndef LB_CONFIG_H
#define LB_CONFIG_H

/* ---- flash access ------------------------------------------------------ */

/* Largest program granularity (bytes) lib/ supports: buffers for one
 * program unit live on the stack. Power of two. */
#ifndef LB_CFG_PROGRAM_MAX
#define LB_CFG_PROGRAM_MAX 256u
#endif

/* ---- boot policy (brief section 7; YAML `boot:`) ----------------------- */

/* Boots a new image gets in trial before it is rolled back (YAML
 * boot.trial_boots). */
#ifndef LB_CFG_TRIAL_BOOTS
#define LB_CFG_TRIAL_BOOTS 3u
#endif

/* Consecutive unhealthy boots of a confirmed image before the loader
 * starts recovery (YAML boot.crash_limit). */
#ifndef LB_CFG_CRASH_LIMIT
#define LB_CFG_CRASH_LIMIT 3u
#endif

/* How long the recovery strap must stay asserted at power-on (YAML
 * boot.strap.hold_ms). */
#ifndef LB_CFG_STRAP_HOLD_MS
#define LB_CFG_STRAP_HOLD_MS 50u
#endif

/* Reset causes that count as an unhealthy boot: bit (1u << lb_reset_cause_t)
 * per cause. Default: watchdog (3), fault (4), unknown (0) (YAML
 * boot.crash_resets). */
#ifndef LB_CFG_CRASH_RESETS
#define LB_CFG_CRASH_RESETS ((1u << 0) | (1u << 3) | (1u << 4))
#endif

/* Watchdog period the loader starts before jumping into an image (YAML
 * boot.watchdog_ms); 0 leaves the watchdog off. */
#ifndef LB_CFG_WATCHDOG_MS
#define LB_CFG_WATCHDOG_MS 2000u
#endif

/* 1: the loader requires a valid ECDSA signature at every boot (YAML
 * boot.verify: signature); 0: SHA-256 hash only (boot.verify: hash). */
#ifndef LB_CFG_VERIFY_SIGNATURE
#define LB_CFG_VERIFY_SIGNATURE 0
#endif

/* ---- recovery: HTTP server (recovery/http) ------------------------------ */

/* Longest request line (method, target, version) before 414. */
#ifndef LB_HTTP_REQLINE_MAX
#define LB_HTTP_REQLINE_MAX 256
#endif
/* Longest request-target (path and query) before 414. */
#ifndef LB_HTTP_TARGET_MAX
#define LB_HTTP_TARGET_MAX 128
#endif
/* Longest single header line; longer lines get 431. */
#ifndef LB_HTTP_LINE_MAX
#define LB_HTTP_LINE_MAX 640
#endif
/* Longest Authorization value kept (a Digest answer is ~400 bytes). */
#ifndef LB_HTTP_AUTH_MAX
#define LB_HTTP_AUTH_MAX 600
#endif
/* Whole header block (all lines) before 431. */
#ifndef LB_HTTP_HEADERS_MAX
#define LB_HTTP_HEADERS_MAX 4096
#endif
/* Most header lines in one request before 431. */
#ifndef LB_HTTP_HEADER_COUNT_MAX
#define LB_HTTP_HEADER_COUNT_MAX 48
#endif
/* Concurrent HTTP connections served; more wait in the TCP backlog. */
#ifndef LB_HTTP_CONN_MAX
#define LB_HTTP_CONN_MAX 4
#endif
/* Connections accepted while every slot is busy, served in arrival order
 * as slots free up (each holds a TCP PCB; lwipopts.h sizes the pool). */
#ifndef LB_HTTP_WAITERS
#define LB_HTTP_WAITERS 20
#endif
/* Bytes a waiting connection may send before lwIP stops reading it (kept
 * as heap copies until it gets a slot). */
#ifndef LB_HTTP_WAIT_STASH
#define LB_HTTP_WAIT_STASH 1024
#endif
/* A connection that sends nothing for this long mid-request gets 408. */
#ifndef LB_HTTP_STALL_MS
#define LB_HTTP_STALL_MS 10000
#endif
/* A kept-alive connection idle between requests is closed after this. */
#ifndef LB_HTTP_KEEPALIVE_MS
#define LB_HTTP_KEEPALIVE_MS 15000
#endif
/* A request head must be complete this long after its first byte (408):
 * a client trickling header bytes cannot hold a slot for longer. */
#ifndef LB_HTTP_HEAD_MS
#define LB_HTTP_HEAD_MS 5000
#endif
/* A body must bring at least LB_HTTP_BODY_MIN_BYTES in every
 * LB_HTTP_BODY_WINDOW_MS (about 200 B/s; 408 otherwise). */
#ifndef LB_HTTP_BODY_WINDOW_MS
#define LB_HTTP_BODY_WINDOW_MS 5000
#endif
#ifndef LB_HTTP_BODY_MIN_BYTES
#define LB_HTTP_BODY_MIN_BYTES 1024
#endif
/* With every slot busy and a whole request waiting, a connection whose head
 * is incomplete and that sent nothing for this long is cut to make room. */
#ifndef LB_HTTP_EVICT_SILENT_MS
#define LB_HTTP_EVICT_SILENT_MS 1000
#endif

/* The update agent (lib/ota/agent.c; recovery's self-heal, the app's
 * background updates). Self-heal's first check comes this long after
 * the network is up, then retries after a backoff that doubles from MIN to
 * MAX; a request whose server says nothing for IDLE is given up. */
#ifndef LB_PULL_FIRST_DELAY_MS
#define LB_PULL_FIRST_DELAY_MS 2000u
#endif
#ifndef LB_PULL_BACKOFF_MIN_MS
#define LB_PULL_BACKOFF_MIN_MS 5000u
#endif
#ifndef LB_PULL_BACKOFF_MAX_MS
#define LB_PULL_BACKOFF_MAX_MS 300000u
#endif
#ifndef LB_PULL_IDLE_MS
#define LB_PULL_IDLE_MS 10000u
#endif
/* A download whose connection breaks continues (HTTP Range) after this
 * pause, at most this many times per download. */
#ifndef LB_PULL_RESUME_DELAY_MS
#define LB_PULL_RESUME_DELAY_MS 1000u
#endif
#ifndef LB_PULL_RESUME_MAX
#define LB_PULL_RESUME_MAX 3u
#endif
/* 1: installs keep resume records (lb_install_begin_id) and continue them
 * (lb_install_resume), so pulls go on after a reset or power loss from
 * what the slot holds. 0: lb_install_begin_id is lb_install_begin, resume
 * finds nothing, and a download cut by a reset is fetched whole again
 * (~1.8 KB in the recovery image, which keeps it: docs/DESIGN.md). A 0
 * build still erases the records a 1 build left (every begin does). */
#ifndef LB_CFG_INSTALL_RESUME
#define LB_CFG_INSTALL_RESUME 1
#endif
/* 1: an install given a work area (lb_install_set_deflate) takes
 * compressed images too, inflating them into the slot. 0: the inflater is
 * not linked and a compressed image is refused (LB_E_FLAGS, 422): the
 * recovery image, whose 64 KiB have no room for it (docs/DESIGN.md). */
#ifndef LB_CFG_INSTALL_DEFLATE
#define LB_CFG_INSTALL_DEFLATE 1
#endif
/* Redirects (301, 302, 303, 307, 308 with a Location) a pull follows per
 * request, manifest and image each: a CDN or a moved folder. 0: none
 * (the answer is refused like any non-200); the recovery image builds with
 * 0 (flash budget). A Location must fit lb/url.h's limits. */
#ifndef LB_CFG_PULL_REDIRECT_MAX
#define LB_CFG_PULL_REDIRECT_MAX 3u
#endif
/* https:// for the update agent (lib/ota/tls.c, mbedTLS): 1 in apps whose
 * layout pins their server's key (app.pin; the build sets it), 0 else, and
 * always 0 in recovery (plain HTTP: the image signature is its trust). */
#ifndef LB_CFG_PULL_HTTPS
#define LB_CFG_PULL_HTTPS 0
#endif
/* Decrypted bytes the agent takes from a TLS session per read. */
#ifndef LB_PULL_TLS_READ
#define LB_PULL_TLS_READ 1024u
#endif
/* The TLS handshake's elliptic-curve work per main-loop turn, in mbedTLS's
 * restartable-ECC units (mbedtls_ecp_set_max_ops: about one P-256 field
 * multiplication each, a few thousand per scalar multiplication; 0: no
 * slicing). */
#ifndef LB_TLS_ECC_SLICE_OPS
#define LB_TLS_ECC_SLICE_OPS 250u
#endif
/* A download continued after a reset reads what the slot holds back
 * through the verifier this many bytes per main-loop turn. */
#ifndef LB_PULL_REPLAY_CHUNK
#define LB_PULL_REPLAY_CHUNK 4096u
#endif

/* Stack the recovery image budgets (the RAM figure of `make
 * bench-recovery` is data + bss + this); the image paints it and reports
 * the deepest use in its status document (stack_peak). */
#ifndef LB_RECOVERY_STACK_RESERVE
#define LB_RECOVERY_STACK_RESERVE 4096u
#endif

/* 1 only in the benchmark build of the recovery image (`make
 * bench-recovery`): adds a discard service on LB_RECOVERY_BENCH_PORT for
 * the raw TCP throughput figure. The shipped image has no such port. */
#ifndef LB_RECOVERY_BENCH
#define LB_RECOVERY_BENCH 0
#endif
#ifndef LB_RECOVERY_BENCH_PORT
#define LB_RECOVERY_BENCH_PORT 9
#endif

/* ---- recovery: Digest authentication (recovery/auth) -------------------- */

/* Nonces are stateless (a MAC over a counter and the issue time), so any
 * number may be outstanding and no flood of challenges evicts one. What is
 * remembered is the nonces already used, until they expire: this many
 * (only a correct answer adds one; when all are live, the oldest is dropped
 * and every nonce issued up to it is refused as stale). */
#ifndef LB_AUTH_USED_NONCES
#define LB_AUTH_USED_NONCES 16
#endif
/* A nonce is accepted for this long after it was issued. */
#ifndef LB_AUTH_NONCE_TTL_MS
#define LB_AUTH_NONCE_TTL_MS 60000
#endif
/* Failed attempts (per client address) before the first lockout. */
#ifndef LB_AUTH_FREE_FAILURES
#define LB_AUTH_FREE_FAILURES 5
#endif
/* First lockout; each further failure doubles it up to the maximum. */
#ifndef LB_AUTH_LOCKOUT_MS
#define LB_AUTH_LOCKOUT_MS 2000
#endif
#ifndef LB_AUTH_LOCKOUT_MAX_MS
#define LB_AUTH_LOCKOUT_MAX_MS 300000
#endif
/* Device-wide ceiling on wrong guesses evaluated, whatever the number of
 * client addresses: a bucket of LB_AUTH_GUESS_BURST guesses refilled with
 * one every LB_AUTH_GUESS_REFILL_MS (6 a minute). While it is empty every
 * attempt, right or wrong, gets 429 unevaluated (docs/recovery.md). */
#ifndef LB_AUTH_GUESS_BURST
#define LB_AUTH_GUESS_BURST 10
#endif
#ifndef LB_AUTH_GUESS_REFILL_MS
#define LB_AUTH_GUESS_REFILL_MS 10000
#endif
/* Client addresses whose failures are tracked (least recently seen evicted). */
#ifndef LB_AUTH_CLIENTS
#define LB_AUTH_CLIENTS 8
#endif
/* Entries in the audit log ring shown in /api/status. */
#ifndef LB_AUTH_AUDIT_ENTRIES
#define LB_AUTH_AUDIT_ENTRIES 16
#endif

/* ---- image verification (lib/src/image*.c, lib/mbedtls) ----------------- */

/* Static arena behind mbedtls_calloc in firmware builds. ECDSA P-256
 * verification peaks at about 2.0 KiB with lb_mbedtls_config.h (measured by
 * `make bench-image`). */
#ifndef LB_MBEDTLS_HEAP_SIZE
#define LB_MBEDTLS_HEAP_SIZE 3072
#endif

#endif
