"""Tables on a page image from their ruling lines: the page is straightened, the lines found by morphology, and each
table becomes a grid of cells, a merged cell being the region that no ruling line divides.

Works on a grey page image (numpy uint8) normalised to about 300 dpi (see parsers.ocr).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_MIN_TABLE_WIDTH = 0.25  # of the page width: smaller ruled boxes (a seal, an underline) are not tables
_EDGE_COVERAGE = 0.92  # share of a cell side that must be ink for a ruling line to divide two cells (a stroke of
# a character standing in a one-line cell reaches some 85 % of its height)
_MAX_SKEW = 3.0  # degrees a page may be rotated
_MIN_SPECK = 8  # pixels of ink (at 300 dpi) below which a blob is grain: a decimal point has some 16
_LINE_REACH = 3  # pixels either side of a ruling line's centre still counted as the line (thickness, skew)


@dataclass
class Region:
    """One cell of a table grid: its top-left grid position, its span, and its box in the page image."""

    row: int
    column: int
    rows: int
    columns: int
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 between the ruling lines' centres


@dataclass
class Grid:
    box: tuple[int, int, int, int]  # the table's bounding box in the page image
    n_rows: int
    n_columns: int
    regions: list[Region]


def ink(gray: np.ndarray) -> np.ndarray:
    """Ink as 255 on 0: a local threshold copes with uneven scans and grey backgrounds; the median filter first
    keeps a noisy scan's grain out."""
    return cv2.adaptiveThreshold(
        cv2.medianBlur(gray, 3), 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 25
    )


def _skew(bw: np.ndarray) -> float:
    """The page's rotation in degrees: the angle at which its rows of ink (ruling lines, text lines) are sharpest,
    i.e. the row profile varies most. Searched on a small copy, to a tenth of a degree."""
    scale = 800 / bw.shape[1]
    small = cv2.resize(bw, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = small.shape
    best, best_score = 0.0, -1.0
    for angle in np.arange(-_MAX_SKEW, _MAX_SKEW + 0.01, 0.1):
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), float(angle), 1.0)
        profile = cv2.warpAffine(small, matrix, (w, h)).sum(axis=1, dtype=np.float64)
        score = float(np.var(profile))
        if score > best_score:
            best, best_score = float(angle), score
    return best


def straighten(gray: np.ndarray) -> np.ndarray:
    """The page rotated so that its lines lie level (a scan is rarely put on the glass straight)."""
    angle = _skew(ink(gray))
    if abs(angle) < 0.05:
        return gray
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)


