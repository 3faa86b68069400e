"""Which records of the mirror point at which: the questions a patch asks ("the lines of
these orders", "the moves of these transfers") answered without reading every record.

A later sync maps the documents its changes touched twice, as the last run held them and
as they are now (``incremental.py``), and finding a document's records means following
many2one links backwards: lines to their order, moves to their lines and transfers,
transfers to their sales order. Testing every record of the two mirrors for each of
those questions read a million links at a hundred thousand order lines.

Here each link is indexed once, from the new mirror, in one pass over its model. The same
index answers for the previous mirror too: a record that did not change is the very same
in both, so only the records that changed (a handful, named by the read) may point
elsewhere there, and they are tested one by one in whichever mirror is asked about.

A process that syncs again and again (the worker) keeps the links with its mirror and
moves them on with each sync's changes (:meth:`Links.advance`) instead of indexing
again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from contextlib import suppress

from controltower.connectors.odoo.reader import MirrorState, Records
from controltower.connectors.odoo.values import many2one_id


class Links:
    """Backward many2one links of the new mirror, good for the previous one too."""

    def __init__(self, state: MirrorState, changed: dict[str, set[int]]) -> None:
        """``state``: the new mirror; ``changed``: per model, the ids of the records that
        differ between it and the previous one (new, rewritten or gone)."""
        self._state = state
        self._changed = changed
        self._indexes: dict[tuple[str, str], dict[int | None, list[int]]] = {}

    def follow(self, previous: MirrorState) -> bool:
        """Whether these links index ``previous`` (the very records), so that they can
        :meth:`advance` to the mirror read after it."""
        return self._state.records is previous.records

    def advance(self, state: MirrorState, changed: dict[str, set[int]]) -> None:
        """Index ``state``, read after the mirror indexed so far (see :meth:`follow`);
        ``changed``: per model, the ids of the records that differ between the two. Only
        those move, from the record their old version named to the one their new names."""
        before = self._state
        for (model, link), index in self._indexes.items():
            ids = changed.get(model)
            if not ids:
                continue
            old_records, new_records = before.of(model), state.of(model)
            for rid in ids:
                old, new = old_records.get(rid), new_records.get(rid)
                if old is not None:
                    with suppress(ValueError):  # listed once, under what it named
                        index.get(many2one_id(old.get(link)), []).remove(rid)
                if new is not None:
                    index.setdefault(many2one_id(new.get(link)), []).append(rid)
        self._state, self._changed = state, changed

    def _index(self, model: str, link: str) -> dict[int | None, list[int]]:
        """The ids of ``model`` by the record their ``link`` names (None: no record)."""
        key = (model, link)
        index = self._indexes.get(key)
        if index is None:
            built: defaultdict[int | None, list[int]] = defaultdict(list)
            for rid, row in self._state.of(model).items():
                built[many2one_id(row.get(link))].append(rid)
            index = self._indexes[key] = dict(built)
        return index

    def any_link(self, state: MirrorState, model: str, link: str) -> bool:
        """Whether a record of ``model`` in ``state`` links to any record by ``link``."""
        index = self._index(model, link)
        records = state.of(model)
        candidates = [rid for parent, ids in index.items() if parent is not None for rid in ids]
        candidates.extend(self._changed.get(model, ()))
        return any(
            (row := records.get(rid)) is not None and many2one_id(row.get(link)) is not None
            for rid in candidates
        )

    def children(
        self, state: MirrorState, model: str, link: str, parents: Collection[int | None]
    ) -> Records:
        """The records of ``model`` in ``state`` (the new mirror or the previous one)
        whose ``link`` is one of ``parents`` (None among them: the records whose link is
        empty), by id."""
        if not parents:
            return {}
        index = self._index(model, link)
        candidates = {rid for parent in parents for rid in index.get(parent, ())}
        candidates |= self._changed.get(model, set())
        records = state.of(model)
        found: Records = {}
        for rid in sorted(candidates):
            row = records.get(rid)
            if row is not None and many2one_id(row.get(link)) in parents:
                found[rid] = row
        return found
