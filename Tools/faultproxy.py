#!/usr/bin/env python3
"""A fault-injecting TCP proxy for the uplink's network fault tests.

    faultproxy.py LISTEN_HOST:PORT UPSTREAM_HOST:PORT MODE_FILE

Forwards every connection to the upstream, and misbehaves as MODE_FILE says. The file is
read again whenever it changes, so a test switches faults while connections are open:

    pass                 forward untouched
    delay MS             hold every chunk MS milliseconds in each direction (latency, not a
                         rate limit: reading goes on while chunks wait)
    stall                forward nothing until the mode changes (connections stay open)
    reset BYTES          reset each connection (TCP RST) once BYTES went upstream on it
    throttle BYTES_PER_S forward at most that many bytes a second in each direction

Bytes forwarded upstream, in total, are written to MODE_FILE.bytes four times a second
(for measuring a sender's rate). One line per injected reset goes to standard error. The kernel here
has no netem; this proxy stands in for delay, stalls and resets (Tools/check-network-faults).
"""
import asyncio
import os
import socket
import struct
import sys
import time

CHUNK = 16384
UPSTREAM_BYTES = [0]


class Mode:
    def __init__(self, path):
        self.path = path
        self.stamp = None
        self.kind, self.value = "pass", 0

    def current(self):
        try:
            stamp = os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            return self.kind, self.value
        if stamp != self.stamp:
            self.stamp = stamp
            with open(self.path) as f:
                words = f.read().split()
            kind = words[0] if words else "pass"
            if kind not in ("pass", "delay", "stall", "reset", "throttle"):
                print(f"faultproxy: unknown mode {kind!r} in {self.path}; forwarding untouched",
                      file=sys.stderr, flush=True)
                kind = "pass"
            value = int(words[1]) if len(words) > 1 else 0
            if (kind, value) != (self.kind, self.value):
                print(f"faultproxy: mode {kind} {value}", file=sys.stderr, flush=True)
            self.kind, self.value = kind, value
        return self.kind, self.value


def abort(writer):
    """Close with RST rather than FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


async def pump(reader, writer, mode, upstream_bound, counter, peers):
    """Reads chunks into a queue and writes them out when their delay has passed."""
    queue = asyncio.Queue()

    async def read_side():
        while True:
            while mode.current()[0] == "stall":
                await asyncio.sleep(0.05)
            data = await reader.read(CHUNK)
            await queue.put((time.monotonic(), data))
            if not data:
                return

    async def write_side():
        while True:
            arrived, data = await queue.get()
            kind, value = mode.current()
            if kind == "delay":
                wait = arrived + value / 1000 - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            while mode.current()[0] == "stall":
                await asyncio.sleep(0.05)
            if not data:
                writer.write_eof() if writer.can_write_eof() else None
                return
            kind, value = mode.current()
            if upstream_bound and kind == "reset" and counter[0] + len(data) >= value:
                print(f"faultproxy: reset after {counter[0]} bytes upstream", file=sys.stderr, flush=True)
                for peer in peers:
                    abort(peer)
                return
            if kind == "throttle" and value > 0:
                await asyncio.sleep(len(data) / value)
            writer.write(data)
            await writer.drain()
            if upstream_bound:
                counter[0] += len(data)
                UPSTREAM_BYTES[0] += len(data)

    await asyncio.gather(read_side(), write_side())


async def handle(client_reader, client_writer, upstream, mode):
    try:
        up_reader, up_writer = await asyncio.open_connection(*upstream)
    except OSError as error:
        print(f"faultproxy: upstream {upstream[0]}:{upstream[1]}: {error}", file=sys.stderr, flush=True)
        abort(client_writer)
        return
    peers = (client_writer, up_writer)
    counter = [0]
    try:
        await asyncio.gather(
            pump(client_reader, up_writer, mode, True, counter, peers),
            pump(up_reader, client_writer, mode, False, counter, peers))
    except (ConnectionError, OSError, asyncio.IncompleteReadError):
        pass
    finally:
        for peer in peers:
            if not peer.is_closing():
                peer.close()


def address(text):
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        sys.exit(f"faultproxy: {text!r}: expected HOST:PORT")
    return host, int(port)


async def report_bytes(path):
    while True:
        with open(path + ".tmp", "w") as f:
            f.write(f"{UPSTREAM_BYTES[0]}\n")
        os.replace(path + ".tmp", path)
        await asyncio.sleep(0.25)


async def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    listen, upstream, mode = address(sys.argv[1]), address(sys.argv[2]), Mode(sys.argv[3])
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, upstream, mode), listen[0], listen[1], reuse_address=True)
    print(f"faultproxy: listening on {listen[0]}:{listen[1]} → {upstream[0]}:{upstream[1]}",
          file=sys.stderr, flush=True)
    reporter = asyncio.create_task(report_bytes(sys.argv[3] + ".bytes"))
    async with server:
        await server.serve_forever()
    reporter.cancel()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
