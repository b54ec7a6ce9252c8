/* `lifeboat mkflash LAYOUT --loader X --recovery Y --app Z [--app-b W] -o OUT`:
 * assembles a whole flash image (see mkflash.h). LAYOUT is the layout YAML
 * or a binary partition table written by `lifeboat gen`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "auth/digest.h"
#include "cli.h"
#include "lb/err.h"
#include "lb/seed.h"
#include "mkflash.h"
#include "mkflash_layout.h"

#define MAX_INPUT (64u * 1024u * 1024u)

static void usage(FILE *f)
{
    fprintf(f, "usage: lifeboat mkflash LAYOUT --loader LOADER.bin [--recovery REC.signed.bin]\n"
               "         [--app APP.signed.bin] [--app-b APP.signed.bin]\n"
               "         [--new-b | --blank-state] -o FLASH.bin\n"
               "LAYOUT is the layout YAML or its binary partition table (ptable.bin).\n"
               "Writes a flash image of the layout's size: table, first boot-state record,\n"
               "loader, recovery and app slots; refuses inputs that do not fit, images of\n"
               "the wrong kind (recovery partition: recovery; app slots: app) and, with a\n"
               "YAML layout, images for another product.\n"
               "Boot state: by default the factory-programmed apps are confirmed (slot a\n"
               "active, or b when only b has an image), so recovery never overwrites them.\n"
               "--new-b: slot a confirmed and slot b new (installed, to be tried on the\n"
               "next boot). --blank-state: leave the boot state erased (the loader adopts\n"
               "the first slot that verifies).\n"
               "Per-device recovery credential (docs/recovery.md), written to the data\n"
               "partition named `credential`: --cred-user USER --cred-password-file FILE\n"
               "[--cred-realm REALM (default lifeboat)]. Only SHA-256(user:realm:password)\n"
               "is stored.\n"
               "Entropy seed: a layout with a data partition named `seed` gets 32 fresh\n"
               "random bytes from this host (getrandom) as its first record, different in\n"
               "every file made (lb/seed.h; the device renews it at every recovery boot).\n");
}

int lb_cli_read_line(const char *cmd, const char *file, char *buf, size_t cap)
{
    FILE *f = fopen(file, "r");
    if (f == NULL || fgets(buf, (int)cap, f) == NULL) {
        fprintf(stderr, "lifeboat %s: cannot read %s\n", cmd, file);
        if (f) {
            fclose(f);
        }
        return -1;
    }
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

int lb_cli_make_cred(const char *cmd, const char *user, const char *realm, const char *pw_file,
                     lb_cred_t *c)
{
    char pw[256];
    if (lb_cli_read_line(cmd, pw_file, pw, sizeof(pw)) != 0) {
        return -1;
    }
    memset(c, 0, sizeof(*c));
    if (!lb_cred_name_ok(user) || !lb_cred_name_ok(realm) || pw[0] == '\0') {
        fprintf(stderr,
                "lifeboat %s: user and realm are 1-%u printable characters without "
                "space, quote or backslash; the password is not empty\n",
                cmd, LB_CRED_NAME_MAX);
        return -1;
    }
    strcpy(c->user, user);
    strcpy(c->realm, realm);
    int rc = lb_cli_ha1(user, realm, pw, c->ha1);
    memset(pw, 0, sizeof(pw));
    return rc;
}

/* Reads a whole file into a malloc'd buffer. Returns 0 or -1 (message printed). */
static int slurp(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "lifeboat mkflash: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || cap >= MAX_INPUT) {
            break;
        }
        uint8_t *bigger = realloc(buf, cap * 2);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int bad = ferror(f) || buf == NULL || n >= MAX_INPUT;
    fclose(f);
    if (bad) {
        fprintf(stderr, "lifeboat mkflash: %s: cannot read (or larger than %u bytes)\n", path,
                MAX_INPUT);
        free(buf);
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}

static int write_atomic(const char *path, const uint8_t *data, size_t len)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        return -1;
    }
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        return -1;
    }
    int bad = fwrite(data, 1, len, f) != len;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        remove(tmp);
        return -1;
    }
    return 0;
}

