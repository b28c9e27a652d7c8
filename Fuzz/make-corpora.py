#!/usr/bin/env python3
"""Writes the seed corpora Fuzz/<target>/corpus/ from the tests' data: the documents,
configs and malformed cases the unit tests use, the C2SP age vectors, and short cuts of
Tests/Fixtures. Run from anywhere; it replaces the corpus folders (not regressions/)."""
import hashlib, os, shutil, struct, sys, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
corpora = {}


def seed(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    corpora.setdefault(target, {})[name] = data


# --- fuzz-json: the documents of Tests/EdgeJSONTests, valid and not -----------------
json_docs = {
    "object": '{"b": [1, 2.5, -3e10], "a": {"y": null, "x": true}, "": "empty key"}',
    "strings": r'[[], {}, "", "tab\tquote\"slash\\", "\u0001\u001f\u007f", "é€😀"]',
    "config-like": '{"gateway": "site-042", "cameras": [{"id": "door", "fps": 25}], "segmentSeconds": 10}',
    "big-integer": "12345678901234567890",
    "escapes": r'"q\" b\\ s\/ \b\f\n\r\t \u00e9 \u20AC \uD83D\uDE00 é"',
    "order": '{\n  "zeta": [1, "two", null, true, {"inner": []}],\n  "alpha": {},\n  "mid": -0.5e-3\n}',
    "bom": "\ufeff[true]",
    "key-order": '{"｡":1,"😀":2,"b":3,"aa":4,"a":5,"B":6,"é":7}',
    "trailing-comma": "[1, 2,]",
    "unterminated": '{\n  "name": "abc',
    "bad-escape": r'["a\x"]',
    "lone-surrogate": r'["\uD800"]',
    "surrogate-then-letter": r'["x\uD83D\u0041"]',
    "leading-zero": '{"fps":\n  025}',
    "exponent": "[1e+]",
    "duplicate-key": '{"a": 1,\n "b": 2,\n "a": 3}',
    "deep": "[" * 64 + "]" * 64,
    "too-deep": '{"k":' * 65 + "1" + "}" * 65,
    "misspelt-literal": "[ture]",
}
for name, text in json_docs.items():
    seed("fuzz-json", name, text)
seed("fuzz-json", "invalid-utf8", bytes([0x5B, 0x22, 0xFF, 0x22, 0x5D]))

# --- fuzz-config: Board/config.example.json and the cases of ConfigProblemTests ------
recipient = "age17m08n6es48ad3vlc66j9392dfqhsgld336wyfs5za68x4p254a3s43qefs"
pattern = '{"id": "bars", "source": "test-pattern"}'


def document(cameras, fields='"gateway": "site-042"', recipients='["%s"]' % recipient):
    members = [fields] + (['"recipients": %s' % recipients] if recipients else []) + ['"cameras": [%s]' % cameras]
    return "{" + ", ".join(members) + "}"


with open(os.path.join(ROOT, "Board/config.example.json"), "rb") as f:
    example = f.read()
seed("fuzz-config", "example", example)
seed("fuzz-config", "example-set-fps", example + b"\0cameras.gate.fps\x0015")
seed("fuzz-config", "example-remove-camera", example + b"\0cameras.1\0null")
seed("fuzz-config", "example-set-storage", example + b'\0storage\0{"maxMiB": 100, "holdMaxMiB": 60}')
configs = {
    "minimal": document(pattern),
    "every-source": document('{"id": "a", "source": "test-pattern"}, {"id": "b", "source": "v4l2", "device": "/dev/video0"}, '
                             '{"id": "c", "source": "file", "path": "/clips/c.mjpeg", "codec": "mjpeg", "fps": 25.0, "segmentSeconds": 30}'),
    "signed-in-quotes": document('{"id": "a", "source": "test-pattern", "fps": "+25"}'),
    "huge-number": document('{"id": "a", "source": "test-pattern", "fps": 1e20}'),
    "wrong-containers": '{"gateway": 42, "cameras": {}}',
    "misspelt": document('{"id": "a", "source": "test-pattern", "heigth": 480}'),
    "ranges": document('{"id": "a", "source": "v4l2", "device": "/dev/video0", "jpegQuality": 101, "stallSeconds": 61, "segmentSeconds": 301}',
                       '"gateway": "g", "segmentSeconds": 1'),
    "storage": document(pattern, '"gateway": "g", "storage": {"maxMiB": 100, "cameraMaxMiB": 200, "whenFull": "panic", "minFreeMiB": -1}'),
    "uplink": document(pattern, '"gateway": "g", "uplink": {"destinations": [{"name": "Centre", "url": "http://c", "caFile": "ca.pem", '
                                '"certFile": "/c.pem", "keyFile": "/c.key", "windows": ["25:00-26:00", "22:00-06:00"], "stallSeconds": 1}]}'),
    "control-watchdog": document(pattern, '"gateway": "g", "control": {"socket": "/run/c.sock", "group": "a b", "metricsListen": "[::1]:9101"}, '
                                          '"watchdog": {"device": "watchdog", "timeoutSeconds": 1}'),
    "bad-names": document('{"id": "Front-Door", "source": "test-pattern"}, {"id": "-a", "source": "test-pattern"}', '"gateway": "Site 42"'),
    "v4l2-size": document('{"id": "a", "source": "v4l2", "device": "/dev/video0", "width": 640, "pixelFormat": "MJPEG"}'),
    "duplicate-ids": document(pattern + ", " + pattern),
    "recipient-mistyped": document(pattern, recipients='["%s", "%s"]' % (recipient, recipient[:-1])),
    "secret-key": document(pattern, recipients='["AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0"]'),
}
for name, text in configs.items():
    seed("fuzz-config", name, text)

# --- fuzz-age: the C2SP vectors (mode 0), sealed plans (mode 1), keys (mode 2) -------
vectors = os.path.join(ROOT, "Tests/AgeEncryptionTests/Vectors")
for name in sorted(os.listdir(vectors)):
    if name.endswith(".md"):
        continue
    with open(os.path.join(vectors, name), "rb") as f:
        data = f.read()
    head, body = data.split(b"\n\n", 1)
    if b"compressed: zlib" in head:
        body = zlib.decompress(body)
    if len(body) > 4096:
        continue  # the multi-chunk vectors: mode 1 seals files like them from a few bytes
    seed("fuzz-age", "vector-" + name, b"\0\0" + body)
for name in ["x25519", "armor_x25519", "stream_two_chunks"]:
    path = os.path.join(vectors, name)
    if ("vector-" + name) in corpora["fuzz-age"]:
        seed("fuzz-age", "vector-" + name + "-1-byte-reads", b"\0\1" + corpora["fuzz-age"]["vector-" + name][2:])


def plan(read_size=0, flags=0, extra=b"", steps=()):
    out = bytes([1, read_size, flags, len(extra)]) + extra
    for k, a, b in steps:
        out += bytes([k, a, b])
    return out


FULL, LAST, NUMBERED = 8, 16, 32
plans = {
    "no-chunks": plan(),
    "one-short-final": plan(steps=[(LAST, 0, 5)]),
    "empty-file": plan(steps=[(LAST, 0, 0)]),
    "full-then-short": plan(steps=[(FULL, 0, 0), (LAST, 1, 0)]),
    "full-final": plan(steps=[(FULL | LAST, 0, 0)]),
    "full-then-empty-final": plan(steps=[(FULL, 0, 0), (LAST, 0, 0)]),
    "no-final": plan(steps=[(FULL, 0, 0), (FULL, 0, 0)]),
    "two-finals": plan(steps=[(FULL | LAST, 0, 0), (LAST, 0, 9)]),
    "reordered": plan(steps=[(FULL | NUMBERED, 1, 0), (LAST | NUMBERED, 0, 3)]),
    "trailing-garbage": plan(steps=[(LAST, 0, 5), (4, 3, 0), (0, 0, 0)]),
    "truncated": plan(steps=[(FULL, 0, 0), (LAST, 0, 40), (5, 0, 20)]),
    "replayed": plan(steps=[(FULL, 0, 0), (6, 0, 0), (LAST, 0, 1)]),
    "bit-flip": plan(steps=[(FULL, 0, 0), (LAST, 0, 40), (7, 0, 30)]),
    "armor": plan(flags=1, steps=[(FULL, 0, 0), (LAST, 0, 100)]),
    "armor-crlf-short-reads": plan(read_size=7, flags=3, steps=[(LAST, 0, 48)]),
    "grease-stanza": plan(extra=b"-> grease-1 a!b\n\n", steps=[(LAST, 0, 5)]),
    "grease-after": plan(flags=4, extra=b"-> X25519\nAAAA\n", steps=[(LAST, 0, 5)]),
    "bad-mac": plan(flags=8, steps=[(LAST, 0, 5)]),
}
for name, data in plans.items():
    seed("fuzz-age", "plan-" + name, data)
seed("fuzz-age", "keys-keyfile", b"\2# created: 2026-11-29T10:00:00Z\n# public key: age1...\n"
     b"AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0\n")
seed("fuzz-age", "keys-recipient", b"\2" + recipient.encode())
seed("fuzz-age", "keys-lowercase", b"\2age-secret-key-1egtzvffv20835nwyv6270lxyvk2vknx2mmdkwyklmgr48uawx40q2p2lm0")


# --- fuzz-manifest: manifests as ManifestChain writes them, the malformed ones of
# ManifestParserTests, signatures by the target's fixed key, small stores ------------
FUZZ_KEY_PEM = (b"-----BEGIN PRIVATE KEY-----\n"
                b"MC4CAQAwBQYDK2VwBCIEICfWoaoCnXaKqIMili3lu0qMWyhxniAsl+3fCyrDavaC\n"
                b"-----END PRIVATE KEY-----\n")  # the key in Fuzz/fuzz-manifest/FuzzManifest.swift


def openssl(args, data=b""):
    import subprocess, tempfile
    with tempfile.TemporaryDirectory() as tmp:
        key, message = os.path.join(tmp, "key.pem"), os.path.join(tmp, "message")
        open(key, "wb").write(FUZZ_KEY_PEM)
        open(message, "wb").write(data)
        args = [a.replace("KEY", key).replace("MESSAGE", message) for a in args]
        return subprocess.run(["openssl"] + args, check=True, capture_output=True).stdout


def minisig(message, trusted, prehashed=True):
    import base64
    public = openssl(["pkey", "-in", "KEY", "-pubout", "-outform", "DER"])[-32:]
    key_id = hashlib.blake2b(public, digest_size=64).digest()[:8]
    signed = hashlib.blake2b(message, digest_size=64).digest() if prehashed else message
    signature = openssl(["pkeyutl", "-sign", "-rawin", "-inkey", "KEY", "-in", "MESSAGE"], signed)
    global_signature = openssl(["pkeyutl", "-sign", "-rawin", "-inkey", "KEY", "-in", "MESSAGE"], signature + trusted.encode())
    b64 = lambda b: base64.b64encode(b).decode()
    public_text = "untrusted comment: minisign public key\n%s\n" % b64(b"Ed" + key_id + public)
    return ("untrusted comment: signature from EdgeRecorder device key\n%s\ntrusted comment: %s\n%s\n"
            % (b64((b"ED" if prehashed else b"Ed") + key_id + signature), trusted, b64(global_signature)), public_text)


def canonical(value):
    import json
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


BOOT = "0f3c8e2a-5d4b-4c1e-9a7f-2b6d8e1c4a90"


def manifest(kind, sequence, previous=None, camera="cam1", clock_step=None, start_ns=5_000_000_000, version=2, **fields):
    wall = lambda s: "2026-11-29T14:%02d:%02d.123456789Z" % (33 + s // 60, s % 60)
    point = lambda s, ns, synced: dict({"wall": wall(s), "monotonicNs": ns, "clockSynced": synced}, **({"boot": BOOT} if version >= 2 else {}))
    m = {"version": version, "kind": kind, "gateway": "gw-0042", "camera": camera, "sequence": sequence,
         "previous": previous, "firmware": "0.1.0",
         "start": point(sequence * 10, start_ns, True),
         "end": point(sequence * 10 + 10, start_ns + 10_000_000_000, sequence != 3),
         "durationNs": 10_000_000_000}
    if clock_step is not None:
        m["clockStep"] = clock_step
    if kind == "segment":
        data = ("segment %d" % sequence).encode()
        m.update({"file": "%08d-20261129T1433%02dZ.mkv.age" % (sequence, sequence * 10 % 60), "frames": 250, "firstFrame": sequence * 250,
                  "lastFrame": sequence * 250 + 249, "codec": "V_MJPEG", "width": 640, "height": 480,
                  "capture": "MJPG 640x480 25/1", "ciphertext": {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()},
                  "truncated": False, "reason": "cut" if version >= 2 else "duration"})
    else:
        m.update({"cause": "camera-lost", "detail": "unplugged"})
    m.update(fields)
    return m


def checkpoint(head, camera="cam1"):
    return {"version": 1, "kind": "checkpoint", "gateway": "gw-0042", "camera": camera, "sequence": head["sequence"],
            "sha256": hashlib.sha256(canonical(head)).hexdigest(), "at": head["end"]}


seg1 = manifest("segment", 1)
seg2 = manifest("segment", 2, hashlib.sha256(canonical(seg1)).hexdigest(), clock_step=-2_500_000_000)
gap3 = manifest("gap", 3, hashlib.sha256(canonical(seg2)).hexdigest())
evicted = manifest("gap", 4, cause="evicted-unsent", detail="evicted segment 2 before upload: full", covers=[2])
truncated = manifest("segment", 5, truncated=True, reason="crash", frames=None, firstFrame=None, lastFrame=None, codec=None)
across_boots = manifest("gap", 6, cause="crash", durationNs=None, end=dict(gap3["end"], boot="process-" + "ab" * 16))
v1 = manifest("segment", 1, version=1)
for name, m in {"segment": seg1, "segment-clock-step": seg2, "gap": gap3, "evicted": evicted, "truncated": truncated,
                "across-boots": across_boots, "version-1": v1, "version-1-gap": manifest("gap", 2, version=1)}.items():
    seed("fuzz-manifest", "manifest-" + name, b"\0" + canonical(m))
seed("fuzz-manifest", "checkpoint", b"\0" + canonical(checkpoint(gap3)))
malformed = {
    "frames-string": dict(seg1, frames="250"), "frames-negative": dict(seg1, frames=-1), "width-fraction": dict(seg1, width=640.5),
    "unknown-field": dict(seg1, colour="red"), "version-3": dict(seg1, version=3), "kind-clip": dict(seg1, kind="clip"),
    "previous-short": dict(seg1, previous="abc"), "file-climbs": dict(seg1, file="../../etc/passwd"),
    "camera-slash": dict(seg1, camera="cam/1"), "wall-yesterday": dict(seg1, start=dict(seg1["start"], wall="yesterday")),
    "duration-wrong": dict(seg1, durationNs=1), "truncated-null": dict(seg1, truncated=None), "no-boot": dict(seg1, start=v1["start"]),
    "frames-null-not-truncated": dict(seg1, frames=None), "reason-unknown": dict(seg1, reason="duration"),
    "covers-on-crash": dict(gap3, covers=[1]), "sequence-huge": dict(seg1, sequence=18446744073709551615),
    "wall-1970": dict(seg1, start=dict(seg1["start"], wall="1970-01-01T00:00:00.000000000Z")),
}
for name, m in malformed.items():
    seed("fuzz-manifest", "manifest-" + name, b"\0" + canonical(m))
seed("fuzz-manifest", "manifest-pretty", b"\0" + json_docs["order"].encode())


def signature_plan(message, comment, edits=()):
    out = bytes([1, 0, len(comment)]) + comment.encode() + struct.pack(">H", len(message)) + message
    for offset, byte in edits:
        out += struct.pack(">HB", offset, byte)
    return out


comment = "edge-recorder manifest gateway=gw-0042 camera=cam1 sequence=1 sha256=" + hashlib.sha256(canonical(seg1)).hexdigest()
seed("fuzz-manifest", "signature-made", signature_plan(canonical(seg1), comment))
seed("fuzz-manifest", "signature-empty-comment", signature_plan(b"", ""))
seed("fuzz-manifest", "signature-edited-untrusted", signature_plan(b"hello", "t", [(20, ord("X")), (400, ord("\n"))]))
seed("fuzz-manifest", "signature-edited-global", signature_plan(b"hello", "t", [(200, ord("A"))]))
for name, prehashed in [("prehashed", True), ("legacy", False)]:
    text, public = minisig(b"hello\n", "timestamp:1795000000\tfile:hello", prehashed)
    seed("fuzz-manifest", "signature-file-" + name, bytes([1, 1, 0, 0, 6]) + b"hello\n" + text.encode() + b"\0" + public.encode())


def store(*parts):
    return b"\2" + b"\n--\n".join(bytes([h]) + body for h, body in parts)


FIT, RAW_SIG, SEGMENT, UNSIGNED, OTHER_COMMENT, RENUMBER, CHECKPOINT = 4, 8, 12, 16, 32, 64, 128
seed("fuzz-manifest", "store-chain", store((FIT, canonical(seg1)), (FIT | RENUMBER, canonical(seg2)), (FIT | RENUMBER, canonical(gap3)),
                                           (CHECKPOINT | FIT, b"")))
seed("fuzz-manifest", "store-as-written", store((0, canonical(seg1)), (SEGMENT, b"segment 1"), (0, canonical(seg2)), (SEGMENT, b"segment 2"),
                                                (0, canonical(gap3)), (CHECKPOINT, canonical(checkpoint(gap3)))))
seed("fuzz-manifest", "store-checkpoint-ahead", store((FIT, canonical(seg1)), (CHECKPOINT, canonical(checkpoint(gap3))),
                                                      (2 | CHECKPOINT | FIT | OTHER_COMMENT, b"")))
seed("fuzz-manifest", "store-two-cameras", store((FIT, canonical(seg1)), (2 | FIT, canonical(seg1)), (3, canonical(seg2)), (2 | FIT | RENUMBER, canonical(evicted)),
                                                 (3 | CHECKPOINT, canonical(checkpoint(seg2, "cam-x")))))
seed("fuzz-manifest", "store-faults", store((FIT | UNSIGNED, canonical(seg1)), (FIT | OTHER_COMMENT, canonical(seg2)), (FIT, canonical(seg2)),
                                            (RAW_SIG, minisig(b"x", "y")[0].encode()), (0, b"{}"), (FIT, canonical(truncated)),
                                            (FIT, canonical(v1)), (FIT | RENUMBER, canonical(across_boots))))


# --- fuzz-bitstream: Tests/Fixtures cut short: the parameter sets whole, each picture's
# NAL units cut to their first bytes (the parsers read only headers), JPEGs with their
# marker segments whole and a few bytes of scan -------------------------------------
def nal_units(data):
    import re
    starts = [m.end() for m in re.finditer(b"\x00\x00\x01", data)]
    return [data[s:(starts[i + 1] - 3 if i + 1 < len(starts) else len(data))].rstrip(b"\0") for i, s in enumerate(starts)]


def shortened(units, kind, keep=24, pictures=6):
    out, seen = [], 0
    for unit in units:
        t = unit[0] & 0x1F if kind == "h264" else (unit[0] >> 1) & 0x3F
        is_slice = 1 <= t <= 5 if kind == "h264" else t < 32
        if kind == "h264" and t == 6 or kind == "h265" and t == 39:
            continue  # SEI: long, and nothing reads it
        if is_slice:
            seen += 1
            if seen > pictures:
                break
            unit = unit[:keep]
        out.append(unit)
    return out


def annexb(units, long_start=False):
    return b"".join((b"\0\0\0\1" if long_start else b"\0\0\1") + u for u in units)


fixtures = os.path.join(ROOT, "Tests/Fixtures")
clips = {name: nal_units(open(os.path.join(fixtures, name), "rb").read())
         for name in ["clip-320x240-25fps.h264", "clip-322x242-cropped.h264", "clip-320x240-25fps.h265"]}
h264, cropped, h265 = (shortened(clips["clip-320x240-25fps.h264"], "h264"), shortened(clips["clip-322x242-cropped.h264"], "h264"),
                       shortened(clips["clip-320x240-25fps.h265"], "h265"))
seed("fuzz-bitstream", "h264", b"\0" + annexb(h264))
seed("fuzz-bitstream", "h264-long-start-codes", b"\0" + annexb(h264, True) + b"\0\0")
seed("fuzz-bitstream", "h264-cropped", b"\0" + annexb(cropped))
seed("fuzz-bitstream", "h264-parameter-sets-change", b"\0" + annexb(h264[:5] + cropped[:2] + cropped[2:5]))
seed("fuzz-bitstream", "h264-no-keyframe", b"\0" + annexb(h264[:2] + h264[3:]))
seed("fuzz-bitstream", "h264-sps-only", b"\0" + annexb(h264[:1]))
seed("fuzz-bitstream", "h265", b"\1" + annexb(h265))
seed("fuzz-bitstream", "h265-long-start-codes", b"\1" + annexb(h265, True))
seed("fuzz-bitstream", "h265-no-vps", b"\1" + annexb(h265[1:]))
seed("fuzz-bitstream", "h264-as-h265", b"\1" + annexb(h264))
seed("fuzz-bitstream", "random-split", b"\0" + bytes([0, 0, 0, 1, 3, 0x65, 0x41, 0x26, 0x02, 0x80, 0xFF, 0, 0, 1, 0x65, 0x88, 0, 0, 3, 1]))


def jpeg_markers_only(picture, scan=8):
    out, i = picture[:2], 2
    while i + 4 <= len(picture):
        marker, length = picture[i + 1], picture[i + 2] << 8 | picture[i + 3]
        out += picture[i:i + 2 + length]
        i += 2 + length
        if marker == 0xDA:
            return out + picture[i:i + scan] + b"\xff\xd9"
    return out


mjpeg = open(os.path.join(fixtures, "clip-320x240-25fps.mjpeg"), "rb").read()
pictures = [b"\xff\xd8" + p for p in mjpeg.split(b"\xff\xd8")[1:4]]
small = [jpeg_markers_only(p) for p in pictures]
seed("fuzz-bitstream", "mjpeg", b"\2" + b"".join(small))
seed("fuzz-bitstream", "mjpeg-restart-and-fill", b"\2" + small[0][:-2] + b"\xff\xd0\x12\xff\xff\xff\xd9" + small[1])
seed("fuzz-bitstream", "mjpeg-truncated", b"\2" + small[0] + small[1][:-40])
seed("fuzz-bitstream", "mjpeg-garbage-between", b"\2" + small[0] + b"garbage\xff\xd9" + small[1])


# --- fuzz-release: the signed release read whole (mode 1, no edits), cut at its member
# boundaries and inside a file, with bytes flipped in each part; manifests (mode 2) as
# ReleaseManifestTests writes them, and malformed ones; a plain tar (mode 0).
def plan(extract, cut=None, edits=(), append=b""):
    out = b"\1" + bytes([extract])
    # Numbers below 65 536 take two bytes (FuzzInput.int); the archive is 10 240.
    out += b"\0" if cut is None else b"\1" + struct.pack(">H", cut)
    for at, flip in edits:
        out += b"\1" + struct.pack(">H", at) + bytes([flip])
    if append:
        out += b"\0" + bytes([len(append) - 1]) + append
    return out

seed("fuzz-release", "whole", plan(0))
seed("fuzz-release", "whole-extracted", plan(1))
for cut in (0, 100, 512, 1024, 1536, 2048, 2560, 3000, 4100, 5000):
    seed("fuzz-release", "cut-%d" % cut, plan(cut % 2, cut=cut))
for at in (0, 124, 148, 156, 257, 600, 1100, 1600, 2100, 2600, 3100, 3700, 4700, 5600):
    seed("fuzz-release", "flip-%d" % at, plan(at % 2, edits=[(at, 0x01)]))
seed("fuzz-release", "appended", plan(1, append=b"\0" * 16))
good_release = ('{"board":"fuzz","created":"2026-12-01T00:00:00.000000000Z","expires":"2026-12-02T00:00:00.000000000Z",'
                '"files":[{"executable":true,"path":"bin/edge-recorderd","sha256":"' + "ab" * 32 + '","size":10}],'
                '"format":1,"kind":"edge-recorder-release","nextReleaseKey":null,"securityVersion":5,"stateFormats":[1],'
                '"version":"1.2.0"}')
seed("fuzz-release", "manifest", b"\2" + good_release.encode())
seed("fuzz-release", "manifest-spaced", b"\2" + good_release.replace(",", ", ").encode())
seed("fuzz-release", "manifest-huge-size", b"\2" + good_release.replace('"size":10', '"size":4611686018427387904').encode())
seed("fuzz-release", "manifest-path", b"\2" + good_release.replace("bin/edge-recorderd", "../x").encode())
tar_header = b"release.json".ljust(100, b"\0") + b"0000644\0" * 3 + b"00000000012\0" + b"0" * 11 + b"\0"
seed("fuzz-release", "plain-tar", b"\0\0" + tar_header.ljust(512, b"\0") + b"{}".ljust(512, b"\0") + b"\0" * 1024)


def write():
    for target, files in sorted(corpora.items()):
        folder = os.path.join(ROOT, "Fuzz", target, "corpus")
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        for name, data in files.items():
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
        print("%-16s %3d seeds, %6d bytes" % (target, len(files), sum(map(len, files.values()))))


if __name__ == "__main__":
    targets = sys.argv[1:]
    if targets:
        corpora = {t: corpora[t] for t in targets}
    write()
