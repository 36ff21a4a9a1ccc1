"""The library room: your own audio in a SQLite library, its analysis and embeddings, playlists.

Sub-packages, each importing only the ones listed before it:

* :mod:`.storage` — tables, migrations, the :class:`~.storage.db.Library`, the query-path reader;
* :mod:`.analysis` — what one file gives (features, kind, tags, fingerprint, patches, lyrics);
* :mod:`.scan` — incremental, resumable folder scans (local pool or Dask) and their writer;
* :mod:`.embeddings` — the embedding options and their models;
* :mod:`.playlists` — catalogue, neighbour index, rules, M3U8/XSPF, saved playlists;
* :mod:`.evaluation` — ``segue eval playlist`` (real recordings, synthetic diagnostics).

Facades on top: :mod:`.service` (the functions the panel and the CLI call), :mod:`.commands` and
:mod:`.embed_commands` (the ``segue`` subcommands), :mod:`.player` and :mod:`.preview` (audio out),
:mod:`.spotify` (optional enrichment).
"""