int lb_cmd_mkflash(int argc, char **argv)
{
    const char *layout = NULL, *out = NULL;
    int state = LB_MKFLASH_STATE_FACTORY, state_opts = 0;
    const char *cred_user = NULL, *cred_pw = NULL, *cred_realm = "lifeboat";
    const char *paths[4] = {NULL, NULL, NULL, NULL}; /* loader, recovery, app, app-b */
    enum { O_NEW_B = 256, O_BLANK, O_CRED_USER, O_CRED_PW, O_CRED_REALM };
    static const struct option opts[] = {
        {"loader", required_argument, NULL, 0},
        {"recovery", required_argument, NULL, 1},
        {"app", required_argument, NULL, 2},
        {"app-b", required_argument, NULL, 3},
        {"new-b", no_argument, NULL, O_NEW_B},
        {"blank-state", no_argument, NULL, O_BLANK},
        {"cred-user", required_argument, NULL, O_CRED_USER},
        {"cred-password-file", required_argument, NULL, O_CRED_PW},
        {"cred-realm", required_argument, NULL, O_CRED_REALM},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char synopsis[] =
        "LAYOUT --loader LOADER.bin [--recovery ...] [--app ...] -o FLASH.bin";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (c) {
        case 0:
        case 1:
        case 2:
        case 3:
            paths[c] = optarg;
            break;
        case O_NEW_B:
            state = LB_MKFLASH_STATE_NEW_B;
            state_opts++;
            break;
        case O_BLANK:
            state = LB_MKFLASH_STATE_BLANK;
            state_opts++;
            break;
        case O_CRED_USER:
            cred_user = optarg;
            break;
        case O_CRED_PW:
            cred_pw = optarg;
            break;
        case O_CRED_REALM:
            cred_realm = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            usage(stdout);
            return LB_CLI_EXIT_OK;
        default:
            return lb_cli_opt_error("mkflash", synopsis, c, argv);
        }
    }
    if (optind < argc) {
        layout = argv[optind++];
    }
    if (optind < argc) {
        return lb_cli_usage_hint("mkflash", synopsis, "unexpected argument", argv[optind]);
    }
    const char *missing = layout == NULL     ? "missing LAYOUT"
                          : out == NULL      ? "missing -o FLASH.bin"
                          : paths[0] == NULL ? "missing --loader LOADER.bin"
                          : state_opts > 1   ? "--new-b and --blank-state exclude each other"
                          : (cred_user == NULL) != (cred_pw == NULL)
                              ? "--cred-user and --cred-password-file go together"
                              : NULL;
    if (missing != NULL) {
        return lb_cli_usage_hint("mkflash", synopsis, missing, NULL);
    }
    uint8_t seed[LB_SEED_SIZE];
    static lb_cred_t cred;
    if (cred_user != NULL &&
        lb_cli_make_cred("mkflash", cred_user, cred_realm, cred_pw, &cred) != 0) {
        return LB_CLI_EXIT_USAGE;
    }

    static lb_ptable_t table;
    char product[64];
    if (lb_mkflash_load_layout(layout, &table, product, sizeof(product)) != 0) {
        return LB_CLI_EXIT_FAIL;
    }
    if (paths[3] != NULL && lb_ptable_slot_count(&table) < 2) {
        fprintf(stderr, "lifeboat mkflash: %s has one app slot; --app-b not possible\n", layout);
        return LB_CLI_EXIT_FAIL;
    }

    uint8_t *bufs[4] = {NULL, NULL, NULL, NULL};
    size_t lens[4] = {0, 0, 0, 0};
    int rc = LB_CLI_EXIT_FAIL;
    uint8_t *image = NULL;
    for (int k = 0; k < 4; k++) {
        if (paths[k] != NULL && slurp(paths[k], &bufs[k], &lens[k]) != 0) {
            goto done;
        }
    }
    if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
        fprintf(stderr, "lifeboat mkflash: no random bytes from the host for the seed\n");
        goto done;
    }
    lb_mkflash_inputs_t in = {
        .loader = {bufs[0], lens[0]},
        .recovery = {bufs[1], lens[1]},
        .app = {{bufs[2], lens[2]}, {bufs[3], lens[3]}},
        .state = state,
        .cred = cred_user != NULL ? &cred : NULL,
        .seed = seed,
        .product = product,
    };
    image = malloc(table.geom.size);
    if (image == NULL) {
        fprintf(stderr, "lifeboat mkflash: out of memory\n");
        goto done;
    }
    lb_mkflash_err_t why;
    if (lb_mkflash_build(&table, &in, image, &why) != LB_OK) {
        fprintf(stderr, "lifeboat mkflash: %s\n", why.msg);
        goto done;
    }
    if (write_atomic(out, image, table.geom.size) != 0) {
        fprintf(stderr, "lifeboat mkflash: cannot write %s\n", out);
        goto done;
    }
    rc = LB_CLI_EXIT_OK;
done:
    for (int k = 0; k < 4; k++) {
        free(bufs[k]);
    }
    free(image);
    memset(seed, 0, sizeof(seed));
    return rc;
}
