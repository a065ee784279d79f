"""/openapi.json: the OpenAPI 3.1 description, written from the routes' contracts (contract.OPERATIONS).

Each route declares its request and response models where it is routed, and the same models
validate its requests, so the description cannot drift from the code; tests/test_openapi.py
runs schemathesis against the app to check that it does not.
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from . import admin, admin_articles, admin_stats, admin_taught, api, console, feedback, openai_compat  # noqa: F401 - importing them routes (and describes) their endpoints
from .contract import OPERATIONS, Operation

bp = Blueprint("openapi", __name__)
REF = "#/components/schemas/{model}"
SECURITY_SCHEMES = {
    "adminToken": {"type": "http", "scheme": "bearer",
                   "description": "The server's ASSISTANT_ADMIN_TOKEN; without it the admin API answers 403."},
    "apiKey": {"type": "http", "scheme": "bearer",
               "description": "The server's ASSISTANT_API_KEY, if it has one; otherwise any key or none."},
}


def spec() -> dict:
    """Return the OpenAPI document."""
    try:
        api_version = version("iliopsoas-assistant")
    except PackageNotFoundError:  # running from a checkout that was never installed
        api_version = "0"
    schemas, refs = component_schemas()
    paths = {path: {method: operation_object(operation, refs) for method, operation in sorted(methods.items())}
             for path, methods in sorted(OPERATIONS.items())}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Iliopsoas assistant API", "version": api_version,
                 "description": "Answers questions about the hip flexors from our articles, with citations. "
                                "General information, not medical advice."},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES},
    }


def models_of(operation: Operation) -> list[tuple[type[BaseModel], str]]:
    """Return the models an operation's description refers to, each with its JSON schema mode."""
    bodies = [operation.body, *operation.extra_content["request"].values()]
    return ([(model, "validation") for model in bodies if isinstance(model, type)] +
            [(model, "serialization") for model in (operation.response, operation.error) if model])


def component_schemas() -> tuple[dict, dict]:
    """Return the components' schemas and, by (model, mode), the reference to each."""
    models = list(dict.fromkeys(pair for methods in OPERATIONS.values() for op in methods.values()
                                for pair in models_of(op)))
    refs, top = models_json_schema(models, ref_template=REF)
    return top.get("$defs", {}), refs


def json_content(schema: dict) -> dict:
    """Return the content of a JSON body of `schema`."""
    return {"application/json": {"schema": schema}}


def operation_object(operation: Operation, refs: dict) -> dict:
    """Return the OpenAPI operation object of one route."""
    error = {"description": operation.error.__doc__,
             "content": json_content(refs[(operation.error, "serialization")])}
    ok = {"description": ((operation.response and operation.response.__doc__) or "OK").strip(),
          "content": json_content(refs[(operation.response, "serialization")]) if operation.response else {}}
    for media, schema in operation.extra_content["response"].items():
        ok["content"][media] = {"schema": schema}
    responses = {str(operation.status): ok, **{str(status): {**error, "description": description}
                                               for status, description in sorted(operation.errors.items())},
                 "default": error}
    described = {"summary": operation.summary, "tags": [operation.tag], "responses": responses}
    if operation.security:
        described["security"] = list(operation.security)
    parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"},
                   "description": description} for name, description in operation.params.items()]
    if operation.query:
        parameters += query_parameters(operation.query)
    if parameters:
        described["parameters"] = parameters
    bodies = {"application/json": operation.body} if operation.body else {}
    bodies |= operation.extra_content["request"]
    if bodies:
        described["requestBody"] = {"required": True, "content": {
            media: {"schema": refs[(model, "validation")]} for media, model in bodies.items()}}
    return described


def query_parameters(model: type[BaseModel]) -> list[dict]:
    """Return a query model's fields as OpenAPI parameters (an optional one: its value's schema, not null)."""
    schema = model.model_json_schema()
    parameters = []
    for name, field in schema["properties"].items():
        field = dict(field)
        description = field.pop("description", "")
        field.pop("title", None)
        members = [member for member in field.pop("anyOf", []) if member.get("type") != "null"]
        if members:
            field |= members[0]
            if field.get("default", 0) is None:
                del field["default"]
        parameters.append({"name": name, "in": "query", "required": name in schema.get("required", []),
                           "schema": field, "description": description})
    return parameters


@bp.get("/openapi.json")
def openapi_json():
    """Serve the OpenAPI description."""
    return jsonify(spec())
