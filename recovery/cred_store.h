/* Where the recovery image keeps its per-device credential: the layout's
 * data partition named `credential` (lb/credential.h, docs/recovery.md).
 * Layouts without one have only the credential compiled in from the YAML
 * (recovery.auth). */
#ifndef LB_RECOVERY_CRED_STORE_H
#define LB_RECOVERY_CRED_STORE_H

#include <stdbool.h>

#include "lb/credential.h"

/* Puts the credential in force into the auth module: the newest valid
 * record of the partition, else the layout's. Returns true when it is a
 * per-device one. */
bool lb_cred_store_apply(void);

/* Makes `c` the device's credential: stored first, then in force for the
 * next request. Returns 0, LB_E_UNSUPPORTED (the layout has no
 * `credential` partition) or a flash error (the previous one stays). */
int lb_cred_store_replace(lb_cred_t *c);

/* True when the credential in force came from the partition. */
bool lb_cred_store_is_device(void);

#endif
