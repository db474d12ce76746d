"""Chart images and the briefing deck, made with the real Kaleido + Chromium and opened back."""

import io
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation

from indicators import cli
from indicators.charts import goals_chart, indicator_chart
from indicators.citations import as_of, cite
from indicators.images import SLIDE_HEIGHT, SLIDE_WIDTH, ImageExportUnavailable, figure_bytes
from indicators.progress import assess_all
from indicators.series import observations_of
from indicators.slides import build_deck, deck_size, select
from tests.conftest import require

SHOTS = Path(__file__).resolve().parents[1] / "test-output" / "slides"


@pytest.fixture(scope="module")
def progress(dataset):
    return {p.indicator_id: p for p in assess_all(dataset)}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("indicator_id", ["targeted_attacks_on_peacekeepers", "women_civilian_staff_peace_operations",
                                          "women_staff_officer_posts"])
def test_indicator_png_at_slide_size_and_svg_with_source_line(dataset, progress, image_server, indicator_id):
    figure = indicator_chart(dataset, progress[indicator_id])
    assert png_size(figure_bytes(figure, "png")) == (SLIDE_WIDTH, SLIDE_HEIGHT)
    svg = figure_bytes(figure, "svg").decode("utf-8")
    assert "Source: A/72/573, para." in svg
    assert "Data as of 31 Oct 2017" in svg
    assert progress[indicator_id].name in svg


def test_goals_chart_images(dataset, progress, image_server):
    figure = goals_chart(dataset, list(progress.values()))
    assert png_size(figure_bytes(figure, "png")) == (SLIDE_WIDTH, SLIDE_HEIGHT)
    svg = figure_bytes(figure, "svg").decode("utf-8")
    assert "Source: A/72/573, paras. 94, 97, 98, 99" in svg


def test_missing_browser_gives_a_clear_message(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr("indicators.images.chromium_path", lambda: None)
    with pytest.raises(ImageExportUnavailable, match="apt-get install chromium"):
        figure_bytes(None, "png")
    code = cli.main(["chart", "targeted_attacks_on_peacekeepers", "--out", str(tmp_path / "x.png")])
    assert code == 3
    assert "Static chart export needs a Chromium browser" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


@pytest.fixture(scope="module")
def full_deck(dataset, image_server, tmp_path_factory):
    path = tmp_path_factory.mktemp("deck") / "deck.pptx"
    build_deck(dataset, select(dataset)).save(path)
    return path


def slide_text(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def test_deck_has_title_one_slide_per_indicator_and_a_closing_table(dataset, full_deck):
    deck = Presentation(full_deck)
    slides = list(deck.slides)
    assert len(slides) == deck_size(len(dataset.catalogue))
    assert "Peacekeeping reform indicators" in slide_text(slides[0])
    assert "Source: A/72/573" in slide_text(slides[0])
    table = next(shape for shape in slides[-2].shapes if shape.has_table).table
    assert len(table.rows) == dataset.targets["indicator_id"].nunique() + 1
    assert table.cell(1, 0).text == "Women among civilian staff in peace operations"
    assert table.cell(1, 3).text == "50% *"  # set system-wide, explained under the table
    assert "Set for another population" in slide_text(slides[-2])


def test_milestones_slide_lists_commitments_past_due_first(dataset, full_deck):
    slide = list(Presentation(full_deck).slides)[-1]
    assert slide_text(slide).startswith("Milestones")
    table = next(shape for shape in slide.shapes if shape.has_table).table
    statuses = [table.cell(r, 3).text for r in range(1, len(table.rows))]
    assert statuses == sorted(statuses, key=["no later report", "pending", "missed", "met"].index)
    assert "aviation manual" in slide.notes_slide.notes_text_frame.text


def test_figures_keep_qualifiers_and_scope(dataset, progress, full_deck):
    slides = dict(zip(select(dataset), list(Presentation(full_deck).slides)[1:-2], strict=True))
    assert "Latest: more than 95% (as at 31 Oct 2017)" in slide_text(slides["peacekeepers_in_poc_missions"])
    officers = slide_text(slides["women_staff_officer_posts"])
    assert "Latest: no observation yet" in officers and "Target: 15% (no deadline)" in officers
    assert "Set for United Nations police as a whole" in slide_text(slides["women_individual_police"])


def test_every_indicator_slide_cites_its_quote_and_paragraph(dataset, progress, full_deck):
    deck = Presentation(full_deck)
    for slide, indicator_id in zip(list(deck.slides)[1:-2], select(dataset)):
        text = slide_text(slide)
        # The slide cites its figures oldest first (two fit; the notes hold them all).
        rows = observations_of(dataset, indicator_id)
        if rows.empty:
            rows = dataset.targets[dataset.targets["indicator_id"] == indicator_id]
        first = rows.iloc[0]
        # Cited as its source's kind cites: "para. 97" in a report, "p. 1" in a document.
        assert f"\u201c{first.quote}\u201d ({cite(dataset.sources, first.source, first.location)})" in text, indicator_id
        assert progress[indicator_id].summary in text
        assert progress[indicator_id].summary in slide.notes_slide.notes_text_frame.text
        assert first.source in text.split("Source: ", 1)[1]  # the footer names it
        if (rows["source"] != "A/72/573").any():  # a page states no cut-off: dated by its latest figure
            assert f"Data as of {as_of(dataset.sources, rows)}" in text
        assert sum(shape.shape_type == 13 for shape in slide.shapes) == 1  # one picture: the chart


def test_deck_renders_to_pdf_pages_with_libreoffice(dataset, full_deck, tmp_path):
    office = shutil.which("libreoffice") or shutil.which("soffice")
    require("LibreOffice", office, "apt-get install --no-install-recommends libreoffice-impress poppler-utils")
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(full_deck)], check=True, capture_output=True, timeout=300)
    pdf = tmp_path / "deck.pdf"
    pages = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert f"Pages:           {deck_size(len(dataset.catalogue))}" in pages
    # Pages for a person to look at: title, the attacks slide, the staff officer slide (a
    # target without an observation), the table of targets and the milestones.
    SHOTS.mkdir(parents=True, exist_ok=True)
    attacks = select(dataset).index("targeted_attacks_on_peacekeepers") + 2
    officers = select(dataset).index("women_staff_officer_posts") + 2
    last = deck_size(len(dataset.catalogue))
    for page in (1, attacks, officers, last - 1, last):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), str(pdf),
                        str(SHOTS / "page")], check=True, timeout=60)
    assert len(list(SHOTS.glob("page-*.png"))) >= 5


