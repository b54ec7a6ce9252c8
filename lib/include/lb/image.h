/* Signed images in the MCUboot format, with lifeboat's protected vendor
 * TLVs (kind, product). One parser/verifier for the loader, the recovery
 * image, apps, the host CLI and the tests; one builder for the host CLI and
 * the tests. Every constant and field offset of the format is defined here,
 * once. Format: docs/SPEC.md.
 *
 * Layout of an image (all fields little-endian):
 *   [0, hdr_size)                  header (32 fixed bytes, then zero padding)
 *   [hdr_size, +img_size)          body
 *   [.., +protect_tlv_size)        protected TLV area (info magic 0x6908), hashed
 *   [.., +tlv_tot)                 TLV area (info magic 0x6907), not hashed
 * SHA256 (TLV 0x10) covers everything before the TLV area. */
#ifndef LB_IMAGE_H
#define LB_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LB_IMAGE_MAGIC 0x96f3b83du
#define LB_IMAGE_HEADER_SIZE 32u /* the fixed header; ih_hdr_size may be larger */
#define LB_IMAGE_TLV_INFO_MAGIC 0x6907u
#define LB_IMAGE_TLV_PROT_INFO_MAGIC 0x6908u
#define LB_IMAGE_TLV_INFO_SIZE 4u /* magic u16, tlv_tot u16 (tlv_tot counts these 4 bytes) */
#define LB_IMAGE_TLV_HDR_SIZE 4u  /* type u16, len u16, then len value bytes */

/* Header field offsets (struct image_header in MCUboot). */
#define LB_IMAGE_OFF_MAGIC 0u          /* u32 LB_IMAGE_MAGIC */
#define LB_IMAGE_OFF_LOAD_ADDR 4u      /* u32 */
#define LB_IMAGE_OFF_HDR_SIZE 8u       /* u16, >= LB_IMAGE_HEADER_SIZE */
#define LB_IMAGE_OFF_PROT_TLV_SIZE 10u /* u16, whole protected area incl. its info, or 0 */
#define LB_IMAGE_OFF_IMG_SIZE 12u      /* u32, body bytes */
#define LB_IMAGE_OFF_FLAGS 16u         /* u32 LB_IMAGE_F_* */
#define LB_IMAGE_OFF_VER_MAJOR 20u     /* u8 */
#define LB_IMAGE_OFF_VER_MINOR 21u     /* u8 */
#define LB_IMAGE_OFF_VER_REVISION 22u  /* u16 */
#define LB_IMAGE_OFF_VER_BUILD 24u     /* u32 */
#define LB_IMAGE_OFF_PAD 28u           /* u32, written 0 */

/* Header flags. Lifeboat boots plain images; encrypted or compressed ones
 * are refused with LB_E_FLAGS rather than executed as garbage. */
#define LB_IMAGE_F_PIC 0x01u
#define LB_IMAGE_F_ENCRYPTED_AES128 0x04u
#define LB_IMAGE_F_ENCRYPTED_AES256 0x08u
#define LB_IMAGE_F_NON_BOOTABLE 0x10u
#define LB_IMAGE_F_RAM_LOAD 0x20u
#define LB_IMAGE_F_ROM_FIXED 0x100u
/* lifeboat's compressed variant (docs/SPEC.md, "Compressed images"): the
 * body is a raw DEFLATE stream (RFC 1951) of a whole plain image, header to
 * last TLV, which the installer inflates into the slot. Accepted only
 * where the policy says so (installers), never by the loader: a slot holds
 * plain images. MCUboot's compression flags (0x200 LZMA1, 0x400 LZMA2,
 * 0x800 ARM filter) mean another codec and layout and stay refused. */
#define LB_IMAGE_F_DEFLATE 0x01000000u
#define LB_IMAGE_F_UNSUPPORTED                                                                     \
    (~(uint32_t)(LB_IMAGE_F_PIC | LB_IMAGE_F_NON_BOOTABLE | LB_IMAGE_F_RAM_LOAD |                  \
                 LB_IMAGE_F_ROM_FIXED))

/* TLV types lifeboat reads. Unprotected area: KEYHASH, SHA256, ECDSA_SIG
 * (others there are skipped). Protected area: SEC_CNT and vendor tags
 * >= 0xA0 (unknown ones skipped); any other tag below 0xA0 is refused. */
