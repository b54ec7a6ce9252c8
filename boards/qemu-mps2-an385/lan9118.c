/* qemu-mps2-an385: the SMSC LAN9118 at 0x40200000 as an lwIP netif
 * (lb/board_net.h), polled. Only documented registers are touched: QEMU
 * aborts on any other offset. Facts: design brief §10.
 *
 * Frames move through the 32-bit data FIFOs word by word, little-endian
 * (byte 0 of a frame is the low byte of the first word). The RX FIFO of the
 * emulation holds ~10 KiB and drops frames when full, which is why the
 * recovery image keeps TCP_WND at no more than 4 * TCP_MSS. */
#include <stdint.h>
#include <string.h>

#include "lb/board.h"
#include "lb/board_net.h"
#include "lb/err.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"

#define LAN_BASE 0x40200000u
#define LAN_REG(off) (*(volatile uint32_t *)(uintptr_t)(LAN_BASE + (off)))

#define RX_DATA LAN_REG(0x00u)
#define TX_DATA LAN_REG(0x20u)
#define RX_STATUS LAN_REG(0x40u)
#define BYTE_TEST LAN_REG(0x64u)
#define TX_CFG LAN_REG(0x70u)
#define HW_CFG LAN_REG(0x74u)
#define RX_FIFO_INF LAN_REG(0x7Cu)
#define PMT_CTRL LAN_REG(0x84u)
#define MAC_CSR_CMD LAN_REG(0xA4u)
#define MAC_CSR_DATA LAN_REG(0xA8u)

#define BYTE_TEST_VALUE 0x87654321u
#define HW_CFG_SRST 0x1u
#define PMT_CTRL_READY 0x1u
#define TX_CFG_TX_ON 0x2u
#define TX_CFG_TXSAO 0x4u /* let the TX status FIFO overrun: we never read it */
#define CSR_BUSY 0x80000000u
#define CSR_READ 0x40000000u
#define MAC_CR 1u
#define MAC_ADDRH 2u
#define MAC_ADDRL 3u
#define MAC_CR_RXEN 0x4u
#define MAC_CR_TXEN 0x8u
#define RXS_LEN(s) (((s) >> 16) & 0x3FFFu)
#define RXS_ERROR 0x8000u
#define TXA_FIRST 0x2000u
#define TXA_LAST 0x1000u

#define FCS_LEN 4u
#define FRAME_MAX 1514u /* without FCS */
#define RX_FRAMES_PER_POLL 8

/* Bounded wait: the emulation answers at once; real parts within µs. */
static int wait_clear(volatile uint32_t *reg, uint32_t mask, uint32_t want)
{
    for (uint32_t i = 0; i < 100000u; i++) {
        if ((*reg & mask) == want) {
            return 0;
        }
    }
    return LB_E_IO;
}

static int mac_write(uint32_t reg, uint32_t val)
{
    MAC_CSR_DATA = val;
    MAC_CSR_CMD = CSR_BUSY | reg;
    return wait_clear(&MAC_CSR_CMD, CSR_BUSY, 0);
}

static int mac_read(uint32_t reg, uint32_t *val)
{
    MAC_CSR_CMD = CSR_BUSY | CSR_READ | reg;
    int err = wait_clear(&MAC_CSR_CMD, CSR_BUSY, 0);
    *val = MAC_CSR_DATA;
    return err;
}

static err_t lan_output(struct netif *nif, struct pbuf *p)
{
    (void)nif;
    uint32_t len = p->tot_len;
    if (len > FRAME_MAX) {
        return ERR_BUF;
    }
    TX_DATA = TXA_FIRST | TXA_LAST | len;
    TX_DATA = len;
    uint32_t word = 0, n = 0;
    for (struct pbuf *q = p; q != NULL; q = q->next) {
        const uint8_t *b = q->payload;
        for (uint16_t i = 0; i < q->len; i++) {
            word |= (uint32_t)b[i] << (8u * n);
            if (++n == 4u) {
                TX_DATA = word;
                word = 0;
                n = 0;
            }
        }
    }
    if (n != 0) {
        TX_DATA = word;
    }
    return ERR_OK;
}

/* Discards `words` words of the current RX frame. */
static void rx_skip(uint32_t words)
{
    while (words-- > 0) {
        (void)RX_DATA;
    }
}

int lb_board_netif_poll(struct netif *nif)
{
    int handed = 0;
    for (int f = 0; f < RX_FRAMES_PER_POLL && ((RX_FIFO_INF >> 16) & 0xFFu) != 0; f++) {
        uint32_t st = RX_STATUS;
        uint32_t len = RXS_LEN(st);
        uint32_t words = (len + 3u) / 4u;
        if ((st & RXS_ERROR) != 0 || len <= FCS_LEN + 14u || len > FRAME_MAX + FCS_LEN) {
            rx_skip(words);
            continue;
        }
        uint32_t flen = len - FCS_LEN;
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)flen, PBUF_POOL);
        if (p == NULL) {
            rx_skip(words); /* out of buffers: TCP will resend */
            continue;
        }
        struct pbuf *q = p;
        uint32_t qoff = 0, got = 0;
        for (uint32_t w = 0; w < words; w++) {
            uint32_t v = RX_DATA;
            for (uint32_t k = 0; k < 4u && got < flen; k++, got++) {
                while (qoff == q->len) {
                    q = q->next;
                    qoff = 0;
                }
                ((uint8_t *)q->payload)[qoff++] = (uint8_t)(v >> (8u * k));
            }
        }
        if (nif->input(p, nif) != ERR_OK) {
            pbuf_free(p);
        } else {
            handed++;
        }
    }
    return handed;
}

int lb_board_netif_init(struct netif *nif)
{
    if (BYTE_TEST != BYTE_TEST_VALUE) {
        return LB_E_IO;
    }
    HW_CFG = HW_CFG_SRST;
    if (wait_clear(&HW_CFG, HW_CFG_SRST, 0) != 0 ||
        wait_clear(&PMT_CTRL, PMT_CTRL_READY, PMT_CTRL_READY) != 0) {
        return LB_E_IO;
    }
    uint32_t lo = 0, hi = 0;
    if (mac_read(MAC_ADDRL, &lo) != 0 || mac_read(MAC_ADDRH, &hi) != 0) {
        return LB_E_IO;
    }
    nif->hwaddr_len = 6;
    nif->hwaddr[0] = (uint8_t)lo;
    nif->hwaddr[1] = (uint8_t)(lo >> 8);
    nif->hwaddr[2] = (uint8_t)(lo >> 16);
    nif->hwaddr[3] = (uint8_t)(lo >> 24);
    nif->hwaddr[4] = (uint8_t)hi;
    nif->hwaddr[5] = (uint8_t)(hi >> 8);
    TX_CFG = TX_CFG_TX_ON | TX_CFG_TXSAO;
    if (mac_write(MAC_CR, MAC_CR_TXEN | MAC_CR_RXEN) != 0) {
        return LB_E_IO;
    }
    nif->name[0] = 'e';
    nif->name[1] = 'n';
    nif->mtu = 1500;
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    nif->output = etharp_output;
    nif->linkoutput = lan_output;
    return 0;
}