def test_cli_slides_for_one_area(dataset, chromium, tmp_path):
    out = tmp_path / "women.pptx"
    assert cli.main(["slides", "--out", str(out), "--area", "women_in_peacekeeping"]) == 0
    women = (dataset.catalogue["reform_area"] == "women_in_peacekeeping").sum()
    assert len(Presentation(out).slides) == deck_size(women)


def test_cli_slides_for_chosen_indicators(chromium, tmp_path):
    out = tmp_path / "two.pptx"
    assert cli.main(["slides", "--out", str(out), "--indicator", "targeted_attacks_on_peacekeepers",
                     "--indicator", "field_support_client_satisfaction"]) == 0
    titles = [slide_text(s).splitlines()[0] for s in list(Presentation(out).slides)[1:-2]]
    assert titles == ["Field support client satisfaction", "Targeted attacks on peacekeepers"]


def test_cli_rejects_unknown_area(capsys, tmp_path):
    assert cli.main(["slides", "--out", str(tmp_path / "x.pptx"), "--area", "nowhere"]) == 2
    assert "unknown reform area 'nowhere'" in capsys.readouterr().err


def test_cli_chart_writes_png_and_svg(chromium, tmp_path):
    png, svg = tmp_path / "a.png", tmp_path / "goals.svg"
    assert cli.main(["chart", "targeted_attacks_on_peacekeepers", "--out", str(png)]) == 0
    assert png_size(png.read_bytes()) == (SLIDE_WIDTH, SLIDE_HEIGHT)
    assert cli.main(["chart", "goals", "--format", "svg", "--out", str(svg)]) == 0
    assert "Baseline, latest and target" in svg.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt, expected", [
    ("csv", ["indicators.csv", "milestones.csv", "observations.csv", "sources.csv", "targets.csv"]),
    ("xlsx", ["peacekeeping-indicators.xlsx"]),
    ("json", ["peacekeeping-indicators.json"]),
    ("datapackage", ["datapackage.json", "indicators.csv", "milestones.csv", "observations.csv", "sources.csv",
                     "targets.csv"]),
])
def test_cli_export(tmp_path, fmt, expected):
    assert cli.main(["export", "--format", fmt, "--out", str(tmp_path / fmt)]) == 0
    assert sorted(p.name for p in (tmp_path / fmt).iterdir()) == expected


def test_unknown_image_format_is_refused():
    with pytest.raises(ValueError, match="unknown image format"):
        figure_bytes(io.BytesIO(), "gif")
