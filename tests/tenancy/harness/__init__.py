"""The cross-cluster isolation harness.

It walks every URL pattern under /api/v1/clusters/<cluster_slug>/ from the URL resolver, so a
new endpoint is attacked without anyone listing it, and for every HTTP method the view answers
it sends requests as each role a user can hold in cluster B (the attacker's home):

  (a) against cluster A's URL (A's slug, A's object ids in the path);
  (b) against cluster B's URL with A's object ids in the path (or, for a list route, a body
      that references A's rows).

After every request it checks that the answer contains no id of A's non-public rows, that
the status is one the scenario allows, and, for writes, that none of A's rows changed.
Every request runs inside a savepoint that is rolled back afterwards, so each one sees the
same world whatever the previous request did.

One module per subject, each read on its own:

  discovery  the endpoints (URL patterns, their methods, models and query parameters)
  victims    cluster A's rows, which of them are secret, and a digest to tell a change
  requests   what to send: path arguments, hostile bodies, query values, one rolled-back request
  judging    what an answer may and may not do, per scenario
  attacks    the loops that put them together: `attack`, `attack_platform`, `query_attack`

The functions return plain lists of problems; the tests assert they are empty (or, for a
deliberately unscoped view, that they are not).
"""
