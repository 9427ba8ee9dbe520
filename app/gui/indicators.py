"""Tick boxes and radio buttons whose edge can be seen on a dark window.

Qt's Fusion style (what the wizard gets on a desktop without a Qt theme of its own, as on GNOME) draws
an indicator's edge a shade darker than the window: on a dark window that edge all but vanishes, so an
unticked "Also delete what the product leaves behind" or an unchosen radio button reads as empty space
(measured: 1.1:1 against Breeze Dark's window). WCAG asks 3:1 of the boundary of a control. This style
draws what the system's style draws, then, on a dark window only, a ring in the window text's colour
moved only as far towards the window as keeps it well above 3:1, so the system's look stays and the control shows.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleOption, QWidget

from offramp.gui.colours import contrast, is_dark, mix

CONTROL = 3.0  # WCAG 2.1, 1.4.11: the visual boundary of a user-interface component
# The ring is drawn for more, as its one anti-aliased pixel blends into the window on a curve's edge.
RING = 4.5
_RING = (QStyle.PrimitiveElement.PE_IndicatorCheckBox, QStyle.PrimitiveElement.PE_IndicatorRadioButton)


def ring_colour(palette: QPalette) -> QColor:
    """The softest mix of window text into the window that reaches RING against it (so its pixels keep 3:1)."""
    window, text = palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.WindowText)
    for step in range(1, 21):
        colour = mix(text, window, step / 20)
        if contrast(colour, window) >= RING:
            return colour
    return text


class VisibleIndicators(QProxyStyle):
    """The application's style, with a visible ring around check box and radio button indicators on dark
    windows (see the module docstring); everything else is drawn by the style it wraps."""

    def drawPrimitive(
        self, element: QStyle.PrimitiveElement, option: QStyleOption, painter: QPainter, widget: QWidget | None = None
    ) -> None:
        super().drawPrimitive(element, option, painter, widget)
        if element not in _RING or not is_dark(option.palette.color(QPalette.ColorRole.Window)):
            return
        rect = QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(ring_colour(option.palette), 1.0))
        painter.setBrush(QColor(0, 0, 0, 0))
        if element == QStyle.PrimitiveElement.PE_IndicatorRadioButton:
            painter.drawEllipse(rect)
        else:
            painter.drawRoundedRect(rect, 2.0, 2.0)
        painter.restore()


def install(app: object) -> None:
    """Wraps the application's style (before a style sheet is set, which wraps this one in turn)."""
    from PySide6.QtWidgets import QApplication

    assert isinstance(app, QApplication)
    app.setStyle(VisibleIndicators(app.style().name()))
