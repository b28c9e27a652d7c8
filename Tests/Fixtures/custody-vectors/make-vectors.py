#!/usr/bin/env python3
"""Regenerates the custody test vectors (Sources/Custody/MANIFEST.md, section 11).

    python3 make-vectors.py

Writes canonical.json and chains/<case>/ beside this script. Needs Python 3 (standard
library only) and the minisign CLI. The key pairs vector-key.* and other-key.* are
fixed published test keys; they are created only when missing. Ed25519 signatures are
deterministic, so re-running gives identical bytes.
"""

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VECTOR_KEY = os.path.join(HERE, "vector-key")
OTHER_KEY = os.path.join(HERE, "other-key")
UNTRUSTED_COMMENT = "signature from the custody test vector key"

S = 1_000_000_000  # ns per second
FRAME_NS = 40_000_000  # 25 frames per second


# ---------------------------------------------------------------------------
# Canonical JSON (MANIFEST.md section 5) and a strict parser

class Refused(Exception):
    pass


MAX_DEPTH = 64


def parse_strict(data):
    """Parses UTF-8 JSON text strictly; raises Refused. Integers only (section 5)."""
    if data.startswith(b"\xef\xbb\xbf"):
        raise Refused("byte-order mark")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refused("not UTF-8") from error
    parser = _Parser(text)
    parser.skip_ws()
    value = parser.value(0)
    parser.skip_ws()
    if parser.pos != len(text):
        raise Refused("text after the value")
    return value


class _Parser:
    ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n",
               "r": "\r", "t": "\t"}

    def __init__(self, text):
        self.text = text
        self.pos = 0

    def peek(self):
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, literal):
        if not self.text.startswith(literal, self.pos):
            raise Refused("expected %r at %d" % (literal, self.pos))
        self.pos += len(literal)

    def skip_ws(self):
        while self.peek() in (" ", "\t", "\n", "\r"):
            self.pos += 1

    def value(self, depth):
        c = self.peek()
        if c == "{":
            return self.object(depth + 1)
        if c == "[":
            return self.array(depth + 1)
        if c == '"':
            return self.string()
        if c == "-" or c.isdigit() and c.isascii():
            return self.integer()
        for literal, result in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(literal, self.pos):
                self.pos += len(literal)
                return result
        raise Refused("unexpected %r at %d" % (c, self.pos))

    def object(self, depth):
        if depth > MAX_DEPTH:
            raise Refused("nested deeper than %d" % MAX_DEPTH)
        self.expect("{")
        members = {}
        self.skip_ws()
        if self.peek() == "}":
            self.pos += 1
            return members
        while True:
            self.skip_ws()
            if self.peek() != '"':
                raise Refused("expected a key at %d" % self.pos)
            key = self.string()
            if key in members:
                raise Refused("duplicate key %r" % key)
            self.skip_ws()
            self.expect(":")
            self.skip_ws()
            members[key] = self.value(depth)
            self.skip_ws()
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect("}")
            return members

    def array(self, depth):
        if depth > MAX_DEPTH:
            raise Refused("nested deeper than %d" % MAX_DEPTH)
        self.expect("[")
        items = []
        self.skip_ws()
        if self.peek() == "]":
            self.pos += 1
            return items
        while True:
            self.skip_ws()
            items.append(self.value(depth))
            self.skip_ws()
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect("]")
            return items

    def hex4(self):
        digits = self.text[self.pos:self.pos + 4]
        if len(digits) != 4 or any(d not in "0123456789abcdefABCDEF" for d in digits):
            raise Refused("bad \\u escape at %d" % self.pos)
        self.pos += 4
        return int(digits, 16)

    def string(self):
        self.expect('"')
        out = []
        while True:
            c = self.peek()
            if c == "":
                raise Refused("unterminated string")
            self.pos += 1
            if c == '"':
                return "".join(out)
            if ord(c) < 0x20:
                raise Refused("raw control character in a string")
            if c != "\\":
                out.append(c)
                continue
            e = self.peek()
            self.pos += 1
            if e in self.ESCAPES:
                out.append(self.ESCAPES[e])
            elif e == "u":
                out.append(self.unicode_escape())
            else:
                raise Refused("bad escape \\%s" % e)

    def unicode_escape(self):
        unit = self.hex4()
        if 0xDC00 <= unit <= 0xDFFF:
            raise Refused("lone low surrogate")
        if 0xD800 <= unit <= 0xDBFF:
            if not self.text.startswith("\\u", self.pos):
                raise Refused("lone high surrogate")
            self.pos += 2
            low = self.hex4()
            if not 0xDC00 <= low <= 0xDFFF:
                raise Refused("lone high surrogate")
            return chr(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
        return chr(unit)

    def integer(self):
        start = self.pos
        if self.peek() == "-":
            self.pos += 1
        if self.peek() == "0":
            self.pos += 1
        elif self.peek().isascii() and self.peek().isdigit():
            while self.peek().isascii() and self.peek().isdigit():
                self.pos += 1
        else:
            raise Refused("bad number at %d" % start)
        if self.peek() in (".", "e", "E"):
            raise Refused("the format has integers only")
        if self.peek().isascii() and self.peek().isdigit():
            raise Refused("leading zero at %d" % start)
        literal = self.text[start:self.pos]
        if literal == "-0":
            raise Refused("-0")
        return int(literal)


SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n",
                 "\f": "\\f", "\r": "\\r"}


