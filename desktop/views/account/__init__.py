"""«Учётная запись и безопасность»: the person's server account (password, second factor,
sessions), «Мой журнал» and the 152-ФЗ consent — one section for every role (workspace.py)."""
