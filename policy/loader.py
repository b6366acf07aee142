"""Load and validate a policy file, with errors an administrator can act on.

Every problem is one line ``"{file}: {dotted.path}: {problem}"``. In the dotted path a
list item that has an ``id`` is named by it (``severities.critical.ack_within``), so the
line points at the entry the administrator sees in the file.
"""

from __future__ import annotations

import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from policy.model import Policy

DEFAULT_POLICY_PATH: Path = Path(__file__).with_name("default.yaml")
"""The bundled reference policy."""

_CROSS_REFERENCE = re.compile(r"^([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*): (.+)$")
_SCALARS = (str, int, float, bool, type(None))


class PolicyError(Exception):
    """The policy file cannot be used. ``errors`` holds one line per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


class _PolicyYamlLoader(yaml.SafeLoader):
    """YAML 1.2-like scalars: ``10:00`` and ``2025-04-01`` stay strings, ``NO`` is not false."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_DROPPED_TAGS = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool"}
_PolicyYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PolicyYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0x[0-9a-fA-F_]+|[-+]?(?:0|[1-9][0-9_]*))$"),
    list("-+0123456789"),
)
_PolicyYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_policy(path: str | os.PathLike[str] | None = None) -> Policy:
    """Read and validate the policy at ``path`` (``None``: the bundled default).

    Raises :class:`PolicyError` listing every problem found.
    """
    source = Path(path) if path is not None else DEFAULT_POLICY_PATH
    name = str(path) if path is not None else str(DEFAULT_POLICY_PATH)
    raw = _read_yaml(source, name)
    if not isinstance(raw, dict):
        found = "an empty file" if raw is None else f"a {type(raw).__name__}"
        raise PolicyError([f"{name}: the file must be a mapping of keys (version, timezone, ...), not {found}"])
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        raise PolicyError(_describe(name, raw, exc)) from None


@lru_cache(maxsize=1)
def default_policy() -> Policy:
    """The bundled default policy, loaded once."""
    return load_policy(None)


def check(path: str | os.PathLike[str] | None) -> int:
    """``haven policy check``: print ``ok`` and return 0, or the errors to stderr and return 1."""
    try:
        load_policy(path)
    except PolicyError as exc:
        for line in exc.errors:
            print(line, file=sys.stderr)
        return 1
    print("ok")
    return 0


def _read_yaml(source: Path, name: str) -> Any:
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError([f"{name}: file not found"]) from None
    except UnicodeDecodeError:
        raise PolicyError([f"{name}: the file is not UTF-8 text"]) from None
    except OSError as exc:
        raise PolicyError([f"{name}: cannot read the file ({exc.strerror or exc})"]) from None
    try:
        return yaml.load(text, Loader=_PolicyYamlLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise PolicyError([f"{name}: {where}: invalid YAML: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise PolicyError([f"{name}: invalid YAML: {exc}"]) from None


def _describe(name: str, raw: dict[str, Any], exc: ValidationError) -> list[str]:
    lines: list[str] = []
    for error in exc.errors(include_url=False):
        loc = _real_loc(raw, error["loc"], keep_last=error["type"] == "missing")
        cause = (error.get("ctx") or {}).get("error")
        if error["type"] == "value_error" and isinstance(cause, ValueError):
            for message in str(cause).splitlines():
                match = _CROSS_REFERENCE.match(message)
                if match:  # a cross-reference problem naming its own path
                    segments = [int(s) if s.isdigit() else s for s in match.group(1).split(".")]
                    lines.append(f"{name}: {_dotted(raw, segments)}: {match.group(2)}")
                else:
                    lines.append(f"{name}: {_dotted(raw, loc)}: {message}")
            continue
        lines.append(f"{name}: {_dotted(raw, loc)}: {_problem(error)}")
    return list(dict.fromkeys(lines))


def _real_loc(raw: Any, loc: tuple[int | str, ...], *, keep_last: bool) -> list[int | str]:
    """Drop pydantic's union tags: keep only segments that exist in the file's data."""
    real: list[int | str] = []
    node = raw
    for i, segment in enumerate(loc):
        in_list = isinstance(node, list) and isinstance(segment, int) and 0 <= segment < len(node)
        if (isinstance(node, dict) and segment in node) or in_list:
            node = node[segment]
        elif keep_last and i == len(loc) - 1:
            pass
        else:
            continue
        real.append(segment)
    return real


def _dotted(raw: Any, loc: list[int | str]) -> str:
    """``['severities', 0, 'ack_within']`` -> ``severities.critical.ack_within``."""
    if not loc:
        return "(top level)"
    parts: list[str] = []
    node = raw
    for segment in loc:
        if isinstance(node, list) and isinstance(segment, int) and 0 <= segment < len(node):
            item = node[segment]
            ids = [x.get("id") for x in node if isinstance(x, dict)]
            item_id = item.get("id") if isinstance(item, dict) else None
            named = isinstance(item_id, str) and ids.count(item_id) == 1 and "." not in item_id
            parts.append(item_id if named and isinstance(item_id, str) else str(segment))
            node = item
        else:
            parts.append(str(segment))
            node = node.get(segment) if isinstance(node, dict) else None
    return ".".join(parts)


def _problem(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see policy/default.yaml for the keys)"
    message = str(error["msg"])
    value = error.get("input")
    if isinstance(value, _SCALARS):
        message += f" (got {value!r})"
    return message
