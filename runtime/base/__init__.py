"""Floor 1 of ganedge: the torch-free, onnxruntime-free base every other part builds on.

- :mod:`.errors`: the one error hierarchy (``GanedgeError`` and its subclasses);
- :mod:`.contract`: the ``.onnx`` metadata, written and read;
- :mod:`.pixels`: generator values <-> uint8 pixels, both ways;
- :mod:`.sefa`: SeFa latent directions, computed, encoded, decoded;
- :mod:`.files`: atomic writes, writability checks, JSON/CSV/NPZ files;
- :mod:`.pictures` and :mod:`.heatmap`: grids, captions, the font, the sweep picture;
- :mod:`.normal_draws`: numpy's seeded normal draws, computed without importing ``numpy.random``;
- :mod:`.whole_numbers`: the one check that a count, seed or size is a whole number in range;
- :mod:`.dataset`: FashionMNIST's IDX files, read and verified;
- :mod:`.version`: the installed ganedge version.

Modules here import numpy, Pillow and each other only.
"""
