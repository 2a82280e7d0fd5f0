"""``type: ssb`` against a local server answering as SSB's PxWebApi v2 does (JSON-stat 2.0),
and the JSON-stat decoder on its own."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from opendata.archive import Archive
from opendata.errors import SourceError, TransientSourceError
from opendata.sources.jsonstat import cells, dimensions
from opendata.sources.ssb import SsbSettings, SsbSource, split
from tests.source_fakes import FAST

SOURCE = SsbSource()
TABLE = "/api/pxwebapi/v2/tables/12137/data"
REGION = "KOKkommuneregion0000"
NAMES = {"3103": "Moss", "3002": "Moss (2020-2023)", "0104": "Moss (-2019)"}
MOSS = {"variable": REGION, "codes": [{"code": "3103", "from": 2024}, {"code": "3002", "from": 2020, "to": 2023},
                                        {"code": "0104", "to": 2019}]}  # fmt: skip


def jsonstat(selection: dict[str, list[str]], value: Any, status: Any = None) -> dict[str, Any]:
    """A JSON-stat 2.0 dataset as PxWebApi v2 answers: ``value(codes)`` gives each cell."""
    ids = list(selection)
    dims = {
        var: {
            "label": var.lower(),
            "category": {
                "index": {c: i for i, c in enumerate(codes)},
                "label": {c: NAMES.get(c, f"label {c}") for c in codes},
            },
        }
        for var, codes in selection.items()
    }
    combos = list(itertools.product(*selection.values()))
    data: dict[str, Any] = {
        "version": "2.0",
        "class": "dataset",
        "label": "12137: Test table",
        "source": "Statistisk sentralbyrå",
        "updated": "2025-06-16T06:00:00Z",
        "id": ids,
        "size": [len(selection[v]) for v in ids],
        "dimension": dims,
        "value": [value(dict(zip(ids, c, strict=True))) for c in combos],
    }
    if status is not None:
        data["status"] = {str(i): s for i, c in enumerate(combos) if (s := status(dict(zip(ids, c, strict=True))))}
    return data


def query_of(request: Request) -> dict[str, list[str]]:
    found = {}
    for key, value in request.args.items():
        if key.startswith("valueCodes[") and key.endswith("]"):
            found[key[len("valueCodes[") : -1]] = value.split(",")
    return found


def settings(base: str, **kw: Any) -> SsbSettings:
    values = {
        "type": "ssb",
        "base_url": base,
        "table": "12137",
        "selection": {REGION: ["3103", "3002", "0104"], "ContentsCode": ["KOSandel0001"], "Tid": YEARS},
        "municipality": MOSS,
        "min_interval": 0,
    }
    return SsbSettings.model_validate({**values, **FAST, **kw})


YEARS = [str(y) for y in range(2018, 2026)]


def moss_value(c: dict[str, str]) -> float | None:
    """Moss's figure under the code of each year; SSB also recomputes 2023 on 3103's borders."""
    year, code = int(c["Tid"]), c[REGION]
    if (
        (code, year <= 2019) == ("0104", True)
        or (code == "3002" and 2020 <= year <= 2023)
        or (code == "3103" and year >= 2023)
    ):
        return float(year - 2000)
    return None


def moss_status(c: dict[str, str]) -> str | None:
    return ".." if moss_value(c) is None else None


def test_one_series_across_the_municipal_changes(httpserver: HTTPServer) -> None:
    def answer(request: Request) -> Response:
        assert request.args["outputFormat"] == "json-stat2" and request.args["lang"] == "no"
        return Response(json.dumps(jsonstat(query_of(request), moss_value, moss_status)), mimetype="application/json")

    httpserver.expect_request(TABLE).respond_with_handler(answer)
    s = settings(httpserver.url_for("/api/pxwebapi/v2"))
    raw = SOURCE.extract(s, Path("."))
    rows = SOURCE.parse(s, raw).table.to_pylist()
    # One row per year, each from the code valid that year; all under today's code.
    assert [(r["Tid"], r[REGION], r["value"]) for r in rows] == [
        ("2018", "0104", "18"), ("2019", "0104", "19"), ("2020", "3002", "20"), ("2021", "3002", "21"),
        ("2022", "3002", "22"), ("2023", "3002", "23"), ("2024", "3103", "24"), ("2025", "3103", "25"),
    ]  # fmt: skip
    assert {r["municipality"] for r in rows} == {"3103"} and rows[0][f"{REGION}_label"] == "Moss (-2019)"
    meta = SOURCE.metadata(s, raw)["ssb"]
    assert meta["table"] == "12137" and meta["label"] == "12137: Test table" and meta["updated"].startswith("2025")


def test_status_marks_why_a_value_is_missing(httpserver: HTTPServer) -> None:
    def answer(request: Request) -> Response:
        q = query_of(request)
        return Response(json.dumps(jsonstat(q, lambda c: None, lambda c: ":")), mimetype="application/json")

    httpserver.expect_request(TABLE).respond_with_handler(answer)
    s = settings(httpserver.url_for("/api/pxwebapi/v2"))
    rows = SOURCE.parse(s, SOURCE.extract(s, Path("."))).table.to_pylist()
    assert len(rows) == len(YEARS) and {(r["value"], r["status"]) for r in rows} == {("", ":")}


def test_a_large_selection_is_split_into_queries_within_the_cell_limit(httpserver: HTTPServer) -> None:
    seen: list[int] = []

    def answer(request: Request) -> Response:
        q = query_of(request)
        seen.append(len(q[REGION]) * len(q["ContentsCode"]) * len(q["Tid"]))
        return Response(json.dumps(jsonstat(q, moss_value, moss_status)), mimetype="application/json")

    httpserver.expect_request(TABLE).respond_with_handler(answer)
    s = settings(httpserver.url_for("/api/pxwebapi/v2"), max_cells=7)
    raw = SOURCE.extract(s, Path("."))
    assert len(raw.parts) == len(seen) > 1 and max(seen) <= 7 and sum(seen) == 3 * len(YEARS)
    years = [r["Tid"] for r in SOURCE.parse(s, raw).table.to_pylist()]
    assert years == YEARS  # the parts join into one series, in order


def test_split_partitions_the_selection() -> None:
    selection = {"A": ["1", "2", "3"], "B": [str(i) for i in range(10)], "C": ["x", "y"]}
    queries = split(selection, 8)
    assert all(len(q["A"]) * len(q["B"]) * len(q["C"]) <= 8 for q in queries)
    combos = [c for q in queries for c in itertools.product(q["A"], q["B"], q["C"])]
    assert sorted(combos) == sorted(itertools.product(*selection.values()))
    with pytest.raises(SourceError, match="more than max_cells"):
        split({"A": ["1"], "B": ["2"]}, 0)


def test_retries_a_busy_server_then_succeeds(httpserver: HTTPServer) -> None:
    calls = {"n": 0}

    def answer(request: Request) -> Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return Response("busy", status=429, headers={"Retry-After": "0"})
        return Response(json.dumps(jsonstat(query_of(request), moss_value)), mimetype="application/json")

    httpserver.expect_request(TABLE).respond_with_handler(answer)
    s = settings(httpserver.url_for("/api/pxwebapi/v2"))
    assert len(SOURCE.parse(s, SOURCE.extract(s, Path("."))).table) == len(YEARS) and calls["n"] == 2


def test_a_server_that_stays_busy_is_transient(httpserver: HTTPServer) -> None:
    httpserver.expect_request(TABLE).respond_with_data("down", status=503)
    with pytest.raises(TransientSourceError, match="503"):
        SOURCE.extract(settings(httpserver.url_for("/api/pxwebapi/v2")), Path("."))


def test_archived_answers_replay_to_the_same_rows(httpserver: HTTPServer, tmp_path: Path) -> None:
    def answer(request: Request) -> Response:
        body = json.dumps(jsonstat(query_of(request), moss_value, moss_status))
        return Response(body, mimetype="application/json", headers={"ETag": '"v1"'})

    httpserver.expect_request(TABLE).respond_with_handler(answer)
    archive, s = Archive(tmp_path), settings(httpserver.url_for("/api/pxwebapi/v2"))
    first = archive.store("source", SOURCE.extract(s, Path("."), archive.latest("source")))
    httpserver.clear()  # SSB is gone: the archive still gives the same table
    replayed = archive.latest("source")
    assert replayed is not None and replayed.sha256 == first.sha256
    assert SOURCE.parse(s, replayed).table == SOURCE.parse(s, first).table


def test_a_wrong_shape_and_a_wrong_selection_are_one_sentence(httpserver: HTTPServer) -> None:
    httpserver.expect_request(TABLE).respond_with_json({"error": "Table not found"})
    with pytest.raises(SourceError, match=r"expected a JSON-stat 2\.0 dataset"):
        SOURCE.extract(settings(httpserver.url_for("/api/pxwebapi/v2")), Path("."))
    with pytest.raises(ValueError, match="lacks the municipality code"):
        settings("http://x", selection={REGION: ["3103"], "ContentsCode": ["K"], "Tid": ["2024"]})


def test_jsonstat_decoder_reads_lists_sparse_values_and_every_status_form() -> None:
    base: dict[str, Any] = {
        "id": ["r", "t"],
        "size": [2, 2],
        "dimension": {
            "r": {"label": "region", "category": {"index": ["a", "b"], "label": {"a": "A", "b": "B"}}},
            "t": {"category": {"index": {"2024": 1, "2023": 0}}},
        },
    }
    dims = dimensions({**base, "value": [1, 2, 3, 4]}, "x")
    assert [d.codes for d in dims] == [["a", "b"], ["2023", "2024"]] and dims[0].labels["b"] == "B"
    dense = cells({**base, "value": [1, None, 3, 4], "status": ["", "..", "", "p"]}, "x")
    assert [(c.codes, c.value, c.status) for c in dense] == [
        (("a", "2023"), 1, ""), (("a", "2024"), None, ".."), (("b", "2023"), 3, ""), (("b", "2024"), 4, "p"),
    ]  # fmt: skip
    sparse = cells({**base, "value": {"3": 9}, "status": {"1": ":"}}, "x")
    assert [(c.value, c.status) for c in sparse] == [(None, None), (None, ":"), (None, None), (9, None)]
    assert {c.status for c in cells({**base, "value": [1, 2, 3, 4], "status": "e"}, "x")} == {"e"}
    with pytest.raises(SourceError, match="'value' has 3 cells; the sizes make 4"):
        cells({**base, "value": [1, 2, 3]}, "x")
    with pytest.raises(SourceError, match="dimension 'r' has 2 categories, size says 3"):
        dimensions({**base, "size": [3, 2], "value": []}, "x")


def test_labels_only_for_the_variables_asked(httpserver: HTTPServer) -> None:
    def answer(request: Request) -> Response:
        return Response(json.dumps(jsonstat(query_of(request), moss_value, moss_status)), mimetype="application/json")

    httpserver.expect_request(TABLE).respond_with_handler(answer)
    s = settings(httpserver.url_for("/api/pxwebapi/v2"), labels=["ContentsCode"])
    table = SOURCE.parse(s, SOURCE.extract(s, Path("."))).table
    assert table.column_names == [
        "municipality",
        REGION,
        "ContentsCode",
        "ContentsCode_label",
        "Tid",
        "value",
        "status",
    ]
