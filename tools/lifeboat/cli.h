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

#include "lb/credential.h"

/* The first line of `file` (without its line end) into buf: how passwords
 * are read from --password-file. Returns 0, or -1 with "lifeboat CMD:
 * cannot read FILE" printed. */
int lb_cli_read_line(const char *cmd, const char *file, char *buf, size_t cap);

/* A credential for `user` in `realm` whose password is the first line of
 * `pw_file`: c->user, c->realm and c->ha1 = SHA-256(user:realm:password).
 * Returns 0, or -1 with a message prefixed "lifeboat CMD:" printed. */
int lb_cli_make_cred(const char *cmd, const char *user, const char *realm, const char *pw_file,
                     lb_cred_t *c);

#endif
