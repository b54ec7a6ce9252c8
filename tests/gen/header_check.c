/* Compiled by tests/gen/run.py against each generated partitions.h and
 * ota_handler.h: proves the headers compile, that the embedded table blob
 * decodes with the loader's decoder and agrees with every macro, and that
 * the key hash is the SHA-256 of the embedded DER. Exit 0 when all hold. */
#include <stdio.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "lb/err.h"
#include "lb/ptable.h"
#include "ota_handler.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "header_check: %s:%d: %s\n", __FILE__, __LINE__, #cond);               \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static int failures;

static void role(const lb_ptable_t *t, uint8_t type, uint8_t slot, uint32_t off, uint32_t size)
{
    const lb_part_t *p = lb_ptable_find(t, type, slot);
    CHECK(p != NULL);
    if (p) {
        CHECK(p->offset == off);
        CHECK(p->size == size);
    }
}

int main(void)
{
    static const uint8_t blob[] = LB_PTABLE_BLOB_INIT;
    static const lb_geom_t geom = LB_FLASH_GEOM_INIT;
    lb_ptable_t t;
    CHECK(sizeof(blob) == LB_PTABLE_BLOB_SIZE);
    CHECK(lb_ptable_decode(&t, blob, sizeof(blob)) == LB_OK);
    CHECK(memcmp(&t.geom, &geom, sizeof(geom)) == 0);
    CHECK(geom.size == LB_FLASH_SIZE && geom.erased == LB_FLASH_ERASED);
    CHECK(geom.program_size == LB_FLASH_PROGRAM_SIZE);
    CHECK(t.count == LB_PART_COUNT);
    role(&t, LB_PART_LOADER, LB_PTABLE_SLOT_NONE, LB_LOADER_OFFSET, LB_LOADER_SIZE);
    role(&t, LB_PART_PTABLE, LB_PTABLE_SLOT_NONE, LB_PTABLE_OFFSET, LB_PTABLE_SIZE);
    role(&t, LB_PART_BOOTSTATE, LB_PTABLE_SLOT_NONE, LB_BOOTSTATE_OFFSET, LB_BOOTSTATE_SIZE);
    role(&t, LB_PART_RECOVERY, LB_PTABLE_SLOT_NONE, LB_RECOVERY_OFFSET, LB_RECOVERY_SIZE);
    role(&t, LB_PART_APP, 0, LB_OTA_SLOT0_OFFSET, LB_OTA_SLOT0_SIZE);
    CHECK(lb_ptable_slot_count(&t) == LB_SLOT_COUNT);
#if LB_SLOT_COUNT == 2
    role(&t, LB_PART_APP, 1, LB_OTA_SLOT1_OFFSET, LB_OTA_SLOT1_SIZE);
#endif
    CHECK(LB_PTABLE_BLOB_SIZE <= LB_PTABLE_SIZE);

    static const uint8_t hash[32] = LB_OTA_KEY_HASH_INIT;
    static const uint8_t der[] = LB_KEY_DER_INIT;
#if LB_KEY_PRESENT
    uint8_t h[32];
    CHECK(sizeof(der) == LB_KEY_DER_LEN);
    mbedtls_sha256_ret(der, sizeof(der), h, 0);
    CHECK(memcmp(h, hash, 32) == 0);
#else
    static const uint8_t zero[32];
    CHECK(LB_KEY_DER_LEN == 0 && sizeof(der) == 1);
    CHECK(memcmp(hash, zero, 32) == 0);
    CHECK(LB_BOOT_VERIFY_SIGNATURE == 0);
#endif
    CHECK(strlen(LB_RECOVERY_AUTH_HA1) == 64);
    CHECK(LB_OTA_APP_VERSION_MAJOR <= 255 && LB_OTA_CHECK_INTERVAL_S > 0);
    if (failures == 0) {
        printf("header_check: ok (%u partitions)\n", (unsigned)t.count);
    }
    return failures ? 1 : 0;
}
