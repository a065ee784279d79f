"""The OpenAPI description matches the server: schemathesis sends generated requests and checks every response."""
from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from assistant import create_app
from assistant.openapi import spec


@pytest.fixture(scope="module")
def api_app(corpus_dir, built_index):
    """The app under test, without the rate limit (schemathesis sends hundreds of questions) and with room for
    its hundreds of wrong admin tokens, so they keep reaching the token check (test_admin.py tests the 429)."""
    return create_app({"TESTING": True, "CORPUS": str(corpus_dir), "INDEX": str(built_index),
                       "RATELIMIT_ENABLED": False, "ADMIN_TOKEN": "not-sent-by-schemathesis",
                       "ADMIN_FAILURE_LIMIT": "1000000 per minute"})


# What counts as accepting valid data and rejecting invalid data. A body that is valid field by
# field can still be over the documented 16 KiB (ten long history entries), hence 413 in both;
# 404 is an article id that is well formed but unknown; 401 is the admin API, whose token
# schemathesis does not send (tests/test_admin.py covers it with the token). A rating's
# answer_id, however well formed, is not one the server recorded: 400 (tests/test_feedback.py rates real ones).
CONFIG = schemathesis.Config.from_dict({
    "checks": {
        "positive_data_acceptance": {"expected-statuses": [200, 401, 404, 413]},
        "negative_data_rejection": {"expected-statuses": [400, 401, 404, 405, 413, 415]},
    },
    "operations": [{"include-path": "/api/feedback",
                    "checks": {"positive_data_acceptance": {"expected-statuses": [400, 413]}}}],
})
# Loaded here rather than through a fixture: schemathesis's lazy fixture loader does not work
# with pytest 9. test_the_served_description_is_this_one ties this to what the app serves.
schema = schemathesis.openapi.from_dict(spec(), config=CONFIG)


def test_the_served_description_is_this_one(api_app):
    assert api_app.test_client().get("/openapi.json").get_json() == spec()


@schema.parametrize()
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_description(case, api_app):
    case.call_and_validate(app=api_app)


def test_every_api_route_is_described(api_app):
    spec = api_app.test_client().get("/openapi.json").get_json()
    described = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    routed = {(re.sub(r"<(?:\w+:)?(\w+)>", "{id}", rule.rule), method)
              for rule in api_app.url_map.iter_rules() if rule.rule.startswith("/api/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert described == routed
