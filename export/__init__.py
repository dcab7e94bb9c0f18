"""Converting a trained Generator to a validated, self-describing ONNX file (``gan-export``)."""
