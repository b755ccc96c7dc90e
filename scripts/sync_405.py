"""Keep MethodNotAllowedFunction's ANY events equal to the set of paths in template.yaml (`--check`: fail on drift).

Run under the template lock when editing: `flock .template.lock python scripts/sync_405.py`.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
PATH_RE = re.compile(r"Path: \"?(/[^\s\",]*)\"?, Method: (\w+)")
BLOCK_START = "  MethodNotAllowedFunction:\n"


def event_name(path: str) -> str:
    words = re.split(r"[/._{}-]+", path)
    return "".join(word[:1].upper() + word[1:] for word in words if word) or "Root"


def render(paths: list[str]) -> str:
    lines = [
        "  MethodNotAllowedFunction:\n",
        "    Type: AWS::Serverless::Function\n",
        "    Properties:\n",
        '      Description: "Answers a known path with a method it does not have (405 with Allow) and CORS preflights."\n',
        "      CodeUri: functions/system/\n",
        "      Handler: method_not_allowed.handler\n",
        "      MemorySize: 256\n",
        "      Events:\n",
    ]
    for path in paths:
        lines.append(
            f'        {event_name(path)}: {{Type: Api, Properties: {{RestApiId: !Ref Api, Path: "{path}", Method: ANY, '
            "Auth: {Authorizer: NONE, ApiKeyRequired: false}}}\n"
        )
    return "".join(lines)


def synced(text: str) -> str:
    start = text.index(BLOCK_START)
    end = text.index("\n  ", start + len(BLOCK_START))
    # the block ends at the next resource (two-space indent followed by a name)
    match = re.search(r"\n  [A-Za-z]", text[start + len(BLOCK_START) :])
    assert match
    end = start + len(BLOCK_START) + match.start() + 1
    paths = sorted({p for p, method in PATH_RE.findall(text) if method != "ANY"})
    block = render(paths)
    rest = text[end:]
    return text[:start] + block + ("\n" if not rest.startswith("\n") else "") + rest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = TEMPLATE.read_text()
    new = synced(text)
    if args.check:
        if new != text:
            print("template.yaml: MethodNotAllowedFunction's ANY events are stale: run scripts/sync_405.py", file=sys.stderr)
            return 1
        return 0
    TEMPLATE.write_text(new)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
