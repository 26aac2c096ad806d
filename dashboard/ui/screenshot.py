"""Save a widget's image as a PNG through the output rules: the PNG is encoded in memory
and written whole (an existing file replaced only when the new one is complete, a device
or pipe written through), and a failure says why."""

from __future__ import annotations

from PySide6 import QtCore, QtGui

from replay_data.output_file import OutputError, write_bytes


def png_bytes(image: QtGui.QImage | QtGui.QPixmap) -> bytes:
    buf = QtCore.QBuffer()
    buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buf, "PNG"):
        raise OutputError("could not encode the PNG (empty image?)")
    return bytes(buf.data())


def save_png(image: QtGui.QImage | QtGui.QPixmap, path: str, option: str = "--screenshot"
             ) -> None:
    write_bytes(path, png_bytes(image), option)
