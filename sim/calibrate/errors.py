"""The error of a bad or partial return: it names the file, the row, the column, the value
and the rule, so that a planner can find and fix it."""

from __future__ import annotations

_UNSET = object()


class ReturnsError(ValueError):
    """A problem in the returns a planner must fix; ``str()`` is the message to show
    (``file: row R: column 'C': value V: rule``, the parts that apply)."""

    def __init__(
        self,
        file: str,
        rule: str,
        row: object = None,
        column: str | None = None,
        value: object = _UNSET,
    ) -> None:
        self.file, self.rule, self.row, self.column = file, rule, row, column
        self.value = None if value is _UNSET else value
        parts = [file]
        if row is not None:
            parts.append(f"row {row}")
        if column is not None:
            parts.append(f"column '{column}'")
        if value is not _UNSET:
            shown = "(empty)" if _blank(value) else repr(value)
            parts.append(f"value {shown[:57] + '...' if len(shown) > 60 else shown}")
        parts.append(rule)
        super().__init__(": ".join(parts))


def _blank(value: object) -> bool:
    """An empty cell: None, NaN, NaT or blank text."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False


class ReaderError(ReturnsError):
    """A return the reader (``sim.returns.read``) refused: its message, which names the
    file, row, column, value and rule, as it is."""

    def __init__(self, message: str) -> None:
        ValueError.__init__(self, message)
        self.file, self.rule, self.row, self.column, self.value = "", message, None, None, None
