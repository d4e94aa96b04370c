"""A TCP proxy in front of a real redis-server: it adds a round trip's latency, and can hold
the replies to scripts, so that a test can act between a script running and its reply.

Hand-written (about 80 lines) rather than toxiproxy: one more server binary to install for
two behaviours that asyncio streams give directly.
"""

from __future__ import annotations

import asyncio
import contextlib


class RedisProxy:
    """Forwards 127.0.0.1:``port`` to Redis at ``target_port``, ``latency`` s each round trip."""

    def __init__(self, target_port: int, *, latency: float = 0.0) -> None:
        self.target_port = target_port
        self.latency = latency
        self.port = 0
        self._server: asyncio.Server | None = None
        self._holding = False
        self._released = asyncio.Event()
        self.reply_held = asyncio.Event()  # a script's reply is held (so the script ran)
        self._forwarded = 0
        self._counted = asyncio.Condition()
        self._pumps: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> RedisProxy:
        self._server = await asyncio.start_server(self._connected, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def hold_script_replies(self) -> None:
        """Hold every script's reply from now until ``release()``."""
        self._holding = True
        self._released.clear()

    def release(self) -> None:
        self._holding = False
        self._released.set()

    async def script_replies_forwarded(self, count: int) -> None:
        """Return once ``count`` replies to scripts have gone through to the clients."""
        async with self._counted:
            await self._counted.wait_for(lambda: self._forwarded >= count)

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
        for pump in list(self._pumps):
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        # Whether a script was sent on this connection and its reply has not come back yet.
        # redis-py waits for a command's reply before it sends the next on a connection (its
        # handshake alone is pipelined, and answered before the connection is used), so the
        # first bytes back after a script are its reply: no need to count commands per chunk.
        script_sent = [False]
        for pump in (
            self._pump(reader, up_writer, script_sent, upstream=True),
            self._pump(up_reader, writer, script_sent, upstream=False),
        ):
            task = asyncio.ensure_future(pump)
            self._pumps.add(task)
            task.add_done_callback(self._pumps.discard)

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        script_sent: list[bool],
        *,
        upstream: bool,
    ) -> None:
        # Half the round trip each way, each chunk delayed from when it came (a queue, so
        # that chunks in a row are not delayed one after the other).
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def read() -> None:
            while data := await reader.read(65536):
                if upstream and (b"EVALSHA" in data.upper() or b"\r\nEVAL\r\n" in data.upper()):
                    script_sent[0] = True
                queue.put_nowait((loop.time() + self.latency / 2, data))
            queue.put_nowait((0.0, b""))

        reading = asyncio.ensure_future(read())
        try:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                await asyncio.sleep(max(0.0, due - loop.time()))
                script = not upstream and script_sent[0]
                if script:
                    script_sent[0] = False
                if script and self._holding:
                    self.reply_held.set()
                    await self._released.wait()
                writer.write(data)
                await writer.drain()
                if script:
                    async with self._counted:
                        self._forwarded += 1
                        self._counted.notify_all()
        except OSError:
            pass
        finally:
            reading.cancel()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await reading
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
