"""A real webhook receiver for the tests: an http.server on 127.0.0.1 in a thread, which
records every request and answers from a script; and the signature check of docs/api.md."""

import hashlib
import hmac
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.servers import wait_until


# The receiver check of docs/api.md, verbatim: the tests prove the documented code works.
def verify(secret, header, body, tolerance=300):
    """Whether `body` (bytes) came from Glossary, signed with `secret` in the last
    `tolerance` seconds."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    signed = f"{fields['t']}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(fields["t"])) <= tolerance
    return fresh and hmac.compare_digest(expected, fields["v1"])


class Receiver:
    """Answers each POST with the next of `answers` (a status, or (status, seconds to wait
    first, headers)), then 200; `hold` (an Event) cleared keeps requests waiting."""

    def __init__(self, port, answers=()):
        self.port = port
        self.url = f"http://127.0.0.1:{port}/hook"
        self.answers = list(answers)
        self.requests = []
        self.hold = threading.Event()
        self.hold.set()
        self.lock = threading.Lock()

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.requests.append((dict(self.headers), body))
                    answer = receiver.answers.pop(0) if receiver.answers else 200
                status, wait, headers = answer if isinstance(answer, tuple) else (answer, 0, {})
                receiver.hold.wait(30)
                time.sleep(wait)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(f"answered {status}".encode())
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count, seconds=30):
        """The first `count` requests, once that many have come."""
        wait_until(lambda: len(self.requests) >= count, seconds, f"request {count}")
        return self.requests[:count]
