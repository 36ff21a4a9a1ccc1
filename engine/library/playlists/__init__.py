"""The query side: the in-memory catalogue (:mod:`.catalogue`), the neighbour index, seeds and tags
found from what a person types (:mod:`.lookup`), the rules that build a playlist (:mod:`.build`)
and its items (:mod:`.items`), M3U8/XSPF files (:mod:`.files`) and saved playlists (:mod:`.saved`).

Imports the layers below; a playlist query loads numpy and the standard library's sqlite3, never
torch, SQLAlchemy's ORM or the audio stack (tests/engine/library/test_query_imports.py).
"""
