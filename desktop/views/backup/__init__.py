"""Backups from the window: «Файл → Резервная копия…» and «Файл → Восстановить…», and the
scheduled copy made when a profile is opened. The work itself is Qt-free
(``desktop/vault/backup.py``, ``restore.py``, ``backup_schedule.py``) and runs as ops."""
