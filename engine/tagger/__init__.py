"""The music tagger: pretrained musicnn models (MagnaTagATune, Million Song Dataset) in PyTorch.

Modules: :mod:`.musicnn` (the network and its config), :mod:`.audio` (musicnn's mel front end and
patching) and :mod:`.tag` (the public API: :func:`~.tag.tag_file`, :func:`~.tag.tag_audio` →
:class:`~.tag.TrackTags`). The models are converted from the original TensorFlow checkpoints by
``scripts/convert_musicnn.py`` and checked against them by ``scripts/validate_musicnn_port.py``
(docs/tagger.md).
"""
