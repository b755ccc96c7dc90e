"""The YAML front matter of a raw prompt download (API.md §3): `---`, one `key: value` line per field, `---`.

Written by PyYAML's own emitter, so that PyYAML's `safe_load` (YAML 1.1, the reader most tools use) and YAML 1.2
readers load back exactly the values written. JSON text, as the file had before, is YAML 1.2 but not 1.1: 1.1
reads `1e-05` as a string and refuses non-characters such as U+FFFE written raw. Here every string is
double-quoted (so `yes`, `on`, `~`, `0x1A`, `1_000` or `2026-01-01` stay strings, and a value never spans
lines: no line of the front matter can be a `---` that ends it early), characters YAML may not hold raw are
escaped (`\\x01`, `\\uFFFE`, `\\U0001FFFE`, `\\L`), floats carry a dot (`1.0e-05`), and lists and objects are
written inline, as JSON writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"


class _FrontMatterDumper(yaml.SafeDumper):
    """SafeDumper with double-quoted strings and no anchors (a value used twice is written twice)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _double_quoted(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar(_STR, value, style='"')


_FrontMatterDumper.add_representer(str, _double_quoted)


class _Fields(dict[str, Any]):
    """The top-level mapping: one line per field, its key written plain (field names are plain words)."""


def _fields(dumper: yaml.SafeDumper, fields: _Fields) -> yaml.MappingNode:
    pairs = [(yaml.ScalarNode(_STR, key), dumper.represent_data(value)) for key, value in fields.items()]
    return yaml.MappingNode(_MAP, pairs, flow_style=False)


_FrontMatterDumper.add_representer(_Fields, _fields)


def front_matter(fields: Mapping[str, Any]) -> str:
    """`fields` (plain JSON-like values: str, int, float, bool, None, lists and dicts of them) as a front matter
    block, closing `---` line included."""
    body = yaml.dump(
        _Fields(fields),
        Dumper=_FrontMatterDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=True,
        width=float("inf"),
    )
    return f"---\n{body}---\n"
