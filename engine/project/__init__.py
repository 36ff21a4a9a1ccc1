"""Projects: the `.segue` file (versioned JSON), opening it against what is installed, autosave.

``model`` (dataclasses, strict reading), ``files`` (load/save, atomic), ``chain`` (the Composer's
chain to and from the composer engine), ``resolve`` (what changed since it was saved),
``autosave`` (crash-safe sessions in ``SEGUE_HOME/autosave``), ``commands`` (``segue project``).
Qt-free; the window's File menu and autosave timer live in ``app/project_controller.py``.
"""
