"""What a consumer's code dispatches on and reads of event payloads, found in its source.

Recognised: `match payload:` cases on contract classes (the fields read in each case),
`x = parse_as(Contract, event)` (the fields read of `x`), `isinstance(x, Contract)` and
`Contract.event_type` (dispatch), loops over a payload list (`lines[].amount`), and
`model_dump()` (every field). A payload bound by a `parse_*` call and read outside a
`match` is read whatever its type: those reads count for every declared event.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType

from tessera_common.events.registry import CONTRACTS

EVENT_OF_CLASS = {contract.__name__: name for name, contract in CONTRACTS.items()}
WHOLE = ("model_dump", "model_dump_json")


@dataclass
class Reads:
    dispatched: set[str] = field(default_factory=set)
    by_event: dict[str, set[str]] = field(default_factory=dict)
    any_event: set[str] = field(default_factory=set)

    def of(self, event_type: str, offered: Mapping[str, object]) -> set[str]:
        """The leaf field paths read of one event type, given the paths its schema offers."""
        return _leaves(self.by_event.get(event_type, set()) | self.any_event, offered)


def consumer_reads(module: ModuleType) -> Reads:
    tree = ast.parse(inspect.getsource(module))
    reads = Reads()
    generic: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Match) and isinstance(node.subject, ast.Name):
            for case in node.cases:
                event = (
                    _event_of(case.pattern.cls)
                    if isinstance(case.pattern, ast.MatchClass)
                    else None
                )
                if event is not None:
                    reads.dispatched.add(event)
                    found = _reads(_walk(case.body), {node.subject.id: ""})
                    reads.by_event.setdefault(event, set()).update(found)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            target = node.targets[0]
            callee = _name(node.value.func)
            if not isinstance(target, ast.Name) or not callee.startswith("parse_"):
                continue
            event = _event_of(node.value.args[0]) if callee == "parse_as" else None
            if event is not None:
                reads.dispatched.add(event)
                found = _reads(_walk(tree.body), {target.id: ""})
                reads.by_event.setdefault(event, set()).update(found)
            else:
                generic.add(target.id)
        elif isinstance(node, ast.Call) and _name(node.func) == "isinstance":
            event = _event_of(node.args[1])
            if event is not None:
                reads.dispatched.add(event)
        elif isinstance(node, ast.Attribute) and node.attr == "event_type":
            event = _event_of(node.value)
            if event is not None:
                reads.dispatched.add(event)
    reads.any_event = _reads(_walk(tree.body, skip_matches=True), dict.fromkeys(generic, ""))
    return reads


def _event_of(node: ast.expr) -> str | None:
    return EVENT_OF_CLASS.get(_name(node))


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _walk(nodes: list[ast.stmt], *, skip_matches: bool = False) -> list[ast.AST]:
    """Every node under `nodes`; without `match` statements when `skip_matches`."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(nodes)
    while stack:
        node = stack.pop()
        if not (skip_matches and isinstance(node, ast.Match)):
            found.append(node)
            stack.extend(ast.iter_child_nodes(node))
    return found


def _reads(walked: list[ast.AST], bindings: dict[str, str]) -> set[str]:
    """Field paths read from the bound names, following loops over their lists."""
    bindings = dict(bindings)
    changed = True
    while changed:  # loops may nest: bind until nothing new
        changed = False
        for node in walked:
            if isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
                source = _path(node.iter, bindings)
                target = node.target
                if source and isinstance(target, ast.Name) and target.id not in bindings:
                    bindings[target.id] = f"{source}[]"
                    changed = True
    return {path for node in walked if (path := _path(node, bindings))}


def _path(node: ast.AST, bindings: Mapping[str, str]) -> str | None:
    if not isinstance(node, ast.Attribute) or not isinstance(node.value, ast.Name):
        return None
    prefix = bindings.get(node.value.id)
    if prefix is None:
        return None
    name = "*" if node.attr in WHOLE else node.attr
    return f"{prefix}.{name}" if prefix else name


def _leaves(paths: set[str], offered: Mapping[str, object]) -> set[str]:
    """Paths as leaf fields: a read of a list or object field reads what it holds, unless
    its parts are read one by one."""
    leaves: set[str] = set()
    for path in paths:
        base = path.removesuffix(".*")
        under = {
            leaf for leaf in offered if leaf.startswith(f"{base}.") or leaf.startswith(f"{base}[]")
        }
        if path.endswith(".*") or not any(p.startswith((f"{base}.", f"{base}[]")) for p in paths):
            leaves |= under or {base}
    return leaves
