"""Getting into a vault and the settings around it: profile chooser, first start (a new profile),
consent to personal-data processing, unlock, and the settings section (language, passphrase, checks)."""
