"""The debrief with its films, rendered in the background for the instructor console:
`icu-dashboard debrief SESSION --video --pdf --out REPORT.html --progress lines` run as a
QProcess, so the console stays usable while it works (a 20-minute drill takes a few
minutes), its progress read from the lines it prints. The render is a process of its
own, not a thread: it paints a monitor window offscreen, which only a GUI thread may do,
and a process leaves the console's own frame rate alone.

No import of the renderer here (it sits above the UI layer): the command line is the
interface."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from PySide6 import QtCore


class VideoJob(QtCore.QObject):
    """One background render. `progress(percent)`, then `finished(ok, message)`."""

    progress = QtCore.Signal(int)
    finished = QtCore.Signal(bool, str)

    def __init__(self, session: Path, report: Path, parent: QtCore.QObject | None = None,
                 *, program: list[str] | None = None) -> None:
        super().__init__(parent)
        self.session, self.report = Path(session), Path(report)
        self.proc = QtCore.QProcess(self)
        self._err = ""
        self._tail = ""
        cmd = program or [sys.executable, "-m", "dashboard.app"]
        self.proc.setProgram(cmd[0])
        self.proc.setArguments([*cmd[1:], "debrief", str(self.session), "--video", "--pdf",
                                "--out", str(self.report), "--progress", "lines"])
        env = QtCore.QProcessEnvironment.systemEnvironment()
        env.insert("QT_QPA_PLATFORM", "offscreen")
        self.proc.setProcessEnvironment(env)
        self.proc.readyReadStandardError.connect(self._read)
        self.proc.finished.connect(self._done)

    def start(self) -> None:
        self.proc.start()

    @property
    def running(self) -> bool:
        return self.proc.state() != QtCore.QProcess.ProcessState.NotRunning

    def cancel(self) -> None:
        """Stop it (the command removes its unfinished files on SIGTERM)."""
        if self.running:
            self.proc.terminate()
            self.proc.waitForFinished(5000)

    def _read(self) -> None:
        self._tail += bytes(self.proc.readAllStandardError().data()).decode("utf-8", "replace")
        *lines, self._tail = self._tail.split("\n")
        for line in lines:
            if line.startswith("progress "):
                done, _, total = line[9:].partition("/")
                if done.isdigit() and total.isdigit() and int(total):
                    self.progress.emit(int(done) * 100 // int(total))
            elif line.strip():
                self._err = line.strip()

    def _done(self, code: int, _status: object) -> None:
        self._read()
        if self._tail.strip():
            self._err = self._tail.strip()
        if code == 0:
            self.finished.emit(True, f"Film written: {self.report.with_suffix('.mp4').name} "
                                     f"beside {self.report.name}, which plays it.")
        else:
            self.finished.emit(False, self._err or f"the render stopped (exit {code})")


def start_video_job(session: Path, report: Path, parent: QtCore.QObject,
                    on_progress: Callable[[int], None],
                    on_finished: Callable[[bool, str], None]) -> VideoJob:
    job = VideoJob(session, report, parent)
    job.progress.connect(on_progress)
    job.finished.connect(on_finished)
    job.start()
    return job
