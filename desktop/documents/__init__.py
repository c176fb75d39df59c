"""Documents: PDF справки/выписки, signing with a local .p12, verification, exports.

Qt-free core: every function takes bytes or a record snapshot (entity -> canonical rows) and
returns bytes or plain data, so the GUI, the CLI and the tests share it.
"""
