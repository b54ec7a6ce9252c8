# Recovery networking (issue 5): the HTTP server, Digest authentication and
# their host tests/fuzzers. The firmware side (lwIP, the LAN9118 driver, the
# recovery app) is added further down as it lands.

# recovery/http and recovery/auth are portable C; the host tests and fuzz
# targets link them (the auth module hashes with libmbedcrypto on the host).
NET_HOST_SRCS := recovery/http/http.c recovery/auth/digest.c recovery/auth/cred_form.c
HOSTTEST_SRCS += $(NET_HOST_SRCS)
HOST_CPPFLAGS += -Irecovery
# The CLI's push/status answer Digest challenges with the same helpers.
$(B)/tools/lifeboat: $(B)/host/recovery/auth/digest.o

# ---- firmware: lwIP 2.1.3 (fetched into build/deps/lwip) + the recovery
# server. fw-qemu.mk adds RECOVERY_NET_SRCS to the recovery image and
# RECOVERY_NET_CPPFLAGS to its compile flags; the board's NIC driver comes
# with the board (QB_NET_SRCS).
LWIP_DIR := $(B)/deps/lwip/src
LWIP_SRCS := $(addprefix $(LWIP_DIR)/core/,init.c def.c inet_chksum.c ip.c mem.c memp.c netif.c \
  pbuf.c tcp.c tcp_in.c tcp_out.c timeouts.c udp.c) \
  $(addprefix $(LWIP_DIR)/core/ipv4/,dhcp.c etharp.c icmp.c ip4.c ip4_addr.c ip4_frag.c) \
  $(LWIP_DIR)/netif/ethernet.c
# lib/ota: what every image that updates the device links (tls.c only
# where https:// is built in: fw-qemu.mk's QB_APP_TLS) (the install path
# behind pushes and pulls, the network bring-up, the update agent, lwIP's
# port); each image brings its own lwipopts.h.
OTA_SRCS := $(filter-out lib/ota/tls.c,$(wildcard lib/ota/*.c))
OTA_CPPFLAGS := -Ilib/ota -I$(LWIP_DIR)/include
RECOVERY_NET_SRCS := $(LWIP_SRCS) $(NET_HOST_SRCS) $(OTA_SRCS)
# Recovery's self-heal resumes a download cut by a reset like the app's
# agent (LB_CFG_INSTALL_RESUME, lb/config.h's default); following redirects
# (LB_CFG_PULL_REDIRECT_MAX, ~400 B) and inflating compressed images
# (LB_CFG_INSTALL_DEFLATE) do not fit its 64 KiB.
RECOVERY_NET_CPPFLAGS := -Irecovery -Irecovery/net $(OTA_CPPFLAGS) -I$(B)/recovery \
  -DLB_CFG_PULL_REDIRECT_MAX=0 -DLB_CFG_INSTALL_DEFLATE=0
# Apps built on app-template: the update agent (app-template/runtime/lb_ota.c);
# lwIP's resolver compiles to nothing unless the layout needs it (LB_OTA_DNS).
APP_NET_SRCS := $(LWIP_SRCS) $(LWIP_DIR)/core/dns.c $(OTA_SRCS)
APP_NET_CPPFLAGS := -Iapp-template/runtime/net $(OTA_CPPFLAGS)
QB_NET_SRCS := boards/qemu-mps2-an385/lan9118.c

# The upload page, edited as recovery/page.html, compiled in gzip-compressed
# (as C byte initialisers; gzip -n: no name or time stamp, reproducible).
RECOVERY_PAGE_INC := $(B)/recovery/page.gz.inc
$(RECOVERY_PAGE_INC): recovery/page.html
	@mkdir -p $(@D)
	gzip -9 -n -c $< | od -An -tx1 -v | sed -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g' > $@

# Recovery end-to-end scenarios on QEMU (pytest, tests/recovery/README.md),
# including the page in headless Chromium; about 40 s.
.PHONY: test-recovery
test-recovery: tools qemu-images ## recovery OTA scenarios on QEMU (HTTP, Digest, uploads, kill -9, Chromium)
	@mkdir -p $(B)/test-results
	@/usr/bin/python3 -m pytest -p no:cacheprovider -q tests/recovery > $(B)/test-results/recovery.out 2>&1; \
	  rc=$$?; cat $(B)/test-results/recovery.out; \
	  tail -n 1 $(B)/test-results/recovery.out | awk -v rc=$$rc '{ p = 0; f = 0; \
	    for (i = 2; i <= NF; i++) { if ($$i ~ /^passed/) p = $$(i-1); if ($$i ~ /^(failed|error)/) f += $$(i-1) } \
	    if (rc != 0 && f == 0) f = 1; printf "%d passed, %d failed\n", p, f }' > $(B)/test-results/recovery.summary; \
	  cat $(B)/test-results/recovery.summary; exit $$rc
TEST_TARGETS += $(if $(filter $(BOARD),qemu-mps2-an385),test-recovery)
