"""QEMU scenarios of issue 4: the real boot ROM, loader, app and recovery
images on the emulated board, with the flash file as the device's whole
non-volatile memory. Each test builds its own flash file."""
import re

TRIAL_BOOTS = 3   # config/default.yaml boot.trial_boots
CRASH_LIMIT = 3   # config/default.yaml boot.crash_limit


def test_normal_boot(flash, qemu):
    q = qemu(flash())
    assert q.boot() == {"image": "app", "slot": "a", "reason": "normal", "reset": "power-on"}
    q.expect(r"\[app\] \S+ version 1\.0\.0")
    q.expect(r"\[app\] bootinfo: reason=normal slot=a reset=power-on")
    q.expect(r"\[app\] healthy: reported")


def test_strap_boots_recovery(flash, qemu):
    q = qemu(flash(), strap=True)
    assert q.boot() == {"image": "recovery", "slot": "-", "reason": "strap",
                        "reset": "power-on"}
    q.expect(r"\[recovery\] reason=strap reset=power-on")


def test_app_requests_recovery_then_leaves(flash, qemu):
    q = qemu(flash())
    q.expect(r"\[app\] healthy: reported")
    q.send("r")
    assert q.boot() == {"image": "recovery", "slot": "-", "reason": "requested",
                        "reset": "software"}
    q.expect(r"\[recovery\] reason=requested reset=software")
    q.expect(r"\[recovery\] serving")
    q.send("b")  # the request was one-shot: the app comes back
    assert q.boot() == {"image": "app", "slot": "a", "reason": "normal", "reset": "software"}


def test_software_reset_cause(flash, qemu):
    q = qemu(flash())
    q.expect(r"\[app\] healthy: reported")
    q.send("b")
    assert q.boot()["reset"] == "software"
    q.expect(r"\[app\] bootinfo: reason=normal slot=a reset=software")


def test_new_image_that_hangs_rolls_back(flash, qemu):
    """Slot b holds a just-installed image that hangs without feeding the
    watchdog: it gets its trial boots, each ended by the watchdog, then the
    loader rolls back to the confirmed slot a."""
    q = qemu(flash(app="app", app_b="app-hang", extra=["--new-b"]))
    first = q.boot()
    assert first == {"image": "app", "slot": "b", "reason": "trial", "reset": "power-on"}
    q.expect(r"\[app\] \S+ version 1\.1\.0")
    q.expect(r"hanging without feeding the watchdog")
    for _ in range(TRIAL_BOOTS - 1):
        assert q.boot(timeout=30) == {"image": "app", "slot": "b", "reason": "trial",
                                      "reset": "watchdog"}
    assert q.boot(timeout=30) == {"image": "app", "slot": "a", "reason": "rollback",
                                  "reset": "watchdog"}
    q.expect(r"\[app\] \S+ version 1\.0\.0")
    q.expect(r"\[app\] healthy: reported")
    q.send("s")
    q.expect(r"\[app\] slot b: invalid")


def test_new_image_that_works_is_confirmed(flash, qemu):
    q = qemu(flash(app="app", app_b="app-v2", extra=["--new-b"]))
    assert q.boot() == {"image": "app", "slot": "b", "reason": "trial", "reset": "power-on"}
    q.expect(r"\[app\] healthy: reported")
    q.send("b")
    assert q.boot() == {"image": "app", "slot": "b", "reason": "normal", "reset": "software"}
    q.expect(r"\[app\] \S+ version 1\.1\.0")


def test_confirmed_app_crash_loop_enters_recovery(flash, qemu):
    q = qemu(flash(app="app-fault"))
    first = q.boot()
    assert first["image"] == "app" and first["slot"] == "a"
    q.expect(r"test build: faulting")
    for _ in range(CRASH_LIMIT - 1):
        b = q.boot()
        assert b == {"image": "app", "slot": "a", "reason": "normal", "reset": "fault"}
    assert q.boot() == {"image": "recovery", "slot": "-", "reason": "crash-loop",
                        "reset": "fault"}
    q.expect(r"\[recovery\] reason=crash-loop reset=fault")


def corrupt_body(fl, part):
    off, _ = fl.part(part)
    body = off + 0x200 + 64  # inside the code, after the image header
    byte = fl.read(body, 1)
    fl.write(body, bytes([byte[0] ^ 0x5A]))


