"""A JPEG kept as it was sent, every metadata segment taken out (EXIF with its GPS, XMP, ICC, comments, thumbnails,
whatever follows its end): the same pixels without a decode and a second encode, for a photo already small enough."""

import re

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
# What decoding needs: a baseline or extended frame (Huffman-coded), its tables and restart interval. A progressive
# or greyscale JPEG is re-encoded, so that every stored copy is a sequential colour JPEG as it was before.
FRAMES = (0xC0, 0xC1)
TABLES = (0xC4, 0xDB, 0xDD)  # DHT, DQT, DRI
METADATA = (*range(0xE0, 0xF0), 0xFE)  # APP0-APP15 (JFIF, EXIF, XMP, ICC, MPF, Adobe, ...), COM
# A JFIF header of our own (version 1.01, no density, no thumbnail): a three-component JPEG without one is read as
# YCbCr by every decoder anyway, and with it no decoder guesses from the component ids.
JFIF = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
# In entropy-coded data a 0xFF is followed by 0x00 (a stuffed byte) or a restart marker; anything else is a marker.
MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")


def stripped(data):
    """The JPEG's SOI, a clean JFIF header, its frame, tables and scans and EOI, nothing else; None when its
    structure is not the plain 8-bit Huffman one read here (the caller then re-encodes the decoded pixels)."""
    if data[:2] != b"\xff\xd8":
        return None
    parts, at, end, framed = [data[:2], JFIF], 2, len(data), False
    while at < end:
        if data[at] != 0xFF:
            return None
        while at < end and data[at] == 0xFF:  # fill bytes before a marker
            at += 1
        if at >= end:
            return None
        marker = data[at]
        at += 1
        if marker == EOI:
            return b"".join(parts) + b"\xff\xd9" if framed else None
        length = int.from_bytes(data[at:at + 2], "big")
        if at + 2 > end or length < 2 or at + length > end:
            return None
        segment = b"\xff" + bytes((marker,)) + data[at:at + length]
        if marker in FRAMES:
            if framed or length < 8 or data[at + 2] != 8 or data[at + 7] != 3:
                return None  # a second frame, samples of other than 8 bits, or other than three components
            framed = True
        elif marker == SOS:
            if not framed:
                return None
            scan = MARKER.search(data, at + length)
            if scan is None:
                return None
            parts += [segment, data[at + length:scan.start()]]
            at = scan.start()
            continue
        elif marker not in TABLES and marker not in METADATA:
            return None  # lossless, hierarchical or arithmetic coding, DNL, or damage: not what is read here
        if marker not in METADATA:
            parts.append(segment)
        at += length
    return None
