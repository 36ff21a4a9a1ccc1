"""What one audio file gives: decoding (:mod:`.decode`), features, the music / speech / other detector
(:mod:`.nonmusic`, :mod:`.kind`), the tagger's evidence (:mod:`.tagging`), fingerprints, tags,
lyrics and log-mel patches; :mod:`.track` puts them together for one file.

Pure functions of a file: imports only :mod:`engine.library.storage` (file names) from the library,
never the database.
"""
