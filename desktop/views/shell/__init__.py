"""The window and the session around the sections.

``session`` drives profile choice → unlock → the open record → lock; ``main_window`` is the frame;
``record_page`` is the section list and the stack of sections (built lazily from factories);
``sections`` is the registry of the sections a workspace shows; ``notifications_view`` is the
reminder list that spans every section.
"""