#define LB_IMAGE_TLV_KEYHASH 0x01u   /* 32 bytes: SHA-256 of the DER SubjectPublicKeyInfo */
#define LB_IMAGE_TLV_SHA256 0x10u    /* 32 bytes */
#define LB_IMAGE_TLV_ECDSA_SIG 0x22u /* DER ECDSA-Sig-Value, P-256, may be zero-padded */
#define LB_IMAGE_TLV_SEC_CNT 0x50u   /* protected, u32 */
#define LB_IMAGE_TLV_KIND 0xA0u      /* protected, 1 byte: lb_image_kind_t */
#define LB_IMAGE_TLV_PRODUCT 0xA1u   /* protected, UTF-8 product id, no NUL */
/* Protected, with LB_IMAGE_F_DEFLATE and only then (MCUboot's numbers for
 * its compressed images, the same meaning for what the body inflates to):
 * the inflated image's length (u32) and its SHA-256 (32 bytes). */
#define LB_IMAGE_TLV_DECOMP_SIZE 0x70u
#define LB_IMAGE_TLV_DECOMP_SHA 0x71u
#define LB_IMAGE_TLV_VENDOR_MIN 0xA0u

#define LB_IMAGE_HASH_SIZE 32u
#define LB_IMAGE_SIG_MAX 72u /* DER P-256 signature incl. imgtool's zero padding */
#define LB_IMAGE_PRODUCT_MAX 32u
/* DER SubjectPublicKeyInfo of an uncompressed P-256 key: the only key form
 * the verifier accepts. */
#define LB_IMAGE_KEY_DER_SIZE 91u

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
    uint8_t kind;        /* lb_image_kind_t; ANY accepts both and images without a kind */
    const char *product; /* required product id, or NULL for any */
    uint32_t min_security_counter;
    bool require_signature; /* check KEYHASH + ECDSA_SIG against key_der (else not read) */
    const uint8_t *key_der; /* trusted public key, DER SubjectPublicKeyInfo (P-256) */
    size_t key_der_len;     /* 0: no key (then require_signature fails with LB_E_KEY) */
    uint32_t max_size;      /* whole image incl. TLVs must fit (the slot); 0: only 32-bit */
    /* The board's load area (RAM-loaded boards): the image is copied whole
     * to its load address, so [load_addr, load_addr + total) must lie in
     * [load_base, load_base + load_size). load_size 0: not checked. */
    uint32_t load_base;
    uint32_t load_size;
    bool accept_deflate; /* LB_IMAGE_F_DEFLATE allowed (an installer inflates it) */
} lb_image_policy_t;

/* What verification learned about an image (as far as parsing got). */
typedef struct {
    uint32_t load_addr;
    uint32_t hdr_size;
    uint32_t img_size; /* body bytes after the header */
    uint32_t protect_tlv_size;
    uint32_t flags;
    uint32_t total_size; /* header + body + all TLV areas; 0 until known */
    lb_image_version_t version;
    uint32_t security_counter; /* 0 when absent */
    bool has_security_counter;
    uint8_t kind; /* 0 when absent */
    char product[LB_IMAGE_PRODUCT_MAX + 1];
    uint8_t hash[LB_IMAGE_HASH_SIZE]; /* computed SHA-256 over header+body+protected TLVs */
    /* SHA-256 of the whole image, header to the last TLV (what a manifest
     * names: docs/SPEC.md); known once the stream reached the image's end */
    uint8_t file_hash[LB_IMAGE_HASH_SIZE];
    /* LB_IMAGE_F_DEFLATE: the DECOMP_SIZE and DECOMP_SHA TLVs */
    uint32_t decomp_size;
    uint8_t decomp_hash[LB_IMAGE_HASH_SIZE];
    bool hash_ok;       /* the SHA256 TLV matched `hash` */
    bool has_signature; /* an ECDSA_SIG TLV was present */
    bool signature_ok;  /* a valid signature by the trusted key */
} lb_image_info_t;

