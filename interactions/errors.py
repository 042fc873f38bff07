"""One exception hierarchy, so the CLI can turn any library error into a one-line message."""

from __future__ import annotations


class InteractionsError(Exception):
    """Base class: every error the library raises on purpose."""


class RuleFileError(InteractionsError):
    """The rule folder is invalid. Carries every problem found, not just the first."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        if len(problems) == 1:
            super().__init__(problems[0])
        else:
            listing = "\n".join(f"  - {p}" for p in problems)
            super().__init__(f"{len(problems)} problems in the rules:\n{listing}\n"
                             f"{len(problems)} problems in all.")


class InputError(InteractionsError):
    """A medication list, patient context or input row cannot be used as given."""


class UnknownNameError(InteractionsError):
    """A name or id asked about (rule id, drug, class) is not in the rules; says what is close."""

    def __init__(self, what: str, text: str, suggestions: list[str]):
        self.text = text
        self.suggestions = suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else "; no close match."
        super().__init__(f"unknown {what} {text!r}{hint}")
