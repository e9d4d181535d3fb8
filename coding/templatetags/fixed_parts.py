"""``{% fixedpart key ... %}…{% endfixedpart %}``: a part of a template that shows the same
bytes to everyone with the same keys, rendered once per process and key and reused (issue
12: the coding page's dialogs, help texts and toolbar strings were ~60 ``{% translate %}``
nodes rendered again on every open).

The key is what the part depends on besides its own text: the active language, the
escaping and localisation in force, the script prefix and URLconf (the part's
``{% url %}``s), and the values of the tag's arguments (each resolved in the context, e.g.
``state.edit`` or ``media|yesno``). A part holds nothing else of the request: no CSRF
token, no name, no count, no study data that is not a key. ``settings.WORKBENCH_FIXED_PARTS = False`` renders
every part each time (tests/coding/test_fixed_parts.py compares the two).
"""

from __future__ import annotations

import weakref

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

from workbench.lib.lru import SizedLRU

register = template.Library()

#: Characters of rendered HTML kept per part, least recently used dropped first (a key per
#: language and role state: a few; arguments such as a layer key or a URL bound it by the
#: study's layers and pages).
MAX_CHARS = 1 << 20


def _size(key: tuple, html: str) -> int:
    return len(html)


_NODES: weakref.WeakSet = weakref.WeakSet()


def clear() -> None:
    """Forget every part rendered (tests: the cold render)."""
    for node in list(_NODES):
        node.rendered.clear()


class FixedPartNode(template.Node):
    def __init__(self, nodelist, keys):
        self.nodelist = nodelist
        self.keys = keys
        self.rendered = SizedLRU(MAX_CHARS, _size)
        _NODES.add(self)

    def render(self, context):
        if not getattr(settings, "WORKBENCH_FIXED_PARTS", True):
            return self.nodelist.render(context)
        key = (
            get_language(),
            context.autoescape,
            context.use_l10n,
            get_script_prefix(),
            get_urlconf(),
            *(k.resolve(context) for k in self.keys),
        )
        found = self.rendered.get(key)
        if found is None:
            found = self.nodelist.render(context)
            self.rendered.add(key, found)
        return found


@register.tag("fixedpart")
def fixedpart(parser, token):
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endfixedpart",))
    parser.delete_first_token()
    return FixedPartNode(nodelist, keys)
