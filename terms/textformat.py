"""Read and write the plain-text entry format, as pure functions.

An entry is one term::

    Model Training
    Definition
    The process of teaching a model ...
    Aliases                                  (optional)
    - Training
    Use Cases
    - Netflix: Recommendations — Trains ranking models ... (More relevant recommendations.)
    Provider Equivalents
    - AWS: Amazon SageMaker Training
    - Azure: Azure Machine Learning (training jobs)
    Frequently Asked Questions
    - What is the difference between training and inference?
    - Training teaches a model; inference uses it.
    Category: ai-ml
    Difficulty: intermediate
    Related Terms
    - Model Inference
    See Also

`parse()` turns text into an `Entry`, or raises `ParseErrors` listing every
problem of the file, each a `ParseError` naming its line; `serialize()` writes
the canonical text, so that serialize(parse(serialize(entry))) == serialize(entry).
"""

import re
from dataclasses import dataclass, field

from django.utils.text import slugify

DIFFICULTIES = ("beginner", "intermediate", "advanced")

DEFINITION = "Definition"
ALIASES = "Aliases"
USE_CASES = "Use Cases"
EQUIVALENTS = "Provider Equivalents"
FAQS = "Frequently Asked Questions"
RELATED = "Related Terms"
SEE_ALSO = "See Also"
LIST_SECTIONS = (ALIASES, USE_CASES, EQUIVALENTS, FAQS, RELATED, SEE_ALSO)
SECTIONS = (DEFINITION, *LIST_SECTIONS)

# Headings people write by mistake, mapped to the one we expect, so the error can say so.
_NEAR_MISSES = {
    "definitions": DEFINITION,
    "alias": ALIASES,
    "use case": USE_CASES,
    "usecases": USE_CASES,
    "examples": USE_CASES,
    "providers": EQUIVALENTS,
    "provider equivalent": EQUIVALENTS,
    "equivalents": EQUIVALENTS,
    "faq": FAQS,
    "faqs": FAQS,
    "frequently asked question": FAQS,
    "related": RELATED,
    "related term": RELATED,
    "see also": SEE_ALSO,
    "category": "Category: <slug>",
    "difficulty": "Difficulty: <level>",
}
for _heading in SECTIONS:
    _NEAR_MISSES[_heading.lower()] = _heading

_KEY_VALUE = re.compile(r"^(Category|Difficulty):[ \t]*(.*)$")
EM_DASH = " \u2014 "

# The columns these fields are stored in (aliases: the API's limit); a test keeps them equal.
MAX_NAME = 200
MAX_SLUG = 200
MAX_ALIAS = 200
MAX_ORGANIZATION = 200
MAX_TITLE = 300
MAX_SERVICE = 200
MAX_NOTE = 200
MAX_CATEGORY = 100
# Items a term may list per section, here and in the API: far more than any term needs, and
# few enough that one write stays cheap.
MAX_ITEMS = {ALIASES: 50, USE_CASES: 50, EQUIVALENTS: 50, FAQS: 50, RELATED: 100, SEE_ALSO: 100}


class ParseError(ValueError):
    """A problem in an entry, located by source and line number."""

    def __init__(self, source, line, message):
        self.source, self.line, self.message = source, line, message
        super().__init__(f"{source}:{line}: {message}" if line else f"{source}: {message}")


class ParseErrors(ValueError):
    """Every problem found in one file: `errors` lists each ParseError by line, whole-file last.

    `name` is the term's name when line 1 gave one, so callers can still tell
    which term the broken file defines.
    """

    def __init__(self, errors, name=None):
        self.errors = sorted(errors, key=lambda error: (error.line == 0, error.line))
        self.name = name
        super().__init__("\n".join(map(str, self.errors)))


@dataclass(frozen=True)
class UseCase:
    organization: str
    title: str
    description: str
    outcome: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Equivalent:
    provider: str
    service: str
    note: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class FAQ:
    question: str
    answer: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Link:
    """A term named in Related Terms or See Also."""

    name: str
    line: int = field(default=0, compare=False)


@dataclass
class Entry:
    name: str
    definition: str
    category: str
    difficulty: str
    aliases: list[str] = field(default_factory=list)
    use_cases: list[UseCase] = field(default_factory=list)
    equivalents: list[Equivalent] = field(default_factory=list)
    faqs: list[FAQ] = field(default_factory=list)
    related: list[Link] = field(default_factory=list)
    see_also: list[Link] = field(default_factory=list)
    source: str = field(default="<string>", compare=False)

    @property
    def slug(self):
        return slugify(self.name)


# Longer than any paragraph an editor writes: a longer line is not an entry.
MAX_LINE_BYTES = 2**16


