"""Checks for tests/e2e/report_cli.sh, standard library only.

  svg FILE...          each file is well-formed XML with an <svg> root
  fragments HTML       every <svg>...</svg> in the page is well-formed XML; prints their count
  expected RUN...      the figure count a report of these run folders must have, from their events.jsonl
  png FILE             prints the number of distinct colours in a PNG screenshot
"""
import json
import struct
import sys
import xml.etree.ElementTree as ET
import zlib


def check_svg(paths):
    for p in paths:
        root = ET.parse(p).getroot()
        if root.tag != "{http://www.w3.org/2000/svg}svg":
            sys.exit(f"{p}: root is {root.tag}, not svg")


def fragments(path):
    page = open(path, encoding="utf-8").read()
    n, at = 0, 0
    while True:
        start = page.find("<svg", at)
        if start < 0:
            break
        end = page.index("</svg>", start) + len("</svg>")
        ET.fromstring(page[start:end])
        n, at = n + 1, end
    print(n)


def expected(runs):
    figures = 4  # validation accuracy, F1, loss, training loss
    for run in runs:
        last, evaluated = None, False
        for line in open(f"{run}/events.jsonl", encoding="utf-8"):
            ev = json.loads(line)
            evaluated |= ev.get("type") == "eval"
            if ev.get("type") == "explain":
                last = ev
        figures += evaluated + (min(6, len(last["samples"])) if last else 0)
    print(figures)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def png_colours(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    at, idat, width, height, bpp = 8, b"", 0, 0, 0
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                sys.exit(f"{path}: unexpected PNG format depth={depth} colour={colour}")
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    raw, stride = zlib.decompress(idat), width * bpp
    prev, colours = bytearray(stride), set()
    for y in range(height):
        f, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                row[i] = (row[i] + a) & 255
            elif f == 2:
                row[i] = (row[i] + prev[i]) & 255
            elif f == 3:
                row[i] = (row[i] + ((a + prev[i]) >> 1)) & 255
            elif f == 4:
                row[i] = (row[i] + paeth(a, prev[i], c)) & 255
        colours.update(bytes(row[i:i + 3]) for i in range(0, stride, bpp * 4))
        prev = row
    print(len(colours))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"svg": check_svg, "fragments": lambda a: fragments(a[0]), "expected": expected,
     "png": lambda a: png_colours(a[0])}[cmd](args)
