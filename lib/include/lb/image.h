/* Signed images in the MCUboot format, with lifeboat's protected vendor
 * TLVs (kind, product). One parser/verifier for the loader, the recovery
 * image, apps, the host CLI and the tests. Format: docs/SPEC.md. */
#ifndef LB_IMAGE_H
#define LB_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LB_IMAGE_MAGIC 0x96f3b83du
#define LB_IMAGE_HEADER_SIZE 32u          /* the fixed header; ih_hdr_size may be larger */
#define LB_IMAGE_TLV_INFO_MAGIC 0x6907u
#define LB_IMAGE_TLV_PROT_INFO_MAGIC 0x6908u
#define LB_IMAGE_F_RAM_LOAD 0x20u

#define LB_IMAGE_TLV_KEYHASH 0x01u
#define LB_IMAGE_TLV_SHA256 0x10u
#define LB_IMAGE_TLV_ECDSA_SIG 0x22u
#define LB_IMAGE_TLV_SEC_CNT 0x50u
#define LB_IMAGE_TLV_KIND 0xA0u    /* protected, 1 byte: lb_image_kind_t */
#define LB_IMAGE_TLV_PRODUCT 0xA1u /* protected, UTF-8 product id, no NUL */

#define LB_IMAGE_PRODUCT_MAX 32u

typedef enum {
    LB_IMAGE_KIND_ANY = 0, /* policy only: accept either */
    LB_IMAGE_KIND_APP = 1,
    LB_IMAGE_KIND_RECOVERY = 2,
} lb_image_kind_t;

typedef struct {
    uint8_t major;
    uint8_t minor;
    uint16_t revision;
    uint32_t build;
} lb_image_version_t;

/* What an image must satisfy to be accepted. */
typedef struct {
    uint8_t kind;                /* lb_image_kind_t; ANY accepts both */
    const char *product;         /* required product id, or NULL for any */
    uint32_t min_security_counter;
    bool require_signature;      /* refuse images without a valid ECDSA_SIG */
    const uint8_t *key_der;      /* trusted public key, DER SubjectPublicKeyInfo */
    size_t key_der_len;          /* 0: no key (then require_signature fails) */
    uint32_t max_size;           /* whole image incl. TLVs must fit (the slot) */
} lb_image_policy_t;

/* What verification learned about an accepted image. */
typedef struct {
    uint32_t load_addr;
    uint32_t hdr_size;
    uint32_t img_size;        /* body bytes after the header */
    uint32_t flags;
    uint32_t total_size;      /* header + body + all TLV areas */
    lb_image_version_t version;
    uint32_t security_counter; /* 0 when absent */
    uint8_t kind;
    char product[LB_IMAGE_PRODUCT_MAX + 1];
    uint8_t hash[32];
    bool signature_ok;        /* a valid signature by the trusted key */
} lb_image_info_t;

/* Verifies a whole image held in memory (the bytes that will execute, for
 * RAM-loaded images). Returns 0 when every check of `policy` holds, else a
 * precise negative code: LB_E_MAGIC, LB_E_SIZE, LB_E_RANGE, LB_E_TLV,
 * LB_E_HASH, LB_E_KEY, LB_E_SIG, LB_E_UNSIGNED, LB_E_KIND, LB_E_PRODUCT,
 * LB_E_SECCNT. `info` may be NULL; it is filled as far as parsing got. */
int lb_image_verify(const uint8_t *image, size_t len, const lb_image_policy_t *policy,
                    lb_image_info_t *info);

/* Compares two versions like MCUboot (major, minor, revision; build
 * ignored). Returns <0, 0 or >0. */
int lb_image_version_cmp(const lb_image_version_t *a, const lb_image_version_t *b);

#endif
