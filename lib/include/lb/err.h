/* One error vocabulary for all of lifeboat: 0 is success, every failure is a
 * distinct negative code. Functions that can fail return int: 0 (or a
 * non-negative count where documented) on success, a negative LB_E_* code
 * otherwise. */
#ifndef LB_ERR_H
#define LB_ERR_H

enum {
    LB_OK = 0,
    LB_E_INVAL = -1,        /* invalid argument (caller bug or bad option) */
    LB_E_IO = -2,           /* the board could not read/program/erase */
    LB_E_CORRUPT = -3,      /* record fails its CRC or is internally inconsistent */
    LB_E_MAGIC = -4,        /* wrong magic number */
    LB_E_VERSION = -5,      /* unsupported format version */
    LB_E_RANGE = -6,        /* offset/length outside its area, or arithmetic wrap */
    LB_E_ALIGN = -7,        /* not aligned to program unit or erase region */
    LB_E_NOSPACE = -8,      /* no room left (buffer, log, slot) */
    LB_E_NOTFOUND = -9,     /* no such partition / record / entry */
    LB_E_NOTERASED = -10,   /* program of a unit that is not erased (NOR rule) */
    LB_E_POWER = -11,       /* simulated power cut (host board only) */
    LB_E_SIZE = -12,        /* image size field wrong or does not fit */
    LB_E_TLV = -13,         /* malformed TLV area */
    LB_E_HASH = -14,        /* image hash mismatch or missing */
    LB_E_KEY = -15,         /* key hash does not match the trusted key */
    LB_E_SIG = -16,         /* signature missing or invalid */
    LB_E_KIND = -17,        /* image kind (app/recovery) not what was expected */
    LB_E_PRODUCT = -18,     /* image is for another product */
    LB_E_SECCNT = -19,      /* security counter below the minimum (downgrade) */
    LB_E_UNSIGNED = -20,    /* signature required but image is unsigned */
    LB_E_BUSY = -21,        /* operation already in progress */
    LB_E_TIMEOUT = -22,     /* peer or device did not answer in time */
    LB_E_AUTH = -23,        /* authentication failed */
    LB_E_UNSUPPORTED = -24, /* valid request for a feature not built in */
    LB_E_STATE = -25,       /* operation not valid in the current state */
    LB_E_TRUNCATED = -26,   /* image ends before its declared size */
    LB_E_TLVPLACE = -27,    /* TLV in an area where it is not allowed (not covered/honoured) */
    LB_E_TLVUNKNOWN = -28,  /* unknown protected TLV below the vendor range */
    LB_E_FLAGS = -29,       /* image header flags this build cannot honour (encrypted, ...) */
    LB_E_LOADAREA = -30,    /* image's load address or size outside the board's load area */
    LB_E_TRAILING = -31,    /* bytes after the image's end where none may be (an upload) */
    LB_E_MISMATCH = -32,    /* two sources disagree (an update manifest and its image) */
    LB_E_CURRENT = -33,     /* an update offer is not newer than what runs */
    LB_E_SKIPPED = -34,     /* an update offer this device gave up on (rolled back, refused) */
    LB_E_LAST = -35
};

/* Returns a short, stable, lower-case description of an LB_E_* code
 * ("ok" for 0, "unknown error" for anything else). Never NULL. */
const char *lb_err_str(int err);

#endif
