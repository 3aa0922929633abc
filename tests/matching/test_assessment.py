"""Digital-maturity self-assessment: scoring, levels at the boundaries, validation, and the API."""

import pytest

from enterprises.assessment import (
    AnswersInvalid,
    answers_validate,
    assessment_score,
    level_for_score,
    questionnaire_load,
    weakest_dimensions,
)
from enterprises.models import Assessment, Enterprise
from tests.cluster_platform.factories import ClusterFactory, staff_member
from tests.enterprises.factories import EnterpriseUserFactory, MembershipFactory, member_user

Q = questionnaire_load("v1")


def answers(pick: str = "max", **overrides) -> dict:
    """Answers to every question: the best ("max") or the worst ("min") option, with overrides."""
    result = {}
    for question in Q["questions"]:
        options = sorted(question["options"], key=lambda option: option["score"])
        option = options[-1] if pick == "max" else options[0]
        if question["type"] == "multiple":
            chosen = [o["code"] for o in question["options"] if not o.get("exclusive")]
            result[question["code"]] = chosen if pick == "max" else [options[0]["code"]]
        else:
            result[question["code"]] = option["code"]
    result.update(overrides)
    return result


def test_questionnaire_weights_add_up_to_100_and_follow_the_four_miit_dimensions():
    assert [d["name"] for d in Q["dimensions"]] == ["数字化基础", "数字化经营", "数字化管理", "数字化成效"]
    assert sum(d["weight"] for d in Q["dimensions"]) == 100


@pytest.mark.parametrize(
    ("score", "level"),
    [(0, 0), (19.9, 0), (20, 1), (39.9, 1), (40, 2), (59.9, 2), (60, 3), (79.9, 3), (80, 4), (100, 4)],
)
def test_level_boundaries(score, level):
    assert level_for_score(score, Q["levels"]) == level


def test_best_answers_score_100_at_level_4_with_no_gap():
    result = assessment_score(Q, answers_validate(Q, answers("max")))
    assert result.score == 100
    assert result.level == 4
    assert result.weakest_dimensions == []


def test_worst_answers_score_0_at_level_0():
    result = assessment_score(Q, answers_validate(Q, answers("min")))
    assert result.score == 0
    assert result.level == 0
    assert set(result.dimension_scores.values()) == {0}


def test_dimension_points_and_the_weakest_dimension_named():
    # Everything best except the management questions at their worst: 数字化管理 is the gap.
    given = answers("max", M1="a", M2="a", M3="a")
    result = assessment_score(Q, answers_validate(Q, given))
    assert result.dimension_scores == {"foundation": 30, "operation": 40, "management": 0, "outcome": 15}
    assert result.score == 85
    assert result.level == 4
    assert result.weakest_dimensions == ["management"]


def test_several_answer_question_sums_its_options_capped_at_one():
    partial = answers("max", F4=["firewall", "backup"])  # 0.3 + 0.3 of weight 2 in foundation (10)
    result = assessment_score(Q, answers_validate(Q, partial))
    assert result.dimension_scores["foundation"] == pytest.approx(30 * (8 + 2 * 0.6) / 10)


def test_unanswered_optional_question_scores_zero():
    given = answers("max")
    del given["M3"]
    result = assessment_score(Q, answers_validate(Q, given))
    assert result.dimension_scores["management"] == pytest.approx(15 * 4 / 5)


def test_weakest_names_at_most_two_close_gaps():
    assert weakest_dimensions({"a": 0.2, "b": 0.25, "c": 0.28, "d": 0.9}) == ["a", "b"]
    assert weakest_dimensions({"a": 0.2, "b": 0.5, "c": 0.9, "d": 0.9}) == ["a"]
    assert weakest_dimensions({"a": 0.85, "b": 0.9}) == []


@pytest.mark.parametrize(
    ("given", "field", "fragment"),
    [
        ({**answers(), "X9": "a"}, "answers.X9", "Unknown question"),
        ({k: v for k, v in answers().items() if k != "F1"}, "answers.F1", "required"),
        ({**answers(), "F1": "z"}, "answers.F1", "not offered"),
        ({**answers(), "F1": ["a"]}, "answers.F1", "exactly one"),
        ({**answers(), "F4": ["none", "backup"]}, "answers.F4", "cannot be combined"),
        ({**answers(), "F4": ["backup", "backup"]}, "answers.F4", "twice"),
        ({**answers(), "F4": []}, "answers.F4", "one or more"),
    ],
)
def test_validation_names_the_field(given, field, fragment):
    with pytest.raises(AnswersInvalid) as invalid:
        answers_validate(Q, given)
    assert field in invalid.value.errors
    assert fragment in invalid.value.errors[field][0]


# --- API ------------------------------------------------------------------------------------


@pytest.fixture
def setting(db):
    cluster = ClusterFactory()
    sme_user, sme = member_user(cluster, "sme")
    partner_user, _ = member_user(cluster, "partner")
    staff = {role: staff_member(cluster, role) for role in ("admin", "operator", "viewer")}
    return {
        "cluster": cluster,
        "sme_user": sme_user,
        "sme": sme,
        "partner_user": partner_user,
        **staff,
    }


def url(cluster, suffix=""):
    return f"/api/v1/clusters/{cluster.slug}/assessments/{suffix}"


