"""A phone's push service, for crates/http/tests/suite/push.rs: it makes a device key pair and
an auth secret as a phone does, prints them (one JSON line: endpoint, p256dh, auth), then takes
the camp's pushes on loopback. Each push is checked as a push service and a phone would: the
VAPID JWT's ES256 signature against the key in the header, its audience and expiry, and the
body decrypted with http_ece (an implementation nobody here wrote). It prints one JSON line per
push: the decrypted message, the time it arrived, and whether the VAPID check held. A POST to
/gone answers 410, as a service whose subscription was removed; a POST to /busy/N answers 503
the first N times (a service that is down for a while), then takes pushes as the endpoint does."""

import base64
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64d(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


DEVICE = ec.generate_private_key(ec.SECP256R1())
DEVICE_PUBLIC = DEVICE.public_key().public_bytes(
    serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
)
AUTH = os.urandom(16)


def vapid_ok(header, origin):
    """The VAPID check (RFC 8292): `vapid t=JWT, k=KEY`, signed by KEY, for our origin."""
    parts = dict(p.strip().split("=", 1) for p in header[len("vapid "):].split(","))
    token, key = parts["t"], b64d(parts["k"])
    head, claims, signature = token.split(".")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key)
    raw = b64d(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(b64d(claims))
    assert json.loads(b64d(head))["alg"] == "ES256"
    assert claims["aud"] == origin, claims
    assert claims["exp"] > time.time(), claims
    return True


REFUSED = {}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path.startswith("/busy/"):
            refused = REFUSED.get(self.path, 0)
            if refused < int(self.path.rsplit("/", 1)[1]):
                REFUSED[self.path] = refused + 1
                self.send_response(503)
                self.end_headers()
                print(json.dumps({"busy": True, "refused": refused + 1}), flush=True)
                return
        if self.path == "/gone":
            self.send_response(410)
            self.end_headers()
            print(json.dumps({"gone": True}), flush=True)
            return
        origin = f"http://{self.headers['host']}"
        try:
            assert self.headers["content-encoding"] == "aes128gcm"
            checked = vapid_ok(self.headers["authorization"], origin)
            message = http_ece.decrypt(
                body, private_key=DEVICE, auth_secret=AUTH, version="aes128gcm"
            )
            print(json.dumps({
                "at": time.time(),
                "vapid_ok": checked,
                "ttl": self.headers.get("ttl"),
                "message": json.loads(message),
            }), flush=True)
            self.send_response(201)
        except Exception as e:  # a push the phone could not read
            print(json.dumps({"error": repr(e)}), flush=True)
            self.send_response(400)
        self.end_headers()

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
host, port = server.server_address
print(json.dumps({
    "endpoint": f"http://{host}:{port}/push/device-1",
    "gone": f"http://{host}:{port}/gone",
    "busy": f"http://{host}:{port}/busy/",
    "p256dh": b64e(DEVICE_PUBLIC),
    "auth": b64e(AUTH),
}), flush=True)
server.serve_forever()
