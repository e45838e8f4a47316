"""Columns for a million rows: dictionary-encoded values and append-only stores that snapshots share.

A :class:`CodedColumn` keeps one small integer per row and each distinct value once (kinds, states, Kreis
codes, …), so a column of a million rows costs 4 MB instead of a million Python objects. A
:class:`ColumnStore` holds a set of aligned columns with spare capacity at the end: appending rows writes
only the new rows (O(rows appended)), and every snapshot keeps its own length, so an older snapshot never
sees rows appended after it was made. Only the newest snapshot of a store may append; any other gets a copy.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.dtypes import StringDType

IntArray = npt.NDArray[np.int64]
TEXT = StringDType()  # variable-width strings: short ones inline, no Python object per row


class Vocabulary:
    """The distinct values of a coded column, append-only (codes never change, so snapshots can share it).
    ``labels`` ends with ``None``, so the code -1 (no value) decodes to ``None`` without a branch."""

    def __init__(self, values: Iterable[Hashable] = ()) -> None:
        self._code: dict[Hashable, int] = {}
        self._lock = threading.Lock()
        self.labels: npt.NDArray[np.object_] = np.array([None], dtype=object)
        self.codes_for(list(values))

    def codes_for(self, values: Sequence[Hashable]) -> npt.NDArray[np.int32]:
        """Codes of ``values`` (``None`` is -1), adding the new ones."""
        codes = np.empty(len(values), dtype=np.int32)
        with self._lock:
            added: list[Hashable] = []
            for row, value in enumerate(values):
                if value is None:
                    codes[row] = -1
                    continue
                code = self._code.get(value)
                if code is None:
                    code = self._code[value] = len(self._code)
                    added.append(value)
                codes[row] = code
            if added:
                labels = np.empty(len(self._code) + 1, dtype=object)
                labels[: len(self.labels) - 1] = self.labels[:-1]
                labels[len(self.labels) - 1 : -1] = added
                labels[-1] = None
                self.labels = labels  # replaced whole: readers holding the old array stay consistent
        return codes

    def encode(self, values: Sequence[Any] | npt.NDArray[Any]) -> npt.NDArray[np.int32]:
        """Like :meth:`codes_for`, vectorised for many rows with few distinct values (pandas' factorize)."""
        objects = np.empty(len(values), dtype=object)
        objects[:] = list(values)  # element by element: tuples stay values, not a second dimension
        local, uniques = pd.factorize(objects, use_na_sentinel=True)
        mapping = self.codes_for(list(uniques))
        return np.where(local >= 0, mapping[np.maximum(local, 0)] if len(mapping) else -1, -1).astype(np.int32)

    def code(self, value: Hashable) -> int:
        """The code of ``value``; -2 (matches no row) when no row ever had it."""
        return -1 if value is None else self._code.get(value, -2)


class CodedColumn:
    """A read-only view of a dictionary-encoded column: indexing gives values like an object array does."""

    __slots__ = ("codes", "vocabulary")

    def __init__(self, codes: npt.NDArray[np.int32], vocabulary: Vocabulary) -> None:
        self.codes = codes
        self.vocabulary = vocabulary

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, key: Any) -> Any:
        """One value for an integer position; an object array of values for an array of positions or a slice."""
        return self.vocabulary.labels[self.codes[key]]

    def take(self, positions: IntArray) -> CodedColumn:
        """The rows at ``positions``, still coded (compared with a value, only their codes are)."""
        return CodedColumn(self.codes.take(positions), self.vocabulary)

    def __eq__(self, value: object) -> npt.NDArray[np.bool_]:  # type: ignore[override]
        return np.asarray(self.codes == self.vocabulary.code(value), dtype=np.bool_)

    def __ne__(self, value: object) -> npt.NDArray[np.bool_]:  # type: ignore[override]
        return ~self.__eq__(value)

    __hash__ = None  # type: ignore[assignment]

    def isin(self, values: Iterable[Hashable]) -> npt.NDArray[np.bool_]:
        wanted = [self.vocabulary.code(v) for v in values]
        return np.isin(self.codes, np.array(wanted, dtype=np.int32))

    def tolist(self) -> list[Any]:
        return self.vocabulary.labels[self.codes].tolist()  # type: ignore[no-any-return]

    def __array__(self, dtype: Any = None, copy: Any = None) -> npt.NDArray[Any]:
        return self.vocabulary.labels[self.codes] if dtype is None else self.vocabulary.labels[self.codes].astype(dtype)

    def __iter__(self) -> Any:
        return iter(self.tolist())


Column = npt.NDArray[Any] | CodedColumn


