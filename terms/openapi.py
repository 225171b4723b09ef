"""The API's OpenAPI documentation beyond what drf-spectacular reads from the code:
examples of a term, and the error responses every operation can give."""

TERM_DETAIL_EXAMPLE = {
    "id": 42,
    "name": "Model Training",
    "slug": "model-training",
    "url": "https://glossary.example.com/api/v1/terms/model-training/",
    "html_url": "https://glossary.example.com/terms/model-training/",
    "definition": "The process of teaching an AI model to recognize patterns by feeding it "
    "labeled data and adjusting its parameters for optimal performance.",
    "definition_html": "<p>The process of teaching an AI model to recognize patterns by "
    "feeding it labeled data and adjusting its parameters for optimal performance.</p>",
    "summary": "The process of teaching an AI model to recognize patterns by feeding it "
    "labeled data and adjusting its parameters for optimal performance.",
    "category": {"slug": "ai-ml", "name": "AI & Machine Learning"},
    "difficulty": "intermediate",
    "aliases": ["Training"],
    "use_cases": [
        {
            "organization": "Netflix",
            "title": "Personalized recommendations to help users discover content",
            "description": "Trains recommendation and ranking models on user interaction data.",
            "outcome": "More relevant recommendations and improved user engagement.",
        }
    ],
    "provider_equivalents": [
        {
            "provider": {"slug": "aws", "short_name": "AWS", "name": "Amazon Web Services"},
            "service": "Amazon SageMaker Training",
            "note": "",
            "url": "",
        },
        {
            "provider": {"slug": "azure", "short_name": "Azure", "name": "Microsoft Azure"},
            "service": "Azure Machine Learning",
            "note": "training jobs",
            "url": "",
        },
    ],
    "faqs": [
        {
            "question": "What's the difference between model training and model inference?",
            "answer": "Training teaches a model from data; inference uses it on new data.",
            "answer_html": "<p>Training teaches a model from data; inference uses it on new "
            "data.</p>",
        }
    ],
    "related_terms": [
        {
            "name": "Model Inference",
            "slug": "model-inference",
            "url": "https://glossary.example.com/api/v1/terms/model-inference/",
            "html_url": "https://glossary.example.com/terms/model-inference/",
        }
    ],
    "see_also": [],
    "status": "published",
    "created_at": "2026-01-05T09:30:00Z",
    "updated_at": "2026-02-11T16:02:44Z",
    "changed_at": "2026-02-12T08:15:03Z",
}

TERM_TEXT_EXAMPLE = """Model Training
Definition
The process of teaching an AI model to recognize patterns by feeding it labeled data and \
adjusting its parameters for optimal performance.
Aliases
- Training
Use Cases
- Netflix: Personalized recommendations to help users discover content \u2014 Trains \
recommendation and ranking models on user interaction data. (More relevant recommendations \
and improved user engagement.)
Provider Equivalents
- AWS: Amazon SageMaker Training
- Azure: Azure Machine Learning (training jobs)
Frequently Asked Questions
- What's the difference between model training and model inference?
- Training teaches a model from data; inference uses it on new data.
Category: ai-ml
Difficulty: intermediate
Related Terms
- Model Inference
See Also
"""

TERM_WRITE_EXAMPLE = {
    "name": "Object Storage",
    "definition": "Storage that keeps data as objects in a flat namespace. It scales far.",
    "category": "storage",
    "difficulty": "beginner",
    "aliases": ["Blob storage"],
    "use_cases": [
        {
            "organization": "Airbnb",
            "title": "Photo storage",
            "description": "Keeps listing photos in buckets.",
            "outcome": "Cheap, durable storage.",
        }
    ],
    "provider_equivalents": [
        {"provider": "aws", "service": "Amazon S3", "note": "", "url": ""},
        {"provider": "azure", "service": "Azure Blob Storage", "note": "", "url": ""},
    ],
    "faqs": [{"question": "Is it a file system?", "answer": "No: objects have no folders."}],
    "related_terms": [],
    "see_also": [],
}


