"""The rule-file format: what a file under rules/ may contain, validated strictly.

Unknown keys are errors (``extra="forbid"``) so a misspelt field never silently disables a rule.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ..models import SEVERITY_ORDER, Action, Evidence, RuleKind, Severity  # noqa: F401 (re-exported)

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# No real drug, brand or condition name comes near this; a longer one is a pasting accident.
MAX_NAME = 200
Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME)]

EntityKind = Literal[
    "magnesium", "magnesium-form", "supplement", "drug", "class", "product", "condition",
    "excipient",
]
Route = Literal["oral", "intravenous", "any"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReferenceSpec(Strict):
    title: str = Field(min_length=1)
    url: str = Field(pattern=r"^https?://\S+$")
    publisher: str | None = None


class EntitySpec(Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=MAX_NAME)
    kind: EntityKind
    name: Name
    is_a: list[str] = []
    contains: list[str] = []
    synonyms: list[Name] = []
    brands: list[Name] = []
    atc: list[str] = []
    rxcui: list[str] = []
    icd10: list[str] = []
    egfr_min: float | None = Field(default=None, ge=0)
    egfr_max: float | None = Field(default=None, gt=0)
    elemental_fraction: float | None = Field(default=None, gt=0, le=1)
    elemental_source: str | None = None
    route: Route = "any"
    note: str | None = None

    @model_validator(mode="after")
    def _kind_specific_fields(self) -> EntitySpec:
        if self.contains and self.kind != "product":
            raise ValueError("only a product may list 'contains'")
        if self.kind == "product" and not self.contains:
            raise ValueError("a product must list the ingredients it 'contains'")
        if (self.egfr_min is not None or self.egfr_max is not None) and self.kind != "condition":
            raise ValueError("only a condition may carry an eGFR band")
        if self.elemental_fraction is not None and not self.elemental_source:
            raise ValueError("'elemental_fraction' needs an 'elemental_source'")
        if (self.egfr_min is not None and self.egfr_max is not None
                and self.egfr_min >= self.egfr_max):
            raise ValueError(f"egfr_min ({self.egfr_min:g}) must be below egfr_max "
                             f"({self.egfr_max:g})")
        return self


class Citation(Strict):
    ref: str = Field(min_length=1)
    section: str | None = None
    quote: str | None = None


class SeparationSpec(Strict):
    """Take the subject at least ``drug_before_hours`` before, or ``drug_after_hours`` after, the
    object. A direction the source does not give stays ``None``."""

    # A gap of 0 (or -0.0) hours is no gap: a source that gives none leaves the side out.
    drug_before_hours: float | None = Field(default=None, gt=0, le=48)
    drug_after_hours: float | None = Field(default=None, gt=0, le=48)

    @model_validator(mode="after")
    def _one_side_at_least(self) -> SeparationSpec:
        if self.drug_before_hours is None and self.drug_after_hours is None:
            raise ValueError("a separation needs drug_before_hours, drug_after_hours or both")
        return self


class SourceSeparation(SeparationSpec):
    ref: str = Field(min_length=1)
    wording: str = Field(min_length=1)


class Example(Strict):
    items: list[str] = Field(min_length=1)
    conditions: list[str] = []
    egfr: float | None = None
    age: float | None = None
    sex: Literal["F", "M"] | None = None
    pregnant: bool = False


class RuleSpec(Strict):
    id: str = Field(pattern=ID_PATTERN)
    kind: RuleKind
    subject: str
    object: str | None = None
    condition: str | None = None
    when_condition: str | None = None  # a two-item rule that applies only in this condition
    # A drug-condition rule for the condition as written with nothing more specific known (CKD
    # with no stage and no eGFR): it stays silent once a more specific condition is known.
    unspecified_only: bool = False
    severity: Severity
    action: Action
    evidence: Evidence
    route: Route = "oral"
    mechanism: str = Field(min_length=1)
    message: str = Field(min_length=1)
    management: str = Field(min_length=1)
    separation: SeparationSpec | None = None
    separation_basis: str | None = None
    overrides: str | None = None
    reviewed: dt.date
    references: list[Citation] = Field(min_length=1)
    source_separations: list[SourceSeparation] = []
    fires: list[Example] = []
    silent: list[Example] = []

    @model_validator(mode="after")
    def _shape_matches_kind(self) -> RuleSpec:
        if self.kind == "drug-condition":
            if self.condition is None or self.object is not None:
                raise ValueError("a drug-condition rule names a 'condition' and no 'object'")
            if self.separation is not None or self.when_condition is not None:
                raise ValueError("a drug-condition rule has no separation and no when_condition")
        elif self.unspecified_only:
            raise ValueError("only a drug-condition rule may be unspecified_only")
        if self.kind != "drug-condition" and (self.object is None or self.condition is not None):
            raise ValueError(f"a {self.kind} rule names an 'object' and no 'condition'")
        return self


AdministrationKind = Literal[
    "empty-stomach-before-breakfast",  # min..max minutes before the first meal
    "on-waking-before-food-drink-medicines",  # on waking, min minutes before food, drink, medicines
    "after-breakfast",  # min..max minutes after the first meal
    "divided-doses",  # a daily dose taken in divided doses; min_minutes between doses if sourced
]
_MINUTES = {  # which minute fields each kind needs (the others must be omitted)
    "empty-stomach-before-breakfast": ("min_minutes", "max_minutes"),
    "on-waking-before-food-drink-medicines": ("min_minutes",),
    "after-breakfast": ("min_minutes", "max_minutes"),
    "divided-doses": (),
}


class AdministrationSpec(Strict):
    """A drug's own administration instruction from its label, as a timing constraint for plans."""

    id: str = Field(pattern=ID_PATTERN)
    subject: str
    kind: AdministrationKind
    min_minutes: int | None = Field(default=None, ge=0, le=1440)
    max_minutes: int | None = Field(default=None, ge=0, le=1440)
    instruction: str = Field(min_length=1)
    reviewed: dt.date
    references: list[Citation] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _minutes_match_kind(self) -> AdministrationSpec:
        needed = _MINUTES[self.kind]
        if "max_minutes" in needed and self.max_minutes is None:
            raise ValueError(f"a '{self.kind}' instruction needs max_minutes")
        if "min_minutes" in needed and self.min_minutes is None:
            raise ValueError(f"a '{self.kind}' instruction needs min_minutes")
        if "max_minutes" not in needed and self.max_minutes is not None:
            raise ValueError(f"a '{self.kind}' instruction takes no max_minutes")
        if (self.min_minutes or 0) > (self.max_minutes if self.max_minutes is not None else 1440):
            raise ValueError("min_minutes is larger than max_minutes")
        return self


