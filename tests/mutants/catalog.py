"""The curated mutations of `make test-mutants` (tests/mutants/README.md).

Each entry breaks one behaviour on purpose with a literal edit of one file
(`find` must occur exactly once; it is replaced by `replace`), and names the
suite that must fail because of it (or a list: each must fail). A mutation that no suite catches is a
missing test, not an entry to drop.

Suites (run in a scratch copy of the tree, see run.py):
  unit:<module>        build/test/test_<module> (cmocka, ASan/UBSan)
  sweep:<case filter>  the power-cut sweep on the matching cases
  recovery:<file>[::k] pytest on tests/recovery/<file> (QEMU; builds the images)
  gen                  the generator suite (tests/gen/run.py: golden outputs, malformed corpus)
  fuzz:<name>          build/fuzz/bin/fuzz_<name> over its committed seed corpus, once each
  scripts:<file>[::k]  pytest on tests/scripts/<file> (deps.sh, make clean)
  image                make test-image (image interop with the oracle, CLI behaviour)
`fast` mutations also run inside `make test`, with their host-only suites.
"""

# Suites several mutations name.
HISTORY = "recovery:test_history.py::"
SECURE = "recovery:test_secure_boot.py::"
PULL = "recovery:test_pull.py::"
APULL = "recovery:test_app_pull.py::"
REFUSALS = "recovery:test_refusals.py::test_every_verifier_refusal_is_422_and_changes_nothing"
HARDENING = "recovery:test_hardening.py::"
SWEEP_REFUSED_SINGLE = "sweep:flow=refused layout=single verify=hash geom=uniform4k erased=FF"