TERM_SUMMARY_EXAMPLE = {
    key: TERM_DETAIL_EXAMPLE[key]
    for key in ("id", "name", "slug", "url", "html_url", "category", "difficulty", "aliases")
} | {key: TERM_DETAIL_EXAMPLE[key] for key in ("summary", "updated_at", "changed_at")}
TERM_LINK_EXAMPLE = TERM_DETAIL_EXAMPLE["related_terms"][0]
CATEGORY_EXAMPLE = {
    "slug": "ai-ml",
    "name": "AI & Machine Learning",
    "description": "How machines learn from data, and the services that run it.",
    "url": "https://glossary.example.com/api/v1/categories/ai-ml/",
    "html_url": "https://glossary.example.com/categories/ai-ml/",
    "term_count": 12,
}
PROVIDER_EXAMPLE = {
    "slug": "aws",
    "short_name": "AWS",
    "name": "Amazon Web Services",
    "website": "https://aws.amazon.com/",
    "url": "https://glossary.example.com/api/v1/providers/aws/",
    "html_url": "https://glossary.example.com/providers/aws/",
    "term_count": 25,
}
AZURE = TERM_DETAIL_EXAMPLE["provider_equivalents"][1]["provider"]
# Answers ("200" for JSON, "200 text/plain" otherwise) and request bodies by operationId,
# where the views declare none.
OPERATION_EXAMPLES = {
    "terms_list": {
        "200": {
            "count": 32,
            "next": "https://glossary.example.com/api/v1/terms/?page=2",
            "previous": None,
            "results": [TERM_SUMMARY_EXAMPLE],
            "count_capped": False,
        }
    },
    "terms_update": {"request": TERM_WRITE_EXAMPLE, "200": TERM_DETAIL_EXAMPLE},
    "terms_partial_update": {
        "request": {"difficulty": "advanced", "aliases": ["Training", "Fitting"]},
        "200": TERM_DETAIL_EXAMPLE,
    },
    "terms_create": {"201": TERM_DETAIL_EXAMPLE},
    "terms_retrieve": {"200 text/plain": TERM_TEXT_EXAMPLE},
    "terms_text_retrieve": {"200 text/plain": TERM_TEXT_EXAMPLE},
    "categories_list": {"200": [CATEGORY_EXAMPLE]},
    "categories_retrieve": {"200": CATEGORY_EXAMPLE | {"terms": [TERM_LINK_EXAMPLE]}},
    "providers_list": {"200": [PROVIDER_EXAMPLE]},
    "providers_retrieve": {
        "200": PROVIDER_EXAMPLE
        | {
            "services": [
                {"service": "Amazon SageMaker Training", "terms": [TERM_LINK_EXAMPLE]},
            ]
        }
    },
    "equivalents_lookup": {
        "200": {
            "provider": TERM_DETAIL_EXAMPLE["provider_equivalents"][0]["provider"],
            "service": "sagemaker training",
            "results": [
                {
                    "term": TERM_LINK_EXAMPLE
                    | {"name": "Model Training", "slug": "model-training"},
                    "matched_on": "service",
                    "equivalents": [TERM_DETAIL_EXAMPLE["provider_equivalents"][1]],
                }
            ],
        }
    },
}

