"""Widgets shared by several sections: the entity table with its toolbar, the record form and
dialog, the passphrase input, the PDF preview, and ``live_text`` (texts that follow the language)."""
