"""REST API of the surveys app: surveys, invitations, aggregated results and NPS figures.

Results come from the same selectors as the pages, so every anonymity rule applies here too.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from smarketing.accounts.models import Team
from smarketing.accounts.permissions import IsWorkspaceAdmin, IsWorkspaceMember
from smarketing.accounts.views import site_url

from . import selectors, services
from .models import Recurrence, Survey, SurveyKind
from .question_bank import QUESTION_BANK


def _survey_or_404(survey_id: int) -> Survey:
    survey = selectors.survey_get(survey_id)
    if survey is None:
        raise Http404
    return survey


class SurveyOutputSerializer(serializers.Serializer):
    """Built from selectors.survey_summary (days only, no invitee)."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    question = serializers.CharField()
    status = serializers.CharField()
    anonymity_threshold = serializers.IntegerField()
    invite_teams = serializers.ListField(child=serializers.CharField())
    reminder_days = serializers.ListField(child=serializers.IntegerField())
    public_link_enabled = serializers.BooleanField()
    public_id = serializers.CharField(allow_null=True)
    recurrence = serializers.CharField(allow_null=True)
    statements = serializers.ListField(child=serializers.DictField())
    opens_on = serializers.DateField(allow_null=True)
    opened_on = serializers.DateField(allow_null=True)
    closes_on = serializers.DateField(allow_null=True)
    closed_on = serializers.DateField(allow_null=True)


class QuestionBankApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses=serializers.ListSerializer(child=serializers.DictField()))
    def get(self, request):
        return Response(QUESTION_BANK)


class SurveyListApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses=SurveyOutputSerializer(many=True))
    def get(self, request):
        return Response([selectors.survey_summary(s) for s in selectors.survey_list()])


class SurveyCreateApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=SurveyKind.choices)
        title = serializers.CharField(max_length=200)
        question = serializers.CharField(required=False, default="", allow_blank=True)
        bank_statements = serializers.ListField(child=serializers.CharField(), default=list)
        custom_statements = serializers.ListField(child=serializers.CharField(), default=list)
        invite_teams = serializers.ListField(
            child=serializers.ChoiceField(choices=Team.choices), default=list
        )
        invite_user_ids = serializers.ListField(child=serializers.IntegerField(), default=list)
        anonymity_threshold = serializers.IntegerField(default=5)
        reminder_days = serializers.ListField(child=serializers.IntegerField(), default=[3, 5])
        public_link_enabled = serializers.BooleanField(default=False)
        open_now = serializers.BooleanField(default=False)
        opens_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        closes_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        recurrence = serializers.ChoiceField(
            choices=Recurrence.choices, required=False, allow_blank=True, default=""
        )
        wave_days = serializers.IntegerField(default=14)

    @extend_schema(request=InputSerializer, responses={201: SurveyOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        common = {
            "created_by": request.user,
            "kind": values["kind"],
            "title": values["title"],
            "question": values["question"],
            "statements": services.statements_from(
                bank_keys=values["bank_statements"], custom_statements=values["custom_statements"]
            ),
            "invite_teams": values["invite_teams"],
            "invite_user_ids": values["invite_user_ids"],
            "anonymity_threshold": values["anonymity_threshold"],
            "reminder_days": values["reminder_days"],
            "site_url": site_url(request),
        }
        launched = services.survey_launch(
            **common,
            open_now=values["open_now"],
            opens_at=values["opens_at"],
            closes_at=values["closes_at"],
            recurrence=values["recurrence"],
            wave_days=values["wave_days"],
            public_link_enabled=values["public_link_enabled"],
        )
        if launched.survey is None:
            body = {"schedule": launched.schedule.pk if launched.schedule else None}
        else:
            body = selectors.survey_summary(launched.survey)
        return Response(body, status=status.HTTP_201_CREATED)


class SurveyDetailApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses=SurveyOutputSerializer)
    def get(self, request, survey_id: int):
        return Response(selectors.survey_summary(_survey_or_404(survey_id)))


class SurveyUpdateApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(required=False)
        anonymity_threshold = serializers.IntegerField(required=False)
        reminder_days = serializers.ListField(child=serializers.IntegerField(), required=False)
        closes_at = serializers.DateTimeField(required=False)
        public_link_enabled = serializers.BooleanField(required=False)

    @extend_schema(request=InputSerializer, responses=SurveyOutputSerializer)
    def patch(self, request, survey_id: int):
        survey = _survey_or_404(survey_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        survey = services.survey_update(
            survey=survey, changed_by=request.user, **data.validated_data
        )
        return Response(selectors.survey_summary(survey))


class SurveyOpenApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(request=None, responses=SurveyOutputSerializer)
    def post(self, request, survey_id: int):
        survey = services.survey_open(survey=_survey_or_404(survey_id), opened_by=request.user)
        return Response(selectors.survey_summary(survey))


class SurveyCloseApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(request=None, responses=SurveyOutputSerializer)
    def post(self, request, survey_id: int):
        survey = services.survey_close(survey=_survey_or_404(survey_id), closed_by=request.user)
        return Response(selectors.survey_summary(survey))


class InvitationListApi(APIView):
    """Participation counts; the people themselves only for customer surveys."""

    permission_classes = [IsWorkspaceAdmin]

    @extend_schema(responses=serializers.DictField())
    def get(self, request, survey_id: int):
        survey = _survey_or_404(survey_id)
        return Response(
            {
                "participation": selectors.participation(survey),
                "customers": selectors.customer_invitee_list(survey),
            }
        )


class CustomerAddApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    class InputSerializer(serializers.Serializer):
        class CustomerSerializer(serializers.Serializer):
            email = serializers.CharField()
            lead_id = serializers.CharField(required=False, allow_blank=True, default="")

        customers = CustomerSerializer(many=True)

    @extend_schema(request=InputSerializer, responses={201: serializers.DictField()})
    def post(self, request, survey_id: int):
        survey = _survey_or_404(survey_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        added = services.survey_customers_add(
            survey=survey, added_by=request.user, customers=data.validated_data["customers"]
        )
        return Response({"added": added}, status=status.HTTP_201_CREATED)


class SurveyResultsApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(
        parameters=[OpenApiParameter("team", str, enum=[*Team.values, "other"], required=False)],
        responses=serializers.DictField(),
    )
    def get(self, request, survey_id: int):
        survey = _survey_or_404(survey_id)
        return Response(selectors.survey_results(survey, team=request.query_params.get("team")))


class NpsApi(APIView):
    """NPS figures of an NPS survey: overall, shares, trend by month, by source/campaign/owner."""

    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses=serializers.DictField())
    def get(self, request, survey_id: int):
        survey = _survey_or_404(survey_id)
        if survey.kind != SurveyKind.NPS:
            raise Http404
        return Response(selectors.customer_results(survey))


class AlignmentTrendApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses=serializers.ListSerializer(child=serializers.DictField()))
    def get(self, request):
        return Response(selectors.alignment_trend())