def test_sme_submits_an_assessment_and_its_level_is_updated(
    setting, client_for, django_capture_on_commit_callbacks
):
    client = client_for(setting["sme_user"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(setting["cluster"]), {"answers": answers("max", M1="a", M2="a", M3="a")})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["score"] == 85.0
    assert body["level"] == 4
    assert body["weakest_dimensions"] == ["management"]
    assert Enterprise.objects.get(pk=setting["sme"].pk).digital_maturity_level == 4


def test_invalid_answers_give_field_errors_and_store_nothing(setting, client_for):
    client = client_for(setting["sme_user"])
    given = {**answers(), "F1": "z", "X1": "a"}
    del given["O1"]
    response = client.post(url(setting["cluster"]), {"answers": given})
    assert response.status_code == 400
    attrs = {error["attr"] for error in response.json()["errors"]}
    assert {"answers.F1", "answers.X1", "answers.O1"} <= attrs
    assert not Assessment.objects.exists()
    assert Enterprise.objects.get(pk=setting["sme"].pk).digital_maturity_level is None


def test_unknown_questionnaire_version_is_a_field_error(setting, client_for):
    response = client_for(setting["sme_user"]).post(
        url(setting["cluster"]), {"answers": answers(), "questionnaire_version": "v99"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "questionnaire_version"


@pytest.mark.parametrize("role", ["anonymous", "partner", "admin", "operator", "viewer"])
def test_only_sme_members_submit(setting, client_for, role):
    user = None if role == "anonymous" else setting["partner_user" if role == "partner" else role]
    response = client_for(user).post(url(setting["cluster"]), {"answers": answers()})
    assert response.status_code in (401, 403)
    assert not Assessment.objects.exists()


def test_sme_cannot_assess_another_enterprise(setting, client_for):
    other = EnterpriseUserFactory().enterprise
    MembershipFactory(cluster=setting["cluster"], enterprise=other, role="sme")
    response = client_for(setting["sme_user"]).post(
        url(setting["cluster"]), {"answers": answers(), "enterprise": str(other.pk)}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "enterprise"
    assert not Assessment.objects.exists()


def _assess(cluster, enterprise, score, level):
    return Assessment.objects.create(
        cluster=cluster,
        enterprise=enterprise,
        questionnaire_version="v1",
        answers={},
        score=score,
        level=level,
    )


@pytest.mark.parametrize(
    ("role", "visible"), [("sme", 1), ("partner", None), ("viewer", 2), ("anonymous", None)]
)
def test_who_sees_which_assessments(setting, client_for, role, visible):
    other = EnterpriseUserFactory().enterprise
    MembershipFactory(cluster=setting["cluster"], enterprise=other, role="sme")
    _assess(setting["cluster"], setting["sme"], 30, 1)
    _assess(setting["cluster"], other, 50, 2)
    user = {"sme": setting["sme_user"], "partner": setting["partner_user"], "viewer": setting["viewer"]}.get(
        role
    )
    response = client_for(user).get(url(setting["cluster"]))
    if visible is None:
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 200
        assert response.json()["count"] == visible


def test_uplift_between_first_and_latest(setting, client_for):
    cluster = setting["cluster"]
    first = _assess(cluster, setting["sme"], 25, 1)
    _assess(cluster, setting["sme"], 45, 2)
    latest = _assess(cluster, setting["sme"], 62.5, 3)
    Assessment.objects.filter(pk=first.pk).update(created_at=first.created_at.replace(year=2025))
    # An assessment in another cluster is not this agency's business.
    _assess(ClusterFactory(), setting["sme"], 99, 4)
    response = client_for(setting["viewer"]).get(url(cluster, "uplift/"))
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["first_assessment"] == str(first.pk)
    assert row["latest_assessment"] == str(latest.pk)
    assert row["first_score"] == 25.0
    assert row["latest_score"] == 62.5
    assert row["score_uplift"] == 37.5
    assert row["level_uplift"] == 2


@pytest.mark.parametrize("role", ["sme", "partner"])
def test_uplift_is_for_staff_only(setting, client_for, role):
    response = client_for(setting[f"{role}_user"]).get(url(setting["cluster"], "uplift/"))
    assert response.status_code == 403


def test_uplift_query_count_does_not_grow(setting, client_for, django_assert_max_num_queries):
    cluster = setting["cluster"]
    client = client_for(setting["admin"])

    def add(n):
        for _ in range(n):
            enterprise = EnterpriseUserFactory().enterprise
            MembershipFactory(cluster=cluster, enterprise=enterprise, role="sme")
            _assess(cluster, enterprise, 20, 1)
            _assess(cluster, enterprise, 41, 2)

    add(2)
    with django_assert_max_num_queries(8) as small:
        assert client.get(url(cluster, "uplift/")).json()["count"] == 2
    add(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url(cluster, "uplift/")).json()["count"] == 10
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url(cluster)).json()["count"] == 20


def test_questionnaire_endpoint(setting, client_for):
    response = client_for(setting["sme_user"]).get("/api/v1/assessment-questionnaires/current/")
    assert response.status_code == 200
    assert response.json()["version"] == "v1"
    assert "v1" in response.json()["versions"]
    assert client_for(setting["sme_user"]).get("/api/v1/assessment-questionnaires/v99/").status_code == 404
    assert client_for(None).get("/api/v1/assessment-questionnaires/current/").status_code in (401, 403)
