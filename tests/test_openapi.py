"""The OpenAPI description matches the server: schemathesis sends generated requests and checks every response.

Every endpoint without the admin token, then the admin endpoints with it, over real HTTP on a
scratch corpus that they change (bench/attack.py runs the same with many more examples).
"""
from __future__ import annotations

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from assistant import create_app
from assistant.engine import index as index_module
from assistant.engine.corpus import document_paths
from assistant.web.openapi import spec


@pytest.fixture(scope="module")
def api_app(corpus_dir, built_index):
    """The app under test, without the rate limit (schemathesis sends hundreds of questions) and with room for
    its hundreds of wrong admin tokens, so they keep reaching the token check (test_admin.py tests the 429)."""
    return create_app({"TESTING": True, "CORPUS": str(corpus_dir), "INDEX": str(built_index),
                       "RATELIMIT_ENABLED": False, "ADMIN_TOKEN": "not-sent-by-schemathesis",
                       "ADMIN_FAILURE_LIMIT": "1000000 per minute"})


# What counts as accepting valid data and rejecting invalid data. A body that is valid field by
# field can still be over the documented 16 KiB (ten long history entries), hence 413 in both;
# 404 is an article id, answer_id or model that is well formed but unknown; 401 is the admin API,
# whose token schemathesis does not send here (the admin test below sends it).
CONFIG = schemathesis.Config.from_dict({"checks": {
    "positive_data_acceptance": {"expected-statuses": [200, 401, 404, 413]},
    "negative_data_rejection": {"expected-statuses": [400, 401, 404, 405, 413, 415]},
}})
# Loaded here rather than through a fixture: schemathesis's lazy fixture loader does not work
# with pytest 9. test_the_served_description_is_this_one ties this to what the app serves.
schema = schemathesis.openapi.from_dict(spec(), config=CONFIG)
# A short fuzz, so that `make test` catches a contract that drifts (bench/attack.py sends thousands).
EXAMPLES = int(os.environ.get("ASSISTANT_FUZZ_EXAMPLES", "25"))


def test_the_served_description_is_this_one(api_app):
    assert api_app.test_client().get("/openapi.json").get_json() == spec()


@pytest.mark.slow  # the fuzz: about 20 s, the longest part of the tests `make test-fast` runs otherwise
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_description(case, api_app):
    case.call_and_validate(app=api_app)


# With the token, a body the description allows can still be refused: a name without a
# document suffix or with a control character (400), one already taken (409), an unknown
# or last document (404, 409). Anything else, a 5xx above all, fails.
# The token goes in the configuration, not in each call: then schemathesis knows it is sent, and never
# counts a request it generated without it as invalid data the server took.
ADMIN_CONFIG = schemathesis.Config.from_dict({
    "headers": {"Authorization": "Bearer token-of-the-scratch-app"}, "checks": {
    "positive_data_acceptance": {"expected-statuses": [200, 201, 400, 404, 409, 413]},
    "negative_data_rejection": {"expected-statuses": [400, 401, 404, 405, 409, 413, 415]},
}})
admin_schema = schemathesis.openapi.from_dict(spec(), config=ADMIN_CONFIG).include(tag="admin")


@pytest.mark.slow
@admin_schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_admin_api_with_the_token_conforms_to_its_description(case, scratch_app, scratch_url):
    assert ADMIN_CONFIG.projects.default.headers["Authorization"] == f"Bearer {scratch_app.config['ADMIN_TOKEN']}"
    case.call_and_validate(base_url=scratch_url)


def test_after_the_fuzzing_the_corpus_and_its_index_agree(scratch_app):
    holder = scratch_app.extensions["assistant"]
    index = index_module.load(holder.index_path)
    assert index.meta["fingerprint"] == index_module.corpus_fingerprint(holder.corpus_dir)
    assert sorted(d.source for d in index.documents) == sorted(p.name for p in document_paths(holder.corpus_dir))
    assert not [p.name for p in holder.corpus_dir.iterdir() if p.name.endswith(".tmp")]


def test_every_api_route_is_described(api_app):
    spec = api_app.test_client().get("/openapi.json").get_json()
    described = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    routed = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method)
              for rule in api_app.url_map.iter_rules() if rule.rule.startswith(("/api/", "/v1/"))
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert described == routed
