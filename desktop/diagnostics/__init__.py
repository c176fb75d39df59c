"""Checks of the app itself, not of anyone's record.

``selftest`` (``frmr-desktop --self-test``, run frozen by ``installer/check``), ``startup_probe``
(``FRMR_STARTUP_PROBE=1``: time to an interactive window, for the benches) and ``crash`` (the crash
log that holds no personal data, and the Russian one-line description a view shows). ``crash`` is
Qt-free; the self-test and the probe load Qt lazily, only in the steps that need it.
"""
