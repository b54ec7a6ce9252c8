/* The recovery image: started by the loader when the strap is held, the
 * app asked for it, the app crash-loops or no app verifies. It says why it
 * was entered, brings up the network and serves authenticated OTA
 * (server.c, docs/recovery.md) until an image is installed, a client asks
 * it to leave, or nobody used it for the layout's idle timeout.
 *
 * Entered because the app crash-looped or none verifies, it also heals
 * itself from the layout's recovery.update_url (heal.c); entered by the
 * strap or on request, it waits for a person.
 *
 * Console: 'b' clears the crash counter and reboots (gives the app another
 * chance), 's' prints the boot state. Console lines are built with the
 * HTTP module's bounded writer: no printf in the image. */
#include <string.h>

#include "history.h"
#include "http/http.h"
#include "lb/board.h"
#include "lb/err.h"
#include "lb/seed.h"
#include "secret.h"
#include "lb_app.h"
#include "partitions.h"
#include "heal.h"
#include "server.h"
#include "stack.h"
#include "status.h"

/* "[recovery] " + the parts + "\n" on the console. */
static void say(const char *a, const char *b, const char *c)
{
    char line[96];
    lb_out_t o;
    lb_out_init(&o, line, sizeof(line));
    lb_out_str(&o, "[recovery] ");
    lb_out_str(&o, a);
    lb_out_str(&o, b ? b : "");
    lb_out_str(&o, c ? c : "");
    lb_out_str(&o, "\n");
    lb_board_console_write(line, o.len);
}

static void print_state(void)
{
    lb_bootstate_t s;
    int err = lb_app_bootstate(&s);
    if (err != LB_OK) {
        say("bootstate: ", lb_err_str(err), NULL);
        return;
    }
    for (unsigned i = 0; i < LB_SLOT_COUNT && i < LB_BOOTSTATE_SLOTS; i++) {
        const lb_bootstate_slot_t *sl = &s.slots[i];
        char v[48];
        lb_out_t o;
        lb_out_init(&o, v, sizeof(v));
        lb_out_str(&o, lb_slot_state_name(sl->state));
        lb_out_str(&o, " ");
        lb_out_version(&o, &sl->version, false);
        lb_out_str(&o, s.active_slot == i ? " (active)" : "");
        lb_out_mem(&o, "", 1);
        char name[] = "slot ?: ";
        name[5] = lb_app_slot_letter((uint8_t)i);
        say(name, o.overflow ? "?" : v, NULL);
    }
    char n[32];
    lb_out_t o;
    lb_out_init(&o, n, sizeof(n));
    lb_out_u32(&o, s.unhealthy);
    lb_out_str(&o, " boots=");
    lb_out_u32(&o, s.boot_count);
    lb_out_mem(&o, "", 1);
    say("unhealthy=", n, NULL);
}

/* Gives the app another chance: clears the crash counter, reboots. */
static void leave(const char *why)
{
    lb_bootstate_log_t log;
    int err =
        lb_bootstate_open(&log, lb_board_flash_geom(), LB_BOOTSTATE_OFFSET, LB_BOOTSTATE_SIZE);
    if (err == LB_OK) {
        err = lb_bootstate_clear_unhealthy(&log);
    }
    say("leaving: ", why, err == LB_OK ? "" : " (boot state not written)");
    lb_app_reboot();
}

/* Self-heal is for the device nobody is looking after: the app crash-loops
 * (then not with the version that did), none verifies, or a single-slot
 * app was offered an update it cannot write itself (then only a version
 * newer than it). A strap or a recovery request means a person is there. */
static void arm_self_heal(const lb_bootinfo_t *bi)
{
    if (bi == NULL) {
        return;
    }
    lb_bootstate_t s;
    bool known = lb_app_bootstate(&s) == LB_OK && s.active_slot < LB_BOOTSTATE_SLOTS;
    const lb_image_version_t *app = known ? &s.slots[s.active_slot].version : NULL;
    if (bi->reason == LB_BOOT_REASON_NO_VALID_APP) {
        lb_heal_start(NULL, NULL);
    } else if (bi->reason == LB_BOOT_REASON_CRASH_LOOP) {
        lb_heal_start(app, NULL);
    } else if (bi->reason == LB_BOOT_REASON_UPDATE && app != NULL) {
        lb_heal_start(NULL, app);
    }
}

int main(void)
{
    lb_stack_paint();
    int err = lb_app_init();
    static lb_bootinfo_t bi_rec;
    const lb_bootinfo_t *bi = lb_bootinfo_read(&bi_rec) == LB_OK ? &bi_rec : NULL;
    char why[64];
    lb_out_t o;
    lb_out_init(&o, why, sizeof(why));
    lb_out_str(&o, bi ? lb_boot_reason_name(bi->reason) : "unknown");
    lb_out_str(&o, " reset=");
    lb_out_str(&o, lb_reset_cause_name((uint8_t)lb_board_reset_cause()));
    lb_out_mem(&o, "", 1);
    say("reason=", why, NULL);
    if (err != LB_OK) {
        say("board init: ", lb_err_str(err), NULL);
    }
    print_state();
    lb_app_history_note(LB_HIST_RECOVERY, LB_HIST_SRC_DEVICE, 0, 0, LB_HIST_SLOT_NONE, NULL);
    uint8_t key[LB_SEED_SIZE];
    int ent = lb_ota_secret(bi, key); /* the nonce key */
    say("entropy: ", ent & LB_SEED_F_STORED ? "stored seed" : "no stored seed",
        ent & LB_SEED_F_NOISE ? " + board noise" : " (no board noise)");
    lb_status_set_entropy(ent);
    err = lb_server_start(key, sizeof(key));
    memset(key, 0, sizeof(key));
    if (err != LB_OK) {
        say("network: ", lb_err_str(err), NULL);
    }
    say("serving ('b' leaves, 's' shows the boot state)", NULL, NULL);
    if (err == LB_OK) {
        arm_self_heal(bi);
    }
    for (;;) {
        lb_board_watchdog_feed();
        if (err == LB_OK) {
            lb_server_poll();
            lb_heal_poll();
            if (lb_server_reboot_due() || lb_heal_installed()) {
                say("rebooting", NULL, NULL);
                lb_app_reboot();
            }
            /* idle_timeout_s 0: stay until told to leave. */
            if (LB_RECOVERY_IDLE_TIMEOUT_S != 0 && !lb_server_busy() && !lb_heal_busy() &&
                lb_board_millis() - lb_server_last_activity() >
                    LB_RECOVERY_IDLE_TIMEOUT_S * 1000u) {
                leave("idle timeout");
            }
        }
        int c = lb_board_console_getc();
        if (c == 'b') {
            leave("console");
        } else if (c == 's') {
            print_state();
        }
    }
}
