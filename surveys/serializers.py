"""Output serializers of the surveys API: they describe the bodies in the OpenAPI schema and
produce them (each API answers `Serializer(selector_result).data`), so the two cannot drift.

Names are unique across the API (drf-spectacular names components after the class, without
"Serializer"): every one starts with "Survey". A hidden group carries only `hidden` and `note`;
a visible one its figures, so those fields are optional.
"""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from smarketing.accounts.models import Team
from smarketing.core.openapi import VALIDATION_ERROR

from .models import Recurrence, SurveyKind, SurveyStatus


class _PartialSerializer(serializers.Serializer):
    """Leaves out the optional fields a body does not have (a hidden group has no figures):
    DRF would write a nullable one as null."""

    def to_representation(self, instance):
        body = super().to_representation(instance)
        return {key: value for key, value in body.items() if key in instance}


class SurveyStatementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    topic = serializers.CharField()
    text = serializers.CharField()


class SurveySummarySerializer(serializers.Serializer):
    """What any member may know about a survey: its settings, and days rather than times."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=SurveyKind.choices)
    title = serializers.CharField()
    question = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=SurveyStatus.choices)
    anonymity_threshold = serializers.IntegerField()
    invite_teams = serializers.ListField(child=serializers.ChoiceField(choices=Team.choices))
    reminder_days = serializers.ListField(child=serializers.IntegerField())
    public_link_enabled = serializers.BooleanField()
    public_id = serializers.CharField(allow_null=True)
    recurrence = serializers.ChoiceField(choices=Recurrence.choices, allow_null=True)
    statements = SurveyStatementSerializer(many=True)
    opens_on = serializers.DateField(allow_null=True)
    opened_on = serializers.DateField(allow_null=True)
    closes_on = serializers.DateField(allow_null=True)
    closed_on = serializers.DateField(allow_null=True)


class SurveyScheduleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    recurrence = serializers.ChoiceField(choices=Recurrence.choices)
    wave_days = serializers.IntegerField()
    next_run_on = serializers.DateField()


class SurveyLaunchSerializer(serializers.Serializer):
    """A launched survey; for a recurring one also its schedule, and `survey` is its first
    wave (null until that wave opens on its date)."""

    survey = SurveySummarySerializer(allow_null=True)
    schedule = SurveyScheduleSerializer(allow_null=True)


class SurveyQuestionBankItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    topic = serializers.CharField()
    text = serializers.CharField()


class SurveyParticipationSerializer(serializers.Serializer):
    """Counts of answers are null while the survey has fewer than k (`hidden`)."""

    invited = serializers.IntegerField(help_text="People invited with a personal link.")
    invitations_sent = serializers.IntegerField()
    answered = serializers.IntegerField(allow_null=True, help_text="Personal-link answers.")
    participation_rate = serializers.FloatField(
        allow_null=True, help_text="answered ÷ invited (public-link answers excluded)."
    )
    public_answers = serializers.IntegerField(allow_null=True)
    responses = serializers.IntegerField(allow_null=True, help_text="Every answer.")
    in_results = serializers.IntegerField(allow_null=True, help_text="Released answers.")
    hidden = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)


class SurveyReleaseStatusSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(
        choices=[("at_close", "released when the survey closes"), ("batches", "batches of k")]
    )
    batch_size = serializers.IntegerField()
    releases = serializers.IntegerField()
    last_released_on = serializers.DateField(allow_null=True)
    pending = serializers.IntegerField(help_text="Answers waiting for the next release.")


class SurveyGroupCountSerializer(_PartialSerializer):
    hidden = serializers.BooleanField()
    responses = serializers.IntegerField(required=False)
    note = serializers.CharField(required=False)


class SurveyGroupFiguresSerializer(_PartialSerializer):
    """A group's figures on the 1–5 scale, or only `hidden` and `note`."""

    hidden = serializers.BooleanField()
    note = serializers.CharField(required=False)
    responses = serializers.IntegerField(required=False)
    mean = serializers.FloatField(required=False, allow_null=True)
    distribution = serializers.DictField(child=serializers.IntegerField(), required=False)


class SurveyStatementResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    topic = serializers.CharField()
    text = serializers.CharField()
    overall = SurveyGroupFiguresSerializer()
    teams = serializers.DictField(child=SurveyGroupFiguresSerializer())
    perception_gap = serializers.FloatField(allow_null=True)
    comments = serializers.ListField(child=serializers.CharField(), allow_null=True)


