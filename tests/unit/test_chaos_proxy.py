"""The fault suite's loopback proxy: passes, delays, partitions and drops."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest
from harness.proxy import Mode, TcpProxy

from tessera_stack.layout import HOST

ECHO_PORT, PROXY_PORT = 28911, 28912


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(1024):
            writer.write(data)
            await writer.drain()
    writer.close()


async def round_trip(writer: asyncio.StreamWriter, reader: asyncio.StreamReader) -> bytes:
    writer.write(b"ping")
    await writer.drain()
    return await reader.read(1024)


async def test_the_proxy_passes_delays_and_partitions() -> None:
    server = await asyncio.start_server(echo, HOST, ECHO_PORT)
    proxy = TcpProxy(PROXY_PORT, ECHO_PORT)
    await proxy.start()
    try:
        reader, writer = await asyncio.open_connection(HOST, PROXY_PORT)
        assert await round_trip(writer, reader) == b"ping"
        proxy.latency = 0.1
        proxy.set(Mode.LATENCY)
        began = time.monotonic()
        assert await round_trip(writer, reader) == b"ping"
        assert time.monotonic() - began >= 0.2  # each way
        proxy.set(Mode.PARTITION)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(round_trip(writer, reader), 0.3)
        proxy.set(Mode.PASS)  # mended: what was held back crosses
        assert await asyncio.wait_for(reader.read(1024), 2) == b"ping"
        proxy.drop_share = 1.0
        proxy.set(Mode.DROPS)
        with pytest.raises(ConnectionResetError):  # an RST, as a dropped link gives
            await reader.read(1024)
        writer.close()
    finally:
        await proxy.stop()
        server.close()
        await server.wait_closed()
