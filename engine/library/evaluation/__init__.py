"""`segue eval playlist`: the real-recordings set (:mod:`.realset`, :mod:`.real_data`, :mod:`.real`),
the synthetic diagnostics (:mod:`.synthetic`, :mod:`.run`), the controls and bootstrap intervals
(:mod:`.controls`), the embedding options under test (:mod:`.options`) and the non-music detector's
held-out figures (:mod:`.nonmusic`).

The top of the library's layers: nothing in the other sub-packages imports it.
"""
