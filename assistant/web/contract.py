"""Each endpoint's contract, written once: the pydantic models of its request and response, declared where it is routed.

    answers = Api(bp, Error, "answers")          # a blueprint, its error model, its tag in /docs

    @answers.route("POST", "/answer", "Answer a question", body=Question, response=Answer, errors={...})
    def answer_question(body: Question): ...

The same declaration routes the view, validates the request against the models (the view gets
`body` and `query` as model instances) with an error message that says what is wrong and how to
fix it, and is recorded in OPERATIONS, from which openapi.py writes /openapi.json. A library
(flask-openapi3, spectree) would do the same with error bodies and messages of its own; ours are
the API's one shape and say how to fix the request, hence these few lines.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from flask import Blueprint, current_app, request
from pydantic import BaseModel, ConfigDict, ValidationError
from werkzeug.exceptions import BadRequest, UnsupportedMediaType


class Body(BaseModel):
    """A JSON request body: exact types (no "3" for 3), no unknown fields; `example` is what to send."""

    model_config = ConfigDict(extra="forbid", strict=True)
    example: ClassVar[str] = ""


class Query(BaseModel):
    """A query string: its values arrive as text (models.whole_number reads numbers); no unknown parameters."""

    model_config = ConfigDict(extra="forbid", strict=True)


@dataclass(frozen=True)
class Operation:
    """What /openapi.json says of one route."""

    summary: str
    tag: str
    error: type[BaseModel]
    body: type[BaseModel] | None = None
    query: type[Query] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    errors: Mapping[int, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)  # path parameter -> description
    security: tuple = ()
    extra_content: Mapping = field(default_factory=dict)  # more media types of the request body or the response


# path (OpenAPI's /api/sources/{source_id}) -> method -> operation, filled as the web modules are imported.
OPERATIONS: dict[str, dict[str, Operation]] = {}


class Api:
    """One API's blueprint with what its routes share: error model, tag, security, errors every route can give."""

    def __init__(self, blueprint: Blueprint, error: type[BaseModel], tag: str, security: tuple = (),
                 errors: Mapping[int, str] | None = None):
        self.blueprint, self.error, self.tag, self.security = blueprint, error, tag, security
        self.errors = dict(errors or {})

    def route(self, method: str, rule: str, summary: str, *, body: type[Body] | None = None,
              query: type[Query] | None = None, response: type[BaseModel] | None = None, status: int = 200,
              errors: Mapping[int, str] | None = None, params: Mapping[str, str] | None = None,
              first: Callable[[], Mapping[str, str] | None] | None = None, body_content: Mapping | None = None,
              response_content: Mapping | None = None):
        """Route a view and record its contract; the view gets `body` and `query` validated.

        `first` runs before the request is read (a rate limit, an API key); the headers it returns go on the
        response. body_content and response_content add media types the models do not cover (multipart,
        server-sent events), described only.
        """
        def register(view):
            @functools.wraps(view)
            def handle(**kwargs):
                headers = first() if first else None
                if body is not None:
                    kwargs["body"] = validated(body, json_object(body.example))
                if query is not None:
                    kwargs["query"] = validated(query, request.args.to_dict())
                response = current_app.make_response(view(**kwargs))
                response.headers.extend(headers or {})
                return response

            self.blueprint.add_url_rule(rule, view_func=handle, methods=[method])
            path = openapi_path((self.blueprint.url_prefix or "") + rule)
            OPERATIONS.setdefault(path, {})[method.lower()] = Operation(
                summary, self.tag, self.error, body, query, response, status, self.errors | dict(errors or {}),
                dict(params or {}), self.security, {"request": body_content or {}, "response": response_content or {}})
            return handle
        return register


def openapi_path(rule: str) -> str:
    """Return a Flask rule as an OpenAPI path: /sources/<source_id> -> /sources/{source_id}."""
    return rule.replace("<", "{").replace(">", "}")


def validated(model: type[BaseModel], data, strict: bool | None = None):
    """Return `data` as an instance of `model` (strict=False: read text as numbers and booleans, as forms send them).

    Raises BadRequest with one line that says what is wrong and how to fix it.
    """
    try:
        return model.model_validate(data, strict=strict)
    except ValidationError as error:
        raise BadRequest(message(model, error)) from None


def message(model: type[BaseModel], error: ValidationError) -> str:
    """Return the first problem of a validation error as one line, from the model's JSON schema (limits, choices)."""
    schema = model.model_json_schema()
    problems = error.errors(include_url=False)
    extra = [problem for problem in problems if problem["type"] == "extra_forbidden"]
    if extra:
        where, node = locate(schema, extra[0]["loc"][:-1])
        names = ", ".join(repr(problem["loc"][-1]) for problem in extra)
        return (f"unknown {'parameter' if issubclass(model, Query) else 'field'}(s) {names}"
                f"{' in ' + where if where else ''}; "
                f"the {'query string' if issubclass(model, Query) else 'body'} takes "
                f"{', '.join(node.get('properties', {}))}")
    # A value fails each member of a union: the member of its own type (where it breaks a limit, or went
    # deepest) says what is wrong; if it is of none of their types, say which types it may be.
    problem = sorted(problems, key=lambda problem: (problem["type"] in KINDS, -len(problem["loc"])))[0]
    name, described = locate(schema, problem["loc"])
    if problem["type"] in KINDS:
        kinds = [KINDS[p["type"]] for p in problems if p["type"] in KINDS and locate(schema, p["loc"])[0] == name]
        within = f" from {described['minimum']} to {described['maximum']}" if "maximum" in described else ""
        return f"{name} must be {' or '.join(dict.fromkeys(kinds))}{within}, not {shown(problem['input'])}"
    try:
        return explained(model, problem, name, described)
    except (KeyError, TypeError, ValueError):  # a limit the schema does not give: pydantic's own words
        return f"{name}: {problem['msg']}" if name else problem["msg"]


