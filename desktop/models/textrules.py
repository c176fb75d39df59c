"""Which characters a text may hold, and how a text goes into a spreadsheet cell — one definition.

The desktop's record validation and the server's request boundary (``server.boundary``) both
read these rules, so a value the desktop accepts is a value the server accepts and the other way
round. The server imports from here, never the reverse; the module is Qt-free (stdlib only).

Messages are Russian and name the character by its code point (``U+202E``), because the
offending characters are by their nature invisible: quoting them would show nothing.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

#: C0 controls but TAB, LF, CR; DEL; C1 controls. Free text (a comment, an answer) may hold line
#: breaks and tabs; nothing else in these ranges is text: NUL ends strings in C and PostgreSQL
#: refuses it outright, ESC and BEL drive terminals, C1 (NEL, CSI …) the same in 8-bit form.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: The same without the TAB/LF/CR exception: single-line values, identifiers and keys.
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Lone surrogates: JSON can carry them (``"\ud800"``) and Python keeps them in a str, but they
#: are not characters — no UTF-8 encoder (a database driver, the response writer) accepts them.
_SURROGATE = re.compile(r"[\ud800-\udfff]")

#: Invisible characters that Unicode does not put in category Cf but that render as nothing
#: (Hangul fillers, the braille blank, the combining grapheme joiner, Khmer inherent vowels,
#: variation selectors): they would let two names look identical just as well.
_INVISIBLE_NOT_CF = frozenset(
    (0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x2800, 0x3164, 0xFFA0, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0))
)

#: Keys whose values name a person, an organization or an account: they are shown side by side
#: in staff lists, CSV exports and PDFs, where a look-alike is a way to impersonate someone.
NAME_KEYS = frozenset({
    "last_name", "first_name", "patronymic",   # a person (record fields, requests)
    "org_name", "doc_org_name", "name",        # an organization (records, confirmations, POST /orgs)
    "provider",                                # the organizer of a programme or an НМО event
    "display_name", "login", "username",       # an account (operator tools, the login form)
})

#: Characters a spreadsheet reads as the start of a formula (OWASP «CSV injection»): = + - @, and
#: TAB/CR/LF, after which some spreadsheets parse the rest as a new cell; the full-width forms,
#: which some locales' spreadsheets also accept as operators.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def code_point(ch: str) -> str:
    """``U+202E`` — how a message names a character that cannot be shown."""
    return f"U+{ord(ch):04X}"


def shown(value: str, limit: int = 40) -> str:
    """A client's string made safe to quote in an answer or a log: invisible and control
    characters (and lone surrogates, which would break the JSON encoder) become ``\\uXXXX``,
    and the result is cut to ``limit`` characters."""
    out = []
    for ch in value[:limit]:
        cat = unicodedata.category(ch)
        out.append(f"\\u{ord(ch):04x}" if cat in ("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn") else ch)
    text = "".join(out)
    return text + "…" if len(value) > limit else text


def is_invisible(ch: str) -> bool:
    """True for format characters and the few other invisible ones.

    The rule is Unicode's general category ``Cf`` ("format"), not a hand-made list of bidi
    controls: Cf holds exactly the characters that have no glyph of their own but change how
    neighbouring text is shown or joined — the bidi embeddings, overrides and isolates
    (U+202A–U+202E, U+2066–U+2069), the marks U+200E/U+200F/U+061C, zero-width space, joiners
    and word joiner (U+200B–U+200D, U+2060), the BOM U+FEFF, the soft hyphen, invisible
    operators, tag characters — and every new one Unicode adds lands there too, so the rule
    does not go stale. None of them belongs in a name in a Russian registry.
    """
    return unicodedata.category(ch) == "Cf" or ord(ch) in _INVISIBLE_NOT_CF


def text_problem(value: str, *, multiline: bool = True) -> str | None:
    """Why ``value`` is not acceptable text (Russian, names the character), or None.

    ``multiline``: TAB, LF and CR are allowed (comments, answers, free-text record fields).
    """
    m = _SURROGATE.search(value)
    if m:
        return f"недопустимый символ {code_point(m.group())} (одиночный суррогат — не символ Юникода)"
    m = (_CONTROL_IN_TEXT if multiline else _CONTROL_IN_LINE).search(value)
    if m:
        ch = m.group()
        if ch == "\x00":
            return "недопустим символ NUL (U+0000)"
        if ch in "\t\n\r":
            return f"недопустим перевод строки или табуляция ({code_point(ch)}): ожидается одна строка"
        return f"недопустим управляющий символ {code_point(ch)}"
    return None


def name_problem(value: str) -> str | None:
    """Why ``value`` is not acceptable as a name of a person, organization or account, or None.

    On top of :func:`text_problem` (single line): invisible and direction-changing characters,
    line/paragraph separators and spaces other than the plain one (U+0020) — each would let one
    name be made to look like another.
    """
    bad = text_problem(value, multiline=False)
    if bad:
        return bad
    ch = bad_name_char(value)
    if ch is None:
        return None
    if is_invisible(ch):
        return (f"недопустим невидимый или меняющий направление текста символ {code_point(ch)}"
                " — такие символы позволяют выдать одно имя за другое")
    return f"недопустим особый пробел или разделитель {code_point(ch)}: используйте обычный пробел"


def bad_name_char(value: str) -> str | None:
    """The first character a name may not hold beyond the control characters: an invisible one
    (:func:`is_invisible`), a line/paragraph separator, a space other than U+0020."""
    if value.isascii():  # the only ASCII separator is the space itself; ASCII has no Cf
        return None
    for ch in value:
        if is_invisible(ch):
            return ch
        cat = unicodedata.category(ch)
        if cat in ("Zl", "Zp") or (cat == "Zs" and ch != " "):
            return ch
    return None


def first_invisible(value: str) -> str | None:
    """The first invisible character (:func:`is_invisible`) in ``value``, or None."""
    if value.isascii():
        return None
    return next((ch for ch in value if is_invisible(ch)), None)


def key_problem(key: str) -> str | None:
    """Why ``key`` is not acceptable as a field or parameter name (or a request path), or None:
    an identifier — no control character at all, and what a name may not hold either."""
    bad = text_problem(key, multiline=False)
    if bad or key.isascii():  # ASCII past the control check holds no invisible character
        return bad
    ch = bad_name_char(key)
    return None if ch is None else f"недопустим невидимый символ или особый пробел {code_point(ch)}"


def needs_formula_guard(value: str) -> bool:
    """True when a spreadsheet would read ``value`` as a formula (or a cell break) if written as is."""
    return value.startswith(_FORMULA_START)


def spreadsheet_cell(value: Any) -> Any:
    """A value made safe for a spreadsheet cell (CSV or .xlsx): a text that would start a formula
    gets a leading apostrophe — the OWASP remedy: spreadsheets show it as text and do not evaluate
    it. Numbers, dates and None are returned unchanged, so a real number (a rate 0.5, a negative
    amount) stays a number a user can sum; only text is ever changed."""
    if isinstance(value, str) and needs_formula_guard(value):
        return "'" + value
    return value