def test_corrupted_active_slot_rolls_back_to_other_slot(flash, qemu):
    """Both slots confirmed, b active; b's bytes go bad in flash: the loader
    refuses it (verification of the RAM copy) and boots a instead."""
    fl = flash(app="app", app_b="app-v2", extra=["--new-b"])
    q = qemu(fl)
    assert q.boot()["slot"] == "b"
    q.expect(r"\[app\] healthy: reported")
    q.kill()
    corrupt_body(fl, "SLOT1")
    q = qemu(fl)
    assert q.boot() == {"image": "app", "slot": "a", "reason": "rollback", "reset": "power-on"}
    q.expect(r"\[app\] \S+ version 1\.0\.0")


def test_factory_flash_with_corrupt_slot_a_boots_slot_b(flash, qemu):
    """Fresh (erased) boot state, slot a damaged: the loader adopts the
    slot that verifies."""
    fl = flash(app="app", app_b="app-v2", extra=["--blank-state"])
    corrupt_body(fl, "SLOT0")
    q = qemu(fl)
    b = q.boot()
    assert b["image"] == "app" and b["slot"] == "b", b
    q.expect(r"\[app\] \S+ version 1\.1\.0")


def test_corrupted_only_slot_boots_recovery(flash, qemu):
    fl = flash(app="app")
    corrupt_body(fl, "SLOT0")
    q = qemu(fl)
    assert q.boot() == {"image": "recovery", "slot": "-", "reason": "no-valid-app",
                        "reset": "power-on"}
    q.expect(r"\[recovery\] reason=no-valid-app")


def test_no_recovery_and_no_app_stays_in_loader(flash, qemu):
    fl = flash(app=None, recovery=None)
    q = qemu(fl)
    assert q.boot()["image"] == "none"


def test_missing_flash_file_names_it_and_stops(qemu, tmp_path):
    """The boot ROM cannot open the flash file: it says which file and ends
    QEMU with status 1 (no hang that needs Ctrl-A X)."""
    missing = str(tmp_path / "no-such-flash.bin")
    q = qemu(missing)
    q.expect(r"\[bootrom\] cannot open the flash file \(flash file: " + re.escape(missing)
             + r"\): stopping")
    assert q.proc.wait(timeout=10) == 1


# ---- power cuts inside a flash write (the board tears records, issue 13) ----

RECORD = 64  # lb/bootstate.h LB_BOOTSTATE_RECORD_SIZE
BOOTS_RE = r"\[app\] bootinfo: reason=normal slot=a reset=power-on .* boots=(\d+)"


def in_part(fl, name):
    off, size = fl.part(name)
    return lambda o, n: off <= o < off + size


def boot_count(q):
    """Boots once to a healthy slot a and returns the bootinfo's boot count;
    no note from the loader on the way (a failed record write is one)."""
    assert q.boot() == {"image": "app", "slot": "a", "reason": "normal", "reset": "power-on"}
    n = int(q.expect(BOOTS_RE).group(1))
    q.expect(r"\[app\] healthy: reported")
    assert "[lifeboat] note:" not in q.transcript(), q.transcript()
    q.kill()
    return n


