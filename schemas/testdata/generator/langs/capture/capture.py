"""Stands in for faultline when the SDKs send: accepts every POST on
127.0.0.1 and writes its body, decompressed, to OUT_DIR/<first path
segment>/<NNNN>.<envelope|pb|json|loki>
(loki: a Loki JSON push body). The programs name their source and
build in that segment (a Sentry DSN's path prefix, an OTLP endpoint's
path), so one receiver serves every SDK. It answers as Sentry and OTLP
receivers do, so no SDK retries. Prints its port on stdout, then serves
until killed.

Usage: python3 capture.py OUT_DIR"""
import gzip
import http.server
import os
import sys
import threading
import zlib

out = sys.argv[1]
lock = threading.Lock()
counts = {}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.read_body()
        enc = (self.headers.get("Content-Encoding") or "").lower()
        if enc in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif enc == "deflate":
            body = zlib.decompress(body)
        elif enc:
            self.send_error(415, f"unsupported Content-Encoding {enc}")
            return
        parts = self.path.strip("/").split("/")
        name = parts[0]
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if "/envelope" in self.path:
            ext, answer, atype = "envelope", b'{"id":"00000000000000000000000000000000"}', "application/json"
        elif self.path.endswith("/v1/logs") and ctype == "application/x-protobuf":
            ext, answer, atype = "pb", b"", ctype
        elif self.path.endswith("/v1/logs") and ctype == "application/json":
            ext, answer, atype = "json", b"{}", ctype
        elif self.path.endswith("/loki/api/v1/push") and ctype == "application/json":
            ext, answer, atype = "loki", None, None  # JSON push; Loki answers 204
        else:
            self.send_error(404, f"unexpected {self.path} ({ctype})")
            return
        with lock:
            n = counts.get(name, 0) + 1
            counts[name] = n
            os.makedirs(os.path.join(out, name), exist_ok=True)
            with open(os.path.join(out, name, f"{n:04d}.{ext}"), "wb") as f:
                f.write(body)
        if answer is None:
            self.send_response(204)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", atype)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def read_body(self):
        if "chunked" not in (self.headers.get("Transfer-Encoding") or "").lower():
            return self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = b""  # Node's http client streams bodies in chunks
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline().strip():
                    pass  # trailers
                return body
            body += self.rfile.read(size)
            self.rfile.readline()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
