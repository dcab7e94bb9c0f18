"""ganedge's benchmarks: how fast the Generator runs, and what limits it, measured side by side.

``python -m benchmarks`` (from the repository root) measures, on one set of
weights, eager PyTorch, the ganedge runtime API, a raw onnxruntime session and
a NumPy implementation; the exports in three precisions; ``gan-run``'s cold
start against a PyTorch script; a training epoch against the textbook
DataLoader loop; and CUDA where a GPU is usable. It writes ``results.json``,
``results.md`` and ``latency.png``.

One module per job: ``timing`` (how a call is timed), ``engines`` (the four
ways to run the weights), one module per section (``sgemm``, ``latency``,
``precision``, ``throughput``, ``cold_start``, ``training``, ``cuda``),
``targets`` and ``notes`` (judging and explaining the numbers), ``report``
and ``plot`` (the outputs), ``suite`` (running it all) and ``__main__``
(the command).
"""
