"""The production path on 127.0.0.1: nginx in front of two gunicorn app servers, each
started and stopped by its own PID. `make bench` starts it; `make serve` can too.

The nginx configuration here is the least that path needs (static files from
collectstatic's folder with long max-age, a proxy to both app servers with X-Forwarded-*),
written into a temporary folder for the run.
"""

import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.servers import BASE_DIR, Gunicorn, binary, wait_until

NGINX_CONF = """\
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    include {mime_types};
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream glossary {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location /static/ {{
            alias {static}/;
            # Hashed names (collectstatic): a new file is a new name.
            expires max;
            add_header Cache-Control "public, immutable";
        }}
        location / {{
            proxy_pass http://glossary;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
        }}
    }}
}}
"""


class Nginx:
    """nginx on `port`, proxying to the app servers at `upstreams` (ports)."""

    def __init__(self, port, upstreams):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.upstreams = upstreams
        self.process = None

    def start(self):
        nginx = binary("nginx")
        # Its readiness check would otherwise pass on whatever already answers there.
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                raise RuntimeError(f"port {self.port} is taken: nginx cannot listen there")
        self.folder = Path(tempfile.mkdtemp(prefix="glossary-nginx-"))
        conf = self.folder / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                folder=self.folder,
                mime_types=_mime_types(),
                servers="\n".join(f"        server 127.0.0.1:{p};" for p in self.upstreams),
                port=self.port,
                static=BASE_DIR / "staticfiles",
            )
        )
        self.process = subprocess.Popen(
            [nginx, "-c", str(conf), "-e", str(self.folder / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_until(self._answers, 10, "nginx")
        return self

    def _answers(self):
        if self.process.poll() is not None:
            log = (self.folder / "error.log").read_text()[-2000:]
            raise RuntimeError(f"nginx exited:\n{log}")
        try:
            return urllib.request.urlopen(f"{self.url}/api/v1/health/", timeout=1).status == 200
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
            self.process.wait(10)


def _mime_types():
    for path in ("/etc/nginx/mime.types", "/usr/local/nginx/conf/mime.types"):
        if Path(path).exists():
            return path
    raise RuntimeError("nginx's mime.types not found")


class Stack:
    """nginx on `port`, two gunicorns (each `workers` workers) on the next two ports."""

    def __init__(self, port, env, workers=2, app="glossary.wsgi"):
        self.apps = [Gunicorn(port + i, env, workers=workers, app=app) for i in (1, 2)]
        self.nginx = Nginx(port, [app.port for app in self.apps])
        self.url = self.nginx.url

    def start(self):
        try:
            for app in self.apps:
                app.start()
            self.nginx.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        self.nginx.stop()
        for app in self.apps:
            if app.process:
                app.stop()


def warm(url, times=20):
    """Ask `url` a few times: every worker's connections and caches are then warm."""
    for _ in range(times):
        urllib.request.urlopen(url, timeout=30).read()
    time.sleep(0.1)
