"""SIGTERM and SIGINT, at any moment of the process's life, become one clean stop.

A signal handler of the usual kind cannot do this: before the event loop runs, Python's
default for SIGTERM kills the process; PTB's handlers (`loop.add_signal_handler`) raise
SystemExit wherever the loop happens to be, leaving half-done start-up steps and, at a
second signal, half a shutdown (an open database, whose thread then keeps the process
alive); and closing the loop restores the default, fatal, disposition.

So the signals are blocked from the first line of `python -m bot` on, in the main thread
and thus in every thread it starts afterwards (threads inherit the mask), and one thread
takes them with `sigwait`: a signal can never interrupt anything, it is only a request,
handed to the event loop when one is listening and remembered until then.
"""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing asyncio would be time spent before the signals are taken
    import asyncio
    from collections.abc import Callable

STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT})


class StopRequests:
    """The stop signals, received by a thread of their own and passed to the event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # the waiting thread against connect/disconnect
        self._requested = False
        self._target: tuple[asyncio.AbstractEventLoop, Callable[[], None]] | None = None
        self._thread: threading.Thread | None = None

    def install(self) -> None:
        """Block the stop signals and start taking them; call it before any other thread
        exists (a thread started earlier could still receive them, and die of them)."""
        if self._thread is not None or not hasattr(signal, "sigwait"):
            return  # already done; or Windows, which has neither masks nor sigwait
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        # A daemon: blocked in sigwait, it must not keep the process alive at exit.
        self._thread = threading.Thread(target=self._wait, name="stop signals", daemon=True)
        self._thread.start()

    def connect(self, loop: asyncio.AbstractEventLoop, on_stop: Callable[[], None]) -> None:
        """From now on, call `on_stop` in `loop` at each stop signal, and at once for one
        that came before. `on_stop` may be called several times."""
        with self._lock:
            self._target = (loop, on_stop)
            if self._requested:
                loop.call_soon_threadsafe(on_stop)

    def disconnect(self) -> None:
        """Before the loop closes: a signal from now on is ignored (the process is ending)."""
        with self._lock:
            self._target = None

    def _wait(self) -> None:
        while True:
            signal.sigwait(STOP_SIGNALS)
            with self._lock:
                self._requested = True
                if self._target is not None:
                    loop, on_stop = self._target
                    loop.call_soon_threadsafe(on_stop)


# The process's one receiver: `python -m bot` installs it first thing, bot.app connects to it.
stop_requests = StopRequests()
