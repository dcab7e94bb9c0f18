"""Floor 4 of ganedge's runtime: the commands, one module each over :mod:`.shared`.

``gan-run`` (:mod:`.run`), ``gan-eval`` (:mod:`.evaluate`), ``gan-sweep``
(:mod:`.sweep`); ``gan-train``, ``gan-train-classifier`` and ``gan-export``
live in their own parts and use :mod:`.shared` too.
"""
