"""Reading a child's output on a thread, for programs that need a pipe but are watched while they run.

Windows programs under Wine need real pipes for their standard streams, and the tests look at the window while
the program runs, so the pipe is drained on a thread. The thread reads a descriptor of its own (a duplicate)
and is the only one to close it, at end of file. The caller closes its pipe whenever it likes.

Why not read the Popen's descriptor by number: Wine's services may hold the pipe open after the program exits,
so the read never ends, and the caller's close() does not wake a thread blocked in read(). When the process is
then stopped and continued (a debugger, a sampler, a paused machine) or a signal lands, the kernel or Python
retries read() by number, and by then the number belongs to whatever was opened next: the thread takes that
file's or pipe's bytes from its owner. tests/integration/test_power_cut.py has a test of the same rule.
"""

from __future__ import annotations

import os
import threading
from typing import IO


class Drain:
    """Collects everything written to `pipe` until end of file."""

    def __init__(self, pipe: IO[bytes]) -> None:
        self._chunks: list[bytes] = []
        self._thread = threading.Thread(target=self._read, args=(os.dup(pipe.fileno()),), daemon=True)
        self._thread.start()

    def _read(self, fd: int) -> None:
        try:
            while chunk := os.read(fd, 65536):
                self._chunks.append(chunk)
        except OSError:
            pass
        finally:
            os.close(fd)

    def join(self, timeout: float) -> bool:
        """Waits up to `timeout` seconds for end of file; True once the pipe is drained."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def text(self) -> str:
        """What arrived so far, decoded leniently."""
        return b"".join(self._chunks).decode(errors="replace")