TRASHED_TERM_EXAMPLE = {
    "name": "Object Storage",
    "slug": "object-storage",
    "category": "storage",
    "status": "published",
    "deleted_at": "2026-02-14T10:20:00Z",
    "deleted_by": "publisher",
    "version": 7,
}
WEBHOOK_WRITE_EXAMPLE = {
    "url": "https://integrator.example/glossary-hook",
    "description": "Mirror of the glossary",
    "events": ["term.created", "term.updated", "term.deleted"],
    "is_active": True,
}
WEBHOOK_EXAMPLE = {"id": 3, **WEBHOOK_WRITE_EXAMPLE} | {
    "secret": "whsec_Q0hBTkdFLU1FLVRISVMtSVMtQU4tRVhBTVBMRQ",
    "created_at": "2026-02-01T12:00:00Z",
}
DELIVERY_EXAMPLE = {
    "id": "0b7c6a8e-3f57-4a0e-9d43-0d1e8c1c2f6b",
    "endpoint": 3,
    "event": "term.updated",
    "term_id": 42,
    "term_slug": "model-training",
    "occurred_at": "2026-02-12T08:15:03Z",
    "state": "succeeded",
    "attempt_count": 2,
    "next_attempt_at": None,
    "retry_until": "2026-02-13T08:15:03Z",
    "attempts": [
        {
            "number": 1,
            "started_at": "2026-02-12T08:15:04Z",
            "duration_ms": 5000,
            "status_code": None,
            "response_snippet": "",
            "error": "TimeoutError: timed out",
        },
        {
            "number": 2,
            "started_at": "2026-02-12T08:16:02Z",
            "duration_ms": 84,
            "status_code": 200,
            "response_snippet": "ok",
            "error": "",
        },
    ],
}


def _page(results):
    """A one-page list's answer."""
    return {
        "count": 1,
        "next": None,
        "previous": None,
        "results": results,
        "count_capped": False,
    }


OPERATION_EXAMPLES |= {
    "sync": {
        "200": {
            "items": [TERM_DETAIL_EXAMPLE],
            "deleted": [{"id": 17, "slug": "data-lake-house", "at": "2026-02-12T07:58:41Z"}],
            "next_sync_token": "eyJ2IjoxLCJzY29wZSI6InB1Ymxpc2hlZCIsInNpbmNlIjo5MX0:sync-token",
        }
    },
    "trash_list": {"200": _page([TRASHED_TERM_EXAMPLE])},
    "trash_restore_create": {"200": TRASHED_TERM_EXAMPLE | {"deleted_at": None}},
    "webhooks_list": {"200": _page([WEBHOOK_EXAMPLE])},
    "webhooks_create": {"request": WEBHOOK_WRITE_EXAMPLE, "201": WEBHOOK_EXAMPLE},
    "webhooks_retrieve": {"200": WEBHOOK_EXAMPLE},
    "webhooks_update": {"request": WEBHOOK_WRITE_EXAMPLE, "200": WEBHOOK_EXAMPLE},
    "webhooks_partial_update": {
        "request": {"is_active": False},
        "200": WEBHOOK_EXAMPLE | {"is_active": False},
    },
    "webhooks_deliveries_list": {"200": _page([DELIVERY_EXAMPLE])},
    "webhooks_deliveries_retrieve": {"200": DELIVERY_EXAMPLE},
    "webhooks_deliveries_redeliver_create": {
        "202": DELIVERY_EXAMPLE | {"state": "pending", "next_attempt_at": "2026-02-14T09:00:00Z"}
    },
}

ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "description": (
            "Every error under /api/ has this shape. `code` is machine-readable and stable "
            "(`required`, `invalid`, `unknown_field`, `not_found`, `throttled`, ...); "
            "`field` names the parameter or payload path the error is about "
            "(`faqs[0].answer`), or is null when it is about the request as a whole; "
            "`message` is for people."
        ),
        "properties": {
            "errors": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "field": {"type": "string", "nullable": True},
                        "message": {"type": "string"},
                    },
                    "required": ["code", "field", "message"],
                },
            }
        },
        "required": ["errors"],
    },
    "PreconditionFailed": {
        "allOf": [
            {"$ref": "#/components/schemas/Error"},
            {
                "type": "object",
                "properties": {
                    "current_etag": {"type": "string", "description": "The term's ETag now."}
                },
                "required": ["current_etag"],
            },
        ]
    },
}

