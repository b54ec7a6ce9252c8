/* The body of POST /api/credential: `user=NAME&sealed=HEX[&realm=NAME]`
 * (application/x-www-form-urlencoded, without any escapes: names are
 * printable ASCII without space, '"', '\', '&', '=', '%' or '+'). HEX is
 * the 128 lower- or upper-case hex digits of the new HA1 sealed for this
 * request (lb_cred_seal, lb/credential.h): neither the password nor its
 * hash travels in the clear. A body with `ha1=` is refused. */
#ifndef LB_CRED_FORM_H
#define LB_CRED_FORM_H

#include <stddef.h>

#include "lb/credential.h"

/* Parses `len` untrusted bytes into *c and `sealed` (realm defaults to `realm_default`
 * when absent; c->seq is left 0). Returns 0, or LB_E_INVAL with *why set
 * to a one-line reason. */
int lb_cred_form_parse(const char *body, size_t len, const char *realm_default, lb_cred_t *c,
                       uint8_t sealed[LB_CRED_SEALED_SIZE], const char **why);

#endif
