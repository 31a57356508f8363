"""Run the Complexity page's measurements in a process of their own, one at a time.

Why not in the server process:

- safety: peak memory is measured with ``tracemalloc``, started and stopped around each job; with a
  class of sessions allocating in other threads, CPython 3.11 crashed the whole server
  (a segfault in ``libpython``, 30 simulated students). In its own process nothing else allocates;
- honest numbers: the students' page redraws no longer take the measurement's interpreter lock, and
  ``tracemalloc`` sees the measurement's allocations only;
- a real lease: a measurement that hangs is killed, not just abandoned; a crash (or the kernel's
  out-of-memory killer) fails that one request, and the next one gets a fresh process.

The process is started on the first measurement (a fresh interpreter, never a fork of the threaded
server) and kept for the next ones; it exits when the server closes its pipe (or goes away).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from ui.complexity_queue import Abandoned

ROOT = Path(__file__).resolve().parent.parent  # the child runs `python -m ui.complexity_process` from here
POLL_S = 0.5  # how often the waiting thread checks that the child lives and the run is still wanted
IN_PROCESS = os.name != "posix"  # no pipes to hand a child there (Windows): measure in the server, as before


def serve(inbox: Connection, outbox: Connection) -> None:
    """The child's loop: settings in, progress and one outcome out, until the server goes away."""
    from ui.complexity_run import measure  # numpy and pandas only: no streamlit in this process

    while True:
        try:
            settings = inbox.recv()
        except (EOFError, OSError):  # the server has gone
            return
        try:
            result = measure(settings, lambda fraction, text, news=None: outbox.send(("progress", fraction, text, news)))
            outbox.send(("done", result))
        except MemoryError:
            outbox.send(("memory",))
        except Exception as exc:  # noqa: BLE001 - reported to the student, and the process stays usable
            outbox.send(("error", f"{type(exc).__name__}: {exc}"))


class MeasuringProcess:
    """A runner for :class:`ui.complexity_queue.MeasurementQueue` that measures in a child process.

    The child is ``python -m ui.complexity_process`` (a plain subprocess, so nothing of the server, not
    even its main module, is imported there), talking over two pipes.
    """

    def __init__(self, command: list[str] | None = None):
        self._command = command or [sys.executable, "-m", "ui.complexity_process"]
        self._lock = threading.Lock()  # one run at a time, even while an abandoned run is being killed
        self._process: subprocess.Popen | None = None
        self._inbox = self._outbox = None
        self.started = 0  # processes started (for tests)

    def __call__(self, settings, report: Callable[..., None]):
        if IN_PROCESS:
            from ui.complexity_run import measure

            return measure(settings, report)
        if not self._lock.acquire(timeout=4 * POLL_S):  # an abandoned run still holds it: end that run
            self._end()
            if not self._lock.acquire(timeout=30):
                raise RuntimeError("the measuring process did not come free")
        try:
            return self._run(settings, report)
        finally:
            self._lock.release()

    def _run(self, settings, report: Callable[..., None]):
        """One run in the child (the caller holds the lock)."""
        self._ensure()
        process, inbox = self._process, self._inbox  # kept: another thread may end this child meanwhile
        try:
            self._outbox.send(settings)
            while True:
                if inbox.poll(POLL_S):
                    kind, *payload = inbox.recv()  # EOFError if the child has died
                    if kind == "progress":
                        report(*payload)
                    elif kind == "done":
                        return payload[0]
                    elif kind == "memory":
                        raise MemoryError
                    else:
                        raise RuntimeError(payload[0])
                elif process.poll() is None:
                    report(None)  # raises Abandoned if the queue has given up on this run
                else:
                    raise EOFError
        except (EOFError, OSError):  # the child crashed (or was killed by the system)
            code = self._end()
            raise RuntimeError(f"the measuring process stopped unexpectedly (exit code {code})") from None
        except Abandoned:  # a run nobody waits for any more: kill it
            self._end()
            raise

    def _ensure(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        self._forget()
        from_child, to_parent = os.pipe()
        from_parent, to_child = os.pipe()
        try:
            self._process = subprocess.Popen([*self._command, str(from_parent), str(to_parent)], cwd=ROOT,
                                             pass_fds=(from_parent, to_parent), stdin=subprocess.DEVNULL)
        finally:
            os.close(from_parent)
            os.close(to_parent)
        self._inbox, self._outbox = Connection(from_child, writable=False), Connection(to_child, readable=False)
        self.started += 1

    def stop(self) -> None:
        """Kill the child (if any); the next run starts a fresh one."""
        self._end()

    def _end(self) -> int | None:
        """Kill the child if it still runs, forget it, and return its exit code."""
        code = None
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            code = self._process.wait(timeout=10)
        self._forget()
        return code

    def _forget(self) -> None:
        for conn in (self._inbox, self._outbox):
            if conn is not None:
                conn.close()
        self._process = self._inbox = self._outbox = None


if __name__ == "__main__":  # the child: python -m ui.complexity_process FROM_PARENT_FD TO_PARENT_FD
    serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