class IntakeSpec(Strict):
    """One row of an intake table: a daily amount for an age band [age_min, age_max) in years,
    optionally for one sex and life stage. ``ul-supplemental`` rows cap magnesium from supplements
    and medicines only (not food)."""

    nutrient: Literal["magnesium"]
    kind: Literal["rda", "ai", "ul-supplemental"]
    age_min: float = Field(ge=0)
    age_max: float | None = Field(default=None, gt=0)
    sex: Literal["F", "M"] | None = None
    life_stage: Literal["pregnancy", "lactation"] | None = None
    mg_per_day: float | None = Field(default=None, ge=0)  # None: none established
    ref: str = Field(min_length=1)
    section: str | None = None
    note: str | None = None


# Placeholders a dose rule's message and management may use (filled in by check.dose).
DOSE_MESSAGE_FIELDS = ("total", "limit", "group", "items", "not_counted")


class DoseRuleSpec(Strict):
    """What to say when a daily total exceeds an ``ul-supplemental`` limit."""

    id: str = Field(pattern=ID_PATTERN)
    nutrient: Literal["magnesium"]
    severity: Severity
    action: Action
    evidence: Evidence
    mechanism: str = Field(min_length=1)
    message: str = Field(min_length=1)
    management: str = Field(min_length=1)
    reviewed: dt.date
    references: list[Citation] = Field(min_length=1)


class LabelStrengthSpec(Strict):
    """Magnesium per unit of a product as its label states it (a tablet, or a volume of liquid)."""

    products: list[str] = Field(min_length=1)  # entity ids sold with this label
    form: str  # the magnesium-form entity the label's salt is
    per: Literal["tablet", "capsule", "sachet", "mL"]
    per_amount: float = Field(default=1, gt=0)  # e.g. 15 for "per 15 mL"
    salt_mg: float | None = Field(default=None, gt=0)
    elemental_mg: float | None = Field(default=None, gt=0)
    ref: str = Field(min_length=1)
    section: str | None = None
    quote: str | None = None

    @model_validator(mode="after")
    def _an_amount(self) -> LabelStrengthSpec:
        if self.salt_mg is None and self.elemental_mg is None:
            raise ValueError("a label strength needs salt_mg, elemental_mg or both")
        return self


class ConfusableSpec(Strict):
    """Names a medication-safety body lists as confused with each other. Every name here, known to
    the rules or not, is a rival in approximate matching, so a misspelling near two of them is
    asked about rather than guessed, and a listed name we do not cover is never read as its
    partner."""

    names: list[Name] = Field(min_length=2)
    ref: str = Field(min_length=1)
    note: str | None = None


class RuleFile(Strict):
    """One file under rules/. A file that declares nothing at all is refused by the loader (an
    emptied or truncated file would otherwise pass as 'OK')."""

    references: dict[str, ReferenceSpec] = {}
    entity: list[EntitySpec] = []
    rule: list[RuleSpec] = []
    administration: list[AdministrationSpec] = []
    intake: list[IntakeSpec] = []
    dose_rule: list[DoseRuleSpec] = []
    label_strength: list[LabelStrengthSpec] = []
    confusable: list[ConfusableSpec] = []
