"""The eligibility rule language: validation and evaluation in Python (pure: no ORM).

A rule is JSON. A node is either a combinator or a condition on one enterprise fact:

    {"all": [node, ...]}          every node holds
    {"any": [node, ...]}          at least one node holds
    {"not": node}                 the node does not hold
    {"fact": F, "op": OP, "value": V}     a condition (cluster conditions may add "role")

The empty rule `{}` has no conditions: every enterprise in the policy's scope is eligible.

Evaluation is three-valued: a condition on a fact the profile lacks is *unknown*, and
all / any / not follow Kleene's logic (false wins in `all`, true wins in `any`, `not`
keeps unknown unknown). Only a definitely true rule makes an enterprise eligible, which is
exactly what the SQL compilation in `policies.rules.sql` returns.

Facts are a plain dict built by `facts_from_profile`; the SQL side reads the same facts
from Enterprise columns, so the two evaluations agree (a property-based test checks it).
"""
