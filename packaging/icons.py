"""Renders resources/icons/offramp.svg into the icon files builds need: .ico (Windows), .icns (macOS), and
a folder of PNGs, one per size, that the frozen wizard sets as its window icon (so it needs no svg icon
engine, and Qt decodes only the size it shows).

Run by build.spec at build time, so the SVG stays the only icon source in the repository. Qt draws each size
and Qt's PNG writer encodes it; both containers accept PNG images (Windows since Vista, macOS since 10.7), so
the few bytes of container header are all this module writes itself.

    python packaging/icons.py SOURCE.svg TARGET.ico|TARGET.icns|FOLDER
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
WINDOW_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)  # title bars to task switchers on high-DPI screens
# ICNS image types holding PNG data, by pixel size (Apple's "icp4"... "ic10").
ICNS_TYPES = (
    (16, b"icp4"),
    (32, b"icp5"),
    (64, b"icp6"),
    (128, b"ic07"),
    (256, b"ic08"),
    (512, b"ic09"),
    (1024, b"ic10"),
)


def render_pngs(svg: Path, sizes: list[int]) -> dict[int, bytes]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read the SVG {svg}")
    pngs = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = QImageWriter(buffer, b"png")
        if not writer.write(image):
            raise SystemExit(f"cannot encode the {size}px icon: {writer.errorString()}")
        buffer.close()
        pngs[size] = bytes(data.data())
    del app
    return pngs


def ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO file: ICONDIR, one ICONDIRENTRY per image (0 means 256 px), then the images."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, images = b"", b""
    for size, png in sorted(pngs.items()):
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset)
        images += png
        offset += len(png)
    return header + entries + images


def icns(pngs: dict[int, bytes]) -> bytes:
    """An ICNS file: 'icns' and the total length, then (type, length including its 8-byte header, data)."""
    body = b"".join(kind + struct.pack(">I", len(pngs[size]) + 8) + pngs[size] for size, kind in ICNS_TYPES)
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def main(argv: list[str]) -> int:
    svg, target = Path(argv[0]), Path(argv[1])
    if target.suffix == ".ico":
        data = ico(render_pngs(svg, list(ICO_SIZES)))
    elif target.suffix == ".icns":
        data = icns(render_pngs(svg, [size for size, _ in ICNS_TYPES]))
    elif not target.suffix:
        target.mkdir(parents=True, exist_ok=True)
        for size, png in render_pngs(svg, list(WINDOW_ICON_SIZES)).items():
            (target / f"{svg.stem}-{size}.png").write_bytes(png)
        return 0
    else:
        raise SystemExit(f"unknown icon format: {target.suffix} (expected .ico, .icns or a folder)")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
