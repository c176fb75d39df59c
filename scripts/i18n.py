"""The translation catalogs: extract, update, compile and check (docs/i18n.md).

    scripts/i18n              extract + update en.po + compile every .mo + check (the usual run)
    scripts/i18n missing      the msgids en.po does not translate yet, as JSON to fill in
    scripts/i18n apply F      take translations from F (JSON, as ``missing`` prints it, filled in)
    scripts/i18n compile      compile every .po to its .mo
    scripts/i18n check        exit 1 naming what is untranslated, broken or stale (tests run this)
    scripts/i18n unused       en.po entries no extraction finds any more (delete by hand if dead)

Babel is the toolchain (a development dependency); the app reads the compiled .mo files with the
standard library's gettext. Extraction finds ``tr("…")``, ``N_("…")``, ``trn(one, few, many, n)``
(msgid = one, msgid_plural = few) and ``live_text.bind(obj, "…")`` in desktop/ and server/,
plus the texts that reach ``tr`` only through a variable (schema labels and the like, listed in
:func:`indirect_keys`). Entries no longer found stay in en.po: a text can reach ``tr`` through a
variable this extraction does not see, and dropping its translation would show Russian.
"""

from __future__ import annotations

import contextlib
import functools
import gettext
import io
import json
import string
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "resources" / "locale"
POT = LOCALE / "frmr.pot"
DOMAIN = "frmr"
#: Languages with a catalog of the app's texts (Russian is the source language: no catalog).
TARGETS = ("en",)
KEYWORDS: dict[str, Any] = {"tr": None, "N_": None, "trn": (1, 2), "bind": (2,)}
#: The server speaks Russian on the wire (server/problems.py); the desktop shows its fixed texts
#: through tr() (desktop/sync/api.py parse_problem), so they are extracted from these calls too.
SERVER_KEYWORDS: dict[str, Any] = {"Problem": (2,), "not_found": None, "forbidden": None}
SOURCES = ("desktop", "server")
WIDTH = 1000  # no wrapping: one line per msgid keeps diffs and grep simple
HEADER = "Translations of ФРМР Desktop (source language: Russian). See docs/i18n.md."
#: Fixed header dates: a date that changed on every run would rewrite every file on every run.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def po_path(lang: str, domain: str = DOMAIN) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"


def indirect_keys() -> dict[str, str]:
    """Texts that reach ``tr`` only through a variable, with where they are defined. Prefer
    ``N_("…")`` at the definition for new ones; these predate it."""
    from desktop.demo import DEMO_PROFILE_NAME
    from desktop.documents import gost_keys
    from desktop.models import reminders
    from desktop.models.schema import ENTITIES
    from desktop.views.access import consent_view, first_start
    from desktop.views.record import workspace
    from desktop.views.shell import main_window, notifications_view, sections
    from desktop.views.sync import sync_wiring
    from desktop.views.widgets import record_form

    out: dict[str, str] = {}

    def add(where: str, texts: Iterable[str]) -> None:
        for t in texts:
            if t:
                out.setdefault(t, where)

    add("desktop/views/access/consent_view.py", [consent_view.CONSENT_TEXT])
    add("desktop/views/shell/main_window.py", [main_window.APP_TITLE])
    add("desktop/demo.py", [DEMO_PROFILE_NAME])
    add("desktop/views/sync/sync_wiring.py", [sync_wiring.CONFLICTS, sync_wiring.REJECTED])
    add("desktop/models/seniority.py",
        ["Пересечение периодов", "пересечение двух основных работ", "пересечение (совместительство)"])
    add("desktop/views/record/workspace.py", [s.title for s in workspace.SECTIONS])
    add("desktop/views/shell/sections.py", [s.title for s in sections.COMMON])
    add("desktop/views/shell/sections.py",
        [sections.PLACEHOLDER_TITLE, *sections.PLACEHOLDER_TEXTS.values(), *sections.ROLE_NAMES.values()])
    add("desktop/views/access/first_start.py", first_start.STEPS)
    add("desktop/views/shell/notifications_view.py", notifications_view.NotificationsModel.HEADERS)
    add("desktop/models/reminders.py", [what for _f, what in reminders.EXPIRING.values()])
    add("desktop/views/widgets/record_form.py", record_form._PLACEHOLDERS.values())
    add("desktop/documents/gost_keys.py", gost_keys.KEY_SOURCE_MESSAGES)
    from desktop.models import passwords

    add("desktop/models/passwords.py", [r.text for r in passwords.check("")])  # f-strings, shown through tr()
    from server import problems

    add("server/problems.py", [*problems.TITLES.values(), *problems.DETAILS.values(),
                               *(f.__defaults__[0] for f in (problems.not_found, problems.forbidden) if f.__defaults__)])
    for spec in ENTITIES.values():
        add("desktop/models/schema.py", (spec.label, spec.plural))
        for f in spec.fields:
            add("desktop/models/schema.py", [f.label, *f.choices.values()])
    return out


