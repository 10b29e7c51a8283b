#!/usr/bin/env python3
"""Plots a soak's samples (the CSV `soak --csv` writes) as a PNG: one panel
per series (resident memory, open file descriptors, threads, live tasks)
against time, the warm-up shaded. Standard library only (the PNG is
written with zlib), so that it runs wherever the soak does:
    python3 scripts/plot-soak.py SAMPLES.csv OUT.png [WARM_UP_SECONDS] [TITLE]
"""
import csv
import struct
import sys
import zlib

FONT = {  # 3x5 glyphs, rows top to bottom, 3 bits each
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111",
    "3": "111001111001111", "4": "101101111001001", "5": "111100111001111",
    "6": "111100111101111", "7": "111001001001001", "8": "111101111101111",
    "9": "111101111001111", ".": "000000000000010", "-": "000000111000000",
    "%": "101001010100101", ":": "000010000010000", "(": "001010010010001",
    ")": "100010010010100", "/": "001001010100100", ",": "000000000010100",
    "=": "000111000111000", " ": "000000000000000",
    "A": "010101111101101", "B": "110101110101110", "C": "011100100100011",
    "D": "110101101101110", "E": "111100110100111", "F": "111100110100100",
    "G": "011100101101011", "H": "101101111101101", "I": "111010010010111",
    "J": "001001001101010", "K": "101101110101101", "L": "100100100100111",
    "M": "101111111101101", "N": "110101101101101", "O": "010101101101010",
    "P": "110101110100100", "Q": "010101101110011", "R": "110101110101101",
    "S": "011100010001110", "T": "111010010010010", "U": "101101101101111",
    "V": "101101101101010", "W": "101101111111101", "X": "101101010101101",
    "Y": "101101010010010", "Z": "111001010100111",
}
SCALE = 2
W, PANEL, LEFT, RIGHT, TOP, GAP = 960, 150, 110, 20, 40, 40


class Image:
    def __init__(self, w, h):
        self.w, self.h = w, h
        self.px = bytearray(b"\xff" * (w * h * 3))

    def set(self, x, y, rgb):
        if 0 <= x < self.w and 0 <= y < self.h:
            i = (y * self.w + x) * 3
            self.px[i:i + 3] = bytes(rgb)

    def rect(self, x0, y0, x1, y1, rgb):
        for y in range(max(y0, 0), min(y1, self.h)):
            for x in range(max(x0, 0), min(x1, self.w)):
                self.set(x, y, rgb)

    def line(self, x0, y0, x1, y1, rgb):
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err = dx + dy
        while True:
            self.set(x0, y0, rgb)
            self.set(x0, y0 + 1, rgb)
            if x0 == x1 and y0 == y1:
                return
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy

    def text(self, x, y, s, rgb=(0, 0, 0)):
        for ch in s.upper():
            glyph = FONT.get(ch, FONT[" "])
            for i, bit in enumerate(glyph):
                if bit == "1":
                    gx, gy = x + (i % 3) * SCALE, y + (i // 3) * SCALE
                    self.rect(gx, gy, gx + SCALE, gy + SCALE, rgb)
            x += 4 * SCALE

    def png(self):
        raw = b"".join(b"\x00" + bytes(self.px[y * self.w * 3:(y + 1) * self.w * 3]) for y in range(self.h))

        def chunk(kind, data):
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

        header = struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def label(v):
    return f"{v:.1f}" if v < 100 and v != int(v) else f"{int(round(v))}"


def main():
    path, out = sys.argv[1], sys.argv[2]
    warm = float(sys.argv[3]) if len(sys.argv) > 3 else None
    title = sys.argv[4] if len(sys.argv) > 4 else "SOAK"
    rows = list(csv.DictReader(open(path)))
    if len(rows) < 2:
        sys.exit("fewer than two samples")
    t = [float(r["seconds"]) for r in rows]
    series = [
        ("resident memory (MiB)", [int(r["rss_kib"]) / 1024 for r in rows], (200, 40, 40)),
        ("open file descriptors", [int(r["fds"]) for r in rows], (40, 90, 200)),
        ("threads", [int(r["threads"]) for r in rows], (120, 60, 160)),
        ("live tasks", [int(r["tasks"]) for r in rows], (30, 140, 60)),
    ]
    warm = t[-1] / 5 if warm is None else warm
    h = TOP + len(series) * (PANEL + GAP) + 20
    img = Image(W, h)
    img.text(8, 12, title)
    span = max(t[-1] - t[0], 1.0)
    x_of = lambda s: LEFT + int((s - t[0]) / span * (W - LEFT - RIGHT - 1))
    for k, (name, values, color) in enumerate(series):
        top = TOP + k * (PANEL + GAP) + 14
        bottom = top + PANEL
        lo, hi = 0.0, max(values) * 1.15 or 1.0
        y_of = lambda v: bottom - int((v - lo) / (hi - lo) * PANEL)
        img.rect(LEFT, top, x_of(min(warm, t[-1])), bottom, (235, 235, 235))
        for frac in (0.25, 0.5, 0.75):
            y = bottom - int(frac * PANEL)
            img.rect(LEFT, y, W - RIGHT, y + 1, (215, 215, 215))
        img.rect(LEFT, top, LEFT + 1, bottom + 1, (0, 0, 0))
        img.rect(LEFT, bottom, W - RIGHT, bottom + 1, (0, 0, 0))
        img.text(LEFT, top - 14, name)
        for v in (lo, hi / 2, max(values)):
            y = y_of(v)
            img.rect(LEFT - 5, y, LEFT, y + 1, (0, 0, 0))
            img.text(8, y - 5, label(v))
        points = [(x_of(s), y_of(v)) for s, v in zip(t, values)]
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            img.line(x0, y0, x1, y1, color)
        for s in (t[0], t[0] + span / 2, t[-1]):
            x = x_of(s)
            img.rect(x, bottom, x + 1, bottom + 5, (0, 0, 0))
            img.text(min(x - 10, W - 80), bottom + 8, f"{s / 60:.1f} min")
    open(out, "wb").write(img.png())


if __name__ == "__main__":
    main()
