"""Daily plans: real lists in, exact timetables out; every plan checked by an independent checker."""

import itertools
import json
import shutil
import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from interactions.cli.app import app
from interactions.errors import InputError, RuleFileError
from interactions.knowledge.index import load_index
from interactions.knowledge.paths import bundled_rules_dir
from interactions.models import PatientContext
from interactions.plan import PlanOptions, plan, plan_entries

from conftest import FIXTURES  # isort: skip

runner = CliRunner()
ADMINISTRATION = tomllib.loads((bundled_rules_dir() / "administration.toml").read_text())["administration"]


# ------------------------------------------------------- the independent checker (not the solver)

def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def instructions_for(index, node_id):
    """The administration entries on the nearest ancestor that has any (read from the TOML)."""
    by_subject = {}
    for entry in ADMINISTRATION:
        by_subject.setdefault(entry["subject"], []).append(entry)
    for ancestor, _ in sorted(index.closure[node_id].items(), key=lambda kv: (len(kv[1]), kv[0])):
        if ancestor in by_subject:
            return by_subject[ancestor]
    return []


def violations(doses, report, index, options, expected_doses):
    """Every way a timetable [(clock time, item)] breaks a finding's gap or a label instruction."""
    times = {}
    for time, item in doses:
        times.setdefault(item, []).append(minutes(time))
    found = []
    for name, count in expected_doses.items():
        if len(times.get(name, [])) != count:
            found.append(f"{name}: {len(times.get(name, []))} doses, expected {count}")
    for name, ts in times.items():
        found += [f"{name} at {t} is off the grid or the waking day" for t in ts
                  if not (options.wake <= t <= options.sleep and (t - options.wake) % options.step == 0)]
    return found + gap_violations(times, report) + instruction_violations(times, report, index, options)


def gap_ok(s, o, before, after):
    """A side the source leaves out sets no gap that way; never at the same time."""
    if s < o:
        return (before is None or o - s >= before) and (after is None or s + 1440 - o >= after)
    return s > o and (after is None or s - o >= after) and (before is None or o + 1440 - s >= before)


def gap_violations(times, report):
    found = []
    for f in report.findings:
        if f.separation is None or f.object is None:
            continue
        if f.subject.input not in times or f.object.input not in times:
            continue  # an item held back is in no timetable
        before = None if f.separation.drug_before_hours is None else f.separation.drug_before_hours * 60
        after = None if f.separation.drug_after_hours is None else f.separation.drug_after_hours * 60
        found += [f"{f.rule_id}: {f.subject.input} {s} vs {f.object.input} {o}"
                  for s in times[f.subject.input] for o in times[f.object.input]
                  if not gap_ok(s, o, before, after)]
    return found


def instruction_broken(kind, lo, hi, t, wake, meals, others):
    if kind == "empty-stomach-before-breakfast":
        return not meals[0] - hi <= t <= meals[0] - lo
    if kind == "after-breakfast":
        return not meals[0] + lo <= t <= meals[0] + hi
    if kind == "on-waking-before-food-drink-medicines":
        return t != wake or t + lo > meals[0] or any(u < t + lo for u in others)
    return False


def instruction_violations(times, report, index, options):
    wake, sleep, meals = options.wake, options.sleep, options.meals
    found = []
    for resolved in report.resolved:
        if resolved.input not in times:
            continue  # held back, or as needed: the dose count says whether it should be
        mine = times[resolved.input]
        others = [u for n, ts in times.items() if n != resolved.input for u in ts]
        for entry in instructions_for(index, resolved.id):
            kind, lo, hi = entry["kind"], entry.get("min_minutes"), entry.get("max_minutes")
            found += [f"{entry['id']}: {t}" for t in mine
                      if instruction_broken(kind, lo, hi, t, wake, meals, others)]
        if len(mine) > 1:
            parts = [wake + round(k * (sleep - wake) / len(mine)) for k in range(len(mine) + 1)]
            found += [f"{resolved.input} dose {k + 1} at {t} not in its part of the day"
                      for k, t in enumerate(sorted(mine))
                      if not (parts[k] <= t < parts[k + 1] or (k == len(mine) - 1 and t == sleep))]
    return found


