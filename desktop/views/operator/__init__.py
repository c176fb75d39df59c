"""The registry operator's console (role ``admin``, issue 15)."""
