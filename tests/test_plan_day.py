"""A day plan people can live by (issue 16): one-way gaps, items not to take, a bounded search,
short days. Each defect of the issue is reproduced here and kept fixed."""

import json
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from interactions.cli.app import app
from interactions.errors import InputError
from interactions.models import PatientContext
from interactions.plan import PlanOptions, plan

from test_planning import NAMES, doses_of, planned, timetable, violations  # isort: skip

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
from plan_speed import LISTS

runner = CliRunner()
ONE_WAY = ["dolutegravir 50 mg", "magnesium citrate 200 mg BID", "gabapentin 300 mg TID"]


# ------------------------------------------------------------- 1. a gap given in one direction only

def test_a_gap_given_one_way_only_leaves_the_other_order_free_and_the_list_gets_a_plan(checker):
    result = planned(checker, ONE_WAY)
    assert result.feasible and result.exit_code == 0
    assert timetable(result) == [
        ("07:45", "gabapentin 300 mg TID"),
        ("08:00", "magnesium citrate 200 mg BID"),
        ("13:00", "gabapentin 300 mg TID"),
        ("14:00", "dolutegravir 50 mg"),
        ("18:45", "gabapentin 300 mg TID"),
        ("19:00", "magnesium citrate 200 mg BID"),
    ]
    gabapentin = next(c for c in result.constraints if c.source == "gabapentin-magnesium-absorption")
    assert (gabapentin.before_minutes, gabapentin.after_minutes) == (None, 120)
    assert result.notes == [("gabapentin-magnesium-absorption: the source gives no gap for taking "
                             "gabapentin 300 mg TID before magnesium citrate 200 mg BID; none applied.")]


def test_a_one_way_gap_still_keeps_the_two_apart_in_time(checker):
    """No gap is applied before magnesium, but taking both together is what the label warns of."""
    result = planned(checker, ["gabapentin 300 mg", "magnesium oxide"], PlanOptions.from_text(
        "07:00", "09:00", "08:00"))
    [gabapentin] = [d.time for d in result.doses if d.item.input == "gabapentin 300 mg"]
    [magnesium] = [d.time for d in result.doses if d.item.input == "magnesium oxide"]
    assert gabapentin != magnesium


def test_a_two_sided_gap_adds_no_note(checker):
    assert planned(checker, ["doxycycline", "magnesium oxide"]).notes == []


# ------------------------------------------------------------------ 2. items a finding says not to take

def test_a_contraindicated_item_is_listed_apart_never_placed(checker):
    result = planned(checker, ["magnesium oxide 400 mg", "doxycycline"], context=PatientContext(egfr=20))
    assert timetable(result) == [("08:00", "doxycycline")]
    [held] = result.not_placed
    assert (held.item.input, held.rule_id, held.severity, held.action) == (
        "magnesium oxide 400 mg", "magnesium-severe-renal-impairment", "contraindicated", "avoid")
    assert held.reason.startswith("Oral magnesium is contraindicated in severe renal impairment")
    assert result.constraints == []  # no gap is kept from an item nobody takes
    assert result.exit_code == 1


def test_an_avoid_pair_holds_back_the_magnesium_item_and_plans_the_drug(checker):
    result = planned(checker, ["raltegravir", "magnesium oxide"])
    assert result.feasible and result.conflicts == []
    assert timetable(result) == [("08:00", "raltegravir")]
    assert [(h.item.input, h.rule_id) for h in result.not_placed] == [
        ("magnesium oxide", "raltegravir-magnesium-chelation")]


def test_the_patients_conditions_reach_the_plan(checker):
    result = planned(checker, ["calcitriol", "magnesium oxide"], context=PatientContext(conditions=["dialysis"]))
    assert "calcitriol-magnesium-dialysis-hypermagnesaemia" in {h.rule_id for h in result.not_placed}
    assert planned(checker, ["calcitriol", "magnesium oxide"]).not_placed == []


