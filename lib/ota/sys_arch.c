/* lwIP's NO_SYS porting functions (every image that networks). */
#include <string.h>

#include "lb/board.h"
#include "lwip/arch.h"
#include "lwip/sys.h"
#include "net.h"

u32_t sys_now(void)
{
    return lb_board_millis();
}

/* xorshift32, seeded from the board clock and the caller's mix-in: good
 * enough for TCP initial sequence numbers and DHCP transaction ids (not a
 * security primitive; Digest nonces are keyed separately). */
static uint32_t rand_state = 0x2545F491u;

void lb_net_rand_mix(unsigned int v)
{
    rand_state ^= v + 0x9E3779B9u + (rand_state << 6) + (rand_state >> 2);
    if (rand_state == 0) {
        rand_state = 1;
    }
}

unsigned int lb_net_rand(void)
{
    rand_state ^= lb_board_millis();
    rand_state ^= rand_state << 13;
    rand_state ^= rand_state >> 17;
    rand_state ^= rand_state << 5;
    return rand_state;
}

void lb_net_diag(const char *msg)
{
    lb_board_console_write(msg, strlen(msg));
    lb_board_console_write("\n", 1);
}
