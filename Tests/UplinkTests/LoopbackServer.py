# A tiny HTTPS centre for UplinkTests/LoopbackTests: two listeners on 127.0.0.1 (one
# with a certificate from the test CA, one from another CA), both requiring a client
# certificate from the test CA. Prints both ports, serves until stdin closes.
import hashlib, http.server, json, ssl, sys, threading

directory = sys.argv[1]

class Centre(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def common_name(self):
        for rdn in self.connection.getpeercert().get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    return value
        return None

    def answer(self, status, document, headers=()):
        body = json.dumps(document).encode() if document is not None else b""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.answer(404, None, [("Edge-Offset", "0")])

    def do_PUT(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self.answer(200, {
            "status": "stored", "cn": self.common_name(), "path": self.path,
            "offset": self.headers.get("Edge-Offset"), "length": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
            "manifest": self.headers.get("Edge-Manifest"), "signature": self.headers.get("Edge-Signature"),
        })

def serve(cert, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(f"{directory}/{cert}", f"{directory}/{key}")
    context.load_verify_locations(f"{directory}/ca.crt")
    context.verify_mode = ssl.CERT_REQUIRED
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Centre)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]

good = serve("server.crt", "server.key")
other = serve("other-server.crt", "other-server.key")
print(good, other, flush=True)
sys.stdin.read()
