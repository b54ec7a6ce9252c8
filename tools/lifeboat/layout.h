/* The layout model: what `lifeboat gen` reads from a layout YAML, fully
 * validated. Other commands (mkflash, sign, ...) read a layout through
 * lb_layout_load() and then use the model or lb_layout_to_ptable().
 * The YAML keys are documented in docs/config.md. */
#ifndef LB_LAYOUT_H
#define LB_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "lb/geom.h"
#include "lb/ptable.h"

#define LB_LAYOUT_VERSION 1u
#define LB_LAYOUT_ID_MAX 32u   /* product, board, app name: up to 31 chars */
#define LB_LAYOUT_URL_MAX 256u /* update URLs: up to 255 chars */
#define LB_LAYOUT_PATH_MAX 4096u
#define LB_LAYOUT_KEY_DER_MAX 1024u
/* Smallest loader partition the validator accepts: the loader's budget is
 * 5 KiB with hash-only verification and 14 KiB with ECDSA (docs/SPEC.md). */
#define LB_LAYOUT_LOADER_MIN_HASH (8u * 1024u)
#define LB_LAYOUT_LOADER_MIN_SIG (16u * 1024u)

/* Where a value came from in the YAML (1-based; 0 when defaulted). */
typedef struct {
    unsigned line, col;
} lb_layout_pos_t;

typedef struct {
    char name[LB_PTABLE_NAME_LEN];
    uint8_t type; /* lb_part_type_t */
    uint8_t slot; /* app slot 0/1, else LB_PTABLE_SLOT_NONE */
    uint32_t offset;
    uint32_t size;
    bool offset_given; /* false: auto-placed after the previous partition */
    bool size_rest;    /* size was `rest` */
    lb_layout_pos_t pos, name_pos, type_pos, offset_pos, size_pos;
} lb_layout_part_t;

/* An image's network: DHCP, or a static address (recovery.net, app.net). */
typedef struct {
    bool dhcp;
    char ip[16], netmask[16], gateway[16]; /* dotted quads; 0.0.0.0 with dhcp */
    char dns[16]; /* app.net.dns (static only): the DNS server, "" when none */
} lb_layout_net_t;

typedef struct {
    char file[LB_LAYOUT_PATH_MAX]; /* the YAML's path as given */
    char product[LB_LAYOUT_ID_MAX];
    char board[LB_LAYOUT_ID_MAX];

    lb_geom_t geom;
    uint32_t flash_base; /* memory-mapped address of offset 0 */

    unsigned part_count;
    lb_layout_part_t parts[LB_PTABLE_MAX_ENTRIES];

    struct {
        uint32_t strap_hold_ms;
        uint32_t trial_boots;
        uint32_t crash_limit;
        bool verify_signature;
        uint32_t crash_resets; /* bit (1u << lb_reset_cause_t) per cause that counts */
        uint32_t watchdog_ms;
        lb_layout_pos_t verify_pos;
    } boot;

    struct {
        lb_layout_net_t net;
        uint32_t port;
        uint32_t idle_timeout_s;
        char update_url[LB_LAYOUT_URL_MAX]; /* "" when absent */
        char auth_user[LB_LAYOUT_ID_MAX];
        char auth_realm[LB_LAYOUT_ID_MAX];
        char auth_ha1[65]; /* lower-case hex SHA-256("user:realm:password") */
    } recovery;

    struct {
        bool present;
        char path[LB_LAYOUT_PATH_MAX]; /* keys.signing_public as written ("" if absent) */
        lb_layout_pos_t pos;
        uint8_t hash[32]; /* SHA-256 of the DER SubjectPublicKeyInfo */
        uint8_t der[LB_LAYOUT_KEY_DER_MAX];
        size_t der_len;
    } key;

    struct {
        char name[LB_LAYOUT_ID_MAX];
        char version[LB_LAYOUT_ID_MAX]; /* as written, e.g. "1.0.0" */
        uint8_t major, minor;
        uint16_t revision;
        uint32_t build;
        char update_url[LB_LAYOUT_URL_MAX];
        uint32_t check_interval_s;
        uint32_t first_check_s; /* the first check this long after boot */
        lb_layout_net_t net;    /* the app's network (its update agent) */
        /* app.pin: the update server's key the app's https:// requests
         * insist on (a PEM public key or certificate, relative to the YAML);
         * loaded by lb_layout_load_pin as its DER SubjectPublicKeyInfo. */
        char pin_path[LB_LAYOUT_PATH_MAX];
        lb_layout_pos_t pin_pos;
        uint8_t pin[LB_LAYOUT_KEY_DER_MAX];
        size_t pin_len; /* 0: no pin (plain http:// only) */
    } app;

    struct {
        uint32_t address; /* 0: the runtime asks the board (lb_board_retained) */
        uint32_t size;
    } retained;
} lb_layout_t;

/* Parses and validates a layout held in memory; `file` names it in
 * messages and is stored in l->file. Every problem is added to `d` with its
 * location. Keys are not loaded (see lb_layout_load_key). Returns the number
 * of errors found (0: `l` is complete and valid). */
unsigned lb_layout_parse(lb_layout_t *l, const char *text, size_t len, const char *file,
                         lb_diag_t *d);

/* Loads the signing key: `override` (a PEM path from the command line) if
 * non-NULL, else keys.signing_public relative to the YAML file's folder.
 * Fills l->key and checks that `verify: signature` has a key. Returns the
 * number of errors added to `d`. */
unsigned lb_layout_load_key(lb_layout_t *l, const char *override, lb_diag_t *d);

/* Loads app.pin (when set) into l->app.pin: a PEM or DER public key, or a
 * PEM certificate whose key is taken; it must be ECDSA P-256 (the app's
 * TLS suite). Problems are added to `d` at app.pin. Returns the number of
 * errors (0 also when no pin is set). */
unsigned lb_layout_load_pin(lb_layout_t *l, lb_diag_t *d);

/* Reads the file at `path`, then lb_layout_parse, lb_layout_load_key and
 * lb_layout_load_pin.
 * `d` must have been initialised with lb_diag_init(d, path). Returns the
 * number of errors (0: valid). */
unsigned lb_layout_load(lb_layout_t *l, const char *path, const char *key_override, lb_diag_t *d);

/* Builds the binary table's in-memory form from a valid layout. */
void lb_layout_to_ptable(const lb_layout_t *l, lb_ptable_t *t);

/* True when an app built from `l` resolves host names (lwIP's DNS client
 * is compiled in): app.update_url names a host, or app.net gives a DNS
 * server (for manifests whose image urls or redirects name one). */
bool lb_layout_app_dns(const lb_layout_t *l);

/* Parses a size: decimal or 0x hex, optional suffix K or KiB (x1024),
 * M or MiB (x1048576). Returns 0 and stores it, or a negative code:
 * LB_E_INVAL (not a number / bad suffix, *why says which), LB_E_RANGE
 * (does not fit 32 bits). */
int lb_layout_parse_size(const char *s, uint32_t *out, const char **why);

#endif