class ColumnStore:
    """Aligned columns with spare capacity. ``view(name, size)`` is the column as a snapshot of ``size``
    rows sees it; ``appended(size, rows)`` adds rows after the first ``size`` and returns the store to use
    from then on (this one while it is the newest with room, else a grown copy)."""

    def __init__(
        self, arrays: Mapping[str, npt.NDArray[Any]], vocabularies: Mapping[str, Vocabulary], size: int
    ) -> None:
        self._arrays = dict(arrays)  # coded columns keep their codes here
        self._vocabularies = dict(vocabularies)
        self._used = size
        self._lock = threading.Lock()
        self.cache: dict[Any, Any] = {}  # what an index derives once from these columns (e.g. its lookup keys)

    @classmethod
    def from_columns(
        cls, plain: Mapping[str, npt.NDArray[Any]], coded: Mapping[str, CodedColumn], spare: float = 0.0
    ) -> ColumnStore:
        """A store of these columns (all of one length) with ``spare`` × that length of room to append."""
        size = len(next(iter(plain.values()))) if plain else len(next(iter(coded.values())))
        capacity = capacity_for(size, spare)
        arrays = {name: _with_capacity(array, capacity) for name, array in plain.items()}
        arrays.update({name: _with_capacity(column.codes, capacity) for name, column in coded.items()})
        return cls(arrays, {name: column.vocabulary for name, column in coded.items()}, size)

    @property
    def names(self) -> list[str]:
        return list(self._arrays)

    def view(self, name: str, size: int) -> Column:
        array = self._arrays[name][:size]
        vocabulary = self._vocabularies.get(name)
        return array if vocabulary is None else CodedColumn(array, vocabulary)

    def vocabulary(self, name: str) -> Vocabulary | None:
        return self._vocabularies.get(name)

    def appended(self, size: int, rows: Mapping[str, Sequence[Any] | npt.NDArray[Any]]) -> ColumnStore:
        """Store ``rows`` (every column, values decoded: coded columns get values, not codes) at positions
        ``size`` onwards. Readers of the first ``size`` rows are not disturbed."""
        if set(rows) != set(self._arrays):
            raise ValueError(
                f"appended rows need exactly the store's columns; differing: {set(rows) ^ set(self._arrays)}"
            )
        count = len(next(iter(rows.values())))
        encoded = {
            name: self._vocabularies[name].codes_for(list(values)) if name in self._vocabularies else values
            for name, values in rows.items()
        }
        with self._lock:
            capacity = len(next(iter(self._arrays.values())))
            if self._used == size and size + count <= capacity:
                self._used = size + count
                target = self
            else:  # not the newest snapshot, or full: a grown copy of the first ``size`` rows
                room = size + count + max(size // 4, 1024)
                arrays = {name: _with_capacity(array[:size], room) for name, array in self._arrays.items()}
                target = ColumnStore(arrays, self._vocabularies, size + count)
                target.cache = dict(self.cache)  # about the first ``size`` rows, which are the same
        for name, values in encoded.items():
            target._arrays[name][size : size + count] = values
        return target

    def taken(self, positions: IntArray, spare: float) -> ColumnStore:
        """A new store of the rows at ``positions`` (in that order), sharing the vocabularies."""
        capacity = len(positions) + max(int(len(positions) * spare), 1024)
        arrays = {name: _with_capacity(array[positions], capacity) for name, array in self._arrays.items()}
        return ColumnStore(arrays, self._vocabularies, len(positions))


def capacity_for(size: int, spare: float) -> int:
    """Rows a store of ``size`` rows with ``spare`` room to append holds."""
    return size + max(int(size * spare), 16 if spare else 0)


def with_room(values: Any, spare: float, dtype: Any, shape: tuple[int, ...] = ()) -> npt.NDArray[Any]:
    """``values`` (converted to ``dtype``) as the first rows of a zeroed array with the room
    :meth:`ColumnStore.from_columns` gives: a column made like this (as a full load makes its columns) goes into
    the store without a second copy."""
    size = len(values)
    grown = np.zeros((capacity_for(size, spare), *shape), dtype=dtype)
    grown[:size] = values
    return grown[:size]


def _with_capacity(array: npt.NDArray[Any], capacity: int) -> npt.NDArray[Any]:
    if len(array) == capacity:
        return array
    base = array.base
    if (
        isinstance(base, np.ndarray)
        and len(base) == capacity
        and base.dtype == array.dtype
        and base.shape[1:] == array.shape[1:]
        and base.strides == array.strides
        and base.ctypes.data == array.ctypes.data
    ):  # the first rows of an array that already has the room (with_room): no copy
        return base
    grown = np.zeros((capacity, *array.shape[1:]), dtype=array.dtype)
    grown[: len(array)] = array
    return grown


def coded(values: Sequence[Any] | npt.NDArray[Any], vocabulary: Vocabulary | None = None) -> CodedColumn:
    """``values`` dictionary-encoded (``None`` allowed)."""
    vocabulary = vocabulary or Vocabulary()
    return CodedColumn(vocabulary.encode(values), vocabulary)


def text(values: Sequence[str | None] | npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Strings (no ``None``) as one variable-width numpy column."""
    return np.asarray(values, dtype=TEXT)
