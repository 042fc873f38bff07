"""A plan as files people keep: an SVG timeline of the day, an iCalendar file of recurring daily
events, and a one-page printable handout (HTML) for the patient. PNG is the SVG rendered by
cairosvg when it is installed (it needs the system cairo library, which pip cannot install).

Every function takes a Plan and returns the file's text (bytes for PNG); nothing here prints.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

from ..files import svg_to_png
from ..notice import NOTICE
from .model import DAY, Plan, PlanConstraint, PlanDose, meal_names, parse_clock

SVG_NS = "http://www.w3.org/2000/svg"

# Layout of the timeline, in SVG user units (pixels).
_LEFT = 230  # room for the item names
_RIGHT = 30
_TOP = 58
_ROW = 48
_HOUR = 52  # width of one hour
_SHADES = (("#f4a3a3", "#c0392b"), ("#a9c8f0", "#2c6fbb"), ("#f6cf8b", "#b7791f"),
           ("#b8e0b0", "#3c8d2f"), ("#d6b8ea", "#7d3c98"), ("#f0b7d4", "#a83279"))  # fill, edge


def _label(dose: PlanDose) -> str:
    return dose.item.input + (f" ({dose.dose}/{dose.of})" if dose.of > 1 else "")


def _items(plan: Plan) -> list[str]:
    """The items in the timetable, in the order of their first dose."""
    seen: dict[str, None] = {}
    for d in plan.doses:
        seen.setdefault(d.item.input, None)
    return list(seen)


def _times(plan: Plan, item: str) -> list[int]:
    return [parse_clock(d.time) for d in plan.doses if d.item.input == item]


def _windows(plan: Plan) -> list[tuple[str, int, int, PlanConstraint]]:
    """Each separation as shaded windows on the first item's row: around every dose of the second
    item, the times the first item must keep clear of (before_minutes before it, after_minutes
    after it; a side the source leaves out has no window)."""
    windows = []
    for c in plan.constraints:
        if c.kind != "separation" or len(c.items) != 2:
            continue
        subject, other = c.items
        for t in _times(plan, other):
            start = t - (c.before_minutes or 0)
            end = t + (c.after_minutes or 0)
            if end <= start:
                continue
            # The day repeats: a window past midnight shows again at the other end of the day.
            for shift in (-DAY, 0, DAY):
                if start + shift < DAY and end + shift > 0:
                    windows.append((subject, max(start + shift, 0), min(end + shift, DAY), c))
    return windows


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    node = ET.SubElement(parent, tag, {k.rstrip("_").replace("_", "-"): str(v) for k, v in attrs.items()})
    if text is not None:
        node.text = text
    return node


def plan_svg(plan: Plan) -> str:
    """The day as an SVG timeline: a row per item (class "row", data-item), each dose a mark at its
    time (class "dose", data-time), meals as dashed lines (class "meal"), and each separation window
    shaded on the row of the item that must keep clear, labelled with its rule id (class "window",
    data-rule). Items not to take are listed under the chart, never drawn as doses."""
    wake, sleep = parse_clock(plan.wake), parse_clock(plan.sleep)
    first, last = wake // 60, -(-sleep // 60)
    items = _items(plan)
    held = [f"Do not take without asking the prescriber: {n.item.input} ({n.rule_id})"
            for n in plan.not_placed]
    # Wide enough for the chart, the footnote and the longest held-back line (about 8 units a
    # character in bold 13).
    width = max(_LEFT + (last - first) * _HOUR + _RIGHT, 780,
                *(int(24 + 8.2 * len(line)) for line in held))
    chart_bottom = _TOP + max(len(items), 1) * _ROW
    extra = 22 * (len(plan.not_placed) + (0 if plan.feasible else 1)) + 52
    height = chart_bottom + 30 + extra

    def x(minutes: int) -> float:
        minutes = min(max(minutes, first * 60), last * 60)
        return round(_LEFT + (minutes - first * 60) / 60 * _HOUR, 1)

    ET.register_namespace("", SVG_NS)
    svg = ET.Element(f"{{{SVG_NS}}}svg", {"width": str(width), "height": str(height),
                                          "viewBox": f"0 0 {width} {height}",
                                          "font-family": "Helvetica, Arial, sans-serif"})
    _el(svg, "title", f"Daily plan: awake {plan.wake}-{plan.sleep}")
    _el(svg, "rect", x=0, y=0, width=width, height=height, fill="white")
    _el(svg, "text", f"Daily plan (awake {plan.wake}\u2013{plan.sleep})", x=12, y=24,
        font_size=17, font_weight="bold")
    # The waking day, hour lines and labels.
    _el(svg, "rect", x=x(wake), y=_TOP, width=round(x(sleep) - x(wake), 1), height=chart_bottom - _TOP,
        fill="#fafafa", stroke="#cccccc")
    for hour in range(first, last + 1):
        _el(svg, "line", x1=x(hour * 60), y1=_TOP, x2=x(hour * 60), y2=chart_bottom, stroke="#e4e4e4")
        _el(svg, "text", f"{hour:02d}:00", x=x(hour * 60), y=chart_bottom + 18,
            font_size=11, text_anchor="middle", fill="#555555")
    # Rows, shaded windows, doses.
    rows = {}
    for n, item in enumerate(items):
        y = _TOP + n * _ROW
        row = _el(svg, "g", class_="row", data_item=item)
        rows[item] = (row, y)
        if n % 2:
            _el(row, "rect", x=x(wake), y=y, width=round(x(sleep) - x(wake), 1), height=_ROW,
                fill="#f0f0f0")
        _el(row, "text", item if len(item) <= 30 else item[:29] + "\u2026", x=12, y=y + _ROW / 2 + 5,
            font_size=13)
    colours = {}
    for subject, start, end, c in _windows(plan):
        if subject not in rows or end <= first * 60 or start >= last * 60:
            continue  # not on the chart (an overnight part before waking, say)
        row, y = rows[subject]
        fill, edge = colours.setdefault(c.source, _SHADES[len(colours) % len(_SHADES)])
        group = _el(row, "g", class_="window", data_rule=c.source, data_start=_hhmm(start),
                    data_end=_hhmm(end))
        _el(group, "title", f"{c.source}: {c.text}")
        _el(group, "rect", x=x(start), y=y + 3, width=round(x(end) - x(start), 1), height=_ROW - 6,
            fill=fill, fill_opacity="0.5", stroke=edge, stroke_width=1.2)
        _el(group, "text", c.source, x=x(start) + 10, y=y + 12, font_size=9, fill=edge)
    for d in plan.doses:
        row, y = rows[d.item.input]
        t = parse_clock(d.time)
        mark = _el(row, "g", class_="dose", data_time=d.time, data_dose=f"{d.dose}/{d.of}")
        _el(mark, "title", f"{d.time} {_label(d)}" + (f": {d.note}" if d.note else ""))
        _el(mark, "circle", cx=x(t), cy=y + _ROW / 2 + 6, r=7, fill="#1f4e9a", stroke="white",
            stroke_width=2)
        _el(mark, "text", d.time, x=x(t), y=y + _ROW - 3, font_size=10, text_anchor="middle",
            font_weight="bold", fill="#1f4e9a")
    # Meals on top, so they show through the windows.
    for time, name in zip(plan.meals, meal_names(len(plan.meals))):
        t = parse_clock(time)
        meal = _el(svg, "g", class_="meal", data_time=time)
        _el(meal, "line", x1=x(t), y1=_TOP - 6, x2=x(t), y2=chart_bottom, stroke="#2e7d32",
            stroke_width=1.5, stroke_dasharray="4 3")
        _el(meal, "text", f"{name} {time}", x=x(t), y=_TOP - 10, font_size=11, text_anchor="middle",
            fill="#2e7d32")
    # What the chart does not show as doses.
    y = chart_bottom + 44
    if not plan.feasible:
        _el(svg, "text", "NO PLAN: no timetable meets every constraint; see the plan's conflicts.",
            x=12, y=y, font_size=13, font_weight="bold", fill="#b00020")
        y += 22
    for line in held:
        _el(svg, "text", line, x=12, y=y, font_size=13, font_weight="bold", fill="#b00020",
            class_="not-placed")
        y += 22
    _el(svg, "text", "Shaded: the times the item on that row must keep clear of, labelled with the rule "
        "that asks for the gap.", x=12, y=y, font_size=10, fill="#444444")
    _el(svg, "text", NOTICE, x=12, y=y + 15, font_size=10, fill="#666666", class_="notice")
    ET.indent(svg)
    return ET.tostring(svg, encoding="unicode", xml_declaration=True) + "\n"


def _hhmm(minutes: int) -> str:
    return f"{(minutes // 60) % 24:02d}:{minutes % 60:02d}"


def plan_png(plan: Plan) -> bytes:
    """The SVG timeline as PNG (cairosvg, when installed: see files.svg_to_png)."""
    return svg_to_png(plan_svg(plan))


def _about(plan: Plan, item: str) -> tuple[list[str], list[str]]:
    """The instructions (constraint texts) and the sources for one item."""
    texts, sources = [], []
    for c in plan.constraints:
        if item in c.items:
            texts.append(c.text)
            for ref in c.references:
                source = f"{ref.title}" + (f", {ref.section}" if ref.section else "") + (
                    f" <{ref.url}>" if ref.url else "")
                if source not in sources:
                    sources.append(source)
    return texts, sources


def plan_ics(plan: Plan, start: date | None = None, stamp: datetime | None = None) -> bytes:
    """An iCalendar file: one daily recurring event (RRULE FREQ=DAILY) per dose time, from `start`
    (default today), in floating local time (the patient's clock wherever they are). Summary: the
    item and the dose; description: how to take it, the constraints it keeps and their sources.
    Items not to take are not events. Without a plan (no timetable fits) the calendar is empty."""
    from icalendar import Calendar, Event, vRecur

    start = start or date.today()
    stamp = stamp or datetime.now(UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", "-//interactions//daily plan//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Medication plan")
    for d in plan.doses if plan.feasible else []:
        hour, minute = divmod(parse_clock(d.time), 60)
        begin = datetime(start.year, start.month, start.day, hour, minute)
        texts, sources = _about(plan, d.item.input)
        lines = [d.note] if d.note else []
        lines += [t for t in texts if t not in lines]
        if sources:
            lines += ["Sources:"] + [f"- {s}" for s in sources]
        lines.append(NOTICE)
        event = Event()
        event.add("uid", f"{d.item.id}-{d.dose}-of-{d.of}-{d.time.replace(':', '')}@interactions-plan")
        event.add("dtstamp", stamp)
        event.add("dtstart", begin)
        event.add("dtend", begin + timedelta(minutes=10))
        event.add("rrule", vRecur(freq="DAILY"))
        event.add("summary", f"Take {_label(d)}")
        event.add("description", "\n".join(lines))
        event.add("categories", ["Medication"])
        calendar.add_component(event)
    return calendar.to_ical()


_CSS = """
body { font-family: Helvetica, Arial, sans-serif; max-width: 46em; margin: 2em auto; color: #111; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.15em; margin-top: 1.4em; }
table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #bbb;
padding: .45em .5em; text-align: left; vertical-align: top; } td.time { font-weight: bold;
font-size: 1.15em; white-space: nowrap; } tr.meal td { color: #2e7d32; font-style: italic; }
.stop { border: 2px solid #b00020; padding: .6em 1em; } .stop h2 { color: #b00020; margin-top: 0; }
.notice { font-size: .85em; color: #444; margin-top: 2em; border-top: 1px solid #999; padding-top: .6em; }
@media print { body { margin: 0; } }
"""


def plan_html(plan: Plan) -> str:
    """A one-page printable handout for the patient: the times and what to take at each, meals,
    what not to take without asking the prescriber, and the notice. Every text is escaped."""
    e = html.escape
    meal_at = dict(zip(plan.meals, meal_names(len(plan.meals))))
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             "<title>Your medicines today</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
             "<h1>Your medicines and supplements: when to take them</h1>",
             f"<p>This plan is for a day when you get up at {e(plan.wake)} and go to bed at "
             f"{e(plan.sleep)}, with meals at {e(', '.join(plan.meals))}. Take each one at the time "
             "shown, every day. Keep the times: some of these stop others from working if they are "
             "taken too close together.</p>"]
    if plan.feasible:
        rows = [(d.time, 1, d) for d in plan.doses] + [(t, 0, None) for t in meal_at]
        parts += ['<table class="plan">', "<tr><th>Time</th><th>What to take</th><th>How</th></tr>"]
        for time, _order, d in sorted(rows, key=lambda r: (r[0], r[1])):
            if d is None:
                parts.append(f'<tr class="meal"><td class="time">{e(time)}</td>'
                             f"<td>{e(meal_at[time].capitalize())}</td><td></td></tr>")
            else:
                parts.append(f'<tr class="dose"><td class="time">{e(time)}</td><td>{e(_label(d))}</td>'
                             f"<td>{e(d.note)}</td></tr>")
        parts.append("</table>")
    else:
        parts.append('<div class="stop"><h2>No timetable fits every rule</h2><p>Please ask your '
                     "pharmacist or prescriber how to take these together.</p></div>")
    if plan.not_placed:
        parts += ['<div class="stop">', "<h2>Do not take these without asking your prescriber</h2>", "<ul>"]
        for held in plan.not_placed:
            parts.append(f"<li><strong>{e(held.item.input)}</strong>: {e(held.reason)}</li>")
        parts += ["</ul>", "</div>"]
    if plan.unrecognized:
        parts += ["<h2>Not in this plan (not recognised)</h2>", "<ul>"]
        parts += [f"<li>{e(u.input)}</li>" for u in plan.unrecognized]
        parts += ["</ul>", "<p>Ask your pharmacist when to take these.</p>"]
    parts += ["<h2>Why these times</h2>", "<ul>"]
    parts += [f"<li>{e(c.text)}</li>" for c in plan.constraints]
    parts += ["</ul>", f'<p class="notice">{e(NOTICE)}</p>', "</body>", "</html>"]
    return "\n".join(parts) + "\n"
