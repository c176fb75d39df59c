"""The gettext catalogs: every text of the code is translated, the compiled files are current,
plural forms are right in both languages, argparse speaks the interface language."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from desktop.i18n import N_, language_from_argv, russian_plural, set_language, tr, translations, trn

ROOT = Path(__file__).resolve().parents[2]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("frmr_i18n_tool", ROOT / "scripts" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("ru")


def test_every_text_of_the_code_has_an_english_translation_and_the_mo_is_current() -> None:
    """Extraction runs here, from the code as it is: a new ``tr("…")`` without an English text,
    a placeholder lost in translation, or a .mo not compiled from its .po fails this test."""
    tool = _tool()
    template = tool.extract()
    assert len(template) > 1000  # the extraction found the code's texts
    assert list(tool.problems(template)) == []


def test_the_extraction_sees_every_marker() -> None:
    tool = _tool()
    template = tool.extract()
    assert "Сохранить" in template  # tr()
    plural = template.get("{n} изменение не отправлено")  # trn(): msgid and msgid_plural
    assert plural is not None and plural.id == ("{n} изменение не отправлено", "{n} изменения не отправлены")
    assert "Главная" in template or "Профиль" in template  # a section title, reaching tr() through a variable


def test_a_stale_mo_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tool = _tool()
    lc = tmp_path / "en" / "LC_MESSAGES"
    lc.mkdir(parents=True)
    po = lc / "frmr.po"
    po.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n'
                  'msgid "Сохранить"\nmsgstr "Save"\n', encoding="utf-8")
    monkeypatch.setattr(tool, "LOCALE", tmp_path)
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    assert [p for p in tool._stale(po)] == ["en/LC_MESSAGES/frmr.po: no compiled .mo (run scripts/i18n compile)"]
    tool.compile_all()
    assert list(tool._stale(po)) == []
    po.write_text(po.read_text(encoding="utf-8").replace("Save", "Store"), encoding="utf-8")
    assert list(tool._stale(po)) == ["en/LC_MESSAGES/frmr.mo: stale against its .po (run scripts/i18n compile)"]


def test_the_old_json_translations_all_came_over() -> None:
    en = translations("en")
    assert len(en) >= 1250
    assert en["Сохранить"] == "Save"
    assert en["{have} из {need} ЗЕТ"] == "{have} of {need} credits"


@pytest.mark.parametrize(("n", "form"), [(0, 2), (1, 0), (2, 1), (4, 1), (5, 2), (11, 2), (12, 2), (14, 2), (21, 0),
                                         (22, 1), (25, 2), (101, 0), (111, 2), (112, 2), (1021, 0), (-1, 0)])
def test_the_russian_plural_rule(n: int, form: int) -> None:
    assert russian_plural(n) == form


RECORDS = ("{n} запись", "{n} записи", "{n} записей")


def test_plural_forms_in_russian() -> None:
    set_language("ru")
    got = {n: trn(*RECORDS, n).format(n=n) for n in (1, 2, 5, 11, 21, 22, 25)}
    assert got == {1: "1 запись", 2: "2 записи", 5: "5 записей", 11: "11 записей", 21: "21 запись",
                   22: "22 записи", 25: "25 записей"}


def test_plural_forms_in_english(english: None) -> None:
    got = {n: trn(*RECORDS, n).format(n=n) for n in (1, 2, 5, 11, 21, 22, 25)}
    assert got == {1: "1 record", 2: "2 records", 5: "5 records", 11: "11 records", 21: "21 records",
                   22: "22 records", 25: "25 records"}


def test_an_untranslated_plural_keeps_the_russian_forms(english: None) -> None:
    forms = ("{n} нечто", "{n} нечта", "{n} нечт")
    assert [trn(*forms, n).format(n=n) for n in (1, 3, 7)] == ["1 нечто", "3 нечта", "7 нечт"]


def test_marked_texts_are_translated_where_shown(english: None) -> None:
    header = N_("Сохранить")
    assert header == "Сохранить" and tr(header) == "Save"


def test_unknown_language_falls_back_to_russian() -> None:
    assert set_language("xx") == "ru"
    assert tr("Сохранить") == "Сохранить"


def test_the_language_is_read_from_the_command_line_before_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRMR_LANG", raising=False)
    assert language_from_argv(["--lang", "en", "show"]) == "en"
    assert language_from_argv(["--lang=en"]) == "en"
    assert language_from_argv(["show"]) == "ru"
    monkeypatch.setenv("FRMR_LANG", "en")
    assert language_from_argv(["show"]) == "en"
    assert language_from_argv(["--lang", "ru"]) == "ru"


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="frmr")
    ap.add_argument("--mode", choices=["a", "b"], required=True)
    return ap


def test_argparse_speaks_russian_in_russian(capsys: pytest.CaptureFixture[str]) -> None:
    set_language("ru")
    ap = _parser()
    assert ap.format_help().startswith("использование: frmr")
    assert "показать эту справку и выйти" in ap.format_help() and "параметры:" in ap.format_help()
    for argv, said in ((["--mode", "c"], "недопустимое значение 'c' (допустимы: 'a', 'b')"),
                       ([], "не указаны обязательные аргументы: --mode"),
                       (["--mode", "a", "x"], "лишние аргументы: x"),
                       (["--mode"], "аргумент --mode: ожидается значение")):
        with pytest.raises(SystemExit):
            ap.parse_args(argv)
        err = capsys.readouterr().err
        assert said in err and "frmr: ошибка:" in err, err
        assert "usage" not in err and "error" not in err


def test_argparse_speaks_english_in_english(english: None, capsys: pytest.CaptureFixture[str]) -> None:
    ap = _parser()
    assert ap.format_help().startswith("usage: frmr") and "show this help message and exit" in ap.format_help()
    with pytest.raises(SystemExit):
        ap.parse_args(["--mode", "c"])
    assert "invalid choice: 'c'" in capsys.readouterr().err


def test_an_empty_text_stays_empty(english: None) -> None:
    assert tr("") == ""  # gettext("") would be the catalog's header


def test_the_servers_fixed_texts_are_shown_in_english(english: None, tmp_path: Path) -> None:
    """The server answers in Russian; its fixed texts are extracted from server/ into the catalog,
    so the desktop shows them in the interface language (desktop/sync/api.py parse_problem)."""
    import httpx

    from desktop.sync.api import parse_problem
    from server.testing import run_server

    with run_server(f"sqlite:///{tmp_path / 'server.sqlite3'}") as base:
        resp = httpx.get(f"{base}/no-such-address")
        assert resp.json()["detail"] == "Запрошенный ресурс не найден."  # the wire stays Russian
        problem = parse_problem(resp)
    assert (problem.title, problem.detail) == ("Not found", "The requested resource was not found.")
    made = httpx.Response(422, json={"title": "Данные не прошли проверку", "detail": "Карточка не найдена.",
                                     "errors": {"snils": "«СНИЛС»: неверный номер или контрольное число.",
                                                "x": "Значение 42 не подходит"}})
    problem = parse_problem(made)
    assert str(problem) == "Card not found."
    assert problem.errors == {"snils": "«SNILS»: wrong number or check digits.",
                              "x": "Значение 42 не подходит"}  # a text with a value in it stays as it came
