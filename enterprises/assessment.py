"""Digital-maturity self-assessment: pure validation and scoring, no ORM.

The questionnaire follows MIIT's SME digital level indicators (中小企业数字化水平评测指标,
2022): four dimensions (数字化基础, 数字化经营, 数字化管理, 数字化成效) whose weights add up to
100. It is versioned data (`data/questionnaire_<version>.json`): an assessment stores the version
it answered, so changing the questions never rewrites an old score.

Scoring: each answered question scores in [0, 1] (the chosen option's score; for a
several-answer question the sum of the chosen options, capped at 1; an unanswered optional
question scores 0). A dimension scores its weight times the weighted mean of its questions; the
total is the sum of the dimensions. Level k is reached from the level's minimum score (20, 40,
60, 80); below 20 the enterprise is at level 0 (not yet level 1).
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
CURRENT_VERSION = "v1"
# A dimension below this share of its weight is a gap worth naming.
GAP_THRESHOLD = 0.8
# Dimensions within this share of the weakest one are named with it (at most MAX_WEAKEST).
WEAKEST_TOLERANCE = 0.1
MAX_WEAKEST = 2


class AnswersInvalid(Exception):
    """Answers that do not fit the questionnaire; `errors` maps a field path to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class AssessmentResult:
    score: float
    level: int
    dimension_scores: dict[str, float]  # dimension code -> points (out of the dimension's weight)
    weakest_dimensions: list[str]


@cache
def questionnaire_load(version: str = CURRENT_VERSION) -> dict:
    """The questionnaire of this version; KeyError when there is none."""
    if not version.isalnum():
        raise KeyError(version)
    path = DATA_DIR / f"questionnaire_{version}.json"
    if not path.exists():
        raise KeyError(version)
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def questionnaire_versions() -> list[str]:
    return sorted(path.stem.removeprefix("questionnaire_") for path in DATA_DIR.glob("questionnaire_*.json"))


def level_for_score(score: float, levels: list[dict]) -> int:
    level = 0
    for entry in sorted(levels, key=lambda item: item["min_score"]):
        if score >= entry["min_score"]:
            level = entry["level"]
    return level


def answers_validate(questionnaire: dict, answers) -> dict[str, list[str]]:
    """Answers normalised to {question code: [option codes]}; raises AnswersInvalid with field errors.

    Messages are plain English; the caller translates them.
    """
    if not isinstance(answers, dict):
        raise AnswersInvalid({"answers": ["Expected an object mapping question codes to option codes."]})
    questions = {question["code"]: question for question in questionnaire["questions"]}
    errors: dict[str, list[str]] = {}
    normalised: dict[str, list[str]] = {}
    for code, value in answers.items():
        question = questions.get(code)
        if question is None:
            errors[f"answers.{code}"] = ["Unknown question."]
            continue
        offered = {option["code"]: option for option in question["options"]}
        if question["type"] == "single":
            if not isinstance(value, str):
                errors[f"answers.{code}"] = ["Choose exactly one option."]
                continue
            chosen = [value]
        else:
            if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
                errors[f"answers.{code}"] = ["Choose one or more options."]
                continue
            if len(set(value)) != len(value):
                errors[f"answers.{code}"] = ["An option is chosen twice."]
                continue
            chosen = value
        unknown = [option for option in chosen if option not in offered]
        if unknown:
            errors[f"answers.{code}"] = [f"Option {unknown[0]!r} is not offered for this question."]
            continue
        if len(chosen) > 1 and any(offered[option].get("exclusive") for option in chosen):
            errors[f"answers.{code}"] = ["This option cannot be combined with others."]
            continue
        normalised[code] = chosen
    for code, question in questions.items():
        if question.get("required") and code not in answers:
            errors[f"answers.{code}"] = ["This question is required."]
    if errors:
        raise AnswersInvalid(errors)
    return normalised


def assessment_score(questionnaire: dict, answers: dict[str, list[str]]) -> AssessmentResult:
    """Score validated answers (see the module docstring for the formula)."""
    dimension_points: dict[str, float] = {}
    shares: dict[str, float] = {}
    for dimension in questionnaire["dimensions"]:
        questions = [q for q in questionnaire["questions"] if q["dimension"] == dimension["code"]]
        total_weight = sum(q["weight"] for q in questions)
        achieved = 0.0
        for question in questions:
            chosen = answers.get(question["code"], [])
            option_scores = {option["code"]: option["score"] for option in question["options"]}
            achieved += question["weight"] * min(1.0, sum(option_scores[code] for code in chosen))
        share = achieved / total_weight if total_weight else 0.0
        shares[dimension["code"]] = share
        dimension_points[dimension["code"]] = round(share * dimension["weight"], 2)
    score = round(sum(dimension_points.values()), 1)
    return AssessmentResult(
        score=score,
        level=level_for_score(score, questionnaire["levels"]),
        dimension_scores=dimension_points,
        weakest_dimensions=weakest_dimensions(shares),
    )


def weakest_dimensions(shares: dict[str, float]) -> list[str]:
    """The dimensions furthest below their weight: the gaps a service should address first.

    Only dimensions under GAP_THRESHOLD of their weight count; the weakest is named with those
    within WEAKEST_TOLERANCE of it, weakest first, at most MAX_WEAKEST.
    """
    gaps = sorted((share, code) for code, share in shares.items() if share < GAP_THRESHOLD)
    if not gaps:
        return []
    floor = gaps[0][0]
    return [code for share, code in gaps if share <= floor + WEAKEST_TOLERANCE][:MAX_WEAKEST]
