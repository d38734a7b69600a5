"""Computer vision for hantei: ONNX sessions, detectors and classifiers; knows nothing of Flask."""
