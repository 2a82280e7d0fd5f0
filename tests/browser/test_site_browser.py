"""The catalog site in a real browser: search narrows, pages show what they promise, axe passes."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.site_helpers import SLUGS

PAGES = ["index", "index.en", *SLUGS, *(f"{s}.en" for s in SLUGS)]


def visible_titles(page: Page) -> list[str]:
    return page.locator("#datasets > li:visible h2").all_inner_texts()


def test_search_and_filters_narrow_the_list(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/index.html")
    assert len(visible_titles(page)) == 4
    page.get_by_label("Sök i titlar, beskrivningar och nyckelord").fill("wifi")
    assert visible_titles(page) == ["Trådlöst nätverk i kommunens skolor (exempeldata)"]
    expect(page.locator("#count")).to_have_text("1 av 4 datamängder visas")
    page.get_by_label("Sök i titlar, beskrivningar och nyckelord").fill("")
    page.get_by_label("Uppdateras").select_option("QUARTERLY")
    assert visible_titles(page) == ["Trådlöst nätverk i kommunens skolor (exempeldata)"]
    page.get_by_label("Uppdateras").select_option("")
    page.get_by_label("Tema").select_option("EDUC")
    assert len(visible_titles(page)) == 2
    page.get_by_label("Sök i titlar, beskrivningar och nyckelord").fill("ingenting sådant")
    expect(page.locator("#none")).to_be_visible()


def test_keyboard_reaches_search_and_a_dataset_page(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/index.html")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("kolada")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "A":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/nyckeltal.html")


def test_dataset_page_shows_dictionary_preview_chart_and_table(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/bredband.html")
    expect(page.get_by_role("heading", name="Datadefinitioner")).to_be_visible()
    assert page.locator("table.dictionary tbody tr").count() == 9
    assert page.locator("table.preview tbody tr").count() == 10
    chart = page.locator("figure.chart img").first
    expect(chart).to_be_visible()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 300", chart.element_handle())
    page.get_by_text("Diagrammets data som tabell").first.click()
    table = page.locator("figure.chart table").first
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() == 9  # one row per year, 2016-2024
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/bredband.en.html")
    assert page.get_attribute("html", "lang") == "en"
    expect(page.get_by_role("heading", name="Data dictionary")).to_be_visible()


def test_the_map_and_every_chart_render(page: Page, base_url: str) -> None:
    for slug, charts in (("skolor-wifi", 1), ("nyckeltal", 1), ("strategi-uppfoljning", 2), ("bredband", 1)):
        page.goto(f"{base_url}/{slug}.html")
        images = page.locator("figure.chart img")
        assert images.count() == charts
        for i in range(charts):
            assert page.evaluate("(img) => img.complete && img.naturalWidth > 300", images.nth(i).element_handle())
    page.goto(f"{base_url}/skolor-wifi.html")
    expect(page.get_by_text("Kommungränsen är inte ritad")).to_be_visible()


def test_downloads_resolve(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/skolor-wifi.html")
    links = page.locator("table.files a")
    assert links.count() == 6  # csv, parquet, xlsx, schema, validation report, datapackage
    for href in links.evaluate_all("(links) => links.map((a) => a.href)"):
        response = page.request.get(href)
        assert response.ok, href
        assert len(response.body()) > 0


def test_pages_work_from_file_urls(page: Page, catalog: Path) -> None:
    page.goto((catalog / "strategi-uppfoljning.html").as_uri())
    img = page.locator("figure.chart img").first
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 300", img.element_handle())
    assert page.locator(".site-url").first.inner_text().startswith("file://")
    page.goto((catalog / "index.html").as_uri())
    page.get_by_label("Sök i titlar, beskrivningar och nyckelord").fill("gigabit")
    assert len(visible_titles(page)) == 2


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_moderate_serious_or_critical_violations(page: Page, base_url: str, name: str) -> None:
    page.goto(f"{base_url}/{name}.html")
    for summary in page.locator("details > summary").all():
        summary.click()  # the charts' tables too
    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}},
    )
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("moderate", "serious", "critical")  # the law asks for AA; moderate too
    ]
    assert not serious, "\n".join(serious)
