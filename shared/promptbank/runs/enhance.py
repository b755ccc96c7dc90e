"""Prompt enhancement: the meta-prompt sent to the model, and reading its JSON answer (or falling back)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

ENHANCE_SYSTEM_PROMPT = """\
You are an expert prompt engineer. You review prompts written for large language models and rewrite them \
so that a model following them produces better, more reliable results.

When you improve a prompt:
- Keep the author's intent, audience, language and any output format they asked for.
- Make the task, the context and the expected output explicit; replace vague words with concrete criteria.
- Add structure where it helps (short sections or numbered steps), and constraints the task clearly needs \
(length, tone, what to do when information is missing).
- Keep every template placeholder exactly as written, including its braces, e.g. {{customer_name}} or \
{{#notes}}...{{/notes}}; never invent new placeholders.
- Do not answer or carry out the prompt yourself; only improve it.
- Prefer concise wording: do not pad the prompt.

List the issues you found in the original prompt as short, specific sentences (for example "The expected \
output format is not specified."). If the prompt is already good, make only small improvements and return \
an empty list of issues.

Answer with a single JSON object and nothing else, exactly in this shape:
{"enhanced_prompt": "<the improved prompt>", "issues": ["<issue>", "..."]}"""

ENHANCE_USER_TEMPLATE = "Improve this prompt:\n\n<prompt>\n{prompt}\n</prompt>"

_FENCE = re.compile(r"^```[a-zA-Z0-9_-]*\s*\n(.*?)\n?```\s*$", re.DOTALL)


@dataclass(frozen=True)
class Enhancement:
    enhanced_prompt: str
    issues: list[str]


def user_message(prompt: str) -> str:
    return ENHANCE_USER_TEMPLATE.format(prompt=prompt)


def parse_answer(answer: str) -> Enhancement:
    """The model's JSON answer; anything else degrades to the whole text as the prompt, with no issues."""
    text = answer.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    candidate = text
    if not candidate.startswith("{"):
        start, end = candidate.find("{"), candidate.rfind("}")
        candidate = candidate[start : end + 1] if 0 <= start < end else ""
    try:
        data = json.loads(candidate) if candidate else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        enhanced = data.get("enhanced_prompt")
        issues = data.get("issues", [])
        if isinstance(enhanced, str) and enhanced.strip() and isinstance(issues, list):
            found = [str(issue).strip() for issue in issues if str(issue).strip()]
            return Enhancement(enhanced.strip(), found)
    return Enhancement(answer.strip(), [])