def doses_of(items):
    return {item: 2 if item.endswith(" BID") else 3 if item.endswith(" TID") else 1 for item in items}


def planned(checker, items, options=None, context=None):
    options = options or PlanOptions()
    result = plan(checker, items, options, context)
    report = checker.check(items, context or PatientContext())
    held = {n.item.input for n in result.not_placed}
    expected = {item: n for item, n in doses_of(items).items() if item not in held}
    if result.feasible:
        assert violations(timetable(result), report, checker.index, options, expected) == []
    assert not held & {d.item.input for d in result.doses}
    return result


def timetable(result):
    return [(d.time, d.item.input) for d in result.doses]


# ------------------------------------------------------------------------------ specifications

ISSUE = ["levothyroxine", "alendronate", "doxycycline", "magnesium citrate 200 mg BID", "calcium"]


def test_the_issue_example_has_a_plan_where_every_gap_holds(checker):
    result = planned(checker, ISSUE)
    assert result.feasible and result.conflicts == [] and result.alternatives == []
    assert timetable(result) == [
        ("07:00", "alendronate"),
        ("07:30", "levothyroxine"),
        ("08:00", "doxycycline"),
        ("11:30", "magnesium citrate 200 mg BID"),
        ("13:00", "calcium"),
        ("19:00", "magnesium citrate 200 mg BID"),
    ]
    assert [(c.kind, c.source) for c in result.constraints] == [
        ("separation", "tetracyclines-magnesium-chelation"),
        ("separation", "alendronate-calcium-absorption"),
        ("separation", "bisphosphonates-magnesium-absorption"),
        ("separation", "levothyroxine-calcium-absorption"),
        ("separation", "levothyroxine-magnesium-absorption"),
        ("empty-stomach-before-breakfast", "levothyroxine-empty-stomach-before-breakfast"),
        ("on-waking-before-food-drink-medicines", "alendronate-on-waking"),
        ("divided-doses", "magnesium-divided-doses"),
    ]
    assert result.constraints[0].before_minutes == 120 and result.constraints[0].after_minutes == 360


def test_the_plan_says_which_pairs_it_did_not_check(checker):
    # doxycycline + calcium is now found (doxycycline-calcium-chelation), but its label gives no
    # hours, so the plan says it cannot time them instead of inventing a gap
    untimed, note = planned(checker, ISSUE).not_checked
    assert untimed.startswith("doxycycline and calcium: rule doxycycline-calcium-chelation")
    assert "its sources give no gap" in untimed
    assert note.startswith("The rules cover magnesium, and calcium, iron and zinc only where a label")
    assert "levothyroxine + alendronate" in note
    assert "levothyroxine + calcium" not in note  # checked: levothyroxine-calcium-absorption
    assert "doxycycline + calcium" not in note  # checked: the finding above
    assert "magnesium citrate" not in note


def test_two_on_waking_bisphosphonates_conflict_and_are_named(checker):
    result = planned(checker, ["ibandronate", "alendronate", "magnesium oxide"])
    assert not result.feasible and result.doses == []
    [conflict] = result.conflicts
    named = [c.source for c in result.constraints if c.id in conflict.constraints]
    assert conflict.kind == "no-plan-on-grid"
    assert named == ["ibandronate-on-waking", "alendronate-on-waking"]


def test_a_short_day_offers_the_gaps_other_sources_give(checker):
    options = PlanOptions.from_text("07:00", "10:00", "08:00")
    result = planned(checker, ["alendronate", "magnesium oxide"], options)
    assert not result.feasible
    [conflict] = result.conflicts
    assert [c.source for c in result.constraints if c.id in conflict.constraints] == [
        "bisphosphonates-magnesium-absorption"]
    assert [(a.references[0].title.split(".")[0], timetable(a)) for a in result.alternatives] == [
        ("Magnesium: Fact Sheet for Health Professionals", [("07:00", "alendronate"), ("09:00", "magnesium oxide")]),
        ("Magnesium Hydroxide Mixture BP (Thornton & Ross)", [("07:00", "alendronate"), ("10:00", "magnesium oxide")]),
    ]


