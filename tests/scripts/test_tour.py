"""README.md's five-minute tour, run as written: every command of its
fenced blocks, in order, from a fresh device (no flash file), in a
directory that looks like a clone (every top-level entry of the tree
linked in, build/ shared), so what the tour writes (keys/, out/, site/,
app.signed.bin) lands there and not in the tree. Output the README shows
is compared line for line; the interactive `make run`s are driven through
their console (the lines the tour promises, then Ctrl-A X). Steps depend
on each other and run in the README's order."""
import os
import re
import select
import signal
import socket
import subprocess
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FLASH = os.path.join(ROOT, "build", "qemu-mps2-an385", "flash.bin")
QUIT = b"\x01x"  # Ctrl-A X: QEMU's mux console quits


def tour():
    """{step number: (prose, [(lang, block text)])} of the tour section."""
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    start, end = text.index("## A five-minute tour"), text.index("\n## ", text.index(
        "## A five-minute tour") + 5)
    steps = {}
    for m in re.finditer(r"\*\*(\d)\. (.*?)(?=\*\*\d\. |\Z)", text[start:end], re.S):
        body = m.group(2)
        blocks = re.findall(r"```(\w+)\n(.*?)```", body, re.S)
        steps[int(m.group(1))] = (body, blocks)
    return steps


STEPS = tour()


def indented(prose):
    """The 4-space indented lines of a step's prose (the console it shows)."""
    return [l[4:] for l in prose.splitlines() if l.startswith("    ") and l.strip()]


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    d = tmp_path_factory.mktemp("clone")
    for name in os.listdir(ROOT):
        if name not in (".git",):
            os.symlink(os.path.join(ROOT, name), d / name)
    return str(d)