/* Verifies a whole image held in memory (the bytes that will execute, for
 * RAM-loaded images). Bytes after the image's end (rest of a slot) are
 * ignored. Returns 0 when every check of `policy` holds, else a precise
 * negative code: LB_E_MAGIC (header magic), LB_E_SIZE (header size),
 * LB_E_FLAGS (encrypted/compressed flags), LB_E_RANGE (sizes wrap or
 * exceed policy->max_size), LB_E_LOADAREA (load address or size outside
 * the policy's load area), LB_E_TRUNCATED, LB_E_TLV (malformed TLV area or
 * entry), LB_E_TLVPLACE (TLV in the wrong area), LB_E_TLVUNKNOWN (unknown
 * protected TLV), LB_E_HASH, LB_E_UNSIGNED, LB_E_KEY, LB_E_SIG, LB_E_KIND,
 * LB_E_PRODUCT, LB_E_SECCNT, LB_E_UNSUPPORTED (a signature required from a
 * build without signature support). `info` may be NULL; it is filled as far as
 * parsing got. Built on the streaming verifier below: one code path. */
int lb_image_verify(const uint8_t *image, size_t len, const lb_image_policy_t *policy,
                    lb_image_info_t *info);

/* Streaming verifier: the same checks over an image that arrives in chunks
 * of any size (the recovery image verifies while it receives). No heap;
 * the context is caller-owned and opaque. */
#define LB_IMAGE_STREAM_CTX_SIZE 640u
typedef struct {
    union {
        uint64_t align;
        uint8_t bytes[LB_IMAGE_STREAM_CTX_SIZE];
    } opaque;
} lb_image_stream_t;

/* Called for every TLV the stream parses (protected area first), after its
 * length was bounds-checked. `value_off` is the value's offset in the image. */
typedef void (*lb_image_tlv_cb_t)(void *arg, bool protected_area, uint16_t type, uint16_t len,
                                  uint32_t value_off);

/* Starts a verification against `policy`, which must stay valid until
 * finish. Returns 0, or LB_E_INVAL for NULL arguments. */
int lb_image_stream_init(lb_image_stream_t *s, const lb_image_policy_t *policy);

/* Optional: reports every parsed TLV to `cb`. Returns 0 or LB_E_INVAL. */
int lb_image_stream_observe(lb_image_stream_t *s, lb_image_tlv_cb_t cb, void *arg);

/* Consumes the next `len` bytes. Structural checks (magic, sizes, TLV
 * framing and placement) fail as early as the bytes allow. Bytes after the
 * image's end are ignored. Returns 0, or the first error (sticky: every
 * later call returns it too). */
int lb_image_stream_update(lb_image_stream_t *s, const uint8_t *data, size_t len);

/* Returns the image's total size once the TLV area's info was read (the
 * number of bytes the stream needs), else 0. */
uint32_t lb_image_stream_total(const lb_image_stream_t *s);

/* Ends the verification: hash, key, signature, kind, product, security
 * counter. Returns 0 when everything holds, else the precise code (see
 * lb_image_verify; LB_E_TRUNCATED when the image was not complete). Fills
 * `info` (may be NULL) as far as parsing got. */
int lb_image_stream_finish(lb_image_stream_t *s, lb_image_info_t *info);

/* Compares two versions like MCUboot (major, minor, revision; build
 * ignored). Returns <0, 0 or >0. */
int lb_image_version_cmp(const lb_image_version_t *a, const lb_image_version_t *b);

/* True when a and b are the same version, build number included (what
 * tells one published image from another; lb_image_version_cmp orders
 * without the build, as MCUboot). */
bool lb_image_version_same(const lb_image_version_t *a, const lb_image_version_t *b);

/* Parses MAJOR[.MINOR[.REVISION]][+BUILD] (decimal; 0..255, 0..255,
 * 0..65535, 0..2^32-1; missing parts are 0), the form imgtool's --version
 * takes. Returns 0, or LB_E_INVAL for anything else (v then unchanged). */
int lb_image_version_parse(const char *s, lb_image_version_t *v);

/* "255.255.65535+4294967295" and its NUL: the longest version text. */
#define LB_IMAGE_VERSION_STR_MAX 25u

/* Writes v as "MAJOR.MINOR.REVISION+BUILD" (NUL-terminated) into out.
 * Returns the text's length. */
size_t lb_image_version_format(const lb_image_version_t *v, char out[LB_IMAGE_VERSION_STR_MAX]);
/* ---- Compressed images (LB_IMAGE_F_DEFLATE). ---- */

