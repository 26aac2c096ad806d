"""The encoder in a process of its own, so that converting and encoding a frame (about as
long as painting it) runs on the second core while the window paints the next one: PyAV
holds the GIL while it works, so a thread would not run beside the painting.

The child reads frames from its stdin: an 8-byte header (count, payload bytes; two
little-endian uint32), then the BGRA payload, or none for "the last frame again" (a held
pause). EOF: finish the file, exit 0. A failure: one line on stderr -- "errno N: what" --
and exit 2; the parent turns it back into the OSError (ProcessEncoder). The child ignores
Ctrl-C: the terminal sends it to both, and the parent decides (it kills the child and
removes the unfinished file).
"""

from __future__ import annotations

import contextlib
import errno
import signal
import struct
import subprocess
import sys

import numpy as np

HEADER = struct.Struct("<II")


class ProcessEncoder:
    """FrameEncoder's interface, the work done by `python -m dashboard.video.encoder_process`."""

    def __init__(self, path: str, size: tuple[int, int], fps: int) -> None:
        self.path = path
        self.width, self.height = size
        self.frames = 0
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "dashboard.video.encoder_process", path,
             str(self.width), str(self.height), str(fps)],
            stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self._proc.stdin is not None
        self._pipe = self._proc.stdin

    def write(self, bgra: np.ndarray | memoryview | None, count: int = 1) -> None:
        """bgra: the picture ((h, w, 4) array, or its bytes as one buffer: the window's
        store handed over as it is, no copy); None: the last one again."""
        try:
            if bgra is None:
                self._pipe.write(HEADER.pack(count, 0))
            else:
                data = memoryview(bgra if isinstance(bgra, memoryview)
                                  else np.ascontiguousarray(bgra)).cast("B")
                self._pipe.write(HEADER.pack(count, len(data)))
                self._pipe.write(data)  # buffered: returns once all of it is in the pipe
        except (BrokenPipeError, ValueError):
            self._raise_child_error()
        self.frames += count

    def close(self) -> None:
        try:
            self._pipe.close()
        except BrokenPipeError:
            pass
        if self._proc.wait() != 0:
            self._raise_child_error()

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._proc.kill()
        self._proc.wait()
        with contextlib.suppress(OSError, ValueError):
            self._pipe.close()

    def _raise_child_error(self) -> None:
        self._proc.wait()
        assert self._proc.stderr is not None
        text = self._proc.stderr.read().decode("utf-8", "replace").strip()
        last = text.splitlines()[-1] if text else f"the encoder stopped ({self._proc.returncode})"
        code, _, what = last.partition(": ")
        if code.startswith("errno ") and code[6:].isdigit():
            raise OSError(int(code[6:]), what, self.path)
        raise OSError(errno.EIO, last, self.path)


def _read_exact(stream, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _read_into(stream, view: memoryview) -> bool:
    """Fill `view` from the stream (False: it ended first)."""
    got = 0
    while got < len(view):
        n = stream.readinto(view[got:])
        if not n:
            return False
        got += n
    return True


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    path, w, h, fps = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    from .encode import FrameEncoder  # av imported here, after the signal is set

    stdin = sys.stdin.buffer
    try:
        enc = FrameEncoder(path, (w, h), fps)
        # Read straight into the encoder's frame (one copy from the pipe, no more).
        target = enc.contiguous_plane()
        spare = memoryview(bytearray(w * h * 4)) if target is None else target
        try:
            while (head := _read_exact(stdin, HEADER.size)) is not None:
                count, size = HEADER.unpack(head)
                if size:
                    if size != w * h * 4 or not _read_into(stdin, spare):
                        raise OSError(errno.EPIPE, "the renderer stopped mid-frame", path)
                    if target is None:
                        enc.plane()[...] = np.frombuffer(spare, np.uint8).reshape(h, w, 4)
                enc.write(None, count, new=bool(size))
            enc.close()
        except BaseException:
            enc.abort()
            raise
    except OSError as exc:
        print(f"errno {exc.errno or errno.EIO}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
