#include "mkflash_layout.h"

#include <stdio.h>
#include <string.h>

#include "lb/endian.h"
#include "lb/err.h"

int lb_mkflash_load_layout(const char *path, lb_ptable_t *t)
{
    uint8_t buf[LB_PTABLE_MAX_SIZE];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "lifeboat mkflash: cannot open %s\n", path);
        return -1;
    }
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    if (n >= 4 && lb_get_le32(buf) == LB_PTABLE_MAGIC) {
        int err = lb_ptable_decode(t, buf, n);
        if (err != LB_OK) {
            fprintf(stderr, "lifeboat mkflash: %s: bad partition table: %s\n", path,
                    lb_err_str(err));
            return -1;
        }
        return 0;
    }
    fprintf(stderr, "lifeboat mkflash: %s: not a partition table\n", path);
    return -1;
}
