"""Sync in the GUI: ``sync_controller`` runs the Qt-free ``desktop.sync`` engine off the GUI thread and
reports its state; ``sync_wiring`` attaches it to the window (menu, status bar, login); conflicts and
rejected changes are resolved in their own views."""