NOT_FOUND = {"errors": [{"code": "not_found", "field": None, "message": "Not found."}]}
INVALID = {
    "errors": [
        {"code": "required", "field": "faqs[0].answer", "message": "This field is required."},
        {
            "code": "unknown_field",
            "field": "difficutly",
            "message": "Not a field you can write here.",
        },
    ]
}

# Status: (component, description, example body).
ERRORS = {
    "400": ("Error", "Invalid parameters or payload; one error per field path.", INVALID),
    "401": (
        "Error",
        "The credentials sent are wrong (a bad token), or a write came without any. Writes "
        "need `Authorization: Token <key>` or a session.",
        {"errors": [{"code": "authentication_failed", "field": None, "message": "Invalid token."}]},
    ),
    "403": (
        "Error",
        "Signed in, but without the permission this change needs.",
        {
            "errors": [
                {
                    "code": "permission_denied",
                    "field": None,
                    "message": "You do not have permission to perform this action.",
                }
            ]
        },
    ),
    "404": ("Error", "No such object, or a page past the end.", NOT_FOUND),
    "406": (
        "Error",
        "`Accept` (or `?format=`) asks for a format this operation does not give.",
        {
            "errors": [
                {
                    "code": "not_acceptable",
                    "field": None,
                    "message": "Could not satisfy the request Accept header.",
                }
            ]
        },
    ),
    "412": (
        "PreconditionFailed",
        "`If-Match` names an older version of the term; nothing was changed. The `ETag` "
        "header and `current_etag` give the version now.",
        {
            "errors": [
                {
                    "code": "precondition_failed",
                    "field": None,
                    "message": "The term changed since the version your If-Match names. GET "
                    "it again, apply your change to it, and send its ETag.",
                }
            ],
            "current_etag": '"12-4"',
        },
    ),
    "413": (
        "Error",
        "The body is over the size limit.",
        {
            "errors": [
                {
                    "code": "body_too_large",
                    "field": None,
                    "message": "The request body is over the size limit.",
                }
            ]
        },
    ),
    "415": (
        "Error",
        "The body is not JSON (`Content-Type: application/json`); forms and multipart bodies "
        "are refused.",
        {
            "errors": [
                {
                    "code": "unsupported_media_type",
                    "field": None,
                    "message": 'Unsupported media type "multipart/form-data" in request.',
                }
            ]
        },
    ),
    "429": (
        "Error",
        "Over the rate limit; `Retry-After` says how many seconds to wait.",
        {
            "errors": [
                {
                    "code": "throttled",
                    "field": None,
                    "message": "Request was throttled. Expected available in 12 seconds.",
                }
            ]
        },
    ),
}

HEADERS = {
    "ETag": "The representation's version. Send it in `If-None-Match` to get 304 when it has "
    "not changed; a term's ETag also goes in `If-Match` to change the term safely.",
    "Last-Modified": "When the newest term in the answer changed; `If-Modified-Since` with it "
    "gets 304 when nothing newer exists.",
    "Retry-After": "Seconds to wait before trying again.",
    "Location": "The new term's URL.",
}
CONDITIONAL_GET = [
    ("If-None-Match", "An `ETag` from an earlier answer: 304, without a body, if it still holds."),
    ("If-Modified-Since", "A `Last-Modified` from an earlier answer: 304 if nothing is newer."),
]


# What no single operation can state: answers to methods and URLs the schema does not list.
API_NOTES = """

Every error has one shape, the `Error` schema: `{"errors": [{"code", "field", "message"}]}`.
A method a URL does not take is answered `405` (`method_not_allowed`) with an `Allow`
header, and a URL no operation has `404` (`not_found`), both in that shape. Request bodies
are JSON (`Content-Type: application/json`); any other type is `415`."""


def _header(name):
    return {"schema": {"type": "string"}, "description": HEADERS[name]}