def decode(data, source="<bytes>"):
    """Bytes of an entry file as text: UTF-8, BOM dropped, LF line endings; or ParseErrors."""
    if b"\x00" in data:
        raise ParseErrors([ParseError(source, 0, "binary file, not a text entry")])
    lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_BYTES:
            message = f"line over {MAX_LINE_BYTES // 2**10} KiB; split it into paragraphs"
            raise ParseErrors([ParseError(source, number, message)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = f"not UTF-8 (invalid byte 0x{data[exc.start]:02x})"
        raise ParseErrors([ParseError(source, line, message)]) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _balanced_tail(text):
    """Split "x (y (z))" into ("x", "y (z)"): the last balanced group closing the text."""
    if not text.endswith(")"):
        return text, None
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        char = text[index]
        if char == ")":
            depth += 1
        elif char == "(":
            depth -= 1
            if depth == 0:
                return text[:index].rstrip(), text[index + 1 : -1].strip()
    return text, None


def _split_org(item, what, line, source):
    head, sep, rest = item.partition(": ")
    if not sep or not head.strip() or not rest.strip():
        raise ParseError(source, line, f"malformed {what}: expected '{_FORMS[what]}'")
    return head.strip(), rest.strip()


_FORMS = {
    "use case": "- Organization: Title \u2014 Description (Outcome)",
    "provider equivalent": "- Provider: Service (optional note)",
}


def _parse_use_case(item, line, source):
    organization, rest = _split_org(item, "use case", line, source)
    if rest.count("(") != rest.count(")"):
        raise ParseError(source, line, "malformed use case: unbalanced parentheses")
    body, outcome = _balanced_tail(rest)
    if outcome is None:
        raise ParseError(
            source, line, "malformed use case: it must end with the outcome in parentheses"
        )
    title, sep, description = body.partition(EM_DASH)
    if not sep:
        raise ParseError(
            source,
            line,
            "malformed use case: ' \u2014 ' (em dash) must separate title and description",
        )
    if not (title.strip() and description.strip() and outcome):
        raise ParseError(source, line, f"malformed use case: expected '{_FORMS['use case']}'")
    return UseCase(organization, title.strip(), description.strip(), outcome, line)


def _parse_equivalent(item, line, source):
    provider, rest = _split_org(item, "provider equivalent", line, source)
    service, note = _balanced_tail(rest)
    if not service:
        raise ParseError(source, line, "malformed provider equivalent: the service name is missing")
    return Equivalent(provider, service, note or "", line)


def _heading_error(text, line, source):
    guess = _NEAR_MISSES.get(text.rstrip(":").strip().lower())
    hint = f" (did you mean '{guess}'?)" if guess else ""
    return ParseError(source, line, f"unknown section heading '{text}'{hint}")


# Lines under an unknown heading are skipped: the heading is reported, its lines mean nothing.
_UNKNOWN = "unknown section"


def _scan(lines, source, problems):
    """Sort the lines after the name into sections, adding each stray line to `problems`."""
    seen, values, definition = {}, {}, []
    items = {section: [] for section in LIST_SECTIONS}
    section = None
    for number, raw in enumerate(lines[1:], start=2):
        stripped = raw.strip()
        key = _KEY_VALUE.match(stripped)
        if stripped in SECTIONS or key:
            heading = key.group(1) if key else stripped
            if heading in seen:
                message = f"'{heading}' appears twice (first on line {seen[heading]})"
                problems.append(ParseError(source, number, message))
            else:
                seen[heading] = number
                if key:
                    values[heading] = (key.group(2).strip(), number)
            section = None if key else heading
            continue
        if not stripped:
            if section == DEFINITION:
                definition.append("")
            continue
        if section == _UNKNOWN:
            continue
        if section == DEFINITION and stripped.rstrip(":").lower() not in _NEAR_MISSES:
            definition.append(raw.rstrip())
        elif section in LIST_SECTIONS and stripped.startswith("- "):
            items[section].append((stripped[2:].strip(), number))
        elif section in LIST_SECTIONS and stripped == "-":
            problems.append(ParseError(source, number, f"empty item in '{section}'"))
        else:
            problems.append(_heading_error(stripped, number, source))
            section = _UNKNOWN
    return seen, values, items, "\n".join(definition).strip("\n")


def _parsed(parse_item, items, source, problems):
    """Each (item, line) parsed by `parse_item`, adding the ones it refuses to `problems`."""
    parsed = []
    for item, line in items:
        try:
            parsed.append(parse_item(item, line, source))
        except ParseError as error:
            problems.append(error)
    return parsed


def _too_long(fields, source):
    """A ParseError for each (line, what, value, limit) whose value exceeds its limit."""
    return [
        ParseError(source, line, f"{what} is {len(value)} characters; at most {limit}")
        for line, what, value, limit in fields
        if len(value) > limit
    ]


def _bounded_fields(aliases, use_cases, equivalents):
    """(line, what, value, limit) of each item field stored in a column of bounded length."""
    for alias, line in aliases:
        yield line, "alias", alias, MAX_ALIAS
    for use_case in use_cases:
        yield use_case.line, "use case organization", use_case.organization, MAX_ORGANIZATION
        yield use_case.line, "use case title", use_case.title, MAX_TITLE
    for equivalent in equivalents:
        yield equivalent.line, "provider service", equivalent.service, MAX_SERVICE
        yield equivalent.line, "provider note", equivalent.note, MAX_NOTE


def _name_problems(name, source):
    """The name, or else its slug, when it is too long for its column."""
    if len(name) > MAX_NAME:
        return _too_long([(1, "term name", name, MAX_NAME)], source)
    # A slug can outgrow its name: compatibility letters such as the "ffi" ligature spell out.
    return _too_long([(1, "URL slug of the name", slugify(name), MAX_SLUG)], source)


def _value_problems(values, source):
    """Problems of the Category and Difficulty values that are present."""
    problems = []
    if "Category" in values:
        category, line = values["Category"]
        if not category or slugify(category) != category:
            message = f"category must be a slug such as 'ai-ml', not '{category}'"
            problems.append(ParseError(source, line, message))
        else:
            problems += _too_long([(line, "category slug", category, MAX_CATEGORY)], source)
    if "Difficulty" in values:
        difficulty, line = values["Difficulty"]
        if difficulty not in DIFFICULTIES:
            message = f"unknown difficulty '{difficulty}' (expected {', '.join(DIFFICULTIES)})"
            problems.append(ParseError(source, line, message))
    return problems


def parse(text, source="<string>"):
    """Parse one entry; raise ParseErrors listing every problem in it."""
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines or not lines[0].strip():
        message = "missing term name: the first line must be the term's name"
        raise ParseErrors([ParseError(source, 1, message)])
    name = lines[0].strip()
    if name in SECTIONS or _KEY_VALUE.match(name):
        message = f"missing term name: line 1 is the heading '{name}'"
        raise ParseErrors([ParseError(source, 1, message)])

    problems = _name_problems(name, source)
    seen, values, items, definition = _scan(lines, source, problems)
    for required in (DEFINITION, "Category", "Difficulty"):
        if required not in seen:
            label = required if required == DEFINITION else f"{required}: ..."
            problems.append(ParseError(source, 0, f"missing '{label}' section"))
    if DEFINITION in seen and not definition.strip():
        problems.append(ParseError(source, seen[DEFINITION], "the Definition is empty"))
    problems += _value_problems(values, source)

    for section, cap in MAX_ITEMS.items():
        count = len(items[section]) // 2 if section == FAQS else len(items[section])
        if count > cap:
            message = f"'{section}' lists {count} items; at most {cap}"
            problems.append(ParseError(source, seen[section], message))
    faq_lines = items[FAQS]
    if len(faq_lines) % 2:
        problems.append(ParseError(source, faq_lines[-1][1], "FAQ question without an answer"))
    use_cases = _parsed(_parse_use_case, items[USE_CASES], source, problems)
    equivalents = _parsed(_parse_equivalent, items[EQUIVALENTS], source, problems)
    problems += _too_long(_bounded_fields(items[ALIASES], use_cases, equivalents), source)
    if problems:
        raise ParseErrors(problems, name)

    return Entry(
        name=name,
        definition=definition,
        category=values["Category"][0],
        difficulty=values["Difficulty"][0],
        aliases=[alias for alias, _ in items[ALIASES]],
        use_cases=use_cases,
        equivalents=equivalents,
        faqs=[
            FAQ(faq_lines[i][0], faq_lines[i + 1][0], faq_lines[i][1])
            for i in range(0, len(faq_lines), 2)
        ],
        related=[Link(item, n) for item, n in items[RELATED]],
        see_also=[Link(item, n) for item, n in items[SEE_ALSO]],
        source=source,
    )


def _one_line(text):
    # Items are one line each; text edited in the admin may hold newlines.
    return " ".join(text.split()) if "\n" in text else text


def serialize(entry):
    """The canonical text of an entry (no trailing newline, like the reference entry)."""
    out = [entry.name, DEFINITION, entry.definition]
    if entry.aliases:
        out += [ALIASES, *(f"- {alias}" for alias in entry.aliases)]
    out.append(USE_CASES)
    out += [
        f"- {u.organization}: {u.title}{EM_DASH}{_one_line(u.description)} ({_one_line(u.outcome)})"
        for u in entry.use_cases
    ]
    out.append(EQUIVALENTS)
    out += [
        f"- {e.provider}: {e.service}" + (f" ({e.note})" if e.note else "")
        for e in entry.equivalents
    ]
    out.append(FAQS)
    for faq in entry.faqs:
        out += [f"- {_one_line(faq.question)}", f"- {_one_line(faq.answer)}"]
    out += [f"Category: {entry.category}", f"Difficulty: {entry.difficulty}"]
    out += [RELATED, *(f"- {link.name}" for link in entry.related)]
    out += [SEE_ALSO, *(f"- {link.name}" for link in entry.see_also)]
    return "\n".join(out)
