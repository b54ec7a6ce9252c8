/* Shared declarations of the `lifeboat` CLI. */
#ifndef LB_CLI_H
#define LB_CLI_H

#define LB_CLI_EXIT_OK 0
#define LB_CLI_EXIT_FAIL 1
#define LB_CLI_EXIT_USAGE 2

#define LB_CMD(name, summary) int lb_cmd_##name(int argc, char **argv);
#include "commands.def"
#undef LB_CMD

#include <stddef.h>
#include <stdint.h>

#include "lb/credential.h"

/* A usage error: "lifeboat CMD: WHAT 'ARG'" (each part only when given),
 * then the first line of `usage` (the synopsis, without "lifeboat CMD")
 * and where the whole help is. Returns LB_CLI_EXIT_USAGE. Subcommands
 * parse with getopt_long, an optstring starting with ':' (so a missing
 * value is ':' and an unknown option '?') and opterr = 0 (main.c). */
int lb_cli_usage_hint(const char *cmd, const char *usage, const char *what, const char *arg);

/* getopt_long's ':' (a missing value) or '?' (an unknown option) as a
 * usage error naming argv[optind - 1]. Returns LB_CLI_EXIT_USAGE. */
int lb_cli_opt_error(const char *cmd, const char *usage, int c, char **argv);

/* The first line of `file` (without its line end) into buf: how passwords
 * are read from --password-file. Returns 0, or -1 with "lifeboat CMD:
 * cannot read FILE" printed. */
int lb_cli_read_line(const char *cmd, const char *file, char *buf, size_t cap);

/* The password of USER at URL when neither --password nor --password-file
 * gives it (push, status): LIFEBOAT_PASSWORD, else asked for on the
 * controlling terminal ("Password for USER at URL: ", typed without echo)
 * when standard input is one, read into buf (no line end). Returns it, or
 * NULL when there is neither (nothing printed then but the prompt). */
const char *lb_cli_password_ask(const char *user, const char *url, char *buf, size_t cap);

/* HA1 = SHA-256("user:realm:password"), binary (what the device stores and
 * the sealed credential change is keyed with). Returns 0 or -1. */
int lb_cli_ha1(const char *user, const char *realm, const char *password,
               uint8_t ha1[LB_CRED_HA1_SIZE]);

/* The largest file lb_cli_read_file reads (images, bodies). */
#define LB_CLI_MAX_FILE (64u * 1024u * 1024u)

/* Reads a whole file. Returns a malloc'd buffer (the caller frees it) with
 * *len set, or NULL with errno set (EFBIG above LB_CLI_MAX_FILE). */
uint8_t *lb_cli_read_file(const char *path, size_t *len);

/* A credential for `user` in `realm` whose password is the first line of
 * `pw_file`: c->user, c->realm and c->ha1 = SHA-256(user:realm:password).
 * Returns 0, or -1 with a message prefixed "lifeboat CMD:" printed. */
int lb_cli_make_cred(const char *cmd, const char *user, const char *realm, const char *pw_file,
                     lb_cred_t *c);

#endif