def encode_string(text):
    out = ['"']
    for c in text:
        if c in SHORT_ESCAPES:
            out.append(SHORT_ESCAPES[c])
        elif ord(c) < 0x20:
            out.append("\\u%04x" % ord(c))
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def utf16_key(key):
    return key.encode("utf-16-be")  # byte order of UTF-16BE = order of code units


def canonical_text(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return encode_string(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical_text(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=utf16_key)
        return "{" + ",".join(encode_string(k) + ":" + canonical_text(value[k])
                              for k in keys) + "}"
    raise TypeError("not in the format: %r" % (value,))


def canonical(value):
    return canonical_text(value).encode("utf-8")


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------
# canonical.json: encoder cases and texts a strict parser must refuse

CANONICAL_CASES = [
    ("keys-sorted", '{"b":1,"a":2,"c":3}'),
    ("keys-upper-before-lower", '{"b":1,"a":2,"B":3,"A":4,"_":5}'),
    ("keys-prefix-and-empty", '{"ab":1,"a":2,"":3,"abc":4}'),
    ("keys-non-ascii", '{"\u00e9":1,"z":2,"Z":3,"\u00c9":4}'),
    ("keys-utf16-astral-before-e000", '{"\ue000":1,"\U0001f600":2,"\uff21":3,"\u00ff":4}'),
    ("keys-escaped-in-input", '{"\\u0062":1,"\\u0041":2}'),
    ("whitespace-removed", ' { "a" : [ 1 , 2 ] ,\n\t"b" : { } }\r\n'),
    ("newline-escapes", '["\\n","\\u000a","\\u000A"]'),
    ("short-escapes", '"\\u0008\\u0009\\u000a\\u000c\\u000d"'),
    ("other-controls-lowercase-hex", '["\\u001F","\\u0000","\\u000B","\\u001b","\\u007F"]'),
    ("solidus-unescaped", '["a\\/b","/"]'),
    ("quote-and-backslash", '["\\"\\\\","\\u0022\\u005C"]'),
    ("non-ascii-raw", '["\\u00e9","\u00e9","\\u20ac"]'),
    ("delete-raw", '"a\\u007fb"'),
    ("astral-raw", '["\\ud83d\\ude00","\\uD83D\\uDE00","\U0001f600"]'),
    ("line-separators-raw", '"\\u2028\\u2029"'),
    ("plain-escape-unescaped", '"\\u0041\\u0020"'),
    ("integers", '[0,-1,1,-42,9223372036854775807,-9223372036854775808]'),
    ("literals", '[true,false,null]'),
    ("nested-sorted-at-every-level",
     '{"b":[{"d":1,"c":[true,false,null]}],"a":{"y":{},"x":[]}}'),
    ("empty-containers", '[{},[],"",{"":""}]'),
    ("top-level-string", '"x"'),
    ("time-point", '{"wall":"2026-11-29T14:33:01.000000000Z","monotonicNs":1,'
                   '"clockSynced":true,"boot":"b"}'),
    ("nesting-64-deep", "[" * 64 + "]" * 64),
]

REFUSED_CASES = [
    ("duplicate-key", '{"a":1,"a":2}'),
    ("duplicate-key-after-unescaping", '{"a":1,"\\u0061":2}'),
    ("trailing-comma-object", '{"a":1,}'),
    ("trailing-comma-array", "[1,2,]"),
    ("block-comment", '{"a":1/* c */}'),
    ("line-comment", '{"a":1}// c'),
    ("lone-high-surrogate", '"\\ud800"'),
    ("lone-low-surrogate", '"\\udc00"'),
    ("surrogates-reversed", '"\\ude00\\ud83d"'),
    ("leading-zero", "[01]"),
    ("plus-sign", "[+1]"),
    ("single-quotes", "{'a':1}"),
    ("unterminated-object", '{"a":1'),
    ("unterminated-string", '"abc'),
    ("raw-control-in-string", '"a\tb"'),
    ("unknown-escape", '"\\x41"'),
    ("capitalised-literal", "[True]"),
    ("two-values", "{}{}"),
    ("empty-text", ""),
    ("nesting-65-deep", "[" * 65 + "]" * 65),
]


def canonical_vectors():
    cases = []
    for name, text in CANONICAL_CASES:
        out = canonical(parse_strict(text.encode("utf-8")))
        cases.append({"name": name, "input": text, "canonical": out.decode("utf-8"),
                      "sha256": sha256_hex(out)})
    for name, text in REFUSED_CASES:
        try:
            parse_strict(text.encode("utf-8"))
        except Refused:
            cases.append({"name": name, "input": text, "refused": True})
        else:
            raise AssertionError("accepted: " + name)
    return cases


def write_canonical_json(path):
    text = json.dumps(canonical_vectors(), indent=1, ensure_ascii=True)
    with open(path, "w", encoding="ascii") as f:
        f.write(text + "\n")


# ---------------------------------------------------------------------------
# Clocks and time points (sections 2, 3, 7)

EPOCH_WALL = 1_795_962_781 * S  # 2026-11-29T14:33:01.000000000Z, case time 0


def format_wall(ns):
    seconds, frac = divmod(ns, S)
    moment = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % frac


def wall_stem(ns):
    seconds = ns // S
    moment = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=seconds)
    return moment.strftime("%Y%m%dT%H%M%SZ")


class Clock:
    """One boot's clocks: readings at case time t (ns) are mono0 + t and wall0 + t."""

    def __init__(self, boot, mono0, wall0, synced, capture0):
        self.boot, self.mono0, self.wall0 = boot, mono0, wall0
        self.synced, self.capture0 = synced, capture0

    def __call__(self, seconds, ns=0):
        return TimePoint(self, round(seconds * S) + ns)

    def stepped(self, step_ns):
        return Clock(self.boot, self.mono0, self.wall0 + step_ns, self.synced,
                     self.capture0)


class TimePoint:
    def __init__(self, clock, t):
        self.clock, self.t = clock, t

    @property
    def mono(self):
        return self.clock.mono0 + self.t

    @property
    def wall(self):
        return self.clock.wall0 + self.t

    @property
    def frame(self):
        return (self.t - self.clock.capture0) // FRAME_NS

    def json(self, version):
        point = {"clockSynced": self.clock.synced, "monotonicNs": self.mono,
                 "wall": format_wall(self.wall)}
        if version >= 2:
            point["boot"] = self.clock.boot
        return point


BOOT_A = "6b1f3c2e-8d4a-4f6b-9e2d-1a7c5b3e9f40"
BOOT_B = "c2a94e17-5f3d-4b8a-a6e1-93d0f7b2c584"
A = Clock(BOOT_A, 4_170_250_000_000, EPOCH_WALL, True, -100 * S)
B = Clock(BOOT_B, -35 * S, EPOCH_WALL, True, 48 * S)          # booted at case time 35 s
B_UNSYNCED = Clock(BOOT_B, -35 * S, -35 * S, False, 48 * S)   # no RTC: reads 1970
V1 = Clock(None, 912_400_000_000, EPOCH_WALL, True, -100 * S)


# ---------------------------------------------------------------------------
# Manifests (sections 3, 4, 7) and checkpoints (section 8)

GATEWAY = "gw-0042"
FIRMWARE = {1: "0.1.4", 2: "0.3.0"}
FORMATS = {
    "mjpeg": {"codec": "V_MJPEG", "v1codec": "mjpeg", "width": 640, "height": 480,
              "capture": "MJPG 640x480 25/1"},
    "avc": {"codec": "V_MPEG4/ISO/AVC", "v1codec": "h264", "width": 1280, "height": 720,
            "capture": "H264 1280x720 25/1"},
}


def duration_ns(start, end, version):
    if version == 1 or start.clock.boot == end.clock.boot:
        return end.mono - start.mono
    return None


def common_fields(kind, camera, sequence, start, end, version):
    return {"version": version, "kind": kind, "gateway": GATEWAY, "camera": camera,
            "sequence": sequence, "previous": None, "firmware": FIRMWARE[version],
            "start": start.json(version), "end": end.json(version),
            "durationNs": duration_ns(start, end, version)}


def segment_file_name(sequence, start):
    return "%08d-%s.mkv.age" % (sequence, wall_stem(start.wall))


def segment_bytes(camera, sequence):
    """Deterministic, random-looking ciphertext: a SHA-256 counter stream."""
    seed = ("%s/%d" % (camera, sequence)).encode()
    size = 200 + hashlib.sha256(seed).digest()[0] * 2
    stream, counter = b"", 0
    while len(stream) < size:
        stream += hashlib.sha256(seed + counter.to_bytes(8, "big")).digest()
        counter += 1
    return stream[:size]


def manifest_name(manifest):
    if manifest["kind"] == "segment":
        return manifest["file"][:-len(".mkv.age")] + ".json"
    return "%08d-gap.json" % manifest["sequence"]


def manifest_comment(manifest, data):
    return "edge-recorder manifest gateway=%s camera=%s sequence=%d sha256=%s" % (
        manifest["gateway"], manifest["camera"], manifest["sequence"], sha256_hex(data))


def checkpoint_comment(checkpoint, data):
    return "edge-recorder checkpoint gateway=%s camera=%s sequence=%d sha256=%s" % (
        checkpoint["gateway"], checkpoint["camera"], checkpoint["sequence"],
        sha256_hex(data))


# ---------------------------------------------------------------------------
# Keys and signing (section 6)

def ensure_key(base):
    if not os.path.exists(base + ".sec"):
        subprocess.run(["minisign", "-G", "-W", "-p", base + ".pub", "-s", base + ".sec"],
                       check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def sign(path, trusted_comment, key=VECTOR_KEY, legacy=False):
    command = ["minisign", "-S", "-s", key + ".sec", "-m", path, "-x", path + ".minisig",
               "-c", UNTRUSTED_COMMENT, "-t", trusted_comment]
    if legacy:
        command.insert(2, "-l")
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


# ---------------------------------------------------------------------------
# A store being written: one Chain per camera, sealing in call order

class Record:
    def __init__(self, manifest, data, path):
        self.manifest, self.data, self.path = manifest, data, path
        self.hash = sha256_hex(data)

    @property
    def sequence(self):
        return self.manifest["sequence"]

    @property
    def segment_path(self):
        return os.path.join(os.path.dirname(self.path), self.manifest["file"])


class Chain:
    def __init__(self, store, camera, fmt="mjpeg", version=2):
        self.store, self.camera, self.fmt, self.version = store, camera, fmt, version
        self.dir = os.path.join(store, camera)
        os.makedirs(self.dir, exist_ok=True)
        self.head = None  # the record sealed last

    def segment(self, sequence, start, end, truncated=False, unknown_format=False,
                clock_step=None, **seal_options):
        v, fmt = self.version, FORMATS[self.fmt]
        manifest = common_fields("segment", self.camera, sequence, start, end, v)
        frames = (end.t - start.t) // FRAME_NS
        data = segment_bytes(self.camera, sequence)
        manifest.update({
            "file": segment_file_name(sequence, start),
            "frames": frames, "firstFrame": start.frame,
            "lastFrame": start.frame + frames - 1,
            "codec": fmt["codec"] if v >= 2 else fmt["v1codec"],
            "width": fmt["width"], "height": fmt["height"], "capture": fmt["capture"],
            "ciphertext": {"sha256": sha256_hex(data), "size": len(data)},
            "truncated": truncated,
            "reason": ("crash" if truncated else "cut") if v >= 2 else
                      ("crash: sealed by recovery" if truncated else "duration"),
        })
        if truncated and v == 1:
            manifest.update({"frames": 0, "firstFrame": 0, "lastFrame": 0})
        if unknown_format:
            manifest.update({"frames": None, "firstFrame": None, "lastFrame": None,
                             "codec": None, "width": 0, "height": 0, "capture": ""})
        if clock_step is not None:
            manifest["clockStep"] = clock_step
        with open(os.path.join(self.dir, manifest["file"]), "wb") as f:
            f.write(data)
        return self.seal(manifest, **seal_options)

    def gap(self, sequence, start, end, cause, detail, covers=None, **seal_options):
        manifest = common_fields("gap", self.camera, sequence, start, end, self.version)
        manifest.update({"cause": cause, "detail": detail})
        if covers is not None:
            manifest["covers"] = covers
        return self.seal(manifest, **seal_options)

    def seal(self, manifest, mutate=None, encode=canonical, previous=None,
             comment=None, key=VECTOR_KEY, legacy=False):
        """Links, encodes, writes and signs one manifest. The options tamper with it."""
        manifest["previous"] = self.head.hash if self.head else None
        if previous is not None:
            manifest["previous"] = previous
        if mutate:
            mutate(manifest)
        data = encode(manifest)
        path = os.path.join(self.dir, manifest_name(manifest))
        with open(path, "wb") as f:
            f.write(data)
        sign(path, comment or manifest_comment(manifest, data), key=key, legacy=legacy)
        self.head = Record(manifest, data, path)
        return self.head

    def checkpoint(self, at, record=None, key=VECTOR_KEY):
        record = record or self.head
        checkpoint = {"version": 1, "kind": "checkpoint", "gateway": GATEWAY,
                      "camera": self.camera, "sequence": record.sequence,
                      "sha256": record.hash, "at": at.json(2)}
        data = canonical(checkpoint)
        folder = os.path.join(self.store, ".checkpoints")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, self.camera + ".json")
        with open(path, "wb") as f:
            f.write(data)
        sign(path, checkpoint_comment(checkpoint, data), key=key)
        return path


# ---------------------------------------------------------------------------
# Tampering with files after the fact

def remove(*paths):
    for path in paths:
        os.remove(path)


def remove_record(record):
    remove(record.path, record.path + ".minisig")
    if record.manifest["kind"] == "segment":
        remove(record.segment_path)


def replace_bytes(path, old, new):
    with open(path, "rb") as f:
        data = f.read()
    assert data.count(old) == 1 and len(old) == len(new), (path, old)
    with open(path, "wb") as f:
        f.write(data.replace(old, new))


def flip_byte(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0x01]))


