"""Names of delimiters for people."""

from wizard.core.sources.csv_reader import DELIMITER_NAMES


def delimiter_name(d: str | None) -> str:
    return DELIMITER_NAMES.get(d or ",", repr(d))
