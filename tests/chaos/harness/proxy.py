"""A loopback TCP proxy the suite controls: pass, add latency, drop connections, or
partition (a black hole: connections stay open and nothing crosses, as on a cut link)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
from enum import Enum

from tessera_stack.layout import HOST

CHUNK = 65536


class Mode(Enum):
    PASS = "pass"
    LATENCY = "latency"  # every chunk waits `latency` seconds, each way
    DROPS = "drops"  # a share of connections is reset, new and established alike
    PARTITION = "partition"  # nothing crosses, nothing is closed


class TcpProxy:
    """Listens on 127.0.0.1:`port` and forwards to `target_port`."""

    def __init__(self, port: int, target_port: int) -> None:
        self.port = port
        self.target_port = target_port
        self.mode = Mode.PASS
        self.latency = 0.2
        self.drop_share = 0.3
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, HOST, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._links):
            task.cancel()
        await asyncio.gather(*self._links, return_exceptions=True)

    def set(self, mode: Mode) -> None:
        """Change the link's behaviour from now on; DROPS also resets a share of the
        connections already open."""
        self.mode = mode
        if mode is Mode.PARTITION:
            self._flowing.clear()
        else:
            self._flowing.set()
        if mode is Mode.DROPS:
            for writer in list(self._writers):
                if random.random() < self.drop_share:
                    _reset(writer)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode is Mode.DROPS and random.random() < self.drop_share:
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(HOST, self.target_port)
        except OSError:
            _reset(writer)
            return
        self._writers |= {writer, up_writer}
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._links.add(task)
            task.add_done_callback(self._links.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(CHUNK):
                await self._flowing.wait()
                if self.mode is Mode.DROPS and random.random() < self.drop_share / 10:
                    _reset(sink)  # an established connection dropped mid-stream
                    return
                if self.mode is Mode.LATENCY:
                    await asyncio.sleep(self.latency)
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(sink)
            with contextlib.suppress(Exception):
                sink.close()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST, as a dropped link looks to its ends."""
    transport = writer.transport
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
