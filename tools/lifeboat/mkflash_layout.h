/* Layout input of `lifeboat mkflash`: a layout YAML or a binary table. */
#ifndef LB_MKFLASH_LAYOUT_H
#define LB_MKFLASH_LAYOUT_H

#include <stddef.h>

#include "lb/ptable.h"

/* Loads the partition table described by `path` into `t`: a binary table
 * (starts with the table magic) is decoded and checked; anything else is
 * read as layout YAML. `product` (`cap` bytes) receives the YAML's product
 * id, or "" for a binary table (which carries none). Returns 0, or -1
 * after printing why to stderr. */
int lb_mkflash_load_layout(const char *path, lb_ptable_t *t, char *product, size_t cap);

#endif
