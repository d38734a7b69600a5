"""Sharing: the 1200x630 cards a link unfolds into, and the blur that keeps sensitive photos unrecognisable."""
