"""Make the intake corpus again: odd but valid photos and bad files, all from sample photos that packages ship.

Run from the project root: `python tests/corpus/make_corpus.py`. The files are committed; tests never run this.
Encoders change over time, so a new run may give other bytes; the tests' expectations (expected.toml) still hold.
"""

import io
import random
import struct
import sys
import zipfile
import time
import zlib
from pathlib import Path

import numpy as np
from PIL import ExifTags, Image, ImageChops, ImageCms, PngImagePlugin
from pillow_heif import register_heif_opener

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
from tests.photos import gps_exif, rgb  # noqa: E402  (the project's own sample-photo helpers)

register_heif_opener()
SIZE = (192, 128)
MARK = 24  # side of the corner marks
RED, GREEN, BLUE = (220, 30, 30), (30, 170, 40), (30, 60, 220)
FIXED_DATE = time.gmtime(1767225600)  # 2026-01-01, for dates written into files: each run gives the same bytes
PROPHOTO = HERE / "profiles" / "ProPhotoRGB.icc"
XMP = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/"'
    b' xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
    b' exif:GPSLatitude="35,40.8667N" exif:GPSLongitude="139,46.0167E" photoshop:City="Chiyoda"/>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def marked(size=SIZE):
    """The cat photo with a red mark top-left, green top-right and blue bottom-left, to tell up from down."""
    image = rgb("chelsea").resize(size, Image.Resampling.LANCZOS)
    width, height = size
    image.paste(RED, (4, 4, 4 + MARK, 4 + MARK))
    image.paste(GREEN, (width - 4 - MARK, 4, width - 4, 4 + MARK))
    image.paste(BLUE, (4, height - 4 - MARK, 4 + MARK, height - 4))
    return image


def save(image, format, **params):
    buffer = io.BytesIO()
    image.save(buffer, format, **params)
    return buffer.getvalue()


def bottom_right(size=SIZE):
    """The box of the fourth corner mark, used by files that put something special there."""
    width, height = size
    return (width - 4 - MARK, height - 4 - MARK, width - 4, height - 4)


# What exif_transpose does for each orientation, and the turn a camera stores so that it undoes it.
UNDO = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def oriented(orientation):
    """A JPEG whose pixels are stored turned, with the EXIF orientation tag that turns them upright."""
    upright = marked()
    stored = upright if orientation == 1 else upright.transpose(UNDO[orientation])
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    return save(stored, "JPEG", quality=92, exif=exif)


def cmyk_image():
    """The marked photo in CMYK, with a black-ink-only (K = 50%) patch bottom-right."""
    image = marked().convert("CMYK")
    image.paste((0, 0, 0, 128), bottom_right())
    return image


def ycck():
    """A YCCK JPEG as Photoshop writes it: C, M, Y stored as YCbCr, Adobe APP14 transform 2."""
    c, m, y, k = cmyk_image().split()
    luma, cb, cr = Image.merge("RGB", (c, m, y)).convert("YCbCr").split()
    # Pillow inverts all four channels when it writes CMYK; pre-invert so that the file holds Y, Cb, Cr, 255-K.
    channels = Image.merge("CMYK", (ImageChops.invert(luma), ImageChops.invert(cb), ImageChops.invert(cr), k))
    data = bytearray(save(channels, "JPEG", quality=92))
    adobe = data.index(b"Adobe\x00")
    assert data[adobe + 11] == 0
    data[adobe + 11] = 2  # transform: YCCK
    return bytes(data)


def prophoto(format):
    """The marked photo converted to the wide-gamut ProPhoto RGB space, with that profile embedded."""
    profile = ImageCms.ImageCmsProfile(str(PROPHOTO))
    wide = ImageCms.profileToProfile(marked(), ImageCms.createProfile("sRGB"), profile, outputMode="RGB")
    params = {"quality": 95, "subsampling": 0} if format == "JPEG" else {}
    return save(wide, format, icc_profile=PROPHOTO.read_bytes(), **params)


def _png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png16(pixels):
    """A 16-bit PNG (gray or RGB) written chunk by chunk: Pillow cannot write 16-bit RGB."""
    height, width = pixels.shape[:2]
    colour = 0 if pixels.ndim == 2 else 2
    rows = b"".join(b"\x00" + row.astype(">u2").tobytes() for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 16, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(rows, 9))
            + _png_chunk(b"IEND", b""))


def sixteen_bit(gray):
    """The marked photo at 16 bits a channel (each 8-bit value v becomes v * 257, full scale to full scale)."""
    image = marked().convert("L") if gray else marked()
    return png16(np.asarray(image, dtype=np.uint16) * 257)


def palette_alpha():
    """A palette PNG with a transparent palette entry (tRNS) over the bottom-right corner."""
    image = marked().convert("RGBA")
    image.paste((0, 0, 0, 0), bottom_right())
    return save(image.quantize(colors=64, method=Image.Quantize.FASTOCTREE), "PNG", optimize=True)