def test_check_plan_json_lists_the_item_apart():
    result = runner.invoke(app, ["check", "--plan", "--format", "json", "--egfr", "20",
                                 "magnesium oxide 400 mg", "doxycycline"])
    data = json.loads(result.output)["plan"]
    assert result.exit_code == 1
    assert [(d["time"], d["item"]["input"]) for d in data["doses"]] == [("08:00", "doxycycline")]
    assert [(n["item"]["input"], n["rule_id"]) for n in data["not_placed"]] == [
        ("magnesium oxide 400 mg", "magnesium-severe-renal-impairment")]
    table = runner.invoke(app, ["check", "--plan", "--egfr", "20", "magnesium oxide 400 mg", "doxycycline"])
    assert "DO NOT TAKE WITHOUT ASKING THE PRESCRIBER: magnesium oxide 400 mg" in table.output


# ------------------------------------------------------------------------ 3. every answer is bounded

@pytest.mark.parametrize("label", ["30 daily + magnesium daily", "30 BID + magnesium TID",
                                   "30 TID + magnesium TID", "2 on-waking + 28 + magnesium"])
def test_thirty_items_tied_to_magnesium_answer_within_the_bound(checker, label):
    items, options = LISTS[label]
    start = time.perf_counter()
    result = planned(checker, items, options)
    assert time.perf_counter() - start < 4  # 2 s on the 2-core machine; slack for a busy CI
    assert result.search.status in ("optimal", "best-found", "infeasible", "bound-reached")
    assert result.search.work <= result.search.work_limit + 10_000
    if not result.feasible:
        assert result.conflicts and all(c.constraints for c in result.conflicts)


def test_thirty_items_that_cannot_fit_get_a_proof_and_a_small_conflict(checker):
    result = planned(checker, *LISTS["30 TID + magnesium TID"])
    assert result.search.status == "infeasible"
    [conflict] = result.conflicts
    assert conflict.kind == "no-plan-on-grid" and len(conflict.constraints) == 3
    assert "dropping any one of them makes a plan possible" in conflict.message


def test_when_the_bound_is_reached_first_the_plan_says_so_honestly(checker):
    result = planned(checker, ONE_WAY, PlanOptions(work_limit=1_000, time_limit=60))
    assert not result.feasible and result.search.status == "bound-reached"
    [conflict] = result.conflicts
    assert conflict.kind == "no-plan-within-bound"
    assert conflict.message.startswith("No plan was found within the search bound (1,000 units of "
                                       "work or 60 s), and none was proven impossible.")
    assert conflict.constraints == ["c1", "c2", "c3", "c4"]


def test_a_plan_found_before_the_bound_is_kept_and_marked_best_found(checker):
    result = planned(checker, ONE_WAY, PlanOptions(work_limit=20_000, time_limit=60))
    assert result.feasible and result.search.status == "best-found"
    assert result.notes[-1].startswith("The search bound was reached: this is the best plan found")


def test_the_bound_is_deterministic(checker):
    options = PlanOptions(work_limit=20_000, time_limit=60)
    assert plan(checker, ONE_WAY, options) == plan(checker, ONE_WAY, options)


# -------------------------------------------------------------------------------- 4. a short day

def test_meals_outside_a_short_day_are_left_out_with_a_note(checker):
    options = PlanOptions.from_text("07:00", "13:00")
    result = planned(checker, ["doxycycline", "magnesium oxide"], options)
    assert result.meals == ["08:00", "13:00"] and result.feasible
    assert result.notes == ["Meal time 19:00 is outside the waking day 07:00-13:00: left out of the plan."]


def test_cli_short_day_is_not_a_usage_error():
    result = runner.invoke(app, ["plan", "--wake", "07:00", "--sleep", "13:00", "doxycycline",
                                 "magnesium oxide"])
    assert result.exit_code == 0, result.output
    assert "Meal time 19:00 is outside the waking day 07:00-13:00" in result.output


# ------------------------------------------------------------------------------------ properties

contexts = st.builds(PatientContext, egfr=st.none() | st.sampled_from([10.0, 25.0, 45.0, 90.0]),
                     conditions=st.sampled_from([[], ["dialysis"], ["myasthenia gravis"]]))
