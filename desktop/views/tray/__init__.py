"""The system tray icon (issue 14): messages for new notifications, the sync state, the quick menu."""
