"""The one translation catalogue (app/core/i18n.py): the reader's language, plurals by CLDR's rules, dates and
numbers in the language's own forms, and records that keep English while a person reads their language."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from offramp.core import i18n
from offramp.core.i18n import PluralText, Text
from offramp.core.migrate import statefile

VERDICT_ONE = (
    "Result: {n} banned {vendor} product is installed. "
    "See the steps with 'offramp plan --to REPLACEMENT' ('offramp playbooks list')."
)
VERDICT_MANY = (
    "Result: {n} banned {vendor} products are installed. "
    "See the steps with 'offramp plan --to REPLACEMENT' ('offramp playbooks list')."
)


@pytest.mark.parametrize(
    "environ, platform, expected",
    [
        ({"LANG": "ru_RU.UTF-8"}, "linux", "ru"),
        ({"LC_ALL": "es_MX.UTF-8", "LANG": "ru_RU.UTF-8"}, "linux", "es"),
        ({"LANGUAGE": "pt_BR:es:en", "LANG": "en_US.UTF-8"}, "linux", "es"),  # the first one Offramp speaks
        ({"LC_MESSAGES": "ru_UA", "LANG": "es_ES"}, "linux", "ru"),
        ({"LANG": "C.UTF-8"}, "linux", "en"),
        ({"LANG": "POSIX"}, "linux", "en"),
        ({"LANG": "de_DE.UTF-8"}, "linux", "en"),  # no German catalogue: English, never a half-translated mix
        ({}, "linux", "en"),
    ],
)
def test_the_language_follows_the_system(environ: dict[str, str], platform: str, expected: str) -> None:
    assert i18n.system_language(environ, platform) == expected


def test_the_languages_are_the_catalogues_there_are() -> None:
    assert i18n.available() == ("en", "es", "ru")
    assert i18n.choose("ru_RU.UTF-8") == "ru" and i18n.choose("ES") == "es" and i18n.choose("en-GB") == "en"
    with pytest.raises(ValueError, match="no translation for 'xx': choose one of en, es, ru"):
        i18n.choose("xx")


@pytest.mark.parametrize(
    "n, russian",
    [
        (1, "Итог: установлен 1 запрещённый продукт Kaspersky."),
        (2, "Итог: установлено 2 запрещённых продукта Kaspersky."),
        (5, "Итог: установлено 5 запрещённых продуктов Kaspersky."),
        (21, "Итог: установлен 21 запрещённый продукт Kaspersky."),
        (11, "Итог: установлено 11 запрещённых продуктов Kaspersky."),
        (22, "Итог: установлено 22 запрещённых продукта Kaspersky."),
    ],
)
def test_russian_counts_take_cldrs_three_forms(n: int, russian: str) -> None:
    with i18n.language("ru"):
        assert i18n.ngettext(VERDICT_ONE, VERDICT_MANY, n, vendor="Kaspersky").startswith(russian)
    with i18n.language("es"):
        spanish = i18n.ngettext(VERDICT_ONE, VERDICT_MANY, n, vendor="Kaspersky")
    assert spanish.startswith(f"Resultado: hay {n} producto{'' if n == 1 else 's'} prohibido")


@pytest.mark.parametrize("days, russian", [(1, "1 день назад"), (3, "3 дня назад"), (795, "795 дней назад")])
def test_how_long_ago_is_counted_in_the_readers_words(days: int, russian: str) -> None:
    from offramp.core.data.catalogue import load_catalogue
    from offramp.core.data.timeline import distance

    event = load_catalogue(catalogue_id="kaspersky").headline_event()
    with i18n.language("ru"):
        assert distance(event, event.date + dt.timedelta(days=days)).phrase() == russian
    with i18n.language("es"):
        assert distance(event, event.date - dt.timedelta(days=days)).phrase().startswith("dentro de")
    assert distance(event, event.date + dt.timedelta(days=days)).phrase() == f"{days} day{'s' * (days != 1)} ago"


def test_dates_and_numbers_in_each_languages_forms() -> None:
    day = dt.date(2024, 9, 29)
    assert i18n.format_date(day) == "2024-09-29"  # English keeps the ISO dates admins' scripts read
    with i18n.language("ru"):
        assert i18n.format_date(day) == "29 сентября 2024\u202fг."
        assert i18n.format_number(1234567) == "1\xa0234\xa0567"
    with i18n.language("es"):
        assert i18n.format_date(day) == "29 de septiembre de 2024"


def test_the_headline_ends_one_sentence_whatever_the_dates_own_full_stop() -> None:
    from offramp.core.data.catalogue import load_catalogue

    catalogue = load_catalogue(catalogue_id="kaspersky")
    with i18n.language("ru"):
        text = catalogue.headline_shown()
    assert text.endswith("29 сентября 2024\u202fг. он не получает там обновлений.")
    assert catalogue.headline_shown() == catalogue.headline_text("{:%Y-%m-%d}")


def test_a_text_is_english_where_it_is_kept_and_the_readers_where_it_is_shown() -> None:
    title = Text("Remove {product}", product="Kaspersky Free")
    assert title == "Remove Kaspersky Free" and json.dumps({"title": title}) == '{"title": "Remove Kaspersky Free"}'
    assert f"{title}: done" == "Remove Kaspersky Free: done"  # logs and the journal get English
    with i18n.language("ru"):
        assert i18n.shown(title) == "Удалить Kaspersky Free"
        # A field that is itself a message is shown in the language too.
        assert i18n.shown(Text("{before}; {warning}", before=Text("ready"), warning="x")) == "готово; x"
    with i18n.language("es"):
        assert i18n.shown(PluralText("removed {n} leftover", "removed {n} leftovers", 3)) == "se eliminaron 3 restos"


def test_a_resumed_migration_speaks_the_readers_language(tmp_path: Path) -> None:
    """The state keeps English and each message's recipe: read back after a restart, it is a Text again."""
    state = statefile.MigrationState(
        support_code="OFR-1",
        plan={
            "platform": "linux",
            "replacement_id": None,
            "steps": [{"id": "report", "kind": "report", "title": Text("Write the report")}],
        },
        options={},
        to_do=[
            Text(
                "Remove by hand: {item}",
                item=Text("{kind} {name} (probable: nobody confirmed it)", kind="file", name="/x"),
            )
        ],
    )
    path = tmp_path / "migration.json"
    statefile.write(path, state)
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["to_do"] == ["Remove by hand: file /x (probable: nobody confirmed it)"]
    assert raw["texts"]["Write the report"] == {"msgid": "Write the report", "fields": {}}
    again = statefile.read(path)
    assert again is not None
    with i18n.language("ru"):
        assert i18n.shown(again.read_plan().steps[0].title) == "Записать отчёт"
        assert i18n.shown(again.to_do[0]) == "Удалить вручную: файл /x (вероятно: никто не подтвердил)"


