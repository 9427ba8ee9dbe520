"""The translation catalogue is complete: every sentence a person reads is extractable, extracted, and translated.

- The template (resources/translations/offramp.pot) is what `make translations` makes from the code and the
  shipped YAML today, and every language's .po holds exactly its messages.
- Every message of every language is translated, none is fuzzy, and each translation fills in the same
  {names} as its English (every plural form keeps {n}); the plural forms are CLDR's.
- In the modules that talk to people (the command line, the plan, the steps, the session, the walkthrough, the
  report's page and its verdict, and every module of the window), no sentence is written outside `_()`,
  `ngettext()`, `Text()` or `PluralText()`, and what those are given is a literal the extractor can read,
  never an f-string.
"""

from __future__ import annotations

import ast
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from offramp.core import i18n
from tests.conftest import REPO, run_cli

sys.path.insert(0, str(REPO / "tools"))
import translations as extraction  # noqa: E402

FOLDER = REPO / "resources" / "translations"
LANGUAGES = sorted(p.stem for p in FOLDER.glob("*.po"))
TRANSLATING = {"_", "ngettext", "Text", "PluralText", "N_"}
# Calls whose words reach a person, and how many of their first arguments are identifiers, not words.
PERSON_FACING = {
    "say": 0,
    "print": 0,
    "input": 0,
    "getpass": 0,
    "progress": 0,
    "Outcome": 1,
    "done": 0,
    "failed": 0,
    "Step": 2,
    "Question": 1,
    "Problem": 0,
    "SessionError": 0,
    "PlanError": 0,
    "RecordDamaged": 0,
    "WalkthroughError": 0,
    "ArgumentTypeError": 0,
    "report": 0,  # a scan's progress
    "append": 0,  # warnings.append, to_do.append (a journal's append takes an event name: see _person_facing)
    # The window: what Qt shows of a widget, and the widgets built with their words.
    "setText": 0,
    "setTitle": 0,
    "setSubTitle": 0,
    "setToolTip": 0,
    "setStatusTip": 0,
    "setWhatsThis": 0,
    "setPlaceholderText": 0,
    "setWindowTitle": 0,
    "setAccessibleName": 0,
    "setAccessibleDescription": 0,
    "setButtonText": 1,  # the button's role, then its words
    "setHorizontalHeaderLabels": 0,
    "addItem": 0,
    "addButton": 0,
    "QLabel": 0,
    "QPushButton": 0,
    "QCheckBox": 0,
    "QRadioButton": 0,
    "QListWidgetItem": 0,
    "QTableWidgetItem": 0,
    "QMessageBox": 1,  # its icon, then the title and the text
    "question": 1,  # QMessageBox.question(parent, title, text), and .critical, .warning, .information
    "critical": 1,
    "warning": 1,
    "information": 1,
    "text": 0,  # Page.text(html): a page's paragraph
    "expandable": 0,
    "expands": 0,
    # The report's page: markup with its fields, and the verdict it shows.
    "html": 0,
    "Verdict": 1,  # its tone, then the headline and the detail
}
PERSON_KEYWORDS = {"to_do", "warning", "warnings", "message", "title", "detail"}
SCOPE = [
    REPO / "app" / "cli.py",
    *sorted((REPO / "app" / "commands").glob("*.py")),
    *(REPO / "app" / "core" / "migrate" / f"{name}.py" for name in ("plan", "steps", "runner", "session", "secrets")),
    REPO / "app" / "core" / "data" / "timeline.py",
    REPO / "app" / "core" / "scan" / "run.py",
    REPO / "app" / "core" / "output" / "walkthrough.py",
    REPO / "app" / "core" / "output" / "machine_walkthrough.py",
    REPO / "app" / "core" / "output" / "evidence.py",
    REPO / "app" / "core" / "output" / "verdict.py",
    REPO / "app" / "core" / "output" / "report_html.py",
    REPO / "app" / "core" / "wizard_flow.py",
    *sorted((REPO / "app" / "gui").rglob("*.py")),
]
# The walkthrough's say() looks a sentence up by its name in playbooks/walkthrough/walkthrough.yaml. The
# window's main.py prints only for scripts and the build ("ok", "first page shown"), which read English.
LOOKUPS = {"walkthrough.py": {"say"}, "machine_walkthrough.py": {"say"}, "main.py": {"print"}}
# Qt's own translation calls (self.tr, QApplication.translate): a second mechanism beside gettext, whose words
# `make translations` never sees. A painter's translate() moves it, and is not one.
QT_APPLICATIONS = {"QApplication", "QCoreApplication", "QGuiApplication"}
MARKUP = re.compile(r"<[^>]*>|&[a-z]+;")  # tags and entities are not words: f"<li>{item}</li>" says nothing


