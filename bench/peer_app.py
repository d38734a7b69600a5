"""The peer: gr.Interface(gr.Image, gr.Label) around nudenet's NudeDetector, Gradio's defaults otherwise."""

import sys

import gradio as gr
import numpy as np
from nudenet import NudeDetector

detector = NudeDetector()


def detect(image):
    """Regions NudeNet finds, as the label scores gr.Label shows (nudenet reads BGR arrays)."""
    found = detector.detect(np.ascontiguousarray(image[:, :, ::-1]))
    scores = {}
    for region in found:
        scores[region["class"]] = max(scores.get(region["class"], 0.0), region["score"])
    return scores or {"nothing": 1.0}


demo = gr.Interface(fn=detect, inputs=gr.Image(type="numpy"), outputs=gr.Label(), api_name="predict")

if __name__ == "__main__":
    demo.launch(server_name="127.0.0.1", server_port=int(sys.argv[1]))