def half_transparent():
    """An RGBA PNG with a half-transparent red patch bottom-right (on white it is pink)."""
    image = marked().convert("RGBA")
    image.paste((255, 0, 0, 128), bottom_right())
    return save(image, "PNG", optimize=True)


def gray_alpha():
    """A gray + alpha (LA) PNG with a transparent bottom-right corner."""
    image = marked().convert("LA")
    image.paste((0, 0), bottom_right())
    return save(image, "PNG", optimize=True)


def rotated_heic():
    """A HEIC stored sideways with an irot box and EXIF orientation 6, as an iPhone held upright writes it."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    return save(marked().transpose(Image.Transpose.ROTATE_90), "HEIF", quality=90, exif=exif.tobytes())


def animated_gif():
    """A three-frame GIF whose first frame is the marked photo and the others black."""
    frames = [marked()] + [Image.new("RGB", SIZE, (0, 0, 0))] * 2
    return save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0)


def gif_broken_after_first_frame():
    """An animated GIF cut off inside its second frame: the first frame is whole and is all that is used."""
    frames = [marked(), rgb("coffee").resize(SIZE)]
    params = {"save_all": True, "duration": 200, "loop": 0}
    data = save(frames[0], "GIF", append_images=frames[1:], **params)
    return data[:_gif_images(data)[1] + 300]


def _gif_images(data):
    """Where each image descriptor of a GIF starts, found by walking its blocks."""
    def skip_sub_blocks(at):
        while data[at]:
            at += 1 + data[at]
        return at + 1

    at, found = 13, []
    if data[10] & 0x80:
        at += 3 << ((data[10] & 7) + 1)
    while data[at] != 0x3B:
        if data[at] == 0x21:
            at = skip_sub_blocks(at + 2)
        else:
            found.append(at)
            packed = data[at + 9]
            at += 10 + ((3 << ((packed & 7) + 1)) if packed & 0x80 else 0)
            at = skip_sub_blocks(at + 1)
    return found


def animated_webp():
    frames = [marked(), Image.new("RGB", SIZE, (0, 0, 0))]
    return save(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=200, quality=90)


def mpo():
    """A multi-picture JPEG (MPO), as phones write for gain maps and depth: the first picture is the photo."""
    return save(marked(), "MPO", save_all=True, append_images=[marked((96, 64)).convert("L")], quality=92)


def exif_with_thumbnail(exif, thumbnail):
    """EXIF bytes with an IFD1 thumbnail appended (Pillow reads IFD1 but does not write it)."""
    data = bytearray(exif.tobytes())
    assert data.startswith(b"Exif\x00\x00")
    tiff = data[6:]
    order = "<" if tiff[:2] == b"II" else ">"
    ifd0 = struct.unpack(order + "I", tiff[4:8])[0]
    count = struct.unpack(order + "H", tiff[ifd0:ifd0 + 2])[0]
    next_at = ifd0 + 2 + 12 * count
    tiff += b"\x00" * (len(tiff) % 2)
    ifd1 = len(tiff)
    struct.pack_into(order + "I", tiff, next_at, ifd1)
    entries = [(0x0103, 3, 1, 6), (0x0201, 4, 1, ifd1 + 2 + 12 * 3 + 4), (0x0202, 4, 1, len(thumbnail))]
    tiff += struct.pack(order + "H", len(entries))
    for tag, kind, number, value in entries:
        packed = struct.pack(order + "H", value) + b"\x00\x00" if kind == 3 else struct.pack(order + "I", value)
        tiff += struct.pack(order + "HHI", tag, kind, number) + packed
    tiff += struct.pack(order + "I", 0) + thumbnail
    return b"Exif\x00\x00" + bytes(tiff)


def phone_exif():
    """What an iPhone writes: camera, time, GPS position (Tokyo Station) and an Apple maker note."""
    exif = gps_exif()
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.MakerNote] = b"Apple iOS\x00\x00\x01MM" + bytes(range(64))
    return exif


def gps_jpeg():
    """A phone JPEG with GPS EXIF, a maker note, an EXIF thumbnail, XMP (with GPS) and an ICC profile."""
    photo = rgb("coffee").resize((480, 320), Image.Resampling.LANCZOS)
    thumbnail = save(photo.resize((160, 107)), "JPEG", quality=70)
    srgb = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    srgb[24:36] = struct.pack(">6H", 2026, 1, 1, 0, 0, 0)  # a fixed creation date: the same bytes every run
    return save(photo, "JPEG", quality=90, exif=exif_with_thumbnail(phone_exif(), thumbnail), xmp=XMP,
                icc_profile=bytes(srgb))


def gps_png():
    """A PNG with EXIF in an eXIf chunk and XMP in an iTXt chunk, both carrying GPS."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    return save(rgb("coffee").resize((240, 160)), "PNG", exif=phone_exif(), pnginfo=info, optimize=True)


