"""Many rules against one profile, fast: interned conditions and one generated function per rule."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable

from policies.rules.evaluation import MET, Compiled, compile_condition


class RuleSet:
    """Many rules evaluated against one profile, fast.

    Conditions are interned: a library of 50,000 policies has only a few hundred distinct
    conditions ("employees ≤ 300", "holds high_tech" ...), so each is evaluated once per profile
    (`outcomes`), and each rule is generated as one small Python function over those outcomes
    (no call per condition). Rules with the same JSON share their function. The generated code
    holds only integer indexes and arithmetic; condition values live in the interned closures.
    The result is the same (cost_true, cost_false) as `compile_rule` (a test checks it).
    """

    def __init__(self):
        self._condition_index: dict[str, int] = {}
        self._conditions: list[Compiled] = []
        self._functions: dict[str, Callable] = {}
        self._factories: dict[str, Callable] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._conditions)

    def outcomes(self, facts: dict) -> list[tuple[int, int]]:
        return [condition(facts) for condition in self._conditions]

    def compile(self, rule: dict) -> Callable[[list], tuple[int, int]]:
        key = json.dumps(rule, sort_keys=True, separators=(",", ":"))
        function = self._functions.get(key)
        if function is None:
            with self._lock:
                function = self._functions.get(key) or self._generate(rule, key)
        return function

    def _intern(self, condition: dict) -> int:
        key = json.dumps(condition, sort_keys=True, separators=(",", ":"))
        index = self._condition_index.get(key)
        if index is None:
            index = len(self._conditions)
            self._conditions.append(compile_condition(condition))
            self._condition_index[key] = index
        return index

    def _generate(self, rule: dict, key: str) -> Callable:
        if not rule:
            function = _always_met
        else:
            lines: list[str] = []
            leaves: list[int] = []
            true_var, false_var = self._emit(rule, lines, itertools.count(), leaves)
            lines.append(f"return ({true_var}, {false_var})")
            # The source depends only on the rule's shape (leaves are parameters), so rules of
            # the same shape share one compiled factory and compiling a rule is a closure call.
            parameters = ", ".join(f"i{position}" for position in range(len(leaves)))
            source = f"def make({parameters}):\n    def rule(o):\n        " + "\n        ".join(lines)
            source += "\n    return rule"
            factory = self._factories.get(source)
            if factory is None:
                namespace: dict = {}
                exec(compile(source, "<eligibility rule>", "exec"), namespace)  # noqa: S102 - indexes only
                factory = self._factories[source] = namespace["make"]
            function = factory(*leaves)
        self._functions[key] = function
        return function

    def _emit(self, node: dict, lines: list[str], counter, leaves: list[int]) -> tuple[str, str]:
        if "not" in node:
            true_var, false_var = self._emit(node["not"], lines, counter, leaves)
            return false_var, true_var
        name = f"v{next(counter)}"
        if "all" in node or "any" in node:
            children = [
                self._emit(item, lines, counter, leaves) for item in node["all" if "all" in node else "any"]
            ]
            # all: true costs add up, false takes the cheapest child; any: the dual.
            summed, least = (0, 1) if "all" in node else (1, 0)
            lines.append(f"{name}{'tf'[summed]} = " + " + ".join(child[summed] for child in children))
            lines.append(f"if {name}{'tf'[summed]} > 2: {name}{'tf'[summed]} = 2")
            lines.append(f"{name}{'tf'[least]} = {children[0][least]}")
            for child in children[1:]:
                lines.append(f"if {child[least]} < {name}{'tf'[least]}: {name}{'tf'[least]} = {child[least]}")
            return f"{name}t", f"{name}f"
        lines.append(f"{name}t, {name}f = o[i{len(leaves)}]")
        leaves.append(self._intern(node))
        return f"{name}t", f"{name}f"


def _always_met(outcomes):
    return MET