def _error_response(code, types, description=None):
    schema, default_description, example = ERRORS[code]
    description = description or default_description
    content = {}
    for media_type in types:
        if media_type == "application/json":
            content[media_type] = {
                "schema": {"$ref": f"#/components/schemas/{schema}"},
                "examples": {code: {"value": example}},
            }
        else:
            # The text format answers errors as text: their messages, one a line.
            content[media_type] = {"schema": {"type": "string"}}
    response = {"description": description, "content": content}
    if code == "429":
        response["headers"] = {"Retry-After": _header("Retry-After")}
    if code == "412":
        response["headers"] = {"ETag": _header("ETag")}
    return response


def error_codes(path, method, operation):
    """The error statuses an operation can answer with."""
    # Any operation: a bad query parameter or token, an Accept it cannot meet, a rate limit.
    codes = {"400", "401", "406", "429"}
    params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    if "{" in path or "page" in params:
        codes.add("404")
    if method in {"post", "put", "patch"}:
        codes |= {"403", "413", "415"}
    if method == "delete":
        codes.add("403")
    if method in {"put", "patch", "delete"}:
        codes.add("412")
    if path.startswith(PRIVATE_PATHS) or operation["operationId"] in REFUSED_READS:
        codes.add("403")
    return codes


# Paths whose reads too need credentials: webhooks (staff with their permissions,
# terms.api_webhooks) and the trash (Publishers, terms.api_trash).
PRIVATE_PATHS = ("/api/v1/webhooks/", "/api/v1/trash/")
# Reads open to everyone that refuse some of what they can be asked, by operationId: what
# their 403 means.
REFUSED_READS = {
    "sync": "Drafts asked for (`drafts=true`, or a token that says so) without the "
    "permission to see them.",
}


def document_errors(result, generator, request, public):
    """Spectacular hook: every operation's error responses in the one `Error` shape, the
    headers each answer carries, and 304 for conditional reads."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    result["info"]["description"] += API_NOTES
    for path_, operations in result["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            # Errors come in the types the answer does, the main one first (a generated
            # client parses that one); a URL no view matches answers JSON whatever it asks.
            types = list(responses.get("200", {}).get("content", {})) or ["application/json"]
            types += ["application/json"] if "application/json" not in types else []
            for code in sorted(error_codes(path_, method, operation)):
                refused = REFUSED_READS.get(operation["operationId"]) if code == "403" else None
                responses[code] = _error_response(code, types, refused)
            for status, response in responses.items():
                headers = response.setdefault("headers", {})
                if status in {"200", "201"}:
                    headers.setdefault("ETag", _header("ETag"))
                if status == "201":
                    headers["Location"] = _header("Location")
            if method == "get":
                if path_.startswith("/api/v1/terms/"):
                    responses["200"]["headers"]["Last-Modified"] = _header("Last-Modified")
                responses["304"] = {
                    "description": "Not modified: the copy the conditional headers name is "
                    "current.",
                    "headers": {"ETag": _header("ETag")},
                }
                operation.setdefault("parameters", []).extend(
                    {"in": "header", "name": name, "schema": {"type": "string"}, "description": d}
                    for name, d in CONDITIONAL_GET
                )
            for response in responses.values():
                if not response.get("headers", True):
                    del response["headers"]
            operation["responses"] = dict(sorted(responses.items()))
    return result


def document_list_caps(result, generator, request, public):
    """Spectacular hook: `maxItems` for the nested lists of a term write, which drf-spectacular
    leaves out for a ListSerializer's max_length."""
    from terms.serializers import TermWriteSerializer

    fields = TermWriteSerializer().fields
    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name not in {"TermWriteRequest", "PatchedTermWriteRequest"}:
            continue
        for field_name, prop in schema["properties"].items():
            cap = getattr(fields[field_name], "max_length", None)
            if prop.get("type") == "array" and cap is not None:
                prop["maxItems"] = cap
    return result


