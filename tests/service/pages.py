"""What a printable page (service/residences_html.py) shows of people, for the k checks of several tests."""

from __future__ import annotations

import re

_COUNT_ELEMENT = re.compile(r'class="[^"]*\bcount\b[^"]*">([^<]+)<')  # table cells, chart values, legend
_PEOPLE = re.compile(r"(\d[\d.]*) Personen")  # sentences and map titles: "PLZ 44139: 12 Personen"


def printed_counts(html: str) -> list[int]:
    """Every person count the page prints (German thousands dots removed); "unter k" is no count."""
    cells = (re.match(r"[\d.]+", text.strip()) for text in _COUNT_ELEMENT.findall(html))
    found = [int(match.group().replace(".", "")) for match in cells if match]
    return found + [int(number.replace(".", "")) for number in _PEOPLE.findall(html)]