def extract() -> Catalog:
    """The template: every msgid of the code, from the code as it is now."""
    pot = Catalog(domain=DOMAIN, project="frmr-desktop", header_comment=f"# {HEADER}", fuzzy=False,
                  creation_date=EPOCH, revision_date=EPOCH)
    for top in SOURCES:
        keywords = KEYWORDS | SERVER_KEYWORDS if top == "server" else KEYWORDS
        with contextlib.redirect_stderr(io.StringIO()):  # "Skipping f-string": a text with values is no msgid
            found = list(extract_from_dir(ROOT / top, keywords=keywords,
                                          directory_filter=lambda d: "__pycache__" not in d and "migrations" not in d))
        for filename, _lineno, message, _comments, context in found:
            if top == "server" and message not in _constants(ROOT / top / filename):
                continue  # Babel joins the pieces of "a: " + "; ".join(…): no server text says that
            if isinstance(message, tuple):
                if len(message) < 2 or not message[0]:
                    continue
                msgid: str | tuple[str, str] = (message[0], message[1])
            elif message:
                msgid = message
            else:
                continue
            pot.add(msgid, locations=[(f"{top}/{filename}", None)], context=context)
    for msgid, where in _inside_fstrings():
        if msgid not in pot:
            pot.add(msgid, locations=[(where, None)])
    for text, where in indirect_keys().items():
        if text not in pot:
            pot.add(text, locations=[(where, None)])
    return pot


@functools.cache
def _constants(path: Path) -> frozenset[str]:
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str))