/* Whether the image a compressed one inflated to (`inner`, inner_len bytes
 * whose SHA-256 is inner_sha256) is the one the compressed image (`outer`)
 * names: DECOMP_SIZE bytes, nothing after the image's last TLV, DECOMP_SHA,
 * and the same load address, version (build included), kind, product and
 * security counter; itself plain. Returns 0, LB_E_SIZE, LB_E_HASH or
 * LB_E_MISMATCH. */
int lb_image_deflated_agrees(const lb_image_info_t *outer, const lb_image_info_t *inner,
                             const uint8_t inner_sha256[LB_IMAGE_HASH_SIZE], uint32_t inner_len);

/* Verifies a compressed image held in memory, inflates its body into out
 * (cap bytes: the slot) and verifies the image it inflates to, both under
 * `policy` (the compressed one with accept_deflate; the inflated one must be
 * plain), and that the two agree. A plain image is verified as is and not
 * copied (*inner_len 0). Returns 0 with *inner_len, or the first error:
 * lb_image_verify's, LB_E_FLAGS (not compressed where one is required:
 * none here), LB_E_RANGE (it inflates to more than cap), lb_inflate's
 * (LB_E_CORRUPT, LB_E_SIZE, LB_E_TRUNCATED, LB_E_TRAILING), or
 * lb_image_deflated_agrees's. outer/inner may be NULL. Not reentrant (the
 * inflater's state is static: host tools and tests). */
int lb_image_verify_deflated(const uint8_t *image, size_t len, const lb_image_policy_t *policy,
                             uint8_t *out, size_t cap, size_t *inner_len, lb_image_info_t *outer,
                             lb_image_info_t *inner);

/* ---- Building images (host CLI, tests). ---- */

/* Produces the DER signature of a SHA-256 digest into sig (capacity cap).
 * Returns the signature length (> 0), or a negative LB_E_* code. */
typedef int (*lb_image_sign_cb_t)(void *arg, const uint8_t hash[LB_IMAGE_HASH_SIZE], uint8_t *sig,
                                  size_t cap);

typedef struct {
    uint32_t load_addr;
    uint32_t hdr_size; /* 0: LB_IMAGE_HEADER_SIZE */
    uint32_t flags;
    lb_image_version_t version;
    bool has_security_counter;
    uint32_t security_counter;
    uint8_t kind;           /* 0: no KIND TLV */
    const char *product;    /* NULL: no PRODUCT TLV */
    const uint8_t *key_der; /* public key for KEYHASH; NULL: unsigned image */
    size_t key_der_len;
    lb_image_sign_cb_t sign; /* with key_der: makes the ECDSA_SIG TLV */
    void *sign_arg;
    /* Non-NULL: a compressed image (flags must hold LB_IMAGE_F_DEFLATE; the
     * body is the DEFLATE stream): DECOMP_SIZE and DECOMP_SHA TLVs. */
    const uint8_t *decomp_sha256;
    uint32_t decomp_size;
} lb_image_build_opts_t;

/* Writes the image for `body` into out (capacity cap): header, body,
 * protected TLVs (SEC_CNT, KIND, PRODUCT), SHA256, and with a key KEYHASH +
 * ECDSA_SIG. Returns the image length (> 0), or LB_E_INVAL (bad options),
 * LB_E_RANGE (a size does not fit its field), LB_E_NOSPACE (cap too small),
 * or the sign callback's error. */
int lb_image_build(const uint8_t *body, size_t body_len, const lb_image_build_opts_t *opts,
                   uint8_t *out, size_t cap);

/* Appends one TLV (type, len, value) at out[*off], bounded by cap, and
 * advances *off. Returns 0, LB_E_RANGE (len > 0xFFFF) or LB_E_NOSPACE. */
int lb_image_tlv_put(uint8_t *out, size_t cap, size_t *off, uint16_t type, const void *value,
                     size_t len);

/* Computes the SHA-256 of `len` bytes (the format's hash). Returns 0 or a
 * negative LB_E_* code. */
int lb_image_sha256(const uint8_t *data, size_t len, uint8_t out[LB_IMAGE_HASH_SIZE]);

#endif