def gps_heic():
    return save(rgb("coffee").resize((240, 160)), "HEIF", quality=85, exif=phone_exif().tobytes(), xmp=XMP)


def gps_webp():
    return save(rgb("coffee").resize((240, 160)), "WEBP", quality=85, exif=phone_exif(), xmp=XMP)


def gifar():
    """A GIF with a Java archive appended (a GIFAR): valid as both; only the GIF's pixels may survive."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as jar:
        when = (2026, 1, 1, 0, 0, 0)
        jar.writestr(zipfile.ZipInfo("META-INF/MANIFEST.MF", when), "Manifest-Version: 1.0\nMain-Class: Evil\n")
        jar.writestr(zipfile.ZipInfo("Evil.class", when), b"\xca\xfe\xba\xbe" + bytes(60))
    return save(marked(), "GIF") + archive.getvalue()


def pe_header():
    """The start of a Windows program: DOS header, stub and PE/COFF header."""
    dos = bytearray(0x80)
    dos[:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x80)
    dos[0x40:0x40 + 39] = b"This program cannot be run in DOS mode."
    coff = b"PE\x00\x00" + struct.pack("<HHIIIHH", 0x8664, 3, 0x5F5E1000, 0, 0, 0xF0, 0x22)
    return bytes(dos) + coff + bytes(400)


def mp4_header():
    """The first boxes of an MP4 video (ftyp isom, then the start of mdat)."""
    ftyp = b"ftyp" + b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41"
    return (struct.pack(">I", 4 + len(ftyp)) + ftyp + struct.pack(">I", 8) + b"free"
            + struct.pack(">I", 1024) + b"mdat" + random.Random(4).randbytes(1016))


def corpus():
    """Every corpus file by name."""
    photo = marked()
    jpeg = save(photo, "JPEG", quality=92)
    files = {f"orient_{n}.jpg": oriented(n) for n in range(1, 9)}
    files.update({
        "progressive.jpg": save(photo, "JPEG", quality=90, progressive=True),
        "mpo_two_pictures.jpg": mpo(),
        "cmyk_adobe.jpg": save(cmyk_image(), "JPEG", quality=92),
        "ycck_adobe.jpg": ycck(),
        "gray.jpg": save(photo.convert("L"), "JPEG", quality=92),
        "prophoto_icc.jpg": prophoto("JPEG"),
        "prophoto_icc.png": prophoto("PNG"),
        "rgb16.png": sixteen_bit(gray=False),
        "gray16.png": sixteen_bit(gray=True),
        "palette_alpha.png": palette_alpha(),
        "rgba_half_transparent.png": half_transparent(),
        "gray_alpha.png": gray_alpha(),
        "photo.heic": save(photo, "HEIF", quality=90),
        "rotated_irot.heic": rotated_heic(),
        "photo.avif": save(photo, "AVIF", quality=90),
        "photo.webp": save(photo, "WEBP", quality=90),
        "animated.webp": animated_webp(),
        "animated.gif": animated_gif(),
        "gif_broken_after_first_frame.gif": gif_broken_after_first_frame(),
        "photo.bmp": save(photo, "BMP"),
        "photo.tif": save(photo, "TIFF", compression="tiff_adobe_deflate"),
        "png_named_as.jpg": save(photo, "PNG", optimize=True),
        "gps_iphone.jpg": gps_jpeg(),
        "gps_exif_xmp.png": gps_png(),
        "gps_iphone.heic": gps_heic(),
        "gps_exif_xmp.webp": gps_webp(),
        "polyglot_jpeg_html.jpg": jpeg + b"<html><script>alert('polyglot')</script></html>",
        "gifar.gif": gifar(),
        # Bad files.
        "empty.jpg": b"",
        "truncated.jpg": jpeg[: len(jpeg) * 6 // 10],
        "html_with_jpeg_magic.jpg": b"\xff\xd8\xff\xe0<html><script>alert('not a photo')</script></html>",
        "png_magic_then_garbage.png": b"\x89PNG\r\n\x1a\n" + random.Random(8).randbytes(2000),
        "bomb_400mp.png": save(Image.new("1", (20000, 20000)), "PNG", optimize=True),
        "over_limit_56mp.png": save(Image.new("1", (8000, 7000)), "PNG", optimize=True),
        "tiny_20px.png": save(photo.resize((20, 14)), "PNG"),
        "drawing.svg": b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
                       b'<rect width="200" height="100" fill="red"/><script>alert(1)</script></svg>\n',
        "document.pdf": save(photo, "PDF", creationDate=FIXED_DATE, modDate=FIXED_DATE),
        "random_bytes.jpg": random.Random(2026).randbytes(4096),
        "renamed_program.jpg": pe_header(),
        "video_isom.mp4": mp4_header(),
    })
    return files


def main():
    for name, data in corpus().items():
        (HERE / name).write_bytes(data)
        print(f"{len(data):>8}  {name}")


if __name__ == "__main__":
    main()
