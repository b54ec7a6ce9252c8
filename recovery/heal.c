#include "heal.h"

#include <string.h>

#include "agent.h"
#include "lb/board.h"
#include "lb/config.h"
#include "lb_app.h"
#include "partitions.h"
#include "update.h"

/* Without a url nothing here is linked: every entry point tests this
 * compile-time constant first. */
#define HEAL_ON (sizeof LB_RECOVERY_UPDATE_URL > 1)

/* One console line, written in pieces (no line buffer on the stack: this
 * runs inside lwIP callbacks too). */
static void say(const char *a, const char *b)
{
    static const char head[] = "[recovery] self-heal: ";
    lb_board_console_write(head, sizeof head - 1);
    lb_board_console_write(a, strlen(a));
    if (b != NULL) {
        lb_board_console_write(b, strlen(b));
    }
    lb_board_console_write("\n", 1);
}

static void on_event(void *arg, const lb_agent_event_t *e)
{
    (void)arg;
    if (e->ev == LB_AGENT_EV_PROGRESS) {
        return;
    }
    unsigned slot = 0;
    if (e->ev == LB_AGENT_EV_END) {
        lb_update_active(&slot, NULL, NULL); /* the slot of the last install */
        lb_app_history_note(LB_HIST_INSTALL, LB_HIST_SRC_PULL, 0, 0, (uint8_t)slot, e->info);
    } else if (e->ev == LB_AGENT_EV_ERROR && e->refused) {
        lb_app_history_note(LB_HIST_REFUSED, LB_HIST_SRC_PULL, 0, e->err, LB_HIST_SLOT_NONE,
                            e->info);
    }
    say(e->text, e->detail);
}

void lb_heal_start(const lb_image_version_t *avoid, const lb_image_version_t *newer_than)
{
    if (!HEAL_ON) {
        return;
    }
    lb_agent_cfg_t cfg; /* copied by the agent */
    memset(&cfg, 0, sizeof cfg);
    cfg.url = LB_RECOVERY_UPDATE_URL;
    cfg.product = LB_LAYOUT_PRODUCT;
    cfg.user_agent = "lifeboat-recovery";
    cfg.first_ms = LB_PULL_FIRST_DELAY_MS;
    /* No periodic checks: an offer it cannot use is retried like a failure. */
    lb_pull_sched_init(&cfg.sched, 0, 0, LB_PULL_BACKOFF_MIN_MS, LB_PULL_BACKOFF_MAX_MS);
    cfg.cb = on_event;
    if (newer_than != NULL) {
        cfg.newer_only = true;
        cfg.running = *newer_than;
    }
    lb_pull_avoid_t av;
    lb_pull_avoid_init(&av);
    if (avoid != NULL) {
        lb_pull_avoid_add(&av, avoid, NULL);
    }
    if (lb_agent_start(&cfg, &av) != 0) {
        say("recovery.update_url unusable; off: ", LB_RECOVERY_UPDATE_URL);
        return;
    }
    say("armed: ", LB_RECOVERY_UPDATE_URL);
}

void lb_heal_poll(void)
{
    if (HEAL_ON) {
        lb_agent_poll();
    }
}

bool lb_heal_installed(void)
{
    return HEAL_ON && lb_agent_installed();
}

bool lb_heal_busy(void)
{
    return HEAL_ON && lb_agent_busy();
}
