"""Phone numbers checked and shown with libphonenumber (``phonenumberslite``: the numbering
plans of every country, without the geocoder and carrier data nobody here needs).

A number is stored in E.164 (``+79161234567``), as before; Russian habits are understood
(``8 916 123-45-67``, ``(916) 123-45-67`` → +7). A number is accepted only when the numbering
plan of its country has it — «+1234567» has the shape of a number and is no one's.
libphonenumber loads in about 0.1 s, so it is imported on the first phone, not at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.i18n import tr

if TYPE_CHECKING:
    import phonenumbers

#: Numbers without a country code are Russian ones.
DEFAULT_REGION = "RU"
#: Longer text is not a phone number (and libphonenumber refuses it too, slower).
_MAX_CHARS = 40
_NO_COUNTRY = "нет страны с таким кодом: укажите номер с кодом страны, например +7 916 123-45-67"


class PhoneError(ValueError):
    """Why the text is not a phone number (Russian, for the field's message)."""


def _parse(raw: str) -> phonenumbers.PhoneNumber:
    import phonenumbers

    text = raw.strip()
    if len(text) > _MAX_CHARS:
        raise PhoneError(tr("слишком длинный номер телефона"))
    if any(c.isdigit() and not c.isascii() for c in text):
        # libphonenumber reads ７ or ٧ as 7; the other identifiers refuse such digits, and a
        # number that looks like another one to a person must not pass as it.
        raise PhoneError(tr("цифры номера — только 0–9"))
    try:
        return phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise PhoneError(_NO_COUNTRY) from exc
        raise PhoneError(tr("не похоже на номер телефона")) from exc


def canonical_phone(raw: str) -> str:
    """``raw`` as E.164, or ``PhoneError`` saying what is wrong with it."""
    import phonenumbers

    number = _parse(raw)
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(tr("такого номера нет в плане нумерации страны: проверьте код и число цифр, "
                         "например +7 916 123-45-67"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(stored: str) -> str:
    """A stored number as people write it: ``+7 916 123-45-67``; anything unparsable as it is
    (a value stored before numbers were checked this way must still show)."""
    import phonenumbers

    try:
        number = _parse(stored)
    except PhoneError:
        return stored
    if not phonenumbers.is_valid_number(number):
        return stored
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
