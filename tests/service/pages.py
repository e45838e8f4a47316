"""Printable pages (brief, residence report) as the tests read them: well-formed HTML, and the person counts
a page prints, for the k checks of several tests."""

from __future__ import annotations

import re
from collections.abc import Collection
from html.parser import HTMLParser

_COUNT_ELEMENT = re.compile(r'class="[^"]*\bcount\b[^"]*">([^<]+)<')  # table cells, chart values, legend
_PEOPLE = re.compile(r"(\d[\d.]*) Personen")  # sentences and map titles: "PLZ 44139: 12 Personen"


def printed_counts(html: str) -> list[int]:
    """Every person count the page prints (German thousands dots removed); "unter k" is no count."""
    cells = (re.match(r"[\d.]+", text.strip()) for text in _COUNT_ELEMENT.findall(html))
    found = [int(match.group().replace(".", "")) for match in cells if match]
    return found + [int(number.replace(".", "")) for number in _PEOPLE.findall(html)]


class Page(HTMLParser):
    """Collects tags and texts and checks that every element is closed in order (``void``: tags without an end)."""

    def __init__(self, void: Collection[str]) -> None:
        super().__init__()
        self.void = void
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.void:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1:] == [tag], f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    @property
    def text(self) -> str:
        return " ".join(self.texts)


def parse_page(html: str, void: Collection[str]) -> Page:
    """The page parsed; fails unless it is a complete HTML document with every element closed."""
    page = Page(void)
    page.feed(html)
    page.close()
    assert page.stack == []
    assert page.doctype
    return page
