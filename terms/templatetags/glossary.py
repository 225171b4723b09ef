from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def term_link(term, text=None):
    """A link to a term that carries its one-sentence summary for the hover/focus preview."""
    return format_html(
        '<a href="{}" class="term-link" data-summary="{}">{}</a>',
        term.get_absolute_url(),
        term.summary,
        text or term.name,
    )