def sh(script, cwd, timeout=600):
    return subprocess.run(["bash", "-c", script], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


class Console:
    """A command that boots QEMU (make run ...), its console on a pipe."""

    def __init__(self, script, cwd):
        self.proc = subprocess.Popen(["bash", "-c", script], cwd=cwd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.out = b""

    def expect(self, pattern, timeout):
        """Waits for a console line matching `pattern` (a regex)."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern.encode())
        while not rx.search(self.out):
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise AssertionError(f"no /{pattern}/ within {timeout} s:\n" +
                                     self.out.decode(errors="replace")[-4000:])
            r, _, _ = select.select([self.proc.stdout], [], [], min(left, 1.0))
            if r:
                self.out += os.read(self.proc.stdout.fileno(), 65536)

    def text(self):
        return self.out.decode(errors="replace")

    def quit(self, timeout=30):
        """Ctrl-A X, as the README says; the script must then end by itself."""
        if self.proc.poll() is None:
            self.proc.stdin.write(QUIT)
            self.proc.stdin.flush()
        try:
            rest, _ = self.proc.communicate(timeout=timeout)
            self.out += rest or b""
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("Ctrl-A X did not end it:\n" + self.text()[-2000:])
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def port_free(port):
    """Whether a server could listen there (connections of a server that
    just stopped may linger in TIME_WAIT: make run's check allows that)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def commands(block):
    """The commands of a sh block: continuation lines joined; comment-only
    lines dropped."""
    joined = re.sub(r"\\\n\s*", " ", block)
    return [l for l in joined.splitlines() if l.strip() and not l.lstrip().startswith("#")]


def test_build_in_a_clone_names_no_path_of_it(clone):
    """What a build writes into build/ works from any checkout sharing it:
    the linker wrappers name the layout's fragments relative to the tree,
    not by the absolute path of the checkout that happened to build them
    (the tour's clone is deleted afterwards; make bench-recovery then failed
    with 'cannot open linker script file /tmp/.../clone0/...')."""
    wrap = os.path.join("build", "qemu-mps2-an385", "ld", "recovery.ld")
    if os.path.exists(os.path.join(ROOT, wrap)):
        os.remove(os.path.join(ROOT, wrap))
    r = sh(f"make -s {wrap}", clone, 300)
    assert r.returncode == 0, r.stdout + r.stderr
    with open(os.path.join(ROOT, wrap)) as f:
        text = f.read()
    assert clone not in text and "INCLUDE build/qemu-mps2-an385/layout/recovery.ld" in text, text


def test_tour_1_make_run_boots_a_fresh_device(clone):
    prose, blocks = STEPS[1]
    want = indented(prose)
    assert want[0].startswith("[lifeboat] boot image=app"), want
    if os.path.exists(FLASH):
        os.remove(FLASH)  # a fresh clone has none
    q = Console("make run", clone)
    try:
        for line in want:
            q.expect(re.escape(line), 600)
        assert q.quit() == 0, q.text()[-2000:]
    finally:
        q.kill()


def recovery(clone):
    assert port_free(8080), "port 8080 is taken: the tour's make run STRAP=1 needs it"
    q = Console("make run STRAP=1", clone)
    q.expect(r"\[lifeboat\] boot image=recovery", 120)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", 8080), timeout=2).close()
            r = sh("curl -s -m 5 http://127.0.0.1:8080/api/status", clone, 10)
            if r.returncode == 0 and r.stdout.startswith("{"):
                return q
        except OSError:
            pass
        assert time.monotonic() < deadline, q.text()
        time.sleep(0.5)


def test_tour_2_recovery_status_then_each_way_to_install(clone):
    prose, blocks = STEPS[2]
    sh_blocks = [b for lang, b in blocks if lang == "sh"]
    assert len(sh_blocks) == 2, blocks
    status, installs = sh_blocks
    alternatives = [commands(a) for a in re.split(r"(?m)^# or\n", installs)]
    assert len(alternatives) == 2, installs
    q = recovery(clone)
    try:
        for cmd in commands(status):
            r = sh(cmd, clone, 60)
            assert r.returncode == 0 and "demo-sensor" in r.stdout, (cmd, r.stdout, r.stderr)
        assert "history" in r.stdout.lower(), r.stdout  # the authenticated one shows it
        for i, alt in enumerate(alternatives):
            if i > 0:  # the install rebooted into the app: back to recovery, as it says
                assert q.quit() == 0
                q = recovery(clone)
            for cmd in alt:
                r = sh(cmd, clone, 120)
                assert r.returncode == 0, (cmd, r.stdout, r.stderr)
            q.expect(r"\[lifeboat\] boot image=app slot=[ab] reason=trial", 60)
            q.expect(r"\[app\] healthy: reported", 30)
        assert q.quit() == 0
    finally:
        q.kill()


def test_tour_3_layouts_as_shown(clone):
    prose, blocks = STEPS[3]
    (console,) = [b for lang, b in blocks if lang == "console"]
    for part in re.split(r"(?m)^\$ ", console)[1:]:
        cmd, *want = part.rstrip("\n").split("\n")
        r = sh(cmd, clone, 120)
        got = (r.stdout + r.stderr).rstrip("\n").split("\n") if (r.stdout + r.stderr) else []
        if want:
            assert got == want, (cmd, got)
        ok = 1 if want and want[-1].endswith("nothing written") else 0
        assert r.returncode == ok, (cmd, r.returncode, r.stdout, r.stderr)


def test_tour_4_keys_sign_verify_info_publish(clone):
    prose, blocks = STEPS[4]
    (block,) = [b for lang, b in blocks if lang == "sh"]
    r = sh("set -e\n" + block, clone, 120)
    assert r.returncode == 0, (r.stdout, r.stderr)
    for f in ("keys/dev.pem", "keys/dev.pub.pem", "app.signed.bin", "site/version.json",
              "site/app-1.2.3-4.bin"):
        assert os.path.isfile(os.path.join(clone, f)), f  # as the comments say
    assert oct(os.stat(os.path.join(clone, "keys/dev.pem")).st_mode & 0o777) == "0o600"


def test_tour_5_publish_and_watch_the_device_take_it(clone):
    prose, blocks = STEPS[5]
    (block,) = [b for lang, b in blocks if lang == "sh"]
    assert block.rstrip().endswith("make run"), block
    assert port_free(8000), "port 8000 is taken: the tour's update server needs it"
    m = re.search(r"Stop the server\s+with `([^`]+)`", prose)
    assert m, prose
    # The block as written, then the prose's way to stop the server.
    q = Console(block + m.group(1) + "\n", clone)
    try:
        q.expect(r"\[app\] update: downloading 1\.1\.0\+0 \(\d+ bytes\) while running", 120)
        q.expect(r"\[app\] update: 1\.1\.0\+0 verified and installed; rebooting into it", 60)
        q.expect(r"\[lifeboat\] boot image=app slot=[ab] reason=trial", 30)
        q.expect(r"\[app\] demo version 1\.1\.0", 10)
        q.expect(r"\[app\] healthy: reported", 30)
        q.expect(r"\[app\] update: up to date", 90)
        assert q.quit() == 0, q.text()[-2000:]
    finally:
        q.kill()
    assert port_free(8000), "the update server still runs after the tour's kill %1"
