"""Drive the Gradio peer through Gradio's own API client with bench/loadgen.py; print one JSON row per level."""

import json
import sys
from pathlib import Path

from gradio_client import Client, handle_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import run_level


def main(url, photo, levels, count):
    clients = {}

    def call():
        # One client per thread, as concurrent visitors would each have their own session.
        import threading
        client = clients.setdefault(threading.get_ident(), Client(url, verbose=False))
        client.predict(handle_file(photo), api_name="/predict")
        return "ok"

    run_level(call, 1, 3)  # warm-up
    for level in levels:
        print(json.dumps(run_level(call, level, count)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], [int(n) for n in sys.argv[3].split(",")], int(sys.argv[4]))
