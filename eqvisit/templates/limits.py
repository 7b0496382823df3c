"""Size and depth limits that keep hostile or broken template files from exhausting the machine."""

from __future__ import annotations

#: A YAML template or framework file larger than this is refused before it is parsed.
MAX_YAML_BYTES = 2 * 1024 * 1024
#: An XLSX workbook larger than this (on disk) is refused before it is opened.
MAX_XLSX_BYTES = 10 * 1024 * 1024
#: The sum of the uncompressed sizes of an XLSX workbook's parts (guards against zip bombs).
MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024
#: Rows read from one worksheet at most.
MAX_XLSX_ROWS = 5000
#: Nesting of mappings and lists in a template document (a template needs about 30 at most).
MAX_NESTING = 48
#: Values (mappings, lists, scalars) in one document, as parsed and again after alias expansion.
#: A question takes about 30, so this allows some 650 questions.
MAX_NODES = 20_000
#: Nesting of ``show_if`` conditions (``not``/``all``/``any`` inside each other).
MAX_CONDITION_DEPTH = 8
#: Characters in one ``show_if`` cell of a workbook.
MAX_CONDITION_TEXT = 2000
