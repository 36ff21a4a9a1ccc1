"""The library room: your own audio in a SQLite library, its features and embeddings, playlists.

Modules: :mod:`.models` (SQLAlchemy tables), :mod:`.db` (the :class:`~.db.Library` object, the only
way in to the database), :mod:`.scanner` (incremental, resumable folder scans),
:mod:`.features` (audio analysis), :mod:`.embeddings` (the autoencoder), :mod:`.index`
(nearest neighbours), :mod:`.playlists` (rules), :mod:`.playlist_io` (M3U8/XSPF),
:mod:`.spotify` (optional enrichment) and :mod:`.commands` (the ``segue`` subcommands).
"""
