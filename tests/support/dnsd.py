"""A DNS server for a test: answers A queries over UDP from a dict the test
owns (name -> dotted quad, changeable while it runs), NXDOMAIN for any
other name, and records every query. It binds 127.0.0.1:53, which a QEMU
guest reaches as 10.0.2.2:53 through user-mode networking (a guest cannot
be pointed at another port: DNS is port 53), so it needs that port free and
the right to bind it (root, as the suite's package installation does).

    with DnsServer({"updates.example.test": "10.0.2.2"}) as dns:
        dns.names["cdn.example.test"] = "10.0.2.2"
        dns.queries  # [(name, qtype), ...] in arrival order
"""
import socket
import struct
import threading

A, IN = 1, 1


def parse_name(msg, pos):
    """(name, position after it) of an uncompressed name at `pos`."""
    labels = []
    while True:
        n = msg[pos]
        if n == 0:
            return ".".join(labels), pos + 1
        if n & 0xC0:
            raise ValueError("compressed names do not occur in queries")
        labels.append(msg[pos + 1:pos + 1 + n].decode("ascii").lower())
        pos += 1 + n


class DnsServer:
    def __init__(self, names, host="127.0.0.1", port=53):
        self.names = dict(names)
        self.queries = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.sock.bind((host, port))
        except OSError as e:
            self.sock.close()
            raise RuntimeError(f"the test's DNS server cannot bind {host}:{port}/udp ({e}): "
                               "it must be free, and binding it needs root") from e
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                msg, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                self.sock.sendto(self.answer(msg), peer)
            except (ValueError, IndexError, struct.error):
                continue  # not a query we understand: no answer

    def answer(self, msg):
        qid, flags, qd = struct.unpack(">HHH", msg[:6])
        if flags & 0x8000 or qd != 1:
            raise ValueError("not a single question")
        name, end = parse_name(msg, 12)
        qtype, qclass = struct.unpack(">HH", msg[end:end + 4])
        self.queries.append((name, qtype))
        question = msg[12:end + 4]
        addr = self.names.get(name)
        rd = flags & 0x0100
        if addr is None or qtype != A or qclass != IN:
            rcode = 3 if addr is None else 0  # NXDOMAIN, or no record of that type
            return struct.pack(">HHHHHH", qid, 0x8400 | rd | rcode, 1, 0, 0, 0) + question
        rr = struct.pack(">HHHIH", 0xC00C, A, IN, 60, 4) + socket.inet_aton(addr)
        return struct.pack(">HHHHHH", qid, 0x8400 | rd, 1, 1, 0, 0) + question + rr

    def stop(self):
        self.running = False
        self.sock.close()
        self.thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
