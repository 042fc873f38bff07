"""Drug-supplement interaction checker for oral magnesium.

>>> from interactions import check
>>> report = check(["doxycycline", "magnesium citrate 400 mg"])
"""

from .check.engine import Checker, check
from .errors import InputError, InteractionsError, RuleFileError
from .models import Finding, MedicationEntry, PatientContext, Report

__version__ = "0.1.0"

__all__ = [
    "Checker", "Finding", "InputError", "InteractionsError", "MedicationEntry", "PatientContext",
    "Report", "RuleFileError", "check",
]
