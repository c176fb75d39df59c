"""The record's entities and their canonical fields (docs/domain.md), described once.

Desktop tables, validation, the CLI, the Qt forms, the PDFs and the server all read these
specs, so a field is named, labelled and typed in exactly one place.

Values travel in one canonical, JSON-safe form everywhere (vault, outbox, wire):
dates as ISO ``YYYY-MM-DD`` strings, decimals as strings (``"1.25"``), integers as ``int``,
everything else as ``str``; an empty value is ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

Kind = Literal["str", "date", "decimal", "int", "enum", "nsi", "text"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: Kind = "str"
    required: bool = False
    #: enum: canonical value -> Russian label
    choices: dict[str, str] = field(default_factory=dict)
    #: nsi: dictionary key in resources/nsi (see desktop.models.nsi)
    nsi: str | None = None
    #: date: the event lies in the past (no future dates)
    past: bool = False
    #: identifier check: snils, inn10, inn12, ogrn, kpp, phone, email
    check: str | None = None
    max_len: int = 500
    #: shown in table views
    column: bool = False


@dataclass(frozen=True)
class EntitySpec:
    name: str
    label: str
    plural: str
    fields: tuple[FieldSpec, ...]
    #: fields that identify a row to a person (used in lists, PDFs, messages)
    title_fields: tuple[str, ...] = ()

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @cached_property
    def names(self) -> tuple[str, ...]:
        # cached: validation asks for every field of every row (a 5,000-row import asked 600,000 times)
        return tuple(f.name for f in self.fields)


GENDER = {"male": "мужской", "female": "женский"}
EDU_KIND = {
    "higher": "высшее",
    "secondary_vocational": "среднее профессиональное",
    "internship": "интернатура",
    "residency": "ординатура",
    "postgraduate": "аспирантура",
    "retraining": "профессиональная переподготовка",
    "advanced_training": "повышение квалификации",
}
STUDY_FORM = {
    "full_time": "очная",
    "part_time": "заочная",
    "mixed": "очно-заочная",
    "distance": "дистанционная",
}
ACCR_KIND = {
    "primary": "первичная",
    "primary_specialized": "первичная специализированная",
    "periodic": "периодическая",
}
CATEGORY_LEVEL = {"second": "вторая", "first": "первая", "highest": "высшая"}
POSITION_TYPE = {
    "main": "основная",
    "internal_part_time": "внутреннее совместительство",
    "combined": "совмещение",
    "external_part_time": "внешнее совместительство",
}
CONTRACT_KIND = {"labor": "трудовой договор", "civil": "договор ГПХ"}
EMPLOYMENT_STATUS = {
    "draft": "черновик",
    "submitted": "отправлена",
    "confirmed": "подтверждена",
    "rejected": "отклонена",
}
NMO_KIND = {
    "iom": "интерактивный образовательный модуль",
    "event": "образовательное мероприятие",
    "program": "программа повышения квалификации",
}
NMO_STATUS = {"pending": "ожидает подтверждения", "confirmed": "подтверждено", "rejected": "отклонено"}
APPLICATION_STATUS = {
    "draft": "черновик",
    "submitted": "подано",
    "in_review": "На рассмотрении",
    "approved": "Одобрено",
    "rejected": "Отклонено",
}
REQUEST_STATUS = {"new": "новый", "acknowledged": "принят", "answered": "отвечен", "closed": "закрыт"}
ID_DOC_TYPE = {
    "21": "паспорт гражданина РФ",
    "10": "паспорт иностранного гражданина",
    "12": "вид на жительство",
    "03": "свидетельство о рождении",
}

F = FieldSpec

PERSON = EntitySpec(
    "person",
    "Персональные данные",
    "Персональные данные",
    (
        F("snils", "СНИЛС", required=True, check="snils", column=True),
        F("last_name", "Фамилия", required=True, max_len=100, column=True),
        F("first_name", "Имя", required=True, max_len=100, column=True),
        F("patronymic", "Отчество", max_len=100, column=True),
        F("gender", "Пол", "enum", required=True, choices=GENDER),
        F("birth_date", "Дата рождения", "date", required=True, past=True, column=True),
        F("inn", "ИНН", check="inn12"),
        F("citizenship", "Гражданство", "nsi", nsi="oksm"),
        F("phone", "Телефон", check="phone"),
        F("email", "Электронная почта", check="email"),
        F("id_doc_type", "Документ, удостоверяющий личность", "enum", choices=ID_DOC_TYPE),
        F("id_doc_series", "Серия документа", max_len=20),
        F("id_doc_number", "Номер документа", max_len=30),
        F("id_doc_issued", "Дата выдачи документа", "date", past=True),
        F("id_doc_issuer", "Кем выдан", max_len=300),
        F("address_registration", "Адрес регистрации", "text"),
        F("address_actual", "Адрес фактического проживания", "text"),
    ),
    ("last_name", "first_name", "patronymic"),
)

EDUCATION = EntitySpec(
    "education",
    "Образование",
    "Образование",
    (
        F("kind", "Вид образования", "enum", required=True, choices=EDU_KIND, column=True),
        F("institution", "Образовательная организация", required=True, column=True),
        F("specialty_code", "Специальность", "nsi", nsi="specialty", column=True),
        F("qualification", "Квалификация", max_len=200),
        F("study_form", "Форма обучения", "enum", choices=STUDY_FORM),
        F("begin_date", "Дата начала", "date", past=True),
        F("end_date", "Дата окончания", "date", past=True, column=True),
        F("doc_series", "Серия документа", max_len=20, column=True),
        F("doc_number", "Номер документа", required=True, max_len=30, column=True),
        F("doc_date", "Дата выдачи документа", "date", past=True),
        F("hours", "Количество часов", "int"),
    ),
    ("kind", "institution"),
)

CERTIFICATE = EntitySpec(
    "certificate",
    "Сертификат специалиста",
    "Сертификаты специалиста",
    (
        F("specialty_code", "Специальность", "nsi", required=True, nsi="specialty", column=True),
        F("cert_series", "Серия", max_len=20, column=True),
        F("cert_number", "Номер", required=True, max_len=30, column=True),
        F("exam_date", "Дата экзамена", "date", past=True),
        F("issue_date", "Дата выдачи", "date", required=True, past=True, column=True),
        F("valid_until", "Действителен до", "date", column=True),
        F("issuer", "Кем выдан", max_len=300),
    ),
    ("specialty_code", "cert_number"),
)

ACCREDITATION = EntitySpec(
    "accreditation",
    "Аккредитация",
    "Аккредитация",
    (
        F("kind", "Вид аккредитации", "enum", required=True, choices=ACCR_KIND, column=True),
        F("specialty_code", "Специальность", "nsi", required=True, nsi="specialty", column=True),
        F("protocol_number", "Номер протокола", max_len=50),
        F("protocol_date", "Дата протокола", "date", required=True, past=True, column=True),
        F("registry_number", "Номер реестровой записи", max_len=50, column=True),
        F("valid_until", "Действительна до", "date", column=True),
        F("issuer", "Аккредитационная комиссия", max_len=300),
    ),
    ("kind", "specialty_code"),
)

CATEGORY = EntitySpec(
    "category",
    "Квалификационная категория",
    "Квалификационные категории",
    (
        F("level", "Категория", "enum", required=True, choices=CATEGORY_LEVEL, column=True),
        F("specialty_code", "Специальность", "nsi", required=True, nsi="specialty", column=True),
        F("begin_date", "Дата присвоения", "date", required=True, past=True, column=True),
        F("end_date", "Действительна до", "date", column=True),
        F("order_number", "Номер приказа", max_len=50),
    ),
    ("level", "specialty_code"),
)

EMPLOYMENT = EntitySpec(
    "employment",
    "Карточка трудоустройства",
    "Трудовая деятельность",
    (
        F("org_name", "Организация", required=True, max_len=300, column=True),
        F("org_inn", "ИНН организации", required=True, check="inn10"),
        F("org_ogrn", "ОГРН организации", check="ogrn"),
        F("org_kpp", "КПП организации", check="kpp"),
        F("subdivision", "Подразделение", max_len=300),
        F("position_code", "Должность", "nsi", required=True, nsi="position", column=True),
        F("position_type", "Тип занятия должности", "enum", required=True, choices=POSITION_TYPE, column=True),
        F("contract_kind", "Вид договора", "enum", required=True, choices=CONTRACT_KIND, column=True),
        F("rate", "Ставка", "decimal", required=True, column=True),
        F("begin_date", "Дата начала", "date", required=True, past=True, column=True),
        F("end_date", "Дата окончания", "date", column=True),
        F("end_reason", "Причина увольнения", max_len=300),
        F("contract_number", "Номер договора", max_len=50),
        F("contract_date", "Дата договора", "date", past=True),
        F("order_number", "Номер приказа", max_len=50),
        F("order_date", "Дата приказа", "date", past=True),
        F("profile", "Профиль", max_len=100, column=True),
        F("status", "Статус", "enum", choices=EMPLOYMENT_STATUS, column=True),
    ),
    ("org_name", "position_code"),
)

NMO = EntitySpec(
    "nmo",
    "Баллы НМО",
    "НМО",
    (
        F("event_date", "Дата", "date", required=True, past=True, column=True),
        F("kind", "Тип", "enum", required=True, choices=NMO_KIND, column=True),
        F("title", "Наименование", required=True, max_len=500, column=True),
        F("provider", "Организатор", max_len=300, column=True),
        F("credits", "ЗЕТ", "decimal", required=True, column=True),
        F("status", "Статус", "enum", choices=NMO_STATUS, column=True),
        F("document_number", "Номер документа", max_len=50),
    ),
    ("title",),
)

APPLICATION = EntitySpec(
    "application",
    "Заявление на аккредитацию",
    "Заявления на аккредитацию",
    (
        F("kind", "Вид аккредитации", "enum", required=True, choices=ACCR_KIND, column=True),
        F("specialty_code", "Специальность", "nsi", required=True, nsi="specialty", column=True),
        F("submitted_at", "Дата подачи", "date", past=True, column=True),
        F("confirmation_number", "Номер подтверждения", max_len=50, column=True),
        F("status", "Статус", "enum", choices=APPLICATION_STATUS, column=True),
        F("decision_comment", "Комментарий", "text"),
    ),
    ("kind", "specialty_code"),
)

REQUEST = EntitySpec(
    "request",
    "Запрос от организации",
    "Запросы",
    (
        F("org_name", "Организация", required=True, max_len=300, column=True),
        F("org_inn", "ИНН организации", check="inn10"),
        F("kind", "Тип запроса", max_len=100, column=True),
        F("received_at", "Дата получения", "date", required=True, past=True, column=True),
        F("status", "Статус", "enum", choices=REQUEST_STATUS, column=True),
        F("text", "Текст", "text"),
        #: the organization's files for the worker: SHA-256s of blobs, comma-separated
        #: (desktop/models/staff_request_files.py; the server lets the addressed worker read them)
        F("attachments", "Вложения", max_len=1000),
    ),
    ("org_name", "kind"),
)

DOCUMENT = EntitySpec(
    "document",
    "Документ",
    "Документы",
    (
        F("kind", "Вид", required=True, max_len=50, column=True),
        F("title", "Название", required=True, max_len=300, column=True),
        F("created_at", "Создан", "date", required=True, column=True),
        F("sha256", "SHA-256", max_len=64),
        F("mime", "Тип файла", max_len=100, column=True),
        F("size", "Размер", "int", column=True),
        F("signed", "Подписан", "int", column=True),
        F("signature_info", "Сведения о подписи", "text"),
        F("blob_sha256", "Файл", max_len=64),
    ),
    ("title",),
)

ENTITIES: dict[str, EntitySpec] = {
    e.name: e
    for e in (
        PERSON,
        EDUCATION,
        CERTIFICATE,
        ACCREDITATION,
        CATEGORY,
        EMPLOYMENT,
        NMO,
        APPLICATION,
        REQUEST,
        DOCUMENT,
    )
}

#: Entities that hang off a person (everything except the person row itself).
CHILD_ENTITIES = tuple(n for n in ENTITIES if n != "person")

#: Columns every synced row carries besides its canonical fields.
SYSTEM_COLUMNS = ("id", "person_id", "version", "updated_at")


def entity(name: str) -> EntitySpec:
    try:
        return ENTITIES[name]
    except KeyError:
        raise KeyError(name) from None
