"""promptbank's template language (API.md section 3): parse once into an immutable tree, render fast.

Pure and deterministic, standard library only. See docs/templates.md for the language itself.
"""

from promptbank.templates.model import (
    MAX_COMPILED_CHARS,
    MAX_INCLUDE_DEPTH,
    TYPES,
    Compiled,
    CompiledTooLarge,
    IncludeRef,
    TemplateSyntaxError,
    VariableSpec,
)
from promptbank.templates.parser import Declaration, Template, parse, parse_cached
from promptbank.templates.render import (
    check_compiled_size,
    check_include_cycles,
    check_includes,
    compile_parts,
)
from promptbank.templates.specs import variable_specs
from promptbank.templates.values import is_empty

__all__ = [
    "MAX_COMPILED_CHARS",
    "MAX_INCLUDE_DEPTH",
    "TYPES",
    "Compiled",
    "CompiledTooLarge",
    "Declaration",
    "IncludeRef",
    "Template",
    "TemplateSyntaxError",
    "VariableSpec",
    "check_compiled_size",
    "check_include_cycles",
    "check_includes",
    "compile_parts",
    "is_empty",
    "parse",
    "parse_cached",
    "variable_specs",
]
