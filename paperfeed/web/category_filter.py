"""`category=` and `primary=` as every listing, trending, feed and search takes them: several
categories (the parameter repeated, or separated by commas), checked at the edge."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Query

from paperfeed.categories import CategoryFilter, category_filter
from paperfeed.store import Store
from paperfeed.web.searching import SearchRequest


async def categories_param(
    category: Annotated[
        list[str] | None,
        Query(
            description="Only papers in these arXiv categories (repeat the parameter or "
            "separate with commas; an archive such as `math` takes in all of `math.*`)."
        ),
    ] = None,
    primary: Annotated[
        bool, Query(description="With `category`: the paper's primary category only.")
    ] = False,
) -> CategoryFilter | None:
    # async: pure parsing, no thread hop (web/deps.py)
    return category_filter(category or [], primary)


CategoriesDep = Annotated[CategoryFilter | None, Depends(categories_param)]


def narrowed(req: SearchRequest, categories: CategoryFilter | None, store: Store) -> SearchRequest:
    """A search restricted to `categories`: by the index's category field for exact names,
    else (primary only, or a whole archive such as `math`) among the store's papers in them."""
    if categories is None:
        return req
    if categories.primary or any("." not in c for c in categories.categories):
        among = store.listings.ids_in_categories(categories)
        ids = among if req.filters.ids is None else req.filters.ids & among
        return replace(req, filters=replace(req.filters, ids=ids))
    return replace(req, filters=replace(req.filters, categories=categories.categories))