def test_power_cut_inside_a_boot_record(fw, flash, qemu):
    """QEMU is killed while the loader programs its boot record, after k of
    its program units (the board writes a record one unit per host call and
    the test halts it there through QEMU's GDB stub, so the kill provably
    lands mid-record). The flash then holds that torn record; the next boot
    decides as if the cut boot never happened (its count is lost), records
    its own boot without a note (never over the torn bytes, which stay as
    the cut left them), and so does the one after."""
    fl = flash()
    unit = fw["layout"]["LB_FLASH_PROGRAM_SIZE"]
    erased = bytes([fw["layout"]["LB_FLASH_ERASED"]])
    pieces = RECORD // unit
    count = boot_count(qemu(fl))
    for k in (1, pieces // 2, pieces - 1):
        q = qemu(fl, gdb=True)
        start, n = q.run_to_piece(fw["loader-elf"], in_part(fl, "BOOTSTATE"))
        assert n == unit, n
        for i in range(1, k + 1):  # let k units through, halt before the next
            off, _ = q.run_to_piece(fw["loader-elf"], lambda o, n: True)
            assert off == start + i * unit, (i, hex(off))
        q.kill()
        torn = fl.read(start, RECORD)
        assert torn[k * unit:] == erased * (RECORD - k * unit), torn.hex()
        assert torn[:k * unit] != erased * (k * unit), torn.hex()
        assert boot_count(qemu(fl)) == count + 1, k
        assert boot_count(qemu(fl)) == count + 2, k
        count += 2
        assert fl.read(start, RECORD) == torn


def test_power_cut_between_compaction_erase_and_snapshot(fw, flash, qemu):
    """The boot state's first unit is full (the factory record copied into
    every slot), so the next boot's record is a compaction: the other unit
    is erased, then the snapshot is programmed there. QEMU is killed after
    that erase, before the snapshot's first unit, and once halfway through
    it: the full unit is untouched, and the next boot decides from its
    newest record (its count goes on from there), compacting again."""
    unit = fw["layout"]["LB_FLASH_PROGRAM_SIZE"]
    erased = bytes([fw["layout"]["LB_FLASH_ERASED"]])
    for k in (0, RECORD // unit // 2):
        fl = flash()
        bs, size = fl.part("BOOTSTATE")
        half = size // 2  # two 4 KiB units (config/default.yaml)
        rec = fl.read(bs, RECORD)
        for i in range(1, half // RECORD - 1):
            fl.write(bs + i * RECORD, rec)
        count = boot_count(qemu(fl))  # the unit's last free slot
        full = fl.read(bs, half)
        q = qemu(fl, gdb=True)
        start, _ = q.run_to_piece(fw["loader-elf"], in_part(fl, "BOOTSTATE"))
        assert start == bs + half, hex(start)  # the compaction target, erased
        assert fl.read(bs + half, half) == erased * half
        for i in range(1, k + 1):
            off, _ = q.run_to_piece(fw["loader-elf"], lambda o, n: True)
            assert off == start + i * unit
        q.kill()
        assert fl.read(bs, half) == full
        assert boot_count(qemu(fl)) == count + 1, k
        assert boot_count(qemu(fl)) == count + 2, k


def test_power_cut_at_each_boot_state_write_of_a_trial(fw, flash, qemu):
    """A new image in slot b boots on trial: the loader records the trial
    boot, then the app, once healthy, records its confirmation. QEMU is
    killed inside each of those records (halfway through its program units,
    halted there through the GDB stub), just before the app's first unit,
    and after the app reported healthy. Every cut implies the next boot:
    a torn trial record is as if that boot never happened (trial again,
    reset power-on), a torn or missing confirmation leaves the trial counted
    (trial again, then confirmed), and after the report slot b runs
    confirmed. Never recovery, never slot a's rollback."""
    unit = fw["layout"]["LB_FLASH_PROGRAM_SIZE"]
    half = RECORD // unit // 2
    trial = {"image": "app", "slot": "b", "reason": "trial", "reset": "power-on"}
    normal = {"image": "app", "slot": "b", "reason": "normal", "reset": "power-on"}
    cuts = [("loader", fw["loader-elf"], half, [trial, normal]),
            ("app", fw["app-v2-elf"], half, [trial, normal]),
            ("app", fw["app-v2-elf"], 0, [trial, normal]),
            ("healthy", None, 0, [normal, normal])]
    for who, elf, k, then in cuts:
        fl = flash(app="app", app_b="app-v2", extra=["--new-b"])
        if elf is None:
            q = qemu(fl)
            assert q.boot() == trial
            q.expect(r"\[app\] healthy: reported")
        else:
            q = qemu(fl, gdb=True)
            q.arm(fw["loader-elf"])  # passed over when the app's write is wanted
            start, _ = q.run_to_piece(elf, in_part(fl, "BOOTSTATE"))
            for i in range(1, k + 1):
                off, _ = q.run_to_piece(elf, lambda o, n: True)
                assert off == start + i * unit, (who, i, hex(off))
            if who == "app":
                assert "[lifeboat] boot image=app slot=b reason=trial" in q.transcript()
        q.kill()
        for want in then:
            q = qemu(fl)
            assert q.boot() == want, (who, k, q.transcript())
            q.expect(r"\[app\] \S+ version 1\.1\.0")
            q.expect(r"\[app\] healthy: reported")
            q.kill()