def document_public_reads(result, generator, request, public):
    """Spectacular hook: reads need no credentials (DjangoModelPermissionsOrAnonReadOnly),
    which drf-spectacular cannot tell from that permission class."""
    for path_, operations in result["paths"].items():
        if path_.startswith(PRIVATE_PATHS):
            continue
        for method, operation in operations.items():
            security = operation.get("security")
            if method in {"get", "head"} and security is not None and {} not in security:
                security.append({})
    return result


def document_empty_filters(result, generator, request, public):
    """Spectacular hook: a filter given empty (`?difficulty=`, as an HTML form sends it)
    filters nothing rather than failing, as an empty `page`, `page_size` or `fields` asks for
    the first page, the usual size and every field; `allowEmptyValue` says so."""
    from terms.api_webhooks import WebhookDeliveryViewSet
    from terms.filters import TermFilter

    filters = {
        "/api/v1/terms/": set(TermFilter.base_filters),
        "/api/v1/webhooks/deliveries/": set(WebhookDeliveryViewSet.filterset_fields),
    }
    for path_, operations in result["paths"].items():
        optional = {"page", "page_size", "fields"} | filters.get(path_, set())
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["in"] == "query" and parameter["name"] in optional:
                parameter["allowEmptyValue"] = True
    return result


# Response fields present only in some answers: a sync page has either the next page's URL
# or, the last, the token for the next sync.
SOMETIMES_ABSENT = {"SyncPage": {"next_page_url", "next_sync_token"}}


def document_fields(result, generator, request, public):
    """Spectacular hook: bodies and answers stated exactly. A body's unknown key is refused.
    Every field of a response object is always there, and a slug is never empty; links a
    provider has not given are empty strings, not a second kind of value (no `oneOf` with an
    empty branch in responses)."""
    schemas = result["components"]["schemas"]
    for name, schema in schemas.items():
        if name.endswith("Request"):
            schema["additionalProperties"] = False
        if name.endswith("Request") or name in ERROR_SCHEMAS or "properties" not in schema:
            continue
        if name.startswith("Paginated"):
            # `next` and `previous`: null at the ends. Examples that fit this API.
            schema["required"] = list(schema["properties"])
            for key, page in (("next", 3), ("previous", 1)):
                example = f"https://glossary.example.com/api/v1/terms/?page={page}"
                schema["properties"][key]["example"] = example
            continue
        optional = SOMETIMES_ABSENT.get(name, ())
        schema["required"] = [field for field in schema["properties"] if field not in optional]
        for field, prop in schema["properties"].items():
            branches = prop.pop("oneOf", None)
            if branches is None:
                continue
            given = next(b for b in branches if b.get("maxLength") != 0)
            if field == "slug":
                prop.update(given)
            else:
                prop.update(type="string", description="A URL, or an empty string for none.")
    return result


def document_examples(result, generator, request, public):
    """Spectacular hook: an example answer (and body, for writes) for every operation."""
    for operations in result["paths"].values():
        for operation in operations.values():
            for key, value in OPERATION_EXAMPLES.get(operation["operationId"], {}).items():
                status, _, media_type = key.partition(" ")
                media_type = media_type or "application/json"
                if status == "request":
                    target = operation["requestBody"]["content"][media_type]
                else:
                    target = operation["responses"][status]["content"][media_type]
                target.setdefault("examples", {}).setdefault(
                    operation["operationId"], {"value": value}
                )
    return result


def document_one_type_per_operation(result, generator, request, public):
    """Spectacular hook: no `format` parameter on a term's JSON operation. A generated client
    would offer `format=txt` there and then parse the text as JSON; `terms_text_retrieve`
    is the text format's operation (`?format=txt` still works, for curl)."""
    operation = result["paths"]["/api/v1/terms/{slug}/"]["get"]
    operation["parameters"] = [p for p in operation["parameters"] if p["name"] != "format"]
    return result


def canonical_paths_only(endpoints):
    """Spectacular preprocessing hook: each URL once, in its canonical form with the slash
    (terms.api also answers it without, for clients that leave the slash off)."""
    return [endpoint for endpoint in endpoints if endpoint[0].endswith("/")]