def swap_names(first, second):
    for suffix in ("", ".minisig"):
        temporary = first.path + suffix + ".swap"
        os.rename(first.path + suffix, temporary)
        os.rename(second.path + suffix, first.path + suffix)
        os.rename(temporary, second.path + suffix)


def touch(path):
    open(path, "wb").close()


def pretty(manifest):
    """Canonical key order but with whitespace: parses strictly, is not canonical."""
    return json.dumps(json.loads(canonical(manifest)), indent=1,
                      ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------------------
# Cases. Each builds a store and returns its expected verdict.

def finding(name, camera, sequence=None):
    return {"name": name, "camera": camera, "sequence": sequence}


def verdict(intact, complete, *findings):
    return {"intact": intact, "completeToCheckpoints": complete,
            "findings": sorted(findings, key=lambda f: (
                f["camera"], f["sequence"] or 0, f["name"]))}


def three_segments(store, checkpoint=True, options=None):
    """The usual chain: cam1's segments 1-3 of 10 s each, tiling, a checkpoint at 3.
    options maps a sequence to Chain.segment's keyword arguments for it."""
    chain = Chain(store, "cam1")
    records = [chain.segment(n, A(10 * (n - 1)), A(10 * n), **(options or {}).get(n, {}))
               for n in (1, 2, 3)]
    if checkpoint:
        chain.checkpoint(A(30.05))
    return chain, records


def case_good_two_cameras(store):
    cam1 = Chain(store, "cam1")
    cam1.segment(1, A(0), A(10))
    cam1.segment(2, A(10), A(20))
    cam1.gap(3, A(20), A(65), "camera-lost",
             "camera lost: /dev/video0 disappeared \u2014 45 s without frames")
    cam1.segment(4, A(65), A(75))
    cam1.checkpoint(A(75.05))
    cam2 = Chain(store, "cam2", fmt="avc")
    cam2.segment(1, A(0.52), A(10.52))
    cam2.checkpoint(A(10.6))
    return verdict(True, True)


def case_good_version_1(store):
    chain = Chain(store, "cam1", version=1)
    chain.segment(1, V1(0), V1(10))
    chain.segment(2, V1(10), V1(20))
    chain.segment(3, V1(50), V1(60))  # 30 s nothing covers: check T is v2-only
    chain.segment(4, V1(60), V1(63.2), truncated=True)
    return verdict(True, False, finding("no-checkpoint", "cam1"),
                   finding("truncated", "cam1", 4))


def case_good_version_upgrade(store):
    chain = Chain(store, "cam1", version=1)
    chain.segment(1, V1(0), V1(10))
    chain.segment(2, V1(10), V1(20))
    chain.version = 2  # new firmware after a reboot; no record spans the upgrade
    chain.segment(3, B(95), B(105))
    chain.segment(4, B(105), B(115))
    chain.checkpoint(B(115.05))
    return verdict(True, True)


def case_good_evicted(store):
    chain, (seg1, seg2, _) = three_segments(store, checkpoint=False)
    chain.gap(4, A(0), A(10), "evicted-unsent",
              "evicted 1 segment before any destination had it, to make room",
              covers=[1])
    chain.checkpoint(A(30.1))
    remove(seg1.segment_path, seg2.segment_path)
    touch(seg2.segment_path[:-len(".mkv.age")] + ".ack-centre")
    return verdict(True, True, finding("evicted", "cam1", 1),
                   finding("evicted-uploaded", "cam1", 2))


def case_good_reboot(store):
    chain = Chain(store, "cam1")
    chain.segment(1, A(0), A(10))
    chain.gap(2, A(10), B(48), "recorder-stopped", "stopped for a reboot")
    chain.segment(3, B(48), B(58))
    chain.checkpoint(B(58.05))
    return verdict(True, True)


def case_good_unsynced_reboot(store):
    chain = Chain(store, "cam1")
    chain.segment(1, A(0), A(10))
    chain.gap(2, A(10), B_UNSYNCED(48), "recorder-stopped", "stopped for a reboot")
    chain.segment(3, B_UNSYNCED(48), B_UNSYNCED(58))
    chain.checkpoint(B_UNSYNCED(58.05))
    return verdict(True, True, finding("unmeasurable-span", "cam1", 2))


def case_good_truncated(store):
    chain = Chain(store, "cam1")
    chain.segment(1, A(0), A(10))
    chain.segment(2, A(10), A(13.64), truncated=True, unknown_format=True)
    chain.checkpoint(A(20))
    return verdict(True, True, finding("truncated", "cam1", 2))


def case_good_sealed_late(store):
    chain = Chain(store, "cam1")
    chain.segment(1, A(0), A(10))
    chain.segment(3, A(20), A(30))
    chain.segment(2, A(10), A(20), truncated=True)  # sealed by recovery after 3
    chain.checkpoint(A(31))  # names 2: the manifest sealed last
    return verdict(True, True, finding("sealed-late", "cam1", 2),
                   finding("truncated", "cam1", 2))


def case_good_checkpoint_behind_head(store):
    chain, (_, seg2, _) = three_segments(store, checkpoint=False)
    chain.checkpoint(A(20.05), record=seg2)
    return verdict(True, True)


def case_good_clock_step(store):
    stepped = A.stepped(3 * S)  # the wall clock jumped 3 s forward at case time 10 s
    chain = Chain(store, "cam1")
    chain.segment(1, A(0), A(10))
    chain.segment(2, stepped(10), stepped(20), clock_step=3 * S)
    chain.segment(3, stepped(20), stepped(30))
    chain.checkpoint(stepped(30.05))
    return verdict(True, True, finding("clock-step", "cam1", 2))


def case_good_gap_kinds(store):
    chain = Chain(store, "cam1")
    chain.segment(1, A(0), A(10))
    chain.gap(2, A(10), A(10), "recipients-changed",
              "recipients age1old\u2026 \u2192 age1new\u2026, changed by edgectl")
    chain.segment(3, A(10), A(20))
    chain.gap(4, A(20), A(26), "camera-stalled", "no frame for 6 s")
    chain.segment(5, A(26), A(36))
    chain.gap(6, A(36), A(40), "disk-full", "frames refused: no space")
    chain.segment(7, A(41), A(51))  # exactly 1 s after the gap: not a hole
    chain.gap(8, A(51), A(53), "crash", "recorder did not stop cleanly")
    chain.gap(9, A(53), A(54.4), "recorder-stopped", "waiting for the first picture")
    chain.segment(10, A(54.4), A(64.4))
    chain.segment(11, A(64.4, 999_999_999), A(74.4, 999_999_999))  # 0.999999999 s later
    chain.checkpoint(A(75.5))
    return verdict(True, True)


def case_empty_store(store):
    return verdict(False, False)


def case_missing_signature(store):
    _, (_, seg2, _) = three_segments(store)
    remove(seg2.path + ".minisig")
    return verdict(False, False, finding("missing-signature", "cam1", 2))


def case_bad_signature_edited_manifest(store):
    _, (_, seg2, _) = three_segments(store)
    replace_bytes(seg2.path, b"25/1", b"30/1")
    return verdict(False, False, finding("bad-signature", "cam1", 2),
                   finding("chain-broken", "cam1", 3))


def case_bad_signature_other_key(store):
    three_segments(store, options={2: {"key": OTHER_KEY}})
    return verdict(False, False, finding("bad-signature", "cam1", 2))


def case_bad_signature_legacy(store):
    three_segments(store, options={2: {"legacy": True}})
    return verdict(False, False, finding("bad-signature", "cam1", 2))


def case_bad_signature_wrong_comment(store):
    _, (_, seg2, _) = three_segments(store)
    # signed by the key over the right bytes, but the comment names sequence 3
    sign(seg2.path, manifest_comment(dict(seg2.manifest, sequence=3), seg2.data))
    return verdict(False, False, finding("bad-signature", "cam1", 2))


def dropped_out(name):
    """What a manifest that does not read (section 9, R3) leaves: a finding that names
    no sequence, and the hole where it was."""
    return (finding(name, "cam1"), finding("missing-sequence", "cam1", 2),
            finding("chain-broken", "cam1", 3), finding("time-hole", "cam1", 3),
            finding("truncated-below-checkpoint", "cam1", 3))


def case_malformed_manifest_unknown_field(store):
    three_segments(store, options={2: {"mutate": lambda m: m.update(note="not a field")}})
    return verdict(False, False, *dropped_out("malformed-manifest"))


def case_malformed_manifest_whitespace(store):
    chain, (_, seg2, _) = three_segments(store, checkpoint=False,
                                         options={3: {"encode": pretty}})
    chain.checkpoint(A(20.05), record=seg2)
    return verdict(False, False, finding("malformed-manifest", "cam1", 3))


def case_malformed_manifest_duration(store):
    three_segments(store, options={2: {"mutate": lambda m: m.update(
        durationNs=m["durationNs"] + FRAME_NS)}})
    return verdict(False, False, *dropped_out("malformed-manifest"))


def case_misnamed_manifest(store):
    _, (_, seg2, seg3) = three_segments(store)
    swap_names(seg2, seg3)
    return verdict(False, False, finding("misnamed-manifest", "cam1", 2),
                   finding("misnamed-manifest", "cam1", 3))


def case_missing_sequence(store):
    _, (_, seg2, _) = three_segments(store)
    remove_record(seg2)
    return verdict(False, False, finding("missing-sequence", "cam1", 2),
                   finding("chain-broken", "cam1", 3),
                   finding("time-hole", "cam1", 3),
                   finding("truncated-below-checkpoint", "cam1", 3))


def case_duplicate_sequence(store):
    chain = Chain(store, "cam1")
    chain.segment(1, A(0), A(10))
    chain.segment(2, A(10), A(20))
    chain.gap(2, A(10), A(20), "crash", "recorder did not stop cleanly")
    chain.segment(3, A(20), A(30))
    chain.checkpoint(A(30.05))
    return verdict(False, False, finding("duplicate-sequence", "cam1", 2))


def case_chain_broken(store):
    three_segments(store, options={2: {"previous": sha256_hex(b"not a manifest")}})
    return verdict(False, False, finding("chain-broken", "cam1", 2))


def case_ciphertext_mismatch(store):
    _, (_, seg2, seg3) = three_segments(store)
    flip_byte(seg2.segment_path, 100)
    with open(seg3.segment_path, "r+b") as f:
        f.truncate(len(segment_bytes("cam1", 3)) - 1)
    return verdict(False, False, finding("ciphertext-mismatch", "cam1", 2),
                   finding("ciphertext-mismatch", "cam1", 3))


def case_missing_file(store):
    _, (_, seg2, _) = three_segments(store)
    remove(seg2.segment_path)
    return verdict(False, False, finding("missing-file", "cam1", 2))


def case_time_hole(store):
    chain = Chain(store, "cam1")
    chain.segment(1, A(0), A(10))
    chain.segment(2, A(62), A(72))  # 52 s after segment 1's end, no gap
    chain.segment(3, A(73, 1), A(83, 1))  # 1.000000001 s after segment 2's end
    chain.checkpoint(A(83.1))
    return verdict(False, False, finding("time-hole", "cam1", 2),
                   finding("time-hole", "cam1", 3))


def case_bad_checkpoint_edited(store):
    three_segments(store)
    replace_bytes(os.path.join(store, ".checkpoints", "cam1.json"),
                  b"14:33:31.050000000Z", b"14:33:31.050000001Z")
    return verdict(False, False, finding("bad-checkpoint", "cam1"))


def case_bad_checkpoint_other_key(store):
    chain, _ = three_segments(store, checkpoint=False)
    chain.checkpoint(A(30.05), key=OTHER_KEY)
    return verdict(False, False, finding("bad-checkpoint", "cam1"))


def case_truncated_below_checkpoint_newest(store):
    _, (_, _, seg3) = three_segments(store)
    remove_record(seg3)
    return verdict(False, False, finding("truncated-below-checkpoint", "cam1", 3))


def case_truncated_below_checkpoint_camera_deleted(store):
    for camera in ("cam1", "cam2"):
        chain = Chain(store, camera)
        chain.segment(1, A(0), A(10))
        chain.segment(2, A(10), A(20))
        chain.checkpoint(A(20.05))
    shutil.rmtree(os.path.join(store, "cam2"))
    return verdict(False, False, finding("truncated-below-checkpoint", "cam2", 2))


CASES = [(name[len("case_"):].replace("_", "-"), function)
         for name, function in list(globals().items()) if name.startswith("case_")]


# ---------------------------------------------------------------------------

def write_case(root, name, build):
    store = os.path.join(root, name)
    os.makedirs(store)
    expected = build(store)
    shutil.copyfile(VECTOR_KEY + ".pub", os.path.join(store, "key.pub"))
    with open(os.path.join(store, "expected.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(expected, indent=1) + "\n")


def main():
    if not shutil.which("minisign"):
        sys.exit("make-vectors.py needs the minisign CLI")
    ensure_key(VECTOR_KEY)
    ensure_key(OTHER_KEY)
    write_canonical_json(os.path.join(HERE, "canonical.json"))
    root = os.path.join(HERE, "chains")
    shutil.rmtree(root, ignore_errors=True)
    for name, build in CASES:
        write_case(root, name, build)
    print("wrote canonical.json and %d cases in chains/" % len(CASES))


if __name__ == "__main__":
    main()