lists = st.lists(st.tuples(st.sampled_from([*NAMES, "gabapentin", "raltegravir", "calcitriol"]),
                           st.sampled_from(["", " BID", " TID"])),
                 min_size=1, max_size=5, unique_by=lambda t: t[0]).map(lambda xs: [a + b for a, b in xs])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=lists, context=contexts)
def test_every_plan_is_valid_and_never_places_an_item_held_back(checker, items, context):
    result = planned(checker, items, context=context)  # planned() checks both
    held = {h.item.input for h in result.not_placed}
    report = checker.check(items, context)
    for f in report.findings:
        if f.action == "avoid" or f.severity == "contraindicated":
            assert (f.object if f.object and f.kind != "drug-condition" else f.subject).input in held
    if result.feasible:
        expected = {i: n for i, n in doses_of(items).items() if i not in held}
        assert violations(timetable(result), report, checker.index, PlanOptions(), expected) == []


# ------------------------------------------------------------- re-planning after a dose is taken

def test_a_dose_taken_late_moves_the_magnesium_after_it(checker):
    """'Levofloxacin was taken at 10:15, so move magnesium to 12:15.'"""
    items = ["zinc gluconate", "magnesium oxide BID", "levofloxacin"]
    result = plan(checker, items, PlanOptions.from_text(taken=["levofloxacin 10:15"]))
    assert result.feasible
    assert [(d.time, d.item.input, d.note) for d in result.doses if d.item.input != "zinc gluconate"] == [
        ("10:15", "levofloxacin", "taken"),
        ("12:15", "magnesium oxide BID", ""),
        ("19:00", "magnesium oxide BID", "at dinner"),
    ]
    assert [(d.item.input, d.time) for d in result.taken] == [("levofloxacin", "10:15")]
    assert result.constraints[-1].kind == "not-before"


def test_a_taken_dose_may_name_its_item_by_another_name(checker):
    result = plan(checker, ["Levaquin 500 mg", "magnesium oxide"], PlanOptions.from_text(taken=["levofloxacin 09:00"]))
    assert [(d.item.input, d.time) for d in result.taken] == [("Levaquin 500 mg", "09:00")]


def test_an_as_needed_antacid_taken_today_keeps_its_gaps(checker):
    result = plan(checker, ["Maalox 20 mL qid prn", "ciprofloxacin BID"],
                  PlanOptions.from_text(taken=["Maalox 09:10"]))
    cipro = [minutes for minutes in (int(d.time[:2]) * 60 + int(d.time[3:]) for d in result.doses
                                     if d.item.input == "ciprofloxacin BID")]
    assert result.feasible and len(cipro) == 2
    assert all(t >= 9 * 60 + 10 + 6 * 60 for t in cipro)  # 6 h after the antacid, or 2 h before it


def test_a_taken_dose_of_an_item_not_in_the_list_is_an_input_error(checker):
    with pytest.raises(InputError) as caught:
        plan(checker, ["doxycycline"], PlanOptions.from_text(taken=["zinc 10:15"]))
    assert str(caught.value) == ("taken dose 'zinc' 10:15 names no item of the list; name it as the "
                                 "list does, e.g. 'zinc 10:15'")
    with pytest.raises(InputError):
        PlanOptions.from_text(taken=["zinc at ten"])


# ------------------------------------------------------------ Universal Medication Schedule slots

def test_a_plan_in_the_four_medication_schedule_slots_when_one_exists(checker):
    # levofloxacin: 2 h before or 6 h after magnesium (ciprofloxacin's 6 h each way fits no slots)
    result = planned(checker, ["levofloxacin BID", "Mag-Ox 400 BID"], PlanOptions(slots=True))
    assert result.slots == {"morning": "08:00", "noon": "13:00", "evening": "19:00", "bedtime": "23:00"}
    assert [(d.time, d.item.input, d.note.split(";")[0]) for d in result.doses] == [
        ("08:00", "levofloxacin BID", "morning"),
        ("13:00", "Mag-Ox 400 BID", "noon"),
        ("19:00", "levofloxacin BID", "evening"),
        ("23:00", "Mag-Ox 400 BID", "bedtime"),
    ]


