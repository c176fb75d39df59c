"""How the Qt layer runs work and keeps the GUI thread free.

``workers`` (the one DB worker thread that owns the vault connection, and the pool for CPU and
network work), ``turns`` (splitting long GUI-thread work into event-loop turns), ``idle`` (auto-lock
after inactivity), ``heap`` (the cyclic GC run on the GUI thread only), ``prewarm`` (importing heavy
modules in the background before they are needed) and ``crash`` (the excepthook's dialog).
"""
