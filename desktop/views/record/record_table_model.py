"""A table of one entity of the open record (the vault's own person), columns taken from the
schema (``FieldSpec.column``).

It is the list model every section uses (``widgets.id_table_model.IdTableModel``) scoped to
the vault's own person: search, sort and rows come from the vault through the DB worker, in
blocks, and a save changes the table row by row. Extra computed columns (the overlap reason in
«Трудовая деятельность») come from a callback run on the DB worker once per read, not per cell.
"""

from __future__ import annotations

from desktop.views.record.record_store import RecordStore
from desktop.views.widgets.id_table_model import OWN, ROW_ID_ROLE, SORT_ROLE, Extra, IdTableModel

__all__ = ["ROW_ID_ROLE", "SORT_ROLE", "RecordTableModel"]


class RecordTableModel(IdTableModel):
    def __init__(self, store: RecordStore, entity: str, *, extra_title: str | None = None,
                 extra: Extra | None = None, order_by: str | None = None) -> None:
        # Newest first by ``order_by``, as the sections always listed their rows.
        super().__init__(store, entity, person=OWN, extra_title=extra_title, extra=extra,
                         order_by=order_by, descending=True)
