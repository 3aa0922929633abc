"""Writes for digital-maturity assessments (scoring itself is pure, in enterprises/assessment.py)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cluster_platform.models import Cluster
from enterprises.assessment import (
    CURRENT_VERSION,
    AnswersInvalid,
    answers_validate,
    assessment_score,
    questionnaire_load,
)
from enterprises.models import Assessment, Enterprise
from enterprises.signals import assessment_submitted

# The pure validator speaks plain English; these are the translated forms.
_MESSAGES = {
    "Unknown question.": lambda: _("Unknown question."),
    "This question is required.": lambda: _("This question is required."),
    "Choose exactly one option.": lambda: _("Choose exactly one option."),
    "Choose one or more options.": lambda: _("Choose one or more options."),
    "An option is chosen twice.": lambda: _("An option is chosen twice."),
    "This option cannot be combined with others.": lambda: _("This option cannot be combined with others."),
    "Expected an object mapping question codes to option codes.": lambda: _(
        "Expected an object mapping question codes to option codes."
    ),
}


def _translate(message: str) -> str:
    if message in _MESSAGES:
        return _MESSAGES[message]()
    if message.startswith("Option ") and message.endswith(" is not offered for this question."):
        option = message.removeprefix("Option ").removesuffix(" is not offered for this question.")
        return _("Option %(option)s is not offered for this question.") % {"option": option}
    return message


@transaction.atomic
def assessment_submit(
    *,
    cluster: Cluster,
    enterprise: Enterprise,
    answers,
    by,
    questionnaire_version: str = CURRENT_VERSION,
) -> Assessment:
    """Score and keep one self-assessment, and make its level the enterprise's current level.

    Every assessment is kept (never updated), so the agency can measure the uplift between an
    enterprise's first and latest one. Matching (subscribed to `assessment_submitted`) re-scores
    the enterprise after commit.
    """
    try:
        questionnaire = questionnaire_load(questionnaire_version)
    except KeyError:
        raise ValidationError(
            {"questionnaire_version": [_("There is no questionnaire of this version.")]}
        ) from None
    try:
        normalised = answers_validate(questionnaire, answers)
    except AnswersInvalid as invalid:
        raise ValidationError(
            {
                field: [_translate(message) for message in messages]
                for field, messages in invalid.errors.items()
            }
        ) from None
    result = assessment_score(questionnaire, normalised)
    assessment = Assessment.objects.create(
        cluster=cluster,
        enterprise=enterprise,
        questionnaire_version=questionnaire_version,
        answers=normalised,
        score=result.score,
        level=result.level,
        dimension_scores=result.dimension_scores,
        weakest_dimensions=result.weakest_dimensions,
        submitted_by=by if by is not None and by.is_authenticated else None,
    )
    Enterprise.objects.filter(pk=enterprise.pk).update(digital_maturity_level=result.level)
    enterprise.digital_maturity_level = result.level
    assessment_submitted.send(sender=Assessment, assessment=assessment)
    return assessment