def test_each_dose_of_a_divided_item_has_its_own_part_of_the_day(checker):
    result = planned(checker, ["moxifloxacin", "magnesium oxide TID", "levothyroxine"])
    assert timetable(result) == [
        ("07:30", "levothyroxine"),
        ("07:30", "moxifloxacin"),
        ("11:30", "magnesium oxide TID"),
        ("13:00", "magnesium oxide TID"),
        ("19:00", "magnesium oxide TID"),
    ]
    assert [(d.dose, d.of) for d in result.doses if d.item.input == "magnesium oxide TID"] == [
        (1, 3), (2, 3), (3, 3)]


def test_atelvia_follows_its_own_label_not_immediate_release_risedronate(checker):
    result = planned(checker, ["Atelvia", "magnesium oxide"])
    assert timetable(result) == [("08:00", "Atelvia"), ("13:00", "magnesium oxide")]
    assert [c.source for c in result.constraints][-1] == "atelvia-after-breakfast"


def test_a_one_sided_gap_sets_no_gap_the_other_way_but_never_the_same_time():
    from interactions.plan import separation_ok

    assert separation_ok(600, 480, None, 120)  # 2 h after: allowed
    assert not separation_ok(570, 480, None, 120)  # 1.5 h after: too soon
    assert separation_ok(585, 600, None, 120)  # before: the source gives no gap, none applied
    assert not separation_ok(600, 600, None, 120)  # together: what the gap is there to prevent
    # 23:00 is 15 h after 08:00 (fine), but only 9 h before the next 08:00 dose: 10 h are needed
    assert not separation_ok(1380, 480, 600, 120)


def test_an_avoid_finding_holds_the_magnesium_item_back_and_plans_the_rest(checker):
    entries = [checker.resolver.resolve(t) for t in ("doxycycline", "magnesium oxide")]
    report = checker.check_entries(entries, PatientContext())
    avoid = report.findings[0].model_copy(update={"separation": None, "action": "avoid"})
    result = plan_entries(checker.index, entries, report.model_copy(update={"findings": [avoid]}),
                          PlanOptions())
    assert result.feasible and result.conflicts == [] and result.exit_code == 1
    assert timetable(result) == [("08:00", "doxycycline")]
    assert [(n.item.input, n.rule_id) for n in result.not_placed] == [
        ("magnesium oxide", "tetracyclines-magnesium-chelation")]


def test_monitor_only_findings_add_no_timing_but_are_said(checker):
    result = planned(checker, ["furosemide", "magnesium oxide"])
    assert result.feasible and result.constraints == []
    assert any(n.startswith("furosemide + magnesium oxide: no timing needed") for n in result.not_checked)


@pytest.mark.parametrize("wake, sleep, meals, message", [
    ("7am", "23:00", "08:00", "wake time '7am' is not a 24-hour clock time; write it as HH:MM, e.g. 07:00"),
    ("07:00", "06:00", "08:00", "sleep time 06:00 is not after wake time 07:00; plans cover one waking day"),
    ("07:00", "23:00", "13:00,08:00", "meal times must be in order and different, e.g. 08:00,13:00,19:00"),
    ("07:00", "23:00", "06:00", ("no meal time is inside the waking window 07:00-23:00; give one "
                                 "with --meals, e.g. --meals 11:00")),
])
def test_bad_days_are_input_errors(wake, sleep, meals, message):
    with pytest.raises(InputError) as caught:
        PlanOptions.from_text(wake, sleep, meals)
    assert str(caught.value) == message


