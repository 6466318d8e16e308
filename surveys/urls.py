"""Pages of the surveys app on a workspace's host."""

from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.SurveyListView.as_view(), name="list"),
    path("new/", views.SurveyCreateView.as_view(), name="create"),
    path("<int:pk>/", views.SurveyDetailView.as_view(), name="detail"),
    path("<int:pk>/open/", views.SurveyOpenView.as_view(), name="open"),
    path("<int:pk>/close/", views.SurveyCloseView.as_view(), name="close"),
    path("<int:pk>/threshold/", views.SurveyThresholdView.as_view(), name="threshold"),
    path("<int:pk>/customers/", views.SurveyCustomersView.as_view(), name="customers"),
    path("<int:pk>/invitees/", views.SurveyInviteesView.as_view(), name="invitees"),
    path("<int:pk>/results.csv", views.SurveyResultsCsvView.as_view(), name="results_csv"),
    # No account needed: personal links and public links.
    path("r/<str:token>/", views.AnswerView.as_view(), name="answer"),
    path("p/<str:public_id>/", views.PublicAnswerView.as_view(), name="public_answer"),
]
