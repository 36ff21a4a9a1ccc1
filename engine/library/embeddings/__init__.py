"""The embedding options and the models behind them: the features autoencoder, the spectrogram VAE,
the lyric embedding and the tagger's vectors; :mod:`.options` reads any option's stored vectors.

Imports :mod:`engine.library.storage` and :mod:`engine.library.analysis`; never the playlists or
the evaluation. Reading stored vectors needs neither torch nor the audio stack.
"""