def test_an_administration_entry_on_an_unknown_node_names_file_and_id(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(FIXTURES / "minimal_rules", folder)
    (folder / "administration.toml").write_text(
        '[[administration]]\nid = "x-on-waking"\nsubject = "xyzzy"\n'
        'kind = "on-waking-before-food-drink-medicines"\nmin_minutes = 30\ninstruction = "x"\n'
        'reviewed = 2026-01-01\nreferences = [{ ref = "test-source" }]\n')
    with pytest.raises(RuleFileError) as caught:
        load_index(folder, use_cache=False)
    assert caught.value.problems == [
        "administration.toml: administration 'x-on-waking': subject names unknown entity 'xyzzy'"]


# ------------------------------------------------------------------------------------ the CLI

def test_cli_plan_prints_a_timetable_and_exits_0():
    result = runner.invoke(app, ["plan", *ISSUE])
    assert result.exit_code == 0, result.output
    assert "Timeline: 07:00 alendronate · 07:30 levothyroxine · 08:00 [breakfast] doxycycline · " \
           "11:30 magnesium citrate 200 mg BID (1/2) · 13:00 [lunch] calcium" in result.output


def test_cli_plan_json_contract():
    result = runner.invoke(app, ["plan", "--format", "json", *ISSUE])
    data = json.loads(result.output)
    assert list(data)[:5] == ["feasible", "doses", "constraints", "conflicts", "alternatives"]
    assert data["doses"][0] == {"item": {"input": "alendronate", "id": "alendronate", "name": "Alendronate"},
                                "time": "07:00", "note": data["doses"][0]["note"], "dose": 1, "of": 1}
    assert len(data["doses"]) == 6


def test_cli_no_plan_exits_1_and_unrecognised_exits_1():
    assert runner.invoke(app, ["plan", "ibandronate", "alendronate"]).exit_code == 1
    result = runner.invoke(app, ["plan", "doxycycline", "xyzzy"])
    assert result.exit_code == 1 and "NOT RECOGNISED: 'xyzzy'" in result.output


def test_cli_bad_time_is_a_one_line_error(monkeypatch, capsys):
    from interactions.cli.app import main

    monkeypatch.setattr("sys.argv", ["interactions", "plan", "doxycycline", "--meals", "8,13"])
    with pytest.raises(SystemExit) as caught:
        main()
    assert caught.value.code == 2
    assert capsys.readouterr().err == ("Error: meal time '8' is not a 24-hour clock time; "
                                       "write it as HH:MM, e.g. 07:00\n")


def test_check_plan_appends_the_plan_to_the_json_report():
    result = runner.invoke(app, ["check", "--plan", "--format", "json", "doxycycline", "magnesium oxide"])
    data = json.loads(result.output)
    assert result.exit_code == 1  # a finding, as `check` always says
    assert data["findings"][0]["rule_id"] == "tetracyclines-magnesium-chelation"
    assert [(d["time"], d["item"]["input"]) for d in data["plan"]["doses"]] == [
        ("08:00", "doxycycline"), ("13:00", "magnesium oxide")]


# ------------------------------------------------------------------------ properties (hypothesis)

NAMES = ["levothyroxine", "alendronate", "ibandronate", "risedronate", "Atelvia", "doxycycline",
         "moxifloxacin", "levofloxacin", "ciprofloxacin", "ferrous sulfate", "calcium",
         "magnesium oxide", "magnesium citrate", "Milk of Magnesia", "furosemide"]
lists = st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(["", " BID", " TID"])),
                 min_size=1, max_size=5, unique_by=lambda t: t[0]).map(lambda xs: [a + b for a, b in xs])
SMALL_DAY = PlanOptions.from_text("06:00", "14:00", "07:00,10:00,13:00", step=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=lists)
def test_every_plan_meets_every_constraint(checker, items):
    planned(checker, items)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=lists.filter(lambda xs: sum(doses_of(xs).values()) <= 3))
def test_when_brute_force_finds_a_plan_so_does_plan(checker, items):
    """Try every assignment of the doses to the grid; if any passes the checker, plan must succeed."""
    result = planned(checker, items, SMALL_DAY)
    report = checker.check(items)
    slots = [f"{t // 60:02d}:{t % 60:02d}" for t in SMALL_DAY.grid()]
    doses = [(item, k) for item, n in doses_of(items).items() for k in range(n)]
    exists = False
    for times in itertools.product(slots, repeat=len(doses)):
        candidate = [(t, item) for (item, _), t in zip(doses, times)]
        if not violations(candidate, report, checker.index, SMALL_DAY, doses_of(items)):
            exists = True
            break
    assert result.feasible == exists
