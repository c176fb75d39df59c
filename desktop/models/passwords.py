"""The server password policy of docs/domain.md, one rule for the server and the desktop.

The server refuses a password that fails it (``server.auth.passwords``); the desktop shows the
same checklist while the person types (``desktop.views.account``), so what the window says is
met is exactly what the server accepts. Qt-free and dependency-free: the server imports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop.i18n import tr

MIN_LENGTH = 12
MAX_LENGTH = 256


@dataclass(frozen=True)
class Rule:
    #: stable key (tests, the GUI's checklist object names)
    key: str
    #: Russian, as a noun phrase: «цифра», «не короче 12 символов»
    text: str
    met: bool


def check(password: str) -> list[Rule]:
    """Every rule of the policy and whether ``password`` meets it, in a fixed order."""
    return [
        Rule("length", f"не короче {MIN_LENGTH} символов", len(password) >= MIN_LENGTH),
        Rule("max_length", f"не длиннее {MAX_LENGTH} символов", len(password) <= MAX_LENGTH),
        Rule("lower", "строчная буква", re.search(r"[a-zа-яё]", password) is not None),
        Rule("upper", "заглавная буква", re.search(r"[A-ZА-ЯЁ]", password) is not None),
        Rule("digit", "цифра", re.search(r"\d", password) is not None),
        # «_» counts: \w includes it, yet people type it as a symbol
        Rule("symbol", "специальный символ", re.search(r"[^\w\s]|_", password) is not None),
    ]


def policy_errors(password: str) -> list[str]:
    """What the password lacks, in Russian; empty when it satisfies the policy."""
    return [r.text for r in check(password) if not r.met]


def describe() -> str:
    """The whole policy as one sentence in the interface language (help texts, the CLI prompt)."""
    return tr("Пароль: {rules}.").format(rules=", ".join(tr(r.text) for r in check("")))
