"""Folder scans: reconcile (:mod:`.scanner`), the local analysis pool (:mod:`.pool`) or a Dask cluster
(:mod:`.cluster`), the batched single writer (:mod:`.store`) and the one-scan-per-library lock
(:mod:`.lock`).

Imports :mod:`engine.library.storage` and :mod:`engine.library.analysis`.
"""