def test_a_recipe_that_no_longer_says_what_the_record_says_is_left_as_english() -> None:
    kept = {"Remove X": {"msgid": "Remove {product}", "fields": {"product": "Y"}}, "bad": {"msgid": 3}}
    revived = i18n.revive({"a": "Remove X", "b": "bad"}, kept)
    assert not isinstance(revived["a"], Text) and not isinstance(revived["b"], Text)


def test_a_stale_compiled_catalogue_is_compiled_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "translations"
    folder.mkdir()
    po = folder / "ru.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: ru\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "ready"\nmsgstr "готово"\n',
        encoding="utf-8",
    )
    # Undone before the cache is cleared, so no later reader keeps this folder's languages (only ru) as the
    # languages there are: the fixtures' own teardown reads them.
    with monkeypatch.context() as patched:
        patched.setattr(i18n, "translations_dir", lambda: folder)
        i18n.forget()
        try:
            with i18n.language("ru"):
                assert i18n._("ready") == "готово"
            assert i18n.compiled_path("ru").is_file()
            po.write_text(po.read_text(encoding="utf-8").replace("готово", "всё готово"), encoding="utf-8")
            i18n.forget()
            with i18n.language("ru"):
                assert i18n._("ready") == "всё готово"
        finally:
            i18n.forget()
    i18n.forget()
    assert "es" in i18n.available()
