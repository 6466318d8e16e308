"""Property-based tests (hypothesis) of every parser of survey input: thresholds, scores and
reminder days, as the services, the API and the forms read them. Whatever comes in, the answer
is a valid value or a validation error with a message, never another exception."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from surveys import scoring
from surveys.apis import SurveyCreateApi, SurveyUpdateApi
from surveys.forms import reminder_days_parse
from surveys.models import Survey
from surveys.services.answering import score_clean
from surveys.services.authoring import reminder_days_clean
from surveys.views.answering import _int_or_none

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
)


@given(st.integers())
def test_a_threshold_is_accepted_exactly_from_3_to_1000(value):
    if 3 <= value <= 1000:
        assert scoring.threshold_validate(value) == value
    else:
        with pytest.raises(ValueError, match=r"never be below 3|at most 1000"):
            scoring.threshold_validate(value)


@given(anything.filter(lambda value: type(value) is not int))
def test_a_threshold_that_is_not_a_whole_number_is_refused(value):
    with pytest.raises(ValueError, match="whole number"):
        scoring.threshold_validate(value)


@given(st.one_of(st.integers(), st.text(max_size=25), st.floats(allow_nan=False)))
def test_the_api_reads_a_threshold_or_says_why_not(value):
    for data in (
        SurveyUpdateApi.SurveyUpdateInputSerializer(data={"anonymity_threshold": value}),
        SurveyCreateApi.SurveyCreateInputSerializer(
            data={"kind": "nps", "title": "t", "anonymity_threshold": value}
        ),
    ):
        if data.is_valid():
            assert 3 <= data.validated_data["anonymity_threshold"] <= 1000
        else:
            assert data.errors["anonymity_threshold"]


@given(value=anything, kind=st.sampled_from(["nps", "csat"]))
def test_a_score_is_a_whole_number_on_the_survey_scale(value, kind):
    survey = Survey(kind=kind)
    low, high = survey.scale
    if type(value) is int and low <= value <= high:
        assert score_clean(survey, value) == value
    else:
        with pytest.raises(ValidationError, match=f"from {low} to {high}"):
            score_clean(survey, value)


@given(st.text(max_size=30))
def test_a_posted_score_is_a_number_or_nothing(text):
    value = _int_or_none(text)
    assert value is None or type(value) is int


@given(st.lists(st.one_of(st.integers(), st.booleans(), st.floats(), st.text(max_size=3))))
def test_reminder_days_are_distinct_sorted_days_from_1_to_60(days):
    valid = all(type(day) is int and 1 <= day <= 60 for day in days)
    if valid and len(set(days)) <= 20:
        assert reminder_days_clean(days) == sorted(set(days))
    else:
        with pytest.raises(ValidationError):
            reminder_days_clean(days)


@given(st.text(max_size=40))
def test_reminder_days_typed_in_the_form_are_parsed_or_refused(text):
    try:
        days = reminder_days_parse(text)
    except forms.ValidationError as error:
        assert error.messages
    else:
        assert days == sorted(set(days)) and all(1 <= day <= 60 for day in days)


@pytest.mark.parametrize(
    ("text", "days"), [("3,5", [3, 5]), (" 5 , 3, 5", [3, 5]), ("", []), ("7,", [7])]
)
def test_reminder_days_as_people_type_them(text, days):
    assert reminder_days_parse(text) == days


@pytest.mark.parametrize("text", ["3;5", "٣", "+3", "3.5", "0", "61", "1e2", "99999999999"])
def test_reminder_days_the_form_refuses(text):
    with pytest.raises(forms.ValidationError):
        reminder_days_parse(text)
