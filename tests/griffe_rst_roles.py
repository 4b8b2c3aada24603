"""A griffe extension for the documentation site (mkdocs.yml): Sphinx roles in docstrings as code.

The docstrings name other objects the Sphinx way (``:class:`~reviewflow.store.sql.SqlStore```),
which reads well in ``help()`` and in an editor; Markdown would print the role verbatim. This
turns each role into a code span of the name a reader sees: the last part after ``~``, else the
target as written (``:class:`~a.b.C``` -> ```C```, ``:meth:`Store.apply``` -> ```Store.apply```).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:attr|class|data|exc|func|meth|mod|obj):`(~?)([^`]+)`")


def as_code(text: str) -> str:
    """``text`` with every Sphinx role written as a Markdown code span."""

    def span(match: re.Match[str]) -> str:
        short, target = match.groups()
        return f"`{target.rsplit('.', 1)[-1] if short else target}`"

    return ROLE.sub(span, text)


class SphinxRolesAsCode(griffe.Extension):
    """Rewrites each object's docstring as it is loaded (see :func:`as_code`)."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Called by griffe for every object it loads."""
        if obj.docstring is not None:
            obj.docstring.value = as_code(obj.docstring.value)
