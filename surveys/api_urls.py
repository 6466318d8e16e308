"""API of the surveys app, mounted under /api/v1/ on a workspace's host."""

from django.urls import path

from . import apis

urlpatterns = [
    path("surveys/", apis.SurveyListApi.as_view(), name="api-surveys"),
    path("surveys/create/", apis.SurveyCreateApi.as_view(), name="api-survey-create"),
    path("surveys/question-bank/", apis.QuestionBankApi.as_view(), name="api-question-bank"),
    path("surveys/alignment-trend/", apis.AlignmentTrendApi.as_view(), name="api-alignment-trend"),
    path("surveys/<int:survey_id>/", apis.SurveyDetailApi.as_view(), name="api-survey"),
    path(
        "surveys/<int:survey_id>/update/", apis.SurveyUpdateApi.as_view(), name="api-survey-update"
    ),
    path("surveys/<int:survey_id>/open/", apis.SurveyOpenApi.as_view(), name="api-survey-open"),
    path("surveys/<int:survey_id>/close/", apis.SurveyCloseApi.as_view(), name="api-survey-close"),
    path(
        "surveys/<int:survey_id>/invitations/",
        apis.InvitationListApi.as_view(),
        name="api-survey-invitations",
    ),
    path(
        "surveys/<int:survey_id>/customers/",
        apis.CustomerAddApi.as_view(),
        name="api-survey-customers",
    ),
    path(
        "surveys/<int:survey_id>/invitees/",
        apis.InviteeAddApi.as_view(),
        name="api-survey-invitees",
    ),
    path(
        "surveys/<int:survey_id>/results/",
        apis.SurveyResultsApi.as_view(),
        name="api-survey-results",
    ),
    path("surveys/<int:survey_id>/nps/", apis.NpsApi.as_view(), name="api-survey-nps"),
]