def explained(model: type[BaseModel], problem: dict, name: str, described: dict) -> str:
    """Return one problem as a message, with the limits and choices its field's JSON schema gives."""
    kind, value = problem["type"], problem["input"]
    if kind == "missing":
        example = getattr(model, "example", "")
        return f"{name} is missing" + (f"; send {example}" if example else "")
    if kind == "union_tag_invalid":
        context = problem["ctx"]
        return f"{name}.{context['discriminator'].strip(chr(39))} must be one of {context['expected_tags']}, " \
               f"not {shown(context['tag'])}"
    if kind == "union_tag_not_found":
        return f"{name}.{problem['ctx']['discriminator'].strip(chr(39))} is missing"
    if kind == "string_unicode":  # JSON can escape half of a surrogate pair ("\ud800") alone
        return f"{name} is not valid Unicode: it holds half of a surrogate pair alone; send UTF-8 text"
    if kind == "string_too_long":
        return f"{name} is {len(value)} characters long; the limit is {described['maxLength']}"
    if kind == "too_long":
        return f"{name} holds {len(value)} items; send at most {described['maxItems']}"
    if kind == "too_short":
        return f"{name} must hold at least {described['minItems']} item(s)"
    if kind in {"greater_than_equal", "less_than_equal", "int_parsing", "int_from_float"}:
        return (f"{name} must be a whole number from {described['minimum']} to {described['maximum']}, "
                f"not {shown(value)}")
    if kind in {"literal_error", "enum", "union_tag_invalid"}:
        choices = described.get("enum") or [described["const"]]
        return f"{name} must be {' or '.join(json.dumps(choice) for choice in choices)}, not {shown(value)}"
    if kind in {"string_pattern_mismatch", "string_too_short"} and described.get("x-error"):
        return described["x-error"].format(name=name, value=shown(value))
    # Our own validators' messages (PydanticCustomError), and anything else pydantic finds.
    return f"{name} {problem['msg']}" if name else problem["msg"]


KINDS = {"string_type": "a string", "int_type": "a whole number", "bool_type": "true or false",
         "list_type": "a list", "dict_type": "an object", "model_type": "an object", "model_attributes_type":
         "an object", "none_type": "null"}
# A union member's name in an error's loc ("str", "list[...]", "function-after[...]") -> its JSON type.
MEMBER_TYPES = {"str": "string", "constrained-str": "string", "list": "array", "function-after": "array",
                "int": "integer", "bool": "boolean", "none": "null", "dict": "object"}


def shown(value) -> str:
    """Return a value as a message shows it: as Python writes it, cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def locate(schema: dict, loc: tuple) -> tuple[str, dict]:
    """Return where a problem is (messages[0].content) and the JSON schema of that place ({} when unknown).

    Follows $refs, list items and union members: an error's loc names the member it failed in
    (a type such as "str", or a discriminator's value such as "user").
    """
    defs, node, name = schema.get("$defs", {}), schema, ""
    for part in loc:
        node = resolved(defs, node)
        if isinstance(part, int):
            name, node = name + f"[{part}]", node.get("items", {})
        elif part in node.get("properties", {}):
            name, node = name + (f".{part}" if name else part), node["properties"][part]
        else:
            members = [resolved(defs, member) for member in node.get("anyOf", []) + node.get("oneOf", [])]
            kind = MEMBER_TYPES.get(part.split("[")[0])
            tagged = [m for m in members if m.get("type") == kind or any(
                part == p.get("const") or part in p.get("enum", []) for p in m.get("properties", {}).values())]
            node = tagged[0] if tagged else {}
    node = resolved(defs, node)
    kept = [resolved(defs, member) for member in node.get("anyOf", []) if member.get("type") != "null"]
    return name, (node | kept[0] if len(kept) == 1 else node)  # an optional field: its value's schema


def resolved(defs: dict, node: dict) -> dict:
    """Return a schema with its $ref followed."""
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    return node


def json_object(example: str) -> dict:
    """Return the request body as a JSON object.

    Raises UnsupportedMediaType (415) or BadRequest (400) saying what to send instead, like `example`.
    """
    if not request.is_json:
        raise UnsupportedMediaType(f"send JSON with the header Content-Type: application/json, like {example}")
    body = json_body(example)
    if not isinstance(body, dict):
        raise BadRequest(f"the body must be a JSON object, like {example}")
    return body


def json_body(example: str):
    """Return the request body read as JSON (the answer and admin APIs both take JSON).

    Raises BadRequest saying what is wrong, with `example` of what to send.
    """
    try:
        return json.loads(request.get_data())
    except RecursionError:
        raise BadRequest("the JSON body is nested too deeply") from None
    except json.JSONDecodeError as error:
        raise BadRequest(f"the body is not valid JSON ({error}); send {example}") from None
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8 text; send JSON encoded as UTF-8") from None
    except ValueError:  # Python refuses integers of more than 4300 digits
        raise BadRequest("the JSON body holds a number too long to read") from None
