"""The plan as files people keep: the SVG timeline, the iCalendar file, the handout; each parsed."""

import html
import xml.etree.ElementTree as ET
from datetime import date, datetime

import icalendar
import pytest
from typer.testing import CliRunner

from interactions.cli import app
from interactions.models import PatientContext
from interactions.notice import NOTICE
from interactions.plan import PlanOptions, plan
from interactions.plan.exports import plan_html, plan_ics, plan_png, plan_svg

runner = CliRunner()
ITEMS = ["levothyroxine", "magnesium citrate 200 mg BID", "doxycycline 100 mg BID"]
NS = {"svg": "http://www.w3.org/2000/svg"}


@pytest.fixture(scope="module")
def day(checker):
    return plan(checker, ITEMS, PlanOptions())


@pytest.fixture(scope="module")
def held(checker):
    """Magnesium oxide with eGFR 20 is held back; doxycycline is planned."""
    return plan(checker, ["magnesium oxide 400 mg", "doxycycline"], PlanOptions(),
                PatientContext(egfr=20))


def _doses(p):
    return {(d.item.input, d.time) for d in p.doses}


def test_the_example_plan_is_what_the_files_are_checked_against(day):
    assert day.feasible
    assert ("levothyroxine", "07:00") in _doses(day)
    assert sum(d.item.input == "doxycycline 100 mg BID" for d in day.doses) == 2


def test_ics_parses_with_one_daily_event_per_dose_at_its_time(day):
    cal = icalendar.Calendar.from_ical(plan_ics(day, start=date(2026, 12, 4)))
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(day.doses)
    seen = set()
    for event in events:
        start = event.decoded("dtstart")
        assert isinstance(start, datetime) and start.tzinfo is None  # floating: the patient's clock
        assert start.date() == date(2026, 12, 4)
        assert event["rrule"]["FREQ"] == ["DAILY"]
        assert str(event["summary"]).startswith("Take ")
        assert NOTICE in str(event["description"])
        seen.add(f"{start:%H:%M}")
    assert seen == {d.time for d in day.doses}
    doxy = [e for e in events if "doxycycline" in str(e["summary"])]
    assert sorted(str(e["summary"]) for e in doxy) == ["Take doxycycline 100 mg BID (1/2)",
                                                      "Take doxycycline 100 mg BID (2/2)"]
    assert "Sources:" in str(doxy[0]["description"]) and "NIH" in str(doxy[0]["description"])
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_ics_has_no_event_for_an_item_not_to_take(held):
    assert [n.item.input for n in held.not_placed] == ["magnesium oxide 400 mg"]
    events = list(icalendar.Calendar.from_ical(plan_ics(held)).walk("VEVENT"))
    assert events and all("magnesium oxide" not in str(e["summary"]) for e in events)


def test_svg_is_xml_with_a_row_per_item_and_marks_at_the_dose_times(day):
    root = ET.fromstring(plan_svg(day))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    rows = {g.get("data-item"): g for g in root.iterfind(".//svg:g[@class='row']", NS)}
    assert set(rows) == set(ITEMS)
    for item, row in rows.items():
        marks = sorted(g.get("data-time") for g in row.iterfind("svg:g[@class='dose']", NS))
        assert marks == sorted(d.time for d in day.doses if d.item.input == item)
    # Marks are placed left to right by time.
    cx = {g.get("data-time"): float(g.find("svg:circle", NS).get("cx"))
          for g in root.iterfind(".//svg:g[@class='dose']", NS)}
    assert [cx[t] for t in sorted(cx)] == sorted(cx.values())
    meals = [g.get("data-time") for g in root.iterfind(".//svg:g[@class='meal']", NS)]
    assert meals == day.meals


def test_svg_shades_each_separation_window_with_its_rule_id(day):
    root = ET.fromstring(plan_svg(day))
    doxy = next(g for g in root.iterfind(".//svg:g[@class='row']", NS)
                if g.get("data-item") == "doxycycline 100 mg BID")
    windows = doxy.findall("svg:g[@class='window']", NS)
    mg_times = [d.time for d in day.doses if d.item.input == "magnesium citrate 200 mg BID"]
    assert len(windows) == len(mg_times)
    assert {w.get("data-rule") for w in windows} == {"tetracyclines-magnesium-chelation"}
    assert all(w.find("svg:text", NS).text == "tetracyclines-magnesium-chelation" for w in windows)
    # 2 h before to 6 h after the first magnesium dose.
    first = min(mg_times)
    hour = int(first[:2])
    assert any(w.get("data-start") == f"{hour - 2:02d}{first[2:]}" and
               w.get("data-end") == f"{hour + 6:02d}{first[2:]}" for w in windows)


