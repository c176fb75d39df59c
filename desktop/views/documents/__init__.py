"""The documents section: the list (``documents_model``/``documents_view``), generating, signing,
verifying, certificates, files from the server, and the НМО export. The work itself is in the
Qt-free ``desktop.documents``; ``document_tasks`` holds the functions the views run off the GUI thread."""