def _inside_fstrings() -> Iterator[tuple[str | tuple[str, str], str]]:
    """``tr("…")`` inside an f-string: Python 3.11's tokenizer gives Babel the whole f-string as
    one token, so these calls are found from the syntax tree instead."""
    import ast

    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            rel = path.relative_to(ROOT).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for fs in ast.walk(tree):
                if not isinstance(fs, ast.JoinedStr):
                    continue
                for node in ast.walk(fs):
                    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                            and node.func.id in ("tr", "N_", "trn") and node.args):
                        continue
                    texts = [a.value for a in node.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                    if node.func.id == "trn" and len(texts) == 2:
                        yield (texts[0], texts[1]), rel
                    elif node.func.id != "trn" and texts:
                        yield texts[0], rel


def _read(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    write_po(buf, catalog, width=WIDTH, sort_output=True, include_lineno=False, ignore_obsolete=True)
    if not path.exists() or path.read_bytes() != buf.getvalue():
        path.write_bytes(buf.getvalue())


def load(lang: str) -> Catalog:
    path = po_path(lang)
    if path.exists():
        return _read(path, lang)
    return Catalog(locale=lang, domain=DOMAIN, project="frmr-desktop", header_comment=f"# {HEADER}", fuzzy=False,
                   creation_date=EPOCH, revision_date=EPOCH)


def update(template: Catalog | None = None) -> dict[str, int]:
    """Add the template's new msgids to every target catalog (untranslated), refresh locations."""
    template = template or extract()
    _write(POT, template)
    added: dict[str, int] = {}
    for lang in TARGETS:
        cat = load(lang)
        n = 0
        for msg in template:
            if not msg.id:
                continue
            have = cat.get(msg.id, msg.context)
            if have is None:
                blank: str | tuple[str, ...] = ("", "") if msg.pluralizable else ""
                cat.add(msg.id, blank, locations=msg.locations, context=msg.context)
                n += 1
            else:
                have.locations = list(msg.locations)
        # An entry gone from the code with no translation yet holds nothing worth keeping.
        for msg in list(cat):
            if msg.id and not _translated(msg) and template.get(msg.id, msg.context) is None:
                cat.delete(msg.id, msg.context)
        cat.fuzzy = False
        cat.creation_date = cat.revision_date = EPOCH
        _write(po_path(lang), cat)
        added[lang] = n
    return added


def compile_all() -> list[Path]:
    written = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        cat = _read(po, po.parent.parent.name)
        buf = io.BytesIO()
        write_mo(buf, cat, use_fuzzy=False)
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != buf.getvalue():
            mo.write_bytes(buf.getvalue())
            written.append(mo)
    return written


def _translated(msg: Message) -> bool:
    if isinstance(msg.string, (tuple, list)):
        return all(msg.string)
    return bool(msg.string)


def _fields(text: str) -> set[str]:
    try:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError:  # a lone brace: not a format template, nothing to keep
        return set()


def _texts(value: str | tuple[str, ...] | list[str]) -> list[str]:
    return list(value) if isinstance(value, (tuple, list)) else [value]


def problems(template: Catalog | None = None) -> Iterator[str]:
    """Everything that would show Russian in English, break ``str.format``, or ship stale."""
    template = template or extract()
    for lang in TARGETS:
        cat = load(lang)
        for msg in template:
            if not msg.id:
                continue
            have = cat.get(msg.id, msg.context)
            if have is None or not _translated(have):
                yield f"{lang}: untranslated: {_texts(msg.id)[0]!r}"
        for msg in cat:
            if not msg.id or not _translated(msg):
                continue
            source = set().union(*(_fields(t) for t in _texts(msg.id)))
            for text in _texts(msg.string):
                if _fields(text) != source and not (msg.pluralizable and _fields(text) <= source):
                    yield f"{lang}: placeholders differ: {_texts(msg.id)[0]!r} -> {text!r}"
    yield from _argparse_problems()
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        yield from _stale(po)


def _argparse_problems() -> Iterator[str]:
    """The Russian catalog of argparse's own texts covers the argparse of this Python."""
    import argparse

    from babel.messages.extract import extract_from_file

    path = po_path("ru", "argparse")
    cat = _read(path, "ru")
    for _lineno, message, _comments, _context in extract_from_file(
            "python", argparse.__file__, keywords={"_": None, "ngettext": (1, 2)}):
        msgid = message[0] if isinstance(message, tuple) else message
        have = cat.get(message if isinstance(message, str) else (message[0], message[1]))
        if have is None or not _translated(have):
            yield f"ru: argparse's {msgid!r} is not in {path.relative_to(ROOT)}"


def _stale(po: Path) -> Iterator[str]:
    mo = po.with_suffix(".mo")
    rel = po.relative_to(ROOT)
    if not mo.exists():
        yield f"{rel}: no compiled .mo (run scripts/i18n compile)"
        return
    with mo.open("rb") as fh:
        compiled = dict(gettext.GNUTranslations(fh)._catalog)  # type: ignore[attr-defined]
    want: dict[Any, str] = {}
    for msg in _read(po, po.parent.parent.name):
        if not msg.id or not _translated(msg) or msg.fuzzy:
            continue
        if msg.pluralizable:
            for i, text in enumerate(_texts(msg.string)):
                want[(msg.id[0], i)] = text
        else:
            want[msg.id] = str(msg.string)
    compiled.pop("", None)  # the header
    if compiled != want:
        yield f"{rel.with_suffix('.mo')}: stale against its .po (run scripts/i18n compile)"


def missing() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for msg in load(TARGETS[0]):
        if msg.id and not _translated(msg):
            if msg.pluralizable:
                out[msg.id[0]] = {"plural": msg.id[1], "en": ["", ""]}
            else:
                out[str(msg.id)] = ""
    return out


def apply(path: Path, lang: str = TARGETS[0]) -> int:
    """Fill translations from a JSON file shaped like ``missing``'s output."""
    given = json.loads(path.read_text(encoding="utf-8"))
    cat = load(lang)
    n = 0
    for msg in cat:
        if not msg.id:
            continue
        key = msg.id[0] if msg.pluralizable else msg.id
        value = given.get(key)
        if isinstance(value, dict):
            value = value.get("en")
        if msg.pluralizable and isinstance(value, list) and len(value) == 2 and all(value):
            msg.string = (value[0], value[1])
            n += 1
        elif not msg.pluralizable and isinstance(value, str) and value:
            msg.string = value
            n += 1
    cat.creation_date = cat.revision_date = EPOCH
    _write(po_path(lang), cat)
    return n


def unused() -> list[str]:
    template = extract()
    return sorted(str(_texts(m.id)[0]) for m in load(TARGETS[0]) if m.id and m.id not in template)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "all"
    if command == "missing":
        print(json.dumps(missing(), ensure_ascii=False, indent=1))
        return 0
    if command == "apply":
        print(f"translations taken: {apply(Path(argv[1]))}")
        compile_all()
        return 0
    if command == "compile":
        for mo in compile_all():
            print(f"compiled {mo.relative_to(ROOT)}")
        return 0
    if command == "unused":
        print("\n".join(unused()))
        return 0
    template = extract()
    if command == "all":
        for lang, n in update(template).items():
            print(f"{lang}: {n} new msgids")
        for mo in compile_all():
            print(f"compiled {mo.relative_to(ROOT)}")
    elif command != "check":
        print(__doc__)
        return 2
    found = list(problems(template))
    for p in found:
        print(p)
    print(f"{len(template)} msgids; {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
