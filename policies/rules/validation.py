"""Validation of eligibility rules: every problem, with the path of the offending node."""

from __future__ import annotations

import math

from django.utils.translation import gettext as _

from cluster_platform.reference.industries import get_industry
from cluster_platform.reference.regions import get_region
from policies.rules.catalogue import (
    COMBINATORS,
    FACTS,
    MAX_CONDITIONS,
    MAX_DEPTH,
    MEMBERSHIP_ROLES,
    QUALIFICATIONS,
    SIZE_CLASSES,
    Fact,
    codes_of,
    iter_conditions,
    plain,
)


def validate_rule(rule) -> list[str]:
    """Every problem in `rule`, each prefixed with the path of the offending node
    (e.g. `all[2].not.value`); an empty list means the rule is valid."""
    errors: list[str] = []
    if not isinstance(rule, dict):
        return [_("rule: must be a JSON object.")]
    if rule == {}:
        return []
    counter = [0]
    _validate_node(rule, "rule", 1, errors, counter)
    if counter[0] > MAX_CONDITIONS:
        errors.append(_("rule: at most %(max)d conditions are allowed.") % {"max": MAX_CONDITIONS})
    if not errors:
        errors.extend(_unknown_cluster_errors(rule))
    return errors


def _unknown_cluster_errors(rule: dict) -> list[str]:
    """Cluster conditions must name an existing cluster (the one look-up validation makes)."""
    wanted = {
        (path, condition["value"])
        for path, condition, _n in iter_conditions(rule)
        if condition["fact"] == "cluster"
    }
    if not wanted:
        return []
    from cluster_platform.models import Cluster

    existing = set(
        Cluster.objects.filter(slug__in={slug for _p, slug in wanted}).values_list("slug", flat=True)
    )
    return [
        _("%(path)s.value: unknown cluster %(slug)r.") % {"path": path, "slug": slug}
        for path, slug in sorted(wanted)
        if slug not in existing
    ]


def _validate_node(node, path: str, depth: int, errors: list[str], counter: list[int]) -> None:
    if not isinstance(node, dict):
        errors.append(_("%(path)s: must be a JSON object.") % {"path": path})
        return
    if depth > MAX_DEPTH:
        errors.append(
            _("%(path)s: rules nest at most %(max)d levels deep.") % {"path": path, "max": MAX_DEPTH}
        )
        return
    combinators = [key for key in COMBINATORS if key in node]
    if combinators:
        if len(node) != 1:
            errors.append(
                _("%(path)s: a combinator node holds exactly one key (all, any or not), found: %(keys)s.")
                % {"path": path, "keys": ", ".join(sorted(node))}
            )
            return
        key = combinators[0]
        child = node[key]
        if key == "not":
            _validate_node(child, f"{path}.not", depth + 1, errors, counter)
            return
        if not isinstance(child, list) or not child:
            errors.append(
                _("%(path)s.%(key)s: must be a non-empty list of rules.") % {"path": path, "key": key}
            )
            return
        for index, item in enumerate(child):
            _validate_node(item, f"{path}.{key}[{index}]", depth + 1, errors, counter)
        return
    if "fact" not in node:
        errors.append(
            _("%(path)s: expected a condition (fact, op, value) or one of all / any / not, found: %(keys)s.")
            % {"path": path, "keys": ", ".join(sorted(node)) or "{}"}
        )
        return
    counter[0] += 1
    _validate_condition(node, path, errors)


def _validate_condition(node: dict, path: str, errors: list[str]) -> None:
    fact_name = node.get("fact")
    fact = FACTS.get(fact_name) if isinstance(fact_name, str) else None
    if fact is None:
        errors.append(
            _("%(path)s.fact: unknown fact %(fact)r; known facts: %(known)s.")
            % {"path": path, "fact": fact_name, "known": ", ".join(FACTS)}
        )
        return
    allowed_keys = {"fact", "op", "value"} | ({"role"} if fact.kind == "cluster" else set())
    extra = sorted(set(node) - allowed_keys)
    if extra:
        errors.append(
            _("%(path)s: unexpected keys %(keys)s in a %(fact)s condition.")
            % {"path": path, "keys": ", ".join(extra), "fact": fact.name}
        )
    op = node.get("op")
    if op not in fact.ops:
        errors.append(
            _("%(path)s.op: operator %(op)r does not apply to %(fact)s; use one of: %(ops)s.")
            % {"path": path, "op": op, "fact": fact.name, "ops": ", ".join(fact.ops)}
        )
        return
    if "value" not in node:
        errors.append(_("%(path)s.value: a value is required.") % {"path": path})
        return
    problem = _value_problem(fact, op, node["value"])
    if problem:
        errors.append(f"{path}.value: {problem}")
    if fact.kind == "cluster" and "role" in node and node["role"] not in MEMBERSHIP_ROLES:
        errors.append(
            _("%(path)s.role: must be one of %(roles)s.")
            % {"path": path, "roles": ", ".join(MEMBERSHIP_ROLES)}
        )


def _is_number(value) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and not (isinstance(value, float) and not math.isfinite(value))
    )


def _number_problem(fact: Fact, value) -> str | None:
    if not _is_number(value):
        return _("must be a number.")
    if fact.kind == "integer" and not float(value).is_integer():
        return _("must be a whole number.")
    if fact.minimum is not None and value < fact.minimum:
        return _("must be at least %(min)s.") % {"min": plain(fact.minimum)}
    if fact.maximum is not None and value > fact.maximum:
        return _("must be at most %(max)s.") % {"max": plain(fact.maximum)}
    return None


def _value_problem(fact: Fact, op: str, value) -> str | None:
    if fact.kind in ("region", "industry"):
        codes = codes_of(value)
        if codes is None:
            return _("must be a code or a non-empty list of codes.")
        lookup = get_region if fact.kind == "region" else get_industry
        unknown = [code for code in codes if lookup(code) is None]
        if unknown:
            if fact.kind == "region":
                return _("unknown GB/T 2260 region code(s): %(codes)s.") % {"codes": ", ".join(unknown)}
            return _("unknown GB/T 4754-2017 industry code(s): %(codes)s.") % {"codes": ", ".join(unknown)}
        return None
    if fact.kind == "choice":
        if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
            return _("must be a non-empty list of size classes.")
        unknown = [item for item in value if item not in SIZE_CLASSES]
        if unknown:
            return _("unknown size class(es) %(items)s; use: %(known)s.") % {
                "items": ", ".join(unknown),
                "known": ", ".join(SIZE_CLASSES),
            }
        return None
    if fact.kind == "set":
        if value not in QUALIFICATIONS:
            return _("unknown qualification %(value)r; use one of: %(known)s.") % {
                "value": value,
                "known": ", ".join(QUALIFICATIONS),
            }
        return None
    if fact.kind == "cluster":
        if not isinstance(value, str) or not value:
            return _("must be a cluster slug.")
        return None
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            return _("between takes a list of two numbers [low, high].")
        for bound in value:
            problem = _number_problem(fact, bound)
            if problem:
                return problem
        if value[0] > value[1]:
            return _("the low bound must not exceed the high bound.")
        return None
    return _number_problem(fact, value)
