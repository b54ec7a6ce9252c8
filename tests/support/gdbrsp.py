"""A minimal client of QEMU's GDB stub (the GDB remote serial protocol over
TCP): enough for a test to stop the guest at a function, read its argument
registers and decide whether to let it go on or to cut the power (kill -9
of QEMU) right there. Used by the torn-write tests (tests/qemu,
tests/recovery): the QEMU board programs every record in program units,
one host call (lb_qemu_flash_piece) each, so a kill between two of them
tears the record as a power cut can.

Every wait is bounded in time; the stub is QEMU's own (`-gdb tcp:...`)."""
import functools
import socket
import subprocess
import time


@functools.lru_cache(maxsize=None)
def symbol(elf, name):
    """Address of `name` in `elf` (Thumb bit cleared), from arm-none-eabi-nm."""
    out = subprocess.run(["arm-none-eabi-nm", elf], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] == name:
            return int(f[0], 16) & ~1
    raise AssertionError(f"{name} not in {elf}")


def _checksum(payload):
    return b"%02x" % (sum(payload) & 0xFF)


class Gdb:
    """One connection to a halted QEMU's GDB stub."""

    def __init__(self, port, timeout=20.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"no GDB stub on port {port}")
                time.sleep(0.05)
        self.buf = b""
        self.running = False  # halted at reset (-S) until resumed
        self.bps = set()
        self.last_stop = None  # registers at the previous stop (see cont)

    def close(self):
        self.sock.close()

    def _read(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("GDB stub: no answer in time")
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(4096)
        except socket.timeout:
            raise AssertionError("GDB stub: no answer in time")
        if not chunk:
            raise EOFError("GDB stub closed the connection (QEMU ended)")
        self.buf += chunk

    def _packet(self, deadline):
        """The next $...#xx packet's payload (acked); skips acks."""
        while True:
            self.buf = self.buf.lstrip(b"+")
            start = self.buf.find(b"$")
            end = self.buf.find(b"#", start + 1) if start >= 0 else -1
            if start >= 0 and end >= 0 and len(self.buf) >= end + 3:
                payload = self.buf[start + 1:end]
                self.buf = self.buf[end + 3:]
                self.sock.sendall(b"+")
                return payload.decode()
            self._read(deadline)

    def _send(self, payload):
        p = payload.encode()
        self.sock.sendall(b"$" + p + b"#" + _checksum(p))

    def cmd(self, payload, timeout=10.0):
        self._send(payload)
        return self._packet(time.monotonic() + timeout)

    def break_at(self, addr):
        """A breakpoint at a Thumb instruction (QEMU checks the PC, so it
        holds for code copied to RAM later, as the loader does with images)."""
        assert self.cmd("Z0,%x,2" % addr) == "OK"
        self.bps.add(addr)

    def resume(self):
        """Lets the guest run; wait() or interrupt() gets the stop. From a
        breakpoint of ours it first steps over it as GDB does (remove, step,
        insert): QEMU's stub would stop at it again at once."""
        pc = self.regs()[15]
        if pc in self.bps:
            assert self.cmd("z0,%x,2" % pc) == "OK"
            self._send("s")
            self.running = True
            self.wait()
            assert self.cmd("Z0,%x,2" % pc) == "OK"
        self._send("c")
        self.running = True

    def wait(self, timeout=30.0):
        """Waits for the running guest's next stop; returns the stop packet."""
        reply = self._packet(time.monotonic() + timeout)
        assert reply[:1] in ("T", "S"), reply
        self.running = False
        return reply

    def interrupt(self):
        """Halts the running guest (Ctrl-C), e.g. to set a breakpoint."""
        self.sock.sendall(b"\x03")
        return self.wait()

    def cont(self, timeout=30.0):
        """Runs the guest until its next stop; returns r0..r15 there. A stop
        with the very registers of the previous one is not a new stop: the
        step over a breakpoint entered an exception handler, which returned
        to it (nothing ran in between); the guest goes on."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.running:
                self.resume()
            self.wait(max(deadline - time.monotonic(), 0.001))
            regs = self.regs()
            if regs != self.last_stop:
                self.last_stop = regs
                return regs

    def regs(self):
        """Core registers r0..r15 (pc) as ints (QEMU's stub answers `g`,
        not `p`: 8 hex digits, little-endian, per register)."""
        g = self.cmd("g")
        return [int.from_bytes(bytes.fromhex(g[8 * i:8 * i + 8]), "little") for i in range(16)]

