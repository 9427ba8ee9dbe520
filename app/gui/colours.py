"""The few colours the wizard chooses itself, each made readable on the palette it is drawn on.

The system's palette decides almost everything (text, windows, buttons). Where the wizard adds colour (the
Done page's headline, the timeline's warning) or relies on a role the system may set too dark for its own
dark mode (links: Windows gives its accent colour, 3.6:1 on its dark window), the colour is measured with
the WCAG contrast ratio against what it is drawn on and moved towards white or black until it reaches
4.5:1, the level WCAG AA asks of text. The hue stays, so green still reads as done and red as stopped.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

TEXT = 4.5  # WCAG AA for body text
# What each tone starts from: on a light window, dark ones; on a dark window, light ones.
TONES = {
    "ok": ("#1b5e20", "#81c784"),
    "warn": ("#6b4000", "#ffb74d"),
    "wait": ("#6b4000", "#ffb74d"),
    "bad": ("#8e0000", "#ff8a80"),
    "warning": ("#b3261e", "#ff8a65"),  # the timeline's "no updates" red-orange
}
# How strongly the timeline's no-updates band is tinted with the warning colour, on light and dark windows.
BAND_ALPHA = (0.14, 0.22)


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two opaque colours (1 to 21)."""

    def luminance(c: QColor) -> float:
        rgb = (c.redF(), c.greenF(), c.blueF())
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """t of colour a over 1 - t of colour b."""
    return QColor.fromRgbF(
        a.redF() * t + b.redF() * (1 - t), a.greenF() * t + b.greenF() * (1 - t), a.blueF() * t + b.blueF() * (1 - t)
    )


def is_dark(colour: QColor) -> bool:
    return colour.lightnessF() < 0.5


def readable(colour: QColor, *backgrounds: QColor, ratio: float = TEXT) -> QColor:
    """`colour`, or the nearest colour of its hue towards white (on dark backgrounds) or black (on light ones)
    that reaches `ratio` against every one of `backgrounds`."""
    if all(contrast(colour, b) >= ratio for b in backgrounds):
        return colour
    towards = QColor.fromRgbF(1, 1, 1) if is_dark(backgrounds[0]) else QColor.fromRgbF(0, 0, 0)
    for step in range(1, 21):
        moved = mix(towards, colour, step / 20)
        if all(contrast(moved, b) >= ratio for b in backgrounds):
            return moved
    return towards


def tone(kind: str, palette: QPalette) -> QColor:
    """The colour of a tone ("ok", "warn", "wait", "bad", "warning") readable on this palette's window."""
    window = palette.color(QPalette.ColorRole.Window)
    light, dark = TONES[kind]
    return readable(QColor(dark if is_dark(window) else light), window)


def band(palette: QPalette) -> tuple[QColor, QColor]:
    """(text, fill) of the timeline's no-updates band: the fill a tint of the warning colour over the window,
    the text readable on the fill and on the window beside it (where the same colour marks the cut-off)."""
    window = palette.color(QPalette.ColorRole.Window)
    warning = tone("warning", palette)
    fill = mix(warning, window, BAND_ALPHA[is_dark(window)])
    return readable(warning, fill, window), fill


def fit_links(palette: QPalette) -> bool:
    """Makes the link colours of `palette` readable on its window and base; True when it had to change them.

    Only the link roles change, so a palette that followed the system still does in every other role.
    It changes `palette` itself: copying a palette (or naming a colour) would make PySide6 build its whole
    `Qt` namespace, which the first page avoids (see app/gui/pages/base.py)."""
    window, base = palette.color(QPalette.ColorRole.Window), palette.color(QPalette.ColorRole.Base)
    changed = False
    for role in (QPalette.ColorRole.Link, QPalette.ColorRole.LinkVisited):
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            colour = palette.color(group, role)
            better = readable(colour, window, base)
            if better != colour:
                palette.setColor(group, role, better)
                changed = True
    return changed
