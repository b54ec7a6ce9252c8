/* Normal builds: nothing to do before starting an image. The benchmark
 * build links jump_hook_bench.c instead. */
#include "qemu_board.h"

void lb_qemu_before_jump(uint32_t vtor)
{
    (void)vtor;
}
