"""{% card title %}…{% endcard %}: a Bootstrap card with its heading, the pages' usual box.

Options: class="mb-4" adds classes to the card; heading_id="x" gives the heading an id and
labels the card with it; id="x" gives the card an id."""

from django import template
from django.utils.html import format_html

register = template.Library()


class CardNode(template.Node):
    def __init__(self, title, options, body):
        self.title, self.options, self.body = title, options, body

    def render(self, context):
        options = {name: value.resolve(context) for name, value in self.options.items()}
        heading_id = options.get("heading_id", "")
        return format_html(
            '<section class="card{}"{}{}>\n  <div class="card-body">\n'
            '    <h2 class="h5 card-title"{}>{}</h2>\n{}  </div>\n</section>',
            f" {options['class']}" if options.get("class") else "",
            format_html(' id="{}"', options["id"]) if options.get("id") else "",
            format_html(' aria-labelledby="{}"', heading_id) if heading_id else "",
            format_html(' id="{}"', heading_id) if heading_id else "",
            self.title.resolve(context), self.body.render(context))


@register.tag
def card(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% card %} takes the card's title.")
    options = {}
    for bit in bits[2:]:
        name, equals, value = bit.partition("=")
        if not equals or name not in {"class", "id", "heading_id"}:
            raise template.TemplateSyntaxError(f"{{% card %}} does not know {bit}.")
        options[name] = parser.compile_filter(value)
    body = parser.parse(("endcard",))
    parser.delete_first_token()
    return CardNode(parser.compile_filter(bits[1]), options, body)
