"""The catalog site as files: pages per language, dictionary, preview, charts, downloads."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from opendata import build
from opendata.errors import ManifestError
from opendata.manifest import load_manifest
from tests.site_helpers import SLUGS, publish_all


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return publish_all(tmp_path_factory.mktemp("site"))


def test_index_links_a_page_per_dataset_in_both_languages(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<html lang="sv">' in index and 'href="index.en.html"' in index
    assert '<html lang="en">' in (site / "index.en.html").read_text(encoding="utf-8")
    for slug in SLUGS:
        assert f'href="{slug}.html"' in index
        assert (site / f"{slug}.html").is_file() and (site / f"{slug}.en.html").is_file()
    assert "Digitaliseringsstrategins mätbara uppföljning" in index and "Creative Commons CC0 1.0" in index
    assert "varje kvartal" in index and "QUARTERLY" in index  # the words shown, the code for the filter
    assert 'href="catalog.json"' in index


def test_dataset_page_has_dictionary_preview_downloads_and_use_block(site: Path) -> None:
    html = (site / "skolor-wifi.html").read_text(encoding="utf-8")
    schema = (site / "skolor-wifi" / "schema.json").read_text(encoding="utf-8")
    for name in re.findall(r'"name": "([a-z_]+)"', schema):
        assert f"<code>{name}</code>" in html
    assert "Latitud i WGS84 (decimala grader)." in html
    assert "minimum 55.0" in html
    assert html.count("<tr><td>") >= 8  # preview rows
    assert "63,2909" in html  # Swedish decimal comma in the preview
    for href in re.findall(r'<a href="(skolor-wifi/[^"]+)" download>', html):
        assert (site / href).is_file()
    assert "skolor-wifi/data.xlsx" in html and "kB (" in html
    assert 'pd.read_parquet("skolor-wifi/data.parquet")' in html
    assert "Exempeldata" in html and "varje kvartal" in html
    assert "ornskoldsviks.kommun@ornskoldsvik.se" in html
    kolada = (site / "nyckeltal.html").read_text(encoding="utf-8")
    assert '<table class="definitions">' in kolada and "<code>N07900</code>" in kolada  # the source's codes


def test_charts_are_svg_files_with_a_table(site: Path) -> None:
    html = (site / "bredband.html").read_text(encoding="utf-8")
    src = re.search(r'<img src="(charts/[^"]+\.svg)"', html)
    assert src is not None
    assert (site / src.group(1)).read_text(encoding="utf-8").startswith("<svg")
    assert "Strategins mål 2020: 90 % av hushållen ≥100 Mbit/s" in html and "<caption" in html
    english = (site / "bredband.en.html").read_text(encoding="utf-8")
    assert "Strategy goal 2020" in english and 'lang="sv"' in english  # Swedish schema text marked as such
    follow_up = (site / "strategi-uppfoljning.html").read_text(encoding="utf-8")
    assert follow_up.count('<figure class="chart"') == 2
    assert '<th scope="row">3.1</th><td>16</td>' in follow_up  # 16 follow-ups under goal 3.1, all 'ej bedömd'


def test_a_norwegian_publisher_gets_bokmal_pages(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parent.parent
    shutil.copytree(src / "datasets", tmp_path / "datasets")
    shutil.copytree(src / "schemas", tmp_path / "schemas")
    shutil.copytree(src / "publishers", tmp_path / "publishers")
    manifest = tmp_path / "datasets" / "strategi-uppfoljning" / "dataset.yaml"
    data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    data["language"] = "nb"
    for key in ("title", "description"):
        data[key]["nb"] = data[key].pop("sv")
    data["charts"] = [{**c, "title": {"nb": c["title"]["sv"], "en": c["title"]["en"]}} for c in data["charts"]]
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (tmp_path / "datasets" / "_defaults.yaml").write_text(
        (src / "datasets" / "_defaults.yaml").read_text(encoding="utf-8").replace("language: sv", "language: nb"),
        encoding="utf-8",
    )
    from publish.local import LocalCatalog

    m = load_manifest(tmp_path / "datasets" / "strategi-uppfoljning")
    raw = build.extract(m, record=False)
    prepared, report = build.validate(m, build.parse(m, raw))
    LocalCatalog(tmp_path / "catalog").publish(build.convert(m, prepared, report, raw, tmp_path / "w"))
    html = (tmp_path / "catalog" / "strategi-uppfoljning.html").read_text(encoding="utf-8")
    assert '<html lang="nb">' in html and "Datadefinisjoner" in html and "Last ned" in html
    assert '<html lang="en">' in (tmp_path / "catalog" / "strategi-uppfoljning.en.html").read_text(encoding="utf-8")


def test_a_chart_naming_an_unknown_field_stops_with_the_key_and_the_fields(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parent.parent
    shutil.copytree(src / "datasets", tmp_path / "datasets")
    shutil.copytree(src / "publishers", tmp_path / "publishers")
    shutil.copytree(src / "schemas", tmp_path / "schemas")
    manifest = tmp_path / "datasets" / "bredband" / "dataset.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("x: year", "x: yeer"), encoding="utf-8")
    m = load_manifest(tmp_path / "datasets" / "bredband")
    with pytest.raises(ManifestError, match=r"charts\[0\]\.x names 'yeer'.*use one of year, area_type"):
        build.validate(m, build.parse(m, build.extract(m, record=False)))


def test_a_chart_with_an_unknown_key_is_rejected(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parent.parent
    shutil.copytree(src / "datasets", tmp_path / "datasets")
    shutil.copytree(src / "publishers", tmp_path / "publishers")
    manifest = tmp_path / "datasets" / "bredband" / "dataset.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("y_max: 100", "ymax: 100"), encoding="utf-8")
    with pytest.raises(ManifestError, match="ymax"):
        load_manifest(tmp_path / "datasets" / "bredband")


def test_the_map_draws_the_shipped_coast_and_names_its_source(site: Path) -> None:
    html = (site / "skolor-wifi.html").read_text(encoding="utf-8")
    assert "Natural Earth 1:10m" in html and "Kommungränsen är inte ritad" in html
    svg = (site / "charts" / "skolor-wifi-1.sv.svg").read_text(encoding="utf-8")
    assert svg.count("<path") >= 4  # frame, land, graticule, points


def test_an_unknown_basemap_names_the_ones_there_are() -> None:
    from opendata.charts import ChartSpec
    from publish.site.charts import render

    spec = ChartSpec(kind="map", title={"sv": "x"}, latitude="lat", longitude="lon", basemap="atlantis")
    fields = {"lat": {"name": "lat"}, "lon": {"name": "lon"}}
    with pytest.raises(ManifestError, match=r"basemap 'atlantis'.*ornskoldsvik-coast"):
        render(spec, [{"lat": 63.3, "lon": 18.7}], fields, "sv")


def test_a_failed_site_is_written_by_the_next_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import publish.local
    from publish.local import LocalCatalog

    src = Path(__file__).resolve().parent.parent
    shutil.copytree(src / "datasets", tmp_path / "datasets")
    shutil.copytree(src / "publishers", tmp_path / "publishers")
    shutil.copytree(src / "schemas", tmp_path / "schemas")
    m = load_manifest(tmp_path / "datasets" / "bredband")
    raw = build.extract(m, record=False)
    prepared, report = build.validate(m, build.parse(m, raw))
    b = build.convert(m, prepared, report, raw, tmp_path / "w")
    real = getattr(publish.local, "write_site")  # noqa: B009  (imported there, not exported)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(publish.local, "write_site", broken)
    with pytest.raises(OSError):
        LocalCatalog(tmp_path / "catalog").publish(b)
    monkeypatch.setattr(publish.local, "write_site", real)
    again = LocalCatalog(tmp_path / "catalog").publish(b)
    assert again.change == "created"  # catalog.json never took the entry, so the run is redone
    assert (tmp_path / "catalog" / "bredband.html").is_file()


def test_an_unchanged_chart_is_read_from_the_cache_not_drawn_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each publish rewrites the site: charts whose spec did not change cost no vl-convert call."""
    import vl_convert

    from opendata.charts import ChartSpec
    from publish.site import charts

    calls: list[int] = []
    real = vl_convert.vegalite_to_svg

    def counting(spec: dict[str, object]) -> str:
        calls.append(1)
        return str(real(spec))

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", counting)
    spec = ChartSpec.model_validate({"kind": "line", "title": {"sv": "Antal", "en": "Count"}, "x": "year", "y": ["n"]})
    fields = {"year": {"name": "year", "type": "integer"}, "n": {"name": "n", "type": "integer"}}
    rows = [{"year": 2020, "n": 3}, {"year": 2021, "n": 5}]
    first = charts.render(spec, rows, fields, "sv", cache=tmp_path)
    again = charts.render(spec, rows, fields, "sv", cache=tmp_path)
    changed = charts.render(spec, [*rows, {"year": 2022, "n": 8}], fields, "sv", cache=tmp_path)
    assert len(calls) == 2  # the first and the changed one
    assert again.svg == first.svg and changed.svg != first.svg
    assert len(list(tmp_path.glob("*.svg"))) == 2