def _line_masks(bw: np.ndarray, unit: int) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) line pixels: runs of ink longer than any stroke of a character."""
    horizontal = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (4 * unit, 1)))
    vertical = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 2 * unit)))
    return horizontal, vertical


def _positions(profile: np.ndarray, minimum: float) -> list[int]:
    """Centres of the runs where a projection reaches `minimum`: one position per ruling line."""
    found, start = [], None
    for i, value in enumerate(np.append(profile, 0)):
        if value >= minimum and start is None:
            start = i
        elif value < minimum and start is not None:
            found.append((start + i - 1) // 2)
            start = None
    return found


def _covered(bw: np.ndarray, fixed: int, start: int, end: int, *, vertical: bool) -> bool:
    """Is the segment from start to end at `fixed` (an x for a vertical segment, a y for a horizontal one) ink?"""
    if end - start < 4:
        return True
    lo, hi = max(fixed - _LINE_REACH, 0), fixed + _LINE_REACH + 1
    band = bw[start:end, lo:hi].max(axis=1) if vertical else bw[lo:hi, start:end].max(axis=0)
    return bool(np.count_nonzero(band) / band.size >= _EDGE_COVERAGE)


def _sides(bw: np.ndarray, xs: list[int], ys: list[int]) -> tuple[list[list[bool]], list[list[bool]]]:
    """right[r][c]: a line divides cell (r, c) from (r, c+1); below[r][c]: from (r+1, c)."""
    m = 2  # pixels kept clear of the crossing lines when testing a side
    right = [
        [_covered(bw, xs[c + 1], ys[r] + m, ys[r + 1] - m, vertical=True) for c in range(len(xs) - 2)]
        for r in range(len(ys) - 1)
    ]
    below = [
        [_covered(bw, ys[r + 1], xs[c] + m, xs[c + 1] - m, vertical=False) for c in range(len(xs) - 1)]
        for r in range(len(ys) - 2)
    ]
    return right, below


def _grid(bw: np.ndarray, horizontal: np.ndarray, vertical: np.ndarray, box: tuple[int, int, int, int]) -> Grid | None:
    x0, y0, x1, y1 = box
    ys = [y + y0 for y in _positions(horizontal[y0:y1, x0:x1].sum(axis=1) / 255, minimum=20)]
    xs = [x + x0 for x in _positions(vertical[y0:y1, x0:x1].sum(axis=0) / 255, minimum=20)]
    if len(ys) < 3 or len(xs) < 2:
        return None
    right, below = _sides(bw, xs, ys)
    # Candidate lines that divide nothing (a character's stroke that passed the filter) are dropped.
    xs = [xs[0], *(xs[c + 1] for c in range(len(xs) - 2) if any(row[c] for row in right)), xs[-1]]
    ys = [ys[0], *(ys[r + 1] for r in range(len(ys) - 2) if any(below[r])), ys[-1]]
    right, below = _sides(bw, xs, ys)
    return _regions(xs, ys, right, below, box)


def _regions(
    xs: list[int], ys: list[int], right: list[list[bool]], below: list[list[bool]], box: tuple[int, int, int, int]
) -> Grid:
    """Cells joined where no line divides them (union-find); each joined set is one region, placed at its top left."""
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    parent = list(range(n_rows * n_cols))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and not right[r][c]:
                parent[root(r * n_cols + c + 1)] = root(r * n_cols + c)
            if r + 1 < n_rows and not below[r][c]:
                parent[root((r + 1) * n_cols + c)] = root(r * n_cols + c)
    members: dict[int, list[tuple[int, int]]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            members.setdefault(root(r * n_cols + c), []).append((r, c))
    regions = []
    for cells in members.values():
        r0, c0 = min(r for r, _ in cells), min(c for _, c in cells)
        r1, c1 = max(r for r, _ in cells), max(c for _, c in cells)
        regions.append(Region(r0, c0, r1 - r0 + 1, c1 - c0 + 1, (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1])))
    regions.sort(key=lambda g: (g.row, g.column))
    return Grid(box, n_rows, n_cols, regions)


def find_tables(gray: np.ndarray) -> tuple[list[Grid], np.ndarray]:
    """The ruled tables of a straightened page, top to bottom, and the ink image with their ruling lines removed."""
    bw = ink(gray)
    unit = max(gray.shape[1] // 120, 10)  # about the height of a character at the page's resolution
    horizontal, vertical = _line_masks(bw, unit)
    lines = cv2.dilate(horizontal | vertical, np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(lines)
    grids = []
    for i in range(1, count):
        x, y, w, h = stats[i, :4]
        if w < _MIN_TABLE_WIDTH * gray.shape[1] or h < 2 * unit:
            continue
        grid = _grid(bw, horizontal, vertical, (x, y, x + w, y + h))
        if grid is not None:
            grids.append(grid)
    grids.sort(key=lambda g: g.box[1])
    text_ink = cv2.subtract(bw, cv2.dilate(horizontal | vertical, np.ones((3, 3), np.uint8)))
    return grids, _without_specks(text_ink)


def _without_specks(bw: np.ndarray) -> np.ndarray:
    """Ink without the grain of a scan: blobs smaller than the dot of a decimal point."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= _MIN_SPECK
    keep[0] = False
    return np.where(keep[labels], np.uint8(255), np.uint8(0))