def test_svg_lists_an_item_not_to_take_and_draws_no_dose_for_it(held):
    root = ET.fromstring(plan_svg(held))
    assert "magnesium oxide 400 mg" not in {g.get("data-item") for g in root.iterfind(".//svg:g", NS)}
    texts = [t.text for t in root.iterfind(".//svg:text[@class='not-placed']", NS)]
    assert len(texts) == 1 and "magnesium oxide 400 mg" in texts[0]


def test_html_handout_has_the_times_the_items_the_notice_and_what_not_to_take(day, held):
    page = plan_html(day)
    for d in day.doses:
        assert f'<td class="time">{d.time}</td>' in page
    assert "doxycycline 100 mg BID (2/2)" in page
    assert html.escape(NOTICE) in page
    other = plan_html(held)
    assert "Do not take these without asking your prescriber" in other
    assert "<strong>magnesium oxide 400 mg</strong>" in other


def test_html_escapes_every_text(checker):
    p = plan(checker, ["doxycycline", "<script>alert(1)</script>"], PlanOptions())
    page = plan_html(p)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_infeasible_plan_still_gives_files(checker):
    p = plan(checker, ITEMS, PlanOptions(wake=7 * 60, sleep=9 * 60, meals=(8 * 60,)))
    assert not p.feasible
    assert list(icalendar.Calendar.from_ical(plan_ics(p)).walk("VEVENT")) == []
    assert "NO PLAN" in "".join(ET.fromstring(plan_svg(p)).itertext())
    assert "No timetable fits every rule" in plan_html(p)


def test_png_without_cairosvg_says_what_to_install(day):
    try:
        import cairosvg  # noqa: F401
    except (ImportError, OSError):
        result = runner.invoke(app, ["plan", "--format", "png", *ITEMS])
        assert result.exit_code == 2
        assert "cairosvg" in result.output and "cairo" in result.output
    else:  # cairosvg and cairo present: a PNG comes out
        assert plan_png(day).startswith(b"\x89PNG")


@pytest.mark.parametrize("fmt, check", [
    ("svg", lambda data: ET.fromstring(data).tag.endswith("svg")),
    ("ics", lambda data: len(list(icalendar.Calendar.from_ical(data).walk("VEVENT"))) == 5),
    ("html", lambda data: data.startswith(b"<!DOCTYPE html>")),
    ("json", lambda data: b'"feasible": true' in data),
    ("table", lambda data: b"Daily plan" in data and b"\x1b[" not in data),
])
def test_cli_writes_each_format_to_a_file(tmp_path, fmt, check):
    target = tmp_path / f"plan.{fmt}"
    result = runner.invoke(app, ["plan", "--format", fmt, "-o", str(target), *ITEMS])
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert check(data)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left behind


def test_cli_prints_svg_and_ics_to_stdout():
    svg = runner.invoke(app, ["plan", "--format", "svg", *ITEMS])
    assert svg.exit_code == 0 and ET.fromstring(svg.stdout_bytes).tag.endswith("svg")
    ics = runner.invoke(app, ["plan", "-f", "ics", *ITEMS])
    assert ics.exit_code == 0 and ics.stdout_bytes.startswith(b"BEGIN:VCALENDAR\r\n")


def test_cli_keeps_the_plan_exit_code_with_a_file(tmp_path):
    target = tmp_path / "plan.ics"
    result = runner.invoke(app, ["plan", "--egfr", "20", "-f", "ics", "-o", str(target),
                                 "magnesium oxide 400 mg", "doxycycline"])
    assert result.exit_code == 1
    assert "magnesium oxide" not in target.read_text()


def test_a_written_file_gets_the_usual_permissions_not_the_temporary_files(tmp_path):
    import os

    umask = os.umask(0)
    os.umask(umask)
    target = tmp_path / "plan.html"
    assert runner.invoke(app, ["plan", "-f", "html", "-o", str(target), *ITEMS]).exit_code == 0
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
