"""The contract between layers: what goes into a check and what comes out.

Field order is the JSON order documented in the README; fields may be added, never removed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# The words of the rule scale (see the README's "Severity, action and evidence"): rule files and
# reports share them.
RuleKind = Literal["drug-supplement", "supplement-supplement", "drug-condition"]
Severity = Literal["contraindicated", "major", "moderate", "minor"]
Action = Literal["avoid", "separate", "adjust-dose", "monitor", "inform"]
Evidence = Literal["label", "guideline", "study", "case-report", "theoretical"]
SEVERITY_ORDER: dict[str, int] = {"contraindicated": 0, "major": 1, "moderate": 2, "minor": 3}
# NCPDP DUR clinical significance: 1 major, 2 moderate, 3 minor (a contraindication is major).
NCPDP_SIGNIFICANCE: dict[str, int] = {"contraindicated": 1, "major": 1, "moderate": 2, "minor": 3}
# A Lexicomp-style risk rating from our action (our mapping, documented in the README; not the
# vendor's own ratings): X avoid, D modify therapy (separate the doses, adjust the dose),
# C monitor, B no action needed. A contraindication is X whatever the action.
RiskRating = Literal["A", "B", "C", "D", "X"]
_RISK_BY_ACTION: dict[str, RiskRating] = {
    "avoid": "X", "separate": "D", "adjust-dose": "D", "monitor": "C", "inform": "B"}


def risk_rating(severity: str, action: str) -> RiskRating:
    return "X" if severity == "contraindicated" else _RISK_BY_ACTION[action]
Match = Literal["exact", "synonym", "brand", "code", "code-class", "salt", "approximate"]
FindingKind = RuleKind | Literal["dose"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MedicationEntry(Model):
    """One item as the user wrote it, and what it resolved to."""

    input: str
    name: str = Field(description="the name part of the input, without dose or frequency")
    id: str | None = None
    resolved_name: str | None = None
    kind: str | None = None
    match: Match | None = None
    score: float | None = None
    strength: float | None = None
    unit: str | None = None
    frequency_per_day: float | None = None
    as_needed: bool = False
    route: Literal["oral", "intravenous"] | None = None
    suggestions: list[str] = Field(default_factory=list)
    per_volume_ml: float | None = Field(default=None, description="strength is per this many mL")
    volume_ml: float | None = Field(default=None, description="volume of liquid per dose")
    quantity: float | None = Field(default=None, description="tablets/capsules per dose")
    dose_form: str | None = None
    elemental: bool = Field(default=False, description="strength written as elemental magnesium")
    unparsed: list[str] = Field(default_factory=list, description="parts of the input not used")
    notes: list[str] = Field(default_factory=list, description="how the input was read")

    @property
    def recognised(self) -> bool:
        return self.id is not None


class PatientContext(Model):
    age: float | None = Field(default=None, ge=0, le=130)
    sex: Literal["F", "M"] | None = None
    pregnant: bool = False
    lactating: bool = False
    egfr: float | None = Field(default=None, ge=0, le=250, description="mL/min/1.73 m2")
    conditions: list[str] = Field(default_factory=list)

    def contradiction(self) -> str | None:
        """What in these details cannot be true at once (pregnant or breastfeeding with sex M,
        or below age 10), in one line; None when they fit. `check` refuses such a context
        (``checked``); screen should reject such a row with this reason."""
        for flag, word in ((self.pregnant, "pregnant"), (self.lactating, "breastfeeding")):
            if flag and self.sex == "M":
                return f"the patient is given as {word} and as male; check the sex or the {word} flag"
            if flag and self.age is not None and self.age < 10:
                return (f"the patient is given as {word} at age {self.age:g}; check the age or "
                        f"the {word} flag")
        return None

    @classmethod
    def checked(cls, **fields) -> PatientContext:
        """A context from user input: every problem as one InputError line, in plain words (no
        pydantic wording), contradictions included."""
        from pydantic import ValidationError

        from .errors import InputError

        try:
            context = cls(**fields)
        except ValidationError as exc:
            raise InputError("; ".join(_worded(e) for e in exc.errors())) from None
        problem = context.contradiction()
        if problem is not None:
            raise InputError(problem)
        return context


def _worded(error) -> str:
    where = " ".join(str(p) for p in error["loc"])
    text = error["msg"].removeprefix("Value error, ")
    if error["type"] in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        words = {"ge": "at least", "le": "at most", "gt": "above", "lt": "below"}
        bounds = ", ".join(f"{words.get(k, k)} {v:g}" for k, v in error.get("ctx", {}).items())
        text = f"{error['input']!r} is outside the allowed range (it must be {bounds})"
    elif error["type"] == "literal_error":
        text = f"{error['input']!r} is not one of {error['ctx']['expected']}"
    elif error["type"].endswith("_parsing") or error["type"].endswith("_type"):
        text = f"{error['input']!r} is not a valid value"
    return f"{where}: {text}" if where else text


class ItemRef(Model):
    input: str
    id: str
    name: str


class Separation(Model):
    drug_before_hours: float | None
    drug_after_hours: float | None


class SourceSeparation(Separation):
    source: str
    url: str
    wording: str


class Reference(Model):
    title: str
    url: str
    section: str | None = None
    quote: str | None = None


class Finding(Model):
    rule_id: str
    kind: FindingKind
    severity: Severity
    subject: ItemRef
    object: ItemRef | None
    condition: ItemRef | None
    mechanism: str
    message: str
    management: str
    separation: Separation | None
    evidence: str
    references: list[Reference]
    path: list[tuple[str, str, str]]
    action: str
    route: str
    separation_basis: str | None = None
    source_separations: list[SourceSeparation] = Field(default_factory=list)
    risk_rating: RiskRating | None = Field(default=None, description="Lexicomp-style A/B/C/D/X")
    clinical_significance: int | None = Field(default=None, description="NCPDP DUR 1/2/3")


class Resolved(Model):
    input: str
    id: str
    name: str
    kind: str
    match: Match
    score: float | None = None
    strength: float | None = None
    unit: str | None = None
    frequency_per_day: float | None = None
    as_needed: bool = False
    quantity: float | None = None
    volume_ml: float | None = None
    per_volume_ml: float | None = None
    unparsed: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class Unrecognized(Model):
    input: str
    suggestions: list[str]
    unparsed: list[str] = Field(default_factory=list)


class IntakeLevel(Model):
    """One value from an intake table, and which row of it was used."""

    kind: Literal["rda", "ai", "ul-supplemental"]
    mg_per_day: float | None = Field(description="null: none established for this group")
    basis: str = Field(description="the group the value is for, e.g. 'female 31-50 y'")
    assumed: str | None = Field(default=None, description="what was assumed for missing context")
    reference: Reference


class DoseItem(Model):
    """How one magnesium-containing item adds to the daily elemental total."""

    input: str
    id: str
    name: str
    counted: bool
    reading: Literal["salt", "elemental", "label", "not-counted"]
    elemental_mg_per_dose: float | None = None
    doses_per_day: float | None = None
    elemental_mg_per_day: float | None = None
    explanation: str


class MagnesiumDose(Model):
    elemental_mg_per_day: float
    complete: bool = Field(description="false when an item's magnesium could not be counted")
    items: list[DoseItem]
    upper_limit: IntakeLevel | None
    recommended: IntakeLevel | None


class Report(Model):
    resolved: list[Resolved]
    unrecognized: list[Unrecognized]
    findings: list[Finding]
    conditions: list[Resolved] = Field(default_factory=list)
    elemental_magnesium_mg_per_day: float = 0.0
    recommended_magnesium_intake: IntakeLevel | None = None
    magnesium_dose: MagnesiumDose | None = None
    notes: list[str] = Field(default_factory=list, description="how item positions were read")

    @property
    def exit_code(self) -> int:
        """0 every item recognised and no finding; 1 at least one finding (whether or not some
        item is unrecognised); 3 no finding but some item unrecognised (unknown is not safe, and
        a pipeline can tell it from a finding). 2 is the CLI's usage or input error."""
        if self.findings:
            return 1
        return 3 if self.unrecognized else 0
