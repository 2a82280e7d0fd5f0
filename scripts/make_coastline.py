"""Cut the land around Örnsköldsvik out of Natural Earth, for the site's offline school map.

Input: ``land-10m.json`` from the npm package world-atlas 2.0.2 (Natural Earth 1:10m land,
public domain; TopoJSON by Mike Bostock, ISC licence), e.g. ``npm pack world-atlas@2.0.2``.
Output: ``publish/site/geo/ornskoldsvik-coast.geojson``, the land polygons clipped to a box
around the municipality (the coast of the Gulf of Bothnia), a few kilobytes. Run by hand:

    python scripts/make_coastline.py package/land-10m.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

WEST, EAST, SOUTH, NORTH = 16.8, 20.2, 62.6, 64.0
OUT = Path(__file__).resolve().parent.parent / "publish/site/geo/ornskoldsvik-coast.geojson"

Point = tuple[float, float]


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    scale, translate = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        arcs.append(points)
    return arcs


def ring(indexes: list[int], arcs: list[list[Point]]) -> list[Point]:
    points: list[Point] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        points.extend(arc if not points else arc[1:])
    return points


def clip(points: list[Point]) -> list[Point]:
    """Sutherland–Hodgman against the box (the box is convex; lon/lat is flat enough here)."""
    edges = [
        (lambda p: p[0] >= WEST, lambda a, b: _at_x(a, b, WEST)),
        (lambda p: p[0] <= EAST, lambda a, b: _at_x(a, b, EAST)),
        (lambda p: p[1] >= SOUTH, lambda a, b: _at_y(a, b, SOUTH)),
        (lambda p: p[1] <= NORTH, lambda a, b: _at_y(a, b, NORTH)),
    ]
    for inside, cross in edges:
        if not points:
            break
        result: list[Point] = []
        previous = points[-1]
        for current in points:
            if inside(current):
                if not inside(previous):
                    result.append(cross(previous, current))
                result.append(current)
            elif inside(previous):
                result.append(cross(previous, current))
            previous = current
        points = result
    return points


def _at_x(a: Point, b: Point, x: float) -> Point:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _at_y(a: Point, b: Point, y: float) -> Point:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def main(path: str) -> None:
    topology = json.loads(Path(path).read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    polygons = []
    for geometry in topology["objects"]["land"]["geometries"]:
        shapes = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for shape in shapes:
            rings = [clip(ring(r, arcs)) for r in shape]
            rings = [[*r, r[0]] for r in rings if len(r) >= 3]
            if rings:
                polygons.append([[[round(x, 4), round(y, 4)] for x, y in r] for r in rings])
    feature = {
        "type": "Feature",
        "properties": {
            "name": "Land around Örnsköldsvik (coast of the Gulf of Bothnia)",
            "source": "Natural Earth 1:10m land (public domain), via world-atlas 2.0.2 land-10m.json",
            "box": [WEST, SOUTH, EAST, NORTH],
        },
        "geometry": {"type": "MultiPolygon", "coordinates": polygons},
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(feature, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(polygons)} polygons, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
