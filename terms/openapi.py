"""The API's OpenAPI documentation beyond what drf-spectacular reads from the code:
examples of a term, and the error responses every operation can give."""

TERM_DETAIL_EXAMPLE = {
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
    "created_at": "2026-01-05T09:30:00Z",
    "updated_at": "2026-02-11T16:02:44Z",
}

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


ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationError": {
        "type": "object",
        "description": "Messages by field path, e.g. `use_cases[1].outcome`.",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
}
ERROR_DESCRIPTIONS = {
    "400": ("ValidationError", "Invalid parameters or payload; messages by field path."),
    "401": ("Error", "Writes need a token (`Authorization: Token <key>`) or a session."),
    "403": ("Error", "Signed in, but without the model permission this change needs."),
    "404": ("Error", "No such object, or a page past the end."),
    "413": ("Error", "The body is over the size limit."),
    "429": ("Error", "Over the rate limit; `Retry-After` says how many seconds to wait."),
}


def document_errors(result, generator, request, public):
    """Spectacular hook: the error responses every operation can give, in one place."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for path_, operations in result["paths"].items():
        for method, operation in operations.items():
            codes = {"429"}
            params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            if "{" in path_ or "page" in params:
                codes.add("404")
            if method == "get" and params - {"page", "page_size"}:
                codes.add("400")
            if method in {"post", "put", "patch", "delete"}:
                codes |= {"401", "403"} | ({"400", "413"} if method != "delete" else set())
            # Errors come in the negotiated format: text for `?format=txt`.
            as_text = "text/plain" in operation["responses"].get("200", {}).get("content", {})
            for code in sorted(codes):
                schema, description = ERROR_DESCRIPTIONS[code]
                content = {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}
                }
                if as_text:
                    content["text/plain"] = {"schema": {"type": "string"}}
                operation["responses"].setdefault(
                    code, {"description": description, "content": content}
                )
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
    for operations in result["paths"].values():
        for method, operation in operations.items():
            security = operation.get("security")
            if method in {"get", "head"} and security is not None and {} not in security:
                security.append({})
    return result


def document_empty_filters(result, generator, request, public):
    """Spectacular hook: a filter given empty (`?difficulty=`, as an HTML form sends it)
    filters nothing rather than failing; `allowEmptyValue` says so."""
    from terms.filters import TermFilter

    for parameter in result["paths"]["/api/v1/terms/"]["get"]["parameters"]:
        if parameter["in"] == "query" and parameter["name"] in TermFilter.base_filters:
            parameter["allowEmptyValue"] = True
    return result


def canonical_paths_only(endpoints):
    """Spectacular preprocessing hook: each URL once, in its canonical form with the slash
    (terms.api also answers it without, for clients that leave the slash off)."""
    return [endpoint for endpoint in endpoints if endpoint[0].endswith("/")]
