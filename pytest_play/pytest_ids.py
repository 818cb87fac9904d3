"""Test ids with `[row]` brackets that every pytest from 8.0 on reads back the same way.

The one place where pytest-play reaches into pytest's internals. pytest 9.2
builds a `Function`'s node id from `originalname` and its `callspec`
(structured node ids, pytest PR 14758): an item named `test_login[editor]` with
no callspec gets the id `test_login.json::test_login`, so all rows of a
scenario share one id. Without `originalname` the id keeps its brackets, but
its structured form (`item.id`) differs from the one pytest parses back from
the cache, so `--lf` and `--nf` miss the row (pytest issue 15045).

A scenario row is a parametrization, so on pytest 9.2 it gets what pytest's
own `parametrize` gives an item: a `CallSpec` holding only the row's id. It
has no parameters, so fixtures, marks and scopes are as without one. Earlier
pytest versions build the id from the name alone.
"""

from __future__ import annotations

import pytest

try:  # pytest >= 9.2: structured node ids
    from _pytest.nodeid import NodeId  # noqa: F401
    from _pytest.python import CallSpec
except ImportError:  # pytest 8.0 - 9.1: the id is the name
    CallSpec = None

__all__ = ["parametrized_function"]


def parametrized_function(cls: type[pytest.Function], parent: pytest.Collector, *,
                          base: str, params: str | None, **kwargs) -> pytest.Function:
    """`cls.from_parent(...)` for the item `base[params]` (or `base` when params is None)."""
    name = f"{base}[{params}]" if params else base
    if CallSpec is not None and params:
        kwargs["callspec"] = CallSpec(_idlist=(params,))
    return cls.from_parent(parent, name=name, originalname=base, **kwargs)