def test_exact_clock_times_when_no_plan_fits_the_slots(checker):
    result = planned(checker, ["levothyroxine", "magnesium oxide"], PlanOptions(slots=True))
    assert result.feasible and result.slots == {}
    assert timetable(result) == [("07:30", "levothyroxine"), ("13:00", "magnesium oxide")]
    assert result.notes == [("No plan keeps every dose in the medication-schedule slots (morning "
                            "08:00, noon 13:00, evening 19:00, bedtime 23:00) and every constraint; "
                            "exact clock times are given instead.")]


# ------------------------------------------------------------------------------ the plan command

def test_cli_plan_takes_the_patients_conditions():
    result = runner.invoke(app, ["plan", "--egfr", "20", "magnesium oxide 400 mg", "doxycycline"])
    assert result.exit_code == 1  # an item held back needs the prescriber
    assert "DO NOT TAKE WITHOUT ASKING THE PRESCRIBER: magnesium oxide 400 mg" in result.output
    data = json.loads(runner.invoke(app, ["plan", "--format", "json", "--condition", "dialysis",
                                          "calcitriol", "magnesium oxide"]).output)
    assert "calcitriol-magnesium-dialysis-hypermagnesaemia" in {n["rule_id"] for n in data["not_placed"]}


def test_cli_plan_taken_and_slots():
    data = json.loads(runner.invoke(app, ["plan", "--format", "json", "--taken", "levofloxacin 10:15",
                                          "magnesium oxide BID", "levofloxacin"]).output)
    assert [(d["time"], d["item"]["input"]) for d in data["doses"]] == [
        ("10:15", "levofloxacin"), ("12:15", "magnesium oxide BID"), ("19:00", "magnesium oxide BID")]
    data = json.loads(runner.invoke(app, ["plan", "--format", "json", "--slots", "levofloxacin BID",
                                          "Mag-Ox 400 BID"]).output)
    assert data["slots"] == {"morning": "08:00", "noon": "13:00", "evening": "19:00", "bedtime": "23:00"}


def test_cli_plan_bad_taken_dose_is_a_one_line_error(monkeypatch, capsys):
    from interactions.cli.app import main

    monkeypatch.setattr("sys.argv", ["interactions", "plan", "doxycycline", "--taken", "zinc at ten"])
    with pytest.raises(SystemExit) as caught:
        main()
    assert caught.value.code == 2
    assert capsys.readouterr().err == ("Error: taken dose 'zinc at ten' is not an item and a clock time; "
                                       "write it as 'ITEM HH:MM', e.g. 'zinc 10:15'\n")


def test_a_taken_dose_holds_the_first_part_of_the_rest_of_the_day(checker):
    """Gabapentin TID, the first dose taken at 12:00: the two left share 12:00-23:00 with it."""
    result = plan(checker, ["gabapentin 300 mg TID"], PlanOptions.from_text(taken=["gabapentin 12:00"]))
    assert [d.time for d in result.doses] == ["12:00", "15:45", "19:30"]
    assert result.constraints[0].text == ("Space the 2 doses of gabapentin 300 mg TID not yet taken "
                                          "through the rest of the day, one in each of 15:40-19:20, "
                                          "19:20-23:00.")


def test_plan_reads_items_from_stdin_and_checks_the_patient_as_check_does():
    import subprocess
    import sys

    items = "doxycycline\nmagnesium citrate 400 mg BID\n# a comment\n\nlevothyroxine\n"
    result = subprocess.run([sys.executable, "-m", "interactions", "plan", "-", "--format", "json"],
                            input=items, capture_output=True, text=True)
    import json

    doses = json.loads(result.stdout)["doses"]
    assert {d["item"]["id"] for d in doses} == {"doxycycline", "magnesium-citrate", "levothyroxine"}
    refused = subprocess.run([sys.executable, "-m", "interactions", "plan", "doxycycline",
                              "--sex", "male", "--pregnant"], capture_output=True, text=True)
    assert (refused.returncode, refused.stderr.strip()) == (
        2, "Error: the patient is given as pregnant and as male; check the sex or the pregnant flag")
