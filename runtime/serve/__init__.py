"""Floor 4 of ganedge's runtime: serving (``gan-serve``, the ``[serve]`` extra: Starlette + Uvicorn).

- :mod:`.app`: the ASGI application, the browser explorer's files and API and the v2 endpoints;
- :mod:`.protocol`: the Open Inference Protocol (v2) requests and responses, JSON and binary;
- :mod:`.inference`: the generator and the classifier as v2 models;
- :mod:`.batching`: dynamic batching of concurrent requests;
- :mod:`.triton`: a Triton model repository written from a model file;
- ``static/``: the explorer page; ``vendor/``: the pinned onnxruntime-web files.

Imports the floors below (base, generator, measure) only.
"""
