"""``frmr``, ``frmr-desktop`` and ``frmr-server`` speak one language in their help and usage errors:
English mode shows no Russian, Russian mode shows none of argparse's English."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from desktop.i18n import set_language

CYRILLIC = re.compile("[А-Яа-яЁё]")
ARGPARSE_ENGLISH = ("usage:", "options:", "positional arguments", "show this help message", "error:",
                    "the following arguments are required", "invalid choice", "unrecognized arguments")


def _frmr(argv: list[str]) -> Any:
    from desktop.cli.main import main

    return main(argv)


def _desktop(argv: list[str]) -> Any:
    from desktop.app import main

    return main(argv)


def _server(argv: list[str]) -> Any:
    from server.cli import main

    return main(argv)


COMMANDS: dict[str, Callable[[list[str]], Any]] = {"frmr": _frmr, "frmr-desktop": _desktop, "frmr-server": _server}


@pytest.fixture(autouse=True)
def russian_afterwards(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("FRMR_LANG", raising=False)
    yield
    set_language("ru")


def _run(command: str, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        COMMANDS[command](argv)
    got = capsys.readouterr()
    return int(exited.value.code or 0), got.out + got.err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_in_english_has_no_russian(command: str, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    code, text = _run(command, ["--lang", "en", "--help"], capsys)
    assert code == 0 and text.startswith("usage: ") and "show this help message and exit" in text
    assert not CYRILLIC.findall(text), [line for line in text.splitlines() if CYRILLIC.search(line)]
    monkeypatch.setenv("FRMR_LANG", "en")  # the same through the environment
    code, again = _run(command, ["--help"], capsys)
    assert code == 0 and again == text


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_in_russian_has_no_argparse_english(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = _run(command, ["--help"], capsys)
    assert code == 0 and text.startswith("использование: ")
    assert "показать эту справку и выйти" in text and "показать версию программы и выйти" in text
    assert not [e for e in ARGPARSE_ENGLISH if e in text], text


def test_every_frmr_subcommand_help_in_english_has_no_russian(capsys: pytest.CaptureFixture[str]) -> None:
    from desktop.cli.main import build_parser

    set_language("en")
    parser = build_parser(None)
    sub = next(a for a in parser._actions if a.dest == "command")
    names = sorted(sub.choices)  # type: ignore[arg-type]
    assert {"init", "sync", "staff", "backup", "doc"} <= set(names)
    for name in names:
        code, text = _run("frmr", ["--lang", "en", name, "--help"], capsys)
        assert code == 0, name
        assert not CYRILLIC.search(text), (name, [line for line in text.splitlines() if CYRILLIC.search(line)])


@pytest.mark.parametrize(("argv", "english", "russian"), [
    (["frobnicate"], "invalid choice: 'frobnicate'", "недопустимое значение 'frobnicate'"),
    (["add"], "the following arguments are required", "не указаны обязательные аргументы"),
    (["delete", "person", "x", "y"], "unrecognized arguments: y", "лишние аргументы: y"),
])
def test_usage_errors_in_both_languages(argv: list[str], english: str, russian: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, text = _run("frmr", ["--lang", "en", *argv], capsys)
    assert code == 2 and english in text and "Help: frmr" in text and text.rstrip().endswith("--help"), text
    assert not CYRILLIC.search(text), text
    code, text = _run("frmr", argv, capsys)
    assert code == 2 and russian in text and "Справка: frmr" in text, text
    assert not [e for e in ARGPARSE_ENGLISH if e in text], text


def test_frmr_messages_follow_the_language(capsys: pytest.CaptureFixture[str]) -> None:
    assert _frmr(["--lang", "en", "validate", "snils", "112-233-445 95"]) == 0
    out = capsys.readouterr().out
    assert not CYRILLIC.search(out), out
    assert _frmr(["validate", "snils", "112-233-445 95"]) == 0
    assert "верен" in capsys.readouterr().out
