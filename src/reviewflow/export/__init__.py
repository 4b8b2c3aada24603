"""Exports for the office and the forms' paper trail: the review forms (点评表) as Word documents
and the ledger, coverage and yearly summary as Excel workbooks.

Needs the ``export`` extra (python-docx, openpyxl). Every function reads through the
:class:`~reviewflow.ReviewService` with the acting person's scope; when the library refuses the
actor (:class:`~reviewflow.OutOfScope`), nothing is written.
"""

from __future__ import annotations

try:
    import docx as _docx
    import openpyxl as _openpyxl  # type: ignore[import-untyped]
except ImportError as error:  # pragma: no cover - the extra is installed wherever tests run
    raise ImportError(
        f"reviewflow.export needs python-docx and openpyxl ({error.name} is missing): "
        "pip install 'reviewflow[export]'"
    ) from error

from reviewflow.export.forms import period_forms, review_form
from reviewflow.export.reports import coverage_workbook, ledger_workbook, summary_workbook

del _docx, _openpyxl

__all__ = [
    "coverage_workbook",
    "ledger_workbook",
    "period_forms",
    "review_form",
    "summary_workbook",
]