def _catalogue(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, charset="utf-8")


def _ids(catalogue: Catalog) -> set[object]:
    return {m.id for m in catalogue if m.id}


def test_the_template_is_what_the_sources_say_today() -> None:
    made = _ids(extraction.template())
    kept = _ids(_catalogue(FOLDER / extraction.TEMPLATE))
    assert made == kept, (
        f"run `make translations`: new {sorted(map(str, made - kept))[:5]}, gone {sorted(map(str, kept - made))[:5]}"
    )


def test_there_are_spanish_and_russian() -> None:
    assert {"es", "ru"} <= set(LANGUAGES)
    assert len(_ids(_catalogue(FOLDER / extraction.TEMPLATE))) > 400


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_the_same_names(language: str) -> None:
    template = _ids(_catalogue(FOLDER / extraction.TEMPLATE))
    catalogue = _catalogue(FOLDER / f"{language}.po")
    assert _ids(catalogue) == template, "run `make translations`"
    assert catalogue.num_plurals == get_plural(language).num_plurals
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        english = [str(text) for text in (message.id if isinstance(message.id, tuple) else (message.id,))]
        forms = [
            str(text or "") for text in (message.string if isinstance(message.string, tuple) else (message.string,))
        ]
        where = english[0][:70]
        if message.fuzzy:
            problems.append(f"fuzzy: {where}")
        if not all(forms):
            problems.append(f"not translated: {where}")
            continue
        wanted = i18n.fields_of(english[-1])
        for form in forms:
            if i18n.fields_of(form) != wanted:
                problems.append(f"{where}: fills in {sorted(i18n.fields_of(form))}, English {sorted(wanted)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalogue_compiles_and_is_read(language: str) -> None:
    data = i18n.compile_po((FOLDER / f"{language}.po").read_bytes())
    import gettext

    compiled = gettext.GNUTranslations(io.BytesIO(data))
    assert compiled.gettext("Write the report") != "Write the report"


def _person_facing(call: ast.Call, name: str) -> bool:
    """append() talks to a person only on a list of warnings or things to do; on a journal it takes an event."""
    if name != "append":
        return True
    target = call.func.value if isinstance(call.func, ast.Attribute) else None
    return isinstance(target, ast.Name) and target.id in ("warnings", "to_do", "remedy", "problems", "notes")


def _untranslated(path: Path) -> list[str]:
    """Sentences in person-facing calls that no translation call wraps, and translation calls that the extractor
    cannot read (an f-string, a sum of texts)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lookups = LOOKUPS.get(path.name, set())
    shown_as = path.relative_to(REPO) if path.is_relative_to(REPO) else path.name
    found: list[str] = []

    def name_of(call: ast.Call) -> str:
        func = call.func
        return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""

    def words(node: ast.AST) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return bool(re.search(r"[A-Za-z]{2,}", MARKUP.sub("", node.value)))
        if isinstance(node, ast.JoinedStr):
            return any(words(part) for part in node.values if isinstance(part, ast.Constant))
        return False

    def look(node: ast.AST, line: int) -> None:
        # A call inside is a translation, a person-facing call the walk checks itself, or a data lookup
        # (row.get('path')) whose texts are keys, not words.
        if isinstance(node, ast.Call | ast.Compare):  # a comparison's texts are values (platform == "windows")
            return
        if words(node):
            found.append(f"{shown_as}:{line}: {ast.unparse(node)[:80]}")
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FormattedValue | ast.expr):
                look(child, line)

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = name_of(node)
        if name in lookups:
            continue
        owner = node.func.value if isinstance(node.func, ast.Attribute) else None
        if name == "tr" or (name == "translate" and isinstance(owner, ast.Name) and owner.id in QT_APPLICATIONS):
            found.append(f"{shown_as}:{node.lineno}: Qt's {name}(), which no catalogue holds: use _()")
            continue
        if name in TRANSLATING:
            texts = node.args[:2] if name in ("ngettext", "PluralText") else node.args[:1]
            for text in texts:
                if not isinstance(text, ast.Constant | ast.Name | ast.Attribute | ast.Subscript):
                    found.append(f"{shown_as}:{node.lineno}: not extractable: {ast.unparse(text)[:80]}")
        elif name in PERSON_FACING and _person_facing(node, name):
            for arg in node.args[PERSON_FACING[name] :]:
                look(arg, node.lineno)
        for keyword in node.keywords:
            if keyword.arg in PERSON_KEYWORDS and name not in TRANSLATING:
                look(keyword.value, node.lineno)
    return found


def test_every_sentence_a_person_reads_is_extractable() -> None:
    found = [problem for path in SCOPE for problem in _untranslated(path)]
    assert not found, "\n".join(found)


def test_the_check_sees_a_sentence_outside_the_catalogue(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def f(x, step):\n"
        '    say(f"Removed {x} files")\n'
        '    say(_("Removed {x} files", x=x))\n'
        '    say(f"  {x}. {step}")\n'
        '    print(_(f"Removed {x}"))\n'
        '    return Outcome("failed", "it broke", exit_code=1)\n',
        encoding="utf-8",
    )
    found = _untranslated(probe)
    assert sorted(line.split(": ", 1)[0].rsplit(":", 1)[1] for line in found) == ["2", "5", "6"]


def test_the_check_sees_a_window_sentence_outside_the_catalogue(tmp_path: Path) -> None:
    window = tmp_path / "page.py"
    window.write_text(
        "def f(self, n, wizard):\n"
        '    self.setTitle("Choose a replacement")\n'
        '    self.setTitle(_("Choose a replacement"))\n'
        '    label = QLabel(f"{n} products", self)\n'
        '    self.box.setToolTip(self.tr("Show the log"))\n'
        '    QMessageBox.question(self, _("Restart needed"), "Restart now?")\n'
        '    wizard.setButtonText(QWizard.WizardButton.NextButton, "Next")\n'
        '    self.combo.addItem("Español", code)\n'
        '    self.button.setAccessibleName(f"<b>{n}</b>")\n'
        "    self.setSubTitle(f\"<p>{_('Nothing is changed')}</p>\")\n",
        encoding="utf-8",
    )
    found = _untranslated(window)
    assert sorted(int(line.split(": ", 1)[0].rsplit(":", 1)[1]) for line in found) == [2, 4, 5, 6, 7, 8]


def _json_outputs(*extra: str, root: Path) -> dict[str, object]:
    commands = {
        "scan": ["scan", "--root", str(root), "--json"],
        "timeline": ["timeline", "--json", "--today", "2026-01-01"],
        "playbooks": ["playbooks", "list", "--json"],
    }
    outputs = {}
    for name, argv in commands.items():
        result = run_cli(*extra, *argv)
        data = json.loads(result.stdout)
        if name == "scan":
            data.pop("scanned_at", None)
        outputs[name] = data
    return outputs


def test_json_is_the_same_in_every_language(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "os-release").write_text("ID=debian\n", encoding="utf-8")
    english = _json_outputs(root=root)
    assert english == _json_outputs("--lang", "ru", root=root) == _json_outputs("--lang", "es", root=root)


def test_an_unknown_language_is_a_usage_error() -> None:
    result = run_cli("--lang", "xx", "timeline")
    assert result.returncode == 2 and "no translation for 'xx'" in result.stderr


def test_the_system_language_is_followed_and_lang_overrides_it() -> None:
    russian = run_cli("timeline", "--today", "2026-01-01", env={"LANGUAGE": "", "LANG": "ru_RU.UTF-8"})
    assert "запрет, шаг за шагом" in russian.stdout
    overridden = run_cli("--lang", "es", "timeline", "--today", "2026-01-01", env={"LANGUAGE": "ru"})
    assert "la prohibición, paso a paso" in overridden.stdout


def test_the_walkthrough_takes_its_own_lang() -> None:
    spanish = run_cli("walkthrough", "--to", "clamav", "--os", "linux", "--lang", "es")
    assert spanish.returncode == 0 and spanish.stdout.startswith("Guía telefónica: pasar a ClamAV en Linux")
    assert "Paso 1 de " in spanish.stdout and "Diga:" in spanish.stdout and "Say:" not in spanish.stdout
    page = run_cli("--lang", "en", "walkthrough", "--to", "clamav", "--os", "linux", "--format", "html", "--lang", "ru")
    assert '<html lang="ru">' in page.stdout and "Инструкция для звонка" in page.stdout


def test_the_make_target_changes_nothing_when_everything_is_current(tmp_path: Path) -> None:
    """`make translations` rewrites a file only when its words changed (no dates, no line numbers churn)."""
    before = {p.name: p.read_bytes() for p in FOLDER.glob("*.po*")}
    result = subprocess.run([sys.executable, str(REPO / "tools" / "translations.py")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert {p.name: p.read_bytes() for p in FOLDER.glob("*.po*")} == before
    for language in LANGUAGES:
        assert f"{language}.po: " in result.stdout
