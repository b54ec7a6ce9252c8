"""Debian's nginx as a test's update server: serves one folder on a free
loopback port, started by the test and stopped by its PID. One process
(master_process off), everything under a scratch prefix, so it needs no
root and touches nothing of the system's nginx.

    with Nginx(folder) as web:
        web.url  # http://127.0.0.1:PORT/
        web.log()  # the access log so far (one line per request: nginx's
                   # combined format, then sni=<the TLS server name or ->
                   # and range=<the Range header or ->)

    Nginx(folder, tls=(cert, key)) serves https:// instead (PEM files).
    Server(folder, port) is one that a test restarts with other settings.
"""
import os
import socket
import subprocess
import tempfile
import time

NGINX = "/usr/sbin/nginx"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    def __init__(self, root, extra="", port=None, tls=None):
        self.root = os.path.abspath(root)
        self.tls = tls  # (certificate, key) PEM paths: https
        self.extra = extra  # more directives for the server block (TLS, ...)
        self.prefix = tempfile.mkdtemp(prefix="lb-nginx-")
        self.port = port or free_port()  # a port chosen earlier (built into a URL)
        self.proc = None

    @property
    def url(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/"

    def log(self):
        with open(os.path.join(self.prefix, "access.log")) as f:
            return f.read()

    def __enter__(self):
        conf = os.path.join(self.prefix, "nginx.conf")
        listen = f"listen 127.0.0.1:{self.port}"
        if self.tls:
            listen += (f" ssl;\n        ssl_certificate {os.path.abspath(self.tls[0])};"
                       f"\n        ssl_certificate_key {os.path.abspath(self.tls[1])}")
        with open(conf, "w") as f:
            f.write(f"""daemon off;
master_process off;
pid {self.prefix}/nginx.pid;
error_log {self.prefix}/error.log info;
events {{ worker_connections 64; }}
http {{
    types {{ application/json json; application/octet-stream bin; }}
    default_type application/octet-stream;
    log_format lb '$remote_addr - $remote_user [$time_local] "$request" $status '
                  '$body_bytes_sent "$http_referer" "$http_user_agent" '
                  'sni=$ssl_server_name range=$http_range';
    access_log {self.prefix}/access.log lb;
    client_body_temp_path {self.prefix}/body;
    proxy_temp_path {self.prefix}/proxy;
    fastcgi_temp_path {self.prefix}/fastcgi;
    uwsgi_temp_path {self.prefix}/uwsgi;
    scgi_temp_path {self.prefix}/scgi;
    server {{
        {listen};
        root {self.root};
        {self.extra}
    }}
}}
""")
        self.proc = subprocess.Popen([NGINX, "-p", self.prefix, "-c", conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx did not start: " + self.proc.stderr.read().decode())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise RuntimeError("nginx did not listen within 10 s")

    def __exit__(self, *exc):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc.stderr.close()
            self.proc = None


class Server:
    """nginx on one port, restartable with other settings (rate limits, a
    TLS certificate) or killed mid-transfer and started again, as a real
    server may be. log() is the running instance's access log."""

    def __init__(self, site, port, tls=None):
        self.site, self.port, self.web, self.tls = site, port, None, tls
        self.restart()

    def restart(self, extra="", tls=None):
        """Kills the running nginx (kill -9: transfers are cut) and starts
        a fresh one on the same port (https with `tls`, (cert, key), when
        given; else as before)."""
        self.stop()
        self.tls = tls or self.tls
        self.web = Nginx(self.site, extra=extra, port=self.port, tls=self.tls).__enter__()

    def stop(self):
        if self.web is not None:
            self.web.__exit__()
            self.web = None

    def log(self):
        return self.web.log()
