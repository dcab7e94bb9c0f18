"""Floor 2 of ganedge: the generator runtime (onnxruntime + numpy).

- :mod:`.session`: an ``.onnx`` file opened on the device asked for;
- :mod:`.bound_runs`: small CPU batches through IO bindings kept per thread;
- :mod:`.chunk_workers`: large CPU batches as whole chunks side by side, one thread each;
- :mod:`.model`: :class:`GeneratorModel`, latents -> images;
- :mod:`.latents`: sampling latents and the report's perturbation experiment;
- :mod:`.directions`: walking along SeFa and random directions.

Imports the base (floor 1) only.
"""
