"""The term page's list tags print exactly what the template loops they replaced printed."""

from types import SimpleNamespace as Obj

import pytest
from django.template import engines

from terms.templatetags import glossary

# The loops as term_detail.html had them, the reference each tag must match byte for byte.
LOOPS = {
    "use_case_cards": """{% for case in use_cases %}
      <li class="card">
        <p class="org">{{ case.organization }}</p>
        <h3>{{ case.title }}</h3>
        <p>{{ case.description }}</p>
        <p class="outcome"><strong>Outcome:</strong> {{ case.outcome }}</p>
      </li>
    {% endfor %}""",
    "equivalents_strip": """{% for provider, rows in equivalents %}
        <div><dt>{{ provider.short_name }}</dt><dd>{% for e in rows %}{{ e.service }}{% if not forloop.last %} · {% endif %}{% endfor %}</dd></div>
      {% endfor %}""",
    "equivalents_rows": """{% load glossary %}{% for provider, rows in equivalents %}
        <tr>
          <th scope="row"><a href="{% page_url 'terms:provider-detail' provider.slug %}">{{ provider.short_name }}</a></th>
          <td>{% for e in rows %}<span class="service">{{ e.service }}</span>{% if not forloop.last %}<br>{% endif %}{% endfor %}</td>
          <td>{% for e in rows %}{{ e.note }}{% if not forloop.last and e.note %}<br>{% endif %}{% endfor %}</td>
          {% if has_docs %}<td>{% for e in rows %}{% if e.url %}<a href="{{ e.url }}" rel="noopener noreferrer">{{ e.service }} docs<span class="visually-hidden"> ({{ provider.short_name }})</span></a>{% if not forloop.last %}<br>{% endif %}{% endif %}{% endfor %}</td>{% endif %}
        </tr>
      {% endfor %}""",
    "faq_items": """{% for faq in faqs %}
    <details class="faq">
      <summary>{{ faq.question }}</summary>
      <div class="answer">{{ faq.answer_html|safe }}</div>
    </details>
    {% endfor %}""",
    "term_link_items": """{% load glossary %}{% for other in terms %}<li>{% term_link other %}</li>{% endfor %}""",
}

TRICKY = "R&D <b>\"quoted\"</b> 'single'"


def equivalent(service, note="", url=""):
    return Obj(service=service, note=note, url=url)


def provider(slug, short_name):
    return Obj(slug=slug, short_name=short_name)


# Notes and URLs missing in the middle, at the end, everywhere; one and several rows.
EQUIVALENTS = [
    (
        provider("aws", "AWS"),
        [equivalent("S3", "buckets", "https://a/"), equivalent("Glacier"), equivalent(TRICKY)],
    ),
    (provider("azure", "Azure & co"), [equivalent("Blob", "", "https://b/?x=1&y=<2>")]),
    (provider("gcp", "GCP"), [equivalent("GCS"), equivalent("Filestore", "files", "")]),
    (provider("oci", "OCI"), [equivalent("OS", "n1", "https://c/"), equivalent("FSS", "n2")]),
]

CONTEXTS = {
    "use_case_cards": {
        "use_cases": [
            Obj(organization=TRICKY, title="T", description="D\nmore", outcome="O"),
            Obj(organization="Org", title=TRICKY, description=TRICKY, outcome=TRICKY),
        ]
    },
    "equivalents_strip": {"equivalents": EQUIVALENTS},
    "equivalents_rows": {"equivalents": EQUIVALENTS},
    "faq_items": {
        "faqs": [
            Obj(question=TRICKY, answer_html="<p>An <em>answer</em> &amp; more</p>"),
            Obj(question="Q2", answer_html=""),
        ]
    },
    "term_link_items": {
        "terms": [
            Obj(slug="object-storage", summary=TRICKY, name="Object Storage"),
            Obj(slug="r-d", summary="", name=TRICKY),
        ]
    },
}

ARGUMENTS = {
    "use_case_cards": ["use_cases"],
    "equivalents_strip": ["equivalents"],
    "equivalents_rows": ["equivalents", "has_docs"],
    "faq_items": ["faqs"],
    "term_link_items": ["terms"],
}


def render(source, context):
    return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize("name", sorted(LOOPS))
@pytest.mark.parametrize("has_docs", [True, False])
def test_list_tag_prints_what_its_loop_printed(name, has_docs):
    context = {**CONTEXTS[name], "has_docs": has_docs}
    arguments = " ".join(ARGUMENTS[name])
    expected = render(LOOPS[name], context)
    assert render(f"{{% load glossary %}}{{% {name} {arguments} %}}", context) == expected


@pytest.mark.parametrize("name", sorted(LOOPS))
def test_list_tag_prints_nothing_for_an_empty_list(name):
    empty = {key: [] for key in ARGUMENTS[name] if key != "has_docs"}
    arguments = [empty.get(key, True) for key in ARGUMENTS[name]]
    assert getattr(glossary, name)(*arguments) == ""
