"""The raw archive and replay: every extraction is kept byte for byte, and a replay from it
publishes the same files, byte for byte, as the run that archived it; a replay always says so.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from opendata import build
from opendata.archive import Archive
from opendata.errors import SourceError, TransientSourceError
from opendata.extract import extract, replay_note
from opendata.manifest import load_manifest
from opendata.sources import RawPart, RawSnapshot
from tests.helpers import outcomes_of
from tests.source_fakes import closed_port_url, kolada_item, kolada_page, kpi_meta, school_detail, school_list

KPIS = "N07900,N07918,N15814,N15504,U07431"
CODES = [f"900128{n}" for n in range(41, 51)]


def test_a_snapshot_keeps_the_bytes_url_time_validators_and_hashes(tmp_path: Path) -> None:
    parts = (
        RawPart(
            "001-data.json", b'{"values": []}', "https://example.org/a", "application/json", validators={"ETag": '"1"'}
        ),
        RawPart("002-data.json", b"\x00\xff raw", "https://example.org/b?page=2"),
    )
    raw = RawSnapshot(b"", "https://example.org/a", "multipart/mixed", parts=parts)
    archive = Archive(tmp_path / "runtime")
    stored = archive.store("source", raw)
    again = archive.latest("source")
    assert again is not None and again.parts == stored.parts and again.sha256 == raw.sha256
    meta = json.loads((tmp_path / "runtime/source" / str(stored.snapshot_id) / "snapshot.json").read_text())
    assert (
        meta["parts"][0]["validators"] == {"ETag": '"1"'} and meta["parts"][1]["url"] == "https://example.org/b?page=2"
    )
    assert meta["retrieved_at"] == raw.retrieved_at.isoformat() and meta["sha256"] == raw.sha256
    assert archive.store("source", raw).snapshot_id == stored.snapshot_id  # same bytes: stored once
    assert len(archive.snapshots("source")) == 1


def test_a_damaged_archive_is_refused(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    stored = archive.store("source", RawSnapshot(b"a;b\n1;2\n", "datasets/x/source/x.csv", "text/csv"))
    (tmp_path / "source" / str(stored.snapshot_id) / "x.csv").write_bytes(b"a;b\n1;3\n")
    with pytest.raises(SourceError, match="does not match its SHA-256; the archive is damaged"):
        archive.latest("source")


def test_replay_without_a_snapshot_says_what_to_do(project: Path) -> None:
    m = load_manifest(project / "datasets/strategi-uppfoljning")
    with pytest.raises(SourceError, match=r"no archived snapshot to replay .*run once without replay first"):
        build.extract(m, replay=True)


def offline_kolada(project: Path, mode: str) -> Path:
    """nyckeltal pointed at a port where nothing listens, with the given replay mode."""
    path = project / "datasets/nyckeltal/dataset.yaml"
    text = path.read_text(encoding="utf-8").replace("replay: always", f"replay: {mode}")
    url = closed_port_url()
    path.write_text(text.replace("  type: kolada\n", f"  type: kolada\n  base_url: {url}/v3\n  retries: 0\n"))
    return path.parent


def test_fallback_replays_the_archive_when_the_source_is_unreachable_and_says_so(project: Path) -> None:
    m = load_manifest(offline_kolada(project, "fallback"))
    raw = extract(m)
    assert raw.replayed and raw.replayed.startswith("the source did not answer:") and "no connection" in raw.replayed
    assert replay_note(raw) == "replayed from archive 2026-11-25 (sample snapshot)"
    log = (project / "archive/nyckeltal/source/log.jsonl").read_text(encoding="utf-8")
    assert '"event": "replayed"' in log


def test_never_fails_transiently_so_the_task_retries(project: Path) -> None:
    m = load_manifest(offline_kolada(project, "never"))
    with pytest.raises(TransientSourceError, match="no connection"):
        extract(m)


def test_fallback_without_an_archive_fails_like_never(project: Path) -> None:
    shutil.rmtree(project / "datasets/nyckeltal/archive")
    m = load_manifest(offline_kolada(project, "fallback"))
    with pytest.raises(TransientSourceError):
        extract(m)


def test_always_never_contacts_the_source(project: Path, httpserver: HTTPServer) -> None:
    m = load_manifest(offline_kolada(project, "always"))
    raw = extract(m)
    assert raw.replayed == "the manifest says replay: always" and raw.sample
    assert len(httpserver.log) == 0


# Flow level: a live run against local servers archives; a replay gives the same bytes.


def serve_live_sources(project: Path, httpserver: HTTPServer) -> None:
    """Kolada, Skolverket and SSB answer from the local server; the manifests read them live."""
    from werkzeug import Request, Response

    from tests.test_source_ssb import jsonstat, moss_status, moss_value, query_of

    def ssb(request: Request) -> Response:
        return Response(json.dumps(jsonstat(query_of(request), moss_value, moss_status)), mimetype="application/json")

    httpserver.expect_request("/api/pxwebapi/v2/tables/12137/data").respond_with_handler(ssb)
    path = project / "datasets/moss-nokkeltall/dataset.yaml"
    text = path.read_text(encoding="utf-8").replace("replay: always", "replay: never")
    base = httpserver.url_for("/api/pxwebapi/v2")
    path.write_text(text.replace("  type: ssb\n", f"  type: ssb\n  base_url: {base}\n"), encoding="utf-8")
    meta = kpi_meta(*KPIS.split(","))
    httpserver.expect_request(f"/v3/kpi/{KPIS}").respond_with_json(meta)
    by_gender: dict[str, dict[str, Any]] = {"N15504": {"T": 225.6, "K": 239.5, "M": None}}
    items = [
        kolada_item(k, y, **by_gender.get(k, {"T": 50.0 + y - 2019}))
        for k in KPIS.split(",")
        for y in range(2019, 2024)
    ]
    data = f"/v3/data/kpi/{KPIS}/municipality/2284/year/2019,2020,2021,2022,2023"
    second = httpserver.url_for(data) + "?per_page=5000&page=2"
    httpserver.expect_request(data, query_string="per_page=5000").respond_with_json(
        kolada_page(items[:10], next_page=second)
    )
    httpserver.expect_request(data, query_string="per_page=5000&page=2").respond_with_json(kolada_page(items[10:]))
    httpserver.expect_request("/v2/school-units").respond_with_json(
        school_list(*((c, f"Skola {c}", "AKTIV") for c in CODES))
    )
    for i, code in enumerate(CODES):
        httpserver.expect_request(f"/v2/school-units/{code}").respond_with_json(
            school_detail(code, f"Skola {code}", lat=f"63.{i}")
        )
    for slug, kind in (("nyckeltal", "kolada"), ("skolor-wifi", "skolverket")):
        path = project / f"datasets/{slug}/dataset.yaml"
        base = httpserver.url_for("/v3" if kind == "kolada" else "")
        text = path.read_text(encoding="utf-8").replace("replay: always", "replay: never")
        path.write_text(
            text.replace(
                f"type: {kind}\n", f"type: {kind}\n{' ' * (6 if kind == 'skolverket' else 2)}base_url: {base}\n"
            )
        )
        shutil.rmtree(project / f"datasets/{slug}/archive")  # nothing shipped: only what this run archives


def outputs(project: Path) -> dict[str, bytes]:
    work = project / "build/work"
    return {str(p.relative_to(work)): p.read_bytes() for p in sorted(work.rglob("*")) if p.is_file()}


@pytest.mark.usefixtures("prefect_harness")
def test_replay_publishes_the_same_bytes_as_the_run_that_archived(project: Path, httpserver: HTTPServer) -> None:
    from flows.publish_dataset import publish_all

    serve_live_sources(project, httpserver)
    live = publish_all(return_state=True)
    assert live.is_completed(), live.message
    assert {o.slug: o.status for o in outcomes_of(live)} == dict.fromkeys(
        ["bredband", "moss-nokkeltall", "moss-strategi-tiltak", "nyckeltal", "skolor-wifi", "strategi-uppfoljning"],
        "created",
    )
    assert not any(o.message for o in outcomes_of(live))  # nothing was replayed
    archived, catalog = outputs(project), (project / "build/catalog/catalog.json").read_bytes()
    requests = len(httpserver.log)
    httpserver.clear()  # the services are gone: a replay must not need them

    replayed = publish_all(replay=True, return_state=True)
    assert replayed.is_completed(), replayed.message
    for o in outcomes_of(replayed):
        assert o.status == "unchanged" and o.message.startswith("replayed from archive"), o
    assert outputs(project) == archived  # data.csv, data.parquet, schema, report, datapackage: same bytes
    assert (project / "build/catalog/catalog.json").read_bytes() == catalog
    assert len(httpserver.log) == 0 and requests > 0
    package = json.loads((project / "build/work/nyckeltal/datapackage.json").read_text(encoding="utf-8"))
    assert [k["id"] for k in package["source_metadata"]["kolada"]["kpis"]] == KPIS.split(",")
    assert package["attribution"] == "Källa: Kolada"


@pytest.mark.usefixtures("prefect_harness")
def test_the_bundled_datasets_publish_offline_and_say_they_replayed(project: Path) -> None:
    from opendata.cli import app

    result = CliRunner().invoke(app, ["publish", "--all"], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") >= 4}
    assert "replayed from archive 2026-11-25 (sample snapshot)" in lines["nyckeltal"]
    assert "join skolverket: replayed from archive 2026-11-25 (sample snapshot)" in lines["skolor-wifi"]
    assert "replayed" not in lines["bredband"] and "replayed" not in lines["strategi-uppfoljning"]
    assert "replayed from archive 2026-11-25 (sample snapshot)" in lines["moss-nokkeltall"]
    assert all("created" in lines[s] for s in ("bredband", "nyckeltal", "skolor-wifi", "strategi-uppfoljning"))
    assert all("created" in lines[s] for s in ("moss-nokkeltall", "moss-strategi-tiltak"))
    catalog = json.loads((project / "build/catalog/catalog.json").read_text(encoding="utf-8"))
    assert catalog["datasets"]["nyckeltal"]["provenance"]["replayed"].startswith("replayed from archive")

    again = CliRunner().invoke(app, ["validate", "bredband", "--replay"], env={"COLUMNS": "220"})
    assert again.exit_code == 0 and "replayed from archive" in again.output and "--replay was given" in again.output


def test_validating_a_candidate_file_does_not_archive_it(project: Path, tmp_path: Path) -> None:
    from opendata.cli import app

    candidate = tmp_path / "candidate.csv"
    shutil.copyfile(project / "datasets/strategi-uppfoljning/source/matbar-uppfoljning.csv", candidate)
    result = CliRunner().invoke(app, ["validate", "strategi-uppfoljning", "--source", str(candidate)])
    assert result.exit_code == 0, result.output
    assert not (project / "archive/strategi-uppfoljning/source").exists()
    both = CliRunner().invoke(app, ["validate", "strategi-uppfoljning", "--source", str(candidate), "--replay"])
    assert both.exit_code == 2 and "not both" in both.output