class SurveyPerceptionGapSerializer(serializers.Serializer):
    statement_id = serializers.IntegerField()
    text = serializers.CharField()
    perception_gap = serializers.FloatField()
    marketing_mean = serializers.FloatField(allow_null=True)
    sales_mean = serializers.FloatField(allow_null=True)


class SurveyAlignmentResultsSerializer(serializers.Serializer):
    survey = SurveySummarySerializer()
    threshold = serializers.IntegerField()
    participation = SurveyParticipationSerializer()
    release = SurveyReleaseStatusSerializer()
    groups = serializers.DictField(child=SurveyGroupCountSerializer())
    statements = SurveyStatementResultSerializer(many=True)
    perception_gaps = SurveyPerceptionGapSerializer(many=True)
    alignment_score = serializers.FloatField(allow_null=True)


class SurveyCustomerFiguresSerializer(_PartialSerializer):
    """NPS (with shares) or CSAT (with the mean) of a group, or only `hidden` and `note`."""

    hidden = serializers.BooleanField()
    note = serializers.CharField(required=False)
    responses = serializers.IntegerField(required=False)
    nps = serializers.FloatField(required=False, allow_null=True)
    promoters = serializers.FloatField(required=False, allow_null=True)
    passives = serializers.FloatField(required=False, allow_null=True)
    detractors = serializers.FloatField(required=False, allow_null=True)
    csat = serializers.FloatField(required=False, allow_null=True)
    mean = serializers.FloatField(required=False, allow_null=True)


class SurveyMonthFiguresSerializer(SurveyCustomerFiguresSerializer):
    month = serializers.CharField(help_text="YYYY-MM: the month the answers were released in.")


class SurveyGroupRowSerializer(SurveyCustomerFiguresSerializer):
    group = serializers.CharField()


class SurveyCommentSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    comment = serializers.CharField()


class SurveyCustomerResultsSerializer(serializers.Serializer):
    survey = SurveySummarySerializer()
    threshold = serializers.IntegerField()
    participation = SurveyParticipationSerializer()
    release = SurveyReleaseStatusSerializer()
    measure = serializers.ChoiceField(choices=[("nps", "NPS"), ("csat", "CSAT")])
    overall = SurveyCustomerFiguresSerializer()
    distribution = serializers.DictField(child=serializers.IntegerField(), allow_null=True)
    trend = SurveyMonthFiguresSerializer(many=True)
    by_source = SurveyGroupRowSerializer(many=True)
    by_campaign = SurveyGroupRowSerializer(many=True)
    by_owner = SurveyGroupRowSerializer(many=True)
    comments = SurveyCommentSerializer(many=True, allow_null=True)


class SurveyTrendWaveSerializer(serializers.Serializer):
    survey_id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=SurveyStatus.choices)
    opened_on = serializers.DateField(allow_null=True)
    alignment_score = serializers.FloatField(allow_null=True)
    mean_perception_gap = serializers.FloatField(allow_null=True)
    hidden = serializers.BooleanField()


class SurveyCustomerInviteeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    lead_id = serializers.CharField(allow_blank=True)
    invited = serializers.BooleanField(help_text="Whether the personal link was emailed.")


class SurveyInvitationsSerializer(serializers.Serializer):
    """Who was invited: never who answered."""

    participation = SurveyParticipationSerializer()
    customers = SurveyCustomerInviteeSerializer(many=True)


class SurveyAddedSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text="How many were new.")


class SurveyErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class SurveyConflictSerializer(serializers.Serializer):
    detail = serializers.ListField(child=serializers.CharField())


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The error responses of a survey endpoint, for `extend_schema(responses=…)`."""
    described = {
        400: OpenApiResponse(
            VALIDATION_ERROR,
            description="Refused input: each field's messages, or `detail` for the request.",
        ),
        403: OpenApiResponse(
            SurveyErrorSerializer, description="Not signed in, or not allowed (admins only)."
        ),
        404: OpenApiResponse(SurveyErrorSerializer, description="No such survey here."),
        409: OpenApiResponse(
            SurveyConflictSerializer,
            description="Valid input the survey's kind or state refuses (e.g. opening an open "
            "survey, inviting people to a closed pulse).",
        ),
    }
    return {code: described[code] for code in codes}
