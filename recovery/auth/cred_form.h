/* The body of POST /api/credential: `user=NAME&ha1=HEX[&realm=NAME]`
 * (application/x-www-form-urlencoded, without any escapes: names are
 * printable ASCII without space, '"', '\', '&', '=', '%' or '+'). HA1 is
 * the lower- or upper-case hex SHA-256 of "user:realm:password", so the
 * password itself never travels. */
#ifndef LB_CRED_FORM_H
#define LB_CRED_FORM_H

#include <stddef.h>

#include "lb/credential.h"

/* Parses `len` untrusted bytes into *c (realm defaults to `realm_default`
 * when absent; c->seq is left 0). Returns 0, or LB_E_INVAL with *why set
 * to a one-line reason. */
int lb_cred_form_parse(const char *body, size_t len, const char *realm_default, lb_cred_t *c,
                       const char **why);

#endif
