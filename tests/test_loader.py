"""A bad rule folder fails at load, naming the file and the rule, with every problem listed."""


from conftest import edit, problems

from interactions.knowledge.loader import load_knowledge


def test_the_minimal_folder_loads(folder):
    kb = load_knowledge(folder)
    assert sorted(kb.rules) == ["levofloxacin-magnesium", "magnesium-kidney", "quinolones-magnesium"]
    assert kb.graph.edges["ciprofloxacin", "quinolones"]["rel"] == "is_a"
    assert kb.graph.edges["mag-ox-400", "magnesium-oxide"]["rel"] == "contains"


def test_unknown_node_in_a_rule(folder):
    edit(folder, 'subject = "quinolones"', 'subject = "quinolone"')
    assert problems(folder) == ["core.toml: rule 'quinolones-magnesium': subject names unknown entity 'quinolone'"]


def test_duplicate_id_across_files(folder):
    (folder / "more.toml").write_text('[[entity]]\nid = "ciprofloxacin"\nkind = "drug"\nname = "Cipro again"\n')
    assert problems(folder) == ["more.toml: entity 'ciprofloxacin': id already used in core.toml"]


def test_is_a_cycle(folder):
    edit(folder, 'name = "Quinolones"', 'name = "Quinolones"\nis_a = ["quinolone-subclass"]')
    (folder / "more.toml").write_text(
        '[[entity]]\nid = "quinolone-subclass"\nkind = "class"\nname = "Sub"\nis_a = ["quinolones"]\n')
    found = problems(folder)
    assert len(found) == 1 and found[0].startswith("is_a/contains cycle: ")
    assert "quinolones" in found[0] and "quinolone-subclass" in found[0]


def test_rule_without_reference(folder):
    edit(folder, 'references = [{ ref = "test-source", section = "7" }]', "references = []")
    assert problems(folder) == [
        "core.toml: rule 'quinolones-magnesium': references: List should have at least 1 item after validation, not 0"
    ]


def test_unknown_reference(folder):
    edit(folder, 'references = [{ ref = "test-source", section = "7" }]', 'references = [{ ref = "nowhere" }]')
    assert problems(folder) == ["core.toml: rule 'quinolones-magnesium': cites unknown reference 'nowhere'"]


def test_misspelt_field_is_an_error_not_ignored(folder):
    edit(folder, 'severity = "major"', 'severity = "major"\nseverty = "minor"')
    assert problems(folder) == ["core.toml: rule 'quinolones-magnesium': severty: Extra inputs are not permitted"]


def test_every_problem_is_reported_at_once(folder):
    edit(folder, 'subject = "quinolones"', 'subject = "nothing"')
    edit(folder, 'condition = "kidney-disease"', 'condition = "nothing-either"')
    assert len(problems(folder)) == 2


def test_override_must_name_an_ancestors_rule(folder):
    edit(folder, 'subject = "levofloxacin"', 'subject = "ciprofloxacin"')
    edit(folder, 'id = "quinolones-magnesium"\nkind = "drug-supplement"\nsubject = "quinolones"',
         'id = "quinolones-magnesium"\nkind = "drug-supplement"\nsubject = "levofloxacin"')
    assert problems(folder) == [
        "core.toml: rule 'levofloxacin-magnesium': overrides 'quinolones-magnesium', but that rule is not "
        "stated on an ancestor of 'ciprofloxacin' with the same object, condition and when_condition"
    ]


def test_a_name_may_lead_to_one_node_only(folder):
    edit(folder, 'name = "Levofloxacin"', 'name = "Levofloxacin"\nsynonyms = ["ciprofloxacin"]')
    assert problems(folder) == [
        "core.toml: entity 'levofloxacin': name or code 'ciprofloxacin' already names 'ciprofloxacin' (core.toml)"
    ]


def test_schema_refuses_undeclared_edges(folder):
    edit(folder, 'name = "Ciprofloxacin"\nis_a = ["quinolones"]', 'name = "Ciprofloxacin"\nis_a = ["levofloxacin"]')
    assert problems(folder) == [
        "core.toml: entity 'ciprofloxacin': a drug may not be 'is_a' a drug ('levofloxacin')"
    ]


def test_bad_toml_names_the_file(folder):
    (folder / "broken.toml").write_text("[[rule]\n")
    found = problems(folder)
    assert len(found) == 1 and found[0].startswith("broken.toml: not valid TOML: ")


def test_an_override_cannot_narrow_its_class_rule_to_a_condition(folder):
    # Otherwise the class rule would vanish for every patient without that condition.
    edit(folder, 'overrides = "quinolones-magnesium"', 'overrides = "quinolones-magnesium"\nwhen_condition = "kidney-disease"')
    assert problems(folder) == [
        "core.toml: rule 'levofloxacin-magnesium': overrides 'quinolones-magnesium', but that rule is not "
        "stated on an ancestor of 'levofloxacin' with the same object, condition and when_condition"
    ]
