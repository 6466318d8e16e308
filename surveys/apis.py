"""REST API of the surveys app: surveys, invitations, aggregated results and NPS figures.

Results come from the same selectors as the pages, so every anonymity rule applies here too.
Each answer is produced by the output serializer that documents it (surveys.serializers).
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from smarketing.accounts.models import Team
from smarketing.accounts.permissions import IsWorkspaceAdmin, IsWorkspaceMember
from smarketing.accounts.views import site_url
from smarketing.core.api import PatchInputSerializer, StrictInputSerializer

from . import selectors, services
from .models import Recurrence, Survey, SurveyKind
from .question_bank import QUESTION_BANK
from .scoring import MAX_ANONYMITY_THRESHOLD, MIN_ANONYMITY_THRESHOLD
from .serializers import (
    SurveyAddedSerializer,
    SurveyAlignmentResultsSerializer,
    SurveyCustomerResultsSerializer,
    SurveyInvitationsSerializer,
    SurveyLaunchSerializer,
    SurveyQuestionBankItemSerializer,
    SurveySummarySerializer,
    SurveyTrendWaveSerializer,
    errors,
)
from .services.authoring import MAX_REMINDER_DAY
from .services.schedules import MAX_WAVE_DAYS

MAX_ID = 2**31 - 1
BANK_KEYS = [(item["key"], item["text"]) for item in QUESTION_BANK]
MAX_STATEMENT_CHARS = 500
RESULT_TEAMS = [*selectors.TEAMS, selectors.NO_TEAM]


def _survey_or_404(survey_id: int) -> Survey:
    survey = selectors.survey_get(survey_id)
    if survey is None:
        raise Http404
    return survey


def _summary(survey: Survey) -> dict:
    return SurveySummarySerializer(selectors.survey_summary(survey)).data


# Text is stored in PostgreSQL, which holds no NUL character: the schema says so (a pattern),
# so a generated "valid" text is one the API accepts.
TEXT = r"^[^\x00]*$"
TEXT_NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"


def _text_field(**options) -> serializers.RegexField:
    return serializers.RegexField(TEXT, **options)


def _title_field(**options) -> serializers.RegexField:
    """A title: up to 200 characters, not only spaces."""
    return serializers.RegexField(TEXT_NOT_BLANK, max_length=200, **options)


def _threshold_field(**options) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=MIN_ANONYMITY_THRESHOLD, max_value=MAX_ANONYMITY_THRESHOLD, **options
    )


def _reminder_days_field(**options) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_REMINDER_DAY),
        max_length=20,
        **options,
    )


class QuestionBankApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses={200: SurveyQuestionBankItemSerializer(many=True), **errors(403)})
    def get(self, request):
        return Response(SurveyQuestionBankItemSerializer(QUESTION_BANK, many=True).data)


class SurveyListApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses={200: SurveySummarySerializer(many=True), **errors(403)})
    def get(self, request):
        return Response(SurveySummarySerializer(selectors.survey_summaries(), many=True).data)


class SurveyCreateApi(APIView):
    permission_classes = [IsWorkspaceAdmin]
    parser_classes = [JSONParser]

    class SurveyCreateInputSerializer(StrictInputSerializer):
        kind = serializers.ChoiceField(choices=SurveyKind.choices)
        title = _title_field()
        question = _text_field(required=False, default="", allow_blank=True, max_length=1000)
        bank_statements = serializers.ListField(
            child=serializers.ChoiceField(choices=BANK_KEYS),
            default=list,
            max_length=len(BANK_KEYS),
        )
        custom_statements = serializers.ListField(
            child=_text_field(max_length=MAX_STATEMENT_CHARS), default=list, max_length=50
        )
        invite_teams = serializers.ListField(
            child=serializers.ChoiceField(choices=Team.choices), default=list
        )
        invite_user_ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=MAX_ID), default=list
        )
        anonymity_threshold = _threshold_field(default=5)
        reminder_days = _reminder_days_field(default=[3, 5])
        public_link_enabled = serializers.BooleanField(default=False)
        open_now = serializers.BooleanField(default=False)
        opens_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        closes_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        recurrence = serializers.ChoiceField(
            choices=Recurrence.choices, required=False, allow_blank=True, default=""
        )
        wave_days = serializers.IntegerField(min_value=1, max_value=MAX_WAVE_DAYS, default=14)

    @extend_schema(
        request=SurveyCreateInputSerializer,
        responses={201: SurveyLaunchSerializer, **errors(400, 403)},
    )
    def post(self, request):
        data = self.SurveyCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        launched = services.survey_launch(
            created_by=request.user,
            kind=values["kind"],
            title=values["title"],
            question=values["question"],
            statements=services.statements_from(
                bank_keys=values["bank_statements"], custom_statements=values["custom_statements"]
            ),
            invite_teams=values["invite_teams"],
            invite_user_ids=values["invite_user_ids"],
            anonymity_threshold=values["anonymity_threshold"],
            reminder_days=values["reminder_days"],
            site_url=site_url(request),
            open_now=values["open_now"],
            opens_at=values["opens_at"],
            closes_at=values["closes_at"],
            recurrence=values["recurrence"],
            wave_days=values["wave_days"],
            public_link_enabled=values["public_link_enabled"],
        )
        body = {
            "survey": launched.survey and selectors.survey_summary(launched.survey),
            "schedule": launched.schedule and selectors.schedule_summary(launched.schedule),
        }
        return Response(SurveyLaunchSerializer(body).data, status=status.HTTP_201_CREATED)


class SurveyDetailApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses={200: SurveySummarySerializer, **errors(403, 404)})
    def get(self, request, survey_id: int):
        return Response(_summary(_survey_or_404(survey_id)))


class SurveyUpdateApi(APIView):
    permission_classes = [IsWorkspaceAdmin]
    parser_classes = [JSONParser]

    class SurveyUpdateInputSerializer(PatchInputSerializer):
        title = _title_field(required=False)
        anonymity_threshold = _threshold_field(required=False)
        reminder_days = _reminder_days_field(required=False)
        closes_at = serializers.DateTimeField(required=False)
        public_link_enabled = serializers.BooleanField(required=False)

    @extend_schema(
        request=SurveyUpdateInputSerializer,
        responses={200: SurveySummarySerializer, **errors(400, 403, 404, 409)},
    )
    def patch(self, request, survey_id: int):
        survey = _survey_or_404(survey_id)
        data = self.SurveyUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        survey = services.survey_update(
            survey=survey, changed_by=request.user, **data.validated_data
        )
        return Response(_summary(survey))


class SurveyOpenApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(request=None, responses={200: SurveySummarySerializer, **errors(403, 404, 409)})
    def post(self, request, survey_id: int):
        survey = services.survey_open(survey=_survey_or_404(survey_id), opened_by=request.user)
        return Response(_summary(survey))


class SurveyCloseApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(request=None, responses={200: SurveySummarySerializer, **errors(403, 404)})
    def post(self, request, survey_id: int):
        survey = services.survey_close(survey=_survey_or_404(survey_id), closed_by=request.user)
        return Response(_summary(survey))


class InvitationListApi(APIView):
    """Participation counts; the people themselves only for customer surveys, and never
    whether one of them has answered."""

    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(responses={200: SurveyInvitationsSerializer, **errors(403, 404)})
    def get(self, request, survey_id: int):
        survey = _survey_or_404(survey_id)
        body = {
            "participation": selectors.participation(survey),
            "customers": selectors.customer_invitee_list(survey),
        }
        return Response(SurveyInvitationsSerializer(body).data)


class CustomerAddApi(APIView):
    permission_classes = [IsWorkspaceAdmin]
    parser_classes = [JSONParser]

    class SurveyCustomersInputSerializer(StrictInputSerializer):
        class SurveyCustomerInputSerializer(StrictInputSerializer):
            email = serializers.EmailField(max_length=254)
            lead_id = _text_field(required=False, allow_blank=True, default="", max_length=200)

        customers: serializers.ListSerializer = serializers.ListSerializer(
            child=SurveyCustomerInputSerializer(), max_length=services.MAX_CUSTOMERS_PER_UPLOAD
        )

    @extend_schema(
        request=SurveyCustomersInputSerializer,
        responses={201: SurveyAddedSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, survey_id: int):
        survey = _survey_or_404(survey_id)
        data = self.SurveyCustomersInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        added = services.survey_customers_add(
            survey=survey, added_by=request.user, customers=data.validated_data["customers"]
        )
        return Response(SurveyAddedSerializer({"added": added}).data, status=201)


class InviteeAddApi(APIView):
    """Invite people to an open pulse, e.g. members who joined after it opened."""

    permission_classes = [IsWorkspaceAdmin]
    parser_classes = [JSONParser]

    class SurveyInviteesInputSerializer(StrictInputSerializer):
        user_ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
            min_length=1,
            max_length=1000,
        )

    @extend_schema(
        request=SurveyInviteesInputSerializer,
        responses={201: SurveyAddedSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request, survey_id: int):
        survey = _survey_or_404(survey_id)
        data = self.SurveyInviteesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        added = services.survey_invitees_add(
            survey=survey, added_by=request.user, user_ids=data.validated_data["user_ids"]
        )
        return Response(SurveyAddedSerializer({"added": added}).data, status=201)


class SurveyResultsApi(APIView):
    permission_classes = [IsWorkspaceMember]

    class SurveyResultsQuerySerializer(serializers.Serializer):
        team = serializers.ChoiceField(choices=RESULT_TEAMS, required=False)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "team",
                str,
                enum=["", *RESULT_TEAMS],
                required=False,
                description="Only this team's figures (suppression is decided on every team "
                "first); empty or absent: every team.",
            )
        ],
        responses={
            200: PolymorphicProxySerializer(
                component_name="SurveyResults",
                serializers=[SurveyAlignmentResultsSerializer, SurveyCustomerResultsSerializer],
                resource_type_field_name=None,
            ),
            **errors(400, 403, 404),
        },
    )
    def get(self, request, survey_id: int):
        survey = _survey_or_404(survey_id)
        query = self.SurveyResultsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        results = selectors.survey_results(survey, team=query.validated_data.get("team"))
        if survey.is_customer_survey:
            return Response(SurveyCustomerResultsSerializer(results).data)
        return Response(SurveyAlignmentResultsSerializer(results).data)


class NpsApi(APIView):
    """NPS figures of an NPS survey: overall, shares, trend by month, by source/campaign/owner."""

    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses={200: SurveyCustomerResultsSerializer, **errors(403, 404)})
    def get(self, request, survey_id: int):
        survey = _survey_or_404(survey_id)
        if survey.kind != SurveyKind.NPS:
            raise Http404
        return Response(SurveyCustomerResultsSerializer(selectors.customer_results(survey)).data)


class AlignmentTrendApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses={200: SurveyTrendWaveSerializer(many=True), **errors(403)})
    def get(self, request):
        return Response(SurveyTrendWaveSerializer(selectors.alignment_trend(), many=True).data)