MUTANTS = [
    dict(id="install-commit-first",
         why="the installer programs the image's first unit (the magic) as soon as it "
             "arrives, so a refused or cut install leaves a slot that verifies (the sweep: "
             "a refused image boots after a cut; QEMU: an untrusted-key image pushed to a "
             "recovery-only device boots after a power cycle)",
         file="lib/src/install.c",
         find="""            err = lb_flash_writer_skip(&ctx->w, ctx->head_len);
        }
    }""",
         replace="""            err = lb_flash_writer_skip(&ctx->w, ctx->head_len);
            if (err == 0) {
                err = lb_flash_area_program(&ctx->area, 0, ctx->head, ctx->head_len);
            }
        }
    }""",
         suite=["unit:install",
                SWEEP_REFUSED_SINGLE,
                "recovery:test_refusals.py::test_untrusted_key_on_recovery_only_device_never_boots"],
         fast=True),
    dict(id="install-commit-before-checks",
         why="the commit happens before the boot state records the slot: a cut in "
             "between leaves an accepted-looking slot the loader adopts without a trial",
         file="lib/src/install.c",
         find="""    if (err == 0) {
        err =
            lb_bootstate_install_done(ctx->log, ctx->slot, &info->version, info->security_counter);
    }
    if (err == 0) {
        /* The commit: from this program on the slot verifies. */
        err = lb_flash_area_program(&ctx->area, 0, ctx->head, ctx->head_len);""",
         replace="""    if (err == 0) {
        err = lb_flash_area_program(&ctx->area, 0, ctx->head, ctx->head_len);
    }
    if (err == 0) {
        err =
            lb_bootstate_install_done(ctx->log, ctx->slot, &info->version, info->security_counter);""",
         suite=SWEEP_REFUSED_SINGLE, fast=True),
    dict(id="install-no-trailing-check",
         why="bytes after the image's end inside the upload are written into the slot",
         file="lib/src/install.c",
         find="err = LB_E_TRAILING; /* the image ended inside this chunk */",
         replace="err = 0;",
         suite="unit:install", fast=True),
    dict(id="image-no-load-area",
         why="the verifier ignores the load area: an image the loader cannot place passes",
         file="lib/src/image.c",
         find="    if (p->load_size != 0) {",
         replace="    if (p->load_size != 0 && 0) {",
         suite="unit:image", fast=True),
    dict(id="image-load-area-size",
         why="the load area bounds only the load address, not the image's size",
         file="lib/src/image.c",
         find="""    if ((uint64_t)in->hdr_size + in->img_size + in->protect_tlv_size + LB_IMAGE_TLV_INFO_SIZE >
        c->room) {""",
         replace="""    if (0) {""",
         suite="unit:image", fast=True),
    dict(id="flash-skip-no-advance",
         why="the writer's skip does not move past the held-back unit: the image is "
             "written shifted",
         file="lib/src/flash.c",
         find="""    if (rc == LB_OK) {
        w->pos += len;
    }
    return rc;
}

int lb_flash_writer_write""",
         replace="""    return rc;
}

int lb_flash_writer_write""",
         suite="unit:flash", fast=True),
    dict(id="update-no-load-area",
         why="recovery's upload policy has no load area: an image the loader would "
             "refuse is installed over the older slot",
         file="lib/ota/update.c",
         find="    if (la.ram != NULL) {",
         replace="    if (la.ram == NULL) {",
         suite=REFUSALS),
    dict(id="update-flags-500",
         why="an image with unsupported header flags answers 500, not 422",
         file="lib/ota/update.c",
         find="    case LB_E_FLAGS:\n",
         replace="",
         suite=REFUSALS),
    dict(id="update-no-signature",
         why="recovery's upload policy does not require a signature: unsigned and "
             "wrong-key images are installed",
         file="lib/ota/update.c",
         find="    app_policy(&up.policy, st, slot, true);",
         replace="    app_policy(&up.policy, st, slot, false);",
         suite=[REFUSALS,
                SECURE + "test_upload_without_the_trusted_signature_is_refused_and_never_boots"]),
    dict(id="digest-nonce-window",
         why="only the last 8 nonces issued are honoured: a flood of challenges "
             "evicts a client's nonce before it answers",
         file="recovery/auth/digest.c",
         find="(int32_t)(s_auth.next_ctr - ctr) <= 0 ||",
         replace="(int32_t)(s_auth.next_ctr - ctr) <= 0 || s_auth.next_ctr - ctr > 8 ||",
         suite=["unit:digest",
                HARDENING + "test_challenge_flood_does_not_evict_a_clients_nonce"],
         fast=True),
    dict(id="digest-replay-allowed",
         why="a used nonce is accepted again (replay)",
         file="recovery/auth/digest.c",
         find="""        if (n->live && n->ctr == ctr) {
            return false; /* a replay */
        }""",
         replace="",
         suite="unit:digest", fast=True),
    dict(id="digest-no-global-ceiling",
         why="wrong guesses from many addresses are all evaluated (no device-wide ceiling)",
         file="recovery/auth/digest.c",
         find="    if (!guess_allowed(now_ms, &res->retry_after)) {",
         replace="    if (!guess_allowed(now_ms, &res->retry_after) && 0) {",
         suite="unit:digest", fast=True),
    dict(id="server-no-eviction",
         why="a client with a whole request head waits behind connections that "
             "trickle bytes",
         file="recovery/server.c",
         find="        if (c == NULL && ready != NULL) {",
         replace="        if (c == NULL && ready != NULL && 0) {",
         suite=HARDENING + "test_slow_clients_do_not_starve_the_device"),
    dict(id="server-no-head-deadline",
         why="a request head may take forever as long as a byte comes every 10 s",
         file="recovery/server.c",
         find="    bool too_slow = (mid_head && phase > LB_HTTP_HEAD_MS) || idle > LB_HTTP_STALL_MS;",
         replace="    bool too_slow = idle > LB_HTTP_STALL_MS;",
         suite=HARDENING + "test_slow_clients_do_not_starve_the_device"),
    dict(id="server-any-traffic-extends-stay",
         why="any received byte counts as activity: a polling page or an attacker "
             "keeps the device in recovery forever",
         file="recovery/server.c",
         find="""        c->last_ms = now_ms();
        in_recv = true;""",
         replace="""        c->last_ms = now_ms();
        last_activity = c->last_ms;
        in_recv = true;""",
         suite=HARDENING + "test_unauthenticated_traffic_does_not_hold_recovery"),
    dict(id="server-no-body-rate",
         why="a body may trickle forever as long as a byte comes every 10 s",
         file="recovery/server.c",
         find="        too_slow = too_slow || c->window_got < LB_HTTP_BODY_MIN_BYTES;",
         replace="",
         suite=HARDENING + "test_body_slower_than_the_minimum_rate_gets_408"),
    dict(id="server-waiters-full-refuse",
         why="with every waiting place taken by silent sockets, a new client is reset",
         file="recovery/server.c",
         find="    if (old != NULL) {\n        struct tcp_pcb *gone = old->pcb;",
         replace="    if (old != NULL && 0) {\n        struct tcp_pcb *gone = old->pcb;",
         suite=HARDENING + "test_idle_sockets_cannot_lock_the_door"),
    dict(id="server-busy-while-connected",
         why="any open connection counts as busy: held sockets keep recovery from its "
             "idle timeout",
         file="recovery/server.c",
         find="    return lb_update_active(NULL, NULL, NULL) || reboot_conn != NULL;",
         replace="    for (unsigned i = 0; i < LB_HTTP_CONN_MAX; i++) {\n"
                 "        if (conns[i].state != C_FREE) {\n"
                 "            return true;\n"
                 "        }\n"
                 "    }\n"
                 "    return lb_update_active(NULL, NULL, NULL) || reboot_conn != NULL;",
         suite=HARDENING + "test_unauthenticated_traffic_does_not_hold_recovery"),
    dict(id="digest-forget-used-nonce",
         why="when the used-nonce table overflows, the forgotten nonce can be replayed",
         file="recovery/auth/digest.c",
         find="        s_auth.min_ctr = slot->ctr + 1u;",
         replace="",
         suite="unit:digest", fast=True),
    dict(id="digest-no-nonce-ttl",
         why="a nonce is accepted however old it is",
         file="recovery/auth/digest.c",
         find="(int32_t)(now_ms - issued) < 0 || now_ms - issued > LB_AUTH_NONCE_TTL_MS) {",
         replace="(int32_t)(now_ms - issued) < 0) {",
         suite="unit:digest", fast=True),
    # ---- record logs, history, seed, sealed credential (issue 8, part 6)
    dict(id="rlog-erase-newest-unit",
         why="a full unit is recycled in place: the unit holding the newest record is "
             "erased, so a cut there loses every record (and the ring order breaks)",
         file="lib/src/rlog.c",
         find="        at = l->found ? l->unit_start + l->unit_size : 0;",
         replace="        at = l->found ? l->unit_start : 0;",
         suite=["unit:rlog", "unit:credential"], fast=True),
    dict(id="rlog-reprogram-torn-slot",
         why="a torn (programmed but invalid) slot counts as free and is programmed "
             "again: a NOR violation, a garbled record",
         file="lib/src/rlog.c",
         find="            used_end = off + l->slot;\n            if (rc == 1",
         replace="            if (rc == 1) {\n                used_end = off + l->slot;\n"
                 "            }\n            if (rc == 1",
         suite="unit:rlog", fast=True),
    dict(id="rlog-walk-from-unit-zero",
         why="the walk starts at the partition's first unit instead of the oldest: after "
             "a wrap entries come out of order (the history page shows the wrong newest)",
         file="lib/src/rlog.c",
         find="    uint32_t ustart = l->unit_start + l->unit_size;\n    uint32_t last = 0;",
         replace="    uint32_t ustart = l->unit_start + l->unit_size;\n    uint32_t last = 0;\n"
                 "    ustart = l->unit_start == 0 ? l->unit_size : 0;",
         suite="unit:rlog", fast=True),
    dict(id="history-reserved-ignored",
         why="a CRC-valid history record with reserved bits set is accepted",
         file="lib/src/history.c",
         find="memcmp(buf + O_RESERVED, zero, sizeof(zero)) != 0 ||",
         replace="(memcmp(buf + O_RESERVED, zero, sizeof(zero)) != 0 && 0) ||",
         suite="unit:history", fast=True),
    dict(id="history-any-event",
         why="history records with an event or source out of range are accepted",
         file="lib/src/history.c",
         find="    return e->event != 0 && e->event < LB_HIST_EVENT_COUNT && e->source < LB_HIST_SRC_COUNT;",
         replace="    return e != NULL;",
         suite="unit:history", fast=True),
    dict(id="seed-not-renewed",
         why="the stored seed is never renewed: every boot derives its key from the same "
             "stored seed (only the noise differs)",
         file="lib/src/seed.c",
         find="        lb_rlog_append(&l, buf) == LB_OK) {",
         replace="        0) {",
         suite=["unit:seed", HISTORY + "test_seed_renewed_every_boot_and_nonces_never_repeat"],
         fast=True),
    dict(id="seed-stored-ignored",
         why="the stored seed is not read: the secret comes from the noise alone, so a "
             "board without a noise source gets a predictable nonce key",
         file="lib/src/seed.c",
         find="        flags |= LB_SEED_F_STORED;\n",
         replace="        flags |= LB_SEED_F_STORED;\n        memset(seed, 0, sizeof(seed));\n",
         suite="unit:seed", fast=True),
    dict(id="seal-tag-unchecked",
         why="the sealed credential is opened without checking its tag: a forged or "
             "altered body replaces the owner's login",
         file="lib/src/credential.c",
         find="    if (rc == LB_OK && !lb_ct_equal(tag, in + LB_CRED_HA1_SIZE, sizeof(tag))) {",
         replace="    if (0) {",
         suite=["unit:credential",
                "recovery:test_recovery.py::test_credential_replaced_over_the_network"],
         fast=True),
    dict(id="seal-not-bound-to-nonce",
         why="the seal key ignores the request's nonce: a sealed body recorded once can "
             "be replayed with any later request",
         file="lib/src/credential.c",
         find="    rc |= lb_hmac_update(&h, nonce, strlen(nonce));",
         replace="    rc |= lb_hmac_update(&h, nonce, 0);",
         suite=["unit:credential",
                "recovery:test_recovery.py::test_credential_replaced_over_the_network"],
         fast=True),
    dict(id="cred-form-takes-ha1",
         why="the clear-text form is accepted again: a credential change leaks the new "
             "password equivalent",
         file="recovery/auth/cred_form.c",
         find='            return fail(why, "ha1 in the clear is refused; send sealed=");',
         replace="            bit = 4;\n            bad = 0;",
         suite="unit:cred_form", fast=True),
    dict(id="history-without-login",
         why="GET /api/history is served before authentication: anyone reads who updated "
             "what, from where",
         file="recovery/http/http.c",
         find='        {"/api/history", LB_HTTP_ROUTE_HISTORY, LB_HTTP_ROUTE_NONE, "GET, HEAD"},',
         replace='        {"/api/history", LB_HTTP_ROUTE_STATUS, LB_HTTP_ROUTE_NONE, "GET, HEAD"},',
         suite=HISTORY + "test_history_survives_power_cycles_and_needs_a_login"),
    dict(id="history-refusal-not-noted",
         why="a refused upload leaves no trace in the history",
         file="recovery/server.c",
         find="        lb_app_history_note(LB_HIST_REFUSED, LB_HIST_SRC_PUSH, c->client, err, "
              "LB_HIST_SLOT_NONE,\n                            info);",
         replace="",
         suite=HISTORY + "test_history_survives_power_cycles_and_needs_a_login"),
    dict(id="history-confirm-not-noted",
         why="the app runtime does not note that a trial image confirmed itself",
         file="app-template/runtime/lb_app.c",
         find="        lb_app_history_note(LB_HIST_CONFIRM, LB_HIST_SRC_DEVICE, 0, 0, "
              "bootinfo.slot, NULL);",
         replace="",
         suite=HISTORY + "test_history_survives_power_cycles_and_needs_a_login"),
    dict(id="history-rollback-not-noted",
         why="the app runtime does not note the loader's rollback",
         file="app-template/runtime/lb_app.c",
         find="        lb_app_history_note(LB_HIST_ROLLBACK, LB_HIST_SRC_DEVICE, 0, 0, "
              "bootinfo.slot, NULL);",
         replace="",
         suite=HISTORY + "test_history_records_a_rollback_and_pages_through_many"),
    dict(id="history-page-before-ignored",
         why="?before= is ignored: the CLI and the page never get past the first page",
         file="recovery/server.c",
         find="        c->before = query_before(p);",
         replace="        c->before = query_before(p) * 0u;",
         suite=HISTORY + "test_history_records_a_rollback_and_pages_through_many"),
    dict(id="mkflash-no-seed",
         why="mkflash leaves the seed partition erased: every device starts from the same "
             "(empty) seed",
         file="tools/lifeboat/cmd_mkflash.c",
         find="        .seed = seed,\n",
         replace="",
         suite=HISTORY + "test_seed_renewed_every_boot_and_nonces_never_repeat"),
    # ---- issue 13 rows at the level where the user meets them
    dict(id="loader-signature-not-required",
         why="boot.verify: signature accepts hash-only images (secure boot off)",
         file="loader/loader.c",
         find="            .require_signature = cfg->verify_signature,",
         replace="            .require_signature = false,",
         suite=SECURE + "test_signature_loader_boots_only_images_signed_by_its_key"),
    dict(id="loader-any-kind",
         why="the loader takes any image kind in any partition: a signed recovery image "
             "boots as the app",
         file="loader/loader.c",
         find="            .kind = idx == IMG_RECOVERY ? LB_IMAGE_KIND_RECOVERY : LB_IMAGE_KIND_APP,",
         replace="            .kind = LB_IMAGE_KIND_ANY,",
         suite=["unit:loader", SECURE + "test_signature_loader_refuses_a_kind_mismatch"],
         fast=True),
    dict(id="bootstate-no-reencode-check",
         why="a CRC-valid boot-state record with out-of-range fields or reserved bytes "
             "set is accepted",
         file="lib/src/bootstate.c",
         find="    return rc > 0 && memcmp(again, buf, sizeof again) == 0 ? LB_OK : LB_E_CORRUPT;",
         replace="    return rc > 0 ? LB_OK : LB_E_CORRUPT;",
         suite="unit:bootstate", fast=True),
    dict(id="loader-run-strap-any-reset",
         why="the loader run honours the strap after any reset (a software reset after "
             "an upload would drop back into recovery)",
         file="loader/loader.c",
         find="    bool strap = lb_loader_strap_counts((lb_reset_cause_t)bi->reset) &&\n"
              "                 lb_loader_strap_held(cfg->strap_hold_ms);",
         replace="    bool strap = lb_loader_strap_held(cfg->strap_hold_ms);",
         suite="unit:loader", fast=True),
    dict(id="loader-decide-strap-any-reset",
         why="the boot decision honours the strap after any reset",
         file="loader/loader.c",
         find="    if (in->strap && lb_loader_strap_counts(in->reset)) {",
         replace="    if (in->strap) {",
         suite="unit:loader", fast=True),
    dict(id="bootstate-commit-always-fails",
         why="every boot-state append fails: nothing the loader, recovery or an app decides "
             "is ever recorded",
         file="lib/src/bootstate.c",
         find="    s.seq = log->blank ? 1u : log->state.seq + 1u;",
         replace="    return LB_E_IO;\n    s.seq = log->blank ? 1u : log->state.seq + 1u;",
         suite=["unit:bootstate", "fuzz:bootstate"], fast=True),
    dict(id="gen-diag-no-location",
         why="the generator's diagnostics lose their line:col (a user cannot find the "
             "mistake in a long YAML)",
         file="tools/lifeboat/diag.c",
         find='            fprintf(f, "%s:%u:%u: %s\\n", d->file, e->line, e->col, e->msg);',
         replace='            fprintf(f, "%s: %s\\n", d->file, e->msg);',
         suite="gen", fast=True),
    dict(id="loader-bootinfo-wrong-slot",
         why="the boot info names another slot than the one that was loaded: the app "
             "confirms (or the recovery reports) the wrong slot",
         file="loader/loader.c",
         find="        bi->slot = chosen->slot;",
         replace="        bi->slot = chosen->slot == 0 ? 1u : chosen->slot;",
         suite="sweep:flow=install geom=uniform4k erased=FF", fast=True),
    dict(id="loader-jump-without-copy",
         why="the loader verifies the image in flash but does not leave it in the load "
             "area (a stale copy in RAM would run)",
         file="loader/loader.c",
         find="    rc = lb_image_stream_finish(&s, info);",
         replace="    rc = lb_image_stream_finish(&s, info);\n    memset(dst, 0, 64);",
         suite="sweep:flow=install geom=uniform4k erased=FF", fast=True),
    dict(id="loader-floor-zero",
         why="the loader's app policy has no anti-rollback floor: a downgraded image in "
             "a slot boots",
         file="loader/loader.c",
         find="            .min_security_counter = idx == IMG_RECOVERY ? 0 : cur->min_security_counter,",
         replace="            .min_security_counter = 0,",
         suite=["unit:loader",
                SECURE + "test_loader_refuses_a_downgrade_and_a_foreign_product_in_a_slot"],
         fast=True),
    dict(id="loader-any-product",
         why="the loader boots an image made for another product",
         file="loader/loader.c",
         find="            .product = cfg->product,",
         replace="            .product = NULL,",
         suite=["unit:loader",
                SECURE + "test_loader_refuses_a_downgrade_and_a_foreign_product_in_a_slot"],
         fast=True),
    dict(id="install-no-begin-record",
         why="the installer erases a slot without first taking its confirmation away in "
             "the boot state: a cut leaves a slot recorded confirmed that holds garbage",
         file="lib/src/install.c",
         find="        err = lb_bootstate_install_begin(log, slot);",
         replace="        err = 0;",
         suite="sweep:flow=second geom=uniform4k", fast=True),
    dict(id="deps-trusts-update-exit",
         why="deps.sh remembers an apt update that fetched nothing (offline): every later "
             "run skips the update and keeps failing",
         file="scripts/deps.sh",
         find='     compgen -G "$deps/apt/lists/*Sources*" > /dev/null; then',
         replace="     true; then",
         suite="scripts:test_deps.py", fast=True),
    dict(id="clean-removes-key",
         why="make clean deletes the development key: the next build signs with a new one "
             "every device refuses",
         file="Makefile",
         find="! -name deps ! -name keys -exec rm -rf {} +",
         replace="! -name deps -exec rm -rf {} +",
         suite="scripts:test_deps.py", fast=True),
    dict(id="cli-bad-value-names-the-value",
         why="a refused option value is reported under the value's name (`bad value for "
             "abc`) instead of the option's, without the form it takes",
         file="tools/lifeboat/cmd_image.c",
         find='    fprintf(stderr, "lifeboat %s: --%s: \'", cmd, name);',
         replace='    fprintf(stderr, "lifeboat %s: bad value for \'", cmd + 0 * (name != NULL));',
         suite="image", fast=True),
    dict(id="info-json-raw-bytes",
         why="info --json copies bytes that are not UTF-8 into the JSON: the document is "
             "no longer valid JSON",
         file="tools/lifeboat/cmd_image.c",
         find='            fputs("\\\\ufffd", f);\n            k = 1;',
         replace="            fputc(ch, f);\n            k = 1;",
         suite="image", fast=True),
    dict(id="text-raw-control-bytes",
         why="info and verify print an image's product bytes raw: an escape sequence in a "
             "product id reaches the user's terminal",
         file="tools/lifeboat/cmd_image.c",
         find="        if (k == 0 || (k == 1 && (s[i] < 0x20 || s[i] == 0x7F || s[i] == '\\\\'))) {",
         replace="        if (k == 0) {",
         suite="image", fast=True),
    dict(id="help-cmd-lists-everything",
         why="`lifeboat help sign` prints the command list instead of sign's options",
         file="tools/lifeboat/main.c",
         find='    if (strcmp(argv[1], "help") == 0 && argc == 3) {',
         replace='    if (strcmp(argv[1], "help") == 0 && argc == 3 && 0) {',
         suite="image", fast=True),
    dict(id="status-json-silent-when-unreachable",
         why="`status --json` prints nothing when the device cannot be reached: a script "
             "reading JSON gets no document",
         file="tools/lifeboat/cmd_push.c",
         find="        if (json) {\n            /* A JSON reader gets an answer too, not silence. */",
         replace="        if (json && 0) {\n            /* A JSON reader gets an answer too, not silence. */",
         suite="image", fast=True),
    dict(id="build-always-loud",
         why="the build prints every compiler command again: the quiet default is gone",
         file="mk/common.mk",
         find="else\nQ := @\nquiet = @printf",
         replace="else\nQ :=\nquiet = @printf",
         suite="scripts:test_build.py", fast=True),
    dict(id="gen-no-short-key",
         why="check no longer takes -k (the short form imgtool users type)",
         file="tools/lifeboat/cmd_gen.c",
         find='is_gen ? ":o:k:qh" : ":k:qh"',
         replace='is_gen ? ":o:k:qh" : ":qh"',
         suite="gen", fast=True),
    dict(id="usage-error-prints-whole-help",
         why="a usage error prints the whole help text again instead of one line and the "
             "synopsis",
         file="tools/lifeboat/cli.c",
         find='    size_t n = strcspn(usage, "\\n");',
         replace="    size_t n = strlen(usage);",
         suite="image", fast=True),
    dict(id="bearssl-bad-key-reported-as-bad-signature",
         why="the BearSSL backend calls a key whose point is off the curve a bad "
             "signature: it no longer answers as mbedTLS does (LB_E_KEY)",
         file="lib/src/sig/image_sig_bearssl.c",
         find="if (sum_of_products(x, point, u2, u1) != 1) {\n        return point_on_curve(point) ? LB_E_SIG : LB_E_KEY;",
         replace="if (sum_of_products(x, point, u2, u1) != 1) {\n        return LB_E_SIG;",
         suite="image", fast=True),
    dict(id="bearssl-accepts-v-above-r",
         why="the BearSSL backend's final comparison accepts whenever X.x mod n is not "
             "below r: forged signatures verify",
         file="lib/src/sig/image_sig_bearssl.c",
         find="return (borrow == 0 && br_i31_iszero(t1)) ? 0 : LB_E_SIG;",
         replace="return (borrow == 0 || br_i31_iszero(t1)) ? 0 : LB_E_SIG;",
         suite="image", fast=True),
    dict(id="bearssl-refuses-high-s",
         why="the BearSSL backend refuses an s in the upper half (as if it enforced "
             "low-S): images mbedTLS accepts would not boot",
         file="lib/src/sig/image_sig_bearssl.c",
         find="if (!ok || br_i31_iszero(r) || br_i31_iszero(s)) {",
         replace="if (!ok || br_i31_iszero(r) || br_i31_iszero(s) || (rs[32] & 0x80u)) {",
         suite=["fuzz:sig", "image"], fast=True),
    dict(id="bearssl-verifies-another-digest",
         why="the BearSSL backend checks the signature against a digest other than the "
             "image's: every signed image is refused",
         file="lib/src/sig/image_sig_bearssl.c",
         find="    reduce_once(e, hash, n);",
         replace="    reduce_once(e, hash == NULL ? hash : nm2, n);",
         suite=["unit:image_bearssl", "fuzz:sig"], fast=True),
    dict(id="bearssl-point-copy-overruns",
         why="the BearSSL backend hands BearSSL a scalar one byte longer than its buffer "
             "(BearSSL reads past it)",
         file="lib/src/sig/image_sig_bearssl.c",
         find="    p256_mul(P, k, LB_IMAGE_SIG_SCALAR_SIZE);",
         replace="    p256_mul(P, k, LB_IMAGE_SIG_SCALAR_SIZE + 1);",
         suite=["fuzz:image_bearssl", "unit:image_bearssl"], fast=True),
    dict(id="mbedtls-any-signature-verifies",
         why="the mbedTLS backend accepts a well-formed signature whatever ECDSA says: "
             "an image signed by another key that names the trusted key's hash verifies",
         file="lib/src/sig/image_sig_mbedtls.c",
         find="    if (mbedtls_ecdsa_verify(&grp, hash, 32, &q, &r, &s) == 0) {",
         replace="    if (mbedtls_ecdsa_verify(&grp, hash, 32, &q, &r, &s) <= 0) {",
         suite=["image", "fuzz:sig",
                SECURE + "test_signature_build_recovery_installs_only_trusted_uploads"],
         fast=True),
    dict(id="manifest-check-ignores-build",
         why="a fetched image whose build number differs from the manifest's entry is "
             "taken for the one the manifest offered",
         file="lib/src/image_version.c",
         find="a->revision == b->revision &&\n           a->build == b->build;",
         replace="a->revision == b->revision;",
         suite="unit:manifest", fast=True),
    dict(id="manifest-two-offers-for-one-kind",
         why="a manifest with two app entries is read (the last one wins) instead of "
             "refused as ambiguous",
         file="lib/src/manifest.c",
         find="        if (k != 0 && seen[k]) {",
         replace="        if (k != 0 && seen[k] && k == 0) {",
         suite="unit:manifest", fast=True),
    dict(id="manifest-url-unchecked",
         why="an entry's url may hold spaces, quotes and control characters",
         file="lib/src/manifest.c",
         find="        if (s[i] <= ' ' || s[i] > '~' || s[i] == '\"' || s[i] == '\\\\') {",
         replace="        if (s[i] == 0) {",
         suite="unit:manifest", fast=True),
    dict(id="json-string-runs-past-the-end",
         why="the JSON reader no longer stops a string at the terminating NUL: an "
             "unterminated string in a manifest reads past the buffer",
         file="lib/src/json.c",
         find="        if ((unsigned char)*p < 0x20) {",
         replace="        if ((unsigned char)*p < 0x20 && *p != '\\0') {",
         suite="fuzz:manifest", fast=True),
    dict(id="publish-accepts-unsigned",
         why="lifeboat publish offers an unsigned image to the fleet (every device would "
             "download and refuse it)",
         file="tools/lifeboat/cmd_publish.c",
         find="!im->info.has_signature     ?",
         replace="(im->info.has_signature && im->info.kind == 0xFF) ?",
         suite="image", fast=True),
    dict(id="pull-skips-the-manifest-check",
         why="self-heal activates an image the manifest entry does not describe (another "
             "build, size or hash than the one published)",
         file="lib/ota/agent.c",
         find="        lb_update_set_accept(accept_image, NULL);",
         replace="        (void)accept_image;",
         suite=PULL + "test_manifest_that_disagrees_with_its_image_is_refused_then_retried"),
    dict(id="pull-reinstalls-the-crashing-version",
         why="self-heal after a crash loop installs the very version that crash-looped "
             "(the device loops forever between it and recovery)",
         file="recovery/heal.c",
         find="        lb_pull_avoid_add(&av, avoid, NULL);",
         replace="        (void)av;",
         suite=PULL + "test_crash_looping_app_is_not_reinstalled_but_a_new_version_is"),
    dict(id="pull-avoid-ignores-the-list",
         why="a pulling device fetches versions it gave up on (the rolled-back one, a "
             "refused download) again and again",
         file="lib/src/pull.c",
         find="    if (avoided(avoid, &e->version, e->sha256)) {",
         replace="    if (avoided(avoid, &e->version, e->sha256) && e->size == 0) {",
         suite=["unit:pull", APULL + "test_app_rolls_back_a_hanging_update_and_never_fetches_it_again"],
         fast=True),
    dict(id="pull-avoid-refused-bytes-by-version",
         why="a refused download bars its whole version: a fixed file republished under "
             "the same version is never fetched",
         file="lib/src/pull.c",
         find="        if (!e->has_sha) {",
         replace="        if (true) {",
         suite="unit:pull", fast=True),
    dict(id="pull-offer-not-newer",
         why="the app fetches any offer, also the version it runs: it reinstalls itself "
             "at every check (a reboot loop through trial boots)",
         file="lib/src/pull.c",
         find="    if (running != NULL && lb_image_version_cmp(&e->version, running) <= 0) {",
         replace="    if (running != NULL && lb_image_version_cmp(&e->version, running) < 0) {",
         suite=["unit:pull", APULL + "test_app_pulls_a_newer_version_reboots_confirms_and_stops"],
         fast=True),
    dict(id="pull-backoff-not-capped-by-interval",
         why="a device whose server fails waits longer between checks than a working "
             "one (up to the 5-minute maximum whatever the interval)",
         file="lib/src/pull.c",
         find="        if (s->interval_ms != 0 && s->interval_ms < cap) {",
         replace="        if (s->interval_ms != 0 && s->interval_ms > cap) {",
         suite="unit:pull", fast=True),
    dict(id="pull-no-jitter",
         why="every device of a fleet checks at the same instant after a power cut",
         file="lib/src/pull.c",
         find="    uint32_t j = s->jitter_ms == 0 ? 0 : rnd % (s->jitter_ms + 1u);",
         replace="    uint32_t j = 0 * rnd;",
         suite="unit:pull", fast=True),
    dict(id="agent-refusal-not-remembered",
         why="the app downloads a refused (tampered) image again at every check",
         file="lib/ota/agent.c",
         find="        lb_pull_avoid_add(&ag.avoid, &ag.entry.version, ag.entry.sha256);",
         replace="        (void)0;",
         suite=APULL + "test_app_refuses_a_tampered_image_keeps_running_and_does_not_refetch"),
    dict(id="ota-rollback-not-avoided",
         why="the app fetches the version that was just rolled back, and rolls back again, "
             "forever",
         file="app-template/runtime/lb_ota.c",
         find="            if (i != bi->slot && s.slots[i].state == LB_SLOT_INVALID) {",
         replace="            if (i != bi->slot && s.slots[i].state == 99) {",
         suite=APULL + "test_app_rolls_back_a_hanging_update_and_never_fetches_it_again"),
    dict(id="ota-updates-before-confirmed",
         why="an image still on trial downloads an update over the slot holding the image "
             "to roll back to",
         file="app-template/runtime/lb_ota.c",
         find="    if (confirmed()) {\n        lb_agent_poll();",
         replace="    if (confirmed() || true) {\n        lb_agent_poll();",
         suite=APULL + "test_an_image_on_trial_never_updates_its_rollback_target_stays"),
    dict(id="agent-buffers-any-manifest-size",
         why="the app takes a manifest of any announced size into its heap (a hostile or "
             "broken server exhausts it) instead of refusing it from the head",
         file="lib/ota/agent.c",
         find="        if (ag.resp.length == 0 || ag.resp.length > LB_MANIFEST_MAX_SIZE) {",
         replace="        if (ag.resp.length == 0 || ag.resp.length > LB_MANIFEST_MAX_SIZE + 1000000u) {",
         suite=APULL + "test_app_keeps_running_on_a_bad_manifest"),
    dict(id="pull-when-a-person-holds-the-strap",
         why="recovery entered by the strap also fetches and installs the fleet's update, "
             "under the hands of the person who held it",
         file="recovery/main.c",
         find="    if (bi->reason == LB_BOOT_REASON_NO_VALID_APP) {",
         replace="    if (bi->reason == LB_BOOT_REASON_NO_VALID_APP || bi->reason == LB_BOOT_REASON_STRAP) {",
         suite=PULL + "test_strap_held_recovery_waits_for_a_person"),
    dict(id="http-resp-two-lengths",
         why="an answer with two different Content-Length headers is read (request "
             "smuggling's classic) instead of refused",
         file="lib/src/http_resp.c",
         find="|| (r->has_length && n != r->length)) {",
         replace=") {",
         suite="unit:http_resp", fast=True),
    dict(id="url-follows-other-schemes",
         why="a manifest's 'ftp:...' or 'file:...' url is taken for a relative path",
         file="lib/src/url.c",
         find="    if (k > 0 && ref[k] == ':') {",
         replace="    if (k > 0 && ref[k] == ':' && k > 64) {",
         suite="unit:url", fast=True),
    dict(id="verify-json-says-ok-on-refusal",
         why="verify --json reports a refused image as ok (scripts would ship it)",
         file="tools/lifeboat/cmd_image.c",
         find='fprintf(f, ", \\"ok\\": %s, \\"status\\": \\"%s\\", \\"kind\\": ", rc == 0 ? "true" : "false",',
         replace='fprintf(f, ", \\"ok\\": %s, \\"status\\": \\"%s\\", \\"kind\\": ", rc <= 0 ? "true" : "false",',
         suite="image", fast=True),
    dict(id="check-json-drops-locations",
         why="check --json gives every error line 0, column 0: editors cannot jump to it",
         file="tools/lifeboat/diag.c",
         find='i ? ", " : "", e->line,',
         replace='i ? ", " : "", 0u * e->line,',
         suite="image", fast=True),
    dict(id="push-json-ok-on-refusal",
         why="push --json calls any answer from the device a success (a 401 or 422 too)",
         file="tools/lifeboat/cmd_push.c",
         find="        bool ok = rc == 0 && resp.status >= 200 && resp.status <= 299;",
         replace="        bool ok = rc == 0;",
         suite="recovery:test_recovery.py::test_strap_push_trial_healthy_confirmed"),
    dict(id="credential-path-overruns-the-stack",
         why="the sealed credential change needs 1 KiB more stack than the reserve "
             "leaves (what a careless buffer in a deep path does)",
         file="recovery/server.c",
         find="    uint8_t sealed[LB_CRED_SEALED_SIZE];\n    const char *why = NULL;\n    c->state = C_HEAD;",
         replace="    uint8_t sealed[LB_CRED_SEALED_SIZE];\n    const char *why = NULL;\n"
                 "    volatile uint8_t deep[1024];\n    for (unsigned i = 0; i < sizeof deep; i++) {\n"
                 "        deep[i] = (uint8_t)i;\n    }\n    c->state = C_HEAD;",
         suite="recovery:test_history.py::test_credential_cli_seals_the_new_login"),
    dict(id="install-ignores-the-accept-hook",
         why="lib/install activates an image its installer's last check refused (a pulled "
             "image that disagrees with its manifest)",
         file="lib/src/install.c",
         find="    if (err == 0 && ctx->accept != NULL) {",
         replace="    if (err == 0 && ctx->accept != NULL && ctx->done == 0) {",
         suite=["unit:install", PULL + "test_manifest_that_disagrees_with_its_image_is_refused_then_retried"],
         fast=True),
    dict(id="sig-padding-not-checked",
         why="bytes after the DER signature are not required to be zero: a signature TLV "
             "with trailing garbage is accepted by both backends",
         file="lib/src/image_sig_der.c",
         find="        if (sig[i] != 0) {",
         replace="        if (sig[i] != sig[i]) {",
         suite="image", fast=True),
]
