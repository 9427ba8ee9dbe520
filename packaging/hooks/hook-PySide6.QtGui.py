"""PyInstaller's own QtGui hook, keeping only the Qt plugins build.spec lists in hooksconfig["offramp"].

Filtering here, before PyInstaller follows each plugin's shared libraries, is what keeps a dropped plugin's
dependencies (GTK for the gtk3 theme, the Wayland client stack, EGL device support) out of the bundle; filtering
Analysis.binaries afterwards would drop the plugin but keep everything it had pulled in.
"""

from pathlib import PurePath

from PyInstaller.utils.hooks import get_hook_config
from PyInstaller.utils.hooks.qt import add_qt6_dependencies


def hook(hook_api):
    hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
    # types-pyinstaller declares get_hook_config as returning None; it returns the setting, or None without one.
    keep = get_hook_config(hook_api, "offramp", "qt_plugins")  # type: ignore[func-returns-value]
    if keep is not None:
        # Each entry is (source file, destination folder ending in plugins/<type>).
        binaries = [
            (src, dest)
            for src, dest in binaries
            if PurePath(src).stem.removeprefix("lib") in keep.get(PurePath(dest).name, ())
        ]
    hook_api.add_imports(*hiddenimports)
    hook_api.add_binaries(binaries)
    hook_api.add_datas(datas)
